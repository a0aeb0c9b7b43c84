"""Self-interaction figure of seed 003 (Figs. 11-12 analogue; digest 003 §9.3).

* left (``fig_sidm.png``, first row): the Maxwellian-averaged <sigma_T v>/(m <v>) [cm^2/g] against
  m_chi for dwarfs (v0 = 30 km/s), the Milky Way (220), groups (700) and clusters (1190), for m_s = 15,
  30 and 60 MeV (one panel each), chi2 fraction f = 0 (solid) and 0.5 (dashed, Eq. 107);
* right (second row): <sigma_T v>/m [cm^2/g km/s] against <v> = 2 v0/sqrt(pi) for three m_chi at
  m_s = 30 MeV, f = 0 and 0.5.

alpha_chi is an input (default 0.01): the paper fixes y_eff by its relic-density fit y(m_chi), which
is lost (digest §3), so the absolute scale of these curves is not the paper's. The Kaplinghat-Tulin-Yu
data points of the paper's right panels are not shipped. Because the potential is the same for every
pair and the average is linear, <sigma>(f) = ((1-f)^2 + f^2) <s11> + 2 f (1-f) <s12> is formed from
the identical (s11) and distinguishable (s12) averages of one set of phase shifts.

Output: ``results/seed003_sidm/`` (``fig_sidm.png``, ``summary.json`` with every plotted number and units).

Usage::

    python3 scripts/seed003_sidm_figure.py [--quick] [--alpha 0.01] [--workers 2] [--nodes 32]
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_OUT = REPO / "results" / "seed003_sidm"
M_S_MEV = (15.0, 30.0, 60.0)
RIGHT_M_CHI = (20.0, 100.0, 300.0)
FRACTIONS = (0.0, 0.5)


def averages(alpha: float, m_chi: float, m_s_mev: float, v0s: tuple, nodes: int) -> dict[str, list[float]]:
    """<sigma_T v>/m [cm^2/g km/s] for identical (s11) and distinguishable (s12) pairs at each v0."""
    from mcdm.physics.sidm import YukawaPotential, maxwell_average, transfer_cross_section_per_mass

    pot = YukawaPotential(alpha, m_chi, m_s_mev * 1e-3)
    out: dict[str, list[float]] = {"s11": [], "s12": []}
    for v0 in v0s:
        for key, pair in (("s11", "identical"), ("s12", "distinguishable")):
            out[key].append(maxwell_average(lambda v, p=pair: transfer_cross_section_per_mass(pot, v, pair=p),
                                            v0, n_nodes=nodes))
    return out


def mix(s11: np.ndarray, s12: np.ndarray, f: float) -> np.ndarray:
    """Eq. (107) with s22 = s11, applied to the (linear) Maxwellian averages."""
    return ((1 - f) ** 2 + f * f) * np.asarray(s11) + 2 * f * (1 - f) * np.asarray(s12)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from mcdm.io import atomic_write_json, to_jsonable
    from mcdm.physics.sidm import SYSTEM_V0_KM_S, mean_relative_speed
    from mcdm.plotting import new_figure, save_figure

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--alpha", type=float, default=0.01, help="alpha_chi [1]")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--nodes", type=int, default=32, help="Gauss-Legendre nodes of each Maxwellian average")
    p.add_argument("--quick", action="store_true", help="5 masses, m_s = 30 MeV, 3 speeds (tests)")
    args = p.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    masses = np.geomspace(10.0, 500.0, 5 if args.quick else 21)
    m_s_list = (30.0,) if args.quick else M_S_MEV
    systems = dict(SYSTEM_V0_KM_S)
    v0_right = tuple(np.geomspace(15.0, 1500.0, 3 if args.quick else 10))
    right_masses = RIGHT_M_CHI[1:2] if args.quick else RIGHT_M_CHI
    calls = [(args.alpha, float(m), ms, tuple(systems.values()), args.nodes) for ms in m_s_list for m in masses]
    calls += [(args.alpha, m, 30.0, v0_right, args.nodes) for m in right_masses]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as ex:
            results = list(ex.map(averages, *zip(*calls)))
    else:
        results = [averages(*c) for c in calls]
    left = {ms: [results[i * len(masses) + j] for j in range(len(masses))] for i, ms in enumerate(m_s_list)}
    right = dict(zip(right_masses, results[len(m_s_list) * len(masses):]))

    nrow_cols = len(m_s_list)
    fig, axes = new_figure(ncols=max(nrow_cols, 2), nrows=2, figsize=(4.0 * max(nrow_cols, 2), 7.5))
    names = list(systems)
    mean_v = {n: float(mean_relative_speed(v0)) for n, v0 in systems.items()}
    summary_left: dict[str, Any] = {}
    for i, ms in enumerate(m_s_list):
        ax = axes[0][i]
        for k, name in enumerate(names):
            s11 = np.array([r["s11"][k] for r in left[ms]])
            s12 = np.array([r["s12"][k] for r in left[ms]])
            for f, ls in zip(FRACTIONS, ("-", "--")):
                y = mix(s11, s12, f) / mean_v[name]
                ax.loglog(masses, y, ls=ls, color=f"C{k}", label=f"{name}" if f == 0 else None)
                summary_left[f"m_s={ms:g} MeV, {name}, f={f:g}"] = y
        ax.set_title(f"m_s = {ms:g} MeV, α_χ = {args.alpha:g} (solid f=0, dashed f=0.5)", fontsize=8)
        ax.set_xlabel(r"$m_\chi$ [GeV]")
        ax.set_ylabel(r"$\langle\sigma_T v\rangle/(m\langle v\rangle)$ [cm$^2$/g]")
        ax.legend(fontsize=7)
    for j in range(len(m_s_list), max(nrow_cols, 2)):
        axes[0][j].set_visible(False)
    ax = axes[1][0]
    mv_right = np.array([float(mean_relative_speed(v0)) for v0 in v0_right])
    summary_right: dict[str, Any] = {}
    for k, m in enumerate(right_masses):
        for f, ls in zip(FRACTIONS, ("-", "--")):
            y = mix(right[m]["s11"], right[m]["s12"], f)
            ax.loglog(mv_right, y, ls=ls, color=f"C{k}", label=f"m_χ = {m:g} GeV" if f == 0 else None)
            summary_right[f"m_chi={m:g} GeV, f={f:g}"] = y
    ax.set_xlabel(r"$\langle v\rangle$ [km/s]")
    ax.set_ylabel(r"$\langle\sigma_T v\rangle/m$ [cm$^2$/g km/s]")
    ax.set_title("m_s = 30 MeV (KTY data points not shipped)", fontsize=8)
    ax.legend(fontsize=7)
    for j in range(1, max(nrow_cols, 2)):
        axes[1][j].set_visible(False)
    save_figure(fig, out / "fig_sidm.png")
    summary = {"units": {"m_chi": "GeV", "sigma_over_m": "cm2/g", "sigma_v_over_m": "cm2/g km/s", "v": "km/s"},
               "alpha_chi": args.alpha, "nodes": args.nodes, "masses": masses, "systems_v0": systems,
               "mean_v": mean_v, "left_sigma_over_m": summary_left, "right_mean_v": mv_right,
               "right_sigma_v_over_m": summary_right, "quick": args.quick, "wall_seconds": time.perf_counter() - t0}
    atomic_write_json(out / "summary.json", to_jsonable(summary))
    return to_jsonable(summary)


if __name__ == "__main__":
    main()

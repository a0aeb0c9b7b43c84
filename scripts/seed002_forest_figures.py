"""Dark-forest figures of seed 002 (Ganguly, Khatri & Roy; digest 002 §5.5, Figs. 6-10).

* ``fig6_tau0_distributions.png``: unnormalised tau_0 distributions (lines per sightline per bin, Poisson
  error bars) for two M_min, both DM cases, z = 6-5 and 2-1 (the paper's Figs. 6-7, first panels);
* ``fig7_width_distributions.png``: the same for the Eq. (20) width Delta nu_w;
* ``fig8_dndz.png``: dN/dz (Eq. 18) for three M_min, and the Eq. (19) numerator dN/dz dlnM at z = 1.5 and 5.5;
* ``fig9_spectra.png``: one sightline (same seed) for collisionless and collisional DM (tau, z = 7 -> 0);
* ``fig10_calA_scaling.png``: the tau_0 distribution for three calA (exact rescaling of one run, tau ∝ calA);
* ``summary.json`` (every number plotted, units) and ``checks.md`` (the paper's qualitative statements
  (i)-(vi) of digest §5.5 evaluated on these runs).

calA = 1 (the paper's value is lost): tau_0 per unit calA. Defaults: 100 sightlines, z = 7 -> 0,
M_min = 1e6 and 1e8 M_sun/h, m_chi = 1 MeV, nu* = 156.2 GHz. ``--quick``: 8 sightlines, M_min = 1e9 and
1e10 M_sun/h (for tests).

Usage::

    python3 scripts/seed002_forest_figures.py [--quick] [--out results/seed002_forest] [--sightlines N] [--workers W]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_OUT = REPO / "results" / "seed002_forest"
CASES = ("collisionless", "collisional")
CALA_SCALING = (0.1, 1.0, 10.0)


def _doc(m_min: float, case: str, sightlines: int, shards: int, seed: int) -> dict[str, Any]:
    return {"run": {"name": "fig", "scenario": "forest", "seed": seed, "shards": shards},
            "site": {"name": "lngs"},
            "forest": {"sightlines": sightlines, "m_min": m_min, "z_max": 7.0, "case": case,
                       "spectra_written": 0, "tau_bins": [1e-7, 1e2, 36], "width_bins": [1e4, 1e9, 25]},
            "output": {"plot": False, "progress": False}}


def run_case(m_min: float, case: str, sightlines: int, workers: int, seed: int) -> tuple[Any, Any]:
    """(job, total) of the forest scenario for one (M_min, case)."""
    from mcdm.config import config_from_dict
    from mcdm.parallel import map_shards
    from mcdm.scenarios import forest

    shards = max(1, min(sightlines, 2 * workers))
    job, _ = forest.compile_job(config_from_dict(_doc(m_min, case, sightlines, shards, seed)))
    parts = map_shards(forest.simulate_shard, job, list(range(job.n_shards)), workers=workers)
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return job, total


def _dist_plot(results: dict, which: str, path: Path, xlabel: str) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    m_mins = sorted({k[0] for k in results})
    fig, axes = plt.subplots(2, 2, figsize=(11, 8), constrained_layout=True, sharex=True, sharey=True)
    for col, (hi, lo) in enumerate(((6.0, 5.0), (2.0, 1.0))):
        for row, case in enumerate(CASES):
            ax = axes[row, col]
            for j, m in enumerate(m_mins):
                job, total = results[(m, case)]
                d = total.hist.distribution(which)
                i = job.windows.index((hi, lo))
                ok = d["mean"][i] > 0
                ax.errorbar(d["centers"][ok], d["mean"][i][ok], yerr=d["poisson"][i][ok], fmt="o-", ms=3, lw=0.8,
                            capsize=2, color=f"C{j}", label=f"M_min = {m:.0e} M_sun/h")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{case}, z = {hi:g}-{lo:g}", fontsize=10)
            ax.legend(fontsize=8)
            if row == 1:
                ax.set_xlabel(xlabel)
            if col == 0:
                ax.set_ylabel("lines per sightline per bin")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _dndz_plot(out: Path, m_mins: list[float], quick: bool) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from mcdm.forest.halos import HaloModel

    halos = HaloModel()
    z = np.linspace(0.05, 7.0, 15 if quick else 41)
    data: dict[str, Any] = {"z": z, "dN_dz": {}, "mass_pdf": {}}
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for m in m_mins:
        dn = halos.dN_dz(z, m, 1e15, points_per_decade=16 if quick else 32)
        data["dN_dz"][f"{m:.0e}"] = dn
        a1.plot(z, dn, label=f"M_min = {m:.0e} M_sun/h")
    a1.set_yscale("log")
    a1.set_xlabel("z")
    a1.set_ylabel("dN/dz (Eq. 18)")
    a1.legend(fontsize=8)
    masses = np.logspace(np.log10(min(m_mins)), 15, 40 if quick else 121)
    for zz in (1.5, 5.5):
        w = halos.dN_dz_dlnM(masses, zz)
        data["mass_pdf"][f"z={zz:g}"] = w
        a2.plot(masses, w, label=f"z = {zz:g}")
    data["mass_pdf"]["M_Msun_h"] = masses
    a2.set_xscale("log")
    a2.set_yscale("log")
    a2.set_xlabel("M [M_sun/h]")
    a2.set_ylabel("dN/dz dlnM (Eq. 19 numerator)")
    a2.legend(fontsize=8)
    fig.savefig(out / "fig8_dndz.png", dpi=120)
    plt.close(fig)
    return data


def _spectra_plot(out: Path, jobs: dict[str, Any], seed: int) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(10, 6), constrained_layout=True, sharex=True)
    info = {}
    for ax, case in zip(axes, CASES):
        s = jobs[case].sampler
        sl = s.sightline(seed, 0)
        nu = s.nu_centers * 1e-9
        tau = sl.tau
        n = tau.size // 20000 + 1  # bucket maxima keep every peak visible
        m = tau.size // n * n
        ax.plot(nu[:m].reshape(-1, n)[:, 0], tau[:m].reshape(-1, n).max(axis=1), lw=0.6, color="C3")
        ax.set_ylabel(r"$\tau$ (calA = 1)")
        ax.set_title(f"{case}, M_min = {s.M_min:.0e} M_sun/h: {sl.absorbers.z.size} absorbers", fontsize=10)
        info[case] = {"absorbers": int(sl.absorbers.z.size), "tau_max": float(tau.max())}
    axes[-1].set_xlabel("observed frequency [GHz]")
    fig.savefig(out / "fig9_spectra.png", dpi=120)
    plt.close(fig)
    return info


def _calA_plot(out: Path, job: Any, total: Any) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from mcdm.forest.statistics import rescale_tau_edges

    d = total.hist.distribution("tau")
    i = job.windows.index((6.0, 5.0))
    fig, ax = plt.subplots(figsize=(6.5, 4.2), constrained_layout=True)
    data = {}
    for j, cal in enumerate(CALA_SCALING):
        edges = rescale_tau_edges(d["edges"], 1.0, cal)
        centers = np.sqrt(edges[1:] * edges[:-1])
        ok = d["mean"][i] > 0
        ax.errorbar(centers[ok], d["mean"][i][ok], yerr=d["poisson"][i][ok], fmt="o-", ms=3, lw=0.8, capsize=2,
                    color=f"C{j}", label=f"calA = {cal:g}")
        data[f"{cal:g}"] = {"edges": edges}
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\tau_0$")
    ax.set_ylabel("lines per sightline per bin")
    ax.set_title(f"collisionless, z = 6-5, M_min = {job.sampler.M_min:.0e} M_sun/h (tau ∝ calA)", fontsize=10)
    ax.legend(fontsize=8)
    fig.savefig(out / "fig10_calA_scaling.png", dpi=120)
    plt.close(fig)
    return data


def _checks(results: dict) -> list:
    """The paper's statements (i)-(vi) on these runs (digest §5.5; mcdm.forest.statements)."""
    from mcdm.forest.statements import evaluate_statements

    return evaluate_statements({key: total.hist for key, (_, total) in results.items()})


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from mcdm.forest.statements import statements_markdown
    from mcdm.io import atomic_write_json, atomic_write_text, to_jsonable

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="8 sightlines, M_min = 1e9 and 1e10 (tests)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--sightlines", type=int, default=None)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seed", type=int, default=20230109)
    args = p.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    m_mins = [1e9, 1e10] if args.quick else [1e6, 1e8]
    n = args.sightlines or (8 if args.quick else 100)
    t0 = time.perf_counter()
    results = {(m, c): run_case(m, c, n, args.workers, args.seed) for m in m_mins for c in CASES}
    _dist_plot(results, "tau", out / "fig6_tau0_distributions.png", r"$\tau_0$ (calA = 1)")
    _dist_plot(results, "width", out / "fig7_width_distributions.png", r"$\Delta\nu_w$ [Hz]")
    dndz = _dndz_plot(out, [1e9, 1e10, 1e11] if args.quick else [1e6, 1e8, 1e10], args.quick)
    spectra = _spectra_plot(out, {c: results[(m_mins[0], c)][0] for c in CASES}, args.seed)
    cal = _calA_plot(out, *results[(m_mins[0], "collisionless")])
    checks = _checks(results)
    runs = {}
    for (m, c), (job, total) in results.items():
        h = total.hist
        td, wd = h.distribution("tau"), h.distribution("width")
        runs[f"{c} M_min={m:.0e}"] = {
            "sightlines": h.n_sightlines, "windows": job.windows, "tau0_edges": td["edges"],
            "width_edges_Hz": wd["edges"], "tau0_mean": td["mean"], "tau0_poisson": td["poisson"],
            "width_mean": wd["mean"], "width_poisson": wd["poisson"], "lines_per_sightline": h.n_lines / h.n_sightlines,
            "absorbers_per_sightline": h.absorber_stats()["mean"], "expected_absorbers": job.sampler.mean_absorbers,
            "cpu_seconds": total.seconds}
    summary = {"units": {"tau0": "1 (per unit calA)", "width": "Hz", "mean": "lines per sightline per bin",
                         "dN_dz": "halos per unit z", "M": "M_sun/h"},
               "sightlines": n, "M_min": m_mins, "seed": args.seed, "quick": args.quick, "runs": runs,
               "dndz": dndz, "spectra": spectra, "calA_scaling": cal,
               "checks": {st.label: {"holds": st.holds, "evidence": st.evidence} for st in checks},
               "wall_seconds": time.perf_counter() - t0}
    atomic_write_json(out / "summary.json", to_jsonable(summary))
    md = ["# Dark-forest figures: checks of digest 002 §5.5", "",
          f"{n} sightlines, z = 7 -> 0, M_min = {', '.join(f'{m:.0e}' for m in m_mins)} M_sun/h, calA = 1", ""]
    md += [statements_markdown(checks)]
    atomic_write_text(out / "checks.md", "\n".join(md) + "\n")
    return to_jsonable(summary)


if __name__ == "__main__":
    main()

"""Seed 004 Figure 1: chi_2 decay length l = v tau_2 against the splitting delta.

Reproduces Figure 1 of Eby, Fox & Kribs (2023) (digest 004 §2.2): the decay length of Eq. (6)
(exactly v tau_2 with tau_2 from Eq. 5) for m_chi = 100 GeV, 1 TeV and 10 TeV, delta from 1 to
500 keV; left panel weak coupling g_M = 1/(16 pi^2), right panel strong coupling g_M = 1; shaded
bands for v = 100-550 km/s; grey dashed lines at 1 km and at the Earth radius.

Writes ``fig1_decay_length.png`` and ``fig1_decay_length.csv`` (l at v = 100, 450, 550 km/s) into
``--out`` (default ``results/seed004_fig1``).

Usage::

    python scripts/fig1_decay_length.py [--out results/seed004_fig1]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from mcdm.geometry.library import load_earth
from mcdm.io import atomic_path, atomic_write_text
from mcdm.physics.midm import G_M_WEAK, MagneticInelasticDM

__all__ = ["decay_length_km", "figure_table", "main"]

MASSES_GEV = (100.0, 1000.0, 10000.0)
COUPLINGS = {"weak": G_M_WEAK, "strong": 1.0}
V_BAND_KM_S = (100.0, 550.0)
V_REF_KM_S = 450.0


def decay_length_km(delta_kev, m_chi_gev: float, g_M: float, v_km_s: float,
                    constants: str = "codata") -> np.ndarray:
    """Decay length l = v tau_2 [km] (Eqs. 5-6) on a grid of splittings.

    Parameters
    ----------
    delta_kev : float or array_like
        Splittings [keV].
    m_chi_gev : float
        DM mass [GeV].
    g_M : float
        Dipole coupling of Eq. (4) [1].
    v_km_s : float
        chi_2 speed [km/s].
    constants : str
        Constants set (:func:`mcdm.constants.convention`).

    Returns
    -------
    ndarray
        Decay lengths [km], shaped like ``delta_kev``.
    """
    deltas = np.atleast_1d(np.asarray(delta_kev, dtype=float))
    out = np.array([
        MagneticInelasticDM(m_chi=m_chi_gev, delta=d * 1e-6, g_M=g_M, constants=constants).decay_length(v_km_s)
        for d in deltas.reshape(-1)
    ]).reshape(deltas.shape)
    return out if np.ndim(delta_kev) else out[0]


def figure_table(n_delta: int = 61) -> pd.DataFrame:
    """The Figure 1 curves: one row per (coupling, m_chi, delta) with l at v = 100, 450, 550 km/s [km]."""
    deltas = np.logspace(0.0, np.log10(500.0), n_delta)
    rows = []
    for label, g in COUPLINGS.items():
        for m in MASSES_GEV:
            lengths = {v: decay_length_km(deltas, m, g, v) for v in (V_BAND_KM_S[0], V_REF_KM_S, V_BAND_KM_S[1])}
            for i, d in enumerate(deltas):
                rows.append({"coupling": label, "g_M": g, "m_chi_GeV": m, "delta_keV": d,
                             "ell_v100_km": lengths[100.0][i], "ell_v450_km": lengths[450.0][i],
                             "ell_v550_km": lengths[550.0][i]})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/seed004_fig1"))
    args = parser.parse_args(argv)

    table = figure_table()
    atomic_write_text(args.out / "fig1_decay_length.csv", table.to_csv(index=False, float_format="%.6g"))
    r_earth = load_earth("three_layer_efk2023").radius
    check = decay_length_km(250.0, 1000.0, 0.1, 450.0)
    print(f"Eq. (6) check: l(g_M=0.1, 1 TeV, 250 keV, 450 km/s) = {check:.4f} km (paper: ~1 km; exact 1.039)")

    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True, constrained_layout=True)
    colors = dict(zip(MASSES_GEV, ("tab:blue", "tab:orange", "tab:green")))
    names = {100.0: "100 GeV", 1000.0: "1 TeV", 10000.0: "10 TeV"}
    for ax, (label, g) in zip(axes, COUPLINGS.items()):
        sub = table[table["coupling"] == label]
        for m in MASSES_GEV:
            s = sub[sub["m_chi_GeV"] == m]
            ax.fill_between(s["delta_keV"], s["ell_v100_km"], s["ell_v550_km"], color=colors[m], alpha=0.35,
                            lw=0, label=rf"$m_\chi$ = {names[m]}")
            ax.plot(s["delta_keV"], s["ell_v450_km"], color=colors[m], lw=0.8)
        for y, text in ((1.0, "1 km"), (r_earth, r"$R_E$")):
            ax.axhline(y, color="0.5", ls="--", lw=1)
            ax.text(1.1, y * 1.6, text, color="0.4", fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(1.0, 500.0)
        ax.set_xlabel(r"$\delta$ [keV]")
        title = r"weak coupling, $g_M = 1/16\pi^2$" if label == "weak" else r"strong coupling, $g_M = 1$"
        ax.set_title(title, fontsize=10)
    axes[0].set_ylabel(r"decay length $\ell_{\chi_2} = v\,\tau_2$ [km]")
    axes[0].legend(fontsize=8, title="bands: v = 100-550 km/s\nlines: v = 450 km/s", title_fontsize=7)
    with atomic_path(args.out / "fig1_decay_length.png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    print(f"written: {args.out}/fig1_decay_length.png, fig1_decay_length.csv")


if __name__ == "__main__":
    main()

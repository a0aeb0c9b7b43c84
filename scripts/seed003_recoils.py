"""Inelastic recoils and annual modulation of seed 003's Majorana DM on xenon (digest 003 §10.1).

Four cases over 2025 (SHM v0 = 220, v_esc = 550 km/s, rho = 0.3 GeV/cm^3, McCabe Earth orbit), xenon
with its shell-model responses, 1-100 keV:

* seed 003's axial DM current x proton vector current (m_chi = 100 GeV, delta = 100 keV, g_chi = 2.5e-5,
  epsilon = 7.2e-6, m_Z' = 10 MeV, full propagator): the paper's model, whose rate is tiny;
* spin-independent inelastic (same m_chi, delta; sigma_p = 1e-45 cm^2) and elastic (delta = 0): the
  standard comparison;
* seed 004's magnetic inelastic DM (1 TeV, delta = 100 keV, g_M = 2e-3).

``fig_recoils.png``: year-mean spectra S0(E) (each case on its own scale), the modulation fraction
Sm/S0 and the day of maximum against E_R. ``summary.json``: S0, Sm/S0 and the day of maximum at
10, 20, 30, 50, 80 keV per case, with units.

Usage::

    python3 scripts/seed003_recoils.py [--out results/seed003_recoils] [--quick]
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

DEFAULT_OUT = REPO / "results" / "seed003_recoils"
PROBE_KEV = (10.0, 20.0, 30.0, 50.0, 80.0)


def cases() -> dict[str, Any]:
    from mcdm.physics import inelastic_dd as dd
    from mcdm.physics.midm import MagneticInelasticDM

    return {"axial-proton (seed 003), δ = 100 keV": dd.AxialProtonDM(100.0, 100.0, 2.5e-5, 7.2e-6, 0.01,
                                                                       propagator="full"),
            "SI inelastic, δ = 100 keV": dd.SpinIndependentDM(100.0, 100.0, 1e-45),
            "SI elastic": dd.SpinIndependentDM(100.0, 0.0, 1e-45),
            "magnetic (seed 004), 1 TeV, δ = 100 keV": dd.MagneticDM(MagneticInelasticDM(m_chi=1000.0, delta=100e-6,
                                                                                         g_M=2e-3))}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from mcdm.io import atomic_write_json, to_jsonable
    from mcdm.physics import inelastic_dd as dd
    from mcdm.plotting import new_figure, save_figure
    from mcdm.source.halo import StandardHaloModel

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--quick", action="store_true", help="weekly days, 40 energies (tests)")
    args = p.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    halo = StandardHaloModel(v0=220.0, v_esc=550.0, rho_chi=0.3)
    days = np.arange(0.0, 366.0, 7.0 if args.quick else 1.0)
    e = np.linspace(1.0, 100.0, 40 if args.quick else 200)
    fig, axes = new_figure(ncols=3, figsize=(14, 4.2))
    summary: dict[str, Any] = {"units": {"e_r": "keV", "s0": "events/(kg day keV)", "phase_day": "d after 2025-01-01"},
                               "halo": {"v0": 220.0, "v_esc": 550.0, "rho": 0.3}, "target": "Xe", "cases": {}}
    for k, (name, params) in enumerate(cases().items()):
        spectra = dd.annual_spectra(e, days, params, "Xe", halo, year=2025)
        fit = dd.modulation_fit(days, spectra.rate)
        ok = fit.s0 > 0
        axes[0].semilogy(e[ok], fit.s0[ok] / fit.s0[ok].max(), color=f"C{k}", label=name)
        axes[1].plot(e[ok], fit.fraction[ok], color=f"C{k}")
        axes[2].plot(e[ok], fit.phase_day[ok], color=f"C{k}")
        probe = {}
        for ek in PROBE_KEV:
            j = int(np.argmin(np.abs(e - ek)))
            probe[f"{e[j]:.1f}"] = {"s0": float(fit.s0[j]), "fraction": float(fit.fraction[j]),
                                    "phase_day": float(fit.phase_day[j])}
        summary["cases"][name] = {"probe": probe, "max_s0": float(fit.s0.max())}
    axes[0].set_xlabel("E_R [keV]")
    axes[0].set_ylabel("S0(E) / max (year mean)")
    axes[0].legend(fontsize=7)
    axes[1].set_xlabel("E_R [keV]")
    axes[1].set_ylabel("modulation fraction Sm/S0")
    axes[2].set_xlabel("E_R [keV]")
    axes[2].set_ylabel("day of maximum (2025)")
    axes[2].axhline(152.5, color="grey", ls=":", lw=0.8)
    save_figure(fig, out / "fig_recoils.png")
    summary["wall_seconds"] = time.perf_counter() - t0
    summary["quick"] = args.quick
    atomic_write_json(out / "summary.json", to_jsonable(summary))
    return to_jsonable(summary)


if __name__ == "__main__":
    main()

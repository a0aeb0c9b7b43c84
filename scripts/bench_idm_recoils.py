"""Throughput of a year of inelastic nuclear-recoil spectra (seed 003 inelastic Majorana DM).

Times :func:`mcdm.physics.inelastic_dd.annual_spectra` for n_days x n_E on natural xenon, for the
three models (SI with Helm, axial-DM x proton-vector with the xenon shell-model responses, and the
seed-004 MIDM), and prints the modulation fit at a few energies (S0, Sm/S0, day of maximum).
Issue target: 365 days x 100 energies in <= 5 s per model.

Usage: python3 scripts/bench_idm_recoils.py [--m-chi 100] [--delta-kev 100] [--n-days 365]
       [--n-e 100] [--e-max 100] [--repeat 3]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from mcdm.physics import inelastic_dd as idd
from mcdm.physics.midm import MagneticInelasticDM
from mcdm.source.halo import StandardHaloModel


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--m-chi", type=float, default=100.0, help="GeV")
    p.add_argument("--delta-kev", type=float, default=100.0, help="keV")
    p.add_argument("--n-days", type=int, default=365)
    p.add_argument("--n-e", type=int, default=100)
    p.add_argument("--e-max", type=float, default=100.0, help="keV")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    halo = StandardHaloModel(v0=220.0, v_esc=544.0, rho_chi=0.3)
    days = np.arange(float(args.n_days))
    e = np.linspace(1.0, args.e_max, args.n_e)
    models = {
        "si (sigma_p = 1e-45 cm^2)": idd.SpinIndependentDM(args.m_chi, args.delta_kev, 1e-45),
        "si elastic (delta = 0)": idd.SpinIndependentDM(args.m_chi, 0.0, 1e-45),
        "axial_proton (g 1e-2, eps 1e-4, m_Z' 20 MeV)": idd.AxialProtonDM(args.m_chi, args.delta_kev, 1e-2, 1e-4, 0.02),
        "magnetic (g_M 1e-3, paper)": idd.MagneticDM(MagneticInelasticDM(
            m_chi=max(args.m_chi, 1.0), delta=abs(args.delta_kev) * 1e-6 or 1e-9, g_M=1e-3)),
    }
    idd.annual_spectra(e[:2], days[:2], models["si elastic (delta = 0)"], "Xe", halo)  # imports, tables
    print(f"{args.n_days} days x {args.n_e} energies (1..{args.e_max} keV), Xe, m_chi = {args.m_chi} GeV, "
          f"delta = {args.delta_kev} keV, SHM v0 = 220, v_esc = 544 km/s")
    for name, params in models.items():
        best = np.inf
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            spectra = idd.annual_spectra(e, days, params, "Xe", halo)
            best = min(best, time.perf_counter() - t0)
        fit = idd.modulation_fit(days, spectra.rate)
        print(f"{name:45s}: {best:.3f} s ({spectra.rate.size / best:.3g} (day, E) points/s)")
        for ek in (10.0, 20.0, 30.0, 50.0, 80.0):
            j = int(np.argmin(np.abs(e - ek)))
            if fit.s0[j] > 0:
                print(f"    E = {e[j]:6.1f} keV: S0 = {fit.s0[j]:.4g} /(kg d keV), Sm/S0 = {fit.fraction[j]:.4f}, "
                      f"max on day {fit.phase_day[j]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

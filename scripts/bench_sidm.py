"""Throughput of the Yukawa partial-wave solver (seed 003 self-interactions).

Times sigma_T(v) on a log grid of relative speeds for one (alpha_chi, m_chi, m_s), cold cache,
for distinguishable and identical pairs, and prints speeds per second and the l_max range.
Issue target: 100 speeds, alpha = 0.01, m = 100 GeV, m_s = 15 MeV, 10-2000 km/s in <= 1 s.
The first call compiles (or loads) the numba kernel and is reported separately.

Usage: python3 scripts/bench_sidm.py [--alpha 0.01] [--m-chi 100] [--m-s 0.015] [--n 100]
       [--v-min 10] [--v-max 2000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from mcdm.physics import sidm


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--alpha", type=float, default=0.01)
    p.add_argument("--m-chi", type=float, default=100.0, help="GeV")
    p.add_argument("--m-s", type=float, default=0.015, help="GeV")
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--v-min", type=float, default=10.0, help="km/s")
    p.add_argument("--v-max", type=float, default=2000.0, help="km/s")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    pot = sidm.YukawaPotential(args.alpha, args.m_chi, args.m_s)
    v = np.geomspace(args.v_min, args.v_max, args.n)
    t0 = time.perf_counter()
    sidm.transfer_cross_section(pot, v[:2])  # compile / load the kernel
    print(f"first call (JIT compile or cache load): {time.perf_counter() - t0:.2f} s")
    print(f"alpha = {pot.alpha_chi}, m_chi = {pot.m_chi_gev} GeV, m_s = {pot.m_s_gev} GeV, b = {pot.b:.3g}, "
          f"m v/m_s = {pot.m_chi_gev * v[0] / 299792.458 / pot.m_s_gev:.3g} .. "
          f"{pot.m_chi_gev * v[-1] / 299792.458 / pot.m_s_gev:.3g}")
    for pair in sidm.PAIRS:
        best = np.inf
        for _ in range(args.repeat):
            sidm._phase_shifts_cached.cache_clear()  # cold: no memoised phase shifts
            t0 = time.perf_counter()
            sig = sidm.transfer_cross_section_per_mass(pot, v, pair=pair)
            best = min(best, time.perf_counter() - t0)
        lmax = sidm.phase_shifts(pot, v).l_max
        print(f"{pair:15s}: {args.n} speeds in {best:.3f} s ({args.n / best:.0f} speeds/s); l_max {lmax.min()}"
              f"..{lmax.max()}; sigma_T/m = {sig.min():.3g} .. {sig.max():.3g} cm^2/g")
    t0 = time.perf_counter()
    sidm._phase_shifts_cached.cache_clear()
    avg = sidm.system_velocity_averages(pot)
    print(f"Maxwellian <sigma_T v>/m for the 4 systems (64 nodes each): {time.perf_counter() - t0:.2f} s")
    for name, row in avg.items():
        print(f"  {name:8s} <v> = {row['mean_v']:8.2f} km/s  <sigma_T v>/m = {row['sigma_v_over_m']:.4g} "
              f"cm^2/g km/s  <sigma_T v>/(m <v>) = {row['sigma_over_m']:.4g} cm^2/g")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

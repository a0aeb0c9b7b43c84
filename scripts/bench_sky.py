"""Benchmark of the line-of-sight integrator: a full-sky rho_DM x n_gas map (prints, asserts nothing).

NFW (local normalisation, r_s = 20 kpc) times an illustrative exponential gas disk
(n0 = 1 cm^-3, R_d = 3 kpc, z_d = 0.1 kpc) at pixel centres, s_max = 100 kpc, rtol = 1e-6.
Reports the wall time of the map (minimum of --repeat runs after a warm-up that compiles the
kernel), the number of threads,
the peak traced Python memory (tracemalloc, in an extra untimed run: numpy buffers included) and the process peak RSS,
and the relative change of the map between rtol and rtol/100 (the quadrature's own accuracy).

Usage: python3 scripts/bench_sky.py [--nside 256] [--threads 2] [--rtol 1e-6]
"""
from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from mcdm.sky import NFW, ExponentialDisk, comptel_box, disc, morphology_map, morphology_ratio


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nside", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--repeat", type=int, default=2, help="timed repetitions (the minimum is reported)")
    ap.add_argument("--no-check", action="store_true", help="skip the rtol/100 accuracy check")
    args = ap.parse_args(argv)

    emissivity = (NFW.local(), ExponentialDisk(n0=1.0, R_d=3.0, z_d=0.1))
    morphology_map(4, emissivity, rtol=args.rtol)  # compile / load the cached kernel

    walls = []
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        m = morphology_map(args.nside, emissivity, rtol=args.rtol, threads=args.threads)
        walls.append(time.perf_counter() - t0)
    wall = min(walls)
    # memory in a separate run: tracemalloc roughly doubles the wall time of the threaded map
    tracemalloc.start()
    morphology_map(args.nside, emissivity, rtol=args.rtol, threads=args.threads)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    npix = m.size
    print(f"nside = {args.nside} ({npix} pixels), threads = {args.threads}, rtol = {args.rtol:g}")
    print(f"wall time          : {wall:.2f} s  ({1e6 * wall / npix:.1f} us/pixel; target <= 10 s on 2 cores;"
          f" runs: {', '.join(f'{w:.2f}' for w in walls)} s)")
    print(f"peak traced memory : {peak / 2**20:.1f} MiB (map itself {m.nbytes / 2**20:.1f} MiB)")
    print(f"peak RSS (process) : {rss_mb:.0f} MiB")
    print(f"map range          : {m.min():.4g} .. {m.max():.4g} kpc GeV cm^-6")
    ratio = morphology_ratio(m, comptel_box(args.nside), disc(args.nside, 6.0))
    print(f"<M>_box/<M>_6deg   : {ratio:.4f}")
    if not args.no_check:
        fine = morphology_map(args.nside, emissivity, rtol=args.rtol / 100, threads=args.threads)
        print(f"max |map/map(rtol/100) - 1| : {np.max(np.abs(m / fine - 1.0)):.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

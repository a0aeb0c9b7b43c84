"""Benchmark of Standard-Halo-Model velocity sampling on one core.

Compares the two kernels of mcdm.kernels.sampling for 10^7 velocities (after a warm-up call that
compiles them): (a) Generator passed into the kernel (used by StandardHaloModel.sample), and
(b) NumPy block of normals + rejection kernel. Prints velocities per second (best of --repeat)
and the peak resident memory of the process. Target: >= 1e7 velocities/s/core.

Usage: python scripts/bench_halo.py [--n 10000000] [--repeat 5] [--seed 1] [--method a|b|both]
"""
from __future__ import annotations

import argparse
import math
import resource
import sys
import time

import numpy as np

from mcdm.kernels.sampling import reject_outside_ball
from mcdm.source.halo import StandardHaloModel


def sample_block(rng: np.random.Generator, n: int, v0: float, v_esc: float) -> np.ndarray:
    """Option (b): NumPy normals in blocks, rejection in the kernel; deterministic for a seed."""
    out = np.empty((n, 3))
    sigma = v0 / math.sqrt(2.0)
    i = 0
    while i < n:
        m = int((n - i) * 1.01) + 16  # acceptance is 0.994 for z = 2.5
        i = reject_outside_ball(rng.standard_normal((m, 3)), sigma, v_esc, out, i)
    return out


def _time(fn, seed: int, n: int, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        rng = np.random.default_rng(seed)
        t0 = time.perf_counter()
        fn(rng, n)
        best = min(best, time.perf_counter() - t0)
    return best


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0**2 if sys.platform == "darwin" else peak / 1024.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="velocities per call")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls (best is reported)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--method", choices=["a", "b", "both"], default="both",
                        help="which sampler(s) to time (peak memory is per process)")
    args = parser.parse_args(argv)

    halo = StandardHaloModel()
    methods = {
        "a: Generator in kernel (StandardHaloModel.sample)": lambda rng, n: halo.sample(n, rng),
        "b: numpy normals + rejection kernel": (
            lambda rng, n: sample_block(rng, n, halo.v0, halo.v_esc)
        ),
    }
    print(f"SHM v0={halo.v0} km/s, v_esc={halo.v_esc} km/s; "
          f"n = {args.n:.0e}, best of {args.repeat}")
    for name, fn in methods.items():
        if args.method != "both" and not name.startswith(args.method):
            continue
        fn(np.random.default_rng(0), 1000)  # warm-up: compile / load from cache
        a = fn(np.random.default_rng(args.seed), 10_000)
        b = fn(np.random.default_rng(args.seed), 10_000)
        same = bool(np.array_equal(a, b))
        dt = _time(fn, args.seed, args.n, args.repeat)
        print(f"  {name:52s} {args.n / dt:10.3e} velocities/s   "
              f"({dt:.3f} s; same seed identical: {same})")
    print(f"  output array: {args.n * 3 * 8 / 1024**2:.0f} MiB; "
          f"peak RSS of the process: {_peak_rss_mb():.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Throughput of the fused ray kernels through the 3-shell Earth of seed 004, on one core.

Rays start at a detector 1.4 km below the surface (x = (0, 0, 6369.6) km) with isotropic
directions; the kernels are called once on a small batch first so that compilation is excluded.

Usage::

    python scripts/bench_rays.py --n 1000000 10000000 --repeat 3
"""
from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # one core: the kernels use no prange anyway

import argparse  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from mcdm.kernels import rays  # noqa: E402

__all__ = ["main"]

R_SHELLS = np.array([3483.0, 6341.0, 6371.0])  # digest 004 §6: core, mantle, Earth [km]
DENSITY = np.array([[1.0e37, 0.0], [2.49e37, 3.1e37], [2.08e36, 5.0e37]])  # [km^-3], 2 species
DEPTH = 1.4  # [km]


def _rays(n: int, rng: np.random.Generator):
    """Origins (n, 3) [km] at the detector, isotropic unit directions (n, 3)."""
    origins = np.zeros((n, 3))
    origins[:, 2] = R_SHELLS[-1] - DEPTH
    d = rng.normal(size=(n, 3))
    d /= np.linalg.norm(d, axis=1)[:, None]
    return origins, d


def _time(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> None:
    """Print rays/s of the fused shell kernels and the peak resident memory."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, nargs="+", default=[1_000_000, 10_000_000],
                   help="numbers of rays per call (default: 1e6 1e7)")
    p.add_argument("--repeat", type=int, default=3, help="timed calls per case (best is kept)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    o, d = _rays(1000, rng)  # warm-up: compile (or load from cache) every specialisation used
    L = np.full(1000, np.inf)
    ell = np.full(1000, 100.0)
    rays.column_through_shells(o, d, R_SHELLS, DENSITY[:, 0].copy(), L)
    rays.column_through_shells(o, d, R_SHELLS, DENSITY, L)
    rays.exp_integral_through_shells(o, d, R_SHELLS, DENSITY[:, 0].copy(), ell, L)
    rays.exp_integral_through_shells(o, d, R_SHELLS, DENSITY, ell, L)
    rays.path_length_in_shells(o, d, R_SHELLS, L)

    print(f"threads: NUMBA_NUM_THREADS={os.environ['NUMBA_NUM_THREADS']} (kernels are serial)")
    print(f"{'kernel':<40s} {'n':>10s} {'time [s]':>9s} {'rays/s':>10s}")
    for n in args.n:
        o, d = _rays(n, rng)
        L = np.full(n, np.inf)
        ell = 10.0 ** rng.uniform(1.0, 7.0, size=n)  # 10 km .. 1e7 km
        rho1 = DENSITY[:, 0].copy()
        cases = [
            ("path_length_in_shells", lambda: rays.path_length_in_shells(o, d, R_SHELLS, L)),
            ("column_through_shells (m,)",
             lambda: rays.column_through_shells(o, d, R_SHELLS, rho1, L)),
            ("column_through_shells (m,2)",
             lambda: rays.column_through_shells(o, d, R_SHELLS, DENSITY, L)),
            ("exp_integral_through_shells (m,)",
             lambda: rays.exp_integral_through_shells(o, d, R_SHELLS, rho1, ell, L)),
            ("exp_integral_through_shells (m,2)",
             lambda: rays.exp_integral_through_shells(o, d, R_SHELLS, DENSITY, ell, L)),
        ]
        for name, fn in cases:
            t = _time(fn, args.repeat)
            print(f"{name:<40s} {n:>10d} {t:>9.4f} {n / t:>10.3e}")
        del o, d, L, ell
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
    print(f"peak resident memory: {peak_mb:.0f} MB (input arrays take 56 bytes/ray)")


if __name__ == "__main__":
    main()

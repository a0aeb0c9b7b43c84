"""Throughput of the fused ray kernels through the 3-shell Earth of seed 004, on one core.

Rays start at a detector 1.4 km below the surface (x = (0, 0, 6369.6) km) with isotropic
directions; the kernels are called once on a small batch first so that compilation is excluded.
Each ray count runs in a fresh process, so the peak memory is per count.
Target: >= 1e7 ray-3-shell traversals per second per core.

Usage::

    python3 -m benchmarks.kernels --n 1000000 10000000 --repeat 3
"""
from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from benchmarks._common import best_of, in_subprocess

__all__ = ["measure", "time_kernels", "isotropic_rays", "main", "TARGET_RAYS_PER_S"]

R_SHELLS = np.array([3483.0, 6341.0, 6371.0])  # digest 004 §6: core, mantle, Earth [km]
DENSITY = np.array([[1.0e37, 0.0], [2.49e37, 3.1e37], [2.08e36, 5.0e37]])  # [km^-3], 2 species
DEPTH = 1.4  # [km]
TARGET_RAYS_PER_S = 1e7
KERNELS = ["path_length_in_shells", "column_through_shells (m,)", "column_through_shells (m,2)",
           "exp_integral_through_shells (m,)", "exp_integral_through_shells (m,2)"]


def isotropic_rays(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Origins (n, 3) [km] at the detector and isotropic unit directions (n, 3)."""
    origins = np.zeros((n, 3))
    origins[:, 2] = R_SHELLS[-1] - DEPTH
    d = rng.normal(size=(n, 3))
    d /= np.linalg.norm(d, axis=1)[:, None]
    return origins, d


def _cases(n: int, rng: np.random.Generator) -> dict[str, Any]:
    from mcdm.kernels import rays

    o, d = isotropic_rays(n, rng)
    L = np.full(n, np.inf)
    ell = 10.0 ** rng.uniform(1.0, 7.0, size=n)  # decay lengths 10 km .. 1e7 km
    rho1 = DENSITY[:, 0].copy()
    calls = [lambda: rays.path_length_in_shells(o, d, R_SHELLS, L),
             lambda: rays.column_through_shells(o, d, R_SHELLS, rho1, L),
             lambda: rays.column_through_shells(o, d, R_SHELLS, DENSITY, L),
             lambda: rays.exp_integral_through_shells(o, d, R_SHELLS, rho1, ell, L),
             lambda: rays.exp_integral_through_shells(o, d, R_SHELLS, DENSITY, ell, L)]
    return dict(zip(KERNELS, calls))


def time_kernels(n: int, repeat: int = 3, seed: int = 1) -> dict[str, Any]:
    """Rays per second of every kernel for ``n`` rays (best of ``repeat``), in this process."""
    rng = np.random.default_rng(seed)
    for call in _cases(1000, rng).values():  # compile or load from the cache
        call()
    cases = _cases(n, rng)
    return {"n": n, "repeat": repeat, "rays_per_s": {name: n / best_of(call, repeat) for name, call in cases.items()}}


def measure(quick: bool = False) -> dict[str, Any]:
    """Rays/s per kernel and ray count, each count in a fresh single-threaded process."""
    sizes, repeat = ([100_000], 1) if quick else ([1_000_000, 10_000_000], 3)
    runs = [in_subprocess("benchmarks.kernels:time_kernels", env={"NUMBA_NUM_THREADS": "1"}, n=n, repeat=repeat)
            for n in sizes]
    return {"runs": runs, "bytes_per_ray": 56, "target_rays_per_s": TARGET_RAYS_PER_S}


def main(argv: list[str] | None = None) -> None:
    """Print rays/s of the fused shell kernels and the peak resident memory per ray count."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, nargs="+", default=[1_000_000, 10_000_000], help="rays per call")
    p.add_argument("--repeat", type=int, default=3, help="timed calls per case (best is kept)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    print(f"{'kernel':<40s} {'n':>10s} {'rays/s':>10s}")
    for n in args.n:
        r = in_subprocess("benchmarks.kernels:time_kernels", env={"NUMBA_NUM_THREADS": "1"}, n=n,
                          repeat=args.repeat, seed=args.seed)
        for name, rate in r["rays_per_s"].items():
            print(f"{name:<40s} {n:>10d} {rate:>10.3e}")
        print(f"peak resident memory at n = {n}: {r['peak_mib']:.0f} MiB (input arrays take 56 bytes/ray)")


if __name__ == "__main__":
    main()

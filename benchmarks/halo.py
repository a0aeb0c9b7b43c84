"""Standard-Halo-Model velocity sampling on one core.

Compares the two kernels of :mod:`mcdm.kernels.sampling` (after a warm-up call that compiles them):
(a) the Generator passed into the kernel (used by ``StandardHaloModel.sample``), and (b) a NumPy
block of normals plus the rejection kernel. Each sampler runs in a fresh process, so the peak
memory is per sampler. Target: >= 1e7 velocities/s/core.

Usage::

    python3 -m benchmarks.halo --n 10000000 --repeat 5
"""
from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from benchmarks._common import best_of, in_subprocess, in_subprocesses

__all__ = ["measure", "time_sampler", "sample_block", "main", "METHODS", "TARGET_VELOCITIES_PER_S"]

METHODS = {"a": "Generator passed into the numba kernel (`StandardHaloModel.sample`)",
           "b": "numpy normals + numba rejection kernel"}
TARGET_VELOCITIES_PER_S = 1e7


def sample_block(rng: np.random.Generator, n: int, v0: float, v_esc: float) -> np.ndarray:
    """Method (b): velocities (n, 3) [km/s] from NumPy normals in blocks, rejection in the kernel."""
    from mcdm.kernels.sampling import reject_outside_ball

    out = np.empty((n, 3))
    sigma = v0 / math.sqrt(2.0)
    i = 0
    while i < n:
        m = int((n - i) * 1.01) + 16  # acceptance is 0.994 for v_esc/v0 = 2.5
        i = reject_outside_ball(rng.standard_normal((m, 3)), sigma, v_esc, out, i)
    return out


def time_sampler(method: str, n: int, repeat: int = 5, seed: int = 1) -> dict[str, Any]:
    """Velocities per second of sampler ``method`` ("a" or "b") for ``n`` velocities, in this process."""
    from mcdm.source.halo import StandardHaloModel

    halo = StandardHaloModel()
    if method == "a":
        def fn(rng, k):
            return halo.sample(k, rng)
    else:
        def fn(rng, k):
            return sample_block(rng, k, halo.v0, halo.v_esc)
    fn(np.random.default_rng(0), 1000)  # compile or load from the cache
    same = bool(np.array_equal(fn(np.random.default_rng(seed), 10_000), fn(np.random.default_rng(seed), 10_000)))
    wall = best_of(lambda: fn(np.random.default_rng(seed), n), repeat)
    return {"method": method, "n": n, "velocities_per_s": n / wall, "reproducible": same,
            "output_mib": n * 3 * 8 / 1024**2}


def measure(quick: bool = False) -> dict[str, Any]:
    """Velocities/s and peak memory of both samplers, each in a fresh process (one for both if ``quick``)."""
    n, repeat = (100_000, 1) if quick else (10_000_000, 5)
    runs = in_subprocesses([("benchmarks.halo:time_sampler", {"method": m, "n": n, "repeat": repeat}) for m in METHODS],
                           fresh=not quick)
    return {"runs": runs, "target_velocities_per_s": TARGET_VELOCITIES_PER_S}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="velocities per call")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls (best is reported)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--method", choices=["a", "b", "both"], default="both", help="which sampler(s) to time")
    args = parser.parse_args(argv)
    print(f"n = {args.n:.0e}, best of {args.repeat}")
    for m, name in METHODS.items():
        if args.method in (m, "both"):
            r = in_subprocess("benchmarks.halo:time_sampler", method=m, n=args.n, repeat=args.repeat, seed=args.seed)
            print(f"  {m}: {name:68s} {r['velocities_per_s']:10.3e} velocities/s   same seed identical: "
                  f"{r['reproducible']}; peak RSS {r['peak_mib']:.0f} MiB (output {r['output_mib']:.0f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Dask overhead per shard: a trivial shard function mapped over many shards, Dask against in-process.

``mcdm.parallel.map_shards`` runs ``trivial`` (returns a 4-element array) over ``shards`` shards
in-process and on a running ``LocalCluster`` of single-threaded workers (the Client is created first
and passed as ``scheduler``, so the cluster start-up is excluded and timed apart). Overhead per
shard = (Dask wall - in-process wall) / shards; it includes scattering the job and fetching each
result. Every call gets a job of its own content: two calls in a row with equal jobs on one Client
can lose the scattered job (content-hashed key released by the first call while the second reuses
it: ``FutureCancelledError ... lost dependencies``). Target: <= 50 ms per shard on one worker.

Usage::

    python3 -m benchmarks.dask_overhead [--shards 200] [--repeat 3]
"""
from __future__ import annotations

import argparse
import itertools
from typing import Any

import numpy as np

from benchmarks._common import best_of, dask_cluster, in_subprocess

__all__ = ["measure", "time_overhead", "trivial", "main", "TARGET_OVERHEAD_S"]

TARGET_OVERHEAD_S = 0.050


def trivial(job: np.ndarray, k: int) -> np.ndarray:
    """A shard that does no work: ``job[:4] + k``."""
    return job[:4] + k


def time_overhead(shards: int = 200, repeat: int = 3, workers: list[int] | None = None) -> dict[str, Any]:
    """In-process and Dask walls [s] of ``shards`` trivial shards, per number of Dask workers, in this process."""
    from mcdm.parallel import map_shards

    job = np.zeros(16)
    jobs = (np.full(16, float(i)) for i in itertools.count(1))  # distinct scattered jobs (see above)
    ks = list(range(shards))
    inproc = best_of(lambda: map_shards(trivial, job, ks), repeat)
    rows = []
    for n in workers or [1]:
        with dask_cluster(n) as (_, client, startup):
            map_shards(trivial, next(jobs), ks[:10], workers=n, scheduler=client)  # warm-up: workers import
            wall = best_of(lambda: map_shards(trivial, next(jobs), ks, workers=n, scheduler=client), repeat)
            check = next(jobs)
            same = all(np.array_equal(a, trivial(check, k))
                       for k, a in zip(ks, map_shards(trivial, check, ks, workers=n, scheduler=client)))
        rows.append({"workers": n, "wall_s": wall, "overhead_per_shard_s": (wall - inproc) / shards,
                     "cluster_start_s": startup, "results_identical": same})
    return {"shards": shards, "repeat": repeat, "in_process_s": inproc, "rows": rows}


def measure(quick: bool = False) -> dict[str, Any]:
    """Overhead per shard on 1 and 2 workers (``quick``: 50 shards on 1 worker, once), in a fresh process."""
    r = in_subprocess("benchmarks.dask_overhead:time_overhead", shards=50 if quick else 200,
                      repeat=1 if quick else 3, workers=[1] if quick else [1, 2])
    return {**r, "target_overhead_s": TARGET_OVERHEAD_S}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    args = parser.parse_args(argv)
    r = in_subprocess("benchmarks.dask_overhead:time_overhead", shards=args.shards, repeat=args.repeat,
                      workers=args.workers)
    print(f"{args.shards} trivial shards, in-process {r['in_process_s'] * 1e3:.1f} ms")
    for row in r["rows"]:
        print(f"  Dask {row['workers']} worker(s): {row['wall_s']:.3f} s, overhead "
              f"{row['overhead_per_shard_s'] * 1e3:.2f} ms/shard (cluster start {row['cluster_start_s']:.1f} s)")


if __name__ == "__main__":
    main()

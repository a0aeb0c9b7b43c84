"""Parallel scaling of the seed-004 default day: 1 -> 2 local processes and 1 -> N Dask workers.

The built-in default config (200 000 histories in 8 shards, 24 hourly bins, 5 isotopes, one-day
catalog; plots off) runs in one fresh process: in-process, on ``workers = 2`` local processes
(a process pool started by the run), and on a Dask ``LocalCluster`` of N single-threaded workers
(N = 1, 2, ... up to the number of cores) reached through its ``tcp://`` address, as a persistent
cluster would be. The cluster's start-up is timed apart; its first run ("cold": workers import mcdm
and load the compiled kernels) is reported beside the best of the following runs ("warm"). The
backends take turns in each round, and the best of ``--repeat`` rounds is kept per backend.
Parallel efficiency = T(in-process) / (N T(N)), for the whole run and for the shard phase alone
(the rest, compiling the job and writing the report, is serial).
Target: >= 85 % on 2 cores.

Usage::

    python3 -m benchmarks.scaling [--samples 200000] [--repeat 4]
"""
from __future__ import annotations

import argparse
import contextlib
import os
from typing import Any

from benchmarks._common import dask_cluster, in_subprocess, job_doc, shard_seconds, temp_dir, timed_run

__all__ = ["measure", "time_scaling", "worker_counts", "main", "TARGET_EFFICIENCY"]

TARGET_EFFICIENCY = 0.85


def worker_counts() -> list[int]:
    """1, 2, 4, ... up to the cores available to this process."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    counts = [1]
    while counts[-1] * 2 <= cores:
        counts.append(counts[-1] * 2)
    return counts


def _once(doc: dict[str, Any]) -> tuple[float, float]:
    """Wall [s] of one run and its shard phase [s]."""
    with shard_seconds() as phases:
        wall, _ = timed_run(doc, warm=False)
    return wall, phases[-1]


def time_scaling(samples: int | None = None, repeat: int = 4, workers: list[int] | None = None,
                 dask_workers: list[int] | None = None) -> dict[str, Any]:
    """Rows (backend, workers, best wall, its shard phase) for the default day, in this process.

    The backends take turns within each of the ``repeat`` rounds, so a slow spell of a shared
    machine hits all of them alike; the best round of each is kept.
    """
    workers = workers or worker_counts()
    rows: list[dict[str, Any]] = []
    with temp_dir() as tmp, contextlib.ExitStack() as stack:
        doc = job_doc(output_dir=tmp, **({"samples": samples} if samples else {}))
        timed_run({**doc, "run": {**doc["run"], "samples": 800, "shards": 2}})  # compile in this process
        docs = [doc] + [{**doc, "run": {**doc["run"], "workers": n}} for n in workers[1:]]
        rows = [{"backend": "in-process", "workers": 1}] + [{"backend": "local processes", "workers": n}
                                                            for n in workers[1:]]
        for n in dask_workers or workers:
            cluster, _, startup = stack.enter_context(dask_cluster(n))
            docs.append({**doc, "run": {**doc["run"], "workers": n, "scheduler": cluster.scheduler_address}})
            rows.append({"backend": "Dask LocalCluster", "workers": n, "cluster_start_s": startup,
                         "cold_wall_s": _once(docs[-1])[0]})
        best = [(float("inf"), float("inf"))] * len(docs)
        for _ in range(max(1, repeat)):
            best = [min(b, _once(d)) for b, d in zip(best, docs)]
    serial = best[0]
    for row, (wall, phase) in zip(rows, best):
        n = row["workers"]
        row.update(wall_s=wall, shard_phase_s=phase, efficiency=serial[0] / (n * wall),
                   shard_efficiency=serial[1] / (n * phase))
    return {"samples": doc["run"]["samples"], "shards": doc["run"]["shards"], "repeat": repeat,
            "cores": os.cpu_count(), "rows": rows}


def measure(quick: bool = False) -> dict[str, Any]:
    """Scaling rows in a fresh process (``quick``: 20 000 histories, once, Dask on 1 worker only)."""
    quick_args = {"samples": 20_000, "repeat": 1, "dask_workers": [1]} if quick else {}
    r = in_subprocess("benchmarks.scaling:time_scaling", **quick_args)
    return {**r, "target_efficiency": TARGET_EFFICIENCY}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=None, help="histories (default: the config's)")
    parser.add_argument("--repeat", type=int, default=4, help="rounds (the best of each backend is kept)")
    args = parser.parse_args(argv)
    r = in_subprocess("benchmarks.scaling:time_scaling", samples=args.samples, repeat=args.repeat)
    print(f"default day, {r['samples']} histories in {r['shards']} shards")
    for row in r["rows"]:
        print(f"  {row['backend']:18s} {row['workers']:2d}  wall {row['wall_s']:6.2f} s  "
              f"shards {row['shard_phase_s']:6.2f} s  efficiency {row['efficiency']:5.1%} "
              f"(shard phase {row['shard_efficiency']:5.1%})")


if __name__ == "__main__":
    main()

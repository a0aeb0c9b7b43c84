"""Helpers shared by the benchmark groups: fresh-subprocess measurements, timing, run configs."""
from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["REPO", "quick_cli", "in_subprocess", "in_subprocesses", "best_of", "peak_rss_mib", "job_doc", "timed_run",
           "shard_seconds", "extrapolate", "temp_dir", "dask_cluster"]

#: repository root (``python3 -m benchmarks`` runs from here)
REPO = Path(__file__).resolve().parents[1]


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far [MiB]."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0**2 if sys.platform == "darwin" else peak / 1024.0


def in_subprocess(target: str, env: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    """Call ``module:function(**kwargs)`` in a fresh Python process and return its dict result.

    The child adds ``peak_mib`` (its peak resident memory [MiB]), so memory figures are per call.
    """
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), child_env.get("PYTHONPATH", "")) if p)
    code = "from benchmarks._common import _child_main; _child_main()"
    proc = subprocess.run([sys.executable, "-c", code, target, json.dumps(kwargs)], cwd=REPO, env=child_env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark {target}({kwargs}) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def in_subprocesses(calls: list[tuple[str, dict[str, Any]]], fresh: bool = True,
                    env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Results of ``module:function(**kwargs)`` for each ``(target, kwargs)`` of ``calls``.

    ``fresh``: one process per call (peak memory per call); otherwise one process for all of them,
    which saves the start-up and warm-up of each (``--quick``), and ``peak_mib`` is the peak so far.
    """
    if fresh:
        return [in_subprocess(target, env=env, **kwargs) for target, kwargs in calls]
    return in_subprocess("benchmarks._common:_batch", env=env, calls=calls)["results"]


def _batch(calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    results = []
    for target, kwargs in calls:
        module, _, name = target.partition(":")
        results.append({**getattr(importlib.import_module(module), name)(**kwargs), "peak_mib": peak_rss_mib()})
    return {"results": results}


def _child_main() -> None:
    module, _, name = sys.argv[1].partition(":")
    result = getattr(importlib.import_module(module), name)(**json.loads(sys.argv[2]))
    result["peak_mib"] = peak_rss_mib()
    sys.stdout.flush()
    print("\n" + json.dumps(result))


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """Shortest wall time of ``repeat`` calls of ``fn`` [s]."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def job_doc(name: str | None = None, **run: Any) -> dict[str, Any]:
    """A built-in config (``None``: the default seed-004 day) as a document, quiet and without plots.

    ``run`` updates the ``[run]`` table (samples, shards, workers, output_dir, ...).
    """
    from mcdm.config import default_config_text

    doc = tomllib.loads(default_config_text(name) if name else default_config_text())
    doc["run"].update(name="bench", **run)
    doc["output"].update(progress=False, plot=False)
    return doc


def timed_run(doc: dict[str, Any], warm: bool = True) -> tuple[float, Path]:
    """Wall time [s] of ``mcdm.run.run`` on ``doc`` and its output folder; ``warm`` first compiles on 800 histories."""
    from mcdm.config import config_from_dict
    from mcdm.run import run

    if warm:
        tiny = {**doc, "run": {**doc["run"], "samples": 800, "shards": 2, "workers": 1, "scheduler": "",
                               "name": "warm"}}
        run(config_from_dict(tiny), fresh=True)
    t0 = time.perf_counter()
    out = run(config_from_dict(doc), fresh=True)
    return time.perf_counter() - t0, out


@contextlib.contextmanager
def shard_seconds() -> Iterator[list[float]]:
    """Collect the shard-phase wall times [s] that :func:`mcdm.parallel.map_shards` logs."""
    found: list[float] = []

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            m = re.search(r"event=shards_done .*seconds=([0-9.]+)", record.getMessage())
            if m:
                found.append(float(m.group(1)))

    logger = logging.getLogger("mcdm")
    handler, level = Handler(logging.INFO), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield found
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@contextlib.contextmanager
def dask_cluster(workers: int) -> Iterator[tuple[Any, Any, float]]:
    """A running ``LocalCluster`` of ``workers`` single-threaded processes, its Client and its start-up time [s]."""
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster)
    try:
        yield cluster, client, time.perf_counter() - t0
    finally:
        client.close()
        cluster.close()


def extrapolate(wall: float, rel_error: float, target: float) -> float:
    """Wall time to reach relative error ``target`` when the error falls as 1/sqrt(N) [s]."""
    return wall * (rel_error / target) ** 2


def temp_dir() -> tempfile.TemporaryDirectory:
    """A temporary output folder for one measurement."""
    return tempfile.TemporaryDirectory(prefix="mcdm-bench-")


def quick_cli(doc: str, measure: Callable[[bool], Any], quick_help: str, argv: list[str] | None = None) -> None:
    """The command line of a group module: ``--quick`` (``quick_help``), then print ``measure`` as JSON."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    print(json.dumps(measure(parser.parse_args(argv).quick), indent=1))

"""``python3 -m benchmarks [--quick] [--only NAME ...] [--output PATH]``: measure and rewrite results/benchmarks.md.

Every group of :data:`benchmarks.GROUPS` is measured (``--only``: the named ones; the other groups keep
the figures stored in the existing output file) and the report is written atomically. The raw numbers
travel inside the Markdown file as a JSON comment, which is what ``--only`` reads back.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import GROUPS
from benchmarks._common import REPO
from benchmarks.render import load_data, render

__all__ = ["main", "machine_facts", "DEFAULT_OUTPUT", "QUICK_OUTPUT"]

DEFAULT_OUTPUT = REPO / "results" / "benchmarks.md"
QUICK_OUTPUT = REPO / "results" / "benchmarks-quick.md"  # not versioned: --quick never overwrites the real report


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return None


def _cpu_ticks() -> tuple[int, int] | None:
    """(steal, total) CPU ticks since boot from /proc/stat, or None."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    return (ticks[7] if len(ticks) > 7 else 0), sum(ticks[:8])


def machine_facts() -> dict[str, Any]:
    """CPU model, cores, memory, package versions, git commit, date (UTC) and load average."""
    from importlib import metadata

    from mcdm.provenance import git_commit, git_dirty

    versions = {"python": platform.python_version()}
    for name in ("numpy", "numba", "dask", "distributed", "mcdm"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit = git_commit(REPO)
    return {"cpu": _cpu_model(), "cores": os.cpu_count(),
            "cores_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "memory_gib": _memory_gib(), "platform": platform.platform(), "versions": versions,
            "commit": commit[:10] if commit else None, "dirty": git_dirty(REPO),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_before": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds): a smoke test, not a benchmark")
    parser.add_argument("--only", nargs="+", metavar="NAME", help=f"groups to measure: {', '.join(GROUPS)}")
    parser.add_argument("--render-only", action="store_true",
                        help="measure nothing: rewrite the report from the raw numbers it holds")
    parser.add_argument("--output", type=Path, default=None,
                        help=f"report path (default {DEFAULT_OUTPUT.relative_to(REPO)}, "
                             f"with --quick {QUICK_OUTPUT.relative_to(REPO)})")
    args = parser.parse_args(argv)
    names = args.only or list(GROUPS)
    unknown = sorted(set(names) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s) {unknown}; known: {list(GROUPS)}")
    output = args.output or (QUICK_OUTPUT if args.quick else DEFAULT_OUTPUT)
    if args.render_only:
        if not output.exists():
            parser.error(f"--render-only: {output} does not exist")
        from mcdm.io import atomic_write_text

        atomic_write_text(output, render(load_data(output)))
        print(output)
        return 0
    data = load_data(output) if args.only and output.exists() else {"groups": {}}
    data["machine"] = machine_facts()
    data["command"] = "python3 -m benchmarks" + (" --quick" if args.quick else "")
    for name in GROUPS:
        if name not in names:
            continue
        print(f"benchmarks: {name} ...", file=sys.stderr, flush=True)
        t0, load, ticks = time.perf_counter(), os.getloadavg()[0], _cpu_ticks()
        result = importlib.import_module(GROUPS[name]).measure(quick=args.quick)
        after = _cpu_ticks()
        steal = (after[0] - ticks[0]) / max(1, after[1] - ticks[1]) if ticks and after else None
        data["groups"][name] = {"measured": data["machine"]["date"], "quick": args.quick,
                                "seconds": time.perf_counter() - t0, "load": [load, os.getloadavg()[0]],
                                "steal": steal, "result": result}
        print(f"benchmarks: {name} done in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    data["machine"]["load_after"] = os.getloadavg()[0]
    from mcdm.io import atomic_write_text

    atomic_write_text(output, render(data))
    print(output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

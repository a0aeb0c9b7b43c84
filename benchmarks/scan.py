"""Wall time of the seed-004 Figure-7 scan: 20 delta x 20 g_M at Gran Sasso (``examples/scan_fig7_gran_sasso.toml``).

The scan runs as configured (1e5 histories per delta in 4 shards, 24 hourly bins, 5 isotopes,
2 workers, likelihood and figure included) in a fresh process, from scratch (``fresh=True``);
``--quick`` scans 4 x 20 points with 2000 histories per delta. The 20 couplings of a delta share
one set of histories; a second measurement times one delta task (30 keV) with 20 couplings against
1 coupling, in process. Target: <= 10 min per 20 x 20 scan.

Usage::

    python3 -m benchmarks.scan [--samples N] [--workers N]
"""
from __future__ import annotations

import argparse
import time
import tomllib
from types import SimpleNamespace
from typing import Any

from benchmarks._common import REPO, in_subprocess, in_subprocesses, temp_dir

__all__ = ["measure", "time_scan", "time_couplings", "main", "SCAN_CONFIG", "TARGET_SCAN_S"]

SCAN_CONFIG = REPO / "examples" / "scan_fig7_gran_sasso.toml"
TARGET_SCAN_S = 600.0


def time_scan(samples: int | None = None, workers: int | None = None, deltas: int | None = None) -> dict[str, Any]:
    """Wall time [s] of the whole scan in this process; ``samples`` histories per delta, ``deltas`` values if given."""
    from mcdm.scan import load_scan, run_scan

    doc = tomllib.loads(SCAN_CONFIG.read_text())
    if samples:
        doc["run"]["samples"] = samples
    if deltas:
        doc["scan"]["x_range"]["num"] = deltas
    base, plan = load_scan(doc)
    workers = workers or base["run"]["workers"]
    with temp_dir() as tmp:
        t0 = time.perf_counter()
        run_scan(base, plan, workers=workers, progress=False, fresh=True, output_dir=tmp)
        wall = time.perf_counter() - t0
    shape = [len(a.values) for a in plan.axes]
    return {"wall_s": wall, "grid": shape, "points": shape[0] * shape[1], "tasks": shape[0], "workers": workers,
            "samples_per_task": base["run"]["samples"], "shards_per_task": base["run"]["shards"]}


def time_couplings(samples: int, delta: str = "30 keV") -> dict[str, Any]:
    """Histories/s of one scan task at ``delta`` with all 20 couplings and with one coupling, in this process."""
    from mcdm.scan import load_scan, parse_scan, scan_task

    table = tomllib.loads(SCAN_CONFIG.read_text())["scan"]
    base, plan = load_scan(SCAN_CONFIG)
    base["run"]["samples"] = samples
    warm = {**base, "run": {**base["run"], "samples": 400}}
    out: dict[str, Any] = {"delta": delta, "samples": samples}
    for label, couplings in (("one", [2e-3]), ("all", list(plan.axes[plan.coupling_axis].values))):
        sub = parse_scan({**{k: v for k, v in table.items() if not k.endswith("_range")}, "x_values": [delta],
                          "y_values": couplings})
        scan_task(SimpleNamespace(base=warm, plan=sub), 0)  # compile or load from the cache
        t0 = time.perf_counter()
        scan_task(SimpleNamespace(base=base, plan=sub), 0)
        wall = time.perf_counter() - t0
        out[label] = {"couplings": len(couplings), "wall_s": wall, "histories_per_s": samples / wall}
    return out


def measure(quick: bool = False) -> dict[str, Any]:
    """The whole scan (``quick``: 4 x 20 points, 2000 histories per delta) and the coupling-sharing gain."""
    quick_scan = {"samples": 2_000, "deltas": 4} if quick else {}
    scan, couplings = in_subprocesses([("benchmarks.scan:time_scan", quick_scan),
                                       ("benchmarks.scan:time_couplings", {"samples": 4_000 if quick else 100_000})],
                                      fresh=not quick)
    return {"scan": scan, "couplings": couplings, "target_s": TARGET_SCAN_S}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=None, help="histories per delta (default: the config's)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: the config's)")
    args = parser.parse_args(argv)
    r = in_subprocess("benchmarks.scan:time_scan", samples=args.samples, workers=args.workers)
    print(f"{r['grid'][0]} x {r['grid'][1]} scan, {r['samples_per_task']} histories per delta, {r['workers']} workers: "
          f"{r['wall_s']:.1f} s (target <= {TARGET_SCAN_S:.0f} s); peak RSS {r['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()

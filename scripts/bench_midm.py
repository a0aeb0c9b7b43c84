"""Benchmark of the main job (scenario ``midm``, seed 004): throughput, time to precision, peak memory.

The measurement lives in :mod:`benchmarks.midm` (``python3 -m benchmarks`` regenerates
results/benchmarks.md from all groups); this script keeps the command line of
``python3 -m benchmarks.midm``.

Usage: python3 scripts/bench_midm.py --help
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root holds benchmarks/

from benchmarks.midm import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())

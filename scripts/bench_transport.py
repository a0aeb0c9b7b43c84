"""Benchmark of the transport core (continuous slowing-down and discrete Monte Carlo, issue 6): throughput, time to precision, peak memory.

The measurement lives in :mod:`benchmarks.transport` (``python3 -m benchmarks`` regenerates
results/benchmarks.md from all groups); this script keeps the command line of
``python3 -m benchmarks.transport``.

Usage: python3 scripts/bench_transport.py --help
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root holds benchmarks/

from benchmarks.transport import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())

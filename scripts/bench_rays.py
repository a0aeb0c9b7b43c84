"""Throughput of the fused ray kernels through the 3-shell Earth of seed 004, on one core.

The measurement lives in :mod:`benchmarks.kernels` (``python3 -m benchmarks`` regenerates
results/benchmarks.md from all groups); this script keeps the command line of
``python3 -m benchmarks.kernels``.

Usage: python3 scripts/bench_rays.py --help
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root holds benchmarks/

from benchmarks.kernels import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())

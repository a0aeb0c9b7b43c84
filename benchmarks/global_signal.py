"""Dark-atom global signal (seed 002 part 2, issue 11): one delta T_b curve and the EDGES random search.

Runs ``scripts/bench_global_signal.py``'s measurement in a fresh process (tables built once, then one
curve at the demonstration point on 321 channels, 200 random curves, and evaluate_points on the
synthetic EDGES-like spectrum), and extrapolates the paper's 2e6-point random search to core-hours.
Target: one curve <= 0.5 s.

Usage::

    python3 -m benchmarks.global_signal [--quick]
"""
from __future__ import annotations

from typing import Any

from benchmarks._common import REPO, in_subprocess, peak_rss_mib, quick_cli

__all__ = ["measure", "curve_timing", "main", "TARGET_CURVE_S", "PAPER_POINTS"]

TARGET_CURVE_S = 0.5
PAPER_POINTS = 2_000_000


def curve_timing(curves: int = 200) -> dict[str, Any]:
    """The script's figures plus peak memory."""
    import contextlib
    import io
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    import bench_global_signal

    with contextlib.redirect_stdout(io.StringIO()):
        out = bench_global_signal.main(["--curves", str(curves)])
    out["curves"] = curves
    out["peak_rss_mib"] = peak_rss_mib()
    out["paper_search_core_hours"] = PAPER_POINTS / out["evaluate_points_per_s"] / 3600.0
    return out


def measure(quick: bool = False) -> dict[str, Any]:
    """Timings in a fresh process (quick: 20 random curves)."""
    return {"run": in_subprocess("benchmarks.global_signal:curve_timing", curves=20 if quick else 200),
            "target_curve_s": TARGET_CURVE_S, "paper_points": PAPER_POINTS}


def main(argv: list[str] | None = None) -> None:
    quick_cli(__doc__, measure, "20 random curves", argv)


if __name__ == "__main__":
    main()

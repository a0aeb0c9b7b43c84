"""Benchmark of the dark-atom global signal (seed 002 part 2): time of one delta T_b curve and curves/s.

Prints the one-off table build (CAMB thermal history + free-free table), one curve at the demonstration
point, and the throughput of random curves and of :func:`mcdm.forest.edges.evaluate_points` (signal +
vectorised foreground residual) on a synthetic EDGES-like spectrum. No assertion on wall time.

Usage::

    python3 scripts/bench_global_signal.py [--curves N] [--channels K]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curves", type=int, default=200)
    ap.add_argument("--channels", type=int, default=321)
    args = ap.parse_args(argv)
    from mcdm.forest import edges as E
    from mcdm.forest.global_signal import GlobalSignalParams, default_model, global_signal

    t0 = time.perf_counter()
    default_model()
    t_build = time.perf_counter() - t0
    nu = np.linspace(40.0, 200.0, args.channels)
    p = GlobalSignalParams()
    global_signal(nu, p)
    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        global_signal(nu, p)
    t_one = (time.perf_counter() - t0) / reps
    ranges = {"m_chi_mev": (0.3, 10.0, "log"), "T_star": (4.8, 9.6), "radiative_coupling": (0.1, 300.0, "log"),
              "a": (0.01, 1.0, "log"), "z_sat": (1000.0, 5000.0, "log"), "beta": (0.0, 10.0)}
    pts = E.sample_points(ranges, args.curves, seed=1)
    t0 = time.perf_counter()
    for pt in pts:
        global_signal(nu, E.params_from_point(pt))
    rate = args.curves / (time.perf_counter() - t0)
    data = E.synthetic_spectrum()
    t0 = time.perf_counter()
    E.evaluate_points(pts, data)
    rate_eval = args.curves / (time.perf_counter() - t0)
    out = {"table_build_s": t_build, "one_curve_s": t_one, "curves_per_s": rate, "evaluate_points_per_s": rate_eval}
    print(f"tables (CAMB + free-free), once per process: {t_build:.2f} s")
    print(f"one curve ({args.channels} channels, demo point):   {1e3 * t_one:.1f} ms  (target <= 500 ms)")
    print(f"random curves:                           {rate:.0f} curves/s ({args.curves} curves)")
    print(f"evaluate_points (signal + fg residual):  {rate_eval:.0f} points/s on {len(data.nu)} channels")
    return out


if __name__ == "__main__":
    main()

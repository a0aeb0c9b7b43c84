"""Benchmark of the main job (scenario ``midm``, seed 004): throughput, time to precision, peak memory.

Runs the built-in default config (Gran Sasso, three-layer Earth, 5 isotopes, 24 hourly bins) at
several history counts, each in a fresh subprocess (so peak memory is per run), and prints

* histories per second and scores per second (history x time bin x isotope);
* the relative MC error of the daily total and of the worst hourly total, and the wall time
  extrapolated (error ~ 1/sqrt(N)) to reach 1 % on every hourly total and 0.1 % on the daily total;
* peak resident memory, which must not grow with the number of histories (shards stream chunks).

``--workers 1 2`` repeats the largest count with more processes (the numbers are identical; only
the wall time changes).

Usage::

    python scripts/bench_midm.py --samples 100000 400000 1600000 --workers 1 2
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap

__all__ = ["main"]

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time, tomllib
    from mcdm.config import config_from_dict, default_config_text
    from mcdm.run import run
    doc = tomllib.loads(default_config_text())
    n, out, workers = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    shards = max(8, n // 100_000)
    doc["run"].update(samples=n, output_dir=out, name="bench", workers=workers, shards=shards)
    doc["output"].update(progress=False, plot=False)
    doc["detector"].update(live_time="0 d")
    warm = {**doc, "run": {**doc["run"], "samples": 800, "shards": 2, "name": "warm", "workers": 1}}
    run(config_from_dict(warm))  # numba compilation
    t0 = time.perf_counter()
    o = run(config_from_dict(doc))
    wall = time.perf_counter() - t0
    s = json.loads((o / "summary.json").read_text())
    b = s["bins"]
    worst = max(e / v for e, v in zip(b["total_err"], b["total"]))
    print(json.dumps({"wall": wall, "daily_rel": s["daily_err"] / s["daily"], "worst_rel": worst,
                      "bins": len(b["total"]), "isotopes": len(s["isotopes"]),
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    """
)


def _measure(n: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(n), tmp, str(workers)], capture_output=True,
                              text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[100_000, 400_000, 1_600_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    args = parser.parse_args(argv)
    print(f"{'histories':>10s} {'workers':>7s} {'wall [s]':>9s} {'hist/s':>9s} {'scores/s':>9s} {'daily err':>9s} "
          f"{'worst hr':>9s} {'t(1%/hr) [s]':>12s} {'t(0.1%/d) [s]':>13s} {'peak [MiB]':>10s}")
    runs = [(n, 1) for n in args.samples] + [(max(args.samples), w) for w in args.workers if w != 1]
    for n, w in runs:
        r = _measure(n, w)
        t_hour = r["wall"] * (r["worst_rel"] / 1e-2) ** 2
        t_day = r["wall"] * (r["daily_rel"] / 1e-3) ** 2
        scores = n * r["bins"] * r["isotopes"] / r["wall"]
        print(f"{n:10d} {w:7d} {r['wall']:9.2f} {n / r['wall']:9.3g} {scores:9.3g} {r['daily_rel']:9.2e} "
              f"{r['worst_rel']:9.2e} {t_hour:12.3g} {t_day:13.3g} {r['peak_mib']:10.0f}", flush=True)


if __name__ == "__main__":
    main()

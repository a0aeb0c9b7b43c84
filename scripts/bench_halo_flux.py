"""Benchmark of the main job (scenario ``halo_flux``): throughput, time to precision, peak memory.

Runs the built-in config ``halo_flux_lngs`` (Gran Sasso, PREM, 24 hourly bins) at several history counts in
a fresh subprocess each (so peak memory is per run), and prints

* histories per second and ray traversals (history x time bin) per second, one worker;
* the relative MC error of the daily mean flux, and the time extrapolated (error ~ 1/sqrt(N))
  to reach 0.1 % and 0.01 %;
* peak resident memory, which must not grow with the number of histories (shards stream chunks).

Usage::

    python scripts/bench_halo_flux.py --samples 100000 400000 1600000
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
    doc = tomllib.loads(default_config_text("halo_flux_lngs"))
    doc["run"].update(samples=int(sys.argv[1]), output_dir=sys.argv[2], name="bench")
    doc["output"].update(progress=False, plot=False)
    cfg = config_from_dict(doc)
    run(config_from_dict({**doc, "run": {**doc["run"], "samples": 800, "name": "warm"}}))  # compile
    t0 = time.perf_counter()
    out = run(cfg)
    wall = time.perf_counter() - t0
    s = json.loads((out / "summary.json").read_text())
    print(json.dumps({"wall": wall, "rel_err": s["daily_mean_flux_err"] / s["daily_mean_flux"],
                      "bins": len(s["bins"]["flux"]),
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    """
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[100_000, 400_000, 1_600_000])
    args = parser.parse_args(argv)
    print(f"{'histories':>10s} {'wall [s]':>9s} {'hist/s':>10s} {'rays/s':>10s} {'rel.err':>9s} "
          f"{'t(0.1%) [s]':>11s} {'t(0.01%) [s]':>12s} {'peak [MiB]':>10s}")
    for n in args.samples:
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run([sys.executable, "-c", _CHILD, str(n), tmp], capture_output=True, text=True,
                                  check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        t01 = r["wall"] * (r["rel_err"] / 1e-3) ** 2
        t001 = r["wall"] * (r["rel_err"] / 1e-4) ** 2
        print(f"{n:10d} {r['wall']:9.2f} {n / r['wall']:10.3g} {n * r['bins'] / r['wall']:10.3g} "
              f"{r['rel_err']:9.2e} {t01:11.3g} {t001:12.3g} {r['peak_mib']:10.0f}")


if __name__ == "__main__":
    main()

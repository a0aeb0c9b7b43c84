"""The halo-flux job (built-in config ``halo_flux_lngs``): throughput, time to precision, peak memory.

Gran Sasso, PREM (100 km shells), 24 hourly bins, one worker. A history is one velocity re-scored
in all 24 bins (one ray each). Each history count runs in a fresh process (peak memory per run);
times to precision are extrapolated with error ~ 1/sqrt(N).

Usage::

    python3 -m benchmarks.halo_flux --samples 100000 400000 1600000
"""
from __future__ import annotations

import argparse
import json
from typing import Any

from benchmarks._common import extrapolate, in_subprocess, in_subprocesses, job_doc, temp_dir, timed_run

__all__ = ["measure", "run_once", "main"]


def run_once(samples: int) -> dict[str, Any]:
    """One halo-flux run of ``samples`` histories in this process: wall [s], relative error of the daily flux."""
    with temp_dir() as tmp:
        wall, out = timed_run(job_doc("halo_flux_lngs", samples=samples, output_dir=tmp))
        s = json.loads((out / "summary.json").read_text())
    rel = s["daily_mean_flux_err"] / s["daily_mean_flux"]
    bins = len(s["bins"]["flux"])
    return {"samples": samples, "wall_s": wall, "histories_per_s": samples / wall,
            "rays_per_s": samples * bins / wall, "rel_err": rel, "bins": bins,
            "t_1e-3_s": extrapolate(wall, rel, 1e-3), "t_1e-4_s": extrapolate(wall, rel, 1e-4)}


def measure(quick: bool = False, samples: list[int] | None = None) -> dict[str, Any]:
    """Rows of :func:`run_once` (plus peak memory), one fresh process each."""
    counts = samples or ([20_000] if quick else [100_000, 400_000, 1_600_000, 6_400_000])
    return {"runs": in_subprocesses([("benchmarks.halo_flux:run_once", {"samples": n}) for n in counts]),
            "default_samples": job_doc("halo_flux_lngs")["run"]["samples"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[100_000, 400_000, 1_600_000])
    args = parser.parse_args(argv)
    print(f"{'histories':>10s} {'wall [s]':>9s} {'hist/s':>10s} {'rays/s':>10s} {'rel.err':>9s} "
          f"{'t(0.1%) [s]':>11s} {'t(0.01%) [s]':>12s} {'peak [MiB]':>10s}")
    for n in args.samples:
        r = in_subprocess("benchmarks.halo_flux:run_once", samples=n)
        print(f"{n:10d} {r['wall_s']:9.2f} {r['histories_per_s']:10.3g} {r['rays_per_s']:10.3g} "
              f"{r['rel_err']:9.2e} {r['t_1e-3_s']:11.3g} {r['t_1e-4_s']:12.3g} {r['peak_mib']:10.0f}", flush=True)


if __name__ == "__main__":
    main()

"""Pearls transport mode (seed 000, issue 7): 1e6 pearls to 1.4 km and 3 years of daily tallies.

The whole ``examples/pearls_dama.toml`` run (SHM, US Standard Atmosphere 1976, 1.4 km of rock to NaI,
1096 daily bins x energy x kind, modulation fit, synthetic catalog and figures) on 1 and 2 worker
processes, after a warm-up run that loads the numba cache: wall time, histories/s, the shard phase and
the statistical errors reached (mean rate, S_m). Target: 1e6 pearls in <= 30 s on 2 cores.

Usage::

    python3 -m benchmarks.pearls [--quick]
"""
from __future__ import annotations

import json
import tomllib
from typing import Any

from benchmarks._common import REPO, in_subprocess, quick_cli, shard_seconds, temp_dir, timed_run

__all__ = ["measure", "example_run", "main", "TARGET_S", "TARGET_PEARLS"]

TARGET_S = 30.0
TARGET_PEARLS = 1_000_000
EXAMPLE = REPO / "examples" / "pearls_dama.toml"


def example_run(samples: int = TARGET_PEARLS, workers: int = 2) -> dict[str, Any]:
    """Wall time of the DAMA example run with ``samples`` pearls on ``workers`` processes."""
    doc = tomllib.loads(EXAMPLE.read_text())
    doc.setdefault("output", {}).update(progress=False)
    with temp_dir() as tmp:
        doc["run"].update(samples=samples, workers=workers, output_dir=tmp)
        with shard_seconds() as phases:
            wall, out = timed_run(doc)
        s = json.loads((out / "summary.json").read_text())
    fit = s["modulation"]["fit"] or {}
    return {"samples": samples, "workers": workers, "wall_s": wall, "pearls_per_s": samples / wall,
            "shard_phase_s": phases[-1] if phases else None, "days": s["rates"]["days"],
            "mean_rate": s["rates"]["mean_window"], "mean_rate_rel": s["rates"]["mean_window_err"]
            / s["rates"]["mean_window"], "s_m": fit.get("amplitude"), "s_m_err": fit.get("amplitude_err")}


def measure(quick: bool = False) -> dict[str, Any]:
    """The example run on 1 and 2 workers, each in a fresh process."""
    samples = 50_000 if quick else TARGET_PEARLS
    return {"runs": [in_subprocess("benchmarks.pearls:example_run", samples=samples, workers=w) for w in (1, 2)],
            "target_s": TARGET_S, "target_pearls": TARGET_PEARLS}


def main(argv: list[str] | None = None) -> None:
    quick_cli(__doc__, measure, "small samples (seconds)", argv)


if __name__ == "__main__":
    main()

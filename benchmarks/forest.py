"""Dark forest (seed 002, issue 8): 1000 sightlines z = 7 -> 0 with lines resolved, on 2 cores.

The forest scenario at the defaults of ``examples/forest_default.toml`` (collisionless, M_min = 1e6
M_sun/h, >= 5 channels per narrowest Doppler width on a ln-nu grid, ~4.3e6 channels, ~6700 absorbers
per sightline), no spectra or plots, after a warm-up run that builds the line table, loads the numba
cache and fills the process's table cache: the shard phase (sightlines only, the one-off table is
excluded as the issue asks), whole-run wall time, sightlines/s and absorbers/s. Target: 1000
sightlines in <= 60 s on 2 cores.

Usage::

    python3 -m benchmarks.forest [--quick]
"""
from __future__ import annotations

import json
import tomllib
from typing import Any

from benchmarks._common import REPO, in_subprocess, quick_cli, shard_seconds, temp_dir

__all__ = ["measure", "forest_run", "main", "TARGET_S", "TARGET_SIGHTLINES"]

TARGET_S = 60.0
TARGET_SIGHTLINES = 1000
EXAMPLE = REPO / "examples" / "forest_default.toml"


def forest_run(sightlines: int = TARGET_SIGHTLINES, workers: int = 2) -> dict[str, Any]:
    """Shard phase and wall time of ``sightlines`` default sightlines on ``workers`` processes."""
    import time

    from mcdm.config import config_from_dict
    from mcdm.run import run

    doc = tomllib.loads(EXAMPLE.read_text())
    doc["forest"].update(spectra_written=0)
    doc["output"] = {"progress": False, "plot": False}
    with temp_dir() as tmp:
        warm = {**doc, "run": {**doc["run"], "name": "warm", "shards": 1, "workers": 1, "output_dir": tmp},
                "forest": {**doc["forest"], "sightlines": 2}}
        run(config_from_dict(warm), fresh=True)
        doc["run"].update(workers=workers, shards=max(2 * workers, 10), output_dir=tmp)
        doc["forest"].update(sightlines=sightlines)
        with shard_seconds() as phases:
            t0 = time.perf_counter()
            out = run(config_from_dict(doc), fresh=True)
            wall = time.perf_counter() - t0
        s = json.loads((out / "summary.json").read_text())
    phase = phases[-1] if phases else wall
    absorbers = s["absorbers_per_sightline"]["sampled"] * sightlines
    return {"sightlines": sightlines, "workers": workers, "wall_s": wall, "shard_phase_s": phase,
            "sightlines_per_s": sightlines / phase, "absorbers_per_s": absorbers / phase,
            "absorbers_per_sightline": s["absorbers_per_sightline"]["sampled"],
            "channels": s["sampler"]["n_channels"], "cpu_s_per_sightline": s["cpu_seconds"] / sightlines}


def measure(quick: bool = False) -> dict[str, Any]:
    """The run on 2 workers in a fresh process (quick: 100 sightlines)."""
    n = 100 if quick else TARGET_SIGHTLINES
    return {"runs": [in_subprocess("benchmarks.forest:forest_run", sightlines=n, workers=2)],
            "target_s": TARGET_S, "target_sightlines": TARGET_SIGHTLINES}


def main(argv: list[str] | None = None) -> None:
    quick_cli(__doc__, measure, "100 sightlines", argv)


if __name__ == "__main__":
    main()

"""Transport core (issue 6): continuous slowing-down throughput and the discrete Monte Carlo's cost of a 1e-4 attenuation.

* **continuous**: straight-line trajectories through the US Standard Atmosphere 1976, 1.4 km of rock
  and the PREM Earth to the Gran Sasso detector (``examples/transport_gran_sasso.toml``: 1e5 GeV,
  sigma_p = 1e-31 cm^2), isotropic directions and halo speeds, ``ContinuousSlowing.arrive`` on 1 and
  2 threads (target >= 1e6 trajectories/s on 2 cores); and the whole example run (histories x 24
  hourly bins) with the time to 1 % on every hourly density.
* **discrete**: the deep-detector setup of ``tests/statistical/test_discrete_flux.py`` (PREM, 1.4 km,
  1 GeV, sigma_p = 1e-30 cm^2, v_cut = 150 km/s: surviving density ~8e-5): primaries/s, tracks/s and
  the time to measure the density to 10 %, with the tuned splitting map and analogue.

Usage::

    python3 -m benchmarks.transport [--quick]
"""
from __future__ import annotations

import argparse
import json
import time
import tomllib
from typing import Any

import numpy as np

from benchmarks._common import REPO, extrapolate, in_subprocess, temp_dir

__all__ = ["measure", "continuous_rays", "continuous_run", "discrete_deep", "main", "TARGET_TRAJECTORIES_PER_S"]

TARGET_TRAJECTORIES_PER_S = 1.0e6
EXAMPLE = REPO / "examples" / "transport_gran_sasso.toml"


def _example_doc(**run: Any) -> dict[str, Any]:
    doc = tomllib.loads(EXAMPLE.read_text())
    doc["run"].update(**run)
    doc.setdefault("output", {}).update(progress=False, plot=False)
    return doc


def continuous_rays(n: int = 2_000_000, repeat: int = 3) -> dict[str, Any]:
    """Trajectories/s of ``ContinuousSlowing.arrive`` at Gran Sasso on 1 and 2 threads."""
    from mcdm.config import config_from_dict
    from mcdm.scenarios.transport import compile_job
    from mcdm.source import StandardHaloModel

    with temp_dir() as tmp:
        job, _ = compile_job(config_from_dict(_example_doc(output_dir=tmp)))
    rng = np.random.default_rng(1)
    v = StandardHaloModel(v0=job.v0, v_esc=job.v_esc).sample(n, rng) - job.u_earth[0]
    speed = np.linalg.norm(v, axis=1)
    d = v / speed[:, None]
    job.slowing.arrive(job.detector_position, d[:1000], speed[:1000], v_min=job.v_cut)  # compile
    out: dict[str, Any] = {"n": n, "v_cut_km_s": job.v_cut}
    for threads in (1, 2):
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            arr = job.slowing.arrive(job.detector_position, d, speed, v_min=job.v_cut, threads=threads)
            best = min(best, time.perf_counter() - t0)
        out[f"trajectories_per_s_{threads}"] = n / best
    out["arrived_fraction"] = float(np.mean(arr.speed > 0))
    return out


def continuous_run(samples: int = 200_000) -> dict[str, Any]:
    """The whole example run in this process (one worker): histories/s and time to 1 % per hour."""
    from mcdm.config import config_from_dict
    from mcdm.run import run

    with temp_dir() as tmp:
        doc = _example_doc(output_dir=tmp, samples=samples, workers=1)
        run(config_from_dict({**doc, "run": {**doc["run"], "samples": 800, "shards": 2, "name": "warm"}}), fresh=True)
        t0 = time.perf_counter()
        out = run(config_from_dict(doc), fresh=True)
        wall = time.perf_counter() - t0
        s = json.loads((out / "summary.json").read_text())
    b = s["bins"]
    rel = max(e / v for v, e in zip(b["density_ratio"], b["density_ratio_err"]) if v > 0)
    return {"samples": samples, "bins": len(b["density_ratio"]), "wall_s": wall, "histories_per_s": samples / wall,
            "trajectories_per_s": samples * len(b["density_ratio"]) / wall, "worst_hour_rel": rel,
            "t_hour_1pct_s": extrapolate(wall, rel, 0.01)}


def discrete_deep(primaries: int = 200_000, analogue: int = 1_000_000, pilot: int = 2000) -> dict[str, Any]:
    """Deep detector (surviving density ~8e-5): tuned splitting vs analogue, time to 10 %."""
    from mcdm.geometry.library import load_earth
    from mcdm.physics.interaction import SpinIndependent
    from mcdm.source import StandardHaloModel
    from mcdm.transport.discrete import entry_points, simulate_discrete, tune_importance

    shells = load_earth("prem", ocean="crust").compile(
        nuclides=["O16", "Si28", "Al27", "Fe56", "Ca40", "Mg24", "Na23", "K39"])
    radius = float(shells.outer_radii[-1])
    r_det = radius - 1.4
    tab = SpinIndependent(1.0, 1.0e-30).tables(shells.nuclides, np.geomspace(0.1, 1000.0, 161))
    halo = StandardHaloModel()
    v_earth = np.array([11.1, 232.2, 7.3])
    edges = np.linspace(0.0, 800.0, 17)
    kw = dict(detector_thickness_km=0.1)

    def sample(n, rng):
        vel = halo.sample(n, rng) - v_earth
        return entry_points(vel, radius, rng), vel, np.linalg.norm(vel, axis=1)

    rng = np.random.default_rng(21)
    pos, vel, w = sample(1000, rng)
    simulate_discrete(tab, shells, r_det, pos, vel, rng, edges, 150.0, weights=w, **kw)  # compile
    t0 = time.perf_counter()
    pos, vel, w = sample(pilot, rng)
    imp = tune_importance(tab, shells, r_det, pos, vel, rng, 150.0, weights=w, **kw)
    t_tune = time.perf_counter() - t0
    rows = []
    for name, n, importance in (("tuned splitting", primaries, imp), ("analogue", analogue, None)):
        pos, vel, w = sample(n, rng)
        t0 = time.perf_counter()
        res = simulate_discrete(tab, shells, r_det, pos, vel, rng, edges, 150.0, importance, weights=w, **kw)
        wall = time.perf_counter() - t0
        d = res.density_ratio
        rows.append({"method": name, "primaries": n, "wall_s": wall, "primaries_per_s": n / wall,
                     "tracks_per_primary": res.tracks / n, "scatters_per_primary": res.scatter_events / n,
                     "density_ratio": d.value, "density_ratio_err": d.error,
                     "t_10pct_s": extrapolate(wall, d.error / d.value, 0.10)})
    return {"tuning_s": t_tune, "rows": rows}


def measure(quick: bool = False) -> dict[str, Any]:
    """All three measurements, each in a fresh process."""
    if quick:
        return {"rays": in_subprocess("benchmarks.transport:continuous_rays", n=200_000, repeat=1),
                "run": in_subprocess("benchmarks.transport:continuous_run", samples=20_000),
                "discrete": in_subprocess("benchmarks.transport:discrete_deep", primaries=20_000, analogue=100_000),
                "target_trajectories_per_s": TARGET_TRAJECTORIES_PER_S}
    return {"rays": in_subprocess("benchmarks.transport:continuous_rays"),
            "run": in_subprocess("benchmarks.transport:continuous_run"),
            "discrete": in_subprocess("benchmarks.transport:discrete_deep"),
            "target_trajectories_per_s": TARGET_TRAJECTORIES_PER_S}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small samples (seconds)")
    r = measure(parser.parse_args(argv).quick)
    print(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()

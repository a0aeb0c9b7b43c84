"""The ``transport`` scenario with ``method = "discrete"`` and overburden slabs: the planar
discrete-scatter Monte Carlo per time bin plus the straight-line part from below (small runs)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mcdm.config import config_from_dict, load_config
from mcdm.errors import ConfigError
from mcdm.run import run
from mcdm.scenarios import transport as T
from mcdm.scenarios import transport_planar as TP
from mcdm.tally import Tally

ROOT = Path(__file__).resolve().parents[2]


def _doc(tmp_path=None, name="p", **transport):
    doc = {"run": {"name": name, "scenario": "transport", "seed": 11, "samples": 600, "shards": 2},
           "site": {"name": "lngs"}, "dark_matter": {"mass": "1 GeV"},
           "time": {"bins": 3, "width": "8 h"},
           "transport": {"method": "discrete", "overburden": "crust_1400m", "sigma_p": "1e-31 cm2",
                         "v_cut": "100 km/s", "speed_bins": 30, **transport},
           "output": {"progress": False, "plot": False}}
    if tmp_path is not None:
        doc["run"]["output_dir"] = str(tmp_path)
    return doc


def test_compile_builds_the_planar_stack():
    job, ctx = T.compile_job(config_from_dict(_doc(importance="none")))
    p = job.planar
    assert isinstance(p, TP.PlanarSetup) and job.method == "discrete" and p.importance is None
    z = np.asarray(p.layers.z_edges)
    # US Standard Atmosphere 1976 (86 km) on top of the 1.4 km crust, the detector at the bottom
    assert p.atmosphere_km == pytest.approx(86.0, rel=1e-3)
    assert z[0] == 0.0 and z[-1] == pytest.approx(p.atmosphere_km + 1.4, rel=1e-12)
    assert p.detector_depth_km == z[-1]
    assert p.layers.column_density() == pytest.approx(
        ctx["overburden_slabs"].column_density() + 1035.0, rel=0.01)  # + the air's ~1035 g/cm^2
    # columns on the interaction table's rows (air and crust nuclides together)
    assert p.layers.nuclides == tuple(job.slowing.nuclides)
    assert p.layers.number_density.shape == (z.size - 1, job.slowing.tables.sigma.shape[0])
    assert p.tables is job.slowing.tables
    # 2 % of the rock depth, clipped to [1 m, 10 m]; floor 100 km below the detector
    assert p.detector_thickness_km == pytest.approx(0.01)
    assert p.floor_depth_km == pytest.approx(z[-1] + 0.005 + TP.PLANAR_FLOOR_BELOW_KM)
    # the part from below is scored at the detector's depth inside the spherical Earth
    np.testing.assert_allclose(p.below_detector_km, [0.0, 0.0, ctx["earth"].radius - 1.4])
    assert job.free_mean_speed.shape == (3,) and ctx["depth_km"] == pytest.approx(1.4)

    job, _ = T.compile_job(config_from_dict(_doc(importance="none", atmosphere=False)))
    assert job.planar.atmosphere_km == 0.0 and job.planar.detector_depth_km == pytest.approx(1.4)


def test_auto_importance_splits_above_the_detector():
    """1 GeV under 1.4 km of crust (~1e-4 arrives): splitting towards the detector, no roulette
    below it (light dark matter diffuses back from below)."""
    job, _ = T.compile_job(config_from_dict(_doc(sigma_p="1e-30 cm2")))
    p = job.planar
    imp = p.importance
    b = np.asarray(imp.boundaries_km)
    v = np.asarray(imp.values)
    assert np.all(np.diff(b) > 0) and v.size == b.size + 1
    assert b[-1] == pytest.approx(p.detector_depth_km) and b.size == TP.PLANAR_REGIONS
    assert np.all(np.diff(v) >= 0) and v[-1] >= 64
    # deterministic in the seed
    again, _ = T.compile_job(config_from_dict(_doc(sigma_p="1e-30 cm2")))
    assert again.planar.importance == imp


def test_auto_importance_roulettes_heavy_dark_matter_below_the_detector():
    doc = _doc(sigma_p="1e-31 cm2", v_cut="30 km/s")
    doc["dark_matter"]["mass"] = "1e5 GeV"
    doc["run"]["samples"] = 100  # a short pilot
    job, _ = T.compile_job(config_from_dict(doc))
    p = job.planar
    b = np.asarray(p.importance.boundaries_km)
    v = np.asarray(p.importance.values)
    n_above = int(np.searchsorted(b, p.detector_depth_km, side="right"))
    assert n_above == TP.PLANAR_REGIONS and b.size == n_above + TP.PLANAR_ROULETTE_STEPS
    below = v[n_above:]
    np.testing.assert_allclose(below[1:] / below[:-1], 0.5)
    step = 1.4 / TP.PLANAR_REGIONS
    np.testing.assert_allclose(np.diff(b[n_above - 1:])[1:], step, rtol=1e-9)
    assert b[-1] < p.floor_depth_km


def test_tracks_are_refused_with_slabs():
    with pytest.raises(ConfigError, match="transport.tracks"):
        T.compile_job(config_from_dict(_doc(importance="none", tracks=3)))


def test_run_writes_consistent_outputs(tmp_path):
    doc = _doc(tmp_path, importance="none")  # analogue: the fractions below add up exactly
    doc["output"]["plot"] = True
    out = run(config_from_dict(doc))
    for name in ("summary.json", "density.json", "flux.json", "speed_density.json",
                 "transport.png", "manifest.json", "config.toml"):
        assert (out / name).is_file(), name
    s = json.loads((out / "summary.json").read_text())
    assert s["method"] == "discrete" and s["schema"] == "mcdm.summary"
    assert s["units"]["flux"] == "cm^-2 s^-1" and s["draws_per_bin"] == 600
    b, pl = s["bins"], s["planar"]
    above, below = pl["from_above"], pl["from_below"]
    assert len(b["density_ratio"]) == 3 and pl["overburden"] == "crust_1400m"
    # the sum of the two parts
    np.testing.assert_allclose(b["density_ratio"],
                               np.add(above["density_ratio"], below["density_ratio"]), rtol=1e-12)
    np.testing.assert_allclose(b["flux_ratio"],
                               np.add(above["flux_ratio"], below["flux_ratio"]), rtol=1e-12)
    assert np.all(np.asarray(b["density_ratio"]) > 0)
    assert np.all(np.asarray(b["density_ratio_err"]) > 0)
    # fractions of the entering current (with roulette they add up only on average)
    for k in range(3):
        total = sum(above[f][k] for f in ("reflected", "absorbed", "stopped", "truncated"))
        assert total == pytest.approx(1.0, rel=1e-9)
    # tallies carry the summary's numbers; history-mode errors are the MC errors
    dens = Tally.load(out / "density.json")
    np.testing.assert_allclose(dens.values(), b["density_ratio"], rtol=1e-12)
    np.testing.assert_allclose(dens.errors(mode="history"), b["density_ratio_err"], rtol=1e-6)
    flux = Tally.load(out / "flux.json")
    np.testing.assert_allclose(flux.values(), b["flux"], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(b["flux"]) / np.asarray(b["free_flux"]), b["flux_ratio"],
                               rtol=1e-12)
    # the speed histogram holds the whole density (v_cut < speeds < speed_max)
    spec = Tally.load(out / "speed_density.json")
    assert spec.values().shape == (3, 30)
    carried = (spec.values() * np.diff(s["speed_edges_km_s"])).sum(axis=1)
    np.testing.assert_allclose(carried, b["density_ratio"], rtol=1e-9)
    np.testing.assert_allclose(np.asarray(b["mean_speed"]) * np.asarray(b["density_ratio"]),
                               np.asarray(b["flux_ratio"]) * np.asarray(b["free_mean_speed"]),
                               rtol=1e-12)


def test_relative_errors_one_per_bin():
    job, _ = T.compile_job(config_from_dict(_doc(importance="none")))
    total = T.simulate_shard(job, 0) + T.simulate_shard(job, 1)
    est = TP.planar_time_bins(job, total)
    rel = T.relative_errors(job, total)
    assert rel.shape == (3,)
    np.testing.assert_allclose(rel, est["density_err"] / est["density"], rtol=1e-12)
    assert total.n == 600 and np.all(est["primaries"] > 0)


def test_run_is_reproducible_across_workers(tmp_path):
    one = run(config_from_dict(_doc(tmp_path / "a", "w1")))
    doc = _doc(tmp_path / "b", "w2")
    doc["run"]["workers"] = 2
    two = run(config_from_dict(doc))
    s1, s2 = (json.loads((out / "summary.json").read_text()) for out in (one, two))
    assert s1["bins"] == s2["bins"] and s1["planar"] == s2["planar"]
    assert Tally.load(one / "speed_density.json") == Tally.load(two / "speed_density.json")


def test_example_compiles():
    cfg = load_config(ROOT / "examples" / "transport_slab_discrete.toml")
    t = cfg.transport
    assert (cfg.run.scenario, t.method, t.overburden, t.importance) == (
        "transport", "discrete", "crust_1400m", "auto")
    job, _ = T.compile_job(cfg)
    assert job.planar is not None and job.u_earth.shape[0] == 24
    assert max(job.planar.importance.values) >= 64  # splitting towards the detector

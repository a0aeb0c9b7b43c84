"""The ``pearls`` scenario (seed 000, issue 7): [pearls] config errors, the weighted decay estimator,
the drag stopping against ContinuousSlowing, a run's outputs and its reproducibility across workers."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.integrate import quad

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError
from mcdm.events import EventCatalog
from mcdm.geometry import library
from mcdm.physics.interaction import MacroscopicDrag
from mcdm.physics.pearl import PearlModel
from mcdm.run import run
from mcdm.scenarios import pearls
from mcdm.scenarios.transport import build_world
from mcdm.tally import Tally
from mcdm.transport.continuous import ContinuousSlowing


def _doc(tmp_path=None, samples=4_000, **pearls_keys) -> dict:
    doc = {"run": {"name": "pearls-test", "scenario": "pearls", "seed": 5, "samples": samples, "shards": 2,
                   "output_dir": str(tmp_path or "results")},
           "site": {"name": "lngs"}, "time": {"start": "2003-01-01T00:00:00"},
           "pearls": {"years": 1.0}, "output": {"plot": False, "progress": False}}
    doc["pearls"].update(pearls_keys)
    return doc


@pytest.mark.parametrize("keys, field", [
    ({"mass": "3e-15 kg", "radius": "1 nm"}, "pearls.mass"),
    ({"tau_min": "1e9 s", "tau_max": "1 s"}, "pearls.tau_min"),
    ({"window": ["6 keV", "2 keV"]}, "pearls.window"),
    ({"velocity": "mono", "v_start": "40 km/s"}, "pearls.v_start"),
    ({"detector": "ge"}, "pearls.detector"),
    ({"stopping": "water"}, "pearls.stopping"),
    ({"velocity": "wimp"}, "pearls.velocity"),
    ({"mass": 3e-15}, "pearls.mass"),
    ({"resolution": -0.1}, "pearls.resolution"),
    ({"years": 0}, "pearls.years"),
    ({"eta_lxe": "1e-4 Pa s"}, "pearls.eta_lxe"),
    ({"colour": "red"}, "colour"),
])
def test_config_errors_name_the_field(keys, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        config_from_dict(_doc(**keys))


def test_config_defaults_are_the_papers():
    cfg = config_from_dict(_doc())
    job, ctx = pearls.compile_job(cfg)
    model = ctx["model"]
    assert model.mass == 3.0e-15 and model.rho_b == pytest.approx(5.2e11)  # Eqs. (8), (14)
    assert job.v_solid == pytest.approx(model.terminal_velocity_liquid() / 250.0)
    assert job.v_det == job.v_solid and job.rho_det == 3670.0
    assert job.n_days == 365 and job.window == (2.0, 6.0)
    assert 2.0 in job.energy_edges and 6.0 in job.energy_edges
    lxe, _ = pearls.compile_job(config_from_dict(_doc(detector="lxe", radius="2 nm")))
    assert lxe.v_det == pytest.approx(lxe.v_solid * 250.0)
    assert lxe.mass_kg == pytest.approx(4.0 * math.pi / 3.0 * 5.2e11 * (2e-9) ** 3)


@pytest.mark.parametrize("t_exc, age, tau_min, tau_max", [
    (0.3, 2.5e7, 1e-9, 1e9),     # t_exc << age: N t_exc / (Lambda age^2)
    (2.0e6, 5.0e6, 1e-9, 1e9),   # min(1, t_exc/tau) saturates for part of the lifetimes
    (0.3, 2.5e7, 1e-9, 1e7),     # tau_max below the age: only the exponential tail
    (0.3, 2.5e7, 1e7, 1e12),     # tau_min near the age
])
def test_decay_weight_is_the_log_uniform_lifetime_integral(t_exc, age, tau_min, tau_max):
    """The Gamma(2)-sampled weight averages to (N/Lambda) int min(1, t_exc/tau) e^{-a/tau} tau^-2 dtau,
    integrated here in ln tau with scipy."""
    n_quanta = 1.0e9
    lam = math.log(tau_max / tau_min)

    def integrand(ln_tau):
        tau = math.exp(ln_tau)
        return min(1.0, t_exc / tau) * math.exp(-age / tau) / tau  # tau^-2 dtau = tau^-1 dln tau

    exact = n_quanta / lam * quad(integrand, math.log(tau_min), math.log(tau_max), limit=400,
                                  points=[math.log(age), math.log(t_exc)])[0]
    x = np.random.default_rng(3).gamma(2.0, size=400_000)
    w = pearls.decay_weight(n_quanta, t_exc, age, x, tau_min, tau_max)
    assert w.mean() == pytest.approx(exact, rel=max(0.01, 4 * w.std() / math.sqrt(w.size) / exact))
    if tau_max > 10 * age and t_exc < 1e-3 * age:
        assert np.allclose(w[w > 0], n_quanta * t_exc / (lam * age**2))  # zero variance where it matters


@pytest.mark.parametrize("atmosphere", [True, False])
def test_stop_along_rays_agrees_with_continuous_slowing(atmosphere):
    """The closed form per shell segment reproduces ContinuousSlowing + MacroscopicDrag on the same world."""
    earth = library.load_earth("prem", ocean="crust")
    model = PearlModel(rho_b_kg_m3=5.2e11)
    world = pearls.build_pearl_world(earth, 100.0, atmosphere, 1.4)
    slowing = ContinuousSlowing(MacroscopicDrag(radius_cm=model.radius * 100, mass_kg=model.mass,
                                                drag_coefficient=2.0), build_world(earth, 100.0, atmosphere))
    cos_z = np.array([1.0, 0.7, 0.3, 0.1])
    for v_exc in (49.0, 300.0 / math.e):
        ours = pearls.stop_along_rays(world, cos_z, model.area_over_mass * 10.0, 300.0, v_exc, 1e-9)
        top = world.outer_radii[-1]
        origin = np.tile([0.0, 0.0, top], (cos_z.size, 1))
        dirs = np.stack([np.sqrt(1 - cos_z**2), 0 * cos_z, -cos_z], axis=1)
        speed, dist = slowing.propagate(origin, dirs, 300.0, np.inf, v_min=v_exc)
        stopped = speed == 0.0
        r = np.linalg.norm(origin[stopped] + dist[stopped, None] * dirs[stopped], axis=1)
        assert np.array_equal(np.isfinite(ours.altitude_exc), stopped)
        assert np.allclose(ours.altitude_exc[stopped], r - earth.radius, atol=2e-3)  # km
    assert ours.t_exc[0] > 0 and ours.stopped[0]


def test_stop_along_rays_rejects_upward_pearls():
    world = pearls.PearlWorld(np.array([1e4]), np.array([3.0]), 1e4, 9e3)
    with pytest.raises(ConfigError, match="cos_zenith"):
        pearls.stop_along_rays(world, [-0.5], 1.0, 300.0, 49.0, 1e-9)


def test_a_run_writes_its_outputs(tmp_path):
    doc = _doc(tmp_path, samples=6_000)
    doc["output"]["plot"] = True
    out = run(config_from_dict(doc))
    for name in ("rate.json", "summary.json", "events.parquet", "daily_rate.png", "spectrum.png", "config.toml",
                 "manifest.json"):
        assert (out / name).stat().st_size > 200, name
    tally = Tally.load(out / "rate.json")
    assert tally.names == ("time", "energy", "kind") and tally.unit == "d^-1 kg^-1"
    assert tally.values().shape[0] == 365 and tally.n_histories == 6_000
    summary = json.loads((out / "summary.json").read_text())
    assert summary["schema"] == "mcdm.summary" and summary["scenario"] == "pearls"
    assert summary["units"]["rate"] == "counts/(day kg)"
    rates = summary["rates"]
    assert 0 < rates["mean_window"] < rates["mean_all_energies"]
    assert np.mean(rates["daily_window"]) == pytest.approx(rates["mean_window"])
    assert summary["modulation"]["fit"]["a0"] == pytest.approx(rates["mean_window"], rel=0.1)
    assert 0 < summary["transport"]["t_exc_mean"] < 10 and summary["transport"]["altitude_at_v_exc_km"] > 5
    catalog = EventCatalog.read_parquet(out / "events.parquet")
    assert set(catalog.df["kind"]) <= {"electron", "photon"} and len(catalog) > 0
    assert catalog.df["energy_keV"].between(0.0, 15.0).all()
    expected = summary["catalog"]["expected_events"]
    assert abs(len(catalog) - expected) < 5 * math.sqrt(expected)


def test_reproducible_across_workers(tmp_path):
    tallies = []
    for workers in (1, 2):
        doc = _doc(tmp_path / f"w{workers}", samples=3_000, velocity="mono", mass_spread=0.5)
        doc["run"]["workers"] = workers
        doc["pearls"]["detector_mass"] = "0 kg"
        tallies.append(Tally.load(run(config_from_dict(doc)) / "rate.json"))
    assert tallies[0].values().sum() > 0
    assert np.array_equal(tallies[0].values(flow=True), tallies[1].values(flow=True))
    assert np.array_equal(tallies[0].sum_w2(flow=True), tallies[1].sum_w2(flow=True))


def test_relative_errors_shrink_with_histories():
    job, _ = pearls.compile_job(config_from_dict(_doc(velocity="mono")))
    small = pearls.simulate_shard(job, 0)
    both = small + pearls.simulate_shard(job, 1)
    assert both.n == int(job.shard_sizes.sum())
    rel_small, rel_both = pearls.relative_errors(job, small), pearls.relative_errors(job, both)
    assert rel_small.size == 12 and np.all(rel_both > 0)
    assert np.median(rel_both) < np.median(rel_small)


def test_dama_modulation_script_quick(tmp_path):
    """scripts/seed000_dama_modulation.py --quick: both cases, the washout scan, figures and tables."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "seed000_dama_modulation.py"
    spec = importlib.util.spec_from_file_location("seed000_dama_modulation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--quick", "--workers", "1", "--out", str(tmp_path)])
    for name in ("dama_modulation.png", "washout.png", "summary.json", "table.md"):
        assert (tmp_path / name).stat().st_size > 500, name
    paper = result["runs"]["paper (300 km/s, f_mod = 0.1)"]
    assert paper["histories"] == module.QUICK_SAMPLES and paper["rates"]["days"] == 1096
    rows = result["washout_scan"]["rows"]
    assert [r["median_passage_yr"] for r in rows] == [0.25, 1.0, 4.0]
    assert rows[0]["washout"] > rows[1]["washout"] > rows[2]["washout"]

"""The [transport] config section and the ``transport`` scenario's outputs (small runs)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mcdm.config import config_from_dict, config_to_toml, load_config
from mcdm.errors import ConfigError
from mcdm.run import run
from mcdm.scenarios import transport as T
from mcdm.source import StandardHaloModel
from mcdm.tally import Tally

ROOT = Path(__file__).resolve().parents[2]


def _doc(**transport):
    return {"run": {"name": "t", "scenario": "transport", "samples": 100, "shards": 2},
            "site": {"name": "lngs"}, "transport": transport}


# --------------------------------------------------------------------------- config


def test_defaults_and_round_trip():
    cfg = config_from_dict(_doc())
    t = cfg.transport
    assert (t.model, t.method, t.form_factor, t.importance) == ("spin_independent", "continuous", "helm", "auto")
    assert t.sigma_p == 1e-30 and t.v_cut == 1.0 and t.atmosphere is True
    assert (t.speed_bins, t.speed_max, t.drag_coefficient) == (45, 900.0, 2.0)
    assert t.detector_depth_km() is None
    cfg = config_from_dict(_doc(model="drag", radius="0.2 cm", detector_depth="1 m", sigma_p="1e-31 cm2"))
    assert cfg.transport.radius == pytest.approx(2e-6)  # internal unit km
    assert cfg.transport.detector_depth_km() == pytest.approx(1e-3)
    assert load_config(config_to_toml(cfg)) == cfg


@pytest.mark.parametrize("transport, fragments", [
    ({"model": "drag", "radius": "1 mm", "method": "discrete"}, ["transport.model", "transport.method"]),
    ({"model": "drag"}, ["transport.radius"]),
    ({"v_cut": "900 km/s"}, ["transport.v_cut", "transport.speed_max"]),
    ({"detector_depth": "deep"}, ["transport.detector_depth"]),
    ({"detector_depth": "1 kg"}, ["transport.detector_depth"]),
    ({"detector_depth": "-1 m"}, ["transport.detector_depth", "out of range"]),
    ({"sigma_p": 1e-30}, ["transport.sigma_p", "unit"]),
    ({"sigma_p": "1e-30 km/s"}, ["transport.sigma_p"]),
    ({"sigma_p": "-1e-30 cm2"}, ["transport.sigma_p", "out of range"]),
    ({"model": "spin_dependent"}, ["transport.model", "spin_independent"]),
    ({"method": "mc"}, ["transport.method"]),
    ({"form_factor": "gauss"}, ["transport.form_factor"]),
    ({"importance": "yes"}, ["transport.importance"]),
    ({"speed_bins": 0}, ["transport.speed_bins"]),
    ({"v_cut": "0 km/s"}, ["transport.v_cut"]),
    ({"drag_coefficient": 0.0}, ["transport.drag_coefficient"]),
    ({"atmosphere": "yes"}, ["transport.atmosphere"]),
    ({"sigma": "1e-30 cm2"}, ["[transport]", "unknown key", "sigma"]),
])
def test_config_errors_name_the_field(transport, fragments):
    with pytest.raises(ConfigError) as err:
        config_from_dict(_doc(**transport))
    for fragment in fragments:
        assert fragment in str(err.value), (fragment, str(err.value))


def test_discrete_needs_two_primaries_per_shard():
    doc = _doc(method="discrete")
    doc["run"].update(samples=3, shards=2)
    with pytest.raises(ConfigError, match="transport.method = 'discrete'.*run.samples"):
        config_from_dict(doc)


def test_examples_validate_and_are_listed():
    readme = (ROOT / "examples" / "README.md").read_text()
    for name in ("surface", "gran_sasso", "supl", "snolab"):
        cfg = load_config(ROOT / "examples" / f"transport_{name}.toml")
        assert cfg.run.scenario == "transport"
        assert f"transport_{name}.toml" in readme
    assert load_config(ROOT / "examples" / "transport_surface.toml").transport.detector_depth_km() == 1e-3
    assert load_config(ROOT / "examples" / "transport_snolab.toml").transport.method == "discrete"


# --------------------------------------------------------------------------- building blocks


def test_flux_weighted_velocities_have_the_flux_mean_speed():
    """The thinned sample has <1/|v|> = 1/<|v|> of the halo (quadrature), i.e. density f |v|/<v>."""
    halo = StandardHaloModel(v0=220.0, v_esc=550.0)
    u = np.array([11.1, 232.2, 7.3])
    v = T.flux_weighted_velocities(halo, u, 200_000, np.random.default_rng(1))
    assert v.shape == (200_000, 3)
    inv = 1.0 / np.linalg.norm(v, axis=1)
    exact = 1.0 / halo.mean_speed(float(np.linalg.norm(u)))
    assert abs(inv.mean() - exact) < 4 * inv.std() / math.sqrt(inv.size)


def test_random_orientations_keep_lengths_and_isotropise():
    rng = np.random.default_rng(2)
    v = np.tile([[0.0, 0.0, 300.0]], (50_000, 1))
    r = T.random_orientations(v, rng)
    np.testing.assert_allclose(np.linalg.norm(r, axis=1), 300.0)
    assert np.all(np.abs(r.mean(axis=0)) < 4 * 300.0 / math.sqrt(3 * 50_000))


# --------------------------------------------------------------------------- runs


def _run_doc(tmp_path, name, **transport):
    return {"run": {"name": name, "scenario": "transport", "seed": 3, "samples": 4000, "shards": 2,
                    "output_dir": str(tmp_path)},
            "site": {"name": "supl"}, "dark_matter": {"mass": "1e5 GeV"},
            "time": {"bins": 4, "width": "6 h"},
            "transport": {"sigma_p": "1e-32 cm2", "v_cut": "30 km/s", "speed_bins": 30, **transport},
            "output": {"progress": False, "plot": True}}


def test_continuous_run_writes_consistent_outputs(tmp_path):
    out = run(config_from_dict(_run_doc(tmp_path, "c")))
    for name in ("summary.json", "density.json", "flux.json", "speed_density.json", "transport.png",
                 "manifest.json", "config.toml"):
        assert (out / name).is_file(), name
    s = json.loads((out / "summary.json").read_text())
    assert s["method"] == "continuous" and s["units"]["flux"] == "cm^-2 s^-1"
    assert (s["schema"], s["schema_version"]) == ("mcdm.summary", 1)
    b = s["bins"]
    assert len(b["density_ratio"]) == 4 and len(s["speed_edges_km_s"]) == 31
    dens = Tally.load(out / "density.json")
    np.testing.assert_allclose(dens.values(), b["density_ratio"], rtol=1e-12)
    np.testing.assert_allclose(dens.errors(mode="history"), b["density_ratio_err"], rtol=1e-9)
    flux = Tally.load(out / "flux.json")
    np.testing.assert_allclose(flux.values(), b["flux"], rtol=1e-12)
    # underground flux / free flux = flux ratio up to the MC noise of the free denominator
    np.testing.assert_allclose(np.asarray(b["flux"]) / np.asarray(b["free_flux"]), b["flux_ratio"], rtol=0.03)
    # the speed histogram integrates to the density carried by the bins (v_cut < speeds < max)
    spec = Tally.load(out / "speed_density.json")
    width = np.diff(s["speed_edges_km_s"])
    carried = (spec.values() * width).sum(axis=1)
    assert np.all(carried <= np.asarray(b["density_ratio"]) * (1 + 1e-12))
    np.testing.assert_allclose(carried, b["density_ratio"], rtol=0.02)
    # mean speed = flux / density
    np.testing.assert_allclose(np.asarray(b["flux_ratio"]) * np.asarray(b["free_mean_speed"])
                               / np.asarray(b["density_ratio"]), b["mean_speed"], rtol=0.03)
    assert s["hour_of_lowest_wind_origin"] in b["hours_since_start"]


def test_continuous_run_is_reproducible_across_workers(tmp_path):
    one = run(config_from_dict(_run_doc(tmp_path / "a", "w1")))
    doc = _run_doc(tmp_path / "b", "w2")
    doc["run"]["workers"] = 2
    two = run(config_from_dict(doc))
    assert Tally.load(one / "speed_density.json") == Tally.load(two / "speed_density.json")
    bins = [json.loads((out / "summary.json").read_text())["bins"] for out in (one, two)]
    assert bins[0] == bins[1]


def test_discrete_run_writes_outputs(tmp_path):
    doc = _run_doc(tmp_path, "d", method="discrete")
    doc["dark_matter"]["mass"] = "1 GeV"
    doc["transport"].update(sigma_p="1e-31 cm2", v_cut="1 km/s", importance="auto")
    out = run(config_from_dict(doc))
    s = json.loads((out / "summary.json").read_text())
    # per time bin from the isodetection rings (issue 6 item 4); the sphere average stays in "discrete"
    assert s["method"] == "discrete" and "isodetection rings" in s["averaging"]
    d = s["discrete"]
    assert d["density_ratio"] > 0 and d["density_ratio_err"] > 0 and 0 < d["flux_ratio"] < 1
    fractions = d["transmitted"] + d["reflected"] + d["stopped"] + d["truncated"]
    assert fractions == pytest.approx(1.0, abs=1e-9)
    assert s["importance_map"] is not None and len(s["importance_map"]["values"]) >= 1
    rings = s["rings"]
    assert rings["n"] == 18 and np.mean(rings["density_ratio"]) == pytest.approx(d["density_ratio"], rel=1e-9)
    b = s["bins"]
    spec = Tally.load(out / "speed_density.json")
    assert spec.values().shape == (4, 30)
    dens = Tally.load(out / "density.json")
    np.testing.assert_allclose(dens.values(), b["density_ratio"], rtol=1e-12)
    np.testing.assert_allclose(dens.errors(mode="history"), b["density_ratio_err"], rtol=1e-6, atol=1e-300)
    ring_spec = Tally.load(out / "ring_speed_density.json")  # cos(Theta) ascending: ring 0 is last
    np.testing.assert_allclose(ring_spec.values()[::-1], rings["speed_density"], rtol=1e-12)
    assert (out / "transport.png").stat().st_size > 10_000


def test_drag_bodies_stop_in_the_rock(tmp_path):
    """A 1 kg, 1 mm body (e-folding column 3.2e4 g/cm^2) does not reach 1.4 km of rock (3.7e5
    g/cm^2); 1 m below the surface what comes from above (through the air) arrives."""
    doc = _run_doc(tmp_path, "drag", model="drag", radius="1 mm")
    doc["dark_matter"]["mass"] = "1 kg"
    doc["site"]["name"] = "lngs"
    s = json.loads((run(config_from_dict(doc)) / "summary.json").read_text())
    assert s["interaction"]["e_folding_column_g_cm2"] == pytest.approx(2e3 / (2 * math.pi * 0.01))
    assert max(s["bins"]["density_ratio"]) == 0.0
    doc = _run_doc(tmp_path, "drag-surface", model="drag", radius="1 mm", detector_depth="1 m")
    doc["dark_matter"]["mass"] = "1 kg"
    doc["site"]["name"] = "lngs"
    s = json.loads((run(config_from_dict(doc)) / "summary.json").read_text())
    assert s["detector_depth_km"] == 1e-3
    assert min(s["bins"]["flux_ratio"]) > 0.3

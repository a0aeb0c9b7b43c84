"""The ``idm-recoils`` scenario (seed 003, issue 10): config errors, shard independence, the table
against mcdm.physics.inelastic_dd called directly, the modulation outputs and the synthetic catalog."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError
from mcdm.events import EventCatalog
from mcdm.physics import inelastic_dd as dd
from mcdm.run import run
from mcdm.scenarios import idm_recoils
from mcdm.source.halo import StandardHaloModel


def _doc(tmp_path=None, shards=2, workers=1, **keys) -> dict:
    doc = {"run": {"name": "idm-test", "scenario": "idm-recoils", "seed": 9, "shards": shards, "workers": workers,
                   "output_dir": str(tmp_path or "results")},
           "time": {"start": "2025-01-01T00:00:00"},
           "idm": {"model": "si", "sigma_p": "1e-44 cm2", "delta": "100 keV", "energies": 30, "days": 60,
                   "detector_mass": "1000 kg"},
           "output": {"plot": False, "progress": False}}
    doc["idm"].update(keys)
    return doc


@pytest.mark.parametrize("keys, field", [({"e_min": "50 keV", "e_max": "10 keV"}, "idm.e_min"),
                                         ({"c8_sign": 0.5}, "idm.c8_sign"),
                                         ({"model": "anapole"}, "idm.model")])
def test_config_errors_name_the_field(keys, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        config_from_dict(_doc(**keys))


def test_magnetic_needs_an_upscatter():
    with pytest.raises(ConfigError, match="idm.delta"):
        idm_recoils.compile_job(config_from_dict(_doc(model="magnetic", delta="-10 keV")))


@pytest.mark.parametrize("model", ["si", "axial_proton", "magnetic"])
def test_table_matches_the_library_and_not_the_shards(model):
    j1, _ = idm_recoils.compile_job(config_from_dict(_doc(shards=1, model=model)))
    j3, _ = idm_recoils.compile_job(config_from_dict(_doc(shards=3, model=model)))
    a = idm_recoils.simulate_shard(j1, 0)
    b = idm_recoils.simulate_shard(j3, 0) + idm_recoils.simulate_shard(j3, 1) + idm_recoils.simulate_shard(j3, 2)
    assert np.array_equal(a.rate, b.rate) and a.rate.shape == (61, 30)
    ref = dd.annual_spectra(j1.e_r_kev, j1.days, j1.params, "Xe", StandardHaloModel(220.0, 550.0, 0.3), year=2025)
    assert np.allclose(a.rate, ref.rate, rtol=1e-12)


def test_a_run_writes_modulation_and_a_reproducible_catalog(tmp_path):
    doc = _doc(tmp_path / "a", days=365)
    doc["output"]["plot"] = True
    out = run(config_from_dict(doc))
    for f in ("spectra.parquet", "spectra.json", "modulation.csv", "modulation.json", "events.parquet",
              "spectra.png", "modulation.png", "summary.json"):
        assert (out / f).is_file(), f
    mod = json.loads((out / "modulation.json").read_text())
    # inelastic DM: large modulation near threshold, maximum in early June (day ~152 of 2025)
    frac = np.asarray(mod["fraction"])
    assert np.nanmax(frac) > 0.3 and abs(mod["windows"]["10-30 keV"]["phase_day"] - 152.5) < 10
    summary = json.loads((out / "summary.json").read_text())
    cat = EventCatalog.read_parquet(out / "events.parquet")
    assert len(cat) == summary["events"] > 0
    # the number of events is Poisson around the exposure x mean rate
    expect = summary["exposure_kg_day"] * summary["mean_rate_per_kg_day"]
    assert abs(len(cat) - expect) < 5 * np.sqrt(expect) + 0.02 * expect
    doc2 = _doc(tmp_path / "b", days=365, workers=2, shards=3)
    cat2 = EventCatalog.read_parquet(run(config_from_dict(doc2)) / "events.parquet")
    assert np.array_equal(cat.df["energy_keV"].to_numpy(), cat2.df["energy_keV"].to_numpy())

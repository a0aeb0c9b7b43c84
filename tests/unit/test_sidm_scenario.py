"""The ``sidm`` scenario (seed 003, issue 10): config errors, shard independence, the Eq. (107)
mixture and the system averages against mcdm.physics.sidm called directly, a run's outputs."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError
from mcdm.physics import sidm as phys
from mcdm.run import run
from mcdm.scenarios import sidm


def _doc(tmp_path=None, shards=2, **keys) -> dict:
    doc = {"run": {"name": "sidm-test", "scenario": "sidm", "shards": shards, "output_dir": str(tmp_path or "results")},
           "sidm": {"alpha_chi": 0.01, "m_chi": "100 GeV", "m_s": "30 MeV", "speeds": 12, "v_min": "5 km/s",
                    "v_max": "1500 km/s", "average_nodes": 16},
           "output": {"plot": False, "progress": False}}
    doc["sidm"].update(keys)
    return doc


@pytest.mark.parametrize("keys, field", [({"v_min": "10 km/s", "v_max": "5 km/s"}, "sidm.v_min"),
                                         ({"excited_fraction": 0.7}, "sidm.excited_fraction"),
                                         ({"method": "wkb"}, "sidm.method")])
def test_config_errors_name_the_field(keys, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        config_from_dict(_doc(**keys))


def test_table_does_not_depend_on_shards_and_matches_the_library():
    j1, _ = sidm.compile_job(config_from_dict(_doc(shards=1)))
    j3, _ = sidm.compile_job(config_from_dict(_doc(shards=3)))
    a = sidm.simulate_shard(j1, 0)
    b = sidm.simulate_shard(j3, 0) + sidm.simulate_shard(j3, 1) + sidm.simulate_shard(j3, 2)
    # identical up to round-off (the identical-pair angular quadrature uses l_max + 3 nodes of the chunk)
    assert np.array_equal(a.v, b.v) and np.allclose(a.t_identical, b.t_identical, rtol=1e-12, atol=0)
    pot = phys.YukawaPotential(0.01, 100.0, 0.03)
    direct = phys.transfer_cross_section_per_mass(pot, a.v, pair="distinguishable")
    assert np.allclose(a.t_distinguishable, direct, rtol=1e-12)
    # Eq. (107): f = 0 is the identical pair; f = 0.5 is (s11 + 2 s12 + s22)/4
    assert np.allclose(a.mixture(0.0), a.t_identical)
    assert np.allclose(a.mixture(0.5), (2 * a.t_identical + 2 * a.t_distinguishable) / 4)


def test_system_averages_equal_the_library_average_at_f0(tmp_path):
    out = run(config_from_dict(_doc(tmp_path)))
    got = json.loads((out / "systems.json").read_text())["systems"]
    pot = phys.YukawaPotential(0.01, 100.0, 0.03)
    for name in ("dwarfs", "clusters"):
        ref = phys.velocity_averaged_transfer(pot, phys.SYSTEM_V0_KM_S[name], pair="identical", n_nodes=16)
        assert got[name]["sigma_v_over_m"] == pytest.approx(ref["sigma_v_over_m"], rel=1e-10)
    # dwarfs interact more than clusters (digest V20)
    assert got["dwarfs"]["sigma_over_m"] > 3 * got["clusters"]["sigma_over_m"]


def test_a_run_writes_its_outputs(tmp_path):
    doc = _doc(tmp_path, excited_fraction=0.5)
    doc["output"]["plot"] = True
    out = run(config_from_dict(doc))
    names = {p.name for p in out.iterdir()}
    for f in ("cross_sections.csv", "cross_sections.json", "systems.json", "sigma_over_m.png", "summary.json"):
        assert f in names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["units"]["sigma_over_m"] == "cm2/g" and summary["speeds"] == 12

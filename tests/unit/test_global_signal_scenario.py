"""The ``global_signal`` scenario (seed 002 part 2, issue 11): config errors, the search is
independent of shards and equals evaluate_points on the same block streams, a run's outputs."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError
from mcdm.forest.edges import evaluate_points
from mcdm.forest.global_signal import global_signal, signal_shape
from mcdm.run import run
from mcdm.scenarios import global_signal as gs


def _doc(tmp_path=None, shards=2, **keys) -> dict:
    doc = {"run": {"name": "gs-test", "scenario": "global_signal", "seed": 4, "shards": shards,
                   "output_dir": str(tmp_path or "results")},
           "global_signal": {"edges_file": "synthetic", "search_points": 150, "refine": False, "channels": 81},
           "output": {"plot": False, "progress": False}}
    doc["global_signal"].update(keys)
    return doc


@pytest.mark.parametrize("keys, field", [({"nu_min": "300 MHz"}, "global_signal.nu_min"),
                                         ({"a_range": [1.0, 0.1]}, "global_signal.a_range"),
                                         ({"edges_file": "", "search_points": 10}, "global_signal.search_points"),
                                         ({"foreground": "cubic"}, "global_signal.foreground")])
def test_config_errors_name_the_field(keys, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        config_from_dict(_doc(**keys))


def test_search_is_shard_independent_and_keeps_the_lowest_residuals():
    j1, _ = gs.compile_job(config_from_dict(_doc(shards=1)))
    j3, _ = gs.compile_job(config_from_dict(_doc(shards=3)))
    a = gs.simulate_shard(j1, 0)
    b = gs.simulate_shard(j3, 0) + gs.simulate_shard(j3, 1) + gs.simulate_shard(j3, 2)
    assert a.evaluated == b.evaluated == 150
    assert np.array_equal(a.index, b.index) and np.array_equal(a.residuals, b.residuals)
    pts = np.vstack([gs._block_points(j1, k) for k in range(3)])
    direct = evaluate_points(pts, j1.data)
    assert a.residuals[0] == pytest.approx(np.min(direct), rel=1e-12)
    assert np.all(np.diff(a.residuals) >= 0) and a.histogram.sum() + a.failed == 150


def test_a_run_writes_the_curve_bounds_and_fit(tmp_path):
    doc = _doc(tmp_path, refine=True)
    doc["output"]["plot"] = True
    out = run(config_from_dict(doc))
    for f in ("global_signal.json", "global_signal.png", "edges_fit.json", "edges_fit.png", "search_best.csv",
              "summary.json"):
        assert (out / f).is_file(), f
    curve = json.loads((out / "global_signal.json").read_text())
    nu = np.asarray(curve["nu_MHz"])
    ref = global_signal(nu)
    assert np.allclose(curve["delta_T_b_K"], ref, rtol=1e-9, atol=1e-12)
    assert curve["trough"]["centre"] == pytest.approx(signal_shape(nu, ref).centre)
    summary = json.loads((out / "summary.json").read_text())
    edges = summary["edges"]
    assert edges["synthetic"] and edges["refined_rms_K"] <= edges["search_best_rms_K"] + 1e-12
    assert edges["flattened_gaussian_rms_K"] < edges["foreground_only_rms_K"]
    assert summary["bounds"]["calA_max_dipole"] > 0

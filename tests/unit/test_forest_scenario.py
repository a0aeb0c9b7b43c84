"""The ``forest`` scenario (seed 002, issue 8): [forest] config errors, a run's outputs, shard- and
worker-independence of the result."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError
from mcdm.forest.spectrum import read_spectrum
from mcdm.run import run
from mcdm.scenarios import forest


def _doc(tmp_path=None, shards=2, workers=1, **forest_keys) -> dict:
    doc = {"run": {"name": "forest-test", "scenario": "forest", "seed": 3, "shards": shards, "workers": workers,
                   "output_dir": str(tmp_path or "results")},
           "site": {"name": "lngs"},
           "forest": {"sightlines": 4, "m_min": 1e10, "z_max": 3.0, "spectra_written": 0,
                      "windows": [3.0, 2.0, 2.0, 1.0], "channel_width": "5000 kHz"},
           "output": {"plot": False, "progress": False}}
    doc["forest"].update(forest_keys)
    return doc


@pytest.mark.parametrize("keys, field", [
    ({"z_min": 3.0, "z_max": 2.0}, "forest.z_min"),
    ({"m_min": 1e12, "m_max": 1e11}, "forest.m_min"),
    ({"windows": [3.0, 2.0, 1.0]}, "forest.windows"),
    ({"windows": [1.0, 2.0]}, "forest.windows"),
    ({"tau_bins": [1.0, 0.1, 10]}, "forest.tau_bins"),
    ({"instrument": "hubble"}, "forest.instrument"),
    ({"case": "warm"}, "forest.case"),
])
def test_config_errors_name_the_field(keys: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        config_from_dict(_doc(**keys))


def test_the_result_does_not_depend_on_shards() -> None:
    job1, _ = forest.compile_job(config_from_dict(_doc(shards=1)))
    job3, _ = forest.compile_job(config_from_dict(_doc(shards=3)))
    a = forest.simulate_shard(job1, 0)
    b = forest.simulate_shard(job3, 0) + forest.simulate_shard(job3, 1) + forest.simulate_shard(job3, 2)
    assert a.hist.n_sightlines == b.hist.n_sightlines == 4
    for name in ("counts_tau", "counts_width", "sq_tau", "n_absorbers"):
        assert np.array_equal(getattr(a.hist, name), getattr(b.hist, name))
    assert np.array_equal(a.z_counts, b.z_counts)


def test_a_run_writes_its_outputs_and_workers_do_not_change_them(tmp_path) -> None:
    doc = _doc(tmp_path / "w1", spectra_written=1)
    doc["output"]["plot"] = True
    out1 = run(config_from_dict(doc))
    names = {p.name for p in out1.iterdir()}
    for f in ("line_statistics.json", "line_statistics.md", "dndz.json", "dndz.png", "distributions.png",
              "spectrum_000.parquet", "spectrum_000.absorbers.parquet", "spectrum_000.fits", "spectrum_000.png",
              "summary.json", "manifest.json", "config.toml"):
        assert f in names, f
    summary = json.loads((out1 / "summary.json").read_text())
    assert summary["scenario"] == "forest" and summary["sightlines"] == 4
    stats1 = json.loads((out1 / "line_statistics.json").read_text())
    assert stats1["units"]["width"] == "Hz" and len(stats1["windows"]) == 2
    spec = read_spectrum(out1 / "spectrum_000.parquet")
    assert spec.n_absorbers > 0 and np.all(spec.channels["transmission"] <= 1.0 + 1e-12)
    fits = read_spectrum(out1 / "spectrum_000.fits")
    assert np.array_equal(fits.channels["flux_mJy"], spec.channels["flux_mJy"])
    doc2 = _doc(tmp_path / "w2", shards=2, workers=2)
    out2 = run(config_from_dict(doc2))
    stats2 = json.loads((out2 / "line_statistics.json").read_text())
    assert stats2["windows"] == stats1["windows"]
    assert stats2["absorbers_per_sightline"] == stats1["absorbers_per_sightline"]

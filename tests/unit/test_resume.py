"""An interrupted run keeps its finished shards; running it again computes only the missing ones."""
import json

import pytest

import mcdm.scenarios.halo_flux as halo_flux
from mcdm.config import config_from_dict
from mcdm.run import run


def _cfg(tmp_path, name):
    return config_from_dict(
        {
            "run": {"name": name, "scenario": "halo_flux", "seed": 5, "samples": 4_000, "shards": 4,
                    "output_dir": str(tmp_path)},
            "site": {"name": "snolab"},
            "time": {"bins": 6},
            "output": {"catalog_events": 24, "plot": False, "progress": False},
        }
    )


def test_resume_after_interrupt_gives_the_same_numbers(tmp_path, monkeypatch):
    reference = json.loads((run(_cfg(tmp_path / "ref", "r")) / "summary.json").read_text())

    original = halo_flux.simulate_shard
    calls = []

    def interrupted(job, shard):
        calls.append(shard)
        if shard == 2:
            raise KeyboardInterrupt
        return original(job, shard)

    monkeypatch.setattr(halo_flux, "simulate_shard", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(_cfg(tmp_path / "x", "r"))
    stored = list((tmp_path / "x" / "r" / ".shards").glob("*/shard_*.pkl"))
    assert sorted(p.name for p in stored) == ["shard_000000.pkl", "shard_000001.pkl"]

    calls.clear()
    monkeypatch.setattr(halo_flux, "simulate_shard", lambda job, shard: calls.append(shard) or original(job, shard))
    outdir = run(_cfg(tmp_path / "x", "r"))
    assert calls == [2, 3]  # finished shards were loaded, not recomputed
    assert json.loads((outdir / "summary.json").read_text())["bins"] == reference["bins"]
    assert not (outdir / ".shards").exists()

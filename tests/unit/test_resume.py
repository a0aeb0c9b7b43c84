"""An interrupted run keeps its finished shards; running it again computes only the missing ones."""
import json

import pytest

import mcdm.scenarios.halo_flux as halo_flux
import mcdm.scenarios.midm as midm
from mcdm.config import config_from_dict
from mcdm.run import run

CONFIGS = {
    "halo_flux": {"site": {"name": "snolab"}, "output": {"catalog_events": 24, "plot": False, "progress": False}},
    "midm": {"site": {"name": "supl_efk2023"}, "earth": {"model": "three_layer_efk2023"},
             "detector": {"live_time": "1 d", "background": 1.0e4}, "output": {"plot": False, "progress": False}},
}
MODULES = {"halo_flux": halo_flux, "midm": midm}


def _cfg(tmp_path, name, scenario):
    return config_from_dict(
        {
            "run": {"name": name, "scenario": scenario, "seed": 5, "samples": 4_000, "shards": 4,
                    "output_dir": str(tmp_path)},
            "time": {"bins": 6, "width": "4 h"},
            **CONFIGS[scenario],
        }
    )


@pytest.mark.parametrize("scenario", sorted(CONFIGS))
def test_resume_after_interrupt_gives_the_same_numbers(tmp_path, monkeypatch, scenario):
    module = MODULES[scenario]
    reference = json.loads((run(_cfg(tmp_path / "ref", "r", scenario)) / "summary.json").read_text())

    original = module.simulate_shard
    calls = []

    def interrupted(job, shard):
        calls.append(shard)
        if shard == 2:
            raise KeyboardInterrupt
        return original(job, shard)

    monkeypatch.setattr(module, "simulate_shard", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(_cfg(tmp_path / "x", "r", scenario))
    stored = list((tmp_path / "x" / "r" / ".shards").glob("*/shard_*.pkl"))
    assert sorted(p.name for p in stored) == ["shard_000000.pkl", "shard_000001.pkl"]

    calls.clear()
    monkeypatch.setattr(module, "simulate_shard", lambda job, shard: calls.append(shard) or original(job, shard))
    outdir = run(_cfg(tmp_path / "x", "r", scenario))
    assert calls == [2, 3]  # finished shards were loaded, not recomputed
    assert json.loads((outdir / "summary.json").read_text())["bins"] == reference["bins"]
    assert not (outdir / ".shards").exists()

"""The same config gives bit-identical tallies on every backend (issue [4/10]): in-process, local
processes, and a Dask LocalCluster with 1 and 2 workers; and the adaptive-precision loop."""
import json

import pytest

from mcdm.config import config_from_dict
from mcdm.run import run
from mcdm.scenarios.midm import point_config
from mcdm.tally import Tally


def _midm(tmp_path, name, **run_opts):
    doc = point_config(name, tmp_path, samples=6_000)
    doc["run"].update(shards=4, **run_opts)
    doc["time"].update(bins=6, width="4 h")
    doc["detector"].update(live_time="1 d", background=1.0e4)
    return config_from_dict(doc)


def _halo(tmp_path, name, **run_opts):
    return config_from_dict({
        "run": {"name": name, "scenario": "halo_flux", "seed": 3, "samples": 8_000, "shards": 4,
                "output_dir": str(tmp_path), **run_opts},
        "site": {"name": "snolab"}, "time": {"bins": 6},
        "output": {"catalog_events": 48, "plot": False, "progress": False},
    })


@pytest.mark.parametrize("make, tally", [(_midm, "rate.json"), (_halo, "flux.json")])
def test_backends_give_identical_tallies(tmp_path, make, tally):
    reference = run(make(tmp_path, "ref"))
    others = {
        "local2": run(make(tmp_path, "local2", workers=2)),
        "dask1": run(make(tmp_path, "dask1", workers=1, scheduler="local")),
        "dask2": run(make(tmp_path, "dask2", workers=2, scheduler="local")),
    }
    ref = Tally.load(reference / tally)
    ref_summary = json.loads((reference / "summary.json").read_text())["bins"]
    for name, outdir in others.items():
        assert Tally.load(outdir / tally) == ref, name
        assert json.loads((outdir / "summary.json").read_text())["bins"] == ref_summary, name
        assert (outdir / "events.parquet").read_bytes() != b""
    manifest = json.loads((others["dask2"] / "manifest.json").read_text())
    assert manifest["extra"]["execution"]["backend"] == "dask"


def test_adaptive_precision_reaches_the_target_reproducibly(tmp_path):
    first = run(_midm(tmp_path, "a", target_rel_error=0.03, max_samples=200_000))
    again = run(_midm(tmp_path, "b", target_rel_error=0.03, max_samples=200_000))
    p = json.loads((first / "manifest.json").read_text())["extra"]["precision"]
    assert p["reached"] and p["achieved_rel_error"] <= 0.03 and p["histories"] > 6_000
    bins = json.loads((first / "summary.json").read_text())["bins"]
    worst = max(e / v for e, v in zip(bins["total_err"], bins["total"]) if v > 0)
    assert worst == pytest.approx(p["achieved_rel_error"], rel=1e-9)
    assert Tally.load(first / "rate.json") == Tally.load(again / "rate.json")


def test_sample_cap_stops_the_loop_and_says_so(tmp_path):
    outdir = run(_midm(tmp_path, "cap", target_rel_error=1e-4, max_samples=9_000))
    p = json.loads((outdir / "manifest.json").read_text())["extra"]["precision"]
    assert not p["reached"] and p["histories"] <= 9_000

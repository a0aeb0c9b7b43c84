"""Parameter scans (mcdm.scan): parsing, resumability, and the qualitative shape of Figure 7."""
import json

import numpy as np
import pandas as pd
import pytest

import mcdm.scan as scan
from mcdm.errors import ConfigError
from mcdm.scenarios.midm import point_config


def _doc(tmp_path, name="s", samples=3_000, bins=4, **table):
    doc = point_config(name, tmp_path, samples=samples)
    doc["run"]["shards"] = 2
    doc["time"].update(bins=bins, width=f"{24 // bins} h")
    doc["detector"]["background"] = 1.0e4
    doc["scan"] = {"x": "midm.delta", "x_values": ["15 keV", "300 keV"], "y": "midm.g_M",
                   "y_range": {"start": 1e-3, "stop": 1.0, "num": 3, "spacing": "log"}, **table}
    return doc


@pytest.mark.parametrize("change, message", [
    ({"bogus": 1}, "unknown key"),
    ({"x": "midm.isotopes"}, "only numbers and quantities"),
    ({"x": "midm.nope"}, "not a numeric config key"),
    ({"x_values": [15, 30]}, "has no unit"),
    ({"y_range": {"start": 0.0, "stop": 1.0, "num": 3, "spacing": "log"}}, "log spacing"),
    ({"y": "midm.delta", "y_range": None, "y_values": ["20 keV"]}, "same key"),
    ({"onoff": "best"}, "contiguous"),
    ({"x_values": ["15 keV"], "x_range": {"start": "5 keV", "stop": "9 keV", "num": 2}}, "exactly one"),
])
def test_bad_scan_tables_name_the_problem(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        scan.load_scan(_doc(tmp_path, **change))


def test_axes_carry_units_and_valid_config_entries(tmp_path):
    _, plan = scan.load_scan(_doc(tmp_path, x_values=None, x_range={"start": "5 keV", "stop": "0.2 MeV", "num": 4,
                                                                      "spacing": "log"}))
    x, y = plan.axes
    np.testing.assert_allclose(x.values, np.geomspace(5.0, 200.0, 4))
    assert x.unit == "keV" and x.raw[0].endswith(" keV")
    np.testing.assert_allclose(y.values, [1e-3, 10**-1.5, 1.0])
    assert plan.coupling_axis == 1 and len(scan._tasks(plan)) == 4


def test_small_scan_end_to_end_and_resume(tmp_path, monkeypatch):
    base, plan = scan.load_scan(_doc(tmp_path))
    original = scan.scan_task
    calls = []

    def interrupted(job, task):
        calls.append(task)
        if task == 1:
            raise KeyboardInterrupt
        return original(job, task)

    monkeypatch.setattr(scan, "scan_task", interrupted)
    with pytest.raises(KeyboardInterrupt):
        scan.run_scan(base, plan, progress=False)
    calls.clear()
    monkeypatch.setattr(scan, "scan_task", lambda job, task: calls.append(task) or original(job, task))
    outdir = scan.run_scan(base, plan, progress=False)
    assert calls == [1]  # task 0 was kept from the interrupted run
    df = pd.read_parquet(outdir / "scan.parquet")
    assert len(df) == 6
    closed = df[df["delta_keV"] > 200]
    assert closed["closed"].all() and (closed["daily"] == 0).all()
    open_ = df[df["delta_keV"] < 200].sort_values("g_M")
    assert np.all(np.diff(open_["daily"].to_numpy()) > 0)  # more coupling, more signal
    # total events in 6 years and the on/off columns are there, with units in the summary
    np.testing.assert_allclose(df["total_events"], df["daily"] * 6 * 365.25)
    summary = json.loads((outdir / "summary.json").read_text())
    assert summary["points"] == 6 and "onoff_z" in summary["units"]
    assert (summary["schema"], summary["schema_version"]) == ("mcdm.scan_summary", 1)
    assert not (outdir / "fig7.png").exists()  # [output] plot = false
    assert not (outdir / ".scan").exists() or not any((outdir / ".scan").rglob("*.pkl"))


@pytest.mark.validation
def test_figure7_shape(tmp_path):
    """Digest 004 §10 target 14 and §2.14: sensitivity lost at small g_M (too few events), reduced
    at low delta (decays beyond the Earth), and lost at large g_M once ell < the overburden."""
    doc = _doc(tmp_path, samples=6_000, bins=24, likelihood=False)
    doc["time"]["width"] = "1 h"
    doc["scan"].update(x_values=["5 keV", "25 keV", "118 keV"],
                       y_range={"start": 1e-3, "stop": 1.0, "num": 7, "spacing": "log"})
    base, plan = scan.load_scan(doc)
    df = pd.read_parquet(scan.run_scan(base, plan, progress=False) / "scan.parquet")

    def column(delta):
        d = df[np.isclose(df["delta_keV"], delta)].sort_values("g_M")
        return d["g_M"].to_numpy(), d["onoff_z_zero_bkg"].to_numpy(), d["onoff_z"].to_numpy()

    g, z0_25, z_25 = column(25.0)
    assert z0_25[0] < 1.0 and z0_25.max() > 1.0  # small g_M: not sensitive; larger: sensitive
    _, z0_5, _ = column(5.0)
    g_min = lambda z: g[np.argmax(z >= 1.0)] if np.any(z >= 1.0) else np.inf  # noqa: E731
    assert g_min(z0_5) > g_min(z0_25)  # low delta needs a larger coupling
    _, _, z_118 = column(118.0)
    assert z_118[-1] < z_118[-2]  # ell(118 keV, g_M = 1) = 0.1 km < l_ob: the modulation is lost

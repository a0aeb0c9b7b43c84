"""`mcdm analyze` on a run folder: the rate-histogram report against the on/off and likelihood
modules applied to summary.json independently, and a year-long synthetic catalog whose sidereal
modulation the periodogram and the harmonic fit must find."""
import json

import numpy as np
import pytest

from mcdm.analysis.analyze import analyze_path
from mcdm.analysis.onoff import paper_onoff, window_background_rate
from mcdm.cli import main
from mcdm.config import config_from_dict
from mcdm.run import run
from mcdm.scenarios.midm import point_config


@pytest.fixture(scope="module")
def year_run(tmp_path_factory):
    """Gran Sasso, delta = 25 keV, g_M = 0.3 in 20 m^3 (~3 signal events/day), a sidereal-day grid and
    370 days of synthetic catalog (sidereal and solar frequencies resolve after 1/delta_f = 365.2 d) over a 1e2 /keV/yr background (~1.3 events/day in the window)."""
    tmp = tmp_path_factory.mktemp("analyze")
    doc = point_config("year", tmp, samples=8_000, delta_kev=25.0, g_M=0.3)
    doc["run"]["shards"] = 2
    doc["time"].update(kind="sidereal", bins=24)
    doc["time"].pop("width", None)
    doc["detector"].update(live_time="370 d", background=100.0, volume="20 m3")
    return run(config_from_dict(doc))


def test_rate_report_matches_the_modules_applied_to_the_summary(year_run):
    report = analyze_path(year_run, years=6.0, plot=False)
    summary = json.loads((year_run / "summary.json").read_text())
    rate = np.asarray(summary["bins"]["total"])
    bkg = window_background_rate(100.0, 25.0, 0.10, 2.0)
    expected = paper_onoff(rate, bkg, n_days=6 * 365.25)
    got = report["rate"]
    assert got["onoff_paper"]["significance"] == pytest.approx(expected.significance, rel=1e-9)
    assert got["background_per_day"] == pytest.approx(bkg, rel=1e-12)
    lk = got["likelihood"]
    assert lk["z_shape"] >= lk["z_onoff_halves"] > 0  # the predicted shape beats the on/off split
    # the fitted time of maximum is within 1.5 bins of the peak bin
    t0, peak = got["harmonic"]["t0_hours"], got["harmonic"]["peak_bin_hours"]
    period_h = got["period_days"] * 24
    assert min(abs(t0 - peak), period_h - abs(t0 - peak)) < 1.5 * period_h / 24


def test_catalog_report_finds_the_sidereal_modulation(year_run, capsys):
    assert main(["analyze", str(year_run), "--no-plot"]) == 0
    out = capsys.readouterr().out
    assert "periodogram peak" in out
    report = json.loads((year_run / "analysis.json").read_text())
    assert (report["schema"], report["schema_version"]) == ("mcdm.analysis", 1)
    cat = report["catalog"]
    assert cat["span_days"] > 366
    assert cat["periodogram"]["best_period_hours"] == pytest.approx(23.9345, abs=0.01)
    assert cat["periodogram"]["false_alarm_probability"] < 1e-6
    sep = cat["sidereal_vs_solar"]
    assert sep["resolved"] and sep["power_sidereal"] > 10 * sep["power_solar"]
    assert cat["onoff"]["a_posteriori"] is False and cat["onoff"]["li_ma_z"] > 5
    assert cat["harmonic"]["a1"] > 5 * cat["harmonic"]["a1_err"]


def test_other_scenarios_analyse_the_catalog_and_skip_their_rate(tmp_path):
    """A pearls-like folder (rate.json per unit mass, events.parquet): the catalog is analysed and the
    rate skipped with a note; rate.json alone is refused with a message naming the scenario."""
    from astropy.time import Time

    from mcdm.errors import ConfigError
    from mcdm.events import EventCatalog
    from mcdm.tally import Tally, time_axis

    (tmp_path / "config.toml").write_text('[run]\nname = "p"\nscenario = "pearls"\n')
    t = Tally(time_axis(51544.0 + np.arange(11) * 36.5), quantity="rate", unit="d^-1 kg^-1")
    t.fill(51544.0 + np.arange(10) * 36.5 + 1.0, weight=np.ones(10))
    t.save(tmp_path / "rate.json")
    rng = np.random.default_rng(3)
    days = np.sort(rng.uniform(0.0, 365.0, 2000))
    EventCatalog.from_arrays(Time(51544.0 + days, format="mjd"), rng.uniform(2, 6, days.size), "nai").to_parquet(
        tmp_path / "events.parquet")
    report = analyze_path(tmp_path, period="annual", plot=False)
    assert "catalog" in report and "rate" not in report and "pearls" in report["rate_skipped"]
    with pytest.raises(ConfigError, match="'pearls' run"):
        analyze_path(tmp_path / "rate.json", plot=False)

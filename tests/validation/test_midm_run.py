"""The seed-004 main job (`scenario = "midm"`) end to end, against the paper's statements.

Digest 004 §10 targets: 9 (element dominance: 27Al at Gran Sasso at all hours; 56Fe only at
delta = 100 keV), 10 (SUPL/GS daily rate ~ 10 within a factor 2, SUPL peak broader, 56Fe briefly
dominant at the SUPL peak), 13 (rate linear in the detector volume), 7 (kinematic closure: an
error naming the limits above every isotope's reach); plus the peak hour against the hour at which
the DM wind's origin (LSR apex, RA 318.0°, Dec +48.33°) is lowest, computed with astropy's AltAz.
"""
import json

import numpy as np
import pandas as pd
import pytest

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError
from mcdm.events import EventCatalog
from mcdm.run import run
from mcdm.tally import Tally


def _config(tmp_path, name, site="gran_sasso_efk2023", delta="15 keV", samples=40_000, workers=1, plot=False,
            live_time="1 d", background=1.0e4, bins=24, **midm):
    return config_from_dict(
        {
            "run": {"name": name, "scenario": "midm", "seed": 7, "samples": samples, "shards": 4,
                    "workers": workers, "output_dir": str(tmp_path)},
            "site": {"name": site},
            "earth": {"model": "three_layer_efk2023"},
            "midm": {"delta": delta, "g_M": 2e-3, **midm},
            "detector": {"volume": "1000 m3", "live_time": live_time, "background": background},
            "time": {"start": "2000-01-01T00:00:00", "bins": bins, "width": f"{24 / bins} h"},
            "output": {"plot": plot, "progress": False},
        }
    )


@pytest.fixture(scope="module")
def gs_run(tmp_path_factory):
    outdir = run(_config(tmp_path_factory.mktemp("midm"), "gs", plot=True))
    return outdir, json.loads((outdir / "summary.json").read_text())


@pytest.fixture(scope="module")
def supl_run(tmp_path_factory):
    outdir = run(_config(tmp_path_factory.mktemp("midm"), "supl", site="supl_efk2023"))
    return outdir, json.loads((outdir / "summary.json").read_text())


def test_outputs_written(gs_run):
    outdir, summary = gs_run
    for name in ("rate.json", "summary.json", "events.parquet", "rate_by_isotope.png", "rate_by_layer.png",
                 "manifest.json", "config.toml"):
        assert (outdir / name).is_file(), name
    tally = Tally.load(outdir / "rate.json")
    assert tally.names == ("time", "isotope", "layer") and tally.unit == "s^-1"
    assert tally.n_histories == 40_000
    # the tally reproduces the summary's hourly totals [events/day] and their history-mode errors
    per_day = 86400.0
    np.testing.assert_allclose(tally.project("time").values() * per_day, summary["bins"]["total"], rtol=1e-10)
    np.testing.assert_allclose(tally.project("time", "isotope").values()[:, 2] * per_day,
                               summary["bins"]["Al27"], rtol=1e-10)
    # daily total = sum over the 24 hourly bins of rate x 1 h
    assert summary["daily"] == pytest.approx(np.sum(summary["bins"]["total"]) / 24.0, rel=1e-10)
    assert 0.0 < summary["daily_err"] < 0.05 * summary["daily"]


def test_catalog_background_and_signal(gs_run):
    """1 day of 1e4 events/keV/yr in the default +-3 sigma_E window around 15 keV (sigma_E = 0.94 keV)."""
    outdir, summary = gs_run
    df = EventCatalog.read_parquet(outdir / "events.parquet").df
    sigma = 0.10 * np.sqrt(5.9 * 15.0)
    expected = 1.0e4 / 365.25 * 6.0 * sigma
    n_bkg = int((~df["is_signal"]).sum())
    assert abs(n_bkg - expected) < 5.0 * np.sqrt(expected)
    assert df["is_signal"].sum() <= 3  # the signal is ~1e-5 events/day at g_M = 2e-3
    assert ((df["energy_keV"] > 15 - 3 * sigma - 1e-9) & (df["energy_keV"] < 15 + 3 * sigma + 1e-9)).all()


@pytest.mark.validation
def test_aluminium_dominates_gran_sasso(gs_run):
    """Target 9. With the physical estimator 56Fe (core-crossing chi2) comes close to 27Al at the
    trough (they tie within errors there), so: 27Al leads the day and no hour has a significant 56Fe excess."""
    _, summary = gs_run
    assert max(summary["isotopes"], key=lambda k: summary["isotopes"][k]["daily"]) == "Al27"
    b = summary["bins"]
    al, fe = np.asarray(b["Al27"]), np.asarray(b["Fe56"])
    err = np.hypot(b["Al27_err"], b["Fe56_err"])
    assert np.all(fe - al < 3.0 * err)
    assert np.sum(al > fe) >= 20


@pytest.mark.validation
def test_authors_code_form_gives_the_papers_element_shares(tmp_path):
    """The paper's statements (target 9, 10) hold for Eq. (41) as the authors' code evaluates it:
    27Al dominates every hour at GS and most hours at SUPL; SUPL/GS ~ 10 within a factor 2; the
    SUPL peak is broader (half-maximum width 12 h against 9 h at 2e5 histories)."""
    gs = run(_config(tmp_path, "gs41", samples=20_000, bins=12, live_time="0 d", estimator="eq41_authors_code"))
    supl = run(_config(tmp_path, "supl41", site="supl_efk2023", samples=20_000, bins=12, live_time="0 d",
                       estimator="eq41_authors_code"))
    s_gs = json.loads((gs / "summary.json").read_text())
    s_supl = json.loads((supl / "summary.json").read_text())
    assert set(s_gs["bins"]["dominant_isotope"]) == {"Al27"}
    assert s_supl["bins"]["dominant_isotope"].count("Al27") > 6
    assert 5.0 <= s_supl["daily"] / s_gs["daily"] <= 20.0
    assert _half_max_width(s_supl["bins"]["total"]) > _half_max_width(s_gs["bins"]["total"])  # broader


@pytest.mark.validation
def test_peak_when_the_dm_wind_origin_is_lowest(gs_run, lowest_apex_bin):
    _, summary = gs_run
    hours = np.asarray(summary["bins"]["hours_since_start"])
    i_max = int(np.argmax(summary["bins"]["total"]))
    i_alt = lowest_apex_bin("gran_sasso_efk2023", "2000-01-01T00:00:00", hours)
    assert min(abs(i_max - i_alt), 24 - abs(i_max - i_alt)) <= 1, (hours[i_max], hours[i_alt])
    assert summary["max_over_min"] > 5.0  # a strong sidereal-daily modulation


def _half_max_width(values):
    v = np.asarray(values)
    return int(np.sum(v > 0.5 * v.max()))


@pytest.mark.validation
def test_supl_against_gran_sasso(gs_run, supl_run):
    _, gs = gs_run
    _, supl = supl_run
    ratio = supl["daily"] / gs["daily"]
    assert 5.0 <= ratio <= 20.0, ratio  # "an order of magnitude", factor 2 (target 10)
    # "the peak is broader at SUPL": with the physical estimator the SUPL day has a much higher
    # floor (max/min ~9 against ~42 at GS), but its half-maximum width is that of GS within a bin
    # (the SUPL peak is 56Fe from the core, which is narrow); the Eq. (41) forms give the broader
    # peak the paper describes (test_authors_code_form_gives_the_papers_element_shares)
    assert supl["max_over_min"] < 0.5 * gs["max_over_min"]
    assert abs(_half_max_width(supl["bins"]["total"]) - _half_max_width(gs["bins"]["total"])) <= 2
    # 56Fe (chi2 from scatters in the core) dominates at the peak; with the physical estimator it
    # leads most of the day at SUPL (the paper, with its Eq. (41), finds 27Al for most hours; see
    # test_authors_code_form_gives_the_papers_element_shares)
    dominant = supl["bins"]["dominant_isotope"]
    i_max = int(np.argmax(supl["bins"]["total"]))
    assert dominant[i_max] == "Fe56"


@pytest.mark.validation
def test_only_iron_at_100_kev(tmp_path):
    outdir = run(_config(tmp_path, "d100", delta="100 keV", samples=8_000, bins=6, live_time="0 d"))
    summary = json.loads((outdir / "summary.json").read_text())
    daily = {k: v["daily"] for k, v in summary["isotopes"].items()}
    assert daily["Fe56"] > 0.0
    assert all(daily[k] == 0.0 for k in daily if k != "Fe56")
    assert [k for k, v in summary["isotopes"].items() if v["open"]] == ["Fe56"]


def test_rate_is_linear_in_detector_volume(tmp_path):
    base = _config(tmp_path, "v1", samples=4_000, bins=4, live_time="0 d")
    outdir1 = run(base)
    doc = json.loads((outdir1 / "manifest.json").read_text())["config"]
    doc["detector"]["volume"] = {"value": 2.0e9, "unit": "cm3"}
    doc["run"]["name"] = "v2"
    outdir2 = run(config_from_dict(doc))
    r1 = Tally.load(outdir1 / "rate.json").values()
    r2 = Tally.load(outdir2 / "rate.json").values()
    np.testing.assert_allclose(r2, 2.0 * r1, rtol=1e-12)


def test_delta_above_every_threshold_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"kinematic limit.*Fe56 \d+\.\d keV"):
        run(_config(tmp_path, "closed", delta="300 keV", samples=1_000, bins=2))


def test_same_numbers_for_any_worker_count(tmp_path):
    one = run(_config(tmp_path, "one", workers=1, samples=6_000, bins=4))
    two = run(_config(tmp_path, "two", workers=2, samples=6_000, bins=4))
    assert Tally.load(one / "rate.json") == Tally.load(two / "rate.json")
    s1 = json.loads((one / "summary.json").read_text())
    s2 = json.loads((two / "summary.json").read_text())
    assert s1["bins"] == s2["bins"] and s1["daily"] == s2["daily"]
    pd.testing.assert_frame_equal(EventCatalog.read_parquet(one / "events.parquet").df,
                                  EventCatalog.read_parquet(two / "events.parquet").df)


def test_unknown_isotope_names_the_field_and_the_known_ones(tmp_path):
    with pytest.raises(ConfigError, match=r"midm\.isotopes: .*known: \['Al27', 'Fe56'.*allow_helm = true"):
        run(_config(tmp_path, "bad", samples=1_000, bins=2, isotopes=["Al27", "Xx99"]))


def test_catalog_carries_monte_carlo_truth(tmp_path):
    """At g_M = 0.1 (ell ~ 5000 km, ~20 events/day) a one-day catalog has signal events with truth."""
    outdir = run(config_from_dict({
        "run": {"name": "truth", "scenario": "midm", "seed": 7, "samples": 8_000, "shards": 2,
                "output_dir": str(tmp_path)},
        "site": {"name": "gran_sasso_efk2023"}, "earth": {"model": "three_layer_efk2023"},
        "midm": {"delta": "15 keV", "g_M": 0.1},
        "detector": {"live_time": "1 d", "background": 100.0},
        "time": {"start": "2000-01-01T00:00:00", "bins": 6, "width": "4 h"},
        "output": {"plot": False, "progress": False},
    }))
    df = EventCatalog.read_parquet(outdir / "events.parquet").df
    sig = df[df["is_signal"]]
    assert len(sig) >= 3
    assert set(sig["isotope"]) <= {"Mg24", "Mg25", "Al27", "Si29", "Fe56"}
    assert set(sig["layer"]) <= {"core", "mantle", "crust"}
    assert np.all(np.isfinite(sig["chi2_speed_km_s"])) and np.all(sig["chi2_speed_km_s"] > 0)
    assert np.all(sig["flight_km"] > 0) and np.all(sig["flight_km"] < 2 * 6371.0)
    assert df.loc[~df["is_signal"], "flight_km"].isna().all()


def test_full_composition_with_helm_stand_ins(tmp_path):
    """PREM + allow_helm: spin-0 16O and 28Si (Helm M response, c1 and c5 only) add to the Table-2 set."""
    from mcdm.scenarios.midm import point_config, run_point

    data = point_config("full", tmp_path, samples=4_000)
    data["earth"] = {"model": "prem", "ocean": "crust"}
    data["midm"].update(isotopes=["O16", "Mg24", "Al27", "Si28", "Fe56"], allow_helm=True)
    data["time"].update(bins=4, width="6 h")
    summary = run_point(data)
    assert summary["isotopes"]["O16"]["daily"] > 0.0 and summary["isotopes"]["Si28"]["daily"] > 0.0
    assert summary["isotopes"]["Al27"]["daily"] > summary["isotopes"]["O16"]["daily"]

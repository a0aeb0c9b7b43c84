"""Unit tests of mcdm.analysis.periodogram (Lomb-Scargle of event times, sidereal vs solar).

Data: one Julian year of ~2e4 events drawn by acceptance-rejection from a rate
1 + m cos(2 pi (t - t0) / P) with fixed seeds. Independent references: the "standard"
Lomb-Scargle power equals the fraction of variance explained by a least-squares fit of
mean + cos + sin (checked with numpy.linalg.lstsq), and its expected peak value for relative
amplitude m on mu counts per bin is (m^2 mu^2 / 2) / (mu + m^2 mu^2 / 2).
"""
from __future__ import annotations

import numpy as np
import pytest

from mcdm.analysis.harmonic import SIDEREAL_DAY_D
from mcdm.analysis.periodogram import periodogram, separate_sidereal_solar
from mcdm.errors import ConfigError

T_START, T_YEAR = 60000.0, 365.25
F_SID = 1.0 / SIDEREAL_DAY_D


def draw_events(period, m, n=24_000, t0=60000.4, seed=1, span=T_YEAR):
    rng = np.random.default_rng(seed)
    t = T_START + rng.random(n) * span
    keep = rng.random(n) * (1.0 + m) < 1.0 + m * np.cos(2 * np.pi * (t - t0) / period)
    return np.sort(t[keep])


@pytest.fixture(scope="module")
def sidereal_events():
    """~2e4 events (24000 * 1/1.2) in a year with a 20 % sidereal-day modulation."""
    return draw_events(SIDEREAL_DAY_D, 0.2)


def test_sidereal_period_recovered(sidereal_events):
    """Default search 1/T..4 /d: peak at 23.934 h (within 1/(4T)), FAP ~ 0, expected power."""
    pg = periodogram(sidereal_events)
    assert 19_000 < pg.n_events == sidereal_events.size < 21_000
    assert abs(pg.best_frequency - F_SID) < 0.25 * pg.resolution
    assert abs(pg.best_period_hours - 23.9345) < 0.01            # 36 s
    assert pg.fap < 1e-30 and pg.fap_method == "baluev"
    assert pg.resolution == pytest.approx(1.0 / T_YEAR, rel=1e-3)
    mu = pg.n_events / pg.n_bins
    m_eff = 0.2 * np.sinc(pg.bin_width_days / SIDEREAL_DAY_D)
    expected = (m_eff**2 * mu**2 / 2) / (mu + m_eff**2 * mu**2 / 2)
    assert pg.best_power == pytest.approx(expected, rel=0.15)
    assert pg.false_alarm_level(1e-3) < 0.1 * pg.best_power


def test_separates_sidereal_from_solar(sidereal_events):
    """f_sid - f_sol = 1 /yr: a year resolves them; the solar power is < 5 % of the sidereal
    power and not significant at its fixed frequency."""
    d = separate_sidereal_solar(sidereal_events)
    assert d["delta_f"] == pytest.approx(1.0 / 365.2422, rel=1e-3)
    assert d["separation"] == pytest.approx(1.0, abs=0.01) and d["resolved"]
    assert d["nearest"] == "sidereal"
    assert abs(d["peak_frequency"] - F_SID) < 0.25 * d["resolution"]
    assert abs(d["peak_period_hours"] - 23.9345) < 0.01
    assert d["power_sidereal"] > 20.0 * d["power_solar"]
    assert d["power_sidereal"] > 20.0 * d["power_antisidereal"]
    assert d["fap_single_sidereal"] < 1e-30 < 1e-3 < d["fap_single_solar"]
    assert d["peak_fap"] < 1e-30


def test_solar_modulation_is_not_taken_for_sidereal():
    d = separate_sidereal_solar(draw_events(1.0, 0.2, seed=2))
    assert d["nearest"] == "solar" and abs(d["peak_frequency"] - 1.0) < 0.25 * d["resolution"]
    assert d["power_solar"] > 20.0 * d["power_sidereal"]
    assert d["fap_single_sidereal"] > 1e-3


def test_half_year_does_not_resolve():
    d = separate_sidereal_solar(draw_events(SIDEREAL_DAY_D, 0.2, span=T_YEAR / 2, seed=3))
    assert d["separation"] == pytest.approx(0.5, abs=0.01) and not d["resolved"]


def test_no_modulation_is_not_significant():
    pg = periodogram(draw_events(1.0, 0.0, n=20_000, seed=4))
    assert pg.fap > 0.01


def test_power_equals_least_squares_variance_fraction(sidereal_events):
    """Standard LS power at f = 1 - RSS/TSS of a least-squares mean + cos + sin fit to the
    binned counts (rebuilt here from the periodogram's bin width and start)."""
    pg = periodogram(sidereal_events, (0.5, 2.0, 3001))
    edges = pg.t_start + pg.bin_width_days * np.arange(pg.n_bins + 1)
    counts = np.histogram(sidereal_events, bins=edges)[0].astype(float)
    t = 0.5 * (edges[1:] + edges[:-1])
    for f in (F_SID, 1.0, 1.3):
        a = np.column_stack([np.ones_like(t), np.cos(2 * np.pi * f * t), np.sin(2 * np.pi * f * t)])
        resid = counts - a @ np.linalg.lstsq(a, counts, rcond=None)[0]
        fraction = 1.0 - resid @ resid / np.sum((counts - counts.mean()) ** 2)
        assert pg.power_at(f)[0] == pytest.approx(fraction, rel=1e-8, abs=1e-12)


def test_frequency_forms_and_weights(sidereal_events):
    grid = np.linspace(0.9, 1.1, 500)
    by_array = periodogram(sidereal_events, grid)
    by_tuple = periodogram(sidereal_events, (0.9, 1.1, 500))
    assert by_array.frequency == pytest.approx(by_tuple.frequency)
    assert by_array.best_frequency == pytest.approx(by_tuple.best_frequency, abs=1e-9)
    doubled = periodogram(sidereal_events, (0.9, 1.1, 500), weights=2.0)
    assert doubled.n_events == pytest.approx(2 * by_tuple.n_events)
    assert doubled.power == pytest.approx(by_tuple.power, rel=1e-9, abs=1e-12)


def test_bootstrap_fap_is_reproducible():
    times = draw_events(1.0, 0.0, n=3000, span=30.0, seed=5)
    kw = {"fap_method": "bootstrap", "n_bootstraps": 20}
    a = periodogram(times, (0.2, 2.0, 300), rng=np.random.default_rng(9), **kw)
    b = periodogram(times, (0.2, 2.0, 300), rng=np.random.default_rng(9), **kw)
    assert 0.0 <= a.fap <= 1.0 and a.fap == b.fap and a.fap_method == "bootstrap"


def test_catalog_from_synthesis():
    """End to end: a rate tally spanning one sidereal day (repeated exactly, see
    mcdm.synthesis) -> a year's EventCatalog -> the periodogram finds the sidereal period."""
    from mcdm.synthesis import SECONDS_PER_YEAR, synthesize_catalog
    from mcdm.tally import Tally, time_axis

    edges = T_START + SIDEREAL_DAY_D * np.arange(25) / 24.0
    centres = 0.5 * (edges[1:] + edges[:-1])
    rate = Tally(time_axis(edges), quantity="rate", unit="s^-1")
    rate.histogram.view()["value"] = 2.0e4 / SECONDS_PER_YEAR * (
        1.0 + 0.2 * np.cos(2 * np.pi * (centres - T_START - 0.2) / SIDEREAL_DAY_D))
    catalog = synthesize_catalog(rate, SECONDS_PER_YEAR, np.random.default_rng(5), 15.0,
                                 detector="LNGS")
    d = separate_sidereal_solar(catalog)
    assert d["nearest"] == "sidereal" and d["power_sidereal"] > 20.0 * d["power_solar"]
    assert d["periodogram"].n_events == len(catalog)


@pytest.mark.parametrize("kwargs, match", [
    ({"fap_method": "magic"}, r"unknown fap_method 'magic'; known: \['baluev'"),
    ({"frequencies": (2.0, 1.0, 10)}, "0 < f_min < f_max"),
    ({"frequencies": np.array([-1.0, 1.0])}, "positive frequencies"),
    ({"bin_width_days": 100.0}, "bin_width_days must be in"),
    ({"t_start": 60010.0, "t_stop": 60005.0}, "is empty"),
])
def test_periodogram_errors(kwargs, match):
    times = np.linspace(60000.0, 60030.0, 500)
    with pytest.raises(ConfigError, match=match):
        periodogram(times, **kwargs)


def test_too_few_events():
    with pytest.raises(ConfigError, match=">= 2 finite event times"):
        periodogram(np.array([60000.0]))


def test_plot_periodogram(tmp_path, sidereal_events):
    from mcdm.analysis.plots import plot_periodogram

    d = separate_sidereal_solar(sidereal_events)
    out = plot_periodogram(tmp_path / "pg.png", d["periodogram"],
                           marks={"sidereal": d["f_sidereal"], "solar": d["f_solar"]},
                           fap_levels=(0.01, 1e-6), title="toy")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""Tests of mcdm.synthesis: event catalogs sampled from rate tallies (digest 004 §2.13-2.14)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mcdm.errors import ConfigError, PhysicsWarning
from mcdm.events import EventCatalog
from mcdm.synthesis import (
    SECONDS_PER_YEAR,
    default_energy_window,
    energy_resolution_sigma,
    expected_counts,
    synthesize_catalog,
)
from mcdm.tally import Tally, energy_axis, isotope_axis, layer_axis, time_axis

T0 = 51544.0  # 2000-01-01 00:00 UTC [MJD]
DAY = 86400.0
SIDEREAL_DAY_D = 86164.0905 / DAY
P_MIN = 1e-3  # two-sided p-value below which a statistical test fails (fixed seeds)


def rate_tally(rates: np.ndarray, edges: np.ndarray | None = None, *cat_axes,
               unit: str = "s^-1") -> Tally:
    """A rate tally over ``edges`` (default: 24 hourly bins of one solar day from T0)."""
    rates = np.asarray(rates, dtype=float)
    if edges is None:
        edges = T0 + np.arange(rates.shape[0] + 1) / rates.shape[0]
    t = Tally(time_axis(edges), *cat_axes, quantity="rate", unit=unit)
    t.histogram.view()["value"] = rates
    return t


def modulated(n: int = 24, mean: float = 1e-3, amp: float = 0.6) -> np.ndarray:
    """Positive rate pattern [s^-1] with a clear daily shape."""
    return mean * (1.0 + amp * np.cos(2 * np.pi * (np.arange(n) + 0.5) / n))


def signal(cat: EventCatalog):
    return cat.df[cat.df["is_signal"]]


# ------------------------------------------------------------------------------ resolution
@pytest.mark.validation
@pytest.mark.parametrize(("energy", "sigma"), [(15.0, 0.94), (100.0, 2.43)])
def test_resolution_matches_digest_values(energy, sigma):
    """Digest 004 §2.14 (derived from Eq. 42): sigma_E = 0.94 keV at 15 keV, 2.43 keV at
    100 keV."""
    assert energy_resolution_sigma(energy) == pytest.approx(sigma, abs=0.01)


def test_resolution_is_vectorised_and_scales():
    e = np.array([5.9, 15.0, 100.0])
    s = energy_resolution_sigma(e, fraction=0.2)
    assert s.shape == (3,)
    assert s[0] == pytest.approx(0.2 * 5.9)  # sigma/E = fraction at the reference energy
    with pytest.raises(ConfigError, match="energy_keV"):
        energy_resolution_sigma(-1.0)


def test_default_window_is_three_sigma():
    lo, hi = default_energy_window(15.0)
    s = 0.1 * np.sqrt(5.9 * 15.0)
    assert (lo, hi) == pytest.approx((15.0 - 3 * s, 15.0 + 3 * s))
    assert default_energy_window(0.01)[0] == 0.0  # clipped at zero


# ------------------------------------------------------------------------------ counts
def test_expected_counts_by_hand():
    rates = modulated()
    t = rate_tally(rates)
    live = 2.5 * DAY  # 2 full days + the first 12 hourly bins once more
    by_hand = rates * 3600.0 * np.where(np.arange(24) < 12, 3, 2)
    # bin widths come from MJD edges near 5e4 d: ~1e-10 relative round-off
    np.testing.assert_allclose(expected_counts(t, live), by_hand, rtol=1e-8)


def test_total_signal_count_is_poisson_with_the_right_mean():
    """Sum over seeds matches sum_b rate_b x live time (z-test); the spread across seeds is
    Poisson (chi^2 dispersion test). Reference: a constant rate r over the live time has mean
    r x T, independent of the binning."""
    r = 2e-3  # [s^-1]
    t = rate_tally(np.full(24, r))
    live = 3.3 * DAY
    mu = r * live
    n = np.array([len(synthesize_catalog(t, live, np.random.default_rng(seed), 15.0,
                                         detector="LNGS")) for seed in range(60)])
    z = (n.sum() - n.size * mu) / np.sqrt(n.size * mu)
    assert abs(z) < 4.0
    chi2 = ((n - mu) ** 2 / mu).sum()
    p = stats.chi2.sf(chi2, n.size)
    assert P_MIN < p < 1 - P_MIN


def test_per_bin_counts_follow_rate_shape_on_a_sidereal_grid():
    """Events folded on the grid period follow rate_b x width_b (chi^2 test). The grid spans a
    sidereal day, so the period repetition is exact and folding uses that period."""
    rates = modulated(amp=0.8)
    edges = T0 + np.linspace(0.0, SIDEREAL_DAY_D, 25)
    t = rate_tally(rates, edges)
    live = 40.0 * SIDEREAL_DAY_D * DAY  # a whole number of periods
    cat = synthesize_catalog(t, live, np.random.default_rng(7), 15.0, detector="SUPL")
    phase = np.mod(cat.df["time_mjd"].to_numpy() - T0, SIDEREAL_DAY_D)
    observed = np.histogram(phase, bins=edges - T0)[0]
    expected = expected_counts(t, live)
    # independent check of the expectation: rate x bin width x live/period
    np.testing.assert_allclose(expected, rates * SIDEREAL_DAY_D / 24 * DAY * 40, rtol=1e-8)
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert P_MIN < stats.chi2.sf(chi2, observed.size) < 1 - P_MIN
    # the same counts are far from a flat pattern (the test has power)
    flat = np.full(24, observed.sum() / 24)
    assert stats.chi2.sf(((observed - flat) ** 2 / flat).sum(), 23) < 1e-10


def test_times_are_uniform_inside_a_bin():
    """Within one bin of width 1 h the offsets are U(0, 1 h) (KS test)."""
    t = rate_tally(np.r_[np.zeros(5), 5e-2, np.zeros(18)])
    cat = synthesize_catalog(t, 20 * DAY, np.random.default_rng(3), 15.0, detector="LNGS")
    frac = np.mod((cat.df["time_mjd"].to_numpy() - T0) * 24.0, 24.0) - 5.0
    assert len(frac) > 3000 and frac.min() >= 0 and frac.max() < 1
    assert stats.kstest(frac, "uniform").pvalue > P_MIN


def test_partial_last_period():
    """Live time of 2 days + 6.5 hours: bins 0-5 get 3 periods, bin 6 gets 2.5 hours' worth in
    total (half of it in the last period, all in its first half hour), later bins 2 periods."""
    t = rate_tally(np.full(24, 0.05))
    live = (2.0 + 6.5 / 24.0) * DAY
    exp = expected_counts(t, live)
    np.testing.assert_allclose(exp[:6], 0.05 * 3 * 3600)
    np.testing.assert_allclose(exp[6], 0.05 * 2.5 * 3600)
    np.testing.assert_allclose(exp[7:], 0.05 * 2 * 3600)
    cat = synthesize_catalog(t, live, np.random.default_rng(11), 15.0, detector="LNGS")
    tm = cat.df["time_mjd"].to_numpy()
    assert tm.min() >= T0 and tm.max() < T0 + live / DAY
    last = tm[tm >= T0 + 2.0]
    hours = (last - T0 - 2.0) * 24.0
    assert hours.max() < 6.5
    in_bin6 = hours[hours >= 6.0]
    z = (in_bin6.size - 0.05 * 1800) / np.sqrt(0.05 * 1800)
    assert abs(z) < 4 and in_bin6.size > 0
    per_bin = np.histogram(np.mod((tm - T0) * 24.0, 24.0), bins=np.arange(25))[0]
    chi2 = ((per_bin - exp) ** 2 / exp).sum()
    assert P_MIN < stats.chi2.sf(chi2, 24) < 1 - P_MIN


def test_live_time_shorter_than_one_period_and_zero():
    t = rate_tally(np.full(24, 1.0))
    cat = synthesize_catalog(t, 1800.0, np.random.default_rng(0), 15.0, detector="LNGS")
    assert cat.df["time_mjd"].max() < T0 + 1800.0 / DAY
    assert len(cat) > 1000
    empty = synthesize_catalog(t, 0.0, np.random.default_rng(0), 15.0, detector="LNGS")
    assert len(empty) == 0 and "is_signal" in empty.df.columns


# ------------------------------------------------------------------------------ energies
def test_signal_energies_are_the_smeared_line():
    """Mean and standard deviation of signal energies match the line and Eq. (42) sigma_E
    (0.1 sqrt(5.9 x 100) = 2.43 keV), within 4 standard errors."""
    t = rate_tally(np.full(24, 0.1))
    cat = synthesize_catalog(t, 1.0 * DAY, np.random.default_rng(5), 100.0, detector="LNGS")
    e = cat.df["energy_keV"].to_numpy()
    sigma = 0.1 * np.sqrt(5.9 * 100.0)
    n = e.size
    assert abs(e.mean() - 100.0) < 4 * sigma / np.sqrt(n)
    assert abs(e.std(ddof=1) - sigma) < 4 * sigma / np.sqrt(2 * (n - 1))
    assert stats.kstest((e - 100.0) / sigma, "norm").pvalue > P_MIN


def test_truncation_keeps_energies_positive():
    t = rate_tally(np.full(24, 0.05))
    cat = synthesize_catalog(t, DAY, np.random.default_rng(2), 0.05, detector="LNGS",
                             resolution_fraction=1.0)
    assert (cat.df["energy_keV"] > 0).all()


def test_sharp_line_without_resolution():
    t = rate_tally(np.full(24, 1e-3))
    cat = synthesize_catalog(t, DAY, np.random.default_rng(2), 15.0, detector="LNGS",
                             resolution_fraction=0.0)
    assert (cat.df["energy_keV"] == 15.0).all()


# ------------------------------------------------------------------------------ background
def test_flat_background_count_and_distributions():
    """Background count = B x window x live/yr (z-test); energies U(window), times U(live)
    (KS tests). B = 1e4 keV^-1 yr^-1 is the CYGNUS level of digest 004 §2.14."""
    t = rate_tally(np.zeros(24))
    live = 30.0 * DAY
    with pytest.warns(PhysicsWarning, match="0 in every bin"):
        cat = synthesize_catalog(t, live, np.random.default_rng(9), 15.0, detector="LNGS",
                                 background_per_keV_per_year=1e4)
    df = cat.df
    assert not df["is_signal"].any()
    sigma = 0.1 * np.sqrt(5.9 * 15.0)
    lo, hi = 15.0 - 3 * sigma, 15.0 + 3 * sigma
    mu = 1e4 * (hi - lo) * live / (365.25 * DAY)
    assert abs(len(df) - mu) < 4 * np.sqrt(mu)
    e = df["energy_keV"].to_numpy()
    assert e.min() >= lo and e.max() < hi
    assert stats.kstest(e, "uniform", args=(lo, hi - lo)).pvalue > P_MIN
    tm = (df["time_mjd"].to_numpy() - T0) * DAY
    assert stats.kstest(tm, "uniform", args=(0.0, live)).pvalue > P_MIN
    assert SECONDS_PER_YEAR == 365.25 * DAY


def test_background_window_option_and_mixture():
    t = rate_tally(np.full(24, 1e-2))
    cat = synthesize_catalog(t, 10 * DAY, np.random.default_rng(4), 15.0, detector="LNGS",
                             background_per_keV_per_year=2e4, energy_window_keV=(2.0, 40.0))
    bkg = cat.df[~cat.df["is_signal"]]
    mu = 2e4 * 38.0 * 10 / 365.25
    assert abs(len(bkg) - mu) < 4 * np.sqrt(mu)
    assert bkg["energy_keV"].between(2.0, 40.0).all()
    assert cat.run["synthesis"]["energy_window_keV"] == [2.0, 40.0]


# ------------------------------------------------------------------------------ catalog
def test_catalog_columns_order_and_reproducibility(tmp_path):
    t = rate_tally(modulated(mean=5e-3))
    kw = dict(detector="LNGS", background_per_keV_per_year=5e3, run={"name": "x"})
    a = synthesize_catalog(t, 3 * DAY, np.random.default_rng(123), 15.0, **kw)
    b = synthesize_catalog(t, 3 * DAY, np.random.default_rng(123), 15.0, **kw)
    c = synthesize_catalog(t, 3 * DAY, np.random.default_rng(124), 15.0, **kw)
    assert a.equals(b) and not a.equals(c)
    df = a.df
    assert df["is_signal"].any() and (~df["is_signal"]).any()
    assert list(df["event_id"]) == list(range(len(df)))
    assert np.all(np.diff(df["time_mjd"].to_numpy()) >= 0)
    assert (df["weight"] == 1.0).all() and (df["detector"] == "LNGS").all()
    assert a.run["name"] == "x" and a.run["synthesis"]["line_energy_keV"] == 15.0
    # time_utc agrees with time_mjd to the microsecond
    dt = (a.times().mjd - df["time_mjd"].to_numpy()) * DAY
    assert np.abs(dt).max() < 1e-5
    back = EventCatalog.read_parquet(a.to_parquet(tmp_path / "events.parquet"))
    assert back.equals(a)


def test_isotope_and_layer_categories_get_the_right_fractions():
    """Counts per (isotope, layer) follow the rate ratios (chi^2 on the 2x2 table)."""
    rates = np.zeros((24, 2, 2))
    rates[:, 0, 0], rates[:, 0, 1], rates[:, 1, 0], rates[:, 1, 1] = 4e-3, 2e-3, 1e-3, 1e-3
    rates[:12] *= 2.0
    t = rate_tally(rates, None, isotope_axis(["Al27", "Fe56"]), layer_axis(["crust", "core"]))
    cat = synthesize_catalog(t, 20 * DAY, np.random.default_rng(8), 15.0, detector="SUPL",
                             background_per_keV_per_year=1e3)
    s = signal(cat)
    table = s.groupby(["isotope", "layer"]).size()
    observed = np.array([table.get((i, l), 0) for i in ("Al27", "Fe56")
                         for l in ("crust", "core")])
    p = np.array([4, 2, 1, 1]) / 8.0
    expected = p * observed.sum()
    assert P_MIN < stats.chi2.sf(((observed - expected) ** 2 / expected).sum(), 3) < 1 - P_MIN
    bkg = cat.df[~cat.df["is_signal"]]
    assert len(bkg) > 0 and (bkg["isotope"] == "").all() and (bkg["layer"] == "").all()
    # the first 12 hours have twice the rate: 2/3 of the signal (binomial z-test)
    first = (np.mod((s["time_mjd"].to_numpy() - T0) * 24.0, 24.0) < 12.0).sum()
    assert abs(first - 2 / 3 * len(s)) < 4 * np.sqrt(len(s) * 2 / 9)


def test_truth_sampler_columns_and_background_nan():
    rates = np.zeros((24, 2))
    rates[:, 0], rates[:, 1] = modulated(mean=3e-3), 1e-3
    t = rate_tally(rates, None, isotope_axis(["Al27", "Fe56"]))
    calls = []

    def sampler(bin_index, category_indices, n, rng):
        calls.append(n)
        (iso,) = category_indices
        assert bin_index.shape == iso.shape == (n,)
        return {"bin_truth": bin_index, "iso_truth": iso,
                "speed_km_s": rng.uniform(100.0, 800.0, n), "tag": np.full(n, "sig")}

    cat = synthesize_catalog(t, 5 * DAY, np.random.default_rng(6), 15.0, detector="LNGS",
                             background_per_keV_per_year=5e3, truth_sampler=sampler)
    assert len(calls) == 1
    df = cat.df
    s, b = df[df["is_signal"]], df[~df["is_signal"]]
    assert calls[0] == len(s) > 0 and len(b) > 0
    hour = np.floor(np.mod((s["time_mjd"].to_numpy() - T0) * 24.0, 24.0))
    np.testing.assert_array_equal(s["bin_truth"].to_numpy(), hour)
    np.testing.assert_array_equal(s["iso_truth"].map({0.0: "Al27", 1.0: "Fe56"}), s["isotope"])
    assert s["speed_km_s"].between(100.0, 800.0).all()
    for col in ("bin_truth", "iso_truth", "speed_km_s"):
        assert b[col].isna().all()
    assert (s["tag"] == "sig").all() and (b["tag"] == "").all()
    assert cat.units["speed_km_s"] == "km/s"


def test_truth_sampler_bad_output():
    t = rate_tally(np.full(24, 1e-2))
    with pytest.raises(ConfigError, match="shape"):
        synthesize_catalog(t, DAY, np.random.default_rng(0), 15.0, detector="LNGS",
                           truth_sampler=lambda b, c, n, rng: {"x_km": np.zeros(n + 1)})
    with pytest.raises(ConfigError, match="energy_keV"):
        synthesize_catalog(t, DAY, np.random.default_rng(0), 15.0, detector="LNGS",
                           truth_sampler=lambda b, c, n, rng: {"energy_keV": np.zeros(n)})


def test_rate_unit_is_converted():
    per_day = rate_tally(np.full(24, 86.4), unit="day^-1")
    per_s = rate_tally(np.full(24, 1e-3))
    np.testing.assert_allclose(expected_counts(per_day, 2 * DAY), expected_counts(per_s, 2 * DAY))
    with pytest.raises(ConfigError, match="not a rate"):
        expected_counts(rate_tally(np.ones(24), unit="km"), DAY)


def test_time_axis_need_not_be_first():
    t = Tally(isotope_axis(["Al27"]), time_axis(T0 + np.arange(25) / 24.0), quantity="rate",
              unit="s^-1")
    t.histogram.view()["value"] = 1e-3
    assert expected_counts(t, DAY).shape == (24, 1)
    cat = synthesize_catalog(t, DAY, np.random.default_rng(0), 15.0, detector="LNGS")
    assert (cat.df["isotope"] == "Al27").all()


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"live_time_s": -1.0}, "live_time_s"),
    ({"live_time_s": float("nan")}, "live_time_s"),
    ({"background_per_keV_per_year": -1.0}, "background_per_keV_per_year"),
    ({"line_energy_keV": 0.0}, "line_energy_keV"),
    ({"resolution_fraction": -0.1}, "resolution"),
    ({"energy_window_keV": (5.0, 2.0)}, "energy_window_keV"),
    ({"rng": 42}, "numpy.random.Generator"),
    ({"detector": ""}, "detector"),
])
def test_bad_arguments(kwargs, match):
    args = dict(rate=rate_tally(np.full(24, 1e-3)), live_time_s=DAY,
                rng=np.random.default_rng(0), line_energy_keV=15.0, detector="LNGS")
    args.update(kwargs)
    with pytest.raises(ConfigError, match=match):
        synthesize_catalog(**args)


def test_bad_rate_tallies():
    rng = np.random.default_rng(0)
    no_time = Tally(energy_axis([1.0, 2.0]), quantity="rate", unit="s^-1")
    with pytest.raises(ConfigError, match="no 'time' axis"):
        synthesize_catalog(no_time, DAY, rng, 15.0, detector="LNGS")
    negative = rate_tally(np.r_[-1e-3, np.full(23, 1e-3)])
    with pytest.raises(ConfigError, match="negative rate"):
        synthesize_catalog(negative, DAY, rng, 15.0, detector="LNGS")
    continuous = Tally(time_axis([T0, T0 + 1]), energy_axis([1.0, 2.0]), quantity="rate")
    with pytest.raises(ConfigError, match="continuous"):
        synthesize_catalog(continuous, DAY, rng, 15.0, detector="LNGS")
    with pytest.raises(ConfigError, match="Tally"):
        synthesize_catalog(np.ones(3), DAY, rng, 15.0, detector="LNGS")

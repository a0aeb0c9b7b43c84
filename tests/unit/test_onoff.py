"""Tests of mcdm.analysis.onoff: the paper's on/off modulation test (digest 004 §2.14, Eq. 43).

References: hand evaluations of Eq. (43) and Eq. (42) written out in the docstrings below, and
Li & Ma (1983, ApJ 272, 317) Eq. (17) evaluated by hand (the arithmetic is in the comments).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.analysis.likelihood import ModulationLikelihood
from mcdm.analysis.onoff import (
    N_DAYS_PAPER,
    VARIANTS,
    fold_counts,
    li_ma,
    onoff_mask,
    paper_onoff,
    phase_rates_per_day,
    window_acceptance,
    window_background_rate,
)
from mcdm.errors import ConfigError, PhysicsWarning
from mcdm.tally import Tally, time_axis

HOURS = np.arange(24) + 0.5


def peaked(peak_hour: float = 0.5, kappa: float = 1.9) -> np.ndarray:
    """Single-peaked day (von Mises in hour), max/min = exp(2 kappa)."""
    return np.exp(kappa * np.cos(2 * np.pi * (HOURS - peak_hour) / 24.0))


# ---------------------------------------------------------------------------------- constants
def test_paper_exposure():
    """N_days = 6 x 365.25 = 2191.5 d and t_off = N_days / 2 = 1095.75 d (digest §2.14)."""
    assert N_DAYS_PAPER == 2191.5
    res = paper_onoff(peaked(), 10.0)
    assert res.n_days == 2191.5
    assert res.t_off == 1095.75


# ---------------------------------------------------------------------------------- background
def test_window_background_cygnus_15keV():
    """1e4 /keV/yr in +-2 sigma_E at 15 keV.

    sigma_E = 0.1 sqrt(5.9 x 15) = 0.940744 keV (digest: 0.94 keV); width 4 sigma = 3.762978 keV;
    3.762978e4 / 365.25 = 103.0247 events/day.
    """
    assert window_background_rate(1e4, 15.0) == pytest.approx(103.0247, rel=1e-6)
    assert window_background_rate(1e4, 15.0, n_sigma=3.0) == pytest.approx(1.5 * 103.0247,
                                                                          rel=1e-6)
    # 100 keV: sigma_E = 2.4290 keV (digest 2.43), width 9.7160 keV -> 266.01 /day
    assert window_background_rate(1e4, 100.0) == pytest.approx(266.0103, rel=1e-5)
    assert window_background_rate(0.0, 15.0) == 0.0


def test_window_background_clipped_at_zero():
    """Below ~0.24 keV the lower window edge 0 keV cuts the window: width = E + 2 sigma_E."""
    e = 0.1
    sigma = 0.1 * math.sqrt(5.9 * e)
    assert window_background_rate(365.25, e) == pytest.approx(e + 2 * sigma, rel=1e-12)


def test_window_acceptance():
    assert window_acceptance(2.0) == pytest.approx(0.954500, abs=1e-6)
    assert window_acceptance(1.0) == pytest.approx(0.682689, abs=1e-6)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), "x"])
def test_window_background_rejects(bad):
    with pytest.raises(ConfigError):
        window_background_rate(bad, 15.0)
    with pytest.raises(ConfigError):
        window_background_rate(1e4, bad)


# ---------------------------------------------------------------------------------- masks
@pytest.mark.parametrize("variant", VARIANTS)
def test_mask_single_peak_wraps_midnight(variant):
    """A peak at midnight gives the on half 18:00-06:00, wrapping around midnight; both variants."""
    mask = onoff_mask(peaked(0.0), variant)
    assert mask.sum() == 12
    expected = (HOURS < 6.0) | (HOURS > 18.0)
    np.testing.assert_array_equal(mask, expected)


def test_mask_default_is_contiguous_and_variants_differ_for_two_peaks():
    rate = peaked(3.5, 3.0) + peaked(15.5, 3.0) * 0.9   # two peaks 12 h apart
    high = onoff_mask(rate, "highest")
    cont = onoff_mask(rate, "contiguous")
    np.testing.assert_array_equal(onoff_mask(rate), cont)
    assert cont.sum() == 12
    assert np.sum(cont & ~np.roll(cont, 1)) == 1            # one circular run of on bins
    assert not np.array_equal(high, cont)
    r_high = paper_onoff(rate, 5.0, variant="highest")
    r_cont = paper_onoff(rate, 5.0, variant="contiguous")
    assert r_high.significance > r_cont.significance        # "highest" maximises on - off


def test_mask_rejects():
    with pytest.raises(ConfigError):
        onoff_mask(np.ones(23))
    with pytest.raises(ConfigError):
        onoff_mask(np.ones(24), "middle")
    with pytest.raises(ConfigError):
        onoff_mask(-np.ones(24))


# ---------------------------------------------------------------------------------- Eq. (43)
def test_eq43_hand_numbers():
    """Signal 3 /day on, 1 /day off (12 h each), background 100 /day, N_days = 2191.5.

    Gamma_on = 103, Gamma_off = 101 /day; t_off = 1095.75 d; N_off = 101 x 1095.75 = 110670.75;
    ratio = 2/101 = 0.01980198; threshold = 1.64 / sqrt(110670.75) = 1.64 / 332.6721 = 0.00492977;
    significance = ratio / threshold = (N_on - N_off) / (1.64 sqrt N_off) = 2191.5 / 545.5822
    = 4.016811.
    """
    rate = np.where(HOURS < 12, 3.0, 1.0)
    res = paper_onoff(rate, 100.0)
    assert res.variant == "contiguous"
    assert res.on_mask == tuple(bool(x) for x in HOURS < 12)
    assert res.gamma_on == pytest.approx(103.0)
    assert res.gamma_off == pytest.approx(101.0)
    assert res.gamma_signal == pytest.approx(2.0)
    assert res.n_off == pytest.approx(110670.75)
    assert res.n_on == pytest.approx(103 * 1095.75)
    assert res.ratio == pytest.approx(0.01980198, rel=1e-6)
    assert res.threshold == pytest.approx(0.00492977, rel=1e-5)
    assert res.significance == pytest.approx(4.016811, rel=1e-5)
    assert res.sensitive
    assert not paper_onoff(rate, 100.0, n=5.0).sensitive
    assert paper_onoff(rate, 100.0, n=4.0).sensitive


def test_eq43_background_cancels_in_signal_and_scales_noise():
    rate = peaked()
    a, b = paper_onoff(rate, 10.0), paper_onoff(rate, 1000.0)
    assert a.gamma_signal == pytest.approx(b.gamma_signal, rel=1e-12)
    assert b.significance < a.significance


def test_eq43_significance_is_ratio_over_fluctuation():
    res = paper_onoff(peaked(), 50.0, n_days=365.25, variant="highest")
    assert res.significance == pytest.approx(res.ratio / (1.64 / math.sqrt(res.n_off)))
    assert res.threshold == pytest.approx(1.64 / math.sqrt(res.n_off))
    assert res.t_off == pytest.approx(365.25 / 2)


def test_eq43_zero_background():
    """No background: Gamma_off is the signal's own off rate; a vanishing off rate gives +inf."""
    res = paper_onoff(peaked(), 0.0, n_days=365.25)
    assert res.gamma_off == pytest.approx(peaked()[~np.array(res.on_mask)].mean())
    assert np.isfinite(res.significance) and res.significance > 0
    dark = np.where(HOURS < 12, 1.0, 0.0)
    res = paper_onoff(dark, 0.0)
    assert res.ratio == math.inf and res.significance == math.inf and res.sensitive
    with pytest.warns(PhysicsWarning, match="rate_per_day is 0"):
        flat0 = paper_onoff(np.zeros(24), 0.0)
    assert flat0.significance == 0.0 and not flat0.sensitive


def test_eq43_explicit_mask_and_rejects():
    rate = peaked()
    mask = HOURS >= 12
    res = paper_onoff(rate, 1.0, mask=mask)
    assert res.variant == "mask" and res.gamma_signal < 0 and not res.sensitive
    with pytest.raises(ConfigError):
        paper_onoff(rate, 1.0, mask=HOURS < 6)
    with pytest.raises(ConfigError):
        paper_onoff(rate, -1.0)
    with pytest.raises(ConfigError):
        paper_onoff(rate, 1.0, n_days=0.0)


# ---------------------------------------------------------------------------------- Li & Ma
def test_li_ma_hand_values():
    """Li & Ma Eq. (17) by hand.

    (130, 100, alpha 1): 130 ln(260/230) = 15.93830, 100 ln(200/230) = -13.97619;
    sqrt(2 x 1.96211) = 1.98096.
    (150, 400, alpha 0.25): 150 ln(5 x 150/550) = 46.52324, 400 ln(1.25 x 400/550) = -38.12407;
    sqrt(2 x 8.39917) = 4.09858.
    """
    assert li_ma(130, 100) == pytest.approx(1.98096, abs=2e-5)
    assert li_ma(150, 400, alpha=0.25) == pytest.approx(4.09858, abs=2e-5)
    assert li_ma(100, 130) == pytest.approx(-1.98096, abs=2e-5)    # deficit: negative


def test_li_ma_edges_and_vectorised():
    assert li_ma(0, 0) == 0.0
    # n_off = 0: S = sqrt(2 n_on ln(1 + 1/alpha)); n_on = 0: -sqrt(2 n_off ln(1 + alpha))
    assert li_ma(10, 0) == pytest.approx(math.sqrt(20 * math.log(2.0)))
    assert li_ma(0, 10, alpha=0.5) == pytest.approx(-math.sqrt(20 * math.log(1.5)))
    out = li_ma(np.array([130, 100]), np.array([100, 130]))
    np.testing.assert_allclose(out, [1.98096, -1.98096], atol=2e-5)
    with pytest.raises(ConfigError):
        li_ma(-1, 3)
    with pytest.raises(ConfigError):
        li_ma(1, 3, alpha=0.0)


def test_li_ma_small_excess_limit():
    """Large counts, small excess: S -> (N_on - a N_off) / sqrt(a (N_on + N_off)) (Li & Ma Eq. 9
    with the ML background estimate) to O(excess / N)."""
    n_off, a = 1.0e6, 0.5
    n_on = a * n_off + 1500.0
    approx = (n_on - a * n_off) / math.sqrt(a * (n_on + n_off))
    assert li_ma(n_on, n_off, a) == pytest.approx(approx, rel=2e-3)


def test_li_ma_equals_two_bin_likelihood_ratio():
    """Off bin free of signal: the floating-background 2-bin Poisson LR is Li & Ma (alpha 1)."""
    lik = ModulationLikelihood([500.0, 0.0], [2000.0, 2000.0])
    for n_on, n_off in [(2100, 2000), (2317, 2011), (2600, 1900)]:
        assert lik.fit([n_on, n_off]).z == pytest.approx(li_ma(n_on, n_off), rel=1e-6)


# ---------------------------------------------------------------------------------- catalogs
def test_fold_counts():
    edges = 51544.0 + np.arange(25) / 24.0
    t = np.array([51544.01, 51545.01, 51544.0 + 23.5 / 24, 51543.99, 51600.5 + 1e-6])
    counts = fold_counts(t, edges)
    assert counts.sum() == 5 and counts.dtype == np.int64
    assert counts[0] == 2 and counts[23] == 2 and counts[12] == 1
    with pytest.raises(ConfigError):
        fold_counts(t, edges[::-1])


def test_phase_rates_per_day_from_tally():
    rate = Tally(time_axis(51544.0 + np.arange(25) / 24.0), quantity="rate", unit="s^-1")
    rate.histogram.view()["value"] = 1.0e-4 * np.arange(1, 25)
    np.testing.assert_allclose(phase_rates_per_day(rate), 8.64 * np.arange(1, 25), rtol=1e-12)
    with pytest.raises(ConfigError):
        phase_rates_per_day(np.ones(24))

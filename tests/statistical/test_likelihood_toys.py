"""Statistical tests of mcdm.analysis.likelihood.ModulationLikelihood against toy Monte Carlo.

Setting: a Fig-5-like single-peaked sidereal profile (von Mises in hour, max/min = 42, as the
Gran Sasso delta = 15 keV run), 24 phase bins, CYGNUS background 1e4 /keV/yr in +-2 sigma_E at
15 keV (103.0 /day), N_days = 2191.5. References: the asymptotic formulae of Cowan, Cranmer,
Gross & Vitells, EPJC 71 (2011) 1554 (Asimov median Z and limits, half-chi^2 null distribution
of q0), checked against toys with fixed seeds; the single-bin Asimov Z against CCGV Eq. (97);
the 2-bin on/off likelihood ratio against Li & Ma (1983) Eq. (17).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.analysis.likelihood import ModulationLikelihood
from mcdm.analysis.onoff import li_ma, onoff_mask, paper_onoff, window_background_rate
from mcdm.errors import ConfigError

HOURS = np.arange(24) + 0.5
N_DAYS = 2191.5
N_TOYS = 2000
BKG = window_background_rate(1e4, 15.0)                    # 103.02 events/day


def peaked(peak_hour: float = 0.5, kappa: float = 1.87) -> np.ndarray:
    """Fig-5(a)-like (Gran Sasso, Al-dominated) day: max/min = exp(2 kappa) = 42."""
    return np.exp(kappa * np.cos(2 * np.pi * (HOURS - peak_hour) / 24.0))


def supl_like() -> np.ndarray:
    """Fig-5(b)-like (SUPL): a broad Al day plus a narrow Fe spike when Cygnus is lowest."""
    return peaked(12.5, 1.0) + 3.0 * np.exp(-0.5 * ((HOURS - 12.5) / 1.2) ** 2)


def signal_at_paper_1sigma(shape: np.ndarray, variant: str = "contiguous") -> np.ndarray:
    """Scale ``shape`` [events/day] so the paper's Eq. (43) test is exactly at n = 1."""
    lo, hi = 1e-6, 1e6
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if paper_onoff(mid * shape, BKG, variant=variant).significance >= 1 \
            else (mid, hi)
    return hi * shape


@pytest.fixture(scope="module")
def lik_float() -> ModulationLikelihood:
    return ModulationLikelihood.from_rates(signal_at_paper_1sigma(peaked()), BKG, N_DAYS)


@pytest.fixture(scope="module")
def lik_fixed() -> ModulationLikelihood:
    return ModulationLikelihood.from_rates(signal_at_paper_1sigma(peaked()), BKG, N_DAYS,
                                           float_background=False)


# ---------------------------------------------------------------------------------- deterministic
def test_data_layout():
    """s_t = rate_t x N_days / 24, b_t = bkg x N_days / 24."""
    rate = peaked()
    lik = ModulationLikelihood.from_rates(rate, BKG, N_DAYS)
    np.testing.assert_allclose(lik.signal, rate * N_DAYS / 24, rtol=1e-14)
    np.testing.assert_allclose(lik.background, np.full(24, BKG * N_DAYS / 24), rtol=1e-14)
    assert lik.float_background


def test_single_bin_asimov_is_ccgv_eq97():
    """Fixed background, one bin: Z_A = sqrt(2 [(s+b) ln(1+s/b) - s]) (CCGV Eq. 97)."""
    for s, b in [(10.0, 100.0), (3.0, 0.5), (250.0, 1e4)]:
        z = ModulationLikelihood([s], [b], float_background=False).asimov_z(1.0)
        assert z == pytest.approx(math.sqrt(2 * ((s + b) * math.log(1 + s / b) - s)), rel=1e-12)


def test_asimov_fit_recovers_truth(lik_float, lik_fixed):
    for lik in (lik_float, lik_fixed):
        for mu in (0.0, 2.0):
            f = lik.fit(lik.asimov_counts(mu))
            assert f.valid
            assert f.mu == pytest.approx(mu, abs=1e-4 * f.mu_err / max(mu, 1.0) + 1e-6)
            assert f.b_scale == pytest.approx(1.0, abs=1e-6)
        f = lik.fit(lik.asimov_counts(2.0))
        assert f.z == pytest.approx(lik.asimov_z(2.0), rel=1e-5)


def test_profile_matches_brute_force(lik_float):
    rng = np.random.default_rng(11)
    n = rng.poisson(lik_float.expected(1.0)).astype(float)
    beta = lik_float.profile_b_scale(n, 0.7)
    grid = beta + np.linspace(-1e-3, 1e-3, 2001)
    d = lik_float.deviance(np.broadcast_to(n, (grid.size, 24)), np.full(grid.size, 0.7), grid)
    assert abs(grid[np.argmin(d)] - beta) <= 1.5e-6
    assert lik_float.profile_b_scale(n, 0.7) == pytest.approx(
        lik_float.profile_b_scale(n[None, :], np.array([0.7]))[0], rel=1e-14)


def test_float_background_absorbs_flat_excess(lik_float, lik_fixed):
    """A flat excess is not a modulation: Z = 0 with the profiled background, large if fixed."""
    n = lik_float.expected(0.0, 1.0) * 1.02
    assert lik_float.fit(n).z == pytest.approx(0.0, abs=1e-3)
    assert lik_float.fit(n).b_scale == pytest.approx(1.02, rel=1e-6)
    assert lik_fixed.fit(n).z > 5.0


def test_zero_background_conventions():
    lik = ModulationLikelihood([1.0, 2.0], [0.0, 0.0], float_background=False)
    assert lik.asimov_z(1.0) == math.inf
    assert lik.fit([0, 1]).z == math.inf
    with pytest.raises(ConfigError):
        ModulationLikelihood([1.0, 2.0], [0.0, 0.0])             # nothing to float
    with pytest.raises(ConfigError):
        ModulationLikelihood([1.0, 2.0], [5.0, 10.0])            # same shape: degenerate
    with pytest.raises(ConfigError):
        ModulationLikelihood([1.0, 2.0], [5.0, -1.0])


def test_asimov_limit_bands_ordered(lik_float):
    bands = [lik_float.asimov_upper_limit(0.95, band=k) for k in (-1, 0, 1, 2)]
    assert np.all(np.diff(bands) > 0)
    assert lik_float.asimov_upper_limit(0.90) < bands[1]
    # near-Gaussian regime: mu_up ~ sigma (1.645 + N), so the +1 band is ~ (2.645/1.645) x median
    assert bands[2] / bands[1] == pytest.approx(2.645 / 1.645, rel=0.05)
    with pytest.raises(ConfigError):
        lik_float.asimov_upper_limit(0.95, band=-2.0)
    with pytest.raises(ConfigError):
        lik_float.asimov_upper_limit(1.5)


@pytest.mark.parametrize("variant", ["contiguous", "highest"])
@pytest.mark.parametrize("shape", [peaked(), peaked(7.0, 1.2), supl_like()],
                         ids=["gran-sasso", "broad", "supl"])
def test_shape_beats_onoff(shape, variant):
    """Shape-based Asimov Z >= on/off Z for Fig-5-like days (same signal, same treatment).

    The on/off comparison is the same Poisson likelihood ratio on the 2 halves (identical to
    Li & Ma with alpha = 1 on the Asimov on/off counts), with the signal scaled so the paper's
    Eq. (43) is exactly at its 1-sigma boundary.
    """
    rate = signal_at_paper_1sigma(shape, variant)
    on = onoff_mask(rate, variant)
    half = N_DAYS / 2
    s2 = np.array([rate[on].mean(), rate[~on].mean()]) * half
    b2 = np.full(2, BKG * half)
    z_onoff = ModulationLikelihood(s2, b2).asimov_z(1.0)
    n_on, n_off = s2 + b2
    assert z_onoff == pytest.approx(li_ma(n_on, n_off), rel=1e-6)
    z_shape = ModulationLikelihood.from_rates(rate, BKG, N_DAYS).asimov_z(1.0)
    assert z_shape >= z_onoff
    # and with the background fixed the same ordering holds
    z2_fixed = ModulationLikelihood(s2, b2, float_background=False).asimov_z(1.0)
    z_fixed = ModulationLikelihood.from_rates(rate, BKG, N_DAYS,
                                              float_background=False).asimov_z(1.0)
    assert z_fixed >= z2_fixed


# ---------------------------------------------------------------------------------- toys
def _check_pulls(toys):
    assert toys.valid.all()
    pull = toys.pull
    assert abs(pull.mean()) < 0.1, f"pull mean {pull.mean():.3f}"
    assert abs(pull.std(ddof=1) - 1.0) < 0.1, f"pull width {pull.std(ddof=1):.3f}"


@pytest.fixture(scope="module")
def toys_z3_float(lik_float):
    mu = lik_float.asimov_mu_for_z(3.0)
    return mu, lik_float.toys(N_TOYS, mu, np.random.default_rng(20231213))


@pytest.fixture(scope="module")
def toys_null_float(lik_float):
    return lik_float.toys(N_TOYS, 0.0, np.random.default_rng(4242), upper_limits=True)


def test_pulls_float_background_signal(toys_z3_float):
    _check_pulls(toys_z3_float[1])


def test_pulls_float_background_null(toys_null_float):
    _check_pulls(toys_null_float)


def test_pulls_fixed_background(lik_fixed):
    mu = lik_fixed.asimov_mu_for_z(3.0)
    toys = lik_fixed.toys(N_TOYS // 2, mu, np.random.default_rng(77))
    _check_pulls(toys)
    assert np.median(toys.z) == pytest.approx(lik_fixed.asimov_z(mu), rel=0.10)


def test_asimov_z_matches_toy_median(lik_float, toys_z3_float):
    mu, toys = toys_z3_float
    assert lik_float.asimov_z(mu) == pytest.approx(3.0, rel=1e-9)
    assert np.median(toys.z) == pytest.approx(3.0, rel=0.10)


def test_asimov_limit_matches_toy_median(lik_float, toys_null_float):
    expected = lik_float.asimov_upper_limit(0.95)
    assert np.median(toys_null_float.upper_limit) == pytest.approx(expected, rel=0.10)
    # the q~ limit is never below the best fit and never below 0
    assert np.all(toys_null_float.upper_limit >= np.maximum(toys_null_float.mu, 0.0))


def test_null_q0_is_half_chi2(toys_null_float):
    """Under mu = 0, q0 is 0 half the time and P(Z >= 1.645) = 5 % (CCGV Wilks/Chernoff)."""
    zero = np.mean(toys_null_float.q0 == 0.0)
    tail = np.mean(toys_null_float.z >= 1.6449)
    assert zero == pytest.approx(0.5, abs=0.035)               # 3.1 binomial sigma at 2000 toys
    assert tail == pytest.approx(0.05, abs=0.015)              # 3.1 sigma


def test_upper_limit_single_data_set(lik_float):
    """Observed limit on the Asimov background-only data equals the Asimov median limit."""
    n = lik_float.asimov_counts(0.0)
    assert lik_float.upper_limit(n, 0.95) == pytest.approx(lik_float.asimov_upper_limit(0.95),
                                                          rel=1e-6)


@pytest.mark.slow
def test_null_tail_many_toys(lik_float):
    """20000 null toys: P(Z >= 2.326) = 1 % and the pulls stay unbiased (slow companion)."""
    toys = lik_float.toys(20000, 0.0, np.random.default_rng(99))
    assert np.mean(toys.z >= 2.3263) == pytest.approx(0.01, abs=0.0025)
    assert abs(toys.pull.mean()) < 0.03 and abs(toys.pull.std() - 1) < 0.03

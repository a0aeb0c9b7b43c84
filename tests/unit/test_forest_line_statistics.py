"""mcdm.forest.statistics: peak finder, Eq. (20) curvature width, line histograms."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.errors import ConfigError
from mcdm.forest.statistics import (LineHistograms, LinePeaks, curvature_width, find_lines, log_edges,
                                    rescale_tau_edges)


def _gaussian_grid(nu0: float, w: float, tau0: float, per_width: float, n: int = 4001):
    dln = w / nu0 / per_width
    ln_lo = math.log(nu0) - 0.5 * n * dln + 0.3 * dln  # peak off the channel centres
    nu = np.exp(ln_lo + (np.arange(n) + 0.5) * dln)
    return ln_lo, dln, tau0 * np.exp(-((nu - nu0) / w) ** 2)


def test_curvature_width_of_a_gaussian_is_its_width() -> None:
    assert curvature_width(2.0, -2.0 * 2.0 / 3.0**2) == pytest.approx(3.0, rel=1e-14)  # Eq. (20)
    ln_lo, dln, tau = _gaussian_grid(50e9, 1e6, 0.3, per_width=20)
    p = find_lines(tau, ln_lo, dln, 156.2e9)
    assert p.tau0.size == 1
    assert p.width[0] == pytest.approx(1e6, rel=2e-3)
    assert p.tau0[0] == pytest.approx(0.3, rel=1e-3)
    assert p.nu0[0] == pytest.approx(50e9, abs=0.01 * 1e6)
    assert p.z[0] == pytest.approx(156.2 / 50 - 1, rel=1e-6)
    # at 5 channels per width the three-point estimate stays within 3 %
    ln_lo, dln, tau = _gaussian_grid(50e9, 1e6, 0.3, per_width=5)
    assert find_lines(tau, ln_lo, dln, 156.2e9).width[0] == pytest.approx(1e6, rel=0.03)


def test_two_overlapping_lines_give_two_peaks_and_blends_give_one() -> None:
    ln_lo, dln, a = _gaussian_grid(50e9, 1e6, 0.3, per_width=20)
    nu = np.exp(ln_lo + (np.arange(a.size) + 0.5) * dln)
    apart = a + 0.2 * np.exp(-((nu - 50e9 - 3e6) / 1e6) ** 2)
    blend = a + 0.2 * np.exp(-((nu - 50e9 - 0.5e6) / 1e6) ** 2)
    assert find_lines(apart, ln_lo, dln, 156.2e9).tau0.size == 2
    assert find_lines(blend, ln_lo, dln, 156.2e9).tau0.size == 1


def test_histograms_add_like_filling_one() -> None:
    rng = np.random.default_rng(0)
    kw = dict(windows=((6, 5), (2, 1)), tau_edges=log_edges(1e-4, 1.0, 8), width_edges=log_edges(1e4, 1e8, 8))
    one, a, b = LineHistograms(**kw), LineHistograms(**kw), LineHistograms(**kw)
    for k in range(6):
        n = 50
        z = rng.uniform(0, 7, n)
        peaks = LinePeaks(nu0=156.2e9 / (1 + z), z=z, tau0=10 ** rng.uniform(-5, 0.5, n),
                          width=10 ** rng.uniform(3, 9, n), d2=-np.ones(n))
        one.add_sightline(peaks, z)
        (a if k < 2 else b).add_sightline(peaks, z)
    s = a + b
    assert s.n_sightlines == 6
    for name in ("counts_tau", "counts_width", "sq_tau", "sq_width", "outside_tau", "n_absorbers"):
        assert np.array_equal(getattr(s, name), getattr(one, name))
    d = s.distribution("tau")
    assert np.allclose(d["poisson"], np.sqrt(s.counts_tau) / 6)
    assert np.allclose(d["mean"], s.counts_tau / 6)
    # totals: every line of a window is in a bin, below or above the edges
    assert np.array_equal(s.counts_tau.sum(axis=1) + s.outside_tau.sum(axis=1), s.n_lines)


def test_cuts_and_rescaling() -> None:
    z = np.array([5.5, 5.5, 1.5])
    peaks = LinePeaks(nu0=156.2e9 / (1 + z), z=z, tau0=np.array([1e-3, 1e-1, 1e-2]),
                      width=np.array([1e5, 1e6, 1e7]), d2=-np.ones(3))
    h = LineHistograms(((6, 5), (2, 1)), log_edges(1e-4, 1.0, 4), log_edges(1e4, 1e8, 4), tau_cut=5e-3)
    h.add_sightline(peaks, z)
    assert h.n_lines.tolist() == [1.0, 1.0]
    assert np.allclose(rescale_tau_edges([1.0, 2.0], 2.0, 6.0), [3.0, 6.0])
    with pytest.raises(ConfigError):
        LineHistograms(((1, 2),), log_edges(1e-4, 1.0, 4), log_edges(1e4, 1e8, 4))
    with pytest.raises(ConfigError):
        h + LineHistograms(((6, 5),), log_edges(1e-4, 1.0, 4), log_edges(1e4, 1e8, 4))


def test_quantile_and_tail_counts_match_the_unbinned_sample() -> None:
    """The log-interpolated binned median is within one 1/40-decade bin of numpy's; tail counts are
    per sightline and include the lines above the last edge."""
    rng = np.random.default_rng(4)
    h = LineHistograms(windows=((6, 5),), tau_edges=log_edges(1e-4, 1.0, 160), width_edges=log_edges(1e4, 1e8, 8))
    tau_all = []
    for _ in range(4):
        n = 500
        z = rng.uniform(5.0, 6.0, n)
        tau = 10 ** rng.normal(-2.0, 0.5, n)
        tau_all.append(tau)
        h.add_sightline(LinePeaks(nu0=156.2e9 / (1 + z), z=z, tau0=tau, width=np.full(n, 1e6), d2=-np.ones(n)), z)
    tau_all = np.concatenate(tau_all)
    inside = tau_all[(tau_all >= 1e-4) & (tau_all <= 1.0)]
    assert h.quantile("tau", 0, 0.5) == pytest.approx(np.quantile(inside, 0.5), rel=10 ** (1 / 40) - 1)
    assert h.count_above("tau", 0, 0.1) == pytest.approx(np.count_nonzero(tau_all >= 0.1) / 4, abs=0.5)
    assert h.count_above("tau", 0, 2.0) == np.count_nonzero(tau_all > 1.0) / 4
    with pytest.raises(ConfigError, match="quantile"):
        h.quantile("tau", 0, 0.0)

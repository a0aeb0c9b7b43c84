"""Kernel tests of mcdm.kernels.forest (line deposition); run compiled and with NUMBA_DISABLE_JIT=1.

Reference: a Gaussian line tau(nu) = ew exp(-(nu-c)^2/w^2)/(sqrt(pi) w), whose half-CDF is
erf(x)/2 and density exp(-x^2)/sqrt(pi) (scipy), and whose channel means are differences of erf.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erf

from mcdm.kernels.forest import deposit_lines, half_cdf_value

X = np.linspace(0.0, 6.0, 61)
STEP = float(X[1] - X[0])


def _gauss_rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    half = np.tile(0.5 * erf(X), (n, 1))
    pdf = np.tile(np.exp(-X * X) / math.sqrt(math.pi), (n, 1))
    half /= 2.0 * half[:, -1:]
    return half, pdf


def test_half_cdf_hermite_matches_erf():
    """The Hermite cubic between nodes (step 0.1) reproduces erf(x)/2 to 2e-6, odd in x."""
    half, pdf = _gauss_rows(1)
    xs = np.linspace(-7.0, 7.0, 1401)
    got = np.array([half_cdf_value(x, STEP, half, pdf, 0) for x in xs])
    np.testing.assert_allclose(got, 0.5 * erf(xs), atol=2e-6)
    assert half_cdf_value(9.0, STEP, half, pdf, 0) == half[0, -1]


@pytest.mark.parametrize("chan_over_w", [0.05, 0.3, 1.0, 7.0, 80.0])
def test_deposit_conserves_equivalent_width_and_matches_channel_means(chan_over_w):
    """Sum tau_k dnu_k = ew to 1e-12 at any channel width, and channel means equal the erf
    differences of the Gaussian to 2e-5 of the peak (Hermite-derivative error at node step 0.1)."""
    half, pdf = _gauss_rows(1)
    c, w, ew = 1000.0, 0.7, 3.0
    d = chan_over_w * w
    edges = np.arange(c - 8 * w - 0.37 * d, c + 8 * w + 2 * d, d)
    tau = np.zeros(edges.size - 1)
    deposit_lines(edges, np.array([c]), np.array([w]), np.array([ew]), STEP, half, pdf, tau)
    assert abs(np.sum(tau * np.diff(edges)) / ew - 1.0) < 1e-12
    ref = ew * 0.5 * np.diff(erf((edges - c) / w)) / np.diff(edges)
    peak = ew / (math.sqrt(math.pi) * w)
    assert np.max(np.abs(tau - ref)) < 2e-5 * peak


def test_deposit_adds_lines_skips_empty_and_clips_at_grid_edges():
    """Two lines add linearly; ew <= 0 or width <= 0 are skipped; a line half off the grid keeps
    exactly the fraction of its ew that lies inside."""
    half, pdf = _gauss_rows(4)
    edges = np.linspace(0.0, 100.0, 2001)
    centers = np.array([30.0, 60.0, 70.0, 0.0])
    widths = np.array([1.0, 2.0, 0.0, 1.5])
    ews = np.array([1.0, 2.0, 5.0, 4.0])
    tau = np.zeros(edges.size - 1)
    deposit_lines(edges, centers, widths, ews, STEP, half, pdf, tau)
    total = np.sum(tau * np.diff(edges))
    assert abs(total - (1.0 + 2.0 + 0.5 * 4.0)) < 1e-12
    one = np.zeros_like(tau)
    deposit_lines(edges, centers[:1], widths[:1], ews[:1], STEP, half[:1], pdf[:1], one)
    two = np.zeros_like(tau)
    deposit_lines(edges, centers[1:2], widths[1:2], ews[1:2], STEP, half[1:2], pdf[1:2], two)
    zero = np.zeros_like(tau)
    deposit_lines(edges, centers, widths, np.array([0.0, -1.0, 5.0, 0.0]), STEP, half, pdf, zero)
    assert not zero.any()
    first = (edges[:-1] > 10.0) & (edges[1:] < 45.0)  # only line 1 reaches here (windows +- 6 w)
    np.testing.assert_allclose(tau[first], one[first], rtol=1e-12, atol=0)
    assert one[first].max() > 0.1
    second = (edges[:-1] > 50.0) & (edges[1:] < 80.0)
    np.testing.assert_allclose(tau[second], two[second], rtol=1e-12, atol=0)


def test_deposit_outside_grid_touches_nothing():
    """A line whose window lies wholly outside the grid leaves tau unchanged."""
    half, pdf = _gauss_rows(1)
    edges = np.linspace(0.0, 1.0, 11)
    tau = np.zeros(10)
    deposit_lines(edges, np.array([50.0]), np.array([1.0]), np.array([1.0]), STEP, half, pdf, tau)
    assert not tau.any()

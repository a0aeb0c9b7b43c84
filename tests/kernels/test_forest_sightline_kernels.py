"""Kernel tests of the sightline kernels of mcdm.kernels.forest (trimmed deposition, peak finder,
trilinear row interpolation); run compiled and with NUMBA_DISABLE_JIT=1.

References: a Gaussian line (half-CDF erf(x)/2, scipy) and numpy's own interpolation.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erf

from mcdm.kernels.forest import deposit_lines, deposit_lines_trimmed, find_peaks_log_grid, interp_rows_3d

X = np.linspace(0.0, 4.5, 46)
STEP = float(X[1] - X[0])


def _rows(n: int, quantise: bool = False) -> tuple[np.ndarray, np.ndarray]:
    half = np.tile(0.5 * erf(X), (n, 1))
    pdf = np.tile(np.exp(-X * X) / math.sqrt(math.pi), (n, 1))
    half /= 2.0 * half[:, -1:]
    if quantise:  # the line table stores single precision
        half, pdf = half.astype(np.float32).astype(float), pdf.astype(np.float32).astype(float)
    return half, pdf


def test_tailed_deposition_keeps_the_equivalent_width_and_the_profile():
    half, pdf = _rows(2, quantise=True)
    edges = np.exp(np.log(1e9) + 2e-6 * np.arange(40001))
    center = np.array([edges[15000] * 1.0000003, edges[26000]])
    width = center * 1e-5  # 5 channels per width
    ew = np.array([2.0e3, 5.0e2])
    full, cut = np.zeros(40000), np.zeros(40000)
    deposit_lines(edges, center, width, ew, STEP, half, pdf, full)
    deposit_lines_trimmed(edges, center, width, ew, STEP, half, pdf, 1e-6, cut)
    assert np.sum(cut * np.diff(edges)) == pytest.approx(ew.sum(), rel=1e-12)
    assert np.max(np.abs(cut - full)) < 1e-5 * full.max()
    # the far wings follow the Gaussian asymptote: no spurious local maxima remain
    k = np.flatnonzero((cut[1:-1] > cut[:-2]) & (cut[1:-1] >= cut[2:]) & (cut[1:-1] > 0))
    assert k.size == 2


def test_peak_finder_measures_a_gaussian():
    dln, ln_lo = 1e-6, math.log(5e10)
    nu = np.exp(ln_lo + (np.arange(20001) + 0.5) * dln)
    nu0, w = nu[10000] * (1 + 0.3e-6), nu[10000] * 2e-5  # 20 channels per width, off-centre
    tau = 0.7 * np.exp(-((nu - nu0) / w) ** 2)
    out = [np.empty(4) for _ in range(3)]
    n = find_peaks_log_grid(tau, ln_lo, dln, 0.0, *out)
    assert n == 1
    assert out[0][0] == pytest.approx(nu0, abs=1e-3 * w)
    assert out[1][0] == pytest.approx(0.7, rel=1e-3)
    assert math.sqrt(2 * out[1][0] / -out[2][0]) == pytest.approx(w, rel=2e-3)  # Eq. (20)
    assert find_peaks_log_grid(tau, ln_lo, dln, 0.8, *out) == 0  # floor above the peak
    small = [np.empty(0) for _ in range(3)]
    assert find_peaks_log_grid(tau, ln_lo, dln, 0.0, *small) == 1  # count returned without a buffer


def test_interp_rows_matches_numpy_trilinear():
    rng = np.random.default_rng(1)
    table = rng.random((4, 5, 6, 3)).astype(np.float32)
    n = 50
    iz, im, ia = rng.integers(0, 3, n), rng.integers(0, 4, n), rng.integers(0, 5, n)
    fz, fm, fa = rng.random(n), rng.random(n), rng.random(n)
    out = np.empty((n, 3))
    interp_rows_3d(table, iz, im, ia, fz, fm, fa, out)
    ref = np.zeros((n, 3))
    for dz in (0, 1):
        for dm in (0, 1):
            for da in (0, 1):
                w = (fz if dz else 1 - fz) * (fm if dm else 1 - fm) * (fa if da else 1 - fa)
                ref += w[:, None] * table[iz + dz, im + dm, ia + da]
    np.testing.assert_allclose(out, ref, rtol=1e-12)

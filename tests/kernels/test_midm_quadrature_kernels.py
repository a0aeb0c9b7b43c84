"""Kernel tests of mcdm.kernels.midm_quadrature (run compiled and with NUMBA_DISABLE_JIT=1).

References: the closed form ∫₀^{2π} e^{−x cos φ} dφ = 2π I₀(x) without the escape cut, a dense
midpoint sum of the indicator-weighted integrand with it, and radial rays through concentric balls,
whose chords are r_D ± r_k by inspection.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from mcdm.kernels.midm_quadrature import azimuth_integral, direction_rate_sum

V0, V_ESC = 220.0, 550.0


def _gauss01(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (x + 1.0), 0.5 * w


def _dense(p, q, n=400_000):
    phi = (np.arange(n) + 0.5) * (2.0 * math.pi / n)
    g = p + q * np.cos(phi)
    return float(np.sum(np.where(g < V_ESC**2, np.exp(-g / V0**2), 0.0)) * 2.0 * math.pi / n)


def test_azimuth_integral_without_cut_is_bessel_i0():
    x, w = _gauss01(12)
    p, q = 300.0**2, 0.6 * V0**2
    got = azimuth_integral(p, q, V0, 1e9, x, w)
    assert got == pytest.approx(2.0 * math.pi * math.exp(-p / V0**2) * special.i0(q / V0**2), rel=1e-13)


@pytest.mark.parametrize("p, q", [(500.0**2, 2.0e4), (540.0**2, 3.0e4), (300.0**2, 3.0e5), (560.0**2, 3.0e4)])
def test_azimuth_integral_with_escape_cut(p, q):
    x, w = _gauss01(10)
    assert azimuth_integral(p, q, V0, V_ESC, x, w) == pytest.approx(_dense(p, q), rel=2e-5, abs=1e-12)


def test_azimuth_integral_limits():
    x, w = _gauss01(4)
    assert azimuth_integral(500.0**2, 0.0, V0, V_ESC, x, w) == pytest.approx(2.0 * math.pi * math.exp(-(500 / V0) ** 2))
    assert azimuth_integral(560.0**2, 0.0, V0, V_ESC, x, w) == 0.0
    assert azimuth_integral(600.0**2, 1.0e3, V0, V_ESC, x, w) == 0.0  # whole circle above v_esc


def _radial_case(d_hat, s=500.0, cos_t=0.9999, ang=3.0e-9, v_out=450.0, tau=1.0e4):
    radii = np.array([3000.0, 6000.0, 6400.0])
    onion = np.array([[1.0, 2.0], [3.0, 0.0], [0.5, 4.0]])
    r_det = np.array([0.0, 0.0, 6300.0])
    u_loc = np.array([30.0, -120.0, 200.0])
    sin_t = math.sqrt(1.0 - cos_t**2)
    args = (np.array([d_hat], dtype=float), np.array([0.7]), np.array([[s]]), np.array([[2.0e9]]),
            np.array([[[cos_t]]]), np.array([[[sin_t]]]), np.array([[[ang]]]), np.array([[[v_out]]]),
            u_loc, V0, 1e9, *_gauss01(16), r_det, radii, onion, tau)
    out = np.zeros(2)
    direction_rate_sum(*args, out)
    ell = v_out * tau
    a_par = float(np.dot(u_loc, d_hat))
    b_perp = math.sqrt(float(np.dot(u_loc, u_loc)) - a_par**2)
    p = s * s + float(np.dot(u_loc, u_loc)) + 2.0 * s * a_par * cos_t
    q = 2.0 * s * b_perp * sin_t
    phi_int = 2.0 * math.pi * math.exp(-p / V0**2) * special.i0(q / V0**2)
    return out, onion, ell, 0.7 * 2.0e9 * ang * phi_int


def test_direction_rate_sum_downward_ray():
    # χ₂ moving up (d̂ = +z): the back ray goes straight down through every ball
    out, onion, ell, w = _radial_case([0.0, 0.0, 1.0])
    r_d = 6300.0
    chords = [(r_d - 3000.0, r_d + 3000.0), (r_d - 6000.0, r_d + 6000.0), (0.0, r_d + 6400.0)]
    g = sum(onion[k] * (math.exp(-lo / ell) - math.exp(-hi / ell)) for k, (lo, hi) in enumerate(chords))
    np.testing.assert_allclose(out, w * g, rtol=1e-12)


def test_direction_rate_sum_upward_ray_and_zero_weight():
    # χ₂ moving down: the back ray goes up and only leaves the outermost ball
    out, onion, ell, w = _radial_case([0.0, 0.0, -1.0])
    np.testing.assert_allclose(out, w * onion[2] * -math.expm1(-100.0 / ell), rtol=1e-12)
    out0, *_ = _radial_case([0.0, 0.0, -1.0], ang=0.0)
    assert np.all(out0 == 0.0)

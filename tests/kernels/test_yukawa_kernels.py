"""Kernels of the Yukawa phase-shift solver (mcdm.kernels.yukawa): Bessel recurrences, start points,
and phase shifts against independent numbers (scipy spherical Bessel functions, the Born integral)."""
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import spherical_jn, spherical_yn

from mcdm.kernels.yukawa import (integrate_radial, phase_shifts_many, phase_shifts_one, riccati_bessel,
                                 turning_point, wkb_start_fraction)


@pytest.mark.parametrize("z, lmax", [(1e-3, 6), (0.3, 12), (5.0, 30), (80.0, 40), (25.0, 60)])
def test_riccati_bessel_matches_scipy(z, lmax):
    jh, nh = np.zeros(lmax + 2), np.zeros(lmax + 2)
    riccati_bessel(z, lmax, jh, nh)
    l = np.arange(lmax + 1)
    np.testing.assert_allclose(jh[:lmax + 1], z * spherical_jn(l, z), rtol=1e-11, atol=1e-300)
    np.testing.assert_allclose(nh[:lmax + 1], z * spherical_yn(l, z), rtol=1e-11)


@pytest.mark.parametrize("l, a, b", [(0, 0.3, 50.0), (3, 0.01, 60.0), (40, 0.3, 60.0), (2, 20.0, 0.03)])
def test_turning_point_solves_its_equation(l, a, b):
    x = turning_point(l, a, b)
    assert a * a * x * x + x * math.exp(-x / b) == pytest.approx((l + 0.5) ** 2, rel=1e-9)
    xs = np.linspace(0.0, x, 200)[1:-1]
    assert np.all(a * a * xs ** 2 + xs * np.exp(-xs / b) < (l + 0.5) ** 2)  # the smallest root


@pytest.mark.parametrize("l", [0, 1, 5, 50, 500])
def test_wkb_start_fraction_solves_its_equation(l):
    f = wkb_start_fraction(l, 12.0)
    assert 0.0 < f < 1.0
    assert (l + 0.5) * (math.acosh(1.0 / f) - math.sqrt(1.0 - f * f)) == pytest.approx(12.0, rel=1e-6)


def test_integrate_radial_free_wave_is_riccati_bessel():
    # b -> tiny: the potential is negligible beyond x0 = 1; u must be proportional to jh_1(a x) + c nh_1
    # with the c fixed at x0; compare with the exact free solution through its log-derivative at x1
    a, b, l = 0.7, 1e-4, 1
    x0, x1 = 2.0, 9.0
    u, up = integrate_radial(l, a, b, x0, x1, 0.01)
    # exact solution with the same start (u = 1, u'/u = (l+1)/x0 - 1/(2(l+1))) from the free basis
    z0, z1 = a * x0, a * x1

    def rb(z):
        return z * spherical_jn(l, z), z * spherical_yn(l, z), \
            spherical_jn(l, z) + z * spherical_jn(l, z, derivative=True), \
            spherical_yn(l, z) + z * spherical_yn(l, z, derivative=True)
    j0, n0, jd0, nd0 = rb(z0)
    s0 = (l + 1) / x0 - 1 / (2 * (l + 1))
    m = np.array([[j0, n0], [a * jd0, a * nd0]])
    c = np.linalg.solve(m, [1.0, s0])
    j1, n1, jd1, nd1 = rb(z1)
    exact = (c[0] * j1 + c[1] * n1, a * (c[0] * jd1 + c[1] * nd1))
    assert up / u == pytest.approx(exact[1] / exact[0], rel=1e-7)


def _born_phase(l, a, b):
    """First Born delta_l = (1/a) int e^{-x/b}/x jh_l(ax)^2 dx (scipy quad)."""
    f = lambda x: math.exp(-x / b) / x * (a * x * spherical_jn(l, a * x)) ** 2 / a  # noqa: E731
    return quad(f, 0.0, 60.0 * b, limit=400, epsabs=0.0, epsrel=1e-10)[0]


def test_weak_potential_phase_shifts_are_born():
    a, b = 3.0, 0.02  # b << 1: Born regime (corrections O(b))
    d = np.zeros(7)
    phase_shifts_one(a, b, 6, 0.01, 0.2, 1e-7, 12.0, d)
    born = np.array([_born_phase(l, a, b) for l in range(3)])
    np.testing.assert_allclose(d[:3], born, rtol=0.02)
    # the s-wave deviation from Born shrinks with the coupling (b -> b/4 at fixed a)
    d2 = np.zeros(7)
    phase_shifts_one(a, b / 4, 6, 0.01, 0.2, 1e-7, 12.0, d2)
    assert abs(d2[0] / _born_phase(0, a, b / 4) - 1) < 0.5 * abs(d[0] / born[0] - 1)


def test_many_equals_one_and_zero_pads():
    a = np.array([0.05, 0.4])
    lmax = np.array([5, 9], dtype=np.int64)
    out = np.full((2, 10), 7.0)
    phase_shifts_many(a, 30.0, lmax, 0.01, 0.2, 1e-7, 12.0, out)
    for i in range(2):
        row = np.zeros(lmax[i] + 1)
        phase_shifts_one(a[i], 30.0, int(lmax[i]), 0.01, 0.2, 1e-7, 12.0, row)
        np.testing.assert_array_equal(out[i, :lmax[i] + 1], row)
        assert np.all(out[i, lmax[i] + 1:] == 0.0)

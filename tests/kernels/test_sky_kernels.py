"""Kernel tests of mcdm.kernels.sky (adaptive line-of-sight quadrature); compiled and NUMBA_DISABLE_JIT=1.

References: the Gauss-Kronrod rule's polynomial degree, the numpy densities of mcdm.sky.profiles,
and the chord length of a sphere (closed form). Few directions: the pure-Python rerun is slow.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.kernels import sky as ks
from mcdm.sky.profiles import (NFW, Burkert, ConstantSphere, Einasto, ExponentialDisk,
                               SphericalPowerLaw)


def _rule(f, a: float, b: float) -> tuple[float, float]:
    x = np.concatenate([-ks.GK15_NODES[:-1], ks.GK15_NODES[::-1]])
    wk = np.concatenate([ks.GK15_WEIGHTS[:-1], ks.GK15_WEIGHTS[::-1]])
    half, mid = 0.5 * (b - a), 0.5 * (a + b)
    fx = f(mid + half * x)
    g_nodes = ks.GK15_NODES[1::2]
    g_w = ks.G7_WEIGHTS
    xg = np.concatenate([-g_nodes[:-1], g_nodes[::-1]])
    wg = np.concatenate([g_w[:-1], g_w[::-1]])
    return half * np.dot(wk, fx), half * np.dot(wg, f(mid + half * xg))


@pytest.mark.parametrize("deg", [0, 5, 13, 21])
def test_gauss_kronrod_rule_is_exact_for_polynomials(deg):
    """K15 integrates x^deg exactly up to degree 22 (G7 up to 13) on [0.3, 1.7]."""
    exact = (1.7 ** (deg + 1) - 0.3 ** (deg + 1)) / (deg + 1)
    k15, g7 = _rule(lambda x: x ** deg, 0.3, 1.7)
    assert k15 == pytest.approx(exact, rel=1e-13)
    if deg <= 13:
        assert g7 == pytest.approx(exact, rel=1e-13)
    else:
        assert abs(g7 / exact - 1.0) > 1e-10


MODELS = [NFW(0.3, 20.0), Einasto(0.1, 20.0, 0.17), Burkert(0.7, 9.0),
          SphericalPowerLaw(2.0, 1.5, 1.2, r_max=5.0), ConstantSphere(3.0, 4.0),
          ExponentialDisk(1.3, 3.0, 0.2)]
POINTS = np.array([[0.3, -0.2, 0.1], [-8.2, 0.0, 0.0], [2.0, 3.0, -1.5], [0.0, 0.0, 4.5],
                   [10.0, -20.0, 3.0]])


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_factor_values_match_the_numpy_profiles(model):
    kind, prm = model.kernel_params()
    for x, y, z in POINTS:
        r = math.sqrt(x * x + y * y + z * z)
        got = ks.factor_value(kind, prm, x, y, z, r)
        assert got == pytest.approx(float(model.density(x, y, z)), rel=1e-13, abs=0.0)


def test_emissivity_is_the_product_and_vanishes_beyond_r_cut():
    a, b = NFW(0.3, 20.0), ExponentialDisk(1.3, 3.0, 0.2)
    kinds = np.array([a.kernel_params()[0], b.kernel_params()[0]], dtype=np.int64)
    params = np.array([a.kernel_params()[1], b.kernel_params()[1]])
    x, y, z = 2.0, 3.0, -1.5
    prod = float(a.density(x, y, z) * b.density(x, y, z))
    assert ks.emissivity(kinds, params, x, y, z, 1e-6, math.inf) == pytest.approx(prod, rel=1e-13)
    assert ks.emissivity(kinds, params, x, y, z, 1e-6, 3.0) == 0.0
    # the floor caps the cusp: at the centre NFW is evaluated at r = r_floor
    floor = ks.emissivity(kinds[:1], params[:1], 0.0, 0.0, 0.0, 1e-3, math.inf)
    assert floor == pytest.approx(float(a.density_r(1e-3)), rel=1e-13)


def _integrate(obs, dirs, model, s_max, breaks=None, r_cut=math.inf, rtol=1e-8):
    kind, prm = model.kernel_params()
    out = np.zeros(len(dirs))
    err = np.zeros(len(dirs))
    br = np.array(model.break_radii if breaks is None else breaks, dtype=np.float64)
    ks.los_integrals(np.asarray(obs, dtype=np.float64), np.ascontiguousarray(dirs, dtype=np.float64),
                     s_max, np.array([kind], dtype=np.int64), prm[None, :], br, 1e-6, r_cut, rtol,
                     4, 40, out, err)
    return out, err


def _chord(obs, d, radius, s_max):
    """Length of {s in [0, s_max]: |obs + s d| <= radius} (closed form)."""
    bq = float(np.dot(obs, d))
    c = float(np.dot(obs, obs)) - radius ** 2
    disc = bq * bq - c
    if disc <= 0.0:
        return 0.0
    s1, s2 = -bq - math.sqrt(disc), -bq + math.sqrt(disc)
    return max(0.0, min(s2, s_max) - max(s1, 0.0))


def test_sphere_chords_from_outside_inside_and_truncated():
    """Constant sphere: the integral is the chord length to 1e-12 (break radii are panel edges),
    from outside (R = 3 < |obs| = 8.2), inside (R = 12), and cut by s_max or r_cut."""
    rng = np.random.default_rng(1)
    dirs = rng.normal(size=(6, 3))
    dirs /= np.linalg.norm(dirs, axis=1)[:, None]
    dirs = np.vstack([dirs, [[1.0, 0.0, 0.0], [1.0, 0.2, 0.0] / np.hypot(1.0, 0.2)]])
    obs = np.array([-8.2, 0.0, 0.0])
    for radius, s_max in [(3.0, 100.0), (12.0, 100.0), (12.0, 9.0)]:
        got, err = _integrate(obs, dirs, ConstantSphere(1.0, radius), s_max)
        ref = np.array([_chord(obs, d, radius, s_max) for d in dirs])
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
        assert np.all(err >= 0.0)
    # r_cut acts as a sphere edge on an unbounded constant (power law of index 0)
    got, _ = _integrate(obs, dirs, SphericalPowerLaw(1.0, 1.0, 0.0), 100.0, breaks=[5.0], r_cut=5.0)
    ref = np.array([_chord(obs, d, 5.0, 100.0) for d in dirs])
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)

"""Unit tests of mcdm.source.halo.StandardHaloModel (digest 004 §2.7).

Every closed form is compared with direct numerical quadrature of the defining integral
f(v_gal) = exp(-v_gal²/v0²)/N Θ(v_esc - v_gal) (scipy.integrate.quad, independent code path).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from mcdm.errors import ConfigError, UnitError
from mcdm.source.halo import StandardHaloModel

SHM = StandardHaloModel()


def _f_gal(w: float, h: StandardHaloModel, norm: float) -> float:
    """Galactic-frame density f(|v_gal| = w) [s³/km³], written out from digest 004 §2.7."""
    return math.exp(-((w / h.v0) ** 2)) / norm if w < h.v_esc else 0.0


def _lab_pdf_quad(v: float, u: float, h: StandardHaloModel, norm: float) -> float:
    """p_lab(v) = 2π v² ∫_{-1}^{1} dc f(|v ĉ + u|): the angle integral done numerically."""
    if v == 0.0:
        return 0.0
    c_hi = min(1.0, (h.v_esc**2 - v * v - u * u) / (2.0 * v * u)) if u > 0 else 1.0
    if c_hi <= -1.0:
        return 0.0
    inner, _ = integrate.quad(
        lambda c: _f_gal(math.sqrt(max(v * v + u * u + 2 * v * u * c, 0.0)), h, norm),
        -1.0, c_hi, epsabs=0.0, epsrel=1e-12,
    )
    return 2.0 * math.pi * v * v * inner


def _quad_norm(h: StandardHaloModel) -> float:
    val, _ = integrate.quad(
        lambda v: 4 * math.pi * v * v * math.exp(-((v / h.v0) ** 2)), 0, h.v_esc, epsrel=1e-13
    )
    return val


def test_normalisation_matches_quadrature():
    """N of digest 004 §2.7 equals ∫_{|v|<v_esc} exp(-v²/v0²) d³v by quadrature (1e-12)."""
    assert SHM.norm == pytest.approx(_quad_norm(SHM), rel=1e-12)


@pytest.mark.parametrize("v", [0.0, 50.0, 220.0, 400.0, 549.0, 550.0, 800.0])
def test_speed_cdf_matches_integral_of_pdf(v):
    """speed_cdf(v) equals the quadrature of speed_pdf from 0 to v (1e-10)."""
    val, _ = integrate.quad(SHM.speed_pdf, 0.0, min(v, SHM.v_esc), epsabs=1e-14, epsrel=1e-12)
    assert SHM.speed_cdf(v) == pytest.approx(val, rel=1e-10, abs=1e-14)


def test_speed_pdf_support_and_array_shape():
    """pdf is zero outside [0, v_esc) and keeps the input shape; cdf(v_esc) = 1."""
    v = np.array([[-1.0, 0.0], [600.0, 300.0]])
    p = SHM.speed_pdf(v)
    assert p.shape == (2, 2)
    assert p[0, 0] == 0.0 and p[0, 1] == 0.0 and p[1, 0] == 0.0 and p[1, 1] > 0.0
    assert SHM.speed_cdf(SHM.v_esc) == pytest.approx(1.0, rel=1e-14)


@pytest.mark.parametrize("u", [1e-7, 30.0, 232.0, 248.3, 600.0])
@pytest.mark.parametrize("v", [1.0, 150.0, 300.0, 330.0, 500.0, 700.0, 790.0, 1200.0])
def test_lab_speed_pdf_matches_angle_quadrature(u, v):
    """Closed-form lab speed pdf (McCabe 2010 App. A, escape cut) vs numerical angle integral."""
    expected = _lab_pdf_quad(v, u, SHM, SHM.norm)
    assert SHM.lab_speed_pdf(v, u) == pytest.approx(expected, rel=1e-8, abs=1e-16)


@pytest.mark.parametrize("u", [0.0, 232.0, 600.0])
def test_lab_speed_pdf_is_normalised(u):
    """∫ p_lab dv = 1 for u below and above v_esc (quadrature)."""
    pts = [abs(SHM.v_esc - u)] if u else None
    val, _ = integrate.quad(lambda v: SHM.lab_speed_pdf(v, u), 0.0, SHM.v_esc + u,
                            points=pts, epsrel=1e-12, limit=200)
    assert val == pytest.approx(1.0, rel=1e-10)


def _eta_quad(vmin: float, u: float, h: StandardHaloModel) -> float:
    """η(v_min) = ∫_{v>v_min} dv v 2π ∫ dc f(|v ĉ + u|), both integrals numerical."""
    norm = _quad_norm(h)
    hi = h.v_esc + u
    lo = max(vmin, u - h.v_esc, 0.0)
    if lo >= hi:
        return 0.0
    pts = [p for p in (abs(h.v_esc - u),) if lo < p < hi]
    val, _ = integrate.quad(
        lambda v: _lab_pdf_quad(v, u, h, norm) / v if v > 0 else 0.0,
        lo, hi, points=pts or None, epsabs=0.0, epsrel=1e-11, limit=200,
    )
    return val


@pytest.mark.validation
@pytest.mark.parametrize("u", [0.0, 221.3, 248.3, 600.0])
@pytest.mark.parametrize("vmin", [0.0, 100.0, 302.0, 450.0, 700.0, 780.0])
def test_eta_matches_direct_quadrature(u, vmin):
    """Closed-form η (Savage, Freese & Gondolo 2006 with escape cut) vs 2-D quadrature, 1e-6 rel."""
    expected = _eta_quad(vmin, u, SHM)
    got = SHM.eta(vmin, u)
    if expected == 0.0:
        assert got == 0.0
    else:
        assert got == pytest.approx(expected, rel=1e-6)


def test_eta_vectorised_and_zero_above_cutoff():
    """η accepts arrays, is non-increasing in v_min and vanishes above v_esc + u."""
    vmin = np.linspace(0.0, 900.0, 91)
    eta = SHM.eta(vmin, 232.0)
    assert eta.shape == vmin.shape
    assert np.all(np.diff(eta) <= 1e-18)
    assert np.all(eta[vmin >= SHM.v_esc + 232.0] == 0.0)


def test_eta_continuous_at_small_u():
    """The u -> 0 branch joins the general closed form (relative difference < 1e-8)."""
    vmin = np.array([0.0, 100.0, 400.0])
    assert np.allclose(SHM.eta(vmin, 1e-6 * SHM.v0 * 0.99), SHM.eta(vmin, 2e-3), rtol=1e-8)


def test_mean_speed_static_matches_analytic():
    """<v> at u = 0: 4π/N · v0⁴/2 · [1 - (1+z²) e^{-z²}], z = v_esc/v0 (direct integration)."""
    z = SHM.v_esc / SHM.v0
    ref = 4 * math.pi / SHM.norm * SHM.v0**4 / 2 * (1 - (1 + z * z) * math.exp(-z * z))
    assert SHM.mean_speed(0.0) == pytest.approx(ref, rel=1e-9)


def test_mean_speed_moving_matches_quadrature():
    """<v> at u = 232 km/s vs ∫ v p_lab dv with p_lab from the angle quadrature (1e-7)."""
    u = 232.0
    val, _ = integrate.quad(lambda v: v * _lab_pdf_quad(v, u, SHM, SHM.norm), 0.0, SHM.v_esc + u,
                            points=[SHM.v_esc - u], epsrel=1e-10, limit=200)
    assert SHM.mean_speed(u) == pytest.approx(val, rel=1e-7)


def test_number_density_and_flux():
    """n = ρ/m [cm⁻³] and Φ = n <v> with v converted km/s -> cm/s (1 km = 1e5 cm)."""
    assert SHM.number_density(100.0) == pytest.approx(0.3 / 100.0, rel=1e-15)
    assert SHM.flux(100.0, 232.0) == pytest.approx(0.003 * SHM.mean_speed(232.0) * 1e5, rel=1e-12)


def test_from_quantities_converts_units():
    """Quantities in other units go through mcdm.units (220000 m/s = 220 km/s)."""
    h = StandardHaloModel.from_quantities(v0="220000 m/s", v_esc={"value": 550, "unit": "km/s"},
                                          rho_chi="0.3 GeV/cm3")
    assert h == StandardHaloModel(220.0, 550.0, 0.3)
    with pytest.raises(UnitError, match="halo.v0"):
        StandardHaloModel.from_quantities(v0="220 km")


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"v0": 0.0}, "halo.v0"),
        ({"v0": -1.0}, "halo.v0"),
        ({"v_esc": 200.0}, "halo.v_esc"),
        ({"rho_chi": 0.0}, "halo.rho_chi"),
        ({"v0": float("nan")}, "halo.v0"),
        ({"v0": "220"}, "halo.v0"),
    ],
)
def test_invalid_parameters_raise(kwargs, field):
    """Out-of-range halo parameters raise ConfigError naming the field."""
    with pytest.raises(ConfigError, match=field):
        StandardHaloModel(**kwargs)


def test_invalid_arguments_raise():
    """Negative speeds, bad masses, sample counts and rngs raise ConfigError."""
    with pytest.raises(ConfigError, match="u_E"):
        SHM.eta(0.0, -1.0)
    with pytest.raises(ConfigError, match="m_chi"):
        SHM.number_density(0.0)
    with pytest.raises(ConfigError, match="n:"):
        SHM.sample(-1, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="rng"):
        SHM.sample(10, 42)


def test_sample_shape_and_cut():
    """sample returns (n, 3) galactic velocities, all with |v| < v_esc."""
    v = SHM.sample(1000, np.random.default_rng(3))
    assert v.shape == (1000, 3)
    assert np.all(np.linalg.norm(v, axis=1) < SHM.v_esc)

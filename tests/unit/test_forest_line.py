"""mcdm.forest.line: single-halo optical depth by quadrature (Eq. 17) and the deposit wrapper.

Independent references: the DM column by scipy.integrate.quad along the chord in R (not the
sinh substitution of the code), and numerical integrals of the returned profiles.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from mcdm.errors import ConfigError
from mcdm.forest.halos import HaloModel
from mcdm.forest.line import AbsorberLines, LineModel, deposit
from mcdm.forest.microphysics import TwoLevelDM

C_KM_S = 299792.458
KPC_CM = 3.0856775814913673e21


@pytest.fixture(scope="module")
def model() -> LineModel:
    return LineModel()


@pytest.mark.parametrize("case", ["collisionless", "collisional"])
def test_quadrature_converged(case):
    """32 Gauss-Legendre nodes in t = asinh(R/p) agree with 256 to 1e-10 (W_v, tau_peak)."""
    rng = np.random.default_rng(3)
    m, z, a = 10 ** rng.uniform(5, 15, 200), rng.uniform(0, 8, 200), 10 ** rng.uniform(-4, 0, 200)
    lo = LineModel(case=case, n_nodes=32).moments(m, z, a)
    hi = LineModel(case=case, n_nodes=256).moments(m, z, a)
    np.testing.assert_allclose(lo.w_v, hi.w_v, rtol=1e-10)
    np.testing.assert_allclose(lo.tau_peak, hi.tau_peak, rtol=1e-10)


@pytest.mark.parametrize("alpha", [1e-3, 0.2, 0.9])
def test_equivalent_width_is_column_times_strength(model, alpha):
    """Collisionless (F constant): W_v = S F(T_CMB) (c/nu*) N_chi, with N_chi from scipy quad
    along R in [0, L] (1e-7); the profile integrates to W_v over v."""
    halos, dm = model.halos, model.dm
    m, z = 3e9, 2.0
    s = halos.structure(m, z)
    p = alpha * float(s.r_edge)
    half_chord = math.sqrt(float(s.r_edge) ** 2 - p * p)

    def n_of_R(R):
        return float(dm.number_density(halos.density(math.hypot(R, p), s, truncate=False)))

    col, _ = quad(n_of_R, 0.0, half_chord, points=[min(p, half_chord / 2)], limit=400, epsrel=1e-11)
    col *= 2 * KPC_CM
    mom = model.moments(m, z, alpha)
    assert float(mom.column) == pytest.approx(col, rel=1e-7)
    f = dm.absorption_factor(halos.cosmology.T_cmb(z))
    assert float(mom.w_v) == pytest.approx(dm.line_strength * f * C_KM_S / dm.nu_star * col, rel=1e-7)
    v = np.linspace(-12, 12, 24001) * float(mom.b_eff)
    tau = model.tau_velocity(v, m, z, alpha)
    assert np.trapezoid(tau, v) == pytest.approx(float(mom.w_v), rel=1e-6)
    assert tau.max() == pytest.approx(float(mom.tau_peak), rel=1e-6)
    assert tau[12000] == pytest.approx(float(mom.tau_peak), rel=1e-12)


def test_observed_frame_mapping(model):
    """tau_obs(nu_obs) = tau_rest((1+z) nu_obs); centre nu*/(1+z); observed width = rest/(1+z)."""
    m, z, a = np.array([1e8, 1e11]), np.array([1.0, 5.0]), np.array([0.3, 0.05])
    dm = model.dm
    for i in range(2):
        centre = dm.nu_star / (1 + z[i])
        nu_obs = centre * (1 + np.linspace(-3e-4, 3e-4, 101))
        t_obs = model.tau_observed(nu_obs, m[i], z[i], a[i])
        t_rest = model.tau_rest(nu_obs * (1 + z[i]), m[i], z[i], a[i])
        np.testing.assert_allclose(t_obs, t_rest, rtol=1e-9, atol=1e-12 * t_obs.max())
        assert np.argmax(t_obs) == 50
    both = model.tau_observed(dm.nu_star / (1 + z[:, None]) * np.array([1.0, 1.0 + 1e-5]), m, z, a)
    assert both.shape == (2, 2)
    np.testing.assert_allclose(both[:, 0], model.moments(m, z, a).tau_peak, rtol=1e-12)


def test_linear_in_radiative_coupling():
    """tau is proportional to calA (digest §15 item 1): ratio exact to 1e-14."""
    m, z, a = np.array([1e7, 1e12]), np.array([0.5, 6.0]), np.array([0.01, 0.7])
    for case in ("collisionless", "collisional"):
        one = LineModel(TwoLevelDM(radiative_coupling=1.0), case=case).moments(m, z, a)
        many = LineModel(TwoLevelDM(radiative_coupling=37.5), case=case).moments(m, z, a)
        np.testing.assert_allclose(many.tau_peak / one.tau_peak, 37.5, rtol=1e-14)
        np.testing.assert_allclose(many.w_v / one.w_v, 37.5, rtol=1e-14)
        np.testing.assert_allclose(many.b_eff, one.b_eff, rtol=1e-14)


def test_cusp_and_edge_limits(model):
    """tau_peak grows as alpha -> 0 (NFW cusp, ~alpha^-0.3) and vanishes as alpha -> 1."""
    a = np.array([1e-6, 1e-4, 1e-2, 0.5, 0.999999])
    t = model.moments(1e9, 3.0, a).tau_peak
    assert np.all(np.isfinite(t)) and np.all(np.diff(t) < 0)
    slope = np.log(t[1] / t[0]) / np.log(a[1] / a[0])
    assert -0.4 < slope < -0.2
    assert t[-1] < 1e-2 * t[-2]


def test_alpha_conversions(model):
    s = model.halos.structure(1e9, 2.0)
    assert float(model.alpha_of(1e9, 2.0, alpha_vir=1.0)) == pytest.approx(float(s.r_vir / s.r_edge))
    assert float(model.alpha_of(1e9, 2.0, impact=float(s.r_edge) / 2)) == pytest.approx(0.5)
    with pytest.raises(ConfigError, match="exactly one"):
        model.alpha_of(1e9, 2.0)


def test_dm_fraction_scales_linearly():
    m, z, a = 1e9, 1.0, 0.3
    full = LineModel().moments(m, z, a).w_v
    part = LineModel(halos=HaloModel(dm_fraction=0.84)).moments(m, z, a).w_v
    assert float(part / full) == pytest.approx(0.84, rel=1e-13)


def test_errors(model):
    with pytest.raises(ConfigError, match="DM case"):
        LineModel(case="warm")
    with pytest.raises(ConfigError, match="alpha"):
        model.moments(1e8, 1.0, 0.0)
    with pytest.raises(ConfigError, match="alpha"):
        model.moments(1e8, 1.0, 1.2)
    lines = AbsorberLines(np.array([1.0]), np.array([0.1]), np.array([1.0]), np.array([1.0]),
                          np.zeros((1, 5)), np.zeros((1, 5)), 0.1)
    with pytest.raises(ConfigError, match="increasing"):
        deposit(np.zeros(2), np.array([0.0, 2.0, 1.0]), lines)
    with pytest.raises(ConfigError, match="float64"):
        deposit(np.zeros(3), np.array([0.0, 1.0, 2.0]), lines)
    with pytest.raises(ConfigError, match="n_lines"):
        deposit(np.zeros(2), np.array([0.0, 1.0, 2.0]), lines._replace(pdf=np.zeros((2, 5))))

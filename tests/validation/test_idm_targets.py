"""Seed 003 inelastic Majorana DM targets (digest 003 §17 V3-V7, V22-V27) and independent checks
of the chi2 width: the static-chi limit of the exact matrix element integrated with scipy, and the
g-2 integral against its closed-form heavy and light Z' limits."""
import math

import numpy as np
import pytest
from scipy import integrate

from mcdm.physics import idm
from mcdm.physics.idm import InelasticMajoranaDM

G10 = 5.012e-4  # digest V4


@pytest.mark.parametrize("m_zp, g", [(0.010, 5.01e-4), (0.050, 7.03e-4), (0.100, 9.42e-4)])
def test_v27_g_minus_2(m_zp, g):
    assert idm.g_minus_2_coupling(m_zp) == pytest.approx(g, rel=5e-3)
    assert idm.delta_a_mu(idm.g_minus_2_coupling(m_zp), m_zp) == pytest.approx(249e-11, rel=1e-10)


def test_g_minus_2_integral_limits():
    m_mu = idm.M_MU_GEV
    heavy = 20.0  # M >> m_mu: I -> m_mu^2 / (3 M^2) (1 + O(m^2/M^2 log))
    assert idm.g_minus_2_integral(heavy) == pytest.approx(m_mu ** 2 / (3 * heavy ** 2), rel=1e-3)
    assert idm.g_minus_2_integral(1e-7) == pytest.approx(0.5, rel=1e-4)  # M -> 0: the QED a = alpha/(2 pi)


def test_v26_epsilon_loop():
    assert idm.epsilon_loop(1.0) == pytest.approx(-1 / 69.3, rel=5e-3)


@pytest.mark.parametrize("delta, tau", [(1e-6, 2.59e16), (3e-7, 1.07e19), (1e-7, 2.59e21)])
def test_v4_v5_lifetimes(delta, tau):
    m = InelasticMajoranaDM(100.0, delta, 0.03, 0.010, 0.02, G10, G10 / 20)
    assert idm.lifetime_s(m) == pytest.approx(tau, rel=1e-2)


@pytest.mark.parametrize("m_zp, d_t0, d_1s", [(0.010, 0.57e-6, 1.9e-3), (0.050, 1.57e-6, 5.3e-3),
                                              (0.100, 2.17e-6, 7.3e-3)])
def test_v6_delta_for_lifetime(m_zp, d_t0, d_1s):
    g = idm.g_minus_2_coupling(m_zp)
    assert idm.delta_for_lifetime(idm.T0_S, m_zp, g, g / 20) == pytest.approx(d_t0, rel=0.02)
    assert idm.delta_for_lifetime(1.0, m_zp, g, g / 20) == pytest.approx(d_1s, rel=0.02)
    # V6 text: delta <~ 5 keV leaves a significant chi2 fraction for m_Z' <= 100 MeV only at the edge;
    # delta = 100 eV is long lived (f ~ 0.5), tau = 1 s sits at MeV splittings
    m = InelasticMajoranaDM.from_charge(100.0, 1e-7, 0.03, m_zp, 0.02, g, 1 / 20)
    assert idm.surviving_fraction(idm.lifetime_s(m)) > 0.49
    assert 1e-3 < d_1s < 1e-2


def test_v7_fraction_limits():
    taus = np.array([1e-3, 1.0, 1e25, np.inf])
    f = idm.surviving_fraction(taus)
    assert f[0] == 0.0 and f[1] == 0.0
    assert f[2] == pytest.approx(0.5, rel=1e-7) and f[3] == 0.5


@pytest.mark.parametrize("target, d, v", [("proton", 1e-7, 139.1), ("proton", 1e-6, 439.7),
                                          ("Xe131", 1e-7, 18.1), ("Xe131", 1e-6, 57.2)])
def test_v22_v23_endothermic_thresholds(target, d, v):
    tol = 1e-3 if target == "proton" else 5e-3
    assert idm.endothermic_threshold_km_s(100.0, target, d) == pytest.approx(v, rel=tol)


@pytest.mark.parametrize("d, v", [(1e-7, 26.8), (1e-6, 84.8)])
def test_v24_upscatter_threshold(d, v):
    assert idm.upscatter_threshold_km_s(100.0, d) == pytest.approx(v, rel=1e-3)


def test_v25_detailed_balance_high_temperature():
    assert idm.equilibrium_excited_ratio(1e-7, np.array([1e-3, 1.0])) == pytest.approx([math.exp(-1e-4),
                                                                                       math.exp(-1e-7)], rel=1e-15)


def _static_width(delta, c, current):
    """Gamma for chi2 -> chi1 nu nubar with a static (infinitely heavy) chi, from the exact traces:
    averaged hadron tensor 4 m^2 (vector: mu=nu=0; axial: spatial delta_ij), lepton tensor of one LH
    flavour, so |M|^2 = 8 m^2 (C/m_Z'^2)^2 E E' w(cos), w = 1 + cos (vector), 3 - cos (axial). Then
    Gamma = (C^2/m_Z'^4) pi/(2 pi)^6 8 pi^2 int dE E^2 (delta - E)^2 int dc w(c)   (per m_Z'^4 = 1)."""
    w = (lambda cc: 1.0 + cc) if current == "vector" else (lambda cc: 3.0 - cc)
    val, _ = integrate.dblquad(lambda cc, e: e * e * (delta - e) ** 2 * w(cc), 0.0, delta, -1.0, 1.0)
    return c * c * math.pi / (2 * math.pi) ** 6 * 8 * math.pi ** 2 * val


@pytest.mark.parametrize("current", ["axial", "vector"])
def test_width_against_static_limit_matrix_element(current):
    delta, m_zp, g, g_chi = 1.0, 1.0e3, 0.3, 0.2  # any units: contact width is delta^5/m^4
    ref = _static_width(delta, g * g_chi, current) / m_zp ** 4
    got = idm.decay_width_contact_gev(delta, m_zp, g, g_chi, current, n_flavours=1)
    assert got == pytest.approx(ref, rel=1e-8)


@pytest.mark.parametrize("current", ["axial", "vector"])
def test_q2_shape_against_static_limit(current):
    """P(q^2 < Q) of the static matrix element (q^2 = 2 E E'(1 - cos)) equals the closed-form CDF."""
    w = (lambda cc: 1.0 + cc) if current == "vector" else (lambda cc: 3.0 - cc)
    norm, _ = integrate.dblquad(lambda cc, e: e * e * (1 - e) ** 2 * w(cc), 0.0, 1.0, -1.0, 1.0)
    for big_q in (0.1, 0.4, 0.8):
        def c_min(e):  # q^2 < Q  <=>  cos > 1 - Q / (2 E E')
            return min(1.0, max(-1.0, 1.0 - big_q / (2 * e * (1 - e))))
        part, _ = integrate.dblquad(lambda cc, e: e * e * (1 - e) ** 2 * w(cc), 0.0, 1.0, c_min, 1.0,
                                    epsabs=1e-12)
        ref_cdf, _ = integrate.quad(lambda q2: idm.dineutrino_q2_pdf(q2, 1.0, current), 0.0, big_q)
        assert part / norm == pytest.approx(ref_cdf, abs=1e-6)

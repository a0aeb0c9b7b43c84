"""Inelastic Majorana DM model of seed 003 (mcdm.physics.idm): parameters, chi2 decay, samplers,
surviving fraction and scattering kinematics (digest 003 §1, §5, §10; V1-V3, V7, V25)."""
import math

import numpy as np
import pytest
from scipy import stats

from mcdm.errors import ConfigError
from mcdm.physics import idm
from mcdm.physics.idm import InelasticMajoranaDM


def model(**kw):
    base = dict(m_chi_gev=100.0, delta_gev=1e-6, m_s_gev=0.03, m_zp_gev=0.01, alpha_chi=0.02, g=5e-4,
                g_chi=2.5e-5)
    base.update(kw)
    return InelasticMajoranaDM(**base)


def axial_cdf(x):
    return 1.0 - (5.0 / 3.0) * (1.0 - x) ** 1.5 + (2.0 / 3.0) * (1.0 - x) ** 2.5


def test_derived_properties_and_from_charge():
    m = InelasticMajoranaDM.from_charge(100.0, 2e-6, 0.03, 0.01, 0.02, 5e-4, -1 / 20)
    assert m.g_chi == pytest.approx(2.5e-5, rel=1e-14)
    assert m.q_psi == pytest.approx(0.05, rel=1e-14)
    assert m.m_chi2_gev - m.m_chi1_gev == pytest.approx(2e-6, rel=1e-6)
    assert m.m_dirac_gev == pytest.approx(1e-6)
    assert m.y_eff == pytest.approx(math.sqrt(4 * math.pi * 0.02))
    assert m.v_s_gev == pytest.approx(m.m_majorana_gev / m.y_eff)
    assert m.v_s_from_zprime_gev == pytest.approx(0.01 / (2 * 2.5e-5))
    # digest §1.3 illustration: g = 5.0e-4, Q = 1/20, m = 100 GeV, m_Z' = 10 MeV give y_eff = 0.50
    assert m.y_eff_from_gauge == pytest.approx(0.50, rel=1e-3)


def test_v1_majorana_spectrum():
    m1, m2, delta = idm.majorana_spectrum(50.0, 2e-7)
    assert (m1, m2) == (pytest.approx(50.0 - 2e-7, abs=1e-15), pytest.approx(50.0 + 2e-7, abs=1e-15))
    assert delta == pytest.approx(4e-7, rel=1e-15)
    with pytest.raises(ConfigError, match="m_dirac_gev"):
        idm.majorana_spectrum(1.0, 2.0)


@pytest.mark.parametrize("kw, field", [(dict(m_chi_gev=-1.0), "m_chi_gev"), (dict(delta_gev=200.0), "delta_gev"),
                                       (dict(delta_gev=-1e-6), "delta_gev"), (dict(g=float("nan")), "g"),
                                       (dict(current="scalar"), "current"), (dict(vertex_factor=0.0), "vertex_factor"),
                                       (dict(m_zp_gev="x"), "m_zp_gev")])
def test_bad_parameters_name_the_field(kw, field):
    with pytest.raises(ConfigError, match=field):
        model(**kw)


def test_v2_width_independent_of_mass_and_two_flavours():
    widths = [idm.decay_width_gev(model(m_chi_gev=m)) for m in (1.0, 10.0, 1000.0)]
    assert widths[0] == widths[1] == widths[2]
    assert idm.decay_width_gev(model()) == pytest.approx(2 * idm.decay_width_per_flavour_gev(model()), rel=1e-15)


def test_v3_axial_over_vector_and_vertex_factor():
    ratio = idm.decay_width_gev(model()) / idm.decay_width_gev(model(current="vector"))
    assert ratio == pytest.approx(3.0, rel=1e-12)
    assert idm.decay_width_gev(model(vertex_factor=0.5)) == pytest.approx(idm.decay_width_gev(model()) / 4, rel=1e-14)


def test_width_scaling_and_lifetime_inverse():
    base = idm.decay_width_gev(model())
    assert idm.decay_width_gev(model(delta_gev=2e-6)) == pytest.approx(32 * base, rel=1e-12)
    assert idm.decay_width_gev(model(m_zp_gev=0.02)) == pytest.approx(base / 16, rel=1e-12)
    assert idm.lifetime_s(model(g_chi=0.0)) == math.inf
    for current in idm.CURRENTS:
        m = model(current=current, vertex_factor=0.7)
        back = idm.delta_for_lifetime(idm.lifetime_s(m), m.m_zp_gev, m.g, m.g_chi, current, 0.7)
        assert back == pytest.approx(m.delta_gev, rel=1e-12)
    with pytest.raises(ConfigError, match="m_zp_gev"):
        idm.decay_width_contact_gev(0.02, 0.01, 1e-3, 1e-4)
    with pytest.raises(ConfigError, match="contact"):
        idm.delta_for_lifetime(1e-30, 0.01, 1e-3, 1e-4)


def test_vectorised_width_matches_model():
    deltas = np.array([1e-7, 1e-6, 1e-5])
    grid = idm.decay_width_contact_gev(deltas[:, None], np.array([0.01, 0.05]), 5e-4, 2.5e-5)
    assert grid.shape == (3, 2)
    assert grid[1, 0] == pytest.approx(idm.decay_width_gev(model()), rel=1e-15)


def test_decay_length():
    m = model()
    tau = idm.lifetime_s(m)
    assert idm.decay_length_km(m, 300.0) == pytest.approx(300.0 * tau, rel=1e-6)
    assert idm.decay_length_km(m, 0.0) == 0.0
    with pytest.raises(ConfigError, match="v_km_s"):
        idm.decay_length_km(m, -1.0)


def test_q2_pdf_normalised():
    from scipy.integrate import quad
    for current in idm.CURRENTS:
        total, _ = quad(lambda q2: idm.dineutrino_q2_pdf(q2, 2.0, current), 0.0, 4.0)
        assert total == pytest.approx(1.0, abs=1e-10)
    assert idm.dineutrino_q2_pdf(5.0, 2.0) == 0.0


@pytest.mark.parametrize("current, cdf", [("axial", axial_cdf), ("vector", lambda x: 1.0 - (1.0 - x) ** 2.5)])
def test_q2_sampler_ks(current, cdf):
    rng = np.random.default_rng(20261202)
    delta = 3e-6
    q2 = idm.sample_dineutrino_q2(rng, 20000, delta, current)
    assert np.all((q2 >= 0.0) & (q2 <= delta * delta))
    assert stats.kstest(q2 / delta ** 2, cdf).pvalue > 1e-3


def test_axial_inverse_cdf_exact():
    p = np.linspace(0.0, 1.0, 101)
    np.testing.assert_allclose(axial_cdf(idm._axial_inverse_cdf(p)), p, atol=1e-13)


def test_decay_products_conservation():
    m = model(m_chi_gev=1.0, delta_gev=1e-3, m_zp_gev=0.05)  # delta/m = 1e-3 makes the recoil visible
    rng = np.random.default_rng(7)
    d = idm.sample_decay_products(rng, 5000, m)
    e_sum = d.e_nu_gev + d.e_nubar_gev
    recoil = np.sqrt(m.m_chi1_gev ** 2 + np.sum(d.p_chi1_gev ** 2, axis=1)) - m.m_chi1_gev
    np.testing.assert_allclose(e_sum + recoil, m.delta_gev, rtol=1e-9)  # exact energy conservation
    assert np.all(np.abs(e_sum - m.delta_gev) <= m.delta_gev ** 2 / (2 * m.m_chi1_gev) * (1 + 1e-9))
    p_tot = d.e_nu_gev[:, None] * d.dir_nu + d.e_nubar_gev[:, None] * d.dir_nubar + d.p_chi1_gev
    assert np.max(np.abs(p_tot)) < 1e-12 * m.delta_gev / 1e-3
    np.testing.assert_allclose(np.linalg.norm(d.dir_nu, axis=1), 1.0, rtol=1e-12)
    q2 = 2 * d.e_nu_gev * d.e_nubar_gev * (1.0 - np.sum(d.dir_nu * d.dir_nubar, axis=1))
    np.testing.assert_allclose(q2, d.q2_gev2, rtol=1e-6, atol=1e-12 * m.delta_gev ** 2)
    assert set(np.unique(d.flavour)) == {0, 1}
    # nu <-> nubar symmetric and isotropic: <E_nu> = <E_sum>/2, <dir> = 0 (5 sigma)
    n = len(e_sum)
    assert abs(np.mean(d.e_nu_gev - d.e_nubar_gev)) < 5 * np.std(d.e_nu_gev - d.e_nubar_gev) / math.sqrt(n)
    assert np.all(np.abs(d.dir_nu.mean(axis=0)) < 5 / math.sqrt(3 * n))


def test_surviving_fraction_limits_v7():
    assert idm.surviving_fraction(np.inf) == 0.5
    assert idm.surviving_fraction(1e30) == pytest.approx(0.5, rel=1e-12)
    assert idm.surviving_fraction(1.0) == 0.0
    assert idm.surviving_fraction(idm.T0_S) == pytest.approx(0.5 / math.e, rel=1e-12)
    assert idm.surviving_fraction(10.0, t_s=30.0, t_d_s=10.0, r=0.5) == pytest.approx(math.exp(-2) / 3, rel=1e-12)
    assert idm.T0_S == pytest.approx(4.355e17, rel=1e-3)
    with pytest.raises(ConfigError, match="tau_s"):
        idm.surviving_fraction(0.0)
    with pytest.raises(ConfigError, match="t_s"):
        idm.surviving_fraction(1.0, t_s=1.0, t_d_s=2.0)


def test_detailed_balance_v25():
    d, t = 1e-7, np.array([1e-8, 1e-7, 1e-6])
    np.testing.assert_allclose(idm.equilibrium_excited_ratio(d, t), np.exp(-d / t), rtol=1e-15)
    r = idm.equilibrium_excited_ratio(d, 1e-7, m_chi_gev=1e-6, dof_ratio=2.0)
    assert r == pytest.approx(2.0 * 1.1 ** 1.5 * math.exp(-1.0), rel=1e-14)
    assert idm.equilibrium_excited_fraction(1e-12, 1.0) == pytest.approx(0.5, rel=1e-10)
    assert idm.halo_temperature_gev(100.0, 299792.458) == pytest.approx(100.0)
    assert idm.upscattered_density(2.0, 3.0, 4.0) == 48.0


def test_recoil_range_round_trip_and_exothermic():
    for delta in (1e-6, -1e-6):
        e_lo, e_hi = idm.recoil_range_kev(600.0, 100.0, "Xe131", delta)
        for e in (e_lo, e_hi):
            assert idm.v_min_inelastic(e, 100.0, "Xe131", delta) == pytest.approx(600.0, rel=1e-9)
    v_thr = idm.endothermic_threshold_km_s(100.0, "Xe131", 1e-6)
    e_lo, e_hi = idm.recoil_range_kev(v_thr * 0.999, 100.0, "Xe131", 1e-6)
    assert math.isnan(e_lo) and math.isnan(e_hi)
    # the minimum of v_min over E_R is the threshold
    e = np.geomspace(0.01, 100.0, 20001)
    assert np.min(idm.v_min_inelastic(e, 100.0, "Xe131", 1e-6)) == pytest.approx(v_thr, rel=1e-5)
    assert idm.target_mass_gev("proton") == pytest.approx(0.93827, rel=1e-5)
    with pytest.raises(ConfigError, match="e_r_kev"):
        idm.v_min_inelastic(-1.0, 100.0, "p", 1e-6)

"""Unit tests of mcdm.physics.inelastic_dd: kinematics, SHM moments, modulation fit, catalog sampler."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mcdm.errors import ConfigError
from mcdm.physics import inelastic_dd as idd
from mcdm.physics.kinematics import nucleus_mass
from mcdm.source.halo import StandardHaloModel

HALO = StandardHaloModel(v0=220.0, v_esc=544.0, rho_chi=0.3)
M_XE131 = nucleus_mass("Xe131")


@pytest.mark.parametrize("delta", [50.0, 100.0])
def test_endothermic_vmin_minimum_is_threshold(delta):
    mu = 100.0 * M_XE131 / (100.0 + M_XE131)
    e_star = mu * delta / M_XE131  # [keV]
    e = e_star * np.array([0.5, 0.9, 1.0, 1.1, 2.0])
    v = idd.v_min_km_s(e, 100.0, M_XE131, delta)
    assert np.argmin(v) == 2
    assert v[2] == pytest.approx(idd.threshold_speed_km_s(100.0, M_XE131, delta), rel=1e-12)


def test_exothermic_has_no_threshold_and_vmin_vanishes_at_e_star():
    delta = -50.0
    mu = 100.0 * M_XE131 / (100.0 + M_XE131)
    e_star = mu * abs(delta) / M_XE131
    assert idd.threshold_speed_km_s(100.0, M_XE131, delta) == 0.0
    assert idd.v_min_km_s(e_star, 100.0, M_XE131, delta) < 1e-9
    e = e_star * np.array([0.5, 0.99, 1.01, 2.0])
    assert np.all(idd.v_min_km_s(e, 100.0, M_XE131, delta) > 0)
    # exothermic down-scatter = endothermic with -delta mirrored: v_min(E) differs
    assert idd.v_min_km_s(2 * e_star, 100.0, M_XE131, delta) < idd.v_min_km_s(2 * e_star, 100.0, M_XE131, -delta)


@pytest.mark.parametrize("delta", [100.0, 0.0, -30.0])
def test_recoil_range_round_trip(delta):
    v = np.array([450.0, 600.0, 750.0])
    lo, hi = idd.recoil_energy_range_kev(v, 100.0, M_XE131, delta)
    for e in (lo, hi):
        ok = e > 0
        np.testing.assert_allclose(idd.v_min_km_s(e[ok], 100.0, M_XE131, delta), v[ok], rtol=1e-9)
    open_ = v > idd.threshold_speed_km_s(100.0, M_XE131, delta)
    assert np.all(hi[open_] > lo[open_]) and np.all(np.isnan(hi[~open_]))


def test_below_threshold_range_is_nan():
    lo, hi = idd.recoil_energy_range_kev(100.0, 100.0, M_XE131, 100.0)
    assert math.isnan(lo) and math.isnan(hi)


@pytest.mark.parametrize("u", [0.0, 1e-5, 232.0, 700.0])
def test_eta_matches_halo_closed_form(u):
    v = np.linspace(0.0, 1300.0, 53)
    eta, eta1 = idd.eta_shm(v, u, HALO)
    ref = HALO.eta(v, u)
    np.testing.assert_allclose(eta, ref, rtol=1e-10, atol=1e-14 * ref.max())
    assert np.all(np.diff(eta1) <= 1e-12) and eta1[0] > 0 and eta1[-1] == 0


def test_eta1_at_zero_is_mean_speed():
    # eta_1(0) = <|v|> (the halo's 1-D quadrature)
    for u in (0.0, 232.0):
        assert idd.eta_shm(0.0, u, HALO)[1] == pytest.approx(HALO.mean_speed(u), rel=1e-9)


def test_eta_broadcast_shape():
    eta, eta1 = idd.eta_shm(np.linspace(0, 500, 7)[None, :], np.array([220.0, 240.0])[:, None], HALO)
    assert eta.shape == eta1.shape == (2, 7)


def test_modulation_fit_recovers_injected_cosine():
    days = np.arange(0.0, 365.0, 1.0)
    s0 = np.array([2.0, 5.0, 1.0])
    sm = np.array([0.3, 0.1, 0.05])
    t0 = np.array([152.5, 10.0, 350.0])
    w = 2 * math.pi / idd.YEAR_DAYS
    rates = s0 + sm * np.cos(w * (days[:, None] - t0))
    fit = idd.modulation_fit(days, rates)
    np.testing.assert_allclose(fit.s0, s0, rtol=1e-12)
    np.testing.assert_allclose(fit.sm, sm, rtol=1e-10)
    np.testing.assert_allclose(fit.phase_day, t0, atol=1e-8)
    np.testing.assert_allclose(fit.fraction, sm / s0, rtol=1e-10)


def _table(n_days=30, n_e=20):
    days = np.linspace(0.0, 365.0, n_days)
    e = np.linspace(2.0, 60.0, n_e)
    rate = (1.0 + 0.3 * np.cos(2 * math.pi * (days[:, None] - 152) / 365.25)) * np.exp(-e / 15.0)[None, :]
    return idd.AnnualSpectra(days, e, rate, np.full(n_days, 230.0))


def test_sampler_binned_chi2():
    table = _table()
    rng = np.random.default_rng(12345)
    exposure = 20000.0 / (np.trapezoid(table.rate.mean(axis=0), table.e_r_kev))
    mu = idd.expected_counts(table, exposure)
    t, e = idd.sample_recoil_events(rng, table, exposure)
    assert abs(t.size - mu.sum()) < 5 * math.sqrt(mu.sum())
    assert np.all(np.diff(t) >= 0) and t.min() >= 0 and t.max() <= 365
    assert e.min() >= 2.0 and e.max() <= 60.0
    # coarse bins aligned with the grid cells: 5 time x 5 energy groups
    ti = np.clip(np.searchsorted(table.days, t, side="right") - 1, 0, table.days.size - 2)
    ei = np.clip(np.searchsorted(table.e_r_kev, e, side="right") - 1, 0, table.e_r_kev.size - 2)
    gt, ge = np.array_split(np.arange(mu.shape[0]), 5), np.array_split(np.arange(mu.shape[1]), 5)
    obs = np.array([[np.sum(np.isin(ti, a) & np.isin(ei, b)) for b in ge] for a in gt])
    exp = np.array([[mu[np.ix_(a, b)].sum() for b in ge] for a in gt])
    exp *= obs.sum() / exp.sum()
    chi2 = np.sum((obs - exp) ** 2 / exp)
    assert stats.chi2.sf(chi2, obs.size - 1) > 1e-3


def test_sampler_linear_density_within_cell():
    table = idd.AnnualSpectra(np.array([0.0, 1.0]), np.array([1.0, 2.0]),
                              np.array([[1.0, 3.0], [1.0, 3.0]]), np.array([230.0, 230.0]))
    t, e = idd.sample_recoil_events(np.random.default_rng(7), table, 20000.0)
    s = e - 1.0  # density (1 + 2 s)/2 on [0, 1]: mean 7/12, variance 11/144... (E s^2 = 5/12)
    sd = math.sqrt(5 / 12 - (7 / 12) ** 2)
    assert abs(s.mean() - 7 / 12) < 5 * sd / math.sqrt(s.size)


def test_sampler_zero_exposure_and_bad_rng():
    table = _table()
    t, e = idd.sample_recoil_events(np.random.default_rng(0), table, 0.0)
    assert t.size == e.size == 0
    with pytest.raises(ConfigError):
        idd.sample_recoil_events(0, table, 1.0)


def test_bad_inputs():
    with pytest.raises(ConfigError):
        idd.v_min_km_s(0.0, 100.0, M_XE131, 1.0)
    with pytest.raises(ConfigError):
        idd.SpinIndependentDM(m_chi=-1.0)
    with pytest.raises(ConfigError):
        idd.AxialProtonDM(100.0, 10.0, 1e-2, 1e-4, 0.01, propagator="yukawa")
    with pytest.raises(ConfigError):
        idd.AxialProtonDM(100.0, 10.0, 1e-2, 1e-4, 0.01, keep=("c1",))
    with pytest.raises(ConfigError):
        idd.recoil_spectra([10.0], [230.0], object())
    with pytest.raises(ConfigError):
        idd.modulation_fit([0.0, 1.0], [[1.0], [2.0]])


def test_full_propagator_reduces_to_contact_for_heavy_zprime():
    heavy = dict(m_chi=100.0, delta_kev=50.0, g_chi=1e-2, epsilon=1e-4, m_zprime=10.0)
    c = idd.axial_proton_coefficients(idd.AxialProtonDM(**heavy), 1e-3)
    f = idd.axial_proton_coefficients(idd.AxialProtonDM(**heavy, propagator="full"), 1e-3)
    np.testing.assert_allclose(f, c, rtol=2e-5)
    light = idd.AxialProtonDM(**{**heavy, "m_zprime": 0.01}, propagator="full")
    c8, c9 = idd.axial_proton_coefficients(light, 0.01**2)  # q = m_Z': half the contact value
    assert c9 == pytest.approx(light.contact_coupling, rel=1e-12)
    assert c8 == pytest.approx(-light.contact_coupling, rel=1e-12)


def test_rates_shape_and_positive():
    e = np.linspace(5.0, 80.0, 8)
    r = idd.recoil_spectra(e, [220.0, 250.0], idd.AxialProtonDM(100.0, 30.0, 1e-2, 1e-4, 0.05), "Xe", HALO)
    assert r.shape == (2, 8) and np.all(r >= 0) and np.any(r > 0)


def test_exothermic_rate_beats_endothermic():
    e = np.linspace(5.0, 80.0, 76)
    exo = idd.recoil_spectra(e, [232.0], idd.SpinIndependentDM(100.0, -50.0, 1e-45), "Xe", HALO)[0]
    endo = idd.recoil_spectra(e, [232.0], idd.SpinIndependentDM(100.0, 50.0, 1e-45), "Xe", HALO)[0]
    assert np.all(exo > endo) and np.all(exo > 0)


def test_from_idm_reads_the_seed003_model_fields():
    from types import SimpleNamespace

    m = SimpleNamespace(m_chi_gev=100.0, delta_gev=1e-7, g_chi=2e-5, epsilon=7e-6, m_zp_gev=0.01, vertex_factor=1.0)
    p = idd.AxialProtonDM.from_idm(m, propagator="full")
    assert (p.m_chi, p.g_chi, p.epsilon, p.m_zprime, p.propagator) == (100.0, 2e-5, 7e-6, 0.01, "full")
    assert p.delta_kev == pytest.approx(0.1, rel=1e-12)
    with pytest.raises(ConfigError):
        idd.AxialProtonDM.from_idm(SimpleNamespace(m_chi_gev=1.0))

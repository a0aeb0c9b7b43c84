"""Spin-independent recoil rates (mcdm.physics.recoil) against independent numbers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.constants import AMU_GEV, AVOGADRO, C_KM_S, M_PROTON_GEV
from mcdm.errors import ConfigError
from mcdm.physics.recoil import (EtaTable, rate_above_threshold, recoil_spectrum, target_fractions,
                                 v_min_elastic)
from mcdm.source import StandardHaloModel


@pytest.mark.validation
def test_total_rate_equals_lewin_smith_r0():
    """Static Maxwellian without escape cut, F = 1, zero threshold: R = R0 = 2/sqrt(pi) N_A/A rho/m sigma_0 v0
    (Lewin & Smith 1996, Eq. 3.1 with Eq. 3.10's sigma_0 = sigma_p A^2 mu_T^2 / mu_p^2), per kg."""
    v0, m_chi, sigma_p, rho = 220.0, 100.0, 1e-45, 0.3
    halo = StandardHaloModel(v0=v0, v_esc=12.0 * v0)  # e^{-144}: no truncation at this precision
    eta = EtaTable.from_halo(halo, 0.0, np.linspace(0.0, 12.0 * v0, 20001))
    from mcdm.geometry.library import load_nuclides

    m_t = load_nuclides().nuclide("Xe132").mass_u
    rate = rate_above_threshold(1e-6, eta, {"Xe132": 1.0}, m_chi, sigma_p, rho, form_factor="none",
                                e_max_kev=2000.0, nodes=20000)
    mu_t = m_chi * m_t * AMU_GEV / (m_chi + m_t * AMU_GEV)
    mu_p = m_chi * M_PROTON_GEV / (m_chi + M_PROTON_GEV)
    sigma_0 = sigma_p * 132**2 * (mu_t / mu_p) ** 2
    r0 = 2 / math.sqrt(math.pi) * (1000.0 * AVOGADRO / m_t) * rho / m_chi * sigma_0 * v0 * 1e5 * 86400.0
    assert rate == pytest.approx(r0, rel=2e-3)


@pytest.mark.validation
def test_exponential_spectrum_slope():
    """Same limit: dR/dE ∝ exp(-E / (E0 r)), E0 r = 2 mu^2 v0^2 / m_T (Lewin & Smith Eq. 3.11)."""
    v0, m_chi = 220.0, 50.0
    eta = EtaTable.from_halo(StandardHaloModel(v0=v0, v_esc=12 * v0), 0.0, np.linspace(0, 12 * v0, 40001))
    from mcdm.geometry.library import load_nuclides

    m_t = load_nuclides().nuclide("Ge74").mass_u * AMU_GEV
    mu = m_chi * m_t / (m_chi + m_t)
    e = np.array([1.0, 10.0, 30.0])
    dr = recoil_spectrum(e, eta, {"Ge74": 1.0}, m_chi, 1e-45, form_factor="none")
    scale_kev = 2 * mu**2 * (v0 / C_KM_S) ** 2 / m_t * 1e6
    np.testing.assert_allclose(dr / dr[0], np.exp(-(e - e[0]) / scale_kev), rtol=2e-4)


@pytest.mark.validation
def test_eta_from_samples_matches_closed_form():
    halo = StandardHaloModel(v0=220.0, v_esc=544.0)
    u = np.array([0.0, 232.0, 0.0])
    rng = np.random.default_rng(3)
    n = 400_000
    v = halo.sample(n, rng) - u
    speed = np.linalg.norm(v, axis=1)
    grid = np.linspace(0.0, 800.0, 81)
    mc = EtaTable.from_samples(speed, np.ones(n), n, grid)
    exact = EtaTable.from_halo(halo, 232.0, grid)
    sel = exact.eta > 1e-6
    pull = (mc.eta[sel] - exact.eta[sel]) / mc.error[sel]
    assert np.max(np.abs(pull)) < 4.5
    assert abs(np.mean(pull)) < 3 / math.sqrt(sel.sum()) + 0.5  # no common bias (correlated nodes)


def test_target_fractions_and_kinematics():
    f = target_fractions("CaWO4")
    assert sum(f.values()) == pytest.approx(1.0, abs=1e-12)
    w = sum(v for k, v in f.items() if k.startswith("W"))
    assert w == pytest.approx(183.84 / (40.078 + 183.84 + 4 * 15.999), rel=1e-4)
    assert target_fractions({"Xe": 2.0}) == target_fractions("Xe")
    for bad in ("", "xe", "Xe-1", "Qq"):
        with pytest.raises(Exception):
            target_fractions(bad)
    with pytest.raises(ConfigError):
        target_fractions({"Xe": -1.0})
    # v_min = sqrt(m_T E / 2) / mu: a 10 keV recoil on Xe132 from 100 GeV DM needs ~ 200 km/s
    m_t = 131.9 * AMU_GEV
    mu = 100 * m_t / (100 + m_t)
    assert v_min_elastic(10.0, 100.0, m_t) == pytest.approx(math.sqrt(m_t * 1e-5 / 2) / mu * C_KM_S)
    with pytest.raises(ConfigError):
        rate_above_threshold(0.0, EtaTable.from_halo(StandardHaloModel(220, 544), 232, np.linspace(0, 800, 9)),
                             "Xe", 100.0, 1e-45)


@pytest.mark.validation
def test_per_particle_kernel_equals_the_eta_route():
    """R = E[w K(v)/v] (threshold_rate_kernel) equals the integral of dR/dE with eta from the same sample."""
    from mcdm.physics.recoil import threshold_rate_kernel

    halo = StandardHaloModel(v0=220.0, v_esc=544.0)
    rng = np.random.default_rng(5)
    n = 200_000
    speed = np.linalg.norm(halo.sample(n, rng) - np.array([0.0, 232.0, 0.0]), axis=1)
    w = rng.uniform(0.5, 1.5, n)  # any weights
    grid = np.linspace(0.0, 900.0, 1801)
    for target, m_chi, thr in (("Xe", 100.0, 5.0), ("CaWO4", 1e4, 1.0)):
        k = threshold_rate_kernel(grid, thr, target, m_chi, 1e-45)
        per_particle = float(np.mean(w * np.interp(speed, grid, k) / speed))
        via_eta = rate_above_threshold(thr, EtaTable.from_samples(speed, w, n, grid), target, m_chi, 1e-45,
                                       e_max_kev=None, nodes=3000)
        assert per_particle == pytest.approx(via_eta, rel=3e-3), target

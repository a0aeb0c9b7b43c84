"""Validation of mcdm.physics.inelastic_dd (digest 003 §10.1, §17 V22-V23) against independent numbers:
digest values, 3-D quadrature of the SHM, exact Dirac traces, mcdm.physics.recoil (Lewin-Smith) and the
seed-004 MIDM rate of mcdm.physics.cross_section."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from mcdm.constants import C_KM_S, HBARC_GEV_CM, M_PROTON_GEV, SECONDS_PER_DAY
from mcdm.physics import inelastic_dd as idd
from mcdm.physics.kinematics import nucleus_mass
from mcdm.physics.nuclear import OPERATORS, NuclearResponse
from mcdm.physics.recoil import GEV_PER_KG, EtaTable, helm_form_factor_squared, recoil_spectrum
from mcdm.source.halo import StandardHaloModel

HALO = StandardHaloModel(v0=220.0, v_esc=544.0, rho_chi=0.3)
DAYS = np.arange(0.0, 365.0, 1.0)


# ------------------------------------------------------------------ V22, V23
@pytest.mark.parametrize("delta_kev, ref", [(0.1, 139.1), (1.0, 439.7)])
def test_v22_proton_threshold(delta_kev, ref):
    assert idd.threshold_speed_km_s(100.0, M_PROTON_GEV, delta_kev) == pytest.approx(ref, rel=1e-3)


@pytest.mark.parametrize("delta_kev, ref", [(0.1, 18.1), (1.0, 57.2)])
def test_v23_xe131_threshold(delta_kev, ref):
    m_t = nucleus_mass("Xe131")
    v = idd.threshold_speed_km_s(100.0, m_t, delta_kev)
    assert v == pytest.approx(ref, rel=5e-3)
    mu = 100.0 * m_t / (100.0 + m_t)  # Eq. (111) at its minimum E_R = mu delta/m_T
    assert idd.v_min_km_s(mu * delta_kev / m_t, 100.0, m_t, delta_kev) == pytest.approx(v, rel=1e-12)


# ------------------------------------------------------------------ halo moments vs 3-D quadrature
def _quad_moments(v_min, u):
    """eta, eta_1 by 2-D quadrature over lab speed v and cos(angle to u_E) of the galactic f."""
    v0, vesc, n0 = HALO.v0, HALO.v_esc, HALO.norm

    def inner(v, power):
        # |v_lab + u|^2 = v^2 + u^2 + 2 v u c < v_esc^2 -> c < c_hi
        c_hi = min(1.0, (vesc**2 - v * v - u * u) / (2.0 * v * u))
        if c_hi <= -1.0:
            return 0.0
        val, _ = integrate.quad(lambda c: math.exp(-(v * v + u * u + 2 * v * u * c) / v0**2), -1.0, c_hi,
                                epsabs=0.0, epsrel=1e-12)
        return 2.0 * math.pi * v * v * v**power * val / n0

    out = []
    for power in (-1, 1):
        val, _ = integrate.quad(inner, v_min, vesc + u, args=(power,), points=[abs(vesc - u)],
                                epsabs=0.0, epsrel=1e-10, limit=200)
        out.append(val)
    return out


@pytest.mark.parametrize("v_min", [0.0, 150.0, 400.0, 700.0])
def test_eta_and_eta1_vs_3d_quadrature(v_min):
    u = 245.0
    eta_q, eta1_q = _quad_moments(max(v_min, 1e-9), u)
    eta, eta1 = idd.eta_shm(v_min, u, HALO)
    assert eta == pytest.approx(eta_q, rel=1e-4)
    assert eta1 == pytest.approx(eta1_q, rel=1e-4)


# ------------------------------------------------------------------ SI: delta = 0 is recoil.py
def test_si_elastic_reproduces_recoil_spectrum():
    e = np.linspace(1.0, 100.0, 60)
    u = 232.0
    ours = idd.recoil_spectra(e, [u], idd.SpinIndependentDM(100.0, 0.0, 1e-45), "Xe", HALO)[0]
    ref = recoil_spectrum(e, EtaTable.from_halo(HALO, u, np.linspace(0.0, 900.0, 9001)), "Xe", 100.0, 1e-45)
    np.testing.assert_allclose(ours, ref, rtol=1e-2)
    np.testing.assert_allclose(ours, ref, rtol=1e-5)  # measured 3e-8 (EtaTable interpolation)


# ------------------------------------------------------------------ axial x proton: point proton vs traces
def _exact_msq_over_norm(m1, delta, v_km_s, cos_cm):
    """<|M|^2>/(4 m1 m_p)^2 / G^2 from the Dirac traces of digest 003 §10.1, contact limit, and E_R [GeV]."""
    mp, m2 = M_PROTON_GEV, m1 + delta
    v = v_km_s / C_KM_S
    s = m1 * m1 + mp * mp + 2.0 * m1 / math.sqrt(1.0 - v * v) * mp
    lam = lambda a, b, c: a * a + b * b + c * c - 2 * a * b - 2 * a * c - 2 * b * c  # noqa: E731
    pin = math.sqrt(lam(s, m1 * m1, mp * mp)) / (2 * math.sqrt(s))
    pout = math.sqrt(lam(s, m2 * m2, mp * mp)) / (2 * math.sqrt(s))
    sn = math.sqrt(1 - cos_cm**2)
    p1 = np.array([math.hypot(m1, pin), 0, 0, pin])
    k1 = np.array([math.hypot(mp, pin), 0, 0, -pin])
    p2 = np.array([math.hypot(m2, pout), pout * sn, 0, pout * cos_cm])
    k2 = np.array([math.hypot(mp, pout), -pout * sn, 0, -pout * cos_cm])
    dot = lambda a, b: a[0] * b[0] - a[1:] @ b[1:]  # noqa: E731
    # D^{mu nu} N_{mu nu} with D = 4[p1 p2 + p2 p1 - g(p1.p2 + m1 m2)], N = 4[k k' + k' k - g(k.k' - m^2)]
    dn = 16 * (2 * dot(p1, k1) * dot(p2, k2) + 2 * dot(p1, k2) * dot(p2, k1) - 2 * dot(p1, p2) * mp * mp
               + 2 * m1 * m2 * dot(k1, k2) - 4 * m1 * m2 * mp * mp)
    e_r = -dot(k1 - k2, k1 - k2) / (2 * mp)
    return dn / 4.0 / (4 * m1 * mp) ** 2, e_r


def _point_proton():
    coeffs = np.zeros((len(OPERATORS), 2, 2, 1))
    unit = 2.0 / (16.0 * math.pi)  # (2j+1)/16 pi: 4 pi/(2j+1) sum W_M^{tau tau'} = 1 for c^0 = c^1
    coeffs[OPERATORS.index("M")] = unit
    coeffs[OPERATORS.index("SigmaP")] = 2.0 * unit  # <sigma_perp^2> = 2
    resp = NuclearResponse(name="p", Z=1, A=1, spin=0.5, kind="point", coefficients=coeffs, b=1e-9,
                           mass_gev=M_PROTON_GEV)
    return idd.NreftTarget("p", 1.0, M_PROTON_GEV, 1, 1, resp)


@pytest.mark.parametrize("delta_kev", [0.0, 0.1, -0.1])
@pytest.mark.parametrize("cos_cm", [0.95, 0.3, -0.8])
def test_point_proton_nreft_equals_dirac_traces(delta_kev, cos_cm):
    m1 = 100.0
    params = idd.AxialProtonDM(m1, delta_kev, g_chi=1.0, epsilon=1.0, m_zprime=1.0)
    exact, e_r = _exact_msq_over_norm(m1, delta_kev * 1e-6, 400.0, cos_cm)
    a, b = idd.msq_coefficients(params, _point_proton(), e_r * 1e6)
    vmin = idd.v_min_km_s(e_r * 1e6, m1, M_PROTON_GEV, delta_kev) / C_KM_S
    nr = (a + b * ((400.0 / C_KM_S) ** 2 - vmin**2)) / params.contact_coupling**2
    assert nr[0] == pytest.approx(exact, rel=1e-4)


# ------------------------------------------------------------------ axial x proton on xenon: limits
def _direct_rate(tgt, e_kev, u, m_chi, delta_kev, msq_of_v):
    """Per-kg rate by 1-D quadrature over the lab speed density: N_T n_chi int p(v) v dsigma/dE_R dv."""
    vmin = float(idd.v_min_km_s(e_kev, m_chi, tgt.mass_gev, delta_kev))
    top = HALO.v_esc + u

    def f(v):
        dsig = tgt.mass_gev / (2 * math.pi * (v / C_KM_S) ** 2) * msq_of_v(v) * HBARC_GEV_CM**2  # cm^2/GeV
        return HALO.lab_speed_pdf(v, u) * (v * 1e5) * dsig

    val, _ = integrate.quad(f, vmin, top, points=[HALO.v_esc - u], epsabs=0.0, epsrel=1e-10, limit=200)
    per_gev_s = tgt.w / tgt.mass_gev * GEV_PER_KG * HALO.rho_chi / m_chi * val
    return per_gev_s * SECONDS_PER_DAY * 1e-6


def test_c9_only_rate_is_sigma_prime_formula():
    params = idd.AxialProtonDM(100.0, 30.0, g_chi=1e-2, epsilon=1e-4, m_zprime=0.02, keep=("c9",))
    u, e = 232.0, np.array([10.0, 35.0])
    ours = idd.recoil_spectra(e, [u], params, "Xe", HALO)[0]
    ref = np.zeros(2)
    for tgt in idd.nreft_targets("Xe", "axial_proton"):
        r = tgt.response
        for i, ek in enumerate(e):
            q = math.sqrt(2 * tgt.mass_gev * ek * 1e-6)
            c9 = 2 * params.contact_coupling
            w = sum(r.W("SigmaP", t, tp, q) for t in (0, 1) for tp in (0, 1))
            msq = 4 * math.pi / (2 * r.spin + 1) * c9**2 * q * q / (16 * M_PROTON_GEV**2) * w
            if msq > 0:
                ref[i] += _direct_rate(tgt, ek, u, 100.0, 30.0, lambda v, m=msq: m)
    assert np.all(ref > 0)
    np.testing.assert_allclose(ours, ref, rtol=1e-6)


def test_c8_on_spinless_helm_nucleus_is_si_like_with_vperp2():
    params = idd.AxialProtonDM(100.0, 40.0, g_chi=1e-2, epsilon=1e-4, m_zprime=0.02)
    u, e = 232.0, np.array([15.0, 40.0])
    target = {"Xe132": 1.0}
    ours = idd.recoil_spectra(e, [u], params, target, HALO)[0]
    (tgt,) = idd.nreft_targets(target, "axial_proton")
    c8 = 2 * params.contact_coupling
    for ek, got in zip(e, ours):
        q = math.sqrt(2 * tgt.mass_gev * ek * 1e-6)
        vmin = float(idd.v_min_km_s(ek, 100.0, tgt.mass_gev, 40.0)) / C_KM_S
        zf2 = 54**2 * float(helm_form_factor_squared(ek, "Xe132"))  # coherent proton charge Z^2 F^2

        def msq(v, q=q, vmin=vmin, zf2=zf2):
            return c8**2 / 4 * ((v / C_KM_S) ** 2 - vmin**2 + (40e-6 / q) ** 2) * zf2

        assert got == pytest.approx(_direct_rate(tgt, ek, u, 100.0, 40.0, msq), rel=1e-6)


# ------------------------------------------------------------------ MIDM over the year = cross_section
def test_magnetic_matches_cross_section_rate():
    from mcdm.physics.cross_section import differential_rate_per_target
    from mcdm.physics.midm import MagneticInelasticDM

    params = idd.MagneticDM(MagneticInelasticDM(m_chi=1000.0, delta=100e-6, g_M=1e-3))
    e = np.array([10.0, 30.0, 60.0])
    spectra = idd.annual_spectra(e, [0.0, 152.0], params, "Xe", HALO)
    for k, u in enumerate(spectra.u_km_s):
        ref = sum(t.w / t.mass_gev * GEV_PER_KG * SECONDS_PER_DAY
                  * differential_rate_per_target(params.midm, t.response, e, HALO, float(u), n_nodes=64)
                  for t in idd.nreft_targets("Xe", "magnetic"))
        np.testing.assert_allclose(spectra.rate[k], ref, rtol=1e-6)


# ------------------------------------------------------------------ annual modulation
def test_elastic_si_phase_near_june_2_at_high_energy():
    e = np.array([60.0, 80.0])
    spectra = idd.annual_spectra(e, DAYS, idd.SpinIndependentDM(100.0, 0.0, 1e-45), "Xe", HALO)
    fit = idd.modulation_fit(DAYS, spectra.rate)
    june2 = 152.0  # days since 1 January 00:00 of 2025 (non-leap) at June 2 00:00
    assert np.all(np.abs(fit.phase_day - june2) < 10.0)


def test_inelastic_modulation_fraction_exceeds_elastic():
    e = np.array([20.0, 30.0, 50.0])
    el = idd.annual_spectra(e, DAYS, idd.SpinIndependentDM(100.0, 0.0, 1e-45), "Xe", HALO)
    inel = idd.annual_spectra(e, DAYS, idd.SpinIndependentDM(100.0, 100.0, 1e-45), "Xe", HALO)
    f_el = idd.modulation_fit(DAYS, el.rate).fraction
    f_in = idd.modulation_fit(DAYS, inel.rate).fraction
    assert np.all(f_in > 2.0 * f_el)
    assert np.all(np.abs(idd.modulation_fit(DAYS, inel.rate).phase_day - 152.0) < 10.0)

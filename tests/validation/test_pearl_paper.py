"""Seed 000 (Nielsen & Froggatt, Corfu 2021) in paper mode: digest 000 §10 targets 1-25, 27-36, 39-43.

Each test feeds the inputs the digest's target names into mcdm.physics.pearl / pearl_sidm /
pearl_paper and compares the engine's number with the digest's expected number at the digest's
tolerance (±5 % arithmetic, factor 2 for the paper's rounded results, factor 7 for M where the paper
gives ΔM = 200 %). The expected numbers are the paper's printed values or the digest's [derived]
recomputation of them, both independent of mcdm. Targets 26, 37 and 38 need the transport mode and
are tested with the `pearls` scenario.
"""
import math

import numpy as np
import pytest

from mcdm.constants import ALPHA
from mcdm.physics import pearl_paper as pp
from mcdm.physics import pearl_sidm as sidm
from mcdm.physics.pearl import (YEAR_S, PearlModel, density_from_fermi_momentum, fermi_momentum_from_gap_kev,
                                fermi_momentum_from_xi, homolumo_gap_kev, kg_to_gev, mass_from_radius,
                                r2_over_m_coefficient, radius_from_mass, xi_over_dv)

pytestmark = pytest.mark.validation

RHO_B = 5.2e11  # the paper's Eq. 14, the input the digest's targets 6-10, 15, 18-23 name
ETA = 1e-4  # Eq. 72


def rel(x, expected, tol):
    """|x / expected - 1| <= tol."""
    return abs(x / expected - 1.0) <= tol


def within_factor(x, expected, factor):
    return 1.0 / factor <= x / expected <= factor


def test_t01_bubble_density():
    rho = density_from_fermi_momentum(3.3, 2.0)  # Eq. 13
    assert rel(rho, 5.2e11, 0.05)
    assert rel(rho, 5.29e11, 0.005)  # digest's exact value (m_N = 1.675e-27 kg)


def test_t02_fermi_momentum_from_line_fit():
    assert rel(fermi_momentum_from_xi(0.6), 3.3, 0.02)  # Eq. 10: 3.33 MeV


def test_t03_line_fit_parameter():
    assert rel(xi_over_dv(5.0, 2.5), 0.60, 0.02)  # Eqs. 90-91: 0.598


def test_t04_homolumo_gap():
    assert rel(homolumo_gap_kev(3.3), 2.9, 0.05)  # Eq. 2 arithmetic (2.91 keV)
    assert rel(homolumo_gap_kev(4.0), 3.5, 0.05)  # 3.53 keV
    assert within_factor(homolumo_gap_kev(3.3), 3.5, 1.25)  # the paper's "~3.5 keV" claim
    assert rel(fermi_momentum_from_gap_kev(3.5), 3.97, 0.005)  # digest §8 item 1


def test_t05_mass_from_dust():
    m = pp.mass_from_cross_section_kg(4e-14, 15.0)  # Eqs. 6-8
    assert rel(m, 2.7e-15, 0.15) and rel(m, 3e-15, 0.15)
    assert rel(kg_to_gev(m), 1.6e12, 0.15)  # Eq. 9
    assert PearlModel().mass_from_dust == pytest.approx(m, rel=1e-12)  # sigma = (2 r_dust)^2, r_dust = 0.1 um


def test_t06_volume_and_radius():
    assert rel(pp.bubble_volume_m3(3e-15, RHO_B), 6e-27, 0.10)  # Eq. 15
    r = radius_from_mass(3e-15, RHO_B)  # Eq. 16: 1.11 nm (paper 1.2 nm)
    assert rel(r, 1.1e-9, 0.10) and rel(r, 1.2e-9, 0.10)


def test_t07_r2_over_m_coefficient():
    assert rel(r2_over_m_coefficient(RHO_B), 1.68e8, 0.02)  # Eq. 41


def test_t08_four_r_dust_e_from_v0():
    assert rel(sidm.four_r_dust_e_from_v0(220.0, 1e-15, RHO_B), 8.1e13, 0.03)  # Eqs. 43-45


def test_t09_v0_with_hardening():
    assert rel(sidm.v0_from_four_r_dust_e_km_s(1e13, 1e-15, RHO_B), 77.0, 0.03)  # Eq. 35, Table 1 row 1


def test_t10_v0_without_hardening():
    v0_m_s = sidm.v0_from_four_r_dust_e_km_s(400.0, 1e-15, RHO_B) * 1e3
    assert rel(v0_m_s, 0.49, 0.10)
    # the printed "0.7 cm/s" (Table 1) is not what Eq. 35 gives (digest §8 item 8)
    assert v0_m_s / pp.PRINTED["v0_unhardened"].value > 50


def test_t11_linear_and_exact_at_100_km_s():
    assert rel(sidm.sigma_over_m_linear(100.0, 150.0, 230.0), 15.3, 0.05)  # Eq. 37
    assert rel(sidm.sigma_over_m_exact(100.0, 150.0, 230.0), 27.7, 0.05)
    # §2.2: one point at 100 km/s with sigma/M|_0 = 150 cm^2/g fixed gives v0 = 230 km/s; the reading
    # 15.3 cm^2/g is the one the paper's v0 implies (digest §2.2), so this checks the inversion/fitter
    fit = sidm.fit_sigma_over_m([sidm.SidmPoint(100.0, 15.3, 15.3)], sigma_over_m0=150.0)
    assert fit.valid and rel(fit.v0_km_s, 230.0, 0.01)


def test_t12_linear_and_exact_at_35_km_s():
    assert rel(sidm.sigma_over_m_linear(35.0, 150.0, 220.0), 75.0, 0.05)
    assert rel(sidm.sigma_over_m_exact(35.0, 150.0, 220.0), 79.6, 0.05)
    fit = sidm.fit_sigma_over_m([sidm.SidmPoint(35.0, 75.0, 75.0)], sigma_over_m0=150.0)
    assert fit.valid and rel(fit.v0_km_s, 220.0, 0.01)


def test_t13_clamp_and_high_speed_tail():
    v = np.array([220.0, 221.0, 330.0, 2200.0])
    assert np.all(sidm.sigma_over_m_linear(v, 150.0, 220.0) == 0.0)
    u = np.array([1e2, 1e3, 1e4])
    tail = sidm.sigma_over_m_exact(u * 220.0, 150.0, 220.0) * (2.0 * u) ** 4
    np.testing.assert_allclose(tail, 150.0, rtol=3e-4)  # exact form -> sigma0 (2u)^-4, i.e. v^-4


def test_t14_unhardened_dust_radius():
    r = sidm.four_r_dust_e_from_v0(220.0, 1e-15, RHO_B) / (4.0 * 1e9)  # §7: E = 1e9 Pa
    assert rel(r, 2e4, 0.05)
    assert rel(r / 1e-7, 2e11, 0.05)


def test_t15_mass_refit():
    m_1000 = sidm.mass_from_four_r_dust_e(4e14, 220.0, RHO_B)
    m_400 = sidm.mass_from_four_r_dust_e(1e13, 220.0, RHO_B)
    assert within_factor(m_1000, 1.2e-13, 2) and within_factor(m_1000, 1e-13, 2)  # Table 2
    assert within_factor(m_400, 1.9e-18, 2) and within_factor(m_400, 2e-18, 2)


def test_t16_dust_to_gas_ratio():
    dgr = pp.dust_to_gas_ratio(1.0)  # Eq. 51 at Z = Z_sun
    assert rel(dgr, 0.0093, 0.05) and rel(dgr, 0.009, 0.05)


def test_t17_grain_number_density():
    n = pp.grain_number_density_m3(3e-28, pp.dust_to_gas_ratio(1.0), pp.grain_mass_kg(2000.0, 1e-7))
    assert rel(pp.grain_mass_kg(2000.0, 1e-7), 2e-18, 1e-12)  # Eq. 53
    assert rel(n, 1.4e-12, 0.05)  # Eq. 62
    assert rel(pp.grain_spacing_m(n), 8.9e3, 0.02)  # not the printed 11 km (digest §8 item 10)


def test_t18_grain_count_bound():
    m = pp.mass_bound_from_grains_kg(pp.cosmic_density_kg_m3(0.24), 1.4e-12)  # Eqs. 63-68
    assert rel(m, 1.7e-15, 0.20) and rel(m, 2e-15, 0.20)
    assert rel(kg_to_gev(m), 1.2e12, 0.20)
    assert rel(radius_from_mass(m, RHO_B), 1.0e-9, 0.20)  # Eqs. 69-70


def test_t19_stokes_terminal_velocity():
    assert rel(pp.stokes_coefficient(RHO_B, ETA, 9.8), 1.13e16, 0.02)  # Eqs. 76-77
    model = PearlModel(rho_b_kg_m3=RHO_B, mass_kg=None, radius_m=1e-9)
    assert rel(model.terminal_velocity_liquid(), 1.13e16 * 1e-18, 0.02)


def test_t20_solid_terminal_velocity():
    assert rel(pp.solid_coefficient(RHO_B, ETA, 250.0), 4.5e13, 0.02)  # Eqs. 78-79
    model = PearlModel(rho_b_kg_m3=RHO_B, mass_kg=None, radius_m=1e-9, k_solid=250.0)
    assert rel(model.terminal_velocity_solid(), 4.5e13 * 1e-18, 0.02)


def test_t21_one_year_speed():
    assert rel(pp.minimum_speed_m_s(1400.0, 365 * 86400.0), 4.4e-5, 0.02)  # Eqs. 80-81
    assert YEAR_S == 365 * 86400.0


def test_t22_faster_than_a_year():
    r = pp.minimum_radius_m(1400.0, YEAR_S, RHO_B, ETA, 250.0)  # Eqs. 82-84
    m = mass_from_radius(r, RHO_B)  # Eqs. 85-86
    assert rel(r, 1.0e-9, 0.10)
    assert rel(m, 2.1e-15, 0.10) and rel(m, 2.2e-15, 0.10)
    assert rel(kg_to_gev(m), 1.2e12, 0.10)
    t = PearlModel(rho_b_kg_m3=RHO_B, mass_kg=None, radius_m=r).passage_time(1400.0)
    assert t == pytest.approx(YEAR_S, rel=1e-12)  # the bound pearl takes exactly a year


def test_t23_corrected_faster_than_a_year():
    r = pp.minimum_radius_m(1400.0, YEAR_S, RHO_B, ETA, 2500.0)  # Eq. 87
    m = mass_from_radius(r, RHO_B)  # Eqs. 88-89
    assert rel(r, 3.1e-9, 0.10)
    assert rel(m, 6.5e-14, 0.10)
    assert rel(kg_to_gev(m), 3.7e13, 0.10) and rel(kg_to_gev(m), 3.9e13, 0.10)


def test_t24_stone_stopping_dust_pearl():
    model = PearlModel(rho_b_kg_m3=RHO_B, mass_kg=3e-15, radius_m=None)
    aom = math.pi * (1.2e-9) ** 2 / 3e-15  # the paper's inconsistent pair (M, R) of Eq. 111
    length = pp.stopping_length_m(aom, 3000.0)
    t = pp.stopping_time_s(length, 300.0)
    assert rel(aom, 1.5e-3, 0.05)
    assert rel(length, 0.22, 0.05)  # Eq. 111
    # Eq. 113: 0.22 m / 3e5 m/s = 7.33e-7 s, printed rounded to 7e-7 (the unrounded 0.2211 m gives
    # 7.37e-7, 5.3 % above the printed digit: the ±5 % applies to the arithmetic, not to the rounding)
    assert rel(t, 0.22 / 3e5, 0.05)
    assert within_factor(t, 7e-7, 2)
    # self-consistent R (1.11 nm) gives 1.3e-3 m^2/kg (digest §8 item 3)
    assert rel(model.area_over_mass, 1.3e-3, 0.02)


def test_t25_stone_stopping_minimal_pearl():
    aom = math.pi * (3.1e-9) ** 2 / 6.5e-14
    length = pp.stopping_length_m(aom, 3000.0)  # Eq. 112
    assert rel(aom, 4.6e-4, 0.05)
    assert rel(length, 0.72, 0.05)
    assert rel(pp.stopping_time_s(length, 300.0), 2.4e-6, 0.05)  # Eq. 114


def test_t27_air_stopping_time():
    assert rel(pp.air_stopping_time_s(7000.0, 300.0), 0.023, 0.05)  # Eqs. 94-95


def test_t28_air_suppression():
    s = pp.suppression(pp.air_stopping_time_s(7000.0, 300.0), pp.PAPER_PASSAGE_TIME_S)  # Eqs. 97-99
    assert rel(s, 7.7e-10, 0.05)
    assert within_factor(s, 7.7e-10, 2) and within_factor(s, 6e-10, 2)  # printed 6e-10 (digest §8 item 7)
    # mass-independent (the paper's remark after Eq. 99)
    reports = [pp.paper_report(pp.paper_model(mass_kg=m)) for m in (1e-15, 1e-13)]
    assert reports[0]["suppression"]["air"] == reports[1]["suppression"]["air"]


def test_t29_stone_suppression():
    times = [pp.stopping_time_s(pp.stopping_length_m(math.pi * r**2 / m, 3000.0), 300.0)
             for m, r in ((3e-15, 1.2e-9), (6.5e-14, 3.1e-9))]
    supp = [pp.suppression(t, pp.PAPER_PASSAGE_TIME_S) for t in times]
    for s in supp:
        assert within_factor(s, 6e-14, 3)
        assert 2e-14 <= s <= 8.1e-14


def test_t30_dama_rate_and_power():
    s_m = pp.modulated_rate_cpd_kg(0.0103, 4.0)
    assert rel(s_m, 0.041, 0.05)
    assert rel(pp.deposited_power_w_kg(s_m, 3.5), 2.7e-22, 0.05)


def test_t31_dama_suppression():
    s = pp.suppression_from_rate(pp.modulated_rate_cpd_kg(0.0103, 4.0), 1.7e-12, 3.5)  # Eqs. 100-102
    assert rel(s, 1.6e-10, 0.05)
    assert rel(pp.deposited_power_w_kg(0.041, 3.5) / 1.7e-12, 1.6e-10, 0.05)


def test_t32_xenon_rate_and_ratio():
    xe = pp.per_year_tonne_to_cpd_kg(16.0)
    assert rel(xe, 4.4e-5, 0.10)
    assert rel(0.0103 / xe, 235.0, 0.10) and rel(0.0103 / xe, 250.0, 0.10)


def test_t33_xenon_suppression():
    s_dama = pp.suppression_from_rate(pp.modulated_rate_cpd_kg(0.0103, 4.0), 1.7e-12, 3.5)
    s_xe = s_dama / 250.0  # Eq. 103
    assert rel(s_xe, 6.4e-13, 0.10) and rel(s_xe, 6e-13, 0.10)
    report = pp.paper_report(pp.paper_model(), rho_dm_gev_cm3=0.3)
    assert rel(report["rates"]["suppression_xenon"], 6.4e-13, 0.10)


def test_t34_predicted_rates():
    assert rel(pp.rate_cpd_kg(1.7e-12, 6e-10, 3.5), 0.16, 0.05)  # air
    assert rel(pp.rate_cpd_kg(1.7e-12, 6e-14, 3.5), 1.6e-5, 0.05)  # stone


def test_t35_predicted_over_measured():
    ratio = pp.rate_cpd_kg(1.7e-12, 6e-10, 3.5) / pp.modulated_rate_cpd_kg(0.0103, 4.0)
    assert within_factor(ratio, 4.0, 10)
    # the engine's own chain (suppression 7.8e-10, P_dep from rho_DM) stays inside the same factor
    assert within_factor(pp.paper_report(pp.paper_model())["rates"]["predicted_over_measured_air"], 4.0, 10)


def test_t36_power_to_deposit():
    assert rel(pp.power_to_deposit_w_kg(0.3, 300.0, 1400.0, 3000.0), 1.7e-12, 0.10)


def test_t39_collision_energies():
    e_e = pp.kinetic_energy_ev(0.51099895, 300.0)  # Eq. 115 with CODATA m_e, c
    assert rel(e_e, 0.25, 0.05)
    assert pp.kinetic_energy_ev(0.5, 300.0, c_km_s=3e5) == pytest.approx(0.25, rel=1e-12)  # the paper's rounding
    e_si = pp.paper_report(pp.paper_model())["energies"]["si_ev"]
    assert within_factor(e_si, 10e3, 1.5) and rel(e_si, 13e3, 0.05)


def test_t40_tycho():
    printed = pp.PRINTED
    assert rel(printed["tycho_predicted"].value / printed["tycho_observed"].value, 0.14, 0.10)
    # the engine's prediction from the paper's 1% alpha sigma/M|_nuclear = 8e-4 cm^2/kg
    sm_nuclear = 8e-4 / (0.01 * ALPHA)
    pred = pp.tycho_predicted_flux(2.2e-5, 5.6e-3, sm_nuclear)
    assert rel(pred, 3e-6, 0.10)
    assert rel(pred / 2.2e-5, 0.14, 0.10)
    # independent check [external r0 = 1.2 fm]: a free carbon nucleus gives 1% alpha sigma/M = 8.7e-4
    assert rel(0.01 * ALPHA * pp.nuclear_sigma_over_m_cm2_kg(12.0, 1.2), 8e-4, 0.10)


def test_t41_line_intensity_row():
    report = pp.paper_report(pp.paper_model())
    # the 0.5 MeV^-1 "th" value is 2/p_f with p_f from E_H = 3.5 keV through Eq. 2; 0.6 is the fit
    assert rel(report["line"]["xi_over_dv_th_per_mev"], 0.5, 0.02)
    assert rel(pp.paper_report(PearlModel.from_xi_over_dv(0.6))["line"]["xi_over_dv_exp_per_mev"], 0.6, 1e-12)
    # N sigma/M^2 needs refs. [12, 13]; only the printed ratio th/exp is checked
    assert report["line"]["intensity_ratio_printed"] == pytest.approx(0.36, rel=1e-12)


def test_t42_hardening_factors():
    assert pp.contraction_from_energies(3500.0, 3.5) == pytest.approx(1000.0, rel=1e-12)  # Eq. 19
    assert pp.modulus_hardening(1000.0) == pytest.approx(1e12, rel=1e-12)
    assert 464.0**3 == pytest.approx(1e8, rel=2e-3)
    assert pp.modulus_hardening(464.0) == pytest.approx(4.6e10, rel=1e-2)  # printed "5e10"
    assert pp.HARDENING["400^4"] == pytest.approx(2.56e10, rel=1e-12)  # printed "2.5e10"
    assert rel(pp.max_contraction(RHO_B, 5e3), 464.0, 0.02)  # (1.04e8)^(1/3) = 470


def test_t43_event_energy():
    e = pp.paper_report(pp.paper_model())["energies"]["per_decay_kev"]
    assert abs(e - 3.4) <= 0.3 and abs(e - 3.7) <= 0.3  # DAMA and Xenon1T mean energies (Table 1 row 6)

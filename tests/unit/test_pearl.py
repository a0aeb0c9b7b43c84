"""Seed 000 pearls: input errors and conventions of mcdm.physics.pearl, pearl_sidm and pearl_paper."""
import dataclasses
import math

import numpy as np
import pytest

from mcdm.errors import ConfigError
from mcdm.physics import pearl_paper as pp
from mcdm.physics import pearl_sidm as sidm
from mcdm.physics.pearl import (CM2_G_PER_M2_KG, SIGMA_CONVENTIONS, PearlModel, fermi_momentum_from_gap_kev,
                                fermi_momentum_from_xi, homolumo_gap_kev, kg_to_gev, mass_from_radius,
                                radius_from_mass, xi_over_dv)


# ---------------------------------------------------------------------- PearlModel
@pytest.mark.parametrize("kwargs, match", [
    ({"mass_kg": 3e-15, "radius_m": 1e-9}, "exactly one"),
    ({"mass_kg": None}, "exactly one"),
    ({"mass_kg": -1.0}, "mass_kg"),
    ({"p_f_mev": float("nan")}, "p_f_mev"),
    ({"k_solid": 0.0}, "k_solid"),
    ({"eta_lxe_pa_s": "thick"}, "eta_lxe_pa_s"),
    ({"modulated_fraction": 1.5}, "modulated_fraction"),
    ({"v_exc_km_s": -1.0}, "v_exc_km_s"),
    ({"sigma_convention": "eq7"}, "sigma_convention"),
    ({"dust_stripping": "rock"}, "dust_stripping"),
])
def test_model_rejects_bad_inputs(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        PearlModel(**kwargs)


def test_model_is_frozen_and_replaceable():
    m = PearlModel()
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.mass_kg = 1.0
    assert dataclasses.replace(m, k_solid=2500.0).terminal_velocity_solid() == pytest.approx(
        m.terminal_velocity_solid() / 10.0, rel=1e-12)


def test_sigma_conventions():
    """Eq. 6 (2 r)^2, Eq. 30 4 pi r^2, Eq. 116 pi r^2 (digest §8 item 2); M scales with sigma."""
    r = 1e-7
    sig = {c: PearlModel(sigma_convention=c).dust_cross_section for c in SIGMA_CONVENTIONS}
    assert sig["eq6"] == pytest.approx(4 * r * r)
    assert sig["eq30"] == pytest.approx(4 * math.pi * r * r)
    assert sig["eq116"] == pytest.approx(math.pi * r * r)
    assert PearlModel(sigma_convention="eq30").mass_from_dust / PearlModel().mass_from_dust == pytest.approx(math.pi)


def test_mass_radius_round_trip_and_units():
    m = PearlModel(rho_b_kg_m3=5.2e11)
    r_model = PearlModel(rho_b_kg_m3=5.2e11, mass_kg=None, radius_m=m.radius)
    assert r_model.mass == pytest.approx(3e-15, rel=1e-12)
    assert radius_from_mass(mass_from_radius(2e-9, 5e11), 5e11) == pytest.approx(2e-9, rel=1e-12)
    assert m.volume == pytest.approx(4 * math.pi / 3 * m.radius**3, rel=1e-12)
    assert m.area_over_mass * m.stopping_column == pytest.approx(1.0)
    assert m.r2_over_m == pytest.approx(m.radius**2 / m.mass)
    assert kg_to_gev(1.78266192e-27) == pytest.approx(1.0, rel=1e-6)
    assert m.mass_gev == pytest.approx(kg_to_gev(3e-15))
    assert m.n_nucleons == pytest.approx(3e-15 / 1.675e-27)
    assert 1.0 * CM2_G_PER_M2_KG == 10.0  # 15 m^2/kg = 150 cm^2/g (Eq. 5)


def test_fermi_momentum_handles():
    assert PearlModel.from_xi_over_dv(0.6).p_f_mev == pytest.approx(2 / 0.6)
    gap = PearlModel.from_homolumo_gap(3.5)
    assert gap.homolumo_gap_from_pf_kev == pytest.approx(3.5, rel=1e-12) and gap.e_h_kev == 3.5
    assert homolumo_gap_kev(fermi_momentum_from_gap_kev(2.0)) == pytest.approx(2.0)
    assert PearlModel(p_f_mev=4.0).xi_over_dv == pytest.approx(0.5)
    assert PearlModel().electron_density == pytest.approx(1.58e38, rel=0.01)  # digest §1.4
    for bad in (lambda: fermi_momentum_from_xi(0.0), lambda: xi_over_dv(-5, 2.5),
                lambda: fermi_momentum_from_gap_kev(-1)):
        with pytest.raises(ConfigError):
            bad()


def test_dust_derived_quantities():
    m = PearlModel(hardening=400.0**4)
    assert PearlModel().four_r_dust_e == pytest.approx(400.0)  # Eq. 48
    assert m.four_r_dust_e == pytest.approx(400.0 * 400.0**4)
    assert m.v0_from_dust_km_s == pytest.approx(sidm.v0_km_s(m.four_r_dust_e, m.mass, m.radius), rel=1e-12)
    assert m.sigma_over_m(0.0) == pytest.approx(15.0) and m.sigma_over_m(300.0) == 0.0
    assert m.sigma_over_m(300.0, form="exact") > 0.0


def test_passage_time_rejects_negative_depth():
    with pytest.raises(ConfigError, match="depth_m"):
        PearlModel().passage_time(-1.0)
    with pytest.raises(ConfigError, match="eta_pa_s"):
        PearlModel().terminal_velocity_liquid(eta_pa_s=0.0)


# ---------------------------------------------------------------------- pearl_sidm
def test_sigma_forms_and_errors():
    v = np.linspace(0.0, 500.0, 51)
    lin, ex = sidm.sigma_over_m(v, 150.0, 220.0, "linear"), sidm.sigma_over_m(v, 150.0, 220.0, "exact")
    assert isinstance(lin, np.ndarray) and isinstance(sidm.sigma_over_m(10.0, 150.0, 220.0), float)
    assert np.all(ex >= lin) and np.all(np.diff(ex) < 0)  # sqrt(1+u^2) - u >= 1 - u, decreasing
    small = 1e-3 * 220.0
    assert sidm.sigma_over_m_exact(small, 1.0, 220.0) == pytest.approx(sidm.sigma_over_m_linear(small, 1.0, 220.0),
                                                                        rel=1e-5)
    with pytest.raises(ConfigError, match="form"):
        sidm.sigma_over_m(1.0, 150.0, 220.0, "quadratic")
    with pytest.raises(ConfigError, match="speeds"):
        sidm.sigma_over_m_linear(-1.0, 150.0, 220.0)
    with pytest.raises(ConfigError, match="v0"):
        sidm.sigma_over_m_exact(1.0, 150.0, 0.0)
    with pytest.raises(ConfigError, match="below"):
        sidm.v0_from_point(50.0, 200.0, 150.0)


def test_impact_parameter_limits():
    assert sidm.impact_parameter_m(0.0, 1e-7, 220.0) == pytest.approx(2e-7)  # b -> 2 r_dust (Eq. 29)
    b = sidm.impact_parameter_m(100.0, 1e-7, 220.0)
    assert math.pi * b**2 / (math.pi * 4e-14) == pytest.approx(sidm.sigma_over_m_exact(100.0, 1.0, 220.0))


def test_cube_relation_round_trip():
    f = sidm.four_r_dust_e_from_v0(150.0, 4e-15, 5e11)
    assert sidm.mass_from_four_r_dust_e(f, 150.0, 5e11) == pytest.approx(4e-15, rel=1e-12)
    assert sidm.v0_from_four_r_dust_e_km_s(f, 4e-15, 5e11) == pytest.approx(150.0, rel=1e-12)


@pytest.mark.parametrize("form", sidm.SIDM_FORMS)
def test_fit_recovers_both_parameters(form):
    v = np.array([10.0, 25.0, 40.0, 60.0, 90.0, 130.0])
    truth = sidm.sigma_over_m(v, 300.0, 180.0, form)
    pts = [sidm.SidmPoint(x, 0.95 * y, 1.05 * y) for x, y in zip(v, truth)]
    fit = sidm.fit_sigma_over_m(pts, form, start=(100.0, 300.0))
    assert fit.valid and fit.ndof == 4 and fit.chi2 < 1e-8
    assert fit.sigma_over_m0 == pytest.approx(300.0, rel=1e-4) and fit.v0_km_s == pytest.approx(180.0, rel=1e-4)
    assert fit.sigma_over_m0_err > 0 and fit.v0_km_s_err > 0
    assert fit.curve(50.0) == pytest.approx(sidm.sigma_over_m(50.0, 300.0, 180.0, form), rel=1e-4)


def test_fit_single_point_matches_analytic_inverse():
    for form, v, s in (("linear", 100.0, 15.3), ("exact", 100.0, 27.7), ("exact", 35.0, 79.6)):
        fit = sidm.fit_sigma_over_m([sidm.SidmPoint(v, s, s)], form, sigma_over_m0=150.0)
        assert fit.v0_km_s == pytest.approx(sidm.v0_from_point(v, s, 150.0, form), rel=1e-4)
    fixed_v0 = sidm.fit_sigma_over_m([sidm.SidmPoint(35.0, 75.0, 75.0)], v0=220.0)
    assert fixed_v0.sigma_over_m0 == pytest.approx(150.0, rel=2e-3) and fixed_v0.v0_km_s_err == 0.0


def test_fit_input_errors():
    p = sidm.SidmPoint(30.0, 40.0, 50.0)
    with pytest.raises(ConfigError, match="nothing to fit"):
        sidm.fit_sigma_over_m([p], sigma_over_m0=150.0, v0=220.0)
    with pytest.raises(ConfigError, match="cannot fix"):
        sidm.fit_sigma_over_m([p])
    with pytest.raises(ConfigError, match="non-empty"):
        sidm.fit_sigma_over_m([])
    with pytest.raises(ConfigError, match="form"):
        sidm.fit_sigma_over_m([p, p], "cubic")
    with pytest.raises(ConfigError, match="below"):
        sidm.SidmPoint(30.0, 50.0, 40.0)
    with pytest.raises(ConfigError, match="v_km_s"):
        sidm.SidmPoint(0.0, 40.0, 50.0)


def test_correa_table_and_points():
    assert len(sidm.CORREA_TABLE2) == 9
    assert {d.name: (d.sigma_lo_cm2_g, d.sigma_hi_cm2_g) for d in sidm.CORREA_TABLE2}["LeoII"] == (90.0, 150.0)
    est = sidm.estimated_correa_velocities()
    assert all(5.0 < v < 80.0 for v in est.values())  # dwarf-galaxy collision speeds
    pts = sidm.correa_points(est)
    assert [p.label for p in pts] == [d.name for d in sidm.CORREA_TABLE2]
    with pytest.raises(ConfigError, match="missing"):
        sidm.correa_points({"UM": 20.0})
    with pytest.raises(ConfigError, match="unknown"):
        sidm.correa_points({**est, "Andromeda": 200.0})


# ---------------------------------------------------------------------- pearl_paper
def test_paper_report_inputs():
    with pytest.raises(ConfigError, match="unknown paper_report inputs"):
        pp.paper_report(pp.paper_model(), depth=1400.0)
    with pytest.raises(ConfigError, match="PearlModel"):
        pp.paper_report({"mass_kg": 3e-15})
    with pytest.raises(ConfigError, match="depth_m"):
        pp.paper_report(pp.paper_model(), depth_m=-5.0)


def test_paper_report_conventions():
    model = pp.paper_model()
    rep = pp.paper_report(model)
    assert rep["model"]["rho_b"] == 5.2e11 and rep["suppression"]["passage_time_s"] == 3e7
    # passage_time_s=None: the model's own sinking time through depth_m of solid
    own = pp.paper_report(model, passage_time_s=None)
    assert own["suppression"]["passage_time_s"] == pytest.approx(model.passage_time(1400.0))
    # the 10% correction is k_solid / f_mod (250 / 0.1 = 2500, §4.3.1)
    assert rep["sinking"]["k_solid_corrected"] == pytest.approx(2500.0)
    f_mod_1 = pp.paper_report(pp.paper_model(modulated_fraction=1.0))
    assert f_mod_1["sinking"]["radius_year_corrected_m"] == pytest.approx(f_mod_1["sinking"]["radius_year_m"])
    # stone stopping length scales as M/R^2 ~ M^(1/3)
    big = pp.paper_report(pp.paper_model(mass_kg=8 * 3e-15))
    ratio = big["stopping"]["stone"]["model"]["length_m"] / rep["stopping"]["stone"]["model"]["length_m"]
    assert ratio == pytest.approx(2.0, rel=1e-12)
    # rates are linear in rho_DM
    assert pp.paper_report(model, rho_dm_gev_cm3=0.6)["rates"]["air_cpd_kg"] == pytest.approx(
        2 * rep["rates"]["air_cpd_kg"])


def test_tables_have_every_row():
    rep = pp.paper_report(pp.paper_model())
    t1, t2 = pp.table1_rows(rep), pp.table2_rows(rep)
    assert len(t1) == 27 and {r["row"] for r in t1} == {"1", "2", "3", "4", "5", "6"}
    for r in t1:
        assert (r["engine"] is None) == (r["engine_over_printed"] is None)
        assert r["engine"] is None or r["engine_over_printed"] == pytest.approx(r["engine"] / r["printed"])
    assert [r["engine"] is None for r in t1].count(True) == 2  # only the N sigma/M^2 intensities (refs. [12, 13])
    assert len(t2) == 6 and all(r["r_engine_m"] > 0 and r["m_engine_kg"] > 0 for r in t2)


@pytest.mark.parametrize("call", [
    lambda: pp.suppression(0.0, 3e7),
    lambda: pp.stopping_length_m(-1.0, 3000.0),
    lambda: pp.power_to_deposit_w_kg(rho_dm_gev_cm3=float("inf")),
    lambda: pp.dust_to_gas_ratio(0.0),
    lambda: pp.minimum_radius_m(1400.0, 0.0, 5.2e11, 1e-4, 250.0),
    lambda: pp.tycho_predicted_flux(2.2e-5, 0.0, 11.0),
    lambda: pp.kinetic_energy_ev(0.511, "fast"),
    lambda: sidm.sigma_over_m_linear(10.0, "big", 220.0),
])
def test_paper_functions_reject_bad_inputs(call):
    with pytest.raises(ConfigError):
        call()

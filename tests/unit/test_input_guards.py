"""Regression tests of the input guards and numerical guards found by the fuzz tests (tests/fuzz/).

Each case was a bare numpy/Python error, a RuntimeWarning or a silent NaN/inf before; now it is a
ConfigError naming the parameter, or a correct finite value, or zeros with a PhysicsWarning.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.analysis import harmonic, likelihood, onoff
from mcdm.analysis.binning import phase_fold
from mcdm.errors import ConfigError, PhysicsWarning
from mcdm.physics import cross_section as cs
from mcdm.physics import kinematics as kin
from mcdm.physics.midm import MagneticInelasticDM, coupling_for_decay_length
from mcdm.physics.nuclear import response_for
from mcdm.source.earth_velocity import earth_velocity
from mcdm.source.halo import StandardHaloModel
from mcdm.source.importance import LabIsotropicMixture
from mcdm.synthesis import energy_resolution_sigma, synthesize_catalog
from mcdm.tally import Tally, time_axis

HALO = StandardHaloModel()
MODEL = MagneticInelasticDM(m_chi=1000.0, delta=15e-6, g_M=2e-3)


@pytest.mark.parametrize(("call", "needle"), [
    (lambda: StandardHaloModel(rho_chi=10**400), "rho_chi"),
    (lambda: StandardHaloModel(v0=1e-300, v_esc=1.0), "v0"),
    (lambda: StandardHaloModel(v0=220.0, v_esc=1e6), "v_esc"),
    (lambda: HALO.speed_pdf(np.nan), "v"),
    (lambda: HALO.speed_pdf("fast"), "v"),
    (lambda: HALO.lab_speed_pdf(300.0, 1e300), "u_E"),
    (lambda: HALO.flux(5e-324, 232.0), "m_chi"),
    (lambda: HALO.sample(10**12, np.random.default_rng(0)), "n"),
    (lambda: earth_velocity("2000-01-01", v_lsr=[1e300, 0, 0]), "v_lsr"),
    (lambda: earth_velocity("2000-01-01", v_pec=[0, 0, 10**400]), "v_pec"),
    (lambda: LabIsotropicMixture(HALO, None), "boost"),
    (lambda: LabIsotropicMixture(HALO, (0, 0, 0), v_min=math.nan), "v_min"),
    (lambda: LabIsotropicMixture(HALO, (0, 0, 0)).sample(-1, np.random.default_rng(0)), "n"),
    (lambda: LabIsotropicMixture(HALO, (2e5, 2e5, 2e5)), "boost"),
    (lambda: earth_velocity(1 + 2j), "times"),
])
def test_source_guards(call, needle):
    with pytest.raises(ConfigError, match=needle):
        call()


def test_lab_speed_pdf_is_finite_for_a_cold_halo():
    """v0 << speeds: the old 2 e^{-(v²+u²)/v0²} sinh(2vu/v0²) form gave 0 x inf = NaN at v = u."""
    cold = StandardHaloModel(v0=10.0, v_esc=600.0)
    pdf = cold.lab_speed_pdf(np.array([400.0, 500.0, 600.0]), 500.0)
    assert np.all(np.isfinite(pdf))
    # a narrow Maxwellian boosted by u (N = π^{3/2} v0³): p(v) = v / (u √π v0) e^{-(v-u)²/v0²}
    expected = [0.8 * math.exp(-100.0), 1.0, 1.2 * math.exp(-100.0)]
    assert pdf == pytest.approx(np.array(expected) / (math.sqrt(math.pi) * 10.0), rel=1e-9)


def test_speed_cdf_and_eta_are_never_negative():
    assert HALO.speed_cdf(1e-3) >= 0.0
    assert StandardHaloModel(v0=1.0, v_esc=11.125).eta(12.0, 0.0) == 0.0  # was -3e-70


def test_static_mean_speed_is_the_closed_form():
    """<v> = 2π v0⁴/N [1 - (1 + z²) e^{-z²}]; quad warned (IntegrationWarning) for a cold halo."""
    cold = StandardHaloModel(v0=0.1, v_esc=0.3)
    z = 3.0
    expected = 2.0 * math.pi * 0.1**4 / cold.norm * (1.0 - (1.0 + z * z) * math.exp(-z * z))
    assert cold.mean_speed(2.2e-16) == pytest.approx(expected, rel=1e-13)
    assert HALO.mean_speed(0.0) == pytest.approx(HALO.mean_speed(1e-3), rel=1e-8)


@pytest.mark.parametrize(("call", "needle"), [
    (lambda: MagneticInelasticDM(m_chi=10**400, delta=1e-5, g_M=1.0), "m_chi"),
    (lambda: MagneticInelasticDM(m_chi=1.0, delta=1e-100, g_M=1e-300), "g_M"),
    (lambda: MODEL.eft_coefficients(1e-320), "q2"),
    (lambda: MODEL.eft_coefficients(0.0), "q2"),
    (lambda: coupling_for_decay_length(1.0, 1000.0, 15e-6, 0.0), "v_km_s"),
    (lambda: kin.reduced_mass(-1.0, 25.0), "m_chi"),
    (lambda: kin.threshold_speed_km_s(1000.0, None, 15e-6), "m_nucleus"),
    (lambda: kin.max_delta(1000.0, 25.0, math.inf), "v_max_km_s"),
    (lambda: kin.lab_speeds([300.0, 400.0], [0.1, 0.2, 0.3], 1000.0, 25.0, 15e-6), "v"),
    (lambda: kin.lab_speeds(300.0, 1.5, 1000.0, 25.0, 15e-6), "cos_lab"),
    (lambda: kin.nucleus_mass(10**400), "mass number"),
    (lambda: kin.require_kinematic_reach(1000.0, 15e-6, [], 800.0), "nuclei"),
    (lambda: response_for("Al27").W("M", 0, 0, q=math.nan), "q"),
    (lambda: response_for("Al27").W("M", 2, 0, y=1.0), "tau"),
    (lambda: cs.v_min_km_s(MODEL, "Al27", 0.0), "e_r_kev"),
    (lambda: cs.dsigma_dcos_cm(MODEL, "Al27", "fast", 0.5), "v_km_s"),
    (lambda: cs.dsigma_dcos_cm(MODEL, 27, 500.0, 0.5), "response"),
    (lambda: cs.differential_rate_per_target(MODEL, "Al27", 10.0, HALO, 232.0, n_nodes=0), "n_nodes"),
])
def test_physics_guards(call, needle):
    with pytest.raises(ConfigError, match=needle):
        call()


def test_kinematics_below_threshold_is_nan_without_warnings():
    """Documented NaN for a branch that does not exist, and no 'invalid value' RuntimeWarning."""
    for fn in (kin.cos_cm_pm, kin.jacobian_pm):
        plus, minus = fn(1e-300, 0.0, 1.0, 1.0, 0.0078125)
        assert math.isnan(plus) and math.isnan(minus)


def test_responses_vanish_at_huge_momentum_transfer():
    r = response_for("Al27")
    assert r.W("M", 0, 0, y=np.array([1e3, 1e300])).tolist() == [0.0, 0.0]
    # the kernel's polynomial in y overflowed to inf x 0 = NaN at q = 1e30 GeV
    light = MagneticInelasticDM(m_chi=1.0, delta=0.0078125, g_M=1.0)
    assert cs.matrix_element_sq(light, "Fe56", np.array([10.0, 1e30]), 0.0).tolist() == [0.0, 0.0]


def test_closed_kinematic_window_gives_zeros_and_a_physics_warning():
    """delta = 1 MeV is above every threshold of 27Al at v_esc + u_E: zeros, not NaN or an error."""
    heavy = MagneticInelasticDM(m_chi=1000.0, delta=1e-3, g_M=2e-3)
    with pytest.warns(PhysicsWarning, match="kinematically open"):
        rate = cs.differential_rate_per_target(heavy, "Al27", np.array([10.0, 50.0]), HALO, 232.0)
    assert rate.tolist() == [0.0, 0.0]


def _rate(values):
    t = Tally(time_axis(51544.0 + np.arange(len(values) + 1) / len(values)), quantity="rate", unit="s^-1")
    t.histogram.view()["value"] = values
    return t


@pytest.mark.parametrize(("call", "needle"), [
    (lambda: synthesize_catalog(_rate(np.full(4, 1e3)), 1e10, np.random.default_rng(0), 15.0,
                                detector="LNGS"), "live_time_s"),
    (lambda: synthesize_catalog(_rate(np.full(4, 1e300)), 1e10, np.random.default_rng(0), 15.0,
                                detector="LNGS"), "live_time_s"),
    (lambda: synthesize_catalog(_rate(np.ones(4)), 10**400, np.random.default_rng(0), 15.0,
                                detector="LNGS"), "live_time_s"),
    (lambda: energy_resolution_sigma(object()), "energy_keV"),
    (lambda: energy_resolution_sigma(1e300, 0.1, 1e300), "reference_keV"),
])
def test_synthesis_guards(call, needle):
    with pytest.raises(ConfigError, match=needle):
        call()


def test_zero_rate_catalog_warns_and_has_no_signal():
    with pytest.warns(PhysicsWarning, match="0 in every bin"):
        cat = synthesize_catalog(_rate(np.zeros(4)), 86400.0, np.random.default_rng(0), 15.0,
                                 detector="LNGS")
    assert len(cat) == 0


@pytest.mark.parametrize(("call", "needle"), [
    (lambda: onoff.paper_onoff("flat", 1.0), "rate_per_day"),
    (lambda: onoff.li_ma(1e-30, 1.0, alpha=5e-324), "alpha"),
    (lambda: onoff.li_ma(1.0, 1.0, alpha=10**400), "alpha"),
    (lambda: onoff.fold_counts([], [51544.0, -math.inf]), "edges_mjd"),
    (lambda: likelihood.ModulationLikelihood.from_rates([], 1.0), "signal_rate_per_day"),
    (lambda: likelihood.ModulationLikelihood([1.3e-260], [0.0], float_background=False), "signal_counts"),
    (lambda: likelihood.ModulationLikelihood([1.0, 2.0], [1.0, 1.0]).asimov_upper_limit(10**400), "cl"),
    (lambda: phase_fold(object(), 1.0, 4), "times"),
    (lambda: phase_fold([0.0, 1.0], 5e-324, 1), "period_days"),
    (lambda: harmonic.fit_harmonic([0.0, 1.0], [5.0], 1.0, 2.0), "counts"),  # 1 bin, 3 parameters
    (lambda: harmonic.fit_harmonic([0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0], 1.0, 1.0), "period_days"),
])
def test_analysis_guards(call, needle):
    with pytest.raises(ConfigError, match=needle):
        call()


def test_tiny_background_gives_the_documented_infinite_z_without_warnings():
    lik = likelihood.ModulationLikelihood([0, 0, 0, 0, 1.0, 0], [0, 0, 0, 0, 5e-324, 0], float_background=False)
    assert lik.asimov_z(1.0) == math.inf

"""Tests of mcdm.physics.kinematics: lab kinematics of the upscatter chi + N -> chi_2 + N (seed 004).

Reference numbers come from digest 004 §2.5 (kinematic reach table) and §2.10 (typical values),
which the digest derived with m_N = 0.93149 A GeV (the "seed004_code" convention, used here for
those comparisons); the lab formulas are checked against the kernel CM -> lab map, an independent
route (numerical angles, speeds and derivatives of the map).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.constants import AMU_GEV, C_KM_S
from mcdm.errors import ConfigError
from mcdm.geometry.library import load_nuclides
from mcdm.kernels.kinematics import lab_velocity_out
from mcdm.physics.kinematics import (
    cos_cm_pm,
    jacobian_pm,
    kinematic_closure,
    lab_speeds,
    max_delta,
    nucleus_mass,
    recoil_energies_pm,
    recoil_energy_eq34,
    require_kinematic_reach,
    theta_lab_max,
    threshold_speed_km_s,
)

TABLE2 = ["Mg24", "Mg25", "Al27", "Si29", "Fe56"]
M_CHI = 1000.0
AL = nucleus_mass("Al27", "seed004_code")
FE = nucleus_mass("Fe56", "seed004_code")


def test_nucleus_mass_conventions():
    """codata: the table's atomic mass (26.98153853 u for 27Al); seed004_code: 0.93149 A GeV (digest 004 §4)."""
    assert nucleus_mass("Al27") == pytest.approx(26.98153853 * AMU_GEV, rel=1e-12)
    assert nucleus_mass("27Al", "seed004_code") == pytest.approx(0.93149 * 27, rel=1e-15)
    assert nucleus_mass(load_nuclides().nuclide("Fe56")) == pytest.approx(55.93493633 * AMU_GEV, rel=1e-12)
    assert nucleus_mass(56, "seed004_code") == pytest.approx(0.93149 * 56, rel=1e-15)
    with pytest.raises(ConfigError, match="nuclide must be"):
        nucleus_mass(3.5)
    with pytest.raises(ConfigError, match="convention"):
        nucleus_mass("Al27", "nope")


def test_threshold_speeds_match_digest_table():
    """v_thr = sqrt(2 delta/mu) at 1 TeV: 27Al 191/332/605/856 and 56Fe 135/233/426/602 km/s at
    delta = 5/15/50/100 keV (digest 004 §2.5 table, +-1 km/s rounding)."""
    d = np.array([5, 15, 50, 100]) * 1e-6
    np.testing.assert_allclose(threshold_speed_km_s(M_CHI, AL, d), [191, 332, 605, 856], atol=1.0)
    np.testing.assert_allclose(threshold_speed_km_s(M_CHI, FE, d), [135, 233, 426, 602], atol=1.0)


def test_kinematic_closure_jan1():
    """|u_E| = 221.3 km/s (2000-01-01), v_esc = 550: delta_max(27Al) ~ 81 keV, (56Fe) ~ 164 keV
    (digest 004 §2.5 / target 7, +-5 keV) with the table's atomic masses; at 100 keV only Fe56 is open
    (the paper's statement)."""
    v_max = 550.0 + 221.3
    limits = kinematic_closure(M_CHI, TABLE2, v_max)
    assert list(limits) == TABLE2
    assert limits["Al27"] * 1e6 == pytest.approx(81.0, abs=5.0)
    assert limits["Fe56"] * 1e6 == pytest.approx(164.0, abs=5.0)
    assert limits["Mg24"] * 1e6 == pytest.approx(72.0, abs=5.0)
    assert require_kinematic_reach(M_CHI, 100e-6, TABLE2, v_max) == ["Fe56"]
    assert require_kinematic_reach(M_CHI, 15e-6, TABLE2, v_max) == TABLE2
    assert max_delta(M_CHI, nucleus_mass("Fe56"), v_max) == pytest.approx(limits["Fe56"], rel=1e-14)


def test_closure_error_lists_every_limit():
    """delta above every limit raises ConfigError naming delta and each isotope's limit (largest first)."""
    with pytest.raises(ConfigError) as err:
        require_kinematic_reach(M_CHI, 200e-6, TABLE2, 771.3)
    msg = str(err.value)
    assert msg.startswith("delta = 200 keV is above the kinematic limit of every isotope: Fe56 164 keV")
    assert "Al27 81 keV" in msg and "771.3 km/s" in msg
    assert kinematic_closure(M_CHI, {"X": 52.0}, 771.3)["X"] == pytest.approx(
        0.5 * (M_CHI * 52 / (M_CHI + 52)) * (771.3 / C_KM_S) ** 2, rel=1e-14)


def test_forward_cone_small_delta():
    """theta_max(delta -> 0) = arcsin(m_N/m_chi): 1.44 deg (27Al), 2.99 deg (56Fe) at 1 TeV
    (digest 004 §2.5 / target 8, +-0.02 deg); pi for light DM (footnote 5); nan below threshold."""
    for m_nuc, ref in ((AL, 1.44), (FE, 2.99)):
        th = math.degrees(theta_lab_max(500.0, M_CHI, m_nuc, 1e-12))
        assert th == pytest.approx(ref, abs=0.02)
        assert th == pytest.approx(math.degrees(math.asin(m_nuc / M_CHI)), rel=1e-4)
    assert theta_lab_max(500.0, 10.0, FE, 1e-6) == math.pi
    assert math.isnan(theta_lab_max(100.0, M_CHI, AL, 15e-6))
    np.testing.assert_array_equal(np.isnan(theta_lab_max([100.0, 500.0], M_CHI, AL, 15e-6)), [True, False])


@pytest.mark.parametrize("m_nuc,d,v,ref", [
    (AL, 15e-6, 500.0, (9.2, 1.08, 496.9, 478.6)),
    (FE, 100e-6, 700.0, (17.7, 1.52, 683.0, 647.6)),
])
def test_typical_values(m_nuc, d, v, ref):
    """Digest 004 §2.10 typical values at 1 TeV: v_out^cm, theta_max [deg], v_pm(theta = 0) [km/s]
    (+-0.05 on the one-decimal speeds, +-0.005 deg on the angle; the tolerance is the rounding)."""
    u_ref, th_ref, vp_ref, vm_ref = ref
    vp, vm = lab_speeds(v, 1.0, M_CHI, m_nuc, d)
    assert math.degrees(theta_lab_max(v, M_CHI, m_nuc, d)) == pytest.approx(th_ref, abs=0.005)
    assert float(vp) == pytest.approx(vp_ref, abs=0.06)
    assert float(vm) == pytest.approx(vm_ref, abs=0.06)
    assert 0.5 * float(vp - vm) == pytest.approx(u_ref, abs=0.06)  # at theta = 0: v_pm = V +- u


def _lab_map(v, cos_cm, m_nuc, d):
    """Lab speed [km/s] and cos(theta_lab) of chi_2 from the kernel, v along (1, 2, 2)/3."""
    vhat = np.array([1.0, 2.0, 2.0]) / 3.0
    w = np.array(lab_velocity_out(*(vhat * v / C_KM_S), cos_cm, 0.7, M_CHI, m_nuc, d)) * C_KM_S
    speed = np.linalg.norm(w)
    return speed, float(w @ vhat / speed)


@pytest.mark.parametrize("m_nuc,d,v", [(AL, 15e-6, 500.0), (FE, 100e-6, 700.0), (AL, 5e-6, 300.0)])
def test_lab_formulas_against_kernel_map(m_nuc, d, v):
    """Eqs. (37)/(39), the CM angles of the two branches and J_pm against the kernel CM -> lab map:
    speeds to 1e-9 relative, cos_cm_pm to 1e-9, and J_pm to 1e-5 against a central difference
    d cos_cm / d cos_lab of the map (digest 004 §2.10)."""
    th_max = theta_lab_max(v, M_CHI, m_nuc, d)
    for cos_cm in np.linspace(-0.95, 0.95, 15):
        speed, cos_lab = _lab_map(v, cos_cm, m_nuc, d)
        assert math.acos(min(cos_lab, 1.0)) <= th_max * (1 + 1e-9)
        vp, vm = lab_speeds(v, cos_lab, M_CHI, m_nuc, d)
        cp, cm = cos_cm_pm(v, cos_lab, M_CHI, m_nuc, d)
        branch = 0 if abs(cp - cos_cm) < abs(cm - cos_cm) else 1
        assert speed == pytest.approx((vp, vm)[branch], rel=1e-9)
        assert (cp, cm)[branch] == pytest.approx(cos_cm, abs=1e-9)
        h = 1e-6
        s1, c1 = _lab_map(v, cos_cm + h, m_nuc, d)
        s0, c0 = _lab_map(v, cos_cm - h, m_nuc, d)
        numeric = 2 * h / (c1 - c0)
        jp, jm = jacobian_pm(v, cos_lab, M_CHI, m_nuc, d)
        assert (jp, jm)[branch] == pytest.approx(numeric, rel=1e-5)


def test_jacobian_integrates_to_the_cm_sphere():
    """int |J_+| + |J_-| d cos_lab over the cone = 2 (the whole CM range of cos_cm), light and heavy
    targets (quadrature; substitution x = cos_max + (1 - cos_max) t^2 removes the caveat singularity), 1e-6."""
    for m_nuc, d, v in ((AL, 15e-6, 500.0), (FE, 100e-6, 700.0)):
        cmax = math.cos(theta_lab_max(v, M_CHI, m_nuc, d))
        t, wt = np.polynomial.legendre.leggauss(200)
        t = 0.5 * (t + 1.0)
        wt = 0.5 * wt
        x = cmax + (1.0 - cmax) * t * t
        jp, jm = jacobian_pm(v, x, M_CHI, m_nuc, d)
        integral = np.sum(wt * (np.abs(jp) + np.abs(jm)) * 2.0 * (1.0 - cmax) * t)
        assert integral == pytest.approx(2.0, rel=1e-6)


def test_branches_outside_cone_and_light_dm():
    """Beyond theta_max both branches are nan; for light DM (m_chi = 10 GeV on 56Fe) only the fast branch exists."""
    th = theta_lab_max(500.0, M_CHI, AL, 15e-6)
    vp, vm = lab_speeds(500.0, math.cos(1.5 * th), M_CHI, AL, 15e-6)
    assert np.isnan(vp) and np.isnan(vm)
    vp, vm = lab_speeds(600.0, [0.9, -0.5], 10.0, FE, 1e-6)
    assert np.all(np.isfinite(vp)) and np.all(np.isnan(vm))
    jp, jm = jacobian_pm(600.0, [0.9, -0.5], 10.0, FE, 1e-6)
    assert np.all(np.isfinite(jp)) and np.all(np.isnan(jm))


def test_recoil_energies_pm_energy_conservation():
    """E_R,pm = m_chi v^2/2 - m_chi2 v_pm^2/2 - delta (the authors' code form, digest 004 §2.10) to 1e-8
    relative, and close to printed Eq. (34) at the same cos_cm (3e-5)."""
    v = np.array([500.0, 650.0, 760.0])
    cos_lab = np.array([1.0, 0.99985, 0.99990])
    d = 15e-6
    ep, em = recoil_energies_pm(v, cos_lab, M_CHI, AL, d)
    vp, vm = lab_speeds(v, cos_lab, M_CHI, AL, d)
    for e, w in ((ep, vp), (em, vm)):
        direct = 0.5 * M_CHI * (v / C_KM_S) ** 2 - 0.5 * (M_CHI + d) * (w / C_KM_S) ** 2 - d
        np.testing.assert_allclose(e, direct, rtol=1e-8)
    cp, cm = cos_cm_pm(v, cos_lab, M_CHI, AL, d)
    np.testing.assert_allclose(ep, recoil_energy_eq34(cp, v, M_CHI, AL, d), rtol=3e-5)
    np.testing.assert_allclose(em, recoil_energy_eq34(cm, v, M_CHI, AL, d), rtol=3e-5)


def test_recoil_range_example():
    """27Al, delta = 15 keV, v = 700 km/s: E_R in [0.9, 231] keV and q in [6.8, 108] MeV (digest 004 §2.5, rounding)."""
    lo = recoil_energy_eq34(1.0, 700.0, M_CHI, AL, 15e-6) * 1e6
    hi = recoil_energy_eq34(-1.0, 700.0, M_CHI, AL, 15e-6) * 1e6
    assert lo == pytest.approx(0.9, abs=0.05) and hi == pytest.approx(231.0, abs=0.5)
    assert math.sqrt(2 * AL * lo * 1e-6) * 1e3 == pytest.approx(6.8, abs=0.05)
    assert math.sqrt(2 * AL * hi * 1e-6) * 1e3 == pytest.approx(108.0, abs=0.5)

"""Kernel tests of mcdm.kernels.midm and mcdm.kernels.kinematics (run compiled and with NUMBA_DISABLE_JIT=1).

References are independent: closed forms written out here from the paper's equations (digest 004
§2.2, §2.3, §2.5, §2.10), the quadratic roots of v_min(q) = v, and energy/momentum conservation
checked on the lab velocities the kernels return.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.kernels.kinematics import (
    cm_speed_out,
    cm_velocity,
    cos_cm_from_q2,
    kinematic_reduced_mass,
    lab_velocity_out,
    momentum_transfer_sq,
    orthonormal_frame,
    q2_range,
    recoil_energy,
    threshold_speed,
)
from mcdm.kernels.midm import decay_width, eft_isospin_coefficients, eft_isospin_coefficients_array, vperp2

C = 299792.458  # km/s
ALPHA = 1.0 / 137.035999
M_CHI = 1000.0
M_AL = 25.133  # ~27Al [GeV]
M_FE = 52.10  # ~56Fe [GeV]
M_N = 0.93956542
G_P, G_N = 5.5856946893, -3.82608545
CASES = [(M_AL, 15e-6, 500.0), (M_AL, 5e-6, 250.0), (M_FE, 100e-6, 700.0), (M_FE, 150e-6, 760.0),
         (52.1, 20e-6, 400.0)]


def _reduced(a, b):
    return a * b / (a + b)


# ---------------------------------------------------------------- midm kernels
def test_decay_width_matches_alpha_form():
    """Eq. (5) with Eq. (4) equals g_M^2 alpha delta^3 / (4 m_chi^2) (digest 004 §2.2), 1e-14 relative."""
    for g, m, d in [(1.0, 1000.0, 1e-6), (2e-3, 1000.0, 15e-6), (0.3, 100.0, 4e-4)]:
        mu_t = g * math.sqrt(4 * math.pi * ALPHA) / (4 * m)
        assert decay_width(mu_t, d) == pytest.approx(g**2 * ALPHA * d**3 / (4 * m**2), rel=1e-14)


def test_eft_coefficients_match_eqs_17_to_22():
    """c_i^{0,1} equal Eqs. (17)-(20) for p (Q=1) and n (Q=0) combined by Eqs. (21)-(22); 1e-14 relative."""
    e_mu = 0.0123
    for q2 in (1e-5, 3.3e-3, 0.05):
        cp = {1: e_mu / (2 * M_CHI), 4: G_P * e_mu / M_N, 5: -2 * e_mu * M_N / q2, 6: -G_P * e_mu * M_N / q2}
        cn = {1: 0.0, 4: G_N * e_mu / M_N, 5: 0.0, 6: -G_N * e_mu * M_N / q2}
        got = eft_isospin_coefficients(q2, e_mu, M_CHI, M_N, G_P, G_N)
        want = []
        for i in (1, 4, 5, 6):
            want += [(cp[i] + cn[i]) / 2, (cp[i] - cn[i]) / 2]
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=0.0)


def test_sigma_double_prime_combination_vanishes():
    """c_4^tau + (q^2/m_N^2) c_6^tau = 0 for all q (digest 004 §2.3, target 5), relative 1e-12 to |c_4|."""
    q2 = np.logspace(-7, 0, 57)
    c = eft_isospin_coefficients_array(q2, 0.02, M_CHI, M_N, G_P, G_N)
    for tau in (0, 1):
        c4, c6 = c[:, 2 + tau], c[:, 6 + tau]
        assert np.all(np.abs(c4 + q2 / M_N**2 * c6) <= 1e-12 * np.abs(c4))


def test_eft_pole_is_nan_not_an_exception():
    """q^2 <= 0 gives nan c_5, c_6 and finite c_1, c_4 (documented; no ZeroDivisionError without JIT)."""
    c = eft_isospin_coefficients(0.0, 0.02, M_CHI, M_N, G_P, G_N)
    assert all(math.isfinite(x) for x in c[:4]) and all(math.isnan(x) for x in c[4:])


def test_vperp2_vanishes_at_the_roots_of_vmin_equal_v():
    """v_min(q) = q/(2mu) + delta/q = v at q = mu v -+ sqrt(mu^2 v^2 - 2 mu delta) (quadratic roots);
    v_perp^2 is 0 there (1e-9 of v^2), positive between, negative outside; q <= 0 gives -inf."""
    for m_nuc, d, v_km in CASES:
        mu, v = _reduced(M_CHI, m_nuc), v_km / C
        root = math.sqrt(mu * mu * v * v - 2 * mu * d)
        lo, hi = mu * v - root, mu * v + root
        assert abs(vperp2(v, lo, mu, d)) < 1e-9 * v * v
        assert abs(vperp2(v, hi, mu, d)) < 1e-9 * v * v
        assert vperp2(v, math.sqrt(lo * hi), mu, d) > 0.0
        assert vperp2(v, 0.5 * lo, mu, d) < 0.0 and vperp2(v, 2 * hi, mu, d) < 0.0
    assert vperp2(1e-3, 0.0, 20.0, 1e-5) == -math.inf


# ---------------------------------------------------------------- kinematics kernels
def test_threshold_and_cm_speed():
    """cm_speed_out equals Eq. (35) as printed to 1e-4 relative (the O(delta/M) difference, amplified
    by mu v^2/(mu v^2 - 2 delta) ~ 17 in the near-threshold Fe case), is 0 (never nan)
    below the exact threshold sqrt(2 delta/mu'), and mu' -> mu as delta -> 0 (digest 004 §2.10)."""
    for m_nuc, d, v_km in CASES:
        mu, v = _reduced(M_CHI, m_nuc), v_km / C
        m2 = M_CHI + d
        printed = math.sqrt(_reduced(m2, m_nuc) / m2**2 * (mu * v * v - 2 * d))
        assert cm_speed_out(v, M_CHI, m_nuc, d) == pytest.approx(printed, rel=1e-4)
        v_thr = threshold_speed(kinematic_reduced_mass(M_CHI, m_nuc, d), d)
        assert threshold_speed(mu, d) == pytest.approx(math.sqrt(2 * d / mu), rel=1e-15)
        assert v_thr == pytest.approx(threshold_speed(mu, d), rel=2 * d / m_nuc)
        assert cm_speed_out(v_thr * (1 - 1e-9), M_CHI, m_nuc, d) == 0.0
        assert cm_speed_out(v_thr * (1 + 1e-6), M_CHI, m_nuc, d) > 0.0
    assert cm_speed_out(0.0, M_CHI, M_AL, 1e-5) == 0.0
    assert kinematic_reduced_mass(M_CHI, M_AL, 0.0) == pytest.approx(_reduced(M_CHI, M_AL), rel=1e-15)


def test_recoil_energy_against_printed_eq34():
    """The exact NR recoil energy agrees with Eq. (34) as printed to 3e-5 relative (O(delta/M))."""
    for m_nuc, d, v_km in CASES:
        mu, v = _reduced(M_CHI, m_nuc), v_km / C
        for c in (1.0, 0.5, 0.0, -0.7, -1.0):
            eq34 = mu**2 * v**2 / m_nuc * (1 - c * math.sqrt(1 - 2 * d / (mu * v * v))) - mu * d / m_nuc
            assert recoil_energy(c, v, M_CHI, m_nuc, d) == pytest.approx(eq34, rel=3e-5)


@pytest.mark.parametrize("m_nuc,d,v_km", CASES)
def test_lab_velocity_conserves_energy_and_momentum(m_nuc, d, v_km):
    """From lab_velocity_out w: E_R(cos_cm) = m v^2/2 - m2 w^2/2 - delta (energy) and
    q^2 = |m v - m2 w|^2 (momentum) to 1e-9 relative, random directions and angles (digest 004 §2.10)."""
    rng = np.random.default_rng(3)
    m2 = M_CHI + d
    for _ in range(200):
        vhat = rng.standard_normal(3)
        vvec = vhat / np.linalg.norm(vhat) * v_km / C
        c, phi = rng.uniform(-1, 1), rng.uniform(0, 2 * math.pi)
        w = np.array(lab_velocity_out(*vvec, c, phi, M_CHI, m_nuc, d))
        e_r = recoil_energy(c, v_km / C, M_CHI, m_nuc, d)
        assert 0.5 * M_CHI * vvec @ vvec - 0.5 * m2 * w @ w - d == pytest.approx(e_r, rel=1e-9)
        qvec = M_CHI * vvec - m2 * w
        assert qvec @ qvec == pytest.approx(momentum_transfer_sq(c, v_km / C, M_CHI, m_nuc, d), rel=1e-9)
        # the chi_2 CM direction has the requested polar angle about v
        rel = w - cm_velocity(v_km / C, M_CHI, m_nuc, d) * vvec / np.linalg.norm(vvec)
        u = cm_speed_out(v_km / C, M_CHI, m_nuc, d)
        assert np.linalg.norm(rel) == pytest.approx(u, rel=1e-12)
        assert rel @ vvec / (u * np.linalg.norm(vvec)) == pytest.approx(c, abs=1e-12)


def test_azimuth_sweeps_a_cone():
    """phi_cm rotates the CM direction about v: phi and phi + pi give opposite transverse parts, and
    phi, phi + pi/2 orthogonal ones (1e-12)."""
    v = np.array([0.3, -0.2, 0.9]) * 2.5e-3  # 750 km/s, above the 602 km/s threshold
    V = cm_velocity(np.linalg.norm(v), M_CHI, M_FE, 1e-4) * v / np.linalg.norm(v)
    t = [np.array(lab_velocity_out(*v, 0.2, p, M_CHI, M_FE, 1e-4)) - V for p in (0.4, 0.4 + math.pi / 2, 0.4 + math.pi)]
    perp = [x - (x @ v) / (v @ v) * v for x in t]
    assert abs(perp[0] @ perp[1]) < 1e-12 * (perp[0] @ perp[0])
    np.testing.assert_allclose(perp[0], -perp[2], atol=1e-12 * np.linalg.norm(perp[0]))


def test_orthonormal_frame_is_stable_everywhere():
    """(e1, e2, n) is right-handed orthonormal to 1e-14 for random n and for n at and near +-z."""
    rng = np.random.default_rng(1)
    dirs = [rng.standard_normal(3) for _ in range(200)]
    dirs += [np.array([0.0, 0.0, 1.0]), np.array([0.0, 0.0, -1.0]), np.array([1e-300, 0.0, -1.0]),
             np.array([1e-9, -1e-9, -1.0]), np.array([0.0, 0.0, -0.0]) + np.array([1.0, 0, 0])]
    for n in dirs:
        n = n / np.linalg.norm(n)
        f = orthonormal_frame(*n)
        e1, e2 = np.array(f[:3]), np.array(f[3:])
        basis = np.array([e1, e2, n])
        np.testing.assert_allclose(basis @ basis.T, np.eye(3), atol=1e-14)
        np.testing.assert_allclose(np.cross(e1, e2), n, atol=1e-14)


def test_q2_range_and_inverse():
    """q2_range is q^2 at cos_cm = +1, -1 and matches the roots mu v -+ sqrt(mu^2 v^2 - 2 mu delta) of
    v_min(q) = v (1e-4, the printed-kinematics difference); cos_cm_from_q2 inverts q^2(cos_cm) to 1e-12."""
    for m_nuc, d, v_km in CASES:
        v = v_km / C
        lo, hi = q2_range(v, M_CHI, m_nuc, d)
        assert lo == pytest.approx(momentum_transfer_sq(1.0, v, M_CHI, m_nuc, d), rel=1e-14)
        assert hi == pytest.approx(momentum_transfer_sq(-1.0, v, M_CHI, m_nuc, d), rel=1e-14)
        mu = _reduced(M_CHI, m_nuc)  # q_min, q_max: roots of v_min(q) = v, to O(delta/M)
        root = math.sqrt(mu * mu * v * v - 2 * mu * d)
        assert math.sqrt(lo) == pytest.approx(mu * v - root, rel=1e-4)
        assert math.sqrt(hi) == pytest.approx(mu * v + root, rel=1e-4)
        for c in np.linspace(-1, 1, 21):
            q2 = momentum_transfer_sq(c, v, M_CHI, m_nuc, d)
            assert cos_cm_from_q2(q2, v, M_CHI, m_nuc, d) == pytest.approx(c, abs=1e-12)
        assert cos_cm_from_q2(0.5 * lo, v, M_CHI, m_nuc, d) == 1.0
        assert cos_cm_from_q2(2.0 * hi, v, M_CHI, m_nuc, d) == -1.0
    assert math.isnan(cos_cm_from_q2(1e-4, 1e-5, M_CHI, M_AL, 1e-4))  # below threshold


def test_q2_min_has_no_cancellation():
    """q2_min = (p_i - p_f)^2 is computed without cancellation: at delta = 1e-18 GeV, where a naive
    p_i - p_f loses ~14 digits, sqrt(q2_min) equals the analytic limit delta/v to 1e-6."""
    v = 600.0 / C
    lo, _ = q2_range(v, M_CHI, M_AL, 1e-18)
    assert math.sqrt(lo) == pytest.approx(1e-18 / v, rel=1e-6)


def test_below_threshold_never_nan():
    """Below threshold the kernels return finite values (u = 0, w = V v_hat, q^2 = p_i^2)."""
    v = 100.0 / C
    assert cm_speed_out(v, M_CHI, M_AL, 1e-4) == 0.0
    w = lab_velocity_out(v, 0.0, 0.0, 0.3, 1.0, M_CHI, M_AL, 1e-4)
    assert all(math.isfinite(x) for x in w)
    assert w[0] == pytest.approx(cm_velocity(v, M_CHI, M_AL, 1e-4), rel=1e-14)
    assert math.isfinite(recoil_energy(0.3, v, M_CHI, M_AL, 1e-4))
    assert lab_velocity_out(0.0, 0.0, 0.0, 0.3, 1.0, M_CHI, M_AL, 1e-4) == (0.0, 0.0, 0.0)


def test_compiled_equals_python():
    """Compiled kernels equal their pure-Python bodies (bitwise up to 1 ulp-scale rounding)."""
    args = (0.3, 500.0 / C, M_CHI, M_AL, 15e-6)
    for fn in (recoil_energy, momentum_transfer_sq):
        py = getattr(fn, "py_func", fn)
        assert fn(*args) == pytest.approx(py(*args), rel=1e-14)
    py = getattr(lab_velocity_out, "py_func", lab_velocity_out)
    a = lab_velocity_out(1e-3, 2e-4, -5e-4, 0.1, 2.0, M_CHI, M_FE, 1e-4)
    b = py(1e-3, 2e-4, -5e-4, 0.1, 2.0, M_CHI, M_FE, 1e-4)
    np.testing.assert_allclose(a, b, rtol=1e-14)

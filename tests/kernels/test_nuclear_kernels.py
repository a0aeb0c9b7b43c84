"""Kernel tests of mcdm.kernels.nuclear; run both compiled and with NUMBA_DISABLE_JIT=1.

References: numpy.polynomial for W = e^{-2y} poly(y); scipy.special.spherical_jn for the Helm form
factor (Lewin & Smith 1996); the scalar kernels themselves for the array loops and for the
NumPy-facing wrappers of mcdm.physics.cross_section.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import spherical_jn

from mcdm.constants import C_KM_S, HBARC_GEV_CM
from mcdm.kernels import nuclear as k
from mcdm.physics import cross_section as cs
from mcdm.physics.midm import MagneticInelasticDM
from mcdm.physics.nuclear import KERNEL_OPERATORS, helm_response, response_for

MODEL = MagneticInelasticDM(m_chi=1000.0, delta=15e-6, g_M=0.01)


def test_hbarc_matches_constants():
    """The literal hbar c of the kernels equals mcdm.constants (CODATA via astropy)."""
    assert k.HBARC_GEV_FM == pytest.approx(HBARC_GEV_CM * 1e13, rel=1e-15)


def test_oscillator_y_and_w_value():
    """y = q^2 b^2/4; w_value = exp(-2y) polyval (numpy.polynomial) to 1e-13."""
    assert k.oscillator_y(0.04, 9.0) == pytest.approx(0.25 * 0.04 * 81.0, rel=1e-15)
    coeffs = np.array([62.4, -160.0, 152.0, -67.0, 14.4, -1.41, 0.0512])
    for y in (0.0, 0.3, 1.7, 4.0):
        ref = math.exp(-2 * y) * np.polynomial.polynomial.polyval(y, coeffs)
        assert k.w_value(coeffs, y) == pytest.approx(ref, rel=1e-13, abs=1e-13)


def test_helm_form_factor_against_scipy():
    """F(q) = 3 j1(q r_n)/(q r_n) exp(-q^2 s^2/2) with scipy's j1; the small-x series is
    continuous with the closed form at the switch x = 0.1."""
    a = 73.0
    c = 1.23 * a ** (1 / 3) - 0.60
    rn = math.sqrt(c * c + 7 / 3 * math.pi**2 * 0.52**2 - 5 * 0.81)
    for q in (1e-3, 4e-3, 0.02, 0.07, 0.2):
        x = q * rn / k.HBARC_GEV_FM
        ref = 3 * spherical_jn(1, x) / x * math.exp(-0.5 * (q * 0.9 / k.HBARC_GEV_FM) ** 2)
        assert k.helm_form_factor(q, a, c, 0.52, 0.9) == pytest.approx(ref, rel=1e-9)
    q_edge = 0.1 * k.HBARC_GEV_FM / rn
    lo = k.helm_form_factor(q_edge * (1 - 1e-13), a, c, 0.52, 0.9)
    hi = k.helm_form_factor(q_edge * (1 + 1e-13), a, c, 0.52, 0.9)
    assert lo == pytest.approx(hi, rel=5e-13)
    assert k.helm_form_factor(0.0, a, c, 0.52, 0.9) == 1.0


@pytest.mark.parametrize("name", ["Mg24", "Al27", "Si29", "Fe56"])
def test_response_w_matches_python_layer(name):
    """Kernel response_w (kind 0) equals NuclearResponse.W for every operator and isospin pair."""
    r = response_for(name)
    coeffs = r.kernel_coefficients()
    for q in (0.005, 0.05, 0.15):
        for op_i, op in enumerate(KERNEL_OPERATORS):
            for t in (0, 1):
                for tp in (0, 1):
                    got = k.response_w(q * q, op_i, t, tp, k.KIND_POLYNOMIAL, coeffs,
                                       r.helm_array(), r.b, r.spin)
                    assert got == pytest.approx(r.W(op, t, tp, q=q), rel=1e-13, abs=1e-300)


def test_response_w_helm():
    """Kind 1: W_M^{tau tau'}(0) = (2j+1)/16pi {A^2, A(Z-N), (Z-N)^2}; spin responses zero."""
    r = helm_response("Ge73", 32, 73, 4.5)
    h, co = r.helm_array(), r.kernel_coefficients()
    norm = 10.0 / (16 * math.pi)
    assert k.response_w(1e-16, k.OP_M, 0, 0, k.KIND_HELM, co, h, r.b, 4.5) == pytest.approx(
        norm * 73**2, rel=1e-12)
    assert k.response_w(1e-16, k.OP_M, 1, 0, k.KIND_HELM, co, h, r.b, 4.5) == pytest.approx(
        norm * 73 * (-9), rel=1e-12)
    assert k.response_w(1e-16, k.OP_M, 1, 1, k.KIND_HELM, co, h, r.b, 4.5) == pytest.approx(
        norm * 81, rel=1e-12)
    for op in (k.OP_SIGMA_P, k.OP_DELTA, k.OP_DELTA_SIGMA_P):
        assert k.response_w(0.01, op, 0, 0, k.KIND_HELM, co, h, r.b, 4.5) == 0.0


def _kernel_args(r):
    return (r.kind_code, r.kernel_coefficients(), r.helm_array(), r.b, r.spin)


@pytest.mark.parametrize("name", ["Al27", "Fe56"])
def test_array_loops_equal_scalar_kernels(name):
    """matrix_element_sq_many / dsigma_dcos_cm_many equal scalar calls bit for bit."""
    r = response_for(name)
    rng = np.random.default_rng(3)
    n = 50
    q2 = rng.uniform(1e-4, 0.02, n)
    vp2 = rng.uniform(0.0, 4e-6, n)
    v = rng.uniform(1e-3, 2.5e-3, n)
    c = rng.normal(size=(n, 6)) * 1e-6
    mu = 1000.0 * r.mass_gev / (1000.0 + r.mass_gev)
    args = _kernel_args(r)
    many = k.matrix_element_sq_many(q2, vp2, c, 0.9396, *args)
    ds = k.dsigma_dcos_cm_many(q2, v, 15e-6, mu, c, 0.9396, *args, k.PREFACTOR_PAPER)
    for i in range(n):
        assert many[i] == k.matrix_element_sq(q2[i], vp2[i], *c[i], 0.9396, *args)
        assert ds[i] == k.dsigma_dcos_cm(q2[i], v[i], 15e-6, mu, *c[i], 0.9396, *args,
                                         k.PREFACTOR_PAPER)


def test_dsigma_threshold_and_prefactor():
    """Zero at mu v^2 <= 2 delta; PREFACTOR_STANDARD is exactly twice PREFACTOR_PAPER; equals
    mu^2/(4 pi) beta |M|^2 with v_perp^2 = v^2 - (q/2mu + delta/q)^2."""
    r = response_for("Al27")
    args = _kernel_args(r)
    mu = 1000.0 * r.mass_gev / (1000.0 + r.mass_gev)
    delta, q2 = 15e-6, 1.5e-3
    c = (1e-7, 1e-7, 2e-6, 3e-6, -1e-4, -1e-4)
    v_thr = math.sqrt(2 * delta / mu)
    assert k.dsigma_dcos_cm(q2, 0.9999 * v_thr, delta, mu, *c, 0.9396, *args, 0) == 0.0
    v = 2.0e-3
    paper = k.dsigma_dcos_cm(q2, v, delta, mu, *c, 0.9396, *args, k.PREFACTOR_PAPER)
    std = k.dsigma_dcos_cm(q2, v, delta, mu, *c, 0.9396, *args, k.PREFACTOR_STANDARD)
    assert std == 2 * paper
    q = math.sqrt(q2)
    vp2 = v * v - (q / (2 * mu) + delta / q) ** 2
    msq = k.matrix_element_sq(q2, vp2, *c, 0.9396, *args)
    beta = math.sqrt(1 - 2 * delta / (mu * v * v))
    assert paper == pytest.approx(mu * mu / (4 * math.pi) * beta * msq, rel=1e-13)


def test_numpy_wrappers_equal_kernel_calls():
    """cs.dsigma_dcos_cm / cs.matrix_element_sq equal direct kernel calls with E's coefficients."""
    from mcdm.kernels.midm import eft_isospin_coefficients

    r = response_for("Al27")
    args = _kernel_args(r)
    mu = cs.reduced_mass(MODEL, r)
    v_km_s = np.array([350.0, 520.0, 760.0])
    cos = np.array([0.9, 0.0, -0.8])
    got = cs.dsigma_dcos_cm(MODEL, r, v_km_s, cos, prefactor="standard")
    q2 = cs.q2_from_cos_cm(MODEL, r, v_km_s, cos)
    for i in range(3):
        c = eft_isospin_coefficients(q2[i], *MODEL.eft_kernel_args())[:6]
        ref = k.dsigma_dcos_cm(q2[i], v_km_s[i] / C_KM_S, MODEL.delta, mu, *c, MODEL.m_nucleon,
                               *args, k.PREFACTOR_STANDARD) * HBARC_GEV_CM**2
        assert got[i] == pytest.approx(ref, rel=1e-14)
        q = math.sqrt(q2[i])
        v = v_km_s[i] / C_KM_S
        vp2 = max(v * v - (q / (2 * mu) + MODEL.delta / q) ** 2, 0.0)
        msq = k.matrix_element_sq(q2[i], vp2, *c, MODEL.m_nucleon, *args)
        assert cs.matrix_element_sq(MODEL, r, q, v_km_s[i]) == pytest.approx(msq, rel=1e-14)


def test_matrix_element_is_never_negative():
    """The App.-B polynomial fits make the raw sum slightly negative for 56Fe at q > ~220 MeV; the
    kernel clips it (a negative |M|^2 would give negative rates and break catalog sampling)."""
    from mcdm.kernels.midm import eft_isospin_coefficients
    from mcdm.kernels.nuclear import matrix_element_sq
    from mcdm.physics.midm import MagneticInelasticDM
    from mcdm.physics.nuclear import compile_responses

    model = MagneticInelasticDM(m_chi=1000.0, delta=15e-6, g_M=2e-3)
    resp = compile_responses(["Mg24", "Mg25", "Al27", "Si29", "Fe56"])
    lowest = np.inf
    for i in range(len(resp.names)):
        for q in np.linspace(0.01, 0.6, 200):
            c = eft_isospin_coefficients(q * q, model.e_mu_scattering, model.m_chi, model.m_nucleon, model.g_p,
                                         model.g_n)
            for vp2 in (0.0, 1e-6, 6e-6):
                m2 = matrix_element_sq(q * q, vp2, *c[:6], model.m_nucleon, resp.kind[i], resp.coeffs[i],
                                       resp.helm[i], resp.b[i], resp.j[i])
                lowest = min(lowest, m2)
    assert lowest >= 0.0

"""Nuclear response functions and the MIDM matrix element / cross section (scalar kernels).

Natural units throughout: energies, masses and momenta in GeV, lengths in GeV^-1 (except the Helm
radii, which are in fm), speeds in units of c, EFT coefficients c_i in GeV^-2, |M|^2 in GeV^-4 and
cross sections in GeV^-2.

Response kinds (``kind``):

* ``KIND_POLYNOMIAL`` (0): W_k^{tau tau'}(y) = exp(-2y) sum_i coeffs[k, tau, tau', i] y^i with
  y = q^2 b^2 / 4 (Eby, Fox & Kribs 2023, App. B.1).  ``coeffs`` has the shape (4, 2, 2, P) with the
  operator index 0 = M, 1 = Sigma', 2 = Delta, 3 = Delta Sigma' (see ``OP_*``), zero-padded in
  degree.
* ``KIND_HELM`` (1): only the charge-like response, W_M^{tau tau'}(q) = (2j+1)/(16 pi) x {A^2,
  A(Z-N), A(Z-N), (Z-N)^2} x F_Helm(q)^2 (Lewin & Smith 1996); every spin response is zero.
  ``helm`` is the float array (A, Z, c_fm, a_fm, s_fm) of length ``HELM_SIZE``.

Sigma'' is not used: for the magnetic dipole transition c_4 + (q^2/m_N^2) c_6 = 0 identically, so
the DM response R_Sigma'' vanishes (digest 004 §2.3, paper footnote 4), and the kernels take no c_6.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT
from mcdm.kernels.midm import vperp2 as _vperp2

__all__ = [
    "KIND_POLYNOMIAL",
    "KIND_HELM",
    "OP_M",
    "OP_SIGMA_P",
    "OP_DELTA",
    "OP_DELTA_SIGMA_P",
    "HELM_SIZE",
    "HBARC_GEV_FM",
    "PREFACTOR_PAPER",
    "PREFACTOR_STANDARD",
    "oscillator_y",
    "w_value",
    "helm_form_factor",
    "response_w",
    "matrix_element_sq",
    "dsigma_dcos_cm",
    "matrix_element_sq_many",
    "dsigma_dcos_cm_many",
]

KIND_POLYNOMIAL = 0
KIND_HELM = 1
OP_M = 0
OP_SIGMA_P = 1
OP_DELTA = 2
OP_DELTA_SIGMA_P = 3
HELM_SIZE = 5
#: hbar c [GeV fm]: exact SI value (hbar, c, e defined), = mcdm.constants.HBARC_GEV_CM x 1e13;
#: kept literal so the kernels import no astropy (digest 004 §2.6 rounds it to 0.1973269804)
HBARC_GEV_FM = 0.19732698045930255
PREFACTOR_PAPER = 0
PREFACTOR_STANDARD = 1

_INV_16PI = 1.0 / (16.0 * math.pi)
_FOUR_PI = 4.0 * math.pi


@numba.njit(**JIT)
def oscillator_y(q2: float, b: float) -> float:
    """Harmonic-oscillator variable y = q^2 b^2 / 4 [1].

    Parameters
    ----------
    q2 : float -- squared momentum transfer [GeV^2]
    b : float -- oscillator length [GeV^-1]
    """
    # digest 004 §2.6, Eq. (B.5): y = (q b / 2)^2
    return 0.25 * q2 * b * b


@numba.njit(**JIT)
def _horner(coeffs, y: float) -> float:
    """sum_i coeffs[i] y^i [1]."""
    acc = 0.0
    for i in range(coeffs.shape[0] - 1, -1, -1):
        acc = acc * y + coeffs[i]
    return acc


@numba.njit(**JIT)
def w_value(coeffs, y: float) -> float:
    """exp(-2y) sum_i coeffs[i] y^i (Horner) [1].

    Parameters
    ----------
    coeffs : 1-d float64 array -- polynomial coefficients, ascending powers [1]
    y : float -- oscillator variable [1]
    """
    # digest 004 §2.6 (B.1 tables): W = e^{-2y} x polynomial(y)
    return math.exp(-2.0 * y) * _horner(coeffs, y)


@numba.njit(**JIT)
def helm_form_factor(q: float, a_mass: float, c_fm: float, a_fm: float, s_fm: float) -> float:
    """Helm form factor F(q) = 3 j_1(q r_n)/(q r_n) exp(-(q s)^2/2) [1] (Lewin & Smith 1996).

    r_n^2 = c^2 + (7/3) pi^2 a^2 - 5 s^2 (Lewin & Smith 1996, Eq. 4.11).

    Parameters
    ----------
    q : float -- momentum transfer [GeV]
    a_mass : float -- mass number A (unused; kept so the argument list matches the helm array) [1]
    c_fm, a_fm, s_fm : float -- Helm parameters c, a and skin thickness s [fm]
    """
    rn2 = c_fm * c_fm + (7.0 / 3.0) * math.pi * math.pi * a_fm * a_fm - 5.0 * s_fm * s_fm
    rn = math.sqrt(rn2)
    x = abs(q) * rn / HBARC_GEV_FM
    qs = q * s_fm / HBARC_GEV_FM
    if x < 0.1:
        # series 3 j1(x)/x = 1 - x^2/10 + x^4/280 - x^6/15120 (+ O(x^8) < 1e-16 here); the closed
        # form loses ~eps/x^2 to cancellation
        x2 = x * x
        f0 = 1.0 - x2 / 10.0 + x2 * x2 / 280.0 - x2 * x2 * x2 / 15120.0
    else:
        f0 = 3.0 * (math.sin(x) - x * math.cos(x)) / (x * x * x)
    return f0 * math.exp(-0.5 * qs * qs)


@numba.njit(**JIT)
def response_w(q2: float, op: int, tau: int, tau_prime: int, kind: int, coeffs, helm, b: float,
               j_nucleus: float) -> float:
    """One nuclear response W_op^{tau tau'}(q) [1].

    Parameters
    ----------
    q2 : float -- squared momentum transfer [GeV^2]
    op : int -- operator index (OP_M, OP_SIGMA_P, OP_DELTA, OP_DELTA_SIGMA_P)
    tau, tau_prime : int -- isospin indices 0 or 1
    kind : int -- KIND_POLYNOMIAL or KIND_HELM
    coeffs : float64 array (4, 2, 2, P) -- polynomial coefficients (ignored for Helm)
    helm : float64 array (HELM_SIZE,) -- (A, Z, c_fm, a_fm, s_fm) (ignored for polynomials)
    b : float -- oscillator length [GeV^-1]
    j_nucleus : float -- nuclear spin j [hbar]
    """
    if kind == KIND_POLYNOMIAL:
        return w_value(coeffs[op, tau, tau_prime], oscillator_y(q2, b))
    if op != OP_M:
        return 0.0
    a_mass = helm[0]
    z_minus_n = 2.0 * helm[1] - a_mass
    f1 = a_mass if tau == 0 else z_minus_n
    f2 = a_mass if tau_prime == 0 else z_minus_n
    ff = helm_form_factor(math.sqrt(q2), a_mass, helm[2], helm[3], helm[4])
    # normalisation of App. B: W_M^{00}(0) = (2j+1) A^2/16 pi, W_M^{11}(0) = (2j+1)(Z-N)^2/16 pi
    return (2.0 * j_nucleus + 1.0) * _INV_16PI * f1 * f2 * ff * ff


@numba.njit(**JIT)
def matrix_element_sq(q2: float, vperp2: float, c1_0: float, c1_1: float, c4_0: float, c4_1: float,
                      c5_0: float, c5_1: float, m_nucleon: float, kind: int, coeffs, helm, b: float,
                      j_nucleus: float) -> float:
    """Spin-averaged |M|^2 of the MIDM-nucleus scattering [GeV^-4] (Eq. 25 with Eqs. 26-29).

    sum = R_M W_M + R_S' W_S' + (q^2/m_N^2) [R_D W_D + R_DS' W_DS'], |M|^2 = 4 pi/(2j+1) sum,
    with the Anand-Fitzpatrick-Haxton factor q^2/m_N^2 on Delta and Delta Sigma' that Eq. (25)
    as printed hides (digest 004 §2.4 caveat); R_Sigma'' = 0 (module docstring).

    Parameters
    ----------
    q2 : float -- squared momentum transfer [GeV^2]
    vperp2 : float -- v_perp^2 [c^2]
    c1_0, c1_1, c4_0, c4_1, c5_0, c5_1 : float -- isospin EFT coefficients (Eqs. 21-22) [GeV^-2]
    m_nucleon : float -- nucleon mass m_N in the operators [GeV]
    kind, coeffs, helm, b, j_nucleus -- nuclear response, see :func:`response_w`
    """
    c1 = (c1_0, c1_1)
    c4 = (c4_0, c4_1)
    c5 = (c5_0, c5_1)
    qm2 = q2 / (m_nucleon * m_nucleon)
    total = 0.0
    if kind == KIND_HELM:
        # only W_M (module docstring); W_M^{tau tau'} = (2j+1)/16pi f_tau f_tau' F^2
        a_mass = helm[0]
        f = (a_mass, 2.0 * helm[1] - a_mass)
        ff = helm_form_factor(math.sqrt(q2), a_mass, helm[2], helm[3], helm[4])
        w0 = (2.0 * j_nucleus + 1.0) * _INV_16PI * ff * ff
        for t in range(2):
            for tp in range(2):
                # Eq. (26): R_M = c1 c1 + q^2/(4 m_N^2) c5 c5 v_perp^2
                r_m = c1[t] * c1[tp] + 0.25 * qm2 * c5[t] * c5[tp] * vperp2
                total += r_m * w0 * f[t] * f[tp]
        return _FOUR_PI / (2.0 * j_nucleus + 1.0) * total
    y = oscillator_y(q2, b)
    for t in range(2):
        for tp in range(2):
            # Eq. (26): R_M = c1 c1 + q^2/(4 m_N^2) c5 c5 v_perp^2
            r_m = c1[t] * c1[tp] + 0.25 * qm2 * c5[t] * c5[tp] * vperp2
            total += r_m * _horner(coeffs[OP_M, t, tp], y)
            # Eq. (27): R_Sigma' = c4 c4 / 16
            total += c4[t] * c4[tp] / 16.0 * _horner(coeffs[OP_SIGMA_P, t, tp], y)
            # Eq. (28): R_Delta = c5 c5 q^2/(4 m_N^2), times the extra q^2/m_N^2
            r_d = 0.25 * qm2 * c5[t] * c5[tp]
            total += qm2 * r_d * _horner(coeffs[OP_DELTA, t, tp], y)
            # Eq. (29): R_DeltaSigma'^{tau tau'} = c5^tau c4^tau' / 4 (ordered), times q^2/m_N^2
            r_ds = 0.25 * c5[t] * c4[tp]
            total += qm2 * r_ds * _horner(coeffs[OP_DELTA_SIGMA_P, t, tp], y)
    # App. B: every W carries the common factor e^{-2y}
    total *= math.exp(-2.0 * y)
    # |M|^2 >= 0 (W_Delta W_Sigma' >= W_DeltaSigma'^2); the fitted polynomials of App. B break this
    # far out in y (56Fe, q > ~220 MeV, at ~1e-7 of the peak), so clip: a negative rate is meaningless
    if total < 0.0:
        total = 0.0
    # Eq. (25): 4 pi/(2 j_N + 1) sum_k sum_{tau tau'} R W
    return _FOUR_PI / (2.0 * j_nucleus + 1.0) * total


@numba.njit(**JIT)
def dsigma_dcos_cm(q2: float, v: float, delta: float, mu: float, c1_0: float, c1_1: float,
                   c4_0: float, c4_1: float, c5_0: float, c5_1: float, m_nucleon: float, kind: int,
                   coeffs, helm, b: float, j_nucleus: float, prefactor_code: int) -> float:
    """dsigma/dcos(theta_cm) of chi N -> chi_2 N [GeV^-2] (Eq. 32).

    P mu^2 sqrt(1 - 2 delta/(mu v^2)) |M|^2 with P = 1/(4 pi) (PREFACTOR_PAPER, Eq. 32 as printed)
    or 1/(2 pi) (PREFACTOR_STANDARD, dsigma/dE_R = m_N/(2 pi v^2) |M|^2; digest 004 §8.1).
    Zero at or below threshold mu v^2 <= 2 delta (and for v <= 0 or q2 <= 0). v_perp^2 is
    computed from (v, q, mu, delta) by
    :func:`mcdm.kernels.midm.vperp2` and clipped at 0.

    Parameters
    ----------
    q2 : float -- squared momentum transfer for this CM angle [GeV^2]
    v : float -- DM speed in the nucleus rest frame [c]
    delta : float -- mass splitting [GeV]
    mu : float -- DM-nucleus reduced mass [GeV]
    c1_0 ... c5_1 : float -- isospin EFT coefficients evaluated at q2 [GeV^-2]
    m_nucleon, kind, coeffs, helm, b, j_nucleus -- see :func:`matrix_element_sq`
    prefactor_code : int -- PREFACTOR_PAPER (0) or PREFACTOR_STANDARD (1)
    """
    if not (v > 0.0 and q2 > 0.0):
        return 0.0
    arg = 1.0 - 2.0 * delta / (mu * v * v)
    if not arg > 0.0:
        return 0.0
    # digest 004 §2.4: v_perp^2 = v^2 - v_min^2, v_min = q/2mu + delta/q; clipped at 0 (rounding)
    vp2 = _vperp2(v, math.sqrt(q2), mu, delta)
    if not vp2 > 0.0:
        vp2 = 0.0
    msq = matrix_element_sq(q2, vp2, c1_0, c1_1, c4_0, c4_1, c5_0, c5_1, m_nucleon, kind, coeffs,
                            helm, b, j_nucleus)
    pref = 0.25 / math.pi if prefactor_code == PREFACTOR_PAPER else 0.5 / math.pi
    # Eq. (32)
    return pref * mu * mu * math.sqrt(arg) * msq


@numba.njit(**JIT)
def matrix_element_sq_many(q2, vperp2, c, m_nucleon: float, kind: int, coeffs, helm, b: float,
                           j_nucleus: float):
    """Array loop of :func:`matrix_element_sq` [GeV^-4].

    Parameters
    ----------
    q2, vperp2 : float64 arrays (n,) -- [GeV^2], [c^2]
    c : float64 array (n, 6) -- (c1_0, c1_1, c4_0, c4_1, c5_0, c5_1) per point [GeV^-2]
    """
    n = q2.shape[0]
    out = np.empty(n)
    for i in range(n):
        out[i] = matrix_element_sq(q2[i], vperp2[i], c[i, 0], c[i, 1], c[i, 2], c[i, 3], c[i, 4],
                                   c[i, 5], m_nucleon, kind, coeffs, helm, b, j_nucleus)
    return out


@numba.njit(**JIT)
def dsigma_dcos_cm_many(q2, v, delta: float, mu: float, c, m_nucleon: float, kind: int, coeffs,
                        helm, b: float, j_nucleus: float, prefactor_code: int):
    """Array loop of :func:`dsigma_dcos_cm` [GeV^-2].

    Parameters
    ----------
    q2, v : float64 arrays (n,) -- [GeV^2], [c]
    c : float64 array (n, 6) -- (c1_0, c1_1, c4_0, c4_1, c5_0, c5_1) per point [GeV^-2]
    """
    n = q2.shape[0]
    out = np.empty(n)
    for i in range(n):
        out[i] = dsigma_dcos_cm(q2[i], v[i], delta, mu, c[i, 0], c[i, 1], c[i, 2], c[i, 3],
                                c[i, 4], c[i, 5], m_nucleon, kind, coeffs, helm, b, j_nucleus,
                                prefactor_code)
    return out

"""Numba kernels of inelastic two-body upscatter kinematics, chi + N -> chi_2 + N (seed 004).

Natural units: masses, energies and momenta in GeV, speeds as fractions of c (hbar = c = 1). The
nucleus is at rest in the Earth frame ("lab"); ``v`` is the incoming DM speed in that frame.

Exact non-relativistic kinematics
---------------------------------
The kernels conserve energy *and* momentum exactly in the lab frame, with the rest-energy change
delta = m_chi2 - m_chi counted in the energy balance:

    m v_vec = m2 w_vec + q_vec,       m v^2 / 2 = m2 w^2 / 2 + q^2 / (2 M) + delta,

(m = m_chi, m2 = m + delta, M = m_nucleus). In the frame moving with the final centre of mass,
V = m v / (m2 + M), chi_2 leaves with speed u in direction n (polar angle theta_cm from v_hat):

    u^2 = mu_2 / m2^2 (mu' v^2 - 2 delta),    mu_2 = m2 M / (m2 + M),    mu' = m (M + delta) / (m2 + M),
    q^2 = p_i^2 + p_f^2 - 2 p_i p_f cos(theta_cm),   p_i = m M v / (m2 + M),   p_f = m2 u,
    E_R = q^2 / (2 M) = m v^2 / 2 - m2 w^2 / 2 - delta   (identically).

These are the paper's Eqs. (34)-(36) (digest 004 §2.5, §2.10), which write mu for mu', mu_2 -> mu in
Eq. (34) and m v / (m + M) for V: the printed equations are the above at leading order in
delta/M, and differ from it by at most ~1e-5 relative (1 TeV, delta <= 200 keV; tested). Keeping
both conservation laws exact makes the CM -> lab map, E_R and q^2 mutually consistent to rounding,
which the next-event estimator relies on (digest 004 §2.10: E_R = m v^2/2 - m2 v_out^2/2 - delta,
the authors' code). The kinematic threshold is mu' v^2 > 2 delta; the printed one, mu v^2 > 2 delta
(:func:`threshold_speed` with ``mu``), is lower by ~ delta/(2M) relative (3e-7 for 27Al, 15 keV).

Every function is ``@numba.njit(**JIT)``, never divides by zero and never returns nan for
physical input (so it also runs under ``NUMBA_DISABLE_JIT=1``).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT

__all__ = [
    "threshold_speed",
    "kinematic_reduced_mass",
    "cm_velocity",
    "cm_speed_out",
    "cm_speeds_array",
    "recoil_energy",
    "momentum_transfer_sq",
    "recoil_energy_array",
    "q2_range",
    "cos_cm_from_q2",
    "orthonormal_frame",
    "lab_velocity_out",
]


@numba.njit(**JIT)
def threshold_speed(mu: float, delta: float) -> float:
    """Kinematic threshold sqrt(2 delta / mu) [c] (digest 004 §2.5: mu v^2 > 2 delta).

    Parameters
    ----------
    mu : float
        Reduced mass [GeV]: the DM-nucleus mu for the paper's threshold, or
        :func:`kinematic_reduced_mass` for the exact zero of :func:`cm_speed_out`.
    delta : float
        Mass splitting [GeV], >= 0.
    """
    # digest 004 §2.5, threshold below Eq. (34): v_thr = sqrt(2 delta / mu)
    return math.sqrt(2.0 * delta / mu)


@numba.njit(**JIT)
def kinematic_reduced_mass(m_chi: float, m_nucleus: float, delta: float) -> float:
    """mu' = m_chi (M + delta) / (m_chi + delta + M) [GeV], exact threshold mass (see module doc).

    Equals the DM-nucleus reduced mass mu = m_chi M / (m_chi + M) at delta = 0.
    """
    return m_chi * (m_nucleus + delta) / (m_chi + delta + m_nucleus)


@numba.njit(**JIT)
def cm_velocity(v: float, m_chi: float, m_nucleus: float, delta: float) -> float:
    """Speed of the final centre of mass in the lab, m_chi v / (m_chi2 + M) [c].

    The paper's Eq. (36) writes mu v / M = m_chi v / (m_chi + M); the two differ by delta/(m+M).
    """
    return m_chi * v / (m_chi + delta + m_nucleus)


@numba.njit(**JIT)
def _final_momenta(v: float, m_chi: float, m_nucleus: float, delta: float):
    """(p_i, p_f, p_i - p_f) [GeV]: incoming and outgoing CM momenta and their difference.

    p_i - p_f is evaluated without cancellation from p_i^2 - p_f^2 = delta M (2 m2 - m v^2)/(m2 + M).
    Below threshold p_f = 0.
    """
    m2 = m_chi + delta
    total = m2 + m_nucleus
    p_i = m_chi * m_nucleus * v / total
    mu2 = m2 * m_nucleus / total
    arg = mu2 * (kinematic_reduced_mass(m_chi, m_nucleus, delta) * v * v - 2.0 * delta)
    if not arg > 0.0:
        return p_i, 0.0, p_i
    p_f = math.sqrt(arg)
    diff = delta * m_nucleus * (2.0 * m2 - m_chi * v * v) / total / (p_i + p_f)
    return p_i, p_f, diff


@numba.njit(**JIT)
def cm_speed_out(v: float, m_chi: float, m_nucleus: float, delta: float) -> float:
    """Outgoing chi_2 speed in the centre-of-mass frame [c]; 0 below threshold, never nan.

    Parameters
    ----------
    v : float
        Incoming DM speed in the lab (Earth) frame [c].
    m_chi : float
        DM mass [GeV].
    m_nucleus : float
        Target nucleus mass [GeV].
    delta : float
        Mass splitting [GeV].

    Returns
    -------
    float
        u = [mu_2 / m_chi2^2 (mu' v^2 - 2 delta)]^(1/2) [c].
    """
    # digest 004 §2.10, Eq. (35) (mu -> mu', exact NR; see module doc)
    p_i, p_f, diff = _final_momenta(v, m_chi, m_nucleus, delta)
    return p_f / (m_chi + delta)


@numba.njit(**JIT)
def cm_speeds_array(v, m_chi, m_nucleus, delta):
    """Centre-of-mass speed V and outgoing CM speed u for an array of incoming speeds.

    Parameters
    ----------
    v : ndarray of float
        Incoming DM speeds [c] (1-D).
    m_chi, m_nucleus, delta : float
        Masses and splitting [GeV].

    Returns
    -------
    V, u : ndarray
        :func:`cm_velocity` and :func:`cm_speed_out` [c].
    """
    n = v.shape[0]
    big_v = np.empty(n)
    u = np.empty(n)
    for i in range(n):
        big_v[i] = cm_velocity(v[i], m_chi, m_nucleus, delta)
        u[i] = cm_speed_out(v[i], m_chi, m_nucleus, delta)
    return big_v, u


@numba.njit(**JIT)
def momentum_transfer_sq(cos_cm: float, v: float, m_chi: float, m_nucleus: float,
                         delta: float) -> float:
    """Squared momentum transfer q^2 = 2 M E_R [GeV^2] at CM scattering angle theta_cm.

    Parameters
    ----------
    cos_cm : float
        cos(theta_cm), angle between the outgoing chi_2 and the incoming v in the CM frame [1].
    v : float
        Incoming DM speed in the lab frame [c].
    m_chi, m_nucleus, delta : float
        Masses and splitting [GeV].

    Returns
    -------
    float
        q^2 = (p_i - p_f)^2 + 2 p_i p_f (1 - cos_cm) [GeV^2] (no cancellation at cos_cm = 1).
        Below threshold p_f = 0 and q^2 = p_i^2.
    """
    # digest 004 §2.5, Eq. (34) times 2 M (exact NR form, see module doc)
    p_i, p_f, diff = _final_momenta(v, m_chi, m_nucleus, delta)
    return diff * diff + 2.0 * p_i * p_f * (1.0 - cos_cm)


@numba.njit(**JIT)
def recoil_energy(cos_cm: float, v: float, m_chi: float, m_nucleus: float, delta: float) -> float:
    """Nuclear recoil energy E_R [GeV] at CM scattering angle theta_cm.

    Eq. (34) of the paper, E_R = mu^2 v^2/M (1 - cos_cm sqrt(1 - 2 delta/(mu v^2))) - mu delta/M,
    in its exact NR form (equal to m v^2/2 - m2 w^2/2 - delta of :func:`lab_velocity_out`; agrees
    with the printed formula to O(delta/M)). Arguments as :func:`momentum_transfer_sq`.
    """
    # digest 004 §2.5, Eq. (34); E_R = q^2 / (2 M)
    return momentum_transfer_sq(cos_cm, v, m_chi, m_nucleus, delta) / (2.0 * m_nucleus)


@numba.njit(**JIT)
def recoil_energy_array(cos_cm, v, m_chi, m_nucleus, delta):
    """:func:`recoil_energy` over 1-D arrays ``cos_cm`` [1] and ``v`` [c] of equal length [GeV].

    A nan ``cos_cm`` gives nan (used for branches that do not exist).
    """
    n = cos_cm.shape[0]
    out = np.empty(n)
    for i in range(n):
        out[i] = recoil_energy(cos_cm[i], v[i], m_chi, m_nucleus, delta)
    return out


@numba.njit(**JIT)
def q2_range(v: float, m_chi: float, m_nucleus: float, delta: float):
    """(q2_min, q2_max) [GeV^2]: q^2 at cos_cm = +1 and -1, i.e. ((p_i - p_f)^2, (p_i + p_f)^2).

    Below threshold both equal p_i^2 (an empty range for any caller that checks the threshold).
    """
    p_i, p_f, diff = _final_momenta(v, m_chi, m_nucleus, delta)
    s = p_i + p_f
    return diff * diff, s * s


@numba.njit(**JIT)
def cos_cm_from_q2(q2: float, v: float, m_chi: float, m_nucleus: float, delta: float) -> float:
    """Inverse of :func:`momentum_transfer_sq`: cos(theta_cm) for a given q^2 [GeV^2].

    Returns
    -------
    float
        cos_cm = 1 - (q^2 - q2_min) / (2 p_i p_f), clipped to [-1, 1] (q^2 outside
        :func:`q2_range` maps to the nearer end). nan below threshold (no map exists) or v <= 0.
    """
    p_i, p_f, diff = _final_momenta(v, m_chi, m_nucleus, delta)
    den = 2.0 * p_i * p_f
    if not den > 0.0:
        return math.nan
    c = 1.0 - (q2 - diff * diff) / den
    if c > 1.0:
        return 1.0
    if c < -1.0:
        return -1.0
    return c


@numba.njit(**JIT)
def orthonormal_frame(x: float, y: float, z: float):
    """Two unit vectors e1, e2 with (e1, e2, n) right-handed orthonormal for a unit vector n.

    Branchless construction of Duff et al., J. Comput. Graph. Tech. 6(1) (2017), stable for every
    direction (no division by a small number); deterministic. Returns (e1x, e1y, e1z, e2x, e2y, e2z).
    """
    sign = math.copysign(1.0, z)
    a = -1.0 / (sign + z)
    b = x * y * a
    return (1.0 + sign * x * x * a, sign * b, -sign * x,
            b, sign + y * y * a, -y)


@numba.njit(**JIT)
def lab_velocity_out(vx: float, vy: float, vz: float, cos_cm: float, phi_cm: float,
                     m_chi: float, m_nucleus: float, delta: float):
    """Lab-frame velocity of the outgoing chi_2 for CM angles (theta_cm, phi_cm).

    w = V v_hat + u n_hat, with V = :func:`cm_velocity`, u = :func:`cm_speed_out` and n_hat at polar
    angle theta_cm from v_hat and azimuth phi_cm about it, measured from e1 of
    :func:`orthonormal_frame` (v_hat) (digest 004 §2.10, Eqs. (35)-(36)).

    Parameters
    ----------
    vx, vy, vz : float
        Incoming DM velocity in the lab frame [c] (any frame; the output is in the same one).
    cos_cm : float
        cos(theta_cm) in [-1, 1] [1].
    phi_cm : float
        Azimuth about v_hat [rad].
    m_chi, m_nucleus, delta : float
        Masses and splitting [GeV].

    Returns
    -------
    ux, uy, uz : float
        chi_2 velocity [c]. Below threshold u = 0 and the result is the CM velocity V v_hat (the
        caller must give such events zero weight; the cross section vanishes there). v = 0 gives 0.
    """
    v = math.sqrt(vx * vx + vy * vy + vz * vz)
    if not v > 0.0:
        return 0.0, 0.0, 0.0
    nx = vx / v
    ny = vy / v
    nz = vz / v
    big_v = cm_velocity(v, m_chi, m_nucleus, delta)
    u = cm_speed_out(v, m_chi, m_nucleus, delta)
    s2 = 1.0 - cos_cm * cos_cm
    sin_cm = math.sqrt(s2) if s2 > 0.0 else 0.0
    e1x, e1y, e1z, e2x, e2y, e2z = orthonormal_frame(nx, ny, nz)
    cp = math.cos(phi_cm)
    sp = math.sin(phi_cm)
    along = big_v + u * cos_cm
    across = u * sin_cm
    ux = along * nx + across * (cp * e1x + sp * e2x)
    uy = along * ny + across * (cp * e1y + sp * e2y)
    uz = along * nz + across * (cp * e1z + sp * e2z)
    return ux, uy, uz

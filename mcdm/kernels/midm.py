"""Numba kernels of the magnetic inelastic dark-matter model (seed 004, Eby, Fox & Kribs 2023).

Natural units inside every function: masses, energies and momenta in GeV, dipole moments in
GeV^-1, speeds as fractions of c, hbar = c = 1. The Python layer (:mod:`mcdm.physics.midm`)
converts to the internal units of :mod:`mcdm.units` (km/s, s, km) at its boundary.

* :func:`decay_width` -- chi_2 -> chi gamma width, digest 004 §2.2, Eq. (5);
* :func:`eft_isospin_coefficients` -- the nucleon EFT coefficients c_1, c_4, c_5, c_6 of
  Eqs. (17)-(20) in the isospin basis of Eqs. (21)-(22) (digest 004 §2.3);
* :func:`vperp2` -- v_perp^2 = v^2 - v_min^2 of the DM response R_M, Eq. (26), with the
  inelastic v_min = q/(2 mu) + delta/q (digest 004 §0 typo 6 and §2.4);
* :func:`eft_isospin_coefficients_array` -- a loop over an array of q^2 for the Python layer.

All scalar kernels are ``@numba.njit(**JIT)`` and run unchanged under ``NUMBA_DISABLE_JIT=1``
(no division by zero is ever evaluated, so pure Python raises nothing either).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT

__all__ = ["decay_width", "eft_isospin_coefficients", "eft_isospin_coefficients_array", "vperp2"]


@numba.njit(**JIT)
def decay_width(mu_tilde: float, delta: float) -> float:
    """Width of chi_2 -> chi gamma for a magnetic dipole transition, delta << m_chi.

    Parameters
    ----------
    mu_tilde : float
        Transition magnetic moment mu~_chi [GeV^-1] (Eq. 4: g_M e / (4 m_chi)).
    delta : float
        Mass splitting m_chi2 - m_chi [GeV].

    Returns
    -------
    float
        Gamma = 1/tau_2 [GeV].
    """
    # digest 004 §2.2, Eby-Fox-Kribs (2023) Eq. (5): Gamma = mu~^2 delta^3 / pi
    return mu_tilde * mu_tilde * delta * delta * delta / math.pi


@numba.njit(**JIT)
def eft_isospin_coefficients(q2: float, e_mu: float, m_chi: float, m_nucleon: float,
                             g_p: float, g_n: float):
    """Nucleon-level EFT coefficients of the magnetic dipole transition in the isospin basis.

    Parameters
    ----------
    q2 : float
        Squared momentum transfer |q|^2 [GeV^2]; must be > 0 (c_5, c_6 carry the photon pole
        1/q^2). For ``q2 <= 0`` (or nan) c_5 and c_6 are returned as nan.
    e_mu : float
        e * mu~_chi, the electric charge times the transition moment [GeV^-1] (e = sqrt(4 pi alpha)).
    m_chi : float
        Dark-matter mass [GeV].
    m_nucleon : float
        Nucleon mass m_N of the operator basis [GeV] (seed 004 uses the neutron mass).
    g_p, g_n : float
        Proton and neutron g-factors g_N = 2 (Q_N + kappa_N) [1].

    Returns
    -------
    tuple of 8 floats
        ``(c1_0, c1_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1)`` [GeV^-2], where c_i^0 = (c_i^p + c_i^n)/2
        and c_i^1 = (c_i^p - c_i^n)/2. By construction c_4^tau + (q^2/m_N^2) c_6^tau = 0 (the
        Sigma'' response vanishes, footnote 4 of the paper).
    """
    # digest 004 §2.3, Eqs. (17)-(20) with Q_p = 1, Q_n = 0:
    # c1 = Q e mu~ / (2 m_chi); c4 = g e mu~ / m_N; c5 = -2 Q e mu~ m_N / q^2; c6 = -g e mu~ m_N / q^2
    c1_p = e_mu / (2.0 * m_chi)
    c1_n = 0.0
    c4_p = g_p * e_mu / m_nucleon
    c4_n = g_n * e_mu / m_nucleon
    if q2 > 0.0:
        pole = e_mu * m_nucleon / q2
        c5_p = -2.0 * pole
        c5_n = 0.0
        c6_p = -g_p * pole
        c6_n = -g_n * pole
    else:
        c5_p = math.nan
        c5_n = math.nan
        c6_p = math.nan
        c6_n = math.nan
    # digest 004 §2.3, Eqs. (21)-(22): c^0 = (c^p + c^n)/2, c^1 = (c^p - c^n)/2
    return (0.5 * (c1_p + c1_n), 0.5 * (c1_p - c1_n),
            0.5 * (c4_p + c4_n), 0.5 * (c4_p - c4_n),
            0.5 * (c5_p + c5_n), 0.5 * (c5_p - c5_n),
            0.5 * (c6_p + c6_n), 0.5 * (c6_p - c6_n))


@numba.njit(**JIT)
def eft_isospin_coefficients_array(q2, e_mu, m_chi, m_nucleon, g_p, g_n):
    """:func:`eft_isospin_coefficients` over a 1-D array of q^2 [GeV^2].

    Returns
    -------
    ndarray, shape (n, 8)
        Columns ``c1_0, c1_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1`` [GeV^-2].
    """
    n = q2.shape[0]
    out = np.empty((n, 8))
    for i in range(n):
        c = eft_isospin_coefficients(q2[i], e_mu, m_chi, m_nucleon, g_p, g_n)
        out[i, 0] = c[0]
        out[i, 1] = c[1]
        out[i, 2] = c[2]
        out[i, 3] = c[3]
        out[i, 4] = c[4]
        out[i, 5] = c[5]
        out[i, 6] = c[6]
        out[i, 7] = c[7]
    return out


@numba.njit(**JIT)
def vperp2(v: float, q: float, mu: float, delta: float) -> float:
    """v_perp^2 = v^2 - v_min(q)^2 of the inelastic DM response (units of c^2).

    Parameters
    ----------
    v : float
        Incoming DM speed in the Earth (nucleus rest) frame [c].
    q : float
        Momentum transfer |q| [GeV]; must be > 0.
    mu : float
        DM-nucleus reduced mass [GeV].
    delta : float
        Mass splitting [GeV].

    Returns
    -------
    float
        v^2 - v_min^2 [c^2] with v_min = q/(2 mu) + delta/q. It is >= 0 exactly for the q reachable
        at speed v (the range q2_range of :mod:`mcdm.kernels.kinematics`, up to O(delta/m_N)
        relative); outside kinematics it is negative, and callers clip or skip. ``q <= 0``
        returns -inf (v_min is infinite).
    """
    if not q > 0.0:
        return -math.inf
    # digest 004 §0 typo 6 and §2.4: v_min = q/(2 mu) + delta/q (the printed Eq. below (25) lacks 1/q^2)
    vmin = 0.5 * q / mu + delta / q
    return v * v - vmin * vmin

"""Steps shared by the discrete-scatter kernels: spherical shells and planar layers.

:func:`mcdm.kernels.discrete.transport_discrete_rings` and
:func:`mcdm.kernels.planar.transport_planar` run the same event loop in two geometries; this
module holds what does not depend on the geometry:

* the cross sections at a speed (log-log table interpolation) and the macroscopic cross section
  of a region, the speed bin and a fresh optical depth at the start of every free flight
  (:func:`flight_start`);
* the collision: target nuclide drawn with probability n_ki sigma_i / Sigma_k, centre-of-mass
  angle isotropic times |F_Helm|^2, elastic two-body kinematics (:func:`collide`,
  :func:`elastic_scatter`);
* the importance split / roulette decision at a region boundary (:func:`importance_step`);
* the particle bank's growth (:func:`grow`) and the sparse per-primary tallies whose sums and
  sums of squares give errors over independent primaries (:func:`local_tally`,
  :func:`add_local`, :func:`flush_local`).

Units: lengths km, speeds km/s, number densities km^-3, cross sections cm^2, masses GeV, Helm
radii fm; weights carry any unit.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT
from mcdm.kernels._math import bracket
from mcdm.kernels.nuclear import helm_form_factor

__all__ = [
    "C_KM_S",
    "CM2_TO_KM2",
    "cross_sections_at",
    "macroscopic",
    "speed_bin",
    "flight_start",
    "elastic_scatter",
    "collide",
    "importance_step",
    "grow",
    "local_tally",
    "add_local",
    "flush_local",
]

# the steps called once or more per event are inlined at the numba IR level: passing arrays to
# a separately compiled function costs reference counting on every call (measured: the
# discrete kernels ran 10-20 % slower without it)
_INLINE = dict(JIT, inline="always")

#: speed of light [km/s] (exact)
C_KM_S = 299792.458
#: km^2 per cm^2 (exact: 1 km = 1e5 cm); literal so the kernels import no astropy
CM2_TO_KM2 = 1.0e-10


@numba.njit(**_INLINE)
def cross_sections_at(speed: float, log_v_grid, sigma, log_sigma, out) -> None:
    """Fill ``out[i]`` with sigma_i(speed) [cm^2], log-log interpolated; edge values outside.

    Parameters
    ----------
    speed : float -- lab speed [km/s], > 0
    log_v_grid : (V,) float64 -- ln of the ascending speed grid [ln(km/s)]
    sigma : (E, V) float64 -- cross sections [cm^2]
    log_sigma : (E, V) float64 -- ln sigma (-inf where sigma = 0); a pair of nodes with a zero
        is interpolated linearly in sigma instead
    out : (E,) float64 -- output [cm^2]
    """
    lv = math.log(speed)
    j = bracket(log_v_grid, lv)
    t = (lv - log_v_grid[j]) / (log_v_grid[j + 1] - log_v_grid[j])
    if t < 0.0:
        t = 0.0
    elif t > 1.0:
        t = 1.0
    for i in range(sigma.shape[0]):
        a = log_sigma[i, j]
        b = log_sigma[i, j + 1]
        if a > -math.inf and b > -math.inf:
            out[i] = math.exp(a + t * (b - a))
        else:
            out[i] = sigma[i, j] + t * (sigma[i, j + 1] - sigma[i, j])


@numba.njit(**_INLINE)
def macroscopic(number_density, k: int, sig) -> float:
    """Sigma_k = sum_i n_ki sigma_i [km^-1] of region ``k`` (``sig`` [cm^2] per nuclide)."""
    acc = 0.0
    for i in range(sig.shape[0]):
        acc += number_density[k, i] * sig[i]
    return acc * CM2_TO_KM2


@numba.njit(**JIT)
def speed_bin(speed_edges, speed: float) -> int:
    """Histogram bin of ``speed`` [km/s] in the ascending ``speed_edges``; -1 outside."""
    if speed_edges[0] <= speed < speed_edges[speed_edges.shape[0] - 1]:
        return bracket(speed_edges, speed)
    return -1


@numba.njit(**_INLINE)
def flight_start(speed: float, k: int, number_density, log_v_grid, sigma, log_sigma, sig,
                 speed_edges, rng):
    """Start a free flight at ``speed`` [km/s] in region ``k``.

    Fills ``sig`` with the cross sections at the speed [cm^2] (:func:`cross_sections_at`) and
    returns (Sigma_k [km^-1], speed bin or -1, optical depth tau = -ln u to spend [1]).
    """
    cross_sections_at(speed, log_v_grid, sigma, log_sigma, sig)
    big_sigma = macroscopic(number_density, k, sig)
    ib = speed_bin(speed_edges, speed)
    return big_sigma, ib, rng.standard_exponential()


@numba.njit(**JIT)
def elastic_scatter(v0: float, v1: float, v2: float, speed: float, m_dm: float, m_t: float,
                    c_fm: float, a_fm: float, s_fm: float, rng):
    """New lab velocity [km/s] after elastic scattering off a nucleus at rest.

    The centre-of-mass polar angle is drawn from dsigma/dcos ~ |F_Helm(q)|^2 (isotropic x form
    factor) by rejection with q = 2 mu v sin(theta/2); the azimuth is uniform. Lab velocity
    v' = m_dm/(m_dm + m_t) v + m_t/(m_dm + m_t) |v| n' (CM velocity plus the rotated CM velocity
    of the DM). Helm parameters with r_n^2 <= 0 mean no form factor.

    Parameters
    ----------
    v0, v1, v2 : float -- lab velocity before [km/s]; ``speed`` its norm [km/s]
    m_dm, m_t : float -- DM and nucleus masses [GeV]
    c_fm, a_fm, s_fm : float -- Helm parameters [fm]
    rng : numpy.random.Generator

    Returns
    -------
    (v0', v1', v2', cos_theta_cm)
    """
    inv_m = 1.0 / (m_dm + m_t)
    p = m_dm * m_t * inv_m * speed / C_KM_S  # CM momentum mu v [GeV]
    rn2 = c_fm * c_fm + (7.0 / 3.0) * math.pi * math.pi * a_fm * a_fm - 5.0 * s_fm * s_fm
    while True:
        cth = 2.0 * rng.random() - 1.0
        if not rn2 > 0.0:
            break
        q = p * math.sqrt(2.0 * (1.0 - cth))  # q = 2 p sin(theta/2)
        ff = helm_form_factor(q, 0.0, c_fm, a_fm, s_fm)
        if rng.random() < ff * ff:
            break
    phi = 2.0 * math.pi * rng.random()
    sth = math.sqrt(max(0.0, 1.0 - cth * cth))
    inv_s = 1.0 / speed
    u0 = v0 * inv_s
    u1 = v1 * inv_s
    u2 = v2 * inv_s
    # orthonormal e, f perpendicular to u
    if abs(u0) < 0.9:
        a0, a1, a2 = 1.0, 0.0, 0.0
    else:
        a0, a1, a2 = 0.0, 1.0, 0.0
    au = a0 * u0 + a1 * u1 + a2 * u2
    e0 = a0 - au * u0
    e1 = a1 - au * u1
    e2 = a2 - au * u2
    ne = 1.0 / math.sqrt(e0 * e0 + e1 * e1 + e2 * e2)
    e0 *= ne
    e1 *= ne
    e2 *= ne
    f0 = u1 * e2 - u2 * e1
    f1 = u2 * e0 - u0 * e2
    f2 = u0 * e1 - u1 * e0
    cp = math.cos(phi) * sth
    sp = math.sin(phi) * sth
    n0 = cth * u0 + cp * e0 + sp * f0
    n1 = cth * u1 + cp * e1 + sp * f1
    n2 = cth * u2 + cp * e2 + sp * f2
    # non-relativistic elastic two-body kinematics: v' = V_cm + |u| n', V_cm = m_chi v/(m_chi + m_N)
    u_cm = m_t * inv_m * speed  # DM speed in the CM frame, |u| = m_N v/(m_chi + m_N)
    g = m_dm * inv_m  # CM velocity / lab velocity
    return g * v0 + u_cm * n0, g * v1 + u_cm * n1, g * v2 + u_cm * n2, cth


@numba.njit(**_INLINE)
def collide(speed: float, d0: float, d1: float, d2: float, k: int, number_density, sig,
            big_sigma: float, dm_mass: float, target_mass, helm, rng):
    """Scatter a particle moving with ``speed`` [km/s] along the unit direction d in region k.

    The target nuclide is drawn with probability n_ki sigma_i / Sigma_k (``sig`` [cm^2] and
    ``big_sigma`` = Sigma_k [km^-1] at this speed), the new velocity from
    :func:`elastic_scatter` with its mass [GeV] and Helm row (A, c, a, s [fm]).

    Returns
    -------
    (v0', v1', v2' [km/s], speed' [km/s])
    """
    u = rng.random() * big_sigma / CM2_TO_KM2
    acc = 0.0
    it = sig.shape[0] - 1
    for i in range(sig.shape[0]):
        acc += number_density[k, i] * sig[i]
        if u < acc:
            it = i
            break
    v0, v1, v2, _ = elastic_scatter(speed * d0, speed * d1, speed * d2, speed, dm_mass,
                                    target_mass[it], helm[it, 1], helm[it, 2], helm[it, 3], rng)
    return v0, v1, v2, math.sqrt(v0 * v0 + v1 * v1 + v2 * v2)


@numba.njit(**_INLINE)
def importance_step(ratio: float, w: float, may_split: bool, rng):
    """Geometric splitting / Russian roulette on crossing into a region of importance ratio r.

    r > 1 (and ``may_split``): floor(r) or floor(r) + 1 copies (the latter with probability
    r - floor(r)), each of weight w / r; r < 1: survive with probability r and weight w / r.
    Both keep the expected weight. Returns (copies, weight): copies = 0 when the roulette kills
    the particle (weight unchanged), 1 when it goes on alone.
    """
    if ratio > 1.0 and may_split:
        n_copies = int(math.floor(ratio))
        if rng.random() < ratio - n_copies:
            n_copies += 1
        return n_copies, w / ratio
    if ratio < 1.0:
        if rng.random() < ratio:
            return 1, w / ratio
        return 0, w
    return 1, w


@numba.njit(**JIT)
def grow(arr):
    """The 2-D particle-bank array ``arr`` with twice the rows (the first half copied)."""
    cap = arr.shape[0]
    out = np.empty((2 * cap, arr.shape[1]), dtype=arr.dtype)
    out[:cap] = arr
    return out


@numba.njit(**JIT)
def local_tally(size: int):
    """A cleared per-primary tally of ``size`` bins: (local, flag, touched), see
    :func:`add_local`."""
    return np.zeros(size), np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)


@numba.njit(**_INLINE)
def add_local(local, flag, touched, n_touched: int, idx: int, value: float) -> int:
    """``local[idx] += value``, remembering ``idx`` in ``touched``; returns the new count."""
    if flag[idx] == 0:
        flag[idx] = 1
        touched[n_touched] = idx
        n_touched += 1
    local[idx] += value
    return n_touched


@numba.njit(**_INLINE)
def flush_local(local, flag, touched, n_touched: int, total, total2) -> None:
    """Add one primary's ``local`` scores and their squares to the totals; reset ``local``."""
    for j in range(n_touched):
        b = touched[j]
        total[b] += local[b]
        total2[b] += local[b] * local[b]
        local[b] = 0.0
        flag[b] = 0

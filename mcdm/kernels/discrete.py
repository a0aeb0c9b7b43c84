"""Discrete-scatter Monte Carlo through concentric spherical shells (the DaMaSCUS regime).

Event-driven free flights: each flight draws an optical depth tau = -ln u and walks straight
segments to the next shell boundary, subtracting Sigma_k(v) x length, until tau is exhausted
(no fixed step; the residual tau is carried across boundaries). Sigma_k(v) = sum_i n_ki sigma_i(v)
with sigma_i(v) log-log interpolated in the interaction tables. At the interaction point the
target nuclide is drawn with probability n_ki sigma_i(v) / Sigma_k, the centre-of-mass angle is
isotropic times |F_Helm(q)|^2 (rejection), and the new lab velocity follows from elastic
two-body kinematics with the nucleus at rest. A particle slower than ``v_cut`` stops
(thermalises); one crossing the outermost radius outwards escapes (transmitted if it never
scattered, reflected otherwise).

Scoring: the track-length estimator in the detector shells (flagged in ``detector``). Each
straight piece of length s inside them adds w s / v to the density score [s] (time spent: the
steady-state number in a volume is the entry rate x the mean time spent in it) and w s to the
flux score [km]; the density score also goes to the speed histogram. No 1/|cos| appears, so the
estimator has finite variance, and density (not flux) is what is scored, so slowed particles
are counted with their longer dwell time -- the "traffic jam" pitfall of surface-crossing
estimators (DaMaSCUS 2021) cannot arise.

The same dwell time is also summed per shell (a depth profile of the density).

Variance reduction: geometric importance splitting with Russian roulette. Every shell has an
importance I_k; crossing from k to k' with r = I_k'/I_k > 1 splits the particle into floor(r)
or floor(r)+1 copies (the latter with probability r - floor(r)), each of weight w/r; r < 1 plays
roulette: survive with probability r and weight w/r. Both keep the expected weight, hence the
estimator, unbiased. Copies start at the boundary with a fresh tau (the exponential is
memoryless). A primary that already has ``max_tracks`` tracks crosses further boundaries
without splitting (weight unchanged: also unbiased), which bounds the cost of an importance map
that grows faster than the flux falls.

Units: lengths km, speeds km/s, number densities km^-3, cross sections cm^2, masses GeV, Helm
radii fm. Every history is one primary with all its split progeny; its scores go to one row of
``scores`` so that errors are computed over independent primaries.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT
from mcdm.kernels.nuclear import helm_form_factor

__all__ = [
    "C_KM_S",
    "CM2_TO_KM2",
    "N_SCORES",
    "S_DENSITY",
    "S_FLUX",
    "S_TRANSMITTED",
    "S_REFLECTED",
    "S_STOPPED",
    "S_TRUNCATED",
    "S_SCATTERS",
    "S_SCATTER_EVENTS",
    "S_TRACKS",
    "cross_sections_at",
    "elastic_scatter",
    "distance_to_boundary",
    "transport_discrete",
]

#: speed of light [km/s] (exact)
C_KM_S = 299792.458
#: km^2 per cm^2
CM2_TO_KM2 = 1.0e-10

# columns of the per-primary score array
S_DENSITY = 0  # sum w s / v in the detector shells [s]
S_FLUX = 1  # sum w s in the detector shells [km]
S_TRANSMITTED = 2  # weight escaping without any scattering [1]
S_REFLECTED = 3  # weight escaping after >= 1 scattering [1]
S_STOPPED = 4  # weight stopped below v_cut [1]
S_TRUNCATED = 5  # weight abandoned at max_scatters [1]
S_SCATTERS = 6  # collision estimator of the number of scatterings: sum of w per scattering [1]
S_SCATTER_EVENTS = 7  # scatterings simulated (unweighted; cost) [1]
S_TRACKS = 8  # particles tracked: 1 + split copies (unweighted; cost) [1]
N_SCORES = 9

@numba.njit(**JIT)
def _bracket(grid, x: float) -> int:
    """Index j with grid[j] <= x < grid[j+1], clamped to [0, len - 2] (binary search)."""
    lo = 0
    hi = grid.shape[0] - 1
    if x <= grid[0]:
        return 0
    if x >= grid[hi]:
        return hi - 1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if grid[mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo


@numba.njit(**JIT)
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
    j = _bracket(log_v_grid, lv)
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


@numba.njit(**JIT)
def _macroscopic(number_density, k: int, sig) -> float:
    """Sigma_k = sum_i n_ki sigma_i [km^-1]."""
    acc = 0.0
    for i in range(sig.shape[0]):
        acc += number_density[k, i] * sig[i]
    return acc * CM2_TO_KM2


@numba.njit(**JIT)
def distance_to_boundary(x0: float, x1: float, x2: float, d0: float, d1: float, d2: float,
                         k: int, outer_radii):
    """Distance to the next boundary of shell ``k`` along a unit direction, and the next shell.

    Returns ``(s [km], k_next)``: ``k - 1`` through the inner sphere, ``k + 1`` through the outer
    one (``len(outer_radii)`` = escape). ``s >= 0``; a position a rounding error off its shell
    gives ``s = 0`` rather than a negative length.
    """
    b = x0 * d0 + x1 * d1 + x2 * d2
    rr = x0 * x0 + x1 * x1 + x2 * x2
    if k > 0 and b < 0.0:
        r_in = outer_radii[k - 1]
        c = rr - r_in * r_in
        disc = b * b - c
        if disc > 0.0:
            # smaller root of s^2 + 2 b s + c = 0, written without cancellation
            s = c / (-b + math.sqrt(disc))
            if s < 0.0:
                s = 0.0
            return s, k - 1
    r_out = outer_radii[k]
    c = rr - r_out * r_out
    disc = b * b - c
    if disc < 0.0:
        disc = 0.0
    sq = math.sqrt(disc)
    if b <= 0.0:
        s = sq - b
    elif b + sq > 0.0:
        s = -c / (b + sq)
    else:
        s = 0.0
    if s < 0.0:
        s = 0.0
    return s, k + 1


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


@numba.njit(**JIT)
def _grow(arr2, arr_f, arr_w, arr_k, arr_n):
    """Double the capacity of the particle bank (positions+directions (c, 6), speed, weight,
    shell, scatter count)."""
    cap = arr_f.shape[0]
    b2 = np.empty((2 * cap, 6))
    bf = np.empty(2 * cap)
    bw = np.empty(2 * cap)
    bk = np.empty(2 * cap, dtype=np.int64)
    bn = np.empty(2 * cap, dtype=np.int64)
    b2[:cap] = arr2
    bf[:cap] = arr_f
    bw[:cap] = arr_w
    bk[:cap] = arr_k
    bn[:cap] = arr_n
    return b2, bf, bw, bk, bn


@numba.njit(**JIT)
def _start_shell(r: float, outer_radii) -> int:
    """Shell holding radius r (the outer surface belongs to the outermost shell)."""
    m = outer_radii.shape[0]
    for k in range(m):
        if r < outer_radii[k]:
            return k
    return m - 1


@numba.njit(**JIT)
def _add_local(local, flag, touched, n_touched: int, idx: int, value: float) -> int:
    """``local[idx] += value``, remembering ``idx`` in ``touched``; returns the new count."""
    if flag[idx] == 0:
        flag[idx] = 1
        touched[n_touched] = idx
        n_touched += 1
    local[idx] += value
    return n_touched


@numba.njit(**JIT)
def _flush_local(local, flag, touched, n_touched: int, total, total2) -> None:
    """Add one primary's ``local`` scores and their squares to the totals; reset ``local``."""
    for j in range(n_touched):
        b = touched[j]
        total[b] += local[b]
        total2[b] += local[b] * local[b]
        local[b] = 0.0
        flag[b] = 0


@numba.njit(**JIT)
def transport_discrete(positions, velocities, weights, outer_radii, number_density, importance,
                       detector, log_v_grid, sigma, log_sigma, target_mass, helm, dm_mass: float,
                       v_cut: float, speed_edges, max_scatters: int, max_tracks: int, rng):
    """Transport ``n`` primaries with their split progeny; score the detector shells.

    Parameters
    ----------
    positions : (n, 3) float64 -- start points [km], inside or on the outermost sphere
    velocities : (n, 3) float64 -- start velocities [km/s]
    weights : (n,) float64 -- start weights [1]
    outer_radii : (M,) float64 -- ascending shell radii [km]
    number_density : (M, E) float64 -- nuclide number densities [km^-3]
    importance : (M,) float64 -- importance of each shell (> 0) [1]
    detector : (M,) int64 -- 1 for the shells that form the detector, else 0
    log_v_grid : (V,) float64 -- ln of the table speeds [ln(km/s)]
    sigma, log_sigma : (E, V) float64 -- cross sections per nuclide [cm^2] and their ln
    target_mass : (E,) float64 -- nuclide masses [GeV]
    helm : (E, 4) float64 -- (A, c_fm, a_fm, s_fm)
    dm_mass : float -- DM mass [GeV]
    v_cut : float -- speed below which a particle stops [km/s]
    speed_edges : (B + 1,) float64 -- ascending speed-histogram edges [km/s]
    max_scatters : int -- scatterings after which a particle is abandoned (scored truncated)
    max_tracks : int -- once a primary has this many tracks, boundaries no longer split (the
        particle crosses with its weight unchanged, which keeps the estimator unbiased)
    rng : numpy.random.Generator -- advanced in place

    Returns
    -------
    scores : (n, N_SCORES) float64 -- per-primary scores (columns ``S_*``)
    hist_sum, hist_sum2 : (B,) float64 -- sum over primaries of the per-primary density score
        in the detector per speed bin [s], and of its square [s^2]
    shell_sum, shell_sum2 : (M,) float64 -- the same for the density score sum w s / v in each
        shell [s], [s^2] (the depth profile)
    """
    n = positions.shape[0]
    m = outer_radii.shape[0]
    n_nuc = sigma.shape[0]
    n_bins = speed_edges.shape[0] - 1
    scores = np.zeros((n, N_SCORES))
    hist_sum = np.zeros(n_bins)
    hist_sum2 = np.zeros(n_bins)
    h_local = np.zeros(n_bins)
    h_touched = np.zeros(n_bins, dtype=np.int64)
    h_flag = np.zeros(n_bins, dtype=np.int64)
    shell_sum = np.zeros(m)
    shell_sum2 = np.zeros(m)
    k_local = np.zeros(m)
    k_touched = np.zeros(m, dtype=np.int64)
    k_flag = np.zeros(m, dtype=np.int64)
    sig = np.empty(n_nuc)
    cap = 64
    bank_xd = np.empty((cap, 6))
    bank_v = np.empty(cap)
    bank_w = np.empty(cap)
    bank_k = np.empty(cap, dtype=np.int64)
    bank_n = np.empty(cap, dtype=np.int64)

    for ip in range(n):
        nh = 0  # bins touched by this primary
        nk = 0  # shells touched by this primary
        # push the primary
        x0 = positions[ip, 0]
        x1 = positions[ip, 1]
        x2 = positions[ip, 2]
        sp = math.sqrt(velocities[ip, 0] ** 2 + velocities[ip, 1] ** 2 + velocities[ip, 2] ** 2)
        bank_xd[0, 0] = x0
        bank_xd[0, 1] = x1
        bank_xd[0, 2] = x2
        bank_xd[0, 3] = velocities[ip, 0] / sp
        bank_xd[0, 4] = velocities[ip, 1] / sp
        bank_xd[0, 5] = velocities[ip, 2] / sp
        bank_v[0] = sp
        bank_w[0] = weights[ip]
        bank_k[0] = _start_shell(math.sqrt(x0 * x0 + x1 * x1 + x2 * x2), outer_radii)
        bank_n[0] = 0
        top = 1
        n_created = 1
        while top > 0:
            top -= 1
            x0 = bank_xd[top, 0]
            x1 = bank_xd[top, 1]
            x2 = bank_xd[top, 2]
            d0 = bank_xd[top, 3]
            d1 = bank_xd[top, 4]
            d2 = bank_xd[top, 5]
            speed = bank_v[top]
            w = bank_w[top]
            k = bank_k[top]
            nscat = bank_n[top]
            if not speed >= v_cut:
                scores[ip, S_STOPPED] += w
                continue
            cross_sections_at(speed, log_v_grid, sigma, log_sigma, sig)
            big_sigma = _macroscopic(number_density, k, sig)
            tau = rng.standard_exponential()
            ib = -1
            if speed_edges[0] <= speed < speed_edges[n_bins]:
                ib = _bracket(speed_edges, speed)
            while True:
                s_b, k_next = distance_to_boundary(x0, x1, x2, d0, d1, d2, k, outer_radii)
                collide = big_sigma * s_b > tau
                s = tau / big_sigma if collide else s_b
                # ---- score the straight piece (track length)
                dwell = w * s / speed
                if dwell > 0.0:
                    nk = _add_local(k_local, k_flag, k_touched, nk, k, dwell)
                    if detector[k] != 0:
                        scores[ip, S_DENSITY] += dwell
                        scores[ip, S_FLUX] += w * s
                        if ib >= 0:
                            nh = _add_local(h_local, h_flag, h_touched, nh, ib, dwell)
                x0 += s * d0
                x1 += s * d1
                x2 += s * d2
                if collide:
                    # ---- interaction: target nuclide with probability n_ki sigma_i / Sigma_k
                    u = rng.random() * big_sigma / CM2_TO_KM2
                    acc = 0.0
                    it = n_nuc - 1
                    for i in range(n_nuc):
                        acc += number_density[k, i] * sig[i]
                        if u < acc:
                            it = i
                            break
                    v0, v1, v2, _ = elastic_scatter(speed * d0, speed * d1, speed * d2, speed,
                                                    dm_mass, target_mass[it], helm[it, 1],
                                                    helm[it, 2], helm[it, 3], rng)
                    nscat += 1
                    scores[ip, S_SCATTERS] += w
                    scores[ip, S_SCATTER_EVENTS] += 1.0
                    speed = math.sqrt(v0 * v0 + v1 * v1 + v2 * v2)
                    if not speed >= v_cut:
                        scores[ip, S_STOPPED] += w
                        break
                    if nscat >= max_scatters:
                        scores[ip, S_TRUNCATED] += w
                        break
                    inv = 1.0 / speed
                    d0 = v0 * inv
                    d1 = v1 * inv
                    d2 = v2 * inv
                    cross_sections_at(speed, log_v_grid, sigma, log_sigma, sig)
                    big_sigma = _macroscopic(number_density, k, sig)
                    ib = -1
                    if speed_edges[0] <= speed < speed_edges[n_bins]:
                        ib = _bracket(speed_edges, speed)
                    tau = rng.standard_exponential()
                    continue
                # ---- boundary reached with optical depth to spare: carry it over
                tau -= big_sigma * s_b
                if k_next == m:
                    if nscat == 0:
                        scores[ip, S_TRANSMITTED] += w
                    else:
                        scores[ip, S_REFLECTED] += w
                    break
                # snap onto the boundary sphere so that rounding never accumulates
                r_b = outer_radii[k] if k_next > k else outer_radii[k_next]
                rr = math.sqrt(x0 * x0 + x1 * x1 + x2 * x2)
                if rr > 0.0:
                    f = r_b / rr
                    x0 *= f
                    x1 *= f
                    x2 *= f
                ratio = importance[k_next] / importance[k]
                k = k_next
                big_sigma = _macroscopic(number_density, k, sig)
                if ratio > 1.0 and n_created < max_tracks:
                    # splitting: floor(ratio) or floor(ratio) + 1 copies of weight w / ratio
                    n_copies = int(math.floor(ratio))
                    if rng.random() < ratio - n_copies:
                        n_copies += 1
                    w = w / ratio
                    for _ in range(n_copies - 1):
                        if top == bank_v.shape[0]:
                            bank_xd, bank_v, bank_w, bank_k, bank_n = _grow(
                                bank_xd, bank_v, bank_w, bank_k, bank_n)
                        bank_xd[top, 0] = x0
                        bank_xd[top, 1] = x1
                        bank_xd[top, 2] = x2
                        bank_xd[top, 3] = d0
                        bank_xd[top, 4] = d1
                        bank_xd[top, 5] = d2
                        bank_v[top] = speed
                        bank_w[top] = w
                        bank_k[top] = k
                        bank_n[top] = nscat
                        top += 1
                        n_created += 1
                elif ratio < 1.0:
                    # Russian roulette: survive with probability ratio, weight w / ratio
                    if rng.random() < ratio:
                        w = w / ratio
                    else:
                        break  # killed (its weight lives on in the survivors)
        scores[ip, S_TRACKS] = n_created
        _flush_local(h_local, h_flag, h_touched, nh, hist_sum, hist_sum2)
        _flush_local(k_local, k_flag, k_touched, nk, shell_sum, shell_sum2)
    return scores, hist_sum, hist_sum2, shell_sum, shell_sum2

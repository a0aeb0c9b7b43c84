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

Isodetection rings (:func:`transport_discrete_rings`, DaMaSCUS 2017): with the DM wind along a
fixed axis (+z here) the problem is axially symmetric, so the detector shell is cut into N rings
of equal solid angle by the polar angle Theta of the scoring position (cos Theta = z/|x|), each
a volume V/N. A straight piece that crosses ring edges is cut there (the edges are cones, so the
crossings are roots of a quadratic) and each sub-piece is scored in its own ring: the ring
tallies are exact and add up to the shell tally. A detector at an angle Theta(t) from the wind
axis reads its ring (the daily modulation from one simulation).

Recording (``record=True``): every vertex of every track -- entry, scattering, exit, stop,
detector-shell crossing, split, roulette, truncation -- is appended to a table (columns
``R_*``, kinds ``V_*``) with the velocity and weight after the event. Recording draws no random
numbers, so a recorded run is the same run; with ``record=False`` it costs one branch per event.

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
from mcdm.kernels._transport_common import (
    C_KM_S,
    CM2_TO_KM2,
    add_local,
    collide,
    cross_sections_at,
    elastic_scatter,
    flight_start,
    flush_local,
    grow,
    importance_step,
    local_tally,
    macroscopic,
)

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
    "ring_index",
    "ring_cuts",
    "transport_discrete",
    "transport_discrete_rings",
    "N_VERTEX_COLS",
    "V_ENTRY",
    "V_SCATTER",
    "V_EXIT",
    "V_STOP",
    "V_DETECTOR",
    "V_SPLIT",
    "V_ROULETTE",
    "V_KILLED",
    "V_TRUNCATED",
]

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

# kinds of recorded vertices (transport_discrete_rings with record=True)
V_ENTRY = 0  # a track starts: a primary at its entry point, or a split copy on its boundary
V_SCATTER = 1  # scattering (velocity after it)
V_EXIT = 2  # leaves the outermost sphere (end)
V_STOP = 3  # slower than v_cut (end; at the scattering that slowed it)
V_DETECTOR = 4  # crosses a boundary of the detector shell (in or out)
V_SPLIT = 5  # importance boundary crossed upwards: weight divided, copies start here
V_ROULETTE = 6  # importance boundary crossed downwards, roulette survived (weight multiplied)
V_KILLED = 7  # roulette lost (end)
V_TRUNCATED = 8  # abandoned at max_scatters (end)
# columns of a recorded vertex
R_PRIMARY = 0  # primary index in the call [1]
R_TRACK = 1  # track within the primary: 0 the primary, 1.. split copies in order of creation
R_PARENT = 2  # track that created this one (-1 for the primary)
R_STEP = 3  # vertex index within the track
R_KIND = 4  # V_*
R_X = 5  # position [km] (columns 5, 6, 7)
R_Y = 6
R_Z = 7
R_VX = 8  # velocity after the event [km/s] (columns 8, 9, 10)
R_VY = 9
R_VZ = 10
R_SPEED = 11  # [km/s]
R_WEIGHT = 12  # weight after the event [1]
N_VERTEX_COLS = 13


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
def _start_shell(r: float, outer_radii) -> int:
    """Shell holding radius r (the outer surface belongs to the outermost shell)."""
    m = outer_radii.shape[0]
    for k in range(m):
        if r < outer_radii[k]:
            return k
    return m - 1


@numba.njit(**JIT)
def ring_index(cos_theta: float, n_rings: int) -> int:
    """Isodetection ring of a point with cos(Theta) = z/|x|: rings of equal solid angle, ring j
    spanning 1 - 2(j+1)/N < cos(Theta) <= 1 - 2j/N (ring 0 faces +z), clamped to [0, N-1]."""
    j = int(math.floor((1.0 - cos_theta) * 0.5 * n_rings))
    if j < 0:
        return 0
    if j > n_rings - 1:
        return n_rings - 1
    return j


@numba.njit(**JIT)
def ring_cuts(x0: float, x1: float, x2: float, d0: float, d1: float, d2: float, s: float,
              n_rings: int, cuts) -> int:
    """Where the segment x + t d, 0 < t < s, crosses a ring edge; returns their count m.

    Ring edges are the cones cos(Theta) = z/|x| = c_j = 1 - 2j/N (j = 1 .. N-1) about the z axis.
    ``cuts[:m]`` receives the crossing parameters t [km], ascending. Only edges that the segment
    can reach are tried: along a straight line the direction x/|x| moves on a great circle, so
    cos(Theta) stays within the arc angle Delta (start to end) of both end values. Each edge
    is a quadratic (z + t d_z)^2 = c^2 |x + t d|^2; roots of the mirror cone (z of the other
    sign) and tangent points are kept too: the caller assigns every sub-piece to the ring of
    its midpoint, so a spurious cut only splits a piece inside one ring.

    Parameters
    ----------
    x0, x1, x2 : float -- start point [km], not the origin
    d0, d1, d2 : float -- unit direction [1]
    s : float -- segment length [km]
    n_rings : int -- number of rings N
    cuts : (>= 2 (N - 1),) float64 -- output buffer [km]
    """
    rr = x0 * x0 + x1 * x1 + x2 * x2
    e0 = x0 + s * d0
    e1 = x1 + s * d1
    e2 = x2 + s * d2
    re2 = e0 * e0 + e1 * e1 + e2 * e2
    if not (rr > 0.0 and re2 > 0.0):
        return 0
    ra = math.sqrt(rr)
    ca = x2 / ra
    cb = e2 / math.sqrt(re2)
    c0 = x1 * e2 - x2 * e1
    c1 = x2 * e0 - x0 * e2
    c2 = x0 * e1 - x1 * e0
    delta = math.atan2(math.sqrt(c0 * c0 + c1 * c1 + c2 * c2), x0 * e0 + x1 * e1 + x2 * e2)
    lo = max(ca, cb) - delta - 1.0e-12
    hi = min(ca, cb) + delta + 1.0e-12
    j_lo = int(math.ceil((1.0 - hi) * 0.5 * n_rings))
    j_hi = int(math.floor((1.0 - lo) * 0.5 * n_rings))
    if j_lo < 1:
        j_lo = 1
    if j_hi > n_rings - 1:
        j_hi = n_rings - 1
    b = x0 * d0 + x1 * d1 + x2 * d2
    m = 0
    for j in range(j_lo, j_hi + 1):
        c = 1.0 - 2.0 * j / n_rings
        cc2 = c * c
        qa = d2 * d2 - cc2
        qb = x2 * d2 - cc2 * b  # half the linear coefficient
        qc = x2 * x2 - cc2 * rr
        disc = qb * qb - qa * qc
        if disc < 0.0:
            continue
        sq = math.sqrt(disc)
        q = -(qb + sq) if qb >= 0.0 else -(qb - sq)
        for r in range(2):
            t = -1.0
            if r == 0 and qa != 0.0:
                t = q / qa
            elif r == 1 and q != 0.0:
                t = qc / q
            if 0.0 < t < s:
                # insertion into the sorted buffer
                i = m
                while i > 0 and cuts[i - 1] > t:
                    cuts[i] = cuts[i - 1]
                    i -= 1
                cuts[i] = t
                m += 1
    return m


@numba.njit(**JIT)
def _record(rec, n_rec: int, primary: int, track: int, parent: int, step: int, kind: int,
            x0: float, x1: float, x2: float, v0: float, v1: float, v2: float, speed: float,
            w: float):
    """Append one vertex row (columns ``R_*``) to ``rec``, growing it; returns (rec, n_rec + 1)."""
    if n_rec == rec.shape[0]:
        grown = np.empty((max(2 * rec.shape[0], 1024), N_VERTEX_COLS))
        grown[:n_rec] = rec[:n_rec]
        rec = grown
    rec[n_rec, R_PRIMARY] = primary
    rec[n_rec, R_TRACK] = track
    rec[n_rec, R_PARENT] = parent
    rec[n_rec, R_STEP] = step
    rec[n_rec, R_KIND] = kind
    rec[n_rec, R_X] = x0
    rec[n_rec, R_Y] = x1
    rec[n_rec, R_Z] = x2
    rec[n_rec, R_VX] = v0
    rec[n_rec, R_VY] = v1
    rec[n_rec, R_VZ] = v2
    rec[n_rec, R_SPEED] = speed
    rec[n_rec, R_WEIGHT] = w
    return rec, n_rec + 1


@numba.njit(**JIT)
def transport_discrete_rings(positions, velocities, weights, outer_radii, number_density,
                             importance, detector, log_v_grid, sigma, log_sigma, target_mass, helm,
                             dm_mass: float, v_cut: float, speed_edges, max_scatters: int,
                             max_tracks: int, n_rings: int, record: bool, rng):
    """:func:`transport_discrete` with isodetection rings and optional vertex recording.

    The detector shells' track-length tally is also split into ``n_rings`` rings of equal solid
    angle by the polar angle Theta of the scoring position about the +z axis (ring j holds
    1 - 2(j+1)/N < cos Theta <= 1 - 2j/N, :func:`ring_index`); a straight piece that crosses
    ring edges is cut there (:func:`ring_cuts`), so the ring tallies are exact and sum to the
    shell tallies. With ``record`` every vertex of every track is appended to a table (columns
    ``R_*``, kinds ``V_*``); recording draws no random numbers, so the transport and all scores
    are the same as without it.

    Parameters
    ----------
    positions ... max_tracks -- as in :func:`transport_discrete`
    n_rings : int -- number of rings N (>= 1; 1 = the whole shell, no cutting)
    record : bool -- record the vertices
    rng : numpy.random.Generator -- advanced in place

    Returns
    -------
    scores, hist_sum, hist_sum2, shell_sum, shell_sum2 -- as in :func:`transport_discrete`
    ring_sum, ring_sum2 : (N, 2) float64 -- per ring, sum over primaries of the density score
        sum w s / v [s] (column 0) and the flux score sum w s [km] (column 1), and of squares
    ring_hist, ring_hist2 : (N, B) float64 -- per ring, the density score per speed bin [s]
        summed over primaries, and of its square [s^2]
    vertices : (K, N_VERTEX_COLS) float64 -- recorded vertices in the order they happened
        (K = 0 without ``record``): primary index, track (0 = the primary, then split copies in
        order of creation), parent track (-1 for the primary), step (vertex index within the
        track), kind (``V_*``), position [km], velocity after the event [km/s], speed [km/s],
        weight after the event [1]
    """
    n = positions.shape[0]
    m = outer_radii.shape[0]
    n_nuc = sigma.shape[0]
    n_bins = speed_edges.shape[0] - 1
    scores = np.zeros((n, N_SCORES))
    hist_sum = np.zeros(n_bins)
    hist_sum2 = np.zeros(n_bins)
    h_local, h_flag, h_touched = local_tally(n_bins)
    shell_sum = np.zeros(m)
    shell_sum2 = np.zeros(m)
    k_local, k_flag, k_touched = local_tally(m)
    ring_sum = np.zeros(2 * n_rings)
    ring_sum2 = np.zeros(2 * n_rings)
    g_local, g_flag, g_touched = local_tally(2 * n_rings)
    ring_hist = np.zeros(n_rings * n_bins)
    ring_hist2 = np.zeros(n_rings * n_bins)
    rh_local, rh_flag, rh_touched = local_tally(n_rings * n_bins)
    cuts = np.empty(2 * n_rings)
    rec = np.empty((1024 if record else 0, N_VERTEX_COLS))
    n_rec = 0
    sig = np.empty(n_nuc)
    cap = 64
    bank_xd = np.empty((cap, 6))  # position, unit direction
    bank_vw = np.empty((cap, 2))  # speed, weight
    bank_i = np.empty((cap, 4), dtype=np.int64)  # shell, scatterings, track, parent track

    for ip in range(n):
        nh = 0  # bins touched by this primary
        nk = 0  # shells touched by this primary
        ng = 0  # ring scores touched by this primary
        nrh = 0  # ring x speed bins touched by this primary
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
        bank_vw[0, 0] = sp
        bank_vw[0, 1] = weights[ip]
        bank_i[0, 0] = _start_shell(math.sqrt(x0 * x0 + x1 * x1 + x2 * x2), outer_radii)
        bank_i[0, 1] = 0
        bank_i[0, 2] = 0
        bank_i[0, 3] = -1
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
            speed = bank_vw[top, 0]
            w = bank_vw[top, 1]
            k = bank_i[top, 0]
            nscat = bank_i[top, 1]
            track = bank_i[top, 2]
            parent = bank_i[top, 3]
            step = 0
            if record:
                rec, n_rec = _record(rec, n_rec, ip, track, parent, step, V_ENTRY, x0, x1, x2,
                                     speed * d0, speed * d1, speed * d2, speed, w)
                step += 1
            if not speed >= v_cut:
                scores[ip, S_STOPPED] += w
                if record:
                    rec, n_rec = _record(rec, n_rec, ip, track, parent, step, V_STOP, x0, x1, x2,
                                         speed * d0, speed * d1, speed * d2, speed, w)
                continue
            big_sigma, ib, tau = flight_start(speed, k, number_density, log_v_grid, sigma,
                                              log_sigma, sig, speed_edges, rng)
            while True:
                s_b, k_next = distance_to_boundary(x0, x1, x2, d0, d1, d2, k, outer_radii)
                hit = big_sigma * s_b > tau
                s = tau / big_sigma if hit else s_b
                # ---- score the straight piece (track length)
                dwell = w * s / speed
                if dwell > 0.0:
                    nk = add_local(k_local, k_flag, k_touched, nk, k, dwell)
                    if detector[k] != 0:
                        scores[ip, S_DENSITY] += dwell
                        scores[ip, S_FLUX] += w * s
                        if ib >= 0:
                            nh = add_local(h_local, h_flag, h_touched, nh, ib, dwell)
                        # isodetection rings: cut the piece at the ring edges it crosses
                        n_cut = 0 if n_rings == 1 else ring_cuts(x0, x1, x2, d0, d1, d2, s,
                                                                 n_rings, cuts)
                        t_prev = 0.0
                        for q in range(n_cut + 1):
                            t_next = cuts[q] if q < n_cut else s
                            ds = t_next - t_prev
                            if ds > 0.0:
                                jr = 0
                                if n_rings > 1:
                                    tm = 0.5 * (t_prev + t_next)
                                    p0 = x0 + tm * d0
                                    p1 = x1 + tm * d1
                                    p2 = x2 + tm * d2
                                    pr = math.sqrt(p0 * p0 + p1 * p1 + p2 * p2)
                                    jr = ring_index(p2 / pr if pr > 0.0 else 1.0, n_rings)
                                ng = add_local(g_local, g_flag, g_touched, ng, 2 * jr,
                                               w * ds / speed)
                                ng = add_local(g_local, g_flag, g_touched, ng, 2 * jr + 1,
                                               w * ds)
                                if ib >= 0:
                                    nrh = add_local(rh_local, rh_flag, rh_touched, nrh,
                                                    jr * n_bins + ib, w * ds / speed)
                            t_prev = t_next
                x0 += s * d0
                x1 += s * d1
                x2 += s * d2
                if hit:
                    # ---- interaction
                    v0, v1, v2, speed = collide(speed, d0, d1, d2, k, number_density, sig,
                                                big_sigma, dm_mass, target_mass, helm, rng)
                    nscat += 1
                    scores[ip, S_SCATTERS] += w
                    scores[ip, S_SCATTER_EVENTS] += 1.0
                    if record:
                        rec, n_rec = _record(rec, n_rec, ip, track, parent, step, V_SCATTER, x0,
                                             x1, x2, v0, v1, v2, speed, w)
                        step += 1
                    if not speed >= v_cut:
                        scores[ip, S_STOPPED] += w
                        if record:
                            rec, n_rec = _record(rec, n_rec, ip, track, parent, step, V_STOP, x0,
                                                 x1, x2, v0, v1, v2, speed, w)
                        break
                    if nscat >= max_scatters:
                        scores[ip, S_TRUNCATED] += w
                        if record:
                            rec, n_rec = _record(rec, n_rec, ip, track, parent, step,
                                                 V_TRUNCATED, x0, x1, x2, v0, v1, v2, speed, w)
                        break
                    inv = 1.0 / speed
                    d0 = v0 * inv
                    d1 = v1 * inv
                    d2 = v2 * inv
                    big_sigma, ib, tau = flight_start(speed, k, number_density, log_v_grid,
                                                      sigma, log_sigma, sig, speed_edges, rng)
                    continue
                # ---- boundary reached with optical depth to spare: carry it over
                tau -= big_sigma * s_b
                if k_next == m:
                    if nscat == 0:
                        scores[ip, S_TRANSMITTED] += w
                    else:
                        scores[ip, S_REFLECTED] += w
                    if record:
                        rec, n_rec = _record(rec, n_rec, ip, track, parent, step, V_EXIT, x0, x1,
                                             x2, speed * d0, speed * d1, speed * d2, speed, w)
                    break
                # snap onto the boundary sphere so that rounding never accumulates
                r_b = outer_radii[k] if k_next > k else outer_radii[k_next]
                rr = math.sqrt(x0 * x0 + x1 * x1 + x2 * x2)
                if rr > 0.0:
                    f = r_b / rr
                    x0 *= f
                    x1 *= f
                    x2 *= f
                if record and detector[k] != detector[k_next]:
                    rec, n_rec = _record(rec, n_rec, ip, track, parent, step, V_DETECTOR, x0, x1,
                                         x2, speed * d0, speed * d1, speed * d2, speed, w)
                    step += 1
                ratio = importance[k_next] / importance[k]
                k = k_next
                big_sigma = macroscopic(number_density, k, sig)
                # splitting (the copies start here with a fresh tau) or Russian roulette
                may_split = n_created < max_tracks
                n_copies, w = importance_step(ratio, w, may_split, rng)
                if record and (ratio < 1.0 or (ratio > 1.0 and may_split)):
                    kind = V_SPLIT if ratio > 1.0 else (V_ROULETTE if n_copies > 0 else V_KILLED)
                    rec, n_rec = _record(rec, n_rec, ip, track, parent, step, kind, x0, x1, x2,
                                         speed * d0, speed * d1, speed * d2, speed, w)
                    step += 1
                if n_copies == 0:
                    break  # killed (its weight lives on in the survivors)
                for _ in range(n_copies - 1):
                    if top == bank_xd.shape[0]:
                        bank_xd = grow(bank_xd)
                        bank_vw = grow(bank_vw)
                        bank_i = grow(bank_i)
                    bank_xd[top, 0] = x0
                    bank_xd[top, 1] = x1
                    bank_xd[top, 2] = x2
                    bank_xd[top, 3] = d0
                    bank_xd[top, 4] = d1
                    bank_xd[top, 5] = d2
                    bank_vw[top, 0] = speed
                    bank_vw[top, 1] = w
                    bank_i[top, 0] = k
                    bank_i[top, 1] = nscat
                    bank_i[top, 2] = n_created
                    bank_i[top, 3] = track
                    top += 1
                    n_created += 1
        scores[ip, S_TRACKS] = n_created
        flush_local(h_local, h_flag, h_touched, nh, hist_sum, hist_sum2)
        flush_local(k_local, k_flag, k_touched, nk, shell_sum, shell_sum2)
        flush_local(g_local, g_flag, g_touched, ng, ring_sum, ring_sum2)
        flush_local(rh_local, rh_flag, rh_touched, nrh, ring_hist, ring_hist2)
    return (scores, hist_sum, hist_sum2, shell_sum, shell_sum2,
            ring_sum.reshape((n_rings, 2)), ring_sum2.reshape((n_rings, 2)),
            ring_hist.reshape((n_rings, n_bins)), ring_hist2.reshape((n_rings, n_bins)),
            rec[:n_rec].copy())


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
    out = transport_discrete_rings(positions, velocities, weights, outer_radii, number_density,
                                   importance, detector, log_v_grid, sigma, log_sigma, target_mass,
                                   helm, dm_mass, v_cut, speed_edges, max_scatters, max_tracks, 1,
                                   False, rng)
    return out[0], out[1], out[2], out[3], out[4]

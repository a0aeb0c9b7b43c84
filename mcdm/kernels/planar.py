"""Discrete-scatter Monte Carlo through planar horizontal layers (the DaMaSCUS-CRUST regime).

The world is a stack of horizontal layers, infinite in both horizontal directions, described by
the depth z below its top [km] (z = 0 the top plane, z grows downwards): layer k spans
``z_edges[k] <= z < z_edges[k+1]``. Above z = 0 is vacuum (a particle crossing it leaves the
world: *reflected*); the bottom edge ``z_edges[-1]`` is an absorbing floor (the particle is lost
into the Earth: *absorbed*). Velocities are in the local East-North-Up frame [km/s], so a
particle moves down when its Up component is negative: dz/ds = -d_up.

Every primary starts on the top plane (z = 0) moving down. Free flights are event driven as in
:mod:`mcdm.kernels.discrete`, with the same steps (:mod:`mcdm.kernels._transport_common`): an
optical depth tau = -ln u is spent across layer boundaries (no fixed step; the residual carries
over), the target nuclide is drawn with probability n_ki sigma_i(v) / Sigma_k, the
centre-of-mass angle is isotropic times |F_Helm|^2 and the new lab velocity follows from elastic
two-body kinematics (:func:`~mcdm.kernels._transport_common.elastic_scatter`). A particle slower
than ``v_cut`` stops.

Scoring: the track-length estimator in the detector layers (flagged in ``detector``): each
straight piece of length s inside them adds w s / v to the density score (time spent) and w s
to the flux score (track length); the density score also goes to the speed histogram. The same
dwell time is summed per layer (depth profile). Horizontal translation invariance makes the
horizontal position irrelevant: it is not tracked.

Variance reduction: geometric importance splitting and Russian roulette by layer, exactly as in
:func:`mcdm.kernels.discrete.transport_discrete` (split into floor(r) or floor(r) + 1 copies of
weight w/r when the importance ratio r of the crossed boundary exceeds 1, roulette with survival
probability r < 1; copies restart at the boundary with a fresh tau; no splitting once a primary
has ``max_tracks`` tracks). Both keep the expected weight, so every estimator stays unbiased.

Units: lengths km, speeds km/s, number densities km^-3, cross sections cm^2, masses GeV, Helm
radii fm. Weights carry any unit (the Python layer passes flux weights [km/s]); every score is
linear in them. Each primary with its progeny scores one row, so errors are computed over
independent primaries.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT
from mcdm.kernels._transport_common import (
    add_local,
    collide,
    flight_start,
    flush_local,
    grow,
    importance_step,
    local_tally,
    macroscopic,
)

__all__ = [
    "N_SCORES",
    "S_DENSITY",
    "S_FLUX",
    "S_REFLECTED",
    "S_ABSORBED",
    "S_STOPPED",
    "S_TRUNCATED",
    "S_SCATTERS",
    "S_SCATTER_EVENTS",
    "S_TRACKS",
    "distance_to_layer_boundary",
    "transport_planar",
]

# columns of the per-primary score array
S_DENSITY = 0  # sum w s / v in the detector layers [w s]
S_FLUX = 1  # sum w s in the detector layers [w km]
S_REFLECTED = 2  # weight leaving through the top plane z = 0 [w]
S_ABSORBED = 3  # weight reaching the floor z = z_edges[-1] [w]
S_STOPPED = 4  # weight stopped below v_cut [w]
S_TRUNCATED = 5  # weight abandoned at max_scatters, or flying parallel to the layers in vacuum [w]
S_SCATTERS = 6  # collision estimator of the number of scatterings: sum of w per scattering [w]
S_SCATTER_EVENTS = 7  # scatterings simulated (unweighted; cost) [1]
S_TRACKS = 8  # particles tracked: 1 + split copies (unweighted; cost) [1]
N_SCORES = 9


@numba.njit(**JIT)
def distance_to_layer_boundary(z: float, dz: float, k: int, z_edges):
    """Path length to the next boundary of layer ``k`` and the layer beyond it.

    Parameters
    ----------
    z : float -- depth [km], in [z_edges[k], z_edges[k+1]]
    dz : float -- dz/ds = -(Up component of the unit direction) [1]
    k : int -- current layer
    z_edges : (M+1,) float64 -- ascending layer depths [km]

    Returns
    -------
    (s [km], k_next): ``k + 1`` downwards (``M`` = the floor), ``k - 1`` upwards (``-1`` = out
    through the top); ``s = inf`` and ``k_next = k`` for a flight parallel to the layers.
    ``s >= 0`` (a depth a rounding error outside the layer gives 0).
    """
    if dz > 0.0:
        s = (z_edges[k + 1] - z) / dz
        return (s if s > 0.0 else 0.0), k + 1
    if dz < 0.0:
        s = (z_edges[k] - z) / dz
        return (s if s > 0.0 else 0.0), k - 1
    return math.inf, k


@numba.njit(**JIT)
def transport_planar(velocities, weights, z_edges, number_density, importance, detector,
                     log_v_grid, sigma, log_sigma, target_mass, helm, dm_mass: float,
                     v_cut: float, speed_edges, max_scatters: int, max_tracks: int, rng):
    """Transport ``n`` primaries entering through the top plane; score the detector layers.

    Parameters
    ----------
    velocities : (n, 3) float64 -- start velocities (East, North, Up) [km/s], Up < 0
    weights : (n,) float64 -- start weights [any unit w]
    z_edges : (M+1,) float64 -- ascending layer depths, z_edges[0] = 0 the top plane,
        z_edges[M] the absorbing floor [km]
    number_density : (M, E) float64 -- nuclide number densities [km^-3]
    importance : (M,) float64 -- importance of each layer (> 0) [1]
    detector : (M,) int64 -- 1 for the layers that form the detector, else 0
    log_v_grid : (V,) float64 -- ln of the table speeds [ln(km/s)]
    sigma, log_sigma : (E, V) float64 -- cross sections per nuclide [cm^2] and their ln
    target_mass : (E,) float64 -- nuclide masses [GeV]
    helm : (E, 4) float64 -- (A, c_fm, a_fm, s_fm)
    dm_mass : float -- DM mass [GeV]
    v_cut : float -- speed below which a particle stops [km/s]
    speed_edges : (B + 1,) float64 -- ascending speed-histogram edges [km/s]
    max_scatters : int -- scatterings after which a particle is abandoned (scored truncated)
    max_tracks : int -- once a primary has this many tracks, boundaries no longer split
    rng : numpy.random.Generator -- advanced in place

    Returns
    -------
    scores : (n, N_SCORES) float64 -- per-primary scores (columns ``S_*``)
    hist_sum, hist_sum2 : (B,) float64 -- sum over primaries of the per-primary density score in
        the detector per speed bin [w s], and of its square [w^2 s^2]
    layer_sum, layer_sum2 : (M,) float64 -- the same for the density score of every layer (the
        depth profile) [w s], [w^2 s^2]
    """
    n = velocities.shape[0]
    m = z_edges.shape[0] - 1
    n_nuc = sigma.shape[0]
    n_bins = speed_edges.shape[0] - 1
    scores = np.zeros((n, N_SCORES))
    hist_sum = np.zeros(n_bins)
    hist_sum2 = np.zeros(n_bins)
    h_local, h_flag, h_touched = local_tally(n_bins)
    layer_sum = np.zeros(m)
    layer_sum2 = np.zeros(m)
    k_local, k_flag, k_touched = local_tally(m)
    sig = np.empty(n_nuc)
    cap = 64
    # particle bank: float rows (depth, d_east, d_north, d_up, speed, weight), int rows
    # (layer, scatter count)
    bank_f = np.empty((cap, 6))
    bank_i = np.empty((cap, 2), dtype=np.int64)

    for ip in range(n):
        nh = 0
        nk = 0
        sp = math.sqrt(velocities[ip, 0] ** 2 + velocities[ip, 1] ** 2 + velocities[ip, 2] ** 2)
        bank_f[0, 0] = z_edges[0]
        bank_f[0, 1] = velocities[ip, 0] / sp
        bank_f[0, 2] = velocities[ip, 1] / sp
        bank_f[0, 3] = velocities[ip, 2] / sp
        bank_f[0, 4] = sp
        bank_f[0, 5] = weights[ip]
        bank_i[0, 0] = 0
        bank_i[0, 1] = 0
        top = 1
        n_created = 1
        while top > 0:
            top -= 1
            z = bank_f[top, 0]
            d0 = bank_f[top, 1]
            d1 = bank_f[top, 2]
            d2 = bank_f[top, 3]
            speed = bank_f[top, 4]
            w = bank_f[top, 5]
            k = bank_i[top, 0]
            nscat = bank_i[top, 1]
            if not speed >= v_cut:
                scores[ip, S_STOPPED] += w
                continue
            big_sigma, ib, tau = flight_start(speed, k, number_density, log_v_grid, sigma,
                                              log_sigma, sig, speed_edges, rng)
            while True:
                s_b, k_next = distance_to_layer_boundary(z, -d2, k, z_edges)
                if s_b == math.inf:
                    hit = big_sigma > 0.0
                else:
                    hit = big_sigma * s_b > tau
                s = tau / big_sigma if hit else s_b
                if s == math.inf:
                    # parallel to the layers in a vacuum layer: it never arrives anywhere
                    scores[ip, S_TRUNCATED] += w
                    break
                # ---- score the straight piece (track length)
                dwell = w * s / speed
                if dwell > 0.0:
                    nk = add_local(k_local, k_flag, k_touched, nk, k, dwell)
                    if detector[k] != 0:
                        scores[ip, S_DENSITY] += dwell
                        scores[ip, S_FLUX] += w * s
                        if ib >= 0:
                            nh = add_local(h_local, h_flag, h_touched, nh, ib, dwell)
                if hit:
                    z -= s * d2
                    # keep the interaction point inside its layer despite rounding
                    if z < z_edges[k]:
                        z = z_edges[k]
                    elif z > z_edges[k + 1]:
                        z = z_edges[k + 1]
                    # ---- interaction
                    v0, v1, v2, speed = collide(speed, d0, d1, d2, k, number_density, sig,
                                                big_sigma, dm_mass, target_mass, helm, rng)
                    nscat += 1
                    scores[ip, S_SCATTERS] += w
                    scores[ip, S_SCATTER_EVENTS] += 1.0
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
                    big_sigma, ib, tau = flight_start(speed, k, number_density, log_v_grid,
                                                      sigma, log_sigma, sig, speed_edges, rng)
                    continue
                # ---- boundary reached with optical depth to spare: carry it over
                tau -= big_sigma * s_b
                if k_next < 0:
                    scores[ip, S_REFLECTED] += w
                    break
                if k_next == m:
                    scores[ip, S_ABSORBED] += w
                    break
                # snap onto the boundary plane so that rounding never accumulates
                z = z_edges[k] if k_next < k else z_edges[k + 1]
                ratio = importance[k_next] / importance[k]
                k = k_next
                big_sigma = macroscopic(number_density, k, sig)
                # splitting (the copies start here with a fresh tau) or Russian roulette
                n_copies, w = importance_step(ratio, w, n_created < max_tracks, rng)
                if n_copies == 0:
                    break  # killed (its weight lives on in the survivors)
                for _ in range(n_copies - 1):
                    if top == bank_f.shape[0]:
                        bank_f = grow(bank_f)
                        bank_i = grow(bank_i)
                    bank_f[top, 0] = z
                    bank_f[top, 1] = d0
                    bank_f[top, 2] = d1
                    bank_f[top, 3] = d2
                    bank_f[top, 4] = speed
                    bank_f[top, 5] = w
                    bank_i[top, 0] = k
                    bank_i[top, 1] = nscat
                    top += 1
                    n_created += 1
        scores[ip, S_TRACKS] = n_created
        flush_local(h_local, h_flag, h_touched, nh, hist_sum, hist_sum2)
        flush_local(k_local, k_flag, k_touched, nk, layer_sum, layer_sum2)
    return scores, hist_sum, hist_sum2, layer_sum, layer_sum2

"""Monte Carlo truth of single next-event histories of seed 004: χ₂ speed and flight length.

For one time bin and one cell (isotope i, layer l) of the next-event estimator
(:mod:`mcdm.kernels.next_event`, DESIGN.md §4), a history (galactic velocity, CM uniforms u₁, u₂)
has the weight ``out[l]`` of :func:`~mcdm.kernels.next_event.score_isotope`, a χ₂ lab velocity
v_out (Eqs. 35–36) and a distribution of the flight length L from the scatter point to the
detector along the ray r_D − L d̂ (d̂ = v_out/|v_out|):

    p(L) ∝ n_{i,l}(r_D − L d̂) e^{−L/ℓ}/ℓ ,   ℓ = |v_out| τ₂ (Eq. 6),

whose normalisation is the ray factor inside the weight. A third uniform u₃ draws L by exact
inversion of the CDF on each segment of constant density (the sorted ball-interval ends of the
onion shells). Resampling histories ∝ weight then gives events of the cell with their truth.

Geometry in km, speeds in km/s outside and v/c inside the physics calls (as in next_event).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT
from mcdm.kernels._math import ball_interval, exp_weight
from mcdm.kernels.kinematics import cos_cm_from_q2, lab_velocity_out, q2_range
from mcdm.kernels.next_event import score_isotope

__all__ = ["chi2_lab_velocity", "sample_flight", "truth_chunk"]


@numba.njit(**JIT)
def chi2_lab_velocity(vx, vy, vz, speed_c, u1, u2, m_chi, m_n, delta):
    """χ₂ lab velocity [c] of a history, the one :func:`~mcdm.kernels.next_event.score_isotope` scores.

    Mirrors score_isotope step for step (threshold μv² > 2δ, q² log-uniform from u1 between the
    kinematic limits, cos θ_cm from q², φ_cm = 2π u2, then lab_velocity_out); keep the two in step.

    Parameters
    ----------
    vx, vy, vz : lab velocity of χ [v/c]; speed_c = |v| [c]
    u1, u2 : the history's CM uniforms in [0, 1)
    m_chi, m_n, delta : χ mass, nucleus mass, splitting [GeV]

    Returns
    -------
    ux, uy, uz : χ₂ velocity [c]; (0, 0, 0) when the isotope is closed (score_isotope returns 0 there)
    """
    mu = m_chi * m_n / (m_chi + m_n)
    if mu * speed_c * speed_c <= 2.0 * delta:
        return 0.0, 0.0, 0.0
    q2_min, q2_max = q2_range(speed_c, m_chi, m_n, delta)
    if not (q2_max > q2_min and q2_min > 0.0):
        return 0.0, 0.0, 0.0
    q2 = q2_min * math.exp(u1 * math.log(q2_max / q2_min))
    cos_cm = cos_cm_from_q2(q2, speed_c, m_chi, m_n, delta)
    return lab_velocity_out(vx, vy, vz, cos_cm, 2.0 * math.pi * u2, m_chi, m_n, delta)


@numba.njit(**JIT)
def sample_flight(r_det, dx, dy, dz, outer_radii, onion, column, inv_ell, u3, pos, step):
    """Draw the flight length L [km] along the ray r_D + L d̂ ∝ n(L) e^{−L/ℓ}/ℓ, by exact inversion.

    Parameters
    ----------
    r_det : (3,) detector position [km]; (dx, dy, dz) : unit direction of the ray (−v_out/|v_out|)
    outer_radii : (m,) shell radii [km]; onion : (m, S) density differences n_k − n_{k+1} [km⁻³]
    column : species column of the cell (isotope × n_layers + layer)
    inv_ell : 1/ℓ [km⁻¹], > 0 and finite
    u3 : uniform in [0, 1)
    pos, step : (2m,) float workspaces (ends of the ball intervals and the density steps there)

    Returns
    -------
    L : float [km], nan when the ray meets no density of the column
    total : float, ∫₀^∞ n e^{−L/ℓ}/ℓ dL [km⁻³] (the ray factor of score_isotope's out[layer])
    """
    ox, oy, oz = r_det[0], r_det[1], r_det[2]
    oo = ox * ox + oy * oy + oz * oz
    b = ox * dx + oy * dy + oz * dz
    px, py, pz = ox - b * dx, oy - b * dy, oz - b * dz
    h2 = px * px + py * py + pz * pz
    n_ev = 0
    for k in range(outer_radii.shape[0]):
        d = onion[k, column]
        if d == 0.0:
            continue
        lo, hi = ball_interval(oo, b, h2, outer_radii[k], np.inf)
        if hi <= lo:
            continue
        pos[n_ev] = lo
        step[n_ev] = d
        pos[n_ev + 1] = hi
        step[n_ev + 1] = -d
        n_ev += 2
    if n_ev == 0:
        return math.nan, 0.0
    order = np.argsort(pos[:n_ev])
    # density is piecewise constant between sorted interval ends: sweep once for the total mass
    total = 0.0
    dens = 0.0
    prev = pos[order[0]]
    for j in range(n_ev):
        s = pos[order[j]]
        if s > prev and dens > 0.0:
            total += dens * exp_weight(prev, s, inv_ell)
        dens += step[order[j]]
        prev = s
    if not total > 0.0:
        return math.nan, 0.0
    # second sweep: the segment where the CDF crosses u3, then invert
    # n (e^{-a/l} - e^{-L/l}) = r  =>  L = a - l log1p(-r e^{a/l} / n)
    target = u3 * total
    cum = 0.0
    dens = 0.0
    prev = pos[order[0]]
    last_a, last_b, last_dens, last_cum = 0.0, 0.0, 0.0, 0.0
    for j in range(n_ev):
        s = pos[order[j]]
        if s > prev and dens > 0.0:
            mass = dens * exp_weight(prev, s, inv_ell)
            last_a, last_b, last_dens, last_cum = prev, s, dens, cum
            if cum + mass > target:
                break
            cum += mass
        dens += step[order[j]]
        prev = s
    x = (target - last_cum) / (last_dens * math.exp(-last_a * inv_ell))
    top = -math.expm1(-(last_b - last_a) * inv_ell)  # x of the segment's far end (rounding guard)
    if x > top:
        x = top
    if x < 0.0:
        x = 0.0
    flight = last_a - math.log1p(-x) / inv_ell
    if flight > last_b:
        flight = last_b
    return flight, total


@numba.njit(**JIT)
def truth_chunk(v_gal, uniforms, u_earth_t, rotation_t, i, layer, c_kms,
                m_chi, delta, e_mu, m_nucleon, g_p, g_n, prefactor_code,
                iso_mass, iso_kind, iso_coeffs, iso_helm, iso_b, iso_j,
                r_det, outer_radii, onion, n_layers, tau2_s, form, radius_det, volume_det):
    """Weight, χ₂ speed and flight length of each history of a chunk in one (bin, isotope, layer) cell.

    Parameters
    ----------
    v_gal : (n, 3) galactic-frame velocities [km/s]; uniforms : (n, 3) in [0, 1): u1, u2 of the CM
        angle (as in :func:`~mcdm.kernels.next_event.score_chunk`) and u3 for the flight length
    u_earth_t : (3,) Earth velocity of the bin [km/s]; rotation_t : (3, 3) galactic → local ENU of the bin
    i, layer : isotope and layer of the cell
    (other arguments as in score_chunk, from :func:`mcdm.scenarios.midm.kernel_arguments`)

    Returns
    -------
    weight : (n,) score_isotope's out[layer] [km/s · GeV⁻² · km⁻³] (as it is: it can be slightly
        negative where an isotope's response fit dips below zero at large q²)
    speed : (n,) χ₂ lab speed [km/s]; flight : (n,) L [km]; both nan where the weight is 0
    """
    n = v_gal.shape[0]
    weight = np.zeros(n)
    speed = np.full(n, np.nan)
    flight = np.full(n, np.nan)
    out = np.empty(n_layers)
    pos = np.empty(2 * outer_radii.shape[0])
    step = np.empty(2 * outer_radii.shape[0])
    first = i * n_layers
    m_n = iso_mass[i]
    rot = rotation_t
    for h in range(n):
        gx = v_gal[h, 0] - u_earth_t[0]
        gy = v_gal[h, 1] - u_earth_t[1]
        gz = v_gal[h, 2] - u_earth_t[2]
        vx = (rot[0, 0] * gx + rot[0, 1] * gy + rot[0, 2] * gz) / c_kms
        vy = (rot[1, 0] * gx + rot[1, 1] * gy + rot[1, 2] * gz) / c_kms
        vz = (rot[2, 0] * gx + rot[2, 1] * gy + rot[2, 2] * gz) / c_kms
        speed_c = math.sqrt(vx * vx + vy * vy + vz * vz)
        u1 = uniforms[h, 0]
        u2 = uniforms[h, 1]
        score_isotope(vx, vy, vz, speed_c, u1, u2, i, m_chi, delta, e_mu, m_nucleon, g_p, g_n,
                      prefactor_code, iso_mass, iso_kind, iso_coeffs, iso_helm, iso_b, iso_j,
                      r_det, outer_radii, onion, first, n_layers, c_kms, tau2_s, form,
                      radius_det, volume_det, out)
        w = out[layer]
        weight[h] = w  # may be slightly negative where a nuclear response fit dips below 0
        if w == 0.0:
            continue
        ux, uy, uz = chi2_lab_velocity(vx, vy, vz, speed_c, u1, u2, m_chi, m_n, delta)
        v_out = math.sqrt(ux * ux + uy * uy + uz * uz)
        if not v_out > 0.0:
            continue
        inv_ell = 1.0 / (v_out * c_kms * tau2_s)  # decay length ℓ = v_out τ₂ (Eq. 6)
        length, _ = sample_flight(r_det, -ux / v_out, -uy / v_out, -uz / v_out, outer_radii, onion,
                                  first + layer, inv_ell, uniforms[h, 2], pos, step)
        speed[h] = v_out * c_kms
        flight[h] = length
    return weight, speed, flight

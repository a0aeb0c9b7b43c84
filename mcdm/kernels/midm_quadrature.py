"""Deterministic quadrature of the seed-004 next-event rate in the lab frame (validation kernels).

Independent of :mod:`mcdm.kernels.next_event`: the integral is ordered χ₂ direction first. For a
lab direction d̂ of χ₂, the incoming lab velocity is written around d̂ as v = s (cos θ d̂ + sin θ
(cos φ e₁ + sin φ e₂)) with θ = θ_lab, so that (digest 004 §8.2 item 2, Fubini over (v, d̂))

    Γ = n_χ V_D ∫dΩ_d Σ_± ∫ds s³ ∫ sin θ dθ (1/2π)(dσ/dcos θ_cm)_± |J_±| G(d̂, ℓ_±) ∫₀^{2π}dφ f(v + u_E),

    G(d̂, ℓ) = ∫₀^∞ dL n(r_D − L d̂) e^{−L/ℓ}/ℓ   (exact through the onion shells).

The Python layer (:mod:`mcdm.scenarios.midm_quadrature`) chooses the nodes and evaluates every
factor that depends only on (s, θ, branch) with :mod:`mcdm.physics.kinematics` and the cross-section
kernel; the kernels here do the φ-integral of the truncated Maxwellian with the escape cut solved
analytically, the ray trace, and the sums.

Speeds in km/s, lengths in km, densities in km⁻³; every kernel runs under ``NUMBA_DISABLE_JIT=1``.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT
from mcdm.kernels._math import ball_interval, exp_weight

__all__ = ["azimuth_integral", "direction_rate_sum"]


@numba.njit(**JIT)
def azimuth_integral(p: float, q: float, v0: float, v_esc: float, phi_x, phi_w) -> float:
    """∫₀^{2π} dφ exp(−(p + q cos φ)/v0²) · 1[p + q cos φ < v_esc²]   [rad].

    ``p + q cos φ`` is |v_gal|² of the velocities on a cone around a fixed axis [km²/s²] (q ≥ 0);
    the escape cut is a φ-interval found analytically, cos φ < κ = (v_esc² − p)/q, so the
    Gauss–Legendre sum ``phi_x, phi_w`` (nodes and weights on [0, 1]) sees a smooth integrand.
    """
    lim = v_esc * v_esc
    inv_v02 = 1.0 / (v0 * v0)
    if not q > 0.0:
        if p < lim:
            return 2.0 * math.pi * math.exp(-p * inv_v02)
        return 0.0
    kappa = (lim - p) / q
    if kappa <= -1.0:
        return 0.0
    lo = 0.0 if kappa >= 1.0 else math.acos(kappa)  # φ in (lo, π], mirrored onto (π, 2π − lo)
    span = math.pi - lo
    total = 0.0
    for k in range(phi_x.shape[0]):
        phi = lo + span * phi_x[k]
        total += phi_w[k] * math.exp(-(p + q * math.cos(phi)) * inv_v02)
    return 2.0 * span * total


@numba.njit(**JIT)
def direction_rate_sum(dirs, dir_w, s_nodes, s_w, cos_t, sin_t, ang_w, v_out, u_loc, v0, v_esc,
                       phi_x, phi_w, r_det, radii, onion, tau2_s, out):
    """Accumulate Σ_d Σ_s Σ_a w_d w_s w_a Φ(d̂, s, θ) G_l(d̂, ℓ) into ``out[l]`` per layer.

    Parameters
    ----------
    dirs : (D, 3) unit χ₂ lab directions d̂ (ENU, the frame of ``r_det`` and ``u_loc``)
    dir_w : (D,) solid-angle weights [sr]
    s_nodes, s_w : (D, S) incoming lab speeds [km/s] and their weights including s³ [km⁴/s⁴]
    cos_t, sin_t : (D, S, A) cos, sin of the lab angle θ between v and d̂ at each angle node
        (both branches flattened into A)
    ang_w : (D, S, A) (1/2π)(dσ/dcos θ_cm)|J| |dcos θ/dψ| × node weight [GeV⁻²] (0 skips the node)
    v_out : (D, S, A) χ₂ lab speed of the node's branch [km/s]
    u_loc : (3,) Earth's velocity in the same frame, v_gal = v + u_loc [km/s]
    v0, v_esc : halo parameters [km/s] (f ∝ exp(−v²/v0²), cut at v_esc; the 1/N is the caller's)
    phi_x, phi_w : Gauss–Legendre nodes and weights on [0, 1] for the azimuth
    r_det : (3,) detector position, Earth's centre at the origin [km]
    radii : (m,) shell radii [km]; onion : (m, L) density differences n_k − n_{k+1} per layer [km⁻³]
    tau2_s : χ₂ lifetime [s]
    out : (L,) accumulated [km⁴/s⁴ · GeV⁻² · km⁻³]; divided by the halo normalisation N [km³/s³]
        it is the rate per unit n_χ V_D in the next-event kernel's weight unit [km/s · GeV⁻² · km⁻³]

    The ray runs from the detector back along −d̂; its shell intervals are computed once per d̂.
    """
    n_dir = dirs.shape[0]
    n_s = s_nodes.shape[1]
    n_a = ang_w.shape[2]
    m = radii.shape[0]
    n_layers = onion.shape[1]
    lo = np.empty(m)
    hi = np.empty(m)
    g = np.empty(n_layers)
    ox, oy, oz = r_det[0], r_det[1], r_det[2]
    oo = ox * ox + oy * oy + oz * oz
    ux, uy, uz = u_loc[0], u_loc[1], u_loc[2]
    u2 = ux * ux + uy * uy + uz * uz
    for d in range(n_dir):
        dx, dy, dz = dirs[d, 0], dirs[d, 1], dirs[d, 2]
        # back ray x(L) = r_D + L w, w = -d̂
        wx, wy, wz = -dx, -dy, -dz
        b = ox * wx + oy * wy + oz * wz
        px, py, pz = ox - b * wx, oy - b * wy, oz - b * wz
        h2 = px * px + py * py + pz * pz
        for k in range(m):
            lo[k], hi[k] = ball_interval(oo, b, h2, radii[k], np.inf)
        # u = a d̂ + b_perp e₁: v·u = s (a cos θ + b_perp sin θ cos φ)
        a_par = ux * dx + uy * dy + uz * dz
        b2 = u2 - a_par * a_par
        b_perp = math.sqrt(b2) if b2 > 0.0 else 0.0
        for j in range(n_s):
            s = s_nodes[d, j]
            wj = dir_w[d] * s_w[d, j]
            if wj == 0.0:
                continue
            base = s * s + u2
            for a in range(n_a):
                wa = ang_w[d, j, a]
                if wa == 0.0:
                    continue
                phi_int = azimuth_integral(base + 2.0 * s * a_par * cos_t[d, j, a],
                                           2.0 * s * b_perp * sin_t[d, j, a], v0, v_esc, phi_x, phi_w)
                if phi_int == 0.0:
                    continue
                inv_ell = 1.0 / (v_out[d, j, a] * tau2_s)  # ℓ = v_out τ₂ (Eq. 6)
                for layer in range(n_layers):
                    g[layer] = 0.0
                for k in range(m):
                    if hi[k] <= lo[k]:
                        continue
                    ew = exp_weight(lo[k], hi[k], inv_ell)
                    for layer in range(n_layers):
                        g[layer] += onion[k, layer] * ew
                w = wj * wa * phi_int
                for layer in range(n_layers):
                    out[layer] += w * g[layer]

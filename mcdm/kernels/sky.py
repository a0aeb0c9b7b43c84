"""Line-of-sight kernels for sky maps: adaptive Gauss-Kronrod integrals of a density product.

For an observer at ``obs`` (Galactocentric, kpc) and a unit direction d, a point of the line of
sight is x(s) = obs + s d (0 <= s <= s_max). With s* = -obs.d the closest approach to the
Galactic centre and p = sqrt(|obs|^2 - s*^2) the impact parameter, r(s)^2 = p^2 + (s - s*)^2.
The line is split at s* and on each side t = |s - s*| is substituted by t = p_e sinh(u)
(p_e = max(p, r_floor)), so that dt = r du when p >= r_floor: a 1/r cusp becomes a smooth
integrand, and uniform steps in u are logarithmic in r far from the closest approach (the cosh
substitution of gammapy PR #6757; anchors/spectra_skymaps_stats.md §2.7).

Each side is cut at the crossing of every break radius (a sphere edge, r_cut) and into
``n_init`` equal panels in u; a panel is accepted when |K15 - G7| <= max(rtol |K15|,
rtol I0 w/W) (I0 the first-pass total, w/W its share of the u range) and is otherwise bisected,
depth-first, up to ``max_depth`` times. The integrand is the product of the factors
(kind code + 4 float parameters each, as packed by :mod:`mcdm.sky.profiles`), zero where
r > r_cut; r is floored at ``r_floor`` in the factors so a cusp on the centre line stays finite.

Units: lengths [kpc]; the result is [kpc] x the product of the factors' units.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT

__all__ = ["KIND_UNIT", "KIND_NFW", "KIND_EINASTO", "KIND_BURKERT", "KIND_EXP_DISK",
           "KIND_POWER_LAW", "KIND_CONST_SPHERE", "N_PARAMS", "factor_value", "emissivity",
           "los_integrals", "GK15_NODES", "GK15_WEIGHTS", "G7_WEIGHTS"]

KIND_UNIT = 0          # f = 1
KIND_NFW = 1           # (rho_s, r_s): rho_s / ((r/r_s)(1 + r/r_s)^2)
KIND_EINASTO = 2       # (rho_s, r_s, alpha): rho_s exp(-(2/alpha)((r/r_s)^alpha - 1))
KIND_BURKERT = 3       # (rho_0, r_0): rho_0 / ((1 + r/r_0)(1 + (r/r_0)^2))
KIND_EXP_DISK = 4      # (n0, R_d, z_d): n0 exp(-R/R_d - |z|/z_d), R = sqrt(x^2 + y^2)
KIND_POWER_LAW = 5     # (n0, r_ref, index, r_max): n0 (r/r_ref)^-index for r <= r_max
KIND_CONST_SPHERE = 6  # (n0, radius): n0 for r <= radius
N_PARAMS = 4

# Gauss-Kronrod 15-point rule on [-1, 1] (QUADPACK qk15): non-negative nodes, Kronrod weights,
# and the weights of the embedded 7-point Gauss rule (on nodes 1, 3, 5, 7 = 0).
GK15_NODES = np.array([
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.0])
GK15_WEIGHTS = np.array([
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714])
G7_WEIGHTS = np.array([
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327])



@numba.njit(**JIT)
def factor_value(kind: int, prm: np.ndarray, x: float, y: float, z: float, r: float) -> float:
    """One density factor at Galactocentric (x, y, z) with r = |x| (already floored) [its unit]."""
    if kind == KIND_NFW:
        q = r / prm[1]
        return prm[0] / (q * (1.0 + q) * (1.0 + q))
    if kind == KIND_EINASTO:
        q = r / prm[1]
        return prm[0] * math.exp(-(2.0 / prm[2]) * (q ** prm[2] - 1.0))
    if kind == KIND_BURKERT:
        q = r / prm[1]
        return prm[0] / ((1.0 + q) * (1.0 + q * q))
    if kind == KIND_EXP_DISK:
        rc = math.sqrt(x * x + y * y)
        return prm[0] * math.exp(-rc / prm[1] - abs(z) / prm[2])
    if kind == KIND_POWER_LAW:
        if r > prm[3]:
            return 0.0
        return prm[0] * (r / prm[1]) ** (-prm[2])
    if kind == KIND_CONST_SPHERE:
        return prm[0] if r <= prm[1] else 0.0
    return 1.0


@numba.njit(**JIT)
def emissivity(kinds: np.ndarray, params: np.ndarray, x: float, y: float, z: float,
               r_floor: float, r_cut: float) -> float:
    """Product of the factors at (x, y, z) [kpc]; 0 beyond r_cut [product of the units]."""
    r = math.sqrt(x * x + y * y + z * z)
    if r > r_cut:
        return 0.0
    if r < r_floor:
        r = r_floor
    f = 1.0
    for k in range(kinds.shape[0]):
        f *= factor_value(kinds[k], params[k], x, y, z, r)
    return f


@numba.njit(**JIT)
def _panel(u0: float, u1: float, s_star: float, sign: float, p_e: float, ox: float, oy: float,
           oz: float, dx: float, dy: float, dz: float, kinds: np.ndarray, params: np.ndarray,
           r_floor: float, r_cut: float) -> tuple:
    """(K15, G7) estimates of the integral over u in [u0, u1] of f(x(s(u))) ds/du."""
    half = 0.5 * (u1 - u0)
    mid = 0.5 * (u1 + u0)
    k15 = 0.0
    g7 = 0.0
    for j in range(15):
        if j < 8:
            xi = -GK15_NODES[j]
            jj = j
        else:
            xi = GK15_NODES[14 - j]
            jj = 14 - j
        u = mid + half * xi
        t = p_e * math.sinh(u)
        s = s_star + sign * t
        f = emissivity(kinds, params, ox + s * dx, oy + s * dy, oz + s * dz, r_floor, r_cut)
        f *= p_e * math.cosh(u)
        k15 += GK15_WEIGHTS[jj] * f
        if jj % 2 == 1:
            g7 += G7_WEIGHTS[jj // 2] * f
    return k15 * half, g7 * half


@numba.njit(**JIT)
def _side_edges(t_a: float, t_b: float, p: float, p_e: float, breaks: np.ndarray,
                n_init: int, edges: np.ndarray) -> int:
    """Initial panel edges in u for t in [t_a, t_b]; returns their number (written in ``edges``)."""
    u_a = math.asinh(t_a / p_e)
    u_b = math.asinh(t_b / p_e)
    cuts = np.empty(breaks.shape[0] + 2)
    m = 0
    cuts[m] = u_a
    m += 1
    for k in range(breaks.shape[0]):
        rb = breaks[k]
        if rb > p:
            uk = math.asinh(math.sqrt(rb * rb - p * p) / p_e)
            if u_a < uk < u_b:
                cuts[m] = uk
                m += 1
    cuts[m] = u_b
    m += 1
    cuts[:m].sort()
    edges[0] = cuts[0]
    n = 1
    for k in range(m - 1):
        if cuts[k + 1] <= cuts[k]:
            continue
        for j in range(1, n_init + 1):
            edges[n] = cuts[k] + (cuts[k + 1] - cuts[k]) * j / n_init
            n += 1
    return n


@numba.njit(**JIT)
def los_integrals(obs: np.ndarray, dirs: np.ndarray, s_max: float, kinds: np.ndarray,
                  params: np.ndarray, breaks: np.ndarray, r_floor: float, r_cut: float,
                  rtol: float, n_init: int, max_depth: int, out: np.ndarray,
                  err: np.ndarray) -> None:
    """Fill out[i] = int_0^s_max ds f(obs + s dirs[i]) and err[i] (sum of |K15 - G7| accepted).

    obs : (3,) observer [kpc]; dirs : (n, 3) unit vectors; kinds : (m,) int64 factor codes;
    params : (m, N_PARAMS) factor parameters; breaks : radii [kpc] where f may jump (panel cuts).
    """
    ox = obs[0]
    oy = obs[1]
    oz = obs[2]
    r_obs2 = ox * ox + oy * oy + oz * oz
    edges = np.empty(n_init * (breaks.shape[0] + 1) + 2)
    first_k = np.empty(edges.shape[0])
    first_g = np.empty(edges.shape[0])
    n_stack = 2 * edges.shape[0] + 2 * max_depth + 4  # depth-first: grows by 1 per level
    st_lo = np.empty(n_stack)
    st_hi = np.empty(n_stack)
    st_d = np.empty(n_stack, dtype=np.int64)
    for i in range(dirs.shape[0]):
        dx = dirs[i, 0]
        dy = dirs[i, 1]
        dz = dirs[i, 2]
        s_star = -(ox * dx + oy * dy + oz * dz)
        p = math.sqrt(max(r_obs2 - s_star * s_star, 0.0))
        p_e = max(p, r_floor)
        total = 0.0
        total_err = 0.0
        for side in range(2):
            if side == 0:  # s in [0, min(s*, s_max)], t = s* - s decreasing
                if s_star <= 0.0:
                    continue
                sign = -1.0
                t_a = s_star - min(s_star, s_max)
                t_b = s_star
            else:  # s in [max(s*, 0), s_max], t = s - s*
                s0 = max(s_star, 0.0)
                if s_max <= s0:
                    continue
                sign = 1.0
                t_a = s0 - s_star
                t_b = s_max - s_star
            if t_b <= t_a:
                continue
            n_e = _side_edges(t_a, t_b, p, p_e, breaks, n_init, edges)
            if n_e < 2:
                continue
            width = edges[n_e - 1] - edges[0]
            # first pass: every initial panel, and a reference scale for the tolerance
            ref = 0.0
            for k in range(n_e - 1):
                k15, g7 = _panel(edges[k], edges[k + 1], s_star, sign, p_e, ox, oy, oz,
                                 dx, dy, dz, kinds, params, r_floor, r_cut)
                first_k[k] = k15
                first_g[k] = g7
                ref += abs(k15)
            top = 0
            for k in range(n_e - 1):
                e = abs(first_k[k] - first_g[k])
                w = edges[k + 1] - edges[k]
                if e <= max(rtol * abs(first_k[k]), rtol * ref * w / width) or max_depth <= 0:
                    total += first_k[k]
                    total_err += e
                else:
                    c = edges[k] + 0.5 * w
                    st_lo[top] = edges[k]
                    st_hi[top] = c
                    st_lo[top + 1] = c
                    st_hi[top + 1] = edges[k + 1]
                    st_d[top] = 1
                    st_d[top + 1] = 1
                    top += 2
            while top > 0:
                top -= 1
                a = st_lo[top]
                b = st_hi[top]
                depth = st_d[top]
                k15, g7 = _panel(a, b, s_star, sign, p_e, ox, oy, oz, dx, dy, dz, kinds,
                                 params, r_floor, r_cut)
                e = abs(k15 - g7)
                tol = max(rtol * abs(k15), rtol * ref * (b - a) / width)
                if e <= tol or depth >= max_depth or top + 2 > n_stack:
                    total += k15
                    total_err += e
                else:
                    c = 0.5 * (a + b)
                    st_lo[top] = a
                    st_hi[top] = c
                    st_d[top] = depth + 1
                    st_lo[top + 1] = c
                    st_hi[top + 1] = b
                    st_d[top + 1] = depth + 1
                    top += 2
        out[i] = total
        err[i] = total_err

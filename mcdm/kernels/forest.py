"""Dark-forest kernels: deposit absorption lines on an observed-frequency grid (seed 002 §III.1.2).

Each line i is a symmetric profile tau(nu) = ew_i p_i(|nu - center_i|/width_i)/width_i whose
half-CDF G_i(x) = integral_0^x p_i is tabulated on uniform nodes x_j = j x_step (j = 0..n-1) with its
derivative p_i(x_j); between nodes G is the cubic Hermite interpolant, beyond the last node it is
G_i(x_{n-1}) (= 1/2 for a normalised shape). Channel k (edges nu_k < nu_{k+1}) receives
ew_i [C_i(nu_{k+1}) - C_i(nu_k)] / (nu_{k+1} - nu_k), C_i = 1/2 + sign(x) G_i(|x|): the
channel-averaged optical depth, so that sum_k tau_k (nu_{k+1} - nu_k) = ew_i exactly (to rounding)
at any resolution when the line window lies inside the grid (units: frequencies any one unit,
e.g. Hz; ew in the same unit; tau dimensionless).

:func:`find_peaks_log_grid` finds the local maxima of a channel-averaged tau on a grid uniform in
ln nu and measures each by the parabola through the peak channel and its two neighbours (centres
nu_k = exp(ln_lo + (k + 1/2) dln)): vertex frequency, vertex value tau_0 and curvature tau''_0
(seed 002 Eq. 20 uses tau_0 and tau''_0).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT

__all__ = ["half_cdf_value", "deposit_lines", "deposit_lines_trimmed", "find_peaks_log_grid",
           "interp_rows_3d"]


@numba.njit(**JIT)
def half_cdf_value(x: float, x_step: float, half_cdf: np.ndarray, pdf: np.ndarray, i: int) -> float:
    """Signed half-CDF sign(x) G_i(|x|) of line i at x (Hermite cubic between nodes) [1]."""
    ax = abs(x)
    n = half_cdf.shape[1]
    s = ax / x_step
    if s >= n - 1:
        g = half_cdf[i, n - 1]
    else:
        j = int(s)
        t = s - j
        t2 = t * t
        omt = 1.0 - t
        g = ((1.0 + 2.0 * t) * omt * omt * half_cdf[i, j]
             + t * omt * omt * x_step * pdf[i, j]
             + t2 * (3.0 - 2.0 * t) * half_cdf[i, j + 1]
             - t2 * omt * x_step * pdf[i, j + 1])
    return g if x >= 0.0 else -g


@numba.njit(**JIT)
def deposit_lines(nu_edges: np.ndarray, center: np.ndarray, width: np.ndarray, ew: np.ndarray,
                  x_step: float, half_cdf: np.ndarray, pdf: np.ndarray, tau: np.ndarray) -> None:
    """Add lines to ``tau`` (one value per channel, len(nu_edges) - 1), in place.

    nu_edges : increasing channel edges; center, width, ew : per line (same frequency unit);
    half_cdf, pdf : (n_lines, n_nodes) shape tables on x_j = j x_step. Lines with ew <= 0 or
    width <= 0 are skipped; only channels overlapping [center - x_max width, center + x_max width]
    are touched (x_max = x_step (n_nodes - 1)).
    """
    n_ch = nu_edges.shape[0] - 1
    x_max = x_step * (half_cdf.shape[1] - 1)
    for i in range(center.shape[0]):
        w = width[i]
        if not (ew[i] > 0.0 and w > 0.0):
            continue
        lo = center[i] - x_max * w
        hi = center[i] + x_max * w
        k0 = np.searchsorted(nu_edges, lo, side="right") - 1
        k1 = np.searchsorted(nu_edges, hi, side="left")
        if k0 < 0:
            k0 = 0
        if k1 > n_ch:
            k1 = n_ch
        if k0 >= k1:
            continue
        c_prev = half_cdf_value((nu_edges[k0] - center[i]) / w, x_step, half_cdf, pdf, i)
        for k in range(k0, k1):
            c_next = half_cdf_value((nu_edges[k + 1] - center[i]) / w, x_step, half_cdf, pdf, i)
            tau[k] += ew[i] * (c_next - c_prev) / (nu_edges[k + 1] - nu_edges[k])
            c_prev = c_next


@numba.njit(**JIT)
def _tailed_cdf(x: float, x_step: float, half_cdf: np.ndarray, pdf: np.ndarray, i: int, x_t: float,
                g_t: float, g_tail: float) -> float:
    """Signed half-CDF: the tabulated shape up to x_t, beyond it the Gaussian asymptote
    G = g_t + g_tail (f(x_t) - f(x))/f(x_t), f(x) = exp(-x^2)/x (the leading term of erfc, smooth
    and decreasing, so G is continuous at x_t and monotone)."""
    ax = abs(x)
    if ax < x_t:
        return half_cdf_value(x, x_step, half_cdf, pdf, i)
    g = g_t + g_tail * (1.0 - math.exp(x_t * x_t - ax * ax) * x_t / ax)
    return g if x >= 0.0 else -g


@numba.njit(**JIT)
def deposit_lines_trimmed(nu_edges: np.ndarray, center: np.ndarray, width: np.ndarray, ew: np.ndarray,
                          x_step: float, half_cdf: np.ndarray, pdf: np.ndarray, tail: float,
                          tau: np.ndarray) -> None:
    """:func:`deposit_lines` with each line's far wing replaced by its Gaussian asymptote.

    Beyond x_t = j_t x_step, j_t the first node with G_i(x_last) - G_i(x_j) <= ``tail``, the wing
    (that mass) follows G(x) = G(x_t) + (G_last - G(x_t)) (1 - f(x)/f(x_t)), f = exp(-x^2)/x, the
    asymptote of the widest Gaussian component (width 1 in x = |nu - center|/width), which dominates
    the far wing of the mixture. The far wings of a single-precision table are quantisation noise
    (|dG| ~ 6e-8) that would make spurious local maxima, and a hard cut would leave a step; this tail
    is smooth and monotone. The window is |x| <= x_t + 0.6 (the residual step there is
    ~exp(-(x_end^2 - x_t^2)) tail ~ 1e-8 of the line's ew/width), and each line is rescaled to deposit
    exactly ew_i (to rounding) when the window lies inside the grid.
    """
    n_ch = nu_edges.shape[0] - 1
    n_nodes = half_cdf.shape[1]
    x_max = x_step * (n_nodes - 1)
    for i in range(center.shape[0]):
        w = width[i]
        if not (ew[i] > 0.0 and w > 0.0):
            continue
        g_last = half_cdf[i, n_nodes - 1]
        j_t = n_nodes - 1
        while j_t > 1 and g_last - half_cdf[i, j_t - 1] <= tail:
            j_t -= 1
        x_t = x_step * j_t
        g_t = half_cdf[i, j_t]
        g_tail = g_last - g_t
        x_end = min(x_t + 0.6, x_max)
        if j_t == n_nodes - 1:
            x_t = x_max + 1.0  # the whole table is used, no tail model
            x_end = x_max
        g_end = _tailed_cdf(x_end, x_step, half_cdf, pdf, i, x_t, g_t, g_tail)
        if not (g_end > 0.0):
            continue
        scale = ew[i] * g_last / g_end
        lo = center[i] - x_end * w
        hi = center[i] + x_end * w
        k0 = np.searchsorted(nu_edges, lo, side="right") - 1
        k1 = np.searchsorted(nu_edges, hi, side="left")
        if k0 < 0:
            k0 = 0
        if k1 > n_ch:
            k1 = n_ch
        if k0 >= k1:
            continue
        inv_w = 1.0 / w
        x = (nu_edges[k0] - center[i]) * inv_w
        c_prev = _tailed_cdf(max(-x_end, min(x, x_end)), x_step, half_cdf, pdf, i, x_t, g_t, g_tail)
        for k in range(k0, k1):
            x = (nu_edges[k + 1] - center[i]) * inv_w
            c_next = _tailed_cdf(max(-x_end, min(x, x_end)), x_step, half_cdf, pdf, i, x_t, g_t, g_tail)
            tau[k] += scale * (c_next - c_prev) / (nu_edges[k + 1] - nu_edges[k])
            c_prev = c_next


@numba.njit(**JIT)
def find_peaks_log_grid(tau: np.ndarray, ln_lo: float, dln: float, tau_floor: float,
                        out_nu: np.ndarray, out_tau: np.ndarray, out_d2: np.ndarray) -> int:
    """Local maxima of ``tau`` (tau_k > tau_{k-1}, tau_k >= tau_{k+1}, tau_k > tau_floor).

    Channels k have centres nu_k = exp(ln_lo + (k + 1/2) dln). For each peak the parabola through
    (nu_{k-1}, nu_k, nu_{k+1}) gives the vertex frequency (out_nu, same unit as exp(ln_lo)), the
    vertex value tau_0 (out_tau) and the second derivative d2tau/dnu^2 (out_d2, < 0). Writes at
    most len(out_nu) peaks and returns the number found (which may exceed the buffer: call again
    with larger buffers).
    """
    n = tau.shape[0]
    m = 0
    cap = out_nu.shape[0]
    for k in range(1, n - 1):
        t0 = tau[k]
        if t0 > tau_floor and t0 > tau[k - 1] and t0 >= tau[k + 1]:
            if m < cap:
                x0 = np.exp(ln_lo + (k + 0.5) * dln)
                hm = x0 - np.exp(ln_lo + (k - 0.5) * dln)
                hp = np.exp(ln_lo + (k + 1.5) * dln) - x0
                dp = tau[k + 1] - t0
                dm = tau[k - 1] - t0
                den = hm * hp * (hm + hp)
                d2 = 2.0 * (hm * dp + hp * dm) / den
                d1 = (hm * hm * dp - hp * hp * dm) / den
                if d2 < 0.0:
                    shift = -d1 / d2
                    out_nu[m] = x0 + shift
                    out_tau[m] = t0 - 0.5 * d1 * d1 / d2
                else:
                    out_nu[m] = x0
                    out_tau[m] = t0
                out_d2[m] = d2
            m += 1
    return m


@numba.njit(**JIT)
def interp_rows_3d(table: np.ndarray, iz: np.ndarray, im: np.ndarray, ia: np.ndarray, fz: np.ndarray,
                   fm: np.ndarray, fa: np.ndarray, out: np.ndarray) -> None:
    """Trilinear interpolation of the rows table[z, M, alpha, :] (any float dtype) into out (N, K).

    Point i uses the cell (iz_i..iz_i+1, im_i..im_i+1, ia_i..ia_i+1) with fractions fz, fm, fa in
    [0, 1] (weight (1 - f) on the lower node), as the line table's multilinear lookup.
    """
    n_k = table.shape[3]
    for i in range(iz.shape[0]):
        for k in range(n_k):
            out[i, k] = 0.0
        for dz in range(2):
            wz = fz[i] if dz else 1.0 - fz[i]
            for dm in range(2):
                wm = fm[i] if dm else 1.0 - fm[i]
                for da in range(2):
                    w = wz * wm * (fa[i] if da else 1.0 - fa[i])
                    if w == 0.0:
                        continue
                    for k in range(n_k):
                        out[i, k] += w * table[iz[i] + dz, im[i] + dm, ia[i] + da, k]

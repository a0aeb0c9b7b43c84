"""Dark-forest kernels: deposit absorption lines on an observed-frequency grid (seed 002 §III.1.2).

Each line i is a symmetric profile tau(nu) = ew_i p_i(|nu - center_i|/width_i)/width_i whose
half-CDF G_i(x) = integral_0^x p_i is tabulated on uniform nodes x_j = j x_step (j = 0..n-1) with its
derivative p_i(x_j); between nodes G is the cubic Hermite interpolant, beyond the last node it is
G_i(x_{n-1}) (= 1/2 for a normalised shape). Channel k (edges nu_k < nu_{k+1}) receives
ew_i [C_i(nu_{k+1}) - C_i(nu_k)] / (nu_{k+1} - nu_k), C_i = 1/2 + sign(x) G_i(|x|): the
channel-averaged optical depth, so that sum_k tau_k (nu_{k+1} - nu_k) = ew_i exactly (to rounding)
at any resolution when the line window lies inside the grid (units: frequencies any one unit,
e.g. Hz; ew in the same unit; tau dimensionless).
"""
from __future__ import annotations

import numba
import numpy as np

from mcdm.kernels import JIT

__all__ = ["half_cdf_value", "deposit_lines"]


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

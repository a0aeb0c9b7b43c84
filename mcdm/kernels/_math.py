"""Small numerically careful scalar helpers shared by the kernels.

All functions are ``@numba.njit(**JIT)`` scalar routines (inlined by LLVM into the calling
kernel; :func:`bracket`, which takes an array, is inlined at the numba IR level so that the call
costs no reference counting); they work unchanged under ``NUMBA_DISABLE_JIT=1``.
"""
from __future__ import annotations

import math

import numba

from mcdm.kernels import JIT

__all__ = ["ball_interval", "bracket", "exp_weight", "inverse_decay_length"]


@numba.njit(**JIT)
def ball_interval(oo: float, b: float, h2: float, radius: float, max_length: float):
    """Part of a ray inside a ball of given radius centred at the origin, clipped to [0, L].

    The ray is ``x(s) = o + s d`` with ``|d| = 1``; the ball is ``|x| < radius``.

    Parameters
    ----------
    oo : float
        ``o . o``, squared distance of the ray origin from the centre [km^2].
    b : float
        ``o . d``, projection of the origin on the direction [km].
    h2 : float
        ``|o - (o.d) d|^2``, squared impact parameter [km^2] (computed from the perpendicular
        component, which is accurate also for nearly radial rays).
    radius : float
        Ball radius [km].
    max_length : float
        Upper end L of the ray parameter [km] (``inf`` for an unbounded ray).

    Returns
    -------
    lo, hi : float
        Clipped interval [km]; the intersection is empty when ``hi <= lo`` (a miss or a tangent
        ray returns ``lo = hi = 0``).
    """
    disc = radius * radius - h2
    if not disc > 0.0:  # miss, tangent, or nan
        return 0.0, 0.0
    sq = math.sqrt(disc)
    c = oo - radius * radius
    # stable roots of s^2 + 2 b s + c = 0 (no cancellation between -b and +-sq)
    if b < 0.0:
        hi = sq - b
        lo = c / hi
    else:
        lo = -b - sq
        hi = c / lo
    if lo < 0.0:
        lo = 0.0
    if hi > max_length:
        hi = max_length
    return lo, hi


@numba.njit(inline="always", **JIT)
def bracket(grid, x: float) -> int:
    """Index j with ``grid[j] <= x < grid[j+1]`` in a strictly ascending 1-D grid, clamped to
    [0, len - 2] (binary search; x below the grid or NaN gives 0, x at or above its end len - 2)."""
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
def exp_weight(a: float, b: float, inv_ell: float) -> float:
    """``exp(-a/l) - exp(-b/l)`` for ``0 <= a <= b``, without cancellation.

    Evaluated as ``exp(-a/l) * (-expm1(-(b - a)/l))``, which is accurate to a few ulp relative
    even when ``(b - a)/l`` is tiny (``l`` much longer than the segment).

    Parameters
    ----------
    a, b : float
        Segment ends along the ray [km] (``b`` may be ``inf``).
    inv_ell : float
        Inverse decay length 1/l [1/km]; must be > 0 and finite (callers skip ``l = inf``).

    Returns
    -------
    float
        The weight ``int_a^b e^{-s/l}/l ds`` [dimensionless].
    """
    return math.exp(-a * inv_ell) * (-math.expm1(-(b - a) * inv_ell))


@numba.njit(**JIT)
def inverse_decay_length(ell: float) -> float:
    """``1/ell`` [1/km] for a decay length ``ell`` [km]; 0 for ``inf``, nan unless ``ell > 0``."""
    if ell > 0.0:
        return 1.0 / ell
    return math.nan

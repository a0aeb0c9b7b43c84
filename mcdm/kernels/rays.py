"""Ray kernels through concentric spherical shells and horizontal flat slabs.

Conventions (all lengths in km):

* **Shells**: concentric spheres centred at the origin with ``outer_radii (m,)`` ascending;
  shell ``k`` is ``outer_radii[k-1] <= r < outer_radii[k]`` (shell 0 is the innermost ball).
  Density is 0 outside the outermost sphere.
* **Slabs**: horizontal layers between ``z_edges (m+1,)`` ascending; slab ``j`` is
  ``z_edges[j] <= z < z_edges[j+1]``. A ray uses only its origin height ``z0`` and the z
  component ``dz`` of its unit direction (local flat approximation). Density is 0 outside.
* **Rays**: ``x(s) = origin + s * direction`` with unit ``direction`` and ``0 <= s <= L``,
  ``L = max_length`` per ray (``np.inf`` = unbounded).
* **Density**: per-layer values, ``(m,)`` (one species; outputs ``(n,)``) or ``(m, k)``
  (k species, e.g. nuclides; outputs ``(n, k)``). Any unit: a column is returned in
  density-unit x km, an exponentially weighted integral in density-unit.

The fused integrals over shells use the "onion" decomposition: for nested balls
``B_0 c B_1 c ... c B_{m-1}``, ``int rho ds = sum_k (rho_k - rho_{k+1}) |ray n B_k n [0, L]|``
with ``rho_m = 0``; each ball costs one sqrt and one division, and no segment array is built.
The exponentially weighted integral (the L-integral of the next-event estimator, DESIGN.md §4,
digest 004 §8) is exact for piecewise-constant layers:
``int_0^L n(s) e^{-s/l}/l ds = sum_k dn_k (e^{-a_k/l} - e^{-b_k/l})``, each difference formed
with ``expm1`` so that ``l >> L`` loses no precision; ``l = inf`` gives exactly 0.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT
from mcdm.kernels._math import ball_interval, exp_weight, inverse_decay_length

__all__ = [
    "shell_segments",
    "shell_path_lengths",
    "path_length_in_shells",
    "column_through_shells",
    "exp_integral_through_shells",
    "slab_segments",
    "column_through_slabs",
    "exp_integral_through_slabs",
]


# --------------------------------------------------------------------------- helpers


# helpers that take arrays are inlined at the numba IR level (no reference counting per call;
# mcdm.kernels.continuous calls them once per ray)
_INLINE = dict(JIT, inline="always")


@numba.njit(**_INLINE)
def _ray_invariants(origins, directions, i):
    """``(o.o [km^2], o.d [km], |o - (o.d) d|^2 [km^2])`` of ray ``i``."""
    ox = origins[i, 0]
    oy = origins[i, 1]
    oz = origins[i, 2]
    dx = directions[i, 0]
    dy = directions[i, 1]
    dz = directions[i, 2]
    oo = ox * ox + oy * oy + oz * oz
    b = ox * dx + oy * dy + oz * dz
    px = ox - b * dx
    py = oy - b * dy
    pz = oz - b * dz
    return oo, b, px * px + py * py + pz * pz


@numba.njit(**JIT)
def _as_2d(density):
    """A C-contiguous ``(m, k)`` float64 copy of a ``(m,)`` or ``(m, k)`` density."""
    if density.ndim == 1:
        out = np.empty((density.shape[0], 1))
        for j in range(density.shape[0]):
            out[j, 0] = density[j]
        return out
    else:
        return np.ascontiguousarray(density).astype(np.float64)


@numba.njit(**JIT)
def _onion_differences(density2):
    """``drho[k] = rho[k] - rho[k+1]`` with ``rho[m] = 0``; shape ``(m, k)``."""
    m, ns = density2.shape
    drho = np.empty((m, ns))
    for k in range(m):
        for j in range(ns):
            nxt = density2[k + 1, j] if k + 1 < m else 0.0
            drho[k, j] = density2[k, j] - nxt
    return drho


@numba.njit(**JIT)
def _nested_chords(oo, b, h2, outer_radii, L, lo, hi):
    """Fill clipped ball intervals ``lo[k], hi[k]``, outermost first, forcing nesting.

    Returns the index of the innermost ball with a non-empty clipped interval (``m`` if the
    ray does not enter the outermost ball within ``[0, L]``). Entries below it are not set.
    """
    m = outer_radii.shape[0]
    kmin = m
    prev_lo = -math.inf
    prev_hi = math.inf
    for k in range(m - 1, -1, -1):
        a, e = ball_interval(oo, b, h2, outer_radii[k], L)
        if a < prev_lo:
            a = prev_lo
        if e > prev_hi:
            e = prev_hi
        if not e > a:
            break  # inner balls lie inside this (empty) clipped interval
        lo[k] = a
        hi[k] = e
        prev_lo = a
        prev_hi = e
        kmin = k
    return kmin


@numba.njit(**_INLINE)
def _ordered_segments(oo, b, h2, length, outer_radii, lo, hi, seg_a, seg_e, seg_k):
    """Segments of one ray through the shells in the order it crosses them.

    Writes entry and exit parameters [km] and the shell index of each non-empty segment to
    ``seg_a``, ``seg_e``, ``seg_k`` (length >= 2m) and returns their count; ``lo``, ``hi`` (m,)
    are work arrays for :func:`_nested_chords`. Ray invariants as :func:`_ray_invariants`,
    ``length`` the ray length L [km].
    """
    m = outer_radii.shape[0]
    kmin = _nested_chords(oo, b, h2, outer_radii, length, lo, hi)
    c = 0
    for k in range(m - 1, kmin - 1, -1):  # inbound, outermost shell first
        a = lo[k]
        e = lo[k - 1] if k > kmin else hi[k]
        if e > a:
            seg_a[c] = a
            seg_e[c] = e
            seg_k[c] = k
            c += 1
    for k in range(kmin + 1, m):  # outbound
        a = hi[k - 1]
        e = hi[k]
        if e > a:
            seg_a[c] = a
            seg_e[c] = e
            seg_k[c] = k
            c += 1
    return c


# --------------------------------------------------------------------------- shells


@numba.njit(**JIT)
def shell_segments(origins, directions, outer_radii, max_length):
    """Ordered segments of each ray through concentric spherical shells.

    Parameters
    ----------
    origins : ndarray (n, 3)
        Ray origins [km], centre of the spheres at (0, 0, 0).
    directions : ndarray (n, 3)
        Unit direction vectors [dimensionless].
    outer_radii : ndarray (m,)
        Outer radii of the shells, ascending [km].
    max_length : ndarray (n,)
        Ray length L [km] (``np.inf`` = unbounded).

    Returns
    -------
    s_in, s_out : ndarray (n, 2m)
        Entry and exit parameter of each segment [km], ordered along the ray, clipped to
        [0, L]; unused slots are ``nan``. Zero-length segments are omitted.
    layer : ndarray (n, 2m) int64
        Shell index of each segment; unused slots are -1.
    n_seg : ndarray (n,) int64
        Number of segments of each ray (at most 2m - 1).
    """
    n = origins.shape[0]
    m = outer_radii.shape[0]
    s_in = np.full((n, 2 * m), np.nan)
    s_out = np.full((n, 2 * m), np.nan)
    layer = np.full((n, 2 * m), -1, dtype=np.int64)
    n_seg = np.zeros(n, dtype=np.int64)
    lo = np.empty(m)
    hi = np.empty(m)
    for i in range(n):
        oo, b, h2 = _ray_invariants(origins, directions, i)
        n_seg[i] = _ordered_segments(oo, b, h2, max_length[i], outer_radii, lo, hi, s_in[i],
                                     s_out[i], layer[i])
    return s_in, s_out, layer, n_seg


@numba.njit(**JIT)
def shell_path_lengths(origins, directions, outer_radii, max_length):
    """Path length of each ray inside each shell, ``(n, m)`` [km].

    Same arguments as :func:`shell_segments`; ``out[i, k]`` sums both crossings of shell k.
    """
    n = origins.shape[0]
    m = outer_radii.shape[0]
    out = np.zeros((n, m))
    lo = np.empty(m)
    hi = np.empty(m)
    for i in range(n):
        oo, b, h2 = _ray_invariants(origins, directions, i)
        kmin = _nested_chords(oo, b, h2, outer_radii, max_length[i], lo, hi)
        for k in range(kmin, m):
            inner = (hi[k - 1] - lo[k - 1]) if k > kmin else 0.0
            out[i, k] = (hi[k] - lo[k]) - inner
    return out


@numba.njit(**JIT)
def path_length_in_shells(origins, directions, outer_radii, max_length):
    """Total geometric length of each ray inside the outermost sphere, ``(n,)`` [km].

    Parameters as in :func:`shell_segments`.
    """
    n = origins.shape[0]
    R = outer_radii[outer_radii.shape[0] - 1]
    out = np.zeros(n)
    for i in range(n):
        oo, b, h2 = _ray_invariants(origins, directions, i)
        a, e = ball_interval(oo, b, h2, R, max_length[i])
        if e > a:
            out[i] = e - a
    return out


@numba.njit(**JIT)
def _column_shells_2d(origins, directions, outer_radii, density2, max_length):
    n = origins.shape[0]
    m, ns = density2.shape
    drho = _onion_differences(density2)
    out = np.zeros((n, ns))
    for i in range(n):
        oo, b, h2 = _ray_invariants(origins, directions, i)
        L = max_length[i]
        for k in range(m - 1, -1, -1):
            a, e = ball_interval(oo, b, h2, outer_radii[k], L)
            if not e > a:
                break  # nested: inner balls are missed too
            w = e - a
            for j in range(ns):
                out[i, j] += w * drho[k, j]
    return out


@numba.njit(**JIT)
def column_through_shells(origins, directions, outer_radii, density, max_length):
    """Column ``int_0^L rho(x(s)) ds`` of each ray through concentric shells.

    Parameters
    ----------
    origins : ndarray (n, 3)
        Ray origins [km].
    directions : ndarray (n, 3)
        Unit directions [dimensionless].
    outer_radii : ndarray (m,)
        Shell outer radii, ascending [km].
    density : ndarray (m,) or (m, k)
        Density per shell (any unit, e.g. km^-3 or g/cm^3), per species in the 2-D case.
    max_length : ndarray (n,)
        Ray length L [km] (``np.inf`` = unbounded).

    Returns
    -------
    ndarray (n,) or (n, k)
        Column [density-unit x km] (shape follows ``density``).
    """
    out = _column_shells_2d(origins, directions, outer_radii, _as_2d(density), max_length)
    if density.ndim == 1:
        return out[:, 0].copy()
    else:
        return out


@numba.njit(**JIT)
def _exp_shells_2d(origins, directions, outer_radii, density2, decay_length, max_length):
    n = origins.shape[0]
    m, ns = density2.shape
    drho = _onion_differences(density2)
    out = np.zeros((n, ns))
    for i in range(n):
        inv = inverse_decay_length(decay_length[i])
        if inv == 0.0:
            continue  # l = inf: the decay probability density vanishes
        if math.isnan(inv):
            for j in range(ns):
                out[i, j] = math.nan
            continue
        oo, b, h2 = _ray_invariants(origins, directions, i)
        L = max_length[i]
        for k in range(m - 1, -1, -1):
            a, e = ball_interval(oo, b, h2, outer_radii[k], L)
            if not e > a:
                break
            w = exp_weight(a, e, inv)  # DESIGN.md §4: sum_k n_k (e^{-L_in/l} - e^{-L_out/l})
            for j in range(ns):
                out[i, j] += w * drho[k, j]
    return out


@numba.njit(**JIT)
def exp_integral_through_shells(origins, directions, outer_radii, density, decay_length,
                                max_length):
    """``int_0^L n(x(s)) e^{-s/l}/l ds`` of each ray through concentric shells (exact).

    The L-integral of the next-event estimator (DESIGN.md §4): the probability density that a
    particle launched along the ray with decay length l decays at s, weighted by the target
    density there.

    Parameters
    ----------
    origins, directions, outer_radii, density, max_length
        As in :func:`column_through_shells`.
    decay_length : ndarray (n,)
        Decay length l of each ray [km]; must be > 0 (``inf`` gives 0; ``l <= 0`` or ``nan``
        gives ``nan``).

    Returns
    -------
    ndarray (n,) or (n, k)
        Integral [density-unit] (shape follows ``density``), accurate to ~1e-15 relative for
        monotonic densities, for any l.
    """
    out = _exp_shells_2d(origins, directions, outer_radii, _as_2d(density), decay_length,
                         max_length)
    if density.ndim == 1:
        return out[:, 0].copy()
    else:
        return out


# --------------------------------------------------------------------------- slabs


@numba.njit(**JIT)
def _slab_walk(z0, dz, L, z_edges, s_in, s_out, layer):
    """Segments of one ray through the slabs into the 1-D buffers; returns their number."""
    m = z_edges.shape[0] - 1
    c = 0
    if not L > 0.0:
        return 0
    if dz == 0.0:  # horizontal: the slab holding z0 for the whole length (may be inf)
        if z_edges[0] <= z0 < z_edges[m]:
            j = np.searchsorted(z_edges, z0, side="right") - 1
            s_in[0] = 0.0
            s_out[0] = L
            layer[0] = j
            c = 1
        return c
    if dz > 0.0:
        j = np.searchsorted(z_edges, z0, side="right") - 1
        if j < 0:
            j = 0
        if j >= m:
            return 0
        t_lo = (z_edges[j] - z0) / dz
        while j < m:
            t_hi = (z_edges[j + 1] - z0) / dz
            a = t_lo if t_lo > 0.0 else 0.0
            e = t_hi if t_hi < L else L
            if e > a:
                s_in[c] = a
                s_out[c] = e
                layer[c] = j
                c += 1
            if t_hi >= L:
                break
            t_lo = t_hi
            j += 1
    else:
        j = np.searchsorted(z_edges, z0, side="left") - 1
        if j >= m:
            j = m - 1
        if j < 0:
            return 0
        t_lo = (z_edges[j + 1] - z0) / dz
        while j >= 0:
            t_hi = (z_edges[j] - z0) / dz
            a = t_lo if t_lo > 0.0 else 0.0
            e = t_hi if t_hi < L else L
            if e > a:
                s_in[c] = a
                s_out[c] = e
                layer[c] = j
                c += 1
            if t_hi >= L:
                break
            t_lo = t_hi
            j -= 1
    return c


@numba.njit(**JIT)
def slab_segments(z0, dz, z_edges, max_length):
    """Ordered segments of each ray through horizontal slabs.

    Parameters
    ----------
    z0 : ndarray (n,)
        Height of each ray origin [km].
    dz : ndarray (n,)
        z component of each unit direction [dimensionless] (> 0 upward).
    z_edges : ndarray (m+1,)
        Slab boundaries, ascending [km].
    max_length : ndarray (n,)
        Ray length L [km] (``np.inf`` = unbounded).

    Returns
    -------
    s_in, s_out : ndarray (n, m)
        Entry/exit parameter of each segment [km], ordered along the ray, clipped to [0, L];
        unused slots ``nan`` (a ray crosses each slab at most once, so m slots suffice).
    layer : ndarray (n, m) int64
        Slab index of each segment, -1 in unused slots.
    n_seg : ndarray (n,) int64
        Number of segments.

    Notes
    -----
    A horizontal ray (``dz == 0``) stays in the slab holding ``z0`` (``z_edges[j] <= z0 <
    z_edges[j+1]``) for its whole length: one segment ``[0, L]``, with ``s_out = inf`` when
    ``L = inf``. Zero-length segments are omitted.
    """
    n = z0.shape[0]
    m = z_edges.shape[0] - 1
    s_in = np.full((n, m), np.nan)
    s_out = np.full((n, m), np.nan)
    layer = np.full((n, m), -1, dtype=np.int64)
    n_seg = np.zeros(n, dtype=np.int64)
    for i in range(n):
        n_seg[i] = _slab_walk(z0[i], dz[i], max_length[i], z_edges, s_in[i], s_out[i], layer[i])
    return s_in, s_out, layer, n_seg


@numba.njit(**JIT)
def _slab_integrals_2d(z0, dz, z_edges, density2, decay_length, max_length, weighted):
    n = z0.shape[0]
    m, ns = density2.shape
    out = np.zeros((n, ns))
    a_buf = np.empty(m)
    e_buf = np.empty(m)
    l_buf = np.empty(m, dtype=np.int64)
    for i in range(n):
        inv = 0.0
        if weighted:
            inv = inverse_decay_length(decay_length[i])
            if inv == 0.0:
                continue
            if math.isnan(inv):
                for j in range(ns):
                    out[i, j] = math.nan
                continue
        c = _slab_walk(z0[i], dz[i], max_length[i], z_edges, a_buf, e_buf, l_buf)
        for q in range(c):
            if weighted:
                w = exp_weight(a_buf[q], e_buf[q], inv)
            else:
                w = e_buf[q] - a_buf[q]
            k = l_buf[q]
            for j in range(ns):
                r = density2[k, j]
                if r != 0.0:  # an empty slab adds 0 even along an infinite horizontal ray
                    out[i, j] += w * r
    return out


@numba.njit(**JIT)
def column_through_slabs(z0, dz, z_edges, density, max_length):
    """Column ``int_0^L rho ds`` of each ray through horizontal slabs.

    Parameters
    ----------
    z0, dz, z_edges, max_length
        As in :func:`slab_segments` ([km], [dimensionless], [km], [km]).
    density : ndarray (m,) or (m, k)
        Density per slab (any unit).

    Returns
    -------
    ndarray (n,) or (n, k)
        Column [density-unit x km]; ``inf`` for a horizontal unbounded ray in a non-empty slab.
    """
    d2 = _as_2d(density)
    out = _slab_integrals_2d(z0, dz, z_edges, d2, max_length, max_length, False)
    if density.ndim == 1:
        return out[:, 0].copy()
    else:
        return out


@numba.njit(**JIT)
def exp_integral_through_slabs(z0, dz, z_edges, density, decay_length, max_length):
    """``int_0^L n(s) e^{-s/l}/l ds`` of each ray through horizontal slabs (exact).

    Parameters
    ----------
    z0, dz, z_edges, density, max_length
        As in :func:`column_through_slabs`.
    decay_length : ndarray (n,)
        Decay length l [km] (> 0; ``inf`` gives 0, ``l <= 0`` or ``nan`` gives ``nan``).

    Returns
    -------
    ndarray (n,) or (n, k)
        Integral [density-unit].
    """
    d2 = _as_2d(density)
    out = _slab_integrals_2d(z0, dz, z_edges, d2, decay_length, max_length, True)
    if density.ndim == 1:
        return out[:, 0].copy()
    else:
        return out

"""Continuous slowing-down of dark matter along straight rays through concentric shells.

The continuous-slowing-down regime of verne (Kavanagh 2018; anchors/transport.md §D) and of the
macroscopic drag of seed 000 (Eq. 106): a particle keeps its direction and loses speed as

    dv/ds = -(v/2) sum_i n_i(s) S_i(v),        S_i(v) = <sigma_i DeltaE/E>(v) [cm^2]

(S is the ``stopping`` table of :class:`mcdm.physics.interaction.InteractionTables`). In shell k
of constant composition, with u = ln v and the energy-loss rate

    kappa_k(v) = sum_i n_{k,i} S_i(v)   [1/km]   (n [km^-3] x S [cm^2] x 1e-10 km^2/cm^2),

the equation separates, du/ds = -kappa_k/2, so the path needed to slow from u_a to u_b is
R_k(u_a) - R_k(u_b) with the **range function** R_k(u) = int^u 2 du'/kappa_k(u') [km]
(the CSDA range, up to a constant). Between the table speeds kappa_k is a power law in v
(log-log interpolation of the per-shell sum), so R_k and its inverse are evaluated **in closed
form**: no step size and no adaptive error control are needed, and the result is exact for
piecewise power-law stopping. The interpolation error is second order in the grid spacing
(measured for SI at LNGS: 5e-4 to 2e-3 in the detector speed at 40 points per decade, 4x
smaller per doubling). Outside the table kappa is held at its end value.

Where kappa is constant in v (drag; SI without form factor) the solution is
v_out = v_in exp(-kappa L/2) per segment; when every shell is so, the exponent
sum_k kappa_k L_k/2 is summed over the balls in one pass (the onion decomposition of
:mod:`mcdm.kernels.rays`) and segments are ordered only for particles that stop.

Units: lengths [km], speeds [km/s], number densities [km^-3], stopping [cm^2]. A ray is
``x(s) = origin + s direction`` (|direction| = 1, 0 <= s <= max_length), shells as in
:mod:`mcdm.kernels.rays` (``outer_radii`` ascending, density 0 outside the last sphere).

A particle whose speed falls below ``v_min`` is *stopped*: its final speed is reported as 0 and
its stopping point is where the speed reached ``v_min``. ``v_min = 0`` never stops (the
continuous solution only tends to 0, though exp underflows to 0 after a slow-down by e^745).
A particle that starts below ``v_min`` stops at s = 0.

Shells whose kappa_k(v) are proportional, kappa_k = scale_k kappa_g (same composition at another
density: the atmosphere, each PREM layer, every shell of a drag world), share one **group** g of
tables, and a run of consecutive segments of one group is integrated in one step with the
effective length sum scale_k L_k. A downward ray through 86 air shells and the rock thus costs
two range inversions, not 87.

Table layout (the tuple returned by :func:`slowing_tables`):

* ``ln_v (V,)`` -- ln of the table speeds [ln(km/s)], ascending;
* ``kappa (G, V)`` -- energy-loss rate of each group's reference shell [1/km];
* ``exponent (G, V-1)`` -- log-log slope d ln kappa / d ln v of each interval [1];
* ``range_km (G, V)`` -- R_g at the table speeds [km], offset so that R_g = 0 at the speed of
  largest kappa_g (any constant offset leaves the physics unchanged);
* ``kind (G,)`` int64 -- ``KIND_CONSTANT`` (kappa_g independent of v) or ``KIND_GENERAL``;
* ``group (m,)`` int64 -- group of each shell, -1 for a vacuum shell (kappa = 0);
* ``scale (m,)`` -- kappa_k / kappa_group(k) [1] (0 for vacuum).

Flat slabs (a local overburden in the planar approximation, section "flat slabs" below):
:func:`slab_speeds` / :func:`slab_top_speeds` map speeds through a stack of horizontal slabs
(path t_i / cos z in slab i) and back, :func:`arrival_speeds_slabs` /
:func:`entry_speeds_slabs` join such a stack under the spherical world. The slabs have their
own tables from :func:`slowing_tables` (one row per slab, same table speeds).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT
from mcdm.kernels._math import ball_interval, bracket
from mcdm.kernels._transport_common import CM2_TO_KM2
from mcdm.kernels.nuclear import HBARC_GEV_FM, helm_form_factor
from mcdm.kernels.rays import _ordered_segments, _ray_invariants

__all__ = [
    "CM2_TO_KM2",
    "KIND_CONSTANT",
    "KIND_GENERAL",
    "GROUP_RTOL",
    "energy_loss_rate",
    "slowing_tables",
    "range_at",
    "log_speed_at_range",
    "propagate",
    "arrival_speeds",
    "entry_speeds",
    "final_speed",
    "final_speeds",
    "helm_moments",
    "slab_speeds",
    "slab_top_speeds",
    "arrival_speeds_slabs",
    "entry_speeds_slabs",
]

KIND_CONSTANT = 1
KIND_GENERAL = 2

# the per-ray and per-segment helpers are inlined at the numba IR level: passing the table
# arrays to a separately compiled function costs reference counting on every call (measured:
# 150 -> 95 ns per segment, 240 -> 70 ns per ray)
_INLINE = dict(JIT, inline="always")


# --------------------------------------------------------------------------- tables


@numba.njit(**JIT)
def energy_loss_rate(number_density, table_stopping):
    """kappa_k(v_j) = sum_i n_{k,i} S_i(v_j): fractional energy loss per length, ``(m, V)`` [1/km].

    Parameters
    ----------
    number_density : ndarray (m, E)
        Nuclide number densities of each shell [km^-3] (CompiledShells layout).
    table_stopping : ndarray (E, V)
        <sigma DeltaE/E> per nuclide at the table speeds [cm^2].
    """
    m, ne = number_density.shape
    nv = table_stopping.shape[1]
    out = np.zeros((m, nv))
    for k in range(m):
        for i in range(ne):
            nki = number_density[k, i]
            if nki != 0.0:
                for j in range(nv):
                    out[k, j] += nki * table_stopping[i, j]
        for j in range(nv):
            out[k, j] *= CM2_TO_KM2
    return out


#: relative tolerance for two shells' kappa(v) rows to count as proportional (one group)
GROUP_RTOL = 1.0e-11


@numba.njit(**JIT)
def slowing_tables(table_v, number_density, table_stopping):
    """Range tables for the ray kernels, one per group of proportional shells (module docstring).

    Parameters
    ----------
    table_v : ndarray (V,)
        Table speeds, strictly ascending, > 0 [km/s] (V >= 2).
    number_density : ndarray (m, E)
        Nuclide number densities per shell [km^-3].
    table_stopping : ndarray (E, V)
        <sigma DeltaE/E> per nuclide [cm^2], >= 0.

    Returns
    -------
    ln_v (V,), kappa (G, V) [1/km], exponent (G, V-1) [1], range_km (G, V) [km],
    kind (G,) int64, group (m,) int64, scale (m,) [1]

    Raises
    ------
    ValueError
        If a shell's kappa is negative, not finite, or zero at some speeds but not at all.
    """
    nv = table_v.shape[0]
    if nv < 2:
        raise ValueError("slowing_tables: need at least 2 table speeds")
    ln_v = np.empty(nv)
    for j in range(nv):
        if not table_v[j] > 0.0:
            raise ValueError("slowing_tables: table speeds must be > 0")
        ln_v[j] = math.log(table_v[j])
        if j > 0 and not ln_v[j] > ln_v[j - 1]:
            raise ValueError("slowing_tables: table speeds must ascend strictly")
    shell_kappa = energy_loss_rate(number_density, table_stopping)
    m = shell_kappa.shape[0]
    group = np.full(m, -1, dtype=np.int64)
    scale = np.zeros(m)
    reference = np.empty(m, dtype=np.int64)  # shell index of each group's reference row
    n_groups = 0
    for k in range(m):
        n_pos = 0
        for j in range(nv):
            x = shell_kappa[k, j]
            if not (x >= 0.0 and x < math.inf):
                raise ValueError("slowing_tables: stopping x density must be finite and >= 0")
            if x > 0.0:
                n_pos += 1
        if n_pos == 0:
            continue  # vacuum
        if n_pos < nv:
            raise ValueError("slowing_tables: a shell's stopping vanishes at some table speeds "
                             "only; log-log interpolation needs it > 0 everywhere")
        for g in range(n_groups):
            r = reference[g]
            ratio = shell_kappa[k, 0] / shell_kappa[r, 0]
            same = True
            for j in range(nv):
                if abs(shell_kappa[k, j] - ratio * shell_kappa[r, j]) > (
                        GROUP_RTOL * shell_kappa[k, j]):
                    same = False
                    break
            if same:
                group[k] = g
                scale[k] = ratio
                break
        if group[k] < 0:
            reference[n_groups] = k
            group[k] = n_groups
            scale[k] = 1.0
            n_groups += 1
    kappa = np.empty((n_groups, nv))
    exponent = np.zeros((n_groups, nv - 1))
    range_km = np.zeros((n_groups, nv))
    kind = np.empty(n_groups, dtype=np.int64)
    for g in range(n_groups):
        for j in range(nv):
            kappa[g, j] = shell_kappa[reference[g], j]
        constant = True
        anchor = 0
        for j in range(nv - 1):
            if kappa[g, j + 1] != kappa[g, j]:
                constant = False
                exponent[g, j] = math.log(kappa[g, j + 1] / kappa[g, j]) / (ln_v[j + 1] - ln_v[j])
            if kappa[g, j + 1] > kappa[g, anchor]:
                anchor = j + 1
        # R_g = 0 at the speed of largest kappa (shortest range), summed outwards from there:
        # |R_g(u)| then never much exceeds the range scale 2/kappa_g(u) of monotonic pieces, so
        # R(u_in) - L loses no precision to a huge offset accumulated elsewhere on the grid
        for j in range(anchor, nv - 1):
            range_km[g, j + 1] = range_km[g, j] + _interval_range(kappa[g, j], exponent[g, j],
                                                                  ln_v[j + 1] - ln_v[j])
        for j in range(anchor - 1, -1, -1):
            range_km[g, j] = range_km[g, j + 1] - _interval_range(kappa[g, j], exponent[g, j],
                                                                  ln_v[j + 1] - ln_v[j])
        kind[g] = KIND_CONSTANT if constant else KIND_GENERAL
    return ln_v, kappa, exponent, range_km, kind, group, scale


@numba.njit(**_INLINE)
def _phi(p, t):
    """int_0^t e^{-p t'} dt' = (1 - e^{-p t})/p (= t for p = 0), without cancellation."""
    if p == 0.0:
        return t
    return -math.expm1(-p * t) / p


@numba.njit(**_INLINE)
def _interval_range(kappa_j, p, h):
    """Path over which u falls by h from u_j + h to u_j, kappa = kappa_j e^{p (u - u_j)} [km]."""
    return 2.0 / kappa_j * _phi(p, h)


@numba.njit(**_INLINE)
def _bracket(grid, k, x):
    """j with grid[k, j] <= x < grid[k, j+1], clamped to [0, V-2] (binary search in row k)."""
    lo = 0
    hi = grid.shape[1] - 1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if grid[k, mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo


@numba.njit(**_INLINE)
def range_at(ln_v, kappa, exponent, range_km, k, u):
    """Range function R_g(u) of group k [km] at u = ln v (module docstring).

    Parameters
    ----------
    ln_v, kappa, exponent, range_km -- the tables of :func:`slowing_tables`
    k : int -- group index (``group[shell]``, not -1)
    u : float -- ln of the speed [ln(km/s)]; ``-inf`` gives ``-inf``
    """
    nv = ln_v.shape[0]
    if u < ln_v[0]:
        return range_km[k, 0] + 2.0 * (u - ln_v[0]) / kappa[k, 0]
    if u >= ln_v[nv - 1]:
        return range_km[k, nv - 1] + 2.0 * (u - ln_v[nv - 1]) / kappa[k, nv - 1]
    j = bracket(ln_v, u)
    return range_km[k, j] + _interval_range(kappa[k, j], exponent[k, j], u - ln_v[j])


@numba.njit(**_INLINE)
def log_speed_at_range(ln_v, kappa, exponent, range_km, k, r):
    """Inverse of :func:`range_at`: the u = ln v with R_g(u) = r [km] of group k [ln(km/s)]."""
    nv = ln_v.shape[0]
    if r < range_km[k, 0]:
        return ln_v[0] + 0.5 * kappa[k, 0] * (r - range_km[k, 0])
    if r >= range_km[k, nv - 1]:
        return ln_v[nv - 1] + 0.5 * kappa[k, nv - 1] * (r - range_km[k, nv - 1])
    j = _bracket(range_km, k, r)
    return _solve_interval(ln_v, kappa, exponent, range_km, k, r, j)


@numba.njit(**_INLINE)
def _log_kappa_at(ln_v, kappa, exponent, k, u):
    """ln kappa_k(u) with the tables' log-log interpolation (clamped outside)."""
    nv = ln_v.shape[0]
    if u <= ln_v[0]:
        return math.log(kappa[k, 0])
    if u >= ln_v[nv - 1]:
        return math.log(kappa[k, nv - 1])
    j = bracket(ln_v, u)
    return math.log(kappa[k, j]) + exponent[k, j] * (u - ln_v[j])


@numba.njit(**_INLINE)
def _walk(grid, k, j, x):
    """Move j from a previous bracket so that grid[k, j] <= x < grid[k, j+1] (clamped to
    [0, V-2]). Along a ray the speed moves monotonically and mostly by less than one grid
    step, so up to 2 steps are walked before falling back to a binary search."""
    top = grid.shape[1] - 2
    for _ in range(2):
        if j > 0 and grid[k, j] > x:
            j -= 1
        elif j < top and grid[k, j + 1] <= x:
            j += 1
        else:
            return j
    if (j > 0 and grid[k, j] > x) or (j < top and grid[k, j + 1] <= x):
        return _bracket(grid, k, x)
    return j


@numba.njit(**_INLINE)
def _walk_1d(grid, j, x):
    """As :func:`_walk` for a 1-D grid."""
    top = grid.shape[0] - 2
    for _ in range(2):
        if j > 0 and grid[j] > x:
            j -= 1
        elif j < top and grid[j + 1] <= x:
            j += 1
        else:
            return j
    if (j > 0 and grid[j] > x) or (j < top and grid[j + 1] <= x):
        return bracket(grid, x)
    return j


@numba.njit(**_INLINE)
def _range_hint(ln_v, kappa, exponent, range_km, k, u, j):
    """(R_k(u), bracket of u) starting the bracket search at j."""
    nv = ln_v.shape[0]
    if u < ln_v[0]:
        return range_km[k, 0] + 2.0 * (u - ln_v[0]) / kappa[k, 0], 0
    if u >= ln_v[nv - 1]:
        return range_km[k, nv - 1] + 2.0 * (u - ln_v[nv - 1]) / kappa[k, nv - 1], nv - 2
    j = _walk_1d(ln_v, j, u)
    return range_km[k, j] + _interval_range(kappa[k, j], exponent[k, j], u - ln_v[j]), j


@numba.njit(**_INLINE)
def _log_speed_hint(ln_v, kappa, exponent, range_km, k, r, j):
    """(u with R_k(u) = r, its bracket) starting the bracket search at j."""
    nv = ln_v.shape[0]
    if r < range_km[k, 0]:
        return ln_v[0] + 0.5 * kappa[k, 0] * (r - range_km[k, 0]), 0
    if r >= range_km[k, nv - 1]:
        return ln_v[nv - 1] + 0.5 * kappa[k, nv - 1] * (r - range_km[k, nv - 1]), nv - 2
    j = _walk(range_km, k, j, r)
    return _solve_interval(ln_v, kappa, exponent, range_km, k, r, j), j


@numba.njit(**_INLINE)
def _solve_interval(ln_v, kappa, exponent, range_km, k, r, j):
    """u in [u_j, u_j+1] with R_k(u) = r (closed form of the power-law interval)."""
    y = 0.5 * kappa[k, j] * (r - range_km[k, j])
    p = exponent[k, j]
    if p == 0.0:
        t = y
    else:
        z = p * y
        if z >= 1.0:  # rounding at the upper node (only possible for p > 0)
            z = 1.0 - 1e-16
        t = -math.log1p(-z) / p
    h = ln_v[j + 1] - ln_v[j]
    if t < 0.0:
        t = 0.0
    elif t > h:
        t = h
    return ln_v[j] + t


# --------------------------------------------------------------------------- one ray


@numba.njit(**JIT)
def _segment_buffers(m):
    """Work arrays of one ray through m shells: (lo, hi) ball intervals and the ordered
    segments (entry, exit [km], shell) of :func:`mcdm.kernels.rays._ordered_segments`."""
    return (np.empty(m), np.empty(m), np.empty(2 * m), np.empty(2 * m),
            np.empty(2 * m, dtype=np.int64))


@numba.njit(**_INLINE)
def _log_speed(v):
    """u = ln v [ln(km/s)]; -inf for v <= 0."""
    return math.log(v) if v > 0.0 else -math.inf


@numba.njit(**_INLINE)
def _slow_run(u, eff, g, ln_v, kappa, exponent, range_km, kind, j):
    """Slow down over an effective path ``eff`` [km] of group ``g`` from u = ln v.

    Returns (u_out, R_g(u) [km] (0 for a constant group), bracket hint of the range tables).
    """
    if kind[g] == KIND_CONSTANT:
        return u - 0.5 * kappa[g, 0] * eff, 0.0, j  # exact: v_out = v_in exp(-kappa L / 2)
    r_in, j = _range_hint(ln_v, kappa, exponent, range_km, g, u, j)
    u_out, j = _log_speed_hint(ln_v, kappa, exponent, range_km, g, r_in - eff, j)
    return u_out, r_in, j


@numba.njit(**_INLINE)
def _path_to_stop(u, r_in, g, ln_v, kappa, exponent, range_km, kind, u_min):
    """Effective path [km] of group ``g`` over which u falls to ``u_min`` (r_in = R_g(u))."""
    if kind[g] == KIND_CONSTANT:
        return 2.0 * (u - u_min) / kappa[g, 0]
    return r_in - range_at(ln_v, kappa, exponent, range_km, g, u_min)


@numba.njit(**_INLINE)
def _unslow_run(u, eff, g, ln_v, kappa, exponent, range_km, kind, j):
    """Undo :func:`_slow_run`: (u_in, bracket hint) with u_out = ``u``."""
    if kind[g] == KIND_CONSTANT:
        return u + 0.5 * kappa[g, 0] * eff, j
    r_out, j_out = _range_hint(ln_v, kappa, exponent, range_km, g, u, j)
    return _log_speed_hint(ln_v, kappa, exponent, range_km, g, r_out + eff, j_out)


@numba.njit(**_INLINE)
def _log_jacobian(u_in, u_out, g, ln_v, kappa, exponent, kind):
    """ln(du_in/du_out) of a run of group ``g`` (0 for a constant group): R_g(u_in) - R_g(u_out)
    = L_eff  =>  du_in/du_out = kappa_g(u_in)/kappa_g(u_out)."""
    if kind[g] == KIND_CONSTANT:
        return 0.0
    return (_log_kappa_at(ln_v, kappa, exponent, g, u_in)
            - _log_kappa_at(ln_v, kappa, exponent, g, u_out))


@numba.njit(**_INLINE)
def _onion_drop(oo, b, h2, length, outer_radii, half_kappa_step):
    """Total fall of ln v along a ray when every group has constant kappa.

    sum_k (kappa_k/2) L_k written as sum_k (h_k - h_{k+1}) |ray n ball_k| (rays.py's onion
    decomposition): one sqrt per ball, no segment ordering.
    """
    m = outer_radii.shape[0]
    total = 0.0
    for k in range(m - 1, -1, -1):
        a, e = ball_interval(oo, b, h2, outer_radii[k], length)
        if not e > a:
            break  # nested: inner balls are missed too
        total += (e - a) * half_kappa_step[k]
    return total


@numba.njit(**JIT)
def _half_kappa_steps(kappa, kind, group, scale):
    """Onion differences of kappa_k/2 over shells (m,) if every group is constant, else empty."""
    for g in range(kind.shape[0]):
        if kind[g] == KIND_GENERAL:
            return np.empty(0)
    m = group.shape[0]
    half = np.zeros(m + 1)
    for k in range(m):
        if group[k] >= 0:
            half[k] = 0.5 * scale[k] * kappa[group[k], 0]
    out = np.empty(m)
    for k in range(m):
        out[k] = half[k] - half[k + 1]
    return out


@numba.njit(**_INLINE)
def _propagate_ray(u0, oo, b, h2, length, outer_radii, ln_v, kappa, exponent, range_km, kind,
                   group, scale, u_min, lo, hi, seg_a, seg_e, seg_k, half_kappa_step):
    """Integrate one ray forward. Returns (u_end, s_end, stopped).

    Runs of consecutive segments of one group are integrated at once with the effective length
    sum scale_k L_k. ``half_kappa_step`` (m,) holds the onion differences of kappa_k/2 when
    every group is constant (then a ray that does not stop costs one pass over the balls),
    else it is empty.
    """
    if u0 < u_min:
        return u_min, 0.0, True
    if half_kappa_step.shape[0] > 0:
        u_end = u0 - _onion_drop(oo, b, h2, length, outer_radii, half_kappa_step)
        if not u_end < u_min:
            return u_end, length, False
    n_seg = _ordered_segments(oo, b, h2, length, outer_radii, lo, hi, seg_a, seg_e, seg_k)
    u = u0
    j = bracket(ln_v, u0)
    q = 0
    while q < n_seg:
        g = group[seg_k[q]]
        if g < 0:
            q += 1
            continue
        first = q
        eff = 0.0  # effective path in units of the group's reference shell [km]
        while q < n_seg and group[seg_k[q]] == g:
            eff += scale[seg_k[q]] * (seg_e[q] - seg_a[q])
            q += 1
        u_out, r_in, j = _slow_run(u, eff, g, ln_v, kappa, exponent, range_km, kind, j)
        if u_out < u_min:  # stopped within this run: walk its segments to the stop point
            # effective path left to the stop point [km]
            todo = _path_to_stop(u, r_in, g, ln_v, kappa, exponent, range_km, kind, u_min)
            for p in range(first, q):
                sc = scale[seg_k[p]]
                piece = sc * (seg_e[p] - seg_a[p])
                if todo <= piece or p == q - 1:
                    return u_min, seg_a[p] + todo / sc, True
                todo -= piece
        u = u_out
    return u, length, False


@numba.njit(**_INLINE)
def _unpropagate_ray(u_end, oo, b, h2, length, outer_radii, ln_v, kappa, exponent, range_km,
                     kind, group, scale, lo, hi, seg_a, seg_e, seg_k):
    """Integrate one ray backward from s = length to s = 0: (u_start, ln(du_start/du_end))."""
    n_seg = _ordered_segments(oo, b, h2, length, outer_radii, lo, hi, seg_a, seg_e, seg_k)
    u = u_end
    j = bracket(ln_v, u_end)
    logjac = 0.0
    q = n_seg - 1
    while q >= 0:
        g = group[seg_k[q]]
        if g < 0:
            q -= 1
            continue
        eff = 0.0
        while q >= 0 and group[seg_k[q]] == g:
            eff += scale[seg_k[q]] * (seg_e[q] - seg_a[q])
            q -= 1
        u_in, j = _unslow_run(u, eff, g, ln_v, kappa, exponent, range_km, kind, j)
        logjac += _log_jacobian(u_in, u, g, ln_v, kappa, exponent, kind)
        u = u_in
    return u, logjac


@numba.njit(**_INLINE)
def _entry_ray(detector, dx, dy, dz, outer_radius):
    """Forward ray of a particle moving along d that reaches the detector from outside.

    Returns (oo, b, h2, T): invariants of the ray from the entry point on the outermost sphere
    and its length T to the detector [km] (T = 0 when the backward ray misses the sphere).
    """
    px = detector[0]
    py = detector[1]
    pz = detector[2]
    dd = px * px + py * py + pz * pz
    bb = -(px * dx + py * dy + pz * dz)  # backward direction -d
    qx = px + bb * dx
    qy = py + bb * dy
    qz = pz + bb * dz
    h2 = qx * qx + qy * qy + qz * qz
    lo_, t_exit = ball_interval(dd, bb, h2, outer_radius, math.inf)
    if not t_exit > lo_:
        t_exit = 0.0
    ex = px - t_exit * dx
    ey = py - t_exit * dy
    ez = pz - t_exit * dz
    oo = ex * ex + ey * ey + ez * ez
    b = ex * dx + ey * dy + ez * dz
    return oo, b, h2, t_exit


# --------------------------------------------------------------------------- ray kernels


@numba.njit(**JIT)
def propagate(v0, origins, directions, max_length, outer_radii, ln_v, kappa, exponent, range_km,
              kind, group, scale, v_min):
    """Continuous slowing-down along rays with precomputed tables (:func:`slowing_tables`).

    Parameters
    ----------
    v0 : ndarray (n,) -- speed at s = 0 [km/s]
    origins, directions : ndarray (n, 3) -- ray origins [km] and unit directions of motion
    max_length : ndarray (n,) -- ray length [km] (``inf``: until the particle leaves the shells)
    outer_radii : ndarray (m,) -- shell outer radii, ascending [km]
    ln_v, kappa, exponent, range_km, kind, group, scale -- the tables of :func:`slowing_tables`
    v_min : float -- stopping speed [km/s] (0: never stop)

    Returns
    -------
    speed : ndarray (n,) -- speed at the end of the ray [km/s]; 0 for stopped particles (and
        where the speed underflows, a slow-down by more than e^700)
    distance : ndarray (n,) -- ray parameter where the particle stopped, else ``max_length`` [km]
    """
    n = v0.shape[0]
    lo, hi, seg_a, seg_e, seg_k = _segment_buffers(outer_radii.shape[0])
    steps = _half_kappa_steps(kappa, kind, group, scale)
    speed = np.empty(n)
    distance = np.empty(n)
    u_min = _log_speed(v_min)
    for i in range(n):
        oo, b, h2 = _ray_invariants(origins, directions, i)
        u0 = _log_speed(v0[i])
        u, s, stopped = _propagate_ray(u0, oo, b, h2, max_length[i], outer_radii, ln_v, kappa,
                                       exponent, range_km, kind, group, scale, u_min, lo, hi,
                                       seg_a, seg_e, seg_k, steps)
        speed[i] = 0.0 if stopped else _speed_at(v0[i], u0, u)
        distance[i] = s
    return speed, distance


@numba.njit(**JIT)
def arrival_speeds(v_entry, detector, directions, outer_radii, ln_v, kappa, exponent, range_km,
                   kind, group, scale, v_min):
    """Speeds at a detector of particles entering the outermost sphere and moving along d.

    Each particle moves on the straight line through ``detector`` with unit direction of motion
    ``directions[i]``; it enters the outermost sphere at ``detector - T d`` with speed
    ``v_entry[i]`` and is slowed continuously until it reaches the detector (s = T).
    (:func:`arrival_speeds_slabs` with no slab.)

    Parameters
    ----------
    v_entry : ndarray (n,) -- speed on entering the outermost sphere [km/s]
    detector : ndarray (3,) -- detector position [km] (inside or on the outermost sphere)
    directions : ndarray (n, 3) -- unit directions of motion
    outer_radii, ln_v, kappa, exponent, range_km, kind, group, scale -- as in :func:`propagate`
    v_min : float -- stopping speed [km/s] (0: never stop)

    Returns
    -------
    speed : ndarray (n,) -- speed at the detector [km/s]; 0 if stopped on the way
    distance : ndarray (n,) -- path from the entry point to the stop (or to the detector) [km]
    path_length : ndarray (n,) -- path T from the entry point to the detector [km]
    """
    return arrival_speeds_slabs(v_entry, detector, directions, outer_radii, ln_v, kappa,
                                exponent, range_km, kind, group, scale, *_no_slabs(ln_v), v_min)


@numba.njit(**JIT)
def entry_speeds(v_detector, detector, directions, outer_radii, ln_v, kappa, exponent, range_km,
                 kind, group, scale):
    """Inverse of :func:`arrival_speeds`: the entry speed that gives a detector speed
    (:func:`entry_speeds_slabs` with no slab).

    Parameters
    ----------
    v_detector : ndarray (n,) -- speed at the detector [km/s], > 0
    detector, directions, outer_radii, ln_v, kappa, exponent, range_km, kind, group, scale
        As in :func:`arrival_speeds`.

    Returns
    -------
    speed : ndarray (n,) -- speed on entering the outermost sphere [km/s]
    jacobian : ndarray (n,) -- d v_entry / d v_detector along the fixed line [1]
        (the change of variables f_det(v) = f_entry(v_entry(v)) x jacobian)
    """
    return entry_speeds_slabs(v_detector, detector, directions, outer_radii, ln_v, kappa,
                              exponent, range_km, kind, group, scale, *_no_slabs(ln_v))


@numba.njit(**JIT)
def final_speeds(v0, origins, directions, outer_radii, number_density, table_v, table_stopping,
                 max_length, v_min):
    """Final speeds of many rays, building the tables from the raw interaction arrays.

    Parameters
    ----------
    v0 : ndarray (n,) -- initial speeds [km/s]
    origins, directions : ndarray (n, 3) -- ray origins [km] and unit directions of motion
    outer_radii : ndarray (m,) -- shell outer radii, ascending [km]
    number_density : ndarray (m, E) -- nuclide number densities per shell [km^-3]
    table_v : ndarray (V,) -- table speeds [km/s]
    table_stopping : ndarray (E, V) -- <sigma DeltaE/E> per nuclide [cm^2]
    max_length : ndarray (n,) -- ray lengths [km]
    v_min : float -- stopping speed [km/s]

    Returns
    -------
    ndarray (n,) -- final speeds [km/s], 0 for particles stopped on the way
    """
    ln_v, kappa, exponent, range_km, kind, group, scale = slowing_tables(
        table_v, number_density, table_stopping)
    speed, _ = propagate(v0, origins, directions, max_length, outer_radii, ln_v, kappa, exponent,
                         range_km, kind, group, scale, v_min)
    return speed


@numba.njit(**JIT)
def final_speed(v0, origin, direction, outer_radii, number_density, table_v, table_stopping,
                max_length, v_min):
    """Final speed of one ray [km/s] (0 if stopped); arguments as :func:`final_speeds` for n = 1.

    ``v0`` [km/s], ``origin`` (3,) [km], ``direction`` (3,) unit, ``max_length`` [km] are
    scalars / 3-vectors. Builds the tables on every call: use :func:`propagate` for many rays.
    """
    speed = final_speeds(np.array([v0]), origin.reshape(1, 3), direction.reshape(1, 3),
                         outer_radii, number_density, table_v, table_stopping,
                         np.array([max_length]), v_min)
    return speed[0]


# --------------------------------------------------------------------------- flat slabs
#
# A local overburden in the planar approximation (DaMaSCUS-CRUST's geometry, anchors/transport.md
# §C): horizontal slabs of constant composition stacked above the detector, top to bottom, with
# vertical thicknesses t_i [km], infinite horizontally. A straight line that reaches the detector
# coming from zenith angle z (cos z = -d.up > 0 for a direction of motion d pointing down, "up"
# the unit vector from the Earth's centre to the detector) crosses slab i over t_i / cos z; a
# line coming from below the horizon (cos z <= 0) crosses no slab. The slabs carry their own
# range tables (slowing_tables on the slabs' number densities, same table speeds as the shells),
# so each homogeneous slab is integrated exactly as a shell segment: v_out = v_in exp(-kappa L/2)
# for constant kappa (drag), R(u_in) - R(u_out) = L otherwise.
#
# Joined to the spherical world (arrival_speeds_slabs): the detector is the point of the
# spherical world under the stack (the Earth's surface point, depth 0 there); a line from above
# crosses the spherical atmosphere (if any) from the outermost sphere down to that point, then
# the slabs; a line from below crosses the spherical Earth up to that point and no slab.
#
# Horizon discontinuity of the planar approximation: just above the horizon (cos z -> 0+) the
# slab path sum t_i / cos z diverges (every particle stops), just below it the path is the Earth
# chord 2 R |cos z| -> 0 (particles arrive unslowed); the real overburden near the horizon
# (mountain, curved crust) lies between these. Results that weight near-horizontal directions
# inherit this; the spherical model (detector at depth in the Earth) has no such jump.


#: largest x with a finite exp(x) in float64
_LOG_MAX = 709.782712893384


@numba.njit(**_INLINE)
def _exp_or_inf(x):
    """exp(x), inf on overflow (Python's math.exp raises instead; numba's returns inf)."""
    if x > _LOG_MAX:
        return math.inf
    return math.exp(x)


@numba.njit(**_INLINE)
def _speed_at(v_ref, u_ref, u):
    """Speed e^u [km/s]; exactly ``v_ref`` when u = u_ref = ln v_ref (no matter on the way)."""
    return v_ref if u == u_ref else _exp_or_inf(u)


@numba.njit(**JIT)
def _no_slabs(ln_v):
    """An empty slab stack for the ``*_slabs`` kernels: (thickness, kappa, exponent, range_km,
    kind, group, scale) with no rows, on the table speeds ``ln_v``."""
    nv = ln_v.shape[0]
    return (np.empty(0), np.empty((0, nv)), np.empty((0, nv - 1)), np.empty((0, nv)),
            np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0))


@numba.njit(**_INLINE)
def _slabs_forward(u, inv_cos, thickness, ln_v, kappa, exponent, range_km, kind, group, scale,
                   u_min, j):
    """Slow through the slabs top to bottom along a line with 1/cos z = ``inv_cos``.

    Returns (u_out, path [km] in the slabs to the stop or to the bottom, stopped, bracket).
    """
    path = 0.0
    for i in range(thickness.shape[0]):
        length = thickness[i] * inv_cos  # t_i / cos z [km]
        g = group[i]
        if g < 0:
            path += length
            continue
        sc = scale[i]
        eff = sc * length  # effective length in units of the group's reference slab
        u_out, r_in, j = _slow_run(u, eff, g, ln_v, kappa, exponent, range_km, kind, j)
        if u_out < u_min:
            todo = _path_to_stop(u, r_in, g, ln_v, kappa, exponent, range_km, kind, u_min)
            piece = todo / sc
            if piece > length:
                piece = length
            return u_min, path + piece, True, j
        path += length
        u = u_out
    return u, path, False, j


@numba.njit(**_INLINE)
def _slabs_backward(u, inv_cos, thickness, ln_v, kappa, exponent, range_km, kind, group, scale,
                    j):
    """Undo :func:`_slabs_forward` from the bottom up: (u_top, ln(du_top/du_bottom), bracket)."""
    logjac = 0.0
    for i in range(thickness.shape[0] - 1, -1, -1):
        g = group[i]
        if g < 0:
            continue
        eff = scale[i] * thickness[i] * inv_cos
        u_in, j = _unslow_run(u, eff, g, ln_v, kappa, exponent, range_km, kind, j)
        logjac += _log_jacobian(u_in, u, g, ln_v, kappa, exponent, kind)
        u = u_in
    return u, logjac, j


@numba.njit(**JIT)
def slab_speeds(v_top, cos_zenith, thickness, ln_v, kappa, exponent, range_km, kind, group,
                scale, v_min):
    """Speeds at the bottom of a stack of flat slabs (planar approximation, see the section
    comment above): particles enter the top with ``v_top`` along lines of zenith angle z.

    Parameters
    ----------
    v_top : ndarray (n,) -- speed entering the top slab [km/s]
    cos_zenith : ndarray (n,) -- cos z of the direction the particle comes from [1]; lines with
        cos z <= 0 (from below the horizon) cross no slab and keep their speed
    thickness : ndarray (m,) -- vertical slab thicknesses, top to bottom [km]
    ln_v, kappa, exponent, range_km, kind, group, scale -- :func:`slowing_tables` of the slabs'
        number densities (``group``/``scale`` per slab)
    v_min : float -- stopping speed [km/s] (0: never stop)

    Returns
    -------
    speed : ndarray (n,) -- speed at the bottom [km/s]; 0 if stopped
    distance : ndarray (n,) -- path in the slabs to the stop, or to the bottom [km]
    """
    n = v_top.shape[0]
    speed = np.empty(n)
    distance = np.empty(n)
    u_min = _log_speed(v_min)
    j = 0
    for i in range(n):
        c = cos_zenith[i]
        u0 = _log_speed(v_top[i])
        if not c > 0.0:
            speed[i] = v_top[i] if u0 >= u_min else 0.0
            distance[i] = 0.0
            continue
        if u0 < u_min:
            speed[i] = 0.0
            distance[i] = 0.0
            continue
        u, s, stopped, j = _slabs_forward(u0, 1.0 / c, thickness, ln_v, kappa, exponent,
                                          range_km, kind, group, scale, u_min, j)
        speed[i] = 0.0 if stopped else _speed_at(v_top[i], u0, u)
        distance[i] = s
    return speed, distance


@numba.njit(**JIT)
def slab_top_speeds(v_bottom, cos_zenith, thickness, ln_v, kappa, exponent, range_km, kind,
                    group, scale):
    """Inverse of :func:`slab_speeds`: the speed entering the top for a speed at the bottom.

    Parameters
    ----------
    v_bottom : ndarray (n,) -- speed at the bottom of the stack [km/s], > 0
    cos_zenith, thickness, ln_v, kappa, exponent, range_km, kind, group, scale
        As in :func:`slab_speeds`.

    Returns
    -------
    speed : ndarray (n,) -- speed entering the top [km/s] (inf where the slowing-down by more
        than e^709 overflows; NaN for v_bottom <= 0)
    jacobian : ndarray (n,) -- d v_top / d v_bottom along the fixed line [1]
    """
    n = v_bottom.shape[0]
    speed = np.empty(n)
    jacobian = np.empty(n)
    j = 0
    for i in range(n):
        if not v_bottom[i] > 0.0:
            speed[i] = math.nan
            jacobian[i] = math.nan
            continue
        c = cos_zenith[i]
        if not c > 0.0:
            speed[i] = v_bottom[i]
            jacobian[i] = 1.0
            continue
        u_end = math.log(v_bottom[i])
        u, logjac, j = _slabs_backward(u_end, 1.0 / c, thickness, ln_v, kappa, exponent,
                                       range_km, kind, group, scale, j)
        speed[i] = _speed_at(v_bottom[i], u_end, u)
        jacobian[i] = _exp_or_inf(u - u_end + logjac)
    return speed, jacobian


@numba.njit(**_INLINE)
def _zenith_cosine(detector, norm, dx, dy, dz):
    """cos z = -d . up of the direction a particle moving along d comes from [1]
    (``norm`` = |detector| [km])."""
    return -(detector[0] * dx + detector[1] * dy + detector[2] * dz) / norm


@numba.njit(**JIT)
def _norm3(x):
    """|x| of a 3-vector."""
    return math.sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2])


@numba.njit(**JIT)
def arrival_speeds_slabs(v_entry, detector, directions, outer_radii, ln_v, kappa, exponent,
                         range_km, kind, group, scale, slab_thickness, slab_kappa,
                         slab_exponent, slab_range_km, slab_kind, slab_group, slab_scale,
                         v_min):
    """:func:`arrival_speeds` with a stack of flat slabs above the detector (section comment).

    A particle moving along d enters the outermost sphere with ``v_entry`` and follows the
    straight line to ``detector`` (the point of the spherical world under the stack, normally on
    the Earth's surface); if it comes from above (cos z = -d.up > 0) it then crosses the slabs
    top to bottom, slab i over ``slab_thickness[i] / cos z``.

    Parameters
    ----------
    v_entry, detector, directions, outer_radii, ln_v, kappa, exponent, range_km, kind, group,
    scale -- as in :func:`arrival_speeds` (the spherical world)
    slab_thickness : ndarray (s,) -- vertical slab thicknesses, top to bottom [km]
    slab_kappa, slab_exponent, slab_range_km, slab_kind, slab_group, slab_scale -- the
        :func:`slowing_tables` of the slabs, on the same table speeds (``ln_v``)
    v_min : float -- stopping speed [km/s] (0: never stop)

    Returns
    -------
    speed : ndarray (n,) -- speed at the detector under the stack [km/s]; 0 if stopped
    distance : ndarray (n,) -- path from the entry point to the stop (or the detector) [km]
    path_length : ndarray (n,) -- path from the entry point to the detector, slabs included
        [km] (inf for a line from exactly above the horizon)
    """
    n = v_entry.shape[0]
    m = outer_radii.shape[0]
    lo, hi, seg_a, seg_e, seg_k = _segment_buffers(m)
    speed = np.empty(n)
    distance = np.empty(n)
    path_length = np.empty(n)
    u_min = _log_speed(v_min)
    steps = _half_kappa_steps(kappa, kind, group, scale)
    big_r = outer_radii[m - 1]
    det_norm = _norm3(detector)
    total = 0.0
    for i in range(slab_thickness.shape[0]):
        total += slab_thickness[i]
    j = 0
    for i in range(n):
        dx = directions[i, 0]
        dy = directions[i, 1]
        dz = directions[i, 2]
        oo, b, h2, t = _entry_ray(detector, dx, dy, dz, big_r)
        c = _zenith_cosine(detector, det_norm, dx, dy, dz)
        u0 = _log_speed(v_entry[i])
        u, s, stopped = _propagate_ray(u0, oo, b, h2, t, outer_radii, ln_v, kappa, exponent,
                                       range_km, kind, group, scale, u_min, lo, hi, seg_a, seg_e,
                                       seg_k, steps)
        path_length[i] = t
        if c > 0.0 and total > 0.0:
            inv_cos = 1.0 / c
            path_length[i] = t + total * inv_cos
            if not stopped:
                u, s_slab, stopped, j = _slabs_forward(u, inv_cos, slab_thickness, ln_v,
                                                       slab_kappa, slab_exponent, slab_range_km,
                                                       slab_kind, slab_group, slab_scale, u_min,
                                                       j)
                s = t + s_slab
        speed[i] = 0.0 if stopped else _speed_at(v_entry[i], u0, u)
        distance[i] = s
    return speed, distance, path_length


@numba.njit(**JIT)
def entry_speeds_slabs(v_detector, detector, directions, outer_radii, ln_v, kappa, exponent,
                       range_km, kind, group, scale, slab_thickness, slab_kappa, slab_exponent,
                       slab_range_km, slab_kind, slab_group, slab_scale):
    """Inverse of :func:`arrival_speeds_slabs`: entry speed and Jacobian for a detector speed.

    Parameters
    ----------
    v_detector : ndarray (n,) -- speed at the detector under the stack [km/s], > 0
    detector, directions, outer_radii, ln_v, kappa, exponent, range_km, kind, group, scale,
    slab_thickness, slab_kappa, slab_exponent, slab_range_km, slab_kind, slab_group, slab_scale
        As in :func:`arrival_speeds_slabs`.

    Returns
    -------
    speed : ndarray (n,) -- speed on entering the outermost sphere [km/s] (inf where it
        overflows, e.g. lines just above the horizon)
    jacobian : ndarray (n,) -- d v_entry / d v_detector along the fixed line [1]
    """
    n = v_detector.shape[0]
    m = outer_radii.shape[0]
    lo, hi, seg_a, seg_e, seg_k = _segment_buffers(m)
    speed = np.empty(n)
    jacobian = np.empty(n)
    big_r = outer_radii[m - 1]
    det_norm = _norm3(detector)
    slabs = slab_thickness.shape[0] > 0  # else no line crosses a slab (entry_speeds)
    j = 0
    for i in range(n):
        if not v_detector[i] > 0.0:
            speed[i] = math.nan
            jacobian[i] = math.nan
            continue
        dx = directions[i, 0]
        dy = directions[i, 1]
        dz = directions[i, 2]
        oo, b, h2, t = _entry_ray(detector, dx, dy, dz, big_r)
        c = _zenith_cosine(detector, det_norm, dx, dy, dz) if slabs else 0.0
        u_end = math.log(v_detector[i])
        u = u_end
        logjac = 0.0
        if c > 0.0:
            u, logjac, j = _slabs_backward(u, 1.0 / c, slab_thickness, ln_v, slab_kappa,
                                           slab_exponent, slab_range_km, slab_kind, slab_group,
                                           slab_scale, j)
        u2, logjac2 = _unpropagate_ray(u, oo, b, h2, t, outer_radii, ln_v, kappa, exponent,
                                       range_km, kind, group, scale, lo, hi, seg_a, seg_e, seg_k)
        speed[i] = _speed_at(v_detector[i], u_end, u2)
        # dv_in/dv_out = (v_in/v_out) du_in/du_out
        jacobian[i] = _exp_or_inf(u2 - u_end + logjac + logjac2)
    return speed, jacobian


# --------------------------------------------------------------------------- form factors


@numba.njit(**JIT)
def helm_moments(q_max, c_fm, a_fm, s_fm, nodes, weights):
    """Isotropic-CM averages of the Helm |F|^2: <F^2> and <(1 - cos theta) F^2>.

    With q^2 = q_max^2 (1 - cos theta)/2 and cos theta uniform, x = q^2/q_max^2 is uniform on
    [0, 1], so <F^2> = int_0^1 F^2 dx and <(1 - cos) F^2> = 2 int_0^1 x F^2 dx. Evaluated in
    u = q/q_max by composite Gauss-Legendre with panels no wider than 1 rad of q r_n.

    Parameters
    ----------
    q_max : ndarray (V,) -- maximal momentum transfer 2 mu v [GeV]
    c_fm, a_fm, s_fm : float -- Helm parameters [fm] (all 0: F = 1)
    nodes, weights : ndarray (P,) -- Gauss-Legendre rule on [-1, 1]

    Returns
    -------
    m0, m1 : ndarray (V,) -- <F^2> and <(1 - cos theta) F^2> [1]
    """
    nv = q_max.shape[0]
    m0 = np.empty(nv)
    m1 = np.empty(nv)
    rn2 = c_fm * c_fm + (7.0 / 3.0) * math.pi * math.pi * a_fm * a_fm - 5.0 * s_fm * s_fm
    scale = (math.sqrt(rn2) if rn2 > 0.0 else 0.0) + s_fm  # [fm]
    for j in range(nv):
        qm = q_max[j]
        n_panels = 1 + int(qm * scale / HBARC_GEV_FM)
        acc0 = 0.0
        acc1 = 0.0
        w_panel = 1.0 / n_panels
        for p in range(n_panels):
            left = p * w_panel
            for g in range(nodes.shape[0]):
                u = left + 0.5 * w_panel * (nodes[g] + 1.0)
                f = helm_form_factor(qm * u, 0.0, c_fm, a_fm, s_fm)
                w = 0.5 * w_panel * weights[g] * f * f
                acc0 += w * 2.0 * u  # dx = 2u du
                acc1 += w * 4.0 * u * u * u  # 2 x dx = 4 u^3 du
        m0[j] = acc0
        m1[j] = acc1
    return m0, m1

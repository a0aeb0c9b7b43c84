"""Tests of mcdm.kernels.rays (run both compiled and with NUMBA_DISABLE_JIT=1).

References are independent of the kernels: hand-computed segment ends along radial and
horizontal rays, boundary crossings found by bisection on |x(s)| (no quadratic formula),
Gauss-Legendre quadrature of e^{-s/l}/l on each constant-density piece, and a plain midpoint
sum that knows nothing of the inner boundaries.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mcdm.kernels import rays

R3 = np.array([3483.0, 6341.0, 6371.0])  # digest 004 §6: core, mantle, Earth outer radii [km]
RHO3 = np.array([12.0, 4.5, 2.7])  # arbitrary per-shell densities (monotonic)
RHO3_2D = np.array([[12.0, 0.0], [4.5, 3.0], [2.7, 1.0]])  # 2 species, non-monotonic
R0 = 6371.0 - 1.4  # detector radius [km]
TOL_KM = 1e-9
INF1 = np.array([np.inf])
ELLS = (10.0, 300.0, 1.0e4, 1.0e7)  # decay lengths [km]


def _segs(origin, direction, L=np.inf, radii=R3):
    s_in, s_out, layer, n_seg = rays.shell_segments(
        np.array([origin], float), np.array([direction], float), radii, np.array([L]))
    k = n_seg[0]
    assert np.all(np.isnan(s_in[0, k:])) and np.all(np.isnan(s_out[0, k:]))
    assert np.all(layer[0, k:] == -1)
    return [(s_in[0, j], s_out[0, j], int(layer[0, j])) for j in range(k)]


def _assert_segs(got, expected):
    assert [g[2] for g in got] == [e[2] for e in expected], (got, expected)
    for (a, b, _), (ea, eb, _) in zip(got, expected):
        assert abs(a - ea) < TOL_KM and abs(b - eb) < TOL_KM, (got, expected)


# --------------------------------------------------------------------------- hand cases


def test_detector_down_through_centre():
    """Radial ray from 1.4 km depth: ends are R0 -+ R_k by hand."""
    got = _segs([0, 0, R0], [0, 0, -1])
    _assert_segs(got, [(0, R0 - 6341, 2), (R0 - 6341, R0 - 3483, 1), (R0 - 3483, R0 + 3483, 0),
                       (R0 + 3483, R0 + 6341, 1), (R0 + 6341, R0 + 6371, 2)])
    col = rays.column_through_shells(np.array([[0, 0, R0]]), np.array([[0, 0, -1.0]]), R3, RHO3,
                                     INF1)
    expected = 2.7 * (R0 - 6341 + 30) + 4.5 * 2 * (6341 - 3483) + 12.0 * 2 * 3483
    assert abs(col[0] - expected) < 1e-12 * expected


def test_detector_up_and_horizontal():
    """Upward: 1.4 km of crust. Horizontal: sqrt(R^2 - r^2) forward, crust only."""
    _assert_segs(_segs([0, 0, R0], [0, 0, 1]), [(0, 1.4, 2)])
    half = math.sqrt(6371.0**2 - R0**2)
    _assert_segs(_segs([0, 0, R0], [1, 0, 0]), [(0, half, 2)])
    # full horizontal chord 2*sqrt(R^2 - r^2), from outside the Earth
    _assert_segs(_segs([-1000.0, 0, R0], [1, 0, 0]), [(1000 - half, 1000 + half, 2)])


def test_tangent_to_core():
    """Grazing the core: crust/mantle ends from Pythagoras; the core share is only the
    sqrt(rounding) of a tangent, |chord| < 2 sqrt(8 eps) R_core."""
    sin_a = 3483.0 / R0
    d = [sin_a, 0.0, -math.sqrt(1 - sin_a**2)]
    s_t = R0 * math.sqrt(1 - sin_a**2)  # closest approach
    hm = math.sqrt(6341.0**2 - 3483.0**2)
    he = math.sqrt(6371.0**2 - 3483.0**2)
    lengths = rays.shell_path_lengths(np.array([[0, 0, R0]]), np.array([d]), R3, INF1)[0]
    assert lengths[0] < 2 * math.sqrt(8 * np.finfo(float).eps) * 3483.0
    assert abs(lengths[0] + lengths[1] - 2 * hm) < TOL_KM
    assert abs(lengths[2] - ((s_t + he) - 2 * hm)) < TOL_KM
    got = [g for g in _segs([0, 0, R0], d) if g[2] != 0]
    assert [g[2] for g in got][0] == 2 and [g[2] for g in got][-1] == 2
    assert abs(got[0][1] - (s_t - hm)) < TOL_KM and abs(got[-1][0] - (s_t + hm)) < TOL_KM
    assert abs(got[-1][1] - (s_t + he)) < TOL_KM


def test_exactly_tangent_to_surface_misses():
    """A ray touching the outer sphere at one point has no segment and zero column."""
    assert _segs([-1000.0, 0, 6371.0], [1, 0, 0]) == []
    col = rays.column_through_shells(np.array([[-1000.0, 0, 6371.0]]), np.array([[1.0, 0, 0]]),
                                     R3, RHO3, INF1)
    assert col[0] == 0.0


def test_origin_inside_core_and_mantle():
    """Radial rays from r = 1000 km and r = 0 (core), a horizontal ray from r = 5000 km."""
    _assert_segs(_segs([0, 0, 1000.0], [0, 0, -1]),
                 [(0, 4483, 0), (4483, 7341, 1), (7341, 7371, 2)])
    _assert_segs(_segs([0, 0, 1000.0], [0, 0, 1]),
                 [(0, 2483, 0), (2483, 5341, 1), (5341, 5371, 2)])
    _assert_segs(_segs([0, 0, 0.0], [0.6, 0, 0.8]),
                 [(0, 3483, 0), (3483, 6341, 1), (6341, 6371, 2)])
    hm = math.sqrt(6341.0**2 - 5000.0**2)
    he = math.sqrt(6371.0**2 - 5000.0**2)
    _assert_segs(_segs([0, 5000.0, 0], [1, 0, 0]), [(0, hm, 1), (hm, he, 2)])


def test_origin_outside():
    """From 10000 km aimed at the centre: five segments; aimed away: none."""
    _assert_segs(_segs([0, 0, 1e4], [0, 0, -1]),
                 [(3629, 3659, 2), (3659, 6517, 1), (6517, 13483, 0), (13483, 16341, 1),
                  (16341, 16371, 2)])
    assert _segs([0, 0, 1e4], [0, 0, 1]) == []
    assert _segs([0, 0, 1e4], [1, 0, 0]) == []  # passes beside the Earth


def test_max_length_truncation():
    """L = 5000 km stops in the core; L = 0 gives nothing; L on a boundary adds no empty slot
    (from r = 1000 km upward the core exit 2483 km is exact in floating point)."""
    _assert_segs(_segs([0, 0, R0], [0, 0, -1], L=5000.0),
                 [(0, R0 - 6341, 2), (R0 - 6341, R0 - 3483, 1), (R0 - 3483, 5000, 0)])
    assert _segs([0, 0, R0], [0, 0, -1], L=0.0) == []
    _assert_segs(_segs([0, 0, 1000.0], [0, 0, 1], L=2483.0), [(0, 2483.0, 0)])
    pl = rays.path_length_in_shells(np.array([[0, 0, R0]] * 2), np.array([[0, 0, -1.0]] * 2), R3,
                                    np.array([100.0, np.inf]))
    assert abs(pl[0] - 100.0) < TOL_KM and abs(pl[1] - (R0 + 6371)) < TOL_KM


# --------------------------------------------------------------------------- references


def _random_rays(rng, n):
    """Mix of detector rays, interior rays and outside rays aimed near the Earth."""
    o = np.empty((n, 3))
    d = rng.normal(size=(n, 3))
    d /= np.linalg.norm(d, axis=1)[:, None]
    kind = np.arange(n) % 3
    o[kind == 0] = [0.0, 0.0, R0]
    u = rng.normal(size=(n, 3))
    u /= np.linalg.norm(u, axis=1)[:, None]
    o[kind == 1] = u[kind == 1] * rng.uniform(0, 6371, size=(n, 1))[kind == 1]
    far = u[kind == 2] * 9000.0
    o[kind == 2] = far
    aim = -far / 9000.0 + 0.5 * rng.normal(size=far.shape)
    d[kind == 2] = aim / np.linalg.norm(aim, axis=1)[:, None]
    L = np.where(rng.uniform(size=n) < 0.3, rng.uniform(0, 15000, size=n), np.inf)
    return o, d, L


def _crossings(o, d, radius, L):
    """Parameters s in [0, L] where |o + s d| = radius, by bisection (independent of the
    quadratic formula)."""
    def f(s):
        return np.linalg.norm(o + s * d) - radius

    def bisect(a, b):
        fa = f(a)
        for _ in range(200):
            mid = 0.5 * (a + b)
            if (f(mid) > 0) == (fa > 0):
                a, fa = mid, f(mid)
            else:
                b = mid
        return 0.5 * (a + b)

    s_star = max(0.0, -float(o @ d))
    out = []
    if f(s_star) >= 0:
        return out
    if f(0.0) > 0:
        out.append(bisect(0.0, s_star))
    out.append(bisect(s_star, s_star + 2 * radius + 1.0))
    return [s for s in out if 0.0 < s < L]


def _pieces(o, d, L, radii=R3, rho=RHO3):
    """Constant-density pieces [(a, b, rho)] of one ray, from bisected crossings."""
    s_end = min(L, np.linalg.norm(o) + radii[-1] + 1.0)
    pts = sorted({0.0, s_end, *[s for R in radii for s in _crossings(o, d, R, s_end)]})
    out = []
    for a, b in zip(pts[:-1], pts[1:]):
        r = np.linalg.norm(o + 0.5 * (a + b) * d)
        k = np.searchsorted(radii, r, side="right")
        out.append((a, b, rho[k] if k < len(radii) else 0.0))
    return out


_GL_X, _GL_W = np.polynomial.legendre.leggauss(30)


def _quad_exp(a, b, ell):
    """int_a^b e^{-s/l}/l ds by 30-point Gauss-Legendre on sub-intervals of length <= l
    (machine precision there); parts beyond a + 750 l add < e^-750 of the first and are cut."""
    end = min(b, a + 750.0 * ell)
    n_sub = max(1, int(math.ceil((end - a) / ell)))
    edges = np.linspace(a, end, n_sub + 1)
    half = 0.5 * np.diff(edges)[:, None]
    s = 0.5 * (edges[:-1] + edges[1:])[:, None] + half * _GL_X[None, :]
    return math.fsum((half * _GL_W[None, :] * np.exp(-s / ell) / ell).ravel())


def test_against_bisection_and_gauss_legendre():
    """Column and exp-weighted integrals vs Gauss-Legendre on bisected pieces, 1e-9 relative
    (measured: <= 4e-13)."""
    rng = np.random.default_rng(3)
    o, d, L = _random_rays(rng, 30)
    col = rays.column_through_shells(o, d, R3, RHO3, L)
    for i in range(len(L)):
        pieces = _pieces(o[i], d[i], L[i])
        ref = math.fsum(r * (b - a) for a, b, r in pieces)
        assert abs(col[i] - ref) <= 1e-9 * ref + 1e-9
    for ell in ELLS:
        got = rays.exp_integral_through_shells(o, d, R3, RHO3, np.full(len(L), ell), L)
        for i in range(len(L)):
            ref = math.fsum(r * _quad_exp(a, b, ell) for a, b, r in _pieces(o[i], d[i], L[i]))
            assert abs(got[i] - ref) <= 1e-9 * ref + 1e-300, (ell, i, got[i], ref)


def test_brute_force_midpoint():
    """10^5-step midpoint sums over the chord inside the outer sphere, the density looked up
    from |x| at each midpoint (no knowledge of the inner boundaries).

    Tolerance: 1e-6 relative plus the midpoint-rule error bound, i.e. (h/2)|drho| w(s_b) per
    inner crossing s_b (a density step is misplaced by at most h/2) and
    chord h^2/24 max|f''| for the smooth exp factor."""
    rng = np.random.default_rng(4)
    o, d, L = _random_rays(rng, 12)
    n_steps = 100_000
    rho_ext = np.append(RHO3, 0.0)
    col = rays.column_through_shells(o, d, R3, RHO3, L)
    n_checked = 0
    for ell in (None, *ELLS):
        got = col if ell is None else rays.exp_integral_through_shells(
            o, d, R3, RHO3, np.full(len(L), ell), L)
        for i in range(len(L)):
            outer = _crossings(o[i], d[i], R3[-1], np.inf)
            s_a = 0.0 if np.linalg.norm(o[i]) < R3[-1] else (outer[0] if outer else 0.0)
            s_b = min(L[i], outer[-1]) if outer else 0.0
            if not s_b > s_a:
                assert got[i] == 0.0
                continue
            h = (s_b - s_a) / n_steps
            s = s_a + (np.arange(n_steps) + 0.5) * h
            r = np.linalg.norm(o[i][None, :] + s[:, None] * d[i][None, :], axis=1)

            def wgt(x):
                return np.ones_like(x) if ell is None else np.exp(-x / ell) / ell

            ref = np.sum(rho_ext[np.searchsorted(R3, r, side="right")] * wgt(s)) * h
            bound = 0.0
            for k in range(2):  # inner spheres: core, mantle
                for sb in _crossings(o[i], d[i], R3[k], s_b):
                    bound += 0.5 * h * abs(RHO3[k] - RHO3[k + 1]) * wgt(np.array([sb]))[0]
            if ell is not None:
                bound += (s_b - s_a) * h**2 / 24 * RHO3.max() * wgt(np.array([s_a]))[0] / ell**2
            assert abs(got[i] - ref) <= 1e-6 * ref + bound, (ell, i, got[i], ref, bound)
            n_checked += 1
    assert n_checked >= 40


def test_column_equals_sum_over_segments():
    """The fused onion sum equals sum rho*(s_out - s_in) over the segments, 1e-12 relative."""
    rng = np.random.default_rng(5)
    o, d, L = _random_rays(rng, 300)
    s_in, s_out, layer, n_seg = rays.shell_segments(o, d, R3, L)
    col = rays.column_through_shells(o, d, R3, RHO3, L)
    col2 = rays.column_through_shells(o, d, R3, RHO3_2D, L)
    seg = np.nansum(np.where(layer >= 0, RHO3[layer] * (s_out - s_in), 0.0), axis=1)
    np.testing.assert_allclose(col, seg, rtol=1e-12, atol=1e-9)
    for j in range(2):
        rho = RHO3_2D[:, j]
        ref = np.nansum(np.where(layer >= 0, rho[layer] * (s_out - s_in), 0.0), axis=1)
        np.testing.assert_allclose(col2[:, j], ref, rtol=1e-12, atol=1e-9)
    per_shell = rays.shell_path_lengths(o, d, R3, L)
    np.testing.assert_allclose(per_shell.sum(axis=1), rays.path_length_in_shells(o, d, R3, L),
                               rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(per_shell @ RHO3, col, rtol=1e-12, atol=1e-9)


def test_two_d_density_and_layouts():
    """(m, k) density gives the stacked (m,) results; non-contiguous inputs are accepted."""
    rng = np.random.default_rng(6)
    o, d, L = _random_rays(rng, 20)
    ell = rng.uniform(10, 1e4, size=20)
    dens_f = np.asfortranarray(RHO3_2D)
    got = rays.exp_integral_through_shells(o, d, R3, dens_f, ell, L)
    assert got.shape == (20, 2)
    for j in range(2):
        one = rays.exp_integral_through_shells(o, d, R3, RHO3_2D[:, j], ell, L)  # strided view
        np.testing.assert_array_equal(one, got[:, j])


def test_decay_length_limits():
    """l = inf gives 0, l <= 0 gives nan; for l >> L the integral tends to column/l."""
    o = np.array([[0, 0, R0]] * 4)
    d = np.array([[0.3, 0.0, -math.sqrt(1 - 0.09)]] * 4)
    L = np.full(4, np.inf)
    out = rays.exp_integral_through_shells(o, d, R3, RHO3, np.array([np.inf, 0.0, -1.0, 1e15]), L)
    col = rays.column_through_shells(o, d, R3, RHO3, L)[0]
    assert out[0] == 0.0 and np.isnan(out[1]) and np.isnan(out[2])
    # first-order expansion: int n (1 - s/l + ...)/l ds; the s/l term is < 1.3e4/1e15
    assert abs(out[3] * 1e15 - col) <= 1e-9 * col


@settings(max_examples=60, deadline=None)
@given(st.floats(-1.5, 1.5), st.floats(-1.5, 1.5), st.floats(-1.5, 1.5),
       st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1),
       st.one_of(st.just(math.inf), st.floats(0, 20000)))
def test_segment_properties(x, y, z, u, v, w, L):
    """Segments are ordered, contiguous, alternate between adjacent shells, and total the
    clipped chord of the outer sphere."""
    dvec = np.array([u, v, w])
    if np.linalg.norm(dvec) < 1e-3:
        dvec = np.array([0.0, 0.0, 1.0])
    dvec /= np.linalg.norm(dvec)
    o = np.array([x, y, z]) * 6371.0
    segs = _segs(o, dvec, L=L)
    total = rays.path_length_in_shells(o[None, :], dvec[None, :], R3, np.array([L]))[0]
    assert abs(sum(b - a for a, b, _ in segs) - total) <= 1e-9 * max(1.0, total)
    for (a, b, k), (a2, b2, k2) in zip(segs[:-1], segs[1:]):
        assert a < b and b == a2 and abs(k - k2) == 1
    for a, b, _ in segs:
        assert 0.0 <= a < b <= L


# --------------------------------------------------------------------------- slabs

Z_EDGES = np.array([-3.0, 0.0, 1.0, 4.0])  # 3 slabs [km]
RHO_SLAB = np.array([2.0, 0.0, 5.0])


def _slab(z0, dz, L=np.inf):
    s_in, s_out, layer, n_seg = rays.slab_segments(np.array([z0]), np.array([dz]), Z_EDGES,
                                                   np.array([L]))
    return [(s_in[0, j], s_out[0, j], int(layer[0, j])) for j in range(n_seg[0])]


def test_slab_hand_cases():
    """Vertical and oblique rays: ends are (z_edge - z0)/dz by hand; horizontal rays stay."""
    _assert_segs(_slab(0.5, 1.0), [(0, 0.5, 1), (0.5, 3.5, 2)])
    _assert_segs(_slab(0.5, -0.5), [(0, 1.0, 1), (1.0, 7.0, 0)])
    _assert_segs(_slab(10.0, -1.0, L=7.0), [(6.0, 7.0, 2)])
    _assert_segs(_slab(-5.0, 1.0), [(2, 5, 0), (5, 6, 1), (6, 9, 2)])
    assert _slab(10.0, 1.0) == [] and _slab(-5.0, -1.0) == [] and _slab(0.5, 1.0, L=0.0) == []
    _assert_segs(_slab(2.0, 0.0, L=3.0), [(0, 3.0, 2)])
    assert _slab(1.0, 0.0) == [(0.0, np.inf, 2)]  # on an edge: the slab above
    assert _slab(4.0, 0.0) == []  # top edge belongs to outside


def test_slab_integrals():
    """Column and exp integrals vs hand-made pieces (Gauss-Legendre for the exp weight),
    including horizontal unbounded rays."""
    z0 = np.array([0.5, 0.5, -5.0, 2.0, 0.5, 0.5])
    dz = np.array([1.0, -0.5, 0.8, 0.0, 0.0, 0.3])
    L = np.array([np.inf, np.inf, 7.0, np.inf, np.inf, 2.0])
    col = rays.column_through_slabs(z0, dz, Z_EDGES, RHO_SLAB, L)
    expected = [5 * 3.0, 2 * 6.0, 2 * 3 / 0.8, np.inf, 0.0, 5 * (2.0 - 0.5 / 0.3)]
    np.testing.assert_allclose(col, expected, rtol=1e-13)
    pieces = [[(0.5, 3.5, 5.0)], [(1.0, 7.0, 2.0)], [(2.5, 6.25, 2.0)], [(0.0, np.inf, 5.0)], [],
              [(0.5 / 0.3, 2.0, 5.0)]]  # non-empty slabs only, by hand
    for ell in ELLS:
        got = rays.exp_integral_through_slabs(z0, dz, Z_EDGES, RHO_SLAB, np.full(6, ell), L)
        for i in range(6):
            ref = math.fsum(r * _quad_exp(a, b, ell) for a, b, r in pieces[i])
            assert abs(got[i] - ref) <= 1e-9 * ref + 1e-300, (ell, i)
    two = rays.column_through_slabs(z0, dz, Z_EDGES, np.stack([RHO_SLAB, 2 * RHO_SLAB], 1), L)
    np.testing.assert_allclose(two[:, 1], 2 * col, rtol=1e-15)
    edge = rays.exp_integral_through_slabs(z0[:1], dz[:1], Z_EDGES, RHO_SLAB,
                                           np.array([np.inf]), L[:1])
    assert edge[0] == 0.0

"""Tests of mcdm.kernels.continuous (run both compiled and with NUMBA_DISABLE_JIT=1).

References are independent of the kernels: closed-form solutions of dv/ds = -(v/2) kappa(v)
for constant and power-law kappa (exponential and v^-alpha = v0^-alpha + alpha kappa0 s/2),
segment lengths of radial rays by hand, scipy's solve_ivp (DOP853, rtol 1e-11) on the same
log-log-interpolated stopping, finite differences for the Jacobian, and scipy quad with
scipy.special.spherical_jn for the Helm moments.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp
from scipy.special import spherical_jn

from mcdm.kernels import continuous as kc
from mcdm.kernels.nuclear import HBARC_GEV_FM
from mcdm.units import KM_TO_CM

V_GRID = np.geomspace(1e-3, 2000.0, 61)
BIG = np.array([1.0e6])  # one uniform ball [km]
UP = np.array([0.0, 0.0, 1.0])
N1 = np.array([[1.0e30]])  # [km^-3]: kappa = 1e30 x S x 1e-10 [1/km]


def _one(v0, stopping, length, v_min=0.0, radii=BIG, density=N1, origin=np.zeros(3),
         direction=UP):
    return kc.final_speed(v0, origin, direction, radii, density, V_GRID, stopping, length, v_min)


def _power_law(alpha, s0=1e-20, v_ref=100.0):
    return (s0 * (V_GRID / v_ref) ** alpha)[None, :]


def test_unit_constant_matches_units_module():
    """The kernel's literal km^2/cm^2 equals 1/KM_TO_CM^2 of mcdm.units."""
    assert kc.CM2_TO_KM2 == pytest.approx(1.0 / KM_TO_CM**2, rel=1e-15)


def test_energy_loss_rate_is_the_density_weighted_sum():
    n = np.array([[1e30, 2e30], [0.0, 5e29]])
    s = np.array([np.linspace(1, 2, 5), np.linspace(3, 1, 5)]) * 1e-20
    got = kc.energy_loss_rate(n, s)
    ref = (n @ s) * 1e-10
    assert np.allclose(got, ref, rtol=1e-15)


# --------------------------------------------------------------------------- exact solutions


def test_constant_stopping_is_exponential():
    """kappa constant: v = v0 exp(-kappa L/2) to machine precision."""
    kappa = 1e30 * 1e-20 * 1e-10
    for length in (0.0, 0.3, 2.0, 40.0):
        v = _one(300.0, _power_law(0.0), length)
        assert v == pytest.approx(300.0 * math.exp(-0.5 * kappa * length), rel=1e-13)


@pytest.mark.parametrize("alpha", [1.0, -0.7, 2.0, -4.0])
def test_power_law_stopping_is_exact(alpha):
    """kappa = kappa0 (v/100)^alpha: v^-alpha = v0^-alpha + alpha kappa0 100^-alpha s/2.

    A power law is exact under log-log interpolation, so the general (range-table) path must
    agree to rounding; alpha = 2 spans 12 orders of magnitude in kappa on the grid (tests the
    anchoring of the range tables against cancellation).
    """
    kappa0 = 1.0
    v0 = 300.0
    length = 3.0
    exact = (v0**-alpha + alpha * 0.5 * kappa0 * 100.0**-alpha * length) ** (-1 / alpha)
    got = _one(v0, _power_law(alpha), length)
    assert got == pytest.approx(exact, rel=1e-11)


def test_constant_exact_agrees_with_general_path():
    """A constant kappa sent through the general path (a 1e-13 zigzag defeats the constant
    flag) matches the exponential solution: the range-table integrator is exact here."""
    tilt = (1.0 + 1e-13 * (np.arange(V_GRID.size) % 2))[None, :]
    stopping = 1e-20 * tilt
    tabs = kc.slowing_tables(V_GRID, N1, stopping)
    assert tabs[4][0] == kc.KIND_GENERAL and tabs[5][0] == 0
    for length in (0.1, 1.0, 7.0):
        v = _one(500.0, stopping, length)
        assert v == pytest.approx(500.0 * math.exp(-0.5 * length), rel=1e-10)


def test_outside_the_table_stopping_is_held_constant():
    """Below and above the grid kappa keeps its end value: exponential with the end kappa."""
    stopping = _power_law(1.0)
    k_lo = 1e30 * stopping[0, 0] * 1e-10
    v = _one(5e-4, stopping, 2.0 / k_lo)  # starts below the grid
    assert v == pytest.approx(5e-4 * math.exp(-1.0), rel=1e-12)
    k_hi = 1e30 * stopping[0, -1] * 1e-10
    v = _one(5000.0, stopping, 0.5 / k_hi)  # stays above 2000 km/s
    assert v == pytest.approx(5000.0 * math.exp(-0.25), rel=1e-12)


def _bumpy_stopping():
    """A non-monotonic, non-power-law stopping (a Helm-like dip) on the grid [cm^2]."""
    x = V_GRID / 300.0
    return (1e-20 * (1.0 + 0.3 * np.sin(3 * np.log(V_GRID))) / (1.0 + x**3))[None, :]


def _loglog(stopping_row):
    lv = np.log(V_GRID)
    ls = np.log(stopping_row)

    def s(v):
        return math.exp(np.interp(math.log(v), lv, ls))
    return s


def test_general_stopping_against_solve_ivp():
    """One shell, non-monotonic stopping: the closed-form range integration equals scipy's
    DOP853 on the same log-log interpolant (rtol 1e-11) to 1e-8."""
    stopping = _bumpy_stopping()
    s_of_v = _loglog(stopping[0])
    n = 2e30
    for v0, length in ((700.0, 0.05), (700.0, 1.0), (40.0, 0.3), (1500.0, 4.0)):
        sol = solve_ivp(lambda s, y: [-0.5 * y[0] * n * s_of_v(y[0]) * 1e-10], (0, length), [v0],
                        method="DOP853", rtol=1e-11, atol=1e-12)
        got = _one(v0, stopping, length, density=np.array([[n]]))
        assert got == pytest.approx(sol.y[0, -1], rel=1e-8)


def test_radial_ray_through_shells_against_solve_ivp():
    """A radial ray through three shells of different composition (two nuclides): each shell
    integrated separately with solve_ivp on sum_i n_i S_i, segment ends by hand.

    The kernel interpolates the per-shell sum, the reference each nuclide's table: they differ
    at second order in the grid spacing (61 points over 6.3 decades) -> 2e-3.
    """
    radii = np.array([1.0, 2.0, 3.0])
    dens = np.array([[1e30, 0.0], [3e29, 2e30], [0.0, 5e29]])
    s1 = _bumpy_stopping()[0]
    s2 = _power_law(-1.0)[0]
    stopping = np.array([s1, s2])
    f1, f2 = _loglog(s1), _loglog(s2)
    origin = np.array([0.0, 0.0, -3.0])  # enters at the south pole of the outer sphere
    # segments along +z: shell 2 [0,1], 1 [1,2], 0 [2,4], 1 [4,5], 2 [5,6]
    order = [(2, 1.0), (1, 1.0), (0, 2.0), (1, 1.0), (2, 1.0)]
    v = 900.0
    for k, length in order:
        n1, n2 = dens[k]
        sol = solve_ivp(lambda s, y: [-0.5 * y[0] * (n1 * f1(y[0]) + n2 * f2(y[0])) * 1e-10],
                        (0, length), [v], method="DOP853", rtol=1e-11, atol=1e-12)
        v = sol.y[0, -1]
    got = kc.final_speed(900.0, origin, UP, radii, dens, V_GRID, stopping, 10.0, 0.0)
    assert got == pytest.approx(v, rel=2e-3)
    # and exactly (to 1e-8) when the reference interpolates the per-shell sum like the kernel
    v = 900.0
    for k, length in order:
        f = _loglog(dens[k] @ stopping)
        sol = solve_ivp(lambda s, y: [-0.5 * y[0] * f(y[0]) * 1e-10], (0, length), [v],
                        method="DOP853", rtol=1e-11, atol=1e-12)
        v = sol.y[0, -1]
    assert got == pytest.approx(v, rel=1e-8)


def test_constant_shells_fast_path_matches_segment_sum():
    """All-constant worlds use the onion sum: v = v0 exp(-sum_k kappa_k L_k / 2) with the
    shell path lengths of a radial ray by hand; a vacuum shell in between costs nothing."""
    radii = np.array([1.0, 2.0, 3.0])
    dens = np.array([[1e30], [0.0], [4e29]])
    stopping = _power_law(0.0, s0=2e-20)
    kap = dens[:, 0] * 2e-20 * 1e-10
    origin = np.array([0.0, 0.0, -3.0])
    got = kc.final_speed(300.0, origin, UP, radii, dens, V_GRID, stopping, 10.0, 0.0)
    total = kap[2] * 2 + kap[1] * 2 + kap[0] * 2
    assert got == pytest.approx(300.0 * math.exp(-0.5 * total), rel=1e-13)
    # stopped inside shell 0 (fast path falls back to the segment walk for the stop point)
    v_min = 300.0 * math.exp(-0.5 * (kap[2] + kap[0] * 0.5))
    speed, dist = kc.propagate(np.array([300.0]), origin[None], UP[None], np.array([10.0]),
                               radii, *kc.slowing_tables(V_GRID, dens, stopping), v_min)
    assert speed[0] == 0.0
    assert dist[0] == pytest.approx(2.5, rel=1e-12)


# --------------------------------------------------------------------------- stopping, limits


def test_stopping_point_general_path():
    """v_min reached inside the medium: the stop distance is the exact range difference."""
    alpha = 1.0
    stopping = _power_law(alpha)
    v0, v_min = 300.0, 20.0
    # s(v) = (v^-1 - v0^-1) 2 x 100 / (alpha kappa0) with kappa0 = 1
    s_stop = (1 / v_min - 1 / v0) * 2 * 100.0
    speed, dist = kc.propagate(np.array([v0, v0]), np.zeros((2, 3)), np.array([UP, UP]),
                               np.array([s_stop * 1.01, s_stop * 0.99]), BIG,
                               *kc.slowing_tables(V_GRID, N1, stopping), v_min)
    assert speed[0] == 0.0 and dist[0] == pytest.approx(s_stop, rel=1e-11)
    assert speed[1] > v_min and dist[1] == s_stop * 0.99


def test_zero_stopping_leaves_speed_unchanged():
    """sigma -> 0: a world without stopping is vacuum; speeds are exactly unchanged."""
    zero = np.zeros((1, V_GRID.size))
    assert _one(321.0, zero, 1e5) == 321.0
    tabs = kc.slowing_tables(V_GRID, N1, zero)
    assert tabs[5][0] == -1 and tabs[6][0] == 0.0 and tabs[1].shape == (0, V_GRID.size)
    tiny = _power_law(0.5, s0=1e-45)
    assert _one(321.0, tiny, 1e3) == pytest.approx(321.0, rel=1e-20 + 1e-12)


def test_start_below_v_min_stops_at_origin():
    speed, dist = kc.propagate(np.array([1.0]), np.zeros((1, 3)), UP[None], np.array([1.0]), BIG,
                               *kc.slowing_tables(V_GRID, N1, _power_law(0.0)), 2.0)
    assert speed[0] == 0.0 and dist[0] == 0.0


def test_bad_tables_raise():
    with pytest.raises(ValueError):
        kc.slowing_tables(V_GRID, N1, -_power_law(0.0))
    partial = _power_law(0.0).copy()
    partial[0, 5] = 0.0
    with pytest.raises(ValueError):
        kc.slowing_tables(V_GRID, N1, partial)
    with pytest.raises(ValueError):
        kc.slowing_tables(V_GRID[::-1].copy(), N1, _power_law(0.0))


# --------------------------------------------------------------------------- detector maps

RADII = np.array([3000.0, 6000.0, 6371.0, 6400.0])
# kappa ~ 1e-5/km at 300 km/s
DENS = np.array([[4e26, 1e25], [2e26, 3e25], [1e26, 2e25], [1e23, 0.0]])


def _world_tables(kind="general"):
    s1 = _bumpy_stopping()[0]
    s2 = _power_law(0.0)[0] if kind == "constant" else _power_law(-1.0)[0]
    if kind == "constant":
        s1 = _power_law(0.0, s0=3e-20)[0]
    return kc.slowing_tables(V_GRID, DENS, np.array([s1, s2]))


def _directions(n, seed=3):
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(n, 3))
    return d / np.linalg.norm(d, axis=1)[:, None]


@pytest.mark.parametrize("kind", ["general", "constant"])
def test_arrival_equals_propagation_from_the_entry_point(kind):
    """arrival_speeds = propagate from detector - T d along d for length T."""
    tabs = _world_tables(kind)
    det = np.array([1000.0, 2000.0, 6369.0 - 2236.0])
    det *= 6369.6 / np.linalg.norm(det)
    d = _directions(40)
    v = np.linspace(150, 750, 40)
    speed, dist, path = kc.arrival_speeds(v, det, d, RADII, *tabs, 0.0)
    assert np.all(speed > 0) and np.all(speed < v)
    origins = det[None, :] - path[:, None] * d
    assert np.allclose(np.linalg.norm(origins, axis=1), RADII[-1], rtol=1e-12)
    ref, ref_dist = kc.propagate(v, origins, d, path, RADII, *tabs, 0.0)
    assert np.allclose(speed, ref, rtol=1e-9, atol=0)
    assert np.array_equal(dist, path)


def test_entry_speeds_invert_arrival_with_jacobian():
    """entry_speeds(arrival_speeds(v)) = v; the Jacobian matches a central finite difference."""
    tabs = _world_tables("general")
    det = np.array([0.0, 0.0, 6369.6])
    d = _directions(30, seed=5)
    v = np.linspace(200, 700, 30)
    v_det, _, _ = kc.arrival_speeds(v, det, d, RADII, *tabs, 0.0)
    assert np.all(v_det > 0)
    back, jac = kc.entry_speeds(v_det, det, d, RADII, *tabs)
    assert np.allclose(back, v, rtol=1e-9)
    h = 1e-5
    plus, _ = kc.entry_speeds(v_det * (1 + h), det, d, RADII, *tabs)
    minus, _ = kc.entry_speeds(v_det * (1 - h), det, d, RADII, *tabs)
    fd = (plus - minus) / (2 * h * v_det)
    assert np.allclose(jac, fd, rtol=1e-5)


def test_final_speed_scalar_equals_vector():
    stopping = np.array([_bumpy_stopping()[0], _power_law(-1.0)[0]])
    d = _directions(5)
    o = np.tile([0.0, 0.0, 6399.0], (5, 1))
    v = np.full(5, 400.0)
    L = np.full(5, np.inf)
    vec = kc.final_speeds(v, o, d, RADII, DENS, V_GRID, stopping, L, 0.0)
    for i in range(5):
        assert kc.final_speed(400.0, o[i], d[i], RADII, DENS, V_GRID, stopping, np.inf,
                              0.0) == vec[i]


# --------------------------------------------------------------------------- Helm moments


def _helm_ref(q, c, a, s):
    rn = math.sqrt(c * c + 7 / 3 * math.pi**2 * a * a - 5 * s * s)
    x = q * rn / HBARC_GEV_FM
    f = 1.0 if x == 0 else 3 * spherical_jn(1, x) / x
    return f * math.exp(-0.5 * (q * s / HBARC_GEV_FM) ** 2)


@pytest.mark.parametrize("A", [16, 56])
def test_helm_moments_against_quad(A):
    """<F^2> and <(1-cos) F^2> over uniform cos theta, by scipy quad in cos theta."""
    c = 1.23 * A ** (1 / 3) - 0.60
    q_max = np.array([1e-4, 0.05, 0.3, 0.9])
    nodes, weights = np.polynomial.legendre.leggauss(12)
    m0, m1 = kc.helm_moments(q_max, c, 0.52, 0.9, nodes, weights)
    for j, qm in enumerate(q_max):
        def f2(ct):
            return _helm_ref(qm * math.sqrt(0.5 * (1 - ct)), c, 0.52, 0.9) ** 2
        r0 = 0.5 * quad(f2, -1, 1, epsabs=0, epsrel=1e-12, limit=200)[0]
        r1 = 0.5 * quad(lambda ct: (1 - ct) * f2(ct), -1, 1, epsabs=0, epsrel=1e-12,
                        limit=200)[0]
        assert m0[j] == pytest.approx(r0, rel=1e-9)
        assert m1[j] == pytest.approx(r1, rel=1e-9)
    z0, z1 = kc.helm_moments(q_max, 0.0, 0.0, 0.0, nodes, weights)  # F = 1
    assert np.allclose(z0, 1.0, rtol=1e-14) and np.allclose(z1, 1.0, rtol=1e-14)


# --------------------------------------------------------------------------- shell groups


def _layered(perturb=0.0):
    """Ten shells of one composition at different densities, a different one in the middle."""
    radii = np.linspace(1.0, 10.0, 10)
    rho = np.linspace(3.0, 0.5, 10)
    dens = np.outer(rho, [1e29, 4e28])
    dens[4] = [2e29, 0.0]  # another composition
    dens[:, 0] *= 1.0 + perturb * np.arange(10)
    return radii, dens


def test_proportional_shells_share_one_group():
    radii, dens = _layered()
    stopping = np.array([_bumpy_stopping()[0], _power_law(-1.0)[0]])
    ln_v, kappa, exponent, range_km, kind, group, scale = kc.slowing_tables(V_GRID, dens,
                                                                            stopping)
    assert kappa.shape[0] == 2 and group[4] == 1 and np.all(np.delete(group, 4) == 0)
    assert np.allclose(np.delete(scale, 4), np.delete(np.linspace(3.0, 0.5, 10), 4) / 3.0,
                       rtol=1e-13)
    # a 1e-9 tilt between the shells exceeds GROUP_RTOL: every shell gets its own tables
    _, kappa2, *_rest = kc.slowing_tables(V_GRID, *_layered(1e-9)[1:], stopping)
    assert kappa2.shape[0] == 10


@pytest.mark.parametrize("v_min", [0.0, 30.0])
def test_grouped_runs_equal_shell_by_shell_integration(v_min):
    """Grouped runs (one inversion per run) = shell-by-shell integration (1e-9 tilt defeats
    the grouping) to 1e-7, including the stop point inside a multi-shell run."""
    stopping = np.array([_bumpy_stopping()[0], _power_law(-1.0)[0]])
    d = _directions(25, seed=9)
    o = -10.0 * d  # from the outer sphere, through the centre region
    L = np.full(25, 20.0)
    v = np.linspace(200, 800, 25)
    radii, dens = _layered()
    got = kc.propagate(v, o, d, L, radii, *kc.slowing_tables(V_GRID, dens, stopping), v_min)
    radii, dens2 = _layered(1e-9)
    ref = kc.propagate(v, o, d, L, radii, *kc.slowing_tables(V_GRID, dens2, stopping), v_min)
    assert np.allclose(got[0], ref[0], rtol=1e-7, atol=0)
    assert np.allclose(got[1], ref[1], rtol=1e-7)
    if v_min > 0:
        assert 0 < np.sum(got[0] == 0.0) < 25  # some stop, some arrive


def test_constant_groups_stop_point_in_multishell_run():
    """Drag-like constant stopping in proportional shells (one group): stop point by hand."""
    radii = np.array([1.0, 2.0, 3.0])
    dens = np.array([[3e30], [2e30], [1e30]])
    stopping = _power_law(0.0, s0=1e-20)
    kap = dens[:, 0] * 1e-20 * 1e-10  # 3, 2, 1 per km
    tabs = kc.slowing_tables(V_GRID, dens, stopping)
    assert tabs[1].shape[0] == 1
    origin = np.array([[0.0, 0.0, -3.0]])
    # radial: shell 2 for 1 km (du = 0.5), shell 1 for 1 km (du = 1), shell 0 (du = 1.5/km)
    v_min = 500.0 * math.exp(-(0.5 + 1.0 + 0.3 * 1.5))
    speed, dist = kc.propagate(np.array([500.0]), origin, UP[None], np.array([10.0]), radii,
                               *tabs, v_min)
    assert speed[0] == 0.0 and dist[0] == pytest.approx(2.3, rel=1e-12)
    free, _ = kc.propagate(np.array([500.0]), origin, UP[None], np.array([10.0]), radii, *tabs,
                           0.0)
    assert free[0] == pytest.approx(500.0 * math.exp(-0.5 * (2 * kap[2] + 2 * kap[1]
                                                               + 2 * kap[0])), rel=1e-13)

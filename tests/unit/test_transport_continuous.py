"""Tests of mcdm.transport.continuous: continuous slowing-down through Earth, rock and air.

References: the closed-form drag solution v = v0 exp(-(c_d/2) rho pi R^2 s/M) of seed 000
Eq. (106) with the medium's tabulated mass density; scipy's solve_ivp integrating
dv/ds = -(v/2) sum_i n_i S_i(v) segment by segment along the ray (each nuclide's table
interpolated log-log on its own, segment ends from mcdm.kernels.rays.shell_segments); the
atmosphere's own column density (US 1976, Gauss-Legendre) for stack_atmosphere.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from mcdm.errors import ConfigError, GeometryError
from mcdm.geometry import CompiledShells, load_atmosphere, load_earth, load_material, load_site
from mcdm.kernels import rays
from mcdm.physics.interaction import MacroscopicDrag, SpinIndependent
from mcdm.transport.continuous import ContinuousSlowing, stack_atmosphere
from mcdm.units import KM_TO_CM


@pytest.fixture(scope="module")
def world():
    earth = load_earth("prem", ocean="crust").compile()
    return stack_atmosphere(earth, load_atmosphere("us_standard_1976").compile())


@pytest.fixture(scope="module")
def lngs():
    return load_site("lngs").position(6371.0)


def _uniform(material="standard_rock", radius_km=1.0e4) -> CompiledShells:
    mat = load_material(material)
    nd = mat.number_densities()
    return CompiledShells(np.array([radius_km]), np.array([mat.density]),
                          np.array([list(nd.values())]), tuple(nd), np.array([0]), ("rock",))


# --------------------------------------------------------------------------- geometry helper


def test_stack_atmosphere(world):
    earth = load_earth("prem", ocean="crust").compile()
    slabs = load_atmosphere("us_standard_1976").compile()
    m_e = len(earth.outer_radii)
    assert np.array_equal(world.outer_radii[:m_e], earth.outer_radii)
    assert np.allclose(world.outer_radii[m_e:], 6371.0 + slabs.z_edges[1:])
    assert world.nuclides[: len(earth.nuclides)] == earth.nuclides
    assert set(world.nuclides) == set(earth.nuclides) | set(slabs.nuclides)
    n14 = world.nuclides.index("N14")
    assert np.all(world.number_density[:m_e, n14] == 0.0)
    assert np.array_equal(world.number_density[m_e:, n14],
                          slabs.number_density[:, slabs.nuclides.index("N14")])
    assert world.layer_names[-1] == "atmosphere" and world.layer_index[-1] == len(
        earth.layer_names)
    # a vertical ray from the surface up crosses the whole atmospheric column
    col = rays.column_through_shells(np.array([[0.0, 0.0, 6371.0]]), np.array([[0, 0, 1.0]]),
                                     world.outer_radii, world.mass_density, np.array([np.inf]))
    assert col[0] * KM_TO_CM == pytest.approx(slabs.column_density(), rel=1e-12)
    with pytest.raises(GeometryError):
        stack_atmosphere(world, slabs)  # "atmosphere" already used


# --------------------------------------------------------------------------- limits


def test_zero_cross_section_leaves_speeds_unchanged(world, lngs):
    """sigma_p = 0 gives exactly the entry speeds; sigma_p = 1e-46 cm^2 changes them < 1e-6."""
    rng = np.random.default_rng(7)
    d = rng.normal(size=(200, 3))
    v = rng.uniform(50, 750, 200)
    a = ContinuousSlowing(SpinIndependent(100.0, 0.0), world).arrive(lngs, d, v)
    assert np.array_equal(a.speed, v) and not np.any(a.stopped)
    b = ContinuousSlowing(SpinIndependent(100.0, 1e-46), world).arrive(lngs, d, v)
    assert np.all(b.speed < v) and np.allclose(b.speed, v, rtol=1e-6)


@pytest.mark.validation
def test_drag_falls_by_e_after_the_stopping_column():
    """Seed 000 Eqs. (106)-(110) (digest 000 target 26): with c_d/2 = 1 in a uniform medium,
    v = v0/e after the column M/(pi R^2) (+-1 %). The column uses the material's mass density,
    the kernel the nuclide number densities: the two routes agree to 1e-4."""
    rock = _uniform()
    body = MacroscopicDrag(mass_kg=3e-15, radius_cm=1.2e-7, drag_coefficient=2.0)
    column = body.mass_kg * 1e3 / body.area_cm2  # M/(pi R^2) [g/cm^2]
    length_km = column / rock.mass_density[0] / KM_TO_CM
    cs = ContinuousSlowing(body, rock)
    for factor in (1.0, 2.0, 0.5):
        speed, dist = cs.propagate(np.zeros(3), [[0.0, 0.0, 1.0]], 300.0, factor * length_km)
        assert speed[0] == pytest.approx(300.0 * math.exp(-factor), rel=1e-2)
        assert speed[0] == pytest.approx(300.0 * math.exp(-factor), rel=1e-4)
    # stopping point at v_min: s = ln(v0/v_min) M/(rho pi R^2)
    speed, dist = cs.propagate(np.zeros(3), [[0.0, 0.0, 1.0]], 300.0, 1.0, v_min=1.0)
    assert speed[0] == 0.0
    assert dist[0] == pytest.approx(math.log(300.0) * length_km, rel=1e-4)


# --------------------------------------------------------------------------- SI against ODE


def _reference_arrival(world, tables, det, direction, v0):
    """solve_ivp segment by segment along the ray, each nuclide interpolated separately."""
    d = np.asarray(direction, float) / np.linalg.norm(direction)
    _, t_exit = _exit(det, -d, world.outer_radii[-1])
    entry = det - t_exit * d
    s_in, s_out, layer, n_seg = rays.shell_segments(entry[None], d[None], world.outer_radii,
                                                    np.array([t_exit]))
    lv = np.log(tables.v_grid)
    ls = np.log(tables.stopping)
    u = math.log(v0)  # integrate d ln v/ds = -(1/2) sum_i n_i S_i(v)
    for q in range(n_seg[0]):
        n = world.number_density[layer[0, q]] * 1e-10

        def rhs(s, y):
            x = y[0]
            j = int(np.clip(np.searchsorted(lv, x) - 1, 0, lv.size - 2))
            t = (min(max(x, lv[0]), lv[-1]) - lv[j]) / (lv[j + 1] - lv[j])
            stop = np.exp(ls[:, j] + t * (ls[:, j + 1] - ls[:, j]))
            return [-0.5 * float(n @ stop)]
        sol = solve_ivp(rhs, (s_in[0, q], s_out[0, q]), [u], method="DOP853", rtol=1e-12,
                        atol=1e-12)
        u = sol.y[0, -1]
    return math.exp(u)


def _exit(origin, direction, radius):
    b = float(origin @ direction)
    c = float(origin @ origin) - radius**2
    return 0.0, -b + math.sqrt(b * b - c)


@pytest.mark.validation
@pytest.mark.parametrize("sigma_p, zenith_deg", [(1e-30, 0.0), (1e-30, 60.0), (1e-35, 180.0)])
def test_si_arrival_against_solve_ivp(world, lngs, sigma_p, zenith_deg):
    """m_chi = 1e5 GeV at LNGS through PREM + US 1976 air: the kernel's range tables agree with
    an ODE solution that interpolates every nuclide separately to 2e-3 (second order in the
    grid spacing); zenith 180 deg crosses the whole Earth (151 segments)."""
    model = SpinIndependent(1e5, sigma_p)
    cs = ContinuousSlowing(model, world)
    up = lngs / np.linalg.norm(lngs)
    east = np.cross([0.0, 0.0, 1.0], up)
    east /= np.linalg.norm(east)
    za = math.radians(zenith_deg)
    came_from = math.cos(za) * up + math.sin(za) * east
    d = -came_from  # direction of motion
    got = cs.arrive(lngs, d[None], 450.0)
    ref = _reference_arrival(world, cs.tables, lngs, d, 450.0)
    assert 5.0 < ref < 440.0  # a real slow-down, not a trivial case
    assert got.speed[0] == pytest.approx(ref, rel=2e-3)
    back = cs.entry_speeds(lngs, d[None], got.speed)
    assert back.speed[0] == pytest.approx(450.0, rel=1e-9)


# --------------------------------------------------------------------------- wrapper


def test_threads_give_identical_results(world, lngs):
    rng = np.random.default_rng(11)
    d = rng.normal(size=(1001, 3))
    v = rng.uniform(100, 700, 1001)
    cs = ContinuousSlowing(SpinIndependent(1e5, 1e-32), world)
    one = cs.arrive(lngs, d, v, threads=1)
    two = cs.arrive(lngs, d, v, threads=3)
    for a, b in zip(one, two):
        assert np.array_equal(a, b)
    e1 = cs.entry_speeds(lngs, d, np.maximum(one.speed, 1.0), threads=1)
    e2 = cs.entry_speeds(lngs, d, np.maximum(one.speed, 1.0), threads=2)
    assert np.array_equal(e1.speed, e2.speed) and np.array_equal(e1.jacobian, e2.jacobian)


def test_pearl_stops_in_the_atmosphere(world, lngs):
    """A seed-000 pearl (3e-15 kg, 1.2 nm) loses e-fold of speed per 66 g/cm^2: it stops in the
    air (column 1030 g/cm^2 -> ln(300/1) x 66 = 380 g/cm^2 to reach 1 km/s)."""
    cs = ContinuousSlowing(MacroscopicDrag(mass_kg=3e-15, radius_cm=1.2e-7), world)
    up = lngs / np.linalg.norm(lngs)
    a = cs.arrive(lngs, [-up], 300.0, v_min=1.0)
    assert a.stopped[0]
    stop_altitude = np.linalg.norm(lngs - (a.path_length[0] - a.distance[0]) * (-up)) - 6371.0
    assert 0.0 < stop_altitude < 20.0


def test_wrapper_validation(world, lngs):
    cs = ContinuousSlowing(MacroscopicDrag(mass_kg=1.0, radius_cm=1.0), world)
    with pytest.raises(GeometryError):
        cs.arrive([0.0, 0.0, 7000.0], [[0, 0, -1.0]], 300.0)
    with pytest.raises(ConfigError):
        cs.arrive(lngs, [[0, 0, 0.0]], 300.0)
    with pytest.raises(ConfigError):
        cs.arrive(lngs, [[0, 0, 1.0]], -1.0)
    with pytest.raises(ConfigError):
        cs.entry_speeds(lngs, [[0, 0, 1.0]], 0.0)
    with pytest.raises(ConfigError):
        ContinuousSlowing(MacroscopicDrag(mass_kg=1.0, radius_cm=1.0).tables(["O16"]), world)

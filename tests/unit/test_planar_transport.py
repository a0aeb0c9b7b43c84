"""Unit tests of the planar discrete-scatter wrapper mcdm.transport.planar (geometry helpers,
primaries, importance maps, input checks, exact free-limit identities); the physics is tested in
tests/validation/test_planar.py."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from mcdm.errors import ConfigError
from mcdm.geometry.atmosphere import CompiledSlabs
from mcdm.physics.interaction import InteractionTables
from mcdm.transport.discrete import ImportanceMap
from mcdm.transport.planar import (
    DownwardFlux,
    PlanarLayers,
    default_floor_depth,
    depth_importance,
    detector_slab,
    downward_flux_sample,
    layers_from_overburden,
    layers_from_slabs,
    simulate_planar,
    stack_layers,
    tune_depth_importance,
)

V_GRID = np.geomspace(1.0, 1000.0, 31)
LAYERS = PlanarLayers(np.array([0.0, 0.5, 2.0]), np.array([1.0, 3.0]),
                      np.array([[1e37], [3e37]]), ("Si28",))


def _tables(sigma=1e-29, angular=0, m_chi=1.0, n_nuc=1):
    return InteractionTables(V_GRID, np.full((n_nuc, V_GRID.size), sigma),
                             np.zeros((n_nuc, V_GRID.size)), np.full(n_nuc, 26.0),
                             np.zeros((n_nuc, 4)), angular, m_chi)


def _halo(n, rng, wind=(0.0, 100.0, 150.0)):
    """Lab-frame Maxwellian draws with a wind (particles move along -wind: mostly down)."""
    return rng.normal(scale=155.0, size=(n, 3)) - np.asarray(wind)


def test_layers_from_slabs_turns_altitude_into_depth():
    slabs = CompiledSlabs(np.array([0.0, 10.0, 30.0, 86.0]), np.array([1e-3, 3e-4, 1e-5]),
                          np.array([[3.0, 1.0], [1.0, 0.3], [0.1, 0.01]]) * 1e34, ("N14", "O16"))
    lay = layers_from_slabs(slabs)
    np.testing.assert_allclose(lay.z_edges, [0.0, 56.0, 76.0, 86.0])
    np.testing.assert_array_equal(lay.mass_density, [1e-5, 3e-4, 1e-3])
    np.testing.assert_array_equal(lay.number_density[0], slabs.number_density[2])
    assert lay.nuclides == ("N14", "O16")
    assert lay.column_density() == pytest.approx(slabs.column_density(), rel=1e-12)


def test_stack_layers_and_overburden():
    rock = layers_from_overburden(SimpleNamespace(
        depth_edges=np.array([0.0, 1.4]), mass_density=np.array([2.65]),
        number_density=np.array([[4e37, 5e37]]), nuclides=("O16", "Si28")))
    air = PlanarLayers(np.array([0.0, 80.0, 86.0]), np.array([1e-5, 1e-3]),
                       np.array([[1e33, 2e33], [1e35, 2e35]]), ("N14", "O16"))
    both = stack_layers(air, rock)
    np.testing.assert_allclose(both.z_edges, [0.0, 80.0, 86.0, 87.4])
    assert both.nuclides == ("N14", "O16", "Si28")
    np.testing.assert_array_equal(both.number_density[2], [0.0, 4e37, 5e37])
    np.testing.assert_array_equal(both.number_density[1], [1e35, 2e35, 0.0])
    assert both.column_density() == pytest.approx(air.column_density() + rock.column_density())
    with pytest.raises(ConfigError):
        stack_layers()
    with pytest.raises(ConfigError):
        stack_layers(PlanarLayers(np.array([1.0, 2.0]), np.ones(1), np.ones((1, 1)), ("O16",)))


def test_detector_slab_and_floor_defaults():
    assert detector_slab(1.4) == pytest.approx((1.395, 1.405))  # 10 m (2 % capped)
    assert detector_slab(0.1) == pytest.approx((0.099, 0.101))  # 2 m
    assert detector_slab(0.0) == pytest.approx((0.0, 0.001))  # 1 m, clipped at the top
    assert detector_slab(1.0, 0.2) == pytest.approx((0.9, 1.1))
    with pytest.raises(ConfigError):
        detector_slab(1.0, 0.0)
    with pytest.raises(ConfigError):
        detector_slab(-1.0)
    assert default_floor_depth(LAYERS, 1.0) == 20.0
    assert default_floor_depth(LAYERS, 3.0) == 30.0


def test_downward_flux_sample_modes():
    rng = np.random.default_rng(1)
    vel = _halo(200_000, rng)
    down = vel[:, 2] < 0
    vz = -vel[down, 2]
    speed = np.linalg.norm(vel, axis=1)
    p = downward_flux_sample(vel)
    assert p.n_draws == vel.shape[0] and p.velocities.shape == (down.sum(), 3)
    np.testing.assert_array_equal(p.weights, vz)
    assert p.flux_norm.value == pytest.approx(vz.sum() / vel.shape[0], rel=1e-12)
    assert p.down_fraction == down.mean()
    assert p.mean_speed_km_s == pytest.approx(speed.mean(), rel=1e-12)
    assert p.down_flux_fraction == pytest.approx(speed[down].sum() / speed.sum(), rel=1e-12)
    # flux mode: an unweighted sample of f |v_up| -> <|v_up|> = E[v_up^2] / E[|v_up|]
    q = downward_flux_sample(vel, rng, mode="flux")
    assert np.all(q.velocities[:, 2] < 0) and np.all(q.weights == vz.max())
    m = -q.velocities[:, 2]
    expected = np.mean(vz**2) / np.mean(vz)
    assert abs(m.mean() - expected) < 4 * m.std() / math.sqrt(m.size)
    # the Horvitz-Thompson weights keep the normalisation: mean omega over the draws = J
    assert abs(q.weights.sum() / q.n_draws - p.flux_norm.value) < 4 * vz.max() * math.sqrt(
        q.velocities.shape[0]) / q.n_draws
    with pytest.raises(ConfigError):
        downward_flux_sample(vel, mode="flux")  # needs an rng
    with pytest.raises(ConfigError):
        downward_flux_sample(vel, rng, mode="isotropic")
    with pytest.raises(ConfigError):
        downward_flux_sample(vel[:, :2])


def test_depth_importance_equal_columns():
    imp = depth_importance(LAYERS, 2.0, 7, factor=2.0)
    b = np.array(imp.boundaries_km)
    assert len(b) == 7 and b[-1] == 2.0
    assert imp.values == tuple(2.0**j for j in range(8))
    # columns: 0.5 g/cm3 km in the top layer, 4.5 below -> 5/7 each
    col = np.interp(np.concatenate(([0.0], b)), [0.0, 0.5, 2.0], [0.0, 0.5, 5.0])
    np.testing.assert_allclose(np.diff(col), 5.0 / 7.0, rtol=1e-12)
    # value_at reads depths: shallow -> 1, at and below the detector -> 2^7
    assert imp.value_at(np.array([0.01, 2.0, 5.0])).tolist() == [1.0, 128.0, 128.0]
    # a detector below the stack: the last layer continues
    deep = depth_importance(LAYERS, 4.0, 2, factor=3.0)
    assert deep.boundaries_km[-1] == 4.0
    col_deep = np.interp(np.concatenate(([0.0], deep.boundaries_km)), [0.0, 0.5, 4.0],
                         [0.0, 0.5, 11.0])
    np.testing.assert_allclose(np.diff(col_deep), 5.5, rtol=1e-12)
    assert deep.values == (1.0, 3.0, 9.0)
    assert depth_importance(LAYERS, 1.0, 0).values == (1.0,)
    with pytest.raises(ConfigError):
        depth_importance(LAYERS, 1.0, 3, factor=1.0)
    with pytest.raises(ConfigError):
        depth_importance(LAYERS, 0.0, 3)


def test_free_limit_is_exact_in_density_mode():
    """sigma = 0, every downward draw with omega = |v_up|: the estimators equal the sample's
    downward fraction, downward flux fraction and downward speed histogram to rounding, at the
    detector and in every layer of the depth profile."""
    rng = np.random.default_rng(2)
    vel = _halo(20_000, rng)
    p = downward_flux_sample(vel)
    edges = np.linspace(0.0, 900.0, 19)
    res = simulate_planar(_tables(0.0), LAYERS, 1.0, p, rng, edges, 1.0,
                          detector_thickness_km=0.05)
    assert res.density_ratio.value == pytest.approx(p.down_fraction, rel=1e-12)
    assert res.flux_ratio.value == pytest.approx(p.down_flux_fraction, rel=1e-12)
    assert res.free_density_ratio.value == pytest.approx(p.down_fraction, rel=1e-12)
    # the binomial error of the downward fraction
    f = p.down_fraction
    assert res.density_ratio.error == pytest.approx(math.sqrt(f * (1 - f) / (p.n_draws - 1)),
                                                        rel=1e-6)
    down = vel[vel[:, 2] < 0]
    speed = np.linalg.norm(down, axis=1)
    hist = np.histogram(speed, edges)[0] / p.n_draws / np.diff(edges)
    np.testing.assert_allclose(res.speed_density, hist, rtol=1e-10, atol=1e-16)
    np.testing.assert_allclose(res.free_speed_density, hist, rtol=1e-10, atol=1e-16)
    assert res.mean_speed.value == pytest.approx(speed.mean(), rel=1e-12)
    np.testing.assert_allclose(res.profile_density, p.down_fraction, rtol=1e-10)
    assert res.absorbed.value == 1.0 and res.mean_scatters.value == 0.0
    assert res.floor_km == 20.0 and res.profile_bottom_km[-1] == 20.0
    assert (res.detector_top_km, res.detector_bottom_km) == pytest.approx((0.975, 1.025))
    np.testing.assert_allclose(res.profile_top_km[1:], res.profile_bottom_km[:-1])
    assert {0.5, 0.975, 1.025, 2.0} <= set(res.profile_top_km.tolist())


def test_input_checks():
    rng = np.random.default_rng(3)
    p = downward_flux_sample(_halo(1000, rng))
    edges = np.array([0.0, 1000.0])
    args = (LAYERS, 1.0, p, rng, edges, 1.0)
    simulate_planar(_tables(), *args, max_scatters=10)  # fine
    with pytest.raises(ConfigError, match="angular"):
        simulate_planar(_tables(angular=1), *args)
    with pytest.raises(ConfigError, match="sigma"):
        simulate_planar(_tables(n_nuc=2), *args)
    with pytest.raises(ConfigError, match="v_cut"):
        simulate_planar(_tables(), LAYERS, 1.0, p, rng, edges, 0.5)
    with pytest.raises(ConfigError, match="floor"):
        simulate_planar(_tables(), *args, floor_depth_km=1.0)
    with pytest.raises(ConfigError, match="speed_bins"):
        simulate_planar(_tables(), LAYERS, 1.0, p, rng, np.array([1.0]), 1.0)
    up = p._replace(velocities=p.velocities * np.array([1.0, 1.0, -1.0]))
    with pytest.raises(ConfigError, match="downwards"):
        simulate_planar(_tables(), LAYERS, 1.0, up, rng, edges, 1.0)
    fast = p._replace(velocities=p.velocities * 10.0)
    with pytest.raises(ConfigError, match="exceed"):
        simulate_planar(_tables(), LAYERS, 1.0, fast, rng, edges, 1.0)
    few = p._replace(n_draws=1)
    with pytest.raises(ConfigError, match="n_draws"):
        simulate_planar(_tables(), LAYERS, 1.0, few, rng, edges, 1.0)
    bad = PlanarLayers(np.array([0.0, 1.0]), np.ones(1), np.ones((2, 1)), ("Si28",))
    with pytest.raises(ConfigError, match="number_density"):
        simulate_planar(_tables(), bad, 0.5, p, rng, edges, 1.0)
    assert isinstance(p, DownwardFlux)


def test_tuned_importance_grows_with_depth_and_stays_unbiased():
    """m_chi = 10 GeV on m_N = 26 GeV, lambda = 0.1 km, v_cut = 50 km/s, detector at 1.5 km:
    the tuned map rises with depth, and the estimate agrees with a fixed map."""
    tab = _tables(sigma=1.0 / (0.1 * 3e37 * 1e-10), m_chi=10.0)
    layers = PlanarLayers(np.array([0.0, 2.0]), np.array([3.0]), np.array([[3e37]]), ("Si28",))
    rng = np.random.default_rng(4)
    pilot = downward_flux_sample(_halo(3000, rng))
    imp = tune_depth_importance(tab, layers, 1.5, pilot, rng, 50.0, n_regions=10,
                                detector_thickness_km=0.05)
    assert isinstance(imp, ImportanceMap) and len(imp.boundaries_km) == 10
    assert all(b >= a for a, b in zip(imp.values[:-1], imp.values[1:]))
    assert imp.values[-1] >= 8.0
    prim = downward_flux_sample(_halo(20_000, rng))
    edges = np.array([0.0, 1000.0])
    kw = dict(detector_thickness_km=0.05)
    a = simulate_planar(tab, layers, 1.5, prim, rng, edges, 50.0, imp, **kw).density_ratio
    b = simulate_planar(tab, layers, 1.5, prim, rng, edges, 50.0,
                        depth_importance(layers, 1.5, 8), **kw).density_ratio
    assert 0 < a.error < 0.2 * a.value and 0 < b.error < 0.2 * b.value
    assert abs(a.value - b.value) < 4 * math.hypot(a.error, b.error)

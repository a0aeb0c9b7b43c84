"""Unit tests of the discrete-scatter wrapper mcdm.transport.discrete (inputs, geometry helpers,
importance maps); the physics is tested in tests/statistical/test_discrete_flux.py."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.errors import ConfigError
from mcdm.geometry.earth import CompiledShells
from mcdm.physics.interaction import InteractionTables
from mcdm.transport.discrete import (
    ImportanceMap,
    detector_shell,
    entry_points,
    simulate_discrete,
    tune_importance,
)

SHELLS = CompiledShells(np.array([60.0, 90.0, 100.0]), np.array([5.0, 3.0, 1.0]),
                        np.array([[5e37], [3e37], [1e37]]), ("Si28",), np.array([0, 1, 2]),
                        ("a", "b", "c"))
V_GRID = np.geomspace(1.0, 1000.0, 31)


def _tables(sigma=1e-29, angular=0, m_chi=1.0):
    return InteractionTables(V_GRID, np.full((1, V_GRID.size), sigma), np.zeros((1, V_GRID.size)),
                             np.array([26.0]), np.zeros((1, 4)), angular, m_chi)


def _sample(n, rng, speed=300.0, radius=100.0):
    u = rng.normal(size=(n, 3))
    vel = speed * u / np.linalg.norm(u, axis=1)[:, None]
    return entry_points(vel, radius, rng), vel


def test_entry_points_sample_the_projected_disc():
    rng = np.random.default_rng(1)
    pos, vel = _sample(20_000, rng)
    assert np.allclose(np.linalg.norm(pos, axis=1), 100.0, rtol=1e-12)
    assert np.all(np.sum(pos * vel, axis=1) <= 0)
    d = vel / 300.0
    b2 = np.sum(pos * pos, axis=1) - np.sum(pos * d, axis=1) ** 2  # impact parameter^2
    # uniform on the disc: b^2 / R^2 is uniform on [0, 1]
    assert abs(np.mean(b2) / 1e4 - 0.5) < 4 * math.sqrt(1 / 12 / b2.size)


def test_detector_shell_defaults_and_clipping():
    assert detector_shell(90.0, 100.0) == pytest.approx((89.9, 90.1))
    assert detector_shell(90.0, 100.0, 1.0) == pytest.approx((89.5, 90.5))
    assert detector_shell(100.0, 100.0) == pytest.approx((99.999, 100.0))
    with pytest.raises(ConfigError):
        detector_shell(90.0, 100.0, 0.0)


def test_importance_toward_detector_equal_columns():
    imp = ImportanceMap.toward_detector(SHELLS, 70.0, 4, factor=3.0)
    b = np.array(imp.boundaries_km)
    assert b[0] == 70.0 and len(b) == 4
    assert imp.values == (81.0, 27.0, 9.0, 3.0, 1.0)

    def column(r_lo, r_hi):  # int rho dr over [r_lo, r_hi]
        r = np.linspace(r_lo, r_hi, 200_001)
        rho = np.array([5.0, 3.0, 1.0])[np.searchsorted(SHELLS.outer_radii, r, side="right")
                                         .clip(max=2)]
        return np.trapezoid(rho, r)

    cols = [column(lo, hi) for lo, hi in zip(np.append(b, 100.0)[:-1], np.append(b, 100.0)[1:])]
    np.testing.assert_allclose(cols, cols[0], rtol=1e-3)
    assert imp.value_at(np.array([10.0, 70.0, 99.0])).tolist() == [81.0, 27.0, 1.0]
    assert ImportanceMap.toward_detector(SHELLS, 70.0, 0).values == (1.0,)
    # a detector on a shell boundary: all regions inside the top shell, 1 km apart
    b90 = ImportanceMap.toward_detector(SHELLS, 90.0, 10).boundaries_km
    np.testing.assert_allclose(b90, np.arange(90.0, 100.0), rtol=1e-12)
    with pytest.raises(ConfigError):
        ImportanceMap((1.0, 2.0), (1.0, 2.0))
    with pytest.raises(ConfigError):
        ImportanceMap((2.0, 1.0), (1.0, 2.0, 3.0))
    with pytest.raises(ConfigError):
        ImportanceMap((1.0,), (1.0, 0.0))


def test_bad_inputs_name_the_problem():
    rng = np.random.default_rng(2)
    pos, vel = _sample(10, rng)
    edges = np.array([0.0, 500.0])
    ok = dict(speed_bins=edges, v_cut=5.0)
    with pytest.raises(ConfigError, match="angular"):
        simulate_discrete(_tables(angular=1), SHELLS, 90.0, pos, vel, rng, **ok)
    with pytest.raises(ConfigError, match="entry sphere"):
        simulate_discrete(_tables(), SHELLS, 90.0, 0.5 * pos, vel, rng, **ok)
    with pytest.raises(ConfigError, match="entry sphere"):
        simulate_discrete(_tables(), SHELLS, 90.0, pos, -vel, rng, **ok)
    with pytest.raises(ConfigError, match="within the table"):
        simulate_discrete(_tables(), SHELLS, 90.0, pos, 4 * vel, rng, **ok)
    with pytest.raises(ConfigError, match="v_cut"):
        simulate_discrete(_tables(), SHELLS, 90.0, pos, vel, rng, edges, 0.5)
    bad = _tables()._replace(sigma=np.ones((2, V_GRID.size)))
    with pytest.raises(ConfigError, match="sigma"):
        simulate_discrete(bad, SHELLS, 90.0, pos, vel, rng, **ok)
    with pytest.raises(ConfigError, match="detector_radius_km"):
        simulate_discrete(_tables(), SHELLS, 101.0, pos, vel, rng, **ok)
    with pytest.raises(ConfigError, match="speed_bins"):
        simulate_discrete(_tables(), SHELLS, 90.0, pos, vel, rng, edges[::-1], 5.0)


def test_result_bookkeeping():
    rng = np.random.default_rng(3)
    pos, vel = _sample(2000, rng)
    res = simulate_discrete(_tables(), SHELLS, 95.0, pos, vel, rng, np.linspace(0, 400, 5), 5.0,
                            detector_thickness_km=1.0)
    assert res.n_primaries == 2000
    assert (res.detector_inner_km, res.detector_outer_km) == pytest.approx((94.5, 95.5))
    ends = res.transmitted.value + res.reflected.value + res.stopped.value + res.truncated.value
    assert ends == pytest.approx(1.0, abs=1e-12)
    assert res.scatter_events == pytest.approx(res.mean_scatters.value * 2000, rel=1e-9)
    assert res.tracks == 2000
    # the profile's shells cover the sphere and include the scoring shell
    assert res.profile_inner_km[0] == 0.0 and res.profile_outer_km[-1] == 100.0
    i = np.flatnonzero(np.isclose(res.profile_inner_km, 94.5))[0]
    assert res.profile_outer_km[i] == pytest.approx(95.5)
    assert res.profile_density[i] == pytest.approx(res.density_ratio.value, rel=1e-9)
    # the speed bins hold the detector density (every speed is below 400 km/s)
    width = np.diff(res.speed_edges)
    assert np.sum(res.speed_density * width) == pytest.approx(res.density_ratio.value, rel=1e-9)


def test_tuned_importance_grows_toward_the_detector():
    rng = np.random.default_rng(4)
    pos, vel = _sample(500, rng)
    imp = tune_importance(_tables(1e-27, m_chi=10.0), SHELLS, 90.0, pos, vel, rng, 20.0,
                          n_regions=10, rounds=2)
    v = np.array(imp.values)
    assert v[-1] == 1.0 and np.all(np.diff(v) <= 0) and v[0] > 1.0
    assert np.all(np.log2(v) == np.round(np.log2(v)))

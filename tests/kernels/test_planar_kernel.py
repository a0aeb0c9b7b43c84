"""Tests of mcdm.kernels.planar (run both compiled and with NUMBA_DISABLE_JIT=1: tiny samples).

References are independent of the kernel: boundary distances by hand, the straight-line track
length h/|cos| in a slab, the Poisson law of the number of collisions along a straight path of
known optical depth (optical depth carried across layers), and the exact weight bookkeeping of
analogue histories and of integer splitting.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.kernels import planar as kp

EDGES = np.array([0.0, 1.0, 1.5, 3.0])  # three layers [km]; floor at 3 km


def _down(n, speed, rng, mu_min=0.05):
    """Downward velocities (East, North, Up) with cos(zenith) uniform in [mu_min, 1]."""
    mu = rng.uniform(mu_min, 1.0, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    s = np.sqrt(1 - mu * mu)
    return speed * np.column_stack((s * np.cos(phi), s * np.sin(phi), -mu))


def _run(vel, *, sigma_cm2=0.0, n_km3=(1e38, 1e38, 1e38), z_edges=EDGES, detector=(0, 1, 0),
         importance=None, m_dm=1.0e-6, m_t=26.0, v_cut=1.0, edges=(0.0, 1.0e4),
         max_scatters=10**6, max_tracks=10**6, weights=None, seed=1):
    m = len(z_edges) - 1
    v_grid = np.geomspace(0.1, 1.0e4, 6)
    sigma = np.full((1, v_grid.size), float(sigma_cm2))
    with np.errstate(divide="ignore"):
        log_sigma = np.log(sigma)
    imp = np.ones(m) if importance is None else np.asarray(importance, float)
    w = np.ones(len(vel)) if weights is None else np.asarray(weights, float)
    return kp.transport_planar(
        np.asarray(vel, float), w, np.asarray(z_edges, float),
        np.asarray(n_km3, float).reshape(m, 1), imp, np.asarray(detector, np.int64),
        np.log(v_grid), sigma, log_sigma, np.array([m_t]), np.zeros((1, 4)), m_dm, v_cut,
        np.asarray(edges, float), max_scatters, max_tracks, np.random.default_rng(seed))


def test_distance_to_layer_boundary_by_hand():
    f = kp.distance_to_layer_boundary
    s, k = f(0.5, 0.5, 0, EDGES)  # down at 60 deg from vertical
    assert k == 1 and s == pytest.approx(1.0, rel=1e-14)
    s, k = f(1.2, -0.25, 1, EDGES)  # up
    assert k == 0 and s == pytest.approx(0.8, rel=1e-14)
    s, k = f(0.3, -1.0, 0, EDGES)  # out through the top
    assert k == -1 and s == pytest.approx(0.3, rel=1e-14)
    s, k = f(2.0, 1.0, 2, EDGES)  # to the floor
    assert k == 3 and s == pytest.approx(1.0, rel=1e-14)
    s, k = f(1.0 + 1e-13, -1.0, 0, EDGES)  # rounding below its layer: no negative length
    assert k == -1 and s > 0
    s, k = f(1.5 + 1e-13, 1.0, 1, EDGES)
    assert k == 2 and s == 0.0
    s, k = f(0.7, 0.0, 0, EDGES)  # parallel to the layers
    assert k == 0 and s == math.inf


def test_free_flight_scores_h_over_cos():
    """sigma = 0: the detector layer (1 .. 1.5 km) gets h/|v_up| and h |v|/|v_up| exactly."""
    rng = np.random.default_rng(2)
    vel = _down(200, 300.0, rng)
    scores, hs, hs2, ks, ks2 = _run(vel, edges=(0.0, 200.0, 400.0))
    vz = -vel[:, 2]
    np.testing.assert_allclose(scores[:, kp.S_DENSITY], 0.5 / vz, rtol=1e-12)
    np.testing.assert_allclose(scores[:, kp.S_FLUX], 0.5 * 300.0 / vz, rtol=1e-12)
    assert np.all(scores[:, kp.S_ABSORBED] == 1.0)
    assert np.all(scores[:, [kp.S_REFLECTED, kp.S_STOPPED, kp.S_TRUNCATED, kp.S_SCATTERS]] == 0)
    assert np.all(scores[:, kp.S_TRACKS] == 1.0)
    assert hs[0] == 0.0 and hs[1] == pytest.approx(np.sum(0.5 / vz), rel=1e-12)
    assert hs2[1] == pytest.approx(np.sum((0.5 / vz) ** 2), rel=1e-12)
    np.testing.assert_allclose(ks, np.diff(EDGES) * np.sum(1 / vz), rtol=1e-12)
    np.testing.assert_allclose(ks2, np.diff(EDGES) ** 2 * np.sum(1 / vz**2), rtol=1e-12)


def test_optical_depth_is_carried_across_layers():
    """Vertical flights of very heavy DM (no deflection, no slowing) through three layers of
    different density: the number of collisions is Poisson with mean sum_k n_k sigma t_k."""
    n = 4000
    vel = np.tile([0.0, 0.0, -300.0], (n, 1))
    n_km3 = np.array([1.0e38, 4.0e38, 0.5e38])
    sigma = 1.0e-28  # n sigma = 1, 4, 0.5 per km
    scores = _run(vel, sigma_cm2=sigma, n_km3=n_km3, m_dm=1.0e12, seed=4)[0]
    tau = float(np.sum(n_km3 * sigma * 1e-10 * np.diff(EDGES)))  # 1 + 2 + 0.75
    k = scores[:, kp.S_SCATTER_EVENTS]
    assert abs(k.mean() - tau) < 4 * math.sqrt(tau / n)
    assert abs(k.var() / tau - 1.0) < 4 * math.sqrt(2.0 / n)
    assert np.all(scores[:, kp.S_ABSORBED] == 1.0)  # straight down to the floor
    # detector dwell = h / v whatever the collisions
    np.testing.assert_allclose(scores[:, kp.S_DENSITY], 0.5 / 300.0, rtol=1e-9)


def test_analogue_histories_end_exactly_once():
    rng = np.random.default_rng(5)
    vel = _down(150, 300.0, rng)
    # lambda = 0.5 km, m_chi = m_N: strong slowing and backscatter
    scores, hs, _, ks, _ = _run(vel, sigma_cm2=2e-28, m_dm=26.0, v_cut=30.0,
                                edges=(0.0, 100.0, 200.0, 301.0))
    fates = scores[:, [kp.S_REFLECTED, kp.S_ABSORBED, kp.S_STOPPED, kp.S_TRUNCATED]]
    np.testing.assert_array_equal(np.sum(fates > 0, axis=1), 1)
    np.testing.assert_allclose(fates.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert fates[:, 0].sum() > 10 and fates[:, 2].sum() > 10  # reflected and stopped occur
    np.testing.assert_array_equal(scores[:, kp.S_SCATTERS], scores[:, kp.S_SCATTER_EVENTS])
    assert hs.sum() == pytest.approx(scores[:, kp.S_DENSITY].sum(), rel=1e-12)
    assert ks[1] == pytest.approx(scores[:, kp.S_DENSITY].sum(), rel=1e-12)
    assert np.all(scores[:, kp.S_TRACKS] == 1.0)


def test_speed_cut_scatter_cap_and_parallel_flight():
    rng = np.random.default_rng(6)
    vel = _down(20, 300.0, rng)
    scores = _run(vel, v_cut=301.0)[0]
    assert np.all(scores[:, kp.S_STOPPED] == 1.0) and np.all(scores[:, kp.S_DENSITY] == 0.0)
    scores = _run(vel, sigma_cm2=1e-26, max_scatters=1)[0]  # lambda = 1 m
    assert np.all(scores[:, kp.S_TRUNCATED] == 1.0)
    assert np.all(scores[:, kp.S_SCATTER_EVENTS] == 1)
    # a flight parallel to the layers through vacuum never ends: abandoned, not looped
    scores = _run(np.array([[300.0, 0.0, 0.0]]))[0]
    assert scores[0, kp.S_TRUNCATED] == 1.0 and scores[0, kp.S_DENSITY] == 0.0


def test_integer_splitting_is_exact_and_roulette_keeps_the_mean():
    """sigma = 0, importance 1, 2, 4 downwards: every primary becomes 4 tracks of weight 1/4 and
    scores exactly the analogue h/|v_up|. Importance 4, 2, 1 (roulette downwards, probability
    1/2 per boundary, weight x 2): the mean score stays h/|v_up| and the floor weight 1."""
    rng = np.random.default_rng(7)
    vel = _down(400, 300.0, rng)
    vz = -vel[:, 2]
    split = _run(vel, importance=(1.0, 2.0, 4.0))[0]
    np.testing.assert_allclose(split[:, kp.S_DENSITY], 0.5 / vz, rtol=1e-12)
    np.testing.assert_allclose(split[:, kp.S_ABSORBED], 1.0, rtol=1e-12)
    assert np.all(split[:, kp.S_TRACKS] == 4.0)
    capped = _run(vel, importance=(1.0, 2.0, 4.0), max_tracks=2)[0]
    assert np.all(capped[:, kp.S_TRACKS] == 2.0)
    np.testing.assert_allclose(capped[:, kp.S_DENSITY], 0.5 / vz, rtol=1e-12)
    vel1 = np.tile([0.0, 0.0, -300.0], (2000, 1))
    roul = _run(vel1, importance=(4.0, 2.0, 1.0), detector=(0, 0, 1), seed=8)[0]
    absorbed = roul[:, kp.S_ABSORBED]
    assert set(np.unique(absorbed)) <= {0.0, 4.0}
    assert abs(absorbed.mean() - 1.0) < 4 * absorbed.std() / math.sqrt(absorbed.size)
    dens = roul[:, kp.S_DENSITY]
    assert abs(dens.mean() - 1.5 / 300.0) < 4 * dens.std() / math.sqrt(dens.size)

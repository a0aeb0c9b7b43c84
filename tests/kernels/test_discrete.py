"""Tests of mcdm.kernels.discrete (run both compiled and with NUMBA_DISABLE_JIT=1: tiny samples).

References are independent of the kernel: boundary distances by hand, power laws that log-log
interpolation reproduces exactly, two-body energy and momentum conservation, the straight-line
chord through a shell from the impact parameter, and the exact weight bookkeeping of an analogue
history (every primary ends transmitted, reflected, stopped or truncated).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.kernels import discrete as kd

RADII = np.array([1.0, 2.0, 3.0])  # [km]
HELM_FE = (56.0, 4.106, 0.52, 0.9)  # (A, c, a, s [fm]), Lewin & Smith c = 1.23 A^(1/3) - 0.6


def _iso_entries(n, speed, radius, rng):
    """Isotropic flux-weighted entries on a sphere: uniform point, cosine-law inward direction."""
    p = rng.normal(size=(n, 3))
    p /= np.linalg.norm(p, axis=1)[:, None]
    cos_t = np.sqrt(rng.random(n))
    sin_t = np.sqrt(1 - cos_t**2)
    phi = 2 * np.pi * rng.random(n)
    a = np.where(np.abs(p[:, :1]) < 0.9, [[1.0, 0, 0]], [[0, 1.0, 0]])
    e1 = a - np.sum(a * p, axis=1)[:, None] * p
    e1 /= np.linalg.norm(e1, axis=1)[:, None]
    e2 = np.cross(p, e1)
    d = (-cos_t[:, None] * p + (sin_t * np.cos(phi))[:, None] * e1
         + (sin_t * np.sin(phi))[:, None] * e2)
    return radius * p, speed * d


def _run(pos, vel, *, sigma_cm2=0.0, n_km3=1.0e38, radii=RADII, detector=(0, 1, 0),
         importance=None, m_dm=1.0e-6, m_t=26.0, helm=(28.0, 0.0, 0.0, 0.0), v_cut=1.0,
         edges=(0.0, 1.0e4), max_scatters=10**6, max_tracks=10**6, seed=1):
    m = len(radii)
    v_grid = np.geomspace(0.1, 1.0e4, 6)
    sigma = np.full((1, v_grid.size), float(sigma_cm2))
    with np.errstate(divide="ignore"):
        log_sigma = np.log(sigma)
    imp = np.ones(m) if importance is None else np.asarray(importance, float)
    return kd.transport_discrete(
        np.asarray(pos, float), np.asarray(vel, float), np.ones(len(pos)), np.asarray(radii, float),
        np.full((m, 1), n_km3), imp, np.asarray(detector, np.int64), np.log(v_grid), sigma,
        log_sigma, np.array([m_t]), np.array([helm], float), m_dm, v_cut, np.asarray(edges, float),
        max_scatters, max_tracks, np.random.default_rng(seed))


# --------------------------------------------------------------------------- geometry


def test_distance_to_boundary_by_hand():
    f = kd.distance_to_boundary
    s, k = f(0.0, 0.0, 2.5, 0.0, 0.0, -1.0, 2, RADII)
    assert k == 1 and abs(s - 0.5) < 1e-14
    s, k = f(0.0, 0.0, 2.5, 0.0, 0.0, 1.0, 2, RADII)
    assert k == 3 and abs(s - 0.5) < 1e-14
    s, k = f(0.0, 0.0, 2.5, 1.0, 0.0, 0.0, 2, RADII)  # horizontal: misses the inner sphere
    assert k == 3 and abs(s - math.sqrt(9 - 6.25)) < 1e-14
    s, k = f(0.0, 0.0, 0.0, 0.6, 0.8, 0.0, 0, RADII)  # from the centre
    assert k == 1 and abs(s - 1.0) < 1e-14
    s, k = f(0.0, 0.0, 2.0, 0.0, 0.0, -1.0, 1, RADII)  # on the boundary, going in: crosses shell 1
    assert k == 0 and abs(s - 1.0) < 1e-14
    s, k = f(0.0, 0.0, 3.0 + 1e-12, 0.0, 0.0, 1.0, 2, RADII)  # rounding off its shell
    assert k == 3 and s == 0.0
    # inward but grazing past the inner sphere (impact parameter 2.2 > 2)
    c = 2.2 / 2.5
    s, k = f(0.0, 0.0, 2.5, c, 0.0, -math.sqrt(1 - c * c), 2, RADII)
    assert k == 3 and abs(s - math.sqrt(2.5**2 - 2.2**2) - math.sqrt(9 - 2.2**2)) < 1e-12


# --------------------------------------------------------------------------- cross sections


def test_cross_sections_log_log_and_edges():
    v = np.geomspace(1.0, 1000.0, 7)
    sigma = np.vstack([3e-30 * v**-2.0, 1e-31 * v**0.5, np.where(v < 50, 0.0, 1e-30)])
    with np.errstate(divide="ignore"):
        log_sigma = np.log(sigma)
    out = np.empty(3)
    for speed in (1.7, 33.3, 999.0):
        kd.cross_sections_at(speed, np.log(v), sigma, log_sigma, out)
        assert out[0] == pytest.approx(3e-30 * speed**-2.0, rel=1e-12)  # power laws are exact
        assert out[1] == pytest.approx(1e-31 * speed**0.5, rel=1e-12)
    # a node pair with a zero is linear in sigma
    j = np.searchsorted(v, 50.0) - 1
    speed = math.sqrt(v[j] * v[j + 1])
    kd.cross_sections_at(speed, np.log(v), sigma, log_sigma, out)
    assert out[2] == pytest.approx(0.5 * 1e-30, rel=1e-12)
    # edge values outside the grid
    kd.cross_sections_at(0.01, np.log(v), sigma, log_sigma, out)
    assert out[0] == pytest.approx(sigma[0, 0], rel=1e-12)
    kd.cross_sections_at(1e5, np.log(v), sigma, log_sigma, out)
    assert out[1] == pytest.approx(sigma[1, -1], rel=1e-12)


# --------------------------------------------------------------------------- kinematics


@pytest.mark.parametrize("m_dm", [0.5, 26.0, 1.0e5])
def test_elastic_scatter_conserves_energy_and_momentum(m_dm):
    rng = np.random.default_rng(5)
    m_t = 26.0
    for _ in range(50):
        v = rng.normal(size=3) * 300.0
        speed = float(np.linalg.norm(v))
        *vn, cth = kd.elastic_scatter(v[0], v[1], v[2], speed, m_dm, m_t, *HELM_FE[1:], rng)
        vn = np.array(vn)
        recoil = m_dm * (v - vn) / m_t  # momentum conservation gives the nucleus velocity
        e_before = m_dm * speed**2
        e_after = m_dm * vn @ vn + m_t * recoil @ recoil
        assert abs(e_after - e_before) < 1e-10 * e_before
        # the returned CM angle is the angle between the CM velocities before and after
        vcm = m_dm * v / (m_dm + m_t)
        u, un = v - vcm, vn - vcm
        assert abs(u @ un / (np.linalg.norm(u) * np.linalg.norm(un)) - cth) < 1e-10
        lo = abs(m_dm - m_t) / (m_dm + m_t) * speed
        assert lo * (1 - 1e-12) <= np.linalg.norm(vn) <= speed * (1 + 1e-12)


def test_cm_angle_follows_the_form_factor():
    """Heavy DM on Fe at 500 km/s: <cos theta_cm> of the samples equals the |F|^2-weighted mean."""
    from mcdm.kernels.nuclear import helm_form_factor

    rng = np.random.default_rng(7)
    m_dm, m_t, speed = 1.0e5, 52.1, 500.0
    c = np.array([kd.elastic_scatter(speed, 0.0, 0.0, speed, m_dm, m_t, *HELM_FE[1:], rng)[3]
                  for _ in range(3000)])
    p = m_dm * m_t / (m_dm + m_t) * speed / kd.C_KM_S
    x, wq = np.polynomial.legendre.leggauss(64)
    f2 = np.array([helm_form_factor(p * math.sqrt(2 * (1 - xi)), 0.0, *HELM_FE[1:]) ** 2
                   for xi in x])
    mean = np.sum(wq * x * f2) / np.sum(wq * f2)
    assert mean > 0.1  # the form factor favours forward scattering here
    assert abs(c.mean() - mean) < 4 * c.std() / math.sqrt(c.size)
    # without form factor (all Helm parameters 0): isotropic
    c0 = np.array([kd.elastic_scatter(speed, 0.0, 0.0, speed, m_dm, m_t, 0.0, 0.0, 0.0, rng)[3]
                   for _ in range(3000)])
    assert abs(c0.mean()) < 4 / math.sqrt(3 * c0.size)


# --------------------------------------------------------------------------- transport


def test_free_flight_scores_the_chord():
    """sigma = 0: one straight track per primary; density score = chord in shell 1 / v."""
    rng = np.random.default_rng(2)
    pos, vel = _iso_entries(200, 300.0, 3.0, rng)
    scores, hs, hs2, ks, ks2 = _run(pos, vel)
    d = vel / 300.0
    h2 = np.sum(pos * pos, axis=1) - np.sum(pos * d, axis=1) ** 2  # squared impact parameter
    ball = [2 * np.sqrt(np.clip(r * r - h2, 0, None)) for r in (1.0, 2.0, 3.0)]  # full chords
    chord = ball[1] - ball[0]
    np.testing.assert_allclose(scores[:, kd.S_DENSITY], chord / 300.0, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(scores[:, kd.S_FLUX], chord, rtol=1e-9, atol=1e-12)
    assert np.all(scores[:, kd.S_TRANSMITTED] == 1.0)
    assert np.all(scores[:, [kd.S_REFLECTED, kd.S_STOPPED, kd.S_SCATTERS]] == 0.0)
    assert np.all(scores[:, kd.S_TRACKS] == 1.0)
    assert hs[0] == pytest.approx(scores[:, kd.S_DENSITY].sum(), rel=1e-12)
    assert hs2[0] == pytest.approx(np.sum(scores[:, kd.S_DENSITY] ** 2), rel=1e-12)
    # the depth profile: chord pieces of every shell
    per_shell = np.array([ball[0], ball[1] - ball[0], ball[2] - ball[1]]) / 300.0
    np.testing.assert_allclose(ks, per_shell.sum(axis=1), rtol=1e-9)
    np.testing.assert_allclose(ks2, np.sum(per_shell**2, axis=1), rtol=1e-9)


def test_analogue_histories_end_exactly_once():
    """With scattering and slowing, every analogue primary ends with weight 1 in one fate."""
    rng = np.random.default_rng(3)
    pos, vel = _iso_entries(100, 300.0, 3.0, rng)
    # lambda = 1/(n sigma) = 0.5 km, m_chi = m_N: strong slowing
    scores, hs, _, ks, _ = _run(pos, vel, sigma_cm2=2e-28, m_dm=26.0, v_cut=30.0,
                         edges=(0.0, 100.0, 200.0, 301.0))
    fates = scores[:, [kd.S_TRANSMITTED, kd.S_REFLECTED, kd.S_STOPPED, kd.S_TRUNCATED]]
    np.testing.assert_array_equal(np.sum(fates > 0, axis=1), 1)
    np.testing.assert_allclose(fates.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert fates[:, 2].sum() > 10 and fates[:, 1].sum() > 10  # both stopped and reflected occur
    np.testing.assert_array_equal(scores[:, kd.S_SCATTERS], scores[:, kd.S_SCATTER_EVENTS])
    assert hs.sum() == pytest.approx(scores[:, kd.S_DENSITY].sum(), rel=1e-12)
    assert np.all(hs > 0)
    assert ks[1] == pytest.approx(scores[:, kd.S_DENSITY].sum(), rel=1e-12)


def test_speed_cut_and_scatter_cap():
    rng = np.random.default_rng(4)
    pos, vel = _iso_entries(20, 300.0, 3.0, rng)
    scores = _run(pos, vel, v_cut=301.0)[0]
    assert np.all(scores[:, kd.S_STOPPED] == 1.0) and np.all(scores[:, kd.S_DENSITY] == 0.0)
    scores = _run(pos, vel, sigma_cm2=1e-26, max_scatters=1)[0]  # lambda = 1 m
    assert np.all(scores[:, kd.S_TRUNCATED] == 1.0) and np.all(scores[:, kd.S_SCATTER_EVENTS] == 1)


def test_splitting_and_roulette_keep_the_weight():
    """sigma = 0 with importance 1, 2, 4 inwards: copies inwards (splitting), roulette outwards;
    the mean escaping weight stays 1 and the mean density score the chord / v."""
    rng = np.random.default_rng(6)
    pos, vel = _iso_entries(400, 300.0, 3.0, rng)
    plain = _run(pos, vel)[0]
    split = _run(pos, vel, importance=(4.0, 2.0, 1.0))[0]
    assert split[:, kd.S_TRACKS].sum() > 1.5 * len(pos)  # copies were made
    esc = split[:, kd.S_TRANSMITTED]
    assert np.any(esc != 1.0)  # roulette acted
    assert abs(esc.mean() - 1.0) < 4 * esc.std() / math.sqrt(esc.size)
    diff = split[:, kd.S_DENSITY] - plain[:, kd.S_DENSITY]
    assert abs(diff.mean()) < 4 * diff.std() / math.sqrt(diff.size) + 1e-15


def test_same_seed_same_histories():
    rng = np.random.default_rng(8)
    pos, vel = _iso_entries(30, 300.0, 3.0, rng)
    kw = dict(sigma_cm2=2e-28, m_dm=10.0, v_cut=10.0, importance=(2.0, 1.5, 1.0))
    a = _run(pos, vel, **kw)
    b = _run(pos, vel, **kw)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_track_cap_stops_splitting_without_bias():
    """max_tracks = 1: no copies are made; roulette outwards still acts, the mean weight stays 1."""
    rng = np.random.default_rng(9)
    pos, vel = _iso_entries(400, 300.0, 3.0, rng)
    capped = _run(pos, vel, importance=(4.0, 2.0, 1.0), max_tracks=1)[0]
    assert np.all(capped[:, kd.S_TRACKS] == 1.0)
    esc = capped[:, kd.S_TRANSMITTED]
    assert np.any(esc > 1.0)  # survivors of roulette carry the weight of the killed
    assert abs(esc.mean() - 1.0) < 4 * esc.std() / math.sqrt(esc.size)


def test_many_copies_grow_the_bank():
    """Importance x300 into the central ball: 300 copies at once (the bank grows past 64);
    sigma = 0, so each copy leaves the ball and plays roulette at 1/300; the mean weight stays 1."""
    n = 12
    pos = np.tile([0.0, 0.0, 3.0], (n, 1))
    vel = np.tile([0.0, 0.0, -300.0], (n, 1))
    scores = _run(pos, vel, importance=(300.0, 1.0, 1.0))[0]
    assert np.all(scores[:, kd.S_TRACKS] == 300.0)
    # shell 1 (1 km each way): weight 1 inwards, then the K roulette survivors (weight 1 each)
    # outwards, and the same K escape
    esc = scores[:, kd.S_TRANSMITTED]
    np.testing.assert_allclose(scores[:, kd.S_DENSITY], (1.0 + esc) / 300.0, rtol=1e-12)
    assert abs(esc.mean() - 1.0) < 4 * math.sqrt(299.0 / (300 * n))

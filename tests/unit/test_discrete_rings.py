"""Isodetection rings of the discrete-scatter Monte Carlo (issue 6, item 4).

References independent of the ring code: ring edges of equal solid angle by hand, cone crossings
of a straight line solved by hand, ring track lengths of straight chords by fine sampling along
the chord, the exact identity "rings add up to the shell", the free halo (uniform density, lab
SHM speed density) and the direction of the wind (the side facing it is the least shielded).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate, stats

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError
from mcdm.geometry.earth import CompiledShells
from mcdm.kernels import discrete as kd
from mcdm.physics.interaction import InteractionTables
from mcdm.run import run
from mcdm.scenarios import transport as T
from mcdm.scenarios.halo_flux import wind_altitude_deg
from mcdm.source import StandardHaloModel
from mcdm.tally import Tally
from mcdm.transport.discrete import (
    entry_points,
    interpolate_rings,
    ring_centres,
    ring_edges,
    ring_weights,
    simulate_discrete,
)

R = 100.0  # toy sphere [km]
N_KM3 = 1.0e38
V_GRID = np.geomspace(1.0, 3000.0, 60)
SHELLS = CompiledShells(np.array([40.0, R]), np.array([2.7, 2.7]), np.full((2, 1), N_KM3),
                        ("Si28",), np.array([0, 0]), ("inner", "outer"))
HALO = StandardHaloModel(v0=220.0, v_esc=550.0)
U = 232.0  # Earth speed [km/s]


def _tables(mean_free_path_km=None, m_chi=1.0e-6):
    sig = 0.0 if mean_free_path_km is None else 1.0 / (mean_free_path_km * N_KM3 * 1.0e-10)
    return InteractionTables(V_GRID, np.full((1, V_GRID.size), sig), np.zeros((1, V_GRID.size)),
                             np.array([26.0]), np.zeros((1, 4)), 0, m_chi)


def _wind_sample(n, seed):
    rng = np.random.default_rng(seed)
    vel = T.flux_weighted_velocities(HALO, np.array([0.0, 0.0, U]), n, rng)
    return entry_points(vel, R, rng), vel, rng


def _chi2_p(value, error, expected):
    sel = error > 0
    chi2 = float(np.sum(((value[sel] - expected[sel]) / error[sel]) ** 2))
    return float(stats.chi2.sf(chi2, int(sel.sum())))


# --------------------------------------------------------------------------- ring geometry


def test_ring_edges_centres_and_interpolation_weights():
    np.testing.assert_allclose(ring_edges(4), [1.0, 0.5, 0.0, -0.5, -1.0])
    np.testing.assert_allclose(ring_centres(4), [0.75, 0.25, -0.25, -0.75])
    # equal solid angle: 2 pi (cos_j - cos_j+1) is the same for every ring
    assert np.ptp(-np.diff(ring_edges(18))) < 1e-15
    assert [kd.ring_index(c, 4) for c in (1.0, 0.75, 0.5, 0.49, 0.0, -0.99, -1.0)] == [0, 0, 1, 1, 2, 3, 3]
    w = ring_weights(np.array([0.75, 0.5, 0.4, -0.75, 1.0, -1.0]), 4)
    np.testing.assert_allclose(w, [[1, 0, 0, 0], [0.5, 0.5, 0, 0], [0.3, 0.7, 0, 0], [0, 0, 0, 1],
                                   [1, 0, 0, 0], [0, 0, 0, 1]], atol=1e-12)
    np.testing.assert_allclose(ring_weights(np.array([0.3]), 1), [[1.0]])
    values, errors = np.array([4.0, 3.0, 2.0, 1.0]), np.array([0.3, 0.4, 0.1, 0.1])
    v, e = interpolate_rings(values, errors, np.array([0.5, 0.25, 0.9]))
    np.testing.assert_allclose(v, [3.5, 3.0, 4.0])
    np.testing.assert_allclose(e, [0.5 * math.hypot(0.3, 0.4), 0.4, 0.3])
    # (N, B) arrays interpolate bin by bin
    v2, _ = interpolate_rings(np.outer(values, [1.0, 2.0]), np.ones((4, 2)), np.array([0.5]))
    np.testing.assert_allclose(v2, [[3.5, 7.0]])
    with pytest.raises(ConfigError):
        ring_weights(np.array([1.5]), 4)
    with pytest.raises(ConfigError):
        ring_edges(0)


def test_ring_cuts_by_hand():
    cuts = np.empty(16)
    # a vertical line x = 1 from z = 2 down to z = -2: cos = z / sqrt(1 + z^2) crosses 0.5, 0, -0.5
    m = kd.ring_cuts(1.0, 0.0, 2.0, 0.0, 0.0, -1.0, 4.0, 4, cuts)
    z = 1.0 / math.sqrt(3.0)  # cos = 0.5
    np.testing.assert_allclose(sorted(set(np.round(cuts[:m], 12))), [2 - z, 2.0, 2 + z], atol=1e-12)
    # the same line seen by 2 rings: only the equator
    m = kd.ring_cuts(1.0, 0.0, 2.0, 0.0, 0.0, -1.0, 4.0, 2, cuts)
    assert np.allclose(cuts[:m], 2.0)
    # a short piece inside one ring: no cut
    assert kd.ring_cuts(1.0, 0.0, 2.0, 0.0, 0.0, -1.0, 0.1, 4, cuts) == 0
    # a radial piece keeps its Theta: nothing to cut
    d = np.array([0.3, 0.4, 0.5]) / np.linalg.norm([0.3, 0.4, 0.5])
    assert kd.ring_cuts(*(50 * d), *d, 30.0, 36, cuts) == 0


def _ring_lengths_brute(x, d, s, r_lo, r_hi, n_rings, n=400_000):
    """Track length of the chord x + t d (0 < t < s) per ring and inside r_lo < r < r_hi [km]."""
    t = (np.arange(n) + 0.5) * s / n
    p = x[None, :] + t[:, None] * d[None, :]
    r = np.linalg.norm(p, axis=1)
    inside = (r > r_lo) & (r < r_hi)
    j = np.clip(np.floor((1.0 - p[:, 2] / r) * 0.5 * n_rings).astype(int), 0, n_rings - 1)
    return np.bincount(j[inside], minlength=n_rings) * s / n


def _kernel(pos, vel, tab, *, radii=(40.0, 48.0, 52.0, R), detector=(0, 0, 1, 0), importance=None,
            n_rings=12, record=False, seed=1, edges=(0.0, 300.0, 600.0, 900.0), v_cut=1.0):
    m = len(radii)
    with np.errstate(divide="ignore"):
        log_sigma = np.log(tab.sigma)
    return kd.transport_discrete_rings(
        np.asarray(pos, float), np.asarray(vel, float), np.ones(len(pos)), np.asarray(radii, float),
        np.full((m, 1), N_KM3), np.ones(m) if importance is None else np.asarray(importance, float),
        np.asarray(detector, np.int64), np.log(tab.v_grid), tab.sigma, log_sigma, tab.target_mass,
        tab.helm, tab.dm_mass, v_cut, np.asarray(edges, float), 10**6, 10**4, n_rings, record,
        np.random.default_rng(seed))


def test_ring_track_lengths_of_straight_chords_match_fine_sampling():
    """sigma = 0: the flux column of each ring is the chord length inside it (cut exactly)."""
    rng = np.random.default_rng(5)
    vel = 300.0 * rng.normal(size=(12, 3))  # any directions
    pos = entry_points(vel, R, rng)
    for i in range(len(pos)):
        out = _kernel(pos[i:i + 1], vel[i:i + 1], _tables(None))
        ring_sum = out[5]
        d = vel[i] / np.linalg.norm(vel[i])
        s = 2.0 * float(-(pos[i] @ d))  # chord through the sphere of radius R
        ref = _ring_lengths_brute(pos[i], d, s, 48.0, 52.0, 12)
        np.testing.assert_allclose(ring_sum[:, 1], ref, atol=2e-3 * max(ref.sum(), 1.0))
        np.testing.assert_allclose(ring_sum[:, 1].sum(), out[0][0, kd.S_FLUX], rtol=1e-12)


def test_rings_add_up_to_the_shell_with_scattering_and_splitting():
    pos, vel, _ = _wind_sample(400, 7)
    out = _kernel(pos, vel, _tables(20.0, m_chi=10.0), importance=(8.0, 4.0, 4.0, 1.0), v_cut=20.0)
    scores, hist_sum, _, _, _, ring_sum, _, ring_hist, _, vertices = out
    assert vertices.shape == (0, kd.N_VERTEX_COLS)  # no recording by default
    assert scores[:, kd.S_SCATTER_EVENTS].sum() > 1000 and scores[:, kd.S_TRACKS].sum() > 400
    np.testing.assert_allclose(ring_sum[:, 0].sum(), scores[:, kd.S_DENSITY].sum(), rtol=1e-12)
    np.testing.assert_allclose(ring_sum[:, 1].sum(), scores[:, kd.S_FLUX].sum(), rtol=1e-12)
    np.testing.assert_allclose(ring_hist.sum(axis=0), hist_sum, rtol=1e-12)
    # the ring kernel with one ring is the plain kernel, random stream included
    plain = kd.transport_discrete(*_plain_args(pos, vel, _tables(20.0, m_chi=10.0)))
    one = _kernel(pos, vel, _tables(20.0, m_chi=10.0), importance=(8.0, 4.0, 4.0, 1.0), v_cut=20.0,
                  n_rings=1)
    for a, b in zip(plain, one[:5]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(one[0], scores)


def _plain_args(pos, vel, tab):
    radii = np.array([40.0, 48.0, 52.0, R])
    with np.errstate(divide="ignore"):
        log_sigma = np.log(tab.sigma)
    return (pos, vel, np.ones(len(pos)), radii, np.full((4, 1), N_KM3), np.array([8.0, 4.0, 4.0, 1.0]),
            np.array([0, 0, 1, 0]), np.log(tab.v_grid), tab.sigma, log_sigma, tab.target_mass, tab.helm,
            tab.dm_mass, 20.0, np.array([0.0, 300.0, 600.0, 900.0]), 10**6, 10**4, np.random.default_rng(1))


# --------------------------------------------------------------------------- physics of the rings


def _lab_shm_bins(edges):
    return np.array([integrate.quad(lambda v: HALO.lab_speed_pdf(v, U), lo, hi, limit=200)[0] / (hi - lo)
                     for lo, hi in zip(edges[:-1], edges[1:])])


def test_free_limit_every_ring_sees_the_free_halo():
    """sigma = 0, wind along -z: density and flux 1 and the lab SHM speeds in every ring.

    Measured (seed 11, 1e5 primaries, 12 rings, 0.3 s): ring densities 0.985 .. 1.042 (errors
    <= 0.016), chi^2 p = 0.12 (density), 0.25 (flux), 0.73 (speed density, 12 rings x 11 bins).
    The track length in a shell has a heavy tail (grazing chords), so the ring errors converge
    slowly: 4e4 primaries of another seed gave p = 0.007 for the densities, with no bias at
    4e5 and 1e6 primaries (p = 0.57, 0.77, 0.64 for seeds 11, 21, 31).
    """
    pos, vel, rng = _wind_sample(100_000, 11)
    edges = np.linspace(0.0, 900.0, 19)
    res = simulate_discrete(_tables(None), SHELLS, 60.0, pos, vel, rng, edges, 1.0,
                            detector_thickness_km=4.0, mean_speed_km_s=HALO.mean_speed(U), rings=12)
    assert res.ring_density.shape == (12,) and res.ring_speed_density.shape == (12, 18)
    for value, error in ((res.ring_density, res.ring_density_error), (res.ring_flux, res.ring_flux_error)):
        assert np.all(error < 0.03)
        assert _chi2_p(value, error, np.ones(12)) > 1e-3
    # speeds in the well-filled bins (100 .. 650 km/s): a bin with a handful of entries has an
    # error estimate too small as often as not, which no chi^2 survives
    sel = slice(2, 13)
    expected = np.broadcast_to(_lab_shm_bins(edges)[sel], (12, 11))
    assert _chi2_p(res.ring_speed_density[:, sel].ravel(), res.ring_speed_density_error[:, sel].ravel(),
                   expected.ravel()) > 1e-3
    # the rings are volumes V/N: their mean is the shell
    assert res.ring_density.mean() == pytest.approx(res.density_ratio.value, rel=1e-9)
    assert res.ring_flux.mean() == pytest.approx(res.flux_ratio.value, rel=1e-9)


def test_the_ring_facing_the_wind_is_the_least_shielded():
    """Stopping medium (m_chi = 10 GeV on m_N = 26 GeV, lambda = 5 km, v_cut = 50 km/s), detector
    20 km deep: particles come from +z, so ring 0 (cos Theta ~ 1) has the largest flux.

    Measured (seed 12, 2e4 primaries, 4.9 scatterings each): flux ratio 0.251 +- 0.010 (ring 0),
    0.157, 0.080, 0.051, 0.013, 0.0065 +- 0.0019 (ring 5)."""
    pos, vel, rng = _wind_sample(20_000, 12)
    res = simulate_discrete(_tables(5.0, m_chi=10.0), SHELLS, 80.0, pos, vel, rng,
                            np.linspace(0.0, 900.0, 10), 50.0, detector_thickness_km=2.0,
                            mean_speed_km_s=HALO.mean_speed(U), rings=6)
    f, e = res.ring_flux, res.ring_flux_error
    assert f[0] - f[-1] > 5 * math.hypot(e[0], e[-1])
    assert np.all(np.diff(f) < 3 * np.hypot(e[:-1], e[1:]))  # falls from the wind side


def test_rings_argument_is_checked():
    pos, vel, rng = _wind_sample(10, 13)
    for bad in (0, 2.5, True, 10**5):
        with pytest.raises(ConfigError, match="rings"):
            simulate_discrete(_tables(None), SHELLS, 60.0, pos, vel, rng, np.array([0.0, 900.0]),
                              1.0, rings=bad)


# --------------------------------------------------------------------------- scenario


def _run_doc(tmp_path, name, **transport):
    return {"run": {"name": name, "scenario": "transport", "seed": 5, "samples": 3000, "shards": 2,
                    "output_dir": str(tmp_path)},
            "site": {"name": "lngs"}, "dark_matter": {"mass": "1 GeV"},
            "time": {"start": "2000-01-01T00:00:00", "bins": 6, "width": "4 h"},
            "transport": {"sigma_p": "1e-33 cm2", "v_cut": "30 km/s", "method": "discrete",
                          "importance": "none", "rings": 6, "speed_bins": 18, **transport},
            "output": {"progress": False, "plot": False}}


def test_discrete_run_reads_time_bins_from_the_rings(tmp_path):
    cfg = config_from_dict(_run_doc(tmp_path, "rings"))
    out = run(cfg)
    s = json.loads((out / "summary.json").read_text())
    job, _ = T.compile_job(cfg)
    rings, b = s["rings"], s["bins"]
    # the wind axis and the Earth speed of the simulation frame
    np.testing.assert_allclose(T.discrete_wind_velocity(job), [0, 0, np.linalg.norm(job.u_earth, axis=1).mean()])
    assert s["mean_earth_speed_km_s"] == pytest.approx(float(T.discrete_wind_velocity(job)[2]))
    # cos Theta = sin(altitude of the wind origin); bins = rings interpolated there
    cos_theta = np.sin(np.radians(wind_altitude_deg(job)))
    np.testing.assert_allclose(b["cos_theta"], cos_theta, atol=1e-12)
    for key in ("density_ratio", "flux_ratio"):
        v, e = interpolate_rings(np.array(rings[key]), np.array(rings[key + "_err"]), cos_theta)
        np.testing.assert_allclose(b[key], v, rtol=1e-12)
        np.testing.assert_allclose(b[key + "_err"], e, rtol=1e-12)
    # the daily mean is the mean of the bins; the sphere average is the mean of the rings
    assert s["daily"]["density_ratio"] == pytest.approx(np.mean(b["density_ratio"]), rel=1e-12)
    assert s["daily"]["flux_ratio"] == pytest.approx(np.mean(b["flux_ratio"]), rel=1e-12)
    assert s["discrete"]["density_ratio"] == pytest.approx(np.mean(rings["density_ratio"]), rel=1e-9)
    # tallies with a time axis, like the continuous method
    flux = Tally.load(out / "flux.json")
    np.testing.assert_allclose(flux.values(), np.asarray(b["flux_ratio"]) * b["free_flux"][0], rtol=1e-12)
    np.testing.assert_allclose(flux.errors(mode="history"), b["flux_err"], rtol=1e-6)
    spec = Tally.load(out / "speed_density.json")
    assert spec.values().shape == (6, 18)
    # every speed lies in the histogram's range: the speed density carries the whole density
    np.testing.assert_allclose(spec.values().sum(axis=1) * 50.0, b["density_ratio"], rtol=1e-9)
    ring_d = Tally.load(out / "ring_density.json")
    np.testing.assert_allclose(ring_d.values()[::-1], rings["density_ratio"], rtol=1e-12)
    assert s["hour_of_min_flux"] in b["hours_since_start"]


def test_relative_errors_are_per_time_bin(tmp_path):
    cfg = config_from_dict(_run_doc(tmp_path, "rel", rings=4))
    job, _ = T.compile_job(cfg)
    total = T.simulate_shard(job, 0) + T.simulate_shard(job, 1)
    rel = T.relative_errors(job, total)
    tb = T.discrete_time_bins(job, total)
    assert rel.shape == (6,)
    np.testing.assert_allclose(rel, tb["density_ratio_err"] / tb["density_ratio"], rtol=1e-12)
    assert tb["weights"].shape == (6, 4) and np.allclose(tb["weights"].sum(axis=1), 1.0)


def test_rings_and_tracks_config():
    cfg = config_from_dict({"run": {"name": "t", "scenario": "transport", "samples": 100, "shards": 2},
                            "site": {"name": "lngs"}, "transport": {}})
    assert cfg.transport.rings == 18 and cfg.transport.tracks == 0
    for bad in ({"rings": 0}, {"tracks": -1}):
        with pytest.raises(ConfigError):
            config_from_dict({"run": {"name": "t", "scenario": "transport", "samples": 100, "shards": 2},
                              "site": {"name": "lngs"}, "transport": bad})


# --------------------------------------------------------------------------- python mode

_PY_MODE = r"""
import numpy as np
from mcdm.kernels import discrete as kd
cuts = np.empty(8)
m = kd.ring_cuts(1.0, 0.0, 2.0, 0.0, 0.0, -1.0, 4.0, 4, cuts)
assert m >= 3 and abs(sorted(cuts[:m])[0] - (2 - 3 ** -0.5)) < 1e-12
rng = np.random.default_rng(3)
u = rng.normal(size=(20, 3)); u /= np.linalg.norm(u, axis=1)[:, None]
pos = 100.0 * u; vel = -300.0 * u + 50.0 * rng.normal(size=(20, 3))
vel[np.sum(pos * vel, axis=1) > 0] *= -1
v = np.geomspace(1.0, 3000.0, 8); sig = np.full((1, 8), 1e-28)
out = kd.transport_discrete_rings(pos, vel, np.ones(20), np.array([40.0, 48.0, 52.0, 100.0]),
    np.full((4, 1), 1e38), np.array([4.0, 2.0, 2.0, 1.0]), np.array([0, 0, 1, 0]), np.log(v), sig,
    np.log(sig), np.array([26.0]), np.zeros((1, 4)), 10.0, 20.0, np.array([0.0, 900.0]), 10**5,
    100, 6, True, rng)
scores, ring_sum, vertices = out[0], out[5], out[9]
assert abs(ring_sum[:, 0].sum() - scores[:, kd.S_DENSITY].sum()) <= 1e-9 * max(scores[:, 0].sum(), 1e-300)
assert (vertices[:, kd.R_KIND] == kd.V_SCATTER).sum() == scores[:, kd.S_SCATTER_EVENTS].sum()
print("ok")
"""


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already in python mode")
def test_ring_and_recording_kernels_run_without_jit():
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run([sys.executable, "-c", _PY_MODE], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]

"""Time bins of the discrete method from isodetection rings (issue 6 item 4) against independent
numbers.

* Free limit: with sigma_p = 0 every ring of the Gran Sasso shell sees the free halo (density 1,
  lab-frame SHM speeds from quad over mcdm.source.halo.lab_speed_pdf), chi^2 tests; so does
  every time bin.
* Continuous per hour: at m_chi = 1e5 GeV, sigma_p = 3e-31 cm^2 (~6000 scatterings per entering
  particle, deflections ~ m_N/m_chi) the straight-line method of the same scenario gives the
  density and flux in every hour at Gran Sasso independently (its own time bins, no rings). The
  discrete rings, read at cos Theta(t), agree within 5 % or 3 sigma, and the hour of the lowest
  flux is the same (within one bin: neighbouring hours near the horizon differ by ~2 %).
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import integrate, stats

from mcdm.config import config_from_dict
from mcdm.run import run
from mcdm.scenarios import transport as T
from mcdm.scenarios.halo_flux import wind_altitude_deg
from mcdm.source import StandardHaloModel
from mcdm.transport.discrete import ImportanceMap, entry_points, interpolate_rings, simulate_discrete

HALO = StandardHaloModel(v0=220.0, v_esc=550.0)


def _doc(tmp_path, name, samples, **transport):
    return {"run": {"name": name, "scenario": "transport", "seed": 7, "samples": samples, "shards": 2,
                    "output_dir": str(tmp_path)},
            "site": {"name": "lngs"}, "dark_matter": {"mass": "1e5 GeV"},
            "time": {"start": "2000-01-01T00:00:00", "bins": 24, "width": "1 h"},
            "transport": transport, "output": {"plot": False, "progress": False}}


def _chi2_p(value, error, expected) -> float:
    sel = error > 0
    chi2 = float(np.sum(((value[sel] - expected[sel]) / error[sel]) ** 2))
    return float(stats.chi2.sf(chi2, int(sel.sum())))


@pytest.mark.validation
def test_free_limit_every_ring_and_hour(tmp_path):
    """sigma_p = 0 at Gran Sasso, 12 rings: density and flux 1 in every ring and every hour.

    Measured (seed 7, 2e5 primaries, 6 s): ring densities 0.989 .. 1.036 (errors 0.009 .. 0.027),
    chi^2 p = 0.62 (density), 0.66 (flux), 0.38 (speed density, 12 rings x 27 bins of 60 .. 600
    km/s); hours within 1.7 sigma of 1. Below 60 km/s a bin holds a few grazing chords and its
    error estimate is unreliable (pulls of -5 .. -9 with 50 % errors), so it is left out.
    """
    out = run(config_from_dict(_doc(tmp_path, "free", 200_000, sigma_p="0 cm2", method="discrete",
                                    importance="none", rings=12)))
    s = json.loads((out / "summary.json").read_text())
    rings, b = s["rings"], s["bins"]
    for key in ("density_ratio", "flux_ratio"):
        value, error = np.asarray(rings[key]), np.asarray(rings[key + "_err"])
        assert np.all(error < 0.05)
        assert _chi2_p(value, error, np.ones(12)) > 1e-3, key
        # every hour reads (two of) the rings: within 4 sigma of 1 (correlated, so no chi^2)
        hv, he = np.asarray(b[key]), np.asarray(b[key + "_err"])
        assert np.all(np.abs(hv - 1.0) < 4 * he), key
    edges = np.asarray(s["speed_edges_km_s"])
    u = s["mean_earth_speed_km_s"]
    sel = slice(3, 30)  # 60 .. 600 km/s: the well-filled bins (20 km/s wide)
    expected = np.array([integrate.quad(lambda v: HALO.lab_speed_pdf(v, u), lo, hi, limit=200)[0] / (hi - lo)
                         for lo, hi in zip(edges[:-1], edges[1:])])
    spec, spec_err = np.asarray(rings["speed_density"]), np.asarray(rings["speed_density_err"])
    assert _chi2_p(spec[:, sel].ravel(), spec_err[:, sel].ravel(),
                   np.broadcast_to(expected[sel], (12, 27)).ravel()) > 1e-3


def _per_hour(tmp_path, n_primaries: int, seed: int, rings: int = 18):
    """Discrete rings read at cos Theta(t) vs the continuous method per hour, Gran Sasso.

    Discrete: the building blocks of the scenario (its world, tables, wind frame and Theta(t)),
    with Russian roulette below r_det - 200 m (heavy dark matter that has passed the detector
    going down never comes back up; unbiased) and the validation shell of test_transport.py
    (28 m). Continuous: a run of the scenario (20000 histories per hour).
    """
    common = dict(sigma_p="3e-31 cm2", v_cut="30 km/s")
    out = run(config_from_dict(_doc(tmp_path, "cont", 20_000, **common)))
    cont = json.loads((out / "summary.json").read_text())["bins"]
    cfg = config_from_dict(_doc(tmp_path, "disc", 4, method="discrete", importance="none", **common))
    job, _ = T.compile_job(cfg)
    u = T.discrete_wind_velocity(job)
    shells = job.slowing.shells
    r_det = float(job.detector_position[2])
    rng = np.random.default_rng(seed)
    vel = T.flux_weighted_velocities(HALO, u, n_primaries, rng)
    pos = entry_points(vel, float(shells.outer_radii[-1]), rng)
    disc = simulate_discrete(job.slowing.tables, shells, r_det, pos, vel, rng, job.speed_edges,
                             job.v_cut, ImportanceMap((r_det - 0.2,), (1e-3, 1.0)),
                             detector_thickness_km=0.028,
                             mean_speed_km_s=HALO.mean_speed(float(u[2])), rings=rings)
    cos_theta = np.sin(np.radians(wind_altitude_deg(job)))
    d = interpolate_rings(disc.ring_density, disc.ring_density_error, cos_theta)
    f = interpolate_rings(disc.ring_flux, disc.ring_flux_error, cos_theta)
    return disc, cont, d, f


def _assert_hours_agree(cont, d, f, n_sigma: float, rel: float | None) -> None:
    for key, (value, error) in (("density_ratio", d), ("flux_ratio", f)):
        ref, ref_err = np.asarray(cont[key]), np.asarray(cont[key + "_err"])
        sigma = np.hypot(error, ref_err)
        allowed = n_sigma * sigma if rel is None else np.maximum(n_sigma * sigma, rel * ref)
        assert np.all(np.abs(value - ref) < allowed), (key, np.round((value - ref) / sigma, 2))
    # the modulation is there: the flux changes by more than a factor 2 over the day
    assert max(cont["flux_ratio"]) > 2 * min(cont["flux_ratio"])
    i_disc, i_cont = int(np.argmin(f[0])), int(np.argmin(cont["flux_ratio"]))
    assert min(abs(i_disc - i_cont), 24 - abs(i_disc - i_cont)) <= 1, (i_disc, i_cont)


@pytest.mark.slow
@pytest.mark.validation
def test_rings_reproduce_the_continuous_hours_at_gran_sasso(tmp_path):
    """Every hour within 5 % or 3 sigma (density and flux), same hour of minimum flux.

    Measured (seed 5, 24000 primaries, 18 rings, 45 s on a shared machine): flux pulls
    -1.1 .. +0.8 (errors 1.4-3.3 %, largest difference 2.9 %), density pulls -1.3 .. +1.5 (errors
    2.4-4.9 %, largest difference 5.8 %); lowest flux at 0.5 h (wind origin 2.4 deg above the
    horizon) in both, 0.383 +- 0.012 vs 0.380 +- 0.004; highest 0.892 +- 0.015 (11.5 h) vs
    0.902 (12.5 h; ring 0 is read for both).
    """
    disc, cont, d, f = _per_hour(tmp_path, 24_000, seed=5)
    assert disc.mean_scatters.value > 1000 and disc.truncated.value == 0.0
    assert np.all(f[1] < 0.04 * f[0])  # measured 1.4-3.3 %: 3 sigma stays a real test
    _assert_hours_agree(cont, d, f, n_sigma=3.0, rel=0.05)


@pytest.mark.validation
def test_rings_reproduce_the_continuous_hours_at_gran_sasso_fast(tmp_path):
    """Fast companion (3000 primaries, 7 s): every hour within 4 sigma, same hour of minimum flux.

    Measured (seed 1): flux pulls -1.8 .. +2.3 (errors 3.7-10 %), density pulls -2.5 .. +1.0
    (errors 5-15 %); minimum flux at 0.5 h in both (0.344 +- 0.032 vs 0.380).
    """
    _, cont, d, f = _per_hour(tmp_path, 3_000, seed=1)
    _assert_hours_agree(cont, d, f, n_sigma=4.0, rel=None)

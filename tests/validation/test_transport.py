"""The ``transport`` scenario (issue 6) against independent references.

* Free limit: with sigma_p = 0 the density and flux at the detector are the free ones and the
  speed histogram is the lab-frame SHM speed density (mcdm.source.halo.lab_speed_pdf, integrated
  here over each bin with scipy's quad), chi^2 test per time bin; same for the discrete method.
* Continuous vs discrete: for m_chi = 1e5 GeV and sigma_p = 3e-31 cm^2 (mean free path ~1.8 m in
  rock, ~800 scatterings on a vertical path to 1.4 km; ~7000 per primary) the straight-line
  estimate of the Gran Sasso shell average and the discrete-scatter Monte Carlo agree on the mean
  detector speed and the surviving flux within 5 %.
* Daily modulation: at Gran Sasso and SUPL the density and flux are lowest in the hour when the DM
  wind's origin (+u_E) is lowest in the sky (astropy AltAz, tests/validation/conftest.py), i.e.
  when the particles come through the most Earth.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import integrate, stats

from mcdm.config import config_from_dict
from mcdm.geometry import load_earth
from mcdm.physics.interaction import SpinIndependent
from mcdm.run import run
from mcdm.scenarios import transport as T
from mcdm.source import StandardHaloModel
from mcdm.tally import Tally
from mcdm.transport.continuous import ContinuousSlowing
from mcdm.transport.discrete import ImportanceMap, entry_points, simulate_discrete

HALO = StandardHaloModel(v0=220.0, v_esc=550.0)


def _config(tmp_path, name, site="lngs", samples=20_000, shards=2, bins=24, width="1 h", **transport):
    return config_from_dict({
        "run": {"name": name, "scenario": "transport", "seed": 7, "samples": samples, "shards": shards,
                "output_dir": str(tmp_path)},
        "site": {"name": site},
        "dark_matter": {"mass": "1e5 GeV"},
        "time": {"start": "2000-01-01T00:00:00", "bins": bins, "width": width},
        "transport": transport,
        "output": {"plot": False, "progress": False},
    })


def _lab_shm_bins(edges: np.ndarray, u_speed: float) -> np.ndarray:
    """Bin averages of the lab-frame SHM speed density [(km/s)^-1] (quad per bin)."""
    return np.array([integrate.quad(lambda v: HALO.lab_speed_pdf(v, u_speed), lo, hi, limit=200)[0] / (hi - lo)
                     for lo, hi in zip(edges[:-1], edges[1:])])


def _chi2_p(value, error, expected) -> float:
    sel = error > 0
    chi2 = float(np.sum(((value[sel] - expected[sel]) / error[sel]) ** 2))
    return float(stats.chi2.sf(chi2, int(sel.sum())))


@pytest.mark.validation
def test_free_limit_continuous(tmp_path):
    """sigma_p = 0 at SNOLAB, 3 bins of 8 h: ratios exactly 1, speed histogram = lab SHM.

    Measured (seed 7, 40000 histories): chi^2 p = 0.89, 0.67, 0.70 (39 bins each).
    """
    out = run(_config(tmp_path, "free", site="snolab", samples=40_000, bins=3, width="8 h", sigma_p="0 cm2"))
    s = json.loads((out / "summary.json").read_text())
    b = s["bins"]
    # v_d = v_s for every particle: the estimators are exactly the free ones
    assert b["density_ratio"] == [1.0, 1.0, 1.0] and b["flux_ratio"] == [1.0, 1.0, 1.0]
    assert b["stopped_fraction"] == [0.0, 0.0, 0.0]
    # the flux-over-density mean speed is the halo's lab-frame <v> (quadrature) within MC error
    for mean, err, exact in zip(b["mean_speed"], b["mean_speed_err"], b["free_mean_speed"]):
        assert abs(mean - exact) < 4 * err
    edges = np.asarray(s["speed_edges_km_s"])
    tally = Tally.load(out / "speed_density.json")
    values, errors = tally.values(), tally.errors(mode="history")
    for k, u_speed in enumerate(b["earth_speed"]):
        p = _chi2_p(values[k], errors[k], _lab_shm_bins(edges, u_speed))
        assert p > 1e-3, (k, p)


@pytest.mark.validation
def test_free_limit_discrete(tmp_path):
    """sigma_p = 0, discrete method: density and flux 1 within MC error, speeds = lab SHM.

    Measured (seed 7, 1e5 primaries, 4 s): density 1.0014 +- 0.0060, flux 1.0037 +- 0.0049, chi^2
    p = 0.63 (39 bins). The track length in the thin scoring shell has a heavy tail (grazing chords),
    so the error converges slowly: 2e4 primaries gave 1.054 +- 0.036.
    """
    out = run(_config(tmp_path, "free-d", site="lngs", samples=100_000, bins=1, width="24 h", sigma_p="0 cm2",
                      method="discrete", importance="none"))
    s = json.loads((out / "summary.json").read_text())
    d = s["discrete"]
    for key in ("density_ratio", "flux_ratio"):
        assert abs(d[key] - 1.0) < 4 * d[key + "_err"] and d[key + "_err"] < 0.03
    assert d["mean_scatters"] == 0.0 and d["transmitted"] == 1.0
    edges = np.asarray(s["speed_edges_km_s"])
    expected = _lab_shm_bins(edges, s["mean_earth_speed_km_s"])
    assert _chi2_p(np.asarray(d["speed_density"]), np.asarray(d["speed_density_err"]), expected) > 1e-3


def _gran_sasso_comparison(n_primaries: int, seed: int):
    """Discrete MC vs straight lines, shell average at the Gran Sasso depth (PREM + atmosphere).

    m_chi = 1e5 GeV, sigma_p = 3e-31 cm^2, v_cut = 30 km/s. Below the detector the discrete run
    uses Russian roulette (importance 1e-3 under r_det - 200 m): heavy dark matter that has passed
    the detector going down never comes back up (it would have to cross the Earth), and the
    roulette is unbiased, so this only saves the cost of slowing those particles to a stop.
    """
    earth = load_earth("prem", ocean="crust")
    shells = T.build_world(earth, 100.0, atmosphere=True)
    tables = SpinIndependent(1.0e5, 3.0e-31).tables(shells.nuclides)
    slowing = ContinuousSlowing(tables, shells)
    u = np.array([11.1, 232.2, 7.3])  # LSR + peculiar, no orbit [km/s]
    mean_speed = HALO.mean_speed(float(np.linalg.norm(u)))
    r_det, v_cut = earth.radius - 1.4, 30.0
    edges = np.linspace(0.0, 900.0, 46)
    rng = np.random.default_rng(seed)
    vel = T.flux_weighted_velocities(HALO, u, n_primaries, rng)
    pos = entry_points(vel, float(shells.outer_radii[-1]), rng)
    disc = simulate_discrete(tables, shells, r_det, pos, vel, rng, edges, v_cut,
                             ImportanceMap((r_det - 0.2,), (1e-3, 1.0)), detector_thickness_km=0.028,
                             mean_speed_km_s=mean_speed)
    m = 200_000
    velocities = T.random_orientations(HALO.sample(m, rng) - u, rng)
    line = T.straight_line_average(slowing, np.array([0.0, 0.0, r_det]), velocities, v_cut, edges)
    d_speed = disc.flux_ratio.value / disc.density_ratio.value * mean_speed
    d_speed_err = d_speed * math.hypot(disc.flux_ratio.error / disc.flux_ratio.value,
                                       disc.density_ratio.error / disc.density_ratio.value)
    return disc, line, d_speed, d_speed_err


def _assert_agree(disc, line, d_speed, d_speed_err, rel: float | None) -> None:
    pairs = ((d_speed, d_speed_err, line["mean_speed"], line["mean_speed_err"]),
             (disc.flux_ratio.value, disc.flux_ratio.error, line["flux_ratio"], line["flux_ratio_err"]),
             (disc.density_ratio.value, disc.density_ratio.error, line["density_ratio"], line["density_ratio_err"]))
    for k, (a, ea, b, eb) in enumerate(pairs):
        assert abs(a - b) < 4 * math.hypot(ea, eb), (k, a, ea, b, eb)
        if rel is not None and k < 2:  # mean detector speed and surviving flux
            assert abs(a / b - 1.0) < rel, (k, a, b)
    assert disc.mean_scatters.value > 100 and disc.truncated.value == 0.0


@pytest.mark.slow
@pytest.mark.validation
def test_continuous_vs_discrete_gran_sasso():
    """Mean detector speed and surviving flux within 5 % (and 4 sigma), density within 4 sigma.

    Measured (seed 21, 16000 primaries, 29 s): discrete <v_d> = 130.7 +- 1.7 km/s vs straight
    lines 130.8 +- 0.4 (-0.07 %); flux ratio 0.3986 +- 0.0018 vs 0.3985 +- 0.0012 (+0.02 %);
    density 1.007 +- 0.013 vs 1.005 +- 0.004; ~6200 scatterings per entering particle (2400
    simulated per primary with the roulette).
    """
    disc, line, d_speed, d_speed_err = _gran_sasso_comparison(16_000, seed=21)
    assert d_speed_err < 0.02 * d_speed and disc.flux_ratio.error < 0.01 * disc.flux_ratio.value
    _assert_agree(disc, line, d_speed, d_speed_err, rel=0.05)


@pytest.mark.validation
def test_continuous_vs_discrete_gran_sasso_fast():
    """Fast companion of the test above (2500 primaries, 5 s): agreement within 4 sigma only.

    Measured (seed 22): <v_d> 126.4 +- 4.1 vs 131.2 +- 0.4 km/s; flux 0.4026 +- 0.0044 vs 0.3993;
    density 1.052 +- 0.032 vs 1.005.
    """
    disc, line, d_speed, d_speed_err = _gran_sasso_comparison(2_500, seed=22)
    _assert_agree(disc, line, d_speed, d_speed_err, rel=None)


@pytest.mark.validation
@pytest.mark.parametrize("site", ["lngs", "supl"])
def test_daily_minimum_when_the_wind_comes_through_the_earth(tmp_path, site, lowest_apex_bin):
    """sigma_p = 1e-32 cm^2 (speed e-folds every ~230 km of rock): what crosses the Earth stops.

    v_cut = 30 km/s: with v_cut = 1 km/s the density at Gran Sasso is dominated by particles that
    arrive almost at rest from near the horizon, and is then highest, not lowest, when the wind
    comes from the horizon (the apex never sets there); the flux minimum is unaffected.
    Measured (seed 7, 20000 histories): density min / max 0.615 / 0.957 (lngs), 0.097 / 0.621
    (supl), both in the bin of the lowest apex.
    """
    out = run(_config(tmp_path, site, site=site, sigma_p="1e-32 cm2", v_cut="30 km/s"))
    s = json.loads((out / "summary.json").read_text())
    b = s["bins"]
    hours = np.asarray(b["hours_since_start"])
    i_apex = lowest_apex_bin(site, "2000-01-01T00:00:00", hours)
    density = np.asarray(b["density_ratio"])
    assert density.max() - density.min() > 10 * max(b["density_ratio_err"])  # noticeably modulated
    for values in (density, np.asarray(b["flux_ratio"])):
        i_min = int(np.argmin(values))
        assert min(abs(i_min - i_apex), 24 - abs(i_min - i_apex)) <= 1, (hours[i_min], hours[i_apex])
    assert s["density_modulation"] > 0.1

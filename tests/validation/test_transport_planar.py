"""The ``transport`` scenario's planar discrete method (``method = "discrete"`` with overburden
slabs) against independent references.

* Free limit (sigma_p = 0): the part from above (planar Monte Carlo) is the fraction of the halo
  moving down at the detector, P(v_up < 0) = P(v_gal,up < u_up) with u_up = |u_E| sin(altitude
  of the wind origin): the sharply truncated Maxwellian's one-dimensional marginal,
  g(w) ~ exp(-w^2/v0^2) - exp(-v_esc^2/v0^2) on |w| < v_esc, integrated in closed form here. The
  sum of both parts is the free halo: density and flux ratios 1, and the speed density the
  lab-frame SHM's (StandardHaloModel.lab_speed_pdf at |u_E(t)|, quadrature) per time bin.
* Heavy dark matter (m_chi = 1e5 GeV, sigma_p = 3e-31 cm^2, 2000-4000 small-angle scatterings
  per primary under crust_1400m): per time bin the density and flux ratios agree
  with the continuous method (straight lines, mcdm.transport.continuous with the same slabs --
  independent code) within 5 % or 3 sigma.
* Light dark matter (1 GeV, sigma_p = 6e-31 cm^2): the pilot-tuned splitting map gives the
  analogue run's densities and fluxes within 4 sigma, with smaller errors from fewer draws.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from mcdm.config import config_from_dict
from mcdm.run import run
from mcdm.scenarios import transport as T
from mcdm.scenarios.halo_flux import wind_altitude_deg
from mcdm.source import StandardHaloModel
from mcdm.tally import Tally


def _doc(tmp_path, name, method="discrete", **changes):
    transport = {"method": method, "overburden": "crust_1400m", "speed_bins": 30,
                 **changes.pop("transport", {})}
    doc = {"run": {"name": name, "scenario": "transport", "seed": 17, "samples": 4000,
                   "shards": 2, "output_dir": str(tmp_path)},
           "site": {"name": "lngs"}, "dark_matter": {"mass": "1e5 GeV"},
           "time": {"start": "1999-12-31T18:00:00", "bins": 2, "width": "12 h"},
           "transport": transport, "output": {"progress": False, "plot": False}}
    for section, values in changes.items():
        doc[section].update(values)
    return doc


def _summary(out) -> dict:
    return json.loads((out / "summary.json").read_text())


def _down_fraction(u_up: float, v0: float, v_esc: float) -> float:
    """P(w < u_up) for the 1-D marginal of the truncated Maxwellian (closed form)."""
    c = min(max(u_up, -v_esc), v_esc)
    z = v_esc / v0
    tail = math.exp(-z * z)

    def cdf(x: float) -> float:  # int_{-v_esc}^{x} [exp(-w^2/v0^2) - exp(-z^2)] dw
        return (0.5 * math.sqrt(math.pi) * v0 * (math.erf(x / v0) + math.erf(z))
                - (x + v_esc) * tail)

    return cdf(c) / cdf(v_esc)


@pytest.mark.validation
def test_free_limit_is_the_free_halo(tmp_path):
    """sigma_p = 0, 4 bins x 20000 draws.

    Measured (seed 17): density and flux ratios 1 to 7e-16 in every bin; part from above
    0.5699 / 0.8715 / 0.9002 / 0.6315 (+- 0.0035 / 0.0024 / 0.0021 / 0.0034) vs P(v_up < 0) =
    0.5734 / 0.8720 / 0.9014 / 0.6309 (z = -1.0, -0.2, -0.6, 0.2); speed densities against the
    lab-frame SHM chi^2 = 87.4 for 103 bins (p = 0.86).
    """
    doc = _doc(tmp_path, "free", transport={"sigma_p": "0 cm2", "v_cut": "1 km/s"},
               run={"samples": 20_000}, time={"start": "2000-01-01T00:00:00", "bins": 4,
                                              "width": "6 h"})
    cfg = config_from_dict(doc)
    out = run(cfg)
    s = _summary(out)
    b, above = s["bins"], s["planar"]["from_above"]
    for key in ("density_ratio", "flux_ratio"):
        np.testing.assert_allclose(b[key], 1.0, rtol=1e-12, atol=0)
    assert max(above["mean_scatters"]) == 0.0
    # from above: the fraction of the halo moving down, from the wind's vertical component
    job, _ = T.compile_job(cfg)
    u_up = np.linalg.norm(job.u_earth, axis=1) * np.sin(np.radians(wind_altitude_deg(job)))
    expected = np.array([_down_fraction(u, cfg.halo.v0, cfg.halo.v_esc) for u in u_up])
    value, error = np.asarray(above["density_ratio"]), np.asarray(above["density_ratio_err"])
    assert np.all(error > 0) and np.all(error < 0.005)
    assert np.all(np.abs(value - expected) < 4 * error), (value, expected, error)
    assert expected.max() - expected.min() > 0.2  # the wind's direction matters
    np.testing.assert_allclose(s["planar"]["from_below"]["density_ratio"], 1.0 - value, rtol=1e-9)
    # the sum's speed density is the lab-frame SHM's at each bin's |u_E|
    halo = StandardHaloModel(v0=cfg.halo.v0, v_esc=cfg.halo.v_esc)
    edges = np.asarray(s["speed_edges_km_s"])
    tally = Tally.load(out / "speed_density.json")
    got, err = tally.values(), tally.errors(mode="history")
    chi2, dof = 0.0, 0
    for k, u in enumerate(np.linalg.norm(job.u_earth, axis=1)):
        ref = T.free_speed_density(halo, float(u), edges)
        sel = (ref > 1e-6) & (err[k] > 0)
        chi2 += float(np.sum(((got[k][sel] - ref[sel]) / err[k][sel]) ** 2))
        dof += int(sel.sum())
    assert stats.chi2.sf(chi2, dof) > 1e-3, (chi2, dof)


@pytest.mark.validation
def test_heavy_dark_matter_agrees_with_the_continuous_method(tmp_path):
    """1e5 GeV, sigma_p = 3e-31 cm^2, v_cut = 30 km/s, crust_1400m + atmosphere at Gran Sasso,
    two 12-hour bins centred on the lowest (2 deg) and highest (82 deg) DM-wind origin;
    discrete: 2 x 3000 draws, continuous: 40 000 histories.

    Measured (seed 17, 11 s): density 1.083 +- 0.036 / 1.692 +- 0.023 vs 1.128 +- 0.010 /
    1.673 +- 0.006 (-4.0 %, +1.1 %; z = -1.2, 0.8), flux 0.361 +- 0.010 / 0.903 +- 0.009 vs
    0.373 / 0.899 (-3.3 %, +0.4 %), mean speed 107.7 +- 4.6 / 172.3 +- 2.9 vs 107.2 / 174.1 km/s;
    4100 / 2200 scatterings per primary (the wind from the horizon / from 80 deg).
    """
    transport = {"sigma_p": "3e-31 cm2", "v_cut": "30 km/s"}
    disc = _summary(run(config_from_dict(_doc(tmp_path, "d", transport=transport,
                                              run={"samples": 3000}))))
    cont = _summary(run(config_from_dict(_doc(tmp_path, "c", method="continuous",
                                              transport=transport, run={"samples": 40_000}))))
    for key in ("density_ratio", "flux_ratio"):
        x, ex = np.asarray(disc["bins"][key]), np.asarray(disc["bins"][key + "_err"])
        y, ey = np.asarray(cont["bins"][key]), np.asarray(cont["bins"][key + "_err"])
        close = (np.abs(x / y - 1) < 0.05) | (np.abs(x - y) < 3 * np.hypot(ex, ey))
        assert np.all(close), (key, x, ex, y, ey)
        assert np.all(ex < 0.04 * x)
    above = disc["planar"]["from_above"]
    assert min(np.asarray(above["scatter_events"]) / np.asarray(above["primaries"])) > 100
    # the slowing is real: the flux falls far below the free one in both bins
    assert max(disc["bins"]["flux_ratio"]) < 0.95 and min(disc["bins"]["flux_ratio"]) < 0.6


@pytest.mark.validation
def test_tuned_importance_map_is_unbiased(tmp_path):
    """1 GeV, sigma_p = 6e-31 cm^2, v_cut = 100 km/s (~1-5 % arrives): ``importance = "auto"``
    (splitting by up to 32 towards the detector) vs analogue (``"none"``), 2 bins; auto
    2 x 30 000 draws, analogue 2 x 80 000.

    Measured (seed 17): density 0.01008 +- 0.00074 / 0.0534 +- 0.0022 (auto) vs
    0.0105 +- 0.0015 / 0.0543 +- 0.0040 (analogue), flux 0.00425 +- 0.00032 / 0.0234 +- 0.0010
    vs 0.00435 +- 0.00059 / 0.0235 +- 0.0017.
    """
    transport = {"sigma_p": "6e-31 cm2", "v_cut": "100 km/s"}
    auto = _summary(run(config_from_dict(_doc(
        tmp_path, "auto", transport={**transport, "importance": "auto"},
        run={"samples": 30_000}, dark_matter={"mass": "1 GeV"}))))
    plain = _summary(run(config_from_dict(_doc(
        tmp_path, "none", transport={**transport, "importance": "none"},
        run={"samples": 80_000}, dark_matter={"mass": "1 GeV"}))))
    assert auto["importance_map"] is not None and plain["importance_map"] is None
    assert max(auto["importance_map"]["values"]) >= 8
    for key in ("density_ratio", "flux_ratio"):
        x, ex = np.asarray(auto["bins"][key]), np.asarray(auto["bins"][key + "_err"])
        y, ey = np.asarray(plain["bins"][key]), np.asarray(plain["bins"][key + "_err"])
        assert np.all(np.abs(x - y) < 4 * np.hypot(ex, ey)), (key, x, ex, y, ey)
        assert np.all(ex < 0.1 * x) and np.all(ex < ey)  # splitting pays at 3/8 of the draws

"""The blind-spot band (mcdm.transport.blind_spot) against independent numbers: the closed-form free
rate when the overburden is transparent, the exact m_chi >> m_N scaling, and the band's edges."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from mcdm.physics.recoil import EtaTable, rate_above_threshold
from mcdm.source import StandardHaloModel
from mcdm.transport.blind_spot import BlindSpotProblem, excluded_band

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from transport_blind_spot import _config  # noqa: E402


@pytest.fixture(scope="module")
def xenon_1e5():
    return BlindSpotProblem.from_config(_config("xenon_lngs", 1e5, 4, 1.0), histories=20_000)


@pytest.mark.validation
def test_transparent_limit_is_the_closed_form_free_rate(xenon_1e5):
    """sigma_p = 1e-40 cm^2 stops nothing: N = exposure x integral of dR/dE with the truncated SHM's
    closed-form eta (averaged over the 4 time bins' Earth speeds)."""
    p = xenon_1e5
    sigma = 1e-40
    from mcdm.scenarios.common import resolve_site_frames

    world = resolve_site_frames(_config("xenon_lngs", 1e5, 4, 1.0))
    halo = StandardHaloModel(v0=world.halo.v0, v_esc=world.halo.v_esc)
    grid = np.asarray(p.v_grid)
    eta = np.mean([halo.eta(grid, float(np.linalg.norm(u))) for u in world.u_earth], axis=0)
    exact = rate_above_threshold(p.threshold_kev, EtaTable(grid, eta, np.zeros_like(grid)), p.target, p.m_chi,
                                 sigma, p.rho, p.form_factor) * p.exposure_kg_day
    mc = p.expected_events(sigma)
    assert mc == pytest.approx(exact, rel=0.02)  # ~0.5 % MC error at 8e4 trajectories


@pytest.mark.validation
def test_heavy_dm_depends_on_sigma_over_mass_only(xenon_1e5):
    """For m_chi >> m_N stopping ~ sigma_p/m_chi, the rate ~ sigma_p/m_chi, v_min and the form factor do not
    depend on m_chi: N(10 sigma, 10 m) = N(sigma, m) up to O(m_N/m_chi) (same velocity sample)."""
    heavy = BlindSpotProblem.from_config(_config("xenon_lngs", 1e6, 4, 1.0), histories=20_000)
    for sigma in (1e-35, 1e-31, 1e-30):
        a, b = xenon_1e5.expected_events(sigma), heavy.expected_events(10 * sigma)
        assert a > 0 and b == pytest.approx(a, rel=5e-3), sigma


@pytest.mark.validation
def test_band_edges(xenon_1e5):
    band = excluded_band(xenon_1e5, sigma_range=(1e-52, 1e-26), points_per_decade=1, rel_tol=0.005)
    assert band.sigma_low < band.sigma_crit
    # lower edge: N is linear in sigma where nothing is stopped
    slope = xenon_1e5.expected_events(1e-40) / 1e-40
    assert band.sigma_low == pytest.approx(band.n_limit / slope, rel=0.01)
    # upper edge: excluded just below, blind just above
    assert xenon_1e5.expected_events(band.sigma_crit / 1.02) > band.n_limit
    assert xenon_1e5.expected_events(band.sigma_crit * 1.02) < band.n_limit
    assert 1e-31 < band.sigma_crit < 1e-28  # Gran Sasso, 1e5 GeV: the rock stops it near 1e-30..1e-29 cm^2
    assert math.isnan(excluded_band(xenon_1e5, sigma_range=(1e-60, 1e-58)).sigma_crit)

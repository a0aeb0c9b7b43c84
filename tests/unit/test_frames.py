"""Tests of mcdm.source.frames and mcdm.source.timegrid.

References: digest 004 §10 targets 17 (Galactic centre, LSR apex) and 18 (horizon times, with
caveat §8.5), astropy's AltAz transformation (independent, includes aberration), the analytic
rise/set hour angle cos H0 = -tan φ tan δ, and the IAU 1982 GMST polynomial.
"""
from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import AltAz, EarthLocation, Galactic, SkyCoord
from astropy.time import Time, TimeDelta

from mcdm.constants import SIDEREAL_DAY_S
from mcdm.errors import ConfigError
from mcdm.source.frames import (
    altaz_of_galactic_vectors,
    enu_to_altaz,
    galactic_to_enu_matrices,
    galactic_to_icrs_matrix,
    icrs_to_enu_matrices,
    icrs_to_itrs_matrices,
    itrs_to_enu_matrix,
    radec_to_unit,
    unit_to_radec,
)
from mcdm.source.timegrid import TimeGrid

GS = (42.6, 13.57)  # Gran Sasso latitude (digest 004 §2.9), longitude arbitrary (phase free)
SUPL = (-37.1, 142.77)  # Stawell (digest 004 §2.9)
T_YEAR = Time("2000-01-01T00:00:00", scale="utc") + TimeDelta(
    np.linspace(0.0, 365.0, 9), format="jd"
)


def _assert_rotation(m: np.ndarray) -> None:
    m = np.asarray(m).reshape(-1, 3, 3)
    eye = np.broadcast_to(np.eye(3), m.shape)
    np.testing.assert_allclose(m @ np.swapaxes(m, -1, -2), eye, atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(m), 1.0, atol=1e-12)


@pytest.mark.validation
def test_galactic_centre_radec():
    """Digest 004 §10 target 17: Galactic centre (1,0,0) at RA 266.40°, Dec -28.94° (±0.01°)."""
    ra, dec = unit_to_radec(galactic_to_icrs_matrix() @ np.array([1.0, 0.0, 0.0]))
    assert ra == pytest.approx(266.40, abs=0.01)
    assert dec == pytest.approx(-28.94, abs=0.01)


@pytest.mark.validation
def test_lsr_apex_radec():
    """Digest 004 §10 target 17: LSR apex (0,1,0) at RA 318.0° (±0.05), Dec +48.33° (±0.01)."""
    ra, dec = unit_to_radec(galactic_to_icrs_matrix() @ np.array([0.0, 1.0, 0.0]))
    assert ra == pytest.approx(318.0, abs=0.05)
    assert dec == pytest.approx(48.33, abs=0.01)


def test_north_galactic_pole_matches_mccabe_b3_constants():
    """NGP (0,0,1) at α_GP = 192.85948°, δ_GP = 27.12825° (McCabe 2014 B3, digest 004 §2.7), < 2".

    Also checks the third B3 angle: the north celestial pole has galactic longitude l_CP = 122.932°.
    """
    m = galactic_to_icrs_matrix()
    ngp = m @ np.array([0.0, 0.0, 1.0])
    sep = math.degrees(math.acos(np.clip(ngp @ radec_to_unit(192.85948, 27.12825), -1, 1)))
    assert sep * 3600 < 2.0
    ncp_gal = m.T @ np.array([0.0, 0.0, 1.0])
    l_cp = math.degrees(math.atan2(ncp_gal[1], ncp_gal[0])) % 360
    assert l_cp == pytest.approx(122.932, abs=1e-3)


def test_rotations_are_orthonormal():
    """Every matrix is a proper rotation: M Mᵀ = 1 and det M = +1 to 1e-12."""
    _assert_rotation(galactic_to_icrs_matrix())
    _assert_rotation(icrs_to_itrs_matrices(T_YEAR))
    _assert_rotation(itrs_to_enu_matrix(*GS))
    _assert_rotation(itrs_to_enu_matrix(90.0, 0.0))
    _assert_rotation(galactic_to_enu_matrices(T_YEAR, *SUPL))


def test_matrix_shapes():
    """(T, 3, 3) for T times; T = 1 for a scalar time; returned matrices are fresh copies."""
    assert icrs_to_itrs_matrices(T_YEAR).shape == (9, 3, 3)
    assert galactic_to_enu_matrices(Time("2000-01-01"), *GS).shape == (1, 3, 3)
    m = galactic_to_icrs_matrix()
    m[0, 0] = 99.0
    assert galactic_to_icrs_matrix()[0, 0] != 99.0


@pytest.mark.validation
@pytest.mark.parametrize("site", [GS, SUPL])
def test_altaz_agrees_with_astropy(site):
    """Star directions vs astropy AltAz (which adds ~20" aberration): < 1 arcmin at 9 epochs."""
    lat, lon = site
    ra = np.array([10.0, 101.3, 213.9, 310.4])
    dec = np.array([20.0, -16.7, 19.2, 45.3])
    m = icrs_to_enu_matrices(T_YEAR, lat, lon)
    alt, az = enu_to_altaz(np.einsum("tij,nj->tni", m, radec_to_unit(ra, dec)))
    loc = EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, 0.0 * u.m)
    ref = SkyCoord(ra=ra * u.deg, dec=dec * u.deg)[None, :].transform_to(
        AltAz(obstime=T_YEAR[:, None], location=loc)
    )
    ours = SkyCoord(az=az * u.rad, alt=alt * u.rad, frame="altaz")
    theirs = SkyCoord(az=ref.az, alt=ref.alt, frame="altaz")
    assert ours.separation(theirs).arcmin.max() < 1.0


def test_altaz_of_galactic_vectors_matches_astropy_and_shapes():
    """Galactic centre seen from Gran Sasso vs astropy Galactic -> AltAz (< 1'); output shapes."""
    lat, lon = GS
    alt, az = altaz_of_galactic_vectors([1.0, 0.0, 0.0], T_YEAR, lat, lon)
    assert alt.shape == (9,)
    loc = EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, 0.0 * u.m)
    gc = SkyCoord(Galactic(l=0 * u.deg, b=0 * u.deg))
    ref = gc.transform_to(AltAz(obstime=T_YEAR, location=loc))
    sep = SkyCoord(az=az * u.rad, alt=alt * u.rad, frame="altaz").separation(
        SkyCoord(az=ref.az, alt=ref.alt, frame="altaz"))
    assert sep.arcmin.max() < 1.0
    alt2, _ = altaz_of_galactic_vectors(np.eye(3), T_YEAR, lat, lon)
    assert alt2.shape == (9, 3)
    np.testing.assert_allclose(alt2[:, 0], alt, atol=1e-14)


def test_enu_to_altaz_cardinal_directions():
    """North -> az 0, East -> az 90°, zenith -> alt 90°, nadir -> alt -90°."""
    alt, az = enu_to_altaz(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 0, -2]], float))
    np.testing.assert_allclose(alt, [0, 0, math.pi / 2, -math.pi / 2], atol=1e-15)
    np.testing.assert_allclose(az[:2], [0, math.pi / 2], atol=1e-15)


def _hours_below_horizon(lat: float, lon: float, dec: float) -> float:
    """Hours per sidereal day with altitude < 0, from our ICRS->ENU matrices on a 30 s grid."""
    n = int(SIDEREAL_DAY_S // 30)
    times = Time("2000-01-01T00:00:00", scale="utc") + TimeDelta(np.arange(n) * 30.0, format="sec")
    m = icrs_to_enu_matrices(times, lat, lon)
    alt, _ = enu_to_altaz(m @ radec_to_unit(123.0, dec))
    return float(np.mean(alt < 0.0)) * SIDEREAL_DAY_S / 3600.0


def _analytic_hours_below(lat: float, dec: float) -> float:
    """cos H0 = -tan φ tan δ; below the horizon for (1 - H0/π) of a sidereal day."""
    h0 = math.acos(np.clip(-math.tan(math.radians(lat)) * math.tan(math.radians(dec)), -1, 1))
    return (1.0 - h0 / math.pi) * SIDEREAL_DAY_S / 3600.0


@pytest.mark.validation
@pytest.mark.parametrize("site, paper_hours", [(GS, 2.5), (SUPL, 18.5)])
def test_horizon_times_of_dec45_source(site, paper_hours):
    """Digest 004 §10 target 18 (caveat §8.5): a Dec = +45° source is below the horizon
    ≈ 2.5 h per sidereal day at 42.6°N and ≈ 18.5 h at 37.1°S (±1 h); our matrices agree with
    the analytic cos H0 = -tan φ tan δ to 0.02 h."""
    lat, lon = site
    hours = _hours_below_horizon(lat, lon, 45.0)
    assert hours == pytest.approx(_analytic_hours_below(lat, 45.0), abs=0.02)
    assert hours == pytest.approx(paper_hours, abs=1.0)


def test_earth_rotation_repeats_after_sidereal_day():
    """One sidereal day later ICRS->ITRS returns to itself within 2" (precession ~0.14")."""
    t0 = Time("2010-05-05T05:05:05", scale="utc")
    m = icrs_to_itrs_matrices(Time([t0, t0 + TimeDelta(SIDEREAL_DAY_S, format="sec")]))
    angle = math.acos(np.clip((np.trace(m[1] @ m[0].T) - 1) / 2, -1, 1))
    assert math.degrees(angle) * 3600 < 2.0


@pytest.mark.parametrize("lat", [-91.0, 100.0, float("nan")])
def test_bad_latitude_raises(lat):
    """Latitudes outside [-90, 90] deg raise ConfigError naming lat_deg."""
    with pytest.raises(ConfigError, match="lat_deg"):
        itrs_to_enu_matrix(lat, 0.0)


# ---------------------------------------------------------------------------- TimeGrid
def test_timegrid_default_is_hourly_solar_day():
    """Default: 24 bins of 3600 s from 2000-01-01T00:00 UTC; edges and centres line up."""
    g = TimeGrid.from_config()
    assert (g.n_bins, g.bin_width, g.kind, len(g)) == (24, 3600.0, "solar", 24)
    assert g.edges[-1].isot == "2000-01-02T00:00:00.000"
    assert g.centres[0].isot == "2000-01-01T00:30:00.000"
    np.testing.assert_allclose(np.diff(g.centres_mjd), 1.0 / 24.0, atol=1e-9)
    np.testing.assert_allclose(g.edges_mjd[[0, -1]], [51544.0, 51545.0], atol=1e-12)


def test_timegrid_sidereal_bins():
    """Sidereal grid: bin width 86164.0905 s / 24; one sidereal day ends at 23:56:04.091."""
    g = TimeGrid.from_config(kind="sidereal")
    assert g.bin_width == pytest.approx(SIDEREAL_DAY_S / 24, rel=1e-15)
    assert g.duration == pytest.approx(SIDEREAL_DAY_S, rel=1e-15)
    assert g.edges[-1].isot == "2000-01-01T23:56:04.091"


def test_timegrid_stop_sets_number_of_bins():
    """A year of hourly bins in leap year 2000 has 366 × 24 bins; partial bins round up."""
    assert TimeGrid.from_config(stop="2001-01-01T00:00:00").n_bins == 8784
    assert TimeGrid.from_config(stop="2000-01-01T02:30:00").n_bins == 3
    assert TimeGrid.from_config(stop="2000-01-02T00:00:00", kind="sidereal").n_bins == 25


def test_local_sidereal_time_matches_gmst_polynomial():
    """Mean LST = GMST (IAU 1982: 18.697374558 h + 24.06570982441908 h × D_UT1) + λ, to 1e-4 rad."""
    lon = 13.57
    g = TimeGrid.from_config(bins=6)
    lst = g.local_sidereal_time(lon, kind="mean")
    d_ut1 = g.centres.ut1.jd - 2451545.0
    gmst_h = 18.697374558 + 24.06570982441908 * d_ut1
    ref = np.mod(np.radians(gmst_h * 15.0 + lon), 2 * np.pi)
    diff = np.angle(np.exp(1j * (lst - ref)))
    assert np.max(np.abs(diff)) < 1e-4
    assert np.all((lst >= 0) & (lst < 2 * np.pi))


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"kind": "lunar"}, "time.kind"),
        ({"bins": 0}, "time.bins"),
        ({"bins": 2.5}, "time.bins"),
        ({"start": "yesterday-ish"}, "time.start"),
        ({"stop": "1999-12-31T00:00:00"}, "time.stop"),
    ],
)
def test_timegrid_bad_config_raises(kwargs, field):
    """Bad grid settings raise ConfigError naming the field."""
    with pytest.raises(ConfigError, match=field):
        TimeGrid.from_config(**kwargs)

"""Tests of mcdm.source.earth_velocity against digest 004 §2.7 / §10 target 17 (derived numbers of
the seed-004 authors' velocity model) and against astropy's ERFA ephemeris."""
from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.time import Time, TimeDelta

from mcdm.errors import ConfigError
from mcdm.source.earth_velocity import EARTH_VELOCITY_MODELS, days_since_j2000, earth_velocity
from mcdm.source.frames import galactic_to_icrs_matrix, unit_to_radec


def _calendar_n(year: int, month: int, day: int, hour: float) -> float:
    """Digest 004 §2.7 calendar formula for days since J2000.0 (authors' code)."""
    yy, mm = (year - 1, month + 12) if month <= 2 else (year, month)
    return math.floor(365.25 * yy) + math.floor(30.61 * (mm + 1)) + day + hour / 24 - 730563.5


@pytest.mark.parametrize(
    "iso, ymdh",
    [
        ("2000-01-01T00:00:00", (2000, 1, 1, 0.0)),
        ("2000-01-01T12:00:00", (2000, 1, 1, 12.0)),
        ("2000-03-01T06:00:00", (2000, 3, 1, 6.0)),
        ("2000-06-01T00:00:00", (2000, 6, 1, 0.0)),
        ("2013-12-31T18:00:00", (2013, 12, 31, 18.0)),
        ("2024-02-29T23:00:00", (2024, 2, 29, 23.0)),
    ],
)
def test_days_since_j2000_matches_calendar_formula(iso, ymdh):
    """n from the Julian date equals the digest's calendar formula (to 1e-9 d)."""
    n = days_since_j2000(Time(iso, scale="utc"))[0]
    assert n == pytest.approx(_calendar_n(*ymdh), abs=1e-9)


@pytest.mark.validation
def test_mccabe_on_2000_01_01():
    """Digest 004 §2.7 [derived]: u_E(2000-01-01 00:00) = (17.92, 218.04, 33.19) km/s and
    |u_E| = 221.3 km/s (§10 target 17, ±0.2)."""
    u = earth_velocity(Time("2000-01-01T00:00:00", scale="utc"))
    assert u.shape == (1, 3)
    np.testing.assert_allclose(u[0], [17.92, 218.04, 33.19], atol=0.01)
    assert np.linalg.norm(u[0]) == pytest.approx(221.3, abs=0.2)


@pytest.mark.validation
def test_mccabe_on_2000_06_01():
    """Digest 004 §10 target 17: |u_E|(2000-06-01) = 248.3 km/s (±0.2)."""
    u = earth_velocity(Time("2000-06-01T00:00:00", scale="utc"))
    assert np.linalg.norm(u[0]) == pytest.approx(248.3, abs=0.2)


@pytest.mark.validation
def test_direction_on_2000_01_01():
    """Digest 004 §2.7 [derived]: u_E on 2000-01-01 points at RA 303.2°, Dec +49.9° (±0.1°)."""
    u = earth_velocity(Time("2000-01-01T00:00:00", scale="utc"))[0]
    ra, dec = unit_to_radec(galactic_to_icrs_matrix() @ u)
    assert ra == pytest.approx(303.2, abs=0.1)
    assert dec == pytest.approx(49.9, abs=0.1)


def test_annual_maximum_near_june_1():
    """|u_E| peaks near June 1 (±5 d), the standard annual-modulation phase (digest 004 §2.7)."""
    times = Time("2000-01-01T00:00:00", scale="utc") + TimeDelta(np.arange(366.0), format="jd")
    speed = np.linalg.norm(earth_velocity(times), axis=1)
    peak = times[int(np.argmax(speed))]
    june1 = Time("2000-06-01T00:00:00", scale="utc")
    assert abs((peak - june1).to_value("day")) <= 5.0


@pytest.mark.validation
def test_astropy_model_agrees_with_mccabe():
    """ERFA epv00 barycentric velocity (rotated to galactic) vs McCabe: < 1 km/s, daily, a year."""
    times = Time("2000-01-01T00:00:00", scale="utc") + TimeDelta(np.arange(366.0), format="jd")
    a = earth_velocity(times, model="mccabe")
    b = earth_velocity(times, model="astropy")
    assert a.shape == b.shape == (366, 3)
    assert np.max(np.linalg.norm(a - b, axis=1)) < 1.0


def test_orbital_speed_within_eccentric_range():
    """|u_orb| stays within 29.79 (1 ± e) km/s, e = 0.0167 (McCabe 2014)."""
    days = TimeDelta(np.arange(0.0, 366.0, 5.0), format="jd")
    times = Time("2000-01-01T00:00:00", scale="utc") + days
    orbit = earth_velocity(times, v_lsr=(0, 0, 0), v_pec=(0, 0, 0))
    s = np.linalg.norm(orbit, axis=1)
    e = math.radians(0.9574)
    assert np.all(s > 29.79 * (1 - e) - 0.05) and np.all(s < 29.79 * (1 + e) + 0.05)


def test_custom_lsr_and_peculiar_velocity_add_linearly():
    """Changing v_lsr and v_pec shifts u_E by exactly their difference."""
    t = Time(["2001-03-01", "2001-09-01"], scale="utc")
    a = earth_velocity(t)
    b = earth_velocity(t, v_lsr=(0.0, 238.0, 0.0), v_pec=(11.1, 12.24, 7.25))
    np.testing.assert_allclose(b - a, [[0.0, 18.04, -0.05]] * 2, atol=1e-12)


def test_accepts_strings_and_flattens_arrays():
    """Time-like input is parsed as UTC; a 2-D Time array gives (T, 3)."""
    t = Time([["2000-01-01", "2000-02-01"], ["2000-03-01", "2000-04-01"]], scale="utc")
    assert earth_velocity(t).shape == (4, 3)
    np.testing.assert_array_equal(earth_velocity("2000-01-01"), earth_velocity(Time("2000-01-01")))


def test_unknown_model_raises_with_choices():
    """An unknown model name raises ConfigError listing the choices."""
    with pytest.raises(ConfigError, match="mccabe") as info:
        earth_velocity(Time("2000-01-01"), model="sgd")
    assert all(m in str(info.value) for m in EARTH_VELOCITY_MODELS)


@pytest.mark.parametrize("bad", [(0.0, 220.0), (0.0, float("nan"), 0.0), "fast"])
def test_bad_velocity_vectors_raise(bad):
    """v_lsr must be three finite numbers."""
    with pytest.raises(ConfigError, match="v_lsr"):
        earth_velocity(Time("2000-01-01"), v_lsr=bad)


def test_bad_times_raise():
    """An unreadable time raises ConfigError."""
    with pytest.raises(ConfigError, match="times"):
        earth_velocity("not a date")

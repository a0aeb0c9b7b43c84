"""Rotation matrices between the galactic, ICRS, terrestrial (ITRS) and local East-North-Up frames.

All matrices act on column vectors of Cartesian components, ``v_to = M @ v_from``, and are
precomputed once per time bin in Python (no astropy call per sample); kernels receive them as
(T, 3, 3) float64 arrays.

* galactic -> ICRS: astropy's Galactic frame (IAU 1958 definition via FK4/FK5, as astropy
  implements it), taken by transforming the basis vectors; the Galactic centre maps to
  RA 266.405 deg, Dec -28.936 deg.
* ICRS -> ITRS: the IAU 2006/2000A celestial-to-terrestrial matrix ``erfa.c2t06a`` with TT, UT1
  and polar motion from astropy's bundled IERS tables (offline, :mod:`mcdm.source.iers`). ICRS,
  BCRS and GCRS axes coincide, so this is the rotation for velocity vectors.
* ITRS -> ENU: the local East-North-Up basis at geodetic latitude/longitude ``lat_deg, lon_deg``
  (Up = ellipsoid normal; for a spherical Earth model geodetic = geocentric latitude).

By design these are pure rotations: annual aberration (<= 20.5"), light deflection and refraction
are not applied, since the vectors rotated here are velocities, not photon directions. Compared
with astropy's AltAz of a star (which includes aberration) the directions agree to < 1 arcmin.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from mcdm.source.iers import configure_offline

__all__ = [
    "galactic_to_icrs_matrix",
    "icrs_to_itrs_matrices",
    "itrs_to_enu_matrix",
    "galactic_to_enu_matrices",
    "icrs_to_enu_matrices",
    "enu_to_altaz",
    "altaz_of_galactic_vectors",
    "radec_to_unit",
    "unit_to_radec",
]

configure_offline()


def _orthonormalise(m: np.ndarray) -> np.ndarray:
    """Nearest rotation matrix (polar decomposition by SVD) of each (..., 3, 3) matrix."""
    uu, _, vt = np.linalg.svd(m)
    return uu @ vt


@functools.lru_cache(maxsize=1)
def _galactic_to_icrs() -> np.ndarray:
    from astropy.coordinates import Galactic, ICRS, CartesianRepresentation

    basis = CartesianRepresentation(np.eye(3), unit="")  # columns x, y, z of the galactic basis
    icrs = Galactic(basis).transform_to(ICRS())
    cart = icrs.cartesian.xyz.value  # shape (3, 3): row = component, column = basis vector
    m = _orthonormalise(np.asarray(cart, dtype=float))
    m.setflags(write=False)
    return m


def galactic_to_icrs_matrix() -> np.ndarray:
    """Rotation taking galactic Cartesian components (U to GC, V rotation, W to NGP) to ICRS.

    Returns
    -------
    ndarray, shape (3, 3)
        Orthonormal matrix, det +1 [dimensionless]; ``v_icrs = M @ v_gal``.
    """
    return _galactic_to_icrs().copy()


def as_time(times: Any):
    """``times`` as an astropy Time (strings and numbers read as UTC); ConfigError if unreadable."""
    from astropy.time import Time

    from mcdm.errors import ConfigError

    if not isinstance(times, Time):
        try:
            times = Time(times, scale="utc")
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"times: cannot read {times!r} as an astropy Time ({exc})") from None
    return times


def icrs_to_itrs_matrices(times: Any) -> np.ndarray:
    """Celestial-to-terrestrial rotation (IAU 2006/2000A, CIO based) at each time.

    Parameters
    ----------
    times : astropy.time.Time or anything Time accepts (UTC)
        Scalar or array of epochs.

    Returns
    -------
    ndarray, shape (T, 3, 3)
        ``v_itrs = M[t] @ v_icrs`` [dimensionless]; T = 1 for a scalar time.
    """
    import erfa
    from astropy.utils import iers

    t = as_time(times)
    t = t.reshape((1,)) if t.isscalar else t.ravel()
    tt = t.tt
    ut1 = t.ut1
    xp, yp = iers.earth_orientation_table.get().pm_xy(t.utc.jd1, t.utc.jd2)
    arcsec = np.pi / (180.0 * 3600.0)
    m = erfa.c2t06a(
        tt.jd1, tt.jd2, ut1.jd1, ut1.jd2,
        np.asarray(xp.to_value("arcsec")) * arcsec, np.asarray(yp.to_value("arcsec")) * arcsec,
    )
    return _orthonormalise(np.asarray(m, dtype=float).reshape(-1, 3, 3))


def itrs_to_enu_matrix(lat_deg: float, lon_deg: float) -> np.ndarray:
    """Rotation from Earth-fixed (ITRS) components to local East, North, Up.

    Parameters
    ----------
    lat_deg : float
        Geodetic latitude, north positive [deg].
    lon_deg : float
        Longitude, east positive [deg].

    Returns
    -------
    ndarray, shape (3, 3)
        Rows are the E, N, U unit vectors in ITRS [dimensionless]; ``v_enu = M @ v_itrs``.
    """
    from mcdm.errors import ConfigError

    lat, lon = float(lat_deg), float(lon_deg)
    if not (np.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ConfigError(f"lat_deg: latitude must be in [-90, 90] deg, got {lat_deg!r}")
    if not np.isfinite(lon):
        raise ConfigError(f"lon_deg: longitude must be a finite number of degrees, got {lon_deg!r}")
    phi, lam = np.radians(lat), np.radians(lon)
    sp, cp, sl, cl = np.sin(phi), np.cos(phi), np.sin(lam), np.cos(lam)
    return np.array(
        [
            [-sl, cl, 0.0],  # East
            [-sp * cl, -sp * sl, cp],  # North
            [cp * cl, cp * sl, sp],  # Up
        ]
    )


def icrs_to_enu_matrices(times: Any, lat_deg: float, lon_deg: float) -> np.ndarray:
    """ICRS -> local ENU rotation at each time, shape (T, 3, 3) [dimensionless]."""
    return itrs_to_enu_matrix(lat_deg, lon_deg) @ icrs_to_itrs_matrices(times)


def galactic_to_enu_matrices(times: Any, lat_deg: float, lon_deg: float) -> np.ndarray:
    """Galactic -> local ENU rotation at each time.

    Parameters
    ----------
    times : astropy.time.Time
        Scalar or array (UTC).
    lat_deg, lon_deg : float
        Geodetic site latitude and east longitude [deg].

    Returns
    -------
    ndarray, shape (T, 3, 3)
        ``v_enu = M[t] @ v_gal`` [dimensionless].
    """
    return icrs_to_enu_matrices(times, lat_deg, lon_deg) @ _galactic_to_icrs()


def enu_to_altaz(v_enu: Any) -> tuple[np.ndarray, np.ndarray]:
    """Altitude and azimuth of ENU vectors (azimuth from North through East).

    Parameters
    ----------
    v_enu : array_like, shape (..., 3)
        Vectors in East, North, Up components [any unit].

    Returns
    -------
    alt, az : ndarray, shape (...)
        Altitude in [-π/2, π/2] and azimuth in [0, 2π) [rad].
    """
    v = np.asarray(v_enu, dtype=float)
    e, n, up = v[..., 0], v[..., 1], v[..., 2]
    alt = np.arctan2(up, np.hypot(e, n))
    az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
    return alt, az


def altaz_of_galactic_vectors(
    v_gal: Any, times: Any, lat_deg: float, lon_deg: float
) -> tuple[np.ndarray, np.ndarray]:
    """Local altitude/azimuth of the directions of galactic-frame vectors at each time.

    Parameters
    ----------
    v_gal : array_like, shape (3,) or (N, 3)
        Galactic Cartesian vectors [any unit].
    times : astropy.time.Time
        T epochs (UTC).
    lat_deg, lon_deg : float
        Geodetic site latitude and east longitude [deg].

    Returns
    -------
    alt, az : ndarray, shape (T,) or (T, N)
        [rad]; azimuth from North through East.
    """
    m = galactic_to_enu_matrices(times, lat_deg, lon_deg)
    v = np.asarray(v_gal, dtype=float)
    enu = np.einsum("tij,...j->t...i", m, v)
    return enu_to_altaz(enu)


def radec_to_unit(ra_deg: Any, dec_deg: Any) -> np.ndarray:
    """Unit vectors (..., 3) from right ascension and declination [deg]."""
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def unit_to_radec(v: Any) -> tuple[np.ndarray, np.ndarray]:
    """Right ascension in [0, 360) and declination [deg] of vectors (..., 3) in ICRS axes."""
    v = np.asarray(v, dtype=float)
    ra = np.degrees(np.mod(np.arctan2(v[..., 1], v[..., 0]), 2.0 * np.pi))
    dec = np.degrees(np.arctan2(v[..., 2], np.hypot(v[..., 0], v[..., 1])))
    return ra, dec

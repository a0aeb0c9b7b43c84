"""Photon event sampling from a sky map x spectrum, and the gamma-ray event-list layout.

A separable intensity I(k, l, b) = W(l, b) s(k) [ph cm^-2 s^-1 sr^-1 MeV^-1] seen with effective
area A [cm^2] for a time T [s] gives N = A T sum_p Omega_p W_p int s(k) dk photons over the pixels
p of a region (Poisson). Each photon gets a pixel with probability ∝ W_p (Omega_p is the same for
every HEALPix pixel), a direction uniform within that pixel (rejection from the pixel's bounding
cap, exact), an energy from s(k) (inverse CDF, :mod:`mcdm.physics.nugget`), and an arrival time
uniform in [0, T). Optional instrument response: a 2-D Gaussian PSF of width sigma (Rayleigh
offset angle, uniform azimuth) and a Gaussian fractional energy resolution (redrawn until
positive). Directions are Galactic (l, b) [deg]; ICRS RA/Dec come from astropy.

:func:`write_event_list_fits` writes the EVENTS table in the layout of the open gamma-ray data
format (GADF: ``EVENT_ID``, ``TIME`` [s since MJDREF], ``RA``, ``DEC``, ``ENERGY`` [MeV], ``GLON``,
``GLAT``; headers ``HDUCLASS = GADF``, ``HDUCLAS1 = EVENTS``, ``MJDREFI/F``, ``TSTART``, ``TSTOP``,
``TIMESYS``, ``RADESYS``), readable by gammapy's ``EventList.read``.

Public API: :func:`expected_photons`, :func:`sample_pixels`, :func:`uniform_in_pixels`,
:func:`offset_directions`, :func:`apply_psf`, :func:`smear_energies`, :func:`galactic_to_icrs`,
:func:`write_event_list_fits`, :data:`EVENT_UNITS`.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["expected_photons", "sample_pixels", "uniform_in_pixels", "offset_directions", "apply_psf",
           "smear_energies", "galactic_to_icrs", "write_event_list_fits", "EVENT_UNITS"]

#: units of the event-list columns
EVENT_UNITS = {"EVENT_ID": "", "TIME": "s", "RA": "deg", "DEC": "deg", "ENERGY": "MeV", "GLON": "deg",
               "GLAT": "deg"}


def expected_photons(weights: np.ndarray, band_integral: float, area_cm2: float, time_s: float) -> float:
    """N = A T Omega_pix sum_p W_p x int s dk: weights W_p [ph cm^-2 s^-1 sr^-1 per unit s],
    band_integral = int s(k) dk over the band [per unit W]; a full-sky (or masked, zeros outside)
    HEALPix map in RING order."""
    import healpy as hp

    w = np.asarray(weights, dtype=float)
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("map weights must be finite and >= 0")
    if not (area_cm2 >= 0 and time_s >= 0 and band_integral >= 0):
        raise ValueError("effective area, exposure time and band integral must be >= 0")
    omega = hp.nside2pixarea(hp.npix2nside(w.size))
    return float(area_cm2 * time_s * omega * w.sum() * band_integral)


def sample_pixels(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
    """n pixel indices drawn with probability ∝ weights (inverse CDF on the cumulative sum)."""
    w = np.asarray(weights, dtype=float)
    cum = np.cumsum(w)
    if not cum[-1] > 0:
        raise ValueError("the map has no positive weight to sample from")
    pix = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
    return np.minimum(pix, w.size - 1)


def _basis(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vector, east and north tangent vectors at (lon, lat) [rad]; arrays of shape (n, 3)."""
    cl, sl, cb, sb = np.cos(lon), np.sin(lon), np.cos(lat), np.sin(lat)
    r = np.stack([cb * cl, cb * sl, sb], axis=-1)
    e = np.stack([-sl, cl, np.zeros_like(cl)], axis=-1)
    nrt = np.stack([-sb * cl, -sb * sl, cb], axis=-1)
    return r, e, nrt


def offset_directions(lon_deg: np.ndarray, lat_deg: np.ndarray, theta: np.ndarray,
                      phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Directions at angular distance theta [rad] and position angle phi [rad] (from north through
    east) from (lon, lat) [deg]; returns (lon, lat) [deg], lon in [0, 360)."""
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    r, e, nrt = _basis(lon, lat)
    st, ct = np.sin(theta)[:, None], np.cos(theta)[:, None]
    v = ct * r + st * (np.cos(phi)[:, None] * nrt + np.sin(phi)[:, None] * e)
    out_lat = np.degrees(np.arcsin(np.clip(v[:, 2], -1.0, 1.0)))
    out_lon = np.degrees(np.arctan2(v[:, 1], v[:, 0])) % 360.0
    return out_lon, out_lat


def uniform_in_pixels(rng: np.random.Generator, pixels: np.ndarray, nside: int) -> tuple[np.ndarray, np.ndarray]:
    """A direction uniform on the sphere within each RING pixel: points uniform in the pixel's
    bounding cap (radius max_pixrad about the centre), kept when they fall in the pixel, the rest
    redrawn. Returns (l, b) [deg]."""
    import healpy as hp

    pixels = np.asarray(pixels, dtype=np.int64)
    lon = np.empty(pixels.size)
    lat = np.empty(pixels.size)
    c_lon, c_lat = hp.pix2ang(nside, pixels, lonlat=True)
    rmax = hp.max_pixrad(nside)
    todo = np.arange(pixels.size)
    cos_r = math.cos(rmax)
    while todo.size:
        cos_t = 1.0 - rng.random(todo.size) * (1.0 - cos_r)  # uniform in solid angle within the cap
        theta = np.arccos(cos_t)
        phi = rng.random(todo.size) * 2.0 * math.pi
        lo, la = offset_directions(c_lon[todo], c_lat[todo], theta, phi)
        ok = hp.ang2pix(nside, lo, la, lonlat=True) == pixels[todo]
        lon[todo[ok]], lat[todo[ok]] = lo[ok], la[ok]
        todo = todo[~ok]
    return lon, lat


def apply_psf(rng: np.random.Generator, lon_deg: np.ndarray, lat_deg: np.ndarray,
              sigma_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Directions smeared by a 2-D Gaussian PSF of width sigma [deg] (small-angle: offset angle
    Rayleigh-distributed, azimuth uniform); sigma = 0 returns copies."""
    if sigma_deg < 0:
        raise ValueError(f"PSF sigma must be >= 0 deg, got {sigma_deg}")
    lon, lat = np.array(lon_deg, dtype=float), np.array(lat_deg, dtype=float)
    if sigma_deg == 0 or lon.size == 0:
        return lon, lat
    theta = np.radians(sigma_deg) * np.sqrt(-2.0 * np.log1p(-rng.random(lon.size)))
    phi = rng.random(lon.size) * 2.0 * math.pi
    return offset_directions(lon, lat, theta, phi)


def smear_energies(rng: np.random.Generator, energy: np.ndarray, fraction: float) -> np.ndarray:
    """E (1 + fraction N(0,1)), redrawn where not positive; fraction = 0 returns a copy."""
    if fraction < 0:
        raise ValueError(f"energy resolution must be >= 0, got {fraction}")
    e = np.array(energy, dtype=float)
    if fraction == 0 or e.size == 0:
        return e
    out = e * (1.0 + fraction * rng.standard_normal(e.size))
    bad = np.flatnonzero(out <= 0)
    while bad.size:
        out[bad] = e[bad] * (1.0 + fraction * rng.standard_normal(bad.size))
        bad = bad[out[bad] <= 0]
    return out


def galactic_to_icrs(l_deg: np.ndarray, b_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ICRS (RA, Dec) [deg] of Galactic (l, b) [deg] (astropy)."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    c = SkyCoord(l=np.asarray(l_deg) * u.deg, b=np.asarray(b_deg) * u.deg, frame="galactic").icrs
    return np.asarray(c.ra.deg), np.asarray(c.dec.deg)


def write_event_list_fits(path: str | Path, columns: dict[str, np.ndarray], *, mjdref: float, tstart: float,
                          tstop: float, header: dict[str, Any] | None = None) -> Path:
    """Write an EVENTS binary table (GADF layout, module docstring) to ``path``; ``columns`` holds
    EVENT_ID, TIME [s since mjdref], RA, DEC, ENERGY [MeV], GLON, GLAT (extra columns allowed, units
    from :data:`EVENT_UNITS` when known). mjdref is an MJD [d] in UTC."""
    from astropy.io import fits

    from mcdm.io import atomic_path

    missing = [c for c in ("EVENT_ID", "TIME", "RA", "DEC", "ENERGY") if c not in columns]
    if missing:
        raise ValueError(f"event list needs the columns {missing}")
    cols = []
    for name, value in columns.items():
        arr = np.asarray(value)
        fmt = "K" if arr.dtype.kind in "iu" else "D"
        cols.append(fits.Column(name=name, format=fmt, array=arr, unit=EVENT_UNITS.get(name) or None))
    hdu = fits.BinTableHDU.from_columns(cols, name="EVENTS")
    h = hdu.header
    mjdi = math.floor(mjdref)
    h.update({"HDUCLASS": "GADF", "HDUDOC": "https://gamma-astro-data-formats.readthedocs.io",
              "HDUVERS": "0.3", "HDUCLAS1": "EVENTS", "MJDREFI": mjdi, "MJDREFF": mjdref - mjdi,
              "TIMEUNIT": "s", "TIMESYS": "UTC", "TIMEREF": "LOCAL", "TSTART": tstart, "TSTOP": tstop,
              "RADESYS": "ICRS", "EQUINOX": 2000.0})
    for key, value in (header or {}).items():
        h[key[:8].upper()] = value
    path = Path(path)
    with atomic_path(path) as tmp:
        fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(tmp, overwrite=True)
    return path

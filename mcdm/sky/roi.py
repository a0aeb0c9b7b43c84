"""Regions of interest on HEALPix maps (digest 001 §3, §8 C9, §9 V16).

A region is a float **weight map** w_p in [0, 1] (Galactic, RING): the fraction of pixel p inside
the region. With ``subsample = 1`` it is the pixel-centre 0/1 mask; with ``subsample = k > 1``
(a power of 2) pixels near the boundary get the fraction of their k^2 sub-pixels (NEST children
at nside k) whose centres are inside, and the region's solid angle sum_p w_p Omega_pix converges
to the exact area. Pixel-centre masks alone do not meet V16 at every nside (the COMPTEL box is
0.6 % small at nside 512, its |b| = 5 deg edges falling between rings), hence the default k = 8.

Angles [deg], solid angles [sr]. The paper's two regions: the COMPTEL box l in [330, 30] deg
(wrapping through 0), |b| <= 5 deg (Omega = (pi/3) 2 sin 5 deg = 0.182539 sr) and the 511 keV
circle of half angle 6 deg about the Galactic centre (Omega = 2 pi (1 - cos 6 deg) = 0.034420 sr).
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from mcdm.errors import ConfigError

__all__ = ["lon_lat_box", "comptel_box", "disc", "roi_solid_angle", "roi_mean", "morphology_ratio",
           "box_solid_angle", "disc_solid_angle", "SUBSAMPLE"]

#: default sub-pixel factor per side of the boundary pixels (64 sub-pixels each)
SUBSAMPLE = 8
_CHUNK = 1 << 20  # sub-pixel centres tested at a time


def _check_nside(nside: int) -> int:
    """nside as int; a power of 2 in [1, 2^29] (NEST sub-pixels need it), else ConfigError."""
    ok = isinstance(nside, (int, np.integer)) and not isinstance(nside, bool)
    n = int(nside) if ok else 0
    if not (ok and 1 <= n <= 1 << 29 and n & (n - 1) == 0):
        raise ConfigError(f"nside = {nside!r} must be a power of 2 between 1 and 2^29")
    return n


def _check_subsample(subsample: int) -> int:
    k = int(subsample)
    if k < 1 or k & (k - 1):
        raise ConfigError(f"subsample = {subsample!r} must be a power of 2 >= 1")
    return k


def _fractions(nside: int, pix: np.ndarray, inside: Callable, k: int) -> np.ndarray:
    """Fraction of the k^2 NEST sub-pixel centres of RING pixels ``pix`` for which inside(l, b)."""
    import healpy as hp

    frac = np.empty(pix.size)
    nest = hp.ring2nest(nside, pix)
    kk = k * k
    step = max(1, _CHUNK // kk)
    sub = np.arange(kk)
    for a in range(0, pix.size, step):
        children = (nest[a:a + step, None] * kk + sub).ravel()
        lon, lat = hp.pix2ang(nside * k, children, nest=True, lonlat=True)
        frac[a:a + step] = inside(lon, lat).reshape(-1, kk).mean(axis=1)
    return frac


def _lon_inside(lon, lmin: float, width: float):
    return np.mod(np.asarray(lon) - lmin, 360.0) <= width


def lon_lat_box(nside: int, lmin: float, lmax: float, bmin: float, bmax: float, *,
                subsample: int = SUBSAMPLE) -> np.ndarray:
    """Weights of the box l in [lmin, lmax] (going east from lmin, wrapping through 0: lmin = 330,
    lmax = 30 is 60 deg wide), b in [bmin, bmax] [deg]; lmax - lmin >= 360 is the full ring."""
    import healpy as hp

    nside = _check_nside(nside)
    k = _check_subsample(subsample)
    lmin, lmax, bmin, bmax = (float(v) for v in (lmin, lmax, bmin, bmax))
    if not all(np.isfinite([lmin, lmax, bmin, bmax])):
        raise ConfigError("box limits must be finite")
    if not (-90.0 <= bmin < bmax <= 90.0):
        raise ConfigError(f"need -90 <= bmin < bmax <= 90 deg, got bmin = {bmin}, bmax = {bmax}")
    width = 360.0 if lmax - lmin >= 360.0 else (lmax - lmin) % 360.0
    if width == 0.0:
        raise ConfigError(f"empty longitude range lmin = lmin = {lmin}, lmax = {lmax}")
    l0 = lmin % 360.0

    def inside(lon, lat):
        return _lon_inside(lon, l0, width) & (lat >= bmin) & (lat <= bmax)

    npix = hp.nside2npix(nside)
    lon, lat = hp.pix2ang(nside, np.arange(npix), lonlat=True)
    w = inside(lon, lat).astype(np.float64)
    if k == 1:
        return w
    m = 2.0 * math.degrees(hp.max_pixrad(nside))  # no pixel reaches farther than this from its centre
    near_b = ((lat >= bmin - m) & (lat <= bmax + m)
              & ~((lat >= bmin + m) & (lat <= bmax - m)))
    cos_edge = math.cos(math.radians(min(90.0, max(abs(bmin), abs(bmax)) + m)))
    ml = m / cos_edge if cos_edge > 1e-3 else 360.0
    if width >= 360.0:
        near_l = np.zeros(npix, dtype=bool)
    elif width + 2 * ml >= 360.0:
        near_l = np.ones(npix, dtype=bool)
    else:
        dl = np.mod(lon - l0, 360.0)  # in [0, 360)
        near_l = (np.minimum(np.abs(dl), 360.0 - dl) <= ml) | (np.abs(dl - width) <= ml)
    in_b = (lat >= bmin - m) & (lat <= bmax + m)
    cand = np.flatnonzero(in_b & (near_b | near_l))
    w[cand] = _fractions(nside, cand, inside, k)
    return w


def comptel_box(nside: int, *, subsample: int = SUBSAMPLE) -> np.ndarray:
    """COMPTEL inner-Galaxy box l in [330, 30] deg, |b| <= 5 deg (digest 001 §3) -> weights."""
    return lon_lat_box(nside, 330.0, 30.0, -5.0, 5.0, subsample=subsample)


def disc(nside: int, radius_deg: float = 6.0, centre: tuple[float, float] = (0.0, 0.0), *,
         subsample: int = SUBSAMPLE) -> np.ndarray:
    """Weights of the disc of angular radius ``radius_deg`` about Galactic (l, b) ``centre`` [deg]."""
    import healpy as hp

    nside = _check_nside(nside)
    k = _check_subsample(subsample)
    radius = float(radius_deg)
    if not (0.0 < radius <= 180.0):
        raise ConfigError(f"radius_deg = {radius_deg!r} must be in (0, 180]")
    c = hp.ang2vec(float(centre[0]), float(centre[1]), lonlat=True)
    cos_r = math.cos(math.radians(radius))

    def inside(lon, lat):
        v = hp.ang2vec(lon, lat, lonlat=True)
        return v @ c >= cos_r

    w = np.zeros(hp.nside2npix(nside))
    rr = math.radians(radius)
    if k == 1:
        w[hp.query_disc(nside, c, rr, inclusive=False)] = 1.0
        return w
    m = 2.0 * hp.max_pixrad(nside)
    outer = hp.query_disc(nside, c, min(math.pi, rr + m), inclusive=True)
    inner = hp.query_disc(nside, c, rr - m, inclusive=False) if rr > m else np.zeros(0, dtype=int)
    w[inner] = 1.0
    edge = np.setdiff1d(outer, inner, assume_unique=True)
    w[edge] = _fractions(nside, edge, inside, k)
    return w


def _weights(mask, what: str = "mask") -> np.ndarray:
    import healpy as hp

    w = np.asarray(mask, dtype=np.float64)
    if w.ndim != 1 or not hp.isnpixok(w.size):
        raise ConfigError(f"{what} must be a full HEALPix map, got shape {w.shape}")
    if np.any(w < 0.0) or np.any(w > 1.0) or not np.all(np.isfinite(w)):
        raise ConfigError(f"{what} weights must lie in [0, 1]")
    return w


def roi_solid_angle(mask, nside: int | None = None) -> float:
    """Solid angle sum_p w_p 4 pi / N_pix of a region [sr] (``nside`` checked if given)."""
    import healpy as hp

    w = _weights(mask)
    if nside is not None and hp.nside2npix(_check_nside(nside)) != w.size:
        raise ConfigError(f"mask has {w.size} pixels, not those of nside = {nside}")
    return float(w.sum() * 4.0 * math.pi / w.size)


def roi_mean(hmap, mask) -> float:
    """Solid-angle-weighted mean sum w_p M_p / sum w_p of a map over a region [map unit]."""
    w = _weights(mask)
    m = np.asarray(hmap, dtype=np.float64)
    if m.shape != w.shape:
        raise ConfigError(f"map shape {m.shape} differs from mask shape {w.shape}")
    if w.sum() == 0.0:
        raise ConfigError("empty region")
    return float(np.dot(w, m) / w.sum())


def morphology_ratio(hmap, roi_a, roi_b) -> float:
    """<M>_a / <M>_b, e.g. <M>_box / <M>_6deg (digest 001 §3 map mode; the paper assumes 1)."""
    return roi_mean(hmap, roi_a) / roi_mean(hmap, roi_b)


def box_solid_angle(lmin: float, lmax: float, bmin: float, bmax: float) -> float:
    """Exact solid angle of a longitude-latitude box [sr]: Delta l (sin bmax - sin bmin)."""
    width = 360.0 if lmax - lmin >= 360.0 else (float(lmax) - float(lmin)) % 360.0
    if not (-90.0 <= bmin < bmax <= 90.0):
        raise ConfigError(f"need -90 <= bmin < bmax <= 90 deg, got bmin = {bmin}, bmax = {bmax}")
    return math.radians(width) * (math.sin(math.radians(bmax)) - math.sin(math.radians(bmin)))


def disc_solid_angle(radius_deg: float) -> float:
    """Exact solid angle of a disc of angular radius ``radius_deg`` [sr]: 2 pi (1 - cos R)."""
    r = float(radius_deg)
    if not (0.0 <= r <= 180.0):
        raise ConfigError(f"radius_deg = {radius_deg!r} must be in [0, 180]")
    return 2.0 * math.pi * (1.0 - math.cos(math.radians(r)))

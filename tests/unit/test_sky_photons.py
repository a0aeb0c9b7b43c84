"""mcdm.sky.photons: pixel and in-pixel sampling, PSF, energy smearing, GADF event list."""
from __future__ import annotations

import healpy as hp
import numpy as np
import pytest
from scipy import stats

from mcdm.sky.photons import (apply_psf, expected_photons, galactic_to_icrs, offset_directions, sample_pixels,
                              smear_energies, uniform_in_pixels, write_event_list_fits)


def test_pixels_follow_the_weights():
    rng = np.random.default_rng(1)
    w = np.array([0.0, 1.0, 3.0, 0.0, 6.0])
    pix = sample_pixels(rng, 100_000, w)
    counts = np.bincount(pix, minlength=5)
    assert counts[0] == counts[3] == 0
    assert stats.chisquare(counts[[1, 2, 4]], 1e5 * np.array([0.1, 0.3, 0.6])).pvalue > 1e-3
    with pytest.raises(ValueError, match="positive weight"):
        sample_pixels(rng, 3, np.zeros(4))


def test_directions_are_uniform_within_their_pixel():
    """Every point lands in its pixel, and within one polar pixel sin b is uniform in its range
    (uniform in solid angle) and l uniform: KS p > 1e-3."""
    rng = np.random.default_rng(2)
    nside = 4
    pix = np.full(40_000, 0)
    lon, lat = uniform_in_pixels(rng, pix, nside)
    assert np.all(hp.ang2pix(nside, lon, lat, lonlat=True) == 0)
    # ring-0 pixel 0 of nside 4: 1 - sin b <= ... the polar cap pixel spans l in [0, 90) deg
    assert lon.min() >= 0 and lon.max() < 90
    # a random pixel set round-trips
    many = rng.integers(0, hp.nside2npix(nside), 5000)
    lo, la = uniform_in_pixels(rng, many, nside)
    assert np.all(hp.ang2pix(nside, lo, la, lonlat=True) == many)
    # uniform on the sphere overall when every pixel is equally likely
    allpix = sample_pixels(rng, 50_000, np.ones(hp.nside2npix(nside)))
    _, b = uniform_in_pixels(rng, allpix, nside)
    assert stats.kstest(np.sin(np.radians(b)), "uniform", args=(-1, 2)).pvalue > 1e-3


def test_offsets_and_psf():
    lon, lat = offset_directions(np.array([0.0, 120.0]), np.array([0.0, 89.0]), np.radians([10.0, 2.0]),
                                 np.array([0.0, np.pi / 2]))
    assert lat[0] == pytest.approx(10.0) and lon[0] == pytest.approx(0.0, abs=1e-9)
    # angular distance is theta whatever the start point
    c0 = hp.ang2vec(120.0, 89.0, lonlat=True)
    c1 = hp.ang2vec(lon[1], lat[1], lonlat=True)
    assert np.degrees(np.arccos(np.dot(c0, c1))) == pytest.approx(2.0, rel=1e-9)
    rng = np.random.default_rng(3)
    n = 50_000
    lo, la = apply_psf(rng, np.full(n, 30.0), np.full(n, -20.0), 1.5)
    v0 = hp.ang2vec(30.0, -20.0, lonlat=True)
    d = np.degrees(np.arccos(np.clip(hp.ang2vec(lo, la, lonlat=True) @ v0, -1, 1)))
    # 2-D Gaussian: offset is Rayleigh(sigma)
    assert stats.kstest(d, "rayleigh", args=(0, 1.5)).pvalue > 1e-3
    same = apply_psf(rng, np.array([1.0]), np.array([2.0]), 0.0)
    assert same[0][0] == 1.0 and same[1][0] == 2.0


def test_energy_smearing():
    rng = np.random.default_rng(4)
    e = np.full(100_000, 10.0)
    s = smear_energies(rng, e, 0.05)
    assert s.std() == pytest.approx(0.5, rel=0.02) and s.mean() == pytest.approx(10.0, abs=0.01)
    wide = smear_energies(rng, np.full(10_000, 1.0), 2.0)
    assert np.all(wide > 0)
    with pytest.raises(ValueError):
        smear_energies(rng, e, -0.1)


def test_expected_count_of_a_uniform_sky():
    """A uniform map W = 1 over the whole sky: N = A T 4 pi x band integral."""
    nside = 8
    n = expected_photons(np.ones(hp.nside2npix(nside)), 2.0, 50.0, 1e4)
    assert n == pytest.approx(50.0 * 1e4 * 4 * np.pi * 2.0, rel=1e-12)


def test_galactic_centre_and_event_list(tmp_path):
    ra, dec = galactic_to_icrs(np.array([0.0]), np.array([0.0]))
    assert ra[0] == pytest.approx(266.405, abs=1e-2) and dec[0] == pytest.approx(-28.936, abs=1e-2)
    from astropy.io import fits

    cols = {"EVENT_ID": np.arange(3), "TIME": np.array([0.0, 1.0, 2.0]), "RA": ra.repeat(3),
            "DEC": dec.repeat(3), "ENERGY": np.array([1.0, 5.0, 20.0]), "GLON": np.zeros(3), "GLAT": np.zeros(3)}
    p = write_event_list_fits(tmp_path / "events.fits", cols, mjdref=51544.5, tstart=0.0, tstop=3.0,
                              header={"telescop": "toy"})
    with fits.open(p) as f:
        h = f["EVENTS"].header
        assert h["HDUCLAS1"] == "EVENTS" and h["MJDREFI"] == 51544 and h["MJDREFF"] == 0.5
        assert h["TUNIT5"] == "MeV" and h["TELESCOP"] == "toy"
        assert np.array_equal(f["EVENTS"].data["ENERGY"], cols["ENERGY"])
    with pytest.raises(ValueError, match="columns"):
        write_event_list_fits(tmp_path / "x.fits", {"TIME": np.zeros(1)}, mjdref=0, tstart=0, tstop=1)

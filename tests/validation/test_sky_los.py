"""Line-of-sight integrals and sky maps (digest 001 §3 map mode, §8 C10) against independent numbers.

References: the chord of a constant sphere (closed form), scipy.integrate.quad of the same
integrands written here from r^2 = R_sun^2 + s^2 - 2 R_sun s cos b cos l (digest 001 §3), and
the analytic local normalisation of each profile.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from mcdm.sky import (NFW, Burkert, ConstantSphere, Einasto, ExponentialDisk, GasMap, j_factor,
                      j_factor_disc, los_integral, mollview_png, morphology_map, read_healpix_fits,
                      write_healpix_fits)
from mcdm.sky.los import KPC_CM, emissivity_unit

R_SUN = 8.2


def _cos_psi(l_deg, b_deg):
    return np.cos(np.radians(b_deg)) * np.cos(np.radians(l_deg))


def _quad_los(f, l_deg: float, b_deg: float, s_max: float, r_sun: float = R_SUN,
              epsrel: float = 1e-11) -> float:
    """scipy quad of f(x, y, z) along the sightline, split at the closest approach."""
    cl, sl = math.cos(math.radians(l_deg)), math.sin(math.radians(l_deg))
    cb, sb = math.cos(math.radians(b_deg)), math.sin(math.radians(b_deg))

    def g(s):
        return f(-r_sun + s * cb * cl, s * cb * sl, s * sb)

    s_star = r_sun * cb * cl
    pts = [s_star + d for d in (-1.0, -0.1, -0.01, 0.0, 0.01, 0.1, 1.0) if 0.0 < s_star + d < s_max]
    edges = [0.0, *pts, s_max]
    return sum(integrate.quad(g, a, b, epsabs=0.0, epsrel=epsrel, limit=500)[0]
               for a, b in zip(edges[:-1], edges[1:]))


@pytest.mark.parametrize("radius", [3.0, 12.0])
def test_constant_sphere_gives_the_chord_length(radius):
    """rho = 1 in a sphere of radius R about the centre: from outside (R < R_sun) the chord is
    2 sqrt(R^2 - R_sun^2 sin^2 psi); from inside, R_sun cos psi + sqrt(R^2 - R_sun^2 sin^2 psi).
    Agreement to 1e-6 relative over 400 directions (measured: ~1e-15)."""
    rng = np.random.default_rng(7)
    l = rng.uniform(0.0, 360.0, 400)
    b = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, 400)))
    if radius < R_SUN:  # add directions that do cross the small sphere
        l = np.concatenate([l, rng.uniform(-20.0, 20.0, 100)])
        b = np.concatenate([b, rng.uniform(-20.0, 20.0, 100)])
    cpsi = _cos_psi(l, b)
    s2 = np.clip(radius ** 2 - R_SUN ** 2 * (1.0 - cpsi ** 2), 0.0, None)
    if radius < R_SUN:
        ref = np.where(cpsi > 0.0, 2.0 * np.sqrt(s2), 0.0)
    else:
        ref = R_SUN * cpsi + np.sqrt(s2)
    got = los_integral(l, b, ConstantSphere(1.0, radius), R_SUN)
    assert np.count_nonzero(ref) > 50
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-12)


NFW_MW = NFW.local()


@pytest.mark.parametrize("psi", [1.0, 5.0, 30.0])
def test_nfw_j_factor_matches_scipy_quad(psi):
    """J(psi) = int rho^2 ds [GeV^2 cm^-5] along (l = psi, b = 0) and along (l = 0, b = psi)
    (spherical symmetry) vs scipy quad, 1e-3 relative (measured ~1e-9)."""
    ref = _quad_los(lambda x, y, z: NFW_MW.density(x, y, z) ** 2, psi, 0.0, 100.0) * KPC_CM
    got = j_factor([psi, 0.0], [0.0, psi], NFW_MW)
    np.testing.assert_allclose(got, ref, rtol=1e-3)
    np.testing.assert_allclose(got, ref, rtol=1e-7)  # the quadrature's real accuracy


def test_nfw_j_factor_disc_average_matches_nested_quad():
    """<J> over the 5 deg disc about the centre vs a nested scipy quad (1e-3; measured ~1e-8)."""
    def j_psi(psi):
        return _quad_los(lambda x, y, z: NFW_MW.density(x, y, z) ** 2, math.degrees(psi), 0.0,
                         100.0, epsrel=1e-10)

    r = math.radians(5.0)
    num = integrate.quad(lambda p: j_psi(p) * math.sin(p), 0.0, r, epsabs=0.0, epsrel=1e-8,
                         points=[r / 100, r / 10], limit=200)[0]
    ref = num / (1.0 - math.cos(r)) * KPC_CM
    got = j_factor_disc(5.0, NFW_MW)
    assert got == pytest.approx(ref, rel=1e-3)
    assert got == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize("profile", [Einasto.local(), Burkert.local()], ids=["einasto", "burkert"])
def test_d_factors_of_other_profiles_match_quad(profile):
    """int rho ds towards (l, b) = (3, 2), (40, -10), (180, 60) deg vs quad (1e-7)."""
    for l, b in [(3.0, 2.0), (40.0, -10.0), (180.0, 60.0)]:
        ref = _quad_los(lambda x, y, z: profile.density(x, y, z), l, b, 100.0)
        assert los_integral(l, b, profile) == pytest.approx(ref, rel=1e-7)


def test_local_normalisation_and_unit():
    for prof in (NFW.local(), Einasto.local(), Burkert.local()):
        assert float(prof.density(-R_SUN, 0.0, 0.0)) == pytest.approx(0.4, rel=1e-14)
    assert NFW.local(rho_local=0.3, r_sun=8.0).density_r(8.0) == pytest.approx(0.3, rel=1e-14)
    disk = ExponentialDisk(1.0, 3.0, 0.1)
    assert emissivity_unit((NFW_MW, disk)).is_equivalent("GeV cm^-3 cm^-3 kpc")


DISK = ExponentialDisk(n0=1.0, R_d=3.0, z_d=0.1)


@pytest.mark.parametrize("lb", [(0.5, 0.3), (10.0, -1.0), (0.0, 20.0), (250.0, 0.05), (90.0, 89.0)])
def test_nfw_times_disk_matches_quad(lb):
    """rho_NFW x n_disk (axisymmetric: 3-D evaluation), 1e-6 vs quad at rtol = 1e-8."""
    l, b = lb
    ref = _quad_los(lambda x, y, z: NFW_MW.density(x, y, z) * DISK.density(x, y, z), l, b, 100.0)
    assert los_integral(l, b, (NFW_MW, DISK), rtol=1e-8) == pytest.approx(ref, rel=1e-6)


def test_gas_map_multiplies_the_dm_integral():
    import healpy as hp

    nside = 4
    g = np.linspace(0.1, 2.0, hp.nside2npix(nside))
    gas = GasMap(g)
    l, b = np.array([10.0, 200.0, 0.0]), np.array([5.0, -40.0, 80.0])
    pix = hp.ang2pix(nside, l, b, lonlat=True)
    np.testing.assert_allclose(los_integral(l, b, (NFW_MW, gas)),
                               g[pix] * los_integral(l, b, NFW_MW), rtol=1e-14)
    m = morphology_map(nside, (NFW_MW, gas))
    np.testing.assert_allclose(m, g * morphology_map(nside, NFW_MW), rtol=1e-14)


def test_map_is_reproducible_and_matches_pixel_centres(tmp_path):
    """nside 16: identical on repeat and across thread counts; equals los_integral at the pixel
    centres; FITS round trip keeps values, unit and ordering; a mollview PNG is written."""
    import healpy as hp

    nside = 16
    em = (NFW_MW, DISK)
    m1 = morphology_map(nside, em)
    m2 = morphology_map(nside, em, threads=2, chunk=300)
    assert np.array_equal(m1, m2)
    lon, lat = hp.pix2ang(nside, np.arange(m1.size), lonlat=True)
    np.testing.assert_allclose(los_integral(lon[::37], lat[::37], em), m1[::37], rtol=1e-14)

    unit = "kpc GeV cm-6"
    path = write_healpix_fits(tmp_path / "m.fits", [m1, 2 * m1], [unit, unit], ["M", "M2"])
    data, header = read_healpix_fits(path)
    assert np.array_equal(data[0], m1) and np.array_equal(data[1], 2 * m1)
    assert header["TUNIT1"] == unit and header["TTYPE1"] == "M" and header["ORDERING"] == "RING"
    assert header["COORDSYS"] == "G"
    png = mollview_png(tmp_path / "m.png", m1, unit, title="rho n", log=True)
    assert png.stat().st_size > 1000


def test_observer_at_the_centre_and_cuts():
    """r_sun = 0: every sightline through a constant sphere has length R; r_cut and s_max truncate."""
    l, b = np.array([0.0, 90.0, 200.0, 33.0]), np.array([0.0, 45.0, -80.0, 10.0])
    np.testing.assert_allclose(los_integral(l, b, ConstantSphere(1.0, 5.0), r_sun=0.0), 5.0, rtol=1e-12)
    np.testing.assert_allclose(los_integral(l, b, ConstantSphere(1.0, 5.0), r_sun=0.0, r_cut=2.0),
                               2.0, rtol=1e-12)
    np.testing.assert_allclose(los_integral(l, b, ConstantSphere(1.0, 5.0), r_sun=0.0, s_max=1.5),
                               1.5, rtol=1e-12)


def test_bad_input_is_refused():
    from mcdm.errors import ConfigError

    with pytest.raises(ConfigError, match="b_deg"):
        los_integral(0.0, 95.0, NFW_MW)
    with pytest.raises(ConfigError, match="s_max"):
        los_integral(0.0, 0.0, NFW_MW, s_max=-1.0)
    with pytest.raises(ConfigError, match="at least one"):
        los_integral(0.0, 0.0, ())
    with pytest.raises(ConfigError, match="not a density model"):
        los_integral(0.0, 0.0, (NFW_MW, "disk"))
    with pytest.raises(ConfigError, match="nside"):
        morphology_map(12, NFW_MW)
    with pytest.raises(ConfigError, match="r_s"):
        NFW(0.3, -1.0)
    with pytest.raises(ConfigError, match="GasMap"):
        GasMap(np.ones(10))

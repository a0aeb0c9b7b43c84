"""mcdm.forest.halos: NFW structure, Ascasibar dispersion, temperatures, dN/dz (digest 002 §3, §5.2).

Reference numbers are the digest's [derived] §3.3 table (colossus 1.4.0, planck18, bullock01),
an independent computation from the same published formulas.
"""
from __future__ import annotations

import numpy as np
import pytest

from mcdm.errors import ConfigError
from mcdm.forest.halos import HaloModel, nfw_edge_x

# z, M [M_sun/h], c200c, r_vir [kpc], V_vir [km/s], sigma(r_vir) [km/s], T_h(r_vir), T_h(r_s) [K]
DIGEST_33 = [
    (0, 1e8, 15.8, 11.2, 7.6, 7.8, 2.6, 8.5),
    (0, 1e12, 7.5, 240, 163, 183, 1446, 2968),
    (5, 1e6, 5.05, 0.59, 3.3, 3.9, 0.65, 1.08),
    (5, 1e8, 3.87, 2.73, 15.3, 18.7, 15.1, 22.0),
    (5, 1e10, 2.78, 12.7, 70.8, 90.7, 354, 448),
    (7, 1e8, 2.91, 2.05, 17.6, 22.4, 21.6, 27.8),
]


@pytest.fixture(scope="module")
def halos() -> HaloModel:
    return HaloModel()


@pytest.mark.parametrize("row", DIGEST_33, ids=lambda r: f"z{r[0]}-M{r[1]:.0e}")
def test_structure_matches_digest_table(halos, row):
    """c, r_vir, V_vir, sigma(r_vir), T_h(r_vir), T_h(r_s) agree with digest §3.3 to its 2-3
    significant digits (rel 3 %)."""
    z, m, c, r_vir, v_vir, sig, t_vir, t_s = row
    s = halos.structure(m, z)
    got = (s.c, s.r_vir, s.v_vir, halos.dispersion(s.r_vir, s), halos.temperature(s.r_vir, s, 1e-3),
           halos.temperature(s.r_s, s, 1e-3))
    np.testing.assert_allclose(np.array(got, dtype=float), [c, r_vir, v_vir, sig, t_vir, t_s], rtol=0.03)


def test_virial_definition_and_nfw_mass(halos):
    """M_200c = (4 pi/3) 200 rho_c r_vir^3 and the NFW mass inside r_vir is M (Eq. 61)."""
    m = np.array([1e6, 1e9, 1e13])
    s = halos.structure(m, 2.0)
    h = halos.cosmology.h
    np.testing.assert_allclose(4 / 3 * np.pi * 200 * s.rho_c * s.r_vir**3, m / h, rtol=1e-12)
    r = np.geomspace(1e-6, 1.0, 20001)[None, :] * s.r_vir[:, None]
    rho = halos.density(r, s._replace(**{k: getattr(s, k)[:, None] for k in s._fields}))
    mass = np.trapezoid(4 * np.pi * r**3 * rho, np.log(r), axis=1)
    np.testing.assert_allclose(mass, m / h, rtol=1e-4)


def test_edge_is_where_density_reaches_mean_matter(halos):
    """rho_NFW(r_edge) = rho_m(z) to 1e-10, r_edge/r_vir in the digest's 3.6-5.8 range; the capped
    and fixed 10 r_vir options behave as documented; the density is 0 beyond r_edge."""
    m = np.geomspace(1e6, 1e12, 7)[:, None]
    z = np.array([0.0, 3.0, 7.0])[None, :]
    s = halos.structure(m, z)
    rho_edge = halos.density(s.r_edge, s, truncate=False)
    np.testing.assert_allclose(rho_edge, halos.cosmology.rho_mean_matter(s.z), rtol=1e-10)
    ratio = s.r_edge / s.r_vir
    assert ratio.min() > 3.6 and ratio.max() < 5.8
    assert np.all(halos.density(1.0001 * s.r_edge, s) == 0)
    capped = HaloModel(truncation="mean_matter_capped", edge_rvir=4.0).structure(m, z)
    np.testing.assert_allclose(capped.r_edge, np.minimum(s.r_edge, 4 * s.r_vir))
    fixed = HaloModel(truncation="rvir").structure(m, z)
    np.testing.assert_allclose(fixed.r_edge, 10 * s.r_vir)


def test_nfw_edge_root():
    k = np.array([1e-6, 0.3, 4.0, 1e3, 1e9])
    x = nfw_edge_x(k)
    np.testing.assert_allclose(x * (1 + x) ** 2, k, rtol=1e-12)


def test_dispersion_law_and_temperature_conventions(halos):
    """rho/sigma^3 = 10^1.46 rho_c/V_vir^3 (r/r_vir)^-1.9 (Ascasibar+04) at every radius;
    b = sqrt(2/3) sigma; T scales with the temperature factor; T_h grows with M and z."""
    s = halos.structure(1e9, 4.0)
    r = np.geomspace(1e-3, 5.0, 50) * s.r_vir
    sig = halos.dispersion(r, s)
    lhs = halos.density(r, s, truncate=False) / sig**3
    rhs = 10**1.46 * s.rho_c / s.v_vir**3 * (r / s.r_vir) ** -1.9
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    np.testing.assert_allclose(halos.doppler_b(r, s), np.sqrt(2 / 3) * sig, rtol=1e-14)
    half = HaloModel(temperature_factor=2.0)
    np.testing.assert_allclose(half.temperature(r, s, 1e-3), 1.5 * halos.temperature(r, s, 1e-3))
    t = halos.temperature(1.0 * halos.structure(np.array([1e7, 1e9]), 1.0).r_vir,
                          halos.structure(np.array([1e7, 1e9]), 1.0), 1e-3)
    assert t[1] > t[0]
    sz = halos.structure(1e8, np.array([0.0, 6.0]))
    assert np.all(np.diff(halos.temperature(sz.r_vir, sz, 1e-3)) > 0)


def test_dn_dz_integrand_and_mass_function(halos):
    """dN/dz/dlnM = c(1+z)^2/H dn/dlnM pi r_edge^2; the mass function falls with mass above 1e10."""
    m = np.array([1e7, 1e11, 1e14])
    s = halos.structure(m, 2.0)
    dn = halos.dn_dlnM(m, 2.0)
    assert np.all(np.diff(dn) < 0)
    expect = 299792.458 / halos.cosmology.H(2.0) * 9 * dn * np.pi * (s.r_edge / 1e3) ** 2
    np.testing.assert_allclose(halos.dN_dz_dlnM(m, 2.0), expect, rtol=1e-12)


def test_input_errors(halos):
    with pytest.raises(ConfigError, match="truncation"):
        HaloModel(truncation="virial")
    with pytest.raises(ConfigError, match="dm_fraction"):
        HaloModel(dm_fraction=1.5)
    with pytest.raises(ConfigError, match="halo masses"):
        halos.structure(-1.0, 0.0)
    with pytest.raises(ConfigError, match="redshifts"):
        halos.structure(1e8, np.nan)
    with pytest.raises(ConfigError, match="never collapse"):
        halos.c200c(1e17, 0.0)
    with pytest.raises(ConfigError, match="M_min"):
        halos.dN_dz(1.0, 1e10, 1e8)

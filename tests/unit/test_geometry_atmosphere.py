"""US Standard Atmosphere 1976 against its published tables."""

from __future__ import annotations

import numpy as np
import pytest

from mcdm.errors import DataLibraryError, GeometryError
from mcdm.geometry import load_atmosphere

R0 = 6356.766  # km, US 1976 Eq. (18)


@pytest.fixture(scope="module")
def atm():
    return load_atmosphere("us_standard_1976")


def _geometric(h_km):
    """Geometric altitude [km] of geopotential altitude h [km'] (inverse of US 1976 Eq. 18)."""
    return R0 * h_km / (R0 - h_km)


def test_sea_level_density(atm):
    """US 1976 Table I: rho(0) = 1.2250 kg/m3 = 1.225e-3 g/cm3."""
    assert atm.density(0.0) == pytest.approx(1.225e-3, rel=5e-3)
    assert atm.density(0.0) == pytest.approx(1.2250e-3, rel=1e-4)


def test_tropopause_density(atm):
    """US 1976: rho = 3.6391e-1 kg/m3 at H = 11 km' (tropopause) and 3.6480e-1 kg/m3 at z = 11 km geometric."""
    assert atm.density(_geometric(11.0)) == pytest.approx(3.6391e-4, rel=5e-4)
    assert atm.density(11.0) == pytest.approx(3.6480e-4, rel=5e-4)
    assert atm.density(11.0) == pytest.approx(3.639e-4, rel=5e-3)


def test_base_pressures(atm):
    """Layer-base pressures of the 1976 standard (its Table 4 / Table I), 1e-6 relative."""
    published = [101325.0, 22632.06, 5474.889, 868.0187, 110.9063, 66.93887, 3.956420]
    assert np.asarray(atm.base_pressures) == pytest.approx(published, rel=1e-6)


def test_temperature_profile(atm):
    """T = 288.15 K at 0, 216.65 K at H = 11-20 km', 270.65 K at the stratopause (H = 47-51 km')."""
    assert atm.temperature(0.0) == pytest.approx(288.15)
    assert atm.temperature(_geometric(15.0)) == pytest.approx(216.65)
    assert atm.temperature(_geometric(49.0)) == pytest.approx(270.65)
    assert atm.temperature(86.0) == pytest.approx(186.946, abs=2e-3)  # US 1976: T_M at 86 km


def test_column_density(atm):
    """Total column ~ P0 / g0 = 1033.2 g/cm2 (hydrostatic; geometric vs geopotential heights add ~0.2%)."""
    column = atm.column_density(0.0)
    assert column == pytest.approx(101325.0 / 9.80665 / 10.0, rel=5e-3)
    slabs = atm.compile(max_thickness_km=2.0)
    assert slabs.column_density() == pytest.approx(column, rel=1e-10)


def test_compile(atm):
    slabs = atm.compile(n_slabs=43)
    assert slabs.z_edges.shape == (44,) and slabs.z_edges[0] == 0.0 and slabs.z_edges[-1] == 86.0
    assert np.all(np.diff(slabs.mass_density) < 0)
    assert slabs.number_density.shape == (43, len(slabs.nuclides))
    # nitrogen atoms per g/cm3 of air: w_N N_A / M_N * 1e15 cm3/km3
    j = slabs.nuclides.index("N14")
    per_density = slabs.number_density[:, j] / slabs.mass_density
    assert per_density == pytest.approx(
        0.755267 * 0.99636 * 6.02214076e23 / 14.0067 * 1e15, rel=1e-4
    )
    with pytest.raises(DataLibraryError, match="Xe131"):
        atm.compile(nuclides=["Xe131"])
    with pytest.raises(GeometryError):
        atm.compile(n_slabs=4, max_thickness_km=1.0)


def test_out_of_range(atm):
    with pytest.raises(GeometryError, match="outside"):
        atm.density(-1.0)
    with pytest.raises(GeometryError, match="outside"):
        atm.density(np.array([10.0, 90.0]))
    assert atm.density(np.array([0.0, 5.0])).shape == (2,)

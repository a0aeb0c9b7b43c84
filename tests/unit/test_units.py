"""Units: parsing config quantities into the internal unit system (mcdm/units.py)."""
import astropy.units as u
import pytest

from mcdm.errors import UnitError
from mcdm.units import KM_TO_CM, from_internal, parse_quantity, to_internal


@pytest.mark.parametrize(
    "text, kind, expected",
    [
        ("15 keV", "energy", 15e-6),
        ("1 TeV", "mass", 1000.0),
        ("0.3 GeV/cm3", "energy density", 0.3),
        ("1.4 km", "length", 1.4),
        ("1400 m", "length", 1.4),
        ("220 km/s", "speed", 220.0),
        ("1 h", "time", 3600.0),
        ("2.65 g/cm3", "mass density", 2.65),
        ({"value": 15, "unit": "keV"}, "energy", 15e-6),
        ("1e-40 cm2", "area", 1e-40),
    ],
)
def test_to_internal(text, kind, expected):
    assert to_internal(text, kind) == pytest.approx(expected, rel=1e-12)


def test_mass_energy_equivalence_for_masses():
    # a mass given in kg converts to GeV/c^2: m_p = 0.93827 GeV
    assert to_internal("1.67262192e-27 kg", "mass") == pytest.approx(0.93827209, rel=1e-6)


@pytest.mark.parametrize(
    "bad, kind, needle",
    [
        ("3 kg", "length", "not a length"),
        ("abc km", "length", "cannot read"),
        ("1 furlongz", "length", "unknown unit"),
        ("", "length", "empty"),
        (True, "length", "boolean"),
        ({"value": 1}, "length", "exactly the keys"),
        ("nan km", "length", "finite"),
        ([1, 2], "length", "expected a quantity"),
    ],
)
def test_bad_quantities_raise_unit_error_naming_field(bad, kind, needle):
    with pytest.raises(UnitError, match="site.depth") as info:
        to_internal(bad, kind, field="site.depth")
    assert needle in str(info.value)


def test_from_internal_round_trip():
    q = from_internal(1.4, "length")
    assert q.unit == u.km and parse_quantity(q) is q
    assert KM_TO_CM * 1.4 == (1.4 * u.km).to_value(u.cm)

"""The one internal unit system of mcdm, and parsing of quantities at the edges.

Kernels and compiled arrays only ever see plain floats in these units:

=================  ===================  ===============================================
physical type      internal unit         note
=================  ===================  ===============================================
length             km                    Earth radii, depths, decay lengths
time               s
speed              km / s                halo and lab velocities
energy             GeV                   recoil energies, splittings (keV at the edges)
mass               GeV / c^2             particle and nuclear masses (c = 1)
number density     km^-3                 isotope densities (seed-004 Table 2 is in km^-3)
mass density       g / cm^3              material densities (as every table prints them)
column density     g / cm^2              overburden columns (1 km w.e. = 1e5 g/cm^2)
area               cm^2                  cross sections
volume             cm^3                  detector volumes
angle              rad
=================  ===================  ===============================================

Mass density and column keep the units in which every reference prints them, so that a
density read from a data file is the number a physicist recognises; the one mixed product
(density [g/cm^3] x path [km]) is converted by :data:`KM_TO_CM`.

Users write quantities as strings (``"15 keV"``, ``"0.3 GeV/cm3"``, ``"1.4 km"``) or as
``{value = 1.4, unit = "km"}`` tables; :func:`parse_quantity` turns either into an
:class:`astropy.units.Quantity` and :func:`to_internal` into a float in the unit above.
"""
from __future__ import annotations

import warnings

from typing import Any

import astropy.units as u
import numpy as np

from mcdm.errors import UnitError

__all__ = [
    "INTERNAL_UNITS",
    "KM_TO_CM",
    "parse_quantity",
    "to_internal",
    "from_internal",
    "internal_unit",
]

#: centimetres per kilometre (exact)
KM_TO_CM = 1.0e5

#: physical type -> internal unit (see module docstring)
INTERNAL_UNITS: dict[str, u.UnitBase] = {
    "length": u.km,
    "time": u.s,
    "speed": u.km / u.s,
    "energy": u.GeV,
    "mass": u.GeV,  # GeV/c^2 via the mass-energy equivalency
    "number density": u.km**-3,
    "mass density": u.g / u.cm**3,
    "column density": u.g / u.cm**2,
    "area": u.cm**2,
    "volume": u.cm**3,
    "angle": u.rad,
    "dimensionless": u.dimensionless_unscaled,
    "frequency": 1 / u.s,
    "energy density": u.GeV / u.cm**3,  # local DM density rho_chi
}

# Aliases a physicist types that astropy spells differently.
_ALIASES = {
    "cm3": "cm^3",
    "cm2": "cm^2",
    "km3": "km^3",
    "km2": "km^2",
    "m3": "m^3",
    "m2": "m^2",
    "mwe": "m",  # metres water equivalent: treated as a length of water
    "kmwe": "km",
}


def parse_quantity(value: Any, field: str = "value") -> u.Quantity:
    """Turn a config value into a Quantity.

    Accepts a Quantity, a string ``"<number> <unit>"``, a mapping ``{"value": x, "unit": "..."}``
    or a bare number (dimensionless). Raises :class:`mcdm.errors.UnitError` naming ``field``.
    """
    if isinstance(value, u.Quantity):
        return value
    if isinstance(value, bool):
        raise UnitError(f"{field}: expected a quantity such as '1.4 km', got the boolean {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return u.Quantity(float(value), u.dimensionless_unscaled)
    if isinstance(value, dict):
        if set(value) != {"value", "unit"}:
            raise UnitError(
                f"{field}: a quantity table needs exactly the keys 'value' and 'unit', got {sorted(value)}"
            )
        number, unit = value["value"], value["unit"]
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise UnitError(f"{field}: 'value' must be a number, got {number!r}")
        if not isinstance(unit, str):
            raise UnitError(f"{field}: 'unit' must be a string, got {unit!r}")
        return _make(float(number), unit, field)
    if isinstance(value, str):
        parts = value.strip().split(None, 1)
        if not parts:
            raise UnitError(f"{field}: empty string is not a quantity (write e.g. '1.4 km')")
        try:
            number = float(parts[0])
        except ValueError:
            raise UnitError(
                f"{field}: cannot read {value!r} as '<number> <unit>' (e.g. '15 keV', '0.3 GeV/cm3')"
            ) from None
        return _make(number, parts[1] if len(parts) > 1 else "", field)
    raise UnitError(f"{field}: expected a quantity such as '1.4 km', got {type(value).__name__} {value!r}")


def _make(number: float, unit: str, field: str) -> u.Quantity:
    if not np.isfinite(number):
        raise UnitError(f"{field}: value {number!r} is not a finite number")
    text = unit.strip()
    for alias, spelled in _ALIASES.items():
        if text.endswith(alias) and not text.endswith(spelled):
            text = text[: -len(alias)] + spelled
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", u.UnitsWarning)  # e.g. 'km/s/s' is ambiguous: refuse it
            parsed = u.Unit(text, parse_strict="raise") if text else u.dimensionless_unscaled
    except u.UnitsWarning as exc:
        raise UnitError(f"{field}: ambiguous unit {unit!r} ({exc}); write e.g. 'km / s2'") from None
    except ValueError:
        raise UnitError(f"{field}: unknown unit {unit!r}") from None
    return u.Quantity(number, parsed)


def internal_unit(physical_type: str) -> u.UnitBase:
    """The internal unit for ``physical_type`` (a key of :data:`INTERNAL_UNITS`)."""
    try:
        return INTERNAL_UNITS[physical_type]
    except KeyError:
        raise UnitError(
            f"unknown physical type {physical_type!r}; known: {sorted(INTERNAL_UNITS)}"
        ) from None


def to_internal(value: Any, physical_type: str, field: str = "value") -> float | np.ndarray:
    """Convert ``value`` (anything :func:`parse_quantity` reads) to the internal unit.

    Raises :class:`mcdm.errors.UnitError` naming ``field`` if the unit has the wrong dimension.
    """
    q = parse_quantity(value, field)
    target = internal_unit(physical_type)
    try:
        out = q.to_value(target, equivalencies=u.mass_energy())
    except u.UnitConversionError:
        raise UnitError(
            f"{field}: {q} has unit {q.unit!s}, which is not a {physical_type} "
            f"(expected something convertible to {target!s})"
        ) from None
    return float(out) if np.ndim(out) == 0 else np.asarray(out, dtype=float)


def from_internal(value: float | np.ndarray, physical_type: str) -> u.Quantity:
    """Attach the internal unit of ``physical_type`` to a float or array."""
    return u.Quantity(value, internal_unit(physical_type))

"""Nuclides, elements and the natural-abundance table (``geometry/nuclides/*.toml``).

A nuclide is named by its element symbol and mass number, ``"Al27"``; :func:`nuclide_name`
also accepts ``"27Al"``, ``"Al-27"`` and ``"al27"`` and returns the canonical spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from mcdm.constants import AMU_GEV
from mcdm.errors import DataLibraryError

__all__ = ["Nuclide", "Element", "NuclideTable", "nuclide_name", "split_nuclide"]

_SYMBOL_FIRST = re.compile(r"^([A-Za-z]{1,2})[-_ ]?(\d{1,3})$")
_MASS_FIRST = re.compile(r"^(\d{1,3})[-_ ]?([A-Za-z]{1,2})$")


def split_nuclide(name: str) -> tuple[str, int]:
    """Split a nuclide name into (element symbol, mass number).

    Accepts ``"Al27"``, ``"27Al"``, ``"Al-27"``, ``"al27"``; the symbol is returned capitalised
    (``"Al"``). Raises :class:`~mcdm.errors.DataLibraryError` if the name has neither form.
    """
    text = str(name).strip()
    m = _SYMBOL_FIRST.match(text)
    if m:
        symbol, mass = m.group(1), m.group(2)
    else:
        m = _MASS_FIRST.match(text)
        if not m:
            raise DataLibraryError(
                f"cannot read {name!r} as a nuclide; write element symbol and mass number, "
                "e.g. 'Al27' or '27Al'"
            )
        mass, symbol = m.group(1), m.group(2)
    return symbol.capitalize(), int(mass)


def nuclide_name(name: str) -> str:
    """The canonical spelling ``"<Symbol><A>"`` (e.g. ``"27al"`` -> ``"Al27"``)."""
    symbol, mass = split_nuclide(name)
    return f"{symbol}{mass}"


@dataclass(frozen=True)
class Nuclide:
    """One nuclide of the natural-abundance table.

    Attributes
    ----------
    name : str -- canonical name, element symbol + mass number (``"Al27"``)
    element : str -- element symbol (``"Al"``)
    Z : int -- atomic number
    A : int -- mass number
    mass_u : float -- atomic mass [u]
    abundance : float -- natural atom fraction within the element [1]
    spin : float -- ground-state spin J [hbar] (e.g. 2.5)
    parity : int -- ground-state parity, +1 or -1
    magnetic_moment : float | None -- magnetic dipole moment [nuclear magnetons], None if unknown
    """

    name: str
    element: str
    Z: int
    A: int
    mass_u: float
    abundance: float
    spin: float
    parity: int
    magnetic_moment: float | None = None

    @property
    def N(self) -> int:
        """Neutron number A - Z."""
        return self.A - self.Z

    @property
    def mass_gev(self) -> float:
        """Atomic mass [GeV] (CODATA atomic mass unit)."""
        return self.mass_u * AMU_GEV

    @property
    def spin_parity(self) -> str:
        """Spin and parity as printed in tables, e.g. ``"5/2+"``."""
        return f"{Fraction(self.spin).limit_denominator(2)}{'+' if self.parity > 0 else '-'}"


@dataclass(frozen=True)
class Element:
    """A chemical element with its naturally occurring isotopes.

    Attributes
    ----------
    symbol : str -- element symbol
    Z : int -- atomic number
    atomic_weight : float -- IUPAC standard atomic weight [u] (as tabulated)
    isotopes : tuple[Nuclide, ...] -- natural isotopes, ascending A; abundances sum to 1
    """

    symbol: str
    Z: int
    atomic_weight: float
    isotopes: tuple[Nuclide, ...]

    @property
    def mean_mass_u(self) -> float:
        """Abundance-weighted mean atomic mass [u] (mass per atom of the natural element)."""
        total = sum(n.abundance for n in self.isotopes)
        return sum(n.abundance * n.mass_u for n in self.isotopes) / total


@dataclass(frozen=True)
class NuclideTable:
    """The natural-abundance table: elements and their isotopes (read-only).

    Attributes
    ----------
    name : str -- library entry name (``"natural_abundances"``)
    elements : dict[str, Element] -- by symbol
    """

    name: str
    elements: dict[str, Element] = field(hash=False)

    def element(self, symbol: str) -> Element:
        """The element ``symbol`` (case-insensitive); DataLibraryError lists the known ones."""
        key = str(symbol).strip().capitalize()
        try:
            return self.elements[key]
        except KeyError:
            raise DataLibraryError(
                f"element {symbol!r} is not in the nuclide table {self.name!r}; known: "
                f"{sorted(self.elements)}"
            ) from None

    def nuclide(self, name: str) -> Nuclide:
        """The nuclide ``name`` (any spelling :func:`split_nuclide` reads)."""
        symbol, mass = split_nuclide(name)
        for nuc in self.element(symbol).isotopes:
            if nuc.A == mass:
                return nuc
        known = [n.name for n in self.element(symbol).isotopes]
        raise DataLibraryError(
            f"nuclide {name!r} is not a natural isotope in the table {self.name!r}; known "
            f"{symbol} isotopes: {known}"
        )

    def __contains__(self, name: object) -> bool:
        try:
            self.nuclide(str(name))
        except DataLibraryError:
            return False
        return True

    @property
    def nuclides(self) -> tuple[Nuclide, ...]:
        """Every nuclide of the table, ordered by Z then A."""
        out = [n for el in self.elements.values() for n in el.isotopes]
        return tuple(sorted(out, key=lambda n: (n.Z, n.A)))

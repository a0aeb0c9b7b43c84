"""Materials: a mass density and an elemental composition by mass (``geometry/materials``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mcdm.constants import AVOGADRO
from mcdm.errors import DataLibraryError, GeometryError
from mcdm.geometry.nuclide import NuclideTable
from mcdm.units import KM_TO_CM

__all__ = ["Material", "CM3_PER_KM3", "FRACTION_TOLERANCE"]

#: cubic centimetres per cubic kilometre (exact)
CM3_PER_KM3 = KM_TO_CM**3

#: how far a composition may sum away from 1 before it is rejected (it is then normalised)
FRACTION_TOLERANCE = 1.0e-3


def _check_fractions(values: dict[str, float], what: str) -> dict[str, float]:
    if not values:
        raise GeometryError(f"{what}: empty; give at least one element with its mass fraction")
    for key, value in values.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise GeometryError(f"{what}.{key}: fraction must be a finite number, got {value!r}")
        if value < 0:
            raise GeometryError(
                f"{what}.{key}: fraction {value!r} is negative; allowed range [0, 1]"
            )
    total = math.fsum(values.values())
    if abs(total - 1.0) > FRACTION_TOLERANCE:
        raise GeometryError(
            f"{what}: fractions sum to {total:.6g}, not 1 (allowed tolerance "
            f"{FRACTION_TOLERANCE:g})"
        )
    return {key: float(value) / total for key, value in values.items()}


@dataclass(frozen=True)
class Material:
    """A homogeneous material.

    Parameters
    ----------
    name : str -- library name (file stem), e.g. ``"earth_crust"``
    density : float -- mass density [g/cm^3], >= 0
    composition : dict[str, float] -- mass fraction [1] per element symbol (``"Si"``) or, for
        an isotopically pure component, per nuclide (``"Li6"``); must sum to 1 within
        :data:`FRACTION_TOLERANCE` and is normalised to exactly 1 on construction
    reference : str -- where the composition comes from
    """

    name: str
    density: float
    composition: dict[str, float] = field(hash=False)
    reference: str = ""

    def __post_init__(self) -> None:
        if not math.isfinite(self.density) or self.density < 0:
            raise GeometryError(
                f"material {self.name!r}: density {self.density!r} g/cm3 must be finite and >= 0"
            )
        normalised = _check_fractions(dict(self.composition), f"material {self.name!r} composition")
        object.__setattr__(self, "density", float(self.density))
        object.__setattr__(self, "composition", normalised)

    def with_density(self, density: float) -> Material:
        """The same composition at another mass density [g/cm^3]."""
        return Material(self.name, density, dict(self.composition), self.reference)

    def element_number_densities(self, table: NuclideTable | None = None) -> dict[str, float]:
        """Atoms per volume of each component [km^-3] at :attr:`density`.

        ``n = rho w N_A / M`` with ``M`` the natural mean atomic mass of the element [g/mol]
        (or the nuclide's mass for an isotopically pure component).
        """
        table = _default_table(table)
        out: dict[str, float] = {}
        for key, w in self.composition.items():
            molar_mass = _component_mass(table, key)
            out[key] = self.density * CM3_PER_KM3 * w * AVOGADRO / molar_mass
        return out

    def number_densities(self, table: NuclideTable | None = None) -> dict[str, float]:
        """Nuclide number densities [km^-3], elements split by natural abundance.

        Parameters
        ----------
        table : the natural-abundance table; default :func:`mcdm.geometry.library.load_nuclides`

        Returns
        -------
        dict mapping canonical nuclide name (``"Al27"``) to number density [km^-3], ordered by Z, A.
        """
        table = _default_table(table)
        out: dict[str, float] = {}
        for key, n_el in self.element_number_densities(table).items():
            if key.capitalize() in table.elements:
                for nuc in table.element(key).isotopes:
                    out[nuc.name] = out.get(nuc.name, 0.0) + nuc.abundance * n_el
            else:
                nuc = table.nuclide(key)
                out[nuc.name] = out.get(nuc.name, 0.0) + n_el
        order = sorted(out, key=lambda name: (table.nuclide(name).Z, table.nuclide(name).A))
        return {name: out[name] for name in order}


def _component_mass(table: NuclideTable, key: str) -> float:
    """Molar mass [g/mol] of a composition key: an element (natural) or a nuclide."""
    if key.capitalize() in table.elements:
        return table.element(key).mean_mass_u
    try:
        return table.nuclide(key).mass_u
    except DataLibraryError:
        raise DataLibraryError(
            f"composition key {key!r} is neither an element of the nuclide table {table.name!r} "
            f"(known: {sorted(table.elements)}) nor one of its nuclides (e.g. 'Li6')"
        ) from None


def _default_table(table: NuclideTable | None) -> NuclideTable:
    if table is not None:
        return table
    from mcdm.geometry.library import load_nuclides

    return load_nuclides()

"""Geometry of the world a simulation runs in: materials, layered Earth models, atmosphere, sites.

The data live in the top-level ``geometry/`` folder (TOML only); :mod:`mcdm.geometry.library`
finds and loads them into the frozen dataclasses defined here, which compile to plain arrays
(:class:`CompiledShells`, :class:`CompiledSlabs`) for the kernels. Units: km, g/cm^3, km^-3.
"""

from __future__ import annotations

from mcdm.geometry.atmosphere import Atmosphere, AtmosphereLayer, CompiledSlabs
from mcdm.geometry.earth import CompiledShells, EarthModel
from mcdm.geometry.layer import ConstantDensity, Layer, PolynomialDensity, Slab, SphericalShell
from mcdm.geometry.library import (
    available,
    geometry_root,
    load_atmosphere,
    load_earth,
    load_file,
    load_material,
    load_nuclides,
    load_overburden,
    load_site,
)
from mcdm.geometry.material import Material
from mcdm.geometry.nuclide import Element, Nuclide, NuclideTable, nuclide_name
from mcdm.geometry.site import Overburden, Site

__all__ = [
    "Atmosphere",
    "AtmosphereLayer",
    "CompiledShells",
    "CompiledSlabs",
    "ConstantDensity",
    "EarthModel",
    "Element",
    "Layer",
    "Material",
    "Nuclide",
    "NuclideTable",
    "Overburden",
    "PolynomialDensity",
    "Site",
    "Slab",
    "SphericalShell",
    "available",
    "geometry_root",
    "load_atmosphere",
    "load_earth",
    "load_file",
    "load_material",
    "load_nuclides",
    "load_overburden",
    "load_site",
    "nuclide_name",
]

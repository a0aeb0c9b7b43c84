"""Flat overburden: an ordered stack of horizontal slabs above a detector (planar approximation).

A local overburden (the rock, concrete and shielding right above an underground detector) is
described, as in DaMaSCUS-CRUST's configuration (anchors/transport.md §C), by a list of
horizontal layers, **top to bottom**, each ``{name, thickness, density, composition}``. The
detector sits at the bottom of the stack. Each layer is a :class:`~mcdm.geometry.layer.Layer`
on a :class:`~mcdm.geometry.layer.Slab` in the depth coordinate ``z`` [km]: ``z = 0`` at the
top of the stack (the ground surface), negative downwards, the detector at ``z = -thickness``.

The slabs are infinite horizontally (**planar approximation**): a straight line arriving at the
detector from zenith angle ``z_a`` (the direction it comes from; ``cos z_a > 0`` above the
horizon) crosses slab ``i`` over ``t_i / cos z_a``. How the stack is joined to the spherical
Earth and atmosphere is described in :mod:`mcdm.transport.continuous`.

:func:`compile_layers` turns the layers into plain arrays (:class:`CompiledOverburden`: slab
thicknesses [km], mass densities [g/cm^3] and nuclide number densities [km^-3], the layout of
:class:`~mcdm.geometry.atmosphere.CompiledSlabs`) for the kernels of
:mod:`mcdm.kernels.continuous`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

from mcdm.errors import DataLibraryError, GeometryError
from mcdm.geometry.layer import ConstantDensity, Layer, Slab
from mcdm.geometry.nuclide import NuclideTable, nuclide_name
from mcdm.units import KM_TO_CM

__all__ = ["CompiledOverburden", "stack_layers", "compile_layers", "empty_overburden"]


class CompiledOverburden(NamedTuple):
    """Horizontal slabs above a detector, top to bottom (plain arrays, picklable).

    Attributes
    ----------
    names : tuple[str, ...] -- the m layer names, top to bottom
    thickness : ndarray (m,) float64 -- vertical thickness of each slab [km], > 0
    mass_density : ndarray (m,) float64 -- mass density of each slab [g/cm^3]
    number_density : ndarray (m, k) float64 -- nuclide number densities [km^-3]
    nuclides : tuple[str, ...] -- the k nuclide names (columns of ``number_density``)
    """

    names: tuple[str, ...]
    thickness: np.ndarray
    mass_density: np.ndarray
    number_density: np.ndarray
    nuclides: tuple[str, ...]

    @property
    def total_thickness(self) -> float:
        """Vertical thickness of the whole stack, the detector depth [km]."""
        return float(np.sum(self.thickness))

    @property
    def depth_edges(self) -> np.ndarray:
        """(m+1,) depths of the slab boundaries below the top, 0 ... total [km]."""
        return np.concatenate(([0.0], np.cumsum(self.thickness)))

    def column_density(self) -> float:
        """Vertical column of the stack [g/cm^2] (1 km w.e. = 1e5 g/cm^2)."""
        return float(np.sum(self.mass_density * self.thickness) * KM_TO_CM)

    def with_nuclides(self, nuclides: Sequence[str]) -> CompiledOverburden:
        """The same slabs with ``number_density`` columns ``nuclides`` (zero where absent).

        Raises GeometryError if a nuclide present in the slabs is not among ``nuclides``.
        """
        columns = tuple(nuclides)
        missing = [n for j, n in enumerate(self.nuclides)
                   if n not in columns and np.any(self.number_density[:, j] != 0.0)]
        if missing:
            raise GeometryError(f"overburden nuclides {missing} are not among the columns "
                                f"{list(columns)}")
        out = np.zeros((len(self.thickness), len(columns)))
        index = {n: j for j, n in enumerate(self.nuclides)}
        for c, n in enumerate(columns):
            if n in index:
                out[:, c] = self.number_density[:, index[n]]
        return self._replace(number_density=out, nuclides=columns)


def empty_overburden(nuclides: Sequence[str] = ()) -> CompiledOverburden:
    """A stack of no slabs (a detector at the surface of the spherical world)."""
    cols = tuple(nuclides)
    return CompiledOverburden((), np.zeros(0), np.zeros(0), np.zeros((0, len(cols))), cols)


def stack_layers(specs: Iterable[tuple[str, float, object, float]]) -> tuple[Layer, ...]:
    """Layers on contiguous slabs from z = 0 downwards, given top to bottom.

    Parameters
    ----------
    specs : (name, thickness [km] > 0, material :class:`~mcdm.geometry.material.Material`,
        density [g/cm^3] >= 0) per layer, top to bottom; the material's own density is not used

    Returns
    -------
    tuple of :class:`Layer` with ``Slab(z_low, z_high)`` shapes, ``z_high`` of the first = 0.
    """
    layers: list[Layer] = []
    top = 0.0
    seen: set[str] = set()
    for name, thickness, material, density in specs:
        if name in seen:
            raise GeometryError(
                f"overburden layer name {name!r} is used twice; names must be unique"
            )
        seen.add(name)
        t = float(thickness)
        if not (np.isfinite(t) and t > 0):
            raise GeometryError(f"overburden layer {name!r}: thickness {thickness!r} km must be "
                                "finite and > 0")
        layers.append(Layer(name, Slab(top - t, top), material, ConstantDensity(density)))
        top -= t
    return tuple(layers)


def check_stack(layers: Sequence[Layer], owner: str) -> None:
    """Check that ``layers`` are contiguous slabs from z = 0 downwards with constant density."""
    top = 0.0
    names: set[str] = set()
    for layer in layers:
        where = f"{owner}: layer {layer.name!r}"
        if not isinstance(layer.shape, Slab):
            raise GeometryError(f"{where} must be a Slab, got {type(layer.shape).__name__}")
        if abs(layer.shape.z_high - top) > 1e-9 * max(1.0, abs(top)):
            raise GeometryError(f"{where} starts at z = {layer.shape.z_high} km, not at the "
                                f"bottom of the layer above (z = {top} km); list layers top to "
                                "bottom, contiguous from z = 0")
        if not layer.density.is_constant:
            raise GeometryError(f"{where}: overburden slabs need a constant density")
        if layer.material is None:
            raise GeometryError(f"{where}: give a material or a composition")
        if layer.name in names:
            raise GeometryError(f"{where}: the name is used twice; names must be unique")
        names.add(layer.name)
        top = layer.shape.z_low


def compile_layers(layers: Sequence[Layer], nuclides: Iterable[str] | None = None,
                   table: NuclideTable | None = None) -> CompiledOverburden:
    """Compile a stack of slab layers (top to bottom) to :class:`CompiledOverburden`.

    Parameters
    ----------
    layers : the stack, as from :func:`stack_layers` (contiguous from z = 0 downwards)
    nuclides : columns of ``number_density`` (default: every nuclide of the layers, by Z and A)
    table : natural-abundance table (default: the library's)
    """
    check_stack(layers, "overburden")
    if table is None:
        from mcdm.geometry.library import load_nuclides

        table = load_nuclides()
    per_layer = []
    for layer in layers:
        rho = float(layer.density.value)
        per_layer.append(layer.material.with_density(rho).number_densities(table))
    present: dict[str, None] = {}
    for nd in per_layer:
        for name, value in nd.items():
            if value > 0.0:
                present[name] = None
    if nuclides is None:
        columns = tuple(sorted(present, key=lambda n: (table.nuclide(n).Z, table.nuclide(n).A)))
    else:
        columns = tuple(nuclide_name(n) for n in nuclides)
        missing = [n for n in present if n not in columns]
        if missing:
            raise DataLibraryError(f"nuclides {missing} of the overburden are not among the "
                                   f"requested columns {list(columns)}")
    number = np.zeros((len(layers), len(columns)))
    for i, nd in enumerate(per_layer):
        for c, name in enumerate(columns):
            number[i, c] = nd.get(name, 0.0)
    return CompiledOverburden(
        names=tuple(layer.name for layer in layers),
        thickness=np.array([layer.shape.thickness for layer in layers], dtype=float),
        mass_density=np.array([float(layer.density.value) for layer in layers], dtype=float),
        number_density=number,
        nuclides=columns,
    )

"""Spherically symmetric Earth models and their compilation to piecewise-constant shells."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from mcdm.errors import DataLibraryError, GeometryError
from mcdm.geometry.layer import Layer, SphericalShell
from mcdm.geometry.nuclide import NuclideTable, nuclide_name, split_nuclide

__all__ = [
    "EarthModel",
    "CompiledShells",
    "DEFAULT_MAX_SHELL_THICKNESS_KM",
    "CONTIGUITY_TOLERANCE_KM",
]

#: default thickest shell [km] when a smooth density profile is discretised
DEFAULT_MAX_SHELL_THICKNESS_KM = 100.0

#: gap or overlap [km] between adjacent layers still accepted as contiguous (1 mm)
CONTIGUITY_TOLERANCE_KM = 1.0e-6


class CompiledShells(NamedTuple):
    """Piecewise-constant concentric shells, ready for the ray kernels (plain arrays).

    Shell ``i`` spans ``outer_radii[i-1] <= r < outer_radii[i]``; ``outer_radii[-1]`` is the
    Earth radius and the innermost shell starts at r = 0.

    Attributes
    ----------
    outer_radii : ndarray (m,) float64 -- ascending outer radii [km]
    mass_density : ndarray (m,) float64 -- mass-averaged density of each shell [g/cm^3]
    number_density : ndarray (m, k) float64 -- nuclide number densities [km^-3]
    nuclides : tuple[str, ...] -- the k nuclide names (columns of ``number_density``)
    layer_index : ndarray (m,) int64 -- index into ``layer_names`` of each shell's named layer
    layer_names : tuple[str, ...] -- the model's layer names, inner to outer
    """

    outer_radii: np.ndarray
    mass_density: np.ndarray
    number_density: np.ndarray
    nuclides: tuple[str, ...]
    layer_index: np.ndarray
    layer_names: tuple[str, ...]

    @property
    def inner_radii(self) -> np.ndarray:
        """Inner radius of each shell [km] (0 for the first)."""
        return np.concatenate(([0.0], self.outer_radii[:-1]))

    def mass_kg(self) -> float:
        """Total mass of the shells [kg] (density [g/cm^3] x volume [km^3])."""
        volumes_cm3 = 4.0 / 3.0 * math.pi * (self.outer_radii**3 - self.inner_radii**3) * 1.0e15
        return float(np.sum(self.mass_density * volumes_cm3) * 1.0e-3)


@dataclass(frozen=True)
class EarthModel:
    """A spherically symmetric Earth: named layers from the centre outwards.

    Parameters
    ----------
    name : str -- library name (``"prem"``)
    layers : tuple[Layer, ...] -- SphericalShell layers, inner to outer, contiguous from r = 0
    reference : str -- literature reference of the model
    """

    name: str
    layers: tuple[Layer, ...]
    reference: str = ""

    def __post_init__(self) -> None:
        layers = tuple(self.layers)
        object.__setattr__(self, "layers", layers)
        if not layers:
            raise GeometryError(f"Earth model {self.name!r}: no layers")
        names = [layer.name for layer in layers]
        if len(set(names)) != len(names):
            raise GeometryError(f"Earth model {self.name!r}: layer names {names} are not unique")
        for i, layer in enumerate(layers):
            if not isinstance(layer.shape, SphericalShell):
                raise GeometryError(
                    f"Earth model {self.name!r}: layer {layer.name!r} must be a "
                    f"SphericalShell, got {layer.shape!r}"
                )
        if abs(layers[0].shape.r_inner) > CONTIGUITY_TOLERANCE_KM:
            raise GeometryError(
                f"Earth model {self.name!r}: the innermost layer {names[0]!r} starts at r = "
                f"{layers[0].shape.r_inner} km; it must start at r = 0"
            )
        for below, above in zip(layers[:-1], layers[1:]):
            gap = above.shape.r_inner - below.shape.r_outer
            if abs(gap) > CONTIGUITY_TOLERANCE_KM:
                kind = "gap" if gap > 0 else "overlap"
                raise GeometryError(
                    f"Earth model {self.name!r}: {kind} of {abs(gap):g} km between layer "
                    f"{below.name!r} "
                    f"(r_outer = {below.shape.r_outer} km) and layer {above.name!r} "
                    f"(r_inner = {above.shape.r_inner} km); layers must be contiguous, inner "
                    "to outer"
                )

    @property
    def radius(self) -> float:
        """Outer radius of the Earth [km]."""
        return self.layers[-1].shape.r_outer

    @property
    def layer_names(self) -> tuple[str, ...]:
        """Layer names, inner to outer."""
        return tuple(layer.name for layer in self.layers)

    def layer(self, name: str) -> Layer:
        """The layer called ``name``."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise DataLibraryError(
            f"Earth model {self.name!r} has no layer {name!r}; layers: {list(self.layer_names)}"
        )

    def layer_at(self, r: float) -> Layer:
        """The layer containing radius ``r`` [km] (the surface belongs to the outermost layer)."""
        if not (0.0 <= r <= self.radius):
            raise GeometryError(
                f"radius {r!r} km is outside the Earth model {self.name!r} [0, {self.radius}] km"
            )
        for layer in self.layers:
            if layer.shape.contains(r):
                return layer
        return self.layers[-1]

    def density_at(self, r: float | np.ndarray) -> float | np.ndarray:
        """Mass density [g/cm^3] at radius ``r`` [km] (0 outside the Earth)."""
        r_arr = np.atleast_1d(np.asarray(r, dtype=float))
        out = np.zeros_like(r_arr)
        for layer in self.layers:
            sel = (r_arr >= layer.shape.r_inner) & (r_arr < layer.shape.r_outer)
            if layer is self.layers[-1]:
                sel |= r_arr == layer.shape.r_outer
            if np.any(sel):
                out[sel] = layer.density_at(r_arr[sel])
        return float(out[0]) if np.ndim(r) == 0 else out

    def available_nuclides(self, table: NuclideTable | None = None) -> tuple[str, ...]:
        """Every nuclide present in at least one layer, ordered by (Z, A)."""
        names: set[str] = set()
        for layer in self.layers:
            if layer.number_densities is not None:
                names.update(nuclide_name(k) for k in layer.number_densities)
            else:
                names.update(layer.nuclide_densities_per_density(table))
        return tuple(sorted(names, key=_za_key))

    def compile(
        self,
        max_shell_thickness_km: float | None = None,
        nuclides: Iterable[str] | None = None,
        table: NuclideTable | None = None,
    ) -> CompiledShells:
        """Discretise into piecewise-constant shells.

        Parameters
        ----------
        max_shell_thickness_km : thickest shell [km] for layers with a varying density
            (default :data:`DEFAULT_MAX_SHELL_THICKNESS_KM`); constant layers stay whole, so the
            three-layer model always gives 3 shells
        nuclides : nuclide names for the columns of ``number_density`` (any spelling
            :func:`~mcdm.geometry.nuclide.nuclide_name` reads); default: all present, by (Z, A)
        table : natural-abundance table (default: the library's)

        Returns
        -------
        CompiledShells; each shell's density is the exact mass average of the profile over it
        (r^2-weighted), so the compiled Earth has exactly the model's mass.
        """
        max_t = (
            DEFAULT_MAX_SHELL_THICKNESS_KM
            if max_shell_thickness_km is None
            else float(max_shell_thickness_km)
        )
        if not max_t > 0:
            raise GeometryError(f"max_shell_thickness_km = {max_shell_thickness_km!r} must be > 0")
        present = self.available_nuclides(table)
        if nuclides is None:
            columns = present
        else:
            columns = tuple(nuclide_name(n) for n in nuclides)
            missing = [n for n in columns if n not in present]
            if missing:
                raise DataLibraryError(
                    f"nuclides {missing} are not in Earth model {self.name!r}; available: "
                    f"{list(present)}"
                )
        col = {name: j for j, name in enumerate(columns)}
        radii, rho, n_rows, index = [], [], [], []
        for i, layer in enumerate(self.layers):
            explicit = None
            per_density = None
            if layer.number_densities is not None:
                explicit = {nuclide_name(k): v for k, v in layer.number_densities.items()}
            else:
                per_density = layer.nuclide_densities_per_density(table)
            for lo, hi in layer.split(max_t):
                mean = layer.mean_density(lo, hi)
                row = np.zeros(len(columns))
                source = (
                    explicit
                    if explicit is not None
                    else {k: v * mean for k, v in per_density.items()}
                )
                for name, value in source.items():
                    if name in col:
                        row[col[name]] = value
                radii.append(hi)
                rho.append(mean)
                n_rows.append(row)
                index.append(i)
        return CompiledShells(
            outer_radii=np.asarray(radii, dtype=np.float64),
            mass_density=np.asarray(rho, dtype=np.float64),
            number_density=np.asarray(n_rows, dtype=np.float64).reshape(len(radii), len(columns)),
            nuclides=columns,
            layer_index=np.asarray(index, dtype=np.int64),
            layer_names=self.layer_names,
        )


def _za_key(name: str) -> tuple[int, int, str]:
    from mcdm.geometry.library import load_nuclides

    symbol, mass = split_nuclide(name)
    try:
        z = load_nuclides().element(symbol).Z
    except DataLibraryError:
        z = 10**6
    return (z, mass, name)

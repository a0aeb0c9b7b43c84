"""Shapes, density profiles and layers.

A :class:`Layer` is a named region (a :class:`SphericalShell` of the Earth, or a :class:`Slab` of
overburden or atmosphere) filled with a :class:`~mcdm.geometry.material.Material` at a density
that is either constant or a polynomial in ``x = r / scale`` (PREM's form). A layer may instead
carry its own nuclide number densities (seed 004's Table 2), which then replace the material's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Union

import numpy as np

from mcdm.errors import GeometryError
from mcdm.geometry.material import Material

__all__ = [
    "SphericalShell",
    "Slab",
    "ConstantDensity",
    "PolynomialDensity",
    "DensityProfile",
    "Layer",
]


def _finite(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise GeometryError(f"{what}: expected a number, got {value!r}")
    if not math.isfinite(value):
        raise GeometryError(f"{what}: {value!r} is not finite")
    return float(value)


@dataclass(frozen=True)
class SphericalShell:
    """The region ``r_inner <= r < r_outer`` around the Earth's centre.

    Parameters
    ----------
    r_inner : float -- inner radius [km], >= 0
    r_outer : float -- outer radius [km], > r_inner
    """

    r_inner: float
    r_outer: float

    def __post_init__(self) -> None:
        r_in = _finite(self.r_inner, "r_inner")
        r_out = _finite(self.r_outer, "r_outer")
        if r_in < 0:
            raise GeometryError(f"r_inner = {r_in} km is negative; radii must be >= 0")
        if r_out <= r_in:
            raise GeometryError(f"r_outer = {r_out} km must exceed r_inner = {r_in} km")
        object.__setattr__(self, "r_inner", r_in)
        object.__setattr__(self, "r_outer", r_out)

    @property
    def thickness(self) -> float:
        """r_outer - r_inner [km]."""
        return self.r_outer - self.r_inner

    @property
    def volume(self) -> float:
        """Volume [km^3]."""
        return 4.0 / 3.0 * math.pi * (self.r_outer**3 - self.r_inner**3)

    def contains(self, r: float) -> bool:
        """Whether radius ``r`` [km] lies in [r_inner, r_outer)."""
        return self.r_inner <= r < self.r_outer


@dataclass(frozen=True)
class Slab:
    """The flat region ``z_low <= z < z_high`` (altitude or depth coordinate).

    Parameters
    ----------
    z_low : float -- lower bound [km]
    z_high : float -- upper bound [km], > z_low
    """

    z_low: float
    z_high: float

    def __post_init__(self) -> None:
        lo = _finite(self.z_low, "z_low")
        hi = _finite(self.z_high, "z_high")
        if hi <= lo:
            raise GeometryError(f"z_high = {hi} km must exceed z_low = {lo} km")
        object.__setattr__(self, "z_low", lo)
        object.__setattr__(self, "z_high", hi)

    @property
    def thickness(self) -> float:
        """z_high - z_low [km]."""
        return self.z_high - self.z_low

    def contains(self, z: float) -> bool:
        """Whether ``z`` [km] lies in [z_low, z_high)."""
        return self.z_low <= z < self.z_high


@dataclass(frozen=True)
class ConstantDensity:
    """A uniform mass density.

    Parameters
    ----------
    value : float -- mass density [g/cm^3], >= 0
    """

    value: float

    def __post_init__(self) -> None:
        v = _finite(self.value, "density")
        if v < 0:
            raise GeometryError(f"density {v} g/cm3 is negative; densities must be >= 0")
        object.__setattr__(self, "value", v)

    @property
    def is_constant(self) -> bool:
        return True

    def __call__(self, r: float | np.ndarray) -> float | np.ndarray:
        """Density [g/cm^3] at radius or height ``r`` [km]."""
        if np.ndim(r):
            return np.full(np.shape(r), self.value)
        return self.value

    def shell_mean(self, r1: float, r2: float) -> float:
        """Volume-averaged density over the shell r1..r2 [km] -> [g/cm^3]."""
        return self.value

    def slab_mean(self, z1: float, z2: float) -> float:
        """Thickness-averaged density over z1..z2 [km] -> [g/cm^3]."""
        return self.value


@dataclass(frozen=True)
class PolynomialDensity:
    """``rho(r) = sum_k c_k (r / scale)^k`` -- PREM's form (Dziewonski & Anderson 1981, Table 1).

    Parameters
    ----------
    coefficients : tuple[float, ...] -- c_0, c_1, ... [g/cm^3]
    scale : float -- normalising radius a [km] (PREM: 6371 km)
    """

    coefficients: tuple[float, ...]
    scale: float

    def __post_init__(self) -> None:
        coeffs = tuple(
            _finite(c, f"density polynomial c{k}") for k, c in enumerate(self.coefficients)
        )
        if not coeffs:
            raise GeometryError("density polynomial: give at least the constant coefficient")
        scale = _finite(self.scale, "normalising radius")
        if scale <= 0:
            raise GeometryError(f"normalising radius {scale} km must be > 0")
        object.__setattr__(self, "coefficients", coeffs)
        object.__setattr__(self, "scale", scale)

    @property
    def is_constant(self) -> bool:
        return all(c == 0.0 for c in self.coefficients[1:])

    def __call__(self, r: float | np.ndarray) -> float | np.ndarray:
        """Density [g/cm^3] at radius ``r`` [km]."""
        x = np.asarray(r, dtype=float) / self.scale
        out = np.polynomial.polynomial.polyval(x, self.coefficients)
        return float(out) if np.ndim(out) == 0 else out

    def shell_mean(self, r1: float, r2: float) -> float:
        """Exact mass-weighted (r^2) mean over the shell r1..r2 [km] -> [g/cm^3].

        ``int rho r^2 dr / int r^2 dr``; the integral of each monomial is done in closed form.
        """
        a = self.scale
        num = sum(
            c * (r2 ** (k + 3) - r1 ** (k + 3)) / ((k + 3) * a**k)
            for k, c in enumerate(self.coefficients)
        )
        return num / ((r2**3 - r1**3) / 3.0)

    def slab_mean(self, z1: float, z2: float) -> float:
        """Exact thickness-averaged density over z1..z2 [km] (variable z/scale) -> [g/cm^3]."""
        a = self.scale
        num = sum(
            c * (z2 ** (k + 1) - z1 ** (k + 1)) / ((k + 1) * a**k)
            for k, c in enumerate(self.coefficients)
        )
        return num / (z2 - z1)


DensityProfile = Union[ConstantDensity, PolynomialDensity]


@dataclass(frozen=True)
class Layer:
    """A named region with its filling.

    Parameters
    ----------
    name : str -- layer name, unique within a model (``"mantle"``)
    shape : SphericalShell | Slab -- the region [km]
    material : Material | None -- composition (its own ``density`` is ignored: ``density`` rules)
    density : ConstantDensity | PolynomialDensity -- mass density profile [g/cm^3]
    number_densities : dict[str, float] | None -- explicit nuclide number densities [km^-3]
        that replace the material's composition (e.g. seed 004 Table 2); constant over the layer
    """

    name: str
    shape: SphericalShell | Slab
    material: Material | None
    density: DensityProfile
    number_densities: dict[str, float] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.shape, (SphericalShell, Slab)):
            raise GeometryError(
                f"layer {self.name!r}: shape must be a SphericalShell or Slab, got {self.shape!r}"
            )
        if self.material is None and self.number_densities is None:
            raise GeometryError(
                f"layer {self.name!r}: give a material or explicit number_densities"
            )
        if self.number_densities is not None:
            checked = {}
            for key, value in self.number_densities.items():
                v = _finite(value, f"layer {self.name!r} number_densities.{key}")
                if v < 0:
                    raise GeometryError(
                        f"layer {self.name!r}: number density of {key} is {v} km^-3; must be >= 0"
                    )
                checked[key] = v
            object.__setattr__(self, "number_densities", checked)

    def density_at(self, r: float | np.ndarray) -> float | np.ndarray:
        """Mass density [g/cm^3] at radius/height ``r`` [km]."""
        return self.density(r)

    def mean_density(self, lo: float, hi: float) -> float:
        """Mass-averaged density [g/cm^3] of the part lo..hi [km] (r^2-weighted for shells)."""
        if isinstance(self.shape, SphericalShell):
            return self.density.shell_mean(lo, hi)
        return self.density.slab_mean(lo, hi)

    def nuclide_densities_per_density(self, table=None) -> dict[str, float]:
        """Nuclide number densities [km^-3] per unit mass density [g/cm^3] of the material.

        Not defined for a layer with explicit ``number_densities`` (raises GeometryError).
        """
        if self.material is None:
            raise GeometryError(
                f"layer {self.name!r} has explicit number densities and no material"
            )
        return self.material.with_density(1.0).number_densities(table)

    def split(self, max_thickness: float | None) -> Sequence[tuple[float, float]]:
        """Sub-intervals (lo, hi) [km] no thicker than ``max_thickness`` [km].

        A layer of constant density is never split (splitting would change nothing).
        """
        lo, hi = (
            (self.shape.r_inner, self.shape.r_outer)
            if isinstance(self.shape, SphericalShell)
            else (self.shape.z_low, self.shape.z_high)
        )
        if self.density.is_constant or max_thickness is None:
            return [(lo, hi)]
        if not max_thickness > 0:
            raise GeometryError(f"max shell thickness {max_thickness!r} km must be > 0")
        n = max(1, math.ceil((hi - lo) / max_thickness - 1e-12))
        edges = np.linspace(lo, hi, n + 1)
        edges[0], edges[-1] = lo, hi
        return [(float(edges[i]), float(edges[i + 1])) for i in range(n)]

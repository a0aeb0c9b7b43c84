"""Layered standard atmospheres (U.S. Standard Atmosphere 1976, 0-86 km).

Within a layer of constant lapse rate ``L`` the temperature is linear in geopotential altitude
``H`` and hydrostatic equilibrium gives the pressure in closed form (NOAA/NASA/USAF 1976, Eqs. 33a
and 33b); the density follows from the ideal-gas law with the mean molar mass of air (Eq. 42):

    T = T_b + L (H - H_b)
    P = P_b [T_b / T]^(g0 M0 / (R* L))                   (L != 0)
    P = P_b exp(-g0 M0 (H - H_b) / (R* T_b))             (L == 0)
    rho = P M0 / (R* T)

Altitudes given to the public methods are geometric heights above sea level ``z`` [km]; they are
converted with ``H = r0 z / (r0 + z)`` (Eq. 18), r0 = 6356.766 km.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from mcdm.errors import DataLibraryError, GeometryError
from mcdm.geometry.material import Material
from mcdm.geometry.nuclide import NuclideTable, nuclide_name
from mcdm.units import KM_TO_CM

__all__ = ["AtmosphereLayer", "Atmosphere", "CompiledSlabs", "DEFAULT_MAX_SLAB_THICKNESS_KM"]

#: default thickest slab [km] when the atmosphere is compiled
DEFAULT_MAX_SLAB_THICKNESS_KM = 1.0

_GAUSS_X, _GAUSS_W = np.polynomial.legendre.leggauss(32)


class CompiledSlabs(NamedTuple):
    """Piecewise-constant horizontal slabs (plain arrays).

    Attributes
    ----------
    z_edges : ndarray (m+1,) float64 -- ascending slab boundaries, geometric altitude [km]
    mass_density : ndarray (m,) float64 -- thickness-averaged density of each slab [g/cm^3]
    number_density : ndarray (m, k) float64 -- nuclide number densities [km^-3]
    nuclides : tuple[str, ...] -- the k nuclide names
    """

    z_edges: np.ndarray
    mass_density: np.ndarray
    number_density: np.ndarray
    nuclides: tuple[str, ...]

    def column_density(self) -> float:
        """Total vertical column of the slabs [g/cm^2]."""
        return float(np.sum(self.mass_density * np.diff(self.z_edges)) * KM_TO_CM)


@dataclass(frozen=True)
class AtmosphereLayer:
    """One layer of constant lapse rate.

    Parameters
    ----------
    base_altitude : float -- geopotential altitude of the base H_b [km']
    base_temperature : float -- (molecular-scale) temperature at the base T_b [K], > 0
    lapse_rate : float -- dT/dH [K/km']
    """

    base_altitude: float
    base_temperature: float
    lapse_rate: float

    def __post_init__(self) -> None:
        for name in ("base_altitude", "base_temperature", "lapse_rate"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise GeometryError(f"atmosphere layer {name} = {value!r} is not finite")
        if self.base_temperature <= 0:
            raise GeometryError(
                f"atmosphere layer base_temperature = {self.base_temperature} K must be > 0"
            )


@dataclass(frozen=True)
class Atmosphere:
    """A hydrostatic, piecewise-linear-temperature atmosphere.

    Parameters
    ----------
    name : str -- library name (``"us_standard_1976"``)
    layers : tuple[AtmosphereLayer, ...] -- ascending base altitudes, the first at H = 0
    top : float -- geometric altitude where the model ends [km]
    material : Material -- composition (air); its ``density`` is not used
    surface_pressure : float -- P at H = 0 [Pa]
    g0 : float -- standard gravity [m/s^2]
    molar_mass : float -- mean molar mass of air M0 [kg/mol]
    gas_constant : float -- R* [J/(mol K)] (1976 value 8.31432)
    earth_radius : float -- r0 of the geopotential conversion [km]
    reference : str
    """

    name: str
    layers: tuple[AtmosphereLayer, ...]
    top: float
    material: Material
    surface_pressure: float = 101325.0
    g0: float = 9.80665
    molar_mass: float = 0.0289644
    gas_constant: float = 8.31432
    earth_radius: float = 6356.766
    reference: str = ""
    _base_pressures: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        layers = tuple(self.layers)
        object.__setattr__(self, "layers", layers)
        if not layers:
            raise GeometryError(f"atmosphere {self.name!r}: no layers")
        if layers[0].base_altitude != 0.0:
            raise GeometryError(
                f"atmosphere {self.name!r}: the first layer starts at "
                f"{layers[0].base_altitude} km'; it must start at 0"
            )
        for below, above in zip(layers[:-1], layers[1:]):
            if not above.base_altitude > below.base_altitude:
                raise GeometryError(
                    f"atmosphere {self.name!r}: base altitudes must ascend, got "
                    f"{below.base_altitude} then "
                    f"{above.base_altitude} km'"
                )
        for name in ("top", "surface_pressure", "g0", "molar_mass", "gas_constant", "earth_radius"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise GeometryError(
                    f"atmosphere {self.name!r}: {name} = {value!r} must be finite and > 0"
                )
        if self.geopotential(self.top) <= layers[-1].base_altitude:
            raise GeometryError(
                f"atmosphere {self.name!r}: top = {self.top} km lies below the last layer base"
            )
        pressures = [self.surface_pressure]
        for below, above in zip(layers[:-1], layers[1:]):
            pressures.append(self._layer_pressure(below, pressures[-1], above.base_altitude))
        object.__setattr__(self, "_base_pressures", tuple(pressures))

    # -- state variables ------------------------------------------------------------------------
    def geopotential(self, z: float | np.ndarray) -> float | np.ndarray:
        """Geopotential altitude H [km'] of geometric altitude ``z`` [km] (US 1976 Eq. 18)."""
        return (
            self.earth_radius
            * np.asarray(z, dtype=float)
            / (self.earth_radius + np.asarray(z, dtype=float))
        )

    def _exponent(self, lapse_km: float) -> float:
        # g0 M0 / (R* L) with L in K/m
        return self.g0 * self.molar_mass / (self.gas_constant * lapse_km * 1.0e-3)

    def _layer_pressure(
        self, layer: AtmosphereLayer, p_base: float, h: np.ndarray | float
    ) -> np.ndarray | float:
        dh = np.asarray(h, dtype=float) - layer.base_altitude
        if layer.lapse_rate == 0.0:
            # US 1976 Eq. (33b)
            return p_base * np.exp(
                -self.g0
                * self.molar_mass
                * dh
                * 1.0e3
                / (self.gas_constant * layer.base_temperature)
            )
        temperature = layer.base_temperature + layer.lapse_rate * dh
        # US 1976 Eq. (33a)
        return p_base * (layer.base_temperature / temperature) ** self._exponent(layer.lapse_rate)

    def _check(self, z: np.ndarray) -> None:
        bad = (z < 0.0) | (z > self.top) | ~np.isfinite(z)
        if np.any(bad):
            raise GeometryError(
                f"altitude {z[bad][0]!r} km is outside the atmosphere {self.name!r}; allowed "
                f"[0, {self.top}] km"
            )

    def _state(self, z: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z_arr = np.atleast_1d(np.asarray(z, dtype=float))
        self._check(z_arr)
        h = self.geopotential(z_arr)
        bases = np.array([layer.base_altitude for layer in self.layers])
        idx = np.clip(np.searchsorted(bases, h, side="right") - 1, 0, len(self.layers) - 1)
        temperature = np.empty_like(h)
        pressure = np.empty_like(h)
        for i in np.unique(idx):
            sel = idx == i
            layer = self.layers[i]
            temperature[sel] = layer.base_temperature + layer.lapse_rate * (
                h[sel] - layer.base_altitude
            )
            pressure[sel] = self._layer_pressure(layer, self._base_pressures[i], h[sel])
        return temperature, pressure

    def temperature(self, z: float | np.ndarray) -> float | np.ndarray:
        """Molecular-scale temperature [K] at geometric altitude ``z`` [km]."""
        t, _ = self._state(z)
        return float(t[0]) if np.ndim(z) == 0 else t

    def pressure(self, z: float | np.ndarray) -> float | np.ndarray:
        """Pressure [Pa] at geometric altitude ``z`` [km]."""
        _, p = self._state(z)
        return float(p[0]) if np.ndim(z) == 0 else p

    def density(self, z: float | np.ndarray) -> float | np.ndarray:
        """Mass density [g/cm^3] at geometric altitude ``z`` [km] (US 1976 Eq. 42)."""
        t, p = self._state(z)
        rho = p * self.molar_mass / (self.gas_constant * t) * 1.0e-3  # kg/m^3 -> g/cm^3
        return float(rho[0]) if np.ndim(z) == 0 else rho

    @property
    def base_pressures(self) -> tuple[float, ...]:
        """Pressure at each layer base [Pa]."""
        return self._base_pressures

    # -- integrals and compilation --------------------------------------------------------------
    def _mean_density(self, z1: float, z2: float) -> float:
        """Thickness-averaged density over z1..z2 [km] -> [g/cm^3] (32-point Gauss-Legendre)."""
        # split at layer bases (in geometric altitude) so that each piece is smooth
        r0 = self.earth_radius
        cuts = [r0 * layer.base_altitude / (r0 - layer.base_altitude) for layer in self.layers[1:]]
        points = [z1] + [c for c in cuts if z1 < c < z2] + [z2]
        total = 0.0
        for a, b in zip(points[:-1], points[1:]):
            z = 0.5 * (b - a) * _GAUSS_X + 0.5 * (a + b)
            total += 0.5 * (b - a) * float(np.dot(_GAUSS_W, self.density(z)))
        return total / (z2 - z1)

    def column_density(self, z_low: float = 0.0, z_high: float | None = None) -> float:
        """Column between altitudes ``z_low`` and ``z_high`` (default top) [km] -> [g/cm^2]."""
        z_high = self.top if z_high is None else z_high
        if z_high <= z_low:
            return 0.0
        return self._mean_density(z_low, z_high) * (z_high - z_low) * KM_TO_CM

    def compile(
        self,
        n_slabs: int | None = None,
        max_thickness_km: float | None = None,
        nuclides: Iterable[str] | None = None,
        table: NuclideTable | None = None,
    ) -> CompiledSlabs:
        """Discretise 0..top into equal slabs of thickness-averaged density.

        Parameters
        ----------
        n_slabs : number of equal slabs; or
        max_thickness_km : thickest slab [km] (default :data:`DEFAULT_MAX_SLAB_THICKNESS_KM`)
        nuclides : columns of ``number_density`` (default: all nuclides of air, by Z and A)
        table : natural-abundance table (default: the library's)
        """
        if n_slabs is not None and max_thickness_km is not None:
            raise GeometryError("give n_slabs or max_thickness_km, not both")
        if n_slabs is None:
            max_t = (
                DEFAULT_MAX_SLAB_THICKNESS_KM
                if max_thickness_km is None
                else float(max_thickness_km)
            )
            if not max_t > 0:
                raise GeometryError(f"max_thickness_km = {max_thickness_km!r} must be > 0")
            n_slabs = max(1, math.ceil(self.top / max_t - 1e-12))
        if isinstance(n_slabs, bool) or int(n_slabs) != n_slabs or n_slabs < 1:
            raise GeometryError(f"n_slabs = {n_slabs!r} must be a positive integer")
        edges = np.linspace(0.0, self.top, int(n_slabs) + 1)
        rho = np.array([self._mean_density(a, b) for a, b in zip(edges[:-1], edges[1:])])
        per_density = self.material.with_density(1.0).number_densities(table)
        if nuclides is None:
            columns = tuple(per_density)
        else:
            columns = tuple(nuclide_name(n) for n in nuclides)
            missing = [n for n in columns if n not in per_density]
            if missing:
                raise DataLibraryError(
                    f"nuclides {missing} are not in atmosphere {self.name!r}; available: "
                    f"{list(per_density)}"
                )
        number = rho[:, None] * np.array([per_density[n] for n in columns])[None, :]
        return CompiledSlabs(edges, rho, number.reshape(len(rho), len(columns)), columns)

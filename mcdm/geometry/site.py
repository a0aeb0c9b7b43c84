"""Underground sites and their overburden (``geometry/sites``, ``geometry/overburden``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mcdm.errors import GeometryError
from mcdm.geometry.layer import ConstantDensity, Layer, Slab
from mcdm.geometry.material import Material
from mcdm.geometry.overburden import check_stack, compile_layers, empty_overburden
from mcdm.units import KM_TO_CM

__all__ = ["Site", "Overburden"]


@dataclass(frozen=True)
class Overburden:
    """Rock, concrete and shielding above a site (``geometry/overburden``).

    Two kinds:

    * ``"flat"`` -- one horizontal slab of uniform ``material`` from the site up to the surface;
      its thickness is the site's depth (given to the methods as ``depth_km``);
    * ``"layers"`` -- an ordered stack of horizontal slabs, top to bottom, each a
      :class:`~mcdm.geometry.layer.Layer` on a :class:`~mcdm.geometry.layer.Slab` contiguous
      from z = 0 (the top) downwards, with its own material and constant density (DaMaSCUS-CRUST's
      ``layers`` list, anchors/transport.md §C); the detector sits at the bottom, so the stack
      fixes the depth.

    Either kind compiles to :class:`~mcdm.geometry.overburden.CompiledOverburden` (planar slabs
    for :class:`~mcdm.transport.continuous.ContinuousSlowing`) with :meth:`compile`.

    Parameters
    ----------
    name : str -- library name (``"standard_rock"``)
    kind : str -- ``"flat"`` or ``"layers"``
    material : Material | None -- the rock of a ``"flat"`` overburden, at its own density
        [g/cm^3]; None for ``"layers"``
    reference : str
    layers : tuple[Layer, ...] -- the stack of a ``"layers"`` overburden, top to bottom [km,
        g/cm^3]; empty for ``"flat"``
    """

    name: str
    kind: str
    material: Material | None
    reference: str = ""
    layers: tuple[Layer, ...] = ()

    KINDS = ("flat", "layers")

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise GeometryError(
                f"overburden {self.name!r}: kind {self.kind!r} is not one of {list(self.KINDS)}"
            )
        object.__setattr__(self, "layers", tuple(self.layers))
        if self.kind == "flat":
            if self.material is None:
                raise GeometryError(f"overburden {self.name!r}: kind 'flat' needs a material")
            if self.layers:
                raise GeometryError(
                    f"overburden {self.name!r}: kind 'flat' takes no layers (use kind 'layers')"
                )
        else:
            if self.material is not None:
                raise GeometryError(
                    f"overburden {self.name!r}: kind 'layers' takes no material; give each "
                    "layer its own"
                )
            if not self.layers:
                raise GeometryError(f"overburden {self.name!r}: kind 'layers' needs >= 1 layer")
            check_stack(self.layers, f"overburden {self.name!r}")

    @property
    def thickness_km(self) -> float | None:
        """Thickness of a ``"layers"`` stack [km] (None for ``"flat"``: the site's depth)."""
        if self.kind == "flat":
            return None
        return float(sum(layer.shape.thickness for layer in self.layers))

    def stack(self, depth_km: float | None = None) -> tuple[Layer, ...]:
        """The overburden as slab layers, top to bottom.

        ``"flat"``: the single slab z = -depth..0 of ``depth_km`` [km] (required; 0 gives no
        layer). ``"layers"``: the file's stack; ``depth_km`` must be None or its thickness.
        """
        if self.kind == "flat":
            if depth_km is None:
                raise GeometryError(
                    f"overburden {self.name!r} is flat: give the depth [km] it spans"
                )
            if depth_km == 0:
                return ()
            return (self.layer(depth_km),)
        total = self.thickness_km
        if depth_km is not None and abs(depth_km - total) > 1e-9 * max(1.0, total):
            raise GeometryError(
                f"overburden {self.name!r} is a stack {total} km thick; a detector at depth "
                f"{depth_km} km is not at its bottom"
            )
        return self.layers

    def compile(self, depth_km: float | None = None, nuclides=None, table=None):
        """The stack as :class:`~mcdm.geometry.overburden.CompiledOverburden` (planar slabs).

        Parameters
        ----------
        depth_km : thickness of a ``"flat"`` overburden [km] (see :meth:`stack`)
        nuclides : columns of the number densities (default: the stack's nuclides by Z, A)
        table : natural-abundance table (default: the library's)
        """
        layers = self.stack(depth_km)
        if not layers:
            cols = () if nuclides is None else tuple(nuclides)
            return empty_overburden(cols)
        return compile_layers(layers, nuclides, table)

    def column_density(self, depth_km: float | None = None) -> float:
        """Vertical column above a depth [g/cm^2].

        ``"flat"``: of rock above ``depth_km`` [km] (required). ``"layers"``: of the slabs above
        ``depth_km`` [km] below the top (default: the whole stack, the detector's depth).
        """
        if self.kind == "flat":
            if depth_km is None or not depth_km >= 0:
                raise GeometryError(f"depth {depth_km!r} km must be >= 0")
            return self.material.density * depth_km * KM_TO_CM
        total = self.thickness_km
        depth = total if depth_km is None else float(depth_km)
        if not 0 <= depth <= total * (1 + 1e-12):
            raise GeometryError(
                f"depth {depth_km!r} km must lie in the stack of overburden {self.name!r} "
                f"(0 to {total} km)"
            )
        column = 0.0
        for layer in self.layers:
            top = -layer.shape.z_high
            if depth <= top:
                break
            column += layer.density.value * (min(depth, -layer.shape.z_low) - top)
        return column * KM_TO_CM

    def water_equivalent_km(self, depth_km: float | None = None) -> float:
        """Vertical depth in km water equivalent (1 km w.e. = 1e5 g/cm^2); see
        :meth:`column_density` for ``depth_km`` [km]."""
        return self.column_density(depth_km) / KM_TO_CM

    def layer(self, depth_km: float) -> Layer:
        """A ``"flat"`` overburden as a :class:`Layer` on the Slab z = -depth..0 [km]."""
        if self.kind != "flat":
            raise GeometryError(
                f"overburden {self.name!r} is a stack of layers: use stack() or layers"
            )
        if not depth_km > 0:
            raise GeometryError(f"depth {depth_km!r} km must be > 0 to build an overburden slab")
        return Layer(
            self.name,
            Slab(-float(depth_km), 0.0),
            self.material,
            ConstantDensity(self.material.density),
        )


@dataclass(frozen=True)
class Site:
    """An underground laboratory.

    Parameters
    ----------
    name : str -- library name (file stem, lower case: ``"lngs"``)
    latitude_deg : float -- geodetic latitude [deg], in [-90, 90] (north positive)
    longitude_deg : float -- longitude [deg], in [-180, 360) (east positive)
    depth_km : float -- vertical rock depth below the surface [km], >= 0
    overburden : str -- name of a geometry/overburden entry
    reference : str -- where the coordinates and depth come from
    aliases : tuple[str, ...] -- other names accepted by :func:`~mcdm.geometry.library.load_site`
    water_equivalent_km : float | None -- published vertical depth [km w.e.], if any
    label : str -- display name
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    depth_km: float
    overburden: str = "standard_rock"
    reference: str = ""
    aliases: tuple[str, ...] = ()
    water_equivalent_km: float | None = None
    label: str = ""

    def __post_init__(self) -> None:
        checks = (
            ("latitude_deg", -90.0, 90.0, True),
            ("longitude_deg", -180.0, 360.0, False),
        )
        for name, lo, hi, closed in checks:
            value = getattr(self, name)
            ok = math.isfinite(value) and lo <= value and (value <= hi if closed else value < hi)
            if not ok:
                bracket = "]" if closed else ")"
                raise GeometryError(
                    f"site {self.name!r}: {name} = {value!r} outside [{lo:g}, {hi:g}{bracket}"
                )
        if not (math.isfinite(self.depth_km) and self.depth_km >= 0):
            raise GeometryError(
                f"site {self.name!r}: depth_km = {self.depth_km!r} must be finite and >= 0"
            )
        if self.water_equivalent_km is not None and not (
            math.isfinite(self.water_equivalent_km) and self.water_equivalent_km >= 0
        ):
            raise GeometryError(
                f"site {self.name!r}: water_equivalent_km = {self.water_equivalent_km!r} must "
                "be finite and >= 0"
            )
        object.__setattr__(self, "aliases", tuple(self.aliases))

    @property
    def latitude(self) -> float:
        """Latitude [rad]."""
        return math.radians(self.latitude_deg)

    @property
    def longitude(self) -> float:
        """Longitude [rad]."""
        return math.radians(self.longitude_deg)

    @property
    def colatitude(self) -> float:
        """Polar angle from the north pole, 90 deg - latitude [rad] (seed 004's code uses it)."""
        return math.radians(90.0 - self.latitude_deg)

    def detector_radius(self, earth) -> float:
        """Distance of the detector from the Earth's centre ``R_E - depth`` [km].

        ``earth`` is an :class:`~mcdm.geometry.earth.EarthModel` (its ``radius``) or a radius [km].
        """
        radius = float(getattr(earth, "radius", earth))
        if self.depth_km >= radius:
            raise GeometryError(
                f"site {self.name!r}: depth {self.depth_km} km is not inside an Earth of "
                f"radius {radius} km"
            )
        return radius - self.depth_km

    def position(self, earth) -> np.ndarray:
        """Detector position (3,) in the Earth-fixed frame of a spherical Earth [km].

        x towards (lat 0, lon 0), z towards the north pole; radius ``detector_radius(earth)``.
        """
        r = self.detector_radius(earth)
        lat, lon = self.latitude, self.longitude
        return r * np.array(
            [math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)]
        )

    def to_earth_location(self):
        """The site as an astropy ``EarthLocation`` (WGS84 geodetic, height = -depth).

        The height is the depth below the reference ellipsoid, matching the spherical model
        ``R_E - depth``; the surface elevation of the mountain above the lab is not included.
        """
        from mcdm.source.iers import configure_offline

        configure_offline()
        import astropy.units as u
        from astropy.coordinates import EarthLocation

        return EarthLocation.from_geodetic(
            lon=self.longitude_deg * u.deg,
            lat=self.latitude_deg * u.deg,
            height=-self.depth_km * u.km,
        )

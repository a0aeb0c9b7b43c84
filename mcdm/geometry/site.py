"""Underground sites and their rock overburden (``geometry/sites``, ``geometry/overburden``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mcdm.errors import GeometryError
from mcdm.geometry.layer import ConstantDensity, Layer, Slab
from mcdm.geometry.material import Material
from mcdm.units import KM_TO_CM

__all__ = ["Site", "Overburden"]


@dataclass(frozen=True)
class Overburden:
    """Rock above a site.

    Parameters
    ----------
    name : str -- library name (``"standard_rock"``)
    kind : str -- ``"flat"``: a horizontal slab of uniform ``material`` from the site upwards
    material : Material -- the rock, at its own density [g/cm^3]
    reference : str
    """

    name: str
    kind: str
    material: Material
    reference: str = ""

    KINDS = ("flat",)

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise GeometryError(
                f"overburden {self.name!r}: kind {self.kind!r} is not one of {list(self.KINDS)}"
            )

    def column_density(self, depth_km: float) -> float:
        """Vertical column of rock above a depth ``depth_km`` [km] -> [g/cm^2]."""
        if not depth_km >= 0:
            raise GeometryError(f"depth {depth_km!r} km must be >= 0")
        return self.material.density * depth_km * KM_TO_CM

    def water_equivalent_km(self, depth_km: float) -> float:
        """Vertical depth in km water equivalent (1 km w.e. = 1e5 g/cm^2) of rock depth [km]."""
        return self.column_density(depth_km) / KM_TO_CM

    def layer(self, depth_km: float) -> Layer:
        """The overburden as a :class:`Layer` on the Slab z = -depth..0 [km]."""
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

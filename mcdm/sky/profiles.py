"""Galactic density models for line-of-sight integrals (digest 001 §3, §8 C10).

The seed paper gives no profile (digest 001 §3); these are the engine's configurable choices.
Every model is a frozen dataclass evaluable on numpy arrays of Galactocentric (x, y, z) [kpc]
(:meth:`density`) and packs itself for the numba kernel as a kind code and a float parameter
array (:meth:`kernel_params`, codes in :mod:`mcdm.kernels.sky`).

Units: lengths [kpc]; dark-matter mass densities rho [GeV/cm^3]; electron/gas number densities
n [cm^-3]. Galactocentric frame: Galactic centre at the origin, the Sun at (-R_sun, 0, 0), z
towards the north Galactic pole (the astropy Galactocentric orientation, with z_sun = 0).

Defaults of the ``local`` constructors (documented choices, not fits):

* R_sun = 8.2 kpc -- Bland-Hawthorn & Gerhard 2016 (8.2 +- 0.1 kpc); GRAVITY 2019 gives 8.178.
* rho_local = 0.4 GeV/cm^3 -- mid-range of local determinations (Read 2014 review: 0.2-0.6).
* NFW r_s = 20 kpc -- the usual Milky-Way choice of Galactic-centre analyses (PPPC4DMID: 24.42).
* Einasto alpha = 0.17, r_s = 20 kpc -- Navarro et al. 2004 / Aquarius shape (PPPC4DMID: 0.17,
  28.44 kpc); r_s kept equal to the NFW one so the two differ only in the inner slope.
* Burkert r_0 = 9 kpc -- Nesti & Salucci 2013 (JCAP 07, 016) best fit.

Gas: the nugget emissivity needs the electron (baryon) density n_e ~ n_B (digest 001 §3). The
smooth :class:`ExponentialDisk` is axisymmetric, hence evaluated in 3-D; :class:`GasMap` instead
takes a user HEALPix map (see its docstring for the approximation it implies).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import numpy as np

from mcdm.errors import ConfigError
from mcdm.kernels import sky as _k

__all__ = ["R_SUN_KPC", "RHO_LOCAL_GEV_CM3", "NFW", "Einasto", "Burkert", "ExponentialDisk",
           "SphericalPowerLaw", "ConstantSphere", "GasMap", "Profile", "galactocentric_radius"]

#: default Sun - Galactic centre distance [kpc] (Bland-Hawthorn & Gerhard 2016)
R_SUN_KPC = 8.2
#: default local dark-matter density [GeV/cm^3]
RHO_LOCAL_GEV_CM3 = 0.4


def _positive(name: str, value: float) -> float:
    v = float(value)
    if not (np.isfinite(v) and v > 0.0):
        raise ConfigError(f"{name} = {value!r} must be finite and > 0")
    return v


def _nonnegative(name: str, value: float) -> float:
    v = float(value)
    if not (np.isfinite(v) and v >= 0.0):
        raise ConfigError(f"{name} = {value!r} must be finite and >= 0")
    return v


def galactocentric_radius(x, y, z) -> np.ndarray:
    """Spherical radius r = sqrt(x^2 + y^2 + z^2) [kpc] of Galactocentric points [kpc]."""
    x, y, z = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (x, y, z)))
    return np.sqrt(x * x + y * y + z * z)


def _pack(kind: int, *values: float) -> tuple[int, np.ndarray]:
    prm = np.zeros(_k.N_PARAMS)
    prm[:len(values)] = values
    return kind, prm


class _Spherical:
    """Mixin: spherically symmetric model, density(x, y, z) = density_r(r)."""

    def density_r(self, r) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def density(self, x, y, z) -> np.ndarray:
        """Density at Galactocentric (x, y, z) [kpc] (unit of the model)."""
        return self.density_r(galactocentric_radius(x, y, z))

    @property
    def break_radii(self) -> tuple[float, ...]:
        """Radii [kpc] where the density jumps (panel edges for the integrator)."""
        return ()

    @classmethod
    def _normalised_at(cls, rho_local: float, r_sun: float, *shape: float):
        """The profile with shape parameters ``shape`` scaled so that rho(r_sun) = rho_local."""
        unit = cls(1.0, *shape).density_r(_positive("r_sun", r_sun))
        return cls(_positive("rho_local", rho_local) / float(unit), *shape)


@dataclass(frozen=True)
class NFW(_Spherical):
    """NFW profile rho(r) = rho_s / ((r/r_s)(1 + r/r_s)^2) [GeV/cm^3]; r_s [kpc]."""

    rho_s: float
    r_s: float
    unit = "GeV cm^-3"

    def __post_init__(self):
        _positive("NFW.rho_s", self.rho_s)
        _positive("NFW.r_s", self.r_s)

    @classmethod
    def local(cls, r_s: float = 20.0, rho_local: float = RHO_LOCAL_GEV_CM3,
              r_sun: float = R_SUN_KPC) -> "NFW":
        """NFW with scale radius r_s [kpc] and rho(r_sun) = rho_local [GeV/cm^3]."""
        return cls._normalised_at(rho_local, r_sun, _positive("r_s", r_s))

    def density_r(self, r) -> np.ndarray:
        q = np.asarray(r, dtype=np.float64) / self.r_s
        with np.errstate(divide="ignore"):
            return self.rho_s / (q * (1.0 + q) ** 2)

    def kernel_params(self) -> tuple[int, np.ndarray]:
        return _pack(_k.KIND_NFW, self.rho_s, self.r_s)


@dataclass(frozen=True)
class Einasto(_Spherical):
    """Einasto rho(r) = rho_s exp(-(2/alpha)((r/r_s)^alpha - 1)) [GeV/cm^3]; r_s [kpc]."""

    rho_s: float
    r_s: float
    alpha: float
    unit = "GeV cm^-3"

    def __post_init__(self):
        _positive("Einasto.rho_s", self.rho_s)
        _positive("Einasto.r_s", self.r_s)
        _positive("Einasto.alpha", self.alpha)

    @classmethod
    def local(cls, r_s: float = 20.0, alpha: float = 0.17, rho_local: float = RHO_LOCAL_GEV_CM3,
              r_sun: float = R_SUN_KPC) -> "Einasto":
        """Einasto with (r_s [kpc], alpha) and rho(r_sun) = rho_local [GeV/cm^3]."""
        return cls._normalised_at(rho_local, r_sun, _positive("r_s", r_s), alpha)

    def density_r(self, r) -> np.ndarray:
        q = np.asarray(r, dtype=np.float64) / self.r_s
        return self.rho_s * np.exp(-(2.0 / self.alpha) * (q ** self.alpha - 1.0))

    def kernel_params(self) -> tuple[int, np.ndarray]:
        return _pack(_k.KIND_EINASTO, self.rho_s, self.r_s, self.alpha)


@dataclass(frozen=True)
class Burkert(_Spherical):
    """Burkert rho(r) = rho_0 / ((1 + r/r_0)(1 + (r/r_0)^2)) [GeV/cm^3]; r_0 [kpc]."""

    rho_0: float
    r_0: float
    unit = "GeV cm^-3"

    def __post_init__(self):
        _positive("Burkert.rho_0", self.rho_0)
        _positive("Burkert.r_0", self.r_0)

    @classmethod
    def local(cls, r_0: float = 9.0, rho_local: float = RHO_LOCAL_GEV_CM3,
              r_sun: float = R_SUN_KPC) -> "Burkert":
        """Burkert with core radius r_0 [kpc] and rho(r_sun) = rho_local [GeV/cm^3]."""
        return cls._normalised_at(rho_local, r_sun, _positive("r_0", r_0))

    def density_r(self, r) -> np.ndarray:
        q = np.asarray(r, dtype=np.float64) / self.r_0
        return self.rho_0 / ((1.0 + q) * (1.0 + q * q))

    def kernel_params(self) -> tuple[int, np.ndarray]:
        return _pack(_k.KIND_BURKERT, self.rho_0, self.r_0)


@dataclass(frozen=True)
class SphericalPowerLaw(_Spherical):
    """n(r) = n0 (r/r_ref)^(-index) for r <= r_max, 0 beyond [cm^-3]; r_ref, r_max [kpc]."""

    n0: float
    r_ref: float
    index: float
    r_max: float = float("inf")
    unit = "cm^-3"

    def __post_init__(self):
        _positive("SphericalPowerLaw.n0", self.n0)
        _positive("SphericalPowerLaw.r_ref", self.r_ref)
        if not np.isfinite(self.index):
            raise ConfigError(f"SphericalPowerLaw.index = {self.index!r} must be finite")
        if not float(self.r_max) > 0.0:
            raise ConfigError(f"SphericalPowerLaw.r_max = {self.r_max!r} must be > 0")

    def density_r(self, r) -> np.ndarray:
        r = np.asarray(r, dtype=np.float64)
        with np.errstate(divide="ignore"):
            return np.where(r <= self.r_max, self.n0 * (r / self.r_ref) ** (-self.index), 0.0)

    @property
    def break_radii(self) -> tuple[float, ...]:
        return (float(self.r_max),) if np.isfinite(self.r_max) else ()

    def kernel_params(self) -> tuple[int, np.ndarray]:
        return _pack(_k.KIND_POWER_LAW, self.n0, self.r_ref, self.index, self.r_max)


@dataclass(frozen=True)
class ConstantSphere(_Spherical):
    """n(r) = n0 for r <= radius, 0 beyond [cm^-3 or any unit]; radius [kpc] (test model)."""

    n0: float
    radius: float
    unit = "cm^-3"

    def __post_init__(self):
        _nonnegative("ConstantSphere.n0", self.n0)
        _positive("ConstantSphere.radius", self.radius)

    def density_r(self, r) -> np.ndarray:
        r = np.asarray(r, dtype=np.float64)
        return np.where(r <= self.radius, self.n0, 0.0)

    @property
    def break_radii(self) -> tuple[float, ...]:
        return (float(self.radius),)

    def kernel_params(self) -> tuple[int, np.ndarray]:
        return _pack(_k.KIND_CONST_SPHERE, self.n0, self.radius)


@dataclass(frozen=True)
class ExponentialDisk:
    """Axisymmetric gas disk n(R, z) = n0 exp(-R/R_d - |z|/z_d) [cm^-3]; R_d, z_d [kpc].

    R = sqrt(x^2 + y^2) is the cylindrical Galactocentric radius: not spherically symmetric, so
    the integrator evaluates it at 3-D points. No preset is given: a smooth ionized-gas disk is
    an illustrative stand-in for a real gas model (Ferriere 2007, NE2001, YMW16).
    """

    n0: float
    R_d: float
    z_d: float
    unit = "cm^-3"

    def __post_init__(self):
        _positive("ExponentialDisk.n0", self.n0)
        _positive("ExponentialDisk.R_d", self.R_d)
        _positive("ExponentialDisk.z_d", self.z_d)

    def density(self, x, y, z) -> np.ndarray:
        """Density at Galactocentric (x, y, z) [kpc] -> [cm^-3]."""
        x, y, z = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (x, y, z)))
        return self.n0 * np.exp(-np.hypot(x, y) / self.R_d - np.abs(z) / self.z_d)

    @property
    def break_radii(self) -> tuple[float, ...]:
        return ()

    def kernel_params(self) -> tuple[int, np.ndarray]:
        return _pack(_k.KIND_EXP_DISK, self.n0, self.R_d, self.z_d)


@dataclass(frozen=True)
class GasMap:
    """A user HEALPix map g(l, b) of the effective electron density along each sightline [cm^-3].

    Approximation: the rho_DM x n_e line-of-sight integral is replaced by
    M(l, b) = g(l, b) x int rho_DM ds, which is exact when g is the rho_DM-weighted mean
    g = int rho_DM n_e ds / int rho_DM ds along that sightline. A map of a gas column N_e(l, b)
    divided by a path length is a cruder stand-in: it ignores that the DM weight peaks near the
    closest approach to the Galactic centre. Map in Galactic coordinates, RING ordering unless
    ``nest``; values looked up at the nearest pixel.
    """

    values: np.ndarray = field(repr=False)
    nest: bool = False
    unit: str = "cm^-3"

    def __post_init__(self):
        import healpy as hp

        v = np.array(self.values, dtype=np.float64)
        if v.ndim != 1 or not hp.isnpixok(v.size):
            raise ConfigError(f"GasMap.values must be a full HEALPix map, got shape {v.shape}")
        if not np.all(np.isfinite(v)):
            raise ConfigError("GasMap.values must be finite")
        v.setflags(write=False)
        object.__setattr__(self, "values", v)

    @property
    def nside(self) -> int:
        import healpy as hp

        return int(hp.npix2nside(self.values.size))

    def value(self, l_deg, b_deg) -> np.ndarray:
        """g at Galactic (l, b) [deg] (nearest pixel) [self.unit]."""
        import healpy as hp

        pix = hp.ang2pix(self.nside, np.asarray(l_deg, dtype=np.float64),
                         np.asarray(b_deg, dtype=np.float64), lonlat=True, nest=self.nest)
        return self.values[pix]


#: a model evaluable by the integrator (GasMap is applied after the integral)
Profile = Union[NFW, Einasto, Burkert, SphericalPowerLaw, ConstantSphere, ExponentialDisk]

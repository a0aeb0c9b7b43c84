"""Background cosmology of the dark forest (seed 002, digest 002 §1.1 and §13 item 1).

:class:`ForestCosmology` wraps an :mod:`astropy.cosmology` FLRW object (default ``Planck18``, any
astropy realization selectable by name) plus the two power-spectrum numbers astropy does not carry
(sigma_8, n_s; taken from the realization's ``meta`` when present). astropy is the one source of the
background: H(z), rho_c(z), T_CMB(z) and distances. The mean matter density includes massive
neutrinos (non-relativistic at z < 10 for m_nu = 0.06 eV), so ``Om0_matter`` = 0.3111 for Planck18,
the value of colossus' own ``planck18`` set.

colossus (used for sigma(M), the Tinker08 mass function and the Bullock01 concentration, see
:mod:`mcdm.forest.halos`) is configured *from* this object by :meth:`ForestCosmology.colossus`:
same H0, Om0_matter, Ob0, T_CMB0, N_eff, sigma_8, n_s, flat. colossus treats all N_eff neutrinos
as massless radiation, so its H(z) differs from astropy's by ~1e-4 at z <= 7 (measured: 1.1e-4 at
z = 3). Its tables are built in memory with ``persistence=''``: nothing is read from or written to
``~/.colossus`` and nothing is downloaded (colossus computes the Eisenstein & Hu transfer function
analytically).

Units: redshift z [1]; H [km/s/Mpc]; densities [M_sun/kpc^3] *physical* (no h); distances [Mpc];
temperatures [K]. Halo masses elsewhere in :mod:`mcdm.forest` are in M_sun/h (the paper's and
colossus' convention); :attr:`ForestCosmology.h` converts.
"""
from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import astropy.constants as const
import astropy.units as u
import numpy as np
from astropy.cosmology import FLRW
from astropy.cosmology import realizations as _realizations

from mcdm.errors import ConfigError

__all__ = ["ForestCosmology", "KNOWN_COSMOLOGIES", "colossus_cosmology"]

#: astropy realizations selectable by name
KNOWN_COSMOLOGIES: tuple[str, ...] = tuple(_realizations.available)
#: Omega_nu h^2 per eV of summed neutrino mass (non-relativistic neutrinos, Lesgourgues & Pastor)
_OMEGA_NU_H2_PER_EV = 1.0 / 93.14
#: speed of light [km/s]
_C_KM_S = const.c.to_value(u.km / u.s)
#: critical density today for h = 1 [M_sun / kpc^3]
_RHO_C0_H1 = (3 * (100 * u.km / u.s / u.Mpc) ** 2 / (8 * math.pi * const.G)).to_value(u.Msun / u.kpc**3)


@dataclass(frozen=True)
class ForestCosmology:
    """An astropy FLRW cosmology plus sigma_8 and n_s for the colossus power spectrum.

    Attributes
    ----------
    astropy : astropy.cosmology.FLRW
        The background (default ``Planck18``: H0 = 67.66, Om0 = 0.30966 + massive nu, Ob0 = 0.04897,
        Tcmb0 = 2.7255 K, N_eff = 3.046; Planck 2018 TT,TE,EE+lowE+lensing+BAO).
    sigma8 : float
        rms linear overdensity in 8 Mpc/h spheres at z = 0 [1]; default from ``astropy.meta``.
    ns : float
        Scalar spectral index [1]; default from ``astropy.meta['n']``.
    """

    astropy: FLRW = field(default_factory=lambda: _realizations.Planck18)
    sigma8: float | None = None
    ns: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.astropy, FLRW):
            raise ConfigError(f"astropy must be an astropy.cosmology FLRW object, got {self.astropy!r}")
        meta = dict(self.astropy.meta or {})
        for name, key in (("sigma8", "sigma8"), ("ns", "n")):
            value = getattr(self, name)
            if value is None:
                value = meta.get(key)
            if value is None:
                raise ConfigError(f"{name} is not in the metadata of {self.astropy.name!r}; pass {name}=")
            value = float(value)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be a finite positive number, got {value!r}")
            object.__setattr__(self, name, value)
        if self.astropy.Ok0 != 0.0:
            raise ConfigError(f"only flat cosmologies are supported, got Ok0 = {self.astropy.Ok0}")

    @classmethod
    def from_name(cls, name: str = "Planck18", **kwargs: Any) -> ForestCosmology:
        """The astropy realization ``name`` (one of :data:`KNOWN_COSMOLOGIES`)."""
        if name not in KNOWN_COSMOLOGIES:
            raise ConfigError(f"unknown cosmology {name!r}; known: {sorted(KNOWN_COSMOLOGIES)}")
        return cls(astropy=getattr(_realizations, name), **kwargs)

    # ----------------------------------------------------------------------------- parameters
    @property
    def name(self) -> str:
        """Name of the astropy realization (``"custom"`` if it has none)."""
        return str(self.astropy.name or "custom")

    @property
    def h(self) -> float:
        """Dimensionless Hubble parameter H0 / (100 km/s/Mpc) [1]."""
        return float(self.astropy.h)

    @property
    def T0(self) -> float:
        """CMB temperature today [K]."""
        return float(self.astropy.Tcmb0.to_value(u.K))

    @property
    def Om0_matter(self) -> float:
        """Omega of non-relativistic matter today: CDM + baryons + massive neutrinos [1]."""
        m_nu = self.astropy.m_nu
        sum_m_nu = 0.0 if m_nu is None else float(np.sum(m_nu.to_value(u.eV)))
        return float(self.astropy.Om0) + sum_m_nu * _OMEGA_NU_H2_PER_EV / self.h**2

    @property
    def Oc0(self) -> float:
        """Omega of cold dark matter today [1] (Om0 - Ob0 of astropy, neutrinos excluded)."""
        return float(self.astropy.Om0 - self.astropy.Ob0)

    # ----------------------------------------------------------------------------- background
    def H(self, z: Any) -> np.ndarray:
        """Hubble rate H(z) [km/s/Mpc]."""
        return np.asarray(self.astropy.H(np.asarray(z, dtype=float)).to_value(u.km / u.s / u.Mpc))

    def E(self, z: Any) -> np.ndarray:
        """H(z)/H0 [1]."""
        return np.asarray(self.astropy.efunc(np.asarray(z, dtype=float)))

    def rho_crit(self, z: Any) -> np.ndarray:
        """Critical density 3H^2/(8 pi G) at z, physical [M_sun/kpc^3]."""
        return _RHO_C0_H1 * self.h**2 * self.E(z) ** 2

    def rho_mean_matter(self, z: Any) -> np.ndarray:
        """Mean matter density Om0_matter rho_c0 (1+z)^3, physical [M_sun/kpc^3]."""
        zp1 = 1.0 + np.asarray(z, dtype=float)
        return _RHO_C0_H1 * self.h**2 * self.Om0_matter * zp1**3

    def rho_mean_dm(self, z: Any) -> np.ndarray:
        """Mean cold-dark-matter density Oc0 rho_c0 (1+z)^3, physical [M_sun/kpc^3]."""
        zp1 = 1.0 + np.asarray(z, dtype=float)
        return _RHO_C0_H1 * self.h**2 * self.Oc0 * zp1**3

    def T_cmb(self, z: Any) -> np.ndarray:
        """CMB temperature T0 (1+z) [K]."""
        return self.T0 * (1.0 + np.asarray(z, dtype=float))

    def hubble_distance(self, z: Any) -> np.ndarray:
        """c / H(z) [Mpc] (comoving distance per unit redshift)."""
        return _C_KM_S / self.H(z)

    def _colossus_params(self) -> tuple[tuple[str, Any], ...]:
        a = self.astropy
        return (("flat", True), ("H0", float(a.H0.to_value(u.km / u.s / u.Mpc))),
                ("Om0", self.Om0_matter), ("Ob0", float(a.Ob0)), ("Tcmb0", self.T0),
                ("Neff", float(a.Neff)), ("sigma8", float(self.sigma8)), ("ns", float(self.ns)))

    @contextlib.contextmanager
    def colossus(self) -> Iterator[Any]:
        """Context in which colossus' current cosmology is this one; the previous one is restored.

        Yields the colossus ``Cosmology`` (built once per parameter set, tables in memory only).
        """
        from colossus.cosmology import cosmology as cc

        previous = cc.current_cosmo
        col = colossus_cosmology(self._colossus_params(), self.name)
        cc.setCurrent(col)
        try:
            yield col
        finally:
            cc.setCurrent(previous)


@functools.lru_cache(maxsize=8)
def colossus_cosmology(params: tuple[tuple[str, Any], ...], name: str = "mcdm") -> Any:
    """A colossus ``Cosmology`` for the given (key, value) parameters, cached, no persistence.

    ``persistence=''`` keeps every table in memory (no file in ``~/.colossus``); the name only
    labels it. Does not change colossus' current cosmology.
    """
    from colossus.cosmology import cosmology as cc

    return cc.Cosmology(name=f"mcdm-{name}", persistence="", print_info=False, print_warnings=False,
                        **dict(params))

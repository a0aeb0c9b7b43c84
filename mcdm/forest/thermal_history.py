"""Recombination and gas thermal history for the dark-atom CMB absorption (seed 002 §III.2; digest 002
§6.1 and §13 item 2).

The paper used Recfast++; this module uses CAMB's Python package (the substitute the digest names):
``camb.get_background(p).get_background_redshift_evolution(z, ['x_e', 'T_b'])`` with the background of a
:class:`~mcdm.forest.cosmology.ForestCosmology` (Planck18 by default). Reionization is switched off by
default (``p.Reion.Reionization = False``): the paper ties T_e to T_CMB and Recfast++ has no
reionization; CAMB's reionized x_e together with its unheated T_b would give a spurious free-free
optical depth (digest §6.1 caveat).

Everything is tabulated once per cosmology on a grid uniform in ln(1+z) and memoised in-process
(:func:`thermal_history` is an ``lru_cache`` keyed by the cosmology parameters). H(z) is taken from
astropy (the same background as :mod:`mcdm.forest.cosmology`) on the same grid.

Composition: x_e = n_e/n_H (CAMB's convention, 1 + 2 f_He when fully ionised); n_H = (1 - Y_p) rho_b/m_H;
f_He = Y_p/(m_He/m_H (1 - Y_p)) with CAMB's mass ratio 3.9715. The ion charge-square density of the
free-free rate (digest Eq. 29, n_b f_Z = sum_i Z_i^2 n_i) is n_e + 2 n_HeIII: ions are singly charged
except doubly ionised helium, n_HeIII = n_H max(x_e - 1 - f_He, 0) (hydrogen fully ionised when
helium is doubly ionised).

Units: z [1]; temperatures [K]; number densities [cm^-3]; H [1/s].
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import astropy.constants as const
import astropy.units as u
import numpy as np

from mcdm.errors import ConfigError
from mcdm.forest.cosmology import ForestCosmology

__all__ = ["ThermalHistory", "thermal_history", "cosmology_key", "HE_H_MASS_RATIO"]

#: m_He / m_H used by CAMB for f_He
HE_H_MASS_RATIO = 3.9715
_M_H_G = (1.00782503 * u.u).to_value(u.g)  # hydrogen-atom mass [g]
_MPC_KM = (1.0 * u.Mpc).to_value(u.km)
#: critical density for h = 1 [g/cm^3]
_RHO_C_H1 = (3 * (100 * u.km / u.s / u.Mpc) ** 2 / (8 * math.pi * const.G)).to_value(u.g / u.cm**3)


def cosmology_key(cosmo: ForestCosmology) -> tuple[tuple[str, float], ...]:
    """Hashable parameter tuple of ``cosmo`` that fixes the thermal history (H0, omega_b, omega_c,
    sum m_nu, T0, N_eff, n_s)."""
    a = cosmo.astropy
    m_nu = a.m_nu
    mnu = 0.0 if m_nu is None else float(np.sum(m_nu.to_value(u.eV)))
    return (("H0", float(a.H0.to_value(u.km / u.s / u.Mpc))), ("ombh2", float(a.Ob0) * cosmo.h**2),
            ("omch2", cosmo.Oc0 * cosmo.h**2), ("mnu", mnu), ("TCMB", cosmo.T0), ("nnu", float(a.Neff)),
            ("ns", float(cosmo.ns)))


@dataclass(frozen=True, eq=False)
class ThermalHistory:
    """Tabulated x_e(z), T_b(z), H(z) on a grid uniform in ln(1+z) (interpolated linearly in ln(1+z)).

    Attributes
    ----------
    lnzp1 : ndarray
        ln(1+z) grid [1], increasing.
    x_e : ndarray
        n_e/n_H [1].
    T_b : ndarray
        Gas (electron) temperature [K].
    H : ndarray
        Hubble rate [1/s].
    T0 : float
        CMB temperature today [K].
    Y_p : float
        Helium mass fraction [1].
    n_H0 : float
        Hydrogen number density today [cm^-3].
    omega_c : float
        Omega_c (cold dark matter) today [1].
    rho_c0 : float
        Critical density today [g/cm^3].
    reionization : bool
        Whether CAMB's reionization was included.
    """

    lnzp1: np.ndarray
    x_e: np.ndarray
    T_b: np.ndarray
    H: np.ndarray
    T0: float
    Y_p: float
    n_H0: float
    omega_c: float
    rho_c0: float
    reionization: bool

    @property
    def z(self) -> np.ndarray:
        """Redshift grid [1]."""
        return np.expm1(self.lnzp1)

    @property
    def f_He(self) -> float:
        """n_He/n_H [1]."""
        return self.Y_p / (HE_H_MASS_RATIO * (1.0 - self.Y_p))

    @property
    def z_max(self) -> float:
        """Largest tabulated redshift."""
        return float(np.expm1(self.lnzp1[-1]))

    def _interp(self, table: np.ndarray, z: Any, log: bool = False) -> np.ndarray:
        lz = np.log1p(np.asarray(z, dtype=float))
        if np.any(lz < self.lnzp1[0] - 1e-12) or np.any(lz > self.lnzp1[-1] + 1e-12):
            raise ConfigError(f"redshift outside the thermal-history table [0, {self.z_max:g}]")
        if log:
            return np.exp(np.interp(lz, self.lnzp1, np.log(table)))
        return np.interp(lz, self.lnzp1, table)

    def xe(self, z: Any) -> np.ndarray:
        """Free-electron fraction n_e/n_H(z) [1]."""
        return self._interp(self.x_e, z, log=True)

    def Te(self, z: Any) -> np.ndarray:
        """Gas temperature T_b(z) [K]."""
        return self._interp(self.T_b, z, log=True)

    def hubble(self, z: Any) -> np.ndarray:
        """H(z) [1/s]."""
        return self._interp(self.H, z, log=True)

    def T_cmb(self, z: Any) -> np.ndarray:
        """T0 (1+z) [K]."""
        return self.T0 * (1.0 + np.asarray(z, dtype=float))

    def n_H(self, z: Any) -> np.ndarray:
        """Hydrogen number density [cm^-3]."""
        return self.n_H0 * (1.0 + np.asarray(z, dtype=float)) ** 3

    def n_e(self, z: Any) -> np.ndarray:
        """Free-electron number density [cm^-3]."""
        return self.xe(z) * self.n_H(z)

    def charge2_density(self, z: Any) -> np.ndarray:
        """sum_i Z_i^2 n_i = n_e + 2 n_HeIII [cm^-3] (n_b f_Z of digest Eq. 29)."""
        xe = self.xe(z)
        return (xe + 2.0 * np.maximum(xe - 1.0 - self.f_He, 0.0)) * self.n_H(z)

    def n_dm(self, z: Any, m_chi_g: float) -> np.ndarray:
        """DM number density Omega_c rho_c0 (1+z)^3 / m_chi [cm^-3] (digest Eq. 22); m_chi_g [g]."""
        return self.omega_c * self.rho_c0 * (1.0 + np.asarray(z, dtype=float)) ** 3 / m_chi_g


def thermal_history(cosmo: ForestCosmology | None = None, *, reionization: bool = False,
                    z_max: float = 3.0e6, n_z: int = 4000, Y_p: float | None = None) -> ThermalHistory:
    """The CAMB thermal history of ``cosmo`` (default Planck18), memoised in-process.

    reionization: include CAMB's tanh reionization (default False, the paper's setting);
    z_max, n_z: table range [0, z_max] and size (uniform in ln(1+z));
    Y_p: helium mass fraction (default None: CAMB's BBN consistency value, 0.2457 for Planck18).
    """
    cosmo = ForestCosmology() if cosmo is None else cosmo
    if not (math.isfinite(z_max) and 100.0 <= z_max <= 1e8):
        raise ConfigError(f"z_max must be in [100, 1e8], got {z_max!r}")
    if not (100 <= int(n_z) <= 200_000):
        raise ConfigError(f"n_z must be in [100, 200000], got {n_z!r}")
    if Y_p is not None and not (0.0 < float(Y_p) < 0.5):
        raise ConfigError(f"Y_p must be in (0, 0.5), got {Y_p!r}")
    return _thermal_history(_Keyed(cosmo), bool(reionization), float(z_max), int(n_z),
                            None if Y_p is None else float(Y_p))


class _Keyed:
    """A cosmology hashed and compared by :func:`cosmology_key` (and its astropy class), for the cache."""

    def __init__(self, cosmo: ForestCosmology) -> None:
        self.cosmo = cosmo
        self.key = (type(cosmo.astropy).__name__, cosmology_key(cosmo))

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Keyed) and other.key == self.key


@functools.lru_cache(maxsize=16)
def _thermal_history(keyed: _Keyed, reionization: bool, z_max: float, n_z: int,
                     Y_p: float | None) -> ThermalHistory:
    import camb

    cosmo = keyed.cosmo
    par = dict(keyed.key[1])
    kwargs: dict[str, Any] = dict(H0=par["H0"], ombh2=par["ombh2"], omch2=par["omch2"], mnu=par["mnu"],
                                  TCMB=par["TCMB"], nnu=par["nnu"], ns=par["ns"])
    if Y_p is not None:
        kwargs["YHe"] = Y_p
    p = camb.set_params(**kwargs)
    p.Reion.Reionization = bool(reionization)
    bg = camb.get_background(p)
    lnzp1 = np.linspace(0.0, math.log1p(z_max), n_z)
    z = np.expm1(lnzp1)
    ev = np.asarray(bg.get_background_redshift_evolution(z, ["x_e", "T_b"], format="array"), dtype=float)
    x_e = np.maximum(ev[:, 0], 1e-30)
    T_b = np.maximum(ev[:, 1], 1e-30)
    H = cosmo.H(z) / _MPC_KM  # km/s/Mpc -> 1/s
    h = cosmo.h
    yp = float(p.YHe)
    rho_c0 = _RHO_C_H1 * h**2
    n_H0 = (1.0 - yp) * par["ombh2"] / h**2 * rho_c0 / _M_H_G
    for arr in (lnzp1, x_e, T_b, H):
        arr.setflags(write=False)
    return ThermalHistory(lnzp1=lnzp1, x_e=x_e, T_b=T_b, H=H, T0=par["TCMB"], Y_p=yp, n_H0=n_H0,
                          omega_c=par["omch2"] / h**2, rho_c0=rho_c0, reionization=bool(reionization))

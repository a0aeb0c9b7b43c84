"""Two-level composite dark matter with a magnetic-dipole transition (seed 002 §II.1, §III.1, §V;
digest 002 §2.1, §4.1-4.2).

Ground state chi_0 (J = 0, g_0 = 1) and excited chi_1 (J = 1, g_1 = 3) split by E* = h nu* = k T*
(Eq. 1). The spontaneous rate is parameterised by the dimensionless radiative coupling
calA = A_10 / A_HI (Eq. 7), with A_HI the hydrogen 21-cm Einstein coefficient; no (nu*/nu_HI)^3
factor is folded into calA (digest §2.1). The paper's fiducial calA is lost (digest §15 item 1):
every optical depth is exactly proportional to calA, so :class:`TwoLevelDM` defaults to calA = 1
and results are quoted per unit calA.

Level populations (Eq. 2): n_1/n_0 = 3 exp(-T*/T_ex), with the excitation temperature (Eq. 14)
T_ex = T_CMB(z) for collisionless DM and T_ex = T_h(r) (the local halo temperature) for strongly
collisional DM. The absorption cross section per DM particle (absorption minus stimulated
emission, Eq. 17) is

    sigma(nu) = [3 c^2 A_10 / (8 pi nu*^2)] * F(T_ex) * phi(nu),
    F(T_ex) = (1 - exp(-T*/T_ex)) / (1 + 3 exp(-T*/T_ex)),

with the Gaussian Doppler profile phi (Eq. 15), normalised in frequency, Delta nu_D = nu* b / c.

Units: m_chi [GeV]; nu*, nu [Hz]; temperatures [K]; A_10 [1/s]; cross sections [cm^2];
Doppler parameters b [km/s]; line profiles [1/Hz].
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import astropy.constants as const
import astropy.units as u
import numpy as np

from mcdm.errors import ConfigError

__all__ = [
    "TwoLevelDM",
    "CASES",
    "NU_STAR_FIDUCIAL",
    "M_CHI_FIDUCIAL",
    "A_HI_VALUES",
    "absorption_factor",
    "radiative_coupling_from_epsilon",
]

#: the two excitation regimes of Eq. (14)
CASES = ("collisionless", "collisional")
#: fiducial transition frequency nu* [Hz] (paper: "156.2 GHz or 7.5 K")
NU_STAR_FIDUCIAL = 156.2e9
#: fiducial DM mass [GeV] (1 MeV)
M_CHI_FIDUCIAL = 1.0e-3
#: hydrogen 21-cm A coefficient [1/s]: "standard" 2.85e-15 (Wild 1952, default) and 2.876e-15
#: (Gould 1994); which one the paper used is lost (digest §1.2)
A_HI_VALUES = {"standard": 2.85e-15, "gould94": 2.876e-15}
#: degeneracy ratio g_1/g_0 (vector over scalar)
G_RATIO = 3.0
#: hydrogen hyperfine frequency [Hz] and splitting [GeV] (for Eq. 59)
NU_HI = 1420.405751768e6
_H_GEV_S = const.h.to_value(u.GeV * u.s)
_K_B_GEV = const.k_B.to_value(u.GeV / u.K)
_C_CM_S = const.c.to_value(u.cm / u.s)
_C_KM_S = const.c.to_value(u.km / u.s)
_M_E_GEV = (const.m_e * const.c**2).to_value(u.GeV)


def absorption_factor(t_star: float, t_ex: Any) -> np.ndarray:
    """F = (1 - e^{-T*/T_ex}) / (1 + 3 e^{-T*/T_ex}) [1] (Eq. 17): ground-state fraction times the
    stimulated-emission correction. T*, T_ex [K]; T_ex = 0 gives 1."""
    t = np.asarray(t_ex, dtype=float)
    with np.errstate(divide="ignore"):
        x = t_star / t
    return -np.expm1(-x) / (1.0 + G_RATIO * np.exp(-x))


def radiative_coupling_from_epsilon(epsilon: Any, m_chi: Any, nu_star: Any) -> np.ndarray:
    """calA = A_10/A_HI = eps^2 (m_e/m_chi)^2 (E*/Delta E_H)^3 (Eq. 59, digest reconstruction) [1].

    epsilon [1]; m_chi [GeV]; nu_star [Hz]. E*/Delta E_H = nu*/nu_HI.
    """
    eps = np.asarray(epsilon, dtype=float)
    return eps**2 * (_M_E_GEV / np.asarray(m_chi, dtype=float)) ** 2 * (np.asarray(nu_star) / NU_HI) ** 3


@dataclass(frozen=True)
class TwoLevelDM:
    """The dark two-level system (module docstring).

    Attributes
    ----------
    m_chi : float
        DM mass [GeV] (default 1e-3, i.e. 1 MeV).
    nu_star : float
        Rest-frame transition frequency nu* [Hz] (default 156.2e9).
    radiative_coupling : float
        calA = A_10 / A_HI [1] (default 1: the paper's value is lost, results scale linearly).
    a_hi : float
        Hydrogen A_HI [1/s] (default 2.85e-15; 2.876e-15 is the other common value).
    """

    m_chi: float = M_CHI_FIDUCIAL
    nu_star: float = NU_STAR_FIDUCIAL
    radiative_coupling: float = 1.0
    a_hi: float = A_HI_VALUES["standard"]

    def __post_init__(self) -> None:
        bounds = {"m_chi": (1e-12, 1e6, "GeV"), "nu_star": (1.0, 1e30, "Hz"),
                  "radiative_coupling": (0.0, 1e60, "1"), "a_hi": (1e-20, 1e-10, "1/s")}
        for name, (lo, hi, unit) in bounds.items():
            value = getattr(self, name)
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ConfigError(f"{name} must be a number [{unit}], got {value!r}") from None
            if not (math.isfinite(value) and lo <= value <= hi):
                raise ConfigError(f"{name} must be finite and in [{lo:g}, {hi:g}] [{unit}], got {value!r}")
            object.__setattr__(self, name, value)
        if self.E_star >= 1e-2 * self.m_chi:
            raise ConfigError(f"E* = h nu* = {self.E_star:.4g} GeV must be << m_chi = {self.m_chi:g} GeV")

    @classmethod
    def from_splitting(cls, E_star: float, **kwargs: Any) -> TwoLevelDM:
        """The model with splitting E* [GeV] (nu* = E*/h), other fields as keywords."""
        return cls(nu_star=float(E_star) / _H_GEV_S, **kwargs)

    def observed_frequency(self, z: Any) -> np.ndarray:
        """Observed line centre nu*/(1+z) [Hz] of an absorber at redshift z."""
        return self.nu_star / (1.0 + np.asarray(z, dtype=float))

    def absorber_redshift(self, nu_obs: Any) -> np.ndarray:
        """Redshift nu*/nu_obs - 1 of the absorber seen at nu_obs [Hz]."""
        return self.nu_star / np.asarray(nu_obs, dtype=float) - 1.0

    def with_coupling(self, radiative_coupling: float) -> TwoLevelDM:
        """The same model with another calA."""
        return replace(self, radiative_coupling=radiative_coupling)

    # ------------------------------------------------------------------------ level scheme
    @property
    def E_star(self) -> float:
        """Splitting E* = h nu* [GeV] (Eq. 1)."""
        return _H_GEV_S * self.nu_star

    @property
    def T_star(self) -> float:
        """Transition temperature T* = h nu* / k_B [K] (Eq. 1)."""
        return self.E_star / _K_B_GEV

    @property
    def A10(self) -> float:
        """Spontaneous emission rate A_10 = calA A_HI [1/s] (Eq. 7)."""
        return self.radiative_coupling * self.a_hi

    @property
    def B10(self) -> float:
        """Stimulated emission coefficient B_10 = A_10 c^2 / (2 h nu*^3) (Eq. 6), per unit mean
        intensity: B_10 J_nu [1/s] with J_nu in erg/(s cm^2 Hz sr), so B_10 in cm^2 Hz sr/erg."""
        h_erg = const.h.to_value(u.erg * u.s)
        return self.A10 * _C_CM_S**2 / (2.0 * h_erg * self.nu_star**3)

    @property
    def B01(self) -> float:
        """Absorption coefficient B_01 = (g_1/g_0) B_10, same units as :attr:`B10` (Eq. 6)."""
        return G_RATIO * self.B10

    def populations(self, t_ex: Any) -> tuple[np.ndarray, np.ndarray]:
        """Level fractions (f_0, f_1) = (1, 3 e^{-T*/T_ex}) / (1 + 3 e^{-T*/T_ex}) (Eq. 2-3); T_ex [K]."""
        t = np.asarray(t_ex, dtype=float)
        with np.errstate(divide="ignore"):
            r = G_RATIO * np.exp(-self.T_star / t)
        return 1.0 / (1.0 + r), r / (1.0 + r)

    def absorption_factor(self, t_ex: Any) -> np.ndarray:
        """F(T_ex) = f_0 (1 - e^{-T*/T_ex}) [1] (Eq. 17)."""
        return absorption_factor(self.T_star, t_ex)

    @staticmethod
    def excitation_temperature(case: str, t_cmb: Any, t_halo: Any) -> np.ndarray:
        """T_ex of Eq. (14) [K]: T_CMB(z) if ``case == "collisionless"``, T_h(r) if ``"collisional"``."""
        if case == "collisionless":
            return np.asarray(t_cmb, dtype=float)
        if case == "collisional":
            return np.asarray(t_halo, dtype=float)
        raise ConfigError(f"unknown DM case {case!r}; known: {list(CASES)}")

    # ---------------------------------------------------------------------- line and cross section
    @property
    def line_strength(self) -> float:
        """S = 3 c^2 A_10 / (8 pi nu*^2) [cm^2 Hz]: integral over nu of the ground-state absorption
        cross section (g_1/g_0 = 3 included), before the population factor F (Eq. 17)."""
        return 3.0 * _C_CM_S**2 * self.A10 / (8.0 * math.pi * self.nu_star**2)

    def doppler_width(self, b: Any) -> np.ndarray:
        """Delta nu_D = nu* b / c [Hz] for a Doppler parameter b [km/s] (Eq. 15)."""
        return self.nu_star * np.asarray(b, dtype=float) / _C_KM_S

    def line_profile(self, nu: Any, b: Any) -> np.ndarray:
        """phi(nu) = exp(-((nu - nu*)/Delta nu_D)^2) / (sqrt(pi) Delta nu_D) [1/Hz] (Eq. 15, v_p = 0)."""
        dnu = self.doppler_width(b)
        x = (np.asarray(nu, dtype=float) - self.nu_star) / dnu
        return np.exp(-x * x) / (math.sqrt(math.pi) * dnu)

    def cross_section(self, nu: Any, t_ex: Any, b: Any) -> np.ndarray:
        """Net absorption cross section per DM particle, S F(T_ex) phi(nu; b) [cm^2] (Eq. 17 integrand).

        nu [Hz] rest frame; T_ex [K]; b [km/s].
        """
        return self.line_strength * self.absorption_factor(t_ex) * self.line_profile(nu, b)

    def number_density(self, rho: Any, dm_fraction: float = 1.0) -> np.ndarray:
        """n_chi = f rho / m_chi [cm^-3] for a mass density rho [M_sun/kpc^3]."""
        gev_per_cm3 = (1.0 * u.Msun / u.kpc**3 * const.c**2).to_value(u.GeV / u.cm**3)
        return dm_fraction * np.asarray(rho, dtype=float) * gev_per_cm3 / self.m_chi

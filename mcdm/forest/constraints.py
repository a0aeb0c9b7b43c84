"""Astrophysical constraints on the two-level dark matter (seed 002 §IV, App. G; digest 002 §7, §13 item 12,
§14 target 16). "Order of magnitude estimates which provide a rough guidance" (paper).

* Self-interactions (Eq. 41): sigma/m < 1/(rho_sun v t_MW) for the local neighbourhood; the Bullet-cluster
  reference 1 cm^2/g at 4700 km/s and the saturated collision coefficient kappa_sat (Eq. 24, re-exported
  from :mod:`mcdm.forest.global_signal`).
* Binding energy (Eqs. 10, 34, §7.1): DM recombination redshift 1 + z_rec,chi = (1 + z_rec,H) E_B/13.6 eV,
  the lower bound on E_B from recombining before the Planck horizon scale z_H, and E_B >~ k T_vir,MW.
* Milky-Way radiative coupling (collisional DM, T_ex = T_vir,MW): the cooling bound (Eqs. 38-39) and the
  emission dipole seen from R_0 = 8.3 kpc (Eqs. 40, 74-77): a 1-D integral over the angle psi from the
  Galactic Centre, D = (3/2) int I(psi) cos psi dcos psi; a HEALPix map + ``healpy.fit_dipole`` is an option.

Lost values (digest §7, §15), every one an argument with a documented guess as default:
rho_sun = 0.3 GeV/cm^3, v = 220 km/s (the paper's local DM speed), t_MW = 13 Gyr (paper); the MW NFW
(Posti & Helmi 2019 values lost): r_s = 20 kpc, normalised to rho_sun at R_0 = 8.3 kpc, truncated at
r_max = 300 kpc; T_vir,MW from k T = m_chi sigma_1D^2 (= m sigma_3D^2/3, the Eq. 63 convention) with
sigma_1D = 155 km/s (isothermal, v_c = 220 km/s); z_H = 1e5; the Planck 143 GHz band with fractional
width 0.33 and the cosmological dipole 3.362 mK (Planck 2018).

Units: masses [GeV]; densities [GeV/cm^3]; speeds [km/s]; times [Gyr]; lengths [kpc]; temperatures [K];
sigma/m [cm^2/g]; energies [eV]; intensities [erg s^-1 cm^-2 sr^-1].
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import astropy.constants as const
import astropy.units as u
import numpy as np
from scipy.integrate import quad

from mcdm.errors import ConfigError
from mcdm.forest.global_signal import BULLET_SIGMA_OVER_M, BULLET_VELOCITY, kappa_saturated
from mcdm.forest.microphysics import G_RATIO, TwoLevelDM

__all__ = ["kappa_saturated", "local_self_interaction_bound", "BULLET_SIGMA_OVER_M", "BULLET_VELOCITY",
           "dm_recombination_redshift", "binding_energy_lower_bound", "mw_virial_temperature",
           "binding_energy_mw_bound", "cooling_bound", "MilkyWayHalo", "DipoleResult", "mw_dipole",
           "mw_dipole_healpy", "PLANCK_DIPOLE_K"]

_GEV_G = (1.0 * u.GeV / const.c**2).to_value(u.g)
_GYR_S = (1.0 * u.Gyr).to_value(u.s)
_KPC_CM = (1.0 * u.kpc).to_value(u.cm)
_K_EV = const.k_B.to_value(u.eV / u.K)
_H = const.h.cgs.value
_K = const.k_B.cgs.value
_C = const.c.cgs.value
_C_KM_S = const.c.to_value(u.km / u.s)
#: Planck 2018 cosmological dipole amplitude [K]
PLANCK_DIPOLE_K = 3.362e-3


def local_self_interaction_bound(rho_gev_cm3: float = 0.3, v_kms: float = 220.0, t_gyr: float = 13.0) -> float:
    """sigma/m < 1/(rho v t) [cm^2/g] (Eq. 41): at most one collision per particle in t."""
    for name, v in (("rho", rho_gev_cm3), ("v", v_kms), ("t", t_gyr)):
        if not (math.isfinite(v) and v > 0):
            raise ConfigError(f"{name} must be finite and > 0, got {v!r}")
    return 1.0 / (rho_gev_cm3 * _GEV_G * v_kms * 1e5 * t_gyr * _GYR_S)


def dm_recombination_redshift(E_B_eV: Any, z_rec_H: float = 1100.0) -> np.ndarray:
    """1 + z_rec,chi = (1 + z_rec,H) E_B / 13.6 eV (Eq. 34); E_B [eV]."""
    return (1.0 + z_rec_H) * np.asarray(E_B_eV, dtype=float) / 13.6 - 1.0


def binding_energy_lower_bound(z_H: float = 1.0e5, z_rec_H: float = 1100.0) -> float:
    """E_B [eV] for which DM recombines at z_H (Eq. 34 inverted): 13.6 eV (1 + z_H)/(1 + z_rec,H)."""
    return 13.6 * (1.0 + z_H) / (1.0 + z_rec_H)


def mw_virial_temperature(m_chi: Any, sigma_1d_kms: float = 155.0) -> np.ndarray:
    """T_vir,MW = m_chi sigma_1D^2 / k [K] (Eq. 63 convention k T = m sigma_3D^2 / 3); m_chi [GeV]."""
    return np.asarray(m_chi, dtype=float) * 1e9 * (sigma_1d_kms / _C_KM_S) ** 2 / _K_EV


def binding_energy_mw_bound(m_chi: Any, sigma_1d_kms: float = 155.0) -> np.ndarray:
    """E_B >~ k T_vir,MW [eV] (§7.1: collisions in the MW must not ionise DM)."""
    return _K_EV * mw_virial_temperature(m_chi, sigma_1d_kms)


def cooling_bound(nu_star: float, T_vir: float, t_gyr: float = 13.0, a_hi: float = 2.85e-15) -> float:
    """Largest calA with t_cool = (3/2) k T_vir / (f_1 A_10 h nu*) > t_MW (Eqs. 38-39) [1].

    nu* [Hz]; T_vir [K]; f_1 = 3 e^{-T*/T_vir}/(1 + 3 e^{-T*/T_vir}).
    """
    if not (T_vir > 0 and nu_star > 0 and t_gyr > 0):
        raise ConfigError("nu_star, T_vir and t_gyr must be > 0")
    e = G_RATIO * math.exp(-_H * nu_star / (_K * T_vir))
    f1 = e / (1.0 + e)
    return 1.5 * _K * T_vir / (f1 * _H * nu_star * t_gyr * _GYR_S) / a_hi


@dataclass(frozen=True)
class MilkyWayHalo:
    """NFW Milky-Way DM halo (Eq. 74): r_s [kpc], local density rho_sun [GeV/cm^3] at R0 [kpc] fixing rho_s,
    truncation radius r_max [kpc]. Defaults are guesses (module docstring)."""

    r_s: float = 20.0
    rho_sun: float = 0.3
    R0: float = 8.3
    r_max: float = 300.0

    def __post_init__(self) -> None:
        for name in ("r_s", "rho_sun", "R0", "r_max"):
            v = float(getattr(self, name))
            if not (math.isfinite(v) and v > 0):
                raise ConfigError(f"MilkyWayHalo.{name} must be finite and > 0, got {v!r}")
        if self.r_max <= self.R0:
            raise ConfigError("r_max must exceed R0")

    @property
    def rho_s(self) -> float:
        """NFW scale density [GeV/cm^3]."""
        x = self.R0 / self.r_s
        return self.rho_sun * x * (1.0 + x) ** 2

    def density(self, r: Any) -> np.ndarray:
        """rho(r) [GeV/cm^3], zero beyond r_max."""
        x = np.asarray(r, dtype=float) / self.r_s
        return np.where(x * self.r_s <= self.r_max, self.rho_s / (x * (1.0 + x) ** 2), 0.0)

    def column(self, psi: float) -> float:
        """int_0^s_max rho ds [GeV/cm^3 kpc] along the direction at angle psi [rad] from the Galactic Centre."""
        c, s = math.cos(psi), math.sin(psi)
        b = self.R0 * s
        s_max = self.R0 * c + math.sqrt(self.r_max**2 - b**2)

        def f(t: float) -> float:
            return float(self.density(math.sqrt(max(t * t + self.R0**2 - 2 * t * self.R0 * c, 1e-300))))

        pts = [self.R0 * c] if 0.0 < self.R0 * c < s_max else None
        return quad(f, 0.0, s_max, points=pts, limit=400, epsabs=0.0, epsrel=1e-9)[0]


class DipoleResult(NamedTuple):
    """MW emission: psi grid [rad], band-integrated intensity I(psi) [erg/s/cm^2/sr], its monopole and dipole
    amplitude [same], the band conversion int dB/dT dnu [erg/s/cm^2/sr/K], the dipole in temperature [K],
    and the largest calA with dipole < the cosmological dipole (inf if the line is outside the band)."""

    psi: np.ndarray
    intensity: np.ndarray
    monopole: float
    dipole: float
    dBdT_band: float
    delta_T: float
    calA_max: float


def _band(nu_c_ghz: float, frac_width: float) -> tuple[float, float]:
    return nu_c_ghz * 1e9 * (1 - frac_width / 2), nu_c_ghz * 1e9 * (1 + frac_width / 2)


def _dBdT_band(nu1: float, nu2: float, T0: float) -> float:
    def g(nu: float) -> float:
        x = _H * nu / (_K * T0)
        return 2 * _H * nu**3 / _C**2 * x * math.exp(x) / (math.expm1(x) ** 2 * T0)
    return quad(g, nu1, nu2)[0]


def mw_dipole(dm: TwoLevelDM, T_vir: float, halo: MilkyWayHalo = MilkyWayHalo(), nu_c_ghz: float = 143.0,
              frac_width: float = 0.33, T0: float = 2.7255, n_psi: int = 64, net_of_cmb: bool = False,
              dipole_limit: float = PLANCK_DIPOLE_K) -> DipoleResult:
    """MW line emission dipole in a band (Eqs. 40, 75-77), by a 1-D Legendre projection.

    I(psi) = (h nu* A_10/4 pi) f_1(T_vir) int n_chi ds (line narrower than the band; zero when nu* is outside
    it). ``net_of_cmb`` multiplies by (1 - nbar_CMB/nbar_ex), the absorption of the CMB by the same gas
    (not in the paper's Eq. 75). Dipole D = (3/2) int_{-1}^{1} I mu dmu; delta_T = D / int_band dB/dT dnu.
    """
    nu1, nu2 = _band(nu_c_ghz, frac_width)
    mu, wq = np.polynomial.legendre.leggauss(int(n_psi))
    psi = np.arccos(mu)
    col = np.array([halo.column(p) for p in psi]) * _KPC_CM / dm.m_chi  # int n ds [cm^-2]
    e = G_RATIO * math.exp(-dm.T_star / T_vir)
    f1 = e / (1.0 + e)
    factor = 1.0
    if net_of_cmb:
        factor = 1.0 - math.expm1(dm.T_star / T_vir) / math.expm1(dm.T_star / T0)
    inside = nu1 <= dm.nu_star <= nu2
    I = (_H * dm.nu_star * dm.A10 / (4 * math.pi)) * f1 * col * factor * (1.0 if inside else 0.0)
    mono = 0.5 * float(np.sum(wq * I))
    dip = 1.5 * float(np.sum(wq * I * mu))
    g = _dBdT_band(nu1, nu2, T0)
    dT = dip / g
    per_A = abs(dT) / dm.radiative_coupling if dm.radiative_coupling > 0 else 0.0
    calA_max = dipole_limit / per_A if per_A > 0 else math.inf
    return DipoleResult(psi, I, mono, dip, g, dT, calA_max)


def mw_dipole_healpy(result: DipoleResult, nside: int = 32) -> tuple[np.ndarray, float]:
    """HEALPix map of the band intensity in temperature units [K] (Galactic Centre along +x) and the dipole
    amplitude from ``healpy.fit_dipole`` [K] (optional; needs healpy)."""
    import healpy as hp

    vec = np.array(hp.pix2vec(nside, np.arange(hp.nside2npix(nside))))
    psi = np.arccos(np.clip(vec[0], -1.0, 1.0))
    order = np.argsort(result.psi)
    m = np.interp(psi, result.psi[order], result.intensity[order]) / result.dBdT_band
    _, d = hp.fit_dipole(m)
    return m, float(np.linalg.norm(d))

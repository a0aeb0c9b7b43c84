"""Global CMB absorption by two-level dark matter: the dark-atom distortion (seed 002 §III.2, App. E;
digest 002 §6.1-6.5, §13 item 9).

The two-level system is :class:`mcdm.forest.microphysics.TwoLevelDM` (same nu*, m_chi, calA = A_10/A_HI,
A_HI, g_1/g_0 = 3); the background and recombination history are those of
:mod:`mcdm.forest.cosmology` and :mod:`mcdm.forest.thermal_history` (CAMB, no reionization).

Equations (paper numbering; the forms are the digest's reconstructions):

* DM temperature (Eq. 21): T_chi = T0 (1+z) for z >= z_dec, T0 (1+z)^2/(1+z_dec) below.
* Collisions (Eqs. 23-24): kappa_10 = kappa_sat = a (sigma/m)_BC m_chi v_bc for z >= z_sat and
  kappa_sat [T_chi(z)/T_chi(z_sat)]^beta below; C_10 = n_chi kappa_10, C_01 = 3 exp(-T*/T_chi) C_10 (Eq. 9).
* Excitation temperature (Eqs. 25-26), written for y = T*/T_ex (R = n_1/n_0 = 3 e^{-y}):
  dy/dz = (1+R) [P/R - Q] / (H (1+z)), P = 3 C_10 e^{-T*/T_chi} + 3 A_10 nbar, Q = C_10 + A_10 (1+nbar),
  nbar = 1/(exp(T*/T_CMB) - 1). Stiff (rates >> H at high z): ``scipy.integrate.solve_ivp`` with a stiff
  method (LSODA by default; Radau or BDF selectable) and the analytic Jacobian, integrating the departure
  u = y - T*/T_CMB; started at z_dec (y = T*/T_CMB: T_chi = T_CMB there, so the collisional and
  radiative fixed points coincide) or, later, at the instantaneous equilibrium y = ln(3Q/P) while the
  relaxation rate still exceeds 1e6 per e-fold of 1+z.
* Sobolev optical depth (Eq. 22): tau_S = 3 c^3 A_10 n_chi / (8 pi nu*^3 H) F(T_ex),
  F = (1 - e^{-y})/(1 + 3 e^{-y}); n_chi = Omega_c rho_c0 (1+z)^3 / m_chi.
* Free-free (bremsstrahlung) optical depth (Eq. 29, Chluba-Sunyaev form):
  dtau_ff/dz = c sigma_T n_e/(H(1+z)) alpha lambda_e^3/(2 pi sqrt(6 pi)) theta_e^{-7/2} sum_i Z_i^2 n_i
  g_ff (1 - e^{-x_e})/x_e^3, x_e = h nu/(k T_e), with the Draine (2011) Gaunt-factor fit
  g_ff = ln{exp[5.960 - (sqrt 3/pi) ln(nu_9 T_4^{-3/2})] + e} (the paper used the van Hoof et al. 2014
  tables). Integrated from ``tau_ff_z_min`` (default 30: reionization excluded, digest §6.1 caveat and
  §14 item 18) up to z, and tabulated once per model on a (ln nu_0, ln(1+z)) grid.
* Transfer (Eqs. 30-31, Sobolev jump plus free-free damping toward a Planckian at T_e = T_CMB):
  Delta n(x) = [n_ex(z_x) - n_pl(x)] (1 - e^{-tau_S(z_x)}) exp[-tau_ff(nu_0, z_x)], 1+z_x = nu*/nu_0,
  delta T_b(nu_0) = (h nu_0/k) Delta n (photon-occupation brightness temperature, identical to the
  Rayleigh-Jeans definition I_nu = 2 nu^2 k T_b / c^2).

Lost values (digest §15): the fiducial calA, Table 2 ranges and the fixed E_B (or z_dec) of the EDGES
scan are lost. :class:`GlobalSignalParams` exposes every one; its defaults are a *demonstration point*
(documented there), not the paper's numbers.

Units: m_chi [GeV]; nu* [Hz]; nu_0 in the public call [MHz]; temperatures [K]; kappa [cm^3/s];
rates [1/s]; sigma/m [cm^2/g]; v_bc [km/s].
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import astropy.constants as const
import astropy.units as u
import numpy as np
from scipy.integrate import solve_ivp

from mcdm.errors import ConfigError
from mcdm.forest._fields import coerce_bounded
from mcdm.forest.cosmology import ForestCosmology
from mcdm.forest.microphysics import A_HI_VALUES, G_RATIO, TwoLevelDM
from mcdm.forest.thermal_history import ThermalHistory, thermal_history

__all__ = ["GlobalSignalParams", "GlobalSignalModel", "SignalShape", "ExcitationHistory", "global_signal",
           "default_model", "kappa_saturated", "dm_temperature", "gaunt_draine", "dtau_ff_dz",
           "free_free_table", "signal_shape", "BULLET_SIGMA_OVER_M", "BULLET_VELOCITY", "z_dec_from_binding_energy"]

_H = const.h.cgs.value
_K = const.k_B.cgs.value
_C = const.c.cgs.value
_ME = const.m_e.cgs.value
_SIGMA_T = const.sigma_T.cgs.value
_ALPHA = float(const.alpha)
_LAMBDA_E = _H / (_ME * _C)  # Compton wavelength h/(m_e c) [cm]
_ME_C2_K = _ME * _C**2 / _K  # m_e c^2 / k_B [K]
_GEV_G = (1.0 * u.GeV / const.c**2).to_value(u.g)
_FF_PREF = _ALPHA * _LAMBDA_E**3 / (2.0 * math.pi * math.sqrt(6.0 * math.pi))
_SQRT3_PI = math.sqrt(3.0) / math.pi

#: Bullet-cluster self-interaction limit [cm^2/g] (Markevitch et al. 2004; the paper's number is lost)
BULLET_SIGMA_OVER_M = 1.0
#: Bullet-cluster relative velocity [km/s] (paper: 4700 km/s)
BULLET_VELOCITY = 4700.0
#: hydrogen ionisation energy [eV] and recombination redshift of Eq. (34)
_E_ION_H_EV = 13.6
_Z_REC_H = 1100.0


def kappa_saturated(a: Any, m_chi: Any, sigma_over_m: float = BULLET_SIGMA_OVER_M,
                    v_bc: float = BULLET_VELOCITY) -> np.ndarray:
    """kappa_sat = a (sigma/m) m_chi v_bc [cm^3/s] (Eq. 24); m_chi [GeV], sigma/m [cm^2/g], v_bc [km/s]."""
    return np.asarray(a, dtype=float) * sigma_over_m * np.asarray(m_chi, dtype=float) * _GEV_G * v_bc * 1e5


def dm_temperature(z: Any, z_dec: float, T0: float) -> np.ndarray:
    """T_chi(z) [K] (Eq. 21): T0 (1+z) above z_dec, T0 (1+z)^2/(1+z_dec) below."""
    zp1 = 1.0 + np.asarray(z, dtype=float)
    return T0 * zp1 * np.minimum(1.0, zp1 / (1.0 + z_dec))


def z_dec_from_binding_energy(E_B_eV: Any, z_rec_H: float = _Z_REC_H) -> np.ndarray:
    """Decoupling redshift from the DM binding energy [eV] through Eq. (34):
    1 + z = (1 + z_rec,H) E_B / 13.6 eV (DM recombination taken as the decoupling, digest §6.1)."""
    return (1.0 + z_rec_H) * np.asarray(E_B_eV, dtype=float) / _E_ION_H_EV - 1.0


def gaunt_draine(nu_hz: Any, T_e: Any, Z: float = 1.0) -> np.ndarray:
    """Thermally averaged free-free Gaunt factor, Draine (2011) Eq. 10.9 fit [1]; nu [Hz], T_e [K]."""
    arg = Z * (np.asarray(nu_hz, dtype=float) / 1e9) * (np.asarray(T_e, dtype=float) / 1e4) ** -1.5
    return np.log(np.exp(5.960 - _SQRT3_PI * np.log(arg)) + math.e)


def dtau_ff_dz(nu0_hz: Any, z: Any, th: ThermalHistory) -> np.ndarray:
    """Free-free optical depth per unit redshift at observed frequency nu0 [Hz] (Eq. 29) [1].

    nu0 and z broadcast. Uses x_e, T_e, n_e and sum Z^2 n_i of ``th``.
    """
    z = np.asarray(z, dtype=float)
    nu = np.asarray(nu0_hz, dtype=float) * (1.0 + z)
    Te = th.Te(z)
    xe = _H * nu / (_K * Te)
    theta = Te / _ME_C2_K
    rate = (_C * _SIGMA_T * th.n_e(z) * _FF_PREF * theta**-3.5 * th.charge2_density(z)
            * gaunt_draine(nu, Te) * (-np.expm1(-xe)) / xe**3)
    return rate / (th.hubble(z) * (1.0 + z))


class FreeFreeTable(NamedTuple):
    """Cumulative free-free optical depth tau_ff(nu0, z) = int_{z_min}^{z} dtau_ff/dz' dz' on a grid.

    ln_nu0 [ln Hz] (n_nu,); lnzp1 [1] (n_z,); ln_tau (n_nu, n_z) = ln max(tau, 1e-300); z_min [1].
    """

    ln_nu0: np.ndarray
    lnzp1: np.ndarray
    ln_tau: np.ndarray
    z_min: float

    def __call__(self, nu0_hz: Any, z: Any) -> np.ndarray:
        """tau_ff(nu0 [Hz], z) [1] by bilinear interpolation in (ln nu0, ln(1+z)) of ln tau; 0 below z_min."""
        lnu, lz = np.broadcast_arrays(np.log(np.asarray(nu0_hz, dtype=float)),
                                      np.log1p(np.asarray(z, dtype=float)))
        if np.any(lnu < self.ln_nu0[0]) or np.any(lnu > self.ln_nu0[-1]):
            raise ConfigError(f"nu0 outside the free-free table [{math.exp(self.ln_nu0[0]):.3g}, "
                              f"{math.exp(self.ln_nu0[-1]):.3g}] Hz")
        if np.any(lz > self.lnzp1[-1]):
            raise ConfigError(f"z above the free-free table maximum {math.expm1(self.lnzp1[-1]):.3g}")
        fi = (lnu - self.ln_nu0[0]) / (self.ln_nu0[1] - self.ln_nu0[0])
        fj = (lz - self.lnzp1[0]) / (self.lnzp1[1] - self.lnzp1[0])
        i = np.clip(fi.astype(int), 0, len(self.ln_nu0) - 2)
        j = np.clip(np.floor(fj).astype(int), 0, len(self.lnzp1) - 2)
        ti, tj = fi - i, np.clip(fj - j, 0.0, 1.0)
        L = self.ln_tau
        val = ((1 - ti) * (1 - tj) * L[i, j] + ti * (1 - tj) * L[i + 1, j]
               + (1 - ti) * tj * L[i, j + 1] + ti * tj * L[i + 1, j + 1])
        return np.where(fj < 0.0, 0.0, np.exp(val))


def free_free_table(th: ThermalHistory, z_min: float = 30.0, nu0_range_hz: tuple[float, float] = (1e6, 3e12),
                    n_nu: int = 161, n_z: int = 4000, z_max: float | None = None) -> FreeFreeTable:
    """Tabulate tau_ff(nu0, z) (Eq. 29) from z_min upward (trapezoid in ln(1+z)), uniform grids."""
    if not (0.0 <= z_min < 1e4):
        raise ConfigError(f"tau_ff_z_min must be in [0, 1e4), got {z_min!r}")
    z_max = th.z_max if z_max is None else min(z_max, th.z_max)
    ln_nu0 = np.linspace(math.log(nu0_range_hz[0]), math.log(nu0_range_hz[1]), n_nu)
    lnzp1 = np.linspace(math.log1p(z_min), math.log1p(z_max), n_z)
    z = np.expm1(lnzp1)
    integrand = dtau_ff_dz(np.exp(ln_nu0)[:, None], z[None, :], th) * (1.0 + z)[None, :]  # d tau / d ln(1+z)
    dlz = lnzp1[1] - lnzp1[0]
    tau = np.zeros_like(integrand)
    tau[:, 1:] = np.cumsum(0.5 * (integrand[:, 1:] + integrand[:, :-1]) * dlz, axis=1)
    ln_tau = np.log(np.maximum(tau, 1e-300))
    return FreeFreeTable(ln_nu0, lnzp1, ln_tau, float(z_min))


@dataclass(frozen=True)
class GlobalSignalParams:
    """The six DM parameters of the paper's Table 2 plus the decoupling redshift and conventions.

    Attributes
    ----------
    m_chi : float
        DM mass [GeV] (Table 2 "Dark matter mass").
    nu_star : float
        Transition frequency nu* [Hz] (Table 2 "Transition temperature" T* = h nu*/k).
    radiative_coupling : float
        calA = A_10/A_HI [1] (Table 2 "Radiative coupling").
    a : float
        Collisional parameter a in [0, 1]: kappa_sat in units of the Bullet-cluster value (Eq. 24).
    z_sat : float
        Saturation redshift: kappa_10 = kappa_sat above it (Eq. 23).
    beta : float
        Power-law index of kappa_10 ∝ T_chi^beta below z_sat (Eq. 23), >= 0.
    z_dec : float
        DM kinetic-decoupling redshift (Eq. 21). LOST in the paper (held fixed in the EDGES scan);
        :func:`z_dec_from_binding_energy` maps E_B to it via Eq. (34).
    a_hi : float
        Hydrogen A_HI [1/s] (2.85e-15 default, 2.876e-15 alternative).
    sigma_over_m_bc : float
        Bullet-cluster sigma/m [cm^2/g] normalising kappa_sat (1, lost in the paper).
    v_bc : float
        Bullet-cluster relative velocity [km/s] (4700, paper).

    The defaults are a DEMONSTRATION point, not paper values: m_chi = 1 MeV and nu* = 156.2 GHz are the
    paper's fiducials; z_dec = 1e5 (E_B ~ 1.2 keV: DM recombined by the Planck horizon scale z_H ~ 1e5,
    digest §7.1) is a guess; calA = 30, a = 0.135, z_sat = 2000, beta = 5.7 were chosen with a
    Nelder-Mead search on the *shape* of the curve (trough centre 78 MHz, amplitude 0.5 K, FWHM 19 MHz:
    the Bowman+18 numbers; no data were fitted). The paper's fiducial calA, Table 2 ranges and fixed
    E_B/z_dec are lost (digest §15 items 1, 3).
    """

    m_chi: float = 1.0e-3
    nu_star: float = 156.2e9
    radiative_coupling: float = 30.0
    a: float = 0.135
    z_sat: float = 2000.0
    beta: float = 5.7
    z_dec: float = 1.0e5
    a_hi: float = A_HI_VALUES["standard"]
    sigma_over_m_bc: float = BULLET_SIGMA_OVER_M
    v_bc: float = BULLET_VELOCITY

    def __post_init__(self) -> None:
        bounds = {"a": (0.0, 1e6), "z_sat": (0.0, 1e8), "beta": (0.0, 50.0), "z_dec": (0.0, 1e9),
                  "sigma_over_m_bc": (0.0, 1e6), "v_bc": (0.0, 3e5)}
        coerce_bounded(self, bounds)
        dm = TwoLevelDM(m_chi=self.m_chi, nu_star=self.nu_star, radiative_coupling=self.radiative_coupling,
                        a_hi=self.a_hi)  # validates m_chi, nu_star, calA, a_hi
        for name in ("m_chi", "nu_star", "radiative_coupling", "a_hi"):
            object.__setattr__(self, name, getattr(dm, name))

    @classmethod
    def from_T_star(cls, T_star: float, **kwargs: Any) -> GlobalSignalParams:
        """Parameters with nu* = k T*/h, T* [K]."""
        return cls(nu_star=float(T_star) * _K / _H, **kwargs)

    @property
    def dm(self) -> TwoLevelDM:
        """The two-level system (mcdm.forest.microphysics)."""
        return TwoLevelDM(m_chi=self.m_chi, nu_star=self.nu_star, radiative_coupling=self.radiative_coupling,
                          a_hi=self.a_hi)

    @property
    def T_star(self) -> float:
        """T* = h nu*/k [K]."""
        return self.dm.T_star

    @property
    def kappa_sat(self) -> float:
        """kappa_sat [cm^3/s] (Eq. 24)."""
        return float(kappa_saturated(self.a, self.m_chi, self.sigma_over_m_bc, self.v_bc))

    def replace(self, **changes: Any) -> GlobalSignalParams:
        """A copy with some fields changed."""
        return replace(self, **changes)


class ExcitationHistory(NamedTuple):
    """Solution of Eq. (26) on the requested redshifts: z, T_chi, T_ex, kappa_10 [cm^3/s], C_10 [1/s],
    tau_S [1], plus the solver's number of right-hand-side evaluations."""

    z: np.ndarray
    T_chi: np.ndarray
    T_ex: np.ndarray
    kappa_10: np.ndarray
    C_10: np.ndarray
    tau_S: np.ndarray
    nfev: int


class SignalShape(NamedTuple):
    """Trough summary of a curve: centre [MHz], amplitude = -min delta T_b [K], FWHM [MHz] (nan when
    the half-maximum is not crossed on both sides inside the grid)."""

    centre: float
    amplitude: float
    fwhm: float


@dataclass(frozen=True, eq=False)
class GlobalSignalModel:
    """Cosmology-dependent tables for :meth:`signal`: the CAMB thermal history and the free-free table.

    Attributes: cosmology (default Planck18), tau_ff_z_min (30: reionization excluded), reionization
    (False), method (stiff solve_ivp method: LSODA default, Radau, BDF), rtol, atol (on u = y - T*/T_CMB),
    stiff_start (the ODE starts at the instantaneous equilibrium where the relaxation rate per e-fold of
    1+z first falls below this value, or at z_dec).
    """

    cosmology: ForestCosmology = field(default_factory=ForestCosmology)
    tau_ff_z_min: float = 30.0
    reionization: bool = False
    method: str = "LSODA"
    rtol: float = 1e-6
    atol: float = 1e-12
    stiff_start: float = 1e6
    th: ThermalHistory = field(init=False, repr=False)
    ff: FreeFreeTable = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.method not in ("Radau", "BDF", "LSODA"):
            raise ConfigError(f"method must be an implicit solve_ivp method (Radau, BDF, LSODA), got {self.method!r}")
        th = thermal_history(self.cosmology, reionization=self.reionization)
        object.__setattr__(self, "th", th)
        object.__setattr__(self, "ff", _ff_table_cached(th, float(self.tau_ff_z_min)))

    # ---------------------------------------------------------------------------- pieces
    def kappa_10(self, z: Any, p: GlobalSignalParams) -> np.ndarray:
        """kappa_10(z) [cm^3/s] (Eq. 23)."""
        z = np.asarray(z, dtype=float)
        T0 = self.th.T0
        ratio = dm_temperature(z, p.z_dec, T0) / dm_temperature(p.z_sat, p.z_dec, T0)
        return p.kappa_sat * np.where(z >= p.z_sat, 1.0, ratio**p.beta)

    def _rates(self, z: Any, p: GlobalSignalParams, m_g: float) -> tuple:
        th = self.th
        T_star = p.T_star
        Tc = th.T_cmb(z)
        Tchi = dm_temperature(z, p.z_dec, th.T0)
        C10 = th.n_dm(z, m_g) * self.kappa_10(z, p)
        nbar = 1.0 / np.expm1(T_star / Tc)
        A = p.radiative_coupling * p.a_hi
        P = 3.0 * C10 * np.exp(-T_star / Tchi) + 3.0 * A * nbar
        Q = C10 + A * (1.0 + nbar)
        return P, Q, th.hubble(z), Tchi, C10

    def _start(self, p: GlobalSignalParams, m_g: float, z_lo: float) -> tuple[float, float]:
        """Initial (z0, y0) of Eq. (26). From z_dec down, y sits at the instantaneous equilibrium
        y_eq = ln(3Q/P) while the relaxation rate per ln(1+z) exceeds ``stiff_start`` (lag ~ 1/ratio);
        start at the highest redshift where it drops below (or at z_dec, where y = T*/T_CMB exactly)."""
        th = self.th
        z_top = min(float(p.z_dec), th.z_max)
        zs = np.geomspace(1.0 + z_top, 1.0 + z_lo, 200) - 1.0
        P, Q, H, _, _ = self._rates(zs, p, m_g)
        # |d(dy/dz)/dy| (1+z) at equilibrium = (1 + R) P e^y / 3 / H with R = P/Q
        ratio = (1.0 + P / Q) * Q / H
        slow = np.nonzero(ratio < self.stiff_start)[0]
        if len(slow) == 0 or slow[0] == 0:
            z0 = z_top
            return z0, p.T_star / float(th.T_cmb(z0))
        z0 = float(zs[slow[0] - 1])
        return z0, float(np.log(3.0 * Q[slow[0] - 1] / P[slow[0] - 1]))

    def _scalar_rhs(self, p: GlobalSignalParams, m_g: float) -> tuple:
        """Scalar right-hand side of Eq. (26) for u = y - T*/T_CMB (y = T*/T_ex; u is the small departure
        from the CMB that sets the signal, so its absolute tolerance is meaningful even in the Wien regime)
        and its Jacobian, in plain ``math`` (the
        solver calls them ~10^3 times per curve). ln H is interpolated linearly in ln(1+z) on the
        thermal-history grid (4000 nodes, kinks ~1e-6 relative)."""
        th = self.th
        T0, T_star = th.T0, p.T_star
        A = p.radiative_coupling * p.a_hi
        n0 = th.omega_c * th.rho_c0 / m_g
        k_sat, beta = p.kappa_sat, p.beta
        zp1_dec, zp1_sat = 1.0 + p.z_dec, 1.0 + p.z_sat
        t_sat = T0 * zp1_sat * min(1.0, zp1_sat / zp1_dec)
        lnH = self._lnH
        l0, dl, nl = float(th.lnzp1[0]), float(th.lnzp1[1] - th.lnzp1[0]), len(th.lnzp1) - 2
        exp, log, expm1 = math.exp, math.log, math.expm1

        def rates(z: float) -> tuple[float, float, float]:
            zp1 = 1.0 + z
            t_chi = T0 * zp1 * min(1.0, zp1 / zp1_dec)
            kappa = k_sat if zp1 >= zp1_sat else k_sat * (t_chi / t_sat) ** beta
            C10 = n0 * zp1**3 * kappa
            nbar = 1.0 / expm1(T_star / (T0 * zp1))
            P = 3.0 * C10 * exp(-T_star / t_chi) + 3.0 * A * nbar
            Q = C10 + A * (1.0 + nbar)
            f = (log(zp1) - l0) / dl
            i = min(max(int(f), 0), nl)
            H = exp(lnH[i] + (f - i) * (lnH[i + 1] - lnH[i]))
            return P, Q, H * zp1

        def rhs(z: float, uu: np.ndarray) -> np.ndarray:
            P, Q, Hz = rates(z)
            ey = exp(uu[0] + T_star / (T0 * (1.0 + z)))
            return np.array([(1.0 + 3.0 / ey) * (P * ey / 3.0 - Q) / Hz + T_star / (T0 * (1.0 + z) ** 2)])

        def jac(z: float, uu: np.ndarray) -> np.ndarray:
            P, Q, Hz = rates(z)
            ey = exp(uu[0] + T_star / (T0 * (1.0 + z)))
            return np.array([[(-3.0 / ey * (P * ey / 3.0 - Q) + (1.0 + 3.0 / ey) * P * ey / 3.0) / Hz]])

        return rhs, jac

    @functools.cached_property
    def _lnH(self) -> list[float]:
        return [float(v) for v in np.log(self.th.H)]

    def excitation(self, z_eval: Any, p: GlobalSignalParams) -> ExcitationHistory:
        """Solve Eq. (26) from z_dec (equilibrium y = T*/T_CMB) down to min(z_eval); z_eval >= 0."""
        z_eval = np.asarray(z_eval, dtype=float)
        if z_eval.size == 0:
            e = np.zeros(0)
            return ExcitationHistory(e, e, e, e, e, e, 0)
        if np.any(z_eval < 0):
            raise ConfigError("excitation redshifts must be >= 0")
        th = self.th
        T_star = p.T_star
        m_g = p.m_chi * _GEV_G
        y = T_star / th.T_cmb(z_eval)  # T_ex = T_CMB above z_dec (Eq. 21 and initial condition)
        nfev = 0
        below = z_eval < p.z_dec
        if np.any(below):
            z_lo = float(z_eval[below].min())

            rhs, jac = self._scalar_rhs(p, m_g)
            z0, y0 = self._start(p, m_g, z_lo)
            if z0 <= z_lo:
                sol_y = np.full(int(below.sum()), y0)
            else:
                u0 = y0 - T_star / float(th.T_cmb(z0))
                sol = solve_ivp(rhs, (z0, z_lo), [u0], method=self.method, jac=jac, dense_output=True,
                                rtol=self.rtol, atol=self.atol)
                if not sol.success:
                    raise RuntimeError(f"excitation ODE failed: {sol.message}")
                nfev = int(sol.nfev)
                zb = z_eval[below]
                sol_y = sol.sol(zb)[0] + T_star / th.T_cmb(zb)
            y = y.copy()
            y[below] = sol_y
        T_ex = T_star / y
        _, _, H, Tchi, C10 = self._rates(z_eval, p, m_g)
        F = -np.expm1(-y) / (1.0 + G_RATIO * np.exp(-y))
        A = p.radiative_coupling * p.a_hi
        tau_S = 3.0 * _C**3 * A * th.n_dm(z_eval, m_g) / (8.0 * math.pi * p.nu_star**3 * H) * F
        return ExcitationHistory(z_eval, Tchi, T_ex, self.kappa_10(z_eval, p), C10, tau_S, nfev)

    def tau_ff(self, nu0_mhz: Any, z: Any) -> np.ndarray:
        """Cumulative free-free optical depth from tau_ff_z_min to z at observed nu0 [MHz] [1]."""
        return self.ff(np.asarray(nu0_mhz, dtype=float) * 1e6, z)

    # ---------------------------------------------------------------------------- observable
    def signal(self, nu0_mhz: Any, p: GlobalSignalParams, free_free: bool = True) -> np.ndarray:
        """delta T_b(nu0) [K] (Eqs. 30-31) at observed frequencies nu0 [MHz]; 0 where nu0 >= nu*."""
        nu0 = np.asarray(nu0_mhz, dtype=float) * 1e6
        if np.any(~np.isfinite(nu0)) or np.any(nu0 <= 0):
            raise ConfigError("observed frequencies must be finite and > 0 [MHz]")
        out = np.zeros(nu0.shape)
        ok = nu0 < p.nu_star
        if not np.any(ok):
            return out
        z_x = p.nu_star / nu0[ok] - 1.0
        if np.any(z_x > self.th.z_max):
            raise ConfigError(f"resonance redshift {z_x.max():.3g} above the table maximum {self.th.z_max:.3g}")
        ex = self.excitation(z_x, p)
        T0 = self.th.T0
        x = _H * nu0[ok] / (_K * T0)
        y = p.T_star / ex.T_ex
        dn = _occupation_difference(y, x) * (-np.expm1(-ex.tau_S))
        if free_free:
            dn = dn * np.exp(-self.ff(nu0[ok], z_x))
        out[ok] = _H * nu0[ok] / _K * dn
        return out

    def delta_n(self, nu0_hz: Any, p: GlobalSignalParams) -> np.ndarray:
        """Photon-occupation distortion Delta n(nu0) [1] at observed nu0 [Hz] (Eq. 30)."""
        nu0 = np.asarray(nu0_hz, dtype=float)
        return self.signal(nu0 / 1e6, p) * _K / (_H * nu0)


def _occupation_difference(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """1/(e^y - 1) - 1/(e^x - 1) without cancellation: (e^x - e^y)/((e^y - 1)(e^x - 1))."""
    return -np.exp(x) * np.expm1(y - x) / (np.expm1(y) * np.expm1(x))


@functools.lru_cache(maxsize=8)
def _ff_table_cached(th: ThermalHistory, z_min: float) -> FreeFreeTable:
    return free_free_table(th, z_min=z_min)


@functools.lru_cache(maxsize=1)
def default_model() -> GlobalSignalModel:
    """The Planck18, no-reionization, tau_ff from z = 30 model (built once per process)."""
    return GlobalSignalModel()


def global_signal(nu0_mhz: Any, params: GlobalSignalParams | None = None,
                  model: GlobalSignalModel | None = None) -> np.ndarray:
    """delta T_b [K] at observed frequencies nu0 [MHz] for ``params`` (default demo point)."""
    params = GlobalSignalParams() if params is None else params
    model = default_model() if model is None else model
    return model.signal(nu0_mhz, params)


def signal_shape(nu_mhz: Any, dTb: Any) -> SignalShape:
    """Centre [MHz], amplitude [K] (= -min) and FWHM [MHz] of the absorption trough of a curve on a grid."""
    nu = np.asarray(nu_mhz, dtype=float)
    t = np.asarray(dTb, dtype=float)
    i = int(np.argmin(t))
    amp = -float(t[i])
    if amp <= 0:
        return SignalShape(float("nan"), 0.0, float("nan"))
    half = -0.5 * amp
    left = np.nonzero(t[:i] > half)[0]
    right = np.nonzero(t[i:] > half)[0]
    # parabolic refinement of the minimum
    centre = float(nu[i])
    if 0 < i < len(t) - 1:
        y0, y1, y2 = t[i - 1], t[i], t[i + 1]
        den = y0 - 2 * y1 + y2
        if den > 0:
            centre = float(nu[i] + 0.5 * (y0 - y2) / den * (nu[i + 1] - nu[i - 1]) / 2)
    if len(left) == 0 or len(right) == 0:
        return SignalShape(centre, amp, float("nan"))
    k = left[-1]
    nl = nu[k] + (half - t[k]) * (nu[k + 1] - nu[k]) / (t[k + 1] - t[k])
    k = i + right[0]
    nr = nu[k - 1] + (half - t[k - 1]) * (nu[k] - nu[k - 1]) / (t[k] - t[k - 1])
    return SignalShape(centre, amp, float(nr - nl))

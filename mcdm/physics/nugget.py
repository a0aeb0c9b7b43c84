"""Antimatter quark nuggets: the 1-20 MeV continuum of electron annihilation in the positron
electrosphere, normalised to the 511 keV line (seed 001, Lawson & Zhitnitsky; digest 001 §2, App. A).

A galactic electron at rest that enters a nugget's electrosphere mostly forms positronium (the
511 keV line); a fraction chi annihilates directly, e+ e- -> 2 gamma, on a positron of the
degenerate Fermi sea (chemical potential mu, rest mass included). The photon spectrum of one
electron is the QED cross section (Eq. 2) averaged over the Fermi sea (Eqs. 1, 3), in closed form
Eq. (4); dividing by the total rate (Eq. 5) and multiplying by the 511 keV intensity gives the
observable Eq. (6). Appendix A averages Eq. (6) over the height z of the electrosphere, where
mu(z) falls as 1/(z + z0) (A.1) and the infalling electrons are depleted (A.3), Eq. (A.4).

Units
-----
Natural units (hbar = c = 1) with energies in MeV: photon energy k, positron energy E, chemical
potential mu, electron mass m = :data:`M_E_MEV`. Cross sections are MeV^-2, dsigma/dk MeV^-3, the
single-electron spectrum dI/dk dt is dimensionless (a rate per unit energy; multiply by
:data:`PER_MEV_TO_PER_S` for s^-1 MeV^-1) and the rates dI/dt are MeV (s^-1 after the same factor).
Heights z are MeV^-1 (times :data:`HBARC_MEV_FM` for fm). Intensities are
ph cm^-2 s^-1 sr^-1 (line) and ph cm^-2 s^-1 sr^-1 MeV^-1 (continuum).

Errata (digest 001 §6), each a named choice with the paper's reading as the default
---------------------------------------------------------------------------------
* E1 Eq. (3): the measure is 8 pi dE/(2 pi)^3, not (2 pi)^2 -- :func:`photon_rate_spectrum_quadrature`.
* E2 Eq. (6): the paper counts one 511 keV photon per para-positronium decay (physically two):
  ``ps_photon_counting="paper"`` (divide by 1) or ``"physical"`` (divide by 2).
* E3 n_DM ~ rho_DM/(B m_p) -- :func:`nugget_flux_at_earth`.
* E4 Eq. (A.2) lacks a minus sign (electrons are removed); (A.3) as printed is the correct solution.
* E5 the electron speed v_e is never given and (A.4) is only "~": ``Electrosphere.v_e`` is a
  calibration knob and :func:`height_averaged_intensity` offers two normalisations.
* E6 Eq. (4) is valid only for k_lo(mu) < k < k_hi(mu); it is a hard zero outside.
* E7 Eq. (5) is a large-mu approximation (11-13 % high at mu = 20-100 MeV):
  ``rate="paper"`` uses it, ``rate="exact"`` the Fermi-sea integral of the Dirac cross section.

Public API: :func:`dirac_cross_section`, :func:`dsigma_dk`, :func:`k_range`, :func:`threshold_energy`,
:func:`k_limits`, :func:`photon_rate_spectrum`, :func:`photon_rate_spectrum_quadrature`,
:func:`annihilation_rate_approx`, :func:`annihilation_rate_exact`, :func:`annihilation_rate`,
:func:`continuum_intensity`, :class:`PositroniumYields`, :func:`positronium_yields`,
:func:`positronium_formation_rate`, :class:`Electrosphere`, :func:`height_averaged_intensity`,
:func:`sample_photon_energies`, :func:`nugget_flux_at_earth`.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

import astropy.constants as const
import astropy.units as u
import numpy as np
from scipy import integrate

from mcdm.constants import ALPHA, C_KM_S, M_PROTON_GEV
from mcdm.errors import ConfigError
from mcdm.physics import _checks

__all__ = [
    "M_E_MEV", "HBARC_MEV_FM", "HBAR_MEV_S", "PER_MEV_TO_PER_S", "I511_PAPER", "THOMAS_FERMI_S",
    "PS_PHOTON_COUNTING", "RATE_MODES", "WEIGHTINGS", "NORMALISATIONS",
    "dirac_cross_section", "dsigma_dk", "k_range", "threshold_energy", "k_limits",
    "photon_rate_spectrum", "photon_rate_spectrum_quadrature",
    "annihilation_rate_approx", "annihilation_rate_exact", "annihilation_rate",
    "continuum_intensity", "PositroniumYields", "positronium_yields", "positronium_formation_rate",
    "Electrosphere", "height_averaged_intensity", "sample_photon_energies", "nugget_flux_at_earth",
]

#: electron mass m_e c^2 [MeV] (CODATA via astropy)
M_E_MEV: float = (const.m_e * const.c**2).to_value(u.MeV)
#: hbar c [MeV fm] (CODATA via astropy)
HBARC_MEV_FM: float = (const.hbar * const.c).to_value(u.MeV * u.fm)
#: hbar [MeV s] (CODATA via astropy)
HBAR_MEV_S: float = const.hbar.to_value(u.MeV * u.s)
#: a rate of 1 MeV in natural units, in s^-1 (1 MeV / hbar)
PER_MEV_TO_PER_S: float = 1.0 / HBAR_MEV_S
#: the 511 keV intensity the paper normalises to [ph cm^-2 s^-1 sr^-1] (inner 6 deg circle, §4)
I511_PAPER: float = 0.025
#: sqrt(3 pi / (2 alpha)) of the ultra-relativistic Thomas-Fermi electrosphere (A.1) [1]
THOMAS_FERMI_S: float = math.sqrt(3.0 * math.pi / (2.0 * ALPHA))
#: erratum E2: number of 511 keV photons counted per para-positronium decay
PS_PHOTON_COUNTING: dict[str, int] = {"paper": 1, "physical": 2}
#: erratum E7: the total rate that normalises Eq. (6)
RATE_MODES = ("paper", "exact")
#: the weight of (A.4): N(z) as printed, or the annihilations per unit height N dI/dt / v_e
WEIGHTINGS = ("literal", "annihilations")
#: the normalisation of (A.4) (erratum E5)
NORMALISATIONS = ("single_mu_integral", "raw")

_M = M_E_MEV
_PREFIX = "nugget"


# ---------------------------------------------------------------------------------------------
# input guards (ConfigError is a ValueError)

#: largest chemical potential / photon energy accepted [MeV] (the model's mu is tens of MeV; beyond
#: ~1e5 MeV the closed forms overflow)
MU_MAX_MEV = 1.0e5


def _mu(mu: Any, field: str = "mu") -> np.ndarray:
    """Chemical potentials [MeV], each in (m_e, MU_MAX_MEV]."""
    return _checks.array(mu, f"{_PREFIX}: {field}", "MeV", gt=_M, le=MU_MAX_MEV)


def _k(k: Any) -> np.ndarray:
    """Photon energies [MeV], each in (0, 1e8]."""
    return _checks.array(k, f"{_PREFIX}: photon energy k", "MeV", gt=0.0, le=1e8)


def _pair(a: np.ndarray, b: np.ndarray, names: str) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast two validated arrays; ConfigError naming them when their shapes do not fit."""
    try:
        x, y = np.broadcast_arrays(a, b)
    except ValueError:
        raise ConfigError(f"{_PREFIX}: {names} must broadcast together, got shapes {np.shape(a)} and "
                          f"{np.shape(b)}") from None
    return x, y


def _chi(chi: Any) -> float:
    return _checks.scalar(chi, f"{_PREFIX}: chi", "1", ge=0.0)


def _choice(value: str, allowed, field: str) -> str:
    if value not in allowed:
        raise ConfigError(f"{_PREFIX}: {field} = {value!r} is not one of {list(allowed)}")
    return value


def _out(x: np.ndarray):
    return float(x) if np.ndim(x) == 0 else x


# ---------------------------------------------------------------------------------------------
# C1, C2: QED cross section and kinematics

def _momentum(E):
    return np.sqrt(np.maximum(E * E - _M * _M, 0.0))


def dirac_cross_section(E, m: float = M_E_MEV):
    """Total e+ e- -> 2 gamma cross section of a positron of total energy E on an electron at rest.

    Dirac's formula, sigma = pi r_e^2/(g+1) [(g^2+4g+1)/(g^2-1) ln(g + sqrt(g^2-1)) - (g+3)/sqrt(g^2-1)],
    g = E/m, r_e = alpha/m. E > m [MeV]; returns MeV^-2.
    """
    m = _checks.scalar(m, f"{_PREFIX}: m", "MeV", gt=0.0)
    g = _checks.array(E, f"{_PREFIX}: positron energy E", "MeV", gt=m) / m
    return _out(_sigma_dirac(g, np.sqrt((g - 1.0) * (g + 1.0)), m))


def _sigma_dirac(g: np.ndarray, s: np.ndarray, m: float = M_E_MEV) -> np.ndarray:
    """Dirac's cross section [MeV^-2] from g = E/m and s = sqrt(g^2 - 1) = p/m > 0."""
    r_e = ALPHA / m
    return math.pi * r_e**2 / (g + 1.0) * ((g * g + 4.0 * g + 1.0) / (s * s) * np.log(g + s) - (g + 3.0) / s)


def k_range(E):
    """Photon energies one positron of energy E > m [MeV] can give: (k_min, k_max) = ((E+m-p)/2, (E+m+p)/2)."""
    E = _checks.array(E, f"{_PREFIX}: positron energy E", "MeV", gt=_M)
    p = _momentum(E)
    return _out(0.5 * (E + _M - p)), _out(0.5 * (E + _M + p))


def k_limits(mu):
    """Support (k_lo, k_hi) of the Fermi-sea spectrum Eq. (4): ((mu+m -+ sqrt(mu^2-m^2))/2) [MeV]."""
    return k_range(_mu(mu))


def threshold_energy(k):
    """Lowest positron energy E_min(k) = [(2k-m)^2 + m^2]/(2(2k-m)) that can emit a photon k [MeV].

    +inf for k <= m/2, which no positron can emit (k_min(E) > m/2 for every E).
    """
    k = _k(k)
    d = 2.0 * k - _M
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(d > 0.0, (d * d + _M * _M) / (2.0 * np.where(d > 0.0, d, 1.0)), np.inf)
    return _out(out)


def _bracket_eq2(k, E):
    """(m p^2 / (pi alpha^2)) dsigma/dk: the two brackets of Eq. (2) [MeV^-1]."""
    mE = _M + E
    den = (mE - k) ** 2
    return (-(3.0 * _M + E) * mE / den - 2.0
            + ((3.0 * _M + E) * mE**2 / k - (_M / k) ** 2 * mE**2) / den)  # Eq. (2)


def dsigma_dk(k, E):
    """dsigma/dk of e+(E) e-(rest) -> 2 gamma, Eq. (2) [MeV^-3]; 0 outside k_min(E) <= k <= k_max(E).

    Counts photons: its integral over k is 2 sigma_Dirac(E). k > 0, E > m [MeV]; broadcasts.
    """
    k, E = _pair(_k(k), _checks.array(E, f"{_PREFIX}: positron energy E", "MeV", gt=_M, le=MU_MAX_MEV), "k and E")
    p = _momentum(E)
    inside = (k >= 0.5 * (E + _M - p)) & (k <= 0.5 * (E + _M + p))
    out = np.zeros(k.shape)
    ki, Ei, pi_ = k[inside], E[inside], p[inside]
    out[inside] = math.pi * ALPHA**2 / (_M * pi_**2) * _bracket_eq2(ki, Ei)
    return _out(out)


# ---------------------------------------------------------------------------------------------
# C3: the Fermi-sea spectrum of one electron

def _bracket_eq4(k, mu):
    """B(k, mu), the bracket of Eqs. (4) and (6) [MeV^3]; valid for k_lo(mu) < k < k_hi(mu)."""
    m = _M
    return (k * (k * k + 2.0 * m * k - 2.0 * m * m) * np.log((2.0 * k - m) * (mu + m - k) / (m * k))
            - 1.5 * k**3 - (mu + 5.0 * m) * k**2 + (0.5 * mu**2 + 3.0 * mu * m + 4.5 * m**2) * k
            - m**2 * (mu + m) + k**2 * m**2 / (mu + m - k)
            + (8.0 * k**4 - 8.0 * m * k**3 - 2.5 * m**2 * k**2 + 4.0 * m**3 * k - m**4) * k / (2.0 * k - m) ** 2)


def _support(k, mu):
    p = _momentum(mu)
    return (k > 0.5 * (mu + _M - p)) & (k < 0.5 * (mu + _M + p))


def _spectrum(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Eq. (4) on validated, broadcast arrays; hard zero outside the support (E6)."""
    inside = _support(k, mu)
    out = np.zeros(k.shape)
    ki, mi = k[inside], mu[inside]
    out[inside] = ALPHA**2 / (math.pi * _M * ki**2) * _bracket_eq4(ki, mi)  # Eq. (4)
    # the closed form ends at exactly 0 at k_lo, k_hi; rounding can leave ~-1e-16 relative there
    return np.maximum(out, 0.0)


def photon_rate_spectrum(k, mu):
    """dI/dk dt of one electron at rest in a positron Fermi sea of chemical potential mu, Eq. (4).

    Photons per unit time per unit photon energy in natural units (dimensionless; times
    :data:`PER_MEV_TO_PER_S` for s^-1 MeV^-1). k > 0 and mu > m [MeV], broadcast together; exactly 0
    outside k_lo(mu) < k < k_hi(mu) (erratum E6).
    """
    k, mu = _pair(_k(k), _mu(mu), "k and mu")
    return _out(_spectrum(k, mu))


def photon_rate_spectrum_quadrature(k, mu, epsrel: float = 1e-11):
    """Eq. (3) with the (2 pi)^3 fix (E1): (8 pi/(2 pi)^3) int_{E_min(k)}^{mu} dE p^2 dsigma/dk(k, E).

    The independent check of Eq. (4) by adaptive quadrature of Eq. (2) (scipy ``quad``); same
    units and support as :func:`photon_rate_spectrum`. Slow (one quadrature per point).
    """
    k, mu = _pair(_k(k), _mu(mu), "k and mu")
    out = np.zeros(k.shape)
    pref = 8.0 * math.pi / (2.0 * math.pi) ** 3 * math.pi * ALPHA**2 / _M  # Eq. (3), E1; p^2 cancels
    for idx in np.ndindex(k.shape):
        if not _support(k[idx], mu[idx]):
            continue
        kk, mm = float(k[idx]), float(mu[idx])
        e_min = float(threshold_energy(kk))
        val, _ = integrate.quad(lambda E: _bracket_eq2(kk, E), e_min, mm, epsabs=0.0, epsrel=epsrel, limit=200)
        out[idx] = pref * val
    return _out(out)


# ---------------------------------------------------------------------------------------------
# C4: total rate

def annihilation_rate_approx(mu):
    """dI/dt ~ (alpha^2 m/(2 pi)) (mu/m)^2 ln(mu/m), Eq. (5) [MeV; times PER_MEV_TO_PER_S for s^-1].

    Numerically an annihilation (not photon) rate; large-mu approximation (erratum E7).
    """
    mu = _mu(mu)
    return _out(ALPHA**2 * _M / (2.0 * math.pi) * (mu / _M) ** 2 * np.log(mu / _M))  # Eq. (5)


#: Gauss-Legendre nodes for the rapidity integral of annihilation_rate_exact
_GL_T = np.polynomial.legendre.leggauss(128)


def annihilation_rate_exact(mu):
    """Annihilations per unit time of one electron at rest in the Fermi sea: int dn v sigma_Dirac.

    = (1/pi^2) int_m^mu dE p^2 sigma_Dirac(E) [MeV], evaluated in the rapidity t (E = m cosh t,
    dE = p dt, integrand p^3 sigma smooth at threshold) by 128-point Gauss-Legendre. Equals half
    the integral of Eq. (4) over k (two photons per annihilation). mu > m [MeV].
    """
    mu = _mu(mu)
    x, w = _GL_T
    t_max = np.arccosh(mu / _M)[..., None]
    t = 0.5 * t_max * (x + 1.0)
    sigma = _sigma_dirac(np.cosh(t), np.sinh(t))
    p = _M * np.sinh(t)
    out = 0.5 * t_max[..., 0] * np.sum(w * p**3 * sigma, axis=-1) / math.pi**2
    return _out(out)


def annihilation_rate(mu, rate: str = "paper"):
    """The total rate that normalises Eq. (6): Eq. (5) (``"paper"``) or the exact integral (``"exact"``) [MeV]."""
    _choice(rate, RATE_MODES, "rate")
    return annihilation_rate_approx(mu) if rate == "paper" else annihilation_rate_exact(mu)


# ---------------------------------------------------------------------------------------------
# V18, E2: positronium bookkeeping

@dataclass(frozen=True)
class PositroniumYields:
    """Per positronium atom formed (all numbers per Ps).

    para_fraction: fraction in the 1S0 (para) state; ortho_fraction = 1 - para_fraction (3S1).
    photons_511: 511 keV photons (2 per para decay); ortho_continuum_photons: 3-gamma continuum
    photons (k <= 511 keV, 3 per ortho decay); ps_per_para: total Ps per para-Ps (4 for 1/4).
    """

    para_fraction: float
    ortho_fraction: float
    photons_511: float
    ortho_continuum_photons: float
    ps_per_para: float


def positronium_yields(para_fraction: float = 0.25) -> PositroniumYields:
    """Positronium branching (§1.1): 1/4 of Ps are para -> 2 x 511 keV, 3/4 ortho -> 3 gamma continuum."""
    f = _checks.scalar(para_fraction, f"{_PREFIX}: para_fraction", "1", gt=0.0, le=1.0)
    return PositroniumYields(para_fraction=f, ortho_fraction=1.0 - f, photons_511=2.0 * f,
                             ortho_continuum_photons=3.0 * (1.0 - f), ps_per_para=1.0 / f)


def positronium_formation_rate(i511: float = I511_PAPER, ps_photon_counting: str = "paper",
                               para_fraction: float = 0.25) -> float:
    """Positronium formed per cm^2 s sr along the line of sight, from the 511 keV line intensity.

    i511 [ph cm^-2 s^-1 sr^-1]. ``"paper"`` (Eq. 6 as printed): para-Ps = i511, total = 4 i511;
    ``"physical"``: para-Ps = i511/2 (two 511 photons per decay), total = 2 i511 (erratum E2).
    """
    i511 = _checks.scalar(i511, f"{_PREFIX}: i511", "ph cm^-2 s^-1 sr^-1", ge=0.0)
    per_para = PS_PHOTON_COUNTING[_choice(ps_photon_counting, PS_PHOTON_COUNTING, "ps_photon_counting")]
    return positronium_yields(para_fraction).ps_per_para * i511 / per_para


# ---------------------------------------------------------------------------------------------
# C5: the observable

def continuum_intensity(k, mu, chi: float, i511: float = I511_PAPER, ps_photon_counting: str = "paper",
                        rate: str = "paper"):
    """dPhi/dOmega dk of the direct-annihilation continuum, Eq. (6) [ph cm^-2 s^-1 sr^-1 MeV^-1].

    = (Ps formation rate from i511) x chi x (Eq. 4)/(total rate): with the defaults exactly
    0.025 * 4 chi * 2 B(k,mu)/(k^2 mu^2 ln(mu/m)) as printed. k > 0, mu > m [MeV] broadcast; chi >= 0
    (direct annihilations per Ps formed); ``ps_photon_counting`` (E2) and ``rate`` (E7) as in the
    module docstring. Zero outside k_lo(mu) < k < k_hi(mu).
    """
    chi = _chi(chi)
    k, mu = _pair(_k(k), _mu(mu), "k and mu")
    ps = positronium_formation_rate(i511, ps_photon_counting)
    norm = np.asarray(annihilation_rate(mu, rate))
    return _out(ps * chi * _spectrum(k, mu) / norm)  # Eq. (6)


# ---------------------------------------------------------------------------------------------
# C6-C8: the electrosphere of Appendix A

@dataclass(frozen=True)
class Electrosphere:
    """Ultra-relativistic Thomas-Fermi positron electrosphere (App. A) and its electron attenuation.

    mu0_mev: chemical potential at the quark surface [MeV] (paper: 60).
    zmax_over_z0: cut-off height z_max in units of z0 (paper: 30); mu(z_max) = mu0/(1 + zmax_over_z0)
    must stay above m_e.
    v_e: z-velocity of the infalling electrons [units of c]. NOT given in the paper (erratum E5): a
    calibration knob; 0.2-0.3 reproduces the paper's "factor of two" flatness (digest V14).
    weighting: the weight of (A.4): ``"literal"`` N(z)/N(z_max) as printed, or ``"annihilations"``
    N(z) (dI/dt)(z)/v_e, the electrons annihilating per unit height [MeV].
    """

    mu0_mev: float
    zmax_over_z0: float = 30.0
    v_e: float = 0.3
    weighting: str = "literal"

    def __post_init__(self) -> None:
        mu0 = _checks.scalar(self.mu0_mev, f"{_PREFIX}: Electrosphere.mu0_mev", "MeV", gt=_M, le=MU_MAX_MEV)
        ratio = _checks.scalar(self.zmax_over_z0, f"{_PREFIX}: Electrosphere.zmax_over_z0", "1", gt=0.0, le=1e8)
        # below ~1e-3 c the (A.3) survival exp(-0.12/v_e) underflows: no electron reaches the sphere
        v_e = _checks.scalar(self.v_e, f"{_PREFIX}: Electrosphere.v_e", "c", ge=1e-3, le=1.0)
        _choice(self.weighting, WEIGHTINGS, "Electrosphere.weighting")
        if mu0 / (1.0 + ratio) <= _M:
            raise ConfigError(f"{_PREFIX}: Electrosphere mu(z_max) = mu0_mev/(1 + zmax_over_z0) = "
                              f"{mu0 / (1.0 + ratio):g} MeV must be > m_e = {_M:.6f} MeV")
        object.__setattr__(self, "mu0_mev", mu0)
        object.__setattr__(self, "zmax_over_z0", ratio)
        object.__setattr__(self, "v_e", v_e)

    @property
    def z0(self) -> float:
        """z0 = sqrt(3 pi/(2 alpha))/mu0 [MeV^-1] (A.1)."""
        return THOMAS_FERMI_S / self.mu0_mev  # (A.1)

    @property
    def z0_fm(self) -> float:
        """z0 [fm]."""
        return self.z0 * HBARC_MEV_FM

    @property
    def z_max(self) -> float:
        """Cut-off height [MeV^-1]."""
        return self.zmax_over_z0 * self.z0

    @property
    def mu_min(self) -> float:
        """mu(z_max) [MeV]."""
        return self.mu0_mev / (1.0 + self.zmax_over_z0)

    def mu_of_z(self, z):
        """Positron chemical potential sqrt(3 pi/(2 alpha))/(z + z0) [MeV] at height z >= 0 [MeV^-1] (A.1)."""
        z = _checks.array(z, f"{_PREFIX}: height z", "MeV^-1", ge=0.0)
        return _out(THOMAS_FERMI_S / (z + self.z0))  # (A.1)

    def positron_density(self, z):
        """n(z) = mu(z)^3/(3 pi^2) [MeV^3] (A.1, ultra-relativistic)."""
        return _out(np.asarray(self.mu_of_z(z)) ** 3 / (3.0 * math.pi**2))

    @property
    def _attenuation(self) -> float:
        """3 alpha ln(mu0/m)/(4 m v_e) [MeV^-1]: the coefficient of (A.3)."""
        return 3.0 * ALPHA * math.log(self.mu0_mev / _M) / (4.0 * _M * self.v_e)

    def electron_survival(self, z):
        """N(z)/N(z_max) for 0 <= z <= z_max [MeV^-1], (A.3) (the solution of (A.2) with the E4 sign).

        exp[-(3 alpha/(4 m v_e)) (1/(z+z0) - 1/(z_max+z0)) ln(mu0/m)]; 0 above z_max is not defined
        (electrons enter there), so z > z_max raises.
        """
        z = _checks.array(z, f"{_PREFIX}: height z", "MeV^-1", ge=0.0, le=self.z_max * (1 + 1e-12))
        return _out(self._survival_mu(THOMAS_FERMI_S / (z + self.z0)))

    def _survival_mu(self, mu: np.ndarray) -> np.ndarray:
        # (A.3) in terms of mu: 1/(z+z0) = mu/S
        return np.exp(-self._attenuation * (mu - self.mu_min) / THOMAS_FERMI_S)  # (A.3)

    def annihilation_rate_z(self, z):
        """(dI/dt)(z) = 3 alpha ln(mu0/m)/(4 m (z+z0)^2) [MeV]: Eq. (5) at mu(z) with ln(mu0/m), as in (A.3)."""
        mu = np.asarray(self.mu_of_z(z))
        return _out(self._attenuation * self.v_e * mu**2 / THOMAS_FERMI_S**2)

    def _weight_mu(self, mu: np.ndarray) -> np.ndarray:
        """Weight of (A.4) at mu(z): N/N(z_max) [1] or N dI/dt / v_e [MeV]."""
        w = self._survival_mu(mu)
        if self.weighting == "annihilations":
            w = w * self._attenuation * mu**2 / THOMAS_FERMI_S**2
        return w


_GL_MU = np.polynomial.legendre.leggauss(96)


def _height_integral(k: np.ndarray, es: Electrosphere, per_mu: Callable[[np.ndarray, np.ndarray], np.ndarray],
                     ) -> np.ndarray:
    """int_0^{z_max} dz w(z) f(k, mu(z)) = S int dmu/mu^2 w(mu) f(k, mu) over mu > max(mu_min, E_min(k)).

    Below E_min(k) the spectrum at k vanishes; above it the integrand is smooth, so fixed
    Gauss-Legendre in mu is accurate. k: 1-d [MeV]; returns [len(k)] in units of f x MeV^-1.
    """
    x, w = _GL_MU
    lo = np.maximum(es.mu_min, np.asarray(threshold_energy(k)))
    hi = es.mu0_mev
    ok = lo < hi
    out = np.zeros(k.shape)
    if not np.any(ok):
        return out
    a, kk = lo[ok][:, None], k[ok][:, None]
    half = 0.5 * (hi - a)
    mu = a + half * (x + 1.0)
    f = per_mu(np.broadcast_to(kk, mu.shape), mu)
    out[ok] = np.sum(w * half * THOMAS_FERMI_S / mu**2 * es._weight_mu(mu) * f, axis=1)
    return out


def height_averaged_intensity(k, electrosphere: Electrosphere, chi: float, i511: float = I511_PAPER,
                              ps_photon_counting: str = "paper", rate: str = "paper",
                              normalisation: str = "single_mu_integral"):
    """Eq. (6) averaged over the electrosphere, (A.4): int_0^{z_max} dz w(z) dPhi(k, mu(z))/dOmega dk.

    k > 0 [MeV]; chi, i511, ps_photon_counting, rate as in :func:`continuum_intensity` (evaluated at
    mu(z), with its own ln(mu(z)/m)); w(z) per ``electrosphere.weighting``. Normalisation (E5):
    ``"single_mu_integral"`` (default) scales the result so that its integral over k equals that of
    Eq. (6) at mu0 [ph cm^-2 s^-1 sr^-1 MeV^-1]; ``"raw"`` returns the integral over z in MeV^-1 as it
    stands [ph cm^-2 s^-1 sr^-1 MeV^-1 x MeV^-1, times MeV for the annihilation weighting].
    """
    if not isinstance(electrosphere, Electrosphere):
        raise ConfigError(f"{_PREFIX}: electrosphere must be an Electrosphere, got {type(electrosphere).__name__}")
    chi = _chi(chi)
    _choice(rate, RATE_MODES, "rate")
    _choice(normalisation, NORMALISATIONS, "normalisation")
    k = _k(k)
    ps = positronium_formation_rate(i511, ps_photon_counting)
    shape = k.shape
    kf = k.ravel()

    def phi(kk, mu):
        return ps * chi * _spectrum(kk, mu) / np.asarray(annihilation_rate(mu, rate))  # Eq. (6) at mu(z)

    raw = _height_integral(kf, electrosphere, phi)  # (A.4)
    if normalisation == "single_mu_integral":
        raw = raw * _single_mu_norm(electrosphere, rate)
    return _out(raw.reshape(shape))


def _single_mu_norm(es: Electrosphere, rate: str) -> float:
    """int dk Phi(k, mu0) / int dk (A.4 raw), using int dk Eq.(4) = 2 x exact annihilation rate.

    Swapping the k and z integrals: int dk (A.4) = S int dmu/mu^2 w(mu) 2 R_exact(mu)/R(mu), so no
    k quadrature near the steep low-k edge is needed. Independent of chi, i511 and the counting.
    """
    x, w = _GL_MU
    half = 0.5 * (es.mu0_mev - es.mu_min)
    mu = es.mu_min + half * (x + 1.0)
    per_mu = 2.0 * np.asarray(annihilation_rate_exact(mu)) / np.asarray(annihilation_rate(mu, rate))
    total = np.sum(w * half * THOMAS_FERMI_S / mu**2 * es._weight_mu(mu) * per_mu)
    single = 2.0 * annihilation_rate_exact(es.mu0_mev) / annihilation_rate(es.mu0_mev, rate)
    return float(single / total)


# ---------------------------------------------------------------------------------------------
# C11: photon energy sampler

SpectrumSpec = Union[float, Electrosphere, Callable[[np.ndarray], np.ndarray]]


def sample_photon_energies(rng: np.random.Generator, n: int, spectrum: SpectrumSpec, kmin: float = 1.0,
                           kmax: float | None = None, n_grid: int = 8193) -> np.ndarray:
    """n photon energies [MeV] drawn from a continuum spectrum by inverse CDF on a tabulated grid.

    spectrum: a chemical potential mu [MeV] (shape of Eq. 4/6), an :class:`Electrosphere` (shape of
    (A.4) with its weighting), or a callable k [MeV] -> density >= 0 (then ``kmax`` is required).
    The range is [max(kmin, k_lo), min(kmax, k_hi)] (C11). The density is tabulated on a geometric
    grid of ``n_grid`` points, its CDF built by the trapezoidal rule, and each uniform deviate
    inverted exactly within its cell for the piecewise-linear density.
    """
    n = int(_checks.scalar(n, f"{_PREFIX}: n", "1", ge=0))
    kmin = _checks.scalar(kmin, f"{_PREFIX}: kmin", "MeV", gt=0.0)
    if int(n_grid) < 3:
        raise ConfigError(f"{_PREFIX}: n_grid must be >= 3, got {n_grid!r}")
    if isinstance(spectrum, Electrosphere):
        lo, hi = k_limits(spectrum.mu0_mev)

        def density(k):
            return np.asarray(height_averaged_intensity(k, spectrum, 1.0, normalisation="raw"))
    elif callable(spectrum):
        if kmax is None:
            raise ConfigError(f"{_PREFIX}: kmax is required when spectrum is a callable")
        lo, hi = 0.0, math.inf
        density = spectrum
    else:
        mu = _checks.scalar(spectrum, f"{_PREFIX}: spectrum (chemical potential mu)", "MeV", gt=_M)
        lo, hi = k_limits(mu)

        def density(k):
            return _spectrum(k, np.full_like(k, mu))
    a = max(kmin, lo)
    b = hi if kmax is None else min(_checks.scalar(kmax, f"{_PREFIX}: kmax", "MeV", gt=0.0), hi)
    if not b > a:
        raise ConfigError(f"{_PREFIX}: empty energy range [{a:g}, {b:g}] MeV for sampling")
    grid = np.geomspace(a, b, int(n_grid))
    f = np.asarray(density(grid), dtype=float)
    if f.shape != grid.shape or not np.all(np.isfinite(f)) or np.any(f < 0):
        raise ConfigError(f"{_PREFIX}: spectrum must return finite densities >= 0 of the grid's shape")
    dk = np.diff(grid)
    cell = 0.5 * (f[1:] + f[:-1]) * dk
    cdf = np.concatenate(([0.0], np.cumsum(cell)))
    if not cdf[-1] > 0:
        raise ConfigError(f"{_PREFIX}: spectrum integrates to 0 over [{a:g}, {b:g}] MeV")
    target = rng.random(n) * cdf[-1]
    i = np.clip(np.searchsorted(cdf, target, side="right") - 1, 0, len(dk) - 1)
    r = target - cdf[i]  # area needed inside cell i
    f0, slope = f[i], (f[i + 1] - f[i]) / dk[i]
    # solve f0 x + slope x^2/2 = r for x in [0, dk]; the stable root of the quadratic
    disc = np.sqrt(np.maximum(f0 * f0 + 2.0 * slope * r, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(f0 + disc > 0, 2.0 * r / (f0 + disc), 0.0)
    return np.clip(grid[i] + x, grid[i], grid[i + 1])


# ---------------------------------------------------------------------------------------------
# digest §5 (engine, illustrative; not in the paper)

def nugget_flux_at_earth(B, rho_gev_cm3: float = 0.3, v_km_s: float = 250.0):
    """Nugget flux F = rho_DM v/(|B| m_p) [cm^-2 s^-1] (n_DM = rho_DM/(B m_p), erratum E3).

    B: baryon charge |B| (paper: 1e20-1e33); rho_gev_cm3: local DM density [GeV cm^-3];
    v_km_s: mean nugget speed [km/s]. Illustrative only: the paper gives no terrestrial rates.
    """
    B = _checks.array(B, f"{_PREFIX}: baryon number B", "1", gt=0.0)
    rho = _checks.scalar(rho_gev_cm3, f"{_PREFIX}: rho_gev_cm3", "GeV cm^-3", ge=0.0)
    v = _checks.scalar(v_km_s, f"{_PREFIX}: v_km_s", "km/s", ge=0.0, le=C_KM_S)
    return _out(rho / (B * M_PROTON_GEV) * v * 1e5)

"""Physical constants in the internal units of :mod:`mcdm.units`, derived once from astropy (CODATA).

The seed papers sometimes round a constant (seed 004's code uses alpha = 1/137, m_N = 0.9395656 GeV,
c = 3.0e5 km/s, hbar c = 1.97e-19 km GeV). Those choices are available by name through
:func:`convention` so that a paper's number can be reproduced exactly, while the default is CODATA.
"""
from __future__ import annotations

from dataclasses import dataclass

import astropy.constants as const
import astropy.units as u

from mcdm.errors import ConfigError

__all__ = [
    "C_KM_S",
    "HBAR_GEV_S",
    "HBARC_GEV_KM",
    "HBARC_GEV_CM",
    "ALPHA",
    "M_PROTON_GEV",
    "M_NEUTRON_GEV",
    "AMU_GEV",
    "GEV_PER_GRAM",
    "GEV_PER_KG",
    "KPC_KM",
    "AVOGADRO",
    "SECONDS_PER_DAY",
    "SIDEREAL_DAY_S",
    "Conventions",
    "CONVENTIONS",
    "convention",
]

_gev = u.GeV
#: speed of light [km/s]
C_KM_S: float = const.c.to_value(u.km / u.s)
#: reduced Planck constant [GeV s]
HBAR_GEV_S: float = const.hbar.to_value(_gev * u.s)
#: hbar c [GeV km]
HBARC_GEV_KM: float = (const.hbar * const.c).to_value(_gev * u.km)
#: hbar c [GeV cm]
HBARC_GEV_CM: float = (const.hbar * const.c).to_value(_gev * u.cm)
#: fine-structure constant (CODATA)
ALPHA: float = float(const.alpha)
#: proton mass [GeV]
M_PROTON_GEV: float = (const.m_p * const.c**2).to_value(_gev)
#: neutron mass [GeV]
M_NEUTRON_GEV: float = (const.m_n * const.c**2).to_value(_gev)
#: atomic mass unit [GeV]
AMU_GEV: float = (const.u * const.c**2).to_value(_gev)
#: GeV/c^2 per gram
GEV_PER_GRAM: float = (u.g * const.c**2).to_value(_gev)
#: GeV/c^2 per kilogram
GEV_PER_KG: float = 1.0e3 * GEV_PER_GRAM
#: kilometres per kiloparsec (IAU 2012)
KPC_KM: float = u.kpc.to(u.km)
#: Avogadro's number [1/mol]
AVOGADRO: float = float(const.N_A.value)
#: seconds per mean solar day
SECONDS_PER_DAY: float = 86400.0
#: seconds per sidereal day (mean, 23 h 56 min 4.0905 s)
SIDEREAL_DAY_S: float = 86164.0905


@dataclass(frozen=True)
class Conventions:
    """A named set of constants a paper used; every field is in internal units.

    Attributes
    ----------
    alpha : float -- fine-structure constant
    m_nucleon : float -- nucleon mass m_N [GeV]
    amu : float -- mass per nucleon used for nuclear masses m_A = amu * A [GeV]
    c : float -- speed of light [km/s]
    hbarc : float -- hbar c [GeV km]
    """

    name: str
    alpha: float
    m_nucleon: float
    amu: float
    c: float
    hbarc: float


CONVENTIONS: dict[str, Conventions] = {
    # CODATA through astropy; nucleon mass = neutron mass as in seed 004, nuclear mass = A u.
    "codata": Conventions("codata", ALPHA, M_NEUTRON_GEV, AMU_GEV, C_KM_S, HBARC_GEV_KM),
    # Seed 004 (Eby, Fox & Kribs 2023) authors' code, digest 004 §4: e^2 = 4 pi/137, m_n = 0.9395656 GeV,
    # m_N = 0.93149 A GeV, c = 3.0e5 km/s, hbar c = 1.97e-19 km GeV.
    "seed004_code": Conventions("seed004_code", 1.0 / 137.0, 0.9395656, 0.93149, 3.0e5, 1.97e-19),
}


def convention(name: str) -> Conventions:
    """Look up a named set of constants (``"codata"`` or ``"seed004_code"``)."""
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise ConfigError(f"unknown constants convention {name!r}; known: {sorted(CONVENTIONS)}") from None


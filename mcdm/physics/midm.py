"""Magnetic inelastic dark matter (MIDM): chi and chi_2 = chi + delta coupled by a magnetic dipole
transition (seed 004, Eby, Fox & Kribs 2023, arXiv:2312.08478; digest 004 §2.1-2.3).

:class:`MagneticInelasticDM` holds the model point (m_chi, delta, g_M) and gives the transition
moment mu~_chi (Eq. 4), the chi_2 lifetime (Eq. 5) and decay length (Eq. 6), and the nucleon EFT
coefficients c_1, c_4, c_5, c_6 in the isospin basis (Eqs. 17-22) through the kernels of
:mod:`mcdm.kernels.midm`.

Coupling convention (digest 004 §8.1)
-------------------------------------
``coupling_convention="paper"`` (default): mu~ = g_M e / (4 m_chi) (Eq. 4) for both the decay and
the scattering.

``coupling_convention="authors_code"``: the authors' public C code builds the scattering c_i with
mu~_code = g_code e / (2 m_chi), and its lifetime equals Eq. (5) only for g_M = sqrt(2) g_code (it
prints "gM(true)" = sqrt(2) gM). Read with the paper's g_M, this is a scattering moment
mu~_scat = sqrt(2) g_M e / (4 m_chi) (mu~^2, hence every cross section, doubled) while the lifetime
stays Eq. (5) with mu~ = g_M e / (4 m_chi). ``g_M`` is always the paper's ("true") coupling.

Constants come from the named set of :func:`mcdm.constants.convention` (``constants="codata"``
default; ``"seed004_code"`` gives alpha = 1/137, m_N = 0.9395656 GeV, hbar = hbar c / c =
1.97e-19 GeV km / 3e5 km/s as in the authors' code).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mcdm.constants import CONVENTIONS, convention
from mcdm.errors import ConfigError
from mcdm.kernels.midm import decay_width as _decay_width_kernel
from mcdm.kernels.midm import eft_isospin_coefficients_array
from mcdm.physics import _checks
from mcdm.units import to_internal

__all__ = [
    "MagneticInelasticDM",
    "COUPLING_CONVENTIONS",
    "EFT_COEFFICIENT_NAMES",
    "G_PROTON",
    "G_NEUTRON",
    "G_M_WEAK",
    "coupling_for_decay_length",
]

#: the two documented readings of the coupling normalisation (digest 004 §8.1)
COUPLING_CONVENTIONS = ("paper", "authors_code")
#: column order of :meth:`MagneticInelasticDM.eft_coefficients` and the kernel 8-tuple
EFT_COEFFICIENT_NAMES = ("c1_0", "c1_1", "c4_0", "c4_1", "c5_0", "c5_1", "c6_0", "c6_1")
#: proton g-factor g_p = 2 mu_p / mu_N (CODATA 2018); the paper rounds to 5.59, the authors' code uses 5.6
G_PROTON = 5.5856946893
#: neutron g-factor g_n = 2 mu_n / mu_N (CODATA 2018); the paper rounds to -3.83, the code uses -3.82
G_NEUTRON = -3.82608545
#: perturbative coupling g_M ~ 1/(16 pi^2) (digest 004 §2.1, below Eq. 4)
G_M_WEAK = 1.0 / (16.0 * math.pi**2)

#: delta must stay below this fraction of m_chi (Eq. 5 and the NR kinematics assume delta << m_chi)
_MAX_DELTA_FRACTION = 1.0e-2
#: largest coupling and nucleon g-factor accepted (far outside perturbativity; keeps mu~^2 finite)
_MAX_G_M = 1.0e6
_MAX_G_FACTOR = 1.0e3


def _finite_positive(value: Any, field: str, unit: str) -> float:
    return _checks.scalar(value, field, unit, gt=0.0)


@dataclass(frozen=True)
class MagneticInelasticDM:
    """A magnetic-inelastic dark-matter model point.

    Attributes
    ----------
    m_chi : float
        Mass of the ground state chi [GeV].
    delta : float
        Splitting m_chi2 - m_chi [GeV]; 0 < delta < 1e-2 m_chi (delta << m_chi).
    g_M : float
        Dimensionless dipole coupling of Eq. (4), mu~ = g_M e / (4 m_chi) [1]; > 0.
    coupling_convention : str
        ``"paper"`` (default) or ``"authors_code"`` (module docstring, digest 004 §8.1).
    constants : str
        Name of the constants set of :func:`mcdm.constants.convention` (alpha, m_N, hbar).
    g_p, g_n : float
        Proton and neutron g-factors of Eqs. (18), (20) [1] (CODATA defaults).
    """

    m_chi: float
    delta: float
    g_M: float
    coupling_convention: str = "paper"
    constants: str = "codata"
    g_p: float = G_PROTON
    g_n: float = G_NEUTRON

    def __post_init__(self) -> None:
        m_chi = _checks.mass(self.m_chi, "m_chi")
        delta = _finite_positive(self.delta, "delta", "GeV")
        if not delta < _MAX_DELTA_FRACTION * m_chi:
            raise ConfigError(
                f"delta = {delta:.6g} GeV must be < {_MAX_DELTA_FRACTION:g} m_chi = "
                f"{_MAX_DELTA_FRACTION * m_chi:.6g} GeV (the model assumes delta << m_chi)"
            )
        g_m = _checks.scalar(self.g_M, "g_M", "dimensionless", gt=0.0, le=_MAX_G_M)
        if not isinstance(self.coupling_convention, str) or self.coupling_convention not in COUPLING_CONVENTIONS:
            raise ConfigError(
                f"coupling_convention {self.coupling_convention!r} is unknown; choose one of "
                f"{list(COUPLING_CONVENTIONS)}"
            )
        if not isinstance(self.constants, str) or self.constants not in CONVENTIONS:
            raise ConfigError(f"constants {self.constants!r} is unknown; choose one of {sorted(CONVENTIONS)}")
        g_factors = {name: _checks.scalar(getattr(self, name), f"{name} (nucleon g-factor)", "dimensionless",
                                          ge=-_MAX_G_FACTOR, le=_MAX_G_FACTOR)
                     for name in ("g_p", "g_n")}
        object.__setattr__(self, "m_chi", m_chi)
        object.__setattr__(self, "delta", delta)
        object.__setattr__(self, "g_M", g_m)
        object.__setattr__(self, "g_p", g_factors["g_p"])
        object.__setattr__(self, "g_n", g_factors["g_n"])
        width = self.decay_width
        if not (width > 0.0 and math.isfinite(self.hbar / width)):
            raise ConfigError(
                f"g_M = {g_m:g} and delta = {delta:g} GeV (m_chi = {m_chi:g} GeV) give a chi_2 width "
                f"mu~^2 delta^3 / pi = {width:g} GeV: the lifetime is beyond the float range"
            )

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_quantities(cls, mass: Any = "1 TeV", delta: Any = "15 keV", g_M: float = 2e-3,
                        **kwargs: Any) -> "MagneticInelasticDM":
        """Build from quantities with units (``"1 TeV"``, ``"15 keV"``, ``{value=..., unit=...}``).

        ``mass`` and ``delta`` are parsed by :func:`mcdm.units.to_internal`; other keywords are
        passed to the constructor.
        """
        return cls(
            m_chi=to_internal(mass, "mass", "m_chi"),
            delta=to_internal(delta, "energy", "delta"),
            g_M=g_M,
            **kwargs,
        )

    # ------------------------------------------------------------------ constants
    @property
    def alpha(self) -> float:
        """Fine-structure constant of the constants set [1]."""
        return convention(self.constants).alpha

    @property
    def m_nucleon(self) -> float:
        """Nucleon mass m_N of the EFT operators [GeV] (neutron mass, as seed 004)."""
        return convention(self.constants).m_nucleon

    @property
    def hbar(self) -> float:
        """hbar [GeV s] = (hbar c) / c of the constants set."""
        conv = convention(self.constants)
        return conv.hbarc / conv.c

    @property
    def e(self) -> float:
        """Electric charge e = sqrt(4 pi alpha) [1] (Heaviside-Lorentz, hbar = c = 1)."""
        return math.sqrt(4.0 * math.pi * self.alpha)

    # ------------------------------------------------------------------ couplings
    @property
    def mu_tilde(self) -> float:
        """Transition moment of the decay, mu~ = g_M e / (4 m_chi) [GeV^-1] (Eq. 4)."""
        # digest 004 §2.1, Eq. (4)
        return self.g_M * self.e / (4.0 * self.m_chi)

    @property
    def mu_tilde_scattering(self) -> float:
        """Transition moment used in the scattering c_i [GeV^-1]: mu~ ("paper") or sqrt(2) mu~
        ("authors_code", digest 004 §8.1)."""
        if self.coupling_convention == "authors_code":
            return math.sqrt(2.0) * self.mu_tilde
        return self.mu_tilde

    @property
    def e_mu_scattering(self) -> float:
        """e * mu~_scattering [GeV^-1], the ``e_mu`` argument of the EFT kernel."""
        return self.e * self.mu_tilde_scattering

    # ------------------------------------------------------------------ decay
    @property
    def decay_width(self) -> float:
        """Gamma(chi_2 -> chi gamma) = mu~^2 delta^3 / pi [GeV] (Eq. 5)."""
        return float(_decay_width_kernel(self.mu_tilde, self.delta))

    @property
    def lifetime(self) -> float:
        """chi_2 lifetime tau_2 = hbar / Gamma [s] (Eq. 5)."""
        return self.hbar / self.decay_width

    def decay_length(self, v_km_s: Any) -> float | np.ndarray:
        """Lab decay length l = v tau_2 [km] (Eq. 6, non-relativistic).

        Parameters
        ----------
        v_km_s : float or array_like
            chi_2 speed in the Earth frame [km/s].
        """
        v = _checks.array(v_km_s, "v_km_s", "km/s", ge=0.0)
        # digest 004 §2.2, Eq. (6): l = v tau_2
        with np.errstate(over="ignore"):
            out = v * self.lifetime
        if not np.all(np.isfinite(out)):
            raise ConfigError(f"v_km_s: decay length v tau_2 overflows (tau_2 = {self.lifetime:.3g} s); "
                              f"check v_km_s and g_M")
        return float(out) if out.ndim == 0 else out

    # ------------------------------------------------------------------ EFT
    def eft_coefficients(self, q2: Any) -> np.ndarray:
        """Isospin-basis EFT coefficients at squared momentum transfer q^2 (Eqs. 17-22).

        Parameters
        ----------
        q2 : float or array_like
            |q|^2 [GeV^2], > 0 (c_5, c_6 are nan at q^2 <= 0).

        Returns
        -------
        ndarray, shape q2.shape + (8,)
            Columns :data:`EFT_COEFFICIENT_NAMES` = (c1_0, c1_1, c4_0, c4_1, c5_0, c5_1, c6_0,
            c6_1) [GeV^-2], with the scattering moment of the coupling convention.
        """
        q2_arr = _checks.array(q2, "q2", "GeV^2", gt=0.0)
        flat = np.ascontiguousarray(q2_arr.reshape(-1))
        out = eft_isospin_coefficients_array(flat, *self.eft_kernel_args())
        if not np.all(np.isfinite(out)):
            raise ConfigError(f"q2 is too small: c5, c6 ~ 1/q2 overflow at q2 = {flat.min():g} GeV^2")
        return out.reshape(q2_arr.shape + (8,))

    def eft_kernel_args(self) -> tuple[float, float, float, float, float]:
        """``(e_mu, m_chi, m_nucleon, g_p, g_n)``: the trailing arguments of
        :func:`mcdm.kernels.midm.eft_isospin_coefficients` [GeV^-1, GeV, GeV, 1, 1]."""
        return (self.e_mu_scattering, self.m_chi, self.m_nucleon, self.g_p, self.g_n)


def coupling_for_decay_length(length_km: float, m_chi: float, delta: float, v_km_s: float,
                              constants: str = "codata") -> float:
    """The g_M for which the decay length v tau_2 (Eqs. 5-6) equals ``length_km``.

    Parameters
    ----------
    length_km : float
        Target decay length [km].
    m_chi : float
        DM mass [GeV].
    delta : float
        Splitting [GeV].
    v_km_s : float
        chi_2 speed [km/s].
    constants : str
        Constants set (:func:`mcdm.constants.convention`).

    Returns
    -------
    float
        g_M [1]; l is proportional to g_M^-2, so g_M = sqrt(l(g_M = 1) / length).
    """
    unit = MagneticInelasticDM(m_chi=m_chi, delta=delta, g_M=1.0, constants=constants)
    target = _finite_positive(length_km, "length_km", "km")
    v = _checks.scalar(v_km_s, "v_km_s", "km/s", gt=0.0)
    g = math.sqrt(unit.decay_length(v) / target)
    if not (math.isfinite(g) and g > 0.0):
        raise ConfigError(f"length_km = {target:g} km at v_km_s = {v:g} km/s needs g_M = {g:g}, outside the "
                          "float range; check length_km and v_km_s")
    return g

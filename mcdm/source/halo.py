"""The Standard Halo Model: a truncated isotropic Maxwellian in the galactic rest frame.

f(v) = exp(-v²/v0²) / N for |v| < v_esc, zero above, with
N = π v0² [√π v0 erf(z) - 2 v_esc exp(-z²)], z = v_esc/v0   (digest 004 §2.7, authors' code).

Default parameters are those of seed 004: v0 = 220 km/s, v_esc = 550 km/s, ρ_χ = 0.3 GeV/cm³.
In a frame moving with velocity u_E (speed u) the lab velocity is v = v_gal - u_E and

p_lab(v) = π v v0² / (u N) · max(0, e^{-(v-u)²/v0²} - max(e^{-(v+u)²/v0²}, e^{-z²})),

which covers the three regimes v + u < v_esc, |v - u| < v_esc < v + u and |v - u| > v_esc
(Savage, Freese & Gondolo 2006; McCabe 2010, Eq. (A2)). η(v_min) = ∫_{v_min} p_lab(v)/v dv is
its elementary integral (:meth:`StandardHaloModel.eta`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from mcdm.errors import ConfigError
from mcdm.kernels.sampling import sample_truncated_maxwellian, sample_truncated_maxwellian_shell
from mcdm.units import KM_TO_CM, to_internal

__all__ = ["StandardHaloModel"]

_SQRT_PI = math.sqrt(math.pi)


@dataclass(frozen=True)
class StandardHaloModel:
    """Truncated isotropic Maxwellian halo (digest 004 §2.7).

    Attributes
    ----------
    v0 : float
        Most probable speed / √2 × dispersion, f ∝ exp(-v²/v0²) [km/s].
    v_esc : float
        Galactic escape speed, sharp cut [km/s].
    rho_chi : float
        Local dark-matter density [GeV/cm³].
    """

    v0: float = 220.0
    v_esc: float = 550.0
    rho_chi: float = 0.3

    def __post_init__(self) -> None:
        for name in ("v0", "v_esc", "rho_chi"):
            value = getattr(self, name)
            real = (int, float, np.integer, np.floating)
            if isinstance(value, bool) or not isinstance(value, real):
                raise ConfigError(f"halo.{name}: expected a number, got {value!r}")
            try:
                value = float(value)
            except OverflowError:  # an int beyond the float range
                value = math.inf
            if not math.isfinite(value):
                raise ConfigError(f"halo.{name}: {getattr(self, name)!r:.40} is not finite")
            object.__setattr__(self, name, value)
        if self.v0 <= 0.0:
            raise ConfigError(f"halo.v0: must be > 0 km/s, got {self.v0}")
        if self.v_esc <= self.v0:
            raise ConfigError(
                f"halo.v_esc: must exceed v0 = {self.v0} km/s, got {self.v_esc} km/s"
            )
        if self.rho_chi <= 0.0:
            raise ConfigError(f"halo.rho_chi: must be > 0 GeV/cm^3, got {self.rho_chi}")

    @classmethod
    def from_quantities(
        cls, v0: Any = "220 km/s", v_esc: Any = "550 km/s", rho_chi: Any = "0.3 GeV/cm3"
    ) -> "StandardHaloModel":
        """Build from quantities (``"220 km/s"``, ``{value=..., unit=...}``, astropy Quantity).

        Parameters
        ----------
        v0, v_esc : quantity
            Speeds [any speed unit].
        rho_chi : quantity
            Energy density [e.g. GeV/cm3].
        """
        return cls(
            v0=to_internal(v0, "speed", "halo.v0"),
            v_esc=to_internal(v_esc, "speed", "halo.v_esc"),
            rho_chi=to_internal(rho_chi, "energy density", "halo.rho_chi"),
        )

    # ------------------------------------------------------------------ normalisation
    @property
    def norm(self) -> float:
        """N = π v0² [√π v0 erf(z) - 2 v_esc e^{-z²}] [km³/s³] (digest 004 §2.7)."""
        z = self.v_esc / self.v0
        return math.pi * self.v0**2 * (
            _SQRT_PI * self.v0 * math.erf(z) - 2.0 * self.v_esc * math.exp(-z * z)
        )

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int, rng: np.random.Generator, v_min: float = 0.0) -> np.ndarray:
        """Draw galactic-frame velocities, optionally only those with speed >= ``v_min``.

        Parameters
        ----------
        n : int
            Number of velocities.
        rng : numpy.random.Generator
            Random stream, advanced in place.
        v_min : float
            Lower speed cut [km/s] (importance sampling above a threshold; the probability of
            the kept shell is :meth:`probability_above`).

        Returns
        -------
        ndarray, shape (n, 3)
            Velocities in galactic Cartesian axes [km/s].
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ConfigError(f"n: number of samples must be a non-negative integer, got {n!r}")
        if not isinstance(rng, np.random.Generator):
            raise ConfigError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        if not (np.isfinite(v_min) and 0.0 <= v_min < self.v_esc):
            raise ConfigError(f"v_min: must be in [0, v_esc = {self.v_esc:g}) km/s, got {v_min!r}")
        if v_min == 0.0:
            return sample_truncated_maxwellian(rng, int(n), self.v0, self.v_esc)
        return sample_truncated_maxwellian_shell(rng, int(n), self.v0, float(v_min), self.v_esc)

    def probability_above(self, v_min: float) -> float:
        """Probability that a galactic-frame speed is >= ``v_min`` [km/s] (1 - CDF)."""
        return float(1.0 - self.speed_cdf(max(0.0, float(v_min)))) if v_min < self.v_esc else 0.0

    # ------------------------------------------------------------------ galactic frame
    def speed_pdf(self, v: Any) -> np.ndarray | float:
        """Galactic-frame speed density 4π v² f(v) [s/km]; ``v`` [km/s]."""
        v = np.asarray(v, dtype=float)
        out = np.where(
            (v >= 0.0) & (v < self.v_esc),
            4.0 * math.pi * v * v * np.exp(-((v / self.v0) ** 2)) / self.norm,
            0.0,
        )
        return out[()]

    def speed_cdf(self, v: Any) -> np.ndarray | float:
        """Galactic-frame speed CDF P(|v_gal| < v) [dimensionless]; ``v`` [km/s]."""
        v = np.clip(np.asarray(v, dtype=float), 0.0, self.v_esc)
        x = v / self.v0
        # ∫0^v 4π v'² e^{-v'²/v0²} dv' = π v0² [√π v0 erf(x) - 2 v e^{-x²}]
        partial = math.pi * self.v0**2 * (
            _SQRT_PI * self.v0 * special.erf(x) - 2.0 * v * np.exp(-x * x)
        )
        return (partial / self.norm)[()]

    # ------------------------------------------------------------------ lab frame
    def lab_speed_pdf(self, v: Any, u_E: float) -> np.ndarray | float:
        """Speed density in a frame moving with speed ``u_E`` through the halo [s/km].

        Parameters
        ----------
        v : array_like
            Lab-frame speeds [km/s].
        u_E : float
            Speed of the lab with respect to the galactic rest frame [km/s].
        """
        u = _check_speed(u_E, "u_E")
        v = np.asarray(v, dtype=float)
        v0, n0 = self.v0, self.norm
        e_esc = math.exp(-((self.v_esc / v0) ** 2))
        vp = np.maximum(v, 0.0)
        if u < 1e-9 * v0:
            return self.speed_pdf(v)
        # digest 004 §2.7 f, boosted; McCabe (2010) Eq. (A2) form with escape cut
        minus = np.exp(-((vp - u) / v0) ** 2)
        plus = np.maximum(np.exp(-((vp + u) / v0) ** 2), e_esc)
        pdf = math.pi * vp * v0**2 / (u * n0) * np.maximum(minus - plus, 0.0)
        # for v + u < v_esc use 2 sinh form to keep precision when 2vu/v0² is small
        inner = (vp + u) < self.v_esc
        sinh_form = (
            2.0 * math.pi * vp * v0**2 / (u * n0)
            * np.exp(-(vp * vp + u * u) / v0**2) * np.sinh(2.0 * vp * u / v0**2)
        )
        pdf = np.where(inner, sinh_form, pdf)
        return np.where(v >= 0.0, pdf, 0.0)[()]

    def eta(self, v_min: Any, u_E: float) -> np.ndarray | float:
        """Mean inverse speed η(v_min) = ∫_{|v|>v_min} f_lab(v)/|v| d³v [s/km].

        Closed form of the truncated SHM (Savage, Freese & Gondolo 2006; McCabe 2010 App. A).

        Parameters
        ----------
        v_min : array_like
            Minimum lab-frame speed [km/s].
        u_E : float
            Lab speed with respect to the galactic rest frame [km/s].
        """
        u = _check_speed(u_E, "u_E")
        vmin = np.maximum(np.asarray(v_min, dtype=float), 0.0)
        v0, vesc, n0 = self.v0, self.v_esc, self.norm
        e_esc = math.exp(-((vesc / v0) ** 2))
        if u < 1e-6 * v0:
            # static halo: 4π/N ∫ v e^{-v²/v0²} dv = 2π v0²/N [e^{-x²} - e^{-z²}]
            top = np.minimum(vmin, vesc)
            return (2.0 * math.pi * v0**2 / n0 * (np.exp(-((top / v0) ** 2)) - e_esc))[()]
        lo = np.maximum(vmin, u - vesc)  # support of p_lab: |v - u| < v_esc
        hi = vesc + u
        half = 0.5 * _SQRT_PI * v0
        # I1 = ∫_lo^hi e^{-(v-u)²/v0²} dv
        i1 = half * (special.erf((hi - u) / v0) - special.erf((lo - u) / v0))
        # I2 = ∫_lo^{v_esc-u} e^{-(v+u)²/v0²} dv (where v + u < v_esc)
        top2 = np.maximum(lo, vesc - u)
        i2 = half * (special.erf((top2 + u) / v0) - special.erf((lo + u) / v0))
        # I3 = e^{-z²} × length of [max(lo, v_esc-u), v_esc+u]
        i3 = e_esc * (hi - top2)
        out = math.pi * v0**2 / (u * n0) * (i1 - i2 - i3)
        return np.where(lo < hi, np.maximum(out, 0.0), 0.0)[()]

    def mean_speed(self, u_E: float) -> float:
        """Lab-frame mean speed <|v|> = ∫ v p_lab(v) dv [km/s] (1-D adaptive quadrature).

        Parameters
        ----------
        u_E : float
            Lab speed with respect to the galactic rest frame [km/s].
        """
        from scipy import integrate

        u = _check_speed(u_E, "u_E")
        lo = max(0.0, u - self.v_esc)
        hi = self.v_esc + u
        points = [p for p in (abs(self.v_esc - u),) if lo < p < hi]
        val, _ = integrate.quad(
            lambda v: v * self.lab_speed_pdf(v, u), lo, hi,
            points=points or None, epsabs=0.0, epsrel=1e-11, limit=200,
        )
        return float(val)

    def number_density(self, m_chi: float) -> float:
        """Local number density n = ρ_χ/m_χ [cm⁻³]; ``m_chi`` [GeV]."""
        m = _check_positive(m_chi, "m_chi")
        return self.rho_chi / m

    def flux(self, m_chi: float, u_E: float) -> float:
        """Lab-frame particle flux n <|v|> [cm⁻² s⁻¹]; ``m_chi`` [GeV], ``u_E`` [km/s]."""
        return self.number_density(m_chi) * self.mean_speed(u_E) * KM_TO_CM


def _check_speed(value: Any, field: str) -> float:
    try:
        u = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{field}: expected a speed in km/s, got {value!r}") from None
    if not math.isfinite(u) or u < 0.0:
        raise ConfigError(f"{field}: speed must be finite and >= 0 km/s, got {value!r}")
    return u


def _check_positive(value: Any, field: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{field}: expected a positive number, got {value!r}") from None
    if not math.isfinite(x) or x <= 0.0:
        raise ConfigError(f"{field}: must be finite and > 0, got {value!r}")
    return x

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

from mcdm.constants import C_KM_S
from mcdm.errors import ConfigError
from mcdm.kernels.sampling import sample_truncated_maxwellian, sample_truncated_maxwellian_shell
from mcdm.units import KM_TO_CM, to_internal

__all__ = ["StandardHaloModel", "MAX_SAMPLES_PER_CALL"]

_SQRT_PI = math.sqrt(math.pi)
#: most velocities one call of :meth:`StandardHaloModel.sample` draws (2.4 GB of float64)
MAX_SAMPLES_PER_CALL = 10**8


@dataclass(frozen=True)
class StandardHaloModel:
    """Truncated isotropic Maxwellian halo (digest 004 §2.7).

    Attributes
    ----------
    v0 : float
        Most probable speed / √2 × dispersion, f ∝ exp(-v²/v0²) [km/s].
    v_esc : float
        Galactic escape speed, sharp cut [km/s]; v0 < v_esc <= c (a non-relativistic halo).
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
        if self.v_esc > C_KM_S:
            raise ConfigError(
                f"halo.v_esc: must be <= c = {C_KM_S:.0f} km/s (non-relativistic halo), "
                f"got {self.v_esc:g} km/s"
            )
        if self.rho_chi <= 0.0:
            raise ConfigError(f"halo.rho_chi: must be > 0 GeV/cm^3, got {self.rho_chi}")
        if not (math.isfinite(self.norm) and self.norm > 0.0):
            raise ConfigError(
                f"halo.v0: {self.v0:g} km/s is too small, the normalisation N = π v0² (...) "
                f"underflows; use km/s"
            )

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
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= MAX_SAMPLES_PER_CALL:
            raise ConfigError(f"n: number of samples must be an integer in [0, {MAX_SAMPLES_PER_CALL:.0e}] "
                              f"(draw more in chunks), got {n!r:.40}")
        if not isinstance(rng, np.random.Generator):
            raise ConfigError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        v_min = _real(v_min, "v_min", "km/s")
        if not 0.0 <= v_min < self.v_esc:
            raise ConfigError(f"v_min: must be in [0, v_esc = {self.v_esc:g}) km/s, got {v_min!r}")
        if v_min == 0.0:
            return sample_truncated_maxwellian(rng, int(n), self.v0, self.v_esc)
        return sample_truncated_maxwellian_shell(rng, int(n), self.v0, float(v_min), self.v_esc)

    def probability_above(self, v_min: float) -> float:
        """Probability that a galactic-frame speed is >= ``v_min`` [km/s] (1 - CDF)."""
        v_min = _real(v_min, "v_min", "km/s")
        if math.isnan(v_min):
            raise ConfigError("v_min: speed must not be NaN [km/s]")
        return float(1.0 - self.speed_cdf(max(0.0, v_min))) if v_min < self.v_esc else 0.0

    # ------------------------------------------------------------------ galactic frame
    def speed_pdf(self, v: Any) -> np.ndarray | float:
        """Galactic-frame speed density 4π v² f(v) [s/km]; ``v`` [km/s] (0 outside [0, v_esc))."""
        v = _speeds(v, "v")
        inside = (v >= 0.0) & (v < self.v_esc)
        w = np.where(inside, v, 0.0)
        out = np.where(inside, 4.0 * math.pi * w * w * np.exp(-((w / self.v0) ** 2)) / self.norm, 0.0)
        return out[()]

    def speed_cdf(self, v: Any) -> np.ndarray | float:
        """Galactic-frame speed CDF P(|v_gal| < v) [dimensionless]; ``v`` [km/s]."""
        v = np.clip(_speeds(v, "v"), 0.0, self.v_esc)
        x = v / self.v0
        # ∫0^v 4π v'² e^{-v'²/v0²} dv' = π v0² [√π v0 erf(x) - 2 v e^{-x²}]
        partial = math.pi * self.v0**2 * (
            _SQRT_PI * self.v0 * special.erf(x) - 2.0 * v * np.exp(-x * x)
        )
        # the bracket cancels to round-off at small x: clip into [0, 1]
        return np.clip(partial / self.norm, 0.0, 1.0)[()]

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
        v = _speeds(v, "v")
        v0, n0 = self.v0, self.norm
        e_esc = math.exp(-((self.v_esc / v0) ** 2))
        if u < 1e-9 * v0:
            return self.speed_pdf(v)
        # support |v - u| < v_esc; outside it the density is 0 (and squares could overflow)
        inside = (v >= 0.0) & (v > u - self.v_esc) & (v < u + self.v_esc)
        vp = np.where(inside, v, 0.0)
        # digest 004 §2.7 f, boosted; McCabe (2010) Eq. (A2) form with escape cut
        minus = np.exp(-((vp - u) / v0) ** 2)
        plus = np.maximum(np.exp(-((vp + u) / v0) ** 2), e_esc)
        pdf = math.pi * vp * v0**2 / (u * n0) * np.maximum(minus - plus, 0.0)
        # for v + u < v_esc: 2 e^{-(v²+u²)/v0²} sinh(2vu/v0²) = e^{-(v-u)²/v0²} (1 - e^{-4vu/v0²}),
        # written with expm1 to keep precision when 4vu/v0² is small (and no sinh overflow)
        inner = (vp + u) < self.v_esc
        with np.errstate(under="ignore"):
            inner_form = math.pi * vp * v0**2 / (u * n0) * minus * -np.expm1(-4.0 * vp * u / v0**2)
        pdf = np.where(inner, inner_form, pdf)
        return np.where(inside, pdf, 0.0)[()]

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
        # η = 0 above v_esc + u: clip there so that no square below overflows
        vmin = np.clip(_speeds(v_min, "v_min"), 0.0, self.v_esc + u)
        v0, vesc, n0 = self.v0, self.v_esc, self.norm
        e_esc = math.exp(-((vesc / v0) ** 2))
        if u < 1e-6 * v0:
            # static halo: 4π/N ∫ v e^{-v²/v0²} dv = 2π v0²/N [e^{-x²} - e^{-z²}]
            top = np.minimum(vmin, vesc)
            return np.maximum(2.0 * math.pi * v0**2 / n0 * (np.exp(-((top / v0) ** 2)) - e_esc), 0.0)[()]
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
        v0, z = self.v0, self.v_esc / self.v0
        if u < 1e-9 * v0:  # static halo (as lab_speed_pdf): 4π/N ∫0^v_esc v³ e^{-v²/v0²} dv
            return 2.0 * math.pi * v0**4 / self.norm * (-math.expm1(-z * z) - z * z * math.exp(-z * z))
        lo = max(0.0, u - self.v_esc)
        hi = self.v_esc + u
        # the kink at |v_esc - u| and, for a cold halo (v0 << u), the narrow peak around v = u
        candidates = (abs(self.v_esc - u), u - 5.0 * v0, u, u + 5.0 * v0)
        points = sorted({p for p in candidates if lo < p < hi})
        val, _ = integrate.quad(
            lambda v: v * self.lab_speed_pdf(v, u), lo, hi,
            points=points or None, epsabs=0.0, epsrel=1e-11, limit=400,
        )
        return float(val)

    def number_density(self, m_chi: float) -> float:
        """Local number density n = ρ_χ/m_χ [cm⁻³]; ``m_chi`` [GeV]."""
        m = _check_positive(m_chi, "m_chi")
        n = self.rho_chi / m
        if not math.isfinite(n):
            raise ConfigError(
                f"m_chi: {m:g} GeV is too small, rho_chi/m_chi = {self.rho_chi:g} GeV/cm^3 / m_chi "
                "overflows"
            )
        return n

    def flux(self, m_chi: float, u_E: float) -> float:
        """Lab-frame particle flux n <|v|> [cm⁻² s⁻¹]; ``m_chi`` [GeV], ``u_E`` [km/s]."""
        out = self.number_density(m_chi) * self.mean_speed(u_E) * KM_TO_CM
        if not math.isfinite(out):
            raise ConfigError(f"m_chi: {m_chi!r:.30} GeV is too small, the flux n <|v|> overflows")
        return out


def _real(value: Any, field: str, unit: str) -> float:
    """``value`` as a float (NaN and ±inf pass; checked by the caller); ConfigError if not a number."""
    if isinstance(value, bool):
        raise ConfigError(f"{field}: expected a number [{unit}], got {value!r}")
    try:
        return float(value)
    except OverflowError:  # an int beyond the float range
        return math.inf if value > 0 else -math.inf
    except (TypeError, ValueError):
        raise ConfigError(f"{field}: expected a number [{unit}], got {value!r:.60}") from None


def _speeds(value: Any, field: str) -> np.ndarray:
    """``value`` as a float array of finite speeds [km/s]; ConfigError naming ``field`` if not."""
    try:
        v = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{field}: expected speeds in km/s, got {value!r:.60}") from None
    if not np.all(np.isfinite(v)):
        raise ConfigError(f"{field}: speeds must be finite [km/s], got {value!r:.60}")
    return v


def _check_speed(value: Any, field: str) -> float:
    """A lab speed through the halo in [0, c] [km/s]."""
    u = _real(value, field, "km/s")
    if not (math.isfinite(u) and 0.0 <= u <= C_KM_S):
        raise ConfigError(f"{field}: speed must be in [0, c = {C_KM_S:.0f}] km/s, got {value!r:.60}")
    return u


def _check_positive(value: Any, field: str) -> float:
    x = _real(value, field, "GeV")
    if not math.isfinite(x) or x <= 0.0:
        raise ConfigError(f"{field}: must be finite and > 0, got {value!r:.60}")
    return x

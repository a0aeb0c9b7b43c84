"""Importance sampling of halo velocities for estimators that score every time bin with one history.

The next-event estimator of seed 004 re-scores each galactic velocity in every time bin; a bin's
weight is large only when the lab velocity points along a long, dense ray (χ arriving from
below the horizon). Drawing velocities from the halo itself starves the bins in which the DM wind
comes from overhead: most histories then score almost nothing there (a 3.7 % worst-hour error
where the daily total has 0.8 %, at 1.3e5 histories).

:class:`LabIsotropicMixture` is a defensive mixture (Hesterberg 1995; Owen & Zhou 2000)

    q(v) = α f_t(v) + (1 − α) f_iso(v),

with f_t the halo above a speed cut and f_iso the same lab-frame speed distribution (boost ū, the
mean Earth velocity of the run) with isotropic lab directions. Every direction is sampled in every
bin, and the weights f_t/q ≤ 1/α stay bounded, so no bin can be worse than 1/α times plain
sampling. Weights are exact (no approximation): the estimator stays unbiased for any α in (0, 1].

Measured (seed 004, δ = 15 keV, 2×10⁵ histories, 24 hourly bins): relative error of the worst hour
/ of the daily total at Gran Sasso 3.3 % / 0.63 % (α = 1, plain halo), 0.94 % / 0.52 % (α = 0.5),
0.86 % / 0.54 % (α = 0.3); at SUPL, where the wind mostly comes from below, 0.77 % / 0.28 % (α = 1),
0.68 % / 0.39 % (α = 0.5), 0.72 % / 0.47 % (α = 0.3). α = 0.5 is the default.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcdm.constants import C_KM_S
from mcdm.errors import ConfigError
from mcdm.source.halo import MAX_SAMPLES_PER_CALL, StandardHaloModel

__all__ = ["LabIsotropicMixture"]


@dataclass(frozen=True)
class LabIsotropicMixture:
    """Defensive mixture of the truncated halo and its lab-isotropised twin.

    halo : the halo model f
    boost : (3,) Earth velocity ū in galactic axes [km/s] that defines the lab frame of f_iso
    v_min : galactic speed cut of f_t [km/s] (f_t = f 1[|v| >= v_min] / P(|v| >= v_min))
    halo_fraction : α, the share of draws from f_t (1 = plain halo sampling)
    """

    halo: StandardHaloModel
    boost: tuple[float, float, float]
    v_min: float = 0.0
    halo_fraction: float = 0.5

    def __post_init__(self) -> None:
        if not isinstance(self.halo, StandardHaloModel):
            raise ConfigError(f"halo must be a StandardHaloModel, got {type(self.halo).__name__}")
        alpha = _number(self.halo_fraction, "halo_fraction")
        if not 0.0 < alpha <= 1.0:
            raise ConfigError(f"halo_fraction must be in (0, 1], got {self.halo_fraction!r}")
        v_min = _number(self.v_min, "v_min")
        if not 0.0 <= v_min < self.halo.v_esc:
            raise ConfigError(f"v_min must be in [0, v_esc = {self.halo.v_esc:g}) km/s, got {self.v_min!r}")
        try:
            boost = np.asarray(self.boost, dtype=float)
        except (TypeError, ValueError, OverflowError):
            boost = np.full(1, np.nan)
        if (boost.shape != (3,) or not np.all(np.isfinite(boost)) or np.any(np.abs(boost) > C_KM_S)
                or np.linalg.norm(boost) > C_KM_S):
            raise ConfigError(f"boost must be a finite 3-vector of norm <= c [km/s], got {self.boost!r:.80}")
        object.__setattr__(self, "boost", tuple(float(x) for x in boost))
        object.__setattr__(self, "v_min", v_min)
        object.__setattr__(self, "halo_fraction", alpha)

    def halo_density(self, v: np.ndarray) -> np.ndarray:
        """f_t(v): the halo's velocity density above the speed cut [(s/km)^3]."""
        s = np.linalg.norm(v, axis=1)
        p = self.halo.probability_above(self.v_min)
        inside = (s >= self.v_min) & (s < self.halo.v_esc)
        return np.where(inside, np.exp(-((s / self.halo.v0) ** 2)) / (self.halo.norm * p), 0.0)

    def isotropic_density(self, v: np.ndarray) -> np.ndarray:
        """f_iso(v) = g(|v − ū|) / (4π |v − ū|²), g the halo's lab-frame speed density [(s/km)^3]."""
        u = np.asarray(self.boost, dtype=float)
        s = np.linalg.norm(v - u, axis=1)
        g = self.halo.lab_speed_pdf(s, float(np.linalg.norm(u)))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0.0, g / (4.0 * np.pi * s * s), 0.0)

    def density(self, v: np.ndarray) -> np.ndarray:
        """q(v) [(s/km)^3]."""
        a = self.halo_fraction
        out = a * self.halo_density(v)
        if a < 1.0:
            out = out + (1.0 - a) * self.isotropic_density(v)
        return out

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` galactic velocities [km/s] from q and their weights f_t/q (mean 1).

        The component of each draw is a binomial split (halo draws first, then isotropic ones);
        draws outside the support of f_t keep weight 0 (they count as histories).
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= MAX_SAMPLES_PER_CALL:
            raise ConfigError(f"n: number of samples must be an integer in [0, {MAX_SAMPLES_PER_CALL:.0e}] "
                              f"(draw more in chunks), got {n!r:.40}")
        if not isinstance(rng, np.random.Generator):
            raise ConfigError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        if self.halo_fraction == 1.0:
            return self.halo.sample(n, rng, v_min=self.v_min), np.ones(n)
        k = int(rng.binomial(n, self.halo_fraction))
        from_halo = self.halo.sample(k, rng, v_min=self.v_min)
        u = np.asarray(self.boost, dtype=float)
        # lab speeds |v' − ū| with v' ~ f have density g; directions isotropic in the lab
        speed = np.linalg.norm(self.halo.sample(n - k, rng) - u, axis=1)
        direction = rng.standard_normal((n - k, 3))
        direction /= np.linalg.norm(direction, axis=1)[:, None]
        v = np.ascontiguousarray(np.vstack([from_halo, u + speed[:, None] * direction]))
        q = self.density(v)
        w = np.divide(self.halo_density(v), q, out=np.zeros(n), where=q > 0.0)
        return v, w


def _number(value: object, field: str) -> float:
    """``value`` as a finite float; ConfigError naming ``field`` otherwise."""
    try:
        x = float(value) if not isinstance(value, bool) else np.nan
    except (TypeError, ValueError, OverflowError):
        x = np.nan
    if not np.isfinite(x):
        raise ConfigError(f"{field} must be a finite number, got {value!r:.60}")
    return x

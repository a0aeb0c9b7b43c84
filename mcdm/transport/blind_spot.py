"""The "blind spot": the cross sections a deep detector cannot exclude because the overburden stops
the dark matter (DaMaSCUS-CRUST's critical cross section; Kavanagh 2018, verne, Sec. 5).

For a spin-independent sigma_p the expected number of events above threshold is

    N(sigma_p) = exposure x integral_{E_th} dR/dE_R dE_R,

with dR/dE_R from :mod:`mcdm.physics.recoil` and eta(v_min) of the speed distribution that reaches
the detector through the world (straight-line continuous slowing-down, averaged over the time bins,
density change included). N grows as sigma_p while the overburden is transparent and collapses once
the DM is stopped; a null result with the Poisson limit N_lim (2.3 events at 90 % CL without
background) excludes the band sigma_low < sigma_p < sigma_crit. Above ``sigma_crit`` the detector
is blind. Both ends are found by bisection in log sigma on the same fixed sample of halo
velocities (common random numbers: N(sigma) is a smooth function of sigma, not a noisy one).

The continuous method holds for m_chi well above the target masses (deflections ~ m_N / m_chi);
below ~10-100 GeV use the discrete Monte Carlo instead (not automated here).

Public API: :class:`BlindSpotProblem` (:meth:`~BlindSpotProblem.from_config`,
:meth:`~BlindSpotProblem.expected_events`, :meth:`~BlindSpotProblem.eta`),
:func:`excluded_band` -> :class:`ExcludedBand`.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from mcdm.errors import ConfigError
from mcdm.physics.recoil import EtaTable, inverse_speed_sums, rate_above_threshold

__all__ = ["BlindSpotProblem", "ExcludedBand", "excluded_band", "POISSON_90_ZERO_BACKGROUND"]

#: Poisson 90 % CL upper limit on the mean for zero observed events and no background
POISSON_90_ZERO_BACKGROUND = -math.log(0.1)


@dataclass
class BlindSpotProblem:
    """A detector under a world, with a fixed sample of halo velocities.

    Attributes
    ----------
    slowing_for : callable sigma_p [cm^2] -> ContinuousSlowing of the world at that cross section
    detector_km : (3,) detector position in the world's frame [km]
    velocities : (T, n, 3) lab velocities per time bin, in the world's frame [km/s]
    v_cut : stopping speed [km/s]
    target : chemical formula or mass fractions of the detector
    threshold_kev : recoil threshold [keV]; exposure_kg_day : [kg day]
    m_chi : DM mass [GeV]; rho : local DM density [GeV/cm^3]; form_factor : "helm" | "none"
    v_grid : nodes of eta [km/s]
    """

    slowing_for: Callable[[float], Any]
    detector_km: np.ndarray
    velocities: np.ndarray
    v_cut: float
    target: Any
    threshold_kev: float
    exposure_kg_day: float
    m_chi: float
    rho: float = 0.3
    form_factor: str = "helm"
    v_grid: np.ndarray = dataclasses.field(default_factory=lambda: np.linspace(0.0, 1000.0, 1001))

    def __post_init__(self) -> None:
        if not (math.isfinite(self.exposure_kg_day) and self.exposure_kg_day > 0):
            raise ConfigError(f"exposure = {self.exposure_kg_day!r} kg day must be finite and > 0")
        v = np.asarray(self.velocities, dtype=float)
        if v.ndim != 3 or v.shape[2] != 3 or v.shape[1] == 0:
            raise ConfigError(f"velocities must have shape (T, n, 3), got {v.shape}")
        self.velocities = v

    @classmethod
    def from_config(cls, cfg, histories: int = 20_000, exposure_kg_day: float | None = None,
                    target: str | None = None, threshold_kev: float | None = None) -> "BlindSpotProblem":
        """The problem of a ``transport`` run config (site, world, time bins, interaction, [transport]
        target/threshold/exposure unless given), with ``histories`` halo velocities drawn from the
        run's seed (the same for every sigma_p)."""
        from mcdm.scenarios.transport import compile_job, slowing_for_sigma
        from mcdm.source import StandardHaloModel

        if cfg.transport.model != "spin_independent":
            raise ConfigError("the blind spot is defined for transport.model = 'spin_independent'")
        job, context = compile_job(dataclasses.replace(cfg, transport=dataclasses.replace(
            cfg.transport, method="continuous", importance="none")))
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(cfg.run.seed, spawn_key=(7,))))
        v_gal = StandardHaloModel(v0=job.v0, v_esc=job.v_esc).sample(histories, rng)
        vel = np.stack([(v_gal - job.u_earth[b]) @ job.rotations[b].T for b in range(job.u_earth.shape[0])])
        t = cfg.transport
        return cls(slowing_for=lambda s: slowing_for_sigma(job, context, s),
                   detector_km=np.asarray(job.detector_position, dtype=float), velocities=vel,
                   v_cut=job.v_cut, target=target or t.target, m_chi=cfg.dark_matter.mass,
                   threshold_kev=threshold_kev if threshold_kev is not None else t.threshold * 1e6,
                   exposure_kg_day=exposure_kg_day if exposure_kg_day is not None else t.exposure,
                   rho=cfg.halo.rho, form_factor=t.form_factor)

    def eta(self, sigma_p: float) -> EtaTable:
        """Time-averaged eta(v_min) at the detector for ``sigma_p`` [cm^2] (per free density) [s/km]."""
        from mcdm.scenarios.transport import score_straight_lines

        slowing = self.slowing_for(float(sigma_p))
        v = np.asarray(self.v_grid, dtype=float)
        sums, sums2 = np.zeros(v.size), np.zeros(v.size)
        n_bins, n = self.velocities.shape[:2]
        for b in range(n_bins):
            sc = score_straight_lines(slowing, self.detector_km, self.velocities[b], self.v_cut)
            s1, s2 = inverse_speed_sums(sc.detector_speed, sc.density_weight, v)
            sums += s1
            sums2 += s2
        return EtaTable.from_sums(v, sums, sums2, n * n_bins)

    def expected_events(self, sigma_p: float) -> float:
        """N(sigma_p): events above threshold in the exposure, time-averaged [1]."""
        if not (math.isfinite(sigma_p) and sigma_p > 0):
            raise ConfigError(f"sigma_p = {sigma_p!r} cm^2 must be finite and > 0")
        rate = rate_above_threshold(self.threshold_kev, self.eta(sigma_p), self.target, self.m_chi, sigma_p,
                                    self.rho, self.form_factor)
        return rate * self.exposure_kg_day


class ExcludedBand(NamedTuple):
    """Excluded cross sections sigma_low < sigma_p < sigma_crit [cm^2] and the N(sigma) scan."""

    sigma_low: float  # NaN if nothing is excluded
    sigma_crit: float  # the blind-spot edge; NaN if nothing is excluded
    n_limit: float
    sigma_scan: np.ndarray
    events_scan: np.ndarray


def _bisect_log(f: Callable[[float], float], lo: float, hi: float, rel_tol: float) -> float:
    """Root of f between lo and hi (f(lo), f(hi) of opposite signs), bisection in log sigma."""
    f_lo = f(lo)
    while hi / lo > 1.0 + rel_tol:
        mid = math.sqrt(lo * hi)
        f_mid = f(mid)
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


def excluded_band(problem: BlindSpotProblem, n_limit: float = POISSON_90_ZERO_BACKGROUND,
                  sigma_range: tuple[float, float] = (1e-40, 1e-20), points_per_decade: int = 2,
                  rel_tol: float = 0.01, progress: bool = False) -> ExcludedBand:
    """Both edges of the excluded band (see the module docstring), to ``rel_tol`` in sigma.

    A coarse log scan locates N > n_limit; each edge is then bisected. If N never exceeds the
    limit in ``sigma_range`` both edges are NaN.
    """
    from tqdm.auto import tqdm

    lo, hi = (float(x) for x in sigma_range)
    if not (0 < lo < hi and math.isfinite(hi)):
        raise ConfigError(f"sigma_range = {sigma_range!r} must be 0 < low < high [cm^2]")
    if not (math.isfinite(n_limit) and n_limit > 0):
        raise ConfigError(f"n_limit = {n_limit!r} must be finite and > 0")
    count = max(2, int(round(math.log10(hi / lo) * points_per_decade)) + 1)
    grid = np.geomspace(lo, hi, count)
    events = np.array([problem.expected_events(s) for s in tqdm(grid, desc="blind spot", disable=not progress,
                                                                  leave=False)])
    above = np.flatnonzero(events > n_limit)
    if above.size == 0:
        return ExcludedBand(math.nan, math.nan, n_limit, grid, events)

    def excess(s: float) -> float:
        return problem.expected_events(s) - n_limit

    i, j = int(above[0]), int(above[-1])
    s_low = _bisect_log(excess, grid[i - 1], grid[i], rel_tol) if i > 0 else math.nan
    s_crit = _bisect_log(excess, grid[j], grid[j + 1], rel_tol) if j + 1 < grid.size else math.nan
    return ExcludedBand(s_low, s_crit, n_limit, grid, events)

"""Discrete-scatter Monte Carlo of dark matter through a layered spherical Earth (DaMaSCUS regime).

:func:`simulate_discrete` transports primaries that enter through the outermost sphere (radius R,
top of the atmosphere or the Earth's surface) with the numba kernel
:func:`mcdm.kernels.discrete.transport_discrete` and turns its track-length tallies in a thin
detector shell r_lo <= r <= r_hi into the density and flux relative to the free halo.

Normalisation (derived here, tested in ``tests/statistical/test_discrete_flux.py``). The primaries
must be a sample of the flux *entering* the sphere: velocity v with density f(v)|v|/<v> and entry
point uniform on the disc of radius R perpendicular to v, projected onto the sphere
(:func:`entry_points` does the latter). Without gravity the sphere presents the area pi R^2 to
every direction, so the physical entry rate is N_dot = n_inf pi R^2 <v> with <v> the mean speed of
the halo at the Earth. In a steady state the number of particles in the detector volume V equals
N_dot times the mean time T a primary (with its progeny) spends in V, so

    n_det / n_inf = pi R^2 <v> E[w T] / V,      <v> = 1 / E[w / v_0]   (flux-weighted sample),
    Phi_det / Phi_inf = pi R^2 E[w L] / (V E[w]),

where L is the track length in V (Phi = n <v> is the scalar flux) and w the weights (1 unless the
caller importance-samples the entry velocities; then E[w/v_0] = E_f[1] fixes their scale). The
same expression with T replaced by the straight-line chord / v_0 gives the free density, which
is 1 exactly (Liouville); it is reported as a check of the entry sample.

Isodetection rings (DaMaSCUS, Emken & Kouvaris 2017; ../shared/anchors/transport.md §B). When the
entry sample has the DM wind along a fixed axis -- here the mean lab velocity along -z, so the
particles come on average from +z -- the problem is axially symmetric about z, and
``rings = N`` also scores the detector shell in N rings of equal solid angle by the polar angle
Theta of the scoring position (ring j: 1 - 2(j+1)/N < cos Theta <= 1 - 2j/N, :func:`ring_edges`;
ring 0 faces the wind). Each ring is a volume V/N, so its density and flux follow from the same
expressions with V -> V/N; the mean over the rings is the shell value. A detector whose position
vector makes the angle Theta(t) with the direction the wind comes from reads the ring values
interpolated linearly in cos Theta between ring centres (:func:`interpolate_rings`).

Public API: :func:`simulate_discrete` (-> :class:`DiscreteResult`), :func:`entry_points`,
:func:`detector_shell`, :class:`ImportanceMap` (fixed maps, e.g. x2 per region toward the detector)
and :func:`tune_importance` (a map I ~ 1/n(r) from pilot runs, for attenuations of 1e-4 .. 1e-8);
:func:`ring_edges`, :func:`ring_centres`, :func:`ring_weights`, :func:`interpolate_rings`.
Trajectories (every vertex of a few primaries) are recorded by :mod:`mcdm.transport.tracks`.

The shell estimator measures density, not the crossing rate of a surface: a particle slowed down
by scatterings stays longer and is counted with its dwell time, so the density of a
non-absorbing scattering medium stays the free one ("traffic jam" pitfall of surface-crossing
estimators; DaMaSCUS 2021, ../shared/anchors/transport.md §B).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from mcdm.errors import ConfigError
from mcdm.kernels import discrete as _k

if TYPE_CHECKING:  # pragma: no cover
    from mcdm.geometry.earth import CompiledShells
    from mcdm.physics.interaction import InteractionTables

__all__ = [
    "Estimate",
    "ImportanceMap",
    "DiscreteResult",
    "MAX_RINGS",
    "entry_points",
    "detector_shell",
    "ring_edges",
    "ring_centres",
    "ring_weights",
    "interpolate_rings",
    "simulate_discrete",
    "tune_importance",
]

#: relative tolerance on radii and table edges (a speed or radius that far outside still counts)
_REL_TOL = 1.0e-9
#: relative tolerance on |entry point| = R
_ENTRY_TOL = 1.0e-6
#: most isodetection rings accepted
MAX_RINGS = 3600

# extra per-primary columns the wrapper appends to the kernel's scores
_C_NORM = _k.N_SCORES  # w / v_0 [s/km]
_C_WEIGHT = _k.N_SCORES + 1  # w [1]
_C_FREE = _k.N_SCORES + 2  # w x chord / v_0 in the detector shell [s]
_N_COLS = _k.N_SCORES + 3


class Estimate(NamedTuple):
    """A Monte Carlo estimate and its standard error (same unit)."""

    value: float
    error: float


@dataclass(frozen=True)
class ImportanceMap:
    """Radial importance regions for geometric splitting and Russian roulette.

    ``values[j]`` applies to ``boundaries_km[j-1] <= r < boundaries_km[j]`` (``values[0]`` below
    the first boundary, ``values[-1]`` above the last). Only ratios matter.

    Parameters
    ----------
    boundaries_km : tuple[float, ...] -- ascending radii [km]
    values : tuple[float, ...] -- ``len(boundaries_km) + 1`` importances, > 0 [1]
    """

    boundaries_km: tuple[float, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        b = tuple(float(x) for x in self.boundaries_km)
        v = tuple(float(x) for x in self.values)
        object.__setattr__(self, "boundaries_km", b)
        object.__setattr__(self, "values", v)
        if len(v) != len(b) + 1:
            raise ConfigError(f"ImportanceMap: {len(v)} values for {len(b)} boundaries; "
                              "need len(boundaries) + 1")
        if any(not (x > 0 and math.isfinite(x)) for x in v):
            raise ConfigError(f"ImportanceMap: values {v} must be finite and > 0")
        if any(not hi > lo for lo, hi in zip(b[:-1], b[1:])) or any(not x > 0 for x in b):
            raise ConfigError(f"ImportanceMap: boundaries {b} must be > 0 and ascending")

    def value_at(self, r_km: np.ndarray) -> np.ndarray:
        """Importance at radii ``r_km`` [km]."""
        idx = np.searchsorted(np.asarray(self.boundaries_km), np.asarray(r_km), side="right")
        return np.asarray(self.values)[idx]

    @classmethod
    def toward_detector(cls, shells: "CompiledShells", detector_radius_km: float, n_regions: int,
                        factor: float = 2.0) -> "ImportanceMap":
        """Importance x ``factor`` per region from the surface down to the detector.

        The ``n_regions`` regions between the surface and ``detector_radius_km`` hold equal
        radial columns int rho dr (a proxy for equal optical depth, so the atmosphere gets few
        regions); everything below the last boundary (detector included) has importance
        ``factor**n_regions``. For an expected attenuation A choose
        n_regions ~ ln(1/A)/ln(factor), so the population stays about constant with depth.

        Parameters
        ----------
        shells : CompiledShells -- outer_radii [km], mass_density [g/cm^3]
        detector_radius_km : float -- radius of the detector [km]
        n_regions : int -- number of regions between surface and detector (0: no splitting)
        factor : float -- importance ratio of neighbouring regions (> 1)
        """
        radius = float(shells.outer_radii[-1])
        if not 0 < detector_radius_km < radius:
            raise ConfigError(f"detector_radius_km = {detector_radius_km!r} must be in "
                              f"(0, {radius}) km")
        if n_regions < 0 or not factor > 1.0:
            raise ConfigError(f"n_regions = {n_regions!r} must be >= 0 and factor = "
                              f"{factor!r} > 1")
        if n_regions == 0:
            return cls((), (1.0,))
        outer = np.asarray(shells.outer_radii, float)
        inner = np.concatenate(([0.0], outer[:-1]))
        rho = np.asarray(shells.mass_density, float)
        # cumulative column from the surface down at each shell boundary (piecewise linear in r)
        r_nodes = np.concatenate((outer[::-1], [0.0]))
        col = np.concatenate(([0.0], np.cumsum((rho * (outer - inner))[::-1])))
        total = float(np.interp(detector_radius_km, r_nodes[::-1], col[::-1]))
        targets = total * np.arange(1, n_regions + 1) / n_regions
        radii = np.interp(targets, col, r_nodes) if total > 0 else np.linspace(
            radius, detector_radius_km, n_regions + 1)[1:]
        radii[-1] = detector_radius_km
        boundaries = tuple(sorted(set(float(r) for r in radii)))
        n_b = len(boundaries)
        values = tuple(float(factor) ** (n_b - j) for j in range(n_b + 1))
        return cls(boundaries, values)


@dataclass(frozen=True)
class DiscreteResult:
    """Tallies of :func:`simulate_discrete` (all ratios relative to the free halo).

    Attributes
    ----------
    n_primaries : int -- primaries simulated
    detector_inner_km, detector_outer_km : float -- the scoring shell [km]
    density_ratio : Estimate -- n_det / n_inf [1]
    flux_ratio : Estimate -- scalar flux Phi_det / Phi_inf [1]
    free_density_ratio : Estimate -- the same estimator along straight lines (should be 1) [1]
    speed_edges : ndarray (B+1,) -- speed bins [km/s]
    speed_density, speed_density_error : ndarray (B,) -- dn/dv / n_inf at the detector
        [(km/s)^-1]; its sum x bin width is the density ratio carried by the bins. Bin errors add
        the normalisation error in quadrature (conservative)
    free_speed_density : ndarray (B,) -- dn/dv / n_inf of the free halo from the same primaries
        [(km/s)^-1]
    transmitted, reflected, stopped, truncated : Estimate -- fractions of the entering weight
        leaving the outer sphere without scattering / after scattering, stopped below v_cut,
        abandoned at max_scatters [1]
    mean_scatters : Estimate -- scatterings per entering particle [1]
    scatter_events : int -- scatterings simulated (cost)
    tracks : int -- particles tracked including split copies (cost)
    profile_inner_km, profile_outer_km : ndarray (M,) -- the shells the transport walked (the
        Earth's shells cut at the detector and importance boundaries) [km]
    profile_density, profile_density_error : ndarray (M,) -- n / n_inf averaged over each of
        them (a depth profile; same estimator as ``density_ratio``) [1]
    ring_cos_edges : ndarray (N+1,) -- cos Theta at the edges of the isodetection rings,
        descending from 1 to -1 (:func:`ring_edges`; N = 1: the whole shell) [1]
    ring_density, ring_density_error : ndarray (N,) -- n / n_inf in each ring [1]
    ring_flux, ring_flux_error : ndarray (N,) -- Phi / Phi_inf in each ring [1]
    ring_speed_density, ring_speed_density_error : ndarray (N, B) -- dn/dv / n_inf in each ring
        [(km/s)^-1] (errors include the normalisation's, as for ``speed_density``)

    The rings' errors are computed ring by ring; neighbouring rings are weakly correlated (a
    primary can score in several), which :func:`interpolate_rings` neglects.
    """

    n_primaries: int
    detector_inner_km: float
    detector_outer_km: float
    density_ratio: Estimate
    flux_ratio: Estimate
    free_density_ratio: Estimate
    speed_edges: np.ndarray
    speed_density: np.ndarray
    speed_density_error: np.ndarray
    free_speed_density: np.ndarray
    transmitted: Estimate
    reflected: Estimate
    stopped: Estimate
    truncated: Estimate
    mean_scatters: Estimate
    scatter_events: int
    tracks: int
    profile_inner_km: np.ndarray
    profile_outer_km: np.ndarray
    profile_density: np.ndarray
    profile_density_error: np.ndarray
    ring_cos_edges: np.ndarray
    ring_density: np.ndarray
    ring_density_error: np.ndarray
    ring_flux: np.ndarray
    ring_flux_error: np.ndarray
    ring_speed_density: np.ndarray
    ring_speed_density_error: np.ndarray


def ring_edges(n_rings: int) -> np.ndarray:
    """cos Theta at the edges of ``n_rings`` isodetection rings of equal solid angle [1].

    Ring j spans ``edges[j+1] < cos Theta <= edges[j]``; ``edges`` descends from 1 (ring 0
    faces the wind's origin, +z) to -1.
    """
    n = int(n_rings)
    if not 1 <= n <= MAX_RINGS:
        raise ConfigError(f"rings = {n_rings!r} must be in [1, {MAX_RINGS}]")
    return 1.0 - 2.0 * np.arange(n + 1) / n


def ring_centres(n_rings: int) -> np.ndarray:
    """cos Theta at the centres of the isodetection rings (midpoints in cos Theta), descending."""
    e = ring_edges(n_rings)
    return 0.5 * (e[:-1] + e[1:])


def ring_weights(cos_theta: np.ndarray, n_rings: int) -> np.ndarray:
    """Weights (T, N) that interpolate ring values linearly in cos Theta between ring centres.

    Row t has at most two non-zero entries summing to 1; outside the outermost centres the end
    ring's value is used (no extrapolation). ``values_t = weights @ ring_values``.

    Parameters
    ----------
    cos_theta : array (T,) -- cos of the angle between the detector's position vector and the
        direction the wind comes from [1], in [-1, 1]
    n_rings : int
    """
    c = np.atleast_1d(np.asarray(cos_theta, float))
    if not np.all(np.abs(c) <= 1.0 + 1e-12):
        raise ConfigError(f"cos_theta must lie in [-1, 1]; got [{c.min():g}, {c.max():g}]")
    n = int(n_rings)
    out = np.zeros((c.size, n))
    if n == 1:
        out[:, 0] = 1.0
        return out
    # position in units of ring centres: x = 0 at ring 0's centre, n - 1 at the last one's
    x = np.clip((1.0 - c) * 0.5 * n - 0.5, 0.0, n - 1.0)
    j = np.minimum(np.floor(x).astype(int), n - 2)
    t = x - j
    rows = np.arange(c.size)
    out[rows, j] = 1.0 - t
    out[rows, j + 1] += t
    return out


def interpolate_rings(values: np.ndarray, errors: np.ndarray, cos_theta: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Ring values (N, ...) at detector angles cos Theta (T,): linear in cos Theta between ring
    centres (:func:`ring_weights`); errors propagated with the rings taken as independent.

    Returns (values (T, ...), errors (T, ...)) in the unit of ``values``.
    """
    v = np.asarray(values, float)
    e = np.asarray(errors, float)
    w = ring_weights(cos_theta, v.shape[0])
    flat_v = v.reshape(v.shape[0], -1)
    flat_e = e.reshape(e.shape[0], -1)
    shape = (w.shape[0],) + v.shape[1:]
    return ((w @ flat_v).reshape(shape), np.sqrt((w**2) @ (flat_e**2)).reshape(shape))


def entry_points(velocities: np.ndarray, radius_km: float, rng: np.random.Generator) -> np.ndarray:
    """Entry points on the sphere of radius R for a flux-weighted sample of velocities [km].

    Each point is uniform on the disc of radius R perpendicular to v, moved back along v onto
    the sphere, so that (velocity, entry point) samples the flux through the sphere.

    Parameters
    ----------
    velocities : ndarray (n, 3) -- velocities [km/s] (a sample of f(v)|v|)
    radius_km : float -- sphere radius R [km]
    rng : numpy.random.Generator
    """
    v = np.asarray(velocities, float)
    d = v / np.linalg.norm(v, axis=1)[:, None]
    a = np.where(np.abs(d[:, :1]) < 0.9, np.array([[1.0, 0.0, 0.0]]), np.array([[0.0, 1.0, 0.0]]))
    e1 = a - np.sum(a * d, axis=1)[:, None] * d
    e1 /= np.linalg.norm(e1, axis=1)[:, None]
    e2 = np.cross(d, e1)
    rho = radius_km * np.sqrt(rng.random(len(v)))
    phi = 2.0 * np.pi * rng.random(len(v))
    p = (rho * np.cos(phi))[:, None] * e1 + (rho * np.sin(phi))[:, None] * e2
    depth = np.sqrt(np.maximum(radius_km**2 - rho**2, 0.0))
    return p - depth[:, None] * d


def detector_shell(detector_radius_km: float, radius_km: float,
                   thickness_km: float | None = None) -> tuple[float, float]:
    """Scoring shell (r_lo, r_hi) [km] centred on the detector radius, clipped to the surface.

    Default thickness: 2 % of the depth, at least 1 m.
    """
    depth = radius_km - detector_radius_km
    h = max(0.02 * depth, 1.0e-3) if thickness_km is None else float(thickness_km)
    if not (h > 0 and math.isfinite(h)):
        raise ConfigError(f"detector_thickness_km = {thickness_km!r} must be > 0")
    r_hi = min(detector_radius_km + 0.5 * h, radius_km)
    r_lo = max(r_hi - h, 0.0)
    return r_lo, r_hi


def _refine(shells: "CompiledShells", r_lo: float, r_hi: float,
            importance: ImportanceMap | None):
    """Shells split at the detector and importance boundaries: (radii, n, importance, detector)."""
    outer = np.asarray(shells.outer_radii, float)
    radius = float(outer[-1])
    cuts = [r for r in (r_lo, r_hi) if 0 < r < radius]
    if importance is not None:
        cuts += [r for r in importance.boundaries_km if 0 < r < radius]
    radii = np.unique(np.concatenate((outer, np.asarray(cuts, float))))
    # drop boundaries closer than the tolerance to the previous one
    keep = np.concatenate(([True], np.diff(radii) > _REL_TOL * radius))
    radii = radii[keep]
    radii[-1] = radius
    inner = np.concatenate(([0.0], radii[:-1]))
    mid = 0.5 * (inner + radii)
    src = np.minimum(np.searchsorted(outer, mid, side="right"), outer.size - 1)
    density = np.ascontiguousarray(np.asarray(shells.number_density, float)[src])
    imp = (np.ones(radii.size) if importance is None
           else np.asarray(importance.value_at(mid), float))
    det = ((mid > r_lo) & (mid < r_hi)).astype(np.int64)
    return radii, density, imp, det


def _chord_in_shell(x: np.ndarray, d: np.ndarray, r_lo: float, r_hi: float) -> np.ndarray:
    """Length of the forward rays x + s d (s >= 0, |d| = 1) inside r_lo <= |x| <= r_hi [km]."""
    def inside(a: float) -> np.ndarray:
        b = np.sum(x * d, axis=1)
        c = np.sum(x * x, axis=1) - a * a
        disc = b * b - c
        sq = np.sqrt(np.maximum(disc, 0.0))
        s1 = np.maximum(-b - sq, 0.0)
        s2 = -b + sq
        return np.where(disc > 0, np.maximum(s2 - s1, 0.0), 0.0)

    return inside(r_hi) - (inside(r_lo) if r_lo > 0 else 0.0)


def _ratio(mean: np.ndarray, cov: np.ndarray, n: int, a: int, b: int, scale: float = 1.0,
           b_exact: float | None = None) -> Estimate:
    """scale x E[a]/E[b] with a delta-method error (E[b] = b_exact if given)."""
    if b_exact is not None:
        err = math.sqrt(max(cov[a, a], 0.0) / n) / b_exact
        return Estimate(float(scale * mean[a] / b_exact), float(scale * err))
    r = mean[a] / mean[b]
    var = (cov[a, a] - 2 * r * cov[a, b] + r * r * cov[b, b]) / (n * mean[b] ** 2)
    return Estimate(float(scale * r), float(scale * math.sqrt(max(var, 0.0))))


def _binned(total: np.ndarray, total2: np.ndarray, n: int, scale: np.ndarray | float,
            norm_rel: float) -> tuple[np.ndarray, np.ndarray]:
    """scale x mean of per-primary scores and its error, with the normalisation's relative error
    added in quadrature (conservative: the two are positively correlated)."""
    m = total / n
    var = np.maximum(total2 / n - m * m, 0.0) / (n - 1)
    value = scale * m
    return value, np.sqrt(scale**2 * var + (value * norm_rel) ** 2)


def _kernel_tables(tables: "InteractionTables", n_nuc: int, regions: str
                   ) -> tuple[np.ndarray, tuple]:
    """Check the interaction tables of a discrete-scatter run; the kernels' table arguments.

    ``n_nuc`` is the number of nuclide columns of the number densities of the ``regions``
    (named in the error). Returns (v_grid [km/s], (ln v_grid, sigma [cm^2], ln sigma,
    target_mass [GeV], helm (E, 4), dm_mass [GeV])).
    """
    if getattr(tables, "angular", 0) != 0:
        raise ConfigError(f"tables.angular = {tables.angular!r}: the discrete Monte Carlo needs "
                          "a scattering-angle model (0 = isotropic CM x |F_Helm|^2); 1 is the "
                          "continuous-only model")
    v_grid = np.asarray(tables.v_grid, float)
    sigma = np.ascontiguousarray(np.asarray(tables.sigma, float))
    if sigma.shape != (n_nuc, v_grid.size) or np.any(sigma < 0) or not np.all(np.isfinite(sigma)):
        raise ConfigError(f"tables.sigma has shape {sigma.shape}; need ({n_nuc}, {v_grid.size}) "
                          f"finite values >= 0 (one row per nuclide column of the {regions})")
    if v_grid.size < 2 or not (v_grid[0] > 0 and np.all(np.diff(v_grid) > 0)):
        raise ConfigError("tables.v_grid must hold >= 2 ascending speeds > 0 [km/s]")
    with np.errstate(divide="ignore"):
        log_sigma = np.log(sigma)
    target_mass = np.ascontiguousarray(np.asarray(tables.target_mass, float))
    helm = np.ascontiguousarray(np.asarray(tables.helm, float))
    return v_grid, (np.log(v_grid), sigma, log_sigma, target_mass, helm, float(tables.dm_mass))


def _check_v_cut(v_cut: float, v_grid: np.ndarray) -> None:
    """``v_cut`` [km/s] must be covered by the table speeds ``v_grid`` [km/s]."""
    if not v_grid[0] * (1 - _REL_TOL) <= v_cut:
        raise ConfigError(f"v_cut = {v_cut!r} km/s is below the table's first speed "
                          f"{v_grid[0]:g} km/s")


def _speed_edges(speed_bins: np.ndarray) -> np.ndarray:
    """Checked speed-histogram edges [km/s] (contiguous float64)."""
    edges = np.ascontiguousarray(np.asarray(speed_bins, float))
    if edges.ndim != 1 or edges.size < 2 or not np.all(np.diff(edges) > 0):
        raise ConfigError("speed_bins must be >= 2 ascending edges [km/s]")
    return edges


def _moments(s1: np.ndarray, s2: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased) covariance of per-primary score columns from their sums ``s1`` and
    sums of outer products ``s2`` over ``n`` samples."""
    mean = s1 / n
    return mean, (s2 / n - np.outer(mean, mean)) * n / (n - 1)


def _free_histogram(edges: np.ndarray, v0: np.ndarray, weights: np.ndarray, n: int
                    ) -> np.ndarray:
    """Mean over ``n`` samples of ``weights`` binned by the entry speeds ``v0`` [km/s]."""
    ib = np.searchsorted(edges, v0, side="right") - 1
    ok = (ib >= 0) & (ib < edges.size - 1)
    return np.bincount(ib[ok], weights=weights[ok], minlength=edges.size - 1) / n


def _pilot_exponents(density: np.ndarray, density_error: np.ndarray, measure: np.ndarray,
                     region: np.ndarray, regions: list[int], log_factor: float
                     ) -> tuple[np.ndarray, float]:
    """One round of importance tuning from a pilot's depth profile (:func:`tune_importance`).

    The profile (``density`` n/n_inf [1] and its error per layer, ``measure`` the layer's volume
    or thickness) is averaged over each importance region; ``regions`` lists the region indices
    (``region`` per layer) from the entry surface towards the detector. I = 1/n is taken as a
    running minimum from the surface while the regions are measured (relative error < 0.3),
    and extrapolated below with the mean log-slope of the deepest half of the measured ones
    (one ``log_factor`` per region if no fall was measured).

    Returns (exponents, rel): round(ln(1/n) / ln factor) >= 0 per region in the order of
    ``regions``, and the relative error of the last (deepest) one.
    """
    n_r = len(regions)
    dens = np.zeros(n_r)
    err = np.zeros(n_r)
    for i, j in enumerate(regions):
        sel = region == j
        v = measure[sel].sum()
        dens[i] = np.sum(density[sel] * measure[sel]) / v
        err[i] = math.sqrt(np.sum((density_error[sel] * measure[sel]) ** 2)) / v
    rel = np.where(dens > 0, err / np.where(dens > 0, dens, 1.0), np.inf)
    # log n per region from the surface down: running minimum, then extrapolated
    log_n = np.full(n_r, np.nan)
    n_meas = 0
    running = 0.0
    while n_meas < n_r and rel[n_meas] < 0.3:  # contiguous from the surface down
        running = min(running, math.log(dens[n_meas]))
        log_n[n_meas] = running
        n_meas += 1
    if n_meas >= 2:
        tail = log_n[n_meas // 2:n_meas] if n_meas >= 4 else log_n[:n_meas]
        slope = (tail[-1] - tail[0]) / max(len(tail) - 1, 1)
    else:
        slope = 0.0
    if not slope < 0.0:
        slope = -log_factor
    last = log_n[n_meas - 1] if n_meas else 0.0
    for step, i in enumerate(range(n_meas, n_r), start=1):
        log_n[i] = last + slope * step
    return np.round(-log_n / log_factor).clip(min=0.0), float(rel[-1])


class _Prepared(NamedTuple):
    """Validated inputs of the kernel (see :func:`simulate_discrete`)."""

    positions: np.ndarray  # (n, 3) [km]
    velocities: np.ndarray  # (n, 3) [km/s]
    weights: np.ndarray  # (n,) [1]
    speeds: np.ndarray  # (n,) [km/s]
    edges: np.ndarray  # (B+1,) [km/s]
    radius: float  # entry sphere [km]
    r_lo: float  # scoring shell [km]
    r_hi: float
    radii: np.ndarray  # (M,) refined shell radii [km]
    kernel_args: tuple  # outer_radii .. max_tracks, n_rings of transport_discrete_rings


def _prepare(tables, shells, detector_radius_km, positions, velocities, speed_bins, v_cut,
             importance, detector_thickness_km, weights, max_scatters, max_tracks,
             rings) -> _Prepared:
    """Check the inputs of :func:`simulate_discrete` and compile them for the kernel."""
    v_grid, table_args = _kernel_tables(tables, np.asarray(shells.number_density).shape[1],
                                        "shells")
    radius = float(np.asarray(shells.outer_radii, float)[-1])
    pos = np.ascontiguousarray(np.asarray(positions, float))
    vel = np.ascontiguousarray(np.asarray(velocities, float))
    n = pos.shape[0]
    if pos.shape != (n, 3) or vel.shape != (n, 3) or n < 2:
        raise ConfigError(f"positions {pos.shape} and velocities {vel.shape} must be (n, 3) "
                          "with n >= 2")
    r0 = np.linalg.norm(pos, axis=1)
    v0 = np.linalg.norm(vel, axis=1)
    if np.any(np.abs(r0 - radius) > _ENTRY_TOL * radius) or np.any(np.sum(pos * vel, axis=1) > 0):
        raise ConfigError(f"positions must lie on the entry sphere |x| = {radius} km with inward "
                          "velocities")
    if not (v0.min() > 0 and v0.max() <= v_grid[-1] * (1 + _REL_TOL)):
        raise ConfigError(f"entry speeds [{v0.min():g}, {v0.max():g}] km/s must be > 0 and within "
                          f"the table (<= {v_grid[-1]:g} km/s)")
    _check_v_cut(v_cut, v_grid)
    if not 0 < detector_radius_km <= radius:
        raise ConfigError(f"detector_radius_km = {detector_radius_km!r} must be in (0, {radius}]")
    edges = _speed_edges(speed_bins)
    w0 = np.ones(n) if weights is None else np.ascontiguousarray(np.asarray(weights, float))
    if w0.shape != (n,) or np.any(w0 < 0):
        raise ConfigError("weights must be (n,) and >= 0")
    if max_scatters < 1 or max_tracks < 1:
        raise ConfigError(f"max_scatters = {max_scatters!r} and max_tracks = {max_tracks!r} "
                          "must be >= 1")
    if isinstance(rings, bool) or int(rings) != rings or not 1 <= int(rings) <= MAX_RINGS:
        raise ConfigError(f"rings = {rings!r} must be an integer in [1, {MAX_RINGS}]")

    r_lo, r_hi = detector_shell(detector_radius_km, radius, detector_thickness_km)
    radii, density, imp, det = _refine(shells, r_lo, r_hi, importance)
    return _Prepared(pos, vel, w0, v0, edges, radius, r_lo, r_hi, radii,
                     (radii, density, imp, det, *table_args, float(v_cut), edges,
                      int(max_scatters), int(max_tracks), int(rings)))


def simulate_discrete(
    tables: "InteractionTables",
    shells: "CompiledShells",
    detector_radius_km: float,
    positions: np.ndarray,
    velocities: np.ndarray,
    rng: np.random.Generator,
    speed_bins: np.ndarray,
    v_cut: float,
    importance: ImportanceMap | None = None,
    *,
    detector_thickness_km: float | None = None,
    weights: np.ndarray | None = None,
    mean_speed_km_s: float | None = None,
    max_scatters: int = 100_000,
    max_tracks: int = 1_000,
    chunk_size: int = 65_536,
    rings: int = 1,
) -> DiscreteResult:
    """Discrete-scatter transport of entering halo particles to a detector shell.

    Parameters
    ----------
    tables : InteractionTables (:mod:`mcdm.physics.interaction`) -- ``v_grid`` (V,) [km/s],
        ``sigma`` (E, V) [cm^2], ``target_mass`` (E,) [GeV], ``helm`` (E, 4) (A, c, a, s [fm]),
        ``angular`` (0 = isotropic CM x |F_Helm|^2; 1, continuous-only, is refused), ``dm_mass``
        [GeV]; E must match the columns of ``shells.number_density``
    shells : CompiledShells -- outer_radii (m,) [km], number_density (m, E) [km^-3],
        mass_density (m,) [g/cm^3]; the outermost radius R is the entry sphere
    detector_radius_km : float -- detector radius [km], in (0, R]
    positions, velocities : ndarray (n, 3) -- entry points on the sphere |x| = R [km] and inward
        velocities [km/s]: a flux-weighted sample (module docstring; :func:`entry_points`)
    rng : numpy.random.Generator -- advanced in place
    speed_bins : ndarray (B+1,) -- ascending histogram edges [km/s]
    v_cut : float -- particles slower than this stop (thermalise) [km/s]; must be covered by
        ``tables.v_grid``
    importance : ImportanceMap or None -- splitting / roulette regions (None: analogue MC)
    detector_thickness_km : float, optional -- scoring-shell thickness (default
        :func:`detector_shell`) [km]
    weights : ndarray (n,), optional -- entry weights (importance-sampled entry velocities)
    mean_speed_km_s : float, optional -- the exact mean halo speed <v> at the Earth [km/s]; if
        given it replaces 1/E[w/v_0] (then the weights must have unit mean)
    max_scatters : int -- scatterings after which a particle is abandoned (scored truncated)
    max_tracks : int -- tracks per primary after which boundaries stop splitting (unbiased; a
        guard against an importance map that outgrows the attenuation)
    chunk_size : int -- primaries per kernel call (bounds memory)
    rings : int -- isodetection rings: the shell is also scored in this many rings of equal
        solid angle about the +z axis (:func:`ring_edges`; 1 = the whole shell). Meaningful
        when the entry sample has its wind along z (mean velocity along -z)
    """
    prep = _prepare(tables, shells, detector_radius_km, positions, velocities, speed_bins, v_cut,
                    importance, detector_thickness_km, weights, max_scatters, max_tracks, rings)
    pos, vel, w0, v0, edges = prep.positions, prep.velocities, prep.weights, prep.speeds, prep.edges
    n = pos.shape[0]
    radius, radii, r_lo, r_hi = prep.radius, prep.radii, prep.r_lo, prep.r_hi
    volume = 4.0 / 3.0 * math.pi * (r_hi**3 - r_lo**3)

    # free reference: straight chords of the same primaries
    d = vel / v0[:, None]
    t_free = _chord_in_shell(pos, d, r_lo, r_hi) / v0
    n_bins = edges.size - 1

    s1 = np.zeros(_N_COLS)
    s2 = np.zeros((_N_COLS, _N_COLS))
    h1 = np.zeros(n_bins)
    h2 = np.zeros(n_bins)
    p1 = np.zeros(radii.size)
    p2 = np.zeros(radii.size)
    g1 = np.zeros((int(rings), 2))
    g2 = np.zeros((int(rings), 2))
    rh1 = np.zeros((int(rings), n_bins))
    rh2 = np.zeros((int(rings), n_bins))
    for start in range(0, n, chunk_size):
        sl = slice(start, min(start + chunk_size, n))
        scores, hs, hs2, ps, ps2, gs, gs2, rhs, rhs2, _ = _k.transport_discrete_rings(
            pos[sl], vel[sl], w0[sl], *prep.kernel_args, False, rng)
        cols = np.empty((scores.shape[0], _N_COLS))
        cols[:, :_k.N_SCORES] = scores
        cols[:, _C_NORM] = w0[sl] / v0[sl]
        cols[:, _C_WEIGHT] = w0[sl]
        cols[:, _C_FREE] = w0[sl] * t_free[sl]
        s1 += cols.sum(axis=0)
        s2 += cols.T @ cols
        h1 += hs
        h2 += hs2
        p1 += ps
        p2 += ps2
        g1 += gs
        g2 += gs2
        rh1 += rhs
        rh2 += rhs2

    mean, cov = _moments(s1, s2, n)
    geo = math.pi * radius**2 / volume
    norm_exact = None if mean_speed_km_s is None else 1.0 / float(mean_speed_km_s)
    density_ratio = _ratio(mean, cov, n, _k.S_DENSITY, _C_NORM, geo, norm_exact)
    free_ratio = _ratio(mean, cov, n, _C_FREE, _C_NORM, geo, norm_exact)
    flux_ratio = _ratio(mean, cov, n, _k.S_FLUX, _C_WEIGHT, geo)

    # speed histogram: per bin geo E[h_b] / E[w/v0] / width
    norm = mean[_C_NORM] if norm_exact is None else norm_exact
    norm_rel = (0.0 if norm_exact is not None
                else math.sqrt(max(cov[_C_NORM, _C_NORM], 0.0) / n) / norm)
    width = np.diff(edges)
    speed_density, speed_err = _binned(h1, h2, n, geo / norm / width, norm_rel)
    inner = np.concatenate(([0.0], radii[:-1]))
    shell_geo = math.pi * radius**2 / (4.0 / 3.0 * math.pi * (radii**3 - inner**3))
    profile, profile_err = _binned(p1, p2, n, shell_geo / norm, norm_rel)
    free_speed_density = geo * _free_histogram(edges, v0, w0 * t_free, n) / norm / width
    # rings: each a volume V / N, so geo_ring = N geo
    geo_ring = int(rings) * geo
    ring_density, ring_density_err = _binned(g1[:, 0], g2[:, 0], n, geo_ring / norm, norm_rel)
    w_rel = math.sqrt(max(cov[_C_WEIGHT, _C_WEIGHT], 0.0) / n) / mean[_C_WEIGHT]
    ring_flux, ring_flux_err = _binned(g1[:, 1], g2[:, 1], n, geo_ring / mean[_C_WEIGHT], w_rel)
    ring_speed, ring_speed_err = _binned(rh1, rh2, n, geo_ring / norm / width, norm_rel)

    def frac(col: int) -> Estimate:
        return _ratio(mean, cov, n, col, _C_WEIGHT)

    return DiscreteResult(
        n_primaries=n,
        detector_inner_km=r_lo,
        detector_outer_km=r_hi,
        density_ratio=density_ratio,
        flux_ratio=flux_ratio,
        free_density_ratio=free_ratio,
        speed_edges=edges,
        speed_density=speed_density,
        speed_density_error=speed_err,
        free_speed_density=free_speed_density,
        transmitted=frac(_k.S_TRANSMITTED),
        reflected=frac(_k.S_REFLECTED),
        stopped=frac(_k.S_STOPPED),
        truncated=frac(_k.S_TRUNCATED),
        mean_scatters=frac(_k.S_SCATTERS),
        scatter_events=int(round(s1[_k.S_SCATTER_EVENTS])),
        tracks=int(round(s1[_k.S_TRACKS])),
        profile_inner_km=inner,
        profile_outer_km=radii,
        profile_density=profile,
        profile_density_error=profile_err,
        ring_cos_edges=ring_edges(int(rings)),
        ring_density=ring_density,
        ring_density_error=ring_density_err,
        ring_flux=ring_flux,
        ring_flux_error=ring_flux_err,
        ring_speed_density=ring_speed,
        ring_speed_density_error=ring_speed_err,
    )


def tune_importance(
    tables: "InteractionTables",
    shells: "CompiledShells",
    detector_radius_km: float,
    positions: np.ndarray,
    velocities: np.ndarray,
    rng: np.random.Generator,
    v_cut: float,
    *,
    weights: np.ndarray | None = None,
    n_regions: int = 40,
    factor: float = 2.0,
    rounds: int = 4,
    target_relative_error: float = 0.1,
    max_tracks: int = 200,
    **kwargs: object,
) -> ImportanceMap:
    """An importance map I(r) ~ n_inf / n(r) from short pilot runs (population control).

    The surface-to-detector range is cut into ``n_regions`` regions of equal radial column
    (:meth:`ImportanceMap.toward_detector`). Each round runs the pilot sample
    (``positions``, ``velocities``; a few thousand primaries suffice) with the current map,
    reads the density of every region from the depth profile, and sets I = 1/n (running minimum
    from the surface, so I never falls with depth), rounded to powers of ``factor``. Regions the
    pilot did not reach (relative error > 0.3) are extrapolated with the mean log-slope of the
    deepest half of the measured ones (``factor`` per region if no fall was measured). Rounds
    stop when the detector region is measured to ``target_relative_error``. The map only sets
    the cost: any map gives an unbiased estimate.

    Parameters
    ----------
    tables, shells, detector_radius_km, positions, velocities, rng, v_cut, weights -- as in
        :func:`simulate_discrete`
    n_regions : int -- regions between surface and detector
    factor : float -- importance quantum (> 1)
    rounds : int -- pilot runs at most
    target_relative_error : float -- stop once the pilot measures the detector region this well
    max_tracks : int -- track cap per primary in the pilots (bounds a bad first guess)
    kwargs -- further keyword arguments of :func:`simulate_discrete` (e.g. detector_thickness_km)
    """
    if rounds < 1 or not factor > 1.0 or n_regions < 1:
        raise ConfigError(f"tune_importance: rounds = {rounds!r} and n_regions = {n_regions!r} "
                          f"must be >= 1 and factor = {factor!r} > 1")
    bounds = np.asarray(ImportanceMap.toward_detector(shells, detector_radius_km, n_regions,
                                                      factor).boundaries_km)
    n_b = bounds.size
    imp = ImportanceMap(tuple(bounds), (1.0,) * (n_b + 1))
    log_f = math.log(factor)
    for _ in range(rounds):
        res = simulate_discrete(tables, shells, detector_radius_km, positions, velocities, rng,
                                np.array([0.0, np.inf]), v_cut, imp, weights=weights,
                                max_tracks=max_tracks, **kwargs)
        # regions 1..n_b (region j spans bounds[j-1] .. bounds[j], the last up to the surface)
        mid = 0.5 * (res.profile_inner_km + res.profile_outer_km)
        region = np.searchsorted(bounds, mid, side="right")
        vol = res.profile_outer_km**3 - res.profile_inner_km**3
        exponents, rel = _pilot_exponents(res.profile_density, res.profile_density_error, vol,
                                          region, list(range(n_b, 0, -1)), log_f)
        exponents = exponents[::-1]  # regions 1..n_b
        # the detector region (below the first boundary) keeps the value of the one above it
        values = factor ** np.concatenate(([exponents[0]], exponents))
        imp = ImportanceMap(tuple(bounds), tuple(float(x) for x in values))
        if rel < target_relative_error:
            break
    return imp

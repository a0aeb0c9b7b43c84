"""Scenario ``transport``: strongly interacting dark matter slowed by atmosphere, rock and Earth.

Halo particles are slowed (or stopped) on their way to an underground detector; the density, the
flux and the speed distribution that reach it are reported relative to the free halo, per time
bin. Interactions (:mod:`mcdm.physics.interaction`): point-like spin-independent nuclear
scattering (``[transport] sigma_p``, Helm form factor) or drag on a macroscopic body
(``radius``, ``drag_coefficient``, mass from ``[dark_matter]``). The world is the Earth model of
``[earth]`` with, by default, the US Standard Atmosphere 1976 stacked on top
(``geometry/atmosphere/us_standard_1976``); the rock above the detector is the Earth model's
crust, as in the other scenarios. Gravity is neglected.

Method ``continuous`` (verne's regime, :class:`~mcdm.transport.continuous.ContinuousSlowing`)
-------------------------------------------------------------------------------------------
Every history is one galactic velocity drawn from the halo; for each time bin it is boosted to
the lab (v = v_gal - u_E(t)), rotated to the site's East-North-Up frame, and followed along the
straight line that ends at the detector with that direction of motion: v_s = |v| is its speed at
the top of the world (atmosphere, else the Earth's surface), v_d its speed at the detector
(0 if it fell below ``v_cut`` on the way). The same histories are re-scored in every bin.

Estimator (derived here). Particles of one direction of motion Omega move on parallel straight
lines, so a bundle of them keeps its cross section and, in a steady state, carries the same
number of particles per second through every cross section (current conservation; nothing is
created, and stopped particles are removed). Those entering with speed v_s in dv_s have the
density n_inf f(v_s Omega) v_s^2 dv_s dOmega and the current density times v_s; at the detector
the same current moves at v_d, so their density there is n_inf f v_s^2 dv_s dOmega (v_s / v_d).
Integrating,

    n_det / n_inf       = E_f[ v_s / v_d ; arrived ]                  (density ratio)
    Phi_det / Phi_inf   = E_f[ v_s ; arrived ] / E_f[ v_s ]           (scalar-flux ratio)
    dn/dv_d / n_inf     = E_f[ (v_s / v_d) delta(v - v_d) ; arrived ]  (speed histogram)
    <v_d>               = Phi_det / n_det = E_f[v_s; arrived] / E_f[v_s/v_d; arrived]

with E_f the mean over the halo (the histories). Slowed particles crowd ("traffic jam": the
density can exceed the free one while the flux falls), so the density depends on ``v_cut``
when many particles arrive almost stopped: along lines just below the horizon the rock path
grows from zero to the Earth's diameter, so for any sigma_p some directions deliver particles
just above ``v_cut``, each weighing up to v_s/v_cut. At Gran Sasso with v_cut = 1 km/s this
makes the density highest, not lowest, in the hour the DM wind comes from the horizon (the
flux is lowest then); with v_cut = 30 km/s both are lowest then. verne (Kavanagh 2018, ``src/verne.py``
``f_integrand_full``) uses the same straight-line map v_s <-> v_d and the Jacobian dv_s/dv_d, but
conserves the number per speed interval, f_det(v_d) dv_d = f(v_s) v_s^2 dv_s (per direction),
without the factor v_s/v_d of current conservation; its speed distribution is ours times
v_d/v_s. The discrete Monte Carlo below counts dwell time and agrees with the factor: for the
Gran Sasso shell at m_chi = 1e5 GeV, sigma_p = 3e-31 cm^2, v_cut = 30 km/s it gives
n_det/n_inf = 1.007 +- 0.013, current conservation 1.005, number conservation ~0.385
(``tests/validation/test_transport.py``).

Method ``discrete`` (DaMaSCUS's regime, :func:`~mcdm.transport.discrete.simulate_discrete`)
---------------------------------------------------------------------------------------
Primaries are a flux-weighted sample of halo velocities entering uniformly over the top sphere,
followed through every scattering to a thin spherical shell at the detector radius (thickness
2 % of the rock depth, at least 1 m). Simulation frame: the Earth's centre at the origin and the
Earth's velocity u_E = (0, 0, <|u_E|>) with <|u_E|> its mean over the time grid
(:func:`discrete_wind_velocity`), so the DM wind blows along -z and the particles come on average
from +z. The problem is then axially symmetric about z, and the shell is scored in ``[transport]
rings`` isodetection rings of equal solid angle by the polar angle Theta of the scoring position
(DaMaSCUS's "isodetection rings"; ring j: 1 - 2(j+1)/N < cos Theta <= 1 - 2j/N, each a volume
V/N with the same density and flux estimators as the shell). In time bin t the detector's
position vector (local up) makes the angle Theta(t) with the direction the wind comes from,
+u_E(t) rotated to the site's East-North-Up frame: cos Theta(t) = sin(altitude of the wind
origin). The bin reads the ring values interpolated linearly in cos Theta between ring centres
(:func:`discrete_time_bins`; ring errors taken as independent). One simulation gives every time
bin (and any site at the same depth). Approximation: |u_E| is held at its mean over the grid --
it changes by < 0.1 % within a day, but by about +-6 % over a year, so annual grids get the
direction of u_E right and its size only on average. The daily mean ("daily") averages the bins;
the average over all rings ("discrete" in the summary) is the average over the whole sphere at
the detector radius (all directions and latitudes), not the daily mean at the site. The report
adds the straight-line (continuous) estimate of that sphere average from randomly oriented halo
velocities, as a cross-check of the two regimes. ``importance = "auto"`` tunes a
splitting/roulette map from pilot runs once per job (deterministic in the seed; any map is
unbiased). ``[transport] tracks = k`` records every vertex of k extra analogue primaries (own
random stream) to ``tracks.parquet`` in the simulation frame (:mod:`mcdm.transport.tracks`).

Method ``discrete`` with overburden slabs (DaMaSCUS-CRUST's regime, :mod:`mcdm.transport.planar`)
----------------------------------------------------------------------------------------------
With ``[transport] overburden = <slab stack>`` the discrete method is the planar scatter Monte
Carlo. The stack is the atmosphere as horizontal slabs (``atmosphere = true``: the same US
Standard Atmosphere 1976, 86 km) on top of the overburden's slabs, the detector at its bottom
(depth D below the top of the air) in a scoring slab h = 2 % of the rock depth, within
[1 m, 10 m]. Below the detector the last slab continues for PLANAR_FLOOR_BELOW_KM = 100 km to an
absorbing floor (lost into the Earth; what comes back up from there is negligible). Time bins
differ by the orientation of the lab-frame halo to the vertical, so every bin has its own
primaries: ``[run] samples`` halo draws per bin, boosted by u_E(t) and rotated to East-North-Up
(:func:`~mcdm.scenarios.transport_planar.planar_time_bins`; cost ~ bins x samples). Every draw moving down (v_up < 0) is a primary
with the flux weight |v_up| (:func:`~mcdm.transport.planar.downward_flux_sample`) and the
estimators (P2)-(P5) of :mod:`mcdm.transport.planar` give its part of the density, flux and
speed distribution ("from above"). The planar model has no Earth below the detector: the draws
moving up (v_up >= 0) come through the spherical Earth and are scored along straight lines
(:func:`score_straight_lines`, continuous slowing through the world of the continuous method,
no slab; density weight v_s/v_d, flux v_s; "from below") at the detector's depth under the
spherical surface (the continuous method's point at the surface under the stack would let
particles just below the horizon arrive through an Earth chord shrinking to zero). The report
gives both parts and their sum; as every draw scores in one part only, the sum's error includes
their covariance -d u/(n-1). In the free limit the sum is the free halo for every sample; for
heavy dark matter (many small-angle scatterings) it agrees with the continuous method
(``tests/validation/test_transport_planar.py``). Flux errors treat <v>_free as exact
(conservative). ``importance = "auto"`` tunes a splitting map above the detector from a pilot
(:func:`~mcdm.transport.planar.tune_depth_importance`, draws spread over the bins, deterministic
in the seed) and, for dark matter > 100x heavier than every nucleus of the stack, adds Russian
roulette below the detector (it does not come back up). ``tracks`` is not supported here.

Public API: :func:`compile_job`, :func:`simulate_shard`, :func:`report`,
:func:`relative_errors` (the scenario interface of :mod:`mcdm.run`), and the building blocks
:func:`build_interaction`, :func:`build_world`, :func:`score_straight_lines`,
:func:`straight_line_estimates`, :func:`straight_line_average`,
:func:`flux_weighted_velocities`,
:func:`random_orientations`, :func:`free_speed_density`, :func:`discrete_wind_velocity`,
:func:`discrete_time_bins`; the planar method lives in :mod:`mcdm.scenarios.transport_planar`
(:class:`~mcdm.scenarios.transport_planar.PlanarSetup`,
:func:`~mcdm.scenarios.transport_planar.planar_time_bins`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from mcdm.config import RunConfig
from mcdm.errors import ConfigError
from mcdm.units import KM_TO_CM

if TYPE_CHECKING:  # pragma: no cover
    from mcdm.geometry.earth import CompiledShells
    from mcdm.physics.interaction import InteractionTables
    from mcdm.transport.continuous import ContinuousSlowing
    from mcdm.transport.discrete import ImportanceMap

__all__ = [
    "CHUNK",
    "ATMOSPHERE",
    "TransportJob",
    "TransportSums",
    "StraightLineScores",
    "build_interaction",
    "build_world",
    "score_straight_lines",
    "straight_line_estimates",
    "straight_line_average",
    "flux_weighted_velocities",
    "random_orientations",
    "free_speed_density",
    "discrete_wind_velocity",
    "discrete_time_bins",
    "compile_job",
    "simulate_shard",
    "report",
    "relative_errors",
]

#: histories per chunk inside a shard (a constant of the code, so the random streams and every
#: number do not depend on the machine)
CHUNK = 65_536
#: the atmosphere stacked on the Earth when ``[transport] atmosphere = true``
ATMOSPHERE = "us_standard_1976"
#: spawn key of the pilot stream that tunes the importance map (beyond any shard index and
#: distinct from mcdm.rng.REPORT_SPAWN_KEY = 2**40)
PILOT_SPAWN_KEY = 2**41
#: primaries of the importance-tuning pilot runs
PILOT_PRIMARIES = 2_000
#: discrete scoring shell: this fraction of the rock depth, at least MIN_SHELL_KM
SHELL_FRACTION = 0.02
MIN_SHELL_KM = 1.0e-3


class TransportJob(NamedTuple):
    """Everything a shard needs (plain arrays and picklable objects)."""

    seed: int
    n_shards: int
    shard_sizes: np.ndarray  # (S,) histories (continuous) or primaries (discrete) per shard
    method: str  # "continuous" | "discrete"
    v0: float  # [km/s]
    v_esc: float  # [km/s]
    number_density: float  # n_chi [cm^-3]
    mass: float  # m_chi or body mass [GeV]
    u_earth: np.ndarray  # (T, 3) Earth velocity, galactic (U, V, W) [km/s]
    rotations: np.ndarray  # (T, 3, 3) galactic -> local ENU
    detector_position: np.ndarray  # (3,) ENU, Earth's centre at the origin [km]
    bin_edges_mjd: np.ndarray  # (T+1,) UTC MJD
    speed_edges: np.ndarray  # (B+1,) [km/s]
    v_cut: float  # [km/s]
    free_mean_speed: np.ndarray  # (T,) <|v|> of the free halo in the lab per bin [km/s]
    mean_earth_velocity: np.ndarray  # (3,) mean of u_earth over the bins (discrete) [km/s]
    slowing: Any  # ContinuousSlowing: the interaction compiled on the world
    importance: Any  # ImportanceMap or None (discrete)
    detector_thickness_km: float  # scoring shell of the discrete method [km]
    rings: int = 1  # isodetection rings of the discrete method
    rate_kernel: Any = None  # (v_grid [km/s], K [events/(kg day)]) of the detector rate, or None (no target)
    planar: Any = None  # planar discrete MC setup (method discrete with overburden slabs), or None


@dataclass
class TransportSums:
    """Sums of one shard; adding shards adds every array.

    Continuous: per time bin (T,) sums over histories of a = v_s/v_d (0 if stopped), a^2,
    b = v_s [arrived], b^2, a b, c = v_s, c^2, b c, the number stopped, the per-history sum over
    bins of a and its square (``day_a``, ``day_a2``, scalars); per (time, speed) bin the sums of a
    and a^2 into the bin of v_d (``hist``, ``hist2``) and the counts of v_s (``free_hist``).
    Discrete: primaries-weighted estimates n_k x value and (n_k x error)^2 over chunks k, so
    that sum / N is the pooled mean and sqrt(sum var) / N its error (scalars, speed bins, and per
    isodetection ring ``ring_*`` (N,) and (N, B)); plus the same straight-line sums (prefix
    ``line_``, one bin) of randomly oriented halo velocities.
    """

    n: int
    sums: dict[str, np.ndarray]

    def __add__(self, other: "TransportSums") -> "TransportSums":
        return TransportSums(n=self.n + other.n,
                             sums={k: self.sums[k] + other.sums[k] for k in self.sums})


# --------------------------------------------------------------------------- building blocks


def build_interaction(cfg: RunConfig):
    """The [transport] interaction: SpinIndependent or MacroscopicDrag (mass from [dark_matter])."""
    from mcdm.physics.interaction import MacroscopicDrag, SpinIndependent

    t = cfg.transport
    if t.model == "drag":
        return MacroscopicDrag(radius_cm=t.radius * KM_TO_CM, mass_gev=cfg.dark_matter.mass,
                               drag_coefficient=t.drag_coefficient)
    return SpinIndependent(cfg.dark_matter.mass, t.sigma_p, t.form_factor)


def build_world(earth, max_shell_thickness_km: float, atmosphere: bool = True) -> "CompiledShells":
    """The Earth model compiled to shells [km], with the US Standard Atmosphere 1976 on top if
    ``atmosphere`` (:func:`mcdm.transport.continuous.stack_atmosphere`)."""
    from mcdm.geometry import load_atmosphere
    from mcdm.transport.continuous import stack_atmosphere

    shells = earth.compile(max_shell_thickness_km=max_shell_thickness_km)
    if atmosphere:
        shells = stack_atmosphere(shells, load_atmosphere(ATMOSPHERE).compile())
    return shells


class StraightLineScores(NamedTuple):
    """Per-particle scores of :func:`score_straight_lines` (arrays (n,)).

    surface_speed -- v_s at the top of the world [km/s]; detector_speed -- v_d [km/s], 0 if
    stopped; density_weight -- v_s/v_d, 0 if stopped [1].
    """

    surface_speed: np.ndarray
    detector_speed: np.ndarray
    density_weight: np.ndarray

    @property
    def arrived(self) -> np.ndarray:
        """True where the particle reached the detector."""
        return self.detector_speed > 0.0


def score_straight_lines(slowing: "ContinuousSlowing", detector_km: np.ndarray,
                         velocities: np.ndarray, v_cut: float) -> StraightLineScores:
    """Speeds at the detector of particles with the given velocities, along straight lines.

    Parameters
    ----------
    slowing : ContinuousSlowing -- the interaction on the world
    detector_km : (3,) detector position in the world's frame [km]
    velocities : (n, 3) velocities in the same frame, directions of motion [km/s], non-zero
    v_cut : stopping speed [km/s]
    """
    v = np.asarray(velocities, dtype=float)
    speed = np.sqrt(np.einsum("ij,ij->i", v, v))
    arr = slowing.arrive(detector_km, v / speed[:, None], speed, v_min=v_cut)
    vd = arr.speed
    ok = vd > 0.0
    weight = np.zeros_like(speed)
    weight[ok] = speed[ok] / vd[ok]  # current conservation: n ~ 1/v along the line
    return StraightLineScores(speed, vd, weight)


_LINE_SCALARS = ("a", "a2", "b", "b2", "ab", "c", "c2", "bc", "stopped")


def _new_line_sums(n_bins: int, n_speed: int, prefix: str = "") -> dict[str, np.ndarray]:
    sums = {prefix + k: np.zeros(n_bins) for k in _LINE_SCALARS + ("rate", "rate2")}
    for k in ("hist", "hist2", "free_hist"):
        sums[prefix + k] = np.zeros((n_bins, n_speed))
    return sums


def detector_rate_scores(sc: StraightLineScores, rate_kernel) -> np.ndarray:
    """Per-particle detector rate a K(v_d) / v_d [events/(kg day)] (0 if stopped): its mean over the
    histories is the rate above threshold (:func:`mcdm.physics.recoil.threshold_rate_kernel`)."""
    grid, kernel = rate_kernel
    out = np.zeros_like(sc.density_weight)
    ok = sc.arrived
    out[ok] = sc.density_weight[ok] * np.interp(sc.detector_speed[ok], grid, kernel) / sc.detector_speed[ok]
    return out


def _accumulate_line(sums: dict[str, np.ndarray], b: int, sc: StraightLineScores,
                     edges: np.ndarray, prefix: str = "", rate_kernel=None) -> np.ndarray | None:
    """Add one chunk of straight-line scores to time bin ``b`` (see :class:`TransportSums`); with a
    ``rate_kernel`` also the detector rate, whose per-particle scores are returned."""
    a = sc.density_weight
    vs = sc.surface_speed
    arrived = sc.arrived
    bf = np.where(arrived, vs, 0.0)
    p = prefix
    sums[p + "a"][b] += a.sum()
    sums[p + "a2"][b] += (a * a).sum()
    sums[p + "b"][b] += bf.sum()
    sums[p + "b2"][b] += (bf * bf).sum()
    sums[p + "ab"][b] += (a * bf).sum()
    sums[p + "c"][b] += vs.sum()
    sums[p + "c2"][b] += (vs * vs).sum()
    sums[p + "bc"][b] += (bf * vs).sum()
    sums[p + "stopped"][b] += float(np.count_nonzero(~arrived))
    n_speed = edges.size - 1
    idx = np.searchsorted(edges, sc.detector_speed, side="right") - 1
    sel = arrived & (idx >= 0) & (idx < n_speed)
    sums[p + "hist"][b] += np.bincount(idx[sel], weights=a[sel], minlength=n_speed)
    sums[p + "hist2"][b] += np.bincount(idx[sel], weights=a[sel] ** 2, minlength=n_speed)
    free = np.searchsorted(edges, vs, side="right") - 1
    fsel = (free >= 0) & (free < n_speed)
    sums[p + "free_hist"][b] += np.bincount(free[fsel], minlength=n_speed).astype(float)
    if rate_kernel is None:
        return None
    r = detector_rate_scores(sc, rate_kernel)
    sums[p + "rate"][b] += r.sum()
    sums[p + "rate2"][b] += (r * r).sum()
    return r


def straight_line_estimates(sums: dict[str, np.ndarray], n: int, speed_edges: np.ndarray,
                            prefix: str = "") -> dict[str, np.ndarray]:
    """Density and flux ratios, mean detector speed and speed densities from straight-line sums.

    Returns arrays per time bin (T,) or (T, B), each with its MC error (``*_err``):
    density_ratio [1], flux_ratio [1] (delta method on E[b]/E[c]), mean_speed = E[b]/E[a]
    [km/s] (delta method; NaN where nothing arrived), speed_density and free_speed_density,
    dn/dv / n_inf at the detector and of the free halo [(km/s)^-1], stopped_fraction (by
    number, of the free density) [1], and flux_numerator E[v_s; arrived] [km/s].
    """
    p = prefix
    a, a2, b, b2, ab = (sums[p + k] for k in ("a", "a2", "b", "b2", "ab"))
    c, c2, bc = (sums[p + k] for k in ("c", "c2", "bc"))
    width = np.diff(speed_edges)
    out: dict[str, np.ndarray] = {}
    out["density_ratio"] = a / n
    out["density_ratio_err"] = np.sqrt(np.maximum(a2 - a * a / n, 0.0)) / n
    out["flux_numerator"] = b / n
    out["flux_numerator_err"] = np.sqrt(np.maximum(b2 - b * b / n, 0.0)) / n
    ratio = b / c
    out["flux_ratio"] = ratio
    out["flux_ratio_err"] = np.sqrt(np.maximum(b2 - 2 * ratio * bc + ratio**2 * c2, 0.0)) / c
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(a > 0, b / a, np.nan)
        var = np.maximum(b2 - 2 * mean * ab + mean**2 * a2, 0.0) / (a * a)
    out["mean_speed"] = mean
    out["mean_speed_err"] = np.where(a > 0, np.sqrt(var), np.nan)
    h, h2, fh = sums[p + "hist"], sums[p + "hist2"], sums[p + "free_hist"]
    out["speed_density"] = h / (n * width)
    out["speed_density_err"] = np.sqrt(np.maximum(h2 - h * h / n, 0.0)) / (n * width)
    out["free_speed_density"] = fh / (n * width)
    out["free_speed_density_err"] = np.sqrt(np.maximum(fh - fh * fh / n, 0.0)) / (n * width)
    out["stopped_fraction"] = sums[p + "stopped"] / n
    return out


def straight_line_average(slowing: "ContinuousSlowing", detector_km: np.ndarray,
                          velocities: np.ndarray, v_cut: float, speed_edges: np.ndarray
                          ) -> dict[str, Any]:
    """:func:`straight_line_estimates` of one sample of velocities drawn from the halo (not flux
    weighted) [km/s], in the frame of ``detector_km`` [km]: scalars and (B,) arrays."""
    edges = np.asarray(speed_edges, dtype=float)
    v = np.asarray(velocities, dtype=float)
    sums = _new_line_sums(1, edges.size - 1)
    _accumulate_line(sums, 0, score_straight_lines(slowing, detector_km, v, v_cut), edges)
    est = straight_line_estimates(sums, len(v), edges)
    return {k: (float(x[0]) if x.ndim == 1 else x[0]) for k, x in est.items()}


def flux_weighted_velocities(halo, u_earth: np.ndarray, n: int, rng: np.random.Generator
                             ) -> np.ndarray:
    """``n`` lab velocities v = v_gal - u_E with density f(v)|v|/<|v|> (the flux through a
    surface, all directions), by thinning halo draws with acceptance |v|/(v_esc + |u_E|) [km/s].

    Parameters
    ----------
    halo : StandardHaloModel; u_earth : (3,) Earth velocity, galactic [km/s]; n : count;
    rng : numpy Generator (advanced in place)
    """
    u = np.asarray(u_earth, dtype=float)
    v_max = halo.v_esc + float(np.linalg.norm(u))
    parts: list[np.ndarray] = []
    have = 0
    while have < n:
        m = int(2.6 * (n - have)) + 64
        v = halo.sample(m, rng) - u
        speed = np.sqrt(np.einsum("ij,ij->i", v, v))
        keep = rng.random(m) * v_max < speed
        parts.append(v[keep])
        have += int(keep.sum())
    return np.concatenate(parts)[:n]


def random_orientations(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each vector turned by its own uniformly random rotation (unit quaternions from 4-D
    normal draws): averaging over them is averaging over detector positions on a sphere."""
    from scipy.spatial.transform import Rotation

    q = rng.normal(size=(len(vectors), 4))
    return Rotation.from_quat(q).apply(np.asarray(vectors, dtype=float))


def free_speed_density(halo, u_speed: float, edges: np.ndarray) -> np.ndarray:
    """Bin averages of the lab-frame speed density of the free halo [(km/s)^-1]
    (:meth:`~mcdm.source.halo.StandardHaloModel.lab_speed_pdf`, adaptive quadrature per bin)."""
    from scipy import integrate

    e = np.asarray(edges, dtype=float)
    out = np.empty(e.size - 1)
    for i, (lo, hi) in enumerate(zip(e[:-1], e[1:])):
        out[i] = integrate.quad(lambda v: float(halo.lab_speed_pdf(v, u_speed)), lo, hi,
                                epsabs=0.0, epsrel=1e-9, limit=100)[0] / (hi - lo)
    return out


def slowing_for_sigma(job: TransportJob, context: dict[str, Any], sigma_p: float) -> "ContinuousSlowing":
    """The job's continuous slowing-down (same world, overburden and speed grid) at another
    spin-independent cross section ``sigma_p`` [cm^2] (the blind-spot scan)."""
    import dataclasses

    from mcdm.transport.continuous import ContinuousSlowing

    interaction = dataclasses.replace(context["interaction"], sigma_p_cm2=float(sigma_p))
    return ContinuousSlowing(interaction, context["world_shells"], job.slowing.tables.v_grid,
                             overburden=context["overburden_slabs"])


# --------------------------------------------------------------------------- scenario interface


def _detector_depth_km(cfg: RunConfig, site) -> float:
    depth = cfg.transport.detector_depth_km()
    return float(site.depth_km) if depth is None else depth


def compile_job(cfg: RunConfig) -> tuple[TransportJob, dict[str, Any]]:
    """Resolve the config: frames (astropy), world shells, interaction tables, importance map."""
    from mcdm.physics.interaction import DEFAULT_V_MAX_KM_S, default_v_grid
    from mcdm.rng import shard_sizes
    from mcdm.scenarios.common import resolve_site_frames
    from mcdm.transport.continuous import ContinuousSlowing

    t = cfg.transport
    world = resolve_site_frames(cfg)
    earth = world.earth
    overburden = _slab_overburden(cfg, world.site)
    if overburden is None:
        depth = _detector_depth_km(cfg, world.site)
        if not depth < earth.radius:
            raise ConfigError(f"transport.detector_depth: {depth:g} km is not inside the Earth "
                              f"model {earth.name!r} (radius {earth.radius:g} km)")
        r_det = earth.radius - depth
    else:  # flat slabs above a detector at the Earth's surface point (planar approximation)
        depth = overburden.total_thickness
        r_det = earth.radius
    shells = build_world(earth, cfg.earth.max_shell_thickness, t.atmosphere)
    interaction = build_interaction(cfg)
    u_norm = np.linalg.norm(world.u_earth, axis=1)
    v_top = max(DEFAULT_V_MAX_KM_S, 1.05 * (cfg.halo.v_esc + float(u_norm.max())))
    # tables on the union of the world's and the slabs' nuclides
    slowing = ContinuousSlowing(interaction, shells, default_v_grid(v_max=v_top),
                                overburden=overburden)
    tables = slowing.tables
    halo = world.halo
    mean_u = world.u_earth.mean(axis=0)
    if t.method == "discrete":  # one Earth speed: its mean over the grid
        free_mean = np.array([halo.mean_speed(float(u_norm.mean()))])
    else:
        free_mean = np.array([halo.mean_speed(float(u)) for u in u_norm])
    thickness = max(SHELL_FRACTION * depth, MIN_SHELL_KM)
    importance = None
    if t.tracks and t.method != "discrete":
        raise ConfigError(f"transport.tracks = {t.tracks}: trajectories are recorded by the "
                          "discrete method only; set transport.method = 'discrete' or tracks = 0")
    if t.method == "discrete" and t.importance == "auto" and overburden is None:
        importance = _tune_importance(cfg, tables, shells, r_det, halo, mean_u, thickness,
                                      float(free_mean[0]))
    job = TransportJob(
        seed=cfg.run.seed,
        n_shards=cfg.run.shards,
        shard_sizes=shard_sizes(cfg.run.samples, cfg.run.shards),
        method=t.method,
        v0=cfg.halo.v0,
        v_esc=cfg.halo.v_esc,
        number_density=halo.number_density(cfg.dark_matter.mass),
        mass=cfg.dark_matter.mass,
        u_earth=world.u_earth,
        rotations=world.rotations,
        detector_position=np.array([0.0, 0.0, r_det]),
        bin_edges_mjd=world.bin_edges_mjd,
        speed_edges=np.linspace(0.0, t.speed_max, t.speed_bins + 1),
        v_cut=t.v_cut,
        free_mean_speed=free_mean,
        mean_earth_velocity=mean_u,
        slowing=slowing,
        importance=importance,
        detector_thickness_km=thickness,
        rings=t.rings if t.method == "discrete" else 1,
        rate_kernel=_rate_kernel(cfg, v_top),
    )
    context = {"halo": halo, "site": world.site, "earth": earth, "grid": world.grid,
               "depth_km": depth, "interaction": interaction, "shells": slowing.shells,
               "overburden": None if overburden is None else t.overburden.strip(),
               "overburden_slabs": overburden, "world_shells": shells}
    if t.method == "discrete" and overburden is not None:  # planar discrete MC
        from mcdm.scenarios.transport_planar import compile_planar

        job = compile_planar(cfg, job, context)
    return job, context


#: nodes of the detector-rate kernel and of eta(v_min) per km/s of the table's top speed
_RATE_NODES = 2001


def _rate_kernel(cfg: RunConfig, v_top: float):
    """(v grid [km/s], K [events/(kg day)]) of [transport] target/threshold, or None without a target."""
    from mcdm.physics.recoil import threshold_rate_kernel

    t = cfg.transport
    if not t.target.strip():
        return None
    if t.model != "spin_independent":
        raise ConfigError("transport.target: the nuclear-recoil rate needs model = 'spin_independent'")
    if t.method != "continuous":
        raise ConfigError("transport.target: the detector rate is computed by method = 'continuous' "
                          "(per-particle speeds at the detector)")
    grid = np.linspace(0.0, v_top, _RATE_NODES)
    kernel = threshold_rate_kernel(grid, t.threshold * 1e6, t.target.strip(), cfg.dark_matter.mass, t.sigma_p,
                                   cfg.halo.rho, t.form_factor)
    return grid, kernel


def _slab_overburden(cfg: RunConfig, site):
    """The ``[transport] overburden`` as compiled flat slabs, or None for ``"site"``.

    A ``"layers"`` overburden is its own stack (the detector at its bottom, so
    ``detector_depth`` must be ``"site"``); a ``"flat"`` one (e.g. ``"standard_rock"``) becomes
    one slab as thick as the detector depth (the site's, or ``detector_depth``) [km].
    """
    from mcdm.errors import McdmError
    from mcdm.geometry import library

    t = cfg.transport
    name = t.overburden.strip()
    if name.lower() == "site":
        return None
    where = f"transport.overburden = {t.overburden!r}"
    try:
        entry = library.load_overburden(name)
    except McdmError as err:
        raise ConfigError(f"{where}: {err}") from None
    if entry.kind == "flat":
        depth = _detector_depth_km(cfg, site)
    else:
        if t.detector_depth_km() is not None:
            raise ConfigError(f"{where} is a stack {entry.thickness_km:g} km thick that sets the "
                              f"detector depth; transport.detector_depth = "
                              f"{t.detector_depth!r} must be 'site'")
        depth = None
    try:
        return entry.compile(depth)
    except McdmError as err:
        raise ConfigError(f"{where}: {err}") from None


def _tune_importance(cfg: RunConfig, tables: "InteractionTables", shells: "CompiledShells",
                     r_det: float, halo, mean_u: np.ndarray, thickness: float,
                     mean_speed: float) -> "ImportanceMap":
    """Pilot-tuned splitting map (deterministic in the seed; see tune_importance)."""
    from mcdm.transport.discrete import entry_points, tune_importance

    rng = np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(cfg.run.seed, spawn_key=(PILOT_SPAWN_KEY,))))
    n = min(PILOT_PRIMARIES, cfg.run.samples)
    vel = flux_weighted_velocities(halo, mean_u, max(n, 2), rng)
    pos = entry_points(vel, float(shells.outer_radii[-1]), rng)
    return tune_importance(tables, shells, r_det, pos, vel, rng, cfg.transport.v_cut,
                           detector_thickness_km=thickness, mean_speed_km_s=mean_speed)


def _chunk_sizes(n: int) -> list[int]:
    """Near-equal chunks of at most CHUNK (each >= 2 when n >= 2)."""
    k = max(1, math.ceil(n / CHUNK))
    return [len(c) for c in np.array_split(np.arange(n), k)]


def simulate_shard(job: TransportJob, shard: int) -> TransportSums:
    """Score shard ``shard`` of the job."""
    if job.planar is not None:
        from mcdm.scenarios.transport_planar import simulate_planar_shard

        return simulate_planar_shard(job, shard)
    if job.method == "discrete":
        return _simulate_discrete(job, shard)
    return _simulate_continuous(job, shard)


def _simulate_continuous(job: TransportJob, shard: int) -> TransportSums:
    from mcdm.physics.recoil import inverse_speed_sums
    from mcdm.rng import shard_streams
    from mcdm.source import StandardHaloModel

    (rng,) = shard_streams(job.seed, job.n_shards, shard, 1)
    halo = StandardHaloModel(v0=job.v0, v_esc=job.v_esc)
    n_total = int(job.shard_sizes[shard])
    n_bins = job.u_earth.shape[0]
    edges = job.speed_edges
    sums = _new_line_sums(n_bins, edges.size - 1)
    for k in ("day_a", "day_a2", "day_rate", "day_rate2"):
        sums[k] = np.zeros(1)
    eta_grid = None if job.rate_kernel is None else job.rate_kernel[0]
    if eta_grid is not None:  # day-averaged eta(v_min) for the recoil spectrum
        sums["eta"], sums["eta2"] = np.zeros(eta_grid.size), np.zeros(eta_grid.size)
    for n in _chunk_sizes(n_total):
        v_gal = halo.sample(n, rng)
        per_history = np.zeros(n)
        rate_history = np.zeros(n)
        for b in range(n_bins):
            v_enu = (v_gal - job.u_earth[b]) @ job.rotations[b].T  # lab, local ENU
            sc = score_straight_lines(job.slowing, job.detector_position, v_enu, job.v_cut)
            r = _accumulate_line(sums, b, sc, edges, rate_kernel=job.rate_kernel)
            per_history += sc.density_weight
            if r is not None:
                rate_history += r
                s1, s2 = inverse_speed_sums(sc.detector_speed, sc.density_weight, eta_grid)
                sums["eta"] += s1
                sums["eta2"] += s2
        sums["day_a"] += per_history.sum()
        sums["day_a2"] += (per_history * per_history).sum()
        sums["day_rate"] += rate_history.sum()
        sums["day_rate2"] += (rate_history * rate_history).sum()
    return TransportSums(n=n_total, sums=sums)


_DISCRETE_SCALARS = ("density_ratio", "flux_ratio", "free_density_ratio", "transmitted",
                     "reflected", "stopped", "truncated", "mean_scatters")


def discrete_wind_velocity(job: TransportJob) -> np.ndarray:
    """The Earth's velocity in the frame of the discrete simulation [km/s]: (0, 0, <|u_E|>).

    The DM wind (mean lab velocity -u_E) then blows along -z: the particles come on average from
    +z, the axis of the isodetection rings. |u_E| is its mean over the time grid (it changes by
    < 0.1 % within a day; over a year by about +-15 km/s, which this approximation ignores).
    """
    return np.array([0.0, 0.0, float(np.linalg.norm(job.u_earth, axis=1).mean())])


def _simulate_discrete(job: TransportJob, shard: int) -> TransportSums:
    from mcdm.rng import shard_streams
    from mcdm.source import StandardHaloModel
    from mcdm.transport.discrete import entry_points, simulate_discrete

    rng_primary, rng_transport, rng_line = shard_streams(job.seed, job.n_shards, shard, 3)
    halo = StandardHaloModel(v0=job.v0, v_esc=job.v_esc)
    n_total = int(job.shard_sizes[shard])
    edges = job.speed_edges
    n_speed = edges.size - 1
    shells = job.slowing.shells
    radius = float(shells.outer_radii[-1])
    r_det = float(job.detector_position[2])
    u = discrete_wind_velocity(job)
    n_rings = int(job.rings)
    sums = _new_line_sums(1, n_speed, prefix="line_")
    for k in _DISCRETE_SCALARS:
        sums[k] = np.zeros(1)
        sums[k + "_var"] = np.zeros(1)
    for k in ("speed_density", "free_speed_density"):
        sums[k] = np.zeros(n_speed)
        sums[k + "_var"] = np.zeros(n_speed)
    for k in ("ring_density", "ring_flux"):
        sums[k] = np.zeros(n_rings)
        sums[k + "_var"] = np.zeros(n_rings)
    sums["ring_speed_density"] = np.zeros((n_rings, n_speed))
    sums["ring_speed_density_var"] = np.zeros((n_rings, n_speed))
    sums["scatter_events"] = np.zeros(1)
    sums["tracks"] = np.zeros(1)
    for n in _chunk_sizes(n_total):
        vel = flux_weighted_velocities(halo, u, n, rng_primary)
        pos = entry_points(vel, radius, rng_primary)
        res = simulate_discrete(job.slowing.tables, shells, r_det, pos, vel, rng_transport, edges,
                                job.v_cut, job.importance,
                                detector_thickness_km=job.detector_thickness_km,
                                mean_speed_km_s=float(job.free_mean_speed[0]), rings=n_rings)
        for k in _DISCRETE_SCALARS:
            est = getattr(res, k)
            sums[k] += n * est.value
            sums[k + "_var"] += (n * est.error) ** 2
        sums["speed_density"] += n * res.speed_density
        sums["speed_density_var"] += (n * res.speed_density_error) ** 2
        sums["free_speed_density"] += n * res.free_speed_density
        for k in ("ring_density", "ring_flux", "ring_speed_density"):
            sums[k] += n * getattr(res, k)
            sums[k + "_var"] += (n * getattr(res, k + "_error")) ** 2
        sums["scatter_events"] += res.scatter_events
        sums["tracks"] += res.tracks
        # straight-line estimate of the same shell average: halo velocities, random orientations
        v_line = random_orientations(halo.sample(n, rng_line) - u, rng_line)
        sc = score_straight_lines(job.slowing, job.detector_position, v_line, job.v_cut)
        _accumulate_line(sums, 0, sc, edges, prefix="line_")
    return TransportSums(n=n_total, sums=sums)


# --------------------------------------------------------------------------- results


def _discrete_estimates(total: TransportSums) -> dict[str, Any]:
    n = total.n
    s = total.sums
    out: dict[str, Any] = {}
    for k in _DISCRETE_SCALARS:
        out[k] = float(s[k][0] / n)
        out[k + "_err"] = float(math.sqrt(s[k + "_var"][0]) / n)
    out["speed_density"] = s["speed_density"] / n
    out["speed_density_err"] = np.sqrt(s["speed_density_var"]) / n
    out["free_speed_density"] = s["free_speed_density"] / n
    out["scatter_events"] = int(round(float(s["scatter_events"][0])))
    out["tracks"] = int(round(float(s["tracks"][0])))
    for k in ("ring_density", "ring_flux", "ring_speed_density"):
        out[k] = s[k] / n
        out[k + "_err"] = np.sqrt(s[k + "_var"]) / n
    return out


def discrete_time_bins(job: TransportJob, total: TransportSums) -> dict[str, np.ndarray]:
    """Per time bin of a discrete run, from its isodetection rings.

    cos Theta(t) = sin(altitude of the direction the DM wind comes from, +u_E) at the site: the
    angle between the detector's position vector (local up) and the wind axis. The ring values
    are interpolated linearly in cos Theta between ring centres
    (:func:`mcdm.transport.discrete.interpolate_rings`; ring errors taken as independent).

    Returns arrays (T,) or (T, B): ``cos_theta`` [1], ``weights`` (T, N) the interpolation
    weights, ``density_ratio``, ``flux_ratio`` [1], ``mean_speed`` = flux/density x <v>_free
    [km/s], ``speed_density`` [(km/s)^-1], each with ``*_err``.
    """
    from mcdm.scenarios.halo_flux import wind_altitude_deg
    from mcdm.transport.discrete import interpolate_rings, ring_weights

    est = _discrete_estimates(total)
    cos_theta = np.sin(np.radians(wind_altitude_deg(job)))
    out: dict[str, np.ndarray] = {"cos_theta": cos_theta,
                                  "weights": ring_weights(cos_theta, int(job.rings))}
    for key, ring in (("density_ratio", "ring_density"), ("flux_ratio", "ring_flux"),
                      ("speed_density", "ring_speed_density")):
        out[key], out[key + "_err"] = interpolate_rings(est[ring], est[ring + "_err"], cos_theta)
    free = float(job.free_mean_speed[0])
    rho, phi = out["density_ratio"], out["flux_ratio"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = rho > 0
        mean = np.where(ok, phi / np.where(ok, rho, 1.0) * free, 0.0)
        rel = np.hypot(out["flux_ratio_err"] / np.where(phi > 0, phi, 1.0),
                       out["density_ratio_err"] / np.where(ok, rho, 1.0))
    out["mean_speed"] = mean
    out["mean_speed_err"] = np.where(ok & (phi > 0), mean * rel, 0.0)
    return out


def _ratio_err(x: float, dx: float, y: float, dy: float) -> float:
    return abs(x / y) * math.hypot(dx / x, dy / y) if x and y else float("nan")


def relative_errors(job: TransportJob, total: TransportSums) -> np.ndarray:
    """Relative MC error of the density ratio per time bin (``discrete``: read from the rings,
    :func:`discrete_time_bins`; with overburden slabs the planar sum, :func:`~mcdm.scenarios.transport_planar.planar_time_bins`);
    ``inf`` where nothing reached the detector."""
    if job.planar is not None:
        from mcdm.scenarios.transport_planar import planar_relative_errors

        return planar_relative_errors(job, total)
    if job.method == "discrete":
        est = discrete_time_bins(job, total)
        value, err = est["density_ratio"], est["density_ratio_err"]
    else:
        est = straight_line_estimates(total.sums, total.n, job.speed_edges)
        value, err = est["density_ratio"], est["density_ratio_err"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(value > 0, err / np.where(value > 0, value, 1.0), np.inf)


def _interaction_summary(cfg: RunConfig, interaction) -> dict[str, Any]:
    t = cfg.transport
    if t.model == "drag":
        return {"model": "drag", "mass_GeV": interaction.mass_gev, "mass_kg": interaction.mass_kg,
                "radius_cm": interaction.radius_cm, "drag_coefficient": interaction.drag_coefficient,
                "e_folding_column_g_cm2": interaction.e_folding_column_g_cm2}
    return {"model": "spin_independent", "m_chi_GeV": interaction.m_chi_gev,
            "sigma_p_cm2": interaction.sigma_p_cm2, "form_factor": interaction.form_factor}


def _common_summary(cfg: RunConfig, job: TransportJob, context: dict[str, Any],
                    total: TransportSums) -> dict[str, Any]:
    edges = job.speed_edges
    return {
        "name": cfg.run.name,
        "scenario": cfg.run.scenario,
        "method": job.method,
        "site": context["site"].name,
        "detector_depth_km": context["depth_km"],
        "detector_radius_km": float(job.detector_position[2]),
        "earth_model": context["earth"].name,
        "atmosphere": ATMOSPHERE if cfg.transport.atmosphere else None,
        "interaction": _interaction_summary(cfg, context["interaction"]),
        "v_cut_km_s": job.v_cut,
        "histories": int(total.n),
        "speed_edges_km_s": edges.tolist(),
    }


def report(cfg: RunConfig, job: TransportJob, context: dict[str, Any], total: TransportSums,
           outdir) -> list[str]:
    """Write tallies, summary.json and the figure of a finished run; return the file names."""
    if job.planar is not None:
        from mcdm.scenarios.transport_planar import report_planar

        return report_planar(cfg, job, context, total, outdir)
    if job.method == "discrete":
        return _report_discrete(cfg, job, context, total, outdir)
    return _report_continuous(cfg, job, context, total, outdir)


def _fill(tally, values: np.ndarray, sum_w2: np.ndarray) -> None:
    view = tally.histogram.view()
    view["value"] = values
    view["variance"] = sum_w2


def _history_variance(value, err, n: int) -> np.ndarray:
    """Variance column of a tally of ``n`` histories whose history-mode errors are ``err``."""
    return np.asarray(err) ** 2 + np.asarray(value) ** 2 / n


def _save_time_tallies(outdir, job: TransportJob, n: int, density, flux, speed) -> list[str]:
    """Write density.json (n_det/n_free), flux.json [cm^-2 s^-1] per time bin and
    speed_density.json [(km/s)^-1] per time and speed bin; each given as (values, variance
    column). Returns the file names."""
    from mcdm.tally import Tally, time_axis

    t_axis = time_axis(job.bin_edges_mjd)
    speed_axis = _speed_axis(job.speed_edges)
    dens = Tally(t_axis, quantity="density ratio n_det/n_free", unit="", n_histories=n)
    _fill(dens, *density)
    flux_tally = Tally(t_axis, quantity="underground flux", unit="cm^-2 s^-1", n_histories=n)
    _fill(flux_tally, *flux)
    spec = Tally(t_axis, speed_axis, quantity="speed density dn/dv / n_free at the detector",
                 unit="(km/s)^-1", n_histories=n)
    _fill(spec, *speed)
    names = ["density.json", "flux.json", "speed_density.json"]
    for name, tally in zip(names, (dens, flux_tally, spec)):
        tally.save(outdir / name)
    return names


def _speed_axis(edges: np.ndarray):
    """Tally axis of the speed at the detector over the histogram ``edges`` [km/s]."""
    from mcdm.tally import regular_axis

    return regular_axis(edges.size - 1, float(edges[0]), float(edges[-1]), "speed",
                        "Speed at the detector", "km/s")


def _bin_hours(job: TransportJob) -> np.ndarray:
    """Centres of the time bins in hours since the start [h]."""
    t0 = job.bin_edges_mjd[0]
    return ((job.bin_edges_mjd[:-1] + job.bin_edges_mjd[1:]) / 2.0 - t0) * 24.0


def _modulation(x: np.ndarray) -> float:
    """(max - min) / (max + min) over the bins [1] (0 when nothing arrives)."""
    return float((x.max() - x.min()) / (x.max() + x.min())) if x.max() > 0 else 0.0


def _report_continuous(cfg, job, context, total, outdir) -> list[str]:
    from pathlib import Path

    from astropy.time import Time

    from mcdm.io import write_summary
    from mcdm.scenarios.halo_flux import wind_altitude_deg

    outdir = Path(outdir)
    n = total.n
    s = total.sums
    edges = job.speed_edges
    width = np.diff(edges)
    est = straight_line_estimates(s, n, edges)

    # tallies: weights carry 1/N (history-mode errors are the MC errors)
    flux_scale = job.number_density * KM_TO_CM / n  # [cm^-3] x [km/s -> cm/s] / N
    scale = 1.0 / (n * width)
    written = _save_time_tallies(outdir, job, n, (s["a"] / n, s["a2"] / n**2),
                                 (flux_scale * s["b"], flux_scale**2 * s["b2"]),
                                 (s["hist"] * scale, s["hist2"] * scale**2))

    hours = _bin_hours(job)
    alt = wind_altitude_deg(job)
    rho, rho_err = est["density_ratio"], est["density_ratio_err"]
    n_bins = rho.size
    day = float(s["day_a"][0] / (n * n_bins))
    day_err = float(math.sqrt(max(s["day_a2"][0] - s["day_a"][0] ** 2 / n, 0.0)) / (n * n_bins))
    day_flux = float(np.mean(est["flux_ratio"]))
    day_flux_err = float(np.mean(est["flux_ratio_err"]))  # bins share histories: a bound
    day_speed = est["speed_density"].mean(axis=0)
    day_speed_err = est["speed_density_err"].mean(axis=0)
    halo = context["halo"]
    u_mean = float(np.linalg.norm(job.u_earth, axis=1).mean())
    free_pdf = free_speed_density(halo, u_mean, edges)
    i_min, i_max, i_alt = int(np.argmin(rho)), int(np.argmax(rho)), int(np.argmin(alt))
    modulation = _modulation(rho)
    abs_flux = est["flux_numerator"] * job.number_density * KM_TO_CM
    abs_flux_err = est["flux_numerator_err"] * job.number_density * KM_TO_CM
    summary = _common_summary(cfg, job, context, total)
    summary.update({
        "units": {"density_ratio": "1 (n_det / n_free)", "flux_ratio": "1 (Phi_det / Phi_free)",
                  "flux": "cm^-2 s^-1", "speed": "km/s", "speed_density": "(km/s)^-1 (dn/dv / n_free)",
                  "altitude": "deg", "earth_speed": "km/s", "time": "UTC", "hours": "h",
                  "depth": "km"},
        "bins": {
            "start_utc": [t.isot for t in Time(job.bin_edges_mjd[:-1], format="mjd", scale="utc")],
            "hours_since_start": hours.tolist(),
            "density_ratio": rho.tolist(),
            "density_ratio_err": rho_err.tolist(),
            "flux_ratio": est["flux_ratio"].tolist(),
            "flux_ratio_err": est["flux_ratio_err"].tolist(),
            "flux": abs_flux.tolist(),
            "flux_err": abs_flux_err.tolist(),
            "free_flux": (job.number_density * job.free_mean_speed * KM_TO_CM).tolist(),
            "mean_speed": np.nan_to_num(est["mean_speed"], nan=0.0).tolist(),
            "mean_speed_err": np.nan_to_num(est["mean_speed_err"], nan=0.0).tolist(),
            "free_mean_speed": job.free_mean_speed.tolist(),
            "stopped_fraction": est["stopped_fraction"].tolist(),
            "wind_origin_altitude": alt.tolist(),
            "earth_speed": np.linalg.norm(job.u_earth, axis=1).tolist(),
        },
        "daily": {
            "density_ratio": day,
            "density_ratio_err": day_err,
            "flux_ratio": day_flux,
            "flux_ratio_err": day_flux_err,
            "speed_density": day_speed.tolist(),
            "speed_density_err": day_speed_err.tolist(),
            "free_speed_density_analytic": free_pdf.tolist(),
            "free_speed_density_mc": est["free_speed_density"].mean(axis=0).tolist(),
        },
        "density_modulation": modulation,
        "hour_of_min_density": float(hours[i_min]),
        "hour_of_max_density": float(hours[i_max]),
        "hour_of_lowest_wind_origin": float(hours[i_alt]),
        "headline": {
            "daily density ratio n_det/n_free": f"{day:.5g} ± {day_err:.2g}",
            "daily flux ratio Phi_det/Phi_free": f"{day_flux:.5g} ± {day_flux_err:.2g}",
            "density ratio min / max over the day": f"{rho.min():.4g} / {rho.max():.4g} "
                                                    f"(modulation {modulation:.3g})",
            "hour of min density / of lowest DM-wind origin [h]":
                f"{hours[i_min]:.1f} / {hours[i_alt]:.1f}",
        },
    })
    if job.rate_kernel is not None:
        summary["detector"] = _detector_rate(cfg, job, context, total, outdir, written)
        summary["headline"]["detector rate above threshold (day) [events/(kg day)]"] = (
            f"{summary['detector']['daily_rate']:.4g} ± {summary['detector']['daily_rate_err']:.2g} "
            f"(free halo {summary['detector']['daily_free_rate']:.4g})")
    write_summary(outdir / "summary.json", summary)  # stamped with its schema version
    written.append("summary.json")

    if cfg.output.plot:
        title = (f"{cfg.run.name}: {context['site'].name}, depth {context['depth_km']:g} km, "
                 f"{cfg.time.start[:10]}")
        _plot_continuous(outdir / "transport.png", hours, est, alt, edges, day_speed, day_speed_err,
                         free_pdf, i_min, i_max, title)
        written.append("transport.png")
    return written


#: log-spaced recoil energies of the day-averaged spectrum, from 0.1 x threshold to the largest recoil [1]
_SPECTRUM_POINTS = 200


def _detector_rate(cfg: RunConfig, job: TransportJob, context: dict[str, Any], total: TransportSums,
                   outdir, written: list[str]) -> dict[str, Any]:
    """Detector rate above threshold per bin and per day (unbinned per-particle estimator), the
    free-halo rate (closed-form eta), and the day-averaged recoil spectrum (recoil_spectrum.json, and
    recoil.png when plotting)."""
    from mcdm.io import atomic_write_json
    from mcdm.physics.recoil import EtaTable, max_recoil_kev, rate_above_threshold, recoil_spectrum

    t = cfg.transport
    n, s = total.n, total.sums
    n_bins = job.u_earth.shape[0]
    grid = job.rate_kernel[0]
    thr = t.threshold * 1e6
    rate = s["rate"] / n
    rate_err = np.sqrt(np.maximum(s["rate2"] - s["rate"] ** 2 / n, 0.0)) / n
    day = float(s["day_rate"][0] / (n * n_bins))
    day_err = float(math.sqrt(max(s["day_rate2"][0] - s["day_rate"][0] ** 2 / n, 0.0)) / (n * n_bins))
    halo = context["halo"]
    args = (t.target, cfg.dark_matter.mass, t.sigma_p, cfg.halo.rho, t.form_factor)
    free_eta = [EtaTable.from_halo(halo, float(np.linalg.norm(u)), grid) for u in job.u_earth]
    free = np.array([rate_above_threshold(thr, e, *args) for e in free_eta])
    eta_day = EtaTable.from_sums(grid, s["eta"], s["eta2"], n * n_bins)
    eta_free = EtaTable(grid, np.mean([e.eta for e in free_eta], axis=0), np.zeros_like(grid))
    m = cfg.dark_matter.mass
    e_max = max_recoil_kev(float(grid[-1]), m, t.target)
    energies = np.geomspace(0.1 * thr, max(e_max, 1.01 * thr), _SPECTRUM_POINTS)
    spectrum = recoil_spectrum(energies, eta_day, *args)
    spectrum_free = recoil_spectrum(energies, eta_free, *args)
    atomic_write_json(outdir / "recoil_spectrum.json", {
        "units": {"energy": "keV", "dR_dE": "events / (kg day keV)"}, "target": t.target,
        "threshold_keV": thr, "energy_keV": energies.tolist(), "dR_dE": spectrum.tolist(),
        "dR_dE_free": spectrum_free.tolist(),
        "note": "day average; eta from the straight-line detector speeds with weight v_s/v_d"})
    written.append("recoil_spectrum.json")
    if cfg.output.plot:
        _plot_recoil(outdir / "recoil.png", energies, spectrum, spectrum_free, thr,
                     f"{cfg.run.name}: {t.target}, m = {m:g} GeV, sigma_p = {t.sigma_p:g} cm2")
        written.append("recoil.png")
    return {"target": t.target, "threshold_keV": thr, "exposure_kg_day": t.exposure,
            "units": {"rate": "events / (kg day)", "events": "1 (in the exposure)"},
            "rate_per_bin": rate.tolist(), "rate_per_bin_err": rate_err.tolist(),
            "free_rate_per_bin": free.tolist(), "daily_rate": day, "daily_rate_err": day_err,
            "daily_free_rate": float(free.mean()), "suppression": day / float(free.mean()) if free.mean() > 0 else 0.0,
            "expected_events": day * t.exposure, "expected_events_err": day_err * t.exposure,
            "free_expected_events": float(free.mean()) * t.exposure}


def _plot_recoil(path, energies, spectrum, free, threshold_kev, title) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    ax.plot(energies, free, color="0.5", ls="--", label="free halo")
    ax.plot(energies, spectrum, color="C0", label="at the detector")
    ax.axvline(threshold_kev, color="C3", lw=1, label="threshold")
    positive = np.concatenate([spectrum[spectrum > 0], free[free > 0]])
    ax.set(xscale="log", yscale="log", xlabel="recoil energy E_R [keV]", ylabel="dR/dE_R [events / (kg day keV)]",
           title=title)
    if positive.size:
        ax.set_ylim(positive.max() * 1e-6, positive.max() * 3)
    ax.legend(fontsize=8)
    _save(fig, path)


def _report_discrete(cfg, job, context, total, outdir) -> list[str]:
    from pathlib import Path

    from astropy.time import Time

    from mcdm.io import write_summary
    from mcdm.scenarios.halo_flux import wind_altitude_deg
    from mcdm.tally import Tally, regular_axis
    from mcdm.transport.discrete import ring_centres, ring_edges

    outdir = Path(outdir)
    n = total.n
    edges = job.speed_edges
    n_rings = int(job.rings)
    est = _discrete_estimates(total)
    tb = discrete_time_bins(job, total)
    line = {k: v[0] for k, v in straight_line_estimates(total.sums, n, edges, "line_").items()}
    u_speed = float(discrete_wind_velocity(job)[2])
    free_pdf = free_speed_density(context["halo"], u_speed, edges)
    free = float(job.free_mean_speed[0])

    # per time bin (from the rings)
    flux_scale = job.number_density * free * KM_TO_CM  # Phi_free [cm^-2 s^-1]
    flux_abs, flux_abs_err = flux_scale * tb["flux_ratio"], flux_scale * tb["flux_ratio_err"]
    rho, rho_err = tb["density_ratio"], tb["density_ratio_err"]
    speed, speed_err = tb["speed_density"], tb["speed_density_err"]
    written = _save_time_tallies(outdir, job, n, (rho, _history_variance(rho, rho_err, n)),
                                 (flux_abs, _history_variance(flux_abs, flux_abs_err, n)),
                                 (speed, _history_variance(speed, speed_err, n)))
    # per ring; the cos(Theta) axis ascends, ring 0 (cos Theta = 1) is its last bin
    cos_axis = regular_axis(n_rings, -1.0, 1.0, "cos_theta",
                            "cos of the angle between detector and DM-wind origin", "")
    ring_dens = Tally(cos_axis, quantity="density ratio n_det/n_free per isodetection ring",
                      unit="", n_histories=n)
    _fill(ring_dens, est["ring_density"][::-1],
          _history_variance(est["ring_density"], est["ring_density_err"], n)[::-1])
    ring_flux = Tally(cos_axis, quantity="flux ratio Phi_det/Phi_free per isodetection ring",
                      unit="", n_histories=n)
    _fill(ring_flux, est["ring_flux"][::-1],
          _history_variance(est["ring_flux"], est["ring_flux_err"], n)[::-1])
    ring_spec = Tally(cos_axis, _speed_axis(edges), quantity="speed density dn/dv / n_free per "
                      "isodetection ring", unit="(km/s)^-1", n_histories=n)
    _fill(ring_spec, est["ring_speed_density"][::-1],
          _history_variance(est["ring_speed_density"], est["ring_speed_density_err"], n)[::-1])
    for name, tally in (("ring_density.json", ring_dens), ("ring_flux.json", ring_flux),
                        ("ring_speed_density.json", ring_spec)):
        tally.save(outdir / name)
        written.append(name)

    # daily mean at the site: mean over the bins of the interpolated rings (exact propagation)
    a = tb["weights"].mean(axis=0)
    a2 = a * a

    def daily(key: str):
        return a @ est[key], np.sqrt(a2 @ est[key + "_err"] ** 2)

    day, day_err = daily("ring_density")
    day_flux, day_flux_err = daily("ring_flux")
    day_speed = a @ est["ring_speed_density"]
    day_speed_err = np.sqrt(a2 @ est["ring_speed_density_err"] ** 2)
    day_mean = float(day_flux / day * free) if day > 0 else 0.0

    hours = _bin_hours(job)
    alt = wind_altitude_deg(job)
    rho, phi = tb["density_ratio"], tb["flux_ratio"]
    i_min, i_max, i_alt = int(np.argmin(rho)), int(np.argmax(rho)), int(np.argmin(alt))
    i_fmin = int(np.argmin(phi))
    modulation = _modulation(rho)
    flux_mod = _modulation(phi)
    earth_speed = np.linalg.norm(job.u_earth, axis=1)
    ok = est["density_ratio"] > 0
    mean_speed = est["flux_ratio"] / est["density_ratio"] * free if ok else 0.0
    mean_speed_err = (_ratio_err(est["flux_ratio"], est["flux_ratio_err"], est["density_ratio"],
                                 est["density_ratio_err"]) * free if mean_speed else 0.0)
    tracks = None
    if cfg.transport.tracks > 0:
        tracks, files = _write_tracks(cfg, job, context, outdir)
        written += files
    summary = _common_summary(cfg, job, context, total)
    summary.update({
        "units": {"density_ratio": "1 (n_det / n_free)", "flux_ratio": "1 (Phi_det / Phi_free)",
                  "flux": "cm^-2 s^-1", "speed": "km/s",
                  "speed_density": "(km/s)^-1 (dn/dv / n_free)", "cos_theta": "1",
                  "altitude": "deg", "earth_speed": "km/s", "time": "UTC", "hours": "h",
                  "fractions": "1 (of the entering flux)", "depth": "km", "thickness": "km"},
        "averaging": f"per time bin from {n_rings} isodetection rings of equal solid angle about "
                     "the DM wind, read at cos Theta(t) = sin(altitude of the wind origin) "
                     "(linear in cos Theta between ring centres), at the mean Earth speed of the "
                     "grid; 'daily' is the mean over the bins; 'discrete' is the average over the "
                     "whole sphere at the detector radius (all directions and latitudes)",
        "mean_earth_speed_km_s": u_speed,
        "earth_speed_range_km_s": [float(earth_speed.min()), float(earth_speed.max())],
        "free_mean_speed_km_s": free,
        "detector_shell_thickness_km": job.detector_thickness_km,
        "importance_map": None if job.importance is None else {
            "boundaries_km": list(job.importance.boundaries_km),
            "values": list(job.importance.values)},
        "rings": {
            "n": n_rings,
            "cos_theta_edges": ring_edges(n_rings).tolist(),
            "cos_theta_centres": ring_centres(n_rings).tolist(),
            "density_ratio": est["ring_density"].tolist(),
            "density_ratio_err": est["ring_density_err"].tolist(),
            "flux_ratio": est["ring_flux"].tolist(),
            "flux_ratio_err": est["ring_flux_err"].tolist(),
            "speed_density": est["ring_speed_density"].tolist(),
            "speed_density_err": est["ring_speed_density_err"].tolist(),
        },
        "bins": {
            "start_utc": [t.isot for t in Time(job.bin_edges_mjd[:-1], format="mjd", scale="utc")],
            "hours_since_start": hours.tolist(),
            "cos_theta": tb["cos_theta"].tolist(),
            "wind_origin_altitude": alt.tolist(),
            "density_ratio": rho.tolist(),
            "density_ratio_err": tb["density_ratio_err"].tolist(),
            "flux_ratio": phi.tolist(),
            "flux_ratio_err": tb["flux_ratio_err"].tolist(),
            "flux": flux_abs.tolist(),
            "flux_err": flux_abs_err.tolist(),
            "free_flux": [flux_scale] * rho.size,
            "mean_speed": tb["mean_speed"].tolist(),
            "mean_speed_err": tb["mean_speed_err"].tolist(),
            "earth_speed": earth_speed.tolist(),
        },
        "daily": {
            "density_ratio": float(day),
            "density_ratio_err": float(day_err),
            "flux_ratio": float(day_flux),
            "flux_ratio_err": float(day_flux_err),
            "mean_speed": day_mean,
            "speed_density": day_speed.tolist(),
            "speed_density_err": day_speed_err.tolist(),
            "free_speed_density_analytic": free_pdf.tolist(),
        },
        "density_modulation": modulation,
        "flux_modulation": flux_mod,
        "hour_of_min_density": float(hours[i_min]),
        "hour_of_max_density": float(hours[i_max]),
        "hour_of_min_flux": float(hours[i_fmin]),
        "hour_of_lowest_wind_origin": float(hours[i_alt]),
        "discrete": {
            **{k: est[k] for k in est if not isinstance(est[k], np.ndarray)},
            "mean_speed": mean_speed,
            "mean_speed_err": mean_speed_err,
            "speed_density": est["speed_density"].tolist(),
            "speed_density_err": est["speed_density_err"].tolist(),
            "free_speed_density_mc": est["free_speed_density"].tolist(),
        },
        "straight_lines": {
            "note": "continuous slowing of randomly oriented halo velocities along straight lines "
                    "(same sphere average as 'discrete', no deflection)",
            "density_ratio": float(line["density_ratio"]),
            "density_ratio_err": float(line["density_ratio_err"]),
            "flux_ratio": float(line["flux_ratio"]),
            "flux_ratio_err": float(line["flux_ratio_err"]),
            "mean_speed": float(np.nan_to_num(line["mean_speed"])),
            "mean_speed_err": float(np.nan_to_num(line["mean_speed_err"])),
            "speed_density": line["speed_density"].tolist(),
            "speed_density_err": line["speed_density_err"].tolist(),
        },
        "free_speed_density_analytic": free_pdf.tolist(),
        "tracks": tracks,
        "headline": {
            "daily density ratio n_det/n_free": f"{day:.5g} ± {day_err:.2g}",
            "daily flux ratio Phi_det/Phi_free": f"{day_flux:.5g} ± {day_flux_err:.2g}",
            "density ratio min / max over the bins": f"{rho.min():.4g} / {rho.max():.4g} "
                                                     f"(modulation {modulation:.3g})",
            "hour of min flux / of lowest DM-wind origin [h]":
                f"{hours[i_fmin]:.1f} / {hours[i_alt]:.1f}",
            "sphere average (discrete; straight lines)":
                f"{est['density_ratio']:.5g} ± {est['density_ratio_err']:.2g}; "
                f"{line['density_ratio']:.5g} ± {line['density_ratio_err']:.2g}",
            "scatterings per primary; stopped / reflected fraction":
                f"{est['mean_scatters']:.4g}; {est['stopped']:.3g} / {est['reflected']:.3g}",
        },
    })
    write_summary(outdir / "summary.json", summary)  # stamped with its schema version
    written.append("summary.json")
    if cfg.output.plot:
        title = (f"{cfg.run.name}: {context['site'].name}, depth {context['depth_km']:g} km, "
                 f"{cfg.time.start[:10]} (discrete, {n_rings} rings)")
        _plot_discrete(outdir / "transport.png", hours, tb, alt, est, line, edges, day_speed,
                       day_speed_err, free_pdf, i_min, i_max, title)
        written.append("transport.png")
    return written


#: spawn key of the stream of the recorded tracks (distinct from PILOT_SPAWN_KEY and
#: mcdm.rng.REPORT_SPAWN_KEY)
TRACKS_SPAWN_KEY = 2**42


def _write_tracks(cfg: RunConfig, job: TransportJob, context: dict[str, Any], outdir
                  ) -> tuple[dict[str, Any], list[str]]:
    """Record ``[transport] tracks`` primaries (analogue: no splitting, so every track is one
    particle) in the discrete simulation frame; write tracks.parquet (and tracks.png)."""
    from pathlib import Path

    from mcdm.source import StandardHaloModel
    from mcdm.transport.discrete import entry_points
    from mcdm.transport.tracks import plot_tracks, record_tracks, tracks_table, write_tracks

    rng = np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(job.seed, spawn_key=(TRACKS_SPAWN_KEY,))))
    halo = StandardHaloModel(v0=job.v0, v_esc=job.v_esc)
    shells = job.slowing.shells
    n = int(cfg.transport.tracks)
    vel = flux_weighted_velocities(halo, discrete_wind_velocity(job), max(n, 2), rng)[:n]
    pos = entry_points(vel, float(shells.outer_radii[-1]), rng)
    if n == 1:  # the kernel wrapper wants >= 2 primaries: run a twin and drop it
        vel, pos = np.repeat(vel, 2, axis=0), np.repeat(pos, 2, axis=0)
    rec = record_tracks(job.slowing.tables, shells, float(job.detector_position[2]), pos, vel, rng,
                        job.v_cut, detector_thickness_km=job.detector_thickness_km)
    vertices = rec.vertices[rec.vertices[:, 0] < n]
    frame = ("discrete simulation frame: Earth's centre at the origin, DM wind along -z (particles "
             "come on average from +z, the axis of the isodetection rings); km, km/s")
    table = tracks_table(vertices, frame=frame, run={"name": cfg.run.name, "seed": job.seed,
                                                     "primaries": n, "importance": None})
    write_tracks(table, Path(outdir) / "tracks.parquet")
    files = ["tracks.parquet"]
    if cfg.output.plot:
        plt = _pyplot()
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12.0, 5.5), constrained_layout=True)
        r_det = float(job.detector_position[2])
        plot_tracks(table, shells, ax=ax1, view="plane", detector_radius_km=r_det,
                    title=f"{n} tracks (wind from +z), projected on x-z")
        plot_tracks(table, shells, ax=ax2, view="depth", detector_radius_km=r_det,
                    depth_limit_km=max(3.0 * context["depth_km"], 0.05),
                    title="vertical section along each incoming direction")
        _save(fig, Path(outdir) / "tracks.png")
        files.append("tracks.png")
    kinds = table.column("kind").to_pylist()
    return {"file": "tracks.parquet", "primaries": n, "vertices": len(kinds),
            "scatterings": kinds.count("scatter"),
            "ends": {k: kinds.count(k) for k in ("exit", "stop", "truncated")}}, files


# --------------------------------------------------------------------------- figures


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path) -> None:
    from mcdm.io import atomic_path

    plt = _pyplot()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)


def _positive(y) -> np.ndarray:
    """``y`` with values <= 0 as NaN (not drawn on a log axis)."""
    y = np.asarray(y, dtype=float)
    return np.where(y > 0, y, np.nan)


def _plot_ratios(ax1, hours, density, density_err, flux, flux_err, alt, title,
                 lines=()) -> None:
    """Density and flux ratios vs hour with the altitude of the wind origin on a twin axis;
    ``lines`` adds (y, style, label) curves in the density's colour."""
    ax1.errorbar(hours, density, yerr=density_err, fmt="o", ms=3, color="C0",
                 label=r"density $n_{det}/n_{free}$")
    ax1.errorbar(hours, flux, yerr=flux_err, fmt="s", ms=3, color="C1",
                 label=r"flux $\Phi_{det}/\Phi_{free}$")
    for y, style, label in lines:
        ax1.plot(hours, y, style, color="C0", lw=1, label=label)
    ax1.set_xlabel("time since start [h]")
    ax1.set_ylabel("ratio to the free halo")
    ax1.set_title(title, fontsize=10)
    twin = ax1.twinx()
    twin.plot(hours, alt, "--", color="C2", lw=1, label="altitude of DM-wind origin")
    twin.set_ylabel("altitude of wind origin [deg]", color="C2")
    h1, l1 = ax1.get_legend_handles_labels()
    h2, l2 = twin.get_legend_handles_labels()
    ax1.legend(h1 + h2, l1 + l2, loc="best", fontsize=8)


def _plot_speeds_log(ax, edges, free_pdf, day_speed, day_speed_err, curves, bottom) -> None:
    """Speed densities at the detector on a log axis: the free halo, the daily mean with errors
    and ``curves`` (y, colour, label) as steps; the axis starts at ``bottom`` x the top."""
    centres = 0.5 * (edges[:-1] + edges[1:])
    ax.step(centres, _positive(free_pdf), where="mid", color="k", lw=1, label="free halo (lab SHM)")
    low = np.minimum(day_speed_err, 0.9 * np.maximum(day_speed, 0.0))  # keep the log axis sane
    ax.errorbar(centres, _positive(day_speed), yerr=[low, day_speed_err], fmt="o", ms=3,
                color="C0", label="detector, daily mean")
    for y, color, label in curves:
        ax.step(centres, _positive(y), where="mid", color=color, lw=1, label=label)
    ax.set_yscale("log")
    top = float(np.nanmax(np.concatenate([_positive(free_pdf), _positive(day_speed)])))
    ax.set_ylim(bottom=bottom * top)
    ax.set_xlabel("speed at the detector [km/s]")
    ax.set_ylabel(r"$dn/dv\,/\,n_{free}$ [(km/s)$^{-1}$]")
    ax.legend(loc="best", fontsize=8)


def _plot_continuous(path, hours, est, alt, edges, day_speed, day_speed_err, free_pdf, i_min,
                     i_max, title) -> None:
    """Density and flux ratios vs hour (with the wind-origin altitude); speed densities."""
    plt = _pyplot()
    centres = 0.5 * (edges[:-1] + edges[1:])
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7.0, 7.0), constrained_layout=True)
    _plot_ratios(ax1, hours, est["density_ratio"], est["density_ratio_err"], est["flux_ratio"],
                 est["flux_ratio_err"], alt, title)
    ax2.step(centres, free_pdf, where="mid", color="k", lw=1, label="free halo (lab SHM)")
    ax2.errorbar(centres, day_speed, yerr=day_speed_err, fmt="o", ms=3, color="C0",
                 label="detector, daily mean")
    for i, c, lab in ((i_min, "C3", "min"), (i_max, "C4", "max")):
        ax2.step(centres, est["speed_density"][i], where="mid", color=c, lw=1,
                 label=f"detector, {lab} density ({hours[i]:.1f} h)")
    ax2.set_xlabel("speed [km/s]")
    ax2.set_ylabel(r"$dn/dv\,/\,n_{free}$ [(km/s)$^{-1}$]")
    ax2.legend(loc="best", fontsize=8)
    _save(fig, path)


def _plot_discrete(path, hours, tb, alt, est, line, edges, day_speed, day_speed_err, free_pdf,
                   i_min, i_max, title) -> None:
    """Density and flux ratios vs hour (with the wind-origin altitude); ring values vs
    cos Theta with the range the site sweeps; speed densities (log scale)."""
    from mcdm.transport.discrete import ring_centres

    plt = _pyplot()
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(7.0, 10.0), constrained_layout=True)
    _plot_ratios(ax1, hours, tb["density_ratio"], tb["density_ratio_err"], tb["flux_ratio"],
                 tb["flux_ratio_err"], alt, title)

    cc = ring_centres(est["ring_density"].size)
    ax2.errorbar(cc, est["ring_density"], yerr=est["ring_density_err"], fmt="o", ms=3, color="C0",
                 label="density, per ring")
    ax2.errorbar(cc, est["ring_flux"], yerr=est["ring_flux_err"], fmt="s", ms=3, color="C1",
                 label="flux, per ring")
    lo, hi = float(np.min(tb["cos_theta"])), float(np.max(tb["cos_theta"]))
    ax2.axvspan(lo, hi, color="C2", alpha=0.15, label="swept by the site")
    ax2.axhline(est["density_ratio"], color="C0", ls=":", lw=1,
                label=f"sphere average {est['density_ratio']:.3g} (straight lines "
                      f"{line['density_ratio']:.3g})")
    ax2.set_xlabel(r"$\cos\Theta$ (detector vs direction the wind comes from)")
    ax2.set_ylabel("ratio to the free halo")
    ax2.set_xlim(-1.0, 1.0)
    ax2.legend(loc="best", fontsize=8)

    _plot_speeds_log(ax3, edges, free_pdf, day_speed, day_speed_err,
                     [(tb["speed_density"][i], c, f"detector, {lab} density ({hours[i]:.1f} h)")
                      for i, c, lab in ((i_min, "C3", "min"), (i_max, "C4", "max"))], 1e-4)
    _save(fig, path)

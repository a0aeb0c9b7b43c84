"""Discrete-scatter Monte Carlo of dark matter through planar overburden (DaMaSCUS-CRUST regime).

The world is a stack of horizontal layers (atmosphere, rock, shielding) above and around an
underground detector, described by the depth z below the top of the stack [km]
(:class:`PlanarLayers`). Halo particles enter through the top plane moving down and are followed
through every scattering by the numba kernel :func:`mcdm.kernels.planar.transport_planar` to a
thin horizontal scoring slab [D - h/2, D + h/2] at the detector depth D. Below the last layer
the medium continues as the last layer down to an absorbing floor (particles reaching it are
lost into the Earth); particles crossing the top plane upwards leave (reflected, lost).
Velocities are in the local East-North-Up frame [km/s]; moving down means v_up < 0.

Estimator (derived here; the same steady-state argument as :mod:`mcdm.transport.discrete`)
-------------------------------------------------------------------------------------------
The halo outside has density n_inf and lab-frame velocity density f(v) (normalised to 1). The
world is horizontally uniform, so in a steady state everything is per unit horizontal area.
Particles cross the top plane downwards at the rate (per unit area)

    n_inf J,        J = E_f[ |v_up| ; v_up < 0 ]   [km/s]                               (P1)

and an entering particle moving with v has the density f(v) |v_up| / J on v_up < 0 (the flux
through a horizontal plane). The number per unit area in the slab is the entry rate times the
mean time T an entering particle (with its split progeny) spends in it, n_det h = n_inf J E_J[T],
so

    n_det / n_inf     = J E_J[T] / h                                                  (P2)
    Phi_det / Phi_inf = J E_J[L] / (h <v>_f),      <v>_f = E_f[|v|]                    (P3)
    <v>_det           = Phi_det / n_det = E_J[L] / E_J[T]                             (P4)
    dn/dv / n_inf     = J E_J[T_v] / (h dv)                                           (P5)

with L the track length in the slab (Phi = int n f |v| d^3v = n <v> is the scalar flux: the
track length per unit volume and time, compared with the *whole* free halo's Phi_inf =
n_inf <v>_f), and T_v the part of T spent with speed in [v, v + dv). Without scattering
T = h / |v_up| and L = h |v| / |v_up|, so the free limits are

    n_det / n_inf     = E_f[1 ; v_up < 0]           (the fraction of the halo moving down)  (P6)
    Phi_det / Phi_inf = E_f[|v| ; v_up < 0] / <v>_f

and the speed histogram is the free halo's speed density restricted to v_up < 0. These are
"the part arriving from above": particles reaching the detector through the Earth from below
are not part of the planar model. A particle that scatters back up still counts while it is in
the slab.

Primaries and weights (:func:`downward_flux_sample`). The caller passes N independent draws of
f (e.g. the halo at one time bin, in the lab frame, rotated to East-North-Up). Primaries are a
subset of the downward ones with flux weights omega [km/s] such that (1/N) sum omega g(v) is an
unbiased estimate of E_f[|v_up| g(v); v_up < 0] = J E_J[g] for every g; every estimator above
is then a mean over the N draws (the draws that are not primaries score 0), and its error is
the standard error over the N draws, with no separate normalisation error:

* ``mode="density"``: every downward draw is a primary with omega = |v_up|. The free limits
  (P6) are then reproduced exactly (omega T = h for every unscattered primary), which also
  removes the infinite-variance tail of grazing flights through a thin slab.
* ``mode="flux"``: downward draws are kept with probability |v_up|/c (c = the largest |v_up|),
  omega = c: an unweighted flux sample. More of the primaries are steep, which pays for deep
  detectors, but the thin-slab track length of grazing unscattered flights has a heavy
  (log-divergent variance) tail.

A caller with an exact J and its own flux-distributed sample of size N passes omega = J and
n_draws = N (:class:`DownwardFlux` directly).

Traffic jam (DaMaSCUS 2021, ../shared/anchors/transport.md §B): the slab estimator counts dwell
time, not surface crossings, so slowed particles are counted with their longer stay. In a
non-absorbing half-space that scatters isotropically without changing the speed, an isotropic
halo stays uniform: n_det / n_inf = 1 at every depth (the downward half plus the same amount
reflected back up), not 1/2 and not more. With the absorbing floor at depth Z the density
falls linearly, n/n_inf = 1 - (z + z0)/(Z + 2 z0) with the Milne extrapolation length
z0 = 0.7104 lambda, away from both boundaries (tests/validation/test_planar.py).

Floor default: 10 x the deeper of the stack bottom and the detector bottom (the last layer
continues below the stack). Everything the floor absorbs is reported as ``absorbed``; for heavy
dark matter that passes the detector going down, Russian roulette below the detector (an
:class:`~mcdm.transport.discrete.ImportanceMap` with values < 1 there) saves the cost of
following it to a stop.

Importance maps (:class:`~mcdm.transport.discrete.ImportanceMap`) are reused with **depths**
as boundaries: ``values[j]`` applies to ``boundaries_km[j-1] <= z < boundaries_km[j]``, so
importances increase with the index towards the detector (:func:`depth_importance`,
:func:`tune_depth_importance`).

Public API: :class:`PlanarLayers`, :func:`layers_from_slabs`, :func:`layers_from_overburden`,
:func:`stack_layers`, :class:`DownwardFlux`, :func:`downward_flux_sample`,
:func:`detector_slab`, :func:`default_floor_depth`, :func:`depth_importance`,
:func:`tune_depth_importance`, :class:`PlanarResult`, :func:`simulate_planar`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from mcdm.errors import ConfigError
from mcdm.kernels import planar as _k
from mcdm.transport.discrete import (
    Estimate,
    ImportanceMap,
    _binned,
    _check_v_cut,
    _free_histogram,
    _kernel_tables,
    _moments,
    _pilot_exponents,
    _ratio,
    _speed_edges,
)
from mcdm.units import KM_TO_CM

if TYPE_CHECKING:  # pragma: no cover
    from mcdm.geometry.atmosphere import CompiledSlabs
    from mcdm.geometry.overburden import CompiledOverburden
    from mcdm.physics.interaction import InteractionTables

__all__ = [
    "PlanarLayers",
    "layers_from_slabs",
    "layers_from_overburden",
    "stack_layers",
    "DownwardFlux",
    "downward_flux_sample",
    "detector_slab",
    "default_floor_depth",
    "depth_importance",
    "tune_depth_importance",
    "PlanarResult",
    "simulate_planar",
    "FLOOR_FACTOR",
]

#: default floor depth = FLOOR_FACTOR x max(stack bottom, detector bottom)
FLOOR_FACTOR = 10.0
#: relative tolerance on depths (boundaries closer than this x floor are merged)
_REL_TOL = 1.0e-9
#: default scoring-slab thickness: 2 % of the depth, clipped to [1 m, 10 m] [km]
_H_MIN_KM = 1.0e-3
_H_MAX_KM = 1.0e-2

# extra per-primary columns the wrapper appends to the kernel's scores
_C_WEIGHT = _k.N_SCORES  # omega [km/s]
_C_FREE = _k.N_SCORES + 1  # omega / |v_up|: omega x free dwell time per unit thickness [1]
_C_FREE_FLUX = _k.N_SCORES + 2  # omega |v| / |v_up| [km/s]
_N_COLS = _k.N_SCORES + 3


# ---------------------------------------------------------------------------------- geometry


class PlanarLayers(NamedTuple):
    """Horizontal layers from the top of the stack down (plain arrays).

    Attributes
    ----------
    z_edges : ndarray (m+1,) -- ascending depths below the top of the stack [km], z_edges[0] = 0
    mass_density : ndarray (m,) -- mass density of each layer [g/cm^3]
    number_density : ndarray (m, k) -- nuclide number densities [km^-3]
    nuclides : tuple[str, ...] -- the k nuclide names (columns of ``number_density``)
    """

    z_edges: np.ndarray
    mass_density: np.ndarray
    number_density: np.ndarray
    nuclides: tuple[str, ...]

    def column_density(self) -> float:
        """Total vertical column of the stack [g/cm^2]."""
        return float(np.sum(self.mass_density * np.diff(self.z_edges)) * KM_TO_CM)


def _check_layers(layers: PlanarLayers) -> tuple[np.ndarray, np.ndarray]:
    z = np.asarray(layers.z_edges, float)
    n = np.asarray(layers.number_density, float)
    if z.ndim != 1 or z.size < 2 or z[0] != 0.0 or not np.all(np.diff(z) > 0) \
            or not np.all(np.isfinite(z)):
        raise ConfigError("layers.z_edges must be >= 2 finite ascending depths starting at 0 km")
    if n.ndim != 2 or n.shape[0] != z.size - 1 or np.any(n < 0) or not np.all(np.isfinite(n)):
        raise ConfigError(f"layers.number_density has shape {n.shape}; need ({z.size - 1}, k) "
                          "finite values >= 0 [km^-3]")
    return z, n


def layers_from_slabs(slabs: "CompiledSlabs") -> PlanarLayers:
    """Atmosphere slabs (altitude z ascending, :class:`~mcdm.geometry.atmosphere.CompiledSlabs`)
    as planar layers (depth below the top of the atmosphere, descending altitude)."""
    alt = np.asarray(slabs.z_edges, float)
    top = float(alt[-1])
    depth = top - alt[::-1]
    depth[0] = 0.0
    return PlanarLayers(depth, np.asarray(slabs.mass_density, float)[::-1].copy(),
                        np.ascontiguousarray(np.asarray(slabs.number_density, float)[::-1]),
                        tuple(slabs.nuclides))


def layers_from_overburden(overburden: "CompiledOverburden") -> PlanarLayers:
    """A compiled overburden (:class:`~mcdm.geometry.overburden.CompiledOverburden`: slabs top
    to bottom with ``depth_edges`` [km], ``mass_density``, ``number_density``, ``nuclides``) as
    planar layers; the detector of such a stack sits at its bottom, ``depth_edges[-1]``."""
    z = np.asarray(overburden.depth_edges, float)
    return PlanarLayers(z, np.asarray(overburden.mass_density, float),
                        np.ascontiguousarray(np.asarray(overburden.number_density, float)),
                        tuple(overburden.nuclides))


def stack_layers(*parts: PlanarLayers) -> PlanarLayers:
    """Stack layer sets top to bottom (e.g. atmosphere, then rock); nuclide columns are the union
    in order of first appearance (zeros where a part lacks a nuclide)."""
    if not parts:
        raise ConfigError("stack_layers: nothing to stack")
    names: list[str] = []
    for p in parts:
        names += [k for k in p.nuclides if k not in names]
    edges = [np.zeros(1)]
    rho = []
    number = []
    offset = 0.0
    for p in parts:
        z, n = _check_layers(p)
        edges.append(offset + z[1:])
        offset += float(z[-1])
        rho.append(np.asarray(p.mass_density, float))
        cols = np.zeros((n.shape[0], len(names)))
        for j, name in enumerate(p.nuclides):
            cols[:, names.index(name)] = n[:, j]
        number.append(cols)
    return PlanarLayers(np.concatenate(edges), np.concatenate(rho), np.concatenate(number),
                        tuple(names))


def detector_slab(detector_depth_km: float, thickness_km: float | None = None
                  ) -> tuple[float, float]:
    """Scoring slab (z_top, z_bottom) [km] centred on the detector depth, clipped at z = 0.

    Default thickness: 2 % of the depth, clipped to [1 m, 10 m] (the planar track-length
    estimator needs no thick slab: every particle reaching the depth crosses it).
    """
    d = float(detector_depth_km)
    if not (d >= 0 and math.isfinite(d)):
        raise ConfigError(f"detector_depth_km = {detector_depth_km!r} must be finite and >= 0")
    h = (min(max(0.02 * d, _H_MIN_KM), _H_MAX_KM) if thickness_km is None
         else float(thickness_km))
    if not (h > 0 and math.isfinite(h)):
        raise ConfigError(f"detector_thickness_km = {thickness_km!r} must be > 0")
    z_top = max(d - 0.5 * h, 0.0)
    return z_top, z_top + h


def default_floor_depth(layers: PlanarLayers, detector_bottom_km: float) -> float:
    """Default absorbing floor: :data:`FLOOR_FACTOR` x max(stack bottom, detector bottom) [km]."""
    return FLOOR_FACTOR * max(float(np.asarray(layers.z_edges)[-1]), float(detector_bottom_km))


def _refine(layers: PlanarLayers, z_top: float, z_bottom: float, floor: float,
            importance: ImportanceMap | None):
    """Layers extended to the floor and cut at the detector and importance boundaries:
    (z_edges, number_density, importance, detector)."""
    z, n = _check_layers(layers)
    cuts = [floor, z_top, z_bottom]
    if importance is not None:
        cuts += list(importance.boundaries_km)
    edges = np.unique(np.concatenate((z, np.asarray(cuts, float))))
    edges = edges[edges <= floor]
    keep = np.concatenate(([True], np.diff(edges) > _REL_TOL * floor))
    edges = edges[keep]
    edges[-1] = floor
    mid = 0.5 * (edges[:-1] + edges[1:])
    src = np.clip(np.searchsorted(z, mid, side="right") - 1, 0, n.shape[0] - 1)
    density = np.ascontiguousarray(n[src])
    imp = (np.ones(mid.size) if importance is None
           else np.asarray(importance.value_at(mid), float))
    det = ((mid > z_top) & (mid < z_bottom)).astype(np.int64)
    return edges, density, imp, det


# ---------------------------------------------------------------------------------- primaries


class DownwardFlux(NamedTuple):
    """Primaries for :func:`simulate_planar`: a weighted sample of the downward flux.

    Attributes
    ----------
    velocities : ndarray (n, 3) -- (East, North, Up) velocities with Up < 0 [km/s]
    weights : ndarray (n,) -- flux weights omega [km/s]: (1/n_draws) sum omega g(v) estimates
        E_f[|v_up| g(v); v_up < 0] (module docstring)
    n_draws : int -- number of halo draws the primaries represent (>= n)
    mean_speed_km_s : float -- <v>_f = E_f[|v|] over all directions [km/s] (normalises the flux)
    down_fraction : float -- E_f[1; v_up < 0], the free density from above [1]
    down_flux_fraction : float -- E_f[|v|; v_up < 0] / <v>_f, the free flux from above [1]
    flux_norm : Estimate -- J = E_f[|v_up|; v_up < 0] and its standard error [km/s]
    """

    velocities: np.ndarray
    weights: np.ndarray
    n_draws: int
    mean_speed_km_s: float
    down_fraction: float
    down_flux_fraction: float
    flux_norm: Estimate


def downward_flux_sample(velocities: np.ndarray, rng: np.random.Generator | None = None, *,
                         mode: str = "density") -> DownwardFlux:
    """The downward flux through a horizontal plane from N lab-frame draws of the halo.

    Parameters
    ----------
    velocities : ndarray (N, 3) -- independent draws of the lab-frame velocity distribution f,
        in the local (East, North, Up) frame [km/s] (e.g. the halo at one time bin, boosted to
        the lab and rotated to the site)
    rng : numpy.random.Generator -- needed for ``mode="flux"`` (thinning)
    mode : ``"density"`` (every downward draw, omega = |v_up|) or ``"flux"`` (downward draws kept
        with probability |v_up|/c, omega = c); see the module docstring

    Returns
    -------
    DownwardFlux, with J = E_f[|v_up|; v_up < 0] estimated from the same draws (P1)
    """
    v = np.asarray(velocities, float)
    if v.ndim != 2 or v.shape[1] != 3 or v.shape[0] < 2 or not np.all(np.isfinite(v)):
        raise ConfigError(f"velocities {v.shape} must be (N, 3) finite with N >= 2 [km/s]")
    n = v.shape[0]
    speed = np.linalg.norm(v, axis=1)
    down = v[:, 2] < 0
    vz = np.where(down, -v[:, 2], 0.0)
    # (P1): J = E_f[|v_up|; v_up < 0]
    j = Estimate(float(vz.mean()), float(vz.std(ddof=1) / math.sqrt(n)))
    mean_speed = float(speed.mean())
    if not mean_speed > 0:
        raise ConfigError("velocities are all zero")
    down_fraction = float(down.mean())
    down_flux = float(speed[down].sum() / speed.sum())
    if mode == "density":
        sel = down
        w = vz[sel]
    elif mode == "flux":
        if rng is None:
            raise ConfigError('downward_flux_sample(mode="flux") needs an rng')
        c = float(vz.max()) if down.any() else 1.0
        u = rng.random(n)
        sel = down & (u * c < vz)
        w = np.full(int(sel.sum()), c)
    else:
        raise ConfigError(f'mode = {mode!r} must be "density" or "flux"')
    return DownwardFlux(np.ascontiguousarray(v[sel]), np.ascontiguousarray(w), n, mean_speed,
                        down_fraction, down_flux, j)


# ---------------------------------------------------------------------------------- importance


def depth_importance(layers: PlanarLayers, detector_depth_km: float, n_regions: int,
                     factor: float = 2.0) -> ImportanceMap:
    """Importance x ``factor`` per region from the top down to the detector (depth boundaries).

    The ``n_regions`` regions between z = 0 and ``detector_depth_km`` hold equal columns
    int rho dz (equal thickness if the stack is massless there); everything deeper has
    importance ``factor**n_regions``. For an expected attenuation A choose
    n_regions ~ ln(1/A)/ln(factor).

    Parameters
    ----------
    layers : PlanarLayers -- z_edges [km], mass_density [g/cm^3]
    detector_depth_km : float -- detector depth [km], > 0
    n_regions : int -- regions between top and detector (0: no splitting)
    factor : float -- importance ratio of neighbouring regions (> 1)
    """
    z, _ = _check_layers(layers)
    d = float(detector_depth_km)
    if not (d > 0 and math.isfinite(d)):
        raise ConfigError(f"detector_depth_km = {detector_depth_km!r} must be > 0")
    if n_regions < 0 or not factor > 1.0:
        raise ConfigError(f"n_regions = {n_regions!r} must be >= 0 and factor = {factor!r} > 1")
    if n_regions == 0:
        return ImportanceMap((), (1.0,))
    rho = np.asarray(layers.mass_density, float)
    # cumulative column at the layer edges, the last layer continued below the stack
    col = np.concatenate(([0.0], np.cumsum(rho * np.diff(z))))
    if d > z[-1]:
        z = np.append(z, d)
        col = np.append(col, col[-1] + rho[-1] * (d - z[-2]))
    total = float(np.interp(d, z, col))
    targets = total * np.arange(1, n_regions + 1) / n_regions
    depths = (np.interp(targets, col, z) if total > 0
              else d * np.arange(1, n_regions + 1) / n_regions)
    depths[-1] = d
    bounds = tuple(sorted(set(float(x) for x in depths if x > 0)))
    values = tuple(float(factor) ** j for j in range(len(bounds) + 1))
    return ImportanceMap(bounds, values)


def tune_depth_importance(
    tables: "InteractionTables",
    layers: PlanarLayers,
    detector_depth_km: float,
    primaries: DownwardFlux,
    rng: np.random.Generator,
    v_cut: float,
    *,
    n_regions: int = 40,
    factor: float = 2.0,
    rounds: int = 4,
    target_relative_error: float = 0.1,
    max_tracks: int = 200,
    **kwargs: object,
) -> ImportanceMap:
    """An importance map I(z) ~ n_inf / n(z) from short pilot runs (population control).

    The planar counterpart of :func:`mcdm.transport.discrete.tune_importance`: regions of equal
    column from the top to the detector (:func:`depth_importance`); each round runs the pilot
    ``primaries`` (a few thousand suffice) with the current map, reads the density of each
    region from the depth profile and sets I = 1/n (running minimum from the top, so I never
    falls with depth), rounded to powers of ``factor``. Regions the pilot did not reach
    (relative error > 0.3) are extrapolated with the mean log-slope of the deepest half of the
    measured ones (``factor`` per region if no fall was measured). Rounds stop when the deepest
    region is measured to ``target_relative_error``. Any map is unbiased; this one sets the cost.

    Parameters
    ----------
    tables, layers, detector_depth_km, primaries, rng, v_cut -- as in :func:`simulate_planar`
    n_regions : int -- regions between the top and the detector
    factor : float -- importance quantum (> 1)
    rounds : int -- pilot runs at most
    target_relative_error : float -- stop once the pilot measures the deepest region this well
    max_tracks : int -- track cap per primary in the pilots
    kwargs -- further keyword arguments of :func:`simulate_planar` (e.g. floor_depth_km)
    """
    if rounds < 1 or not factor > 1.0 or n_regions < 1:
        raise ConfigError(f"tune_depth_importance: rounds = {rounds!r} and n_regions = "
                          f"{n_regions!r} must be >= 1 and factor = {factor!r} > 1")
    bounds = np.asarray(depth_importance(layers, detector_depth_km, n_regions,
                                         factor).boundaries_km)
    n_b = bounds.size
    imp = ImportanceMap(tuple(bounds), (1.0,) * (n_b + 1))
    log_f = math.log(factor)
    for _ in range(rounds):
        res = simulate_planar(tables, layers, detector_depth_km, primaries, rng,
                              np.array([0.0, np.inf]), v_cut, imp, max_tracks=max_tracks,
                              **kwargs)
        mid = 0.5 * (res.profile_top_km + res.profile_bottom_km)
        region = np.searchsorted(bounds, mid, side="right")  # 0 = top region .. n_b = below
        thick = res.profile_bottom_km - res.profile_top_km
        # regions above the detector boundary, from the top down
        exponents, rel = _pilot_exponents(res.profile_density, res.profile_density_error, thick,
                                          region, list(range(n_b)), log_f)
        # the detector region (below the last boundary) keeps the value of the one above it
        values = factor ** np.concatenate((exponents, [exponents[-1]]))
        imp = ImportanceMap(tuple(bounds), tuple(float(x) for x in values))
        if rel < target_relative_error:
            break
    return imp


# ---------------------------------------------------------------------------------- transport


@dataclass(frozen=True)
class PlanarResult:
    """Tallies of :func:`simulate_planar` (ratios relative to the whole free halo).

    Attributes
    ----------
    n_primaries : int -- primaries simulated
    n_draws : int -- halo draws they represent (the sample size of every mean)
    detector_top_km, detector_bottom_km : float -- the scoring slab [km]
    floor_km : float -- depth of the absorbing floor [km]
    density_ratio : Estimate -- n_det / n_inf from above, (P2) [1]
    flux_ratio : Estimate -- scalar flux Phi_det / Phi_inf from above, (P3) [1]
    mean_speed : Estimate -- <v>_det = Phi_det / n_det, (P4) [km/s]
    free_density_ratio, free_flux_ratio : Estimate -- (P2), (P3) along the straight unscattered
        paths of the same primaries (the free limits (P6)) [1]
    free_mean_speed : Estimate -- (P4) along the straight paths [km/s]
    speed_edges : ndarray (B+1,) -- speed bins [km/s]
    speed_density, speed_density_error : ndarray (B,) -- dn/dv / n_inf at the detector, (P5)
        [(km/s)^-1]
    free_speed_density : ndarray (B,) -- the same along straight paths [(km/s)^-1]
    reflected, absorbed, stopped, truncated : Estimate -- fractions of the entering current
        leaving through the top, reaching the floor, stopped below v_cut, abandoned [1]
    mean_scatters : Estimate -- scatterings per entering particle [1]
    scatter_events : int -- scatterings simulated (cost)
    tracks : int -- particles tracked including split copies (cost)
    profile_top_km, profile_bottom_km : ndarray (M,) -- the layers the transport walked (cut at
        the detector and importance boundaries, down to the floor) [km]
    profile_density, profile_density_error : ndarray (M,) -- n / n_inf averaged over each [1]
    """

    n_primaries: int
    n_draws: int
    detector_top_km: float
    detector_bottom_km: float
    floor_km: float
    density_ratio: Estimate
    flux_ratio: Estimate
    mean_speed: Estimate
    free_density_ratio: Estimate
    free_flux_ratio: Estimate
    free_mean_speed: Estimate
    speed_edges: np.ndarray
    speed_density: np.ndarray
    speed_density_error: np.ndarray
    free_speed_density: np.ndarray
    reflected: Estimate
    absorbed: Estimate
    stopped: Estimate
    truncated: Estimate
    mean_scatters: Estimate
    scatter_events: int
    tracks: int
    profile_top_km: np.ndarray
    profile_bottom_km: np.ndarray
    profile_density: np.ndarray
    profile_density_error: np.ndarray


def simulate_planar(
    tables: "InteractionTables",
    layers: PlanarLayers,
    detector_depth_km: float,
    primaries: DownwardFlux,
    rng: np.random.Generator,
    speed_bins: np.ndarray,
    v_cut: float,
    importance: ImportanceMap | None = None,
    *,
    detector_thickness_km: float | None = None,
    floor_depth_km: float | None = None,
    max_scatters: int = 100_000,
    max_tracks: int = 1_000,
    chunk_size: int = 65_536,
) -> PlanarResult:
    """Discrete-scatter transport of the downward halo flux to a detector slab at depth.

    Parameters
    ----------
    tables : InteractionTables (:mod:`mcdm.physics.interaction`) -- ``v_grid`` (V,) [km/s],
        ``sigma`` (E, V) [cm^2], ``target_mass`` (E,) [GeV], ``helm`` (E, 4), ``angular`` (must
        be 0), ``dm_mass`` [GeV]; E must match the columns of ``layers.number_density``
    layers : PlanarLayers -- the stack, depth z_edges from 0 [km], number_density [km^-3]
    detector_depth_km : float -- detector depth D below the top of the stack [km], >= 0
    primaries : DownwardFlux -- entering velocities (ENU, Up < 0) [km/s], flux weights [km/s],
        number of draws and <v>_f (:func:`downward_flux_sample`)
    rng : numpy.random.Generator -- advanced in place
    speed_bins : ndarray (B+1,) -- ascending histogram edges [km/s]
    v_cut : float -- particles slower than this stop [km/s]; must be covered by the table
    importance : ImportanceMap or None -- splitting / roulette regions with **depth** boundaries
        [km] (:func:`depth_importance`; None: analogue MC)
    detector_thickness_km : float, optional -- slab thickness h (default :func:`detector_slab`)
    floor_depth_km : float, optional -- absorbing floor (default :func:`default_floor_depth`);
        must lie below the detector slab
    max_scatters : int -- scatterings after which a particle is abandoned (scored truncated)
    max_tracks : int -- tracks per primary after which boundaries stop splitting (unbiased)
    chunk_size : int -- primaries per kernel call (bounds memory)
    """
    _, n_dens = _check_layers(layers)
    v_grid, table_args = _kernel_tables(tables, n_dens.shape[1], "layers")
    vel = np.ascontiguousarray(np.asarray(primaries.velocities, float))
    n = vel.shape[0]
    n_draws = int(primaries.n_draws)
    if vel.ndim != 2 or vel.shape[1] != 3 or n < 1 or n_draws < max(n, 2):
        raise ConfigError(f"primaries: velocities {vel.shape} must be (n, 3) with 1 <= n <= "
                          f"n_draws = {n_draws} and n_draws >= 2")
    if not np.all(vel[:, 2] < 0):
        raise ConfigError("primaries must move downwards (Up component < 0)")
    v0 = np.linalg.norm(vel, axis=1)
    if not v0.max() <= v_grid[-1] * (1 + _REL_TOL):
        raise ConfigError(f"entry speeds up to {v0.max():g} km/s exceed the table "
                          f"(<= {v_grid[-1]:g} km/s)")
    _check_v_cut(v_cut, v_grid)
    w0 = np.ascontiguousarray(np.asarray(primaries.weights, float))
    if w0.shape != (n,) or np.any(w0 < 0) or not np.all(np.isfinite(w0)):
        raise ConfigError("primaries.weights must be (n,), finite and >= 0 [km/s]")
    mean_speed = float(primaries.mean_speed_km_s)
    if not (mean_speed > 0 and math.isfinite(mean_speed)):
        raise ConfigError(f"primaries.mean_speed_km_s = {mean_speed!r} must be > 0")
    edges = _speed_edges(speed_bins)
    if max_scatters < 1 or max_tracks < 1 or chunk_size < 1:
        raise ConfigError(f"max_scatters = {max_scatters!r}, max_tracks = {max_tracks!r} and "
                          f"chunk_size = {chunk_size!r} must be >= 1")

    z_top, z_bot = detector_slab(detector_depth_km, detector_thickness_km)
    h = z_bot - z_top
    floor = default_floor_depth(layers, z_bot) if floor_depth_km is None else float(floor_depth_km)
    if not (floor > z_bot and math.isfinite(floor)):
        raise ConfigError(f"floor_depth_km = {floor_depth_km!r} must lie below the detector slab "
                          f"(> {z_bot:g} km)")
    radii, density, imp, det = _refine(layers, z_top, z_bot, floor, importance)
    n_bins = edges.size - 1
    inv_vz = 1.0 / np.abs(vel[:, 2])

    s1 = np.zeros(_N_COLS)
    s2 = np.zeros((_N_COLS, _N_COLS))
    h1 = np.zeros(n_bins)
    h2 = np.zeros(n_bins)
    p1 = np.zeros(radii.size - 1)
    p2 = np.zeros(radii.size - 1)
    for start in range(0, n, chunk_size):
        sl = slice(start, min(start + chunk_size, n))
        scores, hs, hs2, ps, ps2 = _k.transport_planar(
            vel[sl], w0[sl], radii, density, imp, det, *table_args, float(v_cut), edges,
            int(max_scatters), int(max_tracks), rng)
        cols = np.empty((scores.shape[0], _N_COLS))
        cols[:, :_k.N_SCORES] = scores
        cols[:, _C_WEIGHT] = w0[sl]
        cols[:, _C_FREE] = w0[sl] * inv_vz[sl]
        cols[:, _C_FREE_FLUX] = w0[sl] * v0[sl] * inv_vz[sl]
        s1 += cols.sum(axis=0)
        s2 += cols.T @ cols
        h1 += hs
        h2 += hs2
        p1 += ps
        p2 += ps2

    # means over the n_draws halo draws (non-primaries score 0)
    mean, cov = _moments(s1, s2, n_draws)
    density_ratio = _ratio(mean, cov, n_draws, _k.S_DENSITY, 0, b_exact=h)  # (P2)
    flux_ratio = _ratio(mean, cov, n_draws, _k.S_FLUX, 0, b_exact=h * mean_speed)  # (P3)
    free_density = _ratio(mean, cov, n_draws, _C_FREE, 0, b_exact=1.0)  # (P6)
    free_flux = _ratio(mean, cov, n_draws, _C_FREE_FLUX, 0, b_exact=mean_speed)
    if mean[_k.S_DENSITY] > 0:
        mean_v = _ratio(mean, cov, n_draws, _k.S_FLUX, _k.S_DENSITY)  # (P4)
    else:
        mean_v = Estimate(math.nan, math.nan)
    free_v = _ratio(mean, cov, n_draws, _C_FREE_FLUX, _C_FREE)

    width = np.diff(edges)
    speed_density, speed_err = _binned(h1, h2, n_draws, 1.0 / (h * width), 0.0)  # (P5)
    free_speed_density = _free_histogram(edges, v0, w0 * inv_vz, n_draws) / width
    thick = np.diff(radii)
    profile, profile_err = _binned(p1, p2, n_draws, 1.0 / thick, 0.0)

    def frac(col: int) -> Estimate:
        if not mean[_C_WEIGHT] > 0:
            return Estimate(0.0, 0.0)
        return _ratio(mean, cov, n_draws, col, _C_WEIGHT)

    return PlanarResult(
        n_primaries=n,
        n_draws=n_draws,
        detector_top_km=z_top,
        detector_bottom_km=z_bot,
        floor_km=floor,
        density_ratio=density_ratio,
        flux_ratio=flux_ratio,
        mean_speed=mean_v,
        free_density_ratio=free_density,
        free_flux_ratio=free_flux,
        free_mean_speed=free_v,
        speed_edges=edges,
        speed_density=speed_density,
        speed_density_error=speed_err,
        free_speed_density=free_speed_density,
        reflected=frac(_k.S_REFLECTED),
        absorbed=frac(_k.S_ABSORBED),
        stopped=frac(_k.S_STOPPED),
        truncated=frac(_k.S_TRUNCATED),
        mean_scatters=frac(_k.S_SCATTERS),
        scatter_events=int(round(s1[_k.S_SCATTER_EVENTS])),
        tracks=int(round(s1[_k.S_TRACKS])),
        profile_top_km=radii[:-1].copy(),
        profile_bottom_km=radii[1:].copy(),
        profile_density=profile,
        profile_density_error=profile_err,
    )

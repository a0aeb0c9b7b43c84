"""The planar discrete Monte Carlo of the ``transport`` scenario: ``[transport] method = "discrete"``
with an ``overburden`` slab stack (DaMaSCUS-CRUST's regime).

Moved out of :mod:`mcdm.scenarios.transport` (whose module docstring describes the method and its
estimator); that module dispatches here when ``job.planar`` is set. The US Standard Atmosphere
1976 is stacked as flat slabs on the overburden, the detector sits at the bottom, every time bin
has its own halo draws (:mod:`mcdm.transport.planar` for the kernel and the estimator), and the
particles from below come from the straight-line estimate of the spherical world.

Public API: :class:`PlanarSetup`, :func:`planar_time_bins`; the scenario hooks
:func:`compile_planar`, :func:`simulate_planar_shard`, :func:`planar_relative_errors`,
:func:`report_planar`.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from mcdm.config import RunConfig
from mcdm.errors import ConfigError
from mcdm.scenarios.transport import (ATMOSPHERE, MIN_SHELL_KM, PILOT_PRIMARIES, PILOT_SPAWN_KEY,
                                      SHELL_FRACTION, TransportJob, TransportSums, _bin_hours,
                                      _chunk_sizes, _common_summary, _history_variance, _modulation,
                                      _plot_ratios, _plot_speeds_log, _pyplot, _save,
                                      _save_time_tallies, free_speed_density, score_straight_lines)
from mcdm.units import KM_TO_CM

__all__ = ["PlanarSetup", "planar_time_bins", "compile_planar", "simulate_planar_shard", "planar_relative_errors",
           "report_planar"]


#: rock (the stack's last slab, continued) below the detector of the planar Monte Carlo, down to
#: its absorbing floor [km]
PLANAR_FLOOR_BELOW_KM = 100.0
#: thickest scoring slab of the planar Monte Carlo [km] (it is SHELL_FRACTION of the rock depth,
#: at least MIN_SHELL_KM)
PLANAR_MAX_SLAB_KM = 1.0e-2
#: ``importance = "auto"``: below the detector the importance halves this many times, once per
#: 1/PLANAR_REGIONS of the rock depth (Russian roulette of what passes the detector going down),
#: if m_chi > PLANAR_ROULETTE_MASS_RATIO x the heaviest nucleus of the stack
PLANAR_ROULETTE_STEPS = 10
PLANAR_ROULETTE_MASS_RATIO = 100.0
#: regions of equal column between the top of the stack and the detector (tune_depth_importance)
PLANAR_REGIONS = 40


class PlanarSetup(NamedTuple):
    """What the shards of the planar discrete Monte Carlo need (``TransportJob.planar``).

    Attributes
    ----------
    layers : PlanarLayers -- the atmosphere's slabs (if any) over the overburden's, depth below
        the top of the stack [km], number densities [km^-3] on the rows of ``tables``
    tables : InteractionTables -- the interaction (the continuous slowing's tables)
    detector_depth_km : float -- D, the bottom of the stack, below its top [km]
    detector_thickness_km : float -- scoring slab h, centred on D [km]
    floor_depth_km : float -- absorbing floor [km]
    importance : ImportanceMap or None -- splitting / roulette regions, depth boundaries [km]
    atmosphere_km : float -- thickness of the atmosphere part of the stack (0 without) [km]
    below_detector_km : ndarray (3,) -- where the part from below is scored: the detector at the
        rock depth inside the spherical world, (0, 0, R - depth) [km]
    """

    layers: Any
    tables: Any
    detector_depth_km: float
    detector_thickness_km: float
    floor_depth_km: float
    importance: Any
    atmosphere_km: float
    below_detector_km: np.ndarray


def _on_columns(layers, nuclides: tuple[str, ...]):
    """Planar layers with ``number_density`` columns ``nuclides`` (the interaction table's rows)."""
    from mcdm.transport.planar import PlanarLayers

    number = np.zeros((layers.number_density.shape[0], len(nuclides)))
    for j, name in enumerate(layers.nuclides):
        number[:, nuclides.index(name)] = layers.number_density[:, j]
    return PlanarLayers(layers.z_edges, layers.mass_density, number, tuple(nuclides))


def compile_planar(cfg: RunConfig, job: TransportJob, context: dict[str, Any]) -> TransportJob:
    """The job of ``method = "discrete"`` with overburden slabs: the planar stack (atmosphere
    slabs over the overburden, detector at the bottom), scoring slab, floor, importance map, and
    the free mean speed per time bin."""
    from mcdm.geometry import load_atmosphere
    from mcdm.transport.planar import layers_from_overburden, layers_from_slabs, stack_layers

    t = cfg.transport
    if t.tracks:
        raise ConfigError(f"transport.tracks = {t.tracks}: trajectories are recorded in the "
                          "spherical world only; with overburden slabs set tracks = 0")
    overburden = context["overburden_slabs"]
    parts = []
    if t.atmosphere:
        parts.append(layers_from_slabs(load_atmosphere(ATMOSPHERE).compile()))
    atmosphere_km = float(parts[0].z_edges[-1]) if parts else 0.0
    rock_km = float(overburden.total_thickness)
    if rock_km > 0:
        parts.append(layers_from_overburden(overburden))
    if not parts:
        raise ConfigError(f"transport.overburden = {t.overburden!r}: the planar stack is empty "
                          "(no slab and atmosphere = false)")
    layers = _on_columns(stack_layers(*parts), tuple(job.slowing.nuclides))
    depth = float(layers.z_edges[-1])
    thickness = min(max(SHELL_FRACTION * rock_km, MIN_SHELL_KM), PLANAR_MAX_SLAB_KM)
    floor = depth + 0.5 * thickness + PLANAR_FLOOR_BELOW_KM
    # from below: the detector at its depth under the spherical surface (not at the surface point
    # under the stack, whose Earth chord vanishes at the horizon)
    below = np.array([0.0, 0.0, float(job.detector_position[2]) - rock_km])
    setup = PlanarSetup(layers, job.slowing.tables, depth, thickness, floor, None, atmosphere_km,
                        below)
    if t.importance == "auto":
        setup = setup._replace(importance=_tune_planar_importance(cfg, job, setup))
    halo = context["halo"]
    free_mean = np.array([halo.mean_speed(float(u)) for u in np.linalg.norm(job.u_earth, axis=1)])
    return job._replace(planar=setup, free_mean_speed=free_mean, importance=setup.importance,
                        detector_thickness_km=thickness, rings=1)


def _planar_draws(job: TransportJob, b: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` halo draws of time bin ``b``: lab frame (v_gal - u_E), rotated to East-North-Up."""
    from mcdm.source import StandardHaloModel

    halo = StandardHaloModel(v0=job.v0, v_esc=job.v_esc)
    return (halo.sample(n, rng) - job.u_earth[b]) @ job.rotations[b].T


def _tune_planar_importance(cfg: RunConfig, job: TransportJob, setup: PlanarSetup):
    """Pilot-tuned depth importance map, deterministic in the seed.

    Above the detector: :func:`~mcdm.transport.planar.tune_depth_importance` in PLANAR_REGIONS
    regions of equal column, from pilot halo draws spread evenly over the time bins (own stream,
    PILOT_SPAWN_KEY). Below it, for dark matter heavier than PLANAR_ROULETTE_MASS_RATIO x every
    nucleus of the stack, Russian roulette: the importance halves PLANAR_ROULETTE_STEPS times,
    once per rock depth / PLANAR_REGIONS. Such particles turn by at most m_N/m_chi per collision
    and stop before they could come back up, so following them down to a stop is wasted (2.6x
    faster for 1e5 GeV under crust_1400m); lighter ones diffuse back from below and count at the
    detector, where roulette would cost more variance than it saves time. Any map is unbiased.
    """
    from mcdm.transport.discrete import ImportanceMap
    from mcdm.transport.planar import downward_flux_sample, tune_depth_importance

    if not setup.detector_depth_km > 0:
        return None
    rng = np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(cfg.run.seed, spawn_key=(PILOT_SPAWN_KEY,))))
    n_bins = job.u_earth.shape[0]
    n = max(min(PILOT_PRIMARIES, cfg.run.samples), 2 * n_bins)
    per_bin = [len(c) for c in np.array_split(np.arange(n), n_bins)]
    vel = np.concatenate([_planar_draws(job, b, k, rng) for b, k in enumerate(per_bin)])
    primaries = downward_flux_sample(vel)
    if primaries.velocities.shape[0] == 0:
        return None
    step = max((setup.detector_depth_km - setup.atmosphere_km) / PLANAR_REGIONS,
               setup.detector_thickness_km)
    k = np.arange(1, PLANAR_ROULETTE_STEPS + 1)
    below = setup.detector_depth_km + 0.5 * setup.detector_thickness_km + step * k
    # the pilots only measure the densities above the detector: their floor is the end of the
    # roulette zone (a map is unbiased whatever the pilot; this keeps its cost down)
    pilot_floor = min(float(below[-1]), setup.floor_depth_km)
    imp = tune_depth_importance(setup.tables, setup.layers, setup.detector_depth_km, primaries,
                                rng, job.v_cut, n_regions=PLANAR_REGIONS,
                                detector_thickness_km=setup.detector_thickness_km,
                                floor_depth_km=pilot_floor)
    present = np.any(np.asarray(setup.layers.number_density) > 0, axis=0)
    heaviest = float(np.max(np.asarray(setup.tables.target_mass)[present]))
    if not float(setup.tables.dm_mass) > PLANAR_ROULETTE_MASS_RATIO * heaviest:
        return imp
    keep = below < setup.floor_depth_km
    return ImportanceMap(imp.boundaries_km + tuple(float(x) for x in below[keep]),
                         imp.values + tuple(float(imp.values[-1] * 0.5**j) for j in k[keep]))


#: per-bin estimates of the planar method pooled over chunks as n x value and (n x error)^2:
#: the sum ("density", "flux"), the part from above (planar MC, "down_*") and from below
#: (straight lines, "up_*"); then fractions of the entering current of the planar MC
_PLANAR_DOWN = ("down_density", "down_flux", "down_free_density", "down_free_flux", "reflected",
                "absorbed", "stopped", "truncated", "mean_scatters")
_PLANAR_SCALARS = ("density", "flux", "up_density", "up_flux", "up_stopped") + _PLANAR_DOWN
_PLANAR_SPECTRA = ("speed", "down_speed", "up_speed")


def simulate_planar_shard(job: TransportJob, shard: int) -> TransportSums:
    """Planar discrete MC per time bin (own primaries per bin) plus the straight-line part from
    below; ``job.shard_sizes[shard]`` halo draws per time bin."""
    from mcdm.rng import shard_streams

    rng_primary, rng_transport = shard_streams(job.seed, job.n_shards, shard, 2)
    n_total = int(job.shard_sizes[shard])
    n_bins = job.u_earth.shape[0]
    n_speed = job.speed_edges.size - 1
    sums: dict[str, np.ndarray] = {}
    for k in _PLANAR_SCALARS:
        sums[k] = np.zeros(n_bins)
        sums[k + "_var"] = np.zeros(n_bins)
    for k in _PLANAR_SPECTRA:
        sums[k] = np.zeros((n_bins, n_speed))
        sums[k + "_var"] = np.zeros((n_bins, n_speed))
    for k in ("free_speed", "free_mean_speed", "primaries", "scatter_events", "tracks"):
        sums[k] = np.zeros((n_bins, n_speed) if k == "free_speed" else n_bins)
    for b in range(n_bins):
        for n in _chunk_sizes(n_total):
            vel = _planar_draws(job, b, n, rng_primary)
            _planar_chunk(job, b, vel, rng_transport, sums)
    return TransportSums(n=n_total, sums=sums)


def _planar_chunk(job: TransportJob, b: int, vel: np.ndarray, rng: np.random.Generator,
                  sums: dict[str, np.ndarray]) -> None:
    """Score one chunk of halo draws (ENU [km/s]) of time bin ``b`` into ``sums``.

    Each draw scores in one part only (from above if v_up < 0, else from below), so the error of
    the sum d + u has the covariance -d u / (n - 1) of the two means on top of the parts' errors.
    """
    from mcdm.transport.planar import downward_flux_sample, simulate_planar

    p = job.planar
    edges = job.speed_edges
    width = np.diff(edges)
    n_speed = width.size
    n = vel.shape[0]
    primaries = downward_flux_sample(vel)  # mode "density": omega = |v_up|
    vbar = primaries.mean_speed_km_s  # sample <|v|>, the flux normalisation of both parts
    est: dict[str, tuple[np.ndarray | float, np.ndarray | float]] = {}
    if primaries.velocities.shape[0] > 0:
        res = simulate_planar(p.tables, p.layers, p.detector_depth_km, primaries, rng, edges,
                              job.v_cut, p.importance,
                              detector_thickness_km=p.detector_thickness_km,
                              floor_depth_km=p.floor_depth_km)
        for key, name in (("down_density", "density_ratio"), ("down_flux", "flux_ratio"),
                          ("down_free_density", "free_density_ratio"),
                          ("down_free_flux", "free_flux_ratio"), ("reflected", "reflected"),
                          ("absorbed", "absorbed"), ("stopped", "stopped"),
                          ("truncated", "truncated"), ("mean_scatters", "mean_scatters")):
            e = getattr(res, name)
            est[key] = (e.value, e.error)
        est["down_speed"] = (res.speed_density, res.speed_density_error)
        sums["primaries"][b] += res.n_primaries
        sums["scatter_events"][b] += res.scatter_events
        sums["tracks"][b] += res.tracks
    else:  # nothing moves down in this chunk
        for key in _PLANAR_DOWN:
            est[key] = (0.0, 0.0)
        est["down_speed"] = (np.zeros(n_speed), np.zeros(n_speed))
    # from below: straight lines through the spherical Earth (no slab) to the surface point
    up = ~(vel[:, 2] < 0)
    a = np.zeros(n)  # density weight v_s / v_d (0 if stopped or moving down)
    f = np.zeros(n)  # v_s if arrived
    vd = np.zeros(n)
    stopped = np.zeros(n)
    if up.any():
        sc = score_straight_lines(job.slowing, p.below_detector_km, vel[up], job.v_cut)
        a[up] = sc.density_weight
        f[up] = np.where(sc.arrived, sc.surface_speed, 0.0)
        vd[up] = sc.detector_speed
        stopped[up] = ~sc.arrived

    def mean_err(x: np.ndarray) -> tuple[float, float]:
        return float(x.mean()), float(x.std(ddof=1) / math.sqrt(n))

    est["up_density"] = mean_err(a)  # (P2) counterpart: E_f[v_s/v_d; from below]
    fm, fe = mean_err(f)
    est["up_flux"] = (fm / vbar, fe / vbar)
    est["up_stopped"] = mean_err(stopped)
    idx = np.searchsorted(edges, vd, side="right") - 1
    sel = (a > 0) & (idx >= 0) & (idx < n_speed)
    h1 = np.bincount(idx[sel], weights=a[sel], minlength=n_speed) / n
    h2 = np.bincount(idx[sel], weights=a[sel] ** 2, minlength=n_speed) / n
    est["up_speed"] = (h1 / width, np.sqrt(np.maximum(h2 - h1 * h1, 0.0) / (n - 1)) / width)
    for total, down, below in (("density", "down_density", "up_density"),
                               ("flux", "down_flux", "up_flux"),
                               ("speed", "down_speed", "up_speed")):
        (d, ed), (u, eu) = est[down], est[below]
        cov = np.asarray(d) * np.asarray(u) / (n - 1)
        est[total] = (d + u, np.sqrt(np.maximum(np.square(ed) + np.square(eu) - 2.0 * cov, 0.0)))
    for key, (value, error) in est.items():
        sums[key][b] += n * np.asarray(value)
        sums[key + "_var"][b] += (n * np.asarray(error)) ** 2
    speed = np.linalg.norm(vel, axis=1)
    free = np.searchsorted(edges, speed, side="right") - 1
    ok = (free >= 0) & (free < n_speed)
    sums["free_speed"][b] += np.bincount(free[ok], minlength=n_speed) / width
    sums["free_mean_speed"][b] += n * vbar


def planar_time_bins(job: TransportJob, total: TransportSums) -> dict[str, np.ndarray]:
    """Per time bin of a planar run: every pooled estimate (T,) or (T, B) with ``*_err``.

    Keys: ``density``, ``flux`` (ratios to the free halo, the sum of both parts [1]),
    ``down_*`` (from above, the planar Monte Carlo) and ``up_*`` (from below, straight lines),
    ``speed``/``down_speed``/``up_speed`` (dn/dv / n_inf [(km/s)^-1]), ``free_speed`` (the
    draws' speed density [(km/s)^-1]), ``free_mean_speed`` (the draws' <|v|> [km/s]),
    ``mean_speed`` and ``down_mean_speed`` (Phi/n = flux ratio x <v>_free / density ratio with
    the bin's analytic <v>_free, ``job.free_mean_speed`` [km/s]; errors with flux and density
    taken independent, an upper bound), the planar fractions of the entering current (``reflected``,
    ``absorbed``, ``stopped``, ``truncated``) and ``mean_scatters``; ``up_stopped`` is the
    fraction of all draws that move up and stop in the Earth.
    """
    n = total.n
    s = total.sums
    out: dict[str, np.ndarray] = {}
    for k in _PLANAR_SCALARS + _PLANAR_SPECTRA:
        out[k] = s[k] / n
        out[k + "_err"] = np.sqrt(s[k + "_var"]) / n
    out["free_speed"] = s["free_speed"] / n
    out["free_mean_speed"] = s["free_mean_speed"] / n
    for k in ("primaries", "scatter_events", "tracks"):
        out[k] = s[k]
    for prefix in ("", "down_"):
        rho, phi = out[prefix + "density"], out[prefix + "flux"]
        ok = rho > 0
        safe_rho = np.where(ok, rho, 1.0)
        safe_phi = np.where(phi > 0, phi, 1.0)
        mean = np.where(ok, phi / safe_rho * job.free_mean_speed, 0.0)
        rel = np.hypot(out[prefix + "flux_err"] / safe_phi, out[prefix + "density_err"] / safe_rho)
        out[prefix + "mean_speed"] = mean
        out[prefix + "mean_speed_err"] = np.where(ok & (phi > 0), mean * rel, 0.0)
    return out


def planar_relative_errors(job: TransportJob, total: TransportSums) -> np.ndarray:
    est = planar_time_bins(job, total)
    value, err = est["density"], est["density_err"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(value > 0, err / np.where(value > 0, value, 1.0), np.inf)


def report_planar(cfg, job, context, total, outdir) -> list[str]:
    """Tallies (density.json, flux.json, speed_density.json per time bin), summary.json with a
    "planar" block (both parts), transport.png."""
    from pathlib import Path

    from astropy.time import Time

    from mcdm.io import write_summary
    from mcdm.scenarios.halo_flux import wind_altitude_deg

    outdir = Path(outdir)
    p = job.planar
    n = total.n
    edges = job.speed_edges
    est = planar_time_bins(job, total)

    free_flux = job.number_density * job.free_mean_speed * KM_TO_CM  # Phi_free [cm^-2 s^-1]
    flux_abs, flux_abs_err = free_flux * est["flux"], free_flux * est["flux_err"]
    written = _save_time_tallies(
        outdir, job, n, (est["density"], _history_variance(est["density"], est["density_err"], n)),
        (flux_abs, _history_variance(flux_abs, flux_abs_err, n)),
        (est["speed"], _history_variance(est["speed"], est["speed_err"], n)))

    n_bins = est["density"].size
    hours = _bin_hours(job)
    alt = wind_altitude_deg(job)
    rho, phi = est["density"], est["flux"]
    # bins have independent draws: the daily mean's error is exact
    day = float(rho.mean())
    day_err = float(np.sqrt(np.sum(est["density_err"] ** 2)) / n_bins)
    day_flux = float(phi.mean())
    day_flux_err = float(np.sqrt(np.sum(est["flux_err"] ** 2)) / n_bins)
    day_speed = est["speed"].mean(axis=0)
    day_speed_err = np.sqrt(np.sum(est["speed_err"] ** 2, axis=0)) / n_bins
    u_mean = float(np.linalg.norm(job.u_earth, axis=1).mean())
    free_pdf = free_speed_density(context["halo"], u_mean, edges)
    i_min, i_max, i_alt = int(np.argmin(rho)), int(np.argmax(rho)), int(np.argmin(alt))
    i_fmin = int(np.argmin(phi))
    modulation = _modulation(rho)
    flux_mod = _modulation(phi)

    def part(prefix: str, keys: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in keys:
            out[k + "_ratio" if k in ("density", "flux") else k] = est[prefix + k].tolist()
            if prefix + k + "_err" in est:
                name = k + "_ratio_err" if k in ("density", "flux") else k + "_err"
                out[name] = est[prefix + k + "_err"].tolist()
        return out

    ob = context["overburden_slabs"]
    importance = p.importance
    summary = _common_summary(cfg, job, context, total)
    summary.update({
        "units": {"density_ratio": "1 (n_det / n_free)", "flux_ratio": "1 (Phi_det / Phi_free)",
                  "flux": "cm^-2 s^-1", "speed": "km/s",
                  "speed_density": "(km/s)^-1 (dn/dv / n_free)", "altitude": "deg",
                  "earth_speed": "km/s", "time": "UTC", "hours": "h", "depth": "km",
                  "thickness": "km", "fractions": "1 (of the current entering from above)",
                  "mass_density": "g/cm^3", "column_density": "g/cm^2"},
        "averaging": "per time bin from its own halo draws (boosted by u_E(t), rotated to the "
                     "site's East-North-Up frame): from above (v_up < 0) the planar discrete "
                     "Monte Carlo through the slab stack, from below (v_up >= 0) continuous "
                     "slowing along straight lines through the spherical Earth; values are the "
                     "sum; 'daily' is the mean over the bins",
        "draws_per_bin": int(n),
        "free_mean_speed_km_s": job.free_mean_speed.tolist(),
        "detector_slab_thickness_km": p.detector_thickness_km,
        "importance_map": None if importance is None else {
            "boundaries_km": list(importance.boundaries_km), "values": list(importance.values),
            "coordinate": "depth below the top of the planar stack"},
        "bins": {
            "start_utc": [t.isot for t in Time(job.bin_edges_mjd[:-1], format="mjd", scale="utc")],
            "hours_since_start": hours.tolist(),
            "wind_origin_altitude": alt.tolist(),
            "density_ratio": rho.tolist(),
            "density_ratio_err": est["density_err"].tolist(),
            "flux_ratio": phi.tolist(),
            "flux_ratio_err": est["flux_err"].tolist(),
            "flux": flux_abs.tolist(),
            "flux_err": flux_abs_err.tolist(),
            "free_flux": free_flux.tolist(),
            "mean_speed": est["mean_speed"].tolist(),
            "mean_speed_err": est["mean_speed_err"].tolist(),
            "free_mean_speed": job.free_mean_speed.tolist(),
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
            "free_speed_density_mc": est["free_speed"].mean(axis=0).tolist(),
        },
        "density_modulation": modulation,
        "flux_modulation": flux_mod,
        "hour_of_min_density": float(hours[i_min]),
        "hour_of_max_density": float(hours[i_max]),
        "hour_of_min_flux": float(hours[i_fmin]),
        "hour_of_lowest_wind_origin": float(hours[i_alt]),
        "planar": {
            "note": "bins = from_above + from_below. from_above: planar discrete-scatter Monte "
                    "Carlo (mcdm.transport.planar) of the draws moving down, through the "
                    "atmosphere slabs and the overburden to a scoring slab at the bottom of the "
                    "stack; the last slab continues below the detector to an absorbing floor. "
                    "from_below: the draws moving up, slowed continuously along straight lines "
                    "through the spherical Earth (and atmosphere) to the point under the stack, "
                    "no slab (not simulated by the planar Monte Carlo)",
            "overburden": context["overburden"],
            "overburden_layers": list(ob.names),
            "overburden_column_density": ob.column_density(),
            "atmosphere_thickness_km": p.atmosphere_km,
            "stack_z_edges_km": np.asarray(p.layers.z_edges).tolist(),
            "stack_mass_density": np.asarray(p.layers.mass_density).tolist(),
            "detector_depth_in_stack_km": p.detector_depth_km,
            "detector_slab_km": [p.detector_depth_km - 0.5 * p.detector_thickness_km,
                                 p.detector_depth_km + 0.5 * p.detector_thickness_km],
            "floor_depth_km": p.floor_depth_km,
            "primaries": "every downward draw, flux weight |v_up| (downward_flux_sample, "
                         "mode 'density')",
            "from_above": {
                **part("down_", ("density", "flux", "mean_speed")),
                "free_density_ratio": est["down_free_density"].tolist(),
                "free_flux_ratio": est["down_free_flux"].tolist(),
                **part("", ("reflected", "absorbed", "stopped", "truncated", "mean_scatters")),
                "primaries": est["primaries"].astype(int).tolist(),
                "scatter_events": est["scatter_events"].astype(int).tolist(),
                "tracks": est["tracks"].astype(int).tolist(),
                "speed_density": est["down_speed"].tolist(),
                "speed_density_err": est["down_speed_err"].tolist(),
            },
            "from_below": {
                **part("up_", ("density", "flux")),
                "stopped_fraction": est["up_stopped"].tolist(),
                "stopped_fraction_err": est["up_stopped_err"].tolist(),
                "speed_density": est["up_speed"].tolist(),
                "speed_density_err": est["up_speed_err"].tolist(),
            },
        },
        "headline": {
            "daily density ratio n_det/n_free": f"{day:.5g} ± {day_err:.2g}",
            "daily flux ratio Phi_det/Phi_free": f"{day_flux:.5g} ± {day_flux_err:.2g}",
            "density ratio min / max over the bins": f"{rho.min():.4g} / {rho.max():.4g} "
                                                     f"(modulation {modulation:.3g})",
            "daily density from above / from below":
                f"{est['down_density'].mean():.4g} / {est['up_density'].mean():.4g}",
            "hour of min flux / of lowest DM-wind origin [h]":
                f"{hours[i_fmin]:.1f} / {hours[i_alt]:.1f}",
            "scatterings per primary; reflected fraction (from above)":
                f"{np.mean(est['mean_scatters']):.4g}; {np.mean(est['reflected']):.3g}",
        },
    })
    write_summary(outdir / "summary.json", summary)  # stamped with its schema version
    written.append("summary.json")
    if cfg.output.plot:
        title = (f"{cfg.run.name}: {context['site'].name}, {context['overburden']} "
                 f"({context['depth_km']:g} km), {cfg.time.start[:10]} (discrete, planar)")
        _plot_planar(outdir / "transport.png", hours, est, alt, edges, day_speed, day_speed_err,
                     free_pdf, title)
        written.append("transport.png")
    return written


def _plot_planar(path, hours, est, alt, edges, day_speed, day_speed_err, free_pdf, title) -> None:
    """Density and flux ratios vs hour (sum and both parts, with the wind-origin altitude);
    daily speed densities (log scale)."""
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7.0, 7.5), constrained_layout=True)
    _plot_ratios(ax1, hours, est["density"], est["density_err"], est["flux"], est["flux_err"], alt,
                 title, lines=((est["down_density"], ":", "density from above (MC)"),
                               (est["up_density"], "-.", "density from below (straight lines)")))
    _plot_speeds_log(ax2, edges, free_pdf, day_speed, day_speed_err,
                     [(est["down_speed"].mean(axis=0), "C3", "from above (planar MC)"),
                      (est["up_speed"].mean(axis=0), "C4", "from below (straight lines)")], 1e-5)
    _save(fig, path)

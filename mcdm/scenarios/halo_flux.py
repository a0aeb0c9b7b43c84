"""Scenario ``halo_flux``: the free-streaming halo flux through a detector and the overburden upstream.

For a site and a time grid, every Monte Carlo history is one galactic-frame velocity drawn from
the halo model. For each time bin the velocity is boosted to the lab (v = v_gal - u_E(t)), rotated
to the site's East-North-Up frame (per-bin matrices from astropy), and the ray from the detector
back along the incoming direction (-v/|v|) is traced through the layered Earth. Scores per bin:

* flux  F = n_chi <|v|>                     [cm^-2 s^-1]  (omnidirectional flux, free streaming)
* column X along the incoming direction,    [g/cm^2]      flux-weighted mean over arrivals
  i.e. <X>_F = sum |v| X / sum |v|

Velocities are drawn once per history and re-scored in every time bin (the Earth's motion and
rotation only move them), so a whole day costs one sampling pass plus one ray per bin.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from mcdm.config import RunConfig
from mcdm.constants import C_KM_S
from mcdm.units import KM_TO_CM

__all__ = ["HaloFluxJob", "ShardSums", "compile_job", "simulate_shard", "relative_errors", "CHUNK"]

#: histories processed at once inside a shard; a constant of the code (not of the machine), so the
#: random stream, and with it every number, is the same whatever memory is available.
CHUNK = 65_536


class HaloFluxJob(NamedTuple):
    """Everything a shard needs, as plain arrays in internal units (picklable for workers)."""

    seed: int
    n_shards: int
    shard_sizes: np.ndarray  # (S,) histories per shard
    v0: float  # [km/s]
    v_esc: float  # [km/s]
    number_density: float  # n_chi [cm^-3]
    mass: float  # m_chi [GeV]
    u_earth: np.ndarray  # (T, 3) Earth velocity, galactic (U, V, W) [km/s]
    rotations: np.ndarray  # (T, 3, 3) galactic -> local ENU
    detector_position: np.ndarray  # (3,) ENU with the Earth's centre at the origin [km]
    outer_radii: np.ndarray  # (m,) [km]
    mass_density: np.ndarray  # (m,) [g/cm^3]
    bin_edges_mjd: np.ndarray  # (T+1,) UTC MJD
    catalog_quota: np.ndarray  # (S, T) arrivals kept for the catalog per shard and bin


@dataclass
class ShardSums:
    """Per-bin moment sums of one shard (adding shards is adding these arrays).

    a = |v| [km/s], b = |v| X [km/s g/cm^2]; sums over histories of a, a^2, b, b^2, a b; plus the
    sampled arrivals for the catalog.
    """

    n: int
    a: np.ndarray
    a2: np.ndarray
    b: np.ndarray
    b2: np.ndarray
    ab: np.ndarray
    path: np.ndarray  # sum of |v| * (path length through the Earth) [km/s km]
    arrivals: dict[str, np.ndarray]

    def __add__(self, other: "ShardSums") -> "ShardSums":
        return ShardSums(
            n=self.n + other.n,
            a=self.a + other.a,
            a2=self.a2 + other.a2,
            b=self.b + other.b,
            b2=self.b2 + other.b2,
            ab=self.ab + other.ab,
            path=self.path + other.path,
            arrivals={k: np.concatenate([self.arrivals[k], other.arrivals[k]]) for k in self.arrivals},
        )


def compile_job(cfg: RunConfig) -> tuple[HaloFluxJob, dict[str, Any]]:
    """Resolve the config into arrays (astropy frames, Earth shells) and a context for the outputs."""
    from mcdm.rng import shard_sizes
    from mcdm.scenarios.common import resolve_site_frames

    world = resolve_site_frames(cfg)
    shells = world.earth.compile(max_shell_thickness_km=cfg.earth.max_shell_thickness)
    n_cells = cfg.run.shards * cfg.time.bins
    base, extra = divmod(cfg.output.catalog_events, n_cells)
    quota = (base + (np.arange(n_cells) < extra)).reshape(cfg.run.shards, cfg.time.bins).astype(np.int64)
    job = HaloFluxJob(
        seed=cfg.run.seed,
        n_shards=cfg.run.shards,
        shard_sizes=shard_sizes(cfg.run.samples, cfg.run.shards),
        v0=cfg.halo.v0,
        v_esc=cfg.halo.v_esc,
        number_density=world.halo.number_density(cfg.dark_matter.mass),
        mass=cfg.dark_matter.mass,
        u_earth=world.u_earth,
        rotations=world.rotations,
        detector_position=world.detector_position,
        outer_radii=np.ascontiguousarray(shells.outer_radii, dtype=float),
        mass_density=np.ascontiguousarray(shells.mass_density, dtype=float),
        bin_edges_mjd=world.bin_edges_mjd,
        catalog_quota=quota,
    )
    context = {"halo": world.halo, "site": world.site, "earth": world.earth, "grid": world.grid}
    return job, context


_ARRIVAL_KEYS = ("time_mjd", "speed_km_s", "alt_deg", "az_deg", "column_g_cm2", "path_km")


def _arrival_record(time_mjd, speed, upstream, column, path) -> dict[str, np.ndarray]:
    """Catalog columns of kept arrivals; ``upstream`` is the ENU unit vector toward their origin."""
    return {
        "time_mjd": time_mjd,
        "speed_km_s": speed,
        "alt_deg": np.degrees(np.arcsin(np.clip(upstream[:, 2], -1.0, 1.0))),
        "az_deg": np.degrees(np.arctan2(upstream[:, 0], upstream[:, 1])) % 360.0,  # from North through East
        "column_g_cm2": column,
        "path_km": path,
    }


def _accumulate(sums: dict[str, np.ndarray], b: int, speed, column, path) -> None:
    """Add one chunk's moment sums for time bin ``b`` (see :class:`ShardSums`)."""
    flux_col = speed * column
    sums["a"][b] += speed.sum()
    sums["a2"][b] += (speed * speed).sum()
    sums["b"][b] += flux_col.sum()
    sums["b2"][b] += (flux_col * flux_col).sum()
    sums["ab"][b] += (speed * flux_col).sum()
    sums["path"][b] += (speed * path).sum()


def simulate_shard(job: HaloFluxJob, shard: int) -> ShardSums:
    """Score shard ``shard`` of the job: moment sums per time bin plus catalog arrivals."""
    from mcdm.kernels.rays import column_through_shells, path_length_in_shells
    from mcdm.rng import shard_streams
    from mcdm.source import StandardHaloModel

    rng, rng_catalog = shard_streams(job.seed, job.n_shards, shard, 2)  # physics draws, catalog draws
    halo = StandardHaloModel(v0=job.v0, v_esc=job.v_esc)
    n_total = int(job.shard_sizes[shard])
    n_bins = job.u_earth.shape[0]
    sums = {k: np.zeros(n_bins) for k in ("a", "a2", "b", "b2", "ab", "path")}
    records: list[dict[str, np.ndarray]] = []
    kept = np.zeros(n_bins, dtype=np.int64)
    v_max = job.v_esc + np.linalg.norm(job.u_earth, axis=1)  # bound on |v| for thinning [km/s]
    done = 0
    while done < n_total:
        n = min(CHUNK, n_total - done)
        v_gal = halo.sample(n, rng)
        origins = np.ascontiguousarray(np.broadcast_to(job.detector_position, (n, 3)))
        unlimited = np.full(n, np.inf)
        for b in range(n_bins):
            v_lab = v_gal - job.u_earth[b]  # boost to the lab (digest 004 §2.7)
            speed = np.sqrt(np.einsum("ij,ij->i", v_lab, v_lab))
            upstream = np.ascontiguousarray(-(v_lab @ job.rotations[b].T) / speed[:, None])  # ENU, toward origin
            column = KM_TO_CM * column_through_shells(origins, upstream, job.outer_radii, job.mass_density, unlimited)
            path = path_length_in_shells(origins, upstream, job.outer_radii, unlimited)
            _accumulate(sums, b, speed, column, path)
            want = job.catalog_quota[shard, b] - kept[b]
            if want > 0:
                # thinning with acceptance |v|/v_max makes the kept arrivals flux-weighted
                idx = np.flatnonzero(rng_catalog.random(n) * v_max[b] < speed)[:want]
                kept[b] += idx.size
                t0, t1 = job.bin_edges_mjd[b], job.bin_edges_mjd[b + 1]
                times = t0 + (t1 - t0) * rng_catalog.random(idx.size)
                records.append(_arrival_record(times, speed[idx], upstream[idx], column[idx], path[idx]))
        done += n
    arrivals = {k: np.concatenate([r[k] for r in records]) if records else np.empty(0) for k in _ARRIVAL_KEYS}
    return ShardSums(n=n_total, arrivals=arrivals, **sums)


def flux_scale(job: HaloFluxJob, n_histories: int) -> float:
    """Weight per history and unit |v| [km/s] that turns sum |v| into the flux [cm^-2 s^-1]."""
    return job.number_density * KM_TO_CM / n_histories


def kinetic_energy_kev(mass_gev: float, speed_km_s: np.ndarray) -> np.ndarray:
    """Non-relativistic kinetic energy (1/2) m v^2 [keV] of a particle of mass [GeV] and speed [km/s]."""
    return 0.5 * mass_gev * (np.asarray(speed_km_s) / C_KM_S) ** 2 * 1e6


def per_bin_estimates(job: HaloFluxJob, total: ShardSums) -> dict[str, np.ndarray]:
    """Per-bin flux [cm^-2 s^-1] and flux-weighted mean column [g/cm^2] with their MC errors.

    Flux: F = s sum a with s = n_chi / N (a = |v| in cm/s); its variance is the sample-mean one,
    s^2 (sum a^2 - (sum a)^2 / N). Column: the ratio R = sum b / sum a with the delta-method
    variance (sum b^2 - 2 R sum ab + R^2 sum a^2) / (sum a)^2.
    """
    n = total.n
    s = flux_scale(job, n)
    flux = s * total.a
    flux_var = s * s * np.maximum(total.a2 - total.a**2 / n, 0.0)
    ratio = total.b / total.a
    ratio_var = np.maximum(total.b2 - 2.0 * ratio * total.ab + ratio**2 * total.a2, 0.0) / total.a**2
    return {
        "flux": flux,
        "flux_err": np.sqrt(flux_var),
        "column": ratio,
        "column_err": np.sqrt(ratio_var),
        "path": total.path / total.a,
    }


def wind_altitude_deg(job: HaloFluxJob) -> np.ndarray:
    """Altitude [deg] of the direction the DM wind comes from (+u_E, since <v_lab> = -u_E), per bin."""
    u_hat = job.u_earth / np.linalg.norm(job.u_earth, axis=1)[:, None]
    up = np.einsum("tij,tj->ti", job.rotations, u_hat)[:, 2]
    return np.degrees(np.arcsin(np.clip(up, -1.0, 1.0)))


def report(cfg: RunConfig, job: HaloFluxJob, context: dict[str, Any], total: ShardSums, outdir) -> list[str]:
    """Write tallies, summary, catalog and figure of a finished run into ``outdir``; return the file names."""
    from pathlib import Path

    from astropy.time import Time

    from mcdm.events import EventCatalog
    from mcdm.io import write_summary
    from mcdm.tally import Tally, time_axis

    outdir = Path(outdir)
    est = per_bin_estimates(job, total)
    halo = context["halo"]
    analytic = np.array([halo.flux(job.mass, float(np.linalg.norm(u))) for u in job.u_earth])  # n<|v|>, quadrature
    written: list[str] = []

    s = flux_scale(job, total.n)
    flux_tally = Tally(time_axis(job.bin_edges_mjd), quantity="flux", unit="cm^-2 s^-1", n_histories=total.n)
    col_tally = Tally(time_axis(job.bin_edges_mjd), quantity="flux x column", unit="cm^-2 s^-1 g cm^-2",
                      n_histories=total.n)
    for tally, sw, sw2 in ((flux_tally, s * total.a, s * s * total.a2), (col_tally, s * total.b, s * s * total.b2)):
        view = tally.histogram.view()
        view["value"] = sw
        view["variance"] = sw2
    flux_tally.save(outdir / "flux.json")
    col_tally.save(outdir / "flux_column.json")
    written += ["flux.json", "flux_column.json"]

    hours = (job.bin_edges_mjd[:-1] + job.bin_edges_mjd[1:]) / 2.0
    hours = (hours - job.bin_edges_mjd[0]) * 24.0
    alt = wind_altitude_deg(job)
    daily = float(est["flux"].mean())
    daily_err = float(est["flux_err"].mean())  # bins share histories: the mean of sigmas bounds the error
    daily_analytic = float(analytic.mean())
    i_col, i_alt = int(np.argmax(est["column"])), int(np.argmin(alt))
    kmwe = 1.0e5  # g/cm^2 per km of water equivalent
    summary = {
        "name": cfg.run.name,
        "scenario": cfg.run.scenario,
        "site": context["site"].name,
        "earth_model": context["earth"].name,
        "histories": int(total.n),
        "units": {"flux": "cm^-2 s^-1", "column": "g cm^-2", "path": "km", "altitude": "deg", "time": "UTC"},
        "bins": {
            "start_utc": [t.isot for t in Time(job.bin_edges_mjd[:-1], format="mjd", scale="utc")],
            "hours_since_start": hours.tolist(),
            "flux": est["flux"].tolist(),
            "flux_err": est["flux_err"].tolist(),
            "flux_analytic": analytic.tolist(),
            "mean_column": est["column"].tolist(),
            "mean_column_err": est["column_err"].tolist(),
            "mean_path_in_earth": est["path"].tolist(),
            "wind_origin_altitude": alt.tolist(),
        },
        "daily_mean_flux": daily,
        "daily_mean_flux_err": daily_err,
        "daily_mean_flux_analytic": daily_analytic,
        "hour_of_max_column": float(hours[i_col]),
        "hour_of_lowest_wind_origin": float(hours[i_alt]),
        "headline": {
            "daily mean flux [cm^-2 s^-1]": f"{daily:.6g} ± {daily_err:.2g} (analytic n<v> = {daily_analytic:.6g})",
            "mean column upstream [km w.e.]": f"{est['column'].min() / kmwe:.4g} to {est['column'].max() / kmwe:.4g}",
            "hour of max column / of lowest DM-wind origin [h]": f"{hours[i_col]:.1f} / {hours[i_alt]:.1f}",
        },
    }
    write_summary(outdir / "summary.json", summary)  # stamped with its schema version
    written.append("summary.json")

    if total.arrivals["time_mjd"].size:
        arr = total.arrivals
        order = np.argsort(arr["time_mjd"], kind="stable")
        catalog = EventCatalog.from_arrays(
            time=Time(arr["time_mjd"][order], format="mjd", scale="utc"),
            energy_keV=kinetic_energy_kev(job.mass, arr["speed_km_s"][order]),
            detector=context["site"].name,
            run={"name": cfg.run.name, "kind": "dark-matter arrivals (flux-weighted)", "seed": cfg.run.seed},
            **{k: v[order] for k, v in arr.items() if k != "time_mjd"},
        )
        catalog.to_parquet(outdir / "events.parquet")
        written.append("events.parquet")

    if cfg.output.plot:
        from mcdm.plotting import plot_halo_flux

        plot_halo_flux(
            outdir / "halo_flux.png", hours, est["flux"], est["flux_err"], analytic,
            est["column"] / kmwe, est["column_err"] / kmwe, alt,
            title=f"{cfg.run.name}: {context['site'].name}, {cfg.time.start[:10]}, m = {job.mass:g} GeV",
        )
        written.append("halo_flux.png")
    return written


def relative_errors(job: HaloFluxJob, total: ShardSums) -> np.ndarray:
    """Relative MC error of the flux in every time bin (the bins of interest of ``target_rel_error``)."""
    est = per_bin_estimates(job, total)
    return est["flux_err"] / est["flux"]

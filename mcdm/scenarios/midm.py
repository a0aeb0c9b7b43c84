"""Scenario ``midm``: Earth-catalyzed magnetic inelastic dark matter (seed 004), the flagship job.

Halo χ upscatters on a nucleus in the Earth to χ₂ (splitting δ); χ₂ flies straight and decays in
the detector (E_γ = δ). The rate per time bin, isotope and layer of the scatter comes from the
next-event estimator of DESIGN.md §4 (:mod:`mcdm.kernels.next_event`); histories are galactic
velocities importance-sampled above the lowest kinematic threshold, each re-scored in every time
bin and for every isotope.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from mcdm.config import RunConfig
from mcdm.constants import C_KM_S, HBARC_GEV_CM
from mcdm.errors import ConfigError, DataLibraryError
from mcdm.units import KM_TO_CM

__all__ = ["MidmJob", "MidmShardSums", "compile_job", "simulate_shard", "per_bin_rates", "report", "point_config",
           "run_point", "relative_errors", "CHUNK", "ESTIMATOR_FORMS"]

#: [midm] estimator -> form code of mcdm.kernels.next_event (FORM_NEXT_EVENT, FORM_EQ41, FORM_EQ41_CODE)
ESTIMATOR_FORMS = {"next_event": 0, "eq41_as_printed": 1, "eq41_authors_code": 2}

#: histories per kernel call inside a shard (a constant of the code: the random streams, and so
#: every number, do not depend on the machine)
CHUNK = 16_384


class MidmJob(NamedTuple):
    """Everything a shard needs, as plain arrays and scalars (picklable for workers)."""

    seed: int
    n_shards: int
    shard_sizes: np.ndarray
    v0: float  # [km/s]
    v_esc: float  # [km/s]
    v_cut: float  # galactic speed below which no isotope can upscatter in any bin [km/s]
    boost: np.ndarray  # (3,) mean Earth velocity of the grid, the lab frame of the mixture sampler [km/s]
    halo_fraction: float  # share of velocity draws from the halo itself (1: plain halo sampling)
    u_earth: np.ndarray  # (T, 3) [km/s]
    rotations: np.ndarray  # (T, 3, 3)
    detector_position: np.ndarray  # (3,) [km]
    outer_radii: np.ndarray  # (m,) [km]
    onion: np.ndarray  # (m, I*L) density differences n_k - n_{k+1} per (isotope, layer) [km^-3]
    n_layers: int
    m_chi: float  # [GeV]
    delta: float  # [GeV]
    e_mu: float  # e * mu_tilde for scattering [GeV^-1], of the config's g_M
    g_M: float  # the config's coupling (reference of taus and xs_scale)
    m_nucleon: float  # [GeV]
    g_p: float
    g_n: float
    prefactor_code: int
    iso_mass: np.ndarray  # (I,) [GeV]
    iso_kind: np.ndarray
    iso_coeffs: np.ndarray
    iso_helm: np.ndarray
    iso_b: np.ndarray
    iso_j: np.ndarray
    tau2_s: float  # [s]
    taus: np.ndarray  # (G,) lifetimes of the couplings scored together [s] (G = 1: the config's g_M)
    xs_scale: np.ndarray  # (G,) (g_M / config g_M)^2, the cross-section factor of each coupling
    form: int
    radius_det: float  # [km]
    volume_det: float  # [km^3]
    bin_edges_mjd: np.ndarray
    weight_scale: float  # kernel weight -> rate per history [s^-1] (before 1/N)


@dataclass
class MidmShardSums:
    """Per-shard sums of the estimator over G couplings; adding shards adds the arrays (see
    :func:`mcdm.kernels.next_event.score_chunk`)."""

    n: int
    sum_w: np.ndarray  # (G, T, S)
    sum_w2: np.ndarray  # (G, T, S)
    iso_w2: np.ndarray  # (G, T, I)
    tot_w2: np.ndarray  # (G, T)
    iso_day_w2: np.ndarray  # (G, I)
    day_w2: np.ndarray  # (G,)

    @classmethod
    def zeros(cls, n_g: int, n_bins: int, n_species: int, n_iso: int) -> "MidmShardSums":
        """Empty sums for ``n_g`` couplings, ``n_bins`` time bins, ``n_species`` (isotope x layer) cells."""
        return cls(0, np.zeros((n_g, n_bins, n_species)), np.zeros((n_g, n_bins, n_species)),
                   np.zeros((n_g, n_bins, n_iso)), np.zeros((n_g, n_bins)), np.zeros((n_g, n_iso)), np.zeros(n_g))

    def __add__(self, other: "MidmShardSums") -> "MidmShardSums":
        return MidmShardSums(self.n + other.n, self.sum_w + other.sum_w, self.sum_w2 + other.sum_w2,
                             self.iso_w2 + other.iso_w2, self.tot_w2 + other.tot_w2,
                             self.iso_day_w2 + other.iso_day_w2, self.day_w2 + other.day_w2)

    def coupling(self, k: int) -> "MidmShardSums":
        """The sums of coupling ``k`` alone (G = 1)."""
        return MidmShardSums(self.n, self.sum_w[k:k + 1], self.sum_w2[k:k + 1], self.iso_w2[k:k + 1],
                             self.tot_w2[k:k + 1], self.iso_day_w2[k:k + 1], self.day_w2[k:k + 1])


def build_model(cfg: RunConfig):
    """The :class:`~mcdm.physics.midm.MagneticInelasticDM` of a config."""
    from mcdm.physics.midm import MagneticInelasticDM

    return MagneticInelasticDM(m_chi=cfg.dark_matter.mass, delta=cfg.midm.delta, g_M=cfg.midm.g_M,
                               coupling_convention=cfg.midm.coupling_convention, constants=cfg.midm.constants)


def species_onion(number_density: np.ndarray, layer_index: np.ndarray, n_layers: int) -> np.ndarray:
    """Onion differences (n_k - n_{k+1}) of per-(isotope, layer) densities.

    number_density : (m, I) isotope densities per shell [km^-3]; layer_index : (m,) layer of each shell.
    Species column ``i * n_layers + l`` holds isotope i's density in the shells of layer l, zero elsewhere,
    so the onion sum along a ray gives each layer's share of the scatter points exactly.
    """
    m, n_iso = number_density.shape
    species = np.zeros((m, n_iso * n_layers))
    for i in range(n_iso):
        for layer in range(n_layers):
            mask = layer_index == layer
            species[mask, i * n_layers + layer] = number_density[mask, i]
    outer = np.vstack([species[1:], np.zeros((1, species.shape[1]))])
    return np.ascontiguousarray(species - outer)


def kinematic_thresholds(model, iso_mass: np.ndarray) -> np.ndarray:
    """Lab threshold speeds sqrt(2 delta / mu) per isotope [km/s] (§2.5)."""
    mu = model.m_chi * iso_mass / (model.m_chi + iso_mass)
    return np.sqrt(2.0 * model.delta / mu) * C_KM_S


def check_kinematics(model, names, iso_mass: np.ndarray, v_max: float) -> None:
    """Raise a ConfigError with the limits if no isotope can be upscattered below ``v_max`` [km/s]."""
    mu = model.m_chi * iso_mass / (model.m_chi + iso_mass)
    delta_max_kev = 0.5 * mu * (v_max / C_KM_S) ** 2 * 1e6
    if np.all(model.delta * 1e6 >= delta_max_kev):
        limits = ", ".join(f"{n} {d:.1f} keV" for n, d in sorted(zip(names, delta_max_kev), key=lambda x: -x[1]))
        raise ConfigError(
            f"midm.delta = {model.delta * 1e6:g} keV is at or above the kinematic limit of every isotope "
            f"(delta_max = mu v_max^2 / 2 with v_max = v_esc + |u_E| = {v_max:.1f} km/s): {limits}"
        )


def compile_job(cfg: RunConfig) -> tuple[MidmJob, dict[str, Any]]:
    """Resolve the config: model, nuclear responses, Earth shells per isotope and layer, frames."""
    from mcdm.physics.nuclear import compile_responses
    from mcdm.rng import shard_sizes
    from mcdm.scenarios.common import resolve_site_frames

    model = build_model(cfg)
    world = resolve_site_frames(cfg)
    names = list(cfg.midm.isotopes)
    try:
        responses = compile_responses(names, allow_helm=cfg.midm.allow_helm)
    except (ConfigError, DataLibraryError) as exc:
        raise ConfigError(f"midm.isotopes: {exc}".replace("pass allow_helm=True", "set [midm] allow_helm = true")) from None
    available = world.earth.available_nuclides()
    missing = [n for n in names if n not in available]
    if missing:
        raise ConfigError(
            f"midm.isotopes: {missing} not in Earth model {cfg.earth.model!r}; it provides {sorted(available)}"
        )
    shells = world.earth.compile(max_shell_thickness_km=cfg.earth.max_shell_thickness, nuclides=names)
    n_layers = len(shells.layer_names)
    iso_mass = np.asarray(responses.mass_gev, dtype=float)
    speeds = np.linalg.norm(world.u_earth, axis=1)
    check_kinematics(model, names, iso_mass, cfg.halo.v_esc + speeds.max())
    v_cut = max(0.0, float(kinematic_thresholds(model, iso_mass).min() - speeds.max()))
    p_cut = world.halo.probability_above(v_cut)
    volume_cm3 = cfg.detector.volume
    # rate per unit kernel weight: n_chi [cm^-3] x (km/s -> cm/s) x (GeV^-2 -> cm^2) x (km^-3 -> cm^-3) x V_D x P_cut
    scale = world.halo.number_density(model.m_chi) * KM_TO_CM * HBARC_GEV_CM**2 * KM_TO_CM**-3 * volume_cm3 * p_cut
    volume_km3 = volume_cm3 * KM_TO_CM**-3
    job = MidmJob(
        seed=cfg.run.seed,
        n_shards=cfg.run.shards,
        shard_sizes=shard_sizes(cfg.run.samples, cfg.run.shards),
        v0=cfg.halo.v0,
        v_esc=cfg.halo.v_esc,
        v_cut=v_cut,
        boost=world.u_earth.mean(axis=0),
        halo_fraction=cfg.midm.halo_fraction if cfg.midm.velocity_sampling == "mixture" else 1.0,
        u_earth=world.u_earth,
        rotations=world.rotations,
        detector_position=world.detector_position,
        outer_radii=np.ascontiguousarray(shells.outer_radii, dtype=float),
        onion=species_onion(np.asarray(shells.number_density, dtype=float), np.asarray(shells.layer_index),
                            n_layers),
        n_layers=n_layers,
        m_chi=model.m_chi,
        delta=model.delta,
        e_mu=model.e_mu_scattering,
        g_M=model.g_M,
        m_nucleon=model.m_nucleon,
        g_p=model.g_p,
        g_n=model.g_n,
        prefactor_code={"paper": 0, "standard": 1}[cfg.midm.cross_section_prefactor],
        iso_mass=iso_mass,
        iso_kind=np.ascontiguousarray(responses.kind),
        iso_coeffs=np.ascontiguousarray(responses.coeffs, dtype=float),
        iso_helm=np.ascontiguousarray(responses.helm, dtype=float),
        iso_b=np.ascontiguousarray(responses.b, dtype=float),
        iso_j=np.ascontiguousarray(responses.j, dtype=float),
        tau2_s=model.lifetime,
        taus=np.array([model.lifetime]),
        xs_scale=np.ones(1),
        form=ESTIMATOR_FORMS[cfg.midm.estimator],
        radius_det=(3.0 * volume_km3 / (4.0 * np.pi)) ** (1.0 / 3.0),
        volume_det=volume_km3,
        bin_edges_mjd=world.bin_edges_mjd,
        weight_scale=scale,
    )
    context = {"model": model, "world": world, "names": names, "layers": list(shells.layer_names),
               "p_cut": p_cut}
    return job, context


def kernel_arguments(job: MidmJob) -> tuple:
    """The physics and geometry arguments of :func:`mcdm.kernels.next_event.score_isotope` (one coupling,
    the config's g_M), in order; :func:`chunk_arguments` gives those of ``score_chunk``."""
    return (C_KM_S, job.m_chi, job.delta, job.e_mu, job.m_nucleon, job.g_p, job.g_n, job.prefactor_code,
            job.iso_mass, job.iso_kind, job.iso_coeffs, job.iso_helm, job.iso_b, job.iso_j,
            job.detector_position, job.outer_radii, job.onion, job.n_layers, job.tau2_s, job.form,
            job.radius_det, job.volume_det)


def chunk_arguments(job: MidmJob) -> tuple:
    """The physics and geometry arguments of :func:`mcdm.kernels.next_event.score_chunk`, in order."""
    return (C_KM_S, job.m_chi, job.delta, job.e_mu, job.m_nucleon, job.g_p, job.g_n, job.prefactor_code,
            job.iso_mass, job.iso_kind, job.iso_coeffs, job.iso_helm, job.iso_b, job.iso_j,
            job.detector_position, job.outer_radii, job.onion, job.n_layers, job.taus, job.xs_scale, job.form,
            job.radius_det, job.volume_det)


def with_couplings(job: MidmJob, g_values) -> MidmJob:
    """The job scoring the couplings ``g_values`` together (tau ∝ g^-2, sigma ∝ g^2, Eqs. 4-5)."""
    g = np.asarray(g_values, dtype=float).reshape(-1)
    if g.size == 0 or np.any(~np.isfinite(g)) or np.any(g <= 0):
        raise ConfigError(f"couplings must be finite and > 0, got {g_values!r}")
    ratio = g / job.g_M
    return job._replace(taus=job.tau2_s / ratio**2, xs_scale=ratio**2)


def simulate_shard(job: MidmJob, shard: int) -> MidmShardSums:
    """Score shard ``shard``: sums of weights per (bin, isotope x layer) and their squares."""
    from mcdm.kernels.next_event import score_chunk
    from mcdm.rng import shard_streams
    from mcdm.source import StandardHaloModel
    from mcdm.source.importance import LabIsotropicMixture

    rng_v, rng_u = shard_streams(job.seed, job.n_shards, shard, 2)  # velocities, CM-angle uniforms
    sampler = LabIsotropicMixture(StandardHaloModel(v0=job.v0, v_esc=job.v_esc), tuple(job.boost),
                                  v_min=job.v_cut, halo_fraction=job.halo_fraction)
    n_bins, n_iso = job.u_earth.shape[0], job.iso_mass.shape[0]
    n_species = job.onion.shape[1]
    sums = MidmShardSums.zeros(job.taus.shape[0], n_bins, n_species, n_iso)
    n_total = int(job.shard_sizes[shard])
    physics = chunk_arguments(job)
    done = 0
    while done < n_total:
        n = min(CHUNK, n_total - done)
        v_gal, weight = sampler.sample(n, rng_v)
        uniforms = rng_u.random((n, 2))
        score_chunk(v_gal, uniforms, job.u_earth, job.rotations, *physics,
                    sums.sum_w, sums.sum_w2, sums.iso_w2, sums.tot_w2, sums.iso_day_w2, sums.day_w2, weight)
        done += n
    sums.n = n_total
    return sums


def per_bin_rates(job: MidmJob, total: MidmShardSums, k: int = 0) -> dict[str, np.ndarray]:
    """Rates [s^-1] of coupling ``k`` per (bin, isotope, layer), per (bin, isotope) and per bin, with
    sample-mean errors.

    Every history scores each (bin, species) once, so Var = s^2 (sum w^2 - (sum w)^2 / N) per cell; the
    isotope and bin totals use the squared per-history totals accumulated by the kernel.
    """
    total = total.coupling(k)
    n = total.n
    s = job.weight_scale / n
    sum_w, sum_w2 = total.sum_w[0], total.sum_w2[0]
    n_bins, n_species = sum_w.shape
    n_iso = job.iso_mass.shape[0]
    cell = s * sum_w.reshape(n_bins, n_iso, job.n_layers)
    cell_var = s * s * np.maximum(sum_w2 - sum_w**2 / n, 0.0).reshape(n_bins, n_iso, job.n_layers)
    iso_sum = sum_w.reshape(n_bins, n_iso, job.n_layers).sum(axis=2)
    iso = s * iso_sum
    iso_var = s * s * np.maximum(total.iso_w2[0] - iso_sum**2 / n, 0.0)
    tot_sum = iso_sum.sum(axis=1)
    tot = s * tot_sum
    tot_var = s * s * np.maximum(total.tot_w2[0] - tot_sum**2 / n, 0.0)
    # sums over the bins (the bins share histories: use the per-history day totals)
    iso_day_sum = iso_sum.sum(axis=0)
    iso_day_var = s * s * np.maximum(total.iso_day_w2[0] - iso_day_sum**2 / n, 0.0)
    day_sum = tot_sum.sum()
    day_var = s * s * max(float(total.day_w2[0]) - day_sum**2 / n, 0.0)
    return {"cell": cell, "cell_err": np.sqrt(cell_var), "isotope": iso, "isotope_err": np.sqrt(iso_var),
            "total": tot, "total_err": np.sqrt(tot_var), "cell_sum_w2": s * s * sum_w2.reshape(cell.shape),
            "isotope_bin_sum": s * iso_day_sum, "isotope_bin_sum_err": np.sqrt(iso_day_var),
            "bin_sum": s * day_sum, "bin_sum_err": float(np.sqrt(day_var))}


def rate_tally(job: MidmJob, context: dict[str, Any], total: MidmShardSums, k: int = 0):
    """The rate tally [s^-1] of coupling ``k`` over (time, isotope, layer), with sum w^2 for history-mode
    variances."""
    from mcdm.tally import Tally, isotope_axis, layer_axis, time_axis

    total = total.coupling(k)
    s = job.weight_scale / total.n
    n_bins = total.sum_w.shape[1]
    shape = (n_bins, job.iso_mass.shape[0], job.n_layers)
    tally = Tally(time_axis(job.bin_edges_mjd), isotope_axis(context["names"]), layer_axis(context["layers"]),
                  quantity="photon rate from chi2 decays in the detector", unit="s^-1", n_histories=total.n)
    view = tally.histogram.view()
    view["value"] = s * total.sum_w.reshape(shape)
    view["variance"] = s * s * total.sum_w2.reshape(shape)
    return tally


def _hours_since_start(edges_mjd: np.ndarray) -> np.ndarray:
    """Bin centres [h] counted from the first edge."""
    centres = 0.5 * (edges_mjd[:-1] + edges_mjd[1:])
    return (centres - edges_mjd[0]) * 24.0


def report(cfg: RunConfig, job: MidmJob, context: dict[str, Any], total: MidmShardSums, outdir) -> list[str]:
    """Write the rate tally, summary, synthetic catalog and figures of a finished run; return file names.

    Rates in the summary are in events/day (a bin's rate [s^-1] x 86400); the daily total is the
    number of events in the time grid, sum over bins of rate x bin width, per day of grid span.
    """
    from pathlib import Path

    from astropy.time import Time

    from mcdm.constants import SECONDS_PER_DAY
    from mcdm.io import write_summary

    outdir = Path(outdir)
    model, names, layers = context["model"], context["names"], context["layers"]
    est = per_bin_rates(job, total)
    widths_s = np.diff(job.bin_edges_mjd) * SECONDS_PER_DAY
    span_days = float(job.bin_edges_mjd[-1] - job.bin_edges_mjd[0])
    if not np.allclose(widths_s, widths_s[0], rtol=1e-9):
        raise ConfigError("midm: the time bins must have equal widths (the daily total sums rate x width)")
    per_day = SECONDS_PER_DAY
    hours = _hours_since_start(job.bin_edges_mjd)
    written: list[str] = []

    tally = rate_tally(job, context, total)
    tally.save(outdir / "rate.json")
    written.append("rate.json")

    day_scale = widths_s[0] / span_days  # sum over bins of rate x width, per day of grid span
    iso_daily = est["isotope_bin_sum"] * day_scale
    iso_daily_err = est["isotope_bin_sum_err"] * day_scale
    daily, daily_err = est["bin_sum"] * day_scale, est["bin_sum_err"] * day_scale
    layer_daily = est["cell"].sum(axis=(0, 1)) * day_scale
    i_max, i_min = int(np.argmax(est["total"])), int(np.argmin(est["total"]))
    v_ref = 450.0  # km/s, the reference speed of Eq. (6)
    mu = model.m_chi * job.iso_mass / (model.m_chi + job.iso_mass)
    thresholds = np.sqrt(2.0 * model.delta / mu) * C_KM_S
    v_max = job.v_esc + float(np.linalg.norm(job.u_earth, axis=1).max())
    summary = {
        "name": cfg.run.name,
        "scenario": cfg.run.scenario,
        "site": context["world"].site.name,
        "earth_model": context["world"].earth.name,
        "histories": int(total.n),
        "estimator": cfg.midm.estimator,
        "units": {"rate": "events/day", "time": "UTC", "hours": "h", "speed": "km/s", "length": "km",
                  "lifetime": "s", "delta": "keV", "mass": "GeV"},
        "model": {
            "m_chi": model.m_chi, "delta": model.delta * 1e6, "g_M": model.g_M,
            "coupling_convention": model.coupling_convention, "cross_section_prefactor": cfg.midm.cross_section_prefactor,
            "lifetime": model.lifetime, "decay_length_at_450_km_s": float(model.decay_length(v_ref)),
        },
        "detector_volume_m3": cfg.detector.volume * 1e-6,
        "isotopes": {
            n: {"threshold_speed": float(thresholds[k]), "open": bool(thresholds[k] < v_max),
                "daily": float(iso_daily[k]), "daily_err": float(iso_daily_err[k]),
                "share_of_daily": float(iso_daily[k] / daily) if daily > 0 else 0.0}
            for k, n in enumerate(names)
        },
        "layers": {name: float(layer_daily[k]) for k, name in enumerate(layers)},
        "bins": {
            "start_utc": [t.isot for t in Time(job.bin_edges_mjd[:-1], format="mjd", scale="utc")],
            "hours_since_start": hours.tolist(),
            "total": (est["total"] * per_day).tolist(),
            "total_err": (est["total_err"] * per_day).tolist(),
            **{n: (est["isotope"][:, k] * per_day).tolist() for k, n in enumerate(names)},
            **{f"{n}_err": (est["isotope_err"][:, k] * per_day).tolist() for k, n in enumerate(names)},
            "dominant_isotope": [names[k] for k in np.argmax(est["isotope"], axis=1)],
        },
        "daily": float(daily),
        "daily_err": float(daily_err),
        "hour_of_max": float(hours[i_max]),
        "hour_of_min": float(hours[i_min]),
        "max_over_min": float(est["total"][i_max] / est["total"][i_min]) if est["total"][i_min] > 0 else None,
        "sampling": {"v_cut_gal": job.v_cut, "probability_above_v_cut": context["p_cut"]},
        "headline": {
            "daily rate [events/day]": f"{daily:.4g} ± {daily_err:.2g}",
            "peak / trough hour [h]": f"{hours[i_max]:.1f} / {hours[i_min]:.1f} (max/min = "
                                     f"{est['total'][i_max] / max(est['total'][i_min], 1e-300):.3g})",
            "dominant isotope (daily)": names[int(np.argmax(iso_daily))],
            "decay length at 450 km/s [km]": f"{float(model.decay_length(v_ref)):.4g}",
        },
    }
    written += _write_catalog(cfg, job, tally, context, outdir)
    summary["catalog"] = {"file": "events.parquet" if "events.parquet" in written else None,
                          "live_time_days": cfg.detector.live_time / SECONDS_PER_DAY,
                          "background_per_keV_per_year": cfg.detector.background}
    write_summary(outdir / "summary.json", summary)  # stamped with its schema version
    written.append("summary.json")

    if cfg.output.plot:
        from mcdm.plotting import plot_rate_by_category

        where = f"{summary['site']}, {cfg.time.start[:10]}"
        label = (f"m = {model.m_chi:g} GeV, δ = {model.delta * 1e6:g} keV, g_M = {model.g_M:g}, "
                 f"{cfg.detector.volume * 1e-6:g} m³")
        opened = [k for k in range(len(names)) if np.any(est["isotope"][:, k] > 0)] or list(range(len(names)))
        plot_rate_by_category(outdir / "rate_by_isotope.png", hours, est["isotope"][:, opened] * per_day,
                              est["isotope_err"][:, opened] * per_day, [names[k] for k in opened],
                              title=f"{where}: {label}", ylabel="rate [events/day]")
        by_layer = est["cell"].sum(axis=1) * per_day
        plot_rate_by_category(outdir / "rate_by_layer.png", hours, by_layer, None, layers,
                              title=f"{where}: scatter layer", ylabel="rate [events/day]")
        written += ["rate_by_isotope.png", "rate_by_layer.png"]
    return written


def _write_catalog(cfg: RunConfig, job: MidmJob, tally, context: dict[str, Any], outdir) -> list[str]:
    """Synthesize and write the event catalog of ``[detector]`` (Poisson signal + flat background),
    with Monte Carlo truth per signal event: isotope, layer, chi2 speed [km/s], flight length [km]."""
    if cfg.detector.live_time <= 0:
        return []
    from mcdm.rng import report_generator
    from mcdm.scenarios.midm_truth import make_truth_sampler
    from mcdm.synthesis import synthesize_catalog

    catalog = synthesize_catalog(
        tally, cfg.detector.live_time, report_generator(cfg.run.seed), context["model"].delta * 1e6,
        detector=context["world"].site.name, resolution_fraction=cfg.detector.resolution,
        background_per_keV_per_year=cfg.detector.background,
        truth_sampler=make_truth_sampler(job, cfg.run.seed),
        run={"name": cfg.run.name, "kind": "chi2 -> chi gamma photons (synthetic)", "seed": cfg.run.seed},
    )
    catalog.to_parquet(outdir / "events.parquet")
    return ["events.parquet"]


def point_config(name: str, output_dir, *, site: str = "gran_sasso_efk2023", delta_kev: float = 15.0,
                 g_M: float = 2e-3, samples: int = 200_000, start: str | None = None, seed: int | None = None,
                 workers: int = 1) -> dict[str, Any]:
    """The built-in midm config as a dict for one parameter point (no plots, progress or catalog).

    Used by the figure and scan scripts. delta_kev [keV], g_M [1], start: ISO 8601 UTC of the first
    bin (None keeps the default day), seed None keeps the default seed.
    """
    import tomllib

    from mcdm.config import default_config_text

    data = tomllib.loads(default_config_text())
    data["run"].update(name=name, output_dir=str(output_dir), samples=int(samples), workers=int(workers),
                       shards=min(8, int(samples)))
    if seed is not None:
        data["run"]["seed"] = int(seed)
    data["site"]["name"] = site
    data["midm"].update(delta=f"{float(delta_kev)!r} keV", g_M=float(g_M))
    if start is not None:
        data["time"]["start"] = start
    data["output"].update(plot=False, progress=False)
    data["detector"]["live_time"] = "0 d"
    return data


def run_point(data: dict[str, Any]) -> dict[str, Any]:
    """Run one config dict (e.g. from :func:`point_config`); return its summary (rates in events/day)."""
    import json

    from mcdm.config import config_from_dict
    from mcdm.run import run

    outdir = run(config_from_dict(data))
    return json.loads((outdir / "summary.json").read_text(encoding="utf-8"))


def relative_errors(job: MidmJob, total: MidmShardSums) -> np.ndarray:
    """Relative MC error of every time bin's total rate (the bins of interest of ``target_rel_error``).

    Bins without signal (all isotopes closed) are left out.
    """
    est = per_bin_rates(job, total)
    ok = est["total"] > 0
    return est["total_err"][ok] / est["total"][ok]

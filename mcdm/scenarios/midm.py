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
from mcdm.errors import ConfigError
from mcdm.units import KM_TO_CM

__all__ = ["MidmJob", "MidmShardSums", "compile_job", "simulate_shard", "per_bin_rates", "CHUNK"]

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
    u_earth: np.ndarray  # (T, 3) [km/s]
    rotations: np.ndarray  # (T, 3, 3)
    detector_position: np.ndarray  # (3,) [km]
    outer_radii: np.ndarray  # (m,) [km]
    onion: np.ndarray  # (m, I*L) density differences n_k - n_{k+1} per (isotope, layer) [km^-3]
    n_layers: int
    m_chi: float  # [GeV]
    delta: float  # [GeV]
    e_mu: float  # e * mu_tilde for scattering [GeV^-1]
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
    form: int
    radius_det: float  # [km]
    volume_det: float  # [km^3]
    bin_edges_mjd: np.ndarray
    weight_scale: float  # kernel weight -> rate per history [s^-1] (before 1/N)


@dataclass
class MidmShardSums:
    """Per-shard sums of the estimator; adding shards adds the arrays (see :func:`score_chunk`)."""

    n: int
    sum_w: np.ndarray  # (T, S)
    sum_w2: np.ndarray  # (T, S)
    iso_w2: np.ndarray  # (T, I)
    tot_w2: np.ndarray  # (T,)

    def __add__(self, other: "MidmShardSums") -> "MidmShardSums":
        return MidmShardSums(self.n + other.n, self.sum_w + other.sum_w, self.sum_w2 + other.sum_w2,
                             self.iso_w2 + other.iso_w2, self.tot_w2 + other.tot_w2)


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
    responses = compile_responses(names, allow_helm=cfg.midm.allow_helm)
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
        form={"next_event": 0, "eq41_as_printed": 1}[cfg.midm.estimator],
        radius_det=(3.0 * volume_km3 / (4.0 * np.pi)) ** (1.0 / 3.0),
        volume_det=volume_km3,
        bin_edges_mjd=world.bin_edges_mjd,
        weight_scale=scale,
    )
    context = {"model": model, "world": world, "names": names, "layers": list(shells.layer_names),
               "p_cut": p_cut}
    return job, context


def kernel_arguments(job: MidmJob) -> tuple:
    """The physics and geometry arguments of :func:`mcdm.kernels.next_event.score_chunk`, in order."""
    return (C_KM_S, job.m_chi, job.delta, job.e_mu, job.m_nucleon, job.g_p, job.g_n, job.prefactor_code,
            job.iso_mass, job.iso_kind, job.iso_coeffs, job.iso_helm, job.iso_b, job.iso_j,
            job.detector_position, job.outer_radii, job.onion, job.n_layers, job.tau2_s, job.form,
            job.radius_det, job.volume_det)


def simulate_shard(job: MidmJob, shard: int) -> MidmShardSums:
    """Score shard ``shard``: sums of weights per (bin, isotope x layer) and their squares."""
    from mcdm.kernels.next_event import score_chunk
    from mcdm.rng import shard_streams
    from mcdm.source import StandardHaloModel

    rng_v, rng_u = shard_streams(job.seed, job.n_shards, shard, 2)  # velocities, CM-angle uniforms
    halo = StandardHaloModel(v0=job.v0, v_esc=job.v_esc)
    n_bins, n_iso = job.u_earth.shape[0], job.iso_mass.shape[0]
    n_species = job.onion.shape[1]
    sums = MidmShardSums(0, np.zeros((n_bins, n_species)), np.zeros((n_bins, n_species)),
                         np.zeros((n_bins, n_iso)), np.zeros(n_bins))
    n_total = int(job.shard_sizes[shard])
    physics = kernel_arguments(job)
    done = 0
    while done < n_total:
        n = min(CHUNK, n_total - done)
        v_gal = halo.sample(n, rng_v, v_min=job.v_cut)
        uniforms = rng_u.random((n, 2))
        score_chunk(v_gal, uniforms, job.u_earth, job.rotations, *physics,
                    sums.sum_w, sums.sum_w2, sums.iso_w2, sums.tot_w2)
        done += n
    sums.n = n_total
    return sums


def per_bin_rates(job: MidmJob, total: MidmShardSums) -> dict[str, np.ndarray]:
    """Rates [s^-1] per (bin, isotope, layer), per (bin, isotope) and per bin, with sample-mean errors.

    Every history scores each (bin, species) once, so Var = s^2 (sum w^2 - (sum w)^2 / N) per cell; the
    isotope and bin totals use the squared per-history totals accumulated by the kernel.
    """
    n = total.n
    s = job.weight_scale / n
    n_bins, n_species = total.sum_w.shape
    n_iso = job.iso_mass.shape[0]
    cell = s * total.sum_w.reshape(n_bins, n_iso, job.n_layers)
    cell_var = s * s * np.maximum(total.sum_w2 - total.sum_w**2 / n, 0.0).reshape(n_bins, n_iso, job.n_layers)
    iso_sum = total.sum_w.reshape(n_bins, n_iso, job.n_layers).sum(axis=2)
    iso = s * iso_sum
    iso_var = s * s * np.maximum(total.iso_w2 - iso_sum**2 / n, 0.0)
    tot_sum = iso_sum.sum(axis=1)
    tot = s * tot_sum
    tot_var = s * s * np.maximum(total.tot_w2 - tot_sum**2 / n, 0.0)
    return {"cell": cell, "cell_err": np.sqrt(cell_var), "isotope": iso, "isotope_err": np.sqrt(iso_var),
            "total": tot, "total_err": np.sqrt(tot_var), "cell_sum_w2": s * s * total.sum_w2.reshape(cell.shape)}

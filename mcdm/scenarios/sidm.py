"""Scenario ``sidm``: self-interaction cross sections of seed 003's inelastic Majorana DM (issue 10).

The potential -alpha_chi e^{-m_s r}/r is the same for chi1 chi1, chi1 chi2 and chi2 chi2 (digest 003
§9.1), so one set of phase shifts per speed gives the identical-pair (Eqs. 103, 106) and the
distinguishable-pair (Eq. 105) cross sections; Eq. (107) mixes them at the chi2 fraction f:
<sigma_T> = (1-f)^2 s11 + 2 f (1-f) s12 + f^2 s22 with s22 = s11.

The table (``speeds`` log-spaced relative speeds) is split over the shards, each shard computing
its own speeds (deterministic: no random numbers). The report adds the Maxwellian averages
<sigma_T v>/m and <sigma_T v>/(m <v>) for dwarfs (v0 = 30 km/s), the Milky Way (220), groups
(700) and clusters (1190) (:data:`mcdm.physics.sidm.SYSTEM_V0_KM_S`).

Outputs (``report``): ``cross_sections.csv`` and ``cross_sections.json`` (v [km/s], sigma_T/m and
sigma_V/m [cm^2/g] for identical and distinguishable pairs and the mixture), ``systems.json``,
``sigma_over_m.png``, ``summary.json``.

Public API: :func:`compile_job`, :func:`simulate_shard`, :func:`report`, :func:`relative_errors`,
:func:`mixture_speed_function`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NamedTuple

import numpy as np

from mcdm.config import RunConfig
from mcdm.scenarios.common import concatenate_rows

__all__ = ["SidmJob", "SidmTable", "compile_job", "simulate_shard", "report", "relative_errors",
           "mixture_speed_function"]


class SidmJob(NamedTuple):
    """The potential, options and the speed grid split into shards."""

    seed: int
    n_shards: int
    shard_sizes: np.ndarray
    potential: Any  # mcdm.physics.sidm.YukawaPotential
    speeds: np.ndarray  # [km/s]
    method: str
    identical_half: bool
    excited_fraction: float


@dataclass
class SidmTable:
    """Rows of the table (add with +, in shard order): speed [km/s]; sigma/m [cm^2/g]."""

    v: np.ndarray
    t_identical: np.ndarray
    v_identical: np.ndarray
    t_distinguishable: np.ndarray
    v_distinguishable: np.ndarray
    seconds: float = 0.0

    def __add__(self, other: SidmTable) -> SidmTable:
        return concatenate_rows(self, other)

    def mixture(self, f: float) -> np.ndarray:
        """Eq. (107) transfer cross section per mass at chi2 fraction f [cm^2/g]."""
        from mcdm.physics.sidm import mixture_transfer_cross_section

        return np.asarray(mixture_transfer_cross_section(f, self.t_identical, self.t_distinguishable,
                                                         self.t_identical))


def compile_job(cfg: RunConfig) -> tuple[SidmJob, dict[str, Any]]:
    """The Yukawa potential of [sidm] and its speed grid over min(run.shards, speeds) shards."""
    from mcdm.physics.sidm import YukawaPotential
    from mcdm.rng import shard_sizes

    s = cfg.sidm
    pot = YukawaPotential(s.alpha_chi, s.m_chi, s.m_s)
    speeds = np.geomspace(s.v_min, s.v_max, s.speeds)
    n_shards = min(max(1, cfg.run.shards), s.speeds)
    job = SidmJob(cfg.run.seed, n_shards, shard_sizes(s.speeds, n_shards), pot, speeds, s.method,
                  s.identical_half, s.excited_fraction)
    return job, {}


def _cross_sections(job: SidmJob, v: np.ndarray, viscosity: bool = True) -> tuple[np.ndarray, ...]:
    """(sigma_T/m, sigma_V/m) for identical then distinguishable pairs [cm^2/g] (sigma_V None unless
    ``viscosity``)."""
    from mcdm.physics.sidm import transfer_cross_section_per_mass, viscosity_cross_section_per_mass

    out = []
    for pair in ("identical", "distinguishable"):
        method = "partial_wave" if pair == "identical" else job.method  # the fits are for distinguishable pairs
        kw = dict(pair=pair, identical_half=job.identical_half)
        out.append(np.atleast_1d(transfer_cross_section_per_mass(job.potential, v, method=method, **kw)))
        out.append(np.atleast_1d(viscosity_cross_section_per_mass(job.potential, v, **kw)) if viscosity else None)
    return tuple(out)


def simulate_shard(job: SidmJob, shard: int) -> SidmTable:
    """Cross sections at the speeds of shard ``shard``."""
    t0 = time.perf_counter()
    first = int(np.sum(job.shard_sizes[:shard]))
    v = job.speeds[first:first + int(job.shard_sizes[shard])]
    ti, vi, td, vd = _cross_sections(job, v)
    return SidmTable(v, ti, vi, td, vd, time.perf_counter() - t0)


def relative_errors(job: SidmJob, total: SidmTable) -> np.ndarray:
    """None: the table is deterministic."""
    return np.zeros(0)


def mixture_speed_function(job: SidmJob) -> Callable[[np.ndarray], np.ndarray]:
    """v [km/s] -> Eq. (107) <sigma_T>/m [cm^2/g] at the job's chi2 fraction (for Maxwellian averages)."""
    from mcdm.physics.sidm import mixture_transfer_cross_section

    def g(v: np.ndarray) -> np.ndarray:
        ti, _, td, _ = _cross_sections(job, np.asarray(v, dtype=float), viscosity=False)
        return np.asarray(mixture_transfer_cross_section(job.excited_fraction, ti, td, ti))
    return g


def _systems(job: SidmJob, nodes: int) -> dict[str, Any]:
    from mcdm.physics.sidm import SYSTEM_V0_KM_S, maxwell_average, mean_relative_speed

    g = mixture_speed_function(job)
    out = {}
    for name, v0 in SYSTEM_V0_KM_S.items():
        sv = maxwell_average(g, v0, n_nodes=nodes)
        mv = float(mean_relative_speed(v0))
        out[name] = {"v0_km_s": v0, "mean_v_km_s": mv, "sigma_v_over_m": sv, "sigma_over_m": sv / mv}
    return out


def _plot(path: Path, job: SidmJob, t: SidmTable, systems: dict[str, Any]) -> None:
    from mcdm.plotting import new_figure, save_figure

    fig, ax = new_figure()
    ax.loglog(t.v, t.t_identical, label=r"$\sigma_T/m$ identical ($\chi_1\chi_1$, $\chi_2\chi_2$)")
    ax.loglog(t.v, t.t_distinguishable, ls="--", label=r"$\sigma_T/m$ distinguishable ($\chi_1\chi_2$)")
    ax.loglog(t.v, t.v_distinguishable, ls=":", label=r"$\sigma_V/m$ distinguishable")
    if job.excited_fraction > 0:
        ax.loglog(t.v, t.mixture(job.excited_fraction), color="k", lw=1.5,
                  label=f"Eq. (107) mixture, f = {job.excited_fraction:g}")
    for name, s in systems.items():
        ax.plot(s["mean_v_km_s"], s["sigma_over_m"], "o", ms=6, label=f"{name}: ⟨σv⟩/(m⟨v⟩)")
    p = job.potential
    ax.set_title(f"α_χ = {p.alpha_chi:g}, m_χ = {p.m_chi_gev:g} GeV, m_s = {1e3 * p.m_s_gev:g} MeV", fontsize=9)
    ax.set_xlabel("relative speed v [km/s]")
    ax.set_ylabel(r"$\sigma/m$ [cm$^2$/g]")
    ax.legend(fontsize=7)
    save_figure(fig, path)


def report(cfg: RunConfig, job: SidmJob, context: dict[str, Any], total: SidmTable, outdir) -> list[str]:
    """Write the table, the system averages, the plot and the summary; return the file names."""
    import pandas as pd

    from mcdm.io import atomic_path, atomic_write_json, to_jsonable, write_summary

    outdir = Path(outdir)
    f = job.excited_fraction
    table = {"v_km_s": total.v, "sigma_T_over_m_identical": total.t_identical,
             "sigma_V_over_m_identical": total.v_identical,
             "sigma_T_over_m_distinguishable": total.t_distinguishable,
             "sigma_V_over_m_distinguishable": total.v_distinguishable,
             "sigma_T_over_m_mixture": total.mixture(f)}
    with atomic_path(outdir / "cross_sections.csv") as tmp:
        pd.DataFrame(table).to_csv(tmp, index=False, float_format="%.8e")
    units = {"v_km_s": "km/s", "sigma_over_m": "cm2/g", "sigma_v_over_m": "cm2/g km/s"}
    atomic_write_json(outdir / "cross_sections.json", to_jsonable({"units": units, **table}))
    t0 = time.perf_counter()
    systems = _systems(job, cfg.sidm.average_nodes)
    atomic_write_json(outdir / "systems.json", to_jsonable({"units": units, "excited_fraction": f,
                                                           "systems": systems}))
    written = ["cross_sections.csv", "cross_sections.json", "systems.json"]
    if cfg.output.plot:
        _plot(outdir / "sigma_over_m.png", job, total, systems)
        written.append("sigma_over_m.png")
    p = job.potential
    summary = {"scenario": "sidm", "units": {**units, "m": "GeV", "seconds": "s"},
               "alpha_chi": p.alpha_chi, "m_chi": p.m_chi_gev, "m_s": p.m_s_gev, "b = alpha m/m_s": p.b,
               "excited_fraction": f, "identical_half": job.identical_half, "method": job.method,
               "speeds": int(total.v.size),
               "systems_sigma_over_m": {k: v["sigma_over_m"] for k, v in systems.items()},
               "table_seconds": total.seconds, "average_seconds": time.perf_counter() - t0}
    summary["headline"] = {f"<sigma_T v>/(m <v>) {k} (f = {f:g})": f"{v['sigma_over_m']:.4g} cm2/g"
                           for k, v in systems.items()}
    write_summary(outdir / "summary.json", to_jsonable(summary))
    written.append("summary.json")
    return written

"""Scenario ``idm-recoils``: a year of inelastic nuclear-recoil spectra of seed 003's Majorana DM (issue 10).

dR/dE_R(t) [events/(kg day keV)] from :mod:`mcdm.physics.inelastic_dd` on a linear E_R grid for the
days 0 .. ``days`` after [time] start (the Earth's speed through the [halo] SHM on each day), for the
[idm] ``model``: ``axial_proton`` (seed 003: axial DM current x proton vector current through a
kinetically mixed Z'), ``si`` or ``magnetic`` (seed 004's MIDM). The days are split over the shards
(deterministic, no random numbers); the report fits S0 + Sm cos(2 pi (t - t0)/yr) per energy and
draws a synthetic recoil catalog from the table with the run's report stream
(:func:`mcdm.rng.report_generator`), so neither shards nor workers change it.

Outputs (``report``): ``spectra.parquet`` (day, E_R, rate, long format) and ``spectra.json`` (the
table with units), ``modulation.json`` and ``modulation.csv`` (S0, Sm, Sm/S0 and the day of maximum
per energy, plus the same for energy windows), ``events.parquet`` (EventCatalog; times, recoil
energies) when ``detector_mass`` > 0, ``spectra.png``, ``modulation.png``, ``summary.json``.

Public API: :func:`compile_job`, :func:`simulate_shard`, :func:`report`, :func:`relative_errors`,
:func:`model_parameters`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from mcdm.config import RunConfig
from mcdm.scenarios.common import concatenate_rows
from mcdm.constants import GEV_PER_KG

__all__ = ["IdmJob", "SpectraRows", "compile_job", "simulate_shard", "report", "relative_errors",
           "model_parameters"]

_KEV = 1e-6  # GeV per keV
#: energy windows of the modulation summary [keV]
WINDOWS_KEV = ((1.0, 10.0), (10.0, 30.0), (30.0, 100.0))


class IdmJob(NamedTuple):
    """Model parameters, target, halo, the day and energy grids and their split over shards."""

    seed: int
    n_shards: int
    shard_sizes: np.ndarray  # days per shard
    params: Any
    target: str
    halo: Any
    days: np.ndarray  # [d since t_start]
    e_r_kev: np.ndarray
    t_start_iso: str
    earth_model: str


@dataclass
class SpectraRows:
    """Rows (days) of the table (add with +, in shard order): days [d], u [km/s], rate [events/(kg day keV)]."""

    days: np.ndarray
    u_km_s: np.ndarray
    rate: np.ndarray
    seconds: float = 0.0

    def __add__(self, other: SpectraRows) -> SpectraRows:
        return concatenate_rows(self, other)


def model_parameters(i: Any) -> Any:
    """The :mod:`mcdm.physics.inelastic_dd` parameters of an [idm] section."""
    from mcdm.physics import inelastic_dd as dd

    delta_kev = i.delta / _KEV
    if i.model == "axial_proton":
        return dd.AxialProtonDM(i.m_chi, delta_kev, i.g_chi, i.epsilon, i.m_zprime, propagator=i.propagator,
                                c8_sign=i.c8_sign, vertex_factor=i.vertex_factor)
    if i.model == "si":
        return dd.SpinIndependentDM(i.m_chi, delta_kev, i.sigma_p)
    from mcdm.physics.midm import MagneticInelasticDM

    from mcdm.errors import ConfigError

    if not i.delta > 0:
        raise ConfigError("idm.delta must be > 0 for model = 'magnetic' (an upscatter)")
    return dd.MagneticDM(MagneticInelasticDM(m_chi=i.m_chi, delta=i.delta, g_M=i.g_M))


def compile_job(cfg: RunConfig) -> tuple[IdmJob, dict[str, Any]]:
    """Model, grids and the day split over min(run.shards, days + 1) shards."""
    from astropy.time import Time

    from mcdm.rng import shard_sizes
    from mcdm.source.halo import StandardHaloModel

    i = cfg.idm
    params = model_parameters(i)
    days = np.arange(i.days + 1, dtype=float)
    e = np.linspace(i.e_min / _KEV, i.e_max / _KEV, i.energies)
    n_shards = min(max(1, cfg.run.shards), days.size)
    t0 = Time(cfg.time.start, scale="utc").utc.isot
    job = IdmJob(cfg.run.seed, n_shards, shard_sizes(days.size, n_shards), params, i.target,
                 StandardHaloModel(v0=cfg.halo.v0, v_esc=cfg.halo.v_esc, rho_chi=cfg.halo.rho), days, e, t0,
                 cfg.halo.earth_velocity)
    return job, {}


def simulate_shard(job: IdmJob, shard: int) -> SpectraRows:
    """dR/dE_R on the energy grid for the days of shard ``shard``."""
    from mcdm.physics.inelastic_dd import earth_speeds_km_s, recoil_spectra

    t0 = time.perf_counter()
    first = int(np.sum(job.shard_sizes[:shard]))
    d = job.days[first:first + int(job.shard_sizes[shard])]
    u = earth_speeds_km_s(d, earth_model=job.earth_model, start=job.t_start_iso)
    rate = recoil_spectra(job.e_r_kev, u, job.params, job.target, job.halo)
    return SpectraRows(d, u, rate, time.perf_counter() - t0)


def relative_errors(job: IdmJob, total: SpectraRows) -> np.ndarray:
    """None: the table is deterministic."""
    return np.zeros(0)


# ------------------------------------------------------------------------------------------ report
def _window_rates(e: np.ndarray, rate: np.ndarray) -> dict[str, np.ndarray]:
    """Rate integrated over each window of :data:`WINDOWS_KEV` inside the grid [events/(kg day)] per day."""
    out = {}
    for lo, hi in WINDOWS_KEV:
        sel = (e >= lo) & (e <= hi)
        if sel.sum() >= 2:
            out[f"{lo:g}-{hi:g} keV"] = np.trapezoid(rate[:, sel], e[sel], axis=1)
    return out


def _plots(outdir: Path, job: IdmJob, total: SpectraRows, fit: Any) -> list[str]:
    from mcdm.plotting import new_figure, save_figure

    e = job.e_r_kev
    fig, ax = new_figure()
    i_max = int(np.argmax(total.u_km_s))
    i_min = int(np.argmin(total.u_km_s))
    ax.plot(e, total.rate.mean(axis=0), color="k", label="year mean S0")
    ax.plot(e, total.rate[i_max], ls="--", label=f"day {total.days[i_max]:.0f} (fastest Earth)")
    ax.plot(e, total.rate[i_min], ls=":", label=f"day {total.days[i_min]:.0f} (slowest Earth)")
    ax.set_yscale("log")
    ax.set_xlabel("recoil energy E_R [keV]")
    ax.set_ylabel("dR/dE_R [events/(kg day keV)]")
    p = job.params
    ax.set_title(f"{p.model}: m_χ = {p.m_chi:g} GeV, δ = {p.delta_kev:g} keV, target {job.target}", fontsize=9)
    ax.legend(fontsize=7)
    save_figure(fig, outdir / "spectra.png")
    fig, (a1, a2) = new_figure(ncols=2, figsize=(10, 4))
    a1.plot(e, fit.fraction)
    a1.set_xlabel("E_R [keV]")
    a1.set_ylabel("modulation fraction S_m/S_0")
    a2.plot(e, fit.phase_day)
    a2.axhline(152.5, color="grey", ls=":", lw=0.8)
    a2.set_xlabel("E_R [keV]")
    a2.set_ylabel("day of maximum [d after start]")
    save_figure(fig, outdir / "modulation.png")
    return ["spectra.png", "modulation.png"]


def report(cfg: RunConfig, job: IdmJob, context: dict[str, Any], total: SpectraRows, outdir) -> list[str]:
    """Write the spectra table, the modulation fit, the catalog, plots and the summary; return the names."""
    import pandas as pd
    from astropy.time import Time, TimeDelta

    from mcdm.events import EventCatalog
    from mcdm.io import atomic_path, atomic_write_json, to_jsonable, write_summary
    from mcdm.physics.inelastic_dd import AnnualSpectra, modulation_fit, sample_recoil_events
    from mcdm.rng import report_generator

    outdir = Path(outdir)
    e = job.e_r_kev
    fit = modulation_fit(total.days, total.rate)
    windows = _window_rates(e, total.rate)
    wfits = {k: modulation_fit(total.days, v) for k, v in windows.items()}
    long = pd.DataFrame({"day": np.repeat(total.days, e.size), "e_r_keV": np.tile(e, total.days.size),
                         "rate_per_kg_day_keV": total.rate.ravel()})
    with atomic_path(outdir / "spectra.parquet") as tmp:
        long.to_parquet(tmp, index=False)
    units = {"day": "d after [time] start", "e_r_keV": "keV", "rate": "events/(kg day keV)",
             "u_km_s": "km/s", "window_rate": "events/(kg day)"}
    atomic_write_json(outdir / "spectra.json", to_jsonable({"units": units, "t_start": job.t_start_iso,
                                                            "days": total.days, "e_r_keV": e,
                                                            "u_km_s": total.u_km_s, "rate": total.rate}))
    mod = {"e_r_keV": e, "s0": fit.s0, "sm": fit.sm, "fraction": fit.fraction, "phase_day": fit.phase_day}
    with atomic_path(outdir / "modulation.csv") as tmp:
        pd.DataFrame(mod).to_csv(tmp, index=False, float_format="%.8e")
    atomic_write_json(outdir / "modulation.json", to_jsonable({
        "units": units, **mod, "period_days": fit.period_days,
        "windows": {k: {"s0": w.s0, "sm": w.sm, "fraction": w.fraction, "phase_day": w.phase_day}
                    for k, w in wfits.items()}}))
    written = ["spectra.parquet", "spectra.json", "modulation.csv", "modulation.json"]
    exposure = cfg.idm.detector_mass / GEV_PER_KG * (total.days[-1] - total.days[0])
    n_events = 0
    if exposure > 0:
        table = AnnualSpectra(total.days, e, total.rate, total.u_km_s)
        t_days, energies = sample_recoil_events(report_generator(cfg.run.seed), table, exposure)
        n_events = int(t_days.size)
        times = Time(job.t_start_iso, scale="utc") + TimeDelta(t_days * 86400.0, format="sec")
        cat = EventCatalog.from_arrays(times, energies, job.target,
                                       run={"scenario": "idm-recoils", "model": job.params.model,
                                            "exposure_kg_day": exposure})
        cat.to_parquet(outdir / "events.parquet")
        written.append("events.parquet")
    if cfg.output.plot:
        written += _plots(outdir, job, total, fit)
    p = job.params
    summary = {"scenario": "idm-recoils", "model": p.model, "m_chi_GeV": p.m_chi, "delta_keV": p.delta_kev,
               "target": job.target, "units": units, "exposure_kg_day": exposure, "events": n_events,
               "mean_rate_per_kg_day": float(np.trapezoid(fit.s0, e)),
               "windows": {k: {"s0": float(w.s0), "fraction": float(w.fraction), "phase_day": float(w.phase_day)}
                           for k, w in wfits.items()},
               "table_seconds": total.seconds}
    summary["headline"] = {"rate over the grid": f"{summary['mean_rate_per_kg_day']:.4g} events/(kg day)",
                           **{f"Sm/S0 {k}": f"{w.fraction:.3f} (max day {w.phase_day:.0f})"
                              for k, w in wfits.items()},
                           "catalog events": f"{n_events} in {exposure:.4g} kg day"}
    write_summary(outdir / "summary.json", to_jsonable(summary))
    return written + ["summary.json"]

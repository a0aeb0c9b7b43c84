"""Scenario ``global_signal``: dark-atom CMB absorption of seed 002 part 2 (issue 11; digest 002 §6-§7).

The run computes the global signal delta T_b(nu_0) of the [global_signal] parameter point
(:func:`mcdm.forest.global_signal.global_signal`), its trough (centre, amplitude, FWHM) and the
viability window of digest §14 item 7; the Milky Way cooling and dipole bounds on calA for the
point (:mod:`mcdm.forest.constraints`); the FIRAS chi^2 when ``firas_file`` is given; and, with
``edges_file`` (a user CSV, or ``"synthetic"`` for the labelled demo spectrum), the foreground-only and
flattened-Gaussian residuals and a seeded random search of the DM + foreground model over the six
Table-2 parameters.

The search is the Monte Carlo part: points come in blocks of :data:`BLOCK`; block b draws its points
from ``SeedSequence(seed, spawn_key=(SEARCH_KEY, b))`` and the shards are runs of blocks, so neither
shards nor workers (nor a Dask cluster) change the result. Each shard keeps only its :data:`KEEP`
lowest residuals (ties broken by the point's index) and a histogram of residuals, so memory stays
bounded for the paper's 2e6 points. The report refines the best point with iminuit (``refine``).

Outputs: ``global_signal.json`` and ``global_signal.png`` (the curve, units), ``edges_fit.json`` and
``edges_fit.png`` (with an EDGES file), ``search_best.csv`` (the lowest-residual points),
``summary.json`` (headline: trough, bounds, residuals).

Public API: :func:`compile_job`, :func:`simulate_shard`, :func:`report`, :func:`relative_errors`,
:func:`search_ranges`, :data:`BLOCK`, :data:`KEEP`, :data:`SEARCH_KEY`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from mcdm.config import RunConfig

__all__ = ["GlobalSignalJob", "SearchSums", "compile_job", "simulate_shard", "report", "relative_errors",
           "search_ranges", "BLOCK", "KEEP", "SEARCH_KEY", "RESIDUAL_EDGES_K"]

#: search points per random-number block
BLOCK = 64
#: lowest-residual points kept per shard (and in the total)
KEEP = 200
#: first spawn-key entry of the search streams
SEARCH_KEY = 2**41 + 11
#: residual histogram edges [K]
RESIDUAL_EDGES_K = np.geomspace(1e-3, 1e2, 51)


class GlobalSignalJob(NamedTuple):
    """The parameter point, the EDGES data (or None), the search ranges and blocks over shards."""

    seed: int
    n_shards: int
    shard_sizes: np.ndarray  # blocks per shard
    params: Any  # GlobalSignalParams
    data: Any  # EdgesData or None
    ranges: dict
    n_points: int


@dataclass
class SearchSums:
    """Search results of some blocks (add with +): the KEEP best (index, point, residual), the count
    and the residual histogram (+inf residuals counted apart)."""

    index: np.ndarray
    points: np.ndarray
    residuals: np.ndarray
    evaluated: int
    histogram: np.ndarray
    failed: int
    seconds: float = 0.0

    def __add__(self, other: SearchSums) -> SearchSums:
        return _best(np.concatenate([self.index, other.index]), np.vstack([self.points, other.points]),
                     np.concatenate([self.residuals, other.residuals]), self.evaluated + other.evaluated,
                     self.histogram + other.histogram, self.failed + other.failed, self.seconds + other.seconds)


def _best(index, points, residuals, evaluated, histogram, failed, seconds) -> SearchSums:
    order = np.lexsort((index, residuals))[:KEEP]
    return SearchSums(index[order], points[order], residuals[order], evaluated, histogram, failed, seconds)


def search_ranges(g: Any) -> dict:
    """The six search ranges of a [global_signal] section in the mcdm.forest.edges layout."""
    return {"m_chi_mev": (*g.m_chi_range, "log"), "T_star": tuple(g.t_star_range),
            "radiative_coupling": (*g.calA_range, "log"), "a": (*g.a_range, "log"),
            "z_sat": (*g.z_sat_range, "log"), "beta": tuple(g.beta_range)}


def _params(g: Any) -> Any:
    from mcdm.forest.global_signal import GlobalSignalParams

    return GlobalSignalParams(m_chi=g.m_chi, nu_star=g.nu_star, radiative_coupling=g.radiative_coupling, a=g.a,
                              z_sat=g.z_sat, beta=g.beta, z_dec=g.z_dec, a_hi=g.a_hi)


def _edges_data(g: Any) -> Any:
    from mcdm.forest.edges import load_edges, synthetic_spectrum

    if not g.edges_file:
        return None
    return synthetic_spectrum() if g.edges_file == "synthetic" else load_edges(g.edges_file)


def compile_job(cfg: RunConfig) -> tuple[GlobalSignalJob, dict[str, Any]]:
    """Parameters, data and the search blocks over min(run.shards, blocks) shards."""
    from mcdm.rng import shard_sizes

    g = cfg.global_signal
    params = _params(g)
    n_blocks = max(1, -(-g.search_points // BLOCK))
    n_shards = min(max(1, cfg.run.shards), n_blocks)
    job = GlobalSignalJob(cfg.run.seed, n_shards, shard_sizes(n_blocks, n_shards), params, _edges_data(g),
                          search_ranges(g), g.search_points)
    return job, {}


def _block_points(job: GlobalSignalJob, block: int) -> np.ndarray:
    from mcdm.forest.edges import sample_points

    count = max(0, min(BLOCK, job.n_points - block * BLOCK))
    seq = np.random.SeedSequence(int(job.seed), spawn_key=(SEARCH_KEY, int(block)))
    return sample_points(job.ranges, count, seq) if count else np.zeros((0, 6))


def simulate_shard(job: GlobalSignalJob, shard: int) -> SearchSums:
    """Residuals [K] of the DM + foreground model at the points of the shard's blocks."""
    from mcdm.forest.edges import evaluate_points

    t0 = time.perf_counter()
    first = int(np.sum(job.shard_sizes[:shard]))
    idx, pts, res = [], [], []
    for b in range(first, first + int(job.shard_sizes[shard])):
        p = _block_points(job, b)
        if len(p):
            idx.append(b * BLOCK + np.arange(len(p)))
            pts.append(p)
            res.append(evaluate_points(p, job.data))
    if not pts:
        return SearchSums(np.zeros(0, dtype=np.int64), np.zeros((0, 6)), np.zeros(0), 0,
                          np.zeros(RESIDUAL_EDGES_K.size - 1), 0, time.perf_counter() - t0)
    r = np.concatenate(res)
    ok = np.isfinite(r)
    hist = np.histogram(r[ok], RESIDUAL_EDGES_K)[0].astype(float)
    return _best(np.concatenate(idx), np.vstack(pts), r, int(r.size), hist, int((~ok).sum()),
                 time.perf_counter() - t0)


def relative_errors(job: GlobalSignalJob, total: SearchSums) -> np.ndarray:
    """None: the search covers exactly ``search_points`` points."""
    return np.zeros(0)


# ------------------------------------------------------------------------------------------ report
def _bounds(params: Any) -> dict[str, float]:
    from mcdm.forest.constraints import cooling_bound, mw_dipole, mw_virial_temperature

    t_vir = float(mw_virial_temperature(params.m_chi))
    dip = mw_dipole(params.dm, t_vir)
    return {"T_vir_MW_K": t_vir, "calA_max_cooling": cooling_bound(params.nu_star, t_vir, a_hi=params.a_hi),
            "calA_max_dipole": float(dip.calA_max), "dipole_K_per_calA": float(dip.delta_T / params.radiative_coupling)}


def _curve_plot(path: Path, nu: np.ndarray, dtb: np.ndarray, shape: Any, params: Any) -> None:
    from mcdm.plotting import new_figure, save_figure

    fig, ax = new_figure()
    ax.plot(nu, dtb, color="k")
    ax.axvline(shape.centre, color="grey", ls=":", lw=0.8)
    ax.set_xlabel(r"observed frequency $\nu_0$ [MHz]")
    ax.set_ylabel(r"$\delta T_b$ [K]")
    ax.set_title(f"m_χ = {params.m_chi * 1e3:g} MeV, T* = {params.T_star:.3g} K, calA = {params.radiative_coupling:g}, "
                 f"a = {params.a:g}, z_sat = {params.z_sat:g}, β = {params.beta:g}", fontsize=8)
    save_figure(fig, path)


def _edges_outputs(cfg: RunConfig, job: GlobalSignalJob, total: SearchSums, outdir: Path) -> tuple[list[str], dict]:
    import pandas as pd

    from mcdm.forest.edges import (PARAM_NAMES, evaluate_points, fit_flattened_gaussian, fit_foreground,
                                   params_from_point, refine_minuit)
    from mcdm.forest.global_signal import global_signal
    from mcdm.io import atomic_path, atomic_write_json, to_jsonable
    from mcdm.plotting import new_figure, save_figure

    g, data = cfg.global_signal, job.data
    fg = fit_foreground(data, g.foreground)
    flat = fit_flattened_gaussian(data, g.foreground)
    point_rms = float(evaluate_points(np.array([[job.params.m_chi * 1e3, job.params.T_star,
                                                 job.params.radiative_coupling, job.params.a, job.params.z_sat,
                                                 job.params.beta]]), data, job.params)[0])
    out: dict[str, Any] = {"source": data.source, "synthetic": data.source == "synthetic",
                           "foreground_only_rms_K": fg.rms, "flattened_gaussian_rms_K": flat.rms,
                           "flattened_gaussian": {"A_K": flat.A, "nu0_MHz": flat.nu0, "w_MHz": flat.w, "tau": flat.tau},
                           "configured_point_rms_K": point_rms}
    written: list[str] = []
    best = None
    if len(total.residuals):
        best, best_rms = total.points[0], float(total.residuals[0])
        out.update(search_points=total.evaluated, search_failed=total.failed, search_best_rms_K=best_rms,
                   search_best=dict(zip(PARAM_NAMES, best)))
        if g.refine:
            best, best_rms, _ = refine_minuit(data, best, job.ranges, base=job.params)
            out.update(refined_rms_K=best_rms, refined=dict(zip(PARAM_NAMES, best)))
        with atomic_path(outdir / "search_best.csv") as tmp:
            pd.DataFrame(np.column_stack([total.index, total.points, total.residuals]),
                         columns=["index", *PARAM_NAMES, "rms_K"]).to_csv(tmp, index=False, float_format="%.8g")
        written.append("search_best.csv")
    atomic_write_json(outdir / "edges_fit.json", to_jsonable({"units": {"rms": "K", "nu": "MHz"}, **out}))
    written.append("edges_fit.json")
    if cfg.output.plot:
        fig, (a1, a2) = new_figure(nrows=2, figsize=(6.5, 6.5))
        a1.plot(data.nu, fg.residuals, lw=0.8, label=f"foreground only ({fg.rms * 1e3:.0f} mK)")
        a1.plot(data.nu, flat.residuals, lw=0.8, label=f"flattened Gaussian + fg ({flat.rms * 1e3:.0f} mK)")
        a1.set_ylabel("residual [K]")
        a1.legend(fontsize=7)
        a1.set_title(("SYNTHETIC demo spectrum (not EDGES data)" if out["synthetic"] else f"{data.source}"), fontsize=8)
        nu = np.linspace(data.nu.min(), data.nu.max(), 400)
        a2.plot(nu, global_signal(nu, job.params), label="configured point")
        if best is not None:
            a2.plot(nu, global_signal(nu, params_from_point(best, job.params)), label="best search point")
        from mcdm.forest.edges import flattened_gaussian

        a2.plot(nu, flattened_gaussian(nu, flat.A, flat.nu0, flat.w, flat.tau), ls="--", label="flattened Gaussian")
        a2.set_xlabel("frequency [MHz]")
        a2.set_ylabel(r"$\delta T_b$ [K]")
        a2.legend(fontsize=7)
        save_figure(fig, outdir / "edges_fit.png")
        written.append("edges_fit.png")
    return written, out


def report(cfg: RunConfig, job: GlobalSignalJob, context: dict[str, Any], total: SearchSums, outdir) -> list[str]:
    """Write the curve, bounds, EDGES/FIRAS comparisons and the summary; return the file names."""
    from mcdm.forest.edges import is_viable
    from mcdm.forest.global_signal import global_signal, signal_shape
    from mcdm.io import atomic_write_json, to_jsonable, write_summary

    g, p = cfg.global_signal, job.params
    outdir = Path(outdir)
    t0 = time.perf_counter()
    nu = np.linspace(g.nu_min / 1e6, g.nu_max / 1e6, g.channels)
    dtb = global_signal(nu, p)
    curve_s = time.perf_counter() - t0
    shape = signal_shape(nu, dtb)
    atomic_write_json(outdir / "global_signal.json", to_jsonable({
        "units": {"nu": "MHz", "delta_T_b": "K"}, "nu_MHz": nu, "delta_T_b_K": dtb,
        "trough": shape._asdict(), "viable_edges_window": is_viable(nu, dtb)}))
    written = ["global_signal.json"]
    if cfg.output.plot:
        _curve_plot(outdir / "global_signal.png", nu, dtb, shape, p)
        written.append("global_signal.png")
    bounds = _bounds(p)
    summary: dict[str, Any] = {"scenario": "global_signal", "units": {"nu": "MHz", "T": "K", "rms": "K", "seconds": "s"},
                               "params": {"m_chi_MeV": p.m_chi * 1e3, "T_star_K": p.T_star,
                                          "radiative_coupling": p.radiative_coupling, "a": p.a, "z_sat": p.z_sat,
                                          "beta": p.beta, "z_dec": p.z_dec, "a_hi": p.a_hi},
                               "trough": shape._asdict(), "viable_edges_window": is_viable(nu, dtb),
                               "curve_seconds": curve_s, "bounds": bounds}
    headline = {"trough": f"{shape.centre:.2f} MHz, {shape.amplitude:.3f} K deep, FWHM {shape.fwhm:.2f} MHz",
                "calA max (MW cooling / dipole)": f"{bounds['calA_max_cooling']:.3g} / {bounds['calA_max_dipole']:.3g}"}
    if job.data is not None:
        files, edges = _edges_outputs(cfg, job, total, outdir)
        written += files
        summary["edges"] = edges
        headline["EDGES residual fg / flattened / point"] = (
            f"{edges['foreground_only_rms_K']:.4f} / {edges['flattened_gaussian_rms_K']:.4f} / "
            f"{edges['configured_point_rms_K']:.4f} K" + (" (SYNTHETIC demo)" if edges["synthetic"] else ""))
        if "search_best_rms_K" in edges:
            headline["search best rms"] = (f"{edges.get('refined_rms_K', edges['search_best_rms_K']):.4f} K "
                                           f"({edges['search_points']} points)")
        summary["search_seconds"] = total.seconds
    if g.firas_file:
        from mcdm.forest.firas import firas_chi2, load_firas

        fr = firas_chi2(load_firas(g.firas_file, g.firas_unit), p)
        summary["firas"] = {"chi2": fr.chi2, "points": fr.n, "dT_K": fr.dT}
        headline["FIRAS chi2"] = f"{fr.chi2:.2f} for {fr.n} points"
    summary["headline"] = headline
    write_summary(outdir / "summary.json", to_jsonable(summary))
    return written + ["summary.json"]

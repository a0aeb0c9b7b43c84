"""Scenario ``forest``: the dark forest of seed 002 (issue 8; digest 002 §5).

Each sightline is drawn by :class:`mcdm.forest.sightline.SightlineSampler` (Eq. 18 equiprobable
bins with Bernoulli draws, M from Eq. 19, area-uniform impact parameter, lines from the cached
line table, summed on a common ln-nu grid with >= ``channels_per_width`` channels per narrowest
Doppler width). Its lines (local maxima of tau_tot) are measured by
:func:`mcdm.forest.statistics.find_lines` (tau_0, Eq. 20 width) and counted per redshift window in
:class:`~mcdm.forest.statistics.LineHistograms`.

Shards are groups of consecutive sightlines; sightline i always uses its own stream
(``SeedSequence(seed, spawn_key=(SIGHTLINE_KEY, i, k))``), so neither shards nor workers change the
result. The sums that add are the line histograms and the absorber z / M histograms.

Outputs (``report``): ``line_statistics.json`` and ``line_statistics.md`` (unnormalised tau_0 and
Delta nu_w distributions per window: mean count per sightline per bin, Poisson error
sqrt(N)/N_LoS, sample std; absorber counts against the integral of dN/dz), ``dndz.json``
(tabulated Eq. 18), ``dndz.png``, ``distributions.png``, ``spectrum_<i>.parquet`` (+
``.absorbers.parquet``), ``spectrum_<i>.fits``, ``spectrum_<i>.png`` for the first
``spectra_written`` sightlines (regenerated from their streams in the report), ``summary.json``.

Public API: :func:`compile_job`, :func:`simulate_shard`, :func:`report`, :func:`relative_errors`,
:func:`build_sampler`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from mcdm.config import RunConfig
from mcdm.errors import ConfigError
from mcdm.forest.sightline import ABSORBER_UNITS, SightlineSampler, sightline_generator
from mcdm.forest.statistics import LineHistograms, find_lines, log_edges, window_labels

__all__ = ["ForestJob", "ForestSums", "compile_job", "simulate_shard", "report", "relative_errors",
           "build_sampler", "Z_BIN", "LOG_M_BIN"]

#: redshift bin of the sampled-absorber histogram (dN/dz check)
Z_BIN = 0.1
#: log10 M bin of the sampled-absorber mass histogram
LOG_M_BIN = 0.25


class ForestJob(NamedTuple):
    """What a shard needs: seed, shard sizes, the sampler (tables, grid) and the binning."""

    seed: int
    n_shards: int
    shard_sizes: np.ndarray
    sampler: SightlineSampler
    windows: tuple
    tau_edges: np.ndarray  # physical tau_0 (calA x per-unit edges)
    width_edges: np.ndarray  # [Hz]
    tau_cut: float
    width_cut: float  # [Hz]
    z_edges: np.ndarray
    log_m_edges: np.ndarray


@dataclass
class ForestSums:
    """Sums of one shard (add with +): line histograms, absorber z and log10 M counts, CPU time."""

    hist: LineHistograms
    z_counts: np.ndarray
    log_m_counts: np.ndarray
    seconds: float = 0.0
    n_lines: float = 0.0
    extra: dict = field(default_factory=dict)

    def __add__(self, other: ForestSums) -> ForestSums:
        return ForestSums(self.hist + other.hist, self.z_counts + other.z_counts,
                          self.log_m_counts + other.log_m_counts, self.seconds + other.seconds,
                          self.n_lines + other.n_lines)


def build_sampler(f: Any) -> SightlineSampler:
    """The sampler of a [forest] section (line table built or taken from the in-process cache)."""
    from mcdm.forest.halos import HaloModel
    from mcdm.forest.line import LineModel
    from mcdm.forest.line_table import build_line_table
    from mcdm.forest.microphysics import TwoLevelDM

    model = LineModel(TwoLevelDM(m_chi=f.m_chi, nu_star=f.nu_star, radiative_coupling=1.0),
                      HaloModel(), f.case)
    table = build_line_table(model)
    return SightlineSampler.build(table, model.halos, z_min=f.z_min, z_max=f.z_max, M_min=f.m_min,
                                  M_max=f.m_max, p_bin=f.p_bin, channels_per_width=f.channels_per_width,
                                  radiative_coupling=f.radiative_coupling)


def compile_job(cfg: RunConfig) -> tuple[ForestJob, dict[str, Any]]:
    """Build the line table and sampler of [forest]; shards = min(run.shards, sightlines)."""
    from mcdm.rng import shard_sizes

    f = cfg.forest
    if not f.radiative_coupling > 0:
        raise ConfigError("forest.radiative_coupling must be > 0 for line statistics")
    sampler = build_sampler(f)
    n_shards = min(cfg.run.shards, f.sightlines)
    windows = tuple((float(a), float(b)) for a, b in zip(f.windows[::2], f.windows[1::2]))
    lo, hi, n = f.tau_bins
    wlo, whi, wn = f.width_bins
    z_edges = np.arange(f.z_min, f.z_max + Z_BIN * 0.999, Z_BIN)
    if z_edges[-1] < f.z_max - 1e-9:
        z_edges = np.append(z_edges, f.z_max)
    lm_edges = np.arange(math.log10(f.m_min), math.log10(f.m_max) + LOG_M_BIN * 0.999, LOG_M_BIN)
    job = ForestJob(seed=cfg.run.seed, n_shards=n_shards, shard_sizes=shard_sizes(f.sightlines, n_shards),
                    sampler=sampler, windows=windows,
                    tau_edges=f.radiative_coupling * log_edges(lo, hi, int(n)),
                    width_edges=log_edges(wlo, whi, int(wn)), tau_cut=f.tau_cut, width_cut=f.width_cut,
                    z_edges=z_edges, log_m_edges=lm_edges)
    return job, {"sampler": sampler}


def _empty(job: ForestJob) -> ForestSums:
    return ForestSums(LineHistograms(job.windows, job.tau_edges, job.width_edges, job.tau_cut,
                                     job.width_cut),
                      np.zeros(job.z_edges.size - 1), np.zeros(job.log_m_edges.size - 1))


def simulate_shard(job: ForestJob, shard: int) -> ForestSums:
    """Sightlines sum(sizes[:shard]) ... + sizes[shard] - 1: lines counted, absorbers histogrammed."""
    t0 = time.perf_counter()
    first = int(np.sum(job.shard_sizes[:shard]))
    out = _empty(job)
    s = job.sampler
    buf = np.zeros(s.n_channels)
    for i in range(first, first + int(job.shard_sizes[shard])):
        sl = s.sightline(job.seed, i, out=buf)
        lines = find_lines(sl.tau_unit, s.ln_nu_lo, s.dln, s.nu_star, scale=s.radiative_coupling)
        out.hist.add_sightline(lines, sl.absorbers.z)
        out.n_lines += lines.z.size
        out.z_counts += np.histogram(sl.absorbers.z, job.z_edges)[0]
        out.log_m_counts += np.histogram(np.log10(sl.absorbers.M), job.log_m_edges)[0]
    out.seconds = time.perf_counter() - t0
    return out


def relative_errors(job: ForestJob, total: ForestSums) -> np.ndarray:
    """Poisson relative errors 1/sqrt(N) of the non-empty tau_0 and width bins."""
    return total.hist.relative_errors()


# ------------------------------------------------------------------------------ report
def line_statistics(job: ForestJob, total: ForestSums) -> dict[str, Any]:
    """JSON-ready distributions per window (units stated) and absorber counts."""
    h = total.hist
    tau, width = h.distribution("tau"), h.distribution("width")
    ab = h.absorber_stats()
    s = job.sampler
    out: dict[str, Any] = {
        "units": {"tau0": "1", "width": "Hz", "mean": "lines per sightline per bin",
                  "poisson": "sqrt(N_bin)/N_sightlines", "std": "std of per-sightline counts"},
        "sightlines": h.n_sightlines, "radiative_coupling": s.radiative_coupling,
        "tau_cut": h.tau_cut, "width_cut_Hz": h.width_cut,
        "tau0_edges": tau["edges"], "width_edges_Hz": width["edges"],
        "absorbers_per_sightline": {"sampled": ab["mean"], "error": ab["error"],
                                    "expected": s.mean_absorbers},
        "windows": []}
    for i, (hi, lo) in enumerate(h.windows):
        expected = float(np.interp(hi, s.z_nodes, s.cum_N) - np.interp(lo, s.z_nodes, s.cum_N))
        out["windows"].append({
            "z_high": hi, "z_low": lo, "lines_per_sightline": h.n_lines[i] / max(h.n_sightlines, 1),
            "absorbers_per_sightline": ab["window_mean"][i], "absorbers_error": ab["window_error"][i],
            "absorbers_expected": expected,
            "tau0_below_first_edge": h.outside_tau[i, 0], "tau0_above_last_edge": h.outside_tau[i, 1],
            "width_below_first_edge": h.outside_width[i, 0], "width_above_last_edge": h.outside_width[i, 1],
            "tau0": {"mean": tau["mean"][i], "poisson": tau["poisson"][i], "std": tau["std"][i]},
            "width": {"mean": width["mean"][i], "poisson": width["poisson"][i], "std": width["std"][i]}})
    return out


def _markdown(stats: dict[str, Any]) -> str:
    lines = [f"# Dark-forest line statistics ({stats['sightlines']} sightlines, calA = "
             f"{stats['radiative_coupling']:g})", "",
             "Unnormalised distributions: mean number of lines per sightline in each bin, Poisson error "
             "sqrt(N)/N_LoS, sample standard deviation of the per-sightline counts. tau_0 [1], "
             "Delta nu_w [Hz] (Eq. 20, observed frame).", "",
             f"Absorbers per sightline: {stats['absorbers_per_sightline']['sampled']:.2f} ± "
             f"{stats['absorbers_per_sightline']['error']:.2f} (integral of dN/dz: "
             f"{stats['absorbers_per_sightline']['expected']:.2f})", ""]
    te, we = np.asarray(stats["tau0_edges"]), np.asarray(stats["width_edges_Hz"])
    for w in stats["windows"]:
        lines += [f"## z = {w['z_high']:g}-{w['z_low']:g}", "",
                  f"lines per sightline {w['lines_per_sightline']:.2f}; absorbers per sightline "
                  f"{w['absorbers_per_sightline']:.2f} ± {w['absorbers_error']:.2f} (expected "
                  f"{w['absorbers_expected']:.2f})", "",
                  "| tau_0 low | tau_0 high | mean | Poisson err | std |", "|---|---|---|---|---|"]
        for k in range(te.size - 1):
            m = w["tau0"]["mean"][k]
            if m > 0:
                lines.append(f"| {te[k]:.3g} | {te[k + 1]:.3g} | {m:.4g} | {w['tau0']['poisson'][k]:.3g} | "
                             f"{w['tau0']['std'][k]:.3g} |")
        lines += ["", "| width low [Hz] | width high [Hz] | mean | Poisson err | std |", "|---|---|---|---|---|"]
        for k in range(we.size - 1):
            m = w["width"]["mean"][k]
            if m > 0:
                lines.append(f"| {we[k]:.3g} | {we[k + 1]:.3g} | {m:.4g} | {w['width']['poisson'][k]:.3g} | "
                             f"{w['width']['std'][k]:.3g} |")
        lines.append("")
    return "\n".join(lines)


def write_spectra(cfg: RunConfig, job: ForestJob, outdir: Path) -> list[str]:
    """Regenerate sightlines 0..spectra_written-1 and write their mock spectra (Parquet, FITS, PNG)."""
    import astropy.units as u

    from mcdm.forest.instruments import Instrument, SNRNoise, get_instrument
    from mcdm.forest.spectrum import PowerLawContinuum, mock_spectrum, plot_spectrum

    f = cfg.forest
    s = job.sampler
    n = min(f.spectra_written, f.sightlines)
    if n == 0:
        return []
    band = (s.nu_star / (1.0 + s.z_max) * 1e-6, s.nu_star / (1.0 + s.z_min) * 1e-6)  # [MHz]
    if f.instrument == "custom":
        inst = Instrument(f"custom {f.channel_width * 1e-3:g} kHz", band[0], band[1], f.channel_width * 1e-6)
    else:
        inst = get_instrument(f.instrument)
    source = PowerLawContinuum(f.source_flux, 1000.0, f.source_index)
    nu = s.nu_centers * 1e-6 * u.MHz
    files: list[str] = []
    for i in range(n):
        sl = s.sightline(job.seed, i)
        spec = mock_spectrum(nu, sl.tau, source, inst, SNRNoise(f.snr), sightline_generator(job.seed, i, 1),
                             band=(band[0] * u.MHz, band[1] * u.MHz),
                             absorbers=sl.absorbers.table(s.radiative_coupling), absorber_units=ABSORBER_UNITS,
                             run={"sightline": i, "seed": job.seed, **s.describe()}, keep_fine=cfg.output.plot)
        stem = outdir / f"spectrum_{i:03d}"
        files += [p.name for p in spec.to_parquet(stem.with_suffix(".parquet"))]
        files.append(spec.to_fits(stem.with_suffix(".fits")).name)
        if cfg.output.plot:
            files.append(plot_spectrum(spec, stem.with_suffix(".png"),
                                       title=f"sightline {i}: {s.table.case}, M_min = {s.M_min:.0e} M_sun/h, "
                                             f"calA = {s.radiative_coupling:g}",
                                       absorber_column="nu_obs_MHz").name)
    return files


def _plots(job: ForestJob, total: ForestSums, outdir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from mcdm.io import atomic_path

    s, h = job.sampler, total.hist
    n = max(h.n_sightlines, 1)
    fig, ax = plt.subplots(figsize=(6.5, 4.2), constrained_layout=True)
    ax.plot(s.z_nodes, s.dN_dz, color="k", label="Eq. (18) dN/dz")
    dz = np.diff(job.z_edges)
    zc = 0.5 * (job.z_edges[1:] + job.z_edges[:-1])
    ax.errorbar(zc, total.z_counts / (n * dz), yerr=np.sqrt(total.z_counts) / (n * dz), fmt=".", ms=3,
                color="C0", label=f"sampled ({h.n_sightlines} sightlines)")
    ax.set_yscale("log")
    ax.set_xlabel("z")
    ax.set_ylabel("dN/dz")
    ax.set_title(f"halos intersected per unit z, M_min = {s.M_min:.0e} M_sun/h", fontsize=10)
    ax.legend(fontsize=8)
    with atomic_path(outdir / "dndz.png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for which, ax, label in (("tau", axes[0], r"$\tau_0$"), ("width", axes[1], r"$\Delta\nu_w$ [Hz]")):
        d = h.distribution(which)
        for i, lab in enumerate(window_labels(h.windows)):
            ok = d["mean"][i] > 0
            ax.errorbar(d["centers"][ok], d["mean"][i][ok], yerr=d["poisson"][i][ok], fmt="o-", ms=3, lw=0.8,
                        label=lab, capsize=2)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("lines per sightline per bin")
        ax.legend(fontsize=8)
    fig.suptitle(f"{s.table.case}, M_min = {s.M_min:.0e} M_sun/h, calA = {s.radiative_coupling:g}, "
                 f"{h.n_sightlines} sightlines", fontsize=10)
    with atomic_path(outdir / "distributions.png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return ["dndz.png", "distributions.png"]


def report(cfg: RunConfig, job: ForestJob, context: dict[str, Any], total: ForestSums, outdir) -> list[str]:
    """Write the line statistics, dN/dz, mock spectra and plots; return the file names."""
    from mcdm.io import atomic_write_json, atomic_write_text, to_jsonable, write_summary

    outdir = Path(outdir)
    s = job.sampler
    stats = line_statistics(job, total)
    atomic_write_json(outdir / "line_statistics.json", to_jsonable(stats))
    atomic_write_text(outdir / "line_statistics.md", _markdown(to_jsonable(stats)))
    atomic_write_json(outdir / "dndz.json", to_jsonable({
        "units": {"z": "1", "dN_dz": "halos per unit redshift"}, "M_min_Msun_h": s.M_min,
        "M_max_Msun_h": s.M_max, "z": s.z_nodes, "dN_dz": s.dN_dz, "N_cumulative": s.cum_N}))
    files = ["line_statistics.json", "line_statistics.md", "dndz.json"]
    if cfg.output.plot:
        files += _plots(job, total, outdir)
    files += write_spectra(cfg, job, outdir)
    h = total.hist
    summary = {"scenario": "forest", "sampler": s.describe(), "sightlines": h.n_sightlines,
               "absorbers_per_sightline": stats["absorbers_per_sightline"],
               "lines_per_sightline": float(total.n_lines / max(h.n_sightlines, 1)),
               "windows": [{k: w[k] for k in ("z_high", "z_low", "lines_per_sightline",
                                               "absorbers_per_sightline", "absorbers_expected")}
                           for w in stats["windows"]],
               "cpu_seconds": total.seconds,
               "sightlines_per_cpu_second": h.n_sightlines / max(total.seconds, 1e-12),
               "absorbers_per_cpu_second": h.n_absorbers_total / max(total.seconds, 1e-12),
               "conventions": {"frequency_grid": "uniform in ln nu, dln = b_ref/(c channels_per_width)",
                               "z_in_bin": "drawn from dN/dz inside the equiprobable bin",
                               "width": "Eq. 20 with factor 2, observed frame, 3-point parabola",
                               "line_wings": "Gaussian (erfc) asymptote beyond 1e-6 of the line mass, EW kept"}}
    write_summary(outdir / "summary.json", to_jsonable(summary))
    return files + ["summary.json"]

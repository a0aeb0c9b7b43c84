"""Figures of modulation analyses: harmonic fits with residuals, and periodograms.

matplotlib (Agg backend) is imported only when a figure is made; PNGs are written atomically
with :func:`mcdm.io.atomic_path`, as in :mod:`mcdm.plotting`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mcdm.errors import ConfigError

__all__ = ["plot_harmonic_fit", "plot_periodogram"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _bins(t_days: Any, exposure: Any, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Bin centres, exposures (broadcast) and bin widths (None for centres) [d]."""
    t = np.asarray(t_days, dtype=np.float64)
    if t.ndim != 1 or t.size not in (n, n + 1):
        msg = f"t_days has shape {t.shape}; give {n} bin centres or {n + 1} edges"
        raise ConfigError(msg)
    expo = np.broadcast_to(np.asarray(exposure, dtype=np.float64), (n,)).copy()
    if t.size == n + 1:
        return 0.5 * (t[1:] + t[:-1]), expo, np.diff(t)
    return t, expo, None


def plot_harmonic_fit(
    path: Path,
    t_days: Any,
    counts: Any,
    exposure: Any,
    fit: Any,
    *,
    title: str = "",
    fold: bool | None = None,
    n_phase_bins: int = 24,
    rate_label: str = "rate [counts / exposure]",
    time_label: str = "time [d]",
) -> Path:
    """Data with errors, the fitted rate and the residuals (two panels).

    Parameters
    ----------
    path : Path
        PNG file, written atomically.
    t_days, counts, exposure :
        The binned data exactly as passed to :func:`mcdm.analysis.harmonic.fit_harmonic`.
    fit : mcdm.analysis.harmonic.HarmonicFit
        The fit to draw.
    title : str
        Figure title (the fitted A1, t0 and deviance/ndof are appended).
    fold : bool, optional
        Fold the bins on the fitted period into ``n_phase_bins`` phase bins (x = time since
        t0 - P/2, in hours for P < 2 d). Default: fold when the data span > 20 periods.
    n_phase_bins : int
        Number of phase bins when folding.
    rate_label, time_label : str
        Axis labels (rate unit; time coordinate of ``t_days`` for the unfolded plot).

    Notes
    -----
    Points are counts / exposure with error sqrt(mu) / exposure, mu the fitted expectation
    (defined also for empty bins); residuals are Pearson residuals (n - mu) / sqrt(mu). Folded,
    counts, exposures and mu are summed per phase bin; the step line is the fitted expectation
    (bin-averaged, including drift and other harmonics) and the smooth curve the exposure-
    weighted mean background plus the fitted harmonic of the fold period.
    """
    from mcdm.io import atomic_path

    n = np.asarray(counts, dtype=np.float64)
    if n.ndim != 1 or n.size == 0:
        msg = f"counts must be a non-empty 1-D array, got shape {n.shape}"
        raise ConfigError(msg)
    centre, expo, width = _bins(t_days, exposure, n.size)
    mu = np.asarray(fit.expected_counts(t_days, expo), dtype=np.float64)
    keep = expo > 0
    centre, expo, n, mu = centre[keep], expo[keep], n[keep], mu[keep]
    period = float(fit.period_days)
    span = float(centre.max() - centre.min()) + (0.0 if width is None else float(width.max()))
    if fold is None:
        fold = span > 20.0 * period
    if not (isinstance(n_phase_bins, (int, np.integer)) and n_phase_bins >= 2):
        msg = f"n_phase_bins must be an integer >= 2, got {n_phase_bins!r}"
        raise ConfigError(msg)

    plt = _pyplot()
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(7.0, 5.5), sharex=True, constrained_layout=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
    if fold:
        scale, unit = (24.0, "h") if period < 2.0 else (1.0, "d")
        epoch = fit.t0 - 0.5 * period
        k = np.minimum((((centre - epoch) / period) % 1.0 * n_phase_bins).astype(int),
                       n_phase_bins - 1)
        sum_n = np.bincount(k, n, n_phase_bins)
        sum_e = np.bincount(k, expo, n_phase_bins)
        sum_mu = np.bincount(k, mu, n_phase_bins)
        ok = sum_e > 0
        x = (np.arange(n_phase_bins) + 0.5) * period / n_phase_bins * scale
        rate, err = sum_n[ok] / sum_e[ok], np.sqrt(sum_mu[ok]) / sum_e[ok]
        ax.errorbar(x[ok], rate, yerr=err, fmt="o", ms=3, capsize=2, color="k", label="data")
        step_edges = np.arange(n_phase_bins + 1) * period / n_phase_bins * scale
        model = np.where(ok, sum_mu / np.where(ok, sum_e, 1.0), np.nan)
        ax.stairs(model, step_edges, baseline=None, color="C0", lw=1, label="fit (bin average)")
        xs = np.linspace(0.0, period, 400)
        mean_bkg = float(np.sum(expo * fit.background(centre)) / np.sum(expo))
        curve = mean_bkg + fit.a1 * np.cos(2.0 * np.pi * (xs - 0.5 * period) / period)
        ax.plot(xs * scale, curve, "-", color="C1", lw=1, label="fit (harmonic)")
        resid = (sum_n[ok] - sum_mu[ok]) / np.sqrt(np.maximum(sum_mu[ok], 1e-300))
        axr.errorbar(x[ok], resid, yerr=1.0, fmt="o", ms=3, capsize=2, color="k")
        axr.set_xlabel(f"time since t0 - P/2, folded on P = {period * scale:.6g} {unit} [{unit}]")
    else:
        rate, err = n / expo, np.sqrt(mu) / expo
        ax.errorbar(centre, rate, yerr=err, fmt="o", ms=2, capsize=0, color="k", label="data")
        xs = np.linspace(centre.min(), centre.max(), max(400, 20 * int(span / period) + 1))
        ax.plot(xs, fit.rate(xs), "-", color="C1", lw=1, label="fit")
        ax.plot(xs, fit.background(xs), "--", color="C0", lw=1, label="fitted background")
        resid = (n - mu) / np.sqrt(np.maximum(mu, 1e-300))
        axr.plot(centre, resid, "o", ms=2, color="k")
        axr.set_xlabel(time_label)
    axr.axhline(0.0, color="0.5", lw=0.8)
    axr.set_ylabel(r"$(n-\mu)/\sqrt{\mu}$")
    ax.set_ylabel(rate_label)
    summary = (f"A1 = {fit.a1:.3g} ± {fit.a1_err:.2g}, t0 = {fit.t0:.6g} ± {fit.t0_err:.2g} d, "
               f"D/ndof = {fit.deviance:.1f}/{fit.ndof}")
    ax.set_title(f"{title}\n{summary}" if title else summary, fontsize=9)
    ax.legend(loc="best", fontsize=8)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path


def plot_periodogram(
    path: Path,
    pg: Any,
    *,
    marks: Mapping[str, float] | None = None,
    fap_levels: Sequence[float] = (0.01,),
    title: str = "",
    xlim: tuple[float, float] | None = None,
) -> Path:
    """Lomb-Scargle power against frequency [1/d], with marked frequencies and FAP levels.

    Parameters
    ----------
    path : Path
        PNG file, written atomically.
    pg : mcdm.analysis.periodogram.Periodogram
        The periodogram.
    marks : mapping of str to float, optional
        Labelled frequencies [1/d] to mark, e.g. ``{"sidereal": 1.00274, "solar": 1.0}``.
    fap_levels : sequence of float
        False-alarm probabilities whose power levels are drawn (horizontal lines).
    title : str
        Figure title (the best period and its FAP are appended).
    xlim : (float, float), optional
        Frequency range to show [1/d].
    """
    from mcdm.io import atomic_path

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.0), constrained_layout=True)
    ax.plot(pg.frequency, pg.power, "-", color="k", lw=0.8)
    for k, (name, f) in enumerate((marks or {}).items()):
        ax.axvline(float(f), color=f"C{k % 10}", lw=1, ls="--", label=f"{name} ({f:.6g} /d)")
    for j, p in enumerate(fap_levels):
        ax.axhline(pg.false_alarm_level(float(p)), color="0.5", lw=0.8, ls=[":", "-."][j % 2],
                   label=f"FAP = {p:g}")
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_xlabel("frequency [1/d]")
    ax.set_ylabel(f"Lomb-Scargle power ({pg.normalization})")
    summary = (f"peak {pg.best_period_hours:.5g} h ({pg.best_frequency:.6g} /d), "
               f"FAP = {pg.fap:.2g} ({pg.fap_method}), 1/T = {pg.resolution:.3g} /d")
    ax.set_title(f"{title}\n{summary}" if title else summary, fontsize=9)
    ax.legend(loc="best", fontsize=8)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path

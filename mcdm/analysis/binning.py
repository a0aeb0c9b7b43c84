"""Binning of event times for modulation fits: time bins and phase folding with exact exposure.

Times are in days (UTC MJD for catalogs: ``catalog.df["time_mjd"]``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mcdm.errors import ConfigError

__all__ = ["PhaseFold", "bin_events", "phase_fold"]


def check_period(p: Any, field_name: str) -> float:
    """``p`` as a float period [d]; ConfigError naming ``field_name`` unless finite and > 0."""
    try:
        value = float(p)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        msg = f"{field_name} must be a finite period > 0 [d], got {p!r}"
        raise ConfigError(msg)
    return value


def bin_events(times_mjd: Any, edges: Any, weights: Any = None) -> np.ndarray:
    """Counts of events per time bin (``numpy.histogram``; the last bin includes its right edge).

    Parameters
    ----------
    times_mjd : array_like
        Event times [d] (UTC MJD), e.g. ``catalog.df["time_mjd"]``.
    edges : array_like
        Increasing bin edges [d]; events outside are dropped.
    weights : array_like, optional
        Event weights (``catalog.df["weight"]``); the result is then float.

    Returns
    -------
    numpy.ndarray, shape (len(edges) - 1,)
        int64 counts, or float64 weighted sums.
    """
    e = np.asarray(edges, dtype=np.float64)
    if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
        msg = f"edges must be >= 2 strictly increasing times [d], got shape {e.shape}"
        raise ConfigError(msg)
    counts, _ = np.histogram(np.asarray(times_mjd, dtype=np.float64), bins=e, weights=weights)
    return counts if weights is not None else counts.astype(np.int64)


@dataclass(frozen=True)
class PhaseFold:
    """Events folded on a period: edges span one period from the epoch (absolute times [d]).

    Attributes
    ----------
    edges : numpy.ndarray -- epoch + P k / n_bins, k = 0..n_bins [d]; pass to fit_harmonic
    counts : numpy.ndarray -- events per phase bin (weighted sums if weights were given)
    exposure_days : numpy.ndarray -- live time [d] of the interval [t_start, t_stop) that falls
        in each phase bin (sums to t_stop - t_start)
    period_days, epoch : float -- fold period and phase origin [d]
    """

    edges: np.ndarray = field(compare=False)
    counts: np.ndarray = field(compare=False)
    exposure_days: np.ndarray = field(compare=False)
    period_days: float
    epoch: float


def phase_fold(times: Any, period_days: float, n_bins: int, *, epoch: float | None = None,
               t_start: float | None = None, t_stop: float | None = None,
               weights: Any = None) -> PhaseFold:
    """Fold event times [d] on ``period_days`` into ``n_bins`` phase bins with exact exposure.

    The live interval [t_start, t_stop) (default: first to last event) is taken as continuous;
    a phase bin's exposure is the time in that interval whose phase falls in the bin, so a
    partial last period is handled exactly. Fit the result with ``drift="none"`` (folding
    discards the time information a drift model needs):
    ``fit_harmonic(f.edges, f.counts, f.exposure_days, f.period_days)``.
    """
    period = check_period(period_days, "period_days")
    if not (isinstance(n_bins, (int, np.integer)) and n_bins >= 1):
        msg = f"n_bins must be an integer >= 1, got {n_bins!r}"
        raise ConfigError(msg)
    t = np.asarray(times, dtype=np.float64)
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)):
        raise ConfigError("times must be a non-empty 1-D array of finite times [d]")
    lo = float(t.min()) if t_start is None else float(t_start)
    hi = float(np.nextafter(t.max(), np.inf)) if t_stop is None else float(t_stop)
    if not hi > lo:
        msg = f"the live interval [{lo}, {hi}) is empty"
        raise ConfigError(msg)
    ep = lo if epoch is None else float(epoch)
    inside = (t >= lo) & (t < hi)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)[inside]
    frac = ((t[inside] - ep) / period) % 1.0
    counts, _ = np.histogram(frac, bins=np.linspace(0.0, 1.0, n_bins + 1), weights=w)
    rel = np.linspace(0.0, period, n_bins + 1)

    def covered(x: float) -> np.ndarray:
        """Time in [ep, ep + x) (x may be < 0) falling in each phase bin [d]."""
        full, rest = divmod(x, period)
        return full * np.diff(rel) + np.clip(rest - rel[:-1], 0.0, np.diff(rel))

    exposure = covered(hi - ep) - covered(lo - ep)
    return PhaseFold(edges=ep + rel, counts=counts if w is not None else counts.astype(np.int64),
                     exposure_days=exposure, period_days=period, epoch=ep)

"""Binning of event times for modulation fits: time bins and phase folding with exact exposure.

Times are in days (UTC MJD for catalogs: ``catalog.df["time_mjd"]``). The input guards of the
analysis modules live here too (:func:`check_number`, :func:`check_array`, :func:`check_period`):
anything that is not a finite number in range ends in a ConfigError naming the parameter.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mcdm.errors import ConfigError

__all__ = ["PhaseFold", "bin_events", "phase_fold", "check_number", "check_array", "check_period"]

#: the largest magnitude the analysis inputs may have (counts, rates, times): sums and products
#: of a few thousand of them stay inside the float range
MAX_MAGNITUDE = 1e150


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_number(x: Any, field_name: str, *, ge: float | None = None, gt: float | None = None,
                 le: float | None = None) -> float:
    """``x`` as a finite float with |x| <= 1e150 and the given bounds; ConfigError otherwise."""
    try:
        value = math.nan if isinstance(x, (bool, np.bool_)) else float(x)
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    ok = (math.isfinite(value) and abs(value) <= MAX_MAGNITUDE and (ge is None or value >= ge)
          and (gt is None or value > gt) and (le is None or value <= le))
    if not ok:
        bounds = " and ".join(f"{op} {b:g}" for op, b in ((">=", ge), (">", gt), ("<=", le)) if b is not None)
        msg = f"{field_name} must be a finite number{' ' + bounds if bounds else ''}, got {_show(x)}"
        raise ConfigError(msg)
    return value


def check_array(x: Any, field_name: str, *, ge: float | None = None, ndim: int | None = None,
                min_size: int = 0) -> np.ndarray:
    """``x`` as a float64 array of finite entries (|.| <= 1e150, >= ``ge``); ConfigError otherwise."""
    if isinstance(x, (complex, np.complexfloating)):
        arr = None
    else:
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            arr = None
    if arr is None:
        raise ConfigError(f"{field_name} must be an array of numbers, got {_show(x)}")
    if ndim is not None and arr.ndim != ndim:
        raise ConfigError(f"{field_name} must be a {ndim}-D array, got shape {arr.shape}")
    if arr.size < min_size:
        raise ConfigError(f"{field_name} needs at least {min_size} entries, got {arr.size}")
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(arr) & (np.abs(arr) <= MAX_MAGNITUDE) & (arr >= ge if ge is not None else True)
    if not np.all(ok):
        bad = arr[~np.broadcast_to(ok, arr.shape)].ravel()[:3].tolist()
        bound = f" and >= {ge:g}" if ge is not None else ""
        raise ConfigError(f"{field_name} must be finite{bound} (|x| <= {MAX_MAGNITUDE:g}), got e.g. {bad}")
    return arr


def check_period(p: Any, field_name: str) -> float:
    """``p`` as a float period [d]; ConfigError naming ``field_name`` unless finite and > 0
    (at least 1e-150 d, so that times / period stay inside the float range)."""
    try:
        return check_number(p, field_name, ge=1.0 / MAX_MAGNITUDE)
    except ConfigError:
        raise ConfigError(f"{field_name} must be a finite period > 0 [d] (>= {1.0 / MAX_MAGNITUDE:g}), "
                          f"got {_show(p)}") from None


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
    e = check_array(edges, "edges", ndim=1)
    if e.size < 2 or np.any(np.diff(e) <= 0):
        msg = f"edges must be >= 2 strictly increasing times [d], got shape {e.shape}"
        raise ConfigError(msg)
    times = check_array(times_mjd, "times_mjd")
    if weights is not None:
        weights = check_array(weights, "weights")
        if weights.shape != times.shape:
            raise ConfigError(f"weights has shape {weights.shape}, times_mjd {times.shape}")
    counts, _ = np.histogram(times, bins=e, weights=weights)
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
    if isinstance(n_bins, bool) or not (isinstance(n_bins, (int, np.integer)) and 1 <= n_bins <= 10**7):
        msg = f"n_bins must be an integer in [1, 1e7], got {_show(n_bins)}"
        raise ConfigError(msg)
    t = check_array(times, "times", ndim=1, min_size=1)
    lo = float(t.min()) if t_start is None else check_number(t_start, "t_start")
    hi = float(np.nextafter(t.max(), np.inf)) if t_stop is None else check_number(t_stop, "t_stop")
    if not hi > lo:
        msg = f"the live interval [t_start, t_stop) = [{lo}, {hi}) is empty"
        raise ConfigError(msg)
    ep = lo if epoch is None else check_number(epoch, "epoch")
    inside = (t >= lo) & (t < hi)
    if weights is not None:
        weights = check_array(weights, "weights")
        if weights.shape != t.shape:
            raise ConfigError(f"weights has shape {weights.shape}, times {t.shape}")
    w = None if weights is None else weights[inside]
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

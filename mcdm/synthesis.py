"""Synthetic event catalogs drawn from time-binned rate histograms (seed 004, CYGNUS-like).

A run tallies the expected signal RATE per time bin (and per isotope / layer); this module turns
such a rate tally into a catalog of individual events as a detector would record them: Poisson
counts per time bin, times uniform inside each bin, photon energies smeared by the detector
resolution of digest 004 Eq. (42), plus an optional flat electron background.

Time model
----------
The catalog starts at the first edge of the tally's ``"time"`` axis and lasts ``live_time_s``.
The rate pattern of the axis is repeated with period P = (last edge - first edge): for a grid of
one solar day the daily pattern is repeated every 24 h, which ignores the 4 min/day drift of
sidereal against solar time and the annual variation of the Earth's velocity (use a grid that
spans a sidereal day, or a whole year, when those matter; for a sidereal-day grid the repetition
is exact). A partial last period is handled exactly: a bin contributes in proportion to its
overlap with the live interval. Times are UTC MJD [d]; one day is taken as 86400 s (leap seconds
are ignored, a < 1 s effect per leap second).

Sampling is fully vectorised. The counts of the full periods are drawn per (bin, category) as
one Poisson variate of mean ``n_periods x mu`` and each event then gets a period uniformly at
random (the multinomial split of a Poisson sum), so memory is O(bins x categories + events)
whatever the live time.

Examples
--------
>>> import numpy as np
>>> from mcdm.tally import Tally, time_axis
>>> rate = Tally(time_axis(51544.0 + np.arange(25) / 24.0), quantity="rate", unit="s^-1")
>>> rate.histogram.view()["value"] = 1.0e-4            # 8.64 events per day
>>> cat = synthesize_catalog(rate, 10 * 86400.0, np.random.default_rng(1), 15.0,
...                          detector="LNGS")              # doctest: +SKIP
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from mcdm.constants import SECONDS_PER_DAY
from mcdm.errors import ConfigError, PhysicsWarning

__all__ = [
    "SECONDS_PER_YEAR",
    "MAX_CATALOG_EVENTS",
    "energy_resolution_sigma",
    "expected_counts",
    "default_energy_window",
    "synthesize_catalog",
]

#: seconds per Julian year (365.25 d): the paper's N_days = 6 x 365.25 (digest 004 §2.14)
SECONDS_PER_YEAR: float = 365.25 * SECONDS_PER_DAY

#: most events a catalog may hold (signal and background expected in total); keeps memory bounded
MAX_CATALOG_EVENTS: int = 10**8

#: columns the synthesiser writes itself; a truth_sampler may not return these names
_RESERVED = frozenset({"event_id", "time_utc", "time_mjd", "energy_keV", "detector", "weight",
                       "is_signal"})

TruthSampler = Callable[[np.ndarray, tuple[np.ndarray, ...], int, np.random.Generator],
                        Mapping[str, Any]]


# ---------------------------------------------------------------------------------- resolution
def energy_resolution_sigma(energy_keV: Any, fraction: float = 0.10,
                            reference_keV: float = 5.9) -> Any:
    """Gaussian energy resolution of a CYGNUS-like gas detector.

    Parameters
    ----------
    energy_keV : float or array_like
        Deposited energy [keV], >= 0.
    fraction : float
        Relative resolution at ``reference_keV`` [dimensionless]; 10 % in the paper.
    reference_keV : float
        Reference energy [keV]; the 5.9 keV of the 55Fe line in the paper.

    Returns
    -------
    float or numpy.ndarray
        sigma_E [keV] = fraction * sqrt(reference_keV * E); 0.94 keV at 15 keV, 2.43 keV at 100 keV.
    """
    try:
        e = np.asarray(energy_keV, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        e = np.full(1, np.nan)
    if np.any(~np.isfinite(e)) or np.any(e < 0):
        msg = f"energy_keV must be finite and >= 0 keV, got {_show(energy_keV)}"
        raise ConfigError(msg)
    fraction = _check_nonneg(fraction, "fraction (resolution)")
    reference_keV = _check_nonneg(reference_keV, "reference_keV")
    if not reference_keV > 0:
        msg = f"reference_keV must be a positive energy [keV], got {reference_keV!r}"
        raise ConfigError(msg)
    # digest 004 §2.14, Eq. (42): sigma_E / E = 10 % sqrt(5.9 keV / E)
    with np.errstate(over="ignore"):
        sigma = fraction * np.sqrt(reference_keV * e)
    if not np.all(np.isfinite(sigma)):
        msg = (f"energy_keV, fraction and reference_keV give sigma_E beyond the float range "
               f"(fraction {fraction:g}, reference {reference_keV:g} keV)")
        raise ConfigError(msg)
    return float(sigma) if sigma.ndim == 0 else sigma


def default_energy_window(line_energy_keV: float, resolution_fraction: float = 0.10,
                          n_sigma: float = 3.0) -> tuple[float, float]:
    """Analysis window around the line: line +- n_sigma sigma_E, clipped at 0 [keV].

    The paper does not state the window that turns the keV^-1 background into counts (digest 004
    §2.14 caveat); +- 3 sigma_E is this module's documented default.
    """
    sigma = energy_resolution_sigma(line_energy_keV, resolution_fraction)
    line = _check_nonneg(line_energy_keV, "line_energy_keV")
    n_sigma = _check_nonneg(n_sigma, "n_sigma")
    lo, hi = max(0.0, line - n_sigma * sigma), line + n_sigma * sigma
    if not np.isfinite(hi):
        msg = f"line_energy_keV +- n_sigma sigma_E overflows (n_sigma = {n_sigma:g}, sigma_E = {sigma:g} keV)"
        raise ConfigError(msg)
    return lo, hi


# ---------------------------------------------------------------------------------- rate grid
class _RateGrid:
    """A rate tally reduced to plain arrays: time edges [d], rates [s^-1] (bins x categories)."""

    def __init__(self, rate: Any) -> None:
        names = getattr(rate, "names", None)
        if names is None or not hasattr(rate, "values") or not hasattr(rate, "axis"):
            msg = f"rate must be an mcdm.tally.Tally with a 'time' axis, got {type(rate).__name__}"
            raise ConfigError(msg)
        names = tuple(names)
        if "time" not in names:
            msg = (f"the rate tally has no 'time' axis (axes {list(names)}); build it with "
                   f"mcdm.tally.time_axis(edges_mjd)")
            raise ConfigError(msg)
        values = np.asarray(rate.values(), dtype=np.float64)
        t = names.index("time")
        values = np.moveaxis(values, t, 0)
        self.edges = np.asarray(rate.axis("time").edges, dtype=np.float64)  # UTC MJD [d]
        self.cat_names: list[str] = []
        self.cat_labels: list[np.ndarray] = []
        for i, name in enumerate(names):
            if i == t:
                continue
            ax = rate.axis(i)
            if ax.traits.continuous:
                msg = (f"rate tally axis {name or i!r} is continuous; besides 'time' only "
                       f"category axes (isotope, layer) can be sampled into a catalog; project "
                       f"it away first (Tally.project)")
                raise ConfigError(msg)
            self.cat_names.append(name or f"axis{i}")
            self.cat_labels.append(np.asarray([str(v) for v in ax], dtype=object))
        scale = _rate_unit_factor(getattr(rate, "unit", ""))
        values = values * scale
        if not np.all(np.isfinite(values)):
            msg = "the rate tally has non-finite values; every rate must be finite and >= 0 s^-1"
            raise ConfigError(msg)
        if np.any(values < 0):
            k = np.unravel_index(int(np.argmin(values)), values.shape)
            msg = (f"the rate tally has a negative rate {values[k]!r} s^-1 at bin "
                   f"{tuple(map(int, k))}; rates must be >= 0")
            raise ConfigError(msg)
        self.cat_shape = values.shape[1:]
        self.rates = values.reshape(values.shape[0], -1)  # (n_bins, n_cat) [s^-1]

    def warn_if_zero(self) -> None:
        """PhysicsWarning if every rate is 0 (no signal: the counts and the catalog's signal are 0)."""
        if not np.any(self.rates > 0):
            warnings.warn("the rate tally is 0 in every bin: no signal events", PhysicsWarning,
                          stacklevel=3)

    @property
    def period_d(self) -> float:
        return float(self.edges[-1] - self.edges[0])

    def exposures(self, live_time_s: float) -> tuple[int, np.ndarray]:
        """Number of full periods and per-bin live time of the partial last period [d]."""
        live_d = live_time_s / SECONDS_PER_DAY
        n_full = int(np.floor(live_d / self.period_d))
        rest_end = self.edges[0] + (live_d - n_full * self.period_d)
        overlap = np.clip(rest_end - self.edges[:-1], 0.0, np.diff(self.edges))  # [d]
        return n_full, overlap


def _rate_unit_factor(unit: str) -> float:
    """Factor converting tally values in ``unit`` to s^-1 ("" is read as s^-1)."""
    if unit in ("", "s^-1", "1/s", "s-1", "Hz"):
        return 1.0
    import astropy.units as u

    try:
        return float(u.Unit(unit).to(1 / u.s))
    except (ValueError, TypeError, u.UnitsError) as exc:
        msg = f"the rate tally has unit {unit!r}, which is not a rate (convertible to s^-1)"
        raise ConfigError(msg) from exc


def _show(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_nonneg(x: Any, field: str) -> float:
    try:
        v = float("nan") if isinstance(x, bool) else float(x)
    except (TypeError, ValueError, OverflowError):
        v = float("nan")
    if not (np.isfinite(v) and v >= 0):
        msg = f"{field} must be a finite number >= 0, got {_show(x)}"
        raise ConfigError(msg)
    return v


def _check_exposure(mu: np.ndarray, what: str) -> np.ndarray:
    """Expected counts: finite (else the rate x live time overflows)."""
    if not np.all(np.isfinite(mu)):
        msg = f"{what}: the expected number of events overflows; check the rate tally and live_time_s"
        raise ConfigError(msg)
    return mu


def expected_counts(rate: Any, live_time_s: float) -> np.ndarray:
    """Expected number of signal events per bin of ``rate`` over the live time.

    Parameters
    ----------
    rate : mcdm.tally.Tally
        Rates [s^-1, or the tally's own rate unit] with a ``"time"`` axis (UTC MJD edges).
    live_time_s : float
        Live time from the first time edge [s]; the pattern repeats with the span of the axis.

    Returns
    -------
    numpy.ndarray
        Expected counts, shape of ``rate.values()`` with the time axis moved first.
    """
    live = _check_nonneg(live_time_s, "live_time_s")
    grid = _RateGrid(rate)
    grid.warn_if_zero()
    n_full, overlap = grid.exposures(live)
    exposure_s = (n_full * np.diff(grid.edges) + overlap) * SECONDS_PER_DAY
    with np.errstate(over="ignore"):
        mu = grid.rates * exposure_s[:, None]
    return _check_exposure(mu, "rate x live_time_s").reshape((-1, *grid.cat_shape))


# ---------------------------------------------------------------------------------- sampling
def _truncated_normal(mean: float, sigma: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian(mean, sigma) truncated to > 0 by resampling (acceptance >= 1/2 for mean > 0)."""
    x = rng.normal(mean, sigma, n)
    bad = np.flatnonzero(x <= 0.0)
    while bad.size:
        x[bad] = rng.normal(mean, sigma, bad.size)
        bad = bad[x[bad] <= 0.0]
    return x


def synthesize_catalog(
    rate: Any,
    live_time_s: float,
    rng: np.random.Generator,
    line_energy_keV: float,
    *,
    detector: str,
    resolution_fraction: float = 0.10,
    background_per_keV_per_year: float = 0.0,
    energy_window_keV: tuple[float, float] | None = None,
    truth_sampler: TruthSampler | None = None,
    run: Mapping[str, Any] | None = None,
) -> Any:
    """Draw a synthetic event catalog (signal line + flat background) from a rate tally.

    Parameters
    ----------
    rate : mcdm.tally.Tally
        Signal rate per bin [s^-1] (a tally in another rate unit is converted). One axis is
        ``"time"`` (UTC MJD edges [d], see :func:`mcdm.tally.time_axis`); any other axes must be
        category axes (``"isotope"``, ``"layer"``), whose labels become truth columns of the
        same name. Overflow ("other") categories are ignored.
    live_time_s : float
        Live time [s] from the first time edge; the rate pattern repeats with the span of the
        time axis (module docstring), and a partial last period is exact.
    rng : numpy.random.Generator
        Source of randomness; the catalog is a pure function of it and the inputs.
    line_energy_keV : float
        Photon energy of the signal line [keV] (delta for seed 004), > 0.
    detector : str
        Detector / site name for the ``detector`` column.
    resolution_fraction : float
        Relative resolution at 5.9 keV [dimensionless] in Eq. (42); signal energies are
        Gaussian(line, sigma_E(line)) truncated at > 0. 0 gives a sharp line.
    background_per_keV_per_year : float
        Flat electron background [keV^-1 yr^-1] (about 1e4 for CYGNUS, digest 004 §2.14);
        year = 365.25 d. Background events are uniform in time over the live interval and in
        energy over ``energy_window_keV``.
    energy_window_keV : (float, float), optional
        Background energy window [keV]; default line +- 3 sigma_E clipped at 0
        (:func:`default_energy_window`). Signal energies are not cut to the window.
    truth_sampler : callable, optional
        ``truth_sampler(bin_index, category_indices, n, rng) -> {name: array (n,)}`` adds Monte
        Carlo truth columns to the ``n`` signal events: ``bin_index`` is the time-bin index of
        each event (int64, shape (n,)), ``category_indices`` a tuple with one int64 array per
        category axis (in the tally's axis order). It is called once, also with n = 0. Numeric
        columns become float64 with NaN on background rows; string columns get ``""`` there.
        Names carry their unit (``speed_km_s``, ``flight_km``).
    run : dict, optional
        Run metadata for the catalog; a ``"synthesis"`` entry with these settings is added
        unless present.

    Returns
    -------
    mcdm.events.EventCatalog
        Events sorted by time, ``event_id`` 0..n-1, columns ``time_utc``, ``time_mjd``,
        ``energy_keV``, ``detector``, ``weight`` (= 1), ``is_signal``, one string column per
        category axis (``""`` for background) and the truth columns.

    Raises
    ------
    mcdm.errors.ConfigError
        Negative or non-finite live time, rate tally without a time axis or with negative
        rates, negative background, non-positive line energy, bad window or sampler output, or
        more than :data:`MAX_CATALOG_EVENTS` expected events.

    Warns
    -----
    mcdm.errors.PhysicsWarning
        The rate tally is 0 in every bin (the catalog then holds background only).
    """
    live = _check_nonneg(live_time_s, "live_time_s")
    if not isinstance(rng, np.random.Generator):
        msg = f"rng must be a numpy.random.Generator, got {type(rng).__name__}"
        raise ConfigError(msg)
    line = _check_nonneg(line_energy_keV, "line_energy_keV")
    if line <= 0:
        msg = f"line_energy_keV must be > 0 keV, got {line_energy_keV!r}"
        raise ConfigError(msg)
    frac = _check_nonneg(resolution_fraction, "resolution_fraction")
    bkg = _check_nonneg(background_per_keV_per_year, "background_per_keV_per_year")
    if not isinstance(detector, str) or not detector:
        msg = f"detector must be a non-empty string (site name), got {detector!r}"
        raise ConfigError(msg)
    sigma = energy_resolution_sigma(line, frac)
    window = (default_energy_window(line, frac) if energy_window_keV is None
              else _check_window(energy_window_keV))
    if bkg > 0 and not window[1] > window[0]:
        msg = (f"the background energy window {window} keV is empty; give energy_window_keV or "
               f"a resolution_fraction > 0")
        raise ConfigError(msg)
    grid = _RateGrid(rate)
    grid.warn_if_zero()

    # ---- signal: Poisson counts per (full|partial, bin, category); Eq. (41) rates x exposure
    n_full, overlap_d = grid.exposures(live)
    width_d = np.diff(grid.edges)
    with np.errstate(over="ignore"):
        mu = np.stack([grid.rates * (n_full * width_d * SECONDS_PER_DAY)[:, None],
                       grid.rates * (overlap_d * SECONDS_PER_DAY)[:, None]])  # (2, n_bins, n_cat)
        mu_bkg = bkg * (window[1] - window[0]) * live / SECONDS_PER_YEAR if bkg > 0 else 0.0
    total = float(_check_exposure(mu, "rate x live_time_s").sum()) + float(
        _check_exposure(np.asarray(mu_bkg), "background_per_keV_per_year x live_time_s"))
    if total > MAX_CATALOG_EVENTS:
        msg = (f"the catalog would hold {total:.3g} expected events (rate x live_time_s + background), "
               f"more than MAX_CATALOG_EVENTS = {MAX_CATALOG_EVENTS:.0e}; shorten live_time_s")
        raise ConfigError(msg)
    counts = rng.poisson(mu).ravel()
    seg = np.repeat(np.arange(counts.size), counts)
    part, rest = np.divmod(seg, mu.shape[1] * mu.shape[2])
    b_idx, c_idx = np.divmod(rest, mu.shape[2])
    n_sig = seg.size
    is_partial = part == 1
    period = np.where(is_partial, n_full, rng.integers(0, max(n_full, 1), n_sig))
    span = np.where(is_partial, overlap_d[b_idx], width_d[b_idx])
    t_sig = grid.edges[0] + period * grid.period_d + (grid.edges[b_idx] - grid.edges[0]) \
        + rng.random(n_sig) * span
    e_sig = _truncated_normal(line, sigma, n_sig, rng) if sigma > 0 else np.full(n_sig, line)
    cat_idx = np.unravel_index(c_idx, grid.cat_shape) if grid.cat_shape else ()
    cat_idx = tuple(np.asarray(i, dtype=np.int64) for i in cat_idx)
    truth = {} if truth_sampler is None else _call_sampler(
        truth_sampler, b_idx.astype(np.int64), cat_idx, n_sig, rng, grid.cat_names)

    # ---- flat background over the live interval and the energy window
    width_keV = window[1] - window[0]
    n_bkg = int(rng.poisson(mu_bkg)) if bkg > 0 else 0
    t_bkg = grid.edges[0] + rng.random(n_bkg) * (live / SECONDS_PER_DAY)
    e_bkg = window[0] + rng.random(n_bkg) * width_keV

    # ---- assemble, sorted by time
    time_mjd = np.concatenate([t_sig, t_bkg])
    order = np.argsort(time_mjd, kind="stable")
    cols: dict[str, Any] = {"is_signal": np.concatenate([np.ones(n_sig, bool),
                                                          np.zeros(n_bkg, bool)])[order]}
    for name, labels, idx in zip(grid.cat_names, grid.cat_labels, cat_idx):
        cols[name] = np.concatenate([labels[idx], np.full(n_bkg, "", dtype=object)])[order]
    for name, values in truth.items():
        fill = np.full(n_bkg, "" if values.dtype == object else np.nan, dtype=values.dtype)
        cols[name] = np.concatenate([values, fill])[order]
    meta = dict(run or {})
    meta.setdefault("synthesis", {
        "line_energy_keV": line, "sigma_keV": sigma, "resolution_fraction": frac,
        "background_per_keV_per_year": bkg, "energy_window_keV": list(window),
        "live_time_s": live, "period_d": grid.period_d, "full_periods": n_full,
        "n_signal": n_sig, "n_background": n_bkg})
    return _catalog(time_mjd[order], np.concatenate([e_sig, e_bkg])[order], detector, meta, cols)


def _check_window(window: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in window)
    except (TypeError, ValueError):
        lo = hi = float("nan")
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 <= lo < hi):
        msg = f"energy_window_keV must be (low, high) [keV] with 0 <= low < high, got {window!r}"
        raise ConfigError(msg)
    return lo, hi


def _call_sampler(sampler: TruthSampler, bins: np.ndarray, cats: tuple[np.ndarray, ...], n: int,
                  rng: np.random.Generator, cat_names: list[str]) -> dict[str, np.ndarray]:
    out = sampler(bins, cats, n, rng)
    if not isinstance(out, Mapping):
        msg = f"truth_sampler must return a dict of arrays, got {type(out).__name__}"
        raise ConfigError(msg)
    cols: dict[str, np.ndarray] = {}
    for name, value in out.items():
        reserved = _RESERVED | set(cat_names)
        if not isinstance(name, str) or name in reserved:
            msg = (f"truth_sampler column {name!r} is not allowed; reserved names: "
                   f"{sorted(reserved)}")
            raise ConfigError(msg)
        arr = np.asarray(value)
        if arr.shape != (n,):
            msg = f"truth_sampler column {name!r} has shape {arr.shape}, expected ({n},)"
            raise ConfigError(msg)
        if arr.dtype.kind in "USO":
            cols[name] = arr.astype(str).astype(object)
        elif arr.dtype.kind in "biuf":
            cols[name] = arr.astype(np.float64)
        else:
            msg = f"truth_sampler column {name!r} has unsupported dtype {arr.dtype}"
            raise ConfigError(msg)
    return cols


def _catalog(time_mjd: np.ndarray, energy_keV: np.ndarray, detector: str,
             run: dict[str, Any], cols: dict[str, Any]) -> Any:
    from astropy.time import Time

    from mcdm.events import EventCatalog
    from mcdm.source.iers import configure_offline

    configure_offline()
    return EventCatalog.from_arrays(Time(time_mjd, format="mjd", scale="utc"), energy_keV,
                                    detector, run=run, **cols)

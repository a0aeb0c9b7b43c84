"""Lomb-Scargle periodograms of event catalogs, and the sidereal/solar-day separation test.

Event times are binned on a fine regular grid (bin width well below the shortest period
searched, so the bin-averaging loss sinc(f w) is small) and the counts per bin are analysed with
:class:`astropy.timeseries.LombScargle` (floating mean, ``"standard"`` normalisation: the power
is the fraction of the count variance a sinusoid explains, 0..1). For a sinusoid of relative
amplitude m on a Poisson rate of mu counts per bin the expected peak power is about
(m^2 mu^2 / 2) / (mu + m^2 mu^2 / 2), so it depends on the bin width. Frequencies are in
cycles per day [1/d].

The false-alarm probability (FAP) of the highest peak is astropy's: ``"baluev"`` (default, an
analytic upper bound for a search from 0 to f_max), ``"davies"``, ``"naive"`` or ``"bootstrap"``
(resampling the binned counts; slow). All assume a constant rate with Gaussian noise; with
hundreds of bins that is a good approximation for Poisson counts, even with few events per bin.

The sidereal (1/23.934 h) and solar (1/24 h) day frequencies differ by one cycle per year, so a
data set of duration T resolves them when T >~ 1 yr (Rayleigh criterion (f_sid - f_sol) T >= 1).
Over exactly one year the solar frequency falls near the first null of the sidereal peak's
spectral window. A sidereal signal leaves little power at 1/d and at the anti-sidereal
frequency 2/d - f_sid, while an annually modulated solar-day effect shows up as equal
sidebands at both, which is the standard systematic check.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mcdm.analysis.harmonic import SIDEREAL_DAY_D, SOLAR_DAY_D
from mcdm.errors import ConfigError

__all__ = ["FAP_METHODS", "Periodogram", "periodogram", "separate_sidereal_solar"]

#: false-alarm-probability methods of astropy's LombScargle
FAP_METHODS: tuple[str, ...] = ("baluev", "davies", "naive", "bootstrap")
#: highest frequency [1/d] of the default search band (periods down to 6 h)
DEFAULT_F_MAX: float = 4.0
#: frequency-grid points per resolution element 1/T
DEFAULT_SAMPLES_PER_PEAK: int = 5


@dataclass(frozen=True)
class Periodogram:
    """Lomb-Scargle periodogram of binned event times.

    Attributes
    ----------
    frequency : numpy.ndarray -- frequency grid [1/d]
    power : numpy.ndarray -- Lomb-Scargle power on the grid (normalisation ``normalization``)
    best_frequency, best_power : float -- highest peak [1/d] (grid maximum refined between its
        neighbours with the exact power) and its power
    fap : float -- false-alarm probability of ``best_power`` (may underflow to 0)
    fap_method, normalization : str -- as passed to astropy
    t_start, t_span_days : float -- start of the binned interval [d] and its length T [d]
    resolution : float -- frequency resolution 1/T [1/d]
    bin_width_days : float -- width of the time bins [d]
    n_bins : int -- number of time bins; n_events : float -- events (sum of weights) binned
    """

    frequency: np.ndarray = field(compare=False, repr=False)
    power: np.ndarray = field(compare=False, repr=False)
    best_frequency: float
    best_power: float
    fap: float
    fap_method: str
    normalization: str
    t_start: float
    t_span_days: float
    resolution: float
    bin_width_days: float
    n_bins: int
    n_events: float
    model: Any = field(compare=False, repr=False)

    @property
    def best_period_days(self) -> float:
        """Period of the highest peak [d]."""
        return 1.0 / self.best_frequency

    @property
    def best_period_hours(self) -> float:
        """Period of the highest peak [h]."""
        return 24.0 / self.best_frequency

    def power_at(self, frequency: Any) -> np.ndarray:
        """Exact Lomb-Scargle power at arbitrary ``frequency`` [1/d] (not interpolated)."""
        f = np.atleast_1d(np.asarray(frequency, dtype=np.float64))
        return self.model.power(f, method="cython")

    def false_alarm_probability(self, power: Any, method: str | None = None) -> np.ndarray:
        """FAP of peak ``power`` for a search up to the grid's top frequency; ``"single"`` gives
        the probability at one frequency chosen in advance."""
        how = self.fap_method if method is None else method
        if how == "bootstrap":
            msg = "bootstrap FAPs are only computed for the best peak, in periodogram()"
            raise ConfigError(msg)
        return self.model.false_alarm_probability(
            power, method=how, minimum_frequency=float(self.frequency[0]),
            maximum_frequency=float(self.frequency[-1]))

    def false_alarm_level(self, probability: float) -> float:
        """Power whose FAP is ``probability`` (method ``fap_method``, or baluev for bootstrap)."""
        how = "baluev" if self.fap_method == "bootstrap" else self.fap_method
        return float(self.model.false_alarm_level(
            probability, method=how, minimum_frequency=float(self.frequency[0]),
            maximum_frequency=float(self.frequency[-1])))


def _times_and_weights(events: Any, weights: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Event times [d] and weights from an array or an EventCatalog (``time_mjd``, ``weight``)."""
    if hasattr(events, "df") and hasattr(events.df, "columns"):
        df = events.df
        times = df["time_mjd"].to_numpy(dtype=np.float64)
        if weights is None and "weight" in df.columns:
            w = df["weight"].to_numpy(dtype=np.float64)
            weights = None if np.all(w == 1.0) else w
    else:
        times = np.asarray(events, dtype=np.float64)
    if times.ndim != 1 or times.size < 2 or not np.all(np.isfinite(times)):
        msg = f"need >= 2 finite event times [d] in a 1-D array, got shape {times.shape}"
        raise ConfigError(msg)
    if weights is not None:
        weights = np.broadcast_to(np.asarray(weights, dtype=np.float64), times.shape)
        if not np.all(np.isfinite(weights)):
            raise ConfigError("weights must be finite")
    return times, weights


def _frequency_grid(frequencies: Any, t_span: float) -> np.ndarray:
    if frequencies is None:
        f_min, f_max = 1.0 / t_span, DEFAULT_F_MAX
        n = int(math.ceil(DEFAULT_SAMPLES_PER_PEAK * (f_max - f_min) * t_span)) + 1
        return np.linspace(f_min, f_max, n)
    if isinstance(frequencies, tuple) and len(frequencies) == 3:
        f_min, f_max, n = float(frequencies[0]), float(frequencies[1]), frequencies[2]
        if not (isinstance(n, (int, np.integer)) and n >= 2 and 0 < f_min < f_max):
            msg = f"frequencies (f_min, f_max, n) needs 0 < f_min < f_max [1/d] and n >= 2, " \
                  f"got {frequencies!r}"
            raise ConfigError(msg)
        return np.linspace(f_min, f_max, int(n))
    f = np.asarray(frequencies, dtype=np.float64)
    if f.ndim != 1 or f.size < 1 or not np.all(np.isfinite(f)) or np.any(f <= 0):
        msg = f"frequencies must be None, (f_min, f_max, n) or a 1-D array of positive " \
              f"frequencies [1/d]; got {frequencies!r}"
        raise ConfigError(msg)
    return np.sort(f)


def periodogram(
    times_mjd: Any,
    frequencies: Any = None,
    weights: Any = None,
    *,
    fap_method: str = "baluev",
    bin_width_days: float | None = None,
    t_start: float | None = None,
    t_stop: float | None = None,
    normalization: str = "standard",
    n_bootstraps: int = 1000,
    rng: np.random.Generator | None = None,
) -> Periodogram:
    """Lomb-Scargle periodogram of event times, with the false-alarm probability of its peak.

    Parameters
    ----------
    times_mjd : array_like or mcdm.events.EventCatalog
        Event times [d] (UTC MJD); a catalog gives its ``time_mjd`` (and ``weight``) columns.
    frequencies : None, (f_min, f_max, n) or array_like
        Frequencies [1/d]. None: from 1/T to 4 /d with 5 points per 1/T. A tuple gives a
        linear grid; an array is used as it is.
    weights : array_like, optional
        Event weights (summed per bin).
    fap_method : {"baluev", "davies", "naive", "bootstrap"}
        FAP approximation (astropy); bootstrap resamples the binned counts ``n_bootstraps``
        times with a seed drawn from ``rng`` and searches up to the grid's top frequency.
    bin_width_days : float, optional
        Time bin width [d]; default 1 / (8 f_max), at most T / 64, (amplitude loss <= 2.6 %).
    t_start, t_stop : float, optional
        Live interval [d]; default first and last event. It is taken as continuous (the binned
        counts have no exposure correction).
    normalization : str
        astropy normalisation (``"standard"``, ``"model"``, ``"log"``, ``"psd"``).

    Returns
    -------
    Periodogram
    """
    if fap_method not in FAP_METHODS:
        msg = f"unknown fap_method {fap_method!r}; known: {list(FAP_METHODS)}"
        raise ConfigError(msg)
    from astropy.timeseries import LombScargle

    times, w = _times_and_weights(times_mjd, weights)
    lo = float(times.min()) if t_start is None else float(t_start)
    hi = float(times.max()) if t_stop is None else float(t_stop)
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
        msg = f"the live interval [{lo}, {hi}] [d] is empty"
        raise ConfigError(msg)
    freq = _frequency_grid(frequencies, hi - lo)
    if bin_width_days is None:
        width = min(1.0 / (8.0 * float(freq[-1])), (hi - lo) / 64.0)
    else:
        width = float(bin_width_days)
        if not (math.isfinite(width) and 0 < width <= (hi - lo) / 4):
            msg = f"bin_width_days must be in (0, T/4] with T = {hi - lo:g} d, got {width!r}"
            raise ConfigError(msg)
    n_bins = max(int(math.ceil((hi - lo) / width)), 4)
    edges = lo + width * np.arange(n_bins + 1)
    inside = (times >= lo) & (times <= hi)
    counts, _ = np.histogram(times[inside], bins=edges, weights=None if w is None else w[inside])
    counts = counts.astype(np.float64)
    if not np.any(counts != counts[0]):
        raise ConfigError("the binned counts are constant: no periodogram can be formed")
    t = 0.5 * (edges[1:] + edges[:-1]) - lo
    t_span = n_bins * width
    ls = LombScargle(t, counts, normalization=normalization)
    power = ls.power(freq, assume_regular_frequency=_is_regular(freq))
    k = int(np.argmax(power))
    kwds: dict[str, Any] = {}
    if fap_method == "bootstrap":
        gen = rng if rng is not None else np.random.default_rng()
        kwds = {"n_bootstraps": int(n_bootstraps), "random_seed": int(gen.integers(2**63))}
    # refine the peak between its grid neighbours with the exact (non-FFT) power
    fine = np.linspace(freq[max(k - 1, 0)], freq[min(k + 1, freq.size - 1)], 41)
    fine_power = ls.power(fine, method="cython")
    best_f, best_power = float(fine[np.argmax(fine_power)]), float(np.max(fine_power))
    fap = float(ls.false_alarm_probability(best_power, method=fap_method,
                                           minimum_frequency=float(freq[0]),
                                           maximum_frequency=float(freq[-1]),
                                           method_kwds=kwds or None))
    return Periodogram(frequency=freq, power=power, best_frequency=best_f,
                       best_power=best_power, fap=fap, fap_method=fap_method,
                       normalization=normalization, t_start=lo, t_span_days=t_span,
                       resolution=1.0 / t_span, bin_width_days=width, n_bins=n_bins,
                       n_events=float(counts.sum()), model=ls)


def _is_regular(f: np.ndarray) -> bool:
    if f.size < 3:
        return False
    d = np.diff(f)
    return bool(np.allclose(d, d[0], rtol=1e-6, atol=0.0))


def separate_sidereal_solar(
    times_mjd: Any,
    weights: Any = None,
    *,
    n_resolution: float = 4.0,
    samples_per_peak: int = 20,
    bin_width_days: float | None = None,
    t_start: float | None = None,
    t_stop: float | None = None,
) -> dict[str, Any]:
    """Lomb-Scargle power at the sidereal, solar and anti-sidereal day frequencies.

    A fine periodogram is computed over [1/d - n_resolution/T, f_sid + n_resolution/T]
    (``samples_per_peak`` points per 1/T) and the power is evaluated exactly at
    f_sid = 86400 s / SIDEREAL_DAY_S, f_sol = 1 /d and f_anti = 2 f_sol - f_sid.

    Returns
    -------
    dict
        ``f_sidereal``, ``f_solar``, ``f_antisidereal``, ``delta_f`` = f_sid - f_sol [1/d];
        ``t_span_days`` T and ``resolution`` 1/T [1/d]; ``separation`` = delta_f T (resolved
        when >= 1, the Rayleigh criterion) and ``resolved``; ``power_sidereal``,
        ``power_solar``, ``power_antisidereal``; ``fap_single_sidereal``,
        ``fap_single_solar`` (probability of such power at one frequency fixed in advance);
        ``peak_frequency`` [1/d], ``peak_period_hours``, ``peak_power`` and ``peak_fap``
        (baluev, search up to the band's top) of the highest peak in the band; ``nearest``:
        "sidereal" or "solar", whichever frequency the peak is closer to; ``periodogram``.
    """
    times, w = _times_and_weights(times_mjd, weights)
    lo = float(times.min()) if t_start is None else float(t_start)
    hi = float(times.max()) if t_stop is None else float(t_stop)
    if not hi > lo:
        msg = f"the live interval [{lo}, {hi}] [d] is empty"
        raise ConfigError(msg)
    if not (n_resolution > 0 and int(samples_per_peak) >= 1):
        msg = (f"n_resolution must be > 0 and samples_per_peak >= 1, got {n_resolution!r}, "
               f"{samples_per_peak!r}")
        raise ConfigError(msg)
    t_span = hi - lo
    f_sid, f_sol = 1.0 / SIDEREAL_DAY_D, 1.0 / SOLAR_DAY_D
    f_anti = 2.0 * f_sol - f_sid
    f_min = max(f_anti - n_resolution / t_span, 0.5 / t_span)
    f_max = f_sid + n_resolution / t_span
    n = int(math.ceil(samples_per_peak * (f_max - f_min) * t_span)) + 1
    pg = periodogram(times, (f_min, f_max, max(n, 2)), w, bin_width_days=bin_width_days,
                     t_start=lo, t_stop=hi)
    p_sid, p_sol, p_anti = (float(v) for v in pg.power_at([f_sid, f_sol, f_anti]))
    fap_single = pg.false_alarm_probability(np.array([p_sid, p_sol]), method="single")
    delta = f_sid - f_sol
    peak = pg.best_frequency
    return {
        "f_sidereal": f_sid, "f_solar": f_sol, "f_antisidereal": f_anti, "delta_f": delta,
        "t_span_days": pg.t_span_days, "resolution": pg.resolution,
        "separation": delta * pg.t_span_days, "resolved": bool(delta * pg.t_span_days >= 1.0),
        "power_sidereal": p_sid, "power_solar": p_sol, "power_antisidereal": p_anti,
        "fap_single_sidereal": float(fap_single[0]), "fap_single_solar": float(fap_single[1]),
        "peak_frequency": peak, "peak_period_hours": pg.best_period_hours,
        "peak_power": pg.best_power, "peak_fap": pg.fap,
        "nearest": "sidereal" if abs(peak - f_sid) < abs(peak - f_sol) else "solar",
        "periodogram": pg,
    }

"""The paper's on/off modulation test (digest 004 §2.14, Eq. 43) and the Li & Ma significance.

Conventions and defaults
------------------------
* **Phase bins.** Every array of length T holds one value per bin of ONE period of the
  modulation (a sidereal day, or the solar day of a run's time grid), all bins of equal width.
  T must be even: the "on" and "off" halves have T/2 bins each.
* **Rates** are in events/day: ``rate_per_day[t]`` is the mean rate while the clock is in bin t
  (the ``bins.total`` of a run's summary.json, or :func:`phase_rates_per_day` of its rate tally).
  Gamma_on / Gamma_off are the means of ``rate + background`` over the on / off bins [events/day].
* **Exposure.** N_days = 6 x 365.25 = 2191.5 d (the paper's 6-year CYGNUS run); each half of the
  day is live for t_off = t_on = N_days / 2 [d], so N_on = Gamma_on t_off and
  N_off = Gamma_off t_off are the expected counts of each half over the whole exposure.
* **Which half is "on"** (the paper does not say, digest §2.14 caveat). ``variant="contiguous"``
  (DEFAULT) takes the T/2 contiguous bins, wrapping around midnight, with the largest summed rate:
  the 12-hour window centred on the peak to within half a bin, and the reading closest to the
  paper's "dividing a sidereal day into two equal-size bins". ``variant="highest"`` takes the T/2
  bins with the highest rates wherever they lie; it maximises Gamma_on - Gamma_off, so its
  significance is always >= the contiguous one, and the two coincide for a single-peaked day.
* **Background** is flat in time and energy: a rate per keV per year (CYGNUS: 1e4 electron
  events/keV/yr [paper]) times the width of an energy window of +- n_sigma sigma_E around the line
  E = delta, sigma_E from Eq. (42). DEFAULT n_sigma = 2 (the paper gives no window). The signal
  is NOT multiplied by the window acceptance (95.4 % for +- 2 sigma, :func:`window_acceptance`),
  as in the paper; multiply the rates by it for a consistent count.
* **Zero background** is allowed: Gamma_off is then the signal's own off-half rate (the paper's
  background-free 1-year variant, ``n_days=365.25``) and the test measures the modulation against
  the Poisson noise of the signal itself. If also Gamma_off = 0 (a signal that vanishes for half
  the day) every on-event is a discovery: ratio and significance are +inf when Gamma_on > 0.
  Background cancels in Gamma_on - Gamma_off and only enters through Gamma_off (the noise).
* **significance** of :class:`OnOffResult` is ratio / (1.64 / sqrt(N_off)) =
  (N_on - N_off) / (1.64 sqrt(N_off)): the largest n for which Eq. (43) calls the point
  "sensitive". The paper's Fig. 7 region ("1 sigma", n = 1) is significance >= 1. This treats the
  off count as exactly known; a test that also counts its fluctuation is :func:`li_ma`
  (about sqrt(2) lower) or :class:`mcdm.analysis.likelihood.ModulationLikelihood` on 2 bins.

Examples
--------
>>> import numpy as np
>>> rate = np.where(np.arange(24) < 12, 3.0, 1.0)               # events/day, on = first half
>>> res = paper_onoff(rate, background_per_day=100.0)
>>> round(res.n_off, 2), res.sensitive
(110670.75, True)
>>> round(li_ma(130, 100, alpha=1.0), 3)
1.981
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from mcdm.analysis.binning import check_array, check_number
from mcdm.constants import SECONDS_PER_DAY
from mcdm.errors import ConfigError, PhysicsWarning
from mcdm.synthesis import SECONDS_PER_YEAR, default_energy_window

__all__ = [
    "N_DAYS_PAPER",
    "PAPER_Z",
    "VARIANTS",
    "OnOffResult",
    "onoff_mask",
    "window_background_rate",
    "window_acceptance",
    "paper_onoff",
    "li_ma",
    "fold_counts",
    "phase_rates_per_day",
]

#: the paper's exposure: 6 Julian years of CYGNUS running [d] (digest 004 §2.14)
N_DAYS_PAPER: float = 6 * 365.25
#: the paper's one-sided 95 % quantile in Eq. (43) (1.64, not 1.6449)
PAPER_Z: float = 1.64
#: the two readings of "the half-day with highest rates"; the first is the default
VARIANTS: tuple[str, ...] = ("contiguous", "highest")

_DAYS_PER_YEAR = SECONDS_PER_YEAR / SECONDS_PER_DAY


@dataclass(frozen=True)
class OnOffResult:
    """Outcome of the paper's on/off test, Eq. (43).

    Attributes
    ----------
    variant : str
        How the on half was chosen ("contiguous" or "highest").
    n_days : float
        Total exposure N_days [d]; t_off = n_days / 2.
    n : float
        Required multiple of 1.64 / sqrt(N_off) (the paper's "n", 1 for its Fig. 7).
    background_per_day : float
        Flat background rate in the energy window [events/day].
    gamma_on, gamma_off : float
        Mean total (signal + background) rate during the on / off half [events/day].
    gamma_signal : float
        Gamma_on - Gamma_off [events/day]; the background cancels.
    ratio : float
        Gamma_signal / Gamma_off [dimensionless]; +inf if Gamma_off = 0 < Gamma_signal (or if
        Gamma_off is so small, e.g. 1e-320, that the ratio overflows).
    t_off : float
        Live time of each half, n_days / 2 [d].
    n_on, n_off : float
        Expected counts Gamma_on t_off and Gamma_off t_off.
    threshold : float
        n x 1.64 / sqrt(N_off) [dimensionless], the right-hand side of Eq. (43).
    significance : float
        ratio / (1.64 / sqrt(N_off)) = (N_on - N_off) / (1.64 sqrt(N_off)).
    sensitive : bool
        ratio >= threshold, i.e. significance >= n.
    on_mask : tuple[bool, ...]
        Which phase bins form the on half.
    """

    variant: str
    n_days: float
    n: float
    background_per_day: float
    gamma_on: float
    gamma_off: float
    gamma_signal: float
    ratio: float
    t_off: float
    n_on: float
    n_off: float
    threshold: float
    significance: float
    sensitive: bool
    on_mask: tuple[bool, ...]


# ---------------------------------------------------------------------------------- inputs
def _phase_rates(rate: Any, field: str = "rate_per_day") -> np.ndarray:
    r = check_array(rate, field, ge=0.0)
    if r.ndim != 1 or r.size < 2 or r.size % 2:
        msg = (f"{field} must be a 1-D array over an even number (>= 2) of equal phase bins, "
               f"got shape {r.shape}")
        raise ConfigError(msg)
    return r


def _nonneg(x: Any, field: str) -> float:
    return check_number(x, field, ge=0.0)


def _positive(x: Any, field: str) -> float:
    v = _nonneg(x, field)
    if v == 0:
        msg = f"{field} must be > 0, got {x!r}"
        raise ConfigError(msg)
    return v


# ---------------------------------------------------------------------------------- on / off split
def onoff_mask(rate: Any, variant: str = "contiguous") -> np.ndarray:
    """Which phase bins form the "signal on" half of the day.

    Parameters
    ----------
    rate : array_like, shape (T,)
        Rate per phase bin (any unit; only the order matters), T even.
    variant : {"contiguous", "highest"}
        "contiguous" (default): the T/2 circularly contiguous bins with the largest sum;
        "highest": the T/2 bins with the highest rates. Ties go to the earlier bin / window.

    Returns
    -------
    numpy.ndarray of bool, shape (T,)
        True for the T/2 "on" bins.
    """
    r = _phase_rates(rate, "rate")
    t = r.size
    half = t // 2
    mask = np.zeros(t, dtype=bool)
    if variant == "contiguous":
        # sums of the T windows [k, k + T/2) on the circle
        ext = np.concatenate([[0.0], np.cumsum(np.concatenate([r, r]))])
        sums = ext[half:half + t] - ext[:t]
        start = int(np.argmax(sums))
        mask[(start + np.arange(half)) % t] = True
    elif variant == "highest":
        mask[np.argsort(-r, kind="stable")[:half]] = True
    else:
        msg = f"variant must be one of {list(VARIANTS)}, got {variant!r}"
        raise ConfigError(msg)
    return mask


# ---------------------------------------------------------------------------------- background
def window_acceptance(n_sigma: float = 2.0) -> float:
    """Fraction of a Gaussian line inside +- n_sigma sigma_E: erf(n_sigma / sqrt 2)."""
    from math import erf, sqrt

    return erf(_nonneg(n_sigma, "n_sigma") / sqrt(2.0))


def window_background_rate(background_per_keV_per_year: float, line_keV: float,
                           resolution_fraction: float = 0.10, n_sigma: float = 2.0) -> float:
    """Flat background rate inside the energy window around the photon line [events/day].

    Parameters
    ----------
    background_per_keV_per_year : float
        Flat electron background [events / keV / yr, Julian year]; 1e4 for CYGNUS [paper].
    line_keV : float
        Line energy E = delta [keV].
    resolution_fraction : float
        sigma_E / E at 5.9 keV, Eq. (42) [dimensionless]; 10 % in the paper.
    n_sigma : float
        Half-width of the window in units of sigma_E (default 2: the window is 4 sigma_E wide;
        the window is clipped at 0 keV, which matters only below ~0.24 keV).

    Returns
    -------
    float
        background_per_keV_per_year x window width / 365.25 [events/day]. For 1e4 /keV/yr at
        15 keV: sigma_E = 0.941 keV, width 3.763 keV, 103.0 events/day.
    """
    bkg = _nonneg(background_per_keV_per_year, "background_per_keV_per_year")
    _positive(n_sigma, "n_sigma")
    lo, hi = default_energy_window(_positive(line_keV, "line_keV"), resolution_fraction,
                                   n_sigma=n_sigma)  # Eq. (42) via energy_resolution_sigma
    return bkg * (hi - lo) / _DAYS_PER_YEAR


# ---------------------------------------------------------------------------------- Eq. (43)
def paper_onoff(rate_per_day: Any, background_per_day: float, n_days: float = N_DAYS_PAPER,
                variant: str = "contiguous", n: float = 1.0, mask: Any = None) -> OnOffResult:
    """The paper's simplified modulation test, digest 004 Eq. (43).

    Parameters
    ----------
    rate_per_day : array_like, shape (T,)
        Expected signal rate per phase bin [events/day], T even, equal bins.
    background_per_day : float
        Flat background rate in the analysis window [events/day] (:func:`window_background_rate`);
        0 for the paper's background-free variant.
    n_days : float
        Total exposure N_days [d]; default 6 x 365.25 = 2191.5. t_off = n_days / 2.
    variant : {"contiguous", "highest"}
        Choice of the on half (:func:`onoff_mask`); ignored if ``mask`` is given.
    n : float
        Multiple of the 1.64 / sqrt(N_off) fluctuation required (1 for the paper's Fig. 7).
    mask : array_like of bool, optional
        Explicit on bins (T/2 of them), overriding ``variant``.

    Returns
    -------
    OnOffResult
        With a signal that is 0 in every bin: significance 0 and a
        :class:`~mcdm.errors.PhysicsWarning`.
    """
    r = _phase_rates(rate_per_day)
    bkg = _nonneg(background_per_day, "background_per_day")
    n_days = _positive(n_days, "n_days")
    n = _positive(n, "n")
    if not np.any(r > 0):
        warnings.warn("rate_per_day is 0 in every phase bin (no signal): the on/off significance is 0",
                      PhysicsWarning, stacklevel=2)
    if mask is None:
        on = onoff_mask(r, variant)
    else:
        try:
            on = np.asarray(mask, dtype=bool)
        except (TypeError, ValueError):
            raise ConfigError(f"mask must be a boolean array, got {type(mask).__name__}") from None
        if on.shape != r.shape or int(on.sum()) != r.size // 2:
            msg = (f"mask must be a boolean array of shape {r.shape} with {r.size // 2} True "
                   f"entries, got shape {on.shape} with {int(on.sum())}")
            raise ConfigError(msg)
        variant = "mask"
    gamma_on = float(r[on].mean()) + bkg          # [events/day]
    gamma_off = float(r[~on].mean()) + bkg
    gamma_signal = gamma_on - gamma_off           # background cancels
    t_off = 0.5 * n_days                          # Eq. (43): t_off = N_days / 2 [d]
    n_on, n_off = gamma_on * t_off, gamma_off * t_off
    if n_off > 0:
        ratio = gamma_signal / gamma_off
        threshold = n * PAPER_Z / np.sqrt(n_off)  # Eq. (43) right-hand side
        significance = (n_on - n_off) / (PAPER_Z * np.sqrt(n_off))
    else:  # no background and a signal that vanishes during the off half
        ratio = np.inf if gamma_signal > 0 else 0.0
        threshold = np.inf
        significance = np.inf if gamma_signal > 0 else 0.0
    return OnOffResult(variant=variant, n_days=n_days, n=n, background_per_day=bkg,
                       gamma_on=gamma_on, gamma_off=gamma_off, gamma_signal=gamma_signal,
                       ratio=float(ratio), t_off=t_off, n_on=n_on, n_off=n_off,
                       threshold=float(threshold), significance=float(significance),
                       sensitive=bool(significance >= n), on_mask=tuple(bool(b) for b in on))


# ---------------------------------------------------------------------------------- Li & Ma
def li_ma(n_on: Any, n_off: Any, alpha: float = 1.0) -> Any:
    """Li & Ma (1983, ApJ 272, 317) Eq. (17) significance of an on/off count excess.

    S = sqrt(2) sqrt( N_on ln[(1+a)/a N_on/(N_on+N_off)] + N_off ln[(1+a) N_off/(N_on+N_off)] ),
    signed: negative when N_on < alpha N_off.

    Parameters
    ----------
    n_on, n_off : int, float or array_like
        Counts in the on and off regions (>= 0; non-integers are accepted, e.g. Asimov counts).
    alpha : float
        Ratio of on to off exposure t_on / t_off (1 for the 12 h / 12 h split).

    Returns
    -------
    float or numpy.ndarray
        Signed significance [Gaussian sigma]; 0 when both counts are 0.
    """
    a = check_number(alpha, "alpha", ge=1e-150)
    on = check_array(n_on, "n_on", ge=0.0)
    off = check_array(n_off, "n_off", ge=0.0)
    try:
        on, off = np.broadcast_arrays(on, off)
    except ValueError:
        raise ConfigError(f"n_on (shape {on.shape}) and n_off (shape {off.shape}) do not broadcast") from None
    tot = on + off
    with np.errstate(divide="ignore", invalid="ignore"):
        # x ln(x / y) -> 0 for x = 0
        t_on = np.where(on > 0, on * np.log((1.0 + a) / a * on / tot), 0.0)
        t_off = np.where(off > 0, off * np.log((1.0 + a) * off / tot), 0.0)
    s = np.sqrt(2.0 * np.maximum(t_on + t_off, 0.0))  # Li & Ma Eq. (17)
    s = np.where(on < a * off, -s, s)
    return float(s) if s.ndim == 0 else s


# ---------------------------------------------------------------------------------- catalogs
def fold_counts(time_mjd: Any, edges_mjd: Any) -> np.ndarray:
    """Fold event times onto one period of a phase grid and count events per bin.

    Parameters
    ----------
    time_mjd : array_like
        Event times [MJD, d] (a catalog's ``time_mjd`` column).
    edges_mjd : array_like, shape (T+1,)
        Bin edges of one period [MJD, d] (a rate tally's ``axis("time").edges``); the period is
        the span edges[-1] - edges[0] (1 solar day for the run grids, 0.99727 d for sidereal).

    Returns
    -------
    numpy.ndarray of int64, shape (T,)
        Counts per phase bin. With a mask from :func:`onoff_mask`, ``li_ma(c[m].sum(),
        c[~m].sum())`` is the catalog's on/off significance, and the counts feed
        :meth:`ModulationLikelihood.fit` directly.
    """
    edges = check_array(edges_mjd, "edges_mjd", ndim=1)
    if edges.size < 2 or np.any(np.diff(edges) <= 0):
        msg = f"edges_mjd must be strictly increasing bin edges, got shape {edges.shape}"
        raise ConfigError(msg)
    t = check_array(time_mjd, "time_mjd").ravel()
    period = edges[-1] - edges[0]
    phase = np.mod(t - edges[0], period)
    counts, _ = np.histogram(phase, bins=edges - edges[0])
    return counts.astype(np.int64)


def phase_rates_per_day(rate: Any) -> np.ndarray:
    """Total rate per time bin of a rate tally, in events/day (summed over isotopes and layers).

    Parameters
    ----------
    rate : mcdm.tally.Tally
        A run's ``rate.json`` (``Tally.load``), quantity "rate", with a ``"time"`` axis.

    Returns
    -------
    numpy.ndarray, shape (T,)
        Rate [events/day] per time bin; identical to summary.json ``bins.total``.
    """
    from mcdm.synthesis import _rate_unit_factor  # unit handling shared with the synthesiser

    names = tuple(getattr(rate, "names", ()))
    if "time" not in names or not hasattr(rate, "project"):
        msg = f"rate must be an mcdm.tally.Tally with a 'time' axis, got {type(rate).__name__}"
        raise ConfigError(msg)
    per_s = np.asarray(rate.project("time").values(), dtype=np.float64)
    return per_s * _rate_unit_factor(getattr(rate, "unit", "")) * SECONDS_PER_DAY

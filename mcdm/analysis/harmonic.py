"""Harmonic (modulation) fits to binned counts: annual and sidereal-daily modulation.

Model of the event rate per unit exposure (counts per exposure unit, e.g. per live day or kg day)

    r(t) = B(t) + A1 cos(2 pi (t - t0) / P) [+ more harmonics of fixed periods],

with a background B(t) that is constant (``drift="none"``), linear, B = A0 (1 + k dt), or
exponential, B = A0 exp(k dt), where dt = (t - t_ref) / yr (Julian year 365.25 d) and k is the
relative drift per year. The expected counts of bin i are mu_i = E_i <r>_i with E_i the exposure
and <r>_i the rate averaged over the bin when edges are given (the cosine then carries the exact
bin-averaging factor sinc(width/P)), or evaluated at the bin centre when centres are given.
The binned Poisson likelihood -ln L = sum_i (mu_i - n_i ln mu_i + ln n_i!) is minimised with
iminuit (MIGRAD, HESSE; MINOS for A1 on request).

Parametrisation: the harmonic is fitted as linear amplitudes a cos(w dt') + b sin(w dt')
(dt' = t - t_ref in days, w = 2 pi / P), so the likelihood is convex in everything but the
exponential drift, and converted afterwards to A1 = hypot(a, b) >= 0 and the time of maximum
t0 = t_ref + atan2(b, a) / w, with errors propagated from the HESSE covariance. A1 is then
positive by construction; at low significance it is biased upwards (Rice distribution), while a
and b stay unbiased.

This is the DAMA/LIBRA and COSINE-100 style fit (residual rate A cos(w (t - t0)), P = 1 yr,
t0 near June 2; COSINE also fits exponentially decaying backgrounds). The binning helpers
:func:`bin_events` and :func:`phase_fold` live in :mod:`mcdm.analysis.binning` and are
re-exported here.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mcdm.analysis.binning import (PhaseFold, bin_events, check_array, check_number, check_period,
                                   phase_fold)
from mcdm.constants import SECONDS_PER_DAY, SIDEREAL_DAY_S
from mcdm.errors import ConfigError
from mcdm.synthesis import SECONDS_PER_YEAR

__all__ = [
    "SIDEREAL_DAY_D",
    "SOLAR_DAY_D",
    "YEAR_D",
    "DRIFT_MODELS",
    "Harmonic",
    "HarmonicFit",
    "PhaseFold",
    "fit_harmonic",
    "bin_events",
    "phase_fold",
]

#: mean sidereal day [d] (from mcdm.constants.SIDEREAL_DAY_S)
SIDEREAL_DAY_D: float = SIDEREAL_DAY_S / SECONDS_PER_DAY
#: mean solar day [d]
SOLAR_DAY_D: float = 1.0
#: Julian year [d], the period of annual modulation and the unit of the drift parameter
YEAR_D: float = SECONDS_PER_YEAR / SECONDS_PER_DAY
#: background models accepted by :func:`fit_harmonic`
DRIFT_MODELS: tuple[str, ...] = ("none", "linear", "exponential")

#: MIGRAD tolerance: stop at EDM < 0.002 tol errordef, i.e. parameters within ~1e-3 of their
#: errors of the minimum (iminuit's default 0.1 leaves ~1e-2)
MIGRAD_TOL: float = 1e-3

#: bound on |k dt| of the exponential drift over the data (keeps e^{k dt} inside the float range)
_EXP_DRIFT_MAX = 50.0

# 3-point Gauss-Legendre rule on [-1/2, 1/2] for bin averages of the exponential background
_GL_X = np.array([-math.sqrt(3.0 / 5.0), 0.0, math.sqrt(3.0 / 5.0)]) / 2.0
_GL_W = np.array([5.0, 8.0, 5.0]) / 18.0


@dataclass(frozen=True)
class Harmonic:
    """One fitted harmonic A cos(2 pi (t - t0) / P) = a cos(w (t - t_ref)) + b sin(w (t - t_ref)).

    Attributes
    ----------
    period_days : float -- period P [d]
    amplitude, amplitude_err : float -- A >= 0 and its HESSE error [counts per exposure unit]
    t0, t0_err : float -- time of the maximum [d, same time coordinate as the input]; the
        representative nearest ``t0_guess`` (or within P/2 of ``t_ref``)
    phase_rad, phase_err : float -- 2 pi (t0 - t_ref) / P and its error [rad]
    a_cos, a_sin, a_cos_err, a_sin_err : float -- linear amplitudes a, b and errors
        [counts per exposure unit]
    corr_cos_sin : float -- correlation coefficient of a and b
    """

    period_days: float
    amplitude: float
    amplitude_err: float
    t0: float
    t0_err: float
    phase_rad: float
    phase_err: float
    a_cos: float
    a_sin: float
    a_cos_err: float
    a_sin_err: float
    corr_cos_sin: float


@dataclass(frozen=True)
class HarmonicFit:
    """Result of :func:`fit_harmonic` (rates in counts per exposure unit, times in days).

    Attributes
    ----------
    modulation : Harmonic -- the harmonic of period ``period_days``
    a0, a0_err : float -- background rate B(t_ref) and error
    drift_model : str -- ``"none"``, ``"linear"`` or ``"exponential"``
    drift, drift_err : float -- relative background drift k and error [1/yr] (0 for "none")
    t_ref : float -- reference time of the background and of ``phase_rad`` [d]
    nll : float -- minimum of -ln L including ln n! (comparable between models on one data set)
    deviance : float -- Poisson deviance 2 sum(mu - n + n ln(n/mu)), the chi2-like goodness
        of fit (chi2(ndof)-distributed only when every bin has >~ 5 counts)
    ndof : int -- fitted bins minus free parameters
    n_bins : int -- bins with exposure > 0; n_events : float -- their total count
    valid : bool -- MIGRAD converged and the HESSE covariance is accurate and positive definite
    ts_modulation, p_modulation : float -- likelihood ratio 2 (nll(A1 = 0) - nll) and its
        asymptotic p-value (chi2 with 2 dof: amplitude and phase free, period fixed)
    a1_minos : (float, float) or None -- MINOS errors (lower < 0, upper > 0) of A1 when asked
    others : tuple of Harmonic -- harmonics of ``extra_periods`` fitted jointly
    parameters, values, covariance -- internal parameters (``c0``, ``slope`` [per yr] or ``k``,
        ``a_cos``, ``a_sin``, ``a_cos_1``, ...), best values and HESSE covariance
    """

    modulation: Harmonic
    a0: float
    a0_err: float
    drift_model: str
    drift: float
    drift_err: float
    t_ref: float
    nll: float
    deviance: float
    ndof: int
    n_bins: int
    n_events: float
    valid: bool
    ts_modulation: float
    p_modulation: float
    a1_minos: tuple[float, float] | None
    others: tuple[Harmonic, ...]
    parameters: tuple[str, ...]
    values: tuple[float, ...]
    covariance: np.ndarray = field(compare=False, repr=False)

    # primary-harmonic shortcuts
    @property
    def period_days(self) -> float:
        """Period P of the fitted modulation [d]."""
        return self.modulation.period_days

    @property
    def a1(self) -> float:
        """Modulation amplitude A1 >= 0 [counts per exposure unit]."""
        return self.modulation.amplitude

    @property
    def a1_err(self) -> float:
        """HESSE error of A1."""
        return self.modulation.amplitude_err

    @property
    def t0(self) -> float:
        """Time of the modulation maximum [d]."""
        return self.modulation.t0

    @property
    def t0_err(self) -> float:
        """Error of t0 [d]."""
        return self.modulation.t0_err

    @property
    def phase_rad(self) -> float:
        """Phase 2 pi (t0 - t_ref) / P [rad]."""
        return self.modulation.phase_rad

    @property
    def phase_err(self) -> float:
        """Error of the phase [rad]."""
        return self.modulation.phase_err

    @property
    def chi2_ndof(self) -> float:
        """Deviance per degree of freedom (nan if ndof <= 0)."""
        return self.deviance / self.ndof if self.ndof > 0 else math.nan

    @property
    def gof_p(self) -> float:
        """chi2(ndof) survival probability of the deviance (asymptotic; nan if ndof <= 0)."""
        from scipy import stats

        return float(stats.chi2.sf(self.deviance, self.ndof)) if self.ndof > 0 else math.nan

    def background(self, t_days: Any) -> np.ndarray:
        """Background rate B(t) at times ``t_days`` [d] [counts per exposure unit]."""
        dt = (np.asarray(t_days, dtype=np.float64) - self.t_ref) / YEAR_D
        if self.drift_model == "linear":
            return self.a0 * (1.0 + self.drift * dt)
        if self.drift_model == "exponential":
            return self.a0 * np.exp(self.drift * dt)
        return np.full_like(dt, self.a0)

    def rate(self, t_days: Any) -> np.ndarray:
        """Instantaneous fitted rate r(t) at ``t_days`` [d] [counts per exposure unit]."""
        t = np.asarray(t_days, dtype=np.float64)
        r = self.background(t)
        for h in (self.modulation, *self.others):
            r = r + h.amplitude * np.cos(2.0 * np.pi * (t - h.t0) / h.period_days)
        return r

    def expected_counts(self, t_days: Any, exposure: Any, edges: bool | None = None) -> np.ndarray:
        """Fitted expected counts per bin, for bins given as in :func:`fit_harmonic`.

        ``t_days`` are edges if ``edges`` is True, centres if False; by default that is read
        from the length of an array ``exposure`` (n + 1 times: edges), else centres.
        """
        t = np.asarray(t_days, dtype=np.float64)
        if edges is None:
            edges = np.ndim(exposure) == 1 and t.size == np.size(exposure) + 1
        n = t.size - 1 if edges else t.size
        design = _Design.build(t, np.zeros(max(n, 0)), exposure,
                               [self.period_days] + [h.period_days for h in self.others],
                               self.t_ref, keep_empty=True)
        return design.mu(np.asarray(self.values), self.drift_model)


# ------------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class _Design:
    """Per-bin arrays of the model for the bins with exposure > 0 (``keep_empty`` keeps all)."""

    counts: np.ndarray
    exposure: np.ndarray
    dt_nodes: np.ndarray     # (n, 3) Gauss-Legendre nodes of (t - t_ref) / yr in each bin
    dt_mid: np.ndarray       # (n,) (centre - t_ref) / yr
    basis: np.ndarray        # (2 n_harm, n) bin-averaged cos, sin of w (t - t_ref)
    lgam: float              # sum ln n!

    @classmethod
    def build(cls, t_days: Any, counts: Any, exposure: Any, periods: Sequence[float],
              t_ref: float, keep_empty: bool = False) -> _Design:
        n_arr = check_array(counts, "counts", ge=0.0)
        if n_arr.ndim != 1 or n_arr.size == 0:
            msg = f"counts must be a non-empty 1-D array, got shape {n_arr.shape}"
            raise ConfigError(msg)
        t = check_array(t_days, "t_days")
        if t.ndim != 1 or t.size not in (n_arr.size, n_arr.size + 1):
            msg = (f"t_days has shape {t.shape}; give {n_arr.size} bin centres or "
                   f"{n_arr.size + 1} bin edges for {n_arr.size} counts")
            raise ConfigError(msg)
        if t.size == n_arr.size + 1:
            width = np.diff(t)
            if np.any(width <= 0):
                raise ConfigError("bin edges t_days must be strictly increasing")
            mid = 0.5 * (t[1:] + t[:-1])
        else:
            width, mid = np.zeros_like(t), t
        expo = check_array(exposure, "exposure", ge=0.0)
        if expo.shape not in ((), n_arr.shape):
            msg = f"exposure has shape {expo.shape}, expected () or {n_arr.shape}"
            raise ConfigError(msg)
        expo = np.broadcast_to(expo, n_arr.shape)
        if np.any((expo == 0) & (n_arr > 0)):
            bad = int(np.flatnonzero((expo == 0) & (n_arr > 0))[0])
            msg = f"bin {bad} has {n_arr[bad]:g} counts but zero exposure"
            raise ConfigError(msg)
        keep = np.ones(n_arr.size, bool) if keep_empty else expo > 0
        mid, width, n_arr, expo = mid[keep], width[keep], n_arr[keep], expo[keep]
        rows = []
        for period in periods:
            phase = 2.0 * np.pi * (mid - t_ref) / period
            damp = np.sinc(width / period)  # bin average of cos: sin(w h/2) / (w h/2)
            rows += [damp * np.cos(phase), damp * np.sin(phase)]
        from scipy.special import gammaln

        return cls(counts=n_arr, exposure=expo,
                   dt_nodes=((mid[:, None] + width[:, None] * _GL_X) - t_ref) / YEAR_D,
                   dt_mid=(mid - t_ref) / YEAR_D, basis=np.array(rows),
                   lgam=float(gammaln(n_arr + 1.0).sum()))

    def n_background(self, drift: str) -> int:
        return 1 if drift == "none" else 2

    def rate_and_jac(self, p: np.ndarray, drift: str,
                     jacobian: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """Bin-averaged rate per exposure and its Jacobian (n_par, n) in the internal params."""
        nb = self.n_background(drift)
        if not jacobian:
            if drift == "none":
                bkg = p[0]
            elif drift == "linear":
                bkg = p[0] + p[1] * self.dt_mid
            else:
                bkg = p[0] * (np.exp(p[1] * self.dt_nodes) @ _GL_W)
            return bkg + p[nb:] @ self.basis, None
        jac = np.empty((p.size, self.counts.size))
        if drift == "none":
            jac[0] = 1.0
            bkg = np.full(self.counts.size, p[0])
        elif drift == "linear":
            jac[0], jac[1] = 1.0, self.dt_mid
            bkg = p[0] + p[1] * self.dt_mid
        else:
            e = np.exp(p[1] * self.dt_nodes)
            jac[0] = e @ _GL_W
            jac[1] = p[0] * ((self.dt_nodes * e) @ _GL_W)
            bkg = p[0] * jac[0]
        jac[nb:] = self.basis
        return bkg + p[nb:] @ self.basis, jac

    def mu(self, p: np.ndarray, drift: str) -> np.ndarray:
        return self.exposure * self.rate_and_jac(p, drift, jacobian=False)[0]

    def _eps(self, p: np.ndarray) -> np.ndarray:
        return 1e-9 * self.exposure * max(abs(float(p[0])), 1e-300)

    def nll(self, p: np.ndarray, drift: str) -> float:
        """-ln L; below eps (unphysical mu <= 0) -n ln mu continues as its 2nd-order Taylor
        series so MIGRAD can step back from there."""
        mu = self.exposure * self.rate_and_jac(p, drift, jacobian=False)[0]
        n = self.counts
        eps = self._eps(p)
        low = mu < eps
        if not low.any():
            return float(mu.sum() - n @ np.log(mu)) + self.lgam
        x = np.where(low, (mu - eps) / eps, 0.0)
        logm = np.log(np.where(low, eps, mu)) + x - 0.5 * x * x
        return float(mu.sum() - n @ logm) + self.lgam

    def grad(self, p: np.ndarray, drift: str) -> np.ndarray:
        rate, jac = self.rate_and_jac(p, drift)
        mu = self.exposure * rate
        eps = self._eps(p)
        low = mu < eps
        dlog = np.where(low, (1.0 - (mu - eps) / eps) / eps, 1.0 / np.where(low, 1.0, mu))
        return jac @ (self.exposure * (1.0 - self.counts * dlog))

    def deviance(self, p: np.ndarray, drift: str) -> float:
        mu = np.maximum(self.mu(p, drift), 1e-300)
        n = self.counts
        term = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0) / mu), 0.0)
        return float(2.0 * np.sum(mu - n + term))


# ------------------------------------------------------------------------------- fitting
def _minuit(design: _Design, drift: str, p0: np.ndarray, names: Sequence[str]) -> Any:
    from iminuit import Minuit

    def fcn(p: np.ndarray) -> float:
        return design.nll(np.asarray(p), drift)

    def grad(p: np.ndarray) -> np.ndarray:
        return design.grad(np.asarray(p), drift)

    m = Minuit(fcn, np.asarray(p0, dtype=np.float64), grad=grad, name=list(names))
    m.errordef = Minuit.LIKELIHOOD
    m.print_level = 0
    m.tol = MIGRAD_TOL
    if drift == "exponential":  # e^{k dt} varies by at most e^50 over the data: no overflow
        k_max = _EXP_DRIFT_MAX / max(float(np.abs(design.dt_nodes).max()), 1e-300)
        m.limits["k"] = (-k_max, k_max)
    return m


def _harmonic(period: float, a: float, b: float, cov: np.ndarray, t_ref: float,
              t0_guess: float | None) -> Harmonic:
    """(a, b) with covariance ``cov`` (2x2) -> amplitude, phase, t0 with propagated errors."""
    amp = math.hypot(a, b)
    phi = math.atan2(b, a)
    omega = 2.0 * np.pi / period
    ref = t_ref if t0_guess is None else float(t0_guess)
    t0 = t_ref + phi / omega
    t0 = ref + ((t0 - ref + 0.5 * period) % period) - 0.5 * period
    if amp > 0:
        j_amp = np.array([a, b]) / amp
        j_phi = np.array([-b, a]) / amp**2
        amp_err = math.sqrt(max(float(j_amp @ cov @ j_amp), 0.0))
        phi_err = math.sqrt(max(float(j_phi @ cov @ j_phi), 0.0))
    else:
        amp_err, phi_err = math.sqrt(max(0.5 * np.trace(cov), 0.0)), math.pi
    sa, sb = math.sqrt(max(cov[0, 0], 0.0)), math.sqrt(max(cov[1, 1], 0.0))
    corr = float(cov[0, 1] / (sa * sb)) if sa > 0 and sb > 0 else 0.0
    return Harmonic(period_days=float(period), amplitude=amp, amplitude_err=amp_err, t0=float(t0),
                    t0_err=phi_err / omega, phase_rad=omega * (t0 - t_ref), phase_err=phi_err,
                    a_cos=float(a), a_sin=float(b), a_cos_err=sa, a_sin_err=sb, corr_cos_sin=corr)


def fit_harmonic(
    t_days: Any,
    counts: Any,
    exposure: Any,
    period_days: float,
    drift: str = "none",
    t_ref: float | None = None,
    t0_guess: float | None = None,
    *,
    extra_periods: Sequence[float] = (),
    minos: bool = False,
) -> HarmonicFit:
    """Fit A0 (1 + drift) + A1 cos(2 pi (t - t0) / P) to binned counts by Poisson likelihood.

    Parameters
    ----------
    t_days : array_like, shape (n,) or (n + 1,)
        Bin centres or bin edges [d] (e.g. UTC MJD). With edges the model is averaged over each
        bin exactly; with centres it is evaluated at the centre.
    counts : array_like, shape (n,)
        Counts per bin (>= 0; weighted sums are accepted, the likelihood treats them as Poisson).
    exposure : float or array_like, shape (n,)
        Exposure per bin (live days, kg day, ...; >= 0). Rates are counts per this unit. Bins
        with zero exposure are dropped and must have zero counts.
    period_days : float
        Period P [d]: :data:`YEAR_D` for annual, :data:`SIDEREAL_DAY_D` for sidereal daily.
    drift : {"none", "linear", "exponential"}
        Background B(t): A0, A0 (1 + k dt) or A0 exp(k dt), dt = (t - t_ref) / yr.
    t_ref : float, optional
        Reference time [d] of A0, of the drift and of ``phase_rad``; default the
        exposure-weighted mean bin centre (which decorrelates A0 from the drift).
    t0_guess : float, optional
        Expected time of maximum [d] (e.g. MJD of June 2); used for the starting values and
        to choose which representative t0 + m P is reported (the nearest to it).
    extra_periods : sequence of float, optional
        Periods [d] of further harmonics fitted jointly (e.g. ``(SOLAR_DAY_D,)`` next to a
        sidereal fit over a year); reported in ``HarmonicFit.others``.
    minos : bool
        Also compute MINOS errors of A1 (a refit in amplitude/phase parameters).

    Returns
    -------
    HarmonicFit

    Raises
    ------
    mcdm.errors.ConfigError
        Bad shapes, negative or non-finite counts or exposure, counts without exposure, unknown
        drift model, non-positive period, or no bins left to fit.
    """
    if drift not in DRIFT_MODELS:
        msg = f"unknown drift model {drift!r}; known: {list(DRIFT_MODELS)}"
        raise ConfigError(msg)
    periods = [check_period(period_days, "period_days")]
    if isinstance(extra_periods, (str, bytes)) or not hasattr(extra_periods, "__iter__"):
        raise ConfigError(f"extra_periods must be a sequence of periods [d], got {extra_periods!r:.40}")
    periods += [check_period(p, "extra_periods entry") for p in extra_periods]
    if len(set(periods)) != len(periods):
        msg = f"the periods {periods} [d] repeat: each harmonic can be fitted only once"
        raise ConfigError(msg)
    t_arr = check_array(t_days, "t_days")
    # provisional design to get the bin centres and exposures for the default t_ref
    pre = _Design.build(t_arr, counts, exposure, periods, 0.0)
    if pre.counts.size == 0:
        raise ConfigError("no bin has exposure > 0: nothing to fit")
    if t_ref is None:
        t_ref = float(np.average(pre.dt_mid * YEAR_D, weights=pre.exposure))
    else:
        t_ref = check_number(t_ref, "t_ref")
    if t0_guess is not None:
        t0_guess = check_number(t0_guess, "t0_guess")
    design = _Design.build(t_arr, counts, exposure, periods, t_ref)
    nb = design.n_background(drift)
    n_par = nb + 2 * len(periods)
    if design.counts.sum() <= 0:
        raise ConfigError("all counts are zero: the background rate cannot be fitted")

    names = ["c0"] + {"none": [], "linear": ["slope"], "exponential": ["k"]}[drift]
    for j in range(len(periods)):
        suffix = "" if j == 0 else f"_{j}"
        names += [f"a_cos{suffix}", f"a_sin{suffix}"]
    averaged_out = [periods[j] for j in range(len(periods))
                    if np.abs(design.basis[2 * j:2 * j + 2]).max() < 1e-9]
    if averaged_out:
        msg = (f"period_days: every bin is a whole number of periods {averaged_out} [d] long, so the "
               "bins average the harmonic out and its amplitude cannot be fitted; use narrower bins")
        raise ConfigError(msg)
    if design.counts.size < n_par:
        msg = (f"counts: {design.counts.size} bin(s) with exposure > 0 cannot determine the {n_par} "
               f"parameters {names}; give more bins")
        raise ConfigError(msg)
    c0 = float(design.counts.sum() / design.exposure.sum())
    p0 = np.zeros(n_par)
    p0[0] = c0
    if t0_guess is not None:
        phi = 2.0 * np.pi * (float(t0_guess) - t_ref) / periods[0]
        p0[nb:nb + 2] = 0.01 * c0 * np.array([math.cos(phi), math.sin(phi)])
    m = _minuit(design, drift, p0, names)
    m.errors = [max(0.01 * c0, 1e-12)] * nb + [max(0.01 * c0, 1e-12)] * (n_par - nb)
    if drift == "exponential":
        m.errors["k"] = 0.01
    m.migrad()
    m.hesse()
    if m.covariance is None:
        msg = (f"the fit of {names} is degenerate for these bins (HESSE found no covariance); check "
               "t_days, counts and period_days")
        raise ConfigError(msg)
    best = np.array(m.values)
    cov = np.array(m.covariance)
    valid = bool(m.valid and m.accurate and m.fmin.has_posdef_covar)

    # background, drift [1/yr]
    a0, a0_err = float(best[0]), math.sqrt(max(cov[0, 0], 0.0))
    drift_v = drift_e = 0.0
    if drift == "exponential":
        drift_v, drift_e = float(best[1]), math.sqrt(max(cov[1, 1], 0.0))
    elif drift == "linear":
        drift_v = float(best[1] / best[0])
        jac = np.array([-best[1] / best[0] ** 2, 1.0 / best[0]])
        drift_e = math.sqrt(max(float(jac @ cov[:2, :2] @ jac), 0.0))

    harmonics = [_harmonic(periods[j], best[nb + 2 * j], best[nb + 2 * j + 1],
                           cov[nb + 2 * j:nb + 2 * j + 2, nb + 2 * j:nb + 2 * j + 2], t_ref,
                           t0_guess if j == 0 else None) for j in range(len(periods))]

    # likelihood ratio against no primary modulation
    m0 = _minuit(design, drift, np.where(np.isin(np.arange(n_par), [nb, nb + 1]), 0.0, best),
                 names)
    m0.errors = list(np.sqrt(np.maximum(np.diag(cov), 1e-24)))
    m0.fixed["a_cos"] = m0.fixed["a_sin"] = True
    m0.migrad()
    ts = max(2.0 * (float(m0.fval) - float(m.fval)), 0.0)
    from scipy import stats

    a1_minos = _minos_amplitude(design, drift, best, cov, names, nb) if minos else None
    return HarmonicFit(
        modulation=harmonics[0], a0=a0, a0_err=a0_err, drift_model=drift, drift=drift_v,
        drift_err=drift_e, t_ref=t_ref, nll=float(m.fval), deviance=design.deviance(best, drift),
        ndof=int(design.counts.size - n_par), n_bins=int(design.counts.size),
        n_events=float(design.counts.sum()), valid=valid, ts_modulation=ts,
        p_modulation=float(stats.chi2.sf(ts, 2)), a1_minos=a1_minos, others=tuple(harmonics[1:]),
        parameters=tuple(names), values=tuple(float(v) for v in best),
        covariance=_readonly(cov))


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a


def _minos_amplitude(design: _Design, drift: str, best: np.ndarray, cov: np.ndarray,
                     names: Sequence[str], nb: int) -> tuple[float, float] | None:
    """MINOS interval of A1 from a refit with (A1, phi) in place of (a_cos, a_sin)."""
    from iminuit import Minuit

    def to_cartesian(q: np.ndarray) -> np.ndarray:
        p = np.array(q, dtype=np.float64)
        p[nb], p[nb + 1] = q[nb] * math.cos(q[nb + 1]), q[nb] * math.sin(q[nb + 1])
        return p

    def fcn(q: np.ndarray) -> float:
        return design.nll(to_cartesian(q), drift)

    q0 = np.array(best, dtype=np.float64)
    a, b = best[nb], best[nb + 1]
    q0[nb], q0[nb + 1] = math.hypot(a, b), math.atan2(b, a)
    polar_names = list(names)
    polar_names[nb], polar_names[nb + 1] = "a1", "phi"
    m = Minuit(fcn, q0, name=polar_names)
    m.errordef = Minuit.LIKELIHOOD
    m.print_level = 0
    err = np.sqrt(np.maximum(np.diag(cov), 1e-24))
    err[nb + 1] = min(err[nb] / max(q0[nb], 1e-300), 1.0)
    m.errors = list(err)
    m.limits["a1"] = (0.0, None)
    m.migrad()
    if not m.valid:
        return None
    m.minos("a1")
    me = m.merrors["a1"]
    if not (me.lower_valid and me.upper_valid) and not (me.at_lower_limit and me.upper_valid):
        return None
    return float(me.lower), float(me.upper)

"""Binned Poisson likelihood test of a modulated signal over a flat background (seed 004).

The paper's on/off test (digest 004 Eq. 43, :mod:`mcdm.analysis.onoff`) splits the day in two;
this module uses the whole predicted phase profile of the signal instead.

Conventions and defaults
------------------------
* **Data layout.** T phase bins of one period (a sidereal day, or the solar day of a run's grid).
  n_t = events in bin t accumulated over the whole exposure. The expected counts are
  ``s_t = rate_t [events/day] x N_days x f_t`` and ``b_t`` likewise, where f_t is the bin's
  fraction of the period (1/T for equal bins); :meth:`ModulationLikelihood.from_rates` builds
  them. N_days defaults to 6 x 365.25 = 2191.5 d.
* **Model.** n_t ~ Poisson(nu_t), nu_t = mu s_t + beta b_t. mu is the signal strength (1 = the
  simulated signal); beta is the background scale ("b_scale").
* **Background normalisation is FREE (profiled) by default** (``float_background=True``), so
  that, as in the paper's on/off test, only the modulation carries evidence for a signal: an
  unmodulated excess is absorbed by beta. ``float_background=False`` fixes beta = 1 (background
  known exactly): then the total excess counts too, and Z is much larger. A floating background
  needs a signal whose phase profile differs from the background's (else mu and beta are
  degenerate; the constructor refuses).
* **Test statistics** (Cowan, Cranmer, Gross & Vitells, Eur. Phys. J. C 71 (2011) 1554,
  arXiv:1007.1727; "CCGV"): the likelihood is ln L = sum_t [n_t ln nu_t - nu_t]; every
  statistic is a difference of the Poisson deviance D = sum_t [nu_t - n_t + n_t ln(n_t/nu_t)]
  (= -ln L + const), so q = 2 (D_restricted - D_best).
  - discovery: q0 = 2 [D(0, beta_hat_0) - D(mu_hat, beta_hat)] if mu_hat >= 0 else 0 (CCGV
    Eq. 12), Z = sqrt(q0). beta_hat_0 = sum n / sum b in closed form.
  - upper limits: q~_mu (CCGV Eq. 16; reference point mu = 0 when mu_hat < 0, q~ = 0 when
    mu_hat > mu) with its asymptotic p-value (CCGV "q~_mu" distribution, Eqs. 65-66), where
    mu^2/sigma^2 is taken as q_mu,A from the background-only Asimov data set.
  - Asimov (CCGV Sec. "The Asimov data set"): n_A = expected counts, so the median discovery
    significance is Z_A = sqrt(q0,A) (for one bin and fixed background this is CCGV Eq. 97,
    sqrt(2[(s+b) ln(1+s/b) - s])), and the median upper limit solves q_mu,A(mu) =
    [Phi^-1(CL) + N]^2 on mu' = 0 Asimov data (N = 0 the median, N = +-1, +-2 the bands,
    mu_up+N = sigma (Phi^-1(1-alpha) + N)).
* **Confidence level: 95 %** by default (the paper's 1.64 in Eq. 43 is the same one-sided
  quantile); pass ``cl=0.90`` for the 90 % convention of the paper's LZ recast.
* **Zero background.** Bins with b_t = 0 are allowed. A count where nu = 0 under the null makes
  q0 = +inf (Z = inf): one event where nothing else can be is a discovery in this model. With
  all b_t = 0 a floating background is meaningless (refused) and the asymptotic formulae are
  poor; use toys.
* **Fits.** The global fit (mu, beta) is iminuit MIGRAD + HESSE on D (errordef 0.5) with the
  analytic gradient; mu is unbounded (for unbiased pulls), beta >= 0. The profile beta_hat(mu)
  is a vectorised Newton solve (D is convex in beta). Inside the optimisers, -n ln nu is
  continued below nu = eps by its second-order Taylor polynomial so that negative mu never
  produces NaN; reported deviances are exact.

Examples
--------
>>> import numpy as np
>>> s = 50.0 * (1.0 + np.cos(2 * np.pi * (np.arange(24) + 0.5) / 24))   # counts per bin
>>> lik = ModulationLikelihood(s, np.full(24, 1.0e4))
>>> z = lik.asimov_z(1.0)                                               # median Z at mu = 1
>>> mu95 = lik.asimov_upper_limit(0.95)                                 # median 95 % limit
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from iminuit import Minuit

from mcdm.analysis.binning import check_array, check_number
from mcdm.errors import ConfigError

__all__ = ["FitResult", "ToyResult", "ModulationLikelihood"]

_N_DAYS_PAPER = 6 * 365.25  # [d], digest 004 §2.14 (same value as onoff.N_DAYS_PAPER)
#: smallest total expected signal (events) accepted; keeps mu s and the barrier eps^2 in range
_MIN_SIGNAL = 1e-100


@dataclass(frozen=True)
class FitResult:
    """Maximum-likelihood fit of one data set.

    Attributes
    ----------
    mu, mu_err : float
        Fitted signal strength and its HESSE error [units of the simulated signal].
    b_scale, b_scale_err : float
        Fitted background scale beta and error (1 and 0 when the background is fixed).
    q0 : float
        Discovery test statistic (CCGV Eq. 12); 0 if mu < 0.
    z : float
        Discovery significance sqrt(q0) [Gaussian sigma].
    b_scale_0 : float
        Background scale of the background-only fit (sum n / sum b, or 1 if fixed).
    deviance : float
        2 D at the best fit: a goodness-of-fit chi^2 with T - (number of free parameters) dof.
    valid : bool
        MIGRAD converged to a valid minimum.
    """

    mu: float
    mu_err: float
    b_scale: float
    b_scale_err: float
    q0: float
    z: float
    b_scale_0: float
    deviance: float
    valid: bool


@dataclass(frozen=True, eq=False)
class ToyResult:
    """Fits of ``n`` pseudo-experiments drawn at signal strength ``mu_true`` (arrays of shape (n,)).

    ``upper_limit`` is filled only when :meth:`ModulationLikelihood.toys` was asked for limits.
    """

    mu_true: float
    mu: np.ndarray
    mu_err: np.ndarray
    b_scale: np.ndarray
    q0: np.ndarray
    z: np.ndarray
    valid: np.ndarray
    upper_limit: np.ndarray | None = None

    @property
    def pull(self) -> np.ndarray:
        """(mu_hat - mu_true) / mu_err per toy; mean 0 and width 1 for an unbiased fit."""
        return (self.mu - self.mu_true) / self.mu_err


# ---------------------------------------------------------------------------------- deviance
def _xlogx_over(n: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """n ln(n / nu), 0 where n = 0, +inf where n > 0 = nu (or nu so small that n / nu overflows)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = n * np.log(n / nu)
    return np.where(n > 0, out, 0.0)


def _deviance(nu: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Exact half Poisson deviance D = sum_t [nu - n + n ln(n/nu)] over the last axis."""
    with np.errstate(invalid="ignore"):
        terms = nu - n + _xlogx_over(n, np.maximum(nu, 0.0))
    return np.sum(terms, axis=-1)


def _ext_terms(nu: np.ndarray, n: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
    """Barrier-continued D terms, their first and second derivatives in nu.

    -n ln nu is replaced below nu = eps by its 2nd-order Taylor polynomial at eps (convex, C2).
    """
    low = nu < eps
    nu_c = np.where(low, eps, nu)
    x = (nu - eps) / eps
    neg_log = np.where(low, -(np.log(eps) + x - 0.5 * x * x), -np.log(nu_c))
    d1 = np.where(low, -(1.0 - x) / eps, -1.0 / nu_c)       # d(-ln nu)/dnu
    d2 = np.where(low, 1.0 / eps ** 2, 1.0 / nu_c ** 2)     # d2(-ln nu)/dnu2
    with np.errstate(divide="ignore", invalid="ignore"):
        nlogn = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0)), 0.0)
    return nu - n + nlogn + n * neg_log, 1.0 + n * d1, n * d2


class ModulationLikelihood:
    """Binned Poisson likelihood of signal strength mu with a (profiled) background scale.

    Parameters
    ----------
    signal_counts : array_like, shape (T,)
        Expected signal counts s_t per phase bin over the exposure at mu = 1 (>= 0).
    background_counts : array_like, shape (T,)
        Expected background counts b_t per bin at beta = 1 (>= 0).
    float_background : bool
        Profile the background normalisation beta (default) or fix beta = 1.
    """

    def __init__(self, signal_counts: Any, background_counts: Any,
                 float_background: bool = True) -> None:
        s = check_array(signal_counts, "signal_counts", ge=0.0)
        b = check_array(background_counts, "background_counts", ge=0.0)
        if s.ndim != 1 or s.size < 1 or b.shape != s.shape:
            msg = (f"signal_counts and background_counts must be 1-D arrays of equal length, "
                   f"got shapes {s.shape} and {b.shape}")
            raise ConfigError(msg)
        if s.sum() <= 0:
            raise ConfigError("signal_counts are all 0: there is no signal to test for")
        if s.sum() < _MIN_SIGNAL:
            raise ConfigError(f"signal_counts sum to {s.sum():g} expected events, below {_MIN_SIGNAL:g}: "
                              "no signal strength within the float range makes that testable")
        self.float_background = bool(float_background)
        if self.float_background:
            if b.sum() <= 0:
                msg = ("background_counts are all 0: a floating background normalisation is "
                       "undefined; use float_background=False")
                raise ConfigError(msg)
            shape_diff = np.abs(s / s.sum() - b / b.sum()).max() * s.size
            if shape_diff < 1e-9:
                msg = ("the signal has the same phase profile as the background, so with "
                       "float_background=True mu and the background scale are degenerate "
                       "(no modulation to test); use float_background=False")
                raise ConfigError(msg)
        self.signal = s
        self.background = b
        self._eps = 1e-12 * max(float(s.max()), float(b.max()))

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_rates(cls, signal_rate_per_day: Any, background_per_day: Any,
                   n_days: float = _N_DAYS_PAPER, phase_fraction: Any = None,
                   float_background: bool = True) -> ModulationLikelihood:
        """Build from rates: s_t = rate_t x n_days x f_t, b_t = bkg_t x n_days x f_t.

        Parameters
        ----------
        signal_rate_per_day : array_like, shape (T,)
            Mean signal rate in each phase bin [events/day] (summary.json ``bins.total``).
        background_per_day : float or array_like (T,)
            Background rate [events/day], flat if a scalar
            (:func:`mcdm.analysis.onoff.window_background_rate`).
        n_days : float
            Exposure [d]; default 2191.5 (6 Julian years).
        phase_fraction : array_like (T,), optional
            Fraction f_t of the period covered by bin t (sums to 1); default 1/T each.
        float_background : bool
            See the class.
        """
        r = check_array(signal_rate_per_day, "signal_rate_per_day", ge=0.0, ndim=1, min_size=1)
        t = r.size
        f = (np.full(t, 1.0 / t) if phase_fraction is None
             else check_array(phase_fraction, "phase_fraction", ge=0.0))
        if f.shape != r.shape or np.any(f <= 0) or abs(f.sum() - 1.0) > 1e-9:
            msg = f"phase_fraction must be {t} positive fractions summing to 1, got {f!r}"
            raise ConfigError(msg)
        nd = check_number(n_days, "n_days", gt=0.0, le=1e9)
        bkg = check_array(background_per_day, "background_per_day", ge=0.0)
        try:
            bkg = np.broadcast_to(bkg, r.shape)
        except ValueError:
            raise ConfigError(f"background_per_day must be a scalar or have shape {r.shape}, "
                              f"got {bkg.shape}") from None
        return cls(r * nd * f, bkg * nd * f, float_background=float_background)

    # ------------------------------------------------------------------ model pieces
    @property
    def n_bins(self) -> int:
        """Number of phase bins T."""
        return self.signal.size

    def expected(self, mu: float = 1.0, b_scale: float = 1.0) -> np.ndarray:
        """Expected counts nu_t = mu s_t + beta b_t."""
        return mu * self.signal + b_scale * self.background

    def _counts(self, counts: Any) -> np.ndarray:
        n = check_array(counts, "counts", ge=0.0)
        if n.shape[-1:] != self.signal.shape:
            msg = (f"counts must be finite, >= 0, with last axis of length {self.n_bins}, "
                   f"got shape {n.shape}")
            raise ConfigError(msg)
        return n

    def deviance(self, counts: Any, mu: Any, b_scale: Any = 1.0) -> Any:
        """Exact half deviance D(mu, beta) = -ln L + const (vectorised over leading axes).

        +inf where the model expects nu <= 0 events in a bin that has counts (L = 0 there).
        """
        n = self._counts(counts)
        mu = check_array(mu, "mu")[..., None]
        beta = check_array(b_scale, "b_scale")[..., None]
        d = _deviance(mu * self.signal + beta * self.background, n)
        return float(d) if np.ndim(d) == 0 else d

    def profile_b_scale(self, counts: Any, mu: Any) -> Any:
        """beta_hat(mu) maximising L at fixed mu (1 for a fixed background); vectorised."""
        n = self._counts(counts)
        mu_a = np.asarray(mu, dtype=np.float64)
        shape = np.broadcast_shapes(n.shape[:-1], mu_a.shape)
        if not self.float_background:
            return np.ones(shape) if shape else 1.0
        n = np.broadcast_to(n, shape + (self.n_bins,))
        mu_a = np.broadcast_to(mu_a, shape)[..., None]
        s, b = self.signal, self.background
        # start where sum nu = sum n; D is convex in beta and dD/dbeta concave, so Newton
        # converges monotonically once it is left of the root (it gets there in one step)
        beta = np.maximum((n.sum(-1) - mu_a[..., 0] * s.sum()) / b.sum(), 0.0)
        for _ in range(100):
            nu = mu_a * s + beta[..., None] * b
            _, d1, d2 = _ext_terms(nu, n, self._eps)
            g = np.sum(b * d1, axis=-1)
            h = np.sum(b * b * d2, axis=-1)
            step = np.where(h > 0, g / np.where(h > 0, h, 1.0), 0.0)
            new = np.maximum(beta - step, 0.0)
            done = np.abs(new - beta) <= 1e-13 * np.maximum(np.abs(new), 1e-300)
            beta = new
            if np.all(done):
                break
        return float(beta) if beta.ndim == 0 else beta

    def _profiled_deviance(self, n: np.ndarray, mu: np.ndarray) -> np.ndarray:
        beta = np.asarray(self.profile_b_scale(n, mu))
        return _deviance(np.asarray(mu)[..., None] * self.signal
                         + beta[..., None] * self.background, n)

    def _null(self, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Background-only fit: (beta_hat_0, D0), closed form."""
        beta0 = (n.sum(-1) / self.background.sum() if self.float_background
                 else np.ones(n.shape[:-1]))
        return beta0, _deviance(beta0[..., None] * self.background, n)

    # ------------------------------------------------------------------ fits
    def fit(self, counts: Any) -> FitResult:
        """Maximum-likelihood fit of (mu, beta) to one data set, with the discovery statistic.

        Parameters
        ----------
        counts : array_like, shape (T,)
            Observed counts per phase bin over the exposure (e.g. from
            :func:`mcdm.analysis.onoff.fold_counts`); non-integers (Asimov data) allowed.
        """
        n = self._counts(counts)
        if n.ndim != 1:
            raise ConfigError(f"fit takes one data set of shape ({self.n_bins},), got {n.shape}")
        return self._fit_one(n)

    def _fit_one(self, n: np.ndarray) -> FitResult:
        s, b, eps = self.signal, self.background, self._eps

        def cost(mu: float, b_scale: float) -> float:
            return float(np.sum(_ext_terms(mu * s + b_scale * b, n, eps)[0]))

        def grad(mu: float, b_scale: float) -> np.ndarray:
            d1 = _ext_terms(mu * s + b_scale * b, n, eps)[1]
            return np.array([np.dot(s, d1), np.dot(b, d1)])

        beta0, d0 = self._null(n)
        mu_start, beta_start, mu_step, beta_step = self._start(n, float(beta0))
        m = Minuit(cost, mu=mu_start, b_scale=beta_start, grad=grad)
        m.errordef = Minuit.LIKELIHOOD
        m.errors["mu"] = mu_step
        m.errors["b_scale"] = beta_step
        m.limits["b_scale"] = (0.0, None)
        if not self.float_background:
            m.values["b_scale"] = 1.0
            m.fixed["b_scale"] = True
        m.migrad()
        m.hesse()
        mu_hat, beta_hat = float(m.values["mu"]), float(m.values["b_scale"])
        d_hat = float(_deviance(mu_hat * s + beta_hat * b, n))
        q0 = max(2.0 * (float(d0) - d_hat), 0.0) if mu_hat >= 0 else 0.0  # CCGV Eq. 12
        return FitResult(mu=mu_hat, mu_err=float(m.errors["mu"]), b_scale=beta_hat,
                         b_scale_err=0.0 if not self.float_background
                         else float(m.errors["b_scale"]),
                         q0=q0, z=float(np.sqrt(q0)), b_scale_0=float(beta0),
                         deviance=2.0 * d_hat, valid=bool(m.valid))

    def _start(self, n: np.ndarray, beta0: float) -> tuple[float, float, float, float]:
        """Linear weighted least-squares start values and Fisher-information steps."""
        s, b = self.signal, self.background
        w = 1.0 / np.maximum(n, 1.0)
        if self.float_background:
            sb = np.dot(w * s, b)
            a = np.array([[np.dot(w * s, s), sb], [sb, np.dot(w * b, b)]])
            rhs = np.array([np.dot(w * s, n), np.dot(w * b, n)])
            try:
                mu0, beta = np.linalg.solve(a, rhs)
            except np.linalg.LinAlgError:
                mu0, beta = 0.0, beta0
            beta = beta if beta > 0 else beta0
        else:
            mu0, beta = (n.sum() - b.sum()) / s.sum(), 1.0
        nu = np.maximum(mu0 * s + beta * b, np.maximum(n, 1.0))
        step_mu = 1.0 / np.sqrt(max(np.dot(s * s, 1.0 / nu), 1e-300))
        step_beta = 1.0 / np.sqrt(max(np.dot(b * b, 1.0 / nu), 1e-300))
        return float(mu0), float(beta), float(step_mu), float(step_beta)

    # ------------------------------------------------------------------ upper limits
    def _q_tilde(self, n: np.ndarray, mu: np.ndarray, mu_hat: np.ndarray,
                 d_hat: np.ndarray, d_zero: np.ndarray) -> np.ndarray:
        """q~_mu (CCGV Eq. 16), vectorised over data sets."""
        d_mu = self._profiled_deviance(n, mu)
        ref = np.where(mu_hat < 0, d_zero, d_hat)
        q = np.maximum(2.0 * (d_mu - ref), 0.0)
        return np.where(mu_hat > mu, 0.0, q)

    def _q_mu_asimov0(self, mu: np.ndarray) -> np.ndarray:
        """q_mu,A on the background-only Asimov data set (mu_hat = 0, beta_hat = 1, D_hat = 0)."""
        mu = np.asarray(mu, dtype=np.float64)
        n_a = np.broadcast_to(self.background, mu.shape + (self.n_bins,))
        return 2.0 * self._profiled_deviance(n_a, mu)

    def _gauss_stat(self, q: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """x with p_mu = 1 - Phi(x) for q~_mu (CCGV Eq. 66), mu^2/sigma^2 = q_mu,A (mu' = 0)."""
        s2 = self._q_mu_asimov0(mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            far = (q + s2) / (2.0 * np.sqrt(s2))
        return np.where(q <= s2, np.sqrt(q), far)

    def _limits(self, n: np.ndarray, mu_hat: np.ndarray, cl: float) -> np.ndarray:
        """Asymptotic q~_mu upper limits for data sets n (K, T) with global fits mu_hat (K,)."""
        z = _quantile(cl)
        beta_hat = np.asarray(self.profile_b_scale(n, mu_hat))
        d_hat = _deviance(mu_hat[:, None] * self.signal + beta_hat[:, None] * self.background, n)
        d_zero = self._profiled_deviance(n, np.zeros_like(mu_hat))
        lo = np.maximum(mu_hat, 0.0)
        scale = max(self.asimov_upper_limit(cl), 1e-300)
        hi = lo + scale
        for _ in range(200):  # widen until p_mu < 1 - cl at hi
            bad = self._gauss_stat(self._q_tilde(n, hi, mu_hat, d_hat, d_zero), hi) < z
            if not np.any(bad):
                break
            hi = np.where(bad, lo + 2.0 * (hi - lo), hi)
        for _ in range(60):  # bisection on p_mu(mu) = 1 - cl
            mid = 0.5 * (lo + hi)
            above = self._gauss_stat(self._q_tilde(n, mid, mu_hat, d_hat, d_zero), mid) >= z
            hi = np.where(above, mid, hi)
            lo = np.where(above, lo, mid)
        return 0.5 * (lo + hi)

    def upper_limit(self, counts: Any, cl: float = 0.95) -> float:
        """Observed asymptotic upper limit on mu at confidence level ``cl`` (q~_mu, CCGV Eq. 66)."""
        n = self._counts(counts)
        if n.ndim != 1:
            raise ConfigError(f"upper_limit takes one data set of shape ({self.n_bins},)")
        mu_hat = np.array([self._fit_one(n).mu])
        return float(self._limits(n[None, :], mu_hat, cl)[0])

    # ------------------------------------------------------------------ Asimov
    def asimov_counts(self, mu: float = 1.0) -> np.ndarray:
        """The Asimov data set at signal strength mu: n_A = mu s + b (beta = 1)."""
        return self.expected(mu, 1.0)

    def asimov_z(self, mu: float = 1.0) -> float:
        """Median discovery significance Z_A = sqrt(q0,A) for true signal strength mu >= 0."""
        mu = check_number(mu, "mu (signal strength)", ge=0.0)
        n_a = self.asimov_counts(mu)
        _, d0 = self._null(n_a)  # the alternative fits n_A exactly: D_hat = 0
        return float(np.sqrt(max(2.0 * float(d0), 0.0)))

    def asimov_upper_limit(self, cl: float = 0.95, band: float = 0.0) -> float:
        """Median expected upper limit on mu from background-only Asimov data (CCGV).

        Solves q_mu,A(mu) = [Phi^-1(cl) + band]^2, i.e. mu_up = sigma_A (Phi^-1(cl) + band)
        with sigma_A^2 = mu^2 / q_mu,A; ``band`` = +-1, +-2 give the expected-limit bands.
        """
        z = _quantile(cl) + check_number(band, "band")
        if not z > 0:
            msg = f"Phi^-1(cl) + band must be > 0 for a positive limit, got {z!r}"
            raise ConfigError(msg)
        return self._solve_increasing(lambda mu: np.sqrt(self._q_mu_asimov0(mu)), z)

    def asimov_mu_for_z(self, z: float = 5.0) -> float:
        """Signal strength whose median (Asimov) discovery significance is ``z``."""
        z = check_number(z, "z (significance)", gt=0.0, le=1e3)
        return self._solve_increasing(lambda mu: np.array(self.asimov_z(float(mu))), z)

    def _solve_increasing(self, f: Any, target: float) -> float:
        """Root of an increasing f(mu) = target on mu > 0 (bracket by doubling, then bisect)."""
        hi = 1.0
        for _ in range(400):
            if float(f(np.asarray(hi))) >= target:
                break
            hi *= 2.0
        else:
            raise ConfigError(f"no signal strength mu <= 2^400 reaches {target!r}: signal_counts "
                              f"(total {self.signal.sum():g}) are negligible against background_counts")
        lo = 0.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if float(f(np.asarray(mid))) >= target:
                hi = mid
            else:
                lo = mid
            if hi - lo <= 1e-12 * hi:
                break
        return 0.5 * (lo + hi)

    # ------------------------------------------------------------------ toys
    def toys(self, n: int, mu_true: float, rng: np.random.Generator,
             upper_limits: bool = False, cl: float = 0.95) -> ToyResult:
        """Fit ``n`` Poisson pseudo-experiments drawn from nu = mu_true s + b.

        Parameters
        ----------
        n : int
            Number of toys.
        mu_true : float
            Injected signal strength (>= 0).
        rng : numpy.random.Generator
            Source of randomness (passed in; see mcdm.rng).
        upper_limits : bool
            Also compute each toy's q~_mu upper limit at ``cl`` (vectorised bisection).
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 10**7:
            raise ConfigError(f"n must be a positive number of toys (<= 1e7), got {n!r:.40}")
        mu_true = check_number(mu_true, "mu_true (signal strength)", ge=0.0)
        data = rng.poisson(self.expected(mu_true, 1.0), size=(int(n), self.n_bins))
        data = data.astype(np.float64)
        fits = [self._fit_one(row) for row in data]
        mu = np.array([f.mu for f in fits])
        lim = self._limits(data, mu, cl) if upper_limits else None
        return ToyResult(mu_true=float(mu_true), mu=mu,
                         mu_err=np.array([f.mu_err for f in fits]),
                         b_scale=np.array([f.b_scale for f in fits]),
                         q0=np.array([f.q0 for f in fits]), z=np.array([f.z for f in fits]),
                         valid=np.array([f.valid for f in fits]), upper_limit=lim)


def _quantile(cl: float) -> float:
    """Phi^-1(cl) for a one-sided confidence level 0 < cl < 1."""
    cl = check_number(cl, "cl (confidence level)")
    if not 0.0 < cl < 1.0:
        raise ConfigError(f"cl must be a confidence level in (0, 1), got {cl!r}")
    return NormalDist().inv_cdf(cl)

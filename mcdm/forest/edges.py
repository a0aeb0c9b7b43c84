"""EDGES low-band fits with the dark-atom global signal (seed 002 §III.2.1; digest 002 §6.3, §13 item 10,
§14 targets 4-7).

Data (a USER FILE, nothing is downloaded): the public EDGES low-band release of Bowman et al. 2018
(``figure1_plotdata.csv``), a comma-separated table whose header is
``Frequency [MHz], Weight, a: Tsky [K], b: Tres1 [K], c: Tres2 [K], d: Tmodel [K], e: T21 [K]``.
:func:`load_edges` needs three columns, found by name (case-insensitive): one containing ``freq``
(frequency [MHz]), one containing ``weight`` (channel weight; 0 = flagged) and one containing ``tsky``
(sky temperature [K]); other columns are ignored. A header-less file is read as (frequency, weight,
T_sky) in its first three columns. Only channels with weight > 0 enter the fits.

Foreground, Eq. (33) (Bowman+18, nu_c = 75 MHz, five terms, x = nu/nu_c):

* ``"linear"`` (default; linear least squares):
  T_fg = b0 x^-2.5 + b1 x^-2.5 ln x + b2 x^-2.5 (ln x)^2 + b3 x^-4.5 + b4 x^-2;
* ``"physical"``: T_fg = b0 x^(-2.5 + b1 + b2 ln x) exp(-b3 x^-2) + b4 x^-2, fitted by variable projection
  (b0, b4 and any signal amplitude linear; b1, b2, b3 by ``scipy.optimize.least_squares``).

Which form the paper used is lost (digest §15 item 10); both are options. Residual (Eq. 32):
r = sqrt(sum_i w_i res_i^2 / sum_i w_i), with res = T_sky - T_fg - signal (for 0/1 weights this is the
plain r.m.s. over the unflagged channels).

Signal models: the flattened Gaussian of Bowman+18,
T21 = -A (1 - exp(-tau e^B))/(1 - e^-tau), B = 4 (nu - nu0)^2/w^2 ln[-ln((1 + e^-tau)/2)/tau],
and the dark-atom signal of :mod:`mcdm.forest.global_signal` with the foreground refitted for every
DM point (the DM parameters are fixed during each foreground fit, as in the paper).

DM search (the paper's 2e6-point random scan over Table 2, ranges lost): :func:`sample_points` draws
seeded points in user ranges, :func:`evaluate_points` (a pure function, points -> residuals; one chunk =
one task for a Dask/multiprocessing ``map``) computes the signals and the vectorised linear-foreground
residuals, :func:`random_search` maps it over chunks and :func:`refine_minuit` polishes the best point
with iminuit (Simplex then Migrad on the residual, in log coordinates for log-ranged parameters).

Point columns (:data:`PARAM_NAMES`): m_chi [MeV], T* [K], calA [1], a [1], z_sat [1], beta [1]; the
remaining :class:`~mcdm.forest.global_signal.GlobalSignalParams` fields (z_dec, A_HI, ...) come from a
``base`` parameter set.
"""
from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import least_squares

from mcdm.errors import ConfigError
from mcdm.forest.global_signal import GlobalSignalModel, GlobalSignalParams, default_model, signal_shape

__all__ = ["EdgesData", "load_edges", "NU_C", "FOREGROUND_FORMS", "foreground_design", "foreground_physical",
           "FitResult", "fit_foreground", "flattened_gaussian", "FlattenedGaussianFit", "fit_flattened_gaussian",
           "PARAM_NAMES", "params_from_point", "sample_points", "evaluate_points", "random_search", "SearchResult",
           "refine_minuit", "residual_rms", "is_viable", "ViabilityCriteria", "synthetic_spectrum",
           "BOWMAN18"]

#: EDGES band centre of Eq. (33) [MHz]
NU_C = 75.0
FOREGROUND_FORMS = ("linear", "physical")
#: the six sampled DM parameters (Table 2) and their units in a point
PARAM_NAMES = ("m_chi_mev", "T_star", "radiative_coupling", "a", "z_sat", "beta")
#: Bowman+18 best fit of the flattened Gaussian (nu0 [MHz], FWHM w [MHz], A [K], tau)
BOWMAN18 = {"nu0": 78.0, "w": 19.0, "A": 0.5, "tau": 7.0}


# ---------------------------------------------------------------------------------------------- data
@dataclass(frozen=True, eq=False)
class EdgesData:
    """A spectrum: nu [MHz], t_sky [K], weight [1] (channels with weight > 0 only)."""

    nu: np.ndarray
    t_sky: np.ndarray
    weight: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        nu, t, w = (np.asarray(a, dtype=float) for a in (self.nu, self.t_sky, self.weight))
        if not (nu.ndim == 1 and nu.shape == t.shape == w.shape):
            raise ConfigError("nu, t_sky and weight must be 1-D arrays of equal length")
        keep = w > 0
        if keep.sum() < 8:
            raise ConfigError(f"need at least 8 channels with weight > 0, got {int(keep.sum())}")
        if not (np.all(np.isfinite(nu[keep])) and np.all(np.isfinite(t[keep])) and np.all(nu[keep] > 0)):
            raise ConfigError("frequencies and sky temperatures must be finite (frequencies > 0)")
        for name, arr in (("nu", nu[keep]), ("t_sky", t[keep]), ("weight", w[keep])):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)


def load_edges(path: str | Path) -> EdgesData:
    """Read the EDGES low-band CSV (module docstring for the expected columns)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"EDGES file not found: {path}")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    if not rows:
        raise ConfigError(f"EDGES file {path} is empty")
    header = [c.strip().lower() for c in rows[0]]
    try:
        float(header[0])
        cols, body = (0, 1, 2), rows
    except ValueError:
        def find(key: str) -> int:
            hits = [i for i, h in enumerate(header) if key in h.replace(" ", "")]
            if not hits:
                raise ConfigError(f"EDGES file {path}: no column containing {key!r} in header {rows[0]}")
            return hits[0]
        cols, body = (find("freq"), find("weight"), find("tsky")), rows[1:]
    try:
        arr = np.array([[float(r[i]) for i in cols] for r in body])
    except (ValueError, IndexError) as exc:
        raise ConfigError(f"EDGES file {path}: malformed row ({exc})") from None
    return EdgesData(arr[:, 0], arr[:, 2], arr[:, 1], source=str(path))


# ---------------------------------------------------------------------------------------------- foreground
def foreground_design(nu: Any, nu_c: float = NU_C) -> np.ndarray:
    """Basis (N, 5) of the linearised Eq. (33): x^-2.5 {1, ln x, ln^2 x}, x^-4.5, x^-2; nu [MHz]."""
    x = np.asarray(nu, dtype=float) / nu_c
    lx = np.log(x)
    p = x**-2.5
    return np.stack([p, p * lx, p * lx**2, x**-4.5, x**-2.0], axis=-1)


def foreground_physical(nu: Any, b: Sequence[float], nu_c: float = NU_C) -> np.ndarray:
    """Physical Eq. (33): b0 x^(-2.5 + b1 + b2 ln x) exp(-b3 x^-2) + b4 x^-2 [K]; nu [MHz]."""
    x = np.asarray(nu, dtype=float) / nu_c
    lx = np.log(x)
    return b[0] * x ** (-2.5 + b[1] + b[2] * lx) * np.exp(-b[3] * x**-2.0) + b[4] * x**-2.0


def residual_rms(res: Any, weight: Any) -> np.ndarray:
    """sqrt(sum w res^2 / sum w) along the last axis [K] (Eq. 32)."""
    w = np.asarray(weight, dtype=float)
    return np.sqrt(np.sum(w * np.asarray(res) ** 2, axis=-1) / w.sum())


def _wlstsq(basis: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(basis * sw[:, None], y * sw, rcond=None)
    return coef, y - basis @ coef


class FitResult(NamedTuple):
    """A foreground(+signal) fit: coefficients (foreground b0..b4 in the chosen form, then any linear signal
    amplitude), rms [K] (Eq. 32), residuals [K] per channel, the model [K] and the form."""

    coeffs: np.ndarray
    rms: float
    residuals: np.ndarray
    model: np.ndarray
    form: str


def _check_form(form: str) -> None:
    if form not in FOREGROUND_FORMS:
        raise ConfigError(f"foreground form must be one of {FOREGROUND_FORMS}, got {form!r}")


def _varpro_physical(nu: np.ndarray, y: np.ndarray, w: np.ndarray, extra: Callable[[np.ndarray], np.ndarray] | None,
                     theta0: Sequence[float], lower: Sequence[float], upper: Sequence[float],
                     nu_c: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Variable projection for the physical foreground: theta = (b1, b2, b3, *extra_params); linear in
    (b0, b4, *amplitudes of extra(theta[3:]) columns). Returns (theta, linear coefficients, residuals)."""
    x = nu / nu_c
    lx = np.log(x)
    sw = np.sqrt(w)

    def basis(theta: np.ndarray) -> np.ndarray:
        cols = [x ** (-2.5 + theta[0] + theta[1] * lx) * np.exp(-theta[2] * x**-2.0), x**-2.0]
        if extra is not None:
            cols.append(extra(theta[3:]))
        return np.stack(cols, axis=-1)

    def fun(theta: np.ndarray) -> np.ndarray:
        _, res = _wlstsq(basis(theta), y, w)
        return res * sw

    sol = least_squares(fun, np.asarray(theta0, dtype=float), bounds=(lower, upper), x_scale="jac",
                        xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=4000)
    lin, res = _wlstsq(basis(sol.x), y, w)
    return sol.x, lin, res


def fit_foreground(data: EdgesData, form: str = "linear", signal: Any = None, nu_c: float = NU_C) -> FitResult:
    """Fit Eq. (33) to T_sky - signal (signal [K] on ``data.nu`` held fixed; default none)."""
    _check_form(form)
    y = data.t_sky - (0.0 if signal is None else np.asarray(signal, dtype=float))
    lin = _wlstsq(foreground_design(data.nu, nu_c), y, data.weight)
    if form == "linear":
        coef, res = lin
        return FitResult(coef, float(residual_rms(res, data.weight)), res, data.t_sky - res, form)
    c = lin[0]
    theta0 = [c[1] / c[0], c[2] / c[0], -c[3] / c[0]]
    theta, ab, res = _varpro_physical(data.nu, y, data.weight, None, theta0, [-5, -5, -5], [5, 5, 5], nu_c)
    coeffs = np.array([ab[0], theta[0], theta[1], theta[2], ab[1]])
    return FitResult(coeffs, float(residual_rms(res, data.weight)), res, data.t_sky - res, form)


# ---------------------------------------------------------------------------------------------- flattened Gaussian
def flattened_gaussian(nu: Any, A: float, nu0: float, w: float, tau: float) -> np.ndarray:
    """Bowman+18 flattened Gaussian absorption profile [K] (negative for A > 0); nu, nu0, w [MHz]."""
    if tau <= 0 or w <= 0:
        raise ConfigError(f"flattened Gaussian needs tau > 0 and w > 0, got tau={tau!r}, w={w!r}")
    nu = np.asarray(nu, dtype=float)
    B = 4.0 * (nu - nu0) ** 2 / w**2 * np.log(-np.log((1.0 + np.exp(-tau)) / 2.0) / tau)
    return -A * (-np.expm1(-tau * np.exp(B))) / (-math.expm1(-tau))


class FlattenedGaussianFit(NamedTuple):
    """Best flattened Gaussian + foreground: A [K], nu0 [MHz], w [MHz], tau, foreground coefficients,
    rms [K], residuals [K], form."""

    A: float
    nu0: float
    w: float
    tau: float
    foreground: np.ndarray
    rms: float
    residuals: np.ndarray
    form: str


def fit_flattened_gaussian(data: EdgesData, form: str = "linear", nu_c: float = NU_C,
                           start: Mapping[str, float] | None = None) -> FlattenedGaussianFit:
    """Fit flattened Gaussian + Eq. (33) foreground. A and the linear foreground terms are solved
    linearly; (nu0, w, tau) (and b1..b3 for the physical form) by least squares, started from a coarse
    grid over nu0 in the data band, w in [8, 40] MHz and tau in {1, 3, 7, 15} (or from ``start``)."""
    _check_form(form)
    nu, y, wt = data.nu, data.t_sky, data.weight
    design = foreground_design(nu, nu_c)

    def lin_fit(nl: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        col = flattened_gaussian(nu, 1.0, nl[0], nl[1], nl[2])
        return _wlstsq(np.column_stack([design, col]), y, wt)

    if start is None:
        best = (np.inf, None)
        for nu0 in np.arange(max(nu.min() + 5, 55.0), min(nu.max() - 5, 95.0) + 0.1, 1.0):
            for w in (8.0, 12.0, 16.0, 20.0, 25.0, 30.0, 40.0):
                for tau in (1.0, 3.0, 7.0, 15.0):
                    r = float(residual_rms(lin_fit((nu0, w, tau))[1], wt))
                    if r < best[0]:
                        best = (r, (nu0, w, tau))
        nl0 = np.array(best[1])
    else:
        nl0 = np.array([start["nu0"], start["w"], start["tau"]], dtype=float)
    lo_nl, hi_nl = [nu.min(), 1.0, 0.05], [nu.max(), 80.0, 60.0]
    nl0 = np.clip(nl0, np.array(lo_nl) + 1e-6, np.array(hi_nl) - 1e-6)
    sw = np.sqrt(wt)
    sol = least_squares(lambda t: lin_fit(t)[1] * sw, nl0, bounds=(lo_nl, hi_nl), x_scale="jac",
                        xtol=1e-12, ftol=1e-12, gtol=1e-12)
    nl = sol.x
    coef, res = lin_fit(nl)
    fg = coef[:5]
    A = coef[5]
    if form == "physical":
        c = coef
        theta0 = [c[1] / c[0], c[2] / c[0], -c[3] / c[0], *nl]
        theta, ab, res = _varpro_physical(
            nu, y, wt, lambda t: flattened_gaussian(nu, 1.0, t[0], t[1], t[2]), theta0,
            [-5, -5, -5, *lo_nl], [5, 5, 5, *hi_nl], nu_c)
        nl = theta[3:]
        fg = np.array([ab[0], theta[0], theta[1], theta[2], ab[1]])
        A = ab[2]
    return FlattenedGaussianFit(float(A), float(nl[0]), float(nl[1]), float(nl[2]), fg,
                                float(residual_rms(res, wt)), res, form)


# ---------------------------------------------------------------------------------------------- DM search
def params_from_point(point: Sequence[float], base: GlobalSignalParams | None = None) -> GlobalSignalParams:
    """GlobalSignalParams for a point (m_chi [MeV], T* [K], calA, a, z_sat, beta); other fields from base."""
    base = GlobalSignalParams() if base is None else base
    if len(point) != len(PARAM_NAMES):
        raise ConfigError(f"a point has {len(PARAM_NAMES)} entries {PARAM_NAMES}, got {len(point)}")
    m, T, A, a, zs, beta = (float(v) for v in point)
    return GlobalSignalParams.from_T_star(T, m_chi=m * 1e-3, radiative_coupling=A, a=a, z_sat=zs, beta=beta,
                                          z_dec=base.z_dec, a_hi=base.a_hi, sigma_over_m_bc=base.sigma_over_m_bc,
                                          v_bc=base.v_bc)


def _ranges(ranges: Mapping[str, Sequence[Any]]) -> list[tuple[float, float, bool]]:
    out = []
    for name in PARAM_NAMES:
        if name not in ranges:
            raise ConfigError(f"search range for {name!r} missing; need all of {PARAM_NAMES}")
        spec = ranges[name]
        lo, hi = float(spec[0]), float(spec[1])
        log = (len(spec) > 2 and spec[2] == "log")
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi) or (log and lo <= 0):
            raise ConfigError(f"bad range for {name}: {spec!r} (need lo <= hi, lo > 0 for 'log')")
        out.append((lo, hi, log))
    return out


def sample_points(ranges: Mapping[str, Sequence[Any]], n: int, seed: int | np.random.SeedSequence = 0) -> np.ndarray:
    """n points (n, 6), uniform (or log-uniform when the range is (lo, hi, "log")) per parameter, seeded."""
    rng = np.random.default_rng(seed)
    cols = []
    for lo, hi, log in _ranges(ranges):
        u = rng.random(int(n))
        cols.append(np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))) if log else lo + u * (hi - lo))
    return np.column_stack(cols)


class _Projector(NamedTuple):
    q: np.ndarray  # orthonormal basis (N, 5) of sqrt(W) B (QR: no normal-equation round-off)
    sw: np.ndarray  # sqrt(W)


def _projector(data: EdgesData, nu_c: float) -> _Projector:
    sw = np.sqrt(data.weight)
    q, _ = np.linalg.qr(foreground_design(data.nu, nu_c) * sw[:, None])
    return _Projector(q, sw)


def evaluate_points(points: Any, data: EdgesData, base: GlobalSignalParams | None = None,
                    model: GlobalSignalModel | None = None, nu_c: float = NU_C) -> np.ndarray:
    """Residual r.m.s. [K] (Eq. 32) of DM signal + best linear foreground for each point (n, 6).

    Pure function of its inputs (safe to ship to Dask workers); points that raise (a bad parameter
    combination) get +inf.
    """
    pts = np.atleast_2d(np.asarray(points, dtype=float))
    model = default_model() if model is None else model
    sig = np.zeros((len(pts), len(data.nu)))
    bad = np.zeros(len(pts), dtype=bool)
    for i, pt in enumerate(pts):
        try:
            sig[i] = model.signal(data.nu, params_from_point(pt, base))
        except (ConfigError, RuntimeError):
            bad[i] = True
    pr = _projector(data, nu_c)
    res = np.empty_like(sig)
    for i in range(len(pts)):  # row by row: bit-identical whatever the chunking
        d = (data.t_sky - sig[i]) * pr.sw
        res[i] = (d - pr.q @ (pr.q.T @ d)) / pr.sw
    out = residual_rms(res, data.weight)
    out[bad] = np.inf
    return out


class SearchResult(NamedTuple):
    """Random-search output: points (n, 6), residuals [K] (n,), the best point and its residual [K]."""

    points: np.ndarray
    residuals: np.ndarray
    best_point: np.ndarray
    best_residual: float


def random_search(data: EdgesData, ranges: Mapping[str, Sequence[Any]], n: int, seed: int = 0,
                  chunk_size: int = 256, base: GlobalSignalParams | None = None,
                  map_fn: Callable[..., Iterable[np.ndarray]] = map) -> SearchResult:
    """Seeded random search: :func:`sample_points`, split into chunks, ``map_fn(evaluate, chunks)``
    (builtin ``map`` by default; a Dask ``client.map`` + ``gather`` or a pool's ``map`` also fit)."""
    if n < 1 or chunk_size < 1:
        raise ConfigError(f"n and chunk_size must be >= 1, got {n}, {chunk_size}")
    pts = sample_points(ranges, n, seed)
    chunks = [pts[i:i + chunk_size] for i in range(0, n, chunk_size)]
    res = np.concatenate(list(map_fn(_ChunkEvaluator(data, base), chunks)))
    k = int(np.argmin(res))
    return SearchResult(pts, res, pts[k], float(res[k]))


@dataclass(frozen=True)
class _ChunkEvaluator:
    data: EdgesData
    base: GlobalSignalParams | None

    def __call__(self, chunk: np.ndarray) -> np.ndarray:
        return evaluate_points(chunk, self.data, self.base)


def refine_minuit(data: EdgesData, start: Sequence[float], ranges: Mapping[str, Sequence[Any]],
                  base: GlobalSignalParams | None = None, ncall: int = 600) -> tuple[np.ndarray, float, Any]:
    """Minimise the residual over the six DM parameters from ``start`` with iminuit (Simplex, Migrad),
    within ``ranges`` (log coordinates for log ranges). Returns (best point, residual [K], Minuit)."""
    from iminuit import Minuit

    rg = _ranges(ranges)
    tr = [(math.log(lo), math.log(hi)) if log else (lo, hi) for lo, hi, log in rg]

    def to_point(u: Sequence[float]) -> np.ndarray:
        return np.array([math.exp(v) if log else v for v, (_, _, log) in zip(u, rg)])

    def cost(*u: float) -> float:
        r = float(evaluate_points(to_point(u)[None, :], data, base)[0])
        return r if math.isfinite(r) else 1e6

    u0 = [math.log(v) if log else float(v) for v, (_, _, log) in zip(start, rg)]
    u0 = [min(max(v, lo), hi) for v, (lo, hi) in zip(u0, tr)]
    m = Minuit(cost, *u0, name=list(PARAM_NAMES))
    m.errordef = Minuit.LEAST_SQUARES
    for name, (lo, hi), v in zip(PARAM_NAMES, tr, u0):
        m.limits[name] = (lo, hi)
        m.errors[name] = max(0.05 * (hi - lo), 1e-6) if hi > lo else 1e-6
        if hi == lo:
            m.fixed[name] = True
    m.simplex(ncall=ncall)
    m.migrad(ncall=ncall)
    best = to_point(list(m.values))
    return best, float(cost(*m.values)), m


# ---------------------------------------------------------------------------------------------- viability
@dataclass(frozen=True)
class ViabilityCriteria:
    """Target-7 window (digest §6.3; the paper's bounds are lost, these are Bowman+18 99% intervals):
    centre nu_c ± centre_tol [MHz], amplitude [K] and FWHM [MHz] ranges, and residual < max_rms [K]."""

    centre: float = 78.0
    centre_tol: float = 1.0
    amplitude: tuple[float, float] = (0.3, 1.0)
    fwhm: tuple[float, float] = (17.0, 23.0)
    max_rms: float = 0.087


def is_viable(nu: Any, signal: Any, rms: float | None = None,
              criteria: ViabilityCriteria = ViabilityCriteria()) -> bool:
    """Does a signal on a grid nu [MHz] satisfy the viability window (and rms < max_rms when given)?"""
    s = signal_shape(nu, signal)
    ok = (abs(s.centre - criteria.centre) <= criteria.centre_tol
          and criteria.amplitude[0] <= s.amplitude <= criteria.amplitude[1]
          and math.isfinite(s.fwhm) and criteria.fwhm[0] <= s.fwhm <= criteria.fwhm[1])
    return bool(ok and (rms is None or rms < criteria.max_rms))


# ---------------------------------------------------------------------------------------------- synthetic data
def synthetic_spectrum(nu: Any = None, foreground: Sequence[float] = (1750.0, -45.0, 12.0, -9.0, 25.0),
                       signal: Any = "flattened", noise: float = 0.02, seed: int = 0,
                       fg_params: Mapping[str, float] | None = None, nu_c: float = NU_C) -> EdgesData:
    """A SYNTHETIC EDGES-like spectrum: linear-form foreground coefficients (K), plus ``signal`` ("flattened":
    Bowman+18 flattened Gaussian with ``fg_params`` or :data:`BOWMAN18`; an array [K]; None), plus white
    Gaussian noise [K]. nu defaults to 50-100 MHz in 0.39 MHz channels. Weights 1."""
    nu = np.arange(51.0, 99.5, 0.390625) if nu is None else np.asarray(nu, dtype=float)
    t = foreground_design(nu, nu_c) @ np.asarray(foreground, dtype=float)
    if isinstance(signal, str):
        if signal != "flattened":
            raise ConfigError(f"unknown synthetic signal {signal!r}")
        g = dict(BOWMAN18, **(fg_params or {}))
        t = t + flattened_gaussian(nu, g["A"], g["nu0"], g["w"], g["tau"])
    elif signal is not None:
        t = t + np.asarray(signal, dtype=float)
    t = t + noise * np.random.default_rng(seed).standard_normal(nu.shape)
    return EdgesData(nu, t, np.ones_like(nu), source="synthetic")


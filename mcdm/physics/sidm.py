"""Self-interactions of inelastic Majorana dark matter through a light scalar (seed 003 §6, §9).

The scalar s couples diagonally, so chi1 chi1, chi1 chi2 and chi2 chi2 all feel the attractive
Yukawa potential V(r) = -alpha_chi e^{-m_s r}/r (Eq. 100). With k = mu v = m_chi v/2 (v the
relative speed) the scattering is fixed by the dimensionless a = v/(2 alpha_chi) and
b = alpha_chi m_chi/m_s (Tulin-Yu-Zurek 2013 [TYZ]).

Partial waves (the paper's method, digest §9.1): phase shifts delta_l(v) from the variable-phase
method (:mod:`mcdm.kernels.yukawa`), then

* distinguishable pairs (chi1 chi2), dsigma/dOmega = |f|^2 (Eqs. 101-102):
  sigma_T = int dOmega (1 - cos theta) |f|^2 = (4 pi/k^2) sum_l (l+1) sin^2(delta_{l+1} - delta_l)  (Eq. 105),
  sigma_V = int dOmega sin^2 theta |f|^2 = (4 pi/k^2) sum_l (l+1)(l+2)/(2l+3) sin^2(delta_{l+2} - delta_l);
* identical spin-1/2 pairs (chi1 chi1, chi2 chi2), dsigma/dOmega = |f_e|^2 + 3 |f_o|^2 (Eq. 103,
  singlet 1/4 even l, triplet 3/4 odd l), sigma_T = int dOmega (1 - |cos theta|) dsigma/dOmega
  (Eq. 106, Kahlhoefer et al.) and sigma_V = int dOmega sin^2 theta dsigma/dOmega. Both by
  Gauss-Legendre quadrature on cos theta in [0, 1] with more than l_max + 1 nodes, exact for these
  polynomial integrands. ``identical_half=True`` multiplies identical-pair results by 1/2 (Eq. 104:
  use it when the collision rate is written sum_{i,j} n_i n_j sigma_ij v without 1/(1 + delta_ij);
  digest §9.1 ambiguity). Default False.

l_max: a first guess from the Born phase shifts at large l (delta_l ~ (1/(2a)) Q_l(1 + 1/(2 a^2 b^2))
with Q_l's large-l asymptote, stop where it drops below 1e-5 and at least at 3 + a x_U), then
doubled until the last five terms of the total and transfer sums are each below ``l_tol``
(default 1e-4) times their sums. delta_l is defined mod pi: the returned values start in [0, pi)
where the strong-potential region is matched and are followed continuously outside it (the
Levinson count of bound states is not tracked); every cross section depends only on delta mod pi.

Analytic regimes for distinguishable pairs [EXT: TYZ, digest §9.2]: Born, classical (three beta
branches), Hulthen s-wave (kappa = 1.6). ``method="auto"`` picks Born for b < 1e-3, classical for
m_chi v/m_s > 100 with b >= 1, partial waves otherwise (Hulthen is never picked: it misses the
resonances). Sommerfeld factors S_s, S_p in the Hulthen approximation and their Coulomb limits
(digest §6). Maxwellian averages use the relative-speed pdf of Eq. (75),
f(v) = (4/sqrt(pi)) v^2/v0^3 e^{-v^2/v0^2}, v0 the most probable relative speed, <v> = 2 v0/sqrt(pi).

Units: speeds km/s, masses GeV, cross sections cm^2, sigma/m cm^2/g, <sigma v>/m cm^2/g km/s.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import loggamma, roots_legendre

from mcdm.constants import C_KM_S, GEV_PER_GRAM, HBARC_GEV_CM
from mcdm.errors import ConfigError
from mcdm.kernels.yukawa import phase_shifts_many
from mcdm.physics import _checks

__all__ = ["YukawaPotential", "PhaseShifts", "PAIRS", "METHODS", "SYSTEM_V0_KM_S", "HULTHEN_KAPPA",
           "dimensionless_a", "dimensionless_b", "phase_shifts", "partial_wave_cross_sections",
           "transfer_cross_section", "viscosity_cross_section", "transfer_cross_section_per_mass",
           "viscosity_cross_section_per_mass", "born_transfer_cross_section",
           "classical_transfer_cross_section", "hulthen_transfer_cross_section",
           "hulthen_s_wave_phase", "auto_method", "mixture_transfer_cross_section",
           "relative_speed_pdf", "mean_relative_speed", "maxwell_average", "velocity_averaged_transfer",
           "system_velocity_averages", "sommerfeld_s_hulthen", "sommerfeld_p_hulthen",
           "sommerfeld_s_coulomb", "sommerfeld_p_coulomb"]

#: pair types: chi1 chi2 (distinguishable, Eq. 102) or chi_i chi_i (identical spin-1/2, Eq. 103)
PAIRS = ("distinguishable", "identical")
#: ways of computing sigma_T
METHODS = ("partial_wave", "born", "classical", "hulthen", "auto")
#: most probable relative speeds of the paper's systems [km/s] (digest §7, Fig. 9; V15)
SYSTEM_V0_KM_S = {"dwarfs": 30.0, "MW": 220.0, "groups": 700.0, "clusters": 1190.0}
#: Hulthen screening constant of TYZ (digest §9.2)
HULTHEN_KAPPA = 1.6
#: cm^2 per GeV^-2
_GEV2_TO_CM2 = HBARC_GEV_CM ** 2

# numerical settings of the phase-shift kernel (see mcdm.kernels.yukawa); checked by the tests
_C_IN, _C_OUT, _TAIL_TOL, _WKB_EXPONENT = 0.01, 0.2, 1e-7, 12.0
_L_CAP = 20000


@dataclass(frozen=True)
class YukawaPotential:
    """V(r) = -alpha_chi e^{-m_s r}/r between two DM particles of mass m_chi (Eq. 100).

    alpha_chi : Yukawa strength (> 0, attractive); m_chi_gev, m_s_gev : DM and mediator mass [GeV].
    """

    alpha_chi: float
    m_chi_gev: float
    m_s_gev: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha_chi", _checks.scalar(self.alpha_chi, "alpha_chi", "1", gt=0.0,
                                                             le=1e3))
        object.__setattr__(self, "m_chi_gev", _checks.mass(self.m_chi_gev, "m_chi_gev"))
        object.__setattr__(self, "m_s_gev", _checks.mass(self.m_s_gev, "m_s_gev"))

    @property
    def b(self) -> float:
        """b = alpha_chi m_chi/m_s [1]."""
        return dimensionless_b(self.alpha_chi, self.m_chi_gev, self.m_s_gev)

    def a(self, v_km_s):
        """a = v/(2 alpha_chi) for relative speeds v [km/s] (v in units of c) [1]."""
        return dimensionless_a(v_km_s, self.alpha_chi)

    def k_gev(self, v_km_s):
        """CM momentum k = m_chi v/2 [GeV]."""
        return 0.5 * self.m_chi_gev * _speeds(v_km_s) / C_KM_S


def dimensionless_a(v_km_s, alpha_chi: float):
    """a = v/(2 alpha_chi), v the relative speed in units of c (input km/s) [1]."""
    alpha = _checks.scalar(alpha_chi, "alpha_chi", "1", gt=0.0)
    out = _speeds(v_km_s) / C_KM_S / (2.0 * alpha)
    return float(out) if out.ndim == 0 else out


def dimensionless_b(alpha_chi: float, m_chi_gev: float, m_s_gev: float) -> float:
    """b = alpha_chi m_chi/m_s [1]."""
    return (_checks.scalar(alpha_chi, "alpha_chi", "1", gt=0.0) * _checks.mass(m_chi_gev, "m_chi_gev")
            / _checks.mass(m_s_gev, "m_s_gev"))


def _speeds(v_km_s) -> np.ndarray:
    v = _checks.array(v_km_s, "v_km_s", "km/s", gt=0.0, le=C_KM_S)
    if v.size == 0:
        raise ConfigError("v_km_s must hold at least one relative speed [km/s], got an empty array")
    return v


def _scalar_or_array(out: np.ndarray):
    return float(out) if out.ndim == 0 else out


# ------------------------------------------------------------------------------ phase shifts
@dataclass(frozen=True)
class PhaseShifts:
    """Phase shifts on a speed grid: delta[i, l] (zero beyond l_max[i]) [rad], k in GeV."""

    potential: YukawaPotential
    v_km_s: np.ndarray
    delta: np.ndarray
    l_max: np.ndarray

    @property
    def k_gev(self) -> np.ndarray:
        return self.potential.k_gev(self.v_km_s)


def _initial_lmax(a: np.ndarray, b: float) -> np.ndarray:
    """Born-tail estimate of l_max: smallest l with (1/2a) sqrt(pi/((2l+1) sinh eta)) e^{-(l+1/2) eta}
    < 1e-5, cosh eta = 1 + 1/(2 a^2 b^2); at least 4 and 3 + a x_U (x_U: e^{-x/b}/x = a^2)."""
    ab = a * b
    eta = 2.0 * np.arcsinh(0.5 / ab)  # cosh eta = 1 + 1/(2 a^2 b^2)
    l = np.arange(0, _L_CAP + 1, dtype=float)
    out = np.empty(a.shape, dtype=np.int64)
    for i, (ai, ei) in enumerate(zip(a, eta)):
        est = (0.5 / ai) * np.sqrt(np.pi / ((2 * l + 1) * math.sinh(ei))) * np.exp(-(l + 0.5) * ei)
        below = np.nonzero(est < 1e-5)[0]
        lb = int(below[0]) if below.size else _L_CAP
        x_u = _x_u(ai, b)
        out[i] = min(max(4, lb, int(3 + ai * x_u)), _L_CAP)
    return out


def _x_u(a: float, b: float) -> float:
    lo, hi = math.log(1e-300), math.log(1.0 / (a * a) + b)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        x = math.exp(mid)
        if math.exp(-x / b) / x > a * a:
            lo = mid
        else:
            hi = mid
    return math.exp(hi)


def _converged(delta: np.ndarray, l_tol: float, n_last: int = 5) -> bool:
    """Last ``n_last`` terms of the total and transfer sums each below l_tol x their sums."""
    d = np.concatenate([delta, [0.0]])
    l = np.arange(delta.size)
    tot = (2 * l + 1) * np.sin(delta) ** 2
    tr = (l + 1) * np.sin(d[1:] - d[:-1]) ** 2
    return bool(np.all(tot[-n_last:] <= l_tol * tot.sum()) and np.all(tr[-n_last:] <= l_tol * tr.sum()))


@functools.lru_cache(maxsize=128)
def _phase_shifts_cached(alpha: float, m: float, ms: float, v_bytes: bytes, l_tol: float):
    v = np.frombuffer(v_bytes, dtype=np.float64)
    a = v / C_KM_S / (2.0 * alpha)
    b = alpha * m / ms
    lmax = _initial_lmax(a, b)
    rows: list[np.ndarray] = [np.empty(0)] * a.size
    todo = np.arange(a.size)
    while todo.size:
        block = np.zeros((todo.size, int(lmax[todo].max()) + 1))
        phase_shifts_many(a[todo], b, lmax[todo].astype(np.int64), _C_IN, _C_OUT, _TAIL_TOL,
                          _WKB_EXPONENT, block)
        again = []
        for j, i in enumerate(todo):
            row = block[j, :lmax[i] + 1].copy()
            if _converged(row, l_tol) or lmax[i] >= _L_CAP:
                rows[i] = row
            else:
                lmax[i] = min(2 * lmax[i], _L_CAP)
                again.append(i)
        todo = np.asarray(again, dtype=np.int64)
    width = int(lmax.max()) + 1
    delta = np.zeros((a.size, width))
    for i, row in enumerate(rows):
        delta[i, :row.size] = row
    delta.setflags(write=False)
    lmax.setflags(write=False)
    return delta, lmax


def phase_shifts(potential: YukawaPotential, v_km_s, *, l_tol: float = 1e-4) -> PhaseShifts:
    """delta_l(v) for l = 0..l_max(v) by the variable-phase method (memoised per potential and grid).

    v_km_s : relative speeds (> 0) [km/s]; l_tol : l_max convergence criterion (module docstring).
    """
    if not isinstance(potential, YukawaPotential):
        raise ConfigError(f"potential must be a YukawaPotential, got {type(potential).__name__}")
    tol = _checks.scalar(l_tol, "l_tol", "1", gt=0.0, lt=1.0)
    v = np.atleast_1d(_speeds(v_km_s)).astype(np.float64).ravel()
    delta, lmax = _phase_shifts_cached(potential.alpha_chi, potential.m_chi_gev, potential.m_s_gev,
                                       v.tobytes(), tol)
    return PhaseShifts(potential, v, delta, lmax)


# ------------------------------------------------------------------ partial-wave cross sections
def _legendre_table(lmax: int, x: np.ndarray) -> np.ndarray:
    """P_l(x) for l = 0..lmax, shape (lmax + 1, len(x))."""
    p = np.empty((lmax + 1, x.size))
    p[0] = 1.0
    if lmax >= 1:
        p[1] = x
    for l in range(1, lmax):
        p[l + 1] = ((2 * l + 1) * x * p[l] - l * p[l - 1]) / (l + 1)
    return p


def _distinguishable_sums(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sum_l (l+1) sin^2(d_{l+1}-d_l) and sum_l (l+1)(l+2)/(2l+3) sin^2(d_{l+2}-d_l) per row."""
    d = np.concatenate([delta, np.zeros((delta.shape[0], 2))], axis=1)
    l = np.arange(d.shape[1] - 1)
    t = np.sum((l + 1) * np.sin(d[:, 1:] - d[:, :-1]) ** 2, axis=1)  # Eq. (105) in partial waves
    l2 = np.arange(d.shape[1] - 2)
    vv = np.sum((l2 + 1) * (l2 + 2) / (2 * l2 + 3) * np.sin(d[:, 2:] - d[:, :-2]) ** 2, axis=1)
    return t, vv


def _identical_sums(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """k^2/(4 pi) x [int (1-|cos|) dsigma, int sin^2 dsigma] for dsigma = |f_e|^2 + 3|f_o|^2 (Eqs. 103, 106)."""
    lmax = delta.shape[1] - 1
    nodes, weights = roots_legendre(lmax + 3)
    x = 0.5 * (nodes + 1.0)  # cos theta in [0, 1]; the integrands are even in cos theta
    w = 0.5 * weights
    p = _legendre_table(lmax, x)
    l = np.arange(lmax + 1)
    amp = (2 * l + 1) * np.exp(1j * delta) * np.sin(delta)  # k f = sum amp_l P_l (Eq. 101)
    even = (l % 2 == 0)
    fe = (amp * even) @ p
    fo = (amp * ~even) @ p
    dens = np.abs(fe) ** 2 + 3.0 * np.abs(fo) ** 2  # Eq. (103)
    # int dOmega g = 2 pi * 2 int_0^1 g dx; divide by 4 pi -> int_0^1 g dx
    t = dens @ (w * (1.0 - x))  # Eq. (106)
    vv = dens @ (w * (1.0 - x * x))
    return t, vv


def partial_wave_cross_sections(potential: YukawaPotential, v_km_s, *, pair: str = "distinguishable",
                                identical_half: bool = False, l_tol: float = 1e-4) -> dict:
    """sigma_T and sigma_V [cm^2] from partial waves; returns {"sigma_t", "sigma_v", "l_max"}."""
    pair = _pair(pair)
    ps = phase_shifts(potential, v_km_s, l_tol=l_tol)
    norm = 4.0 * np.pi / ps.k_gev ** 2 * _GEV2_TO_CM2
    if pair == "distinguishable":
        t, vv = _distinguishable_sums(ps.delta)
    else:
        t, vv = _identical_sums(ps.delta)
        if identical_half:
            t, vv = 0.5 * t, 0.5 * vv  # Eq. (104)
    shape = np.shape(_speeds(v_km_s))
    return {"sigma_t": (norm * t).reshape(shape), "sigma_v": (norm * vv).reshape(shape),
            "l_max": np.asarray(ps.l_max).reshape(shape)}


def _pair(pair: str) -> str:
    if pair not in PAIRS:
        raise ConfigError(f"pair = {pair!r} is not one of {list(PAIRS)}")
    return pair


# ------------------------------------------------------------------------- analytic regimes
def born_transfer_cross_section(potential: YukawaPotential, v_km_s):
    """Born sigma_T = (8 pi alpha^2/(m^2 v^4)) [ln(1+R^2) - R^2/(1+R^2)], R = m v/m_s [cm^2] (TYZ)."""
    v = _speeds(v_km_s) / C_KM_S
    al, m, ms = potential.alpha_chi, potential.m_chi_gev, potential.m_s_gev
    r2 = (m * v / ms) ** 2
    out = 8.0 * np.pi * al ** 2 / (m ** 2 * v ** 4) * (np.log1p(r2) - r2 / (1.0 + r2))
    return _scalar_or_array(out * _GEV2_TO_CM2)


def classical_transfer_cross_section(potential: YukawaPotential, v_km_s):
    """Classical attractive sigma_T, beta = 2 alpha m_s/(m v^2), three branches of TYZ [cm^2]."""
    v = _speeds(v_km_s) / C_KM_S
    al, m, ms = potential.alpha_chi, potential.m_chi_gev, potential.m_s_gev
    beta = 2.0 * al * ms / (m * v ** 2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        low = 4.0 * np.pi / ms ** 2 * beta ** 2 * np.log1p(1.0 / beta)
        mid = 8.0 * np.pi / ms ** 2 * beta ** 2 / (1.0 + 1.5 * beta ** 1.65)
        lb = np.log(np.maximum(beta, 2.0))
        high = np.pi / ms ** 2 * (lb + 1.0 - 0.5 / lb) ** 2
    out = np.where(beta < 0.1, low, np.where(beta <= 1e3, mid, high))
    return _scalar_or_array(out * _GEV2_TO_CM2)


def hulthen_s_wave_phase(potential: YukawaPotential, v_km_s, kappa: float = HULTHEN_KAPPA):
    """delta_0 = arg[i Gamma(i m v/(kappa m_s)) / (Gamma(lam+) Gamma(lam-))] (TYZ) [rad, mod pi]."""
    v = _speeds(v_km_s) / C_KM_S
    kap = _checks.scalar(kappa, "kappa", "1", gt=0.0)
    al, m, ms = potential.alpha_chi, potential.m_chi_gev, potential.m_s_gev
    q = m * v / (kap * ms)
    root = np.sqrt(al * m / (kap * ms) - q ** 2 / 4.0 + 0j)
    lp = 1.0 + 0.5j * q + root
    lm = 1.0 + 0.5j * q - root
    phase = 0.5 * np.pi + np.imag(loggamma(1j * q) - loggamma(lp) - loggamma(lm))
    return _scalar_or_array(np.mod(phase, np.pi))


def hulthen_transfer_cross_section(potential: YukawaPotential, v_km_s, kappa: float = HULTHEN_KAPPA):
    """Resonant s-wave sigma_T = (16 pi/(m^2 v^2)) sin^2 delta_0 (Hulthen, TYZ) [cm^2]."""
    v = _speeds(v_km_s) / C_KM_S
    d0 = np.asarray(hulthen_s_wave_phase(potential, v_km_s, kappa))
    out = 16.0 * np.pi / (potential.m_chi_gev ** 2 * v ** 2) * np.sin(d0) ** 2
    return _scalar_or_array(out * _GEV2_TO_CM2)


def auto_method(potential: YukawaPotential, v_km_s) -> np.ndarray:
    """Per speed: "born" if b < 1e-3; "classical" if m v/m_s > 100 and b >= 1; else "partial_wave"."""
    v = np.atleast_1d(_speeds(v_km_s)) / C_KM_S
    b = potential.b
    mvs = potential.m_chi_gev * v / potential.m_s_gev
    out = np.full(v.shape, "partial_wave", dtype=object)
    if b < 1e-3:
        out[:] = "born"
    else:
        out[(mvs > 100.0) & (b >= 1.0)] = "classical"
    return out


def transfer_cross_section(potential: YukawaPotential, v_km_s, *, pair: str = "distinguishable",
                           method: str = "partial_wave", identical_half: bool = False,
                           l_tol: float = 1e-4):
    """sigma_T(v) [cm^2]: Eq. (105) (distinguishable) or Eq. (106) (identical; x 1/2 if identical_half).

    method : one of :data:`METHODS`; the analytic ones are TYZ fits for distinguishable pairs only.
    """
    pair = _pair(pair)
    if method not in METHODS:
        raise ConfigError(f"method = {method!r} is not one of {list(METHODS)}")
    v = _speeds(v_km_s)
    if method == "partial_wave":
        return _scalar_or_array(partial_wave_cross_sections(potential, v, pair=pair,
                                                            identical_half=identical_half,
                                                            l_tol=l_tol)["sigma_t"])
    if pair != "distinguishable":
        raise ConfigError(f"method = {method!r} (TYZ regime fit) is for distinguishable pairs; use "
                          "method = 'partial_wave' for identical pairs")
    if method == "born":
        return born_transfer_cross_section(potential, v)
    if method == "classical":
        return classical_transfer_cross_section(potential, v)
    if method == "hulthen":
        return hulthen_transfer_cross_section(potential, v)
    flat = np.atleast_1d(v).ravel()
    choice = auto_method(potential, flat)
    out = np.empty(flat.shape)
    for name, fn in (("born", born_transfer_cross_section), ("classical", classical_transfer_cross_section)):
        sel = choice == name
        if sel.any():
            out[sel] = fn(potential, flat[sel])
    sel = choice == "partial_wave"
    if sel.any():
        out[sel] = partial_wave_cross_sections(potential, flat[sel], pair=pair)["sigma_t"]
    return _scalar_or_array(out.reshape(np.shape(v)))


def viscosity_cross_section(potential: YukawaPotential, v_km_s, *, pair: str = "distinguishable",
                            identical_half: bool = False, l_tol: float = 1e-4):
    """sigma_V(v) = int dOmega sin^2 theta dsigma/dOmega [cm^2] from partial waves."""
    return _scalar_or_array(partial_wave_cross_sections(potential, v_km_s, pair=pair,
                                                        identical_half=identical_half,
                                                        l_tol=l_tol)["sigma_v"])


def _per_mass(potential: YukawaPotential) -> float:
    return GEV_PER_GRAM / potential.m_chi_gev  # 1/m in 1/g


def transfer_cross_section_per_mass(potential: YukawaPotential, v_km_s, **kwargs):
    """sigma_T/m_chi [cm^2/g]; keywords as :func:`transfer_cross_section`."""
    return _scalar_or_array(np.asarray(transfer_cross_section(potential, v_km_s, **kwargs))
                            * _per_mass(potential))


def viscosity_cross_section_per_mass(potential: YukawaPotential, v_km_s, **kwargs):
    """sigma_V/m_chi [cm^2/g]; keywords as :func:`viscosity_cross_section`."""
    return _scalar_or_array(np.asarray(viscosity_cross_section(potential, v_km_s, **kwargs))
                            * _per_mass(potential))


# ---------------------------------------------------------------------- populations, averages
def mixture_transfer_cross_section(f, s11, s12, s22):
    """<sigma_T> = (1-f)^2 s11 + 2 f (1-f) s12 + f^2 s22 (Eq. 107); f = chi2 fraction in [0, 1]."""
    ff = _checks.array(f, "f", "1", ge=0.0, le=1.0)
    out = (1.0 - ff) ** 2 * np.asarray(s11, float) + 2.0 * ff * (1.0 - ff) * np.asarray(s12, float) \
        + ff ** 2 * np.asarray(s22, float)  # Eq. (107)
    return _scalar_or_array(np.asarray(out))


def relative_speed_pdf(v_km_s, v0_km_s: float):
    """f(v) = (4/sqrt(pi)) v^2/v0^3 e^{-v^2/v0^2} (Eq. 75), v0 the most probable relative speed [s/km]."""
    v = _checks.array(v_km_s, "v_km_s", "km/s", ge=0.0)
    v0 = _checks.scalar(v0_km_s, "v0_km_s", "km/s", gt=0.0)
    out = 4.0 / math.sqrt(math.pi) * v ** 2 / v0 ** 3 * np.exp(-(v / v0) ** 2)
    return _scalar_or_array(out)


def mean_relative_speed(v0_km_s):
    """<v> = 2 v0/sqrt(pi) for the pdf of Eq. (75) [km/s] (V16)."""
    v0 = _checks.array(v0_km_s, "v0_km_s", "km/s", gt=0.0)
    return _scalar_or_array(2.0 * v0 / math.sqrt(math.pi))


@functools.lru_cache(maxsize=16)
def _maxwell_nodes(n: int, u_max: float):
    x, w = roots_legendre(n)
    u = 0.5 * u_max * (x + 1.0)
    return u, 0.5 * u_max * w


def maxwell_average(func, v0_km_s: float, *, weight_v: bool = True, n_nodes: int = 64,
                    u_max: float = 4.5) -> float:
    """int f(v) g(v) [v] dv over the pdf of Eq. (75) by n_nodes-point Gauss-Legendre on v/v0 in [0, u_max].

    ``func`` maps an array of speeds [km/s] to g(v); with weight_v the integrand carries v [km/s].
    The truncation at u_max = 4.5 drops (u^2 + 1) e^{-u^2} < 4e-8 of the <v> weight. Sharp resonances in g need more nodes.
    """
    v0 = _checks.scalar(v0_km_s, "v0_km_s", "km/s", gt=0.0)
    n = int(_checks.scalar(n_nodes, "n_nodes", "1", ge=2, le=10000))
    u, w = _maxwell_nodes(n, float(u_max))
    v = v0 * u
    g = np.asarray(func(v), dtype=float)
    pdf = 4.0 / math.sqrt(math.pi) * u ** 2 * np.exp(-u * u)  # per unit u
    return float(np.sum(w * pdf * g * (v if weight_v else 1.0)))


def velocity_averaged_transfer(potential: YukawaPotential, v0_km_s: float, *, pair: str = "distinguishable",
                               method: str = "partial_wave", identical_half: bool = False,
                               n_nodes: int = 64) -> dict:
    """Maxwellian averages for most probable relative speed v0 [km/s]:

    {"sigma_v_over_m": <sigma_T v>/m [cm^2/g km/s], "mean_v": <v> [km/s],
     "sigma_over_m": <sigma_T v>/(m <v>) [cm^2/g]}.
    """
    def g(v):
        return transfer_cross_section_per_mass(potential, v, pair=pair, method=method,
                                               identical_half=identical_half)
    sv = maxwell_average(g, v0_km_s, n_nodes=n_nodes)
    mv = float(mean_relative_speed(v0_km_s))
    return {"sigma_v_over_m": sv, "mean_v": mv, "sigma_over_m": sv / mv}


def system_velocity_averages(potential: YukawaPotential, *, systems: dict | None = None, **kwargs) -> dict:
    """:func:`velocity_averaged_transfer` for each system of :data:`SYSTEM_V0_KM_S` (or ``systems``)."""
    table = SYSTEM_V0_KM_S if systems is None else systems
    return {name: velocity_averaged_transfer(potential, v0, **kwargs) for name, v0 in table.items()}


# ------------------------------------------------------------------------------- Sommerfeld
def _hulthen_ac(potential: YukawaPotential, v_km_s):
    v = _speeds(v_km_s) / C_KM_S
    a = v / (2.0 * potential.alpha_chi)
    c = 6.0 * potential.alpha_chi * potential.m_chi_gev / (math.pi ** 2 * potential.m_s_gev)
    return a, c


def sommerfeld_s_hulthen(potential: YukawaPotential, v_km_s):
    """S_s = (pi/a) sinh(2 pi a c)/[cosh(2 pi a c) - cos(2 pi sqrt(c - a^2 c^2))] (digest §6) [1].

    a = v/(2 alpha), c = 6 alpha m/(pi^2 m_s); written with e^{-2 pi a c} so that m_s -> 0 is finite.
    """
    a, c = _hulthen_ac(potential, v_km_s)
    big_a = 2.0 * np.pi * a * c
    inner = c - (a * c) ** 2
    ea = np.exp(-big_a)
    num = 1.0 - ea * ea
    with np.errstate(invalid="ignore", over="ignore"):
        cos_b = np.cos(2.0 * np.pi * np.sqrt(np.maximum(inner, 0.0)))
        den_osc = 1.0 + ea * ea - 2.0 * cos_b * ea
        # inner < 0: cos -> cosh(B), B = 2 pi c sqrt(a^2 - 1/c); B - A = -2 pi/(sqrt(a^2 - 1/c) + a)
        sq = np.sqrt(np.maximum(a * a - 1.0 / c, 0.0))
        bma = -2.0 * np.pi / (sq + a)
        den_hyp = 1.0 + ea * ea - np.exp(bma) - np.exp(-big_a - 2.0 * np.pi * c * sq)
    den = np.where(inner >= 0.0, den_osc, den_hyp)
    return _scalar_or_array(np.pi / a * num / den)


def sommerfeld_p_hulthen(potential: YukawaPotential, v_km_s):
    """S_p = S_s [(c-1)^2 + 4 a^2 c^2]/(1 + 4 a^2 c^2) (digest §6, Eq. 88 analogue) [1]."""
    a, c = _hulthen_ac(potential, v_km_s)
    ss = np.asarray(sommerfeld_s_hulthen(potential, v_km_s))
    with np.errstate(over="ignore"):
        # divide numerator and denominator by c^2 to stay finite for c -> infinity
        ratio = ((1.0 - 1.0 / c) ** 2 + 4.0 * a * a) / (1.0 / c ** 2 + 4.0 * a * a)
    return _scalar_or_array(ss * ratio)


def sommerfeld_s_coulomb(alpha_chi: float, v_km_s):
    """Coulomb limit S_s = (2 pi alpha/v)/(1 - e^{-2 pi alpha/v}), v relative speed (V12) [1]."""
    al = _checks.scalar(alpha_chi, "alpha_chi", "1", gt=0.0)
    eps = 2.0 * np.pi * al / (_speeds(v_km_s) / C_KM_S)
    return _scalar_or_array(eps / -np.expm1(-eps))


def sommerfeld_p_coulomb(alpha_chi: float, v_km_s):
    """Coulomb limit S_p = S_s (1 + alpha^2/v^2) (V12) [1]."""
    v = _speeds(v_km_s) / C_KM_S
    al = _checks.scalar(alpha_chi, "alpha_chi", "1", gt=0.0)
    return _scalar_or_array(np.asarray(sommerfeld_s_coulomb(al, v_km_s)) * (1.0 + (al / v) ** 2))

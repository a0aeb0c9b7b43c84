"""The absorption line of one halo (seed 002 §III.1, Eq. 14-17, 45; digest 002 §4.3).

Direct quadrature (:class:`LineModel`)
--------------------------------------
A sightline at impact parameter p = alpha r_edge (alpha in (0, 1], r_edge the halo edge of
:class:`~mcdm.forest.halos.HaloModel`) crosses the halo along R in [-L, L], L = sqrt(r_edge^2 - p^2).
With R = p sinh t (so r = p cosh t, dR = r dt, t in [0, arccosh(1/alpha)]) the NFW cusp (n ~ 1/r)
becomes a smooth integrand, and Gauss-Legendre in t samples the halo uniformly in ln r outside p.
In the velocity offset v = c (nu* - nu)/nu* [km/s] the Eq. (17) optical depth is a sum of Gaussians,

    tau(v) = sum_i a_i exp(-(v/b_i)^2) / (sqrt(pi) b_i),
    a_i = 2 w_i r_i S (c/nu*) n_chi(r_i) F(T_ex(r_i))        [km/s],

one per node (b_i = b(r_i), Eq. 64), so that W_v = integral tau dv = sum_i a_i exactly and
tau_peak = tau(0) (Eq. 45 without its constant-b approximation). The observed profile is
tau_obs(nu_obs) = tau(nu = (1+z) nu_obs): centre nu*/(1+z), widths divided by (1+z).

The cached (M, z, alpha) table that sampler code uses instead of this quadrature is
:class:`mcdm.forest.line_table.LineTable`.

Deposition
----------
:func:`deposit` adds absorbers to tau on observed-frequency channels [nu_k, nu_{k+1}]:
tau_k += W_obs [C(x_{k+1}) - C(x_k)] / (nu_{k+1} - nu_k), with C = 1/2 + sign(x) G(|x|), so the
integral of tau over the grid equals W_obs = W_v nu*/(c (1+z)) [Hz] to rounding (the equivalent
width in the optically thin limit) whatever the channel width, as long as the line lies inside
the grid. The numba kernel is :func:`mcdm.kernels.forest.deposit_lines`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import astropy.constants as const
import astropy.units as u
import numpy as np

from mcdm.errors import ConfigError
from mcdm.forest.halos import HaloModel, HaloStructure
from mcdm.forest.microphysics import CASES, TwoLevelDM

__all__ = ["LineModel", "LineMoments", "AbsorberLines", "deposit"]

_C_KM_S = const.c.to_value(u.km / u.s)
_KPC_CM = (1.0 * u.kpc).to_value(u.cm)
_SQRT_PI = math.sqrt(math.pi)


class LineMoments(NamedTuple):
    """Per-absorber line summary (rest frame, for the given calA).

    tau_peak [1]; w_v = integral tau dv [km/s]; b_eff = w_v/(sqrt(pi) tau_peak) [km/s];
    column = integral n_chi dR [cm^-2].
    """

    tau_peak: np.ndarray
    w_v: np.ndarray
    b_eff: np.ndarray
    column: np.ndarray


@dataclass(frozen=True)
class LineModel:
    """Eq. (17) by direct line-of-sight quadrature (module docstring).

    Attributes
    ----------
    dm : TwoLevelDM
        Two-level DM (m_chi, nu*, calA, A_HI).
    halos : HaloModel
        Halo population and structure.
    case : str
        ``"collisionless"`` (T_ex = T_CMB) or ``"collisional"`` (T_ex = T_h(r)) (Eq. 14).
    n_nodes : int
        Gauss-Legendre nodes in t = arcsinh(R/p) (default 32: the substitution makes
        the rule converge exponentially; W_v and tau_peak agree with 400 nodes to < 1e-12).
    """

    dm: TwoLevelDM = field(default_factory=TwoLevelDM)
    halos: HaloModel = field(default_factory=HaloModel)
    case: str = "collisionless"
    n_nodes: int = 32

    def __post_init__(self) -> None:
        if self.case not in CASES:
            raise ConfigError(f"unknown DM case {self.case!r}; known: {list(CASES)}")
        if not (isinstance(self.n_nodes, (int, np.integer)) and 4 <= self.n_nodes <= 4096):
            raise ConfigError(f"n_nodes must be an integer in [4, 4096], got {self.n_nodes!r}")

    def components_for(self, s: HaloStructure, alpha: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gaussian components (a_i [km/s], b_i [km/s], column weights [cm^-2]) of every halo.

        ``s`` is a :class:`HaloStructure` of shape S and ``alpha`` broadcasts with it; outputs have
        shape S + (n_nodes,).
        """
        alpha = np.asarray(alpha, dtype=float)
        if np.any(~(alpha > 0)) or np.any(alpha > 1):
            raise ConfigError("alpha = p / r_edge must be in (0, 1]")
        shape = np.broadcast_shapes(s.M.shape, alpha.shape)
        s = HaloStructure(*(np.broadcast_to(f, shape)[..., None] for f in s))
        alpha = np.broadcast_to(alpha, shape)[..., None]
        t_nodes, t_weights = np.polynomial.legendre.leggauss(self.n_nodes)
        t_max = np.arccosh(1.0 / alpha)  # R = p sinh t reaches L at cosh t = 1/alpha
        t = 0.5 * t_max * (t_nodes + 1.0)
        w = 0.5 * t_max * t_weights
        r = alpha * s.r_edge * np.cosh(t)  # [kpc]
        halos, dm = self.halos, self.dm
        n_chi = dm.number_density(halos.density(r, s, truncate=False), halos.dm_fraction)
        dispersion = halos.dispersion(r, s)
        b = math.sqrt(2.0 / halos.temperature_factor) * dispersion  # Eq. (64)
        if self.case == "collisionless":
            t_ex = halos.cosmology.T_cmb(s.z)  # Eq. (14)
        else:
            t_ex = halos.temperature(r, s, dm.m_chi)
        col = 2.0 * w * r * _KPC_CM * n_chi  # dR = r dt, both halves of the chord
        # Eq. (17): phi_nu = (c/nu*) phi_v, so a = col [cm^-2] S [cm^2 Hz] F (c/nu*) [km] in km/s
        a = col * dm.line_strength * dm.absorption_factor(t_ex) * (_C_KM_S / dm.nu_star)
        return a, b, col

    def components(self, M: Any, z: Any, alpha: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`components_for` for masses M [M_sun/h], redshifts z and alpha = p/r_edge."""
        m_arr, z_arr, a_arr = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (M, z, alpha)))
        return self.components_for(self.halos.structure(m_arr, z_arr), a_arr)

    def alpha_of(self, M: Any, z: Any, *, impact: Any = None, alpha_vir: Any = None) -> np.ndarray:
        """alpha = p / r_edge for an impact parameter p given in kpc (``impact``, physical) or in
        units of r_vir (``alpha_vir``, the paper's alpha); M [M_sun/h]."""
        if (impact is None) == (alpha_vir is None):
            raise ConfigError("give exactly one of impact [kpc] or alpha_vir [r_vir]")
        s = self.halos.structure(M, z)
        p = np.asarray(impact, dtype=float) if impact is not None else np.asarray(alpha_vir, float) * s.r_vir
        return p / s.r_edge

    def moments(self, M: Any, z: Any, alpha: Any) -> LineMoments:
        """tau_peak, W_v, b_eff and the DM column of each halo (rest frame, Eq. 17, 45)."""
        a, b, col = self.components(M, z, alpha)
        w_v = a.sum(axis=-1)
        tau_peak = (a / b).sum(axis=-1) / _SQRT_PI
        return LineMoments(tau_peak=tau_peak, w_v=w_v, b_eff=w_v / (_SQRT_PI * tau_peak),
                           column=col.sum(axis=-1))

    def tau_velocity(self, v: Any, M: Any, z: Any, alpha: Any) -> np.ndarray:
        """tau at rest-frame velocity offsets v [km/s] (last axis) of each halo (leading axes)."""
        a, b, _ = self.components(M, z, alpha)
        v = np.asarray(v, dtype=float)
        u_ = v[..., None] / b[..., None, :]
        return np.sum(a[..., None, :] * np.exp(-u_ * u_) / b[..., None, :], axis=-1) / _SQRT_PI

    def tau_rest(self, nu: Any, M: Any, z: Any, alpha: Any) -> np.ndarray:
        """tau at rest-frame frequencies nu [Hz] (last axis)."""
        v = _C_KM_S * (self.dm.nu_star - np.asarray(nu, dtype=float)) / self.dm.nu_star
        return self.tau_velocity(v, M, z, alpha)

    def tau_observed(self, nu_obs: Any, M: Any, z: Any, alpha: Any) -> np.ndarray:
        """tau at observed frequencies nu_obs [Hz] (last axis): nu = (1+z) nu_obs (Eq. 17 mapping).

        M, z, alpha are scalars or 1-D arrays of one length N; the result has shape (N, n_nu) (or
        (n_nu,) for scalars).
        """
        nu_obs = np.asarray(nu_obs, dtype=float)
        z_arr = np.asarray(z, dtype=float)
        v = _C_KM_S * (1.0 - (1.0 + z_arr[..., None]) * nu_obs / self.dm.nu_star)
        a, b, _ = self.components(M, z, alpha)
        u_ = v[..., :, None] / b[..., None, :]
        return np.sum(a[..., None, :] * np.exp(-u_ * u_) / b[..., None, :], axis=-1) / _SQRT_PI


class AbsorberLines(NamedTuple):
    """Absorbers in the observed frame, in the form :func:`deposit` takes.

    center = nu*/(1+z) [Hz]; width = b_s nu*/(c (1+z)) [Hz] (shape scale); ew = integral of tau
    over nu_obs [Hz]; tau_peak [1]; half_cdf, pdf : (N, n_x) rows of the normalised shape
    (G(x_j), p(x_j)) on x_j = j x_step, x = |nu_obs - center| / width, G(x_last) = 1/2.
    """

    center: np.ndarray
    width: np.ndarray
    ew: np.ndarray
    tau_peak: np.ndarray
    half_cdf: np.ndarray
    pdf: np.ndarray
    x_step: float


def deposit(tau: np.ndarray, nu_edges: Any, lines: AbsorberLines) -> np.ndarray:
    """Add ``lines`` to ``tau`` (channel averages on increasing observed edges nu_edges [Hz]).

    tau_k += ew [C(nu_{k+1}) - C(nu_k)] / (nu_{k+1} - nu_k) with the line's CDF C, so each line's
    ew = integral tau dnu_obs is conserved to rounding at any channel width when its window
    center +- x_last width lies inside the grid (kernel :func:`mcdm.kernels.forest.deposit_lines`).
    Returns ``tau`` (modified in place).
    """
    from mcdm.kernels.forest import deposit_lines

    edges = np.ascontiguousarray(nu_edges, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2 or np.any(~np.isfinite(edges)) or np.any(np.diff(edges) <= 0):
        raise ConfigError("nu_edges must be a strictly increasing finite 1-D array of channel edges [Hz]")
    if not isinstance(tau, np.ndarray) or tau.shape != (edges.size - 1,) or tau.dtype != np.float64:
        raise ConfigError(f"tau must be a float64 array of shape ({edges.size - 1},)")
    rows = np.ascontiguousarray(lines.half_cdf, dtype=np.float64)
    pdf = np.ascontiguousarray(lines.pdf, dtype=np.float64)
    n = np.size(lines.center)
    if rows.shape != pdf.shape or rows.ndim != 2 or rows.shape[0] != n or rows.shape[1] < 2:
        raise ConfigError("lines.half_cdf and lines.pdf must both have shape (n_lines, n_x >= 2)")
    if not (lines.x_step > 0):
        raise ConfigError(f"lines.x_step must be > 0, got {lines.x_step!r}")
    deposit_lines(edges, np.ascontiguousarray(lines.center, dtype=np.float64).reshape(n),
                  np.ascontiguousarray(lines.width, dtype=np.float64).reshape(n),
                  np.ascontiguousarray(lines.ew, dtype=np.float64).reshape(n), float(lines.x_step),
                  rows, pdf, tau)
    return tau

"""Deterministic lab-frame quadrature of the seed-004 detector rate (validates the next-event MC).

The Monte Carlo of :mod:`mcdm.scenarios.midm` samples galactic velocities and CM angles. This module
evaluates the same rate by a different route, the lab-frame form of digest 004 §8.2 item 2,

    Γ_i = n_χ V_D ∫d³v f v Σ_± ∫dΩ_lab (1/2π)(dσ/dcos θ_cm)_± |J_±| ∫₀^∞dL n_i(r_D − L d̂) e^{−L/ℓ_±}/ℓ_±,

with θ_lab ≤ θ_max, both branches, the lab speeds v_out,± (Eq. 39), cos θ_cm,± and J_± (§2.10)
from :mod:`mcdm.physics.kinematics`, and the L-integral exact through the Earth's shells.

Integration order and variables (all Gauss–Legendre unless noted; each chosen so that the integrand
is smooth on its nodes):

* χ₂ direction d̂ first, by μ = cos of the back ray −d̂ from the local vertical and azimuth β
  (trapezoid, periodic). G(d̂, ℓ) depends on d̂ only through μ, so the μ range is split where the
  back ray grazes an inner shell (chord ∝ √(μ_k − μ): μ = μ_k − Δ t² removes it) and at the
  horizon, where μ = ε sinh x (ε = √(R² − r_D²)/r_D) makes the overburden chord r_D ε e^{−x};
* incoming lab speed s from the threshold √(2δ/μ_N) to the largest speed the escape cut allows
  within θ_max of d̂, s = s_thr + Δ t² (β ∝ √(s − s_thr) at threshold);
* lab angle θ ≤ θ_max(s) by sin θ = sin ψ / z (Eq. 38: sin θ_max = 1/z), which cancels the
  1/√ caustic of J_± at θ_max; on the + branch ψ = a sinh x resolves the photon-pole peak
  dσ ∝ 1/q² at the forward edge (a² = 4 q²_min / (q²_max − q²_min));
* azimuth φ of v about d̂: f depends on it only through |v + u_E|, and the escape cut is a
  φ-interval solved in closed form (:func:`mcdm.kernels.midm_quadrature.azimuth_integral`).

The factors that depend only on (s, θ, branch) are evaluated here; the sums over directions, the
azimuth and the ray trace are the kernel :func:`mcdm.kernels.midm_quadrature.direction_rate_sum`.
Nothing is shared with the Monte Carlo's sampling, importance weights or CM → lab map.
"""
from __future__ import annotations

import math
import time
from typing import NamedTuple

import numpy as np

from mcdm.constants import C_KM_S, HBARC_GEV_CM
from mcdm.errors import ConfigError
from mcdm.units import KM_TO_CM

__all__ = ["DEFAULT_NODES", "QuadratureConvergence", "rate_quadrature", "rate_quadrature_layers",
           "quadrature_convergence"]

#: default node counts: (μ per sub-interval, β, s, ψ per branch, φ)
DEFAULT_NODES: tuple[int, int, int, int, int] = (16, 24, 32, 16, 8)


class QuadratureConvergence(NamedTuple):
    """A quadrature rate and its node-doubling error estimate."""

    rate: float  # with the doubled nodes [s^-1]
    coarse: float  # with ``nodes`` [s^-1]
    error: float  # |rate - coarse| [s^-1]
    nodes: tuple[int, ...]  # the coarse node counts
    seconds: float  # wall time of both evaluations [s]


def _gauss01(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre nodes and weights on [0, 1]."""
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (x + 1.0), 0.5 * w


def _direction_cosines(radii: np.ndarray, r_det: float, n_mu: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes μ (cosine of the back ray from the local vertical) and weights dμ over [-1, 1].

    radii : radii of the shells with a density step for this isotope [km]; r_det : |r_D| [km].
    """
    t, wt = _gauss01(n_mu)
    inner = np.sort(radii[radii < r_det])
    tangents = -np.sqrt(1.0 - (inner / r_det) ** 2)  # grazing rays, ascending (core first)
    mus, ws = [], []
    lo = -1.0
    for hi in tangents:
        # chord of the grazed ball ∝ sqrt(hi - μ) just below hi: μ = hi - (hi - lo) t²
        span = hi - lo
        mus.append(hi - span * t * t)
        ws.append(2.0 * span * t * wt)
        lo = hi
    outer = radii[radii > r_det]
    if outer.size:
        # overburden chord -r_D μ + sqrt(R² - r_D² + r_D² μ²) = r_D ε e^{-x} for μ = ε sinh x
        eps = math.sqrt(outer.min() ** 2 - r_det**2) / r_det
        for a, b in ((math.asinh(lo / eps), 0.0), (0.0, math.asinh(1.0 / eps))):
            x = a + (b - a) * t
            mus.append(eps * np.sinh(x))
            ws.append((b - a) * wt * eps * np.cosh(x))
    else:
        mus.append(lo + (1.0 - lo) * t)
        ws.append((1.0 - lo) * wt)
    return np.concatenate(mus), np.concatenate(ws)


def _cone_nodes(s: np.ndarray, n_psi: int, job, i: int) -> tuple[np.ndarray, ...]:
    """Lab-angle nodes of both branches at speeds ``s`` (any shape) [km/s].

    Returns cos θ, sin θ, the angular weight (1/2π)(dσ/dcos θ_cm)|J| |dcos θ/dψ| w [GeV⁻²] and the
    χ₂ lab speed [km/s], each of shape ``s.shape + (2 n_psi,)`` (+ branch first).
    """
    from mcdm.kernels.midm import eft_isospin_coefficients_array
    from mcdm.kernels.nuclear import dsigma_dcos_cm_many
    from mcdm.physics.kinematics import cm_speeds_km_s, jacobian_pm, lab_speeds, recoil_energies_pm

    m_chi, m_n, delta = job.m_chi, float(job.iso_mass[i]), job.delta
    mu = m_chi * m_n / (m_chi + m_n)
    sb = s[..., None]
    big_v, u_cm = cm_speeds_km_s(sb, m_chi, m_n, delta)
    z = big_v / u_cm  # sin θ_max = 1/z (Eq. 38); z > 1 for m_χ > m_N
    e_fwd, e_back = recoil_energies_pm(sb, 1.0, m_chi, m_n, delta)  # θ_lab = 0: cos θ_cm = ±1
    a = np.sqrt(4.0 * e_fwd / (e_back - e_fwd))  # width in ψ of the 1/q² peak of the + branch
    x01, w01 = _gauss01(n_psi)
    x_max = np.arcsinh(0.5 * np.pi / a)
    psi_plus = a * np.sinh(x_max * x01)
    w_plus = w01 * x_max * a * np.cosh(x_max * x01)
    psi_minus = np.broadcast_to(0.5 * np.pi * x01, psi_plus.shape)
    w_minus = np.broadcast_to(0.5 * np.pi * w01, psi_plus.shape)
    psi = np.concatenate([psi_plus, psi_minus], axis=-1)
    w_psi = np.concatenate([w_plus, w_minus], axis=-1)
    sin_t = np.sin(psi) / z
    cos_t = np.sqrt(1.0 - sin_t * sin_t)
    plus = np.zeros(psi.shape, dtype=bool)
    plus[..., :n_psi] = True
    # digest 004 §2.10: Eqs. (37)/(39) lab speeds, cos θ_cm,±, J_± (unnumbered), q²_± = 2 m_N E_R,±
    v_p, v_m = lab_speeds(sb, cos_t, m_chi, m_n, delta)
    j_p, j_m = jacobian_pm(sb, cos_t, m_chi, m_n, delta)
    e_p, e_m = recoil_energies_pm(sb, cos_t, m_chi, m_n, delta)
    v_out = np.where(plus, v_p, v_m)
    jac = np.abs(np.where(plus, j_p, j_m))
    q2 = 2.0 * m_n * np.where(plus, e_p, e_m)
    speed_c = np.broadcast_to(sb / C_KM_S, q2.shape)
    coeffs = eft_isospin_coefficients_array(np.ascontiguousarray(q2.ravel()), job.e_mu, m_chi, job.m_nucleon,
                                            job.g_p, job.g_n)
    dsig = dsigma_dcos_cm_many(np.ascontiguousarray(q2.ravel()), np.ascontiguousarray(speed_c.ravel()),
                               delta, mu, np.ascontiguousarray(coeffs[:, :6]), job.m_nucleon,
                               int(job.iso_kind[i]), job.iso_coeffs[i], job.iso_helm[i], float(job.iso_b[i]),
                               float(job.iso_j[i]), int(job.prefactor_code)).reshape(q2.shape)
    dcos_dpsi = sin_t * np.cos(psi) / (z * cos_t)  # from sin θ = sin ψ / z
    ang_w = dsig / (2.0 * np.pi) * jac * dcos_dpsi * w_psi
    bad = ~np.isfinite(ang_w) | ~np.isfinite(v_out)
    if np.any(bad & (dsig > 0.0)):
        raise FloatingPointError("non-finite kinematics at a quadrature node with a nonzero cross section")
    ang_w = np.where(bad, 0.0, ang_w)
    v_out = np.where(bad, 1.0, v_out)
    return (np.ascontiguousarray(cos_t), np.ascontiguousarray(sin_t), np.ascontiguousarray(ang_w),
            np.ascontiguousarray(v_out))


def _number_density(job, rho_chi: float | None) -> float:
    """n_χ [cm⁻³]: ρ_χ/m_χ, or recovered from the job's weight_scale (which also holds p_cut)."""
    if rho_chi is not None:
        return float(rho_chi) / job.m_chi
    from mcdm.source import StandardHaloModel

    p_cut = StandardHaloModel(v0=job.v0, v_esc=job.v_esc).probability_above(job.v_cut)
    return job.weight_scale / (p_cut * job.volume_det * KM_TO_CM * HBARC_GEV_CM**2)


def rate_quadrature_layers(job, bin_index: int, isotope_index: int, nodes: tuple[int, ...] | None = None,
                           rho_chi: float | None = None) -> np.ndarray:
    """Rate of one time bin and isotope per Earth layer of the scatter [s⁻¹], by quadrature.

    Parameters
    ----------
    job : MidmJob
        From :func:`mcdm.scenarios.midm.compile_job` (``estimator = "next_event"``).
    bin_index, isotope_index : int
        Time bin and isotope (order of ``midm.isotopes``).
    nodes : (n_mu, n_beta, n_s, n_psi, n_phi), optional
        Node counts: μ per sub-interval, β, s, ψ per branch, φ (default :data:`DEFAULT_NODES`).
    rho_chi : float, optional
        Local DM density [GeV/cm³]; default: the one the job was compiled with (from weight_scale).

    Returns
    -------
    ndarray (n_layers,)
        Γ per layer [s⁻¹]; n_χ V_D times the normalised truncated Maxwellian (no p_cut).
    """
    from mcdm.kernels.midm_quadrature import direction_rate_sum
    from mcdm.physics.kinematics import theta_lab_max, threshold_speed_km_s
    from mcdm.source import StandardHaloModel

    if job.form != 0:
        raise ConfigError("midm.estimator: the quadrature evaluates the next_event form only")
    n_bins, n_iso = job.u_earth.shape[0], job.iso_mass.shape[0]
    if not 0 <= bin_index < n_bins or not 0 <= isotope_index < n_iso:
        raise ConfigError(f"bin_index must be in [0, {n_bins}) and isotope_index in [0, {n_iso}), "
                          f"got {bin_index}, {isotope_index}")
    n_mu, n_beta, n_s, n_psi, n_phi = DEFAULT_NODES if nodes is None else tuple(int(n) for n in nodes)
    n_layers = job.n_layers
    i = isotope_index
    out = np.zeros(n_layers)
    m_n = float(job.iso_mass[i])
    if not job.m_chi > m_n:
        raise ConfigError("the quadrature assumes m_chi > m_N (theta_max < pi, two branches)")
    u_loc = job.rotations[bin_index] @ job.u_earth[bin_index]  # v_gal = v + u_loc in ENU
    u = float(np.linalg.norm(u_loc))
    u_hat = u_loc / u
    s_thr = float(threshold_speed_km_s(job.m_chi, m_n, job.delta))  # §2.5: μ v² > 2δ
    s_top = job.v_esc + u
    if s_thr >= s_top:
        return out
    theta_cap = float(theta_lab_max(s_top, job.m_chi, m_n, job.delta))  # θ_max grows with s

    onion = job.onion[:, i * n_layers:(i + 1) * n_layers]
    active = np.any(onion != 0.0, axis=1)
    radii = np.ascontiguousarray(job.outer_radii[active])
    onion = np.ascontiguousarray(onion[active])
    r_det = np.ascontiguousarray(job.detector_position, dtype=float)
    r_abs = float(np.linalg.norm(r_det))
    up = r_det / r_abs
    e_a = np.cross(up, [1.0, 0.0, 0.0] if abs(up[0]) < 0.9 else [0.0, 1.0, 0.0])
    e_a /= np.linalg.norm(e_a)
    e_b = np.cross(up, e_a)

    mus, w_mus = _direction_cosines(radii, r_abs, n_mu)
    beta = 2.0 * np.pi * (np.arange(n_beta) + 0.5) / n_beta
    t_s, w_s = _gauss01(n_s)
    phi_x, phi_w = _gauss01(n_phi)
    for mu_w, w_mu in zip(mus, w_mus):
        sin_w = math.sqrt(max(0.0, 1.0 - mu_w * mu_w))
        back = (sin_w * (np.cos(beta)[:, None] * e_a + np.sin(beta)[:, None] * e_b) + mu_w * up)
        dirs = -back  # χ₂ travels along d̂ = -w
        # fastest incoming speed within θ_cap of d̂ allowed by |v + u_E| < v_esc
        gamma = np.arccos(np.clip(-(dirs @ u_hat), -1.0, 1.0))
        g_star = np.maximum(gamma - theta_cap, 0.0)
        s_hi = np.minimum(u * np.cos(g_star) + np.sqrt(job.v_esc**2 - (u * np.sin(g_star)) ** 2), s_top)
        keep = s_hi > s_thr
        if not np.any(keep):
            continue
        dirs = np.ascontiguousarray(dirs[keep])
        span = (s_hi[keep] - s_thr)[:, None]
        s = s_thr + span * t_s**2
        s_w = 2.0 * span * t_s * w_s * s**3
        cos_t, sin_t, ang_w, v_out = _cone_nodes(s, n_psi, job, i)
        dir_w = np.full(dirs.shape[0], w_mu * 2.0 * np.pi / n_beta)
        direction_rate_sum(dirs, dir_w, np.ascontiguousarray(s), np.ascontiguousarray(s_w), cos_t, sin_t,
                           ang_w, v_out, np.ascontiguousarray(u_loc), job.v0, job.v_esc, phi_x, phi_w,
                           r_det, radii, onion, job.tau2_s, out)
    f_norm = StandardHaloModel(v0=job.v0, v_esc=job.v_esc).norm  # [km³/s³]
    # n_χ [cm⁻³] V_D [cm³] × (km/s → cm/s) × (GeV⁻² → cm²) × (km⁻³ → cm⁻³), as compile_job without p_cut
    scale = _number_density(job, rho_chi) * job.volume_det * KM_TO_CM * HBARC_GEV_CM**2
    return scale * out / f_norm


def rate_quadrature(job, bin_index: int, isotope_index: int, nodes: tuple[int, ...] | None = None,
                    rho_chi: float | None = None) -> float:
    """Rate of one time bin and isotope, summed over the Earth's layers [s⁻¹].

    Arguments as :func:`rate_quadrature_layers`.
    """
    return float(rate_quadrature_layers(job, bin_index, isotope_index, nodes, rho_chi).sum())


def quadrature_convergence(job, bin_index: int, isotope_index: int, nodes: tuple[int, ...] | None = None,
                           rho_chi: float | None = None) -> QuadratureConvergence:
    """The rate with ``nodes`` and with every node count doubled; the difference is the error.

    Arguments as :func:`rate_quadrature_layers`. Doubling every count costs 32x the coarse rate.
    """
    coarse_nodes = DEFAULT_NODES if nodes is None else tuple(int(n) for n in nodes)
    start = time.perf_counter()
    coarse = rate_quadrature(job, bin_index, isotope_index, coarse_nodes, rho_chi)
    fine = rate_quadrature(job, bin_index, isotope_index, tuple(2 * n for n in coarse_nodes), rho_chi)
    return QuadratureConvergence(fine, coarse, abs(fine - coarse), coarse_nodes, time.perf_counter() - start)

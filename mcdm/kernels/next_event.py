"""Next-event (point-detector) estimator of Earth-catalyzed inelastic dark matter (DESIGN.md §4).

A halo χ with lab velocity v upscatters on a nucleus somewhere upstream of the detector; χ₂
flies straight and decays inside the detector. For a detector small against the decay length
ℓ = v_out τ₂, the rate from one isotope is

    Γ = (ρ/m_χ) V_D ∫d³v f(v,t) v ∫dΩ_cm (dσ/dΩ_cm) ∫₀^∞ dL n(r_D − L d̂) e^{−L/ℓ}/ℓ ,

with (d̂, v_out) the lab direction and speed of χ₂ from (v, Ω_cm) (Eqs. 35–36). Each history is one
galactic-frame velocity (importance-sampled above the kinematic threshold) and one pair of
uniforms (u₁, u₂) for the CM angle: q² is log-uniform between its kinematic limits (the photon
pole makes dσ/dq² ~ 1/q²), φ_cm = 2π u₂. The same history is re-scored in every time bin (the
Earth's motion and rotation only move v) and for every isotope, and the L-integral along the ray
back from the detector is exact through the piecewise-constant shells (onion sum).

Couplings: g_M enters the cross section as g_M² and the lifetime as g_M⁻² (Eqs. 4–5). Everything up
to the ray's shell intervals is independent of g_M, so :func:`score_chunk` scores a whole list of
couplings with one set of histories (only the exponentials of the onion sum are redone per g_M).

Natural units inside the physics calls (GeV, v/c); geometry in km, speeds in km/s.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT
from mcdm.kernels._math import ball_interval, exp_weight
from mcdm.kernels.kinematics import cm_speed_out, cos_cm_from_q2, lab_velocity_out, q2_range
from mcdm.kernels.midm import eft_isospin_coefficients
from mcdm.kernels.nuclear import dsigma_dcos_cm

__all__ = ["score_chunk", "score_isotope", "upscatter", "ray_segments", "geometry_factor", "FORM_NEXT_EVENT",
           "FORM_EQ41", "FORM_EQ41_CODE"]

#: physical next-event estimator (DESIGN.md §4)
FORM_NEXT_EVENT = 0
#: the paper's Eq. (41) as printed: cone fraction [R_D/(L θ_max)]² and Eq. (40) decay probability
FORM_EQ41 = 1
#: Eq. (41) as the authors' code evaluates it: FORM_EQ41 times |sin θ_lab| (digest 004 §2.12, §8.2)
FORM_EQ41_CODE = 2


@numba.njit(**JIT)
def upscatter(vx, vy, vz, speed_c, u1, u2, i, m_chi, delta, e_mu, m_nucleon, g_p, g_n, prefactor_code,
              iso_mass, iso_kind, iso_coeffs, iso_helm, iso_b, iso_j):
    """The upscatter of one history on isotope ``i``: CM angle from (u1, u2), weight and χ₂ velocity.

    Returns
    -------
    (w_angle, ux, uy, uz, v_out, theta_max) : (dσ/dcos θ_cm)/p(cos θ_cm) [GeV⁻²] for the log-uniform q²
    density (0 when closed), χ₂ lab velocity and speed [c], and the maximum lab angle θ_max [rad] (Eq. 38).
    """
    m_n = iso_mass[i]
    mu = m_chi * m_n / (m_chi + m_n)
    v2 = speed_c * speed_c
    if mu * v2 <= 2.0 * delta:  # threshold μv² > 2δ (§2.5)
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    q2_min, q2_max = q2_range(speed_c, m_chi, m_n, delta)
    if not (q2_max > q2_min and q2_min > 0.0):
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    log_span = math.log(q2_max / q2_min)
    q2 = q2_min * math.exp(u1 * log_span)  # log-uniform importance sampling in q²
    cos_cm = cos_cm_from_q2(q2, speed_c, m_chi, m_n, delta)
    c1_0, c1_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1 = eft_isospin_coefficients(q2, e_mu, m_chi, m_nucleon, g_p, g_n)
    dsig = dsigma_dcos_cm(q2, speed_c, delta, mu, c1_0, c1_1, c4_0, c4_1, c5_0, c5_1, m_nucleon,
                          iso_kind[i], iso_coeffs[i], iso_helm[i], iso_b[i], iso_j[i], prefactor_code)
    beta = math.sqrt(1.0 - 2.0 * delta / (mu * v2))
    # |dq²/dcosθ_cm| = 2 μ² v² β (Eq. 34); p(cosθ) = |dq²/dcos| / (q² ln(q²max/q²min))
    w_angle = dsig * q2 * log_span / (2.0 * mu * mu * v2 * beta)
    ux, uy, uz = lab_velocity_out(vx, vy, vz, cos_cm, 2.0 * math.pi * u2, m_chi, m_n, delta)
    v_out = math.sqrt(ux * ux + uy * uy + uz * uz)
    if not v_out > 0.0:
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    s_max = m_n * cm_speed_out(speed_c, m_chi, m_n, delta) / (mu * speed_c)  # sin θ_max = 1/z (Eq. 38)
    theta_max = math.asin(s_max) if s_max < 1.0 else math.pi
    return w_angle, ux, uy, uz, v_out, theta_max


@numba.njit(**JIT)
def ray_segments(r_det, dx, dy, dz, outer_radii, lo, hi):
    """Intervals [lo_k, hi_k] [km] of the ray r_det + L d̂ (L ≥ 0, |d̂| = 1) inside each ball k (hi ≤ lo: missed)."""
    oo = r_det[0] * r_det[0] + r_det[1] * r_det[1] + r_det[2] * r_det[2]
    b = r_det[0] * dx + r_det[1] * dy + r_det[2] * dz
    px, py, pz = r_det[0] - b * dx, r_det[1] - b * dy, r_det[2] - b * dz
    h2 = px * px + py * py + pz * pz
    for k in range(outer_radii.shape[0]):
        lo[k], hi[k] = ball_interval(oo, b, h2, outer_radii[k], np.inf)


@numba.njit(**JIT)
def geometry_factor(form, ell, theta_max, radius_det, volume_det, cos_lab):
    """Factor of the Eq. (41) forms relative to the next-event estimator (1 for FORM_NEXT_EVENT).

    Eq. (41) as printed: [R_D/(L θ_max)]² P(L) with P = 2 sinh(R_D/2ℓ) e^{−L/ℓ} (Eq. 40) instead of
    V_D e^{−L/ℓ}/(ℓ L²), and dσ/dcos θ_cm |J| instead of dσ/dΩ_lab: 2π R_D² 2ℓ sinh(R_D/2ℓ)/(θ_max² V_D);
    the authors' code multiplies by |sin θ_lab| as well (digest 004 §2.12, §8.2).
    """
    if form == FORM_NEXT_EVENT:
        return 1.0
    g = (2.0 * math.pi * radius_det * radius_det * 2.0 * ell * math.sinh(radius_det / (2.0 * ell))
         / (theta_max * theta_max * volume_det))
    if form == FORM_EQ41_CODE:
        g *= math.sqrt(max(0.0, 1.0 - cos_lab * cos_lab))
    return g


@numba.njit(**JIT)
def _onion_sum(lo, hi, inv_ell, onion, species_first, n_layers, scale, out):
    """out[l] = scale × Σ_k onion[k, first + l] (e^{−lo_k/ℓ} − e^{−hi_k/ℓ}); returns Σ_l out[l]."""
    for l in range(n_layers):
        out[l] = 0.0
    for k in range(lo.shape[0]):
        if hi[k] <= lo[k]:
            continue
        ew = exp_weight(lo[k], hi[k], inv_ell)
        for l in range(n_layers):
            out[l] += onion[k, species_first + l] * ew
    total = 0.0
    for l in range(n_layers):
        out[l] *= scale
        total += out[l]
    return total


@numba.njit(**JIT)
def score_isotope(vx, vy, vz, speed_c, u1, u2, i, m_chi, delta, e_mu, m_nucleon, g_p, g_n, prefactor_code,
                  iso_mass, iso_kind, iso_coeffs, iso_helm, iso_b, iso_j,
                  r_det, outer_radii, onion, species_first, n_layers, c_kms, tau2_s, form, radius_det, volume_det,
                  out):
    """Score one history (lab velocity, CM uniforms) on isotope ``i`` for one coupling; fills ``out[l]``.

    Parameters
    ----------
    vx, vy, vz : lab velocity of χ in the local (ENU) frame [v/c]; speed_c = |v| [c]
    u1, u2 : uniforms in [0, 1) for log q² and φ_cm
    i : isotope index into the ``iso_*`` arrays (mass [GeV], response kind/coefficients, b [GeV⁻¹], spin j)
    m_chi, delta, e_mu, m_nucleon, g_p, g_n : model [GeV, GeV, GeV⁻¹, GeV, -, -]
    prefactor_code : 0 = Eq. (32) μ²/4π, 1 = μ²/2π
    r_det : (3,) detector position, Earth's centre at the origin [km]
    outer_radii : (m,) shell radii [km]; onion : (m, S) density differences n_k − n_{k+1} [km⁻³]
    species_first : first species column of isotope i (species = isotope × layer); n_layers : layers
    c_kms : speed of light [km/s]; tau2_s : χ₂ lifetime [s]
    form : FORM_NEXT_EVENT, FORM_EQ41 or FORM_EQ41_CODE; radius_det [km], volume_det [km³] (Eq. 41 only)
    out : (n_layers,) filled with speed [km/s] × (dσ/dΩ_cm)/p(Ω_cm) [GeV⁻²] × ∫ n e^{−L/ℓ}/ℓ dL [km⁻³]

    Returns
    -------
    float : the sum of ``out`` (0 when the isotope is kinematically closed)
    """
    w_angle, ux, uy, uz, v_out, theta_max = upscatter(vx, vy, vz, speed_c, u1, u2, i, m_chi, delta, e_mu,
                                                      m_nucleon, g_p, g_n, prefactor_code, iso_mass, iso_kind,
                                                      iso_coeffs, iso_helm, iso_b, iso_j)
    if w_angle == 0.0:
        for l in range(n_layers):
            out[l] = 0.0
        return 0.0
    m = outer_radii.shape[0]
    lo = np.empty(m)
    hi = np.empty(m)
    # the ray from the detector back along −d̂ (toward where χ₂ came from)
    ray_segments(r_det, -ux / v_out, -uy / v_out, -uz / v_out, outer_radii, lo, hi)
    ell = v_out * c_kms * tau2_s  # decay length [km] (Eq. 6)
    cos_lab = (vx * ux + vy * uy + vz * uz) / (speed_c * v_out)
    geometry = geometry_factor(form, ell, theta_max, radius_det, volume_det, cos_lab)
    return _onion_sum(lo, hi, 1.0 / ell, onion, species_first, n_layers, speed_c * c_kms * w_angle * geometry, out)


@numba.njit(**JIT)
def score_chunk(v_gal, uniforms, u_earth, rotations, c_kms,
                m_chi, delta, e_mu, m_nucleon, g_p, g_n, prefactor_code,
                iso_mass, iso_kind, iso_coeffs, iso_helm, iso_b, iso_j,
                r_det, outer_radii, onion, n_layers, taus, xs_scale, form, radius_det, volume_det,
                sum_w, sum_w2, iso_w2, tot_w2, iso_day_w2, day_w2, hist_weight):
    """Score a chunk of histories in every time bin, for every isotope and coupling (accumulates in place).

    Parameters
    ----------
    v_gal : (n, 3) galactic-frame velocities [km/s]; uniforms : (n, 2) in [0, 1)
    u_earth : (T, 3) Earth velocity [km/s]; rotations : (T, 3, 3) galactic → local ENU
    taus : (G,) χ₂ lifetimes [s] and xs_scale : (G,) cross-section factors (g_M/g_ref)² of G couplings
    (e_mu is that of g_ref)
    sum_w, sum_w2 : (G, T, S) per coupling, bin and species (isotope × layer): Σw and Σw² over histories
    iso_w2 : (G, T, I) Σ (per-history isotope total)²; tot_w2 : (G, T) Σ (per-history bin total)²
    iso_day_w2 : (G, I) Σ (per-history isotope total summed over bins)²; day_w2 : (G,) the same for all
    isotopes (the bins share histories, so the error of a sum over bins needs these, not the per-bin sums)
    hist_weight : (n,) importance weight of each velocity (f/q; ones for plain halo sampling)
    (other arguments as in :func:`score_isotope`; weights in km/s · GeV⁻² · km⁻³)
    """
    n = v_gal.shape[0]
    n_bins = u_earth.shape[0]
    n_iso = iso_mass.shape[0]
    n_g = taus.shape[0]
    m = outer_radii.shape[0]
    out = np.empty(n_layers)
    lo = np.empty(m)
    hi = np.empty(m)
    iso_day = np.empty((n_g, n_iso))
    bin_total = np.empty(n_g)
    for h in range(n):
        hw = hist_weight[h]
        if hw == 0.0:  # outside the halo's support: a history that scores nothing
            continue
        u1 = uniforms[h, 0]
        u2 = uniforms[h, 1]
        iso_day[:, :] = 0.0
        for t in range(n_bins):
            gx = v_gal[h, 0] - u_earth[t, 0]
            gy = v_gal[h, 1] - u_earth[t, 1]
            gz = v_gal[h, 2] - u_earth[t, 2]
            rot = rotations[t]
            vx = (rot[0, 0] * gx + rot[0, 1] * gy + rot[0, 2] * gz) / c_kms
            vy = (rot[1, 0] * gx + rot[1, 1] * gy + rot[1, 2] * gz) / c_kms
            vz = (rot[2, 0] * gx + rot[2, 1] * gy + rot[2, 2] * gz) / c_kms
            speed_c = math.sqrt(vx * vx + vy * vy + vz * vz)
            bin_total[:] = 0.0
            for i in range(n_iso):
                w_angle, ux, uy, uz, v_out, theta_max = upscatter(vx, vy, vz, speed_c, u1, u2, i, m_chi, delta,
                                                                  e_mu, m_nucleon, g_p, g_n, prefactor_code,
                                                                  iso_mass, iso_kind, iso_coeffs, iso_helm,
                                                                  iso_b, iso_j)
                if w_angle == 0.0:
                    continue
                ray_segments(r_det, -ux / v_out, -uy / v_out, -uz / v_out, outer_radii, lo, hi)
                cos_lab = (vx * ux + vy * uy + vz * uz) / (speed_c * v_out)
                first = i * n_layers
                base = speed_c * c_kms * w_angle * hw
                for g in range(n_g):
                    ell = v_out * c_kms * taus[g]  # decay length [km] (Eq. 6)
                    geometry = geometry_factor(form, ell, theta_max, radius_det, volume_det, cos_lab)
                    w_iso = _onion_sum(lo, hi, 1.0 / ell, onion, first, n_layers, base * xs_scale[g] * geometry,
                                       out)
                    if w_iso == 0.0:
                        continue
                    for l in range(n_layers):
                        w = out[l]
                        sum_w[g, t, first + l] += w
                        sum_w2[g, t, first + l] += w * w
                    iso_w2[g, t, i] += w_iso * w_iso
                    iso_day[g, i] += w_iso
                    bin_total[g] += w_iso
            for g in range(n_g):
                tot_w2[g, t] += bin_total[g] * bin_total[g]
        for g in range(n_g):
            day = 0.0
            for i in range(n_iso):
                iso_day_w2[g, i] += iso_day[g, i] * iso_day[g, i]
                day += iso_day[g, i]
            day_w2[g] += day * day

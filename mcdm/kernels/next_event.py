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

__all__ = ["score_chunk", "score_isotope", "FORM_NEXT_EVENT", "FORM_EQ41", "FORM_EQ41_CODE"]

#: physical next-event estimator (DESIGN.md §4)
FORM_NEXT_EVENT = 0
#: the paper's Eq. (41) as printed: cone fraction [R_D/(L θ_max)]² and Eq. (40) decay probability
FORM_EQ41 = 1
#: Eq. (41) as the authors' code evaluates it: FORM_EQ41 times |sin θ_lab| (digest 004 §2.12, §8.2)
FORM_EQ41_CODE = 2


@numba.njit(**JIT)
def score_isotope(vx, vy, vz, speed_c, u1, u2, i, m_chi, delta, e_mu, m_nucleon, g_p, g_n, prefactor_code,
                  iso_mass, iso_kind, iso_coeffs, iso_helm, iso_b, iso_j,
                  r_det, outer_radii, onion, species_first, n_layers, c_kms, tau2_s, form, radius_det, volume_det,
                  out):
    """Score one history (lab velocity, CM uniforms) on isotope ``i``; fills ``out[l]`` per layer.

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
    for l in range(n_layers):
        out[l] = 0.0
    m_n = iso_mass[i]
    mu = m_chi * m_n / (m_chi + m_n)
    v2 = speed_c * speed_c
    if mu * v2 <= 2.0 * delta:  # threshold μv² > 2δ (§2.5)
        return 0.0
    q2_min, q2_max = q2_range(speed_c, m_chi, m_n, delta)
    if not (q2_max > q2_min and q2_min > 0.0):
        return 0.0
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
        return 0.0
    ell = v_out * c_kms * tau2_s  # decay length [km] (Eq. 6)
    inv_ell = 1.0 / ell
    # ray from the detector back along -d̂ (toward where χ₂ came from)
    dx, dy, dz = -ux / v_out, -uy / v_out, -uz / v_out
    ox, oy, oz = r_det[0], r_det[1], r_det[2]
    oo = ox * ox + oy * oy + oz * oz
    b = ox * dx + oy * dy + oz * dz
    px, py, pz = ox - b * dx, oy - b * dy, oz - b * dz
    h2 = px * px + py * py + pz * pz
    geometry = 1.0
    if form == FORM_EQ41 or form == FORM_EQ41_CODE:
        # Eq. (41) as printed: [R_D/(L θ_max)]² P(L) with P = 2 sinh(R_D/2ℓ) e^{-L/ℓ} (Eq. 40) instead of
        # V_D e^{-L/ℓ}/(ℓ L²) (and dσ/dcos θ_cm |J| instead of dσ/dΩ_lab): factor 2π R_D² 2ℓ sinh(R_D/2ℓ)/(θ² V_D)
        s_max = m_n * cm_speed_out(speed_c, m_chi, m_n, delta) / (mu * speed_c)  # sin θ_max = 1/z (Eq. 38)
        theta_max = math.asin(s_max) if s_max < 1.0 else math.pi
        geometry = (2.0 * math.pi * radius_det * radius_det * 2.0 * ell * math.sinh(radius_det / (2.0 * ell))
                    / (theta_max * theta_max * volume_det))
        if form == FORM_EQ41_CODE:  # the code's extra |sin θ_lab| (angle between v and the χ₂ direction)
            cos_lab = (vx * ux + vy * uy + vz * uz) / (speed_c * v_out)
            geometry *= math.sqrt(max(0.0, 1.0 - cos_lab * cos_lab))
    total = 0.0
    for k in range(outer_radii.shape[0]):
        lo, hi = ball_interval(oo, b, h2, outer_radii[k], np.inf)
        if hi <= lo:
            continue
        ew = exp_weight(lo, hi, inv_ell)
        for l in range(n_layers):
            out[l] += onion[k, species_first + l] * ew
    scale = speed_c * c_kms * w_angle * geometry
    for l in range(n_layers):
        out[l] *= scale
        total += out[l]
    return total


@numba.njit(**JIT)
def score_chunk(v_gal, uniforms, u_earth, rotations, c_kms,
                m_chi, delta, e_mu, m_nucleon, g_p, g_n, prefactor_code,
                iso_mass, iso_kind, iso_coeffs, iso_helm, iso_b, iso_j,
                r_det, outer_radii, onion, n_layers, tau2_s, form, radius_det, volume_det,
                sum_w, sum_w2, iso_w2, tot_w2, iso_day_w2, day_w2, hist_weight):
    """Score a chunk of histories in every time bin and for every isotope (accumulates in place).

    Parameters
    ----------
    v_gal : (n, 3) galactic-frame velocities [km/s]; uniforms : (n, 2) in [0, 1)
    hist_weight : (n,) importance weight of each velocity (f/q; ones for plain halo sampling)
    u_earth : (T, 3) Earth velocity [km/s]; rotations : (T, 3, 3) galactic → local ENU
    sum_w, sum_w2 : (T, S) per bin and species (isotope × layer): Σw and Σw² over histories
    iso_w2 : (T, I) Σ (per-history isotope total)²; tot_w2 : (T,) Σ (per-history bin total)²
    iso_day_w2 : (I,) Σ (per-history isotope total summed over bins)²; day_w2 : (1,) the same for all isotopes
    (the bins share histories, so the error of a sum over bins needs these, not the per-bin sums)
    (other arguments as in :func:`score_isotope`; weights in km/s · GeV⁻² · km⁻³)
    """
    n = v_gal.shape[0]
    n_bins = u_earth.shape[0]
    n_iso = iso_mass.shape[0]
    out = np.empty(n_layers)
    iso_day = np.empty(n_iso)
    for h in range(n):
        hw = hist_weight[h]
        if hw == 0.0:  # outside the halo's support: a history that scores nothing
            continue
        u1 = uniforms[h, 0]
        u2 = uniforms[h, 1]
        iso_day[:] = 0.0
        day = 0.0
        for t in range(n_bins):
            gx = v_gal[h, 0] - u_earth[t, 0]
            gy = v_gal[h, 1] - u_earth[t, 1]
            gz = v_gal[h, 2] - u_earth[t, 2]
            rot = rotations[t]
            vx = (rot[0, 0] * gx + rot[0, 1] * gy + rot[0, 2] * gz) / c_kms
            vy = (rot[1, 0] * gx + rot[1, 1] * gy + rot[1, 2] * gz) / c_kms
            vz = (rot[2, 0] * gx + rot[2, 1] * gy + rot[2, 2] * gz) / c_kms
            speed_c = math.sqrt(vx * vx + vy * vy + vz * vz)
            bin_total = 0.0
            for i in range(n_iso):
                first = i * n_layers
                w_iso = score_isotope(vx, vy, vz, speed_c, u1, u2, i, m_chi, delta, e_mu, m_nucleon, g_p, g_n,
                                      prefactor_code, iso_mass, iso_kind, iso_coeffs, iso_helm, iso_b, iso_j,
                                      r_det, outer_radii, onion, first, n_layers, c_kms, tau2_s, form,
                                      radius_det, volume_det, out)
                if w_iso == 0.0:
                    continue
                w_iso *= hw
                for l in range(n_layers):
                    w = out[l] * hw
                    sum_w[t, first + l] += w
                    sum_w2[t, first + l] += w * w
                iso_w2[t, i] += w_iso * w_iso
                iso_day[i] += w_iso
                bin_total += w_iso
            tot_w2[t] += bin_total * bin_total
            day += bin_total
        for i in range(n_iso):
            iso_day_w2[i] += iso_day[i] * iso_day[i]
        day_w2[0] += day * day

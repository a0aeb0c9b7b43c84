"""Truth of single next-event histories (mcdm.kernels.next_event_truth) against score_isotope and closed forms.

The weights must be score_isotope's out[layer] exactly; the χ₂ speed must conserve energy,
m v²/2 = m₂ w²/2 + q²/2M + δ; the L-distribution's normalisation must be the ray factor inside
the weight (the same constant for every layer of a history: that checks the ray direction); sampled
L must lie where the layer has density; and for a detector at the centre of one uniform ball of
radius R, L is a truncated exponential: L(u) = −ℓ ln(1 − u (1 − e^{−R/ℓ})), mean
ℓ (1 − (1 + R/ℓ) e^{−R/ℓ}) / (1 − e^{−R/ℓ}).
Also run with NUMBA_DISABLE_JIT=1 by tests/test_python_mode.py.
"""
import math

import numpy as np
import pytest

from mcdm.constants import C_KM_S
from mcdm.kernels._math import ball_interval
from mcdm.kernels.kinematics import q2_range
from mcdm.kernels.next_event import FORM_NEXT_EVENT, score_isotope
from mcdm.kernels.next_event_truth import chi2_lab_velocity, sample_flight, truth_chunk
from mcdm.physics.midm import MagneticInelasticDM
from mcdm.physics.nuclear import compile_responses

MODEL = MagneticInelasticDM(m_chi=1000.0, delta=15e-6, g_M=2e-3)
RESP = compile_responses(["Al27", "Fe56"])
R_CORE, R_OUT = 3000.0, 6000.0  # km
N_LAYERS = 2
# species column = isotope * 2 + layer; layer 0 = core ball, layer 1 = shell R_CORE..R_OUT [km^-3]
SPECIES = np.array([[3.0e36, 0.0, 1.0e36, 0.0],
                    [0.0, 2.0e36, 0.0, 0.5e36]])
ONION = np.ascontiguousarray(SPECIES - np.vstack([SPECIES[1:], np.zeros((1, 4))]))
RADII = np.array([R_CORE, R_OUT])
R_DET = np.array([0.0, 0.0, 5000.0])  # inside the outer shell, off centre


def _rotation():
    q, r = np.linalg.qr(np.random.default_rng(3).normal(size=(3, 3)))
    return np.ascontiguousarray(q * np.sign(np.diag(r)))


U_EARTH = np.array([10.0, 230.0, 8.0])  # km/s
ROT = _rotation()


def _physics(r_det=R_DET, radii=RADII, onion=ONION, n_layers=N_LAYERS, tau2_s=2.0):
    return (C_KM_S, MODEL.m_chi, MODEL.delta, MODEL.e_mu_scattering, MODEL.m_nucleon, MODEL.g_p, MODEL.g_n, 0,
            RESP.mass_gev, RESP.kind, RESP.coeffs, RESP.helm, RESP.b, RESP.j, r_det, radii, onion, n_layers,
            tau2_s, FORM_NEXT_EVENT, 1e-3, 4.0 / 3.0 * math.pi * 1e-9)


def _histories(n, seed=11):
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    v_gal = direction * rng.uniform(250.0, 750.0, size=(n, 1))
    return np.ascontiguousarray(v_gal), rng.random((n, 3))


def _lab(v_gal):
    """Lab velocity [c] of a galactic one, in the operation order of score_chunk (bit-for-bit)."""
    g = [v_gal[k] - U_EARTH[k] for k in range(3)]
    v = [(ROT[r, 0] * g[0] + ROT[r, 1] * g[1] + ROT[r, 2] * g[2]) / C_KM_S for r in range(3)]
    return v[0], v[1], v[2], math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])


@pytest.mark.parametrize("iso", [0, 1])
def test_weights_speeds_and_ray_direction(iso):
    v_gal, uniforms = _histories(400)
    tau = 2.0  # s: l ~ 1000 km, shorter than the ray
    physics = _physics(tau2_s=tau)
    weights = [truth_chunk(v_gal, uniforms, U_EARTH, ROT, iso, layer, *physics) for layer in range(N_LAYERS)]
    m_n = RESP.mass_gev[iso]
    m2 = MODEL.m_chi + MODEL.delta
    out = np.empty(N_LAYERS)
    pos, step = np.empty(4), np.empty(4)
    n_open = 0
    for h in range(v_gal.shape[0]):
        vx, vy, vz, v = _lab(v_gal[h])
        u1, u2 = uniforms[h, :2]
        total = score_isotope(vx, vy, vz, v, u1, u2, iso, *physics[1:14], R_DET, RADII, ONION, iso * N_LAYERS,
                              N_LAYERS, C_KM_S, tau, FORM_NEXT_EVENT, physics[-2], physics[-1], out)
        ux, uy, uz = chi2_lab_velocity(vx, vy, vz, v, u1, u2, MODEL.m_chi, m_n, MODEL.delta)
        w_out = math.sqrt(ux * ux + uy * uy + uz * uz)
        ratios = []
        for layer, (w, speed, flight) in enumerate(weights):
            assert w[h] == out[layer]  # the same call, bit for bit (negative in a response fit's dip)
            if out[layer] == 0.0:
                assert math.isnan(speed[h]) and math.isnan(flight[h])
                continue
            # energy balance with E_R = q^2/2M: m v^2 = m2 w^2 + q^2/M + 2 delta (independent of the kernel's boost)
            lo, hi = q2_range(v, MODEL.m_chi, m_n, MODEL.delta)
            q2 = lo * math.exp(u1 * math.log(hi / lo))
            w2 = (MODEL.m_chi * v * v - q2 / m_n - 2.0 * MODEL.delta) / m2
            assert speed[h] == pytest.approx(math.sqrt(w2) * C_KM_S, rel=1e-9)
            # the L-distribution's mass is the ray factor of out[layer]: the same scale for every layer
            _, mass = sample_flight(R_DET, -ux / w_out, -uy / w_out, -uz / w_out, RADII, ONION,
                                    iso * N_LAYERS + layer, 1.0 / (w_out * C_KM_S * tau), 0.5, pos, step)
            ratios.append(out[layer] / mass)
        if len(ratios) == 2:
            n_open += 1
            assert ratios[0] == pytest.approx(ratios[1], rel=1e-10)
        if total == 0.0:
            assert all(np.isnan(speed[h]) for _, speed, _ in weights)
    assert n_open > 20  # enough histories reach both layers for the direction check to bite


def test_flights_lie_in_the_layer():
    v_gal, uniforms = _histories(300, seed=5)
    physics = _physics(tau2_s=5.0)
    m_n = RESP.mass_gev[0]
    oo = float(R_DET @ R_DET)
    seen = [0, 0]
    for layer in range(N_LAYERS):
        _, _, flight = truth_chunk(v_gal, uniforms, U_EARTH, ROT, 0, layer, *physics)
        for h in np.flatnonzero(np.isfinite(flight)):
            vx, vy, vz, v = _lab(v_gal[h])
            ux, uy, uz = chi2_lab_velocity(vx, vy, vz, v, uniforms[h, 0], uniforms[h, 1], MODEL.m_chi, m_n,
                                           MODEL.delta)
            d = -np.array([ux, uy, uz]) / math.sqrt(ux * ux + uy * uy + uz * uz)
            b = float(R_DET @ d)
            h2 = float(np.sum((R_DET - b * d) ** 2))
            lo_c, hi_c = ball_interval(oo, b, h2, R_CORE, np.inf)
            _, hi_o = ball_interval(oo, b, h2, R_OUT, np.inf)
            x = R_DET + flight[h] * d  # the scatter point
            if layer == 0:
                assert hi_c > lo_c and lo_c - 1e-9 <= flight[h] <= hi_c + 1e-9
                assert np.linalg.norm(x) <= R_CORE * (1 + 1e-12)
            else:
                assert 0.0 <= flight[h] <= hi_o + 1e-9
                assert not (lo_c + 1e-9 < flight[h] < hi_c - 1e-9)
                assert R_CORE * (1 - 1e-12) <= np.linalg.norm(x) <= R_OUT * (1 + 1e-12)
            seen[layer] += 1
    assert min(seen) > 20


def test_uniform_ball_truncated_exponential():
    """Detector at the centre of one ball: L(u) = -l ln(1 - u (1 - e^{-R/l})) and its mean (l ~ R)."""
    radius = 5000.0
    tau = 8.0  # s: l ~ 4800 km at ~600 km/s
    n = 1000
    onion = np.array([[2.0e36, 0.0]])
    physics = _physics(r_det=np.zeros(3), radii=np.array([radius]), onion=onion, n_layers=1, tau2_s=tau)
    v_gal = np.tile(np.array([[150.0, 480.0, -260.0]]), (n, 1))
    uniforms = np.empty((n, 3))
    uniforms[:, 0], uniforms[:, 1] = 0.43, 0.71  # one history ...
    uniforms[:, 2] = (np.arange(n) + 0.5) / n  # ... with a midpoint grid of flight uniforms
    weight, speed, flight = truth_chunk(v_gal, uniforms, U_EARTH, ROT, 0, 0, *physics)
    assert np.all(weight == weight[0]) and weight[0] > 0.0
    ell = speed[0] * tau
    assert 0.5 * radius < ell < 2.0 * radius
    expected = -ell * np.log1p(-uniforms[:, 2] * (-math.expm1(-radius / ell)))
    np.testing.assert_allclose(flight, expected, rtol=1e-10, atol=1e-9)
    a = radius / ell
    mean = ell * (1.0 - (1.0 + a) * math.exp(-a)) / (1.0 - math.exp(-a))
    assert flight.mean() == pytest.approx(mean, rel=1e-4)


def test_empty_chunk_and_empty_column():
    physics = _physics()
    w, s, f = truth_chunk(np.empty((0, 3)), np.empty((0, 3)), U_EARTH, ROT, 0, 1, *physics)
    assert w.shape == s.shape == f.shape == (0,)
    length, mass = sample_flight(R_DET, 0.0, 0.0, 1.0, RADII, np.zeros((2, 4)), 0, 1e-3, 0.5, np.empty(4),
                                 np.empty(4))
    assert math.isnan(length) and mass == 0.0

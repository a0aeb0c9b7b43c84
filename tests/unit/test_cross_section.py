"""Tests of mcdm.physics.cross_section (Eqs. 25-34 of Eby, Fox & Kribs 2023; digest 004 §2.4-2.6).

Independent references used here: the coherent q -> 0 limit (c^p Z + c^n N)^2/4 (digest §2.6);
a NumPy re-implementation of Eq. (25) written from Eqs. (17)-(22) and (26)-(29) in this file; the
standard dsigma/dE_R = M/(2 pi v^2)|M|^2 (digest §8.1); scipy quadrature for the E_R <-> cos
Jacobian; the Fig. 2 statements of the paper (digest §3) for 27Al.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import integrate

from mcdm.constants import C_KM_S, HBARC_GEV_CM, M_NEUTRON_GEV
from mcdm.errors import ConfigError
from mcdm.physics import cross_section as cs
from mcdm.physics.nuclear import helm_response, response_for
from mcdm.source import StandardHaloModel

ALPHA = 1 / 137.035999
E = math.sqrt(4 * math.pi * ALPHA)
G_P, G_N = 5.5856946893, -3.82608545


@dataclass(frozen=True)
class StandIn:
    """Minimal duck-typed MIDM model: mu~ = g_M e/(4 m_chi) (Eq. 4)."""

    m_chi: float = 1000.0
    delta: float = 15e-6
    g_M: float = 1.0
    g_p: float = G_P
    g_n: float = G_N
    m_nucleon: float = M_NEUTRON_GEV

    @property
    def e_mu_scattering(self) -> float:
        return E * self.g_M * E / (4 * self.m_chi)


def _ref_coefficients(model, q2):
    """Eqs. (17)-(22) written out: (c1, c4, c5) in the isospin basis [GeV^-2]."""
    emu, mn = model.e_mu_scattering, model.m_nucleon
    c1 = np.array([emu / (2 * model.m_chi), 0.0])            # (p, n), Q = (1, 0)
    c4 = np.array([model.g_p, model.g_n]) * emu / mn
    c5 = -2 * np.array([1.0, 0.0]) * emu * mn / q2
    iso = lambda c: np.array([(c[0] + c[1]) / 2, (c[0] - c[1]) / 2])  # noqa: E731
    return iso(c1), iso(c4), iso(c5)


def _ref_msq(model, resp, q, v_km_s):
    """Eq. (25) with R_M, R_S', R_D, R_DS' of Eqs. (26)-(29) and the AFH q^2/m_N^2 on D, DS'."""
    mu = model.m_chi * resp.mass_gev / (model.m_chi + resp.mass_gev)
    v = v_km_s / C_KM_S
    vmin = q / (2 * mu) + model.delta / q
    vp2 = max(v * v - vmin * vmin, 0.0)
    c1, c4, c5 = _ref_coefficients(model, q * q)
    r = q * q / model.m_nucleon**2
    s = 0.0
    for t in (0, 1):
        for tp in (0, 1):
            s += (c1[t] * c1[tp] + r / 4 * c5[t] * c5[tp] * vp2) * resp.W("M", t, tp, q=q)
            s += c4[t] * c4[tp] / 16 * resp.W("SigmaP", t, tp, q=q)
            s += r * (r / 4 * c5[t] * c5[tp]) * resp.W("Delta", t, tp, q=q)
            s += r * (c5[t] * c4[tp] / 4) * resp.W("DeltaSigmaP", t, tp, q=q)
    return 4 * math.pi / (2 * resp.spin + 1) * s


@pytest.mark.parametrize("name", ["Mg25", "Al27", "Si29", "Fe56"])
def test_matrix_element_matches_reference(name):
    """|M|^2 equals the independent NumPy Eq. (25) at several (q, v) to 1e-12."""
    model = StandIn()
    resp = response_for(name)
    for q, v in [(0.01, 400.0), (0.05, 600.0), (0.12, 750.0)]:
        assert cs.matrix_element_sq(model, resp, q, v) == pytest.approx(
            _ref_msq(model, resp, q, v), rel=1e-12)


def test_coherent_limit():
    """digest §2.6: with only c1 on, |M|^2 -> (c1^p Z + c1^n N)^2/4 as q -> 0.

    Helm: exact normalisation (1e-9). App. B: to the 3-s.f. printed W(0) (2e-3)."""
    model = StandIn()
    c1p = model.e_mu_scattering / (2 * model.m_chi)
    helm = helm_response("Xe131", 54, 131, 1.5)
    got = cs.matrix_element_sq(model, helm, 1e-7, 700.0, keep=("c1",))
    assert got == pytest.approx((c1p * 54) ** 2 / 4, rel=1e-9)
    for name, z in [("Mg25", 12), ("Al27", 13), ("Si29", 14), ("Fe56", 26)]:
        got = cs.matrix_element_sq(model, response_for(name), 1e-7, 700.0, keep=("c1",))
        assert got == pytest.approx((c1p * z) ** 2 / 4, rel=2e-3)


def test_sigma_pp_response_vanishes():
    """digest §10 target 5: c4 + (q^2/m_N^2) c6 = 0 for every q, so R_Sigma'' = 0 (exact)."""
    from mcdm.kernels.midm import eft_isospin_coefficients_array

    model = StandIn()
    q2 = np.array([1e-4, 3e-3, 0.02])
    c = eft_isospin_coefficients_array(q2, model.e_mu_scattering, model.m_chi, model.m_nucleon,
                                       G_P, G_N)
    for t in (0, 1):
        np.testing.assert_allclose(c[:, 2 + t] + q2 / model.m_nucleon**2 * c[:, 6 + t], 0.0,
                                   atol=1e-15 * abs(c[0, 2 + t]))


def test_prefactors_and_standard_relation():
    """Standard = 2 x paper (digest §8.1); standard dsigma/dE_R = M/(2 pi v^2)|M|^2."""
    model, resp = StandIn(), response_for("Al27")
    v = 600.0
    ds_paper = cs.dsigma_dER(model, resp, v, 20.0, prefactor="paper")
    ds_std = cs.dsigma_dER(model, resp, v, 20.0, prefactor="standard")
    assert ds_std == pytest.approx(2 * ds_paper, rel=1e-13)
    q = math.sqrt(2 * resp.mass_gev * 20e-6)
    msq = cs.matrix_element_sq(model, resp, q, v)
    ref = resp.mass_gev / (2 * math.pi * (v / C_KM_S) ** 2) * msq * HBARC_GEV_CM**2 * 1e-6
    assert ds_std == pytest.approx(ref, rel=1e-10)
    with pytest.raises(ConfigError, match="paper"):
        cs.dsigma_dcos_cm(model, resp, v, 0.0, prefactor="4pi")
    with pytest.raises(ConfigError, match="c5"):
        cs.dsigma_dcos_cm(model, resp, v, 0.0, keep=("c6",))


def test_q2_matches_eq34_and_threshold():
    """q^2 = 2M E_R with E_R of Eq. (34) as printed; zero cross section when mu v^2 <= 2 delta."""
    model, resp = StandIn(delta=50e-6), response_for("Al27")
    mu = cs.reduced_mass(model, resp)
    v, cos = 700.0, np.array([-1.0, -0.3, 0.4, 0.99])
    vc = v / C_KM_S
    beta = math.sqrt(1 - 2 * model.delta / (mu * vc * vc))
    e_r = mu**2 * vc**2 / resp.mass_gev * (1 - cos * beta) - mu * model.delta / resp.mass_gev
    np.testing.assert_allclose(cs.q2_from_cos_cm(model, resp, v, cos), 2 * resp.mass_gev * e_r,
                               rtol=1e-9)
    v_thr = math.sqrt(2 * model.delta / mu) * C_KM_S
    assert cs.dsigma_dcos_cm(model, resp, 0.999 * v_thr, 0.0) == 0.0
    assert cs.dsigma_dcos_cm(model, resp, 1.01 * v_thr, 0.0) > 0.0
    assert cs.dsigma_dER(model, resp, v, 1e4) == 0.0


def test_er_jacobian_integrates_to_total():
    """int dsigma/dE_R dE_R over the kinematic range = int dsigma/dcos dcos (scipy quad, 1e-6)."""
    model, resp = StandIn(delta=15e-6), response_for("Al27")
    v = 650.0
    total_cos, _ = integrate.quad(lambda c: cs.dsigma_dcos_cm(model, resp, v, c), -1, 1,
                                  epsabs=0, epsrel=1e-10, limit=200)
    e_lo, e_hi = (cs.q2_from_cos_cm(model, resp, v, [1.0, -1.0]) / (2 * resp.mass_gev) * 1e6)
    total_er, _ = integrate.quad(lambda e: cs.dsigma_dER(model, resp, v, e), e_lo, e_hi,
                                 epsabs=0, epsrel=1e-10, limit=200)
    assert total_er == pytest.approx(total_cos, rel=1e-6)


@pytest.mark.validation
@pytest.mark.parametrize("delta_kev", [5.0, 50.0])
def test_fig2_statements_al27(delta_kev):
    """digest §3 Fig. 2, 27Al at delta = 5 and 50 keV (1 TeV, SHM v0 220, v_esc 550, u_E 221.3):
    c5 dominates over c4 for most recoil energies and c1 is negligible (< 1 % of the total)."""
    model, resp = StandIn(delta=delta_kev * 1e-6), response_for("Al27")
    halo = StandardHaloModel()
    e_r = np.geomspace(0.5, 200.0, 25)
    rate = {k: cs.differential_rate_per_target(model, resp, e_r, halo, 221.3, keep=k)
            for k in [("c1",), ("c4",), ("c5",), ("c1", "c4", "c5")]}
    total = rate[("c1", "c4", "c5")]
    on = total > 0
    assert on.sum() >= 10
    assert np.all(rate[("c1",)][on] < 0.01 * total[on])
    assert np.mean(rate[("c5",)][on] > rate[("c4",)][on]) > 0.5
    # c4 "also makes a significant contribution": at least 10 % of c5 where open
    assert np.all(rate[("c4",)][on] > 0.1 * rate[("c5",)][on])

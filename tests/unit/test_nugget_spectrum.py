"""Unit tests of mcdm.physics.nugget (seed 001, digest 001 §2, §6, §8 C1-C8, C11, §9 V1, V2, V18, V19)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, interpolate, stats

from mcdm.constants import ALPHA
from mcdm.physics import nugget as ng
from mcdm.physics.nugget import M_E_MEV as M

V1_POINTS = [(mu, k) for mu in (5.0, 20.0, 60.0) for k in (1, 2, 5, 10, 15, 19, 30, 55)
             if k < ng.k_limits(mu)[1]]


@pytest.mark.parametrize("mu,k", V1_POINTS)
def test_v1_quadrature_of_eq3_equals_closed_form_eq4(mu, k):
    # V1: Eq. (3) with 8 pi dE/(2 pi)^3 (erratum E1), scipy quad over Eq. (2), vs Eq. (4)
    assert ng.photon_rate_spectrum_quadrature(k, mu) == pytest.approx(ng.photon_rate_spectrum(k, mu), rel=1e-6)


@pytest.mark.parametrize("E", [5.0, 20.0, 60.0, 0.6])
def test_v2_eq2_integrates_to_twice_dirac(E):
    lo, hi = ng.k_range(E)
    val, _ = integrate.quad(lambda k: ng.dsigma_dk(k, E), lo, hi, epsabs=0, epsrel=1e-12, limit=200)
    assert val == pytest.approx(2.0 * ng.dirac_cross_section(E), rel=1e-4)


@pytest.mark.parametrize("E,ref", [(5.0, 1.7514e-4), (20.0, 5.9611e-5), (60.0, 2.4996e-5)])
def test_dirac_cross_section_digest_values(E, ref):
    assert ng.dirac_cross_section(E) == pytest.approx(ref, rel=1e-4)


def test_dirac_cross_section_nonrelativistic_limit():
    # sigma -> pi r_e^2 / beta as E -> m (1/v law), r_e = alpha/m
    E = M * (1 + 1e-8)
    beta = math.sqrt(1 - (M / E) ** 2)
    assert ng.dirac_cross_section(E) == pytest.approx(math.pi * (ALPHA / M) ** 2 / beta, rel=1e-3)


def test_kinematics_are_consistent():
    E = np.array([0.6, 2.0, 20.0, 60.0])
    kmin, kmax = ng.k_range(E)
    p = np.sqrt(E**2 - M**2)
    np.testing.assert_allclose(kmin + kmax, E + M, rtol=1e-14)
    np.testing.assert_allclose(kmin * kmax, M * (E + M) / 2, rtol=1e-12)  # (E+m)^2 - p^2 = 2m(E+m)
    # the threshold of either end point is the positron energy itself
    np.testing.assert_allclose(ng.threshold_energy(kmax), E, rtol=1e-12)
    np.testing.assert_allclose(ng.threshold_energy(kmin[p > 1]), E[p > 1], rtol=1e-9)
    assert ng.threshold_energy(M) == pytest.approx(M)
    assert ng.threshold_energy(0.4 * M) == math.inf
    lo, hi = ng.k_limits(20.0)
    assert (lo, hi) == ng.k_range(20.0)


def test_dsigma_dk_zero_outside_range():
    kmin, kmax = ng.k_range(10.0)
    vals = ng.dsigma_dk([kmin * 0.99, kmax * 1.01, 0.5 * (kmin + kmax)], 10.0)
    assert vals[0] == 0 and vals[1] == 0 and vals[2] > 0


def test_spectrum_hard_zero_outside_support_e6():
    mu = 20.0
    lo, hi = ng.k_limits(mu)
    k = np.array([0.1, 0.5 * M, lo, hi, hi * 1.001, 25.0, 100.0])
    with np.errstate(all="raise"):
        out = ng.photon_rate_spectrum(k, mu)
        cont = ng.continuum_intensity(k, mu, 0.1)
    assert np.all(out == 0) and np.all(cont == 0)
    # continuous, linear approach to 0 at both ends, where the closed form still equals Eq. (3)
    for edge, sign in ((hi, -1.0), (lo, 1.0)):
        near, nearer = edge * (1 + sign * 1e-5), edge * (1 + sign * 1e-7)
        assert ng.photon_rate_spectrum(nearer, mu) / ng.photon_rate_spectrum(near, mu) == pytest.approx(1e-2, rel=1e-2)
        assert ng.photon_rate_spectrum(nearer, mu) == pytest.approx(
            ng.photon_rate_spectrum_quadrature(nearer, mu), rel=1e-8)
    assert ng.photon_rate_spectrum_quadrature(hi * 1.001, mu) == 0.0


def test_spectrum_broadcasts():
    k = np.array([[1.0], [5.0]])
    mu = np.array([10.0, 20.0, 60.0])
    out = ng.photon_rate_spectrum(k, mu)
    assert out.shape == (2, 3)
    assert out[1, 2] == pytest.approx(ng.photon_rate_spectrum(5.0, 60.0))
    assert isinstance(ng.photon_rate_spectrum(5.0, 60.0), float)


@pytest.mark.parametrize("mu", [1.0, 5.0, 20.0, 60.0, 100.0])
def test_exact_rate_is_half_the_photon_integral(mu):
    # two photons per annihilation: int dk Eq.(4) = 2 x int dn v sigma_Dirac (independent quadratures)
    lo, hi = ng.k_limits(mu)
    pts = [lo * (1 + 1e-3), lo * 1.05, 2 * lo, 1.0, 0.5 * hi]
    photons, _ = integrate.quad(lambda k: ng.photon_rate_spectrum(k, mu), lo, hi, epsabs=0, epsrel=1e-11,
                                limit=500, points=[x for x in pts if lo < x < hi])
    exact = ng.annihilation_rate_exact(mu)
    assert photons == pytest.approx(2 * exact, rel=1e-8)
    # and the rapidity Gauss-Legendre equals a plain adaptive quadrature in E of p^2 sigma_Dirac / pi^2
    direct, _ = integrate.quad(lambda E: (E * E - M * M) * ng.dirac_cross_section(E) / math.pi**2,
                               M * (1 + 1e-14), mu, epsabs=0, epsrel=1e-11, limit=200)
    assert exact == pytest.approx(direct, rel=1e-7)


def test_rate_modes_and_eq6_structure():
    k, mu, chi = 7.0, 30.0, 0.13
    literal = 0.025 * 4 * chi * 2 * ng._bracket_eq4(k, mu) / (k**2 * mu**2 * math.log(mu / M))  # Eq. (6) printed
    assert ng.continuum_intensity(k, mu, chi) == pytest.approx(literal, rel=1e-12)
    ratio = ng.continuum_intensity(k, mu, chi, rate="exact") / ng.continuum_intensity(k, mu, chi)
    assert ratio == pytest.approx(ng.annihilation_rate_approx(mu) / ng.annihilation_rate_exact(mu), rel=1e-12)
    assert ng.annihilation_rate(mu, "exact") == ng.annihilation_rate_exact(mu)


def test_e2_counting_flag_ratio_exactly_two():
    k = np.linspace(1, 20, 7)
    paper = ng.continuum_intensity(k, 20.0, 0.1, ps_photon_counting="paper")
    phys = ng.continuum_intensity(k, 20.0, 0.1, ps_photon_counting="physical")
    np.testing.assert_array_equal(paper, 2.0 * phys)
    es = ng.Electrosphere(60.0)
    np.testing.assert_allclose(ng.height_averaged_intensity(k, es, 0.2, ps_photon_counting="paper"),
                               2 * ng.height_averaged_intensity(k, es, 0.2, ps_photon_counting="physical"),
                               rtol=1e-14)


def test_v19_linear_in_chi():
    k = np.array([1.0, 5.0, 15.0])
    a = ng.continuum_intensity(k, 20.0, 0.1)
    np.testing.assert_allclose(ng.continuum_intensity(k, 20.0, 0.2), 2 * a, rtol=1e-15)
    assert np.all(ng.continuum_intensity(k, 20.0, 0.0) == 0)
    es = ng.Electrosphere(60.0)
    np.testing.assert_allclose(ng.height_averaged_intensity(k, es, 0.4),
                               2 * ng.height_averaged_intensity(k, es, 0.2), rtol=1e-14)


def test_v18_positronium_bookkeeping():
    y = ng.positronium_yields()
    assert y.para_fraction == 0.25 and y.ortho_fraction == 0.75
    assert y.photons_511 == 0.5  # 2 photons per para decay, 1/4 of Ps
    assert y.ortho_continuum_photons == 2.25
    assert y.ps_per_para == 4.0  # total Ps = 4 x para-Ps
    assert ng.positronium_formation_rate(0.025, "paper") == pytest.approx(0.1, rel=1e-15)
    assert ng.positronium_formation_rate(0.025, "physical") == pytest.approx(0.05, rel=1e-15)
    # physical counting closes the loop: Ps rate x 511 photons per Ps = the 511 intensity
    assert ng.positronium_formation_rate(0.025, "physical") * y.photons_511 == pytest.approx(0.025)
    # Eq. (6) = Ps rate x chi x (Eq. 4)/(Eq. 5)
    k, mu, chi = 3.0, 20.0, 0.1
    assert ng.continuum_intensity(k, mu, chi) == pytest.approx(
        0.1 * chi * ng.photon_rate_spectrum(k, mu) / ng.annihilation_rate_approx(mu), rel=1e-12)


def test_electrosphere_profile_and_survival():
    es = ng.Electrosphere(60.0, v_e=0.3)
    assert es.mu_of_z(0.0) == pytest.approx(60.0, rel=1e-14)
    assert es.electron_survival(es.z_max) == pytest.approx(1.0, rel=1e-14)
    z = np.linspace(0, es.z_max, 50)
    surv = es.electron_survival(z)
    assert np.all(np.diff(surv) > 0) and surv[0] < 1
    # (A.3) solves the corrected (A.2) (E4): dN/dz = +N (dI/dt)/v_e for z measured upward
    zz, h = 3.0 * es.z0, 1e-6 * es.z0
    deriv = (es.electron_survival(zz + h) - es.electron_survival(zz - h)) / (2 * h)
    assert deriv == pytest.approx(es.electron_survival(zz) * es.annihilation_rate_z(zz) / es.v_e, rel=1e-6)
    # (dI/dt)(z) is Eq. (5) at mu(z) with ln(mu0/m), as used in (A.3)
    mu = es.mu_of_z(zz)
    assert es.annihilation_rate_z(zz) == pytest.approx(
        ng.annihilation_rate_approx(mu) * math.log(60.0 / M) / math.log(mu / M), rel=1e-12)
    # surface exponent 0.1167/v_e (digest App. A)
    assert -math.log(es.electron_survival(0.0)) == pytest.approx(0.1167 / 0.3, rel=1e-3)
    assert es.positron_density(0.0) == pytest.approx(60.0**3 / (3 * math.pi**2))


@pytest.mark.parametrize("weighting", ["literal", "annihilations"])
def test_height_average_equals_adaptive_z_quadrature(weighting):
    es = ng.Electrosphere(60.0, v_e=0.2, weighting=weighting)

    def integrand(z, k):
        mu = es.mu_of_z(z)
        w = es.electron_survival(z)
        if weighting == "annihilations":
            w *= es.annihilation_rate_z(z) / es.v_e
        return w * ng.continuum_intensity(k, mu, 0.2)

    for k in (0.4, 2.0, 10.0, 45.0):
        z_top = min(es.z_max, ng.THOMAS_FERMI_S / ng.threshold_energy(k) - es.z0)
        ref, _ = integrate.quad(integrand, 0, z_top, args=(k,), epsabs=0, epsrel=1e-11, limit=200)
        got = ng.height_averaged_intensity(k, es, 0.2, normalisation="raw")
        assert got == pytest.approx(ref, rel=1e-8)


@pytest.mark.parametrize("rate", ["paper", "exact"])
def test_single_mu_integral_normalisation_e5(rate):
    es = ng.Electrosphere(60.0, v_e=0.3)
    lo, hi = ng.k_limits(60.0)
    pts = [lo * 1.001, lo * 1.01, lo * 1.1, 1.0, es.mu_min, 5.0, 20.0]
    single, _ = integrate.quad(lambda k: ng.continuum_intensity(k, 60.0, 0.2, rate=rate), lo, hi,
                               epsabs=0, epsrel=1e-9, limit=500, points=pts)
    avg, _ = integrate.quad(lambda k: ng.height_averaged_intensity(k, es, 0.2, rate=rate), lo, hi,
                            epsabs=0, epsrel=1e-9, limit=500, points=pts)
    assert avg == pytest.approx(single, rel=1e-5)
    assert ng.height_averaged_intensity(hi * 1.0001, es, 0.2) == 0.0


def _binned_chi2(x, edges, probs):
    counts, _ = np.histogram(x, edges)
    expected = len(x) * probs
    return float(np.sum((counts - expected) ** 2 / expected))


def test_sampler_single_mu_matches_eq4():
    rng = np.random.default_rng(20261202)
    mu = 20.0
    x = ng.sample_photon_energies(rng, 100_000, mu)
    lo, hi = ng.k_limits(mu)
    assert x.min() >= 1.0 and x.max() <= hi
    edges = np.geomspace(1.0, hi, 31)
    probs = np.array([integrate.quad(lambda k: ng.photon_rate_spectrum(k, mu), a, b, epsrel=1e-10)[0]
                      for a, b in zip(edges[:-1], edges[1:])])
    probs /= probs.sum()
    assert stats.chi2.sf(_binned_chi2(x, edges, probs), len(probs) - 1) > 1e-3
    # KS against the CDF from adaptive quadrature of Eq. (4) on 300 nodes (PCHIP between them)
    nodes = np.geomspace(1.0, hi, 301)
    cum = np.concatenate(([0.0], np.cumsum([integrate.quad(lambda k: ng.photon_rate_spectrum(k, mu), a, b,
                                                           epsrel=1e-10)[0]
                                            for a, b in zip(nodes[:-1], nodes[1:])])))
    cdf = interpolate.PchipInterpolator(nodes, cum / cum[-1])
    assert stats.kstest(x[:20_000], cdf).pvalue > 1e-3


def test_sampler_electrosphere_and_callable():
    rng = np.random.default_rng(7)
    es = ng.Electrosphere(60.0, v_e=0.3)
    x = ng.sample_photon_energies(rng, 50_000, es, kmin=1.0, kmax=30.0)
    assert x.min() >= 1.0 and x.max() <= 30.0
    edges = np.geomspace(1.0, 30.0, 16)
    probs = np.array([integrate.quad(lambda k: ng.height_averaged_intensity(k, es, 1.0), a, b, epsrel=1e-9)[0]
                      for a, b in zip(edges[:-1], edges[1:])])
    probs /= probs.sum()
    assert stats.chi2.sf(_binned_chi2(x, edges, probs), len(probs) - 1) > 1e-3
    # a callable density: uniform on [2, 4] has mean 3 and the uniform's variance 1/3
    y = ng.sample_photon_energies(np.random.default_rng(3), 40_000, lambda k: np.ones_like(k), kmin=2.0, kmax=4.0)
    assert abs(y.mean() - 3.0) < 5 * math.sqrt(1 / 3 / len(y))
    assert stats.kstest(y, stats.uniform(2.0, 2.0).cdf).pvalue > 1e-3
    # reproducible with a fixed seed
    a = ng.sample_photon_energies(np.random.default_rng(5), 10, 20.0)
    b = ng.sample_photon_energies(np.random.default_rng(5), 10, 20.0)
    np.testing.assert_array_equal(a, b)


def test_nugget_flux_at_earth_e3():
    # digest §5: B = 1e25, rho = 0.3 GeV/cm^3, v = 250 km/s -> ~8e-19 cm^-2 s^-1 ~ 0.25 km^-2 yr^-1
    f = ng.nugget_flux_at_earth(1e25)
    assert f == pytest.approx(0.3 / (1e25 * 0.93827) * 2.5e7, rel=1e-4)
    assert f * 1e10 * 3.156e7 == pytest.approx(0.25, rel=0.03)
    assert ng.nugget_flux_at_earth(1e26) == pytest.approx(f / 10)


@pytest.mark.parametrize("call", [
    lambda: ng.photon_rate_spectrum(5.0, M),            # mu <= m_e
    lambda: ng.photon_rate_spectrum(5.0, 0.3),
    lambda: ng.photon_rate_spectrum(0.0, 20.0),          # k <= 0
    lambda: ng.photon_rate_spectrum(-1.0, 20.0),
    lambda: ng.photon_rate_spectrum(np.nan, 20.0),
    lambda: ng.continuum_intensity(5.0, 20.0, -0.1),     # chi < 0
    lambda: ng.continuum_intensity(5.0, 20.0, 0.1, ps_photon_counting="both"),
    lambda: ng.continuum_intensity(5.0, 20.0, 0.1, rate="approx"),
    lambda: ng.annihilation_rate_exact(0.5),
    lambda: ng.dsigma_dk(1.0, M),
    lambda: ng.dirac_cross_section(0.2),
    lambda: ng.k_limits(0.1),
    lambda: ng.threshold_energy(0.0),
    lambda: ng.Electrosphere(0.4),
    lambda: ng.Electrosphere(60.0, v_e=0.0),
    lambda: ng.Electrosphere(60.0, v_e=1.5),
    lambda: ng.Electrosphere(60.0, zmax_over_z0=200.0),  # mu(z_max) below m_e
    lambda: ng.Electrosphere(60.0, weighting="nope"),
    lambda: ng.Electrosphere(60.0).electron_survival(1e3),
    lambda: ng.height_averaged_intensity(5.0, ng.Electrosphere(60.0), -1.0),
    lambda: ng.height_averaged_intensity(5.0, ng.Electrosphere(60.0), 0.2, normalisation="fit"),
    lambda: ng.height_averaged_intensity(5.0, 60.0, 0.2),
    lambda: ng.positronium_yields(0.0),
    lambda: ng.sample_photon_energies(np.random.default_rng(0), 10, lambda k: k),   # callable needs kmax
    lambda: ng.sample_photon_energies(np.random.default_rng(0), 10, 20.0, kmin=25.0),  # empty range
    lambda: ng.nugget_flux_at_earth(-1.0),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()

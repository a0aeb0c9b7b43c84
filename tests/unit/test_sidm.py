"""mcdm.physics.sidm: inputs, the partial-wave cross-section algebra, averages and the mixture."""
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import eval_legendre

from mcdm.constants import C_KM_S
from mcdm.errors import ConfigError
from mcdm.physics import sidm
from mcdm.physics.sidm import YukawaPotential

POT = YukawaPotential(0.01, 100.0, 0.03)


def test_potential_validates_and_derives_a_b():
    assert POT.b == pytest.approx(0.01 * 100 / 0.03)
    assert POT.a(300.0) == pytest.approx(300.0 / C_KM_S / 0.02)
    assert sidm.dimensionless_a(300.0, 0.01) == POT.a(300.0)
    assert POT.k_gev(300.0) == pytest.approx(50.0 * 300.0 / C_KM_S)
    for bad in (dict(alpha_chi=-0.1), dict(alpha_chi=float("nan")), dict(m_chi_gev=0.0), dict(m_s_gev=-1.0)):
        kw = dict(alpha_chi=0.01, m_chi_gev=100.0, m_s_gev=0.03) | bad
        with pytest.raises(ConfigError):
            YukawaPotential(**kw)
    with pytest.raises(ConfigError):
        sidm.transfer_cross_section(POT, 0.0)
    with pytest.raises(ConfigError):
        sidm.transfer_cross_section(POT, 100.0, method="eikonal")
    with pytest.raises(ConfigError):
        sidm.transfer_cross_section(POT, 100.0, pair="triplet")
    with pytest.raises(ConfigError):  # the TYZ fits are for distinguishable pairs only
        sidm.transfer_cross_section(POT, 100.0, pair="identical", method="born")


def _quadrature_sigmas(delta, k):
    """Angular integrals of |f|^2 and of |f_e|^2 + 3|f_o|^2 by scipy quad (independent of the module)."""
    l = np.arange(delta.size)
    amp = (2 * l + 1) * np.exp(1j * delta) * np.sin(delta) / k

    def f(x, mask=None):
        a = amp if mask is None else amp * mask
        return np.sum(a * eval_legendre(l, x))
    even = (l % 2 == 0)

    def integ(w, ident):
        if ident:
            g = lambda x: w(x) * (abs(f(x, even)) ** 2 + 3 * abs(f(x, ~even)) ** 2)  # noqa: E731
        else:
            g = lambda x: w(x) * abs(f(x)) ** 2  # noqa: E731
        return 2 * np.pi * quad(g, -1, 1, limit=400, epsabs=0, epsrel=1e-11)[0]
    return {"dt": integ(lambda x: 1 - x, False), "dv": integ(lambda x: 1 - x * x, False),
            "it": integ(lambda x: 1 - abs(x), True), "iv": integ(lambda x: 1 - x * x, True),
            "itot": integ(lambda x: 1.0, True)}


def test_partial_wave_sums_equal_angular_quadrature():
    rng = np.random.default_rng(3)
    delta = rng.uniform(0, np.pi, size=(1, 9))
    ref = _quadrature_sigmas(delta[0], 1.0)
    t, v = sidm._distinguishable_sums(delta)
    assert 4 * np.pi * t[0] == pytest.approx(ref["dt"], rel=1e-9)  # Eq. (105)
    assert 4 * np.pi * v[0] == pytest.approx(ref["dv"], rel=1e-9)
    ti, vi = sidm._identical_sums(delta)
    assert 4 * np.pi * ti[0] == pytest.approx(ref["it"], rel=1e-9)  # Eqs. (103), (106)
    assert 4 * np.pi * vi[0] == pytest.approx(ref["iv"], rel=1e-9)
    # (1 - cos) weight on the symmetric identical cross section is the total cross section
    l = np.arange(9)
    tot = 4 * np.pi * np.sum(np.where(l % 2 == 0, 1, 3) * (2 * l + 1) * np.sin(delta[0]) ** 2)
    assert tot == pytest.approx(ref["itot"], rel=1e-9)


def test_identical_s_wave_only():
    # only delta_0: dsigma/dOmega = sin^2 d0/k^2, int (1-|cos|) dOmega = 2 pi
    delta = np.array([[0.7, 0.0, 0.0]])
    ti, _ = sidm._identical_sums(delta)
    assert 4 * np.pi * ti[0] == pytest.approx(2 * np.pi * math.sin(0.7) ** 2, rel=1e-12)


def test_identical_half_flag_halves():
    full = sidm.partial_wave_cross_sections(POT, [100.0, 300.0], pair="identical")
    half = sidm.partial_wave_cross_sections(POT, [100.0, 300.0], pair="identical", identical_half=True)
    np.testing.assert_allclose(half["sigma_t"], 0.5 * full["sigma_t"], rtol=1e-14)
    np.testing.assert_allclose(half["sigma_v"], 0.5 * full["sigma_v"], rtol=1e-14)


def test_l_max_convergence_and_shape():
    v = np.array([[30.0, 300.0], [1000.0, 2000.0]])
    s = sidm.transfer_cross_section(POT, v)
    assert s.shape == (2, 2) and np.all(s > 0)
    tight = sidm.transfer_cross_section(POT, v, l_tol=1e-8)
    np.testing.assert_allclose(s, tight, rtol=1e-4)
    ps = sidm.phase_shifts(POT, v.ravel())
    assert np.all(ps.l_max >= POT.a(v.ravel()) * 1.0)  # at least k x (range ~ 1/m_s) in units of x
    assert isinstance(sidm.transfer_cross_section(POT, 300.0), float)


def test_per_mass_units():
    s = sidm.transfer_cross_section(POT, 300.0)
    som = sidm.transfer_cross_section_per_mass(POT, 300.0)
    assert som == pytest.approx(s / (100.0 * 1.78266192e-24), rel=1e-6)


def test_auto_method_regimes():
    assert list(sidm.auto_method(YukawaPotential(1e-6, 10.0, 0.03), [100.0])) == ["born"]
    big = YukawaPotential(0.05, 200.0, 0.001)
    assert list(sidm.auto_method(big, [10.0, 3000.0])) == ["partial_wave", "classical"]
    v = [10.0, 3000.0]
    np.testing.assert_allclose(sidm.transfer_cross_section(big, v, method="auto")[1],
                               sidm.classical_transfer_cross_section(big, v)[1])


def test_mixture_v21_and_range():
    s11, s12, s22 = 1.0, 2.0, 5.0
    assert sidm.mixture_transfer_cross_section(0.0, s11, s12, s22) == s11
    assert sidm.mixture_transfer_cross_section(1.0, s11, s12, s22) == s22
    assert sidm.mixture_transfer_cross_section(0.5, s11, s12, s22) == (s11 + 2 * s12 + s22) / 4
    with pytest.raises(ConfigError):
        sidm.mixture_transfer_cross_section(1.5, s11, s12, s22)


def test_maxwell_average_moments():
    v0 = 220.0
    assert sidm.maxwell_average(lambda v: np.ones_like(v), v0, weight_v=False) == pytest.approx(1, rel=1e-7)
    assert sidm.maxwell_average(lambda v: np.ones_like(v), v0) == pytest.approx(2 * v0 / math.sqrt(math.pi),
                                                                                rel=1e-7)
    # <v^2> = (3/2) v0^2 for this pdf; a Born sigma(v) against scipy quad of the pdf
    assert sidm.maxwell_average(lambda v: v, v0) == pytest.approx(1.5 * v0 ** 2, rel=1e-6)
    pot = YukawaPotential(1e-5, 10.0, 0.03)
    got = sidm.maxwell_average(lambda v: sidm.born_transfer_cross_section(pot, v), v0)
    ref = quad(lambda v: sidm.relative_speed_pdf(v, v0) * sidm.born_transfer_cross_section(pot, v) * v,
               1e-6, 20 * v0, limit=200, epsrel=1e-10)[0]
    assert got == pytest.approx(ref, rel=1e-6)
    assert quad(lambda v: sidm.relative_speed_pdf(v, v0), 0, np.inf)[0] == pytest.approx(1.0, rel=1e-10)


def test_velocity_averaged_transfer_structure():
    out = sidm.system_velocity_averages(POT, systems={"dwarfs": 30.0, "clusters": 1190.0})
    assert set(out) == {"dwarfs", "clusters"}
    d = out["dwarfs"]
    assert d["mean_v"] == pytest.approx(2 * 30 / math.sqrt(math.pi))
    assert d["sigma_over_m"] == pytest.approx(d["sigma_v_over_m"] / d["mean_v"])
    assert out["clusters"]["sigma_over_m"] < d["sigma_over_m"]  # V20 trend: clusters weaker than dwarfs


def test_sommerfeld_hulthen_tends_to_one_and_exceeds_it():
    pot = YukawaPotential(0.01, 100.0, 0.03)
    v = np.array([10.0, 100.0, 1000.0, 0.5 * C_KM_S])
    s = sidm.sommerfeld_s_hulthen(pot, v)
    assert np.all(s >= 1.0)
    assert s[-1] == pytest.approx(1.0 + math.pi * 0.01 / 0.5, rel=2e-3)  # S -> 1 + pi alpha/v for v >> alpha
    assert np.all(np.isfinite(sidm.sommerfeld_p_hulthen(pot, v)))


def test_hulthen_phase_is_a_phase():
    d = sidm.hulthen_s_wave_phase(POT, [10.0, 100.0])
    assert np.all((d >= 0) & (d < np.pi))

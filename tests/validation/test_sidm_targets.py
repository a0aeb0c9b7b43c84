"""Seed 003 self-interaction targets (digest 003 §15 item 3-4, §17 V12, V15-V21) and regime limits.

V17-V19 are the digest's corrected variable-phase numbers (two independent solvers, <= 3e-4);
the limits compare the partial waves with TYZ's analytic regimes where those hold.
"""
import math

import numpy as np
import pytest

from mcdm.physics import sidm
from mcdm.physics.sidm import YukawaPotential


def test_v17_born_check():
    pot = YukawaPotential(1e-4, 10.0, 0.030)
    pw = sidm.transfer_cross_section_per_mass(pot, 1000.0)
    born = sidm.transfer_cross_section_per_mass(pot, 1000.0, method="born")
    assert pw == pytest.approx(1.1429e-4, rel=5e-3)
    assert born == pytest.approx(1.1174e-4, rel=1e-3)  # the digest's Born number
    assert born == pytest.approx(pw, rel=0.03)
    assert sidm.viscosity_cross_section_per_mass(pot, 1000.0) == pytest.approx(9.670e-5, rel=5e-3)


@pytest.mark.parametrize("m_s, v, sig_t, sig_v, born", [(0.030, 300.0, 8.7129e-2, 5.784e-2, 0.864),
                                                        (0.015, 30.0, 4.2423, 1.7567, 329.0)])
def test_v18_v19_partial_wave_regression(m_s, v, sig_t, sig_v, born):
    pot = YukawaPotential(0.01, 100.0, m_s)
    assert sidm.transfer_cross_section_per_mass(pot, v) == pytest.approx(sig_t, rel=5e-3)
    assert sidm.viscosity_cross_section_per_mass(pot, v) == pytest.approx(sig_v, rel=5e-3)
    assert sidm.transfer_cross_section_per_mass(pot, v, method="born") == pytest.approx(born, rel=2e-3)


def test_partial_waves_tend_to_born_at_small_coupling():
    pot = YukawaPotential(1e-6, 10.0, 0.030)  # b = 3.3e-4
    v = np.array([30.0, 300.0, 1000.0, 3000.0])
    np.testing.assert_allclose(sidm.transfer_cross_section(pot, v), sidm.born_transfer_cross_section(pot, v),
                               rtol=2e-3)


def test_partial_waves_tend_to_classical():
    # m v/m_s = 22-89 >> 1, b = 67: TYZ's classical fit, accurate to ~10-20 % (interference wiggles)
    pot = YukawaPotential(0.01, 100.0, 0.015)
    v = np.array([1000.0, 2000.0, 4000.0])
    ratio = sidm.transfer_cross_section(pot, v) / sidm.classical_transfer_cross_section(pot, v)
    assert np.all(np.abs(ratio - 1) < 0.2), ratio


def test_hulthen_away_from_resonance():
    # b = 67, alpha m/(kappa m_s) = 41.7 is not a square (n = 6.45): off resonance; m v/m_s <= 0.45
    pot = YukawaPotential(0.01, 100.0, 0.015)
    v = np.geomspace(3.0, 20.0, 8)
    ratio = sidm.transfer_cross_section(pot, v) / sidm.hulthen_transfer_cross_section(pot, v)
    assert np.all((ratio > 1 / 1.5) & (ratio < 1.5)), ratio


def test_v12_coulomb_limit_of_hulthen_sommerfeld():
    v = np.array([3.0, 30.0, 300.0, 3000.0])
    for alpha in (0.01, 0.1):
        pot = YukawaPotential(alpha, 100.0, 1e-12)  # m_s -> 0
        np.testing.assert_allclose(sidm.sommerfeld_s_hulthen(pot, v), sidm.sommerfeld_s_coulomb(alpha, v),
                                   rtol=1e-3)
        np.testing.assert_allclose(sidm.sommerfeld_p_hulthen(pot, v), sidm.sommerfeld_p_coulomb(alpha, v),
                                   rtol=1e-3)
    # the Coulomb forms themselves: S_s = eps/(1 - e^-eps), eps = 2 pi alpha/v
    eps = 2 * math.pi * 0.01 / (30.0 / 299792.458)
    assert sidm.sommerfeld_s_coulomb(0.01, 30.0) == pytest.approx(eps / (1 - math.exp(-eps)), rel=1e-12)


def test_v15_v16_system_speeds():
    assert sidm.SYSTEM_V0_KM_S == {"dwarfs": 30.0, "MW": 220.0, "groups": 700.0, "clusters": 1190.0}
    ref = {"MW": 248.24, "dwarfs": 33.851, "groups": 789.87, "clusters": 1342.77}
    for name, mean in ref.items():
        assert sidm.mean_relative_speed(sidm.SYSTEM_V0_KM_S[name]) == pytest.approx(mean, rel=1e-4)


def test_v21_mixture():
    s11, s12, s22 = 0.3, 1.7, 0.9
    assert sidm.mixture_transfer_cross_section(0.0, s11, s12, s22) == s11
    assert sidm.mixture_transfer_cross_section(0.5, s11, s12, s22) == pytest.approx((s11 + 2 * s12 + s22) / 4,
                                                                                    rel=1e-15)

"""mcdm.forest.microphysics: the two-level DM of seed 002 (digest 002 §2.1, §4.1-4.2)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from mcdm.errors import ConfigError
from mcdm.forest.microphysics import (A_HI_VALUES, TwoLevelDM, absorption_factor,
                                      radiative_coupling_from_epsilon)


def test_fiducial_levels():
    """nu* = 156.2 GHz: E* = 6.4599e-4 eV, T* = 7.4964 K (digest §1.3, §12)."""
    dm = TwoLevelDM()
    assert dm.E_star * 1e9 == pytest.approx(6.4599e-4, rel=1e-4)
    assert dm.T_star == pytest.approx(7.4964, abs=1e-4)
    assert dm.A10 == A_HI_VALUES["standard"]
    assert dm.with_coupling(3.0).A10 == 3.0 * A_HI_VALUES["standard"]


def test_populations_and_absorption_factor():
    """f0 + f1 = 1, f1/f0 = 3 e^{-T*/T}; F = f0 (1 - e^{-T*/T}) with limits 1 (T -> 0) and
    T*/(4T) (T >> T*); digest §12 values 0.904 (2.05 K), 0.786 (2.7255 K), 0.374 (6.15 K)."""
    dm = TwoLevelDM()
    t = np.array([0.5, 2.0, 7.5, 30.0, 1e4])
    f0, f1 = dm.populations(t)
    np.testing.assert_allclose(f0 + f1, 1.0, rtol=1e-15)
    np.testing.assert_allclose(f1 / f0, 3 * np.exp(-dm.T_star / t), rtol=1e-14)
    np.testing.assert_allclose(dm.absorption_factor(t), f0 * -np.expm1(-dm.T_star / t), rtol=1e-14)
    assert dm.absorption_factor(0.0) == 1.0
    assert dm.absorption_factor(1e6) == pytest.approx(dm.T_star / 4e6, rel=1e-4)
    np.testing.assert_allclose(dm.absorption_factor([2.049, 2.7255, 6.147]), [0.904, 0.786, 0.374],
                               atol=1e-3)
    assert absorption_factor(dm.T_star, 3.0) == dm.absorption_factor(3.0)


def test_einstein_relations_and_cross_section_integral():
    """A10 = (2 h nu^3/c^2) B10, B01 = 3 B10; the cross section integrates to S F over nu and
    S = 3 c^2 A10/(8 pi nu*^2) (Eq. 6, 15, 17)."""
    dm = TwoLevelDM(radiative_coupling=2.5)
    h, c = 6.62607015e-27, 2.99792458e10
    assert dm.B10 * 2 * h * dm.nu_star**3 / c**2 == pytest.approx(dm.A10, rel=1e-12)
    assert dm.B01 == 3 * dm.B10
    assert dm.line_strength == pytest.approx(3 * c**2 * dm.A10 / (8 * math.pi * dm.nu_star**2), rel=1e-12)
    b = 5.0
    width = float(dm.doppler_width(b))
    assert width == pytest.approx(dm.nu_star * b / 299792.458)
    val, _ = quad(lambda nu: dm.cross_section(nu, 3.0, b), dm.nu_star - 10 * width,
                  dm.nu_star + 10 * width, points=[dm.nu_star])
    assert val == pytest.approx(dm.line_strength * dm.absorption_factor(3.0), rel=1e-9)


def test_frequency_mapping():
    """nu_obs = nu*/(1+z) and its inverse; from_splitting(E*) gives nu* = E*/h."""
    dm = TwoLevelDM()
    assert dm.observed_frequency(7.0) == dm.nu_star / 8
    assert dm.absorber_redshift(dm.nu_star / 8) == pytest.approx(7.0)
    assert TwoLevelDM.from_splitting(dm.E_star).nu_star == pytest.approx(dm.nu_star, rel=1e-14)


def test_radiative_coupling_from_epsilon():
    """Eq. (59) as reconstructed: calA = 1 at eps ~ 1.7e-3 for 1 MeV and 156.2 GHz (digest §2.2)."""
    eps = math.sqrt(1.0 / radiative_coupling_from_epsilon(1.0, 1e-3, 156.2e9))
    assert eps == pytest.approx(1.7e-3, rel=0.03)
    assert radiative_coupling_from_epsilon(2.0, 1e-3, 156.2e9) == pytest.approx(
        4 * radiative_coupling_from_epsilon(1.0, 1e-3, 156.2e9))


def test_input_errors():
    with pytest.raises(ConfigError, match="m_chi"):
        TwoLevelDM(m_chi=-1.0)
    with pytest.raises(ConfigError, match="radiative_coupling"):
        TwoLevelDM(radiative_coupling=float("nan"))
    with pytest.raises(ConfigError, match="<< m_chi"):
        TwoLevelDM(m_chi=1e-12, nu_star=1e15)
    with pytest.raises(ConfigError, match="unknown DM case"):
        TwoLevelDM.excitation_temperature("hot", 2.7, 3.0)
    assert TwoLevelDM.excitation_temperature("collisional", 2.7, 3.0) == 3.0

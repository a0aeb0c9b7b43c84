"""Tests of mcdm.physics.interaction: spin-independent and macroscopic-drag tables.

References: the coherent scaling sigma_p (mu_N/mu_p)^2 A^2 (Lewin & Smith 1996, Eq. 3.5) written
out by hand; <sigma DeltaE/E> by scipy quad over the centre-of-mass angle with a Helm form factor
built here from scipy.special.spherical_jn and Lewin & Smith's parameters (c = 1.23 A^{1/3} -
0.60 fm, a = 0.52 fm, s = 0.9 fm); seed 000 Eqs. (106), (110)-(111) (digest 000 §3.2, targets 24
and 25) for the drag model.
"""
from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import spherical_jn

from mcdm.constants import AMU_GEV, C_KM_S, GEV_PER_GRAM, HBARC_GEV_CM, M_PROTON_GEV
from mcdm.errors import ConfigError, DataLibraryError
from mcdm.geometry import load_nuclides
from mcdm.physics.interaction import (
    ANGULAR_ISOTROPIC_CM,
    ANGULAR_NONE,
    Interaction,
    InteractionTables,
    MacroscopicDrag,
    SpinIndependent,
    default_v_grid,
)

HBARC_GEV_FM = HBARC_GEV_CM * 1e13
NUCLIDES = ("O16", "Si28", "Fe56")


def _mass(name):
    return load_nuclides().nuclide(name).mass_gev


def _mu(a, b):
    return a * b / (a + b)


def _helm(q, A):
    c = 1.23 * A ** (1 / 3) - 0.60
    a, s = 0.52, 0.9
    rn = math.sqrt(c * c + 7 / 3 * math.pi**2 * a * a - 5 * s * s)
    x = q * rn / HBARC_GEV_FM
    f = 1.0 if x < 1e-8 else 3 * spherical_jn(1, x) / x
    return f * math.exp(-0.5 * (q * s / HBARC_GEV_FM) ** 2)


def test_default_grid():
    v = default_v_grid()
    assert v[0] == pytest.approx(1e-3) and v[-1] == pytest.approx(2000.0)
    assert np.allclose(np.diff(np.log10(v)), 1 / 40, rtol=1e-3)


def test_si_without_form_factor_is_the_coherent_formula():
    """sigma_i = sigma_p (mu_i/mu_p)^2 A^2 and stopping_i = sigma_i 2 mu_i^2/(m_chi m_i)."""
    m_chi, sp = 1e5, 1e-32
    t = SpinIndependent(m_chi, sp, form_factor="none").tables(NUCLIDES)
    for i, (name, A) in enumerate(zip(NUCLIDES, (16, 28, 56))):
        m = _mass(name)
        s0 = sp * (_mu(m_chi, m) / _mu(m_chi, M_PROTON_GEV)) ** 2 * A**2
        assert np.allclose(t.sigma[i], s0, rtol=1e-13)
        assert np.allclose(t.stopping[i], s0 * 2 * _mu(m_chi, m) ** 2 / (m_chi * m), rtol=1e-13)
        assert t.target_mass[i] == pytest.approx(m, rel=1e-15)
    assert t.angular == ANGULAR_ISOTROPIC_CM and t.dm_mass == m_chi
    assert np.all(t.helm == 0.0)


@pytest.mark.parametrize("m_chi", [10.0, 1e5])
def test_si_helm_against_independent_quadrature(m_chi):
    """sigma(v) = (sigma_0/2) int F^2 dcos and stopping(v) = (sigma_0/2) int F^2 DeltaE/E dcos
    with DeltaE/E = 2 mu^2 (1 - cos)/(m_chi m_N), by scipy quad (rel 1e-8)."""
    sp = 1e-35
    v = np.array([1e-3, 30.0, 250.0, 600.0, 1500.0])
    t = SpinIndependent(m_chi, sp).tables(NUCLIDES, v)
    for i, (name, A) in enumerate(zip(NUCLIDES, (16, 28, 56))):
        m = _mass(name)
        mu = _mu(m_chi, m)
        s0 = sp * (mu / _mu(m_chi, M_PROTON_GEV)) ** 2 * A**2
        for j, vj in enumerate(v):
            q2max = 4 * mu**2 * (vj / C_KM_S) ** 2

            def f2(ct):
                return _helm(math.sqrt(0.5 * q2max * (1 - ct)), A) ** 2
            sig = 0.5 * s0 * quad(f2, -1, 1, epsabs=0, epsrel=1e-12, limit=200)[0]
            loss = 0.5 * s0 * quad(lambda ct: f2(ct) * 2 * mu**2 * (1 - ct) / (m_chi * m), -1, 1,
                                   epsabs=0, epsrel=1e-12, limit=200)[0]
            assert t.sigma[i, j] == pytest.approx(sig, rel=1e-8)
            assert t.stopping[i, j] == pytest.approx(loss, rel=1e-8)
        assert t.helm[i, 0] == A
        assert t.helm[i, 1] == pytest.approx(1.23 * A ** (1 / 3) - 0.60, rel=1e-12)


def test_si_form_factor_suppresses_heavy_targets_at_high_speed():
    model = SpinIndependent(1e5, 1e-32)
    t = model.tables(["Fe56"])
    assert t.sigma[0, 0] == pytest.approx(model.sigma_zero(56, _mass("Fe56")), rel=1e-12)
    ratio = t.stopping[0] / t.stopping[0, 0]
    assert ratio[0] == 1.0 and np.all(ratio <= 1.0 + 1e-12)
    assert ratio[-1] < 0.05  # |F|^2 at q ~ 0.6 GeV for iron


def test_si_zero_cross_section():
    t = SpinIndependent(100.0, 0.0).tables(NUCLIDES)
    assert np.all(t.sigma == 0.0) and np.all(t.stopping == 0.0)


def test_si_validation():
    with pytest.raises(ConfigError):
        SpinIndependent(-1.0, 1e-30)
    with pytest.raises(ConfigError):
        SpinIndependent(10.0, -1e-30)
    with pytest.raises(ConfigError):
        SpinIndependent(10.0, 1e-30, form_factor="gaussian")
    with pytest.raises(ConfigError):
        SpinIndependent(10.0, 1e-30).tables(NUCLIDES, v_grid=[3.0, 2.0, 1.0])
    with pytest.raises(DataLibraryError):
        SpinIndependent(10.0, 1e-30).tables(["Xx12"])
    with pytest.raises(DataLibraryError):
        SpinIndependent(10.0, 1e-30).tables([])


def test_drag_tables():
    """stopping_i = c_d pi R^2 m_i/M, so sum_i n_i stopping_i = c_d rho pi R^2/M (Eq. 106)."""
    d = MacroscopicDrag(mass_gev=1e12, radius_cm=1e-7, drag_coefficient=1.0)
    t = d.tables(NUCLIDES, v_grid=np.array([1.0, 10.0, 100.0]))
    area = math.pi * 1e-14
    for i, name in enumerate(NUCLIDES):
        assert np.allclose(t.stopping[i], 1.0 * area * _mass(name) / 1e12, rtol=1e-14)
    assert np.allclose(t.sigma, area, rtol=1e-15)
    assert t.angular == ANGULAR_NONE and np.all(t.helm == 0.0) and t.dm_mass == 1e12


def test_drag_mass_units_and_validation():
    d = MacroscopicDrag(mass_kg=3e-15, radius_cm=1.2e-7)
    assert d.mass_gev == pytest.approx(3e-12 * GEV_PER_GRAM, rel=1e-15)
    assert MacroscopicDrag(mass_gev=d.mass_gev, radius_cm=1.2e-7).mass_kg == pytest.approx(3e-15)
    assert d.drag_coefficient == 2.0 and d.dm_mass_gev == d.mass_gev
    with pytest.raises(ConfigError):
        MacroscopicDrag(radius_cm=1.0)
    with pytest.raises(ConfigError):
        MacroscopicDrag(mass_kg=1.0, mass_gev=1.0, radius_cm=1.0)
    with pytest.raises(ConfigError):
        MacroscopicDrag(mass_kg=1.0, radius_cm=0.0)
    with pytest.raises(TypeError):
        MacroscopicDrag(1.0, 1.0)  # keyword-only: no silent mix-up of mass and radius


@pytest.mark.validation
@pytest.mark.parametrize("mass_kg, radius_m, area_per_mass, length_m",
                         [(3e-15, 1.2e-9, 1.5e-3, 0.22), (6.5e-14, 3.1e-9, 4.6e-4, 0.72)])
def test_drag_stopping_length_of_seed_000(mass_kg, radius_m, area_per_mass, length_m):
    """Seed 000 Eqs. (110)-(112) (digest 000 targets 24, 25): pi R^2/M and the stopping length
    M/(rho pi R^2) in stone of 3000 kg/m^3, for c_d/2 = 1 (+-5 %: the paper rounds)."""
    d = MacroscopicDrag(mass_kg=mass_kg, radius_cm=radius_m * 100)
    assert d.area_cm2 * 1e-4 / mass_kg == pytest.approx(area_per_mass, rel=0.05)
    column_kg_m2 = d.e_folding_column_g_cm2 * 10.0
    assert column_kg_m2 / 3000.0 == pytest.approx(length_m, rel=0.05)


def test_tables_are_picklable_plain_arrays():
    for model in (SpinIndependent(1e3, 1e-33), MacroscopicDrag(mass_kg=1.0, radius_cm=1.0)):
        assert isinstance(model, Interaction)
        t = model.tables(NUCLIDES)
        assert isinstance(t, InteractionTables)
        back = pickle.loads(pickle.dumps(t))
        for a, b in zip(t, back):
            assert np.array_equal(a, b)
        assert t.sigma.shape == t.stopping.shape == (3, t.v_grid.size)
        assert t.helm.shape == (3, 4) and t.target_mass.shape == (3,)
    assert AMU_GEV * 16 == pytest.approx(_mass("O16"), rel=1e-3)

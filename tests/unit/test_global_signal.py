"""Dark-atom global signal (seed 002 part 2): thermal history, free-free table, excitation ODE, delta T_b."""
import math

import astropy.constants as const
import numpy as np
import pytest

from mcdm.errors import ConfigError
from mcdm.forest.constraints import (MilkyWayHalo, binding_energy_lower_bound, cooling_bound,
                                     dm_recombination_redshift, mw_dipole, mw_dipole_healpy, mw_virial_temperature)
from mcdm.forest.global_signal import (GlobalSignalModel, GlobalSignalParams, default_model, dm_temperature,
                                       dtau_ff_dz, gaunt_draine, global_signal, signal_shape, z_dec_from_binding_energy)
from mcdm.forest.microphysics import TwoLevelDM
from mcdm.forest.thermal_history import thermal_history

H, K, C = const.h.cgs.value, const.k_B.cgs.value, const.c.cgs.value
NU = np.linspace(40.0, 200.0, 321)


@pytest.fixture(scope="module")
def model():
    return default_model()


def test_thermal_history_is_memoised_and_physical(model):
    th = thermal_history()
    assert th is thermal_history() and th is model.th
    # fully ionised H + singly and doubly ionised He at z = 1e5: x_e = 1 + 2 f_He
    assert th.xe(1e5) == pytest.approx(1 + 2 * th.f_He, rel=1e-3)
    assert th.charge2_density(1e5) == pytest.approx((1 + 4 * th.f_He) * th.n_H(1e5), rel=1e-3)  # n_p + 4 n_HeIII
    assert th.xe(10.0) < 1e-3  # reionization excluded by default
    assert th.Te(1e4) == pytest.approx(th.T_cmb(1e4), rel=1e-3)
    assert th.Y_p == pytest.approx(0.2457, abs=5e-4)
    with pytest.raises(ConfigError):
        th.xe(1e9)


def test_dm_temperature_and_binding_energy_map():
    T0 = 2.7255
    assert dm_temperature(1e5, 1e5, T0) == pytest.approx(T0 * (1 + 1e5))
    assert dm_temperature(999.0, 9999.0, T0) == pytest.approx(T0 * 1e6 / 1e4)
    # Eq. 34: E_B = 13.6 eV recombines with hydrogen
    assert z_dec_from_binding_energy(13.6) == pytest.approx(1100.0)
    assert dm_recombination_redshift(13.6 * 10) == pytest.approx(11009.0)


def test_kappa_is_continuous_at_z_sat_and_a_power_law_below(model):
    p = GlobalSignalParams()
    k = model.kappa_10(np.array([p.z_sat * (1 + 1e-9), p.z_sat, 999.0]), p)
    assert k[0] == pytest.approx(p.kappa_sat) and k[1] == pytest.approx(p.kappa_sat)
    assert k[2] / p.kappa_sat == pytest.approx((1000.0 / (1 + p.z_sat)) ** (2 * p.beta), rel=1e-12)


def test_params_validate_and_reuse_two_level_dm():
    p = GlobalSignalParams()
    assert p.dm == TwoLevelDM(m_chi=1e-3, nu_star=156.2e9, radiative_coupling=30.0)
    assert p.T_star == pytest.approx(TwoLevelDM().T_star)
    assert GlobalSignalParams.from_T_star(7.4964).nu_star == pytest.approx(156.2e9, rel=1e-4)
    for bad in ({"beta": -1.0}, {"a": float("nan")}, {"m_chi": -1.0}, {"z_sat": "x"}):
        with pytest.raises(ConfigError):
            GlobalSignalParams(**bad)


def test_gaunt_factor_draine():
    # ln(exp(5.96) + e) at nu_9 T_4^-3/2 = 1
    assert gaunt_draine(1e9, 1e4) == pytest.approx(math.log(math.exp(5.960) + math.e))
    assert gaunt_draine(1e8, 3e3) > gaunt_draine(1e9, 3e3) > 1.0


def test_free_free_normalisation_against_rybicki_lightman(model):
    """Eq. 29 (Chluba-Sunyaev form) against the classical free-free absorption coefficient
    alpha_ff = (4 e^6/(3 m h c)) (2 pi/(3 k m))^{1/2} T^{-1/2} Z^2 n_e n_i nu^-3 (1 - e^{-h nu/kT}) g_ff
    (Rybicki & Lightman Eq. 5.18; 3.7e8 in cgs), dtau/dz = alpha_ff c / (H (1+z))."""
    th = model.th
    e, m = const.e.esu.value, const.m_e.cgs.value
    pref = 4 * e**6 / (3 * m * H * C) * math.sqrt(2 * math.pi / (3 * K * m))
    assert pref == pytest.approx(3.7e8, rel=0.01)
    for nu0, z in ((78e6, 1500.0), (78e6, 2500.0), (3e9, 800.0), (1e11, 5e4)):
        nu = nu0 * (1 + z)
        T = float(th.Te(z))
        alpha = (pref * T**-0.5 * float(th.n_e(z)) * float(th.charge2_density(z)) * nu**-3
                 * -math.expm1(-H * nu / (K * T)) * float(gaunt_draine(nu, T)))
        ref = alpha * C / (float(th.hubble(z)) * (1 + z))
        assert float(dtau_ff_dz(nu0, z, th)) == pytest.approx(ref, rel=1e-3)


def test_free_free_table_matches_quadrature(model):
    th = model.th
    for nu0, z in ((78e6, 2000.0), (50e6, 1300.0), (200e6, 3000.0)):
        zz = np.geomspace(31.0, 1 + z, 40001) - 1  # independent fine trapezoid (not the table's grid)
        ref = np.trapezoid(dtau_ff_dz(nu0, zz, th), zz)
        assert float(model.ff(nu0, z)) == pytest.approx(ref, rel=5e-3)
    assert float(model.ff(78e6, 20.0)) == 0.0


def test_ode_fixed_points_and_limits(model):
    p = GlobalSignalParams()
    # no collisions: T_ex relaxes to T_CMB, lagging by the quasi-static H/(4 A (nbar + 1)) (Eq. 26 linearised;
    # the DM levels follow the cooling CMB with rate ~4 A nbar), a tiny emission
    q = p.replace(a=0.0)
    z = np.array([2500.0, 1000.0, 300.0])
    ex = model.excitation(z, q)
    Tc = model.th.T_cmb(z)
    nbar = 1 / np.expm1(p.T_star / Tc)
    lag = model.th.hubble(z) / (4 * p.dm.A10 * (nbar + 1))
    assert ex.T_ex / Tc - 1 == pytest.approx(lag, rel=0.02)
    sig = global_signal(NU, q)
    assert np.all(sig >= 0) and np.max(sig) < 2e-3
    # strong coupling at high z: T_ex equals the instantaneous equilibrium y = ln(3Q/P)
    z = np.array([8000.0, 6000.0])
    ex = model.excitation(z, p)
    P, Q, _, _, _ = model._rates(z, p, p.m_chi * 1.78266192e-24)
    assert p.T_star / ex.T_ex == pytest.approx(np.log(3 * Q / P), rel=2e-3)
    # the collisional fixed point T_ex -> T_chi when A -> 0 (calA tiny), radiative T_ex -> T_CMB when C -> 0
    # (with a = 1 collisions are ~1e3 times faster than H there; the residual lag is ~2 H/C_10)
    ex = model.excitation(z, p.replace(radiative_coupling=1e-9, a=1.0))
    assert ex.T_ex == pytest.approx(ex.T_chi, rel=5e-3)
    # nu0 >= nu* has no resonance
    assert np.all(global_signal([2e5, 3e5], p) == 0.0)


def test_implicit_methods_agree():
    p = GlobalSignalParams()
    ref = GlobalSignalModel(method="Radau", rtol=1e-9, atol=1e-15).signal(NU, p)
    for method in ("LSODA", "BDF"):
        assert np.max(np.abs(GlobalSignalModel(method=method).signal(NU, p) - ref)) < 2e-5
    with pytest.raises(ConfigError):
        GlobalSignalModel(method="RK45")


def test_sobolev_depth_in_the_high_temperature_limit(model):
    """tau_S -> 3 c^3 A n T*/(32 pi nu*^3 H T_ex) for T* << T_ex (the 21-cm form)."""
    p = GlobalSignalParams()
    z = np.array([1500.0])
    ex = model.excitation(z, p)
    n = model.th.n_dm(z, p.m_chi * 1.78266192e-24)
    ref = 3 * C**3 * p.dm.A10 * n * p.T_star / (32 * math.pi * p.nu_star**3 * model.th.hubble(z) * ex.T_ex)
    assert ex.tau_S == pytest.approx(ref, rel=3 * p.T_star / ex.T_ex[0])


def test_brightness_in_the_rayleigh_jeans_limit(model):
    """delta T_b = (T_ex - T_CMB)(1 - e^-tau_S)/(1+z) e^-tau_ff when T*, h nu << k T (digest Eq. 31)."""
    p = GlobalSignalParams()
    nu = np.array([70.0, 80.0, 95.0])
    z = p.nu_star / (nu * 1e6) - 1
    ex = model.excitation(z, p)
    Tc = model.th.T_cmb(z)
    ref = (ex.T_ex - Tc) * -np.expm1(-ex.tau_S) / (1 + z) * np.exp(-model.tau_ff(nu, z))
    assert global_signal(nu, p) == pytest.approx(ref, rel=2e-3)


def test_bad_frequencies_raise():
    with pytest.raises(ConfigError):
        global_signal([-1.0, 50.0])
    with pytest.raises(ConfigError):
        global_signal([1e-3])  # resonance beyond the table


def test_signal_shape_of_a_gaussian():
    nu = np.linspace(50, 110, 601)
    s = signal_shape(nu, -0.5 * np.exp(-4 * math.log(2) * (nu - 78.0) ** 2 / 19.0**2))
    assert s.centre == pytest.approx(78.0, abs=1e-3) and s.amplitude == pytest.approx(0.5, rel=1e-4)
    assert s.fwhm == pytest.approx(19.0, rel=1e-3)


# ---------------------------------------------------------------------------------------------- constraints
def test_binding_energy_and_cooling_helpers():
    assert binding_energy_lower_bound(1e5) == pytest.approx(13.6 * 100001 / 1101)
    T = float(mw_virial_temperature(1e-3, 155.0))
    assert T * const.k_B.to_value("eV/K") == pytest.approx(1e6 * (155 / 299792.458) ** 2, rel=1e-9)
    dm = TwoLevelDM()
    A_max = cooling_bound(dm.nu_star, T)
    # at A_max the cooling time equals 13 Gyr
    f1 = 3 * math.exp(-dm.T_star / T) / (1 + 3 * math.exp(-dm.T_star / T))
    t_cool = 1.5 * K * T / (f1 * A_max * 2.85e-15 * H * dm.nu_star)
    assert t_cool == pytest.approx(13 * 3.15576e16, rel=1e-9)


def test_mw_dipole_one_d_projection_matches_healpy_and_vanishes_at_the_centre():
    dm = TwoLevelDM()
    T = float(mw_virial_temperature(1e-3))
    r = mw_dipole(dm, T)
    assert r.delta_T > 0  # brighter toward the Galactic Centre
    _, d = mw_dipole_healpy(r, nside=32)
    assert d == pytest.approx(r.delta_T, rel=0.02)
    # the dipole grows with the Sun's offset from the centre
    assert mw_dipole(dm, T, MilkyWayHalo(R0=4.0)).dipole < r.dipole
    # outside the 143 GHz band: nothing
    assert mw_dipole(TwoLevelDM(nu_star=300e9), T).delta_T == 0.0
    # linear in calA
    assert mw_dipole(dm.with_coupling(2.0), T).delta_T == pytest.approx(2 * r.delta_T)

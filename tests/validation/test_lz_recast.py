"""Seed 004 LZ recast (digest 004 §2.14, §10 targets 15-16) against independent numbers.

What the recast gives at m_chi = 1 TeV, delta -> 0, N_sig < 16.6, |u_E| = 221.3 km/s (these are the
documented values, asserted below only through the independent quadrature and exact factors):

* Helm-only xenon, paper normalisation (Eq. 32 as printed): g_M < 0.0485, i.e. 18.7 x the paper's
  0.0026 (Eq. 46); authors' code normalisation (x4 rate): 0.0243 (9.3 x); standard NREFT pairing of
  the App.-B W normalisation with c^tau = c^p +- c^n (x8, = Banks, Fortin & Thomas): 0.0171 (6.6 x).
* Shell-model xenon (arXiv:1203.3542 responses, spin included): 0.0461 (17.7 x), 0.0230, 0.0163.

The gap to 0.0026 (a factor ~40-350 in rate) is far outside the paper's +-3% rounding and is not
tuned away; scripts/lz_recast.py records it.
"""
import math

import numpy as np
import pytest
from scipy import integrate

from mcdm.physics import xenon as xenon_data
from mcdm.analysis import recast as rc
from mcdm.physics.nuclear import oscillator_length_gev
from mcdm.source import StandardHaloModel

U_E = 221.3
# independent inputs: IUPAC atom fractions, AME2020 masses [u], CODATA constants
ABUNDANCE = {128: 0.019102, 129: 0.264006, 130: 0.040710, 131: 0.212324, 132: 0.269086, 134: 0.104357,
             136: 0.088573}
MASS_U = {128: 127.9035310, 129: 128.9047808611, 130: 129.903509349, 131: 130.90508406,
          132: 131.9041550856, 134: 133.90539466, 136: 135.907214484}
AMU_GEV = 0.93149410242
C_KM_S = 299792.458
HBARC_GEV_FM = 0.1973269804
GEV2_TO_CM2 = (HBARC_GEV_FM * 1e-13) ** 2
GEV_PER_KG = 5.609588603e26
ALPHA = 1.0 / 137.035999084


def _helm_f2(q_gev, a):
    c = 1.23 * a ** (1 / 3) - 0.60
    rn = math.sqrt(c * c + 7 / 3 * math.pi**2 * 0.52**2 - 5 * 0.9**2)
    x = q_gev * rn / HBARC_GEV_FM
    j = 3 * (math.sin(x) - x * math.cos(x)) / x**3
    return (j * math.exp(-0.5 * (q_gev * 0.9 / HBARC_GEV_FM) ** 2)) ** 2


def _banks_events(m_chi, g_m=1.0):
    """N_sig of a Dirac magnetic moment mu = g_M e/(4 m_chi) on Helm xenon (delta = 0):
    dsigma/dE_R = M/(2 pi v^2) Z^2 F^2 e^2 mu^2 [1/(4 m_chi^2) + (v^2 - v_min^2)/q^2]
    (Banks, Fortin & Thomas, arXiv:1007.5515), 5.5 t x 60 d, 5-55 keV, scipy quad in v and E_R."""
    halo = StandardHaloModel()
    e2 = 4 * math.pi * ALPHA
    e2mu2 = e2 * e2 * (g_m / (4 * m_chi)) ** 2  # e^2 mu^2 with mu = g_M e / (4 m_chi)
    total_f = sum(ABUNDANCE.values())
    atoms_per_kg = GEV_PER_KG / sum(ABUNDANCE[a] / total_f * MASS_U[a] * AMU_GEV for a in ABUNDANCE)
    n_chi = halo.rho_chi / m_chi
    total = 0.0
    for a, f in ABUNDANCE.items():
        m_n = MASS_U[a] * AMU_GEV
        mu = m_chi * m_n / (m_chi + m_n)

        def per_kev(e_kev):
            q2 = 2 * m_n * e_kev * 1e-6
            vmin = math.sqrt(q2) / (2 * mu)  # [c]
            pref = m_n / (2 * math.pi) * 54**2 * _helm_f2(math.sqrt(q2), a) * e2mu2

            def integrand(v_km_s):
                v = v_km_s / C_KM_S
                return halo.lab_speed_pdf(v_km_s, U_E) * v_km_s * 1e5 / v**2 * (
                    1 / (4 * m_chi**2) + (v * v - vmin * vmin) / q2)

            speed = integrate.quad(integrand, vmin * C_KM_S, halo.v_esc + U_E, points=[halo.v_esc - U_E],
                                   limit=200, epsrel=1e-10)[0]
            return n_chi * pref * speed * GEV2_TO_CM2 * 1e-6  # 1/(s keV)

        total += f / total_f * integrate.quad(per_kev, 5.0, 55.0, limit=200, epsrel=1e-9)[0]
    return total * atoms_per_kg * 86400.0 * 5500.0 * 60.0


def test_all_events_threshold_is_333_plus_1p2816_sqrt333():
    assert rc.LZ_N_MAX_ALL == pytest.approx(333 + 1.2816 * math.sqrt(333), rel=1e-12)
    assert round(rc.LZ_N_MAX_ALL) == 356  # the paper's "356 events"
    assert rc.LZ_EXPOSURE_T_DAYS == pytest.approx(330.0)
    assert rc.LZ_N_MAX_NR_BAND == 16.6


@pytest.mark.validation
def test_helm_delta0_bound_matches_independent_quadrature():
    """Helm stand-in, delta -> 0: the recast's Gauss-Legendre rate equals the Banks-Fortin-Thomas
    formula integrated by scipy (independent Helm, abundances, masses) to 2e-3; the three
    normalisations are exact factors 1/8, 1/2, 1 of it. Documented: g_M^max = 0.0485 (paper), i.e.
    18.7 x the paper's 0.0026."""
    n_ref = _banks_events(1000.0)
    g_ref = math.sqrt(16.6 / n_ref)
    got = {norm: rc.lz_bound_g_m(1000.0, rc.DELTA_ELASTIC_GEV, u_E_km_s=U_E, xenon_model="helm",
                                 normalisation=norm) for norm in rc.NORMALISATIONS}
    assert got["nreft"] == pytest.approx(g_ref, rel=2e-3)
    assert got["paper"] == pytest.approx(math.sqrt(8.0) * got["nreft"], rel=1e-9)
    assert got["authors_code"] == pytest.approx(math.sqrt(2.0) * got["nreft"], rel=1e-9)
    assert got["paper"] == pytest.approx(0.0485, rel=3e-3)  # the documented stand-in value
    assert got["paper"] / rc.PAPER_G_M_BOUND_1TEV == pytest.approx(18.7, rel=0.01)


@pytest.mark.validation
def test_bound_scales_as_m_to_three_halves_at_large_mass():
    """Eq. (44): rate proportional to g_M^2 / m_chi^3 for m_chi >> m_Xe, so g_M^max ~ m^{3/2}."""
    masses = np.array([1.0e4, 3.0e4, 1.0e5])
    g = np.array([rc.lz_bound_g_m(m, rc.DELTA_ELASTIC_GEV, u_E_km_s=U_E, xenon_model="helm") for m in masses])
    slopes = np.diff(np.log(g)) / np.diff(np.log(masses))
    assert slopes == pytest.approx(1.5, abs=2e-3)
    # at 1 TeV the reduced-mass correction is still small
    g1 = rc.lz_bound_g_m(1.0e3, rc.DELTA_ELASTIC_GEV, u_E_km_s=U_E, xenon_model="helm")
    assert math.log(g[0] / g1) / math.log(10.0) == pytest.approx(1.5, abs=0.01)


@pytest.mark.validation
def test_paper_mass_bounds_follow_from_eq46_by_the_scaling():
    """Eqs. (47)-(49) from Eq. (46) via Eq. (44): 1.02, 52.9, 129.5 TeV vs the quoted 1.0, 52, 126
    (digest 004 §2.14: consistent to ~3%)."""
    for eq, (g, quoted) in rc.PAPER_MASS_BOUNDS.items():
        m = rc.mass_bound_for_coupling(g, g_ref=rc.PAPER_G_M_BOUND_1TEV)
        assert m == pytest.approx(1e3 * (g / 0.0026) ** (2 / 3), rel=1e-12)
        assert m / quoted == pytest.approx(1.0, abs=0.03), eq


@pytest.mark.validation
def test_exact_mass_root_agrees_with_the_scaling_at_large_mass():
    g_ref = rc.lz_bound_g_m(1.0e3, rc.DELTA_ELASTIC_GEV, u_E_km_s=U_E, xenon_model="helm")
    scaled = rc.mass_bound_for_coupling(1.0, g_ref=g_ref)
    exact = rc.mass_bound_for_coupling(1.0, method="exact", g_ref=g_ref, u_E_km_s=U_E, xenon_model="helm")
    assert exact == pytest.approx(scaled, rel=0.01)
    at_root = rc.lz_bound_g_m(exact, rc.DELTA_ELASTIC_GEV, u_E_km_s=U_E, xenon_model="helm")
    assert at_root == pytest.approx(1.0, rel=1e-5)


def _w0(entry, op):
    return {k: v[0] for k, v in entry[op].items()}


def test_shell_model_responses_have_the_point_nucleus_normalisation():
    """W_M^{tau tau'}(0) = (2j+1)/16pi x {A^2, A(Z-N), (Z-N)^2} (App. B normalisation) to 1.1e-3."""
    data = xenon_data._xenon_data()["nuclides"]
    assert sorted(data) == [f"Xe{a}" for a in sorted(ABUNDANCE)]
    for name, e in data.items():
        a, z, j = e["A"], e["Z"], e["spin"]
        w = _w0(e, "M")
        k = (2 * j + 1) / (16 * math.pi)
        assert w["00"] == pytest.approx(k * a * a, rel=1.1e-3), name
        assert w["01"] == w["10"] == pytest.approx(k * a * (2 * z - a), rel=1.1e-3), name
        assert w["11"] == pytest.approx(k * (2 * z - a) ** 2, rel=1.1e-3), name
        assert ("SigmaP" in e) == (j > 0), name


def test_shell_model_matches_the_printed_tables_of_1203_3542():
    """131Xe in the proton/neutron basis F^{NN'} = 16pi/(2j+1) W^{NN'} against the two-figure tables
    of Fitzpatrick et al. (arXiv:1203.3542): F_M^{pp} and the asymmetric F_{Sigma',Delta}^{(p,n)},
    F_{Sigma',Delta}^{(n,p)} (first index on Sigma', i.e. on c4), fixing the 01/10 order."""
    e = xenon_data._xenon_data()["nuclides"]["Xe131"]
    scale = 16 * math.pi / (2 * e["spin"] + 1)

    def pn(op, t_delta, t_sigma):  # t = +1 proton, -1 neutron; key "tau tau'" = (c5/Delta, c4/Sigma')
        w = {k: np.array(v + [0.0] * (11 - len(v))) for k, v in e[op].items()}
        return scale / 4 * (w["00"] + t_sigma * w["01"] + t_delta * w["10"] + t_delta * t_sigma * w["11"])

    printed_m_pp = [2900.0, -11000.0, 15000.0, -10000.0, 3800.0, -810.0, 92.0, -5.1]
    assert pn("M", 1, 1)[:8] == pytest.approx(printed_m_pp, rel=0.05)
    sigma_p_delta_n = [0.0080, -0.041, 0.027, 0.020, -0.038, 0.020, -0.0042, 0.00032]
    sigma_n_delta_p = [0.063, -0.37, 0.72, -0.68, 0.35, -0.098, 0.014, -0.00077]
    assert pn("DeltaSigmaP", -1, 1)[:8] == pytest.approx(sigma_p_delta_n, rel=0.05)
    assert pn("DeltaSigmaP", 1, -1)[:8] == pytest.approx(sigma_n_delta_p, rel=0.05)


def test_xenon_target_options():
    iso = rc.xenon_isotopes()
    assert sum(i.abundance for i in iso) == pytest.approx(1.0)
    assert iso[3].abundance == pytest.approx(0.212324 / 0.99816, rel=1e-4)
    shell = rc.xenon_target("shell_model")
    split = rc.xenon_target("helm+shell_spin")
    assert [r.name for r, _ in shell] == [i.name for i in iso]
    assert [r.name for r, _ in split if r.name.endswith("[spin]")] == ["Xe129[spin]", "Xe131[spin]"]
    assert all(r.kind == "helm" for r, _ in rc.xenon_target("helm"))
    for r, _ in shell:
        assert r.b == pytest.approx(oscillator_length_gev(r.A))
    spin = next(r for r, _ in split if r.name == "Xe131[spin]")
    assert spin.W("M", 0, 0, q=0.05) == 0.0 and spin.W("SigmaP", 1, 1, q=0.05) > 0.0
    with pytest.raises(ValueError):
        rc.xenon_target("klos")


@pytest.mark.validation
def test_window_closes_where_kinematics_say():
    """For 1 TeV the 5-55 keV window closes when q_- = mu v_top - sqrt(mu^2 v_top^2 - 2 mu delta)
    exceeds sqrt(2 M 55 keV): ~236 keV for the lightest isotopes (digest §2.5 kinematics)."""
    curve = rc.lz_bound_curve(1000.0, [200e-6, 250e-6], (16.6,), u_E_km_s=U_E, xenon_model="helm")
    g = curve["g_M_max"][0]
    assert np.isfinite(g[0]) and np.isinf(g[1])
    assert curve["events_per_gM2"][1] == 0.0


@pytest.mark.validation
def test_xe131_spin_term_takes_over_near_the_papers_recoil_energy():
    """Paper Fig. 2 text: for 131Xe c5 dominates for E_R <~ 50 keV and c4 above. With the shell-model
    responses the c4-only rate first exceeds the c5-only one at 67 keV (delta = 5 keV); accept 45-80."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "lz_recast.py"
    spec = importlib.util.spec_from_file_location("lz_recast", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert 45.0 <= module.xe131_c4_c5_crossover_kev(U_E) <= 80.0

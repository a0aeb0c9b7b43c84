"""Fuzz: the seed-001 nugget spectra, seed-003 SIDM / iDM / inelastic-recoil entry points and the
sky-map helpers with hostile parameters (contract of fuzz_contract: a finite result or an McdmError
naming the parameter). Half of the examples are legal and must give a finite result."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fuzz_contract import HOSTILE, arrays_of, contract, fuzz_settings, hostile_arrays, log_floats, params
from mcdm.physics import idm, inelastic_dd, nugget, sidm

FUZZ = fuzz_settings(60)


@FUZZ
@given(p=params(k=(arrays_of(log_floats(0.3, 200.0)), hostile_arrays(log_floats(0.3, 200.0))),
                mu=(log_floats(0.52, 500.0), HOSTILE), chi=(st.floats(0.0, 10.0), HOSTILE),
                i511=(st.floats(0.0, 1.0), HOSTILE)))
def test_continuum_intensity(p):
    bad = p.pop("_spoiled")
    out = contract(nugget.continuum_intensity, p["k"], p["mu"], p["chi"], i511=p["i511"],
                   names=("k", "mu", "chi", "i511"))
    if not bad:
        assert out is not None


@FUZZ
@given(p=params(mu0=(log_floats(20.0, 300.0), HOSTILE), v_e=(st.floats(0.01, 1.0), HOSTILE),
                zmax=(st.floats(1.0, 30.0), HOSTILE), k=(arrays_of(log_floats(0.6, 100.0)),
                                                        hostile_arrays(log_floats(0.6, 100.0)))))
def test_electrosphere(p):
    bad = p.pop("_spoiled")
    es = contract(nugget.Electrosphere, p["mu0"], p["zmax"], p["v_e"],
                  names=("mu0_mev", "zmax_over_z0", "v_e", "mu(z_max)"))
    if es is not None:
        out = contract(nugget.height_averaged_intensity, p["k"], es, 0.2, names=("k",))
        if not bad:
            assert out is not None


@FUZZ
@given(p=params(alpha=(log_floats(1e-6, 0.01), HOSTILE), m=(log_floats(1.0, 100.0), HOSTILE),
                ms=(log_floats(0.01, 0.1), HOSTILE), v=(arrays_of(log_floats(1.0, 1000.0), max_size=3),
                                                       hostile_arrays(log_floats(1.0, 1000.0), max_size=3)),
                pair=(st.sampled_from(sidm.PAIRS), st.sampled_from(["both", "", None]))))
def test_sidm_transfer(p):
    bad = p.pop("_spoiled")
    pot = contract(sidm.YukawaPotential, p["alpha"], p["m"], p["ms"],
                   names=("alpha_chi", "m_chi_gev", "m_s_gev"))
    if pot is not None:
        out = contract(sidm.transfer_cross_section_per_mass, pot, p["v"], pair=p["pair"],
                       names=("v_km_s", "pair"))
        if not bad:
            assert out is not None


@FUZZ
@given(p=params(e=(arrays_of(log_floats(0.1, 500.0)), hostile_arrays(log_floats(0.1, 500.0))),
                m=(log_floats(1.0, 1e4), HOSTILE), mt=(log_floats(0.9, 250.0), HOSTILE),
                delta=(st.floats(-500.0, 500.0), HOSTILE)))
def test_inelastic_v_min(p):
    bad = p.pop("_spoiled")
    out = contract(inelastic_dd.v_min_km_s, p["e"], p["m"], p["mt"], p["delta"],
                   names=("e_r_kev", "m_chi", "m_target", "delta_kev"))
    if not bad:
        assert out is not None


@FUZZ
@given(p=params(delta=(log_floats(1e-9, 1e-4), HOSTILE), mzp=(log_floats(5e-3, 0.2), HOSTILE),
                g=(log_floats(1e-5, 1e-2), HOSTILE)))
def test_idm_lifetime(p):
    bad = p.pop("_spoiled")
    model = contract(idm.InelasticMajoranaDM, 100.0, p["delta"], 0.03, p["mzp"], 0.01, p["g"], 2.5e-5,
                     names=("delta_gev", "m_zp_gev", "g", "g_chi"))
    if model is not None:  # a zero coupling is a stable chi2: lifetime inf (documented)
        out = contract(idm.lifetime_s, model, names=("delta", "m_zp", "delta_gev"), allow_inf=True)
        if not bad:
            assert out is not None

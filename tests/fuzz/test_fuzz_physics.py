"""Fuzz: the MIDM model, kinematics, cross sections and nuclear responses with hostile parameters.

Contract (fuzz_contract): a finite result or an McdmError naming the parameter. The kinematics
functions document NaN for branches that do not exist (below threshold, outside the forward cone)
and ±inf for the Jacobian at the cone edge; for them NaN must occur only there. Half of the
examples are fully legal and must give a result; the others spoil one or two parameters.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fuzz_contract import (HOSTILE, WRONG_TYPES, arrays_of, contract, fuzz_settings, hostile_arrays,
                           log_floats, params)
from mcdm.constants import C_KM_S
from mcdm.physics import cross_section as cs
from mcdm.physics import kinematics as kin
from mcdm.physics.midm import MagneticInelasticDM, coupling_for_decay_length
from mcdm.physics.nuclear import OPERATORS, response_for
from mcdm.source.halo import StandardHaloModel

FUZZ = fuzz_settings(120)

ISOTOPES = ("Mg24", "Mg25", "Al27", "Si29", "Fe56")
speeds = st.floats(0.0, 3000.0)
cosines = st.floats(-1.0, 1.0)
HOSTILE_NAME = st.one_of(st.sampled_from(["Xx99", "", "Al", "27", "Al-27x"]), WRONG_TYPES)


# ---------------------------------------------------------------------------------- midm
@st.composite
def model_points(draw):
    """Legal (m_chi, delta, g_M) over the whole accepted range: delta < 1e-2 m_chi."""
    log_m = draw(st.floats(-30.0, 30.0))
    return 10.0**log_m, 10.0**(log_m + draw(st.floats(-40.0, -2.0001))), 10.0**draw(st.floats(-30.0, 6.0))


MODEL_NAMES = ("m_chi", "delta", "g_M", "coupling_convention", "constants", "g_p", "g_n")


@FUZZ
@given(point=model_points(), p=params(
    m_chi=(st.none(), HOSTILE), delta=(st.none(), HOSTILE), g_M=(st.none(), HOSTILE),
    coupling_convention=(st.sampled_from(["paper", "authors_code"]), st.sampled_from(["PAPER", "", None])),
    constants=(st.sampled_from(["codata", "seed004_code"]), st.sampled_from(["x", None, 3])),
    g_p=(st.floats(-10.0, 10.0), HOSTILE),
    v=(arrays_of(speeds), hostile_arrays(speeds)),
    q2=(arrays_of(log_floats(1e-12, 1.0)), hostile_arrays(log_floats(1e-12, 1.0)))))
def test_midm_model(point, p):
    m, delta, g = (point[i] if p[k] is None else p[k] for i, k in enumerate(("m_chi", "delta", "g_M")))
    model = contract(MagneticInelasticDM, m, delta, g, p["coupling_convention"], p["constants"], p["g_p"],
                     names=MODEL_NAMES)
    if model is None:
        return
    for attr in ("mu_tilde", "decay_width", "lifetime", "e_mu_scattering"):
        assert contract(getattr, model, attr, names=()) > 0.0, attr
    length = contract(model.decay_length, p["v"], names=("v_km_s",))
    coeffs = contract(model.eft_coefficients, p["q2"], names=("q2",))
    if length is not None:
        assert np.all(np.asarray(length) >= 0.0)
    if not p["_spoiled"] and 1e-20 < point[0] < 1e20:  # ordinary masses: everything computes
        assert length is not None and coeffs is not None


@FUZZ
@given(p=params(length_km=(log_floats(1e-6, 1e6), HOSTILE), m_chi=(log_floats(1.0, 1e5), HOSTILE),
                delta_frac=(log_floats(1e-9, 9e-3), HOSTILE), v_km_s=(st.floats(1.0, 3000.0), HOSTILE),
                constants=(st.sampled_from(["codata", "seed004_code"]), st.sampled_from(["bogus", None]))))
def test_coupling_for_decay_length(p):
    m, f = p["m_chi"], p["delta_frac"]
    delta = f * m if {"m_chi", "delta_frac"}.isdisjoint(p["_spoiled"]) else f
    g = contract(coupling_for_decay_length, p["length_km"], m, delta, p["v_km_s"], p["constants"],
                 names=("length_km", "m_chi", "delta", "v_km_s", "constants"))
    if not p["_spoiled"]:
        assert g is not None and g > 0.0


# ---------------------------------------------------------------------------------- kinematics
KIN_NAMES = ("m_chi", "m_nucleus", "delta", "v", "cos_lab", "cos_cm", "v_max_km_s")
KIN_SPEC = {"m_chi": (log_floats(1e-3, 1e7), HOSTILE), "m_nucleus": (st.floats(0.9, 300.0), HOSTILE),
            "delta": (st.one_of(st.just(0.0), log_floats(1e-9, 1e-2)), HOSTILE),
            "v": (arrays_of(speeds), hostile_arrays(speeds))}


@FUZZ
@given(p=params(**KIN_SPEC))
def test_kinematic_scales(p):
    m, m_n, delta, v = p["m_chi"], p["m_nucleus"], p["delta"], p["v"]
    mu = contract(kin.reduced_mass, m, m_n, names=KIN_NAMES)
    thr = contract(kin.threshold_speed_km_s, m, m_n, delta, names=KIN_NAMES)
    dmax = contract(kin.max_delta, m, m_n, v, names=KIN_NAMES)
    cm = contract(kin.cm_speeds_km_s, v, m, m_n, delta, names=KIN_NAMES)
    theta = contract(kin.theta_lab_max, v, m, m_n, delta, names=KIN_NAMES, allow_nan=True)
    if not p["_spoiled"]:
        assert all(x is not None for x in (mu, thr, dmax, cm, theta))
        assert 0.0 < mu <= min(m, m_n) * (1 + 1e-12) and thr >= 0.0 and np.all(np.asarray(dmax) >= 0.0)
        # NaN exactly below threshold (no upscatter: u = 0); theta in [0, pi] elsewhere
        assert np.array_equal(np.isnan(theta), np.asarray(cm[1]) <= 0.0)
        t = np.asarray(theta)[~np.isnan(theta)]
        assert np.all((t >= 0.0) & (t <= math.pi))


@FUZZ
@given(p=params(**KIN_SPEC, cos_lab=(arrays_of(cosines), hostile_arrays(cosines))))
def test_lab_branches(p):
    args = (p["v"], p["cos_lab"], p["m_chi"], p["m_nucleus"], p["delta"])
    speeds_pm = contract(kin.lab_speeds, *args, names=KIN_NAMES, allow_nan=True)
    cos_pm = contract(kin.cos_cm_pm, *args, names=KIN_NAMES, allow_nan=True)
    jac = contract(kin.jacobian_pm, *args, names=KIN_NAMES, allow_nan=True, allow_inf=True)
    e_pm = contract(kin.recoil_energies_pm, *args, names=KIN_NAMES, allow_nan=True)
    if speeds_pm is None:
        assert cos_pm is None and jac is None and e_pm is None
        return
    for k in range(2):  # the same branch exists (or not) in every quantity
        exists = ~np.isnan(speeds_pm[k])
        assert np.array_equal(exists, ~np.isnan(cos_pm[k]))
        assert np.array_equal(exists, ~np.isnan(jac[k]))
        assert np.all(np.asarray(speeds_pm[k])[exists] > 0.0)
        assert np.all(np.abs(np.asarray(cos_pm[k])[exists]) <= 1.0 + 1e-9)


@FUZZ
@given(p=params(m_chi=(log_floats(1e-3, 1e7), HOSTILE), delta=(log_floats(1e-9, 1e-2), HOSTILE),
                v_max_km_s=(speeds, HOSTILE),
                nuclei=(st.one_of(st.lists(st.sampled_from(ISOTOPES), min_size=1, max_size=3),
                                  st.dictionaries(st.sampled_from(ISOTOPES), st.floats(0.9, 300.0), min_size=1),
                                  st.integers(1, 300)),
                        st.one_of(st.lists(HOSTILE_NAME, min_size=1, max_size=2), st.just([]),
                                  st.dictionaries(st.sampled_from(ISOTOPES), HOSTILE, min_size=1),
                                  st.integers(-2, 0), st.just(10**400))),
                convention_name=(st.sampled_from(["codata", "seed004_code"]), st.sampled_from(["nope", None]))))
def test_kinematic_reach(p):
    names = KIN_NAMES + ("nuclei", "nuclide", "mass number", "constants")
    limits = contract(kin.kinematic_closure, p["m_chi"], p["nuclei"], p["v_max_km_s"], p["convention_name"],
                      names=names)
    if limits is not None:
        assert all(x >= 0.0 for x in limits.values())
    contract(kin.require_kinematic_reach, p["m_chi"], p["delta"], p["nuclei"], p["v_max_km_s"],
             p["convention_name"], names=names)
    if not p["_spoiled"]:
        assert limits is not None


# ---------------------------------------------------------------------------------- nuclear
@FUZZ
@given(p=params(iso=(st.sampled_from(ISOTOPES + ("O16",)), HOSTILE_NAME),
                operator=(st.sampled_from(OPERATORS), st.sampled_from(["X", "m", None])),
                tau=(st.sampled_from([0, 1]), st.sampled_from([2, -1, 0.5, None, True])),
                q=(arrays_of(st.floats(0.0, 10.0)), hostile_arrays(st.floats(0.0, 10.0)))),
       use_y=st.booleans())
def test_nuclear_response(p, use_y):
    resp = contract(response_for, p["iso"], p["iso"] == "O16", names=("nuclide",))
    if resp is None:
        return
    kwargs = {"y": p["q"]} if use_y else {"q": p["q"]}
    w = contract(resp.W, p["operator"], p["tau"], p["tau"], names=("operator", "tau", "tau_prime", "q", "y"),
                 **kwargs)
    if not p["_spoiled"]:
        assert w is not None
        if p["operator"] == "M" and p["tau"] == 0:
            assert np.all(np.asarray(w) >= 0.0)


# ---------------------------------------------------------------------------------- cross sections
CS_NAMES = ("v_km_s", "cos_cm", "q_gev", "q2", "e_r_kev", "prefactor", "keep", "model", "response",
            "u_E_km_s", "n_nodes", "halo", "nuclide")
good_models = st.builds(lambda m, frac, g: MagneticInelasticDM(m_chi=m, delta=frac * m, g_M=g),
                        log_floats(1.0, 1e5), log_floats(1e-10, 9.9e-3), log_floats(1e-6, 10.0))
CS_SPEC = {"response": (st.sampled_from(ISOTOPES), st.one_of(HOSTILE_NAME, st.just(27))),
           "v_km_s": (arrays_of(speeds), hostile_arrays(speeds)),
           "cos_cm": (arrays_of(cosines), hostile_arrays(cosines)),
           "e_r_kev": (arrays_of(log_floats(1e-3, 500.0)), hostile_arrays(log_floats(1e-3, 500.0))),
           "q_gev": (arrays_of(log_floats(1e-4, 1e3)), hostile_arrays(log_floats(1e-4, 1e3))),
           "prefactor": (st.sampled_from(["paper", "standard"]), st.sampled_from(["other", None])),
           "keep": (st.sampled_from([("c1", "c4", "c5"), ("c1",), ("c4", "c5"), ()]),
                    st.sampled_from([("c9",), "c1", None]))}


def _broadcastable(*xs) -> bool:
    try:
        np.broadcast_shapes(*(np.shape(x) for x in xs))
    except ValueError:
        return False
    return True


@FUZZ
@given(model=good_models, p=params(**CS_SPEC))
def test_cross_sections(model, p):
    resp, v, c, e_r, q = p["response"], p["v_km_s"], p["cos_cm"], p["e_r_kev"], p["q_gev"]
    ds = contract(cs.dsigma_dcos_cm, model, resp, v, c, p["prefactor"], p["keep"], names=CS_NAMES)
    der = contract(cs.dsigma_dER, model, resp, v, e_r, p["prefactor"], p["keep"], names=CS_NAMES)
    vmin = contract(cs.v_min_km_s, model, resp, e_r, names=CS_NAMES)
    q2 = contract(cs.q2_from_cos_cm, model, resp, v, c, names=CS_NAMES, allow_nan=True)
    msq = contract(cs.matrix_element_sq, model, resp, q, v, p["keep"], names=CS_NAMES)
    contract(cs.eft_coefficients, model, q, p["keep"], names=CS_NAMES)
    for x in (ds, der, msq, vmin):
        assert x is None or np.all(np.asarray(x) >= 0.0)
    if not p["_spoiled"] and _broadcastable(v, c) and _broadcastable(v, e_r) and _broadcastable(q, v):
        assert all(x is not None for x in (ds, der, vmin, q2, msq))


@fuzz_settings(60)
@given(model=good_models, p=params(
    response=CS_SPEC["response"],
    e_r_kev=(arrays_of(st.floats(0.0, 300.0)), hostile_arrays(st.floats(0.0, 300.0))),
    u_E_km_s=(st.floats(0.0, 800.0), HOSTILE),
    n_nodes=(st.integers(1, 40), st.one_of(st.integers(-2, 0), st.just(10**6), WRONG_TYPES))))
def test_differential_rate(model, p):
    rate = contract(cs.differential_rate_per_target, model, p["response"], p["e_r_kev"],
                    StandardHaloModel(), p["u_E_km_s"], n_nodes=p["n_nodes"], names=CS_NAMES)
    if not p["_spoiled"]:
        assert rate is not None
    assert rate is None or np.all(np.asarray(rate) >= 0.0)


def test_the_speed_of_light_bounds_the_kinematics():
    """Speeds just above c are refused (the kinematics are non-relativistic), at c accepted."""
    assert contract(kin.max_delta, 1.0, 1.0, C_KM_S, names=()) > 0.0
    assert contract(kin.max_delta, 1.0, 1.0, np.nextafter(C_KM_S, 2 * C_KM_S), names=("v_max_km_s",)) is None

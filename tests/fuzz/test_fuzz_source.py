"""Fuzz: the halo model, the Earth's velocity and the importance mixture with hostile parameters.

Contract (fuzz_contract): a finite result or an McdmError naming the parameter; never a bare
numpy/Python error, a RuntimeWarning or a silent NaN. Half of the examples are fully valid (they
must give a result); the others spoil one or two parameters.
"""
from __future__ import annotations

import numpy as np
from astropy.time import Time
from hypothesis import given
from hypothesis import strategies as st

from fuzz_contract import (HOSTILE, WRONG_TYPES, arrays_of, contract, fuzz_settings, hostile_arrays,
                           log_floats, params)
from mcdm.source.earth_velocity import earth_velocity
from mcdm.source.halo import StandardHaloModel
from mcdm.source.importance import LabIsotropicMixture

FUZZ = fuzz_settings(150)
HALO = StandardHaloModel()

v0s = log_floats(1e-3, 2000.0)
speeds = st.floats(0.0, 3000.0)
HALO_SPEC = {"v0": (v0s, HOSTILE), "esc_over_v0": (st.floats(1.0001, 50.0), HOSTILE),
             "rho_chi": (log_floats(1e-6, 1e6), HOSTILE)}


def _halo(p):
    """The halo of ``p``: v_esc = ratio x v0, or the spoiled value itself (550 km/s if v0 is)."""
    if "esc_over_v0" in p["_spoiled"]:
        v_esc = p["esc_over_v0"]
    else:
        v_esc = 550.0 if "v0" in p["_spoiled"] else p["esc_over_v0"] * p["v0"]
    return contract(StandardHaloModel, p["v0"], v_esc, p["rho_chi"], names=("v0", "v_esc", "rho_chi"))


@FUZZ
@given(p=params(**HALO_SPEC))
def test_halo_constructor_and_normalisation(p):
    halo = _halo(p)
    if halo is None:
        assert p["_spoiled"], "a legal halo was refused"
        return
    assert np.isfinite(halo.norm) and halo.norm > 0.0
    assert abs(contract(halo.speed_cdf, halo.v_esc, names=()) - 1.0) < 1e-9
    assert 0.0 <= contract(halo.probability_above, 0.5 * halo.v_esc, names=()) <= 1.0


@FUZZ
@given(p=params(**HALO_SPEC, v=(arrays_of(st.floats(-10.0, 3000.0)), hostile_arrays(speeds)),
                u_E=(speeds, HOSTILE)))
def test_halo_densities(p):
    halo = _halo(p)
    if halo is None:
        return
    valid = not p["_spoiled"]
    pdf = contract(halo.speed_pdf, p["v"], names=("v",))
    cdf = contract(halo.speed_cdf, p["v"], names=("v",))
    lab = contract(halo.lab_speed_pdf, p["v"], p["u_E"], names=("v", "u_E"))
    eta = contract(halo.eta, p["v"], p["u_E"], names=("v_min", "u_E"))
    if valid:  # every parameter legal: all four give numbers
        assert pdf is not None and cdf is not None and lab is not None and eta is not None
    for x in (pdf, lab, eta):
        assert x is None or np.all(np.asarray(x) >= 0.0)
    assert cdf is None or np.all((np.asarray(cdf) >= 0.0) & (np.asarray(cdf) <= 1.0))


@FUZZ
@given(p=params(**HALO_SPEC, m_chi=(log_floats(1e-6, 1e20), HOSTILE), u_E=(speeds, HOSTILE)))
def test_halo_flux(p):
    halo = _halo(p)
    if halo is None:
        return
    flux = contract(halo.flux, p["m_chi"], p["u_E"], names=("m_chi", "u_E"))
    if not p["_spoiled"]:
        assert flux is not None and flux >= 0.0


@FUZZ
@given(p=params(n=(st.integers(0, 50), st.one_of(st.integers(-(2**70), -1), st.integers(10**8 + 1, 2**70),
                                                 WRONG_TYPES, st.floats(0, 10))),
                v_min=(st.floats(0.0, 549.0), HOSTILE)))
def test_halo_sample(p):
    v = contract(HALO.sample, p["n"], np.random.default_rng(0), p["v_min"], names=("n", "v_min"))
    if not p["_spoiled"]:
        assert v.shape == (p["n"], 3)
    if v is not None:
        s = np.linalg.norm(v, axis=1)
        assert np.all(s < HALO.v_esc) and np.all(s >= p["v_min"])


mjds = st.floats(40000.0, 70000.0)
times = st.one_of(st.sampled_from(["2000-01-01T00:00:00", "2010-06-01", "2024-02-29T12:00:00"]),
                  mjds.map(lambda t: Time(t, format="mjd", scale="utc")),
                  st.lists(mjds, min_size=1, max_size=3).map(lambda t: Time(t, format="mjd", scale="utc")))
vectors = st.lists(st.floats(-600.0, 600.0), min_size=3, max_size=3)


@FUZZ
@given(p=params(t=(times, st.one_of(st.text(max_size=8), st.none(), st.just([]), HOSTILE)),
                model=(st.sampled_from(["mccabe", "astropy"]), st.sampled_from(["MCCABE", "", None, "jpl"])),
                v_lsr=(vectors, hostile_arrays(st.floats(-600.0, 600.0), 3, 3)),
                v_pec=(vectors, hostile_arrays(st.floats(-600.0, 600.0), 3, 3))))
def test_earth_velocity(p):
    u = contract(earth_velocity, p["t"], p["model"], p["v_lsr"], p["v_pec"],
                 names=("times", "model", "v_lsr", "v_pec"))
    if not p["_spoiled"]:
        assert u.ndim == 2 and u.shape[1] == 3
        assert np.all(np.abs(np.linalg.norm(u, axis=1) - np.linalg.norm(
            np.add(p["v_lsr"], p["v_pec"]))) <= 32.0)  # the orbit adds <= 30.3 km/s


@FUZZ
@given(p=params(boost=(vectors, hostile_arrays(st.floats(-600.0, 600.0), 3, 3)),
                v_min=(st.floats(0.0, 549.0), HOSTILE), alpha=(st.floats(0.01, 1.0), HOSTILE),
                n=(st.integers(0, 40), st.one_of(st.integers(-3, -1), WRONG_TYPES))))
def test_lab_isotropic_mixture(p):
    mix = contract(LabIsotropicMixture, HALO, p["boost"], p["v_min"], p["alpha"],
                   names=("boost", "v_min", "halo_fraction"))
    if mix is not None:
        out = contract(mix.sample, p["n"], np.random.default_rng(1), names=("n",))
        if out is not None:
            v, w = out
            assert v.shape == (p["n"], 3) and w.shape == (p["n"],)
            assert np.all(w >= 0.0) and np.all(w <= 1.0 / mix.halo_fraction * (1 + 1e-12))
    if not p["_spoiled"]:
        assert mix is not None and out is not None

"""Fuzz: the halo model, the Earth's velocity and the importance mixture with hostile parameters.

Contract (fuzz_contract): a finite result or an McdmError naming the parameter; never a bare
numpy/Python error, a RuntimeWarning or a silent NaN.
"""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_contract import WRONG_TYPES, contract, maybe_wrong, numbers
from mcdm.source.earth_velocity import earth_velocity
from mcdm.source.halo import StandardHaloModel
from mcdm.source.importance import LabIsotropicMixture

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HALO = StandardHaloModel()

speeds = numbers(0.0, 3000.0)
speed_arrays = st.one_of(
    speeds,
    st.lists(speeds, min_size=0, max_size=6),
    st.lists(st.lists(st.floats(0.0, 3000.0), min_size=2, max_size=2), min_size=1, max_size=3),
)


def _halo(v0, v_esc, rho):
    return contract(StandardHaloModel, v0, v_esc, rho, names=("v0", "v_esc", "rho_chi"))


@FUZZ
@given(v0=maybe_wrong(numbers(1.0, 2000.0)), v_esc=maybe_wrong(numbers(1.0, 5000.0)),
       rho=maybe_wrong(numbers(1e-3, 10.0)))
def test_halo_constructor_and_normalisation(v0, v_esc, rho):
    halo = _halo(v0, v_esc, rho)
    if halo is not None:
        assert np.isfinite(halo.norm) and halo.norm > 0.0
        assert abs(contract(halo.speed_cdf, halo.v_esc, names=()) - 1.0) < 1e-9


@FUZZ
@given(v0=numbers(1.0, 2000.0), v_esc=numbers(1.0, 5000.0), v=maybe_wrong(speed_arrays),
       u_e=maybe_wrong(speeds))
def test_halo_densities(v0, v_esc, v, u_e):
    halo = _halo(v0, v_esc, 0.3)
    if halo is None:
        return
    pdf = contract(halo.speed_pdf, v, names=("v",))
    if pdf is not None:
        assert np.all(np.asarray(pdf) >= 0.0)
    cdf = contract(halo.speed_cdf, v, names=("v",))
    if cdf is not None:
        assert np.all((np.asarray(cdf) >= 0.0) & (np.asarray(cdf) <= 1.0 + 1e-12))
    lab = contract(halo.lab_speed_pdf, v, u_e, names=("v", "u_E"))
    if lab is not None:
        assert np.all(np.asarray(lab) >= 0.0)
    eta = contract(halo.eta, v, u_e, names=("v_min", "u_E"))
    if eta is not None:
        assert np.all(np.asarray(eta) >= 0.0)


@FUZZ
@given(v0=numbers(1.0, 2000.0), v_esc=numbers(1.0, 5000.0), m_chi=maybe_wrong(numbers(1e-6, 1e30)),
       u_e=maybe_wrong(speeds))
def test_halo_flux(v0, v_esc, m_chi, u_e):
    halo = _halo(v0, v_esc, 0.3)
    if halo is None:
        return
    flux = contract(halo.flux, m_chi, u_e, names=("m_chi", "u_E"))
    if flux is not None:
        assert flux >= 0.0


@FUZZ
@given(n=st.one_of(st.integers(-5, 50), st.integers(-(2**70), 2**70), WRONG_TYPES,
                   st.floats(0, 10)),
       v_min=maybe_wrong(numbers(0.0, 600.0)))
def test_halo_sample(n, v_min):
    v = contract(HALO.sample, n, np.random.default_rng(0), v_min, names=("n", "v_min"))
    if v is not None:
        assert v.shape == (n, 3)
        assert np.all(np.linalg.norm(v, axis=1) < HALO.v_esc)


times = st.one_of(
    st.sampled_from(["2000-01-01T00:00:00", "2010-06-01", "2024-02-29T12:00:00", 51544.0]),
    st.floats(40000.0, 70000.0),
    st.text(max_size=8), st.none(), st.sampled_from([np.nan, np.inf, -1e300, 1e300]),
    st.lists(st.floats(40000.0, 70000.0), min_size=0, max_size=3),
)
vectors = st.one_of(
    st.lists(numbers(-600.0, 600.0), min_size=3, max_size=3),
    st.lists(st.floats(-600.0, 600.0), min_size=0, max_size=5),
    WRONG_TYPES,
)


@FUZZ
@given(t=times, model=st.sampled_from(["mccabe", "astropy", "MCCABE", "", None]),
       v_lsr=vectors, v_pec=vectors)
def test_earth_velocity(t, model, v_lsr, v_pec):
    if isinstance(t, float) or (isinstance(t, list) and t):
        t = np.asarray(t) if isinstance(t, list) else t
        from astropy.time import Time

        try:
            t = Time(t, format="mjd", scale="utc")
        except ValueError:
            return  # astropy's own Time construction is not under test
    u = contract(earth_velocity, t, model, v_lsr, v_pec,
                 names=("time", "model", "v_lsr", "v_pec"))
    if u is not None:
        assert u.ndim == 2 and u.shape[1] == 3


@FUZZ
@given(boost=vectors, v_min=maybe_wrong(numbers(0.0, 600.0)),
       alpha=maybe_wrong(numbers(0.0, 1.0)), n=st.integers(0, 40))
def test_lab_isotropic_mixture(boost, v_min, alpha, n):
    mix = contract(LabIsotropicMixture, HALO, boost, v_min, alpha,
                   names=("boost", "v_min", "halo_fraction"))
    if mix is None:
        return
    out = contract(mix.sample, n, np.random.default_rng(1), names=("n",))
    if out is not None:
        v, w = out
        assert v.shape == (n, 3) and w.shape == (n,)
        assert np.all(w >= 0.0) and np.all(w <= 1.0 / mix.halo_fraction * (1 + 1e-12))

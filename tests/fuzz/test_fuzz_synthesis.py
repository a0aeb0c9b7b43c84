"""Fuzz: synthetic catalogs and the detector resolution with hostile rates, live times and energies.

Contract (fuzz_contract): a valid catalog (finite times and energies) or an McdmError naming the
parameter; never a bare numpy error (e.g. Poisson "lam value too large") or a silent NaN. Half
of the examples are fully legal and must give a catalog.
"""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fuzz_contract import HOSTILE, HOSTILE_FLOATS, WRONG_TYPES, contract, fuzz_settings, log_floats, params
from mcdm.synthesis import default_energy_window, energy_resolution_sigma, expected_counts, synthesize_catalog
from mcdm.tally import Tally, isotope_axis, time_axis

FUZZ = fuzz_settings(100)
T0 = 51544.0
NAMES = ("rate", "live_time_s", "line_energy_keV", "resolution_fraction", "background_per_keV_per_year",
         "energy_window_keV", "detector", "energy_keV", "fraction", "reference_keV", "n_sigma")


@st.composite
def rate_tallies(draw, hostile: bool = False):
    """A rate tally over 1..6 time bins (maybe per isotope): legal rates, or hostile ones."""
    n_bins = draw(st.integers(1, 6))
    span = draw(st.sampled_from([1.0, 0.99726958, 1e-3, 365.25]))
    iso = draw(st.booleans())
    edges = T0 + np.linspace(0.0, span, n_bins + 1)
    axes = (time_axis(edges), isotope_axis(["Mg24", "Fe56"])) if iso else (time_axis(edges),)
    unit = draw(st.sampled_from(["s^-1", "1/d", "Hz"]) if not hostile else st.sampled_from(["km", "s^-1"]))
    t = Tally(*axes, quantity="rate", unit=unit)
    size = int(np.prod(t.histogram.view().shape))
    legal = st.one_of(st.just(0.0), log_floats(1e-9, 1e-2))
    values = draw(st.lists(legal, min_size=size, max_size=size))
    if hostile:
        values[draw(st.integers(0, size - 1))] = draw(st.one_of(st.sampled_from(HOSTILE_FLOATS), st.floats()))
    t.histogram.view()["value"] = np.asarray(values, dtype=float).reshape(t.histogram.view().shape)
    return t


SPEC = {"rate": (rate_tallies(), st.one_of(rate_tallies(hostile=True), WRONG_TYPES)),
        "live_time_s": (st.one_of(st.just(0.0), log_floats(1.0, 3e8)), HOSTILE),
        "line_energy_keV": (log_floats(0.1, 300.0), HOSTILE),
        "resolution_fraction": (st.floats(0.0, 1.0), HOSTILE),
        "background_per_keV_per_year": (st.one_of(st.just(0.0), log_floats(1e-3, 1e5)), HOSTILE),
        "energy_window_keV": (st.one_of(st.none(), st.tuples(st.floats(0.0, 10.0), st.floats(10.5, 50.0))),
                              st.one_of(st.tuples(HOSTILE, HOSTILE), st.just((5.0, 1.0)), WRONG_TYPES)),
        "detector": (st.sampled_from(["LNGS", "SUPL"]), st.sampled_from(["", None, 3]))}


@FUZZ
@given(p=params(**SPEC))
def test_synthesize_catalog(p):
    cat = contract(synthesize_catalog, p["rate"], p["live_time_s"], np.random.default_rng(3),
                   p["line_energy_keV"], detector=p["detector"], resolution_fraction=p["resolution_fraction"],
                   background_per_keV_per_year=p["background_per_keV_per_year"],
                   energy_window_keV=p["energy_window_keV"], names=NAMES)
    if not p["_spoiled"]:
        lo, hi = default_energy_window(p["line_energy_keV"], p["resolution_fraction"])
        empty_window = (p["energy_window_keV"] is None and not hi > lo
                        and p["background_per_keV_per_year"] > 0.0)  # documented ConfigError
        assert cat is not None or empty_window
    if cat is not None:
        df = cat.df
        assert np.all(np.isfinite(df["time_mjd"])) and np.all(np.isfinite(df["energy_keV"]))
        assert np.all(df["energy_keV"] >= 0.0)
        assert np.all(np.diff(df["time_mjd"].to_numpy()) >= 0.0)


@FUZZ
@given(p=params(rate=SPEC["rate"], live_time_s=(log_floats(1.0, 1e12), HOSTILE)))
def test_expected_counts(p):
    mu = contract(expected_counts, p["rate"], p["live_time_s"], names=NAMES)
    if not p["_spoiled"]:
        assert mu is not None
    assert mu is None or np.all(mu >= 0.0)


@FUZZ
@given(p=params(energy_keV=(st.one_of(log_floats(1e-3, 1e3), st.lists(st.floats(0.0, 1e3), max_size=4)),
                            st.one_of(HOSTILE, st.lists(HOSTILE, min_size=1, max_size=2))),
                fraction=(st.floats(0.0, 1.0), HOSTILE), reference_keV=(log_floats(0.1, 100.0), HOSTILE),
                n_sigma=(st.floats(0.0, 10.0), HOSTILE)))
def test_energy_resolution(p):
    sigma = contract(energy_resolution_sigma, p["energy_keV"], p["fraction"], p["reference_keV"], names=NAMES)
    if sigma is not None:
        assert np.all(np.asarray(sigma) >= 0.0)
    if np.ndim(p["energy_keV"]) == 0:
        window = contract(default_energy_window, p["energy_keV"], p["fraction"], p["n_sigma"], names=NAMES)
        if window is not None:
            assert 0.0 <= window[0] <= window[1]
        if not ({"energy_keV", "fraction", "n_sigma"} & set(p["_spoiled"])):
            assert window is not None

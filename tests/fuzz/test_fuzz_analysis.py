"""Fuzz: the on/off test, the modulation likelihood and the harmonic fit with hostile inputs.

Contract (fuzz_contract): finite numbers or an McdmError naming the parameter. Documented +inf:
the on/off ratio and significance when the off half has no events at all, the discovery Z of the
likelihood when an event falls where the background-only model expects none, and its deviance
where a (negative) signal strength makes the expectation <= 0 in a bin with counts. Half of the
examples are fully legal and must give a result.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_contract import HOSTILE, WRONG_TYPES, contract, fuzz_settings, hostile_arrays, log_floats, params
from mcdm.analysis import harmonic, likelihood, onoff
from mcdm.analysis.binning import bin_events, phase_fold
from mcdm.errors import PhysicsWarning

FUZZ = fuzz_settings(80)
rates = st.one_of(st.just(0.0), log_floats(1e-6, 1e3))
counts = st.one_of(st.just(0.0), st.floats(1.0, 1e4))


def even_lists(x, max_half: int = 6):
    return st.integers(1, max_half).flatmap(lambda h: st.lists(x, min_size=2 * h, max_size=2 * h))


ONOFF_NAMES = ("rate_per_day", "rate", "background_per_day", "n_days", "variant", "n", "mask",
               "background_per_keV_per_year", "line_keV", "resolution_fraction", "n_sigma",
               "n_on", "n_off", "alpha", "time_mjd", "edges_mjd", "line_energy_keV", "energy_keV",
               "fraction")


@FUZZ
@given(p=params(rate_per_day=(even_lists(rates), st.one_of(hostile_arrays(rates), st.just([1.0, 2.0, 3.0]))),
                background_per_day=(st.one_of(st.just(0.0), log_floats(1e-3, 1e4)), HOSTILE),
                n_days=(log_floats(0.1, 1e4), HOSTILE),
                variant=(st.sampled_from(["contiguous", "highest"]), st.sampled_from(["x", None])),
                n=(st.floats(0.1, 5.0), HOSTILE)))
def test_paper_onoff(p):
    res = contract(onoff.paper_onoff, p["rate_per_day"], p["background_per_day"], p["n_days"],
                   p["variant"], p["n"], names=ONOFF_NAMES, allow_inf=True)
    if not p["_spoiled"]:
        assert res is not None
    if res is not None:
        assert np.all(np.isfinite([res.gamma_on, res.gamma_off, res.n_on, res.n_off]))
        if res.n_off > 0:  # +inf is documented for an empty off half (the ratio: or a tiny one)
            assert np.isfinite(res.significance)
            assert np.isfinite(res.ratio) or res.gamma_off < 1e-300


@FUZZ
@given(p=params(background_per_keV_per_year=(st.floats(0.0, 1e5), HOSTILE), line_keV=(log_floats(0.1, 300.0), HOSTILE),
                resolution_fraction=(st.floats(0.0, 1.0), HOSTILE), n_sigma=(st.floats(0.1, 5.0), HOSTILE),
                n_on=(st.one_of(counts, st.lists(counts, min_size=1, max_size=4)), hostile_arrays(counts)),
                n_off=(counts, HOSTILE), alpha=(log_floats(1e-3, 1e3), HOSTILE)))
def test_window_background_and_li_ma(p):
    rate = contract(onoff.window_background_rate, p["background_per_keV_per_year"], p["line_keV"],
                    p["resolution_fraction"], p["n_sigma"], names=ONOFF_NAMES)
    acc = contract(onoff.window_acceptance, p["n_sigma"], names=ONOFF_NAMES)
    s = contract(onoff.li_ma, p["n_on"], p["n_off"], p["alpha"], names=ONOFF_NAMES)
    if not p["_spoiled"]:
        assert rate is not None and rate >= 0.0 and 0.0 < acc < 1.0 and s is not None


@FUZZ
@given(p=params(time_mjd=(st.lists(st.floats(51000.0, 52000.0), max_size=8), hostile_arrays(st.floats(-1e6, 1e6))),
                edges_mjd=(st.integers(2, 6).map(lambda n: list(51544.0 + np.linspace(0.0, 1.0, n))),
                           st.one_of(hostile_arrays(st.floats(51544.0, 51546.0)), st.just([51545.0, 51544.0])))))
def test_folding(p):
    c1 = contract(onoff.fold_counts, p["time_mjd"], p["edges_mjd"], names=ONOFF_NAMES)
    c2 = contract(bin_events, p["time_mjd"], p["edges_mjd"], names=("times_mjd", "edges"))
    if not p["_spoiled"]:
        assert c1.sum() == len(p["time_mjd"]) and c2 is not None


LIK_NAMES = ("signal_counts", "background_counts", "signal_rate_per_day", "background_per_day",
             "n_days", "phase_fraction", "counts", "mu", "cl", "band", "z", "n", "mu_true")


@st.composite
def likelihoods(draw):
    """Legal (signal, background, float_background) with a modulated signal."""
    t = draw(st.integers(2, 8))
    s = draw(st.lists(st.floats(0.0, 1e3), min_size=t, max_size=t))
    s[draw(st.integers(0, t - 1))] += 1.0  # some signal
    s[draw(st.integers(0, t - 1))] *= 0.5  # and a modulation
    b = draw(st.one_of(st.lists(st.floats(1.0, 1e4), min_size=t, max_size=t), st.just([1e3] * t)))
    return np.array(s), np.array(b), draw(st.booleans())


@FUZZ
@given(lik_args=likelihoods(), p=params(
    spoil_signal=(st.none(), hostile_arrays(st.floats(0.0, 1e3))),
    counts=(st.none(), hostile_arrays(counts)),
    mu=(st.floats(0.0, 10.0), HOSTILE), cl=(st.floats(0.51, 0.999), HOSTILE)))
def test_modulation_likelihood(lik_args, p):
    s, b, float_bkg = lik_args
    if p["spoil_signal"] is not None:
        s = p["spoil_signal"]
    lik = contract(likelihood.ModulationLikelihood, s, b, float_bkg, names=LIK_NAMES)
    if lik is None:
        assert p["_spoiled"] or (float_bkg and np.allclose(s / s.sum(), b / b.sum()))
        return
    n = lik.asimov_counts(1.0) if p["counts"] is None else p["counts"]
    z = contract(lik.asimov_z, p["mu"], names=LIK_NAMES)
    limit = contract(lik.asimov_upper_limit, p["cl"], names=LIK_NAMES)
    dev = contract(lik.deviance, n, p["mu"], names=LIK_NAMES, allow_inf=True)  # +inf documented
    fit = contract(lik.fit, n, names=LIK_NAMES)
    if not p["_spoiled"]:
        assert z is not None and z >= 0.0 and limit is not None and limit > 0.0
        assert dev is not None and np.isfinite(dev) and fit is not None and fit.q0 >= 0.0


@FUZZ
@given(p=params(signal_rate_per_day=(st.lists(rates, min_size=2, max_size=8), hostile_arrays(rates)),
                background_per_day=(log_floats(1e-2, 1e4), HOSTILE), n_days=(log_floats(0.1, 1e4), HOSTILE),
                z=(st.floats(0.1, 10.0), HOSTILE)))
def test_likelihood_from_rates(p):
    lik = contract(likelihood.ModulationLikelihood.from_rates, p["signal_rate_per_day"], p["background_per_day"],
                   p["n_days"], names=LIK_NAMES)
    if lik is not None:
        mu = contract(lik.asimov_mu_for_z, p["z"], names=LIK_NAMES)
        assert mu is None or mu > 0.0


HARM_NAMES = ("t_days", "counts", "exposure", "period_days", "drift", "t_ref", "t0_guess",
              "extra_periods", "times", "n_bins", "epoch", "t_start", "t_stop")


@fuzz_settings(60)
@given(n=st.integers(2, 10), data=st.data(), p=params(
    period_days=(log_floats(0.1, 400.0), HOSTILE),
    drift=(st.sampled_from(["none", "linear", "exponential"]), st.sampled_from(["z", None])),
    t_ref=(st.one_of(st.none(), st.floats(-1e3, 1e3)), HOSTILE),
    t0_guess=(st.one_of(st.none(), st.floats(-1e3, 1e3)), HOSTILE),
    spoil=(st.none(), st.sampled_from(["counts", "exposure", "t_days"]))))
def test_fit_harmonic(n, data, p):
    t = np.sort(np.asarray(data.draw(st.lists(st.floats(-1e3, 1e3), min_size=n + 1, max_size=n + 1, unique=True))))
    c = data.draw(st.lists(st.floats(1.0, 1e3), min_size=n, max_size=n))
    exposure = data.draw(st.one_of(st.floats(0.1, 10.0), st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n)))
    args = {"t_days": t, "counts": c, "exposure": exposure}
    if p["spoil"] is not None:
        args[p["spoil"]] = data.draw(hostile_arrays(st.floats(0.0, 1e3)))
    fit = contract(harmonic.fit_harmonic, args["t_days"], args["counts"], args["exposure"], p["period_days"],
                   p["drift"], p["t_ref"], p["t0_guess"], names=HARM_NAMES)
    if fit is not None:
        assert fit.a1 >= 0.0 and fit.ts_modulation >= 0.0
    n_par = {"none": 3, "linear": 4, "exponential": 4}.get(p["drift"], 0)
    if not p["_spoiled"] and n >= n_par:  # fewer bins than parameters: a ConfigError
        whole_periods = np.abs(np.sinc(np.diff(t) / p["period_days"])).max() < 1e-9  # also one
        assert fit is not None or whole_periods


@FUZZ
@given(p=params(times=(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=8), hostile_arrays(st.floats(-1e3, 1e3))),
                period_days=(log_floats(0.01, 400.0), HOSTILE),
                n_bins=(st.integers(1, 30), st.one_of(st.integers(-1, 0), st.just(10**9), WRONG_TYPES)),
                t_start=(st.none(), HOSTILE), t_stop=(st.none(), HOSTILE)))
def test_phase_fold(p):
    fold = contract(phase_fold, p["times"], p["period_days"], p["n_bins"], t_start=p["t_start"],
                    t_stop=p["t_stop"], names=HARM_NAMES)
    if not p["_spoiled"]:
        assert fold is not None
    if fold is not None:
        assert np.all(fold.exposure_days >= -1e-9 * max(1.0, fold.period_days))


def test_zero_signal_on_off_warns_and_gives_zero():
    with pytest.warns(PhysicsWarning, match="rate_per_day is 0"):
        res = onoff.paper_onoff(np.zeros(4), 10.0)
    assert res.significance == 0.0 and not res.sensitive

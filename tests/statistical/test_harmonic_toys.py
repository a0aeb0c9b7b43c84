"""Toy Monte Carlo of mcdm.analysis.harmonic.fit_harmonic: unbiased amplitudes, calibrated errors.

Poisson toys are drawn from a rate model averaged over each bin by 8-point Gauss-Legendre
quadrature (independent of the fit's closed-form bin averages) with known injected parameters.
The pulls (fit - true) / HESSE error must have mean within 0.1 of 0 and standard deviation
within 10 % of 1, or within 4 statistical errors of those numbers (1/sqrt(n) and 1/sqrt(2 n))
when fewer toys are thrown. The injected amplitudes are 20 sigma so the Rice bias of
A1 = hypot(a, b), about sigma / (2 A1 / sigma) = 0.025 sigma, stays well below the bound.
Fixed seeds; ~20 s in all, the 5000-toy versions are marked slow.
"""
from __future__ import annotations

import numpy as np
import pytest

from mcdm.analysis.harmonic import SIDEREAL_DAY_D, SOLAR_DAY_D, YEAR_D, fit_harmonic

T0_JUNE2 = 60097.5 + 152.5        # 2023-06-02 12:00 UTC as MJD: the DAMA phase


def _bin_average(edges: np.ndarray, f, n_nodes: int = 8) -> np.ndarray:
    """Average of f over each bin by Gauss-Legendre quadrature."""
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    lo, hi = edges[:-1, None], edges[1:, None]
    t = 0.5 * (lo + hi) + 0.5 * (hi - lo) * x
    return (f(t) * w).sum(axis=1) / 2.0


def _pulls(case: dict, n_toys: int, seed: int,
           deviance: list[tuple[float, int]] | None = None) -> dict[str, np.ndarray]:
    """Pulls of every parameter in case["truth"] over ``n_toys`` Poisson toys (and the
    (deviance, ndof) of each fit appended to ``deviance`` if given)."""
    rng = np.random.default_rng(seed)
    truth = case["truth"]
    out: dict[str, list[float]] = {k: [] for k in truth}
    for _ in range(n_toys):
        counts = rng.poisson(case["mu"])
        fit = fit_harmonic(case["edges"], counts, case["exposure"], case["period"],
                           drift=case["drift"], t_ref=case["t_ref"], t0_guess=case["t0_guess"],
                           extra_periods=case.get("extra", ()))
        assert fit.valid
        if deviance is not None:
            deviance.append((fit.deviance, fit.ndof))
        h = fit.modulation
        values = {"a1": (h.amplitude, h.amplitude_err), "a_cos": (h.a_cos, h.a_cos_err),
                  "a_sin": (h.a_sin, h.a_sin_err), "t0": (h.t0, h.t0_err),
                  "a0": (fit.a0, fit.a0_err), "drift": (fit.drift, fit.drift_err)}
        for k in truth:
            v, e = values[k]
            out[k].append((v - truth[k]) / e)
    return {k: np.array(v) for k, v in out.items()}


def _check(pulls: dict[str, np.ndarray]) -> None:
    for name, p in pulls.items():
        n = p.size
        mean, width = float(p.mean()), float(p.std(ddof=1))
        tol_mean, tol_width = max(0.1, 4.0 / np.sqrt(n)), max(0.1, 4.0 / np.sqrt(2.0 * n))
        assert abs(mean) < tol_mean, f"{name}: pull mean {mean:.3f} (width {width:.3f}, {n} toys)"
        assert abs(width - 1.0) < tol_width, f"{name}: pull width {width:.3f} (mean {mean:.3f})"


def annual_case(drift: str) -> dict:
    """DAMA-like: 2 years of daily bins, exposure 0.5-1 (kg day) per day with 10 % of the days
    dead, background 400 /(kg day) at t_ref drifting -5 %/yr, A1 = 25 /(kg day) peaking on
    June 2 (20 sigma: sigma(a) = sqrt(2 A0 / sum E) = 1.27)."""
    rng = np.random.default_rng(404)
    edges = 60000.0 + np.arange(2 * 365 + 1, dtype=float)
    exposure = rng.uniform(0.5, 1.0, edges.size - 1) * (rng.random(edges.size - 1) > 0.1)
    t_ref = 60365.0
    a0, k, a1 = 400.0, -0.05, 25.0
    phi = 2 * np.pi * (T0_JUNE2 - t_ref) / YEAR_D
    shape = {"none": lambda t: 1.0 + 0.0 * t,
             "linear": lambda t: 1.0 + k * (t - t_ref) / YEAR_D,
             "exponential": lambda t: np.exp(k * (t - t_ref) / YEAR_D)}[drift]
    rate = _bin_average(edges, lambda t: a0 * shape(t)
                        + a1 * np.cos(2 * np.pi * (t - T0_JUNE2) / YEAR_D))
    truth = {"a1": a1, "a_cos": a1 * np.cos(phi), "a_sin": a1 * np.sin(phi), "t0": T0_JUNE2,
             "a0": a0}
    if drift != "none":
        truth["drift"] = k
    return {"edges": edges, "exposure": exposure, "mu": rate * exposure, "truth": truth,
            "t_ref": t_ref, "t0_guess": T0_JUNE2, "period": YEAR_D, "drift": drift}


def sidereal_case() -> dict:
    """One year of 2-hour bins (the fit's sinc bin-averaging matters: 0.988), 55 events/day,
    20 % sidereal modulation (20 sigma: sigma(a) = sqrt(2 A0 / 365 d) = 0.55 /day), and a 3 %
    solar-day modulation fitted jointly as a nuisance."""
    edges = 60000.0 + np.arange(365 * 12 + 1) / 12.0
    exposure = np.full(edges.size - 1, 1.0 / 12.0)       # live days per bin
    a0, a1, t0, a_sol, t0_sol = 55.0, 11.0, 60000.3, 1.65, 60000.6
    rate = _bin_average(edges, lambda t: a0 + a1 * np.cos(2 * np.pi * (t - t0) / SIDEREAL_DAY_D)
                        + a_sol * np.cos(2 * np.pi * (t - t0_sol) / SOLAR_DAY_D))
    return {"edges": edges, "exposure": exposure, "mu": rate * exposure,
            "truth": {"a1": a1, "t0": t0, "a0": a0}, "t_ref": 60182.0, "t0_guess": 60000.3,
            "period": SIDEREAL_DAY_D, "drift": "none", "extra": (SOLAR_DAY_D,)}


def test_annual_modulation_pulls_linear_drift():
    """1500 toys: A1, a, b, t0, A0 and k have pull mean within 0.1 and width within 10 %; the
    mean Poisson deviance is ndof within 4 standard errors (>= 200 counts per bin, so the
    chi2(ndof) approximation holds to < 0.1 %)."""
    deviance: list[tuple[float, int]] = []
    _check(_pulls(annual_case("linear"), 1500, seed=11, deviance=deviance))
    d, ndof = np.array(deviance).T
    assert abs(d.mean() - ndof[0]) < 4.0 * np.sqrt(2.0 * ndof[0] / d.size), (d.mean(), ndof[0])


def test_annual_modulation_pulls_exponential_drift():
    """400 toys: bounds 0.2 (mean) and 0.14 (width), 4 statistical errors."""
    _check(_pulls(annual_case("exponential"), 400, seed=12))


def test_sidereal_modulation_pulls():
    """200 toys of a year of 2-hour counts with a solar-day nuisance harmonic."""
    _check(_pulls(sidereal_case(), 200, seed=13))


@pytest.mark.slow
@pytest.mark.parametrize("drift", ["none", "linear", "exponential"])
def test_annual_modulation_pulls_many_toys(drift):
    """5000 toys per drift model: pull mean within 0.06 and width within 4 %."""
    pulls = _pulls(annual_case(drift), 5000, seed=99)
    for name, p in pulls.items():
        assert abs(p.mean()) < 0.06 and abs(p.std(ddof=1) - 1.0) < 0.04, (name, p.mean(),
                                                                           p.std(ddof=1))


@pytest.mark.slow
def test_sidereal_modulation_pulls_many_toys():
    """2000 toys of the sidereal case: pull mean within 0.1 and width within 10 %."""
    pulls = _pulls(sidereal_case(), 2000, seed=98)
    for name, p in pulls.items():
        assert abs(p.mean()) < 0.1 and abs(p.std(ddof=1) - 1.0) < 0.1, (name, p.mean(),
                                                                         p.std(ddof=1))

"""Unit tests of mcdm.analysis.harmonic (modulation fits, binning) and mcdm.analysis.plots.

Most tests fit Asimov data (counts = expected counts, non-integer), for which the maximum-
likelihood estimate equals the truth: the reference values are the injected parameters, and the
expected bin counts are computed here by 8-point Gauss-Legendre quadrature of the rate, not by
the fit's closed-form bin averages. The HESSE errors are compared with the Fisher information
of a nearly flat rate, sigma(a) = sqrt(2 A0 / sum E) / sinc(w / P), sigma(A0) = sqrt(A0 / sum E).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from mcdm.analysis.harmonic import (
    DRIFT_MODELS,
    SIDEREAL_DAY_D,
    SOLAR_DAY_D,
    YEAR_D,
    HarmonicFit,
    bin_events,
    fit_harmonic,
    phase_fold,
)
from mcdm.constants import SECONDS_PER_DAY, SIDEREAL_DAY_S
from mcdm.errors import ConfigError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
T_REF = 60365.0
T0_JUNE2 = 60250.0


def bin_average(edges, f, n_nodes=8):
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    lo, hi = edges[:-1, None], edges[1:, None]
    t = 0.5 * (lo + hi) + 0.5 * (hi - lo) * x
    return (f(t) * w).sum(axis=1) / 2.0


def background(drift, a0, k):
    return {"none": lambda t: a0 + 0.0 * t,
            "linear": lambda t: a0 * (1.0 + k * (t - T_REF) / YEAR_D),
            "exponential": lambda t: a0 * np.exp(k * (t - T_REF) / YEAR_D)}[drift]


def annual_asimov(drift, a0=300.0, k=-0.08, a1=6.0, t0=T0_JUNE2, width=1.0):
    edges = 60000.0 + np.arange(0.0, 2 * 365 + 0.5, width)
    exposure = np.where(np.arange(edges.size - 1) % 10 == 3, 0.0, 0.8) * width
    bkg = background(drift, a0, k)
    rate = bin_average(edges, lambda t: bkg(t) + a1 * np.cos(2 * np.pi * (t - t0) / YEAR_D))
    return edges, rate * exposure, exposure


def test_constants_come_from_mcdm_constants():
    assert SIDEREAL_DAY_D == SIDEREAL_DAY_S / SECONDS_PER_DAY
    assert abs(SIDEREAL_DAY_D * 24.0 - 23.9344696) < 1e-7
    assert YEAR_D == 365.25 and SOLAR_DAY_D == 1.0


@pytest.mark.parametrize("drift", DRIFT_MODELS)
def test_asimov_recovers_truth(drift):
    """Every drift model: A0, k, A1, t0 recovered to 1 % of their errors; deviance ~ 0."""
    k = 0.0 if drift == "none" else -0.08
    edges, mu, exposure = annual_asimov(drift, k=k)
    fit = fit_harmonic(edges, mu, exposure, YEAR_D, drift=drift, t_ref=T_REF, t0_guess=60200.0)
    assert fit.valid and fit.drift_model == drift
    # MIGRAD converges to ~1e-3 of the errors (MIGRAD_TOL); allow 1e-2
    assert abs(fit.a0 - 300.0) < 1e-2 * fit.a0_err
    assert abs(fit.drift - k) < 1e-2 * max(fit.drift_err, 1e-300) or drift == "none"
    assert fit.drift == 0.0 if drift == "none" else fit.drift_err > 0
    assert abs(fit.a1 - 6.0) < 1e-2 * fit.a1_err
    assert abs(fit.t0 - T0_JUNE2) < 1e-2 * fit.t0_err
    assert fit.phase_rad == pytest.approx(2 * np.pi * (fit.t0 - T_REF) / YEAR_D)
    assert fit.deviance < 1e-4
    assert fit.n_bins == 657 and fit.ndof == 657 - len(fit.parameters)
    assert fit.expected_counts(edges, exposure) == pytest.approx(mu, rel=1e-5)
    assert fit.rate(np.array([T0_JUNE2])) == pytest.approx(
        background(drift, 300.0, k)(T0_JUNE2) + 6.0, rel=1e-5)


def test_asimov_errors_match_fisher_information():
    """HESSE errors of a nearly flat rate: sigma(A0) = sqrt(A0/sum E), sigma(a) = sqrt(2 A0/sum E)
    over whole periods (to 1 %), and the Asimov likelihood ratio = (A1/sigma)^2 (to 2 %)."""
    edges, mu, exposure = annual_asimov("none", a1=3.0, width=1.0)
    edges, mu, exposure = edges[:731], mu[:730], exposure[:730]      # two whole years
    total = exposure.sum()
    fit = fit_harmonic(edges, mu, exposure, YEAR_D, t_ref=T_REF, minos=True)
    sigma_a = math.sqrt(2 * 300.0 / total) / np.sinc(1.0 / YEAR_D)
    assert fit.a0_err == pytest.approx(math.sqrt(300.0 / total), rel=0.01)
    assert fit.modulation.a_cos_err == pytest.approx(sigma_a, rel=0.01)
    assert fit.modulation.a_sin_err == pytest.approx(sigma_a, rel=0.01)
    assert fit.a1_err == pytest.approx(sigma_a, rel=0.01)
    assert fit.t0_err == pytest.approx(sigma_a / 3.0 * YEAR_D / (2 * np.pi), rel=0.01)
    assert fit.ts_modulation == pytest.approx((3.0 / sigma_a) ** 2, rel=0.02)
    assert fit.p_modulation == pytest.approx(math.exp(-fit.ts_modulation / 2), rel=1e-6)
    lower, upper = fit.a1_minos
    assert -lower == pytest.approx(fit.a1_err, rel=0.03) and upper == pytest.approx(fit.a1_err,
                                                                                   rel=0.03)


def test_amplitude_positive_and_t0_representative():
    """A negative cosine coefficient still gives A1 > 0; t0 is the representative nearest the
    guess (or within P/2 of t_ref), and the covariance is read-only."""
    t0_true = T_REF + 0.5 * YEAR_D - 10.0        # a_cos < 0 relative to t_ref
    edges, mu, exposure = annual_asimov("none", t0=t0_true)
    fit = fit_harmonic(edges, mu, exposure, YEAR_D, t_ref=T_REF)
    assert fit.modulation.a_cos < 0 and abs(fit.a1 - 6.0) < 1e-2 * fit.a1_err
    assert abs(fit.t0 - T_REF) <= 0.5 * YEAR_D
    assert abs(fit.t0 - t0_true) < 1e-2 * fit.t0_err
    guessed = fit_harmonic(edges, mu, exposure, YEAR_D, t_ref=T_REF, t0_guess=t0_true + 3 * YEAR_D)
    assert abs(guessed.t0 - (t0_true + 3 * YEAR_D)) < 1e-2 * fit.t0_err
    assert isinstance(fit, HarmonicFit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.a0 = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        fit.covariance[0, 0] = 1.0


def test_bin_average_correction_with_edges():
    """6-hour bins on a sidereal modulation: edges recover A1, centres see A1 sinc(w/P)."""
    edges = 60000.0 + np.arange(0.0, 30.0 + 1e-9, 0.25)
    exposure = np.full(edges.size - 1, 25.0)                # 100 kg x 0.25 d
    rate = bin_average(edges, lambda t: 40.0 + 10.0 * np.cos(2 * np.pi * (t - 60000.3)
                                                              / SIDEREAL_DAY_D))
    by_edges = fit_harmonic(edges, rate * exposure, exposure, SIDEREAL_DAY_D)
    centres = 0.5 * (edges[1:] + edges[:-1])
    by_centres = fit_harmonic(centres, rate * exposure, exposure, SIDEREAL_DAY_D)
    damping = np.sinc(0.25 / SIDEREAL_DAY_D)                # 0.900
    assert abs(by_edges.a1 - 10.0) < 1e-2 * by_edges.a1_err
    assert abs(by_centres.a1 - 10.0 * damping) < 1e-2 * by_centres.a1_err
    assert 10.0 * (1.0 - damping) > 3.0 * by_edges.a1_err    # the difference is significant


@pytest.mark.parametrize("inject", ["sidereal", "solar"])
def test_joint_sidereal_solar_fit_separates_a_year(inject):
    """A year of hourly Asimov counts with only one of the two daily harmonics: the joint fit
    gives the injected amplitude and ~0 for the other (they are 1 cycle/yr apart)."""
    edges = 60000.0 + np.arange(365 * 24 + 1) / 24.0
    exposure = np.full(edges.size - 1, 1.0 / 24.0)
    period = SIDEREAL_DAY_D if inject == "sidereal" else SOLAR_DAY_D
    rate = bin_average(edges, lambda t: 50.0 + 10.0 * np.cos(2 * np.pi * (t - 60000.2) / period))
    fit = fit_harmonic(edges, rate * exposure, exposure, SIDEREAL_DAY_D,
                       extra_periods=(SOLAR_DAY_D,))
    sidereal, solar = fit.modulation, fit.others[0]
    assert solar.period_days == SOLAR_DAY_D
    found, other = (sidereal, solar) if inject == "sidereal" else (solar, sidereal)
    assert abs(found.amplitude - 10.0) < 1e-2 * found.amplitude_err
    assert other.amplitude < 1e-2 * other.amplitude_err
    assert other.amplitude_err == pytest.approx(found.amplitude_err, rel=0.05)


def test_sidereal_fit_to_events():
    """A year of ~2e4 events, 20 % sidereal modulation, hourly bins: A1/A0 and t0 within
    3 sigma of the truth; the deviance is reasonable for ~2.3 counts per bin."""
    rng = np.random.default_rng(2024)
    t = 60000.0 + rng.random(24_000) * 365.25
    keep = rng.random(t.size) * 1.2 < 1.0 + 0.2 * np.cos(2 * np.pi * (t - 60000.4) / SIDEREAL_DAY_D)
    t = t[keep]
    edges = 60000.0 + np.arange(365 * 24 + 7) / 24.0
    counts = bin_events(t, edges)
    assert counts.sum() == t.size
    fit = fit_harmonic(edges, counts, 1.0 / 24.0, SIDEREAL_DAY_D, t0_guess=60000.4)
    assert fit.valid
    assert abs(fit.a1 - 0.2 * fit.a0) < 3 * fit.a1_err
    assert abs(fit.t0 - 60000.4) < 3 * fit.t0_err
    assert fit.p_modulation < 1e-30
    assert 0.9 < fit.chi2_ndof < 1.3 and 0.0 <= fit.gof_p <= 1.0


def test_bin_events():
    t = np.array([0.1, 0.5, 1.2, 2.0, 5.0, -1.0])
    assert bin_events(t, [0.0, 1.0, 2.0]).tolist() == [2, 2]
    assert bin_events(t, [0.0, 1.0, 2.0]).dtype == np.int64
    w = bin_events(t, [0.0, 1.0, 2.0], weights=np.arange(6.0))
    assert w.tolist() == [1.0, 5.0]
    with pytest.raises(ConfigError, match="strictly increasing"):
        bin_events(t, [0.0, 0.0, 1.0])


def test_phase_fold_exposure_and_counts():
    """Exposure per phase bin is the exact live time in the bin, partial periods included."""
    times = np.array([10.0, 10.25, 10.6, 11.1, 12.9])
    fold = phase_fold(times, 1.0, 4, t_start=10.0, t_stop=12.5, epoch=10.0)
    # 2.5 d: two whole days (0.5 d per quarter bin) plus [0, 0.5) of a third day
    assert fold.exposure_days == pytest.approx([0.75, 0.75, 0.5, 0.5])
    assert fold.counts.tolist() == [2, 1, 1, 0]             # 12.9 is outside the live interval
    assert fold.edges == pytest.approx(10.0 + np.linspace(0.0, 1.0, 5))
    shifted = phase_fold(times, 1.0, 4, t_start=9.9, t_stop=12.5, epoch=10.0)
    assert shifted.exposure_days.sum() == pytest.approx(2.6)
    assert shifted.exposure_days[3] == pytest.approx(0.6)


def test_phase_fold_then_fit():
    rng = np.random.default_rng(7)
    t = 60000.0 + rng.random(30_000) * 200.0
    t = t[rng.random(t.size) * 1.3 < 1.0 + 0.3 * np.cos(2 * np.pi * (t - 60000.1) / SIDEREAL_DAY_D)]
    fold = phase_fold(t, SIDEREAL_DAY_D, 24, t_start=60000.0, t_stop=60200.0)
    assert fold.exposure_days.sum() == pytest.approx(200.0)
    fit = fit_harmonic(fold.edges, fold.counts, fold.exposure_days, SIDEREAL_DAY_D,
                       t0_guess=60000.1)
    assert abs(fit.a1 / fit.a0 - 0.3) < 3 * fit.a1_err / fit.a0
    assert abs(fit.t0 - 60000.1) < 3 * fit.t0_err


@pytest.mark.parametrize("kwargs, match", [
    ({"drift": "quadratic"}, r"unknown drift model 'quadratic'; known: \['none'"),
    ({"period_days": 0.0}, "period_days must be a finite period > 0"),
    ({"exposure": -1.0}, "exposure must be finite and >= 0"),
    ({"t_days": np.arange(7.0)}, "give 5 bin centres or 6 bin edges"),
    ({"counts": np.zeros(5)}, "all counts are zero"),
    ({"exposure": np.array([1.0, 0.0, 1.0, 1.0, 1.0])}, "bin 1 has 4 counts but zero exposure"),
    ({"t_days": np.array([0.0, 1.0, 1.0, 2.0, 3.0, 4.0])}, "strictly increasing"),
    ({"exposure": np.ones(3)}, r"exposure has shape \(3,\), expected \(\) or \(5,\)"),
    ({"extra_periods": (2.0,)}, "repeat"),
])
def test_fit_harmonic_errors(kwargs, match):
    args = {"t_days": np.arange(6.0), "counts": np.array([3, 4, 5, 4, 3]), "exposure": 1.0,
            "period_days": 2.0}
    args.update(kwargs)
    with pytest.raises(ConfigError, match=match):
        fit_harmonic(**args)


@pytest.mark.parametrize("fold", [False, True])
def test_plot_harmonic_fit(tmp_path, fold):
    from mcdm.analysis.plots import plot_harmonic_fit

    edges, mu, exposure = annual_asimov("linear")
    counts = np.random.default_rng(1).poisson(mu)
    fit = fit_harmonic(edges, counts, exposure, YEAR_D, drift="linear")
    out = plot_harmonic_fit(tmp_path / "fig" / "fit.png", edges, counts, exposure, fit,
                            title="annual", fold=fold, n_phase_bins=12)
    assert out.read_bytes()[:8] == PNG_MAGIC
    assert [p.name for p in (tmp_path / "fig").iterdir()] == ["fit.png"]   # no temp left
    with pytest.raises(ConfigError, match="n_phase_bins"):
        plot_harmonic_fit(tmp_path / "x.png", edges, counts, exposure, fit, n_phase_bins=1)

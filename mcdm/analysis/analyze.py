"""``mcdm analyze``: significance, amplitude and phase of a run's rate histogram or event catalog.

Two inputs, one report (``analysis.json`` + PNGs, and a headline printed by the CLI):

* **Rate histogram** (a run's ``rate.json``: expected signal per time bin of one period). For an
  exposure of ``years`` and the flat background of ``[detector]`` in a ±``window_sigma`` σ_E
  window around the line (Eq. 42): the paper's on/off test (Eq. 43), the binned likelihood shape
  test with a free background normalisation (Asimov discovery Z and the median 95 % upper limit
  on the signal strength μ), the same test on the two on/off halves, and the harmonic fit
  A0 + A1 cos(2π(t − t0)/P) of the expected (Asimov) phase counts, whose errors are the expected
  errors for that exposure.
* **Event catalog** (``events.parquet``): events folded on ``period`` into phase bins and fitted
  with the harmonic model (Poisson likelihood), a Lomb–Scargle periodogram with its false-alarm
  probability, the sidereal/solar separation when the catalog spans enough time to resolve it,
  and a Li & Ma on/off significance. The on half is taken from the run's predicted rate when its
  ``rate.json`` lies beside the catalog and spans one ``period``; otherwise it is chosen from the
  data themselves and flagged ``a_posteriori`` (the significance is then optimistic).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from mcdm.errors import ConfigError

__all__ = ["analyze_path", "analyze_rate", "analyze_catalog", "PERIODS"]

#: named periods [d] for ``--period``
PERIODS = {"sidereal": None, "solar": 1.0, "annual": 365.25}


#: scenarios whose rate.json is a detector rate histogram [s^-1] with the [midm] line
RATE_SCENARIOS = ("midm",)


def _period_days(period: str | float) -> float:
    from mcdm.analysis.harmonic import SIDEREAL_DAY_D

    if isinstance(period, str):
        if period in PERIODS:
            return SIDEREAL_DAY_D if period == "sidereal" else float(PERIODS[period])
        try:
            period = float(period)
        except ValueError:
            raise ConfigError(f"period must be one of {sorted(PERIODS)} or a number of days, got {period!r}") from None
    if not (math.isfinite(period) and period > 0):
        raise ConfigError(f"period must be > 0 days, got {period!r}")
    return float(period)


def _run_config(folder: Path) -> dict[str, Any]:
    """The resolved config.toml of a run folder, or {} when absent."""
    import tomllib

    path = folder / "config.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _line_and_detector(cfg: dict[str, Any], background: float | None) -> tuple[float, float, float]:
    """(line energy [keV], background [events/keV/yr], resolution) from a run config and overrides."""
    from mcdm.units import parse_quantity

    midm = cfg.get("midm", {})
    det = cfg.get("detector", {})
    line = float(parse_quantity(midm["delta"], "midm.delta").to_value("keV")) if "delta" in midm else math.nan
    bkg = float(det.get("background", 0.0)) if background is None else float(background)
    return line, bkg, float(det.get("resolution", 0.10))


def analyze_rate(tally, cfg: dict[str, Any], *, years: float = 6.0, background: float | None = None,
                 window_sigma: float = 2.0, onoff: str = "contiguous") -> dict[str, Any]:
    """Expected significance, limit, amplitude and phase of a rate tally (module docstring)."""
    from mcdm.analysis.harmonic import fit_harmonic
    from mcdm.analysis.likelihood import ModulationLikelihood
    from mcdm.analysis.onoff import onoff_mask, paper_onoff, phase_rates_per_day, window_background_rate

    rate = phase_rates_per_day(tally)  # events/day per phase bin
    edges = np.asarray(tally.axis("time").edges, dtype=float)
    period = float(edges[-1] - edges[0])
    line, bkg_per_kev, resolution = _line_and_detector(cfg, background)
    if not math.isfinite(line):
        raise ConfigError("the run folder has no [midm] delta in config.toml: cannot place the energy window")
    n_days = years * 365.25
    bkg = window_background_rate(bkg_per_kev, line, resolution, window_sigma) if bkg_per_kev > 0 else 0.0
    paper = paper_onoff(rate, bkg, n_days=n_days, variant=onoff)
    out: dict[str, Any] = {
        "input": "rate histogram",
        "units": {"rate": "events/day", "background": "events/day in the window", "t0": "h after the grid start",
                  "amplitude": "events/day", "exposure": "days"},
        "period_days": period,
        "exposure_days": n_days,
        "line_keV": line,
        "background_per_keV_per_year": bkg_per_kev,
        "window_sigma": window_sigma,
        "background_per_day": bkg,
        "signal_per_day": float(rate.mean()),
        "signal_events": float(rate.mean() * n_days),
        "onoff_paper": {"variant": paper.variant, "gamma_on": paper.gamma_on, "gamma_off": paper.gamma_off,
                        "ratio": paper.ratio, "threshold": paper.threshold, "significance": paper.significance,
                        "sensitive": paper.sensitive},
    }
    frac = np.diff(edges) / period
    signal = rate * frac * n_days
    if bkg > 0:
        shape = ModulationLikelihood(signal, np.full_like(signal, bkg) * frac * n_days, float_background=True)
        on = onoff_mask(rate, onoff)
        halves = ModulationLikelihood(np.array([signal[on].sum(), signal[~on].sum()]),
                                      np.array([0.5, 0.5]) * bkg * n_days, float_background=True)
        out["likelihood"] = {"z_shape": shape.asimov_z(), "z_onoff_halves": halves.asimov_z(),
                             "mu_upper_95_median": shape.asimov_upper_limit(0.95),
                             "mu_for_z3": shape.asimov_mu_for_z(3.0)}
    # harmonic fit of the expected (Asimov) counts: expected amplitude, phase and their errors
    counts = (rate + bkg) * frac * n_days
    t_rel = edges - edges[0]
    fit = fit_harmonic(t_rel, counts, frac * n_days, period)
    m = fit.modulation
    hours = 24.0
    out["harmonic"] = {"a0": fit.a0, "a0_err": fit.a0_err, "a1": m.amplitude, "a1_err": m.amplitude_err,
                       "t0_hours": (m.t0 % period) * hours, "t0_err_hours": m.t0_err * hours,
                       "peak_bin_hours": float(np.argmax(rate) + 0.5) * period * hours / rate.size,
                       "ts_modulation": fit.ts_modulation}
    out["_fit"] = (t_rel, counts, frac * n_days, fit)
    return out


def analyze_catalog(df, *, period: str | float = "sidereal", n_bins: int = 24, drift: str = "none",
                    rate_tally=None, energy_window: tuple[float, float] | None = None) -> dict[str, Any]:
    """Harmonic fit, periodogram and Li & Ma on/off significance of an event catalog (module docstring)."""
    from mcdm.analysis.binning import phase_fold
    from mcdm.analysis.harmonic import fit_harmonic
    from mcdm.analysis.onoff import fold_counts, li_ma, onoff_mask
    from mcdm.analysis.periodogram import periodogram, separate_sidereal_solar

    if energy_window is not None:
        lo, hi = energy_window
        df = df[(df["energy_keV"] >= lo) & (df["energy_keV"] <= hi)]
    t = np.asarray(df["time_mjd"], dtype=float)
    if t.size < 10:
        raise ConfigError(f"the catalog holds {t.size} events (after cuts); at least 10 are needed")
    p = _period_days(period)
    fold = phase_fold(t, p, n_bins)
    if drift == "none":
        fit = fit_harmonic(fold.edges, fold.counts, fold.exposure_days, p)
        fit_data = (fold.edges, fold.counts, fold.exposure_days, fit)
    else:  # a drifting background needs the time axis: bins of one period
        edges = np.arange(t.min(), t.max() + p, p)
        counts = np.histogram(t, edges)[0]
        fit = fit_harmonic(edges, counts, np.diff(edges), p, drift=drift)
        fit_data = (edges, counts, np.diff(edges), fit)
    m = fit.modulation
    span = float(t.max() - t.min())
    out: dict[str, Any] = {
        "input": "event catalog",
        "units": {"t0": "d (MJD)", "amplitude": "events/day", "period": "d", "span": "d"},
        "events": int(t.size),
        "span_days": span,
        "period_days": p,
        "harmonic": {"drift": drift, "a0": fit.a0, "a0_err": fit.a0_err, "a1": m.amplitude,
                     "a1_err": m.amplitude_err, "t0_mjd": m.t0, "t0_err_days": m.t0_err,
                     "p_modulation": fit.p_modulation, "deviance_per_dof": fit.chi2_ndof},
    }
    pg = periodogram(t)
    out["periodogram"] = {"best_period_hours": pg.best_period_hours, "best_power": pg.best_power,
                          "false_alarm_probability": pg.fap, "resolution_per_day": pg.resolution}
    if span >= 30.0:  # sidereal against solar frequency ("resolved" when span x delta_f >= 1, i.e. ~1 yr)
        sep = separate_sidereal_solar(t)
        out["sidereal_vs_solar"] = {k: sep[k] for k in sep if isinstance(sep[k], (int, float, bool, str))}
    # on/off: predicted half when the run's rate spans this period, else chosen from the data
    a_posteriori = True
    if rate_tally is not None:
        edges = np.asarray(rate_tally.axis("time").edges, dtype=float)
        if abs((edges[-1] - edges[0]) - p) < 0.01 * p:
            from mcdm.analysis.onoff import phase_rates_per_day

            counts = fold_counts(t, edges)
            mask = onoff_mask(phase_rates_per_day(rate_tally), "contiguous")
            a_posteriori = False
    if a_posteriori:
        counts = fold.counts
        mask = onoff_mask(counts.astype(float), "contiguous") if counts.size % 2 == 0 else None
    if mask is not None:
        n_on, n_off = float(counts[mask].sum()), float(counts[~mask].sum())
        out["onoff"] = {"n_on": n_on, "n_off": n_off, "li_ma_z": float(li_ma(n_on, n_off, 1.0)),
                        "a_posteriori": a_posteriori}
    out["_fit"] = fit_data
    out["_periodogram"] = pg
    return out


def analyze_path(path: str | Path, *, years: float = 6.0, background: float | None = None, window_sigma: float = 2.0,
                 onoff: str = "contiguous", period: str | float = "sidereal", drift: str = "none",
                 n_bins: int = 24, plot: bool = True, output_dir: str | Path | None = None) -> dict[str, Any]:
    """Analyse a run folder (its rate.json and, if present, events.parquet) or one of those files.

    Writes ``analysis.json`` (and ``analysis_rate.png`` / ``analysis_catalog.png`` /
    ``analysis_periodogram.png``) into ``output_dir`` (default: the folder analysed).
    """
    from mcdm.io import ANALYSIS_SCHEMA, ANALYSIS_SCHEMA_VERSION, write_summary
    from mcdm.tally import Tally

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{str(path)!r} does not exist; give a run folder, a rate.json or an events.parquet")
    folder = path if path.is_dir() else path.parent
    rate_file = path if path.suffix == ".json" else folder / "rate.json"
    catalog_file = path if path.suffix == ".parquet" else folder / "events.parquet"
    use_rate = rate_file.is_file() and path.suffix != ".parquet"
    use_catalog = catalog_file.is_file() and path.suffix != ".json"
    if not (use_rate or use_catalog):
        raise ConfigError(f"{str(path)!r} holds neither rate.json nor events.parquet (run 'mcdm run' first)")
    cfg = _run_config(folder)
    scenario = str(cfg.get("run", {}).get("scenario", "midm"))
    report: dict[str, Any] = {"path": str(path)}
    if use_rate and scenario not in RATE_SCENARIOS:
        # the rate-histogram analysis needs a detector rate [s^-1] and the [midm] line (a midm run)
        if path.suffix == ".json" or not use_catalog:
            raise ConfigError(f"the rate-histogram analysis is for {list(RATE_SCENARIOS)} runs; {str(folder)!r} is "
                              f"a '{scenario}' run: analyse its events.parquet instead")
        use_rate = False
        report["rate_skipped"] = f"rate.json of a '{scenario}' run (not a {list(RATE_SCENARIOS)} detector rate)"
    outdir = Path(output_dir) if output_dir is not None else folder
    outdir.mkdir(parents=True, exist_ok=True)
    tally = Tally.load(rate_file) if use_rate else None
    headline: dict[str, str] = {}
    if use_rate:
        res = analyze_rate(tally, cfg, years=years, background=background, window_sigma=window_sigma, onoff=onoff)
        fit_data = res.pop("_fit")
        report["rate"] = res
        headline["expected signal / background [events/day]"] = (f"{res['signal_per_day']:.4g} / "
                                                                 f"{res['background_per_day']:.4g}")
        headline[f"Eq. 43 on/off significance ({years:g} yr)"] = f"{res['onoff_paper']['significance']:.3g}"
        if "likelihood" in res:
            lk = res["likelihood"]
            headline["likelihood Z (shape | on/off halves)"] = f"{lk['z_shape']:.3g} | {lk['z_onoff_halves']:.3g}"
            headline["median 95% upper limit on the signal strength"] = f"{lk['mu_upper_95_median']:.3g}"
        h = res["harmonic"]
        headline["expected amplitude, time of maximum"] = (f"{h['a1']:.3g} ± {h['a1_err']:.2g} events/day, "
                                                          f"{h['t0_hours']:.2f} ± {h['t0_err_hours']:.2f} h")
        if plot:
            from mcdm.analysis.plots import plot_harmonic_fit

            t, c, e, fit = fit_data
            plot_harmonic_fit(outdir / "analysis_rate.png", t, c, e, fit, title=f"expected counts, {years:g} yr",
                              rate_label="rate [events/day]", time_label="time in the period [d]")
    if use_catalog:
        import pandas as pd

        df = pd.read_parquet(catalog_file)
        res = analyze_catalog(df, period=period, n_bins=n_bins, drift=drift, rate_tally=tally)
        fit_data, pg = res.pop("_fit"), res.pop("_periodogram")
        report["catalog"] = res
        h = res["harmonic"]
        headline["catalog: events, amplitude"] = (f"{res['events']}, {h['a1']:.3g} ± {h['a1_err']:.2g} events/day "
                                                  f"(p = {h['p_modulation']:.2g})")
        headline["catalog: periodogram peak, FAP"] = (f"{res['periodogram']['best_period_hours']:.4g} h, "
                                                      f"{res['periodogram']['false_alarm_probability']:.2g}")
        if "onoff" in res:
            headline["catalog: Li & Ma on/off Z"] = (f"{res['onoff']['li_ma_z']:.3g}"
                                                     + (" (a posteriori half)" if res["onoff"]["a_posteriori"] else ""))
        if plot:
            from mcdm.analysis.plots import plot_harmonic_fit, plot_periodogram

            t, c, e, fit = fit_data
            plot_harmonic_fit(outdir / "analysis_catalog.png", t, c, e, fit, title="catalog",
                              rate_label="rate [events/day]")
            plot_periodogram(outdir / "analysis_periodogram.png", pg, title="catalog")
    report["headline"] = headline
    report["output"] = str(outdir / "analysis.json")
    write_summary(outdir / "analysis.json", report, schema=ANALYSIS_SCHEMA, version=ANALYSIS_SCHEMA_VERSION)
    return report


def main_summary(report: dict[str, Any]) -> str:
    """The headline lines of a report."""
    return "\n".join(f"  {k}: {v}" for k, v in report.get("headline", {}).items())


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(json.dumps(analyze_path(sys.argv[1])["headline"], indent=1))

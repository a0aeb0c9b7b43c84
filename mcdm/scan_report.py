"""Judge and write a finished scan: on/off sensitivity (Eq. 43), likelihood significance, table, Figure 7.

Per grid point (digest 004 §2.14):

* ``onoff_z``: the paper's Eq. (43) significance (N_on − N_off)/(1.64 √N_off) for ``years`` of data
  with the flat ``[detector] background`` in a ±``window_sigma`` σ_E window around δ (Eq. 42);
  the paper's Fig. 7 sensitive region is ``onoff_z >= 1``;
* ``onoff_z_zero_bkg``: the same for ``zero_background_years`` without background;
* ``likelihood_z``: the Asimov discovery significance of the binned Poisson likelihood-ratio test
  with the simulated daily shape and a free background normalisation
  (:class:`mcdm.analysis.likelihood.ModulationLikelihood`), same exposure and background;
* ``onoff_likelihood_z``: the same test on the two on/off halves only (the paper's split, judged with
  the same statistics: the off half's own fluctuation counted, which Eq. 43 leaves out);
* ``total_events``: the signal events in ``years`` (the paper's red contours).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["judge_rows", "write_scan_outputs", "overburden_length_km", "OVERBURDEN_KM"]

#: the paper's typical overburden decay lengths l_ob [km] (digest 004 §2.14: ~2 km GS, ~10 km SUPL)
OVERBURDEN_KM = {"gran_sasso": 2.0, "lngs": 2.0, "supl": 10.0}
_DAYS_PER_YEAR = 365.25


def overburden_length_km(site_name: str, depth_km: float) -> float:
    """l_ob of the paper for its two sites [km]; the vertical depth elsewhere."""
    for key, value in OVERBURDEN_KM.items():
        if site_name.lower().startswith(key):
            return value
    return depth_km


def judge_rows(rows: list[dict[str, Any]], plan, background_per_keV_per_year: float, resolution: float,
               n_bins_per_period: int) -> list[dict[str, Any]]:
    """Add the significance columns (module docstring) to every row (rates in events/day)."""
    from mcdm.analysis.onoff import onoff_mask, paper_onoff, window_background_rate

    n_days = plan.years * _DAYS_PER_YEAR
    n_days_0 = plan.zero_background_years * _DAYS_PER_YEAR
    out = []
    for row in rows:
        row = dict(row)
        hourly = np.asarray(row["hourly"], dtype=float)
        row["total_events"] = row["daily"] * n_days
        if row["closed"] or not np.any(hourly > 0) or hourly.size != n_bins_per_period or hourly.size % 2:
            row.update(background_per_day=math.nan, onoff_z=0.0, onoff_z_zero_bkg=0.0, likelihood_z=0.0,
                       onoff_likelihood_z=0.0)
            out.append(row)
            continue
        bkg = window_background_rate(background_per_keV_per_year, row["delta_keV"], resolution, plan.window_sigma)
        row["background_per_day"] = bkg
        row["onoff_z"] = paper_onoff(hourly, bkg, n_days=n_days, variant=plan.onoff).significance
        row["onoff_z_zero_bkg"] = paper_onoff(hourly, 0.0, n_days=n_days_0, variant=plan.onoff).significance
        if plan.likelihood:
            on = onoff_mask(hourly, plan.onoff)
            row["likelihood_z"] = _likelihood_z(hourly, bkg, n_days)
            two = np.array([hourly[on].mean(), hourly[~on].mean()])  # on/off halves as 2 phase bins
            row["onoff_likelihood_z"] = _likelihood_z(two, bkg, n_days)
        else:
            row["likelihood_z"] = row["onoff_likelihood_z"] = math.nan
        out.append(row)
    return out


def _likelihood_z(hourly_per_day: np.ndarray, background_per_day: float, n_days: float) -> float:
    """Asimov discovery Z of the shape test with a free background normalisation."""
    from mcdm.analysis.likelihood import ModulationLikelihood

    width = 1.0 / hourly_per_day.size  # each phase bin is this fraction of a day
    signal = hourly_per_day * width * n_days
    background = np.full_like(signal, background_per_day * width * n_days)
    if background_per_day <= 0:
        return math.nan
    return float(ModulationLikelihood(signal, background, float_background=True).asimov_z())


def write_scan_outputs(cfg, plan, rows: list[dict[str, Any]], outdir: Path) -> list[str]:
    """scan.parquet, summary.json and fig7.png (or a rate map for other axes) into ``outdir``."""
    import pandas as pd

    from mcdm.geometry import library
    from mcdm.io import SCAN_SUMMARY_SCHEMA, SCAN_SUMMARY_SCHEMA_VERSION, atomic_path, write_summary

    judged = judge_rows(rows, plan, cfg.detector.background, cfg.detector.resolution, cfg.time.bins)
    df = pd.DataFrame(judged)
    with atomic_path(outdir / "scan.parquet") as tmp:
        df.to_parquet(tmp, index=False)
    written = ["scan.parquet"]
    site = library.load_site(cfg.site.name)
    l_ob = overburden_length_km(site.name, site.depth_km)
    sens = df[df["onoff_z"] >= 1.0]
    summary = {
        "name": cfg.run.name,
        "site": site.name,
        "plan": plan.as_dict(),
        "background_per_keV_per_year": cfg.detector.background,
        "overburden_length_km": l_ob,
        "points": int(len(df)),
        "units": {"delta_keV": "keV", "daily": "events/day", "total_events": f"events in {plan.years:g} yr",
                  "decay_length_450_km": "km", "onoff_z": "Eq. (43) multiples of 1.64/sqrt(N_off)",
                  "likelihood_z": "sigma (Asimov, shape test, free background)"},
        "sensitive_points_onoff": int(len(sens)),
        "sensitive_points_zero_background": int((df["onoff_z_zero_bkg"] >= 1.0).sum()),
        "sensitive_points_likelihood_1sigma": int((df["likelihood_z"] >= 1.0).sum()) if plan.likelihood else None,
        "sensitive_points_likelihood_1.64": int((df["likelihood_z"] >= 1.64).sum()) if plan.likelihood else None,
    }
    summary["headline"] = {
        "grid points": f"{len(df)} ({', '.join(a.label for a in plan.axes)})",
        f"on/off sensitive (≥1, {plan.years:g} yr, background)": str(summary["sensitive_points_onoff"]),
        f"on/off sensitive (≥1, {plan.zero_background_years:g} yr, no background)":
            str(summary["sensitive_points_zero_background"]),
    }
    if plan.likelihood:
        summary["headline"]["likelihood shape test Z ≥ 1.64"] = str(summary["sensitive_points_likelihood_1.64"])
    if len(sens):
        summary["sensitive_delta_keV_range"] = [float(sens["delta_keV"].min()), float(sens["delta_keV"].max())]
        summary["sensitive_g_M_range"] = [float(sens["g_M"].min()), float(sens["g_M"].max())]
    write_summary(outdir / "summary.json", summary, schema=SCAN_SUMMARY_SCHEMA, version=SCAN_SUMMARY_SCHEMA_VERSION)
    written.append("summary.json")
    if cfg.output.plot:
        from mcdm.plotting import plot_sensitivity_map

        keys = [a.key for a in plan.axes]
        title = (f"{site.name}: {plan.years:g} yr, {cfg.detector.background:g} /keV/yr (on/off ≥ 1), "
                 f"{plan.zero_background_years:g} yr no background; m = {cfg.dark_matter.mass:g} GeV")
        if sorted(keys) == ["midm.delta", "midm.g_M"]:
            plot_sensitivity_map(outdir / "fig7.png", df, l_ob, cfg.dark_matter.mass, title=title,
                                 constants=cfg.midm.constants)
            written.append("fig7.png")
    return written

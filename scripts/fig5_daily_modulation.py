"""Seed 004 Figure 5: hourly photon rate per isotope on 2000-01-01 at Gran Sasso and SUPL.

Reproduces the three panels of Figure 5 of Eby, Fox & Kribs (2023) (digest 004 §3, §10 targets 9-10):
m_chi = 1 TeV, g_M = 2e-3, a 1000 m^3 detector, 24 solar-hour bins from 2000-01-01 00:00 UTC,
(a) Gran Sasso at delta = 15 keV, (b) SUPL at delta = 15 keV, (c) both sites at delta = 100 keV.
Each panel is one run of the built-in ``midm`` config (``mcdm/config/defaults/midm_gran_sasso.toml``)
with the site, delta and sample count changed; rates are events/day with Monte Carlo errors, each
curve rolled so its peak sits in the middle bin (the paper's normalisation).

Checks (printed and stored in ``summary.json``, not asserted):

* SUPL/GS daily ratio at 15 keV: the paper says "an order of magnitude"; pass if 5-20 (x2 around 10);
* SUPL peak broader than GS: width = number of hourly bins at or above half the maximum (primary);
  also the baseline-subtracted rms width around the peak hour (secondary, reported only);
* SUPL at 15 keV: Fe56 dominates at the peak hour and Al27 over the whole day (the paper's text);
  GS at 15 keV: Al27 dominates at every hour;
* 100 keV: only Fe56 is kinematically open, at both sites, and SUPL > GS.

Writes ``fig5.png`` (all panels), ``fig5a_gran_sasso_15keV.png``, ``fig5b_supl_15keV.png``,
``table.md`` (hourly totals, per-isotope daily totals, checks) and ``summary.json`` into ``--out``
(default ``results/seed004_fig5``).

Usage::

    python scripts/fig5_daily_modulation.py [--out results/seed004_fig5] [--samples 500000] [--quick]
"""
from __future__ import annotations

import argparse
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from mcdm.config import default_config_text
from mcdm.io import atomic_path, atomic_write_json, atomic_write_text, markdown_table
from mcdm.plotting import centre_peak_shift, plot_rate_by_category
from mcdm.scenarios.midm import point_config as midm_config
from mcdm.scenarios.midm import run_point

__all__ = ["RUNS", "midm_config", "run_point", "half_max_bins", "half_max_bins_above_floor", "rms_width_hours",
           "figure5_checks", "main"]

GS, SUPL = "gran_sasso_efk2023", "supl_efk2023"
#: run key -> (site, delta [keV]); m_chi, g_M, date, volume are the built-in default's (Fig. 5)
RUNS = {"gs_15keV": (GS, 15.0), "supl_15keV": (SUPL, 15.0), "gs_100keV": (GS, 100.0), "supl_100keV": (SUPL, 100.0)}
SITE_LABEL = {GS: "Gran Sasso", SUPL: "SUPL"}
G_M = 2e-3
DEFAULT_SAMPLES, QUICK_SAMPLES = 500_000, 4_000


def half_max_bins(rate: np.ndarray) -> int:
    """Number of bins with rate >= max/2 (a full width at half maximum, in bins)."""
    r = np.asarray(rate, dtype=float)
    return int(np.count_nonzero(r >= 0.5 * r.max()))


def half_max_bins_above_floor(rate: np.ndarray) -> int:
    """Number of bins with rate - min >= (max - min)/2 (the half maximum of the modulated part)."""
    r = np.asarray(rate, dtype=float)
    return int(np.count_nonzero(r - r.min() >= 0.5 * (r.max() - r.min())))


def rms_width_hours(rate: np.ndarray, hours: np.ndarray, period_h: float = 24.0) -> float:
    """Baseline-subtracted rms width [h] of a daily curve around its peak bin.

    w_i = rate_i - min(rate); sigma^2 = sum w_i d_i^2 / sum w_i with d_i the circular distance
    [h] of bin i from the peak bin (period ``period_h``).
    """
    r, h = np.asarray(rate, dtype=float), np.asarray(hours, dtype=float)
    w = r - r.min()
    if w.sum() <= 0:
        return 0.0
    d = np.abs(h - h[int(np.argmax(r))])
    d = np.minimum(d, period_h - d)
    return float(np.sqrt((w * d * d).sum() / w.sum()))


def _ratio(a: float, ea: float, b: float, eb: float) -> tuple[float, float]:
    """a/b and its error, the relative errors added in quadrature."""
    if a <= 0 or b <= 0:
        return float("nan"), float("nan")
    r = a / b
    return r, r * float(np.hypot(ea / a, eb / b))


def figure5_checks(s: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The Figure 5 checks from the four run summaries keyed like :data:`RUNS`."""
    out: dict[str, Any] = {}
    r, e = _ratio(s["supl_15keV"]["daily"], s["supl_15keV"]["daily_err"], s["gs_15keV"]["daily"],
                  s["gs_15keV"]["daily_err"])
    out["supl_over_gs_daily_15keV"] = {"value": r, "error": e, "paper": "an order of magnitude (~10)",
                                       "tolerance": "factor 2 around 10: 5-20", "pass": bool(5.0 <= r <= 20.0)}
    widths = {}
    for key in ("gs_15keV", "supl_15keV", "gs_100keV", "supl_100keV"):
        tot, hours = np.asarray(s[key]["bins"]["total"]), np.asarray(s[key]["bins"]["hours_since_start"])
        n = half_max_bins(tot)
        widths[key] = {"bins_at_or_above_half_max": n, "fwhm_h": n * float(hours[1] - hours[0]),
                       "bins_above_half_max_over_floor": half_max_bins_above_floor(tot),
                       "rms_width_h": rms_width_hours(tot, hours), "max_over_min": s[key]["max_over_min"]}
    out["peak_width"] = {
        "measure": "number of 1-h bins with rate >= max/2 (primary); secondary, reported only: bins with "
                   "rate - min >= (max - min)/2 and the baseline-subtracted rms width around the peak hour",
        **widths,
        "paper": "the peak is broader at SUPL (15 keV)",
        "pass": widths["supl_15keV"]["bins_at_or_above_half_max"] > widths["gs_15keV"]["bins_at_or_above_half_max"],
    }
    supl = s["supl_15keV"]
    i_peak = int(np.argmax(supl["bins"]["total"]))
    peak_share = supl["bins"]["Fe56"][i_peak] / supl["bins"]["total"][i_peak]
    out["supl_15keV_peak_isotope"] = {
        "peak_hour_utc": supl["bins"]["hours_since_start"][i_peak],
        "dominant": supl["bins"]["dominant_isotope"][i_peak],
        "Fe56_share_at_peak": peak_share, "paper": "Fe56 briefly dominates at the peak",
        "pass": supl["bins"]["dominant_isotope"][i_peak] == "Fe56",
    }
    dom = supl["bins"]["dominant_isotope"]
    daily_dom = max(supl["isotopes"], key=lambda k: supl["isotopes"][k]["daily"])
    out["supl_15keV_daily_isotope"] = {
        "dominant_daily": daily_dom,
        "shares_of_daily": {k: v["share_of_daily"] for k, v in supl["isotopes"].items()},
        "hours_dominated": {k: dom.count(k) for k in sorted(set(dom))},
        "paper": "Al27 dominates over much of the day", "pass": daily_dom == "Al27",
    }
    gs_dom = s["gs_15keV"]["bins"]["dominant_isotope"]
    out["gs_15keV_al27_every_hour"] = {
        "hours_dominated": {k: gs_dom.count(k) for k in sorted(set(gs_dom))},
        "shares_of_daily": {k: v["share_of_daily"] for k, v in s["gs_15keV"]["isotopes"].items()},
        "paper": "dominated by scattering off elements in the crust, in particular aluminum",
        "pass": all(k == "Al27" for k in gs_dom),
    }
    at_100 = ("gs_100keV", "supl_100keV")
    opened = {key: sorted(k for k, v in s[key]["isotopes"].items() if v["open"]) for key in at_100}
    nonzero = {key: sorted(k for k, v in s[key]["isotopes"].items() if v["daily"] > 0) for key in at_100}
    out["only_fe56_at_100keV"] = {"open": opened, "nonzero": nonzero,
                                  "paper": "the only possible scattering is off iron",
                                  "pass": all(v == ["Fe56"] for v in (*opened.values(), *nonzero.values()))}
    r, e = _ratio(s["supl_100keV"]["daily"], s["supl_100keV"]["daily_err"], s["gs_100keV"]["daily"],
                  s["gs_100keV"]["daily_err"])
    out["supl_over_gs_daily_100keV"] = {"value": r, "error": e, "paper": "the rate at SUPL is larger",
                                        "pass": bool(r > 1.0)}
    return out


def _fmt(v: float, e: float) -> str:
    return f"{v:.4g} ± {e:.2g}"


def _open_isotopes(summary: dict[str, Any]) -> list[str]:
    return [k for k, v in summary["isotopes"].items() if v["daily"] > 0] or list(summary["isotopes"])


def _write_figures(out: Path, s: dict[str, dict[str, Any]], quick: bool) -> list[str]:
    """Individual panels (a), (b) with :func:`plot_rate_by_category`, and the three-panel ``fig5.png``."""
    written = []
    label = f"m = 1 TeV, g_M = {G_M:g}, 1000 m³, 2000-01-01"
    for key, fname, panel in (("gs_15keV", "fig5a_gran_sasso_15keV.png", "(a)"),
                              ("supl_15keV", "fig5b_supl_15keV.png", "(b)")):
        b = s[key]["bins"]
        isos = _open_isotopes(s[key])
        site, delta = RUNS[key]
        plot_rate_by_category(out / fname, np.asarray(b["hours_since_start"]),
                              np.column_stack([b[k] for k in isos]), np.column_stack([b[f"{k}_err"] for k in isos]),
                              isos, title=f"{panel} {SITE_LABEL[site]}, δ = {delta:g} keV: {label}",
                              centre_peak=True, log=True)
        written.append(fname)

    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), constrained_layout=True)
    for ax, key, panel in ((axes[0], "gs_15keV", "(a)"), (axes[1], "supl_15keV", "(b)")):
        b = s[key]["bins"]
        hours = np.asarray(b["hours_since_start"])
        shift = centre_peak_shift(np.asarray(b["total"]))
        for k, iso in enumerate(_open_isotopes(s[key])):
            y, e = np.roll(b[iso], shift), np.roll(b[f"{iso}_err"], shift)
            ax.errorbar(hours, np.where(y > 0, y, np.nan), yerr=e, fmt="o-", ms=2.5, lw=1, capsize=1.5,
                        color=f"C{k}", label=iso)
        ax.errorbar(hours, np.roll(b["total"], shift), yerr=np.roll(b["total_err"], shift), fmt="s-", ms=2.5,
                    lw=1.5, capsize=1.5, color="k", label="total")
        site, delta = RUNS[key]
        ax.set_title(f"{panel} {SITE_LABEL[site]}, δ = {delta:g} keV", fontsize=10)
    for k, key in enumerate(("gs_100keV", "supl_100keV")):
        b = s[key]["bins"]
        hours = np.asarray(b["hours_since_start"])
        shift = centre_peak_shift(np.asarray(b["total"]))
        axes[2].errorbar(hours, np.roll(b["Fe56"], shift), yerr=np.roll(b["Fe56_err"], shift), fmt="o-", ms=2.5,
                         lw=1.2, capsize=1.5, color=f"C{k + 5}", label=f"Fe56, {SITE_LABEL[RUNS[key][0]]}")
    axes[2].set_title("(c) δ = 100 keV (only Fe56 open)", fontsize=10)
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xticks(np.arange(0, 25, 3))
        ax.set_xlabel("solar hour (each curve's peak centred)")
        ax.legend(fontsize=7, loc="lower center")
    axes[0].set_ylabel("rate [events/day]")
    fig.suptitle(f"Seed 004 Figure 5 ({label}){' [quick]' if quick else ''}", fontsize=11)
    with atomic_path(out / "fig5.png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return ["fig5.png", *written]


def _table(s: dict[str, dict[str, Any]], checks: dict[str, Any], samples: int, seed: int) -> str:
    keys = list(RUNS)
    head = [f"{SITE_LABEL[RUNS[k][0]]} {RUNS[k][1]:g} keV" for k in keys]
    hours = s[keys[0]]["bins"]["hours_since_start"]
    rows = []
    for i, h in enumerate(hours):
        rows.append([f"{h:.1f}", *(_fmt(s[k]["bins"]["total"][i], s[k]["bins"]["total_err"][i]) for k in keys),
                     s["gs_15keV"]["bins"]["dominant_isotope"][i], s["supl_15keV"]["bins"]["dominant_isotope"][i]])
    rows.append(["**day (events/day)**", *(f"**{_fmt(s[k]['daily'], s[k]['daily_err'])}**" for k in keys), "", ""])
    hourly = markdown_table(["UTC hour (bin centre)", *head, "dominant GS 15", "dominant SUPL 15"], rows)
    iso_rows = []
    for iso in s[keys[0]]["isotopes"]:
        cells = []
        for k in keys:
            v = s[k]["isotopes"][iso]
            cells.append(f"{_fmt(v['daily'], v['daily_err'])} ({100 * v['share_of_daily']:.1f}%)" if v["open"]
                         else "closed")
        iso_rows.append([iso, *cells])
    iso_rows.append(["total", *(_fmt(s[k]["daily"], s[k]["daily_err"]) for k in keys)])
    per_iso = markdown_table(["isotope", *head], iso_rows)
    c = checks
    w = c["peak_width"]
    check_rows = [
        ["SUPL/GS daily, 15 keV", f"{c['supl_over_gs_daily_15keV']['value']:.3g} ± "
         f"{c['supl_over_gs_daily_15keV']['error']:.2g}", "order of magnitude (5-20)",
         c["supl_over_gs_daily_15keV"]["pass"]],
        ["peak width, 15 keV: bins >= max/2 (GS / SUPL)",
         f"{w['gs_15keV']['bins_at_or_above_half_max']} / {w['supl_15keV']['bins_at_or_above_half_max']}",
         "SUPL broader", w["pass"]],
        ["bins with rate - min >= (max - min)/2, 15 keV (GS / SUPL)",
         f"{w['gs_15keV']['bins_above_half_max_over_floor']} / {w['supl_15keV']['bins_above_half_max_over_floor']}",
         "(secondary)", ""],
        ["rms width around peak, 15 keV [h] (GS / SUPL)",
         f"{w['gs_15keV']['rms_width_h']:.2f} / {w['supl_15keV']['rms_width_h']:.2f}", "(secondary)", ""],
        ["max/min, 15 keV (GS / SUPL)", f"{w['gs_15keV']['max_over_min']:.3g} / {w['supl_15keV']['max_over_min']:.3g}",
         "", ""],
        ["SUPL 15 keV: dominant at peak hour", f"{c['supl_15keV_peak_isotope']['dominant']} (Fe56 share "
         f"{100 * c['supl_15keV_peak_isotope']['Fe56_share_at_peak']:.0f}%)", "Fe56",
         c["supl_15keV_peak_isotope"]["pass"]],
        ["SUPL 15 keV: dominant over the day", c["supl_15keV_daily_isotope"]["dominant_daily"] + " (hours: " +
         ", ".join(f"{k} {n}" for k, n in c["supl_15keV_daily_isotope"]["hours_dominated"].items()) + ")",
         "Al27", c["supl_15keV_daily_isotope"]["pass"]],
        ["GS 15 keV: dominant isotope by hour", ", ".join(
            f"{k} {n} h" for k, n in c["gs_15keV_al27_every_hour"]["hours_dominated"].items()), "Al27 every hour",
         c["gs_15keV_al27_every_hour"]["pass"]],
        ["100 keV: isotopes open / with rate", f"{c['only_fe56_at_100keV']['open']} / "
         f"{c['only_fe56_at_100keV']['nonzero']}", "Fe56 only", c["only_fe56_at_100keV"]["pass"]],
        ["SUPL/GS daily, 100 keV", f"{c['supl_over_gs_daily_100keV']['value']:.3g} ± "
         f"{c['supl_over_gs_daily_100keV']['error']:.2g}", "> 1", c["supl_over_gs_daily_100keV"]["pass"]],
    ]
    checks_md = markdown_table(["check", "this code", "paper", "agrees"], check_rows)
    return (
        "# Seed 004 Figure 5: hourly rate on 2000-01-01 (m = 1 TeV, g_M = 2e-3, 1000 m³)\n\n"
        f"Made by `scripts/fig5_daily_modulation.py`: {samples} histories per run, seed {seed}, "
        "next-event estimator, paper cross-section prefactor and coupling convention (the built-in defaults). "
        "Rates in events/day (a bin's rate x 86400), ± one Monte Carlo standard error. The paper "
        "prints no absolute numbers for this figure, so only ratios and shapes are compared.\n\n"
        f"## Checks\n\n{checks_md}\n\n"
        "Width: number of 1-h bins with rate >= half the maximum (primary); over floor: the same for "
        "rate - min; rms: sqrt(sum w d^2 / sum w) with "
        "w = rate - min and d the circular hour distance from the peak bin.\n\n"
        f"## Daily totals per isotope [events/day] (share of the day)\n\n{per_iso}\n\n"
        f"## Hourly totals [events/day] (UTC bins, not peak-centred)\n\n{hourly}\n"
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/seed004_fig5"))
    parser.add_argument("--samples", type=int, default=None,
                        help=f"histories per run (default {DEFAULT_SAMPLES}, --quick {QUICK_SAMPLES})")
    parser.add_argument("--seed", type=int, default=None, help="master seed (default: the built-in config's)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="few histories (a smoke test, seconds)")
    args = parser.parse_args(argv)
    samples = args.samples or (QUICK_SAMPLES if args.quick else DEFAULT_SAMPLES)

    t0 = time.perf_counter()
    summaries: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="fig5_runs_") as work:
        for key, (site, delta) in RUNS.items():
            data = midm_config(key, Path(work), site=site, delta_kev=delta, samples=samples, seed=args.seed,
                               workers=args.workers)
            summaries[key] = run_point(data)
            print(f"{key:12s} daily = {_fmt(summaries[key]['daily'], summaries[key]['daily_err'])} events/day "
                  f"(peak {summaries[key]['hour_of_max']:.1f} h UTC)")
    seed = int(tomllib.loads(default_config_text())["run"]["seed"]) if args.seed is None else args.seed
    checks = figure5_checks(summaries)
    files = _write_figures(args.out, summaries, args.quick)
    atomic_write_text(args.out / "table.md", _table(summaries, checks, samples, seed))
    result = {
        "figure": "seed 004 Figure 5", "quick": args.quick, "samples_per_run": samples, "seed": seed,
        "parameters": {"m_chi_GeV": 1000.0, "g_M": G_M, "volume_m3": 1000.0, "date": "2000-01-01",
                       "bins": "24 x 1 h solar, UTC"},
        "units": {"rate": "events/day", "hours": "h"},
        "runs": {k: {"site": RUNS[k][0], "delta_keV": RUNS[k][1], **{f: summaries[k][f] for f in (
            "daily", "daily_err", "hour_of_max", "hour_of_min", "max_over_min", "isotopes", "bins", "model")},
            "centre_peak_shift": centre_peak_shift(np.asarray(summaries[k]["bins"]["total"]))} for k in RUNS},
        "checks": checks,
        "seconds": time.perf_counter() - t0,
    }
    atomic_write_json(args.out / "summary.json", result)
    print("\nchecks (not asserted):")
    for name, c in checks.items():
        value = c.get("value", c.get("dominant", c.get("dominant_daily", "")))
        print(f"  {name:28s} {'agrees' if c['pass'] else 'DIFFERS':8s} {value}")
    w = checks["peak_width"]
    print(f"  widths (bins >= max/2): GS {w['gs_15keV']['bins_at_or_above_half_max']}, "
          f"SUPL {w['supl_15keV']['bins_at_or_above_half_max']}; rms [h]: GS {w['gs_15keV']['rms_width_h']:.2f}, "
          f"SUPL {w['supl_15keV']['rms_width_h']:.2f}")
    print(f"written: {args.out}/{{{', '.join([*files, 'table.md', 'summary.json'])}}} "
          f"({result['seconds']:.0f} s)")
    return result


if __name__ == "__main__":
    main()

"""Daily modulation of strongly interacting dark matter at Gran Sasso and SUPL (issue 6).

Runs the example configs ``examples/transport_gran_sasso.toml`` and ``examples/transport_supl.toml``
(``scenario = "transport"``, continuous method: m_chi = 1e5 GeV, sigma_p = 1e-31 cm^2 with Helm,
v_cut = 30 km/s, hourly bins on 2000-01-01) and puts the hourly density ratio n_det/n_free and flux
ratio Phi_det/Phi_free of both sites on one figure, with the altitude of the DM wind's origin (+u_E).
The density and the flux are lowest when the wind comes through the most Earth: at SUPL the apex
is below the horizon for most of the day; at Gran Sasso it never sets (it grazes the horizon).

Checks (printed and stored in ``summary.json``, not asserted): the hour of the minimum density and
of the minimum flux vs the hour of the lowest wind origin, per site (within one bin).

Writes ``daily_modulation.png``, ``summary.json``, ``table.md`` and each run's folder
(``runs/transport-gran-sasso``, ``runs/transport-supl``) into ``--out`` (default
``results/transport_daily``).

Usage::

    python scripts/transport_daily_modulation.py [--out results/transport_daily] [--samples 200000] [--quick]
"""
from __future__ import annotations

import argparse
import json
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from mcdm.config import config_from_dict
from mcdm.io import atomic_path, atomic_write_json, atomic_write_text, markdown_table
from mcdm.run import run

__all__ = ["EXAMPLES", "site_run", "main"]

ROOT = Path(__file__).resolve().parents[1]
#: site label -> example config
EXAMPLES = {"Gran Sasso": ROOT / "examples" / "transport_gran_sasso.toml",
            "SUPL": ROOT / "examples" / "transport_supl.toml"}
QUICK_SAMPLES = 4_000


def site_run(example: Path, out: Path, samples: int | None, quick: bool) -> dict[str, Any]:
    """Run one example config into ``out/runs`` (``samples`` histories if given); its summary."""
    doc = tomllib.loads(example.read_text())
    doc["run"]["output_dir"] = str(out / "runs")
    if samples:
        doc["run"]["samples"] = samples
    if quick:
        doc["run"]["shards"] = 2
    doc.setdefault("output", {}).update(progress=False)
    folder = run(config_from_dict(doc))
    return json.loads((folder / "summary.json").read_text())


def _circular_bins(i: int, j: int, n: int) -> int:
    d = abs(i - j) % n
    return min(d, n - d)


def _checks(summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for label, s in summaries.items():
        b = s["bins"]
        n = len(b["hours_since_start"])
        i_wind = int(np.argmin(b["wind_origin_altitude"]))
        i_dens, i_flux = int(np.argmin(b["density_ratio"])), int(np.argmin(b["flux_ratio"]))
        out[label] = {
            "hour_of_lowest_wind_origin": b["hours_since_start"][i_wind],
            "lowest_wind_origin_altitude_deg": b["wind_origin_altitude"][i_wind],
            "hour_of_min_density": b["hours_since_start"][i_dens],
            "hour_of_min_flux": b["hours_since_start"][i_flux],
            "density_min_max": [min(b["density_ratio"]), max(b["density_ratio"])],
            "flux_min_max": [min(b["flux_ratio"]), max(b["flux_ratio"])],
            "pass": _circular_bins(i_dens, i_wind, n) <= 1 and _circular_bins(i_flux, i_wind, n) <= 1,
        }
    return out


def _figure(path: Path, summaries: dict[str, dict[str, Any]], quick: bool) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(7.5, 7.5), sharex=True, constrained_layout=True)
    for k, (label, s) in enumerate(summaries.items()):
        b = s["bins"]
        hours = np.asarray(b["hours_since_start"])
        axes[0].errorbar(hours, b["density_ratio"], yerr=b["density_ratio_err"], fmt="o-", ms=3, lw=1,
                         color=f"C{k}", label=f"{label}: density")
        axes[0].errorbar(hours, b["flux_ratio"], yerr=b["flux_ratio_err"], fmt="s--", ms=3, lw=1, mfc="none",
                         color=f"C{k}", label=f"{label}: flux")
        axes[1].plot(hours, b["wind_origin_altitude"], "-", color=f"C{k}", label=label)
    axes[0].set_ylabel("ratio to the free halo")
    axes[0].legend(fontsize=8, ncol=2)
    s0 = next(iter(summaries.values()))
    i = s0["interaction"]
    axes[0].set_title(f"m_χ = {i['m_chi_GeV']:g} GeV, σ_p = {i['sigma_p_cm2']:g} cm², v_cut = "
                      f"{s0['v_cut_km_s']:g} km/s, 2000-01-01{' [quick]' if quick else ''}", fontsize=10)
    axes[1].axhline(0.0, color="0.6", lw=0.8)
    axes[1].set_ylabel("altitude of the DM-wind origin [deg]")
    axes[1].set_xlabel("time since 2000-01-01 00:00 UTC [h]")
    axes[1].legend(fontsize=8)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def _table(summaries: dict[str, dict[str, Any]], checks: dict[str, Any]) -> str:
    labels = list(summaries)
    hours = summaries[labels[0]]["bins"]["hours_since_start"]
    rows = []
    for i, h in enumerate(hours):
        row = [f"{h:.1f}"]
        for label in labels:
            b = summaries[label]["bins"]
            row += [f"{b['density_ratio'][i]:.4g} ± {b['density_ratio_err'][i]:.2g}",
                    f"{b['flux_ratio'][i]:.4g} ± {b['flux_ratio_err'][i]:.2g}",
                    f"{b['wind_origin_altitude'][i]:.1f}"]
        rows.append(row)
    head = ["UTC hour"] + [f"{label}: {q}" for label in labels for q in ("n/n_free", "Φ/Φ_free", "wind alt [deg]")]
    check_rows = [[label, f"{c['hour_of_lowest_wind_origin']:.1f}", f"{c['hour_of_min_density']:.1f}",
                   f"{c['hour_of_min_flux']:.1f}", c["pass"]] for label, c in checks.items()]
    s0 = summaries[labels[0]]
    return ("# Daily modulation of strongly interacting dark matter (transport scenario)\n\n"
            "Made by `scripts/transport_daily_modulation.py` from the example configs: "
            f"{s0['histories']} histories per site, continuous method; ± one Monte Carlo standard error.\n\n"
            + markdown_table(["site", "lowest wind origin [h]", "min density [h]", "min flux [h]", "within 1 bin"],
                             check_rows)
            + "\n" + markdown_table(head, rows))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/transport_daily"))
    parser.add_argument("--samples", type=int, default=None,
                        help=f"histories per site (default: the example's, --quick {QUICK_SAMPLES})")
    parser.add_argument("--quick", action="store_true", help="few histories, 2 shards")
    args = parser.parse_args(argv)
    samples = args.samples or (QUICK_SAMPLES if args.quick else None)
    t0 = time.perf_counter()
    summaries = {label: site_run(path, args.out, samples, args.quick) for label, path in EXAMPLES.items()}
    checks = _checks(summaries)
    args.out.mkdir(parents=True, exist_ok=True)
    _figure(args.out / "daily_modulation.png", summaries, args.quick)
    result = {"checks": checks, "seconds": time.perf_counter() - t0,
              "runs": {label: {"folder": f"runs/{s['name']}", "histories": s["histories"], "bins": s["bins"]}
                       for label, s in summaries.items()},
              "units": {"hours": "h since 2000-01-01T00:00 UTC", "ratios": "1 (relative to the free halo)",
                        "altitude": "deg"}}
    atomic_write_json(args.out / "summary.json", result)
    atomic_write_text(args.out / "table.md", _table(summaries, checks))
    for label, c in checks.items():
        print(f"{label}: lowest wind origin {c['hour_of_lowest_wind_origin']:.1f} h, min density "
              f"{c['hour_of_min_density']:.1f} h, min flux {c['hour_of_min_flux']:.1f} h")
    return result


if __name__ == "__main__":
    main()

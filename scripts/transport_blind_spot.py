"""The blind spot of deep and surface detectors: excluded band sigma_low < sigma_p < sigma_crit vs m_chi.

For each DM mass the expected spin-independent events above threshold in the exposure,
N(sigma_p), are computed from the speed distribution that reaches the detector through atmosphere,
rock and Earth (continuous slowing-down along straight lines, day average of 2000-01-01 in
``--bins`` time bins, current-conservation density: :mod:`mcdm.transport.blind_spot`). A null result
(2.3 events, 90 % CL, no background) excludes sigma_low < sigma_p < sigma_crit; above sigma_crit the
overburden stops the DM before it reaches the detector (DaMaSCUS-CRUST's "critical cross section";
Kavanagh 2018 Fig. 6 for the same idea with verne).

Detectors (illustrative, not an experiment's published analysis: no efficiency curve, a step at
the threshold, no energy resolution):

* ``xenon_lngs``: liquid xenon at Gran Sasso (1.4 km rock), 5 keV threshold, 1 t yr;
* ``germanium_surface``: germanium 1 m under the surface at the same site, 1 keV threshold, 1 kg day.

Masses from 1e3 to 1e8 GeV (the continuous method needs m_chi >> m_N). Writes
``blind_spot.png`` (both bands in the (m_chi, sigma_p) plane), ``blind_spot.json`` and ``table.md``
into ``--out`` (default ``results/transport_blind_spot``).

Usage::

    python scripts/transport_blind_spot.py [--out results/transport_blind_spot] [--histories 20000] [--quick]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from mcdm.config import config_from_dict
from mcdm.io import atomic_path, atomic_write_json, atomic_write_text, markdown_table

__all__ = ["DETECTORS", "MASSES_GEV", "blind_spot", "main"]

#: name -> (site, detector depth, target, threshold, exposure [kg day], label)
DETECTORS: dict[str, tuple[str, str, str, str, float, str]] = {
    "xenon_lngs": ("lngs", "site", "Xe", "5 keV", 365.25e3, "Xe at Gran Sasso (1.4 km), 5 keV, 1 t yr"),
    "germanium_surface": ("lngs", "1 m", "Ge", "1 keV", 1.0, "Ge at 1 m depth, 1 keV, 1 kg day"),
}
MASSES_GEV = (1e3, 1e4, 1e5, 1e6, 1e7, 1e8)
QUICK_MASSES_GEV = (1e4, 1e6)
DEFAULT_HISTORIES, QUICK_HISTORIES = 20_000, 500
SEED = 20240601


def _config(detector: str, m_chi: float, bins: int, v_cut: float):
    site, depth, target, threshold, exposure, _ = DETECTORS[detector]
    return config_from_dict({
        "run": {"name": f"blind-{detector}", "scenario": "transport", "seed": SEED},
        "site": {"name": site},
        "earth": {"model": "prem"},
        "dark_matter": {"mass": f"{m_chi:g} GeV"},
        "time": {"start": "2000-01-01T00:00:00", "bins": bins, "width": f"{24 / bins:g} h"},
        "transport": {"model": "spin_independent", "method": "continuous", "v_cut": f"{v_cut:g} km/s",
                      "detector_depth": depth, "target": target, "threshold": threshold, "exposure": exposure},
    })


def blind_spot(detectors, masses, histories: int, bins: int = 8, v_cut: float = 1.0,
               progress: bool = True) -> dict[str, Any]:
    """Excluded band per detector and mass (see the module docstring)."""
    from mcdm.transport.blind_spot import BlindSpotProblem, excluded_band

    out: dict[str, Any] = {"masses_gev": list(masses), "histories": histories, "bins": bins,
                           "v_cut_km_s": v_cut, "detectors": {}}
    for det in detectors:
        rows = []
        for m in masses:
            t0 = time.perf_counter()
            problem = BlindSpotProblem.from_config(_config(det, m, bins, v_cut), histories=histories)
            band = excluded_band(problem, sigma_range=(1e-50, 1e-18), points_per_decade=2, rel_tol=0.02)
            rows.append({"m_chi_gev": m, "sigma_low_cm2": band.sigma_low, "sigma_crit_cm2": band.sigma_crit,
                         "max_events": float(np.max(band.events_scan)), "seconds": time.perf_counter() - t0,
                         "sigma_scan_cm2": band.sigma_scan.tolist(), "events_scan": band.events_scan.tolist()})
            if progress:
                print(f"{det} m = {m:.0e} GeV: {band.sigma_low:.3g} < sigma_p < {band.sigma_crit:.3g} cm^2 "
                      f"({rows[-1]['seconds']:.1f} s)", flush=True)
        out["detectors"][det] = {"label": DETECTORS[det][5], "target": DETECTORS[det][2],
                                 "threshold": DETECTORS[det][3], "exposure_kg_day": DETECTORS[det][4], "rows": rows}
    return out


def _plot(path: Path, data: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for (det, d), color in zip(data["detectors"].items(), ("C0", "C3")):
        m = np.array([r["m_chi_gev"] for r in d["rows"]])
        lo = np.array([r["sigma_low_cm2"] for r in d["rows"]])
        hi = np.array([r["sigma_crit_cm2"] for r in d["rows"]])
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.fill_between(m[ok], lo[ok], hi[ok], color=color, alpha=0.25, label=f"excluded: {d['label']}")
        ax.plot(m[ok], hi[ok], color=color, lw=2, label=f"blind above (σ_crit), {det}")
        ax.plot(m[ok], lo[ok], color=color, lw=1, ls="--")
    ax.set(xscale="log", yscale="log", xlabel="m_χ [GeV]", ylabel="σ_p (spin-independent) [cm²]",
           title=f"Excluded band at 90 % CL (N = 2.3), day average, v_cut = {data['v_cut_km_s']:g} km/s")
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, format="png")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/transport_blind_spot"))
    parser.add_argument("--histories", type=int, default=None, help=f"halo velocities (default {DEFAULT_HISTORIES})")
    parser.add_argument("--bins", type=int, default=8, help="time bins of the day average")
    parser.add_argument("--v-cut", type=float, default=1.0, help="stopping speed [km/s]")
    parser.add_argument("--quick", action="store_true", help="two masses, few histories (seconds)")
    args = parser.parse_args(argv)
    masses = QUICK_MASSES_GEV if args.quick else MASSES_GEV
    histories = args.histories or (QUICK_HISTORIES if args.quick else DEFAULT_HISTORIES)
    data = blind_spot(list(DETECTORS), masses, histories, bins=args.bins, v_cut=args.v_cut)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.out / "blind_spot.json", data)
    rows = [[d["label"], f"{r['m_chi_gev']:.0e}", f"{r['sigma_low_cm2']:.3g}", f"{r['sigma_crit_cm2']:.3g}",
             f"{r['max_events']:.3g}"] for d in data["detectors"].values() for r in d["rows"]]
    atomic_write_text(args.out / "table.md", "# Blind spot: excluded band (90 % CL, N = 2.3)\n\n" + markdown_table(
        ["detector", "m_χ [GeV]", "σ_low [cm²]", "σ_crit [cm²]", "max N"], rows))
    _plot(args.out / "blind_spot.png", data)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

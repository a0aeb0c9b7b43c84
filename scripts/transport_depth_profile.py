"""Flux and speed vs depth: strongly interacting dark matter under a site (issue 6, continuous method).

For m_chi = 1e5 GeV and a few spin-independent cross sections sigma_p, the detector is put at a
range of depths below the Gran Sasso coordinates (PREM crust as rock, US Standard Atmosphere 1976
on top) and the day-averaged (2000-01-01, hourly bins) density ratio n_det/n_free, flux ratio
Phi_det/Phi_free and mean detector speed <v_d> = Phi_det/n_det are computed with the straight-line
estimator of the ``transport`` scenario (:mod:`mcdm.scenarios.transport`: current conservation,
n ~ 1/v along each line). Particles slower than ``--v-cut`` (default 30 km/s) count as stopped;
with a lower cut the density grows with the particles that arrive almost at rest.

Each time bin gets its own independent halo draws, so the day average is a stratified mean; its
error treats the pooled draws as one sample (conservative: the spread between bins counts as noise).

Writes ``depth_profile.png`` (flux ratio, density ratio and mean speed vs depth),
``depth_profile.json`` and ``table.md`` into ``--out`` (default ``results/transport_depth``).

Usage::

    python scripts/transport_depth_profile.py [--out results/transport_depth] [--samples 20000] [--quick]
"""
from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from mcdm.config import config_from_dict
from mcdm.io import atomic_path, atomic_write_json, atomic_write_text, markdown_table

__all__ = ["SIGMAS", "DEPTHS_KM", "depth_profile", "main"]

#: spin-independent sigma_p [cm^2]: speed e-folding length in rock ~ 230 km x (1e-32 cm^2 / sigma_p)
SIGMAS = (1e-32, 1e-31, 1e-30, 1e-29)
#: detector depths below the surface [km]
DEPTHS_KM = (0.001, 0.01, 0.03, 0.1, 0.3, 1.0, 1.4, 2.0, 3.0, 5.0)
QUICK_SIGMAS = (1e-31, 1e-29)
QUICK_DEPTHS_KM = (0.01, 1.4)
DEFAULT_SAMPLES, QUICK_SAMPLES = 20_000, 1_000
M_CHI_GEV = 1e5
SEED = 20240601


def _frames(site: str, bins: int):
    """Halo, Earth, per-bin Earth velocities and galactic -> ENU rotations of 2000-01-01."""
    from mcdm.scenarios.common import resolve_site_frames

    cfg = config_from_dict({
        "run": {"name": "depth-profile", "scenario": "transport"},
        "site": {"name": site},
        "dark_matter": {"mass": f"{M_CHI_GEV:g} GeV"},
        "time": {"start": "2000-01-01T00:00:00", "bins": bins, "width": f"{24 / bins:g} h"},
    })
    return cfg, resolve_site_frames(cfg)


def depth_profile(sigmas, depths_km, samples: int, v_cut: float, site: str = "lngs", bins: int = 24,
                  seed: int = SEED) -> dict[str, Any]:
    """Day-averaged ratios and mean speed per (sigma_p, depth); ``samples`` halo draws per bin.

    Returns {"depths_km": [...], "runs": {sigma: {"density_ratio": [...], "..._err", "flux_ratio",
    "mean_speed" [km/s], ...}}} with one entry per depth.
    """
    from mcdm.physics.interaction import DEFAULT_V_MAX_KM_S, SpinIndependent, default_v_grid
    from mcdm.scenarios import transport as T
    from mcdm.transport.continuous import ContinuousSlowing

    cfg, world = _frames(site, bins)
    shells = T.build_world(world.earth, cfg.earth.max_shell_thickness, atmosphere=True)
    radius = world.earth.radius
    v_top = max(DEFAULT_V_MAX_KM_S, 1.05 * (cfg.halo.v_esc + float(np.linalg.norm(world.u_earth, axis=1).max())))
    edges = np.array([0.0, 1e4])
    rng = np.random.default_rng(seed)
    # one independent halo sample per bin, in the site's ENU frame (shared by every sigma and depth)
    v_enu = np.concatenate([(world.halo.sample(samples, rng) - world.u_earth[b]) @ world.rotations[b].T
                            for b in range(bins)])
    out: dict[str, Any] = {"depths_km": list(map(float, depths_km)), "runs": {}}
    for sigma in sigmas:
        tables = SpinIndependent(M_CHI_GEV, float(sigma)).tables(shells.nuclides, default_v_grid(v_max=v_top))
        slowing = ContinuousSlowing(tables, shells)
        rows: dict[str, list[float]] = {k: [] for k in ("density_ratio", "density_ratio_err", "flux_ratio",
                                                        "flux_ratio_err", "mean_speed", "mean_speed_err",
                                                        "stopped_fraction")}
        for depth in depths_km:
            est = T.straight_line_average(slowing, np.array([0.0, 0.0, radius - depth]), v_enu, v_cut, edges)
            for k in rows:
                value = est[k]
                rows[k].append(float(value) if math.isfinite(value) else 0.0)
        out["runs"][f"{sigma:g}"] = rows
    out["free_mean_speed_km_s"] = float(np.mean([world.halo.mean_speed(float(np.linalg.norm(u)))
                                                 for u in world.u_earth]))
    return out


def _figure(path: Path, result: dict[str, Any], v_cut: float, site: str, quick: bool) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    depths = np.asarray(result["depths_km"])
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.3), constrained_layout=True)
    for k, (sigma, r) in enumerate(result["runs"].items()):
        style = dict(fmt="o-", ms=3, lw=1, capsize=1.5, color=f"C{k}", label=rf"$\sigma_p$ = {sigma} cm$^2$")
        axes[0].errorbar(depths, r["flux_ratio"], yerr=r["flux_ratio_err"], **style)
        axes[1].errorbar(depths, r["density_ratio"], yerr=r["density_ratio_err"], **style)
        speed = np.where(np.asarray(r["density_ratio"]) > 0, r["mean_speed"], np.nan)
        axes[2].errorbar(depths, speed, yerr=r["mean_speed_err"], **style)
    axes[2].axhline(result["free_mean_speed_km_s"], color="k", lw=0.8, ls="--", label="free halo")
    for ax, label in zip(axes, (r"flux ratio $\Phi_{det}/\Phi_{free}$", r"density ratio $n_{det}/n_{free}$",
                                r"mean speed $\langle v_d\rangle$ [km/s]")):
        ax.set_xscale("log")
        ax.set_xlabel("detector depth [km]")
        ax.set_ylabel(label)
        ax.legend(fontsize=7)
    fig.suptitle(f"m_χ = 1e5 GeV, SI with Helm, {site} coordinates, day average 2000-01-01, "
                 f"v_cut = {v_cut:g} km/s{' [quick]' if quick else ''}", fontsize=10)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def _table(result: dict[str, Any], samples: int, bins: int, v_cut: float) -> str:
    rows = []
    for sigma, r in result["runs"].items():
        for i, depth in enumerate(result["depths_km"]):
            rows.append([sigma, f"{depth:g}", f"{r['flux_ratio'][i]:.4g} ± {r['flux_ratio_err'][i]:.2g}",
                         f"{r['density_ratio'][i]:.4g} ± {r['density_ratio_err'][i]:.2g}",
                         f"{r['mean_speed'][i]:.4g} ± {r['mean_speed_err'][i]:.2g}"])
    return ("# Flux and speed vs depth (transport scenario, continuous method)\n\n"
            f"Made by `scripts/transport_depth_profile.py`: m_χ = 1e5 GeV, {samples} halo draws per hourly bin "
            f"({bins} bins, 2000-01-01), v_cut = {v_cut:g} km/s; ± one Monte Carlo standard error. Free halo "
            f"<v> = {result['free_mean_speed_km_s']:.1f} km/s.\n\n"
            + markdown_table(["σ_p [cm²]", "depth [km]", "Φ_det/Φ_free", "n_det/n_free", "<v_d> [km/s]"], rows))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/transport_depth"))
    parser.add_argument("--samples", type=int, default=None,
                        help=f"halo draws per hourly bin (default {DEFAULT_SAMPLES}, --quick {QUICK_SAMPLES})")
    parser.add_argument("--v-cut", type=float, default=30.0, help="stopping speed [km/s] (default 30)")
    parser.add_argument("--site", default="lngs", help="site whose coordinates are used (default lngs)")
    parser.add_argument("--quick", action="store_true", help="2 cross sections, 2 depths, 4 bins, few draws")
    args = parser.parse_args(argv)
    samples = args.samples or (QUICK_SAMPLES if args.quick else DEFAULT_SAMPLES)
    sigmas, depths = (QUICK_SIGMAS, QUICK_DEPTHS_KM) if args.quick else (SIGMAS, DEPTHS_KM)
    bins = 4 if args.quick else 24
    t0 = time.perf_counter()
    result = depth_profile(sigmas, depths, samples, args.v_cut, args.site, bins)
    result.update({"m_chi_GeV": M_CHI_GEV, "samples_per_bin": samples, "bins": bins, "v_cut_km_s": args.v_cut,
                   "site": args.site, "seed": SEED, "seconds": time.perf_counter() - t0,
                   "units": {"depth": "km", "speed": "km/s", "ratios": "1 (relative to the free halo)"}})
    args.out.mkdir(parents=True, exist_ok=True)
    _figure(args.out / "depth_profile.png", result, args.v_cut, args.site, args.quick)
    atomic_write_json(args.out / "depth_profile.json", result)
    atomic_write_text(args.out / "table.md", _table(result, samples, bins, args.v_cut))
    print(f"wrote {args.out}/depth_profile.png, depth_profile.json, table.md ({result['seconds']:.1f} s)")
    return result


if __name__ == "__main__":
    main()

"""Figures and tables of seed 001 (Lawson & Zhitnitsky; antimatter quark nuggets; digest 001).

* ``fig1_spectrum.png``: k^2 dPhi/dk dOmega of the nugget continuum in the inner Galaxy: the
  electrosphere average (A.4) at the paper's Fig. 1 point (chi = 0.2, mu0 = 60 MeV, z_max = 30 z0)
  for several electron speeds v_e (the paper does not give v_e), and the single-mu Eq. (6) curves
  (chi = 0.1, mu = 10, 20, 30, 60 MeV); the COMPTEL level 1e-2 MeV cm^-2 s^-1 sr^-1 is marked. With
  ``--comptel FILE`` (and ``--background FILE``) the user's COMPTEL points and background model are
  overlaid, with nuggets + background as black dots, as in the paper's figure
  (:mod:`mcdm.sky.spectral_data` format). The paper's data are not tabulated in it, and not shipped.
* ``fig_skymap.png``: full-sky map (Mollweide, Galactic) of the 1-20 MeV nugget intensity for NFW x
  an exponential ionized-gas disk at nside 256, normalised to 0.025 ph cm^-2 s^-1 sr^-1 in the 6 deg
  disc, with the COMPTEL box and the 6 deg circle drawn.
* ``summary.json``: flatness max/min of k^2 Phi over 2-20 MeV vs v_e (digest V14), the single-mu peak
  positions (V10), and the morphology ratio <M>_box / <M>_6deg for NFW / Einasto / Burkert x
  disk / constant gas (the paper assumes 1), with units.

Usage::

    python3 scripts/seed001_figures.py [--out results/seed001_nuggets] [--nside 256] [--quick]
        [--comptel points.csv] [--background model.csv]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_OUT = REPO / "results" / "seed001_nuggets"
V_E = (0.03, 0.1, 0.2, 0.3, 1.0)
MUS = (10.0, 20.0, 30.0, 60.0)


def spectra(k: np.ndarray) -> dict[str, Any]:
    """k^2 dPhi/dk dOmega [MeV cm^-2 s^-1 sr^-1] (box = disc, i511 = 0.025) for the curves of Fig. 1."""
    from mcdm.physics.nugget import Electrosphere, continuum_intensity, height_averaged_intensity

    out: dict[str, Any] = {"electrosphere": {}, "single_mu": {}}
    for v in V_E:
        es = Electrosphere(60.0, 30.0, v)
        out["electrosphere"][f"{v:g}"] = k * k * np.asarray(height_averaged_intensity(k, es, 0.2))
    for mu in MUS:
        out["single_mu"][f"{mu:g}"] = k * k * np.asarray(continuum_intensity(k, mu, 0.1))
    return out


def flatness(curve: np.ndarray, k: np.ndarray, lo: float = 2.0, hi: float = 20.0) -> float:
    """max/min of a k^2 Phi curve over [lo, hi] MeV (digest V14)."""
    sel = (k >= lo) & (k <= hi)
    return float(curve[sel].max() / curve[sel].min())


def morphology_ratios(nside: int, threads: int) -> dict[str, float]:
    """<M>_box / <M>_6deg for three DM profiles x two gas models (defaults of [nuggets])."""
    from mcdm.config import config_from_dict
    from mcdm.scenarios.nuggets import build_emissivity
    from mcdm.sky import roi
    from mcdm.sky.los import morphology_map

    box, disc6 = roi.comptel_box(nside), roi.disc(nside, 6.0)
    out = {}
    for dm in ("nfw", "einasto", "burkert"):
        for gas in ("exponential_disk", "constant"):
            cfg = config_from_dict({"run": {"name": "m", "scenario": "nuggets"},
                                    "nuggets": {"dm_profile": dm, "gas_model": gas}})
            n = cfg.nuggets
            m = morphology_map(nside, build_emissivity(n), r_sun=8.2, s_max=60.0, threads=threads)
            out[f"{dm} x {gas}"] = roi.morphology_ratio(m, box, disc6)
    return out


def _fig1(path: Path, k: np.ndarray, curves: dict, data: Any, bg: Any) -> None:
    from mcdm.plotting import new_figure, save_figure

    fig, ax = new_figure(figsize=(7.0, 4.6))
    for v, y in curves["electrosphere"].items():
        ax.loglog(k, y, lw=2 if v == "0.3" else 1.2, label=f"(A.4) χ=0.2, μ₀=60, v_e={v}c")
    for mu, y in curves["single_mu"].items():
        ax.loglog(k, y, ls=":", lw=1, label=f"Eq. (6) χ=0.1, μ={mu} MeV")
    ax.axhline(1e-2, color="grey", lw=0.8, ls="--")
    ax.text(0.6, 1.1e-2, "COMPTEL level ~1e-2", fontsize=7, color="grey")
    if bg is not None:
        ax.loglog(bg.k, bg.k2_flux, color="tab:blue", lw=2.5, alpha=0.5, label="background (user file)")
        from mcdm.sky.spectral_data import interpolate_k2_flux

        y = np.interp(bg.k, k, curves["electrosphere"]["0.3"]) + interpolate_k2_flux(bg, bg.k)
        ax.loglog(bg.k, y, "ko", ms=4, label="nuggets (v_e=0.3c) + background")
    if data is not None:
        ax.errorbar(data.k, data.k2_flux, yerr=[data.err_lo, data.err_hi], fmt="none", color="green",
                    lw=2, label="COMPTEL (user file)")
    ax.set_xlim(0.5, 80)
    ax.set_ylim(1e-4, 1.0)
    ax.set_xlabel("photon energy k [MeV]")
    ax.set_ylabel(r"$k^2\,d\Phi/dk\,d\Omega$ [MeV cm$^{-2}$ s$^{-1}$ sr$^{-1}$]")
    ax.set_title("Quark-nugget continuum normalised to the 511 keV line (box = 6° disc, paper)", fontsize=9)
    ax.legend(fontsize=6, ncol=2, loc="upper left")
    save_figure(fig, path)


def _skymap(path: Path, nside: int, threads: int) -> dict[str, float]:
    from mcdm.config import config_from_dict
    from mcdm.scenarios.nuggets import _band_integral, build_emissivity, build_spectrum
    from mcdm.sky import roi
    from mcdm.sky.los import mollview_png, morphology_map, roi_outlines

    cfg = config_from_dict({"run": {"name": "m", "scenario": "nuggets"}, "nuggets": {}})
    n = cfg.nuggets
    t0 = time.perf_counter()
    m = morphology_map(nside, build_emissivity(n), r_sun=8.2, s_max=60.0, threads=threads)
    seconds = time.perf_counter() - t0
    i511 = m * 0.025 / roi.roi_mean(m, roi.disc(nside, 6.0))
    _, s = build_spectrum(n)
    cont = i511 * _band_integral(s, 1.0, 20.0)
    mollview_png(path, cont, "ph cm⁻² s⁻¹ sr⁻¹", title="quark-nugget continuum 1-20 MeV (NFW x exp. disk)",
                 log=True, outlines=roi_outlines())
    return {"map_seconds": seconds, "nside": nside, "max": float(cont.max()), "min": float(cont.min()),
            "box_mean": roi.roi_mean(cont, roi.comptel_box(nside))}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from mcdm.io import atomic_write_json, to_jsonable
    from mcdm.sky.spectral_data import read_spectral_table

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--nside", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="nside 32 maps (tests)")
    p.add_argument("--comptel", type=Path, default=None, help="CSV of COMPTEL points (k_MeV, k2_flux, err...)")
    p.add_argument("--background", type=Path, default=None, help="CSV of a background model (k_MeV, k2_flux)")
    args = p.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    nside = 32 if args.quick else args.nside
    t0 = time.perf_counter()
    k = np.geomspace(0.5, 80.0, 600)
    curves = spectra(k)
    kf = np.linspace(2.0, 20.0, 1801)
    fine = spectra(kf)
    data = read_spectral_table(args.comptel) if args.comptel else None
    bg = read_spectral_table(args.background) if args.background else None
    _fig1(out / "fig1_spectrum.png", k, curves, data, bg)
    sky = _skymap(out / "fig_skymap.png", nside, args.threads)
    ratios = morphology_ratios(min(nside, 128), args.threads)
    peaks = {mu: float(k[np.argmax(y)]) for mu, y in curves["single_mu"].items()}
    summary = {
        "units": {"k2_flux": "MeV cm-2 s-1 sr-1", "k": "MeV", "map": "ph cm-2 s-1 sr-1", "seconds": "s"},
        "flatness_2_20MeV_vs_v_e": {v: flatness(y, kf) for v, y in fine["electrosphere"].items()},
        "flatness_integer_k_vs_v_e": {v: flatness(y[::100], kf[::100]) for v, y in fine["electrosphere"].items()},
        "single_mu_peak_k_MeV_on_grid": peaks,
        "morphology_ratio_box_over_disc6": ratios,
        "skymap": sky, "comptel_file": str(args.comptel or ""), "background_file": str(args.background or ""),
        "quick": args.quick, "wall_seconds": time.perf_counter() - t0,
    }
    atomic_write_json(out / "summary.json", to_jsonable(summary))
    return to_jsonable(summary)


if __name__ == "__main__":
    main()

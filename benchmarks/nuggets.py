"""Quark nuggets (seed 001, issue 9): a full-sky rho_DM x n_gas map at nside 256 and 1e6 photons.

* map: :func:`mcdm.sky.los.morphology_map` of the [nuggets] defaults (NFW r_s 20 kpc x exponential
  gas disk R_d 4 kpc, z_d 1 kpc, s_max 60 kpc, adaptive Gauss-Kronrod at rtol 1e-6) at nside 256 on 1
  and 2 threads after a warm-up that loads the kernel; peak RSS of the process. Target <= 10 s on 2 cores.
* photons: the catalog sampler of the ``nuggets`` scenario (pixel ∝ I_511, uniform within the pixel
  and the exact COMPTEL box, electrosphere energy spectrum, times, 1 deg PSF, 5 % energy resolution)
  for ~1e6 photons in one process, excluding the map (built once in compile_job). Target <= 5 s.

Usage::

    python3 -m benchmarks.nuggets [--quick]
"""
from __future__ import annotations

from typing import Any

from benchmarks._common import best_of, in_subprocess, peak_rss_mib, quick_cli

__all__ = ["measure", "map_timing", "photon_timing", "main", "TARGET_MAP_S", "TARGET_PHOTONS_S"]

TARGET_MAP_S = 10.0
TARGET_PHOTONS_S = 5.0
TARGET_PHOTONS = 1_000_000


def _section(**keys: Any):
    from mcdm.config import config_from_dict

    return config_from_dict({"run": {"name": "bench", "scenario": "nuggets", "seed": 1, "shards": 1},
                             "nuggets": keys, "output": {"plot": False, "progress": False}})


def map_timing(nside: int = 256, repeat: int = 2) -> dict[str, Any]:
    """Wall time of the default morphology map on 1 and 2 threads (best of ``repeat``)."""
    from mcdm.scenarios.nuggets import build_emissivity
    from mcdm.sky.los import morphology_map

    n = _section().nuggets
    em = build_emissivity(n)
    morphology_map(4, em)  # load the kernel
    out = {"nside": nside, "pixels": 12 * nside * nside}
    for threads in (1, 2):
        out[f"wall_s_{threads}"] = best_of(lambda: morphology_map(nside, em, r_sun=8.2, s_max=60.0, threads=threads),
                                           repeat)
    out["peak_rss_mib"] = peak_rss_mib()
    return out


def photon_timing(photons: int = TARGET_PHOTONS, nside: int = 256) -> dict[str, Any]:
    """Sampling time of ~``photons`` catalog photons in one process (the map excluded)."""
    import time

    from mcdm.scenarios import nuggets

    cfg = _section(nside=nside, exposure_time="1e7 s", psf="1 deg", energy_resolution=0.05)
    job, _ = nuggets.compile_job(cfg)
    scale = photons / job.expected
    cfg = _section(nside=nside, exposure_time=f"{1e7 * scale:.6g} s", psf="1 deg", energy_resolution=0.05)
    job, ctx = nuggets.compile_job(cfg)
    nuggets.sample_block(job, 0)  # warm caches
    t0 = time.perf_counter()
    total = nuggets.simulate_shard(job, 0)
    wall = time.perf_counter() - t0
    return {"photons": len(total), "wall_s": wall, "photons_per_s": len(total) / wall,
            "map_s": ctx["map_seconds"], "peak_rss_mib": peak_rss_mib()}


def measure(quick: bool = False) -> dict[str, Any]:
    """Map and photon timings in fresh processes (quick: nside 64, 1e5 photons)."""
    nside = 64 if quick else 256
    return {"map": in_subprocess("benchmarks.nuggets:map_timing", nside=nside),
            "photons": in_subprocess("benchmarks.nuggets:photon_timing",
                                     photons=100_000 if quick else TARGET_PHOTONS, nside=nside),
            "target_map_s": TARGET_MAP_S, "target_photons_s": TARGET_PHOTONS_S, "target_photons": TARGET_PHOTONS}


def main(argv: list[str] | None = None) -> None:
    quick_cli(__doc__, measure, "nside 64 and 1e5 photons", argv)


if __name__ == "__main__":
    main()

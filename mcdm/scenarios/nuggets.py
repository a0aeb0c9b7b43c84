"""Scenario ``nuggets``: antimatter quark nuggets of seed 001 (issue 9; digest 001).

Galactic electrons hitting antiquark nuggets give the 511 keV line (via positronium) and a 1-20 MeV
continuum (direct annihilation), both ∝ rho_DM n_e. The paper cancels the profiles by normalising
the continuum to the 511 keV intensity (Eq. 6); mcdm keeps that normalisation and adds the
morphology (digest §3 "map mode"):

1. the map M(l, b) = int rho_DM n_e ds ([nuggets] dm_profile x gas_model, :mod:`mcdm.sky.los`) is
   scaled so that its mean over the 6 deg disc is i511: I_511(l, b) [ph cm^-2 s^-1 sr^-1];
2. the continuum is I(k, l, b) = I_511(l, b) s(k), with s(k) Eq. (6) per unit i511 (single mu) or
   its electrosphere average (A.4) [MeV^-1];
3. ROI spectra: k^2 dPhi/dk dOmega averaged over the COMPTEL box and the 6 deg disc, their ratio
   <M>_box/<M>_6deg (the paper's approximation is 1), and the literal Eq. (6) curve;
4. photon catalog: for an effective area A and time T, N ~ Poisson(A T sum_p Omega_p I_511,p
   int_band s dk) photons in the catalog region, made in blocks of :data:`BLOCK` photons; block j
   uses ``SeedSequence(seed, spawn_key=(PHOTON_KEY, j))`` (N itself ``(PHOTON_KEY,)``), and shards
   are runs of consecutive blocks, so neither shards nor workers change the catalog. Each photon
   gets a direction uniform within a pixel drawn ∝ I_511, an energy from s(k), a uniform arrival
   time, and the optional PSF and energy resolution (:mod:`mcdm.sky.photons`).

Outputs (``report``): ``map_511.fits`` and ``map_continuum.fits`` (HEALPix, Galactic, RING, units
in the header), ``map_continuum.png``, ``roi_spectra.json``, ``spectrum.png`` (with the user's
COMPTEL points and background if given), ``photons.parquet`` (mcdm event catalog), ``events.fits``
(GADF event list), ``photons.png`` and ``summary.json``.

Public API: :func:`compile_job`, :func:`simulate_shard`, :func:`sample_block`, :func:`report`, :func:`relative_errors`,
:func:`build_spectrum`, :func:`build_emissivity`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NamedTuple

import numpy as np

from mcdm.config import RunConfig
from mcdm.scenarios.common import concatenate_rows
from mcdm.constants import GEV_PER_GRAM, KPC_KM
from mcdm.errors import ConfigError

__all__ = ["NuggetJob", "PhotonSample", "compile_job", "simulate_shard", "sample_block", "report",
           "relative_errors", "in_region", "build_spectrum", "build_emissivity", "SPECTRUM_GRID_MEV", "BLOCK", "PHOTON_KEY"]

_KPC_KM = KPC_KM
_GEV_CM3 = GEV_PER_GRAM  # GeV/cm^3 per g/cm^3 (the internal mass density is g/cm^3)
#: photons per random-number block (the unit of work of a shard)
BLOCK = 65536
#: first spawn-key entry of the photon streams (far from the shard keys of :mod:`mcdm.rng`)
PHOTON_KEY = 2**41 + 5
#: energy grid of the ROI spectra [MeV]
SPECTRUM_GRID_MEV = np.geomspace(0.3, 100.0, 400)


class NuggetJob(NamedTuple):
    """What a shard needs: seed, shards, the catalog region's I_511 weights, the spectrum and exposure."""

    seed: int
    n_shards: int
    shard_sizes: np.ndarray  # blocks per shard
    nside: int
    weights: np.ndarray  # I_511 x region weight per pixel [ph cm^-2 s^-1 sr^-1]
    region: str  # catalog region: 'comptel', 'disc6' or 'all'
    draw_weights: np.ndarray  # I_511 on every pixel touching the region (sampling before rejection)
    expected: float  # expected photons in the catalog
    n_photons: int  # the Poisson draw of the catalog size
    spectrum: Any  # mu [MeV] or Electrosphere: the shape sampled
    k_band: tuple  # (k_min, k_max) [MeV]
    exposure_s: float
    psf_deg: float
    energy_resolution: float


@dataclass
class PhotonSample:
    """Photons of one or more shards (add with +): l, b [deg], energy, true energy [MeV], time [s]."""

    l_deg: np.ndarray
    b_deg: np.ndarray
    energy_mev: np.ndarray
    true_energy_mev: np.ndarray
    time_s: np.ndarray
    seconds: float = 0.0

    def __add__(self, other: PhotonSample) -> PhotonSample:
        return concatenate_rows(self, other)

    def __len__(self) -> int:
        return int(self.energy_mev.size)


def build_spectrum(n: Any) -> tuple[Any, Callable[[np.ndarray], np.ndarray]]:
    """(sampling shape, s(k)) of a [nuggets] section: s(k) [MeV^-1] is the continuum per unit 511 keV
    intensity (Eq. 6 with i511 = 1, or its (A.4) average), k in MeV."""
    from mcdm.physics.nugget import Electrosphere, continuum_intensity, height_averaged_intensity

    opts = dict(ps_photon_counting=n.ps_photon_counting, rate=n.total_rate)
    if n.spectrum == "single_mu":
        mu = n.mu * 1e3

        def s_single(k: np.ndarray) -> np.ndarray:
            return np.asarray(continuum_intensity(k, mu, n.chi, i511=1.0, **opts), dtype=float)
        return mu, s_single
    es = Electrosphere(n.mu0 * 1e3, n.zmax_over_z0, n.v_e, n.weighting)

    def s_sphere(k: np.ndarray) -> np.ndarray:
        return np.asarray(height_averaged_intensity(k, es, n.chi, i511=1.0, **opts), dtype=float)
    return es, s_sphere


def build_emissivity(n: Any) -> tuple[Any, Any]:
    """(DM profile, gas model) of a [nuggets] section (kpc, GeV/cm^3, cm^-3)."""
    from mcdm.sky.profiles import NFW, Burkert, ConstantSphere, Einasto, ExponentialDisk

    r_sun = n.r_sun / _KPC_KM
    rho = n.rho_local * _GEV_CM3
    rs = n.dm_scale_radius / _KPC_KM
    if n.dm_profile == "nfw":
        dm = NFW.local(rs or 20.0, rho, r_sun)
    elif n.dm_profile == "einasto":
        dm = Einasto.local(rs or 20.0, n.einasto_alpha, rho, r_sun)
    else:
        dm = Burkert.local(rs or 9.0, rho, r_sun)
    if n.gas_model == "exponential_disk":
        gas = ExponentialDisk(1.0, n.gas_scale_radius / _KPC_KM, n.gas_scale_height / _KPC_KM)
    elif n.gas_model == "map":
        gas = _read_gas_map(n.gas_map)
    else:
        gas = ConstantSphere(1.0, r_sun + n.s_max / _KPC_KM)
    return dm, gas


def _read_gas_map(path: str) -> Any:
    """A user gas map (HEALPix FITS, Galactic; RING unless the header says NESTED) as a GasMap."""
    from pathlib import Path as _P

    import healpy as hp

    from mcdm.sky.profiles import GasMap

    if not _P(path).is_file():
        raise ConfigError(f"nuggets.gas_map = {path!r} does not exist")
    try:
        values, header = hp.read_map(path, field=0, h=True, nest=None)
    except Exception as exc:  # healpy raises several errors for a foreign file
        raise ConfigError(f"nuggets.gas_map = {path!r} is not a HEALPix map: {exc}") from exc
    nest = str(dict(header).get("ORDERING", "RING")).upper().startswith("NEST")
    return GasMap(values, nest=nest)


def _band_integral(s: Callable, k_lo: float, k_hi: float) -> float:
    """int s dk over [k_lo, k_hi] [MeV] by Gauss-Legendre on log-spaced panels."""
    edges = np.geomspace(k_lo, k_hi, 65)
    x, w = np.polynomial.legendre.leggauss(16)
    a, b = edges[:-1, None], edges[1:, None]
    k = (0.5 * (b - a) * x + 0.5 * (a + b)).ravel()
    return float(np.sum((0.5 * (b - a) * w).ravel() * s(k)))


def compile_job(cfg: RunConfig) -> tuple[NuggetJob, dict[str, Any]]:
    """The I_511 map, ROI weights, spectrum and expected photon count of [nuggets]."""
    from mcdm.physics.nugget import k_limits
    from mcdm.rng import shard_sizes
    from mcdm.sky import roi
    from mcdm.sky.los import morphology_map
    from mcdm.sky.photons import expected_photons

    n = cfg.nuggets
    dm, gas = build_emissivity(n)
    t0 = time.perf_counter()
    morph = morphology_map(n.nside, (dm, gas), r_sun=n.r_sun / _KPC_KM, s_max=n.s_max / _KPC_KM,
                           threads=max(1, cfg.run.workers))
    map_seconds = time.perf_counter() - t0
    disc6 = roi.disc(n.nside, 6.0)
    box = roi.comptel_box(n.nside)
    norm = n.i511 / roi.roi_mean(morph, disc6)
    i511_map = morph * norm
    shape, s = build_spectrum(n)
    mu_top = shape if isinstance(shape, float) else shape.mu0_mev
    k_lo = max(n.k_min * 1e3, k_limits(mu_top)[0])
    k_hi = min(n.k_max * 1e3, k_limits(mu_top)[1])
    if not k_hi > k_lo:
        raise ConfigError(f"nuggets.k_min..k_max = {n.k_min * 1e3:g}..{n.k_max * 1e3:g} MeV lies outside the "
                          f"spectrum's support (k <= {k_limits(mu_top)[1]:.4g} MeV)")
    band = _band_integral(s, k_lo, k_hi)
    region = {"comptel": box, "disc6": disc6, "all": np.ones_like(box)}[n.catalog_region]
    weights = i511_map * region
    expected = expected_photons(weights, band, n.effective_area, n.exposure_time)
    if expected > n.max_photons:
        raise ConfigError(f"the photon catalog would hold ~{expected:.3g} photons, above nuggets.max_photons = "
                          f"{n.max_photons}; lower effective_area or exposure_time, or raise max_photons")
    n_photons = int(_stream(cfg.run.seed).poisson(expected)) if expected > 0 else 0
    n_blocks = max(1, -(-n_photons // BLOCK))
    n_shards = min(max(1, cfg.run.shards), n_blocks)
    job = NuggetJob(seed=cfg.run.seed, n_shards=n_shards, shard_sizes=shard_sizes(n_blocks, n_shards),
                    nside=n.nside, weights=weights, region=n.catalog_region,
                    draw_weights=np.where(region > 0, i511_map, 0.0), expected=expected, n_photons=n_photons, spectrum=shape,
                    k_band=(k_lo, k_hi),
                    exposure_s=n.exposure_time, psf_deg=math.degrees(n.psf), energy_resolution=n.energy_resolution)
    context = {"morphology": morph, "i511_map": i511_map, "disc6": disc6, "box": box, "spectrum_fn": s,
               "band_integral": band, "profiles": (dm, gas), "map_seconds": map_seconds}
    return job, context


def in_region(region: str, l_deg: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
    """Whether Galactic (l, b) [deg] lie in the catalog region ('comptel': l in [330, 30] deg,
    |b| <= 5 deg; 'disc6': within 6 deg of the Galactic centre; 'all')."""
    l_deg, b_deg = np.asarray(l_deg, dtype=float), np.asarray(b_deg, dtype=float)
    if region == "all":
        return np.ones(l_deg.shape, dtype=bool)
    if region == "comptel":
        dl = np.mod(l_deg + 30.0, 360.0)
        return (dl <= 60.0) & (np.abs(b_deg) <= 5.0)
    if region == "disc6":
        cos_d = np.cos(np.radians(l_deg)) * np.cos(np.radians(b_deg))
        return cos_d >= np.cos(np.radians(6.0))
    raise ConfigError(f"unknown catalog region {region!r}")


def _stream(seed: int, *block: int) -> np.random.Generator:
    """The stream of photon block ``block`` (none: the catalog-size draw)."""
    key = (PHOTON_KEY,) + tuple(int(b) for b in block)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))


def sample_block(job: NuggetJob, block: int) -> PhotonSample:
    """The photons of block ``block`` (up to :data:`BLOCK` of them, from the block's own stream)."""
    from mcdm.physics.nugget import sample_photon_energies
    from mcdm.sky.photons import apply_psf, sample_pixels, smear_energies, uniform_in_pixels

    count = max(0, min(BLOCK, job.n_photons - block * BLOCK))
    if count == 0:
        e = np.zeros(0)
        return PhotonSample(e, e, e, e, e)
    rng = _stream(job.seed, block)
    # pixels touching the region, ∝ I_511; points outside the exact region redrawn, so each pixel
    # ends up weighted by I_511 x its area inside the region (the expectation's weights)
    lon, lat = np.empty(0), np.empty(0)
    while lon.size < count:
        pix = sample_pixels(rng, count - lon.size, job.draw_weights)
        lo, la = uniform_in_pixels(rng, pix, job.nside)
        ok = in_region(job.region, lo, la)
        lon, lat = np.concatenate([lon, lo[ok]]), np.concatenate([lat, la[ok]])
    true_e = sample_photon_energies(rng, count, job.spectrum, kmin=job.k_band[0], kmax=job.k_band[1])
    t = rng.random(count) * job.exposure_s
    lon, lat = apply_psf(rng, lon, lat, job.psf_deg)
    e = smear_energies(rng, true_e, job.energy_resolution)
    return PhotonSample(lon, lat, e, true_e, t)


def simulate_shard(job: NuggetJob, shard: int) -> PhotonSample:
    """The photons of the blocks of shard ``shard`` (module docstring)."""
    t0 = time.perf_counter()
    first = int(np.sum(job.shard_sizes[:shard]))
    parts = [sample_block(job, b) for b in range(first, first + int(job.shard_sizes[shard]))]
    out = parts[0]
    for p in parts[1:]:
        out = out + p
    out.seconds = time.perf_counter() - t0
    return out


def relative_errors(job: NuggetJob, total: PhotonSample) -> np.ndarray:
    """None: the catalog is one complete Poisson realisation (nothing for adaptive runs to refine)."""
    return np.zeros(0)


# ------------------------------------------------------------------------------------------ report
def _roi_spectra(cfg: RunConfig, context: dict[str, Any]) -> dict[str, Any]:
    from mcdm.physics.nugget import continuum_intensity
    from mcdm.sky import roi

    n = cfg.nuggets
    k = SPECTRUM_GRID_MEV
    s = context["spectrum_fn"](k)
    i_box = roi.roi_mean(context["i511_map"], context["box"])
    i_disc = roi.roi_mean(context["i511_map"], context["disc6"])
    out = {"k_MeV": k, "k2_flux_box": k * k * s * i_box, "k2_flux_disc6": k * k * s * i_disc,
           "i511_box": i_box, "i511_disc6": i_disc, "morphology_ratio_box_over_disc6": i_box / i_disc,
           "solid_angle_box_sr": roi.roi_solid_angle(context["box"]),
           "solid_angle_disc6_sr": roi.roi_solid_angle(context["disc6"])}
    if n.spectrum == "single_mu":
        out["k2_flux_paper_eq6"] = k * k * np.asarray(continuum_intensity(
            k, n.mu * 1e3, n.chi, i511=n.i511, ps_photon_counting=n.ps_photon_counting, rate=n.total_rate))
    else:
        out["k2_flux_paper_eq6"] = k * k * s * n.i511  # (A.4) with the paper's box = disc assumption
    return out


def _comparison(cfg: RunConfig, spectra: dict[str, Any]) -> dict[str, Any]:
    from mcdm.sky.spectral_data import chi2_against, interpolate_k2_flux, read_spectral_table

    n = cfg.nuggets
    out: dict[str, Any] = {}
    data = read_spectral_table(n.comptel_data) if n.comptel_data else None
    bg = read_spectral_table(n.background_model) if n.background_model else None
    out["data"], out["background"] = data, bg
    if data is not None:
        model = np.exp(np.interp(np.log(data.k), np.log(spectra["k_MeV"]),
                                 np.log(np.maximum(spectra["k2_flux_box"], 1e-300))))
        model = np.where(model > 1e-299, model, 0.0)
        total = model + (interpolate_k2_flux(bg, data.k) if bg is not None else 0.0)
        out["points"] = {"k_MeV": data.k, "data": data.k2_flux, "nuggets": model, "nuggets_plus_background": total}
        if data.has_errors:
            out["chi2"] = chi2_against(data, total)
            out["n_points"] = int(data.k.size)
    return out


def _spectrum_plot(path: Path, cfg: RunConfig, spectra: dict[str, Any], comp: dict[str, Any]) -> None:
    from mcdm.plotting import new_figure, save_figure

    fig, ax = new_figure()
    k = spectra["k_MeV"]
    ax.loglog(k, spectra["k2_flux_box"], label="nuggets, COMPTEL box (map)")
    ax.loglog(k, spectra["k2_flux_disc6"], ls="--", label="nuggets, 6° disc (map)")
    ax.loglog(k, spectra["k2_flux_paper_eq6"], ls=":", label="literal (box = disc, Eq. 6/A.4)")
    bg, data = comp.get("background"), comp.get("data")
    if bg is not None:
        ax.loglog(bg.k, bg.k2_flux, color="tab:blue", lw=2, alpha=0.5, label="background (user)")
        from mcdm.sky.spectral_data import interpolate_k2_flux

        tot = np.interp(bg.k, k, spectra["k2_flux_box"]) + interpolate_k2_flux(bg, bg.k)
        ax.loglog(bg.k, tot, "ko", ms=4, label="nuggets + background")
    if data is not None:
        xerr = None if data.k_lo is None else [data.k - data.k_lo, data.k_hi - data.k]
        ax.errorbar(data.k, data.k2_flux, yerr=[data.err_lo, data.err_hi], xerr=xerr, fmt="none",
                    color="green", label="COMPTEL (user)")
    top = max(float(np.max(spectra["k2_flux_box"])), 1e-12)
    ax.set_ylim(top * 1e-3, top * 3)
    ax.set_xlim(0.5, 100)
    ax.set_xlabel("photon energy k [MeV]")
    ax.set_ylabel(r"$k^2\,d\Phi/dk\,d\Omega$ [MeV cm$^{-2}$ s$^{-1}$ sr$^{-1}$]")
    n = cfg.nuggets
    what = f"μ = {n.mu * 1e3:g} MeV" if n.spectrum == "single_mu" else \
        f"μ₀ = {n.mu0 * 1e3:g} MeV, z_max = {n.zmax_over_z0:g} z₀, v_e = {n.v_e:g}c"
    ax.set_title(f"Quark-nugget continuum, χ = {n.chi:g}, {what}", fontsize=9)
    ax.legend(fontsize=7)
    save_figure(fig, path)


def _photon_outputs(cfg: RunConfig, job: NuggetJob, total: PhotonSample, outdir: Path,
                    spectrum_fn: Callable) -> tuple[list[str], dict]:
    import healpy as hp
    from astropy.time import Time, TimeDelta

    from mcdm.events import EventCatalog
    from mcdm.plotting import new_figure, save_figure
    from mcdm.sky.photons import galactic_to_icrs, write_event_list_fits

    n = cfg.nuggets
    written: list[str] = []
    t_start = Time(cfg.time.start, scale="utc")
    ra, dec = galactic_to_icrs(total.l_deg, total.b_deg)
    times = t_start + TimeDelta(total.time_s, format="sec")
    cat = EventCatalog.from_arrays(times, total.energy_mev * 1e3, "nuggets-sky", run={"scenario": "nuggets"},
                                   glon_deg=total.l_deg, glat_deg=total.b_deg, ra_deg=ra, dec_deg=dec,
                                   true_energy_keV=total.true_energy_mev * 1e3, time_s=total.time_s)
    cat.to_parquet(outdir / "photons.parquet")
    written.append("photons.parquet")
    write_event_list_fits(outdir / "events.fits",
                          {"EVENT_ID": np.arange(len(total), dtype=np.int64), "TIME": total.time_s, "RA": ra,
                           "DEC": dec, "ENERGY": total.energy_mev, "GLON": total.l_deg, "GLAT": total.b_deg},
                          mjdref=float(t_start.utc.mjd), tstart=0.0, tstop=job.exposure_s,
                          header={"TELESCOP": "MCDM", "OBJECT": f"nuggets {n.catalog_region}",
                                  "AEFF_CM2": n.effective_area})
    written.append("events.fits")
    # counts map and energy histogram against the expectation
    fig, (a1, a2) = new_figure(ncols=2, figsize=(10, 4))
    edges = np.geomspace(job.k_band[0], job.k_band[1], 25)
    cnt, _ = np.histogram(total.energy_mev, edges)
    centres = np.sqrt(edges[1:] * edges[:-1])
    a1.errorbar(centres, cnt, yerr=np.sqrt(cnt), fmt="o", ms=3, label="sampled photons")
    s = spectrum_fn
    if job.energy_resolution == 0:
        per_bin = np.array([_band_integral(s, a, b) for a, b in zip(edges[:-1], edges[1:])])
        a1.stairs(len(total) * per_bin / per_bin.sum(), edges, color="k", label="s(k) (shape)")
    a1.set_xscale("log")
    a1.set_yscale("log")
    a1.set_xlabel("energy [MeV]")
    a1.set_ylabel("photons per bin")
    a1.legend(fontsize=7)
    nside_c = min(job.nside, 64)
    pix = hp.ang2pix(nside_c, total.l_deg, total.b_deg, lonlat=True)
    counts = np.bincount(pix, minlength=hp.nside2npix(nside_c)).astype(float)
    lon = np.where(total.l_deg > 180, total.l_deg - 360, total.l_deg)
    a2.hist2d(lon, total.b_deg, bins=[90, 40], range=[[-40, 40], [-10, 10]], cmap="magma")
    a2.invert_xaxis()
    a2.set_xlabel("Galactic longitude l [deg]")
    a2.set_ylabel("Galactic latitude b [deg]")
    a2.set_title(f"{len(total)} photons ({n.catalog_region})", fontsize=9)
    save_figure(fig, outdir / "photons.png")
    written.append("photons.png")
    stats = {"sampled": len(total), "expected": job.expected, "counts_per_energy_bin": cnt,
             "energy_edges_MeV": edges, "max_pixel_counts_nside64": float(counts.max(initial=0))}
    return written, stats


def report(cfg: RunConfig, job: NuggetJob, context: dict[str, Any], total: PhotonSample, outdir) -> list[str]:
    """Write maps, ROI spectra, the photon catalog, plots and the summary; return the file names."""
    from mcdm.io import atomic_write_json, to_jsonable, write_summary
    from mcdm.sky.los import mollview_png, roi_outlines, write_healpix_fits

    n = cfg.nuggets
    outdir = Path(outdir)
    written: list[str] = []
    s = context["spectrum_fn"]
    write_healpix_fits(outdir / "map_511.fits", context["i511_map"], "ph cm-2 s-1 sr-1", ["I511"],
                       extra_header=[("I511", n.i511, "mean over the 6 deg disc [ph cm-2 s-1 sr-1]")])
    band_photons = context["band_integral"]
    band_energy = _band_integral(lambda k: k * s(k), *job.k_band)
    cont = context["i511_map"] * band_photons
    write_healpix_fits(outdir / "map_continuum.fits", [cont, context["i511_map"] * band_energy],
                       ["ph cm-2 s-1 sr-1", "MeV cm-2 s-1 sr-1"], ["PHOTONS", "ENERGY"],
                       extra_header=[("KMIN", job.k_band[0], "band low edge [MeV]"),
                                     ("KMAX", job.k_band[1], "band high edge [MeV]")])
    written += ["map_511.fits", "map_continuum.fits"]
    if cfg.output.plot:
        mollview_png(outdir / "map_continuum.png", cont, "ph cm⁻² s⁻¹ sr⁻¹",
                     title=f"nugget continuum {job.k_band[0]:.3g}-{job.k_band[1]:.3g} MeV", log=True,
                     outlines=roi_outlines())
        written.append("map_continuum.png")
    spectra = _roi_spectra(cfg, context)
    comp = _comparison(cfg, spectra)
    atomic_write_json(outdir / "roi_spectra.json", to_jsonable({
        "schema": "mcdm.nugget_spectra", "schema_version": 1,
        "units": {"k_MeV": "MeV", "k2_flux": "MeV cm-2 s-1 sr-1", "i511": "ph cm-2 s-1 sr-1", "solid_angle": "sr"},
        **spectra, "comparison": {k_: v for k_, v in comp.items() if k_ not in ("data", "background")}}))
    written.append("roi_spectra.json")
    if cfg.output.plot:
        _spectrum_plot(outdir / "spectrum.png", cfg, spectra, comp)
        written.append("spectrum.png")
    photon_stats: dict[str, Any] = {"sampled": 0, "expected": job.expected}
    if len(total):
        files, photon_stats = _photon_outputs(cfg, job, total, outdir, s)
        written += files
    dm, gas = context["profiles"]
    summary = {
        "scenario": "nuggets",
        "units": {"i511": "ph cm-2 s-1 sr-1", "band_photons": "ph cm-2 s-1 sr-1 per unit i511",
                  "band_energy": "MeV cm-2 s-1 sr-1 per unit i511", "k": "MeV", "exposure": "cm2 s",
                  "map_seconds": "s"},
        "spectrum": n.spectrum, "chi": n.chi, "k_band_MeV": job.k_band, "band_photons": band_photons,
        "band_energy": band_energy, "dm_profile": repr(dm), "gas_model": repr(gas),
        "nside": n.nside, "map_seconds": context["map_seconds"],
        "morphology_ratio_box_over_disc6": spectra["morphology_ratio_box_over_disc6"],
        "i511_box": spectra["i511_box"], "i511_disc6": spectra["i511_disc6"],
        "solid_angle_box_sr": spectra["solid_angle_box_sr"], "solid_angle_disc6_sr": spectra["solid_angle_disc6_sr"],
        "continuum_box_band_photons": spectra["i511_box"] * band_photons,
        "catalog": {"region": n.catalog_region, "exposure": n.effective_area * n.exposure_time, **photon_stats,
                    "shard_seconds": total.seconds},
        "comparison": {k_: v for k_, v in comp.items() if k_ in ("chi2", "n_points")},
    }
    summary["headline"] = {
        f"continuum {job.k_band[0]:.3g}-{job.k_band[1]:.3g} MeV, COMPTEL box":
            f"{spectra['i511_box'] * band_photons:.4g} ph cm-2 s-1 sr-1",
        "<M>_box / <M>_6deg (paper: 1)": f"{spectra['morphology_ratio_box_over_disc6']:.4f}",
        "photons sampled / expected": f"{photon_stats['sampled']} / {job.expected:.6g}"}
    write_summary(outdir / "summary.json", to_jsonable(summary))
    written.append("summary.json")
    return written

"""Line-of-sight integrals and HEALPix morphology maps (digest 001 §3 map mode, §8 C10).

M(l, b) = int_0^s_max ds prod_k f_k(x(s)), x(s) = (-R_sun + s cos b cos l, s cos b sin l, s sin b)
[kpc], so r^2 = R_sun^2 + s^2 - 2 R_sun s cos b cos l (digest 001 §3). The factors f_k are the
models of :mod:`mcdm.sky.profiles` (rho_DM n_e for the nugget morphology, rho_DM^2 for a
J-factor, rho_DM alone for a D-factor); the integral is done by the adaptive kernel
:func:`mcdm.kernels.sky.los_integrals`. A :class:`~mcdm.sky.profiles.GasMap` factor multiplies
the integral of the other factors (its docstring states the approximation).

Units: l, b [deg] Galactic; lengths [kpc]; M in kpc x (product of the factors' units), e.g.
kpc GeV cm^-6 for rho_DM [GeV/cm^3] x n_e [cm^-3]. Maps are HEALPix, Galactic, RING ordering,
evaluated at pixel centres (a cusp's centre pixel is not its pixel average).
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Union

import astropy.units as u
import numpy as np

from mcdm.errors import ConfigError
from mcdm.kernels import sky as _k
from mcdm.sky.profiles import R_SUN_KPC, GasMap

__all__ = ["S_MAX_KPC", "KPC_CM", "CompiledEmissivity", "compile_emissivity", "los_integral",
           "morphology_map", "j_factor", "j_factor_disc", "write_healpix_fits", "read_healpix_fits",
           "mollview_png", "roi_outlines", "galactic_directions", "emissivity_unit"]

#: default integration length along each sightline [kpc] (the halo beyond adds < 1e-3 to an
#: NFW D-factor towards the inner Galaxy; pass ``s_max`` or ``r_cut`` to change it)
S_MAX_KPC = 100.0
KPC_CM = (1.0 * u.kpc).to_value(u.cm)

_CHUNK = 16384


class CompiledEmissivity:
    """Kernel arrays of a product of density factors.

    kinds (m,) int64, params (m, N_PARAMS), breaks [kpc] (radii where the product may jump),
    gas : GasMap | None (applied after the integral), unit : astropy unit of the product.
    """

    def __init__(self, factors: Sequence[Any]):
        if len(factors) == 0:
            raise ConfigError("emissivity: give at least one density model")
        gas = [f for f in factors if isinstance(f, GasMap)]
        if len(gas) > 1:
            raise ConfigError("emissivity: at most one GasMap factor")
        others = [f for f in factors if not isinstance(f, GasMap)]
        for f in others:
            if not hasattr(f, "kernel_params"):
                raise ConfigError(f"emissivity: {f!r} is not a density model of mcdm.sky.profiles")
        packed = [f.kernel_params() for f in others]
        self.kinds = np.array([p[0] for p in packed], dtype=np.int64)
        self.params = (np.array([p[1] for p in packed], dtype=np.float64)
                       if packed else np.zeros((0, _k.N_PARAMS)))
        self.breaks = np.array(sorted({b for f in others for b in f.break_radii}), dtype=np.float64)
        self.gas = gas[0] if gas else None
        unit = u.dimensionless_unscaled
        for f in factors:
            unit = unit * u.Unit(f.unit)
        self.unit = unit


def compile_emissivity(emissivity: Any) -> CompiledEmissivity:
    """A model or a sequence of models (their product) -> :class:`CompiledEmissivity`."""
    if isinstance(emissivity, CompiledEmissivity):
        return emissivity
    if isinstance(emissivity, (list, tuple)):
        return CompiledEmissivity(list(emissivity))
    return CompiledEmissivity([emissivity])


def galactic_directions(l_deg, b_deg) -> np.ndarray:
    """Unit vectors (n, 3) towards Galactic (l, b) [deg] in the Galactocentric axes."""
    lr = np.radians(np.asarray(l_deg, dtype=np.float64).ravel())
    br = np.radians(np.asarray(b_deg, dtype=np.float64).ravel())
    return np.ascontiguousarray(np.stack([np.cos(br) * np.cos(lr), np.cos(br) * np.sin(lr),
                                          np.sin(br)], axis=1))


def _settings(r_sun, s_max, r_cut, rtol, r_floor, n_init, max_depth, threads) -> dict:
    r_sun = float(r_sun)
    if not (np.isfinite(r_sun) and r_sun >= 0.0):
        raise ConfigError(f"r_sun = {r_sun!r} must be finite and >= 0 kpc")
    s_max = S_MAX_KPC if s_max is None else float(s_max)
    if not (np.isfinite(s_max) and s_max > 0.0):
        raise ConfigError(f"s_max = {s_max!r} must be finite and > 0 kpc")
    r_cut = math.inf if r_cut is None else float(r_cut)
    if not r_cut > 0.0:
        raise ConfigError(f"r_cut = {r_cut!r} must be > 0 kpc (None: no cut)")
    if not (0.0 < float(rtol) < 1.0):
        raise ConfigError(f"rtol = {rtol!r} must be in (0, 1)")
    if not (np.isfinite(r_floor) and r_floor > 0.0):
        raise ConfigError(f"r_floor = {r_floor!r} must be finite and > 0 kpc")
    if int(n_init) < 1 or int(max_depth) < 0 or int(threads) < 1:
        raise ConfigError(f"n_init = {n_init} >= 1, max_depth = {max_depth} >= 0 and "
                          f"threads = {threads} >= 1 required")
    return dict(r_sun=r_sun, s_max=s_max, r_cut=r_cut, rtol=float(rtol), r_floor=float(r_floor),
                n_init=int(n_init), max_depth=int(max_depth), threads=int(threads))


def _integrate(dirs: np.ndarray, em: CompiledEmissivity, st: dict) -> tuple[np.ndarray, np.ndarray]:
    obs = np.array([-st["r_sun"], 0.0, 0.0])
    breaks = em.breaks
    if np.isfinite(st["r_cut"]):
        breaks = np.unique(np.append(breaks, st["r_cut"]))
    out = np.zeros(dirs.shape[0])
    err = np.zeros(dirs.shape[0])
    _k.los_integrals(obs, dirs, st["s_max"], em.kinds, em.params, breaks, st["r_floor"],
                     st["r_cut"], st["rtol"], st["n_init"], st["max_depth"], out, err)
    return out, err


def _run_chunks(n: int, make_dirs, em: CompiledEmissivity, st: dict, chunk: int) -> np.ndarray:
    """Integrate directions [a, b) = make_dirs(a, b) chunk by chunk on ``threads`` threads."""
    out = np.empty(n)
    starts = range(0, n, chunk)

    def work(a: int) -> None:
        b = min(a + chunk, n)
        out[a:b] = _integrate(make_dirs(a, b), em, st)[0]

    if st["threads"] == 1 or n <= chunk:
        for a in starts:
            work(a)
    else:  # the kernel is compiled nogil: threads share the work without copies
        with ThreadPoolExecutor(max_workers=st["threads"]) as pool:
            list(pool.map(work, starts))
    return out


def los_integral(l_deg, b_deg, emissivity, r_sun: float = R_SUN_KPC, s_max: float | None = None,
                 r_cut: float | None = None, *, rtol: float = 1e-6, r_floor: float = 1e-6,
                 n_init: int = 4, max_depth: int = 40, threads: int = 1,
                 return_error: bool = False) -> Union[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """int_0^s_max ds prod f(x(s)) towards each Galactic (l, b) [deg] -> kpc x product units.

    emissivity : a model of :mod:`mcdm.sky.profiles`, or a sequence of them (their product; a
    GasMap multiplies the integral of the others). r_sun : observer distance from the centre
    [kpc]; s_max : sightline length [kpc] (default :data:`S_MAX_KPC`); r_cut : zero emissivity
    beyond this Galactocentric radius [kpc]; rtol : per-panel relative tolerance of the
    adaptive quadrature; r_floor : the factors see r >= r_floor [kpc] (keeps a cusp finite on the
    centre line). return_error: also return the summed |K15 - G7| (a conservative error bound).
    Output has the broadcast shape of (l, b).
    """
    lb = np.broadcast_arrays(np.asarray(l_deg, dtype=np.float64), np.asarray(b_deg, dtype=np.float64))
    if not (np.all(np.isfinite(lb[0])) and np.all(np.isfinite(lb[1]))):
        raise ConfigError("l_deg, b_deg must be finite")
    if np.any(np.abs(lb[1]) > 90.0):
        raise ConfigError("b_deg must lie in [-90, 90] deg")
    em = compile_emissivity(emissivity)
    st = _settings(r_sun, s_max, r_cut, rtol, r_floor, n_init, max_depth, threads)
    dirs = galactic_directions(*lb)
    if return_error:
        out, err = _integrate(dirs, em, st)
    else:
        out = _run_chunks(dirs.shape[0], lambda a, b: dirs[a:b], em, st, _CHUNK)
        err = None
    if em.gas is not None:
        g = em.gas.value(lb[0].ravel(), lb[1].ravel())
        out = out * g
        err = None if err is None else err * g
    shape = lb[0].shape
    return (out.reshape(shape), err.reshape(shape)) if return_error else out.reshape(shape)


def morphology_map(nside: int, emissivity, r_sun: float = R_SUN_KPC, s_max: float | None = None,
                   r_cut: float | None = None, *, rtol: float = 1e-6, r_floor: float = 1e-6,
                   n_init: int = 4, max_depth: int = 40, threads: int = 1,
                   chunk: int = _CHUNK) -> np.ndarray:
    """Full-sky HEALPix map (Galactic, RING) of the line-of-sight integral at pixel centres.

    Arguments as in :func:`los_integral`; pixels are processed ``chunk`` at a time (memory
    O(chunk) beyond the output map) on ``threads`` threads. Unit: kpc x the product's unit
    (:func:`emissivity_unit`).
    """
    import healpy as hp

    from mcdm.sky.roi import _check_nside

    nside = _check_nside(nside)
    if int(chunk) < 1:
        raise ConfigError(f"chunk = {chunk!r} must be >= 1")
    em = compile_emissivity(emissivity)
    st = _settings(r_sun, s_max, r_cut, rtol, r_floor, n_init, max_depth, threads)
    npix = hp.nside2npix(nside)

    def make_dirs(a: int, b: int) -> np.ndarray:
        return np.ascontiguousarray(np.stack(hp.pix2vec(nside, np.arange(a, b)), axis=1))

    out = _run_chunks(npix, make_dirs, em, st, int(chunk))
    if em.gas is not None:
        lon, lat = hp.pix2ang(nside, np.arange(npix), lonlat=True)
        out *= em.gas.value(lon, lat)
    return out


def emissivity_unit(emissivity) -> u.UnitBase:
    """Astropy unit of the line-of-sight integral of ``emissivity`` (kpc x product units)."""
    return u.kpc * compile_emissivity(emissivity).unit


def j_factor(l_deg, b_deg, profile, r_sun: float = R_SUN_KPC, s_max: float | None = None,
             r_cut: float | None = None, **kwargs) -> np.ndarray:
    """Annihilation J = int rho^2 ds towards (l, b) [deg] for a DM profile -> [GeV^2 cm^-5]."""
    return los_integral(l_deg, b_deg, (profile, profile), r_sun, s_max, r_cut, **kwargs) * KPC_CM


def j_factor_disc(radius_deg: float, profile, r_sun: float = R_SUN_KPC,
                  s_max: float | None = None, r_cut: float | None = None, *, n_panels: int = 12,
                  n_nodes: int = 10, **kwargs) -> float:
    """Mean J over a disc of angular radius ``radius_deg`` centred on the Galactic centre.

    <J> = 2 pi int_0^R J(psi) sin psi dpsi / (2 pi (1 - cos R)) [GeV^2 cm^-5] for a spherically
    symmetric profile (J depends on the angle psi from the centre only); psi panels are
    geometric, R 2^-k (k < n_panels), with ``n_nodes`` Gauss-Legendre nodes each. Multiply by
    :func:`mcdm.sky.roi.disc_solid_angle` for the ROI-integrated J [GeV^2 cm^-5 sr].
    """
    radius = float(radius_deg)
    if not (0.0 < radius <= 180.0):
        raise ConfigError(f"radius_deg = {radius_deg!r} must be in (0, 180]")
    rr = math.radians(radius)
    edges = np.concatenate([[0.0], rr * 2.0 ** -np.arange(n_panels - 1, -1, -1.0)])
    x, w = np.polynomial.legendre.leggauss(int(n_nodes))
    a, b = edges[:-1, None], edges[1:, None]
    psi = (0.5 * (b - a) * x + 0.5 * (a + b)).ravel()
    wts = (0.5 * (b - a) * w).ravel()
    jv = j_factor(np.degrees(psi), np.zeros_like(psi), profile, r_sun, s_max, r_cut, **kwargs)
    return float(np.sum(wts * jv * np.sin(psi)) / (1.0 - math.cos(rr)))


def write_healpix_fits(path: str | Path, maps, unit: str | Sequence[str],
                       column_names: Sequence[str] | None = None,
                       extra_header: Sequence[tuple[str, Any, str]] = ()) -> Path:
    """Write HEALPix map(s) (Galactic, RING) to FITS with units in TUNITn, atomically.

    maps : one map or a sequence of maps of equal nside; unit : one unit string or one per map;
    column_names : TTYPEn (default 'MAP', 'MAP2', ...); extra_header : (key, value, comment).
    """
    import healpy as hp

    from mcdm.io import atomic_path

    arrs = [np.asarray(m, dtype=np.float64) for m in (maps if _is_multi(maps) else [maps])]
    for a in arrs:
        if a.ndim != 1 or not hp.isnpixok(a.size) or a.size != arrs[0].size:
            raise ConfigError("maps must be full HEALPix maps of one nside")
    units = [unit] * len(arrs) if isinstance(unit, str) else list(unit)
    names = list(column_names) if column_names is not None else (
        ["MAP"] + [f"MAP{i + 1}" for i in range(1, len(arrs))])
    if len(units) != len(arrs) or len(names) != len(arrs):
        raise ConfigError("one unit and one column name per map")
    final = Path(path)
    with atomic_path(final) as tmp:
        hp.write_map(str(tmp), arrs if len(arrs) > 1 else arrs[0], nest=False, coord="G",
                     column_names=names, column_units=units, dtype=np.float64,
                     extra_header=list(extra_header), overwrite=True)
    return final


def _is_multi(maps) -> bool:
    if isinstance(maps, np.ndarray):
        return maps.ndim == 2
    return isinstance(maps, (list, tuple)) and len(maps) > 0 and np.ndim(maps[0]) == 1


def read_healpix_fits(path: str | Path) -> tuple[np.ndarray, dict]:
    """(maps (RING), header dict) of a FITS written by :func:`write_healpix_fits`."""
    import healpy as hp

    data, header = hp.read_map(str(path), field=None, h=True, nest=False, dtype=np.float64)
    return np.asarray(data), dict(header)


def mollview_png(path: str | Path, hmap, unit: str, title: str = "", log: bool = False,
                 outlines: Sequence[tuple[Any, Any, str]] = ()) -> Path:
    """Mollweide PNG of a Galactic HEALPix map (RING) with ``unit`` on the colour bar; ``outlines``:
    (l [deg], b [deg], colour) polylines drawn on top (e.g. region boundaries)."""
    import healpy as hp

    from mcdm.io import atomic_path
    from mcdm.plotting import _pyplot

    plt = _pyplot()
    m = np.asarray(hmap, dtype=np.float64)
    if log and np.any(m <= 0.0):
        raise ConfigError("log colour scale needs a positive map")
    with warnings.catch_warnings():  # healpy 1.20 calls matplotlib's soon-deprecated set_over
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        num = max(plt.get_fignums(), default=0) + 1  # a fresh figure: healpy reuses an existing one
        hp.mollview(m, fig=num, title=title, unit=unit, norm="log" if log else None, xsize=1200)
    fig = plt.figure(num)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            hp.graticule(dpar=30, dmer=30)
            for lon, lat, colour in outlines:
                hp.projplot(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), lonlat=True,
                            color=colour, lw=1)
        final = Path(path)
        with atomic_path(final) as tmp:
            fig.savefig(tmp, dpi=100, format="png")
    finally:
        plt.close(fig)
    return final


def roi_outlines() -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Outlines of the COMPTEL box (white) and the 6 deg disc (red) for :func:`mollview_png`."""
    t = np.linspace(0.0, 1.0, 61)
    box_l = np.concatenate([-30 + 60 * t, np.full(11, 30.0), 30 - 60 * t, np.full(11, -30.0)])
    box_b = np.concatenate([np.full(61, -5.0), np.linspace(-5, 5, 11), np.full(61, 5.0), np.linspace(5, -5, 11)])
    phi = np.linspace(0.0, 2 * np.pi, 121)
    c_l, c_b = 6.0 * np.cos(phi), 6.0 * np.sin(phi)  # small-angle circle about the centre
    return [(box_l, box_b, "w"), (c_l, c_b, "r")]

"""Scenario ``pearls``: Nielsen & Froggatt's dark-matter pearls in transport mode (seed 000).

Digest 000 §9.1 items 4-11, one pearl per history, with the paper's model
(:class:`mcdm.physics.pearl.PearlModel`) and options from ``[pearls]``:

1. **Arrival** at the top of the world above the site (the US Standard Atmosphere 1976 at 86 km
   for ``stopping = "air"``, the Earth's surface for ``"stone"``), moving downwards at zenith
   angle z. ``velocity = "shm"``: galactic velocity from the [halo] SHM minus the Earth's
   velocity u_E(t_entry) (``mcdm.source.earth_velocity``, tabulated over one year and read
   periodically), at a local sidereal time drawn uniformly (the daily average of the directions);
   ``"mono"``: the paper's single speed v_start, isotropic, with the arrival rate modulated as
   1 + f_mod cos(2 pi (t - t_peak)/yr), t_peak = June 2 (day 152.5, DAMA's phase [external]). The
   downward flux through a horizontal surface weighs each pearl by |v| cos z (upward-going ones
   would stop on the far side of the Earth: weight 0; by the symmetry of a uniform surface the
   pearls stopping anywhere near the site stand for those stopping at it; the factor (r_top/R_E)^2
   turns arrivals per area of the top sphere into stopped pearls per ground area). Pearls carry a median
   mass M (``[pearls] mass`` or ``radius``) or, with ``mass_spread`` sigma > 0, ln M ~ N(ln M, sigma)
   (log-normal in DM mass density), number density rho_DM / M.
2. **Drag** along the straight line through the shells (air + the [earth] model's crust):
   dv/ds = -k rho v, k = (c_d/2) pi R^2/M (Eq. 106 per path length), so v = v_s exp(-k column), the
   closed form of :class:`~mcdm.physics.interaction.MacroscopicDrag` in
   :class:`~mcdm.transport.continuous.ContinuousSlowing`, evaluated per segment of
   :func:`mcdm.kernels.rays.shell_segments` (exact for piecewise-constant shells; the test suite
   compares it with ContinuousSlowing). Per segment of rate r = k rho the time is
   (e^{u_out} - e^{u_in})/(r v_s), u = k x column. Recorded: **t_exc**, the time spent with
   v > v_exc from the entry at the top of the world (the literal §9.1 item 7 definition: in air it
   includes the coasting through the thin upper atmosphere, about half of it, and is ~13 H/v_s for
   a vertical pearl against the paper's H/v_start = 0.023 s), where v = v_exc (altitude) and the
   **stopping depth** where v has fallen to the rock's terminal speed. Pearls that reach the
   detector depth still moving, or leave the atmosphere, do not count.
3. **Sinking** from the stopping depth (0 if it lies in the air: the fall through the air takes
   < days and is neglected) to the detector at the site's depth D at the solid terminal speed
   v_term,solid = v_term,LXe/k_solid (Eqs. 76, 78): the age in the detector a = (D - depth)/v_solid.
   The entry time used for u_E neglects the metres of stopping depth (< 0.5 % of a).
4. **Excitation and decay** (weighted, digest §9.3): the kinetic energy lost above v_exc,
   Delta E = M (v_s^2 - v_exc^2)/2, makes Delta E/E_H quanta in levels with lifetimes log-uniform on
   [tau_min, tau_max] (density 1/(Lambda tau), Lambda = ln(tau_max/tau_min)), each excited with
   efficiency min(1, t_exc/tau). Their decay rate at age a is
   D(a) = (N/(Lambda a)) int min(1, t_exc x/a) e^{-x} dx over x = a/tau in [a/tau_max, a/tau_min]
   (= N t_exc/(Lambda a^2) for t_exc << a, the paper's t_stop/t_pass up to 1/Lambda, digest §3.5).
   One lifetime per history is drawn as tau = a/x with x ~ Gamma(2) (x e^{-x}, the integrand's
   shape), weight (N/(Lambda a)) min(1, t_exc x/a)/x (:func:`decay_weight`): zero variance
   from tau where t_exc << a, no analogue 1e-10 probabilities.
5. **Detector**: pearls fill the detector layer with density (flux)/v_det (residence ~ 1/v_term:
   v_det = v_term,solid in NaI, Stokes' v_term,LXe in liquid xenon), so the rate per kg is
   n flux D(a)/(v_det rho_det); NaI/LXe per volume is k_solid exactly, per kg k_solid
   rho_LXe/rho_NaI (the paper ignores the densities). Each decay deposits E_H smeared by a
   Gaussian sigma_E = resolution x E_H (truncated > 0); a photon with probability
   ``photon_fraction``, else an Auger electron.
6. **Time**: the detection time is drawn uniformly over the daily grid ([time] start, ``years``)
   and the entry time is t - a (a backward-in-time estimator: every history lands in the grid).
   Rate of day j = (days/N) sum over histories in day j of n flux D/(v_det rho_det) [cpd/kg];
   tally axes time x energy x kind. The spread of passage times comes from the mass spread only
   (entry angles move the stopping depth by metres). The annual modulation A0 + A_m cos(2 pi
   (t - t0)/yr) of the rate in the energy window is fitted with
   :func:`mcdm.analysis.harmonic.fit_harmonic` (MC errors as effective Poisson counts), and the
   washout W = |<e^{i w a}>| (signal-weighted mean over histories, w = 2 pi/yr) is reported next
   to the fitted A_m/A0 (= f_mod W for ``mono``).

Public API: :func:`compile_job`, :func:`simulate_shard`, :func:`report`, :func:`relative_errors`
(the scenario interface of :mod:`mcdm.run`) and :class:`PearlWorld`, :func:`build_pearl_world`,
:func:`stop_along_rays`, :func:`decay_weight`, :func:`window_rates`, :func:`fit_modulation`,
:data:`DETECTORS`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from mcdm.config import RunConfig
from mcdm.constants import GEV_PER_GRAM, SECONDS_PER_DAY
from mcdm.errors import ConfigError
from mcdm.units import KM_TO_CM

__all__ = ["CHUNK", "RAY_CHUNK", "KINDS", "DETECTORS", "DetectorTarget", "PearlWorld", "RayStops", "PearlsJob",
           "PearlsSums", "build_pearl_world", "stop_along_rays", "decay_weight", "window_rates",
           "fit_modulation", "compile_job", "simulate_shard", "report", "relative_errors"]

#: histories per chunk inside a shard (a constant: the random streams do not depend on the machine)
CHUNK = 65_536
#: rays per call of the segment kernel (bounds the (n, 2 m) segment arrays)
RAY_CHUNK = 4_096
#: decay products (category axis "kind")
KINDS = ("electron", "photon")
#: day of the year (from Jan 1 0h UTC) of the maximal arrival rate of velocity = "mono": June 2,
#: DAMA/LIBRA's t0 = 152.5 d [external; the paper gives no phase, digest §4]
PEAK_DAY = 152.5
#: nodes of the one-year table of the Earth's velocity
EARTH_VELOCITY_NODES = 730
#: width of the energy bins of the tally [keV] (the window edges are added as bin edges)
ENERGY_BIN_KEV = 0.5
#: the paper's pearl mass (Eq. 8) when [pearls] gives neither mass nor radius [kg]
PAPER_MASS_KG = 3.0e-15
_YEAR_D = 365.25
_KEV_J = 1.602176634e-16  # J per keV (exact SI)


class DetectorTarget(NamedTuple):
    """A detector material: label, density [kg/m^3], phase ("solid" | "liquid")."""

    label: str
    density: float
    phase: str


#: [pearls] detector -> target. NaI 3.67 g/cm^3; liquid xenon 2.953 g/cm^3 at 161 K [external]
DETECTORS = {"nai": DetectorTarget("NaI (DAMA/LIBRA)", 3670.0, "solid"),
             "lxe": DetectorTarget("liquid xenon (Xenon1T)", 2953.0, "liquid")}


class PearlWorld(NamedTuple):
    """Shells a pearl crosses: outer_radii (m,) ascending [km], mass_density (m,) [g/cm^3] (the
    innermost entry is a ball reaching below the detector), earth_radius [km], detector_radius
    R_E - D [km]."""

    outer_radii: np.ndarray
    mass_density: np.ndarray
    earth_radius: float
    detector_radius: float


class RayStops(NamedTuple):
    """Result of :func:`stop_along_rays` (arrays (n,)): t_exc -- time with v > v_exc [s];
    altitude_exc -- altitude above the surface where v = v_exc [km] (nan if never); depth_stop --
    depth below the surface where v = v_stop [km] (< 0: in the air; nan if not stopped);
    stopped -- stopped before the detector depth and inside the world."""

    t_exc: np.ndarray
    altitude_exc: np.ndarray
    depth_stop: np.ndarray
    stopped: np.ndarray


def build_pearl_world(earth, max_shell_thickness_km: float, atmosphere: bool, depth_km: float) -> PearlWorld:
    """The [earth] model (+ the US Standard Atmosphere 1976) cut below the detector depth [km]."""
    from mcdm.scenarios.transport import build_world

    if not 0.0 < depth_km < earth.radius:
        raise ConfigError(f"pearls: the site depth {depth_km:g} km must be > 0 and inside the Earth model "
                          f"{earth.name!r} (radius {earth.radius:g} km)")
    shells = build_world(earth, max_shell_thickness_km, atmosphere)
    r_det = float(earth.radius - depth_km)
    k0 = int(np.searchsorted(shells.outer_radii, r_det, side="right"))  # the shell holding the detector
    return PearlWorld(np.ascontiguousarray(shells.outer_radii[k0:], dtype=float),
                      np.ascontiguousarray(shells.mass_density[k0:], dtype=float), float(earth.radius), r_det)


def _position_at(u_target, s_in, u_in, rate, reached):
    """Path s [km] where the cumulative exponent reaches ``u_target`` (nan where never)."""
    j = np.argmax(reached, axis=1)
    rows = np.arange(len(j))
    s = s_in[rows, j] + (u_target - u_in[rows, j]) / np.where(rate[rows, j] > 0, rate[rows, j], np.inf)
    return np.where(reached[rows, j], s, np.nan)


def stop_along_rays(world: PearlWorld, cos_zenith, area_over_mass, v_start, v_exc: float, v_stop) -> RayStops:
    """Drag stopping of pearls entering the top of ``world`` above the site (item 2 of the module doc).

    Parameters
    ----------
    world : PearlWorld
    cos_zenith : (n,) cosine of the zenith angle of the arrival direction, > 0 (downward) [1]
    area_over_mass : (n,) or scalar -- k = (c_d/2) pi R^2 / M [cm^2/g]
    v_start : (n,) or scalar -- speed at the top of the world [km/s]
    v_exc : excitation threshold [km/s] (0: all of the slowing down to v_stop excites)
    v_stop : (n,) or scalar -- speed at which the drag hands over to sinking [km/s], > 0
    """
    from mcdm.kernels.rays import shell_segments

    c = np.asarray(cos_zenith, dtype=float).reshape(-1)
    n = c.size
    k = np.broadcast_to(np.asarray(area_over_mass, dtype=float), (n,))
    vs = np.broadcast_to(np.asarray(v_start, dtype=float), (n,))
    vstop = np.broadcast_to(np.asarray(v_stop, dtype=float), (n,))
    if np.any(~(c > 0) | (c > 1)) or np.any(~(k > 0)) or np.any(~(vs > 0)) or np.any(~(vstop > 0)):
        raise ConfigError("stop_along_rays: need 0 < cos_zenith <= 1, area_over_mass > 0, v_start > 0, v_stop > 0")
    out = RayStops(np.zeros(n), np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=bool))
    radii, r_top = world.outer_radii, float(world.outer_radii[-1])
    rho = np.append(world.mass_density, 0.0)  # layer -1 (unused slot) -> 0
    for a in range(0, n, RAY_CHUNK):
        b = min(n, a + RAY_CHUNK)
        cc = c[a:b]
        m = b - a
        origins = np.zeros((m, 3))
        origins[:, 2] = r_top
        dirs = np.stack([np.sqrt(np.maximum(1.0 - cc * cc, 0.0)), np.zeros(m), -cc], axis=1)
        disc = (r_top * cc) ** 2 - (r_top**2 - world.detector_radius**2)
        max_len = np.where(disc >= 0, r_top * cc - np.sqrt(np.maximum(disc, 0.0)), np.inf)
        s_in, s_out, layer, _ = shell_segments(origins, dirs, radii, max_len)
        used = layer >= 0
        length = np.where(used, s_out - s_in, 0.0)
        s_in = np.where(used, s_in, np.inf)
        rate = k[a:b, None] * rho[layer] * KM_TO_CM  # d ln(v_s/v)/ds = (c_d/2) rho pi R^2/M [1/km] (Eq. 106)
        u_out = np.cumsum(rate * length, axis=1)
        u_in = u_out - rate * length
        v0 = vs[a:b, None]
        u_stop = np.log(v0[:, 0] / vstop[a:b])
        u_exc = np.log(v0[:, 0] / v_exc) if v_exc > 0 else u_stop
        cap = u_exc[:, None]
        hi, lo = np.minimum(u_out, cap), np.minimum(u_in, cap)
        with np.errstate(divide="ignore", invalid="ignore"):
            dt = np.where(rate > 0, (np.exp(hi) - np.exp(lo)) / (rate * v0),
                          np.where(u_in < cap, length * np.exp(lo) / v0, 0.0))
        out.t_exc[a:b] = np.where(used, dt, 0.0).sum(axis=1)
        for target, sign, into in ((u_exc, 1.0, out.altitude_exc), (u_stop, -1.0, out.depth_stop)):
            target = np.maximum(target, 0.0)  # v_start <= v_exc: at the top
            s = _position_at(target, s_in, u_in, rate, u_out >= target[:, None])
            r = np.sqrt(np.maximum(r_top**2 - 2.0 * s * r_top * cc + s * s, 0.0))
            into[a:b] = sign * (r - world.earth_radius)  # altitude (+) or depth (-)
        out.stopped[a:b] = np.isfinite(out.depth_stop[a:b])
    return out


def decay_weight(n_quanta, t_exc, age, x, tau_min: float, tau_max: float) -> np.ndarray:
    """Importance-sampled decay rate at ``age`` of a pearl's long-lived levels [1/s] (module doc item 4).

    n_quanta : E_H quanta made while v > v_exc [1]; t_exc : excitation time [s]; age : time since the
    excitation [s], > 0; x : Gamma(2) draws (tau = age/x); tau_min, tau_max : lifetime range [s].
    The mean over x ~ Gamma(2) is D(age) = (N/Lambda) int min(1, t_exc/tau) e^{-age/tau} tau^-2 dtau.
    """
    lam = math.log(tau_max / tau_min)
    age = np.asarray(age, dtype=float)
    x = np.asarray(x, dtype=float)
    tau = age / x
    inside = (tau >= tau_min) & (tau <= tau_max)
    eff = np.minimum(1.0, np.asarray(t_exc, dtype=float) * x / age)  # min(1, t_exc / tau)
    return np.where(inside, np.asarray(n_quanta, dtype=float) * eff / (lam * age * x), 0.0)


class PearlsJob(NamedTuple):
    """Everything a shard needs (plain arrays and scalars; SI unless named)."""

    seed: int
    n_shards: int
    shard_sizes: np.ndarray
    velocity: str  # "shm" | "mono"
    v0: float  # SHM [km/s]
    v_esc: float  # [km/s]
    v_start: float  # mono speed [km/s]
    f_mod: float  # mono modulation [1]
    t_peak_mjd: float  # mono maximum [MJD]
    u_table: np.ndarray  # (K, 3) Earth velocity over one year from t_start_mjd, galactic [km/s]
    latitude: float  # site latitude [rad]
    gal_to_icrs: np.ndarray  # (3, 3) v_icrs = M v_gal
    mass_kg: float  # median mass [kg]
    mass_spread: float  # sigma of ln M [1]
    area_over_mass: float  # (c_d/2) pi R^2 / M at the median mass [cm^2/g]
    v_solid: float  # terminal speed in solids at the median mass [m/s]
    v_det: float  # terminal speed in the detector at the median mass [m/s]
    rho_dm: float  # DM mass density [kg/m^3]
    rho_det: float  # detector density [kg/m^3]
    v_exc: float  # [km/s]
    depth_km: float  # detector depth [km]
    world: PearlWorld
    tau_min: float  # [s]
    tau_max: float  # [s]
    e_h_kev: float  # [keV]
    sigma_e_kev: float  # [keV]
    photon_fraction: float  # [1]
    t_start_mjd: float  # first day edge [MJD]
    n_days: int
    energy_edges: np.ndarray  # [keV]
    window: tuple  # (low, high) [keV]
    detector_label: str = ""
    surface_factor: float = 1.0  # (r_top / R_E)^2: arrivals per area of the top sphere -> per ground area


#: per-history sums of :class:`PearlsSums` ``stats`` (f = arriving pearls per m^2 per s of a history)
STATS = ("flux", "flux_stopped", "f_t_exc", "f_alt_exc", "f_depth", "f_age", "f_power", "signal",
         "signal_cos", "signal_sin", "n_down", "n_signal")


@dataclass
class PearlsSums:
    """Sums of one shard: the rate tally (unnormalised: divide by n) and per-history sums ``stats``."""

    n: int
    tally: Any
    stats: dict

    def __add__(self, other: "PearlsSums") -> "PearlsSums":
        return PearlsSums(self.n + other.n, self.tally + other.tally,
                          {k: self.stats[k] + other.stats[k] for k in self.stats})


def _energy_edges(e_h: float, sigma: float, window: tuple) -> np.ndarray:
    top = max(window[1], e_h + 6.0 * sigma, 2.0 * e_h)
    grid = np.arange(0.0, math.ceil(top / ENERGY_BIN_KEV) * ENERGY_BIN_KEV + 0.5 * ENERGY_BIN_KEV, ENERGY_BIN_KEV)
    return np.unique(np.round(np.concatenate([grid, window]), 9))


def _model(cfg: RunConfig):
    from mcdm.physics.pearl import PearlModel

    p = cfg.pearls
    size: dict[str, float | None] = {"mass_kg": None, "radius_m": None}
    if p.radius > 0:
        size["radius_m"] = p.radius * 1.0e3
    else:
        size["mass_kg"] = p.mass / GEV_PER_GRAM * 1.0e-3 if p.mass > 0 else PAPER_MASS_KG
    try:
        return PearlModel(p_f_mev=p.p_f * 1e3, rho_b_kg_m3=p.rho_b * 1e3 if p.rho_b > 0 else None, **size,
                          e_h_kev=p.e_h * 1e6, v_start_km_s=p.v_start, v_exc_km_s=p.v_exc,
                          drag_coefficient=p.drag_coefficient, k_solid=p.k_solid, eta_lxe_pa_s=p.eta_lxe,
                          modulated_fraction=p.modulated_fraction, photon_fraction=p.photon_fraction)
    except ConfigError as exc:
        raise ConfigError(f"[pearls]: {exc}") from None


def compile_job(cfg: RunConfig) -> tuple[PearlsJob, dict[str, Any]]:
    """Resolve the config: pearl model, world shells, Earth-velocity table, detector, daily grid."""
    from astropy.time import Time

    from mcdm.geometry import library
    from mcdm.rng import shard_sizes
    from mcdm.scenarios.common import earth_options
    from mcdm.source import StandardHaloModel, earth_velocity, galactic_to_icrs_matrix

    p = cfg.pearls
    model = _model(cfg)
    halo = StandardHaloModel(v0=cfg.halo.v0, v_esc=cfg.halo.v_esc, rho_chi=cfg.halo.rho)
    site = library.load_site(cfg.site.name)
    earth = library.load_earth(cfg.earth.model, **earth_options(cfg))
    world = build_pearl_world(earth, cfg.earth.max_shell_thickness, p.stopping == "air", site.depth_km)
    target = DETECTORS[p.detector]
    v_solid = model.terminal_velocity_solid()
    v_det = v_solid if target.phase == "solid" else model.terminal_velocity_liquid()
    start = Time(cfg.time.start, scale="utc")
    n_days = max(3, int(round(p.years * _YEAR_D)))
    year0 = Time(f"{start.datetime.year:04d}-01-01T00:00:00", scale="utc").mjd
    u_table = np.zeros((1, 3))
    if p.velocity == "shm":
        nodes = start.mjd + np.arange(EARTH_VELOCITY_NODES) * (_YEAR_D / EARTH_VELOCITY_NODES)
        u_table = earth_velocity(Time(nodes, format="mjd", scale="utc"), model=cfg.halo.earth_velocity,
                                 v_lsr=cfg.halo.v_lsr, v_pec=cfg.halo.v_pec)
    e_h = model.e_h_kev
    sigma = p.resolution * e_h
    window = (p.window[0] * 1e6, p.window[1] * 1e6)
    job = PearlsJob(
        seed=cfg.run.seed, n_shards=cfg.run.shards, shard_sizes=shard_sizes(cfg.run.samples, cfg.run.shards),
        velocity=p.velocity, v0=cfg.halo.v0, v_esc=cfg.halo.v_esc, v_start=p.v_start, f_mod=p.modulated_fraction,
        t_peak_mjd=float(year0 + PEAK_DAY), u_table=np.ascontiguousarray(u_table, dtype=float),
        latitude=site.latitude, gal_to_icrs=galactic_to_icrs_matrix(), mass_kg=model.mass,
        mass_spread=p.mass_spread, area_over_mass=0.5 * p.drag_coefficient * model.area_over_mass * 10.0,
        v_solid=v_solid, v_det=v_det, rho_dm=cfg.halo.rho / GEV_PER_GRAM * 1.0e3, rho_det=target.density,
        v_exc=p.v_exc, depth_km=site.depth_km, world=world, tau_min=p.tau_min, tau_max=p.tau_max, e_h_kev=e_h,
        sigma_e_kev=sigma, photon_fraction=p.photon_fraction, t_start_mjd=float(start.mjd), n_days=n_days,
        energy_edges=_energy_edges(e_h, sigma, window), window=window, detector_label=target.label,
        surface_factor=float((world.outer_radii[-1] / world.earth_radius) ** 2))
    context = {"model": model, "site": site, "earth": earth, "halo": halo, "target": target}
    return job, context


def _empty_tally(job: PearlsJob):
    from mcdm.tally import Tally, category_axis, energy_axis, time_axis

    edges = job.t_start_mjd + np.arange(job.n_days + 1, dtype=float)
    return Tally(time_axis(edges), energy_axis(job.energy_edges), category_axis(KINDS, "kind", "Decay product"),
                 quantity=f"pearl decay rate in {job.detector_label or 'the detector'}", unit="d^-1 kg^-1")


def _earth_velocity_at(job: PearlsJob, t_mjd: np.ndarray) -> np.ndarray:
    """u_E at ``t_mjd`` from the one-year table, read periodically (linear interpolation) [km/s]."""
    k = job.u_table.shape[0]
    pos = np.mod((t_mjd - job.t_start_mjd) / _YEAR_D, 1.0) * k
    i0 = np.floor(pos).astype(np.int64) % k
    f = (pos - np.floor(pos))[:, None]
    return job.u_table[i0] * (1.0 - f) + job.u_table[(i0 + 1) % k] * f


def _arrivals(job: PearlsJob, n: int, t_entry: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Speed [km/s], cos zenith and flux weight |v| cos z [km/s] of ``n`` arriving pearls (item 1)."""
    if job.velocity == "mono":
        cos_z = np.sqrt(rng.random(n))  # flux-weighted p(cos z) = 2 cos z of an isotropic flux
        return np.full(n, job.v_start), cos_z, np.full(n, job.v_start / 4.0)  # n v/4 per unit area
    from mcdm.source import StandardHaloModel

    v = StandardHaloModel(v0=job.v0, v_esc=job.v_esc).sample(n, rng) - _earth_velocity_at(job, t_entry)
    lst = 2.0 * np.pi * rng.random(n)
    cl = math.cos(job.latitude)
    up_icrs = np.stack([cl * np.cos(lst), cl * np.sin(lst), np.full(n, math.sin(job.latitude))], axis=1)
    up = up_icrs @ job.gal_to_icrs  # galactic components of the local vertical
    speed = np.sqrt(np.einsum("ij,ij->i", v, v))
    cos_z = -np.einsum("ij,ij->i", v, up) / speed  # the pearl moves down when its velocity opposes "up"
    return speed, cos_z, speed * np.maximum(cos_z, 0.0)


def _score_chunk(job: PearlsJob, n: int, rngs, tally, stats: dict) -> None:
    rng_t, rng_v, rng_m, rng_tau, rng_e = rngs
    t_det = job.t_start_mjd + rng_t.random(n) * job.n_days
    ratio = np.exp(job.mass_spread * rng_m.standard_normal(n)) if job.mass_spread > 0 else np.ones(n)
    size2 = ratio ** (2.0 / 3.0)  # v_term ~ R^2 ~ M^(2/3) (Eq. 76)
    v_solid = job.v_solid * size2
    depth_m = job.depth_km * 1.0e3
    speed, cos_z, flux_v = _arrivals(job, n, t_det - depth_m / v_solid / SECONDS_PER_DAY, rng_v)
    x = rng_tau.gamma(2.0, size=n)
    energy = job.e_h_kev + job.sigma_e_kev * rng_e.standard_normal(n)
    bad = np.flatnonzero(energy <= 0.0)
    while bad.size:
        energy[bad] = job.e_h_kev + job.sigma_e_kev * rng_e.standard_normal(bad.size)
        bad = bad[energy[bad] <= 0.0]
    photon = rng_e.random(n) < job.photon_fraction
    mass = job.mass_kg * ratio
    active = np.flatnonzero((flux_v > 0.0) & (speed > job.v_exc))
    stops = stop_along_rays(job.world, cos_z[active], job.area_over_mass / np.cbrt(ratio[active]), speed[active],
                            job.v_exc, v_solid[active] * 1.0e-3)
    ok = stops.stopped
    idx = active[ok]
    age = (depth_m - np.maximum(stops.depth_stop[ok], 0.0) * 1.0e3) / v_solid[idx]  # [s]
    mod = np.ones(idx.size)
    if job.velocity == "mono":
        t_entry = t_det[idx] - age / SECONDS_PER_DAY
        mod = 1.0 + job.f_mod * np.cos(2.0 * np.pi * (t_entry - job.t_peak_mjd) / _YEAR_D)
    f_all = job.rho_dm / mass * flux_v * 1.0e3 * job.surface_factor  # per m^2 of ground per s (unmodulated)
    f = f_all[idx] * mod
    power = 0.5 * mass[idx] * ((speed[idx] * 1e3) ** 2 - (job.v_exc * 1e3) ** 2)  # Delta E [J]
    rate = decay_weight(power / (job.e_h_kev * _KEV_J), stops.t_exc[ok], age, x[idx], job.tau_min, job.tau_max)
    g = f * rate / (job.v_det * size2[idx] * job.rho_det)  # decays per s per kg
    w = g * SECONDS_PER_DAY * job.n_days
    hit = w > 0
    kind = np.where(photon[idx], KINDS[1], KINDS[0])
    tally.fill(t_det[idx][hit], energy[idx][hit], kind[hit], weight=w[hit])
    phase = 2.0 * np.pi * age / (_YEAR_D * SECONDS_PER_DAY)
    for key, value in (("flux", f_all.sum()), ("flux_stopped", f.sum()), ("f_t_exc", (f * stops.t_exc[ok]).sum()),
                       ("f_alt_exc", (f * np.nan_to_num(stops.altitude_exc[ok])).sum()),
                       ("f_depth", (f * np.maximum(stops.depth_stop[ok], 0.0)).sum()), ("f_age", (f * age).sum()),
                       ("f_power", (f * power).sum()), ("signal", (g / mod).sum()),
                       ("signal_cos", (g / mod * np.cos(phase)).sum()), ("signal_sin", (g / mod * np.sin(phase)).sum()),
                       ("n_down", float(np.count_nonzero(flux_v > 0))), ("n_signal", float(np.count_nonzero(hit)))):
        stats[key] += float(value)


def simulate_shard(job: PearlsJob, shard: int) -> PearlsSums:
    """Score shard ``shard``: the rate tally (time x energy x kind) and the per-history sums."""
    from mcdm.rng import shard_streams

    rngs = shard_streams(job.seed, job.n_shards, shard, 5)  # times, velocities, masses, lifetimes, energies
    tally = _empty_tally(job)
    stats = {k: 0.0 for k in STATS}
    n_total = int(job.shard_sizes[shard])
    for done in range(0, n_total, CHUNK):
        _score_chunk(job, min(CHUNK, n_total - done), rngs, tally, stats)
    tally.add_histories(n_total)
    return PearlsSums(n_total, tally, stats)


# --------------------------------------------------------------------------- report


def window_rates(job: PearlsJob, total: PearlsSums, window: tuple | None = None) -> dict[str, Any]:
    """Daily rate in an energy window [cpd/kg] with MC errors, and its mean over the grid.

    window : (low, high) [keV], default the job's; edges must be bin edges of the tally (or None:
    every energy, flow bins included). Every history fills one cell, so the sums over cells keep
    the history-mode variance sum w^2 - (sum w)^2/N.
    """
    n = total.n
    sw = total.tally.values(flow=True)
    sw2 = total.tally.sum_w2(flow=True)
    if window is not None:
        e = job.energy_edges
        lo, hi = (float(np.argmin(np.abs(e - w))) for w in window)
        if not (abs(e[int(lo)] - window[0]) < 1e-9 and abs(e[int(hi)] - window[1]) < 1e-9):
            raise ConfigError(f"window {window} keV: the edges must be energy bin edges {list(e)}")
        sel = slice(int(lo) + 1, int(hi) + 1)  # +1: the underflow bin comes first with flow=True
        sw, sw2 = sw[:, sel, :], sw2[:, sel, :]
    day_w = sw[1:-1].sum(axis=(1, 2))  # time flow bins are empty (times are drawn inside the grid)
    day_w2 = sw2[1:-1].sum(axis=(1, 2))
    var = np.maximum(day_w2 - day_w**2 / n, 0.0) / n**2
    tot = day_w.sum()
    mean_var = max(float(day_w2.sum() - tot**2 / n), 0.0) / n**2 / job.n_days**2
    return {"edges_mjd": job.t_start_mjd + np.arange(job.n_days + 1, dtype=float), "rate": day_w / n,
            "error": np.sqrt(var), "mean": float(tot / n / job.n_days), "mean_error": math.sqrt(mean_var)}


def fit_modulation(rates: dict[str, Any], t0_guess: float) -> dict[str, Any] | None:
    """Fit A0 + A_m cos(2 pi (t - t0)/yr) to the daily rates of :func:`window_rates` [cpd/kg, MJD].

    The MC errors enter as effective Poisson counts: counts = rate x E, exposure E = sum rate /
    sum error^2 (one E for all days, so the exposure does not follow the fluctuations). None if
    the rates or their errors vanish.
    """
    from mcdm.analysis.harmonic import YEAR_D, fit_harmonic

    r, err = rates["rate"], rates["error"]
    if not (r.sum() > 0 and np.sum(err**2) > 0):
        return None
    expo = float(r.sum() / np.sum(err**2))
    fit = fit_harmonic(rates["edges_mjd"], r * expo, np.full(r.size, expo), YEAR_D, t0_guess=t0_guess)
    h = fit.modulation
    ratio = h.amplitude / fit.a0
    ratio_err = ratio * math.hypot(h.amplitude_err / max(h.amplitude, 1e-300), fit.a0_err / fit.a0)
    return {"a0": fit.a0, "a0_err": fit.a0_err, "amplitude": h.amplitude, "amplitude_err": h.amplitude_err,
            "t0_mjd": h.t0, "t0_err": h.t0_err, "amplitude_over_a0": ratio, "amplitude_over_a0_err": ratio_err,
            "p_modulation": fit.p_modulation, "deviance": fit.deviance, "ndof": fit.ndof, "valid": fit.valid}


def _mean(stats: dict, key: str, weight: str = "flux_stopped") -> float | None:
    return stats[key] / stats[weight] if stats[weight] > 0 else None


def _paper_mode(cfg: RunConfig, job: PearlsJob, model) -> dict[str, float]:
    """The paper's closed forms for the same inputs (mcdm.physics.pearl_paper, digest §9.1 items 9-10):
    stopping time (air: H/v_start, H = 7 km; stone: M/(rho pi R^2 v_start), rho = 3000 kg/m^3), passage
    time, suppression t_stop/t_pass and rate = P_dep x suppression / E_H [cpd/kg]."""
    from mcdm.physics import pearl_paper as pp

    v = model.v_start_km_s
    if cfg.pearls.stopping == "air":
        t_stop = pp.air_stopping_time_s(7000.0, v)
    else:
        t_stop = pp.stopping_time_s(pp.stopping_length_m(model.area_over_mass, 3000.0), v)
    t_pass = model.passage_time(job.depth_km * 1e3)
    supp = pp.suppression(t_stop, t_pass)
    power = pp.power_to_deposit_w_kg(cfg.halo.rho, v, job.depth_km * 1e3, 3000.0)
    return {"stopping_time": t_stop, "passage_time_days": t_pass / SECONDS_PER_DAY, "suppression": supp,
            "power_to_deposit_w_kg": power, "rate": pp.rate_cpd_kg(power, supp, job.e_h_kev)}


def report(cfg: RunConfig, job: PearlsJob, context: dict[str, Any], total: PearlsSums, outdir) -> list[str]:
    """Write rate.json (time x energy x kind, cpd/kg), summary.json, events.parquet and figures."""
    from pathlib import Path

    from astropy.time import Time

    from mcdm.io import write_summary

    outdir = Path(outdir)
    model, site, n = context["model"], context["site"], total.n
    st = {k: v / n for k, v in total.stats.items()}  # means over histories
    written = ["rate.json"]
    total.tally.scaled(1.0 / n).save(outdir / "rate.json")
    win = window_rates(job, total, job.window)
    every = window_rates(job, total)
    age_d = (_mean(st, "f_age") or 0.0) / SECONDS_PER_DAY
    fit = fit_modulation(win, job.t_peak_mjd + age_d)
    washout = math.hypot(st["signal_cos"], st["signal_sin"]) / st["signal"] if st["signal"] > 0 else None
    photon = total.tally.project("kind").values()
    paper = _paper_mode(cfg, job, model)
    lam = math.log(job.tau_max / job.tau_min)
    t_exc = _mean(st, "f_t_exc")
    summary: dict[str, Any] = {
        "name": cfg.run.name, "scenario": "pearls", "site": site.name, "detector": job.detector_label,
        "stopping": cfg.pearls.stopping, "velocity": job.velocity, "histories": int(n),
        "units": {"rate": "counts/(day kg)", "time": "UTC MJD [d]", "mass": "kg", "radius": "m",
                  "speed": "m/s unless named _km_s", "time_span": "s unless named _days", "energy": "keV",
                  "altitude": "km", "depth": "m", "flux": "pearls/(m^2 s)", "power": "W/m^2"},
        "model": {"mass": model.mass, "radius": model.radius, "rho_b": model.rho_b,
                  "mass_spread_ln": job.mass_spread, "area_over_mass_m2_kg": model.area_over_mass,
                  "drag_coefficient": model.drag_coefficient, "stopping_column_kg_m2":
                      model.stopping_column * 2.0 / model.drag_coefficient,
                  "v_term_liquid": model.terminal_velocity_liquid(), "v_term_solid": job.v_solid,
                  "v_term_detector": job.v_det, "k_solid": model.k_solid, "e_h": job.e_h_kev,
                  "v_exc_km_s": job.v_exc, "tau_min": job.tau_min, "tau_max": job.tau_max, "lambda": lam,
                  "photon_fraction": job.photon_fraction, "resolution_sigma_keV": job.sigma_e_kev},
        "transport": {"arriving_flux": st["flux"], "stopped_flux": st["flux_stopped"],
                      "t_exc_mean": t_exc, "altitude_at_v_exc_km": _mean(st, "f_alt_exc"),
                      "stopping_depth_m": (_mean(st, "f_depth") or 0.0) * 1e3,
                      "passage_time_mean_days": age_d, "deposited_power": st["f_power"]},
        "paper_mode": {**paper, "mc_t_exc_over_lambda_t_pass": (t_exc / (lam * age_d * SECONDS_PER_DAY)
                                                                if t_exc and age_d > 0 else None)},
        "rates": {"window_keV": list(job.window), "mean_window": win["mean"], "mean_window_err": win["mean_error"],
                  "mean_all_energies": every["mean"], "mean_all_energies_err": every["mean_error"],
                  "photon_share": float(photon[1] / photon.sum()) if photon.sum() > 0 else None,
                  "daily_window": win["rate"].tolist(), "daily_window_err": win["error"].tolist(),
                  "first_day_utc": Time(job.t_start_mjd, format="mjd", scale="utc").isot, "days": job.n_days},
        "modulation": {"fit": fit, "washout": washout,
                       "expected_amplitude_over_a0": (job.f_mod * washout if job.velocity == "mono" and washout
                                                      else None),
                       "t_peak_arrival_mjd": job.t_peak_mjd if job.velocity == "mono" else None},
    }
    if fit is not None:
        summary["headline"] = {
            "S_m in window [cpd/kg]": f"{fit['amplitude']:.4g} ± {fit['amplitude_err']:.2g}",
            "mean rate in window [cpd/kg]": f"{win['mean']:.4g} ± {win['mean_error']:.2g}",
            "A_m/A0": f"{fit['amplitude_over_a0']:.4g} ± {fit['amplitude_over_a0_err']:.2g} (washout W = "
                      f"{washout:.3g})",
            "t0 (maximum)": Time(fit["t0_mjd"], format="mjd", scale="utc").isot[:10],
            "passage time [d]": f"{age_d:.4g}"}
    written += _write_catalog(cfg, job, total, context, outdir, summary)
    write_summary(outdir / "summary.json", summary)
    written.append("summary.json")
    if cfg.output.plot:
        written += _plots(cfg, job, total, win, fit, outdir)
    return written


def _write_catalog(cfg: RunConfig, job: PearlsJob, total: PearlsSums, context, outdir, summary) -> list[str]:
    """A synthetic Poisson catalog over the grid for ``[pearls] detector_mass`` (mcdm.synthesis)."""
    from pathlib import Path

    from mcdm.rng import report_generator
    from mcdm.synthesis import synthesize_catalog

    mass_kg = cfg.pearls.detector_mass / GEV_PER_GRAM * 1e-3
    rate = total.tally.scaled(1.0 / total.n).project("time", "kind")
    expected = float(rate.values().sum()) * mass_kg  # counts over the grid
    summary["catalog"] = {"file": None, "detector_mass_kg": mass_kg, "expected_events": expected}
    if not (mass_kg > 0 and 0 < expected <= 1e7):
        summary["catalog"]["note"] = "no catalog: detector_mass = 0, no signal, or more than 1e7 events"
        return []
    catalog = synthesize_catalog(
        rate.scaled(mass_kg / SECONDS_PER_DAY, unit="s^-1"), job.n_days * SECONDS_PER_DAY,
        report_generator(cfg.run.seed), job.e_h_kev, detector=f"{context['site'].name}:{cfg.pearls.detector}",
        resolution_fraction=cfg.pearls.resolution * math.sqrt(job.e_h_kev / 5.9),  # sigma_E = resolution x E_H
        run={"name": cfg.run.name, "kind": "pearl 3.5 keV decays (synthetic)", "seed": cfg.run.seed,
             "detector_mass_kg": mass_kg})
    catalog.to_parquet(Path(outdir) / "events.parquet")
    summary["catalog"]["file"] = "events.parquet"
    summary["catalog"]["events"] = len(catalog)
    return ["events.parquet"]


def _plots(cfg: RunConfig, job: PearlsJob, total: PearlsSums, win: dict, fit: dict | None, outdir) -> list[str]:
    """daily_rate.png (window rate per day with the fitted modulation) and spectrum.png."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from mcdm.io import atomic_path

    edges = win["edges_mjd"]
    t_yr = (0.5 * (edges[:-1] + edges[1:]) - edges[0]) / _YEAR_D
    p = cfg.pearls
    title = (f"{cfg.run.name}: {job.detector_label}, {p.velocity}, stopped in {p.stopping}, "
             f"M = {job.mass_kg:.3g} kg")
    fig, ax = plt.subplots(figsize=(8.0, 4.5), constrained_layout=True)
    ax.errorbar(t_yr, win["rate"], yerr=win["error"], fmt=".", ms=2, lw=0.5, color="C0", alpha=0.6,
                label=f"simulated daily rate, {job.window[0]:g}-{job.window[1]:g} keV")
    if fit is not None:
        tt = np.linspace(edges[0], edges[-1], 2000)
        model = fit["a0"] + fit["amplitude"] * np.cos(2.0 * np.pi * (tt - fit["t0_mjd"]) / _YEAR_D)
        ax.plot((tt - edges[0]) / _YEAR_D, model, color="C3", lw=1.5,
                label=f"A0 + A_m cos: A0 = {fit['a0']:.3g}, A_m = {fit['amplitude']:.3g} cpd/kg")
    ax.set_xlabel(f"time since {cfg.time.start[:10]} [yr]")
    ax.set_ylabel("rate [counts / (day kg)]")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="best", fontsize=8)
    with atomic_path(Path(outdir) / "daily_rate.png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)

    spec = total.tally.scaled(1.0 / total.n).project("energy", "kind")
    e = job.energy_edges
    fig, ax = plt.subplots(figsize=(6.0, 4.0), constrained_layout=True)
    for k, name in enumerate(KINDS):
        y = spec.values()[:, k] / np.diff(e) / job.n_days
        ax.stairs(y, e, label=name, color=f"C{k}")
    ax.axvspan(*job.window, color="0.9", zorder=0, label="window")
    ax.set_yscale("log")
    ax.set_xlabel("energy [keV]")
    ax.set_ylabel("rate [counts / (day kg keV)]")
    ax.set_title(title, fontsize=8)
    ax.legend(fontsize=8)
    with atomic_path(Path(outdir) / "spectrum.png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return ["daily_rate.png", "spectrum.png"]


#: days per group of :func:`relative_errors` (about a month)
ERROR_GROUP_DAYS = 30


def relative_errors(job: PearlsJob, total: PearlsSums) -> np.ndarray:
    """Relative MC error of the window rate in groups of ~30 days (the bins of the modulation fit)."""
    n = total.n
    e = job.energy_edges
    lo, hi = (int(np.argmin(np.abs(e - w))) for w in job.window)
    sw = total.tally.values(flow=True)[1:-1, lo + 1:hi + 1].sum(axis=(1, 2))
    sw2 = total.tally.sum_w2(flow=True)[1:-1, lo + 1:hi + 1].sum(axis=(1, 2))
    groups = max(1, job.n_days // ERROR_GROUP_DAYS)
    gw = np.array([a.sum() for a in np.array_split(sw, groups)])
    gw2 = np.array([a.sum() for a in np.array_split(sw2, groups)])
    ok = gw > 0
    if not np.any(ok):
        return np.array([np.inf])
    return np.sqrt(np.maximum(gw2[ok] - gw[ok] ** 2 / n, 0.0)) / gw[ok]

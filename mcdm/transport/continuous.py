"""Continuous slowing-down transport (verne's regime) through spherical shells and flat slabs.

:class:`ContinuousSlowing` compiles an :class:`~mcdm.physics.interaction.Interaction` on a
:class:`~mcdm.geometry.earth.CompiledShells` world once (range tables per group of proportional
shells, see :mod:`mcdm.kernels.continuous`) and maps speeds along straight lines:

* :meth:`ContinuousSlowing.arrive` -- particles entering the outermost sphere with given speeds
  and directions of motion, to the speed with which they reach a detector (0 if stopped), plus
  where they stopped;
* :meth:`ContinuousSlowing.entry_speeds` -- the inverse map, detector speed to entry speed, with
  the Jacobian d v_entry / d v_detector for transforming speed distributions;
* :meth:`ContinuousSlowing.propagate` -- any rays (origin, direction, length).

Directions are **directions of motion** (unit vectors of the velocity, Earth-fixed frame), not
the direction the particle comes from. Positions [km] are in the frame of the shells (centre at
the origin), e.g. :meth:`mcdm.geometry.site.Site.position`. Speeds [km/s].

:func:`stack_atmosphere` puts a compiled atmosphere on top of an Earth as spherical shells, so
that one world holds Earth, rock and air.

**Local overburden (flat slabs).** ``ContinuousSlowing(..., overburden=compiled)`` adds an ordered
stack of horizontal slabs above the detector (:class:`~mcdm.geometry.overburden.CompiledOverburden`,
e.g. ``load_overburden("crust_1400m").compile()``), in the planar approximation of
DaMaSCUS-CRUST: the detector sits at the bottom of the stack, and ``detector_km`` names the point
of the spherical world under the stack (normally on the Earth's surface, depth 0 there), whose
radial direction is "up". A particle coming from above (zenith angle z of the direction it comes
from < 90 deg) crosses the spherical world from the outermost sphere to that point (the
atmosphere, if any), then slab i over the path t_i / cos z; one coming from below crosses the
spherical Earth up to that point and no slab. Each homogeneous slab is integrated exactly with
range tables built like the shells' (:class:`SlabTables`; v = v0 exp(-k L) for drag). Planar approximation: the slab path
diverges as z -> 90 deg from above, while just below the horizon the Earth chord tends to 0, so
the map jumps at the horizon (mcdm.kernels.continuous, section "flat slabs");
:meth:`ContinuousSlowing.propagate` ignores the slabs (spherical rays only).

The kernels release the GIL; ``threads > 1`` splits the rays into that many chunks run in a
thread pool (results are identical to ``threads = 1``).
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from mcdm.errors import ConfigError, GeometryError
from mcdm.geometry.atmosphere import CompiledSlabs
from mcdm.geometry.earth import CompiledShells
from mcdm.geometry.overburden import CompiledOverburden
from mcdm.kernels import continuous as _kc
from mcdm.physics.interaction import Interaction, InteractionTables

__all__ = [
    "SlowingTables",
    "SlabTables",
    "Arrival",
    "EntrySpeeds",
    "ContinuousSlowing",
    "stack_atmosphere",
]


class SlowingTables(NamedTuple):
    """Range tables of one interaction in one world (plain arrays, picklable).

    outer_radii (m,) [km]; ln_v (V,) [ln(km/s)]; per group of proportional shells: kappa (G, V)
    energy-loss rate [1/km], exponent (G, V-1) log-log slope of kappa [1], range_km (G, V) CSDA
    range [km], kind (G,) int64 (mcdm.kernels.continuous.KIND_*); per shell: group (m,) int64
    (-1: vacuum) and scale (m,) = kappa_shell/kappa_group [1].
    """

    outer_radii: np.ndarray
    ln_v: np.ndarray
    kappa: np.ndarray
    exponent: np.ndarray
    range_km: np.ndarray
    kind: np.ndarray
    group: np.ndarray
    scale: np.ndarray


class SlabTables(NamedTuple):
    """Range tables of one interaction in a stack of flat slabs (plain arrays, picklable).

    thickness (s,) vertical slab thicknesses, top to bottom [km]; per group of proportional
    slabs: kappa (G, V) [1/km], exponent (G, V-1) [1], range_km (G, V) [km], kind (G,) int64;
    per slab: group (s,) int64 (-1: vacuum) and scale (s,) [1]. The table speeds are those of
    the world's :class:`SlowingTables` (``ln_v``).
    """

    thickness: np.ndarray
    kappa: np.ndarray
    exponent: np.ndarray
    range_km: np.ndarray
    kind: np.ndarray
    group: np.ndarray
    scale: np.ndarray


def _pad_shells(shells: CompiledShells, nuclides: tuple[str, ...]) -> CompiledShells:
    """``shells`` with number-density columns ``nuclides`` (a superset; zero where absent)."""
    if tuple(shells.nuclides) == nuclides:
        return shells
    number = np.zeros((len(shells.outer_radii), len(nuclides)))
    number[:, : len(shells.nuclides)] = shells.number_density
    return shells._replace(number_density=number, nuclides=nuclides)


class Arrival(NamedTuple):
    """Result of :meth:`ContinuousSlowing.arrive` (arrays of shape (n,)).

    speed -- speed at the detector [km/s], 0 for particles stopped on the way (below v_min, or
    slowed by more than e^745 so that the speed underflows);
    distance -- path from the entry point to the stop, or to the detector [km];
    path_length -- straight path from the entry point to the detector [km] (with an overburden:
    slabs included, t_i / cos z each).
    """

    speed: np.ndarray
    distance: np.ndarray
    path_length: np.ndarray

    @property
    def stopped(self) -> np.ndarray:
        """True where the particle stopped before the detector."""
        return self.speed == 0.0


class EntrySpeeds(NamedTuple):
    """Result of :meth:`ContinuousSlowing.entry_speeds` (arrays of shape (n,)).

    speed -- speed on entering the outermost sphere [km/s];
    jacobian -- d v_entry / d v_detector along the fixed line [1].
    """

    speed: np.ndarray
    jacobian: np.ndarray


def _unit_vectors(directions: np.ndarray, what: str = "directions") -> np.ndarray:
    d = np.array(directions, dtype=np.float64, ndmin=2)
    if d.ndim != 2 or d.shape[1] != 3:
        raise ConfigError(f"{what} must have shape (n, 3), got {np.shape(directions)}")
    norm = np.sqrt(np.einsum("ij,ij->i", d, d))
    if not np.all(np.isfinite(norm)) or np.any(norm == 0.0):
        raise ConfigError(f"{what}: every vector must be finite and non-zero")
    return np.ascontiguousarray(d / norm[:, None])


def _speeds(values, n: int, what: str, positive: bool = False) -> np.ndarray:
    # a writable copy: numba compiles read-only arrays (broadcast views) as a separate type
    v = np.broadcast_to(np.asarray(values, dtype=np.float64), (n,)).copy()
    ok = np.isfinite(v) & ((v > 0) if positive else (v >= 0))
    if not np.all(ok):
        bound = "> 0" if positive else ">= 0"
        raise ConfigError(f"{what}: speeds must be finite and {bound} km/s")
    return v


def _position(point) -> np.ndarray:
    p = np.asarray(point, dtype=np.float64).reshape(-1)
    if p.shape != (3,) or not np.all(np.isfinite(p)):
        raise ConfigError(f"detector position must be a finite 3-vector [km], got {point!r}")
    return np.ascontiguousarray(p)


def _chunked(fn, n: int, threads: int, per_ray: tuple, shared: tuple) -> tuple:
    """Run ``fn(*per_ray_chunk, *shared)`` over ``threads`` chunks and concatenate the outputs."""
    threads = int(threads)
    if threads < 1:
        raise ConfigError(f"threads = {threads} must be >= 1")
    if threads == 1 or n < 2 * threads:
        return fn(*per_ray, *shared)
    edges = np.linspace(0, n, threads + 1).astype(int)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = list(pool.map(
            lambda ab: fn(*(a[ab[0]:ab[1]] for a in per_ray), *shared),
            zip(edges[:-1], edges[1:]),
        ))
    return tuple(np.concatenate([p[j] for p in parts]) for j in range(len(parts[0])))


class ContinuousSlowing:
    """Continuous slowing-down of one interaction model in one shell world.

    Parameters
    ----------
    interaction : Interaction, or ready InteractionTables whose rows match :attr:`nuclides`
        (``shells.nuclides``, then the overburden's other nuclides)
    shells : CompiledShells -- the world (e.g. an Earth with :func:`stack_atmosphere`)
    v_grid : speeds of the interaction tables [km/s] (default: the interaction's default)
    overburden : CompiledOverburden | None -- flat slabs above the detector, top to bottom
        (module docstring; None: the spherical world only)

    Attributes
    ----------
    nuclides : tuple[str, ...] -- the table rows: the shells' nuclides, then the overburden's
    tables : InteractionTables -- the interaction on :attr:`nuclides`
    shells : CompiledShells -- the world, its number densities on :attr:`nuclides`
    slowing : SlowingTables -- the compiled per-shell range tables
    overburden : CompiledOverburden | None -- the slabs, number densities on :attr:`nuclides`
    slab : SlabTables | None -- the compiled per-slab range tables
    """

    def __init__(self, interaction: Interaction | InteractionTables, shells: CompiledShells,
                 v_grid: np.ndarray | None = None,
                 overburden: CompiledOverburden | None = None) -> None:
        nuclides = tuple(shells.nuclides)
        if overburden is not None:
            if not isinstance(overburden, CompiledOverburden):
                raise ConfigError(
                    "overburden must be a CompiledOverburden (e.g. "
                    f"load_overburden(name).compile()), got {type(overburden).__name__}"
                )
            nuclides += tuple(n for n in overburden.nuclides if n not in nuclides)
            shells = _pad_shells(shells, nuclides)
            overburden = overburden.with_nuclides(nuclides)
        if isinstance(interaction, InteractionTables):
            tables = interaction
        else:
            tables = interaction.tables(nuclides, v_grid)
        n_nuc = np.shape(shells.number_density)[1]
        if tables.stopping.shape[0] != n_nuc:
            raise ConfigError(
                f"interaction tables have {tables.stopping.shape[0]} nuclides, the world "
                f"{n_nuc} ({list(nuclides)})"
            )
        self.nuclides = nuclides
        self.tables = tables
        self.shells = shells
        self.overburden = overburden
        radii = np.ascontiguousarray(shells.outer_radii, dtype=np.float64)
        parts = _kc.slowing_tables(
            np.ascontiguousarray(tables.v_grid, dtype=np.float64),
            np.ascontiguousarray(shells.number_density, dtype=np.float64),
            np.ascontiguousarray(tables.stopping, dtype=np.float64),
        )
        self.slowing = SlowingTables(radii, *parts)
        self.slab: SlabTables | None = None
        if overburden is not None:
            thickness = np.ascontiguousarray(overburden.thickness, dtype=np.float64)
            if thickness.size:
                slab_parts = _kc.slowing_tables(
                    np.ascontiguousarray(tables.v_grid, dtype=np.float64),
                    np.ascontiguousarray(overburden.number_density, dtype=np.float64),
                    np.ascontiguousarray(tables.stopping, dtype=np.float64),
                )[1:]
            else:
                nv = len(tables.v_grid)
                slab_parts = (np.zeros((0, nv)), np.zeros((0, nv - 1)), np.zeros((0, nv)),
                              np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                              np.zeros(0))
            self.slab = SlabTables(thickness, *slab_parts)

    @property
    def outer_radius(self) -> float:
        """Radius of the outermost sphere, where particles enter [km]."""
        return float(self.slowing.outer_radii[-1])

    def _tables(self) -> tuple:
        s = self.slowing
        return tuple(s)

    def _all_tables(self) -> tuple:
        """Shell tables followed by the slab tables (the *_slabs kernels' arguments)."""
        return (*self.slowing, *self.slab)

    def arrive(self, detector_km, directions, speeds, v_min: float = 0.0,
               threads: int = 1) -> Arrival:
        """Detector speeds of particles entering the world along straight lines.

        With an overburden, particles coming from above cross the slabs after the spherical
        world, and the detector is at the bottom of the stack (module docstring).

        Parameters
        ----------
        detector_km : (3,) detector position [km], inside or on the outermost sphere (with an
            overburden: the point under the stack, normally on the Earth's surface)
        directions : (n, 3) directions of motion (normalised here)
        speeds : (n,) or scalar -- speeds on entering the outermost sphere [km/s]
        v_min : stopping speed [km/s] (0: never stop)
        threads : number of threads

        Returns
        -------
        Arrival(speed [km/s], distance [km], path_length [km])
        """
        det = self._detector(detector_km)
        if float(np.dot(det, det)) > self.outer_radius ** 2 * (1.0 + 1e-12):
            raise GeometryError(
                f"detector at r = {math.sqrt(float(np.dot(det, det)))} km lies outside the "
                f"outermost sphere (r = {self.outer_radius} km)"
            )
        d = _unit_vectors(directions)
        v = _speeds(speeds, d.shape[0], "entry speeds")
        v_min = float(v_min)
        if not (math.isfinite(v_min) and v_min >= 0):
            raise ConfigError(f"v_min = {v_min!r} must be finite and >= 0 km/s")
        if self.slab is not None:
            out = _chunked(lambda vv, dd, *rest: _kc.arrival_speeds_slabs(vv, det, dd, *rest),
                           d.shape[0], threads, (v, d), (*self._all_tables(), v_min))
            return Arrival(*out)
        out = _chunked(lambda vv, dd, *rest: _kc.arrival_speeds(vv, det, dd, *rest),
                       d.shape[0], threads, (v, d), (*self._tables(), v_min))
        return Arrival(*out)

    def _detector(self, detector_km) -> np.ndarray:
        det = _position(detector_km)
        if self.slab is not None and not float(np.dot(det, det)) > 0.0:
            raise GeometryError("with an overburden the detector must not be at the centre: its "
                                "radial direction is the vertical of the slabs")
        return det

    def entry_speeds(self, detector_km, directions, detector_speeds,
                     threads: int = 1) -> EntrySpeeds:
        """Inverse of :meth:`arrive`: entry speed and Jacobian for given detector speeds.

        Parameters
        ----------
        detector_km : (3,) detector position [km]
        directions : (n, 3) directions of motion
        detector_speeds : (n,) or scalar -- speeds at the detector [km/s], > 0
        threads : number of threads

        Returns
        -------
        EntrySpeeds(speed [km/s], jacobian = d v_entry / d v_detector [1]); with an overburden
        the slabs are undone first (speed inf where the slab path makes it overflow, i.e. just
        above the horizon)
        """
        det = self._detector(detector_km)
        d = _unit_vectors(directions)
        v = _speeds(detector_speeds, d.shape[0], "detector speeds", positive=True)
        if self.slab is not None:
            out = _chunked(lambda vv, dd, *rest: _kc.entry_speeds_slabs(vv, det, dd, *rest),
                           d.shape[0], threads, (v, d), self._all_tables())
            return EntrySpeeds(*out)
        out = _chunked(lambda vv, dd, *rest: _kc.entry_speeds(vv, det, dd, *rest),
                       d.shape[0], threads, (v, d), self._tables())
        return EntrySpeeds(*out)

    def propagate(self, origins_km, directions, speeds, max_length_km=np.inf,
                  v_min: float = 0.0, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Slow particles down along arbitrary rays ``origin + s direction``, 0 <= s <= L.

        Spherical shells only: an overburden's slabs are not crossed here (see :meth:`arrive`).

        Parameters
        ----------
        origins_km : (n, 3) ray origins [km]
        directions : (n, 3) directions of motion
        speeds : (n,) or scalar -- speeds at s = 0 [km/s]
        max_length_km : (n,) or scalar -- ray length L [km] (``inf``: until leaving the world)
        v_min : stopping speed [km/s]
        threads : number of threads

        Returns
        -------
        speed (n,) [km/s] at the end of the ray (0 if stopped); distance (n,) [km] to the stop,
        or L
        """
        d = _unit_vectors(directions)
        n = d.shape[0]
        o = np.broadcast_to(np.asarray(origins_km, dtype=np.float64), (n, 3)).copy()
        v = _speeds(speeds, n, "speeds")
        length = np.broadcast_to(np.asarray(max_length_km, dtype=np.float64), (n,)).copy()
        if np.any(~(length >= 0)):
            raise ConfigError("max_length_km must be >= 0")
        return _chunked(
            lambda vv, oo, dd, ll, *rest: _kc.propagate(vv, oo, dd, ll, *rest),
            n, threads, (v, o, d, length), (*self._tables(), float(v_min)))


def stack_atmosphere(shells: CompiledShells, slabs: CompiledSlabs,
                     name: str = "atmosphere") -> CompiledShells:
    """An Earth with a compiled atmosphere on top, as spherical shells.

    Slab ``j`` (altitudes ``z_edges[j]..z_edges[j+1]`` [km]) becomes the shell
    ``R + z_edges[j] <= r < R + z_edges[j+1]`` with R = ``shells.outer_radii[-1]``; the
    atmosphere must start at altitude 0. Nuclide columns are the union (Earth's first, then the
    atmosphere's new ones), zero where absent.

    Parameters
    ----------
    shells : CompiledShells -- the Earth [km, g/cm^3, km^-3]
    slabs : CompiledSlabs -- the atmosphere (e.g. ``load_atmosphere(...).compile()``)
    name : layer name of the atmosphere shells
    """
    if abs(float(slabs.z_edges[0])) > 1e-9:
        raise GeometryError(f"the atmosphere must start at altitude 0, got {slabs.z_edges[0]} km")
    if name in shells.layer_names:
        raise GeometryError(f"layer name {name!r} is already used by the shells")
    nuclides = tuple(shells.nuclides) + tuple(n for n in slabs.nuclides
                                              if n not in shells.nuclides)
    col = {n: j for j, n in enumerate(nuclides)}
    m_e, m_a = len(shells.outer_radii), len(slabs.mass_density)
    number = np.zeros((m_e + m_a, len(nuclides)))
    number[:m_e, : len(shells.nuclides)] = shells.number_density
    for j, n in enumerate(slabs.nuclides):
        number[m_e:, col[n]] = slabs.number_density[:, j]
    radius = float(shells.outer_radii[-1])
    return CompiledShells(
        outer_radii=np.concatenate([shells.outer_radii, radius + np.asarray(slabs.z_edges[1:])]),
        mass_density=np.concatenate([shells.mass_density, slabs.mass_density]),
        number_density=number,
        nuclides=nuclides,
        layer_index=np.concatenate([shells.layer_index,
                                    np.full(m_a, len(shells.layer_names), dtype=np.int64)]),
        layer_names=tuple(shells.layer_names) + (name,),
    )

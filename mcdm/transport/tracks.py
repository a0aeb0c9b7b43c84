"""Trajectories of the discrete-scatter Monte Carlo: every vertex of a few primaries, to Parquet.

:func:`record_tracks` runs the same kernel as :func:`mcdm.transport.discrete.simulate_discrete`
(:func:`mcdm.kernels.discrete.transport_discrete_rings` with ``record=True``) for a handful of
primaries and returns every vertex: the entry point, each scattering, each crossing of the
detector shell's boundaries, importance splits and roulette, and the end (exit through the top
sphere, stop below ``v_cut``, roulette loss or truncation). Recording draws no random numbers, so
the same seed gives the same histories with and without it. A vertex holds the velocity and the
weight *after* its event, so a track is the polyline through its vertices, each segment along
the velocity stored at its start.

Table layout (:func:`tracks_table`; one row per vertex, in the order the kernel made them):

=========  =======  =============================================================================
column     unit     meaning
=========  =======  =============================================================================
primary    --       primary index (``first_primary`` + position in the sample)
track      --       0 for the primary, 1, 2, ... for its split copies in order of creation
parent     --       the track that created this one (-1 for the primary)
step       --       vertex index within the track
kind       --       entry, scatter, exit, stop, detector, split, roulette, killed, truncated
x, y, z    km       position, Earth's centre at the origin (frame of the caller)
vx, vy, vz km/s     velocity after the event
speed      km/s     its norm
weight     1        statistical weight after the event
=========  =======  =============================================================================

The Parquet file carries the units in each field's metadata (``unit``) and, as JSON, in the
schema metadata (``mcdm.units``), with ``mcdm.schema`` = ``mcdm.Tracks``, ``mcdm.format_version``,
``mcdm.version``, ``mcdm.frame`` (the frame's description) and ``mcdm.run`` (free metadata).

:func:`plot_tracks` draws tracks either projected on a plane through the Earth's centre with
the Earth's layers as circles, or unrolled as altitude vs distance along the surface from the
entry point (layers as horizontal lines), which resolves the metres-scale scattering of light
dark matter under the surface.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from mcdm._version import __version__
from mcdm.errors import ConfigError, McdmError
from mcdm.kernels import discrete as _k
from mcdm.transport.discrete import ImportanceMap, _prepare

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

    from mcdm.geometry.earth import CompiledShells
    from mcdm.physics.interaction import InteractionTables

__all__ = [
    "SCHEMA",
    "FORMAT_VERSION",
    "EVENT_KINDS",
    "COLUMNS",
    "TrackError",
    "TrackRecord",
    "record_tracks",
    "tracks_table",
    "write_tracks",
    "read_tracks",
    "surface_radius",
    "plot_tracks",
]

#: schema name in the Parquet metadata (``mcdm.schema``)
SCHEMA = "mcdm.Tracks"
#: layout version; readers accept 1..FORMAT_VERSION
FORMAT_VERSION = 1
#: kernel vertex kind (mcdm.kernels.discrete.V_*) -> name in the ``kind`` column
EVENT_KINDS: dict[int, str] = {
    _k.V_ENTRY: "entry",
    _k.V_SCATTER: "scatter",
    _k.V_EXIT: "exit",
    _k.V_STOP: "stop",
    _k.V_DETECTOR: "detector",
    _k.V_SPLIT: "split",
    _k.V_ROULETTE: "roulette",
    _k.V_KILLED: "killed",
    _k.V_TRUNCATED: "truncated",
}
#: column -> (arrow type, unit, kernel column or None)
COLUMNS: dict[str, tuple[str, str, int | None]] = {
    "primary": ("int64", "", _k.R_PRIMARY),
    "track": ("int64", "", _k.R_TRACK),
    "parent": ("int64", "", _k.R_PARENT),
    "step": ("int64", "", _k.R_STEP),
    "kind": ("string", "", None),
    "x": ("float64", "km", _k.R_X),
    "y": ("float64", "km", _k.R_Y),
    "z": ("float64", "km", _k.R_Z),
    "vx": ("float64", "km/s", _k.R_VX),
    "vy": ("float64", "km/s", _k.R_VY),
    "vz": ("float64", "km/s", _k.R_VZ),
    "speed": ("float64", "km/s", _k.R_SPEED),
    "weight": ("float64", "", _k.R_WEIGHT),
}
_META = {"schema": b"mcdm.schema", "format_version": b"mcdm.format_version",
         "version": b"mcdm.version", "units": b"mcdm.units", "frame": b"mcdm.frame",
         "run": b"mcdm.run"}
#: layer name of a stacked atmosphere (mcdm.transport.continuous.stack_atmosphere)
_ATMOSPHERE = "atmosphere"


class TrackError(McdmError, ValueError):
    """A file is not a tracks table written by :func:`write_tracks` (or has a newer layout)."""


class TrackRecord(NamedTuple):
    """Result of :func:`record_tracks`.

    vertices : (K, N_VERTEX_COLS) float64 -- the kernel's vertex rows (columns ``R_*`` of
        :mod:`mcdm.kernels.discrete`), primary indices already offset by ``first_primary``
    scores : (n, N_SCORES) float64 -- the kernel's per-primary scores (``S_*``), as in a run
        without recording
    detector_inner_km, detector_outer_km : float -- the scoring shell [km]
    """

    vertices: np.ndarray
    scores: np.ndarray
    detector_inner_km: float
    detector_outer_km: float


def record_tracks(
    tables: "InteractionTables",
    shells: "CompiledShells",
    detector_radius_km: float,
    positions: np.ndarray,
    velocities: np.ndarray,
    rng: np.random.Generator,
    v_cut: float,
    importance: ImportanceMap | None = None,
    *,
    detector_thickness_km: float | None = None,
    weights: np.ndarray | None = None,
    max_scatters: int = 100_000,
    max_tracks: int = 1_000,
    first_primary: int = 0,
) -> TrackRecord:
    """Transport a few primaries and record every vertex of their tracks.

    Parameters are those of :func:`mcdm.transport.discrete.simulate_discrete` (entry points on
    the outer sphere [km], inward velocities [km/s], ``v_cut`` [km/s], importance map, scoring
    shell [km]); ``first_primary`` offsets the primary indices. Memory: 13 float64 per vertex
    (light dark matter: tens of scatterings per primary; 1e5 GeV through kilometres of rock:
    thousands).
    """
    prep = _prepare(tables, shells, detector_radius_km, positions, velocities, np.array([0.0, 1.0]),
                    v_cut, importance, detector_thickness_km, weights, max_scatters, max_tracks, 1)
    out = _k.transport_discrete_rings(prep.positions, prep.velocities, prep.weights,
                                      *prep.kernel_args, True, rng)
    scores, vertices = out[0], out[9]
    vertices[:, _k.R_PRIMARY] += int(first_primary)
    return TrackRecord(vertices, scores, prep.r_lo, prep.r_hi)


def tracks_table(vertices: np.ndarray, *, frame: str = "", run: dict[str, Any] | None = None
                 ) -> "pa.Table":
    """A pyarrow Table of kernel vertex rows (:class:`TrackRecord`) with units in its schema.

    Parameters
    ----------
    vertices : (K, N_VERTEX_COLS) float64 -- columns ``R_*`` of :mod:`mcdm.kernels.discrete`
    frame : str -- description of the coordinate frame (stored as ``mcdm.frame``)
    run : dict, optional -- JSON-serialisable metadata of the run (``mcdm.run``)
    """
    import pyarrow as pa

    v = np.asarray(vertices, float)
    if v.ndim != 2 or v.shape[1] != _k.N_VERTEX_COLS:
        raise ConfigError(f"vertices must be (K, {_k.N_VERTEX_COLS}); got {v.shape}")
    codes = v[:, _k.R_KIND].astype(np.int64)
    unknown = set(np.unique(codes).tolist()) - set(EVENT_KINDS)
    if unknown:
        raise ConfigError(f"unknown vertex kinds {sorted(unknown)}")
    names = np.array([EVENT_KINDS[c] for c in range(max(EVENT_KINDS) + 1)], dtype=object)
    arrays = []
    for name, (kind, _unit, col) in COLUMNS.items():
        if name == "kind":
            arrays.append(pa.array(names[codes].tolist(), type=pa.string()))
        elif kind == "int64":
            arrays.append(pa.array(np.rint(v[:, col]).astype(np.int64)))
        else:
            arrays.append(pa.array(v[:, col]))
    return pa.Table.from_arrays(arrays, schema=_arrow_schema(frame, run or {}))


def _arrow_schema(frame: str, run: dict[str, Any]) -> "pa.Schema":
    import pyarrow as pa

    from mcdm.io import to_jsonable

    fields = [pa.field(name, getattr(pa, kind)(), nullable=False,
                       metadata={"unit": unit} if unit else None)
              for name, (kind, unit, _col) in COLUMNS.items()]
    units = {name: unit for name, (_k2, unit, _c) in COLUMNS.items()}
    meta = {_META["schema"]: SCHEMA.encode(),
            _META["format_version"]: str(FORMAT_VERSION).encode(),
            _META["version"]: __version__.encode(),
            _META["units"]: json.dumps(units, sort_keys=True).encode(),
            _META["frame"]: frame.encode(),
            _META["run"]: json.dumps(to_jsonable(run), sort_keys=True).encode()}
    return pa.schema(fields, metadata=meta)


def write_tracks(table: "pa.Table", path: str | os.PathLike[str]) -> Path:
    """Write a :func:`tracks_table` to Parquet atomically; returns the path."""
    import pyarrow.parquet as pq

    from mcdm.io import atomic_path

    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return Path(path)


def read_tracks(path: str | os.PathLike[str]) -> "pa.Table":
    """Read and check a file written by :func:`write_tracks` (schema name, version, columns).

    Raises
    ------
    TrackError
        If the file is not Parquet, not a tracks table, of a newer layout, or misses a column.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise TrackError(f"cannot read {str(path)!r} as a Parquet tracks table: {exc}") from exc
    meta = table.schema.metadata or {}
    name = meta.get(_META["schema"], b"").decode(errors="replace")
    if name != SCHEMA:
        raise TrackError(f"{str(path)!r} is not a tracks table (mcdm.schema = {name!r}, "
                         f"expected {SCHEMA!r})")
    raw = meta.get(_META["format_version"], b"").decode(errors="replace")
    if not raw.isdigit() or not 1 <= int(raw) <= FORMAT_VERSION:
        raise TrackError(f"{str(path)!r}: tracks format version {raw!r}; this mcdm reads "
                         f"1..{FORMAT_VERSION}")
    missing = [c for c in COLUMNS if c not in table.column_names]
    if missing:
        raise TrackError(f"{str(path)!r} misses the columns {missing}")
    return table


def surface_radius(shells: "CompiledShells") -> float:
    """Radius of the Earth's surface [km]: the top of the shells below a stacked atmosphere."""
    names = tuple(shells.layer_names)
    outer = np.asarray(shells.outer_radii, float)
    if _ATMOSPHERE in names:
        solid = np.asarray(shells.layer_index) != names.index(_ATMOSPHERE)
        if np.any(solid):
            return float(outer[solid].max())
    return float(outer[-1])


def _layer_tops(shells: "CompiledShells") -> list[tuple[float, str]]:
    """(outer radius [km], name) of every named layer, inner to outer."""
    idx = np.asarray(shells.layer_index)
    outer = np.asarray(shells.outer_radii, float)
    tops = []
    for i in range(idx.size):
        if i == idx.size - 1 or idx[i + 1] != idx[i]:
            tops.append((float(outer[i]), str(shells.layer_names[idx[i]])))
    return tops


def _section_axes(entry: np.ndarray, velocity: np.ndarray, surface: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors (r_hat, e_par) of the vertical section of :func:`plot_tracks`'s depth view:
    r_hat through the point where the entering straight line meets the surface (the entry point
    if it misses), e_par horizontal along the direction of motion there."""
    d = velocity / np.linalg.norm(velocity)
    b = float(entry @ d)
    c = float(entry @ entry) - surface * surface
    disc = b * b - c
    point = entry + (-b - math.sqrt(disc)) * d if disc > 0 and -b > 0 else entry
    r_hat = point / np.linalg.norm(point)
    e_par = d - (d @ r_hat) * r_hat
    norm = np.linalg.norm(e_par)
    if norm < 1e-9:  # vertical incidence: any horizontal direction
        a = np.array([1.0, 0.0, 0.0]) if abs(r_hat[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
        e_par = a - (a @ r_hat) * r_hat
        norm = np.linalg.norm(e_par)
    return r_hat, e_par / norm


def _as_columns(table: Any) -> dict[str, np.ndarray]:
    if hasattr(table, "column_names"):  # pyarrow
        return {c: table.column(c).to_numpy(zero_copy_only=False) for c in table.column_names}
    return {c: np.asarray(table[c]) for c in table.columns}  # pandas


def plot_tracks(table: Any, shells: "CompiledShells", path: str | os.PathLike[str] | None = None,
                *, ax: Any = None, view: str = "plane", plane: str = "xz",
                detector_radius_km: float | None = None, depth_limit_km: float | None = None,
                max_primaries: int = 50, title: str | None = None) -> Any:
    """Draw tracks (matplotlib) over the Earth's layers; returns the Axes.

    Parameters
    ----------
    table : pyarrow.Table or pandas.DataFrame -- a :func:`tracks_table` / :func:`read_tracks`
    shells : CompiledShells -- the world the tracks ran in [km]
    path : str or Path, optional -- write the figure there (PNG) and close it
    ax : matplotlib Axes, optional -- draw into it (else a new figure)
    view : "plane" -- projection on ``plane`` through the Earth's centre, layers as circles;
        "depth" -- altitude above the surface [km] vs distance along the surface [km] in the
        vertical section along each primary's incoming direction, from the point where it
        reaches the surface; layers as horizontal lines (resolves shallow scattering)
    plane : "xz", "xy" or "yz" -- projection plane of ``view = "plane"`` (the scenario's wind
        blows along -z, so "xz" shows it coming from the top)
    detector_radius_km : float, optional -- drawn dashed
    depth_limit_km : float, optional -- ``view = "depth"``: lowest depth shown [km] (default:
        the deepest vertex)
    max_primaries : int -- draw at most this many primaries (the first ones)
    title : str, optional
    """
    import matplotlib

    if view not in ("plane", "depth"):
        raise ConfigError(f"view = {view!r}; choose 'plane' or 'depth'")
    if plane not in ("xz", "xy", "yz"):
        raise ConfigError(f"plane = {plane!r}; choose 'xz', 'xy' or 'yz'")
    if path is not None and ax is None:
        matplotlib.use("Agg", force=True)  # a file only: no display needed
    import matplotlib.pyplot as plt

    cols = _as_columns(table)
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(6.5, 6.0) if view == "plane" else (8.0, 4.5),
                               constrained_layout=True)
    surface = surface_radius(shells)
    tops = _layer_tops(shells)
    primaries = np.unique(cols["primary"])[:max(int(max_primaries), 0)]
    key = cols["primary"] * (int(cols["track"].max(initial=0)) + 1) + cols["track"]
    xyz = np.stack([cols["x"], cols["y"], cols["z"]], axis=1)
    kind = cols["kind"]
    if view == "plane":
        a, b = ("xyz".index(plane[0]), "xyz".index(plane[1]))
        shades = plt.get_cmap("Greys")
        for j, (r, name) in enumerate(reversed(tops)):
            fill = name != _ATMOSPHERE
            ax.add_patch(plt.Circle((0, 0), r, fill=fill, lw=0.6, ec="0.4",
                                    fc=shades(0.12 + 0.5 * (len(tops) - j) / max(len(tops), 1))
                                    if fill else "none", zorder=0))
        if detector_radius_km is not None:
            ax.add_patch(plt.Circle((0, 0), detector_radius_km, fill=False, ls="--", lw=0.8,
                                    ec="C3", zorder=1))
        lim = 1.05 * float(np.asarray(shells.outer_radii)[-1])
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_xlabel(f"{plane[0]} [km]")
        ax.set_ylabel(f"{plane[1]} [km]")
    else:
        depth_min = 0.0
        if detector_radius_km is not None:
            ax.axhline(detector_radius_km - surface, color="C3", ls="--", lw=0.8,
                       label="detector")
        ax.set_xlabel("distance along the surface from where the track reaches it [km]")
        ax.set_ylabel("altitude above the surface [km]")
    u_seen: list[np.ndarray] = []
    w_seen: list[np.ndarray] = []
    for i, p in enumerate(primaries):
        sel = cols["primary"] == p
        colour = f"C{i % 10}"
        first = np.flatnonzero(sel)[0]
        if view == "depth":
            r_hat, e_par = _section_axes(xyz[first], np.array([cols["vx"][first], cols["vy"][first],
                                                               cols["vz"][first]]), surface)
        for k in np.unique(key[sel]):
            rows = np.flatnonzero(key == k)
            pts = xyz[rows]
            if view == "plane":
                u, w = pts[:, a], pts[:, b]
            else:  # vertical section along the incoming direction, through its surface point
                u = surface * np.arctan2(pts @ e_par, pts @ r_hat)
                w = np.linalg.norm(pts, axis=1) - surface
                depth_min = min(depth_min, float(w.min()))
                u_seen.append(u)
                w_seen.append(w)
            ax.plot(u, w, "-", color=colour, lw=0.7, alpha=0.8)
            ends = np.isin(kind[rows], ("stop", "killed", "truncated"))
            if ends.any():
                ax.plot(u[ends], w[ends], "x", color=colour, ms=4)
    if view == "depth":
        lo = -abs(depth_limit_km) if depth_limit_km is not None else 1.1 * depth_min - 0.01
        top = float(np.asarray(shells.outer_radii)[-1]) - surface
        hi = min(top, max(abs(lo), 1.0e-3))  # as much air as rock: the air is nearly empty
        ax.set_ylim(lo, hi)
        if u_seen:
            uu, ww = np.concatenate(u_seen), np.concatenate(w_seen)
            inside = uu[(ww >= lo) & (ww <= hi)]
            if inside.size:
                pad = 0.05 * max(float(np.ptp(inside)), abs(lo))
                ax.set_xlim(float(inside.min()) - pad, float(inside.max()) + pad)
        for r, name in tops:  # layer tops inside the window, labelled at the right edge
            alt = r - surface
            if lo < alt < hi:
                ax.axhline(alt, color="0.6", lw=0.6, zorder=0)
                ax.annotate(name, (0.995, alt), xycoords=("axes fraction", "data"), fontsize=7,
                            ha="right", va="top", color="0.4", annotation_clip=True)
    if title:
        ax.set_title(title, fontsize=10)
    if path is not None:
        from mcdm.io import atomic_path

        with atomic_path(path) as tmp:
            ax.figure.savefig(tmp, dpi=120, format="png")
        plt.close(ax.figure)
    return ax


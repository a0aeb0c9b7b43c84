"""Recorded trajectories of the discrete Monte Carlo (mcdm.transport.tracks, issue 6 item 4).

The record is checked against the kernel itself: a recorded run gives the same scores as the
same seed without recording (same scatterings, same fates), and the vertices agree with the
scores (scatterings, tracks, end weights) and with straight flights along the stored velocity.
Elastic scattering off a nucleus at rest never speeds the particle up, so speeds along a track
never increase.
"""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError
from mcdm.geometry.earth import CompiledShells
from mcdm.kernels import discrete as kd
from mcdm.physics.interaction import InteractionTables
from mcdm.run import run
from mcdm.transport.discrete import ImportanceMap, entry_points, simulate_discrete
from mcdm.transport.tracks import (
    COLUMNS,
    EVENT_KINDS,
    TrackError,
    plot_tracks,
    read_tracks,
    record_tracks,
    surface_radius,
    tracks_table,
    write_tracks,
)

R = 100.0
N_KM3 = 1.0e38
V_GRID = np.geomspace(1.0, 3000.0, 60)
SHELLS = CompiledShells(np.array([40.0, 90.0, R]), np.array([5.0, 2.7, 1e-3]),
                        np.array([[N_KM3], [N_KM3], [1e-3 * N_KM3]]), ("Si28",), np.array([0, 1, 2]),
                        ("core", "rock", "atmosphere"))
#: splitting x3 below 95 km, roulette (1/2) below 75 km: both happen on the way down and back
IMPORTANCE = ImportanceMap((75.0, 95.0), (1.5, 3.0, 1.0))
TERMINAL = {"exit", "stop", "killed", "truncated"}


def _tables(mean_free_path_km=10.0, m_chi=10.0):
    sig = 1.0 / (mean_free_path_km * N_KM3 * 1.0e-10)
    return InteractionTables(V_GRID, np.full((1, V_GRID.size), sig), np.zeros((1, V_GRID.size)),
                             np.array([26.0]), np.zeros((1, 4)), 0, m_chi)


def _sample(n, seed):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n, 3))
    vel = (150.0 + 400.0 * rng.random(n))[:, None] * u / np.linalg.norm(u, axis=1)[:, None]
    vel[:, 2] -= 100.0  # a wind from +z
    return entry_points(vel, R, rng), vel


def _record(n=60, seed=1, max_scatters=100_000):
    pos, vel = _sample(n, seed)
    return record_tracks(_tables(), SHELLS, 85.0, pos, vel, np.random.default_rng(seed + 100), 30.0,
                         IMPORTANCE, detector_thickness_km=2.0, max_scatters=max_scatters), pos, vel


def test_recording_changes_nothing():
    """Same seed with and without recording: identical scores, so the same scatterings and fates."""
    rec, pos, vel = _record()
    res = simulate_discrete(_tables(), SHELLS, 85.0, pos, vel, np.random.default_rng(101),
                            np.array([0.0, 1.0]), 30.0, IMPORTANCE, detector_thickness_km=2.0)
    kinds = rec.vertices[:, kd.R_KIND]
    assert res.scatter_events == int((kinds == kd.V_SCATTER).sum()) > 200
    assert res.tracks == len({(int(p), int(t)) for p, t in rec.vertices[:, :2]}) > 60
    assert (kinds == kd.V_SPLIT).any() and (kinds == kd.V_ROULETTE).any() and (kinds == kd.V_KILLED).any()
    # the kernel's per-primary scores of both runs are the same numbers
    args = _kernel_args(pos, vel)
    off = kd.transport_discrete_rings(*args, False, np.random.default_rng(101))
    on = kd.transport_discrete_rings(*args, True, np.random.default_rng(101))
    for a, b in zip(off[:9], on[:9]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(on[0], rec.scores)
    np.testing.assert_array_equal(on[9], rec.vertices)


def _kernel_args(pos, vel):
    from mcdm.transport.discrete import _prepare

    prep = _prepare(_tables(), SHELLS, 85.0, pos, vel, np.array([0.0, 1.0]), 30.0, IMPORTANCE, 2.0,
                    None, 100_000, 1_000, 1)
    return (prep.positions, prep.velocities, prep.weights, *prep.kernel_args)


def test_vertices_are_consistent_with_the_scores_and_straight_flights():
    rec, _, _ = _record()
    v = rec.vertices
    scores = rec.scores
    kind = np.array([EVENT_KINDS[int(k)] for k in v[:, kd.R_KIND]])
    xyz, vel = v[:, kd.R_X:kd.R_Z + 1], v[:, kd.R_VX:kd.R_VZ + 1]
    np.testing.assert_allclose(np.linalg.norm(vel, axis=1), v[:, kd.R_SPEED], rtol=1e-12)
    r = np.linalg.norm(xyz, axis=1)
    on_shell = np.minimum(abs(r - rec.detector_inner_km), abs(r - rec.detector_outer_km))
    assert (kind == "detector").sum() > 20 and np.all(on_shell[kind == "detector"] < 1e-9)
    for p in range(scores.shape[0]):
        mine = v[:, kd.R_PRIMARY] == p
        assert (kind[mine] == "scatter").sum() == scores[p, kd.S_SCATTER_EVENTS]
        tracks = np.unique(v[mine, kd.R_TRACK])
        assert tracks.size == scores[p, kd.S_TRACKS] and tracks.tolist() == list(range(tracks.size))
        for end, col in (("stop", kd.S_STOPPED), ("truncated", kd.S_TRUNCATED)):
            assert v[mine & (kind == end), kd.R_WEIGHT].sum() == pytest.approx(scores[p, col], abs=1e-12)
        out = scores[p, kd.S_TRANSMITTED] + scores[p, kd.S_REFLECTED]
        assert v[mine & (kind == "exit"), kd.R_WEIGHT].sum() == pytest.approx(out, abs=1e-12)
        for t in tracks:
            rows = np.flatnonzero(mine & (v[:, kd.R_TRACK] == t))
            k = kind[rows]
            assert v[rows, kd.R_STEP].tolist() == list(range(rows.size))
            assert k[0] == "entry" and k[-1] in TERMINAL and not TERMINAL & set(k[:-1])
            # straight flights along the velocity stored at the start of each segment
            step = np.diff(xyz[rows], axis=0)
            d = vel[rows[:-1]] / v[rows[:-1], kd.R_SPEED][:, None]
            along = np.sum(step * d, axis=1)
            assert np.all(along > -1e-9)
            assert np.all(np.linalg.norm(step - along[:, None] * d, axis=1) < 1e-8 * (1 + along))
            # elastic scattering off a nucleus at rest never speeds the particle up
            assert np.all(np.diff(v[rows, kd.R_SPEED]) <= 1e-9)
            # the weight changes only at importance boundaries
            dw = np.diff(v[rows, kd.R_WEIGHT]) != 0
            assert set(k[1:][dw]) <= {"split", "roulette"}
            if t > 0:  # a copy starts where its parent split, with the parent's new weight
                parent = int(v[rows[0], kd.R_PARENT])
                prow = np.flatnonzero(mine & (v[:, kd.R_TRACK] == parent) & (kind == "split"))
                hit = np.all(np.isclose(xyz[prow], xyz[rows[0]], rtol=0, atol=1e-12), axis=1)
                assert hit.any() and np.isclose(v[prow[hit][0], kd.R_WEIGHT], v[rows[0], kd.R_WEIGHT])
            else:
                assert v[rows[0], kd.R_PARENT] == -1


def test_truncation_is_recorded():
    rec, _, _ = _record(n=20, max_scatters=3)
    kinds = rec.vertices[:, kd.R_KIND]
    assert (kinds == kd.V_TRUNCATED).sum() > 0
    assert rec.vertices[kinds == kd.V_TRUNCATED, kd.R_WEIGHT].sum() == pytest.approx(
        rec.scores[:, kd.S_TRUNCATED].sum(), rel=1e-12)


def test_parquet_round_trip_with_units(tmp_path):
    rec, _, _ = _record(n=10)
    table = tracks_table(rec.vertices, frame="test frame", run={"seed": 1})
    path = write_tracks(table, tmp_path / "tracks.parquet")
    back = read_tracks(path)
    assert back.equals(table) and back.column_names == list(COLUMNS)
    assert back.schema.field("x").metadata == {b"unit": b"km"}
    assert back.schema.field("vz").metadata == {b"unit": b"km/s"}
    meta = back.schema.metadata
    assert meta[b"mcdm.schema"] == b"mcdm.Tracks" and meta[b"mcdm.frame"] == b"test frame"
    assert json.loads(meta[b"mcdm.units"])["speed"] == "km/s" and json.loads(meta[b"mcdm.run"]) == {"seed": 1}
    assert set(back.column("kind").to_pylist()) <= set(EVENT_KINDS.values())
    np.testing.assert_array_equal(back.column("step").to_numpy(), rec.vertices[:, kd.R_STEP])
    # not a tracks file
    pq.write_table(pa.table({"a": [1]}), tmp_path / "other.parquet")
    with pytest.raises(TrackError, match="not a tracks table"):
        read_tracks(tmp_path / "other.parquet")
    (tmp_path / "junk.parquet").write_text("no")
    with pytest.raises(TrackError):
        read_tracks(tmp_path / "junk.parquet")
    with pytest.raises(ConfigError):
        tracks_table(np.zeros((3, 4)))


def test_plot_tracks_both_views(tmp_path):
    rec, _, _ = _record(n=8)
    table = tracks_table(rec.vertices)
    assert surface_radius(SHELLS) == 90.0
    plot_tracks(table, SHELLS, tmp_path / "plane.png", detector_radius_km=85.0)
    plot_tracks(table.to_pandas(), SHELLS, tmp_path / "depth.png", view="depth",
                detector_radius_km=85.0, depth_limit_km=20.0)
    assert (tmp_path / "plane.png").stat().st_size > 10_000
    assert (tmp_path / "depth.png").stat().st_size > 10_000
    with pytest.raises(ConfigError):
        plot_tracks(table, SHELLS, view="side")


def _doc(tmp_path, **transport):
    return {"run": {"name": "tr", "scenario": "transport", "seed": 2, "samples": 400, "shards": 2,
                    "output_dir": str(tmp_path)},
            "site": {"name": "lngs"}, "dark_matter": {"mass": "1 GeV"},
            "time": {"start": "2000-01-01T00:00:00", "bins": 4, "width": "6 h"},
            "transport": {"sigma_p": "1e-31 cm2", "v_cut": "30 km/s", "method": "discrete",
                          "importance": "none", "rings": 4, **transport},
            "output": {"progress": False, "plot": True}}


def test_scenario_writes_tracks(tmp_path):
    out = run(config_from_dict(_doc(tmp_path, tracks=3)))
    table = read_tracks(out / "tracks.parquet")
    assert sorted(set(table.column("primary").to_pylist())) == [0, 1, 2]
    s = json.loads((out / "summary.json").read_text())
    assert s["tracks"]["primaries"] == 3 and s["tracks"]["vertices"] == table.num_rows
    assert s["tracks"]["scatterings"] == table.column("kind").to_pylist().count("scatter") > 0
    assert (out / "tracks.png").stat().st_size > 10_000
    assert b"-z" in table.schema.metadata[b"mcdm.frame"]
    with pytest.raises(ConfigError, match="tracks"):
        run(config_from_dict({**_doc(tmp_path, tracks=2, method="continuous")}))

"""Unit tests of mcdm.events (EventCatalog) and mcdm.io (atomic writes)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mcdm.errors import McdmError
from mcdm.events import CatalogError, EventCatalog, unit_from_name
from mcdm.io import atomic_path, atomic_write_bytes, atomic_write_json, atomic_write_text

astropy_time = pytest.importorskip("astropy.time")


def _catalog(n: int = 50, seed: int = 1, detector="LNGS") -> EventCatalog:
    rng = np.random.default_rng(seed)
    t = astropy_time.Time(51544.0 + np.sort(rng.uniform(0, 2, n)), format="mjd", scale="utc")
    return EventCatalog.from_arrays(
        t, rng.uniform(1.0, 10.0, n), detector, weight=rng.lognormal(0, 2, n),
        speed_km_s=rng.uniform(100, 700, n), alt_deg=rng.uniform(-90, 90, n),
        column_g_cm2=rng.uniform(0, 1e9, n), isotope=rng.choice(["O16", "Si28"], n),
        layer=rng.choice(["core", "mantle", "crust"], n), run={"seed": np.int64(seed), "n": n})


def test_from_arrays_columns_and_times():
    t = astropy_time.Time(["2000-01-01T03:12:45.123456", "2010-06-30T23:59:59.5"], scale="utc")
    cat = EventCatalog.from_arrays(t, [3.5, 7.0], ["A", "B"], isotope=["O16", "Fe56"])
    assert cat.df["time_utc"].tolist() == ["2000-01-01T03:12:45.123456",
                                           "2010-06-30T23:59:59.500000"]
    assert cat.df["time_mjd"].tolist() == t.utc.mjd.tolist()
    assert cat.df["event_id"].tolist() == [0, 1] and cat.df["weight"].tolist() == [1.0, 1.0]
    assert (cat.times() - t).to_value("s") == pytest.approx([0.0, 0.0], abs=1e-9)
    assert cat.units["energy_keV"] == "keV" and cat.units["time_mjd"] == "d"
    # a TT input is stored as UTC
    cat_tt = EventCatalog.from_arrays(t.tt, [3.5, 7.0], "A")
    assert cat_tt.df["time_utc"].tolist() == cat.df["time_utc"].tolist()


def test_unit_from_name():
    assert unit_from_name("speed_km_s") == "km/s"
    assert unit_from_name("depth_km") == "km"
    assert unit_from_name("column_g_cm2") == "g/cm2"
    assert unit_from_name("isotope") == ""


def test_parquet_round_trip_exact(tmp_path):
    cat = _catalog()
    path = cat.to_parquet(tmp_path / "out" / "events.parquet")
    back = EventCatalog.read_parquet(path)
    assert back.equals(cat)
    pd.testing.assert_frame_equal(back.df, cat.df)
    assert back.run == {"seed": 1, "n": 50}
    meta = pq.read_schema(path).metadata
    assert int(meta[b"mcdm.format_version"]) == 1
    assert json.loads(meta[b"mcdm.units"])["speed_km_s"] == "km/s"
    assert [p.name for p in path.parent.iterdir()] == ["events.parquet"]


def test_concat_and_renumber():
    a, b = _catalog(10, 1), _catalog(5, 2, detector="SURF")
    c = EventCatalog.concat([a, b])
    assert len(c) == 15 and c.df["event_id"].tolist() == list(range(10)) + list(range(5))
    assert c.df["detector"].tolist() == ["LNGS"] * 10 + ["SURF"] * 5
    r = EventCatalog.concat([a, b], renumber=True)
    assert r.df["event_id"].tolist() == list(range(15)) and r.run == a.run
    plain = EventCatalog.from_arrays(astropy_time.Time([51544.0], format="mjd"), [1.0], "X")
    with pytest.raises(CatalogError, match="different columns"):
        EventCatalog.concat([a, plain])
    s = c.sort_by_time()
    assert np.all(np.diff(s.df["time_mjd"]) >= 0)


def _write_table(path, table):
    pq.write_table(table, path)
    return path


def test_schema_violations_rejected(tmp_path):
    cat = _catalog(5)
    table = pa.Table.from_pandas(cat.df, schema=cat.arrow_schema(), preserve_index=False)
    missing = _write_table(tmp_path / "m.parquet", table.drop_columns(["energy_keV"]))
    with pytest.raises(CatalogError, match=r"lacks required column\(s\) \['energy_keV'\]"):
        EventCatalog.read_parquet(missing)
    bad = table.set_column(table.schema.get_field_index("time_mjd"), "time_mjd",
                           pa.array([str(x) for x in cat.df["time_mjd"]]))
    with pytest.raises(CatalogError, match="'time_mjd' has type string, expected float64"):
        EventCatalog.read_parquet(_write_table(tmp_path / "t.parquet", bad))
    newer = table.replace_schema_metadata({b"mcdm.format_version": b"7"})
    with pytest.raises(CatalogError, match="format_version '7'"):
        EventCatalog.read_parquet(_write_table(tmp_path / "v.parquet", newer))
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(CatalogError, match="cannot read"):
        EventCatalog.read_parquet(tmp_path / "junk.parquet")
    df = cat.df.copy()
    df["detector"] = 3
    with pytest.raises(CatalogError, match="'detector'"):
        EventCatalog(df)
    with pytest.raises(CatalogError, match="shape"):
        EventCatalog.from_arrays(astropy_time.Time([51544.0, 51545.0], format="mjd"),
                                 [1.0, 2.0, 3.0], "X")
    assert issubclass(CatalogError, McdmError)


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    """If the writer raises, neither the destination nor a temporary file remains."""
    cat = _catalog(5)
    dest = tmp_path / "events.parquet"

    def failing_write_table(table, where, **kw):
        with open(where, "wb") as fh:
            fh.write(b"PAR1 half written")
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", failing_write_table)
    with pytest.raises(OSError, match="disk full"):
        cat.to_parquet(dest)
    assert list(tmp_path.iterdir()) == []


def test_atomic_helpers_replace_only_on_success(tmp_path):
    p = tmp_path / "a" / "b.txt"
    atomic_write_text(p, "first")
    with pytest.raises(RuntimeError):
        with atomic_path(p) as tmp:
            tmp.write_text("second, incomplete")
            raise RuntimeError("boom")
    assert p.read_text() == "first" and sorted(x.name for x in p.parent.iterdir()) == ["b.txt"]
    atomic_write_bytes(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    q = atomic_write_json(tmp_path / "x.json", {"b": np.float64(0.1), "a": np.arange(2)})
    assert q.read_text() == '{\n  "a": [\n    0,\n    1\n  ],\n  "b": 0.1\n}\n'


def test_to_fits(tmp_path):
    from astropy.table import Table

    cat = _catalog(7)
    path = cat.to_fits(tmp_path / "events.fits")
    tab = Table.read(path, format="fits")
    assert tab.meta["TIMESYS"] == "UTC" and tab.meta["MJDREFI"] == 0
    assert str(tab["energy_keV"].unit) == "keV" and str(tab["speed_km_s"].unit) == "km / s"
    assert np.array_equal(np.asarray(tab["time_mjd"]), cat.df["time_mjd"].to_numpy())
    assert json.loads(tab.meta["MCDMRUN"]) == cat.run

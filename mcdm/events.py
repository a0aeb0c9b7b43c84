"""`EventCatalog`: one row per simulated detector event, with time, energy, weight and MC truth.

A catalog is a pandas DataFrame with a declared Arrow schema. Required columns:

==============  ========  ==========================================================
``event_id``    int64     identifier of the event within its run
``time_utc``    string    ISO 8601 UTC, microseconds, e.g. ``"2000-01-01T03:12:45.123456"``
``time_mjd``    float64   the same instant as UTC Modified Julian Date [d]
``energy_keV``  float64   deposited / photon energy [keV]
``detector``    string    detector (site) name
``weight``      float64   number of physical events the row stands for [dimensionless]
==============  ========  ==========================================================

Optional Monte Carlo truth columns carry their unit in the name (``speed_km_s``, ``alt_deg``,
``az_deg``, ``column_g_cm2``; strings ``isotope``, ``layer``); any other column may be added,
and its unit is taken from its name suffix or given explicitly. Catalogs are written to Parquet
(large; the default) with file-level metadata holding the format version, the mcdm version, the
unit of every column and a free "run" metadata dict, and optionally to FITS via astropy.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mcdm._version import __version__
from mcdm.errors import McdmError
from mcdm.io import atomic_path, check_schema, to_jsonable

__all__ = ["FORMAT_VERSION", "SCHEMA", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "CatalogError",
           "EventCatalog", "unit_from_name"]

#: Version of the Parquet/FITS layout written here; readers accept 0..FORMAT_VERSION (0: a file
#: written before versioning, same layout; see :mod:`mcdm.io`, "Schema versions").
FORMAT_VERSION = 1
#: schema name in the Parquet metadata (``mcdm.schema``)
SCHEMA = "mcdm.EventCatalog"

# name -> (arrow type name, unit)
REQUIRED_COLUMNS: dict[str, tuple[str, str]] = {
    "event_id": ("int64", ""),
    "time_utc": ("string", "UTC ISO 8601"),
    "time_mjd": ("float64", "d"),
    "energy_keV": ("float64", "keV"),
    "detector": ("string", ""),
    "weight": ("float64", ""),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, str]] = {
    "speed_km_s": ("float64", "km/s"),
    "alt_deg": ("float64", "deg"),
    "az_deg": ("float64", "deg"),
    "column_g_cm2": ("float64", "g/cm2"),
    "isotope": ("string", ""),
    "layer": ("string", ""),
}
# column-name suffix -> unit, longest first (used for truth columns not listed above)
_SUFFIX_UNITS = (("_g_cm2", "g/cm2"), ("_km_s", "km/s"), ("_cm2", "cm2"), ("_keV", "keV"),
                 ("_MeV", "MeV"), ("_GeV", "GeV"), ("_deg", "deg"), ("_rad", "rad"),
                 ("_km", "km"), ("_mjd", "d"), ("_m", "m"), ("_s", "s"))
_META_KEYS = {"schema": b"mcdm.schema", "format_version": b"mcdm.format_version",
              "version": b"mcdm.version", "units": b"mcdm.units", "run": b"mcdm.run"}


class CatalogError(McdmError, ValueError):
    """An event catalog has a missing or wrongly typed column, or is not an mcdm catalog file."""


def unit_from_name(column: str) -> str:
    """Unit of a column: declared columns first, else its name suffix (``"_km_s"``: km/s)."""
    known = {**REQUIRED_COLUMNS, **OPTIONAL_COLUMNS}
    if column in known:
        return known[column][1]
    for suffix, unit in _SUFFIX_UNITS:
        if column.endswith(suffix):
            return unit
    return ""


def _configure_offline() -> None:
    try:
        from mcdm.source.iers import configure_offline
    except ImportError:
        from astropy.utils import iers

        iers.conf.auto_download = False
    else:
        configure_offline()


def _arrow_kind(t: Any) -> str:
    import pyarrow as pa

    if pa.types.is_integer(t):
        return "int64"
    if pa.types.is_floating(t):
        return "float64"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    return str(t)


class EventCatalog:
    """Table of simulated events (see the module docstring for the columns).

    Parameters
    ----------
    df : pandas.DataFrame
        Columns as in :data:`REQUIRED_COLUMNS`, plus any truth columns; validated and copied
        into canonical dtypes.
    run : dict, optional
        Free JSON-serialisable metadata about the run that produced the events.
    units : dict, optional
        Units of extra columns whose name does not say it (``{"x_custom": "km"}``).
    """

    def __init__(self, df: Any, run: Mapping[str, Any] | None = None,
                 units: Mapping[str, str] | None = None) -> None:
        self.df = _validate_frame(df)
        self.run: dict[str, Any] = to_jsonable(dict(run or {}))
        self._extra_units = {str(k): str(v) for k, v in (units or {}).items()}

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_arrays(cls, time: Any, energy_keV: Any, detector: str | Iterable[str],
                    weight: Any = None, *, event_id: Any = None,
                    run: Mapping[str, Any] | None = None,
                    units: Mapping[str, str] | None = None, **truth: Any) -> EventCatalog:
        """Build a catalog from arrays.

        Parameters
        ----------
        time : astropy.time.Time
            Event times (any scale; stored as UTC ISO 8601 with microseconds and UTC MJD [d]).
        energy_keV : array_like
            Event energies [keV].
        detector : str or sequence of str
            Detector name, one for all events or one per event.
        weight : array_like or float, optional
            Event weights [dimensionless]; 1 if omitted.
        event_id : array_like of int, optional
            Event identifiers; ``0 .. n-1`` if omitted.
        run, units :
            As in :class:`EventCatalog`.
        **truth : array_like
            Truth columns, unit in the name (``speed_km_s=...``, ``isotope=[...]``).
        """
        import pandas as pd

        if not (hasattr(time, "utc") and hasattr(time, "mjd")):
            msg = f"time must be an astropy.time.Time, got {type(time).__name__}"
            raise CatalogError(msg)
        _configure_offline()
        utc = time.utc
        if utc.isscalar:
            utc = utc.reshape((1,))
        utc = utc.copy()
        utc.precision = 6
        n = len(utc)
        iso = np.asarray(utc.isot, dtype=object)

        def column(name: str, value: Any, dtype: Any) -> np.ndarray:
            arr = np.asarray(value, dtype=dtype)
            if arr.ndim == 0:
                arr = np.full(n, arr[()], dtype=dtype)
            if arr.shape != (n,):
                msg = f"column {name!r} has shape {arr.shape}, expected ({n},) like time"
                raise CatalogError(msg)
            return arr

        cols: dict[str, Any] = {
            "event_id": (np.arange(n, dtype=np.int64) if event_id is None
                         else column("event_id", event_id, np.int64)),
            "time_utc": iso,
            "time_mjd": np.asarray(utc.mjd, dtype=np.float64),
            "energy_keV": column("energy_keV", energy_keV, np.float64),
            "detector": column("detector", detector, object).astype(str).astype(object),
            "weight": column("weight", 1.0 if weight is None else weight, np.float64),
        }
        for name, value in truth.items():
            kind = OPTIONAL_COLUMNS.get(name, (None, ""))[0]
            arr = np.asarray(value)
            if kind == "string" or arr.dtype.kind in "USO":
                cols[name] = column(name, value, object).astype(str).astype(object)
            elif kind == "float64":
                cols[name] = column(name, value, np.float64)
            else:
                cols[name] = column(name, value, arr.dtype)
        return cls(pd.DataFrame(cols), run=run, units=units)

    @classmethod
    def concat(cls, catalogs: Iterable[EventCatalog], *, renumber: bool = False,
               run: Mapping[str, Any] | None = None) -> EventCatalog:
        """Stack catalogs (e.g. shards) row-wise.

        Parameters
        ----------
        catalogs : iterable of EventCatalog
            All must have the same columns.
        renumber : bool
            Reassign ``event_id`` as ``0 .. n-1``; otherwise ids are kept as they are.
        run : dict, optional
            Run metadata of the result; by default that of the first catalog.
        """
        import pandas as pd

        cats = list(catalogs)
        if not cats:
            msg = "EventCatalog.concat needs at least one catalog"
            raise CatalogError(msg)
        cols = list(cats[0].df.columns)
        for i, c in enumerate(cats[1:], start=1):
            if set(c.df.columns) != set(cols):
                msg = (f"cannot concatenate catalogs with different columns: catalog 0 has "
                       f"{sorted(cols)}, catalog {i} has {sorted(c.df.columns)}")
                raise CatalogError(msg)
        df = pd.concat([c.df[cols] for c in cats], ignore_index=True)
        if renumber:
            df["event_id"] = np.arange(len(df), dtype=np.int64)
        units: dict[str, str] = {}
        for c in cats:
            units.update(c._extra_units)
        return cls(df, run=cats[0].run if run is None else run, units=units)

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self.df)

    def __repr__(self) -> str:
        return f"EventCatalog({len(self)} events, columns={list(self.df.columns)})"

    @property
    def units(self) -> dict[str, str]:
        """Unit of every column (``""`` for dimensionless, identifiers and strings)."""
        return {c: self._extra_units.get(c, unit_from_name(c)) for c in self.df.columns}

    def times(self) -> Any:
        """Event times as an astropy ``Time`` (UTC), parsed from ``time_utc`` (to 1 µs)."""
        from astropy.time import Time

        _configure_offline()
        return Time(list(self.df["time_utc"]), format="isot", scale="utc", precision=6)

    def sort_by_time(self) -> EventCatalog:
        """Copy sorted by ``time_mjd`` (stable), as event-list formats recommend."""
        df = self.df.sort_values("time_mjd", kind="stable", ignore_index=True)
        return EventCatalog(df, run=self.run, units=self._extra_units)

    def equals(self, other: Any) -> bool:
        """Exact equality of columns, values, dtypes and run metadata."""
        return (isinstance(other, EventCatalog) and self.run == other.run
                and self.units == other.units and self.df.equals(other.df)
                and list(self.df.columns) == list(other.df.columns))

    # ------------------------------------------------------------------ Parquet
    def arrow_schema(self) -> Any:
        """The pyarrow schema of this catalog, with mcdm metadata (version, units, run)."""
        import pyarrow as pa

        fields = []
        for name in self.df.columns:
            kind = {**REQUIRED_COLUMNS, **OPTIONAL_COLUMNS}.get(name, (None,))[0]
            if kind is None:
                fields.append(pa.field(name, pa.Array.from_pandas(self.df[name]).type))
            else:
                fields.append(pa.field(name, getattr(pa, kind)()))
        meta = {_META_KEYS["schema"]: SCHEMA.encode(),
                _META_KEYS["format_version"]: str(FORMAT_VERSION).encode(),
                _META_KEYS["version"]: __version__.encode(),
                _META_KEYS["units"]: json.dumps(self.units, sort_keys=True).encode(),
                _META_KEYS["run"]: json.dumps(self.run, sort_keys=True).encode()}
        return pa.schema(fields, metadata=meta)

    def to_parquet(self, path: str | os.PathLike[str]) -> Path:
        """Write the catalog to a Parquet file atomically; returns the path."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(self.df, schema=self.arrow_schema(), preserve_index=False)
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        return Path(path)

    @classmethod
    def read_parquet(cls, path: str | os.PathLike[str]) -> EventCatalog:
        """Read and validate a catalog written by :meth:`to_parquet`.

        Raises
        ------
        CatalogError
            If the file is not Parquet, has a newer format version, or misses/mistypes a
            required column.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            msg = f"cannot read {str(path)!r} as a Parquet event catalog: {exc}"
            raise CatalogError(msg) from exc
        meta = table.schema.metadata or {}
        name, raw = meta.get(_META_KEYS["schema"]), meta.get(_META_KEYS["format_version"])
        check_schema(None if name is None else name.decode(errors="replace"),
                     None if raw is None else raw.decode(errors="replace"), schema=SCHEMA,
                     current=FORMAT_VERSION, where=repr(str(path)), key="format_version",
                     error=CatalogError)
        _check_arrow_schema(table.schema, str(path))
        run = json.loads(meta.get(_META_KEYS["run"], b"{}"))
        units = json.loads(meta.get(_META_KEYS["units"], b"{}"))
        extra = {c: u for c, u in units.items() if u != unit_from_name(c)}
        df = table.to_pandas()
        for name in df.columns:  # strings come back as object (or Arrow-backed) columns
            if _arrow_kind(table.schema.field(name).type) == "string":
                df[name] = df[name].astype(object)
        return cls(df, run=run, units=extra)

    # ------------------------------------------------------------------ FITS
    def to_fits(self, path: str | os.PathLike[str]) -> Path:
        """Write an ``EVENTS`` binary-table FITS file (astropy) atomically; returns the path.

        Units go into the column ``TUNIT`` keywords; the header holds ``TIMESYS='UTC'``,
        ``MJDREFI=0``, ``MJDREFF=0``, ``TIMEUNIT='d'`` (``time_mjd`` is the MJD itself), the
        format and mcdm versions and the run metadata as JSON (``MCDMRUN``, long-string card).
        """
        from astropy.table import Table

        table = Table.from_pandas(self.df)
        for name, unit in self.units.items():
            if unit and name != "time_utc":
                table[name].unit = unit
        table.meta.update({"EXTNAME": "EVENTS", "TIMESYS": "UTC", "TIMEUNIT": "d",
                           "MJDREFI": 0, "MJDREFF": 0.0, "MCDMFMT": FORMAT_VERSION,
                           "MCDMVER": __version__,
                           "MCDMRUN": json.dumps(self.run, sort_keys=True)})
        with atomic_path(path) as tmp:
            table.write(tmp, format="fits", overwrite=True)
        return Path(path)


def _check_arrow_schema(schema: Any, where: str) -> None:
    names = list(schema.names)
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        msg = (f"event catalog {where} lacks required column(s) {missing}; required: "
               f"{list(REQUIRED_COLUMNS)}")
        raise CatalogError(msg)
    for name, (kind, _) in {**REQUIRED_COLUMNS, **OPTIONAL_COLUMNS}.items():
        if name in names:
            got = _arrow_kind(schema.field(name).type)
            if got != kind:
                msg = (f"event catalog {where}: column {name!r} has type {schema.field(name).type}"
                       f", expected {kind}")
                raise CatalogError(msg)


def _validate_frame(df: Any) -> Any:
    """Check required/optional columns of a DataFrame and return a copy in canonical dtypes."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        msg = f"an EventCatalog wraps a pandas DataFrame, got {type(df).__name__}"
        raise CatalogError(msg)
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        msg = (f"event catalog lacks required column(s) {missing}; required: "
               f"{list(REQUIRED_COLUMNS)}")
        raise CatalogError(msg)
    out = df.reset_index(drop=True).copy()
    for name, (kind, _) in {**REQUIRED_COLUMNS, **OPTIONAL_COLUMNS}.items():
        if name not in out.columns:
            continue
        col = out[name]
        if kind == "int64":
            ok = pd.api.types.is_integer_dtype(col) and not pd.api.types.is_bool_dtype(col)
            if ok:
                out[name] = col.astype(np.int64)
        elif kind == "float64":
            ok = pd.api.types.is_float_dtype(col) or (
                pd.api.types.is_integer_dtype(col) and not pd.api.types.is_bool_dtype(col))
            if ok:
                out[name] = col.astype(np.float64)
        else:
            ok = bool(col.map(lambda v: isinstance(v, str)).all())
            if ok:
                out[name] = col.astype(object)
        if not ok:
            msg = f"event catalog column {name!r} has dtype {col.dtype}, expected {kind}"
            raise CatalogError(msg)
    return out

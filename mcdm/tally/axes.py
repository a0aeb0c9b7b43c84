"""Factories of named, unit-labelled boost-histogram axes for tallies.

Every axis carries ``metadata = {"name": ..., "label": ..., "unit": ...}`` so a
:class:`~mcdm.tally.Tally` can refer to it by name (``"time"``, ``"hour"``, ``"sidereal_phase"``,
``"energy"``, ``"isotope"``, ``"layer"``), plots can label it and tables can put its unit in a
column name. ``unit`` is an astropy-parsable string, or ``""`` for dimensionless and categorical
axes.

Examples
--------
>>> import numpy as np
>>> from mcdm.tally.axes import time_axis, energy_axis
>>> ax = time_axis(np.linspace(51544.0, 51545.0, 25))
>>> ax.metadata["name"], ax.metadata["unit"]
('time', 'd')
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import boost_histogram as bh
import numpy as np

from mcdm.errors import ConfigError

__all__ = [
    "axis_metadata",
    "axis_name",
    "make_metadata",
    "time_axis",
    "hour_axis",
    "sidereal_phase_axis",
    "energy_axis",
    "isotope_axis",
    "layer_axis",
    "variable_axis",
    "regular_axis",
    "category_axis",
]


def make_metadata(name: str, label: str, unit: str = "") -> dict[str, str]:
    """Return the metadata dict every mcdm axis carries: ``{"name", "label", "unit"}``."""
    if not isinstance(name, str) or not name:
        msg = f"axis name must be a non-empty string, got {name!r}"
        raise ConfigError(msg)
    return {"name": name, "label": str(label), "unit": str(unit)}


def axis_metadata(axis: Any) -> dict[str, str]:
    """Metadata dict of ``axis``; missing entries (axes built outside mcdm) are ``""``."""
    meta = getattr(axis, "metadata", None)
    if not isinstance(meta, dict):
        meta = {}
    return {"name": str(meta.get("name", "")), "label": str(meta.get("label", "")),
            "unit": str(meta.get("unit", ""))}


def axis_name(axis: Any) -> str:
    """Name of ``axis`` (``""`` if it has none)."""
    return axis_metadata(axis)["name"]


def _edges(edges: Any, field: str) -> np.ndarray:
    arr = np.asarray(edges, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 2:
        msg = f"{field} must be a 1-D sequence of at least 2 bin edges, got shape {arr.shape}"
        raise ConfigError(msg)
    if not np.all(np.isfinite(arr)):
        msg = f"{field} must be finite, got {arr[~np.isfinite(arr)][:3].tolist()}"
        raise ConfigError(msg)
    if np.any(np.diff(arr) <= 0):
        i = int(np.argmax(np.diff(arr) <= 0))
        msg = (f"{field} must be strictly increasing; edge {i + 1} ({arr[i + 1]!r}) "
               f"is not above edge {i} ({arr[i]!r})")
        raise ConfigError(msg)
    return arr


def _positive_int(n: Any, field: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        msg = f"{field} must be a positive integer number of bins, got {n!r}"
        raise ConfigError(msg)
    return int(n)


def variable_axis(edges: Sequence[float], name: str, label: str,
                  unit: str = "") -> bh.axis.Variable:
    """Axis with arbitrary increasing bin ``edges`` [``unit``], with under/overflow bins."""
    return bh.axis.Variable(_edges(edges, f"{name} axis edges"),
                            metadata=make_metadata(name, label, unit))


def regular_axis(n: int, start: float, stop: float, name: str, label: str, unit: str = "",
                 circular: bool = False) -> bh.axis.Regular:
    """Axis of ``n`` equal bins from ``start`` to ``stop`` [``unit``]; ``circular`` wraps values."""
    n = _positive_int(n, f"{name} axis bin count")
    if not (np.isfinite(start) and np.isfinite(stop) and stop > start):
        msg = f"{name} axis range must be finite with stop > start, got [{start!r}, {stop!r}]"
        raise ConfigError(msg)
    return bh.axis.Regular(n, float(start), float(stop), circular=bool(circular),
                           metadata=make_metadata(name, label, unit))


def category_axis(names: Iterable[str], name: str, label: str) -> bh.axis.StrCategory:
    """Axis of named categories; values not in ``names`` go to the overflow ("other") bin."""
    cats = [str(c) for c in names]
    if not cats:
        msg = f"{name} axis needs at least one category name"
        raise ConfigError(msg)
    dup = sorted({c for c in cats if cats.count(c) > 1})
    if dup:
        msg = f"{name} axis categories must be unique; repeated: {dup}"
        raise ConfigError(msg)
    return bh.axis.StrCategory(cats, metadata=make_metadata(name, label, ""))


def time_axis(edges_mjd: Any) -> bh.axis.Variable:
    """Time axis with bin edges in UTC Modified Julian Date [d].

    Parameters
    ----------
    edges_mjd : array_like or astropy.time.Time
        Increasing bin edges as UTC MJD [d]; an astropy ``Time`` is converted with ``.utc.mjd``.
    """
    if hasattr(edges_mjd, "utc") and hasattr(edges_mjd, "mjd"):  # astropy Time
        edges_mjd = edges_mjd.utc.mjd
    return variable_axis(edges_mjd, "time", "Time (UTC MJD)", "d")


def hour_axis(n: int = 24, circular: bool = False) -> bh.axis.Regular:
    """Hour-of-day axis: ``n`` equal bins over 0-24 [h]; ``circular=True`` wraps 24 h onto 0 h."""
    return regular_axis(n, 0.0, 24.0, "hour", "Hour of day (UTC)", "h", circular=circular)


def sidereal_phase_axis(n: int = 24) -> bh.axis.Regular:
    """Circular sidereal-phase axis: ``n`` equal bins over [0, 1) of a sidereal day [dimensionless].

    Phases outside [0, 1) wrap around (phase 1.1 falls in the bin of 0.1).
    """
    return regular_axis(n, 0.0, 1.0, "sidereal_phase", "Sidereal phase", "", circular=True)


def energy_axis(edges: Any, unit: str = "keV") -> bh.axis.Variable:
    """Energy axis with increasing bin ``edges`` [``unit``, keV by default].

    An astropy ``Quantity`` is converted to ``unit`` first.
    """
    if hasattr(edges, "unit") and hasattr(edges, "to_value"):  # astropy Quantity
        edges = edges.to_value(unit)
    return variable_axis(edges, "energy", "Energy", unit)


def isotope_axis(names: Iterable[str]) -> bh.axis.StrCategory:
    """Category axis of target isotopes (``["O16", "Si28", ...]``); others go to overflow."""
    return category_axis(names, "isotope", "Isotope")


def layer_axis(names: Iterable[str]) -> bh.axis.StrCategory:
    """Category axis of geometry layers (``["core", "mantle", ...]``); others go to overflow."""
    return category_axis(names, "layer", "Layer")

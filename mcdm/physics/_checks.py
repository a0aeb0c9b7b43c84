"""Input guards of the physics functions: plain floats and arrays in range, or a ConfigError.

Every public function of :mod:`mcdm.physics` passes its physical parameters through these before
any arithmetic, so a wrong type, NaN, ±inf, a negative mass or a speed above c ends with one
:class:`~mcdm.errors.ConfigError` naming the parameter, never a numpy warning or a NaN from deep
inside. The ranges keep every intermediate inside the float range:

* masses in [1e-30, 1e30] GeV, splittings in [0, 1e30] GeV;
* speeds in [0, c] km/s (the kinematics are non-relativistic), cosines in [-1, 1];
* momentum transfers and recoil energies finite and >= 0.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from mcdm.constants import C_KM_S
from mcdm.errors import ConfigError

__all__ = ["MASS_RANGE_GEV", "real", "scalar", "array", "mass", "speeds", "cosines"]

#: the masses the physics functions accept [GeV] (1e-30 GeV ~ 1e-21 eV .. 1e30 GeV)
MASS_RANGE_GEV = (1e-30, 1e30)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def real(value: Any, field: str, unit: str) -> float:
    """``value`` as a float (±inf for ints beyond the float range); ConfigError if not a number."""
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (complex, np.complexfloating)):
        raise ConfigError(f"{field} must be a real number [{unit}], got {_show(value)}")
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
    except (TypeError, ValueError):
        raise ConfigError(f"{field} must be a real number [{unit}], got {_show(value)}") from None


def _range_text(ge: float | None, gt: float | None, le: float | None, lt: float | None) -> str:
    parts = [f"{op} {b:g}" for op, b in ((">=", ge), (">", gt), ("<=", le), ("<", lt)) if b is not None]
    return " and ".join(parts)


def scalar(value: Any, field: str, unit: str, *, ge: float | None = None, gt: float | None = None,
           le: float | None = None, lt: float | None = None) -> float:
    """``value`` as a finite float inside the bounds; ConfigError naming ``field`` otherwise."""
    x = real(value, field, unit)
    ok = (math.isfinite(x) and (ge is None or x >= ge) and (gt is None or x > gt)
          and (le is None or x <= le) and (lt is None or x < lt))
    if not ok:
        bounds = _range_text(ge, gt, le, lt)
        raise ConfigError(f"{field} must be a finite number{' ' + bounds if bounds else ''} [{unit}], "
                          f"got {_show(value)}")
    return x


def array(value: Any, field: str, unit: str, *, ge: float | None = None, gt: float | None = None,
          le: float | None = None, lt: float | None = None) -> np.ndarray:
    """``value`` as a float array, every entry finite and inside the bounds; ConfigError otherwise."""
    if isinstance(value, (complex, np.complexfloating)) or (
            isinstance(value, np.ndarray) and value.dtype.kind == "c"):
        raise ConfigError(f"{field} must be real numbers [{unit}], got {_show(value)}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{field} must be a number or an array of numbers [{unit}], "
                          f"got {_show(value)}") from None
    with np.errstate(invalid="ignore"):
        ok = (np.isfinite(arr) & (arr >= ge if ge is not None else True)
              & (arr > gt if gt is not None else True) & (arr <= le if le is not None else True)
              & (arr < lt if lt is not None else True))
    if not np.all(ok):
        bad = arr[~np.broadcast_to(ok, arr.shape)].ravel()[:3].tolist()
        bounds = _range_text(ge, gt, le, lt)
        raise ConfigError(f"{field} must be finite{' and ' + bounds if bounds else ''} [{unit}]; "
                          f"got e.g. {bad}")
    return arr


def mass(value: Any, field: str) -> float:
    """A mass in :data:`MASS_RANGE_GEV` [GeV]."""
    return scalar(value, field, "GeV", ge=MASS_RANGE_GEV[0], le=MASS_RANGE_GEV[1])


def speeds(value: Any, field: str) -> np.ndarray:
    """Speeds in [0, c] [km/s] as a float array."""
    return array(value, field, "km/s", ge=0.0, le=C_KM_S)


def cosines(value: Any, field: str) -> np.ndarray:
    """Cosines in [-1, 1] as a float array."""
    return array(value, field, "1", ge=-1.0, le=1.0)

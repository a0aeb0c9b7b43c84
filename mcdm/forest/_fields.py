"""Shared validation of frozen parameter dataclasses of :mod:`mcdm.forest`."""
from __future__ import annotations

import math
from typing import Any, Mapping

from mcdm.errors import ConfigError

__all__ = ["coerce_bounded"]


def coerce_bounded(obj: Any, bounds: Mapping[str, tuple[float, float]]) -> None:
    """Set each named field of the frozen dataclass ``obj`` to its float value, checking that it is
    finite and within [lo, hi]; raise a ConfigError naming the field otherwise."""
    for name, (lo, hi) in bounds.items():
        value = getattr(obj, name)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a number, got {value!r}") from None
        if not (math.isfinite(value) and lo <= value <= hi):
            raise ConfigError(f"{name} must be finite and in [{lo:g}, {hi:g}], got {value!r}")
        object.__setattr__(obj, name, value)

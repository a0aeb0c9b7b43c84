"""The project's own exception types.

Every problem a user can cause (a malformed config, an unknown site, a wrong unit, a value out
of range) raises a subclass of :class:`McdmError` with a sentence naming the field, the bad
value and what is allowed. Nothing from deep inside numpy or astropy reaches the user.

:class:`PhysicsWarning` is not an error: a physically legal input whose answer is trivially zero
(the splitting is above every kinematic threshold, a window of speeds is empty, every bin has
zero rate) returns zeros and says so with this warning, never NaN.
"""
from __future__ import annotations

__all__ = ["McdmError", "ConfigError", "UnitError", "GeometryError", "DataLibraryError",
           "PhysicsWarning"]


class McdmError(Exception):
    """Base class of every error mcdm raises on purpose."""


class ConfigError(McdmError, ValueError):
    """A run configuration is malformed or has a value out of its allowed range."""


class UnitError(ConfigError):
    """A quantity has no unit, an unknown unit, or a unit of the wrong dimension."""


class GeometryError(McdmError, ValueError):
    """A geometry description (layers, materials, sites) is inconsistent."""


class DataLibraryError(McdmError, LookupError):
    """A named entry (site, Earth model, material, nuclide) is not in the geometry library."""


class PhysicsWarning(UserWarning):
    """A legal input gives a trivially zero answer (empty kinematic window, zero-rate bins)."""

"""Halo velocity models, the Earth's velocity, time grids and reference frames.

Modules that use astropy time/coordinates call :func:`mcdm.source.iers.configure_offline` on
import, so nothing is downloaded at run time.
"""
from __future__ import annotations

from mcdm.source.earth_velocity import (
    EARTH_VELOCITY_MODELS,
    V_LSR,
    V_PEC,
    days_since_j2000,
    earth_velocity,
)
from mcdm.source.frames import (
    altaz_of_galactic_vectors,
    enu_to_altaz,
    galactic_to_enu_matrices,
    galactic_to_icrs_matrix,
    icrs_to_enu_matrices,
    icrs_to_itrs_matrices,
    itrs_to_enu_matrix,
    radec_to_unit,
    unit_to_radec,
)
from mcdm.source.halo import StandardHaloModel
from mcdm.source.iers import configure_offline
from mcdm.source.timegrid import TIME_GRID_KINDS, TimeGrid

__all__ = [
    "StandardHaloModel",
    "earth_velocity",
    "days_since_j2000",
    "EARTH_VELOCITY_MODELS",
    "V_LSR",
    "V_PEC",
    "TimeGrid",
    "TIME_GRID_KINDS",
    "configure_offline",
    "galactic_to_icrs_matrix",
    "icrs_to_itrs_matrices",
    "itrs_to_enu_matrix",
    "icrs_to_enu_matrices",
    "galactic_to_enu_matrices",
    "enu_to_altaz",
    "altaz_of_galactic_vectors",
    "radec_to_unit",
    "unit_to_radec",
]

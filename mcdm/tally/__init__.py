"""Tallies: named, unit-labelled histograms of Monte Carlo estimates with their errors.

A :class:`Tally` is a boost-histogram with ``Weight`` storage (Σw and Σw² per bin) plus the number
of histories scored and the quantity/unit scored. Axes come from the factories in
:mod:`mcdm.tally.axes`; shards add with ``+`` or :meth:`Tally.sum`.
"""
from __future__ import annotations

from mcdm.tally.axes import (
    axis_metadata,
    axis_name,
    category_axis,
    energy_axis,
    hour_axis,
    isotope_axis,
    layer_axis,
    regular_axis,
    sidereal_phase_axis,
    time_axis,
    variable_axis,
)
from mcdm.tally.tally import FORMAT_VERSION, Tally, TallyError, sum_tallies

__all__ = [
    "FORMAT_VERSION",
    "Tally",
    "TallyError",
    "sum_tallies",
    "axis_metadata",
    "axis_name",
    "category_axis",
    "energy_axis",
    "hour_axis",
    "isotope_axis",
    "layer_axis",
    "regular_axis",
    "sidereal_phase_axis",
    "time_axis",
    "variable_axis",
]

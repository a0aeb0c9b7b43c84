"""Benchmarks of mcdm: throughput, time to precision, scaling and overheads (not part of the tests).

``python3 -m benchmarks`` (from the repository root) measures every group and rewrites
``results/benchmarks.md``; see ``benchmarks/README.md``. Each group is a module with a
``measure(quick: bool) -> dict`` function; :mod:`benchmarks.render` turns the dicts into Markdown.
"""
from __future__ import annotations

__all__ = ["GROUPS"]

#: group name (``--only NAME``) -> module, in the order of the report
GROUPS = {
    "kernels": "benchmarks.kernels",
    "halo": "benchmarks.halo",
    "halo_flux": "benchmarks.halo_flux",
    "transport": "benchmarks.transport",
    "pearls": "benchmarks.pearls",
    "forest": "benchmarks.forest",
    "nuggets": "benchmarks.nuggets",
    "idm": "benchmarks.idm",
    "global_signal": "benchmarks.global_signal",
    "midm": "benchmarks.midm",
    "scan": "benchmarks.scan",
    "scaling": "benchmarks.scaling",
    "dask_overhead": "benchmarks.dask_overhead",
}

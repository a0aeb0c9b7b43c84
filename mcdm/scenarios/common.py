"""What every halo-driven scenario resolves from a config: halo, site, Earth, time grid and frames."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mcdm.config import RunConfig
from mcdm.constants import SIDEREAL_DAY_S

__all__ = ["SiteFrames", "resolve_site_frames", "earth_options", "concatenate_rows"]


@dataclass(frozen=True)
class SiteFrames:
    """Resolved world of a run (Python objects for reporting, arrays for kernels).

    u_earth : (T, 3) Earth velocity at the bin centres, galactic (U, V, W) [km/s]
    rotations : (T, 3, 3) galactic -> local East-North-Up at the bin centres
    detector_position : (3,) ENU with the Earth's centre at the origin [km]
    bin_edges_mjd : (T+1,) UTC MJD [d]
    """

    halo: Any
    site: Any
    earth: Any
    grid: Any
    u_earth: np.ndarray
    rotations: np.ndarray
    detector_position: np.ndarray
    bin_edges_mjd: np.ndarray


def earth_options(cfg: RunConfig) -> dict[str, str]:
    """The [earth] options that the chosen model declares (e.g. PREM's ``ocean``)."""
    from mcdm.geometry import library

    declared = library.read_entry(library.entry_path("earth", cfg.earth.model)).get("options", {})
    return {"ocean": cfg.earth.ocean} if "ocean" in declared else {}


def resolve_site_frames(cfg: RunConfig) -> SiteFrames:
    """Load the halo model, site and Earth model, build the time grid and the per-bin frames."""
    from mcdm.geometry import library
    from mcdm.source import StandardHaloModel, TimeGrid, earth_velocity, galactic_to_enu_matrices

    halo = StandardHaloModel(v0=cfg.halo.v0, v_esc=cfg.halo.v_esc, rho_chi=cfg.halo.rho)
    site = library.load_site(cfg.site.name)
    earth = library.load_earth(cfg.earth.model, **earth_options(cfg))
    width = cfg.time.width if cfg.time.kind == "solar" else SIDEREAL_DAY_S / cfg.time.bins
    grid = TimeGrid(start=cfg.time.start, bin_width=width, n_bins=cfg.time.bins, kind=cfg.time.kind)
    centres = grid.centres
    u_e = earth_velocity(centres, model=cfg.halo.earth_velocity, v_lsr=cfg.halo.v_lsr, v_pec=cfg.halo.v_pec)
    rot = galactic_to_enu_matrices(centres, site.latitude_deg, site.longitude_deg)
    return SiteFrames(
        halo=halo,
        site=site,
        earth=earth,
        grid=grid,
        u_earth=np.ascontiguousarray(u_e, dtype=float),
        rotations=np.ascontiguousarray(rot, dtype=float),
        detector_position=np.array([0.0, 0.0, site.detector_radius(earth)]),
        bin_edges_mjd=np.asarray(grid.edges.mjd, dtype=float),
    )


def concatenate_rows(a: Any, b: Any) -> Any:
    """Shard results that are rows of a table (a dataclass of numpy arrays plus a ``seconds`` float):
    ``a`` then ``b``, arrays concatenated along the first axis and the CPU seconds added."""
    import dataclasses

    values = {}
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        values[f.name] = np.concatenate([x, y]) if isinstance(x, np.ndarray) else x + y
    return type(a)(**values)

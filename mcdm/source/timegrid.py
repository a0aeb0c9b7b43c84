"""Time grids: contiguous bins of equal duration in UTC, solar or sidereal.

A ``"solar"`` grid has bins of 86400 s / ``bins_per_day``; a ``"sidereal"`` grid has bins of
one mean sidereal day (86164.0905 s) / ``bins_per_day``, so that bin k of every sidereal day sees
the sky in the same orientation. Durations are elapsed SI seconds (astropy adds them across leap
seconds correctly); the sidereal day is strictly in UT1 seconds, a difference of < 1e-8.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mcdm.constants import SECONDS_PER_DAY, SIDEREAL_DAY_S
from mcdm.errors import ConfigError
from mcdm.source.iers import configure_offline

__all__ = ["TimeGrid", "TIME_GRID_KINDS"]

configure_offline()

#: allowed grid kinds -> length of the day that ``bins`` divides [s]
TIME_GRID_KINDS = {"solar": SECONDS_PER_DAY, "sidereal": SIDEREAL_DAY_S}


def _parse_time(value: Any, field: str):
    from astropy.time import Time

    if isinstance(value, Time):
        return value.utc
    try:
        t = Time(value, scale="utc")
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"{field}: cannot read {value!r} as a UTC time "
            f"(write e.g. '2000-01-01T00:00:00'): {exc}"
        ) from None
    if not t.isscalar:
        raise ConfigError(f"{field}: expected a single time, got {value!r}")
    return t


@dataclass(frozen=True)
class TimeGrid:
    """Contiguous time bins of equal width.

    Attributes
    ----------
    start : astropy.time.Time
        Start of the first bin (UTC, scalar).
    bin_width : float
        Width of every bin [s].
    n_bins : int
        Number of bins.
    kind : {"solar", "sidereal"}
        How the width was chosen (a whole day of that kind divided into equal bins).
    """

    start: Any
    bin_width: float
    n_bins: int
    kind: str = "solar"

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _parse_time(self.start, "time.start"))
        if self.kind not in TIME_GRID_KINDS:
            raise ConfigError(
                f"time.kind: unknown kind {self.kind!r}; choose one of {list(TIME_GRID_KINDS)}"
            )
        try:
            width = float(self.bin_width)
        except (TypeError, ValueError):
            width = math.nan
        if not (math.isfinite(width) and width > 0.0):
            raise ConfigError(
                f"time.bin_width: must be a finite duration > 0 s, got {self.bin_width!r}"
            )
        object.__setattr__(self, "bin_width", width)
        n = self.n_bins
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ConfigError(f"time.bins: number of bins must be an integer >= 1, got {n!r}")
        object.__setattr__(self, "n_bins", int(self.n_bins))

    @classmethod
    def from_config(
        cls,
        start: Any = "2000-01-01T00:00:00",
        stop: Any = None,
        bins: int = 24,
        kind: str = "solar",
    ) -> "TimeGrid":
        """Build a grid of ``bins`` bins per (solar or sidereal) day from ``start`` to ``stop``.

        Parameters
        ----------
        start : str or astropy.time.Time
            Start of the first bin (UTC).
        stop : str or astropy.time.Time or None
            End of the grid (UTC); default one day of ``kind`` after ``start``. The grid covers
            [start, stop] with whole bins: the number of bins is (stop - start)/width, rounded up
            unless within 1e-6 of an integer, so the last bin may end after ``stop``.
        bins : int
            Bins per day of ``kind`` (24 -> hourly solar or sidereal-hour bins).
        kind : {"solar", "sidereal"}
            Day length divided into ``bins``: 86400 s or 86164.0905 s.
        """
        if kind not in TIME_GRID_KINDS:
            raise ConfigError(
                f"time.kind: unknown kind {kind!r}; choose one of {list(TIME_GRID_KINDS)}"
            )
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
            raise ConfigError(f"time.bins: bins per day must be an integer >= 1, got {bins!r}")
        t0 = _parse_time(start, "time.start")
        width = TIME_GRID_KINDS[kind] / int(bins)
        if stop is None:
            n = int(bins)
        else:
            t1 = _parse_time(stop, "time.stop")
            span = (t1 - t0).to_value("s")
            if not span > 0.0:
                raise ConfigError(f"time.stop: must be after time.start = {t0.isot}, got {t1.isot}")
            ratio = span / width
            n = int(round(ratio)) if abs(ratio - round(ratio)) < 1e-6 else int(math.ceil(ratio))
        return cls(start=t0, bin_width=width, n_bins=max(n, 1), kind=kind)

    def __len__(self) -> int:
        return self.n_bins

    @property
    def duration(self) -> float:
        """Total span of the grid [s]."""
        return self.n_bins * self.bin_width

    def _offsets(self, values: np.ndarray):
        from astropy.time import TimeDelta

        return self.start + TimeDelta(values * self.bin_width, format="sec")

    @property
    def edges(self):
        """Bin edges, n_bins + 1 UTC times (astropy Time)."""
        return self._offsets(np.arange(self.n_bins + 1, dtype=float))

    @property
    def centres(self):
        """Bin centres, n_bins UTC times (astropy Time)."""
        return self._offsets(np.arange(self.n_bins, dtype=float) + 0.5)

    @property
    def centres_mjd(self) -> np.ndarray:
        """Bin centres as UTC modified Julian dates, shape (n_bins,) [d]."""
        return np.asarray(self.centres.utc.mjd, dtype=float)

    @property
    def edges_mjd(self) -> np.ndarray:
        """Bin edges as UTC modified Julian dates, shape (n_bins + 1,) [d]."""
        return np.asarray(self.edges.utc.mjd, dtype=float)

    def local_sidereal_time(self, lon_deg: float, kind: str = "apparent") -> np.ndarray:
        """Local sidereal time at the bin centres, shape (n_bins,) [rad] in [0, 2π).

        Parameters
        ----------
        lon_deg : float
            East longitude [deg].
        kind : {"apparent", "mean"}
            Apparent (true equinox) or mean sidereal time (IAU 2006 models via astropy).
        """
        import astropy.units as u

        if kind not in ("apparent", "mean"):
            raise ConfigError(f"sidereal time kind: {kind!r}; choose 'apparent' or 'mean'")
        lon = float(lon_deg)
        if not math.isfinite(lon):
            raise ConfigError(f"lon_deg: longitude must be finite degrees, got {lon_deg!r}")
        lst = self.centres.sidereal_time(kind, longitude=lon * u.deg)
        return np.asarray(lst.to_value(u.rad), dtype=float) % (2.0 * math.pi)

"""Offline IERS configuration for astropy: nothing is ever downloaded at run time.

Astropy needs Earth-orientation data (UT1-UTC, polar motion) and a leap-second table to turn UTC
into UT1 and to rotate between celestial and terrestrial frames. The bundled ``astropy-iers-data``
package carries both: definitive IERS-B/A values from 1973 and about one year of IERS-A
predictions after the package date (the installed version covers 1973 to late 2027).

:func:`configure_offline` makes astropy use only these bundled tables:

* ``auto_download = False``: no IERS-A or leap-second download is attempted;
* ``auto_max_age = None``: the age of the bundled predictions is not compared with the wall
  clock, so the same input time gives the same UT1 (and the same simulation) whatever day the
  code runs, and no "expired leap-second file" warning appears once the package is old.

Times before the bundled table or after its predictions raise astropy's IERS range error unless
``degraded_accuracy="warn"`` or ``"ignore"`` is passed (UT1-UTC is then taken as 0 and the
Earth-rotation phase is off by < 0.9 s, i.e. < 0.004 deg).
"""
from __future__ import annotations

__all__ = ["configure_offline", "DEGRADED_ACCURACY_CHOICES"]

#: allowed values of ``degraded_accuracy`` (astropy's ``iers.conf.iers_degraded_accuracy``)
DEGRADED_ACCURACY_CHOICES = ("error", "warn", "ignore")


def configure_offline(degraded_accuracy: str | None = None) -> None:
    """Make astropy use only its bundled IERS and leap-second tables. Idempotent.

    Parameters
    ----------
    degraded_accuracy : {"error", "warn", "ignore"} or None
        What astropy does for times outside the bundled IERS table. ``None`` (default) leaves
        astropy's setting alone (its default is ``"error"``).

    Raises
    ------
    mcdm.errors.ConfigError
        If ``degraded_accuracy`` is not one of the choices.
    """
    from astropy.utils import iers

    if degraded_accuracy is not None:
        if degraded_accuracy not in DEGRADED_ACCURACY_CHOICES:
            from mcdm.errors import ConfigError

            raise ConfigError(
                f"degraded_accuracy: {degraded_accuracy!r} is not allowed; "
                f"choose one of {list(DEGRADED_ACCURACY_CHOICES)}"
            )
        iers.conf.iers_degraded_accuracy = degraded_accuracy
    iers.conf.auto_download = False
    iers.conf.auto_max_age = None


def ut1_table_span() -> tuple[float, float]:
    """First and last UTC MJD [d] of the bundled Earth-orientation table (definitive + predicted).

    Outside this span astropy silently holds UT1-UTC at its last value (with ``auto_max_age =
    None``), so callers that need the real Earth rotation check times against it.
    """
    from astropy.utils import iers

    configure_offline()
    table = iers.earth_orientation_table.get()
    mjd = table["MJD"]
    return float(mjd[0].value if hasattr(mjd[0], "value") else mjd[0]), float(
        mjd[-1].value if hasattr(mjd[-1], "value") else mjd[-1]
    )

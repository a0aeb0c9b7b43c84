"""Velocity of the Earth with respect to the galactic rest frame, u_E(t) = v_LSR + v_pec + u_orb(t).

Components are galactic Cartesian [km/s]: U toward the Galactic centre, V along the Galactic
rotation, W toward the North Galactic Pole. Two models of the orbital part u_orb:

* ``"mccabe"`` (default, the seed-004 authors' code): McCabe, arXiv:1312.1355, as written in
  digest 004 §2.7, with n = days since J2000.0 = JD(UTC) - 2451545.0 (identical to the digest's
  calendar formula n = ⌊365.25 yy⌋ + ⌊30.61 (mm+1)⌋ + dd + h/24 - 730563.5);
* ``"astropy"``: the Earth's barycentric velocity from ``get_body_barycentric_posvel("earth", t)``
  (built-in ERFA epv00 ephemeris, offline) rotated from ICRS to galactic axes by
  :func:`mcdm.source.frames.galactic_to_icrs_matrix`. It agrees with ``"mccabe"`` to < 1 km/s.
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from mcdm.constants import C_KM_S
from mcdm.errors import ConfigError
from mcdm.source.frames import as_time
from mcdm.source.iers import configure_offline

__all__ = ["earth_velocity", "days_since_j2000", "EARTH_VELOCITY_MODELS", "V_LSR", "V_PEC"]

configure_offline()

#: allowed values of ``model``
EARTH_VELOCITY_MODELS = ("mccabe", "astropy")
#: local standard of rest (U, V, W) [km/s] (digest 004 §2.7)
V_LSR = (0.0, 220.0, 0.0)
#: solar peculiar velocity (U, V, W) [km/s] (Schönrich, Binney & Dehnen 2010; digest 004 §2.7)
V_PEC = (11.1, 12.2, 7.3)

_J2000_JD = 2451545.0


def _as_times(times: Any):
    """``times`` as a 1-D astropy Time (a scalar becomes length 1)."""
    if np.iscomplexobj(times) and not isinstance(times, str):
        raise ConfigError(f"times: cannot read the complex value {times!r:.40} as a time")
    times = as_time(times)
    return times.reshape((1,)) if times.isscalar else times.ravel()


def days_since_j2000(times: Any) -> np.ndarray:
    """Days since J2000.0 (2000-01-01 12:00) counted on the UTC calendar, shape (T,) [d]."""
    utc = _as_times(times).utc
    return (utc.jd1 - _J2000_JD) + utc.jd2


def _mccabe_orbit(n: np.ndarray) -> np.ndarray:
    """Earth's orbital velocity, McCabe (2014) form, digest 004 §2.7; ``n`` [d] -> (T, 3) [km/s]."""
    t_cent = n / 36525.0
    e = np.radians(0.9574)  # eccentricity term, 0.9574 deg in radians
    omega = np.radians(282.932 + 0.0000471 * n)
    lam = np.radians(280.460 + 0.9856474 * n)
    eps_x = np.stack(
        [
            0.054876 - 0.024232 * t_cent,
            -0.494109 - 0.002689 * t_cent,
            0.867666 + 0.000001546 * t_cent,
        ],
        axis=-1,
    )
    eps_y = np.stack(
        [0.993821 + 0.001316 * t_cent, 0.110992 - 0.011851 * t_cent, 0.000352 + 0.021267 * t_cent],
        axis=-1,
    )
    a = -(np.sin(lam) + e * np.sin(2.0 * lam - omega))
    b = np.cos(lam) + e * np.cos(2.0 * lam - omega)
    return 29.79 * (a[:, None] * eps_x + b[:, None] * eps_y)


def _astropy_orbit(times) -> np.ndarray:
    """Earth's barycentric velocity in galactic axes, (T, 3) [km/s]."""
    import astropy.units as u
    from astropy.coordinates import get_body_barycentric_posvel

    from mcdm.source.frames import galactic_to_icrs_matrix

    _, vel = get_body_barycentric_posvel("earth", times)
    v_icrs = vel.xyz.to_value(u.km / u.s).T.reshape(-1, 3)  # (T, 3) ICRS axes
    return v_icrs @ galactic_to_icrs_matrix()  # v_gal = M^T v_icrs


def _vector(value: Sequence[float], field: str) -> np.ndarray:
    """Three finite speeds (U, V, W), each |.| <= c [km/s]."""
    try:
        v = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(
            f"{field}: expected three speeds (U, V, W) in km/s, got {value!r:.80}"
        ) from None
    if v.shape != (3,) or not np.all(np.isfinite(v)):
        raise ConfigError(f"{field}: expected three finite speeds (U, V, W) in km/s, got {value!r:.80}")
    if np.any(np.abs(v) > C_KM_S):
        raise ConfigError(f"{field}: speeds must be within ±c = {C_KM_S:.0f} km/s, got {value!r:.80}")
    return v


def earth_velocity(
    times: Any,
    model: str = "mccabe",
    v_lsr: Sequence[float] = V_LSR,
    v_pec: Sequence[float] = V_PEC,
) -> np.ndarray:
    """Earth's velocity through the halo in galactic Cartesian components.

    Parameters
    ----------
    times : astropy.time.Time or anything Time accepts (UTC)
        Scalar or array of epochs.
    model : {"mccabe", "astropy"}
        Model of the Earth's orbital velocity (see module docstring).
    v_lsr : sequence of 3 floats
        Local standard of rest (U, V, W) [km/s].
    v_pec : sequence of 3 floats
        Solar peculiar velocity (U, V, W) [km/s].

    Returns
    -------
    ndarray, shape (T, 3)
        u_E [km/s]; T = 1 for a scalar time, otherwise the flattened number of times.
    """
    if model not in EARTH_VELOCITY_MODELS:
        raise ConfigError(
            f"earth_velocity.model: unknown model {model!r}; "
            f"choose one of {list(EARTH_VELOCITY_MODELS)}"
        )
    base = _vector(v_lsr, "v_lsr") + _vector(v_pec, "v_pec")
    t = _as_times(times)
    with warnings.catch_warnings():
        # ERFA's "dubious year" (an epoch past the leap-second table): UTC - TAI may be off by a
        # few seconds there, which moves u_E by < 1e-4 km/s; not worth a warning
        warnings.filterwarnings("ignore", message=".*dubious year", category=Warning)
        if model == "mccabe":
            orbit = _mccabe_orbit(days_since_j2000(t))
        else:
            orbit = _astropy_orbit(t)
    return base[None, :] + orbit

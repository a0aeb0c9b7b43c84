"""Upscatter kinematics chi + N -> chi_2 + N in the Earth frame, in km/s at the boundary
(seed 004, digest 004 §2.5 and §2.10).

Vectorised numpy functions built on the kernels of :mod:`mcdm.kernels.kinematics` (which hold the
exact non-relativistic two-body map; the printed equations are its leading order in delta/M):

* :func:`nucleus_mass` -- target mass from the nuclide table or amu * A;
* :func:`threshold_speed_km_s`, :func:`max_delta` -- kinematic reach (digest 004 §2.5 table);
* :func:`theta_lab_max` (Eq. 38), :func:`lab_speeds` (Eqs. 37/39), :func:`jacobian_pm` (the
  unnumbered J_pm below Eq. 39), :func:`recoil_energies_pm` (E_R and q for the two branches);
* :func:`kinematic_closure`, :func:`require_kinematic_reach` -- which isotopes can upscatter.

Speeds in km/s, masses and energies in GeV, angles in rad. Branches that do not exist (below
threshold, outside the forward cone, or the slow branch of light DM) are returned as nan.
Inputs are checked first (:mod:`mcdm.physics._checks`): masses in [1e-30, 1e30] GeV, splittings
>= 0, speeds in [0, c], cosines in [-1, 1]; anything else raises a ConfigError naming it.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from mcdm.constants import C_KM_S, convention
from mcdm.errors import ConfigError
from mcdm.kernels.kinematics import cm_speeds_array, recoil_energy_array
from mcdm.physics import _checks

__all__ = [
    "nucleus_mass",
    "reduced_mass",
    "threshold_speed_km_s",
    "max_delta",
    "cm_speeds_km_s",
    "theta_lab_max",
    "lab_speeds",
    "cos_cm_pm",
    "jacobian_pm",
    "recoil_energies_pm",
    "recoil_energy_eq34",
    "kinematic_closure",
    "require_kinematic_reach",
]

_GEV_TO_KEV = 1.0e6
#: heaviest mass number accepted by :func:`nucleus_mass`
_MAX_MASS_NUMBER = 300


def _masses(m_chi: Any, m_nucleus: Any) -> tuple[float, float]:
    return _checks.mass(m_chi, "m_chi"), _checks.mass(m_nucleus, "m_nucleus")


def _delta(delta: Any) -> float:
    return _checks.scalar(delta, "delta", "GeV", ge=0.0, le=_checks.MASS_RANGE_GEV[1])


def _broadcast(v: np.ndarray, c: np.ndarray, v_name: str, c_name: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        return np.broadcast_arrays(v, c)
    except ValueError:
        raise ConfigError(f"{v_name} (shape {v.shape}) and {c_name} (shape {c.shape}) do not broadcast") from None


def nucleus_mass(nuclide: Any, convention_name: str = "codata") -> float:
    """Mass of a target nucleus [GeV].

    Parameters
    ----------
    nuclide : str, Nuclide or int
        A nuclide name (``"Al27"``, ``"27Al"``), a :class:`mcdm.geometry.nuclide.Nuclide`, or a
        bare mass number A.
    convention_name : str
        ``"codata"`` (default): the atomic mass of the nuclide table (``mass_u * u``; a bare A
        gives A u). Any other constants set (e.g. ``"seed004_code"``): ``amu * A`` with that
        set's amu (0.93149 GeV, the authors' code).
    """
    conv = convention(convention_name)
    if isinstance(nuclide, (int, np.integer)) and not isinstance(nuclide, bool):
        if not 1 <= nuclide <= _MAX_MASS_NUMBER:
            raise ConfigError(f"mass number A must be in [1, {_MAX_MASS_NUMBER}], got {nuclide!r:.40}")
        return conv.amu * int(nuclide)
    if isinstance(nuclide, str):
        from mcdm.geometry.library import load_nuclides

        nuclide = load_nuclides().nuclide(nuclide)
    try:
        mass_number = int(nuclide.A)
        mass_u = float(nuclide.mass_u)
    except AttributeError:
        raise ConfigError(
            f"nuclide must be a name like 'Al27', a Nuclide or a mass number, got {nuclide!r}"
        ) from None
    if convention_name == "codata":
        return mass_u * conv.amu
    return conv.amu * mass_number


def reduced_mass(m_chi: float, m_nucleus: float) -> float:
    """mu = m_chi M / (m_chi + M) [GeV]."""
    m_chi, m_nucleus = _masses(m_chi, m_nucleus)
    return m_chi * m_nucleus / (m_chi + m_nucleus)


def threshold_speed_km_s(m_chi: float, m_nucleus: float, delta: Any) -> float | np.ndarray:
    """Lowest Earth-frame speed that can upscatter, sqrt(2 delta / mu) [km/s] (digest 004 §2.5).

    Parameters
    ----------
    m_chi, m_nucleus : float
        DM and nucleus masses [GeV].
    delta : float or array_like
        Splitting [GeV].
    """
    delta = _checks.array(delta, "delta", "GeV", ge=0.0, le=_checks.MASS_RANGE_GEV[1])
    # digest 004 §2.5, below Eq. (34): mu v^2 > 2 delta
    out = np.sqrt(2.0 * delta / reduced_mass(m_chi, m_nucleus)) * C_KM_S
    return float(out) if out.ndim == 0 else out


def max_delta(m_chi: float, m_nucleus: float, v_max_km_s: Any) -> float | np.ndarray:
    """Largest splitting reachable at speed v_max, delta_max = mu v_max^2 / 2 [GeV] (digest 004 §2.5).

    Parameters
    ----------
    v_max_km_s : float or array_like
        Largest Earth-frame DM speed, e.g. v_esc + |u_E| [km/s].
    """
    v = _checks.speeds(v_max_km_s, "v_max_km_s") / C_KM_S
    out = 0.5 * reduced_mass(m_chi, m_nucleus) * v * v
    return float(out) if out.ndim == 0 else out


def cm_speeds_km_s(v: Any, m_chi: float, m_nucleus: float, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre-of-mass speed V and outgoing chi_2 CM speed u (Eqs. 35-36) [km/s].

    Parameters
    ----------
    v : float or array_like
        Incoming DM speed in the Earth frame [km/s].
    m_chi, m_nucleus, delta : float
        Masses and splitting [GeV].

    Returns
    -------
    V, u : ndarray, shaped like ``v``
        [km/s]; u = 0 below threshold.
    """
    v_arr = _checks.speeds(v, "v")
    m_chi, m_nucleus = _masses(m_chi, m_nucleus)
    big_v, u = cm_speeds_array(np.ascontiguousarray(v_arr.reshape(-1)) / C_KM_S,
                               m_chi, m_nucleus, _delta(delta))
    return (big_v * C_KM_S).reshape(v_arr.shape), (u * C_KM_S).reshape(v_arr.shape)


def theta_lab_max(v: Any, m_chi: float, m_nucleus: float, delta: float) -> float | np.ndarray:
    """Largest lab angle between the incoming v and the outgoing chi_2 [rad] (Eq. 38).

    sin(theta_max) = u / V = m_N v_out^cm / (mu v); pi when u >= V (light DM, footnote 5); nan below
    threshold (no upscatter). Arguments as :func:`cm_speeds_km_s`.
    """
    big_v, u = cm_speeds_km_s(v, m_chi, m_nucleus, delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = u / big_v
    # digest 004 §2.10, Eq. (38): cos^2 theta_max = 1 - (u/V)^2, written as arcsin for accuracy
    out = np.where(ratio >= 1.0, math.pi, np.arcsin(np.clip(ratio, 0.0, 1.0)))
    out = np.where(u > 0.0, out, np.nan)
    return float(out) if out.ndim == 0 else out


def _branches(v: Any, cos_lab: Any, m_chi: float, m_nucleus: float, delta: float):
    v_arr, c = _broadcast(_checks.speeds(v, "v"), _checks.cosines(cos_lab, "cos_lab"), "v", "cos_lab")
    big_v, u = cm_speeds_km_s(v_arr, m_chi, m_nucleus, delta)
    disc = u * u - big_v * big_v * (1.0 - c * c)
    root = np.sqrt(np.maximum(disc, 0.0))
    v_plus = big_v * c + root
    v_minus = big_v * c - root
    ok = (disc >= 0.0) & (u > 0.0)
    ok_plus = ok & (v_plus > 0.0)
    ok_minus = ok & (v_minus > 0.0)
    return big_v, u, c, disc, v_plus, v_minus, ok_plus, ok_minus


def lab_speeds(v: Any, cos_lab: Any, m_chi: float, m_nucleus: float,
               delta: float) -> tuple[np.ndarray, np.ndarray]:
    """The two chi_2 lab speeds that reach lab angle theta_lab (Eqs. 37 and 39) [km/s].

    v_pm = V cos(theta_lab) pm sqrt(u^2 - V^2 sin^2(theta_lab))
         = (mu v / m_N) cos(theta_lab) [1 pm sqrt(1 - cos^2 theta_max / cos^2 theta_lab)].

    Parameters
    ----------
    v : float or array_like
        Incoming DM speed in the Earth frame [km/s].
    cos_lab : float or array_like
        cos of the lab angle between v and the chi_2 direction [1] (broadcast with ``v``).
    m_chi, m_nucleus, delta : float
        Masses and splitting [GeV].

    Returns
    -------
    v_plus, v_minus : ndarray
        [km/s]; nan where the branch does not exist (theta_lab > theta_max, below threshold, or the
        slow branch for light DM).
    """
    # digest 004 §2.10, Eqs. (37) and (39)
    *_, v_plus, v_minus, ok_plus, ok_minus = _branches(v, cos_lab, m_chi, m_nucleus, delta)
    return np.where(ok_plus, v_plus, np.nan), np.where(ok_minus, v_minus, np.nan)


def cos_cm_pm(v: Any, cos_lab: Any, m_chi: float, m_nucleus: float,
              delta: float) -> tuple[np.ndarray, np.ndarray]:
    """CM angles of the two branches [1] (digest 004 §2.10), nan where the branch does not exist:

    cos_cm_pm = -z sin^2(theta_lab) pm cos(theta_lab) sqrt(1 - z^2 sin^2(theta_lab)),  z = V/u.
    """
    big_v, u, c, disc, _, _, ok_plus, ok_minus = _branches(v, cos_lab, m_chi, m_nucleus, delta)
    with np.errstate(divide="ignore", invalid="ignore"):  # u = 0: no branch, masked below
        z = big_v / u
        root = np.sqrt(np.maximum(disc, 0.0)) / u
        s2 = 1.0 - c * c
        plus = -z * s2 + c * root
        minus = -z * s2 - c * root
    return np.where(ok_plus, plus, np.nan), np.where(ok_minus, minus, np.nan)


def jacobian_pm(v: Any, cos_lab: Any, m_chi: float, m_nucleus: float,
                delta: float) -> tuple[np.ndarray, np.ndarray]:
    """J_pm = d cos(theta_cm) / d cos(theta_lab) on the two branches (unnumbered, below Eq. 39).

    J_pm = 2 z cos(theta_lab) pm (1 - z^2 + 2 z^2 cos^2 theta_lab) / sqrt(1 - z^2 + z^2 cos^2 theta_lab),
    z = V / u = mu v / (m_N v_out^cm). Signed (use |J| in rates); it diverges at theta_max
    (integrable caustic, returned as +-inf). Arguments as :func:`lab_speeds`; nan where the branch
    does not exist.
    """
    big_v, u, c, disc, _, _, ok_plus, ok_minus = _branches(v, cos_lab, m_chi, m_nucleus, delta)
    with np.errstate(divide="ignore", invalid="ignore"):  # u = 0: no branch, masked below
        z = big_v / u
        root = np.sqrt(np.maximum(disc, 0.0)) / u  # sqrt(1 - z^2 + z^2 cos^2)
        term = (1.0 - z * z + 2.0 * z * z * c * c) / root
        # digest 004 §2.10, J_pm (unnumbered, between Eqs. (40) and (41))
        j_plus, j_minus = 2.0 * z * c + term, 2.0 * z * c - term
    return np.where(ok_plus, j_plus, np.nan), np.where(ok_minus, j_minus, np.nan)


def recoil_energies_pm(v: Any, cos_lab: Any, m_chi: float, m_nucleus: float,
                       delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Recoil energies E_R,pm [GeV] of the two branches (q_pm^2 = 2 m_N E_R,pm; digest 004 §2.10).

    Evaluated as Eq. (34) (kernel :func:`mcdm.kernels.kinematics.recoil_energy`) at cos_cm_pm,
    which equals m_chi v^2/2 - m_chi2 v_pm^2/2 - delta. nan where the branch does not exist.
    """
    plus, minus = cos_cm_pm(v, cos_lab, m_chi, m_nucleus, delta)
    v_b = np.ascontiguousarray(np.broadcast_to(_checks.speeds(v, "v"), plus.shape).reshape(-1)) / C_KM_S
    m_chi, m_nucleus = _masses(m_chi, m_nucleus)
    out = []
    for cos_cm in (plus, minus):
        e = recoil_energy_array(np.ascontiguousarray(cos_cm.reshape(-1)), v_b,
                                m_chi, m_nucleus, _delta(delta))
        out.append(e.reshape(plus.shape))
    return out[0], out[1]


def recoil_energy_eq34(cos_cm: Any, v: Any, m_chi: float, m_nucleus: float,
                       delta: float) -> float | np.ndarray:
    """Eq. (34) exactly as printed, for comparison with the exact kernel [GeV].

    E_R = mu^2 v^2 / m_N (1 - cos_cm sqrt(1 - 2 delta/(mu v^2))) - mu delta / m_N; nan below threshold.
    ``v`` in [km/s].
    """
    mu = reduced_mass(m_chi, m_nucleus)
    m_nucleus, delta = _checks.mass(m_nucleus, "m_nucleus"), _delta(delta)
    vc = _checks.speeds(v, "v") / C_KM_S
    cos_cm = _checks.cosines(cos_cm, "cos_cm")
    _broadcast(vc, cos_cm, "v", "cos_cm")
    with np.errstate(divide="ignore", invalid="ignore"):  # v = 0: no root (below threshold)
        arg = 1.0 - 2.0 * delta / (mu * vc * vc)
    root = np.where(arg >= 0.0, np.sqrt(np.maximum(arg, 0.0)), np.nan)
    # digest 004 §2.5, Eq. (34)
    out = mu * mu * vc * vc / m_nucleus * (1.0 - cos_cm * root) - mu * delta / m_nucleus
    return float(out) if np.ndim(out) == 0 else out


def _mass_table(nuclei: Any, convention_name: str) -> dict[str, float]:
    if isinstance(nuclei, Mapping):
        return {str(k): _checks.mass(m, f"nuclei[{k!r}] (nucleus mass)") for k, m in nuclei.items()}
    if isinstance(nuclei, (str, bytes)) or not isinstance(nuclei, Iterable):
        nuclei = [nuclei]
    out: dict[str, float] = {}
    for nuc in nuclei:
        name = nuc if isinstance(nuc, str) else getattr(nuc, "name", str(nuc))
        out[str(name)] = nucleus_mass(nuc, convention_name)
    return out


def kinematic_closure(m_chi: float, nuclei: Any, v_max_km_s: float,
                      convention_name: str = "codata") -> dict[str, float]:
    """Largest splitting each target can reach, delta_max = mu v_max^2 / 2 [GeV].

    Parameters
    ----------
    m_chi : float
        DM mass [GeV].
    nuclei : iterable of nuclide names / Nuclide, or mapping name -> nucleus mass [GeV]
        The targets (digest 004 Table 2: Mg24, Mg25, Al27, Si29, Fe56).
    v_max_km_s : float
        Largest Earth-frame speed, v_esc + |u_E| [km/s].
    convention_name : str
        Nuclear-mass convention of :func:`nucleus_mass`.

    Returns
    -------
    dict
        name -> delta_max [GeV], in the order given.
    """
    masses = _mass_table(nuclei, convention_name)
    m_chi = _checks.mass(m_chi, "m_chi")
    v_max_km_s = _checks.scalar(v_max_km_s, "v_max_km_s", "km/s", ge=0.0, le=C_KM_S)
    return {name: float(max_delta(m_chi, m, v_max_km_s)) for name, m in masses.items()}


def require_kinematic_reach(m_chi: float, delta: float, nuclei: Any, v_max_km_s: float,
                            convention_name: str = "codata") -> list[str]:
    """The targets that can upscatter at splitting ``delta``; ConfigError if there is none.

    Returns
    -------
    list of str
        Names of the open targets (delta < delta_max), in the order given.

    Raises
    ------
    ConfigError
        "delta = 200 keV is above the kinematic limit of every isotope: Fe56 164 keV, ..."
        (v_max and m_chi are named too).
    """
    limits = kinematic_closure(m_chi, nuclei, v_max_km_s, convention_name)
    delta = _delta(delta)
    if not limits:
        raise ConfigError("nuclei: give at least one target nuclide")
    open_ = [name for name, dmax in limits.items() if delta < dmax]
    if not open_:
        listing = ", ".join(
            f"{name} {dmax * _GEV_TO_KEV:.0f} keV"
            for name, dmax in sorted(limits.items(), key=lambda kv: -kv[1])
        )
        raise ConfigError(
            f"delta = {delta * _GEV_TO_KEV:.4g} keV is above the kinematic limit of every isotope: "
            f"{listing} (m_chi = {m_chi:.4g} GeV, v_max = {v_max_km_s:.4g} km/s; delta_max = mu v_max^2/2)"
        )
    return open_

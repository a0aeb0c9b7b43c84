"""Dark-matter interaction models for transport: total cross sections and energy loss per nuclide.

An interaction compiles, for a list of target nuclides and a grid of speeds, to the plain arrays of
:class:`InteractionTables`, which both transport regimes read:

* the **continuous slowing-down** kernels (:mod:`mcdm.kernels.continuous`, verne's regime) use
  ``stopping``: dv/ds = -(v/2) sum_i n_i S_i(v) with S_i = <sigma_i DeltaE/E> (since E ~ v^2,
  d ln E = 2 d ln v);
* the **discrete-scatter** Monte Carlo uses ``sigma`` (free flights, target choice ~ n_i sigma_i),
  ``target_mass`` (kinematics) and ``helm``/``angular`` (centre-of-mass angle sampling).

Models:

* :class:`SpinIndependent` -- point-like DM with spin-independent coherent nuclear scattering,
  sigma_i = sigma_p (mu_i/mu_p)^2 A_i^2 |F_i(q)|^2, isotropic in the centre of mass apart from the
  Helm form factor (Lewin & Smith 1996, Eqs. 3.4-3.5 and 4.7-4.11).
* :class:`MacroscopicDrag` -- a macroscopic body of geometric cross section pi R^2 slowed by drag,
  seed 000 Eq. (106): dv/ds = -(c_d/2) rho pi R^2 v / M; no discrete scatters (``angular = 1``).

Units: speeds [km/s], cross sections [cm^2], masses [GeV] (c = 1), Helm parameters [fm].
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, Protocol, Sequence, runtime_checkable

import numpy as np

from mcdm.constants import C_KM_S, GEV_PER_GRAM, M_PROTON_GEV
from mcdm.errors import ConfigError, DataLibraryError
from mcdm.kernels import continuous as _kc

__all__ = [
    "ANGULAR_ISOTROPIC_CM",
    "ANGULAR_NONE",
    "FORM_FACTORS",
    "DEFAULT_V_MIN_KM_S",
    "DEFAULT_V_MAX_KM_S",
    "DEFAULT_POINTS_PER_DECADE",
    "InteractionTables",
    "Interaction",
    "SpinIndependent",
    "MacroscopicDrag",
    "TargetNuclide",
    "default_v_grid",
    "target_properties",
]

#: ``angular`` code: discrete scatters, isotropic in the CM frame weighted by |F(q)|^2 (Helm)
ANGULAR_ISOTROPIC_CM = 0
#: ``angular`` code: no discrete scatters; continuous slowing-down (drag) only
ANGULAR_NONE = 1
#: form-factor options of :class:`SpinIndependent`
FORM_FACTORS = ("helm", "none")

#: default speed grid: 1e-3 .. 2000 km/s, log-spaced, 40 points per decade (253 points)
DEFAULT_V_MIN_KM_S = 1.0e-3
DEFAULT_V_MAX_KM_S = 2000.0
DEFAULT_POINTS_PER_DECADE = 40

_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(12)


class InteractionTables(NamedTuple):
    """An interaction compiled for E target nuclides on V speeds (plain arrays, picklable).

    Attributes
    ----------
    v_grid : ndarray (V,) -- log-spaced speeds, ascending [km/s]
    sigma : ndarray (E, V) -- total cross section per target nuclide [cm^2]
    stopping : ndarray (E, V) -- <sigma DeltaE/E> per nuclide [cm^2]: the continuous slowing is
        dv/ds = -(v/2) sum_i n_i stopping_i(v) (n_i [cm^-3], s [cm])
    target_mass : ndarray (E,) -- nuclide masses [GeV]
    helm : ndarray (E, 4) -- Helm parameters (A, c_fm, a_fm, s_fm) for angular sampling [1, fm,
        fm, fm]; all zero gives F = 1 (no form factor, and the drag model)
    angular : int -- :data:`ANGULAR_ISOTROPIC_CM` (0) or :data:`ANGULAR_NONE` (1)
    dm_mass : float -- dark-matter (or body) mass [GeV]
    """

    v_grid: np.ndarray
    sigma: np.ndarray
    stopping: np.ndarray
    target_mass: np.ndarray
    helm: np.ndarray
    angular: int
    dm_mass: float


@runtime_checkable
class Interaction(Protocol):
    """What transport needs from an interaction model."""

    @property
    def dm_mass_gev(self) -> float:
        """Mass of the dark-matter particle or body [GeV]."""
        ...

    def tables(self, nuclides: Sequence[str], v_grid: np.ndarray | None = None
               ) -> InteractionTables:
        """The model compiled for ``nuclides`` on ``v_grid`` [km/s] (default: default_v_grid)."""
        ...


def default_v_grid(v_min: float = DEFAULT_V_MIN_KM_S, v_max: float = DEFAULT_V_MAX_KM_S,
                   points_per_decade: int = DEFAULT_POINTS_PER_DECADE) -> np.ndarray:
    """Log-spaced speeds from ``v_min`` to ``v_max`` [km/s], ``points_per_decade`` per decade."""
    if not (0.0 < v_min < v_max and math.isfinite(v_max)):
        raise ConfigError(f"speed grid: need 0 < v_min < v_max < inf, got {v_min}, {v_max} km/s")
    n = max(2, int(round(points_per_decade * math.log10(v_max / v_min))) + 1)
    return np.geomspace(v_min, v_max, n)


def _check_v_grid(v_grid: np.ndarray | None) -> np.ndarray:
    if v_grid is None:
        return default_v_grid()
    v = np.array(v_grid, dtype=np.float64).ravel()
    if v.size < 2 or not np.all(np.isfinite(v)) or not np.all(v > 0) or np.any(np.diff(v) <= 0):
        raise ConfigError("speed grid must hold at least 2 finite, positive, strictly ascending "
                          f"speeds [km/s]; got {v_grid!r}")
    return v


class TargetNuclide(NamedTuple):
    """A target nucleus: canonical name, Z, A, mass [GeV], Helm (c, a, s) [fm]."""

    name: str
    Z: int
    A: int
    mass_gev: float
    helm: tuple[float, float, float]  # (c_fm, a_fm, s_fm)


def target_properties(nuclides: Sequence[str]) -> list[TargetNuclide]:
    """(name, Z, A, mass [GeV], Helm (c, a, s) [fm]) of each nuclide, from the geometry library.

    Masses are the atomic masses of the natural-abundance table (``geometry/nuclides``); Helm
    parameters are Lewin & Smith's (:func:`mcdm.physics.nuclear.helm_response`).
    """
    from mcdm.geometry.library import load_nuclides
    from mcdm.physics.nuclear import helm_response

    names = [nuclides] if isinstance(nuclides, str) else list(nuclides)
    if not names:
        raise DataLibraryError("interaction tables: give at least one target nuclide")
    table = load_nuclides()
    out = []
    for name in names:
        nuc = table.nuclide(name)
        helm = helm_response(nuc.name, nuc.Z, nuc.A, nuc.spin, nuc.mass_gev).helm
        out.append(TargetNuclide(nuc.name, nuc.Z, nuc.A, float(nuc.mass_gev), tuple(helm)))
    return out


def _positive(owner: str, name: str, value: float, allow_zero: bool = False) -> float:
    x = float(value)
    ok = math.isfinite(x) and (x >= 0 if allow_zero else x > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"{owner}: {name} = {value!r} must be finite and {bound}")
    return x


@dataclass(frozen=True)
class SpinIndependent:
    """Point-like DM with spin-independent (coherent) nuclear scattering.

    Parameters
    ----------
    m_chi_gev : float -- DM mass [GeV], > 0
    sigma_p_cm2 : float -- DM-proton cross section at q = 0 [cm^2], >= 0
    form_factor : str -- ``"helm"`` (Lewin & Smith 1996) or ``"none"`` (F = 1)

    Notes
    -----
    sigma_i(v) = sigma_0,i <F^2>, sigma_0,i = sigma_p (mu_i/mu_p)^2 A_i^2 (Lewin & Smith Eq. 3.5,
    isospin-symmetric couplings), with q^2 = 2 mu_i^2 v^2 (1 - cos theta) and cos theta uniform in
    the centre of mass. The fractional energy loss of one scatter is
    DeltaE/E = E_R/E = 2 mu_i^2/(m_chi m_i) (1 - cos theta), so
    stopping_i(v) = sigma_0,i 2 mu_i^2/(m_chi m_i) <(1 - cos theta) F^2>; without form factor this
    is sigma_0,i 2 mu_i^2/(m_chi m_i), the mean recoil <E_R> = mu^2 v^2/m_i of verne's
    dv/ds = -v sum n_i sigma_i mu_i^2/(m_chi m_i) (Kavanagh 2018, arXiv:1712.04901).
    """

    m_chi_gev: float
    sigma_p_cm2: float
    form_factor: str = "helm"

    def __post_init__(self) -> None:
        owner = "SpinIndependent"
        object.__setattr__(self, "m_chi_gev", _positive(owner, "m_chi_gev", self.m_chi_gev))
        object.__setattr__(self, "sigma_p_cm2",
                           _positive(owner, "sigma_p_cm2", self.sigma_p_cm2, allow_zero=True))
        if self.form_factor not in FORM_FACTORS:
            raise ConfigError(f"{owner}: form_factor = {self.form_factor!r} is not one of "
                              f"{list(FORM_FACTORS)}")

    @property
    def dm_mass_gev(self) -> float:
        """DM mass [GeV]."""
        return self.m_chi_gev

    def reduced_mass(self, m_target_gev: float | np.ndarray) -> float | np.ndarray:
        """mu = m_chi m_T / (m_chi + m_T) [GeV] for a target mass [GeV]."""
        return self.m_chi_gev * m_target_gev / (self.m_chi_gev + m_target_gev)

    def sigma_zero(self, A: int, m_target_gev: float) -> float:
        """Coherent zero-momentum cross section sigma_p (mu_N/mu_p)^2 A^2 [cm^2]."""
        # Lewin & Smith (1996) Eq. (3.5) with f_p = f_n
        ratio = self.reduced_mass(m_target_gev) / self.reduced_mass(M_PROTON_GEV)
        return self.sigma_p_cm2 * ratio * ratio * float(A) ** 2

    def tables(self, nuclides: Sequence[str], v_grid: np.ndarray | None = None
               ) -> InteractionTables:
        """Total cross section and stopping of each nuclide on ``v_grid`` [km/s].

        Parameters
        ----------
        nuclides : nuclide names (``"O16"``, any spelling the nuclide table reads), E of them
        v_grid : speeds [km/s] (default :func:`default_v_grid`)
        """
        v = _check_v_grid(v_grid)
        targets = target_properties(nuclides)
        n_e = len(targets)
        sigma = np.empty((n_e, v.size))
        stopping = np.empty((n_e, v.size))
        helm = np.zeros((n_e, 4))
        for i, t in enumerate(targets):
            mu = self.reduced_mass(t.mass_gev)
            s0 = self.sigma_zero(t.A, t.mass_gev)
            loss = 2.0 * mu * mu / (self.m_chi_gev * t.mass_gev)  # DeltaE/E / (1 - cos theta)
            if self.form_factor == "helm":
                q_max = 2.0 * mu * v / C_KM_S  # [GeV]
                m0, m1 = _kc.helm_moments(q_max, *t.helm, _GAUSS_NODES, _GAUSS_WEIGHTS)
                helm[i] = (float(t.A), *t.helm)
            else:
                m0 = np.ones_like(v)
                m1 = np.ones_like(v)
            sigma[i] = s0 * m0
            stopping[i] = s0 * loss * m1
        return InteractionTables(
            v_grid=v, sigma=sigma, stopping=stopping,
            target_mass=np.array([t.mass_gev for t in targets]), helm=helm,
            angular=ANGULAR_ISOTROPIC_CM, dm_mass=self.m_chi_gev,
        )


@dataclass(frozen=True, kw_only=True)
class MacroscopicDrag:
    """A macroscopic body (seed 000 "pearl") slowed by drag on its geometric cross section.

    Give the mass either as ``mass_gev`` or as ``mass_kg`` (both are set after construction).

    Parameters
    ----------
    radius_cm : float -- radius R of the body [cm], > 0
    mass_gev : float -- mass M [GeV]; or
    mass_kg : float -- mass M [kg]
    drag_coefficient : float -- c_d [1] (default 2, so that c_d/2 = 1 as in seed 000 Eq. 110)

    Notes
    -----
    Seed 000 Eq. (106), -dv/dt = c_d rho v^2 pi R^2/(2M), is per path length
    dv/ds = -(c_d/2)(rho pi R^2/M) v with rho = sum_i n_i m_i, i.e. the tables' form with
    stopping_i = c_d pi R^2 m_i/M, constant in v. The speed falls by e over the column
    2M/(c_d pi R^2) (:attr:`e_folding_column_g_cm2`).
    """

    radius_cm: float
    mass_gev: float | None = None
    mass_kg: float | None = None
    drag_coefficient: float = 2.0

    def __post_init__(self) -> None:
        owner = "MacroscopicDrag"
        if (self.mass_gev is None) == (self.mass_kg is None):
            raise ConfigError(f"{owner}: give exactly one of mass_gev and mass_kg")
        object.__setattr__(self, "radius_cm", _positive(owner, "radius_cm", self.radius_cm))
        object.__setattr__(self, "drag_coefficient",
                           _positive(owner, "drag_coefficient", self.drag_coefficient))
        if self.mass_gev is not None:
            m = _positive(owner, "mass_gev", self.mass_gev)
            object.__setattr__(self, "mass_gev", m)
            object.__setattr__(self, "mass_kg", float(m / GEV_PER_GRAM * 1.0e-3))
        else:
            kg = _positive(owner, "mass_kg", self.mass_kg)
            object.__setattr__(self, "mass_kg", kg)
            object.__setattr__(self, "mass_gev", float(kg * 1.0e3 * GEV_PER_GRAM))

    @property
    def dm_mass_gev(self) -> float:
        """Mass of the body [GeV]."""
        return self.mass_gev

    @property
    def area_cm2(self) -> float:
        """Geometric cross section pi R^2 [cm^2]."""
        return math.pi * self.radius_cm ** 2

    @property
    def e_folding_column_g_cm2(self) -> float:
        """Column over which v falls by e, 2M/(c_d pi R^2) [g/cm^2] (seed 000 Eq. 110, c_d = 2)."""
        return 2.0 * self.mass_kg * 1.0e3 / (self.drag_coefficient * self.area_cm2)

    def tables(self, nuclides: Sequence[str], v_grid: np.ndarray | None = None
               ) -> InteractionTables:
        """Drag tables: sigma = pi R^2 (informative), stopping_i = c_d pi R^2 m_i/M (constant).

        Parameters
        ----------
        nuclides : nuclide names, E of them
        v_grid : speeds [km/s] (default :func:`default_v_grid`)
        """
        v = _check_v_grid(v_grid)
        targets = target_properties(nuclides)
        masses = np.array([t.mass_gev for t in targets])
        area = self.area_cm2
        # seed 000 Eq. (106): sum_i n_i stopping_i = c_d rho pi R^2 / M
        per_target = self.drag_coefficient * area * masses / self.mass_gev
        return InteractionTables(
            v_grid=v,
            sigma=np.full((len(targets), v.size), area),
            stopping=np.repeat(per_target[:, None], v.size, axis=1),
            target_mass=masses,
            helm=np.zeros((len(targets), 4)),
            angular=ANGULAR_NONE,
            dm_mass=self.mass_gev,
        )

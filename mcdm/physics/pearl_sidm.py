"""Self-interaction of dust-covered pearls: the velocity-dependent sigma/M of seed 000 (digest §2).

Two grains meet at impact parameter b; the heavy bubbles go straight through unless the elastic
energy of pushing a bubble through its grain, E R^2 (r_dust - b/2)^2 / b (Eq. 22), reaches the
kinetic energy M v^2 / 2 (Eq. 24). Solving for sqrt(b) (Eq. 28, with the parentheses the
transcription drops, digest §8 item 4) and writing u = v / v0 with

    v0 = sqrt(4 r_dust E R^2 / M)                                   (Eq. 35)

gives the exact curve sigma/M = sigma/M|_0 (sqrt(1 + u^2) - u)^4 [derived], which falls as
(2u)^-4 at u >> 1, and its small-u expansion sigma/M|_0 (1 - u)^4 (Eqs. 37/117), which the paper
fits and which must be clamped to 0 for v >= v0.

With M = (4 pi/3) rho_B R^3, R^2/M = 1/(M^{1/3} C), C = (4 pi rho_B/3)^{2/3} (Eq. 41), so
4 r_dust E = v0^2 C M^{1/3} (Eqs. 43-45) and M = (4 r_dust E / (v0^2 C))^3 ("the cube relation").

The fitter adjusts (sigma/M|_0, v0) to (velocity, sigma/m range) points by least squares with
iminuit. Correa's Table 2 (as quoted in the paper) is :data:`CORREA_TABLE2`; the per-galaxy mean
collision velocities are not in the paper (only in Correa's Fig. 6), so they are an input of
:func:`correa_points`. :func:`estimate_collision_velocity_km_s` gives a rough stand-in from the
table's M200 and c200 [external: NFW V_max, Planck h, <v> = (4/sqrt(pi)) V_max/sqrt(2)], which is
*not* Correa's plotted value.

Units: velocities in km/s; sigma/M in whatever unit sigma/M|_0 is given (the fitter and Correa's
table use cm^2/g; 1 m^2/kg = 10 cm^2/g); SI for r_dust [m], E [Pa], M [kg], rho_B [kg/m^3].

Public API: :func:`sigma_over_m`, :func:`sigma_over_m_linear`, :func:`sigma_over_m_exact`,
:func:`v0_from_point`, :func:`v0_km_s`, :func:`v0_from_four_r_dust_e_km_s`,
:func:`four_r_dust_e_from_v0`, :func:`mass_from_four_r_dust_e`, :class:`SidmPoint`,
:class:`SidmFit`, :func:`fit_sigma_over_m`, :class:`CorreaDwarf`, :data:`CORREA_TABLE2`,
:func:`correa_points`, :func:`estimate_collision_velocity_km_s`, :data:`SIDM_FORMS`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mcdm.errors import ConfigError
from mcdm.physics.pearl import r2_over_m_coefficient, radius_from_mass

__all__ = ["SIDM_FORMS", "sigma_over_m", "sigma_over_m_linear", "sigma_over_m_exact", "v0_from_point",
           "v0_km_s", "v0_from_four_r_dust_e_km_s", "four_r_dust_e_from_v0", "mass_from_four_r_dust_e",
           "impact_parameter_m", "SidmPoint", "SidmFit", "fit_sigma_over_m", "CorreaDwarf", "CORREA_TABLE2",
           "correa_points", "estimate_collision_velocity_km_s", "estimated_correa_velocities"]

#: the two shapes of sigma/M(v): the paper's linearised Eq. (37) and the exact solution of Eq. (28)
SIDM_FORMS = ("linear", "exact")


def _check_positive(name: str, value: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"pearl_sidm: {name} = {value!r} is not a number") from None
    if not math.isfinite(x) or x <= 0:
        raise ConfigError(f"pearl_sidm: {name} = {value!r} must be finite and > 0")
    return x


def _speeds(v_km_s) -> np.ndarray:
    try:
        v = np.asarray(v_km_s, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"pearl_sidm: speeds must be numbers in km/s, got {v_km_s!r}") from None
    if not np.all(np.isfinite(v)) or np.any(v < 0):
        raise ConfigError(f"pearl_sidm: speeds must be finite and >= 0 km/s, got {v_km_s!r}")
    return v


def sigma_over_m_linear(v_km_s, sigma_over_m0: float, v0: float):
    """sigma/M|_0 (1 - v/v0)^4 for v < v0 and 0 for v >= v0 (Eqs. 37/117, clamped).

    v_km_s, v0 [km/s]; the result has the unit of ``sigma_over_m0``. Scalars in, float out.
    """
    v, s0, v0 = _speeds(v_km_s), _check_positive("sigma_over_m0", sigma_over_m0), _check_positive("v0", v0)
    out = s0 * np.clip(1.0 - v / v0, 0.0, None) ** 4  # Eq. (37)
    return float(out) if out.ndim == 0 else out


def sigma_over_m_exact(v_km_s, sigma_over_m0: float, v0: float):
    """sigma/M|_0 (sqrt(1 + u^2) - u)^4, u = v/v0: Eq. (28) solved without dropping v^2 [derived].

    Written as 1/(sqrt(1 + u^2) + u) to stay accurate at large u, where it falls as (2u)^-4.
    """
    v, s0, v0 = _speeds(v_km_s), _check_positive("sigma_over_m0", sigma_over_m0), _check_positive("v0", v0)
    u = v / v0
    out = s0 / (np.sqrt(1.0 + u * u) + u) ** 4  # (sqrt(1+u^2) - u) = 1/(sqrt(1+u^2) + u)
    return float(out) if out.ndim == 0 else out


def sigma_over_m(v_km_s, sigma_over_m0: float, v0: float, form: str = "linear"):
    """sigma/M(v) in the chosen ``form`` (:data:`SIDM_FORMS`); see the two functions above."""
    if form == "linear":
        return sigma_over_m_linear(v_km_s, sigma_over_m0, v0)
    if form == "exact":
        return sigma_over_m_exact(v_km_s, sigma_over_m0, v0)
    raise ConfigError(f"pearl_sidm: form = {form!r} is not one of {list(SIDM_FORMS)}")


def v0_from_point(v_km_s: float, sigma: float, sigma_over_m0: float, form: str = "linear") -> float:
    """The v0 [km/s] that puts the curve through one point (v, sigma) with sigma/M|_0 fixed.

    linear: q = (sigma/sigma0)^{1/4} = 1 - v/v0, v0 = v/(1 - q); exact: q = sqrt(1+u^2) - u gives
    u = (1 - q^2)/(2q). Needs 0 < sigma < sigma0 (a point at or above sigma0 needs v0 = infinity).
    """
    v, s, s0 = _check_positive("v_km_s", v_km_s), _check_positive("sigma", sigma), _check_positive(
        "sigma_over_m0", sigma_over_m0)
    if s >= s0:
        raise ConfigError(f"pearl_sidm: sigma = {sigma!r} must be below sigma_over_m0 = {sigma_over_m0!r}")
    q = (s / s0) ** 0.25
    if form == "linear":
        return v / (1.0 - q)
    if form == "exact":
        return v / ((1.0 - q * q) / (2.0 * q))
    raise ConfigError(f"pearl_sidm: form = {form!r} is not one of {list(SIDM_FORMS)}")


# ---------------------------------------------------------------------- v0 <-> 4 r_dust E <-> M
def v0_km_s(four_r_dust_e: float, mass_kg: float, radius_m: float) -> float:
    """v0 = sqrt(4 r_dust E R^2 / M) (Eq. 35) [km/s]; 4 r_dust E in N/m, M in kg, R in m."""
    f, m, r = (_check_positive(n, x) for n, x in (("four_r_dust_e", four_r_dust_e), ("mass_kg", mass_kg),
                                                   ("radius_m", radius_m)))
    return math.sqrt(f * r * r / m) * 1.0e-3  # Eq. (35)


def v0_from_four_r_dust_e_km_s(four_r_dust_e: float, mass_kg: float, rho_b: float) -> float:
    """Eq. (35) with R from M and rho_B (Eqs. 39-42) [km/s]: 1e13 N/m at 1e-15 kg -> 77 km/s."""
    return v0_km_s(four_r_dust_e, mass_kg, radius_from_mass(_check_positive("mass_kg", mass_kg), rho_b))


def four_r_dust_e_from_v0(v0: float, mass_kg: float, rho_b: float) -> float:
    """4 r_dust E = v0^2 C M^{1/3}, C = (4 pi rho_B/3)^{2/3} (Eqs. 43-45) [N/m]; v0 in km/s."""
    v = _check_positive("v0", v0) * 1.0e3
    return v * v * r2_over_m_coefficient(rho_b) * _check_positive("mass_kg", mass_kg) ** (1.0 / 3.0)  # Eq. (44)


def mass_from_four_r_dust_e(four_r_dust_e: float, v0: float, rho_b: float) -> float:
    """M = (4 r_dust E / (v0^2 C))^3, Eq. (44) solved for M [kg] (4e14 N/m, 220 km/s -> 1.2e-13 kg)."""
    v = _check_positive("v0", v0) * 1.0e3
    return (_check_positive("four_r_dust_e", four_r_dust_e) / (v * v * r2_over_m_coefficient(rho_b))) ** 3


def impact_parameter_m(v_km_s, r_dust_m: float, v0: float):
    """Largest impact parameter that still deflects, b = 2 r_dust (sqrt(1+u^2) - u)^2 (Eq. 28) [m]."""
    v = _speeds(v_km_s)
    u = v / _check_positive("v0", v0)
    out = 2.0 * _check_positive("r_dust_m", r_dust_m) / (np.sqrt(1.0 + u * u) + u) ** 2
    return float(out) if out.ndim == 0 else out


# ---------------------------------------------------------------------- fitting
@dataclass(frozen=True)
class SidmPoint:
    """One measurement: sigma/m in [sigma_lo, sigma_hi] at mean collision speed ``v_km_s``.

    v_km_s [km/s]; sigma_lo, sigma_hi in the fit's unit (cm^2/g for Correa); ``label`` names it.
    A range is read as centre +- half width; a point with sigma_lo == sigma_hi gets the fit's
    relative error ``point_rel_err``.
    """

    v_km_s: float
    sigma_lo: float
    sigma_hi: float
    label: str = ""

    def __post_init__(self) -> None:
        _check_positive("v_km_s", self.v_km_s)
        _check_positive("sigma_lo", self.sigma_lo)
        _check_positive("sigma_hi", self.sigma_hi)
        if self.sigma_hi < self.sigma_lo:
            raise ConfigError(f"pearl_sidm: point {self.label!r} has sigma_hi = {self.sigma_hi!r} below "
                              f"sigma_lo = {self.sigma_lo!r}")


@dataclass(frozen=True)
class SidmFit:
    """Result of :func:`fit_sigma_over_m`: sigma/M|_0 (fit unit), v0 [km/s], HESSE errors (0 if
    fixed), chi^2 at the minimum, degrees of freedom, the form and whether MIGRAD converged."""

    sigma_over_m0: float
    v0_km_s: float
    sigma_over_m0_err: float
    v0_km_s_err: float
    chi2: float
    ndof: int
    form: str
    valid: bool

    def curve(self, v_km_s):
        """The fitted sigma/M at ``v_km_s`` [fit unit]."""
        return sigma_over_m(v_km_s, self.sigma_over_m0, self.v0_km_s, self.form)


def fit_sigma_over_m(points: Sequence[SidmPoint], form: str = "linear", *, sigma_over_m0: float | None = None,
                     v0: float | None = None, start: tuple[float, float] = (150.0, 220.0),
                     point_rel_err: float = 0.1) -> SidmFit:
    """Least-squares fit of (sigma/M|_0, v0) to ``points`` (iminuit MIGRAD + HESSE).

    chi^2 = sum ((model(v_i) - centre_i) / half_width_i)^2. Give ``sigma_over_m0`` or ``v0`` to fix
    that parameter (the paper fixes sigma/M|_0 = 150 cm^2/g and solves one point for v0, §4.1.4).
    ``start`` = (sigma/M|_0, v0 [km/s]) where MIGRAD begins. With the clamped linear form a v0
    below every point's speed predicts 0 everywhere, so v0 is bounded below by the lowest speed.
    """
    from iminuit import Minuit

    if form not in SIDM_FORMS:
        raise ConfigError(f"pearl_sidm: form = {form!r} is not one of {list(SIDM_FORMS)}")
    pts = list(points)
    if not pts or not all(isinstance(p, SidmPoint) for p in pts):
        raise ConfigError("pearl_sidm: fit_sigma_over_m needs a non-empty sequence of SidmPoint")
    n_free = (sigma_over_m0 is None) + (v0 is None)
    if n_free == 0:
        raise ConfigError("pearl_sidm: fixing both sigma_over_m0 and v0 leaves nothing to fit")
    if len(pts) < n_free:
        raise ConfigError(f"pearl_sidm: {len(pts)} point(s) cannot fix {n_free} free parameters")
    _check_positive("point_rel_err", point_rel_err)
    v = np.array([p.v_km_s for p in pts])
    centre = np.array([0.5 * (p.sigma_lo + p.sigma_hi) for p in pts])
    half = np.array([0.5 * (p.sigma_hi - p.sigma_lo) for p in pts])
    err = np.where(half > 0, half, point_rel_err * centre)

    def chi2(s0: float, v0_: float) -> float:
        model = sigma_over_m(v, s0, v0_, form)
        return float(np.sum(((model - centre) / err) ** 2))

    s_start = _check_positive("sigma_over_m0", sigma_over_m0) if sigma_over_m0 is not None else start[0]
    if v0 is not None:
        v_starts = [_check_positive("v0", v0)]
    else:  # chi^2(v0) is not convex (flat where the clamped curve is 0): start MIGRAD from a few v0
        v_starts = [_check_positive("start v0", start[1])] + list(float(v.max()) * np.array([1.2, 2.0, 4.0, 10.0]))

    def run(v_start: float):
        m = Minuit(chi2, s0=s_start, v0_=v_start)
        m.errordef = Minuit.LEAST_SQUARES
        m.limits["s0"] = (1e-12, None)
        m.limits["v0_"] = (float(v.min()) if form == "linear" else 1e-9, None)
        m.fixed["s0"] = sigma_over_m0 is not None
        m.fixed["v0_"] = v0 is not None
        m.tol = 1e-6
        m.migrad()
        return m

    m = min((run(vs) for vs in v_starts), key=lambda r: (not r.valid, r.fval))
    if m.valid:
        m.hesse()
    errs = {k: (0.0 if m.fixed[k] else float(m.errors[k])) for k in ("s0", "v0_")}
    return SidmFit(float(m.values["s0"]), float(m.values["v0_"]), errs["s0"], errs["v0_"], float(m.fval),
                   len(pts) - n_free, form, bool(m.valid))


# ---------------------------------------------------------------------- Correa's dwarfs
@dataclass(frozen=True)
class CorreaDwarf:
    """One row of Correa's Table 2 as quoted in the paper (digest §2.2): present-time subhalo mass
    M200 [1e9 M_sun], concentration c200, core radius [pc] and the preferred sigma/m range [cm^2/g]."""

    name: str
    m200_1e9_msun: float
    c200: float
    r_core_pc: float
    sigma_lo_cm2_g: float
    sigma_hi_cm2_g: float


#: Correa (2021, MNRAS 503, 920) Table 2, reproduced in the paper next to its Figs. 8-9
CORREA_TABLE2: tuple[CorreaDwarf, ...] = (
    CorreaDwarf("UM", 0.13, 34.2, 180.8, 40.0, 50.0),
    CorreaDwarf("Draco", 1.17, 26.8, 472.9, 20.0, 30.0),
    CorreaDwarf("Carina", 1.09, 19.1, 648.4, 40.0, 50.0),
    CorreaDwarf("Sextans", 0.32, 20.8, 395.5, 70.0, 120.0),
    CorreaDwarf("CVnI", 0.46, 25.7, 356.8, 50.0, 80.0),
    CorreaDwarf("Sculptor", 1.65, 25.8, 553.2, 30.0, 40.0),
    CorreaDwarf("Fornax", 2.29, 15.3, 1036.7, 30.0, 50.0),
    CorreaDwarf("LeoII", 0.05, 30.6, 148.8, 90.0, 150.0),
    CorreaDwarf("LeoI", 1.17, 31.1, 410.8, 50.0, 70.0),
)


def correa_points(velocities_km_s: Mapping[str, float]) -> list[SidmPoint]:
    """Correa's preferred sigma/m ranges [cm^2/g] placed at the given mean collision speeds.

    ``velocities_km_s`` maps every dwarf name of :data:`CORREA_TABLE2` to its <v> [km/s] (not in
    the paper: read them off Correa's Fig. 6 [external], or use :func:`estimated_correa_velocities`).
    """
    names = [d.name for d in CORREA_TABLE2]
    missing = [n for n in names if n not in velocities_km_s]
    unknown = sorted(set(velocities_km_s) - set(names))
    if missing or unknown:
        raise ConfigError(f"pearl_sidm: velocities_km_s must name exactly the dwarfs {names}; "
                          f"missing {missing}, unknown {unknown}")
    return [SidmPoint(float(velocities_km_s[d.name]), d.sigma_lo_cm2_g, d.sigma_hi_cm2_g, d.name)
            for d in CORREA_TABLE2]


_G_KPC_KM2_S2_MSUN = 4.30091e-6  # Newton's G [kpc (km/s)^2 / M_sun]


def estimate_collision_velocity_km_s(m200_msun: float, c200: float, h: float = 0.6777) -> float:
    """A rough mean collision speed of an NFW subhalo [km/s] [external estimate, not Correa's value].

    R200 from M200 = 200 rho_crit (4 pi/3) R200^3 with rho_crit = 277.5 h^2 M_sun/kpc^3 (h: Planck
    2013 value as in Correa's EAGLE-like cosmology [external]); V_max = V200 sqrt(c f(2.163) /
    (2.163 f(c))), f(x) = ln(1+x) - x/(1+x); 1-D dispersion ~ V_max/sqrt(2) and the Maxwellian
    mean pair speed <v> = (4/sqrt(pi)) sigma (Kaplinghat, Tulin & Yu 2016, PRL 116, 041302) [external].
    """
    m, c, h = _check_positive("m200_msun", m200_msun), _check_positive("c200", c200), _check_positive("h", h)
    rho_crit = 277.5 * h * h  # M_sun / kpc^3
    r200 = (3.0 * m / (4.0 * math.pi * 200.0 * rho_crit)) ** (1.0 / 3.0)
    v200 = math.sqrt(_G_KPC_KM2_S2_MSUN * m / r200)

    def f(x: float) -> float:
        return math.log1p(x) - x / (1.0 + x)

    v_max = v200 * math.sqrt(c * f(2.163) / (2.163 * f(c)))
    return 4.0 / math.sqrt(math.pi) * v_max / math.sqrt(2.0)


def estimated_correa_velocities(h: float = 0.6777) -> dict[str, float]:
    """:func:`estimate_collision_velocity_km_s` for every dwarf of :data:`CORREA_TABLE2` [km/s]."""
    return {d.name: estimate_collision_velocity_km_s(d.m200_1e9_msun * 1e9, d.c200, h) for d in CORREA_TABLE2}

"""Inelastic nuclear-recoil spectra over the year: SI, axial-DM x proton-vector (seed 003) and MIDM.

Kinematics (digest 003 §10.1, Eq. 111). chi_1 N -> chi_2 N with splitting delta (delta > 0
endothermic up-scatter, delta < 0 exothermic down-scatter chi_2 N -> chi_1 N):

    v_min(E_R) = |m_T E_R / mu_T + delta| / sqrt(2 m_T E_R),                               (111)

smallest at E_R* = mu_T |delta| / m_T, where it is sqrt(2 delta / mu_T) (endothermic threshold) or 0
(exothermic). A speed v gives E_R^pm = [mu v +- sqrt(mu^2 v^2 - 2 mu delta)]^2 / (2 m_T).

Rate. Every model here has a spin-summed non-relativistic |M|^2 that is linear in
v_perp^2 = v^2 - v_min^2 (the inelastic v_perp; Barello, Chang & Newby 2014),
|M|^2 = A(q) + B(q) v_perp^2 [GeV^-4], q^2 = 2 m_T E_R, and dsigma/dE_R = P m_T |M|^2 / v^2 with
P = 1/(2 pi) (standard NREFT; Anand, Fitzpatrick & Haxton 2014, AFH). So, per nuclide T of mass
fraction w_T,

    dR/dE_R = w_T (rho/m_chi) (1/m_T) P m_T [A eta(v_min) + B (eta_1(v_min) - v_min^2 eta(v_min))],
    eta(v_min)   = int_{v > v_min} f_lab(v) / v d^3v    (mean inverse speed),
    eta_1(v_min) = int_{v > v_min} f_lab(v) v d^3v      (so <v_perp^2 / v> = eta_1 - v_min^2 eta).

For the truncated SHM in a lab moving with speed u both are closed forms (:func:`eta_shm`):
with p_lab(v) = (pi v v0^2 / u N) [e^{-(v-u)^2/v0^2} - max(e^{-(v+u)^2/v0^2}, e^{-z^2})] (McCabe 2010,
A2; the StandardHaloModel convention), eta is the elementary integral of p_lab / v and eta_1 that of
v p_lab, i.e. of v^2 e^{-(v -+ u)^2/v0^2} and v^2 e^{-z^2}, with
int (x+s)^2 e^{-x^2/v0^2} dx = (s^2 + v0^2/2)(sqrt(pi) v0/2) erf(x/v0) - (v0^2/2)(x + 2 s) e^{-x^2/v0^2}.
The SHM is isotropic, so only |u_E(t)| enters: the year costs a few erf evaluations per (day, E).

Models (frozen dataclasses, ``model`` names in :data:`MODELS`):

* :class:`SpinIndependentDM` (``"si"``): c_1^p = c_1^n, A = c_1^2 A_T^2 F_Helm^2 with
  c_1^2 = pi sigma_p / mu_p^2, B = 0 -> Lewin & Smith with v_min of Eq. (111); delta = 0 is
  :func:`mcdm.physics.recoil.recoil_spectrum`.
* :class:`AxialProtonDM` (``"axial_proton"``, seed 003): L = g_chi Z' chi_2-bar gamma^mu gamma^5 chi_1
  - eps e Z' J_em (Eq. 108); the Z' couples to the proton vector current only (Eq. 109). The
  amplitude G [u_2-bar gamma^mu gamma^5 u_1][u_p'-bar gamma_mu u_p] with
  G(q) = k_v g_chi eps e / (q^2 + m_Z'^2) (``propagator="full"``; ``"contact"``: / m_Z'^2, the
  heavy-Z' limit) reduces, divided by 4 m_chi m_N, to c_8^p O_8 + c_9^p O_9 with
  |c_8^p| = |c_9^p| = 2 G (O_8 = S_chi.v_perp, O_9 = i S_chi.(S_N x q/m_N); AFH Table 1:
  -2 O_8 + 2 O_9, so ``c8_sign = -1`` by default; the sign only enters the Delta-Sigma'
  interference of odd isotopes). k_v = ``vertex_factor`` (1: the digest's amplitude; 2 if one counts
  the Majorana bilinear twice). With the App.-B / WIMpy response normalisation
  (W_M^00(0) = (2j+1) A^2/16 pi) the isospin couplings are c^0 = c^p + c^n, c^1 = c^p - c^n, and
  AFH Eq. (38) with j_chi = 1/2 gives

      R_M = (1/4) c8 c8' (v_perp^2 + delta^2/q^2),   R_Sigma' = (1/16)(q^2/m_N^2) c9 c9',
      R_Delta = (1/4) c8 c8',                  R_DeltaSigma'^{tau tau'} = -(1/4) c8^tau c9^tau',
      |M|^2 = 4 pi/(2j+1) sum_{tau tau'} [R_M W_M + R_Sigma' W_Sigma' + (q^2/m_N^2)(R_Delta W_Delta
              + R_DeltaSigma' W_DeltaSigma')],

  m_N = m_p. **Inelastic term delta^2/q^2:** the reduction of the axial DM current gives
  S_chi.w with w = (p + p')/2m_chi - (k + k')/2m_N; for delta != 0, w is not orthogonal to q:
  w = v_perp - (delta/q) q_hat with the inelastic v_perp (v_perp.q = 0, v_perp^2 = v^2 - v_min^2).
  The longitudinal part is an O_11-like piece, c_11 = c_8 delta m_N/q^2, that adds
  (1/4) c8^2 delta^2/q^2 to R_M (no interference with O_8: v_perp.q = 0). For a point proton the
  sum is c8^2 (v_perp^2 + delta^2/q^2)/4 + c9^2 q^2/(8 m_p^2), equal to the exact Dirac-trace
  |M|^2 of digest 003 §10.1 divided by (4 m_chi m_p)^2 up to O(v^2) (tested at 1e-4; without the
  delta^2/q^2 term the trace disagrees by up to 20 % at small q). ``keep`` switches c8 / c9 off
  for limits (the c8 x c9 interference needs both).
* :class:`MagneticDM` (``"magnetic"``, seed 004): a :class:`mcdm.physics.midm.MagneticInelasticDM`
  with its cross-section prefactor; A and B are read off :func:`mcdm.physics.cross_section.matrix_element_sq`
  at v_perp = 0 and at one v_perp > 0 (the MIDM |M|^2 is linear in v_perp^2, Eq. 26).

Targets: ``"si"`` takes any formula of :func:`mcdm.physics.recoil.target_fractions` (Helm); the NREFT
models take ``"Xe"`` (shell-model responses of :func:`mcdm.physics.xenon.xenon_target`) or a formula
whose nuclides have App.-B responses (Mg, Al, Si, Fe), others with a Helm W_M stand-in (spin
responses omitted, :func:`mcdm.physics.nuclear.response_for`).

Units: E_R [keV], masses [GeV], delta [keV] (signed), speeds [km/s], eta [s/km], eta_1 [km/s],
rho [GeV/cm^3], sigma [cm^2], rates [events / (kg day keV)], days since 1 January 00:00 UTC.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np
from scipy import special

from mcdm.constants import ALPHA, C_KM_S, GEV_PER_KG, HBARC_GEV_CM, M_PROTON_GEV, SECONDS_PER_DAY
from mcdm.errors import ConfigError
from mcdm.physics import _checks

__all__ = [
    "MODELS",
    "SpinIndependentDM",
    "AxialProtonDM",
    "MagneticDM",
    "v_min_km_s",
    "recoil_energy_range_kev",
    "threshold_speed_km_s",
    "eta_shm",
    "axial_proton_coefficients",
    "NreftTarget",
    "nreft_targets",
    "msq_coefficients",
    "recoil_spectra",
    "earth_speeds_km_s",
    "AnnualSpectra",
    "annual_spectra",
    "ModulationFit",
    "modulation_fit",
    "expected_counts",
    "sample_recoil_events",
    "YEAR_DAYS",
]

#: model names
MODELS = ("si", "axial_proton", "magnetic")
#: length of the year used by the modulation fit [d] (Julian year)
YEAR_DAYS = 365.25
_GEV_PER_KEV = 1.0e-6
_C_CM_S = C_KM_S * 1.0e5
#: 1 kg in GeV (c = 1), as mcdm.physics.recoil


def _pos(value: Any, name: str, unit: str, allow_zero: bool = False) -> float:
    """A finite number in (0, 1e30] (or [0, 1e30]); ConfigError naming ``name`` otherwise."""
    if allow_zero:
        return _checks.scalar(value, name, unit, ge=0.0, le=1e30)
    return _checks.scalar(value, name, unit, ge=1e-30, le=1e30)


def _finite(value: Any, name: str, unit: str) -> float:
    """A finite number of magnitude <= 1e30; ConfigError naming ``name`` otherwise."""
    return _checks.scalar(value, name, unit, ge=-1e30, le=1e30)


# ---------------------------------------------------------------------------------- models
@dataclass(frozen=True)
class SpinIndependentDM:
    """Spin-independent (c_1^p = c_1^n) inelastic DM.

    m_chi [GeV]; delta_kev [keV] (> 0 endothermic, < 0 exothermic, 0 elastic); sigma_p [cm^2]
    (DM-nucleon cross section at q = 0).
    """

    m_chi: float
    delta_kev: float = 0.0
    sigma_p: float = 1.0e-45
    model: ClassVar[str] = "si"

    def __post_init__(self) -> None:
        object.__setattr__(self, "m_chi", _pos(self.m_chi, "m_chi", "GeV"))
        object.__setattr__(self, "delta_kev", _finite(self.delta_kev, "delta_kev", "keV"))
        object.__setattr__(self, "sigma_p", _pos(self.sigma_p, "sigma_p", "cm^2", allow_zero=True))


@dataclass(frozen=True)
class AxialProtonDM:
    """Seed-003 Majorana pair: axial DM current x proton vector current through a kinetically mixed Z'.

    Attributes
    ----------
    m_chi : float -- chi_1 mass [GeV]
    delta_kev : float -- splitting m_chi2 - m_chi1 [keV]; < 0 for chi_2 down-scattering (exothermic)
    g_chi : float -- dark coupling of Eq. (108) [1]
    epsilon : float -- kinetic mixing [1]
    m_zprime : float -- Z' mass [GeV]
    propagator : str -- ``"contact"`` (G = k g eps e / m_Z'^2, default) or ``"full"``
        (G = k g eps e / (q^2 + m_Z'^2), light Z')
    c8_sign : float -- relative sign of c_8 (default -1, AFH Table 1: -2 O_8 + 2 O_9)
    vertex_factor : float -- k (module docstring), default 1
    keep : tuple of str -- coefficients left on, subset of ("c8", "c9") (default both)
    """

    m_chi: float
    delta_kev: float
    g_chi: float
    epsilon: float
    m_zprime: float
    propagator: str = "contact"
    c8_sign: float = -1.0
    vertex_factor: float = 1.0
    keep: tuple[str, ...] = ("c8", "c9")
    model: ClassVar[str] = "axial_proton"

    def __post_init__(self) -> None:
        object.__setattr__(self, "m_chi", _pos(self.m_chi, "m_chi", "GeV"))
        object.__setattr__(self, "delta_kev", _finite(self.delta_kev, "delta_kev", "keV"))
        for name in ("g_chi", "epsilon", "vertex_factor"):
            object.__setattr__(self, name, _finite(getattr(self, name), name, "1"))
        object.__setattr__(self, "m_zprime", _pos(self.m_zprime, "m_zprime", "GeV"))
        if self.propagator not in ("contact", "full"):
            raise ConfigError(f"propagator must be 'contact' or 'full', got {self.propagator!r}")
        keep = tuple(self.keep) if not isinstance(self.keep, str) else (self.keep,)
        if not set(keep) <= {"c8", "c9"}:
            raise ConfigError(f"keep must be a subset of ('c8', 'c9'), got {self.keep!r}")
        object.__setattr__(self, "keep", keep)
        if self.c8_sign not in (1.0, -1.0):
            raise ConfigError(f"c8_sign must be +1 or -1, got {self.c8_sign!r}")

    @classmethod
    def from_idm(cls, idm: Any, **options: Any) -> "AxialProtonDM":
        """From a seed-003 model with ``m_chi_gev``, ``delta_gev``, ``g_chi``, ``epsilon``, ``m_zp_gev``
        and ``vertex_factor`` (e.g. :class:`mcdm.physics.idm.InelasticMajoranaDM`); ``options`` as the
        fields ``propagator``, ``c8_sign``, ``keep``."""
        try:
            return cls(m_chi=idm.m_chi_gev, delta_kev=idm.delta_gev / _GEV_PER_KEV, g_chi=idm.g_chi,
                       epsilon=idm.epsilon, m_zprime=idm.m_zp_gev,
                       vertex_factor=getattr(idm, "vertex_factor", 1.0), **options)
        except AttributeError as exc:
            raise ConfigError(f"from_idm: the model lacks {exc.name!r} (need m_chi_gev, delta_gev, g_chi, "
                              "epsilon, m_zp_gev)") from None

    @property
    def contact_coupling(self) -> float:
        """G = k g_chi eps e / m_Z'^2 [GeV^-2] (e = sqrt(4 pi alpha))."""
        return self.vertex_factor * self.g_chi * self.epsilon * math.sqrt(4.0 * math.pi * ALPHA) / self.m_zprime**2


@dataclass(frozen=True)
class MagneticDM:
    """Seed-004 magnetic inelastic DM over the year: ``midm`` a MagneticInelasticDM (delta > 0 in GeV)
    and the cross-section ``prefactor`` of :mod:`mcdm.physics.cross_section` (``"paper"``: 1/4 pi,
    ``"standard"``: 1/2 pi)."""

    midm: Any
    prefactor: str = "paper"
    model: ClassVar[str] = "magnetic"

    def __post_init__(self) -> None:
        if self.prefactor not in ("paper", "standard"):
            raise ConfigError(f"prefactor must be 'paper' or 'standard', got {self.prefactor!r}")
        for name in ("m_chi", "delta", "e_mu_scattering"):
            if not hasattr(self.midm, name):
                raise ConfigError("MagneticDM.midm must be a MagneticInelasticDM-like model")

    @property
    def m_chi(self) -> float:
        return float(self.midm.m_chi)

    @property
    def delta_kev(self) -> float:
        return float(self.midm.delta) / _GEV_PER_KEV


# ---------------------------------------------------------------------------------- kinematics
def _mu(m_chi: float, m_t: Any) -> Any:
    return m_chi * m_t / (m_chi + m_t)


def v_min_km_s(e_r_kev: Any, m_chi: float, m_target: float, delta_kev: float) -> np.ndarray:
    """Eq. (111): |m_T E_R/mu_T + delta| / sqrt(2 m_T E_R) [km/s]; E_R [keV] > 0, masses [GeV],
    delta [keV] (< 0 exothermic)."""
    e = _checks.array(e_r_kev, "e_r_kev", "keV", ge=1e-20, le=1e20)
    m_chi, m_t = _pos(m_chi, "m_chi", "GeV"), _pos(m_target, "m_target", "GeV")
    delta = _finite(delta_kev, "delta_kev", "keV") * _GEV_PER_KEV
    er = e * _GEV_PER_KEV
    # digest 003 Eq. (111), delta -> -delta and |.| for exothermic
    return (np.abs(m_t * er / _mu(m_chi, m_t) + delta) / np.sqrt(2.0 * m_t * er) * C_KM_S)[()]


def threshold_speed_km_s(m_chi: float, m_target: float, delta_kev: float) -> float:
    """Lowest speed that scatters, sqrt(2 delta/mu_T) [km/s] (0 for delta <= 0); reached at
    E_R = mu_T |delta| / m_T."""
    delta = _finite(delta_kev, "delta_kev", "keV") * _GEV_PER_KEV
    mu = _mu(_pos(m_chi, "m_chi", "GeV"), _pos(m_target, "m_target", "GeV"))
    # digest 003 §10.1 [DERIVED]: v_thr = sqrt(2 delta / mu_T)
    return math.sqrt(2.0 * delta / mu) * C_KM_S if delta > 0 else 0.0


def recoil_energy_range_kev(v_km_s: Any, m_chi: float, m_target: float, delta_kev: float
                            ) -> tuple[np.ndarray, np.ndarray]:
    """(E_R^-, E_R^+) = [mu v -+ sqrt(mu^2 v^2 - 2 mu delta)]^2 / (2 m_T) [keV]; nan below threshold."""
    v = np.asarray(v_km_s, dtype=float) / C_KM_S
    m_chi, m_t = _pos(m_chi, "m_chi", "GeV"), _pos(m_target, "m_target", "GeV")
    delta = _finite(delta_kev, "delta_kev", "keV") * _GEV_PER_KEV
    mu = _mu(m_chi, m_t)
    disc = (mu * v) ** 2 - 2.0 * mu * delta
    root = np.sqrt(np.where(disc >= 0, disc, np.nan))
    # digest 003 §10.1 [DERIVED]: E_R^pm; the lower root as 2 mu delta/(mu v + root) (no cancellation)
    hi = (mu * v + root) ** 2 / (2.0 * m_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo_q = np.where(delta > 0, 2.0 * mu * delta / (mu * v + root), mu * v - root)
    lo = np.abs(lo_q) ** 2 / (2.0 * m_t)
    return (lo / _GEV_PER_KEV)[()], (hi / _GEV_PER_KEV)[()]


# ---------------------------------------------------------------------------------- halo moments
def _g_moment(x: np.ndarray, s: np.ndarray, v0: float) -> np.ndarray:
    """Antiderivative of (x+s)^2 e^{-x^2/v0^2} in x (module docstring)."""
    return ((s * s + 0.5 * v0 * v0) * (0.5 * math.sqrt(math.pi) * v0) * special.erf(x / v0)
            - 0.5 * v0 * v0 * (x + 2.0 * s) * np.exp(-(x / v0) ** 2))


def eta_shm(v_min: Any, u_km_s: Any, halo: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean inverse speed eta [s/km] and first moment eta_1 [km/s] of the truncated SHM in a lab
    moving at speed ``u_km_s`` [km/s], for ``v_min`` [km/s]; broadcasting (e.g. u (T, 1), v_min (E,)).

    eta = int_{v>v_min} f/v d^3v, eta_1 = int_{v>v_min} f v d^3v (module docstring); ``halo`` has
    ``v0``, ``v_esc`` [km/s] and ``norm`` (:class:`mcdm.source.StandardHaloModel`).
    """
    vmin_in = np.asarray(v_min, dtype=float)
    u_in = np.asarray(u_km_s, dtype=float)
    if np.any(~np.isfinite(vmin_in)) or np.any(vmin_in < 0):
        raise ConfigError("v_min must be finite and >= 0 [km/s]")
    if np.any(~np.isfinite(u_in)) or np.any(u_in < 0):
        raise ConfigError("u_km_s must be finite and >= 0 [km/s]")
    vmin, u = np.broadcast_arrays(vmin_in, u_in)
    v0, vesc, n0 = float(halo.v0), float(halo.v_esc), float(halo.norm)
    e_esc = math.exp(-((vesc / v0) ** 2))
    static = u < 1.0e-6 * v0
    us = np.where(static, 1.0, u)  # placeholder speed for the static points (replaced below)
    vm = np.minimum(vmin, vesc + us)
    lo = np.maximum(vm, us - vesc)  # support |v - u| < v_esc
    hi = vesc + us
    top2 = np.maximum(lo, vesc - us)  # end of the inner region v + u < v_esc
    half = 0.5 * math.sqrt(math.pi) * v0
    pref = math.pi * v0**2 / (us * n0)
    # eta: integrals of e^{-(v-u)^2}, e^{-(v+u)^2} (inner region) and e^{-z^2} (outer region)
    i1 = half * (special.erf((hi - us) / v0) - special.erf((lo - us) / v0))
    i2 = half * (special.erf((top2 + us) / v0) - special.erf((lo + us) / v0))
    i3 = e_esc * (hi - top2)
    eta = np.where(lo < hi, np.maximum(pref * (i1 - i2 - i3), 0.0), 0.0)
    # eta_1: the same with weight v^2 (antiderivative _g_moment, s = u and s = -u)
    j1 = _g_moment(hi - us, us, v0) - _g_moment(lo - us, us, v0)
    j2 = _g_moment(top2 + us, -us, v0) - _g_moment(lo + us, -us, v0)
    j3 = e_esc * (hi**3 - top2**3) / 3.0
    eta1 = np.where(lo < hi, np.maximum(pref * (j1 - j2 - j3), 0.0), 0.0)
    if np.any(static):  # static halo: 4 pi/N int v^{1,3} e^{-v^2/v0^2} dv, sharp cut at v_esc
        a = np.minimum(vmin, vesc)
        ea = np.exp(-((a / v0) ** 2))
        eta_s = np.maximum(2.0 * math.pi * v0**2 / n0 * (ea - e_esc), 0.0)
        eta1_s = np.maximum(2.0 * math.pi * v0**2 / n0 * ((a * a + v0 * v0) * ea - (vesc**2 + v0 * v0) * e_esc), 0.0)
        eta = np.where(static, eta_s, eta)
        eta1 = np.where(static, eta1_s, eta1)
    return eta[()], eta1[()]


# ---------------------------------------------------------------------------------- couplings
def axial_proton_coefficients(params: AxialProtonDM, q2_gev2: Any) -> tuple[np.ndarray, np.ndarray]:
    """(c_8^p, c_9^p) [GeV^-2] at q^2 [GeV^2] (module docstring): c_9 = 2 G(q), c_8 = c8_sign 2 G(q)."""
    q2 = np.asarray(q2_gev2, dtype=float)
    g = params.contact_coupling
    if params.propagator == "full":
        g = g * params.m_zprime**2 / (q2 + params.m_zprime**2)  # 1/(q^2 + m_Z'^2)
    else:
        g = g * np.ones_like(q2)
    return params.c8_sign * 2.0 * g, 2.0 * g


# ---------------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class NreftTarget:
    """One nuclide of a target: ``response`` (NuclearResponse or None for Helm-only SI), mass
    fraction ``w`` [1], mass ``mass_gev`` [GeV], A, Z and Helm parameters (c, a, s) [fm]."""

    name: str
    w: float
    mass_gev: float
    A: int
    Z: int
    response: Any = None


def nreft_targets(target: str | Mapping[str, float], model: str) -> list[NreftTarget]:
    """Nuclides of ``target`` with mass fractions, and responses for the NREFT models (module docstring)."""
    from mcdm.physics.interaction import target_properties
    from mcdm.physics.recoil import target_fractions

    if model == "si":
        fr = target_fractions(target)
        return [NreftTarget(t.name, w, t.mass_gev, int(t.A), int(t.Z))
                for t, w in zip(target_properties(list(fr)), fr.values())]
    if isinstance(target, str) and target.strip() == "Xe":
        from mcdm.physics.xenon import xenon_target

        entries = xenon_target("shell_model")
        total = sum(a * r.mass_gev for r, a in entries)
        return [NreftTarget(r.name, a * r.mass_gev / total, r.mass_gev, r.A, r.Z, r)
                for r, a in entries]
    from mcdm.physics.nuclear import response_for

    fr = target_fractions(target)
    out = []
    for name, w in fr.items():
        r = response_for(name, allow_helm=True)
        out.append(NreftTarget(r.name, w, r.mass_gev, r.A, r.Z, r))
    return out


def _w_pp(resp: Any, op: str, q: np.ndarray, c_a: np.ndarray, c_b: np.ndarray) -> np.ndarray:
    """sum_{tau tau'} c_a^tau c_b^tau' W_op^{tau tau'}(q) for proton-only c^0 = c^1 = c^p [1 x c^2]."""
    total = np.zeros_like(q)
    for t in (0, 1):
        for tp in (0, 1):
            total = total + resp.W(op, t, tp, q)
    return c_a * c_b * total


def _ab_axial(params: AxialProtonDM, tgt: NreftTarget, e_kev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A(q), B(q) [GeV^-4] of |M|^2 = A + B v_perp^2 (v_perp in c) for the axial-proton model."""
    resp = tgt.response
    q2 = 2.0 * tgt.mass_gev * e_kev * _GEV_PER_KEV
    q = np.sqrt(q2)
    c8, c9 = axial_proton_coefficients(params, q2)  # c^0 = c^1 = c^p (proton only)
    c8 = c8 if "c8" in params.keep else np.zeros_like(c8)
    c9 = c9 if "c9" in params.keep else np.zeros_like(c9)
    qm2 = q2 / M_PROTON_GEV**2
    d_q2 = (params.delta_kev * _GEV_PER_KEV) ** 2 / q2  # (delta/q)^2, the longitudinal part of w
    w_m = 0.25 * _w_pp(resp, "M", q, c8, c8)
    # AFH Eq. (38), j_chi = 1/2, plus the inelastic delta^2/q^2 in R_M (module docstring)
    b = w_m
    a = (d_q2 * w_m + qm2 / 16.0 * _w_pp(resp, "SigmaP", q, c9, c9)
         + qm2 * (0.25 * _w_pp(resp, "Delta", q, c8, c8) - 0.25 * _w_pp(resp, "DeltaSigmaP", q, c8, c9)))
    norm = 4.0 * math.pi / (2.0 * resp.spin + 1.0)
    return norm * a, norm * b


def _ab_magnetic(params: MagneticDM, tgt: NreftTarget, e_kev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A, B [GeV^-4] of the MIDM |M|^2 from :func:`mcdm.physics.cross_section.matrix_element_sq`."""
    from mcdm.physics.cross_section import matrix_element_sq

    resp, model = tgt.response, params.midm
    mu = _mu(float(model.m_chi), tgt.mass_gev)
    q = np.sqrt(2.0 * tgt.mass_gev * e_kev * _GEV_PER_KEV)
    vmin = (0.5 * q / mu + model.delta / q) * C_KM_S
    s = 300.0  # v_perp [km/s] of the second evaluation (|M|^2 is linear in v_perp^2)
    m0 = matrix_element_sq(model, resp, q, np.minimum(vmin, C_KM_S))
    m1 = matrix_element_sq(model, resp, q, np.minimum(np.sqrt(vmin**2 + s * s), C_KM_S))
    return np.asarray(m0, dtype=float), (np.asarray(m1) - m0) / (s / C_KM_S) ** 2


def _ab_si(params: SpinIndependentDM, tgt: NreftTarget, e_kev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = pi sigma_p/mu_p^2 A^2 F^2 [GeV^-4], B = 0 (module docstring)."""
    from mcdm.physics.recoil import helm_form_factor_squared

    mu_p = _mu(params.m_chi, M_PROTON_GEV)
    c1sq = math.pi * params.sigma_p / mu_p**2 / HBARC_GEV_CM**2  # sigma_p = mu_p^2 c1^2 / pi
    a = c1sq * tgt.A**2 * helm_form_factor_squared(e_kev, tgt.name)
    return np.asarray(a, dtype=float), np.zeros_like(e_kev)


def msq_coefficients(params: Any, nuclide: NreftTarget, e_r_kev: Any) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) [GeV^-4] of |M|^2 = A + B v_perp^2 (v_perp in units of c) at E_R [keV] on one nuclide
    (an entry of :func:`nreft_targets`, or any NreftTarget with a response); module docstring."""
    _check_params(params)
    e = _energies(e_r_kev)
    ab = {"si": _ab_si, "axial_proton": _ab_axial, "magnetic": _ab_magnetic}[params.model]
    return ab(params, nuclide, e)


def _prefactor(params: Any) -> float:
    """P of dsigma/dE_R = P m_T |M|^2 / v^2 [1]."""
    if isinstance(params, MagneticDM) and params.prefactor == "paper":
        return 0.25 / math.pi
    return 0.5 / math.pi


def _check_params(params: Any) -> None:
    if not isinstance(params, (SpinIndependentDM, AxialProtonDM, MagneticDM)):
        raise ConfigError(f"model parameters must be SpinIndependentDM, AxialProtonDM or MagneticDM, "
                          f"got {type(params).__name__}")


def _energies(e_r_kev: Any) -> np.ndarray:
    e = np.asarray(e_r_kev, dtype=float).reshape(-1)
    if e.size == 0 or np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise ConfigError("e_r_kev must be a non-empty array of finite energies > 0 [keV]")
    return e


def recoil_spectra(e_r_kev: Any, u_km_s: Any, params: Any, target: str | Mapping[str, float] = "Xe",
                   halo: Any = None) -> np.ndarray:
    """dR/dE_R [events/(kg day keV)] on the grid (lab speeds u [km/s], energies E_R [keV]), shape (T, E).

    Parameters
    ----------
    e_r_kev : array_like (E,) -- recoil energies [keV], > 0
    u_km_s : array_like (T,) -- lab speeds through the halo |u_E| [km/s]
    params : SpinIndependentDM, AxialProtonDM or MagneticDM
    target : formula or mass fractions (``"Xe"`` uses the xenon shell-model responses for NREFT models)
    halo : StandardHaloModel (v0, v_esc, rho_chi); default v0 = 220, v_esc = 544 km/s, 0.3 GeV/cm^3
    """
    from mcdm.source.halo import StandardHaloModel

    _check_params(params)
    halo = StandardHaloModel(v0=220.0, v_esc=544.0, rho_chi=0.3) if halo is None else halo
    e = _energies(e_r_kev)
    u = np.asarray(u_km_s, dtype=float).reshape(-1, 1)
    m_chi, delta = params.m_chi, params.delta_kev
    pref = _prefactor(params)
    out = np.zeros((u.shape[0], e.size))
    for tgt in nreft_targets(target, params.model):
        a, b = msq_coefficients(params, tgt, e)
        vmin = v_min_km_s(e, m_chi, tgt.mass_gev, delta)
        eta, eta1 = eta_shm(vmin[None, :], u, halo)
        eta_c = eta * C_KM_S  # [1/c]
        vperp_c = (eta1 - vmin[None, :] ** 2 * eta) / C_KM_S  # <v_perp^2/v> [c]
        # per kg: w/m_T x GeV/kg; (rho/m_chi) c (hbar c)^2 P m_T |M|^2-moment; per day, per keV
        k = (tgt.w / tgt.mass_gev * GEV_PER_KG * halo.rho_chi / m_chi * _C_CM_S * HBARC_GEV_CM**2
             * pref * tgt.mass_gev * SECONDS_PER_DAY * _GEV_PER_KEV)
        out += k * (a[None, :] * eta_c + b[None, :] * np.maximum(vperp_c, 0.0))
    return out


# ---------------------------------------------------------------------------------- the year
def earth_speeds_km_s(days: Any, year: int = 2025, earth_model: str = "mccabe", start: str | None = None) -> np.ndarray:
    """|u_E(t)| [km/s] at ``days`` [d] since ``start`` (ISO 8601 UTC; default ``year``-01-01 00:00 UTC)
    (:func:`mcdm.source.earth_velocity`)."""
    import astropy.units as au
    from astropy.time import Time

    from mcdm.source.earth_velocity import earth_velocity

    d = np.asarray(days, dtype=float).reshape(-1)
    if d.size == 0 or np.any(~np.isfinite(d)):
        raise ConfigError("days must be a non-empty array of finite numbers [d]")
    t = Time(start or f"{int(year):04d}-01-01T00:00:00", scale="utc") + d * au.day
    return np.linalg.norm(earth_velocity(t, model=earth_model), axis=1)


@dataclass(frozen=True)
class AnnualSpectra:
    """dR/dE_R over the year: ``rate`` (n_days, n_E) [events/(kg day keV)] at ``days`` [d since
    1 January] and ``e_r_kev`` [keV]; ``u_km_s`` the Earth's speed through the halo per day."""

    days: np.ndarray
    e_r_kev: np.ndarray
    rate: np.ndarray
    u_km_s: np.ndarray


def annual_spectra(e_r_grid_kev: Any, days: Any, model_params: Any, target: str | Mapping[str, float] = "Xe",
                   halo: Any = None, *, year: int = 2025, earth_model: str = "mccabe") -> AnnualSpectra:
    """The year of spectra dR/dE_R(t) (vectorised over days and energies); see :func:`recoil_spectra`.

    ``days`` [d since ``year``-01-01 00:00 UTC]; ``earth_model`` of :func:`mcdm.source.earth_velocity`.
    """
    d = np.asarray(days, dtype=float).reshape(-1)
    u = earth_speeds_km_s(d, year, earth_model)
    e = _energies(e_r_grid_kev)
    return AnnualSpectra(d, e, recoil_spectra(e, u, model_params, target, halo), u)


@dataclass(frozen=True)
class ModulationFit:
    """R(t, E) = S0 + Sm cos(2 pi (t - t0)/T): mean ``s0`` and amplitude ``sm`` (>= 0) [rate units],
    ``phase_day`` t0 of the maximum [d since 1 January, in [0, T)], per energy; ``fraction`` = Sm/S0."""

    s0: np.ndarray
    sm: np.ndarray
    phase_day: np.ndarray
    period_days: float

    @property
    def fraction(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.s0 > 0, self.sm / self.s0, np.nan)


def modulation_fit(days: Any, rates: Any, period_days: float = YEAR_DAYS) -> ModulationFit:
    """Least-squares fit of S0 + a cos(w t) + b sin(w t), w = 2 pi / T, to ``rates`` (n_days, ...)
    [any units] at ``days`` [d since 1 January]; Sm = sqrt(a^2 + b^2), t0 = atan2(b, a)/w mod T."""
    d = np.asarray(days, dtype=float).reshape(-1)
    r = np.asarray(rates, dtype=float)
    if r.shape[0] != d.size or d.size < 3:
        raise ConfigError(f"rates must have n_days = {d.size} >= 3 rows, got shape {r.shape}")
    period = _pos(period_days, "period_days", "d")
    w = 2.0 * math.pi / period
    design = np.stack([np.ones_like(d), np.cos(w * d), np.sin(w * d)], axis=1)
    coef, *_ = np.linalg.lstsq(design, r.reshape(d.size, -1), rcond=None)
    s0, a, b = (c.reshape(r.shape[1:]) for c in coef)
    phase = np.mod(np.arctan2(b, a) / w, period)
    return ModulationFit(s0[()], np.hypot(a, b)[()], phase[()], period)


# ---------------------------------------------------------------------------------- catalogs
def expected_counts(spectra: AnnualSpectra, exposure_kg_day: float) -> np.ndarray:
    """Expected events per grid cell (n_days - 1, n_E - 1) [1]: trapezoid over each (day, E) cell,
    detector mass = exposure / (days[-1] - days[0]) [kg] live throughout."""
    d, e, r = spectra.days, spectra.e_r_kev, spectra.rate
    if d.size < 2 or e.size < 2 or np.any(np.diff(d) <= 0) or np.any(np.diff(e) <= 0):
        raise ConfigError("spectra need >= 2 increasing days and energies")
    mass = _pos(exposure_kg_day, "exposure_kg_day", "kg day", allow_zero=True) / (d[-1] - d[0])
    corners = 0.25 * (r[:-1, :-1] + r[1:, :-1] + r[:-1, 1:] + r[1:, 1:])
    return mass * corners * np.diff(d)[:, None] * np.diff(e)[None, :]


def sample_recoil_events(rng: np.random.Generator, spectra_table: AnnualSpectra, exposure_kg_day: float
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Draw a synthetic catalog from dR/dE_R(t): Poisson total, cells by their expected counts
    (:func:`expected_counts`), the time uniform in the cell and E_R from the cell's density linear in E.

    Returns (times [d since 1 January of the table's year], energies [keV]), sorted by time.
    """
    if not isinstance(rng, np.random.Generator):
        raise ConfigError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    mu = expected_counts(spectra_table, exposure_kg_day)
    total = float(mu.sum())
    n = int(rng.poisson(total)) if total > 0 else 0
    if n == 0:
        return np.zeros(0), np.zeros(0)
    cdf = np.cumsum(mu.ravel())
    cell = np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), cdf.size - 1)
    i, j = np.unravel_index(cell, mu.shape)
    d, e, r = spectra_table.days, spectra_table.e_r_kev, spectra_table.rate
    t = d[i] + rng.random(n) * (d[i + 1] - d[i])
    # density over the cell, averaged over its two days, linear in E: f0 at e_j, f1 at e_{j+1}
    f0 = 0.5 * (r[i, j] + r[i + 1, j])
    f1 = 0.5 * (r[i, j + 1] + r[i + 1, j + 1])
    x = rng.random(n)
    slope = f1 - f0
    with np.errstate(divide="ignore", invalid="ignore"):
        # inverse CDF of f(s) = f0 + slope s on [0, 1]: (f0 s + slope s^2/2) = x (f0 + f1)/2
        s = np.where(np.abs(slope) > 1e-12 * np.maximum(f0 + f1, 1e-300),
                     (np.sqrt(np.maximum(f0 * f0 + slope * x * (f0 + f1), 0.0)) - f0) / slope, x)
    energies = e[j] + np.clip(s, 0.0, 1.0) * (e[j + 1] - e[j])
    order = np.argsort(t, kind="stable")
    return t[order], energies[order]


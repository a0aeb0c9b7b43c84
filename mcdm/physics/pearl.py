"""Nielsen & Froggatt's dark-matter "pearls" (seed 000): the model and its derived quantities.

A pearl is a ~1 nm bubble of a second vacuum holding ordinary matter compressed to rho_B, inside
an interstellar dust grain that is stripped off on arrival (digest 000 §1). This module holds the
inputs of digest §9.2 as one frozen dataclass and the closed-form relations between them; the
paper's ambiguous factors are named options (digest §8):

* ``sigma_convention``: the dust cross section from its radius, ``"eq6"`` sigma = (2 r_dust)^2
  (default: reproduces M = 3e-15 kg), ``"eq30"`` 4 pi r_dust^2, ``"eq116"`` pi r_dust^2;
* ``k_solid``: terminal speed in solids = liquid-xenon Stokes speed / k_solid, 250 (Eq. 78) or 2500
  (the 10 % modulated-fraction correction, Eqs. 87-89);
* ``modulated_fraction``: f_mod, 0.1 (30/300 km/s, §4.3.1) or 1 (the §4.5 comparison);
* ``dust_stripping``: ``"atmosphere_entry"`` (naked bubble for all drag, the Eq. 110 assumption).

Units: SI throughout (kg, m, s, Pa s), energies in keV or MeV as the names say; conversions to
mcdm's internal units (GeV, cm, km/s) are explicit properties.

The Fermi momentum can be given directly (``p_f_mev``) or through the paper's two other handles:
:meth:`PearlModel.from_xi_over_dv` (the line fit xi_fS^{1/4}/Delta V, Eq. 10) and
:meth:`PearlModel.from_homolumo_gap` (Eq. 2 inverted: 3.5 keV needs p_f = 3.97 MeV, digest §8 item 1).
The self-interaction curve is :mod:`mcdm.physics.pearl_sidm`, the paper's analytic chain
:mod:`mcdm.physics.pearl_paper`.

Public API: :class:`PearlModel`, :data:`SIGMA_CONVENTIONS`, :func:`density_from_fermi_momentum`,
:func:`homolumo_gap_kev`, :func:`fermi_momentum_from_gap_kev`, :func:`fermi_momentum_from_xi`,
:func:`xi_over_dv`, :func:`electron_density_m3`, :func:`radius_from_mass`, :func:`mass_from_radius`,
:func:`r2_over_m_coefficient`, :func:`kg_to_gev`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from mcdm.constants import ALPHA, GEV_PER_GRAM, HBARC_GEV_CM
from mcdm.errors import ConfigError

__all__ = ["PearlModel", "SIGMA_CONVENTIONS", "DUST_STRIPPING", "density_from_fermi_momentum",
           "homolumo_gap_kev", "fermi_momentum_from_gap_kev", "fermi_momentum_from_xi", "xi_over_dv",
           "electron_density_m3", "radius_from_mass", "mass_from_radius", "r2_over_m_coefficient",
           "kg_to_gev", "M_NUCLEON_KG", "G_ACCEL", "YEAR_S", "KEV_J", "CM2_G_PER_M2_KG"]

#: nucleon mass used by the paper for rho_B (digest §1.4: 1.675e-27 kg) [kg]
M_NUCLEON_KG = 1.675e-27
#: gravitational acceleration (implicit in the paper, digest §6.1) [m/s^2]
G_ACCEL = 9.8
#: the paper's year, 365 x 24 x 60 x 60 s (Eqs. 80-81) [s]
YEAR_S = 365.0 * 86400.0
#: dust cross section from the grain radius: name -> factor f in sigma = f r_dust^2
SIGMA_CONVENTIONS = {"eq6": 4.0, "eq30": 4.0 * math.pi, "eq116": math.pi}
DUST_STRIPPING = ("atmosphere_entry",)
#: 1 keV in joule (exact, SI 2019) [J/keV]
KEV_J = 1.602176634e-16
#: 1 m^2/kg expressed in cm^2/g (150 cm^2/g = 15 m^2/kg, Eq. 5)
CM2_G_PER_M2_KG = 10.0
_HBARC_MEV_M = HBARC_GEV_CM * 1.0e3 * 1.0e-2  # hbar c [MeV m]


def electron_density_m3(p_f_mev: float) -> float:
    """n_e = 2 (4 pi/3) p_f^3 / (2 pi)^3 = p_f^3 / (3 pi^2) (Eqs. 11-12) [m^-3]; p_f in MeV."""
    return (p_f_mev / _HBARC_MEV_M) ** 3 / (3.0 * math.pi**2)  # Eq. (12)


def density_from_fermi_momentum(p_f_mev: float, nucleons_per_electron: float = 2.0) -> float:
    """rho_B = n_N m_N with n_e = p_f^3 / (3 pi^2) (Eqs. 11-14) [kg/m^3]."""
    return nucleons_per_electron * M_NUCLEON_KG * electron_density_m3(p_f_mev)  # Eq. (13)


def homolumo_gap_kev(p_f_mev: float) -> float:
    """E_H ~ alpha^{3/2} sqrt(2) p_f (Eq. 2) [keV]."""
    return ALPHA**1.5 * math.sqrt(2.0) * p_f_mev * 1.0e3


def fermi_momentum_from_gap_kev(e_h_kev: float) -> float:
    """p_f that gives the homolumo gap ``e_h_kev`` by Eq. (2) inverted [MeV] (3.5 keV -> 3.97 MeV)."""
    return _positive("e_h_kev", e_h_kev) / (ALPHA**1.5 * math.sqrt(2.0) * 1.0e3)


def xi_over_dv(xi_fs: float, delta_v_mev: float) -> float:
    """The line-fit parameter xi_fS^{1/4} / Delta V (Eqs. 90-91) [MeV^-1] (5^{1/4}/2.5 MeV = 0.598)."""
    return _positive("xi_fs", xi_fs) ** 0.25 / _positive("delta_v_mev", delta_v_mev)


def fermi_momentum_from_xi(xi_over_dv_per_mev: float) -> float:
    """p_f = 2 / (xi_fS^{1/4} / Delta V) (Eq. 10) [MeV] (2 / 0.6 MeV^-1 = 3.33 MeV)."""
    return 2.0 / _positive("xi_over_dv_per_mev", xi_over_dv_per_mev)


def r2_over_m_coefficient(rho_b: float) -> float:
    """C in R^2/M = 1/(M^{1/3} C), C = (4 pi rho_B / 3)^{2/3} (Eqs. 40-41) [kg^{2/3}/m^2]; 1.68e8 at 5.2e11."""
    return (4.0 * math.pi * _positive("rho_b", rho_b) / 3.0) ** (2.0 / 3.0)


def kg_to_gev(mass_kg: float) -> float:
    """A mass in kg as GeV/c^2 (CODATA; the paper's conversions are looser, digest §8 item 11) [GeV]."""
    return float(mass_kg * 1.0e3 * GEV_PER_GRAM)


def radius_from_mass(mass_kg: float, rho_b: float) -> float:
    """R from M = (4 pi / 3) rho_B R^3 (Eq. 74) [m]."""
    return (3.0 * mass_kg / (4.0 * math.pi * rho_b)) ** (1.0 / 3.0)


def mass_from_radius(radius_m: float, rho_b: float) -> float:
    """M = (4 pi / 3) rho_B R^3 (Eq. 74) [kg]."""
    return 4.0 * math.pi / 3.0 * rho_b * radius_m**3


def _positive(name: str, value: float, allow_zero: bool = False, where: str = "PearlModel") -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {name} = {value!r} is not a number") from None
    if not math.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        raise ConfigError(f"{where}: {name} = {value!r} must be finite and {'>=' if allow_zero else '>'} 0")
    return x


@dataclass(frozen=True)
class PearlModel:
    """The pearl's inputs (digest 000 §9.2, paper defaults) and derived quantities.

    Give the size as ``mass_kg`` (default 3e-15 kg, Eq. 8) or ``radius_m`` (then the mass follows
    from rho_B); ``rho_b_kg_m3`` overrides the Fermi-momentum density (e.g. the paper's rounded
    5.2e11 kg/m^3, Eq. 14).

    Parameters
    ----------
    p_f_mev : electron Fermi momentum in the bubble [MeV] (Eq. 10: 2 / 0.6 MeV^-1 = 3.3)
    nucleons_per_electron : [1] (Eq. 13)
    rho_b_kg_m3 : bubble density [kg/m^3]; None = from p_f (Eq. 13)
    mass_kg, radius_m : pearl (bubble) mass [kg] or radius [m]
    e_h_kev : homolumo gap = decay energy [keV]
    r_dust_m : dust-grain radius [m]; dust_modulus_pa : elastic modulus E of normal dust [Pa];
    hardening : factor on E from the homolumo gap (1, 2.5e10, 1e12)
    sigma_convention : see :data:`SIGMA_CONVENTIONS`
    sigma_over_m0_m2_kg : sigma/M at v -> 0 [m^2/kg] (Eq. 5); v0_km_s : velocity parameter [km/s]
    v_start_km_s : arrival speed [km/s]; v_exc_km_s : excitation threshold [km/s]
    drag_coefficient : c_d [1] (Eq. 104: ~1; 2 makes c_d/2 = 1 as in Eq. 110)
    k_solid : v_term,Xe / v_term,solid [1]; eta_lxe_pa_s : liquid-xenon viscosity [Pa s] (Eq. 72)
    modulated_fraction : f_mod [1]; photon_fraction : X-ray fraction of the decays (~alpha) [1]
    dust_stripping : where the dust is lost (:data:`DUST_STRIPPING`)
    """

    p_f_mev: float = 3.3
    nucleons_per_electron: float = 2.0
    rho_b_kg_m3: float | None = None
    mass_kg: float | None = 3.0e-15
    radius_m: float | None = None
    e_h_kev: float = 3.5
    r_dust_m: float = 1.0e-7
    dust_modulus_pa: float = 1.0e9
    hardening: float = 1.0
    sigma_convention: str = "eq6"
    sigma_over_m0_m2_kg: float = 15.0
    v0_km_s: float = 220.0
    v_start_km_s: float = 300.0
    v_exc_km_s: float = 49.0
    drag_coefficient: float = 1.0
    k_solid: float = 250.0
    eta_lxe_pa_s: float = 1.0e-4
    modulated_fraction: float = 0.1
    photon_fraction: float = ALPHA
    dust_stripping: str = "atmosphere_entry"

    def __post_init__(self) -> None:
        if (self.mass_kg is None) == (self.radius_m is None):
            raise ConfigError("PearlModel: give exactly one of mass_kg and radius_m")
        for name in ("p_f_mev", "nucleons_per_electron", "e_h_kev", "r_dust_m", "dust_modulus_pa", "hardening",
                     "sigma_over_m0_m2_kg", "v0_km_s", "v_start_km_s", "drag_coefficient", "k_solid",
                     "eta_lxe_pa_s", "modulated_fraction"):
            object.__setattr__(self, name, _positive(name, getattr(self, name)))
        for name in ("v_exc_km_s", "photon_fraction"):
            object.__setattr__(self, name, _positive(name, getattr(self, name), allow_zero=True))
        for name in ("rho_b_kg_m3", "mass_kg", "radius_m"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _positive(name, getattr(self, name)))
        if self.modulated_fraction > 1 or self.photon_fraction > 1:
            raise ConfigError("PearlModel: modulated_fraction and photon_fraction must be <= 1")
        if self.sigma_convention not in SIGMA_CONVENTIONS:
            raise ConfigError(f"PearlModel: sigma_convention = {self.sigma_convention!r} is not one of "
                              f"{sorted(SIGMA_CONVENTIONS)}")
        if self.dust_stripping not in DUST_STRIPPING:
            raise ConfigError(f"PearlModel: dust_stripping = {self.dust_stripping!r} is not one of "
                              f"{list(DUST_STRIPPING)}")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_xi_over_dv(cls, xi_over_dv_per_mev: float, **kwargs) -> "PearlModel":
        """The model with p_f = 2 / (xi_fS^{1/4}/Delta V) (Eq. 10); other fields as keywords."""
        return cls(p_f_mev=fermi_momentum_from_xi(xi_over_dv_per_mev), **kwargs)

    @classmethod
    def from_homolumo_gap(cls, e_h_kev: float, **kwargs) -> "PearlModel":
        """The model whose p_f gives the gap ``e_h_kev`` through Eq. (2) (3.5 keV -> p_f = 3.97 MeV).

        This is the "th" branch of Table 1 row 5 (xi^{1/4}/Delta V = 2/p_f = 0.50 MeV^-1); the
        default model instead takes p_f = 3.3 MeV from the line-intensity fit (digest §1.3).
        """
        return cls(p_f_mev=fermi_momentum_from_gap_kev(e_h_kev), e_h_kev=e_h_kev, **kwargs)

    # ------------------------------------------------------------------ bubble
    @property
    def xi_over_dv(self) -> float:
        """xi_fS^{1/4}/Delta V = 2 / p_f (Eq. 10) [MeV^-1]."""
        return 2.0 / self.p_f_mev

    @property
    def electron_density(self) -> float:
        """Electron number density in the bubble n_e = p_f^3/(3 pi^2) (Eq. 12) [m^-3]."""
        return electron_density_m3(self.p_f_mev)

    @property
    def rho_b(self) -> float:
        """Bubble density rho_B [kg/m^3] (Eq. 13, or the override)."""
        if self.rho_b_kg_m3 is not None:
            return self.rho_b_kg_m3
        return density_from_fermi_momentum(self.p_f_mev, self.nucleons_per_electron)

    @property
    def mass(self) -> float:
        """Pearl mass M [kg]."""
        return self.mass_kg if self.mass_kg is not None else mass_from_radius(self.radius_m, self.rho_b)

    @property
    def radius(self) -> float:
        """Bubble radius R [m] (Eq. 16)."""
        return self.radius_m if self.radius_m is not None else radius_from_mass(self.mass_kg, self.rho_b)

    @property
    def mass_gev(self) -> float:
        """M [GeV] (Eq. 9)."""
        return kg_to_gev(self.mass)

    @property
    def n_nucleons(self) -> float:
        """Number of nucleons M / m_N (~1e12 at 3e-15 kg, §8) [1]."""
        return self.mass / M_NUCLEON_KG

    @property
    def volume(self) -> float:
        """Bubble volume M / rho_B (Eq. 15) [m^3]."""
        return self.mass / self.rho_b

    @property
    def r2_over_m(self) -> float:
        """R^2 / M (Eqs. 40-41) [m^2/kg]."""
        return self.radius**2 / self.mass

    @property
    def area_over_mass(self) -> float:
        """pi R^2 / M of the naked bubble [m^2/kg] (Eq. 111)."""
        return math.pi * self.radius**2 / self.mass

    @property
    def stopping_column(self) -> float:
        """Column over which the speed falls by e with c_d/2 = 1, M / (pi R^2) (Eq. 110) [kg/m^2]."""
        return 1.0 / self.area_over_mass

    @property
    def homolumo_gap_from_pf_kev(self) -> float:
        """E_H from Eq. (2) at this p_f [keV] (2.9 keV at 3.3 MeV: digest §8 item 1)."""
        return homolumo_gap_kev(self.p_f_mev)

    # ------------------------------------------------------------------ dust
    @property
    def dust_cross_section(self) -> float:
        """Dust-grain cross section sigma from r_dust in the chosen convention [m^2] (Eqs. 6/30/116)."""
        return SIGMA_CONVENTIONS[self.sigma_convention] * self.r_dust_m**2

    @property
    def mass_from_dust(self) -> float:
        """M = sigma / (sigma/M)|_0 (Eqs. 7-8) [kg]."""
        return self.dust_cross_section / self.sigma_over_m0_m2_kg

    @property
    def dust_modulus_effective(self) -> float:
        """Elastic modulus of the hardened dust, E x hardening (Eqs. 46, 49-50) [Pa]."""
        return self.dust_modulus_pa * self.hardening

    @property
    def four_r_dust_e(self) -> float:
        """4 r_dust E with the hardened modulus (Eqs. 48-50: 400 N/m unhardened) [N/m = kg/s^2]."""
        return 4.0 * self.r_dust_m * self.dust_modulus_effective

    @property
    def v0_from_dust_km_s(self) -> float:
        """The velocity scale of sigma/M(v) from this pearl's dust, sqrt(4 r_dust E R^2 / M) (Eq. 35) [km/s]."""
        return math.sqrt(self.four_r_dust_e * self.r2_over_m) * 1.0e-3

    def sigma_over_m(self, v_km_s, form: str = "linear"):
        """sigma/M at relative speed ``v_km_s`` from (sigma/M)|_0 and v0 [m^2/kg] (Eq. 37; ``form``
        ``"linear"`` clamped at v0, or ``"exact"``: see :mod:`mcdm.physics.pearl_sidm`)."""
        from mcdm.physics.pearl_sidm import sigma_over_m

        return sigma_over_m(v_km_s, self.sigma_over_m0_m2_kg, self.v0_km_s, form=form)

    # ------------------------------------------------------------------ sinking
    def terminal_velocity_liquid(self, eta_pa_s: float | None = None) -> float:
        """Stokes terminal speed 2 g rho_B R^2 / (9 eta) (Eq. 76) [m/s]; eta defaults to liquid xenon."""
        eta = self.eta_lxe_pa_s if eta_pa_s is None else _positive("eta_pa_s", eta_pa_s)
        return 2.0 * G_ACCEL * self.rho_b * self.radius**2 / (9.0 * eta)

    def terminal_velocity_solid(self) -> float:
        """v_term,Xe / k_solid (Eq. 78) [m/s]."""
        return self.terminal_velocity_liquid() / self.k_solid

    def passage_time(self, depth_m: float) -> float:
        """Time to sink through ``depth_m`` of solid at the terminal speed [s]."""
        return _positive("depth_m", depth_m, allow_zero=True) / self.terminal_velocity_solid()

"""The sections of a run configuration, as frozen dataclasses in internal units.

Each field's :class:`~mcdm.config.fields.Spec` says what it accepts; defaults are the seed-004
conventions (SHM v0 = 220 km/s, v_esc = 550 km/s, rho = 0.3 GeV/cm^3; digest 004 §2.7).
"""
from __future__ import annotations

from dataclasses import dataclass

from mcdm.config.fields import REQUIRED, spec_field
from mcdm.constants import ALPHA, C_KM_S, GEV_PER_GRAM, GEV_PER_KG, KPC_KM

__all__ = [
    "RunSection",
    "HaloSection",
    "DarkMatterSection",
    "SiteSection",
    "EarthSection",
    "TimeSection",
    "OutputSection",
    "MidmSection",
    "DetectorSection",
    "TransportSection",
    "PearlsSection",
    "ForestSection",
    "NuggetsSection",
    "SidmSection",
    "IdmSection",
    "GlobalSignalSection",
    "SCENARIOS",
    "site_choices",
    "earth_choices",
]

#: scenarios a config may name (the registry of runnable jobs lives in mcdm.run)
SCENARIOS = ("halo_flux", "midm", "transport", "pearls", "forest", "nuggets", "sidm", "idm-recoils", "global_signal")


def site_choices() -> list[str]:
    """Site names and aliases in the geometry library."""
    from mcdm.geometry import library

    names: list[str] = []
    for name in library.available("sites"):
        names.append(name)
        names.extend(library.load_site(name).aliases)
    return names


def earth_choices() -> list[str]:
    """Earth models in the geometry library."""
    from mcdm.geometry import library

    return list(library.available("earth"))


@dataclass(frozen=True)
class RunSection:
    """[run]: what to run, how many samples, how to split them."""

    name: str = spec_field(REQUIRED, "str", doc="run name; outputs go to <output_dir>/<name>/")
    scenario: str = spec_field(REQUIRED, "str", choices=SCENARIOS, doc="what is simulated")
    seed: int = spec_field(12345, "int", ge=0, lt=2**63, doc="master seed of the run")
    samples: int = spec_field(200_000, "int", ge=1, le=10**12, doc="Monte Carlo histories in total")
    shards: int = spec_field(8, "int", ge=1, le=100_000, doc="independent RNG streams (part of the result)")
    workers: int = spec_field(1, "int", ge=1, le=1024, doc="processes (does not change the result)")
    output_dir: str = spec_field("results", "str", doc="folder that receives <name>/")
    scheduler: str = spec_field("", "str", allow_empty=True,
                                doc="\"\" (in-process / local processes), \"local\" (a Dask LocalCluster) or a "
                                    "Dask scheduler address tcp://HOST:PORT (does not change the result)")
    target_rel_error: float = spec_field(0.0, "float", ge=0, lt=1,
                                         doc="add shards until every bin of interest has this relative MC error "
                                             "(0: off)")
    max_samples: int = spec_field(0, "int", ge=0, le=10**13,
                                  doc="cap on histories when target_rel_error is set (0: 20 x samples)")


@dataclass(frozen=True)
class HaloSection:
    """[halo]: the galactic velocity distribution and the Earth's motion (digest 004 §2.7)."""

    model: str = spec_field("shm", "str", choices=("shm",), doc="Standard Halo Model with a sharp escape cut")
    v0: float = spec_field(220.0, "quantity", physical_type="speed", unit="km/s", gt=0, le=2000,
                           doc="most probable speed v0")
    v_esc: float = spec_field(550.0, "quantity", physical_type="speed", unit="km/s", gt=0, le=5000,
                              doc="galactic escape speed")
    rho: float = spec_field(0.3, "quantity", physical_type="energy density", unit="GeV/cm3", gt=0, le=1e3,
                            doc="local dark-matter density")
    earth_velocity: str = spec_field("mccabe", "str", choices=("mccabe", "astropy"),
                                     doc="Earth orbit: McCabe (2014) analytic, or astropy ephemeris")
    v_lsr: tuple = spec_field((0.0, 220.0, 0.0), "vector", physical_type="speed", unit="km/s", length=3,
                              gt=-C_KM_S, lt=C_KM_S,
                              doc="local standard of rest (U, V, W)")
    v_pec: tuple = spec_field((11.1, 12.2, 7.3), "vector", physical_type="speed", unit="km/s", length=3,
                              gt=-C_KM_S, lt=C_KM_S,
                              doc="solar peculiar velocity (U, V, W)")


@dataclass(frozen=True)
class DarkMatterSection:
    """[dark_matter]: particle properties."""

    mass: float = spec_field(1000.0, "quantity", physical_type="mass", unit="GeV", gt=0, le=1e30,
                             doc="dark-matter mass m_chi")


@dataclass(frozen=True)
class SiteSection:
    """[site]: the underground laboratory (geometry/sites/)."""

    name: str = spec_field(REQUIRED, "str", choices=site_choices, doc="site name or alias, e.g. 'lngs'")


@dataclass(frozen=True)
class EarthSection:
    """[earth]: the layered Earth model (geometry/earth/)."""

    model: str = spec_field("prem", "str", choices=earth_choices, doc="Earth model")
    max_shell_thickness: float = spec_field(100.0, "quantity", physical_type="length", unit="km", gt=0,
                                            le=7000, doc="thickest shell when a smooth profile is discretised")
    ocean: str = spec_field("crust", "str", choices=("crust", "water"),
                            doc="PREM's 3 km ocean: 'crust' (land sites) or 'water' (as published); "
                                "ignored by models without an ocean")


@dataclass(frozen=True)
class TimeSection:
    """[time]: the time grid (UTC)."""

    start: str = spec_field("2000-01-01T00:00:00.000", "time", doc="start of the first bin, ISO 8601 UTC")
    bins: int = spec_field(24, "int", ge=1, le=1_000_000, doc="number of time bins")
    width: float = spec_field(3600.0, "quantity", physical_type="time", unit="h", gt=0, le=3.2e8,
                              doc="bin width (solar), or ignored for kind='sidereal' (one sidereal day / bins)")
    kind: str = spec_field("solar", "str", choices=("solar", "sidereal"), doc="solar hours or sidereal-day bins")


@dataclass(frozen=True)
class OutputSection:
    """[output]: what is written besides the histograms and the manifest."""

    catalog_events: int = spec_field(2000, "int", ge=0, le=10**8,
                                     doc="arrivals written to the event catalog (0: no catalog)")
    plot: bool = spec_field(True, "bool", doc="write PNG figures")
    progress: bool = spec_field(True, "bool", doc="show a progress bar")


#: the five isotopes of seed 004 (Table 2), the default target set
TABLE2_ISOTOPES = ("Mg24", "Mg25", "Al27", "Si29", "Fe56")


@dataclass(frozen=True)
class MidmSection:
    """[midm]: magnetic inelastic dark matter (seed 004; digest 004 §2.1-2.5, §8.1-8.3)."""

    delta: float = spec_field(15e-6, "quantity", physical_type="energy", unit="keV", gt=0, le=1e-2,
                              doc="mass splitting delta = m_chi2 - m_chi")
    g_M: float = spec_field(2e-3, "float", gt=0, le=1e3, doc="magnetic dipole coupling g_M (Eq. 4)")
    coupling_convention: str = spec_field("paper", "str", choices=("paper", "authors_code"),
                                          doc="paper: mu = g e/(4 m) (Eq. 4); authors_code: scattering mu^2 x 2")
    cross_section_prefactor: str = spec_field("paper", "str", choices=("paper", "standard"),
                                              doc="Eq. (32) mu^2/(4 pi) (paper) or mu^2/(2 pi) (standard)")
    constants: str = spec_field("codata", "str", choices=("codata", "seed004_code"),
                                doc="constants convention (alpha, m_N, nuclear masses)")
    isotopes: tuple = spec_field(TABLE2_ISOTOPES, "strlist",
                                 doc="target isotopes (default: the Table 2 set of the paper)")
    allow_helm: bool = spec_field(False, "bool",
                                  doc="allow a Helm form factor (M response only) for isotopes without tables")
    velocity_sampling: str = spec_field("mixture", "str", choices=("mixture", "halo"),
                                        doc="halo velocities: defensive mixture with lab-isotropic draws "
                                            "(mcdm.source.importance) or the halo itself")
    halo_fraction: float = spec_field(0.5, "float", gt=0, le=1,
                                      doc="share of mixture draws taken from the halo itself (alpha)")
    estimator: str = spec_field("next_event", "str", choices=("next_event", "eq41_as_printed", "eq41_authors_code"),
                                doc="physical next-event estimator (DESIGN.md §4); the paper's Eq. (41) literally; "
                                    "or Eq. (41) times the |sin theta_lab| of the authors' code (digest 004 §8.2)")


@dataclass(frozen=True)
class DetectorSection:
    """[detector]: the detector volume and what a synthetic catalog assumes (seed 004 §2.9, §2.14)."""

    volume: float = spec_field(1e9, "quantity", physical_type="volume", unit="m3", gt=0, le=1e12,
                               doc="fiducial volume (rate scales with it for R_D << decay length)")
    live_time: float = spec_field(86400.0, "quantity", physical_type="time", unit="d", ge=0, le=3.2e9,
                                  doc="live time of the synthetic catalog (0: no catalog)")
    resolution: float = spec_field(0.10, "float", ge=0, le=10,
                                   doc="sigma_E/E at 5.9 keV (Eq. 42: 10 %, scaling as 1/sqrt(E))")
    background: float = spec_field(0.0, "float", ge=0, le=1e12,
                                   doc="flat background [events / keV / year] (CYGNUS: ~1e4)")


@dataclass(frozen=True)
class TransportSection:
    """[transport]: strongly interacting dark matter slowed by atmosphere, rock and Earth (issue 6).

    The interaction is point-like spin-independent nuclear scattering (``sigma_p``,
    ``form_factor``) or a macroscopic body slowed by drag (``radius``, ``drag_coefficient``, with
    the mass of [dark_matter]). The ``continuous`` method (straight lines, verne's regime) gives
    every time bin; the ``discrete`` scatter Monte Carlo (DaMaSCUS's regime) scores the detector
    shell in ``rings`` isodetection rings about the DM wind and reads every time bin from them.
    """

    model: str = spec_field("spin_independent", "str", choices=("spin_independent", "drag"),
                            doc="interaction: point-like spin-independent nuclear scattering, or "
                                "drag on a macroscopic body (seed 000 Eq. 106)")
    sigma_p: float = spec_field(1e-30, "quantity", physical_type="area", unit="cm2", ge=0, le=1.0,
                                doc="DM-proton cross section at q = 0 (spin_independent)")
    form_factor: str = spec_field("helm", "str", choices=("helm", "none"),
                                  doc="nuclear form factor of spin_independent scattering")
    radius: float = spec_field(0.0, "quantity", physical_type="length", unit="cm", ge=0, le=1.0,
                               doc="radius R of the body (drag only; required there; geometric "
                                   "cross section pi R^2)")
    drag_coefficient: float = spec_field(2.0, "float", gt=0, le=100, doc="drag coefficient c_d (drag only)")
    method: str = spec_field("continuous", "str", choices=("continuous", "discrete"),
                             doc="continuous slowing-down along straight lines (every time bin), or "
                                 "discrete-scatter Monte Carlo (isodetection rings in the spherical world, or the planar "
                                 "Monte Carlo under overburden slabs; spin_independent only)")
    v_cut: float = spec_field(1.0, "quantity", physical_type="speed", unit="km/s", ge=1e-3, le=1000,
                              doc="particles slower than this are stopped (thermalised) and not counted")
    atmosphere: bool = spec_field(True, "bool", doc="put the US Standard Atmosphere 1976 on the Earth")
    speed_bins: int = spec_field(45, "int", ge=1, le=10_000, doc="bins of the speed histograms")
    speed_max: float = spec_field(900.0, "quantity", physical_type="speed", unit="km/s", gt=0, le=2000,
                                  doc="upper edge of the speed histograms (faster speeds: overflow)")
    importance: str = spec_field("auto", "str", choices=("auto", "none"),
                                 doc="discrete method: splitting/roulette map tuned by pilot runs, or none")
    rings: int = spec_field(18, "int", ge=1, le=3600,
                            doc="discrete method: isodetection rings of equal solid angle about the DM "
                                "wind into which the detector shell is cut (time bins read them)")
    tracks: int = spec_field(0, "int", ge=0, le=10_000,
                             doc="discrete method: primaries whose every vertex is written to "
                                 "tracks.parquet (0: none)")
    target: str = spec_field("", "str", allow_empty=True,
                             doc="detector target for the nuclear-recoil rate (chemical formula such as 'Xe', "
                                 "'CaWO4', 'Ge'; '' = no rate); spin_independent only")
    threshold: float = spec_field(1e-6, "quantity", physical_type="energy", unit="keV", gt=0, le=1e-2,
                                  doc="recoil-energy threshold of the detector rate")
    exposure: float = spec_field(1000.0, "float", gt=0, le=1e12,
                                 doc="exposure [kg day] for expected event counts and the blind-spot band")
    detector_depth: str = spec_field("site", "str",
                                     doc="'site' (the site's depth) or a depth below the surface such as "
                                         "'1 m' (a surface detector at the site's coordinates)")
    overburden: str = spec_field("site", "str",
                                 doc="'site' (the detector at the site's depth in the spherical Earth) or a "
                                     "geometry/overburden entry or TOML path: flat slabs above a detector at "
                                     "the surface point, planar approximation; with method = discrete the planar "
                                         "scatter Monte Carlo)")

    def detector_depth_km(self) -> float | None:
        """The detector depth override [km], or None for the site's own depth (``"site"``)."""
        from mcdm.errors import ConfigError, UnitError
        from mcdm.units import parse_quantity

        text = self.detector_depth.strip()
        if text.lower() == "site":
            return None
        where = "transport.detector_depth"
        try:
            q = parse_quantity(text, where)
            km = float(q.to_value("km"))
        except UnitError as exc:
            raise ConfigError(f"{where} = {self.detector_depth!r}: {exc}; write 'site' or a depth such as "
                              "'1 m'") from None
        except Exception:
            raise ConfigError(f"{where} = {self.detector_depth!r} is not a length; write 'site' or a depth "
                              "such as '1 m'") from None
        if not 0.0 <= km <= 6000.0:
            raise ConfigError(f"{where} = {self.detector_depth!r} is out of range; allowed: 0 to 6000 km")
        return km


_KG_GEV = GEV_PER_KG  # GeV per kg (the internal mass unit is GeV)


@dataclass(frozen=True)
class PearlsSection:
    """[pearls]: Nielsen & Froggatt's dark-matter pearls in transport mode (seed 000, digest §9.1 4-11).

    Pearls arrive from the halo, are stopped by drag in the air (or the rock), excite long-lived
    3.5 keV levels while faster than ``v_exc``, sink at the terminal speed to the detector at the
    site's depth and decay there (:mod:`mcdm.scenarios.pearls`). The halo is [halo] (density,
    SHM), the site [site], the rock the [earth] model's crust; the daily tallies start at [time]
    start and last ``years`` ([time] bins and width, [dark_matter] and [detector] are not used).
    """

    mass: float = spec_field(0.0, "quantity", physical_type="mass", unit="kg", ge=0, le=1e30,
                             doc="median pearl (bubble) mass M; 0: from radius, or the paper's 3e-15 kg "
                                 "(Eq. 8) if radius is 0 too")
    radius: float = spec_field(0.0, "quantity", physical_type="length", unit="nm", ge=0, le=1e-6,
                               doc="median bubble radius R; 0: from the mass via rho_b (Eq. 74)")
    mass_spread: float = spec_field(0.0, "float", ge=0, le=5,
                                    doc="width sigma of ln M [1] of a log-normal mass distribution (of the DM "
                                        "mass density); 0: one mass, as the paper")
    rho_b: float = spec_field(5.2e8, "quantity", physical_type="mass density", unit="kg/m3", ge=0, le=1e15,
                              doc="bubble density rho_B (Eq. 14); 0: 2 m_N p_f^3/(3 pi^2) from p_f (Eq. 13)")
    p_f: float = spec_field(3.3e-3, "quantity", physical_type="energy", unit="MeV", gt=0, le=1.0,
                            doc="electron Fermi momentum p_f c in the bubble (Eq. 10); used when rho_b = 0")
    e_h: float = spec_field(3.5e-6, "quantity", physical_type="energy", unit="keV", gt=0, le=1e-3,
                            doc="homolumo gap E_H, the energy released by each decay")
    velocity: str = spec_field("shm", "str", choices=("shm", "mono"),
                               doc="'shm': [halo] Standard Halo Model with the Earth's annual motion; 'mono': "
                                   "every pearl at v_start, isotropic, arrival rate modulated by "
                                   "modulated_fraction (the paper)")
    v_start: float = spec_field(300.0, "quantity", physical_type="speed", unit="km/s", gt=0, le=2000,
                                doc="arrival speed of every pearl (velocity = 'mono' only)")
    modulated_fraction: float = spec_field(0.1, "float", gt=0, le=1,
                                           doc="f_mod [1]: arrival rate x (1 + f_mod cos 2 pi (t - June 2)/yr) "
                                               "(velocity = 'mono' only; 30/300 km/s, §4.3.1)")
    v_exc: float = spec_field(49.0, "quantity", physical_type="speed", unit="km/s", ge=0, le=2000,
                              doc="excitation threshold: kinetic energy lost above it feeds the 3.5 keV levels")
    drag_coefficient: float = spec_field(2.0, "float", gt=0, le=100,
                                         doc="c_d [1] of F = (c_d/2) rho v^2 pi R^2 (Eq. 104); 2 gives the "
                                             "paper's stopping column M/(pi R^2) (Eq. 110)")
    stopping: str = spec_field("air", "str", choices=("air", "stone"),
                               doc="'air': US Standard Atmosphere 1976 on the Earth (the paper's preferred case); "
                                   "'stone': no atmosphere, pearls stop in the rock")
    k_solid: float = spec_field(250.0, "float", gt=0, le=1e8,
                                doc="v_term,LXe / v_term,solid [1] (Eq. 78: 250; 2500 with the 10 % correction)")
    eta_lxe: float = spec_field(1.0e-4, "float", gt=0, le=1e3,
                                doc="liquid-xenon viscosity [Pa s] of Stokes' law (Eq. 72; measured ~4e-4 Pa s)")
    tau_min: float = spec_field(1.0e-9, "quantity", physical_type="time", unit="s", gt=0, le=1e20,
                                doc="shortest lifetime of the log-uniform spectrum of excited levels")
    tau_max: float = spec_field(1.0e9, "quantity", physical_type="time", unit="s", gt=0, le=1e20,
                                doc="longest lifetime of the log-uniform spectrum of excited levels")
    photon_fraction: float = spec_field(ALPHA, "float", ge=0, le=1,
                                        doc="share of decays giving a photon (~alpha, §3.1); the rest an Auger "
                                            "electron [1]")
    detector: str = spec_field("nai", "str", choices=("nai", "lxe"),
                               doc="detector target at the site's depth: 'nai' (solid, DAMA/LIBRA) or 'lxe' "
                                   "(liquid xenon, Xenon1T)")
    detector_mass: float = spec_field(250.0 * _KG_GEV, "quantity", physical_type="mass", unit="kg", ge=0,
                                      le=1e33, doc="target mass of the synthetic event catalog (0: no catalog)")
    resolution: float = spec_field(0.25, "float", ge=0, le=1,
                                   doc="Gaussian energy resolution sigma_E / E at E_H [1]")
    window: tuple = spec_field((2.0e-6, 6.0e-6), "vector", physical_type="energy", unit="keV", length=2, ge=0,
                               le=1e-3, doc="energy window of the rate and the modulation fit (DAMA: 2-6 keV)")
    years: float = spec_field(3.0, "float", gt=0, le=100,
                              doc="span of the daily tallies from [time] start [Julian yr of 365.25 d]")

    def validate(self) -> None:
        """Cross-field checks; raise a ConfigError naming the fields."""
        from mcdm.errors import ConfigError

        if self.mass > 0 and self.radius > 0:
            raise ConfigError("give pearls.mass or pearls.radius, not both (the other follows from rho_b)")
        if not self.tau_min < self.tau_max:
            raise ConfigError(f"pearls.tau_min = {self.tau_min:g} s must be below pearls.tau_max = "
                              f"{self.tau_max:g} s")
        lo, hi = self.window
        if not lo < hi:
            raise ConfigError(f"pearls.window = [{lo * 1e6:g}, {hi * 1e6:g}] keV must have low < high")
        if self.velocity == "mono" and not self.v_start > self.v_exc:
            raise ConfigError(f"pearls.v_start = {self.v_start:g} km/s must exceed pearls.v_exc = "
                              f"{self.v_exc:g} km/s, else no pearl is excited")


@dataclass(frozen=True)
class ForestSection:
    """[forest]: the dark forest of seed 002 (issue 8): absorbers of two-level DM in the halos a
    quasar sightline crosses, mock spectra and line statistics (:mod:`mcdm.scenarios.forest`).

    Sightlines (not run.samples) set the work; run.shards groups them (any grouping gives the same
    sightlines). Masses are M_200c in M_sun/h. tau scales with radiative_coupling (calA = A10/A_HI,
    the paper's value is lost), so tau_bins are given per unit calA.
    """

    sightlines: int = spec_field(100, "int", ge=1, le=10**7, doc="number of sightlines (lines of sight)")
    z_max: float = spec_field(7.0, "float", gt=0, le=7.9, doc="highest absorber redshift")
    z_min: float = spec_field(0.0, "float", ge=0, lt=7.9, doc="lowest absorber redshift")
    m_min: float = spec_field(1.0e6, "float", ge=1e5, le=1e14, doc="smallest halo mass M_min [M_sun/h]")
    m_max: float = spec_field(1.0e15, "float", gt=1e5, le=1e15, doc="largest halo mass M_max [M_sun/h]")
    case: str = spec_field("collisionless", "str", choices=("collisionless", "collisional"),
                           doc="excitation: T_ex = T_CMB (collisionless) or the halo temperature (collisional)")
    nu_star: float = spec_field(156.2e9, "quantity", physical_type="frequency", unit="GHz", gt=0, le=1e15,
                                doc="rest frequency nu* of the DM transition (156.2 GHz: T* = 7.5 K)")
    m_chi: float = spec_field(1.0e-3, "quantity", physical_type="mass", unit="MeV", gt=0, le=1e3,
                              doc="DM mass m_chi")
    radiative_coupling: float = spec_field(1.0, "float", ge=0, le=1e30,
                                           doc="calA = A10/A_HI [1]; tau is proportional to it")
    p_bin: float = spec_field(0.01, "float", gt=0, le=0.1,
                              doc="absorption probability per equiprobable frequency bin [1]")
    channels_per_width: float = spec_field(5.0, "float", ge=1, le=100,
                                           doc="channels of the ln-nu grid per narrowest Doppler width b_s")
    windows: tuple = spec_field((6.0, 5.0, 2.0, 1.0), "vector", physical_type="dimensionless", unit="", ge=0,
                                doc="redshift windows as pairs z_high, z_low (the paper: 6-5 and 2-1)")
    tau_bins: tuple = spec_field((1e-6, 1e2, 32.0), "vector", physical_type="dimensionless", unit="", length=3, ge=0,
                                 doc="tau_0 bins per unit calA: low, high, number (log-spaced)")
    width_bins: tuple = spec_field((1e3, 1e9, 24.0), "vector", physical_type="dimensionless", unit="", length=3,
                                   ge=0, doc="Delta nu_w bins [Hz]: low, high, number (log-spaced)")
    tau_cut: float = spec_field(0.0, "float", ge=0, doc="lower cut-off on tau_0 (physical tau, at calA)")
    width_cut: float = spec_field(0.0, "quantity", physical_type="frequency", unit="kHz", ge=0,
                                  doc="lower cut-off on the line width Delta nu_w")
    spectra_written: int = spec_field(3, "int", ge=0, le=1000,
                                      doc="mock spectra written (sightlines 0..n-1): Parquet, FITS, PNG")
    instrument: str = spec_field("custom", "str",
                                 doc="'custom' (channel_width over the band) or a preset of "
                                     "mcdm.forest.instruments.PRESETS")
    channel_width: float = spec_field(1e6, "quantity", physical_type="frequency", unit="kHz", gt=0,
                                      doc="channel width of the 'custom' instrument")
    snr: float = spec_field(100.0, "float", gt=0, doc="continuum S/N per channel of the mock spectra")
    source_flux: float = spec_field(100.0, "float", gt=0,
                                     doc="quasar flux density at 1 GHz [mJy] (power law S ∝ nu^source_index)")
    source_index: float = spec_field(-0.7, "float", ge=-5, le=5, doc="spectral index of the quasar continuum")

    def validate(self) -> None:
        """Cross-field checks; raise a ConfigError naming the fields."""
        from mcdm.errors import ConfigError

        if not self.z_min < self.z_max:
            raise ConfigError(f"forest.z_min = {self.z_min:g} must be below forest.z_max = {self.z_max:g}")
        if not self.m_min < self.m_max:
            raise ConfigError(f"forest.m_min = {self.m_min:g} must be below forest.m_max = {self.m_max:g}")
        if len(self.windows) % 2 or not self.windows:
            raise ConfigError(f"forest.windows needs pairs z_high, z_low, got {list(self.windows)}")
        for hi, lo in zip(self.windows[::2], self.windows[1::2]):
            if not hi > lo:
                raise ConfigError(f"forest.windows: each pair is z_high, z_low with z_high > z_low, got {hi}, {lo}")
        for name in ("tau_bins", "width_bins"):
            lo, hi, n = getattr(self, name)
            if not (0 < lo < hi) or n != int(n) or not 1 <= n <= 10_000:
                raise ConfigError(f"forest.{name} = [low, high, number] needs 0 < low < high and an integer "
                                  f"number of bins in [1, 10000], got {list(getattr(self, name))}")
        if self.instrument != "custom":
            from mcdm.forest.instruments import PRESETS

            if self.instrument not in PRESETS:
                raise ConfigError(f"forest.instrument = {self.instrument!r}: use 'custom' or one of {sorted(PRESETS)}")


_KPC_KM = KPC_KM
_GEV_CM3 = 1.0 / GEV_PER_GRAM  # g/cm^3 per GeV/cm^3


@dataclass(frozen=True)
class NuggetsSection:
    """[nuggets]: antimatter quark nuggets of seed 001 (issue 9): the 1-20 MeV continuum of direct
    e+e- annihilation normalised to the 511 keV line (Eq. 6), on a HEALPix sky map of rho_DM x n_gas,
    with a photon event catalog for an exposure (:mod:`mcdm.scenarios.nuggets`).

    [site], [halo], [dark_matter], [earth], [detector] are not used; [time] start is the start of the
    exposure. The map is normalised so that its mean over the 6 deg disc is ``i511`` (the paper's
    cancellation of the profiles, digest 001 §3 map mode).
    """

    chi: float = spec_field(0.2, "float", ge=0, le=1e3,
                            doc="chi [1]: direct annihilations per positronium formed (Fig. 1: 0.2; text: ~0.1)")
    spectrum: str = spec_field("electrosphere", "str", choices=("electrosphere", "single_mu"),
                               doc="'electrosphere': Eq. (A.4) average over mu(z) (Fig. 1); 'single_mu': Eq. (6)")
    mu: float = spec_field(20e-3, "quantity", physical_type="energy", unit="MeV", gt=0.52e-3, le=10.0,
                           doc="positron chemical potential mu (single_mu)")
    mu0: float = spec_field(60e-3, "quantity", physical_type="energy", unit="MeV", gt=0.52e-3, le=10.0,
                            doc="chemical potential at the quark surface mu_0 (electrosphere, Eq. A.1)")
    zmax_over_z0: float = spec_field(30.0, "float", gt=0, le=1e6,
                                     doc="electrosphere cut-off height z_max / z_0 [1] (Fig. 1: 30)")
    v_e: float = spec_field(0.3, "float", ge=1e-3, le=1,
                            doc="infall speed of the electrons [c] (Eq. A.3; not given by the paper: a knob)")
    weighting: str = spec_field("literal", "str", choices=("literal", "annihilations"),
                                doc="Eq. (A.4) height weight: N(z) as printed, or -dN/dz (annihilations)")
    ps_photon_counting: str = spec_field("paper", "str", choices=("paper", "physical"),
                                         doc="511 keV photons per para-Ps in Eq. (6): 'paper' 1, 'physical' 2 (E2)")
    total_rate: str = spec_field("paper", "str", choices=("paper", "exact"),
                                 doc="annihilation rate in Eq. (6): Eq. (5) 'paper' or the exact integral (E7)")
    i511: float = spec_field(0.025, "float", gt=0, le=1e3,
                             doc="511 keV intensity in the 6 deg disc [ph cm^-2 s^-1 sr^-1]")
    dm_profile: str = spec_field("nfw", "str", choices=("nfw", "einasto", "burkert"),
                                 doc="dark-matter density profile (normalised to rho_local at r_sun)")
    dm_scale_radius: float = spec_field(0.0, "quantity", physical_type="length", unit="kpc", ge=0,
                                        le=1e3 * _KPC_KM, doc="r_s (NFW, Einasto) or r_0 (Burkert); 0: the "
                                                              "profile's default (20, 20, 9 kpc)")
    einasto_alpha: float = spec_field(0.17, "float", gt=0, le=5, doc="Einasto shape parameter alpha [1]")
    gas_model: str = spec_field("exponential_disk", "str", choices=("exponential_disk", "constant", "map"),
                                doc="electron density model: an exponential disk n0 exp(-R/R_d - |z|/z_d), "
                                    "constant (the map is then the DM D-factor), or 'map' (gas_map)")
    gas_map: str = spec_field("", "str", allow_empty=True,
                              doc="HEALPix FITS map (Galactic, RING) of the rho_DM-weighted mean n_e along each "
                                  "sightline [cm^-3], multiplying the DM D-factor (gas_model = 'map')")
    gas_scale_radius: float = spec_field(4.0 * _KPC_KM, "quantity", physical_type="length", unit="kpc", gt=0,
                                         le=1e3 * _KPC_KM, doc="radial scale R_d of the gas disk")
    gas_scale_height: float = spec_field(1.0 * _KPC_KM, "quantity", physical_type="length", unit="kpc", gt=0,
                                         le=1e3 * _KPC_KM, doc="scale height z_d of the gas disk")
    r_sun: float = spec_field(8.2 * _KPC_KM, "quantity", physical_type="length", unit="kpc", gt=0,
                              le=100 * _KPC_KM, doc="Sun - Galactic centre distance R_sun")
    rho_local: float = spec_field(0.4 * _GEV_CM3, "quantity", physical_type="mass density", unit="GeV/cm3",
                                  gt=0, le=1e3 * _GEV_CM3, doc="local dark-matter density at R_sun")
    s_max: float = spec_field(60.0 * _KPC_KM, "quantity", physical_type="length", unit="kpc", gt=0,
                              le=1e4 * _KPC_KM, doc="line-of-sight integration length")
    nside: int = spec_field(128, "int", ge=1, le=2048, doc="HEALPix nside of the maps (a power of 2)")
    k_min: float = spec_field(1e-3, "quantity", physical_type="energy", unit="MeV", gt=0, le=10.0,
                              doc="lowest photon energy of the band (maps, catalog)")
    k_max: float = spec_field(20e-3, "quantity", physical_type="energy", unit="MeV", gt=0, le=10.0,
                              doc="highest photon energy of the band (maps, catalog)")
    effective_area: float = spec_field(50.0, "quantity", physical_type="area", unit="cm2", ge=0, le=1e12,
                                       doc="instrument effective area A_eff of the photon catalog (0: no catalog)")
    exposure_time: float = spec_field(1.0e7, "quantity", physical_type="time", unit="s", ge=0, le=1e11,
                                      doc="exposure time of the photon catalog")
    catalog_region: str = spec_field("comptel", "str", choices=("comptel", "disc6", "all"),
                                     doc="sky region of the photon catalog: the COMPTEL box, the 6 deg disc, or all")
    psf: float = spec_field(0.0, "quantity", physical_type="angle", unit="deg", ge=0, le=0.5,
                            doc="Gaussian PSF sigma of the catalog (0: none)")
    energy_resolution: float = spec_field(0.0, "float", ge=0, le=1,
                                          doc="Gaussian sigma_E / E of the catalog [1] (0: none)")
    max_photons: int = spec_field(2_000_000, "int", ge=0, le=10**9,
                                  doc="refuse a catalog expected to exceed this many photons")
    comptel_data: str = spec_field("", "str", allow_empty=True,
                                   doc="optional CSV of COMPTEL points (k_MeV, k2_flux, err) [MeV cm^-2 s^-1 sr^-1]")
    background_model: str = spec_field("", "str", allow_empty=True,
                                       doc="optional CSV of a background model (k_MeV, k2_flux) added to the nuggets")

    def validate(self) -> None:
        """Cross-field checks; raise a ConfigError naming the fields."""
        from mcdm.errors import ConfigError

        if not self.k_min < self.k_max:
            raise ConfigError(f"nuggets.k_min = {self.k_min * 1e3:g} MeV must be below nuggets.k_max = "
                              f"{self.k_max * 1e3:g} MeV")
        if self.nside & (self.nside - 1):
            raise ConfigError(f"nuggets.nside = {self.nside} must be a power of 2")
        if (self.gas_model == "map") != bool(self.gas_map):
            raise ConfigError("nuggets.gas_map needs gas_model = 'map', and gas_model = 'map' needs nuggets.gas_map")


@dataclass(frozen=True)
class SidmSection:
    """[sidm]: self-interactions of seed 003's inelastic Majorana DM (issue 10): sigma_T/m and sigma_V/m
    against the relative speed for the attractive Yukawa potential -alpha_chi e^{-m_s r}/r, for identical
    (chi1 chi1, chi2 chi2) and distinguishable (chi1 chi2) pairs and their Eq. (107) mixture at the chi2
    fraction f, and Maxwellian averages for dwarfs, the Milky Way, groups and clusters
    (:mod:`mcdm.scenarios.sidm`). alpha_chi is an input: the paper's relic-density fit y(m_chi) is lost.
    """

    alpha_chi: float = spec_field(0.01, "float", gt=0, le=10, doc="Yukawa strength alpha_chi = y_eff^2/(4 pi) [1]")
    m_chi: float = spec_field(100.0, "quantity", physical_type="mass", unit="GeV", gt=0, le=1e6,
                              doc="dark-matter mass m_chi1")
    m_s: float = spec_field(30e-3, "quantity", physical_type="mass", unit="MeV", gt=0, le=1e3,
                            doc="scalar mediator mass m_s (the paper scans 15, 30, 60 MeV)")
    excited_fraction: float = spec_field(0.0, "float", ge=0, le=0.5,
                                         doc="chi2 number fraction f of Eq. (107) (0: all chi1; 0.5: equal)")
    identical_half: bool = spec_field(False, "bool",
                                      doc="multiply identical-pair cross sections by 1/2 (Eq. 104 ambiguity)")
    method: str = spec_field("partial_wave", "str", choices=("partial_wave", "born", "classical", "hulthen", "auto"),
                             doc="partial waves (exact) or an analytic regime (distinguishable pairs only)")
    v_min: float = spec_field(1.0, "quantity", physical_type="speed", unit="km/s", gt=0, le=1e5,
                              doc="lowest relative speed of the table")
    v_max: float = spec_field(3000.0, "quantity", physical_type="speed", unit="km/s", gt=0, le=1e5,
                              doc="highest relative speed of the table")
    speeds: int = spec_field(100, "int", ge=2, le=100_000, doc="relative speeds of the table (log-spaced)")
    average_nodes: int = spec_field(64, "int", ge=8, le=1024,
                                    doc="Gauss-Legendre nodes of the Maxwellian averages (raise near resonances)")

    def validate(self) -> None:
        """Cross-field checks; raise a ConfigError naming the fields."""
        from mcdm.errors import ConfigError

        if not self.v_min < self.v_max:
            raise ConfigError(f"sidm.v_min = {self.v_min:g} km/s must be below sidm.v_max = {self.v_max:g} km/s")


@dataclass(frozen=True)
class IdmSection:
    """[idm]: inelastic nuclear recoils of seed 003's Majorana DM over a year (issue 10,
    :mod:`mcdm.scenarios.idm_recoils`): dR/dE_R(t) for 'axial_proton' (axial DM current x proton vector
    current through a kinetically mixed Z', NREFT c8/c9 with the inelastic (delta/q)^2 term), 'si'
    (spin-independent, Helm) or 'magnetic' (seed 004's magnetic inelastic DM), the annual-modulation
    fit per energy and a synthetic recoil catalog. The halo is [halo] (SHM with the Earth's orbit).
    """

    model: str = spec_field("axial_proton", "str", choices=("axial_proton", "si", "magnetic"),
                            doc="interaction: seed 003's axial-proton coupling, spin-independent, or magnetic dipole")
    m_chi: float = spec_field(100.0, "quantity", physical_type="mass", unit="GeV", gt=0, le=1e6,
                              doc="dark-matter mass m_chi1")
    delta: float = spec_field(100e-6, "quantity", physical_type="energy", unit="keV", ge=-1e-2, le=1e-2,
                              doc="mass splitting m_chi2 - m_chi1 (< 0: exothermic chi2 -> chi1 down-scatter)")
    target: str = spec_field("Xe", "str", doc="target: 'Xe' (shell-model responses) or a formula such as 'NaI'")
    g_chi: float = spec_field(2.5e-5, "float", ge=0, le=10,
                              doc="Z' chi2 chi1 axial coupling g_chi (default g/20 with g from g-2 at 10 MeV)")
    epsilon: float = spec_field(7.2e-6, "float", ge=0, le=1,
                                doc="Z'-photon kinetic mixing epsilon (default the mu/tau loop value g/69.3)")
    m_zprime: float = spec_field(10e-3, "quantity", physical_type="mass", unit="MeV", gt=0, le=1e3,
                                 doc="Z' mass")
    propagator: str = spec_field("full", "str", choices=("full", "contact"),
                                 doc="Z' propagator 1/(q^2 + m_Z'^2) ('full') or 1/m_Z'^2 ('contact', heavy Z')")
    c8_sign: float = spec_field(-1.0, "float", ge=-1, le=1, doc="relative sign of c8 (AFH: -2 O8 + 2 O9): +1 or -1")
    vertex_factor: float = spec_field(1.0, "float", gt=0, le=10, doc="normalisation k of the chi2 chi1 vertex (lost)")
    sigma_p: float = spec_field(1e-45, "quantity", physical_type="area", unit="cm2", ge=0, le=1e-20,
                                doc="DM-nucleon cross section at q = 0 (model = 'si')")
    g_M: float = spec_field(2e-3, "float", gt=0, le=1e3, doc="magnetic dipole coupling (model = 'magnetic', seed 004 Eq. 4)")
    e_min: float = spec_field(1e-6, "quantity", physical_type="energy", unit="keV", gt=0, le=1e-2,
                              doc="lowest recoil energy of the table")
    e_max: float = spec_field(100e-6, "quantity", physical_type="energy", unit="keV", gt=0, le=1e-2,
                              doc="highest recoil energy of the table")
    energies: int = spec_field(100, "int", ge=2, le=100_000, doc="recoil energies of the table (linear grid)")
    days: int = spec_field(365, "int", ge=3, le=100_000, doc="daily spectra from [time] start (days + 1 nodes)")
    detector_mass: float = spec_field(1000.0 * GEV_PER_KG, "quantity", physical_type="mass", unit="kg",
                                      ge=0, le=1e33, doc="target mass of the synthetic catalog, live all year (0: none)")

    def validate(self) -> None:
        """Cross-field checks; raise a ConfigError naming the fields."""
        from mcdm.errors import ConfigError

        if not self.e_min < self.e_max:
            raise ConfigError(f"idm.e_min = {self.e_min * 1e6:g} keV must be below idm.e_max = {self.e_max * 1e6:g} keV")
        if self.c8_sign not in (-1.0, 1.0):
            raise ConfigError(f"idm.c8_sign = {self.c8_sign:g} must be +1 or -1")


@dataclass(frozen=True)
class GlobalSignalSection:
    """[global_signal]: dark-atom CMB absorption of seed 002 part 2 (issue 11,
    :mod:`mcdm.scenarios.global_signal`): the global 21-cm-band signal delta T_b(nu_0) of two-level DM
    (CAMB thermal history, stiff excitation-temperature ODE, Sobolev depth, free-free damping), an
    optional EDGES fit (user file, or the labelled synthetic demo) with a seeded random search over the
    six Table-2 parameters split over the run's shards and an iminuit refinement, the FIRAS chi^2 (user
    file) and the Milky Way cooling / dipole bounds. The defaults are a documented demonstration point
    (trough 78 MHz, 0.5 K, 19 MHz), not the paper's lost values.
    """

    m_chi: float = spec_field(1e-3, "quantity", physical_type="mass", unit="MeV", gt=0, le=1.0, doc="DM mass m_chi")
    nu_star: float = spec_field(156.2e9, "quantity", physical_type="frequency", unit="GHz", gt=0, le=1e15,
                                doc="transition frequency nu* (156.2 GHz: T* = 7.5 K)")
    radiative_coupling: float = spec_field(30.0, "float", gt=0, le=1e8, doc="calA = A10/A_HI [1] (lost in the paper)")
    a: float = spec_field(0.135, "float", ge=0, le=1e6, doc="kappa_sat in units of the Bullet-cluster value (Eq. 24)")
    z_sat: float = spec_field(2000.0, "float", ge=0, le=1e8, doc="saturation redshift of kappa_10 (Eq. 23)")
    beta: float = spec_field(5.7, "float", ge=0, le=50, doc="power-law index of kappa_10 ∝ T_chi^beta below z_sat")
    z_dec: float = spec_field(1e5, "float", ge=0, le=1e9, doc="DM kinetic decoupling redshift (lost; Eq. 34 from E_B)")
    a_hi: float = spec_field(2.85e-15, "float", gt=0, le=1e-12, doc="hydrogen A_HI [1/s] (2.85e-15 or 2.876e-15)")
    nu_min: float = spec_field(40e6, "quantity", physical_type="frequency", unit="MHz", gt=0, le=1e12,
                               doc="lowest frequency of the global-signal curve")
    nu_max: float = spec_field(200e6, "quantity", physical_type="frequency", unit="MHz", gt=0, le=1e12,
                               doc="highest frequency of the global-signal curve")
    channels: int = spec_field(321, "int", ge=8, le=100_000, doc="channels of the curve (linear in frequency)")
    edges_file: str = spec_field("", "str", allow_empty=True,
                                 doc="EDGES low-band CSV (frequency, weight, Tsky); 'synthetic' for the labelled "
                                     "demo spectrum; empty: no fit")
    foreground: str = spec_field("linear", "str", choices=("linear", "physical"), doc="EDGES foreground form (Eq. 33)")
    search_points: int = spec_field(0, "int", ge=0, le=10**9,
                                    doc="random-search points over the ranges (split over run.shards); 0: none")
    refine: bool = spec_field(True, "bool", doc="refine the best search point with iminuit")
    m_chi_range: tuple = spec_field((0.3, 10.0), "vector", physical_type="dimensionless", unit="", length=2, gt=0,
                                    doc="search range of m_chi [MeV] (log-uniform)")
    t_star_range: tuple = spec_field((4.8, 9.6), "vector", physical_type="dimensionless", unit="", length=2, gt=0,
                                     doc="search range of T* [K] (uniform)")
    calA_range: tuple = spec_field((0.1, 300.0), "vector", physical_type="dimensionless", unit="", length=2, gt=0,
                                   doc="search range of calA (log-uniform)")
    a_range: tuple = spec_field((0.01, 1.0), "vector", physical_type="dimensionless", unit="", length=2, gt=0,
                                doc="search range of a (log-uniform)")
    z_sat_range: tuple = spec_field((1000.0, 5000.0), "vector", physical_type="dimensionless", unit="", length=2,
                                    gt=0, doc="search range of z_sat (log-uniform)")
    beta_range: tuple = spec_field((0.0, 10.0), "vector", physical_type="dimensionless", unit="", length=2, ge=0,
                                   doc="search range of beta (uniform)")
    firas_file: str = spec_field("", "str", allow_empty=True,
                                 doc="FIRAS residual file (LAMBDA monopole layout, or nu, residual, sigma); empty: none")
    firas_unit: str = spec_field("cm-1", "str", choices=("cm-1", "GHz"), doc="frequency unit of the FIRAS file")

    def validate(self) -> None:
        """Cross-field checks; raise a ConfigError naming the fields."""
        from mcdm.errors import ConfigError

        if not self.nu_min < self.nu_max:
            raise ConfigError("global_signal.nu_min must be below global_signal.nu_max")
        for name in ("m_chi_range", "t_star_range", "calA_range", "a_range", "z_sat_range", "beta_range"):
            lo, hi = getattr(self, name)
            if not lo <= hi:
                raise ConfigError(f"global_signal.{name} = [{lo:g}, {hi:g}] needs low <= high")
        if self.search_points and not self.edges_file:
            raise ConfigError("global_signal.search_points needs global_signal.edges_file (a file or 'synthetic')")

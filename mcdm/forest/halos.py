"""Dark-matter halos crossed by a quasar sightline (seed 002, Appendix B; digest 002 §3, §5.2).

:class:`HaloModel` gives, for halo masses M = M_200c [M_sun/h] at redshift z:

* the Tinker et al. (2008) mass function dn/dlnM for M_200c (comoving) and the Bullock et al.
  (2001) concentration in the Maccio et al. (2008) version (K = 3.85, F = 0.01), both from colossus;
* the NFW profile (Eq. 61 and Appendix B) truncated at r_edge, where rho_NFW equals the mean matter
  density rho_m(z) (the paper's r_max, Eq. 18; options: cap at ``edge_rvir`` r_vir, or a fixed
  ``edge_rvir`` r_vir as "up to 10 times the virial radius" of Appendix B);
* the velocity dispersion of Ascasibar et al. (2004), rho/sigma^3 = 10^1.46 (rho_c/V_vir^3)
  (r/r_vir)^-1.90 (Eq. 62, sigma the 3-D rms), the halo temperature k T_h = m_chi sigma^2 / 3
  (Eq. 63, factor selectable) and the Doppler parameter b = sqrt(2 k T_h / m_chi) (Eq. 64);
* the number of halos intersected per unit redshift dN/dz (Eq. 18) and its mass density (Eq. 19).

Why colossus and not hmf: colossus is pure Python (numpy/scipy only), computes sigma(M) from the
analytic Eisenstein & Hu transfer function, implements both Tinker08 for any SO definition and
``bullock01`` (the paper's own choice: the authors used colossus [70]), and is fast (1000 masses in
~1 ms warm). hmf pulls CAMB as a hard dependency, has no Bullock01 concentration (that lives in
halomod), and its setup costs ~0.1-1 s per cosmology. colossus keeps a global "current cosmology"
and an on-disk cache: every call here goes through :meth:`ForestCosmology.colossus`, which sets the
cosmology built from the astropy one (persistence off) and restores the previous one.

Units: M [M_sun/h] (M_200c); z [1]; radii [kpc] physical; densities [M_sun/kpc^3] physical;
speeds [km/s]; temperatures [K]; m_chi [GeV]; dn/dlnM [Mpc^-3] comoving (no h).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import astropy.constants as const
import astropy.units as u
import numpy as np

from mcdm.errors import ConfigError
from mcdm.forest._fields import coerce_bounded
from mcdm.forest.cosmology import ForestCosmology

__all__ = [
    "HaloModel",
    "HaloStructure",
    "TRUNCATIONS",
    "nfw_edge_x",
    "temperature_from_dispersion",
]

#: halo-edge conventions (module docstring)
TRUNCATIONS = ("mean_matter", "mean_matter_capped", "rvir")
#: Newton's constant [kpc (km/s)^2 / M_sun]
_G_KPC = const.G.to_value(u.kpc * (u.km / u.s) ** 2 / u.Msun)
#: Boltzmann constant [GeV/K]
_K_B_GEV = const.k_B.to_value(u.GeV / u.K)
#: speed of light [km/s]
_C_KM_S = const.c.to_value(u.km / u.s)
#: overdensity of the mass definition M_200c
_DELTA_C = 200.0


class HaloStructure(NamedTuple):
    """Structural parameters of halos, one entry per (M, z) pair (broadcast shapes).

    M [M_sun/h]; z [1]; c = c_200c [1]; r_vir = r_200c, r_s, r_edge [kpc] physical;
    rho_s [M_sun/kpc^3]; v_vir [km/s]; rho_c = rho_crit(z) [M_sun/kpc^3].
    """

    M: np.ndarray
    z: np.ndarray
    c: np.ndarray
    r_vir: np.ndarray
    r_s: np.ndarray
    rho_s: np.ndarray
    v_vir: np.ndarray
    r_edge: np.ndarray
    rho_c: np.ndarray


def nfw_edge_x(ratio: Any) -> np.ndarray:
    """Root x > 0 of x (1+x)^2 = ratio, i.e. rho_NFW(x r_s) = rho_s / ratio [1].

    Newton from x0 = ratio^(1/3) >= root (the cubic is convex and increasing for x > 0, so the
    iterates decrease monotonically to the root); 1e-14 relative accuracy.
    """
    k = np.asarray(ratio, dtype=float)
    x = np.cbrt(k)
    for _ in range(100):
        f = x * (1.0 + x) ** 2 - k
        step = f / ((1.0 + x) * (1.0 + 3.0 * x))
        x = x - step
        if np.all(np.abs(step) <= 1e-14 * x):
            break
    return x


def temperature_from_dispersion(sigma: Any, m_chi: float, factor: float = 3.0) -> np.ndarray:
    """Halo temperature k T = m_chi sigma^2 / factor (Eq. 63) [K].

    sigma : 3-D rms velocity dispersion [km/s]; m_chi [GeV]; factor = 3 makes T the temperature of
    a Maxwellian whose 3-D rms speed is sigma (Leo-T, sigma = 6.9 km/s, 1 MeV: 2.049 K).
    """
    s = np.asarray(sigma, dtype=float)
    return m_chi * (s / _C_KM_S) ** 2 / (factor * _K_B_GEV)


@dataclass(frozen=True)
class HaloModel:
    """Halo population and internal structure (module docstring for the physics and units).

    Attributes
    ----------
    cosmology : ForestCosmology
        Background and power spectrum (default Planck18).
    mass_function : str
        colossus mass-function model for M_200c (default ``"tinker08"``).
    concentration : str
        colossus concentration model for c_200c (default ``"bullock01"``).
    truncation : str
        Halo edge: ``"mean_matter"`` (rho_NFW(r_edge) = rho_m(z), default), ``"mean_matter_capped"``
        (the same, at most ``edge_rvir`` r_vir) or ``"rvir"`` (r_edge = ``edge_rvir`` r_vir).
    edge_rvir : float
        Cap / fixed edge in units of r_vir (default 10, Appendix B) [1].
    dispersion_norm_dex : float
        Ascasibar+04 normalisation of rho/sigma^3, log10 (default 1.46 +- 0.04) [1].
    dispersion_slope : float
        Ascasibar+04 radial slope (default 1.90 +- 0.05) [1].
    temperature_factor : float
        k T_h = m_chi sigma^2 / temperature_factor (default 3, digest §3.3) [1].
    dm_fraction : float
        Fraction of the NFW density that is the two-level DM, n_chi = f rho_NFW / m_chi
        (default 1 as the paper writes n = rho/m; Oc0/Om0 is the other reading) [1].
    """

    cosmology: ForestCosmology = field(default_factory=ForestCosmology)
    mass_function: str = "tinker08"
    concentration: str = "bullock01"
    truncation: str = "mean_matter"
    edge_rvir: float = 10.0
    dispersion_norm_dex: float = 1.46
    dispersion_slope: float = 1.90
    temperature_factor: float = 3.0
    dm_fraction: float = 1.0

    def __post_init__(self) -> None:
        if self.truncation not in TRUNCATIONS:
            raise ConfigError(f"unknown truncation {self.truncation!r}; known: {list(TRUNCATIONS)}")
        bounds = {"edge_rvir": (1.0, math.inf), "temperature_factor": (1e-3, 1e3),
                  "dm_fraction": (1e-6, 1.0), "dispersion_norm_dex": (-5.0, 5.0),
                  "dispersion_slope": (-5.0, 5.0)}
        coerce_bounded(self, bounds)

    # ------------------------------------------------------------------- colossus-backed pieces
    def _per_redshift(self, M: Any, z: Any, fn) -> np.ndarray:
        m_arr, z_arr = np.broadcast_arrays(np.asarray(M, dtype=float), np.asarray(z, dtype=float))
        if np.any(~np.isfinite(m_arr)) or np.any(m_arr <= 0):
            raise ConfigError("halo masses M must be finite and > 0 [M_sun/h]")
        if np.any(~np.isfinite(z_arr)) or np.any(z_arr < 0) or np.any(z_arr > 50):
            raise ConfigError("redshifts z must be finite and in [0, 50]")
        out = np.empty(m_arr.shape)
        flat_m, flat_z, flat_out = m_arr.ravel(), z_arr.ravel(), out.reshape(-1)
        with self.cosmology.colossus():
            for zi in np.unique(flat_z):
                sel = flat_z == zi
                flat_out[sel] = fn(flat_m[sel], float(zi))
        return out

    def c200c(self, M: Any, z: Any) -> np.ndarray:
        """Concentration c_200c(M, z) of the ``concentration`` model [1] (M [M_sun/h])."""
        from colossus.halo import concentration as cm

        def one(m: np.ndarray, zi: float) -> np.ndarray:
            c, ok = cm.concentration(m, "200c", zi, model=self.concentration, range_return=True)
            c = np.atleast_1d(np.asarray(c, dtype=float))
            bad = ~np.atleast_1d(ok) | ~(c > 0)
            if np.any(bad):
                raise ConfigError(
                    f"concentration model {self.concentration!r} is invalid for M = "
                    f"{m[bad][:3].tolist()} M_sun/h at z = {zi:g} (halos that never collapse)")
            return c

        return self._per_redshift(M, z, one)

    def dn_dlnM(self, M: Any, z: Any) -> np.ndarray:
        """Comoving mass function dn/dlnM of M_200c [Mpc^-3] (M [M_sun/h])."""
        from colossus.lss import mass_function as mf

        h3 = self.cosmology.h ** 3

        def one(m: np.ndarray, zi: float) -> np.ndarray:
            return h3 * np.asarray(mf.massFunction(m, zi, mdef="200c", model=self.mass_function,
                                                   q_out="dndlnM"), dtype=float)

        return self._per_redshift(M, z, one)

    # --------------------------------------------------------------------------- structure
    def structure(self, M: Any, z: Any) -> HaloStructure:
        """NFW structure of halos of mass M [M_sun/h] at z (Eq. 61; r_edge from Eq. 18 text)."""
        m_arr, z_arr = np.broadcast_arrays(np.asarray(M, dtype=float), np.asarray(z, dtype=float))
        c = self.c200c(m_arr, z_arr)
        cosmo = self.cosmology
        rho_c = cosmo.rho_crit(z_arr)
        m_phys = m_arr / cosmo.h
        r_vir = np.cbrt(3.0 * m_phys / (4.0 * math.pi * _DELTA_C * rho_c))  # Eq. (61)
        r_s = r_vir / c
        mu_c = np.log1p(c) - c / (1.0 + c)
        rho_s = m_phys / (4.0 * math.pi * r_s**3 * mu_c)
        v_vir = np.sqrt(_G_KPC * m_phys / r_vir)
        x_mean = nfw_edge_x(rho_s / cosmo.rho_mean_matter(z_arr))
        if self.truncation == "mean_matter":
            r_edge = x_mean * r_s
        elif self.truncation == "mean_matter_capped":
            r_edge = np.minimum(x_mean * r_s, self.edge_rvir * r_vir)
        else:
            r_edge = self.edge_rvir * r_vir
        return HaloStructure(M=m_arr, z=z_arr, c=c, r_vir=r_vir, r_s=r_s, rho_s=rho_s, v_vir=v_vir,
                             r_edge=r_edge, rho_c=rho_c)

    @staticmethod
    def density(r: Any, s: HaloStructure, truncate: bool = True) -> np.ndarray:
        """NFW density rho(r) [M_sun/kpc^3] at physical radius r [kpc]; 0 beyond r_edge if truncate."""
        x = np.asarray(r, dtype=float) / s.r_s
        rho = s.rho_s / (x * (1.0 + x) ** 2)
        if truncate:
            rho = np.where(np.asarray(r) <= s.r_edge, rho, 0.0)
        return rho

    def dispersion(self, r: Any, s: HaloStructure) -> np.ndarray:
        """3-D rms velocity dispersion sigma(r) of Ascasibar+04 (Eq. 62) [km/s]; r [kpc]."""
        r = np.asarray(r, dtype=float)
        x = r / s.r_s
        rho = s.rho_s / (x * (1.0 + x) ** 2)
        psi = 10.0 ** (-self.dispersion_norm_dex) * (rho / s.rho_c) * (r / s.r_vir) ** self.dispersion_slope
        return s.v_vir * np.cbrt(psi)  # Eq. (62)

    def temperature(self, r: Any, s: HaloStructure, m_chi: float) -> np.ndarray:
        """Halo temperature T_h(r) = m_chi sigma^2 / factor (Eq. 63) [K]; r [kpc], m_chi [GeV]."""
        return temperature_from_dispersion(self.dispersion(r, s), m_chi, self.temperature_factor)

    def doppler_b(self, r: Any, s: HaloStructure) -> np.ndarray:
        """Doppler parameter b = sqrt(2 k T_h / m_chi) = sqrt(2/factor) sigma (Eq. 64) [km/s]."""
        return math.sqrt(2.0 / self.temperature_factor) * self.dispersion(r, s)

    # ------------------------------------------------------------------ intersection numbers
    def dN_dz_dlnM(self, M: Any, z: Any) -> np.ndarray:
        """Halos intersected per unit z per unit ln M: c(1+z)^2/H dn/dlnM pi r_edge^2 (Eq. 18-19) [1].

        The numerator of Eq. (19); dn/dlnM comoving [Mpc^-3], r_edge physical.
        """
        s = self.structure(M, z)
        area = math.pi * (s.r_edge * 1e-3) ** 2  # [Mpc^2] physical
        return (self.cosmology.hubble_distance(s.z) * (1.0 + s.z) ** 2 * self.dn_dlnM(s.M, s.z) * area)

    def dN_dz(self, z: Any, M_min: float, M_max: float = 1e15, points_per_decade: int = 32) -> np.ndarray:
        """Number of halos with M_min <= M <= M_max intersected per unit redshift (Eq. 18) [1].

        Trapezoid rule in ln M with ``points_per_decade`` (32 gives < 1e-3 relative error).
        z may be an array; M_min, M_max [M_sun/h].
        """
        if not (0 < M_min < M_max) or not math.isfinite(M_max):
            raise ConfigError(f"need 0 < M_min < M_max < inf [M_sun/h], got {M_min!r}, {M_max!r}")
        z_arr = np.atleast_1d(np.asarray(z, dtype=float))
        n = max(2, int(math.ceil(points_per_decade * math.log10(M_max / M_min))) + 1)
        ln_m = np.linspace(math.log(M_min), math.log(M_max), n)
        dens = self.dN_dz_dlnM(np.exp(ln_m)[None, :], z_arr[:, None])
        out = np.trapezoid(dens, ln_m, axis=1)
        return out if np.ndim(z) else out[0]

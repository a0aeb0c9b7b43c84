"""Elastic spin-independent nuclear-recoil rates from any dark-matter speed distribution.

The standard rate (Lewin & Smith 1996; e.g. Kavanagh 2018, verne, Eq. 2.4) per unit target mass

    dR/dE_R = sum_T  w_T  rho_chi sigma_p A_T^2 F_T^2(q) / (2 m_chi mu_p^2)  eta(v_min,T)   (1)

with w_T the mass fraction of nuclide T in the target, q = sqrt(2 m_T E_R), mu_p the DM-proton
reduced mass, and the mean inverse speed

    eta(v_min) = integral_{|v| > v_min} f(v) / |v| d^3v,    v_min = sqrt(m_T E_R / (2 mu_T^2))   (2)

(elastic). The speed distribution enters only through eta, given as an :class:`EtaTable`: from the
free halo (:meth:`EtaTable.from_halo`, closed form) or from weighted speed samples at a detector
(:meth:`EtaTable.from_samples`, e.g. the straight-line transport's v_d with weight v_s/v_d, so the
density change is included: eta is per free-halo density).

Units: energies [keV], masses [GeV] (c = 1), speeds [km/s], cross sections [cm^2], rho [GeV/cm^3],
rates [events / (kg day keV)] and [events / (kg day)]. Energy resolution and efficiencies other
than a step at the threshold are left out (give them to the rate integral yourself).

Public API: :func:`target_fractions` (chemical formula -> nuclide mass fractions),
:class:`EtaTable`, :func:`v_min_elastic`, :func:`helm_form_factor_squared`,
:func:`recoil_spectrum`, :func:`rate_above_threshold`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from mcdm.constants import C_KM_S, GEV_PER_KG, M_PROTON_GEV, SECONDS_PER_DAY
from mcdm.errors import ConfigError

__all__ = ["target_fractions", "EtaTable", "v_min_elastic", "helm_form_factor_squared",
           "recoil_spectrum", "rate_above_threshold", "threshold_rate_kernel", "inverse_speed_sums",
           "max_recoil_kev",
           "GEV_PER_KG"]

_C_CM_S = C_KM_S * 1.0e5
_FORMULA = re.compile(r"([A-Z][a-z]?)(\d*)")


def target_fractions(target: str | Mapping[str, float]) -> dict[str, float]:
    """Nuclide mass fractions [1] of a target: a formula (``"Xe"``, ``"CaWO4"``, ``"NaI"``,
    ``"Ge"``) or a mapping element/nuclide -> mass fraction; natural isotopic abundances."""
    from mcdm.geometry.library import load_nuclides

    table = load_nuclides()
    if isinstance(target, str):
        text = target.replace(" ", "")
        parts = _FORMULA.findall(text)
        if not text or "".join(s + n for s, n in parts) != text:
            raise ConfigError(f"target {target!r} is not a chemical formula such as 'Xe', 'CaWO4' or 'NaI'")
        atoms: dict[str, float] = {}
        for symbol, count in parts:
            atoms[symbol] = atoms.get(symbol, 0.0) + float(count or 1)
        mass = {s: k * table.element(s).mean_mass_u for s, k in atoms.items()}
        total = sum(mass.values())
        elements = {s: m / total for s, m in mass.items()}
    else:
        elements = {str(k): float(v) for k, v in dict(target).items()}
        total = sum(elements.values())
        if not elements or not all(math.isfinite(v) and v >= 0 for v in elements.values()) or not total > 0:
            raise ConfigError(f"target fractions {target!r} must be non-negative and not all zero")
        elements = {k: v / total for k, v in elements.items()}
    out: dict[str, float] = {}
    for key, w in elements.items():
        if key.capitalize() in table.elements:
            el = table.element(key)
            m_mean = el.mean_mass_u
            for nuc in el.isotopes:  # mass fraction of an isotope = atom fraction x m_iso / m_mean
                out[nuc.name] = out.get(nuc.name, 0.0) + w * nuc.abundance * nuc.mass_u / m_mean
        else:
            nuc = table.nuclide(key)
            out[nuc.name] = out.get(nuc.name, 0.0) + w
    return out


def v_min_elastic(e_r_kev: Any, m_chi: float, m_target: float) -> np.ndarray:
    """Lowest speed that gives recoil energy E_R, sqrt(m_T E_R / 2) / mu_T [km/s] (Eq. 2)."""
    e = np.asarray(e_r_kev, dtype=float) * 1.0e-6
    mu = m_chi * m_target / (m_chi + m_target)
    return np.sqrt(m_target * e / 2.0) / mu * C_KM_S


def helm_form_factor_squared(e_r_kev: Any, nuclide: str) -> np.ndarray:
    """|F(q)|^2 of the Helm form factor (Lewin & Smith 1996) at q = sqrt(2 m_T E_R) [1]."""
    from mcdm.kernels.nuclear import helm_form_factor
    from mcdm.physics.interaction import target_properties

    (t,) = target_properties([nuclide])
    e = np.asarray(e_r_kev, dtype=float)
    q = np.sqrt(2.0 * t.mass_gev * e * 1.0e-6)
    f = np.array([helm_form_factor(float(x), float(t.A), *t.helm) for x in q.ravel()]).reshape(q.shape)
    return f * f


@dataclass(frozen=True)
class EtaTable:
    """Mean inverse speed eta(v_min) on a grid (Eq. 2), per free-halo density [s/km].

    ``eta[j]`` is eta at ``v_grid[j]`` (ascending, from 0); linear interpolation between nodes,
    0 beyond the last node. ``error`` is the Monte Carlo standard error (0 for closed forms).
    """

    v_grid: np.ndarray
    eta: np.ndarray
    error: np.ndarray

    @classmethod
    def from_halo(cls, halo, u_earth: float, v_grid: np.ndarray) -> "EtaTable":
        """Closed-form eta of the free truncated SHM in the lab (``halo.eta``) [s/km]."""
        v = np.asarray(v_grid, dtype=float)
        return cls(v, np.asarray(halo.eta(v, float(u_earth)), dtype=float), np.zeros_like(v))

    @classmethod
    def from_samples(cls, speeds: np.ndarray, weights: np.ndarray, n: int, v_grid: np.ndarray) -> "EtaTable":
        """eta(v_j) = (1/n) sum_i w_i / v_i [v_i > v_j] from ``n`` histories (exact at the nodes).

        ``speeds`` [km/s] and ``weights`` [1] of the particles that arrived (others contribute 0);
        ``n`` counts every history (arrived or not). The error is the sample standard error.
        """
        v = np.asarray(v_grid, dtype=float)
        s, w = np.asarray(speeds, dtype=float), np.asarray(weights, dtype=float)
        ok = s > 0
        sums, sums2 = inverse_speed_sums(s[ok], w[ok], v)
        return cls.from_sums(v, sums, sums2, n)

    @classmethod
    def from_sums(cls, v_grid: np.ndarray, sums: np.ndarray, sums2: np.ndarray, n: int) -> "EtaTable":
        """From the per-interval sums of :func:`inverse_speed_sums`, added over any number of chunks."""
        cum = np.cumsum(np.asarray(sums)[::-1])[::-1]
        cum2 = np.cumsum(np.asarray(sums2)[::-1])[::-1]
        err = np.sqrt(np.maximum(cum2 - cum * cum / n, 0.0)) / n
        return cls(np.asarray(v_grid, dtype=float), cum / n, err)

    def __call__(self, v_min: Any) -> np.ndarray:
        """eta at ``v_min`` [km/s] -> [s/km]."""
        return np.interp(np.asarray(v_min, dtype=float), self.v_grid, self.eta, right=0.0)

    def error_at(self, v_min: Any) -> np.ndarray:
        """Monte Carlo error of eta at ``v_min`` [s/km]."""
        return np.interp(np.asarray(v_min, dtype=float), self.v_grid, self.error, right=0.0)


def inverse_speed_sums(speeds: np.ndarray, weights: np.ndarray, v_grid: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Sums of w/v and (w/v)^2 of particles in each grid interval [v_j, v_{j+1}) (the last one open).

    A history contributes to eta(v_j) for every node below its speed; with one particle per history
    the reverse cumulative sums give eta and its second moment (:meth:`EtaTable.from_sums`).
    """
    v = np.asarray(v_grid, dtype=float)
    idx = np.searchsorted(v, speeds, side="left") - 1  # nodes strictly below the speed: 0..idx
    keep = idx >= 0
    x = weights[keep] / speeds[keep]
    sums = np.bincount(idx[keep], weights=x, minlength=v.size)[: v.size]
    sums2 = np.bincount(idx[keep], weights=x * x, minlength=v.size)[: v.size]
    return sums, sums2


def _per_kg_day_kev(rho: float, sigma_p: float, m_chi: float) -> float:
    """rho sigma_p c^2 / (2 m_chi mu_p^2) x 1 kg, converted to [(events/(kg day keV)) per (s/km of eta)]."""
    mu_p = m_chi * M_PROTON_GEV / (m_chi + M_PROTON_GEV)
    # Eq. (1): [GeV/cm3][cm2][cm2/s2][s/cm] / [GeV^3] x GeV/kg -> 1/(kg s GeV); eta [s/km] = 1e-5 s/cm
    per_gev_s = rho * sigma_p * _C_CM_S**2 * 1.0e-5 / (2.0 * m_chi * mu_p**2) * GEV_PER_KG
    return per_gev_s * SECONDS_PER_DAY * 1.0e-6


def recoil_spectrum(e_r_kev: Any, eta: EtaTable, target: str | Mapping[str, float], m_chi: float,
                    sigma_p: float, rho: float = 0.3, form_factor: str = "helm") -> np.ndarray:
    """dR/dE_R of Eq. (1) [events / (kg day keV)] at recoil energies ``e_r_kev`` [keV].

    Parameters
    ----------
    eta : EtaTable -- the speed distribution at the detector (per free-halo density)
    target : formula or mass fractions (:func:`target_fractions`)
    m_chi [GeV], sigma_p [cm^2] (DM-proton, q = 0), rho [GeV/cm^3]
    form_factor : ``"helm"`` or ``"none"``
    """
    from mcdm.physics.interaction import target_properties

    if form_factor not in ("helm", "none"):
        raise ConfigError(f"form_factor must be 'helm' or 'none', got {form_factor!r}")
    for name, value in (("m_chi", m_chi), ("sigma_p", sigma_p), ("rho", rho)):
        if not (math.isfinite(value) and value >= 0) or (name == "m_chi" and value == 0):
            raise ConfigError(f"recoil_spectrum: {name} = {value!r} must be finite and positive")
    e = np.asarray(e_r_kev, dtype=float)
    scale = _per_kg_day_kev(rho, sigma_p, m_chi)
    out = np.zeros_like(e)
    fractions = target_fractions(target)
    for t, (name, w) in zip(target_properties(list(fractions)), fractions.items()):
        f2 = helm_form_factor_squared(e, name) if form_factor == "helm" else 1.0
        out += w * t.A**2 * f2 * eta(v_min_elastic(e, m_chi, t.mass_gev))  # Eq. (1)
    return scale * out


def threshold_rate_kernel(v_grid: np.ndarray, threshold_kev: float, target: str | Mapping[str, float],
                          m_chi: float, sigma_p: float, rho: float = 0.3, form_factor: str = "helm",
                          nodes: int = 400) -> np.ndarray:
    """K(v) such that the rate above threshold is E_f[w K(v) / v] over detector speeds v [km/s] with
    weights w (per free-halo density): R = sum_T integral_{E_th}^{E_T(v)} C_T(E) dE, E_T(v) = 2 mu_T^2 v^2 / m_T,
    with dR/dE = sum_T C_T(E) eta_T(v_min) (Eq. 1) [events/(kg day) x s/km per (s/km)]: exchanging the E
    and v integrals gives an unbinned per-particle estimator (and its variance).

    Returns K on ``v_grid`` (0 below the threshold speed); interpolate linearly in v.
    """
    from mcdm.physics.interaction import target_properties

    if not (math.isfinite(threshold_kev) and threshold_kev > 0):
        raise ConfigError(f"threshold = {threshold_kev!r} keV must be finite and > 0")
    v = np.asarray(v_grid, dtype=float)
    scale = _per_kg_day_kev(rho, sigma_p, m_chi)
    out = np.zeros_like(v)
    fractions = target_fractions(target)
    for t, (name, w) in zip(target_properties(list(fractions)), fractions.items()):
        mu = m_chi * t.mass_gev / (m_chi + t.mass_gev)
        e_top = 2.0 * mu**2 * (v / C_KM_S) ** 2 / t.mass_gev * 1.0e6  # largest recoil at speed v [keV]
        if not np.any(e_top > threshold_kev):
            continue
        e = np.geomspace(threshold_kev, float(e_top.max()), nodes)
        f2 = helm_form_factor_squared(e, name) if form_factor == "helm" else np.ones_like(e)
        c = w * t.A**2 * f2
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (c[1:] + c[:-1]) * np.diff(e))])  # trapezoid
        out += np.where(e_top > threshold_kev, np.interp(e_top, e, cum), 0.0)
    return scale * out


def max_recoil_kev(v_max: float, m_chi: float, target: str | Mapping[str, float]) -> float:
    """Largest recoil energy a particle of speed ``v_max`` [km/s] gives on any nuclide of the target,
    2 mu_T^2 v^2 / m_T [keV]."""
    from mcdm.physics.interaction import target_properties

    v = v_max / C_KM_S
    return max(2.0 * (m_chi * t.mass_gev / (m_chi + t.mass_gev)) ** 2 * v * v / t.mass_gev
               for t in target_properties(list(target_fractions(target)))) * 1.0e6


def rate_above_threshold(threshold_kev: float, eta: EtaTable, target: str | Mapping[str, float],
                         m_chi: float, sigma_p: float, rho: float = 0.3, form_factor: str = "helm",
                         e_max_kev: float | None = None, nodes: int = 400) -> float:
    """Integral of :func:`recoil_spectrum` from the threshold to ``e_max_kev`` [events / (kg day)].

    ``e_max_kev`` defaults to the largest recoil energy the table's fastest speed can give on the
    lightest nuclide. Trapezoid rule on ``nodes`` log-spaced energies.
    """
    if not (math.isfinite(threshold_kev) and threshold_kev > 0):
        raise ConfigError(f"threshold = {threshold_kev!r} keV must be finite and > 0")
    if e_max_kev is None:
        e_max_kev = max_recoil_kev(float(eta.v_grid[-1]), m_chi, target)
    if not e_max_kev > threshold_kev:
        return 0.0
    e = np.geomspace(threshold_kev, e_max_kev, nodes)
    return float(np.trapezoid(recoil_spectrum(e, eta, target, m_chi, sigma_p, rho, form_factor), e))

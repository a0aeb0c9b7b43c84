"""Inelastic Majorana DM (seed 003, issue 10): the partial-wave solver and a year of recoil spectra.

* sigma_T(v) on 100 log-spaced relative speeds 10-2000 km/s for alpha_chi = 0.01, m_chi = 100 GeV,
  m_s = 15 MeV (b = 67: resonant at dwarf speeds), distinguishable and identical pairs, cold phase-shift
  cache, after a call that loads the numba kernel. Target <= 1 s.
* dR/dE_R(t) for 365 days x 100 energies (1-100 keV) on natural xenon for the three models of
  :mod:`mcdm.physics.inelastic_dd` (SI with delta = 100 keV, axial-proton, magnetic), after a warm-up
  call. Target <= 5 s.

Usage::

    python3 -m benchmarks.idm [--quick]
"""
from __future__ import annotations

from typing import Any

from benchmarks._common import best_of, in_subprocess, peak_rss_mib, quick_cli

__all__ = ["measure", "sidm_timing", "recoil_timing", "main", "TARGET_SIDM_S", "TARGET_YEAR_S"]

TARGET_SIDM_S = 1.0
TARGET_YEAR_S = 5.0


def sidm_timing(n: int = 100, repeat: int = 3) -> dict[str, Any]:
    """Best-of wall time of sigma_T on ``n`` speeds, cold cache, per pair type."""
    import numpy as np

    from mcdm.physics import sidm

    pot = sidm.YukawaPotential(0.01, 100.0, 0.015)
    v = np.geomspace(10.0, 2000.0, n)
    sidm.transfer_cross_section(pot, v[:2])

    def once(pair: str) -> None:
        sidm._phase_shifts_cached.cache_clear()
        sidm.transfer_cross_section_per_mass(pot, v, pair=pair)
    out = {"speeds": n, "b": pot.b}
    for pair in sidm.PAIRS:
        out[f"{pair}_s"] = best_of(lambda p=pair: once(p), repeat)
    out["l_max"] = int(sidm.phase_shifts(pot, v).l_max.max())
    out["peak_rss_mib"] = peak_rss_mib()
    return out


def recoil_timing(days: int = 365, energies: int = 100, repeat: int = 3) -> dict[str, Any]:
    """Best-of wall time of a year of spectra per model (Earth speeds included)."""
    import numpy as np

    from mcdm.physics import inelastic_dd as dd
    from mcdm.physics.midm import MagneticInelasticDM
    from mcdm.source.halo import StandardHaloModel

    halo = StandardHaloModel(v0=220.0, v_esc=550.0, rho_chi=0.3)
    d = np.arange(float(days))
    e = np.linspace(1.0, 100.0, energies)
    models = {"si": dd.SpinIndependentDM(100.0, 100.0, 1e-45),
              "axial_proton": dd.AxialProtonDM(100.0, 100.0, 2.5e-5, 7.2e-6, 0.01, propagator="full"),
              "magnetic": dd.MagneticDM(MagneticInelasticDM(m_chi=1000.0, delta=100e-6, g_M=2e-3))}
    dd.annual_spectra(e[:2], d[:2], models["si"], "Xe", halo)
    out: dict[str, Any] = {"days": days, "energies": energies}
    for name, params in models.items():
        dd.annual_spectra(e[:2], d[:2], params, "Xe", halo)
        out[f"{name}_s"] = best_of(lambda p=params: dd.annual_spectra(e, d, p, "Xe", halo), repeat)
    out["peak_rss_mib"] = peak_rss_mib()
    return out


def measure(quick: bool = False) -> dict[str, Any]:
    """Both timings in fresh processes (quick: 20 speeds, 30 days x 20 energies)."""
    return {"sidm": in_subprocess("benchmarks.idm:sidm_timing", n=20 if quick else 100),
            "recoils": in_subprocess("benchmarks.idm:recoil_timing", days=30 if quick else 365,
                                     energies=20 if quick else 100),
            "target_sidm_s": TARGET_SIDM_S, "target_year_s": TARGET_YEAR_S}


def main(argv: list[str] | None = None) -> None:
    quick_cli(__doc__, measure, "small sizes", argv)


if __name__ == "__main__":
    main()

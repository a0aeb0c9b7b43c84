"""Figures written by runs (matplotlib, Agg backend; imported only when a figure is made)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["plot_halo_flux"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_halo_flux(
    path: Path,
    hours: np.ndarray,
    flux: np.ndarray,
    flux_err: np.ndarray,
    flux_analytic: np.ndarray,
    column_kmwe: np.ndarray,
    column_err_kmwe: np.ndarray,
    wind_altitude_deg: np.ndarray,
    title: str,
) -> Path:
    """Two panels against the hour of the day: the flux with its MC error and the analytic n<v>,
    and the flux-weighted mean column upstream with the altitude of the DM wind's origin.

    hours [h since the start], flux [cm^-2 s^-1], column [km w.e.], altitude [deg]
    """
    from mcdm.io import atomic_path

    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7.0, 6.5), sharex=True, constrained_layout=True)
    ax1.errorbar(hours, flux, yerr=flux_err, fmt="o", ms=3, color="C0", label="Monte Carlo (±1σ)")
    ax1.plot(hours, flux_analytic, "-", color="k", lw=1, label=r"analytic $n_\chi\langle v\rangle$")
    ax1.set_ylabel(r"flux [cm$^{-2}$ s$^{-1}$]")
    ax1.legend(loc="best", fontsize=8)
    ax1.set_title(title, fontsize=10)
    ax2.errorbar(hours, column_kmwe, yerr=column_err_kmwe, fmt="o", ms=3, color="C1",
                 label="mean column upstream")
    ax2.set_ylabel("mean column upstream [km w.e.]", color="C1")
    ax2.set_xlabel("time since start [h]")
    twin = ax2.twinx()
    twin.plot(hours, wind_altitude_deg, "--", color="C2", label="altitude of DM-wind origin")
    twin.axhline(0.0, color="0.6", lw=0.8)
    twin.set_ylabel("altitude of wind origin [deg]", color="C2")
    lines = ax2.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax2.legend(lines[0] + more[0], lines[1] + more[1], loc="best", fontsize=8)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path

"""Figures written by runs (matplotlib, Agg backend; imported only when a figure is made)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mcdm.errors import ConfigError

__all__ = ["plot_halo_flux", "centre_peak_shift", "plot_rate_by_category", "plot_daily_totals", "new_figure",
           "save_figure"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def new_figure(ncols: int = 1, nrows: int = 1, figsize: tuple[float, float] = (6.5, 4.2)):
    """(figure, axes) with the Agg backend and constrained layout."""
    return _pyplot().subplots(nrows, ncols, figsize=figsize, constrained_layout=True)


def save_figure(fig, path: Path, dpi: int = 120) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically and close it."""
    from mcdm.io import atomic_path

    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, format="png")
    finally:
        _pyplot().close(fig)
    return Path(path)


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


# ---------------------------------------------------------------------------- seed 004, Figs. 5-6
def _as_columns(values: np.ndarray | None, n_rows: int, n_cols: int | None,
                field: str) -> np.ndarray | None:
    """``values`` as a float (n_rows, n_cols) array (1-D input is one column); None passes."""
    if values is None:
        return None
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n_rows or (n_cols is not None and arr.shape[1] != n_cols):
        want = f"({n_rows}, {n_cols if n_cols is not None else 'n_categories'})"
        msg = f"{field} has shape {np.shape(values)}, expected {want}"
        raise ConfigError(msg)
    return arr


def _check_labels(labels: Sequence[str], n: int) -> list[str]:
    labels = [str(v) for v in labels]
    if len(labels) != n:
        msg = f"labels has {len(labels)} entries for {n} categories (columns of the rates)"
        raise ConfigError(msg)
    return labels


def _positive_or_nan(y: np.ndarray) -> np.ndarray:
    """Values <= 0 as NaN, so a log axis leaves a gap instead of clipping them."""
    return np.where(y > 0, y, np.nan)


def centre_peak_shift(values: np.ndarray) -> int:
    """Roll (for :func:`numpy.roll`) that moves the maximum of ``values`` to index ``len // 2``.

    This is the phase normalisation of the paper's Figure 5 (digest 004 §2.13): "Solar hour was
    normalized so that the peak of the scattering rates occurs in the middle of the plot".
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0 or not np.any(np.isfinite(v)):
        msg = (f"centre_peak_shift needs a non-empty 1-D array with finite values, got shape "
               f"{v.shape}")
        raise ConfigError(msg)
    return int((v.size // 2 - int(np.nanargmax(v))) % v.size)


def plot_rate_by_category(
    path: Path,
    hours: np.ndarray,
    rates: np.ndarray,
    errors: np.ndarray | None,
    labels: Sequence[str],
    title: str,
    ylabel: str = "rate [events/day]",
    total: bool = True,
    centre_peak: bool = False,
    log: bool = False,
) -> Path:
    """Rate against the hour of the day, one curve per isotope (or layer) and their total, with
    Monte Carlo error bars, like the paper's Figure 5.

    Parameters
    ----------
    path : Path
        PNG file, written atomically.
    hours : array_like, shape (n_bins,)
        Bin centres [h], evenly spaced over one (solar or sidereal) day.
    rates : array_like, shape (n_bins, n_cat)
        Rate per bin and category [``ylabel``'s unit, events/day by default]; 1-D for one category.
    errors : array_like, shape (n_bins, n_cat), or None
        Monte Carlo standard errors of ``rates`` [same unit]; None draws no error bars.
    labels : sequence of str
        Category names (``"Al27"``, ``"Fe56"``; or layers), one per column of ``rates``.
    title, ylabel : str
        Figure title and y-axis label.
    total : bool
        Also draw the sum over categories (black); its error is the quadrature sum of the
        category errors, exact for independent estimates and approximate when the categories
        share Monte Carlo histories.
    centre_peak : bool
        Roll every curve by :func:`centre_peak_shift` of the total so its peak sits in the
        middle bin (the paper's normalisation, digest 004 §2.13); the x axis is then labelled
        "hour (peak centred)" and its values are the unrolled ``hours``.
    log : bool
        Logarithmic y axis (bins with zero rate leave gaps).

    Returns
    -------
    Path
        ``path``.
    """
    from mcdm.io import atomic_path

    x = np.asarray(hours, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        msg = f"hours must be a non-empty 1-D array of bin centres [h], got shape {x.shape}"
        raise ConfigError(msg)
    y = _as_columns(rates, x.size, None, "rates")
    err = _as_columns(errors, x.size, y.shape[1], "errors")
    names = _check_labels(labels, y.shape[1])
    y_tot = y.sum(axis=1)
    err_tot = None if err is None else np.sqrt((err * err).sum(axis=1))
    if centre_peak:
        shift = centre_peak_shift(y_tot)
        y, y_tot = np.roll(y, shift, axis=0), np.roll(y_tot, shift)
        if err is not None:
            err, err_tot = np.roll(err, shift, axis=0), np.roll(err_tot, shift)
    show = _positive_or_nan if log else (lambda v: v)

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.5), constrained_layout=True)
    for k, name in enumerate(names):
        ax.errorbar(x, show(y[:, k]), yerr=None if err is None else err[:, k], fmt="o-", ms=3,
                    lw=1, capsize=2, color=f"C{k % 10}", label=name)
    if total:
        ax.errorbar(x, show(y_tot), yerr=err_tot, fmt="s-", ms=3, lw=1.5, capsize=2, color="k",
                    label="total")
    if log:
        ax.set_yscale("log")
    if x.min() >= 0.0 and x.max() <= 24.0:
        ax.set_xticks(np.arange(0, 25, 3))
    ax.set_xlabel("hour (peak centred)" if centre_peak else "hour")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="best", fontsize=8)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path


def plot_daily_totals(
    path: Path,
    x: np.ndarray,
    totals: np.ndarray,
    labels: Sequence[str],
    xlabel: str,
    title: str,
    log: bool = True,
    *,
    errors: np.ndarray | None = None,
    total: bool = True,
    logx: bool = False,
    ylabel: str = "daily rate [events/day]",
) -> Path:
    """Total daily rate per element against a model parameter (delta or g_M), like Figure 6.

    Parameters
    ----------
    path : Path
        PNG file, written atomically.
    x : array_like, shape (n_x,)
        Parameter values, e.g. delta [keV] or g_M [dimensionless]; unit in ``xlabel``.
    totals : array_like, shape (n_x, n_cat)
        Daily total (sum over the hourly bins of a day) per element [events/day].
    labels : sequence of str
        Element / isotope names, one per column.
    xlabel, title : str
        Axis label (with unit) and title.
    log : bool
        Logarithmic y axis (zero totals leave gaps).
    errors : array_like, shape (n_x, n_cat), optional
        Monte Carlo standard errors [events/day].
    total : bool
        Also draw the sum over elements (black), errors added in quadrature.
    logx : bool
        Logarithmic x axis (for g_M scans).
    ylabel : str
        y-axis label.

    Returns
    -------
    Path
        ``path``.
    """
    from mcdm.io import atomic_path

    xs = np.asarray(x, dtype=np.float64)
    if xs.ndim != 1 or xs.size == 0:
        msg = f"x must be a non-empty 1-D array of parameter values, got shape {xs.shape}"
        raise ConfigError(msg)
    if logx and np.any(xs <= 0):
        msg = "logx=True needs x > 0"
        raise ConfigError(msg)
    y = _as_columns(totals, xs.size, None, "totals")
    err = _as_columns(errors, xs.size, y.shape[1], "errors")
    names = _check_labels(labels, y.shape[1])
    show = _positive_or_nan if log else (lambda v: v)

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    for k, name in enumerate(names):
        ax.errorbar(xs, show(y[:, k]), yerr=None if err is None else err[:, k], fmt="o-", ms=3,
                    lw=1, capsize=2, color=f"C{k % 10}", label=name)
    if total:
        err_tot = None if err is None else np.sqrt((err * err).sum(axis=1))
        ax.errorbar(xs, show(y.sum(axis=1)), yerr=err_tot, fmt="s-", ms=3, lw=1.5, capsize=2,
                    color="k", label="total")
    if log:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="best", fontsize=8)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path


def plot_sensitivity_map(path: Path, table, overburden_km: float, m_chi: float, title: str,
                         constants: str = "codata") -> Path:
    """The paper's Figure 7 from a (delta, g_M) scan table (mcdm.scan_report columns).

    Shaded: Eq. (43) on/off sensitivity (``onoff_z >= 1``, with background) and its zero-background
    variant (``onoff_z_zero_bkg >= 1``, light blue); black line: likelihood shape test at Z = 1.64
    (``likelihood_z``); red contours: total signal events (``total_events``, decades); dashed grey:
    g_M at which the decay length at 450 km/s equals the overburden length ``overburden_km`` [km].
    delta in keV and g_M dimensionless, both on log axes; ``m_chi`` [GeV].
    """
    from mcdm.io import atomic_path
    from mcdm.physics.midm import coupling_for_decay_length

    deltas = np.unique(table["delta_keV"].to_numpy())
    gs = np.unique(table["g_M"].to_numpy())
    if deltas.size < 2 or gs.size < 2:
        raise ConfigError("plot_sensitivity_map needs at least 2 values of delta and of g_M")

    def grid(column: str) -> np.ndarray:
        piv = table.pivot_table(index="g_M", columns="delta_keV", values=column, aggfunc="first")
        return piv.reindex(index=gs, columns=deltas).to_numpy(dtype=float)

    X, Y = np.meshgrid(deltas, gs)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 5.2), constrained_layout=True)
    zero = np.nan_to_num(grid("onoff_z_zero_bkg"), nan=0.0)
    onoff = np.nan_to_num(grid("onoff_z"), nan=0.0)
    ax.contourf(X, Y, zero, levels=[1.0, np.inf], colors=["#9ecae1"], alpha=0.7)
    ax.contourf(X, Y, onoff, levels=[1.0, np.inf], colors=["#fdae6b"], alpha=0.8)
    handles = [plt.Rectangle((0, 0), 1, 1, color="#9ecae1", alpha=0.7),
               plt.Rectangle((0, 0), 1, 1, color="#fdae6b", alpha=0.8)]
    labels = ["on/off ≥ 1, no background", "on/off ≥ 1, with background"]
    if "likelihood_z" in table and np.any(np.isfinite(table["likelihood_z"])):
        lz = np.nan_to_num(grid("likelihood_z"), nan=0.0)
        if np.nanmax(lz) >= 1.64:
            ax.contour(X, Y, lz, levels=[1.64], colors="k", linewidths=1.2)
            handles.append(plt.Line2D([], [], color="k", lw=1.2))
            labels.append("likelihood shape test Z = 1.64")
    total = grid("total_events")
    positive = total[total > 0]
    if positive.size:
        levels = 10.0 ** np.arange(np.floor(np.log10(positive.min())), np.ceil(np.log10(positive.max())) + 1, 2)
        cs = ax.contour(X, Y, np.where(total > 0, total, np.nan), levels=levels, colors="r", linewidths=0.8)
        ax.clabel(cs, fmt=lambda v: f"{v:.0e}", fontsize=7)
        handles.append(plt.Line2D([], [], color="r", lw=0.8))
        labels.append("total signal events")
    d_line = np.geomspace(deltas.min(), deltas.max(), 200)
    g_line = [coupling_for_decay_length(overburden_km, m_chi, d * 1e-6, 450.0, constants) for d in d_line]
    ax.plot(d_line, g_line, "--", color="0.4", lw=1.2)
    handles.append(plt.Line2D([], [], color="0.4", ls="--"))
    labels.append(f"ℓ(450 km/s) = {overburden_km:g} km")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(deltas.min(), deltas.max())
    ax.set_ylim(gs.min(), gs.max())
    ax.set_xlabel("δ [keV]")
    ax.set_ylabel("g_M")
    ax.set_title(title, fontsize=9)
    ax.legend(handles, labels, loc="lower right", fontsize=7)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path

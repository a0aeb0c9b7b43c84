"""User-supplied spectral data for comparisons: COMPTEL points and background models (digest 001 §3, C12).

The paper takes its data (COMPTEL inner-Galaxy points) and background (the "optimized" GALPROP
model) from Strong et al. / Moskalenko et al.; neither is tabulated in the paper and no installable
package ships them (hazma's COMPTEL table is not on the package index here), so mcdm reads them
from CSV files the user provides. Format: a header line naming the columns, '#' comments allowed:

* ``k_MeV`` (photon energy [MeV]) and ``k2_flux`` (k^2 dPhi/dk dOmega [MeV cm^-2 s^-1 sr^-1]);
* optional errors: ``err`` (symmetric) or ``err_lo`` and ``err_hi``; optional bin edges ``k_lo_MeV``
  and ``k_hi_MeV`` (plotted as horizontal bars).

Public API: :class:`SpectralPoints`, :func:`read_spectral_table`, :func:`interpolate_k2_flux`,
:func:`chi2_against`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mcdm.errors import ConfigError

__all__ = ["SpectralPoints", "read_spectral_table", "interpolate_k2_flux", "chi2_against"]


@dataclass(frozen=True)
class SpectralPoints:
    """k [MeV], k2_flux [MeV cm^-2 s^-1 sr^-1], err_lo/err_hi (same unit, 0 if absent), bin edges or None."""

    k: np.ndarray
    k2_flux: np.ndarray
    err_lo: np.ndarray
    err_hi: np.ndarray
    k_lo: np.ndarray | None = None
    k_hi: np.ndarray | None = None
    source: str = ""

    @property
    def has_errors(self) -> bool:
        return bool(np.any(self.err_lo > 0) or np.any(self.err_hi > 0))


def read_spectral_table(path: str | Path) -> SpectralPoints:
    """Read a CSV of k_MeV, k2_flux (+ errors, bin edges) into :class:`SpectralPoints` (module docstring)."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"spectral data file {str(p)!r} does not exist")
    try:
        df = pd.read_csv(p, comment="#", skipinitialspace=True)
    except Exception as exc:  # pandas raises several parser errors
        raise ConfigError(f"cannot read {str(p)!r} as CSV: {exc}") from exc
    df.columns = [c.strip() for c in df.columns]
    for col in ("k_MeV", "k2_flux"):
        if col not in df.columns:
            raise ConfigError(f"{p.name}: needs the column {col!r} (have {list(df.columns)})")
    k = df["k_MeV"].to_numpy(float)
    y = df["k2_flux"].to_numpy(float)
    if "err" in df.columns:
        lo = hi = df["err"].to_numpy(float)
    else:
        lo = df["err_lo"].to_numpy(float) if "err_lo" in df.columns else np.zeros_like(k)
        hi = df["err_hi"].to_numpy(float) if "err_hi" in df.columns else lo
    edges = (df["k_lo_MeV"].to_numpy(float), df["k_hi_MeV"].to_numpy(float)) \
        if {"k_lo_MeV", "k_hi_MeV"} <= set(df.columns) else (None, None)
    arrays = [k, y, lo, hi] + [e for e in edges if e is not None]
    if k.size == 0 or not all(np.all(np.isfinite(a)) for a in arrays):
        raise ConfigError(f"{p.name}: needs at least one row and finite numbers only")
    if np.any(k <= 0) or np.any(lo < 0) or np.any(hi < 0):
        raise ConfigError(f"{p.name}: energies must be > 0 MeV and errors >= 0")
    order = np.argsort(k)
    return SpectralPoints(k[order], y[order], lo[order], hi[order],
                          None if edges[0] is None else edges[0][order],
                          None if edges[1] is None else edges[1][order], str(p))


def interpolate_k2_flux(points: SpectralPoints, k: np.ndarray) -> np.ndarray:
    """k^2 dPhi/dk of a tabulated model at k [MeV], log-log interpolation, 0 outside its range."""
    k = np.asarray(k, dtype=float)
    y = np.maximum(points.k2_flux, 1e-300)
    out = np.exp(np.interp(np.log(k), np.log(points.k), np.log(y)))
    return np.where((k >= points.k[0]) & (k <= points.k[-1]), out, 0.0)


def chi2_against(points: SpectralPoints, model_k2_flux: np.ndarray) -> float:
    """sum ((data - model)/err)^2 with the error on the side of the model (err_hi above the point)."""
    if not points.has_errors:
        raise ConfigError(f"{points.source or 'data'}: chi^2 needs errors (err, or err_lo/err_hi)")
    m = np.asarray(model_k2_flux, dtype=float)
    err = np.where(m > points.k2_flux, points.err_hi, points.err_lo)
    if np.any(err <= 0):
        raise ConfigError("chi^2 needs positive errors on every point")
    return float(np.sum(((points.k2_flux - m) / err) ** 2))

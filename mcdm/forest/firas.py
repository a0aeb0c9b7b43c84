"""COBE/FIRAS check of the dark-atom distortion in 60-600 GHz (seed 002 §III.2.3, App. F; digest 002 §6.5,
§13 item 11).

Data (a USER FILE, nothing is downloaded): the FIRAS monopole residuals of Fixsen et al. 1996 as
distributed by LAMBDA (``firas_monopole_spec_v1.txt``): '#'-comment lines, then whitespace-separated
columns nu [cm^-1], monopole [MJy/sr], residual [kJy/sr], 1-sigma uncertainty [kJy/sr], galaxy model
[kJy/sr]. :func:`load_firas` reads

* 5 (or more) columns: the LAMBDA layout above (columns 0, 2, 3 used);
* 3 columns: nu, residual [kJy/sr], uncertainty [kJy/sr];

(commas are accepted as separators). ``nu_unit`` is ``"cm-1"`` (default) or ``"GHz"``.

Model: the spectral distortion Delta I_nu = (2 h nu^3/c^2) Delta n(nu) of
:meth:`mcdm.forest.global_signal.GlobalSignalModel.delta_n` (Sobolev absorption at 1+z = nu*/nu, free-free
damping; zero for nu >= nu*). The FIRAS residuals are taken relative to the best-fit blackbody, so by
default a temperature shift dT (the dB/dT column) is fitted linearly with the distortion held fixed
(``fit_temperature=False`` turns it off). chi^2 = sum [(d - Delta I - dT dB/dT)/sigma]^2.

The μ/y-era thermalisation (absorption at z >~ 5e4, digest §6.5) is outside this module: the Sobolev
jump is applied as is at any z of the thermal-history table.

Units: nu [GHz] in the API; intensities [kJy/sr]; temperatures [K].
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import astropy.constants as const
import numpy as np

from mcdm.errors import ConfigError
from mcdm.forest.global_signal import GlobalSignalModel, GlobalSignalParams, default_model

__all__ = ["FirasData", "load_firas", "FirasResult", "distortion_intensity", "planck_dBdT", "firas_chi2",
           "FIRAS_BAND_GHZ"]

#: FIRAS band of the paper [GHz]
FIRAS_BAND_GHZ = (60.0, 600.0)
_H = const.h.cgs.value
_K = const.k_B.cgs.value
_C = const.c.cgs.value
_KJY = 1e-20  # 1 kJy/sr in erg s^-1 cm^-2 Hz^-1 sr^-1
_CM1_GHZ = _C / 1e9  # 1 cm^-1 in GHz


@dataclass(frozen=True, eq=False)
class FirasData:
    """Residual spectrum: nu [GHz], residual and sigma [kJy/sr]."""

    nu: np.ndarray
    residual: np.ndarray
    sigma: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        nu, r, s = (np.asarray(a, dtype=float) for a in (self.nu, self.residual, self.sigma))
        if not (nu.ndim == 1 and nu.shape == r.shape == s.shape and len(nu) >= 2):
            raise ConfigError("nu, residual and sigma must be 1-D arrays of equal length >= 2")
        if not (np.all(np.isfinite(nu)) and np.all(nu > 0) and np.all(np.isfinite(r)) and np.all(s > 0)):
            raise ConfigError("FIRAS data need finite nu > 0, finite residuals and sigma > 0")
        for name, arr in (("nu", nu), ("residual", r), ("sigma", s)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)


def load_firas(path: str | Path, nu_unit: str = "cm-1") -> FirasData:
    """Read a FIRAS residual table (module docstring for the layouts)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"FIRAS file not found: {path}")
    if nu_unit not in ("cm-1", "GHz"):
        raise ConfigError(f"nu_unit must be 'cm-1' or 'GHz', got {nu_unit!r}")
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            rows.append([float(v) for v in line.replace(",", " ").split()])
        except ValueError:
            continue  # a header line
    if not rows:
        raise ConfigError(f"FIRAS file {path} has no numeric rows")
    ncol = min(len(r) for r in rows)
    if ncol >= 5:
        cols = (0, 2, 3)
    elif ncol == 3:
        cols = (0, 1, 2)
    else:
        raise ConfigError(f"FIRAS file {path}: need 3 columns (nu, residual, sigma) or the 5-column LAMBDA layout")
    arr = np.array([[r[i] for i in cols] for r in rows])
    nu = arr[:, 0] * (_CM1_GHZ if nu_unit == "cm-1" else 1.0)
    return FirasData(nu, arr[:, 1], arr[:, 2], source=str(path))


def distortion_intensity(nu_ghz: Any, params: GlobalSignalParams, model: GlobalSignalModel | None = None) -> np.ndarray:
    """Delta I_nu = (2 h nu^3/c^2) Delta n [kJy/sr] at nu [GHz] (Eqs. 27, 30)."""
    model = default_model() if model is None else model
    nu = np.asarray(nu_ghz, dtype=float) * 1e9
    return 2.0 * _H * nu**3 / _C**2 * model.delta_n(nu, params) / _KJY


def planck_dBdT(nu_ghz: Any, T: float) -> np.ndarray:
    """dB_nu/dT at temperature T [K] in kJy/sr/K; nu [GHz]."""
    nu = np.asarray(nu_ghz, dtype=float) * 1e9
    x = _H * nu / (_K * T)
    return 2.0 * _H * nu**3 / _C**2 * x * np.exp(x) / (np.expm1(x) ** 2 * T) / _KJY


class FirasResult(NamedTuple):
    """chi^2, number of points, fitted temperature shift dT [K] (0 if not fitted), model [kJy/sr]."""

    chi2: float
    n: int
    dT: float
    model: np.ndarray


def firas_chi2(data: FirasData, params: GlobalSignalParams | None = None, model: GlobalSignalModel | None = None,
               fit_temperature: bool = True, band_ghz: tuple[float, float] | None = FIRAS_BAND_GHZ,
               distortion: Any = None) -> FirasResult:
    """chi^2 of the DM distortion against FIRAS residuals (points inside ``band_ghz``; None = all).

    ``distortion`` [kJy/sr on data.nu] overrides the model computed from ``params``.
    """
    model = default_model() if model is None else model
    keep = np.ones(len(data.nu), dtype=bool) if band_ghz is None else (
        (data.nu >= band_ghz[0]) & (data.nu <= band_ghz[1]))
    if keep.sum() < 1:
        raise ConfigError(f"no FIRAS point inside {band_ghz} GHz")
    nu, d, s = data.nu[keep], data.residual[keep], data.sigma[keep]
    if distortion is None:
        m = distortion_intensity(nu, GlobalSignalParams() if params is None else params, model)
    else:
        m = np.asarray(distortion, dtype=float)[keep]
    dT = 0.0
    if fit_temperature:
        g = planck_dBdT(nu, model.th.T0)
        dT = float(np.sum(g * (d - m) / s**2) / np.sum(g**2 / s**2))
        m = m + dT * g
    chi2 = float(np.sum(((d - m) / s) ** 2))
    if not math.isfinite(chi2):
        raise ConfigError("chi^2 is not finite (check the data)")
    return FirasResult(chi2, int(keep.sum()), dT, m)

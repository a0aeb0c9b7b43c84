"""Mock quasar radio spectra through a given optical depth (issue 8 item 5, digest 002 §5.3 step 8).

:func:`mock_spectrum` takes tau(nu) on a fine observed-frequency grid, however it was made,
multiplies a background continuum by the transmission e^-tau, passes the result through an
:class:`~mcdm.forest.instruments.Instrument` (Gaussian resolution + channel averaging, one
flux-conserving linear map) and adds Gaussian noise drawn from the numpy ``Generator`` passed in
(one independent stream per sightline: the caller spawns them, see :mod:`mcdm.rng`).

Units: astropy quantities at the API boundary; floats in MHz and mJy inside and in files.

Channel table (:data:`CHANNEL_COLUMNS`), one row per instrument channel:

=====================  =====  ==========================================================
``frequency_MHz``      MHz    channel centre
``channel_width_MHz``  MHz    channel width
``flux_mJy``           mJy    observed flux density: model + noise
``model_flux_mJy``     mJy    noiseless flux density after the instrument
``continuum_mJy``      mJy    continuum after the instrument (same map as the flux)
``transmission``              model_flux / continuum, the transmission seen by the instrument
``tau``                       -ln(transmission), apparent optical depth (capped at ~690)
``tau_true``                  channel mean of the true fine-grid tau (no resolution)
``noise_mJy``          mJy    1-sigma noise of the channel
=====================  =====  ==========================================================

Files (:meth:`MockSpectrum.to_parquet`, :meth:`MockSpectrum.to_fits`, :func:`read_spectrum`):
Parquet writes the channel table to ``<name>.parquet`` and the absorber truth table to
``<name>.absorbers.parquet`` (and the fine tau grid to ``<name>.fine.parquet`` if asked), each
with schema name, format version, mcdm version and column units in the Arrow metadata, like
``events.parquet`` (:mod:`mcdm.events`). FITS writes one file with HDUs ``SPECTRUM``,
``ABSORBERS`` (and ``FINETAU``), binary tables with ``TUNIT`` keywords; the primary header holds
``MCDMSCH``, ``MCDMFMT``, ``MCDMVER`` and the metadata as JSON (``MCDMMETA``).
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mcdm._version import __version__
from mcdm.errors import ConfigError, UnitError
from mcdm.forest.instruments import (Instrument, RadiometerNoise, SNRNoise, cell_edges,
                                     channel_average, get_instrument, to_unit)
from mcdm.io import FileFormatError, atomic_path, check_schema, to_jsonable

__all__ = ["SCHEMA", "ABSORBER_SCHEMA", "FINE_SCHEMA", "FORMAT_VERSION", "CHANNEL_COLUMNS",
           "PowerLawContinuum", "TemplateContinuum", "MockSpectrum", "mock_spectrum",
           "read_spectrum", "companion_paths", "plot_spectrum"]

#: schema names (Parquet ``mcdm.schema`` / FITS ``MCDMSCH``) and their layout version
SCHEMA = "mcdm.forest.MockSpectrum"
ABSORBER_SCHEMA = "mcdm.forest.Absorbers"
FINE_SCHEMA = "mcdm.forest.FineTau"
FORMAT_VERSION = 1
#: channel column -> unit ("" dimensionless)
CHANNEL_COLUMNS: dict[str, str] = {
    "frequency_MHz": "MHz", "channel_width_MHz": "MHz", "flux_mJy": "mJy",
    "model_flux_mJy": "mJy", "continuum_mJy": "mJy", "transmission": "", "tau": "",
    "tau_true": "", "noise_mJy": "mJy"}
FINE_COLUMNS: dict[str, str] = {"frequency_MHz": "MHz", "tau": ""}
_TINY = 1e-300  # transmission floor for the apparent tau


def _float_array(value: Any, unit: str, field: str) -> np.ndarray:
    """A Quantity (converted to ``unit``) or a plain array taken as ``unit`` -> float64 array."""
    import astropy.units as u

    if isinstance(value, u.Quantity):
        try:
            value = value.to_value(u.Unit(unit)) if unit else value.to_value(u.one)
        except u.UnitConversionError:
            raise UnitError(f"{field}: unit {value.unit} is not convertible to "
                            f"{unit or 'dimensionless'}") from None
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"{field}: expected numbers, got {type(value).__name__}") from None


@dataclass(frozen=True)
class PowerLawContinuum:
    """S_nu = flux_ref (nu / nu_ref)^alpha.

    Attributes
    ----------
    flux_ref : float
        Flux density at ``nu_ref`` [mJy] (Quantity accepted), > 0.
    nu_ref : float
        Reference frequency [MHz] (Quantity accepted), > 0.
    alpha : float
        Spectral index (S_nu ∝ nu^alpha).
    """

    flux_ref: float
    nu_ref: float
    alpha: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "flux_ref", to_unit(self.flux_ref, "mJy", "source.flux_ref"))
        object.__setattr__(self, "nu_ref", to_unit(self.nu_ref, "MHz", "source.nu_ref"))
        object.__setattr__(self, "alpha", to_unit(self.alpha, "", "source.alpha"))
        if self.flux_ref <= 0.0 or self.nu_ref <= 0.0:
            raise ConfigError(f"source.flux_ref and source.nu_ref must be > 0, got "
                              f"{self.flux_ref} mJy at {self.nu_ref} MHz")

    def flux(self, nu: np.ndarray) -> np.ndarray:
        """Flux density [mJy] at frequencies ``nu`` [MHz]."""
        return self.flux_ref * (np.asarray(nu, dtype=np.float64) / self.nu_ref) ** self.alpha

    def describe(self) -> dict[str, Any]:
        return {"kind": "power_law", "flux_ref_mJy": self.flux_ref, "nu_ref_MHz": self.nu_ref,
                "alpha": self.alpha}


@dataclass(frozen=True, eq=False)
class TemplateContinuum:
    """Tabulated continuum, interpolated linearly in (log nu, log S); no extrapolation.

    Attributes
    ----------
    nu : ndarray
        Frequencies [MHz] (Quantity accepted), strictly ascending, > 0.
    flux : ndarray
        Flux densities [mJy] (Quantity accepted), > 0.
    name : str
        Label written into output metadata.
    """

    nu: np.ndarray
    flux: np.ndarray
    name: str = "template"

    def __post_init__(self) -> None:
        nu = _float_array(self.nu, "MHz", "template frequency")
        s = _float_array(self.flux, "mJy", "template flux")
        if nu.ndim != 1 or nu.shape != s.shape or nu.size < 2:
            raise ConfigError(f"a continuum template needs two 1-D columns of equal length >= 2, "
                              f"got shapes {nu.shape} and {s.shape}")
        if not (np.all(np.isfinite(nu)) and np.all(np.isfinite(s)) and nu[0] > 0.0
                and np.all(np.diff(nu) > 0.0)):
            raise ConfigError("template frequencies must be finite, > 0 and strictly ascending")
        if not np.all(s > 0.0):
            raise ConfigError(f"template fluxes must be > 0 mJy, got min {s.min()}")
        object.__setattr__(self, "nu", nu)
        object.__setattr__(self, "flux", s)

    @classmethod
    def read(cls, path: str | os.PathLike[str], name: str | None = None) -> TemplateContinuum:
        """Read a two-column text table: frequency [MHz], flux density [mJy]; ``#`` comments,
        whitespace or comma separated."""
        text = Path(path).read_text().replace(",", " ")
        try:
            data = np.loadtxt(text.splitlines(), comments="#", ndmin=2)
        except ValueError as exc:
            raise ConfigError(f"cannot read {str(path)!r} as 'frequency [MHz]  flux [mJy]': "
                              f"{exc}") from None
        if data.shape[1] != 2:
            raise ConfigError(f"{str(path)!r} has {data.shape[1]} columns; a template has 2 "
                              f"(frequency [MHz], flux [mJy])")
        return cls(data[:, 0], data[:, 1], name or Path(path).name)

    def flux_at(self, nu: np.ndarray) -> np.ndarray:
        """Flux density [mJy] at ``nu`` [MHz] inside the template range."""
        nu = np.asarray(nu, dtype=np.float64)
        if nu.min() < self.nu[0] or nu.max() > self.nu[-1]:
            raise ConfigError(f"template {self.name!r} covers {self.nu[0]:g}-{self.nu[-1]:g} MHz, "
                              f"the grid {nu.min():g}-{nu.max():g} MHz")
        return np.exp(np.interp(np.log(nu), np.log(self.nu), np.log(self.flux)))

    def describe(self) -> dict[str, Any]:
        return {"kind": "template", "name": self.name, "n_points": int(self.nu.size),
                "nu_range_MHz": [float(self.nu[0]), float(self.nu[-1])]}


def _source_flux(source: Any, nu: np.ndarray) -> np.ndarray:
    if isinstance(source, TemplateContinuum):
        return source.flux_at(nu)
    if isinstance(source, PowerLawContinuum):
        return source.flux(nu)
    raise ConfigError(f"source must be a PowerLawContinuum or TemplateContinuum, got "
                      f"{type(source).__name__}")


def _absorber_table(absorbers: Any, units: Mapping[str, str] | None
                    ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Columns of the caller's truth table as numpy arrays (float64, int64, bool, str) + units."""
    import astropy.units as u

    if absorbers is None:
        return {}, {}
    if hasattr(absorbers, "to_dict") and hasattr(absorbers, "columns"):  # pandas
        absorbers = {str(c): absorbers[c].to_numpy() for c in absorbers.columns}
    elif hasattr(absorbers, "colnames"):  # astropy Table / QTable
        absorbers = {c: (absorbers[c] if isinstance(absorbers[c], u.Quantity)  # QTable
                         else absorbers[c].quantity if absorbers[c].unit is not None  # Table
                         else np.asarray(absorbers[c])) for c in absorbers.colnames}
    if not isinstance(absorbers, Mapping):
        raise ConfigError(f"absorbers must be a mapping of columns, a pandas DataFrame or an "
                          f"astropy Table, got {type(absorbers).__name__}")
    cols, out_units, n = {}, {}, None
    for name, value in absorbers.items():
        if not isinstance(name, str) or not name:
            raise ConfigError(f"absorber column names must be non-empty strings, got {name!r}")
        unit = str((units or {}).get(name, ""))
        if isinstance(value, u.Quantity):
            unit, value = value.unit.to_string(), value.value
        arr = np.asarray(value)
        if arr.ndim != 1 or (n is not None and arr.size != n):
            raise ConfigError(f"absorber column {name!r} has shape {arr.shape}; all columns must "
                              f"be 1-D of one length ({n})")
        n = arr.size
        kind = arr.dtype.kind
        if kind in "iu":
            arr = arr.astype(np.int64)
        elif kind == "f":
            arr = arr.astype(np.float64)
        elif kind in "USO" and all(isinstance(x, str) for x in arr.tolist()):
            arr = arr.astype(str)
        elif kind != "b":
            raise ConfigError(f"absorber column {name!r} has dtype {arr.dtype}; use numbers, "
                              f"booleans or strings")
        cols[name], out_units[name] = arr, unit
    return cols, out_units


@dataclass(frozen=True, eq=False)
class MockSpectrum:
    """One sightline's mock spectrum (channel table), absorber truth and optional fine tau.

    Attributes
    ----------
    channels : dict of ndarray
        The :data:`CHANNEL_COLUMNS` (float64, MHz / mJy).
    absorbers : dict of ndarray
        The caller's absorber truth table (any columns, one row per absorber).
    absorber_units : dict of str
        Unit string of every absorber column ("" if none).
    fine : dict of ndarray or None
        True ``frequency_MHz`` and ``tau`` on the fine grid, if kept.
    meta : dict
        JSON metadata: instrument, source, noise, band and the caller's ``run`` dict.
    """

    channels: dict[str, np.ndarray]
    absorbers: dict[str, np.ndarray] = field(default_factory=dict)
    absorber_units: dict[str, str] = field(default_factory=dict)
    fine: dict[str, np.ndarray] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.channels["frequency_MHz"].size)

    def __repr__(self) -> str:
        f = self.channels["frequency_MHz"]
        return (f"MockSpectrum({len(self)} channels, {f[0]:g}-{f[-1]:g} MHz, "
                f"{self.n_absorbers} absorbers)")

    @property
    def n_absorbers(self) -> int:
        return int(next(iter(self.absorbers.values())).size) if self.absorbers else 0

    def quantity(self, column: str) -> Any:
        """A channel column as an astropy Quantity (``spec.quantity("flux_mJy")``)."""
        import astropy.units as u

        return u.Quantity(self.channels[column], u.Unit(CHANNEL_COLUMNS[column]))

    def equals(self, other: Any) -> bool:
        """Exact equality of all tables, units and metadata."""
        def same(x: Mapping[str, np.ndarray] | None, y: Mapping[str, np.ndarray] | None) -> bool:
            if x is None or y is None:
                return x is y
            return list(x) == list(y) and all(np.array_equal(x[k], y[k]) for k in x)
        return (isinstance(other, MockSpectrum) and same(self.channels, other.channels)
                and same(self.absorbers, other.absorbers) and same(self.fine, other.fine)
                and self.absorber_units == other.absorber_units and self.meta == other.meta)

    # ------------------------------------------------------------------ Parquet
    def to_parquet(self, path: str | os.PathLike[str], *, include_fine: bool = False) -> list[Path]:
        """Write ``path`` (channels), ``<stem>.absorbers.parquet`` and, with ``include_fine``,
        ``<stem>.fine.parquet``; returns the paths written."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        main, absorbers_path, fine_path = companion_paths(path)
        fine = self.fine if include_fine else None
        extra = {"n_absorbers": str(self.n_absorbers), "has_fine": str(fine is not None),
                 "meta": json.dumps(to_jsonable(self.meta), sort_keys=True)}
        jobs = [(main, self.channels, CHANNEL_COLUMNS, SCHEMA, extra),
                (absorbers_path, self.absorbers, self.absorber_units, ABSORBER_SCHEMA, {})]
        if fine is not None:
            jobs.append((fine_path, fine, FINE_COLUMNS, FINE_SCHEMA, {}))
        for target, cols, units, schema, more in jobs:
            meta = {"mcdm.schema": schema, "mcdm.format_version": str(FORMAT_VERSION),
                    "mcdm.version": __version__,
                    "mcdm.units": json.dumps({k: units.get(k, "") for k in cols}, sort_keys=True),
                    **{f"mcdm.{k}": v for k, v in more.items()}}
            table = pa.table({k: pa.array(v) for k, v in cols.items()})
            table = table.replace_schema_metadata({k.encode(): v.encode() for k, v in meta.items()})
            with atomic_path(target) as tmp:
                pq.write_table(table, tmp)
        return [job[0] for job in jobs]

    # ------------------------------------------------------------------ FITS
    def to_fits(self, path: str | os.PathLike[str], *, include_fine: bool = False) -> Path:
        """Write one FITS file: primary header + ``SPECTRUM``, ``ABSORBERS`` (+ ``FINETAU``)."""
        from astropy.io import fits

        primary = fits.PrimaryHDU()
        primary.header["MCDMSCH"] = SCHEMA
        primary.header["MCDMFMT"] = FORMAT_VERSION
        primary.header["MCDMVER"] = __version__
        primary.header["MCDMMETA"] = json.dumps(to_jsonable(self.meta), sort_keys=True)
        primary.header["INSTRUME"] = str(self.meta.get("instrument", {}).get("name", ""))[:68]
        hdus = [primary, _fits_table(self.channels, CHANNEL_COLUMNS, "SPECTRUM"),
                _fits_table(self.absorbers, self.absorber_units, "ABSORBERS")]
        if include_fine and self.fine is not None:
            hdus.append(_fits_table(self.fine, FINE_COLUMNS, "FINETAU"))
        with atomic_path(path) as tmp:
            fits.HDUList(hdus).writeto(tmp, overwrite=True)
        return Path(path)


def companion_paths(path: str | os.PathLike[str]) -> tuple[Path, Path, Path]:
    """(channels, absorbers, fine) Parquet paths for ``path`` (``x.parquet`` ->
    ``x.parquet``, ``x.absorbers.parquet``, ``x.fine.parquet``)."""
    main = Path(path)
    stem = main.name[:-len(".parquet")] if main.name.endswith(".parquet") else main.name
    return main, main.with_name(f"{stem}.absorbers.parquet"), main.with_name(f"{stem}.fine.parquet")


def _fits_table(cols: Mapping[str, np.ndarray], units: Mapping[str, str], name: str) -> Any:
    from astropy.io import fits

    columns = []
    for key, arr in cols.items():
        kind = arr.dtype.kind
        if kind == "U":
            if not all(s.isascii() for s in arr.tolist()):
                raise ConfigError(f"absorber column {key!r} has non-ASCII strings; FITS cannot "
                                  f"store them (use Parquet)")
            fmt = f"{max((len(s) for s in arr.tolist()), default=1) or 1}A"
        else:
            fmt = {"f": "D", "i": "K", "b": "L"}[kind]
        columns.append(fits.Column(name=key, format=fmt, unit=units.get(key) or None, array=arr))
    return fits.BinTableHDU.from_columns(columns, name=name)


def _check_columns(cols: Mapping[str, np.ndarray], required: Mapping[str, str], where: str) -> None:
    missing = [c for c in required if c not in cols]
    if missing:
        raise FileFormatError(f"{where} lacks column(s) {missing}; required: {list(required)}")
    for c in required:
        if cols[c].dtype.kind != "f":
            raise FileFormatError(f"{where}: column {c!r} has dtype {cols[c].dtype}, "
                                  f"expected float64")


def read_spectrum(path: str | os.PathLike[str]) -> MockSpectrum:
    """Read a spectrum written by :meth:`MockSpectrum.to_parquet` (give the channel file) or
    :meth:`MockSpectrum.to_fits`, checking schema names, versions and required columns.

    Raises
    ------
    mcdm.io.FileFormatError
        Unknown suffix, unreadable file, wrong schema, newer format version, missing or
        mistyped column, absorber companion missing or of the wrong length.
    """
    name = Path(path).name.lower()
    if name.endswith(".parquet"):
        return _read_parquet(Path(path))
    if name.endswith((".fits", ".fit", ".fts", ".fits.gz")):
        return _read_fits(Path(path))
    raise FileFormatError(f"{str(path)!r}: unknown spectrum file type; expected .parquet or .fits")


def _read_parquet_table(path: Path, schema: str) -> tuple[dict[str, np.ndarray], dict[str, str],
                                                          dict[bytes, bytes]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileFormatError(f"cannot read {str(path)!r} as Parquet ({schema}): {exc}") from exc
    meta = table.schema.metadata or {}
    found, version = meta.get(b"mcdm.schema"), meta.get(b"mcdm.format_version")
    if found is None:
        raise FileFormatError(f"{str(path)!r} has no mcdm.schema metadata; not a {schema} file")
    check_schema(found.decode(errors="replace"),
                 None if version is None else version.decode(errors="replace"),
                 schema=schema, current=FORMAT_VERSION, where=repr(str(path)),
                 key="format_version")
    cols = {c: table.column(c).to_numpy(zero_copy_only=False) for c in table.column_names}
    cols = {c: (v.astype(str) if v.dtype.kind == "O" else v) for c, v in cols.items()}
    return cols, json.loads(meta.get(b"mcdm.units", b"{}")), meta


def _read_parquet(path: Path) -> MockSpectrum:
    main, absorbers_path, fine_path = companion_paths(path)
    channels, _, meta = _read_parquet_table(main, SCHEMA)
    _check_columns(channels, CHANNEL_COLUMNS, repr(str(main)))
    if not absorbers_path.exists():
        raise FileFormatError(f"{str(main)!r}: its absorber table {str(absorbers_path)!r} "
                              f"is missing")
    absorbers, units, _ = _read_parquet_table(absorbers_path, ABSORBER_SCHEMA)
    n_expected = int(meta.get(b"mcdm.n_absorbers", b"0"))
    n_found = next(iter(absorbers.values())).size if absorbers else 0
    if n_found != n_expected:
        raise FileFormatError(f"{str(absorbers_path)!r} has {n_found} absorbers, {str(main)!r} "
                              f"expects {n_expected}: the two files do not belong together")
    fine = None
    if meta.get(b"mcdm.has_fine") == b"True":
        fine, _, _ = _read_parquet_table(fine_path, FINE_SCHEMA)
        _check_columns(fine, FINE_COLUMNS, repr(str(fine_path)))
    return MockSpectrum({c: channels[c] for c in CHANNEL_COLUMNS}, absorbers, units, fine,
                        json.loads(meta.get(b"mcdm.meta", b"{}")))


def _read_fits(path: Path) -> MockSpectrum:
    from astropy.io import fits

    try:
        hdul = fits.open(path, memmap=False)
    except OSError as exc:
        raise FileFormatError(f"cannot read {str(path)!r} as FITS: {exc}") from exc
    with hdul:
        head = hdul[0].header
        if "MCDMSCH" not in head:
            raise FileFormatError(f"{str(path)!r} has no MCDMSCH keyword; not a {SCHEMA} file")
        check_schema(head.get("MCDMSCH"), head.get("MCDMFMT"), schema=SCHEMA,
                     current=FORMAT_VERSION, where=repr(str(path)), key="MCDMFMT")
        names = [h.name for h in hdul]
        for need in ("SPECTRUM", "ABSORBERS"):
            if need not in names:
                raise FileFormatError(f"{str(path)!r} lacks the {need} HDU; HDUs: {names}")

        def table(hdu_name: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
            hdu = hdul[hdu_name]
            cols, units = {}, {}
            for col in hdu.columns:
                arr = np.asarray(hdu.data[col.name]) if hdu.data is not None else np.empty(0)
                if arr.dtype.kind in "SU":
                    arr = np.char.rstrip(arr.astype(str))
                elif arr.dtype.kind != "b":
                    arr = arr.astype(arr.dtype.newbyteorder("="))
                cols[col.name], units[col.name] = arr, col.unit or ""
            return cols, units

        channels, _ = table("SPECTRUM")
        _check_columns(channels, CHANNEL_COLUMNS, f"{str(path)!r}[SPECTRUM]")
        absorbers, units = table("ABSORBERS")
        fine = None
        if "FINETAU" in names:
            fine, _ = table("FINETAU")
            _check_columns(fine, FINE_COLUMNS, f"{str(path)!r}[FINETAU]")
        meta = json.loads(head.get("MCDMMETA", "{}"))
    return MockSpectrum({c: channels[c] for c in CHANNEL_COLUMNS}, absorbers, units, fine, meta)


def mock_spectrum(nu: Any, tau: Any, source: PowerLawContinuum | TemplateContinuum,
                  instrument: Instrument | str, noise: SNRNoise | RadiometerNoise | None = None,
                  rng: np.random.Generator | None = None, *, band: tuple[Any, Any] | None = None,
                  absorbers: Any = None, absorber_units: Mapping[str, str] | None = None,
                  run: Mapping[str, Any] | None = None, keep_fine: bool = True) -> MockSpectrum:
    """Observe ``exp(-tau)`` in front of ``source`` with ``instrument``.

    Parameters
    ----------
    nu : Quantity, shape (n,)
        Fine observed-frequency grid (frequency units), strictly ascending.
    tau : array_like, shape (n,)
        Optical depth at ``nu`` (dimensionless, finite, >= 0).
    source : PowerLawContinuum or TemplateContinuum
        Background continuum.
    instrument : Instrument or str
        Instrument or a preset name (:data:`~mcdm.forest.instruments.PRESETS`).
    noise : SNRNoise, RadiometerNoise or None
        Channel noise; None gives a noiseless spectrum (``noise_mJy`` = 0).
    rng : numpy.random.Generator
        This sightline's own stream; required when ``noise`` is given.
    band : (Quantity, Quantity), optional
        Bandpass: keep only channels inside it (and inside the instrument band and the grid).
    absorbers : mapping, pandas DataFrame or astropy Table, optional
        Absorber truth table, any columns (z, M, b, tau0, width, ...); Quantity columns keep
        their units, plain columns take theirs from ``absorber_units``.
    run : dict, optional
        Free JSON metadata stored with the spectrum (sightline id, seed, model parameters).
    keep_fine : bool
        Keep the fine tau grid in the result (for plots and optional output).
    """
    import astropy.units as u

    if not isinstance(nu, u.Quantity):
        raise UnitError(f"nu must be an astropy Quantity with a frequency unit (e.g. nu_mhz * "
                        f"u.MHz), got {type(nu).__name__}")
    nu_mhz = _float_array(nu, "MHz", "nu")
    tau_ = _float_array(tau, "", "tau")
    if tau_.shape != nu_mhz.shape:
        raise ConfigError(f"tau has shape {tau_.shape}, the frequency grid {nu_mhz.shape}")
    if not np.all(np.isfinite(tau_)) or np.any(tau_ < 0.0):
        raise ConfigError("tau must be finite and >= 0 (absorption only)")
    edges = cell_edges(nu_mhz)
    inst = get_instrument(instrument)
    if noise is not None and not isinstance(noise, (SNRNoise, RadiometerNoise)):
        raise ConfigError(f"noise must be SNRNoise, RadiometerNoise or None, got {noise!r}")
    if noise is not None and not isinstance(rng, np.random.Generator):
        raise ConfigError(f"noise needs this sightline's numpy.random.Generator as rng, got "
                          f"{type(rng).__name__}")
    lo, hi = edges[0], edges[-1]
    if band is not None:
        b_lo, b_hi = (to_unit(x, "MHz", "band") for x in band)
        if not b_lo < b_hi:
            raise ConfigError(f"band must be (low, high) with low < high, got {band}")
        lo, hi = max(lo, b_lo), min(hi, b_hi)
    if not lo < hi:
        raise ConfigError(f"band {band} does not overlap the grid {edges[0]:g}-{edges[-1]:g} MHz")
    ch = inst.channel_edges(lo, hi)
    cont_fine = _source_flux(source, nu_mhz)
    smooth = channel_average(edges, np.vstack([cont_fine * np.exp(-tau_), cont_fine]), ch,
                             inst.resolution)
    model, continuum = smooth[0], smooth[1]
    transmission = model / continuum
    width = np.diff(ch)
    sigma = np.zeros_like(model) if noise is None else noise.sigma(continuum, width)
    flux = model if noise is None else model + sigma * rng.standard_normal(model.size)
    channels = {"frequency_MHz": 0.5 * (ch[1:] + ch[:-1]), "channel_width_MHz": width,
                "flux_mJy": flux, "model_flux_mJy": model, "continuum_mJy": continuum,
                "transmission": transmission,
                "tau": -np.log(np.maximum(transmission, _TINY)),
                "tau_true": channel_average(edges, tau_, ch, 0.0), "noise_mJy": sigma}
    cols, units = _absorber_table(absorbers, absorber_units)
    noise_meta = None if noise is None else {"kind": type(noise).__name__, **asdict(noise)}
    meta = {"instrument": asdict(inst), "source": source.describe(), "noise": noise_meta,
            "band_MHz": [float(ch[0]), float(ch[-1])], "n_fine": int(nu_mhz.size),
            "run": to_jsonable(dict(run or {}))}
    fine = {"frequency_MHz": nu_mhz, "tau": tau_} if keep_fine else None
    return MockSpectrum(channels, cols, units, fine, to_jsonable(meta))


def _absorber_mhz(spec: MockSpectrum, column: str | None, nu_rest: Any) -> np.ndarray | None:
    import astropy.units as u

    a = spec.absorbers
    if column is None:
        column = next((c for c in ("nu_obs_MHz", "nu_obs", "frequency_MHz") if c in a), None)
    if column is not None:
        if column not in a:
            raise ConfigError(f"no absorber column {column!r}; columns: {list(a)}")
        unit = spec.absorber_units.get(column) or "MHz"
        return u.Quantity(a[column], u.Unit(unit)).to_value(u.MHz)
    if "z" in a and nu_rest is not None:
        return to_unit(nu_rest, "MHz", "nu_rest") / (1.0 + np.asarray(a["z"], dtype=float))
    return None


def plot_spectrum(spec: MockSpectrum, path: str | os.PathLike[str], *, title: str | None = None,
                  nu_rest: Any = None, absorber_column: str | None = None,
                  max_points: int = 20_000) -> Path:
    """PNG of one sightline: flux with noise (top), instrument transmission (middle), true tau
    (bottom, fine grid if kept), absorbers marked by ticks at their observed frequency.

    The absorber frequency comes from ``absorber_column`` (unit from the table, else MHz), a
    column ``nu_obs_MHz``/``nu_obs``/``frequency_MHz``, or ``nu_rest / (1 + z)``.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    c = spec.channels
    scale, unit = (1e-3, "GHz") if c["frequency_MHz"][-1] > 1e4 else (1.0, "MHz")
    f = c["frequency_MHz"] * scale
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(8.0, 7.5), sharex=True,
                                        constrained_layout=True, height_ratios=(2, 1, 1))
    ax1.fill_between(f, c["model_flux_mJy"] - c["noise_mJy"], c["model_flux_mJy"] + c["noise_mJy"],
                     step="mid", color="C0", alpha=0.2, lw=0, label="±1σ noise")
    ax1.step(f, c["flux_mJy"], where="mid", color="k", lw=0.6, label="observed")
    ax1.plot(f, c["model_flux_mJy"], color="C0", lw=0.9, label="noiseless")
    ax1.plot(f, c["continuum_mJy"], color="C1", lw=0.9, ls="--", label="continuum")
    ax1.set_ylabel("flux density [mJy]")
    ax2.step(f, c["transmission"], where="mid", color="C2", lw=0.8)
    ax2.set_ylabel(r"$e^{-\tau}$ (instrument)")
    if spec.fine is not None:
        x, y = spec.fine["frequency_MHz"], spec.fine["tau"]
        keep = (x >= c["frequency_MHz"][0]) & (x <= c["frequency_MHz"][-1])
        x, y = x[keep], y[keep]
        if x.size > max_points:  # bucket maxima keep every peak visible
            n = x.size // max_points + 1
            m = x.size // n * n
            x, y = x[:m].reshape(-1, n)[:, 0], y[:m].reshape(-1, n).max(axis=1)
        ax3.plot(x * scale, y, color="C3", lw=0.8, label="true τ (fine grid)")
    else:
        ax3.step(f, c["tau_true"], where="mid", color="C3", lw=0.8, label="true τ (channel mean)")
    ax3.set_ylabel(r"$\tau$")
    ax3.set_xlabel(f"observed frequency [{unit}]")
    ax3.legend(loc="best", fontsize=8)
    marks = _absorber_mhz(spec, absorber_column, nu_rest)
    if marks is not None and marks.size:
        for ax in (ax1, ax3):
            ax.vlines(marks * scale, 0.92, 1.0, transform=ax.get_xaxis_transform(), color="C4",
                      lw=0.7, label="absorbers" if ax is ax1 else None)
    ax1.legend(loc="best", fontsize=8)
    ax1.set_title(title or str(spec.meta.get("instrument", {}).get("name", "")), fontsize=10)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return Path(path)

"""`Tally`: a weighted histogram of a Monte Carlo estimate, with its statistical error.

A tally is a :class:`boost_histogram.Histogram` with ``Weight`` storage (per bin the sum of
weights Σw and the sum of squared weights Σw²) plus three pieces of bookkeeping: how many
independent Monte Carlo histories were scored (``n_histories``), what is scored (``quantity``)
and in which unit (``unit``). Shards of a run tally independently and add (``sum(shards)``).

Examples
--------
>>> import numpy as np
>>> from mcdm.tally import Tally, energy_axis
>>> t = Tally(energy_axis([1.0, 2.0, 4.0]), quantity="rate", unit="s^-1")
>>> t.fill(np.array([1.5, 3.0, 3.5]), weight=np.array([0.5, 0.25, 0.25])).add_histories(4)
Tally(quantity='rate' [s^-1], axes=[energy(2)], n_histories=4)
>>> t.values().tolist(), t.variances("poisson").tolist()
([0.5, 0.5], [0.25, 0.125])
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import boost_histogram as bh
import numpy as np

from mcdm._version import __version__
from mcdm.errors import McdmError
from mcdm.io import FileFormatError, atomic_write_json, check_schema, to_jsonable
from mcdm.tally.axes import axis_metadata, axis_name

__all__ = ["FORMAT_VERSION", "Tally", "TallyError", "sum_tallies"]

#: Version of the file format written by :meth:`Tally.save`; bump when the schema changes and
#: keep :meth:`Tally.from_dict` able to read every older version (files without a version read as
#: version 0, the same layout; see :mod:`mcdm.io`, "Schema versions").
FORMAT_VERSION = 1
_KIND = "mcdm.Tally"
_MODES = ("poisson", "history")


class TallyError(McdmError, ValueError):
    """Tallies that cannot be combined, an unknown axis name, or a bad fill/variance request."""


class Tally:
    """Weighted histogram of a Monte Carlo estimate with sum of w and sum of w² per bin.

    Parameters
    ----------
    *axes : boost_histogram.axis.Axis
        Axes from :mod:`mcdm.tally.axes` (or any boost-histogram axes with a ``metadata`` dict
        holding a unique ``"name"``).
    quantity : str
        What each weight is, e.g. ``"flux"``, ``"rate"``, ``"counts"``.
    unit : str
        Unit of the weights and hence of :meth:`values`, e.g. ``"cm^-2 s^-1"``; ``""`` if none.
    n_histories : int
        Number of independent Monte Carlo histories already scored into the tally.
    """

    __slots__ = ("_hist", "quantity", "unit", "n_histories")

    def __init__(self, *axes: Any, quantity: str = "weight", unit: str = "",
                 n_histories: int = 0) -> None:
        if not axes:
            msg = "a Tally needs at least one axis"
            raise TallyError(msg)
        self._init(bh.Histogram(*axes, storage=bh.storage.Weight()), quantity, unit, n_histories)

    def _init(self, hist: bh.Histogram, quantity: str, unit: str, n_histories: int) -> None:
        names = [axis_name(ax) for ax in hist.axes]
        dup = sorted({n for n in names if n and names.count(n) > 1})
        if dup:
            msg = f"axis names of a Tally must be unique; repeated: {dup}"
            raise TallyError(msg)
        self._hist = hist
        self.quantity = str(quantity)
        self.unit = str(unit)
        self.n_histories = _check_count(n_histories, "n_histories")

    @classmethod
    def from_histogram(cls, hist: bh.Histogram, *, quantity: str = "weight", unit: str = "",
                       n_histories: int = 0, copy: bool = True) -> Tally:
        """Wrap a boost-histogram with ``Weight`` storage (copied unless ``copy=False``)."""
        if not isinstance(hist, bh.Histogram) or hist.storage_type is not bh.storage.Weight:
            msg = (f"a Tally needs a boost_histogram.Histogram with Weight storage, got "
                   f"{type(hist).__name__} with {getattr(hist, 'storage_type', None)}")
            raise TallyError(msg)
        self = cls.__new__(cls)
        self._init(hist.copy() if copy else hist, quantity, unit, n_histories)
        return self

    # ------------------------------------------------------------------ structure
    @property
    def histogram(self) -> bh.Histogram:
        """The underlying boost-histogram (live object, for power users)."""
        return self._hist

    @property
    def axes(self) -> tuple[Any, ...]:
        """The axes, in order."""
        return tuple(self._hist.axes)

    @property
    def names(self) -> tuple[str, ...]:
        """Axis names, in order (``""`` for an unnamed axis)."""
        return tuple(axis_name(ax) for ax in self._hist.axes)

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return self._hist.ndim

    def index(self, axis: str | int) -> int:
        """Position of the axis named ``axis`` (an int is checked and returned)."""
        if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            if not -self.ndim <= axis < self.ndim:
                msg = f"axis index {axis} out of range for a Tally with {self.ndim} axes"
                raise TallyError(msg)
            return int(axis) % self.ndim
        names = self.names
        if axis not in names:
            msg = f"unknown axis {axis!r}; this Tally has axes {list(names)}"
            raise TallyError(msg)
        return names.index(axis)

    def axis(self, axis: str | int) -> Any:
        """The axis named (or at position) ``axis``."""
        return self._hist.axes[self.index(axis)]

    # ------------------------------------------------------------------ scoring
    def fill(self, *coords: Any, weight: Any = None) -> Tally:
        """Score entries: one coordinate array per axis, in axis order, and their weights.

        Parameters
        ----------
        *coords : array_like
            Coordinates in each axis's unit (see ``axis(...).metadata["unit"]``); strings for
            category axes. Arrays of equal length, or scalars (broadcast).
        weight : array_like or float, optional
            Weight of each entry [``self.unit``]; 1 if omitted.

        Returns
        -------
        Tally
            ``self``, so calls chain.

        Notes
        -----
        ``fill`` does not count histories; call :meth:`add_histories` once per batch.
        """
        if len(coords) != self.ndim:
            msg = (f"fill needs one coordinate array per axis {list(self.names)} "
                   f"({self.ndim}), got {len(coords)}")
            raise TallyError(msg)
        if weight is None:
            self._hist.fill(*coords)
        else:
            self._hist.fill(*coords, weight=weight)
        return self

    def add_histories(self, n: int) -> Tally:
        """Count ``n`` more independent histories as scored; returns ``self``."""
        self.n_histories += _check_count(n, "number of histories")
        return self

    # ------------------------------------------------------------------ results
    def values(self, flow: bool = False) -> np.ndarray:
        """Σw per bin [``unit``] (a copy); ``flow=True`` includes under/overflow bins."""
        return np.array(self._hist.view(flow=flow).value, dtype=np.float64)

    def sum_w2(self, flow: bool = False) -> np.ndarray:
        """Σw² per bin [``unit``²] (a copy)."""
        return np.array(self._hist.view(flow=flow).variance, dtype=np.float64)

    def variances(self, mode: str = "poisson", flow: bool = False, ddof: int = 0) -> np.ndarray:
        """Monte Carlo variance of :meth:`values` per bin [``unit``²].

        Parameters
        ----------
        mode : {"poisson", "history"}
            ``"poisson"``: Σw². Right when the number of scoring entries is itself Poisson
            distributed (unnormalised event generation, a catalog of independent events) and a
            safe upper bound otherwise; close to ``"history"`` when few histories reach a bin.
            ``"history"``: Σw² − (Σw)²/N with N = ``n_histories``, the variance of a sum (or
            sample mean, if weights carry 1/N) over N independent histories, N·var(x) with x a
            history's contribution to the bin (zero for histories that miss it). Use it for a
            fixed number of histories when a bin is hit by a good fraction of them (e.g. a
            next-event estimator re-scored in every time bin); it requires that each history
            adds at most one entry per bin, so aggregate per history before filling, and does
            not survive :meth:`project` over an axis in which one history fills several bins.
        flow : bool
            Include under/overflow bins.
        ddof : int
            ``"history"`` mode only: 0 gives the plug-in estimate above (``np.var(x)/N`` of
            the per-history contributions, for weights carrying 1/N); 1 multiplies it by
            N/(N−1), the unbiased estimate.

        Returns
        -------
        numpy.ndarray
            Variances, clipped at zero against round-off.
        """
        if mode not in _MODES:
            msg = f"unknown variance mode {mode!r}; choose one of {list(_MODES)}"
            raise TallyError(msg)
        w2 = self.sum_w2(flow=flow)
        if mode == "poisson":
            return w2
        n = self.n_histories
        if ddof not in (0, 1) or n <= ddof:
            msg = (f"history variance needs ddof in (0, 1) and n_histories > ddof; got "
                   f"ddof={ddof!r}, n_histories={n} (call add_histories after filling)")
            raise TallyError(msg)
        w = self.values(flow=flow)
        var = w2 - w * w / n  # variance of a sum of n i.i.d. history contributions
        if ddof:
            var *= n / (n - ddof)
        return np.maximum(var, 0.0)

    def errors(self, mode: str = "poisson", flow: bool = False, ddof: int = 0) -> np.ndarray:
        """Standard error of :meth:`values` per bin [``unit``]: sqrt of :meth:`variances`."""
        return np.sqrt(self.variances(mode, flow=flow, ddof=ddof))

    # ------------------------------------------------------------------ combining
    def _check_compatible(self, other: Any) -> None:
        if not isinstance(other, Tally):
            msg = f"can only combine a Tally with a Tally, got {type(other).__name__}"
            raise TallyError(msg)
        if (self.quantity, self.unit) != (other.quantity, other.unit):
            msg = (f"cannot add tallies of different quantities: {self.quantity!r} "
                   f"[{self.unit}] and {other.quantity!r} [{other.unit}]")
            raise TallyError(msg)
        if self.ndim != other.ndim:
            msg = f"cannot add tallies with axes {list(self.names)} and {list(other.names)}"
            raise TallyError(msg)
        for i, (a, b) in enumerate(zip(self._hist.axes, other._hist.axes)):
            if a != b:
                msg = (f"cannot add tallies: axis {i} differs ({_describe(a)} vs {_describe(b)}); "
                       f"shards must be built with identical axes")
                raise TallyError(msg)

    def __add__(self, other: Any) -> Tally:
        if isinstance(other, (int, float)) and other == 0:  # support builtin sum()
            return self.copy()
        self._check_compatible(other)
        n = self.n_histories + other.n_histories
        return Tally.from_histogram(self._hist + other._hist, quantity=self.quantity,
                                    unit=self.unit, n_histories=n, copy=False)

    __radd__ = __add__

    def __iadd__(self, other: Any) -> Tally:
        self._check_compatible(other)
        self._hist += other._hist
        self.n_histories += other.n_histories
        return self

    @classmethod
    def sum(cls, tallies: Iterable[Tally]) -> Tally:
        """Sum of shard tallies (added in the given order); axes and quantities must match."""
        it = iter(tallies)
        try:
            total = next(it).copy()
        except StopIteration:
            msg = "Tally.sum needs at least one tally"
            raise TallyError(msg) from None
        for t in it:
            total += t
        return total

    def scaled(self, factor: float, unit: str | None = None) -> Tally:
        """Copy with weights times ``factor`` (Σw·f, Σw²·f²), optionally relabelled ``unit``."""
        f = float(factor)
        return Tally.from_histogram(self._hist * f, quantity=self.quantity,
                                    unit=self.unit if unit is None else unit,
                                    n_histories=self.n_histories, copy=False)

    def project(self, *axes: str | int) -> Tally:
        """Tally summed over every axis not listed, keeping ``axes`` in the given order.

        Flow bins of the removed axes are included in the sums. See :meth:`variances` for when
        the ``"history"`` variance of a projection is still valid.
        """
        if not axes:
            msg = f"project needs at least one axis to keep, from {list(self.names)}"
            raise TallyError(msg)
        idx = [self.index(a) for a in axes]
        if len(set(idx)) != len(idx):
            msg = f"project got a repeated axis in {list(axes)}"
            raise TallyError(msg)
        return Tally.from_histogram(self._hist.project(*idx), quantity=self.quantity,
                                    unit=self.unit, n_histories=self.n_histories, copy=False)

    def copy(self) -> Tally:
        """Deep copy."""
        return Tally.from_histogram(self._hist, quantity=self.quantity, unit=self.unit,
                                    n_histories=self.n_histories, copy=True)

    # ------------------------------------------------------------------ comparison
    def differences(self, other: Any, rtol: float = 0.0, atol: float = 0.0) -> list[str]:
        """List of human-readable differences from ``other`` (empty if equal within tolerances).

        Compares axes (edges, categories, traits, metadata), quantity, unit, n_histories and
        Σw, Σw² of every bin including flow bins.
        """
        if not isinstance(other, Tally):
            return [f"other is a {type(other).__name__}, not a Tally"]
        out = []
        for attr in ("quantity", "unit", "n_histories"):
            if getattr(self, attr) != getattr(other, attr):
                out.append(f"{attr}: {getattr(self, attr)!r} != {getattr(other, attr)!r}")
        if self.ndim != other.ndim:
            return [*out, f"axes: {list(self.names)} != {list(other.names)}"]
        for i, (a, b) in enumerate(zip(self._hist.axes, other._hist.axes)):
            if a != b or axis_metadata(a) != axis_metadata(b):
                out.append(f"axis {i}: {_describe(a)} != {_describe(b)}")
        if out:
            return out
        for label, x, y in (("sum of w", self.values(True), other.values(True)),
                            ("sum of w^2", self.sum_w2(True), other.sum_w2(True))):
            same = (np.array_equal(x, y) if rtol == 0 and atol == 0
                    else np.allclose(x, y, rtol=rtol, atol=atol))
            if not same:
                k = int(np.argmax(np.abs(x - y)))
                out.append(f"{label} differs, largest at flat bin {k}: "
                           f"{x.ravel()[k]!r} != {y.ravel()[k]!r}")
        return out

    def equals(self, other: Any, rtol: float = 0.0, atol: float = 0.0) -> bool:
        """True if :meth:`differences` finds none (exact comparison by default)."""
        return not self.differences(other, rtol=rtol, atol=atol)

    def __eq__(self, other: object) -> bool:
        return self.equals(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        axes = ", ".join(f"{axis_name(a) or '?'}({a.size})" for a in self._hist.axes)
        return (f"Tally(quantity={self.quantity!r} [{self.unit}], axes=[{axes}], "
                f"n_histories={self.n_histories})")

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON dict: format version, quantity, unit, n_histories and the histogram (UHI)."""
        from boost_histogram.serialization import to_uhi

        uhi = to_uhi(self._hist)
        uhi.pop("writer_info", None)  # keep files byte-identical across boost-histogram versions
        return {"format_version": FORMAT_VERSION, "kind": _KIND, "mcdm_version": __version__,
                "quantity": self.quantity, "unit": self.unit, "n_histories": self.n_histories,
                "histogram": to_jsonable(uhi)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "the serialised Tally") -> Tally:
        """Inverse of :meth:`to_dict`; raises :class:`~mcdm.io.FileFormatError` on a bad dict.

        A dict without ``format_version`` (written before versioning) reads as version 0, the
        same layout as version 1; a newer version than :data:`FORMAT_VERSION` is an error.
        ``where`` names the source in messages.
        """
        from boost_histogram.serialization import from_uhi

        if not isinstance(data, dict) or data.get("kind", _KIND if "histogram" in data else None) != _KIND:
            kind = data.get("kind") if isinstance(data, dict) else type(data).__name__
            msg = f"{where} is not a serialised mcdm Tally (kind {kind!r}, expected {_KIND!r})"
            raise FileFormatError(msg)
        check_schema(data.get("kind"), data.get("format_version"), schema=_KIND, current=FORMAT_VERSION,
                     where=where, key="format_version")
        try:
            hist = from_uhi(data["histogram"])
            quantity, unit, n = data["quantity"], data["unit"], data["n_histories"]
        except (KeyError, TypeError, ValueError) as exc:
            msg = f"malformed serialised Tally: {type(exc).__name__}: {exc}"
            raise FileFormatError(msg) from exc
        if hist.storage_type is not bh.storage.Weight:
            msg = f"serialised Tally has {hist.storage_type.__name__} storage, expected Weight"
            raise FileFormatError(msg)
        return cls.from_histogram(hist, quantity=quantity, unit=unit, n_histories=n, copy=False)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the tally as JSON to ``path`` atomically; returns the path.

        Floats are written with Python's shortest round-trip repr, so :meth:`load` restores
        every value bit for bit.
        """
        return atomic_write_json(path, self.to_dict(), indent=None, sort_keys=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Tally:
        """Read a tally written by :meth:`save`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            msg = f"{str(path)!r} is not a JSON Tally file: {exc}"
            raise FileFormatError(msg) from exc
        return cls.from_dict(data, where=repr(str(path)))

    def to_dataframe(self, mode: str = "poisson", flow: bool = False) -> Any:
        """One row per bin: bin low/centre/high edges per axis, value and error.

        Continuous axes give columns ``"<name>_low [<unit>]"``, ``"<name>_center [<unit>]"`` and
        ``"<name>_high [<unit>]"`` (no bracket when unitless); category axes give ``"<name>"``.
        Then ``"value [<unit>]"`` and ``"error [<unit>]"`` (see :meth:`errors` for ``mode``).
        ``flow=True`` adds the under/overflow bins (edges ±inf, category ``"<other>"``).
        The quantity, unit, n_histories and error mode are in ``DataFrame.attrs``.

        Returns
        -------
        pandas.DataFrame
        """
        import pandas as pd

        values = self.values(flow=flow)
        errors = self.errors(mode, flow=flow)
        grids = np.meshgrid(*[np.arange(n) for n in values.shape], indexing="ij")
        cols: dict[str, Any] = {}
        for i, (ax, g) in enumerate(zip(self._hist.axes, grids)):
            meta = axis_metadata(ax)
            name = meta["name"] or f"axis{i}"
            sfx = f" [{meta['unit']}]" if meta["unit"] else ""
            flat = g.ravel()
            if ax.traits.continuous:
                lo, hi = np.asarray(ax.edges[:-1]), np.asarray(ax.edges[1:])
                if flow:
                    under = [-np.inf] if ax.traits.underflow else []
                    over = [np.inf] if ax.traits.overflow else []
                    lo = np.concatenate([under, lo, ax.edges[-1:] if over else []])
                    hi = np.concatenate([ax.edges[:1] if under else [], hi, over])
                cols[f"{name}_low{sfx}"] = lo[flat]
                cols[f"{name}_center{sfx}"] = 0.5 * (lo[flat] + hi[flat])
                cols[f"{name}_high{sfx}"] = hi[flat]
            else:
                labels = [str(v) for v in ax]
                if flow:
                    labels = (["<under>"] if ax.traits.underflow else []) + labels
                    labels += ["<other>"] if ax.traits.overflow else []
                cols[name] = np.asarray(labels, dtype=object)[flat]
        vsfx = f" [{self.unit}]" if self.unit else ""
        cols[f"value{vsfx}"] = values.ravel()
        cols[f"error{vsfx}"] = errors.ravel()
        df = pd.DataFrame(cols)
        df.attrs.update(quantity=self.quantity, unit=self.unit, n_histories=self.n_histories,
                        error_mode=mode)
        return df


def sum_tallies(tallies: Iterable[Tally]) -> Tally:
    """Sum of shard tallies; same as :meth:`Tally.sum`."""
    return Tally.sum(tallies)


def _check_count(n: Any, field: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        msg = f"{field} must be a non-negative integer, got {n!r}"
        raise TallyError(msg)
    return int(n)


def _describe(ax: Any) -> str:
    meta = axis_metadata(ax)
    kind = type(ax).__name__
    if ax.traits.continuous:
        body = f"{ax.size} bins [{ax.edges[0]!r}, {ax.edges[-1]!r}]"
    else:
        body = f"categories {list(ax)}"
    return f"{kind} {meta['name'] or '?'!r} {body} {meta}"


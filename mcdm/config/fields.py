"""Declarative field specifications for config sections.

A config section is a frozen dataclass whose fields carry a :class:`Spec` in their metadata: what
kind of value is expected (string, integer, quantity of a physical type, choice, ...), its allowed
range, and the unit it is shown in. :func:`build_section` turns one TOML table into such a
dataclass, rejecting every bad input with a :class:`~mcdm.errors.ConfigError` that names the field,
the value and what is allowed; :func:`dump_section` writes it back with units.
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import astropy.units as u
import numpy as np

from mcdm.errors import ConfigError, McdmError, UnitError
from mcdm.units import internal_unit, parse_quantity

__all__ = ["Spec", "spec_field", "build_section", "dump_section", "REQUIRED"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: marker default for a field the user must give
REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Spec:
    """What a config field accepts.

    kind : "str" | "int" | "float" | "bool" | "quantity" | "vector" | "strlist" | "time"
    physical_type : for quantities/vectors, a key of :data:`mcdm.units.INTERNAL_UNITS`
    unit : the unit the field is shown in (dumps, messages); internal values are converted
    choices : allowed strings, or a callable returning them (e.g. the sites in the library)
    ge, gt, le, lt : bounds, in the internal unit
    doc : one line for ``mcdm check`` and the docs
    """

    kind: str
    doc: str = ""
    physical_type: str | None = None
    unit: str | None = None
    choices: Sequence[str] | Callable[[], Sequence[str]] | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    length: int | None = None
    case_insensitive: bool = True
    allow_empty: bool = False

    def allowed_choices(self) -> list[str]:
        if self.choices is None:
            return []
        values = self.choices() if callable(self.choices) else self.choices
        return list(values)


def spec_field(default: Any, kind: str, **kwargs: Any) -> Any:
    """A dataclass field whose metadata holds a :class:`Spec`."""
    return field(default=default, metadata={"spec": Spec(kind=kind, **kwargs)})


def _range_text(spec: Spec) -> str:
    parts = []
    unit = f" {spec.unit}" if spec.unit else ""
    for name, op in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        bound = getattr(spec, name)
        if bound is not None:
            shown = _show(bound, spec)
            parts.append(f"{op} {shown:g}{unit}")
    return " and ".join(parts)


def _show(value: float, spec: Spec) -> float:
    if spec.physical_type and spec.unit:
        return float(
            u.Quantity(value, internal_unit(spec.physical_type)).to_value(
                spec.unit, equivalencies=u.mass_energy()
            )
        )
    return float(value)


def _check_range(value: float, spec: Spec, where: str) -> None:
    ok = (
        (spec.gt is None or value > spec.gt)
        and (spec.ge is None or value >= spec.ge)
        and (spec.lt is None or value < spec.lt)
        and (spec.le is None or value <= spec.le)
    )
    if not ok:
        unit = f" {spec.unit}" if spec.unit else ""
        raise ConfigError(f"{where} = {_show(value, spec):g}{unit} is out of range; allowed: {_range_text(spec)}")


def _to_internal_quantity(raw: Any, spec: Spec, where: str) -> float:
    assert spec.physical_type is not None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and spec.unit:
        raise UnitError(
            f"{where} = {raw!r} has no unit; write it with one, e.g. '{raw} {spec.unit}'"
        )
    q = parse_quantity(raw, where)
    target = internal_unit(spec.physical_type)
    try:
        with np.errstate(over="ignore", under="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an overflow is reported just below
            value = float(q.to_value(target, equivalencies=u.mass_energy()))
    except u.UnitConversionError:
        raise UnitError(
            f"{where} = {raw!r}: unit {q.unit!s} is not a {spec.physical_type}"
            + (f" (use e.g. {spec.unit})" if spec.unit else "")
        ) from None
    except TypeError:
        raise UnitError(f"{where} = {raw!r} is not a scalar quantity") from None
    if not math.isfinite(value):
        raise UnitError(f"{where} = {raw!r} overflows in {target} (the internal unit); it is not a usable value")
    return value


def _parse_value(raw: Any, spec: Spec, where: str) -> Any:
    kind = spec.kind
    if kind == "str":
        if not isinstance(raw, str):
            raise ConfigError(f"{where} must be a string, got {type(raw).__name__} {raw!r}")
        choices = spec.allowed_choices()
        if choices:
            match = [c for c in choices if (c.lower() == raw.lower() if spec.case_insensitive else c == raw)]
            if not match:
                raise ConfigError(f"{where} = {raw!r} is not allowed; choose one of {sorted(choices)}")
            return match[0]
        if not raw.strip() and not spec.allow_empty:
            raise ConfigError(f"{where} must not be empty")
        return raw
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ConfigError(f"{where} must be true or false, got {raw!r}")
        return raw
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, (int, np.integer)):
            raise ConfigError(f"{where} must be an integer, got {type(raw).__name__} {raw!r}")
        value = int(raw)
        _check_range(value, spec, where)
        return value
    if kind == "float":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ConfigError(f"{where} must be a number, got {type(raw).__name__} {raw!r}")
        value = float(raw)
        if not math.isfinite(value):
            raise ConfigError(f"{where} = {raw!r} is not a finite number")
        _check_range(value, spec, where)
        return value
    if kind == "quantity":
        value = _to_internal_quantity(raw, spec, where)
        _check_range(value, spec, where)
        return value
    if kind == "vector":
        return _parse_vector(raw, spec, where)
    if kind == "strlist":
        if not isinstance(raw, list) or not raw or not all(isinstance(x, str) and x.strip() for x in raw):
            raise ConfigError(f"{where} must be a non-empty list of names, got {raw!r}")
        if len(set(raw)) != len(raw):
            raise ConfigError(f"{where} lists a name twice: {raw!r}")
        return tuple(raw)
    if kind == "time":
        return _parse_time(raw, where)
    raise AssertionError(f"unknown field kind {kind!r}")  # programming error, not user input


def _parse_vector(raw: Any, spec: Spec, where: str) -> tuple[float, ...]:
    example = f"{{value = [11.1, 12.2, 7.3], unit = \"{spec.unit}\"}}"
    if isinstance(raw, Mapping):
        if set(raw) != {"value", "unit"} or not isinstance(raw["value"], list):
            raise ConfigError(f"{where} must be a table like {example}, got {raw!r}")
        items: list[Any] = [{"value": v, "unit": raw["unit"]} for v in raw["value"]]
    elif isinstance(raw, list):
        items = list(raw)
    else:
        raise ConfigError(f"{where} must be a list of quantities or a table like {example}, got {raw!r}")
    if spec.length is not None and len(items) != spec.length:
        raise ConfigError(f"{where} must have {spec.length} components, got {len(items)}")
    values = tuple(_to_internal_quantity(item, spec, f"{where}[{i}]") for i, item in enumerate(items))
    for i, value in enumerate(values):
        _check_range(value, spec, f"{where}[{i}]")
    return values


def _parse_time(raw: Any, where: str) -> str:
    import datetime as _dt
    import warnings

    from astropy.time import Time
    from mcdm.source.iers import configure_offline, ut1_table_span

    if isinstance(raw, (_dt.datetime, _dt.date)):  # tomllib gives datetime objects for bare TOML dates
        raw = raw.isoformat()
    if not isinstance(raw, str):
        raise ConfigError(f"{where} must be an ISO 8601 UTC time such as '2000-01-01T00:00:00', got {raw!r}")
    configure_offline()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ERFA's "dubious year" is reported below as a range error
        try:
            t = Time(raw, scale="utc", format="isot")
            iso = t.isot
        except (ValueError, TypeError):
            raise ConfigError(f"{where} = {raw!r} is not an ISO 8601 time such as '2000-01-01T00:00:00'") from None
        first, last = ut1_table_span()
        if not first <= t.mjd <= last:
            raise ConfigError(
                f"{where} = {raw!r} is outside the span of the offline Earth-rotation (IERS) tables "
                f"shipped with astropy-iers-data (MJD {first:.0f} to {last:.0f})"
            )
    return iso


def build_section(cls: type, table: Any, name: str) -> Any:
    """Build the frozen dataclass ``cls`` from the TOML table ``table`` of section ``name``."""
    if table is None:
        table = {}
    if not isinstance(table, Mapping):
        raise ConfigError(f"[{name}] must be a table of key = value pairs, got {type(table).__name__} {table!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(map(str, table)) - set(fields))
    if unknown:
        raise ConfigError(f"[{name}] has unknown key(s) {unknown}; allowed: {sorted(fields)}")
    kwargs: dict[str, Any] = {}
    for fname, f in fields.items():
        spec: Spec = f.metadata["spec"]
        where = f"{name}.{fname}"
        if fname not in table:
            if f.default is REQUIRED:
                hint = f" ({spec.doc})" if spec.doc else ""
                raise ConfigError(f"[{name}] is missing the required key '{fname}'{hint}")
            if spec.kind == "quantity":  # a default reads exactly as its written form does
                kwargs[fname] = _parse_value(f"{_show(f.default, spec):.12g} {spec.unit}", spec, where)
            continue
        try:
            kwargs[fname] = _parse_value(table[fname], spec, where)
        except McdmError:
            raise
        except Exception as exc:  # anything unexpected from a parser becomes a config error
            raise ConfigError(f"{where} = {table[fname]!r} could not be read: {exc}") from None
    return cls(**kwargs)


def _internal(shown: float, spec: Spec) -> float:
    """``shown`` (in the display unit) back in the internal unit, as the parser converts it."""
    return float(u.Quantity(shown, spec.unit).to_value(internal_unit(spec.physical_type),
                                                          equivalencies=u.mass_energy()))


def _internal_name(spec: Spec) -> str:
    return internal_unit(spec.physical_type).to_string()


def _dump_quantity(value: float, spec: Spec) -> str:
    """``value`` as "<number> <unit>": in the display unit when that reads back bit-exactly, else in
    the internal unit (so that a dumped config reloads to the identical config)."""
    if not (spec.physical_type and spec.unit):
        return f"{value!r} {spec.unit or ''}".strip()
    for digits in (12, 17):
        text = f"{_show(value, spec):.{digits}g}"
        if _internal(float(text), spec) == value:
            return f"{text} {spec.unit}"
    return f"{value!r} {_internal_name(spec)}"


def dump_section(obj: Any) -> dict[str, Any]:
    """The section as a TOML-ready dict, quantities written as strings with their display unit."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        spec: Spec = f.metadata["spec"]
        value = getattr(obj, f.name)
        if value is REQUIRED:
            continue
        if spec.kind == "quantity":
            out[f.name] = _dump_quantity(value, spec)
        elif spec.kind == "vector":
            shown = [_show(v, spec) for v in value]
            if all(_internal(x, spec) == v for x, v in zip(shown, value)):
                out[f.name] = {"value": shown, "unit": spec.unit}
            else:  # the display unit does not round-trip bit-exactly: write the internal unit
                out[f.name] = {"value": list(value), "unit": _internal_name(spec)}
        elif spec.kind == "strlist":
            out[f.name] = list(value)
        else:
            out[f.name] = value
    return out

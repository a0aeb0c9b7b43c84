"""Parse a ``geometry/earth/*.toml`` file into an :class:`~mcdm.geometry.earth.EarthModel`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcdm.errors import DataLibraryError, GeometryError, McdmError
from mcdm.geometry.library import (
    _check_keys,
    _quantity,
    _reference,
    _string,
    _table,
    _wrap,
    load_material,
)
from mcdm.geometry.nuclide import nuclide_name, split_nuclide

__all__ = ["build_earth"]

_LAYER_KEYS = {"name", "r_inner", "r_outer", "material", "density", "element_number_density"}
_OVERRIDE_KEYS = {"material", "density"}


def build_earth(path: Path, data: dict[str, Any], options: dict[str, str]):
    """Build the Earth model of ``path`` (parsed into ``data``) with ``options`` chosen."""
    from mcdm.geometry.earth import EarthModel

    _check_keys(
        path,
        data,
        {"meta", "earth", "layer", "options"},
        "the file",
        required={"meta", "earth", "layer"},
    )
    earth = _table(path, data, "earth")
    _check_keys(path, earth, {"scale_radius", "radius", "isotopic_fractions"}, "earth")
    scale = (
        _quantity(path, earth["scale_radius"], "km", "earth.scale_radius")
        if "scale_radius" in earth
        else None
    )
    fractions = _fractions(path, earth.get("isotopic_fractions"))
    layers_data = data["layer"]
    if not isinstance(layers_data, list) or not layers_data:
        raise GeometryError(f"{path}: give the layers as [[layer]] tables, inner to outer")
    overrides = _choose_options(
        path, data.get("options", {}), options, {e.get("name") for e in layers_data}
    )
    layers = [
        _layer(path, k, entry, overrides, scale, fractions) for k, entry in enumerate(layers_data)
    ]
    try:
        model = EarthModel(path.stem, tuple(layers), _reference(data))
    except McdmError as err:
        raise _wrap(path, err, "layer") from None
    if "radius" in earth:
        radius = _quantity(path, earth["radius"], "km", "earth.radius")
        if abs(radius - model.radius) > 1e-6:
            raise GeometryError(
                f"{path}: earth.radius = {radius} km but the outermost layer ends at "
                f"{model.radius} km"
            )
    return model


def _fractions(path: Path, table: Any) -> dict[str, dict[str, float]]:
    """Isotopic fractions grouped by element: {"Mg": {"Mg24": 0.7899, ...}}."""
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise GeometryError(
            f"{path}: earth.isotopic_fractions must be a table of nuclide = fraction"
        )
    out: dict[str, dict[str, float]] = {}
    for key, value in table.items():
        try:
            symbol, _ = split_nuclide(key)
            name = nuclide_name(key)
        except McdmError as err:
            raise _wrap(path, err, "earth.isotopic_fractions") from None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not 0.0 <= value <= 1.0
        ):
            raise GeometryError(
                f"{path}: earth.isotopic_fractions.{key} = {value!r} must be in [0, 1]"
            )
        out.setdefault(symbol, {})[name] = float(value)
    for symbol, isotopes in out.items():
        if sum(isotopes.values()) > 1.0 + 1e-3:
            raise GeometryError(
                f"{path}: earth.isotopic_fractions of {symbol} sum to "
                f"{sum(isotopes.values()):.6g} > 1"
            )
    return out


def _choose_options(
    path: Path, table: Any, chosen: dict[str, str], layer_names: set
) -> dict[str, dict]:
    """Per-layer overrides implied by the chosen options (defaults where not chosen)."""
    if not isinstance(table, dict):
        raise GeometryError(f"{path}: [options] must be a table of named options")
    unknown = sorted(set(chosen) - set(table))
    if unknown:
        raise DataLibraryError(
            f"{path.stem}: unknown options {unknown}; this Earth model has options {sorted(table)}"
        )
    overrides: dict[str, dict] = {}
    for option, spec in table.items():
        where = f"options.{option}"
        _check_keys(
            path,
            spec,
            {"default", "description", "choices"},
            where,
            required={"default", "choices"},
        )
        choices = spec["choices"]
        if not isinstance(choices, dict) or spec["default"] not in choices:
            raise GeometryError(
                f"{path}: {where}.default = {spec['default']!r} is not one of its choices"
            )
        choice = chosen.get(option, spec["default"])
        if choice not in choices:
            raise DataLibraryError(
                f"{path.stem}: option {option} = {choice!r} is not allowed; choose one of "
                f"{sorted(choices)}"
            )
        body = choices[choice]
        _check_keys(path, body, {"layer"}, f"{where}.choices.{choice}")
        for layer_name, override in body.get("layer", {}).items():
            if layer_name not in layer_names:
                raise GeometryError(
                    f"{path}: {where}.choices.{choice} names an unknown layer {layer_name!r}"
                )
            _check_keys(
                path, override, _OVERRIDE_KEYS, f"{where}.choices.{choice}.layer.{layer_name}"
            )
            overrides.setdefault(layer_name, {}).update(override)
    return overrides


def _density(path: Path, value: Any, scale: float | None, where: str):
    from mcdm.geometry.layer import ConstantDensity, PolynomialDensity

    import astropy.units as u

    if isinstance(value, dict) and "polynomial" in value:
        _check_keys(path, value, {"polynomial", "unit"}, where, required={"polynomial", "unit"})
        if scale is None:
            raise GeometryError(
                f"{path}: {where} is a polynomial in r / a but earth.scale_radius (a) is not given"
            )
        coeffs = value["polynomial"]
        if not isinstance(coeffs, list) or not all(isinstance(c, (int, float)) for c in coeffs):
            raise GeometryError(
                f"{path}: {where}.polynomial must be a list of numbers, got {coeffs!r}"
            )
        try:
            factor = u.Unit(value["unit"]).to(u.g / u.cm**3)
        except (ValueError, u.UnitConversionError, TypeError):
            raise GeometryError(
                f"{path}: {where}.unit = {value['unit']!r} is not a mass density unit"
            ) from None
        return PolynomialDensity(tuple(float(c) * factor for c in coeffs), scale)
    return ConstantDensity(_quantity(path, value, "g/cm3", where))


def _layer(path: Path, k: int, entry: Any, overrides: dict, scale: float | None, fractions: dict):
    from mcdm.geometry.layer import Layer, SphericalShell

    where = f"layer[{k}]"
    _check_keys(path, entry, _LAYER_KEYS, where, required={"name", "r_inner", "r_outer", "density"})
    name = _string(path, entry, "name", where)
    entry = {**entry, **overrides.get(name, {})}
    where = f"layer[{k}] ({name})"
    try:
        shape = SphericalShell(
            _quantity(path, entry["r_inner"], "km", f"{where}.r_inner"),
            _quantity(path, entry["r_outer"], "km", f"{where}.r_outer"),
        )
        density = _density(path, entry["density"], scale, f"{where}.density")
        material = load_material(entry["material"]) if "material" in entry else None
        explicit = None
        if "element_number_density" in entry:
            explicit = _isotope_densities(path, entry["element_number_density"], fractions, where)
        return Layer(name, shape, material, density, explicit)
    except GeometryError as err:
        if str(path) in str(err):
            raise
        raise _wrap(path, err, where) from None
    except McdmError as err:
        raise _wrap(path, err, where) from None


def _isotope_densities(path: Path, table: Any, fractions: dict, where: str) -> dict[str, float]:
    """Isotope number densities f * n_element [km^-3] (digest 004 §2.8)."""
    if not isinstance(table, dict):
        raise GeometryError(
            f"{path}: {where}.element_number_density must be a table of element = density"
        )
    out: dict[str, float] = {}
    for symbol, value in table.items():
        n_el = _quantity(path, value, "km-3", f"{where}.element_number_density.{symbol}")
        if n_el < 0:
            raise GeometryError(
                f"{path}: {where}.element_number_density.{symbol} = {n_el} km^-3 must be >= 0"
            )
        isotopes = fractions.get(symbol.capitalize())
        if not isotopes:
            raise GeometryError(
                f"{path}: {where} gives a number density for {symbol} but "
                "earth.isotopic_fractions has no "
                f"{symbol} isotope; add e.g. {symbol}<A> = <fraction>"
            )
        for nuc, f in isotopes.items():
            out[nuc] = f * n_el
    return out

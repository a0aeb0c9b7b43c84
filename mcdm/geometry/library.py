"""The geometry data library: find the ``geometry/`` folder, list and load its TOML entries.

The library root is, in order:

1. the folder named by the environment variable ``MCDM_GEOMETRY_PATH``;
2. the checkout's top-level ``geometry/`` (next to the ``mcdm`` package);
3. ``<sys.prefix>/share/mcdm/geometry`` (where ``pip install`` puts the data, see setup.cfg).

Every file has a ``[meta]`` table (``format_version = 1``, ``source``, ``citation``, ``notes``);
the layout of each kind is described in ``geometry/README.md``. Bad data raises
:class:`~mcdm.errors.GeometryError` naming the file and the field; an unknown name raises
:class:`~mcdm.errors.DataLibraryError` listing the known ones.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from mcdm.errors import DataLibraryError, GeometryError, McdmError

__all__ = [
    "KINDS",
    "FORMAT_VERSION",
    "geometry_root",
    "available",
    "entry_path",
    "read_entry",
    "load_file",
    "load_site",
    "load_earth",
    "load_material",
    "load_atmosphere",
    "load_overburden",
    "load_nuclides",
]

#: the kinds of entries, each a sub-folder of the library root
KINDS = ("sites", "earth", "materials", "atmosphere", "overburden", "nuclides")

#: the data-file format this code reads
FORMAT_VERSION = 1

_META_KEYS = {"format_version", "source", "citation", "notes"}
_NUCLIDE_CACHE: dict[tuple[str, int], Any] = {}


# -- locating files ------------------------------------------------------------------------------
def geometry_root() -> Path:
    """The library root folder (see the module docstring for the search order)."""
    env = os.environ.get("MCDM_GEOMETRY_PATH")
    if env:
        root = Path(env).expanduser()
        if not root.is_dir():
            raise DataLibraryError(f"MCDM_GEOMETRY_PATH = {env!r} is not a folder")
        return root
    checkout = Path(__file__).resolve().parents[2] / "geometry"
    if checkout.is_dir():
        return checkout
    installed = Path(sys.prefix) / "share" / "mcdm" / "geometry"
    if installed.is_dir():
        return installed
    raise DataLibraryError(
        f"no geometry library found: set MCDM_GEOMETRY_PATH, or use a checkout ({checkout}) "
        f"or an installed package ({installed})"
    )


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise DataLibraryError(f"unknown library kind {kind!r}; known: {list(KINDS)}")
    return kind


def available(kind: str) -> list[str]:
    """Names (file stems) of the entries of ``kind`` (one of :data:`KINDS`), sorted."""
    folder = geometry_root() / _check_kind(kind)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.toml"))


def entry_path(kind: str, name: str | os.PathLike) -> Path:
    """The file of entry ``name`` of ``kind``; ``name`` may also be a path to a ``.toml`` file."""
    _check_kind(kind)
    text = os.fspath(name)
    if text.endswith(".toml") or os.sep in text or "/" in text:
        path = Path(text).expanduser()
        candidates = (
            [path]
            if path.is_absolute()
            else [path, geometry_root() / path, geometry_root() / kind / path]
        )
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        raise DataLibraryError(
            f"{kind} file {text!r} not found (looked in {[str(c) for c in candidates]})"
        )
    path = geometry_root() / kind / f"{text}.toml"
    if not path.is_file():
        raise DataLibraryError(f"unknown {kind} entry {text!r}; known: {available(kind)}")
    return path


def read_entry(path: Path) -> dict[str, Any]:
    """Parse a library TOML file and check its ``[meta]`` table."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise GeometryError(f"{path}: not valid TOML ({err})") from None
    meta = data.get("meta")
    if not isinstance(meta, dict):
        raise GeometryError(
            f"{path}: missing [meta] table (format_version, source, citation, notes)"
        )
    _check_keys(path, meta, _META_KEYS, "meta", required=_META_KEYS)
    version = meta["format_version"]
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise GeometryError(
            f"{path}: meta.format_version = {version!r}; this mcdm reads version {FORMAT_VERSION}"
        )
    for key in ("source", "citation", "notes"):
        if not isinstance(meta[key], str) or not meta[key].strip():
            raise GeometryError(f"{path}: meta.{key} must be a non-empty string")
    return data


def load_file(path: str | os.PathLike) -> Any:
    """Load any library file, choosing the loader from its folder (``sites/``, ``earth/`` ...)."""
    path = Path(path)
    kind = path.parent.name
    loaders = {
        "sites": load_site,
        "earth": load_earth,
        "materials": load_material,
        "atmosphere": load_atmosphere,
        "overburden": load_overburden,
        "nuclides": load_nuclides,
    }
    if kind not in loaders:
        raise DataLibraryError(
            f"{path}: its folder {kind!r} is not a library kind; known: {list(KINDS)}"
        )
    return loaders[kind](path)


# -- field helpers -------------------------------------------------------------------------------
def _check_keys(
    path: Path, table: Any, allowed: set[str], where: str, required: set[str] = frozenset()
) -> None:
    if not isinstance(table, dict):
        raise GeometryError(f"{path}: {where} must be a table, got {table!r}")
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise GeometryError(
            f"{path}: unknown keys {unknown} in {where}; allowed: {sorted(allowed)}"
        )
    missing = sorted(set(required) - set(table))
    if missing:
        raise GeometryError(f"{path}: {where} is missing the keys {missing}")


def _table(path: Path, data: dict, key: str) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise GeometryError(f"{path}: missing [{key}] table")
    return value


def _quantity(path: Path, value: Any, unit: str, where: str) -> float:
    """A ``{value, unit}`` table (or ``"<number> <unit>"``) converted to ``unit``."""
    from mcdm.units import parse_quantity
    import astropy.units as u

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise GeometryError(
            f'{path}: {where} = {value!r} has no unit; write {{value = {value}, unit = "{unit}"}}'
        )
    try:
        q = parse_quantity(value, where)
        return float(q.to_value(u.Unit(unit)))
    except McdmError as err:
        raise GeometryError(f"{path}: {err}") from None
    except (u.UnitConversionError, TypeError, ValueError):
        raise GeometryError(f"{path}: {where} = {value!r} cannot be converted to {unit}") from None


def _string(path: Path, table: dict, key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value:
        raise GeometryError(f"{path}: {where}.{key} must be a non-empty string, got {value!r}")
    return value


def _reference(data: dict) -> str:
    return " ".join(data["meta"]["citation"].split())


def _wrap(path: Path, err: McdmError, where: str) -> GeometryError:
    return GeometryError(f"{path}: {where}: {err}")


# -- loaders -------------------------------------------------------------------------------------
def load_nuclides(name: str | os.PathLike = "natural_abundances"):
    """The natural-abundance :class:`~mcdm.geometry.nuclide.NuclideTable` (cached per file)."""
    path = entry_path("nuclides", name)
    key = (str(path.resolve()), path.stat().st_mtime_ns)
    if key not in _NUCLIDE_CACHE:
        _NUCLIDE_CACHE[key] = _parse_nuclides(path)
    return _NUCLIDE_CACHE[key]


def _parse_nuclides(path: Path):
    from mcdm.geometry.nuclide import Element, Nuclide, NuclideTable

    data = read_entry(path)
    _check_keys(path, data, {"meta", "elements"}, "the file", required={"meta", "elements"})
    elements = {}
    for symbol, entry in _table(path, data, "elements").items():
        where = f"elements.{symbol}"
        _check_keys(
            path, entry, {"Z", "atomic_weight", "isotopes"}, where, required={"Z", "isotopes"}
        )
        z = entry["Z"]
        if isinstance(z, bool) or not isinstance(z, int) or not 1 <= z <= 118:
            raise GeometryError(f"{path}: {where}.Z = {z!r} must be an integer in [1, 118]")
        isotopes = []
        for k, iso in enumerate(entry["isotopes"]):
            w = f"{where}.isotopes[{k}]"
            _check_keys(
                path,
                iso,
                {"A", "abundance", "mass", "spin_parity", "magnetic_moment"},
                w,
                required={"A", "abundance", "mass"},
            )
            a = iso["A"]
            if isinstance(a, bool) or not isinstance(a, int) or a < z:
                raise GeometryError(f"{path}: {w}.A = {a!r} must be an integer >= Z = {z}")
            abundance, mass = iso["abundance"], iso["mass"]
            if not isinstance(abundance, (int, float)) or not 0.0 <= abundance <= 1.0:
                raise GeometryError(f"{path}: {w}.abundance = {abundance!r} must be in [0, 1]")
            if not isinstance(mass, (int, float)) or not 0.5 * a < mass < 1.5 * a:
                raise GeometryError(
                    f"{path}: {w}.mass = {mass!r} u is not a plausible mass for A = {a}"
                )
            spin, parity = _spin_parity(path, iso.get("spin_parity"), f"{w}.spin_parity")
            moment = iso.get("magnetic_moment")
            if moment is not None and (
                isinstance(moment, bool) or not isinstance(moment, (int, float))
            ):
                raise GeometryError(
                    f"{path}: {w}.magnetic_moment = {moment!r} must be a number [nuclear magnetons]"
                )
            isotopes.append(
                Nuclide(
                    f"{symbol}{a}",
                    symbol,
                    z,
                    a,
                    float(mass),
                    float(abundance),
                    spin,
                    parity,
                    None if moment is None else float(moment),
                )
            )
        total = sum(n.abundance for n in isotopes)
        if abs(total - 1.0) > 1.0e-3:
            raise GeometryError(
                f"{path}: {where} isotope abundances sum to {total:.6g}, not 1 (tolerance 1e-3)"
            )
        isotopes = [
            Nuclide(
                n.name,
                n.element,
                n.Z,
                n.A,
                n.mass_u,
                n.abundance / total,
                n.spin,
                n.parity,
                n.magnetic_moment,
            )
            for n in sorted(isotopes, key=lambda n: n.A)
        ]
        weight = entry.get("atomic_weight")
        mean = sum(n.abundance * n.mass_u for n in isotopes)
        elements[symbol] = Element(
            symbol, z, float(weight) if weight is not None else mean, tuple(isotopes)
        )
    return NuclideTable(path.stem, elements)


def _spin_parity(path: Path, text: Any, where: str) -> tuple[float, int]:
    from fractions import Fraction

    if text is None:
        return float("nan"), 0
    if not isinstance(text, str) or len(text) < 2 or text[-1] not in "+-":
        raise GeometryError(
            f"{path}: {where} = {text!r}; write spin then parity, e.g. '5/2+' or '0+'"
        )
    try:
        spin = Fraction(text[:-1])
    except ValueError:
        raise GeometryError(
            f"{path}: {where} = {text!r}; the spin must be an integer or half-integer"
        ) from None
    if spin < 0 or (2 * spin).denominator != 1:
        raise GeometryError(
            f"{path}: {where} = {text!r}; the spin must be a non-negative (half-)integer"
        )
    return float(spin), 1 if text[-1] == "+" else -1


def load_material(name: str | os.PathLike):
    """The material ``name`` as a :class:`~mcdm.geometry.material.Material`."""
    from mcdm.geometry.material import Material

    path = entry_path("materials", name)
    data = read_entry(path)
    _check_keys(path, data, {"meta", "material"}, "the file", required={"meta", "material"})
    table = _table(path, data, "material")
    _check_keys(
        path,
        table,
        {"density", "composition", "oxide_wt_percent", "basis"},
        "material",
        required={"density", "composition"},
    )
    if table.get("basis", "mass") != "mass":
        raise GeometryError(
            f"{path}: material.basis = {table['basis']!r}; only 'mass' fractions are supported"
        )
    density = _quantity(path, table["density"], "g/cm3", "material.density")
    composition = table["composition"]
    if not isinstance(composition, dict):
        raise GeometryError(
            f"{path}: material.composition must be a table of element = mass fraction"
        )
    try:
        material = Material(path.stem, density, dict(composition), _reference(data))
        _validate_composition_keys(material)
    except McdmError as err:
        raise _wrap(path, err, "material") from None
    return material


def _validate_composition_keys(material) -> None:
    from mcdm.geometry.material import _component_mass

    table = load_nuclides()
    for key in material.composition:
        _component_mass(table, key)


def load_overburden(name: str | os.PathLike):
    """The overburden ``name`` as an :class:`~mcdm.geometry.site.Overburden`.

    ``[overburden] kind = "flat"`` takes a ``material`` (a slab as thick as the site's depth);
    ``kind = "layers"`` takes a ``[[overburden.layers]]`` list, top to bottom, each with
    ``name``, ``thickness = {value, unit}`` and either ``material`` (a materials/ entry; optional
    ``density`` overrides the material's) or a ``[overburden.layers.composition]`` table of
    element mass fractions with a required ``density`` (geometry/README.md).
    """
    from mcdm.geometry.site import Overburden

    path = entry_path("overburden", name)
    data = read_entry(path)
    _check_keys(path, data, {"meta", "overburden"}, "the file", required={"meta", "overburden"})
    table = _table(path, data, "overburden")
    _check_keys(path, table, {"kind", "material", "layers"}, "overburden", required={"kind"})
    kind = _string(path, table, "kind", "overburden")
    material = None
    layers: tuple = ()
    if kind == "flat":
        if "layers" in table:
            raise GeometryError(
                f"{path}: overburden.layers is only read with kind = 'layers' (kind is 'flat')"
            )
        if "material" not in table:
            raise GeometryError(f"{path}: overburden is missing the keys ['material'] "
                                "(kind = 'flat')")
        material = load_material(_string(path, table, "material", "overburden"))
    elif kind == "layers":
        if "material" in table:
            raise GeometryError(
                f"{path}: overburden.material is only read with kind = 'flat'; give each "
                "[[overburden.layers]] its own material or composition"
            )
        layers = _overburden_layers(path, path.stem, table.get("layers"), _reference(data))
    try:
        return Overburden(path.stem, kind, material, _reference(data), layers)
    except McdmError as err:
        raise _wrap(path, err, "overburden") from None


def _overburden_layers(path: Path, owner: str, entries: Any, reference: str) -> tuple:
    """The ``[[overburden.layers]]`` list as slab Layers, top to bottom."""
    from mcdm.geometry.material import Material
    from mcdm.geometry.overburden import stack_layers

    if not isinstance(entries, list) or not entries:
        raise GeometryError(
            f"{path}: kind = 'layers' needs a non-empty [[overburden.layers]] list, top to bottom"
        )
    specs = []
    for k, entry in enumerate(entries):
        where = f"overburden.layers[{k}]"
        _check_keys(
            path,
            entry,
            {"name", "thickness", "material", "composition", "density"},
            where,
            required={"name", "thickness"},
        )
        layer_name = _string(path, entry, "name", where)
        thickness = _quantity(path, entry["thickness"], "km", f"{where}.thickness")
        if not thickness > 0:
            raise GeometryError(f"{path}: {where}.thickness = {thickness!r} km must be > 0")
        has_material, has_composition = "material" in entry, "composition" in entry
        if has_material == has_composition:
            raise GeometryError(
                f"{path}: {where} needs exactly one of 'material' (a materials/ entry) and "
                "'composition' (a table of element = mass fraction)"
            )
        density = None
        if "density" in entry:
            density = _quantity(path, entry["density"], "g/cm3", f"{where}.density")
            if not density >= 0:
                raise GeometryError(f"{path}: {where}.density = {density!r} g/cm3 must be >= 0")
        if has_material:
            material = load_material(_string(path, entry, "material", where))
            if density is None:
                density = material.density
        else:
            composition = entry["composition"]
            if not isinstance(composition, dict):
                raise GeometryError(
                    f"{path}: {where}.composition must be a table of element = mass fraction"
                )
            if density is None:
                raise GeometryError(
                    f"{path}: {where} has an inline composition and needs a density "
                    '(e.g. density = {value = 2.3, unit = "g/cm3"})'
                )
            try:
                material = Material(f"{owner}:{layer_name}", density, dict(composition),
                                    reference)
                _validate_composition_keys(material)
            except McdmError as err:
                raise _wrap(path, err, f"{where}.composition") from None
        specs.append((layer_name, thickness, material, density))
    try:
        return stack_layers(specs)
    except McdmError as err:
        raise _wrap(path, err, "overburden.layers") from None


def _site_index() -> dict[str, str]:
    """Lower-case name or alias -> site file stem."""
    index: dict[str, str] = {}
    for stem in available("sites"):
        index.setdefault(stem.lower(), stem)
        data = read_entry(geometry_root() / "sites" / f"{stem}.toml")
        for alias in data.get("site", {}).get("aliases", []):
            if isinstance(alias, str):
                index.setdefault(alias.lower(), stem)
    return index


def load_site(name: str | os.PathLike):
    """The site ``name`` (case-insensitive; aliases such as ``"gran_sasso"`` accepted) as a Site."""
    from mcdm.geometry.site import Site

    text = os.fspath(name)
    if text.endswith(".toml") or "/" in text or os.sep in text:
        path = entry_path("sites", text)
    else:
        index = _site_index()
        stem = index.get(text.strip().lower())
        if stem is None:
            known = available("sites")
            aliases = sorted(k for k, v in index.items() if k != v.lower())
            raise DataLibraryError(
                f"unknown site {text!r}; known sites: {known} (aliases: {aliases})"
            )
        path = geometry_root() / "sites" / f"{stem}.toml"
    data = read_entry(path)
    _check_keys(path, data, {"meta", "site"}, "the file", required={"meta", "site"})
    table = _table(path, data, "site")
    allowed = {
        "label",
        "latitude",
        "longitude",
        "depth",
        "water_equivalent_depth",
        "overburden",
        "aliases",
    }
    _check_keys(
        path, table, allowed, "site", required={"latitude", "longitude", "depth", "overburden"}
    )
    aliases = table.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise GeometryError(
            f"{path}: site.aliases must be a list of non-empty strings, got {aliases!r}"
        )
    overburden = _string(path, table, "overburden", "site")
    if overburden not in available("overburden"):
        raise GeometryError(
            f"{path}: site.overburden = {overburden!r} is not in the library; known: "
            f"{available('overburden')}"
        )
    wed = table.get("water_equivalent_depth")
    try:
        return Site(
            name=path.stem,
            latitude_deg=_quantity(path, table["latitude"], "deg", "site.latitude"),
            longitude_deg=_quantity(path, table["longitude"], "deg", "site.longitude"),
            depth_km=_quantity(path, table["depth"], "km", "site.depth"),
            overburden=overburden,
            reference=_reference(data),
            aliases=tuple(aliases),
            water_equivalent_km=(
                None if wed is None else _quantity(path, wed, "km", "site.water_equivalent_depth")
            ),
            label=str(table.get("label", path.stem)),
        )
    except GeometryError as err:
        if str(path) in str(err):
            raise
        raise _wrap(path, err, "site") from None


def load_atmosphere(name: str | os.PathLike):
    """The atmosphere ``name`` (``geometry/atmosphere``) as an :class:`~.atmosphere.Atmosphere`."""
    from mcdm.geometry.atmosphere import Atmosphere, AtmosphereLayer

    path = entry_path("atmosphere", name)
    data = read_entry(path)
    _check_keys(
        path,
        data,
        {"meta", "atmosphere", "layer"},
        "the file",
        required={"meta", "atmosphere", "layer"},
    )
    table = _table(path, data, "atmosphere")
    units = {
        "top": "km",
        "surface_pressure": "Pa",
        "g0": "m / s2",
        "molar_mass": "kg / mol",
        "gas_constant": "J / (mol K)",
        "earth_radius": "km",
    }
    _check_keys(
        path, table, set(units) | {"material"}, "atmosphere", required=set(units) | {"material"}
    )
    values = {
        key: _quantity(path, table[key], unit, f"atmosphere.{key}") for key, unit in units.items()
    }
    layers = []
    if not isinstance(data["layer"], list) or not data["layer"]:
        raise GeometryError(f"{path}: give the layers as [[layer]] tables")
    for k, entry in enumerate(data["layer"]):
        w = f"layer[{k}]"
        keys = {"base_altitude", "base_temperature", "lapse_rate"}
        _check_keys(path, entry, keys | {"name"}, w, required=keys)
        try:
            layers.append(
                AtmosphereLayer(
                    _quantity(path, entry["base_altitude"], "km", f"{w}.base_altitude"),
                    _quantity(path, entry["base_temperature"], "K", f"{w}.base_temperature"),
                    _quantity(path, entry["lapse_rate"], "K / km", f"{w}.lapse_rate"),
                )
            )
        except McdmError as err:
            raise _wrap(path, err, w) from None
    material = load_material(_string(path, table, "material", "atmosphere"))
    try:
        return Atmosphere(
            path.stem, tuple(layers), material=material, reference=_reference(data), **values
        )
    except McdmError as err:
        raise _wrap(path, err, "atmosphere") from None


def load_earth(name: str | os.PathLike, **options: str):
    """The Earth model ``name`` (``geometry/earth``) as an :class:`~mcdm.geometry.earth.EarthModel`.

    Keyword arguments choose the model's documented options, e.g.
    ``load_earth("prem", ocean="crust")`` replaces PREM's 3 km ocean by crust.
    """
    from mcdm.geometry._earth_file import build_earth

    path = entry_path("earth", name)
    return build_earth(path, read_entry(path), options)

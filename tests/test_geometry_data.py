"""Every file of the geometry library loads, carries [meta], has valid units and consistent numbers.

Parametrised over every file under geometry/ so that a new file is checked without editing this test.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from mcdm.geometry import library
from mcdm.geometry.atmosphere import Atmosphere
from mcdm.geometry.earth import EarthModel
from mcdm.geometry.material import Material
from mcdm.geometry.nuclide import NuclideTable
from mcdm.geometry.site import Overburden, Site

ROOT = Path(__file__).resolve().parents[1] / "geometry"
TOML_FILES = sorted(ROOT.rglob("*.toml"))
ALL_FILES = sorted(p for p in ROOT.rglob("*") if p.is_file())


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_library_is_not_empty():
    kinds = {p.parent.name for p in TOML_FILES}
    assert kinds == set(library.KINDS)


@pytest.mark.parametrize("path", ALL_FILES, ids=_id)
def test_only_data(path):
    """geometry/ holds TOML data and its README only (no Python)."""
    assert path.suffix in {".toml", ".md"}, f"{path} is not a data file"


@pytest.mark.parametrize("path", TOML_FILES, ids=_id)
def test_meta_table(path):
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    meta = data["meta"]
    assert meta["format_version"] == 1
    for key in ("source", "citation", "notes"):
        assert isinstance(meta[key], str) and len(meta[key].strip()) > 10, key


def _walk_quantities(node, where=""):
    if isinstance(node, dict):
        if set(node) == {"value", "unit"}:
            yield where, node
            return
        for key, value in node.items():
            yield from _walk_quantities(value, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from _walk_quantities(value, f"{where}[{k}]")


@pytest.mark.parametrize("path", TOML_FILES, ids=_id)
def test_units_parse(path):
    """Every {value, unit} table parses to a finite astropy Quantity."""
    from mcdm.units import parse_quantity

    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    for where, node in _walk_quantities(data):
        q = parse_quantity(node, where)
        assert np.isfinite(q.value), where


@pytest.mark.parametrize("path", TOML_FILES, ids=_id)
def test_loads(path):
    """The loader of the file's kind accepts it and returns the expected type, with valid contents."""
    obj = library.load_file(path)
    kind = path.parent.name
    expected = {
        "nuclides": NuclideTable,
        "materials": Material,
        "earth": EarthModel,
        "atmosphere": Atmosphere,
        "overburden": Overburden,
        "sites": Site,
    }[kind]
    assert isinstance(obj, expected)
    if isinstance(obj, Material):
        _check_material(path, obj)
    elif isinstance(obj, EarthModel):
        _check_earth(obj)
    elif isinstance(obj, NuclideTable):
        _check_nuclides(obj)
    elif isinstance(obj, Site):
        assert -90 <= obj.latitude_deg <= 90 and -180 <= obj.longitude_deg < 360
        assert 0 <= obj.depth_km < 10
        assert obj.overburden in library.available("overburden")
    elif isinstance(obj, Atmosphere):
        assert obj.density(0.0) > obj.density(obj.top) > 0


def _check_material(path: Path, material: Material) -> None:
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)["material"]["composition"]
    assert math.isclose(sum(raw.values()), 1.0, abs_tol=1e-3), "raw mass fractions must sum to 1"
    assert math.isclose(sum(material.composition.values()), 1.0, rel_tol=1e-12)
    assert material.density >= 0


def _check_earth(model: EarthModel) -> None:
    layers = model.layers
    assert layers[0].shape.r_inner == 0.0
    for below, above in zip(layers[:-1], layers[1:]):
        assert below.shape.r_outer == pytest.approx(above.shape.r_inner, abs=1e-9)
    shells = model.compile()
    assert np.all(np.diff(shells.outer_radii) > 0)
    assert np.all(shells.mass_density >= 0) and np.all(shells.number_density >= 0)
    for layer in layers:
        if layer.material is not None:
            assert math.isclose(sum(layer.material.composition.values()), 1.0, rel_tol=1e-12)


def _check_nuclides(table: NuclideTable) -> None:
    for element in table.elements.values():
        assert math.isclose(sum(n.abundance for n in element.isotopes), 1.0, abs_tol=1e-12)
        # independent check: the isotope-weighted mean mass is the IUPAC atomic weight
        assert element.mean_mass_u == pytest.approx(element.atomic_weight, rel=2e-4), element.symbol


def test_site_aliases_unique():
    """No alias (case-insensitive) names two sites, and no alias is another site's file name."""
    seen: dict[str, str] = {}
    for name in library.available("sites"):
        site = library.load_site(name)
        for key in (name, *site.aliases):
            k = key.lower()
            assert seen.get(k, name) == name, f"{key!r} names both {seen[k]} and {name}"
            seen[k] = name


_OXIDE = re.compile(r"([A-Z][a-z]?)(\d*)")


@pytest.mark.parametrize(
    "path",
    [p for p in TOML_FILES if p.parent.name == "materials" and "oxide_wt_percent" in p.read_text()],
    ids=_id,
)
def test_oxide_conversion(path):
    """A material's element fractions equal its published oxide wt% converted with the atomic weights."""
    table = library.load_nuclides()
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)["material"]
    oxides = raw["oxide_wt_percent"]
    assert 99.0 < sum(oxides.values()) < 101.0
    element_mass: dict[str, float] = {}
    for formula, percent in oxides.items():
        parts = [(sym, int(n) if n else 1) for sym, n in _OXIDE.findall(formula)]
        molar = sum(table.element(sym).mean_mass_u * n for sym, n in parts)
        for sym, n in parts:
            element_mass[sym] = (
                element_mass.get(sym, 0.0) + percent * table.element(sym).mean_mass_u * n / molar
            )
    total = sum(element_mass.values())
    material = library.load_material(path)
    assert set(element_mass) == set(material.composition)
    for sym, mass in element_mass.items():
        assert material.composition[sym] == pytest.approx(mass / total, abs=2e-6), sym


def test_setup_cfg_ships_every_file():
    """Every file under geometry/ matches a setup.cfg [options.data_files] glob (so pip installs it)."""
    import configparser
    import fnmatch

    setup = configparser.ConfigParser(interpolation=None)
    setup.read(ROOT.parent / "setup.cfg")
    patterns = []
    for target, value in setup["options.data_files"].items():
        if target.startswith("share/mcdm/geometry"):
            patterns.extend(line.strip() for line in value.splitlines() if line.strip())
    assert patterns
    for path in ALL_FILES:
        rel = path.relative_to(ROOT.parent).as_posix()
        # fnmatch's '*' also matches '/', so require the folder depth to match as well
        assert any(
            fnmatch.fnmatch(rel, pat) and rel.count("/") == pat.count("/") for pat in patterns
        ), f"{rel} is not shipped by setup.cfg [options.data_files]"

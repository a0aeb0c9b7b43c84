"""The geometry library: root resolution, lookups by name and alias, error messages, materials, sites."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from mcdm.errors import DataLibraryError, GeometryError
from mcdm.geometry import library, load_material, load_nuclides, load_site, nuclide_name
from mcdm.geometry.material import Material

CHECKOUT = Path(__file__).resolve().parents[2] / "geometry"


def test_root_is_checkout(monkeypatch):
    monkeypatch.delenv("MCDM_GEOMETRY_PATH", raising=False)
    assert library.geometry_root() == CHECKOUT


def test_env_override(monkeypatch, tmp_path):
    """MCDM_GEOMETRY_PATH points the library at a copied, modified tree."""
    root = tmp_path / "geo"
    shutil.copytree(CHECKOUT, root)
    text = (
        (root / "sites" / "lngs.toml").read_text().replace("value = 1.4, unit", "value = 1.5, unit")
    )
    (root / "sites" / "lngs.toml").write_text(text)
    shutil.copy(root / "sites" / "lngs.toml", root / "sites" / "tmp_lab.toml")
    text = (
        (root / "sites" / "tmp_lab.toml")
        .read_text()
        .replace('["gran_sasso", "LNGS", "gs"]', '["tmp"]')
    )
    (root / "sites" / "tmp_lab.toml").write_text(text)
    monkeypatch.setenv("MCDM_GEOMETRY_PATH", str(root))
    assert library.geometry_root() == root
    assert "tmp_lab" in library.available("sites")
    assert load_site("LNGS").depth_km == 1.5
    assert load_site("tmp").name == "tmp_lab"
    monkeypatch.setenv("MCDM_GEOMETRY_PATH", str(tmp_path / "missing"))
    with pytest.raises(DataLibraryError, match="MCDM_GEOMETRY_PATH"):
        library.geometry_root()


def test_available_kinds():
    assert {
        "lngs",
        "supl",
        "snolab",
        "kamioka",
        "cjpl",
        "boulby",
        "modane",
        "surf",
        "gran_sasso_efk2023",
    } <= set(library.available("sites"))
    assert library.available("earth") == ["prem", "three_layer_efk2023"]
    with pytest.raises(DataLibraryError, match="known"):
        library.available("planets")


def test_site_lookup_by_alias():
    lngs = load_site("lngs")
    assert load_site("gran_sasso") == lngs
    assert load_site("LNGS") == lngs
    assert load_site("  Gran_Sasso ") == lngs
    assert (lngs.latitude_deg, lngs.longitude_deg, lngs.depth_km) == (42.45, 13.57, 1.4)
    assert load_site("SUPL").latitude_deg == -37.07
    seed = load_site("gran_sasso_efk2023")
    assert math.degrees(seed.colatitude) == pytest.approx(
        47.3333
    )  # digest 004 §2.9, code colatitude


def test_unknown_site_lists_known():
    with pytest.raises(DataLibraryError) as info:
        load_site("atlantis")
    message = str(info.value)
    assert "'atlantis'" in message
    for name in library.available("sites"):
        assert name in message
    assert "gran_sasso" in message  # aliases are listed too


def test_unknown_material_lists_known():
    with pytest.raises(DataLibraryError, match="standard_rock"):
        load_material("unobtainium")


def test_site_geometry():
    site = load_site("lngs")
    assert site.detector_radius(6371.0) == pytest.approx(6369.6)
    loc = site.to_earth_location()
    import astropy.units as u

    assert loc.lat.to_value(u.deg) == pytest.approx(42.45)
    assert loc.lon.to_value(u.deg) == pytest.approx(13.57)
    assert loc.height.to_value(u.km) == pytest.approx(-1.4)
    pos = site.position(6371.0)
    assert math.hypot(*pos) == pytest.approx(6369.6)
    assert math.degrees(math.asin(pos[2] / 6369.6)) == pytest.approx(42.45)


def test_site_validation(tmp_path, monkeypatch):
    """Bad latitude in a data file -> GeometryError naming the file and the field."""
    root = tmp_path / "geo"
    shutil.copytree(CHECKOUT, root)
    path = root / "sites" / "lngs.toml"
    path.write_text(path.read_text().replace("value = 42.45", "value = 142.45"))
    monkeypatch.setenv("MCDM_GEOMETRY_PATH", str(root))
    with pytest.raises(GeometryError) as info:
        load_site("lngs")
    assert "lngs.toml" in str(info.value) and "latitude" in str(info.value)


def test_bad_data_names_file_and_field(tmp_path, monkeypatch):
    root = tmp_path / "geo"
    shutil.copytree(CHECKOUT, root)
    monkeypatch.setenv("MCDM_GEOMETRY_PATH", str(root))
    prem = root / "earth" / "prem.toml"
    prem.write_text(
        prem.read_text().replace("r_inner = {value = 5701.0", "r_inner = {value = 5700.0")
    )
    with pytest.raises(GeometryError, match=r"prem\.toml.*overlap of 1 km"):
        library.load_earth("prem")
    water = root / "materials" / "water.toml"
    water.write_text(water.read_text().replace("O = 0.888106", "O = 0.8"))
    with pytest.raises(GeometryError, match=r"water\.toml.*sum to 0\.91"):
        load_material("water")
    with pytest.raises(GeometryError, match=r"prem\.toml.*ocean.*water\.toml"):
        library.load_earth("prem", ocean="water")
    rock = root / "materials" / "standard_rock.toml"
    rock.write_text(
        rock.read_text().replace('density = {value = 2.65, unit = "g/cm3"}', "density = 2.65")
    )
    with pytest.raises(GeometryError, match=r"standard_rock\.toml.*material\.density.*no unit"):
        load_material("standard_rock")
    air = root / "materials" / "air.toml"
    air.write_text(air.read_text().replace("format_version = 1", "format_version = 2"))
    with pytest.raises(GeometryError, match=r"air\.toml.*format_version"):
        load_material("air")


def test_air_mass_fractions():
    """PDG dry air: N 0.755267, O 0.231781, Ar 0.012827, C 0.000124 by mass."""
    air = load_material("air")
    assert air.composition["N"] == pytest.approx(0.755267, abs=1e-6)
    assert air.composition["O"] == pytest.approx(0.231781, abs=1e-6)
    assert air.composition["Ar"] == pytest.approx(0.012827, abs=1e-6)
    # independent: the molar mass of dry air as N2 + O2 + Ar + CO2 is US 1976's M0 = 28.9644 g/mol
    m = {el: load_nuclides().element(el).mean_mass_u for el in air.composition}
    w = air.composition
    n_co2 = w["C"] / m["C"]
    moles = (
        w["N"] / (2 * m["N"])
        + (w["O"] - 2 * m["O"] * n_co2) / (2 * m["O"])
        + w["Ar"] / m["Ar"]
        + n_co2
    )
    assert 1.0 / moles == pytest.approx(28.9644, rel=5e-4)


def test_water_number_density():
    """Liquid water at 1 g/cm3: 2 x 3.3428e22 H atoms per cm3 (N_A / 18.015 g/mol)."""
    n = load_material("water").number_densities()
    n_h = n["H1"] + n["H2"]
    assert n_h == pytest.approx(2 * 6.02214076e23 / 18.0153 * 1e15, rel=1e-4)


def test_standard_rock_convention():
    """Standard rock: rho = 2.65 g/cm3, <Z^2/A> = 5.5 exactly, <Z/A> = 0.5 to 0.2% (Lohmann et al. 1985)."""
    rock = load_material("standard_rock")
    table = load_nuclides()
    z2a = sum(
        w * table.element(el).Z ** 2 / table.element(el).mean_mass_u
        for el, w in rock.composition.items()
    )
    za = sum(
        w * table.element(el).Z / table.element(el).mean_mass_u
        for el, w in rock.composition.items()
    )
    assert rock.density == 2.65
    assert z2a == pytest.approx(121.0 / 22.0, rel=1e-5)
    assert za == pytest.approx(0.5, rel=2e-3)


def test_material_validation():
    with pytest.raises(GeometryError, match="sum to"):
        Material("x", 1.0, {"O": 0.5})
    with pytest.raises(GeometryError, match="negative"):
        Material("x", 1.0, {"O": 1.2, "H": -0.2})
    with pytest.raises(GeometryError, match="density"):
        Material("x", -1.0, {"O": 1.0})
    assert Material("x", 1.0, {"O": 0.9995, "H": 0.0}).composition["O"] == 1.0
    enriched = Material("li6", 0.5, {"Li6": 1.0})
    with pytest.raises(DataLibraryError, match="Li6"):
        enriched.number_densities()


def test_nuclide_table():
    """Seed-004 isotopes with the digest's values (digest 004 §2.8)."""
    table = load_nuclides()
    assert table.nuclide("Mg24").abundance == pytest.approx(0.7899)
    assert table.nuclide("25Mg").abundance == pytest.approx(0.1000)
    assert table.nuclide("25Mg").magnetic_moment == pytest.approx(-0.85545)
    assert table.nuclide("Al27").magnetic_moment == pytest.approx(3.64151, abs=1e-5)
    assert table.nuclide("al-27").spin_parity == "5/2+"
    assert table.nuclide("Si29").magnetic_moment == pytest.approx(-0.55529)
    assert table.nuclide("Si29").abundance == pytest.approx(0.0469, abs=1e-4)
    assert table.nuclide("Fe56").abundance == pytest.approx(0.9175, abs=1e-4)
    assert (table.nuclide("Fe56").Z, table.nuclide("Fe56").N) == (26, 30)
    assert nuclide_name("56fe") == "Fe56"
    assert "Og294" not in table
    with pytest.raises(DataLibraryError, match="Fe56"):
        table.nuclide("Fe55")

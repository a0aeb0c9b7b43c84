"""Earth models: PREM mass and densities, seed 004's three-layer isotope densities, compilation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.errors import DataLibraryError, GeometryError
from mcdm.geometry import EarthModel, Layer, SphericalShell, load_earth, load_material
from mcdm.geometry.layer import ConstantDensity, PolynomialDensity


@pytest.fixture(scope="module")
def prem():
    return load_earth("prem")


@pytest.fixture(scope="module")
def three_layer():
    return load_earth("three_layer_efk2023")


def test_prem_total_mass(prem):
    """Compiled PREM mass = Earth mass 5.9722e24 kg (IAU 2015 nominal GM / G; ±0.5%)."""
    shells = prem.compile()
    assert shells.mass_kg() == pytest.approx(5.9722e24, rel=5e-3)
    # the shell averages are exact integrals, so the discretisation does not change the mass
    assert prem.compile(max_shell_thickness_km=10.0).mass_kg() == pytest.approx(
        shells.mass_kg(), rel=1e-12
    )


def test_prem_centre_and_surface_density(prem):
    """Published PREM values (Dziewonski & Anderson 1981, Table 1): rho(0) = 13.0885, ocean 1.02 g/cm3,
    rho just below the core-mantle boundary = 12.5815 - 1.2638 x - 3.6426 x^2 - 5.5281 x^3 = 9.9035.
    """
    assert prem.density_at(0.0) == pytest.approx(13.0885, abs=1e-10)
    assert prem.density_at(6371.0) == pytest.approx(1.02)
    assert prem.density_at(3479.999) == pytest.approx(9.9035, abs=2e-4)
    assert prem.density_at(3480.0) == pytest.approx(
        5.5665, abs=2e-4
    )  # D&A Table II, lower mantle top
    assert load_earth("prem", ocean="crust").density_at(6371.0) == pytest.approx(2.60)


def test_prem_shells_respect_max_thickness(prem):
    shells = prem.compile(max_shell_thickness_km=50.0)
    thickness = np.diff(np.concatenate(([0.0], shells.outer_radii)))
    assert thickness.max() <= 50.0 + 1e-9
    assert shells.outer_radii[-1] == 6371.0
    assert shells.layer_names[shells.layer_index[0]] == "inner_core"
    assert shells.layer_names[shells.layer_index[-1]] == "ocean"
    # every layer boundary is a shell boundary
    for layer in prem.layers:
        assert np.any(np.isclose(shells.outer_radii, layer.shape.r_outer))


def test_shell_mean_is_mass_average():
    """PolynomialDensity.shell_mean equals a quadrature of rho r^2 / (r^3/3) (scipy, independent)."""
    from scipy.integrate import quad

    profile = PolynomialDensity((12.5815, -1.2638, -3.6426, -5.5281), 6371.0)
    r1, r2 = 1300.0, 2900.0
    num = quad(lambda r: profile(r) * r * r, r1, r2)[0]
    assert profile.shell_mean(r1, r2) == pytest.approx(num / ((r2**3 - r1**3) / 3.0), rel=1e-12)


def test_prem_number_densities_follow_composition(prem):
    """PREM upper crust at 2.6 g/cm3: n(Si) = rho w_Si N_A / M_Si (Rudnick & Gao Si fraction)."""
    shells = prem.compile(nuclides=["Si28", "Si29", "Si30"])
    crust = load_material("earth_crust")
    i = list(shells.layer_names).index("upper_crust")
    row = shells.number_density[shells.layer_index == i][0]
    n_si = 2.60 * 1e15 * crust.composition["Si"] * 6.02214076e23 / 28.0855
    assert row.sum() == pytest.approx(n_si, rel=1e-4)
    assert row[1] / row.sum() == pytest.approx(0.04685, rel=1e-6)


# digest 004 §2.8, Table 2 at the ancillary-file precision (Isotopic_Data.dat):
_N_ELEMENT = {  # core, mantle, crust [km^-3]
    "Mg": (0.0, 2.48505e37, 2.08304e36),
    "Al": (0.0, 2.40308e36, 5.24089e36),
    "Si": (1.41068e37, 2.05836e37, 1.6783e37),
    "Fe": (1.01099e38, 3.07342e36, 1.96948e36),
}
_F = {"Mg24": 0.7899, "Mg25": 0.1, "Al27": 1.0, "Si29": 0.0469, "Fe56": 0.9175}
# digest 004 §2.8 [derived] f*n table (3 significant figures; computed there with Table 2's printed f)
_DIGEST_DERIVED = {
    "Mg24": (0.0, 1.97e37, 1.64e36),
    "Mg25": (0.0, 2.49e36, 2.08e35),
    "Al27": (0.0, 2.40e36, 5.24e36),
    "Fe56": (9.29e37, 2.82e36, 1.81e36),
}


def test_three_layer_structure(three_layer):
    shells = three_layer.compile()
    assert shells.outer_radii.tolist() == [3483.0, 6341.0, 6371.0]
    assert shells.layer_names == ("core", "mantle", "crust")
    assert shells.nuclides == ("Mg24", "Mg25", "Al27", "Si29", "Fe56")
    assert len(three_layer.compile(max_shell_thickness_km=10.0).outer_radii) == 3


def test_three_layer_isotope_densities_exact(three_layer):
    """Isotope density = f x n_element with the ancillary-file numbers (digest 004 §2.8), to 1e-12."""
    shells = three_layer.compile()
    for j, nuc in enumerate(shells.nuclides):
        element = nuc.rstrip("0123456789")
        expected = [_F[nuc] * n for n in _N_ELEMENT[element]]
        assert shells.number_density[:, j] == pytest.approx(expected, rel=1e-12)


def test_three_layer_matches_digest_derived_table(three_layer):
    """The digest's [derived] f*n values: 27Al crust 5.24e36, 56Fe core 9.29e37 ... (3 s.f.).

    The digest computed them with Table 2's printed (2-digit) f, e.g. f(Fe56) = 0.92 instead of the
    file's 0.9175, so agreement is to the rounding: 0.5%. (Si29 is left out: the digest's 7.05e35 core
    value uses f = 0.05; with the file's 0.0469 it is 6.62e35, checked exactly above.)
    """
    shells = three_layer.compile()
    for nuc, values in _DIGEST_DERIVED.items():
        j = shells.nuclides.index(nuc)
        for got, want in zip(shells.number_density[:, j], values):
            assert got == pytest.approx(want, rel=5e-3, abs=1.0)
    assert shells.number_density[2, shells.nuclides.index("Al27")] == pytest.approx(
        5.24e36, rel=5e-4
    )


def test_three_layer_bulk_density_is_prem_average(three_layer):
    """The three-layer bulk densities are PREM (ocean as crust) averaged over 0-3483, 3483-6341, 6341-6371 km."""
    prem = load_earth("prem", ocean="crust")
    for layer in three_layer.layers:
        lo, hi = layer.shape.r_inner, layer.shape.r_outer
        mass = 0.0
        for p in prem.layers:
            a, b = max(lo, p.shape.r_inner), min(hi, p.shape.r_outer)
            if b > a:
                mass += p.mean_density(a, b) * (b**3 - a**3)
        assert layer.density.value == pytest.approx(mass / (hi**3 - lo**3), rel=2e-5), layer.name


def test_three_layer_element_mass_densities(three_layer):
    """Implied elemental mass densities of digest 004 §2.8 [derived]: Fe core 9.38, Si mantle 0.960 g/cm3."""
    n_fe_core = _N_ELEMENT["Fe"][0]
    assert n_fe_core / 1e15 / 6.02214076e23 * 55.845 == pytest.approx(9.38, rel=2e-3)
    # and the model's Fe56 alone is f times that
    shells = three_layer.compile(nuclides=["56Fe"])
    assert shells.nuclides == ("Fe56",)
    assert shells.number_density[0, 0] / n_fe_core == pytest.approx(0.9175)


def test_layer_at(prem, three_layer):
    assert three_layer.layer_at(0.0).name == "core"
    assert three_layer.layer_at(3483.0).name == "mantle"
    assert three_layer.layer_at(6371.0).name == "crust"
    assert prem.layer_at(6369.6).name == "ocean"
    with pytest.raises(GeometryError, match="outside"):
        prem.layer_at(6372.0)
    assert three_layer.radius == prem.radius == 6371.0


def test_unknown_nuclide_and_option(prem, three_layer):
    with pytest.raises(DataLibraryError, match="O16"):
        three_layer.compile(nuclides=["O16"])
    with pytest.raises(DataLibraryError, match="choose one of"):
        load_earth("prem", ocean="lava")
    with pytest.raises(DataLibraryError, match="options"):
        load_earth("prem", oceans="crust")
    with pytest.raises(DataLibraryError, match="prem"):
        load_earth("prem2")


def test_layers_must_be_contiguous():
    rock = load_material("standard_rock")
    a = Layer("a", SphericalShell(0.0, 100.0), rock, ConstantDensity(2.65))
    gap = Layer("b", SphericalShell(110.0, 200.0), rock, ConstantDensity(2.65))
    with pytest.raises(GeometryError, match="gap of 10 km"):
        EarthModel("bad", (a, gap))
    overlap = Layer("b", SphericalShell(90.0, 200.0), rock, ConstantDensity(2.65))
    with pytest.raises(GeometryError, match="overlap"):
        EarthModel("bad", (a, overlap))
    hollow = Layer("a", SphericalShell(5.0, 100.0), rock, ConstantDensity(2.65))
    with pytest.raises(GeometryError, match="r = 0"):
        EarthModel("bad", (hollow,))
    with pytest.raises(GeometryError, match="negative"):
        ConstantDensity(-1.0)
    with pytest.raises(GeometryError):
        SphericalShell(10.0, 5.0)


def test_compiled_shell_mass_matches_analytic_uniform_sphere():
    """A uniform 1000 km sphere of 3 g/cm3: M = 4/3 pi R^3 rho (analytic)."""
    rock = load_material("standard_rock")
    model = EarthModel(
        "ball", (Layer("ball", SphericalShell(0.0, 1000.0), rock, ConstantDensity(3.0)),)
    )
    expected = 4.0 / 3.0 * math.pi * (1000.0e5) ** 3 * 3.0 / 1000.0
    assert model.compile().mass_kg() == pytest.approx(expected, rel=1e-12)

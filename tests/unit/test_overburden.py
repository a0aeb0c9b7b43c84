"""Flat-slab overburdens: the geometry-library format, the compiled slabs, the slab kernels and
their use in ContinuousSlowing and the transport config (issue 6, Deliver items 2 and 3).

References: closed forms v = v0 exp(-sum_i k_i t_i / cos z) for constant stopping (drag), the
tables' own per-slab range function for the round trip, and pure-Python runs of the kernels.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError, DataLibraryError, GeometryError
from mcdm.geometry import CompiledShells, Slab, load_material, load_overburden
from mcdm.geometry.overburden import CompiledOverburden, compile_layers, stack_layers
from mcdm.geometry.site import Overburden
from mcdm.kernels import continuous as kc
from mcdm.physics.interaction import MacroscopicDrag, SpinIndependent
from mcdm.transport.continuous import ContinuousSlowing

ROOT = Path(__file__).resolve().parents[2]

META = '''[meta]
format_version = 1
source = "unit test file"
citation = "none, unit test"
notes = "written by tests/unit/test_overburden.py"
'''


def _write(tmp_path: Path, body: str, name: str = "ob.toml") -> Path:
    path = tmp_path / name
    path.write_text(META + body)
    return path


ROCK = '''
[[overburden.layers]]
name = "rock"
thickness = {value = 1.0, unit = "km"}
material = "standard_rock"
'''


# --------------------------------------------------------------------------- library format


def test_library_files_load_and_compile():
    crust = load_overburden("crust_1400m")
    assert crust.kind == "layers" and crust.material is None
    assert crust.thickness_km == pytest.approx(1.4, rel=1e-12)
    assert crust.column_density() == pytest.approx(2.7 * 1.4e5, rel=1e-12)
    compiled = crust.compile()
    assert compiled.names == ("crust",)
    assert compiled.column_density() == pytest.approx(3.78e5, rel=1e-12)
    # number densities at 2.7 g/cm3 are the earth_crust material's, rescaled
    ref = load_material("earth_crust").with_density(2.7).number_densities()
    assert compiled.nuclides == tuple(ref)
    np.testing.assert_allclose(compiled.number_density[0], list(ref.values()), rtol=1e-12)

    shield = load_overburden("lab_shield")
    c = shield.compile()
    assert c.names == ("rock", "concrete", "lead")
    np.testing.assert_allclose(c.thickness, [1.0, 3e-4, 2e-4], rtol=1e-12)
    np.testing.assert_allclose(c.mass_density, [2.65, 2.3, 11.35])
    np.testing.assert_allclose(c.depth_edges, [0.0, 1.0, 1.0003, 1.0005], rtol=1e-12)
    assert c.column_density() == pytest.approx(2.65e5 + 69.0 + 227.0, rel=1e-12)
    # the slabs hold what their compositions say: lead only in the last, H only in concrete
    pb = [j for j, n in enumerate(c.nuclides) if n.startswith("Pb")]
    h = c.nuclides.index("H1")
    assert pb and np.all(c.number_density[:2, pb] == 0) and np.all(c.number_density[2, pb] > 0)
    assert c.number_density[1, h] > 0 and c.number_density[0, h] == 0 == c.number_density[2, h]
    # partial column: rock + half the concrete
    assert shield.column_density(1.00015) == pytest.approx(2.65e5 + 34.5, rel=1e-12)


def test_flat_overburden_still_loads_and_compiles_to_one_slab():
    flat = load_overburden("standard_rock")
    assert flat.kind == "flat" and flat.thickness_km is None and flat.layers == ()
    assert flat.column_density(1.4) == pytest.approx(2.65 * 1.4e5)
    c = flat.compile(1.4)
    assert c.names == ("standard_rock",) and c.total_thickness == 1.4
    assert c.column_density() == pytest.approx(flat.column_density(1.4), rel=1e-12)
    assert flat.compile(0.0).thickness.size == 0  # a surface detector: no slab
    with pytest.raises(GeometryError, match="give the depth"):
        flat.compile()
    with pytest.raises(GeometryError, match="not at its bottom"):
        load_overburden("crust_1400m").compile(1.0)
    with pytest.raises(GeometryError, match="stack of layers"):
        load_overburden("crust_1400m").layer(1.0)


@pytest.mark.parametrize("body, fragments", [
    ('[overburden]\nkind = "layers"\n', ["overburden.layers", "non-empty"]),
    ('[overburden]\nkind = "layers"\nlayers = []\n', ["non-empty [[overburden.layers]]"]),
    ('[overburden]\nkind = "flat"\n', ["overburden", "material", "flat"]),
    ('[overburden]\nkind = "flat"\nmaterial = "standard_rock"\n' + ROCK,
     ["overburden.layers", "kind = 'layers'"]),
    ('[overburden]\nkind = "layers"\nmaterial = "standard_rock"\n' + ROCK,
     ["overburden.material", "kind = 'flat'"]),
    ('[overburden]\nkind = "curved"\nmaterial = "standard_rock"\n', ["kind 'curved'", "flat"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nname = "x"\n'
     'thickness = {value = 1.0, unit = "km"}\n', ["overburden.layers[0]", "exactly one of"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nname = "x"\n'
     'thickness = {value = 1.0, unit = "km"}\nmaterial = "standard_rock"\n'
     '[overburden.layers.composition]\nPb = 1.0\n', ["overburden.layers[0]", "exactly one of"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nname = "x"\n'
     'thickness = {value = 1.0, unit = "km"}\n[overburden.layers.composition]\nFe = 1.0\n',
     ["overburden.layers[0]", "needs a density"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nname = "x"\nthickness = 1.0\n'
     'material = "standard_rock"\n', ["overburden.layers[0].thickness", "no unit"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nname = "x"\n'
     'thickness = {value = 1.0, unit = "kg"}\nmaterial = "standard_rock"\n',
     ["overburden.layers[0].thickness", "cannot be converted to km"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nname = "x"\n'
     'thickness = {value = -1.0, unit = "m"}\nmaterial = "standard_rock"\n',
     ["overburden.layers[0].thickness", "> 0"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nname = "x"\n'
     'thickness = {value = 1.0, unit = "m"}\nmaterial = "standard_rock"\n'
     'density = {value = -2.0, unit = "g/cm3"}\n', ["overburden.layers[0].density", ">= 0"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nname = "x"\n'
     'thickness = {value = 1.0, unit = "m"}\nmaterial = "unobtainium"\n',
     ["unknown materials entry", "unobtainium"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nname = "x"\n'
     'thickness = {value = 1.0, unit = "m"}\nmaterial = "standard_rock"\ncolour = "grey"\n',
     ["unknown keys ['colour']", "overburden.layers[0]"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nthickness = {value = 1.0, unit = "m"}\n'
     'material = "standard_rock"\n', ["overburden.layers[0]", "missing the keys ['name']"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nname = "x"\n'
     'thickness = {value = 1.0, unit = "m"}\ndensity = {value = 2.0, unit = "g/cm3"}\n'
     '[overburden.layers.composition]\nXx = 1.0\n', ["overburden.layers[0].composition", "'Xx'"]),
    ('[overburden]\nkind = "layers"\n[[overburden.layers]]\nname = "x"\n'
     'thickness = {value = 1.0, unit = "m"}\ndensity = {value = 2.0, unit = "g/cm3"}\n'
     '[overburden.layers.composition]\nFe = 0.5\n', ["overburden.layers[0].composition",
                                                     "sum to 0.5"]),
    ('[overburden]\nkind = "layers"\n' + ROCK + ROCK, ["'rock'", "unique"]),
    ('[overburden]\nkind = "layers"\nlayer = []\n', ["unknown keys ['layer']"]),
])
def test_loader_errors_name_file_and_field(tmp_path, body, fragments):
    path = _write(tmp_path, body)
    with pytest.raises((GeometryError, DataLibraryError)) as err:
        load_overburden(path)
    text = str(err.value)
    assert str(path) in text or "unobtainium" in text, text
    for fragment in fragments:
        assert fragment in text, (fragment, text)


def test_inline_composition_and_density_override(tmp_path):
    path = _write(tmp_path, '''[overburden]
kind = "layers"
[[overburden.layers]]
name = "dense_rock"
thickness = {value = 200.0, unit = "m"}
material = "standard_rock"
density = {value = 3.0, unit = "g/cm3"}
[[overburden.layers]]
name = "iron"
thickness = {value = 10.0, unit = "cm"}
density = {value = 7.874, unit = "g/cm3"}
[overburden.layers.composition]
Fe = 1.0
''')
    ob = load_overburden(path)
    assert [layer.name for layer in ob.layers] == ["dense_rock", "iron"]
    assert ob.layers[0].shape == Slab(-0.2, 0.0)
    assert ob.layers[1].shape.z_high == pytest.approx(-0.2)
    assert ob.layers[1].shape.thickness == pytest.approx(1e-4)
    c = ob.compile()
    assert c.column_density() == pytest.approx(3.0 * 0.2e5 + 78.74, rel=1e-12)
    # the override scales the material's number densities
    rock = load_material("standard_rock").number_densities()
    o16 = c.nuclides.index("O16")
    assert c.number_density[0, o16] == pytest.approx(rock["O16"] * 3.0 / 2.65, rel=1e-12)
    fe56 = c.nuclides.index("Fe56")
    assert c.number_density[0, fe56] == 0.0 and c.number_density[1, fe56] > 0


def test_overburden_object_checks():
    rock = load_material("standard_rock")
    with pytest.raises(GeometryError, match="needs a material"):
        Overburden("x", "flat", None)
    with pytest.raises(GeometryError, match="needs >= 1 layer"):
        Overburden("x", "layers", None)
    layers = stack_layers([("a", 0.1, rock, 2.65), ("b", 0.2, rock, 2.0)])
    assert Overburden("x", "layers", None, "", layers).thickness_km == pytest.approx(0.3)
    with pytest.raises(GeometryError, match="not at the bottom of the layer above"):
        Overburden("x", "layers", None, "", layers[::-1])
    with pytest.raises(GeometryError, match="used twice"):
        stack_layers([("a", 0.1, rock, 2.65), ("a", 0.2, rock, 2.0)])
    with pytest.raises(GeometryError, match="finite and > 0"):
        stack_layers([("a", 0.0, rock, 2.65)])
    c = compile_layers(layers, nuclides=["Si28", "O16", "O17", "O18", "Si29", "Si30", "Fe56"])
    assert c.nuclides[-1] == "Fe56" and np.all(c.number_density[:, -1] == 0)
    with pytest.raises(DataLibraryError, match="not among the requested columns"):
        compile_layers(layers, nuclides=["O16"])
    with pytest.raises(GeometryError, match="not among the columns"):
        c.with_nuclides(["O16"])


# --------------------------------------------------------------------------- slab kernels


def _drag_rates(compiled: CompiledOverburden, body: MacroscopicDrag) -> np.ndarray:
    """k_i = (1/2) sum_j n_ij S_j of each slab [1/km] (v = v0 exp(-k L))."""
    stopping = body.tables(compiled.nuclides).stopping[:, 0]
    return 0.5 * compiled.number_density @ stopping * 1e-10


def _slab_tables(compiled, tables):
    parts = kc.slowing_tables(tables.v_grid, compiled.number_density, tables.stopping)
    return parts


def test_slab_speeds_drag_closed_form_and_inverse():
    ob = load_overburden("lab_shield").compile()
    body = MacroscopicDrag(mass_kg=1e-12, radius_cm=1e-7)
    tables = body.tables(ob.nuclides)
    ln_v, kappa, exponent, range_km, kind, group, scale = _slab_tables(ob, tables)
    assert np.all(kind == kc.KIND_CONSTANT)
    k = _drag_rates(ob, body)
    cos_z = np.array([1.0, 0.8, 0.5, 0.2, 0.05, 0.0, -0.5])
    v0 = np.full(cos_z.size, 400.0)
    speed, dist = kc.slab_speeds(v0, cos_z, ob.thickness, ln_v, kappa, exponent, range_km, kind,
                                 group, scale, 0.0)
    up = cos_z > 0
    expected = np.where(up, 400.0 * np.exp(-np.sum(k * ob.thickness) / np.where(up, cos_z, 1.0)),
                        400.0)
    np.testing.assert_allclose(speed, expected, rtol=1e-12)
    np.testing.assert_allclose(dist[up], ob.total_thickness / cos_z[up], rtol=1e-12)
    assert np.all(dist[~up] == 0)
    back, jac = kc.slab_top_speeds(speed[up], cos_z[up], ob.thickness, ln_v, kappa, exponent,
                                   range_km, kind, group, scale)
    np.testing.assert_allclose(back, 400.0, rtol=1e-12)
    np.testing.assert_allclose(jac, 400.0 / speed[up], rtol=1e-12)  # linear map v0 = v e^{kL}
    # stopping at v_min: the path to the stop is sum over slabs until ln(v0/v_min) is spent
    v_min = 300.0
    speed, dist = kc.slab_speeds(np.array([400.0]), np.array([1.0]), ob.thickness, ln_v, kappa,
                                 exponent, range_km, kind, group, scale, v_min)
    assert speed[0] == 0.0
    assert dist[0] == pytest.approx(math.log(400.0 / v_min) / k[0], rel=1e-12)  # in the rock


def test_horizon_limits():
    """Just above the horizon the slab path diverges: forward every particle stops (speed 0),
    backward the entry speed overflows to inf (no exception, also in pure Python); just below
    it the line crosses a short Earth chord and no slab."""
    ob = load_overburden("lab_shield").compile()
    body = MacroscopicDrag(mass_kg=1e-12, radius_cm=1e-7)
    earth = CompiledShells(np.array([6371.0]), np.array([2.65]),
                           np.array([[4e37, 4e37]]), ("O16", "Si28"), np.array([0]), ("rock",))
    cs = ContinuousSlowing(body, earth, overburden=ob)
    eps = 1e-4
    above = [[math.sqrt(1 - eps**2), 0.0, -eps]]  # moving down, from 0.006 deg above the horizon
    below = [[math.sqrt(1 - eps**2), 0.0, eps]]
    a = cs.arrive([0.0, 0.0, 6371.0], above + below, 500.0)
    assert a.speed[0] == 0.0 and a.path_length[0] == pytest.approx(ob.total_thickness / eps)
    chord = 2 * 6371.0 * eps
    assert a.path_length[1] == pytest.approx(chord, rel=1e-6)
    k_earth = 0.5 * (earth.number_density[0] @ cs.tables.stopping[:2, 0]) * 1e-10
    # no slab (it would cost a factor e^-83000): the Earth chord only, whose grazing segment
    # ends the ray kernels know to ~1e-8 km (cancellation in sqrt(R^2 - h^2))
    assert a.speed[1] == pytest.approx(500.0 * math.exp(-k_earth * chord), rel=1e-6)
    e = cs.entry_speeds([0.0, 0.0, 6371.0], above, 100.0)
    assert e.speed[0] == math.inf and e.jacobian[0] == math.inf


def test_zero_cross_section_leaves_speeds_unchanged():
    """sigma_p = 0: every slab is vacuum, the speeds are exactly the entry speeds."""
    ob = load_overburden("lab_shield").compile()
    earth = CompiledShells(np.array([6371.0]), np.array([2.65]),
                           np.array([[4e37, 4e37]]), ("O16", "Si28"), np.array([0]), ("rock",))
    cs = ContinuousSlowing(SpinIndependent(1e5, 0.0), earth, overburden=ob)
    assert np.all(cs.slab.group == -1)
    rng = np.random.default_rng(3)
    d = rng.normal(size=(300, 3))
    v = rng.uniform(10.0, 800.0, 300)
    a = cs.arrive([0.0, 0.0, 6371.0], d, v, v_min=1.0)
    assert np.array_equal(a.speed, v)
    e = cs.entry_speeds([0.0, 0.0, 6371.0], d, v)
    assert np.array_equal(e.speed, v) and np.all(e.jacobian == 1.0)


def test_continuous_slowing_builds_tables_on_the_union_of_nuclides():
    earth = CompiledShells(np.array([6371.0]), np.array([2.65]),
                           np.array([[4e37, 4e37]]), ("O16", "Si28"), np.array([0]), ("rock",))
    ob = load_overburden("lab_shield").compile()
    si = SpinIndependent(1e5, 1e-31)
    cs = ContinuousSlowing(si, earth, overburden=ob)
    assert cs.nuclides[:2] == ("O16", "Si28")
    assert set(cs.nuclides) == {"O16", "Si28"} | set(ob.nuclides)
    assert cs.tables.stopping.shape[0] == len(cs.nuclides) == cs.shells.number_density.shape[1]
    assert cs.overburden.nuclides == cs.nuclides
    assert cs.slab.thickness.tolist() == ob.thickness.tolist()
    # the world's own rows are unchanged by the padding
    np.testing.assert_array_equal(cs.shells.number_density[:, :2], earth.number_density)
    with pytest.raises(ConfigError, match="interaction tables have 2 nuclides"):
        ContinuousSlowing(si.tables(earth.nuclides), earth, overburden=ob)
    with pytest.raises(ConfigError, match="CompiledOverburden"):
        ContinuousSlowing(si, earth, overburden="lab_shield")
    with pytest.raises(GeometryError, match="centre"):
        cs.arrive([0.0, 0.0, 0.0], [[0, 0, -1.0]], 300.0)
    # without an overburden nothing changes: same tables, same kernel
    plain = ContinuousSlowing(si, earth)
    assert plain.slab is None and plain.nuclides == earth.nuclides


def test_forward_inverse_round_trip_with_jacobian():
    """SI with Helm (speed-dependent stopping) through air + Earth and the lab_shield stack:
    entry_speeds inverts arrive to 1e-10 and its Jacobian matches finite differences."""
    from mcdm.geometry import load_atmosphere, load_earth
    from mcdm.transport.continuous import stack_atmosphere

    world = stack_atmosphere(load_earth("prem", ocean="crust").compile(),
                             load_atmosphere("us_standard_1976").compile())
    cs = ContinuousSlowing(SpinIndependent(1e5, 3e-32), world,
                           overburden=load_overburden("lab_shield").compile())
    assert np.any(cs.slab.kind == kc.KIND_GENERAL)
    det = np.array([0.0, 0.0, 6371.0])
    rng = np.random.default_rng(11)
    d = rng.normal(size=(400, 3))
    d[300:, 2] = rng.uniform(0.0, 0.005, 100) * np.hypot(d[300:, 0], d[300:, 1])  # short chords
    d /= np.linalg.norm(d, axis=1)[:, None]
    v = rng.uniform(100.0, 800.0, 400)
    a = cs.arrive(det, d, v)
    ok = a.speed > 1.0
    from_above = -d[:, 2] > 0
    assert np.sum(ok & from_above) > 100 and np.sum(ok & ~from_above) > 20
    e = cs.entry_speeds(det, d[ok], a.speed[ok])
    np.testing.assert_allclose(e.speed, v[ok], rtol=1e-10)
    h = 1e-6
    lo = cs.arrive(det, d[ok], v[ok] * (1 - h)).speed
    hi = cs.arrive(det, d[ok], v[ok] * (1 + h)).speed
    np.testing.assert_allclose(e.jacobian, 2 * h * v[ok] / (hi - lo), rtol=1e-5)
    # the path from above includes the slabs: t_atm + sum t_i / cos z
    total = cs.slab.thickness.sum()
    cos_z = -d[from_above, 2]
    without = ContinuousSlowing(cs.tables, cs.shells).arrive(det, d[from_above], v[from_above])
    np.testing.assert_allclose(a.path_length[from_above], without.path_length + total / cos_z,
                               rtol=1e-12)
    # threads give identical results
    t2 = cs.arrive(det, d, v, threads=2)
    assert np.array_equal(t2.speed, a.speed) and np.array_equal(t2.distance, a.distance)


def test_kernels_run_without_jit():
    """The slab kernels give the same numbers with NUMBA_DISABLE_JIT=1 (pure Python)."""
    code = '''
import numpy as np
from mcdm.geometry import load_overburden, CompiledShells
from mcdm.physics.interaction import SpinIndependent
from mcdm.transport.continuous import ContinuousSlowing
earth = CompiledShells(np.array([6000.0, 6371.0, 6400.0]), np.array([5.0, 2.65, 1e-3]),
                       np.array([[8e37, 8e37], [4e37, 4e37], [2e34, 0.0]]), ("O16", "Si28"),
                       np.array([0, 1, 2]), ("core", "rock", "air"))
cs = ContinuousSlowing(SpinIndependent(1e5, 1e-31), earth,
                       overburden=load_overburden("lab_shield").compile())
rng = np.random.default_rng(5)
d = rng.normal(size=(40, 3)); v = rng.uniform(100, 700, 40)
a = cs.arrive([0, 0, 6371.0], d, v, v_min=20.0)
ok = a.speed > 0
e = cs.entry_speeds([0, 0, 6371.0], d[ok], a.speed[ok])
h = cs.entry_speeds([0, 0, 6371.0], [[1.0, 0.0, -1e-5]], 50.0)  # overflows to inf
print(repr([a.speed.tolist(), a.distance.tolist(), e.speed.tolist(), e.jacobian.tolist(),
            h.speed.tolist()]))
'''
    outs = []
    for jit in ("0", "1"):
        env = dict(os.environ, NUMBA_DISABLE_JIT=jit)
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=600, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr[-3000:]
        outs.append(eval(proc.stdout.strip().splitlines()[-1]))  # noqa: S307 (own output)
    for x, y in zip(*outs):
        np.testing.assert_allclose(x, y, rtol=1e-12)


# --------------------------------------------------------------------------- config


def _doc(tmp_path=None, **transport):
    doc = {"run": {"name": "ob", "scenario": "transport", "seed": 5, "samples": 2000, "shards": 2},
           "site": {"name": "lngs"}, "dark_matter": {"mass": "1e5 GeV"},
           "time": {"bins": 2, "width": "12 h"},
           "transport": {"sigma_p": "1e-31 cm2", "v_cut": "30 km/s", "speed_bins": 10, **transport},
           "output": {"progress": False, "plot": False}}
    if tmp_path is not None:
        doc["run"]["output_dir"] = str(tmp_path)
    return doc


def test_config_field_default_and_example():
    from mcdm.config import load_config

    assert config_from_dict(_doc()).transport.overburden == "site"
    cfg = load_config(ROOT / "examples" / "transport_slab_overburden.toml")
    assert cfg.transport.overburden == "crust_1400m" and cfg.transport.method == "continuous"


@pytest.mark.parametrize("transport, fragments", [
    ({"overburden": "crust_1400m", "method": "discrete", "tracks": 3},
     ["transport.tracks", "spherical world only"]),
    ({"overburden": "no_such_stack"}, ["transport.overburden", "unknown overburden entry"]),
    ({"overburden": "crust_1400m", "detector_depth": "1 m"},
     ["transport.overburden", "transport.detector_depth", "must be 'site'"]),
])
def test_compile_job_errors(transport, fragments):
    from mcdm.scenarios.transport import compile_job

    with pytest.raises(ConfigError) as err:
        compile_job(config_from_dict(_doc(**transport)))
    for fragment in fragments:
        assert fragment in str(err.value), (fragment, str(err.value))


def test_compile_job_puts_the_detector_under_the_stack():
    from mcdm.scenarios.transport import compile_job

    job, ctx = compile_job(config_from_dict(_doc(overburden="lab_shield")))
    assert job.detector_position[2] == ctx["earth"].radius  # depth 0 in the spherical Earth
    assert ctx["depth_km"] == pytest.approx(1.0005)
    assert ctx["overburden"] == "lab_shield" and job.slowing.slab is not None
    # a flat overburden is one slab as thick as the site's depth
    job, ctx = compile_job(config_from_dict(_doc(overburden="standard_rock")))
    assert ctx["overburden_slabs"].names == ("standard_rock",)
    assert ctx["depth_km"] == pytest.approx(1.4)
    # "site": unchanged spherical set-up
    job, ctx = compile_job(config_from_dict(_doc()))
    assert job.slowing.slab is None and job.detector_position[2] == pytest.approx(6371.0 - 1.4)


def test_free_limit_run_keeps_the_free_density(tmp_path):
    """sigma_p = 0 with slabs: every particle arrives unslowed, n_det/n_free = 1 exactly."""
    from mcdm.run import run

    doc = _doc(tmp_path, overburden="lab_shield", sigma_p="0 cm2", v_cut="0.001 km/s")
    s = json.loads((run(config_from_dict(doc)) / "summary.json").read_text())
    np.testing.assert_allclose(s["bins"]["density_ratio"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(s["bins"]["flux_ratio"], 1.0, rtol=1e-12)
    # with v_cut = 30 km/s only the halo's slowest particles are lost, as without the slabs
    doc = _doc(tmp_path, overburden="lab_shield", sigma_p="0 cm2")
    doc["run"]["name"] = "ob-slabs"
    slabs = json.loads((run(config_from_dict(doc)) / "summary.json").read_text())["bins"]
    doc = _doc(tmp_path, sigma_p="0 cm2")
    doc["run"]["name"] = "ob-site"
    site = json.loads((run(config_from_dict(doc)) / "summary.json").read_text())["bins"]
    assert slabs["density_ratio"] == site["density_ratio"]
    assert slabs["mean_speed"] == site["mean_speed"]

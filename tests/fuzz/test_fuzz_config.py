"""Fuzz: run configs whose numeric fields get hostile values, units and types.

Contract: :func:`mcdm.config.config_from_dict` / :func:`mcdm.config.load_config` either return a
config in which every number is finite and inside its field's declared range, and which survives
the TOML round trip, or raise a ConfigError that names the field (``section.key`` or
``[section]``). Never another exception, a warning, NaN or ±inf.
(tests/unit/test_config.py fuzzes the document structure; this file fuzzes the values.)
"""
from __future__ import annotations

import copy
import dataclasses
import math
import tomllib
import warnings

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from fuzz_contract import fuzz_settings
from mcdm.config import config_from_dict, config_to_toml, default_config_text, load_config
from mcdm.config.fields import Spec
from mcdm.errors import ConfigError

FUZZ = fuzz_settings(200)
DEFAULT = tomllib.loads(default_config_text())

# every numeric field of the schema: (section, key) -> Spec
_SPECS: dict[tuple[str, str], Spec] = {}
for _section, _obj in dataclasses.asdict(config_from_dict(DEFAULT)).items():
    _cls = type(getattr(config_from_dict(DEFAULT), _section))
    for _f in dataclasses.fields(_cls):
        _spec = _f.metadata["spec"]
        if _spec.kind in ("int", "float", "quantity", "vector"):
            _SPECS[(_section, _f.name)] = _spec

UNITS = {
    "speed": ["km/s", "m/s", "cm/s", "km / h", "Mpc/s"],
    "energy density": ["GeV/cm3", "GeV / cm^3", "eV/m3", "TeV/km3"],
    "mass": ["GeV", "TeV", "keV", "kg", "g", "eV"],
    "energy": ["keV", "eV", "GeV", "MeV", "J"],
    "length": ["km", "m", "cm", "pc", "kmwe"],
    "time": ["s", "h", "d", "yr", "ms", "Gyr"],
    "volume": ["m3", "cm3", "km3", "l"],
}
WRONG_UNITS = ["", "kg", "km", "s", "furlong", "km/s/s", "1/s", "GeV/cm2", "deg", "%", "km s"]
NUMBER_TEXT = ["nan", "inf", "-inf", "1e999", "-1e999", "-0", "0", "1e-320", "1e308", "-1", "1e-30",
               "1e30", "3", "220", "0.5", "1_000", "0x10", "", "one"]


def _number_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(NUMBER_TEXT),
                     st.floats(allow_nan=False, allow_infinity=False).map(repr),
                     st.integers(-(10**30), 10**30).map(str))


@st.composite
def field_values(draw, spec: Spec):
    """A value for a field of ``spec``: right or wrong units, hostile numbers, wrong types."""
    units = UNITS.get(spec.physical_type or "", []) + WRONG_UNITS
    scalar = st.one_of(
        st.builds(lambda n, u: f"{n} {u}".strip(), _number_text(), st.sampled_from(units)),
        st.fixed_dictionaries({"value": st.one_of(st.floats(), st.integers(-(10**20), 10**20),
                                                  st.booleans(), st.text(max_size=3)),
                               "unit": st.one_of(st.sampled_from(units), st.integers())}),
        st.floats(), st.integers(-(2**70), 2**70), st.booleans(), st.none(),
    )
    if spec.kind == "vector":
        # component magnitudes are kept <= 1e5 (see test_vector_components_are_range_checked)
        small = st.builds(lambda x, u: f"{x!r} {u}", st.floats(-1e5, 1e5), st.sampled_from(units))
        return draw(st.one_of(
            st.lists(small, min_size=0, max_size=4),
            st.fixed_dictionaries({"value": st.lists(st.floats(-1e5, 1e5), max_size=4),
                                   "unit": st.sampled_from(units)}),
            st.builds(lambda u: {"value": [1.0, 2.0], "unit": u, "x": 1}, st.sampled_from(units)),
            st.text(max_size=5), st.none()))
    return draw(scalar)


@st.composite
def documents(draw):
    doc = copy.deepcopy(DEFAULT)
    keys = draw(st.lists(st.sampled_from(sorted(_SPECS)), min_size=1, max_size=3, unique=True))
    for section, key in keys:
        doc.setdefault(section, {})[key] = draw(field_values(_SPECS[(section, key)]))
    if draw(st.booleans()):
        section = draw(st.sampled_from(sorted(doc)))
        key = draw(st.sampled_from(["bogus", "V0", "unit", ""]))
        doc[section][key] = 1
        keys = [*keys, (section, key)]
    return doc, keys


def _field_names(keys) -> list[str]:
    out = []
    for section, key in keys:
        out += [f"{section}.{key}", f"[{section}]"]
    # cross-field rules name both fields
    return out + ["halo.v0", "halo.v_esc", "run.shards", "run.samples"]


def _check_config(cfg) -> None:
    """Every numeric field finite and inside its declared range."""
    for (section, key), spec in _SPECS.items():
        value = getattr(getattr(cfg, section), key)
        values = value if isinstance(value, tuple) else (value,)
        for x in values:
            assert math.isfinite(x), f"{section}.{key} = {value!r} accepted"
            if spec.kind != "vector":
                assert spec.gt is None or x > spec.gt, f"{section}.{key} = {x!r}"
                assert spec.ge is None or x >= spec.ge, f"{section}.{key} = {x!r}"
                assert spec.lt is None or x < spec.lt, f"{section}.{key} = {x!r}"
                assert spec.le is None or x <= spec.le, f"{section}.{key} = {x!r}"


def _load(loader, source, keys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cfg = loader(source)
        except ConfigError as exc:
            assert any(n in str(exc) for n in _field_names(keys)), f"unnamed field: {exc}"
            cfg = None
    assert not caught, [f"{w.category.__name__}: {w.message}" for w in caught]
    return cfg


@FUZZ
@given(doc_keys=documents())
def test_hostile_values_give_a_valid_config_or_a_named_error(doc_keys):
    doc, keys = doc_keys
    cfg = _load(config_from_dict, doc, keys)
    if cfg is not None:
        _check_config(cfg)
        assert load_config(config_to_toml(cfg)) == cfg  # bit-exact round trip


@fuzz_settings(60)
@given(doc_keys=documents())
def test_toml_text_parses_like_the_dict(doc_keys):
    doc, keys = doc_keys
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):  # not representable in TOML (e.g. None): nothing to load
        return
    from_text = _load(load_config, text, keys)
    from_dict = _load(config_from_dict, tomllib.loads(text), keys)
    assert from_text == from_dict


@pytest.mark.parametrize("value", [["1e300 Mpc/s", "0 km/s", "0 km/s"], ["1e300 km/s", "0 km/s", "0 km/s"]])
def test_vector_components_are_range_checked(value):
    doc = copy.deepcopy(DEFAULT)
    doc["halo"]["v_lsr"] = value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # astropy's overflow in the conversion
        with pytest.raises(ConfigError, match="halo.v_lsr"):
            config_from_dict(doc)


def test_unit_conversion_overflow_is_silent():
    doc = copy.deepcopy(DEFAULT)
    doc["halo"]["v0"] = "1e308 Mpc/s"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ConfigError, match="halo.v0"):
            config_from_dict(doc)
    assert not caught


def test_resolved_toml_round_trips_exactly():
    doc = copy.deepcopy(DEFAULT)
    doc["midm"]["delta"] = "1e-30 eV"
    cfg = config_from_dict(doc)
    assert load_config(config_to_toml(cfg)) == cfg


def test_unit_parsing_is_silent():
    doc = copy.deepcopy(DEFAULT)
    doc["halo"]["v0"] = "220 km/s/s"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ConfigError, match="halo.v0"):
            config_from_dict(doc)
    assert not caught

"""Config: TOML -> validated frozen dataclasses; every bad input is a ConfigError naming the field."""
import copy
import dataclasses
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcdm.cli import main
from mcdm.config import config_from_dict, config_to_toml, default_config_text, load_config
from mcdm.errors import ConfigError


@pytest.fixture(scope="module")
def default_doc():
    return tomllib.loads(default_config_text())


def test_default_config_is_valid_and_has_seed004_halo(default_doc):
    cfg = config_from_dict(default_doc)
    assert cfg.run.scenario == "midm"
    # digest 004 §3, Fig. 5a: 1 TeV, delta = 15 keV, g_M = 2e-3, 1000 m^3 at Gran Sasso on 2000-01-01
    assert cfg.midm.delta == pytest.approx(15e-6)
    assert cfg.midm.g_M == pytest.approx(2e-3)
    assert cfg.detector.volume == pytest.approx(1e9)
    assert cfg.time.start.startswith("2000-01-01")
    # digest 004 §2.7: v0 = 220 km/s, v_esc = 550 km/s, rho = 0.3 GeV/cm^3
    assert (cfg.halo.v0, cfg.halo.v_esc, cfg.halo.rho) == (220.0, 550.0, 0.3)
    assert cfg.time.width == pytest.approx(3600.0)
    assert cfg.dark_matter.mass == pytest.approx(1000.0)


def test_sections_are_frozen(default_doc):
    cfg = config_from_dict(default_doc)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.halo.v0 = 1.0


def test_resolved_toml_round_trips(default_doc):
    cfg = config_from_dict(default_doc)
    again = load_config(config_to_toml(cfg))
    assert again == cfg


def test_minimal_config_fills_defaults():
    cfg = config_from_dict({"run": {"name": "x", "scenario": "halo_flux"}, "site": {"name": "SUPL"}})
    assert cfg.halo.v_esc == 550.0 and cfg.run.shards == 8


def _with(doc, section, key, value):
    out = copy.deepcopy(doc)
    out.setdefault(section, {})[key] = value
    return out


@pytest.mark.parametrize(
    "section, key, value, needles",
    [
        ("halo", "v0", "220 kg", ["halo.v0", "speed"]),
        ("halo", "v0", 220, ["halo.v0", "no unit"]),
        ("halo", "v0", "-5 km/s", ["halo.v0", "out of range", "> 0"]),
        ("halo", "v_esc", "100 km/s", ["halo.v_esc", "must exceed"]),
        ("halo", "model", "nfw", ["halo.model", "shm"]),
        ("halo", "colour", "red", ["unknown key", "colour", "v_esc"]),
        ("site", "name", "atlantis", ["site.name", "atlantis", "lngs"]),
        ("earth", "model", "flat", ["earth.model", "prem"]),
        ("run", "seed", -1, ["run.seed", ">= 0"]),
        ("run", "seed", 1.5, ["run.seed", "integer"]),
        ("run", "samples", True, ["run.samples", "integer"]),
        ("run", "scenario", "warp", ["run.scenario", "halo_flux"]),
        ("time", "start", "yesterday", ["time.start", "ISO 8601"]),
        ("time", "start", "2099-01-01T00:00:00", ["time.start", "IERS"]),
        ("time", "kind", "lunar", ["time.kind", "sidereal"]),
        ("dark_matter", "mass", "1 km", ["dark_matter.mass", "mass"]),
        ("halo", "v_pec", {"value": [1, 2], "unit": "km/s"}, ["halo.v_pec", "3 components"]),
        ("output", "plot", "yes", ["output.plot", "true or false"]),
    ],
)
def test_bad_values_are_named(default_doc, section, key, value, needles):
    with pytest.raises(ConfigError) as info:
        config_from_dict(_with(default_doc, section, key, value))
    for needle in needles:
        assert needle in str(info.value)


def test_missing_required_key_and_section(default_doc):
    doc = copy.deepcopy(default_doc)
    del doc["run"]["name"]
    with pytest.raises(ConfigError, match="missing the required key 'name'"):
        config_from_dict(doc)
    doc = copy.deepcopy(default_doc)
    del doc["site"]
    with pytest.raises(ConfigError, match=r"no \[site\] section"):
        config_from_dict(doc)
    with pytest.raises(ConfigError, match="unknown section"):
        config_from_dict({**default_doc, "warp_drive": {}})


def test_malformed_toml_is_a_config_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[run\nname = 'x'\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_cli_check_reports_errors_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[run]\nname = "x"\nscenario = "halo_flux"\n[site]\nname = "atlantis"\n')
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "site.name" in err and "Traceback" not in err
    good = tmp_path / "good.toml"
    good.write_text(default_config_text())
    assert main(["check", str(good), "--resolved"]) == 0
    assert "[halo]" in capsys.readouterr().out


# ---- property-based: malformed configs never escape as anything but ConfigError -------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["1 km", "220 km/s", "0.3 GeV/cm3", "1 TeV", "3 kg", "1e999 km", "nan km/s", "-0 s", "lngs"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=10,
)


def _accepts_or_config_error(doc):
    try:
        config_from_dict(doc)
    except ConfigError:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.dictionaries(st.text(max_size=10), _values, max_size=5))
def test_random_documents_raise_only_config_error(doc):
    _accepts_or_config_error(doc)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_default_raises_only_config_error(default_doc, data):
    doc = copy.deepcopy(default_doc)
    section = data.draw(st.sampled_from(sorted(doc)))
    key = data.draw(st.sampled_from(sorted(doc[section]) + ["bogus_key"]))
    if data.draw(st.booleans()):
        doc[section][key] = data.draw(_values)
    else:
        doc[section] = data.draw(_values)
    _accepts_or_config_error(doc)

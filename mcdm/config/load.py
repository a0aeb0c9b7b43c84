"""TOML -> validated :class:`RunConfig`, and back.

Everything a user can get wrong is caught here, before any work starts: unknown sections or keys,
missing required keys, wrong types, wrong units, values out of range, unknown sites or Earth
models. Every such problem raises :class:`~mcdm.errors.ConfigError` naming the field.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import tomli_w

from mcdm.config.fields import build_section, dump_section
from mcdm.config.schema import (
    DarkMatterSection,
    DetectorSection,
    EarthSection,
    ForestSection,
    NuggetsSection,
    SidmSection,
    IdmSection,
    GlobalSignalSection,
    HaloSection,
    MidmSection,
    OutputSection,
    PearlsSection,
    RunSection,
    SiteSection,
    TimeSection,
    TransportSection,
)
from mcdm.errors import ConfigError

__all__ = ["RunConfig", "load_config", "config_from_dict", "config_to_dict", "config_to_toml",
           "default_config_text", "builtin_config_names", "DEFAULT_CONFIG_NAME"]

#: the built-in config `mcdm run` uses when given none
DEFAULT_CONFIG_NAME = "midm_gran_sasso.toml"


@dataclass(frozen=True)
class RunConfig:
    """A whole, validated run configuration (one frozen section per TOML table)."""

    run: RunSection
    halo: HaloSection = field(default_factory=HaloSection)
    dark_matter: DarkMatterSection = field(default_factory=DarkMatterSection)
    site: SiteSection = field(default_factory=lambda: SiteSection(name="lngs"))
    earth: EarthSection = field(default_factory=EarthSection)
    time: TimeSection = field(default_factory=TimeSection)
    output: OutputSection = field(default_factory=OutputSection)
    midm: MidmSection = field(default_factory=MidmSection)
    detector: DetectorSection = field(default_factory=DetectorSection)
    transport: TransportSection = field(default_factory=TransportSection)
    pearls: PearlsSection = field(default_factory=PearlsSection)
    forest: ForestSection = field(default_factory=ForestSection)
    nuggets: NuggetsSection = field(default_factory=NuggetsSection)
    sidm: SidmSection = field(default_factory=SidmSection)
    idm: IdmSection = field(default_factory=IdmSection)
    global_signal: GlobalSignalSection = field(default_factory=GlobalSignalSection)


_SECTION_TYPES: dict[str, type] = {
    "run": RunSection,
    "halo": HaloSection,
    "dark_matter": DarkMatterSection,
    "site": SiteSection,
    "earth": EarthSection,
    "time": TimeSection,
    "output": OutputSection,
    "midm": MidmSection,
    "detector": DetectorSection,
    "transport": TransportSection,
    "pearls": PearlsSection,
    "forest": ForestSection,
    "nuggets": NuggetsSection,
    "sidm": SidmSection,
    "idm": IdmSection,
    "global_signal": GlobalSignalSection,
}
_REQUIRED_SECTIONS = ("run", "site")
#: scenarios that never use the laboratory: [site] is optional for them (a default is filled in)
SITE_FREE_SCENARIOS = frozenset({"forest", "nuggets", "sidm", "idm-recoils", "global_signal"})


def config_from_dict(data: Mapping[str, Any]) -> RunConfig:
    """Validate a parsed TOML document and build the :class:`RunConfig`."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"a config must be a table of sections, got {type(data).__name__}")
    unknown = sorted(set(map(str, data)) - set(_SECTION_TYPES))
    if unknown:
        raise ConfigError(f"unknown section(s) {unknown}; allowed: {sorted(_SECTION_TYPES)}")
    run = data.get("run")
    scenario = run.get("scenario") if isinstance(run, Mapping) else None
    for name in _REQUIRED_SECTIONS:
        if name == "site" and isinstance(scenario, str) and scenario in SITE_FREE_SCENARIOS:
            continue
        if name not in data:
            raise ConfigError(f"the config has no [{name}] section, which is required")
    data = dict(data)
    if "site" not in data:
        data["site"] = {"name": "lngs"}  # a site-free scenario: the default site is never used
    built = {name: build_section(cls, data.get(name), name) for name, cls in _SECTION_TYPES.items()}
    cfg = RunConfig(**built)
    _check_cross_field(cfg)
    return cfg


def _check_cross_field(cfg: RunConfig) -> None:
    if cfg.halo.v_esc <= cfg.halo.v0:
        raise ConfigError(
            f"halo.v_esc = {cfg.halo.v_esc:g} km/s must exceed halo.v0 = {cfg.halo.v0:g} km/s"
        )
    sched = cfg.run.scheduler
    if sched and sched != "local" and "://" not in sched:
        raise ConfigError(f"run.scheduler = {sched!r}: use \"\", \"local\" or a Dask address like \"tcp://HOST:8786\"")
    if cfg.run.max_samples and cfg.run.max_samples < cfg.run.samples:
        raise ConfigError(f"run.max_samples = {cfg.run.max_samples} is below run.samples = {cfg.run.samples}")
    if cfg.run.shards > cfg.run.samples:
        raise ConfigError(
            f"run.shards = {cfg.run.shards} exceeds run.samples = {cfg.run.samples}; every shard needs a sample"
        )
    _check_transport(cfg)
    cfg.pearls.validate()
    cfg.forest.validate()
    cfg.nuggets.validate()
    cfg.sidm.validate()
    cfg.idm.validate()
    cfg.global_signal.validate()


def _check_transport(cfg: RunConfig) -> None:
    t = cfg.transport
    if t.model == "drag" and t.method == "discrete":
        raise ConfigError(
            "transport.model = 'drag' has no discrete scatters (continuous drag only), so it cannot run with "
            "transport.method = 'discrete'; use transport.method = 'continuous'"
        )
    if t.model == "drag" and not t.radius > 0:
        raise ConfigError("transport.model = 'drag' needs transport.radius > 0 (e.g. '1e-3 cm'), got "
                          f"{t.radius * 1e5:g} cm")
    if t.v_cut >= t.speed_max:
        raise ConfigError(f"transport.v_cut = {t.v_cut:g} km/s must be below transport.speed_max = "
                          f"{t.speed_max:g} km/s")
    t.detector_depth_km()  # raises a ConfigError naming transport.detector_depth
    if cfg.run.scenario == "transport" and t.method == "discrete" and cfg.run.samples < 2 * cfg.run.shards:
        raise ConfigError(f"transport.method = 'discrete' needs at least 2 histories per shard: run.samples = "
                          f"{cfg.run.samples} < 2 x run.shards = {2 * cfg.run.shards}")


def load_config(source: str | Path | Mapping[str, Any]) -> RunConfig:
    """Read a config from a TOML file path, a TOML string or an already-parsed mapping."""
    if isinstance(source, Mapping):
        return config_from_dict(source)
    text: str
    path = Path(source) if not (isinstance(source, str) and "\n" in source) else None
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config file {str(path)!r} does not exist")
        text = path.read_text(encoding="utf-8")
    else:
        text = str(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = f" in {str(path)!r}" if path is not None else ""
        raise ConfigError(f"not valid TOML{where}: {exc}") from None
    return config_from_dict(data)


def config_to_dict(cfg: RunConfig) -> dict[str, dict[str, Any]]:
    """The fully resolved config (every default filled in), quantities with units."""
    return {name: dump_section(getattr(cfg, name)) for name in _SECTION_TYPES}


def config_to_toml(cfg: RunConfig) -> str:
    """The fully resolved config as TOML text; ``load_config(config_to_toml(c)) == c``."""
    return tomli_w.dumps(config_to_dict(cfg))


def builtin_config_names() -> list[str]:
    """Names of the built-in configs (``mcdm config --name NAME`` prints one)."""
    folder = resources.files("mcdm.config").joinpath("defaults")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def default_config_text(name: str | None = None) -> str:
    """The text of a built-in config: the main job's by default, else ``name`` (e.g. ``"halo_flux_lngs"``)."""
    file = DEFAULT_CONFIG_NAME if name is None else f"{name.removesuffix('.toml')}.toml"
    folder = resources.files("mcdm.config").joinpath("defaults")
    if not folder.joinpath(file).is_file():
        raise ConfigError(f"no built-in config {name!r}; built-in: {builtin_config_names()}")
    return folder.joinpath(file).read_text(encoding="utf-8")

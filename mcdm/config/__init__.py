"""Run configuration: TOML -> validated frozen dataclasses (see :mod:`mcdm.config.load`)."""
from mcdm.config.load import (
    DEFAULT_CONFIG_NAME,
    RunConfig,
    builtin_config_names,
    config_from_dict,
    config_to_dict,
    config_to_toml,
    default_config_text,
    load_config,
)

__all__ = [
    "RunConfig",
    "load_config",
    "config_from_dict",
    "config_to_dict",
    "config_to_toml",
    "default_config_text",
    "builtin_config_names",
    "DEFAULT_CONFIG_NAME",
]

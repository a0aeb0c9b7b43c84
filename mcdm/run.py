"""Run a validated config: compile -> simulate shards -> add -> report, with a manifest beside every output."""
from __future__ import annotations

import contextlib
import importlib
from pathlib import Path

from mcdm.checkpoint import ShardStore, result_key
from mcdm.config import RunConfig, config_to_dict, config_to_toml
from mcdm.errors import ConfigError

__all__ = ["run", "SCENARIO_MODULES", "scenario_module"]

#: scenario name (``[run] scenario``) -> module with compile_job / simulate_shard / report
SCENARIO_MODULES = {"halo_flux": "mcdm.scenarios.halo_flux", "midm": "mcdm.scenarios.midm"}


def scenario_module(name: str):
    """The module implementing scenario ``name``."""
    try:
        return importlib.import_module(SCENARIO_MODULES[name])
    except KeyError:
        raise ConfigError(f"unknown scenario {name!r}; known: {sorted(SCENARIO_MODULES)}") from None


def run(cfg: RunConfig) -> Path:
    """Execute ``cfg`` and return the folder ``<output_dir>/<name>`` that holds its outputs."""
    from mcdm.io import atomic_write_text
    from mcdm.parallel import map_shards
    from mcdm.provenance import build_manifest, write_manifest

    module = scenario_module(cfg.run.scenario)
    outdir = Path(cfg.run.output_dir) / cfg.run.name
    outdir.mkdir(parents=True, exist_ok=True)
    resolved = config_to_dict(cfg)
    store = ShardStore(outdir / ".shards" / result_key(resolved))
    job, context = module.compile_job(cfg)
    parts = map_shards(
        module.simulate_shard,
        job,
        list(range(cfg.run.shards)),
        workers=cfg.run.workers,
        progress=cfg.output.progress,
        description=f"{cfg.run.name}",
        store=store,
    )
    total = parts[0]
    for part in parts[1:]:  # shard order: the sum is the same for any number of workers
        total = total + part
    outputs = module.report(cfg, job, context, total, outdir)
    atomic_write_text(outdir / "config.toml", config_to_toml(cfg))
    manifest = build_manifest(resolved, seed=cfg.run.seed, extra={"outputs": sorted(outputs)})
    write_manifest(outdir, manifest)
    store.clear()
    with contextlib.suppress(OSError):
        (outdir / ".shards").rmdir()  # only if no other config's shards wait there
    return outdir

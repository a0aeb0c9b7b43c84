"""Run a validated config: compile -> simulate shards -> add -> report, with a manifest beside every output.

A run is a set of independent shards (seed streams ``SeedSequence(seed).spawn``) whose sums add.
Shards run in-process, on local processes or on a Dask cluster (:mod:`mcdm.parallel`); finished
shards are kept under ``<output_dir>/<name>/.shards/<config hash>/`` until the run has written its
outputs, so a killed run resumes where it stopped (``fresh=True`` recomputes). With
``[run] target_rel_error`` the run adds shards of the same size until every bin of interest of the
scenario (:func:`relative_errors` of its module) reaches it or ``max_samples`` is spent.
"""
from __future__ import annotations

import contextlib
import importlib
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from mcdm.checkpoint import ShardStore, result_key
from mcdm.config import RunConfig, config_to_dict, config_to_toml
from mcdm.errors import ConfigError

__all__ = ["run", "SCENARIO_MODULES", "scenario_module", "extend_shards"]

#: scenario name (``[run] scenario``) -> module with compile_job / simulate_shard / report /
#: relative_errors
SCENARIO_MODULES = {"halo_flux": "mcdm.scenarios.halo_flux", "midm": "mcdm.scenarios.midm",
                    "transport": "mcdm.scenarios.transport", "pearls": "mcdm.scenarios.pearls",
                    "forest": "mcdm.scenarios.forest", "nuggets": "mcdm.scenarios.nuggets",
                    "sidm": "mcdm.scenarios.sidm", "idm-recoils": "mcdm.scenarios.idm_recoils",
                    "global_signal": "mcdm.scenarios.global_signal"}
#: max_samples = 0 means this many times ``samples``
DEFAULT_SAMPLE_CAP = 20
log = logging.getLogger("mcdm")


def scenario_module(name: str):
    """The module implementing scenario ``name``."""
    try:
        return importlib.import_module(SCENARIO_MODULES[name])
    except KeyError:
        raise ConfigError(f"unknown scenario {name!r}; known: {sorted(SCENARIO_MODULES)}") from None


def extend_shards(job: Any, n_shards: int) -> Any:
    """The job with shards appended up to ``n_shards``, each of the size of shard 0.

    Shard k's random streams depend on (seed, k) only, so the first shards, and their stored results,
    are unchanged. Jobs carrying per-shard arrays (``catalog_quota``) get zero rows for the new shards.
    """
    old = int(job.n_shards)
    if n_shards <= old:
        return job
    sizes = np.concatenate([job.shard_sizes, np.full(n_shards - old, int(job.shard_sizes[0]), dtype=np.int64)])
    changes: dict[str, Any] = {"n_shards": n_shards, "shard_sizes": sizes}
    quota = getattr(job, "catalog_quota", None)
    if quota is not None:
        changes["catalog_quota"] = np.vstack([quota, np.zeros((n_shards - old, quota.shape[1]), dtype=quota.dtype)])
    return job._replace(**changes)


def _merge(parts: list) -> Any:
    total = parts[0]
    for part in parts[1:]:  # shard order: the sum is the same for any backend and number of workers
        total = total + part
    return total


def run(cfg: RunConfig, fresh: bool = False) -> Path:
    """Execute ``cfg`` and return the folder ``<output_dir>/<name>`` that holds its outputs."""
    from mcdm.io import atomic_write_text
    from mcdm.parallel import backend_name, map_shards
    from mcdm.provenance import build_manifest, write_manifest

    module = scenario_module(cfg.run.scenario)
    outdir = Path(cfg.run.output_dir) / cfg.run.name
    outdir.mkdir(parents=True, exist_ok=True)
    resolved = config_to_dict(cfg)
    store = ShardStore(outdir / ".shards" / result_key(resolved))
    if fresh:
        store.clear()
    job, context = module.compile_job(cfg)

    def simulate(shards: list[int]) -> list:
        return map_shards(module.simulate_shard, job, shards, workers=cfg.run.workers, progress=cfg.output.progress,
                          description=f"{cfg.run.name}", store=store, scheduler=cfg.run.scheduler or None,
                          histories=[int(job.shard_sizes[k]) for k in shards])

    parts = simulate(list(range(job.n_shards)))
    precision = None
    if cfg.run.target_rel_error > 0:
        cap = cfg.run.max_samples or DEFAULT_SAMPLE_CAP * cfg.run.samples
        per_shard = int(job.shard_sizes[0])
        while True:
            total = _merge(parts)
            achieved = float(np.max(module.relative_errors(job, total), initial=0.0))
            histories = int(np.sum(job.shard_sizes))
            if achieved <= cfg.run.target_rel_error or histories + per_shard > cap:
                break
            need = histories * (achieved / cfg.run.target_rel_error) ** 2 * 1.05  # error ~ 1/sqrt(N), 5 % margin
            n_new = max(1, math.ceil((min(need, cap) - histories) / per_shard))
            log.info("event=precision achieved=%.4g target=%.4g histories=%d adding_shards=%d", achieved,
                     cfg.run.target_rel_error, histories, n_new)
            first = job.n_shards
            job = extend_shards(job, first + n_new)
            parts += simulate(list(range(first, job.n_shards)))
        precision = {"target_rel_error": cfg.run.target_rel_error, "achieved_rel_error": achieved,
                     "histories": histories, "shards": int(job.n_shards), "sample_cap": int(cap),
                     "reached": bool(achieved <= cfg.run.target_rel_error)}
    total = _merge(parts)
    outputs = module.report(cfg, job, context, total, outdir)
    atomic_write_text(outdir / "config.toml", config_to_toml(cfg))
    extra: dict[str, Any] = {"outputs": sorted(outputs),
                             "execution": {"backend": backend_name(cfg.run.workers, cfg.run.scheduler),
                                           "workers": cfg.run.workers, "shards": int(job.n_shards),
                                           "histories": int(np.sum(job.shard_sizes))}}
    if precision is not None:
        extra["precision"] = precision
    manifest = build_manifest(resolved, seed=cfg.run.seed, extra=extra)
    write_manifest(outdir, manifest)
    store.clear()
    with contextlib.suppress(OSError):
        (outdir / ".shards").rmdir()  # only if no other config's shards wait there
    return outdir

"""Map the shards of a run over a backend and return their results in shard order.

Three backends run the same shards (DESIGN.md §3):

* **in-process** (``workers = 1``, no scheduler): the default; nothing is spawned;
* **local processes** (``workers > 1``): a :class:`~concurrent.futures.ProcessPoolExecutor`;
* **Dask** (``scheduler``): ``"tcp://HOST:PORT"`` of a running ``dask.distributed`` scheduler, the
  word ``"local"`` (a ``LocalCluster`` of ``workers`` single-threaded processes started for the run),
  or a ``distributed.Client``. The job is scattered to the workers once; each shard is one task.

Results are always added by the caller in shard order, so the numbers do not depend on the backend,
the number of workers, or the order in which shards finish. With a ``store``, finished shards are
loaded instead of computed and each new result is saved atomically as soon as it arrives, so an
interrupted run loses at most the shards in flight.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

from mcdm.checkpoint import ShardStore
from mcdm.errors import ConfigError

__all__ = ["map_shards", "backend_name", "dask_client"]

T = TypeVar("T")
log = logging.getLogger("mcdm")


def backend_name(workers: int, scheduler: Any) -> str:
    """``"in-process"``, ``"local"`` or ``"dask"`` for these settings."""
    if scheduler:
        return "dask"
    return "local" if workers > 1 else "in-process"


def dask_client(scheduler: Any, workers: int = 1):
    """A ``distributed.Client`` for ``scheduler`` and whether this call created it (to close it).

    ``scheduler`` is a Client (returned as is), ``"local"`` (a new LocalCluster with ``workers``
    single-threaded worker processes) or a scheduler address such as ``"tcp://10.0.0.1:8786"``.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is a dependency
        raise ConfigError("the Dask backend needs the 'distributed' package: pip install 'dask[distributed]'") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    if scheduler == "local":
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        return Client(cluster), True
    if isinstance(scheduler, str) and "://" in scheduler:
        try:
            return Client(scheduler, timeout="10s"), True
        except OSError as exc:
            raise ConfigError(f"run.scheduler = {scheduler!r}: cannot reach the Dask scheduler ({exc})") from None
    raise ConfigError(f"run.scheduler must be \"\", \"local\" or an address like \"tcp://HOST:8786\", got {scheduler!r}")


def map_shards(
    simulate: Callable[[Any, int], T],
    job: Any,
    shards: Sequence[int],
    workers: int = 1,
    progress: bool = False,
    description: str = "shards",
    store: ShardStore | None = None,
    scheduler: Any = None,
    histories: Sequence[int] | None = None,
) -> list[T]:
    """Run ``simulate(job, k)`` for every shard ``k``; results are returned in the order of ``shards``.

    ``simulate`` must be a module-level function and ``job`` picklable unless the run is in-process.
    ``histories`` (per shard, aligned with ``shards``) only feeds the progress bar's histories/s.
    """
    from tqdm.auto import tqdm

    results: dict[int, T] = {}
    if store is not None:
        for k in shards:
            found = store.load(k)
            if found is not None:
                results[k] = found
    todo = [k for k in shards if k not in results]
    size = dict(zip(shards, histories)) if histories is not None else {}
    bar = tqdm(total=len(shards), initial=len(results), desc=description, unit="shard", disable=not progress,
               leave=False)
    backend = backend_name(workers, scheduler)
    log.info("event=shards_start backend=%s shards=%d cached=%d workers=%d", backend, len(shards), len(results),
             workers)
    start = time.perf_counter()
    done_histories = 0

    def finish(k: int, result: T) -> None:
        nonlocal done_histories
        results[k] = result
        if store is not None:
            store.save(k, result)
        done_histories += size.get(k, 0)
        if size:
            bar.set_postfix_str(f"{done_histories / max(time.perf_counter() - start, 1e-9):.3g} hist/s")
        bar.update()
        log.debug("event=shard_done shard=%d seconds=%.3f", k, time.perf_counter() - start)

    try:
        if not todo:
            pass
        elif backend == "dask":
            _run_dask(simulate, job, todo, workers, scheduler, progress, finish)
        elif backend == "in-process" or len(todo) == 1:
            for k in todo:
                finish(k, simulate(job, k))
        else:
            with ProcessPoolExecutor(max_workers=min(workers, len(todo))) as pool:
                futures = {pool.submit(simulate, job, k): k for k in todo}
                for future in as_completed(futures):
                    finish(futures[future], future.result())
    finally:
        bar.close()
    log.info("event=shards_done backend=%s computed=%d seconds=%.3f", backend, len(todo), time.perf_counter() - start)
    return [results[k] for k in shards]  # shard order, whatever the completion order


def _run_dask(simulate, job, todo: list[int], workers: int, scheduler: Any, progress: bool, finish) -> None:
    """Submit one task per shard to a Dask cluster and hand each result to ``finish`` as it completes."""
    from distributed import as_completed as dask_completed

    client, owned = dask_client(scheduler, workers)
    try:
        if progress:
            log.warning("Dask dashboard: %s", client.dashboard_link)
        remote_job = client.scatter(job, broadcast=True, hash=False)  # a fresh key per call: no lost dependency on reuse
        futures = {client.submit(simulate, remote_job, k, pure=False): k for k in todo}
        try:
            for future in dask_completed(futures):
                finish(futures[future], future.result())
        except BaseException:
            client.cancel(list(futures))
            raise
    finally:
        if owned:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()

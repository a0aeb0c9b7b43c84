"""Map the shards of a run over workers and add their results in shard order.

The same run executes in-process (``workers=1``) or on local processes; the sum is always taken
in shard order, so the numbers do not depend on how many workers ran, nor in which order they
finished (DESIGN.md §3). A Dask backend is issue [4/10].
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

from mcdm.checkpoint import ShardStore

__all__ = ["map_shards"]

T = TypeVar("T")


def map_shards(
    simulate: Callable[[Any, int], T],
    job: Any,
    shards: Sequence[int],
    workers: int = 1,
    progress: bool = False,
    description: str = "shards",
    store: ShardStore | None = None,
) -> list[T]:
    """Run ``simulate(job, k)`` for every shard ``k``; results are returned in the order of ``shards``.

    ``simulate`` must be a module-level function and ``job`` picklable when ``workers > 1``. With a
    ``store``, shards already in it are loaded instead of computed, and each new result is saved
    as soon as it is done, so an interrupted run loses at most the shards in flight.
    """
    from tqdm.auto import tqdm

    results: dict[int, T] = {}
    if store is not None:
        for k in shards:
            found = store.load(k)
            if found is not None:
                results[k] = found
    todo = [k for k in shards if k not in results]
    bar = tqdm(total=len(shards), initial=len(results), desc=description, unit="shard",
               disable=not progress, leave=False)

    def finish(k: int, result: T) -> None:
        results[k] = result
        if store is not None:
            store.save(k, result)
        bar.update()

    try:
        if workers <= 1 or len(todo) <= 1:
            for k in todo:
                finish(k, simulate(job, k))
        else:
            with ProcessPoolExecutor(max_workers=min(workers, len(todo))) as pool:
                futures = {pool.submit(simulate, job, k): k for k in todo}
                for future in as_completed(futures):
                    finish(futures[future], future.result())
    finally:
        bar.close()
    return [results[k] for k in shards]  # shard order, whatever the completion order

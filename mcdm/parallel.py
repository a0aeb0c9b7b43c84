"""Map the shards of a run over workers and add their results in shard order.

The same run executes in-process (``workers=1``) or on local processes; the sum is always taken
in shard order, so the numbers do not depend on how many workers ran, nor in which order they
finished (DESIGN.md §3). A Dask backend is issue [4/10].
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["map_shards"]

T = TypeVar("T")


def map_shards(
    simulate: Callable[[Any, int], T],
    job: Any,
    shards: Sequence[int],
    workers: int = 1,
    progress: bool = False,
    description: str = "shards",
) -> list[T]:
    """Run ``simulate(job, k)`` for every shard ``k``; results are returned in the order of ``shards``.

    ``simulate`` must be a module-level function and ``job`` picklable when ``workers > 1``.
    """
    from tqdm.auto import tqdm

    bar = tqdm(total=len(shards), desc=description, unit="shard", disable=not progress, leave=False)
    results: dict[int, T] = {}
    try:
        if workers <= 1 or len(shards) <= 1:
            for k in shards:
                results[k] = simulate(job, k)
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=min(workers, len(shards))) as pool:
                futures = {k: pool.submit(simulate, job, k) for k in shards}
                for k in shards:  # collect in shard order; completion order does not matter
                    results[k] = futures[k].result()
                    bar.update()
    finally:
        bar.close()
    return [results[k] for k in shards]

"""All seeding of mcdm happens here.

A run's randomness is ``SeedSequence(seed).spawn(n_shards)``: shard k always gets the same stream,
whichever worker runs it and however many workers there are, so the number of shards is part of
the result and the number of workers is not (DESIGN.md §3).
"""
from __future__ import annotations

import numpy as np

__all__ = ["shard_seeds", "shard_generator", "shard_streams", "shard_sizes", "report_generator"]

#: spawn key of the report stream (beyond any shard index, so it never collides with a shard)
REPORT_SPAWN_KEY = 2**40


def shard_seeds(seed: int, n_shards: int) -> list[np.random.SeedSequence]:
    """The independent seed sequences of the ``n_shards`` shards of a run with master ``seed``."""
    if n_shards < 1:
        raise ValueError(f"n_shards must be >= 1, got {n_shards}")
    return np.random.SeedSequence(seed).spawn(n_shards)


def shard_generator(seed: int, n_shards: int, shard: int) -> np.random.Generator:
    """The generator of shard ``shard`` (PCG64), identical in every process that asks for it."""
    if not 0 <= shard < n_shards:
        raise ValueError(f"shard must be in [0, {n_shards}), got {shard}")
    return np.random.Generator(np.random.PCG64(shard_seeds(seed, n_shards)[shard]))


def shard_streams(seed: int, n_shards: int, shard: int, n_streams: int) -> list[np.random.Generator]:
    """``n_streams`` independent generators of shard ``shard`` (children of its seed sequence).

    Separate streams keep one use of randomness (e.g. sampling a catalog) from shifting another
    (e.g. the physics draws) when an output option changes.
    """
    if not 0 <= shard < n_shards:
        raise ValueError(f"shard must be in [0, {n_shards}), got {shard}")
    children = shard_seeds(seed, n_shards)[shard].spawn(n_streams)
    return [np.random.Generator(np.random.PCG64(child)) for child in children]


def shard_sizes(total: int, n_shards: int) -> np.ndarray:
    """Split ``total`` histories over ``n_shards`` as evenly as possible (first shards get the remainder)."""
    if total < n_shards:
        raise ValueError(f"cannot split {total} histories over {n_shards} shards")
    base, extra = divmod(total, n_shards)
    return np.array([base + (1 if k < extra else 0) for k in range(n_shards)], dtype=np.int64)


def report_generator(seed: int) -> np.random.Generator:
    """The generator of a run's report stage (e.g. synthetic catalogs drawn from the final tally).

    It depends on the master seed only, never on the number of shards or workers, and is
    independent of every shard stream.
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(REPORT_SPAWN_KEY,))))

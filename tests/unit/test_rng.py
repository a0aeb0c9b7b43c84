"""RNG: shard streams are fixed by (seed, n_shards, shard), never by the machine."""
import numpy as np
import pytest

from mcdm.rng import shard_generator, shard_sizes


def test_same_shard_same_stream():
    a = shard_generator(7, 4, 2).random(5)
    b = shard_generator(7, 4, 2).random(5)
    np.testing.assert_array_equal(a, b)


def test_shards_are_different_streams():
    draws = [shard_generator(7, 4, k).random(3) for k in range(4)]
    assert len({tuple(d) for d in draws}) == 4


def test_shard_sizes_add_up():
    sizes = shard_sizes(10, 3)
    assert sizes.tolist() == [4, 3, 3] and sizes.sum() == 10
    with pytest.raises(ValueError):
        shard_sizes(2, 3)

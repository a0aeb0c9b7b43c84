"""Finished shards survive an interrupted run.

Every shard result is written (atomically) as soon as it is done, under
``<outdir>/.shards/<key>/``, where the key hashes everything in the config that changes the
numbers. Running the same config again loads the finished shards and computes only the missing
ones; the folder is removed once the run's outputs are written.
"""
from __future__ import annotations

import hashlib
import json
import pickle
import shutil
from pathlib import Path
from typing import Any

from mcdm.io import atomic_write_bytes

__all__ = ["ShardStore", "result_key"]

#: config entries that do not change any number of a run (excluded from the key)
_NOT_IN_KEY = {("run", "workers"), ("run", "output_dir"), ("run", "scheduler"), ("run", "target_rel_error"),
               ("run", "max_samples"), ("output", "progress"), ("output", "plot")}


def result_key(config: dict[str, dict[str, Any]]) -> str:
    """A short hash of the resolved config (as written by ``config_to_dict``) minus run-only options."""
    kept = {
        section: {k: v for k, v in table.items() if (section, k) not in _NOT_IN_KEY}
        for section, table in config.items()
    }
    text = json.dumps(kept, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ShardStore:
    """Finished shard results of one run, one pickle file per shard (written by this package only)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, shard: int) -> Path:
        return self.directory / f"shard_{shard:06d}.pkl"

    def load(self, shard: int) -> Any | None:
        """The stored result of ``shard``, or None if it was not finished."""
        path = self._path(shard)
        if not path.is_file():
            return None
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None  # unreadable (e.g. written by another version): recompute it

    def save(self, shard: int, result: Any) -> None:
        atomic_write_bytes(self._path(shard), pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))

    def finished(self) -> list[int]:
        return sorted(int(p.stem.split("_")[1]) for p in self.directory.glob("shard_*.pkl"))

    def clear(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

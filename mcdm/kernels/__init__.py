"""All numba code of mcdm lives in this subpackage.

Kernels are thin functions over plain arrays in the internal units of :mod:`mcdm.units`; the
Python layer compiles immutable model objects to arrays, calls a kernel and wraps the result.
Every kernel is compiled with the one options dict :data:`JIT` (``cache=True``, fastmath off)
and is tested both compiled and with ``NUMBA_DISABLE_JIT=1``.

Cache validity: numba keys a cached kernel on its own source file only, so a kernel that calls a
kernel of another module keeps stale machine code when only the callee changes. Unless the user
set ``NUMBA_CACHE_DIR``, the cache therefore lives in ``__pycache__/numba-<hash>``, where the hash
covers the source of every kernel module: any kernel edit starts a fresh cache.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

#: the single numba options dict for every kernel (fastmath stays off: rays use inf)
JIT = dict(cache=True, nogil=True, error_model="numpy")

__all__ = ["JIT", "kernel_source_hash"]


def kernel_source_hash() -> str:
    """A short hash of the source of every module of this package [hex]."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _use_versioned_cache() -> None:
    if os.environ.get("NUMBA_CACHE_DIR") or numba.config.CACHE_DIR:
        return  # the user chose a cache location
    folder = Path(__file__).parent / "__pycache__"
    try:
        folder.mkdir(exist_ok=True)
    except OSError:
        return
    if os.access(folder, os.W_OK):
        numba.config.CACHE_DIR = str(folder / f"numba-{kernel_source_hash()}")


_use_versioned_cache()

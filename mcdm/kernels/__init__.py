"""All numba code of mcdm lives in this subpackage.

Kernels are thin functions over plain arrays in the internal units of :mod:`mcdm.units`; the
Python layer compiles immutable model objects to arrays, calls a kernel and wraps the result.
Every kernel is compiled with the one options dict :data:`JIT` (``cache=True``, fastmath off)
and is tested both compiled and with ``NUMBA_DISABLE_JIT=1``.
"""
from __future__ import annotations

#: the single numba options dict for every kernel (fastmath stays off: rays use inf)
JIT = dict(cache=True, nogil=True, error_model="numpy")

__all__ = ["JIT"]

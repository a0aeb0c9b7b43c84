"""The contract every fuzz test checks, and hostile-input strategies shared by tests/fuzz/.

Imported by the fuzz tests as ``from fuzz_contract import ...`` (pytest puts this folder on
``sys.path``; the file name does not match ``test_*.py``, so it is not collected).

A public function that takes physical parameters, given anything at all, either

* returns a result whose every float is finite (NaN only where the function documents it), or
* raises a subclass of :class:`mcdm.errors.McdmError` whose message names the bad parameter.

Anything else fails the test: a bare ValueError / ZeroDivisionError / IndexError / OverflowError
from deep inside, a numpy RuntimeWarning (overflow, invalid value), or a silent NaN. A
:class:`mcdm.errors.PhysicsWarning` (an empty kinematic window, zero-rate bins) is allowed; the
result must then still be finite.
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from mcdm.errors import McdmError, PhysicsWarning

#: values that break naive code: zeros of both signs, negatives, non-finite, subnormal, huge
HOSTILE_FLOATS = (0.0, -0.0, -1.0, math.nan, math.inf, -math.inf, 5e-324, 1e-300, 1e-30, 1e30,
                  1e300, 1.7e308, -1e300)


def numbers(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Mostly plausible floats in [lo, hi], often hostile ones, sometimes ints of any size."""
    return st.one_of(
        st.floats(lo, hi),
        st.floats(lo, hi),
        st.sampled_from(HOSTILE_FLOATS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-(10**400), 10**400),
    )


#: not a number at all
WRONG_TYPES = st.one_of(st.none(), st.booleans(), st.text(max_size=6),
                        st.lists(st.floats(allow_nan=False), max_size=3), st.just(object()),
                        st.just(1 + 2j))


def maybe_wrong(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """``strategy`` most of the time, a wrong type sometimes."""
    return st.one_of(strategy, strategy, strategy, WRONG_TYPES)


def _floats_in(obj: Any, depth: int = 0) -> Iterable[float]:
    """Every float (scalar or array element) inside a result, recursively."""
    if depth > 6 or obj is None or isinstance(obj, (str, bytes, bool)):
        return
    if isinstance(obj, (float, np.floating)):
        yield float(obj)
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            yield from obj.ravel().tolist()
        elif obj.dtype == object:
            for x in obj.ravel():
                yield from _floats_in(x, depth + 1)
    elif isinstance(obj, Mapping):
        for v in obj.values():
            yield from _floats_in(v, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _floats_in(v, depth + 1)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _floats_in(getattr(obj, f.name), depth + 1)


class Contract:
    """``contract(fn, *args, names=..., **kwargs)``: call and check (module docstring)."""

    def __call__(self, fn: Callable[..., Any], *args: Any, names: Iterable[str],
                 allow_nan: bool = False, allow_inf: bool = False, **kwargs: Any) -> Any:
        """Return the result, or None if ``fn`` raised an allowed McdmError.

        names : substrings of which the error message must contain one (case-insensitive)
        allow_nan / allow_inf : the function documents NaN / ±inf entries in its result
        """
        names = tuple(names)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = fn(*args, **kwargs)
            except McdmError as exc:
                msg = str(exc).lower()
                assert any(n.lower() in msg for n in names), (
                    f"{type(exc).__name__} does not name any of {names}: {exc}")
                _check_warnings(caught)
                return None
        _check_warnings(caught)
        for x in _floats_in(result):
            if math.isnan(x):
                assert allow_nan, f"{getattr(fn, '__qualname__', fn)} returned NaN silently"
            elif math.isinf(x):
                assert allow_inf, f"{getattr(fn, '__qualname__', fn)} returned {x} silently"
        return result


def _check_warnings(caught: list[warnings.WarningMessage]) -> None:
    bad = [w for w in caught if not issubclass(w.category, PhysicsWarning)]
    assert not bad, "warnings other than PhysicsWarning: " + "; ".join(
        f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in bad)


#: the contract checker: ``contract(fn, *args, names=(...), **kwargs)``
contract = Contract()

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
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from mcdm.errors import McdmError, PhysicsWarning

def fuzz_settings(max_examples: int) -> settings:
    """Settings of every fuzz test: bounded example count, no deadline, and derandomized (the
    same examples on every run of the same selection of tests, so the suite does not flake).

    ``MCDM_FUZZ_EXPLORE=k`` in the environment explores instead: random examples (seed with
    ``--hypothesis-seed``), k times as many.
    """
    explore = int(os.environ.get("MCDM_FUZZ_EXPLORE", "0") or 0)
    return settings(max_examples=max_examples * max(explore, 1), deadline=None,
                    derandomize=not explore, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


#: values that break naive code: zeros of both signs, negatives, non-finite, subnormal, huge
HOSTILE_FLOATS = (0.0, -0.0, -1.0, math.nan, math.inf, -math.inf, 5e-324, 1e-300, 1e-30, 1e30,
                  1e300, 1.7e308, -1e300)

#: not a number at all
WRONG_TYPES = st.one_of(st.none(), st.booleans(), st.text(max_size=6),
                        st.lists(st.floats(allow_nan=False), max_size=3), st.just(object()),
                        st.just(1 + 2j))

#: a hostile scalar: a special float, any float, an int beyond the float range, or no number
HOSTILE = st.one_of(st.sampled_from(HOSTILE_FLOATS), st.floats(),
                    st.integers(-(10**400), 10**400), WRONG_TYPES)


def log_floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats in [lo, hi] > 0, log-uniform-ish (for ranges spanning many decades)."""
    return st.floats(math.log10(lo), math.log10(hi)).map(lambda x: min(max(10.0**x, lo), hi))


def arrays_of(valid: st.SearchStrategy[float], min_size: int = 1, max_size: int = 5):
    """A scalar or a list of ``valid`` values."""
    return st.one_of(valid, st.lists(valid, min_size=min_size, max_size=max_size))


def hostile_arrays(valid: st.SearchStrategy[float], min_size: int = 1, max_size: int = 5):
    """Lists of ``valid`` values with one hostile float, ragged lists, or wrong types."""
    spoiled = st.builds(lambda xs, bad, i: xs[:i % (len(xs) + 1)] + [bad] + xs[i % (len(xs) + 1):],
                        st.lists(valid, min_size=max(min_size - 1, 0), max_size=max_size),
                        st.one_of(st.sampled_from(HOSTILE_FLOATS), st.floats()), st.integers(0, 10))
    return st.one_of(spoiled, HOSTILE, st.just([[1.0], [1.0, 2.0]]), st.just([]))


@st.composite
def params(draw, **spec: tuple[st.SearchStrategy, st.SearchStrategy]) -> dict[str, Any]:
    """Keyword arguments: every one valid (half of the examples), or one or two of them hostile.

    ``spec`` maps a name to ``(valid_strategy, hostile_strategy)``. Returns ``{name: value}``;
    the names of the spoiled parameters are under the key ``"_spoiled"``.
    """
    values = {name: draw(valid) for name, (valid, _) in spec.items()}
    n_bad = draw(st.sampled_from([0, 0, 1, 1, 2])) if spec else 0
    spoiled = draw(st.permutations(sorted(spec)))[:n_bad]
    for name in spoiled:
        values[name] = draw(spec[name][1])
    values["_spoiled"] = tuple(spoiled)
    return values


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

        names : parameter names of which the error message must contain one as a whole word
        allow_nan / allow_inf : the function documents NaN / ±inf entries in its result
        """
        names = tuple(names)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = fn(*args, **kwargs)
            except McdmError as exc:
                assert any(_names(n, str(exc)) for n in names), (
                    f"{type(exc).__name__} does not name any of {names}: {exc}")
                _check_warnings(caught)
                _event(fn, "McdmError")
                return None
        _check_warnings(caught)
        _event(fn, "result")
        for x in _floats_in(result):
            if math.isnan(x):
                assert allow_nan, f"{getattr(fn, '__qualname__', fn)} returned NaN silently"
            elif math.isinf(x):
                assert allow_inf, f"{getattr(fn, '__qualname__', fn)} returned {x} silently"
        return result


def _event(fn: Callable[..., Any], outcome: str) -> None:
    """Count outcomes per function (shown by ``--hypothesis-show-statistics``)."""
    if currently_in_test_context():
        event(f"{getattr(fn, '__qualname__', fn)}: {outcome}")


def _names(name: str, message: str) -> bool:
    """``name`` occurs in ``message`` as a whole identifier (case-insensitive)."""
    pattern = r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])"
    return re.search(pattern, message, flags=re.IGNORECASE) is not None


def _check_warnings(caught: list[warnings.WarningMessage]) -> None:
    bad = [w for w in caught if not issubclass(w.category, PhysicsWarning)]
    assert not bad, "warnings other than PhysicsWarning: " + "; ".join(
        f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in bad)


#: the contract checker: ``contract(fn, *args, names=(...), **kwargs)``
contract = Contract()

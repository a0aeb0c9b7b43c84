"""Kernel tests of mcdm.kernels.sampling; run both compiled and with NUMBA_DISABLE_JIT=1.

The reference is an independent NumPy implementation: draw standard normals three at a time from
the same Generator, scale by v0/√2 and reject |v| >= v_esc (digest 004 §2.7 distribution).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mcdm.kernels.sampling import reject_outside_ball, sample_truncated_maxwellian

V0, VESC = 220.0, 550.0


def _numpy_reference(seed: int, n: int, v0: float, v_esc: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        x = rng.standard_normal(3) * (v0 / math.sqrt(2.0))
        if x @ x < v_esc * v_esc:
            out.append(x)
    return np.array(out)


def test_same_seed_identical_samples():
    """Two calls with generators of the same seed give bit-identical velocities."""
    a = sample_truncated_maxwellian(np.random.default_rng(7), 5000, V0, VESC)
    b = sample_truncated_maxwellian(np.random.default_rng(7), 5000, V0, VESC)
    assert a.dtype == np.float64 and a.shape == (5000, 3)
    assert np.array_equal(a, b)


def test_matches_independent_numpy_rejection():
    """Kernel equals a NumPy rejection sampler on the same stream (small v_esc: many rejections)."""
    got = sample_truncated_maxwellian(np.random.default_rng(11), 300, V0, 250.0)
    ref = _numpy_reference(11, 300, V0, 250.0)
    np.testing.assert_array_equal(got, ref)


def test_compiled_equals_python():
    """The compiled kernel and its pure-Python body give identical samples (same seed)."""
    py = getattr(sample_truncated_maxwellian, "py_func", sample_truncated_maxwellian)
    a = sample_truncated_maxwellian(np.random.default_rng(5), 200, V0, VESC)
    b = py(np.random.default_rng(5), 200, V0, VESC)
    np.testing.assert_array_equal(a, b)


def test_advances_callers_generator():
    """The caller's generator advances: consecutive draws differ and continue the stream."""
    rng = np.random.default_rng(3)
    a = sample_truncated_maxwellian(rng, 100, V0, VESC)
    b = sample_truncated_maxwellian(rng, 100, V0, VESC)
    both = sample_truncated_maxwellian(np.random.default_rng(3), 200, V0, VESC)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(np.vstack([a, b]), both)


def test_zero_samples():
    """n = 0 returns an empty (0, 3) array."""
    assert sample_truncated_maxwellian(np.random.default_rng(0), 0, V0, VESC).shape == (0, 3)


def test_reject_outside_ball_matches_mask():
    """Block rejection equals NumPy masking; fills from ``start`` and returns the next free row."""
    normals = np.random.default_rng(2).standard_normal((400, 3))
    sigma = V0 / math.sqrt(2.0)
    scaled = normals * sigma
    keep = scaled[np.einsum("ij,ij->i", scaled, scaled) < 250.0**2]
    out = np.full((10 + len(keep), 3), -1.0)
    nxt = reject_outside_ball(normals, sigma, 250.0, out, 10)
    assert nxt == 10 + len(keep)
    np.testing.assert_array_equal(out[10:], keep)
    assert np.all(out[:10] == -1.0)


def test_reject_outside_ball_stops_when_full():
    """When ``out`` fills up the kernel stops and returns its length."""
    normals = np.random.default_rng(4).standard_normal((100, 3))
    out = np.empty((5, 3))
    assert reject_outside_ball(normals, 1.0, 100.0, out, 0) == 5
    np.testing.assert_array_equal(out, normals[:5])


@pytest.mark.parametrize("v_esc", [250.0, 550.0])
def test_all_samples_inside_ball(v_esc):
    """Every sampled velocity obeys the escape cut."""
    v = sample_truncated_maxwellian(np.random.default_rng(1), 2000, V0, v_esc)
    assert np.all(np.einsum("ij,ij->i", v, v) < v_esc**2)

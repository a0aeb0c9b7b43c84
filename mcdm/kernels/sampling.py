"""Numba kernels for sampling halo velocities.

The truncated isotropic Maxwellian of the Standard Halo Model (digest 004 §2.7),
f(v) ∝ exp(-v²/v0²) for |v| < v_esc, has Cartesian components that are independent normals of
standard deviation v0/√2 before the cut; the cut is applied by rejection (acceptance
erf(z) - 2 z exp(-z²)/√π = 0.994 for z = v_esc/v0 = 2.5).

Two implementations were measured (scripts/bench_halo.py, one core, 10^7 velocities):

* :func:`sample_truncated_maxwellian` takes the caller's ``numpy.random.Generator`` and draws
  normals inside the kernel (numba reproduces NumPy's ziggurat exactly, so the compiled kernel,
  its pure-Python ``py_func`` and ``NUMBA_DISABLE_JIT=1`` all give the same samples): ~4.7e7/s;
* drawing a block of normals with NumPy and rejecting in :func:`reject_outside_ball`: ~2.8e7/s.

:class:`mcdm.source.halo.StandardHaloModel` uses the first; the second is kept for the benchmark
and for callers that already hold a block of normals.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT

__all__ = ["sample_truncated_maxwellian", "sample_truncated_maxwellian_shell", "reject_outside_ball"]


@numba.njit(**JIT)
def sample_truncated_maxwellian(rng, n, v0, v_esc):
    """Draw ``n`` velocities from f ∝ exp(-|v|²/v0²), |v| < v_esc (isotropic, galactic frame).

    Parameters
    ----------
    rng : numpy.random.Generator
        Advanced in place (3 standard normals per trial).
    n : int
        Number of accepted velocities.
    v0 : float
        Most probable speed of the untruncated Maxwellian [km/s].
    v_esc : float
        Escape speed, sharp cut [km/s].

    Returns
    -------
    ndarray, shape (n, 3)
        Velocities [km/s].
    """
    return sample_truncated_maxwellian_shell(rng, n, v0, 0.0, v_esc)


@numba.njit(**JIT)
def sample_truncated_maxwellian_shell(rng, n, v0, v_min, v_esc):
    """Draw ``n`` velocities from f ∝ exp(-|v|²/v0²) restricted to v_min <= |v| < v_esc.

    With ``v_min = 0`` this is the truncated Maxwellian of the SHM (same stream as
    :func:`sample_truncated_maxwellian`); a positive ``v_min`` importance-samples the part of the
    halo above a kinematic threshold (the caller multiplies by the probability of that shell).

    Parameters
    ----------
    rng : numpy.random.Generator
        Advanced in place (3 standard normals per trial).
    n : int
        Number of accepted velocities.
    v0, v_min, v_esc : float
        Most probable speed, lower cut and escape speed [km/s].

    Returns
    -------
    ndarray, shape (n, 3)
        Velocities [km/s].
    """
    out = np.empty((n, 3), dtype=np.float64)
    sigma = v0 / math.sqrt(2.0)  # exp(-v²/v0²) = exp(-v²/(2σ²)) per component
    v2max = v_esc * v_esc
    v2min = v_min * v_min
    i = 0
    while i < n:
        x = sigma * rng.standard_normal()
        y = sigma * rng.standard_normal()
        z = sigma * rng.standard_normal()
        r2 = x * x + y * y + z * z
        if r2 < v2max and r2 >= v2min:
            out[i, 0] = x
            out[i, 1] = y
            out[i, 2] = z
            i += 1
    return out


@numba.njit(**JIT)
def reject_outside_ball(normals, sigma, v_esc, out, start):
    """Scale rows of ``normals`` by ``sigma`` and copy those with norm < ``v_esc`` into ``out``.

    Parameters
    ----------
    normals : ndarray, shape (m, 3)
        Standard normal deviates [dimensionless].
    sigma : float
        Per-component standard deviation, v0/√2 [km/s].
    v_esc : float
        Escape speed [km/s].
    out : ndarray, shape (n, 3)
        Filled in place from row ``start`` on [km/s].
    start : int
        First row of ``out`` to fill.

    Returns
    -------
    int
        Index of the first row of ``out`` still unfilled (``n`` when full).
    """
    v2max = v_esc * v_esc
    n = out.shape[0]
    i = start
    for k in range(normals.shape[0]):
        if i >= n:
            break
        x = sigma * normals[k, 0]
        y = sigma * normals[k, 1]
        z = sigma * normals[k, 2]
        if x * x + y * y + z * z < v2max:
            out[i, 0] = x
            out[i, 1] = y
            out[i, 2] = z
            i += 1
    return i

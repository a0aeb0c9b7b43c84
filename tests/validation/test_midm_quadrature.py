"""The seed-004 next-event Monte Carlo against an independent deterministic quadrature.

Monte Carlo: :mod:`mcdm.scenarios.midm` (galactic velocities above v_cut, log-uniform q² CM angles,
exact CM → lab map of :mod:`mcdm.kernels.kinematics`, rate = weight_scale × mean weight).
Quadrature: :mod:`mcdm.scenarios.midm_quadrature`, the lab-frame form of digest 004 §8.2 item 2
(Gauss–Legendre over χ₂ direction, incoming speed, lab angle and azimuth; θ_lab ≤ θ_max, both
branches, J_±, cos θ_cm,± and v_out,± of :mod:`mcdm.physics.kinematics`; escape cut solved
analytically; n_χ V_D and the fully normalised Maxwellian, no p_cut). The two share only the
cross-section kernel, the CM speeds V, u and q²(cos θ_cm) of mcdm.kernels.kinematics (which
mcdm.physics.kinematics builds on), the onion shells, the frames and the ray–ball intersection.

Tolerance: |MC − quadrature| < 3σ_MC and < 2 %, per (time bin, isotope), at the bins of the
daily maximum and minimum of Gran Sasso, δ = 15 keV (²⁷Al, ⁵⁶Fe), and at δ = 100 keV (⁵⁶Fe). The
quadrature's own error (node doubling) is < 0.1 % at the default nodes (checked in the slow test).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mcdm
from mcdm.config import config_from_dict, config_to_dict, load_config
from mcdm.scenarios.midm import compile_job, per_bin_rates, simulate_shard
from mcdm.scenarios.midm_quadrature import quadrature_convergence, rate_quadrature

DEFAULT_TOML = str(Path(mcdm.__file__).parent / "config" / "defaults" / "midm_gran_sasso.toml")
COARSE = (8, 12, 10, 8, 4)


def _job(delta: str, samples: int):
    data = config_to_dict(load_config(DEFAULT_TOML))
    data["midm"]["delta"] = delta
    data["run"]["samples"] = samples
    cfg = config_from_dict(data)
    job, context = compile_job(cfg)
    return job, context, cfg


def _mc(job, bins):
    """MC isotope rates and errors [s^-1] in the given bins only (the kernel scores bins independently)."""
    sub = job._replace(u_earth=job.u_earth[bins], rotations=job.rotations[bins])
    total = simulate_shard(sub, 0)
    for shard in range(1, sub.n_shards):
        total = total + simulate_shard(sub, shard)
    rates = per_bin_rates(sub, total)
    return rates["isotope"], rates["isotope_err"]


@pytest.fixture(scope="module")
def gs15():
    job, context, cfg = _job("15 keV", 2_000_000)
    al = context["names"].index("Al27")
    daily = [rate_quadrature(job, t, al, COARSE, cfg.halo.rho) for t in range(job.u_earth.shape[0])]
    bins = [int(np.argmax(daily)), int(np.argmin(daily))]
    rate, err = _mc(job, bins)
    return job, context, cfg, bins, rate, err


@pytest.fixture(scope="module")
def gs100():
    job, context, cfg = _job("100 keV", 1_000_000)
    bins = [0]
    rate, err = _mc(job, bins)
    return job, context, cfg, bins, rate, err


def _compare(run, which, isotope):
    job, context, cfg, bins, rate, err = run
    i = context["names"].index(isotope)
    quad = rate_quadrature(job, bins[which], i, rho_chi=cfg.halo.rho)
    mc, sigma = rate[which, i], err[which, i]
    assert sigma < 0.02 * mc, f"MC error {sigma / mc:.2%} too large for the comparison"
    assert abs(mc - quad) < 3.0 * sigma, f"MC/quad = {mc / quad:.4f} ± {sigma / quad:.4f}"
    assert abs(mc / quad - 1.0) < 0.02


@pytest.mark.validation
@pytest.mark.parametrize("which", [0, 1], ids=["daily_max", "daily_min"])
@pytest.mark.parametrize("isotope", ["Al27", "Fe56"])
def test_mc_equals_quadrature_15kev(gs15, which, isotope):
    _compare(gs15, which, isotope)


@pytest.mark.validation
def test_mc_equals_quadrature_100kev_fe56(gs100):
    _compare(gs100, 0, "Fe56")


def test_daily_extremes_are_far_apart(gs15):
    # the bins compared are the Al27 maximum and minimum of the day (digest 004 Fig. 5a: ~40x swing)
    job, context, cfg, bins, rate, err = gs15
    assert bins[0] != bins[1]
    assert rate[0].sum() > 10.0 * rate[1].sum()


def test_density_recovered_from_weight_scale(gs15):
    # without rho_chi the quadrature reads n_chi from weight_scale / p_cut: the same number
    job, context, cfg, bins, rate, err = gs15
    i = context["names"].index("Fe56")
    explicit = rate_quadrature(job, bins[0], i, COARSE, cfg.halo.rho)
    assert rate_quadrature(job, bins[0], i, COARSE) == pytest.approx(explicit, rel=1e-12)


def test_quadrature_without_jit_matches_compiled():
    """The whole quadrature (kernels and physics) in NUMBA_DISABLE_JIT=1 mode on a tiny grid."""
    code = (
        "from mcdm.config import load_config\n"
        "from mcdm.scenarios.midm import compile_job\n"
        "from mcdm.scenarios.midm_quadrature import rate_quadrature\n"
        f"job, ctx = compile_job(load_config({DEFAULT_TOML!r}))\n"
        "print(repr(rate_quadrature(job, 3, ctx['names'].index('Al27'), (2, 3, 3, 2, 2))))\n"
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    job, context = compile_job(load_config(DEFAULT_TOML))
    compiled = rate_quadrature(job, 3, context["names"].index("Al27"), (2, 3, 3, 2, 2))
    assert float(proc.stdout.strip().splitlines()[-1]) == pytest.approx(compiled, rel=1e-10)
    assert compiled > 0.0


@pytest.mark.slow
@pytest.mark.validation
def test_quadrature_converged_at_default_nodes(gs15):
    # the slowest-converging cell (Fe56 at the daily minimum): doubling every node count changes < 0.1 %
    job, context, cfg, bins, rate, err = gs15
    conv = quadrature_convergence(job, bins[1], context["names"].index("Fe56"), rho_chi=cfg.halo.rho)
    assert conv.error < 1e-3 * conv.rate

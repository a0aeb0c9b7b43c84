"""Dark-forest line statistics against independent numbers (digest 002 §14 items 11, 15).

* tau ∝ calA: the tau_0 distribution at calA_2 is the one at calA_1 with tau_0 scaled by calA_2/calA_1,
  bin for bin and exactly, with the same seed; the width distribution is identical (exact).
* Convergence (Appendix D): the Poisson relative errors of the distributions shrink by sqrt(100/1000)
  from 100 to 1000 sightlines (tolerance 10 % on the median ratio), and the bin means agree
  (chi^2/dof < 2).
* Mean absorbers per sightline = integral of dN/dz within 4 standard errors.
Cheap setup: M_min = 1e10 M_sun/h, z = 3 -> 0 (~400 absorbers, ~1e5 channels per sightline).
"""
from __future__ import annotations

import numpy as np
import pytest

from mcdm.config import config_from_dict
from mcdm.scenarios import forest


def _job(sightlines: int, seed: int = 3, calA: float = 1.0, shards: int = 1):
    doc = {"run": {"name": "v", "scenario": "forest", "seed": seed, "shards": shards},
           "site": {"name": "lngs"},
           "forest": {"sightlines": sightlines, "m_min": 1e10, "z_max": 3.0, "spectra_written": 0,
                      "windows": [3.0, 2.0, 2.0, 1.0], "radiative_coupling": calA,
                      "tau_bins": [1e-4, 1.0, 16], "width_bins": [1e5, 1e9, 16]}}
    return forest.compile_job(config_from_dict(doc))[0]


def _total(job):
    parts = [forest.simulate_shard(job, k) for k in range(job.n_shards)]
    out = parts[0]
    for p in parts[1:]:
        out = out + p
    return out


def test_tau0_distribution_scales_with_calA_exactly() -> None:
    a = _total(_job(20, calA=1.0))
    b = _total(_job(20, calA=37.5))
    assert np.array_equal(b.hist.tau_edges, 37.5 * a.hist.tau_edges)
    assert np.array_equal(a.hist.counts_tau, b.hist.counts_tau)
    assert np.array_equal(a.hist.counts_width, b.hist.counts_width)
    assert a.hist.counts_tau.sum() > 1000  # not an empty comparison


def test_absorbers_per_sightline_is_the_integral_of_dN_dz() -> None:
    job = _job(100, seed=11)
    total = _total(job)
    st = total.hist.absorber_stats()
    assert abs(st["mean"] - job.sampler.mean_absorbers) < 4.0 * st["error"]
    s = job.sampler
    for i, (hi, lo) in enumerate(job.windows):
        expected = np.interp(hi, s.z_nodes, s.cum_N) - np.interp(lo, s.z_nodes, s.cum_N)
        assert abs(st["window_mean"][i] - expected) < 4.0 * st["window_error"][i]


def test_error_bars_shrink_as_sqrt_of_the_number_of_sightlines() -> None:
    small = _total(_job(100, seed=21)).hist
    large = _total(_job(1000, seed=22, shards=2)).hist
    for which in ("tau", "width"):
        d1, d2 = small.distribution(which), large.distribution(which)
        ok = (d1["mean"] * small.n_sightlines >= 30) & (d2["mean"] > 0)
        assert ok.sum() >= 6
        ratio = (d2["poisson"][ok] / d2["mean"][ok]) / (d1["poisson"][ok] / d1["mean"][ok])
        assert np.median(ratio) == pytest.approx(np.sqrt(100 / 1000), rel=0.1)
        # relative Poisson error of the distribution: sqrt(N_bin)/N_LoS over N_bin/N_LoS
        assert np.allclose(d2["poisson"][ok], np.sqrt(d2["mean"][ok] / large.n_sightlines))
        chi2 = np.sum((d1["mean"][ok] - d2["mean"][ok]) ** 2 / (d1["poisson"][ok] ** 2 + d2["poisson"][ok] ** 2))
        assert chi2 / ok.sum() < 2.0

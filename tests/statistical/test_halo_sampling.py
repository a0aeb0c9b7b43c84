"""Statistical tests of StandardHaloModel.sample against the analytic distributions.

References: the analytic galactic speed CDF (digest 004 §2.7 normalisation N) and the closed-form
lab-frame speed pdf, η and <v> of mcdm.source.halo, themselves checked against quadrature in
tests/unit/test_halo.py. Fixed seeds; a test fails with probability ~1e-3 for a correct sampler.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from mcdm.source.halo import StandardHaloModel

SHM = StandardHaloModel()
N = 1_000_000


@pytest.fixture(scope="module")
def samples() -> np.ndarray:
    return SHM.sample(N, np.random.default_rng(20231213))


def test_galactic_speed_histogram_chi2(samples):
    """Sampled |v_gal| histogram (50 bins in [0, v_esc]) vs analytic CDF: χ² p > 1e-3."""
    speeds = np.linalg.norm(samples, axis=1)
    edges = np.linspace(0.0, SHM.v_esc, 51)
    observed, _ = np.histogram(speeds, bins=edges)
    expected = N * np.diff(SHM.speed_cdf(edges))
    assert observed.sum() == N
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    p = stats.chi2.sf(chi2, df=len(observed) - 1)
    assert p > 1e-3, f"chi2 = {chi2:.1f} for {len(observed) - 1} dof, p = {p:.2e}"


def test_isotropy(samples):
    """cos θ about each axis is uniform: Kolmogorov-Smirnov p > 1e-3, and mean vector ~ 0 (5σ)."""
    speeds = np.linalg.norm(samples, axis=1)
    for k in range(3):
        cos = samples[:, k] / speeds
        assert stats.kstest(cos[:200_000], "uniform", args=(-1.0, 2.0)).pvalue > 1e-3
    sigma_mean = samples.std(axis=0) / np.sqrt(N)
    assert np.all(np.abs(samples.mean(axis=0)) < 5 * sigma_mean)


def test_lab_speed_histogram_chi2(samples):
    """Boosted |v_gal - u_E| vs bin integrals of lab_speed_pdf (u_E = 232 km/s): p > 1e-3."""
    u_vec = np.array([11.1, 232.2, 7.3])
    u = float(np.linalg.norm(u_vec))
    lab = np.linalg.norm(samples - u_vec, axis=1)
    edges = np.linspace(0.0, SHM.v_esc + u, 41)
    observed, _ = np.histogram(lab, bins=edges)
    expected = np.array([
        integrate.quad(lambda v: SHM.lab_speed_pdf(v, u), a, b, epsrel=1e-10)[0]
        for a, b in zip(edges[:-1], edges[1:])
    ]) * N
    mask = expected > 5.0
    chi2 = float(np.sum((observed[mask] - expected[mask]) ** 2 / expected[mask]))
    p = stats.chi2.sf(chi2, df=int(mask.sum()) - 1)
    assert p > 1e-3, f"chi2 = {chi2:.1f} for {mask.sum() - 1} dof, p = {p:.2e}"


def test_moments_in_lab_frame(samples):
    """Sample <|v|> and <1/|v|> in the moving frame agree with mean_speed and η(0) within 4σ."""
    u_vec = np.array([17.92, 218.04, 33.19])  # digest 004 §2.7, u_E on 2000-01-01
    u = float(np.linalg.norm(u_vec))
    lab = np.linalg.norm(samples - u_vec, axis=1)
    inv = 1.0 / lab
    assert abs(lab.mean() - SHM.mean_speed(u)) < 4 * lab.std() / np.sqrt(N)
    assert abs(inv.mean() - SHM.eta(0.0, u)) < 4 * inv.std() / np.sqrt(N)
    above = np.where(lab > 300.0, inv, 0.0)
    assert abs(above.mean() - SHM.eta(300.0, u)) < 4 * above.std() / np.sqrt(N)

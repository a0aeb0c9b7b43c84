"""Importance sampling of the halo above a threshold speed (used by the seed-004 estimator).

Reference: the analytic galactic speed CDF of the truncated SHM (mcdm.source.halo, itself checked
against quadrature); the conditional CDF above v_min is (F(v) - F(v_min)) / (1 - F(v_min)).
"""
import numpy as np
import pytest
from scipy import stats

from mcdm.source import StandardHaloModel


@pytest.mark.parametrize("v_min", [150.0, 354.0, 489.0])
def test_shell_samples_follow_the_conditional_speed_distribution(v_min):
    halo = StandardHaloModel()
    v = np.linalg.norm(halo.sample(50_000, np.random.default_rng(3), v_min=v_min), axis=1)
    assert v.min() >= v_min and v.max() < halo.v_esc
    p = halo.probability_above(v_min)
    cdf = lambda x: (halo.speed_cdf(x) - (1 - p)) / p  # noqa: E731
    assert stats.kstest(v, cdf).pvalue > 1e-3


def test_probability_above_matches_plain_sampling():
    halo = StandardHaloModel()
    v = np.linalg.norm(halo.sample(400_000, np.random.default_rng(4)), axis=1)
    p = halo.probability_above(354.0)
    frac = np.mean(v >= 354.0)
    assert abs(frac - p) < 4 * np.sqrt(p * (1 - p) / v.size)
    assert halo.probability_above(0.0) == pytest.approx(1.0)
    assert halo.probability_above(600.0) == 0.0

"""Defensive mixture sampling of halo velocities (mcdm.source.importance).

If the density q used in the weights were not the density the sampler draws from, the weighted
means below would be biased: E_q[w h] = E_f[h] for several h, with f sampled independently.
"""
import numpy as np
import pytest

from mcdm.errors import ConfigError
from mcdm.source import StandardHaloModel
from mcdm.source.importance import LabIsotropicMixture

HALO = StandardHaloModel(v0=220.0, v_esc=550.0)
BOOST = (11.1, 232.2, 7.3)


@pytest.fixture(scope="module")
def draws():
    mix = LabIsotropicMixture(HALO, BOOST, v_min=100.0, halo_fraction=0.3)
    v, w = mix.sample(300_000, np.random.default_rng(5))
    ref = HALO.sample(300_000, np.random.default_rng(6), v_min=100.0)
    return mix, v, w, ref


@pytest.mark.parametrize("h", [
    lambda v: np.ones(len(v)),
    lambda v: np.linalg.norm(v, axis=1),
    lambda v: v[:, 1],
    lambda v: (v[:, 2] > 0) * v[:, 2] ** 2,
    lambda v: np.linalg.norm(v - np.asarray(BOOST), axis=1) ** 3 / 1e6,
])
def test_weighted_means_equal_halo_means(draws, h):
    _, v, w, ref = draws
    x, y = w * h(v), h(ref)
    err = np.hypot(x.std() / np.sqrt(len(x)), y.std() / np.sqrt(len(y)))
    assert abs(x.mean() - y.mean()) < 4.0 * err + 1e-12


def test_weights_are_bounded_and_zero_outside_the_halo(draws):
    mix, v, w, _ = draws
    s = np.linalg.norm(v, axis=1)
    assert w.max() <= 1.0 / mix.halo_fraction + 1e-12
    assert np.all(w[(s >= HALO.v_esc) | (s < 100.0)] == 0.0)
    assert np.all(w[(s < HALO.v_esc) & (s >= 100.0)] > 0.0)


def test_alpha_one_is_plain_halo_sampling():
    mix = LabIsotropicMixture(HALO, BOOST, v_min=50.0, halo_fraction=1.0)
    v, w = mix.sample(1000, np.random.default_rng(9))
    np.testing.assert_array_equal(v, HALO.sample(1000, np.random.default_rng(9), v_min=50.0))
    assert np.all(w == 1.0)


def test_bad_fraction_is_rejected():
    with pytest.raises(ConfigError, match="halo_fraction"):
        LabIsotropicMixture(HALO, BOOST, halo_fraction=0.0)

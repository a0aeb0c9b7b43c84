"""mcdm.forest.sightline: the dark-forest event generator (Eq. 18-19 sampling, grid, deposition)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from mcdm.errors import ConfigError
from mcdm.forest.line import LineModel
from mcdm.forest.line_table import build_line_table
from mcdm.forest.sightline import SightlineSampler, sightline_generator
from mcdm.forest.statistics import find_lines

GRID = dict(log10_M=np.linspace(9.0, 15.0, 25), z=np.linspace(0.0, 3.0, 13))


@pytest.fixture(scope="module")
def model() -> LineModel:
    return LineModel(case="collisionless")


@pytest.fixture(scope="module")
def sampler(model: LineModel) -> SightlineSampler:
    return SightlineSampler.build(build_line_table(model, **GRID), model.halos, z_min=0.0, z_max=3.0,
                                  M_min=1e10, M_max=1e15)


def test_same_seed_and_index_give_the_same_sightline(sampler: SightlineSampler) -> None:
    a, b = sampler.sightline(5, 3), sampler.sightline(5, 3)
    assert np.array_equal(a.absorbers.z, b.absorbers.z) and np.array_equal(a.absorbers.M, b.absorbers.M)
    assert np.array_equal(a.tau, b.tau)
    c = sampler.sightline(5, 4)
    assert c.absorbers.z.size != a.absorbers.z.size or not np.array_equal(c.absorbers.z, a.absorbers.z)


def test_tau_is_exactly_proportional_to_calA(sampler: SightlineSampler) -> None:
    one = sampler.sightline(9, 0)
    other = sampler.with_coupling(3.7).sightline(9, 0)
    assert np.array_equal(one.tau_unit, other.tau_unit)  # sampling never depends on calA
    assert np.array_equal(other.tau, 3.7 * one.tau_unit)
    p1 = find_lines(one.tau_unit, sampler.ln_nu_lo, sampler.dln, sampler.nu_star, scale=1.0)
    p2 = find_lines(other.tau_unit, sampler.ln_nu_lo, sampler.dln, sampler.nu_star, scale=3.7)
    assert np.array_equal(p1.width, p2.width) and np.array_equal(p2.tau0, 3.7 * p1.tau0)


def test_mean_absorber_count_is_the_integral_of_dN_dz(sampler: SightlineSampler, model: LineModel) -> None:
    # independent number: Simpson's rule on a finer z grid (and finer ln M grid) of the halos
    # module's Eq. (18)
    zz = np.linspace(0.0, 3.0, 121)
    expected = float(integrate.simpson(model.halos.dN_dz(zz, 1e10, 1e15, points_per_decade=64), x=zz))
    assert sampler.mean_absorbers == pytest.approx(expected, rel=2e-3)
    counts = np.array([sampler.draw(sightline_generator(1, i)).z.size for i in range(300)])
    poisson = np.sqrt(expected / counts.size)
    assert abs(counts.mean() - expected) < 4.0 * poisson
    # Bernoulli bins with p <= 0.01: the count is binomial, variance = mean (1 - p) ~ mean
    assert counts.var(ddof=1) / counts.mean() == pytest.approx(1.0, abs=0.25)


def test_redshifts_follow_dN_dz_and_impact_parameters_are_area_uniform(sampler: SightlineSampler) -> None:
    ab = [sampler.draw(sightline_generator(2, i)) for i in range(20)]
    z = np.concatenate([a.z for a in ab])
    alpha = np.concatenate([a.alpha for a in ab])
    cdf = lambda x: np.interp(x, sampler.z_nodes, sampler.cum_N) / sampler.mean_absorbers  # noqa: E731
    assert stats.kstest(z, cdf).pvalue > 1e-3
    assert stats.kstest(alpha**2, "uniform").pvalue > 1e-3


def test_masses_follow_eq19(sampler: SightlineSampler, model: LineModel) -> None:
    """Mean log10 M of absorbers in 1.0 <= z < 1.5 against the Eq. (19) weight at the sampled z."""
    ab = [sampler.draw(sightline_generator(3, i)) for i in range(60)]
    z = np.concatenate([a.z for a in ab])
    lm = np.log10(np.concatenate([a.M for a in ab]))
    sel = (z >= 1.0) & (z < 1.5)
    ln_m = np.linspace(np.log(1e10), np.log(1e15), 400)
    zz = np.linspace(1.0, 1.5, 6)
    w = model.halos.dN_dz_dlnM(np.exp(ln_m)[None, :], zz[:, None]).sum(axis=0)
    mean = float(np.sum(w * ln_m / np.log(10)) / np.sum(w))
    sd = float(np.sqrt(np.sum(w * (ln_m / np.log(10) - mean) ** 2) / np.sum(w)))
    assert abs(lm[sel].mean() - mean) < 4.0 * sd / np.sqrt(sel.sum())


def test_grid_resolves_every_line_and_deposition_keeps_the_equivalent_width(sampler: SightlineSampler) -> None:
    sl = sampler.sightline(4, 0)
    ln = sl.absorbers.lines
    channels_per_width = ln.width / ln.center / sampler.dln
    assert channels_per_width.min() >= sampler.channels_per_width * (1 - 1e-6)
    edges = sampler.nu_edges
    total = float(np.sum(sl.tau_unit * np.diff(edges)))
    assert total == pytest.approx(float(ln.ew.sum()), rel=1e-3)
    assert abs(total / ln.ew.sum() - 1.0) < 1e-9  # EW conserved to rounding (lines are inside the grid)


def test_bad_inputs_are_refused(model: LineModel) -> None:
    table = build_line_table(model, **GRID)
    with pytest.raises(ConfigError):
        SightlineSampler.build(table, model.halos, z_max=5.0, M_min=1e10)  # beyond the table's z
    with pytest.raises(ConfigError):
        SightlineSampler.build(table, model.halos, z_max=3.0, M_min=1e8)  # below the table's M
    with pytest.raises(ConfigError):
        SightlineSampler.build(table, model.halos, z_max=3.0, M_min=1e10, p_bin=0.5)

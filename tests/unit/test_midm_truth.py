"""The Monte Carlo truth sampler of the seed-004 catalog (mcdm.scenarios.midm_truth) on the default job.

Checks are geometric and kinematic facts independent of the sampler: the scatter point lies in its
layer, so |r_D| − R_layer <= L <= |r_D| + R_layer; most events fly farther than the 1.4 km
overburden (the rate ∝ chord length, and only upward rays are short); χ₂ is slower than the incoming
χ but for m_χ ≫ m_N at most by (m_χ − m_N)/(m_χ + m_N), and the incoming speed is above the
isotope's threshold √(2δ/μ); the resampled speeds follow the weighted (not the raw) history
distribution; the sampler is deterministic and draws nothing from the catalog's own stream.
"""
import tomllib
from pathlib import Path

import numpy as np
import pytest

from mcdm.config import config_from_dict
from mcdm.scenarios.midm import compile_job, kernel_arguments, kinematic_thresholds, rate_tally, simulate_shard
from mcdm.scenarios.midm_truth import TRUTH_COLUMNS, make_truth_sampler

DEFAULT = Path(__file__).resolve().parents[2] / "mcdm" / "config" / "defaults" / "midm_gran_sasso.toml"
SPEED, FLIGHT = TRUTH_COLUMNS


@pytest.fixture(scope="module")
def compiled():
    doc = tomllib.loads(DEFAULT.read_text(encoding="utf-8"))
    doc["time"]["bins"] = 3
    doc["run"].update(samples=3000, shards=1)
    cfg = config_from_dict(doc)
    job, context = compile_job(cfg)
    return cfg, job, context


def _present(job):
    """(isotope, layer) cells with density somewhere in the Earth model."""
    n_iso = job.iso_mass.shape[0]
    return [(i, l) for i in range(n_iso) for l in range(job.n_layers)
            if np.any(job.onion[:, i * job.n_layers + l] != 0.0)]


def _events(job, per_cell, seed=0):
    cells = _present(job)
    rng = np.random.default_rng(seed)
    n_bins = job.u_earth.shape[0]
    rows = [(t, i, l) for t in range(n_bins) for (i, l) in cells for _ in range(per_cell)]
    rows = np.array(rows, dtype=np.int64)[rng.permutation(len(rows))]
    return rows[:, 0], (rows[:, 1], rows[:, 2])


def test_shapes_empty_and_determinism(compiled):
    cfg, job, _ = compiled
    sampler = make_truth_sampler(job, cfg.run.seed)
    empty = np.zeros(0, dtype=np.int64)
    out = sampler(empty, (empty, empty), 0, np.random.default_rng(1))
    assert set(out) == set(TRUTH_COLUMNS) and all(v.shape == (0,) for v in out.values())
    bins, cats = _events(job, 6)
    n = bins.size
    rng = np.random.default_rng(4)
    a = sampler(bins, cats, n, rng)
    assert a[SPEED].shape == a[FLIGHT].shape == (n,)
    # the catalog's own stream is untouched: the next draw equals a fresh generator's
    assert rng.random() == np.random.default_rng(4).random()
    b = make_truth_sampler(job, cfg.run.seed)(bins, cats, n, np.random.default_rng(4))
    for name in TRUTH_COLUMNS:
        np.testing.assert_array_equal(a[name], b[name])
    c = sampler(bins, cats, n, np.random.default_rng(5))
    d = make_truth_sampler(job, cfg.run.seed + 1)(bins, cats, n, np.random.default_rng(4))
    assert not np.array_equal(a[SPEED], c[SPEED]) and not np.array_equal(a[SPEED], d[SPEED])


def test_speeds_and_flights_are_physical(compiled):
    cfg, job, context = compiled
    bins, (iso, layer) = _events(job, 40)
    out = make_truth_sampler(job, cfg.run.seed)(bins, (iso, layer), bins.size, np.random.default_rng(2))
    speed, flight = out[SPEED], out[FLIGHT]
    assert np.all(np.isfinite(speed)) and np.all(np.isfinite(flight))
    thresholds = kinematic_thresholds(context["model"], job.iso_mass)
    v_max = job.v_esc + np.linalg.norm(job.u_earth, axis=1).max()
    m_chi = job.m_chi
    for i in np.unique(iso):
        s = speed[iso == i]
        m_n = job.iso_mass[i]
        assert s.min() >= thresholds[i] * (m_chi - m_n) / (m_chi + m_n) and s.max() < v_max
        assert np.mean(s > thresholds[i]) > 0.95, context["names"][i]
    r_det = np.linalg.norm(job.detector_position)
    overburden = job.outer_radii[-1] - r_det
    assert overburden == pytest.approx(1.4, abs=0.1)
    layer_of_shell = [next(l for l in range(job.n_layers) if np.any(job.onion[k, l::job.n_layers] != 0.0))
                      for k in range(job.outer_radii.size)]
    for l in np.unique(layer):
        r_outer = max(r for r, ll in zip(job.outer_radii, layer_of_shell) if ll == l)
        f = flight[layer == l]
        assert np.all(f >= r_det - r_outer - 1e-6) and np.all(f <= r_det + r_outer + 1e-6)
    assert np.mean(flight > overburden) > 0.98


def test_cell_without_density_gives_nan(compiled):
    cfg, job, context = compiled
    names, layers = context["names"], context["layers"]
    i, l = names.index("Al27"), layers.index("core")
    assert not np.any(job.onion[:, i * job.n_layers + l])  # no aluminium in the core
    sampler = make_truth_sampler(job, cfg.run.seed)
    out = sampler(np.array([0, 0]), (np.array([i, i]), np.array([l, layers.index("crust")])), 2,
                  np.random.default_rng(0))
    assert np.isnan(out[SPEED][0]) and np.isnan(out[FLIGHT][0])
    assert np.isfinite(out[SPEED][1]) and np.isfinite(out[FLIGHT][1])


def test_resampling_follows_the_weights(compiled):
    """SIR mean speed of 56Fe/mantle events = weighted mean of independent plain-halo histories.

    Error: k draws, the SIR pool's effective size (its proposal is the run's mixture) and the
    reference's; the raw (unweighted) mean is ~17 such errors away, so the check tells them apart.
    """
    from mcdm.kernels.next_event_truth import truth_chunk
    from mcdm.source import StandardHaloModel
    from mcdm.source.importance import LabIsotropicMixture

    cfg, job, context = compiled
    i, l, t = context["names"].index("Fe56"), context["layers"].index("mantle"), 1
    halo = StandardHaloModel(v0=job.v0, v_esc=job.v_esc)
    rng = np.random.default_rng(123)

    def ess(w):
        return w.sum() ** 2 / np.sum(w * w)

    def score(v_gal):
        w, s, _ = truth_chunk(v_gal, rng.random((v_gal.shape[0], 3)), job.u_earth[t], job.rotations[t], i, l,
                              *kernel_arguments(job))
        return w, s

    w, s = score(halo.sample(60_000, rng, v_min=job.v_cut))
    w = np.maximum(w, 0.0)
    ref = np.sum(w * np.nan_to_num(s)) / w.sum()
    raw = np.nanmean(s[w > 0])
    sd = np.sqrt(np.sum(w * (np.nan_to_num(s) - ref) ** 2) / w.sum())
    k = 1000  # the sampler's pool: M = 32 k histories from the run's proposal
    v_pool, f_over_q = LabIsotropicMixture(halo, tuple(job.boost), v_min=job.v_cut,
                                           halo_fraction=job.halo_fraction).sample(32 * k, rng)
    ess_pool = ess(np.maximum(score(v_pool)[0], 0.0) * f_over_q)
    err = sd * np.sqrt(1.0 / k + 1.0 / ess_pool + 1.0 / ess(w))
    out = make_truth_sampler(job, cfg.run.seed)(np.full(k, t), (np.full(k, i), np.full(k, l)), k,
                                                np.random.default_rng(9))
    assert abs(out[SPEED].mean() - ref) < 4.0 * err
    assert abs(raw - ref) > 10.0 * err


def test_catalog_signal_rows_get_truth(compiled):
    """Wired into synthesize_catalog (rates scaled up): every signal event has finite truth, background NaN."""
    from mcdm.synthesis import SECONDS_PER_YEAR, default_energy_window, synthesize_catalog

    cfg, job, context = compiled
    total = simulate_shard(job, 0)
    tally = rate_tally(job, context, total)
    view = tally.histogram.view()
    view["value"] *= 20.0 / (tally.values().sum() * 3600.0)  # scaled up to ~20 events in the 3 h grid
    live = 3 * 3600.0  # [s]
    window = default_energy_window(15.0)
    background = 20.0 / ((window[1] - window[0]) * live / SECONDS_PER_YEAR)  # about 20 background events
    catalog = synthesize_catalog(tally, live, np.random.default_rng(3), 15.0, detector="LNGS",
                                 background_per_keV_per_year=background,
                                 truth_sampler=make_truth_sampler(job, cfg.run.seed))
    df = catalog.df
    sig = df["is_signal"].to_numpy()
    assert sig.sum() >= 5 and (~sig).sum() >= 5
    for name in TRUTH_COLUMNS:
        assert np.all(np.isfinite(df[name].to_numpy()[sig]))
        assert np.all(np.isnan(df[name].to_numpy()[~sig]))

"""Unit tests of mcdm.tally (axes, Tally, variances, merging, serialisation)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mcdm.errors import ConfigError
from mcdm.io import FileFormatError
from mcdm.tally import (
    Tally,
    TallyError,
    energy_axis,
    hour_axis,
    isotope_axis,
    layer_axis,
    sidereal_phase_axis,
    sum_tallies,
    time_axis,
)


def _tally(n_hist: int = 0) -> Tally:
    return Tally(time_axis([0.0, 1.0, 2.0, 4.0]), energy_axis([1.0, 2.0, 4.0]),
                 isotope_axis(["O16", "Si28"]), quantity="rate", unit="s^-1",
                 n_histories=n_hist)


def test_axes_carry_names_units_and_traits():
    assert time_axis([0, 1]).metadata == {"name": "time", "label": "Time (UTC MJD)", "unit": "d"}
    assert energy_axis([1, 2], unit="MeV").metadata["unit"] == "MeV"
    h = hour_axis(24)
    assert (h.size, h.edges[0], h.edges[-1], h.metadata["unit"]) == (24, 0.0, 24.0, "h")
    ph = sidereal_phase_axis(12)
    assert ph.traits.circular and ph.edges[-1] == 1.0
    assert list(layer_axis(["core", "mantle"])) == ["core", "mantle"]
    assert isotope_axis(["O16"]).metadata["name"] == "isotope"


@pytest.mark.parametrize("edges", [[1.0], [0.0, 0.0, 1.0], [2.0, 1.0], [0.0, np.nan]])
def test_bad_edges_rejected(edges):
    with pytest.raises(ConfigError, match="energy axis edges"):
        energy_axis(edges)


def test_bad_axis_arguments_rejected():
    with pytest.raises(ConfigError, match="positive integer"):
        hour_axis(0)
    with pytest.raises(ConfigError, match="unique"):
        isotope_axis(["O16", "O16"])
    with pytest.raises(TallyError, match="unique"):
        Tally(energy_axis([0, 1]), energy_axis([0, 2]))


def test_sidereal_phase_wraps():
    t = Tally(sidereal_phase_axis(4))
    t.fill(np.array([0.1, 1.1, -0.9, 0.6]))
    assert t.values().tolist() == [3.0, 0.0, 1.0, 0.0]


def test_fill_values_and_variances_by_hand():
    """Hand numbers: bin (t0, E0, O16) gets weights 0.5 and 1.5; (t2, E1, Si28) gets 2."""
    t = _tally()
    t.fill([0.5, 0.7, 3.0, 9.0], [1.5, 1.2, 3.0, 1.5], ["O16", "O16", "Si28", "O16"],
           weight=[0.5, 1.5, 2.0, 7.0])
    t.add_histories(4)
    v = t.values()
    assert v.shape == (3, 2, 2)
    assert v[0, 0, 0] == 2.0 and v[2, 1, 1] == 2.0 and v.sum() == 4.0  # 9.0 is overflow
    w2 = t.variances("poisson")
    assert w2[0, 0, 0] == 0.5**2 + 1.5**2 and w2[2, 1, 1] == 4.0
    hv = t.variances("history")
    assert hv[0, 0, 0] == pytest.approx(2.5 - 2.0**2 / 4)
    assert hv[2, 1, 1] == pytest.approx(4.0 - 4.0 / 4)
    assert np.array_equal(t.errors("poisson"), np.sqrt(w2))
    assert t.values(flow=True).sum() == 11.0


def test_history_variance_matches_numpy():
    """Reference: numpy var/N of per-history contributions x_i (weights carry 1/N).

    Each of N histories scores at most once per bin; a history missing a bin contributes 0.
    """
    rng = np.random.default_rng(12)
    n = 5000
    x_bin = rng.integers(0, 5, size=n)                # bin each history scores into
    x = rng.exponential(2.0, size=n) * (rng.random(n) < 0.7)  # its contribution (30 % miss)
    t = Tally(energy_axis(np.arange(6.0)), quantity="mean", unit="")
    t.fill(x_bin + 0.5, weight=x / n).add_histories(n)
    per_hist = np.zeros((n, 5))
    per_hist[np.arange(n), x_bin] = x
    ref = per_hist.var(axis=0) / n                    # ddof=0 plug-in estimator
    assert np.allclose(t.values(), per_hist.mean(axis=0), rtol=1e-12)
    assert np.allclose(t.variances("history"), ref, rtol=1e-9)
    assert np.allclose(t.variances("history", ddof=1), per_hist.var(axis=0, ddof=1) / n,
                       rtol=1e-9)
    # the Poisson variance is larger here (it ignores the fixed number of histories)
    assert np.all(t.variances("poisson") > t.variances("history"))


def test_history_variance_needs_histories():
    t = _tally()
    with pytest.raises(TallyError, match="n_histories"):
        t.variances("history")
    with pytest.raises(TallyError, match="unknown variance mode"):
        t.variances("gaussian")


def _random_fill(t: Tally, rng: np.random.Generator, n: int) -> tuple:
    # weights are multiples of 1/64 so that every partial sum is exact in float64
    coords = (rng.uniform(-0.5, 4.5, n), rng.uniform(0.5, 5.0, n),
              rng.choice(["O16", "Si28", "Fe56"], n))
    w = rng.integers(1, 200, n) / 64.0
    t.fill(*coords, weight=w).add_histories(n)
    return coords, w


def test_shards_add_exactly():
    rng = np.random.default_rng(3)
    shards, all_coords, all_w = [], [], []
    for _ in range(4):
        s = _tally()
        c, w = _random_fill(s, rng, 1000)
        shards.append(s)
        all_coords.append(c)
        all_w.append(w)
    once = _tally()
    once.fill(*[np.concatenate([c[i] for c in all_coords]) for i in range(3)],
              weight=np.concatenate(all_w)).add_histories(4000)
    for total in (shards[0] + shards[1] + shards[2] + shards[3], Tally.sum(shards),
                  sum(shards), sum_tallies(shards)):
        assert total.equals(once), total.differences(once)
    assert shards[0].n_histories == 1000  # inputs untouched


def test_mismatched_shards_rejected():
    a = _tally()
    b = Tally(time_axis([0.0, 1.0, 2.0, 5.0]), energy_axis([1.0, 2.0, 4.0]),
              isotope_axis(["O16", "Si28"]), quantity="rate", unit="s^-1")
    with pytest.raises(TallyError, match="axis 0 differs"):
        a + b
    c = Tally(*a.axes, quantity="rate", unit="d^-1")
    with pytest.raises(TallyError, match="different quantities"):
        a + c
    with pytest.raises(TallyError, match="axes"):
        a + Tally(time_axis([0.0, 1.0]), quantity="rate", unit="s^-1")


def test_project_and_lookup_by_name():
    rng = np.random.default_rng(5)
    t = _tally()
    _random_fill(t, rng, 500)
    p = t.project("energy")
    assert p.names == ("energy",) and p.n_histories == t.n_histories
    full = t.values(flow=True).sum(axis=(0, 2))[1:-1]
    assert np.allclose(p.values(), full)
    assert t.project("isotope", "time").values().shape == (2, 3)
    assert t.axis("energy").metadata["unit"] == "keV"
    with pytest.raises(TallyError, match="unknown axis 'speed'"):
        t.project("speed")


def test_save_load_round_trip_exact(tmp_path):
    rng = np.random.default_rng(7)
    t = Tally(time_axis(np.linspace(51544.0, 51545.0, 25)), sidereal_phase_axis(8),
              energy_axis([0.1, 0.3, 1.7, 9.9]), layer_axis(["core", "mantle", "crust"]),
              quantity="flux", unit="cm^-2 s^-1")
    t.fill(rng.uniform(51543.9, 51545.1, 3000), rng.random(3000), rng.uniform(0, 11, 3000),
           rng.choice(["core", "mantle", "crust", "air"], 3000),
           weight=rng.lognormal(0.0, 3.0, 3000) * 1e-17)
    t.add_histories(3000)
    path = t.save(tmp_path / "sub" / "flux.json")
    back = Tally.load(path)
    assert back.equals(t), back.differences(t)
    assert back == t
    assert [a.metadata for a in back.axes] == [a.metadata for a in t.axes]
    assert back.axis("sidereal_phase").traits.circular
    assert np.array_equal(back.variances("history"), t.variances("history"))
    data = json.loads(path.read_text())
    assert data["format_version"] == 1 and data["n_histories"] == 3000
    assert [p.name for p in path.parent.iterdir()] == ["flux.json"]  # no temp file left


def test_load_rejects_bad_files(tmp_path):
    d = _tally().to_dict()
    d["format_version"] = 99
    with pytest.raises(FileFormatError, match="format_version 99"):
        Tally.from_dict(d)
    with pytest.raises(FileFormatError, match="not a serialised mcdm Tally"):
        Tally.from_dict({"kind": "something"})
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(FileFormatError, match="not a JSON Tally"):
        Tally.load(tmp_path / "bad.json")


def test_differences_detect_changes():
    a = _tally(3)
    b = a.copy()
    b.fill([0.5], [1.5], ["O16"], weight=[1e-300])
    assert not a.equals(b) and "sum of w" in a.differences(b)[0]
    assert a.equals(b, atol=1e-200)
    b.n_histories = 4
    assert any("n_histories" in d for d in a.differences(b))


def test_scaled_and_dataframe():
    t = Tally(energy_axis([1.0, 2.0, 4.0]), isotope_axis(["O16", "Si28"]),
              quantity="rate", unit="s^-1")
    t.fill([1.5, 3.0, 3.0], ["O16", "Si28", "Si28"], weight=[2.0, 1.0, 3.0]).add_histories(3)
    s = t.scaled(0.5, unit="Hz")
    assert s.unit == "Hz" and np.array_equal(s.values(), 0.5 * t.values())
    assert np.array_equal(s.sum_w2(), 0.25 * t.sum_w2())
    df = t.to_dataframe()
    assert list(df.columns) == ["energy_low [keV]", "energy_center [keV]", "energy_high [keV]",
                                "isotope", "value [s^-1]", "error [s^-1]"]
    row = df[(df["energy_low [keV]"] == 2.0) & (df["isotope"] == "Si28")]
    assert row["value [s^-1]"].item() == 4.0 and row["error [s^-1]"].item() == np.sqrt(10.0)
    assert row["energy_center [keV]"].item() == 3.0
    assert len(t.to_dataframe(flow=True)) == 4 * 3 and df.attrs["n_histories"] == 3

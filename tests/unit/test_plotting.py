"""Tests of the seed-004 figure helpers in mcdm.plotting (Figure 5 and Figure 6 styles)."""
from __future__ import annotations

import numpy as np
import pytest

from mcdm.errors import ConfigError
from mcdm.plotting import centre_peak_shift, plot_daily_totals, plot_rate_by_category

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HOURS = np.arange(24) + 0.5


def rates_and_errors(peak: int = 3):
    """Two isotopes with a peak near hour ``peak`` (Al27 dominant), and 5 % errors."""
    phase = 2 * np.pi * (HOURS - peak - 0.5) / 24
    al = 50.0 * (1.0 + 0.5 * np.cos(phase))
    fe = 5.0 * (1.0 + 0.9 * np.cos(phase)) ** 4
    rates = np.column_stack([al, fe])
    return rates, 0.05 * rates


@pytest.fixture
def captured_figures(monkeypatch):
    """Figures saved by mcdm.plotting, kept for inspection of the plotted data."""
    from matplotlib.figure import Figure

    figures = []
    original = Figure.savefig

    def spy(self, *args, **kwargs):
        figures.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    return figures


def curve(fig, label):
    """y data of the errorbar container labelled ``label`` in the figure's first axes."""
    ax = fig.axes[0]
    for container in ax.containers:
        if container.get_label() == label:
            return np.asarray(container.lines[0].get_ydata(), dtype=float)
    raise AssertionError(f"no curve {label!r}")


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 1000


def test_centre_peak_shift_moves_maximum_to_middle():
    for n, peak in [(24, 0), (24, 3), (24, 23), (24, 12), (7, 6), (1, 0)]:
        v = np.zeros(n)
        v[peak] = 1.0
        assert int(np.argmax(np.roll(v, centre_peak_shift(v)))) == n // 2
    with pytest.raises(ConfigError):
        centre_peak_shift(np.array([]))


def test_rate_by_category_writes_png(tmp_path):
    rates, errors = rates_and_errors()
    out = plot_rate_by_category(tmp_path / "fig5a.png", HOURS, rates, errors, ["Al27", "Fe56"],
                                "Gran Sasso, delta = 15 keV")
    assert out == tmp_path / "fig5a.png"
    assert_png(out)
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind


def test_centre_peak_puts_total_maximum_at_middle_index(tmp_path, captured_figures):
    rates, errors = rates_and_errors(peak=3)
    plot_rate_by_category(tmp_path / "a.png", HOURS, rates, errors, ["Al27", "Fe56"], "t",
                          centre_peak=True, log=True)
    fig = captured_figures[-1]
    total = curve(fig, "total")
    assert int(np.nanargmax(total)) == 12
    np.testing.assert_allclose(np.sort(total), np.sort(rates.sum(axis=1)))
    # the categories are rolled by the same shift
    np.testing.assert_allclose(curve(fig, "Al27") + curve(fig, "Fe56"), total)
    assert fig.axes[0].get_xlabel() == "hour (peak centred)"
    assert fig.axes[0].get_yscale() == "log"
    # without centring the peak stays where it was
    plot_rate_by_category(tmp_path / "b.png", HOURS, rates, errors, ["Al27", "Fe56"], "t")
    fig = captured_figures[-1]
    assert int(np.nanargmax(curve(fig, "total"))) == 3
    assert fig.axes[0].get_xlabel() == "hour"


def test_rate_by_category_single_category_no_errors_zero_rates_log(tmp_path):
    rates = np.r_[np.zeros(6), np.linspace(1, 10, 18)]  # zeros on a log axis leave gaps
    out = plot_rate_by_category(tmp_path / "fe.png", HOURS, rates, None, ["Fe56"],
                                "SUPL, delta = 100 keV", total=False, log=True, centre_peak=True)
    assert_png(out)


def test_rate_by_category_shape_errors(tmp_path):
    rates, errors = rates_and_errors()
    with pytest.raises(ConfigError, match="labels"):
        plot_rate_by_category(tmp_path / "x.png", HOURS, rates, errors, ["Al27"], "t")
    with pytest.raises(ConfigError, match="errors"):
        plot_rate_by_category(tmp_path / "x.png", HOURS, rates, errors[:, :1], ["a", "b"], "t")
    with pytest.raises(ConfigError, match="rates"):
        plot_rate_by_category(tmp_path / "x.png", HOURS[:-1], rates, None, ["a", "b"], "t")
    assert not (tmp_path / "x.png").exists()


def test_daily_totals_writes_png(tmp_path, captured_figures):
    delta = np.array([5.0, 15.0, 30.0, 60.0, 100.0, 150.0])
    totals = np.column_stack([[30.0, 80.0, 20.0, 2.0, 0.0, 0.0],   # Al: none above threshold
                              [0.5, 3.0, 9.0, 12.0, 6.0, 1.0]])    # Fe
    out = plot_daily_totals(tmp_path / "fig6.png", delta, totals, ["Al", "Fe"],
                            r"$\delta$ [keV]", "Gran Sasso", errors=0.1 * totals)
    assert_png(out)
    fig = captured_figures[-1]
    np.testing.assert_allclose(curve(fig, "total"), totals.sum(axis=1))
    assert fig.axes[0].get_yscale() == "log"
    gm = np.logspace(-4, -1, 5)
    out = plot_daily_totals(tmp_path / "fig6b.png", gm, np.outer(gm**2, [1.0, 2.0]), ["Al", "Fe"],
                            "$g_M$", "SUPL", logx=True, total=False)
    assert_png(out)
    assert captured_figures[-1].axes[0].get_xscale() == "log"
    with pytest.raises(ConfigError, match="logx"):
        plot_daily_totals(tmp_path / "c.png", np.array([0.0, 1.0]), np.ones((2, 1)), ["Al"],
                          "x", "t", logx=True)

"""The seed 004 MIDM scripts (Figs. 5-6, annual scan) and example configs: --quick runs into tmp_path."""
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from mcdm.config import default_config_text, load_config

from script_loader import load_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"


def test_width_measures_on_known_curves():
    fig5 = load_script("fig5_daily_modulation")
    hours = np.arange(24) + 0.5
    narrow = np.ones(24)
    narrow[11:14] = (6.0, 10.0, 6.0)  # peak at 12.5 h, floor 1
    broad = np.where(np.abs(hours - 12.5) < 5, 10.0, 1.0)  # 9 bins at 10
    assert fig5.half_max_bins(narrow) == 3 and fig5.half_max_bins(broad) == 9
    assert fig5.half_max_bins(narrow + 10.0) == 24 and fig5.half_max_bins_above_floor(narrow + 10.0) == 3
    # w = 5, 9, 5 at d = 1, 0, 1 h -> sigma^2 = 10/19
    assert fig5.rms_width_hours(narrow, hours) == pytest.approx(np.sqrt(10.0 / 19.0))
    # the circular distance: a peak in the first bin sees the last bin 1 h away
    wrap = np.roll(narrow, -12)
    assert fig5.rms_width_hours(wrap, hours) == pytest.approx(np.sqrt(10.0 / 19.0))


def test_local_exponents_recover_a_broken_power_law():
    fig6 = load_script("fig6_daily_rate_scan")
    g = np.geomspace(1e-4, 1.0, 9)
    rate = np.where(g < 1e-2, (g / 1e-2) ** 4, (g / 1e-2) ** 2)  # slope 4 below 1e-2, 2 above
    mid, slope, err = fig6.local_exponents(g, rate, 0.01 * rate)
    assert mid == pytest.approx(np.sqrt(g[:-1] * g[1:]))
    assert slope[mid < 1e-2] == pytest.approx(4.0) and slope[mid > 1e-2] == pytest.approx(2.0)
    assert err == pytest.approx(np.hypot(0.01, 0.01) / np.log(g[1] / g[0]))
    _, slope, _ = fig6.local_exponents(g, np.where(g < 1e-3, 0.0, rate))
    assert np.isnan(slope[0]) and np.isfinite(slope[-1])


@pytest.mark.parametrize("name, changed", [
    ("midm_supl.toml", {("site", "name"): "supl_efk2023", ("run", "name"): "midm-supl"}),
    ("midm_gran_sasso_100keV.toml", {("midm", "delta"): "100 keV", ("run", "name"): "midm-gran-sasso-100keV"}),
])
def test_examples_are_the_default_with_one_change(name, changed):
    path = ROOT / "examples" / name
    load_config(path)  # validates
    example, default = tomllib.loads(path.read_text()), tomllib.loads(default_config_text())
    for (section, key), value in changed.items():
        assert example[section][key] == value
        default[section][key] = value
    # same sections, and every value the example sets is the default's (keys it omits take the
    # schema defaults, so a key added to the default later does not make the example wrong)
    assert set(example) == set(default)
    for section, table in example.items():
        assert {k: default[section].get(k) for k in table} == table, section
    assert name in (ROOT / "examples" / "README.md").read_text()


def test_fig5_quick(tmp_path):
    result = load_script("fig5_daily_modulation").main(["--quick", "--out", str(tmp_path)])
    for f in ("fig5.png", "fig5a_gran_sasso_15keV.png", "fig5b_supl_15keV.png", "table.md", "summary.json"):
        assert (tmp_path / f).stat().st_size > 1000, f
    stored = json.loads((tmp_path / "summary.json").read_text())
    checks = stored["checks"]
    assert set(checks) >= {"supl_over_gs_daily_15keV", "peak_width", "supl_15keV_peak_isotope",
                           "supl_15keV_daily_isotope", "only_fe56_at_100keV"}
    # kinematics (exact): at 100 keV only Fe56 can upscatter on Jan 1, at both sites
    assert checks["only_fe56_at_100keV"]["pass"]
    # more rock upstream at SUPL: the daily rate is higher at both splittings, even with few histories
    assert checks["supl_over_gs_daily_15keV"]["value"] > 2.0
    assert checks["supl_over_gs_daily_100keV"]["value"] > 2.0
    assert len(stored["runs"]["gs_15keV"]["bins"]["total"]) == 24
    assert result["samples_per_run"] == 4000
    assert "SUPL/GS daily, 15 keV" in (tmp_path / "table.md").read_text()


def test_fig6_quick(tmp_path):
    result = load_script("fig6_daily_rate_scan").main(["--quick", "--out", str(tmp_path)])
    for f in ("fig6_delta_gran_sasso.png", "fig6_delta_supl.png", "fig6_gM_100keV_gran_sasso.png",
              "fig6_gM_100keV_supl.png", "fig6_exponent.png", "table.md", "summary.json"):
        assert (tmp_path / f).stat().st_size > 1000, f
    stored = json.loads((tmp_path / "summary.json").read_text())
    assert len(stored["delta_grid_keV"]) == 3 and len(stored["g_M_grid"]) == 3
    ex = stored["exponents"]["by_delta"]["100"]
    for site in ("gran_sasso_efk2023", "supl_efk2023"):
        slopes = np.array(ex[site]["exponent"])
        # rate ~ sigma x P(decay): between g_M^2 (decays near the scatter) and g_M^4 (decays far away)
        assert np.all((slopes > 1.0) & (slopes < 4.5)), slopes
    # g_M = 1 at 100 keV: decay length 0.16 km, far below either overburden -> the sites agree
    assert result["checks"]["site_equality_100keV"]["supl_over_gs"] == pytest.approx(1.0, abs=0.2)


def test_annual_quick(tmp_path):
    result = load_script("annual_scan").main(["--quick", "--out", str(tmp_path)])
    for f in ("annual_scan.png", "table.md", "summary.json"):
        assert (tmp_path / f).stat().st_size > 500, f
    months = json.loads((tmp_path / "summary.json").read_text())["months"]
    assert sorted(months) == ["01", "06", "12"]
    # digest 004 §10.17: |u_E| = 221.3 km/s on 2000-01-01 and 248.3 km/s on 2000-06-01 (day means here)
    assert months["01"]["mean_speed_earth_km_s"] == pytest.approx(221.3, abs=0.5)
    assert months["06"]["mean_speed_earth_km_s"] == pytest.approx(248.3, abs=0.5)
    assert result["checks"]["month_of_max_speed"] == "Jun"

"""The transport scripts (issue 6): flux and speed vs depth, daily modulation, blind spot; --quick runs into tmp_path."""
import json

from script_loader import load_script


def test_depth_profile_quick(tmp_path):
    result = load_script("transport_depth_profile").main(["--quick", "--out", str(tmp_path)])
    for f in ("depth_profile.png", "depth_profile.json", "table.md"):
        assert (tmp_path / f).stat().st_size > 500, f
    stored = json.loads((tmp_path / "depth_profile.json").read_text())
    assert stored["depths_km"] == [0.01, 1.4] and set(stored["runs"]) == {"1e-31", "1e-29"}
    weak, strong = stored["runs"]["1e-31"], stored["runs"]["1e-29"]
    # sigma_p = 1e-29 cm^2: the speed e-folds over ~230 m of rock, nothing is left at 1.4 km
    assert strong["flux_ratio"][1] == 0.0 and strong["density_ratio"][1] == 0.0
    # more rock, less flux and slower particles (the weak case still arrives at 1.4 km)
    assert weak["flux_ratio"][1] < weak["flux_ratio"][0] and 0 < weak["mean_speed"][1] < weak["mean_speed"][0]
    assert strong["flux_ratio"][0] < weak["flux_ratio"][0] + 3 * weak["flux_ratio_err"][0]
    assert result["samples_per_bin"] == 1000 and result["bins"] == 4


def test_daily_modulation_quick(tmp_path):
    result = load_script("transport_daily_modulation").main(["--quick", "--out", str(tmp_path)])
    for f in ("daily_modulation.png", "summary.json", "table.md"):
        assert (tmp_path / f).stat().st_size > 500, f
    for folder in ("transport-gran-sasso", "transport-supl"):
        assert (tmp_path / "runs" / folder / "summary.json").is_file()
    checks = result["checks"]
    assert set(checks) == {"Gran Sasso", "SUPL"}
    for label, c in checks.items():
        assert len(result["runs"][label]["bins"]["density_ratio"]) == 24
        assert result["runs"][label]["histories"] == 4000
        # flux: lowest when the wind comes through the most Earth (robust even with few histories)
        gap = abs(c["hour_of_min_flux"] - c["hour_of_lowest_wind_origin"]) % 24
        assert min(gap, 24 - gap) <= 1.0 + 1e-6
    # the apex never sets at Gran Sasso (latitude 42.5 N, declination 48.3 N); at SUPL it does
    altitude = {label: c["lowest_wind_origin_altitude_deg"] for label, c in checks.items()}
    assert altitude["Gran Sasso"] > 0 > altitude["SUPL"]


def test_blind_spot_quick(tmp_path):
    assert load_script("transport_blind_spot").main(["--quick", "--bins", "2", "--out", str(tmp_path)]) == 0
    for f in ("blind_spot.png", "blind_spot.json", "table.md"):
        assert (tmp_path / f).stat().st_size > 300, f
    data = json.loads((tmp_path / "blind_spot.json").read_text())
    assert set(data["detectors"]) == {"xenon_lngs", "germanium_surface"}
    for det in data["detectors"].values():
        rows = det["rows"]
        assert [r["m_chi_gev"] for r in rows] == [1e4, 1e6]
        for r in rows:
            assert 0 < r["sigma_low_cm2"] < r["sigma_crit_cm2"]
        # heavier DM: both edges move up (rate ~ sigma/m, stopping ~ sigma/m)
        assert rows[1]["sigma_crit_cm2"] > rows[0]["sigma_crit_cm2"]
    xe, ge = (data["detectors"][k]["rows"][0] for k in ("xenon_lngs", "germanium_surface"))
    assert ge["sigma_crit_cm2"] > xe["sigma_crit_cm2"]  # 1 m of soil stops less than 1.4 km of rock

"""The dark-atom global-signal script (seed 002 part 2): --quick runs into tmp_path (synthetic EDGES panel)."""
import json

from script_loader import load_script


def test_global_signal_figures_quick(tmp_path):
    result = load_script("seed002_global_signal").main(["--quick", "--out", str(tmp_path)])
    for f in ("fig_curves.png", "fig_tau_ff.png", "fig_dependences.png", "fig_edges_fit.png", "summary.json"):
        assert (tmp_path / f).stat().st_size > 500, f
    stored = json.loads((tmp_path / "summary.json").read_text())
    assert stored["quick"] and stored["edges"]["synthetic"]
    assert "SYNTHETIC" in stored["edges"]["label"] and "SYNTHETIC" in (tmp_path / "checks.md").read_text()
    checks = result["checks"]
    assert checks["(18) tau_ff(78 MHz) within factor 1.5 of the digest"]["holds"]
    assert checks["(16) kappa_sat(a=1, 1 MeV) = 8.38e-19 cm^3/s"]["holds"]
    assert checks["(7) fiducial demo trough 78±1 MHz, 0.3-1.0 K, FWHM 17-23 MHz"]["holds"]
    # on the synthetic spectrum (fg + flattened Gaussian + 25 mK): the Gaussian fits to the noise level,
    # the foreground alone does not
    e = stored["edges"]
    assert e["flattened_gaussian"]["linear"]["rms_K"] < 0.03 < e["foreground_only_rms_K"]["linear"]
    assert e["dm"]["best_rms_K"] <= e["foreground_only_rms_K"]["linear"]

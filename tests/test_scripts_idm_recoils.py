"""The seed-003 recoil/modulation script (issue 10): --quick into tmp_path; inelastic DM modulates
much more than elastic at 20-50 keV and peaks in early June."""
import json

from script_loader import load_script


def test_seed003_recoils_quick(tmp_path):
    result = load_script("seed003_recoils").main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "fig_recoils.png").stat().st_size > 500
    stored = json.loads((tmp_path / "summary.json").read_text())
    assert stored["units"]["s0"] == "events/(kg day keV)"
    cases = result["cases"]
    elastic = cases["SI elastic"]["probe"]
    for name in ("SI inelastic, δ = 100 keV", "axial-proton (seed 003), δ = 100 keV"):
        probe = cases[name]["probe"]
        for e in probe:
            if 15 < float(e) < 60:
                assert probe[e]["fraction"] > 3 * elastic[e]["fraction"]
                assert abs(probe[e]["phase_day"] - 152.5) < 10

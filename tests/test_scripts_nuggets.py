"""The seed-001 figure script (issue 9): --quick runs into tmp_path; the V14 flatness it reports
matches the digest's integer-k values (2.17 at v_e = 0.2, 1.99 at 0.3; 0.5 %)."""
import json

import pytest
from script_loader import load_script


def test_seed001_figures_quick(tmp_path):
    pts = tmp_path / "pts.csv"
    pts.write_text("k_MeV,k2_flux,err\n2,0.02,0.005\n10,0.015,0.004\n")
    bg = tmp_path / "bg.csv"
    bg.write_text("k_MeV,k2_flux\n1,0.003\n30,0.001\n")
    out = tmp_path / "out"
    result = load_script("seed001_figures").main(["--quick", "--out", str(out), "--comptel", str(pts),
                                                   "--background", str(bg), "--threads", "1"])
    for f in ("fig1_spectrum.png", "fig_skymap.png", "summary.json"):
        assert (out / f).stat().st_size > 500, f
    stored = json.loads((out / "summary.json").read_text())
    assert stored["flatness_integer_k_vs_v_e"]["0.2"] == pytest.approx(2.17, rel=5e-3)
    assert stored["flatness_integer_k_vs_v_e"]["0.3"] == pytest.approx(1.99, rel=5e-3)
    ratios = result["morphology_ratio_box_over_disc6"]
    assert len(ratios) == 6 and all(0 < r < 1 for r in ratios.values())
    # a cored profile spreads the emission: the box/disc ratio is closer to the paper's 1 than a cusp's
    assert ratios["burkert x constant"] > ratios["nfw x constant"] > ratios["nfw x exponential_disk"]

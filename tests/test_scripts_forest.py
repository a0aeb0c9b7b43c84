"""The dark-forest figure script (seed 002, issue 8): --quick runs into tmp_path."""
import json

import numpy as np
import pytest
from script_loader import load_script


@pytest.mark.slow  # ~20 s: two line tables and four runs
def test_forest_figures_quick(tmp_path):
    result = load_script("seed002_forest_figures").main(["--quick", "--out", str(tmp_path)])
    for f in ("fig6_tau0_distributions.png", "fig7_width_distributions.png", "fig8_dndz.png", "fig9_spectra.png",
              "fig10_calA_scaling.png", "summary.json"):
        assert (tmp_path / f).stat().st_size > 500, f
    assert "(i) more lines for lower M_min" in (tmp_path / "checks.md").read_text()
    stored = json.loads((tmp_path / "summary.json").read_text())
    assert stored["quick"] and set(stored["runs"]) == {f"{c} M_min={m}" for c in ("collisionless", "collisional")
                                                       for m in ("1e+09", "1e+10")}
    # statement (i): more lines per sightline for the lower M_min, in both windows and both cases
    assert result["checks"]["(i) more lines for lower M_min"]["holds"]
    # dN/dz falls with M_min at every z (digest §14 item 14)
    dn = stored["dndz"]["dN_dz"]
    assert np.all(np.asarray(dn["1e+09"]) > np.asarray(dn["1e+10"]))
    for run in stored["runs"].values():
        assert run["sightlines"] == 8
        assert abs(run["absorbers_per_sightline"] - run["expected_absorbers"]) < 5 * np.sqrt(
            run["expected_absorbers"] / 8)

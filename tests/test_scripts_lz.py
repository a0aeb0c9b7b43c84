"""scripts/lz_recast.py --quick writes its table, summary and figure and records its options."""
import json
import math

import numpy as np
import pytest

from script_loader import load_script


def test_lz_recast_quick(tmp_path):
    result = load_script("lz_recast").main(["--quick", "--out", str(tmp_path)])
    for name in ("table.md", "summary.json", "lz_bound.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
    stored = json.loads((tmp_path / "summary.json").read_text())
    assert stored["quick"] is True
    assert stored["options"]["default_xenon_model"] == "shell_model"
    assert set(stored["options"]["normalisations"]) == {"paper", "authors_code", "nreft"}
    assert stored["thresholds"]["NR band (16.6)"] == 16.6
    assert stored["exposure_t_days"] == pytest.approx(330.0)
    assert stored["u_E_km_s"] == pytest.approx(221.28, abs=0.01)  # 2000-01-01 (digest 004 §2.7)
    # every xenon model is evaluated at delta -> 0 and the thresholds differ by sqrt(356.39/16.6)
    assert {v["xenon_model"] for v in stored["delta0"].values()} == {"shell_model", "helm+shell_spin", "helm"}
    for v in stored["delta0"].values():
        g = v["g_M_max"]
        assert g[next(k for k in g if k.startswith("all"))] / g["NR band (16.6)"] == pytest.approx(
            math.sqrt(356.387 / 16.6), rel=1e-4)
    # spin responses add rate: shell model < helm+spin < helm in the bound
    nr = {k: v["g_M_max"]["NR band (16.6)"] for k, v in stored["delta0"].items()}
    assert nr["shell_model|paper"] < nr["helm+shell_spin|paper"] < nr["helm|paper"]
    # the bound weakens monotonically with delta (v_min grows with delta at every E_R)
    curve = stored["curves"]["shell_model"]
    g_nr = np.array(curve["g_M_max"][0], dtype=float)
    assert np.all(np.diff(g_nr) > 0)
    # the scaling from the paper's own Eq. (46) reproduces Eqs. (47)-(49) to the quoted rounding
    for row in stored["mass_bounds"].values():
        assert row["scaling_from_paper_0.0026_TeV"] / row["paper_TeV"] == pytest.approx(1.0, abs=0.03)
    assert result["shares"]["coefficient_only_share"]["c5"] > 0.8  # c5 dominates (paper Sec. 4.2)

"""The seed-003 self-interaction figure script (issue 10): --quick into tmp_path; the digest's
qualitative trend (V20: clusters interact less than dwarfs) on its numbers."""
import json

import numpy as np
import pytest
from script_loader import load_script


@pytest.mark.slow  # ~8 s of partial waves
def test_sidm_figure_quick(tmp_path):
    result = load_script("seed003_sidm_figure").main(["--quick", "--out", str(tmp_path), "--workers", "1",
                                                      "--nodes", "16"])
    assert (tmp_path / "fig_sidm.png").stat().st_size > 500
    stored = json.loads((tmp_path / "summary.json").read_text())
    assert stored["units"]["sigma_over_m"] == "cm2/g"
    left = result["left_sigma_over_m"]
    dwarfs, clusters = np.asarray(left["m_s=30 MeV, dwarfs, f=0"]), np.asarray(left["m_s=30 MeV, clusters, f=0"])
    assert np.all(dwarfs > clusters)

"""The seed-003 chi2 lifetime figure script (Fig. 6 analogue): --quick into tmp_path; its lines agree
with the digest's delta(tau) numbers (V6) and are ordered tau = 1 s > f lines > tau = t0 in delta."""
import json

import numpy as np
import pytest
from script_loader import load_script


def test_lifetime_figure_quick(tmp_path):
    result = load_script("seed003_lifetime").main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "fig_lifetime.png").stat().st_size > 500
    stored = json.loads((tmp_path / "summary.json").read_text())
    assert stored["units"]["delta"] == "eV" and stored["units"]["tau"] == "s"
    bench = result["benchmarks_m_chi_independent"]
    assert bench["m_zp=10 MeV"]["delta_tau_t0_ev"] == pytest.approx(569.0, rel=0.02)
    assert bench["m_zp=100 MeV"]["delta_tau_1s_ev"] == pytest.approx(7.30e6, rel=0.02)
    assert bench["m_zp=10 MeV"]["lifetime_s"]["delta=1000 eV"] == pytest.approx(2.59e16, rel=0.01)
    one_s, t0 = np.asarray(result["delta_lines"]["tau=1 s"]), np.asarray(result["delta_lines"]["tau=t0"])
    assert np.all(one_s > t0)
    for d in result["f_lines"].values():  # f < 1/2 needs tau of order t0: just above the tau = t0 splitting
        assert np.all((np.asarray(d) < 3 * t0) & (np.asarray(d) > 0.5 * t0))
    assert np.all(np.diff(t0) > 0)  # heavier Z' -> larger splitting for the same lifetime

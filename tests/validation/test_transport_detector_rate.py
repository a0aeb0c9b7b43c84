"""The transport scenario's detector rate ([transport] target/threshold/exposure) against the closed-form
free-halo rate where the overburden is transparent, and its suppression where it is not."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError
from mcdm.run import run


def _doc(tmp_path, name, **transport):
    return {"run": {"name": name, "scenario": "transport", "seed": 11, "samples": 20_000, "shards": 2,
                    "output_dir": str(tmp_path)},
            "site": {"name": "lngs"}, "dark_matter": {"mass": "1e5 GeV"},
            "time": {"bins": 4, "width": "6 h"},
            "transport": {"v_cut": "1 km/s", "target": "Xe", "threshold": "5 keV", "exposure": 365.25e3,
                          **transport},
            "output": {"progress": False, "plot": True}}


@pytest.mark.validation
def test_transparent_rate_equals_free_rate_and_rock_suppresses_it(tmp_path):
    out = run(config_from_dict(_doc(tmp_path, "thin", sigma_p="1e-38 cm2")))
    d = json.loads((out / "summary.json").read_text())["detector"]
    assert (out / "recoil_spectrum.json").is_file() and (out / "recoil.png").is_file()
    # per bin: MC (unbinned per-particle estimator) vs closed-form eta of the truncated SHM
    rate, err, free = (np.asarray(d[k]) for k in ("rate_per_bin", "rate_per_bin_err", "free_rate_per_bin"))
    assert np.all(err < 0.02 * rate)
    assert np.all(np.abs(rate - free) < 4 * err)
    assert d["daily_rate"] == pytest.approx(d["daily_free_rate"], rel=4 * d["daily_rate_err"] / d["daily_rate"])
    assert d["expected_events"] == pytest.approx(d["daily_rate"] * 365.25e3)
    spec = json.loads((out / "recoil_spectrum.json").read_text())
    e, dr, dr_free = (np.asarray(spec[k]) for k in ("energy_keV", "dR_dE", "dR_dE_free"))
    above = (e > 5.0) & (dr_free > 1e-3 * dr_free.max())
    np.testing.assert_allclose(dr[above], dr_free[above], rtol=0.05)
    # 1.4 km of rock at sigma_p = 1e-29 cm^2 stops (nearly) everything above threshold
    thick = json.loads((run(config_from_dict(_doc(tmp_path, "thick", sigma_p="1e-29 cm2"))) / "summary.json")
                       .read_text())["detector"]
    assert thick["suppression"] < 1e-3


def test_rate_needs_spin_independent_continuous(tmp_path):
    with pytest.raises(ConfigError, match="method = 'continuous'"):
        from mcdm.scenarios.transport import compile_job
        compile_job(config_from_dict(_doc(tmp_path, "d", sigma_p="1e-32 cm2", method="discrete",
                                          importance="none")))
    with pytest.raises(ConfigError, match="chemical formula"):
        from mcdm.scenarios.transport import compile_job
        compile_job(config_from_dict(_doc(tmp_path, "x", sigma_p="1e-32 cm2", target="xenon")))

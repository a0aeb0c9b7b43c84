"""Several couplings scored with one set of histories (mcdm.scenarios.midm.with_couplings).

g_M enters the cross section as g_M² and the lifetime as g_M⁻² (Eqs. 4–5); the kinematics and the
sampling do not depend on it, so scoring a list of couplings in one pass must give, for each, the
numbers of a separate run with that g_M in the config (to rounding).
"""
import numpy as np
import pytest

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError
from mcdm.scenarios import midm


def _job(g_m, samples=3_000):
    data = midm.point_config("c", "/tmp", samples=samples, g_M=g_m, delta_kev=30.0)
    data["time"].update(bins=4, width="6 h")
    data["run"]["shards"] = 2
    job, _ = midm.compile_job(config_from_dict(data))
    return job


def _total(job):
    return midm.simulate_shard(job, 0) + midm.simulate_shard(job, 1)


def test_many_couplings_in_one_pass_equal_separate_runs():
    g_values = [1e-3, 2e-3, 3e-2, 0.4]
    multi = midm.with_couplings(_job(2e-3), g_values)
    total = _total(multi)
    for k, g in enumerate(g_values):
        single = _job(g)
        ref = midm.per_bin_rates(single, _total(single))
        got = midm.per_bin_rates(multi, total, k)
        np.testing.assert_allclose(got["cell"], ref["cell"], rtol=1e-9, atol=0)
        np.testing.assert_allclose(got["total_err"], ref["total_err"], rtol=1e-7)
        assert got["bin_sum"] == pytest.approx(ref["bin_sum"], rel=1e-9)


def test_bad_couplings_are_rejected():
    with pytest.raises(ConfigError, match="couplings"):
        midm.with_couplings(_job(2e-3, samples=100), [1e-3, -1.0])

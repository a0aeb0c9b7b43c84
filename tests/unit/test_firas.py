"""COBE/FIRAS chi^2 of the dark-atom distortion (seed 002 part 2, digest §6.5, App. F).

The real-data test runs only when MCDM_FIRAS_FILE points to the LAMBDA ``firas_monopole_spec_v1.txt``
(nu [cm^-1], monopole [MJy/sr], residual [kJy/sr], sigma [kJy/sr], galaxy [kJy/sr]); otherwise skipped.
"""
import os

import astropy.constants as const
import numpy as np
import pytest

from mcdm.errors import ConfigError
from mcdm.forest.firas import (FirasData, distortion_intensity, firas_chi2, load_firas, planck_dBdT)
from mcdm.forest.global_signal import GlobalSignalParams, default_model

FIRAS_FILE = os.environ.get("MCDM_FIRAS_FILE")
C_GHZ_PER_CM1 = const.c.cgs.value / 1e9
NU_CM1 = np.linspace(2.27, 21.33, 43)
SIGMA = 0.02 + 0.002 * NU_CM1  # kJy/sr, FIRAS-like scale


def _synthetic(model_kjy, seed=0):
    rng = np.random.default_rng(seed)
    return model_kjy + SIGMA * rng.standard_normal(NU_CM1.shape)


def test_loader_lambda_layout_and_three_columns(tmp_path):
    res = _synthetic(np.zeros_like(NU_CM1))
    f5 = tmp_path / "firas_monopole_spec_v1.txt"
    f5.write_text("# FIRAS monopole\n# nu monopole residual sigma galaxy\n" + "\n".join(
        f"{n:.5f} {200.0:.3f} {r:.4f} {s:.4f} {1.0:.2f}" for n, r, s in zip(NU_CM1, res, SIGMA)))
    d = load_firas(f5)
    assert d.nu == pytest.approx(NU_CM1 * C_GHZ_PER_CM1, rel=1e-3)
    assert d.residual == pytest.approx(res, abs=1e-4) and d.sigma == pytest.approx(SIGMA, abs=1e-4)
    f3 = tmp_path / "three.csv"
    f3.write_text("nu_GHz, residual, sigma\n" + "\n".join(
        f"{n * C_GHZ_PER_CM1:.4f}, {r:.5f}, {s:.5f}" for n, r, s in zip(NU_CM1, res, SIGMA)))
    d3 = load_firas(f3, nu_unit="GHz")
    assert d3.nu == pytest.approx(d.nu, rel=1e-4)
    with pytest.raises(ConfigError):
        load_firas(f3, nu_unit="MHz")
    with pytest.raises(ConfigError):
        FirasData([1.0, 2.0], [0.0, 0.0], [1.0, -1.0])


def test_distortion_intensity_is_the_occupation_distortion():
    p = GlobalSignalParams(nu_star=2000e9)
    nu = np.array([100.0, 300.0])
    dn = default_model().delta_n(nu * 1e9, p)
    ref = 2 * const.h.cgs.value * (nu * 1e9) ** 3 / const.c.cgs.value**2 * dn / 1e-20
    assert distortion_intensity(nu, p) == pytest.approx(ref)
    # nothing above nu*
    assert np.all(distortion_intensity([600.0], GlobalSignalParams()) == 0.0)


def test_dBdT_against_finite_difference():
    nu = np.array([100.0, 300.0])
    h, k, c = const.h.cgs.value, const.k_B.cgs.value, const.c.cgs.value

    def B(T):
        f = nu * 1e9
        return 2 * h * f**3 / c**2 / np.expm1(h * f / (k * T)) / 1e-20

    fd = (B(2.7255 + 1e-5) - B(2.7255 - 1e-5)) / 2e-5
    assert planck_dBdT(nu, 2.7255) == pytest.approx(fd, rel=1e-6)


def test_chi2_on_synthetic_data():
    p = GlobalSignalParams(nu_star=2000e9)  # resonances at z = 2-32 across the FIRAS band
    nu = NU_CM1 * C_GHZ_PER_CM1
    m = distortion_intensity(nu, p)
    assert np.max(np.abs(m)) > 10 * SIGMA.max()  # a visible distortion
    d = FirasData(nu, _synthetic(m, seed=1), SIGMA)
    good = firas_chi2(d, p, fit_temperature=False, band_ghz=None)
    null = firas_chi2(d, p, distortion=np.zeros_like(nu), fit_temperature=False, band_ghz=None)
    assert good.n == len(nu) and firas_chi2(d, p).n == np.sum(nu <= 600.0)  # default: the 60-600 GHz band
    assert abs(good.chi2 - good.n) < 5 * np.sqrt(2 * good.n)
    assert null.chi2 > good.chi2 + 100
    # a pure temperature shift is absorbed by the fitted dT
    shift = 1e-4 * planck_dBdT(nu, default_model().th.T0)
    d2 = FirasData(nu, _synthetic(m + shift, seed=2), SIGMA)
    fit = firas_chi2(d2, p, band_ghz=None)
    assert fit.dT == pytest.approx(1e-4, rel=0.05)
    assert abs(fit.chi2 - (fit.n - 1)) < 5 * np.sqrt(2 * fit.n)
    with pytest.raises(ConfigError):
        firas_chi2(d, p, band_ghz=(1.0, 2.0))


@pytest.mark.skipif(not FIRAS_FILE, reason="set MCDM_FIRAS_FILE to the LAMBDA firas_monopole_spec_v1.txt")
def test_real_firas_file_and_the_edges_demo_point():
    """The EDGES demonstration point (nu* = 156.2 GHz) barely touches the FIRAS band (z_x < 1.6): its chi^2
    equals that of no distortion to 1%; the residuals are consistent with a blackbody (chi^2/n ~ 1)."""
    d = load_firas(FIRAS_FILE)
    assert 40 <= len(d.nu) <= 50
    r = firas_chi2(d, GlobalSignalParams())
    r0 = firas_chi2(d, distortion=np.zeros_like(d.nu))
    assert r.chi2 == pytest.approx(r0.chi2, rel=0.01)
    assert r0.chi2 / r0.n < 3.0

"""Mock-spectrum instrument model against closed forms (issue 8 item 5; digest 002 §5.3-§5.6).

References are independent of mcdm's channel map (cell integrals of the Gaussian-smoothed
spectrum via the antiderivative of the normal CDF):

* equivalent width of a Gaussian optical-depth line tau0 exp(-x^2/w^2):
  W = w sqrt(pi) sum_{n>=1} (-1)^(n+1) tau0^n / (n! sqrt(n)) (term-by-term integral of 1 - e^-tau);
* a Gaussian absorption dip in flux smoothed by a Gaussian stays Gaussian (variances add), and its
  channel mean is a difference of error functions;
* Gaussian noise: the sample r.m.s. of N draws has relative standard deviation 1/sqrt(2N).
"""
from math import factorial

import astropy.units as u
import numpy as np
import pytest
from scipy.special import erf

from mcdm.forest.instruments import FWHM_TO_SIGMA, Instrument, RadiometerNoise, SNRNoise
from mcdm.forest.spectrum import PowerLawContinuum, mock_spectrum


def _ew_gaussian_tau(tau0, w):
    return w * np.sqrt(np.pi) * sum((-1) ** (n + 1) * tau0 ** n / (factorial(n) * np.sqrt(n))
                                    for n in range(1, 80))


@pytest.mark.validation
@pytest.mark.parametrize("tau0", [0.05, 1.0, 6.0])
@pytest.mark.parametrize("fwhm_khz", [0.0, 8.0, 40.0])
def test_resolution_and_channels_keep_the_equivalent_width(tau0, fwhm_khz):
    """Isolated line (w = 6 kHz, fine grid w/12) seen in 5.425 kHz SKA1-Low-like channels with a
    Gaussian resolution of FWHM 0, 8, 40 kHz: W from the channels equals the closed form to 1e-3."""
    w = 0.006  # MHz
    nu = np.arange(150.0, 151.0, w / 12)
    tau = tau0 * np.exp(-((nu - 150.5) / w) ** 2)
    inst = Instrument("ska1_low-like", 50 * u.MHz, 350 * u.MHz, (0.78125 / 144) * u.MHz,
                      fwhm_khz * u.kHz)
    source = PowerLawContinuum(100 * u.mJy, 150 * u.MHz, -0.8)
    spec = mock_spectrum(nu * u.MHz, tau, source, inst)
    c = spec.channels
    ew = np.sum((1.0 - c["model_flux_mJy"] / c["continuum_mJy"]) * c["channel_width_MHz"])
    assert ew == pytest.approx(_ew_gaussian_tau(tau0, w), rel=1e-3)


@pytest.mark.validation
def test_smoothed_channel_profile_matches_the_closed_form():
    """Flux 1 - A exp(-x^2 / 2 s^2) with s = 5 kHz, resolution sigma = 4 kHz, 3 kHz channels:
    channel means equal 1 - A s sqrt(pi/2) [erf(b / sqrt2 S) - erf(a / sqrt2 S)] / (b - a),
    S^2 = s^2 + sigma^2, to 2e-5 (the fine grid is s/100)."""
    s, amp, nu0 = 0.005, 0.6, 100.5
    nu = np.arange(100.0, 101.0, s / 100)
    tau = -np.log(1.0 - amp * np.exp(-0.5 * ((nu - nu0) / s) ** 2))
    fwhm = 0.0094
    inst = Instrument("x", 99 * u.MHz, 102 * u.MHz, 3 * u.kHz, fwhm * u.MHz)
    spec = mock_spectrum(nu * u.MHz, tau, PowerLawContinuum(1 * u.mJy, 100 * u.MHz, 0.0), inst)
    c = spec.channels
    big_s = np.hypot(s, fwhm * FWHM_TO_SIGMA)
    a = c["frequency_MHz"] - 0.5 * c["channel_width_MHz"] - nu0
    b = c["frequency_MHz"] + 0.5 * c["channel_width_MHz"] - nu0
    expected = 1.0 - amp * s * np.sqrt(np.pi / 2) * (
        erf(b / (np.sqrt(2) * big_s)) - erf(a / (np.sqrt(2) * big_s))) / (b - a)
    np.testing.assert_allclose(c["transmission"], expected, rtol=0, atol=2e-5)


@pytest.mark.validation
@pytest.mark.parametrize("reference", ["mean", "channel"])
def test_noise_rms_is_the_requested_snr(reference):
    """S/N = 25 per channel over 40,000 channels of a steep power law: the r.m.s. of
    (flux - model) / (continuum / 25) is 1 within 5 standard errors (5 / sqrt(2 N) = 1.8%)."""
    nu = np.linspace(100.0, 300.0, 80_001)
    source = PowerLawContinuum(50 * u.mJy, 150 * u.MHz, -2.5)
    inst = Instrument("x", 100 * u.MHz, 300 * u.MHz, 5 * u.kHz)
    spec = mock_spectrum(nu * u.MHz, np.zeros_like(nu), source, inst, SNRNoise(25.0, reference),
                         np.random.default_rng(2024))
    c = spec.channels
    n = len(spec)
    assert n == 40_000
    scale = np.mean(c["continuum_mJy"]) if reference == "mean" else c["continuum_mJy"]
    z = (c["flux_mJy"] - c["model_flux_mJy"]) / (scale / 25.0)
    assert np.sqrt(np.mean(z ** 2)) == pytest.approx(1.0, abs=5 / np.sqrt(2 * n))
    assert abs(np.mean(z)) < 5 / np.sqrt(n)
    np.testing.assert_allclose(c["noise_mJy"], np.broadcast_to(scale / 25.0, (n,)), rtol=1e-12)


@pytest.mark.validation
def test_radiometer_noise_rms():
    """uGMRT-like array (T_sys 150 K, 0.33 K/Jy, 30 antennas, 2 pol, 1 h, 12.2 kHz): the drawn
    noise has the radiometer r.m.s. 1e3 T / (G sqrt(2 * 870 * dnu * t)) mJy to 5 standard errors."""
    nu = np.linspace(120.0, 250.0, 20_001)
    inst = Instrument("x", 120 * u.MHz, 250 * u.MHz, (200 / 16384) * u.MHz)
    noise = RadiometerNoise(150 * u.K, 0.33 * u.K / u.Jy, 1 * u.h, n_antennas=30)
    spec = mock_spectrum(nu * u.MHz, np.zeros_like(nu), PowerLawContinuum(
        1 * u.Jy, 150 * u.MHz, -0.7), inst, noise, np.random.default_rng(11))
    c = spec.channels
    expected = 1e3 * 150.0 / (0.33 * np.sqrt(2 * 30 * 29 * (200e6 / 16384) * 3600.0))
    rms = np.sqrt(np.mean((c["flux_mJy"] - c["model_flux_mJy"]) ** 2))
    assert rms == pytest.approx(expected, rel=5 / np.sqrt(2 * len(spec)))

"""Mock quasar radio spectra (mcdm.forest.spectrum, mcdm.forest.instruments; issue 8 item 5)."""
import json

import astropy.units as u
import numpy as np
import pytest

from mcdm.errors import ConfigError, UnitError
from mcdm.forest.instruments import (PRESETS, Instrument, RadiometerNoise, SNRNoise, cell_edges,
                                     channel_average, get_instrument)
from mcdm.forest.spectrum import (PowerLawContinuum, TemplateContinuum, companion_paths,
                                  mock_spectrum, plot_spectrum, read_spectrum)
from mcdm.io import FileFormatError

NU = np.linspace(150.0, 151.0, 20_001)  # 50 Hz fine grid [MHz]
TAU = 1.5 * np.exp(-((NU - 150.4) / 0.004) ** 2) + 0.3 * np.exp(-((NU - 150.7) / 0.01) ** 2)
SOURCE = PowerLawContinuum(250 * u.mJy, 150 * u.MHz, -0.7)
INSTRUMENT = Instrument("test", 100 * u.MHz, 200 * u.MHz, 10 * u.kHz, 5 * u.kHz)


def _spectrum(seed=1, noise=SNRNoise(30.0), **kw):
    return mock_spectrum(NU * u.MHz, TAU, SOURCE, INSTRUMENT, noise, np.random.default_rng(seed),
                         **kw)


# ---------------------------------------------------------------- channel map
@pytest.mark.parametrize("fwhm", [0.0, 0.002, 0.03])
def test_rebin_of_a_constant_is_exact_on_any_grid(fwhm):
    rng = np.random.default_rng(5)
    edges = cell_edges(np.sort(rng.uniform(10.0, 11.0, 3000)))
    channels = np.sort(rng.uniform(edges[0], edges[-1], 40))  # unequal, unaligned channels
    out = channel_average(edges, np.full(edges.size - 1, 7.25), channels, fwhm)
    np.testing.assert_allclose(out, 7.25, rtol=2e-15, atol=0)


def test_rebin_conserves_flux_of_arbitrary_values():
    rng = np.random.default_rng(6)
    edges = cell_edges(np.sort(rng.uniform(10.0, 11.0, 3000)))
    values = rng.uniform(0.0, 3.0, edges.size - 1)
    channels = np.concatenate(([edges[0]], np.sort(rng.uniform(edges[0], edges[-1], 57)),
                               [edges[-1]]))
    total_in = np.sum(values * np.diff(edges))
    total_out = np.sum(channel_average(edges, values, channels) * np.diff(channels))
    assert total_out == pytest.approx(total_in, rel=1e-13)
    # and a channel that sits inside one fine cell takes that cell's value
    inside = np.array([edges[100] + 1e-6, edges[101] - 1e-6])
    assert channel_average(edges, values, inside)[0] == pytest.approx(values[100], rel=1e-12)


def test_gaussian_resolution_conserves_flux_away_from_the_ends():
    edges = cell_edges(NU)
    values = np.exp(-TAU)
    channels = INSTRUMENT.channel_edges(150.1, 150.9)
    smooth = channel_average(edges, 1.0 - values, channels, 0.005)
    sharp = channel_average(edges, 1.0 - values, channels, 0.0)
    assert np.sum(smooth) == pytest.approx(np.sum(sharp), rel=1e-12)
    assert smooth.max() < sharp.max()  # and it does smooth


def test_channel_map_rejects_bad_input():
    edges = cell_edges(NU)
    with pytest.raises(ConfigError, match="extend beyond"):
        channel_average(edges, TAU, np.array([149.0, 150.5]))
    with pytest.raises(ConfigError, match="ascending"):
        channel_average(edges, TAU, np.array([150.5, 150.2]))
    with pytest.raises(ConfigError, match="FWHM"):
        channel_average(edges, TAU, np.array([150.2, 150.5]), -1.0)
    with pytest.raises(ConfigError, match="fine values"):
        channel_average(edges, TAU[:-1], np.array([150.2, 150.5]))


# ---------------------------------------------------------------- instruments and noise
def test_instrument_units_and_channels():
    inst = Instrument("x", "100 MHz", 0.2 * u.GHz, 25 * u.kHz)
    assert (inst.nu_min, inst.nu_max, inst.resolution) == (100.0, 200.0, 0.0)
    assert inst.channel_width == 0.025
    ch = inst.channel_edges(150.01, 150.2)
    assert ch[0] == pytest.approx(150.025) and ch[-1] == pytest.approx(150.2)
    np.testing.assert_allclose(np.diff(ch), 0.025, rtol=1e-9)
    with pytest.raises(ConfigError, match="no whole"):
        inst.channel_edges(300.0, 400.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"channel_width": -1 * u.kHz}, "channel_width must be > 0"),
    ({"channel_width": 0.0}, "channel_width must be > 0"),
    ({"resolution": -2 * u.kHz}, "resolution"),
    ({"nu_min": 300 * u.MHz}, "nu_min < nu_max"),
])
def test_instrument_rejects_bad_values(kwargs, match):
    args = {"name": "x", "nu_min": 100 * u.MHz, "nu_max": 200 * u.MHz, "channel_width": 10 * u.kHz,
            **kwargs}
    with pytest.raises(ConfigError, match=match):
        Instrument(**args)


def test_instrument_rejects_wrong_units():
    with pytest.raises(UnitError):
        Instrument("x", 100 * u.MHz, 200 * u.MHz, 10 * u.km)


def test_presets_resolve_the_lines_and_cite_a_source():
    # digest 002 §5.6 [derived]: resolving power R ~ 1e4-1e5 needed; each preset reaches 1e4
    assert {"ugmrt_band2", "ska1_low", "ska1_mid_band1"} <= set(PRESETS)
    for name, inst in PRESETS.items():
        assert inst.resolving_power(0.5 * (inst.nu_min + inst.nu_max)) >= 1e4, name
        assert inst.reference
    assert get_instrument("ska1_low").channel_width == pytest.approx(781.25e-3 / 144)
    assert (PRESETS["ska1_low"].nu_min, PRESETS["ska1_low"].nu_max) == (50.0, 350.0)
    assert (PRESETS["ugmrt_band2"].nu_min, PRESETS["ugmrt_band2"].nu_max) == (120.0, 250.0)
    with pytest.raises(ConfigError, match="known"):
        get_instrument("lofar")


@pytest.mark.parametrize("snr", [0.0, -3.0, float("nan")])
def test_snr_must_be_positive(snr):
    with pytest.raises(ConfigError):
        SNRNoise(snr)


def test_radiometer_equation():
    # GMRT-like: T_sys 100 K, 0.33 K/Jy per antenna, 30 antennas, 2 pol, 10 kHz, 1 h
    noise = RadiometerNoise(100 * u.K, 0.33 * u.K / u.Jy, 1 * u.h, n_antennas=30)
    expected_mjy = 1e3 * 100.0 / (0.33 * np.sqrt(2 * 30 * 29 * 1e4 * 3600.0))
    assert noise.sigma(np.ones(3), np.full(3, 0.01)) == pytest.approx(np.full(3, expected_mjy))
    single = RadiometerNoise(100.0, 0.33, 3600.0)  # bare numbers: K, K/Jy, s
    assert single.sigma(np.ones(1), np.full(1, 0.01))[0] == pytest.approx(
        expected_mjy * np.sqrt(30 * 29))
    with pytest.raises(ConfigError):
        RadiometerNoise(100.0, 0.33, -1.0)
    with pytest.raises(ConfigError):
        RadiometerNoise(100.0, 0.33, 1.0, n_pol=3)
    with pytest.raises(UnitError):
        RadiometerNoise(100 * u.m, 0.33, 1.0)


# ---------------------------------------------------------------- sources
def test_power_law_and_template(tmp_path):
    assert SOURCE.flux(np.array([150.0, 300.0])) == pytest.approx([250.0, 250.0 * 2 ** -0.7])
    path = tmp_path / "qso.txt"
    path.write_text("# freq [MHz], flux [mJy]\n100, 400\n200, 200\n400, 100\n")
    tpl = TemplateContinuum.read(path)
    # log-log interpolation of a power law is exact
    assert tpl.flux_at(np.array([141.4213562373095]))[0] == pytest.approx(400 / 2 ** 0.5)
    with pytest.raises(ConfigError, match="covers"):
        tpl.flux_at(np.array([50.0]))
    with pytest.raises(ConfigError, match="ascending"):
        TemplateContinuum([2.0, 1.0] * u.MHz, [1.0, 1.0] * u.mJy)
    with pytest.raises(ConfigError, match="> 0 mJy"):
        TemplateContinuum([1.0, 2.0] * u.GHz, [1.0, -1.0] * u.Jy)
    with pytest.raises(ConfigError):
        PowerLawContinuum(-1 * u.mJy, 150 * u.MHz, -0.7)
    spec = mock_spectrum(NU * u.MHz, TAU, TemplateContinuum([100, 200] * u.MHz, [0.5, 0.25] * u.Jy),
                         INSTRUMENT)
    assert spec.channels["continuum_mJy"][0] == pytest.approx(500 * (150.005 / 100) ** -1, rel=1e-6)


# ---------------------------------------------------------------- the mock spectrum
def test_spectrum_columns_are_consistent():
    spec = _spectrum()
    c = spec.channels
    np.testing.assert_allclose(c["transmission"], c["model_flux_mJy"] / c["continuum_mJy"])
    np.testing.assert_allclose(np.exp(-c["tau"]), c["transmission"])
    assert np.all(c["noise_mJy"] == c["noise_mJy"][0])
    # channel means of the true tau keep its integral (1.5 * 4 kHz + 0.3 * 10 kHz) * sqrt(pi)
    integral = np.sum(c["tau_true"] * c["channel_width_MHz"])
    assert integral == pytest.approx((1.5 * 0.004 + 0.3 * 0.01) * np.sqrt(np.pi), rel=1e-6)
    assert c["tau"].max() < c["tau_true"].max()  # saturation: apparent tau < mean tau
    assert spec.quantity("flux_mJy").unit == u.mJy
    assert len(spec) == 100  # 10 kHz channels over 1 MHz
    assert spec.meta["instrument"]["name"] == "test"


def test_same_generator_seed_same_spectrum_and_independent_streams():
    a, b, c = _spectrum(seed=7), _spectrum(seed=7), _spectrum(seed=8)
    assert a.equals(b)
    assert not np.array_equal(a.channels["flux_mJy"], c.channels["flux_mJy"])
    np.testing.assert_array_equal(a.channels["model_flux_mJy"], c.channels["model_flux_mJy"])
    children = np.random.SeedSequence(3).spawn(2)  # per-sightline streams
    d = mock_spectrum(NU * u.MHz, TAU, SOURCE, INSTRUMENT, SNRNoise(30),
                      np.random.default_rng(children[1]))
    e = mock_spectrum(NU * u.MHz, TAU, SOURCE, INSTRUMENT, SNRNoise(30),
                      np.random.default_rng(children[1]))
    assert d.equals(e)


def test_noiseless_and_bandpass():
    spec = _spectrum(noise=None, band=(150.2 * u.MHz, "150.5 MHz"))
    np.testing.assert_array_equal(spec.channels["flux_mJy"], spec.channels["model_flux_mJy"])
    assert np.all(spec.channels["noise_mJy"] == 0.0)
    assert spec.meta["band_MHz"] == pytest.approx([150.2, 150.5])
    assert len(spec) == 30


@pytest.mark.parametrize("kwargs, error, match", [
    ({"nu": NU}, UnitError, "Quantity"),
    ({"nu": NU * u.km}, UnitError, "not convertible"),
    ({"nu": NU[::-1] * u.MHz}, ConfigError, "ascending"),
    ({"tau": TAU[:-1]}, ConfigError, "shape"),
    ({"tau": -TAU}, ConfigError, ">= 0"),
    ({"tau": np.where(NU > 150.5, np.nan, TAU)}, ConfigError, "finite"),
    ({"rng": None}, ConfigError, "Generator"),
    ({"rng": 42}, ConfigError, "Generator"),
    ({"band": (151.5 * u.MHz, 152 * u.MHz)}, ConfigError, "overlap"),
    ({"band": (150.6 * u.MHz, 150.2 * u.MHz)}, ConfigError, "low < high"),
    ({"instrument": "ska1_mid_band2"}, ConfigError, "no whole"),
    ({"source": object()}, ConfigError, "PowerLawContinuum"),
    ({"absorbers": {"z": [1.0, 2.0], "M": [1.0]}}, ConfigError, "one length"),
])
def test_mock_spectrum_rejects_bad_input(kwargs, error, match):
    args = {"nu": NU * u.MHz, "tau": TAU, "source": SOURCE, "instrument": INSTRUMENT,
            "noise": SNRNoise(10), "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=match):
        mock_spectrum(**args)


# ---------------------------------------------------------------- files
ABSORBERS = {"z": np.array([8.0, 9.1]), "M": np.array([1e8, 3e9]) * u.Msun,
             "b_kpc": np.array([1.5, 20.0]), "n_sub": np.array([0, 3]),
             "case": np.array(["collisional", "collisionless"]), "tau0": np.array([1.5, 0.3])}


@pytest.mark.parametrize("suffix", [".parquet", ".fits"])
def test_round_trip(tmp_path, suffix):
    spec = _spectrum(absorbers=ABSORBERS, absorber_units={"b_kpc": "kpc"}, run={"sightline": 4})
    path = tmp_path / f"los_0004{suffix}"
    if suffix == ".parquet":
        written = spec.to_parquet(path, include_fine=True)
        assert [p.name for p in written] == ["los_0004.parquet", "los_0004.absorbers.parquet",
                                             "los_0004.fine.parquet"]
    else:
        spec.to_fits(path, include_fine=True)
    back = read_spectrum(path)
    assert back.equals(spec)
    assert back.absorber_units == {"z": "", "M": "solMass", "b_kpc": "kpc", "n_sub": "",
                                   "case": "", "tau0": ""}
    assert back.meta["run"] == {"sightline": 4}
    assert back.absorbers["n_sub"].dtype == np.int64


def test_files_carry_units_and_schema(tmp_path):
    import pyarrow.parquet as pq
    from astropy.io import fits

    spec = _spectrum(absorbers=ABSORBERS)
    spec.to_parquet(tmp_path / "a.parquet")
    meta = pq.read_schema(tmp_path / "a.parquet").metadata
    assert meta[b"mcdm.schema"] == b"mcdm.forest.MockSpectrum"
    assert meta[b"mcdm.format_version"] == b"1"
    assert json.loads(meta[b"mcdm.units"])["flux_mJy"] == "mJy"
    assert not (tmp_path / "a.fine.parquet").exists()
    assert read_spectrum(tmp_path / "a.parquet").fine is None
    spec.to_fits(tmp_path / "a.fits")
    with fits.open(tmp_path / "a.fits") as hdul:
        assert hdul["SPECTRUM"].columns["frequency_MHz"].unit == "MHz"
        assert hdul["SPECTRUM"].columns["flux_mJy"].unit == "mJy"
        assert hdul["ABSORBERS"].columns["M"].unit == "solMass"
        assert hdul[0].header["MCDMSCH"] == "mcdm.forest.MockSpectrum"


def test_empty_absorber_table_round_trips(tmp_path):
    spec = _spectrum()
    spec.to_parquet(tmp_path / "e.parquet")
    spec.to_fits(tmp_path / "e.fits")
    for name in ("e.parquet", "e.fits"):
        back = read_spectrum(tmp_path / name)
        assert back.n_absorbers == 0 and back.absorbers == {}


def test_reader_rejects_foreign_or_inconsistent_files(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from astropy.io import fits

    spec = _spectrum(absorbers=ABSORBERS)
    pq.write_table(pa.table({"x": [1.0]}), tmp_path / "foreign.parquet")
    with pytest.raises(FileFormatError, match="mcdm.schema"):
        read_spectrum(tmp_path / "foreign.parquet")
    spec.to_parquet(tmp_path / "s.parquet")
    _spectrum().to_parquet(tmp_path / "other.parquet")  # zero absorbers
    (tmp_path / "other.absorbers.parquet").replace(tmp_path / "s.absorbers.parquet")
    with pytest.raises(FileFormatError, match="do not belong together"):
        read_spectrum(tmp_path / "s.parquet")
    (tmp_path / "s.absorbers.parquet").unlink()
    with pytest.raises(FileFormatError, match="missing"):
        read_spectrum(tmp_path / "s.parquet")
    table = pq.read_table(tmp_path / "other.parquet")
    meta = dict(table.schema.metadata)
    meta[b"mcdm.format_version"] = b"99"
    pq.write_table(table.replace_schema_metadata(meta), tmp_path / "other.parquet")
    with pytest.raises(FileFormatError, match="newer"):
        read_spectrum(tmp_path / "other.parquet")
    fits.HDUList([fits.PrimaryHDU()]).writeto(tmp_path / "plain.fits")
    with pytest.raises(FileFormatError, match="MCDMSCH"):
        read_spectrum(tmp_path / "plain.fits")
    spec.to_fits(tmp_path / "s.fits")
    with fits.open(tmp_path / "s.fits") as hdul:
        cols = [c for c in hdul["SPECTRUM"].columns if c.name != "flux_mJy"]
        fits.HDUList([hdul[0].copy(), fits.BinTableHDU.from_columns(cols, name="SPECTRUM"),
                      hdul["ABSORBERS"].copy()]).writeto(tmp_path / "cut.fits")
    with pytest.raises(FileFormatError, match="flux_mJy"):
        read_spectrum(tmp_path / "cut.fits")
    with pytest.raises(FileFormatError, match="unknown spectrum file type"):
        read_spectrum(tmp_path / "s.txt")


def test_companion_paths(tmp_path):
    main, absorbers, fine = companion_paths(tmp_path / "los.parquet")
    assert (absorbers.name, fine.name) == ("los.absorbers.parquet", "los.fine.parquet")


def test_plot(tmp_path):
    spec = _spectrum(absorbers=ABSORBERS)
    out = plot_spectrum(spec, tmp_path / "los.png", nu_rest=1.5 * u.GHz)
    assert out.stat().st_size > 10_000
    with pytest.raises(ConfigError, match="no absorber column"):
        plot_spectrum(spec, tmp_path / "x.png", absorber_column="nu_obs")


def test_absorber_tables_from_astropy_and_pandas():
    import pandas as pd
    from astropy.table import QTable, Table

    for table in (QTable(ABSORBERS), Table(ABSORBERS), pd.DataFrame(
            {k: getattr(v, "value", v) for k, v in ABSORBERS.items()})):
        spec = _spectrum(absorbers=table, absorber_units={"M": "solMass"})
        assert spec.n_absorbers == 2 and spec.absorber_units["M"] == "solMass"
        np.testing.assert_array_equal(spec.absorbers["case"], ABSORBERS["case"])
    with pytest.raises(ConfigError, match="mapping of columns"):
        _spectrum(absorbers=[1.0, 2.0])

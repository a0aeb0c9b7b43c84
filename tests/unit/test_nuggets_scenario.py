"""The ``nuggets`` scenario (seed 001, issue 9): config errors, a run's outputs, shard/worker
independence of the photon catalog, and the catalog against its expectation (count, sky region,
energy spectrum)."""
from __future__ import annotations

import json

import healpy as hp
import numpy as np
import pytest
from astropy.io import fits
from scipy import integrate, stats

from mcdm.config import config_from_dict
from mcdm.errors import ConfigError
from mcdm.events import EventCatalog
from mcdm.physics.nugget import continuum_intensity
from mcdm.run import run
from mcdm.scenarios import nuggets
from mcdm.sky import roi


def _doc(tmp_path=None, shards=2, workers=1, **keys) -> dict:
    doc = {"run": {"name": "nuggets-test", "scenario": "nuggets", "seed": 5, "shards": shards, "workers": workers,
                   "output_dir": str(tmp_path or "results")},
           "nuggets": {"nside": 16, "spectrum": "single_mu", "mu": "20 MeV", "chi": 0.1,
                       "effective_area": "10 cm2", "exposure_time": "2e6 s"},
           "output": {"plot": False, "progress": False}}
    doc["nuggets"].update(keys)
    return doc


@pytest.mark.parametrize("keys, field", [
    ({"k_min": "30 MeV", "k_max": "20 MeV"}, "nuggets.k_min"),
    ({"nside": 12}, "nuggets.nside"),
    ({"spectrum": "double_mu"}, "nuggets.spectrum"),
    ({"mu": "0.3 MeV"}, "nuggets.mu"),
    ({"v_e": 1.5}, "nuggets.v_e"),
])
def test_config_errors_name_the_field(keys, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        config_from_dict(_doc(**keys))


def test_too_many_photons_and_an_empty_band_are_refused():
    with pytest.raises(ConfigError, match="max_photons"):
        nuggets.compile_job(config_from_dict(_doc(max_photons=10)))
    with pytest.raises(ConfigError, match="support"):
        nuggets.compile_job(config_from_dict(_doc(k_min="25 MeV", k_max="30 MeV")))


@pytest.fixture(scope="module")
def job_context():
    return nuggets.compile_job(config_from_dict(_doc(shards=1)))


def test_map_normalisation_and_spectrum_per_unit_511(job_context):
    """<I_511>_6deg = i511; s(k) x i511 is Eq. (6) literally; the catalog weights live in the box."""
    job, ctx = job_context
    assert roi.roi_mean(ctx["i511_map"], ctx["disc6"]) == pytest.approx(0.025, rel=1e-12)
    k = np.array([1.0, 5.0, 10.0, 19.0])
    assert np.allclose(ctx["spectrum_fn"](k) * 0.025, continuum_intensity(k, 20.0, 0.1), rtol=1e-12)
    box = roi.comptel_box(16)
    assert np.all(job.weights[box == 0] == 0) and np.all(job.weights[box > 0] > 0)
    band = integrate.quad(lambda x: continuum_intensity(x, 20.0, 0.1, i511=1.0), 1.0, 20.0, limit=200)[0]
    assert ctx["band_integral"] == pytest.approx(band, rel=1e-6)
    omega = 4 * np.pi / hp.nside2npix(16)
    assert job.expected == pytest.approx(10 * 2e6 * omega * job.weights.sum() * band, rel=1e-9)


def test_catalog_does_not_depend_on_shards(job_context):
    """Blocks, not shards, own the random streams: 1 or 3 shards give the same photons."""
    cfg = config_from_dict(_doc(shards=3, exposure_time="3e7 s"))
    job3, _ = nuggets.compile_job(cfg)
    job1 = job3._replace(n_shards=1, shard_sizes=np.array([int(job3.shard_sizes.sum())]))
    assert job3.n_shards == 3 and job3.n_photons > 2 * nuggets.BLOCK
    a = nuggets.simulate_shard(job1, 0)
    b = nuggets.simulate_shard(job3, 0) + nuggets.simulate_shard(job3, 1) + nuggets.simulate_shard(job3, 2)
    assert len(a) == len(b) == job3.n_photons
    for name in ("l_deg", "b_deg", "energy_mev", "time_s"):
        assert np.array_equal(getattr(a, name), getattr(b, name))


def test_catalog_follows_map_and_spectrum():
    """Count within 4 sigma of A T sum Omega I int s; photons inside the exact box; pixel counts follow
    the map weights (chi^2); energies follow s(k) (KS against the quadrature CDF)."""
    job, ctx = nuggets.compile_job(config_from_dict(_doc(shards=1, exposure_time="1e7 s")))
    ph = nuggets.simulate_shard(job, 0)
    n = len(ph)
    assert abs(n - job.expected) < 4 * np.sqrt(job.expected)
    box = roi.comptel_box(16)
    pix = hp.ang2pix(16, ph.l_deg, ph.b_deg, lonlat=True)
    assert np.all(box[pix] > 0)
    lon = np.where(ph.l_deg > 180, ph.l_deg - 360, ph.l_deg)
    assert np.all(np.abs(ph.b_deg) <= 5.0 + 1e-9) and np.all(np.abs(lon) <= 30 + 1e-9)
    # counts per pixel are multinomial with p ∝ I_511 x (pixel area inside the box): chi^2 test
    counts = np.bincount(pix, minlength=job.weights.size)
    expect = n * job.weights / job.weights.sum()
    use = expect >= 5
    assert use.sum() > 20
    chi2 = np.sum((counts[use] - expect[use]) ** 2 / expect[use])
    assert stats.chi2.sf(chi2, use.sum() - 1) > 1e-3
    s = ctx["spectrum_fn"]
    norm = integrate.quad(s, 1.0, 20.0, limit=200)[0]

    def cdf(x):
        return np.array([integrate.quad(s, 1.0, xi, limit=200)[0] for xi in np.atleast_1d(x)]) / norm
    grid = np.linspace(1.0, 20.0, 400)
    table = cdf(grid)
    e = np.sort(ph.energy_mev[:20000])
    assert stats.kstest(e, lambda x: np.interp(x, grid, table)).pvalue > 1e-3
    assert np.all((ph.time_s >= 0) & (ph.time_s < 1e7))


def test_a_run_writes_its_outputs(tmp_path):
    doc = _doc(tmp_path / "w1", spectrum="electrosphere", psf="0.5 deg", energy_resolution=0.05)
    doc["output"]["plot"] = True
    out = run(config_from_dict(doc))
    names = {p.name for p in out.iterdir()}
    for f in ("map_511.fits", "map_continuum.fits", "map_continuum.png", "roi_spectra.json", "spectrum.png",
              "photons.parquet", "events.fits", "photons.png", "summary.json", "manifest.json"):
        assert f in names, f
    summary = json.loads((out / "summary.json").read_text())
    assert summary["schema"] == "mcdm.summary" and summary["scenario"] == "nuggets" and summary["units"]["i511"] == "ph cm-2 s-1 sr-1"
    cat = EventCatalog.read_parquet(out / "photons.parquet")
    assert len(cat) == summary["catalog"]["sampled"] > 0
    assert cat.units["glon_deg"] == "deg"
    with fits.open(out / "events.fits") as f:
        ev = f["EVENTS"]
        assert ev.header["HDUCLAS1"] == "EVENTS" and len(ev.data) == len(cat)
        assert np.allclose(ev.data["ENERGY"] * 1e3, cat.df["energy_keV"])
    hmap, header = hp.read_map(out / "map_511.fits", field=0, h=True)
    assert dict(header)["TUNIT1"] == "ph cm-2 s-1 sr-1"
    spectra = json.loads((out / "roi_spectra.json").read_text())
    ratio = spectra["morphology_ratio_box_over_disc6"]
    assert 0 < ratio < 1  # a centrally peaked morphology: the box mean is below the 6-deg mean
    assert np.allclose(spectra["k2_flux_box"], ratio * np.asarray(spectra["k2_flux_disc6"]))
    # the same config with 2 workers gives the same catalog
    doc2 = _doc(tmp_path / "w2", spectrum="electrosphere", psf="0.5 deg", energy_resolution=0.05, workers=2)
    out2 = run(config_from_dict(doc2))
    cat2 = EventCatalog.read_parquet(out2 / "photons.parquet")
    assert np.array_equal(cat.df["energy_keV"].to_numpy(), cat2.df["energy_keV"].to_numpy())


def test_comptel_comparison_from_user_files(tmp_path):
    """Made-up points (this is a format test, not COMPTEL data): the chi^2 uses the user's errors."""
    data = tmp_path / "points.csv"
    data.write_text("# toy points\nk_MeV,k2_flux,err_lo,err_hi\n2,0.01,0.002,0.003\n5,0.012,0.002,0.002\n"
                    "15,0.02,0.005,0.005\n")
    bg = tmp_path / "bg.csv"
    bg.write_text("k_MeV,k2_flux\n0.5,0.005\n50,0.005\n")
    out = run(config_from_dict(_doc(tmp_path, comptel_data=str(data), background_model=str(bg),
                                    effective_area="0 cm2")))
    spectra = json.loads((out / "roi_spectra.json").read_text())
    comp = spectra["comparison"]
    pts = comp["points"]
    assert np.allclose(np.asarray(pts["nuggets_plus_background"]) - np.asarray(pts["nuggets"]), 0.005)
    model = np.asarray(pts["nuggets_plus_background"])
    d = np.array([0.01, 0.012, 0.02])
    err = np.where(model > d, [0.003, 0.002, 0.005], [0.002, 0.002, 0.005])
    assert comp["chi2"] == pytest.approx(np.sum(((d - model) / err) ** 2))
    assert "photons.parquet" not in {p.name for p in out.iterdir()}


def test_user_gas_map(tmp_path):
    """A constant user gas map gives the 'constant' gas model's normalised map (the constant cancels);
    the two gas keys must come together; a missing file is named."""
    nside = 16
    path = tmp_path / "gas.fits"
    hp.write_map(path, np.full(hp.nside2npix(nside), 3.0), dtype=np.float64)
    _, ctx_map = nuggets.compile_job(config_from_dict(_doc(gas_model="map", gas_map=str(path), effective_area="0 cm2")))
    _, ctx_const = nuggets.compile_job(config_from_dict(_doc(gas_model="constant", effective_area="0 cm2")))
    assert np.allclose(ctx_map["i511_map"], ctx_const["i511_map"], rtol=1e-9)
    with pytest.raises(ConfigError, match="gas_map"):
        config_from_dict(_doc(gas_model="map"))
    with pytest.raises(ConfigError, match="does not exist"):
        nuggets.compile_job(config_from_dict(_doc(gas_model="map", gas_map=str(tmp_path / "none.fits"))))

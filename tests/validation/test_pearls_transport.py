"""Validation of the pearls transport mode (seed 000, issue 7; digest 000 §10 targets 26, 37, 38).

Independent numbers are computed here from the digest's closed forms, not from mcdm.physics.pearl:
the drag law -dv/dt = (c_d/2) rho v^2 pi R^2/M (Eq. 106) gives, in a uniform medium with c_d/2 = 1,
v = v_start/e after the column M/(pi R^2) and v = v_start/2 at t = M/(rho pi R^2 v_start) (Eqs.
107-110: L = M/(rho pi R^2), t = L/v_start); the rock-stopping numbers of Eqs. (111)-(114); the
continuous US Standard Atmosphere 1976 integrated with scipy's solve_ivp; the residence-time ratio
NaI/LXe = k_solid (Eq. 78) with the two densities written out; f_mod = 30/300 = 0.1 (§4.3.1).
"""
from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from mcdm.config import config_from_dict
from mcdm.geometry import CompiledShells, load_atmosphere, load_material
from mcdm.physics.interaction import MacroscopicDrag
from mcdm.scenarios import pearls
from mcdm.transport.continuous import ContinuousSlowing

pytestmark = pytest.mark.validation

ROOT = Path(__file__).resolve().parents[2]
RHO_B = 5.2e11  # kg/m^3 (Eq. 14)
V_START = 300.0  # km/s


def _radius(mass_kg: float) -> float:
    return (3.0 * mass_kg / (4.0 * math.pi * RHO_B)) ** (1.0 / 3.0)  # Eq. (74) [m]


def _world(rho_kg_m3: float) -> pearls.PearlWorld:
    """A uniform ball of 1e4 km; the surface at its top, so altitude = -(path) for a vertical pearl."""
    return pearls.PearlWorld(np.array([1.0e4]), np.array([rho_kg_m3 * 1e-3]), 1.0e4, 1.0e4 - 9000.0)


def _uniform_shells(material: str, rho_kg_m3: float) -> CompiledShells:
    mat = load_material(material)
    scale = rho_kg_m3 * 1e-3 / mat.density
    nd = {k: v * scale for k, v in mat.number_densities().items()}
    return CompiledShells(np.array([1.0e4]), np.array([rho_kg_m3 * 1e-3]), np.array([list(nd.values())]),
                          tuple(nd), np.array([0]), ("uniform",))


# --------------------------------------------------------------------------- target 26 and Eqs. 110-114


@pytest.mark.parametrize("material, rho", [("standard_rock", 3000.0), ("air", 1.225)])
def test_target26_core_speed_falls_by_e_over_the_stopping_column(material, rho):
    """ContinuousSlowing + MacroscopicDrag (c_d = 2): v = v_start/e after the path M/(rho pi R^2), +-1 %."""
    mass = 3.0e-15
    radius = _radius(mass)
    length_km = mass / (rho * math.pi * radius**2) * 1e-3  # L = M/(rho pi R^2) (Eq. 110)
    slowing = ContinuousSlowing(MacroscopicDrag(radius_cm=radius * 100, mass_kg=mass, drag_coefficient=2.0),
                                _uniform_shells(material, rho))
    v, _ = slowing.propagate(np.array([[0.0, 0.0, 1.0e4]]), np.array([[0.0, 0.0, -1.0]]), V_START,
                             np.array([length_km]))
    assert v[0] == pytest.approx(V_START / math.e, rel=0.01)


@pytest.mark.parametrize("rho", [3000.0, 1.225])
@pytest.mark.parametrize("mass, radius", [(3.0e-15, None), (3.0e-15, 1.2e-9), (6.5e-14, 3.1e-9)])
def test_stopping_length_and_time_agree_with_paper_mode(rho, mass, radius):
    """Transport (pearls.stop_along_rays) vs paper mode L = M/(rho pi R^2), t = L/v_start: +-5 %.

    Length: the path to v_start/e; time: to v_start/2, where Eq. (108) (1/v = t rho pi R^2/M + 1/v0)
    makes t = L/v_start exact."""
    radius = radius or _radius(mass)
    k = math.pi * radius**2 / mass * 10.0  # (c_d/2) pi R^2/M with c_d/2 = 1 [cm^2/g]
    length = mass / (rho * math.pi * radius**2)  # [m]
    world = _world(rho)
    at_e = pearls.stop_along_rays(world, [1.0], k, V_START, V_START / math.e, 1e-9)
    at_half = pearls.stop_along_rays(world, [1.0], k, V_START, V_START / 2.0, 1e-9)
    assert -at_e.altitude_exc[0] * 1e3 == pytest.approx(length, rel=0.05)
    assert at_half.t_exc[0] == pytest.approx(length / (V_START * 1e3), rel=0.05)
    assert -at_e.altitude_exc[0] * 1e3 == pytest.approx(length, rel=0.01)  # target 26 (+-1 %)


@pytest.mark.parametrize("mass, radius, paper_m, paper_s", [(3.0e-15, 1.2e-9, 0.22, 7.0e-7),
                                                            (6.5e-14, 3.1e-9, 0.72, 2.4e-6)])
def test_rock_stopping_matches_eqs_111_to_114(mass, radius, paper_m, paper_s):
    """Stone, 3000 kg/m^3: the paper's printed 0.22 m / 0.72 m (+-5 %) and 7e-7 s / 2.4e-6 s (+-10 %:
    the paper rounds 7.4e-7 s to one digit)."""
    k = math.pi * radius**2 / mass * 10.0
    world = _world(3000.0)
    assert -pearls.stop_along_rays(world, [1.0], k, V_START, V_START / math.e, 1e-9).altitude_exc[0] * 1e3 == \
        pytest.approx(paper_m, rel=0.05)
    assert pearls.stop_along_rays(world, [1.0], k, V_START, V_START / 2, 1e-9).t_exc[0] == \
        pytest.approx(paper_s, rel=0.10)


def test_air_stopping_in_the_us_standard_atmosphere():
    """A vertical pearl in the real atmosphere: the altitude where v = v_start/e holds the column
    M/(pi R^2) (continuous US 1976 model, +-1 %), the time above v_exc agrees with solve_ivp on the
    continuous density (+-1 %), and the paper's air stopping length (the local L there) is the
    scale height, 7 km within 15 % (US 1976 at 15-20 km: R T/(M g) = 6.3 km)."""
    from mcdm.geometry import library

    mass, radius = 3.0e-15, _radius(3.0e-15)
    k_m2 = math.pi * radius**2 / mass  # [m^2/kg]
    atm = load_atmosphere("us_standard_1976")
    world = pearls.build_pearl_world(library.load_earth("prem", ocean="crust"), 100.0, True, 1.4)
    top = world.outer_radii[-1] - world.earth_radius
    stops = pearls.stop_along_rays(world, [1.0], k_m2 * 10, V_START, V_START / math.e, 1e-9)
    h = stops.altitude_exc[0]
    assert atm.column_density(h, top) * 10.0 == pytest.approx(1.0 / k_m2, rel=0.01)  # g/cm^2 -> kg/m^2
    local_length_km = 1.0 / (k_m2 * atm.density(h) * 1e3) * 1e-3
    assert local_length_km == pytest.approx(7.0, rel=0.15)

    v_exc = 49.0
    ours = pearls.stop_along_rays(world, [1.0], k_m2 * 10, V_START, v_exc, 1e-9).t_exc[0]

    def rhs(s, y):  # y = (u = ln(v0/v), t); vertical: altitude = top - s [km]
        return [k_m2 * atm.density(max(top - s, 0.0)) * 1e3 * 1e3, math.exp(y[0]) / V_START]

    hit = lambda s, y: y[0] - math.log(V_START / v_exc)  # noqa: E731
    hit.terminal = True
    sol = solve_ivp(rhs, (0.0, top), [0.0, 0.0], events=hit, rtol=1e-9, atol=1e-12, max_step=0.05)
    assert ours == pytest.approx(sol.y_events[0][0][1], rel=0.01)
    assert 0.023 < ours < 30 * 0.023  # above the paper's H/v_start: it includes the coasting high up


# --------------------------------------------------------------------------- target 37


def _doc(**pearls_keys) -> dict:
    doc = {"run": {"name": "v", "scenario": "pearls", "seed": 11, "samples": 40_000, "shards": 2},
           "site": {"name": "lngs"}, "time": {"start": "2003-01-01T00:00:00"},
           "pearls": {"detector_mass": "0 kg"}, "output": {"plot": False, "progress": False}}
    doc["pearls"].update(pearls_keys)
    return doc


def _simulate(doc: dict):
    job, _ = pearls.compile_job(config_from_dict(doc))
    total = sum((pearls.simulate_shard(job, k) for k in range(1, job.n_shards)), pearls.simulate_shard(job, 0))
    return job, total


def test_target37_nai_over_lxe_is_k_solid():
    """Same pearls in NaI and in liquid xenon: per volume NaI/LXe = k_solid = 250 (+-5 %); per kg
    250 x 2953/3670 (the detector densities)."""
    rates = {}
    for det in ("nai", "lxe"):
        job, total = _simulate(_doc(detector=det, velocity="shm"))
        rates[det] = pearls.window_rates(job, total, job.window)["mean"]
    assert rates["nai"] > 0
    assert rates["nai"] * 3670.0 / (rates["lxe"] * 2953.0) == pytest.approx(250.0, rel=0.05)
    assert rates["nai"] / rates["lxe"] == pytest.approx(250.0 * 2953.0 / 3670.0, rel=0.05)


def test_target37_with_the_ten_percent_correction():
    """k_solid = 2500 (Eqs. 87-89): the ratio follows it."""
    rates = {det: pearls.window_rates(*_simulate(_doc(detector=det, k_solid=2500.0, velocity="mono")))["mean"]
             for det in ("nai", "lxe")}
    assert rates["nai"] * 3670.0 / (rates["lxe"] * 2953.0) == pytest.approx(2500.0, rel=0.05)


# --------------------------------------------------------------------------- target 38


def _modulation(doc: dict) -> tuple[dict, dict, float]:
    job, total = _simulate(doc)
    win = pearls.window_rates(job, total, job.window)
    age_d = total.stats["f_age"] / total.stats["flux_stopped"] / 86400.0
    fit = pearls.fit_modulation(win, job.t_peak_mjd + age_d)
    washout = math.hypot(total.stats["signal_cos"], total.stats["signal_sin"]) / total.stats["signal"]
    return fit, {"age_d": age_d, "t_peak": job.t_peak_mjd}, washout


@pytest.mark.slow
def test_target38_modulation_is_f_mod_for_a_short_passage():
    """velocity = mono, f_mod = 0.1, passage 0.79 yr: A_m/A0 = 0.1 (+-10 %, and within 3 sigma), maximum
    at June 2 + the passage time (within 3 sigma + 1 d)."""
    doc = _doc(velocity="mono", modulated_fraction=0.1)
    doc["run"].update(samples=400_000, shards=4)
    fit, info, washout = _modulation(doc)
    assert info["age_d"] < 365.25 and washout > 0.999
    r, dr = fit["amplitude_over_a0"], fit["amplitude_over_a0_err"]
    assert dr < 0.01  # the statistical tolerance is below the +-10 % target
    assert abs(r - 0.1) < 3 * dr and r == pytest.approx(0.1, rel=0.10)
    expected = info["t_peak"] + info["age_d"]
    gap = (fit["t0_mjd"] - expected + 182.625) % 365.25 - 182.625
    assert abs(gap) < 3 * fit["t0_err"] + 1.0


@pytest.mark.slow
def test_target38_washout_needs_a_spread_of_passage_times():
    """A single passage time of ~3 yr keeps A_m/A0 = f_mod (the phase shifts); a log-normal mass spread
    (sigma_lnM = 1.5: passage times spread over years around ~4 yr) washes it out, A_m/A0 -> f_mod W with
    W = |<e^{i w t_pass}>| << 1."""
    slow = _doc(velocity="mono", mass="4e-16 kg")
    slow["run"]["samples"] = 200_000
    fit, info, washout = _modulation(slow)
    assert info["age_d"] > 2.5 * 365.25 and washout > 0.99
    assert abs(fit["amplitude_over_a0"] - 0.1) < 3 * fit["amplitude_over_a0_err"] + 0.005

    spread = _doc(velocity="mono", mass="2.6e-16 kg", mass_spread=1.5)
    spread["run"]["samples"] = 200_000
    fit, info, washout = _modulation(spread)
    assert washout < 0.2
    r, dr = fit["amplitude_over_a0"], fit["amplitude_over_a0_err"]
    assert r < 0.02 + 3 * dr and abs(r - 0.1 * washout) < 3 * dr + 0.003


def test_example_configs_are_gran_sasso_nai_and_lxe():
    for name, det in (("pearls_dama.toml", "nai"), ("pearls_xenon1t.toml", "lxe")):
        cfg = config_from_dict(tomllib.loads((ROOT / "examples" / name).read_text()))
        assert cfg.run.scenario == "pearls" and cfg.pearls.detector == det and cfg.site.name == "lngs"

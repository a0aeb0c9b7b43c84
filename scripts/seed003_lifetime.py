"""chi2 lifetime figure of seed 003 (Fig. 6 analogue; digest 003 §5).

The (delta, m_Z') plane with g fixed by the muon g-2 at each m_Z' (Delta a_mu = 249e-11, one loop,
digest §2) and g_chi = g Q_psi (Q_psi = 1/20, the paper's reference):

* the tau = 1 s and tau = t0 (13.8 Gyr) lines, splitting the plane into the region the paper does
  not address (tau < 1 s), chi2 decayed by today (1 s < tau < t0) and long-lived chi2 (tau > t0);
* lines of constant present chi2 fraction f = r e^{-(t0 - t_d)/tau}/(1 + r) (Eq. 72) with r = 1 and
  t_d = 0 by default (the paper's f values and t_d are lost, digest §5.3), drawn exactly as
  delta(tau_f, m_Z') with tau_f = (t0 - t_d)/ln(r/((1 + r) f));
* a colour map of f on a (delta, m_Z') grid (vectorised widths);
* grey where delta > contact_max m_Z' (the contact-limit width of Eq. 67 is not reliable there) and a
  dotted line at delta = 2 m_e, above which chi2 -> chi1 e+ e- (through epsilon; not included) opens.

Output: ``results/seed003_lifetime/`` (``fig_lifetime.png``, ``summary.json`` with every plotted
line, the V5 benchmark lifetimes and units).

Usage::

    python3 scripts/seed003_lifetime.py [--quick] [--q-psi 0.05] [--current axial] [--r 1] [--t-d 0]
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_OUT = REPO / "results" / "seed003_lifetime"
F_LEVELS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.45)
BENCH_M_ZP_MEV = (10.0, 50.0, 100.0)
BENCH_DELTA_EV = (100.0, 300.0, 1000.0, 5000.0)


def lifetime_grid(delta_gev: np.ndarray, m_zp_gev: np.ndarray, g: np.ndarray, q_psi: float, current: str,
                  vertex_factor: float, contact_max: float) -> np.ndarray:
    """tau [s] on the (m_Z', delta) grid (rows m_Z'); nan where delta > contact_max m_Z'."""
    from mcdm.physics.idm import _lifetime_from_width, decay_width_contact_gev

    d2, m2 = np.meshgrid(delta_gev, m_zp_gev)
    g2 = np.broadcast_to(g[:, None], d2.shape)
    valid = d2 < contact_max * m2
    width = decay_width_contact_gev(np.where(valid, d2, 0.0), m2, g2, g2 * q_psi, current, vertex_factor)
    return np.where(valid, _lifetime_from_width(width), np.nan)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from mcdm.io import atomic_write_json, to_jsonable
    from mcdm.physics import idm
    from mcdm.plotting import new_figure, save_figure

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--q-psi", type=float, default=1 / 20, help="|Q_psi|, g_chi = g Q_psi (default 1/20)")
    p.add_argument("--delta-a-mu", type=float, default=idm.DELTA_A_MU, help="Delta a_mu fixing g (default 249e-11)")
    p.add_argument("--current", choices=idm.CURRENTS, default="axial")
    p.add_argument("--vertex-factor", type=float, default=1.0, help="chi vertex normalisation (1 or 0.5)")
    p.add_argument("--r", type=float, default=1.0, help="n_chi2/n_chi1 at decoupling (Eq. 71)")
    p.add_argument("--t-d", type=float, default=0.0, help="decoupling time t_d [s] (lost; default 0)")
    p.add_argument("--contact-max", type=float, default=0.3, help="grey out delta > contact_max m_Z'")
    p.add_argument("--quick", action="store_true", help="coarse grid (tests)")
    args = p.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    wall0 = time.perf_counter()

    n_m, n_d = (12, 20) if args.quick else (120, 240)
    m_zp_mev = np.geomspace(5.0, 200.0, n_m)
    delta_ev = np.geomspace(10.0, 2.0e7, n_d)
    m_zp = m_zp_mev * 1e-3
    g = idm.g_minus_2_coupling(m_zp, args.delta_a_mu)
    g_chi = g * args.q_psi
    t0 = idm.T0_S
    tau = lifetime_grid(delta_ev * 1e-9, m_zp, g, args.q_psi, args.current, args.vertex_factor, args.contact_max)
    f_grid = np.where(np.isnan(tau), np.nan,
                      idm.surviving_fraction(np.where(np.isnan(tau), 1.0, tau), t0, args.t_d, args.r))

    def line(tau_s: float) -> np.ndarray:  # delta [eV] along m_Z' for a fixed lifetime
        return idm.delta_for_lifetime(tau_s, m_zp, g, g_chi, args.current, args.vertex_factor) * 1e9

    f_max = args.r / (1.0 + args.r)
    lines = {"tau=1 s": line(1.0), "tau=t0": line(t0)}
    f_lines: dict[str, np.ndarray] = {}
    for f in F_LEVELS:
        if f < f_max:
            f_lines[f"f={f:g}"] = line((t0 - args.t_d) / math.log(f_max / f))

    fig, axes = new_figure(ncols=2, figsize=(12.0, 5.0))
    ax = axes[0]
    mesh = ax.pcolormesh(delta_ev, m_zp_mev, f_grid, shading="auto", cmap="viridis", vmin=0.0, vmax=f_max)
    fig.colorbar(mesh, ax=axes[1], label=r"present $\chi_2$ fraction $f$")
    ax.fill_betweenx(m_zp_mev, lines["tau=1 s"], delta_ev[-1], color="0.85", alpha=0.6, label=r"$\tau < 1$ s")
    ax.fill_betweenx(m_zp_mev, np.minimum(args.contact_max * m_zp_mev * 1e6, delta_ev[-1]), delta_ev[-1],
                     color="0.5", alpha=0.7, label=f"δ > {args.contact_max:g} m_Z′ (contact limit)")
    ax.plot(lines["tau=1 s"], m_zp_mev, "k-", lw=2, label=r"$\tau = 1$ s")
    ax.axvline(2 * idm.M_E_GEV * 1e9, color="C1", ls=":", label=r"$\delta = 2m_e$ ($e^+e^-$ not incl.)")
    ax.set_xlim(delta_ev[0], delta_ev[-1])
    ax.set_title(f"χ₂ → χ₁νν̄ ({args.current}); g from g−2 (Δa_μ={args.delta_a_mu:.3g}), Q_ψ={args.q_psi:.3g}, "
                 f"r={args.r:g}", fontsize=8)
    # right: zoom on the tau ~ t0 band with the f lines (tau ∝ delta^-5 makes the band narrow)
    zoom = axes[1]
    zoom.pcolormesh(delta_ev, m_zp_mev, f_grid, shading="auto", cmap="viridis", vmin=0.0, vmax=f_max)
    for k, (name, d) in enumerate(f_lines.items()):
        zoom.plot(d, m_zp_mev, ls="--", lw=1.2, color=f"C{k + 1}", label=name)
    zoom.set_xlim(0.3 * float(np.min(lines["tau=t0"])), 3.0 * float(np.max(lines["tau=t0"])))
    zoom.set_title("zoom: present fraction f (Eq. 72, t_d = %g s)" % args.t_d, fontsize=8)
    for a in axes:
        a.plot(lines["tau=t0"], m_zp_mev, "r-", lw=2, label=r"$\tau = t_0$ (13.8 Gyr)")
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_ylim(m_zp_mev[0], m_zp_mev[-1])
        a.set_xlabel(r"$\delta$ [eV]")
        a.set_ylabel(r"$m_{Z'}$ [MeV]")
    from matplotlib.ticker import NullFormatter

    zoom.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=6, loc="lower right")
    zoom.legend(fontsize=7, loc="lower right")
    save_figure(fig, out / "fig_lifetime.png")

    bench: dict[str, Any] = {}
    for mz in BENCH_M_ZP_MEV:
        gb = float(idm.g_minus_2_coupling(mz * 1e-3, args.delta_a_mu))
        taus = {}
        for d in BENCH_DELTA_EV:
            model = idm.InelasticMajoranaDM.from_charge(100.0, d * 1e-9, 0.03, mz * 1e-3, 0.01, gb, args.q_psi,
                                                        current=args.current, vertex_factor=args.vertex_factor)
            taus[f"delta={d:g} eV"] = idm.lifetime_s(model)
        bench[f"m_zp={mz:g} MeV"] = {
            "g": gb, "lifetime_s": taus,
            "delta_tau_t0_ev": float(idm.delta_for_lifetime(t0, mz * 1e-3, gb, gb * args.q_psi, args.current,
                                                           args.vertex_factor) * 1e9),
            "delta_tau_1s_ev": float(idm.delta_for_lifetime(1.0, mz * 1e-3, gb, gb * args.q_psi, args.current,
                                                           args.vertex_factor) * 1e9)}
    summary = {
        "units": {"delta": "eV", "m_zp": "MeV", "tau": "s", "t0": "s", "t_d": "s", "g": "1", "f": "1"},
        "parameters": {"q_psi": args.q_psi, "delta_a_mu": args.delta_a_mu, "current": args.current,
                       "vertex_factor": args.vertex_factor, "r": args.r, "t_d": args.t_d, "t0": t0,
                       "contact_max": args.contact_max},
        "m_zp": m_zp_mev, "g": g, "delta_lines": lines, "f_lines": f_lines,
        "benchmarks_m_chi_independent": bench, "grid": {"delta": delta_ev, "m_zp": m_zp_mev},
        "quick": args.quick, "wall_seconds": time.perf_counter() - wall0,
    }
    atomic_write_json(out / "summary.json", to_jsonable(summary))
    return to_jsonable(summary)


if __name__ == "__main__":
    main()

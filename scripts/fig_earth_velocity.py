"""Earth velocity through the halo over a year and the hours Cygnus spends below the horizon.

Reproduces the astronomy inputs of seed 004 (digest 004 §2.7, targets 17-18):

* |u_E|(t) through 2000 with the McCabe analytic orbit and with astropy's ephemeris, with the
  values on 2000-01-01 (paper's date; 221.3 km/s) and 2000-06-01 (248.3 km/s);
* the direction of u_E on 2000-01-01 (RA, Dec) and the galactic centre / LSR apex in ICRS;
* hours per sidereal day below the horizon for a source at Dec +45 deg ("Cygnus") at Gran Sasso
  (42.6 N; paper: 2.5 h) and SUPL (37.1 S; paper: 18.5 h), and for the Jan-1 wind direction.

Writes ``results/earth_velocity/earth_velocity_2000.png``, ``.csv`` and ``summary.md``.

Usage::

    python scripts/fig_earth_velocity.py [--out results/earth_velocity]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import astropy.units as u
import numpy as np
import pandas as pd
from astropy.time import Time

from mcdm.io import atomic_path, atomic_write_text, markdown_table
from mcdm.source import earth_velocity, galactic_to_icrs_matrix, icrs_to_enu_matrices, radec_to_unit, unit_to_radec

__all__ = ["hours_below_horizon", "main"]


def hours_below_horizon(ra_deg: float, dec_deg: float, lat_deg: float, lon_deg: float = 0.0,
                        start: str = "2000-01-01T00:00:00", n: int = 2873) -> float:
    """Hours per sidereal day that the direction (RA, Dec) spends below the horizon at latitude [deg]."""
    times = Time(start, scale="utc") + np.linspace(0.0, 86164.0905, n, endpoint=False) * u.s
    enu = icrs_to_enu_matrices(times, lat_deg, lon_deg) @ radec_to_unit(ra_deg, dec_deg)
    return float(np.mean(enu[:, 2] < 0.0) * 86164.0905 / 3600.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/earth_velocity"))
    args = parser.parse_args(argv)

    days = Time("2000-01-01T00:00:00", scale="utc") + np.arange(0, 366) * u.day
    speed = {m: np.linalg.norm(earth_velocity(days, model=m), axis=1) for m in ("mccabe", "astropy")}
    table = pd.DataFrame({"date_utc": [t[:10] for t in days.isot], "u_E_mccabe_km_s": speed["mccabe"],
                          "u_E_astropy_km_s": speed["astropy"]})
    atomic_write_text(args.out / "earth_velocity_2000.csv", table.to_csv(index=False, float_format="%.4f"))

    jan1, jun1 = Time("2000-01-01T00:00:00"), Time("2000-06-01T00:00:00")
    u_jan = earth_velocity(jan1, model="mccabe")[0]
    ra_w, dec_w = unit_to_radec(galactic_to_icrs_matrix() @ (u_jan / np.linalg.norm(u_jan)))
    ra_gc, dec_gc = unit_to_radec(galactic_to_icrs_matrix() @ np.array([1.0, 0.0, 0.0]))
    ra_apex, dec_apex = unit_to_radec(galactic_to_icrs_matrix() @ np.array([0.0, 1.0, 0.0]))
    rows = [
        ("|u_E| 2000-01-01 (McCabe) [km/s]", f"{np.linalg.norm(u_jan):.2f}", "221.3"),
        ("|u_E| 2000-06-01 (McCabe) [km/s]", f"{np.linalg.norm(earth_velocity(jun1)[0]):.2f}", "248.3"),
        ("max |McCabe - astropy| over 2000 [km/s]", f"{np.max(np.abs(speed['mccabe'] - speed['astropy'])):.3f}", "< 1"),
        ("date of max |u_E| (McCabe)", table["date_utc"][int(np.argmax(speed["mccabe"]))], "~ June 1"),
        ("u_E direction 2000-01-01 (RA, Dec) [deg]", f"{float(ra_w):.1f}, {float(dec_w):+.1f}", "303.2, +49.9"),
        ("galactic centre (RA, Dec) [deg]", f"{float(ra_gc):.2f}, {float(dec_gc):+.2f}", "266.40, -28.94"),
        ("LSR apex (RA, Dec) [deg]", f"{float(ra_apex):.2f}, {float(dec_apex):+.2f}", "318.0, +48.33"),
        ("Dec +45 below horizon at 42.6 N [h]", f"{hours_below_horizon(300.0, 45.0, 42.6):.2f}", "2.5"),
        ("Dec +45 below horizon at 37.1 S [h]", f"{hours_below_horizon(300.0, 45.0, -37.1):.2f}", "18.5"),
        ("Jan-1 wind below horizon at 42.6 N [h]", f"{hours_below_horizon(float(ra_w), float(dec_w), 42.6):.2f}", "0 (derived)"),
        ("Jan-1 wind below horizon at 37.1 S [h]", f"{hours_below_horizon(float(ra_w), float(dec_w), -37.1):.2f}", "20.5 (derived)"),
    ]
    text = "# Earth velocity and horizon times (seed 004 astronomy inputs)\n\n" + markdown_table(
        ["quantity", "mcdm", "paper / digest"], [list(r) for r in rows]
    )
    atomic_write_text(args.out / "summary.md", text)
    print(text)

    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.8), constrained_layout=True)
    doy = np.arange(366)
    ax.plot(doy, speed["mccabe"], label="McCabe (2014) analytic orbit")
    ax.plot(doy, speed["astropy"], "--", label="astropy ephemeris")
    for when, label in ((0, "Jan 1"), (152, "Jun 1")):
        ax.axvline(when, color="0.7", lw=0.8)
        ax.annotate(f"{label}: {speed['mccabe'][when]:.1f} km/s", (when, speed["mccabe"][when]),
                    textcoords="offset points", xytext=(5, -12), fontsize=8)
    ax.set_xlabel("day of 2000")
    ax.set_ylabel(r"$|u_E|$ [km/s]")
    ax.set_title("Earth's speed through the halo (v_LSR = 220, v_pec = (11.1, 12.2, 7.3) km/s)", fontsize=9)
    ax.legend(fontsize=8)
    with atomic_path(args.out / "earth_velocity_2000.png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    print(f"written: {args.out}/summary.md, earth_velocity_2000.png, earth_velocity_2000.csv")


if __name__ == "__main__":
    main()

"""sigma/M(v) of seed 000's dust-covered pearls against Correa's dwarf-galaxy ranges (paper Figs. 8-9).

Draws the paper's linearised curve sigma/M|_0 (1 - v/v0)^4 (Eq. 37, clamped at v0) and the exact
solution of Eq. (28), (sqrt(1 + u^2) - u)^4, for sigma/M|_0 = 150 cm^2/g and v0 = 220 and 230 km/s;
Correa's preferred sigma/m ranges (Table 2 of Correa 2021, quoted in the paper) as error bars at the
dwarfs' mean collision speeds; a two-parameter least-squares fit of (sigma/M|_0, v0) to those
ranges in both forms; and the paper's two single-point fits (v0 = 230 km/s from 100 km/s and
220 km/s from 35 km/s, sigma/M|_0 = 150 cm^2/g fixed).

The dwarfs' <v> are not in the paper (only in Correa's Fig. 6). Give them with ``--velocities
UM=..,Draco=..,...`` (km/s, e.g. read off Correa's Fig. 6 [external]); by default the script uses
:func:`mcdm.physics.pearl_sidm.estimated_correa_velocities`, an NFW estimate from the table's M200
and c200 [external cosmology and V_max -> <v> relation], which is a stand-in, not Correa's values.
The single-point readings 15.3 and 75 cm^2/g are the values the paper's v0 imply (digest §2.2).

Writes ``<out>/sigma_m.png``, ``sigma_m.json`` and ``table.md``. Analytic: a second or two.

Usage::

    python scripts/seed000_sigma_m.py [--out results/seed000_sigma_m] [--velocities UM=20,Draco=38,...]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from mcdm.errors import ConfigError
from mcdm.io import atomic_path, atomic_write_json, atomic_write_text, markdown_table
from mcdm.physics import pearl_sidm as sidm

__all__ = ["compute", "main"]

SIGMA0_CM2_G = 150.0  # Eq. 5
SINGLE_POINTS = ((100.0, 15.3, 230.0), (35.0, 75.0, 220.0))  # (v [km/s], implied sigma/M [cm^2/g], paper's v0)


def _parse_velocities(text: str | None) -> tuple[dict[str, float], str]:
    if text is None:
        return sidm.estimated_correa_velocities(), "NFW estimate from Correa's M200, c200 [external, not Fig. 6]"
    out = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"--velocities: {item!r} is not NAME=km/s") from None
    return out, "user input [external]"


def compute(velocities_km_s: dict[str, float]) -> dict:
    """Curves, Correa points, the two-parameter fits and the single-point fits (cm^2/g, km/s)."""
    v = np.geomspace(1.0, 3000.0, 400)
    curves = {f"{form}_v0_{v0:g}": sidm.sigma_over_m(v, SIGMA0_CM2_G, v0, form)
              for form in sidm.SIDM_FORMS for v0 in (220.0, 230.0)}
    points = sidm.correa_points(velocities_km_s)
    fits = {form: sidm.fit_sigma_over_m(points, form, start=(SIGMA0_CM2_G, 220.0)) for form in sidm.SIDM_FORMS}
    fits_fixed = {form: sidm.fit_sigma_over_m(points, form, sigma_over_m0=SIGMA0_CM2_G) for form in sidm.SIDM_FORMS}
    single = []
    for v_pt, s_pt, v0_paper in SINGLE_POINTS:
        fit = sidm.fit_sigma_over_m([sidm.SidmPoint(v_pt, s_pt, s_pt)], sigma_over_m0=SIGMA0_CM2_G)
        single.append({"v_km_s": v_pt, "sigma_cm2_g": s_pt, "v0_fit_km_s": fit.v0_km_s, "v0_paper_km_s": v0_paper,
                       "exact_form_v0_km_s": sidm.v0_from_point(v_pt, s_pt, SIGMA0_CM2_G, "exact")})
    return {"v_km_s": v, "curves": curves, "points": points, "fits": fits, "fits_sigma0_fixed": fits_fixed,
            "single_point_fits": single}


def _plot(path: Path, res: dict, velocity_source: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.0, 5.0), constrained_layout=True)
    v = res["v_km_s"]
    styles = {"linear_v0_220": ("C0", "-"), "linear_v0_230": ("C0", ":"), "exact_v0_220": ("C1", "-"),
              "exact_v0_230": ("C1", ":")}
    for key, y in res["curves"].items():
        form, v0 = key.split("_v0_")
        label = f"{'Eq. 37 (1-v/v0)^4' if form == 'linear' else 'exact (sqrt(1+u²)-u)^4'}, v0 = {v0} km/s"
        ax.plot(v, np.where(y > 0, y, np.nan), color=styles[key][0], ls=styles[key][1], lw=1.4, label=label)
    for form, fit in res["fits"].items():
        ax.plot(v, np.where(fit.curve(v) > 0, fit.curve(v), np.nan), color="C2" if form == "linear" else "C4",
                ls="--", lw=1,
                label=f"fit ({form}): σ/M|0 = {fit.sigma_over_m0:.0f} cm²/g, v0 = {fit.v0_km_s:.0f} km/s")
    pts = res["points"]
    centre = np.array([0.5 * (p.sigma_lo + p.sigma_hi) for p in pts])
    half = np.array([0.5 * (p.sigma_hi - p.sigma_lo) for p in pts])
    ax.errorbar([p.v_km_s for p in pts], centre, yerr=half, fmt="o", ms=4, color="k", capsize=3,
                label=f"Correa (2021) Table 2 ranges; <v>: {velocity_source}")
    for p in pts:
        ax.annotate(p.label, (p.v_km_s, p.sigma_hi), textcoords="offset points", xytext=(2, 3), fontsize=7)
    for s in res["single_point_fits"]:
        ax.plot(s["v_km_s"], s["sigma_cm2_g"], "s", mfc="none", color="C3", ms=7)
        ax.annotate(f"v0 = {s['v0_fit_km_s']:.0f} km/s", (s["v_km_s"], s["sigma_cm2_g"]),
                    textcoords="offset points", xytext=(6, -10), fontsize=7, color="C3")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(v[0], v[-1])
    ax.set_ylim(1e-2, 1e3)
    ax.set_xlabel("collision velocity v [km/s]")
    ax.set_ylabel("σ/M [cm² g⁻¹]")
    ax.set_title("Seed 000: σ/M(v) of dust-covered pearls (σ/M|0 = 150 cm²/g)", fontsize=10)
    ax.legend(fontsize=6.5, loc="lower left")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=130, format="png")
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/seed000_sigma_m"))
    parser.add_argument("--velocities", default=None, help="NAME=km/s,... for all nine dwarfs of Correa's Table 2")
    args = parser.parse_args(argv)
    velocities, source = _parse_velocities(args.velocities)
    res = compute(velocities)
    _plot(args.out / "sigma_m.png", res, source)
    groups = (("free", res["fits"]), ("σ/M|0 = 150 fixed", res["fits_sigma0_fixed"]))
    fit_rows = [[name, form, f"{f.sigma_over_m0:.4g} ± {f.sigma_over_m0_err:.2g}",
                 f"{f.v0_km_s:.4g} ± {f.v0_km_s_err:.2g}", f"{f.chi2:.3g}", f.ndof]
                for name, fits in groups for form, f in fits.items()]
    single_rows = [[s["v_km_s"], s["sigma_cm2_g"], f"{s['v0_fit_km_s']:.4g}", s["v0_paper_km_s"],
                    f"{s['exact_form_v0_km_s']:.4g}"] for s in res["single_point_fits"]]
    point_rows = [[p.label, f"{p.v_km_s:.3g}", p.sigma_lo, p.sigma_hi] for p in res["points"]]
    text = ("# Seed 000: sigma/M(v) fits (cm^2/g, km/s)\n\n"
            f"Dwarf <v>: {source}.\n\n## Two-parameter least squares (iminuit)\n\n"
            + markdown_table(["fit", "form", "sigma/M|0 [cm^2/g]", "v0 [km/s]", "chi2", "ndof"], fit_rows)
            + "\n## The paper's single-point fits (sigma/M|0 = 150 cm^2/g)\n\n"
            + markdown_table(["v [km/s]", "sigma/M implied [cm^2/g]", "v0 fit (Eq. 37) [km/s]", "v0 paper [km/s]",
                              "v0 with the exact form [km/s]"], single_rows)
            + "\n## Points\n\n" + markdown_table(["dwarf", "<v> [km/s]", "sigma/m lo", "sigma/m hi"], point_rows))
    atomic_write_text(args.out / "table.md", text)
    atomic_write_json(args.out / "sigma_m.json", {**res, "velocity_source": source, "velocities_km_s": velocities,
                                                  "sigma0_cm2_g": SIGMA0_CM2_G})
    print(text)
    print(f"written: {args.out}/sigma_m.png, sigma_m.json, table.md")
    return res


if __name__ == "__main__":
    main()

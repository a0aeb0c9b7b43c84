"""Reproduce Tables 1 and 2 of seed 000 (Nielsen & Froggatt, "dirty dark-matter pearls") in paper mode.

For every number the paper prints in Table 1 (six predictions) and Table 2 (bounds on the pearl's
size) the script writes the printed value, the engine's value from mcdm.physics.pearl_paper and
their ratio. The pearl is the paper's (M = 3e-15 kg, rho_B = 5.2e11 kg/m^3 as in Eq. 14, r_dust =
0.1 um, v0 = 220 km/s, k_solid = 250, f_mod = 0.1); the local DM density 0.3 GeV/cm^3 is an
[external] input. Analytic: runs in about a second.

Writes ``<out>/seed000_table1/table1.md``, ``table1.json``, ``<out>/seed000_table2/table2.md``
and ``table2.json``.

Usage::

    python scripts/seed000_tables.py [--out results] [--rho-dm 0.3] [--passage-time model]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from mcdm.io import atomic_write_json, atomic_write_text, markdown_table
from mcdm.physics import pearl_paper as pp

__all__ = ["build", "main"]


def _g(x) -> str:
    return "—" if x is None else f"{x:.3g}"


def build(rho_dm_gev_cm3: float = pp.RHO_DM_LOCAL_GEV_CM3, passage_time_s: float | None = pp.PAPER_PASSAGE_TIME_S
          ) -> dict:
    """The paper report and both tables for the paper's pearl (see the module docstring)."""
    model = pp.paper_model()
    report = pp.paper_report(model, rho_dm_gev_cm3=rho_dm_gev_cm3, passage_time_s=passage_time_s)
    return {"model": model, "report": report, "table1": pp.table1_rows(report), "table2": pp.table2_rows(report),
            "printed": pp.PRINTED}


def _header(report: dict, title: str) -> str:
    m, x = report["model"], report["inputs"]
    return (f"# {title}\n\n"
            f"Paper mode (mcdm.physics.pearl_paper). Pearl: M = {m['mass_kg']:.3g} kg, R = {m['radius_m']:.3g} m, "
            f"rho_B = {m['rho_b']:.3g} kg/m^3 (Eq. 14 as printed), E_H = {m['e_h_kev']} keV, k_solid = "
            f"{m['k_solid']:g}, f_mod = {m['modulated_fraction']:g}. Depth {x['depth_m']:g} m of "
            f"{x['rho_rock_kg_m3']:g} kg/m^3 rock, passage time {report['suppression']['passage_time_s']:.3g} s, "
            f"rho_DM = {x['rho_dm_gev_cm3']:g} GeV/cm^3 [external]. Ratio = engine / printed; the paper's "
            "known slips are listed in digest 000 §8 and in the Note column.\n\n")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results"),
                        help="parent of seed000_table1/ and seed000_table2/")
    parser.add_argument("--rho-dm", type=float, default=pp.RHO_DM_LOCAL_GEV_CM3,
                        help="local DM density [GeV/cm^3] [external]")
    parser.add_argument("--passage-time", default=str(pp.PAPER_PASSAGE_TIME_S),
                        help="passage time [s] for the suppression, or 'model' (the pearl's own sinking time)")
    args = parser.parse_args(argv)
    t_pass = None if args.passage_time == "model" else float(args.passage_time)
    out = build(args.rho_dm, t_pass)
    report = out["report"]

    rows1 = [[r["row"], r["kind"], r["quantity"], _g(r["printed"]), _g(r["engine"]), _g(r["engine_over_printed"]),
              r["unit"], r["where"], r["note"]] for r in out["table1"]]
    text1 = _header(report, "Seed 000, Table 1: predictions, printed vs engine") + markdown_table(
        ["#", "exp/th", "quantity", "printed", "engine", "ratio", "unit", "where", "note"], rows1)
    rows2 = [[r["description"], _g(r["r_printed_m"]), _g(r["r_engine_m"]), _g(r["r_ratio"]), r["delta_r"],
              _g(r["m_printed_kg"]), _g(r["m_engine_kg"]), _g(r["m_ratio"]), r["delta_m"], r["section"],
              r["equations"], r["note"]] for r in out["table2"]]
    text2 = _header(report, "Seed 000, Table 2: bounds and estimates of the pearl size, printed vs engine") + \
        markdown_table(["description", "R printed [m]", "R engine [m]", "R ratio", "dR", "M printed [kg]",
                        "M engine [kg]", "M ratio", "dM", "sec.", "eqs.", "note"], rows2)
    d1, d2 = args.out / "seed000_table1", args.out / "seed000_table2"
    atomic_write_text(d1 / "table1.md", text1)
    atomic_write_text(d2 / "table2.md", text2)
    common = {"model": out["model"], "report": report}
    atomic_write_json(d1 / "table1.json", {**common, "rows": out["table1"],
                                           "printed": {k: v for k, v in out["printed"].items()}})
    atomic_write_json(d2 / "table2.json", {**common, "rows": out["table2"]})
    print(text1)
    print(text2)
    print(f"written: {d1}/table1.md, table1.json; {d2}/table2.md, table2.json")
    return out


if __name__ == "__main__":
    main()

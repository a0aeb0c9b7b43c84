"""Reproduce Table 2 of seed 004 (Eby, Fox & Kribs 2023) from the geometry library.

For the five isotopes of the three-layer Earth: spin-parity and magnetic moment (nuclide table),
isotopic fraction f, the element number densities n_core, n_mantle, n_crust [km^-3] (Table 2
prints element densities), and the isotope densities f n that enter the rate. Written to
``results/seed004_table2/table2.md`` and ``.csv``.

Usage::

    python scripts/table2_three_layer_earth.py [--out results/seed004_table2]
"""
from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import pandas as pd

from mcdm.geometry import library
from mcdm.io import atomic_write_text, markdown_table

__all__ = ["table2", "main"]


def table2() -> pd.DataFrame:
    """One row per isotope; densities in km^-3, moments in nuclear magnetons."""
    earth = library.load_earth("three_layer_efk2023")
    shells = earth.compile()
    nuclides = library.load_nuclides()
    fractions = library.read_entry(library.entry_path("earth", "three_layer_efk2023"))["earth"][
        "isotopic_fractions"
    ]
    rows = []
    for k, name in enumerate(shells.nuclides):
        nuc = nuclides.nuclide(name)
        f = float(fractions[name])
        iso = {layer: shells.number_density[i, k] for i, layer in enumerate(shells.layer_names)}
        spin = str(Fraction(nuc.spin).limit_denominator(2)) if nuc.spin is not None else "?"
        parity = "+" if nuc.parity == 1 else "-"
        rows.append(
            {
                "isotope": f"{nuc.A}{nuc.element}",
                "spin, parity": f"{spin}, {parity}",
                "f": f,
                "mu [e/2m_p]": nuc.magnetic_moment if nuc.magnetic_moment is not None else 0.0,
                **{f"n_{layer} [km^-3]": iso[layer] / f for layer in shells.layer_names},
                **{f"f n_{layer} [km^-3]": iso[layer] for layer in shells.layer_names},
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/seed004_table2"))
    args = parser.parse_args(argv)
    df = table2()
    atomic_write_text(args.out / "table2.csv", df.to_csv(index=False))
    rows = [[f"{x:.4g}" if isinstance(x, float) else x for x in row] for row in df.itertuples(index=False)]
    text = "# Seed 004, Table 2, from geometry/earth/three_layer_efk2023.toml\n\n" + markdown_table(list(df), rows)
    atomic_write_text(args.out / "table2.md", text)
    print(df.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(f"written: {args.out}/table2.md, table2.csv")


if __name__ == "__main__":
    main()

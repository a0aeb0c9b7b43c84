"""The paper's qualitative dark-forest statements (i)-(vi) (digest 002 §5.5, §14 item 13), evaluated
on line histograms of simulated sightlines.

Input: ``runs[(m_min, case)] = LineHistograms`` for two M_min [M_sun/h] and both DM cases
("collisionless", "collisional"), with the redshift windows (6, 5) and (2, 1). Each statement gives
``holds`` and the numbers behind it, so that a failure is a finding, not a mystery:

(i)   more lines per sightline for the lower M_min (both cases, both windows);
(ii)  tails reach further at z 2-1 than at 6-5: lines per sightline above the 99th percentile X of the
      6-5 distribution, 2-1 vs 6-5, for tau_0 and width, per (M_min, case);
(iii) collisional above collisionless at large tau_0: lines per sightline above the collisionless 99th
      percentile of tau_0 (lower M_min, both windows);
(iv)  the collisional tau_0 distribution rises again at low tau_0 (blends and line wings): the share
      of lines below 1e-3 of the modal tau_0 is larger for collisional than collisionless DM (lower
      M_min, both windows);
(v)   width distributions of the two cases nearly coincide: medians within a factor 1.5;
(vi)  wider lines for more massive halos: the width median is larger for the higher M_min.

Units: tau_0 per unit calA [1]; widths [Hz].
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from mcdm.errors import ConfigError
from mcdm.forest.statistics import LineHistograms

CASES = ("collisionless", "collisional")
#: the windows of the paper's Figs. 6-7 [(z_high, z_low)]
HIGH_Z, LOW_Z = (6.0, 5.0), (2.0, 1.0)


@dataclass(frozen=True)
class Statement:
    """One statement: label, whether it holds on these runs, and the numbers (name -> value)."""

    label: str
    holds: bool
    evidence: dict


def _low_tau_share(h: LineHistograms, w: int, below_mode: float = 1e-3) -> float:
    """Fraction of the window's lines with tau_0 < below_mode x the modal tau_0 [1]."""
    d = h.distribution("tau")
    c = d["mean"][w]
    if c.sum() <= 0:
        return 0.0
    mode = d["centers"][int(np.argmax(c))]
    return float(c[d["edges"][1:] <= below_mode * mode].sum() / c.sum())


def evaluate_statements(runs: Mapping[tuple[float, str], LineHistograms]) -> list[Statement]:
    """Statements (i)-(vi) on ``runs`` (module docstring)."""
    m_mins = sorted({m for m, _ in runs})
    if len(m_mins) != 2 or {c for _, c in runs} != set(CASES) or len(runs) != 4:
        raise ConfigError("statements need runs for two M_min and both DM cases")
    lo, hi = m_mins
    windows = runs[(lo, CASES[0])].windows
    if HIGH_Z not in windows or LOW_Z not in windows:
        raise ConfigError(f"statements need the redshift windows {HIGH_Z} and {LOW_Z}, got {windows}")
    i_hi, i_lo = windows.index(HIGH_Z), windows.index(LOW_Z)
    both = (i_hi, i_lo)
    out = []

    ev = {f"{c} M_min={m:.0e} z{windows[w][0]:g}-{windows[w][1]:g}": float(runs[(m, c)].n_lines[w]
                                                                          / runs[(m, c)].n_sightlines)
          for m in m_mins for c in CASES for w in both}
    ok = all(runs[(lo, c)].n_lines[w] / runs[(lo, c)].n_sightlines
             > runs[(hi, c)].n_lines[w] / runs[(hi, c)].n_sightlines for c in CASES for w in both)
    out.append(Statement("(i) more lines for lower M_min", ok, ev))

    for which in ("tau", "width"):
        ev, ok = {}, True
        for m in m_mins:
            for c in CASES:
                h = runs[(m, c)]
                x = h.quantile(which, i_hi, 0.99)
                a, b = h.count_above(which, i_lo, x), h.count_above(which, i_hi, x)
                ev[f"{c} M_min={m:.0e}: above {x:.3g}, z2-1 vs z6-5"] = (a, b)
                ok &= a > b
        out.append(Statement(f"(ii) {which} tails reach further at z 2-1 than at 6-5", bool(ok), ev))

    ev, ok = {}, True
    for w in both:
        x = runs[(lo, "collisionless")].quantile("tau", w, 0.99)
        a = runs[(lo, "collisional")].count_above("tau", w, x)
        b = runs[(lo, "collisionless")].count_above("tau", w, x)
        ev[f"z{windows[w][0]:g}-{windows[w][1]:g}: above {x:.3g}, collisional vs collisionless"] = (a, b)
        ok &= a > b
    out.append(Statement("(iii) collisional above collisionless at large tau_0", bool(ok), ev))

    ev, ok = {}, True
    for w in both:
        a, b = (_low_tau_share(runs[(lo, c)], w) for c in ("collisional", "collisionless"))
        ev[f"z{windows[w][0]:g}-{windows[w][1]:g}: share below 1e-3 mode, collisional vs collisionless"] = (a, b)
        ok &= a > b
    out.append(Statement("(iv) collisional tau_0 distribution rises again at low tau_0", bool(ok), ev))

    ev, ok = {}, True
    for m in m_mins:
        for w in both:
            a, b = (runs[(m, c)].quantile("width", w, 0.5) for c in CASES)
            ev[f"M_min={m:.0e} z{windows[w][0]:g}-{windows[w][1]:g}: width medians [Hz]"] = (a, b)
            ok &= max(a, b) / max(min(a, b), 1e-300) < 1.5
    out.append(Statement("(v) width distributions nearly coincide", bool(ok), ev))

    ev, ok = {}, True
    for c in CASES:
        for w in both:
            a, b = (runs[(m, c)].quantile("width", w, 0.5) for m in (hi, lo))
            ev[f"{c} z{windows[w][0]:g}-{windows[w][1]:g}: width median [Hz], M_min={hi:.0e} vs {lo:.0e}"] = (a, b)
            ok &= a > b
    out.append(Statement("(vi) wider lines for more massive halos", bool(ok), ev))
    return out


def statements_markdown(statements: list[Statement]) -> str:
    """A markdown list: one line per statement with its verdict and numbers."""
    lines = []
    for s in statements:
        nums = "; ".join(f"{k}: " + (", ".join(f"{x:.4g}" for x in v) if isinstance(v, tuple) else f"{v:.4g}")
                         for k, v in s.evidence.items())
        lines.append(f"- {s.label}: {'yes' if s.holds else 'NO'} ({nums})")
    return "\n".join(lines)

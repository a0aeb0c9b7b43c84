"""Natural xenon for recoil rates: isotopes and their shell-model nuclear responses.

The isotope table (atom fractions renormalised over A = 128, 129, 130, 131, 132, 134, 136; AME2020
masses) and the NREFT response polynomials come from the package data file
``mcdm/data/nuclear_responses/xenon_shell_model.toml`` (its header gives the provenance:
Fitzpatrick et al. / Anand et al. shell-model responses as distributed with WIMpy_NREFT).
:func:`xenon_target` returns ``[(NuclearResponse, abundance), ...]`` for the response choices of
:data:`XENON_MODELS`: ``"shell_model"`` (all operators), ``"helm+shell_spin"`` (Helm W_M plus the
shell-model spin operators as separate ``"Xe129[spin]"`` entries) and ``"helm"``.

Used by the seed-004 LZ recast (:mod:`mcdm.analysis.recast`) and the inelastic recoils of seed 003
(:mod:`mcdm.physics.inelastic_dd`).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

import numpy as np

from mcdm.constants import AMU_GEV
from mcdm.errors import ConfigError
from mcdm.physics.nuclear import OPERATORS, NuclearResponse, helm_response, oscillator_length_gev

__all__ = ["XENON_MODELS", "XENON_DATA", "XenonIsotope", "xenon_isotopes", "xenon_target"]

#: xenon response choices (module docstring)
XENON_MODELS = ("shell_model", "helm+shell_spin", "helm")
#: package data file of the xenon shell-model responses and isotope table
XENON_DATA = "xenon_shell_model.toml"


@dataclass(frozen=True)
class XenonIsotope:
    """One natural xenon isotope of the recast.

    Attributes
    ----------
    name : str -- ``"Xe131"``
    A : int -- mass number; Z = 54
    spin : float -- ground-state spin [hbar]
    abundance : float -- atom fraction, renormalised over the seven isotopes [1]
    mass_u : float -- atomic mass [u]
    """

    name: str
    A: int
    spin: float
    abundance: float
    mass_u: float

    @property
    def mass_gev(self) -> float:
        """Atomic mass [GeV]."""
        return self.mass_u * AMU_GEV


@lru_cache(maxsize=None)
def _xenon_data() -> dict[str, Any]:
    res = resources.files("mcdm").joinpath("data", "nuclear_responses", XENON_DATA)
    return tomllib.loads(res.read_text(encoding="utf-8"))


def xenon_isotopes() -> tuple[XenonIsotope, ...]:
    """The seven xenon isotopes with atom fractions renormalised to sum to 1 (ascending A)."""
    nuclides = _xenon_data()["nuclides"]
    total = sum(float(e["abundance"]) for e in nuclides.values())
    out = [XenonIsotope(name=k, A=int(e["A"]), spin=float(e["spin"]),
                        abundance=float(e["abundance"]) / total, mass_u=float(e["mass_u"]))
           for k, e in nuclides.items()]
    return tuple(sorted(out, key=lambda i: i.A))


def _shell_response(iso: XenonIsotope, operators: Iterable[str], label: str) -> NuclearResponse:
    """Polynomial response of ``iso`` with only ``operators`` switched on (others zero)."""
    entry = _xenon_data()["nuclides"][iso.name]
    ops = [op for op in operators if op in entry]
    p = max((len(v) for op in ops for v in entry[op].values()), default=1)
    coeffs = np.zeros((len(OPERATORS), 2, 2, p))
    for op in ops:
        for tt, values in entry[op].items():
            coeffs[OPERATORS.index(op), int(tt[0]), int(tt[1]), : len(values)] = values
    coeffs.setflags(write=False)
    citation = " ".join(str(_xenon_data()["meta"]["citation"]).split())
    return NuclearResponse(
        name=label, Z=54, A=iso.A, spin=iso.spin, kind="shell_model", coefficients=coeffs,
        b=oscillator_length_gev(iso.A), mass_gev=iso.mass_gev,
        helm=helm_response(iso.name, 54, iso.A, iso.spin).helm, source=citation,
    )


_SPIN_OPERATORS = ("SigmaP", "Delta", "DeltaSigmaP")


def xenon_target(xenon_model: str = "shell_model") -> list[tuple[NuclearResponse, float]]:
    """Responses of natural xenon and their atom fractions, ``[(response, abundance), ...]``.

    For ``"helm+shell_spin"`` 129Xe and 131Xe appear twice, as a Helm W_M entry and a spin-only
    entry (``"Xe129[spin]"``) with the same abundance; the rate is linear in the W's, so the sum is
    the rate of the combined response.

    Parameters
    ----------
    xenon_model : str -- one of :data:`XENON_MODELS`
    """
    if xenon_model not in XENON_MODELS:
        raise ConfigError(f"xenon_model {xenon_model!r} is unknown; "
                          f"choose one of {list(XENON_MODELS)}")
    out: list[tuple[NuclearResponse, float]] = []
    for iso in xenon_isotopes():
        if xenon_model == "shell_model":
            out.append((_shell_response(iso, OPERATORS, iso.name), iso.abundance))
            continue
        out.append((helm_response(iso.name, 54, iso.A, iso.spin, iso.mass_gev), iso.abundance))
        if xenon_model == "helm+shell_spin" and iso.spin > 0:
            out.append((_shell_response(iso, _SPIN_OPERATORS, f"{iso.name}[spin]"), iso.abundance))
    return out

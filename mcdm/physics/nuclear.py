"""Nuclear response functions W_k^{tau tau'}(q) for dark-matter-nucleus scattering.

Two sources:

* ``"appendix_b"``: the shell-model polynomials of Eby, Fox & Kribs (2023), App. B.1, for 24Mg,
  25Mg, 27Al, 29Si and 56Fe, shipped as package data
  ``mcdm/data/nuclear_responses/efk2023_appendix_b.toml``;
  W = exp(-2y) x polynomial(y) with y = (q b/2)^2 and b from Eq. (B.6).
* ``"helm"``: a fallback for other isotopes, the charge-like response only,
  W_M^{tau tau'}(q) = (2j+1)/(16 pi) x {A^2, A(Z-N), A(Z-N), (Z-N)^2} x F_Helm(q)^2 with the Lewin &
  Smith (1996) parameters. **Limitation:** the spin responses (Sigma', Delta, Delta Sigma') of
  isotopes not in App. B are omitted, so for spin-carrying nuclei the Helm stand-in
  under-estimates the rate.

Operator names: ``"M"``, ``"SigmaPP"`` (Sigma''), ``"SigmaP"`` (Sigma'), ``"Delta"``,
``"DeltaSigmaP"`` (Delta Sigma'). Isospin indices tau, tau' are 0 (isoscalar) and 1 (isovector).
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

import numpy as np

from mcdm.errors import ConfigError, DataLibraryError
from mcdm.kernels import nuclear as _k
from mcdm.physics import _checks

__all__ = [
    "OPERATORS",
    "KERNEL_OPERATORS",
    "HELM_C_SLOPE_FM",
    "HELM_C_OFFSET_FM",
    "HELM_A_FM",
    "HELM_S_FM",
    "oscillator_length_fm",
    "oscillator_length_gev",
    "NuclearResponse",
    "CompiledResponses",
    "load_responses",
    "response_for",
    "helm_response",
    "compile_responses",
]

#: every operator stored in the data files, in the order of NuclearResponse.coefficients
OPERATORS: tuple[str, ...] = ("M", "SigmaPP", "SigmaP", "Delta", "DeltaSigmaP")
#: the operators the kernels use (index = mcdm.kernels.nuclear.OP_*); Sigma'' has R = 0 for MIDM
KERNEL_OPERATORS: tuple[str, ...] = ("M", "SigmaP", "Delta", "DeltaSigmaP")
_ISOSPIN = ("00", "01", "10", "11")
#: above these y the responses are 0 in double precision: e^{-2y} x polynomial(y) (e^{-800}
#: underflows), and the Helm F(q)^2 <= e^{-q^2 s^2} with q^2 s^2 >= 0.48 y for every A <= 300
_Y_ZERO = 400.0
_Y_ZERO_HELM = 2000.0

# Lewin & Smith (1996), Astropart. Phys. 6, 87, Sec. 4.3: c = 1.23 A^{1/3} - 0.60 fm, a = 0.52 fm,
# s = 0.9 fm
HELM_C_SLOPE_FM = 1.23
HELM_C_OFFSET_FM = 0.60
HELM_A_FM = 0.52
HELM_S_FM = 0.9

_DATA_PACKAGE = "mcdm"
_DATA_DIR = ("data", "nuclear_responses")
_SOURCES = {"efk2023_appendix_b": "efk2023_appendix_b.toml"}


def oscillator_length_fm(A: float) -> float:
    """Harmonic-oscillator length b = sqrt(41.467/(45 A^{-1/3} - 25 A^{-2/3})) [fm] (Eq. B.6).

    Parameters
    ----------
    A : float -- mass number [1]
    """
    # digest 004 §2.6, Eq. (B.6)
    a13 = float(A) ** (-1.0 / 3.0)
    return math.sqrt(41.467 / (45.0 * a13 - 25.0 * a13 * a13))


def oscillator_length_gev(A: float) -> float:
    """Harmonic-oscillator length b of Eq. (B.6) in natural units [GeV^-1]."""
    return oscillator_length_fm(A) / _k.HBARC_GEV_FM


def _helm_c_fm(A: float) -> float:
    return HELM_C_SLOPE_FM * float(A) ** (1.0 / 3.0) - HELM_C_OFFSET_FM


@dataclass(frozen=True)
class NuclearResponse:
    """Nuclear responses of one isotope.

    Attributes
    ----------
    name : str -- canonical nuclide name (``"Al27"``)
    Z, A : int -- atomic and mass number
    spin : float -- ground-state spin j [hbar]
    kind : str -- ``"appendix_b"`` (polynomial table) or ``"helm"`` (M only)
    coefficients : ndarray (5, 2, 2, P) -- exp(-2y) polynomial coefficients, operator order
        :data:`OPERATORS`, ascending powers of y (zeros for Helm) [1]
    b : float -- oscillator length of Eq. (B.6) [GeV^-1]
    mass_gev : float -- nuclear target mass used in kinematics [GeV]
    helm : tuple -- (c_fm, a_fm, s_fm) Helm parameters [fm]
    source : str -- citation of the data
    """

    name: str
    Z: int
    A: int
    spin: float
    kind: str
    coefficients: np.ndarray = field(repr=False, compare=False)
    b: float
    mass_gev: float
    helm: tuple[float, float, float] = (0.0, HELM_A_FM, HELM_S_FM)
    source: str = ""

    @property
    def N(self) -> int:
        """Neutron number A - Z."""
        return self.A - self.Z

    @property
    def b_fm(self) -> float:
        """Oscillator length [fm]."""
        return self.b * _k.HBARC_GEV_FM

    @property
    def kind_code(self) -> int:
        """Kernel response kind (KIND_POLYNOMIAL or KIND_HELM)."""
        return _k.KIND_HELM if self.kind == "helm" else _k.KIND_POLYNOMIAL

    def y(self, q_gev: Any) -> np.ndarray | float:
        """Oscillator variable y = (q b / 2)^2 [1] for momentum transfer ``q_gev`` [GeV] (finite, >= 0)."""
        return self._y(q_gev, "q_gev")

    def _y(self, q_gev: Any, field: str) -> np.ndarray | float:
        q = _checks.array(q_gev, field, "GeV", ge=0.0)
        with np.errstate(over="ignore"):  # y = inf for q beyond ~1e154 GeV: W = 0 there
            return (0.25 * q * q * self.b * self.b)[()]

    def helm_array(self) -> np.ndarray:
        """The kernel's ``helm`` array (A, Z, c_fm, a_fm, s_fm) [1, 1, fm, fm, fm]."""
        return np.array([float(self.A), float(self.Z), *self.helm], dtype=np.float64)

    def kernel_coefficients(self, degree: int | None = None) -> np.ndarray:
        """The kernel's coefficient array (4, 2, 2, P) in :data:`KERNEL_OPERATORS` order [1].

        Parameters
        ----------
        degree : int, optional -- pad to P = degree + 1 coefficients (>= the stored degree)
        """
        idx = [OPERATORS.index(op) for op in KERNEL_OPERATORS]
        sub = self.coefficients[idx]
        p = sub.shape[-1] if degree is None else degree + 1
        if p < sub.shape[-1]:
            raise ValueError(f"degree {degree} is below the stored degree {sub.shape[-1] - 1}")
        out = np.zeros((4, 2, 2, p))
        out[..., : sub.shape[-1]] = sub
        return out

    def W(self, operator: str, tau: int, tau_prime: int, q: Any = None, *,
          y: Any = None) -> np.ndarray | float:
        """Response W_operator^{tau tau'} at momentum transfer ``q`` [GeV] or at ``y`` [1].

        Exactly one of ``q`` and ``y`` is given (``y`` = (q b/2)^2), finite and >= 0. Returns [1],
        vectorised; 0 where e^{-2y} underflows (y > 400).
        """
        if (q is None) == (y is None):
            raise ConfigError("give exactly one of q [GeV] and y [1]")
        if not isinstance(operator, str) or operator not in OPERATORS:
            raise DataLibraryError(
                f"nuclear response operator {operator!r} is unknown; known: {list(OPERATORS)}"
            )
        bad = [name for name, t in (("tau", tau), ("tau_prime", tau_prime))
               if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t not in (0, 1)]
        if bad:
            raise ConfigError(f"isospin indices {' and '.join(bad)} must be 0 or 1, got ({tau!r}, {tau_prime!r})")
        if y is None:
            yv = np.asarray(self._y(q, "q"), dtype=float)
        else:
            yv = _checks.array(y, "y", "1", ge=0.0)
        if self.kind == "helm":
            if operator != "M":
                return np.zeros_like(yv)[()]
            far = yv > _Y_ZERO_HELM  # F^2 = 0 there; keeps q finite for the kernel
            qv = 2.0 * np.sqrt(np.where(far, 0.0, yv)) / self.b
            facs = (float(self.A), float(self.Z - self.N))
            norm = (2.0 * self.spin + 1.0) / (16.0 * math.pi) * facs[tau] * facs[tau_prime]
            ff = np.array([_k.helm_form_factor(qq, self.A, *self.helm) for qq in qv.ravel()])
            return np.where(far, 0.0, norm * ff.reshape(qv.shape) ** 2)[()]
        poly = self.coefficients[OPERATORS.index(operator), tau, tau_prime]
        yv = np.minimum(yv, _Y_ZERO)  # e^{-2y} = 0 from y = 372 on: same values, finite polynomial
        # digest 004 §2.6: W = e^{-2y} sum eta_i y^i
        return (np.exp(-2.0 * yv) * np.polynomial.polynomial.polyval(yv, poly))[()]


class CompiledResponses(NamedTuple):
    """Responses of I isotopes as plain arrays for the kernels.

    kind (I,) int64; coeffs (I, 4, 2, 2, P) float64 [1]; helm (I, 5) float64 (A, Z, c, a, s [fm]);
    b (I,) [GeV^-1]; j (I,) [hbar]; mass_gev (I,) [GeV]; Z (I,), A (I,) float64; names tuple[str].
    """

    kind: np.ndarray
    coeffs: np.ndarray
    helm: np.ndarray
    b: np.ndarray
    j: np.ndarray
    mass_gev: np.ndarray
    Z: np.ndarray
    A: np.ndarray
    names: tuple[str, ...]


def _nuclide_table():
    from mcdm.geometry.library import load_nuclides

    return load_nuclides()


def _mass_gev(name: str, A: int) -> float:
    """Nuclide mass from the natural-abundance table [GeV] (A x u if absent)."""
    from mcdm.constants import AMU_GEV

    table = _nuclide_table()
    if name in table:
        return float(table.nuclide(name).mass_gev)
    return float(A) * AMU_GEV


def _coeff_list(source: str, iso: str, op: str, tt: str, values: Any) -> list[float]:
    if not isinstance(values, list) or not values or not all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in values
    ):
        raise DataLibraryError(
            f"{source}: nuclides.{iso}.{op}.{tt} must be a non-empty list of numbers, "
            f"got {values!r}"
        )
    return [float(x) for x in values]


@lru_cache(maxsize=None)
def load_responses(source: str = "efk2023_appendix_b") -> Mapping[str, NuclearResponse]:
    """Every response of a shipped data set, keyed by canonical nuclide name (read-only, cached).

    Parameters
    ----------
    source : str -- data-set name; known: ``"efk2023_appendix_b"``
    """
    if source not in _SOURCES:
        raise DataLibraryError(
            f"nuclear response source {source!r} is unknown; known: {sorted(_SOURCES)}"
        )
    res = resources.files(_DATA_PACKAGE).joinpath(*_DATA_DIR, _SOURCES[source])
    data = tomllib.loads(res.read_text(encoding="utf-8"))
    citation = " ".join(str(data.get("meta", {}).get("citation", source)).split())
    out: dict[str, NuclearResponse] = {}
    for iso, entry in data.get("nuclides", {}).items():
        unknown = set(entry) - {"Z", "A", "spin", "spin_parity", *OPERATORS}
        if unknown:
            raise DataLibraryError(
                f"{source}: nuclides.{iso} has unknown keys {sorted(unknown)}; allowed: Z, A, "
                f"spin, spin_parity and operators {list(OPERATORS)}"
            )
        lists: dict[tuple[int, int, int], list[float]] = {}
        for op_i, op in enumerate(OPERATORS):
            for tt, values in entry.get(op, {}).items():
                if tt not in _ISOSPIN:
                    raise DataLibraryError(
                        f"{source}: nuclides.{iso}.{op} has isospin key {tt!r}; allowed {_ISOSPIN}"
                    )
                lists[(op_i, int(tt[0]), int(tt[1]))] = _coeff_list(source, iso, op, tt, values)
        p = max((len(v) for v in lists.values()), default=1)
        coeffs = np.zeros((len(OPERATORS), 2, 2, p))
        for (op_i, t, tp), values in lists.items():
            coeffs[op_i, t, tp, : len(values)] = values
        coeffs.setflags(write=False)
        A, Z = int(entry["A"]), int(entry["Z"])
        out[iso] = NuclearResponse(
            name=iso, Z=Z, A=A, spin=float(entry["spin"]), kind="appendix_b", coefficients=coeffs,
            b=oscillator_length_gev(A), mass_gev=_mass_gev(iso, A),
            helm=(_helm_c_fm(A), HELM_A_FM, HELM_S_FM), source=citation,
        )
    return MappingProxyType(out)


def helm_response(name: str, Z: int, A: int, spin: float, mass_gev: float | None = None
                  ) -> NuclearResponse:
    """A Helm-form-factor stand-in response (W_M only; spin responses omitted).

    Parameters
    ----------
    name : str -- label, e.g. ``"Xe131"``
    Z, A : int -- atomic and mass number
    spin : float -- ground-state spin j [hbar]
    mass_gev : float, optional -- nuclear mass [GeV]; default A x u
    """
    from mcdm.constants import AMU_GEV

    if not (1 <= Z <= A):
        raise DataLibraryError(f"helm_response {name!r}: need 1 <= Z <= A, got Z={Z}, A={A}")
    if spin < 0 or (2 * spin) % 1:
        raise DataLibraryError(f"helm_response {name!r}: spin must be a non-negative half-integer, "
                               f"got {spin}")
    coeffs = np.zeros((len(OPERATORS), 2, 2, 1))
    coeffs.setflags(write=False)
    return NuclearResponse(
        name=name, Z=int(Z), A=int(A), spin=float(spin), kind="helm", coefficients=coeffs,
        b=oscillator_length_gev(A),
        mass_gev=float(A) * AMU_GEV if mass_gev is None else float(mass_gev),
        helm=(_helm_c_fm(A), HELM_A_FM, HELM_S_FM),
        source="Helm form factor, Lewin & Smith (1996); spin responses omitted",
    )


def response_for(nuclide_name: str, allow_helm: bool = False,
                 source: str = "efk2023_appendix_b") -> NuclearResponse:
    """The response of one nuclide: the App.-B entry, or a Helm stand-in when ``allow_helm``.

    Parameters
    ----------
    nuclide_name : str -- any spelling the nuclide table reads (``"Al27"``, ``"27Al"``)
    allow_helm : bool -- fall back to :func:`helm_response` for nuclides of the abundance table
    source : str -- response data set
    """
    from mcdm.geometry.nuclide import nuclide_name as canonical

    name = canonical(nuclide_name)
    table = load_responses(source)
    if name in table:
        return table[name]
    known = sorted(table)
    if not allow_helm:
        raise DataLibraryError(
            f"nuclide {nuclide_name!r} has no nuclear response in {source!r}; known: {known} "
            "(pass allow_helm=True for a Helm stand-in without spin responses)"
        )
    nuclides = _nuclide_table()
    if name not in nuclides:
        raise DataLibraryError(
            f"nuclide {nuclide_name!r} has no response in {source!r} (known: {known}) and is not "
            "in the nuclide table, so no Helm stand-in can be built; use "
            "helm_response(name, Z, A, spin)"
        )
    nuc = nuclides.nuclide(name)
    return helm_response(name, nuc.Z, nuc.A, nuc.spin, nuc.mass_gev)


def compile_responses(names, allow_helm: bool = False,
                      source: str = "efk2023_appendix_b") -> CompiledResponses:
    """Stack the responses of several nuclides into kernel arrays (:class:`CompiledResponses`).

    Parameters
    ----------
    names : iterable of str or NuclearResponse -- nuclide names, or ready-made responses
    allow_helm, source -- see :func:`response_for`
    """
    resp = [n if isinstance(n, NuclearResponse) else response_for(n, allow_helm, source)
            for n in names]
    if not resp:
        raise DataLibraryError("compile_responses: give at least one nuclide")
    p = max(r.coefficients.shape[-1] for r in resp)
    return CompiledResponses(
        kind=np.array([r.kind_code for r in resp], dtype=np.int64),
        coeffs=np.stack([r.kernel_coefficients(p - 1) for r in resp]),
        helm=np.stack([r.helm_array() for r in resp]),
        b=np.array([r.b for r in resp]),
        j=np.array([r.spin for r in resp]),
        mass_gev=np.array([r.mass_gev for r in resp]),
        Z=np.array([float(r.Z) for r in resp]),
        A=np.array([float(r.A) for r in resp]),
        names=tuple(r.name for r in resp),
    )

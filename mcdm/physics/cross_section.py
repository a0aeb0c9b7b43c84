"""MIDM-nucleus upscatter cross sections chi N -> chi_2 N (seed 004, Eby, Fox & Kribs 2023).

Vectorised NumPy-facing wrappers of :mod:`mcdm.kernels.nuclear`:

* :func:`matrix_element_sq` -- spin-averaged |M|^2 of Eq. (25) [GeV^-4];
* :func:`dsigma_dcos_cm` -- Eq. (32) [cm^2];
* :func:`dsigma_dER` -- dsigma/dE_R = dsigma/dcos / |dE_R/dcos| with dE_R/dcos = mu^2 v^2 beta / M
  from Eq. (34) [cm^2/keV];
* :func:`differential_rate_per_target` -- Eq. (33) per target nucleus, 1-D quadrature in speed
  over a halo's lab-frame speed distribution [1/(s keV)].

The model is duck-typed: any object with ``e_mu_scattering`` [GeV^-1], ``m_chi`` [GeV], ``delta``
[GeV], ``g_p``, ``g_n`` and optionally ``m_nucleon`` [GeV] (default: neutron mass), e.g.
:class:`mcdm.physics.midm.MagneticInelasticDM`. Kinematics follow the paper's printed Eq. (34) with
the DM-nucleus reduced mass mu and threshold mu v^2 > 2 delta.

Normalisation (digest 004 §8.1): ``prefactor="paper"`` is Eq. (32) as printed, mu^2/(4 pi);
``"standard"`` is mu^2/(2 pi), i.e. dsigma/dE_R = M/(2 pi v^2) |M|^2 (the authors' code).

``keep`` selects which EFT coefficients are switched on (subsets of ``("c1", "c4", "c5")``); the
others are set to zero. This is how Fig. 2's per-coefficient curves are made (interference terms
appear only when both coefficients are kept).

Inputs are checked first (:mod:`mcdm.physics._checks`): the model's parameters, speeds in [0, c],
cosines in [-1, 1], recoil energies and momentum transfers finite and >= 0 (> 0 where a 1/q
appears). :func:`differential_rate_per_target` returns zeros with a
:class:`~mcdm.errors.PhysicsWarning` when no recoil energy is kinematically open.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Iterable

import numpy as np

from mcdm.constants import C_KM_S, HBARC_GEV_CM, M_NEUTRON_GEV
from mcdm.errors import ConfigError, PhysicsWarning
from mcdm.kernels import nuclear as _k
from mcdm.kernels.midm import eft_isospin_coefficients_array
from mcdm.physics import _checks
from mcdm.physics.nuclear import _Y_ZERO, _Y_ZERO_HELM, NuclearResponse, response_for

__all__ = [
    "PREFACTORS",
    "COEFFICIENTS",
    "eft_coefficients",
    "reduced_mass",
    "q2_from_cos_cm",
    "v_min_km_s",
    "matrix_element_sq",
    "dsigma_dcos_cm",
    "dsigma_dER",
    "differential_rate_per_target",
]

#: cross-section normalisations (digest 004 §8.1) -> kernel prefactor code
PREFACTORS = {"paper": _k.PREFACTOR_PAPER, "standard": _k.PREFACTOR_STANDARD}
#: coefficient names that ``keep`` may contain
COEFFICIENTS = ("c1", "c4", "c5")
_GEV_PER_KEV = 1.0e-6
_CM_PER_KM = 1.0e5


def _prefactor_code(prefactor: str) -> int:
    try:
        return PREFACTORS[prefactor]
    except (KeyError, TypeError):
        raise ConfigError(
            f"cross-section prefactor {prefactor!r} is unknown; choose one of {sorted(PREFACTORS)}"
        ) from None


def _response(response: NuclearResponse | str) -> NuclearResponse:
    if isinstance(response, NuclearResponse):
        return response
    if not isinstance(response, str):
        raise ConfigError(f"response must be a NuclearResponse or a nuclide name, got {type(response).__name__}")
    return response_for(response)


def _m_nucleon(model: Any) -> float:
    return _checks.mass(getattr(model, "m_nucleon", M_NEUTRON_GEV), "model.m_nucleon")


def _check_model(model: Any) -> None:
    """The duck-typed model's numbers: m_chi a mass, delta >= 0, finite e_mu, g_p, g_n, m_nucleon."""
    for name in ("m_chi", "delta", "e_mu_scattering", "g_p", "g_n"):
        if not hasattr(model, name):
            raise ConfigError(f"model has no attribute {name!r}; pass e.g. a MagneticInelasticDM")
    _checks.mass(model.m_chi, "model.m_chi")
    _checks.scalar(model.delta, "model.delta", "GeV", ge=0.0, le=_checks.MASS_RANGE_GEV[1])
    for name in ("e_mu_scattering", "g_p", "g_n"):
        _checks.scalar(getattr(model, name), f"model.{name}", "GeV^-1" if name[0] == "e" else "1")
    _m_nucleon(model)


def _broadcast(a: np.ndarray, b: np.ndarray, names: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        return np.broadcast_arrays(a, b)
    except ValueError:
        raise ConfigError(f"{names} have shapes {a.shape} and {b.shape}, which do not broadcast") from None


def _finite_coefficients(c: np.ndarray, q2: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(c)):
        raise ConfigError(f"q2 is too small: c5 ~ 1/q2 overflows at q2 = {q2.min():g} GeV^2")
    return c


def _keep_mask(keep: Iterable[str]) -> np.ndarray:
    if isinstance(keep, str) or not isinstance(keep, Iterable):
        raise ConfigError(f"keep must be a tuple of coefficient names from {list(COEFFICIENTS)}, got {keep!r:.40}")
    keep = tuple(keep)
    bad = [k for k in keep if k not in COEFFICIENTS]
    if bad:
        raise ConfigError(f"keep: unknown coefficients {bad}; choose from {list(COEFFICIENTS)}")
    return np.repeat([c in keep for c in COEFFICIENTS], 2).astype(float)


def reduced_mass(model: Any, response: NuclearResponse | str) -> float:
    """DM-nucleus reduced mass mu = m_chi M / (m_chi + M) [GeV]."""
    _check_model(model)
    m_n = _response(response).mass_gev
    return model.m_chi * m_n / (model.m_chi + m_n)


def eft_coefficients(model: Any, q2: Any, keep: Iterable[str] = COEFFICIENTS) -> np.ndarray:
    """Isospin EFT coefficients (c1_0, c1_1, c4_0, c4_1, c5_0, c5_1) at q^2 [GeV^-2], shape (n, 6).

    Parameters
    ----------
    model : MIDM-like (module docstring)
    q2 : array_like -- squared momentum transfer [GeV^2], > 0
    keep : iterable of str -- coefficients left on; the others are zeroed
    """
    _check_model(model)
    mask = _keep_mask(keep)
    q2 = np.ascontiguousarray(_checks.array(q2, "q2", "GeV^2", gt=0.0).reshape(-1))
    # digest 004 §2.3, Eqs. (17)-(22) (E's kernel); c6 is dropped (R_Sigma'' = 0)
    c = eft_isospin_coefficients_array(q2, float(model.e_mu_scattering), float(model.m_chi),
                                       _m_nucleon(model), float(model.g_p), float(model.g_n))
    return np.ascontiguousarray(_finite_coefficients(c[:, :6], q2) * mask)


def q2_from_cos_cm(model: Any, response: NuclearResponse | str, v_km_s: Any, cos_cm: Any
                   ) -> np.ndarray:
    """Momentum transfer q^2 = 2 M E_R at CM angle theta_cm, Eq. (34) [GeV^2] (nan below threshold).

    Written as mu^2 v^2 (1 - beta)^2 + 2 mu^2 v^2 beta (1 - cos), beta = sqrt(1 - 2 delta/(mu v^2)),
    which equals 2 M x Eq. (34) without cancellation near cos = 1.

    Parameters
    ----------
    v_km_s : array_like -- DM speed in the nucleus rest frame [km/s]
    cos_cm : array_like -- cos(theta_cm) [1]
    """
    mu = reduced_mass(model, response)
    v = _checks.speeds(v_km_s, "v_km_s") / C_KM_S
    cos = _checks.cosines(cos_cm, "cos_cm")
    _broadcast(v, cos, "v_km_s and cos_cm")
    with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
        p2 = mu * mu * v * v
        beta2 = 1.0 - 2.0 * model.delta / (mu * v * v)  # -inf at v -> 0: below threshold, nan
        beta = np.sqrt(np.where(beta2 > 0.0, beta2, np.nan))
        one_minus_beta = (1.0 - beta2) / (1.0 + beta)
        return p2 * one_minus_beta**2 + 2.0 * p2 * beta * (1.0 - cos)


def v_min_km_s(model: Any, response: NuclearResponse | str, e_r_kev: Any) -> np.ndarray:
    """Minimum speed for recoil energy E_R, (M E_R + mu delta)/(mu sqrt(2 M E_R)) [km/s].

    Parameters
    ----------
    e_r_kev : array_like -- nuclear recoil energy [keV], > 0
    """
    resp = _response(response)
    out = _v_min(model, resp, _checks.array(e_r_kev, "e_r_kev", "keV", gt=0.0))
    if not np.all(np.isfinite(out)):
        raise ConfigError(f"e_r_kev is too small: v_min = q/(2 mu) + delta/q overflows at E_R = "
                          f"{np.min(e_r_kev):g} keV")
    return out[()]


def _v_min(model: Any, resp: NuclearResponse, e_r_kev: np.ndarray) -> np.ndarray:
    """v_min(E_R) [km/s] for checked E_R > 0 [keV]; +inf where it overflows (E_R -> 0)."""
    mu = reduced_mass(model, resp)
    with np.errstate(divide="ignore", over="ignore", under="ignore"):
        q = np.sqrt(2.0 * resp.mass_gev * e_r_kev * _GEV_PER_KEV)
        # digest 004 §2.4 (typo 0.6 corrected): v_min = q/(2 mu) + delta/q
        return C_KM_S * (0.5 * q / mu + model.delta / q)


def matrix_element_sq(model: Any, response: NuclearResponse | str, q_gev: Any, v_km_s: Any,
                      keep: Iterable[str] = COEFFICIENTS) -> np.ndarray:
    """Spin-averaged |M|^2 of Eq. (25) [GeV^-4] at momentum transfer q and DM speed v.

    Parameters
    ----------
    model : MIDM-like (module docstring)
    response : NuclearResponse or nuclide name
    q_gev : array_like -- momentum transfer [GeV], > 0
    v_km_s : array_like -- DM speed in the nucleus rest frame [km/s] (enters via v_perp^2)
    keep : iterable of str -- EFT coefficients left on
    """
    resp = _response(response)
    mu = reduced_mass(model, resp)
    q, v = _broadcast(_checks.array(q_gev, "q_gev", "GeV", gt=0.0), _checks.speeds(v_km_s, "v_km_s"),
                      "q_gev and v_km_s")
    qf = np.ascontiguousarray(q.reshape(-1))
    vf = v.reshape(-1) / C_KM_S
    # every response vanishes beyond y = (q b/2)^2 = y_zero (nuclear.py): |M|^2 = 0 there, and the
    # kernel's polynomial in y is kept finite by evaluating those points at q = q_zero
    q_zero = 2.0 * math.sqrt(_Y_ZERO_HELM if resp.kind == "helm" else _Y_ZERO) / resp.b
    far = qf > q_zero
    qf = np.ascontiguousarray(np.minimum(qf, q_zero))
    with np.errstate(under="ignore"):
        q2 = qf * qf
    if not np.all(q2 > 0.0):
        raise ConfigError("q_gev is too small: q^2 underflows (q must be >~ 1e-150 GeV)")
    with np.errstate(divide="ignore", over="ignore"):
        # digest 004 §2.4: v_perp^2 = v^2 - v_min^2, v_min = q/(2 mu) + delta/q, clipped at 0
        vmin = 0.5 * qf / mu + model.delta / qf
        vp2 = np.ascontiguousarray(np.maximum(vf * vf - vmin * vmin, 0.0))
    c = eft_coefficients(model, q2, keep)
    out = _k.matrix_element_sq_many(q2, vp2, c, _m_nucleon(model), resp.kind_code,
                                    resp.kernel_coefficients(), resp.helm_array(), resp.b,
                                    resp.spin)
    return np.where(far, 0.0, out).reshape(q.shape)[()]


def dsigma_dcos_cm(model: Any, response: NuclearResponse | str, v_km_s: Any, cos_cm: Any,
                   prefactor: str = "paper", keep: Iterable[str] = COEFFICIENTS) -> np.ndarray:
    """dsigma/dcos(theta_cm) of Eq. (32) [cm^2]; zero below threshold mu v^2 <= 2 delta.

    Parameters
    ----------
    model : MIDM-like (module docstring)
    response : NuclearResponse or nuclide name
    v_km_s : array_like -- DM speed in the nucleus rest frame [km/s]
    cos_cm : array_like -- cos(theta_cm) [1]
    prefactor : str -- ``"paper"`` (mu^2/4 pi) or ``"standard"`` (mu^2/2 pi)
    keep : iterable of str -- EFT coefficients left on
    """
    code = _prefactor_code(prefactor)
    resp = _response(response)
    mu = reduced_mass(model, resp)
    v, cos = _broadcast(_checks.speeds(v_km_s, "v_km_s"), _checks.cosines(cos_cm, "cos_cm"),
                        "v_km_s and cos_cm")
    shape = v.shape
    vf = np.ascontiguousarray(v.reshape(-1) / C_KM_S)
    q2 = q2_from_cos_cm(model, resp, v.reshape(-1), cos.reshape(-1))
    ok = np.isfinite(q2) & (q2 > 0.0)
    q2s = np.ascontiguousarray(np.where(ok, q2, 1.0))  # placeholder q2 for closed points
    vs = np.ascontiguousarray(np.where(ok, vf, 0.0))  # v = 0 is below threshold -> 0
    c = eft_coefficients(model, q2s, keep)
    out = _k.dsigma_dcos_cm_many(q2s, vs, model.delta, mu, c, _m_nucleon(model), resp.kind_code,
                                 resp.kernel_coefficients(), resp.helm_array(), resp.b, resp.spin,
                                 code)
    out = np.where(ok, out, 0.0) * HBARC_GEV_CM**2  # GeV^-2 -> cm^2
    return out.reshape(shape)[()]


def dsigma_dER(model: Any, response: NuclearResponse | str, v_km_s: Any, e_r_kev: Any,
               prefactor: str = "paper", keep: Iterable[str] = COEFFICIENTS) -> np.ndarray:
    """dsigma/dE_R [cm^2/keV] at speed v and recoil energy E_R (zero outside the kinematic range).

    dsigma/dE_R = dsigma/dcos(theta_cm) x M / (mu^2 v^2 beta), the Jacobian of Eq. (34).

    Parameters
    ----------
    v_km_s : array_like -- DM speed in the nucleus rest frame [km/s]
    e_r_kev : array_like -- nuclear recoil energy [keV]
    prefactor, keep -- see :func:`dsigma_dcos_cm`
    """
    resp = _response(response)
    mu = reduced_mass(model, resp)
    m_n = resp.mass_gev
    v, e_r = _broadcast(_checks.speeds(v_km_s, "v_km_s"), _checks.array(e_r_kev, "e_r_kev", "keV", ge=0.0),
                        "v_km_s and e_r_kev")
    vc = v / C_KM_S
    p2 = mu * mu * vc * vc
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        beta2 = 1.0 - 2.0 * model.delta / (mu * vc * vc)
        beta = np.sqrt(np.where(beta2 > 0.0, beta2, np.nan))
        # Eq. (34) solved for cos(theta_cm)
        cos = (1.0 - (m_n * e_r * _GEV_PER_KEV + mu * model.delta) / p2) / beta
        inside = np.isfinite(cos) & (np.abs(cos) <= 1.0) & (e_r > 0.0)
        cos = np.where(inside, cos, 1.0)
        jac = np.where(inside, m_n / (p2 * beta), 0.0)  # dcos/dE_R [GeV^-1]
    ds = dsigma_dcos_cm(model, resp, np.where(inside, v, 0.0), cos, prefactor, keep)
    return (ds * jac * _GEV_PER_KEV)[()]


def differential_rate_per_target(model: Any, response: NuclearResponse | str, e_r_kev: Any,
                                 halo: Any, u_E_km_s: float, prefactor: str = "paper",
                                 keep: Iterable[str] = COEFFICIENTS, n_nodes: int = 48
                                 ) -> np.ndarray:
    """Differential upscatter rate per target nucleus, Eq. (33) without N_T [1/(s keV)].

    dR/dE_R = (rho_chi/m_chi) int dv p_lab(v) v dsigma/dE_R(v, E_R), from v_min(E_R) to
    v_esc + u_E, by Gauss-Legendre quadrature (``n_nodes`` per piece, split at the kink
    v_esc - u_E of the lab speed distribution).

    Parameters
    ----------
    model : MIDM-like (module docstring)
    response : NuclearResponse or nuclide name
    e_r_kev : array_like -- recoil energies [keV]
    halo : object with ``rho_chi`` [GeV/cm^3], ``v_esc`` [km/s] and ``lab_speed_pdf(v, u_E)``
        [s/km] (e.g. :class:`mcdm.source.StandardHaloModel`)
    u_E_km_s : float -- speed of the Earth through the halo [km/s]
    prefactor, keep -- see :func:`dsigma_dcos_cm`
    n_nodes : int -- Gauss-Legendre nodes per piece
    """
    resp = _response(response)
    _check_model(model)
    e_r = _checks.array(e_r_kev, "e_r_kev", "keV", ge=0.0).reshape(-1)
    u_E_km_s = _checks.scalar(u_E_km_s, "u_E_km_s", "km/s", ge=0.0, le=C_KM_S)
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, (int, np.integer)) or not 1 <= n_nodes <= 10_000:
        raise ConfigError(f"n_nodes must be an integer in [1, 10000], got {n_nodes!r:.40}")
    for name in ("v_esc", "rho_chi"):
        if not hasattr(halo, name) or not hasattr(halo, "lab_speed_pdf"):
            raise ConfigError(f"halo must have v_esc, rho_chi and lab_speed_pdf (e.g. StandardHaloModel), "
                              f"got {type(halo).__name__}")
        _checks.scalar(getattr(halo, name), f"halo.{name}", "km/s" if name == "v_esc" else "GeV/cm^3", gt=0.0)
    v_top = halo.v_esc + u_E_km_s
    kink = halo.v_esc - u_E_km_s
    x, w = np.polynomial.legendre.leggauss(int(n_nodes))
    n_chi = halo.rho_chi / model.m_chi  # [cm^-3]
    vmin = np.full(e_r.size, np.inf)  # E_R = 0: no momentum transfer, closed
    vmin[e_r > 0.0] = _v_min(model, resp, e_r[e_r > 0.0])  # inf (closed) where E_R underflows
    out = np.zeros(e_r.shape)
    if not np.any(vmin < v_top):
        delta_kev = model.delta / _GEV_PER_KEV
        warnings.warn(
            f"no recoil energy is kinematically open: v_min(E_R) >= v_esc + u_E = {v_top:.4g} km/s for "
            f"every E_R given (delta = {delta_kev:.4g} keV, {resp.name}); the rate is 0",
            PhysicsWarning, stacklevel=2)
    for i, (er, lo) in enumerate(zip(e_r, vmin)):
        if not lo < v_top:
            continue
        edges = [lo, kink, v_top] if lo < kink else [lo, v_top]
        total = 0.0
        for a, b in zip(edges[:-1], edges[1:]):
            v = 0.5 * (b - a) * x + 0.5 * (b + a)
            f = halo.lab_speed_pdf(v, u_E_km_s) * v * _CM_PER_KM
            total += 0.5 * (b - a) * np.sum(w * f * dsigma_dER(model, resp, v, er, prefactor, keep))
        out[i] = n_chi * total
    if not np.all(np.isfinite(out)):
        raise ConfigError("the differential rate overflows: check model (m_chi, g_M) and halo.rho_chi")
    return out.reshape(np.shape(e_r_kev))[()] if np.ndim(e_r_kev) else float(out[0])

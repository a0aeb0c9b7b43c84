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
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from mcdm.constants import C_KM_S, HBARC_GEV_CM, M_NEUTRON_GEV
from mcdm.errors import ConfigError
from mcdm.kernels import nuclear as _k
from mcdm.kernels.midm import eft_isospin_coefficients_array
from mcdm.physics.nuclear import NuclearResponse, response_for

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
    except KeyError:
        raise ConfigError(
            f"cross-section prefactor {prefactor!r} is unknown; choose one of {sorted(PREFACTORS)}"
        ) from None


def _response(response: NuclearResponse | str) -> NuclearResponse:
    return response if isinstance(response, NuclearResponse) else response_for(response)


def _m_nucleon(model: Any) -> float:
    return float(getattr(model, "m_nucleon", M_NEUTRON_GEV))


def _keep_mask(keep: Iterable[str]) -> np.ndarray:
    keep = tuple(keep)
    bad = [k for k in keep if k not in COEFFICIENTS]
    if bad:
        raise ConfigError(f"keep: unknown coefficients {bad}; choose from {list(COEFFICIENTS)}")
    return np.repeat([c in keep for c in COEFFICIENTS], 2).astype(float)


def reduced_mass(model: Any, response: NuclearResponse | str) -> float:
    """DM-nucleus reduced mass mu = m_chi M / (m_chi + M) [GeV]."""
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
    q2 = np.ascontiguousarray(np.asarray(q2, dtype=float).reshape(-1))
    # digest 004 §2.3, Eqs. (17)-(22) (E's kernel); c6 is dropped (R_Sigma'' = 0)
    c = eft_isospin_coefficients_array(q2, float(model.e_mu_scattering), float(model.m_chi),
                                       _m_nucleon(model), float(model.g_p), float(model.g_n))
    return np.ascontiguousarray(c[:, :6] * _keep_mask(keep))


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
    v = np.asarray(v_km_s, dtype=float) / C_KM_S
    cos = np.asarray(cos_cm, dtype=float)
    p2 = mu * mu * v * v
    with np.errstate(invalid="ignore", divide="ignore"):
        beta2 = 1.0 - 2.0 * model.delta / (mu * v * v)
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
    mu = reduced_mass(model, resp)
    e_r = np.asarray(e_r_kev, dtype=float) * _GEV_PER_KEV
    q = np.sqrt(2.0 * resp.mass_gev * e_r)
    # digest 004 §2.4 (typo 0.6 corrected): v_min = q/(2 mu) + delta/q
    return (C_KM_S * (0.5 * q / mu + model.delta / q))[()]


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
    q, v = np.broadcast_arrays(np.asarray(q_gev, dtype=float), np.asarray(v_km_s, dtype=float))
    qf = np.ascontiguousarray(q.reshape(-1))
    vf = v.reshape(-1) / C_KM_S
    q2 = qf * qf
    with np.errstate(divide="ignore"):
        # digest 004 §2.4: v_perp^2 = v^2 - v_min^2, v_min = q/(2 mu) + delta/q, clipped at 0
        vmin = 0.5 * qf / mu + model.delta / qf
        vp2 = np.ascontiguousarray(np.maximum(vf * vf - vmin * vmin, 0.0))
    c = eft_coefficients(model, q2, keep)
    out = _k.matrix_element_sq_many(q2, vp2, c, _m_nucleon(model), resp.kind_code,
                                    resp.kernel_coefficients(), resp.helm_array(), resp.b,
                                    resp.spin)
    return out.reshape(q.shape)[()]


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
    v, cos = np.broadcast_arrays(np.asarray(v_km_s, dtype=float), np.asarray(cos_cm, dtype=float))
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
    v, e_r = np.broadcast_arrays(np.asarray(v_km_s, dtype=float), np.asarray(e_r_kev, dtype=float))
    vc = v / C_KM_S
    p2 = mu * mu * vc * vc
    with np.errstate(invalid="ignore", divide="ignore"):
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
    e_r = np.atleast_1d(np.asarray(e_r_kev, dtype=float))
    v_top = halo.v_esc + u_E_km_s
    kink = halo.v_esc - u_E_km_s
    x, w = np.polynomial.legendre.leggauss(int(n_nodes))
    n_chi = halo.rho_chi / model.m_chi  # [cm^-3]
    vmin = np.asarray(v_min_km_s(model, resp, e_r), dtype=float).reshape(-1)
    out = np.zeros(e_r.shape)
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
    return out.reshape(np.shape(e_r_kev))[()] if np.ndim(e_r_kev) else float(out[0])

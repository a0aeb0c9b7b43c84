"""Partial-wave phase shifts of the attractive Yukawa potential (seed 003 §9, Tulin-Yu-Zurek 2013).

Dimensionless radial equation (x = alpha m_chi r, reduced mass m_chi/2, k = m_chi v/2):

    u_l'' + [a^2 - l(l+1)/x^2 + e^{-x/b}/x] u_l = 0,   a = v/(2 alpha),  b = alpha m_chi/m_s.

The phase function delta_l(x) (the phase shift of the potential cut at x; variable-phase method)
obeys delta_l' = (1/a) (e^{-x/b}/x) [jh_l(ax) cos delta_l - nh_l(ax) sin delta_l]^2 with the
Riccati-Bessel functions jh_l(z) = z j_l(z), nh_l(z) = z y_l(z) (nh_0 = -cos z). It is integrated
in two pieces per l:

* inner region (potential strong, W = e^{-x/b}/x > a^2, where the phase equation is stiff: it
  rotates at a rate ~ W/a): the linear radial equation by RK4 from x_i(l) (Coulomb-regular
  start) to x_m(l) = max(x_U, (l + 1/2)/a) (W(x_U) = a^2; past the free turning point, so that
  jh, nh are O(1)); there delta_l(x_m) follows from matching (u, u') to jh, nh (mod pi; the
  representative in [0, pi) is taken);
* outer region (x_U .. x_f): the variable-phase equation in its linear amplitude form
  u = c1 jh + c2 nh, c1' = (W/a) u nh, c2' = -(W/a) u jh (W = e^{-x/b}/x), delta = atan2(-c2, c1), by RK4 on one
  x grid shared by every l (all jh_l, nh_l at a point from one recurrence: nh upward, jh by
  Miller's downward recurrence normalised with the cross-Wronskian jh_1 nh_0 - jh_0 nh_1 = 1).
  delta_l(x) is non-decreasing (attractive U), so it is followed continuously by counting the
  crossings of c1 = 0 (delta through pi/2 mod pi).

A partial wave l is started at x_i(l) = f(l) x_t(l), x_t the classical turning point of
a^2 x^2 + x e^{-x/b} = (l + 1/2)^2 and f(l) from the free WKB barrier
(l + 1/2)[acosh(1/f) - sqrt(1 - f^2)] = wkb_exponent, so that the neglected part of the potential
changes delta_l by ~e^{-2 wkb_exponent} relative. The outer integration stops at x_f = y b with
(1/a) e^{-y}/y = tail_tol min(1, delta_0^Born) (a bound on the neglected phase relative to the
Born s-wave phase ln(1 + 4 a^2 b^2)/(2a)). The s wave starts at
no less than 1e-5 x_t(0) (the neglected phase there is ~ a x_i^2/2). Steps: inner
h = min(c_in/sqrt(a^2 + W), 0.05 x/(l+1), 0.1 b); outer
h = c_out min(1/sqrt(a^2 + ((l_act + 1/2)/x)^2), 1/(1/b + 1/x)).

All quantities dimensionless. Kernels: :func:`riccati_bessel`, :func:`turning_point`,
:func:`wkb_start_fraction`, :func:`integrate_radial`, :func:`phase_shifts_one`,
:func:`phase_shifts_many`.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mcdm.kernels import JIT

__all__ = ["riccati_bessel", "turning_point", "wkb_start_fraction", "integrate_radial",
           "phase_shifts_one", "phase_shifts_many"]

_BIG = 1e250
#: inner step cap h <= _C_X x/(l+1) in the power-law region near the origin (errors made there are
#: suppressed by (x/x_t)^(2l+1) in the phase shift, so this can be coarser than c_in)
_C_X = 0.05


@numba.njit(**JIT)
def riccati_bessel(z: float, lmax: int, jh: np.ndarray, nh: np.ndarray) -> None:
    """jh[l] = z j_l(z), nh[l] = z y_l(z) for l = 0..lmax (z > 0); nh is capped at +-1e250."""
    s = math.sin(z)
    c = math.cos(z)
    nm1 = s
    n0 = -c
    nh[0] = n0
    for l in range(lmax):
        n1 = (2.0 * l + 1.0) / z * n0 - nm1
        if abs(n1) > _BIG:
            n1 = math.copysign(_BIG, n1)
        nh[l + 1] = n1
        nm1 = n0
        n0 = n1
    if z >= lmax:  # upward recurrence of jh is stable for l < z
        jm1 = c
        j0 = s
        jh[0] = s
        for l in range(lmax):
            j1 = (2.0 * l + 1.0) / z * j0 - jm1
            jh[l + 1] = j1
            jm1 = j0
            j0 = j1
        return
    # Miller: downward from N >> lmax, normalised by jh_1 nh_0 - jh_0 nh_1 = 1
    top = lmax + int(math.sqrt(60.0 * (lmax + 1.0))) + 12
    jp1 = 0.0
    j0 = 1e-30
    for l in range(top, 0, -1):
        jm1 = (2.0 * l + 1.0) / z * j0 - jp1  # jh_{l-1}
        if l <= lmax:
            jh[l] = j0
        jp1 = j0
        j0 = jm1
        if abs(j0) > 1e200:
            j0 *= 1e-200
            jp1 *= 1e-200
            for q in range(l, lmax + 1):
                jh[q] *= 1e-200
    jh[0] = j0
    j1 = jp1
    n1 = -c / z - s
    scale = 1.0 / (j1 * (-c) - j0 * n1)
    for l in range(lmax + 1):
        jh[l] *= scale


@numba.njit(**JIT)
def turning_point(l: int, a: float, b: float) -> float:
    """Smallest x with a^2 x^2 + x e^{-x/b} = (l + 1/2)^2 (bisection)."""
    target = (l + 0.5) * (l + 0.5)
    hi = (l + 0.5) / a
    lo = 0.0
    if b < hi and a * a * b * b + b * math.exp(-1.0) < target:
        lo = b  # the potential term alone does not reach the target below b
    elif b < hi:
        hi = b
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        g = a * a * mid * mid + mid * math.exp(-mid / b) - target
        if g >= 0.0:
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-15 * hi:
            break
    return hi


@numba.njit(**JIT)
def wkb_start_fraction(l: int, exponent: float) -> float:
    """f in (0, 1) with (l + 1/2)[acosh(1/f) - sqrt(1 - f^2)] = exponent (bisection in log f)."""
    lo = -800.0
    hi = 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f = math.exp(mid)
        g = (l + 0.5) * (math.acosh(1.0 / f) - math.sqrt(max(0.0, 1.0 - f * f)))
        if g > exponent:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return math.exp(lo)


@numba.njit(**JIT)
def integrate_radial(l: int, a: float, b: float, x0: float, x1: float, c_in: float):
    """RK4 of u'' = [l(l+1)/x^2 - a^2 - e^{-x/b}/x] u from x0 to x1; returns (u, u') rescaled.

    Start: u = 1, u'/u = (l+1)/x0 - 1/(2(l+1)) (the Coulomb-regular series).
    """
    ll = l * (l + 1.0)
    a2 = a * a
    u = 1.0
    up = (l + 1.0) / x0 - 1.0 / (2.0 * (l + 1.0))
    x = x0
    while x < x1:
        h = min(c_in / math.sqrt(a2 + math.exp(-x / b) / x), _C_X * x / (l + 1.0), 0.1 * b)
        if x + h > x1:
            h = x1 - x
        xm = x + 0.5 * h
        xn = x + h
        q0 = ll / (x * x) - a2 - math.exp(-x / b) / x
        qm = ll / (xm * xm) - a2 - math.exp(-xm / b) / xm
        qn = ll / (xn * xn) - a2 - math.exp(-xn / b) / xn
        k1u = up
        k1p = q0 * u
        k2u = up + 0.5 * h * k1p
        k2p = qm * (u + 0.5 * h * k1u)
        k3u = up + 0.5 * h * k2p
        k3p = qm * (u + 0.5 * h * k2u)
        k4u = up + h * k3p
        k4p = qn * (u + h * k3u)
        u += h / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u)
        up += h / 6.0 * (k1p + 2.0 * k2p + 2.0 * k3p + k4p)
        x = xn
        if abs(u) > 1e100 or abs(up) > 1e100:
            u *= 1e-100
            up *= 1e-100
    return u, up


@numba.njit(**JIT)
def _u_of_x(x: float, b: float) -> float:
    return math.exp(-x / b) / x


@numba.njit(**JIT)
def _x_where_u_is(level: float, b: float) -> float:
    """x with e^{-x/b}/x = level (the left side decreases from inf to 0); geometric bisection."""
    lo = math.log(1e-300)
    hi = math.log(max(1.0 / level, 1e-300) + b)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _u_of_x(math.exp(mid), b) > level:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return math.exp(hi)


@numba.njit(**JIT)
def _tail_end(a: float, b: float, tail_tol: float) -> float:
    """x_f = y b with e^{-y}/y = a tail_tol min(1, delta_0^Born), delta_0^Born = ln(1 + 4a^2b^2)/(2a)."""
    target = a * tail_tol * min(1.0, math.log1p(4.0 * a * a * b * b) / (2.0 * a))
    lo = 1.0
    hi = 800.0
    if math.exp(-lo) / lo <= target:
        return lo * b
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if math.exp(-mid) / mid > target:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-10:
            break
    return hi * b


@numba.njit(**JIT)
def _match(l: int, z: float, a: float, u: float, up: float, jh: np.ndarray, nh: np.ndarray) -> float:
    """delta in [0, pi) from (u, u') at z = a x: tan delta = (a jh' u - jh u')/(a nh' u - nh u')."""
    if l == 0:
        jd = math.cos(z)
        nd = math.sin(z)
    else:
        jd = jh[l - 1] - l / z * jh[l]
        nd = nh[l - 1] - l / z * nh[l]
    num = a * jd * u - jh[l] * up
    den = a * nd * u - nh[l] * up
    d = math.atan2(num, den)
    if d < 0.0:
        d += math.pi
    if d >= math.pi:
        d -= math.pi
    return d


@numba.njit(**JIT)
def phase_shifts_one(a: float, b: float, lmax: int, c_in: float, c_out: float, tail_tol: float,
                     wkb_exponent: float, delta: np.ndarray) -> int:
    """delta[0..lmax] for one speed (continuous in the outer region, see module docstring).

    Returns the number of outer grid steps (diagnostic).
    """
    nl = lmax + 1
    x_f = _tail_end(a, b, tail_tol)
    x_u = min(_x_where_u_is(a * a, b), x_f)
    xt0 = turning_point(0, a, b)
    x_act = np.empty(nl)
    x_in = np.empty(nl)
    inner = np.zeros(nl, dtype=np.bool_)
    state = np.zeros(nl, dtype=np.int64)  # 0 waiting, 1 active, 2 never active
    for l in range(nl):
        xi = max(wkb_start_fraction(l, wkb_exponent) * turning_point(l, a, b), 1e-5 * xt0)
        x_in[l] = xi
        if xi < x_u:
            inner[l] = True
            x_act[l] = max(x_u, (l + 0.5) / a)
        else:
            x_act[l] = xi
        delta[l] = 0.0
    c1 = np.ones(nl)
    c2 = np.zeros(nl)
    m_int = np.zeros(nl, dtype=np.int64)
    lb = nl + 2
    jh = np.zeros(lb)
    nh = np.zeros(lb)
    jm = np.zeros(lb)
    nm = np.zeros(lb)
    jn = np.zeros(lb)
    nn = np.zeros(lb)
    x = x_u
    # activation at the first point
    l_need = -1
    for l in range(nl):
        if x_act[l] <= x:
            l_need = l
    l_act = -1
    if l_need >= 0:
        riccati_bessel(a * x, l_need, jh, nh)
    for l in range(l_need + 1):
        if x_act[l] <= x:
            _activate(l, x, a, b, c_in, inner[l], x_in[l], jh, nh, c1, c2, m_int)
            state[l] = 1
            l_act = l
    steps = 0
    while x < x_f:
        scale = math.sqrt(a * a + ((l_act + 0.5) / x) ** 2)
        h = c_out * min(1.0 / scale, 1.0 / (1.0 / b + 1.0 / x))
        if x + h > x_f:
            h = x_f - x
        xm = x + 0.5 * h
        xn = x + h
        l_new = l_act
        for l in range(l_act + 1, nl):
            if state[l] == 0 and x_act[l] <= xn:
                l_new = l
        if l_act >= 0:
            riccati_bessel(a * xm, l_act, jm, nm)
        if l_new >= 0:
            riccati_bessel(a * xn, l_new, jn, nn)
        w0 = _u_of_x(x, b) / a
        wm = _u_of_x(xm, b) / a
        wn = _u_of_x(xn, b) / a
        for l in range(l_act + 1):
            if state[l] != 1:
                continue
            p1 = c1[l]
            p2 = c2[l]
            u = p1 * jh[l] + p2 * nh[l]
            k11 = w0 * u * nh[l]
            k12 = -w0 * u * jh[l]
            u = (p1 + 0.5 * h * k11) * jm[l] + (p2 + 0.5 * h * k12) * nm[l]
            k21 = wm * u * nm[l]
            k22 = -wm * u * jm[l]
            u = (p1 + 0.5 * h * k21) * jm[l] + (p2 + 0.5 * h * k22) * nm[l]
            k31 = wm * u * nm[l]
            k32 = -wm * u * jm[l]
            u = (p1 + h * k31) * jn[l] + (p2 + h * k32) * nn[l]
            k41 = wn * u * nn[l]
            k42 = -wn * u * jn[l]
            q1 = p1 + h / 6.0 * (k11 + 2.0 * k21 + 2.0 * k31 + k41)
            q2 = p2 + h / 6.0 * (k12 + 2.0 * k22 + 2.0 * k32 + k42)
            if (q1 < 0.0) != (p1 < 0.0):  # delta crossed pi/2 mod pi
                up_cross = (q1 < 0.0) if q2 < 0.0 else (q1 >= 0.0)
                m_int[l] += 1 if up_cross else -1
            r = abs(q1) + abs(q2)
            if r > 1e100 or r < 1e-100:
                q1 /= r
                q2 /= r
            c1[l] = q1
            c2[l] = q2
        for q in range(l_new + 1):
            jh[q] = jn[q]
            nh[q] = nn[q]
        x = xn
        steps += 1
        for l in range(l_act + 1, l_new + 1):
            if state[l] == 0 and x_act[l] <= x:
                _activate(l, x, a, b, c_in, inner[l], x_in[l], jh, nh, c1, c2, m_int)
                state[l] = 1
        l_act = max(l_act, l_new)
    # inner waves whose matching point lies beyond x_f: match at x_f
    l_late = -1
    for l in range(nl):
        if state[l] == 0 and inner[l]:
            l_late = l
    if l_late >= 0:
        riccati_bessel(a * x_f, l_late, jh, nh)
        for l in range(l_late + 1):
            if state[l] == 0 and inner[l]:
                u, up = integrate_radial(l, a, b, x_in[l], x_f, c_in)
                delta[l] = _match(l, a * x_f, a, u, up, jh, nh)
                state[l] = 2
    for l in range(nl):
        if state[l] == 1:
            if c1[l] == 0.0:
                delta[l] = (m_int[l] + 0.5) * math.pi
            else:
                delta[l] = m_int[l] * math.pi + math.atan(-c2[l] / c1[l])
    return steps


@numba.njit(**JIT)
def _activate(l, x, a, b, c_in, is_inner, x_start, jh, nh, c1, c2, m_int):
    if is_inner:
        u, up = integrate_radial(l, a, b, x_start, x, c_in)
        d = _match(l, a * x, a, u, up, jh, nh)
    else:
        d = 0.0
    c1[l] = math.cos(d)
    c2[l] = -math.sin(d)
    m_int[l] = 0 if d < 0.5 * math.pi else 1


@numba.njit(**JIT)
def phase_shifts_many(a: np.ndarray, b: float, lmax: np.ndarray, c_in: float, c_out: float,
                      tail_tol: float, wkb_exponent: float, delta: np.ndarray) -> None:
    """delta[i, 0..lmax[i]] for each speed a[i]; delta has shape (len(a), >= max(lmax) + 1)."""
    for i in range(a.shape[0]):
        row = np.zeros(lmax[i] + 1)
        phase_shifts_one(a[i], b, lmax[i], c_in, c_out, tail_tol, wkb_exponent, row)
        delta[i, :] = 0.0
        delta[i, :lmax[i] + 1] = row

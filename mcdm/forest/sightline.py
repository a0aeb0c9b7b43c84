"""The dark-forest sightline sampler, the event generator of seed 002 (§III.1.2; digest 002 §5.3).

Algorithm (:class:`SightlineSampler`)
-------------------------------------
1. dN/dz (Eq. 18) is tabulated once from :meth:`HaloModel.dN_dz_dlnM` (the numerator of Eq. 19)
   on a z grid (step ``dz``, default 0.02) x ln M grid (``points_per_decade``, default 32) over
   [z_min, z_max] x [M_min, M_max]; N(z) = integral of dN/dz (trapezoid), N_tot = N(z_max).
2. **Equiprobable bins**: the band [nu*/(1+z_max), nu*/(1+z_min)] is cut into n_bins =
   ceil(N_tot/p_bin) bins of equal absorption probability p = N_tot/n_bins <= p_bin (bin j holds the
   cumulative count N in [j p, (j+1) p]; equiprobable in nu and in z are the same bins since
   nu -> z is monotonic). dP/dnu = dN/dz |dz/dnu| (Eq. 18) never has to be formed.
3. **Bernoulli per bin** with probability p. The selected bins are drawn as the successes of that
   Bernoulli sequence by geometric gaps (the gap to the next success is Geometric(p)): the same
   process, without one uniform per bin (a sightline at M_min = 1e6 has ~7e5 bins).
4. The absorber's z is drawn from dN/dz inside its bin (N = (j + u) p, inverted on the tabulated
   N(z)), so the mean number of absorbers is N_tot exactly and no bin-centre discreteness remains.
5. **M from Eq. (19)**: P(ln M | z) ∝ dN/dz dlnM; the row of the nearest lower or upper z node is
   chosen with the linear-interpolation weight, then ln M by inverting that row's trapezoid CDF.
6. **Impact parameter uniform in area**: p = r_edge sqrt(u), i.e. alpha = p/r_edge = sqrt(u).
7. Each absorber's observed line comes from the cached :class:`~mcdm.forest.line_table.LineTable`
   (per unit calA) and is deposited, equivalent-width conserving, on a common observed grid (far
   wings beyond 1e-6 of the line's mass follow their Gaussian asymptote, see :meth:`optical_depth`).
8. tau_tot = calA x sum of the per-unit-calA lines: sampling never depends on calA, so the same
   seed gives tau exactly proportional to calA (one final multiplication).

Frequency grid (the choice made here)
-------------------------------------
Channels are uniform in ln nu_obs with step dln = b_ref / (c n_ch): the observed Doppler width of
a line is b nu_obs / c, so in ln nu it is b/c at every redshift and a uniform ln-nu grid gives the
same number of channels per width everywhere. b_ref defaults to the smallest shape scale b_s of the
line table over alpha and z in [z_min, z_max] at M_min (0.77 km/s at z = 0 for M = 1e6 M_sun/h;
b_s grows with M and z), and n_ch = ``channels_per_width`` (default 5): every line has >= 5 channels
per Doppler width b_s. At the defaults (z = 7 -> 0, M_min = 1e6) this is ~4e6 channels. The grid
extends beyond the band by the widest line window, so no line in the band is clipped.

Random streams
--------------
Sightline i of a run with master seed s uses ``SeedSequence(s, spawn_key=(SIGHTLINE_KEY, i, k))``,
k = 0 for the absorbers and k = 1 for the noise of its mock spectrum: independent of shards and
workers, so any partition of the sightlines gives the same sightlines.

Units: M [M_sun/h]; z [1]; alpha = p/r_edge [1]; frequencies [Hz]; b [km/s]; tau [1].
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import astropy.constants as const
import astropy.units as u
import numpy as np

from mcdm.errors import ConfigError
from mcdm.forest.halos import HaloModel
from mcdm.forest.line import AbsorberLines
from mcdm.forest.line_table import X_MAX, LineTable

__all__ = ["SightlineSampler", "Sightline", "Absorbers", "SIGHTLINE_KEY", "sightline_generator",
           "ABSORBER_UNITS"]

_C_KM_S = const.c.to_value(u.km / u.s)
#: first spawn-key entry of sightline streams (far from the shard keys of :mod:`mcdm.rng`)
SIGHTLINE_KEY = 2**41 + 2
#: wing mass beyond which each deposited line follows its Gaussian asymptote (kernel
#: deposit_lines_trimmed; EW is kept exactly)
TAIL = 1e-6
#: units of the :meth:`Absorbers.table` columns
ABSORBER_UNITS = {"z": "", "M_Msun_h": "Msun/h", "alpha": "", "nu_obs_MHz": "MHz", "tau_peak": "",
                  "width_kHz": "kHz", "ew_Hz": "Hz", "b_s_km_s": "km/s"}


def sightline_generator(seed: int, index: int, stream: int = 0) -> np.random.Generator:
    """Generator of sightline ``index`` (stream 0: absorbers, 1: spectrum noise), module docstring."""
    if index < 0 or stream < 0:
        raise ConfigError(f"sightline index and stream must be >= 0, got {index}, {stream}")
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(int(seed), spawn_key=(SIGHTLINE_KEY, int(index), int(stream)))))


def _cell(lm: np.ndarray, z: np.ndarray, alpha: np.ndarray, g_m: np.ndarray, g_z: np.ndarray,
          g_a: np.ndarray) -> tuple[np.ndarray, ...]:
    """Lower cell indices and fractions (iz, im, ia, fz, fm, fa) on a (z, log10 M, ln alpha) grid,
    clamped like the line table's lookup (log10 M and z uniform, alpha by search in ln alpha)."""
    def uniform(v: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = (v - g[0]) / (g[1] - g[0])
        i = np.clip(np.floor(s).astype(np.int64), 0, g.size - 2)
        return i, np.clip(s - i, 0.0, 1.0)

    im, fm = uniform(lm, g_m)
    iz, fz = uniform(z, g_z)
    ln_a = np.log(g_a)
    la = np.log(np.clip(alpha, g_a[0], 1.0))
    ia = np.clip(np.searchsorted(ln_a, la, side="right") - 1, 0, ln_a.size - 2)
    fa = np.clip((la - ln_a[ia]) / (ln_a[ia + 1] - ln_a[ia]), 0.0, 1.0)
    return iz, im, ia, fz, fm, fa


class Absorbers(NamedTuple):
    """Truth table of one sightline (one entry per absorber, ordered by decreasing z).

    z [1]; M [M_sun/h]; alpha = p/r_edge [1]; lines: observed lines per unit calA.
    """

    z: np.ndarray
    M: np.ndarray
    alpha: np.ndarray
    lines: AbsorberLines

    def table(self, radiative_coupling: float = 1.0) -> dict[str, np.ndarray]:
        """Columns of :data:`ABSORBER_UNITS` (tau_peak and ew at calA = radiative_coupling)."""
        ln = self.lines
        b_s = ln.width * _C_KM_S / np.maximum(ln.center, 1e-300)
        return {"z": self.z, "M_Msun_h": self.M, "alpha": self.alpha, "nu_obs_MHz": ln.center * 1e-6,
                "tau_peak": radiative_coupling * ln.tau_peak, "width_kHz": ln.width * 1e-3,
                "ew_Hz": radiative_coupling * ln.ew, "b_s_km_s": b_s}


@dataclass(frozen=True, eq=False)
class Sightline:
    """One sightline: absorbers and tau on the sampler's grid.

    index : sightline number; tau_unit : tau per unit calA on the channels [1];
    radiative_coupling : calA; tau = calA x tau_unit (property).
    """

    index: int
    absorbers: Absorbers
    tau_unit: np.ndarray
    radiative_coupling: float

    @property
    def tau(self) -> np.ndarray:
        """Total optical depth per channel at calA (tau_unit x calA) [1]."""
        return self.radiative_coupling * self.tau_unit


@dataclass(frozen=True, eq=False)
class SightlineSampler:
    """Tabulated dN/dz, Eq. (19) CDFs and the observed grid (module docstring).

    Build with :meth:`build`. Attributes: ``table`` (per-unit-calA line table of the DM case),
    ``nu_star`` [Hz], ``z_min``, ``z_max``, ``M_min``, ``M_max`` [M_sun/h], ``p_bin`` (requested),
    ``p_eff`` (used), ``n_bins``, ``z_nodes``, ``dN_dz`` (at z_nodes), ``cum_N`` (N(z) at z_nodes),
    ``ln_M`` nodes, ``cdf_M`` (n_z, n_M) normalised CDF rows of Eq. (19), ``ln_nu_lo`` and ``dln``
    (grid: channel k spans exp(ln_nu_lo + k dln) .. exp(ln_nu_lo + (k+1) dln), nu in Hz),
    ``n_channels``, ``b_ref`` [km/s], ``channels_per_width``, ``radiative_coupling`` (calA).
    """

    table: LineTable
    nu_star: float
    z_min: float
    z_max: float
    M_min: float
    M_max: float
    p_bin: float
    p_eff: float
    n_bins: int
    z_nodes: np.ndarray
    dN_dz: np.ndarray
    cum_N: np.ndarray
    ln_M: np.ndarray
    cdf_M: np.ndarray
    ln_nu_lo: float
    dln: float
    n_channels: int
    b_ref: float
    channels_per_width: float
    radiative_coupling: float = 1.0
    tail: float = TAIL
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------------------ build
    @classmethod
    def build(cls, table: LineTable, halos: HaloModel, *, z_min: float = 0.0, z_max: float = 7.0,
              M_min: float = 1e6, M_max: float = 1e15, p_bin: float = 0.01, dz: float = 0.02,
              points_per_decade: int = 32, channels_per_width: float = 5.0,
              b_ref: float | None = None, radiative_coupling: float = 1.0) -> SightlineSampler:
        """Tabulate the sampler for ``table`` (its DM case) and ``halos`` (mass function, edges).

        z range [z_min, z_max] must lie in the table's z nodes and [M_min, M_max] [M_sun/h] in its
        mass range; p_bin in (0, 0.1]; channels_per_width >= 1; b_ref [km/s] (None: smallest
        b_s at M_min, module docstring); radiative_coupling = calA >= 0.
        """
        if not (0.0 <= z_min < z_max) or z_min < table.z[0] - 1e-9 or z_max > table.z[-1] + 1e-9:
            raise ConfigError(f"need {table.z[0]:g} <= z_min < z_max <= {table.z[-1]:g} (line table), "
                              f"got z_min = {z_min!r}, z_max = {z_max!r}")
        lm_lo, lm_hi = table.log10_M[0], table.log10_M[-1]
        if not (0 < M_min < M_max) or math.log10(M_min) < lm_lo - 1e-9 or math.log10(M_max) > lm_hi + 1e-9:
            raise ConfigError(f"need 1e{lm_lo:g} <= M_min < M_max <= 1e{lm_hi:g} M_sun/h (line table), "
                              f"got {M_min!r}, {M_max!r}")
        if not (0.0 < p_bin <= 0.1):
            raise ConfigError(f"p_bin must be in (0, 0.1], got {p_bin!r}")
        if not (channels_per_width >= 1.0):
            raise ConfigError(f"channels_per_width must be >= 1, got {channels_per_width!r}")
        if not (radiative_coupling >= 0.0 and math.isfinite(radiative_coupling)):
            raise ConfigError(f"radiative_coupling must be finite and >= 0, got {radiative_coupling!r}")
        if not (0.0 < dz <= 0.25):
            raise ConfigError(f"dz must be in (0, 0.25], got {dz!r}")
        n_z = max(2, int(math.ceil((z_max - z_min) / dz)) + 1)
        z_nodes = np.linspace(z_min, z_max, n_z)
        n_m = max(2, int(math.ceil(points_per_decade * math.log10(M_max / M_min))) + 1)
        ln_M = np.linspace(math.log(M_min), math.log(M_max), n_m)
        dens = halos.dN_dz_dlnM(np.exp(ln_M)[None, :], z_nodes[:, None])  # Eq. (18)-(19) numerator
        seg = 0.5 * (dens[:, 1:] + dens[:, :-1]) * np.diff(ln_M)[None, :]
        dN_dz = seg.sum(axis=1)  # Eq. (18)
        cdf = np.concatenate([np.zeros((n_z, 1)), np.cumsum(seg, axis=1)], axis=1) / dN_dz[:, None]
        cdf[:, -1] = 1.0
        cum_N = np.concatenate([[0.0], np.cumsum(0.5 * (dN_dz[1:] + dN_dz[:-1]) * np.diff(z_nodes))])
        n_tot = float(cum_N[-1])
        n_bins = max(1, int(math.ceil(n_tot / p_bin)))
        if b_ref is None:
            a = np.sqrt(np.linspace(1e-4, 1.0, 41))
        zz = np.linspace(z_min, z_max, 36)
        if b_ref is None:
            look = table.lookup(M_min, zz[:, None], a[None, :])
            b_ref = float(np.min(look["b_s"]))
        if not (b_ref > 0):
            raise ConfigError(f"b_ref must be > 0 km/s, got {b_ref!r}")
        dln = b_ref / (_C_KM_S * channels_per_width)
        pad = X_MAX * float(np.exp(np.max(table.log_b))) / _C_KM_S  # widest line window in ln nu
        nu_star = table.nu_star
        ln_lo = math.log(nu_star / (1.0 + z_max)) - pad
        ln_hi = math.log(nu_star / (1.0 + z_min)) + pad
        n_ch = int(math.ceil((ln_hi - ln_lo) / dln))
        return cls(table=table, nu_star=nu_star, z_min=float(z_min), z_max=float(z_max),
                   M_min=float(M_min), M_max=float(M_max), p_bin=float(p_bin), p_eff=n_tot / n_bins,
                   n_bins=n_bins, z_nodes=z_nodes, dN_dz=dN_dz, cum_N=cum_N, ln_M=ln_M, cdf_M=cdf,
                   ln_nu_lo=ln_lo, dln=dln, n_channels=n_ch, b_ref=b_ref,
                   channels_per_width=float(channels_per_width),
                   radiative_coupling=float(radiative_coupling))

    def with_coupling(self, radiative_coupling: float) -> SightlineSampler:
        """The same sampler at another calA (same tables, same sightlines)."""
        import dataclasses

        return dataclasses.replace(self, radiative_coupling=float(radiative_coupling), _cache={})

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_cache"] = {}  # the grid is rebuilt in each process, not pickled
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    # ------------------------------------------------------------------------------- grid
    @property
    def mean_absorbers(self) -> float:
        """Expected absorbers per sightline: integral of dN/dz over [z_min, z_max] (Eq. 18) [1]."""
        return float(self.cum_N[-1])

    @property
    def nu_edges(self) -> np.ndarray:
        """Channel edges [Hz] (n_channels + 1), uniform in ln nu; built once per process."""
        edges = self._cache.get("edges")
        if edges is None:
            edges = np.exp(self.ln_nu_lo + self.dln * np.arange(self.n_channels + 1, dtype=np.float64))
            self._cache["edges"] = edges
        return edges

    @property
    def nu_centers(self) -> np.ndarray:
        """Channel centres exp(ln_nu_lo + (k + 1/2) dln) [Hz]."""
        return np.exp(self.ln_nu_lo + self.dln * (np.arange(self.n_channels, dtype=np.float64) + 0.5))

    # --------------------------------------------------------------------------- sampling
    def draw(self, rng: np.random.Generator) -> Absorbers:
        """Draw one sightline's absorbers (steps 2-7 of the module docstring) from ``rng``."""
        p, n_bins = self.p_eff, self.n_bins
        # step 3: successes of n_bins Bernoulli(p) trials, by geometric gaps
        chunks, last = [], -1
        while True:
            need = max(16, int((n_bins - last) * p + 6.0 * math.sqrt((n_bins - last) * p + 1.0) + 16))
            pos = last + np.cumsum(rng.geometric(p, size=need))
            chunks.append(pos[pos < n_bins])
            if pos[-1] >= n_bins:
                break
            last = int(pos[-1])
        bins = np.concatenate(chunks)
        n = bins.size
        u_z, u_row, u_m, u_a = (rng.random(n) for _ in range(4))
        # step 4: z from dN/dz inside the bin
        z = np.interp((bins + u_z) * p, self.cum_N, self.z_nodes)
        # step 5: ln M from Eq. (19), row chosen by the interpolation weight in z
        zn = self.z_nodes
        s = (z - zn[0]) / (zn[1] - zn[0])
        iz = np.clip(np.floor(s).astype(np.int64), 0, zn.size - 2)
        row = iz + (u_row < (s - iz)).astype(np.int64)
        n_m = self.ln_M.size
        flat = (self.cdf_M + np.arange(zn.size)[:, None]).ravel()
        target = row + u_m
        k = np.clip(np.searchsorted(flat, target, side="right") - 1, row * n_m, row * n_m + n_m - 2)
        c0, c1 = flat[k], flat[k + 1]
        frac = np.where(c1 > c0, (target - c0) / np.where(c1 > c0, c1 - c0, 1.0), 0.0)
        j = k - row * n_m
        ln_m = self.ln_M[j] + np.clip(frac, 0.0, 1.0) * (self.ln_M[j + 1] - self.ln_M[j])
        M = np.exp(ln_m)
        alpha = np.sqrt(u_a)  # step 6: area-uniform impact parameter
        alpha = np.maximum(alpha, 1e-12)
        order = np.argsort(-z, kind="stable")  # decreasing z = increasing observed frequency
        z, M, alpha = z[order], M[order], alpha[order]
        lines = self.lines(M, z, alpha)  # step 7, per unit calA
        return Absorbers(z=z, M=M, alpha=alpha, lines=lines)

    def lines(self, M: np.ndarray, z: np.ndarray, alpha: np.ndarray) -> AbsorberLines:
        """Observed lines per unit calA: :meth:`LineTable.absorbers` with its multilinear lookup
        done in one numba pass (kernel ``interp_rows_3d``; equal to the table's to rounding)."""
        from mcdm.kernels.forest import interp_rows_3d

        t = self.table
        scal = self._cache.get("scalars")
        if scal is None:
            scal = np.ascontiguousarray(np.stack([t.log_w, t.log_tau, t.log_b], axis=-1))
            self._cache["scalars"] = scal
        lm = np.log10(M)
        n = lm.size
        sc = np.empty((n, 3))
        interp_rows_3d(scal, *_cell(lm, z, alpha, t.log10_M, t.z, t.alpha), sc)
        pdf, half = np.empty((n, t.pdf.shape[-1])), np.empty((n, t.pdf.shape[-1]))
        cell = _cell(lm, z, alpha, t.shape_log10_M, t.shape_z, t.shape_alpha)
        interp_rows_3d(t.pdf, *cell, pdf)
        interp_rows_3d(t.half_cdf, *cell, half)
        q = np.sqrt(np.maximum(1.0 - alpha**2, 0.0))
        zp1 = 1.0 + z
        scale = t.nu_star / (_C_KM_S * zp1)  # observed Hz per rest-frame km/s
        return AbsorberLines(center=t.nu_star / zp1, width=np.exp(sc[:, 2]) * scale,
                             ew=q * np.exp(sc[:, 0]) * scale, tau_peak=q * np.exp(sc[:, 1]),
                             half_cdf=half, pdf=pdf, x_step=t.x_step)

    def optical_depth(self, absorbers: Absorbers, out: np.ndarray | None = None) -> np.ndarray:
        """Per-unit-calA tau on the grid (channel averages), EW-conserving deposition [1].

        Beyond the point where its wing holds < ``tail`` (1e-6) of the shape, each line follows the
        erfc asymptote of its widest Gaussian component, and it is rescaled so that its equivalent
        width is unchanged: the far wings of the single-precision line table are quantisation
        noise that would make spurious peaks (kernel ``deposit_lines_trimmed``).
        """
        tau = np.zeros(self.n_channels) if out is None else out
        if out is not None:
            tau[:] = 0.0
        if absorbers.z.size:
            from mcdm.kernels.forest import deposit_lines_trimmed

            ln = absorbers.lines
            deposit_lines_trimmed(self.nu_edges, np.ascontiguousarray(ln.center, dtype=np.float64),
                                  np.ascontiguousarray(ln.width, dtype=np.float64),
                                  np.ascontiguousarray(ln.ew, dtype=np.float64), float(ln.x_step),
                                  np.ascontiguousarray(ln.half_cdf, dtype=np.float64),
                                  np.ascontiguousarray(ln.pdf, dtype=np.float64), self.tail, tau)
        return tau

    def sightline(self, seed: int, index: int, out: np.ndarray | None = None) -> Sightline:
        """Sightline ``index`` of master seed ``seed`` (its own stream, module docstring)."""
        absorbers = self.draw(sightline_generator(seed, index, 0))
        return Sightline(index=int(index), absorbers=absorbers,
                         tau_unit=self.optical_depth(absorbers, out),
                         radiative_coupling=self.radiative_coupling)

    def describe(self) -> dict[str, Any]:
        """Numbers worth recording with a run (grid, bins, expected counts)."""
        return {"case": self.table.case, "nu_star_Hz": self.nu_star, "z_min": self.z_min,
                "z_max": self.z_max, "M_min_Msun_h": self.M_min, "M_max_Msun_h": self.M_max,
                "p_bin": self.p_bin, "p_bin_used": self.p_eff, "n_bins": self.n_bins,
                "mean_absorbers": self.mean_absorbers, "n_channels": self.n_channels,
                "dln_nu": self.dln, "b_ref_km_s": self.b_ref,
                "channels_per_width": self.channels_per_width,
                "grid_Hz": [float(math.exp(self.ln_nu_lo)),
                            float(math.exp(self.ln_nu_lo + self.dln * self.n_channels))],
                "radiative_coupling": self.radiative_coupling}

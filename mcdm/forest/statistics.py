"""Dark-forest line statistics (seed 002 §III.1.2, Eq. 20, Appendix D; digest 002 §5.4).

Lines are the local maxima of the summed optical depth tau_tot(nu_obs), not the individual
absorbers (overlapping tails make new peaks). Each peak is measured by the parabola through the
peak channel and its two neighbours on the sampler's ln-nu grid
(:func:`mcdm.kernels.forest.find_peaks_log_grid`): tau_0 = the vertex value, nu_0 the vertex, and

    Delta nu_w = sqrt(2 tau_0 / |tau''_0|)                                  (Eq. 20)

in observed frequency [Hz] (a Gaussian tau_0 exp(-(nu-nu_0)^2/w^2) returns w). With >= 5 channels
per Doppler width the three-point curvature of a channel-averaged Gaussian is biased by ~2-3 %
(discretisation + channel averaging, both O(h^2/w^2)); the line's z is nu*/nu_0 - 1.

Distributions (:class:`LineHistograms`): per redshift window (default 6-5 and 2-1) the counts of
lines in log-spaced tau_0 and Delta nu_w bins, summed over sightlines, with the sum over sightlines
of the squared per-sightline counts. The unnormalised distribution is the mean count per sightline
per bin, N_bin/N_LoS, with the Poisson error sqrt(N_bin)/N_LoS (Appendix D) and the sample standard
deviation of the per-sightline counts alongside. Lower cut-offs (``tau_cut``, ``width_cut``) drop
lines below them before binning (the paper's cut-offs are lost, digest §15 item 2). Histograms add
across shards.

calA rescaling: tau is proportional to calA for the same sightlines (the sampler deposits per unit
calA), so the peaks and widths are the same and the tau_0 distribution at calA_2 is the one at
calA_1 with the tau_0 axis scaled by calA_2/calA_1 (:func:`rescale_tau_edges`; digest §14 item 11).

Units: tau [1]; frequencies and widths [Hz]; z [1].
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np

from mcdm.errors import ConfigError

__all__ = ["LinePeaks", "find_lines", "curvature_width", "LineHistograms", "rescale_tau_edges",
           "DEFAULT_WINDOWS", "log_edges", "window_labels"]

#: the paper's redshift windows (z_high, z_low)
DEFAULT_WINDOWS = ((6.0, 5.0), (2.0, 1.0))


class LinePeaks(NamedTuple):
    """Lines of one sightline: nu0 [Hz], z [1], tau0 [1], width = Delta nu_w [Hz], d2 = tau'' [Hz^-2]."""

    nu0: np.ndarray
    z: np.ndarray
    tau0: np.ndarray
    width: np.ndarray
    d2: np.ndarray


def curvature_width(tau0: Any, d2: Any) -> np.ndarray:
    """Delta nu_w = sqrt(2 tau_0 / |tau''_0|) (Eq. 20) [unit of 1/sqrt(d2)]."""
    t = np.asarray(tau0, dtype=float)
    c = np.abs(np.asarray(d2, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(c > 0, np.sqrt(2.0 * t / np.where(c > 0, c, 1.0)), np.inf)  # Eq. (20)


def find_lines(tau: np.ndarray, ln_nu_lo: float, dln: float, nu_star: float,
               tau_floor: float = 0.0, scale: float = 1.0) -> LinePeaks:
    """Local maxima of ``tau`` (channels uniform in ln nu: centres exp(ln_nu_lo + (k+1/2) dln) Hz).

    tau_floor : only peaks with channel tau above it (0: every peak of a non-zero tau), in the
    units of ``tau``. scale : the lines of scale x tau (e.g. tau per unit calA and scale = calA):
    same peaks and widths, tau0 and d2 multiplied by scale.
    """
    from mcdm.kernels.forest import find_peaks_log_grid

    t = np.ascontiguousarray(tau, dtype=np.float64)
    cap = 4096
    while True:
        nu, t0, d2 = np.empty(cap), np.empty(cap), np.empty(cap)
        n = find_peaks_log_grid(t, float(ln_nu_lo), float(dln), float(tau_floor), nu, t0, d2)
        if n <= cap:
            break
        cap = n
    nu, t0, d2 = nu[:n], t0[:n], d2[:n]
    width = curvature_width(t0, d2)  # scale-free: computed before scaling
    return LinePeaks(nu0=nu, z=nu_star / nu - 1.0, tau0=scale * t0, width=width, d2=scale * d2)


def log_edges(lo: float, hi: float, n: int) -> np.ndarray:
    """n log-spaced bins from lo to hi (n + 1 edges)."""
    if not (0 < lo < hi) or n < 1:
        raise ConfigError(f"log bins need 0 < lo < hi and n >= 1, got {lo!r}, {hi!r}, {n!r}")
    return np.geomspace(lo, hi, int(n) + 1)


def rescale_tau_edges(edges: np.ndarray, calA_from: float, calA_to: float) -> np.ndarray:
    """tau_0 bin edges of the distribution at calA_to from those at calA_from (tau ∝ calA)."""
    if not (calA_from > 0 and calA_to > 0):
        raise ConfigError("calA values must be > 0")
    return np.asarray(edges, dtype=float) * (calA_to / calA_from)


@dataclass
class LineHistograms:
    """Line counts per redshift window, summed over sightlines (module docstring); adds with +.

    windows : ((z_hi, z_lo), ...); tau_edges [1], width_edges [Hz]; tau_cut [1], width_cut [Hz];
    n_sightlines; counts_tau (n_w, n_tau), counts_width (n_w, n_width): line counts; sq_tau, sq_width:
    sums over sightlines of squared per-sightline counts; outside_tau, outside_width (n_w, 2): lines
    above the cut but below the first / above the last edge; n_lines (n_w,): lines passing the cuts;
    n_absorbers (n_w,), sq_absorbers (n_w,): absorbers with z in the window (sum, sum of squares);
    n_absorbers_total, sq_absorbers_total: absorbers per sightline over the whole range.
    """

    windows: tuple
    tau_edges: np.ndarray
    width_edges: np.ndarray
    tau_cut: float = 0.0
    width_cut: float = 0.0
    n_sightlines: int = 0
    counts_tau: np.ndarray | None = None
    counts_width: np.ndarray | None = None
    sq_tau: np.ndarray | None = None
    sq_width: np.ndarray | None = None
    outside_tau: np.ndarray | None = None
    outside_width: np.ndarray | None = None
    n_lines: np.ndarray | None = None
    n_absorbers: np.ndarray | None = None
    sq_absorbers: np.ndarray | None = None
    n_absorbers_total: float = 0.0
    sq_absorbers_total: float = 0.0

    def __post_init__(self) -> None:
        self.windows = tuple((float(a), float(b)) for a, b in self.windows)
        for hi, lo in self.windows:
            if not hi > lo >= 0:
                raise ConfigError(f"redshift windows are (z_high, z_low) with z_high > z_low >= 0, "
                                  f"got ({hi}, {lo})")
        self.tau_edges = np.asarray(self.tau_edges, dtype=float)
        self.width_edges = np.asarray(self.width_edges, dtype=float)
        nw, nt, nb = len(self.windows), self.tau_edges.size - 1, self.width_edges.size - 1
        zeros = {"counts_tau": (nw, nt), "counts_width": (nw, nb), "sq_tau": (nw, nt),
                 "sq_width": (nw, nb), "outside_tau": (nw, 2), "outside_width": (nw, 2),
                 "n_lines": (nw,), "n_absorbers": (nw,), "sq_absorbers": (nw,)}
        for name, shape in zeros.items():
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(shape))

    @classmethod
    def empty_like(cls, other: LineHistograms) -> LineHistograms:
        """Zero histograms with the binning of ``other``."""
        return cls(other.windows, other.tau_edges, other.width_edges, other.tau_cut, other.width_cut)

    def add_sightline(self, lines: LinePeaks, absorber_z: np.ndarray) -> None:
        """Count the lines of one sightline (its peaks) and its absorbers."""
        keep = (lines.tau0 >= self.tau_cut) & (lines.width >= self.width_cut)
        z, t0, w = lines.z[keep], lines.tau0[keep], lines.width[keep]
        az = np.asarray(absorber_z, dtype=float)
        for i, (hi, lo) in enumerate(self.windows):
            sel = (z >= lo) & (z < hi)
            ct, ot = _hist(t0[sel], self.tau_edges)
            cw, ow = _hist(w[sel], self.width_edges)
            self.counts_tau[i] += ct
            self.sq_tau[i] += ct * ct
            self.counts_width[i] += cw
            self.sq_width[i] += cw * cw
            self.outside_tau[i] += ot
            self.outside_width[i] += ow
            self.n_lines[i] += float(np.count_nonzero(sel))
            na = float(np.count_nonzero((az >= lo) & (az < hi)))
            self.n_absorbers[i] += na
            self.sq_absorbers[i] += na * na
        self.n_absorbers_total += float(az.size)
        self.sq_absorbers_total += float(az.size) ** 2
        self.n_sightlines += 1

    def __add__(self, other: LineHistograms) -> LineHistograms:
        if (self.windows != other.windows or not np.array_equal(self.tau_edges, other.tau_edges)
                or not np.array_equal(self.width_edges, other.width_edges)):
            raise ConfigError("cannot add line histograms with different windows or bins")
        arrays = ("counts_tau", "counts_width", "sq_tau", "sq_width", "outside_tau", "outside_width",
                  "n_lines", "n_absorbers", "sq_absorbers")
        return LineHistograms(self.windows, self.tau_edges, self.width_edges, self.tau_cut,
                              self.width_cut, self.n_sightlines + other.n_sightlines,
                              **{a: getattr(self, a) + getattr(other, a) for a in arrays},
                              n_absorbers_total=self.n_absorbers_total + other.n_absorbers_total,
                              sq_absorbers_total=self.sq_absorbers_total + other.sq_absorbers_total)

    # --------------------------------------------------------------------------- results
    def distribution(self, which: str = "tau") -> dict[str, np.ndarray]:
        """Unnormalised distribution per sightline: ``mean`` (n_w, n_bins) = N_bin/N_LoS,
        ``poisson`` = sqrt(N_bin)/N_LoS, ``std`` = sample std of per-sightline counts,
        ``edges``, ``centers`` (geometric)."""
        if which not in ("tau", "width"):
            raise ConfigError(f"which must be 'tau' or 'width', got {which!r}")
        n = max(self.n_sightlines, 1)
        counts = self.counts_tau if which == "tau" else self.counts_width
        sq = self.sq_tau if which == "tau" else self.sq_width
        edges = self.tau_edges if which == "tau" else self.width_edges
        mean = counts / n
        var = np.maximum(sq / n - mean**2, 0.0) * (n / max(n - 1, 1))
        return {"mean": mean, "poisson": np.sqrt(counts) / n, "std": np.sqrt(var), "edges": edges,
                "centers": np.sqrt(edges[1:] * edges[:-1])}

    def absorber_stats(self) -> dict[str, Any]:
        """Mean absorbers per sightline (total and per window) and their standard errors."""
        n = max(self.n_sightlines, 1)

        def stat(s: Any, s2: Any) -> tuple[Any, Any]:
            m = np.asarray(s) / n
            var = np.maximum(np.asarray(s2) / n - m**2, 0.0) * (n / max(n - 1, 1))
            return m, np.sqrt(var / n)

        m, e = stat(self.n_absorbers_total, self.sq_absorbers_total)
        mw, ew = stat(self.n_absorbers, self.sq_absorbers)
        return {"mean": float(m), "error": float(e), "window_mean": mw, "window_error": ew}

    def count_above(self, which: str, window: int, threshold: float) -> float:
        """Lines per sightline in ``window`` whose tau_0 [1] or width [Hz] lies in a bin starting at or
        above ``threshold`` (plus the lines above the last edge)."""
        d = self.distribution(which)
        outside = self.outside_tau if which == "tau" else self.outside_width
        sel = d["edges"][:-1] >= threshold
        return float(d["mean"][window][sel].sum() + outside[window, 1] / max(self.n_sightlines, 1))

    def quantile(self, which: str, window: int, q: float) -> float:
        """The q-quantile of the binned distribution, log-linear within its bin (0 if empty)."""
        d = self.distribution(which)
        c = d["mean"][window]
        if not 0.0 < q <= 1.0:
            raise ConfigError(f"quantile must be in (0, 1], got {q}")
        if c.sum() <= 0:
            return 0.0
        cdf = np.concatenate([[0.0], np.cumsum(c) / c.sum()])
        k = int(np.clip(np.searchsorted(cdf, q) - 1, 0, c.size - 1))
        while c[k] <= 0 and k > 0:  # q fell on an empty bin's edge
            k -= 1
        frac = (q - cdf[k]) / max(cdf[k + 1] - cdf[k], 1e-300)
        lo, hi = np.log(d["edges"][k]), np.log(d["edges"][k + 1])
        return float(np.exp(lo + np.clip(frac, 0.0, 1.0) * (hi - lo)))

    def relative_errors(self) -> np.ndarray:
        """Poisson relative error 1/sqrt(N_bin) of the non-empty tau_0 and width bins."""
        c = np.concatenate([self.counts_tau.ravel(), self.counts_width.ravel()])
        c = c[c > 0]
        return 1.0 / np.sqrt(c) if c.size else np.array([np.inf])


def _hist(x: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts, _ = np.histogram(x, bins=edges)
    below = float(np.count_nonzero(x < edges[0]))
    above = float(np.count_nonzero(x > edges[-1]))
    return counts.astype(float), np.array([below, above])


def window_labels(windows: Sequence[tuple[float, float]]) -> list[str]:
    """'z 6-5' style labels."""
    return [f"z {hi:g}-{lo:g}" for hi, lo in windows]

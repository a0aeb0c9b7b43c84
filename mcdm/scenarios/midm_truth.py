"""Monte Carlo truth columns of the seed-004 synthetic catalog: χ₂ speed and flight length.

:func:`mcdm.synthesis.synthesize_catalog` draws the signal events of a ``midm`` run per
(time bin, isotope, layer) cell of the rate tally; the truth sampler here gives each such event a
χ₂ lab speed and a flight length L (scatter point → detector). For the k events of one cell it
scores M = max(4096, 32 k) fresh histories of the next-event estimator in that cell, with the
run's velocity proposal and importance weights (:func:`mcdm.scenarios.midm.simulate_shard`;
:func:`mcdm.kernels.next_event_truth.truth_chunk`: the run's weights, plus L drawn from the
cell's L-distribution along each history's ray) and keeps k of them by sampling-importance-
resampling ∝ weight, so the pairs (speed, L) follow the cell's rate density up to the SIR
approximation (exact as M/k → ∞; duplicates are possible when few histories carry the weight).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mcdm.scenarios.midm import MidmJob, kernel_arguments
from mcdm.synthesis import TruthSampler

__all__ = ["make_truth_sampler", "TRUTH_COLUMNS", "MIN_HISTORIES", "HISTORIES_PER_EVENT"]

#: names of the truth columns [km/s, km]
TRUTH_COLUMNS = ("chi2_speed_km_s", "flight_km")
#: fresh histories per cell are max(MIN_HISTORIES, HISTORIES_PER_EVENT x events of the cell)
MIN_HISTORIES = 4096
HISTORIES_PER_EVENT = 32
#: if no history of a batch reaches the cell, more batches are scored, at most this many
MAX_BATCHES = 16


def make_truth_sampler(job: MidmJob, seed: int) -> TruthSampler:
    """A ``truth_sampler`` for :func:`~mcdm.synthesis.synthesize_catalog` on a ``midm`` rate tally.

    Parameters
    ----------
    job : MidmJob
        The compiled job of the run (:func:`mcdm.scenarios.midm.compile_job`); the tally's
        category axes must be (isotope, layer) in the job's order, as :func:`~mcdm.scenarios.midm.rate_tally`
        builds them.
    seed : int
        Mixed into every cell's random stream (with the stream spawned from the sampler's ``rng``),
        so runs with different seeds draw different histories [dimensionless].

    Returns
    -------
    TruthSampler
        ``sampler(bin_index, (isotope_index, layer_index), n, rng) -> {"chi2_speed_km_s": (n,),
        "flight_km": (n,)}`` aligned with the input events: χ₂ lab speed [km/s] and flight length
        from the scatter point to the detector [km]. Deterministic given ``rng``'s seed sequence (the
        sampler spawns one child of it and never draws from ``rng`` itself, so the rest of the
        catalog does not change when truth is added); each cell (bin, isotope, layer) has its own
        stream. NaN for an event whose layer holds none of its isotope, or whose cell got no positive
        weight in ``MAX_BATCHES`` batches of fresh histories.
    """
    from mcdm.kernels.next_event_truth import truth_chunk
    from mcdm.source import StandardHaloModel
    from mcdm.source.importance import LabIsotropicMixture

    physics = kernel_arguments(job)
    # the velocity proposal of simulate_shard (halo above v_cut, or the defensive mixture, with f/q weights)
    proposal = LabIsotropicMixture(StandardHaloModel(v0=job.v0, v_esc=job.v_esc), tuple(job.boost),
                                   v_min=job.v_cut, halo_fraction=job.halo_fraction)
    n_bins, n_iso, n_layers = job.u_earth.shape[0], job.iso_mass.shape[0], job.n_layers
    seed = int(seed) % 2**64  # a spawn-key entry must be a non-negative integer

    def cell_histories(t: int, i: int, layer: int, n: int, rng_v: np.random.Generator,
                       rng_u: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weights, χ₂ speeds [km/s] and flights [km] of n fresh histories in cell (t, i, layer)."""
        v_gal, f_over_q = proposal.sample(n, rng_v)  # as in simulate_shard
        uniforms = rng_u.random((n, 3))
        weight, speed, flight = truth_chunk(v_gal, uniforms, job.u_earth[t], job.rotations[t], i, layer, *physics)
        return weight * f_over_q, speed, flight

    def sampler(bin_index: np.ndarray, category_indices: tuple[np.ndarray, ...], n: int,
                rng: np.random.Generator) -> Mapping[str, np.ndarray]:
        speed = np.full(n, np.nan)
        flight = np.full(n, np.nan)
        if n == 0:
            return {TRUTH_COLUMNS[0]: speed, TRUTH_COLUMNS[1]: flight}
        if len(category_indices) != 2:
            raise ValueError(f"the midm truth sampler needs the (isotope, layer) category axes, "
                             f"got {len(category_indices)} category axes")
        t_idx = np.asarray(bin_index, dtype=np.int64)
        i_idx, l_idx = (np.asarray(c, dtype=np.int64) for c in category_indices)
        for name, idx, size in (("bin", t_idx, n_bins), ("isotope", i_idx, n_iso), ("layer", l_idx, n_layers)):
            if idx.shape != (n,) or idx.min() < 0 or idx.max() >= size:
                raise ValueError(f"{name} indices must have shape ({n},) and lie in [0, {size})")
        try:  # a child of rng's seed sequence: rng's own stream is left as it is
            root = rng.bit_generator.seed_seq.spawn(1)[0]
        except (AttributeError, NotImplementedError):  # a generator without a seed sequence
            root = np.random.SeedSequence(int(rng.integers(2**63)))
        cell = (t_idx * n_iso + i_idx) * n_layers + l_idx
        cells, inverse, counts = np.unique(cell, return_inverse=True, return_counts=True)
        groups = np.split(np.argsort(inverse, kind="stable"), np.cumsum(counts)[:-1])  # events per cell, in order
        for key, members in zip(cells, groups):
            k = members.size
            t, rest = divmod(int(key), n_iso * n_layers)
            i, layer = divmod(rest, n_layers)
            if not np.any(job.onion[:, i * n_layers + layer]):  # the layer holds none of the isotope
                continue
            stream = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, seed, t, i, layer))
            rng_v, rng_u, rng_pick = (np.random.Generator(np.random.PCG64(s)) for s in stream.spawn(3))
            m = max(MIN_HISTORIES, HISTORIES_PER_EVENT * k)
            weight, v_out, length = cell_histories(t, i, layer, m, rng_v, rng_u)
            for _ in range(MAX_BATCHES - 1):
                if np.any(weight > 0.0):
                    break
                weight, v_out, length = cell_histories(t, i, layer, m, rng_v, rng_u)
            # the few slightly negative weights (a response fit below zero at large q^2) carry no events
            weight = np.maximum(weight, 0.0)
            total = weight.sum()
            if not total > 0.0:
                continue
            # sampling-importance-resampling: k draws with replacement, probability ∝ weight
            pick = rng_pick.choice(m, size=k, p=weight / total)
            speed[members] = v_out[pick]
            flight[members] = length[pick]
        return {TRUTH_COLUMNS[0]: speed, TRUTH_COLUMNS[1]: flight}

    return sampler

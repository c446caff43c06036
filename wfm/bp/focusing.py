r"""Focusing BP and reinforced BP as solvers (Baldassi et al., PNAS 113, E7655 (2016), arXiv:1605.06444;
the reference implementation BinaryCommitteeMachineFBP.jl, ``focusingBP``).

BP on the y-replicated robust-ensemble measure with the centre traced out: each weight receives, on top of the
pattern messages, the focusing message ũ_i = atanh(tanh γ · tanh[(y−1) atanh(tanh γ · tanh h_i)]) (h_i the
cavity field without ũ_i; :func:`wfm.bp._kernels.focusing_field`). For each (γ, y) of the protocol:
iterate (random order over pattern and weight nodes) until the max message change is below ε or ``max_iters``
sweeps; then the clipped weights sign(m_i) are tested on the patterns and the run stops at zero errors.
γ = ∞ with y = 1/(1−x) is the standard reinforcement (Braunstein–Zecchina), ũ = (y−1)h.
"""
from __future__ import annotations

import math
import time

import numpy as np

from .core import make_state, resolve_form

__all__ = ["focusing_bp"]

TRACE_KEYS = ("gamma", "y", "iterations", "converged", "delta", "free_entropy", "overlap", "sigma_int", "q",
              "errors")


#: damping of the AMP form when the caller leaves it to the form (undamped AMP oscillates once the focusing
#: field is strong; measured in benchmarks/BENCHMARKS.md)
AMP_DAMPING = 0.3
#: iterations per protocol step of the AMP form when the caller leaves it to the form (AMP with one damped
#: iteration per step lags behind the protocol; measured in benchmarks/BENCHMARKS.md)
AMP_ITERS_PER_STEP = 3


def focusing_bp(model, patterns, steps, *, max_iters=None, epsilon=1e-3, damping=None, randfact=0.01,
                accuracy="auto", rng=None, max_seconds=None, stop_at_solution=True, thermo=True, progress=False,
                form="auto", schedule="sequential"):
    """Run focusing BP along ``steps`` = [(γ, y), ...]; returns (clipped weights, trace dict of arrays, BP state).

    Trace per protocol step: γ, y, sweeps done, converged, last max change, replicated free entropy per weight
    and replica (``free_entropy``), replica–centre overlap ``overlap`` (S), Σ_int = φ_rep − γS (``sigma_int``,
    the local entropy of the focused region; NaN at γ = ∞), q = ⟨m²⟩, and the errors of sign(m).
    ``thermo=False`` skips the free-entropy pass (NaN in the trace). ``form`` ("auto", "edges", "amp") and
    ``schedule`` ("sequential", "parallel"; per-edge only): :func:`wfm.bp.core.make_state`. ``damping=None``:
    0 for the sequential per-edge form, :data:`AMP_DAMPING` for AMP and the parallel schedule; ``max_iters=None``
    (iterations per protocol step): 1 for the sequential per-edge form, :data:`AMP_ITERS_PER_STEP` otherwise.
    """
    rng = rng if rng is not None else np.random.default_rng()
    serial_edges = resolve_form(form, model, patterns, accuracy) == "edges" and schedule == "sequential"
    if damping is None:
        damping = 0.0 if serial_edges else AMP_DAMPING
    if max_iters is None:
        max_iters = 1 if serial_edges else AMP_ITERS_PER_STEP
    bp = make_state(model, patterns, form=form, schedule=schedule, accuracy=accuracy, damping=damping, seed=rng,
                    randfact=randfact)
    trace = {k: [] for k in TRACE_KEYS}
    t0 = time.perf_counter()
    best_w, best_e = bp.clipped_weights(), None
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(steps), desc="fbp", leave=False)
    try:
        for gamma, y in steps:
            bp.set_focusing(gamma, y)
            conv, it, d = bp.iterate(max_iters=max_iters, epsilon=epsilon)
            if not np.all(np.isfinite(bp.H)):
                # cannot happen with the clipped field parametrization; flagged rather than used if it does
                trace_append(trace, gamma, y, it, False, math.nan, math.nan, math.nan, math.nan, math.nan, -1)
                break
            w = bp.clipped_weights()
            e = bp.count_errors(w)
            if best_e is None or e <= best_e:
                best_w, best_e = w, e
            if thermo:
                phi, S, sig = bp.replicated_free_entropy()
            else:
                phi = S = sig = math.nan
            q = float(np.mean(np.tanh(bp.H) ** 2))
            trace_append(trace, gamma, y, it, conv, d, phi, S, sig, q, e)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(errors=e, gamma=f"{gamma:.3g}", y=f"{y:.3g}")
            if e == 0 and stop_at_solution:
                break
            if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
                break
    finally:
        if bar is not None:
            bar.close()
    out = {k: np.asarray(v) for k, v in trace.items()}
    return best_w, out, bp


def trace_append(trace, gamma, y, it, conv, d, phi, S, sig, q, e):
    for k, v in zip(TRACE_KEYS, (gamma, y, it, conv, d, phi, S, sig, q, e)):
        trace[k].append(v)

"""Simulated annealing on the error loss for binary models (``method="sa"``).

Energy E(W) = number of patterns with stability Δ^μ ≤ κ (the error loss, paper_digest.md §2.4).
Dynamics: single-weight Metropolis moves W_j → −W_j at inverse temperature β, accepted with probability
min(1, e^{−βΔE}); one sweep = n_weights attempted moves on uniformly drawn weights; β follows a geometric
schedule from ``beta0`` to ``beta1`` over ``max_sweeps`` sweeps; the run stops at E = 0.

Bookkeeping is incremental (DESIGN.md): the integer unit fields h_k^μ, the integer pre-activation and the
per-pattern error flags are updated in O(P) per accepted move. A move is rejected **before** all patterns
are scanned as soon as the partial ΔE minus the number of still-unscanned wrong patterns (the largest
possible further decrease) reaches the Metropolis threshold −ln(u)/β.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np
from tqdm.auto import tqdm

from .._errors import check_float, check_int
from .._kernels import PARITY, PERCEPTRON, RELU, SIGN, error_threshold, input_columns, int_preactivation, \
    model_code, sgn, unit_contribution
from . import Run, register, require_binary


@nb.njit(cache=True)
def init_state(w, xi, labels, cols, m, kk, code, thr):
    """Integer fields h (P, K), pre-activations (P,), error flags (P,) and the error count from scratch."""
    p = xi.shape[0]
    h = np.zeros((p, kk), np.int32)
    pre = np.zeros(p, np.int32)
    wrong = np.zeros(p, np.uint8)
    e = 0
    for mu in range(p):
        for j in range(w.shape[0]):
            h[mu, j // m] += np.int32(w[j]) * np.int32(xi[mu, cols[j]])
        pre[mu] = int_preactivation(code, h[mu])
        if labels[mu] * pre[mu] <= thr:
            wrong[mu] = 1
            e += 1
    return h, pre, wrong, e


@nb.njit(cache=True, inline="always")
def _new_pre(code, k, half, hk, dh, pre):
    if code == PERCEPTRON:
        return pre + dh
    if code == PARITY:
        return pre if sgn(hk + dh) == sgn(hk) else -pre
    return pre - unit_contribution(code, k, half, hk) + unit_contribution(code, k, half, hk + dh)


@nb.njit(cache=True)
def sa_sweeps(w, xi, labels, cols, m, kk, code, thr, betas, rng, h, pre, wrong, e, energy_trace):
    """Run Metropolis sweeps at the given β values; stops at E = 0. Returns (E, sweeps done)."""
    nw = w.shape[0]
    p = xi.shape[0]
    half = kk // 2
    for s in range(betas.shape[0]):
        beta = betas[s]
        for _ in range(nw):
            j = rng.integers(0, nw)
            k = j // m
            col = cols[j]
            wj = np.int32(w[j])
            u = rng.random()
            t = np.inf if u <= 0.0 else -math.log(u) / beta   # accept iff ΔE < t
            de = 0
            wrong_left = e
            rejected = False
            for mu in range(p):
                dh = -2 * wj * np.int32(xi[mu, col])
                npre = _new_pre(code, k, half, h[mu, k], dh, pre[mu])
                nw_ = 1 if labels[mu] * npre <= thr else 0
                de += nw_ - wrong[mu]
                wrong_left -= wrong[mu]
                if de - wrong_left >= t:
                    rejected = True
                    break
            if rejected or de >= t:
                continue
            for mu in range(p):
                dh = -2 * wj * np.int32(xi[mu, col])
                pre[mu] = _new_pre(code, k, half, h[mu, k], dh, pre[mu])
                h[mu, k] += dh
                wrong[mu] = 1 if labels[mu] * pre[mu] <= thr else 0
            w[j] = -w[j]
            e += de
            if e == 0:
                energy_trace[s] = 0
                return e, s + 1
        energy_trace[s] = e
    return e, betas.shape[0]


@register(
    "sa",
    options={"beta0": 0.5, "beta1": 30.0, "max_sweeps": 2000, "init": None},
    description="simulated annealing on the error loss (Metropolis single-weight flips, geometric β schedule)",
    applies=require_binary,
    option_docs={"beta0": "initial inverse temperature", "beta1": "final inverse temperature",
                 "max_sweeps": "budget: number of sweeps (n_weights moves each)",
                 "init": "initial weights (default: random ±1)"},
)
def run_sa(model, patterns, rng, progress, beta0, beta1, max_sweeps, init):
    beta0 = check_float("beta0", beta0, positive=True)
    beta1 = check_float("beta1", beta1, positive=True)
    max_sweeps = check_int("max_sweeps", max_sweeps, min_value=1)
    if not patterns.binary:
        raise ValueError("method='sa' needs binary (±1) patterns")
    w = (model.random_weights(seed=rng) if init is None else model.check_weights(init)).reshape(-1).copy()
    xi, labels = patterns.xi, patterns.labels
    cols, code, thr = input_columns(model), model_code(model), error_threshold(model)
    h, pre, wrong, e = init_state(w, xi, labels, cols, model.m, model.k, code, thr)
    betas = beta0 * (beta1 / beta0) ** (np.arange(max_sweeps) / max(1, max_sweeps - 1))
    trace = np.full(max_sweeps, -1, np.int64)
    done = 0
    chunk = max(1, max_sweeps // 100)
    with tqdm(total=max_sweeps, disable=not progress, desc="sa", unit="sweep") as bar:
        while done < max_sweeps and e > 0:
            stop = min(max_sweeps, done + chunk)
            e, n = sa_sweeps(w, xi, labels, cols, model.m, model.k, code, thr, betas[done:stop], rng,
                             h, pre, wrong, e, trace[done:stop])
            done += n
            bar.update(n)
            bar.set_postfix(E=int(e))
    return Run(weights=w.reshape(model.weight_shape), iterations=done,
               history={"energy": trace[:done], "beta": betas[:done]}, extra={"energy": int(e)})

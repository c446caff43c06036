"""Least-action learning (``lal``) and the entropy-driven greedy search (``greedy``) for committees.

Models: the perceptron (K = 1) and tree or fully connected committees with sign units (majority vote),
binary or continuous weights. Patterns are presented online, in a fresh random order every epoch.

For pattern μ let f_k = σ^μ h_k^μ = σ^μ Σ_i W_ki ξ^μ_{k,i}/√m be the signed stability of hidden unit k.
The output is right with margin κ iff the number c of units with f_k > 0 satisfies 2c − K > κ, i.e.
c ≥ c* = ⌊(K + κ)/2⌋ + 1 (K = 1: f_1 > κ).

**LAL** (least-action learning: Mitchison & Durbin, Biol. Cybern. 60, 345 (1989); the same update is the loss
step of ``replicatedSGD`` in the public Julia package carlobaldassi/BinaryCommitteeMachineRSGD.jl): if c < c*,
the c* − c wrong units (f_k ≤ 0) with the **smallest |f_k|** (least action: the ones closest to becoming
right) receive the perceptron update
    continuous:  W_k ← W_k + η σ ξ_k/√m;
    binary:      h_ki ← clip(h_ki + 2σ ξ_{k,i}), W_ki = sign(h_ki)
(binary weights carry odd hidden integer states |h| ≤ 2L − 1, L = ``states``, as in the clipped perceptron).

**greedy** (an entropic LAL). Baldassi, Pittorino & Zecchina, PNAS 117, 161 (2020), arXiv:1905.07833, derive
"entropy driven greedy" algorithms; **their exact form could not be checked against the paper (only its
abstract was available), so this rule is our reconstruction**, and the docstring says why it is built this
way. A unit counts as right only if it is *robustly* right, f_k > κ_h (a hidden-unit stability threshold); if
fewer than c* units are robustly right, the c* − c_rob non-robust units with the largest f_k (least action
towards the threshold) are updated: a wrong unit (f_k ≤ 0) as in LAL; a right but not robust unit (0 < f_k ≤
κ_h) with binary weights by the *metaplastic* rule of SBPI (Baldassi, Braunstein, Brunel & Zecchina, PNAS 104,
11079 (2007)) lifted to hidden units: h_ki ← clip(h_ki + 2σξ_{k,i}) only for the synapses with W_ki σ ξ_{k,i}
= +1, which deepens the hidden states of the synapses that support the pattern and never flips a weight (with
continuous weights, the plain update, which raises f_k). Barely-correct patterns thus also trigger updates
that make the current configuration harder to destabilise: the search is driven away from the boundary of the
solution space, towards regions where many neighbours are solutions too (wide flat minima). (Applying the
full, flipping update to barely-correct units instead did no better than LAL itself on the binary perceptron;
benchmarks/BENCHMARKS.md.) The threshold **grows during learning**: κ_h(t) = min(``kappa_max``, ``kappa0`` +
``kappa_step``·t) at epoch t, so the window of patterns that count as barely correct widens as learning
proceeds. The run stops at the end of the first epoch that leaves zero training errors (at the model's own
margin), or at the budget. (An earlier variant raised κ_h only after each solution and kept searching; with
binary weights it is pointless: once no unit is wrong only metaplastic updates happen, which never flip a
weight, so the first solution is kept unchanged.)
With ``kappa0 = kappa_step = 0`` greedy is exactly LAL.

**Defaults** κ_h(t) = (0.9 + 0.001·t)/√m: with binary weights and odd m the unit fields are odd integers
over √m, so for the first 100 epochs no right unit is "barely" right (pure LAL) and the window then admits
the fields ±1/√m (after 2100 epochs ±3/√m): least action first, then the metaplastic consolidation of the
barely-right units. These defaults were tuned on the binary perceptron near α = 0.7 and the K = 3 tree
committee near α = 0.6 at N ≈ 1000, against a window open from the start and widening fast and against a
window that never grows (SBPI for K = 1); the success counts behind the choice, and the exact local entropy
of the solutions at N = 21 (where LAL's solutions are as dense as greedy's: at that size the density comes
from the online least-action dynamics itself), are in benchmarks/BENCHMARKS.md.
"""
from __future__ import annotations

import math
import time

import numba as nb
import numpy as np
from tqdm.auto import tqdm

from ..core.checks import check_float, check_int
from . import Run, register
from ._common import hidden_states


def _require_lal_model(model, name):
    if model.kind == "perceptron":
        return
    if model.kind in ("tree", "committee") and model.activation == "sign":
        return
    raise ValueError(f"method={name!r} applies to the perceptron and to sign (majority) tree or fully connected "
                     f"committees, got model={model!r}")


@nb.njit(cache=True)
def _unit_stabilities(xi_mu, s, w, tree, kk, m, f):
    """f_k = σ Σ_i W_ki ξ_{k,i} / √m for every unit (into f)."""
    sq = math.sqrt(m)
    for k in range(kk):
        off = k * m if tree else 0
        acc = 0.0
        for i in range(m):
            acc += w[k, i] * xi_mu[off + i]
        f[k] = s * acc / sq


@nb.njit(cache=True)
def _lal_epoch(xi, sig, w, h, binary, hmax, eta, tree, kk, m, c_needed, theta, p_s, rng):
    """One epoch of (entropic) LAL; returns the number of patterns that triggered an update.

    A unit is (robustly) right iff f_k > theta; a pattern needs c_needed such units.
    """
    p = xi.shape[0]
    order = rng.permutation(p)
    f = np.empty(kk)
    sq = math.sqrt(m)
    n_upd = 0
    for q in range(p):
        mu = order[q]
        s = np.float64(sig[mu])
        x = xi[mu]
        _unit_stabilities(x, s, w, tree, kk, m, f)
        n_rob = 0
        for k in range(kk):
            if f[k] > theta:
                n_rob += 1
        tofix = c_needed - n_rob
        if tofix <= 0:
            continue
        n_upd += 1
        for _ in range(tofix):
            best = -1
            bv = -np.inf
            for k in range(kk):                      # least action: largest f among the non-robust units
                if f[k] <= theta and f[k] > bv:
                    best = k
                    bv = f[k]
            f[best] = np.inf                         # taken
            off = best * m if tree else 0
            if binary:
                si = np.int32(sig[mu])
                if bv <= 0.0:                        # wrong unit: clipped-perceptron update (may flip)
                    for i in range(m):
                        v = h[best, i] + 2 * si * np.int32(x[off + i])
                        v = min(hmax, max(-hmax, v))
                        h[best, i] = v
                        w[best, i] = 1 if v > 0 else -1
                elif p_s >= 1.0 or rng.random() < p_s:   # right but not robust: metaplastic, never flips
                    for i in range(m):
                        sx = si * np.int32(x[off + i])
                        if np.int32(w[best, i]) * sx > 0:
                            h[best, i] = min(hmax, h[best, i] + 2 * sx) if sx > 0 else max(-hmax, h[best, i] + 2 * sx)
            elif bv <= 0.0 or p_s >= 1.0 or rng.random() < p_s:
                c = eta * s / sq
                for i in range(m):
                    w[best, i] += c * x[off + i]
    return n_upd


@nb.njit(cache=True)
def _committee_errors(xi, sig, w, tree, kk, m, kappa):
    """Training errors of a perceptron (K = 1: Δ = f ≤ κ) or sign committee (σ·Σ_k sign(h_k) ≤ κ)."""
    p = xi.shape[0]
    f = np.empty(kk)
    e = 0
    for mu in range(p):
        _unit_stabilities(xi[mu], np.float64(sig[mu]), w, tree, kk, m, f)
        if kk == 1:
            if f[0] <= kappa:
                e += 1
        else:
            v = 0
            for k in range(kk):
                v += 1 if f[k] > 0 else (-1 if f[k] < 0 else 0)
            if v <= kappa:
                e += 1
    return e


def _run_lal(model, patterns, rng, progress, name, states, eta, kappa0, kappa_step, kappa_max,
             max_epochs, max_seconds, init, p_s=1.0):
    max_epochs = check_int("max_epochs", max_epochs, min_value=1)
    if max_seconds is not None:
        max_seconds = check_float("max_seconds", max_seconds, positive=True)
    binary = model.binary
    kk, m = model.k, model.m
    if binary and not patterns.binary:
        raise ValueError(f"method={name!r} with binary weights needs binary (±1) patterns")
    w0 = model.random_weights(seed=rng) if init is None else model.check_weights(init)
    if binary:
        states = hidden_states(states, m)
        hmax = 2 * states - 1
        w = np.ascontiguousarray(np.asarray(w0).reshape(kk, m).astype(np.int8))
        h = w.astype(np.int32)
        xi = patterns.xi
    else:
        eta = check_float("eta", eta, positive=True)
        hmax = 0
        w = np.ascontiguousarray(np.asarray(w0, dtype=np.float64).reshape(kk, m).copy())
        h = np.zeros((1, 1), np.int32)
        xi = np.ascontiguousarray(patterns.xi, dtype=np.float64)
    sig = np.ascontiguousarray(patterns.labels, dtype=np.int8)
    kappa = model.margin
    c_needed = 1 if kk == 1 else int(math.floor((kk + kappa) / 2)) + 1
    hist = {k: [] for k in ("updates", "errors", "energy", "kappa_h", "norm")}
    t0 = time.perf_counter()
    epoch = 0
    kappa_h = kappa0
    with tqdm(total=max_epochs, disable=not progress, desc=name, unit="epoch") as bar:
        while epoch < max_epochs:
            kappa_h = min(kappa_max, kappa0 + kappa_step * epoch)
            theta = max(kappa_h, kappa) if kk == 1 else kappa_h
            n_upd = _lal_epoch(xi, sig, w, h, binary, hmax, eta, model.tree, kk, m, c_needed, theta, p_s, rng)
            epoch += 1
            err = int(_committee_errors(xi, sig, w, model.tree, kk, m, kappa))
            hist["updates"].append(n_upd)
            hist["errors"].append(err)
            hist["energy"].append(float(err))
            hist["kappa_h"].append(kappa_h)
            hist["norm"].append(float(np.linalg.norm(w)))
            bar.update(1)
            bar.set_postfix(errors=err, kappa_h=round(kappa_h, 4))
            if err == 0:
                break
            if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
                break
    out = w
    extra = {"kappa_h_final": kappa_h}
    if binary:
        extra["hidden_states"] = h.copy()
    return Run(weights=np.asarray(out).reshape(model.weight_shape), iterations=epoch,
               history={k: np.array(v) for k, v in hist.items()}, extra=extra)


_DOCS = {
    "states": "binary weights: hidden states per sign L, h odd with |h| ≤ 2L−1 "
              "(None: max(40, round(40·√(m/1001))), m inputs per unit)",
    "eta": "continuous weights: learning rate η of W_k ← W_k + η σ ξ_k/√m",
    "max_epochs": "budget: number of epochs (each presents all P patterns once, in a fresh random order)",
    "max_seconds": "budget: wall-clock limit in seconds (None = no limit)",
    "init": "initial weights (default: random from the seed); binary hidden states start at ±1",
}


@register(
    "lal",
    options={"states": None, "eta": 1.0, "max_epochs": 1000, "max_seconds": None, "init": None},
    description="least-action learning: perceptron update on the wrong hidden units of smallest |h| (committees)",
    applies=lambda model: _require_lal_model(model, "lal"),
    option_docs=_DOCS,
)
def run_lal(model, patterns, rng, progress, states, eta, max_epochs, max_seconds, init):
    return _run_lal(model, patterns, rng, progress, "lal", states, eta, 0.0, 0.0, 0.0, max_epochs, max_seconds, init)


@register(
    "greedy",
    options={"kappa0": None, "kappa_step": None, "kappa_max": 0.5, "p_s": 0.3, "states": None, "eta": 1.0,
             "max_epochs": 1000, "max_seconds": None, "init": None},
    description="entropy-driven greedy: LAL with a hidden-unit stability threshold κ_h that grows during learning",
    applies=lambda model: _require_lal_model(model, "greedy"),
    option_docs={"kappa0": "initial hidden-unit threshold κ_h (a unit counts as right iff σh_k > κ_h); "
                           "None: 0.9/√m (binary, odd m: no unit is barely right until κ_h ≥ 1/√m)",
                 "kappa_step": "κ_h grows by this every epoch: κ_h(t) = min(kappa_max, kappa0 + kappa_step·t); "
                               "None: 0.001/√m",
                 "kappa_max": "largest κ_h",
                 "p_s": "probability of updating a right-but-not-robust unit (SBPI's p_s); wrong units always",
                 **_DOCS},
)
def run_greedy(model, patterns, rng, progress, kappa0, kappa_step, kappa_max, p_s, states, eta, max_epochs,
               max_seconds, init):
    # defaults in units of the field granularity 1/√m of binary weights (2 integer steps = one flip): at
    # N = 1001 they are κ0 ≈ 0.028, step ≈ 0.00003/epoch (module docstring: what they were tuned for)
    kappa0 = 0.9 / math.sqrt(model.m) if kappa0 is None else check_float("kappa0", kappa0, nonnegative=True)
    kappa_step = (0.001 / math.sqrt(model.m) if kappa_step is None
                  else check_float("kappa_step", kappa_step, nonnegative=True))
    kappa_max = check_float("kappa_max", kappa_max, nonnegative=True)
    p_s = check_float("p_s", p_s, nonnegative=True)
    if p_s > 1:
        raise ValueError(f"p_s must be a probability in [0, 1], got {p_s}")
    return _run_lal(model, patterns, rng, progress, "greedy", states, eta, kappa0, kappa_step, kappa_max,
                    max_epochs, max_seconds, init, p_s)

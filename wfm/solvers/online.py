"""Online baselines for the perceptron: ``perceptron`` (clipped for binary weights), ``sbpi``, ``cpr``.

All three present the P patterns one at a time, in a fresh random order every epoch, and update on the
current pattern only. The stability of pattern μ is Δ^μ = σ^μ W·ξ^μ/√N and the pattern is an error when
Δ^μ ≤ κ (the model's margin). A run stops at the end of the first epoch without
any error (the weights did not change sign during that epoch, so they are a solution), or at the budget
(``max_epochs``, ``max_seconds``).

Binary weights carry a hidden integer state per synapse ("synaptic depth"): h_i odd, clipped to
|h_i| ≤ 2L − 1 (L = ``states`` levels per sign, 2L states in all), and W_i = sign(h_i). Updates move h_i by
±2, so h stays odd and never 0.

* **perceptron** (Rosenblatt, Psychol. Rev. 65, 386 (1958); clipped perceptron CP for binary weights): on an error,
  continuous: w ← w + η σ ξ/√N;  binary: h_i ← clip(h_i + 2σξ_i) for every i.
* **sbpi** (Baldassi, Braunstein, Brunel, Zecchina, PNAS 104, 11079 (2007)): CP on errors, plus the
  "barely correct" rule: if κ < Δ ≤ θ_m (Δ in integer units σ W·ξ, θ_m = ``theta_m``), then with
  probability p_s (``p_s``) apply h_i ← clip(h_i + 2σξ_i) **only** to the synapses with W_i σ ξ_i = +1 —
  a metaplastic change that deepens the hidden state of the synapses that already agree and never flips a
  weight.
* **cpr** (CP+R, Baldassi, J. Stat. Phys. 136, 902 (2009)): CP on errors, plus an unsupervised
  stochastic reinforcement: after a correctly classified presentation, with probability p_r, every synapse
  is pushed away from zero, h_i ← clip(h_i + 2 sign(h_i)). The paper shows learning needs
  p_r < √(2/(πN)); the default is a tenth of that bound, chosen by short runs at N = 1001, α = 0.6
  against half the bound (benchmarks/BENCHMARKS.md).

Reconstructed (not checked against the full papers, only against their abstracts): the exact value of θ_m, p_s
and the number of hidden states used in PNAS 2007; whether CP+R reinforces after every presentation or only
after correct ones (we do the latter, which is what makes it the mean-field equivalent of the barely-correct
rule); odd hidden states with steps of 2 (a convenient integer encoding of the papers' hidden variables).
Defaults were chosen by short runs at N = 1001 (benchmarks/BENCHMARKS.md).
"""
from __future__ import annotations

import math
import time

import numba as nb
import numpy as np
from tqdm.auto import tqdm

from ..core.checks import check_float, check_int
from ..kernels.arrays import KernelArrays
from . import Run, register
from ._common import hidden_states

_CP, _SBPI, _CPR = 0, 1, 2


def _require_perceptron(model, name, binary_only):
    if model.kind != "perceptron":
        raise ValueError(f"method={name!r} applies to the perceptron only, got model={model!r}; "
                         "for committees use method='lal' or 'greedy'")
    if binary_only and not model.binary:
        raise ValueError(f"method={name!r} needs binary weights (weights='binary'), got model={model!r}")


@nb.njit(cache=True)
def _online_binary_epoch(xi, sig, h, w, hmax, thr, rule, theta_m, prob, rng):
    """One epoch of CP / SBPI / CP+R on binary weights; returns the number of errors met during the epoch.

    xi (P, N) int8, sig (P,) int8, h (N,) int32 odd hidden states, w (N,) int8 = sign(h); pattern μ is an
    error iff σ W·ξ ≤ thr (integer form of Δ ≤ κ).
    """
    p, n = xi.shape
    order = rng.permutation(p)
    n_err = 0
    for q in range(p):
        mu = order[q]
        x = xi[mu]
        s = np.int32(sig[mu])
        d = np.int32(0)
        for i in range(n):
            d += np.int32(w[i]) * np.int32(x[i])
        d *= s
        if d <= thr:
            n_err += 1
            for i in range(n):
                v = h[i] + 2 * s * np.int32(x[i])
                v = min(hmax, max(-hmax, v))
                h[i] = v
                w[i] = 1 if v > 0 else -1
        elif rule == _SBPI:
            if d <= theta_m and rng.random() < prob:
                for i in range(n):
                    sx = s * np.int32(x[i])
                    if np.int32(w[i]) * sx > 0:     # only synapses that agree: deepen, never flip
                        h[i] = min(hmax, max(-hmax, h[i] + 2 * sx))
        elif rule == _CPR:
            if rng.random() < prob:
                for i in range(n):
                    h[i] = min(hmax, max(-hmax, h[i] + (2 if h[i] > 0 else -2)))
    return n_err


@nb.njit(cache=True)
def _online_continuous_epoch(xi, sig, w, eta, kappa, rng):
    """One epoch of the plain perceptron rule w ← w + η σ ξ/√N on every pattern with Δ ≤ κ."""
    p, n = xi.shape
    order = rng.permutation(p)
    sq = math.sqrt(n)
    n_err = 0
    for q in range(p):
        mu = order[q]
        x = xi[mu]
        s = float(sig[mu])
        d = 0.0
        for i in range(n):
            d += w[i] * x[i]
        if s * d / sq <= kappa:
            n_err += 1
            c = eta * s / sq
            for i in range(n):
                w[i] += c * x[i]
    return n_err


@nb.njit(cache=True)
def _perceptron_errors(xi, sig, w, thr):
    """Σ_μ [σ^μ w·ξ^μ ≤ thr] (single-threaded: called once per epoch, cheaper than a parallel launch)."""
    p, n = xi.shape
    e = 0
    for mu in range(p):
        d = 0.0
        for i in range(n):
            d += w[i] * xi[mu, i]
        if sig[mu] * d <= thr:
            e += 1
    return e


def _init_hidden(model, rng, init):
    """Odd hidden states ±1 (the shallowest level) with the sign of the initial weights."""
    w0 = model.random_weights(seed=rng) if init is None else model.check_weights(init)
    w0 = np.ascontiguousarray(np.asarray(w0).reshape(-1).astype(np.int8))
    return w0.astype(np.int32), w0.copy()


def _run_online(model, patterns, rng, progress, rule, name, states, eta, theta_m, prob, max_epochs, max_seconds,
                init):
    max_epochs = check_int("max_epochs", max_epochs, min_value=1)
    if max_seconds is not None:
        max_seconds = check_float("max_seconds", max_seconds, positive=True)
    binary = model.binary
    if binary and not patterns.binary:
        raise ValueError(f"method={name!r} with binary weights needs binary (±1) patterns")
    ka = KernelArrays(model, patterns)
    sig = ka.sig
    hist_err, hist_train, hist_norm = [], [], []
    t0 = time.perf_counter()
    if binary:
        states = hidden_states(states, model.n)
        hmax = 2 * states - 1
        h, w = _init_hidden(model, rng, init)
        thr = ka.ti              # integer form of Δ ≤ κ: σ W·ξ ≤ ⌊κ√N⌋
        xi = ka.xi
    else:
        eta = check_float("eta", eta, positive=True)
        w = (model.random_weights(seed=rng) if init is None else model.check_weights(init)).astype(np.float64).copy()
        xi = np.ascontiguousarray(patterns.xi, dtype=np.float64)
        thr = ka.thr             # κ√N
    epoch = 0
    with tqdm(total=max_epochs, disable=not progress, desc=name, unit="epoch") as bar:
        while epoch < max_epochs:
            if binary:
                n_err = _online_binary_epoch(xi, sig, h, w, hmax, thr, rule, theta_m, prob, rng)
            else:
                n_err = _online_continuous_epoch(xi, sig, w, eta, model.margin, rng)
            epoch += 1
            # errors of the weights at the epoch end (history; the stop test uses n_err == 0, which
            # implies no weight changed sign during the epoch, so W is a solution)
            train = int(_perceptron_errors(xi, sig, w, thr))
            hist_err.append(n_err)
            hist_train.append(train)
            hist_norm.append(float(np.linalg.norm(w)))
            bar.update(1)
            bar.set_postfix(errors=train)
            if n_err == 0 or train == 0:
                break
            if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
                break
    extra = {"hidden_states": h.copy()} if binary else {}
    return Run(weights=np.asarray(w).reshape(model.weight_shape), iterations=epoch,
               history={"online_errors": np.array(hist_err), "errors": np.array(hist_train),
                        "energy": np.array(hist_train, dtype=np.float64), "norm": np.array(hist_norm)},
               extra=extra)


_STATES_DOC = "hidden states per sign L: h_i odd, |h_i| ≤ 2L−1 (None: max(40, round(40·√(N/1001))))"
_COMMON_DOCS = {
    "max_epochs": "budget: number of epochs (each presents all P patterns once, in a fresh random order)",
    "max_seconds": "budget: wall-clock limit in seconds (None = no limit)",
    "init": "initial weights (default: random from the seed); binary hidden states start at ±1",
}


@register(
    "perceptron",
    options={"eta": 1.0, "states": 10**6, "max_epochs": 1000, "max_seconds": None, "init": None},
    description="online perceptron rule (clipped perceptron with hidden integer states for binary weights)",
    applies=lambda model: _require_perceptron(model, "perceptron", binary_only=False),
    option_docs={"eta": "learning rate η of w ← w + η σ ξ/√N (continuous weights only)",
                 "states": "binary weights: hidden states per sign L, |h_i| ≤ 2L−1 (large = unclipped CP)",
                 **_COMMON_DOCS},
)
def run_perceptron(model, patterns, rng, progress, eta, states, max_epochs, max_seconds, init):
    return _run_online(model, patterns, rng, progress, _CP, "perceptron", states, eta, 0, 0.0, max_epochs,
                       max_seconds, init)


@register(
    "sbpi",
    options={"states": None, "theta_m": 1, "p_s": 0.3, "max_epochs": 1000, "max_seconds": None, "init": None},
    description="SBPI: clipped perceptron + metaplastic barely-correct rule (binary perceptron, PNAS 2007)",
    applies=lambda model: _require_perceptron(model, "sbpi", binary_only=True),
    option_docs={"states": _STATES_DOC,
                 "theta_m": "barely-correct window κ < σW·ξ ≤ theta_m, in integer units of σW·ξ (unscaled)",
                 "p_s": "probability of applying the barely-correct (metaplastic) rule",
                 **_COMMON_DOCS},
)
def run_sbpi(model, patterns, rng, progress, states, theta_m, p_s, max_epochs, max_seconds, init):
    theta_m = check_int("theta_m", theta_m)
    p_s = check_float("p_s", p_s, nonnegative=True)
    if p_s > 1:
        raise ValueError(f"p_s must be a probability in [0, 1], got {p_s}")
    return _run_online(model, patterns, rng, progress, _SBPI, "sbpi", states, 1.0, theta_m, p_s, max_epochs,
                       max_seconds, init)


@register(
    "cpr",
    options={"states": None, "p_r": None, "max_epochs": 1000, "max_seconds": None, "init": None},
    description="CP+R: clipped perceptron + stochastic unsupervised reinforcement (binary perceptron, JSP 2009)",
    applies=lambda model: _require_perceptron(model, "cpr", binary_only=True),
    option_docs={"states": _STATES_DOC,
                 "p_r": "reinforcement probability per correct presentation (None: 0.1·√(2/(πN)))",
                 **_COMMON_DOCS},
)
def run_cpr(model, patterns, rng, progress, states, p_r, max_epochs, max_seconds, init):
    if p_r is None:
        p_r = 0.1 * math.sqrt(2.0 / (math.pi * model.n))
    p_r = check_float("p_r", p_r, nonnegative=True)
    if p_r > 1:
        raise ValueError(f"p_r must be a probability in [0, 1], got {p_r}")
    return _run_online(model, patterns, rng, progress, _CPR, "cpr", states, 1.0, 0, p_r, max_epochs, max_seconds,
                       init)

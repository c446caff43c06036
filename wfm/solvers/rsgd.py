"""Replicated SGD (``method="rsgd"``): y interacting replicas pulled towards their centre.

Baldassi, Borgs, Chayes, Ingrosso, Lucibello, Saglietti & Zecchina, "Unreasonable effectiveness of learning
neural networks: from accessible states and robust ensembles to basic algorithmic schemes", PNAS 113, E7655
(2016), arXiv:1605.06444 (the robust ensemble, App. C for the binary update rules); Pittorino et al.,
"Entropic gradient descent algorithms and wide flat minima", ICLR 2021, arXiv:2006.07897 (continuous
weights). Option names: the replica coupling γ is ``coupling`` (``coupling_step``, ``coupling_rate``), the
cross-entropy γ of the continuous variant is ``ce_gamma`` — the names every method uses (formerly
``gamma``, ``gamma_step``, ``gamma_rate``; those are now an error naming the new one).

**Binary weights** (perceptron, tree and fully connected sign committees) — a faithful port of
``replicatedSGD`` in the public Julia package carlobaldassi/BinaryCommitteeMachineRSGD.jl. Each replica a
has continuous hidden variables ("synaptic depth") H^a_{ki}, initialised ±1, and binary weights
W^a = sign H^a (sign 0 = −1). The centre is traced out and
tracked through the replica sum S_i = Σ_a W^a_i = y·Hc_i (kept as exact integers), whose sign is the
centre configuration W^c. One epoch is ⌈P/batch⌉ sub-epochs; in each, the replicas are visited in a
random order and replica a

1. takes its next mini-batch (every replica has its own pattern permutation, re-drawn when exhausted) and
   accumulates the **least-action** (LAL) step with the weights W^a frozen during the batch: for every
   misclassified pattern (σ^μ λ^μ ≤ κ) the ``tofix`` = ⌊(κ − σ^μ Σ_k τ_k)/2⌋ + 1 hidden units with
   σ^μ h_k ≤ 0 and the smallest |h_k| receive ΔH_k += η σ^μ ξ^μ_k (for κ = 0: tofix = (1 − σ^μ Σ_k τ_k)/2);
   for the perceptron (K = 1) this is ΔH += η σ^μ ξ^μ on every error. Then H^a += ΔH, W^a = sign H^a;
2. receives the **elastic kick** towards the centre, ``formula="simple"`` (eq. C7):

       H^a_i += λ (tanh(γ Σ_b W^b_i) − W^a_i),

   the derivative of the traced coupling (1/β) Σ_i ln 2cosh(γ Σ_b W^b_i); ``"corrected"`` (eq. C9)
   multiplies W^a_i by tanh(γy); ``"hard"`` uses hardtanh; ``"continuous"`` uses λ(Hc_i − W^a_i) with
   Hc = S/y. Then W^a = sign H^a and S += W^a_new − W^a_old (W^a_old taken before step 1, as in the
   reference: the kick sees the centre before this replica's own step).
   With ``center=True`` the centre is explicit instead (its own H^c, W^c = sign H^c): δ = W^c − W^a,
   H^a += λδ, H^c −= λδ.

After every epoch η ← η·lr_factor, λ ← λ·lam_factor and **γ ← γ + coupling_step** (additive scoping), then
(γ ← γ(1+coupling_rate), 0 by default). The run stops when the centre, or any replica unless
``wait_center``, has zero training errors.

**Defaults (binary).** Committees: the known-good setting of the reference docstring (K = 5, N = 321,
P = 802 fully connected): y = 7, batch = 80, λ = 0.75, γ = 0.05, γ step = 0.001, η = 2, ``"simple"``.
The binary perceptron (K = 1) scopes more slowly: batch = 20, γ step = 0.0003 and the ``"corrected"`` kick
(eq. C9), the rest as for committees. With the committee schedule the replicas collapse onto the centre
(distance → 0) before a solution is found near α ≈ 0.7, after which the system is a single clipped
perceptron that stalls; the slow schedule keeps them apart for the ≈ 10³ epochs the perceptron needs
there. Chosen by a scan on instances set aside from the figures' (benchmarks/BENCHMARKS.md, threshold
tuning); ``defaults_for(model)`` gives the values taken by the options left at None.
Deviation from the reference: its ``get_batch`` reshuffles the permutation *before* slicing the last
batch of a pass; here the last batch is the tail of the old permutation (every pattern once per pass).

**Continuous weights** (spherical perceptron, ReLU committees): the robust-ensemble objective
Σ_a L(w^a) + (γ/2) Σ_a |w^a − w^c|² with L the cross-entropy f_{γ_CE} (γ_CE = ``ce_gamma``; PNAS 2016;
Pittorino et al. 2021). Replica a's step on
its mini-batch B (sum of f over B):

       w^a ← w^a − η [∇L_B(w^a) + γ (w^a − w^c)],   then |w^a_k|² = m if ``norm="sphere"``,

with w^c the replica mean (traced, updated incrementally) or, with ``center=True``, an explicit centre
moved after each replica step by w^c ← w^c − ηγ (w^c − w^a). Scoping γ(t) = γ_0 (1 + γ_1)^t per epoch
(``coupling``, ``coupling_rate``; the exponential coupling schedule ``g ← g(1 + grate)`` of the PyTorch
robust-ensemble code ``RobustNet``, sacreddnn/models/robust.py). The centre is the final predictor.

Returned weights: the centre if it solves, else a replica that solves, else the configuration (centre
first) with the fewest training errors; ``extra["winner"]`` says which.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np
from tqdm.auto import tqdm

from ..core.checks import check_choice, check_float, check_int
from ..kernels.arrays import KernelArrays, model_code
from . import Run, register
from ._common import Clock, check_budget, initial_weights, rms_norm
from ._grad_kernels import FAST, batch_grad, evaluate_many, fields, project_units
from ..core.codes import Output

FORMULAS = ("simple", "corrected", "hard", "continuous")

# Defaults of the options left at None, by weights and model (module docstring, "Defaults").
_BINARY_DEFAULTS = {"lr": 2.0, "coupling": 0.05, "coupling_step": 0.001, "coupling_rate": 0.0, "batch": 80,
                    "formula": "simple"}
_PERCEPTRON_DEFAULTS = {**_BINARY_DEFAULTS, "coupling_step": 0.0003, "batch": 20, "formula": "corrected"}
_CONT_DEFAULTS = {"lr": 0.05, "coupling": 0.05, "coupling_step": 0.0, "coupling_rate": 0.02, "batch": 80,
                  "formula": "simple"}


def defaults_for(model):
    """The values taken by the options left at None for ``model`` (binary perceptron, binary committee, or
    continuous weights)."""
    if not model.binary:
        return dict(_CONT_DEFAULTS)
    return dict(_PERCEPTRON_DEFAULTS if model_code(model) == Output.PERCEPTRON else _BINARY_DEFAULTS)


@nb.njit(cache=True, nogil=True, inline="always")
def _sgn(x):
    return 1.0 if x > 0 else -1.0


@nb.njit(cache=True, nogil=True, fastmath=FAST)
def lal_accumulate(w, xi, sigma, mu, tree, code, kappa, lr, dh, h, used):
    """Least-action step of one pattern for frozen ±1 weights ``w`` (K, m): adds η σ ξ_k to dh[k] for the
    units to fix. Returns 1 if the pattern was an error (σλ ≤ κ), else 0."""
    kk, m = w.shape
    fields(w, xi, mu, tree, 1.0 / math.sqrt(m), h)
    if code == Output.PERCEPTRON:
        if sigma * h[0] > kappa:
            return 0
        for i in range(m):
            dh[0, i] += lr * sigma * np.float64(xi[mu, i])
        return 1
    hout = 0.0
    for k in range(kk):
        hout += 1.0 if h[k] > 0 else (-1.0 if h[k] < 0 else 0.0)
    if sigma * hout > kappa:
        return 0
    tofix = int(math.floor((kappa - sigma * hout) / 2.0)) + 1
    for k in range(kk):
        used[k] = 0 if sigma * h[k] <= 0 else 1          # only wrong units are candidates
    for _ in range(tofix):
        best = -1
        for k in range(kk):                               # smallest |h_k| among the wrong units
            if used[k] == 0 and (best < 0 or abs(h[k]) < abs(h[best])):
                best = k
        if best < 0:
            break
        used[best] = 1
        off = best * m if tree else 0
        for i in range(m):
            dh[best, i] += lr * sigma * np.float64(xi[mu, off + i])
    return 1


@nb.njit(cache=True, nogil=True)
def _kick(formula, x, corr, w):
    if formula == 0:
        return math.tanh(x) - w
    if formula == 1:
        return math.tanh(x) - corr * w
    return min(1.0, max(-1.0, x)) - w


@nb.njit(cache=True, nogil=True)
def rsgd_binary_epoch(H, W, S, xi, labels, perms, pos, batch, tree, code, kappa, lr, lam, coupling, formula, center,
                      rng):
    """One epoch of binary rSGD (module docstring). H: (y, K, m) float64, W = sign H (y, K, m) int8; S: (K, m) replica sum Σ_a W^a (traced)
    or centre hidden variables (``center``). Returns the number of LAL updates (errors met in batches)."""
    y, kk, m = H.shape
    p = xi.shape[0]
    order = np.arange(y)
    dh = np.empty((kk, m))
    wold = np.empty((kk, m), np.int8)
    h = np.empty(kk)
    used = np.empty(kk, np.int64)
    n_sub = (p + batch - 1) // batch
    corr = 1.0 if math.isinf(coupling) else math.tanh(coupling * y)
    n_err = 0
    for _ in range(n_sub):
        rng.shuffle(order)
        for t in range(y):
            r = order[t]
            Wr = W[r]
            Hr = H[r]
            wold[:, :] = Wr
            dh[:, :] = 0.0
            a = pos[r]
            b = min(a + batch, p)
            for q in range(a, b):
                mu = perms[r, q]
                n_err += lal_accumulate(Wr, xi, float(labels[mu]), mu, tree, code, kappa, lr, dh, h, used)
            if b == p:
                rng.shuffle(perms[r])
                pos[r] = 0
            else:
                pos[r] = b
            for k in range(kk):
                for i in range(m):
                    Hr[k, i] += dh[k, i]
                    Wr[k, i] = 1 if Hr[k, i] > 0 else -1
            if center:
                if lam > 0:
                    for k in range(kk):
                        for i in range(m):
                            d = _sgn(S[k, i]) - Wr[k, i]
                            Hr[k, i] += lam * d
                            S[k, i] -= lam * d
                            Wr[k, i] = 1 if Hr[k, i] > 0 else -1
                continue
            for k in range(kk):
                for i in range(m):
                    if formula == 3:
                        Hr[k, i] += lam * (S[k, i] / y - float(Wr[k, i]))
                    else:
                        if math.isinf(coupling):
                            x = S[k, i] * math.inf if S[k, i] != 0 else 0.0
                        else:
                            x = coupling * S[k, i]
                        Hr[k, i] += lam * _kick(formula, x, corr, float(Wr[k, i]))
                    Wr[k, i] = 1 if Hr[k, i] > 0 else -1
                    S[k, i] += float(Wr[k, i]) - float(wold[k, i])
    return n_err


@nb.njit(cache=True, nogil=True)
def rsgd_continuous_epoch(w, wc, xi, labels, perms, pos, batch, tree, code, ce_gamma, lr, coupling, center, sphere,
                          leak, rng):
    """One epoch of continuous rSGD (module docstring). w: (y, K, m) replicas; wc: (K, m) centre (replica
    mean kept incrementally, or explicit). Returns the summed mini-batch losses."""
    y, kk, m = w.shape
    p = xi.shape[0]
    order = np.arange(y)
    grad = np.empty((kk, m))
    wold = np.empty((kk, m))
    h = np.empty(kk)
    n_sub = (p + batch - 1) // batch
    total = 0.0
    for _ in range(n_sub):
        rng.shuffle(order)
        for t in range(y):
            r = order[t]
            wr = w[r]
            a = pos[r]
            b = min(a + batch, p)
            total += batch_grad(wr, xi, labels, perms[r, a:b], tree, code, ce_gamma, grad, h, leak)
            if b == p:
                rng.shuffle(perms[r])
                pos[r] = 0
            else:
                pos[r] = b
            wold[:, :] = wr
            for k in range(kk):
                for i in range(m):
                    wr[k, i] -= lr * (grad[k, i] + coupling * (wr[k, i] - wc[k, i]))
            if sphere:
                project_units(wr)
            for k in range(kk):
                for i in range(m):
                    if center:
                        wc[k, i] -= lr * coupling * (wc[k, i] - wr[k, i])
                    else:
                        wc[k, i] += (wr[k, i] - wold[k, i]) / y
    return total


def _applies(model):
    code = model_code(model)
    if model.binary and code not in (Output.PERCEPTRON, Output.SIGN):
        raise ValueError(f"rsgd with binary weights uses least-action steps and needs sign units (perceptron or "
                         f"sign committee); got model={model!r}. For binary ReLU committees use method='sgd-ce'")
    if not model.binary and code not in (Output.PERCEPTRON, Output.RELU):
        raise ValueError(f"rsgd with continuous weights follows the cross-entropy gradient, defined for the "
                         f"perceptron and ReLU committees; got model={model!r}")


@register(
    "rsgd",
    options={"y": 7, "lr": None, "lam": 0.75, "coupling": None, "coupling_step": None, "coupling_rate": None,
             "lr_factor": 1.0, "lam_factor": 1.0, "batch": None, "formula": None, "center": False,
             "init_equal": True, "wait_center": False, "ce_gamma": 2.0, "norm": "sphere", "relu_leak": 0.3,
             "max_epochs": 1000, "max_seconds": None, "init": None},
    description="replicated SGD: y replicas with elastic coupling to their centre (binary: least-action steps on "
                "hidden variables + tanh kick, BinaryCommitteeMachineRSGD.jl; continuous: CE gradient + γ(w^a−w^c))",
    applies=_applies,
    option_docs={
        "y": "number of replicas",
        "lr": "η: step of the loss term (binary: ΔH = η σ ξ per unit to fix, default 2; continuous: step on the "
              "mini-batch SUM of f_γ, default 0.05)",
        "lam": "λ: step of the elastic kick (binary weights only)",
        "coupling": "initial coupling γ (default 0.05; binary γ=inf allowed: kick sign(Σ_b W^b))",
        "coupling_step": "additive scoping γ ← γ + coupling_step per epoch (default: 0.0003 binary perceptron, "
                         "0.001 binary committees, 0 continuous)",
        "coupling_rate": "multiplicative scoping γ ← γ(1+coupling_rate) per epoch, i.e. γ0(1+γ1)^t "
                         "(default 0 binary, 0.02 continuous)",
        "lr_factor": "η ← η·lr_factor per epoch",
        "lam_factor": "λ ← λ·lam_factor per epoch",
        "batch": "mini-batch size (each replica has its own pattern permutation; default 20 binary perceptron, "
                 "80 otherwise)",
        "formula": "binary kick: 'simple' (eq. C7), 'corrected' (C9), 'hard' (hardtanh), 'continuous' (λ(Hc−W)); "
                   "default 'corrected' for the binary perceptron, 'simple' for committees",
        "center": "explicit centre instead of the traced-out replica mean",
        "init_equal": "start all replicas from the same configuration",
        "wait_center": "stop only when the centre solves (not any replica)",
        "ce_gamma": "continuous weights: parameter γ of the cross-entropy loss f_γ",
        "norm": "continuous weights: 'sphere' (project every replica unit to |w_k|²=m after each step) or 'free'",
        "relu_leak": "ReLU committees: surrogate slope for h ≤ 0 in the backward pass (0 = exact gradient)",
        "max_epochs": "budget: epochs",
        "max_seconds": "budget: wall-clock seconds (None = no limit)",
        "init": "initial weights of the centre/replicas (default random)",
    },
    renamed={"gamma": "coupling", "gamma_step": "coupling_step", "gamma_rate": "coupling_rate"},
)
def run_rsgd(model, patterns, rng, progress, y, lr, lam, coupling, coupling_step, coupling_rate, lr_factor, lam_factor,
             batch, formula, center, init_equal, wait_center, ce_gamma, norm, relu_leak, max_epochs, max_seconds, init):
    binary = model.binary
    dflt = defaults_for(model)
    y = check_int("y", y, min_value=1)
    lr = check_float("lr", dflt["lr"] if lr is None else lr, positive=True)
    lam = check_float("lam", lam, nonnegative=True)
    coupling = check_float("coupling", dflt["coupling"] if coupling is None else coupling, nonnegative=True,
                           finite=not binary)
    coupling_step = check_float("coupling_step", dflt["coupling_step"] if coupling_step is None else coupling_step)
    coupling_rate = check_float("coupling_rate", dflt["coupling_rate"] if coupling_rate is None else coupling_rate)
    if coupling_rate <= -1:
        raise ValueError(f"coupling_rate must be > -1, got {coupling_rate}")
    lr_factor = check_float("lr_factor", lr_factor, positive=True)
    lam_factor = check_float("lam_factor", lam_factor, nonnegative=True)
    batch = check_int("batch", dflt["batch"] if batch is None else batch, min_value=1)
    formula = dflt["formula"] if formula is None else formula
    check_choice("formula", formula, FORMULAS)
    check_choice("norm", norm, ("sphere", "free"))
    ce_gamma = check_float("ce_gamma", ce_gamma, positive=True)
    relu_leak = check_float("relu_leak", relu_leak, nonnegative=True)
    for name, val in (("center", center), ("init_equal", init_equal), ("wait_center", wait_center)):
        if not isinstance(val, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {val!r}")
    max_epochs, max_seconds = check_budget(max_epochs, max_seconds)
    resolved = {"lr": lr, "coupling": coupling, "coupling_step": coupling_step, "coupling_rate": coupling_rate,
                "batch": batch, "formula": formula}      # the values of the options given as None (defaults_for)

    ka = KernelArrays(model, patterns)
    xi, labels, code, tree, p = ka.xi, ka.sig, ka.code, ka.tree, ka.p
    kappa = model.margin
    if init_equal or init is not None:
        w0 = initial_weights(model, rng, init)
        reps = np.repeat(w0[None], y, axis=0)
    else:
        reps = np.stack([initial_weights(model, rng, None) for _ in range(y)])
    perms = np.stack([rng.permutation(p) for _ in range(y)]).astype(np.int64)
    pos = np.zeros(y, np.int64)
    if binary:
        H = reps.copy()                       # H = ±1 initially, W = sign H
        W = np.where(H > 0, 1, -1).astype(np.int8)
        if center:   # explicit centre: its own hidden variables, equal to the replicas' if init_equal
            S = reps[0].copy() if (init_equal or init is not None) else initial_weights(model, rng, None)
        else:        # traced centre: the exact replica sum Σ_a W^a
            S = W.sum(axis=0).astype(np.float64)
    else:
        if norm == "sphere":
            for r in range(y):
                project_units(reps[r])
        w = reps
        wc = w.mean(axis=0) if not center else w[0].copy()

    def centre():
        if binary:
            return np.where(S > 0, 1, -1).astype(np.int8)
        c = wc.copy()
        if norm == "sphere":
            project_units(c)
        return c

    def evaluate_all():
        confs = np.concatenate([centre()[None], W if binary else w])
        losses = np.empty(y + 1)
        errs = np.empty(y + 1, np.int64)
        evaluate_many(confs, xi, labels, tree, code, ce_gamma, kappa, losses, errs)
        return confs, losses, errs

    names = ("energy", "errors", "replica_errors_min", "replica_errors_mean", "coupling", "lr", "lam", "distance",
             "norm")
    hist = {k: [] for k in names}
    clock = Clock(max_seconds)
    confs, losses, errs = evaluate_all()
    epoch = 0

    def done(errs):
        return errs[0] == 0 or (not wait_center and errs[1:].min() == 0)

    with tqdm(total=max_epochs, disable=not progress, desc="rsgd", unit="epoch") as bar:
        while not done(errs) and epoch < max_epochs and not clock.expired():
            if binary:
                n_err = rsgd_binary_epoch(H, W, S, xi, labels, perms, pos, batch, tree, code, kappa, lr, lam, coupling,
                                          FORMULAS.index(formula), center, rng)
            else:
                n_err = rsgd_continuous_epoch(w, wc, xi, labels, perms, pos, batch, tree, code, ce_gamma, lr, coupling,
                                              center, norm == "sphere", relu_leak, rng)
            epoch += 1
            confs, losses, errs = evaluate_all()
            c = confs[0]
            if binary:
                dist = float(np.mean(np.sum(confs[1:] != c, axis=(1, 2))))      # Hamming distance to the centre
            else:
                dist = float(np.mean(np.sum((confs[1:] - c) ** 2, axis=(1, 2)))) / model.n_weights
            vals = {"energy": float(n_err) if binary else float(losses[0]), "errors": int(errs[0]),
                    "replica_errors_min": int(errs[1:].min()), "replica_errors_mean": float(errs[1:].mean()),
                    "coupling": coupling, "lr": lr, "lam": lam, "distance": dist, "norm": rms_norm(c)}
            for k in names:
                hist[k].append(vals[k])
            lr *= lr_factor
            lam *= lam_factor
            coupling = (coupling + coupling_step) * (1.0 + coupling_rate)
            bar.update(1)
            bar.set_postfix(Ec=int(errs[0]), Emin=int(errs[1:].min()))
    if errs[0] == 0:
        best = 0
    elif not wait_center and errs[1:].min() == 0:
        best = 1 + int(np.argmin(errs[1:]))
    else:
        best = int(np.argmin(errs))
    wbest = confs[best].reshape(model.weight_shape)
    if binary:
        wbest = wbest.astype(np.int8)
    return Run(weights=wbest, iterations=epoch, history=hist,
               extra={"options_resolved": resolved,
                      "winner": "center" if best == 0 else f"replica {best - 1}", "center_errors": int(errs[0]),
                      "replica_errors": errs[1:].copy(), "coupling_final": coupling,
                      "energy_meaning": "LAL updates per epoch" if binary else "CE loss of the centre"})

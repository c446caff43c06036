"""Entropy-SGD (``method="entropy-sgd"``).

Chaudhari, Choromanska, Soatto, LeCun, Baldassi, Borgs, Chayes, Sagun & Zecchina, "Entropy-SGD: biasing
gradient descent into wide valleys", ICLR 2017, arXiv:1611.01838 (Algorithm 1), and its public reference code
ucla-vision/entropy-sgd; used on these models as in Pittorino et al., ICLR 2021, arXiv:2006.07897. Option
names: the coupling γ between x and x' is ``coupling`` (scoping rate ``coupling_rate``), the cross-entropy γ
is ``ce_gamma``, as in every method (formerly ``gamma`` and ``gamma_rate``; those are now an error naming the
new one).

Entropy-SGD descends the local entropy F(x; γ) = −ln ∫ dx' e^{−L(x') − (γ/2)|x − x'|²}, whose gradient is
∇F = γ (x − ⟨x'⟩), the average ⟨x'⟩ being over the Gibbs measure centred on x. ⟨x'⟩ is estimated by a
short Langevin (SGLD) chain. **Exact discretisation implemented here**, per outer step:

1. x' ← x, μ ← x;
2. L times, on successive mini-batches B (L_B = Σ_{μ∈B} f_{γ_CE}(Δ^μ), the PNAS 2020 cross-entropy):

       x' ← x' − η' [∇L_B(x') − γ (x − x')] + σ_n ξ,   ξ ~ N(0, I),
       μ  ← (1 − α) μ + α x',

   with the noise amplitude σ_n = ε √η'   (``noise_convention="paper"``: Algorithm 1 of the paper; the
   chain samples e^{−(L + γ|x−x'|²/2)/T} at temperature T = ε²/2, β = 2/ε²)
   or        σ_n = ε √(2η')  (``noise_convention="code"``: the reference PyTorch code, ucla-vision/entropy-sgd
   python/optim.py, adds ``eps/sqrt(0.5*llr) * N(0,1)`` to the gradient before the step ``-llr``, which is
   √2 larger — the factor 2 in the noise variance that the authors acknowledge in the code's issue #2;
   T = ε², β = 1/ε²);
3. x ← x − η (x − μ)   (the reference code's outer step; the paper writes x ← x − η_p γ (x − μ), the same
   step with η = η_p γ. The code form is used because it stays stable (0 < η ≤ 1: x moves towards μ)
   while γ is scoped up. The reference code averages with μ ← β₁μ + (1 − β₁)x', β₁ = 0.75, i.e. α = 0.25
   here, where the paper has α = 0.75);
4. γ ← γ (1 + γ₁)  (scoping γ(t) = γ₀(1 + γ₁)^t, t = outer step), capped at γ ≤ 1/η' so that the explicit
   inner step x' ← x' − η'γ(x' − x) stays contracting (η'γ ≤ 1).

With ``norm="sphere"`` every unit of x is projected back to |x_k|² = m after the outer step (spherical
weights; x' moves freely). **Binary weights**: x are continuous hidden variables H and the loss gradients
are taken at W = sign(x') (the "through hidden variables" variant of ``sgd-ce``); the returned weights are
sign(x). One epoch is ⌈P/batch⌉ inner (Langevin) steps, i.e. ⌈⌈P/batch⌉/L⌉ outer steps; the run stops at
the end of the first epoch where x (sign x) has zero training errors.

Applies to the perceptron and ReLU committees (tree or fully connected), binary or spherical weights.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np
from tqdm.auto import tqdm

from ..core.checks import check_choice, check_float, check_int
from ..kernels.arrays import KernelArrays
from . import Run, register
from ._common import Clock, check_budget, initial_weights, require_smooth, rms_norm
from ._grad_kernels import batch_grad, evaluate, project_units

CONVENTIONS = ("paper", "code")


@nb.njit(cache=True, nogil=True)
def entropy_sgd_outer(x, xp, mu, wev, binary, xi, labels, perm, pos, batch, tree, code, ce_gamma, lr, inner_lr,
                      n_inner, coupling, noise_std, alpha, sphere, leak, rng):
    """One outer step (module docstring, steps 1–3; ``lr`` is the outer step η). ``perm``/``pos``: the pattern permutation and cursor
    (re-shuffled when exhausted; the new cursor is returned first). ``wev`` is a (K, m) buffer for the
    weights where gradients are taken (x' itself, or sign x' for binary weights). Returns (pos, Σ L_B)."""
    kk, m = x.shape
    p = perm.shape[0]
    grad = np.empty((kk, m))
    h = np.empty(kk)
    total = 0.0
    xp[:, :] = x
    mu[:, :] = x
    for _ in range(n_inner):
        b = min(pos + batch, p)
        if binary:
            for k in range(kk):
                for i in range(m):
                    wev[k, i] = 1.0 if xp[k, i] > 0 else -1.0
            total += batch_grad(wev, xi, labels, perm[pos:b], tree, code, ce_gamma, grad, h, leak)
        else:
            total += batch_grad(xp, xi, labels, perm[pos:b], tree, code, ce_gamma, grad, h, leak)
        if b == p:
            rng.shuffle(perm)
            pos = 0
        else:
            pos = b
        for k in range(kk):
            for i in range(m):
                xp[k, i] += -inner_lr * (grad[k, i] - coupling * (x[k, i] - xp[k, i])) + noise_std * rng.standard_normal()
                mu[k, i] = (1.0 - alpha) * mu[k, i] + alpha * xp[k, i]
    for k in range(kk):
        for i in range(m):
            x[k, i] -= lr * (x[k, i] - mu[k, i])
    if sphere:
        project_units(x)
    return pos, total


@register(
    "entropy-sgd",
    options={"lr": 1.0, "inner_lr": 0.2, "L": 5, "noise": 1e-3, "alpha": 0.75, "coupling": 0.3,
             "coupling_rate": 1e-3,
             "noise_convention": "paper", "ce_gamma": 2.0, "batch": 20, "norm": "sphere", "relu_leak": 0.3,
             "max_epochs": 1000, "max_seconds": None, "init": None},
    description="Entropy-SGD (Chaudhari et al. 2017): outer descent on the local entropy, inner Langevin (SGLD) "
                "chain on the cross-entropy; documented discretisation (paper vs reference-code noise)",
    applies=lambda model: require_smooth(model, "entropy-sgd"),
    option_docs={
        "lr": "η: outer step x ← x − η(x − μ), 0 < η ≤ 1 (= paper's η_p·γ)",
        "inner_lr": "η': Langevin step on the mini-batch SUM of f_γ plus the coupling −γ(x − x')",
        "L": "number of Langevin steps per outer step",
        "noise": "ε: Langevin noise scale (amplitude ε√η' or ε√(2η'), see noise_convention)",
        "alpha": "α: weight of the new sample in the running mean μ ← (1−α)μ + αx' (paper 0.75; code 0.25)",
        "coupling": "γ0: initial coupling (scope) between x and x'",
        "coupling_rate": "γ1: scoping γ(t) = γ0(1+γ1)^t per outer step",
        "noise_convention": "'paper' (amplitude ε√η', Algorithm 1) or 'code' (ε√(2η'), ucla-vision python/optim.py)",
        "ce_gamma": "parameter γ of the cross-entropy loss f_γ",
        "batch": "mini-batch size of each Langevin step",
        "norm": "continuous weights: 'sphere' (project x to |x_k|²=m after each outer step) or 'free'",
        "relu_leak": "ReLU committees: surrogate slope for h ≤ 0 in the backward pass (0 = exact gradient)",
        "max_epochs": "budget: epochs (⌈P/batch⌉ Langevin steps each)",
        "max_seconds": "budget: wall-clock seconds (None = no limit)",
        "init": "initial weights (binary: hidden variables x = init; default random)",
    },
    renamed={"gamma": "coupling", "gamma_rate": "coupling_rate"},
)
def run_entropy_sgd(model, patterns, rng, progress, lr, inner_lr, L, noise, alpha, coupling, coupling_rate,
                    noise_convention, ce_gamma, batch, norm, relu_leak, max_epochs, max_seconds, init):
    lr = check_float("lr", lr, positive=True)
    if lr > 1:
        raise ValueError(f"lr must be in (0, 1] (outer step x ← x − lr·(x − μ)), got {lr}")
    inner_lr = check_float("inner_lr", inner_lr, positive=True)
    L = check_int("L", L, min_value=1)
    noise = check_float("noise", noise, nonnegative=True)
    alpha = check_float("alpha", alpha, positive=True)
    if alpha > 1:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    coupling = check_float("coupling", coupling, positive=True)
    coupling_rate = check_float("coupling_rate", coupling_rate, nonnegative=True)
    check_choice("noise_convention", noise_convention, CONVENTIONS)
    ce_gamma = check_float("ce_gamma", ce_gamma, positive=True)
    batch = check_int("batch", batch, min_value=1)
    check_choice("norm", norm, ("sphere", "free"))
    relu_leak = check_float("relu_leak", relu_leak, nonnegative=True)
    max_epochs, max_seconds = check_budget(max_epochs, max_seconds)
    binary = model.binary
    if binary and norm != "sphere":
        raise ValueError("norm applies to continuous weights; leave norm='sphere' for binary weights")
    sphere = norm == "sphere" and not binary
    noise_std = noise * math.sqrt(inner_lr if noise_convention == "paper" else 2.0 * inner_lr)
    beta = math.inf if noise == 0 else (2.0 / noise**2 if noise_convention == "paper" else 1.0 / noise**2)

    x = initial_weights(model, rng, init)
    if sphere:
        project_units(x)
    xp, mu, wev = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    ka = KernelArrays(model, patterns)
    xi, labels, code, tree, p = ka.xi, ka.sig, ka.code, ka.tree, ka.p
    kappa = model.margin
    perm = rng.permutation(p).astype(np.int64)
    pos = 0
    n_outer = int(math.ceil(math.ceil(p / batch) / L))

    def current():
        return np.where(x > 0, 1.0, -1.0) if binary else x

    hist = {k: [] for k in ("energy", "errors", "coupling", "beta", "norm", "inner_loss")}
    clock = Clock(max_seconds)
    loss, errs = evaluate(current(), xi, labels, tree, code, ce_gamma, kappa)
    epoch = 0
    with tqdm(total=max_epochs, disable=not progress, desc="entropy-sgd", unit="epoch") as bar:
        while errs > 0 and epoch < max_epochs and not clock.expired():
            inner = 0.0
            g_epoch = coupling
            for _ in range(n_outer):
                pos, tot = entropy_sgd_outer(x, xp, mu, wev, binary, xi, labels, perm, pos, batch, tree, code,
                                             ce_gamma, lr, inner_lr, L, coupling, noise_std, alpha, sphere, relu_leak,
                                             rng)
                inner += tot
                coupling = min(coupling * (1.0 + coupling_rate), max(coupling, 1.0 / inner_lr))
            epoch += 1
            loss, errs = evaluate(current(), xi, labels, tree, code, ce_gamma, kappa)
            for key, val in (("energy", loss), ("errors", errs), ("coupling", g_epoch), ("beta", beta),
                             ("norm", rms_norm(x)), ("inner_loss", inner)):
                hist[key].append(val)
            bar.update(1)
            bar.set_postfix(E=int(errs), coupling=f"{coupling:.3g}")
    w = current().reshape(model.weight_shape)
    return Run(weights=w.astype(np.int8) if binary else w.copy(), iterations=epoch, history=hist,
               extra={"coupling_final": coupling, "beta": beta, "noise_std": noise_std, "outer_steps_per_epoch": n_outer})

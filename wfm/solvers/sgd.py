"""Mini-batch SGD on the cross-entropy with norm control (``method="sgd-ce"``).

Baldassi, Pittorino & Zecchina, "Shaping the learning landscape in neural networks around wide flat minima",
PNAS 117, 161 (2020), arXiv:1905.07833 (claim 5 of the abstract: for SGD on the cross-entropy, a slow
reduction of the norm of the weights leads to wide flat minima). Option names: the cross-entropy γ is
``ce_gamma`` (schedule ``ce_gamma_factor``), as in every method (formerly ``gamma`` and ``gamma_factor``;
those are now an error naming the new one).

Loss: L(W) = Σ_μ f_γ(Δ^μ), f_γ(Δ) = (1/2γ) ln(1 + e^{−2γΔ}) (PNAS 2020). For continuous weights
f_γ(cΔ) = c f_{cγ}(Δ), so what matters is the **effective inverse temperature** γ_eff = γ·|W|/√N
(|W|/√N = rms weight, 1 on the sphere). Plain SGD on separable data lets |W| grow, which sends γ_eff → ∞
(the zero-margin hinge, whose minimisers are typical, sharp solutions). Claim 5 of PNAS 2020 is that
controlling the norm, and reducing it slowly while the training error stays 0, keeps the CE pressure
towards large stabilities and lands in wide flat minima. **The paper's exact protocol could not be checked
(only its abstract was available); what follows is our reconstruction** of the mechanism the abstract
names:

* one step on mini-batch B (the **sum** L_B = Σ_{μ∈B} f_γ(Δ^μ); batches from a fresh permutation each epoch):

      W ← W − η (∇L_B(W) + ε_wd W)                         (continuous weights)

  followed, with ``norm="sphere"``, by the projection of every unit back to |W_k|² = m. ``norm="decay"``
  keeps free weights with weight decay ε_wd (|W| then settles where the gradient and the decay balance),
  ``norm="free"`` is plain SGD (the foil: γ_eff grows without bound).
* **search phase**: γ(t) = γ_0 · r^t per epoch (``ce_gamma``, ``ce_gamma_factor``); it ends at the first epoch
  with zero training errors (or at the budget).
* **shrink phase** (``shrink_epochs`` > 0 epochs): from that solution, an epoch first lowers the effective
  inverse temperature by the factor s (``shrink_factor``) — γ ← sγ on the sphere and for binary weights,
  W ← sW for free weights (an explicit shrink W ← (1−ε)W, ε = 1 − s) — then runs one SGD epoch. If the
  epoch ends with a training error, the state before it is restored (weights and γ) and the next epoch is
  a consolidation epoch at that γ without shrinking (restored again if it too ends with errors). So the
  returned weights always have zero training errors, and γ_eff only goes down through accepted steps
  (``extra["shrink_steps_accepted"]``). History rows of the phase are marked ``phase`` = 1, and record the
  epoch as run (a rejected epoch shows its errors).

**Binary weights** (the variant through continuous hidden variables, as in BinaryConnect: Courbariaux, Bengio
& David, NeurIPS 2015, arXiv:1511.00363): the state is
H ∈ R^{K×m}, the weights are W = sign H (sign 0 = −1), the gradient is taken at W and applied to H:

      H ← H − η ∇_W L_B(W),   W = sign(H),   optionally |H_i| ≤ h_clip.

Since |W|² = N is fixed, γ_eff = γ and the norm control acts through the γ schedule alone.

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

NORMS = ("sphere", "decay", "free")
_SPHERE, _DECAY, _FREE = 0, 1, 2


@nb.njit(cache=True, nogil=True)
def sgd_epoch(w, hid, binary, xi, labels, perm, batch, tree, code, ce_gamma, lr, norm, wd, h_clip, leak):
    """One epoch of mini-batch SGD over ``perm``; returns the summed mini-batch losses.

    Continuous: w ← w − lr (∇L_B(w) + wd·w), then projection per unit if ``norm`` is sphere.
    Binary (``binary``): hid ← hid − lr ∇L_B(w) with w = sign(hid) kept in ``w``; |hid| ≤ h_clip.
    """
    kk, m = w.shape
    grad = np.empty((kk, m))
    h = np.empty(kk)
    total = 0.0
    p = perm.shape[0]
    for a in range(0, p, batch):
        idx = perm[a:min(a + batch, p)]
        total += batch_grad(w, xi, labels, idx, tree, code, ce_gamma, grad, h, leak)
        if binary:
            for k in range(kk):
                for i in range(m):
                    v = hid[k, i] - lr * grad[k, i]
                    if v > h_clip:
                        v = h_clip
                    elif v < -h_clip:
                        v = -h_clip
                    hid[k, i] = v
                    w[k, i] = 1.0 if v > 0 else -1.0
        else:
            for k in range(kk):
                for i in range(m):
                    w[k, i] -= lr * (grad[k, i] + wd * w[k, i])
            if norm == 0:
                project_units(w)
    return total


@register(
    "sgd-ce",
    options={"lr": None, "lr_factor": 1.0, "batch": 20, "ce_gamma": 1.0, "ce_gamma_factor": 1.02,
             "norm": "sphere",
             "weight_decay": 0.0, "shrink_epochs": 0, "shrink_factor": 0.98, "h_clip": None,
             "relu_leak": 0.3, "max_epochs": 1000, "max_seconds": None, "init": None},
    description="mini-batch SGD on the cross-entropy f_γ with norm control (γ schedule on the sphere, weight decay, "
                "or binary weights W = sign H through hidden variables)",
    applies=lambda model: require_smooth(model, "sgd-ce"),
    option_docs={
        "lr": "step η on the gradient of the mini-batch SUM of f_γ (default: 0.5 continuous, 0.05 binary)",
        "lr_factor": "η ← η·lr_factor after every epoch (learning-rate annealing; 1 = constant)",
        "batch": "mini-batch size (batches from a fresh permutation every epoch)",
        "ce_gamma": "initial CE parameter γ_0 (effective inverse temperature γ·|W|/√N)",
        "ce_gamma_factor": "search phase: γ ← γ·ce_gamma_factor after every epoch (>1 anneals towards the hinge)",
        "norm": "continuous weights: 'sphere' (project |W_k|²=m after every step; γ_eff = γ), 'decay' (free norm + "
                "weight decay), 'free' (plain SGD, norm grows). Must stay 'sphere' for binary weights",
        "weight_decay": "ε_wd in W ← W − η(∇L_B + ε_wd W) (continuous weights, norm='decay' or 'free')",
        "shrink_epochs": "after the first solution, epochs of slow reduction of γ_eff keeping zero training errors "
                         "(rejected steps are undone; 0 = stop at the first solution)",
        "shrink_factor": "shrink phase: γ ← s·γ (sphere, binary) or W ← s·W (decay/free) before every epoch; 0<s<1",
        "h_clip": "binary weights: clip hidden variables to |H| ≤ h_clip (None = no clipping)",
        "relu_leak": "ReLU committees: surrogate slope of max(0,h) for h ≤ 0 in the backward pass only (0 = exact "
                     "gradient; >0 revives patterns whose units are all inactive)",
        "max_epochs": "budget: epochs (search + shrink)",
        "max_seconds": "budget: wall-clock seconds (None = no limit)",
        "init": "initial weights (binary: H = init, default random ±1; continuous: default random on the sphere)",
    },
    renamed={"gamma": "ce_gamma", "gamma_factor": "ce_gamma_factor"},
)
def run_sgd_ce(model, patterns, rng, progress, lr, lr_factor, batch, ce_gamma, ce_gamma_factor, norm, weight_decay,
               shrink_epochs, shrink_factor, h_clip, relu_leak, max_epochs, max_seconds, init):
    binary = model.binary
    lr = check_float("lr", (0.05 if binary else 0.5) if lr is None else lr, positive=True)
    lr_factor = check_float("lr_factor", lr_factor, positive=True)
    batch = check_int("batch", batch, min_value=1)
    ce_gamma = check_float("ce_gamma", ce_gamma, positive=True)
    ce_gamma_factor = check_float("ce_gamma_factor", ce_gamma_factor, positive=True)
    check_choice("norm", norm, NORMS)
    weight_decay = check_float("weight_decay", weight_decay, nonnegative=True)
    shrink_epochs = check_int("shrink_epochs", shrink_epochs, min_value=0)
    shrink_factor = check_float("shrink_factor", shrink_factor, positive=True)
    if not shrink_factor < 1:
        raise ValueError(f"shrink_factor must be in (0, 1), got {shrink_factor}")
    h_clip = math.inf if h_clip is None else check_float("h_clip", h_clip, positive=True)
    relu_leak = check_float("relu_leak", relu_leak, nonnegative=True)
    max_epochs, max_seconds = check_budget(max_epochs, max_seconds)
    if binary and (norm != "sphere" or weight_decay != 0.0):
        raise ValueError("norm and weight_decay apply to continuous weights; binary weights have |W|² = N fixed "
                         "(leave norm='sphere', weight_decay=0)")
    if not binary and h_clip != math.inf:
        raise ValueError("h_clip applies to binary weights (hidden variables H) only")
    norm_code = NORMS.index(norm)

    w = initial_weights(model, rng, init)
    hid = w.copy() if binary else np.zeros((1, 1))
    if not binary and norm == "sphere":
        project_units(w)
    ka = KernelArrays(model, patterns)
    xi, labels, code, tree, p = ka.xi, ka.sig, ka.code, ka.tree, ka.p
    kappa = model.margin
    hist = {k: [] for k in ("energy", "errors", "ce_gamma", "ce_gamma_eff", "norm", "phase")}
    clock = Clock(max_seconds)
    epoch, phase, first_solution, shrink_done, accepted, just_failed = 0, 0, None, 0, 0, False
    loss, errs = evaluate(w, xi, labels, tree, code, ce_gamma, kappa)
    with tqdm(total=max_epochs, disable=not progress, desc="sgd-ce", unit="epoch") as bar:
        while epoch < max_epochs and not clock.expired():
            if errs == 0 and phase == 0:
                first_solution = epoch
                if shrink_epochs == 0:
                    break
                phase = 1
            shrink_now = False
            if phase == 1:
                if shrink_done >= shrink_epochs:
                    break
                saved = (w.copy(), hid.copy(), ce_gamma)
                shrink_now = not just_failed
                if shrink_now and (binary or norm == "sphere"):
                    ce_gamma *= shrink_factor
                elif shrink_now:
                    w *= shrink_factor
            perm = rng.permutation(p)
            sgd_epoch(w, hid, binary, xi, labels, perm, batch, tree, code, ce_gamma, lr, norm_code, weight_decay,
                      h_clip, relu_leak)
            epoch += 1
            loss, errs = evaluate(w, xi, labels, tree, code, ce_gamma, kappa)
            nrm = rms_norm(w)
            for key, val in (("energy", loss), ("errors", errs), ("ce_gamma", ce_gamma),
                             ("ce_gamma_eff", ce_gamma * nrm), ("norm", nrm), ("phase", phase)):
                hist[key].append(val)
            lr *= lr_factor
            if phase == 0:
                ce_gamma *= ce_gamma_factor
            else:
                shrink_done += 1
                if errs > 0:      # the training error must stay 0: undo, consolidate at the previous γ_eff
                    w, hid, ce_gamma = saved
                    errs = 0
                    just_failed = True
                else:
                    accepted += shrink_now
                    just_failed = False
            bar.update(1)
            bar.set_postfix(E=int(errs), g_eff=f"{ce_gamma * nrm:.3g}")
    if first_solution is None and errs == 0:      # solved in the very last epoch of the budget
        first_solution = epoch
    return Run(weights=w.reshape(model.weight_shape).astype(np.int8 if binary else np.float64), iterations=epoch,
               history=hist,
               extra={"first_solution_epoch": -1 if first_solution is None else first_solution,
                      "shrink_epochs_done": shrink_done, "shrink_steps_accepted": accepted,
                      "ce_gamma_final": ce_gamma, "ce_gamma_eff_final": ce_gamma * rms_norm(w)})

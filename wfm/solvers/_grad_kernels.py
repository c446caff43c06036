"""Numba kernels shared by the gradient methods (``sgd-ce``, ``rsgd``, ``entropy-sgd``).

All kernels take real weights ``w`` of shape (K, m) (float64; ±1 values for the binary variants, where
W = sign H is passed in) and the patterns ``xi`` (P, N) as stored by :class:`wfm.Patterns` (int8 or
float32: Numba compiles one specialisation per dtype). Fields are scaled as in :mod:`wfm.models`:

    h_k^μ = Σ_i w_{ki} ξ^μ_{k,i} / √m ,  ξ^μ_{k,·} = block k (tree, perceptron) or all N inputs (committee).

Output pre-activation λ^μ: h_1 (perceptron), Σ_k sign h_k (sign committee), Σ_k c_k max(0, h_k) with
c_k = +1 for k < K/2 and −1 after (ReLU committee). Stability Δ^μ = σ^μ λ^μ; an error is Δ^μ ≤ κ.

The mini-batch loss is the **sum** L_B(w) = Σ_{μ∈B} f_γ(Δ^μ) of the PNAS 2020 cross-entropy
f_γ(Δ) = (1/2γ) ln(1 + e^{−2γΔ}) (Baldassi, Pittorino & Zecchina, PNAS 117, 161 (2020), arXiv:1905.07833;
:mod:`wfm.losses`), and its gradient

    ∂L_B/∂w_{ki} = Σ_{μ∈B} f'_γ(Δ^μ) σ^μ ∂λ^μ/∂w_{ki},  ∂λ/∂w_{ki} = ξ_{k,i}/√m (perceptron),
                                                        c_k Θ(h_k) ξ_{k,i}/√m (ReLU; Θ(0) = 0),

which is what :func:`wfm.losses.gradient` computes on the whole set. Every kernel has a slow NumPy
reference: the table ``KERNEL_REFERENCES`` of ``tests/test_solvers_grad.py``.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..losses import loss_d1, loss_value
from ..core.codes import LossCode, Output
from ..kernels.fields import preactivation

# Reassociation lets LLVM vectorise the float reductions (the field sums); no 'nnan'/'ninf' assumptions.
FAST = {"reassoc", "contract", "nsz", "arcp"}

__all__ = ["fields", "batch_grad", "evaluate", "evaluate_many", "project_units"]


@nb.njit(cache=True, nogil=True, inline="always", fastmath=FAST)
def fields(w, xi, mu, tree, scale, h):
    """h[k] ← field of unit k on pattern μ (weights float64, or int8 with int8 inputs for exact integer sums)."""
    kk, m = w.shape
    for k in range(kk):
        off = k * m if tree else 0
        # accumulator of the product's type: integer (SIMD-friendly, exact) for int8 weights and inputs
        s = w[k, 0] * xi[mu, off] - w[k, 0] * xi[mu, off]
        for i in range(m):
            s += w[k, i] * xi[mu, off + i]
        h[k] = s * scale


@nb.njit(cache=True, nogil=True, fastmath=FAST)
def batch_grad(w, xi, labels, idx, tree, code, gamma, grad, h, leak=0.0):
    """grad ← ∇_w Σ_{μ∈idx} f_γ(Δ^μ) (overwritten); returns the batch loss. ``h`` is a (K,) buffer.

    Defined for the perceptron and the ReLU committee (``code`` Output.PERCEPTRON or Output.RELU). ``leak`` > 0 replaces
    the ReLU derivative Θ(h) by a surrogate ``leak`` for h ≤ 0 in the backward pass only (the forward pass,
    the loss and the errors are those of the true ReLU): without it a pattern whose units are all inactive
    has zero gradient and stays an error forever. ``leak = 0`` is the exact gradient.
    """
    kk, m = w.shape
    scale = 1.0 / math.sqrt(m)
    half = kk // 2
    for k in range(kk):
        for i in range(m):
            grad[k, i] = 0.0
    total = 0.0
    for b in range(idx.shape[0]):
        mu = idx[b]
        fields(w, xi, mu, tree, scale, h)
        sigma = float(labels[mu])
        delta = sigma * preactivation(code, h)
        total += loss_value(LossCode.CROSS_ENTROPY, gamma, delta)
        d = loss_d1(LossCode.CROSS_ENTROPY, gamma, delta) * sigma * scale
        if d == 0.0:
            continue
        for k in range(kk):
            if code == Output.PERCEPTRON:
                c = d
            elif h[k] > 0:
                c = d if k < half else -d
            elif leak != 0.0:
                c = leak * d if k < half else -leak * d
            else:
                continue
            off = k * m if tree else 0
            for i in range(m):
                grad[k, i] += c * np.float64(xi[mu, off + i])   # float64 also without JIT (NEP 50)
    return total


@nb.njit(cache=True, nogil=True, fastmath=FAST)
def evaluate(w, xi, labels, tree, code, gamma, kappa):
    """(Σ_μ f_γ(Δ^μ), number of errors Δ^μ ≤ κ) over all patterns; loss is NaN for sign/parity units."""
    kk, m = w.shape
    scale = 1.0 / math.sqrt(m)
    h = np.empty(kk)
    total = 0.0
    errs = 0
    for mu in range(xi.shape[0]):
        fields(w, xi, mu, tree, scale, h)
        delta = labels[mu] * preactivation(code, h)
        if code == Output.PERCEPTRON or code == Output.RELU:
            total += loss_value(LossCode.CROSS_ENTROPY, gamma, delta)
        if delta <= kappa:
            errs += 1
    if code != Output.PERCEPTRON and code != Output.RELU:
        total = np.nan
    return total, errs


@nb.njit(cache=True, nogil=True, parallel=True)
def evaluate_many(ws, xi, labels, tree, code, gamma, kappa, losses, errs):
    """:func:`evaluate` for a batch of configurations ``ws`` (R, K, m), in parallel over R."""
    for r in nb.prange(ws.shape[0]):
        loss, e = evaluate(ws[r], xi, labels, tree, code, gamma, kappa)
        losses[r] = loss
        errs[r] = e


@nb.njit(cache=True, nogil=True, fastmath=FAST)
def project_units(w):
    """Project every unit onto its sphere |w_k|² = m (spherical weights)."""
    kk, m = w.shape
    for k in range(kk):
        s = 0.0
        for i in range(m):
            s += w[k, i] * w[k, i]
        if s > 0:
            f = math.sqrt(m / s)
            for i in range(m):
                w[k, i] *= f


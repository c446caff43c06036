"""Per-pattern losses ℓ(Δ) of the stability Δ, and the total loss L(W) = Σ_μ ℓ(Δ^μ(W)).

* error loss with margin κ:   ℓ(Δ) = Θ(κ − Δ), with Δ ≤ κ counted as an error (matches ``Model.errors``)
* hinge with margin κ:        ℓ(Δ) = max(0, κ − Δ)
* cross-entropy (PNAS 2020):  f_γ(Δ) = (1/2γ) ln(1 + e^{−2γΔ}) = −Δ/2 + (1/2γ) ln 2cosh(γΔ)
      f'_γ(Δ) = (tanh(γΔ) − 1)/2,     f''_γ(Δ) = (γ/2) sech²(γΔ)
  f_γ → max(0, −Δ) as γ → ∞; for continuous weights f_γ(cΔ) = c f_{cγ}(Δ), so the effective inverse
  temperature is γ|W|/√N (Baldassi, Pittorino & Zecchina, PNAS 117, 161 (2020), arXiv:1905.07833).

Each loss is an object with vectorized NumPy ``value``/``derivative``/``second_derivative`` and, for
Numba kernels, an integer ``code`` and a float ``param`` to pass to the scalar kernels :func:`loss_value`,
:func:`loss_d1`, :func:`loss_d2` (``@njit``; callable from other kernels; tested against the NumPy forms).

All forms are stable for |γΔ| up to 1e3 and beyond: no overflow, no NaN.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from .core.checks import check_float
from .core.codes import LossCode
from .core.special import softplus_s

__all__ = ["Loss", "error", "hinge", "cross_entropy", "loss_value", "loss_d1", "loss_d2", "total",
           "gradient", "ERROR", "HINGE", "CROSS_ENTROPY"]

#: the loss codes under their historical public names (members of :class:`wfm.core.codes.LossCode`)
ERROR, HINGE, CROSS_ENTROPY = LossCode.ERROR, LossCode.HINGE, LossCode.CROSS_ENTROPY

@nb.njit(cache=True, nogil=True)
def loss_value(code, param, x):
    """ℓ(x) for loss ``code`` (a :class:`~wfm.core.codes.LossCode`: ERROR, HINGE, CROSS_ENTROPY) with parameter κ or γ."""
    if code == LossCode.ERROR:
        return 1.0 if x <= param else 0.0
    if code == LossCode.HINGE:
        return param - x if x < param else 0.0
    return softplus_s(-2.0 * param * x) / (2.0 * param)


@nb.njit(cache=True, nogil=True)
def loss_d1(code, param, x):
    """ℓ'(x); 0 for the error loss (piecewise constant)."""
    if code == LossCode.ERROR:
        return 0.0
    if code == LossCode.HINGE:
        return -1.0 if x < param else 0.0
    return 0.5 * (math.tanh(param * x) - 1.0)


@nb.njit(cache=True, nogil=True)
def loss_d2(code, param, x):
    """ℓ''(x); (γ/2) sech²(γx) = 2γ e^{−2|γx|}/(1+e^{−2|γx|})² for the cross-entropy."""
    if code != LossCode.CROSS_ENTROPY:
        return 0.0
    e = math.exp(-2.0 * abs(param * x))
    return 2.0 * param * e / ((1.0 + e) * (1.0 + e))


def _value_np(code, param, x):
    if code == LossCode.ERROR:
        return (x <= param).astype(np.float64)
    if code == LossCode.HINGE:
        return np.maximum(0.0, param - x)
    return np.logaddexp(0.0, -2.0 * param * x) / (2.0 * param)


def _d1_np(code, param, x):
    if code == LossCode.ERROR:
        return np.zeros_like(x)
    if code == LossCode.HINGE:
        return np.where(x < param, -1.0, 0.0)
    return 0.5 * (np.tanh(param * x) - 1.0)


def _d2_np(code, param, x):
    if code != LossCode.CROSS_ENTROPY:
        return np.zeros_like(x)
    e = np.exp(-2.0 * np.abs(param * x))
    return 2.0 * param * e / ((1.0 + e) * (1.0 + e))


class Loss:
    """A per-pattern loss ℓ(Δ); build with :func:`error`, :func:`hinge` or :func:`cross_entropy`."""

    def __init__(self, name, code, param, smooth):
        self.name = name
        self.code = code
        self.param = float(param)
        self.smooth = smooth

    def value(self, x):
        return _value_np(self.code, self.param, np.asarray(x, dtype=np.float64))

    __call__ = value

    def derivative(self, x):
        return _d1_np(self.code, self.param, np.asarray(x, dtype=np.float64))

    def second_derivative(self, x):
        return _d2_np(self.code, self.param, np.asarray(x, dtype=np.float64))

    def describe(self):
        key = "gamma" if self.code == LossCode.CROSS_ENTROPY else "kappa"
        return {"loss": self.name, key: self.param}

    def __repr__(self):
        key = "gamma" if self.code == LossCode.CROSS_ENTROPY else "kappa"
        return f"{self.name}({key}={self.param})"


def error(kappa=0.0) -> Loss:
    """Error loss Θ(κ − Δ): 1 for a pattern with stability Δ ≤ κ, else 0."""
    return Loss("error", LossCode.ERROR, check_float("kappa", kappa), smooth=False)


def hinge(kappa=0.0) -> Loss:
    """Hinge loss max(0, κ − Δ)."""
    return Loss("hinge", LossCode.HINGE, check_float("kappa", kappa), smooth=False)


def cross_entropy(gamma=1.0) -> Loss:
    """Cross-entropy f_γ(Δ) = (1/2γ) ln(1 + e^{−2γΔ}) of PNAS 2020 (arXiv:1905.07833); γ > 0."""
    return Loss("cross_entropy", LossCode.CROSS_ENTROPY, check_float("gamma", gamma, positive=True), smooth=True)


def from_description(desc: dict) -> Loss:
    """Rebuild a loss from :meth:`Loss.describe`."""
    name = desc.get("loss")
    if name == "error":
        return error(desc.get("kappa", 0.0))
    if name == "hinge":
        return hinge(desc.get("kappa", 0.0))
    if name == "cross_entropy":
        return cross_entropy(desc.get("gamma", 1.0))
    raise ValueError(f"loss={name!r} is not allowed; choose one of 'error', 'hinge', 'cross_entropy'")


def _check_loss(loss):
    if not isinstance(loss, Loss):
        raise TypeError(f"loss must be a wfm.losses.Loss (error(), hinge(), cross_entropy()), got {loss!r}")
    return loss


def total(model, patterns, w, loss) -> float | np.ndarray:
    """L(W) = Σ_μ ℓ(Δ^μ(W)); an array (R,) for a batch of weights."""
    loss = _check_loss(loss)
    return loss.value(model.stabilities(w, patterns)).sum(axis=-1)


def gradient(model, patterns, w, loss):
    """Loss and gradient ∇_W L for continuous weights: returns ``(L, grad)`` with grad shaped like one W.

    With Δ^μ = σ^μ λ(ξ^μ):  ∂L/∂W_{ki} = Σ_μ ℓ'(Δ^μ) σ^μ ∂λ^μ/∂W_{ki}, where
    ∂λ/∂W_{ki} = ξ_{k,i}/√m for the perceptron and c_k Θ(h_k) ξ_{k,i}/√m for a ReLU committee
    (c_k = ±1 the fixed output weights; the ReLU derivative at h = 0 is taken as 0).
    """
    loss = _check_loss(loss)
    if model.binary:
        raise ValueError("gradient needs a model with weights='spherical' (continuous weights)")
    if not loss.smooth and loss.code == LossCode.ERROR:
        raise ValueError("loss: the error loss has no useful gradient; use hinge or cross_entropy")
    if model.kind not in ("perceptron",) and model.activation != "relu":
        raise ValueError(f"gradient is defined for the perceptron and ReLU committees, not model={model!r}")
    w = model.check_weights(w)
    if w.ndim != len(model.weight_shape):
        raise ValueError("gradient takes one weight configuration, not a batch")
    xi = np.asarray(patterns.xi, dtype=np.float64)
    h = model.fields(w, patterns)                     # (P, k)
    delta = patterns.labels * model.preactivation_from_fields(h)
    d1 = loss.derivative(delta) * patterns.labels     # ℓ'(Δ) σ
    value = float(loss.value(delta).sum())
    if model.kind == "perceptron":
        return value, (d1 @ xi) / np.sqrt(model.m)
    coef = d1[:, None] * (h > 0) * model.output_weights[None, :]   # (P, k)
    if model.tree:
        grad = np.einsum("pk,pkm->km", coef, xi.reshape(xi.shape[0], model.k, model.m))
    else:
        grad = coef.T @ xi
    return value, grad / np.sqrt(model.m)

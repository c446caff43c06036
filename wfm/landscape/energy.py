"""Local energy: how much the training error (and loss) grows under random weight perturbations.

Binary weights: flip a random fraction d of the weights (the energetic counterpart of the local entropy of
binary networks; docs/landscape.md §4),

    δE(d) = E_flips[ E_train(W ⊕ flips) ] − E_train(W),

estimated from ``n_draws`` draws (mean and standard error). Each draw is a random ordering of the
weights; level d flips its first round(d·n) entries, so the levels are nested and the same seed gives the
same flips for every configuration (common random numbers).

Continuous weights (docs/landscape.md §3–4), with z ~ N(0, I) drawn once from the seed and reused for
every σ and every configuration of the same size (common random numbers):

* ``multiplicative``: θ ⊙ (1 + σ z)  (Pittorino et al., ICLR 2021, arXiv:2006.07897; invariant under every
  diagonal rescaling,
  because D(θ ⊙ (1 + σz)) = (Dθ) ⊙ (1 + σz)),
* ``additive``:       θ + σ z,
* ``unit``:           θ_b + σ |θ_b|/√n_b z_b for each block b (a hidden unit's W_k; each v_k on its own)
  (the filter normalisation of Li et al., NeurIPS 2018, arXiv:1712.09913; invariant to per-unit rescaling),
* ``layer``:          θ_l + σ |θ_l|/√n_l z_l per layer (invariant to the global Dinh α only).

Training error is reported as a fraction of patterns; the loss as (1/P) Σ_μ ℓ(Δ^μ).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import losses as _losses
from ..core.checks import check_choice, check_int
from ..core.codes import Output
from ..kernels.arrays import KernelArrays
from . import _kernels as K
from .net import TwoLayer, _check_loss, as_net, evaluate, evaluate_batch

__all__ = ["LocalEnergy", "local_energy", "noise_scales"]

NOISES = ("flip", "multiplicative", "additive", "unit", "layer")


@dataclass
class LocalEnergy:
    """Local-energy curve: ``scales`` (d for flips, σ otherwise) and per-scale statistics over draws."""

    noise: str
    scales: np.ndarray
    error_mean: np.ndarray
    error_se: np.ndarray
    loss_mean: np.ndarray
    loss_se: np.ndarray
    base_error: float
    base_loss: float
    n_draws: int
    seed: int | None
    loss: dict = field(default_factory=dict)

    @property
    def delta_error(self):
        return self.error_mean - self.base_error

    @property
    def delta_loss(self):
        return self.loss_mean - self.base_loss

    def as_dict(self):
        return {"noise": self.noise, "scales": self.scales, "error_mean": self.error_mean, "error_se": self.error_se,
                "loss_mean": self.loss_mean, "loss_se": self.loss_se, "base_error": self.base_error,
                "base_loss": self.base_loss, "delta_error": self.delta_error, "delta_loss": self.delta_loss,
                "n_draws": self.n_draws, "seed": self.seed, "loss": self.loss}


def _se(x):
    return x.std(axis=0, ddof=1) / math.sqrt(x.shape[0]) if x.shape[0] > 1 else np.full(x.shape[1:], np.nan)


def noise_scales(net, theta, noise):
    """Per-coordinate noise scale s (θ + σ s ⊙ z) of a continuous noise model (module docstring)."""
    check_choice("noise", noise, NOISES[1:])
    theta = np.asarray(theta, dtype=np.float64)
    if noise == "multiplicative":
        return theta.copy()
    if noise == "additive":
        return np.ones_like(theta)
    s = np.empty_like(theta)
    for b in (net.blocks() if noise == "unit" else net.layers()):
        s[b] = np.linalg.norm(theta[b]) / math.sqrt(len(b))
    return s


def _flip_energy(model, patterns, weights, ds, n_draws, seed, loss):
    w = model.check_weights(getattr(weights, "weights", weights))
    if w.ndim != len(model.weight_shape):
        raise ValueError("weights: one configuration expected, not a batch")
    if not patterns.binary:
        raise ValueError("patterns: binary-weight local energy uses the integer-field kernel and needs ±1 patterns")
    if patterns.n != model.n:
        raise ValueError(f"patterns have N = {patterns.n}, model has n = {model.n}")
    nw = model.n_weights
    counts = np.array([int(round(d * nw)) for d in ds], dtype=np.int64)
    if np.any(np.diff(counts) < 0):
        raise ValueError("d must be non-decreasing")
    rng = np.random.default_rng(seed)
    fmax = int(counts.max()) if counts.size else 0
    # one random ordering per draw (first fmax entries of a permutation), independent of the configuration
    perms = np.stack([rng.permutation(nw)[:fmax] for _ in range(n_draws)]) if fmax else np.zeros((n_draws, 0), np.int64)
    ka = KernelArrays(model, patterns)
    wf = np.ascontiguousarray(w.reshape(-1))
    h0 = np.zeros((ka.p, ka.k), np.int32)       # unscaled integer fields of the unperturbed weights
    for k in range(ka.k):
        blk = ka.xi[:, ka.cols[k * ka.m:(k + 1) * ka.m]].astype(np.int32)
        h0[:, k] = blk @ wf[k * ka.m:(k + 1) * ka.m].astype(np.int32)
    # stability Δ = σ·pre·scale: the integer pre-activation carries the 1/√m of the fields for the
    # perceptron and the ReLU committee, and none for sign and parity outputs (counts of units)
    scale = ka.scale if ka.code in (Output.PERCEPTRON, Output.RELU) else 1.0
    work = n_draws * (fmax + len(ds) * ka.k) * ka.p
    kern = K.pick(K.flip_energy_kernel, K.flip_energy_kernel_serial, work)
    err, lv = kern(wf, ka.xi, ka.sig, ka.cols, ka.m, ka.k, ka.code, ka.thr, scale, h0,
                   np.ascontiguousarray(perms.astype(np.int64)), counts, loss.code, loss.param)
    base_err = model.errors(w, patterns) / patterns.p
    base_loss = float(np.mean(loss.value(model.stabilities(w, patterns))))
    # means of integer counts, then / P (so d = 0 reproduces the base error exactly)
    return err.mean(0) / patterns.p, _se(err) / patterns.p, lv.mean(0), _se(lv), base_err, base_loss


def local_energy(model, patterns, weights, scales, noise=None, n_draws=100, seed=0, loss=None, batch=64):
    """Local-energy curve (module docstring) of one configuration; returns :class:`LocalEnergy`.

    Parameters
    ----------
    model : wfm.models model or :class:`TwoLayer`
    patterns : Patterns (training set)
    weights : the configuration (or a SolveResult); θ for a TwoLayer
    scales : fractions d ∈ [0, 1] of flipped weights (``noise="flip"``) or noise levels σ ≥ 0
    noise : "flip" (default for binary weights) | "multiplicative" (default for continuous) | "additive" |
            "unit" | "layer"
    n_draws : number of random draws per scale (same draws for every scale: common random numbers)
    seed : seeds the draws; equal seeds give equal noise for any configuration of the same size
    loss : loss reported next to the error (default: the error loss itself with κ = model margin for
           flips, cross_entropy(γ=1) for continuous noise)
    """
    n_draws = check_int("n_draws", n_draws, min_value=1)
    scales = np.atleast_1d(np.asarray(scales, dtype=np.float64))
    if scales.ndim != 1 or not np.all(np.isfinite(scales)) or np.any(scales < 0):
        raise ValueError("scales must be a 1-d array of finite numbers >= 0")
    binary = (not isinstance(model, TwoLayer)) and model.binary
    if noise is None:
        noise = "flip" if binary else "multiplicative"
    check_choice("noise", noise, NOISES)
    if noise == "flip":
        if not binary:
            raise ValueError("noise='flip' needs a model with binary weights")
        if np.any(scales > 1):
            raise ValueError("scales: flip fractions d must be in [0, 1]")
        loss = _losses.error(model.margin) if loss is None else _check_loss(loss)
        stats = _flip_energy(model, patterns, weights, scales, n_draws, seed, loss)
    else:
        net, theta = as_net(model, weights)
        loss = _check_loss(loss)
        z = np.random.default_rng(seed).standard_normal((n_draws, net.n_params))
        s = noise_scales(net, theta, noise)
        errs = np.empty((n_draws, scales.size))
        lvs = np.empty((n_draws, scales.size))
        for j, sig in enumerate(scales):
            for a in range(0, n_draws, batch):
                th = theta[None, :] + sig * s[None, :] * z[a:a + batch]
                lv, er = evaluate_batch(net, th, patterns, loss)
                errs[a:a + batch, j] = er / patterns.p
                lvs[a:a + batch, j] = lv
        base = evaluate(net, theta, patterns, loss)
        stats = (errs.mean(0), _se(errs), lvs.mean(0), _se(lvs), base["error"], base["loss"])
    em, es, lm, ls, be, bl = stats
    return LocalEnergy(noise, scales, em, es, lm, ls, float(be), float(bl), n_draws, seed, loss.describe())

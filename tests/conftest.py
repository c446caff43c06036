"""Shared test helpers: slow NumPy references that the Numba kernels are compared against."""
import itertools

import numpy as np
import pytest

import wfm


def all_configs(nw):
    """All 2^nw ±1 configurations, shape (2^nw, nw) int8 (brute force; nw ≤ 16)."""
    return np.array(list(itertools.product((1, -1), repeat=nw)), dtype=np.int8)


def reference_fields(model, w, xi, scale=True):
    """h[μ, k] = Σ_i W_ki ξ^μ_{k,i} / √m by explicit loops over units (independent of wfm's kernels); without
    the 1/√m if ``scale`` is False."""
    w = np.asarray(w, dtype=np.float64).reshape(model.k, model.m)
    xi = np.asarray(xi, dtype=np.float64)
    h = np.zeros((xi.shape[0], model.k))
    for k in range(model.k):
        block = xi[:, k * model.m:(k + 1) * model.m] if model.tree else xi
        h[:, k] = block @ w[k]
    return h / np.sqrt(model.m) if scale else h


def reference_preactivation(model, h):
    """Output pre-activation from unit fields (last axis = units), written straight from the definitions."""
    if model.kind == "perceptron":
        return h[..., 0]
    if model.kind == "parity":
        return np.prod(np.sign(h), axis=-1)
    if model.activation == "sign":
        return np.sign(h).sum(axis=-1)
    half = model.k // 2
    r = np.maximum(h, 0)
    return r[..., :half].sum(-1) - r[..., half:].sum(-1)


def reference_errors(model, w, pats):
    if model.activation == "relu" and model.kind != "perceptron":  # homogeneous: exact on the unscaled fields
        delta = pats.labels * reference_preactivation(model, reference_fields(model, w, pats.xi, scale=False))
        return int(np.sum(delta <= model.margin * np.sqrt(model.m)))
    delta = pats.labels * reference_preactivation(model, reference_fields(model, w, pats.xi))
    return int(np.sum(delta <= model.margin))


def brute_distance_counts(model, pats, ref):
    """Solutions at each Hamming distance from ``ref`` by evaluating all 2^N configurations (NumPy)."""
    configs = all_configs(model.n_weights)
    w = configs.reshape(-1, model.k, model.m).astype(np.float64)
    xi = pats.xi.astype(np.float64)
    h = np.zeros((len(configs), pats.p, model.k))
    for k in range(model.k):
        block = xi[:, k * model.m:(k + 1) * model.m] if model.tree else xi
        h[:, :, k] = w[:, k, :] @ block.T
    h /= np.sqrt(model.m)
    lam = reference_preactivation(model, h)
    ok = np.all(pats.labels * lam > model.margin, axis=1)
    d = (configs[ok] != np.asarray(ref).reshape(-1)).sum(1)
    return np.bincount(d, minlength=model.n_weights + 1)


#: one small binary instance of every model kind (n_weights ≤ 15 so brute force is instant)
SMALL_BINARY_MODELS = [
    wfm.Perceptron(13),
    wfm.Perceptron(15, margin=0.2),
    wfm.TreeCommittee(15, 3),
    wfm.TreeCommittee(12, 4, activation="relu"),
    wfm.Committee(5, 3),
    wfm.Committee(3, 4, activation="relu"),
    wfm.ParityMachine(15, 3),
    wfm.ParityMachine(14, 2),
]


@pytest.fixture(params=SMALL_BINARY_MODELS, ids=repr)
def small_binary_model(request):
    return request.param

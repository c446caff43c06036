"""Landscape measures around a solution: local energy, Hessian spectra, asymmetric valleys, reparametrization.

Entry points: :func:`local_energy`, :func:`hessian`, :func:`profile`. Every function takes
``(model, patterns, weights, ...)`` where ``model`` is a ``wfm.models`` model with its weights (as returned by
``wfm.solve``; a ``SolveResult`` is accepted too) or a :class:`TwoLayer` (trainable second layer, leaky ReLU,
tanh) with its flat parameter vector θ. Losses are per pattern: L = (1/P) Σ_μ ℓ(Δ^μ).

* local energy — :mod:`.energy` (binary flips; multiplicative / additive / unit / layer noise);
* Hessian — :func:`hessian` (exact, dense), :func:`hvp_operator` (Numba HVP kernel as a LinearOperator),
  :func:`hessian_spectrum`, :func:`riemannian_spectrum`, and the spectral tools of :mod:`.spectral`
  (Lanczos, Hutchinson, SLQ, Wolkowicz–Styan, IPR, Riemannian Hessian);
* asymmetric valleys — :mod:`.valleys` (directions, profiles, asymmetry statistics, SWA bias, 1-D models);
* reparametrization — :mod:`.reparam` (rescaling orbits, invariance report);
* the registry of measures — :mod:`.measures` (``measure(name, ...)``, ``MEASURES``; CLI ``wfm measure``).

References: Dinh, Pascanu, Bengio & Bengio, ICML 2017, arXiv:1703.04933 (rescaling); He, Huang & Yuan,
NeurIPS 2019, arXiv:1902.00744 (asymmetric valleys); Pittorino et al., ICLR 2021, arXiv:2006.07897 (local
energy); Baldassi, Pittorino & Zecchina, PNAS 117, 161 (2020), arXiv:1905.07833 (flatness of the minimisers of
these models). The derivations (Hessian, Riemannian Hessian, rescaling laws, invariances, 1-D closed forms,
spectral estimators) are written out in docs/landscape.md.
"""
from __future__ import annotations

import numpy as np

from .energy import LocalEnergy, local_energy, noise_scales
from .measures import MEASURES, REPARAM_TABLE, Measure, measure, measures, register_measure
from .net import (TwoLayer, as_net, evaluate, evaluate_batch, kink_diagnostics, loss_and_grad, net_hessian, net_hvp,
                  squared_hinge, train_gd)
from .reparam import format_report, orbit, reparam_report, rescale, rescaling_matrix
from .spectral import (block_ipr, eigenvalues, hutchinson, ipr, lanczos, lanczos_extreme, riemannian_hessian, slq, slq_density,
                       smoothed_density, spectrum_summary, wolkowicz_styan, wolkowicz_styan_matrix)
from .valleys import (DIRECTIONS, Profile, asymmetry, directions, optimal_bias_1d, population_loss_1d, profile,
                      radial_components, sgd_1d, sgd_1d_bias, sgd_swa, swa_bias)


def hessian(model, patterns, weights, loss=None):
    """Exact dense Hessian ∇²_θ L, L(θ) = (1/P) Σ_μ ℓ(Δ^μ), shape (n_params, n_params).

    H = (1/P) Σ_μ [ℓ''(Δ^μ) J_μ J_μᵀ + ℓ'(Δ^μ) σ^μ ∇²_θ f(ξ^μ)] (docs/landscape.md §1; module
    :mod:`wfm.landscape.net`). For a ``wfm.models`` model θ = its weights (fixed second layer, n_weights
    coordinates); for a :class:`TwoLayer` with ``train_v`` the last K coordinates are v. ``loss`` must be
    smooth: ``wfm.losses.cross_entropy(γ)`` (default γ = 1) or :func:`squared_hinge`.
    """
    net, theta = as_net(model, weights)
    return net_hessian(net, theta, patterns, loss)


def hvp_operator(model, patterns, weights, loss=None, precision="float64"):
    """LinearOperator u ↦ H u backed by the Numba HVP kernel (O(P n) per product; no dense H).

    ``precision="float32"`` (perceptron only): float32 BLAS, relative error ~1e-6, faster at large N
    (benchmarks/BENCHMARKS.md).
    """
    net, theta = as_net(model, weights)
    return net_hvp(net, theta, patterns, loss, precision)


def hessian_spectrum(model, patterns, weights, loss=None, method="auto", k=6, dense_max=3000):
    """Hessian spectrum with the ReLU near-kink diagnostics.

    ``method="dense"``: all eigenvalues (eigvalsh) and :func:`spectrum_summary`; ``"lanczos"``: the k largest
    and k smallest by Lanczos on the HVP operator; ``"auto"``: dense when n_params ≤ ``dense_max``.
    """
    net, theta = as_net(model, weights)
    out = kink_diagnostics(net, theta, patterns)
    if method == "auto":
        method = "dense" if net.n_params <= dense_max else "lanczos"
    if method == "dense":
        if net.activation == "identity" and net.k == 1 and not net.train_v and patterns.p < net.n_params:
            # perceptron: H = (1/P) Jᵀ C J has rank ≤ P; its nonzero eigenvalues are those of the P×P Gram
            # matrix (1/P) C^{1/2} J Jᵀ C^{1/2}, the other n − P are exactly 0
            eigs = gram_eigenvalues(net, theta, patterns, loss)
            out["method_detail"] = "gram"
        else:
            eigs = np.linalg.eigvalsh(net_hessian(net, theta, patterns, loss))
        out.update(spectrum_summary(eigs))
        out["eigenvalues"] = eigs
    elif method == "lanczos":
        op = net_hvp(net, theta, patterns, loss)
        out["top"] = lanczos(op, k=k, which="LA")
        out["bottom"] = lanczos(op, k=k, which="SA")
        out["lambda_max"], out["lambda_min"] = float(out["top"][-1]), float(out["bottom"][0])
    else:
        raise ValueError(f"method={method!r} is not allowed; choose one of 'auto', 'dense', 'lanczos'")
    out["method"] = method
    return out


def gram_eigenvalues(net, theta, patterns, loss=None):
    """All n eigenvalues of a pure Gauss–Newton Hessian H = (1/P) Jᵀ C J (perceptron) via the P×P Gram matrix."""
    from .net import _jacobian, hessian_parts
    if not (net.activation == "identity" and net.k == 1 and not net.train_v):
        raise ValueError("gram_eigenvalues is for the perceptron (no residual Hessian term)")
    h, v, phi, dphi, _, c, _ = hessian_parts(net, theta, patterns, loss)
    j = _jacobian(net, patterns, h, v, phi, dphi) * np.sqrt(c / patterns.p)[:, None]
    g = j @ j.T
    eig = np.linalg.eigvalsh(g)
    return np.sort(np.concatenate([eig, np.zeros(max(net.n_params - patterns.p, 0))]))


def riemannian_spectrum(model, patterns, weights, loss=None):
    """Eigenvalues of the Riemannian Hessian at fixed per-unit norms |w_k| (radial modes removed), ascending.

    Hess = P⊥ (H − Λ) P⊥, Λ = (w_k·∇_{w_k} L/|w_k|²) I on block k, in a tangent basis (docs/landscape.md §2).
    """
    net, theta = as_net(model, weights)
    h = net_hessian(net, theta, patterns, loss)
    _, grad = loss_and_grad(net, theta, patterns, loss)
    blocks = [np.arange(k * net.m, (k + 1) * net.m) for k in range(net.k)]
    ht, _ = riemannian_hessian(h, theta, grad, blocks=blocks)
    return np.linalg.eigvalsh(ht)


__all__ = [
    "local_energy", "hessian", "profile", "LocalEnergy", "noise_scales", "hvp_operator", "hessian_spectrum",
    "riemannian_spectrum", "gram_eigenvalues", "TwoLayer", "as_net", "evaluate", "evaluate_batch", "kink_diagnostics", "loss_and_grad",
    "squared_hinge", "train_gd", "eigenvalues", "lanczos", "lanczos_extreme", "hutchinson", "slq", "slq_density", "smoothed_density",
    "wolkowicz_styan", "wolkowicz_styan_matrix", "ipr", "block_ipr", "riemannian_hessian", "spectrum_summary",
    "DIRECTIONS", "directions", "radial_components", "Profile", "asymmetry", "swa_bias", "sgd_swa",
    "population_loss_1d", "optimal_bias_1d", "sgd_1d", "sgd_1d_bias", "rescale", "rescaling_matrix", "orbit",
    "reparam_report", "format_report", "MEASURES", "REPARAM_TABLE", "Measure", "measure", "measures",
    "register_measure",
]

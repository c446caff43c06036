"""The registry of flatness measures: name → function, with its cost, what it applies to and its invariances.

Every measure is called as ``measure(name, model, patterns, weights, **options)`` and returns a dict with
at least ``"value"`` (a float) plus diagnostics (Hessian measures always carry the ReLU near-kink count
``near_kink`` and ``min_abs_field``). ``model`` is a ``wfm.models`` model (weights as ``wfm.solve``
returns them) or a :class:`~wfm.landscape.TwoLayer` with its flat θ. Invariances refer to the rescaling
symmetries of Dinh et al. (ICML 2017, arXiv:1703.04933), written out in docs/landscape.md §3: G1 = Dinh's
global α, G2 = per-unit rescaling (ReLU/leaky ReLU with a trainable
second layer), S = norm rescaling of a scale-invariant unit; True/False is the claim the tests and
:func:`~wfm.landscape.reparam_report` check, None = not applicable. Experiments and the CLI
(``wfm measure NAME``) go through this registry.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import losses as _losses
from ..core.checks import check_choice, check_float, check_int, check_options
from . import spectral as S
from .energy import local_energy
from .net import TwoLayer, _check_loss, as_net, evaluate, kink_diagnostics, loss_and_grad, net_hessian, net_hvp
from .valleys import asymmetry, directions, profile

__all__ = ["Measure", "MEASURES", "REPARAM_TABLE", "register_measure", "measure", "measures"]


@dataclass(frozen=True)
class Measure:
    name: str
    func: Callable
    applies: str                 # "smooth" (continuous, Hessian-able), "continuous", "binary", "any"
    cost: str
    invariances: dict
    description: str
    options: dict = field(default_factory=dict)
    needs_test: bool = False


MEASURES: dict[str, Measure] = {}

#: the measures of the reparametrization table (docs/landscape.md §3; ``reparam_report``)
REPARAM_TABLE = ("train_loss", "train_error", "lambda_max", "trace", "frobenius", "ws_bound", "eps_sharpness",
                 "local_energy_add", "local_energy_mult", "local_energy_err_mult", "local_energy_layer",
                 "local_energy_unit", "log_hessian_trace", "orbit_min_trace", "fisher_rao")


def register_measure(name, applies, cost, invariances, description, options=None, needs_test=False):
    def deco(func):
        MEASURES[name] = Measure(name, func, applies, cost, dict(invariances), description, dict(options or {}),
                                 needs_test)
        return func
    return deco


def measures() -> dict:
    """name → {applies, cost, invariances, description, options} for listing (``wfm measure list``)."""
    return {k: {"applies": m.applies, "cost": m.cost, "invariances": m.invariances, "description": m.description,
                "options": m.options} for k, m in sorted(MEASURES.items())}


def measure(name, model, patterns, weights, **options):
    """Evaluate registry measure ``name``; unknown names/options raise ValueError/TypeError."""
    check_choice("measure", name, tuple(sorted(MEASURES)))
    m = MEASURES[name]
    check_options(f"measure {name!r}", options, set(m.options) | ({"test"} if m.needs_test else set()))
    binary = (not isinstance(model, TwoLayer)) and model.binary
    if m.applies == "binary" and not binary:
        raise ValueError(f"measure {name!r} needs a model with binary weights")
    if m.applies in ("smooth", "continuous") and binary:
        raise ValueError(f"measure {name!r} needs continuous weights (got a binary model)")
    opts = dict(m.options)
    opts.update(options)
    out = m.func(model, patterns, weights, **opts)
    out["measure"] = name
    return out


# ------------------------------------------------------------------------------------------------
# helpers

G_ALL = {"G1": True, "G2": True, "S": True}
G_NONE = {"G1": False, "G2": False, "S": False}


def _loss(loss):
    if isinstance(loss, dict):
        return _losses.from_description(loss) if loss.get("loss") != "squared_hinge" else None
    if isinstance(loss, str):
        return _losses.cross_entropy(1.0) if loss == "cross_entropy" else _losses.from_description({"loss": loss})
    return _check_loss(loss)


def _kinks(net, theta, patterns):
    k = kink_diagnostics(net, theta, patterns)
    return {"near_kink": k["near_kink"], "min_abs_field": k["min_abs_field"]}


def _dense_ok(net, dense_max):
    return net.n_params <= dense_max


_HOPTS = {"loss": None, "dense_max": 3000}


# ------------------------------------------------------------------------------------------------
# function-space measures


@register_measure("train_loss", "continuous", "one pass O(P n)", {"G1": True, "G2": True, "S": False},
                  "training loss (1/P) Σ ℓ(Δ^μ) (CE is not invariant under a norm change S)", {"loss": None})
def _m_train_loss(model, patterns, weights, loss):
    net, th = as_net(model, weights)
    return {"value": evaluate(net, th, patterns, _loss(loss))["loss"]}


@register_measure("train_error", "any", "one pass O(P n)", G_ALL, "fraction of training errors (Δ ≤ κ)")
def _m_train_error(model, patterns, weights):
    net, th = as_net(model, weights)
    return {"value": evaluate(net, th, patterns)["error"]}


@register_measure("test_error", "any", "one pass O(P_test n)", G_ALL, "fraction of test errors", needs_test=True)
def _m_test_error(model, patterns, weights, test=None):
    if test is None:
        raise ValueError("test_error needs test= (test Patterns)")
    net, th = as_net(model, weights)
    return {"value": evaluate(net, th, test)["error"]}


@register_measure("near_kink", "continuous", "one pass O(P n)", G_ALL,
                  "number of hidden pre-activations with |h| < 1e-6 (where the a.e. ReLU Hessian is unreliable)")
def _m_near_kink(model, patterns, weights):
    net, th = as_net(model, weights)
    k = kink_diagnostics(net, th, patterns)
    return {"value": float(k["near_kink"]), "min_abs_field": k["min_abs_field"], "n_fields": k["n_fields"]}


@register_measure("fisher_rao", "smooth", "one pass O(P n)", {"G1": True, "G2": True, "S": False},
                  "Fisher–Rao norm (1/P) Σ_μ (ℓ'(Δ^μ) σ^μ ⟨θ, ∇_θ f(ξ^μ)⟩)² (Liang et al. 2019)", {"loss": None})
def _m_fisher_rao(model, patterns, weights, loss):
    net, th = as_net(model, weights)
    loss = _loss(loss)
    # ⟨θ, ∇_θ f⟩ by a directional derivative of the fields: exact for any activation
    from .net import _forward
    h, v, phi, dphi, _, f = _forward(net, th, patterns)
    inner = (dphi * h) @ v + (phi @ v if net.train_v else 0.0)
    y = patterns.labels.astype(np.float64)
    g = loss.derivative(y * f) * y
    return {"value": float(np.mean((g * inner) ** 2))}


# ------------------------------------------------------------------------------------------------
# Hessian measures


def _spectral_value(model, patterns, weights, loss, dense_max, what, k_lanczos=1):
    net, th = as_net(model, weights)
    loss = _loss(loss)
    out = _kinks(net, th, patterns)
    if _dense_ok(net, dense_max):
        eigs = np.linalg.eigvalsh(net_hessian(net, th, patterns, loss))
        summ = S.spectrum_summary(eigs)
        out.update(summ)
        out["value"] = summ[what]
        out["method"] = "dense"
    else:
        op = net_hvp(net, th, patterns, loss)
        if what in ("lambda_max", "lambda_min"):
            val = S.lanczos(op, k=k_lanczos, which="LA" if what == "lambda_max" else "SA")
            out["value"] = float(val[-1] if what == "lambda_max" else val[0])
            out["method"] = "lanczos"
        else:
            hu = S.hutchinson(op, n_samples=100)
            n = net.n_params
            vals = {"trace": hu["trace"], "frobenius": math.sqrt(max(hu["trace_sq"], 0)),
                    "trace_sq": hu["trace_sq"],
                    "ws_bound": S.wolkowicz_styan(hu["trace"], hu["trace_sq"], n)["lambda_max_upper"]}
            out["value"] = vals[what]
            out.update({"trace_se": hu["trace_se"], "method": "hutchinson"})
    return out


for _name, _what, _desc in [
    ("lambda_max", "lambda_max", "largest Hessian eigenvalue (dense eigvalsh, or Lanczos above dense_max)"),
    ("lambda_min", "lambda_min", "smallest Hessian eigenvalue (dense eigvalsh, or Lanczos above dense_max)"),
    ("trace", "trace", "tr H (exact dense, or Hutchinson with 100 Rademacher vectors above dense_max)"),
    ("frobenius", "frobenius", "‖H‖_F = √tr H² (dense, or Hutchinson)"),
    ("ws_bound", "ws_bound", "Wolkowicz–Styan bound m + s√(n−1) on λ_max from tr H and tr H² (Omae et al. 2026)"),
]:
    def _make(what):
        def f(model, patterns, weights, loss, dense_max):
            return _spectral_value(model, patterns, weights, loss, dense_max, what)
        return f
    register_measure(_name, "smooth", "dense: O(P n² + n³); Lanczos/Hutchinson: O(P n) per HVP", G_NONE, _desc,
                     _HOPTS)(_make(_what))


@register_measure("hutchinson_trace", "smooth", "n_samples HVPs, O(P n) each", G_NONE,
                  "tr H by Hutchinson (Rademacher) with its standard error", {"loss": None, "n_samples": 100, "seed": 0})
def _m_hutch(model, patterns, weights, loss, n_samples, seed):
    net, th = as_net(model, weights)
    hu = S.hutchinson(net_hvp(net, th, patterns, _loss(loss)), n_samples=n_samples, seed=seed)
    return {"value": hu["trace"], **hu, **_kinks(net, th, patterns)}


@register_measure("log_hessian_trace", "smooth", "O(P n) (diagonal of H)", G_ALL,
                  "Σ_i θ_i² H_ii = tr(diag|θ| H diag|θ|): the second-order term of multiplicative local energy",
                  {"loss": None})
def _m_loghess(model, patterns, weights, loss):
    net, th = as_net(model, weights)
    d = _hess_diag(net, th, patterns, _loss(loss))
    return {"value": float(np.sum(th * th * d)), **_kinks(net, th, patterns)}


def _hess_diag(net, th, patterns, loss):
    """diag H exactly in O(P n): GN part (1/P)Σ c J_i², plus (tanh) residual (1/P)Σ g v_k φ'' ξ_i²/m."""
    from .net import _jacobian, hessian_parts, xi_float
    h, v, phi, dphi, ddphi, c, g = hessian_parts(net, th, patterns, loss)
    jac = _jacobian(net, patterns, h, v, phi, dphi)
    p = h.shape[0]
    d = (c[:, None] * jac * jac).sum(0) / p
    if net.activation == "tanh":
        x2 = xi_float(patterns) ** 2
        for k in range(net.k):
            xk = x2[:, k * net.m:(k + 1) * net.m] if net.tree else x2
            d[k * net.m:(k + 1) * net.m] += (g * v[k] * ddphi[:, k]) @ xk / (p * net.m)
    return d


@register_measure("log_hessian_lambda_max", "smooth", "dense O(P n² + n³)", G_ALL,
                  "λ_max of the log-coordinate Hessian diag|θ| H diag|θ|", _HOPTS)
def _m_loghess_max(model, patterns, weights, loss, dense_max):
    net, th = as_net(model, weights)
    if not _dense_ok(net, dense_max):
        raise ValueError(f"log_hessian_lambda_max is dense only: n_params={net.n_params} > dense_max={dense_max}")
    h = net_hessian(net, th, patterns, _loss(loss))
    a = np.abs(th)
    return {"value": float(np.linalg.eigvalsh(a[:, None] * h * a[None, :])[-1]), **_kinks(net, th, patterns)}


@register_measure("orbit_min_trace", "smooth", "O(P n) (diagonal of H)", {"G1": True, "G2": True, "S": None},
                  "min over per-unit rescalings of tr H = Σ_k 2√(tr H_{W_k W_k} · H_{v_k v_k}) (trainable second layer)",
                  {"loss": None})
def _m_orbit_min(model, patterns, weights, loss):
    net, th = as_net(model, weights)
    if not net.train_v:
        raise ValueError("orbit_min_trace needs a trainable second layer (TwoLayer train_v=True)")
    d = _hess_diag(net, th, patterns, _loss(loss))
    km = net.k * net.m
    tw = d[:km].reshape(net.k, net.m).sum(1)
    tv = d[km:]
    return {"value": float(np.sum(2 * np.sqrt(np.maximum(tw * tv, 0)))), **_kinks(net, th, patterns)}


@register_measure("top_ipr", "smooth", "dense O(P n² + n³)", G_NONE,
                  "inverse participation ratio Σ v_i⁴ of the top Hessian eigenvector (random: 3/(n+2)); also per-unit",
                  _HOPTS)
def _m_ipr(model, patterns, weights, loss, dense_max):
    net, th = as_net(model, weights)
    if _dense_ok(net, dense_max):
        _, vecs = np.linalg.eigh(net_hessian(net, th, patterns, _loss(loss)))
        v = vecs[:, -1]
    else:
        _, vecs = S.lanczos(net_hvp(net, th, patterns, _loss(loss)), k=1, return_vectors=True)
        v = vecs[:, -1]
    return {"value": float(S.ipr(v)), "block_ipr": float(S.block_ipr(v, net.blocks())),
            "random_baseline": 3.0 / (net.n_params + 2), **_kinks(net, th, patterns)}


@register_measure("riemannian_lambda_max", "smooth", "dense O(P n² + n³)", {"G1": None, "G2": None, "S": True},
                  "λ_max of the Riemannian Hessian on the per-unit spheres |w_k| = const (radial modes removed)",
                  {"loss": None, "which": "max"})
def _m_riem(model, patterns, weights, loss, which):
    net, th = as_net(model, weights)
    loss = _loss(loss)
    h = net_hessian(net, th, patterns, loss)
    _, grad = loss_and_grad(net, th, patterns, loss)
    ht, _ = S.riemannian_hessian(h, th, grad, blocks=[np.arange(k * net.m, (k + 1) * net.m) for k in range(net.k)])
    eigs = np.linalg.eigvalsh(ht)
    return {"value": float(eigs[-1] if which == "max" else eigs[0]), "lambda_min": float(eigs[0]),
            "n_tangent": int(ht.shape[0]), **_kinks(net, th, patterns)}


@register_measure("eps_sharpness", "smooth", "restarts × steps gradient evaluations", G_NONE,
                  "Dinh/Keskar ε-sharpness max_{|δ|≤ε} (L(θ+δ) − L(θ))/(1 + L(θ)) by projected gradient ascent",
                  {"loss": None, "eps": 0.5, "steps": 100, "restarts": 3, "lr": None, "seed": 0})
def _m_eps(model, patterns, weights, loss, eps, steps, restarts, lr, seed):
    net, th = as_net(model, weights)
    loss = _loss(loss)
    eps = check_float("eps", eps, positive=True)
    l0 = evaluate(net, th, patterns, loss)["loss"]
    rng = np.random.default_rng(seed)
    best = 0.0
    lr = eps / 10 if lr is None else lr
    for _ in range(check_int("restarts", restarts, min_value=1)):
        d = rng.standard_normal(th.size)
        d *= eps * 0.5 / np.linalg.norm(d)
        for _ in range(check_int("steps", steps, min_value=1)):
            val, g = loss_and_grad(net, th + d, patterns, loss)
            best = max(best, val - l0)
            gn = np.linalg.norm(g)
            if gn == 0:
                break
            d = d + lr * g / gn                       # normalised ascent step, then project onto the ball
            nd = np.linalg.norm(d)
            if nd > eps:
                d *= eps / nd
        best = max(best, evaluate(net, th + d, patterns, loss)["loss"] - l0)
    return {"value": best / (1 + l0), "eps": eps}


# ------------------------------------------------------------------------------------------------
# local energies


def _le(noise, on):
    def f(model, patterns, weights, sigma, n_draws, seed, loss):
        le = local_energy(model, patterns, weights, [sigma], noise=noise, n_draws=n_draws, seed=seed,
                          loss=_loss(loss) if loss is not None else None)
        if on == "loss":
            return {"value": float(le.delta_loss[0]), "se": float(le.loss_se[0]), "sigma": sigma}
        return {"value": float(le.delta_error[0]), "se": float(le.error_se[0]), "sigma": sigma}
    return f


for _noise, _inv in [("add", G_NONE), ("mult", G_ALL), ("unit", {"G1": True, "G2": True, "S": True}),
                     ("layer", {"G1": True, "G2": False, "S": True})]:
    _full = {"add": "additive", "mult": "multiplicative", "unit": "unit", "layer": "layer"}[_noise]
    register_measure(f"local_energy_{_noise}", "continuous", "n_draws passes O(P n)", _inv,
                     f"E_z L(θ + σ s⊙z) − L(θ), {_full} noise (common random numbers from seed)",
                     {"sigma": 0.1, "n_draws": 200, "seed": 0, "loss": None})(_le(_full, "loss"))
    register_measure(f"local_energy_err_{_noise}", "continuous", "n_draws passes O(P n)", _inv,
                     f"E_z E_train(θ + σ s⊙z) − E_train(θ) (error fraction), {_full} noise",
                     {"sigma": 0.3, "n_draws": 200, "seed": 0, "loss": None})(_le(_full, "error"))


@register_measure("local_energy_flip", "binary", "n_draws × (d·n·P) incremental field updates",
                  {"G1": None, "G2": None, "S": None},
                  "training-error increase after flipping a random fraction d of the binary weights",
                  {"d": 0.02, "n_draws": 200, "seed": 0})
def _m_flip(model, patterns, weights, d, n_draws, seed):
    le = local_energy(model, patterns, weights, [d], noise="flip", n_draws=n_draws, seed=seed)
    return {"value": float(le.delta_error[0]), "se": float(le.error_se[0]), "d": d}


# ------------------------------------------------------------------------------------------------
# asymmetric valleys


@register_measure("asymmetry_fraction", "any", "n_dirs × n_t × O(P K) after n_dirs field passes",
                  {"G1": None, "G2": None, "S": None},
                  "fraction of directions of a generator whose train-loss profile has |asymmetry index| > a",
                  {"kind": "gaussian", "n_dirs": 50, "t_max": 1.0, "n_t": 21, "a": 0.1, "seed": 0, "loss": None,
                   "normalize": "weights"})
def _m_asym(model, patterns, weights, kind, n_dirs, t_max, n_t, a, seed, loss, normalize):
    net, th = as_net(model, weights)
    loss = _loss(loss)
    kw = {"patterns": patterns, "loss": loss} if kind == "hessian" else {}
    u = directions(kind, net, th, n=n_dirs, seed=seed, normalize=normalize, **kw)
    ts = np.linspace(-t_max, t_max, 2 * (n_t // 2) + 1)
    pr = profile(net, patterns, th, u, ts, loss=loss)
    st = asymmetry(ts, pr.train_loss)
    return {"value": float(np.mean(np.abs(st["index"]) > a)), "mean_index": float(np.mean(st["index"])),
            "mean_radial": float(np.mean(pr.radial)), "kind": kind}

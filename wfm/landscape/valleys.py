"""Asymmetric valleys (He, Huang, Yuan, NeurIPS 2019): directions, 1-D profiles, asymmetry statistics, SWA bias.

He, Huang & Yuan, "Asymmetric valleys: beyond sharp and flat local minima", NeurIPS 2019, arXiv:1902.00744;
the statistics below are our operational versions of the paper's notion (its formal definition could not be
checked against the paper text); definitions and derivations in docs/landscape.md §5.

* :func:`directions` — direction generators: ``gaussian``, ``tangential`` (per hidden unit
  the component along w_k removed, and along v for a trainable second layer), ``uniform01`` (U(0,1)^n as in
  He et al.'s code), ``sign_consistent`` (|z| ⊙ sign θ, Li et al. 2024), ``filter_normalized`` (each
  block rescaled to |θ_b|, Li et al. 2018), ``hessian`` (top or bottom eigenvectors), ``line`` (θ' − θ).
  Always look at :func:`radial_components`: a direction with u·θ̂ > 0 makes scale-invariant profiles
  asymmetric for purely geometric reasons (docs/landscape.md §5).
* :func:`profile` — L(θ + t u) and the error along each direction, on the training (and test) set; the
  hidden fields are linear in t, h(θ + tu) = h(θ) + t h(u), so each point costs O(P K).
* :func:`asymmetry` — flat side s(u) = sign(φ(−T) − φ(T)), asymmetry index
  A = (φ(−T) − φ(T))/(φ(−T) + φ(T)), odd/even ratio R = Σ|φ(t) − φ(−t)|/Σ|φ(t) + φ(−t)|, slope ratio
  ĉ = min slope on the sharp side / max slope on the flat side (t ≥ r), φ(t) = L(θ + tu) − L(θ).
* :func:`swa_bias` — b_j = ⟨θ_SWA − θ_SGD, u_j⟩ for unit u_j; the fraction of asymmetric
  directions with sign(b_j) = s(u_j), per generator (tangential Gaussian directions are the null ≈ 0.5),
  and the SGD↔SWA line profile θ_SWA + s(θ_SGD − θ_SWA), s ∈ [−2, 3].
* 1-D models with closed forms (docs/landscape.md §5.1): :func:`population_loss_1d`, :func:`optimal_bias_1d`
  (the c/(1+c) quantile of the shift), :func:`sgd_1d` and :func:`sgd_1d_bias`
  (E w̄ = √(2T/π)(a_f^{−1/2} − a_s^{−1/2}), T = ησ²/2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr, ndtri

from ..core.checks import check_choice, check_float, check_int
from . import _kernels as K
from .net import _check_loss, as_net, fields, fields_batch, net_hessian, net_hvp, train_gd

__all__ = ["DIRECTIONS", "directions", "radial_components", "Profile", "profile", "asymmetry", "swa_bias",
           "population_loss_1d", "optimal_bias_1d", "sgd_1d", "sgd_1d_bias"]

DIRECTIONS = ("gaussian", "tangential", "uniform01", "sign_consistent", "filter_normalized", "hessian", "line")


def _tangent_blocks(net):
    km = net.k * net.m
    out = [np.arange(k * net.m, (k + 1) * net.m) for k in range(net.k)]
    if net.train_v:
        out.append(np.arange(km, km + net.k))
    return out


def directions(kind, model, weights, n=1, seed=0, normalize="auto", patterns=None, loss=None, other=None,
               which="LA"):
    """``n`` directions (n, n_params) of the given kind at θ (module docstring).

    normalize: "unit" (|u| = 1), "weights" (|u| = |θ|), None (raw), or "auto" = "unit" except raw for
    ``filter_normalized`` (already on the weights' scale) and ``line`` (t = 1 reaches ``other``).
    ``hessian`` needs ``patterns`` (and a smooth ``loss``); ``which`` = "LA" top / "SA" bottom eigenvectors.
    """
    check_choice("kind", kind, DIRECTIONS)
    check_choice("normalize", normalize, ("auto", "unit", "weights", None))
    net, theta = as_net(model, weights)
    n = check_int("n", n, min_value=1)
    rng = np.random.default_rng(seed)
    npar = net.n_params
    if kind in ("gaussian", "tangential", "sign_consistent", "filter_normalized"):
        u = rng.standard_normal((n, npar))
    if kind == "tangential":
        for b in _tangent_blocks(net):
            tb = theta[b]
            nb2 = tb @ tb
            if nb2 > 0:
                u[:, b] -= np.outer(u[:, b] @ tb / nb2, tb)
    elif kind == "uniform01":
        u = rng.random((n, npar))
    elif kind == "sign_consistent":
        u = np.abs(u) * np.where(theta >= 0, 1.0, -1.0)[None, :]
    elif kind == "filter_normalized":
        for b in net.blocks():
            nz = np.linalg.norm(u[:, b], axis=1, keepdims=True)
            u[:, b] *= np.linalg.norm(theta[b]) / np.where(nz > 0, nz, 1.0)
    elif kind == "hessian":
        if patterns is None:
            raise ValueError("kind='hessian' needs patterns")
        if npar <= 3000:
            vals, vecs = np.linalg.eigh(net_hessian(net, theta, patterns, loss))
            vecs = vecs[:, ::-1] if which == "LA" else vecs
            u = vecs[:, :n].T.copy()
        else:
            from .spectral import lanczos
            _, vecs = lanczos(net_hvp(net, theta, patterns, loss), k=n, which=which, return_vectors=True,
                              seed=seed)
            u = (vecs[:, ::-1] if which == "LA" else vecs).T.copy()
        # eigenvectors have no sign: orient each so that its radial component is >= 0 (reproducible)
        u *= np.where(u @ theta >= 0, 1.0, -1.0)[:, None]
    elif kind == "line":
        if other is None:
            raise ValueError("kind='line' needs other= (the second configuration)")
        _, th2 = as_net(model, other)
        u = np.repeat((th2 - theta)[None, :], n, axis=0)
    if normalize == "auto":
        normalize = None if kind in ("filter_normalized", "line") else "unit"
    if normalize is not None:
        nu = np.linalg.norm(u, axis=1, keepdims=True)
        if np.any(nu == 0):
            raise ValueError("a direction has zero norm; cannot normalize")
        u /= nu
        if normalize == "weights":
            u *= np.linalg.norm(theta)
    return u


def radial_components(model, weights, u):
    """cos(u, θ) overall and per hidden unit (cos(u_{W_k}, w_k)), for directions u (D, n_params)."""
    net, theta = as_net(model, weights)
    u = np.atleast_2d(np.asarray(u, dtype=np.float64))
    glob = u @ theta / (np.linalg.norm(u, axis=1) * np.linalg.norm(theta))
    per = np.empty((u.shape[0], net.k))
    for k in range(net.k):
        b = slice(k * net.m, (k + 1) * net.m)
        nu = np.linalg.norm(u[:, b], axis=1)
        per[:, k] = np.where(nu > 0, u[:, b] @ theta[b] / (np.where(nu > 0, nu, 1) * np.linalg.norm(theta[b])), 0.0)
    return glob, per


@dataclass
class Profile:
    """1-D profiles along D directions at T points: arrays (D, T); errors as fractions of patterns."""

    ts: np.ndarray
    train_loss: np.ndarray
    train_error: np.ndarray
    test_loss: np.ndarray | None
    test_error: np.ndarray | None
    radial: np.ndarray
    radial_units: np.ndarray
    loss: dict = field(default_factory=dict)

    def as_dict(self):
        return {k: getattr(self, k) for k in ("ts", "train_loss", "train_error", "test_loss", "test_error",
                                                "radial", "radial_units", "loss")}


def _profile_arrays(net, theta, patterns, u, ts, loss):
    km = net.k * net.m
    h0 = fields(net, theta, patterns)
    hu = fields_batch(net, u[:, :km].reshape(-1, net.k, net.m), patterns)
    b = np.ascontiguousarray(u[:, km:]) if net.train_v else np.zeros((u.shape[0], net.k))
    _, v0 = net.split(theta)
    y = patterns.labels.astype(np.float64)
    kern = K.pick(K.profile_kernel, K.profile_kernel_serial, hu.size * ts.size)
    lv, er = kern(np.ascontiguousarray(h0), hu, np.ascontiguousarray(v0, dtype=np.float64), b, ts, y,
                              net.acode, net.leak, net.parity, loss.code, loss.param, net.margin)
    return lv, er / patterns.p


def profile(model, patterns, weights, direction, ts, test=None, loss=None):
    """Loss (1/P)Σℓ(Δ^μ) and error fraction at θ + t u for each direction u (rows) and each t.

    ``direction`` (n_params,) or (D, n_params) as returned by :func:`directions` (used as given: choose
    the normalisation there); ``test`` an optional test Patterns; ``loss`` default cross_entropy(γ=1).
    """
    net, theta = as_net(model, weights)
    loss = _check_loss(loss)
    u = np.atleast_2d(np.asarray(direction, dtype=np.float64))
    if u.ndim != 2 or u.shape[1] != net.n_params:
        raise ValueError(f"direction must have shape ({net.n_params},) or (D, {net.n_params}), got {np.shape(direction)}")
    ts = np.ascontiguousarray(np.atleast_1d(np.asarray(ts, dtype=np.float64)))
    if ts.ndim != 1 or not np.all(np.isfinite(ts)):
        raise ValueError("ts must be a 1-d array of finite numbers")
    tl, te = _profile_arrays(net, theta, patterns, u, ts, loss)
    sl = se = None
    if test is not None:
        sl, se = _profile_arrays(net, theta, test, u, ts, loss)
    glob, per = radial_components(net, theta, u)
    return Profile(ts, tl, te, sl, se, glob, per, loss.describe())


def asymmetry(ts, values, r=0.0, c=3.0):
    """Asymmetry statistics of profiles ``values`` (D, T) on a grid symmetric about t = 0 (module docstring).

    Returns dict of (D,) arrays: flat_side (+1: +u is flat), index A(T), odd_even R, slope_ratio ĉ, and
    ``asymmetric`` = ĉ > c.
    """
    ts = np.asarray(ts, dtype=np.float64)
    vals = np.atleast_2d(np.asarray(values, dtype=np.float64))
    i0 = np.flatnonzero(np.isclose(ts, 0.0, atol=1e-12))
    pos = np.flatnonzero(ts > 1e-12)
    pos = pos[np.argsort(ts[pos])]
    neg = np.array([np.flatnonzero(np.isclose(ts, -ts[j], rtol=1e-9, atol=1e-12))[0]
                    if np.any(np.isclose(ts, -ts[j], rtol=1e-9, atol=1e-12)) else -1 for j in pos])
    if i0.size != 1 or pos.size < 2 or np.any(neg < 0):
        raise ValueError("ts must contain 0 and be symmetric about it, with at least 2 positive points")
    phi = vals - vals[:, i0]
    fp, fm = phi[:, pos], phi[:, neg]
    tp = ts[pos]
    diff = fm[:, -1] - fp[:, -1]
    # ties within rounding (|diff| ≤ 1e-12 of the profile's scale) count as symmetric: flat side 0
    flat = np.where(np.abs(diff) <= 1e-12 * np.maximum(np.abs(fm[:, -1]) + np.abs(fp[:, -1]), 1e-300), 0.0,
                    np.sign(diff))
    den = fm[:, -1] + fp[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.where(den != 0, (fm[:, -1] - fp[:, -1]) / den, 0.0)
        oe_den = np.abs(fp + fm).sum(1)
        odd_even = np.where(oe_den > 0, np.abs(fp - fm).sum(1) / oe_den, 0.0)
    # outward slopes on each side, from t = 0 (included) outward, restricted to t >= r
    grid = np.concatenate([[0.0], tp])
    sp = np.diff(np.concatenate([np.zeros((vals.shape[0], 1)), fp], 1), axis=1) / np.diff(grid)
    sm = np.diff(np.concatenate([np.zeros((vals.shape[0], 1)), fm], 1), axis=1) / np.diff(grid)
    keep = grid[1:] > r
    if not np.any(keep):
        raise ValueError(f"r={r} leaves no grid interval")
    sp, sm = sp[:, keep], sm[:, keep]
    flat_slopes = np.where((flat >= 0)[:, None], sp, sm)
    sharp_slopes = np.where((flat >= 0)[:, None], sm, sp)
    with np.errstate(divide="ignore", invalid="ignore"):
        mx = flat_slopes.max(1)
        ratio = np.where(mx > 0, sharp_slopes.min(1) / np.where(mx > 0, mx, 1.0), np.inf)
    return {"flat_side": flat.astype(int), "index": index, "odd_even": odd_even, "slope_ratio": ratio,
            "asymmetric": ratio > c}


def swa_bias(model, patterns, theta_sgd, theta_swa, kinds=("gaussian", "tangential", "sign_consistent", "uniform01"),
             n_dirs=50, t_max=None, n_t=21, seed=0, loss=None, asym_index=0.1, test=None, line_points=51):
    """Is the stochastic weight average biased toward the flat side? (He et al. 2019; our protocol, docs/landscape.md §5)

    For each generator: D unit directions u_j at θ_SGD, train-loss profiles on t ∈ [−t_max, t_max],
    flat side s_j, asymmetry index A_j, bias b_j = ⟨θ_SWA − θ_SGD, u_j⟩. Reports the fraction of
    asymmetric directions (|A_j| > ``asym_index``) with sign(b_j) = s_j, its binomial standard error, and
    mean |b_j|. The ``tangential`` row is the null (expected ≈ 0.5 when tangential valleys are symmetric).
    Also the line profile θ_SWA + s (θ_SGD − θ_SWA) for s ∈ [−2, 3] (He et al. ``interpulation.py``).
    """
    net, th_sgd = as_net(model, theta_sgd)
    _, th_swa = as_net(model, theta_swa)
    loss = _check_loss(loss)
    n_dirs = check_int("n_dirs", n_dirs, min_value=1)
    d = th_swa - th_sgd
    if t_max is None:
        t_max = 4 * max(np.linalg.norm(d), 1e-3)
    ts = np.linspace(-t_max, t_max, 2 * (n_t // 2) + 1)
    rows = {}
    for i, kind in enumerate(kinds):
        kw = {"patterns": patterns, "loss": loss} if kind == "hessian" else {}
        u = directions(kind, net, th_sgd, n=n_dirs, seed=[seed, i], normalize="unit", **kw)
        pr = profile(net, patterns, th_sgd, u, ts, loss=loss)
        st = asymmetry(ts, pr.train_loss)
        b = u @ d
        asym = np.abs(st["index"]) > asym_index
        agree = np.sign(b[asym]) == st["flat_side"][asym]
        na = int(asym.sum())
        frac = float(agree.mean()) if na else float("nan")
        rows[kind] = {"n_dirs": n_dirs, "n_asymmetric": na, "fraction_flat_side": frac,
                      "fraction_se": math.sqrt(frac * (1 - frac) / na) if na else float("nan"),
                      "mean_abs_bias": float(np.mean(np.abs(b))), "mean_abs_index": float(np.mean(np.abs(st["index"]))),
                      "mean_radial": float(np.mean(pr.radial))}
    s = np.linspace(-2.0, 3.0, line_points)
    line = profile(net, patterns, th_swa, (th_sgd - th_swa)[None, :], s, test=test, loss=loss)
    return {"directions": rows, "line": {"s": s, "train_loss": line.train_loss[0], "train_error": line.train_error[0],
                                         "test_loss": None if test is None else line.test_loss[0],
                                         "test_error": None if test is None else line.test_error[0]},
            "distance": float(np.linalg.norm(d)), "ts": ts}


def sgd_swa(model, patterns, theta0, loss=None, lr=0.1, steps=2000, batch_size=32, average_from=None, seed=0):
    """Mini-batch SGD then iterate averaging from ``average_from`` (default steps // 2): θ_SGD (last), θ_SWA."""
    net, theta = as_net(model, theta0)
    if average_from is None:
        average_from = steps // 2
    out = train_gd(net, theta, patterns, loss, lr=lr, steps=steps, batch_size=batch_size, seed=seed,
                   average_from=average_from)
    return out["theta"], out["theta_avg"], out


# ------------------------------------------------------------------------------------------------
# 1-D models with closed forms (derivations in docs/landscape.md §5.1)


def population_loss_1d(x, p=1.0, c=5.0, s=1.0):
    """E_δ f(x − δ), δ ~ N(0, s²), for f(y) = p y (y ≥ 0), −c p y (y < 0):  p(1+c)[xΦ(x/s) + sφ(x/s)] − c p x."""
    x = np.asarray(x, dtype=np.float64)
    z = x / s
    ypos = x * ndtr(z) + s * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return p * (1 + c) * ypos - c * p * x


def optimal_bias_1d(c=5.0, s=1.0):
    """argmin_x of :func:`population_loss_1d`: the c/(1+c) quantile of the shift, x* = s Φ⁻¹(c/(1+c))."""
    c = check_float("c", c, positive=True)
    return float(s * ndtri(c / (1 + c)))


def sgd_1d(a_flat=1.0, a_sharp=10.0, eta=0.01, sigma=1.0, steps=1_000_000, burn=10_000, seed=0):
    """Simulate w ← w − η(f'(w) + ξ) on the piecewise quadratic valley; returns (mean of iterates, mean of w²)."""
    rng = np.random.default_rng(seed)
    return K.sgd_1d_kernel(float(a_flat), float(a_sharp), float(eta), float(sigma), int(steps), int(burn), rng)


def sgd_1d_bias(a_flat=1.0, a_sharp=10.0, eta=0.01, sigma=1.0):
    """Gibbs (small-η) prediction E[w̄] = √(2T/π)(a_f^{−1/2} − a_s^{−1/2}), T = ησ²/2 (docs/landscape.md §5.1)."""
    t = eta * sigma ** 2 / 2
    return math.sqrt(2 * t / math.pi) * (a_flat ** -0.5 - a_sharp ** -0.5)

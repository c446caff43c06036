"""Converged minimizers: the cross-entropy on the sphere, the max-margin perceptron, a regularized two-layer net.

The figures compare flatness measures *at minimizers*; a point where a stochastic solver stopped is not one
(its loss may still be falling). These routines return configurations whose gradient norm is stated:

* :func:`sphere_ce_minimizer` -- the spherical perceptron, Δ^μ = σ^μ ξ^μ·w/√N, |w|² = N, minimizing the
  cross-entropy L_γ(w) = (1/P) Σ_μ f_γ(Δ^μ), f_γ(Δ) = (1/2γ) ln(1 + e^{−2γΔ}) (Baldassi, Pittorino & Zecchina
  2020, arXiv:1905.07833, eq. 4): L-BFGS on the scale-free parametrization w = √N x/|x|, then Riemannian Newton
  steps on the sphere until the Riemannian gradient |P⊥∇L| is ≤ ``gtol``;
* :func:`max_margin_perceptron` -- the maximal-stability perceptron (Krauth & Mézard 1987), κ_max =
  max_{|w|²=N} min_μ Δ^μ, from the dual of min |v|² s.t. Δ^μ(v) ≥ 1, polished on its support so that the
  Karush–Kuhn–Tucker conditions hold to round-off;
* :func:`minimize_net` -- L-BFGS on a :class:`wfm.landscape.TwoLayer` objective L(θ) + (λ/2)|θ|² (weight decay
  makes the minimizer of the cross-entropy of separable data finite), to |∇| ≤ ``gtol``.

The Riemannian Newton step (docs/landscape.md §7), on F = ln L_γ: with g = P⊥∇F, the Riemannian Hessian on the
tangent space is Hess = P⊥(∇²F − (w·∇F/|w|²) I)P⊥; the step η solves (Hess + w wᵀ/|w|²) η = −g (the added radial
block makes the system regular and leaves η ⊥ w), then w ← √N (w + tη)/|w + tη| (t halved until F decreases).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize, special

from ..core.checks import check_float, check_int

__all__ = ["SphereMinimum", "sphere_ce_minimizer", "max_margin_perceptron", "minimize_net", "pattern_matrix"]


def pattern_matrix(patterns) -> np.ndarray:
    """X with rows σ^μ ξ^μ/√N, so that the perceptron stabilities are Δ = X w (float64, shape (P, N))."""
    xi = np.asarray(patterns.xi, dtype=np.float64)
    return xi * (np.asarray(patterns.labels, dtype=np.float64)[:, None] / math.sqrt(xi.shape[1]))


@dataclass
class SphereMinimum:
    """A configuration on the sphere |w|² = N and its certificates."""

    weights: np.ndarray
    loss: float
    grad_norm: float          # |P⊥ ∇F|, F = ln L (Riemannian gradient, relative to the loss)
    hess_min: float           # smallest eigenvalue of the Riemannian Hessian of F on the tangent space (> 0: minimum)
    kappa_min: float          # min_μ Δ^μ
    iterations: int           # L-BFGS iterations + Newton steps
    newton_steps: int
    converged: bool


class _CE:
    """f_γ and its derivatives written so that tiny losses keep their relative precision (large γΔ):
    f = ln(1 + e^{−2γΔ})/2γ, f' = −expit(−2γΔ), f'' = 2γ expit(2γΔ) expit(−2γΔ) (the values of
    :func:`wfm.losses.cross_entropy`, whose form −Δ/2 + ln 2cosh(γΔ)/2γ cancels to round-off there)."""

    def __init__(self, gamma):
        self.g = gamma

    def value(self, d):
        return np.logaddexp(0.0, -2.0 * self.g * d) / (2.0 * self.g)

    def derivative(self, d):
        return -special.expit(-2.0 * self.g * d)

    def second_derivative(self, d):
        return 2.0 * self.g * special.expit(2.0 * self.g * d) * special.expit(-2.0 * self.g * d)


def _ce_parts(X, w, loss):
    d = X @ w
    return d, float(np.mean(loss.value(d))), X.T @ loss.derivative(d) / X.shape[0]


def _riemannian(X, w, loss):
    """(Δ, F = ln L, Riemannian gradient of F, Riemannian Hessian of F, w·∇F/|w|²) at w."""
    d, val, g = _ce_parts(X, w, loss)
    n = w.size
    w2 = w @ w
    g = g / val
    lam = (w @ g) / w2
    gr = g - lam * w
    h = (X.T * (loss.second_derivative(d) / (X.shape[0] * val))) @ X - np.outer(g, g)
    pp = np.eye(n) - np.outer(w, w) / w2
    hr = pp @ (h - lam * np.eye(n)) @ pp
    return d, val, gr, hr, lam


def sphere_ce_minimizer(patterns, gamma, w0=None, gtol=1e-8, max_newton=50, lbfgs_gtol=1e-7, max_lbfgs=5000):
    """Minimize L_γ(w) = (1/P) Σ_μ f_γ(σ^μ ξ^μ·w/√N) on the sphere |w|² = N (module docstring).

    The objective handed to the solvers is F = ln L_γ (same minimizers): L_γ falls like e^{−2γκ} at large γ, so
    a gradient tolerance on L itself would stop at once there; on F it is relative, |P⊥∇L|/L ≤ ``gtol``.
    ``w0``: the start (default the Hebbian w ∝ Σ_μ σ^μ ξ^μ). Returns a :class:`SphereMinimum` (``loss`` = L_γ,
    ``grad_norm`` and ``hess_min`` of F); ``converged`` is True when the Riemannian gradient norm of F is
    ≤ ``gtol`` and its Riemannian Hessian is positive definite on the tangent space (a strict local minimum).
    """
    gamma = check_float("gamma", gamma, positive=True)
    gtol = check_float("gtol", gtol, positive=True)
    max_newton = check_int("max_newton", max_newton, min_value=0)
    loss = _CE(gamma)
    X = pattern_matrix(patterns)
    n = X.shape[1]
    x = X.sum(0) if w0 is None else np.asarray(w0, dtype=np.float64).reshape(-1).copy()
    if x.shape != (n,) or not np.all(np.isfinite(x)) or np.linalg.norm(x) == 0:
        raise ValueError(f"w0 must be {n} finite numbers, not all zero")
    sq = math.sqrt(n)

    def fg(x):
        r = np.linalg.norm(x)
        w = sq * x / r
        _, val, g = _ce_parts(X, w, loss)
        g = g / val  # F = ln L: the same minimizer, a gradient on the scale of the loss at every γ
        gx = (sq / r) * (g - (g @ w) * w / n)  # chain rule through w = √N x/|x|
        return math.log(val), gx

    res = optimize.minimize(fg, x, jac=True, method="L-BFGS-B",
                            options={"gtol": lbfgs_gtol, "ftol": 0.0, "maxiter": max_lbfgs, "maxcor": 30})
    w = sq * res.x / np.linalg.norm(res.x)
    iters = int(res.nit)
    steps = 0
    d, val, gr, hr, _ = _riemannian(X, w, loss)
    fval = math.log(val)
    while np.linalg.norm(gr) > gtol and steps < max_newton:
        m = hr + np.outer(w, w) / (w @ w)
        try:
            c = linalg.cho_factor(m)
            eta = -linalg.cho_solve(c, gr)
        except linalg.LinAlgError:  # not positive definite: a gradient step instead
            eta = -gr
        t = 1.0
        while True:  # backtracking on the retraction (a full Newton step is accepted near the minimum)
            wn = w + t * eta
            wn *= sq / np.linalg.norm(wn)
            fn = math.log(float(np.mean(loss.value(X @ wn))))
            if fn <= fval + 1e-4 * t * (gr @ eta) or t < 1e-10:
                break
            t *= 0.5
        w = wn
        steps += 1
        d, val, gr, hr, _ = _riemannian(X, w, loss)
        fval = math.log(val)
    pp = np.eye(n) - np.outer(w, w) / (w @ w)
    ev = np.linalg.eigvalsh(hr + 1e3 * (np.eye(n) - pp))  # radial direction pushed to the top
    gn = float(np.linalg.norm(gr))
    return SphereMinimum(w, val, gn, float(ev[0]), float(d.min()), iters + steps, steps,
                         bool(gn <= gtol and ev[0] > 0))


def max_margin_perceptron(patterns, tol=1e-10, max_iter=20000):
    """Maximal-stability perceptron on the sphere (Krauth & Mézard 1987, J. Phys. A 20, L745).

    Primal: min |v|² s.t. Δ^μ(v) = σ^μ ξ^μ·v/√N ≥ 1; then w = √N v/|v| and κ_max = √N/|v|. Dual: min_{a ≥ 0}
    ½ aᵀ G a − Σ a, G = X Xᵀ, v = Xᵀ a, solved by L-BFGS-B and then polished on its support S (G_SS a_S = 1).
    Returns (w, κ_max, KKT residual = max(|Δ_S − 1|, max(0, 1 − min Δ))); ValueError if the patterns are not
    linearly separable through the origin (the dual is unbounded).
    """
    X = pattern_matrix(patterns)
    G = X @ X.T
    p, n = X.shape

    def fg(a):
        ga = G @ a
        return 0.5 * a @ ga - a.sum(), ga - 1.0

    res = optimize.minimize(fg, np.full(p, 1.0 / p), jac=True, method="L-BFGS-B", bounds=[(0, None)] * p,
                            options={"gtol": tol, "ftol": 0.0, "maxiter": max_iter, "maxcor": 30})
    a = res.x
    if not np.all(np.isfinite(a)) or res.fun < -1e8:
        raise ValueError("patterns: not linearly separable through the origin (the max-margin dual is unbounded)")
    for _ in range(20):  # active-set polish: support vectors have Δ = 1 exactly
        s = a > 1e-9 * max(a.max(), 1e-300)
        a_s = np.linalg.lstsq(G[np.ix_(s, s)], np.ones(s.sum()), rcond=None)[0]
        a = np.zeros(p)
        a[np.flatnonzero(s)] = np.maximum(a_s, 0.0)
        dl = G @ a
        viol = (~s) & (dl < 1 - 1e-12)
        if not viol.any() and np.all(a_s > 0):
            break
        if viol.any():  # add the most violated constraint and solve again
            a[np.argmin(np.where(viol, dl, np.inf))] = 1e-6
    v = X.T @ a
    dv = X @ v
    kkt = float(max(np.max(np.abs(dv[a > 0] - 1.0)), max(0.0, 1.0 - dv.min())))
    nv = np.linalg.norm(v)
    if not nv > 0 or dv.min() <= 0:
        raise ValueError("patterns: not linearly separable through the origin")
    return math.sqrt(n) * v / nv, math.sqrt(n) / nv, kkt


def minimize_net(net, theta0, patterns, loss=None, weight_decay=0.0, gtol=1e-8, max_iter=20000, max_newton=20):
    """L-BFGS on E(θ) = (1/P) Σ_μ ℓ(Δ^μ) + (λ/2)|θ|² (λ = ``weight_decay``) for a :class:`TwoLayer` net.

    For a smooth net (tanh, identity) with ≤ 3000 parameters, up to ``max_newton`` Newton steps on the dense
    Hessian (+ λI) follow, each kept only if E does not rise. Returns a dict: ``theta``, ``objective`` E(θ),
    ``grad_norm`` |∇E|, ``iterations``, ``newton_steps``, ``converged`` (|∇E| ≤ ``gtol``). The ReLU objective is piecewise smooth; at a minimizer away from the kinks (see
    :func:`wfm.landscape.kink_diagnostics`) the gradient norm certifies it.
    """
    from .net import _check_loss, loss_and_grad

    loss = _check_loss(loss)
    lam = check_float("weight_decay", weight_decay)
    if lam < 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
    theta = net.check_theta(theta0).astype(np.float64).copy()

    def fg(th):
        val, g = loss_and_grad(net, th, patterns, loss)
        return val + 0.5 * lam * th @ th, g + lam * th

    res = optimize.minimize(fg, theta, jac=True, method="L-BFGS-B",
                            options={"gtol": gtol, "ftol": 0.0, "maxiter": max_iter, "maxcor": 30})
    th = res.x
    val, g = fg(th)
    steps = 0
    if net.activation in ("tanh", "identity") and net.n_params <= 3000:
        # Newton polish of a smooth objective (dense Hessian + λI), accepted only while E decreases
        from .net import net_hessian

        while np.linalg.norm(g) > gtol and steps < max_newton:
            h = net_hessian(net, th, patterns, loss) + lam * np.eye(th.size)
            try:
                step = -linalg.cho_solve(linalg.cho_factor(h), g)
            except linalg.LinAlgError:
                break
            v2, g2 = fg(th + step)
            if not v2 <= val + 1e-12 * abs(val):
                break
            th, val, g = th + step, v2, g2
            steps += 1
    gn = float(np.linalg.norm(g))
    return {"theta": th, "objective": float(val), "grad_norm": gn, "iterations": int(res.nit) + steps,
            "newton_steps": steps, "converged": bool(gn <= gtol)}

"""Spectral tools for Hessians (dense matrices or Hessian-vector-product operators).

* :func:`eigenvalues` — dense ``numpy.linalg.eigvalsh`` (all eigenvalues).
* :func:`lanczos` — top-k / bottom-k eigenpairs by implicitly restarted Lanczos
  (``scipy.sparse.linalg.eigsh`` on a LinearOperator, which="LA"/"SA": the *algebraic* extremes, not
  the largest |λ| that power iteration would find).
* :func:`hutchinson` — tr H ≈ (1/m) Σ_j z_jᵀ H z_j with Rademacher z (and tr H² ≈ (1/m) Σ |H z_j|²),
  with standard errors; variance of one draw 2(‖H‖_F² − Σ H_ii²) (Hutchinson 1990).
* :func:`slq_density` — stochastic Lanczos quadrature (Ghorbani et al. 2019; PyHessian ``density``):
  k Lanczos steps (full re-orthogonalisation) from a random unit v give T_k = Q diag(θ_j) Qᵀ; nodes θ_j,
  weights τ_j = Q_{1j}²; density φ(t) = (1/n_v) Σ_l Σ_j τ_j^{(l)} g_σ(t − θ_j^{(l)}).
* :func:`wolkowicz_styan` — with m = tr A/n, s² = tr A²/n − m² (Wolkowicz & Styan 1980):
  m + s/√(n−1) ≤ λ_max ≤ m + s√(n−1),  m − s√(n−1) ≤ λ_min ≤ m − s/√(n−1)  (Linear Algebra Appl. 29, 471).
* :func:`ipr` — inverse participation ratio Σ_i v_i⁴ of unit vectors (E = 3/(n+2) for random ones), and
  the block version Σ_b (Σ_{i∈b} v_i²)² (which hidden unit carries the curvature; docs/landscape.md §6).
* :func:`riemannian_hessian` — on the product of spheres |w_b|² = const, the Hessian restricted to the
  tangent space, P⊥ (H − Λ) P⊥ with Λ = λ_b I on block b, λ_b = w_b·∇_b L / |w_b|², written in an
  orthonormal basis of the tangent space (the radial modes removed; derivation in docs/landscape.md §2).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.sparse.linalg import LinearOperator, aslinearoperator, eigsh

from ..core.checks import check_choice, check_int

__all__ = ["eigenvalues", "lanczos", "lanczos_extreme", "hutchinson", "slq", "slq_density", "wolkowicz_styan", "ipr", "block_ipr",
           "riemannian_hessian", "spectrum_summary"]


def _sym(a):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"matrix must be square, got shape {a.shape}")
    return a


def eigenvalues(h):
    """All eigenvalues of a symmetric matrix, ascending (``numpy.linalg.eigvalsh``)."""
    return np.linalg.eigvalsh(_sym(h))


def _op(h):
    if isinstance(h, LinearOperator):
        return h
    if hasattr(h, "shape") and getattr(h, "ndim", 2) == 2:
        return aslinearoperator(_sym(h))
    raise TypeError("h must be a square array or a scipy LinearOperator")


def lanczos(h, k=1, which="LA", tol=1e-8, seed=0, return_vectors=False, maxiter=None, ncv=None):
    """k algebraically largest ("LA") or smallest ("SA") eigenvalues (ascending) by Lanczos (ARPACK eigsh)."""
    check_choice("which", which, ("LA", "SA"))
    op = _op(h)
    n = op.shape[0]
    k = check_int("k", k, min_value=1)
    if k >= n:
        raise ValueError(f"k must be < n = {n} for Lanczos; use eigenvalues() for the full spectrum")
    v0 = np.random.default_rng(seed).standard_normal(n)
    out = eigsh(op, k=k, which=which, tol=tol, v0=v0, return_eigenvectors=return_vectors, maxiter=maxiter,
                ncv=ncv)
    if return_vectors:
        vals, vecs = out
        o = np.argsort(vals)
        return vals[o], vecs[:, o]
    return np.sort(out)


def lanczos_extreme(h, k=1, which="LA", tol=1e-4, max_steps=300, seed=0):
    """Extreme eigenvalues by plain Lanczos with full re-orthogonalisation and a residual stopping rule.

    After j steps, T_j = Qᵀ H Q has Ritz pairs (θ_i, Q s_i) with residual |H Q s_i − θ_i Q s_i| = β_j |s_i[j]|;
    stop when the k wanted residuals are ≤ tol·max|θ|. The eigenvalue error is then O(residual²/gap),
    far below ``tol``. Without
    ARPACK's restarts this needs fewer products than :func:`lanczos` for one or a few extremes (the cost
    is the O(n j) memory of the basis). Returns dict(values (ascending), residuals, steps, converged).
    """
    check_choice("which", which, ("LA", "SA"))
    op = _op(h)
    n = op.shape[0]
    k = check_int("k", k, min_value=1)
    max_steps = min(check_int("max_steps", max_steps, min_value=k + 1), n)
    q = np.zeros((max_steps + 1, n))
    v = np.random.default_rng(seed).standard_normal(n)
    q[0] = v / np.linalg.norm(v)
    alpha, beta = [], []
    vals, res, conv = None, None, False
    for j in range(max_steps):
        w = op.matvec(q[j])
        alpha.append(q[j] @ w)
        w = w - q[: j + 1].T @ (q[: j + 1] @ w)
        w = w - q[: j + 1].T @ (q[: j + 1] @ w)
        b = float(np.linalg.norm(w))
        t = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
        th, sv = np.linalg.eigh(t)
        sel = slice(-k, None) if which == "LA" else slice(0, k)
        vals, res = th[sel], b * np.abs(sv[-1, sel])
        scale = max(np.abs(th).max(), 1e-300)
        if j + 1 >= k and (np.all(res <= tol * scale) or b < 1e-14 * scale):
            conv = True
            break
        beta.append(b)
        q[j + 1] = w / b
    return {"values": np.sort(vals), "residuals": res, "steps": len(alpha), "converged": conv}


def _rademacher(rng, n):
    return rng.integers(0, 2, size=n).astype(np.float64) * 2 - 1


def hutchinson(h, n_samples=100, seed=0):
    """Hutchinson estimates of tr H and tr H² from the same Rademacher draws: dict with means and stderrs."""
    op = _op(h)
    n = op.shape[0]
    m = check_int("n_samples", n_samples, min_value=2)
    rng = np.random.default_rng(seed)
    t1 = np.empty(m)
    t2 = np.empty(m)
    for j in range(m):
        z = _rademacher(rng, n)
        hz = op.matvec(z)
        t1[j] = z @ hz
        t2[j] = hz @ hz
    return {"trace": float(t1.mean()), "trace_se": float(t1.std(ddof=1) / math.sqrt(m)),
            "trace_sq": float(t2.mean()), "trace_sq_se": float(t2.std(ddof=1) / math.sqrt(m)), "n_samples": m}


def _lanczos_tridiag(op, v, steps):
    """``steps`` Lanczos steps with full re-orthogonalisation; returns (alpha, beta) of T."""
    n = v.shape[0]
    q = np.zeros((steps, n))
    alpha = np.zeros(steps)
    beta = np.zeros(max(steps - 1, 0))
    q[0] = v / np.linalg.norm(v)
    for j in range(steps):
        w = op.matvec(q[j])
        alpha[j] = q[j] @ w
        w = w - q[: j + 1].T @ (q[: j + 1] @ w)      # full re-orthogonalisation (twice is enough)
        w = w - q[: j + 1].T @ (q[: j + 1] @ w)
        if j + 1 < steps:
            b = np.linalg.norm(w)
            if b < 1e-12 * max(1.0, abs(alpha[j])):   # invariant subspace found: stop early
                return alpha[: j + 1], beta[:j]
            beta[j] = b
            q[j + 1] = w / b
    return alpha, beta


def slq(h, n_vectors=10, steps=80, seed=0):
    """Stochastic Lanczos quadrature nodes θ (n_v, ≤k) and weights τ (rows sum to 1) (module docstring)."""
    op = _op(h)
    n = op.shape[0]
    n_vectors = check_int("n_vectors", n_vectors, min_value=1)
    steps = min(check_int("steps", steps, min_value=1), n)
    rng = np.random.default_rng(seed)
    nodes, weights = [], []
    for _ in range(n_vectors):
        a, b = _lanczos_tridiag(op, rng.standard_normal(n), steps)
        t = np.diag(a) + np.diag(b, 1) + np.diag(b, -1)
        th, qq = np.linalg.eigh(t)
        nodes.append(th)
        weights.append(qq[0] ** 2)
    width = max(len(x) for x in nodes)
    node_arr = np.full((n_vectors, width), np.nan)
    w_arr = np.zeros((n_vectors, width))
    for i, (th, tau) in enumerate(zip(nodes, weights)):
        node_arr[i, : len(th)] = th
        w_arr[i, : len(th)] = tau
    return node_arr, w_arr


def slq_density(h, grid=None, sigma=None, n_vectors=10, steps=80, seed=0, n_grid=400):
    """Spectral density φ(t) by SLQ with Gaussian smoothing of width σ; returns dict(grid, density, nodes, weights).

    ∫ φ = 1 and the j-th moment of the quadrature equals tr(Hʲ)/n in expectation for j < 2k.
    """
    nodes, weights = slq(h, n_vectors, steps, seed)
    lo, hi = np.nanmin(nodes), np.nanmax(nodes)
    span = max(hi - lo, 1e-12)
    if sigma is None:
        sigma = span / 100
    if grid is None:
        grid = np.linspace(lo - 5 * sigma, hi + 5 * sigma, n_grid)
    grid = np.asarray(grid, dtype=np.float64)
    ok = np.isfinite(nodes)
    th, tau = nodes[ok], weights[ok]
    dens = (tau[None, :] * np.exp(-0.5 * ((grid[:, None] - th[None, :]) / sigma) ** 2)).sum(1)
    dens /= n_vectors * sigma * math.sqrt(2 * math.pi)
    return {"grid": grid, "density": dens, "nodes": nodes, "weights": weights, "sigma": sigma}


def smoothed_density(eigs, grid, sigma):
    """The same Gaussian-smoothed density from exact eigenvalues (reference for SLQ)."""
    eigs = np.asarray(eigs, dtype=np.float64)
    g = np.exp(-0.5 * ((np.asarray(grid)[:, None] - eigs[None, :]) / sigma) ** 2)
    return g.sum(1) / (eigs.size * sigma * math.sqrt(2 * math.pi))


def wolkowicz_styan(trace, trace_sq, n):
    """Wolkowicz–Styan bounds from tr A, tr A² and n (module docstring): dict with the four bounds."""
    n = check_int("n", n, min_value=2)
    m = trace / n
    s = math.sqrt(max(trace_sq / n - m * m, 0.0))
    r = math.sqrt(n - 1)
    return {"lambda_max_upper": m + s * r, "lambda_max_lower": m + s / r,
            "lambda_min_upper": m - s / r, "lambda_min_lower": m - s * r, "mean": m, "std": s}


def wolkowicz_styan_matrix(h):
    h = _sym(h)
    return wolkowicz_styan(float(np.trace(h)), float(np.sum(h * h)), h.shape[0])


def ipr(vectors):
    """IPR(v) = Σ_i v_i⁴ / (Σ_i v_i²)² for each column of ``vectors`` (n,) or (n, k)."""
    v = np.asarray(vectors, dtype=np.float64)
    v2 = v * v
    return (v2 * v2).sum(0) / v2.sum(0) ** 2


def block_ipr(vectors, blocks):
    """Σ_b (Σ_{i∈b} v_i²)² / |v|⁴ over index blocks (e.g. :meth:`TwoLayer.blocks`): which unit carries v."""
    v = np.asarray(vectors, dtype=np.float64)
    v2 = v * v
    tot = v2.sum(0)
    return sum((v2[b].sum(0)) ** 2 for b in blocks) / tot ** 2


def _householder_tangent(w):
    """Orthonormal basis (n, n−1) of the plane ⟂ w (Householder reflector mapping ŵ to e_1)."""
    n = w.shape[0]
    e = np.zeros(n)
    e[0] = 1.0
    what = w / np.linalg.norm(w)
    u = what - e if what[0] <= 0 else what + e
    u /= np.linalg.norm(u)
    q = np.eye(n) - 2 * np.outer(u, u)
    return q[:, 1:]


def riemannian_hessian(h, w, grad, blocks=None):
    """Riemannian Hessian on a product of spheres |w_b| = const, in a tangent basis (radial modes removed).

    For a tangent vector u (u_b ⟂ w_b): uᵀ Hess u = uᵀ H u − Σ_b λ_b |u_b|²,  λ_b = w_b·∇_b L/|w_b|².
    ``blocks`` = list of index arrays (default: one sphere). Coordinates outside every block (e.g. a
    trainable second layer) are kept unconstrained. Returns (H_t (d, d), basis (n, d)).
    """
    h = _sym(h)
    w = np.asarray(w, dtype=np.float64).ravel()
    grad = np.asarray(grad, dtype=np.float64).ravel()
    n = h.shape[0]
    if w.shape != (n,) or grad.shape != (n,):
        raise ValueError("w and grad must have the Hessian's dimension")
    if blocks is None:
        blocks = [np.arange(n)]
    cols = []
    lam = np.zeros(n)
    covered = np.zeros(n, bool)
    for b in blocks:
        b = np.asarray(b)
        wb = w[b]
        lam[b] = wb @ grad[b] / (wb @ wb)
        tb = _householder_tangent(wb)
        c = np.zeros((n, tb.shape[1]))
        c[b] = tb
        cols.append(c)
        covered[b] = True
    for i in np.flatnonzero(~covered):
        c = np.zeros((n, 1))
        c[i, 0] = 1.0
        cols.append(c)
    basis = np.concatenate(cols, axis=1)
    ht = basis.T @ (h - np.diag(lam)) @ basis
    return 0.5 * (ht + ht.T), basis


def spectrum_summary(eigs, threshold=None):
    """λ_max, λ_min, trace, tr H², Frobenius norm, WS bound, #negative, fraction above ``threshold``."""
    eigs = np.sort(np.asarray(eigs, dtype=np.float64))
    n = eigs.size
    tr, tr2 = float(eigs.sum()), float((eigs ** 2).sum())
    out = {"lambda_max": float(eigs[-1]), "lambda_min": float(eigs[0]), "trace": tr, "trace_sq": tr2,
           "frobenius": math.sqrt(tr2), "n_negative": int(np.count_nonzero(eigs < -1e-12 * max(1, abs(eigs).max()))),
           "n": n}
    if n >= 2:
        out["ws_bound"] = wolkowicz_styan(tr, tr2, n)["lambda_max_upper"]
    if threshold is not None:
        out["fraction_above"] = float(np.mean(eigs > threshold))
    return out

"""Numba kernels of :mod:`wfm.landscape` (the public functions validate, convert and allocate).

Conventions shared with :mod:`wfm.landscape.net`:

* a two-layer net has K units of m inputs; unit k sees the inputs ``off_k … off_k + m − 1`` with
  ``off_k = k·m`` for a tree (disjoint receptive fields) and 0 for a fully connected net;
  h_k = Σ_i W_ki ξ_{off_k+i} / √m,   f = Σ_k v_k φ(h_k),  or  f = Π_k sign(h_k) when ``parity`` is True;
* activations φ: the members of :class:`wfm.core.codes.Activation` (IDENTITY, RELU, LEAKY_RELU with slope
  ``leak`` for h < 0, TANH, SIGN); derivatives at the kink are taken from the left, φ'(0) = 0 for ReLU,
  = leak for leaky ReLU, as in :func:`wfm.losses.gradient`;
* losses ℓ: the members of :class:`wfm.core.codes.LossCode` (ERROR, HINGE, CROSS_ENTROPY of
  :mod:`wfm.losses`, and SQUARED_HINGE ℓ(Δ) = ½ max(0, κ − Δ)²).

Every kernel has a slow NumPy reference: the table ``KERNEL_REFERENCES`` of ``tests/test_landscape.py``.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..losses import loss_value
from ..kernels.fields import preactivation
from ..core.codes import Activation, LossCode



@nb.njit(cache=True, nogil=True, inline="always")
def act(code, leak, h):
    """φ(h)."""
    if code == Activation.IDENTITY:
        return h
    if code == Activation.RELU:
        return h if h > 0 else 0.0
    if code == Activation.LEAKY_RELU:
        return h if h > 0 else leak * h
    if code == Activation.TANH:
        return math.tanh(h)
    return 1.0 if h > 0 else (-1.0 if h < 0 else 0.0)


@nb.njit(cache=True, nogil=True)
def lval(code, param, x):
    """ℓ(x) for a wfm.losses code, or ½ max(0, κ − x)² for LossCode.SQUARED_HINGE."""
    if code == LossCode.SQUARED_HINGE:
        return 0.5 * (param - x) ** 2 if x < param else 0.0
    return loss_value(code, param, x)


@nb.njit(cache=True, nogil=True, inline="always")
def output(parity, acode, leak, hrow, v):
    """f from one row of fields: Σ_k v_k φ(h_k), or Π_k sign(h_k) if ``parity``."""
    kk = hrow.shape[0]
    if parity:
        s = 1.0
        for k in range(kk):
            s *= 1.0 if hrow[k] > 0 else (-1.0 if hrow[k] < 0 else 0.0)
        return s
    f = 0.0
    for k in range(kk):
        f += v[k] * act(acode, leak, hrow[k])
    return f


# ------------------------------------------------------------------------------------------------
# fields and Hessian-vector products


@nb.njit(parallel=True, cache=True, nogil=True, fastmath=True)  # fastmath: vectorized reductions
def fields_kernel(w, xi, tree):  # pragma: no cover - compiled
    """h[μ, k] = Σ_i w[k, i] ξ[μ, off_k + i] / √m for float weights and int8 or float inputs."""
    kk, m = w.shape
    p = xi.shape[0]
    out = np.empty((p, kk))
    scale = 1.0 / math.sqrt(m)
    for mu in nb.prange(p):
        for k in range(kk):
            off = k * m if tree else 0
            acc = 0.0
            for i in range(m):
                acc += w[k, i] * xi[mu, off + i]
            out[mu, k] = acc * scale
    return out


@nb.njit(parallel=True, cache=True, nogil=True, fastmath=True)  # fastmath: vectorized reductions
def hvp_kernel(u_w, u_v, xi, tree, v, train_v, phi, dphi, ddphi, c, g, nchunks):  # pragma: no cover
    """Hessian-vector product of L(θ) = (1/P) Σ_μ ℓ(Δ^μ), Δ^μ = y^μ f(ξ^μ), θ = (W, v), u = (U, b).

    With J_μ = ∇_θ f(ξ^μ), H = (1/P) Σ_μ [ℓ''(Δ^μ) J_μ J_μᵀ + ℓ'(Δ^μ) y^μ ∇²_θ f(ξ^μ)] (docs/landscape.md §1):
        dh_k   = U_k·ξ_k/√m,      J·u = Σ_k v_k φ'(h_k) dh_k + b_k φ(h_k)
        (Hu)_{W_k} = (1/P) Σ_μ [c J·u v_k φ'(h_k) + g (v_k φ''(h_k) dh_k + φ'(h_k) b_k)] ξ_k/√m
        (Hu)_{v_k} = (1/P) Σ_μ [c J·u φ(h_k) + g φ'(h_k) dh_k]
    where c = ℓ''(Δ), g = ℓ'(Δ) y are per-pattern arrays and φ, φ', φ'' are (P, K) arrays at θ.
    Pass 1 is parallel over patterns; pass 2 accumulates ξ rows into one buffer per chunk of patterns
    (per-thread buffers, so no race) and sums the buffers.
    """
    kk, m = u_w.shape
    p = xi.shape[0]
    scale = 1.0 / math.sqrt(m)
    cw = np.empty((p, kk))
    cv = np.zeros((p, kk))
    for mu in nb.prange(p):
        dh = np.empty(kk)
        ju = 0.0
        for k in range(kk):
            off = k * m if tree else 0
            acc = 0.0
            for i in range(m):
                acc += u_w[k, i] * xi[mu, off + i]
            dh[k] = acc * scale
            ju += v[k] * dphi[mu, k] * dh[k]
            if train_v:
                ju += u_v[k] * phi[mu, k]
        for k in range(kk):
            a = c[mu] * ju * v[k] * dphi[mu, k] + g[mu] * v[k] * ddphi[mu, k] * dh[k]
            if train_v:
                a += g[mu] * dphi[mu, k] * u_v[k]
                cv[mu, k] = c[mu] * ju * phi[mu, k] + g[mu] * dphi[mu, k] * dh[k]
            cw[mu, k] = a
    acc_w = np.zeros((nchunks, kk, m))
    step = (p + nchunks - 1) // nchunks
    for ch in nb.prange(nchunks):
        for mu in range(ch * step, min(p, (ch + 1) * step)):
            for k in range(kk):
                a = cw[mu, k]
                if a != 0.0:
                    off = k * m if tree else 0
                    for i in range(m):
                        acc_w[ch, k, i] += a * xi[mu, off + i]
    out_w = np.zeros((kk, m))
    for ch in range(nchunks):
        out_w += acc_w[ch]
    out_w *= scale / p
    out_v = np.zeros(kk)
    if train_v:
        for mu in range(p):
            for k in range(kk):
                out_v[k] += cv[mu, k]
        out_v /= p
    return out_w, out_v


# ------------------------------------------------------------------------------------------------
# profiles and batched evaluation


@nb.njit(parallel=True, cache=True, nogil=True)
def profile_kernel(h0, hu, v0, b, ts, y, acode, leak, parity, lcode, lparam, kappa):  # pragma: no cover
    """Loss and errors at θ + t u for every direction d and every t, using the linearity of the fields.

    h(W + t U) = h0 + t hu[d]  and  v + t b[d], so one point costs O(P K) instead of O(P N).
    Returns (mean loss (1/P) Σ_μ ℓ(Δ^μ), error count #{Δ^μ ≤ κ}) arrays of shape (D, T).
    """
    nd = hu.shape[0]
    nt = ts.shape[0]
    p, kk = h0.shape
    loss = np.empty((nd, nt))
    err = np.empty((nd, nt), np.int64)
    for dt in nb.prange(nd * nt):
        d = dt // nt
        j = dt % nt
        t = ts[j]
        hrow = np.empty(kk)
        vv = np.empty(kk)
        for k in range(kk):
            vv[k] = v0[k] + t * b[d, k]
        s = 0.0
        e = 0
        for mu in range(p):
            for k in range(kk):
                hrow[k] = h0[mu, k] + t * hu[d, mu, k]
            delta = y[mu] * output(parity, acode, leak, hrow, vv)
            s += lval(lcode, lparam, delta)
            if delta <= kappa:
                e += 1
        loss[d, j] = s / p
        err[d, j] = e
    return loss, err


@nb.njit(parallel=True, cache=True, nogil=True)
def batch_eval_kernel(h, vs, y, acode, leak, parity, lcode, lparam, kappa):  # pragma: no cover
    """Mean loss and error count for a batch of configurations with fields h (R, P, K), outputs vs (R, K)."""
    r_, p, kk = h.shape
    loss = np.empty(r_)
    err = np.empty(r_, np.int64)
    for r in nb.prange(r_):
        s = 0.0
        e = 0
        for mu in range(p):
            delta = y[mu] * output(parity, acode, leak, h[r, mu], vs[r])
            s += lval(lcode, lparam, delta)
            if delta <= kappa:
                e += 1
        loss[r] = s / p
        err[r] = e
    return loss, err


# ------------------------------------------------------------------------------------------------
# binary local energy


@nb.njit(parallel=True, cache=True, nogil=True)
def flip_energy_kernel(w, xi, labels, cols, m, kk, code, thr, scale, h0, perms, counts, lcode, lparam):  # pragma: no cover
    """Errors and loss after flipping the first ``counts[j]`` weights of ``perms[r]``, for all draws r, levels j.

    Integer fields are updated incrementally: flipping W_j changes h_{j//m} by −2 W_j ξ_{cols[j]} on every
    pattern, so a draw with F flips costs O(F P) plus O(P K) per level (the levels are nested: the flips
    of level j+1 extend those of level j, i.e. common random numbers across d).
    Stability of pattern μ: Δ = σ·pre·scale (scale = 1/√m for perceptron and ReLU, 1 for sign/parity);
    error iff σ·pre ≤ thr. Returns err (R, L) int64 and mean loss (R, L).
    """
    r_ = perms.shape[0]
    nl = counts.shape[0]
    p = xi.shape[0]
    err = np.zeros((r_, nl), np.int64)
    loss = np.zeros((r_, nl))
    for r in nb.prange(r_):
        h = h0.copy()
        done = 0
        for lev in range(nl):
            for q in range(done, counts[lev]):
                j = perms[r, q]
                k = j // m
                col = cols[j]
                d = -2 * np.int32(w[j])
                for mu in range(p):
                    h[mu, k] += d * np.int32(xi[mu, col])
            done = counts[lev]
            e = 0
            s = 0.0
            for mu in range(p):
                st = labels[mu] * preactivation(code, h[mu])
                if st <= thr:
                    e += 1
                s += lval(lcode, lparam, st * scale)
            err[r, lev] = e
            loss[r, lev] = s / p
    return err, loss


# ------------------------------------------------------------------------------------------------
# 1-D SGD on an asymmetric valley


@nb.njit(cache=True, nogil=True)
def sgd_1d_kernel(a_flat, a_sharp, eta, sigma, steps, burn, rng):  # pragma: no cover
    """w ← w − η (f'(w) + ξ), ξ ~ N(0, σ²), f = ½ a_f w² (w ≥ 0), ½ a_s w² (w < 0); mean of w after ``burn``."""
    w = 0.0
    s = 0.0
    s2 = 0.0
    for t in range(steps + burn):
        grad = a_flat * w if w >= 0 else a_sharp * w
        w -= eta * (grad + sigma * rng.standard_normal())
        if t >= burn:
            s += w
            s2 += w * w
    return s / steps, s2 / steps


# ------------------------------------------------------------------------------------------------
# serial twins: starting a parallel region has a fixed cost that grows sharply when the cores are
# oversubscribed (benchmarks/BENCHMARKS.md), so small problems run a serial copy of the same kernel.

#: work (≈ number of multiply-adds) below which the serial twin is used
PARALLEL_MIN_WORK = 2_000_000


def _serial(f, fastmath=False):
    py = getattr(f, "py_func", f)
    if py is f:                    # NUMBA_DISABLE_JIT: plain Python either way
        return f
    return nb.njit(cache=True, nogil=True, fastmath=fastmath)(py)


fields_kernel_serial = _serial(fields_kernel, fastmath=True)
hvp_kernel_serial = _serial(hvp_kernel, fastmath=True)
profile_kernel_serial = _serial(profile_kernel)
batch_eval_kernel_serial = _serial(batch_eval_kernel)
flip_energy_kernel_serial = _serial(flip_energy_kernel)


def pick(parallel, serial, work):
    """The parallel kernel for large work, its serial twin otherwise."""
    return parallel if work >= PARALLEL_MIN_WORK else serial

r"""Kernels of the AMP (TAP) form of belief propagation for binary perceptrons and sign committees.

Approximate message passing replaces the P × N per-edge messages by O(N + P) quantities, exact to leading
order in 1/N on dense graphs (Kabashima, J. Phys. A 36, 11111 (2003); Donoho, Maleki & Montanari, PNAS 106,
18914 (2009); Krzakala et al., J. Stat. Mech. P08009 (2012), arXiv:1109.4424; Rangan's generalized AMP). With
y_{μ,(k,i)} = σ^μ ξ^μ_{cols(k,i)} (±1), magnetizations m_{ki} = tanh H_{ki} and variances v_{ki} = sech² H_{ki}:

    V_k       = Σ_i v_{ki}                                        (y² = 1)
    ω_{μk}    = Σ_i y_{μ,(k,i)} m_{ki} − V_k g_{μk}^{old}          (Onsager reaction term)
    g_{μk}    = ∂_ω ln Z_out,   Γ_{μk} = −∂²_ω ln Z_out            (output function of the pattern)
    h_{ki}    = Σ_μ y_{μ,(k,i)} g_{μk} + m_{ki} Σ_μ Γ_{μk}         (the sum of the factor→weight messages)
    H_{ki}    = θ_{ki} + h_{ki} + ũ_{ki}

Z_out(ω, V) of a perceptron is H(z), z = (thr − ω)/√V; of a committee Σ_τ Θ(Σ_k τ_k − κ) Π_k P_k(τ_k) with
P_k(+1) = H(z_k). With R = √V g one has, for a unit with output field v (the perceptron is v = +∞),
R = 2 sinh(v) G(z)/(e^{v} H(z) + e^{−v} H(−z)) and Γ = R(R − z)/V (the derivatives of ln Z_out in z).

The two dense products with the int8 patterns of an iteration are fused in one pass over the rows
(:func:`amp_pass`): each row's dot product gives ω_μ, its output function g_μ, and the same row (still in
cache) is added into h with weight y g_μ; the patterns are read from memory once per iteration. Threads
work on a fixed number of chunks of patterns, each with its own partial sum of h, added in chunk order: the
result does not depend on the thread count.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ...core.numerics import FASTMATH, LNZ_FLOOR, TINY, U_MAX
from ...core.special import log_2cosh_s as ln2cosh
from ...core.special import log_H_s as log_H
from .factors import PERCEPTRON, _output_sign
from .vmath import verfcx, vtanh_sech2

_FM = set(FASTMATH)
_JIT = dict(cache=True, nogil=True, error_model="numpy")
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT1_2 = 1.0 / math.sqrt(2.0)


#: fixed number of pattern chunks of :func:`amp_pass` (independent of the thread count, so results are too)
AMP_CHUNKS = 16


@nb.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FM)
def _dots(xi, mu, nrow, sg, tree, M, out):  # pragma: no cover - compiled
    """out[r, k] = σ Σ_i ξ^{μ+r}_{cols(k,i)} M[k, i] for r < nrow ≤ 4 (the rows read together, once)."""
    kk, mm = M.shape
    for k in range(kk):
        off = k * mm if tree else 0
        if nrow == 4:
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            for i in range(mm):
                w = M[k, i]
                a0 += np.float64(xi[mu, off + i]) * w
                a1 += np.float64(xi[mu + 1, off + i]) * w
                a2 += np.float64(xi[mu + 2, off + i]) * w
                a3 += np.float64(xi[mu + 3, off + i]) * w
            out[0, k] = sg[0] * a0
            out[1, k] = sg[1] * a1
            out[2, k] = sg[2] * a2
            out[3, k] = sg[3] * a3
        else:
            for r in range(nrow):
                a0 = 0.0
                for i in range(mm):
                    a0 += np.float64(xi[mu + r, off + i]) * M[k, i]
                out[r, k] = sg[r] * a0


@nb.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FM)
def _axpy(xi, mu, nrow, tree, gs, acc):  # pragma: no cover - compiled
    """acc[k, i] += Σ_r ξ^{μ+r}_{cols(k,i)} gs[r, k] for r < nrow ≤ 4."""
    kk, mm = acc.shape
    for k in range(kk):
        off = k * mm if tree else 0
        if nrow == 4:
            g0 = gs[0, k]
            g1 = gs[1, k]
            g2 = gs[2, k]
            g3 = gs[3, k]
            for i in range(mm):
                acc[k, i] += ((np.float64(xi[mu, off + i]) * g0 + np.float64(xi[mu + 1, off + i]) * g1)
                              + (np.float64(xi[mu + 2, off + i]) * g2 + np.float64(xi[mu + 3, off + i]) * g3))
        else:
            for r in range(nrow):
                g0 = gs[r, k]
                for i in range(mm):
                    acc[k, i] += np.float64(xi[mu + r, off + i]) * g0


@nb.njit(inline="always")
def _amp_pass_body(code, xi, sig, tree, M, V, g, gam, thr, kappa_out, damping, update, h, omega, lnz):  # pragma: no cover
    """One pass over the patterns, fused (each row of ξ read once, four at a time):

    ω_μ = Σ_i y_μi m_i − V g_μ^{old}; (g_μ, Γ_μ, ln Z_μ) from the output function; with ``update``:
    g ← (1−λ) g_new + λ g_old, Γ likewise (in place) and h = Σ_μ y_μ g_μ + m Σ_μ Γ_μ (into ``h``). Without
    ``update`` only ω and ln Z are computed (free entropy). Threads over :data:`AMP_CHUNKS` fixed chunks of
    patterns; their partial sums of h are added in chunk order.
    """
    p_ = xi.shape[0]
    kk, mm = M.shape
    nch = max(1, min(AMP_CHUNKS, p_))
    part = np.zeros((nch, kk, mm)) if update else np.zeros((1, 1, 1))
    gsum = np.zeros((nch, kk))
    for c in nb.prange(nch):
        lp = np.empty(kk)
        lm = np.empty(kk)
        v = np.zeros(kk)
        work = np.empty((3, kk))
        dots = np.empty((4, kk))
        gs = np.empty((4, kk))
        sg = np.empty(4)
        g_old = np.empty(kk)
        gam_old = np.empty(kk)
        lo = c * p_ // nch
        hi = (c + 1) * p_ // nch
        mu = lo
        while mu < hi:
            nrow = min(4, hi - mu)
            for r in range(nrow):
                sg[r] = np.float64(sig[mu + r])
            _dots(xi, mu, nrow, sg, tree, M, dots)
            for r in range(nrow):
                for k in range(kk):
                    omega[mu + r, k] = dots[r, k] - V[k] * g[mu + r, k]
            for r in range(nrow):
                if update:
                    for k in range(kk):
                        g_old[k] = g[mu + r, k]
                        gam_old[k] = gam[mu + r, k]
                    lnz[mu + r] = output_pattern(code, omega[mu + r], V, thr, kappa_out, g[mu + r], gam[mu + r],
                                                 lp, lm, v, work)
                    for k in range(kk):
                        if damping > 0.0:
                            g[mu + r, k] = (1.0 - damping) * g[mu + r, k] + damping * g_old[k]
                            gam[mu + r, k] = (1.0 - damping) * gam[mu + r, k] + damping * gam_old[k]
                        gsum[c, k] += gam[mu + r, k]
                else:
                    lnz[mu + r] = output_pattern(code, omega[mu + r], V, thr, kappa_out, g_old, gam_old, lp, lm, v,
                                                 work)
            if update:
                for r in range(nrow):
                    for k in range(kk):
                        gs[r, k] = sg[r] * g[mu + r, k]
                _axpy(xi, mu, nrow, tree, gs, part[c])
            mu += nrow
    if update:
        for k in range(kk):
            for i in range(mm):
                h[k, i] = 0.0
        for c in range(nch):
            for k in range(kk):
                for i in range(mm):
                    h[k, i] += part[c, k, i]
        for k in range(kk):
            gt = 0.0
            for c in range(nch):
                gt += gsum[c, k]
            for i in range(mm):
                h[k, i] += M[k, i] * gt


@nb.njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def amp_pass(code, xi, sig, tree, M, V, g, gam, thr, kappa_out, damping, update, h, omega, lnz):  # pragma: no cover
    """One fused AMP pass over the patterns on Numba's threads (:func:`_amp_pass_body`)."""
    _amp_pass_body(code, xi, sig, tree, M, V, g, gam, thr, kappa_out, damping, update, h, omega, lnz)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def amp_pass_serial(code, xi, sig, tree, M, V, g, gam, thr, kappa_out, damping, update, h, omega, lnz):  # pragma: no cover
    """:func:`amp_pass` without threads (the same chunks and arithmetic, hence the same result)."""
    _amp_pass_body(code, xi, sig, tree, M, V, g, gam, thr, kappa_out, damping, update, h, omega, lnz)


@nb.njit(**_JIT)
def unit_response(z, v):  # pragma: no cover - compiled
    """(R, R − z) for a unit with output field v at z = (thr − ω)/√V: R = 2 sinh(v) G(z)/(e^{v}H(z) + e^{−v}H(−z)).

    v ≥ 0: R = (1 − w) G(z)/(H(z) + w H(−z)), w = e^{−2v}; v < 0: R = −R̂(−z) with w = e^{2v}. For z ≥ 0,
    H(z) = E e^{−z²/2} with E = ½ erfcx(z/√2): R̂ = (1 − w)/(√(2π)((1 − w)E + e^{z²/2 − 2|v|})); for z < 0,
    R̂ = (1 − w) G(z)/(1 − (1 − w) E e^{−z²/2}). R − z, which cancels for large z when w ≈ 0 (R ≈ z + 1/z), uses
    the asymptotic series z⁻¹ − 2z⁻³ + 10z⁻⁵ − 74z⁻⁷ + 706z⁻⁹ − 8162z⁻¹¹ + 110410z⁻¹³ beyond z = 30
    (truncation below 4e-15 relative there).
    """
    sgn = 1.0
    if v < 0.0:
        sgn = -1.0
        z = -z
    av = abs(v)
    w = math.exp(-2.0 * av) if av < U_MAX else 0.0
    w1 = 1.0 - w
    e = 0.5 * verfcx(abs(z) * _SQRT1_2)
    if z >= 0.0:
        q = 0.5 * z * z - 2.0 * av
        if q < -40.0 and z > 30.0:
            # H(−z) w is negligible against H(z): the perceptron's tail, R = G/H(z) to relative e^{-40}
            r = 1.0 / (_SQRT_2PI * e)
            iz = 1.0 / z
            iz2 = iz * iz
            rmz = iz * (1.0 - iz2 * (2.0 - iz2 * (10.0 - iz2 * (74.0 - iz2 * (706.0 - iz2 * (8162.0 - 110410.0 * iz2))))))
            return sgn * r, sgn * rmz
        r = w1 / (_SQRT_2PI * (w1 * e + math.exp(min(q, 700.0))))
    else:
        g = math.exp(-0.5 * z * z)
        r = w1 * g / (_SQRT_2PI * (1.0 - w1 * e * g))
    # in the frame z' = sgn·z: R = sgn·R̂(z'), R − z = sgn·(R̂(z') − z')
    return sgn * r, sgn * (r - z)


@nb.njit(**_JIT)
def output_pattern(code, om, V, thr, kappa_out, g, gam, lp, lm, v, work):  # pragma: no cover - compiled
    """g[k], Γ[k] (per unit, into the row arrays ``g``, ``gam``) and ln Z of one pattern from its ω (``om``) and V
    (module docstring)."""
    kk = V.shape[0]
    if code == PERCEPTRON:
        sv = math.sqrt(max(V[0], TINY))
        z = (thr - om[0]) / sv
        r, rmz = unit_response(z, math.inf)
        g[0] = r / sv
        gam[0] = r * rmz / (sv * sv)
        return log_H(z)
    for k in range(kk):
        sv = math.sqrt(max(V[k], TINY))
        z = (thr - om[k]) / sv
        lp[k] = log_H(z)
        lm[k] = log_H(-z)
    lnz = _output_sign(lp, lm, kappa_out, v, work)
    for k in range(kk):
        sv = math.sqrt(max(V[k], TINY))
        z = (thr - om[k]) / sv
        r, rmz = unit_response(z, v[k])
        g[k] = r / sv
        gam[k] = r * rmz / (sv * sv)
    return lnz


@nb.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FM)
def magnetizations(H, M, S):  # pragma: no cover - compiled
    """M = tanh H, S = sech² H (from one exponential each)."""
    kk, mm = H.shape
    for k in range(kk):
        for i in range(mm):
            t, q = vtanh_sech2(H[k, i])
            M[k, i] = t
            S[k, i] = q


@nb.njit(**_JIT)
def lnz_sum(lnz):  # pragma: no cover - compiled
    """Σ_μ ln Z_μ with every ln Z_μ below −LNZ_FLOOR clamped there and counted (a contradiction)."""
    tot = 0.0
    clamped = 0
    for mu in range(lnz.shape[0]):
        a = lnz[mu]
        if not a >= -LNZ_FLOOR:
            a = -LNZ_FLOOR
            clamped += 1
        tot += a
    return tot, clamped


@nb.njit(**_JIT)
def edge_terms(H, h, S, gsq, p_):  # pragma: no cover - compiled
    """Σ_{μ,k,i} ln 2cosh(h_{ki→μ}) to second order in the messages u_{μ→ki} ≈ y g_{μk}:
    Σ_{ki} [P ln2cosh H − m h + ½ (1 − m²) Σ_μ g_{μk}²] (``gsq[k]`` = Σ_μ g_{μk}²)."""
    kk, mm = H.shape
    tot = 0.0
    for k in range(kk):
        for i in range(mm):
            tot += p_ * ln2cosh(H[k, i]) - math.tanh(H[k, i]) * h[k, i] + 0.5 * S[k, i] * gsq[k]
    return tot


@nb.njit(inline="always")
def _errors_body(code, xi, sig, tree, W, thr, kappa_out):  # pragma: no cover - compiled
    p_ = xi.shape[0]
    kk, mm = W.shape
    nch = max(1, min(AMP_CHUNKS, p_))
    cnt = np.zeros(nch, dtype=np.int64)
    for c in nb.prange(nch):
        sg = np.empty(4)
        dots = np.empty((4, kk))
        lo = c * p_ // nch
        hi = (c + 1) * p_ // nch
        mu = lo
        while mu < hi:
            nrow = min(4, hi - mu)
            for r in range(nrow):
                sg[r] = np.float64(sig[mu + r])
            _dots(xi, mu, nrow, sg, tree, W, dots)
            for r in range(nrow):
                if code == PERCEPTRON:
                    bad = dots[r, 0] <= thr
                else:
                    # σ Σ_k sign(h_k) = Σ_k sign(σ h_k) (m odd: h_k ≠ 0)
                    t = 0.0
                    for k in range(kk):
                        t += 1.0 if dots[r, k] > 0.0 else -1.0
                    bad = t <= kappa_out
                if bad:
                    cnt[c] += 1
            mu += nrow
    return cnt.sum()


@nb.njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def count_errors(code, xi, sig, tree, W, thr, kappa_out):  # pragma: no cover - compiled
    """Training errors of the ±1 weights W (K, m, as float64) on the int8 patterns, the rule of
    :meth:`wfm.models.Model.errors` (σ·h ≤ κ√N for the perceptron, σ Σ_k sign(h_k) ≤ κ for a sign committee),
    one pass over the patterns and nothing of size P × N allocated."""
    return _errors_body(code, xi, sig, tree, W, thr, kappa_out)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def count_errors_serial(code, xi, sig, tree, W, thr, kappa_out):  # pragma: no cover - compiled
    """:func:`count_errors` without threads."""
    return _errors_body(code, xi, sig, tree, W, thr, kappa_out)

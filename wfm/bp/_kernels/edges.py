r"""Per-edge BP sweeps: the one pattern loop, sequential (random order) or parallel (synchronous, threaded).

Schedules (the update order is part of the algorithm; Baldassi et al., PNAS 113, E7655 (2016), arXiv:1605.06444,
update the nodes sequentially in a random order):

* ``sweep`` — **sequential**: the P pattern nodes (and, when the focusing field is active, the N_w weight nodes)
  in a fresh seeded random permutation; each node reads the current total fields H, which follow every update.
  Serial by nature (each update depends on the previous one).
* ``sweep_parallel`` — **parallel (synchronous)**: every pattern node computes its new messages from the same
  H (the fields of the previous sweep), with damping λ, u ← (1−λ) u_new + λ u_old; then H = θ + Σ_μ u + ũ is
  recomputed; then every weight node updates its focusing field ũ from the new H. Patterns are split into a
  fixed number of chunks (threads over patterns, Numba ``prange``), H is recomputed by blocks of weights
  (threads over weights), each block summing over μ in increasing order: the messages are the same, bit for
  bit, whatever the number of threads (``NUMBA_NUM_THREADS`` / ``numba.set_num_threads``).

Both return the largest change of a message magnetization |Δ tanh u| of the sweep (the convergence criterion).
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ...core.numerics import LNZ_FLOOR
from .factors import (
    factor_exact,
    factor_gauss,
    focusing_field,
    lnz_exact,
    lnz_gauss,
    make_buffers,
    make_exact_buffers,
)

#: fixed work split of the parallel kernels (independent of the thread count, so results are too)
N_CHUNKS = 64
_JIT = dict(cache=True, nogil=True, error_model="numpy")
_JITP = dict(cache=True, nogil=True, error_model="numpy", parallel=True)


@nb.njit(**_JIT)
def sweep(order, code, xi, sig, tree, exact, u, H, ut, thr, kappa_out, damping, gamma, y):  # pragma: no cover
    """Sequential sweep: visit the nodes in ``order`` (0…P−1 pattern nodes, P… weight nodes for the focusing
    field ũ). Messages are updated in place and H stays equal to θ + Σ_μ u + ũ. Returns max |Δm|."""
    p_ = u.shape[0]
    kk, mm = H.shape
    buf = make_buffers(kk, mm)
    ebuf = make_exact_buffers(kk, mm, exact)
    delta = 0.0
    for t in range(order.shape[0]):
        node = order[t]
        if node < p_:
            if exact:
                d = factor_exact(code, node, xi, sig, tree, u, H, thr, kappa_out, damping, True, buf, ebuf)
            else:
                d = factor_gauss(code, node, xi, sig, tree, u, H, thr, kappa_out, damping, True, buf)
        else:
            w = node - p_
            k = w // mm
            i = w % mm
            uo = ut[k, i]
            un = focusing_field(gamma, y, H[k, i] - uo)
            if damping > 0.0:
                un = (1.0 - damping) * un + damping * uo
            d = abs(math.tanh(un) - math.tanh(uo)) if abs(un - uo) > delta else 0.0
            ut[k, i] = un
            H[k, i] += un - uo
        delta = max(delta, d)
    return delta


@nb.njit(inline="always")
def _recompute_body(theta, u, ut, H, nblk):  # pragma: no cover - compiled
    """H = θ + Σ_μ u[μ] + ũ from scratch, ``nblk`` blocks of weights, each summing over μ in increasing order
    (the same sums, in the same order, for any ``nblk``)."""
    p_, kk, mm = u.shape
    nw = kk * mm
    u2 = u.reshape(p_, nw)
    h2 = H.reshape(nw)
    t2 = theta.reshape(nw)
    f2 = ut.reshape(nw)
    nblk = max(1, min(nblk, nw))
    for b in nb.prange(nblk):
        lo = b * nw // nblk
        hi = (b + 1) * nw // nblk
        acc = np.empty(hi - lo)
        for j in range(lo, hi):
            acc[j - lo] = t2[j] + f2[j]
        for mu in range(p_):
            for j in range(lo, hi):
                acc[j - lo] += u2[mu, j]
        for j in range(lo, hi):
            h2[j] = acc[j - lo]


@nb.njit(inline="always")
def _patterns_body(code, xi, sig, tree, exact, u, H, thr, kappa_out, damping):  # pragma: no cover - compiled
    p_ = u.shape[0]
    kk, mm = H.shape
    nch = min(N_CHUNKS, p_)
    deltas = np.zeros(nch)
    for c in nb.prange(nch):
        buf = make_buffers(kk, mm)
        ebuf = make_exact_buffers(kk, mm, exact)
        d = 0.0
        for mu in range(c * p_ // nch, (c + 1) * p_ // nch):
            if exact:
                e = factor_exact(code, mu, xi, sig, tree, u, H, thr, kappa_out, damping, False, buf, ebuf)
            else:
                e = factor_gauss(code, mu, xi, sig, tree, u, H, thr, kappa_out, damping, False, buf)
            d = max(d, e)
        deltas[c] = d
    return deltas.max()


@nb.njit(inline="always")
def _focusing_body(H, ut, damping, gamma, y):  # pragma: no cover - compiled
    kk, mm = H.shape
    nw = kk * mm
    h2 = H.reshape(nw)
    f2 = ut.reshape(nw)
    d = np.zeros(nw)
    for j in nb.prange(nw):
        uo = f2[j]
        un = focusing_field(gamma, y, h2[j] - uo)
        un = (1.0 - damping) * un + damping * uo
        d[j] = abs(math.tanh(un) - math.tanh(uo))
        f2[j] = un
        h2[j] += un - uo
    return d.max() if nw > 0 else 0.0


@nb.njit(inline="always")
def _sweep_parallel_body(code, xi, sig, tree, exact, u, H, theta, ut, thr, kappa_out, damping, gamma, y,
                         focusing):  # pragma: no cover - compiled
    d = _patterns_body(code, xi, sig, tree, exact, u, H, thr, kappa_out, damping)
    _recompute_body(theta, u, ut, H, N_CHUNKS)
    if focusing:
        d2 = _focusing_body(H, ut, damping, gamma, y)
        d = max(d, d2)
    return d


@nb.njit(**_JITP)
def sweep_parallel(code, xi, sig, tree, exact, u, H, theta, ut, thr, kappa_out, damping, gamma, y,
                   focusing):  # pragma: no cover - compiled
    """Parallel (synchronous) sweep, module docstring, on Numba's threads. Returns max |Δm| over pattern and
    weight nodes."""
    return _sweep_parallel_body(code, xi, sig, tree, exact, u, H, theta, ut, thr, kappa_out, damping, gamma, y,
                                focusing)


@nb.njit(**_JIT)
def sweep_parallel_serial(code, xi, sig, tree, exact, u, H, theta, ut, thr, kappa_out, damping, gamma, y,
                          focusing):  # pragma: no cover - compiled
    """:func:`sweep_parallel` compiled without threads (the same arithmetic, hence the same result; no thread
    start-up cost for small instances)."""
    return _sweep_parallel_body(code, xi, sig, tree, exact, u, H, theta, ut, thr, kappa_out, damping, gamma, y,
                                focusing)


@nb.njit(**_JITP)
def recompute_fields_par(theta, u, ut, H):  # pragma: no cover - compiled
    """:func:`recompute_fields` on Numba's threads (same result)."""
    _recompute_body(theta, u, ut, H, N_CHUNKS)


@nb.njit(**_JIT)
def recompute_fields(theta, u, ut, H):  # pragma: no cover - compiled
    """H = θ + Σ_μ u[μ] + ũ from scratch (each weight's sum over μ in increasing order)."""
    _recompute_body(theta, u, ut, H, 1)


@nb.njit(inline="always")
def _pattern_terms_body(code, xi, sig, tree, exact, u, H, thr, kappa_out):  # pragma: no cover - compiled
    """Σ_μ ln Z_μ, Σ_{μ,k,i} ln 2cosh(h_{ki→μ}) (factor and edge terms of the Bethe free entropy) and the number of
    patterns whose ln Z_μ fell below −LNZ_FLOOR (a contradiction: clamped there and reported). Threads over
    fixed chunks of patterns, partial sums added in chunk order (deterministic)."""
    p_ = u.shape[0]
    kk, mm = H.shape
    nch = max(1, min(N_CHUNKS, p_))
    lz = np.zeros(nch)
    ed = np.zeros(nch)
    cl = np.zeros(nch, dtype=np.int64)
    for c in nb.prange(nch):
        buf = make_buffers(kk, mm)
        ebuf = make_exact_buffers(kk, mm, exact)
        for mu in range(c * p_ // nch, (c + 1) * p_ // nch):
            if exact:
                a, b = lnz_exact(code, mu, xi, sig, tree, u, H, thr, kappa_out, buf, ebuf)
            else:
                a, b = lnz_gauss(code, mu, xi, sig, tree, u, H, thr, kappa_out, buf)
            if not a >= -LNZ_FLOOR:
                a = -LNZ_FLOOR
                cl[c] += 1
            lz[c] += a
            ed[c] += b
    lnz = 0.0
    edge = 0.0
    for c in range(nch):
        lnz += lz[c]
        edge += ed[c]
    return lnz, edge, cl.sum()


@nb.njit(**_JITP)
def pattern_terms_par(code, xi, sig, tree, exact, u, H, thr, kappa_out):  # pragma: no cover - compiled
    """:func:`pattern_terms` on Numba's threads (same result)."""
    return _pattern_terms_body(code, xi, sig, tree, exact, u, H, thr, kappa_out)


@nb.njit(**_JIT)
def pattern_terms(code, xi, sig, tree, exact, u, H, thr, kappa_out):  # pragma: no cover - compiled
    """Σ_μ ln Z_μ, Σ_{μ,k,i} ln 2cosh(h_{ki→μ}) and the number of contradictions (:func:`_pattern_terms_body`)."""
    return _pattern_terms_body(code, xi, sig, tree, exact, u, H, thr, kappa_out)


#: below this many edges (P × N_w) the threaded variants are not used (thread start-up dominates)
PAR_MIN_EDGES = 1 << 22


def use_threads(n_edges):
    """Whether a kernel over ``n_edges`` edges should run on Numba's threads (more than one, enough work)."""
    return nb.get_num_threads() > 1 and n_edges >= PAR_MIN_EDGES

"""Exhaustive enumeration of the binary weight space: the ground truth at small N (up to ~27–30 weights).

For every binary model (perceptron, tree/fully connected committees with sign or ReLU units, parity
machines) this module counts the solutions 𝕏_ξ(W) = Π_μ Θ(Δ^μ(W) − κ) = 1 exactly:

* :func:`count_solutions`: 𝒩 = Σ_W 𝕏_ξ(W);
* :func:`distance_counts`: 𝒩(W̃, d) at every Hamming distance d·N = 0..N from a ±1 reference W̃
  (the local entropy of Baldassi, Ingrosso, Lucibello, Saglietti & Zecchina, PRL 115, 128101 (2015),
  arXiv:1509.05753), from which the exact local entropy S(W̃, d) = (1/N) ln 𝒩(W̃, d)
  (:func:`local_entropy`) and the entropy per weight s = (1/N) ln 𝒩 (:func:`entropy`);
* :func:`sample_solutions`: i.i.d. uniform draws from the solution space (the "typical" solutions).

Algorithm. The n_weights = N weights are split into b "low" weights and N − b "high" weights. The partial
integer fields of all 2^b low configurations are tabulated once (int16, shape (2^b, P, K), built
incrementally in O(2^b·P)). The high weights are walked in Gray-code order, so consecutive high
configurations differ in one weight and the high fields are updated in O(P·K) once per 2^b
configurations. For each high configuration:

* perceptron: pattern μ holds for the low configurations c with σ^μ·low[c, μ] ≥ v_μ, an integer threshold
  set by the high field. Bitsets of these c (64 per machine word) are precomputed for every (μ, v), so the
  solutions are the AND over μ of P bitsets: 2^b/64 word operations per pattern instead of 2^b
  comparisons, stopped as soon as the AND is empty (the pattern that emptied it last is tried first);
* committees and parity machines: every low configuration is checked pattern by pattern and left at the
  first violated pattern (the last violated pattern is tried first).

The Gray-code range is cut into independent chunks run in parallel threads (``prange``); memory is
O(2^b·P·K), independent of 2^N. Results do not depend on the number of threads.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from .core.checks import check_int
from .kernels.arrays import KernelArrays, model_code
from .kernels.fields import sgn
from .core.codes import Output

__all__ = ["count_solutions", "distance_counts", "local_entropy", "entropy", "sample_solutions",
           "MAX_WEIGHTS"]

#: enumeration is refused above this many weights (2^34 configurations is hours)
MAX_WEIGHTS = 34
_TABLE_BYTES = 1 << 23          # budget for the low-configuration table
_N_CHUNKS = 64                  # independent Gray-code chunks (load balance across threads)


def _check(model, patterns):
    if not model.binary:
        raise ValueError(f"exact enumeration needs a binary model (weights='binary'), got {model!r}")
    if patterns.n != model.n:
        raise ValueError(f"patterns have N={patterns.n} inputs but the model has n={model.n}")
    if not patterns.binary:
        raise ValueError("exact enumeration needs binary (±1) patterns")
    if model.n_weights > MAX_WEIGHTS:
        raise ValueError(f"model has n_weights={model.n_weights} > {MAX_WEIGHTS}: 2^n_weights configurations "
                         "are too many to enumerate")


def _n_low(nw, p, kk):
    b = min(nw, 14)
    while b > 1 and (1 << b) * p * kk * 2 > _TABLE_BYTES:
        b -= 1
    return b


@nb.njit(cache=True, nogil=True)
def _low_tables(xi, cols, m, kk, b, ref):
    """Partial fields and distances of the 2^b configurations of the first b weights.

    Bit j of c set ⇔ W_j = −1. Row c is row c − 2^t (t = the top set bit of c) with weight t flipped to −1,
    so the table costs O(2^b · P).
    """
    p = xi.shape[0]
    nc = 1 << b
    low = np.zeros((nc, p, kk), np.int16)
    dist = np.zeros(nc, np.int32)
    for j in range(b):                      # c = 0: all low weights +1
        if ref[j] != 1:
            dist[0] += 1
        for mu in range(p):
            low[0, mu, j // m] += xi[mu, cols[j]]
    t = 0
    for c in range(1, nc):
        if c >= (2 << t):
            t += 1
        prev = c - (1 << t)
        dist[c] = dist[prev] + (1 if ref[t] == 1 else -1)
        k = t // m
        col = cols[t]
        for mu in range(p):
            for kq in range(kk):
                low[c, mu, kq] = low[prev, mu, kq]
            low[c, mu, k] -= 2 * xi[mu, col]
    return low, dist


@nb.njit(cache=True, nogil=True, inline="always")
def _ok(code, hi, low, c, mu, kk, half, sigma, thr):
    """Is pattern μ satisfied: σ·pre > thr, with unit fields hi[μ,k] + low[c,μ,k]."""
    if code == Output.PERCEPTRON:
        return sigma * (hi[mu, 0] + low[c, mu, 0]) > thr
    s = 0 if code != Output.PARITY else 1
    for k in range(kk):
        h = hi[mu, k] + low[c, mu, k]
        if code == Output.SIGN:
            s += sgn(h)
        elif code == Output.RELU:
            if h > 0:
                s += h if k < half else -h
        else:
            s *= sgn(h)
    return sigma * s > thr


@nb.njit(cache=True, nogil=True)
def _high_state(g, xi, labels, cols, m, kk, b, nh, ref):
    """High fields (P, K) int32 and distance of the high configuration with Gray code g."""
    p = xi.shape[0]
    hi = np.zeros((p, kk), np.int32)
    d = 0
    for t in range(nh):
        j = b + t
        wj = -1 if (g >> t) & 1 else 1
        if wj != ref[j]:
            d += 1
        for mu in range(p):
            hi[mu, j // m] += wj * xi[mu, cols[j]]
    return hi, d


@nb.njit(cache=True, nogil=True, inline="always")
def _record(c, g, b, nh, dh, ldist, hist, targets, ti, found, out, out_pos):
    """Count solution (low c, high Gray code g) in the distance histogram; copy it to ``out`` for every
    requested rank equal to ``found`` (ranks may repeat: sampling is with replacement). Returns the new ti."""
    hist[dh + ldist[c]] += 1
    while ti < targets.shape[0] and targets[ti] == found:
        for jj in range(b):
            out[out_pos + ti, jj] = -1 if (c >> jj) & 1 else 1
        for tt in range(nh):
            out[out_pos + ti, b + tt] = -1 if (g >> tt) & 1 else 1
        ti += 1
    return ti


@nb.njit(cache=True, nogil=True)
def _enumerate_chunk(start, stop, xi, labels, cols, m, kk, code, thr, b, nh, ref, low, masks, full, ldist, hist,
                     targets, out, out_pos):
    """Walk Gray indices [start, stop) of the high weights; fill hist[d] (distance histogram).

    If ``targets`` is non-empty (sorted chunk-local solution ranks), also copy those solutions to
    ``out[out_pos + i]``. Returns the number of solutions found.
    """
    p = xi.shape[0]
    nc = low.shape[0]
    half = kk // 2
    g = start ^ (start >> 1)
    hi, dh = _high_state(g, xi, labels, cols, m, kk, b, nh, ref)
    last = 0
    found = 0
    ti = 0
    nwords = masks.shape[2]
    acc = np.empty(nwords, np.uint64)
    one = np.uint64(1)
    for idx in range(start, stop):
        if idx > start:
            # Gray step idx-1 -> idx flips high bit t = ctz(idx)
            t = 0
            while not (idx >> t) & 1:
                t += 1
            g ^= 1 << t
            j = b + t
            wj = -1 if (g >> t) & 1 else 1       # new value
            dh += 1 if wj != ref[j] else -1
            k = j // m
            col = cols[j]
            for mu in range(p):
                hi[mu, k] += 2 * wj * xi[mu, col]
        if code == Output.PERCEPTRON:
            # Pattern μ holds iff σ^μ·low[c, μ] ≥ v_μ = floor(thr − σ^μ·hi[μ]) + 1: AND the bitsets of the
            # allowed low configurations over patterns (64 configurations per word), starting with the
            # pattern that emptied the set last time, and stop as soon as the set is empty.
            acc[:] = full
            dead = False
            for q in range(p):
                mu = (last + q) % p
                v = int(math.floor(thr - labels[mu] * hi[mu, 0])) + 1
                if v <= -b:
                    continue
                if v > b:
                    dead = True
                    last = mu
                    break
                anyb = np.uint64(0)
                for wd in range(nwords):
                    acc[wd] &= masks[mu, v + b, wd]
                    anyb |= acc[wd]
                if anyb == 0:
                    dead = True
                    last = mu
                    break
            if dead:
                continue
            for wd in range(nwords):
                x = acc[wd]
                while x != 0:
                    lowbit = x & (~x + one)
                    c = wd * 64 + int(math.log2(float(lowbit)))   # exact: lowbit is a power of two
                    x ^= lowbit
                    ti = _record(c, g, b, nh, dh, ldist, hist, targets, ti, found, out, out_pos)
                    found += 1
            continue
        for c in range(nc):
            if not _ok(code, hi, low, c, last, kk, half, labels[last], thr):
                continue
            good = True
            for mu in range(p):
                if not _ok(code, hi, low, c, mu, kk, half, labels[mu], thr):
                    last = mu
                    good = False
                    break
            if good:
                ti = _record(c, g, b, nh, dh, ldist, hist, targets, ti, found, out, out_pos)
                found += 1
    return found


def _enumerate_impl(bounds, xi, labels, cols, m, kk, code, thr, b, nh, ref, low, masks, full, ldist, nw):
    nchunks = bounds.shape[0] - 1
    hists = np.zeros((nchunks, nw + 1), np.int64)
    empty_t = np.zeros(0, np.int64)
    empty_o = np.zeros((0, nw), np.int8)
    for ch in nb.prange(nchunks):
        _enumerate_chunk(bounds[ch], bounds[ch + 1], xi, labels, cols, m, kk, code, thr, b, nh, ref, low,
                         masks, full, ldist, hists[ch], empty_t, empty_o, 0)
    return hists


def _collect_impl(bounds, xi, labels, cols, m, kk, code, thr, b, nh, ref, low, masks, full, ldist, nw, targets, tstart):
    nchunks = bounds.shape[0] - 1
    out = np.zeros((targets.shape[0], nw), np.int8)
    for ch in nb.prange(nchunks):
        t0, t1 = tstart[ch], tstart[ch + 1]
        if t1 > t0:
            hist = np.zeros(nw + 1, np.int64)
            _enumerate_chunk(bounds[ch], bounds[ch + 1], xi, labels, cols, m, kk, code, thr, b, nh, ref, low,
                             masks, full, ldist, hist, targets[t0:t1], out, t0)
    return out


# Threads pay off only on large enumerations: starting a parallel region costs more than a whole small count
# (N = 21 perceptron), and much more on an oversubscribed machine. Same code, two compilations.
_enumerate_par = nb.njit(parallel=True, cache=True)(_enumerate_impl)
_enumerate_ser = nb.njit(cache=True)(_enumerate_impl)
_collect_par = nb.njit(parallel=True, cache=True)(_collect_impl)
_collect_ser = nb.njit(cache=True)(_collect_impl)


def _use_threads(model):
    """Thread the enumeration above 2^27 perceptron or 2^20 committee configurations."""
    return model.n_weights >= (27 if model_code(model) == Output.PERCEPTRON else 20)


@nb.njit(cache=True, nogil=True)
def _perceptron_masks(low, labels, b):
    """masks[μ, v + b] = bitset (64 per uint64 word) of the low configurations c with σ^μ·low[c, μ] ≥ v.

    Built by setting bit c at the exact value σ^μ·low[c, μ], then OR-accumulating from high v to low v.
    ``full`` has the bits of all 2^b configurations set.
    """
    nc, p = low.shape[0], low.shape[1]
    nwords = max(1, nc // 64)
    masks = np.zeros((p, 2 * b + 1, nwords), np.uint64)
    full = np.zeros(nwords, np.uint64)
    for c in range(nc):
        bit = np.uint64(1) << np.uint64(c % 64)
        full[c // 64] |= bit
        for mu in range(p):
            masks[mu, labels[mu] * low[c, mu, 0] + b, c // 64] |= bit
    for mu in range(p):
        for j in range(2 * b - 1, -1, -1):
            for wd in range(nwords):
                masks[mu, j, wd] |= masks[mu, j + 1, wd]
    return masks, full


def _setup(model, patterns, reference):
    _check(model, patterns)
    nw = model.n_weights
    if reference is None:
        ref = np.ones(nw, np.int8)
    else:
        ref = model.check_weights(reference)
        if ref.ndim != len(model.weight_shape):
            raise ValueError("reference must be one weight configuration, not a batch")
        ref = ref.reshape(-1).astype(np.int8)
    ka = KernelArrays(model, patterns)
    b = _n_low(nw, ka.p, ka.k)
    nh = nw - b
    low, ldist = _low_tables(ka.xi, ka.cols, ka.m, ka.k, b, ref)
    n_outer = 1 << nh
    nchunks = min(_N_CHUNKS, n_outer)
    bounds = np.linspace(0, n_outer, nchunks + 1).astype(np.int64)
    masks, full = _perceptron_masks(low, ka.sig, b) if ka.code == Output.PERCEPTRON else \
        (np.zeros((0, 0, 1), np.uint64), np.zeros(1, np.uint64))
    args = (ka.xi, ka.sig, ka.cols, ka.m, ka.k, ka.code, ka.thr, b, nh, ref, low, masks, full, ldist, nw)
    return bounds, args


def distance_counts(model, patterns, reference) -> np.ndarray:
    """counts[D] = number of solutions W at Hamming distance D = N·d from the ±1 ``reference``, D = 0..N.

    N = ``model.n_weights``; the reference need not be a solution. Exact (int64).
    """
    bounds, args = _setup(model, patterns, reference)
    enumerate_ = _enumerate_par if _use_threads(model) else _enumerate_ser
    return enumerate_(bounds, *args).sum(axis=0)


def count_solutions(model, patterns) -> int:
    """Number of weight configurations with zero errors, 𝒩 = Σ_W Π_μ Θ(Δ^μ − κ). Exact."""
    return int(distance_counts(model, patterns, None).sum())


def entropy(model, patterns) -> float:
    """Entropy per weight of the solution space, s = (1/N) ln 𝒩 (−inf when there is no solution)."""
    n = count_solutions(model, patterns)
    return math.log(n) / model.n_weights if n > 0 else -math.inf


def local_entropy(model, patterns, reference):
    """Exact local entropy around ``reference``: returns ``(d, S, counts)`` on the grid d = D/N, D = 0..N.

    S(W̃, d) = (1/N) ln 𝒩(W̃, d), with −inf where there is no solution at that distance. At finite N the
    upper bound is (1/N) ln binom(N, D) (every configuration at distance D a solution), which tends to
    H(d) = −d ln d − (1−d) ln(1−d) as N → ∞.
    """
    counts = distance_counts(model, patterns, reference)
    nw = model.n_weights
    d = np.arange(nw + 1) / nw
    with np.errstate(divide="ignore"):
        s = np.log(counts.astype(np.float64)) / nw
    return d, s, counts


def sample_solutions(model, patterns, size, seed=None) -> np.ndarray:
    """``size`` i.i.d. uniform draws from the solutions (with replacement): shape ``(size,) + weight_shape``.

    Two enumeration passes: count the solutions of each chunk, draw ranks uniformly in [0, 𝒩), then collect
    the solutions of those ranks. Raises ValueError if there is no solution.
    """
    size = check_int("size", size, min_value=1)
    rng = np.random.default_rng(seed)
    bounds, args = _setup(model, patterns, None)
    threads = _use_threads(model)
    per_chunk = (_enumerate_par if threads else _enumerate_ser)(bounds, *args).sum(axis=1)
    total = int(per_chunk.sum())
    if total == 0:
        raise ValueError("the instance has no solution: nothing to sample")
    ranks = np.sort(rng.integers(0, total, size=size))
    offsets = np.concatenate([[0], np.cumsum(per_chunk)])
    chunk_of = np.searchsorted(offsets, ranks, side="right") - 1
    local = (ranks - offsets[chunk_of]).astype(np.int64)
    tstart = np.searchsorted(chunk_of, np.arange(len(per_chunk) + 1), side="left").astype(np.int64)
    out = (_collect_par if threads else _collect_ser)(bounds, *args, local, tstart)
    out = out[rng.permutation(size)]
    return out.reshape((size,) + model.weight_shape)

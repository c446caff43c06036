r"""Numba kernels of belief propagation on binary perceptrons and sign committee machines.

Conventions (paper_digest.md §3.2, §4.1; BinaryCommitteeMachineFBP.jl, read not copied):

* every message is stored as a **field** (half log-likelihood ratio): a message on a ±1 variable is
  P(s) ∝ e^{u s}; magnetization m = tanh u. Fields never overflow where magnetizations saturate to ±1
  (tanh 20 == 1.0 in double precision), so γ up to 50 and hard constraints are safe.
  Saturated messages are clipped explicitly to ±U_MAX (a forced variable; e^{-2·U_MAX} is below any
  probability that matters), and 1 − m² is computed as sech²(h) from the field, never as 1 − tanh².
* X[μ, k, i] = σ^μ ξ^μ_{k,i}: the label is absorbed into the inputs of every unit
  (σ sign(h_k) = sign(σ h_k)).
* u[μ, k, i]: factor (pattern μ) → weight W_{ki}; H[k, i] = θ_{ki} + Σ_μ u[μ, k, i] + ũ_{ki} is the total
  field (θ external field, ũ focusing/reinforcement field); the cavity field weight → pattern μ is
  h = H − u[μ, k, i].
* Pattern node μ is one factor over all the weights (hidden outputs τ_k = sign(h_k) summed out):
  perceptron (K = 1): Θ(Σ_i X_i W_i − thr) with thr = κ√N (strict inequality: Δ ≤ κ is an error);
  committee: Θ(Σ_k τ_k − κ_out) with τ_k = sign(Σ_i X_{ki} W_{ki}) (m odd, so h_k ≠ 0).
* Gaussian ("accurate", central-limit) unit update: with μ̄ = Σ_{j≠i} X_j m_j and σ̄² = Σ_{j≠i} X_j² (1 − m_j²),
  P(unit satisfied | W_i = s) = H((thr − μ̄ − s X_i)/σ̄).  Exact unit update (±1 inputs): the distribution of
  Σ_{j≠i} X_j W_j by prefix/suffix convolutions, O(m²) per unit and pattern.
* Message from a unit with output field v (committee; the perceptron has v = +∞) to W_i:
  u = ½ ln[(e^{v} P_>(+) + e^{−v} P_<(+)) / (e^{v} P_>(−) + e^{−v} P_<(−))], P_> / P_< = P(unit field above / below
  its threshold | W_i = ±1).  The output field v_k is the exact convolution over the other K−1 units.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..core.numerics import LNZ_FLOOR, TINY as _TINY, U_MAX
from ..core.special import log_2cosh_s as ln2cosh, log_H_s as log_H, logaddexp_s as logaddexp, sech2_s as sech2

_SQRT1_2 = 1.0 / math.sqrt(2.0)


@nb.njit(cache=True, nogil=True)
def half_log_ratio(a, b):  # pragma: no cover - compiled
    """½(a − b) for log-probabilities a, b, with −∞ handled (→ ±U_MAX, or 0 if both are −∞), clipped."""
    if a == -math.inf and b == -math.inf:
        return 0.0
    if a == -math.inf:
        return -U_MAX
    if b == -math.inf:
        return U_MAX
    r = 0.5 * (a - b)
    if r > U_MAX:
        return U_MAX
    if r < -U_MAX:
        return -U_MAX
    return r


@nb.njit(cache=True, nogil=True)
def couple(gamma, x):  # pragma: no cover - compiled
    """Field transmitted through a coupling e^{γ s c}: atanh(tanh γ · tanh x) = ½[ln2cosh(γ+x) − ln2cosh(γ−x)].

    γ = +∞ transmits the field unchanged.
    """
    if gamma == math.inf:
        return x
    return 0.5 * (ln2cosh(gamma + x) - ln2cosh(gamma - x))


@nb.njit(cache=True, nogil=True)
def focusing_field(gamma, y, g):  # pragma: no cover - compiled
    """Focusing message ũ = atanh(tanh γ · tanh[(y−1)·atanh(tanh γ · tanh g)]) (paper_digest.md §4.1).

    g is the cavity field of the weight without ũ. y = 1 or γ = 0 give ũ = 0; γ = ∞ gives the classic
    reinforcement ũ = (y−1)·g.
    """
    if y == 1.0 or gamma == 0.0:
        return 0.0
    r = couple(gamma, (y - 1.0) * couple(gamma, g))
    if r > U_MAX:
        return U_MAX
    if r < -U_MAX:
        return -U_MAX
    return r


# ------------------------------------------------------------------------------------------------
# Output factor of a committee (exact over the K hidden units)
# ------------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _output_fields(lp, lm, kappa_out, v, work):  # pragma: no cover - compiled
    """Fields v_k on τ_k from the output factor Θ(Σ_k τ_k − κ_out): exact convolution over the others.

    lp[k], lm[k] = ln P(τ_k = ±1) from unit k (its full, non-cavity field distribution). Returns ln Z of the
    output (ln P(Σ_k τ_k > κ_out)).
    """
    kk = lp.shape[0]
    # probabilities, normalized per unit
    for k in range(kk):
        c = logaddexp(lp[k], lm[k])
        work[0, k] = math.exp(lp[k] - c)
        work[1, k] = math.exp(lm[k] - c)
    dist = np.empty(kk + 1)
    for k in range(kk):
        # distribution of the number of +1 among the other K−1 units
        for c in range(kk + 1):
            dist[c] = 0.0
        dist[0] = 1.0
        n = 0
        for j in range(kk):
            if j == k:
                continue
            for c in range(n + 1, 0, -1):
                dist[c] = dist[c] * work[1, j] + dist[c - 1] * work[0, j]
            dist[0] = dist[0] * work[1, j]
            n += 1
        # τ_k = t: Σ = 2c − (K−1) + t > κ
        pp = 0.0
        pm = 0.0
        for c in range(kk):
            s = 2 * c - (kk - 1)
            if s + 1 > kappa_out:
                pp += dist[c]
            if s - 1 > kappa_out:
                pm += dist[c]
        v[k] = half_log_ratio(math.log(pp) if pp > 0 else -math.inf, math.log(pm) if pm > 0 else -math.inf)
    # ln Z: all units
    for c in range(kk + 1):
        dist[c] = 0.0
    dist[0] = 1.0
    for j in range(kk):
        for c in range(j + 1, 0, -1):
            dist[c] = dist[c] * work[1, j] + dist[c - 1] * work[0, j]
        dist[0] = dist[0] * work[1, j]
    z = 0.0
    for c in range(kk + 1):
        if 2 * c - kk > kappa_out:
            z += dist[c]
    return math.log(z) if z > 0 else -math.inf


@nb.njit(cache=True, nogil=True)
def _unit_log_msg(v, perceptron, lgt, lle):  # pragma: no cover - compiled
    """ln P(pattern satisfied | W_i = s) up to a constant, given ln P_>(s), ln P_<(s) and the output field v."""
    if perceptron:
        return lgt
    return logaddexp(v + lgt, -v + lle)


# ------------------------------------------------------------------------------------------------
# Gaussian (central-limit) pattern update
# ------------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _cavity_m_var(h):  # pragma: no cover - compiled
    """(tanh h, sech² h) from one exponential."""
    e = math.exp(-2.0 * abs(h))
    m = (1.0 - e) / (1.0 + e)
    if h < 0.0:
        m = -m
    return m, 4.0 * e / ((1.0 + e) * (1.0 + e))


@nb.njit(cache=True, nogil=True)
def _perceptron_msg(zp, zm):  # pragma: no cover - compiled
    """½ ln[H(zp)/H(zm)]: one log of an erfc ratio when both tails are representable, else the log H branch."""
    if zp < 35.0 and zm < 35.0:
        ep = math.erfc(zp * _SQRT1_2)
        em = math.erfc(zm * _SQRT1_2)
        if ep > 0.0 and em > 0.0:
            r = 0.5 * math.log(ep / em)
            return min(max(r, -U_MAX), U_MAX)
    return half_log_ratio(log_H(zp), log_H(zm))


@nb.njit(cache=True, nogil=True)
def _pattern_gauss(mu, X, u, H, thr, kappa_out, damping, mus, s2s, lp, lm, v, work, mc, vc):  # pragma: no cover
    """Update every message of pattern node μ (Gaussian form); H is kept consistent. Returns max |Δ tanh u|.

    mc, vc (K, m) buffers hold the cavity magnetizations and variances X²(1 − m²) of the first pass.
    """
    kk = X.shape[1]
    mm = X.shape[2]
    perceptron = kk == 1
    for k in range(kk):
        a = 0.0
        b = 0.0
        for i in range(mm):
            x = X[mu, k, i]
            m, s = _cavity_m_var(H[k, i] - u[mu, k, i])
            m *= x
            s *= x * x
            mc[k, i] = m
            vc[k, i] = s
            a += m
            b += s
        mus[k] = a
        s2s[k] = b
        sd = math.sqrt(max(b, _TINY))
        lp[k] = log_H((thr - a) / sd)
        lm[k] = log_H((a - thr) / sd)
    if not perceptron:
        _output_fields(lp, lm, kappa_out, v, work)
    delta = 0.0
    for k in range(kk):
        for i in range(mm):
            uo = u[mu, k, i]
            x = X[mu, k, i]
            mb = mus[k] - mc[k, i]
            sd = math.sqrt(max(s2s[k] - vc[k, i], _TINY))
            zp = (thr - mb - x) / sd  # W_i = +1
            zm = (thr - mb + x) / sd  # W_i = −1
            if perceptron:
                un = _perceptron_msg(zp, zm)
            else:
                un = half_log_ratio(_unit_log_msg(v[k], False, log_H(zp), log_H(-zp)),
                                    _unit_log_msg(v[k], False, log_H(zm), log_H(-zm)))
            if damping > 0.0:
                un = (1.0 - damping) * un + damping * uo
            # tanh is 1-Lipschitz: only evaluate |Δm| when |Δu| could beat the running maximum
            if abs(un - uo) > delta:
                d = abs(math.tanh(un) - math.tanh(uo))
                if d > delta:
                    delta = d
            u[mu, k, i] = un
            H[k, i] += un - uo
    return delta


@nb.njit(cache=True, nogil=True)
def _lnz_pattern_gauss(mu, X, u, H, thr, kappa_out, lp, lm, v, work):  # pragma: no cover - compiled
    """ln Z_μ (Gaussian form) and Σ_{k,i} ln2cosh(h_{ki→μ}) for the Bethe free entropy."""
    kk = X.shape[1]
    mm = X.shape[2]
    edge = 0.0
    for k in range(kk):
        a = 0.0
        b = 0.0
        for i in range(mm):
            h = H[k, i] - u[mu, k, i]
            x = X[mu, k, i]
            a += x * math.tanh(h)
            b += x * x * sech2(h)
            edge += ln2cosh(h)
        sd = math.sqrt(max(b, _TINY))
        lp[k] = log_H((thr - a) / sd)
        lm[k] = log_H((a - thr) / sd)
    if kk == 1:
        return lp[0], edge
    return _output_fields(lp, lm, kappa_out, v, work), edge


# ------------------------------------------------------------------------------------------------
# Exact (convolution) pattern update, ±1 inputs
# ------------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _plus_minus(t):  # pragma: no cover - compiled
    """(P(+), P(−)) = (1/(1+e^{−t}), 1/(1+e^{t})), both to full relative precision, one exponential."""
    e = math.exp(-abs(t))
    if t >= 0.0:
        return 1.0 / (1.0 + e), e / (1.0 + e)
    return e / (1.0 + e), 1.0 / (1.0 + e)


@nb.njit(cache=True, nogil=True)
def _unit_tables(mu, k, X, u, H, L, R, RT, RH):  # pragma: no cover - compiled
    """Prefix L[j, c] / suffix R[j, c] distributions of the number c of +1 terms X_j W_j (cavity measures),
    and suffix tails RT[j, b] = Σ_{b'≥b} R[j, b'], heads RH[j, b] = Σ_{b'≤b} R[j, b']."""
    mm = X.shape[2]
    L[0, 0] = 1.0
    for j in range(mm):
        h = H[k, j] - u[mu, k, j]
        q, qm = _plus_minus(2.0 * X[mu, k, j] * h)  # P(X_j W_j = ±1)
        L[j + 1, 0] = L[j, 0] * qm
        for c in range(1, j + 1):
            L[j + 1, c] = L[j, c] * qm + L[j, c - 1] * q
        L[j + 1, j + 1] = L[j, j] * q
    R[mm, 0] = 1.0
    for j in range(mm - 1, -1, -1):
        h = H[k, j] - u[mu, k, j]
        q, qm = _plus_minus(2.0 * X[mu, k, j] * h)
        n = mm - 1 - j  # terms in R[j+1]
        R[j, 0] = R[j + 1, 0] * qm
        for c in range(1, n + 1):
            R[j, c] = R[j + 1, c] * qm + R[j + 1, c - 1] * q
        R[j, n + 1] = R[j + 1, n] * q
    for j in range(mm + 1):
        n = mm - j
        acc = 0.0
        for b in range(n, -1, -1):
            acc += R[j, b]
            RT[j, b] = acc
        acc = 0.0
        for b in range(n + 1):
            acc += R[j, b]
            RH[j, b] = acc


@nb.njit(cache=True, nogil=True)
def _cavity_tails(i, mm, cmin, L, RT, RH):  # pragma: no cover - compiled
    """P(count of +1 among j ≠ i ≥ cmin) and P(< cmin) from prefix L[i] and suffix R[i+1]."""
    nb_ = mm - 1 - i  # terms in the suffix
    gt = 0.0
    le = 0.0
    for a in range(i + 1):
        la = L[i, a]
        if la == 0.0:
            continue
        b = cmin - a
        if b <= 0:
            gt += la
        elif b <= nb_:
            gt += la * RT[i + 1, b]
            le += la * RH[i + 1, b - 1]
        else:
            le += la
    return gt, le


@nb.njit(cache=True, nogil=True)
def _full_tails(mm, thr, L):  # pragma: no cover - compiled
    """P(Σ_j X_j W_j > thr), P(< or = thr) under the full cavity product measure."""
    gt = 0.0
    le = 0.0
    for c in range(mm + 1):
        if 2 * c - mm > thr:
            gt += L[mm, c]
        else:
            le += L[mm, c]
    return gt, le


@nb.njit(cache=True, nogil=True)
def _safe_log(p):  # pragma: no cover - compiled
    return math.log(p) if p > 0.0 else -math.inf


@nb.njit(cache=True, nogil=True)
def _cmin(thr, mm, xs):  # pragma: no cover - compiled
    """Smallest count c of +1 terms among the other m−1 with 2c − (m−1) + xs > thr."""
    return int(math.floor((thr + mm - 1 - xs) / 2.0)) + 1


@nb.njit(cache=True, nogil=True)
def _pattern_exact(mu, X, u, H, thr, kappa_out, damping, lp, lm, v, work, L, R, RT, RH):  # pragma: no cover
    """Update every message of pattern node μ with exact convolutions (±1 inputs). Returns max |Δ tanh u|."""
    kk = X.shape[1]
    mm = X.shape[2]
    perceptron = kk == 1
    if not perceptron:
        for k in range(kk):
            _unit_tables(mu, k, X, u, H, L, R, RT, RH)
            gt, le = _full_tails(mm, thr, L)
            lp[k] = _safe_log(gt)
            lm[k] = _safe_log(le)
        _output_fields(lp, lm, kappa_out, v, work)
    delta = 0.0
    unew = work[2]
    for k in range(kk):
        _unit_tables(mu, k, X, u, H, L, R, RT, RH)
        for i in range(mm):
            x = X[mu, k, i]
            gtp, lep = _cavity_tails(i, mm, _cmin(thr, mm, x), L, RT, RH)
            gtm, lem = _cavity_tails(i, mm, _cmin(thr, mm, -x), L, RT, RH)
            a = _unit_log_msg(v[k], perceptron, _safe_log(gtp), _safe_log(lep))
            b = _unit_log_msg(v[k], perceptron, _safe_log(gtm), _safe_log(lem))
            unew[i] = half_log_ratio(a, b)
        for i in range(mm):
            uo = u[mu, k, i]
            un = unew[i]
            if damping > 0.0:
                un = (1.0 - damping) * un + damping * uo
            d = abs(math.tanh(un) - math.tanh(uo))
            if d > delta:
                delta = d
            u[mu, k, i] = un
            H[k, i] += un - uo
    return delta


@nb.njit(cache=True, nogil=True)
def _lnz_pattern_exact(mu, X, u, H, thr, kappa_out, lp, lm, v, work, L, R, RT, RH):  # pragma: no cover
    kk = X.shape[1]
    mm = X.shape[2]
    edge = 0.0
    for k in range(kk):
        for i in range(mm):
            edge += ln2cosh(H[k, i] - u[mu, k, i])
        _unit_tables(mu, k, X, u, H, L, R, RT, RH)
        gt, le = _full_tails(mm, thr, L)
        lp[k] = _safe_log(gt)
        lm[k] = _safe_log(le)
    if kk == 1:
        return lp[0], edge
    return _output_fields(lp, lm, kappa_out, v, work), edge


# ------------------------------------------------------------------------------------------------
# Sweeps
# ------------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def sweep(order, X, u, H, ut, thr, kappa_out, damping, gamma, y, exact):  # pragma: no cover - compiled
    """One BP sweep: visit the nodes in ``order`` (0…P−1 pattern nodes, P… weight nodes for the focusing
    field ũ). Messages are updated in place, H stays equal to θ + Σ_μ u + ũ. Returns max |Δm| of the sweep."""
    p_, kk, mm = X.shape
    mus = np.empty(kk)
    s2s = np.empty(kk)
    lp = np.empty(kk)
    lm = np.empty(kk)
    v = np.zeros(kk)
    work = np.empty((3, max(kk, mm)))
    mc = np.empty((kk, mm))
    vc = np.empty((kk, mm))
    ne = mm + 2 if exact else 1
    L = np.zeros((ne, ne))
    R = np.zeros((ne, ne))
    RT = np.zeros((ne, ne))
    RH = np.zeros((ne, ne))
    delta = 0.0
    for t in range(order.shape[0]):
        node = order[t]
        if node < p_:
            if exact:
                d = _pattern_exact(node, X, u, H, thr, kappa_out, damping, lp, lm, v, work, L, R, RT, RH)
            else:
                d = _pattern_gauss(node, X, u, H, thr, kappa_out, damping, mus, s2s, lp, lm, v, work, mc, vc)
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
        if d > delta:
            delta = d
    return delta


@nb.njit(cache=True, nogil=True)
def recompute_fields(theta, u, ut, H):  # pragma: no cover - compiled
    """H = θ + Σ_μ u[μ] + ũ from scratch (removes the rounding drift of the incremental updates)."""
    p_, kk, mm = u.shape
    for k in range(kk):
        for i in range(mm):
            H[k, i] = theta[k, i] + ut[k, i]
    for mu in range(p_):
        for k in range(kk):
            for i in range(mm):
                H[k, i] += u[mu, k, i]


@nb.njit(cache=True, nogil=True)
def pattern_terms(X, u, H, thr, kappa_out, exact):  # pragma: no cover - compiled
    """Σ_μ ln Z_μ, Σ_{μ,k,i} ln 2cosh(h_{ki→μ}) (factor and edge terms of the Bethe free entropy) and the number
    of patterns whose ln Z_μ fell below −LNZ_FLOOR (a contradiction: clamped there and reported)."""
    p_, kk, mm = X.shape
    lp = np.empty(kk)
    lm = np.empty(kk)
    v = np.zeros(kk)
    work = np.empty((3, max(kk, mm)))
    ne = mm + 2 if exact else 1
    L = np.zeros((ne, ne))
    R = np.zeros((ne, ne))
    RT = np.zeros((ne, ne))
    RH = np.zeros((ne, ne))
    lnz = 0.0
    edge = 0.0
    clamped = 0
    for mu in range(p_):
        if exact:
            a, b = _lnz_pattern_exact(mu, X, u, H, thr, kappa_out, lp, lm, v, work, L, R, RT, RH)
        else:
            a, b = _lnz_pattern_gauss(mu, X, u, H, thr, kappa_out, lp, lm, v, work)
        if not a >= -LNZ_FLOOR:
            # the messages make pattern μ (numerically) impossible: a contradiction, counted and flagged
            a = -LNZ_FLOOR
            clamped += 1
        lnz += a
        edge += b
    return lnz, edge, clamped

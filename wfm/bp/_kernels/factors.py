r"""Factor (pattern-node) updates of belief propagation: one function per output rule, one loop for all.

Conventions (Braunstein & Zecchina, PRL 96, 030201 (2006); Baldassi et al., PNAS 113, E7655 (2016),
arXiv:1605.06444, SI; BinaryCommitteeMachineFBP.jl, read not copied):

* every message is stored as a **field** (half log-likelihood ratio): a message on a ±1 variable is
  P(s) ∝ e^{u s}; magnetization m = tanh u. Saturated messages are clipped to ±U_MAX
  (:mod:`wfm.core.numerics`), and 1 − m² is computed as sech²(h) from the field, never as 1 − tanh².
* The patterns stay as stored: ``xi`` (P, N) int8 ±1 (or float32 Gaussian inputs) and ``sig`` (P,) int8
  labels; x = σ^μ ξ^μ_{cols(k,i)} is formed on the fly (unit k of a tree reads the block k·m … k·m + m − 1,
  a fully connected unit all N inputs). Nothing of size P × N is held in float64 except the messages.
* u[μ, k, i]: factor μ → weight W_{ki}; H[k, i] = θ_{ki} + Σ_μ u[μ, k, i] + ũ_{ki} the total field; the
  cavity field weight → pattern μ is h = H − u[μ, k, i].
* Gaussian (central-limit) unit update: with μ̄ = Σ_{j≠i} x_j m_j and σ̄² = Σ_{j≠i} x_j² (1 − m_j²),
  P(unit field above thr | W_i = s) = H((thr − μ̄ − s x_i)/σ̄), thr = κ√N for the perceptron, 0 for the hidden
  units of a committee. Exact unit update (±1 inputs): prefix/suffix convolutions of the count of +1 terms,
  O(m²) per unit and pattern.
* Message of unit k with output field v_k to W_i:
  u = ½ ln[(e^{v} P_>(+) + e^{−v} P_<(+)) / (e^{v} P_>(−) + e^{−v} P_<(−))]; the perceptron is v = +∞,
  u = ½ ln[H(z₊)/H(z₋)], evaluated as ½[ln(A₊/A₋) + c₊ − c₋] with A = ½erfcx(z/√2) (z ≥ 0) or 1 − H(|z|)
  (z < 0) and c = −z²/2 (z ≥ 0): one logarithm and two erfcx per edge, no exp/log pair that cancels
  (:mod:`wfm.bp._kernels.vmath`).

**Extension point: one output rule = one ``output_fields`` branch.** The loop over patterns (sequential or
parallel, :mod:`wfm.bp._kernels.edges`) and the per-unit cavity pass and per-edge message are shared; an output
rule only says how the output node couples the hidden units: given lp[k] = ln P(τ_k = +1), lm[k] =
ln P(τ_k = −1) of each unit it returns the fields v_k on τ_k (exact over the other units) and ln Z of the
output node. :func:`output_fields` dispatches on the :class:`wfm.core.codes.Output` code: ``PERCEPTRON``
(K = 1, no output node), ``SIGN`` (Θ(Σ_k τ_k − κ), :func:`_output_sign`). A parity machine adds a branch
computing v_k from Θ(Π_k τ_k) (Π over the other units' magnetizations); a ReLU committee, whose output depends
on the hidden fields and not only on their signs, needs its own per-edge message beside
:func:`_msg_unit` as well. Neither copies the pattern loop.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ...core.codes import Output
from ...core.numerics import FASTMATH, TINY, U_MAX
from ...core.special import log_2cosh_s as ln2cosh
from ...core.special import log_H_s as log_H
from ...core.special import logaddexp_s as logaddexp
from .vmath import (
    verfcx_pair,
    vexp,
    vlog,
    vlog1m,
    vlog_2cosh,
    vlog_H,
    vtanh_sech2,
)

_SQRT1_2 = 1.0 / math.sqrt(2.0)

PERCEPTRON = int(Output.PERCEPTRON)
SIGN = int(Output.SIGN)
_FM = set(FASTMATH)
_JIT = dict(cache=True, nogil=True, error_model="numpy")
_JITF = dict(cache=True, nogil=True, error_model="numpy", fastmath=_FM)


# ------------------------------------------------------------------------------------------------
# scalar helpers (focusing field, clipping)
# ------------------------------------------------------------------------------------------------
@nb.njit(**_JIT)
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


@nb.njit(**_JIT)
def couple(gamma, x):  # pragma: no cover - compiled
    """Field transmitted through a coupling e^{γ s c}: atanh(tanh γ · tanh x) = ½[ln2cosh(γ+x) − ln2cosh(γ−x)].

    γ = +∞ transmits the field unchanged.
    """
    if gamma == math.inf:
        return x
    return 0.5 * (ln2cosh(gamma + x) - ln2cosh(gamma - x))


@nb.njit(**_JIT)
def focusing_field(gamma, y, g):  # pragma: no cover - compiled
    """Focusing message ũ = atanh(tanh γ · tanh[(y−1)·atanh(tanh γ · tanh g)]) (Baldassi et al. 2016, SI).

    The y replicas of a weight are coupled by e^{γ s c} to a traced-out centre c; g is the cavity field of the
    weight without ũ. y = 1 or γ = 0 give ũ = 0; γ = ∞ gives the reinforcement ũ = (y−1)·g of Braunstein &
    Zecchina (2006).
    """
    if y == 1.0 or gamma == 0.0:
        return 0.0
    r = couple(gamma, (y - 1.0) * couple(gamma, g))
    if r > U_MAX:
        return U_MAX
    if r < -U_MAX:
        return -U_MAX
    return r


@nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _clip(r):  # pragma: no cover - compiled
    return min(max(r, -U_MAX), U_MAX)


# ------------------------------------------------------------------------------------------------
# output nodes: one per output rule (the extension point)
# ------------------------------------------------------------------------------------------------
@nb.njit(**_JIT)
def _output_sign(lp, lm, kappa_out, v, work):  # pragma: no cover - compiled
    """Sign committee: fields v_k on τ_k from Θ(Σ_k τ_k − κ_out), exact convolution over the other units.

    lp[k], lm[k] = ln P(τ_k = ±1) of unit k (full field distribution). Returns ln Z = ln P(Σ_k τ_k > κ_out).
    """
    kk = lp.shape[0]
    for k in range(kk):
        c = logaddexp(lp[k], lm[k])
        work[0, k] = math.exp(lp[k] - c)
        work[1, k] = math.exp(lm[k] - c)
    dist = np.empty(kk + 1)
    for k in range(kk):
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
        pp = 0.0
        pm = 0.0
        for c in range(kk):
            s = 2 * c - (kk - 1)
            if s + 1 > kappa_out:
                pp += dist[c]
            if s - 1 > kappa_out:
                pm += dist[c]
        v[k] = half_log_ratio(math.log(pp) if pp > 0 else -math.inf, math.log(pm) if pm > 0 else -math.inf)
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


@nb.njit(**_JIT)
def output_fields(code, lp, lm, kappa_out, v, work):  # pragma: no cover - compiled
    """Output node of rule ``code``: fields v_k on the hidden outputs τ_k and ln Z of the output node.

    PERCEPTRON: no output node (v unused, ln Z = lp[0]); SIGN: :func:`_output_sign`. New rules add a branch.
    """
    if code == PERCEPTRON:
        return lp[0]
    return _output_sign(lp, lm, kappa_out, v, work)


# ------------------------------------------------------------------------------------------------
# per-edge messages (vectorizable)
# ------------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _msg_perceptron(x, c, vb):  # pragma: no cover - compiled
    """½ ln[H(z₊)/H(z₋)], z± = (c ∓ x)/√vb, c = thr − μ̄ (module docstring), clipped to ±U_MAX.

    With erfcx(a) = n/d from :func:`verfcx_pair`, A = n/(2d) for z ≥ 0 and (2d − n e^{−z²/2})/(2d) for z < 0, so
    A₊/A₋ costs one division; c₊ − c₋ = 2xc/vb when both z ≥ 0.
    """
    isd = 1.0 / math.sqrt(vb)
    zp = (c - x) * isd
    zm = (c + x) * isd
    np_, dp, nm, dm = verfcx_pair(abs(zp) * _SQRT1_2, abs(zm) * _SQRT1_2)
    gp = vexp(-0.5 * zp * zp)
    gm = vexp(-0.5 * zm * zm)
    ap = np_ if zp >= 0.0 else 2.0 * dp - np_ * gp
    am = nm if zm >= 0.0 else 2.0 * dm - nm * gm
    both = 2.0 * x * c * (isd * isd)
    cd = both if zm >= 0.0 else -0.5 * zp * zp
    cd = cd if zp >= 0.0 else (0.5 * zm * zm if zm >= 0.0 else 0.0)
    return _clip(0.5 * (vlog((ap * dm) / (am * dp)) + cd))


@nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _log_unit(z, n, d, w1, av):  # pragma: no cover - compiled
    """ln[H(z) + w H(−z)] + const, w = e^{−2|v|}, w1 = 1 − w, with erfcx(|z|/√2) = n/d; one exp, one log.

    z ≥ 0: H(z) = E g, E = n/(2d), g = e^{−z²/2}: ln[w1 E + e^{q}] − z²/2 with q = z²/2 − 2|v| (≈ −2|v| once
    q > 600); z < 0: ln[1 − w1 E g] (series near 0, :func:`vlog1m`).
    """
    hz = 0.5 * z * z
    q = hz - 2.0 * av
    big = q > 600.0
    pos = z >= 0.0
    ex = vexp(min(q, 600.0) if pos else -hz)
    e = n / (2.0 * d)
    lpos = vlog(w1 * e + ex) - hz
    lpos = -2.0 * av if big else lpos
    lneg = vlog1m(w1 * e * ex)
    return lpos if pos else lneg


@nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _msg_unit(v, w1, x, c, vb):  # pragma: no cover - compiled
    """Message of a hidden unit with output field v: ½[ln P(+) − ln P(−)], P(s) = e^{v}H(z_s) + e^{−v}H(−z_s).

    For v < 0, P(z) = e^{|v|}[H(−z) + w H(z)]: the same form at −z. ``w1`` = 1 − e^{−2|v|} (per unit).
    """
    isd = 1.0 / math.sqrt(vb)
    sv = 1.0 if v >= 0.0 else -1.0
    zp = sv * (c - x) * isd
    zm = sv * (c + x) * isd
    np_, dp, nm, dm = verfcx_pair(abs(zp) * _SQRT1_2, abs(zm) * _SQRT1_2)
    av = abs(v)
    return _clip(0.5 * (_log_unit(zp, np_, dp, w1, av) - _log_unit(zm, nm, dm, w1, av)))


# ------------------------------------------------------------------------------------------------
# Gaussian factor update of pattern μ
# ------------------------------------------------------------------------------------------------
@nb.njit(**_JITF)
def cavity_pass(mu, xi, sig, tree, u, H, mc, sc, mus, s2s):  # pragma: no cover - compiled
    """Cavity magnetizations x·tanh h and variances x²·sech² h of every edge of pattern μ (into mc, sc) and their
    per-unit sums μ_k = Σ_i x m, σ_k² = Σ_i x² (1 − m²) (into mus, s2s)."""
    kk, mm = H.shape
    sg = np.float64(sig[mu])
    for k in range(kk):
        off = k * mm if tree else 0
        a = 0.0
        b = 0.0
        for i in range(mm):
            x = sg * np.float64(xi[mu, off + i])
            t, q = vtanh_sech2(H[k, i] - u[mu, k, i])
            xm = x * t
            xs = x * x * q
            mc[k, i] = xm
            sc[k, i] = xs
            a += xm
            b += xs
        mus[k] = a
        s2s[k] = b


@nb.njit(**_JITF)
def _new_messages_gauss(code, mu, xi, sig, tree, u, thr, damping, v, mc, sc, mus, s2s, k, unew):  # pragma: no cover
    """New (damped) messages of unit k of pattern μ into unew[:m] (Gaussian form)."""
    mm = u.shape[2]
    off = k * mm if tree else 0
    sg = np.float64(sig[mu])
    a = mus[k]
    b = s2s[k]
    if code == PERCEPTRON:
        for i in range(mm):
            x = sg * np.float64(xi[mu, off + i])
            un = _msg_perceptron(x, thr - (a - mc[k, i]), max(b - sc[k, i], TINY))
            unew[i] = (1.0 - damping) * un + damping * u[mu, k, i]
    else:
        vk = v[k]
        w1 = -math.expm1(-2.0 * abs(vk))
        for i in range(mm):
            x = sg * np.float64(xi[mu, off + i])
            un = _msg_unit(vk, w1, x, thr - (a - mc[k, i]), max(b - sc[k, i], TINY))
            unew[i] = (1.0 - damping) * un + damping * u[mu, k, i]


@nb.njit(**_JIT)
def _store(mu, k, u, H, unew, update_h, delta):  # pragma: no cover - compiled
    """u[μ, k] ← unew; H += Δu if ``update_h``; returns max(delta, max |Δ tanh u|) (tanh evaluated only where
    |Δu| could beat the running maximum: tanh is 1-Lipschitz)."""
    mm = u.shape[2]
    for i in range(mm):
        uo = u[mu, k, i]
        un = unew[i]
        if abs(un - uo) > delta:
            d = abs(math.tanh(un) - math.tanh(uo))
            delta = max(delta, d)
        u[mu, k, i] = un
        if update_h:
            H[k, i] += un - uo
    return delta


@nb.njit(**_JIT)
def factor_gauss(code, mu, xi, sig, tree, u, H, thr, kappa_out, damping, update_h, buf):  # pragma: no cover
    """Update every message of pattern μ (Gaussian form). ``buf`` = :func:`make_buffers`. Returns max |Δ tanh u|.

    With ``update_h`` the total fields H follow each change (sequential schedule); otherwise H is left as it
    was (parallel schedule: every pattern reads the same H, recomputed after the sweep).
    """
    mc, sc, mus, s2s, lp, lm, v, work, unew = buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7], buf[8]
    kk = H.shape[0]
    cavity_pass(mu, xi, sig, tree, u, H, mc, sc, mus, s2s)
    if code != PERCEPTRON:
        for k in range(kk):
            sd = math.sqrt(max(s2s[k], TINY))
            lp[k] = log_H((thr - mus[k]) / sd)
            lm[k] = log_H((mus[k] - thr) / sd)
        output_fields(code, lp, lm, kappa_out, v, work)
    delta = 0.0
    for k in range(kk):
        _new_messages_gauss(code, mu, xi, sig, tree, u, thr, damping, v, mc, sc, mus, s2s, k, unew[0])
        delta = _store(mu, k, u, H, unew[0], update_h, delta)
    return delta


@nb.njit(**_JITF)
def lnz_gauss(code, mu, xi, sig, tree, u, H, thr, kappa_out, buf):  # pragma: no cover - compiled
    """ln Z_μ (Gaussian form) and Σ_{k,i} ln 2cosh(h_{ki→μ}) (factor and edge terms of the Bethe free entropy)."""
    mc, sc, mus, s2s, lp, lm, v, work = buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7]
    kk, mm = H.shape
    cavity_pass(mu, xi, sig, tree, u, H, mc, sc, mus, s2s)
    edge = 0.0
    for k in range(kk):
        e = 0.0
        for i in range(mm):
            e += vlog_2cosh(H[k, i] - u[mu, k, i])
        edge += e
        sd = math.sqrt(max(s2s[k], TINY))
        lp[k] = vlog_H((thr - mus[k]) / sd)
        lm[k] = vlog_H((mus[k] - thr) / sd)
    return output_fields(code, lp, lm, kappa_out, v, work), edge


# ------------------------------------------------------------------------------------------------
# exact (convolution) factor update, ±1 inputs
# ------------------------------------------------------------------------------------------------
@nb.njit(**_JIT)
def _plus_minus(t):  # pragma: no cover - compiled
    """(P(+), P(−)) = (1/(1+e^{−t}), 1/(1+e^{t})), both to full relative precision, one exponential."""
    e = math.exp(-abs(t))
    if t >= 0.0:
        return 1.0 / (1.0 + e), e / (1.0 + e)
    return e / (1.0 + e), 1.0 / (1.0 + e)


@nb.njit(**_JIT)
def _unit_tables(k, xr, hc, L, R, RT, RH):  # pragma: no cover - compiled
    """Prefix L[j, c] / suffix R[j, c] distributions of the number c of +1 terms x_j W_j (cavity measures), and
    suffix tails RT[j, b] = Σ_{b'≥b} R[j, b'], heads RH[j, b] = Σ_{b'≤b} R[j, b']."""
    mm = xr.shape[1]
    L[0, 0] = 1.0
    for j in range(mm):
        q, qm = _plus_minus(2.0 * xr[k, j] * hc[k, j])
        L[j + 1, 0] = L[j, 0] * qm
        for c in range(1, j + 1):
            L[j + 1, c] = L[j, c] * qm + L[j, c - 1] * q
        L[j + 1, j + 1] = L[j, j] * q
    R[mm, 0] = 1.0
    for j in range(mm - 1, -1, -1):
        q, qm = _plus_minus(2.0 * xr[k, j] * hc[k, j])
        n = mm - 1 - j
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


@nb.njit(**_JIT)
def _cavity_tails(i, mm, cmin, L, RT, RH):  # pragma: no cover - compiled
    """P(count of +1 among j ≠ i ≥ cmin) and P(< cmin) from prefix L[i] and suffix R[i+1]."""
    nb_ = mm - 1 - i
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


@nb.njit(**_JIT)
def _full_tails(mm, thr, L):  # pragma: no cover - compiled
    """P(Σ_j x_j W_j > thr), P(< or = thr) under the full cavity product measure."""
    gt = 0.0
    le = 0.0
    for c in range(mm + 1):
        if 2 * c - mm > thr:
            gt += L[mm, c]
        else:
            le += L[mm, c]
    return gt, le


@nb.njit(**_JIT)
def _safe_log(p):  # pragma: no cover - compiled
    return math.log(p) if p > 0.0 else -math.inf


@nb.njit(**_JIT)
def _cmin(thr, mm, xs):  # pragma: no cover - compiled
    """Smallest count c of +1 terms among the other m−1 with 2c − (m−1) + xs > thr."""
    return int(math.floor((thr + mm - 1 - xs) / 2.0)) + 1


@nb.njit(**_JIT)
def _unit_log_msg(v, perceptron, lgt, lle):  # pragma: no cover - compiled
    """ln P(pattern satisfied | W_i = s) up to a constant, given ln P_>(s), ln P_<(s) and the output field v."""
    if perceptron:
        return lgt
    return logaddexp(v + lgt, -v + lle)


@nb.njit(**_JIT)
def _load_row(mu, xi, sig, tree, u, H, xr, hc):  # pragma: no cover - compiled
    kk, mm = H.shape
    sg = np.float64(sig[mu])
    for k in range(kk):
        off = k * mm if tree else 0
        for i in range(mm):
            xr[k, i] = sg * np.float64(xi[mu, off + i])
            hc[k, i] = H[k, i] - u[mu, k, i]


@nb.njit(**_JIT)
def factor_exact(code, mu, xi, sig, tree, u, H, thr, kappa_out, damping, update_h, buf, ebuf):  # pragma: no cover
    """Update every message of pattern μ with exact convolutions (±1 inputs). Returns max |Δ tanh u|."""
    lp, lm, v, work, unew = buf[4], buf[5], buf[6], buf[7], buf[8]
    xr, hc, L, R, RT, RH = ebuf[0], ebuf[1], ebuf[2], ebuf[3], ebuf[4], ebuf[5]
    kk, mm = H.shape
    perceptron = code == PERCEPTRON
    _load_row(mu, xi, sig, tree, u, H, xr, hc)
    if not perceptron:
        for k in range(kk):
            _unit_tables(k, xr, hc, L, R, RT, RH)
            gt, le = _full_tails(mm, thr, L)
            lp[k] = _safe_log(gt)
            lm[k] = _safe_log(le)
        output_fields(code, lp, lm, kappa_out, v, work)
    delta = 0.0
    un_ = unew[0]
    for k in range(kk):
        _unit_tables(k, xr, hc, L, R, RT, RH)
        for i in range(mm):
            x = xr[k, i]
            gtp, lep = _cavity_tails(i, mm, _cmin(thr, mm, x), L, RT, RH)
            gtm, lem = _cavity_tails(i, mm, _cmin(thr, mm, -x), L, RT, RH)
            a = _unit_log_msg(v[k], perceptron, _safe_log(gtp), _safe_log(lep))
            b = _unit_log_msg(v[k], perceptron, _safe_log(gtm), _safe_log(lem))
            un_[i] = (1.0 - damping) * half_log_ratio(a, b) + damping * u[mu, k, i]
        delta = _store(mu, k, u, H, un_, update_h, delta)
    return delta


@nb.njit(**_JIT)
def lnz_exact(code, mu, xi, sig, tree, u, H, thr, kappa_out, buf, ebuf):  # pragma: no cover - compiled
    lp, lm, v, work = buf[4], buf[5], buf[6], buf[7]
    xr, hc, L, R, RT, RH = ebuf[0], ebuf[1], ebuf[2], ebuf[3], ebuf[4], ebuf[5]
    kk, mm = H.shape
    _load_row(mu, xi, sig, tree, u, H, xr, hc)
    edge = 0.0
    for k in range(kk):
        for i in range(mm):
            edge += ln2cosh(hc[k, i])
        _unit_tables(k, xr, hc, L, R, RT, RH)
        gt, le = _full_tails(mm, thr, L)
        lp[k] = _safe_log(gt)
        lm[k] = _safe_log(le)
    return output_fields(code, lp, lm, kappa_out, v, work), edge


# ------------------------------------------------------------------------------------------------
# buffers
# ------------------------------------------------------------------------------------------------
@nb.njit(**_JIT)
def make_buffers(kk, mm):  # pragma: no cover - compiled
    """Per-thread work arrays of the Gaussian factor update: mc, sc (K, m), mus, s2s, lp, lm, v (K), work (3, K),
    unew (1, m) — as a tuple."""
    return (np.empty((kk, mm)), np.empty((kk, mm)), np.empty(kk), np.empty(kk), np.empty(kk), np.empty(kk),
            np.zeros(kk), np.empty((3, max(kk, mm))), np.empty((1, mm)))


@nb.njit(**_JIT)
def make_exact_buffers(kk, mm, exact):  # pragma: no cover - compiled
    """xr, hc (K, m) and the four (m+2, m+2) convolution tables of the exact update (1×1 when not exact)."""
    ne = mm + 2 if exact else 1
    return (np.empty((kk, mm)), np.empty((kk, mm)), np.zeros((ne, ne)), np.zeros((ne, ne)), np.zeros((ne, ne)),
            np.zeros((ne, ne)))

"""Shared Metropolis machinery for binary models (``sa``, ``sa-ce``, ``replicated-sa``).

State of R replicas (R = 1 for plain annealing) of a binary model with K units of m inputs each:

* ``w``   (R, n_weights) int8 ±1, flat index j = k·m + i (unit k = j // m, input column ``cols[j]``);
* ``h``   (R, K, P) int32 unscaled unit fields h_k^μ = Σ_i W_ki ξ^μ_{k,i} (pattern axis last and contiguous,
  so the O(P) loop of a move reads memory sequentially);
* ``pre`` (R, P) int32 integer pre-activation (``wfm.kernels.fields``); the stability is Δ^μ = σ^μ·pre^μ·scale
  with scale = 1/√m for the perceptron and ReLU committees, 1 for sign and parity committees;
* per-pattern energy ``etab[σ·pre + off]`` (float64 table over every possible integer value of σ·pre):
  the error loss Θ(κ − Δ) gives 0/1 entries, so its sums are exact integers in float64 (exact below 2^53);
  the cross-entropy f_γ(Δ) (paper_digest.md §2.4) gives real entries. Tabulating f_γ turns the O(P)
  transcendental evaluations of a move into table look-ups.

A move flips one weight W_j of replica r. Its energy change is accumulated over the patterns in blocks of
``_BLOCK``; after each block the move is **rejected early** as soon as the partial ΔE minus the largest
further decrease still possible reaches the Metropolis threshold t = −ln(u)/β. The largest further
decrease is Σ_{unscanned μ} (e^μ − e_min) = E_unscanned − n_unscanned·e_min (for the error loss: the
number of unscanned wrong patterns), so the rejection is exact, not an approximation.

The perceptron has two dedicated paths on its int32 stabilities s^μ = σ^μ h^μ and the label-multiplied,
transposed inputs y_j^μ = σ^μ ξ_j^μ (int8, one contiguous row per weight); flipping W_j changes s^μ by
−2W_j y_j^μ:

* integer energies (``sweeps_perceptron``): for the error loss only a *marginal* pattern,
  t_κ − 2 < s^μ ≤ t_κ + 2 with t_κ = ⌊κ√N⌋, can change its error status under one flip; for the "flips"
  energy (:meth:`Setup.flips_table`) only a pattern with s^μ ≤ t_κ + 2 can change its number of flips. ΔE
  is summed over a list of those patterns (a few percent of P at low temperature); after an accepted move
  the list is stale and ΔE comes from a vectorized full scan until a few consecutive rejections make
  rebuilding it worthwhile. One uniform draw per move gives both the move and the Metropolis number; e^{−βΔE} is tabulated per sweep.
* tabulated losses (``sweeps_perceptron_table``, the cross-entropy): ΔE = Σ_μ etab[s − 2c·y] − etab[s].

Every path is exact Metropolis: for the same seed they follow the same trajectory as a slow NumPy
reference that recomputes the energy from scratch at every move (tests/test_solvers_mc.py).

Robust-ensemble coupling (paper_digest.md §3.1, §4.3; RRRMC.jl ``RE.jl``): with the centre traced out,
E_int = −(1/β) Σ_i ln 2cosh(γ S_i), S_i = Σ_a W_i^a. Flipping W_i^a (value w) with μ̄ = S_i − w the sum of
the other replicas changes β·E_int by ln cosh(γ(μ̄ + w)) − ln cosh(γ(μ̄ − w)), tabulated in ``ctab``.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..core.checks import check_choice
from ..core.codes import LossCode, Output
from ..core.special import log_2cosh
from ..kernels.arrays import error_threshold, input_columns, model_code
from ..kernels.fields import int_preactivation, sgn, unit_contribution
from ..losses import loss_value

_BLOCK = 64          # patterns scanned between two early-rejection checks
_REJECTED = 1 << 40  # returned instead of ΔE when a move was rejected before the end of the scan
_STALE = 4           # consecutive rejections after which the marginal-pattern list is rebuilt
_PTAB = 64           # e^{−β·ΔE} tabulated per sweep for integer 0 ≤ ΔE < _PTAB
ENERGIES = ("error", "flips", "ce")


class Setup:
    """Model/patterns reduced to plain arrays and numbers for the kernels (built once per run)."""

    def __init__(self, model, patterns):
        if not model.binary:
            raise ValueError(f"Monte Carlo methods need binary weights (weights='binary'), got model={model!r}")
        if not patterns.binary:
            raise ValueError("Monte Carlo methods need binary (±1) patterns (kind='binary')")
        self.model = model
        self.code = model_code(model)
        self.k, self.m, self.nw = model.k, model.m, model.n_weights
        self.p = patterns.p
        self.thr = float(error_threshold(model))
        self.cols = input_columns(model)
        self.xi = patterns.xi
        self.xT = np.ascontiguousarray(patterns.xi.T)            # (N, P) int8: row = one input over patterns
        self.sig = np.ascontiguousarray(patterns.labels, dtype=np.int8)
        self.yT = np.ascontiguousarray((patterns.xi * patterns.labels[:, None]).T, dtype=np.int8)
        self.scale = 1.0 / math.sqrt(self.m) if self.code in (Output.PERCEPTRON, Output.RELU) else 1.0
        if self.code == Output.PERCEPTRON:
            self.off = self.m
        elif self.code == Output.SIGN:
            self.off = self.k
        elif self.code == Output.RELU:
            self.off = (self.k // 2) * self.m
        else:
            self.off = 1
        self.ti = int(math.floor(self.thr))    # integer threshold: σ·pre ≤ thr ⇔ σ·pre ≤ ⌊thr⌋

    def energy_table(self, loss_code, param):
        """etab[σ·pre + off] = ℓ(Δ) with Δ = σ·pre·scale (loss code 0: the error indicator, in the integer
        form σ·pre ≤ thr that ``Model.errors`` uses; 2: the cross-entropy f_γ with γ = ``param``;
        ``LossCode.FLIPS``: the perceptron's "flips" energy, see :meth:`flips_table`)."""
        v = np.arange(-self.off, self.off + 1)
        if loss_code == LossCode.FLIPS:
            return self.flips_table()
        if loss_code == 0:   # error loss: an error iff σ·pre ≤ thr (the integer form of Δ ≤ κ)
            return (v <= self.thr).astype(np.float64)
        return _table_values(loss_code, float(param), v * self.scale)

    def error_table(self):
        return self.energy_table(0, 0.0)

    def flips_table(self):
        """The "flips" energy of a pattern (RRRMC.jl ``GraphPercLinear``): the smallest number of weights
        that must be flipped for the pattern to be learned. Flipping one weight changes the integer
        stability v = σ·W·ξ by ±2, so a pattern with v ≤ t (t = ⌊κ√N⌋, an error) needs
        ⌊(t − v)/2⌋ + 1 flips and a learned one 0: a hinge max(0, κ − Δ) in units of 2/√N, with integer
        values (so e^{−βΔE} stays cheap). Defined for the perceptron only: for a committee the number of
        flips depends on every unit's field, not on the output pre-activation alone."""
        if self.code != Output.PERCEPTRON:
            raise ValueError(f"energy='flips' (number of weight flips that would fix each pattern) is defined for "
                             f"the perceptron only, got model={self.model!r}; use energy='error' or 'ce'")
        v = np.arange(-self.off, self.off + 1)
        return np.where(v <= self.ti, (self.ti - v) // 2 + 1, 0).astype(np.float64)

    def energy_code(self, energy):
        """Loss code of the named energy ("error", "flips", "ce"; checked: a clear error names it)."""
        check_choice("energy", energy, ENERGIES)
        code = {"error": 0, "flips": LossCode.FLIPS, "ce": LossCode.CROSS_ENTROPY}[energy]
        if code == LossCode.FLIPS:
            self.flips_table()          # raises for committees
        return code


@nb.njit(cache=True)
def _table_values(code, param, x):
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = loss_value(code, param, x[i])
    return out


def coupling_table(y, gamma):
    """ctab[μ̄ + y, (w+1)//2] = ln cosh(γ(μ̄ + w)) − ln cosh(γ(μ̄ − w)) for μ̄ ∈ [−y, y] (β·ΔE_int of a flip)."""
    mu = np.arange(-y, y + 1, dtype=np.float64)
    out = np.empty((2 * y + 1, 2))
    for col, w in ((0, -1.0), (1, 1.0)):
        out[:, col] = log_2cosh(gamma * (mu + w)) - log_2cosh(gamma * (mu - w))
    return out


def interaction_energy(w, gamma, beta):
    """E_int = −(1/β) Σ_i ln 2cosh(γ Σ_a W_i^a) for replicas w (R, n_weights)."""
    s = w.astype(np.int64).sum(axis=0)
    return float(-np.sum(log_2cosh(gamma * s)) / beta)


# ---------------------------------------------------------------------------------------------------
# state from scratch
# ---------------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def init_fields(w, xT, sig, cols, m, kk, code):
    """h (R, K, P) and pre (R, P) from scratch."""
    r_, nw = w.shape
    p = xT.shape[1]
    h = np.zeros((r_, kk, p), np.int32)
    pre = np.zeros((r_, p), np.int32)
    row = np.zeros(kk, np.int32)
    for r in range(r_):
        for j in range(nw):
            k = j // m
            wj = np.int32(w[r, j])
            xr = xT[cols[j]]
            for mu in range(p):
                h[r, k, mu] += wj * np.int32(xr[mu])
        for mu in range(p):
            for k in range(kk):
                row[k] = h[r, k, mu]
            pre[r, mu] = int_preactivation(code, row)
    return h, pre


@nb.njit(cache=True)
def table_energy(pre, sig, etab, off):
    """Σ_μ etab[σ^μ pre^μ + off] for each replica: (R,) float64."""
    r_, p = pre.shape
    out = np.zeros(r_)
    for r in range(r_):
        acc = 0.0
        for mu in range(p):
            acc += etab[np.int64(sig[mu]) * pre[r, mu] + off]
        out[r] = acc
    return out


@nb.njit(cache=True)
def count_errors(pre, sig, ti):
    r_, p = pre.shape
    out = np.zeros(r_, np.int64)
    for r in range(r_):
        c = 0
        for mu in range(p):
            if np.int64(sig[mu]) * pre[r, mu] <= ti:
                c += 1
        out[r] = c
    return out


@nb.njit(cache=True)
def centre_errors(w, xT, sig, cols, m, kk, code, ti):
    """Errors of the centre W̃_i = sign(Σ_a W_i^a) (ties, possible for even R, go to replica 0's value)."""
    r_, nw = w.shape
    c = np.empty((1, nw), np.int8)
    for j in range(nw):
        s = 0
        for r in range(r_):
            s += w[r, j]
        c[0, j] = 1 if s > 0 else (-1 if s < 0 else w[0, j])
    h, pre = init_fields(c, xT, sig, cols, m, kk, code)
    return count_errors(pre, sig, ti)[0], c[0]


# ---------------------------------------------------------------------------------------------------
# one move
# ---------------------------------------------------------------------------------------------------
@nb.njit(cache=True, inline="always")
def _new_pre(code, k, half, hk, dh, pre):
    if code == Output.PERCEPTRON:
        return pre + dh
    if code == Output.PARITY:
        return pre if sgn(hk + dh) == sgn(hk) else -pre
    return pre - unit_contribution(code, k, half, hk) + unit_contribution(code, k, half, hk + dh)


@nb.njit(cache=True)
def delta_generic(xrow, sig, hk, pre, etab, off, code, k, half, two_w, t, e, emin):
    """ΔE (table energy) of flipping a weight of unit k whose input row is ``xrow``, or ``_REJECTED``.

    hk: unit-k fields (P,), pre: pre-activations (P,), two_w = 2·W_j (before the flip), e = current energy.
    """
    p = pre.shape[0]
    de = 0.0
    left = e
    for b0 in range(0, p, _BLOCK):
        b1 = min(p, b0 + _BLOCK)
        for mu in range(b0, b1):
            dh = -two_w * np.int32(xrow[mu])
            npre = _new_pre(code, k, half, hk[mu], dh, pre[mu])
            s = np.int64(sig[mu])
            old = etab[s * pre[mu] + off]
            de += etab[s * npre + off] - old
            left -= old
        if de - (left - (p - b1) * emin) >= t:
            return float(_REJECTED)
    return de


@nb.njit(cache=True)
def apply_generic(xrow, sig, hk, pre, code, k, half, two_w, ti):
    """Apply the flip to the fields and pre-activations; returns the change in the number of errors."""
    p = pre.shape[0]
    dn = 0
    for mu in range(p):
        dh = -two_w * np.int32(xrow[mu])
        npre = _new_pre(code, k, half, hk[mu], dh, pre[mu])
        s = np.int64(sig[mu])
        dn += np.int64(s * npre <= ti) - np.int64(s * pre[mu] <= ti)
        pre[mu] = npre
        hk[mu] += dh
    return dn


# ---------------------------------------------------------------------------------------------------
# sweeps
# ---------------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def build_marginal(sr, lo, hi, idx):
    """Indices of the patterns lo < s ≤ hi into idx; returns their number.

    A flip moves every s^μ by ±2. For the error loss only the marginal patterns ti − 2 < s ≤ ti + 2 can
    change their error status; for the flips energy only the patterns s ≤ ti + 2 can change their number
    of flips. Outside the window ΔE^μ = 0, so ΔE is a sum over this list only (exact, not an approximation).
    """
    n = 0
    for mu in range(sr.shape[0]):
        x = sr[mu]
        if lo < x <= hi:
            idx[n] = mu
            n += 1
    return n


@nb.njit(cache=True)
def delta_perceptron(yrow, sr, c, ti, idx, n, flips):
    """ΔE of flipping a perceptron weight of value c: Σ over the n listed patterns idx[:n] (see
    :func:`build_marginal`), with s = σ^μ h^μ, y = σ^μ ξ_j^μ and cy = c·y = ±1 (s → s − 2cy).
    Error loss: [s − 2cy ≤ ti] − [s ≤ ti]. Flips energy g(s) = max(0, ⌊(ti − s)/2⌋ + 1): g changes by cy
    exactly when min(s, s − 2cy) = s − cy − 1 ≤ ti. (The two loops are written out so that each stays a
    simple, branch-free loop.)"""
    de = 0
    ci = np.int32(c)
    if flips:
        for q in range(n):
            mu = idx[q]
            cy = ci * np.int32(yrow[mu])
            de += cy * np.int32(sr[mu] - cy - 1 <= ti)
    else:
        for q in range(n):
            mu = idx[q]
            x = sr[mu]
            de += np.int32(x - 2 * ci * np.int32(yrow[mu]) <= ti) - np.int32(x <= ti)
    return de


@nb.njit(cache=True)
def delta_perceptron_scan(yrow, sr, c, ti, flips):
    """ΔE of a flip (same terms as :func:`delta_perceptron`) by a full, branch-free scan of the P
    stabilities (vectorized by LLVM; used while the marginal list is stale, i.e. at high temperature where
    moves are often accepted)."""
    d = np.int32(0)
    ci = np.int32(c)
    if flips:
        for mu in range(sr.shape[0]):
            cy = ci * np.int32(yrow[mu])
            d += cy * np.int32(sr[mu] - cy - 1 <= ti)
    else:
        two_c = 2 * ci
        for mu in range(sr.shape[0]):
            x = sr[mu]
            d += np.int32(x - two_c * np.int32(yrow[mu]) <= ti) - np.int32(x <= ti)
    return d


@nb.njit(cache=True)
def _shift(sr, yrow, two_c, ti):
    """s ← s − 2c·y (vectorized); returns the change of the number of errors (s ≤ ti)."""
    dn = np.int32(0)
    for mu in range(sr.shape[0]):
        x = sr[mu]
        nx = x - two_c * np.int32(yrow[mu])
        sr[mu] = nx
        dn += np.int32(nx <= ti) - np.int32(x <= ti)
    return dn


@nb.njit(cache=True)
def sweeps_perceptron(w, yT, s, ti, e, nerr, flips, betas, ctabs, ymax, rng, n_moves, stop_at_zero, e_trace,
                      n_trace, w_sum):
    """Metropolis sweeps on R perceptron replicas with an integer energy — the error loss, or with
    ``flips`` the flips energy (:meth:`Setup.flips_table`) — and optional robust-ensemble coupling.

    w (R, N) int8; s (R, P) int32 stabilities; e (R,) int64 energies and nerr (R,) int64 errors (both
    updated in place; equal for the error loss); betas (S,); ctabs (S, 2·ymax+1, 2) coupling tables
    (ignored when R = 1); w_sum (N,) int64 Σ_a W^a (kept in place). One sweep = ``n_moves`` moves on
    uniformly drawn (replica, weight). Stops right after the move that brings a replica to 0 errors if
    ``stop_at_zero``. Returns (sweeps done, replica solved or −1). e_trace/n_trace (S, R) receive the
    energies/errors at each sweep end.

    A move costs O(#listed patterns) (see :func:`build_marginal`); an accepted move O(P).
    """
    r_, nw = w.shape
    p = s.shape[1]
    coupled = r_ > 1
    lo = np.int64(-(1 << 40)) if flips else np.int64(ti - 2)
    hi = np.int64(ti + 2)
    idx = np.empty((r_, p), np.int32)
    nm = np.empty(r_, np.int64)
    stale = np.zeros(r_, np.int64)     # 0: list valid; k > 0: list stale, k−1 rejections since the last accept
    for r in range(r_):
        nm[r] = build_marginal(s[r], lo, hi, idx[r])
    ptab = np.empty(_PTAB)
    nrw = r_ * nw
    for sw in range(betas.shape[0]):
        beta = betas[sw]
        for q in range(_PTAB):
            ptab[q] = math.exp(-beta * q)
        for _ in range(n_moves):
            # one uniform draw gives both the move and the Metropolis number: with x = U·R·N,
            # ⌊x⌋ is uniform on the R·N moves and x − ⌊x⌋ is uniform on [0, 1) independently of it
            # (to ~2^-40 resolution), which halves the cost of the random numbers (the dominant cost of
            # a rejected move at low temperature)
            x = rng.random() * nrw
            rj = int(x)
            u = x - rj
            r = rj // nw
            j = rj - r * nw
            c = w[r, j]
            # Accepted moves invalidate the marginal list; rebuilding it costs a non-vectorizable O(P) pass,
            # so while moves keep being accepted (high temperature) ΔE comes from a vectorized full scan and
            # the list is rebuilt only after _STALE consecutive rejections.
            if stale[r] == 0:
                de = delta_perceptron(yT[j], s[r], c, ti, idx[r], nm[r], flips)
            else:
                de = delta_perceptron_scan(yT[j], s[r], c, ti, flips)
                stale[r] += 1
                if stale[r] > _STALE:
                    nm[r] = build_marginal(s[r], lo, hi, idx[r])
                    stale[r] = 0
            if coupled:
                lu = -math.log(u) if u > 0.0 else np.inf
                if beta * de + ctabs[sw, w_sum[j] - c + ymax, (c + 1) // 2] >= lu:
                    continue
            elif de > 0:
                if de < _PTAB:
                    if u >= ptab[de]:
                        continue
                elif u >= math.exp(-beta * de):
                    continue
            nerr[r] += _shift(s[r], yT[j], 2 * np.int32(c), ti)
            stale[r] = 1
            w[r, j] = -c
            w_sum[j] -= 2 * c
            e[r] += de
            if stop_at_zero and nerr[r] == 0:
                for q in range(r_):
                    e_trace[sw, q] = e[q]
                    n_trace[sw, q] = nerr[q]
                return sw + 1, r
        for q in range(r_):
            e_trace[sw, q] = e[q]
            n_trace[sw, q] = nerr[q]
    return betas.shape[0], -1


@nb.njit(cache=True)
def sweeps_perceptron_table(w, yT, s, ti, etabs, off, energy, nerr, betas, ctabs, ymax, rng, n_moves, stop_at_zero,
                            e_trace, n_trace, w_sum):
    """Perceptron replicas with a tabulated per-pattern energy (the cross-entropy): ΔE of a flip is
    Σ_μ etab[s^μ − 2c·y_j^μ + off] − etab[s^μ + off] on the int32 stabilities s = σh (no field/pre-activation
    indirection: about 2x faster than :func:`sweeps_generic`). Same conventions as :func:`sweeps_generic`
    (energy recomputed from the integer state at every sweep start; nerr kept exactly)."""
    r_, nw = w.shape
    p = s.shape[1]
    coupled = r_ > 1
    nrw = r_ * nw
    for sw in range(betas.shape[0]):
        beta = betas[sw]
        etab = etabs[sw]
        for r in range(r_):
            acc = 0.0
            for mu in range(p):
                acc += etab[s[r, mu] + off]
            energy[r] = acc
        for _ in range(n_moves):
            x = rng.random() * nrw
            rj = int(x)
            u = x - rj
            r = rj // nw
            j = rj - r * nw
            c = w[r, j]
            lu = -math.log(u) if u > 0.0 else np.inf
            if coupled:
                lu -= ctabs[sw, w_sum[j] - c + ymax, (c + 1) // 2]
            t = lu / beta
            two_c = 2 * np.int32(c)
            yrow = yT[j]
            sr = s[r]
            de = 0.0
            for mu in range(p):
                q = sr[mu] + off
                de += etab[q - two_c * np.int32(yrow[mu])] - etab[q]
            if de >= t:
                continue
            dn = 0
            for mu in range(p):
                old = sr[mu]
                new = old - two_c * np.int32(yrow[mu])
                sr[mu] = new
                dn += np.int32(new <= ti) - np.int32(old <= ti)
            nerr[r] += dn
            w[r, j] = -c
            w_sum[j] -= 2 * c
            energy[r] += de
            if stop_at_zero and nerr[r] == 0:
                for q in range(r_):
                    e_trace[sw, q] = energy[q]
                    n_trace[sw, q] = nerr[q]
                return sw + 1, r
        for q in range(r_):
            e_trace[sw, q] = energy[q]
            n_trace[sw, q] = nerr[q]
    return betas.shape[0], -1


@nb.njit(cache=True)
def sweeps_generic(w, xT, sig, cols, m, kk, code, ti, h, pre, etabs, off, emins, energy, nerr, betas, ctabs,
                   ymax, rng, n_moves, stop_at_zero, e_trace, n_trace, w_sum):
    """Metropolis sweeps on R replicas of any binary model with a tabulated per-pattern energy.

    etabs (S, 2·off+1): the energy table of each sweep (γ schedules change it); energy (R,) float64 and
    nerr (R,) int64 are updated in place (energy incrementally: the caller resynchronises it from scratch
    when the table changes). Stops after a move that brings a replica to 0 errors if ``stop_at_zero``.
    Returns (sweeps done, replica solved or −1). At the start of every sweep the energy is recomputed
    from the integer state with that sweep's table (no float drift can accumulate beyond one sweep).
    """
    r_, nw = w.shape
    half = kk // 2
    coupled = r_ > 1
    nrw = r_ * nw
    for sw in range(betas.shape[0]):
        beta = betas[sw]
        etab = etabs[sw]
        emin = emins[sw]
        energy[:] = table_energy(pre, sig, etab, off)
        for _ in range(n_moves):
            x = rng.random() * nrw          # one draw: move ⌊x⌋ and Metropolis number x − ⌊x⌋ (see sweeps_perceptron)
            rj = int(x)
            u = x - rj
            r = rj // nw
            j = rj - r * nw
            c = w[r, j]
            k = j // m
            lu = -math.log(u) if u > 0.0 else np.inf
            if coupled:
                mb = w_sum[j] - c
                lu -= ctabs[sw, mb + ymax, (c + 1) // 2]
            t = lu / beta
            xrow = xT[cols[j]]
            two_w = 2 * np.int32(c)
            de = delta_generic(xrow, sig, h[r, k], pre[r], etab, off, code, k, half, two_w, t, energy[r], emin)
            if de >= t:
                continue
            nerr[r] += apply_generic(xrow, sig, h[r, k], pre[r], code, k, half, two_w, ti)
            w[r, j] = -c
            w_sum[j] -= 2 * c
            energy[r] += de
            if stop_at_zero and nerr[r] == 0:
                for q in range(r_):
                    e_trace[sw, q] = energy[q]
                    n_trace[sw, q] = nerr[q]
                return sw + 1, r
        for q in range(r_):
            e_trace[sw, q] = energy[q]
            n_trace[sw, q] = nerr[q]
    return betas.shape[0], -1


def stabilities_int(w, st: Setup):
    """Integer stabilities σ·pre (R, P) from scratch (the perceptron fast path keeps s = σ·h)."""
    h, pre = init_fields(w, st.xT, st.sig, st.cols, st.m, st.k, st.code)
    return h, pre, (pre * st.sig[None, :].astype(np.int32)).astype(np.int32)


def geometric(a, b, n):
    """n values from a to b, geometrically spaced (a alone if n = 1)."""
    if n == 1:
        return np.array([float(a)])
    return a * (b / a) ** (np.arange(n) / (n - 1))


# ---------------------------------------------------------------------------------------------------
# driver shared by sa, sa-ce and replicated-sa
# ---------------------------------------------------------------------------------------------------
def anneal(st: Setup, w, betas, *, loss_code=0, gammas=None, couplings=None, rng, progress=False,
           max_seconds=None, desc="mc", check_centre=False, stop_at_solution=True):
    """Run the annealing schedule ``betas`` (one sweep each) on replicas ``w`` (R, n_weights), in place.

    loss_code 0 (error), 2 (cross-entropy with γ = ``gammas[s]`` at sweep s) or ``LossCode.FLIPS``; ``couplings[s]`` = the
    robust-ensemble γ at sweep s (R > 1). One sweep = R·n_weights moves. Stops at the first sweep end in
    which the centre (if ``check_centre``) or, right after the move, a replica has 0 training errors, or at
    ``max_seconds``; with ``stop_at_solution=False`` the whole schedule is run. Returns a dict: sweeps,
    history arrays, solver (−1 none, r replica, R centre), centre.
    """
    import time

    from tqdm.auto import tqdm

    r_ = w.shape[0]
    n_sweeps = betas.shape[0]
    fast = st.code == Output.PERCEPTRON and loss_code in (0, LossCode.FLIPS)
    perc_table = st.code == Output.PERCEPTRON and not fast
    h, pre = init_fields(w, st.xT, st.sig, st.cols, st.m, st.k, st.code)
    nerr = count_errors(pre, st.sig, st.ti)
    w_sum = w.astype(np.int64).sum(axis=0)
    ymax = r_
    if fast or perc_table:
        s = (h[:, 0, :] * st.sig[None, :].astype(np.int32)).astype(np.int32)
    if fast:   # integer energy of the fast path: the errors, or Σ_μ flips from the table
        ienergy = (nerr.copy() if loss_code == 0 else
                   st.flips_table()[s + st.off].sum(axis=1).astype(np.int64))
    energy = nerr.astype(np.float64)
    hist_e = np.full((n_sweeps, r_), np.nan)
    hist_n = np.full((n_sweeps, r_), -1, np.int64)
    hist_c = np.full(n_sweeps, -1, np.int64)
    hist_int = np.full(n_sweeps, np.nan)
    n_moves = r_ * st.nw
    work = max(1, n_moves * max(1, st.p))
    chunk = 1 if check_centre else int(max(1, min(n_sweeps // 50 + 1, 3e6 // work)))
    t0 = time.perf_counter()
    done = 0
    solver = -1
    centre = None
    with tqdm(total=n_sweeps, disable=not progress, desc=desc, unit="sweep") as bar:
        while done < n_sweeps:
            stop = min(n_sweeps, done + chunk)
            b = np.ascontiguousarray(betas[done:stop])
            if couplings is not None:
                ctabs = np.stack([coupling_table(ymax, g) for g in couplings[done:stop]])
            else:
                ctabs = np.zeros((stop - done, 2 * ymax + 1, 2))
            if fast:
                et = np.zeros((stop - done, r_), np.int64)
                nt = np.zeros((stop - done, r_), np.int64)
                n, rsol = sweeps_perceptron(w, st.yT, s, st.ti, ienergy, nerr, loss_code == LossCode.FLIPS, b, ctabs, ymax, rng,
                                            n_moves, stop_at_solution, et, nt, w_sum)
                hist_e[done:done + n] = et[:n]
                hist_n[done:done + n] = nt[:n]
            else:
                if gammas is None:      # a fixed table (the error loss off the perceptron)
                    etabs = np.repeat(st.energy_table(loss_code, 0.0)[None, :], stop - done, axis=0)
                else:
                    etabs = np.stack([st.energy_table(loss_code, g) for g in gammas[done:stop]])
                emins = etabs.min(axis=1)
                et = np.zeros((stop - done, r_))
                nt = np.zeros((stop - done, r_), np.int64)
                if perc_table:
                    n, rsol = sweeps_perceptron_table(w, st.yT, s, st.ti, etabs, st.off, energy, nerr, b, ctabs, ymax,
                                                      rng, n_moves, stop_at_solution, et, nt, w_sum)
                else:
                    n, rsol = sweeps_generic(w, st.xT, st.sig, st.cols, st.m, st.k, st.code, st.ti, h, pre, etabs,
                                             st.off, emins, energy, nerr, b, ctabs, ymax, rng, n_moves,
                                             stop_at_solution, et, nt, w_sum)
                hist_e[done:done + n] = et[:n]
                hist_n[done:done + n] = nt[:n]
            if couplings is not None:
                for q in range(n):
                    hist_int[done + q] = np.nan
                hist_int[done + n - 1] = interaction_energy(w, couplings[done + n - 1], betas[done + n - 1])
            done += n
            bar.update(n)
            bar.set_postfix(errors=int(nerr.min()))
            if rsol >= 0:
                solver = int(rsol)
                break
            if check_centre:
                ce, centre = centre_errors(w, st.xT, st.sig, st.cols, st.m, st.k, st.code, st.ti)
                hist_c[done - 1] = ce
                if ce == 0 and stop_at_solution:
                    solver = r_
                    break
            if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
                break
    if check_centre and centre is None or (check_centre and solver != r_):
        ce, centre = centre_errors(w, st.xT, st.sig, st.cols, st.m, st.k, st.code, st.ti)
        hist_c[done - 1] = ce
    return {"sweeps": done, "energy": hist_e[:done], "errors": hist_n[:done], "centre_errors": hist_c[:done],
            "interaction": hist_int[:done], "solver": solver, "centre": centre, "nerr": nerr}

"""Metropolis Monte Carlo on binary models: one driver, several energies (``sa``, ``sa-ce``, ``replicated-sa``).

The structure follows C. Baldassi's RRRMC.jl (github.com/carlobaldassi/RRRMC.jl, ``src/Interface.jl``): an
energy is three operations — its value from scratch, the change ΔE of a single-weight flip, and the update
of its cached state after an accepted flip — and one Metropolis loop (:func:`metropolis`) calls them. The
robust ensemble (Baldassi et al., PNAS 113, E7655 (2016), arXiv:1605.06444; RRRMC.jl ``src/graphs/RE.jl``)
wraps any energy: the driver adds the replica-coupling term to the ΔE of whichever energy it runs.

State of R replicas (R = 1 for plain annealing) of a binary model with K units of m inputs each, on the
arrays of :class:`wfm.kernels.arrays.KernelArrays`:

* ``w``   (R, n_weights) int8 ±1, flat index j = k·m + i (unit k = j // m, input column ``cols[j]``);
* ``h``   (R, K, P) int32 unscaled unit fields h_k^μ = Σ_i W_ki ξ^μ_{k,i} (pattern axis last and contiguous,
  so the O(P) loop of a move reads memory sequentially);
* ``pre`` (R, P) int32 integer pre-activation (``wfm.kernels.fields``); the stability is Δ^μ = σ^μ·pre^μ·scale
  with scale = 1/√m for the perceptron and ReLU committees, 1 for sign and parity committees
  (:func:`output_scale`); pattern μ is an error iff σ^μ·pre^μ ≤ ti = ⌊thr⌋;
* the perceptron paths keep instead the label-multiplied int32 stabilities s^μ = σ^μ h^μ and read the
  transposed inputs y_j^μ = σ^μ ξ_j^μ (``KernelArrays.yT``, one contiguous int8 row per weight); flipping
  W_j = c changes s^μ by −2c·y_j^μ.

The energies (``ENERGY_*`` codes; the loop is written once and compiled once per energy with the code a
constant, so a move pays no dispatch, see :func:`metropolis`):

* ``ENERGY_ERRORS``: the number of errors E = Σ_μ Θ(κ − Δ^μ) of the perceptron, on the *marginal* patterns:
  one flip moves every s^μ by ±2, so only patterns with ti − 2 < s^μ ≤ ti + 2 can change their error status
  and ΔE is a sum over a list of them (a few percent of P at low temperature). After an accepted move the list
  is stale and ΔE comes from a vectorized full scan until ``_STALE`` consecutive rejections make rebuilding
  it worthwhile (:func:`marginal_delta`).
* ``ENERGY_FLIPS``: the perceptron's "flips" energy (RRRMC.jl ``GraphPercLinear``, :func:`flips_table`), the
  number of weights to flip for each pattern to be learned, on the list of the patterns s^μ ≤ ti + 2 (the
  only ones whose number of flips a move can change).
* ``ENERGY_PERCEPTRON_TABLE``: any tabulated per-pattern energy of the perceptron (the cross-entropy):
  ΔE = Σ_μ etab[s^μ − 2c·y_j^μ + off] − etab[s^μ + off] (:func:`perceptron_table_delta`).
* ``ENERGY_TABLE``: any tabulated per-pattern energy of any binary model (error loss or cross-entropy of
  committees and parity machines): etab[σ·pre + off] over every possible integer σ·pre, ΔE over the patterns
  with the new pre-activation of unit k's new field (:func:`table_delta`), with early rejection (below).

Tables: the error loss gives 0/1 entries, so its sums are exact integers in float64 (exact below 2^53); the
cross-entropy f_γ(Δ) = (1/2γ) ln(1 + e^{−2γΔ}) gives real entries, so a move costs table look-ups instead
of O(P) transcendental evaluations.

Metropolis (Metropolis et al., J. Chem. Phys. 21, 1087 (1953)): a move flips W_j of replica r, (r, j) drawn
uniformly, and is accepted with probability min(1, e^{−β(ΔE + ΔE_int)}). One uniform draw U gives both the
move ⌊x⌋ and the Metropolis number u = x − ⌊x⌋ of x = U·R·n_weights (u is uniform on [0, 1) independently of
⌊x⌋, to ~2^-40 resolution). Two exact forms of the test:

* integer energies (errors, flips): accept iff u < e^{−βΔE} with e^{−βq} tabulated per sweep for
  0 ≤ q < ``_PTAB`` (no logarithm per move), or iff βΔE + βΔE_int < −ln u with the coupling;
* tabulated energies: accept iff ΔE < t = (−ln u − βΔE_int)/β. ``ENERGY_TABLE`` accumulates ΔE in blocks of
  ``_BLOCK`` patterns and **rejects early** as soon as the partial ΔE minus the largest further decrease still
  possible reaches t; that decrease is Σ_{unscanned μ} (e^μ − e_min) = E_unscanned − n_unscanned·e_min (for
  the error loss: the number of unscanned wrong patterns), so the rejection is exact, not an approximation.

Robust-ensemble coupling (Baldassi et al. 2016, the reference configuration traced out; RRRMC.jl ``RE.jl``):
E_int = −(1/β) Σ_i ln 2cosh(γ S_i), S_i = Σ_a W_i^a. Flipping W_i^a (value w) with μ̄ = S_i − w the sum of the
other replicas changes β·E_int by ln cosh(γ(μ̄ + w)) − ln cosh(γ(μ̄ − w)), tabulated in ``ctab``
(:func:`coupling_table`).

Every energy is exact Metropolis: for the same seed they follow the same trajectory as a slow NumPy
reference that recomputes the energy from scratch at every move (tests/test_solvers_mc.py, whose
``KERNEL_REFERENCES`` lists every kernel of this module with its reference).
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..core.checks import check_choice
from ..core.codes import LossCode, Output
from ..core.special import log_2cosh
from ..kernels.arrays import KernelArrays
from ..kernels.fields import preactivation, sgn, unit_contribution
from ..losses import loss_value

_BLOCK = 64          # patterns scanned between two early-rejection checks
_REJECTED = 1 << 40  # returned instead of ΔE when a move was rejected before the end of the scan
_STALE = 4           # consecutive rejections after which the marginal-pattern list is rebuilt
_PTAB = 64           # e^{−β·ΔE} tabulated per sweep for integer 0 ≤ ΔE < _PTAB
ENERGIES = ("error", "flips", "ce")

# energy codes of the driver (the per-pattern loss is in the table for the two tabulated ones)
ENERGY_ERRORS = 0            # perceptron, number of errors, marginal-pattern list
ENERGY_FLIPS = 1             # perceptron, number of flips, list of the patterns s ≤ ti + 2
ENERGY_PERCEPTRON_TABLE = 2  # perceptron, tabulated per-pattern energy on the stabilities
ENERGY_TABLE = 3             # any binary model, tabulated per-pattern energy, early rejection


# ---------------------------------------------------------------------------------------------------
# the model and patterns as arrays, and the tables built from them
# ---------------------------------------------------------------------------------------------------
def mc_arrays(model, patterns) -> KernelArrays:
    """:class:`KernelArrays` of a binary model on binary patterns (ValueError naming what is not binary)."""
    if not model.binary:
        raise ValueError(f"Monte Carlo methods need binary weights (weights='binary'), got model={model!r}")
    if not patterns.binary:
        raise ValueError("Monte Carlo methods need binary (±1) patterns (kind='binary')")
    return KernelArrays(model, patterns)


def output_scale(ka: KernelArrays) -> float:
    """Δ = σ·pre·scale: 1/√m when the pre-activation is a field (perceptron, ReLU committee), else 1."""
    return ka.scale if ka.code in (Output.PERCEPTRON, Output.RELU) else 1.0


def energy_table(ka: KernelArrays, loss_code, param):
    """etab[σ·pre + off] = ℓ(Δ) with Δ = σ·pre·scale, for every integer σ·pre in [−off, off].

    ``LossCode.ERROR``: the error indicator, in the integer form σ·pre ≤ thr that ``Model.errors`` uses;
    ``LossCode.CROSS_ENTROPY``: f_γ with γ = ``param``; ``LossCode.FLIPS``: :func:`flips_table`.
    """
    v = np.arange(-ka.off, ka.off + 1)
    if loss_code == LossCode.FLIPS:
        return flips_table(ka)
    if loss_code == LossCode.ERROR:   # an error iff σ·pre ≤ thr (the integer form of Δ ≤ κ)
        return (v <= ka.thr).astype(np.float64)
    return _table_values(int(loss_code), float(param), v * output_scale(ka))


def error_table(ka: KernelArrays):
    return energy_table(ka, LossCode.ERROR, 0.0)


def flips_table(ka: KernelArrays):
    """The "flips" energy of a pattern (RRRMC.jl ``GraphPercLinear``): the smallest number of weights that
    must be flipped for the pattern to be learned. Flipping one weight changes the integer stability
    v = σ·W·ξ by ±2, so a pattern with v ≤ t (t = ⌊κ√N⌋, an error) needs ⌊(t − v)/2⌋ + 1 flips and a learned
    one 0: a hinge max(0, κ − Δ) in units of 2/√N, with integer values (so e^{−βΔE} stays cheap). Defined
    for the perceptron only: for a committee the number of flips depends on every unit's field, not on the
    output pre-activation alone."""
    if ka.code != Output.PERCEPTRON:
        raise ValueError(f"energy='flips' (number of weight flips that would fix each pattern) is defined for "
                         f"the perceptron only, got model={ka.model!r}; use energy='error' or 'ce'")
    v = np.arange(-ka.off, ka.off + 1)
    return np.where(v <= ka.ti, (ka.ti - v) // 2 + 1, 0).astype(np.float64)


def energy_code(ka: KernelArrays, energy):
    """Loss code of the named energy ("error", "flips", "ce"; checked: a clear error names it)."""
    check_choice("energy", energy, ENERGIES)
    code = {"error": LossCode.ERROR, "flips": LossCode.FLIPS, "ce": LossCode.CROSS_ENTROPY}[energy]
    if code == LossCode.FLIPS:
        flips_table(ka)          # raises for committees
    return code


def driver_energy(ka: KernelArrays, loss_code) -> int:
    """The driver's energy code for a loss on this model: the integer perceptron energies run on the
    marginal-pattern lists, the other perceptron losses on the stabilities, everything else on the table."""
    if ka.code == Output.PERCEPTRON:
        if loss_code == LossCode.ERROR:
            return ENERGY_ERRORS
        if loss_code == LossCode.FLIPS:
            return ENERGY_FLIPS
        return ENERGY_PERCEPTRON_TABLE
    return ENERGY_TABLE


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
# state and energies from scratch
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
            pre[r, mu] = preactivation(code, row)
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
def stability_table_energy(s, etab, off, out):
    """out[r] = Σ_μ etab[s^μ + off] on label-multiplied stabilities s (R, P) (the perceptron's form)."""
    r_, p = s.shape
    for r in range(r_):
        acc = 0.0
        for mu in range(p):
            acc += etab[s[r, mu] + off]
        out[r] = acc


@nb.njit(cache=True)
def integer_energy(s, ti, flips):
    """The integer perceptron energies from scratch on the stabilities s (R, P): the number of errors
    Σ_μ [s^μ ≤ ti], or with ``flips`` Σ_μ max(0, ⌊(ti − s^μ)/2⌋ + 1) (:func:`flips_table`)."""
    r_, p = s.shape
    out = np.zeros(r_, np.int64)
    for r in range(r_):
        acc = 0
        for mu in range(p):
            if s[r, mu] <= ti:
                acc += (ti - s[r, mu]) // 2 + 1 if flips else 1
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
    _, pre = init_fields(c, xT, sig, cols, m, kk, code)
    return count_errors(pre, sig, ti)[0], c[0]


# ---------------------------------------------------------------------------------------------------
# the energies: ΔE of a flip and the update after an accepted one
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
def listed_delta(yrow, sr, c, ti, idx, n, flips):
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
def scan_delta(yrow, sr, c, ti, flips):
    """ΔE of a flip (same terms as :func:`listed_delta`) by a full, branch-free scan of the P stabilities
    (vectorized by LLVM; used while the marginal list is stale, i.e. at high temperature where moves are
    often accepted)."""
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


@nb.njit(cache=True, inline="always")
def marginal_delta(yrow, sr, c, ti, flips, lo, hi, idx_r, nm, stale, r):
    """ΔE (integer) of the errors or flips energy of replica r: over the listed patterns while the list is
    valid (stale[r] = 0), else by a full scan; the list is rebuilt after ``_STALE`` consecutive rejections
    (accepted moves invalidate it, and rebuilding it costs a non-vectorizable O(P) pass)."""
    if stale[r] == 0:
        return listed_delta(yrow, sr, c, ti, idx_r, nm[r], flips)
    de = scan_delta(yrow, sr, c, ti, flips)
    stale[r] += 1
    if stale[r] > _STALE:
        nm[r] = build_marginal(sr, lo, hi, idx_r)
        stale[r] = 0
    return de


@nb.njit(cache=True)
def shift_stabilities(sr, yrow, two_c, ti):
    """s ← s − 2c·y (vectorized): the update of both perceptron energies after an accepted flip; returns
    the change of the number of errors (s ≤ ti)."""
    dn = np.int32(0)
    for mu in range(sr.shape[0]):
        x = sr[mu]
        nx = x - two_c * np.int32(yrow[mu])
        sr[mu] = nx
        dn += np.int32(nx <= ti) - np.int32(x <= ti)
    return dn


@nb.njit(cache=True, inline="always")
def perceptron_table_delta(yrow, sr, two_c, etab, off):
    """ΔE = Σ_μ etab[s^μ − 2c·y^μ + off] − etab[s^μ + off] on the int32 stabilities (the perceptron's form of
    :func:`table_delta`, without the field/pre-activation indirection)."""
    de = 0.0
    for mu in range(sr.shape[0]):
        q = sr[mu] + off
        de += etab[q - two_c * np.int32(yrow[mu])] - etab[q]
    return de


@nb.njit(cache=True, inline="always")
def _new_pre(code, k, half, hk, dh, pre):
    if code == Output.PERCEPTRON:
        return pre + dh
    if code == Output.PARITY:
        return pre if sgn(hk + dh) == sgn(hk) else -pre
    return pre - unit_contribution(code, k, half, hk) + unit_contribution(code, k, half, hk + dh)


@nb.njit(cache=True)
def table_delta(xrow, sig, hk, pre, etab, off, code, k, half, two_w, t, e, emin):
    """ΔE (table energy) of flipping a weight of unit k whose input row is ``xrow``, or ``_REJECTED`` as soon
    as the move is certain to be rejected (ΔE ≥ t whatever the unscanned patterns hold).

    hk: unit-k fields (P,), pre: pre-activations (P,), two_w = 2·W_j (before the flip), e = current energy,
    emin = the smallest table entry.
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
def table_apply(xrow, sig, hk, pre, code, k, half, two_w, ti):
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
# the driver
# ---------------------------------------------------------------------------------------------------
def metropolis(kind, problem, state, schedule, rng, n_moves, stop_at_solution, e_trace, n_trace):
    """Metropolis sweeps on R replicas with energy ``kind`` (an ``ENERGY_*`` code) and, for R > 1, the
    robust-ensemble coupling; the arguments are those of :func:`_sweeps`.

    The loop is written once (:func:`_sweeps`) and compiled once per energy, with ``kind`` a constant, in
    the small entry points below: the compiler removes the branches of the other energies, so each energy
    runs a loop of its own with no per-move dispatch (and no register pressure from the code of the
    others), and a run compiles only the energy it uses. (Passing the energy functions to the driver as
    first-class functions would do the same, but Numba cannot cache a function that takes a jitted function
    as an argument: every process would compile the driver again.)
    """
    return _ENTRY[kind](problem, state, schedule, rng, n_moves, stop_at_solution, e_trace, n_trace)


@nb.njit(cache=True)
def _metropolis_errors(problem, state, schedule, rng, n_moves, stop_at_solution, e_trace, n_trace):
    return _sweeps(ENERGY_ERRORS, problem, state, schedule, rng, n_moves, stop_at_solution, e_trace, n_trace)


@nb.njit(cache=True)
def _metropolis_flips(problem, state, schedule, rng, n_moves, stop_at_solution, e_trace, n_trace):
    return _sweeps(ENERGY_FLIPS, problem, state, schedule, rng, n_moves, stop_at_solution, e_trace, n_trace)


@nb.njit(cache=True)
def _metropolis_perceptron_table(problem, state, schedule, rng, n_moves, stop_at_solution, e_trace, n_trace):
    return _sweeps(ENERGY_PERCEPTRON_TABLE, problem, state, schedule, rng, n_moves, stop_at_solution, e_trace,
                   n_trace)


@nb.njit(cache=True)
def _metropolis_table(problem, state, schedule, rng, n_moves, stop_at_solution, e_trace, n_trace):
    return _sweeps(ENERGY_TABLE, problem, state, schedule, rng, n_moves, stop_at_solution, e_trace, n_trace)


@nb.njit(cache=True, inline="always")
def _sweeps(kind, problem, state, schedule, rng, n_moves, stop_at_solution, e_trace, n_trace):
    """Metropolis sweeps on R replicas with energy ``kind`` (an ``ENERGY_*`` code) and, for R > 1, the
    robust-ensemble coupling (the one loop of this module; see :func:`metropolis`).

    problem = (rows, sig, cols, m, code, ti, off): ``rows`` the input rows the energy reads (``yT`` for the
    perceptron energies, ``xT`` for ``ENERGY_TABLE``), labels, input columns, inputs per unit, output rule,
    integer error threshold, table offset.
    state = (w, w_sum, fld, h, energy, nerr), all updated in place: w (R, n_weights) int8; w_sum (n_weights,)
    int64 = Σ_a W^a; fld (R, P) int32 = the stabilities s (perceptron energies) or the pre-activations
    (``ENERGY_TABLE``); h (R, K, P) int32 unit fields (read by ``ENERGY_TABLE`` only); energy (R,) float64;
    nerr (R,) int64 errors.
    schedule = (betas, etabs, emins, ctabs, ymax): one sweep per β; the tabulated energies use etabs[s]
    (and its minimum emins[s]) at sweep s and recompute the energy from the integer state at every sweep
    start (no float drift beyond one sweep); ctabs (S, 2·ymax+1, 2) the coupling tables (ignored when R = 1).

    One sweep = ``n_moves`` moves on uniformly drawn (replica, weight). Stops right after the move that
    brings a replica to 0 errors if ``stop_at_solution``. Returns (sweeps done, replica solved or −1);
    e_trace/n_trace (S, R) receive the energies/errors at each sweep end.
    """
    rows, sig, cols, m, code, ti, off = problem
    w, w_sum, fld, h, energy, nerr = state
    betas, etabs, emins, ctabs, ymax = schedule
    r_, nw = w.shape
    p = fld.shape[1]
    half = h.shape[1] // 2
    coupled = r_ > 1
    nrw = r_ * nw
    integer = kind == ENERGY_ERRORS or kind == ENERGY_FLIPS
    flips = kind == ENERGY_FLIPS
    # marginal-pattern lists of the integer energies; stale[r] = 0: list valid, k > 0: stale, k−1 rejections
    # since the last accepted move
    lo = np.int64(-(1 << 40)) if flips else np.int64(ti - 2)
    hi = np.int64(ti + 2)
    idx = np.empty((r_, p if integer else 0), np.int32)
    nm = np.zeros(r_, np.int64)
    stale = np.zeros(r_, np.int64)
    if integer:
        for r in range(r_):
            nm[r] = build_marginal(fld[r], lo, hi, idx[r])
    ptab = np.empty(_PTAB)
    for sw in range(betas.shape[0]):
        beta = betas[sw]
        etab = etabs[sw]
        emin = emins[sw]
        if integer:
            for q in range(_PTAB):
                ptab[q] = math.exp(-beta * q)
        elif kind == ENERGY_PERCEPTRON_TABLE:
            stability_table_energy(fld, etab, off, energy)
        else:
            energy[:] = table_energy(fld, sig, etab, off)
        for _ in range(n_moves):
            x = rng.random() * nrw
            rj = int(x)
            u = x - rj
            r = rj // nw
            j = rj - r * nw
            c = w[r, j]
            two_c = 2 * np.int32(c)
            cpl = ctabs[sw, w_sum[j] - c + ymax, (c + 1) // 2] if coupled else 0.0   # β·ΔE_int
            if integer:
                yrow = rows[j]
                dei = marginal_delta(yrow, fld[r], c, ti, flips, lo, hi, idx[r], nm, stale, r)
                if coupled:
                    lu = -math.log(u) if u > 0.0 else np.inf
                    if beta * dei + cpl >= lu:
                        continue
                elif dei > 0:
                    if dei < _PTAB:
                        if u >= ptab[dei]:
                            continue
                    elif u >= math.exp(-beta * dei):
                        continue
                de = float(dei)
                dn = np.int64(shift_stabilities(fld[r], yrow, two_c, ti))
                stale[r] = 1
            else:
                lu = -math.log(u) if u > 0.0 else np.inf
                if coupled:
                    lu -= cpl
                t = lu / beta
                if kind == ENERGY_PERCEPTRON_TABLE:
                    yrow = rows[j]
                    de = perceptron_table_delta(yrow, fld[r], two_c, etab, off)
                    if de >= t:
                        continue
                    dn = np.int64(shift_stabilities(fld[r], yrow, two_c, ti))
                else:
                    k = j // m
                    xrow = rows[cols[j]]
                    de = table_delta(xrow, sig, h[r, k], fld[r], etab, off, code, k, half, two_c, t, energy[r],
                                     emin)
                    if de >= t:
                        continue
                    dn = table_apply(xrow, sig, h[r, k], fld[r], code, k, half, two_c, ti)
            nerr[r] += dn
            w[r, j] = -c
            w_sum[j] -= 2 * c
            energy[r] += de
            if stop_at_solution and nerr[r] == 0:
                for q in range(r_):
                    e_trace[sw, q] = energy[q]
                    n_trace[sw, q] = nerr[q]
                return sw + 1, r
        for q in range(r_):
            e_trace[sw, q] = energy[q]
            n_trace[sw, q] = nerr[q]
    return betas.shape[0], -1


_ENTRY = {ENERGY_ERRORS: _metropolis_errors, ENERGY_FLIPS: _metropolis_flips,
          ENERGY_PERCEPTRON_TABLE: _metropolis_perceptron_table, ENERGY_TABLE: _metropolis_table}


def stabilities_int(w, ka: KernelArrays):
    """Integer fields, pre-activations and stabilities σ·pre (R, P) from scratch."""
    h, pre = init_fields(w, ka.xT, ka.sig, ka.cols, ka.m, ka.k, ka.code)
    return h, pre, (pre * ka.sig[None, :].astype(np.int32)).astype(np.int32)


def geometric(a, b, n):
    """n values from a to b, geometrically spaced (a alone if n = 1)."""
    if n == 1:
        return np.array([float(a)])
    return a * (b / a) ** (np.arange(n) / (n - 1))


# ---------------------------------------------------------------------------------------------------
# schedule and bookkeeping shared by sa, sa-ce and replicated-sa
# ---------------------------------------------------------------------------------------------------
def anneal(ka: KernelArrays, w, betas, *, loss_code=LossCode.ERROR, ce_gammas=None, couplings=None, rng,
           progress=False, max_seconds=None, desc="mc", check_centre=False, stop_at_solution=True):
    """Run the annealing schedule ``betas`` (one sweep each) on replicas ``w`` (R, n_weights), in place.

    loss_code ``LossCode.ERROR``, ``CROSS_ENTROPY`` (with γ = ``ce_gammas[s]`` at sweep s) or ``FLIPS``;
    ``couplings[s]`` = the robust-ensemble γ at sweep s (R > 1). One sweep = R·n_weights moves. Stops at the
    first sweep end in which the centre (if ``check_centre``) or, right after the move, a replica has 0
    training errors, or at ``max_seconds``; with ``stop_at_solution=False`` the whole schedule is run. Returns
    a dict: sweeps, history arrays, solver (−1 none, r replica, R centre), centre, nerr.
    """
    import time

    from tqdm.auto import tqdm

    r_ = w.shape[0]
    n_sweeps = betas.shape[0]
    kind = driver_energy(ka, loss_code)
    h, pre = init_fields(w, ka.xT, ka.sig, ka.cols, ka.m, ka.k, ka.code)
    nerr = count_errors(pre, ka.sig, ka.ti)
    w_sum = w.astype(np.int64).sum(axis=0)
    ymax = r_
    if kind == ENERGY_TABLE:
        rows, fld = ka.xT, pre
        energy = nerr.astype(np.float64)          # recomputed by the driver at every sweep start
    else:
        rows = ka.yT
        fld = (h[:, 0, :] * ka.sig[None, :].astype(np.int32)).astype(np.int32)
        energy = integer_energy(fld, ka.ti, kind == ENERGY_FLIPS).astype(np.float64)
    problem = (rows, ka.sig, ka.cols, ka.m, ka.code, ka.ti, ka.off)
    state = (w, w_sum, fld, h, energy, nerr)
    hist_e = np.full((n_sweeps, r_), np.nan)
    hist_n = np.full((n_sweeps, r_), -1, np.int64)
    hist_c = np.full(n_sweeps, -1, np.int64)
    hist_int = np.full(n_sweeps, np.nan)
    n_moves = r_ * ka.n_weights
    work = max(1, n_moves * max(1, ka.p))
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
            if kind in (ENERGY_ERRORS, ENERGY_FLIPS):
                etabs = np.zeros((stop - done, 1))       # the integer energies use no table
            elif ce_gammas is None:                    # a fixed table (the error loss off the perceptron)
                etabs = np.repeat(energy_table(ka, loss_code, 0.0)[None, :], stop - done, axis=0)
            else:
                etabs = np.stack([energy_table(ka, loss_code, g) for g in ce_gammas[done:stop]])
            schedule = (b, etabs, etabs.min(axis=1), ctabs, ymax)
            et = np.zeros((stop - done, r_))
            nt = np.zeros((stop - done, r_), np.int64)
            n, rsol = metropolis(kind, problem, state, schedule, rng, n_moves, stop_at_solution, et, nt)
            hist_e[done:done + n] = et[:n]
            hist_n[done:done + n] = nt[:n]
            if couplings is not None:
                hist_int[done + n - 1] = interaction_energy(w, couplings[done + n - 1], betas[done + n - 1])
            done += n
            bar.update(n)
            bar.set_postfix(errors=int(nerr.min()))
            if rsol >= 0:
                solver = int(rsol)
                break
            if check_centre:
                ce, centre = centre_errors(w, ka.xT, ka.sig, ka.cols, ka.m, ka.k, ka.code, ka.ti)
                hist_c[done - 1] = ce
                if ce == 0 and stop_at_solution:
                    solver = r_
                    break
            if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
                break
    if check_centre and solver != r_:
        ce, centre = centre_errors(w, ka.xT, ka.sig, ka.cols, ka.m, ka.k, ka.code, ka.ti)
        hist_c[done - 1] = ce
    return {"sweeps": done, "energy": hist_e[:done], "errors": hist_n[:done], "centre_errors": hist_c[:done],
            "interaction": hist_int[:done], "solver": solver, "centre": centre, "nerr": nerr}

r"""Output node of the ReLU committee for belief propagation: the distribution of a signed sum of rectified fields.

Model (:mod:`wfm.models`; Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), arXiv:1907.07578): K hidden
fields a_k = Σ_i W_{ki} ξ_{k,i} (unscaled: the output rule is positively homogeneous, so the 1/√m of the model
moves into the threshold κ' = κ√m), output weights c_k = +1 for k < K/2 and −1 after, and pattern μ is
satisfied iff σ Σ_k c_k relu(a_k) > κ'. With c'_k = σ c_k the factor is Θ(Σ_k c'_k relu(a_k) − κ').

In BP each a_k reaches the factor with a cavity distribution (weights independent). For unit k write
S_{−k} = Σ_{j≠k} c'_j relu(a_j) (the other units) and

    Ψ_k(ω) = P(S_{−k} + c'_k relu(a_k) > κ'),    a_k ~ N(ω, s_k²)  (Gaussian form)

Ψ_k at the unit's own mean is the normalisation Z_μ of the factor; its derivatives in ω give the messages.
Derivation and error checks: ``docs/bp_two_layer.md``.

**Gaussian form** (:func:`relu_gauss_output`). relu(a_j) is an atom at 0 of mass α_j = H(μ_j/s_j) plus a density
on (0, ∞). The density is cut into bins [iδ, (i+1)δ) of exact mass H((iδ−μ)/s) − H(((i+1)δ−μ)/s), each placed at
its midpoint (i+½)δ; the atom stays at 0. Values are kept on the half-lattice t·δ/2 (atom at index 0, bin i at
index ±(2i+1)), so sums of components stay on it, and the law of S_{−k} is the discrete convolution of the
other units' arrays. The own unit k is integrated in closed form against it:

    c'_k = +1:  φ(t) = 1 (t > κ'),  H((κ' − t − ω)/s_k) (t ≤ κ')
    c'_k = −1:  φ(t) = 0 (t ≤ κ'),  1 − H((t − κ' − ω)/s_k) (t > κ')

with ∂_ω and ∂²_ω φ in closed form (G(z)/s, zG(z)/s²). φ jumps at t = κ' (put on the lattice: δ is made a
divisor of |κ'| when |κ'| ≥ δ; for 0 < |κ'| < δ the continuous mass near κ' is off by at most δ); the exact atom of S_{−k} (all other units inactive, mass Π_{j≠k} α_j) takes the value at the
jump, the continuous mass on that lattice point (two or more active units) the mean of the two one-sided
limits. Grid: δ = s_max/``res`` (s_max the largest unit spread), bins within ``rng_sd`` standard deviations of
each mean, and δ enlarged where needed so that no unit needs more than :data:`RELU_NBIN` bins. The error is
O(δ²) (midpoint rule): with the defaults (8 bins per spread, 6 spreads) measured ≤ 1.5e-3 in ln Z and ≤ 6e-4
relative in its derivatives against quadrature (tests/test_bp_two_layer.py).

**±1 inputs** (``lattice``): a_k is an odd integer, so the lattice is that of the fields themselves: δ = 2, each
unit's Gaussian is put on its own odd support (bin [2i, 2i+2) ↦ 2i+1, i.e. the continuity-corrected mass) and
the own unit is summed on it too: Ψ_k, ∂Ψ_k, ∂²Ψ_k are the others' law against survival sums of the own unit's
masses and of their ω-derivatives (table look-ups, no special function per lattice point). Ties Σ_k c'_k relu(a_k) = κ' have a probability
O(1/√m) and count as errors, as in the model; nothing is discretised beyond the central-limit approximation of
each unit (δ grows to 2j, j odd, only when a field exceeds 2·(RELU_NBIN − 2)).

**Exact form** (:func:`relu_exact_output`): for ±1 inputs and exact unit laws (counts of +1 terms), a_k is an
odd integer and S_{−k} is an integer-valued sum: its law is the exact convolution of the other units' laws on
the integer lattice, and f_k(C) = P(S_{−k} + c'_k relu(a_k(C)) > κ') for every count C of unit k.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ...core.numerics import U_MAX

_JIT = dict(cache=True, nogil=True, error_model="numpy")
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

#: default Gaussian-form grid: bins per largest unit spread, and the half-width in spreads of each unit's bins
RELU_RES = 8.0
RELU_RANGE = 6.0
#: most bins a unit's continuous part may use (the grid is coarsened beyond)
RELU_NBIN = 128
#: length of one unit's half-lattice array (an unlucky divisor of κ' can halve δ: 2·(2·RELU_NBIN) + 1)
RELU_LEN = 4 * RELU_NBIN + 1


@nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _H(z):  # pragma: no cover - compiled
    return 0.5 * math.erfc(z * _SQRT1_2)


@nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _G(z):  # pragma: no cover - compiled
    return _INV_SQRT_2PI * math.exp(-0.5 * z * z)


@nb.njit(**_JIT)
def conv_lattice(a, alo, alen, b, blo, blen, out):  # pragma: no cover - compiled
    """out[0 : alen+blen−1] = a[:alen] ∗ b[:blen] (discrete convolution of two laws on a lattice whose first
    entries sit at indices alo, blo); returns (olo, olen). Zero entries of ``a`` are skipped."""
    olen = alen + blen - 1
    for t in range(olen):
        out[t] = 0.0
    for i in range(alen):
        ai = a[i]
        if ai == 0.0:
            continue
        for j in range(blen):
            out[i + j] += ai * b[j]
    return alo + blo, olen


@nb.njit(**_JIT)
def relu_component(mu, s, cp, delta, rng_sd, arr, d1, d2):  # pragma: no cover - compiled
    """Law of c'·relu(a), a ~ N(mu, s²), on the half-lattice tδ/2: atom H(mu/s) at t = 0, the mass of bin
    [iδ, (i+1)δ) at t = ±(2i+1). Writes ``arr`` (indices increasing), and into ``d1``, ``d2`` the first and second
    derivatives of each mass in mu (H((c − mu)/s) has derivatives G(z)/s and zG(z)/s², z = (c − mu)/s); returns
    (lo, length)."""
    alpha = _H(mu / s)
    hi_v = mu + rng_sd * s
    if hi_v <= 0.0:
        arr[0] = 1.0
        d1[0] = 0.0
        d2[0] = 0.0
        return 0, 1
    lo_v = max(0.0, mu - rng_sd * s)
    i0 = int(math.floor(lo_v / delta))
    i1 = int(math.ceil(hi_v / delta))
    n = 2 * i1 + 1
    for t in range(n):
        arr[t] = 0.0
        d1[t] = 0.0
        d2[t] = 0.0
    z = (i0 * delta - mu) / s
    prev = _H(z)
    gp = _G(z)
    zp = z
    if i0 == 0:
        prev = 1.0 - alpha
    for i in range(i0, i1):
        z = ((i + 1) * delta - mu) / s
        cur = _H(z)
        gc = _G(z)
        w = prev - cur
        if w < 0.0:
            w = 0.0
        pos = 2 * i + 1 if cp > 0 else n - 1 - (2 * i + 1)
        arr[pos] = w
        d1[pos] = (gp - gc) / s
        d2[pos] = (zp * gp - z * gc) / (s * s)
        prev = cur
        gp = gc
        zp = z
    # atom: mass 1 − H(−mu/s) = H(mu/s), derivatives −G(z0)/s, −z0 G(z0)/s² at z0 = −mu/s
    z0 = -mu / s
    g0 = _G(z0)
    pos = 0 if cp > 0 else n - 1
    arr[pos] = alpha
    d1[pos] = -g0 / s
    d2[pos] = -z0 * g0 / (s * s)
    if cp > 0:
        return 0, n
    return -(n - 1), n


@nb.njit(**_JIT)
def _phi(cp, tv, kap, om, s):  # pragma: no cover - compiled
    """(φ, ∂_ω φ, ∂²_ω φ) of the own unit at a value tv ≠ κ' of the others' sum (module docstring)."""
    if cp > 0:
        if tv > kap:
            return 1.0, 0.0, 0.0
        z = (kap - tv - om) / s
        g = _G(z)
        return _H(z), g / s, z * g / (s * s)
    if tv <= kap:
        return 0.0, 0.0, 0.0
    z = (tv - kap - om) / s
    g = _G(z)
    return 1.0 - _H(z), -g / s, -z * g / (s * s)


@nb.njit(**_JIT)
def _phi_jump(cp, om, s):  # pragma: no cover - compiled
    """φ and derivatives exactly at tv = κ' for an atom (strict inequality: the own unit must be active for
    c' = +1, can never help for c' = −1) and the one-sided limits' mean for continuous mass."""
    z = -om / s
    g = _G(z)
    h = _H(z)
    if cp > 0:
        at = (h, g / s, z * g / (s * s))
        ct = (0.5 * (1.0 + h), 0.5 * g / s, 0.5 * z * g / (s * s))
    else:
        at = (0.0, 0.0, 0.0)
        # limit t → κ'+: P(a < 0) = 1 − H(−ω/s)
        ct = (0.5 * (1.0 - h), -0.5 * g / s, -0.5 * z * g / (s * s))
    return at, ct


@nb.njit(**_JIT)
def relu_grid(mus, s2s, sg, kappa_out, res, rng_sd, lattice):  # pragma: no cover - compiled
    """Lattice step δ of :func:`relu_gauss_output` (module docstring) from the absorbed cavity means ``mus``,
    variances ``s2s`` and the label ``sg``. ``lattice`` (±1 inputs, odd integer fields): δ = 2j with j the
    smallest odd integer keeping every unit within RELU_NBIN bins (j = 1 unless the fields are very large)."""
    kk = mus.shape[0]
    smax = 0.0
    top = 0.0
    for j in range(kk):
        s = math.sqrt(max(s2s[j], 1e-300))
        smax = max(smax, s)
        top = max(top, sg * mus[j] + rng_sd * s)
    if lattice:
        jj = max(1, int(math.ceil(top / (2.0 * (RELU_NBIN - 2)))))
        if jj % 2 == 0:
            jj += 1
        return 2.0 * jj
    delta = smax / res
    delta = max(delta, top / (RELU_NBIN - 2))
    if not delta > 0.0:
        delta = 1.0
    if abs(kappa_out) >= delta:
        delta = abs(kappa_out) / math.ceil(abs(kappa_out) / delta)
    return delta


@nb.njit(**_JIT)
def relu_gauss_output(mus, s2s, sg, kappa_out, res, rng_sd, lattice, l1, l2, comp, dcomp, ddcomp, surv, clo, cln, acc,
                      tmp):  # pragma: no cover
    """Gaussian-form ReLU output node (module docstring). Inputs: label-absorbed cavity means ``mus`` and variances
    ``s2s`` of the K unit fields, label ``sg``, κ' = ``kappa_out``, grid (``res``, ``rng_sd``), ``lattice``
    (±1 inputs: the fields are odd integers, each unit's Gaussian is discretised on its own support and ties
    Σ_k c'_k relu(a_k) = κ' count as errors). Writes
    l1[k] = ∂ ln Ψ_k/∂μ_k and l2[k] = ∂² ln Ψ_k/∂μ_k² (derivatives in the absorbed mean μ_k = σ ω) and returns
    ln Ψ_0 (= ln Z of the factor; −inf when the pattern cannot be satisfied). Work arrays: comp, dcomp, ddcomp
    (K, L), surv (3, L), clo, cln (K,) int64, acc, tmp (≥ K·L)."""
    kk = mus.shape[0]
    half = kk // 2
    delta = relu_grid(mus, s2s, sg, kappa_out, res, rng_sd, lattice)
    hd = 0.5 * delta
    atoms = np.empty(kk)
    for j in range(kk):
        cp = sg * (1.0 if j < half else -1.0)
        s = math.sqrt(max(s2s[j], 1e-300))
        lo, ln = relu_component(sg * mus[j], s, cp, delta, rng_sd, comp[j], dcomp[j], ddcomp[j])
        clo[j] = lo
        cln[j] = ln
        atoms[j] = _H(sg * mus[j] / s)
    lnz0 = -math.inf
    # lattice index of the jump of φ at κ' (on the lattice unless 0 < |κ'| < δ: then no lattice point is treated
    # as the jump and the continuous mass near κ' is placed by its lattice value)
    jump = int(round(kappa_out / hd)) if (not lattice and (kappa_out == 0.0 or abs(kappa_out) >= delta)) else -(1 << 40)
    jj = kappa_out / hd
    for k in range(kk):
        # law of S_{-k}
        alo = 0
        alen = 1
        acc[0] = 1.0
        atom = 1.0
        for j in range(kk):
            if j == k:
                continue
            atom *= atoms[j]
            olo, olen = conv_lattice(comp[j], clo[j], cln[j], acc, alo, alen, tmp)
            for t in range(olen):
                acc[t] = tmp[t]
            alo = olo
            alen = olen
        cp = sg * (1.0 if k < half else -1.0)
        s = math.sqrt(max(s2s[k], 1e-300))
        om = sg * mus[k]
        p0 = 0.0
        p1 = 0.0
        p2 = 0.0
        if lattice:
            # the own unit on its own discretised law: survival sums (in lattice order) of its masses and of their
            # derivatives; S_{-k} = t needs own index v ≥ ⌊J − t⌋ + 1 (J = κ'/(δ/2))
            klo = clo[k]
            kn = cln[k]
            r0 = 0.0
            r1 = 0.0
            r2 = 0.0
            for p in range(kn - 1, -1, -1):
                r0 += comp[k, p]
                r1 += dcomp[k, p]
                r2 += ddcomp[k, p]
                surv[0, p] = r0
                surv[1, p] = r1
                surv[2, p] = r2
            for t in range(alen):
                w = acc[t]
                if w == 0.0:
                    continue
                p = int(math.floor(jj - (alo + t))) + 1 - klo
                if p >= kn:
                    continue
                if p < 0:
                    p = 0
                p0 += w * surv[0, p]
                p1 += w * surv[1, p]
                p2 += w * surv[2, p]
        else:
            for t in range(alen):
                w = acc[t]
                if w == 0.0:
                    continue
                idx = alo + t
                if idx == jump:
                    at, ct = _phi_jump(cp, om, s)
                    wa = atom if idx == 0 else 0.0
                    wc = max(w - wa, 0.0)
                    p0 += wa * at[0] + wc * ct[0]
                    p1 += wa * at[1] + wc * ct[1]
                    p2 += wa * at[2] + wc * ct[2]
                else:
                    f0, f1, f2 = _phi(cp, idx * hd, kappa_out, om, s)
                    p0 += w * f0
                    p1 += w * f1
                    p2 += w * f2
        if p0 > 0.0:
            g = p1 / p0
            l1[k] = sg * g
            l2[k] = p2 / p0 - g * g
            if k == 0:
                lnz0 = math.log(p0)
        else:
            l1[k] = 0.0
            l2[k] = 0.0
    return lnz0


# ------------------------------------------------------------------------------------------------
# exact form (±1 inputs, integer fields)
# ------------------------------------------------------------------------------------------------
@nb.njit(**_JIT)
def relu_exact_output(dist, sg, kappa_out, f, comp, clo, cln, acc, tmp):  # pragma: no cover - compiled
    """Exact ReLU output node on integer fields. ``dist[k, C]`` = P(C of the m terms x_j W_j of unit k are +1)
    (absorbed field b = 2C − m, raw field a = σ b). Writes f[k, C] = P(S_{−k} + c'_k relu(a_k(C)) > κ') for
    C = 0…m and returns ln Z = ln Σ_C dist[0, C] f[0, C]."""
    kk, m1 = dist.shape
    mm = m1 - 1
    half = kk // 2
    isg = 1 if sg > 0 else -1
    # law of c'_j relu(a_j) on the integer lattice 0…m (or −m…0)
    for j in range(kk):
        cp = sg * (1.0 if j < half else -1.0)
        for t in range(m1):
            comp[j, t] = 0.0
        for c in range(m1):
            a = isg * (2 * c - mm)
            r = a if a > 0 else 0
            if cp > 0:
                comp[j, r] += dist[j, c]
            else:
                comp[j, mm - r] += dist[j, c]
        clo[j] = 0 if cp > 0 else -mm
        cln[j] = m1
    lnz = -math.inf
    for k in range(kk):
        alo = 0
        alen = 1
        acc[0] = 1.0
        for j in range(kk):
            if j == k:
                continue
            olo, olen = conv_lattice(comp[j], clo[j], cln[j], acc, alo, alen, tmp)
            for t in range(olen):
                acc[t] = tmp[t]
            alo = olo
            alen = olen
        # survival: tmp[t] = P(S_{-k} >= alo + t)
        run = 0.0
        for t in range(alen - 1, -1, -1):
            run += acc[t]
            tmp[t] = run
        cp = sg * (1.0 if k < half else -1.0)
        z = 0.0
        for c in range(m1):
            a = isg * (2 * c - mm)
            r = a if a > 0 else 0
            # need S_{-k} > κ' − c' r, i.e. S_{-k} >= floor(κ' − c' r) + 1
            need = int(math.floor(kappa_out - cp * r)) + 1
            t = need - alo
            if t <= 0:
                val = 1.0
            elif t >= alen:
                val = 0.0
            else:
                val = tmp[t]
            f[k, c] = min(val, 1.0)
            if k == 0:
                z += dist[0, c] * f[0, c]
        if k == 0:
            lnz = math.log(z) if z > 0.0 else -math.inf
    return lnz


@nb.njit(**_JIT)
def count_messages(k, xr, hc, L, G, f, damping, uold, unew):  # pragma: no cover - compiled
    """Exact messages of unit k for an output depending on the count C of +1 terms through f[k, C]:
    P(sat | x_i W_i = ±1) = Σ_a L[i, a] G_{i+1}(a + [±]), with G_j(c) = Σ_b R[j, b] f(c + b) built by the backward
    recursion G_j(c) = q_j G_{j+1}(c+1) + (1 − q_j) G_{j+1}(c) (q_j = P(x_j W_j = +1)). L = prefix tables of
    :func:`wfm.bp._kernels.factors._unit_tables`. unew[i] = (1−λ) u_new + λ u_old, u = x_i · ½ ln(P₊/P₋)."""
    mm = xr.shape[1]
    for c in range(mm + 1):
        G[mm, c] = f[k, c]
    for j in range(mm - 1, -1, -1):
        t = 2.0 * xr[k, j] * hc[k, j]
        e = math.exp(-abs(t))
        q = 1.0 / (1.0 + e) if t >= 0.0 else e / (1.0 + e)
        qm = e / (1.0 + e) if t >= 0.0 else 1.0 / (1.0 + e)
        for c in range(j + 1):
            G[j, c] = q * G[j + 1, c + 1] + qm * G[j + 1, c]
    for i in range(mm):
        pp = 0.0
        pm = 0.0
        for a in range(i + 1):
            la = L[i, a]
            if la == 0.0:
                continue
            pp += la * G[i + 1, a + 1]
            pm += la * G[i + 1, a]
        if pp > 0.0 and pm > 0.0:
            r = 0.5 * (math.log(pp) - math.log(pm))
        elif pp > 0.0:
            r = U_MAX
        elif pm > 0.0:
            r = -U_MAX
        else:
            r = 0.0
        r = min(max(r, -U_MAX), U_MAX)
        un = xr[k, i] * r
        unew[i] = (1.0 - damping) * un + damping * uold[i]

"""BP on the two-layer machines beyond the sign committee: ReLU committees (tree and fully connected) and the parity
machine. Kernels against slow NumPy/SciPy references (the table KERNEL_REFERENCES), factor messages against
enumeration of the factor, Bethe free entropy exact on a tree (one pattern), and the entropy / local entropy
against exhaustive counts (``pytest -m slow`` for the 20-instance validation; also a script:
``python tests/test_bp_two_layer.py validate`` prints the figures quoted in benchmarks/BENCHMARKS.md).
"""
import itertools
import json
import math
import sys
import warnings

import numpy as np
import pytest
from scipy import integrate
from scipy.special import ndtr

import wfm
from wfm import exact
from wfm.bp import BP, entropy, exact_canonical, local_entropy, run_bp
from wfm.bp import _kernels as K
from wfm.bp._kernels import factors as KF
from wfm.bp._kernels import relu as KR
from wfm.kernels.arrays import KernelArrays


def Hf(z):
    return ndtr(-np.asarray(z, float))


def Gf(z):
    return np.exp(-0.5 * np.asarray(z, float) ** 2) / math.sqrt(2 * math.pi)


# ------------------------------------------------------------------------------------------------
# slow references
# ------------------------------------------------------------------------------------------------
def ref_conv_lattice(a, alo, alen, b, blo, blen, out):
    r = np.convolve(a[:alen], b[:blen])
    out[:r.size] = r
    return alo + blo, alen + blen - 1


def ref_relu_component(mu, s, cp, delta, rng_sd, arr, d1, d2):
    """Atom H(μ/s) at 0 and the mass of every bin [iδ,(i+1)δ) of (0, ∞) at ±(2i+1) (half-lattice), from the normal
    CDF, bins kept where they meet [μ − rng_sd·s, μ + rng_sd·s]; the μ-derivatives by central differences."""
    def masses(m):
        alpha = float(Hf(m / s))
        i0 = int(math.floor(max(0.0, mu - rng_sd * s) / delta))
        i1 = int(math.ceil((mu + rng_sd * s) / delta))
        vals = np.zeros(2 * i1 + 1)
        for i in range(i0, i1):
            lo = i * delta if i > 0 else 0.0
            vals[2 * i + 1] = ndtr(((i + 1) * delta - m) / s) - ndtr((lo - m) / s)
        vals[0] = alpha
        return vals
    if mu + rng_sd * s <= 0:
        arr[0], d1[0], d2[0] = 1.0, 0.0, 0.0
        return 0, 1
    h = 1e-3 * s
    v, vp, vm = masses(mu), masses(mu + h), masses(mu - h)
    n = v.size
    for out, val in ((arr, v), (d1, (vp - vm) / (2 * h)), (d2, (vp - 2 * v + vm) / h ** 2)):
        out[:n] = val if cp > 0 else val[::-1]
    return (0, n) if cp > 0 else (-(n - 1), n)


def ref_relu_grid(mus, s2s, sg, kappa_out, res, rng_sd, lattice):
    s = np.sqrt(np.maximum(s2s, 1e-300))
    top = np.max(sg * mus + rng_sd * s)
    if lattice:
        j = max(1, math.ceil(top / (2 * (KR.RELU_NBIN - 2))))
        return 2.0 * (j + (j % 2 == 0))
    d = max(s.max() / res, top / (KR.RELU_NBIN - 2))
    if abs(kappa_out) >= d:
        d = abs(kappa_out) / math.ceil(abs(kappa_out) / d)
    return d


def _psi_quad(mus, s2s, sg, kappa_out, k, omega):
    """Ψ_k(ω) for K = 2, continuous fields: scipy quadrature over the other unit's field, the own unit analytic."""
    j = 1 - k
    cp = [sg * (1.0 if i == 0 else -1.0) for i in range(2)]
    sj, sk = math.sqrt(s2s[j]), math.sqrt(s2s[k])
    mj = sg * mus[j]

    def own(t):  # P(t + c'_k relu(a_k) > κ')
        if cp[k] > 0:
            return 1.0 if t > kappa_out else float(Hf((kappa_out - t - omega) / sk))
        return 0.0 if t <= kappa_out else 1.0 - float(Hf((t - kappa_out - omega) / sk))

    atom = float(Hf(mj / sj)) * own(0.0)
    cont = integrate.quad(lambda a: Gf((a - mj) / sj) / sj * own(cp[j] * a), 0.0, mj + 12 * sj,
                          points=[max(abs(kappa_out), 1e-9)], limit=400, epsabs=1e-13)[0]
    return atom + cont


def ref_relu_gauss_2(mus, s2s, sg, kappa_out):
    """(ln Ψ_0, l1, l2) for K = 2 with continuous fields, the derivatives by finite differences of the quadrature."""
    l1, l2 = np.empty(2), np.empty(2)
    for k in range(2):
        om = sg * mus[k]
        h = 1e-3 * math.sqrt(s2s[k])
        f = [math.log(_psi_quad(mus, s2s, sg, kappa_out, k, om + d * h)) for d in (-1, 0, 1)]
        l1[k] = sg * (f[2] - f[0]) / (2 * h)
        l2[k] = (f[2] - 2 * f[1] + f[0]) / h ** 2
    return math.log(_psi_quad(mus, s2s, sg, kappa_out, 0, sg * mus[0])), l1, l2


def ref_relu_lattice(mus, s2s, sg, kappa_out):
    """(ln Ψ_0, l1, l2), ±1 inputs with δ = 2: every unit an odd integer a with P(a = o) the Gaussian mass of
    (o−1, o+1) (a ≤ −1 lumped), the pattern satisfied iff Σ_k c'_k relu(a_k) > κ'; brute force over the other units'
    values, the own unit's sum over its values differentiated analytically (NumPy)."""
    kk = mus.size
    s = np.sqrt(s2s)
    mu = sg * mus
    cp = sg * np.where(np.arange(kk) < kk // 2, 1.0, -1.0)
    top = int(np.ceil(np.max(mu + 8 * s)))
    odd = np.arange(1, top + 2, 2, dtype=float)
    vals = [np.concatenate([[0.0], odd]) for _ in range(kk)]
    probs = [np.concatenate([[Hf(mu[j] / s[j])], Hf((odd - 1 - mu[j]) / s[j]) - Hf((odd + 1 - mu[j]) / s[j])])
             for j in range(kk)]
    l1, l2 = np.empty(kk), np.empty(kk)
    lnz = None
    for k in range(kk):
        others = [j for j in range(kk) if j != k]
        tot = np.zeros(1)
        w = np.ones(1)
        for j in others:
            tot = (tot[:, None] + cp[j] * vals[j][None, :]).ravel()
            w = (w[:, None] * probs[j][None, :]).ravel()
        # own unit: P(a_k = o) = H((o−1−ω)/s) − H((o+1−ω)/s), ω-derivatives of H((c−ω)/s): G/s, zG/s²
        ok = (tot[:, None] + cp[k] * vals[k][None, :]) > kappa_out
        z_lo = np.concatenate([[-1e150], (odd - 1 - mu[k]) / s[k]])
        z_hi = np.concatenate([[-mu[k] / s[k]], (odd + 1 - mu[k]) / s[k]])
        p = Hf(z_lo) - Hf(z_hi)
        d1 = (Gf(z_lo) - Gf(z_hi)) / s[k]
        d2 = (np.where(z_lo < -1e100, 0.0, z_lo) * Gf(z_lo) - z_hi * Gf(z_hi)) / s2s[k]
        P0 = (w[:, None] * ok * p[None, :]).sum()
        P1 = (w[:, None] * ok * d1[None, :]).sum()
        P2 = (w[:, None] * ok * d2[None, :]).sum()
        l1[k] = sg * P1 / P0
        l2[k] = P2 / P0 - (P1 / P0) ** 2
        if k == 0:
            lnz = math.log(P0)
    return lnz, l1, l2


def _relu_bufs(kk, mm=1):
    ll = max(KR.RELU_LEN, mm + 1)
    return (np.empty(kk), np.empty(kk), np.zeros((kk, ll)), np.zeros((kk, ll)), np.zeros((kk, ll)), np.zeros((3, ll)),
            np.zeros(kk, np.int64), np.zeros(kk, np.int64), np.zeros(kk * ll), np.zeros(kk * ll))


def _exact_bufs(kk, mm):
    b = _relu_bufs(kk, mm)
    return (b[2], b[6], b[7], b[8], b[9])


def _relu_cases(kk, seed, spread=(3.0, 9.0)):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(6):
        s2 = rng.uniform(*spread, kk) ** 2
        mus = rng.normal(0, 1.0, kk) * np.sqrt(s2)
        out.append((mus, s2, float(rng.choice([-1.0, 1.0]))))
    return out


def check_relu_gauss_continuous():
    """Continuous fields, K = 2: the lattice convolution against quadrature. Default grid (8 bins per spread):
    measured max error 1.4e-3 in ln Z and 6e-4 relative in the derivatives; at 2 and 4 bins per spread the error
    falls by ≈ 4 per halving of δ (midpoint rule, O(δ²))."""
    errs, e2, e4 = [], [], []
    for mus, s2, sg in _relu_cases(2, 0):
        for kap in (0.0, 1.7):
            rz, r1, r2 = ref_relu_gauss_2(mus, s2, sg, kap)
            l1, l2, *w = _relu_bufs(2)
            lz = KR.relu_gauss_output(mus, s2, sg, kap, KR.RELU_RES, KR.RELU_RANGE, False, l1, l2, *w)
            errs.append([abs(lz - rz), *(np.abs(l1 - r1) / np.abs(r1).max()), *(np.abs(l2 - r2) / np.abs(r2).max())])
            for res, store in ((2.0, e2), (4.0, e4)):
                l1c, l2c, *w = _relu_bufs(2)
                store.append(abs(KR.relu_gauss_output(mus, s2, sg, 0.0 * kap, res, KR.RELU_RANGE, False, l1c, l2c, *w)
                                 - ref_relu_gauss_2(mus, s2, sg, 0.0)[0]) if kap == 0.0 else np.nan)
    errs = np.array(errs)
    assert errs[:, 0].max() < 2e-3 and errs[:, 1:].max() < 1e-3, errs.max(0)
    ratio = np.nanmedian(np.array(e2) / np.array(e4))
    assert 3.0 < ratio < 5.0, ratio


def check_relu_gauss_lattice():
    """±1 inputs (δ = 2: each unit's Gaussian on its own odd support, ties are errors) against brute force over
    the lattice values, K = 2 and 4, margins 0 and 3.2: agreement up to the mass beyond 6 spreads."""
    for kk in (2, 4):
        for mus, s2, sg in _relu_cases(kk, kk):
            for kap in (0.0, 3.2):
                l1, l2, *w = _relu_bufs(kk)
                lz = KR.relu_gauss_output(mus, s2, sg, kap, KR.RELU_RES, KR.RELU_RANGE, True, l1, l2, *w)
                rz, r1, r2 = ref_relu_lattice(mus, s2, sg, kap)
                # the kernel keeps each unit within 6 spreads of its mean (mass ~1e-9 dropped), the reference 8
                assert lz == pytest.approx(rz, abs=5e-8)
                np.testing.assert_allclose(l1, r1, rtol=1e-5, atol=1e-10)
                np.testing.assert_allclose(l2, r2, rtol=1e-5, atol=1e-10)


def check_relu_component():
    rng = np.random.default_rng(3)
    for _ in range(20):
        mu, s = rng.normal(0, 5), rng.uniform(0.5, 6)
        delta, cp = rng.uniform(0.3, 2.0), rng.choice([-1.0, 1.0])
        a, b = np.zeros((3, KR.RELU_LEN * 4)), np.zeros((3, KR.RELU_LEN * 4))
        r1 = KR.relu_component(mu, s, cp, delta, 6.0, *a)
        r2 = ref_relu_component(mu, s, cp, delta, 6.0, *b)
        assert r1 == r2
        np.testing.assert_allclose(a[0, :r1[1]], b[0, :r2[1]], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(a[1:, :r1[1]], b[1:, :r2[1]], rtol=1e-5, atol=1e-8 / s ** 2)
        # and K = 1 sums to one (atom + bins within 6 spreads)
        assert a[:r1[1]].sum() == pytest.approx(1.0, abs=1e-8)


def check_conv_lattice():
    rng = np.random.default_rng(4)
    for _ in range(10):
        a, b = rng.random(7) * (rng.random(7) > 0.3), rng.random(11)
        o1, o2 = np.zeros(30), np.zeros(30)
        assert KR.conv_lattice(a, -3, 7, b, 2, 11, o1) == ref_conv_lattice(a, -3, 7, b, 2, 11, o2)
        np.testing.assert_allclose(o1, o2, rtol=1e-14, atol=1e-16)


def check_relu_grid():
    for kk in (2, 4):
        for mus, s2, sg in _relu_cases(kk, 10 + kk, spread=(0.1, 40.0)):
            for kap, lat in ((0.0, False), (2.5, False), (0.3, False), (0.0, True), (50.0, True)):
                assert KR.relu_grid(mus, s2, sg, kap, 4.0, 6.0, lat) == pytest.approx(
                    ref_relu_grid(mus, s2, sg, kap, 4.0, 6.0, lat), rel=1e-14)


def ref_relu_exact_output(dist, sg, kappa_out):
    """f[k, C] and ln Z by enumerating every combination of the units' counts (itertools)."""
    kk, m1 = dist.shape
    mm = m1 - 1
    cp = sg * np.where(np.arange(kk) < kk // 2, 1.0, -1.0)
    f = np.zeros((kk, m1))
    z = 0.0
    for combo in itertools.product(range(m1), repeat=kk):
        a = sg * (2 * np.array(combo) - mm)
        ok = float((cp * np.maximum(a, 0)).sum() > kappa_out)
        w = np.prod([dist[j, combo[j]] for j in range(kk)])
        z += w * ok
        for k in range(kk):
            f[k, combo[k]] += ok * w / dist[k, combo[k]] if dist[k, combo[k]] > 0 else 0.0
    return f, math.log(z) if z > 0 else -math.inf


def check_relu_exact_output():
    rng = np.random.default_rng(5)
    for kk, mm in ((2, 5), (4, 3), (2, 7)):
        for sg in (1.0, -1.0):
            for kap in (0.0, 1.5, -2.0):
                dist = rng.random((kk, mm + 1)) + 0.05
                dist /= dist.sum(1, keepdims=True)
                f = np.zeros((kk, mm + 1))
                lz = KR.relu_exact_output(dist, sg, kap, f, *_exact_bufs(kk, mm))
                fr, lr = ref_relu_exact_output(dist, sg, kap)
                np.testing.assert_allclose(f, fr, rtol=1e-12, atol=1e-14)
                assert lz == pytest.approx(lr, abs=1e-12)


def ref_output_parity(lp, lm, kappa_out, eps):
    """v_k and ln Z by enumerating τ ∈ {±1}^K."""
    kk = lp.size
    taus = np.array(list(itertools.product([-1, 1], repeat=kk)))
    pt = np.where(taus > 0, np.exp(lp), np.exp(lm))
    ok = eps * taus.prod(1) > kappa_out
    z = (pt.prod(1) * ok).sum()
    v = np.empty(kk)
    for k in range(kk):
        oth = np.prod(np.delete(pt, k, axis=1), axis=1)
        v[k] = 0.5 * (np.log((oth * ok)[taus[:, k] > 0].sum()) - np.log((oth * ok)[taus[:, k] < 0].sum()))
    return v, np.log(z)


def check_output_parity():
    rng = np.random.default_rng(6)
    for kk in (2, 3, 4, 5):
        for _ in range(10):
            d = rng.normal(0, 2, kk)
            lp, lm = -np.logaddexp(0, -2 * d), -np.logaddexp(0, 2 * d)
            for eps in (1.0, -1.0):
                v = np.empty(kk)
                lz = KF._output_parity(lp, lm, 0.0, eps, v)
                vr, lr = ref_output_parity(lp, lm, 0.0, eps)
                np.testing.assert_allclose(v, vr, rtol=1e-9, atol=1e-12)
                assert lz == pytest.approx(lr, rel=1e-10, abs=1e-12)
                # output_fields: ε = σ for K even, 1 for K odd
                v2 = np.empty(kk)
                lz2 = KF.output_fields(KF.PARITY, lp, lm, 0.0, v2, np.empty((3, kk)), eps)
                vr2, lr2 = ref_output_parity(lp, lm, 0.0, eps if kk % 2 == 0 else 1.0)
                np.testing.assert_allclose(v2, vr2, rtol=1e-9, atol=1e-12)
                assert lz2 == pytest.approx(lr2, rel=1e-10, abs=1e-12)
    # saturated inputs: no NaN, the forced value
    lp, lm = np.array([0.0, -800.0, 0.0]), np.array([-800.0, 0.0, -800.0])
    v = np.empty(3)
    assert KF._output_parity(lp, lm, 0.0, 1.0, v) < -500 and np.all(np.isfinite(v))
    assert KF._output_parity(lp, lm, 1.0, 1.0, v) == -math.inf and KF._output_parity(lp, lm, -1.5, 1.0, v) == 0.0


def check_gallager():
    x = np.concatenate([10 ** np.linspace(-8, 1.5, 200), [0.0, 800.0]])
    out = np.array([KF.gallager(t) for t in x])
    with np.errstate(divide="ignore"):
        # −ln tanh(x/2) where tanh is not close to 1, 2 atanh(e^{−x}) (the same function) beyond
        ref = np.where(x < 1, -np.log(np.tanh(x / 2)), 2 * np.arctanh(np.exp(-np.maximum(x, 1))))
    np.testing.assert_allclose(out[1:-2], ref[1:-2], rtol=1e-12)
    assert out[-2] == np.inf and out[-1] == 0.0


# ------------------------------------------------------------------------------------------------
# factor messages against enumeration of the factor
# ------------------------------------------------------------------------------------------------
def _satisfied_int(model, W, xi, sig):
    """Pattern (xi, sig) satisfied by each configuration W (C, K, m), in integer arithmetic from the definitions
    (the unscaled fields a_k = Σ_i W_ki ξ_{k,i}; κ scaled by √m where the rule is homogeneous of degree 1)."""
    kk, mm = model.k, model.m
    x = xi.reshape(kk, mm) if model.tree else np.tile(xi, (kk, 1))
    a = np.einsum("cki,ki->ck", W, x.astype(float)).round().astype(np.int64)
    if model.kind == "parity":
        lam = np.prod(np.sign(a), axis=1)
        return sig * lam > model.margin
    cw = np.where(np.arange(kk) < kk // 2, 1, -1)
    lam = (np.maximum(a, 0) * cw).sum(1)
    return sig * lam > model.margin * math.sqrt(mm)


def ref_messages_enum(model, pats, bp, mu):
    """Exact factor→weight messages of pattern μ: all 2^{K·m} weight configurations, the model's own rule."""
    kk, mm = model.k, model.m
    h = (bp.H - bp.u[mu]).reshape(-1)
    confs = np.array(list(itertools.product([-1, 1], repeat=kk * mm)), dtype=float)
    logw = confs @ h
    ok = _satisfied_int(model, confs.reshape(-1, kk, mm), pats.xi[mu], pats.labels[mu])
    out = np.empty(kk * mm)
    for j in range(kk * mm):
        lw = logw - confs[:, j] * h[j]
        zp = np.exp(lw[ok & (confs[:, j] > 0)]).sum()
        zm = np.exp(lw[ok & (confs[:, j] < 0)]).sum()
        out[j] = np.clip(0.5 * (np.log(zp) - np.log(zm)), -K.U_MAX, K.U_MAX)
    return out.reshape(kk, mm)


def _state(model, pats, seed=0, spread=1.0, accuracy="exact"):
    bp = BP(model, pats, accuracy=accuracy, seed=seed)
    rng = np.random.default_rng(seed + 7)
    bp.u[...] = rng.normal(0, 0.4, size=bp.u.shape)
    bp.set_field(rng.normal(0, spread, size=model.n_weights))
    return bp


def _ksweep(bp, order):
    return K.sweep(np.asarray(order, dtype=np.int64), bp.code, bp.xi, bp.sig, bp.tree, bp.accuracy == "exact", bp.u,
                   bp.H, bp.ut, bp.thr, bp.kappa_out, 0.0, 0.0, 1.0)


TWO_LAYER_SMALL = [wfm.TreeCommittee(10, 2, activation="relu"), wfm.TreeCommittee(12, 4, activation="relu"),
                   wfm.TreeCommittee(10, 2, activation="relu", margin=0.5), wfm.Committee(5, 2, activation="relu"),
                   wfm.ParityMachine(9, 3), wfm.ParityMachine(6, 2), wfm.ParityMachine(12, 4, margin=-0.5)]


@pytest.mark.parametrize("model", TWO_LAYER_SMALL, ids=repr)
def test_exact_update_matches_enumeration(model):
    pats = wfm.random_patterns(model.n, alpha=0.6, seed=1, model=model)
    bp = _state(model, pats)
    for mu in range(min(4, pats.p)):
        expect = ref_messages_enum(model, pats, bp, mu)
        _ksweep(bp, [mu])
        np.testing.assert_allclose(bp.u[mu], expect, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("model", [wfm.TreeCommittee(9, 3), wfm.ParityMachine(33, 3), wfm.ParityMachine(44, 4)], ids=repr)
def test_gaussian_parity_update_matches_numpy(model):
    """Parity, Gaussian form: P(τ_k = ±1) from the cavity Gaussians, the output node by enumeration of τ, the
    per-edge message ½ ln[(e^{v}H(−z₊) + e^{−v}H(z₊)) / (…z₋)] (NumPy)."""
    pats = wfm.random_patterns(model.n, alpha=0.5, seed=2, model=model)
    bp = _state(model, pats, accuracy="gaussian", spread=0.8)
    X = KernelArrays(model, pats).X
    for mu in (0, 3):
        h = bp.H - bp.u[mu]
        m = np.tanh(h)
        mean, var = (X[mu] * m).sum(1), (X[mu] ** 2 * (1 - m ** 2)).sum(1)
        lp, lm = np.log(Hf(-mean / np.sqrt(var))), np.log(Hf(mean / np.sqrt(var)))
        if model.kind == "parity":
            eps = pats.labels[mu] if model.k % 2 == 0 else 1.0
            v, _ = ref_output_parity(lp, lm, model.margin, eps)
        else:
            v = np.empty(3)
            KF.output_fields(KF.SIGN, lp, lm, 0.0, v, np.empty((3, 3)), 1.0)
        expect = np.empty_like(h)
        for k in range(model.k):
            mb = mean[k] - X[mu, k] * m[k]
            sb = np.sqrt(var[k] - X[mu, k] ** 2 * (1 - m[k] ** 2))
            lpm = {s: np.logaddexp(v[k] + np.log(Hf(-(mb + s * X[mu, k]) / sb)), -v[k] + np.log(Hf((mb + s * X[mu, k]) / sb)))
                   for s in (1, -1)}
            expect[k] = 0.5 * (lpm[1] - lpm[-1])
        _ksweep(bp, [mu])
        np.testing.assert_allclose(bp.u[mu], expect, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("model", [wfm.TreeCommittee(404, 4, activation="relu"), wfm.Committee(101, 2, activation="relu"),
                                   wfm.TreeCommittee(202, 2, activation="relu", margin=0.3)], ids=repr)
def test_gaussian_relu_update_matches_numpy(model):
    """ReLU, Gaussian form (±1 inputs): the output node by brute force over the lattice values
    (:func:`ref_relu_lattice`) and the second-order message u_i = x L' − x² m_i L'' (NumPy)."""
    pats = wfm.random_patterns(model.n, alpha=0.3, seed=3, model=model)
    bp = _state(model, pats, accuracy="gaussian", spread=0.5)
    X = KernelArrays(model, pats).X
    for mu in (0, 5):
        h = bp.H - bp.u[mu]
        m = np.tanh(h)
        mean, var = (X[mu] * m).sum(1), (X[mu] ** 2 * (1 - m ** 2)).sum(1)
        _, l1, l2 = ref_relu_lattice(mean, var, float(pats.labels[mu]), bp.kappa_out)
        expect = np.clip(X[mu] * l1[:, None] - X[mu] ** 2 * m * l2[:, None], -K.U_MAX, K.U_MAX)
        _ksweep(bp, [mu])
        # 1e-6: the kernel keeps each unit within 6 spreads of its mean, the reference within 8
        np.testing.assert_allclose(bp.u[mu], expect, rtol=1e-6, atol=1e-10)


def check_lnz_relu():
    """ln Z_μ of the ReLU factor (Gaussian and exact forms) against the references."""
    model = wfm.TreeCommittee(404, 4, activation="relu")
    pats = wfm.random_patterns(model.n, alpha=0.1, seed=4, model=model)
    bp = _state(model, pats, accuracy="gaussian", spread=0.5)
    X = KernelArrays(model, pats).X
    tot = 0.0
    for mu in range(pats.p):
        m = np.tanh(bp.H - bp.u[mu])
        tot += ref_relu_lattice((X[mu] * m).sum(1), (X[mu] ** 2 * (1 - m ** 2)).sum(1), float(pats.labels[mu]),
                                bp.kappa_out)[0]
    a, _, c = K.pattern_terms(bp.code, bp.xi, bp.sig, bp.tree, False, bp.u, bp.H, bp.thr, bp.kappa_out)
    # per pattern up to ~1e-7: the kernel drops the mass beyond 6 spreads of each unit, the reference beyond 8
    assert abs(a - tot) < 2e-7 * pats.p and c == 0


# ------------------------------------------------------------------------------------------------
# Bethe free entropy: exact on a tree (one pattern)
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", [wfm.TreeCommittee(10, 2, activation="relu"), wfm.TreeCommittee(12, 4, activation="relu"),
                                   wfm.Committee(5, 2, activation="relu", margin=0.4), wfm.ParityMachine(9, 3),
                                   wfm.ParityMachine(12, 4)], ids=repr)
def test_bethe_exact_on_a_tree(model):
    pats = wfm.random_patterns(model.n, p=1, seed=4, model=model)
    ref = model.random_weights(seed=5).reshape(-1)
    counts = exact.distance_counts(model, pats, ref)
    for gamma in (0.0, 0.7, 3.0):
        r = run_bp(model, pats, field=gamma * ref, accuracy="exact", epsilon=1e-12, seed=1)
        assert r.converged
        phi, q = exact_canonical(counts, [gamma])
        assert r.phi == pytest.approx(phi[0], abs=1e-10)
        assert r.state.overlap(ref) == pytest.approx(q[0], abs=1e-9)


# ------------------------------------------------------------------------------------------------
# against enumeration (many instances)
# ------------------------------------------------------------------------------------------------
GAMMAS = np.concatenate([np.arange(0.0, 2.0, 0.2), np.arange(2.0, 6.01, 0.5)])
VALIDATION_MODELS = {"relu-tree-K2": wfm.TreeCommittee(22, 2, activation="relu"),
                     "relu-tree-K4": wfm.TreeCommittee(20, 4, activation="relu"),
                     "parity-tree-K3": wfm.ParityMachine(21, 3)}


def validate(name, alphas=(0.2, 0.4), instances=20, accuracy="exact"):
    """Entropy and local entropy S(γ) = Φ − γq (around a uniformly sampled solution, at the same γ as the exact
    canonical Φ(γ), q(γ) from the distance counts) per weight: BP minus enumeration. Non-converged BP is counted,
    never used as a number."""
    model = VALIDATION_MODELS[name]
    nw = model.n_weights
    out = {}
    for alpha in alphas:
        ent, le, nonconv_e, nonconv_le, pts = [], [], 0, 0, 0
        for inst in range(instances):
            pats = wfm.random_patterns(model.n, alpha=alpha, seed=2000 + inst, model=model)
            c = exact.count_solutions(model, pats)
            if c == 0:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                s = entropy(model, pats, accuracy=accuracy, seed=inst)
            if np.isfinite(s):
                ent.append(s - math.log(c) / nw)
            else:
                nonconv_e += 1
            ref = exact.sample_solutions(model, pats, 1, seed=inst)[0]
            phi, q = exact_canonical(exact.distance_counts(model, pats, ref), GAMMAS)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                cur = local_entropy(model, pats, ref, gammas=GAMMAS, accuracy=accuracy, seed=inst)
            ok = cur.converged
            nonconv_le += int((~ok).sum())
            pts += int(ok.sum())
            le.extend((cur.s[ok] - (phi[ok] - GAMMAS[ok] * q[ok])).tolist())
        ent, le = np.abs(ent), np.abs(le)
        out[alpha] = {"model": repr(model), "instances": instances, "with_solutions": len(ent) + nonconv_e,
                      "entropy_mean_abs_err": float(ent.mean()) if ent.size else math.nan,
                      "entropy_max_abs_err": float(ent.max()) if ent.size else math.nan,
                      "entropy_nonconverged": nonconv_e,
                      "local_entropy_mean_abs_err": float(le.mean()) if le.size else math.nan,
                      "local_entropy_max_abs_err": float(le.max()) if le.size else math.nan,
                      "local_entropy_points": pts, "local_entropy_nonconverged_points": nonconv_le}
    return out


#: asserted bounds: the measured figures of ``python tests/test_bp_two_layer.py validate`` (20 instances at α = 0.2
#: and 0.4; BENCHMARKS.md, benchmarks/bp_two_layer_validation.txt) times about 1.5
BOUNDS = {"relu-tree-K2": dict(ent_mean=0.02, ent_max=0.075, le_mean=0.009, le_max=0.12),
          "relu-tree-K4": dict(ent_mean=0.02, ent_max=0.085, le_mean=0.011, le_max=0.15),
          "parity-tree-K3": dict(ent_mean=0.008, ent_max=0.025, le_mean=0.01, le_max=0.15)}


def _assert_bounds(name, res):
    b = BOUNDS[name]
    for alpha, r in res.items():
        assert r["entropy_mean_abs_err"] < b["ent_mean"], (alpha, r)
        assert r["entropy_max_abs_err"] < b["ent_max"], (alpha, r)
        assert r["local_entropy_mean_abs_err"] < b["le_mean"], (alpha, r)
        assert r["local_entropy_max_abs_err"] < b["le_max"], (alpha, r)


@pytest.mark.parametrize("name", list(VALIDATION_MODELS))
def test_entropy_and_local_entropy_vs_enumeration_quick(name):
    res = validate(name, alphas=(0.3,), instances=4)
    _assert_bounds(name, res)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(VALIDATION_MODELS))
def test_entropy_and_local_entropy_vs_enumeration(name):
    _assert_bounds(name, validate(name))


# ------------------------------------------------------------------------------------------------
# API: solve, entropy, local_entropy, bad input
# ------------------------------------------------------------------------------------------------
def test_solvers_on_relu_and_parity():
    for model, alpha in ((wfm.TreeCommittee(404, 4, activation="relu"), 0.3), (wfm.Committee(101, 2, activation="relu"), 0.3)):
        pats = wfm.random_patterns(model.n, alpha=alpha, seed=0, model=model)
        r = wfm.solve(model, pats, method="fbp", seed=0)
        assert r.solved and model.errors(r.weights, pats) == 0
        r2 = wfm.solve(model, pats, method="fbp", seed=0)
        np.testing.assert_array_equal(r.weights, r2.weights)
    model = wfm.TreeCommittee(404, 4, activation="relu")
    pats = wfm.random_patterns(model.n, alpha=0.3, seed=1, model=model)
    assert wfm.solve(model, pats, method="bp", seed=0).solved
    # errors counted by the model's rule
    bp = BP(model, pats, seed=0)
    w = model.random_weights(seed=3)
    assert bp.count_errors(w) == model.errors(w, pats)
    pm = wfm.ParityMachine(21, 3)
    pp = wfm.random_patterns(21, alpha=0.3, seed=0, model=pm)
    assert BP(pm, pp, seed=0).count_errors(pm.random_weights(seed=1)) == pm.errors(pm.random_weights(seed=1), pp)


def test_amp_refuses_relu_and_parity():
    model = wfm.Committee(1001, 4, activation="relu")
    pats = wfm.random_patterns(model.n, p=5, seed=0, model=model)
    from wfm.bp.core import resolve_form
    assert resolve_form("auto", model, pats) == "edges"
    with pytest.raises(ValueError, match="amp"):
        wfm.bp.make_state(model, pats, form="amp")
    with pytest.raises(ValueError, match="amp"):
        wfm.bp.AMP(wfm.ParityMachine(63, 3), wfm.random_patterns(63, p=3, seed=0))


KERNEL_REFERENCES = [
    (KR.conv_lattice, check_conv_lattice),                 # numpy.convolve
    (KR.relu_component, check_relu_component),             # bin masses from scipy.special.ndtr
    (KR.relu_grid, check_relu_grid),                       # the step rule in NumPy
    (KR.relu_gauss_output, check_relu_gauss_continuous),   # scipy.integrate.quad (continuous), and
    (KR.relu_exact_output, check_relu_exact_output),       # enumeration of the units' counts
    (KR.count_messages, lambda: test_exact_update_matches_enumeration(TWO_LAYER_SMALL[1])),  # factor enumeration
    (KF.gallager, check_gallager),                         # −ln tanh(x/2)
    (KF._output_parity, check_output_parity),              # enumeration of τ
]


@pytest.mark.parametrize("kernel, driver", KERNEL_REFERENCES, ids=lambda f: getattr(f, "__name__", ""))
def test_kernel_against_reference(kernel, driver):
    driver()


def test_relu_lattice_output_and_lnz():
    check_relu_gauss_lattice()
    check_lnz_relu()


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "validate"
    if what == "validate":
        for name in VALIDATION_MODELS:
            print(name, json.dumps(validate(name), indent=1), flush=True)

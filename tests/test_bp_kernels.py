"""Kernels of wfm.bp against slow, obvious NumPy/SciPy references (the table KERNEL_REFERENCES), determinism of
the threaded kernels across thread counts, and the AMP form against per-edge BP and enumeration (fast sizes)."""
import math
import warnings

import numba as nb
import numpy as np
import pytest
from scipy.special import erfcx, log_ndtr

import wfm
from wfm import exact
from wfm.bp import AMP, BP, entropy, exact_canonical, local_entropy
from wfm.bp import _kernels as K
from wfm.bp._kernels import amp as KA
from wfm.bp._kernels import edges as KE
from wfm.bp._kernels import factors as KF
from wfm.bp._kernels import vmath as V
from wfm.core.numerics import FASTMATH, U_MAX
from wfm.core.special import GH_ratio, log_2cosh
from wfm.kernels.arrays import KernelArrays

FM = set(FASTMATH)


# ------------------------------------------------------------------------------------------------
# drivers: apply a scalar kernel elementwise inside a compiled loop with the kernels' own flags
# ------------------------------------------------------------------------------------------------
@nb.njit(fastmath=FM, error_model="numpy")
def _map1(f, x, out):
    for i in range(x.size):
        out[i] = f(x[i])


@nb.njit(fastmath=FM, error_model="numpy")
def _map2(f, x, out1, out2):
    for i in range(x.size):
        out1[i], out2[i] = f(x[i])


@nb.njit(fastmath=FM, error_model="numpy")
def _map3(f, a, b, c, out):
    for i in range(a.size):
        out[i] = f(a[i], b[i], c[i])


@nb.njit(fastmath=FM, error_model="numpy")
def _map4(f, a, b, c, d, out):
    for i in range(a.size):
        out[i] = f(a[i], b[i], c[i], d[i])


@nb.njit(error_model="numpy")
def _map_unit_response(z, v, r, rmz):
    for i in range(z.size):
        r[i], rmz[i] = KA.unit_response(z[i], v[i])


def _rel(a, b, floor=1e-300):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), floor))


# ------------------------------------------------------------------------------------------------
# slow references
# ------------------------------------------------------------------------------------------------
def ref_msg_perceptron(x, c, vb):
    sd = np.sqrt(vb)
    return np.clip(0.5 * (log_ndtr(-(c - x) / sd) - log_ndtr(-(c + x) / sd)), -U_MAX, U_MAX)


def ref_msg_unit(v, x, c, vb):
    sd = np.sqrt(vb)

    def lp(z):
        return np.logaddexp(v + log_ndtr(-z), -v + log_ndtr(z))

    return np.clip(0.5 * (lp((c - x) / sd) - lp((c + x) / sd)), -U_MAX, U_MAX)


def ref_r_minus_z(z, depth=400):
    """G(z)/H(z) − z by Laplace's continued fraction 1/(z + 2/(z + 3/(z + …))), for z ≳ 5."""
    t = 0.0
    for k in range(depth, 1, -1):
        t = k / (z + t)
    return 1.0 / (z + t)


def ref_unit_response(z, v):
    """R = 2 sinh(v) G(z)/(e^v H(z) + e^{−v} H(−z)) in log space (v = inf: G/H from scipy's erfcx)."""
    lg = -0.5 * z * z - 0.5 * np.log(2 * np.pi)
    with np.errstate(over="ignore", divide="ignore"):
        fin = np.isfinite(v)
        vv = np.where(fin, v, 0.0)
        lden = np.where(fin, np.logaddexp(vv + log_ndtr(-z), -vv + log_ndtr(z)), log_ndtr(-z))
        # ln|2 sinh v| − |v| = ln(1 − e^{−2|v|}); the e^{|v|} cancels against the denominator's
        lnum = np.where(fin, np.abs(vv) + np.log1p(-np.exp(-2 * np.abs(vv))), 0.0)
        r = np.sign(np.where(fin, vv, 1.0)) * np.exp(lg + lnum - lden)
    return np.where(fin, r, GH_ratio(z))


def _args_vmath():
    rng = np.random.default_rng(0)
    return {
        "vexp": np.concatenate([rng.uniform(-745, 0, 20000), rng.uniform(0, 700, 2000), [0.0, -1e-300, -740.0]]),
        "vlog": np.concatenate([10 ** rng.uniform(-300, 300, 20000), [1.0, 2.0, 0.5, 1e-310]]),
        "verfcx": np.concatenate([rng.uniform(0, 40, 20000), 10 ** rng.uniform(1, 12, 2000), [0.0]]),
        "vlog_H": np.concatenate([rng.uniform(-37, 38, 20000), rng.uniform(38, 1e4, 500)]),
        "vGH": np.concatenate([rng.uniform(-37, 40, 20000), rng.uniform(40, 1e4, 500)]),
        "vlog1m": np.concatenate([rng.uniform(0, 0.5, 20000), 10 ** rng.uniform(-300, -1, 2000)]),
        "vlog_2cosh": rng.uniform(-800, 800, 20000),
    }


def check_vmath(name):
    x = _args_vmath()[name]
    out = np.empty_like(x)
    if name == "vexp":
        _map1(V.vexp, x, out)
        ref = np.exp(x)
        ok = ref > 1e-300
        # documented bound: 2e-16 (1 + |x|) relative (the reassociated Cody–Waite reduction; measured 1.3e-16)
        assert np.all(np.abs(out[ok] - ref[ok]) / ref[ok] < 2e-16 * (1 + np.abs(x[ok])))
        assert np.all(np.abs(out[ref <= 1e-300] - ref[ref <= 1e-300]) < 1e-300)
    elif name == "vlog":
        _map1(V.vlog, x, out)
        assert np.max(np.abs(out - np.log(x)) / np.maximum(1, np.abs(np.log(x)))) < 4e-16
        sp = np.array([0.0, -1.0, np.inf, np.nan])
        o = np.empty(4)
        _map1(V.vlog, sp, o)
        assert o[0] == -np.inf and np.isnan(o[1]) and o[2] == np.inf and np.isnan(o[3])
    elif name == "verfcx":
        _map1(V.verfcx, x, out)
        assert _rel(out, erfcx(x)) < 6e-15
    elif name == "vlog_H":
        _map1(V.vlog_H, x, out)
        ref = log_ndtr(-x)
        # z < 0: ln(1 − E e^{−z²/2}) inherits vexp's 2e-16 (1 + z²/2) relative error; z ≥ 0: no exponential
        assert np.all(np.abs(out - ref) / np.abs(ref) < 1e-14 + 2e-16 * x ** 2)
    elif name == "vGH":
        _map1(V.vGH, x, out)
        assert _rel(out, GH_ratio(x)) < 2e-13
    elif name == "vlog1m":
        _map1(V.vlog1m, x, out)
        assert _rel(out, np.log1p(-x)) < 1e-14
    elif name == "vlog_2cosh":
        _map1(V.vlog_2cosh, x, out)
        assert _rel(out, log_2cosh(x)) < 1e-15


def check_tanh_sech2():
    x = np.random.default_rng(1).uniform(-400, 400, 20000)
    t, s = np.empty_like(x), np.empty_like(x)
    _map2(V.vtanh_sech2, x, t, s)
    assert np.max(np.abs(t - np.tanh(x))) < 3e-16
    ref = 4 * np.exp(-2 * np.abs(x)) / (1 + np.exp(-2 * np.abs(x))) ** 2
    ok = ref > 1e-290
    assert np.all(np.abs(s[ok] - ref[ok]) / ref[ok] < 2e-16 * (1 + 2 * np.abs(x[ok])) + 1e-15)


def _edge_args(n=20000, seed=2):
    rng = np.random.default_rng(seed)
    x = rng.choice([-1.0, 1.0], n) * np.where(rng.random(n) < 0.2, rng.uniform(0.1, 3, n), 1.0)
    vb = 10 ** rng.uniform(-3, 4, n)
    c = rng.normal(0, 1, n) * np.sqrt(vb) * rng.choice([0.3, 3.0, 10.0, 40.0], n)
    return x, c, vb


def check_msg_perceptron():
    x, c, vb = _edge_args()
    out = np.empty_like(x)
    _map3(KF._msg_perceptron, x, c, vb, out)
    ref = ref_msg_perceptron(x, c, vb)
    ok = np.abs(ref) < U_MAX
    assert np.max(np.abs(out[ok] - ref[ok]) / np.maximum(np.abs(ref[ok]), 1e-3)) < 1e-11
    assert np.all(out[~ok] == ref[~ok])


def check_msg_unit():
    x, c, vb = _edge_args(seed=3)
    rng = np.random.default_rng(4)
    v = rng.normal(0, 3, x.size) * rng.choice([1.0, 30.0], x.size)
    w1 = -np.expm1(-2 * np.abs(v))
    out = np.empty_like(x)

    @nb.njit(fastmath=FM, error_model="numpy")
    def drive(v, w1, x, c, vb, out):
        for i in range(x.size):
            out[i] = KF._msg_unit(v[i], w1[i], x[i], c[i], vb[i])

    drive(v, w1, x, c, vb, out)
    ref = ref_msg_unit(v, x, c, vb)
    assert np.max(np.abs(out - ref) / np.maximum(np.abs(ref), 1e-3)) < 1e-10


def check_unit_response():
    rng = np.random.default_rng(5)
    z = np.concatenate([rng.uniform(-30, 30, 5000), rng.uniform(30, 1e4, 500)])
    v = np.concatenate([rng.normal(0, 2, 4000), rng.normal(0, 40, 1000), np.full(500, np.inf)])
    r, rmz = np.empty_like(z), np.empty_like(z)
    _map_unit_response(z, v, r, rmz)
    ref = ref_unit_response(z, v)
    big = np.abs(ref) > 1e-200
    assert _rel(r[big], ref[big]) < 1e-11
    # R − z against the reference where it does not cancel, against the asymptotic series beyond z = 30
    ok = big & (np.abs(ref - z) > 1e-3 * np.abs(z))
    assert _rel(rmz[ok], (ref - z)[ok]) < 1e-9
    far = (z > 30) & ~np.isfinite(v)
    zz = z[far]
    series = (1 / zz - 2 / zz ** 3 + 10 / zz ** 5 - 74 / zz ** 7 + 706 / zz ** 9 - 8162 / zz ** 11 + 110410 / zz ** 13
              - 1708394 / zz ** 15)
    assert _rel(rmz[far], series) < 1e-14
    # and against Laplace's continued fraction R − z = 1/(z + 2/(z + 3/(z + …))) (no cancellation)
    assert _rel(rmz[far], np.array([ref_r_minus_z(t) for t in zz])) < 1e-14


def _perceptron_state(n=61, alpha=0.5, seed=0, margin=0.2):
    model = wfm.Perceptron(n, margin=margin)
    pats = wfm.random_patterns(n, alpha=alpha, seed=seed)
    bp = BP(model, pats, accuracy="gaussian", seed=seed)
    rng = np.random.default_rng(seed + 1)
    bp.u[...] = rng.normal(0, 0.3, bp.u.shape)
    bp.set_field(rng.normal(0, 1.0, model.n_weights))
    return model, pats, bp


def check_recompute_fields():
    model, pats, bp = _perceptron_state()
    bp.ut[...] = np.random.default_rng(3).normal(size=bp.ut.shape)
    for f in (K.recompute_fields, K.recompute_fields_par):
        H = np.empty_like(bp.H)
        f(bp.theta, bp.u, bp.ut, H)
        np.testing.assert_allclose(H, bp.theta + bp.ut + bp.u.sum(0), rtol=1e-13, atol=1e-13)


def check_pattern_terms():
    model, pats, bp = _perceptron_state()
    X = KernelArrays(model, pats).X[:, 0, :]
    h = bp.H[0] - bp.u[:, 0, :]
    m, s = np.tanh(h), 1 / np.cosh(h) ** 2
    lnz = log_ndtr(-(bp.thr - (X * m).sum(1)) / np.sqrt((X ** 2 * s).sum(1))).sum()
    edge = log_2cosh(h).sum()
    for f in (K.pattern_terms, K.pattern_terms_par):
        a, b, c = f(bp.code, bp.xi, bp.sig, bp.tree, False, bp.u, bp.H, bp.thr, bp.kappa_out)
        assert a == pytest.approx(lnz, rel=1e-12) and b == pytest.approx(edge, rel=1e-12) and c == 0


def check_sweep_parallel():
    """Synchronous sweep = every pattern's Gaussian messages from the same H, damped; then H recomputed."""
    model, pats, bp = _perceptron_state()
    X = KernelArrays(model, pats).X[:, 0, :]
    lam = 0.3
    h = bp.H[0] - bp.u[:, 0, :]
    m, s = X * np.tanh(h), X ** 2 / np.cosh(h) ** 2
    mb = m.sum(1, keepdims=True) - m
    vb = s.sum(1, keepdims=True) - s
    new = (1 - lam) * ref_msg_perceptron(X, bp.thr - mb, vb) + lam * bp.u[:, 0, :]
    for f in (K.sweep_parallel, K.sweep_parallel_serial):
        u, H, ut = bp.u.copy(), bp.H.copy(), bp.ut.copy()
        f(bp.code, bp.xi, bp.sig, bp.tree, False, u, H, bp.theta, ut, bp.thr, bp.kappa_out, lam, 0.0, 1.0, False)
        np.testing.assert_allclose(u[:, 0, :], new, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(H[0], bp.theta[0] + u[:, 0, :].sum(0), rtol=1e-12, atol=1e-12)


def _amp_state(model, alpha=0.5, seed=0):
    pats = wfm.random_patterns(model.n, alpha=alpha, seed=seed, model=model)
    a = AMP(model, pats, seed=seed)
    rng = np.random.default_rng(seed + 3)
    a.h[...] = rng.normal(0, 0.8, a.h.shape)
    a.g[...] = rng.normal(0, 0.05, a.g.shape)
    a._refresh()
    return pats, a


def ref_amp_pass(model, pats, a):
    """ω = Y m − V g_old, (g, Γ, ln Z) per pattern from the definitions, h = Yᵀ g + m Σ_μ Γ (NumPy, per unit)."""
    ka = KernelArrays(model, pats)
    X = ka.X  # (P, K, m) label-absorbed
    M, S = np.tanh(a.H), 1 / np.cosh(a.H) ** 2
    Vk = S.sum(1)
    omega = np.einsum("pki,ki->pk", X, M) - Vk[None, :] * a.g
    z = (a.thr - omega) / np.sqrt(Vk)[None, :]
    if model.kind == "perceptron":
        R = ref_unit_response(z[:, 0], np.full(z.shape[0], np.inf))[:, None]
        lnz = log_ndtr(-z[:, 0])
    else:
        # output fields v_k by enumeration of the other units' signs
        p1 = np.exp(log_ndtr(-z))  # P(τ_k = +1)
        kk = model.k
        taus = np.array(np.meshgrid(*[[-1, 1]] * kk, indexing="ij")).reshape(kk, -1).T
        R = np.empty_like(z)
        lnz = np.empty(z.shape[0])
        for mu in range(z.shape[0]):
            pt = np.prod(np.where(taus > 0, p1[mu], 1 - p1[mu]), axis=1)
            ok = taus.sum(1) > a.kappa_out
            lnz[mu] = np.log(pt[ok].sum())
            for k in range(kk):
                others = np.prod(np.where(taus > 0, p1[mu], 1 - p1[mu])[:, np.arange(kk) != k], axis=1)
                zp = others[ok & (taus[:, k] > 0)].sum()
                zm = others[ok & (taus[:, k] < 0)].sum()
                v = 0.5 * np.log(zp / zm)
                R[mu, k] = ref_unit_response(np.array([z[mu, k]]), np.array([v]))[0]
    g = R / np.sqrt(Vk)[None, :]
    gam = R * (R - z) / Vk[None, :]
    h = np.einsum("pki,pk->ki", X, g) + M * gam.sum(0)[:, None]
    return omega, g, gam, lnz, h


@pytest.mark.parametrize("model", [wfm.Perceptron(101, margin=0.3), wfm.TreeCommittee(99, 3), wfm.Committee(41, 3)])
def test_amp_pass_matches_numpy(model):
    pats, a = _amp_state(model)
    omega, g, gam, lnz, h = ref_amp_pass(model, pats, a)
    M, S = np.empty_like(a.H), np.empty_like(a.H)
    KA.magnetizations(a.H, M, S)
    for f in (KA.amp_pass, KA.amp_pass_serial):
        gg, gm, hh, om, lz = a.g.copy(), a.gam.copy(), np.empty_like(a.h), np.empty_like(a.omega), np.empty(a.p)
        f(a.code, a.xi, a.sig, a.tree, M, S.sum(1), gg, gm, a.thr, a.kappa_out, 0.0, True, hh, om, lz)
        np.testing.assert_allclose(om, omega, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(gg, g, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(gm, gam, rtol=1e-8, atol=1e-14)
        np.testing.assert_allclose(lz, lnz, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(hh, h, rtol=1e-9, atol=1e-11)


def check_amp_pass():
    test_amp_pass_matches_numpy(wfm.Perceptron(101, margin=0.3))


def check_fit_erfcx():
    from wfm.bp._kernels.fit_erfcx import fit
    coef = fit()
    mine = np.array([getattr(V, f"_A{j}") for j in range(26)])
    np.testing.assert_allclose(coef, mine, rtol=1e-12, atol=1e-17)


def _bp_test(name, *args):
    """A comparison that lives in tests/test_bp.py (per-pattern NumPy update, enumeration), as a driver."""
    import test_bp

    return lambda: getattr(test_bp, name)(*args)


def check_amp_entropy():
    test_amp_entropy_matches_edges(wfm.Perceptron(301), 0.5, 0.004)


#: every compiled kernel of wfm.bp with the slow reference it is checked against: (kernel, driver), the driver
#: running the comparison with its NumPy/SciPy reference (named in the driver's docstring or body)
KERNEL_REFERENCES = [
    (V.vexp, lambda: check_vmath("vexp")),                 # numpy.exp
    (V.vlog, lambda: check_vmath("vlog")),                 # numpy.log
    (V.verfcx, lambda: check_vmath("verfcx")),             # scipy.special.erfcx
    (V.verfcx_pair, lambda: check_vmath("verfcx")),
    (V.vtail, lambda: check_vmath("vlog_H")),
    (V.vlog_H, lambda: check_vmath("vlog_H")),             # scipy.special.log_ndtr(-z)
    (V.vGH, lambda: check_vmath("vGH")),                   # wfm.core.special.GH_ratio
    (V.vlog1m, lambda: check_vmath("vlog1m")),             # numpy.log1p(-q)
    (V.vlog_2cosh, lambda: check_vmath("vlog_2cosh")),     # wfm.core.special.log_2cosh
    (V.vtanh_sech2, check_tanh_sech2),                     # numpy.tanh, 4e^{-2|x|}/(1+e^{-2|x|})^2
    (KF.half_log_ratio, _bp_test("test_scalar_helpers")),
    (KF.couple, _bp_test("test_scalar_helpers")),
    (KF.focusing_field, _bp_test("test_scalar_helpers")),
    (KF.output_fields, _bp_test("test_gaussian_committee_update_matches_numpy")),
    (KF.cavity_pass, _bp_test("test_gaussian_perceptron_update_matches_numpy")),
    (KF.factor_gauss, _bp_test("test_gaussian_perceptron_update_matches_numpy")),
    (KF.lnz_gauss, check_pattern_terms),
    (KF.make_buffers, _bp_test("test_gaussian_committee_update_matches_numpy")),
    (KF.factor_exact, _bp_test("test_exact_update_matches_enumeration", wfm.TreeCommittee(15, 3))),
    (KF.lnz_exact, _bp_test("test_bethe_exact_on_a_tree", wfm.TreeCommittee(9, 3))),
    (KF.make_exact_buffers, _bp_test("test_exact_update_matches_enumeration", wfm.Perceptron(9))),
    (KE.sweep, _bp_test("test_gaussian_perceptron_update_matches_numpy")),
    (KE.sweep_parallel, check_sweep_parallel),             # NumPy synchronous damped update
    (KE.sweep_parallel_serial, check_sweep_parallel),
    (KE.recompute_fields, check_recompute_fields),         # θ + ũ + u.sum(0)
    (KE.recompute_fields_par, check_recompute_fields),
    (KE.pattern_terms, check_pattern_terms),               # log_ndtr of the cavity Gaussian, Σ ln2cosh
    (KE.pattern_terms_par, check_pattern_terms),
    (KA.unit_response, check_unit_response),               # 2 sinh v G/(e^v H(z) + e^{-v} H(-z)) in log space
    (KA.amp_pass, check_amp_pass),                         # NumPy ω, g, Γ, ln Z, h
    (KA.amp_pass_serial, check_amp_pass),
    (KA.output_pattern, check_amp_pass),
    (KA.magnetizations, check_amp_pass),
    (KA.lnz_sum, check_amp_entropy),                       # AMP's Bethe entropy = per-edge BP's
    (KA.edge_terms, check_amp_entropy),
    (KA.count_errors, lambda: test_count_errors_matches_model(wfm.Committee(41, 3))),   # Model.errors
    (KA.count_errors_serial, lambda: test_count_errors_matches_model(wfm.Committee(41, 3))),
]


@pytest.mark.parametrize("kernel, driver", KERNEL_REFERENCES, ids=lambda f: getattr(f, "__name__", ""))
def test_kernel_against_reference(kernel, driver):
    driver()


def test_erfcx_coefficients_refit():
    check_fit_erfcx()


# ------------------------------------------------------------------------------------------------
# determinism across thread counts
# ------------------------------------------------------------------------------------------------
def _with_threads(n, fn):
    old = nb.get_num_threads()
    nb.set_num_threads(min(n, nb.config.NUMBA_NUM_THREADS))
    try:
        return fn()
    finally:
        nb.set_num_threads(old)


def test_threads_do_not_change_results():
    model = wfm.TreeCommittee(63, 3)
    pats = wfm.random_patterns(63, alpha=0.6, seed=4, model=model)

    def run_edges():
        bp = BP(model, pats, accuracy="gaussian", schedule="parallel", damping=0.3, seed=1)
        bp.set_focusing(0.7, 3.0)
        for _ in range(6):
            bp.kernel_sweep()
        terms = K.pattern_terms_par(bp.code, bp.xi, bp.sig, bp.tree, False, bp.u, bp.H, bp.thr, bp.kappa_out)
        return bp.u.copy(), bp.H.copy(), terms

    def run_amp():
        a = AMP(model, pats, seed=1, damping=0.3)
        a.set_focusing(0.7, 3.0)
        M, S = np.empty_like(a.H), np.empty_like(a.H)
        for _ in range(6):
            KA.magnetizations(a.H, M, S)
            KA.amp_pass(a.code, a.xi, a.sig, a.tree, M, S.sum(1), a.g, a.gam, a.thr, a.kappa_out, 0.3, True, a.h,
                        a.omega, a.lnz)
            a._refresh()
        return a.h.copy(), a.g.copy()

    for run in (run_edges, run_amp):
        one = _with_threads(1, run)
        two = _with_threads(2, run)
        for x, y in zip(one, two):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_parallel_schedule_same_fixed_point():
    """The parallel (synchronous, damped) schedule converges to the sequential schedule's fixed point."""
    model = wfm.Perceptron(201)
    pats = wfm.random_patterns(201, alpha=0.4, seed=2)
    a = BP(model, pats, accuracy="gaussian", seed=0)
    b = BP(model, pats, accuracy="gaussian", seed=0, schedule="parallel", damping=0.3)
    assert a.iterate(epsilon=1e-10)[0] and b.iterate(epsilon=1e-10, max_iters=3000)[0]
    np.testing.assert_allclose(np.tanh(a.H), np.tanh(b.H), atol=1e-7)
    assert a.free_entropy() == pytest.approx(b.free_entropy(), abs=1e-9)


# ------------------------------------------------------------------------------------------------
# AMP: against per-edge BP and enumeration (fast sizes; the N = 1001 figures are in test_bp_validation.py)
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model,alpha,tol", [(wfm.Perceptron(301), 0.5, 0.004), (wfm.Perceptron(301, margin=0.3), 0.3, 0.004),
                                             (wfm.TreeCommittee(303, 3), 0.4, 0.006)])
def test_amp_entropy_matches_edges(model, alpha, tol):
    pats = wfm.random_patterns(model.n, alpha=alpha, seed=7, model=model)
    ea = entropy(model, pats, form="amp", epsilon=1e-8)
    ee = entropy(model, pats, form="edges", accuracy="gaussian", epsilon=1e-8)
    assert np.isfinite(ea) and np.isfinite(ee)
    assert abs(ea - ee) < tol


def test_amp_entropy_and_local_entropy_vs_enumeration():
    """N = 21: AMP's Bethe entropy and local entropy S(γ) = Φ − γq against exact counts (measured on 10 instances
    per α = 0.2, 0.4: entropy mean |error| 0.004 / 0.008, max 0.017; local entropy mean 0.006 / 0.008)."""
    n = 21
    model = wfm.Perceptron(n)
    gam = np.array([0.0, 0.4, 1.0, 2.0, 4.0])
    ent, le = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for i in range(4):
            pats = wfm.random_patterns(n, alpha=0.3, seed=1000 + i)
            ent.append(entropy(model, pats, form="amp", seed=i) - math.log(exact.count_solutions(model, pats)) / n)
            ref = exact.sample_solutions(model, pats, 1, seed=i)[0]
            phi, q = exact_canonical(exact.distance_counts(model, pats, ref), gam)
            c = local_entropy(model, pats, ref, gammas=gam, form="amp", seed=i)
            le.extend(np.abs(c.s - (phi - gam * q))[c.converged].tolist())
    assert np.all(np.isfinite(ent)) and np.mean(np.abs(ent)) < 0.015 and np.max(np.abs(ent)) < 0.04
    assert len(le) >= 16 and np.mean(le) < 0.015


def test_amp_bad_input_and_auto_form():
    model = wfm.Perceptron(31)
    with pytest.raises(ValueError, match="binary"):
        AMP(model, wfm.random_patterns(31, alpha=0.3, seed=0, kind="gaussian"))
    with pytest.raises(ValueError, match="accuracy"):
        AMP(model, wfm.random_patterns(31, alpha=0.3, seed=0), accuracy="exact")
    with pytest.raises(ValueError, match="form"):
        wfm.bp.make_state(model, wfm.random_patterns(31, alpha=0.3, seed=0), form="tap")
    from wfm.bp.core import AMP_AUTO_MIN_WEIGHTS, resolve_form
    big = wfm.Perceptron(AMP_AUTO_MIN_WEIGHTS + 1)
    pb = wfm.random_patterns(big.n, p=3, seed=0)
    assert resolve_form("auto", big, pb) == "amp" and resolve_form("auto", model, wfm.random_patterns(31, p=3, seed=0)) == "edges"
    assert resolve_form("auto", big, wfm.random_patterns(big.n, p=3, seed=0, kind="gaussian")) == "edges"


def test_solvers_pick_amp_from_1001_weights():
    """The bp/fbp solvers' form="auto" picks AMP from SOLVER_AMP_MIN_WEIGHTS = 1000 weights on (where it reaches a
    higher threshold); measurements keep AMP_AUTO_MIN_WEIGHTS."""
    from wfm.bp.core import SOLVER_AMP_MIN_WEIGHTS, resolve_form
    assert SOLVER_AMP_MIN_WEIGHTS == 1000
    for n, form in ((1001, "amp"), (501, "edges")):
        model, pats = wfm.Instance(model="perceptron", n=n, alpha=0.3, data_seed=0).build()
        r = wfm.solve(model, pats, method="fbp", seed=0)
        assert r.solved and r.extra["form"] == form
        assert resolve_form("auto", model, pats) == "edges"


def test_amp_fbp_solves_and_is_deterministic():
    model = wfm.Perceptron(301)
    pats = wfm.random_patterns(301, alpha=0.5, seed=3)
    r1 = wfm.solve(model, pats, method="fbp", seed=0, form="amp")
    r2 = wfm.solve(model, pats, method="fbp", seed=0, form="amp")
    assert r1.solved and r1.extra["form"] == "amp"
    np.testing.assert_array_equal(r1.weights, r2.weights)
    tc = wfm.TreeCommittee(303, 3)
    rt = wfm.solve(tc, wfm.random_patterns(303, alpha=0.3, seed=0, model=tc), method="fbp", seed=1, form="amp")
    assert rt.solved
    rb = wfm.solve(model, pats, method="bp", seed=0, form="amp")  # standard reinforcement (γ = ∞)
    assert rb.solved


def test_amp_replicated_free_entropy_y1():
    """At y = 1 the replicated free entropy is φ + ln 2cosh γ (the centre sums out), in the AMP form too."""
    model = wfm.Perceptron(201)
    pats = wfm.random_patterns(201, alpha=0.3, seed=0)
    a = AMP(model, pats, seed=0)
    a.set_focusing(0.8, 1.0)
    assert a.iterate(epsilon=1e-10, max_iters=500)[0]
    phi_rep, S, sig = a.replicated_free_entropy()
    assert phi_rep == pytest.approx(a.free_entropy() + np.log(2 * np.cosh(0.8)), abs=1e-10)


@pytest.mark.parametrize("model", [wfm.Perceptron(101, margin=0.3), wfm.TreeCommittee(99, 3), wfm.Committee(41, 5, margin=1)])
def test_count_errors_matches_model(model):
    pats = wfm.random_patterns(model.n, alpha=0.8, seed=1, model=model)
    a = AMP(model, pats, seed=0)
    for s in range(5):
        w = model.random_weights(seed=s)
        W = w.reshape(model.k, model.m).astype(float)
        for f in (KA.count_errors, KA.count_errors_serial):
            assert f(a.code, a.xi, a.sig, a.tree, W, a.thr, a.kappa_out) == model.errors(w, pats)
        assert a.count_errors(w) == model.errors(w, pats)

"""wfm.landscape: every kernel vs a NumPy reference (table KERNEL_REFERENCES), Hessian vs finite differences,
spectral estimators vs eigvalsh, rescaling identities, local energy, profiles and asymmetry statistics, 1-D
closed forms, registry and CLI."""
import math

import numpy as np
import pytest
from scipy.special import ndtri

import wfm
import wfm.landscape as L
from wfm import losses
from wfm.core.codes import Activation, LossCode, Output
from wfm.kernels.arrays import KernelArrays
from wfm.landscape import TwoLayer
from wfm.landscape import _kernels as K
from wfm.landscape.net import fields, fields_batch, loss_and_grad, net_hessian

from conftest import SMALL_BINARY_MODELS, reference_errors
from kernel_table import KernelRef, check_kernel, njit_kernels, unlisted


# ------------------------------------------------------------------------------------------------
# NumPy references (slow, obvious)


def ref_act(act, h, leak=0.1):
    return {"identity": h, "relu": np.maximum(h, 0), "leaky_relu": np.where(h > 0, h, leak * h), "tanh": np.tanh(h),
            "sign": np.sign(h)}[act]


def ref_f(net, theta, xi):
    """f(ξ) by explicit loops over units."""
    w, v = net.split(theta)
    x = np.asarray(xi, dtype=np.float64)
    f = np.zeros(x.shape[0]) if net.output == "sum" else np.ones(x.shape[0])
    for k in range(net.k):
        blk = x[:, k * net.m:(k + 1) * net.m] if net.tree else x
        h = blk @ w[k] / np.sqrt(net.m)
        if net.output == "sum":
            f += v[k] * ref_act(net.activation, h, net.leak)
        else:
            f *= np.sign(h)
    return f


def ref_loss(net, theta, pats, loss):
    return float(np.mean(loss.value(pats.labels * ref_f(net, theta, pats.xi))))


def ref_errors(net, theta, pats):
    return int(np.sum(pats.labels * ref_f(net, theta, pats.xi) <= net.margin))


def random_theta(net, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(net.n_params)


def fd_hessian_times(net, theta, pats, loss, u, eps=1e-5):
    g1 = loss_and_grad(net, theta + eps * u, pats, loss)[1]
    g0 = loss_and_grad(net, theta - eps * u, pats, loss)[1]
    return (g1 - g0) / (2 * eps)


NETS = [
    ("leaky_committee_v", lambda: TwoLayer(12, 4, "leaky_relu", train_v=True)),
    ("relu_tree_v", lambda: TwoLayer(12, 4, "relu", tree=True, train_v=True)),
    ("tanh_committee_v", lambda: TwoLayer(10, 3, "tanh", train_v=True)),
    ("tanh_tree_fixed", lambda: TwoLayer(12, 3, "tanh", tree=True, train_v=False)),
    ("perceptron", lambda: TwoLayer.from_model(wfm.Perceptron(15, weights="spherical"))[0]),
]


@pytest.fixture(params=NETS, ids=[n for n, _ in NETS])
def net(request):
    return request.param[1]()


@pytest.fixture
def pats12():
    return wfm.random_patterns(12, p=30, seed=3)


def pats_for(net, p=30, seed=3, kind="binary"):
    return wfm.random_patterns(net.n, p=p, seed=seed, kind=kind)


# ------------------------------------------------------------------------------------------------
# Every @njit kernel of wfm/landscape/_kernels.py (the serial twins included) next to a slow NumPy reference
# with the same signature and the same effects (tests/kernel_table.py).


def ref_kact(code, leak, h):
    h = np.asarray(h, dtype=np.float64)
    if code == Activation.IDENTITY:
        return h
    if code == Activation.RELU:
        return np.maximum(h, 0.0)
    if code == Activation.LEAKY_RELU:
        return np.where(h > 0, h, leak * h)
    if code == Activation.TANH:
        return np.tanh(h)
    return np.sign(h)


def ref_lval(code, param, x):
    x = np.asarray(x, dtype=np.float64)
    if code == LossCode.SQUARED_HINGE:
        return np.where(x < param, 0.5 * (param - x) ** 2, 0.0)
    if code == LossCode.ERROR:
        return np.where(x <= param, 1.0, 0.0)
    if code == LossCode.HINGE:
        return np.maximum(0.0, param - x)
    return np.logaddexp(0.0, -2.0 * param * x) / (2.0 * param)


def ref_output(parity, acode, leak, h, v):
    """f from fields h (..., K): Π_k sign h_k (parity) or Σ_k v_k φ(h_k)."""
    if parity:
        return np.prod(np.sign(h), axis=-1)
    return np.sum(ref_kact(acode, leak, h) * v, axis=-1)


def _blocks(xi, kk, m, tree):
    x = np.asarray(xi, dtype=np.float64)
    return [x[:, k * m:(k + 1) * m] if tree else x for k in range(kk)]


def ref_fields_kernel(w, xi, tree):
    kk, m = w.shape
    return np.stack([b @ w[k] for k, b in enumerate(_blocks(xi, kk, m, tree))], 1) / math.sqrt(m)


def ref_hvp_kernel(u_w, u_v, xi, tree, v, train_v, phi, dphi, ddphi, c, g, nchunks):
    """H u from the formulas of docs/landscape.md §1, vectorised over patterns (no chunks)."""
    kk, m = u_w.shape
    p = xi.shape[0]
    blocks = _blocks(xi, kk, m, tree)
    dh = np.stack([b @ u_w[k] for k, b in enumerate(blocks)], 1) / math.sqrt(m)
    ju = (v * dphi * dh).sum(1) + ((u_v * phi).sum(1) if train_v else 0.0)
    cw = c[:, None] * ju[:, None] * v * dphi + g[:, None] * v * ddphi * dh
    if train_v:
        cw = cw + g[:, None] * dphi * u_v
    out_w = np.stack([cw[:, k] @ blocks[k] for k in range(kk)]) / (math.sqrt(m) * p)
    out_v = ((c[:, None] * ju[:, None] * phi + g[:, None] * dphi * dh).sum(0) / p) if train_v else np.zeros(kk)
    return out_w, out_v


def ref_profile_kernel(h0, hu, v0, b, ts, y, acode, leak, parity, lcode, lparam, kappa):
    nd, nt = hu.shape[0], ts.shape[0]
    loss, err = np.empty((nd, nt)), np.empty((nd, nt), np.int64)
    for d in range(nd):
        for j, t in enumerate(ts):
            delta = y * ref_output(parity, acode, leak, h0 + t * hu[d], v0 + t * b[d])
            loss[d, j] = ref_lval(lcode, lparam, delta).mean()
            err[d, j] = np.sum(delta <= kappa)
    return loss, err


def ref_batch_eval_kernel(h, vs, y, acode, leak, parity, lcode, lparam, kappa):
    delta = y * ref_output(parity, acode, leak, h, vs[:, None, :])
    return ref_lval(lcode, lparam, delta).mean(1), np.sum(delta <= kappa, axis=1).astype(np.int64)


def _ref_int_pre(code, h):
    if code == Output.PERCEPTRON:
        return h[:, 0]
    if code == Output.SIGN:
        return np.sign(h).sum(1)
    if code == Output.RELU:
        half = h.shape[1] // 2
        r = np.maximum(h, 0)
        return r[:, :half].sum(1) - r[:, half:].sum(1)
    return np.prod(np.sign(h), axis=1)


def ref_flip_energy_kernel(w, xi, labels, cols, m, kk, code, thr, scale, h0, perms, counts, lcode, lparam):
    """Errors and loss after each flip set, with the fields recomputed from scratch (``h0`` is not used)."""
    x = np.asarray(xi, dtype=np.int64)
    err = np.zeros((perms.shape[0], counts.shape[0]), np.int64)
    loss = np.zeros((perms.shape[0], counts.shape[0]))
    for r in range(perms.shape[0]):
        for lev, cnt in enumerate(counts):
            w2 = w.astype(np.int64)
            w2[perms[r, :cnt]] *= -1
            h = np.stack([x[:, cols[k * m:(k + 1) * m]] @ w2[k * m:(k + 1) * m] for k in range(kk)], 1)
            st = labels * _ref_int_pre(code, h)
            err[r, lev] = np.sum(st <= thr)
            loss[r, lev] = ref_lval(lcode, lparam, st * scale).mean()
    return err, loss


def ref_sgd_1d_kernel(a_flat, a_sharp, eta, sigma, steps, burn, rng):
    w, s, s2 = 0.0, 0.0, 0.0
    for t in range(steps + burn):
        grad = a_flat * w if w >= 0 else a_sharp * w
        w -= eta * (grad + sigma * rng.standard_normal())
        if t >= burn:
            s += w
            s2 += w * w
    return s / steps, s2 / steps


# -- cases: every activation, loss, output rule; tree and fully connected; int8 and float32 inputs

#: the losses of wfm.landscape (LossCode.FLIPS belongs to the Monte Carlo methods only)
LANDSCAPE_LOSSES = [(LossCode.ERROR, 0.1), (LossCode.HINGE, 0.2), (LossCode.CROSS_ENTROPY, 0.7),
                    (LossCode.SQUARED_HINGE, 0.3)]


def _xi(p, n, seed, kind):
    return wfm.random_patterns(n, p=p, kind=kind, seed=seed).xi


def _cases_kact():
    return [(int(a), 0.1, h) for a in Activation for h in (-1.3, 0.0, 0.7)]


def _cases_lval():
    return [(int(code), param, x) for code, param in LANDSCAPE_LOSSES for x in (-1.0, 0.1, 0.2, 0.3, 2.5)]


def _cases_output():
    rng = np.random.default_rng(0)
    hrow = np.array([0.4, 0.0, -1.1])
    return [(parity, int(a), 0.1, hrow, rng.standard_normal(3)) for parity in (False, True) for a in Activation]


def _cases_fields_kernel():
    rng = np.random.default_rng(1)
    out = []
    for kk, m, tree in ((4, 3, True), (3, 12, False), (1, 12, True)):
        for kind in ("binary", "gaussian"):
            out.append((rng.standard_normal((kk, m)), _xi(9, 12, 2, kind), tree))
    return out


def _cases_hvp_kernel():
    rng = np.random.default_rng(2)
    out = []
    p = 11
    for kk, m, tree in ((4, 3, True), (3, 12, False)):
        for train_v in (False, True):
            for kind, nchunks in (("binary", 1), ("gaussian", 3)):
                arrays = [rng.standard_normal((p, kk)) for _ in range(3)]       # φ, φ', φ'' at θ
                out.append((rng.standard_normal((kk, m)), rng.standard_normal(kk), _xi(p, 12, 3, kind), tree,
                            rng.standard_normal(kk), train_v, *arrays, rng.standard_normal(p),
                            rng.standard_normal(p), nchunks))
    return out


def _cases_profile_kernel():
    rng = np.random.default_rng(3)
    p, kk, nd = 7, 3, 2
    ts = np.linspace(-1.0, 1.0, 5)
    y = np.where(rng.random(p) < 0.5, -1.0, 1.0)
    out = []
    for parity, a in [(True, Activation.SIGN)] + [(False, a) for a in Activation]:
        for lcode, param in LANDSCAPE_LOSSES:
            out.append((rng.standard_normal((p, kk)), rng.standard_normal((nd, p, kk)), rng.standard_normal(kk),
                        rng.standard_normal((nd, kk)), ts, y, int(a), 0.1, parity, int(lcode), param, 0.05))
    return out


def _cases_batch_eval_kernel():
    rng = np.random.default_rng(4)
    r_, p, kk = 3, 9, 4
    y = np.where(rng.random(p) < 0.5, -1.0, 1.0)
    out = []
    for parity, a in [(True, Activation.SIGN)] + [(False, a) for a in Activation]:
        for lcode, param in LANDSCAPE_LOSSES:
            out.append((rng.standard_normal((r_, p, kk)), rng.standard_normal((r_, kk)), y, int(a), 0.1, parity,
                        int(lcode), param, 0.0))
    return out


def _cases_flip_energy_kernel():
    out = []
    for model in SMALL_BINARY_MODELS:
        ka = KernelArrays(model, wfm.random_patterns(model.n, p=20, seed=0))
        w = model.random_weights(seed=0).reshape(-1)
        h0 = np.stack([ka.xi[:, ka.cols[k * ka.m:(k + 1) * ka.m]].astype(np.int32) @
                       w[k * ka.m:(k + 1) * ka.m].astype(np.int32) for k in range(ka.k)], 1).astype(np.int32)
        perms = np.stack([np.random.default_rng(i).permutation(ka.n_weights)[:6] for i in range(4)]).astype(np.int64)
        counts = np.array([0, 3, 6], dtype=np.int64)
        scale = ka.scale if ka.code in (Output.PERCEPTRON, Output.RELU) else 1.0
        for lcode, param in ((LossCode.ERROR, model.margin), (LossCode.CROSS_ENTROPY, 1.0)):
            out.append((w, ka.xi, ka.sig, ka.cols, ka.m, ka.k, ka.code, ka.thr, scale, h0, perms, counts,
                        int(lcode), param))
    return out


def _cases_sgd_1d_kernel():
    return [(1.0, 10.0, 0.01, 1.0, 3000, 100, np.random.default_rng(5)),
            (2.0, 3.0, 0.05, 0.5, 500, 0, np.random.default_rng(6))]


def _row(name, ref, cases, **kw):
    """A parallel kernel with its serial twin, both against the same reference."""
    return KernelRef(f"_kernels.{name}", getattr(K, name), ref, cases, twin=getattr(K, f"{name}_serial"), **kw)


KERNEL_REFERENCES = [
    KernelRef("_kernels.act", K.act, ref_kact, _cases_kact),
    KernelRef("_kernels.lval", K.lval, ref_lval, _cases_lval),
    KernelRef("_kernels.output", K.output, ref_output, _cases_output),
    _row("fields_kernel", ref_fields_kernel, _cases_fields_kernel, rtol=1e-10, atol=1e-12),
    _row("hvp_kernel", ref_hvp_kernel, _cases_hvp_kernel, rtol=1e-10, atol=1e-12),
    _row("profile_kernel", ref_profile_kernel, _cases_profile_kernel, rtol=1e-10),
    _row("batch_eval_kernel", ref_batch_eval_kernel, _cases_batch_eval_kernel, rtol=1e-10),
    _row("flip_energy_kernel", ref_flip_energy_kernel, _cases_flip_energy_kernel, rtol=1e-10),
    KernelRef("_kernels.sgd_1d_kernel", K.sgd_1d_kernel, ref_sgd_1d_kernel, _cases_sgd_1d_kernel, rtol=1e-10),
]


def test_kernel_table_lists_every_kernel():
    assert unlisted(KERNEL_REFERENCES, K) == []
    names = njit_kernels(K)
    for row in KERNEL_REFERENCES:
        assert row.kernel is names[row.name]
        kernel, reference = row                         # the (kernel, reference) form of tests/test_kernels.py
        assert kernel is row.kernel and reference is row.reference


@pytest.mark.parametrize("row", KERNEL_REFERENCES, ids=lambda r: r.name)
def test_kernel_matches_reference(row):
    check_kernel(row)


# ------------------------------------------------------------------------------------------------
# TwoLayer ↔ wfm.models


@pytest.mark.parametrize("model", SMALL_BINARY_MODELS, ids=repr)
def test_twolayer_errors_match_models(model):
    pats = wfm.random_patterns(model.n, p=40, seed=1)
    w = model.random_weights(seed=2)
    net, th = TwoLayer.from_model(model, w)
    assert L.evaluate(net, th, pats)["errors"] == model.errors(w, pats) == reference_errors(model, w, pats)
    # continuous weights of the same architecture
    kw = {"weights": "spherical"}
    cont = type(model)(model.n, **kw) if model.kind == "perceptron" else (
        wfm.ParityMachine(model.n, model.k, **kw) if model.kind == "parity" else
        type(model)(model.n, model.k, activation=model.activation, **kw))
    wc = cont.random_weights(seed=4)
    net, th = TwoLayer.from_model(cont, wc)
    assert L.evaluate(net, th, pats)["errors"] == cont.errors(wc, pats)


def test_fields_kernel_matches_numpy(net):
    for kind in ("binary", "gaussian"):
        pats = pats_for(net, kind=kind)
        th = random_theta(net)
        w, _ = net.split(th)
        h = fields(net, th, pats)
        ref = np.stack([(pats.xi[:, k * net.m:(k + 1) * net.m] if net.tree else pats.xi).astype(float) @ w[k]
                        for k in range(net.k)], 1) / np.sqrt(net.m)
        np.testing.assert_allclose(h, ref, rtol=1e-6 if kind == "gaussian" else 1e-12, atol=1e-12)
        hb = fields_batch(net, np.stack([w, 2 * w]), pats)
        np.testing.assert_allclose(hb[1], 2 * ref, rtol=1e-6, atol=1e-10)


def test_loss_and_grad(net):
    pats = pats_for(net)
    th = random_theta(net, 1)
    ce = losses.cross_entropy(0.7)
    val, g = loss_and_grad(net, th, pats, ce)
    assert val == pytest.approx(ref_loss(net, th, pats, ce), rel=1e-12)
    eps = 1e-6
    fd = np.array([(ref_loss(net, th + eps * e, pats, ce) - ref_loss(net, th - eps * e, pats, ce)) / (2 * eps)
                   for e in np.eye(net.n_params)])
    np.testing.assert_allclose(g, fd, atol=1e-8)


def test_gradient_matches_wfm_losses_gradient():
    model = wfm.Committee(11, 4, activation="relu", weights="spherical")
    pats = wfm.random_patterns(11, p=25, seed=0)
    w = model.random_weights(seed=1)
    ce = losses.cross_entropy(1.3)
    total, gref = losses.gradient(model, pats, w, ce)
    net, th = TwoLayer.from_model(model, w)
    val, g = loss_and_grad(net, th, pats, ce)
    assert val * pats.p == pytest.approx(total, rel=1e-12)
    np.testing.assert_allclose(g * pats.p, gref.ravel(), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------------------------------
# Hessian


@pytest.mark.parametrize("lossname", ["ce", "sqh"])
def test_hessian_vs_finite_differences(net, lossname):
    pats = pats_for(net)
    th = random_theta(net, 2)
    loss = losses.cross_entropy(0.8) if lossname == "ce" else L.squared_hinge(0.5)
    kinks = L.kink_diagnostics(net, th, pats)
    assert kinks["min_abs_field"] > 1e-4          # a smooth point: the a.e. formula must hold exactly
    h = net_hessian(net, th, pats, loss)
    assert np.allclose(h, h.T)
    rng = np.random.default_rng(0)
    for _ in range(3):
        u = rng.standard_normal(net.n_params)
        np.testing.assert_allclose(h @ u, fd_hessian_times(net, th, pats, loss, u), atol=2e-8 * max(1, np.abs(h @ u).max()))


def test_hessian_perceptron_closed_form():
    """H = (1/(P N)) Σ_μ f''_γ(Δ^μ) ξ^μ ξ^μᵀ (docs/landscape.md §1, per-pattern mean)."""
    model = wfm.Perceptron(21, weights="spherical")
    pats = wfm.random_patterns(21, p=15, seed=5)
    w = model.random_weights(seed=6)
    ce = losses.cross_entropy(2.0)
    h = L.hessian(model, pats, w, ce)
    x = pats.xi.astype(float)
    d = pats.labels * (x @ w) / np.sqrt(21)
    ref = (x.T * ce.second_derivative(d)) @ x / (15 * 21)
    np.testing.assert_allclose(h, ref, atol=1e-14)


@pytest.mark.parametrize("kind", ["binary", "gaussian"])
def test_hvp_kernel_matches_dense(net, kind):
    pats = pats_for(net, kind=kind)
    th = random_theta(net, 3)
    for loss in (losses.cross_entropy(1.0), L.squared_hinge(0.3)):
        h = net_hessian(net, th, pats, loss)
        op = L.net_hvp(net, th, pats, loss)
        u = np.random.default_rng(1).standard_normal(net.n_params)
        np.testing.assert_allclose(op.matvec(u), h @ u, rtol=1e-9, atol=1e-12)


def test_hessian_rejects_nonsmooth():
    net = TwoLayer(9, 3, "relu", train_v=True)
    pats = pats_for(net)
    with pytest.raises(ValueError, match="smooth"):
        L.hessian(net, pats, random_theta(net), losses.hinge())
    sign = TwoLayer(9, 3, "sign", train_v=False)
    with pytest.raises(ValueError, match="sign"):
        L.hessian(sign, pats, random_theta(sign))


@pytest.mark.parametrize("act", ["relu", "leaky_relu"])
def test_hessian_rescaling_identity(act):
    """H(T_a θ) = D⁻¹ H(θ) D⁻¹ (docs/landscape.md §3), global α and per-unit a_k, to machine precision."""
    net = TwoLayer(10, 4, act, train_v=True)
    pats = pats_for(net, p=40)
    th = random_theta(net, 4)
    ce = losses.cross_entropy(1.0)
    h = net_hessian(net, th, pats, ce)
    for a in (3.0, np.array([0.2, 1.0, 5.0, 0.7])):
        d = L.rescaling_matrix(net, a)
        th2 = L.rescale(net, th, a)
        assert L.evaluate(net, th2, pats, ce)["loss"] == pytest.approx(L.evaluate(net, th, pats, ce)["loss"], rel=1e-12)
        h2 = net_hessian(net, th2, pats, ce)
        np.testing.assert_allclose(h2, h / np.outer(d, d), rtol=1e-9, atol=1e-13 * np.abs(h).max())


def test_kink_diagnostics_counts():
    net = TwoLayer(4, 2, "relu", train_v=True)
    xi = np.array([[1, 1, 1, 1], [1, -1, 1, -1]], dtype=np.int8)
    pats = wfm.Patterns(xi, np.array([1, -1], dtype=np.int8))
    th = np.array([1.0, -1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, -1.0])   # unit 0: h = 0 on both patterns
    k = L.kink_diagnostics(net, th, pats)
    assert k["near_kink"] == 2 and k["min_abs_field"] == 0.0


# ------------------------------------------------------------------------------------------------
# spectral tools


def wishart(n, m, seed, spike=0.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, n))
    a = x.T @ x / m
    if spike:
        v = rng.standard_normal(n)
        v /= np.linalg.norm(v)
        a += spike * np.outer(v, v)
    return a


@pytest.mark.parametrize("seed", [0, 1])
def test_lanczos_vs_eigvalsh_wishart(seed):
    a = wishart(150, 300, seed, spike=3.0)
    eig = np.linalg.eigvalsh(a)
    np.testing.assert_allclose(L.lanczos(a, k=3, which="LA"), eig[-3:], rtol=1e-8)
    np.testing.assert_allclose(L.lanczos(a, k=2, which="SA"), eig[:2], rtol=1e-6, atol=1e-8)
    vals, vecs = L.lanczos(a, k=1, return_vectors=True)
    np.testing.assert_allclose(a @ vecs[:, 0], vals[0] * vecs[:, 0], atol=1e-7)


def test_lanczos_extreme_vs_eigvalsh():
    a = wishart(150, 300, 4, spike=3.0)
    eig = np.linalg.eigvalsh(a)
    top = L.lanczos_extreme(a, k=2, which="LA", tol=1e-6)
    assert top["converged"] and top["steps"] < 150
    np.testing.assert_allclose(top["values"], eig[-2:], rtol=1e-9)
    bot = L.lanczos_extreme(a, k=1, which="SA", tol=1e-6)
    np.testing.assert_allclose(bot["values"], eig[:1], rtol=1e-8)
    net = TwoLayer(20, 3, "tanh", train_v=True)
    pats = pats_for(net, p=40)
    th = random_theta(net, 6)
    e2 = np.linalg.eigvalsh(net_hessian(net, th, pats))
    r = L.lanczos_extreme(L.net_hvp(net, th, pats), k=1, tol=1e-5)
    assert r["values"][-1] == pytest.approx(e2[-1], rel=1e-8)


def test_hutchinson_vs_exact_wishart():
    a = wishart(200, 400, 2)
    hu = L.hutchinson(a, n_samples=400, seed=1)
    assert abs(hu["trace"] - np.trace(a)) < 4 * hu["trace_se"]
    assert abs(hu["trace_sq"] - np.sum(a * a)) < 4 * hu["trace_sq_se"]
    # Rademacher variance of one draw is 2(|A|_F² − Σ A_ii²): check the standard error is of that size
    var = 2 * (np.sum(a * a) - np.sum(np.diag(a) ** 2))
    assert hu["trace_se"] == pytest.approx(math.sqrt(var / 400), rel=0.25)


def test_slq_vs_eigvalsh_wishart():
    a = wishart(120, 240, 3, spike=2.0)
    eig = np.linalg.eigvalsh(a)
    nodes, weights = L.slq(a, n_vectors=30, steps=40, seed=0)
    np.testing.assert_allclose(weights.sum(1), 1.0, atol=1e-12)
    # quadrature moments estimate tr(A^j)/n: exact in expectation for j < 2k; check 1..4 to MC precision
    for j in (1, 2, 3, 4):
        per_vec = np.nansum(weights * np.nan_to_num(nodes) ** j, axis=1)
        se = per_vec.std(ddof=1) / math.sqrt(len(per_vec))
        assert abs(per_vec.mean() - np.mean(eig ** j)) < 4 * se + 1e-12
    # extreme Ritz values converge to the extreme eigenvalues
    assert np.nanmax(nodes) == pytest.approx(eig[-1], rel=1e-8)
    grid = np.linspace(eig[0] - 0.5, eig[-1] + 0.5, 300)
    dens = L.slq_density(a, grid=grid, sigma=0.1, n_vectors=30, steps=40, seed=0)["density"]
    ref = L.smoothed_density(eig, grid, 0.1)
    dx = grid[1] - grid[0]
    assert np.sum(dens) * dx == pytest.approx(1.0, abs=1e-3)
    assert np.sum(np.abs(dens - ref)) * dx < 0.1


def test_spectral_tools_on_real_hessian():
    net = TwoLayer(30, 4, "tanh", train_v=True)
    pats = pats_for(net, p=60)
    th = random_theta(net, 5)
    h = net_hessian(net, th, pats)
    eig = np.linalg.eigvalsh(h)
    op = L.net_hvp(net, th, pats)
    np.testing.assert_allclose(L.lanczos(op, k=2, which="LA"), eig[-2:], rtol=1e-7)
    np.testing.assert_allclose(L.lanczos(op, k=1, which="SA"), eig[:1], rtol=1e-6, atol=1e-10)
    hu = L.hutchinson(op, n_samples=300, seed=2)
    assert abs(hu["trace"] - eig.sum()) < 4 * hu["trace_se"]
    nodes, w = L.slq(op, n_vectors=20, steps=30, seed=1)
    per_vec = np.nansum(w * np.nan_to_num(nodes) ** 2, axis=1)
    assert abs(per_vec.mean() - np.mean(eig ** 2)) < 4 * per_vec.std(ddof=1) / math.sqrt(20)


def test_wolkowicz_styan_inequalities():
    rng = np.random.default_rng(0)
    for t in range(300):
        n = int(rng.integers(2, 40))
        x = rng.standard_normal((n, n))
        a = x + x.T if t % 2 else x @ x.T + rng.uniform(0, 20) * np.outer(*(2 * [rng.standard_normal(n)]))
        eig = np.linalg.eigvalsh(a)
        ws = L.wolkowicz_styan_matrix(a)
        tol = 1e-9 * max(1, np.abs(eig).max())
        assert ws["lambda_max_lower"] - tol <= eig[-1] <= ws["lambda_max_upper"] + tol
        assert ws["lambda_min_lower"] - tol <= eig[0] <= ws["lambda_min_upper"] + tol
    # equality for spectra (x, y, ..., y)
    q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    a = q @ np.diag([5.0, 1, 1, 1, 1, 1]) @ q.T
    assert L.wolkowicz_styan_matrix(a)["lambda_max_upper"] == pytest.approx(5.0, rel=1e-10)


@pytest.mark.parametrize("n", [20, 100])
def test_ipr_random_unit_vectors(n):
    v = np.random.default_rng(n).standard_normal((n, 4000))
    iprs = L.ipr(v)
    se = iprs.std(ddof=1) / math.sqrt(iprs.size)
    assert abs(iprs.mean() - 3 / (n + 2)) < 4 * se
    e = np.zeros(n)
    e[3] = 2.0
    assert L.ipr(e) == pytest.approx(1.0)
    assert L.block_ipr(np.ones(n), [np.arange(n // 2), np.arange(n // 2, n)]) == pytest.approx(0.5)


def test_riemannian_hessian_vs_geodesic_fd():
    net = TwoLayer(9, 2, "tanh", train_v=False)
    pats = pats_for(net, p=20)
    th = random_theta(net, 7)
    ce = losses.cross_entropy(1.0)
    h = net_hessian(net, th, pats, ce)
    _, g = loss_and_grad(net, th, pats, ce)
    blocks = [np.arange(0, 9), np.arange(9, 18)]
    ht, basis = L.riemannian_hessian(h, th, g, blocks)
    assert ht.shape == (16, 16)
    np.testing.assert_allclose(basis.T @ basis, np.eye(16), atol=1e-12)
    for b in blocks:                                    # tangent: orthogonal to each w_b
        np.testing.assert_allclose(basis[b].T @ th[b], 0, atol=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(3):
        c = rng.standard_normal(16)
        u = basis @ c                                     # tangent vector, blocks rotate on their own spheres
        def curve(t):
            out = th.copy()
            for b in blocks:
                r = np.linalg.norm(th[b])
                ub = u[b]
                nu = np.linalg.norm(ub)
                out[b] = np.cos(t * nu / r) * th[b] + np.sin(t * nu / r) * r * ub / nu
            return out
        eps = 1e-4
        fd = (ref_loss(net, curve(eps), pats, ce) - 2 * ref_loss(net, th, pats, ce) + ref_loss(net, curve(-eps), pats, ce)) / eps ** 2
        assert c @ ht @ c == pytest.approx(fd, rel=1e-5, abs=1e-9)
    eigs = L.riemannian_spectrum(net, pats, th, ce)
    assert eigs.shape == (16,)


# ------------------------------------------------------------------------------------------------
# local energy


def naive_flip_energy(model, pats, w, ds, n_draws, seed, loss):
    rng = np.random.default_rng(seed)
    nw = model.n_weights
    counts = [int(round(d * nw)) for d in ds]
    perms = [rng.permutation(nw)[:max(counts)] for _ in range(n_draws)]
    err = np.zeros((n_draws, len(ds)))
    lv = np.zeros((n_draws, len(ds)))
    for r in range(n_draws):
        for j, c in enumerate(counts):
            w2 = w.reshape(-1).copy()
            w2[perms[r][:c]] *= -1
            err[r, j] = reference_errors(model, w2, pats) / pats.p
            lv[r, j] = np.mean(loss.value(model.stabilities(w2, pats)))
    return err, lv


@pytest.mark.parametrize("model", SMALL_BINARY_MODELS, ids=repr)
def test_flip_local_energy_matches_naive(model):
    pats = wfm.random_patterns(model.n, p=25, seed=2)
    w = model.random_weights(seed=3)
    ds = [0.0, 0.1, 0.3, 0.5]
    for loss in (None, losses.cross_entropy(1.0)):
        le = L.local_energy(model, pats, w, ds, n_draws=7, seed=11, loss=loss)
        err, lv = naive_flip_energy(model, pats, w, ds, 7, 11, loss or losses.error(model.margin))
        np.testing.assert_allclose(le.error_mean, err.mean(0), atol=1e-12)
        np.testing.assert_allclose(le.error_se, err.std(0, ddof=1) / math.sqrt(7), atol=1e-12)
        np.testing.assert_allclose(le.loss_mean, lv.mean(0), rtol=1e-10, atol=1e-12)
        assert le.base_error == model.errors(w, pats) / pats.p
        assert le.error_mean[0] == le.base_error


def test_flip_local_energy_on_solve_result():
    model = wfm.Perceptron(51)
    pats = wfm.random_patterns(51, alpha=0.3, seed=0)
    res = wfm.solve(model, pats, method="sa", seed=0)
    assert res.solved
    le = L.local_energy(model, pats, res, [0.0, 0.02, 0.1, 0.3], n_draws=50, seed=0)
    assert le.base_error == 0 and le.error_mean[0] == 0
    assert np.all(np.diff(le.error_mean) >= -2 * le.error_se[1:])      # grows with d (nested flips)
    assert le.error_mean[-1] > 0.05
    again = L.local_energy(model, pats, res.weights, [0.0, 0.02, 0.1, 0.3], n_draws=50, seed=0)
    np.testing.assert_array_equal(again.error_mean, le.error_mean)


@pytest.mark.parametrize("noise", ["multiplicative", "additive", "unit", "layer"])
def test_continuous_local_energy_matches_naive(noise):
    net = TwoLayer(10, 4, "leaky_relu", train_v=True)
    pats = pats_for(net, p=30)
    th = random_theta(net, 8)
    sig = [0.0, 0.05, 0.3]
    ce = losses.cross_entropy(1.0)
    le = L.local_energy(net, pats, th, sig, noise=noise, n_draws=9, seed=4, loss=ce, batch=4)
    z = np.random.default_rng(4).standard_normal((9, net.n_params))
    if noise == "multiplicative":
        s = th
    elif noise == "additive":
        s = np.ones_like(th)
    else:
        blocks = net.blocks() if noise == "unit" else net.layers()
        s = np.empty_like(th)
        for b in blocks:
            s[b] = np.linalg.norm(th[b]) / math.sqrt(len(b))
    for j, sg in enumerate(sig):
        errs = [ref_errors(net, th + sg * s * zz, pats) / pats.p for zz in z]
        lvs = [ref_loss(net, th + sg * s * zz, pats, ce) for zz in z]
        assert le.error_mean[j] == pytest.approx(np.mean(errs), abs=1e-12)
        assert le.loss_mean[j] == pytest.approx(np.mean(lvs), rel=1e-10)
    assert le.loss_mean[0] == pytest.approx(le.base_loss, rel=1e-12)


def test_multiplicative_local_energy_invariant_on_orbit():
    net = TwoLayer(12, 4, "relu", train_v=True)
    pats = pats_for(net, p=40)
    th = random_theta(net, 9)
    ref = L.local_energy(net, pats, th, [0.1, 0.3], noise="multiplicative", n_draws=50, seed=0)
    add_ref = L.local_energy(net, pats, th, [0.1], noise="additive", n_draws=50, seed=0)
    for a in (0.1, 10.0, np.array([0.3, 2.0, 1.0, 5.0])):
        th2 = L.rescale(net, th, a)
        le = L.local_energy(net, pats, th2, [0.1, 0.3], noise="multiplicative", n_draws=50, seed=0)
        np.testing.assert_allclose(le.loss_mean, ref.loss_mean, rtol=1e-10)
        np.testing.assert_array_equal(le.error_mean, ref.error_mean)
        un = L.local_energy(net, pats, th2, [0.1], noise="unit", n_draws=50, seed=0)
        un_ref = L.local_energy(net, pats, th, [0.1], noise="unit", n_draws=50, seed=0)
        np.testing.assert_allclose(un.loss_mean, un_ref.loss_mean, rtol=1e-10)
        add = L.local_energy(net, pats, th2, [0.1], noise="additive", n_draws=50, seed=0)
        assert abs(add.delta_loss[0] - add_ref.delta_loss[0]) > 1e-3 * abs(add_ref.delta_loss[0])


def test_local_energy_bad_input():
    model = wfm.Perceptron(11)
    pats = wfm.random_patterns(11, p=5, seed=0)
    w = model.random_weights(seed=0)
    with pytest.raises(ValueError, match="scales"):
        L.local_energy(model, pats, w, [-0.1])
    with pytest.raises(ValueError, match="d must be in|flip fractions"):
        L.local_energy(model, pats, w, [1.5])
    with pytest.raises(ValueError, match="noise"):
        L.local_energy(model, pats, w, [0.1], noise="gaussian")
    with pytest.raises(ValueError, match="binary"):
        L.local_energy(wfm.Perceptron(11, weights="spherical"), pats, np.ones(11), [0.1], noise="flip")


# ------------------------------------------------------------------------------------------------
# directions, profiles, asymmetry


@pytest.mark.parametrize("netname", ["relu_v", "sign_fixed", "parity"])
def test_profile_kernel_matches_naive(netname):
    if netname == "relu_v":
        net = TwoLayer(12, 4, "relu", train_v=True, margin=0.1)
    elif netname == "sign_fixed":
        net = TwoLayer(12, 3, "sign", tree=True, train_v=False)
    else:
        net = TwoLayer(12, 3, "sign", tree=True, train_v=False, output="parity")
    pats = pats_for(net, p=30)
    test = pats_for(net, p=20, seed=9, kind="gaussian")
    th = random_theta(net, 10)
    u = L.directions("gaussian", net, th, n=3, seed=1)
    ts = np.linspace(-2, 2, 9)
    ce = losses.cross_entropy(0.5)
    pr = L.profile(net, pats, th, u, ts, test=test, loss=ce)
    for d in range(3):
        for j, t in enumerate(ts):
            assert pr.train_loss[d, j] == pytest.approx(ref_loss(net, th + t * u[d], pats, ce), rel=1e-10)
            assert pr.train_error[d, j] == pytest.approx(ref_errors(net, th + t * u[d], pats) / pats.p)
            assert pr.test_error[d, j] == pytest.approx(ref_errors(net, th + t * u[d], test) / test.p)


def test_profile_of_wfm_model_with_binary_weights():
    model = wfm.TreeCommittee(15, 3)
    pats = wfm.random_patterns(15, p=10, seed=0)
    w = model.random_weights(seed=1)
    u = L.directions("tangential", model, w, n=2, seed=0)
    pr = L.profile(model, pats, w, u, [0.0])
    assert np.all(pr.train_error[:, 0] == model.errors(w, pats) / pats.p)


def test_direction_generators():
    net = TwoLayer(10, 3, "relu", train_v=True)
    th = random_theta(net, 11)
    u = L.directions("tangential", net, th, n=5, seed=0)
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1.0)
    glob, per = L.radial_components(net, th, u)
    np.testing.assert_allclose(per, 0, atol=1e-12)
    np.testing.assert_allclose(u[:, 30:] @ th[30:], 0, atol=1e-12)
    sc = L.directions("sign_consistent", net, th, n=5, seed=0)
    assert np.all(np.sign(sc) == np.sign(th))
    g2, _ = L.radial_components(net, th, sc)
    assert np.all(g2 > 0.5)                               # |z|·sign θ has a large radial component
    un = L.directions("uniform01", net, th, n=5, seed=0)
    assert np.all(un > 0)
    fn = L.directions("filter_normalized", net, th, n=2, seed=0)
    for b in net.blocks():
        np.testing.assert_allclose(np.linalg.norm(fn[:, b], axis=1), np.linalg.norm(th[b]))
    other = th + 1.0
    ln = L.directions("line", net, th, other=other)
    np.testing.assert_allclose(th + ln[0], other)
    wn = L.directions("gaussian", net, th, n=2, normalize="weights")
    np.testing.assert_allclose(np.linalg.norm(wn, axis=1), np.linalg.norm(th))
    pats = pats_for(net)
    hv = L.directions("hessian", net, th, n=2, patterns=pats)
    h = net_hessian(net, th, pats)
    eig = np.linalg.eigvalsh(h)
    np.testing.assert_allclose(np.einsum("di,ij,dj->d", hv, h, hv), eig[::-1][:2], rtol=1e-8)
    # the same seed gives the same directions (common random numbers)
    np.testing.assert_array_equal(L.directions("gaussian", net, th, n=3, seed=5), L.directions("gaussian", net, th, n=3, seed=5))


def test_asymmetry_statistics_on_known_profiles():
    ts = np.linspace(-2, 2, 21)
    p, c = 0.5, 4.0
    lin = np.where(ts >= 0, p * ts, -c * p * ts)          # +u is the flat side, slopes p and c p
    sym = ts ** 2
    st = L.asymmetry(ts, np.stack([lin + 1.0, sym, lin[::-1]]), c=3.0)
    assert list(st["flat_side"]) == [1, 0, -1]
    assert st["index"][0] == pytest.approx((c - 1) / (c + 1))
    assert st["index"][1] == pytest.approx(0, abs=1e-12) and st["odd_even"][1] == pytest.approx(0, abs=1e-12)
    assert st["slope_ratio"][0] == pytest.approx(c) and st["slope_ratio"][2] == pytest.approx(c)
    assert st["odd_even"][0] == pytest.approx((c - 1) / (c + 1))
    assert list(st["asymmetric"]) == [True, False, True]
    with pytest.raises(ValueError, match="symmetric"):
        L.asymmetry(np.linspace(0, 1, 5), np.zeros((1, 5)))


def test_sign_perceptron_geometric_asymmetry():
    """Scale-invariant model: sign-consistent directions give asymmetric error profiles, tangential ones do not
    (docs/landscape.md §5); the fraction of asymmetric directions separates the two generators."""
    model = wfm.Perceptron(101, weights="spherical")
    pats = wfm.random_patterns(101, p=50, seed=0, kind="gaussian")
    # a solution by the perceptron rule (Rosenblatt), normalised to |w|² = N
    x = pats.xi.astype(float) * pats.labels[:, None]
    w = np.zeros(101)
    for _ in range(500):
        bad = x @ w <= 0.5 * np.linalg.norm(w) + 1e-12
        if not bad.any():
            break
        w += x[bad].sum(0)
    w *= np.sqrt(101) / np.linalg.norm(w)
    ts = np.linspace(-3, 3, 13) * np.sqrt(101)
    res = {}
    for kind in ("tangential", "sign_consistent"):
        u = L.directions(kind, model, w, n=20, seed=1)
        pr = L.profile(model, pats, w, u, ts)
        st = L.asymmetry(ts, pr.train_error)
        res[kind] = np.mean(np.abs(st["index"]) > 0.3)
    assert res["sign_consistent"] > 0.8 and res["tangential"] < 0.3


# ------------------------------------------------------------------------------------------------
# 1-D asymmetric-valley models


@pytest.mark.parametrize("c,s", [(5.0, 1.0), (2.0, 0.3)])
def test_optimal_bias_quantile(c, s):
    from scipy.optimize import minimize_scalar
    res = minimize_scalar(lambda x: L.population_loss_1d(x, 1.0, c, s), bounds=(-5 * s, 5 * s), method="bounded",
                          options={"xatol": 1e-10})
    assert res.x == pytest.approx(L.optimal_bias_1d(c, s), abs=1e-6)
    assert L.optimal_bias_1d(c, s) == pytest.approx(s * ndtri(c / (1 + c)))
    # the closed-form population loss against Monte Carlo over the shift
    delta = np.random.default_rng(0).normal(0, s, 400_000)
    for x in (0.0, 0.7 * s):
        y = x - delta
        mc = np.where(y >= 0, y, -c * y)
        assert L.population_loss_1d(x, 1.0, c, s) == pytest.approx(mc.mean(), abs=4 * mc.std() / math.sqrt(y.size))
    assert L.population_loss_1d(L.optimal_bias_1d(c, s), 1.0, c, s) < L.population_loss_1d(0.0, 1.0, c, s)


def test_sgd_average_bias_closed_form():
    """E w̄ = √(2T/π)(a_f^{−1/2} − a_s^{−1/2}), T = ησ²/2 (docs/landscape.md §5.1: 0.0386 for a_f = 1, a_s = 10)."""
    theory = L.sgd_1d_bias(1.0, 10.0, 0.01, 1.0)
    assert theory == pytest.approx(0.0386, abs=5e-5)
    means = [L.sgd_1d(1.0, 10.0, 0.01, 1.0, steps=200_000, burn=2000, seed=s)[0] for s in range(8)]
    se = np.std(means, ddof=1) / math.sqrt(len(means))
    assert abs(np.mean(means) - theory) < 4 * se + 1e-3
    assert np.mean(means) > 0.02


# ------------------------------------------------------------------------------------------------
# SWA, trainer, reparametrization, registry, CLI


def test_train_gd_and_iterate_average():
    net = TwoLayer(10, 4, "leaky_relu", train_v=True)
    pats = pats_for(net, p=20)
    th0 = random_theta(net, 12)
    out = L.train_gd(net, th0, pats, lr=0.5, steps=30, average_from=10, record_every=1)
    assert out["history"]["loss"][-1] < out["history"]["loss"][0]
    th = th0.copy()
    its = []
    for t in range(30):
        th = th - 0.5 * loss_and_grad(net, th, pats)[1]
        if t + 1 >= 10:
            its.append(th)
    np.testing.assert_allclose(out["theta"], th, rtol=1e-12)
    np.testing.assert_allclose(out["theta_avg"], np.mean(its, axis=0), rtol=1e-10)
    assert out["n_averaged"] == 21


def test_swa_bias_runs_and_line():
    net = TwoLayer(10, 4, "leaky_relu", train_v=True)
    pats = pats_for(net, p=30)
    th_sgd, th_swa, _ = L.sgd_swa(net, pats, random_theta(net, 13), lr=0.3, steps=200, batch_size=5, seed=0)
    rep = L.swa_bias(net, pats, th_sgd, th_swa, n_dirs=10, n_t=11, test=pats_for(net, p=15, seed=7))
    assert set(rep["directions"]) == {"gaussian", "tangential", "sign_consistent", "uniform01"}
    s = rep["line"]["s"]
    i_sgd = np.argmin(np.abs(s - 1.0))
    i_swa = np.argmin(np.abs(s))
    assert rep["line"]["train_loss"][i_sgd] == pytest.approx(L.evaluate(net, th_sgd, pats)["loss"], rel=1e-10)
    assert rep["line"]["train_loss"][i_swa] == pytest.approx(L.evaluate(net, th_swa, pats)["loss"], rel=1e-10)


def test_reparam_report_matches_claimed_invariances():
    net = TwoLayer(16, 4, "leaky_relu", train_v=True)
    pats = pats_for(net, p=30)
    th = L.train_gd(net, random_theta(net, 14), pats, losses.cross_entropy(0.5), lr=1.0, steps=300)["theta"]
    names = ["train_loss", "lambda_max", "trace", "local_energy_add", "local_energy_mult", "local_energy_unit",
             "local_energy_layer", "log_hessian_trace", "orbit_min_trace", "fisher_rao"]
    opts = {n: {"n_draws": 20} for n in names if n.startswith("local_energy")}
    rep = L.reparam_report(net, pats, th, measures=names, alphas=(0.3, 1.0, 3.0), n_per_unit=1, options=opts)
    assert rep["max_loss_change"] < 1e-12
    for n in names:
        claimed = L.MEASURES[n].invariances["G2"]
        assert rep["summary"][n]["invariant"] == claimed, (n, rep["summary"][n])
    assert "| **max/min** |" in L.format_report(rep)


def test_rescale_rejects_non_homogeneous():
    with pytest.raises(ValueError, match="homogeneous"):
        L.rescale(TwoLayer(6, 2, "tanh", train_v=True), np.ones(14), 2.0)
    with pytest.raises(ValueError, match="positive"):
        L.rescale(TwoLayer(6, 2, "relu", train_v=True), np.ones(14), -1.0)


def test_registry_runs_every_measure():
    net = TwoLayer(10, 2, "leaky_relu", train_v=True)
    pats = pats_for(net, p=20)
    test = pats_for(net, p=10, seed=8)
    th = random_theta(net, 15)
    fast = {"n_draws": 5}
    for name, m in L.MEASURES.items():
        if m.applies == "binary":
            continue
        opts = {k: v for k, v in fast.items() if k in m.options}
        if name == "eps_sharpness":
            opts.update(steps=5, restarts=1)
        if name == "asymmetry_fraction":
            opts.update(n_dirs=4)
        if m.needs_test:
            opts["test"] = test
        out = L.measure(name, net, pats, th, **opts)
        assert np.isfinite(out["value"]), name
        assert set(m.invariances) == {"G1", "G2", "S"}
    b = wfm.Perceptron(21)
    bp = wfm.random_patterns(21, p=5, seed=0)
    assert L.measure("local_energy_flip", b, bp, b.random_weights(seed=0), n_draws=5)["value"] >= -1
    with pytest.raises(ValueError, match="measure"):
        L.measure("nope", net, pats, th)
    with pytest.raises(TypeError, match="unknown option"):
        L.measure("lambda_max", net, pats, th, sigma=1.0)
    with pytest.raises(ValueError, match="binary"):
        L.measure("local_energy_flip", net, pats, th)
    # trace from the registry equals the dense trace; Lanczos path equals dense λ_max
    h = net_hessian(net, th, pats)
    assert L.measure("trace", net, pats, th)["value"] == pytest.approx(np.trace(h))
    assert L.measure("lambda_max", net, pats, th, dense_max=5)["value"] == pytest.approx(np.linalg.eigvalsh(h)[-1], rel=1e-7)
    assert L.measure("log_hessian_trace", net, pats, th)["value"] == pytest.approx(np.sum(th ** 2 * np.diag(h)), rel=1e-10)


def test_hessian_spectrum_dense_and_lanczos_agree():
    model = wfm.Perceptron(40, weights="spherical")
    pats = wfm.random_patterns(40, p=30, seed=1)
    w = model.random_weights(seed=0)
    d = L.hessian_spectrum(model, pats, w, method="dense")
    l = L.hessian_spectrum(model, pats, w, method="lanczos", k=2)
    assert l["lambda_max"] == pytest.approx(d["lambda_max"], rel=1e-8)
    assert d["n"] == 40 and d["near_kink"] == 0
    assert np.sum(d["eigenvalues"] > 1e-12) <= 30           # rank ≤ P
    assert d["method_detail"] == "gram"
    np.testing.assert_allclose(d["eigenvalues"], np.linalg.eigvalsh(L.hessian(model, pats, w)), atol=1e-12)


def test_cli_measure(tmp_path, capsys):
    from wfm.cli import main
    assert main(["measure", "list"]) == 0
    assert "local_energy_mult" in capsys.readouterr().out
    assert main(["measure", "lambda_max", "--model", "two-layer", "--n", "10", "--k", "2", "--activation", "leaky_relu",
                 "--p", "20", "--train", "20", "--json"]) == 0
    import json
    rec = json.loads(capsys.readouterr().out)
    assert rec["measure"] == "lambda_max" and rec["value"] > 0
    np.save(tmp_path / "w.npy", np.ones(11))
    assert main(["measure", "local_energy_flip", "--model", "perceptron", "--n", "11", "--weights", "binary",
                 "--p", "5", "--reference", str(tmp_path / "w.npy"), "-o", "n_draws=4", "-o", "d=0.2"]) == 0
    assert "local_energy_flip" in capsys.readouterr().out
    # a bare binary measure works with the defaults (binary perceptron, solved here by SA)
    assert main(["measure", "local_energy_flip", "-o", "n_draws=4"]) == 0
    capsys.readouterr()
    assert main(["measure", "nope", "--p", "5", "--n", "11", "--reference", str(tmp_path / "w.npy")]) == 2
    assert main(["measure", "lambda_max", "--n", "11", "--p", "5"]) == 2        # binary weights have no Hessian
    assert "lambda_max" in capsys.readouterr().err
    assert main(["measure", "reparam", "--model", "two-layer", "--n", "8", "--k", "2", "--activation", "leaky_relu",
                 "--p", "10", "--train", "10", "-o", "n_per_unit=1", "-o", "measures=None"]) == 0
    assert "max/min" in capsys.readouterr().out


def test_float32_perceptron_hvp_matches_dense():
    """The opt-in float32 BLAS HVP of the perceptron agrees with the dense Hessian to float32 accuracy."""
    model = wfm.Perceptron(61, weights="spherical")
    for kind in ("binary", "gaussian"):
        pats = wfm.random_patterns(61, alpha=0.7, kind=kind, seed=3)
        w = model.random_weights(seed=4)
        for loss in (losses.cross_entropy(1.5), L.squared_hinge(0.3)):
            h = L.hessian(model, pats, w, loss)
            op = L.hvp_operator(model, pats, w, loss, precision="float32")
            u = np.random.default_rng(5).standard_normal(61)
            hu = op.matvec(u)
            np.testing.assert_allclose(hu, h @ u, rtol=0, atol=2e-6 * np.abs(h @ u).max())
            assert not np.allclose(hu, 0)


def test_float32_hvp_rejects_two_layer_nets():
    net = TwoLayer(9, 3, "relu", train_v=True)
    pats = pats_for(net)
    with pytest.raises(ValueError, match="perceptron only"):
        L.net_hvp(net, random_theta(net), pats, losses.cross_entropy(1.0), precision="float32")
    with pytest.raises(ValueError, match="precision"):
        L.net_hvp(net, random_theta(net), pats, losses.cross_entropy(1.0), precision="half")

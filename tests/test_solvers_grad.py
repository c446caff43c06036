"""Gradient methods: sgd-ce, rsgd, entropy-sgd (every kernel against a slow NumPy reference in the table
KERNEL_REFERENCES, kernels against the models, bookkeeping, end to end)."""
import math

import numpy as np
import pytest

import wfm
from wfm.core.codes import Output
from wfm.kernels.arrays import KernelArrays
from wfm.losses import cross_entropy, gradient, total
from wfm.solvers import _grad_kernels as gk
from wfm.solvers import entropy_sgd as esgd_mod
from wfm.solvers import rsgd as rsgd_mod
from wfm.solvers import sgd as sgd_mod
from wfm.solvers.entropy_sgd import entropy_sgd_outer
from wfm.solvers.rsgd import FORMULAS, rsgd_binary_epoch, rsgd_continuous_epoch
from wfm.solvers.sgd import NORMS, sgd_epoch

from conftest import reference_errors
from kernel_table import KernelRef, check_kernel, njit_kernels, unlisted

CONT_MODELS = [wfm.Perceptron(31, weights="spherical"),
               wfm.TreeCommittee(32, 4, activation="relu", weights="spherical"),
               wfm.Committee(15, 4, activation="relu", weights="spherical")]
SIGN_BINARY_MODELS = [wfm.Perceptron(31), wfm.TreeCommittee(33, 3), wfm.Committee(15, 5),
                      wfm.Committee(15, 3, margin=1.0)]


def _w(model, seed):
    return np.array(model.random_weights(seed=seed), dtype=np.float64).reshape(model.k, model.m)


# ---------------------------------------------------------------------------------------------- kernels
# Every @njit kernel of the gradient methods (wfm/solvers/_grad_kernels.py, sgd.py, rsgd.py, entropy_sgd.py)
# next to a slow NumPy reference with the same signature and the same effects (tests/kernel_table.py).

def ref_fields(w, xi, mu, tree, scale, h):
    kk, m = w.shape
    for k in range(kk):
        block = xi[mu, k * m:(k + 1) * m] if tree else xi[mu]
        h[k] = float(np.dot(w[k].astype(np.float64), block.astype(np.float64))) * scale


def ref_pre(code, h):
    if code == Output.PERCEPTRON:
        return float(h[0])
    if code == Output.SIGN:
        return float(np.sign(h).sum())
    if code == Output.RELU:
        half = h.shape[0] // 2
        r = np.maximum(h, 0.0)
        return float(r[:half].sum() - r[half:].sum())
    return float(np.prod(np.sign(h)))


def _ref_all_fields(w, xi, tree):
    kk, m = w.shape
    x = xi.astype(np.float64)
    blocks = [x[:, k * m:(k + 1) * m] if tree else x for k in range(kk)]
    return np.stack([blocks[k] @ w[k].astype(np.float64) for k in range(kk)], 1) / np.sqrt(m)


def _ce(gamma, delta):
    return np.logaddexp(0.0, -2.0 * gamma * delta) / (2.0 * gamma)


def ref_batch_grad(w, xi, labels, idx, tree, code, gamma, grad, h, leak=0.0):
    """∇_w Σ_{μ∈idx} f_γ(Δ^μ) from the chain rule, pattern by pattern (``h`` is a scratch buffer)."""
    kk, m = w.shape
    x = xi.astype(np.float64)
    half = kk // 2
    grad[:] = 0.0
    total = 0.0
    for mu in idx:
        hk = _ref_all_fields(w, x[mu:mu + 1], tree)[0]
        sigma = float(labels[mu])
        delta = sigma * ref_pre(code, hk)
        total += _ce(gamma, delta)
        d = 0.5 * (np.tanh(gamma * delta) - 1.0) * sigma / np.sqrt(m)
        for k in range(kk):
            if code == Output.PERCEPTRON:
                c = d
            else:
                slope = 1.0 if hk[k] > 0 else leak
                c = slope * d * (1.0 if k < half else -1.0)
            grad[k] += c * (x[mu, k * m:(k + 1) * m] if tree else x[mu])
    return total


def ref_evaluate(w, xi, labels, tree, code, gamma, kappa):
    h = _ref_all_fields(w, xi, tree)
    delta = labels * np.array([ref_pre(code, row) for row in h])
    smooth = code in (Output.PERCEPTRON, Output.RELU)
    return (float(_ce(gamma, delta).sum()) if smooth else np.nan), int(np.sum(delta <= kappa))


def ref_evaluate_many(ws, xi, labels, tree, code, gamma, kappa, losses, errs):
    for r in range(ws.shape[0]):
        losses[r], errs[r] = ref_evaluate(ws[r], xi, labels, tree, code, gamma, kappa)


def ref_project_units(w):
    nrm = np.linalg.norm(w, axis=1)
    ok = nrm > 0
    w[ok] *= (np.sqrt(w.shape[1]) / nrm[ok])[:, None]


def ref_sgd_epoch(w, hid, binary, xi, labels, perm, batch, tree, code, ce_gamma, lr, norm, wd, h_clip, leak):
    grad, h = np.empty_like(w), np.empty(w.shape[0])
    total = 0.0
    for a in range(0, perm.shape[0], batch):
        total += ref_batch_grad(w, xi, labels, perm[a:a + batch], tree, code, ce_gamma, grad, h, leak)
        if binary:
            hid[:] = np.clip(hid - lr * grad, -h_clip, h_clip)
            w[:] = np.where(hid > 0, 1.0, -1.0)
        else:
            w -= lr * (grad + wd * w)
            if norm == NORMS.index("sphere"):
                ref_project_units(w)
    return total


def ref_sgn(x):
    return 1.0 if x > 0 else -1.0


def ref_kick(formula, x, corr, w):
    if FORMULAS[formula] == "simple":
        return np.tanh(x) - w
    if FORMULAS[formula] == "corrected":
        return np.tanh(x) - corr * w
    return float(np.clip(x, -1.0, 1.0)) - w


def ref_lal_accumulate(w, xi, sigma, mu, tree, code, kappa, lr, dh, h, used):
    """Least-action step from the definition: the units to fix are the wrong ones of smallest |h_k|."""
    kk, m = w.shape
    hk = _ref_all_fields(w, xi[mu:mu + 1], tree)[0]
    x = xi[mu].astype(np.float64)
    if code == Output.PERCEPTRON:
        if sigma * hk[0] > kappa:
            return 0
        dh[0] += lr * sigma * x
        return 1
    hout = np.sign(hk).sum()
    if sigma * hout > kappa:
        return 0
    tofix = int(np.floor((kappa - sigma * hout) / 2)) + 1
    wrong = [k for k in range(kk) if sigma * hk[k] <= 0]
    for k in sorted(wrong, key=lambda k: abs(hk[k]))[:tofix]:
        dh[k] += lr * sigma * (x[k * m:(k + 1) * m] if tree else x)
    return 1


def ref_rsgd_binary_epoch(H, W, S, xi, labels, perms, pos, batch, tree, code, kappa, lr, lam, coupling, formula,
                          center, rng):
    y, kk, m = H.shape
    p = xi.shape[0]
    order = np.arange(y)
    corr = 1.0 if np.isinf(coupling) else np.tanh(coupling * y)
    n_err = 0
    scratch_h, scratch_used = np.empty(kk), np.empty(kk, np.int64)
    for _ in range(-(-p // batch)):
        rng.shuffle(order)
        for r in order:
            wold = W[r].copy()
            dh = np.zeros((kk, m))
            a, b = pos[r], min(pos[r] + batch, p)
            for mu in perms[r, a:b]:
                n_err += ref_lal_accumulate(wold.astype(np.float64), xi, float(labels[mu]), mu, tree, code, kappa,
                                            lr, dh, scratch_h, scratch_used)
            if b == p:
                rng.shuffle(perms[r])
                pos[r] = 0
            else:
                pos[r] = b
            H[r] += dh
            wr = np.where(H[r] > 0, 1.0, -1.0)
            if center:
                if lam > 0:
                    d = np.where(S > 0, 1.0, -1.0) - wr
                    H[r] += lam * d
                    S -= lam * d
                W[r] = np.where(H[r] > 0, 1, -1)
                continue
            if FORMULAS[formula] == "continuous":
                H[r] += lam * (S / y - wr)
            else:
                x = np.where(S != 0, S * np.inf, 0.0) if np.isinf(coupling) else coupling * S
                kick = np.clip(x, -1, 1) if FORMULAS[formula] == "hard" else np.tanh(x)
                H[r] += lam * (kick - (corr if FORMULAS[formula] == "corrected" else 1.0) * wr)
            W[r] = np.where(H[r] > 0, 1, -1)
            S += W[r] - wold
    return n_err


def ref_rsgd_continuous_epoch(w, wc, xi, labels, perms, pos, batch, tree, code, ce_gamma, lr, coupling, center,
                              sphere, leak, rng):
    y, kk, m = w.shape
    p = xi.shape[0]
    order = np.arange(y)
    grad, h = np.empty((kk, m)), np.empty(kk)
    total = 0.0
    for _ in range(-(-p // batch)):
        rng.shuffle(order)
        for r in order:
            a, b = pos[r], min(pos[r] + batch, p)
            total += ref_batch_grad(w[r], xi, labels, perms[r, a:b], tree, code, ce_gamma, grad, h, leak)
            if b == p:
                rng.shuffle(perms[r])
                pos[r] = 0
            else:
                pos[r] = b
            old = w[r].copy()
            w[r] -= lr * (grad + coupling * (w[r] - wc))
            if sphere:
                ref_project_units(w[r])
            if center:
                wc -= lr * coupling * (wc - w[r])
            else:
                wc += (w[r] - old) / y
    return total


def ref_entropy_sgd_outer(x, xp, mu, wev, binary, xi, labels, perm, pos, batch, tree, code, ce_gamma, lr, inner_lr,
                          n_inner, coupling, noise_std, alpha, sphere, leak, rng):
    p = perm.shape[0]
    grad, h = np.empty_like(x), np.empty(x.shape[0])
    total = 0.0
    xp[:] = x
    mu[:] = x
    for _ in range(n_inner):
        b = min(pos + batch, p)
        if binary:
            wev[:] = np.where(xp > 0, 1.0, -1.0)
        total += ref_batch_grad(wev if binary else xp, xi, labels, perm[pos:b], tree, code, ce_gamma, grad, h, leak)
        if b == p:
            rng.shuffle(perm)
            pos = 0
        else:
            pos = b
        xp[:] = xp - inner_lr * (grad - coupling * (x - xp)) + noise_std * rng.standard_normal(x.shape)
        mu[:] = (1.0 - alpha) * mu + alpha * xp
    x -= lr * (x - mu)
    if sphere:
        ref_project_units(x)
    return pos, total


# -- cases: every output rule the kernels accept, tree and fully connected, int8 and float32 patterns

def _ka(model, p, seed, kind="binary"):
    return KernelArrays(model, wfm.random_patterns(model.n, p=p, kind=kind, seed=seed))


def _cases_fields():
    out = []
    for model in CONT_MODELS + SIGN_BINARY_MODELS:
        for kind in ("binary", "gaussian"):
            ka = _ka(model, 9, 1, kind)
            out.append((_w(model, 2), ka.xi, 4, ka.tree, ka.scale, np.empty(ka.k)))
        if model.binary:     # int8 weights on int8 inputs: the exact integer path
            ka = _ka(model, 9, 1)
            w8 = np.asarray(model.random_weights(seed=3)).reshape(ka.k, ka.m)
            out.append((w8, ka.xi, 5, ka.tree, ka.scale, np.empty(ka.k)))
    return out


def _cases_batch_grad():
    out = []
    for model in CONT_MODELS:
        for kind in ("binary", "gaussian"):
            ka = _ka(model, 23, 4, kind)
            for gamma, leak in ((0.3, 0.0), (1.7, 0.25), (40.0, 0.0)):
                idx = np.array([3, 0, 17, 17, 22])
                out.append((_w(model, 5), ka.xi, ka.sig, idx, ka.tree, ka.code, gamma, np.empty((ka.k, ka.m)),
                            np.empty(ka.k), leak))
    return out


def _cases_evaluate():
    out = []
    for model in CONT_MODELS + SIGN_BINARY_MODELS + [wfm.ParityMachine(15, 3)]:
        ka = _ka(model, 31, 6)
        out.append((_w(model, 7), ka.xi, ka.sig, ka.tree, ka.code, 0.8, model.margin))
    return out


def _cases_evaluate_many():
    out = []
    for model in CONT_MODELS + SIGN_BINARY_MODELS[:2]:
        ka = _ka(model, 31, 6)
        ws = np.stack([_w(model, s) for s in range(4)])
        out.append((ws, ka.xi, ka.sig, ka.tree, ka.code, 1.3, model.margin, np.empty(4), np.empty(4, np.int64)))
    return out


def _cases_project_units():
    w = np.random.default_rng(0).standard_normal((3, 7))
    w[1] = 0.0                                            # a zero unit stays zero
    return [(w,), (np.random.default_rng(1).standard_normal((1, 31)),)]


def _cases_sgd_epoch():
    out = []
    for model in CONT_MODELS[:2] + [wfm.Perceptron(31), wfm.TreeCommittee(28, 4, "relu")]:
        ka = _ka(model, 25, 10)
        perm = np.random.default_rng(2).permutation(ka.p)
        w = _w(model, 1)
        if model.binary:
            hid = 0.7 * w
            out.append((np.where(hid > 0, 1.0, -1.0), hid, True, ka.xi, ka.sig, perm, 4, ka.tree, ka.code, 1.2, 0.3,
                        NORMS.index("sphere"), 0.0, 0.9, 0.2))
        else:
            for norm in ("sphere", "decay"):
                out.append((w.copy(), np.zeros((1, 1)), False, ka.xi, ka.sig, perm, 4, ka.tree, ka.code, 1.2, 0.3,
                            NORMS.index(norm), 0.01, math.inf, 0.0))
    return out


def _cases_sgn():
    return [(x,) for x in (-1.5, 0.0, 2.0)]


def _cases_kick():
    return [(FORMULAS.index(f), x, 0.6, w) for f in ("simple", "corrected", "hard") for x in (-3.0, 0.4, 2.0)
            for w in (-1.0, 1.0)]


def _cases_lal_accumulate():
    out = []
    for model in SIGN_BINARY_MODELS:
        ka = _ka(model, 20, 7)
        w = np.asarray(model.random_weights(seed=8)).reshape(ka.k, ka.m)
        for mu in range(ka.p):
            out.append((w, ka.xi, float(ka.sig[mu]), mu, ka.tree, ka.code, model.margin, 0.7,
                        np.zeros((ka.k, ka.m)), np.empty(ka.k), np.empty(ka.k, np.int64)))
    return out


def _cases_rsgd_binary_epoch():
    out = []
    for model in SIGN_BINARY_MODELS:
        ka = KernelArrays(model, wfm.random_patterns(model.n, alpha=0.8, seed=7, model=model))
        y, batch = 3, 7
        rng0 = np.random.default_rng(11)
        H = rng0.choice([-1.0, 1.0], size=(y, ka.k, ka.m)) * rng0.uniform(0.5, 1.5, size=(y, ka.k, ka.m))
        W = np.where(H > 0, 1, -1).astype(np.int8)
        perms = np.stack([rng0.permutation(ka.p) for _ in range(y)])
        pos = np.array([0, ka.p - 3, 5], np.int64)            # one replica ends its pass inside the epoch
        traced = W.sum(0).astype(np.float64)
        explicit = rng0.choice([-1.0, 1.0], size=(ka.k, ka.m))
        for formula, center, coupling in [(f, False, 0.3) for f in FORMULAS] + [("simple", False, math.inf),
                                                                               ("simple", True, 0.3)]:
            out.append((H.copy(), W.copy(), (explicit if center else traced).copy(), ka.xi, ka.sig, perms.copy(),
                        pos.copy(), batch, ka.tree, ka.code, model.margin, 0.7, 0.4, coupling, FORMULAS.index(formula),
                        center, np.random.default_rng(3)))
    return out


def _cases_rsgd_continuous_epoch():
    out = []
    for model in CONT_MODELS:
        ka = _ka(model, 23, 8, "gaussian")
        y = 3
        w = np.stack([_w(model, s) for s in range(y)])
        perms = np.stack([np.random.default_rng(r).permutation(ka.p) for r in range(y)])
        for center, sphere, leak in ((False, True, 0.0), (True, False, 0.3), (False, False, 0.0)):
            wc = w.mean(0) if not center else _w(model, 9)
            out.append((w.copy(), wc, ka.xi, ka.sig, perms.copy(), np.zeros(y, np.int64), 6, ka.tree, ka.code, 1.5,
                        0.05, 0.4, center, sphere, leak, np.random.default_rng(4)))
    return out


def _cases_entropy_sgd_outer():
    out = []
    for model in [CONT_MODELS[0], CONT_MODELS[2], wfm.Perceptron(31)]:
        ka = _ka(model, 17, 12, "gaussian")
        x = _w(model, 3)
        for noise_std, pos in ((0.3 * math.sqrt(0.1), 0), (0.3 * math.sqrt(0.2), ka.p - 7)):
            out.append((x.copy(), np.empty_like(x), np.empty_like(x), np.empty_like(x), model.binary, ka.xi, ka.sig,
                        np.random.default_rng(1).permutation(ka.p), pos, 5, ka.tree, ka.code, 1.1, 0.8, 0.1, 4, 0.5,
                        noise_std, 0.75, not model.binary, 0.2, np.random.default_rng(6)))
    return out


KERNEL_REFERENCES = [
    KernelRef("_grad_kernels.fields", gk.fields, ref_fields, _cases_fields, writes=(5,)),
    KernelRef("_grad_kernels.batch_grad", gk.batch_grad, ref_batch_grad, _cases_batch_grad, writes=(7,),
              rtol=1e-10),
    KernelRef("_grad_kernels.evaluate", gk.evaluate, ref_evaluate, _cases_evaluate, rtol=1e-10),
    KernelRef("_grad_kernels.evaluate_many", gk.evaluate_many, ref_evaluate_many, _cases_evaluate_many,
              writes=(7, 8), rtol=1e-10),
    KernelRef("_grad_kernels.project_units", gk.project_units, ref_project_units, _cases_project_units, writes=(0,)),
    KernelRef("sgd.sgd_epoch", sgd_epoch, ref_sgd_epoch, _cases_sgd_epoch, writes=(0, 1), rtol=1e-10),
    KernelRef("rsgd._sgn", rsgd_mod._sgn, ref_sgn, _cases_sgn),
    KernelRef("rsgd._kick", rsgd_mod._kick, ref_kick, _cases_kick),
    KernelRef("rsgd.lal_accumulate", rsgd_mod.lal_accumulate, ref_lal_accumulate, _cases_lal_accumulate,
              writes=(8,)),
    KernelRef("rsgd.rsgd_binary_epoch", rsgd_binary_epoch, ref_rsgd_binary_epoch, _cases_rsgd_binary_epoch,
              writes=(0, 1, 2, 5, 6)),
    KernelRef("rsgd.rsgd_continuous_epoch", rsgd_continuous_epoch, ref_rsgd_continuous_epoch,
              _cases_rsgd_continuous_epoch, writes=(0, 1, 4, 5), rtol=1e-9, atol=1e-10),
    KernelRef("entropy_sgd.entropy_sgd_outer", entropy_sgd_outer, ref_entropy_sgd_outer, _cases_entropy_sgd_outer,
              writes=(0, 1, 2, 7), rtol=1e-9, atol=1e-10),
]


def test_kernel_table_lists_every_kernel():
    assert unlisted(KERNEL_REFERENCES, gk, sgd_mod, rsgd_mod, esgd_mod) == []
    names = njit_kernels(gk, sgd_mod, rsgd_mod, esgd_mod)
    for row in KERNEL_REFERENCES:
        assert row.kernel is names[row.name]
        kernel, reference = row                         # the (kernel, reference) form of tests/test_kernels.py
        assert kernel is row.kernel and reference is row.reference


@pytest.mark.parametrize("row", KERNEL_REFERENCES, ids=lambda r: r.name)
def test_kernel_matches_reference(row):
    check_kernel(row)


# -------------------------------------------------------------------------- kernels against the models
@pytest.mark.parametrize("model", CONT_MODELS, ids=repr)
@pytest.mark.parametrize("kind", ["binary", "gaussian"])
def test_batch_grad_matches_losses_gradient(model, kind):
    """The kernel gradient against wfm.losses.gradient, an independent path through the model's forward pass."""
    pats = wfm.random_patterns(model.n, p=37, kind=kind, seed=1)
    ka = KernelArrays(model, pats)
    w = _w(model, 2)
    for gamma in (0.3, 1.7, 40.0):
        L, g = gradient(model, pats, w.reshape(model.weight_shape), cross_entropy(gamma))
        gb, h = np.empty_like(w), np.empty(model.k)
        Lb = gk.batch_grad(w, ka.xi, ka.sig, np.arange(pats.p), ka.tree, ka.code, gamma, gb, h)
        assert Lb == pytest.approx(L, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(gb, g.reshape(w.shape), rtol=1e-10, atol=1e-12)
    # a sub-batch equals the gradient on the subset
    idx = np.array([3, 0, 17, 17, 30])
    L, g = gradient(model, pats.subset(idx), w.reshape(model.weight_shape), cross_entropy(1.0))
    Lb = gk.batch_grad(w, ka.xi, ka.sig, idx, ka.tree, ka.code, 1.0, gb, h)
    assert Lb == pytest.approx(L, rel=1e-12)
    np.testing.assert_allclose(gb, g.reshape(w.shape), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("model", CONT_MODELS + SIGN_BINARY_MODELS, ids=repr)
def test_evaluate_matches_model(model):
    pats = wfm.random_patterns(model.n, p=41, seed=5)
    ka = KernelArrays(model, pats)
    w = model.random_weights(seed=6)
    wf = np.asarray(w, dtype=np.float64).reshape(model.k, model.m)
    loss, errs = gk.evaluate(wf, ka.xi, ka.sig, ka.tree, ka.code, 0.8, model.margin)
    assert errs == model.errors(w, pats) == reference_errors(model, w, pats)
    if model.binary:     # int8 weights take the exact integer path
        _, errs8 = gk.evaluate(np.asarray(w).reshape(model.k, model.m), ka.xi, ka.sig, ka.tree, ka.code, 0.8,
                               model.margin)
        assert errs8 == errs
    if model.kind == "perceptron" or model.activation == "relu":
        assert loss == pytest.approx(total(model, pats, w, cross_entropy(0.8)), rel=1e-12)
    else:
        assert math.isnan(loss)


def test_rsgd_binary_replica_sum_bookkeeping_exact():
    """After many epochs the incrementally kept replica sum S equals Σ_a W^a exactly."""
    model = wfm.Committee(21, 3)
    ka = KernelArrays(model, wfm.random_patterns(21, alpha=1.0, seed=2, model=model))
    rng = np.random.default_rng(0)
    y = 5
    H = rng.choice([-1.0, 1.0], size=(y, 3, 21))
    W = np.where(H > 0, 1, -1).astype(np.int8)
    S = W.sum(0).astype(np.float64)
    perms = np.stack([rng.permutation(ka.p) for _ in range(y)])
    pos = np.zeros(y, np.int64)
    flips = 0
    for _ in range(200):
        w_before = W.copy()
        rsgd_binary_epoch(H, W, S, ka.xi, ka.sig, perms, pos, 4, ka.tree, ka.code, 0.0, 1.0, 0.5, 0.2,
                          FORMULAS.index("simple"), False, rng)
        flips += int(np.sum(W != w_before))
    assert flips > 1000          # the weights really moved
    np.testing.assert_array_equal(S, W.sum(0).astype(np.float64))


# --------------------------------------------------------------------------------------------- end to end
EASY = [
    ("sgd-ce", wfm.Perceptron(101, weights="spherical"), 1.0, {}),
    ("sgd-ce", wfm.Perceptron(101), 0.25, {}),
    ("sgd-ce", wfm.TreeCommittee(100, 4, "relu", "spherical"), 0.25, {}),
    ("sgd-ce", wfm.Committee(31, 2, "relu", "spherical"), 0.3, {}),
    ("sgd-ce", wfm.TreeCommittee(60, 4, "relu", "binary"), 0.1, {}),
    ("rsgd", wfm.Perceptron(101), 0.3, {}),
    ("rsgd", wfm.TreeCommittee(105, 3), 0.3, {}),
    ("rsgd", wfm.Committee(51, 3), 0.3, {}),
    ("rsgd", wfm.Perceptron(101, weights="spherical"), 1.0, {}),
    ("rsgd", wfm.TreeCommittee(100, 4, "relu", "spherical"), 0.25, {}),
    ("entropy-sgd", wfm.Perceptron(101, weights="spherical"), 1.0, {}),
    ("entropy-sgd", wfm.Perceptron(101), 0.25, {}),
    ("entropy-sgd", wfm.TreeCommittee(100, 4, "relu", "spherical"), 0.25, {}),
]


@pytest.mark.parametrize("method,model,alpha,opts", EASY, ids=lambda v: repr(v) if not isinstance(v, dict) else "")
def test_solves_easy_instance(method, model, alpha, opts):
    pats = wfm.random_patterns(model.n, alpha=alpha, seed=0, model=model)
    res = wfm.solve(model, pats, method=method, seed=1, max_epochs=600, **opts)
    assert res.solved and res.n_errors == 0
    assert model.errors(res.weights, pats) == 0
    assert res.weights.shape == model.weight_shape
    lengths = {len(v) for v in res.history.values()}
    assert lengths == {res.iterations}
    assert res.history["errors"][-1] == 0 or method == "rsgd"


@pytest.mark.parametrize("method,model", [("sgd-ce", wfm.Perceptron(41)), ("rsgd", wfm.Committee(21, 3)),
                                          ("rsgd", wfm.Perceptron(41, weights="spherical")),
                                          ("entropy-sgd", wfm.Perceptron(41, weights="spherical")),
                                          ("sgd-ce", wfm.Perceptron(41, weights="spherical"))], ids=repr)
def test_reports_failure_above_capacity(method, model):
    # α = 3 is above capacity (binary perceptron 0.83, spherical 2, committees below their bounds)
    pats = wfm.random_patterns(model.n, alpha=3.0, seed=0, model=model)
    res = wfm.solve(model, pats, method=method, seed=0, max_epochs=30)
    assert not res.solved and res.n_errors == model.errors(res.weights, pats) > 0
    assert res.iterations == 30


@pytest.mark.parametrize("method,model", [("sgd-ce", wfm.Perceptron(31)), ("rsgd", wfm.TreeCommittee(33, 3)),
                                          ("rsgd", wfm.Perceptron(31, weights="spherical")),
                                          ("entropy-sgd", wfm.Perceptron(31, weights="spherical"))], ids=repr)
def test_same_seed_same_result(method, model):
    pats = wfm.random_patterns(model.n, alpha=0.6, seed=3, model=model)
    a = wfm.solve(model, pats, method=method, seed=5, max_epochs=15)
    b = wfm.solve(model, pats, method=method, seed=5, max_epochs=15)
    c = wfm.solve(model, pats, method=method, seed=6, max_epochs=15)
    np.testing.assert_array_equal(a.weights, b.weights)
    for k in a.history:
        np.testing.assert_array_equal(a.history[k], b.history[k])
    assert not np.array_equal(a.weights, c.weights) or a.iterations == 0


def test_sgd_ce_shrink_keeps_zero_errors_and_lowers_gamma_eff():
    model = wfm.Perceptron(101, weights="spherical")
    pats = wfm.random_patterns(101, alpha=1.0, seed=0)
    res = wfm.solve(model, pats, method="sgd-ce", seed=1, shrink_epochs=20, shrink_factor=0.9)
    h = res.history
    assert res.solved
    shrink = h["phase"] == 1
    assert shrink.sum() == res.extra["shrink_epochs_done"] == 20
    n_acc = res.extra["shrink_steps_accepted"]
    assert 1 <= n_acc <= 20
    # γ on the sphere went down by exactly the accepted steps
    assert res.extra["ce_gamma_final"] == pytest.approx(h["ce_gamma"][~shrink][-1] * 1.0 * 0.9 ** n_acc
                                                        * res.options["ce_gamma_factor"], rel=1e-12)
    assert res.extra["ce_gamma_eff_final"] < h["ce_gamma_eff"][~shrink][-1]


def test_sgd_ce_free_norm_grows_and_sphere_stays():
    model = wfm.Perceptron(101, weights="spherical")
    pats = wfm.random_patterns(101, alpha=1.2, seed=0)
    free = wfm.solve(model, pats, method="sgd-ce", seed=1, norm="free", ce_gamma_factor=1.0, max_epochs=40)
    sph = wfm.solve(model, pats, method="sgd-ce", seed=1, norm="sphere", ce_gamma_factor=1.0, max_epochs=40)
    assert free.history["norm"][-1] > 1.5
    np.testing.assert_allclose(sph.history["norm"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(sph.weights), np.sqrt(101), rtol=1e-12)


def test_rsgd_result_is_centre_or_solving_replica():
    model = wfm.TreeCommittee(105, 3)
    pats = wfm.random_patterns(105, alpha=0.3, seed=0)
    res = wfm.solve(model, pats, method="rsgd", seed=0, wait_center=True)
    assert res.solved and res.extra["winner"] == "center" and res.extra["center_errors"] == 0
    assert res.history["errors"][-1] == 0


@pytest.mark.parametrize("method", ["sgd-ce", "rsgd", "entropy-sgd"])
def test_bad_options(method):
    model = wfm.Perceptron(21, weights="spherical")
    pats = wfm.random_patterns(21, alpha=0.5, seed=0)
    with pytest.raises(TypeError, match="unknown option"):
        wfm.solve(model, pats, method=method, seed=0, learning_rate=0.1)
    with pytest.raises(ValueError, match="batch"):
        wfm.solve(model, pats, method=method, seed=0, batch=0)
    with pytest.raises(ValueError, match="norm"):
        wfm.solve(model, pats, method=method, seed=0, norm="ball")
    with pytest.raises(ValueError, match="max_epochs"):
        wfm.solve(model, pats, method=method, seed=0, max_epochs=0)


@pytest.mark.parametrize("method,model", [("sgd-ce", wfm.TreeCommittee(21, 3)), ("sgd-ce", wfm.ParityMachine(21, 3)),
                                          ("entropy-sgd", wfm.Committee(21, 3)),
                                          ("rsgd", wfm.TreeCommittee(20, 4, "relu")),
                                          ("rsgd", wfm.ParityMachine(21, 3)),
                                          ("rsgd", wfm.TreeCommittee(21, 3, weights="spherical"))], ids=repr)
def test_method_not_applicable(method, model):
    pats = wfm.random_patterns(model.n, alpha=0.3, seed=0, model=model)
    with pytest.raises(ValueError, match="model="):
        wfm.solve(model, pats, method=method, seed=0)


def test_specific_option_errors():
    pats = wfm.random_patterns(21, alpha=0.5, seed=0)
    with pytest.raises(ValueError, match="norm"):
        wfm.solve(wfm.Perceptron(21), pats, method="sgd-ce", norm="decay")
    with pytest.raises(ValueError, match="h_clip"):
        wfm.solve(wfm.Perceptron(21, weights="spherical"), pats, method="sgd-ce", h_clip=1.0)
    with pytest.raises(ValueError, match="shrink_factor"):
        wfm.solve(wfm.Perceptron(21, weights="spherical"), pats, method="sgd-ce", shrink_factor=1.5)
    with pytest.raises(ValueError, match="formula"):
        wfm.solve(wfm.Perceptron(21), pats, method="rsgd", formula="soft")
    with pytest.raises(ValueError, match="noise_convention"):
        wfm.solve(wfm.Perceptron(21, weights="spherical"), pats, method="entropy-sgd", noise_convention="torch")
    with pytest.raises(ValueError, match="lr"):
        wfm.solve(wfm.Perceptron(21, weights="spherical"), pats, method="entropy-sgd", lr=2.0)
    with pytest.raises(TypeError, match="center"):
        wfm.solve(wfm.Perceptron(21), pats, method="rsgd", center="yes")


@pytest.mark.parametrize("method,old,new", [("rsgd", "gamma", "coupling"), ("rsgd", "gamma_step", "coupling_step"),
                                            ("rsgd", "gamma_rate", "coupling_rate"),
                                            ("entropy-sgd", "gamma", "coupling"),
                                            ("entropy-sgd", "gamma_rate", "coupling_rate"),
                                            ("sgd-ce", "gamma", "ce_gamma"), ("sgd-ce", "gamma_factor", "ce_gamma_factor")])
def test_former_option_names_say_the_new_one(method, old, new):
    """The replica coupling is ``coupling*`` and the cross-entropy γ ``ce_gamma*`` in every method; a former name
    is an error that names its replacement."""
    model = wfm.Perceptron(21, weights="spherical")
    pats = wfm.random_patterns(21, alpha=0.5, seed=0)
    with pytest.raises(TypeError, match=f"{old} is now {new}"):
        wfm.solve(model, pats, method=method, seed=0, **{old: 0.1})
    assert new in wfm.solvers.methods()[method]["options"]


def test_methods_listing_documents_every_option():
    info = wfm.solvers.methods()
    for name in ("sgd-ce", "rsgd", "entropy-sgd"):
        assert set(info[name]["option_docs"]) == set(info[name]["options"])


def test_max_seconds_budget():
    model = wfm.Perceptron(41)
    pats = wfm.random_patterns(41, alpha=3.0, seed=0)
    res = wfm.solve(model, pats, method="rsgd", seed=0, max_epochs=10**6, max_seconds=0.5)
    assert not res.solved and 0 < res.iterations < 10**6


def test_entropy_sgd_beta_reflects_noise_convention():
    model = wfm.Perceptron(21, weights="spherical")
    pats = wfm.random_patterns(21, alpha=2.5, seed=0)
    a = wfm.solve(model, pats, method="entropy-sgd", seed=0, noise=0.1, max_epochs=2)
    b = wfm.solve(model, pats, method="entropy-sgd", seed=0, noise=0.1, max_epochs=2, noise_convention="code")
    assert a.extra["beta"] == pytest.approx(200.0) and b.extra["beta"] == pytest.approx(100.0)
    assert b.extra["noise_std"] == pytest.approx(math.sqrt(2) * a.extra["noise_std"])

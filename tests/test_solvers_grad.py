"""Gradient methods: sgd-ce, rsgd, entropy-sgd (kernels vs slow NumPy references, bookkeeping, end to end)."""
import math

import numpy as np
import pytest

import wfm
from wfm.losses import cross_entropy, gradient, total
from wfm.solvers import _grad_kernels as gk
from wfm.solvers.entropy_sgd import entropy_sgd_outer
from wfm.solvers.rsgd import FORMULAS, rsgd_binary_epoch, rsgd_continuous_epoch
from wfm.solvers.sgd import sgd_epoch
from wfm.kernels.arrays import model_code

from conftest import reference_errors, reference_fields, reference_preactivation

CONT_MODELS = [wfm.Perceptron(31, weights="spherical"),
               wfm.TreeCommittee(32, 4, activation="relu", weights="spherical"),
               wfm.Committee(15, 4, activation="relu", weights="spherical")]
SIGN_BINARY_MODELS = [wfm.Perceptron(31), wfm.TreeCommittee(33, 3), wfm.Committee(15, 5),
                      wfm.Committee(15, 3, margin=1.0)]


def _w(model, seed):
    return np.array(model.random_weights(seed=seed), dtype=np.float64).reshape(model.k, model.m)


# ---------------------------------------------------------------------------------------------- kernels
@pytest.mark.parametrize("model", CONT_MODELS, ids=repr)
@pytest.mark.parametrize("kind", ["binary", "gaussian"])
def test_batch_grad_matches_losses_gradient(model, kind):
    pats = wfm.random_patterns(model.n, p=37, kind=kind, seed=1)
    w = _w(model, 2)
    for gamma in (0.3, 1.7, 40.0):
        L, g = gradient(model, pats, w.reshape(model.weight_shape), cross_entropy(gamma))
        gb, h = np.empty_like(w), np.empty(model.k)
        Lb = gk.batch_grad(w, pats.xi, pats.labels, np.arange(pats.p), model.tree, model_code(model), gamma, gb, h)
        assert Lb == pytest.approx(L, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(gb, g.reshape(w.shape), rtol=1e-10, atol=1e-12)
    # a sub-batch equals the gradient on the subset
    idx = np.array([3, 0, 17, 17, 30])
    L, g = gradient(model, pats.subset(idx), w.reshape(model.weight_shape), cross_entropy(1.0))
    Lb = gk.batch_grad(w, pats.xi, pats.labels, idx, model.tree, model_code(model), 1.0, gb, h)
    assert Lb == pytest.approx(L, rel=1e-12)
    np.testing.assert_allclose(gb, g.reshape(w.shape), rtol=1e-10, atol=1e-12)


def _leaky_reference_grad(model, pats, w, gamma, leak):
    """Surrogate gradient with ReLU' = leak for h ≤ 0, from the definitions (NumPy)."""
    h = reference_fields(model, w, pats.xi)
    delta = pats.labels * reference_preactivation(model, h)
    d1 = 0.5 * (np.tanh(gamma * delta) - 1) * pats.labels
    c = model.output_weights
    coef = d1[:, None] * np.where(h > 0, 1.0, leak) * c[None, :]
    xi = pats.xi.astype(np.float64)
    g = np.zeros((model.k, model.m))
    for k in range(model.k):
        block = xi[:, k * model.m:(k + 1) * model.m] if model.tree else xi
        g[k] = coef[:, k] @ block
    return g / np.sqrt(model.m)


@pytest.mark.parametrize("model", CONT_MODELS[1:], ids=repr)
def test_batch_grad_leak_matches_reference(model):
    pats = wfm.random_patterns(model.n, p=29, kind="gaussian", seed=3)
    w = _w(model, 4)
    gb, h = np.empty_like(w), np.empty(model.k)
    gk.batch_grad(w, pats.xi, pats.labels, np.arange(pats.p), model.tree, model_code(model), 1.3, gb, h, 0.25)
    np.testing.assert_allclose(gb, _leaky_reference_grad(model, pats, w, 1.3, 0.25), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("model", CONT_MODELS + SIGN_BINARY_MODELS, ids=repr)
def test_evaluate_matches_model(model):
    pats = wfm.random_patterns(model.n, p=41, seed=5)
    w = model.random_weights(seed=6)
    wf = np.asarray(w, dtype=np.float64).reshape(model.k, model.m)
    loss, errs = gk.evaluate(wf, pats.xi, pats.labels, model.tree, model_code(model), 0.8, model.margin)
    assert errs == model.errors(w, pats) == reference_errors(model, w, pats)
    if model.binary:     # int8 weights take the exact integer path
        _, errs8 = gk.evaluate(np.asarray(w).reshape(model.k, model.m), pats.xi, pats.labels, model.tree,
                               model_code(model), 0.8, model.margin)
        assert errs8 == errs
    if model.kind == "perceptron" or model.activation == "relu":
        assert loss == pytest.approx(total(model, pats, w, cross_entropy(0.8)), rel=1e-12)
    else:
        assert math.isnan(loss)


# ------------------------------------------------------------------------------- NumPy reference epochs
def _ref_lal(model, wr, xi_mu, sigma, lr, dh):
    """Least-action step from the definition, on one pattern."""
    h = reference_fields(model, wr, xi_mu[None])[0]
    thr = model.margin
    if model.kind == "perceptron":
        if sigma * h[0] <= thr:
            dh[0] += lr * sigma * xi_mu
        return
    hout = np.sign(h).sum()
    if sigma * hout > thr:
        return
    tofix = int(np.floor((thr - sigma * hout) / 2)) + 1
    wrong = [k for k in range(model.k) if sigma * h[k] <= 0]
    for k in sorted(wrong, key=lambda k: abs(h[k]))[:tofix]:
        block = xi_mu[k * model.m:(k + 1) * model.m] if model.tree else xi_mu
        dh[k] += lr * sigma * block


def _ref_rsgd_binary_epoch(model, H, W, S, pats, perms, pos, batch, lr, lam, gamma, formula, center, rng):
    y = H.shape[0]
    p = pats.p
    xi = pats.xi.astype(np.float64)
    order = np.arange(y)
    for _ in range(-(-p // batch)):
        rng.shuffle(order)
        for r in order:
            wold = W[r].astype(np.float64).copy()
            dh = np.zeros_like(H[r])
            a, b = pos[r], min(pos[r] + batch, p)
            for mu in perms[r, a:b]:
                _ref_lal(model, wold, xi[mu], float(pats.labels[mu]), lr, dh)
            if b == p:
                rng.shuffle(perms[r])
                pos[r] = 0
            else:
                pos[r] = b
            H[r] += dh
            Wr = np.where(H[r] > 0, 1.0, -1.0)
            if center:
                d = np.where(S > 0, 1.0, -1.0) - Wr
                H[r] += lam * d
                S -= lam * d
            elif formula == "continuous":
                H[r] += lam * (S / y - Wr)
            else:
                x = gamma * S
                kick = np.clip(x, -1, 1) if formula == "hard" else np.tanh(x)
                corr = np.tanh(gamma * y) if formula == "corrected" else 1.0
                H[r] += lam * (kick - corr * Wr)
            W[r] = np.where(H[r] > 0, 1, -1)
            if not center:
                S += W[r] - wold


@pytest.mark.parametrize("model", SIGN_BINARY_MODELS, ids=repr)
@pytest.mark.parametrize("formula,center", [(f, False) for f in FORMULAS] + [("simple", True)])
def test_rsgd_binary_epoch_matches_reference(model, formula, center):
    pats = wfm.random_patterns(model.n, alpha=0.8, seed=7, model=model)
    y, batch = 3, 7
    rng0 = np.random.default_rng(11)
    H = rng0.choice([-1.0, 1.0], size=(y, model.k, model.m)) * rng0.uniform(0.5, 1.5, size=(y, model.k, model.m))
    W = np.where(H > 0, 1, -1).astype(np.int8)
    S = W.sum(0).astype(np.float64) if not center else rng0.choice([-1.0, 1.0], size=(model.k, model.m))
    perms = np.stack([rng0.permutation(pats.p) for _ in range(y)])
    pos = np.zeros(y, np.int64)
    ref = [H.copy(), W.copy(), S.copy(), perms.copy(), pos.copy()]
    rng_k, rng_r = np.random.default_rng(3), np.random.default_rng(3)
    for _ in range(2):
        rsgd_binary_epoch(H, W, S, pats.xi, pats.labels, perms, pos, batch, model.tree, model_code(model),
                          model.margin, 0.7, 0.4, 0.3, FORMULAS.index(formula), center, rng_k)
        _ref_rsgd_binary_epoch(model, *ref[:3], pats, ref[3], ref[4], batch, 0.7, 0.4, 0.3, formula, center, rng_r)
    np.testing.assert_allclose(H, ref[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(W, ref[1])
    np.testing.assert_allclose(S, ref[2], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(perms, ref[3])


def test_rsgd_binary_replica_sum_bookkeeping_exact():
    """After many epochs the incrementally kept replica sum S equals Σ_a W^a exactly."""
    model = wfm.Committee(21, 3)
    pats = wfm.random_patterns(21, alpha=1.0, seed=2, model=model)
    rng = np.random.default_rng(0)
    y = 5
    H = rng.choice([-1.0, 1.0], size=(y, 3, 21))
    W = np.where(H > 0, 1, -1).astype(np.int8)
    S = W.sum(0).astype(np.float64)
    perms = np.stack([rng.permutation(pats.p) for _ in range(y)])
    pos = np.zeros(y, np.int64)
    flips = 0
    for _ in range(200):
        w_before = W.copy()
        rsgd_binary_epoch(H, W, S, pats.xi, pats.labels, perms, pos, 4, False, model_code(model), 0.0, 1.0, 0.5,
                          0.2, 0, False, rng)
        flips += int(np.sum(W != w_before))
    assert flips > 1000          # the weights really moved
    np.testing.assert_array_equal(S, W.sum(0).astype(np.float64))


@pytest.mark.parametrize("model", CONT_MODELS, ids=repr)
@pytest.mark.parametrize("center,sphere", [(False, True), (True, False), (False, False)])
def test_rsgd_continuous_epoch_matches_reference(model, center, sphere):
    pats = wfm.random_patterns(model.n, p=23, kind="gaussian", seed=8)
    y, batch, lr, gamma, ce = 3, 6, 0.05, 0.4, 1.5
    w = np.stack([_w(model, s) for s in range(y)])
    wc = w.mean(0) if not center else _w(model, 9)
    perms = np.stack([np.random.default_rng(r).permutation(pats.p) for r in range(y)])
    pos = np.zeros(y, np.int64)
    rw, rwc, rperms, rpos = w.copy(), wc.copy(), perms.copy(), pos.copy()
    rng_k, rng_r = np.random.default_rng(4), np.random.default_rng(4)
    for _ in range(3):
        rsgd_continuous_epoch(w, wc, pats.xi, pats.labels, perms, pos, batch, model.tree, model_code(model), ce, lr,
                              gamma, center, sphere, 0.0, rng_k)
        order = np.arange(y)
        for _ in range(-(-pats.p // batch)):
            rng_r.shuffle(order)
            for r in order:
                a, b = rpos[r], min(rpos[r] + batch, pats.p)
                _, g = gradient(model, pats.subset(rperms[r, a:b]), rw[r].reshape(model.weight_shape),
                                cross_entropy(ce))
                if b == pats.p:
                    rng_r.shuffle(rperms[r])
                    rpos[r] = 0
                else:
                    rpos[r] = b
                old = rw[r].copy()
                rw[r] = rw[r] - lr * (g.reshape(old.shape) + gamma * (rw[r] - rwc))
                if sphere:
                    rw[r] *= np.sqrt(model.m) / np.linalg.norm(rw[r], axis=1, keepdims=True)
                if center:
                    rwc -= lr * gamma * (rwc - rw[r])
                else:
                    rwc += (rw[r] - old) / y
    np.testing.assert_allclose(w, rw, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(wc, rwc, rtol=1e-9, atol=1e-10)
    if not center:       # the incrementally kept centre is the replica mean
        np.testing.assert_allclose(wc, w.mean(0), rtol=0, atol=1e-10)


@pytest.mark.parametrize("model", [CONT_MODELS[0], CONT_MODELS[1], wfm.Perceptron(31), wfm.TreeCommittee(28, 4, "relu")],
                         ids=repr)
def test_sgd_epoch_matches_reference(model):
    pats = wfm.random_patterns(model.n, p=25, kind="binary", seed=10)
    batch, lr, gamma, wd = 4, 0.3, 1.2, 0.01
    w = _w(model, 1)
    hid = w * 0.7 if model.binary else np.zeros((1, 1))
    if model.binary:
        w = np.where(hid > 0, 1.0, -1.0)
    for norm in ((0,) if model.binary else (0, 1)):
        wk, hk = w.copy(), hid.copy()
        wr, hr = w.copy(), hid.copy()
        perm = np.random.default_rng(2).permutation(pats.p)
        sgd_epoch(wk, hk, model.binary, pats.xi, pats.labels, perm, batch, model.tree, model_code(model), gamma, lr,
                  norm, 0.0 if model.binary else wd, 0.9 if model.binary else math.inf, 0.0)
        for a in range(0, pats.p, batch):
            _, g = gradient(wfm.TreeCommittee(model.n, model.k, "relu", "spherical") if model.kind == "tree"
                            else wfm.Perceptron(model.n, weights="spherical"),
                            pats.subset(perm[a:a + batch]), wr.reshape(model.weight_shape), cross_entropy(gamma))
            g = g.reshape(wr.shape)
            if model.binary:
                hr = np.clip(hr - lr * g, -0.9, 0.9)
                wr = np.where(hr > 0, 1.0, -1.0)
            else:
                wr = wr - lr * (g + wd * wr)
                if norm == 0:
                    wr *= np.sqrt(model.m) / np.linalg.norm(wr, axis=1, keepdims=True)
        np.testing.assert_allclose(wk, wr, rtol=1e-10, atol=1e-12)
        if model.binary:
            np.testing.assert_allclose(hk, hr, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("model", [CONT_MODELS[0], CONT_MODELS[2], wfm.Perceptron(31)], ids=repr)
@pytest.mark.parametrize("convention", ["paper", "code"])
def test_entropy_sgd_outer_matches_reference(model, convention):
    pats = wfm.random_patterns(model.n, p=17, kind="gaussian", seed=12)
    L, batch, lr, ilr, gamma, alpha, eps, ce = 4, 5, 0.8, 0.1, 0.5, 0.75, 0.3, 1.1
    noise_std = eps * math.sqrt(ilr if convention == "paper" else 2 * ilr)
    x = _w(model, 3)
    xr = x.copy()
    perm = np.random.default_rng(1).permutation(pats.p)
    permr = perm.copy()
    xp, mu, wev = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    rng_k, rng_r = np.random.default_rng(6), np.random.default_rng(6)
    pos, posr = 0, 0
    cmodel = wfm.Perceptron(model.n, weights="spherical") if model.kind == "perceptron" else model
    for _ in range(3):
        pos, _ = entropy_sgd_outer(x, xp, mu, wev, model.binary, pats.xi, pats.labels, perm, pos, batch, model.tree,
                                   model_code(model), ce, lr, ilr, L, gamma, noise_std, alpha, not model.binary, 0.0,
                                   rng_k)
        xpr, mur = xr.copy(), xr.copy()
        for _ in range(L):
            b = min(posr + batch, pats.p)
            wev_r = np.where(xpr > 0, 1.0, -1.0) if model.binary else xpr
            _, g = gradient(cmodel, pats.subset(permr[posr:b]), wev_r.reshape(model.weight_shape), cross_entropy(ce))
            if b == pats.p:
                rng_r.shuffle(permr)
                posr = 0
            else:
                posr = b
            xpr = xpr - ilr * (g.reshape(xr.shape) - gamma * (xr - xpr)) + noise_std * rng_r.standard_normal(xr.shape)
            mur = (1 - alpha) * mur + alpha * xpr
        xr = xr - lr * (xr - mur)
        if not model.binary:
            xr *= np.sqrt(model.m) / np.linalg.norm(xr, axis=1, keepdims=True)
    np.testing.assert_allclose(x, xr, rtol=1e-9, atol=1e-10)
    assert pos == posr


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
    assert res.extra["gamma_final"] == pytest.approx(h["gamma"][~shrink][-1] * 1.0 * 0.9 ** n_acc
                                                     * res.options["gamma_factor"], rel=1e-12)
    assert res.extra["gamma_eff_final"] < h["gamma_eff"][~shrink][-1]


def test_sgd_ce_free_norm_grows_and_sphere_stays():
    model = wfm.Perceptron(101, weights="spherical")
    pats = wfm.random_patterns(101, alpha=1.2, seed=0)
    free = wfm.solve(model, pats, method="sgd-ce", seed=1, norm="free", gamma_factor=1.0, max_epochs=40)
    sph = wfm.solve(model, pats, method="sgd-ce", seed=1, norm="sphere", gamma_factor=1.0, max_epochs=40)
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

"""Online baselines (perceptron, sbpi, cpr) and least-action learning (lal, greedy): every kernel against a NumPy
reference that consumes the same random stream (table KERNEL_REFERENCES), end-to-end behaviour, option
handling."""
import math

import numpy as np
import pytest

import wfm
from wfm.data import Patterns, random_patterns
from wfm.solvers import lal as lal_mod
from wfm.solvers import online, solve

from conftest import reference_errors
from kernel_table import KernelRef, check_kernel, unlisted

ONLINE = ["perceptron", "sbpi", "cpr"]
LAL = ["lal", "greedy"]


def ref_online_epoch(xi, sig, h, w, hmax, thr, rule, theta_m, prob, rng):
    """NumPy reference of one CP / SBPI / CP+R epoch (same random draws, in the same order)."""
    n_err = 0
    for mu in rng.permutation(len(sig)):
        x = xi[mu].astype(np.int64)
        s = int(sig[mu])
        d = s * int(w.astype(np.int64) @ x)
        if d <= thr:
            n_err += 1
            h[:] = np.clip(h + 2 * s * x, -hmax, hmax)
            w[:] = np.where(h > 0, 1, -1)
        elif rule == online._SBPI:
            if d <= theta_m and rng.random() < prob:
                agree = w * s * x > 0
                h[agree] = np.clip(h[agree] + 2 * s * x[agree], -hmax, hmax)
        elif rule == online._CPR:
            if rng.random() < prob:
                h[:] = np.clip(h + 2 * np.sign(h), -hmax, hmax)
    return n_err


def ref_online_continuous_epoch(xi, sig, w, eta, kappa, rng):
    """NumPy reference of one epoch of the perceptron rule w ← w + η σ ξ/√N on every pattern with Δ ≤ κ."""
    n = xi.shape[1]
    n_err = 0
    for mu in rng.permutation(len(sig)):
        x = xi[mu].astype(np.float64)
        if sig[mu] * (w @ x) / math.sqrt(n) <= kappa:
            n_err += 1
            w += eta * sig[mu] * x / math.sqrt(n)
    return n_err


def ref_perceptron_errors(xi, sig, w, thr):
    return int(np.sum(sig * (xi.astype(np.float64) @ w.astype(np.float64)) <= thr))


def ref_unit_stabilities(xi_mu, s, w, tree, kk, m, f):
    for k in range(kk):
        block = xi_mu[k * m:(k + 1) * m] if tree else xi_mu
        f[k] = s * float(w[k].astype(np.float64) @ block.astype(np.float64)) / math.sqrt(m)


def ref_lal_epoch(xi, sig, w, h, binary, hmax, eta, tree, kk, m, c_needed, theta, p_s, rng):
    """NumPy reference of one (entropic) LAL epoch."""
    n_upd = 0
    for mu in rng.permutation(len(sig)):
        s = int(sig[mu])
        blocks = [xi[mu, k * m:(k + 1) * m] if tree else xi[mu] for k in range(kk)]
        f = np.array([s * float(w[k] @ blocks[k]) / math.sqrt(m) for k in range(kk)])
        tofix = c_needed - int(np.sum(f > theta))
        if tofix <= 0:
            continue
        n_upd += 1
        cand = [k for k in np.argsort(-f, kind="stable") if f[k] <= theta][:tofix]
        for k in cand:
            x = blocks[k].astype(np.int64) if binary else blocks[k]
            if binary:
                if f[k] <= 0:
                    h[k] = np.clip(h[k] + 2 * s * x, -hmax, hmax)
                    w[k] = np.where(h[k] > 0, 1, -1)
                elif p_s >= 1 or rng.random() < p_s:
                    agree = w[k] * s * x > 0
                    h[k, agree] = np.clip(h[k, agree] + 2 * s * x[agree], -hmax, hmax)
            elif f[k] <= 0 or p_s >= 1 or rng.random() < p_s:
                w[k] += eta * s * x / math.sqrt(m)
    return n_upd


def ref_committee_errors(xi, sig, w, tree, kk, m, kappa):
    f = np.empty(kk)
    e = 0
    for mu in range(xi.shape[0]):
        ref_unit_stabilities(xi[mu], float(sig[mu]), w, tree, kk, m, f)
        e += int((f[0] if kk == 1 else np.sign(f).sum()) <= kappa)
    return e


def _odd_hidden(rng, shape, hmax):
    """Random odd hidden states in [−hmax, hmax] (int32) and their signs (int8)."""
    h = (2 * rng.integers(-(hmax // 2) - 1, hmax // 2 + 1, size=shape) + 1).astype(np.int32)
    return h, np.where(h > 0, 1, -1).astype(np.int8)


def _cases_online_binary_epoch():
    model = wfm.Perceptron(61)
    pats = random_patterns(61, alpha=0.9, model=model, seed=1)
    out = []
    for rule, theta_m, prob in ((online._CP, 0, 0.0), (online._SBPI, 3, 0.4), (online._CPR, 0, 0.05)):
        for hmax, seed in ((7, 0), (1, 1)):
            h, w = _odd_hidden(np.random.default_rng(seed), 61, hmax)
            out.append((pats.xi, pats.labels, h, w, hmax, 1, rule, theta_m, prob, np.random.default_rng(3)))
    return out


def _cases_online_continuous_epoch():
    pats = random_patterns(41, alpha=1.0, seed=4)
    return [(pats.xi.astype(np.float64), pats.labels, np.random.default_rng(s).standard_normal(41), 0.7, kappa,
             np.random.default_rng(1)) for s, kappa in ((0, 0.1), (1, 0.0))]


def _cases_perceptron_errors():
    pats = random_patterns(41, alpha=1.0, seed=4)
    w = np.asarray(wfm.Perceptron(41).random_weights(seed=0))
    return [(pats.xi, pats.labels, w, thr) for thr in (0, 3)] + \
        [(pats.xi.astype(np.float64), pats.labels, np.random.default_rng(2).standard_normal(41), 0.3)]


LAL_MODELS = [wfm.Perceptron(31), wfm.TreeCommittee(45, 3), wfm.Committee(21, 5),
              wfm.TreeCommittee(45, 3, weights="spherical"), wfm.Committee(21, 3, weights="spherical")]


def _lal_state(model, seed):
    pats = random_patterns(model.n, alpha=0.8, model=model, seed=5)
    rng = np.random.default_rng(seed)
    if model.binary:
        h, w = _odd_hidden(rng, (model.k, model.m), 9)
        return pats.xi, pats.labels, w, h
    w = np.asarray(model.random_weights(seed=seed), np.float64).reshape(model.k, model.m)
    return pats.xi.astype(np.float64), pats.labels, w, np.zeros((1, 1), np.int32)


def _cases_unit_stabilities():
    out = []
    for model in LAL_MODELS:
        xi, sig, w, _ = _lal_state(model, 6)
        out += [(xi[mu], np.float64(sig[mu]), w, model.tree, model.k, model.m, np.empty(model.k)) for mu in range(3)]
    return out


def _cases_lal_epoch():
    out = []
    for model in LAL_MODELS:
        c_needed = 1 if model.k == 1 else model.k // 2 + 1
        for theta, p_s in ((0.0, 1.0), (0.25, 0.5)):
            xi, sig, w, h = _lal_state(model, 6)
            out.append((xi, sig, w, h, model.binary, 9, 0.8, model.tree, model.k, model.m, c_needed, theta, p_s,
                        np.random.default_rng(7)))
    return out


def _cases_committee_errors():
    out = []
    for model in LAL_MODELS:
        xi, sig, w, _ = _lal_state(model, 8)
        out += [(xi, sig, w, model.tree, model.k, model.m, kappa) for kappa in (0.0, 1.0)]
    return out


#: every @njit kernel of wfm/solvers/online.py and lal.py with its NumPy reference (tests/kernel_table.py)
KERNEL_REFERENCES = [
    KernelRef("online._online_binary_epoch", online._online_binary_epoch, ref_online_epoch,
              _cases_online_binary_epoch, writes=(2, 3)),
    KernelRef("online._online_continuous_epoch", online._online_continuous_epoch, ref_online_continuous_epoch,
              _cases_online_continuous_epoch, writes=(2,)),
    KernelRef("online._perceptron_errors", online._perceptron_errors, ref_perceptron_errors,
              _cases_perceptron_errors),
    KernelRef("lal._unit_stabilities", lal_mod._unit_stabilities, ref_unit_stabilities, _cases_unit_stabilities,
              writes=(6,)),
    KernelRef("lal._lal_epoch", lal_mod._lal_epoch, ref_lal_epoch, _cases_lal_epoch, writes=(2, 3)),
    KernelRef("lal._committee_errors", lal_mod._committee_errors, ref_committee_errors, _cases_committee_errors),
]


def test_kernel_table_lists_every_kernel():
    assert unlisted(KERNEL_REFERENCES, online, lal_mod) == []


@pytest.mark.parametrize("row", KERNEL_REFERENCES, ids=lambda r: r.name)
def test_kernel_matches_reference(row):
    check_kernel(row)


def test_online_binary_epochs_keep_hidden_states_odd_and_bounded():
    """Over several epochs the hidden states stay odd, within ±(2L − 1), and W = sign h; the kernel's error count
    of the final weights is the model's."""
    model = wfm.Perceptron(61)
    pats = random_patterns(61, alpha=0.9, model=model, seed=1)
    w = model.random_weights(seed=2).astype(np.int8)
    h = w.astype(np.int32)
    rng = np.random.default_rng(3)
    for rule, theta_m, prob in ((online._CP, 0, 0.0), (online._SBPI, 3, 0.4), (online._CPR, 0, 0.05)):
        for _ in range(5):
            online._online_binary_epoch(pats.xi, pats.labels, h, w, 7, 0, rule, theta_m, prob, rng)
        assert np.all(np.abs(h) <= 7) and np.all(h % 2 != 0)
        np.testing.assert_array_equal(w, np.where(h > 0, 1, -1))
    assert online._perceptron_errors(pats.xi, pats.labels, w, 0) == reference_errors(model, w, pats)


def test_greedy_with_fixed_window_is_sbpi_on_the_perceptron():
    """K = 1, κ_h fixed between 1/√N and 3/√N: greedy's barely-correct units are SBPI's θ_m = 1 patterns,
    so the two algorithms are the same rule and must produce the same trajectory."""
    n = 201
    model = wfm.Perceptron(n)
    pats = random_patterns(n, alpha=0.5, model=model, seed=3)
    a = solve(model, pats, "sbpi", seed=5, theta_m=1, p_s=0.3, states=15, max_epochs=300)
    b = solve(model, pats, "greedy", seed=5, kappa0=2 / math.sqrt(n), kappa_step=0.0, p_s=0.3, states=15,
              max_epochs=300)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.iterations == b.iterations


# ------------------------------------------------------------------------------------------------
# end to end
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ONLINE)
def test_online_solves_easy_instance(method):
    model = wfm.Perceptron(101)
    pats = random_patterns(101, alpha=0.3, model=model, seed=2)
    r = solve(model, pats, method, seed=0, max_epochs=500)
    assert r.solved and model.errors(r.weights, pats) == 0
    assert r.history["errors"][-1] == 0 and len(r.history["norm"]) == r.iterations


def test_plain_perceptron_continuous():
    model = wfm.Perceptron(101, weights="spherical")
    pats = random_patterns(101, alpha=1.2, model=model, seed=1)    # below the Gardner capacity 2
    r = solve(model, pats, "perceptron", seed=0, max_epochs=2000)
    assert r.solved
    assert r.history["norm"][-1] > 0


@pytest.mark.parametrize("method", LAL)
@pytest.mark.parametrize("model", [wfm.Perceptron(101), wfm.TreeCommittee(99, 3), wfm.Committee(33, 3),
                                   wfm.TreeCommittee(99, 3, weights="spherical")], ids=repr)
def test_lal_solves_easy_instance(method, model):
    pats = random_patterns(model.n, alpha=0.2, model=model, seed=3)
    r = solve(model, pats, method, seed=1, max_epochs=500)
    assert r.solved and model.errors(r.weights, pats) == 0
    assert len(r.history["kappa_h"]) == r.iterations


def _contradictory(model, p=10):
    rng = np.random.default_rng(0)
    xi = (2 * rng.integers(0, 2, (p, model.n)) - 1).astype(np.int8)
    xi[1] = xi[0]
    labels = np.ones(p, np.int8)
    labels[1] = -1
    return Patterns(xi, labels)


@pytest.mark.parametrize("method", ONLINE + LAL)
def test_honest_failure(method):
    model = wfm.Perceptron(31)
    r = solve(model, _contradictory(model), method, seed=0, max_epochs=40)
    assert not r.solved and r.n_errors >= 1 and r.iterations == 40


def test_greedy_threshold_schedule():
    model = wfm.TreeCommittee(45, 3)
    r = solve(model, _contradictory(model), "greedy", seed=0, max_epochs=30, kappa0=0.1, kappa_step=0.01,
              kappa_max=0.25)
    np.testing.assert_allclose(r.history["kappa_h"], np.minimum(0.25, 0.1 + 0.01 * np.arange(30)))


@pytest.mark.parametrize("method", ONLINE + LAL)
def test_same_seed_same_result(method):
    model = wfm.Perceptron(51)
    pats = random_patterns(51, alpha=0.7, model=model, seed=1)
    a = solve(model, pats, method, seed=3, max_epochs=20)
    b = solve(model, pats, method, seed=3, max_epochs=20)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.history["errors"], b.history["errors"])


def test_bad_input():
    pats = random_patterns(45, alpha=0.5, seed=0)
    for method in ("sbpi", "cpr", "perceptron"):
        with pytest.raises(ValueError, match="perceptron only"):
            solve(wfm.TreeCommittee(45, 3), pats, method, seed=0)
    for method in ("sbpi", "cpr"):
        with pytest.raises(ValueError, match="binary"):
            solve(wfm.Perceptron(45, weights="spherical"), pats, method, seed=0)
    for method in LAL:
        with pytest.raises(ValueError, match="sign"):
            solve(wfm.ParityMachine(45, 3), pats, method, seed=0)
        with pytest.raises(ValueError, match="sign"):
            solve(wfm.TreeCommittee(44, 4, activation="relu"), random_patterns(44, alpha=0.5, seed=0), method)
    with pytest.raises(TypeError, match="unknown option"):
        solve(wfm.Perceptron(45), pats, "sbpi", seed=0, p_r=0.1)
    with pytest.raises(ValueError, match="p_s"):
        solve(wfm.Perceptron(45), pats, "sbpi", seed=0, p_s=1.5)
    with pytest.raises(ValueError, match="max_epochs"):
        solve(wfm.Perceptron(45), pats, "greedy", seed=0, max_epochs=0)
    with pytest.raises(ValueError, match="kappa0"):
        solve(wfm.Perceptron(45), pats, "greedy", seed=0, kappa0=-0.1)


def test_methods_listing_documents_every_option():
    ms = wfm.solvers.methods()
    for name in ONLINE + LAL:
        assert set(ms[name]["options"]) == set(ms[name]["option_docs"])


@pytest.mark.parametrize("method", ["sa", "sa-ce", "replicated-sa"] + ONLINE + LAL)
def test_result_round_trip_and_history_lengths(method, tmp_path):
    from wfm.solvers import SolveResult
    model = wfm.Perceptron(31)
    pats = random_patterns(31, alpha=0.3, model=model, seed=0)
    r = solve(model, pats, method, seed=0)
    r.save(tmp_path / "r.npz")
    q = SolveResult.load(tmp_path / "r.npz")
    np.testing.assert_array_equal(q.weights, r.weights)
    assert q.solved == r.solved and set(q.history) == set(r.history)
    assert len({len(v) for v in r.history.values()}) == 1
    assert all(len(v) == r.iterations for v in r.history.values())


def test_hidden_states_default_grows_with_the_unit_size():
    """states=None: 40 up to m = 1001 inputs per unit (where it was tuned), then 40·√(m/1001); the solvers resolve
    it per unit (a committee's m, not N), and at m ≤ 1001 the default run is the states = 40 run."""
    from wfm.solvers._common import hidden_states

    assert [hidden_states(None, m) for m in (11, 1001, 3001, 10001)] == [40, 40, 69, 126]
    assert hidden_states(7, 10001) == 7
    with pytest.raises(ValueError, match="states"):
        hidden_states(0, 1001)
    from wfm.instance import Instance

    model, pats = Instance(n=201, alpha=0.6, data_seed=3).build()
    for method in ("sbpi", "cpr", "greedy", "lal"):
        a = solve(model, pats, method, seed=4, max_epochs=50)
        b = solve(model, pats, method, seed=4, max_epochs=50, states=40)
        assert np.array_equal(a.weights, b.weights) and a.iterations == b.iterations, method
    big, bpats = Instance(n=3001, alpha=0.5, data_seed=3).build()
    a, b, c = (solve(big, bpats, "sbpi", seed=4, max_epochs=4, **o) for o in ({}, {"states": 69}, {"states": 40}))
    assert np.array_equal(a.extra["hidden_states"], b.extra["hidden_states"])
    assert not np.array_equal(a.extra["hidden_states"], c.extra["hidden_states"])

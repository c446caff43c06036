"""Online baselines (perceptron, sbpi, cpr) and least-action learning (lal, greedy): kernels against NumPy
references that consume the same random stream, end-to-end behaviour, option handling."""
import math

import numpy as np
import pytest

import wfm
from wfm.data import Patterns, random_patterns
from wfm.solvers import lal as lal_mod
from wfm.solvers import online, solve

from conftest import reference_errors

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


@pytest.mark.parametrize("rule,theta_m,prob", [(online._CP, 0, 0.0), (online._SBPI, 3, 0.4), (online._CPR, 0, 0.05)])
def test_online_binary_kernel_matches_reference(rule, theta_m, prob):
    model = wfm.Perceptron(61)
    pats = random_patterns(61, alpha=0.9, model=model, seed=1)
    w0 = model.random_weights(seed=2).astype(np.int8)
    h_a, w_a = w0.astype(np.int32), w0.copy()
    h_b, w_b = w0.astype(np.int64), w0.copy()
    ra, rb = np.random.default_rng(3), np.random.default_rng(3)
    for _ in range(5):
        na = online._online_binary_epoch(pats.xi, pats.labels, h_a, w_a, 7, 0, rule, theta_m, prob, ra)
        nb_ = ref_online_epoch(pats.xi, pats.labels, h_b, w_b, 7, 0, rule, theta_m, prob, rb)
        assert na == nb_
    np.testing.assert_array_equal(h_a, h_b)
    np.testing.assert_array_equal(w_a, w_b)
    assert np.all(np.abs(h_a) <= 7) and np.all(h_a % 2 != 0)
    assert online._perceptron_errors(pats.xi, pats.labels, w_a, 0) == reference_errors(model, w_a, pats)


def test_online_continuous_kernel_matches_reference():
    pats = random_patterns(41, alpha=1.0, seed=4)
    w0 = np.random.default_rng(0).standard_normal(41)
    wa, wb = w0.copy(), w0.copy()
    ra, rb = np.random.default_rng(1), np.random.default_rng(1)
    xi = pats.xi.astype(np.float64)
    for _ in range(3):
        online._online_continuous_epoch(xi, pats.labels, wa, 0.7, 0.1, ra)
        for mu in rb.permutation(pats.p):
            if pats.labels[mu] * (wb @ xi[mu]) / math.sqrt(41) <= 0.1:
                wb += 0.7 * pats.labels[mu] * xi[mu] / math.sqrt(41)
    np.testing.assert_allclose(wa, wb, rtol=0, atol=1e-12)


def ref_lal_epoch(model, xi, sig, w, h, binary, hmax, eta, c_needed, theta, p_s, rng):
    """NumPy reference of one (entropic) LAL epoch."""
    k_, m = model.k, model.m
    n_upd = 0
    for mu in rng.permutation(len(sig)):
        s = int(sig[mu])
        blocks = [xi[mu, k * m:(k + 1) * m] if model.tree else xi[mu] for k in range(k_)]
        f = np.array([s * float(w[k] @ blocks[k]) / math.sqrt(m) for k in range(k_)])
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


@pytest.mark.parametrize("model", [wfm.Perceptron(31), wfm.TreeCommittee(45, 3), wfm.Committee(21, 5),
                                   wfm.TreeCommittee(45, 3, weights="spherical"),
                                   wfm.Committee(21, 3, weights="spherical")], ids=repr)
@pytest.mark.parametrize("theta,p_s", [(0.0, 1.0), (0.25, 0.5)])
def test_lal_kernel_matches_reference(model, theta, p_s):
    pats = random_patterns(model.n, alpha=0.8, model=model, seed=5)
    binary = model.binary
    w0 = model.random_weights(seed=6)
    w0 = np.asarray(w0).reshape(model.k, model.m)
    xi = pats.xi if binary else pats.xi.astype(np.float64)
    c_needed = 1 if model.k == 1 else model.k // 2 + 1
    wa = w0.astype(np.int8 if binary else np.float64).copy()
    ha = wa.astype(np.int32) if binary else np.zeros((1, 1), np.int32)
    wb = wa.copy()
    hb = wa.astype(np.int64) if binary else None
    ra, rb = np.random.default_rng(7), np.random.default_rng(7)
    for _ in range(3):
        na = lal_mod._lal_epoch(xi, pats.labels, wa, ha, binary, 9, 0.8, model.tree, model.k, model.m, c_needed,
                                theta, p_s, ra)
        nb_ = ref_lal_epoch(model, xi, pats.labels, wb, hb, binary, 9, 0.8, c_needed, theta, p_s, rb)
        assert na == nb_
    if binary:
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(ha, hb)
    else:
        np.testing.assert_allclose(wa, wb, rtol=0, atol=1e-12)
    assert lal_mod._committee_errors(xi, pats.labels, wa, model.tree, model.k, model.m, 0.0) == \
        reference_errors(model, wa, pats)


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

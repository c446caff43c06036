"""Monte Carlo solvers (sa, sa-ce, replicated-sa): kernels against slow NumPy references, bookkeeping,
end-to-end behaviour and option handling."""
import math
from pathlib import Path

import numpy as np
import pytest

import wfm
from wfm import losses
from wfm.core.codes import LossCode
from wfm.data import Patterns, random_patterns
from wfm.solvers import _mc, solve

from conftest import SMALL_BINARY_MODELS, reference_errors

MC_METHODS = ["sa", "sa-ce", "replicated-sa"]


def _lncosh(x):
    return np.logaddexp(x, -x) - math.log(2.0)


def reference_metropolis(model, pats, w, beta, n_moves, rng, loss=None, coupling=None, energy_fn=None):
    """Slow, obvious Metropolis: every move recomputes the energy of the whole configuration from scratch.

    Consumes the random stream exactly as the kernels do (one uniform per move: x = U·R·N, move ⌊x⌋,
    Metropolis number x − ⌊x⌋), so the trajectory must be identical. Energy per replica: errors (loss None)
    or Σ_μ ℓ(Δ^μ); robust-ensemble coupling −(1/β)Σ_i ln 2cosh(γ Σ_a W_i^a) when ``coupling`` = γ.
    """
    w = w.copy()
    r_, nw = w.shape

    def energy(wr):
        wr = wr.reshape(model.weight_shape)
        if energy_fn is not None:
            return float(energy_fn(wr))
        if loss is None:
            return float(reference_errors(model, wr, pats))
        return float(losses.total(model, pats, wr, loss))

    for _ in range(n_moves):
        x = rng.random() * r_ * nw
        rj = int(x)
        u = x - rj
        r, j = divmod(rj, nw)
        new = w[r].copy()
        new[j] = -new[j]
        de = energy(new) - energy(w[r])
        lu = -math.log(u) if u > 0 else math.inf
        if coupling is not None:
            s_old = int(w[:, j].sum())
            s_new = s_old - 2 * int(w[r, j])
            lu -= _lncosh(coupling * s_old) - _lncosh(coupling * s_new)   # β·ΔE_int
        if beta * de < lu:
            w[r] = new
    return w


def _state(model, pats, w):
    st = _mc.Setup(model, pats)
    h, pre = _mc.init_fields(w, st.xT, st.sig, st.cols, st.m, st.k, st.code)
    return st, h, pre


@pytest.mark.parametrize("model", SMALL_BINARY_MODELS, ids=repr)
@pytest.mark.parametrize("loss_name", ["error", "ce"])
@pytest.mark.parametrize("replicas", [1, 3])
def test_generic_kernel_matches_reference_and_bookkeeping(model, loss_name, replicas):
    """The generic kernel follows the NumPy reference move by move, and after thousands of moves its
    incrementally kept energy equals a recomputation from scratch (errors exactly, CE to 1e-10)."""
    pats = random_patterns(model.n, alpha=1.5, model=model, seed=3)
    w0 = model.random_weights(seed=4, size=replicas).reshape(replicas, -1).astype(np.int8)
    beta, gamma_ce, gamma_c = (1.5, 2.0, 0.4)
    loss = None if loss_name == "error" else losses.cross_entropy(gamma_ce)
    n_moves = 3000
    st, h, pre = _state(model, pats, w0)
    etab = st.error_table() if loss is None else st.energy_table(losses.CROSS_ENTROPY, gamma_ce)
    energy = _mc.table_energy(pre, st.sig, etab, st.off)
    nerr = _mc.count_errors(pre, st.sig, st.ti)
    w = w0.copy()
    w_sum = w.astype(np.int64).sum(axis=0)
    ctabs = _mc.coupling_table(replicas, gamma_c)[None]
    e_tr = np.zeros((1, replicas))
    n_tr = np.zeros((1, replicas), np.int64)
    # energy is recomputed at the sweep start, so one sweep of 3000 moves tests 3000 incremental updates
    _mc.sweeps_generic(w, st.xT, st.sig, st.cols, st.m, st.k, st.code, st.ti, h, pre, etab[None], st.off,
                       np.array([etab.min()]), energy, nerr, np.array([beta]), ctabs, replicas,
                       np.random.default_rng(7), n_moves, False, e_tr, n_tr, w_sum)
    ref = reference_metropolis(model, pats, w0, beta, n_moves, np.random.default_rng(7), loss,
                               gamma_c if replicas > 1 else None)
    np.testing.assert_array_equal(w, ref)
    assert np.any(w != w0)                                  # moves were accepted
    for r in range(replicas):
        wr = w[r].reshape(model.weight_shape)
        assert nerr[r] == reference_errors(model, wr, pats) == model.errors(wr, pats)
        scratch = reference_errors(model, wr, pats) if loss is None else losses.total(model, pats, wr, loss)
        if loss is None:
            assert energy[r] == scratch
        else:
            assert abs(energy[r] - scratch) < 1e-10
    np.testing.assert_array_equal(w_sum, w.astype(np.int64).sum(axis=0))
    h2, pre2 = _mc.init_fields(w, st.xT, st.sig, st.cols, st.m, st.k, st.code)
    np.testing.assert_array_equal(h, h2)
    np.testing.assert_array_equal(pre, pre2)


@pytest.mark.parametrize("replicas", [1, 3])
@pytest.mark.parametrize("n,margin", [(21, 0.0), (15, 0.3), (25, -0.2)])
def test_perceptron_fast_kernel_matches_reference(replicas, n, margin):
    """The marginal-pattern perceptron kernel (error loss) follows the NumPy reference move by move."""
    model = wfm.Perceptron(n, margin=margin)
    pats = random_patterns(n, alpha=1.2, model=model, seed=11)
    w0 = model.random_weights(seed=12, size=replicas).reshape(replicas, -1).astype(np.int8)
    st, h, pre = _state(model, pats, w0)
    s = (h[:, 0, :] * st.sig[None, :].astype(np.int32)).astype(np.int32)
    e = _mc.count_errors(pre, st.sig, st.ti)
    w = w0.copy()
    w_sum = w.astype(np.int64).sum(axis=0)
    beta, gamma_c, n_moves = 1.2, 0.3, 4000
    ctabs = _mc.coupling_table(replicas, gamma_c)[None]
    nerr = e.copy()
    _mc.sweeps_perceptron(w, st.yT, s, st.ti, e, nerr, False, np.array([beta]), ctabs, replicas,
                          np.random.default_rng(5), n_moves, False, np.zeros((1, replicas), np.int64),
                          np.zeros((1, replicas), np.int64), w_sum)
    ref = reference_metropolis(model, pats, w0, beta, n_moves, np.random.default_rng(5), None,
                               gamma_c if replicas > 1 else None)
    np.testing.assert_array_equal(w, ref)
    assert np.any(w != w0)
    for r in range(replicas):
        assert e[r] == reference_errors(model, w[r], pats) == nerr[r]
    np.testing.assert_array_equal(s, (pats.xi.astype(np.int64) @ w.T.astype(np.int64)).T * pats.labels)


def test_perceptron_fast_kernel_long_bookkeeping():
    """Tens of thousands of moves at N = 101 (incl. low β where accepted moves are rare): errors exact."""
    model = wfm.Perceptron(101)
    pats = random_patterns(101, alpha=0.8, model=model, seed=1)
    w = model.random_weights(seed=2, size=1).reshape(1, -1).astype(np.int8)
    st, h, pre = _state(model, pats, w)
    s = (h[:, 0, :] * st.sig[None, :].astype(np.int32)).astype(np.int32)
    e = _mc.count_errors(pre, st.sig, st.ti)
    betas = _mc.geometric(0.5, 20.0, 200)
    nerr = e.copy()
    _mc.sweeps_perceptron(w, st.yT, s, st.ti, e, nerr, False, betas, np.zeros((200, 3, 2)), 1,
                          np.random.default_rng(0), 101, False, np.zeros((200, 1), np.int64),
                          np.zeros((200, 1), np.int64), w.astype(np.int64).sum(0))
    assert e[0] == nerr[0] == model.errors(w[0], pats)


def test_flips_energy_long_bookkeeping_at_n_1001():
    """Thousands of accepted and rejected moves at N = 1001 through ``anneal`` (the marginal list is
    rebuilt many times): the kept flips energy equals the table sum recomputed from scratch."""
    model = wfm.Perceptron(1001)
    pats = random_patterns(1001, alpha=0.6, model=model, seed=3)
    st = _mc.Setup(model, pats)
    w = model.random_weights(seed=4, size=3).reshape(3, -1).astype(np.int8)
    out = _mc.anneal(st, w, _mc.geometric(0.1, 2.0, 30), loss_code=LossCode.FLIPS, couplings=_mc.geometric(0.2, 5.0, 30),
                     rng=np.random.default_rng(0), check_centre=True, stop_at_solution=False)
    _, _, sint = _mc.stabilities_int(w, st)
    assert np.array_equal(out["energy"][-1], st.flips_table()[sint + st.off].sum(axis=1))
    assert np.array_equal(out["nerr"], [model.errors(w[r], pats) for r in range(3)])


def test_coupling_table_and_interaction_energy():
    """ctab = β·ΔE_int of one flip, checked against the difference of two interaction energies."""
    rng = np.random.default_rng(0)
    w = (2 * rng.integers(0, 2, (5, 9)) - 1).astype(np.int8)
    gamma, beta = 0.7, 2.5
    tab = _mc.coupling_table(5, gamma)
    for r in range(5):
        for j in range(9):
            w2 = w.copy()
            w2[r, j] *= -1
            d = _mc.interaction_energy(w2, gamma, beta) - _mc.interaction_energy(w, gamma, beta)
            mb = int(w[:, j].sum() - w[r, j])
            assert abs(beta * d - tab[mb + 5, (w[r, j] + 1) // 2]) < 1e-12


def test_energy_table_matches_loss():
    for model in SMALL_BINARY_MODELS:
        pats = random_patterns(model.n, alpha=1.0, model=model, seed=2)
        st = _mc.Setup(model, pats)
        w = model.random_weights(seed=3)
        _, pre = _mc.init_fields(w.reshape(1, -1).astype(np.int8), st.xT, st.sig, st.cols, st.m, st.k, st.code)
        tab = st.energy_table(losses.CROSS_ENTROPY, 1.7)
        e = _mc.table_energy(pre, st.sig, tab, st.off)[0]
        assert abs(e - losses.total(model, pats, w, losses.cross_entropy(1.7))) < 1e-10
        assert _mc.table_energy(pre, st.sig, st.error_table(), st.off)[0] == model.errors(w, pats)


# ------------------------------------------------------------------------------------------------
# end to end
# ------------------------------------------------------------------------------------------------
E2E_MODELS = [wfm.Perceptron(51), wfm.TreeCommittee(45, 3), wfm.Committee(15, 3),
              wfm.TreeCommittee(46, 2, activation="relu"), wfm.ParityMachine(45, 3)]


@pytest.mark.parametrize("method", MC_METHODS)
@pytest.mark.parametrize("model", E2E_MODELS, ids=repr)
def test_solves_easy_instance(method, model):
    pats = random_patterns(model.n, alpha=0.2, model=model, seed=21)
    r = solve(model, pats, method, seed=1, max_sweeps=300)
    assert r.solved and r.n_errors == 0
    assert model.errors(r.weights, pats) == 0
    assert r.iterations <= 300
    for key in ("energy", "errors", "beta"):
        assert len(r.history[key]) == r.iterations
    assert r.history["errors"][-1] == 0


def _contradictory(model, p=12, seed=0):
    """An instance with no solution for any model: the same input twice with opposite labels."""
    rng = np.random.default_rng(seed)
    xi = (2 * rng.integers(0, 2, (p, model.n)) - 1).astype(np.int8)
    xi[1] = xi[0]
    labels = (2 * rng.integers(0, 2, p) - 1).astype(np.int8)
    labels[1] = -labels[0]
    return Patterns(xi, labels)


@pytest.mark.parametrize("method", MC_METHODS)
@pytest.mark.parametrize("model", E2E_MODELS[:3], ids=repr)
def test_honest_failure_on_impossible_instance(method, model):
    pats = _contradictory(model)
    r = solve(model, pats, method, seed=0, max_sweeps=30)
    assert not r.solved and r.n_errors >= 1
    assert r.iterations == 30
    assert r.n_errors == model.errors(r.weights, pats)


def test_above_capacity_reports_failure():
    model = wfm.Perceptron(101)
    pats = random_patterns(101, alpha=1.5, model=model, seed=0)   # binary capacity ≈ 0.83
    for method in MC_METHODS:
        r = solve(model, pats, method, seed=0, max_sweeps=50)
        assert not r.solved and r.n_errors > 0


@pytest.mark.parametrize("method", MC_METHODS)
def test_same_seed_same_result(method):
    model = wfm.TreeCommittee(33, 3)
    pats = random_patterns(33, alpha=0.6, model=model, seed=2)
    a = solve(model, pats, method, seed=9, max_sweeps=40)
    b = solve(model, pats, method, seed=9, max_sweeps=40)
    c = solve(model, pats, method, seed=10, max_sweeps=40)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.iterations == b.iterations
    for k in a.history:
        np.testing.assert_array_equal(a.history[k], b.history[k])
    assert not np.array_equal(a.weights, c.weights) or a.iterations != c.iterations


def test_replicated_sa_reports_who_solved():
    model = wfm.Perceptron(51)
    pats = random_patterns(51, alpha=0.3, model=model, seed=4)
    r = solve(model, pats, "replicated-sa", seed=0, y=5, max_sweeps=500)
    assert r.solved
    assert r.extra["solved_by"] in ("centre", "replica")
    reps = r.extra["replicas"]
    assert reps.shape == (5, 51)
    if r.extra["solved_by"] == "centre":
        np.testing.assert_array_equal(r.weights, np.sign(reps.astype(int).sum(0)))
    else:
        assert any(np.array_equal(r.weights, x) for x in reps)
    assert r.history["gamma"][0] == pytest.approx(0.05)
    assert len(r.history["centre_errors"]) == r.iterations


def test_sa_ce_schedules_in_history():
    model = wfm.Perceptron(31)
    pats = _contradictory(model)
    r = solve(model, pats, "sa-ce", seed=0, max_sweeps=20, gamma0=0.5, gamma1=8.0, beta0=1.0, beta1=50.0)
    np.testing.assert_allclose(r.history["gamma"][[0, -1]], [0.5, 8.0])
    np.testing.assert_allclose(r.history["beta"][[0, -1]], [1.0, 50.0])
    # the history energy is the CE loss of the weights at each sweep end: check the last one
    assert abs(r.history["energy"][-1] - losses.total(model, pats, r.weights, losses.cross_entropy(8.0))) < 1e-9


def test_max_seconds_budget():
    model = wfm.Perceptron(301)
    pats = random_patterns(301, alpha=1.5, model=model, seed=0)
    r = solve(model, pats, "sa", seed=0, max_sweeps=10**6, max_seconds=0.3)
    assert r.iterations < 10**6 and r.seconds < 5


@pytest.mark.parametrize("method", MC_METHODS)
def test_bad_input(method):
    pats = random_patterns(21, alpha=0.5, seed=0)
    with pytest.raises(TypeError, match="unknown option"):
        solve(wfm.Perceptron(21), pats, method, seed=0, betaa=1.0)
    with pytest.raises(ValueError, match="binary"):
        solve(wfm.Perceptron(21, weights="spherical"), pats, method, seed=0)
    with pytest.raises(ValueError, match="max_sweeps"):
        solve(wfm.Perceptron(21), pats, method, seed=0, max_sweeps=0)
    with pytest.raises(ValueError, match="beta0"):
        solve(wfm.Perceptron(21), pats, method, seed=0, beta0=-1.0)
    with pytest.raises(ValueError, match="binary"):
        solve(wfm.Perceptron(21), random_patterns(21, alpha=0.5, kind="gaussian", seed=0), method, seed=0)


def test_methods_listing_documents_every_option():
    ms = wfm.solvers.methods()
    for name in MC_METHODS:
        assert name in ms
        assert set(ms[name]["options"]) == set(ms[name]["option_docs"])


@pytest.mark.parametrize("replicas", [1, 3])
@pytest.mark.parametrize("n,margin", [(21, 0.0), (15, 0.3)])
def test_perceptron_table_kernel_matches_reference_and_bookkeeping(replicas, n, margin):
    """Cross-entropy perceptron path: same trajectory as the NumPy reference; after 3000 incremental
    updates the energy equals losses.total to 1e-10 and the error count is exact."""
    model = wfm.Perceptron(n, margin=margin)
    pats = random_patterns(n, alpha=1.3, model=model, seed=8)
    w0 = model.random_weights(seed=9, size=replicas).reshape(replicas, -1).astype(np.int8)
    st, h, pre = _state(model, pats, w0)
    s = (h[:, 0, :] * st.sig[None, :].astype(np.int32)).astype(np.int32)
    gamma_ce, beta, gamma_c, n_moves = 1.3, 3.0, 0.5, 3000
    loss = losses.cross_entropy(gamma_ce)
    etab = st.energy_table(losses.CROSS_ENTROPY, gamma_ce)
    energy = np.zeros(replicas)
    nerr = _mc.count_errors(pre, st.sig, st.ti)
    w = w0.copy()
    w_sum = w.astype(np.int64).sum(axis=0)
    _mc.sweeps_perceptron_table(w, st.yT, s, st.ti, etab[None], st.off, energy, nerr, np.array([beta]),
                                _mc.coupling_table(replicas, gamma_c)[None], replicas, np.random.default_rng(2),
                                n_moves, False, np.zeros((1, replicas)), np.zeros((1, replicas), np.int64), w_sum)
    ref = reference_metropolis(model, pats, w0, beta, n_moves, np.random.default_rng(2), loss,
                               gamma_c if replicas > 1 else None)
    np.testing.assert_array_equal(w, ref)
    assert np.any(w != w0)
    for r in range(replicas):
        assert abs(energy[r] - losses.total(model, pats, w[r], loss)) < 1e-10
        assert nerr[r] == model.errors(w[r], pats)


@pytest.mark.parametrize("method", ["sa-ce", "replicated-sa"])
def test_full_schedule_without_stop(method):
    model = wfm.Perceptron(21)
    pats = random_patterns(21, alpha=0.3, model=model, seed=5)
    r = solve(model, pats, method, seed=0, max_sweeps=120, stop_at_solution=False)
    assert r.iterations == 120
    assert r.solved
    if method == "replicated-sa":
        assert r.extra["solved_by"] in ("centre", "replica")


def test_stop_at_solution_must_be_boolean():
    pats = random_patterns(21, alpha=0.3, seed=0)
    for method in ("sa-ce", "replicated-sa"):
        with pytest.raises(TypeError, match="stop_at_solution"):
            solve(wfm.Perceptron(21), pats, method, seed=0, stop_at_solution="False")


_FLIPS_CACHE = {}


def brute_force_flips(model, pats, w):
    """Σ_μ the smallest number of weights whose flip makes pattern μ learned, by trying every subset
    of weights in order of size (exhaustive, independent of the integer-stability formula; memoized on
    the configuration, since the Metropolis reference evaluates the current state at every move)."""
    key = (repr(model), pats.xi.tobytes(), pats.labels.tobytes(), np.asarray(w).tobytes())
    if key not in _FLIPS_CACHE:
        _FLIPS_CACHE[key] = _brute_force_flips(model, pats, w)
    return _FLIPS_CACHE[key]


def _brute_force_flips(model, pats, w):
    import itertools
    n = model.n
    total = 0
    for mu in range(pats.p):
        one = Patterns(pats.xi[mu:mu + 1], pats.labels[mu:mu + 1])
        for k in range(n + 1):
            if any(model.errors(_flipped(w, s), one) == 0 for s in itertools.combinations(range(n), k)):
                total += k
                break
    return total


def _flipped(w, idx):
    v = w.copy()
    v[list(idx)] *= -1
    return v


@pytest.mark.parametrize("margin", [0.0, 0.4])
def test_flips_energy_table_matches_brute_force(margin):
    model = wfm.Perceptron(9, margin=margin)
    pats = random_patterns(9, alpha=1.5, model=model, seed=3)
    st = _mc.Setup(model, pats)
    tab = st.energy_table(LossCode.FLIPS, 0.0)
    for seed in range(4):
        w = model.random_weights(seed=seed)
        v = pats.labels.astype(np.int64) * (pats.xi.astype(np.int64) @ w)
        assert tab[v + st.off].sum() == brute_force_flips(model, pats, w)


@pytest.mark.parametrize("path", ["fast", "table"])
@pytest.mark.parametrize("replicas", [1, 3])
@pytest.mark.parametrize("margin", [0.0, 0.4])
def test_flips_energy_kernels_match_reference_and_bookkeeping(path, replicas, margin):
    """The flips energy on both perceptron paths — the marginal-pattern kernel ``sweeps_perceptron`` (used
    by ``anneal``) and the tabulated ``sweeps_perceptron_table`` — follows, move by move, the slow reference
    that recomputes Σ_μ flips by exhaustive subset search; after 1500 moves the kept energy and error
    count equal a recomputation from scratch."""
    model = wfm.Perceptron(9, margin=margin)
    pats = random_patterns(9, alpha=1.5, model=model, seed=4)
    w0 = model.random_weights(seed=5, size=replicas).reshape(replicas, -1).astype(np.int8)
    st, h, pre = _state(model, pats, w0)
    s = (h[:, 0, :] * st.sig[None, :].astype(np.int32)).astype(np.int32)
    beta, gamma_c, n_moves = 0.8, 0.4, 1500
    ctabs = _mc.coupling_table(replicas, gamma_c)[None]
    etab = st.energy_table(LossCode.FLIPS, 0.0)
    nerr = _mc.count_errors(pre, st.sig, st.ti)
    w = w0.copy()
    w_sum = w.astype(np.int64).sum(axis=0)
    traces = np.zeros((1, replicas), np.int64), np.zeros((1, replicas), np.int64)
    if path == "fast":
        energy = etab[s + st.off].sum(axis=1).astype(np.int64)
        _mc.sweeps_perceptron(w, st.yT, s, st.ti, energy, nerr, True, np.array([beta]), ctabs, replicas,
                              np.random.default_rng(6), n_moves, False, *traces, w_sum)
    else:
        energy = np.zeros(replicas)
        _mc.sweeps_perceptron_table(w, st.yT, s, st.ti, etab[None], st.off, energy, nerr, np.array([beta]), ctabs,
                                    replicas, np.random.default_rng(6), n_moves, False, np.zeros((1, replicas)),
                                    traces[1], w_sum)
    ref = reference_metropolis(model, pats, w0, beta, n_moves, np.random.default_rng(6),
                               coupling=gamma_c if replicas > 1 else None,
                               energy_fn=lambda wr: brute_force_flips(model, pats, wr))
    np.testing.assert_array_equal(w, ref)
    assert np.any(w != w0)
    for r in range(replicas):
        assert energy[r] == brute_force_flips(model, pats, w[r])
        assert nerr[r] == model.errors(w[r], pats)


@pytest.mark.parametrize("method", ["sa", "replicated-sa"])
def test_flips_energy_end_to_end_and_errors(method):
    model = wfm.Perceptron(21)
    pats = random_patterns(21, alpha=0.4, model=model, seed=2)
    r = solve(model, pats, method, seed=0, energy="flips", beta0=0.2, beta1=3.0, max_sweeps=300)
    assert r.solved and model.errors(r.weights, pats) == 0
    with pytest.raises(ValueError, match="energy"):
        solve(model, pats, method, seed=0, energy="hinge")
    tree = wfm.TreeCommittee(9, 3)
    with pytest.raises(ValueError, match="perceptron only"):
        solve(tree, random_patterns(9, alpha=0.3, model=tree, seed=0), method, seed=0, energy="flips")


# ------------------------------------------------------------------------------------------------
# recorded trajectories: every path of the Metropolis kernels, bit for bit
# ------------------------------------------------------------------------------------------------
#: (name, model, alpha, margin-free instance seed, method, options, solver seed). Each case runs long enough to
#: accept and reject many moves (several chunks of sweeps for ``anneal``); the outputs were recorded with the
#: kernels as they were before the Metropolis driver was unified (tests/data/mc_trajectories.npz) and must be
#: reproduced bit for bit: final weights, every history array (energy traces included) and every extra.
TRAJECTORY_CASES = [
    ("sa-error-perceptron", wfm.Perceptron(101), 1.0, 0, "sa", {"max_sweeps": 80}, 1),
    ("sa-error-perceptron-margin", wfm.Perceptron(51, margin=0.3), 0.5, 1, "sa", {"max_sweeps": 80}, 2),
    ("sa-error-perceptron-stop", wfm.Perceptron(51), 0.3, 2, "sa", {"max_sweeps": 300}, 3),
    ("sa-flips-perceptron", wfm.Perceptron(101), 1.0, 3, "sa",
     {"energy": "flips", "beta0": 0.2, "beta1": 5.0, "max_sweeps": 80}, 4),
    ("sa-flips-perceptron-stop", wfm.Perceptron(51), 0.4, 4, "sa",
     {"energy": "flips", "beta0": 0.2, "beta1": 5.0, "max_sweeps": 300}, 5),
    ("sa-error-tree-sign", wfm.TreeCommittee(45, 3), 1.0, 5, "sa", {"max_sweeps": 60}, 6),
    ("sa-error-committee-sign", wfm.Committee(15, 3), 1.0, 6, "sa", {"max_sweeps": 60}, 7),
    ("sa-error-tree-relu", wfm.TreeCommittee(46, 2, activation="relu"), 1.0, 7, "sa", {"max_sweeps": 60}, 8),
    ("sa-error-committee-relu", wfm.Committee(13, 4, activation="relu", margin=0.2), 1.0, 8, "sa",
     {"max_sweeps": 60}, 9),
    ("sa-error-parity", wfm.ParityMachine(45, 3), 1.0, 9, "sa", {"max_sweeps": 60}, 10),
    ("sa-error-tree-sign-stop", wfm.TreeCommittee(45, 3), 0.5, 10, "sa", {"max_sweeps": 300}, 11),
    ("sa-ce-perceptron", wfm.Perceptron(101, margin=0.1), 0.6, 11, "sa-ce",
     {"max_sweeps": 80, "stop_at_solution": False}, 12),
    ("sa-ce-perceptron-stop", wfm.Perceptron(51), 0.6, 12, "sa-ce", {"max_sweeps": 300}, 13),
    ("sa-ce-tree-sign", wfm.TreeCommittee(45, 3), 0.6, 13, "sa-ce",
     {"max_sweeps": 60, "stop_at_solution": False}, 14),
    ("sa-ce-committee-relu", wfm.Committee(13, 4, activation="relu"), 0.6, 14, "sa-ce",
     {"max_sweeps": 60, "stop_at_solution": False}, 15),
    ("sa-ce-parity", wfm.ParityMachine(45, 3), 0.6, 15, "sa-ce", {"max_sweeps": 60, "stop_at_solution": False}, 16),
    ("rsa-error-perceptron", wfm.Perceptron(51), 0.7, 16, "replicated-sa",
     {"y": 3, "max_sweeps": 60, "stop_at_solution": False}, 17),
    ("rsa-error-perceptron-stop-replica", wfm.Perceptron(51), 0.5, 17, "replicated-sa", {"y": 5, "max_sweeps": 300}, 18),
    ("rsa-error-perceptron-stop-centre", wfm.Perceptron(51), 0.6, 17, "replicated-sa", {"y": 5, "max_sweeps": 300},
     18),
    ("rsa-flips-perceptron", wfm.Perceptron(51, margin=0.2), 0.6, 18, "replicated-sa",
     {"y": 3, "energy": "flips", "gamma0": 0.2, "gamma1": 5.0, "beta0": 0.1, "beta1": 2.0, "max_sweeps": 60,
      "stop_at_solution": False}, 19),
    ("rsa-ce-perceptron", wfm.Perceptron(51), 0.7, 19, "replicated-sa",
     {"y": 3, "energy": "ce", "ce_gamma": 1.5, "max_sweeps": 60, "stop_at_solution": False}, 20),
    ("rsa-error-tree-sign", wfm.TreeCommittee(45, 3), 0.8, 20, "replicated-sa",
     {"y": 3, "max_sweeps": 40, "stop_at_solution": False}, 21),
    ("rsa-ce-committee-sign", wfm.Committee(15, 3), 0.8, 21, "replicated-sa",
     {"y": 4, "energy": "ce", "max_sweeps": 40, "stop_at_solution": False}, 22),
    ("rsa-error-parity-stop", wfm.ParityMachine(45, 3), 0.4, 22, "replicated-sa", {"y": 3, "max_sweeps": 300}, 23),
]
TRAJECTORY_FILE = Path(__file__).parent / "data" / "mc_trajectories.npz"


def _trajectory(case):
    """Everything a run returns, as named arrays (the weights, each history array, each extra)."""
    name, model, alpha, inst, method, opts, seed = case
    pats = random_patterns(model.n, alpha=alpha, model=model, seed=inst)
    r = solve(model, pats, method, seed=seed, **opts)
    out = {"weights": np.asarray(r.weights), "iterations": np.array(r.iterations)}
    out.update({f"history.{k}": np.asarray(v) for k, v in r.history.items()})
    for k, v in r.extra.items():
        out[f"extra.{k}"] = np.asarray(v)
    return {f"{name}/{k}": v for k, v in out.items()}


def record_trajectories(path=TRAJECTORY_FILE):
    """Write the reference file (run once, with the kernels being replaced; never with the new ones)."""
    data = {}
    for case in TRAJECTORY_CASES:
        data.update(_trajectory(case))
    path.parent.mkdir(exist_ok=True)
    np.savez_compressed(path, **data)


@pytest.mark.parametrize("case", TRAJECTORY_CASES, ids=[c[0] for c in TRAJECTORY_CASES])
def test_trajectories_identical_to_recorded(case):
    ref = np.load(TRAJECTORY_FILE)
    prefix = case[0] + "/"
    expected = {k[len(prefix):]: ref[k] for k in ref.files if k.startswith(prefix)}
    got = {k[len(prefix):]: v for k, v in _trajectory(case).items()}
    assert set(got) == set(expected)
    for k, v in expected.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape, k
        assert np.array_equal(got[k], v, equal_nan=v.dtype.kind == "f"), k
    assert expected["iterations"] > 10                       # long enough to mean something


if __name__ == "__main__":   # python tests/test_solvers_mc.py record
    import sys

    if sys.argv[1:] == ["record"]:
        record_trajectories()

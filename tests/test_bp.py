"""Fast tests of wfm.bp: kernels vs slow NumPy references, exactness on trees, enumeration, safety, solvers."""
import itertools
import math
import warnings

import numpy as np
import pytest
from scipy.special import log_ndtr

import wfm
from wfm import exact
from wfm.bp import BP, LocalEntropyCurve, binary_entropy_bound, entropy, exact_canonical, local_entropy, run_bp
from wfm.bp import _kernels as K
from wfm.bp.protocols import make_protocol, parse_range
from wfm.kernels.arrays import KernelArrays


# ------------------------------------------------------------------------------------------------
# slow, obvious references
# ------------------------------------------------------------------------------------------------
def ref_log_H(x):
    return log_ndtr(-np.asarray(x, dtype=float))


def ref_gauss_perceptron_messages(X, u, H, mu, thr):
    """New messages of pattern μ of a perceptron, Gaussian form, from magnetizations (all at once)."""
    h = H[0] - u[mu, 0]
    m = np.tanh(h)
    x = X[mu, 0]
    mb = (x * m).sum() - x * m
    sb = np.sqrt((x ** 2 * (1 - m ** 2)).sum() - x ** 2 * (1 - m ** 2))
    return 0.5 * (ref_log_H((thr - mb - x) / sb) - ref_log_H((thr - mb + x) / sb))


def ref_pattern_messages_enum(model, X, u, H, mu, thr, kappa_out):
    """Exact factor→weight messages of pattern μ by enumerating all 2^{K·m} weight configurations."""
    kk, mm = X.shape[1:]
    h = (H - u[mu]).reshape(-1)
    x = X[mu]
    confs = np.array(list(itertools.product([-1, 1], repeat=kk * mm)), dtype=float)
    logw = (confs * h).sum(1) - np.log(2 * np.cosh(h)).sum()
    fields = (confs.reshape(-1, kk, mm) * x).sum(2)  # (C, K)
    if kk == 1:
        ok = fields[:, 0] > thr
    else:
        ok = np.sign(fields).sum(1) > kappa_out
    out = np.empty(kk * mm)
    for j in range(kk * mm):
        # message = factor summed against the other incoming messages: remove W_j's own cavity weight
        lw = logw - confs[:, j] * h[j]
        zp = np.exp(lw[ok & (confs[:, j] > 0)]).sum()
        zm = np.exp(lw[ok & (confs[:, j] < 0)]).sum()
        out[j] = 0.5 * (np.log(zp) - np.log(zm))
    return out.reshape(kk, mm)


def brute_counts(model, pats, ref=None):
    """All 2^N configurations: number of solutions (and distance histogram to ref)."""
    n = model.n_weights
    confs = np.array(list(itertools.product([-1, 1], repeat=n)), dtype=np.int8)
    ok = model.errors(confs, pats) == 0
    if ref is None:
        return int(ok.sum())
    dist = (confs != np.asarray(ref).reshape(-1)).sum(1)
    return np.bincount(dist[ok], minlength=n + 1)


def _ksweep(bp, order, damping=0.0, gamma=0.0, y=1.0):
    """One sequential kernel sweep over ``order`` with explicit damping / focusing parameters."""
    return K.sweep(np.asarray(order, dtype=np.int64), bp.code, bp.xi, bp.sig, bp.tree, bp.accuracy == "exact", bp.u,
                   bp.H, bp.ut, bp.thr, bp.kappa_out, damping, gamma, y)


def _X(bp, pats):
    """The label-absorbed inputs X[μ, k, i] (float64) of the slow references."""
    return KernelArrays(bp.model, pats).X


def _state(model, pats, seed=0, spread=1.5, accuracy="auto"):
    bp = BP(model, pats, accuracy=accuracy, seed=seed)
    rng = np.random.default_rng(seed + 7)
    bp.u[...] = rng.normal(0, 0.4, size=bp.u.shape)
    bp.set_field(rng.normal(0, spread, size=model.n_weights))
    return bp


# ------------------------------------------------------------------------------------------------
# kernels vs references
# ------------------------------------------------------------------------------------------------
def test_scalar_helpers():
    xs = np.array([-40, -8, -1.3, 0, 0.7, 5, 20, 34.9, 35.1, 60, 300.0])
    for x in xs:
        assert K.log_H(x) == pytest.approx(ref_log_H(x), rel=1e-12, abs=1e-15)
        assert K.ln2cosh(x) == pytest.approx(np.logaddexp(x, -x), rel=1e-13)
        assert K.sech2(x) == pytest.approx(1 / np.cosh(x) ** 2 if abs(x) < 300 else 4 * np.exp(-2 * abs(x)), rel=1e-12)
    for g, v in [(0.3, 1.2), (2.0, -0.4), (7.0, 3.0), (0.0, 5.0)]:
        assert K.couple(g, v) == pytest.approx(np.arctanh(np.tanh(g) * np.tanh(v)), rel=1e-10, abs=1e-14)
        y = 3.5
        ref = np.arctanh(np.tanh(g) * np.tanh((y - 1) * np.arctanh(np.tanh(g) * np.tanh(v))))
        assert K.focusing_field(g, y, v) == pytest.approx(ref, rel=1e-9, abs=1e-14)
    assert K.couple(math.inf, 0.37) == 0.37
    assert K.focusing_field(math.inf, 3.0, 0.37) == pytest.approx(2 * 0.37)
    assert K.focusing_field(1.0, 1.0, 0.37) == 0.0
    # saturated: no NaN, clipped
    assert K.focusing_field(50.0, 1e6, 400.0) == pytest.approx(50.0)  # atanh(tanh γ · 1) = γ
    assert K.focusing_field(math.inf, 1e6, 400.0) == K.U_MAX
    assert K.half_log_ratio(-math.inf, -math.inf) == 0.0
    assert K.half_log_ratio(-math.inf, -3.0) == -K.U_MAX


def test_gaussian_perceptron_update_matches_numpy():
    model = wfm.Perceptron(41, margin=0.3)
    pats = wfm.random_patterns(41, alpha=0.5, seed=3)
    bp = _state(model, pats, accuracy="gaussian")
    X, thr = _X(bp, pats), bp.thr
    for mu in (0, 5, 11):
        expect = ref_gauss_perceptron_messages(X, bp.u, bp.H, mu, thr)
        _ksweep(bp, [mu])
        np.testing.assert_allclose(bp.u[mu, 0], expect, rtol=1e-10, atol=1e-12)
    # H is kept equal to θ + Σ u incrementally
    H = bp.H.copy()
    bp._refresh()
    np.testing.assert_allclose(H, bp.H, atol=1e-10)


@pytest.mark.parametrize("model", [wfm.Perceptron(9), wfm.Perceptron(9, margin=0.4), wfm.TreeCommittee(15, 3),
                                   wfm.Committee(5, 3)])
def test_exact_update_matches_enumeration(model):
    pats = wfm.random_patterns(model.n, alpha=0.6, seed=1, model=model)
    bp = _state(model, pats, accuracy="exact", spread=1.0)
    for mu in range(min(3, pats.p)):
        expect = ref_pattern_messages_enum(model, _X(bp, pats), bp.u, bp.H, mu, bp.thr, bp.kappa_out)
        _ksweep(bp, [mu])
        np.testing.assert_allclose(bp.u[mu], expect, rtol=1e-9, atol=1e-11)


def test_gaussian_committee_update_matches_numpy():
    model = wfm.TreeCommittee(33, 3)
    pats = wfm.random_patterns(33, alpha=0.5, seed=2, model=model)
    bp = _state(model, pats, accuracy="gaussian", spread=0.8)
    mu = 4
    X, u, H = _X(bp, pats), bp.u, bp.H
    h = H - u[mu]
    m = np.tanh(h)
    mean = (X[mu] * m).sum(1)
    var = (X[mu] ** 2 * (1 - m ** 2)).sum(1)
    p = 0.5 * (1 + np.vectorize(math.erf)(mean / np.sqrt(2 * var)))  # P(τ_k = +1)
    v = np.empty(3)
    for k in range(3):
        a, b = [p[j] for j in range(3) if j != k]
        ok_plus = 1 - (1 - a) * (1 - b)  # τ_k = +1: need one more +1
        ok_minus = a * b                 # τ_k = −1: need both
        v[k] = 0.5 * np.log(ok_plus / ok_minus)
    expect = np.empty_like(h)
    for k in range(3):
        mb = mean[k] - X[mu, k] * m[k]
        sb = np.sqrt(var[k] - X[mu, k] ** 2 * (1 - m[k] ** 2))
        lp = {s: np.logaddexp(v[k] + ref_log_H(-(mb + s * X[mu, k]) / sb), -v[k] + ref_log_H((mb + s * X[mu, k]) / sb))
              for s in (1, -1)}
        expect[k] = 0.5 * (lp[1] - lp[-1])
    _ksweep(bp, [mu])
    np.testing.assert_allclose(u[mu], expect, rtol=1e-9, atol=1e-12)


def test_damping_and_focusing_node():
    model = wfm.Perceptron(21)
    pats = wfm.random_patterns(21, alpha=0.3, seed=0)
    bp = _state(model, pats, accuracy="gaussian")
    old = bp.u[2, 0].copy()
    new = ref_gauss_perceptron_messages(_X(bp, pats), bp.u, bp.H, 2, bp.thr)
    _ksweep(bp, [2], damping=0.3)
    np.testing.assert_allclose(bp.u[2, 0], 0.7 * new + 0.3 * old, rtol=1e-10)
    # weight node P + i: ũ_i = focusing_field(γ, y, H_i − ũ_i)
    g = bp.H[0, 4] - bp.ut[0, 4]
    _ksweep(bp, [pats.p + 4], gamma=0.8, y=5.0)
    ref = np.arctanh(np.tanh(0.8) * np.tanh(4 * np.arctanh(np.tanh(0.8) * np.tanh(g))))
    assert bp.ut[0, 4] == pytest.approx(ref, rel=1e-10)
    assert bp.H[0, 4] == pytest.approx(g + ref, rel=1e-12)


# ------------------------------------------------------------------------------------------------
# free entropy: exact on a tree (one pattern), close to enumeration on loopy graphs
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", [wfm.Perceptron(11), wfm.Perceptron(11, margin=0.5), wfm.TreeCommittee(9, 3),
                                   wfm.Committee(5, 3)])
def test_bethe_exact_on_a_tree(model):
    """With one pattern the factor graph is a tree: BP (exact factors) gives the exact Φ(W̃, γ) and q(γ)."""
    pats = wfm.random_patterns(model.n, p=1, seed=4, model=model)
    ref = model.random_weights(seed=5).reshape(-1)
    counts = brute_counts(model, pats, ref)
    for gamma in (0.0, 0.7, 3.0):
        r = run_bp(model, pats, field=gamma * ref, accuracy="exact", epsilon=1e-12, seed=1)
        assert r.converged
        phi, q = exact_canonical(counts, [gamma])
        assert r.phi == pytest.approx(phi[0], abs=1e-10)
        assert r.state.overlap(ref) == pytest.approx(q[0], abs=1e-9)


@pytest.mark.parametrize("alpha", [0.2, 0.4])
def test_entropy_close_to_enumeration(alpha):
    model = wfm.Perceptron(15)
    errs = []
    for seed in range(4):
        pats = wfm.random_patterns(15, alpha=alpha, seed=seed)
        n = brute_counts(model, pats)
        assert n == exact.count_solutions(model, pats)
        assert entropy(model, pats, method="exact") == pytest.approx(np.log(n) / 15)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            errs.append(entropy(model, pats, method="bp") - np.log(n) / 15)
    errs = np.asarray(errs)
    # small loopy graphs: BP may not converge (one of these 4 at alpha=0.4); that is flagged as NaN, never used
    assert np.isfinite(errs).sum() >= 3
    # measured at N=15: max |error| ≈ 0.03 (tests/test_bp_validation.py quotes the 20-instance figures)
    assert np.nanmax(np.abs(errs)) < 0.06


def test_local_entropy_bp_vs_exact():
    model = wfm.Perceptron(17)
    pats = wfm.random_patterns(17, alpha=0.3, seed=2)
    ref = exact.sample_solutions(model, pats, 1, seed=0)[0]
    gammas = np.linspace(0, 4, 9)
    c = local_entropy(model, pats, ref, gammas=gammas)
    assert c.method == "bp" and c.converged.all()
    counts = exact.distance_counts(model, pats, ref)
    phi, q = exact_canonical(counts, gammas)
    np.testing.assert_allclose(c.s, phi - gammas * q, atol=0.05)
    np.testing.assert_allclose(c.d, (1 - q) / 2, atol=0.03)
    assert np.all(c.s <= c.upper + 1e-9)  # below H(d) (q ≥ 0 here)
    e = local_entropy(model, pats, ref, method="exact")
    assert e.method == "exact" and e.s[0] == 0.0 and e.d[0] == 0.0  # the reference itself, counted once
    np.testing.assert_allclose(e.s, np.log(counts[counts > 0]) / 17)


def test_local_entropy_curve_io(tmp_path):
    model = wfm.Perceptron(15)
    pats = wfm.random_patterns(15, alpha=0.2, seed=0)
    ref = exact.sample_solutions(model, pats, 1, seed=0)[0]
    c = local_entropy(model, pats, ref, gammas=[0, 1, 2])
    c.save(tmp_path / "c.npz")
    c2 = LocalEntropyCurve.load(tmp_path / "c.npz")
    np.testing.assert_array_equal(c.s, c2.s)
    assert c2.method == "bp" and c2.meta["accuracy"] == "exact"
    assert set(c.to_dict()) >= {"d", "s", "phi", "q", "gamma", "converged", "upper", "method"}
    import matplotlib
    matplotlib.use("Agg")
    ax = c.plot()
    local_entropy(model, pats, ref, method="exact").plot(ax=ax)
    assert len(ax.lines) >= 3


def test_binary_entropy_bound():
    assert binary_entropy_bound(0.5) == pytest.approx(np.log(2))
    assert binary_entropy_bound(0.0) == 0.0
    assert binary_entropy_bound(0.1) == pytest.approx(-0.1 * np.log(0.1) - 0.9 * np.log(0.9))


# ------------------------------------------------------------------------------------------------
# numerical safety, flags, determinism
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("accuracy", ["gaussian", "exact"])
def test_no_nan_at_large_gamma_and_alpha(accuracy):
    model = wfm.Perceptron(21)
    for alpha in (0.5, 1.5):
        pats = wfm.random_patterns(21, alpha=alpha, seed=1)
        ref = model.random_weights(seed=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            c = local_entropy(model, pats, ref, gammas=[0, 5, 20, 50], accuracy=accuracy, max_iters=200)
        assert np.all(np.isfinite(c.s[c.converged]))
        assert np.all(np.isnan(c.s[~c.converged]))  # flagged and excluded, never a number
        bp = BP(model, pats, field=50.0 * ref, accuracy=accuracy, seed=0)
        for _ in range(20):
            d = bp.sweep()
            assert np.isfinite(d)
        assert np.all(np.isfinite(bp.u)) and np.all(np.isfinite(bp.H))
        assert np.isfinite(bp.free_entropy())  # contradictions are clamped and counted, not -inf
        assert bp.contradictions >= 0


def test_nonconvergence_is_flagged():
    model = wfm.Perceptron(21)
    pats = wfm.random_patterns(21, alpha=0.4, seed=1)
    with pytest.warns(RuntimeWarning):
        r = run_bp(model, pats, max_iters=1, epsilon=1e-12)
    assert not r.converged
    with pytest.warns(RuntimeWarning):
        assert math.isnan(entropy(model, pats, max_iters=1, epsilon=1e-12))
    with pytest.warns(RuntimeWarning):
        c = local_entropy(model, pats, model.random_weights(seed=0), gammas=[0.0, 1.0], max_iters=1, epsilon=1e-12,
                          fallback_damping=None)
    assert not c.converged.any() and np.isnan(c.s).all() and np.isnan(c.d).all()


def test_same_seed_same_result():
    model = wfm.Perceptron(31)
    pats = wfm.random_patterns(31, alpha=0.3, seed=0)
    a = run_bp(model, pats, seed=5, max_iters=3, epsilon=1e-12)
    b = run_bp(model, pats, seed=5, max_iters=3, epsilon=1e-12)
    np.testing.assert_array_equal(a.magnetizations, b.magnetizations)


def test_bad_input():
    model = wfm.Perceptron(21)
    pats = wfm.random_patterns(21, alpha=0.3, seed=0)
    with pytest.raises(ValueError, match="accuracy"):
        BP(model, pats, accuracy="fast")
    with pytest.raises(ValueError, match="damping"):
        BP(model, pats, damping=1.0)
    with pytest.raises(ValueError, match="binary"):
        BP(wfm.Perceptron(21, weights="spherical"), pats)
    with pytest.raises(ValueError, match="sign"):
        BP(wfm.TreeCommittee(22, 2, activation="relu"), wfm.random_patterns(22, alpha=0.3, seed=0))
    with pytest.raises(ValueError, match="kinds"):
        BP(wfm.ParityMachine(21, 3), pats)
    with pytest.raises(ValueError, match="inputs"):
        BP(model, wfm.random_patterns(23, alpha=0.3, seed=0))
    with pytest.raises(ValueError, match="field"):
        BP(model, pats, field=np.ones(5))
    with pytest.raises(ValueError, match="method"):
        local_entropy(model, pats, model.random_weights(seed=0), method="mc")
    with pytest.raises(ValueError, match="gammas"):
        local_entropy(model, pats, model.random_weights(seed=0), gammas=[-1.0])
    with pytest.raises(ValueError, match="exact"):
        BP(model, wfm.random_patterns(21, alpha=0.3, seed=0, kind="gaussian"), accuracy="exact")


# ------------------------------------------------------------------------------------------------
# protocols and solvers
# ------------------------------------------------------------------------------------------------
def test_protocols():
    np.testing.assert_allclose(parse_range("r", "0:0.25:1"), [0, 0.25, 0.5, 0.75, 1.0])
    st = make_protocol("standard", dr=0.25)
    assert [y for _, y in st] == pytest.approx([1, 4 / 3, 2, 4]) and all(g == math.inf for g, _ in st)
    ps = make_protocol("pseudo", rhos=[0.0, 0.5], x=0.5)
    assert ps[1][0] == pytest.approx(math.atanh(math.sqrt(0.5))) and ps[1][1] == pytest.approx(3.0)
    assert ps[0] == (0.0, 2.0)
    sc = make_protocol("scoping", gammas="0:1:2", y=7)
    assert sc == [(0.0, 7.0), (1.0, 7.0), (2.0, 7.0)]
    assert make_protocol("free", steps=[[0.5, 2], [1, 3]]) == [(0.5, 2.0), (1.0, 3.0)]
    for bad in [dict(protocol="nope"), dict(protocol="free"), dict(protocol="pseudo", rhos=[1.0]),
                dict(protocol="scoping", gammas="1:0:2"), dict(protocol="free", steps=[[1.0, 0.5]])]:
        with pytest.raises(ValueError):
            make_protocol(**bad)


@pytest.mark.parametrize("opts", [{"protocol": "standard"}, {"protocol": "pseudo", "max_iters": 20},
                                  {"protocol": "scoping", "gammas": "0:0.2:10", "y": 7, "max_iters": 20},
                                  {"protocol": "free", "steps": [[0.1 * i, 1 + 0.2 * i] for i in range(60)]},
                                  {"protocol": "pseudo", "accuracy": "exact", "max_iters": 20}])
def test_fbp_solves_perceptron(opts):
    model = wfm.Perceptron(51)
    pats = wfm.random_patterns(51, alpha=0.4, seed=3)
    r = wfm.solve(model, pats, method="fbp", seed=0, **opts)
    assert r.solved and r.n_errors == 0
    h = r.history
    assert h["errors"][-1] == 0 and len(h["gamma"]) == len(h["errors"]) >= 1
    assert r.iterations == h["iterations"].sum()


def test_reinforced_bp_and_committee():
    model = wfm.Perceptron(101)
    pats = wfm.random_patterns(101, alpha=0.5, seed=1)
    r = wfm.solve(model, pats, method="bp", seed=0)
    assert r.solved and r.options["protocol"] == "standard"
    cm = wfm.Committee(21, 5)  # anchor test suite: N=21, K=5, α=0.1
    pc = wfm.random_patterns(21, alpha=0.1, seed=0, model=cm)
    for acc in ("gaussian", "exact"):
        rc = wfm.solve(cm, pc, method="fbp", seed=0, accuracy=acc, max_iters=50)
        assert rc.solved
    tc = wfm.TreeCommittee(45, 3)
    rt = wfm.solve(tc, wfm.random_patterns(45, alpha=0.3, seed=0, model=tc), method="fbp", seed=1, max_iters=50)
    assert rt.solved


def test_solver_trace_thermodynamics():
    """At y = 1 the replicated free entropy is φ + ln 2cosh γ (the centre sums out)."""
    model = wfm.Perceptron(41)
    pats = wfm.random_patterns(41, alpha=0.3, seed=0)
    bp = BP(model, pats, accuracy="gaussian", seed=0)
    bp.set_focusing(0.8, 1.0)
    bp.iterate(epsilon=1e-10)
    phi_rep, S, sig = bp.replicated_free_entropy()
    assert phi_rep == pytest.approx(bp.free_entropy() + np.log(2 * np.cosh(0.8)), abs=1e-10)
    assert sig == pytest.approx(phi_rep - 0.8 * S)
    r = wfm.solve(model, pats, method="fbp", seed=0, protocol="scoping", gammas="0.5:0.5:5", y=5, max_iters=50,
                  stop_at_solution=False)
    assert len(r.history["gamma"]) == 10
    assert np.all(np.isfinite(r.history["sigma_int"]))
    assert r.solved


def test_solver_bad_options():
    model = wfm.Perceptron(21)
    pats = wfm.random_patterns(21, alpha=0.3, seed=0)
    with pytest.raises(TypeError, match="unknown"):
        wfm.solve(model, pats, method="fbp", gamma=1.0)
    with pytest.raises(ValueError, match="protocol"):
        wfm.solve(model, pats, method="fbp", protocol="fast")
    with pytest.raises(ValueError, match="binary"):
        wfm.solve(wfm.Perceptron(21, weights="spherical"), pats, method="fbp")


def test_committee_entropy_close_to_enumeration():
    model = wfm.TreeCommittee(21, 3)
    errs = []
    for seed in range(3):
        pats = wfm.random_patterns(21, alpha=0.3, seed=seed, model=model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            errs.append(entropy(model, pats) - entropy(model, pats, method="exact"))
    # measured: |error| ≤ 0.013 on 10 instances at α = 0.2, 0.4
    assert np.nanmax(np.abs(errs)) < 0.04 and np.isfinite(errs).sum() >= 2


def test_cli(tmp_path, capsys):
    from wfm.cli import main
    out = tmp_path / "r.npz"
    assert main(["solve", "--n", "51", "--alpha", "0.3", "--method", "fbp", "--save", str(out), "--json"]) == 0
    assert '"solved": true' in capsys.readouterr().out
    curve = tmp_path / "c.npz"
    assert main(["local-entropy", "--reference", str(out), "--alpha", "0.3", "--gammas", "0:1:3", "--out", str(curve),
                 "--json"]) == 0
    rec = capsys.readouterr().out
    assert '"method": "bp"' in rec
    c = LocalEntropyCurve.load(curve)
    assert c.converged.all() and len(c.s) == 4 and c.meta["solved_by"] == "fbp"
    assert main(["local-entropy", "--n", "15", "--alpha", "0.3", "--method", "sa", "--estimator", "exact"]) == 0
    assert "exact" in capsys.readouterr().out
    assert main(["local-entropy", "--reference", str(out), "--method", "sa"]) == 2  # two sources of the solution
    assert "either --reference" in capsys.readouterr().err
    # the saved result carries its instance: a different load is refused, naming both values
    assert main(["local-entropy", "--reference", str(out), "--alpha", "0.5"]) == 2
    assert "--alpha 0.5 conflicts with the saved instance" in capsys.readouterr().err
    assert main(["local-entropy", "--n", "15", "--alpha", "0.3", "--method", "fbp", "--gammas", "a:b"]) == 2

"""Internal and external entropy of focusing BP (wfm.bp.core.MessagePassing.replicated_entropies).

Ground truths: the envelope identity S_int + γS = ∂(yφ)/∂y against a finite difference in y of converged fixed
points; the closed form at γ = 0 (Σ_ext = ln 2, S_int = the entropy); exhaustive enumeration of the replicated
system (every centre, every solution) at N = 15; and, as y grows, the plain-BP local entropy around the fBP
centre at the same γ.
"""
import math
import warnings

import numpy as np
import pytest

import wfm
from wfm.bp import entropy, local_entropy
from wfm.bp.core import make_state
from wfm.bp.focusing import focusing_bp


def _converge(bp, gamma, y, eps=1e-12, max_iters=5000):
    bp.set_focusing(gamma, y)
    ok, _, _ = bp.iterate(max_iters=max_iters, epsilon=eps)
    assert ok
    return bp.replicated_entropies()


def _fd_dyphi(bp, gamma, y, h=1e-3):
    """Central finite difference in y of yφ, each side re-converged from the fixed point at y."""
    saved = bp.copy_messages()
    vals = []
    for s in (1.0, -1.0):
        bp.restore_messages(saved)
        vals.append((y + s * h) * _converge(bp, gamma, y + s * h)["phi_rep"])
    bp.restore_messages(saved)
    return (vals[0] - vals[1]) / (2 * h)


@pytest.mark.parametrize("form,n,acc", [("edges", 51, "exact"), ("amp", 101, "auto")])
@pytest.mark.parametrize("alpha,gamma,y", [(0.3, 0.5, 3.0), (0.5, 1.0, 5.0)])
def test_dyphi_is_the_y_derivative_along_fixed_points(form, n, acc, alpha, gamma, y):
    pats = wfm.random_patterns(n, alpha=alpha, seed=7)
    bp = make_state(wfm.Perceptron(n), pats, form=form, accuracy=acc, seed=1, damping=0.3 if form == "amp" else 0.0)
    r = _converge(bp, gamma, y)
    fd = _fd_dyphi(bp, gamma, y)
    # measured: |diff| ~ 1e-9 (finite-difference error h² plus the 1e-12 convergence threshold)
    assert abs(r["dyphi"] - fd) < 1e-7
    assert r["s_int"] == pytest.approx(r["dyphi"] - gamma * r["overlap"], abs=1e-14)
    assert r["sigma_int"] == pytest.approx(r["s_int"] + r["sigma_ext"] / y, abs=1e-12)
    assert 0.0 < r["sigma_ext"] < math.log(2.0)


def test_gamma_zero_closed_form():
    """γ = 0: the centre decouples (Σ_ext = ln 2, S = 0) and S_int is the entropy of the solution space."""
    n = 51
    pats = wfm.random_patterns(n, alpha=0.4, seed=3)
    bp = make_state(wfm.Perceptron(n), pats, seed=2)
    r = _converge(bp, 0.0, 5.0, eps=1e-10)
    assert r["sigma_ext"] == pytest.approx(math.log(2.0), abs=1e-12)
    assert r["overlap"] == pytest.approx(0.0, abs=1e-12)
    assert r["s_int"] == pytest.approx(entropy(wfm.Perceptron(n), pats, seed=2), abs=1e-6)


def _exact_replicated(model, pats, gamma, y):
    """Exact S_int, Σ_ext, S of (1/(N y)) ln Σ_c Z(c, γ)^y, Z(c, γ) = Σ_{W solution} e^{γ W·c}, by enumeration."""
    n = model.n_weights
    conf = (1 - 2 * ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1)).astype(np.float64)
    x = np.asarray(pats.xi, float) * np.asarray(pats.labels, float)[:, None]
    sol = conf[np.all(conf @ x.T > 0, axis=1)]
    ov = conf @ sol.T
    top = ov.max(axis=1, keepdims=True)
    wts = np.exp(gamma * (ov - top))
    ln_z = gamma * top[:, 0] + np.log(wts.sum(1))
    qc = (wts * ov).sum(1) / wts.sum(1) / n
    a = y * ln_z
    p = np.exp(a - a.max())
    p /= p.sum()
    nz = p > 0
    return {"s_int": (p * ln_z).sum() / n - gamma * (p * qc).sum(), "sigma_ext": -(p[nz] * np.log(p[nz])).sum() / n,
            "overlap": (p * qc).sum()}


def test_against_enumeration_of_the_replicated_system():
    """N = 15: BP (exact factor updates) against every centre and every solution."""
    n = 15
    model = wfm.Perceptron(n)
    err_new, err_old, err_ext = [], [], []
    for seed in range(3):
        pats = wfm.random_patterns(n, alpha=0.3, seed=100 + seed)
        for gamma, y in ((0.5, 3.0), (1.0, 5.0)):
            ex = _exact_replicated(model, pats, gamma, y)
            bp = make_state(model, pats, accuracy="exact", seed=1)
            r = _converge(bp, gamma, y, eps=1e-10)
            err_new.append(abs(r["s_int"] - ex["s_int"]))
            err_old.append(abs(r["sigma_int"] - ex["s_int"]))
            err_ext.append(abs(r["sigma_ext"] - ex["sigma_ext"]))
    # measured: S_int mean |err| 0.0068, max 0.0127; Σ_ext mean 0.012; the old φ − γS misses S_int by Σ_ext/y
    assert np.mean(err_new) < 0.01 and np.max(err_new) < 0.02
    assert np.mean(err_ext) < 0.02
    assert np.mean(err_old) > 5 * np.mean(err_new)


def test_s_int_tends_to_the_local_entropy_of_the_centre():
    """As y grows, S_int → the plain-BP local entropy Φ(c, γ) − γ q around the centre c = sign(field on c)."""
    n, gamma = 201, 1.0
    model = wfm.Perceptron(n)
    pats = wfm.random_patterns(n, alpha=0.4, seed=5)
    bp = make_state(model, pats, seed=1)
    gaps = {}
    for y in (3.0, 11.0, 51.0):
        r = _converge(bp, gamma, y, eps=1e-9, max_iters=3000)
        centre = np.where(bp.H - bp.ut >= 0, 1, -1).astype(np.int8).reshape(-1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            le = local_entropy(model, pats, centre, gammas=[gamma], seed=0)
        assert le.converged[0]
        gaps[y] = abs(r["s_int"] - le.s[0])
    # measured: 0.039 (y = 3), 0.0052 (y = 11), 0.0002 (y = 51)
    assert gaps[51.0] < 1e-3
    assert gaps[3.0] > gaps[11.0] > gaps[51.0]


def test_focusing_trace_exposes_s_int_and_sigma_ext():
    n = 101
    pats = wfm.random_patterns(n, alpha=0.4, seed=11)
    steps = [(g, 11.0) for g in (0.2, 0.6, 1.0)]
    _, tr, _ = focusing_bp(wfm.Perceptron(n), pats, steps, max_iters=50, rng=np.random.default_rng(0),
                           stop_at_solution=False)
    for k in ("s_int", "sigma_ext", "sigma_int"):
        assert tr[k].shape == (3,) and np.all(np.isfinite(tr[k]))
    np.testing.assert_allclose(tr["sigma_int"], tr["s_int"] + tr["sigma_ext"] / tr["y"], atol=1e-12)
    assert np.all(tr["sigma_ext"] >= 0) and np.all(tr["sigma_ext"] <= math.log(2.0))
    _, tr_inf, _ = focusing_bp(wfm.Perceptron(n), pats, [(math.inf, 2.0)], max_iters=5,
                               rng=np.random.default_rng(0), stop_at_solution=False)
    assert np.isnan(tr_inf["s_int"][0]) and np.isnan(tr_inf["sigma_ext"][0])


def fbp_against_theory(n=1001, instances=4, alpha=0.4, y=21.0):
    """The table quoted in benchmarks/BENCHMARKS.md: fBP (``fig-fbp-max-local-entropy``) S_int, φ − γS, Σ_ext and
    the plain-BP local entropy around the centre, mean over instances per γ, against the finite-y RS theory
    (:func:`wfm.theory.large_deviation_curve`) at the same y and d."""
    import pandas as pd

    from wfm.experiments.figures import fig_fbp_max_local_entropy
    from wfm.figures.f04_algorithms_local_entropy import fbp_internal_entropy
    from wfm.theory import large_deviation_curve

    mx = pd.DataFrame([fig_fbp_max_local_entropy(n=n, alpha=alpha, y=y, seed=s) for s in range(instances)])
    f = fbp_internal_entropy(mx)
    ok = (f["d"] > 0) & (f["d"] < 0.45)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        th = large_deviation_curve(alpha, f["d"][ok], y)
    acc = {}
    for _, r in mx.iterrows():
        for g, si, se in zip(r["gamma"], r["sigma_int"], r["sigma_ext"]):
            acc.setdefault(round(float(g), 9), []).append((si, se))
    print(f"N = {n}, alpha = {alpha}, y = {y}, {instances} instances; offset s_BP - s_RS = {f['offset']:+.4f} "
          f"+- {f['offset_se']:.4f}")
    print("| γ | d | S_int ± s.e. | S_int − offset | theory S_int | φ − γS (fBP) | theory φ | Σ_ext fBP | Σ_ext theory "
          "| plain BP S at centre (d) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k, j in enumerate(np.nonzero(ok)[0]):
        a = np.asarray(acc[round(float(f["gamma"][j]), 9)])
        i = np.nonzero(np.isclose(f["le_gamma"], f["gamma"][j]))[0]
        le = f"{f['le_s'][i[0]]:.4f} ({f['le_d'][i[0]]:.4f})" if i.size else "-"
        print(f"| {f['gamma'][j]:.2f} | {f['d'][j]:.4f} | {f['s'][j]:.4f} ± {f['se'][j]:.4f} | {f['s_corr'][j]:.4f} | "
              f"{th.S_int[k]:.4f} | {a[:, 0].mean():.4f} | {th.phi[k]:.4f} | {a[:, 1].mean():.4f} | "
              f"{th.Sigma_ext[k]:.4f} | {le} |")


if __name__ == "__main__":
    import sys

    args = sys.argv[1:]
    fbp_against_theory(n=int(args[0]) if args else 1001, instances=int(args[1]) if len(args) > 1 else 4)

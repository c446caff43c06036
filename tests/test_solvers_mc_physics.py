"""Physics check (slow): local entropy of the solutions found by each method, by exact enumeration.

Binary perceptron N = 21, α = 0.4 (P = 8), 20 instances (patterns seeded 1000 + i, solvers seeded i).
For each solution W found, the exact counts 𝒩(W, D) of solutions at Hamming distance D (wfm.exact) give
the fraction of the configurations at distance D that are solutions, f_D = 𝒩(W, D)/binom(N, D) — the
finite-N local entropy at small d (S = (1/N) ln 𝒩 ≤ (1/N) ln binom(N, D), with equality iff f_D = 1).
The reference points are SA on the error loss and uniformly sampled solutions (20 per instance).

Run with ``python -m pytest tests/test_solvers_mc_physics.py -m slow -s`` to print the table
(quoted in benchmarks/BENCHMARKS.md, section "Solvers: Monte Carlo and online").
"""
import math

import numpy as np
import pytest

import wfm
from wfm.data import random_patterns
from wfm.exact import count_solutions, distance_counts, sample_solutions

N, ALPHA, INSTANCES = 21, 0.4, 20
METHODS = {
    "sa": ("sa", {}),
    "sa-ce (full schedule)": ("sa-ce", {"stop_at_solution": False}),
    "sa-ce γ=1 (full schedule)": ("sa-ce", {"ce_gamma0": 1.0, "ce_gamma1": 1.0, "stop_at_solution": False}),
    "replicated-sa (full schedule)": ("replicated-sa", {"stop_at_solution": False}),
    "replicated-sa flips (full schedule)": ("replicated-sa", {"energy": "flips", "beta0": 0.5, "beta1": 5.0,
                                                              "stop_at_solution": False}),
    "greedy": ("greedy", {}),
}
if "rsgd" in wfm.solvers.methods():
    METHODS["rsgd"] = ("rsgd", {})


def _fractions(model, pats, w):
    c = distance_counts(model, pats, w)
    return np.array([c[d] / math.comb(model.n_weights, d) for d in (1, 2, 3)])


@pytest.fixture(scope="module")
def table():
    model = wfm.Perceptron(N)
    out = {k: [] for k in list(METHODS) + ["uniform"]}
    for inst in range(INSTANCES):
        pats = random_patterns(N, alpha=ALPHA, model=model, seed=1000 + inst)
        assert count_solutions(model, pats) > 0
        for name, (method, opts) in METHODS.items():
            r = wfm.solve(model, pats, method, seed=inst, **opts)
            out[name].append(_fractions(model, pats, r.weights) if r.solved else np.full(3, np.nan))
        samples = sample_solutions(model, pats, 20, seed=inst)
        out["uniform"].append(np.mean([_fractions(model, pats, s) for s in samples], axis=0))
    out = {k: np.array(v) for k, v in out.items()}
    print(f"\nN={N} alpha={ALPHA}, {INSTANCES} instances: mean ± s.e. of f_D = N(W,D)/binom(N,D)")
    for k, v in out.items():
        ok = v[~np.isnan(v[:, 0])]
        cells = " ".join(f"D={d + 1}: {ok[:, d].mean():.3f} ± {ok[:, d].std(ddof=1) / math.sqrt(len(ok)):.3f}"
                         for d in range(3))
        print(f"  {k:32s} solved {len(ok):2d}/{len(v)}  {cells}")
    return out


def _paired_margin(a, b, d):
    """Mean of the paired difference a − b at distance index d, and its standard error (solved pairs only)."""
    ok = ~np.isnan(a[:, d]) & ~np.isnan(b[:, d])
    diff = a[ok, d] - b[ok, d]
    return diff.mean(), diff.std(ddof=1) / math.sqrt(ok.sum())


ENTROPIC = ["greedy", "rsgd", "sa-ce γ=1 (full schedule)", "replicated-sa (full schedule)",
            "replicated-sa flips (full schedule)"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTROPIC)
@pytest.mark.parametrize("baseline", ["sa", "uniform"])
def test_entropic_methods_find_denser_solutions(table, name, baseline):
    assert name in table, f"method {name!r} missing from the table"
    assert np.isnan(table[name][:, 0]).sum() == 0          # every instance solved
    for d in (0, 1):                                        # D = 1 and D = 2
        mean, se = _paired_margin(table[name], table[baseline], d)
        assert mean > 2 * se, (name, baseline, d + 1, mean, se)

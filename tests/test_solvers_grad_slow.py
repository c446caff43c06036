"""Slow statistical checks of the gradient methods (``pytest -m slow tests/test_solvers_grad_slow.py``)."""
import numpy as np
import pytest

import wfm
from wfm import exact

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed", [0, 1])
def test_rsgd_known_good_binary_committee(seed):
    """BinaryCommitteeMachineRSGD.jl docstring: K=5, N=321, P=802 (α = 0.5), y=7, batch=80, λ=0.75, γ=0.05,
    γstep=0.001 (η = 2) solves the fully connected binary committee. These are the defaults of method='rsgd'."""
    model = wfm.Committee(321, 5)
    pats = wfm.random_patterns(321, p=802, seed=seed, model=model)
    res = wfm.solve(model, pats, method="rsgd", seed=seed, max_epochs=3000, y=7, batch=80, lam=0.75, coupling=0.05,
                    coupling_step=0.001, lr=2.0, formula="simple")
    assert res.solved, (res.n_errors, res.iterations)
    assert model.errors(res.weights, pats) == 0


def local_entropy_table(n=21, alpha=0.4, instances=20, uniform_draws=10):
    """Mean number of solutions at Hamming distance D = 1, 2, 3 (exact enumeration) around the solutions of
    rsgd (centre, wait_center=True), of SA on the error loss, and of uniformly sampled solutions."""
    model = wfm.Perceptron(n)
    rows = {"rsgd": [], "sa": [], "uniform": []}
    for inst in range(instances):
        pats = wfm.random_patterns(n, alpha=alpha, seed=inst)
        if exact.count_solutions(model, pats) == 0:
            continue
        r = wfm.solve(model, pats, method="rsgd", seed=inst, wait_center=True, batch=4, coupling_step=0.01,
                      max_epochs=2000)
        s = wfm.solve(model, pats, method="sa", seed=inst)
        assert r.solved and s.solved
        rows["rsgd"].append(exact.distance_counts(model, pats, r.weights)[1:4])
        rows["sa"].append(exact.distance_counts(model, pats, s.weights)[1:4])
        us = exact.sample_solutions(model, pats, uniform_draws, seed=inst)
        rows["uniform"].append(np.mean([exact.distance_counts(model, pats, u)[1:4] for u in us], axis=0))
    return {k: np.array(v, dtype=float) for k, v in rows.items()}


def test_rsgd_solutions_have_higher_local_entropy():
    """The physics: rSGD lands in denser regions than SA on the error loss and than typical solutions.

    Measured (N=21, α=0.4, 20 instances, 10 uniform draws each): mean solutions at D=1,2,3 —
    rsgd 11.3, 83.8, 368; sa 2.3, 35.3, 58.8; uniform 4.0, 37.1, 88.0.
    """
    t = local_entropy_table()
    assert len(t["rsgd"]) >= 18
    m = {k: v.mean(0) for k, v in t.items()}
    for d in (0, 1):        # D = 1 and D = 2
        assert m["rsgd"][d] > 1.5 * m["uniform"][d]
        assert m["rsgd"][d] > 1.5 * m["sa"][d]
    # instance by instance, not only on average
    assert np.mean(t["rsgd"][:, 0] > t["uniform"][:, 0]) >= 0.75

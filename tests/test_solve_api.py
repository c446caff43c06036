import numpy as np
import pytest

import wfm
from wfm.solvers import SolveResult, methods


@pytest.mark.parametrize("model", [wfm.Perceptron(101), wfm.TreeCommittee(105, 3), wfm.Committee(31, 3),
                                   wfm.TreeCommittee(44, 4, activation="relu"), wfm.ParityMachine(45, 3)], ids=repr)
def test_sa_solves_easy_instances_and_result_is_checked(model):
    pats = wfm.random_patterns(model.n, alpha=0.2, seed=1, model=model)
    res = wfm.solve(model, pats, method="sa", seed=0)
    assert res.solved and res.n_errors == 0 and model.errors(res.weights, pats) == 0
    assert res.weights.shape == model.weight_shape and res.iterations >= 1
    assert len(res.history["energy"]) == res.iterations


def test_sa_reports_failure_honestly_above_capacity():
    m = wfm.Perceptron(51)
    pats = wfm.random_patterns(51, alpha=1.5, seed=0)        # far above α_c ≈ 0.83
    res = wfm.solve(m, pats, method="sa", seed=0, max_sweeps=50)
    assert not res.solved and res.n_errors == m.errors(res.weights, pats) > 0
    assert res.iterations == 50


def test_same_seed_same_result():
    m = wfm.Perceptron(101)
    pats = wfm.random_patterns(101, alpha=0.5, seed=3)
    a = wfm.solve(m, pats, method="sa", seed=5, max_sweeps=30)
    b = wfm.solve(m, pats, method="sa", seed=5, max_sweeps=30)
    c = wfm.solve(m, pats, method="sa", seed=6, max_sweeps=30)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.history["energy"], b.history["energy"])
    assert not np.array_equal(a.weights, c.weights)


def test_save_load_roundtrip(tmp_path):
    m = wfm.TreeCommittee(45, 3)
    pats = wfm.random_patterns(45, alpha=0.3, seed=0)
    res = wfm.solve(m, pats, method="sa", seed=1)
    res.save(tmp_path / "r.npz")
    back = SolveResult.load(tmp_path / "r.npz")
    assert np.array_equal(back.weights, res.weights) and back.solved == res.solved
    assert back.options == res.options and back.model == res.model and back.method == "sa"
    assert np.array_equal(back.history["energy"], res.history["energy"])
    assert repr(back.model_object()) == repr(m)


def test_solve_errors():
    m = wfm.Perceptron(11)
    pats = wfm.random_patterns(11, alpha=0.5, seed=0)
    with pytest.raises(ValueError, match="method='nope' is not allowed"):
        wfm.solve(m, pats, method="nope")
    with pytest.raises(TypeError, match="unknown option"):
        wfm.solve(m, pats, method="sa", temperature=3)
    with pytest.raises(ValueError, match="available methods"):
        wfm.solve(m, pats, method="?")
    with pytest.raises(ValueError, match="N=11 inputs but the model has n=13"):
        wfm.solve(wfm.Perceptron(13), pats)
    with pytest.raises(ValueError, match="binary weights"):
        wfm.solve(wfm.Perceptron(11, weights="spherical"), pats, method="sa")
    with pytest.raises(TypeError, match="patterns must be"):
        wfm.solve(m, pats.xi)
    with pytest.raises(ValueError, match="beta0 must be > 0"):
        wfm.solve(m, pats, method="sa", beta0=-1.0)


def test_methods_listing_has_options_and_defaults():
    ms = methods()
    assert "sa" in ms and ms["sa"]["options"]["max_sweeps"] > 0 and ms["sa"]["description"]

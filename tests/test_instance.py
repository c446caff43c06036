"""wfm.instance.Instance: the one description of a problem (model + α or P + pattern kind + data seed)."""
import numpy as np
import pytest

import wfm
from wfm.data import random_patterns, teacher_student
from wfm.instance import Instance, model_from_description


def test_alpha_becomes_p_once_and_realized_alpha_is_reported():
    inst = Instance(n=201, alpha=0.3)
    assert inst.p == round(0.3 * 201) == 60
    assert inst.alpha_realized == pytest.approx(60 / 201)
    assert inst.describe()["alpha"] == pytest.approx(60 / 201)
    assert inst.describe()["alpha_requested"] == 0.3
    # α is per weight: a fully connected committee with K units of N inputs stores α·K·N patterns
    assert Instance(model="committee", n=21, k=3, alpha=0.5).p == round(0.5 * 63)


@pytest.mark.parametrize("kw", [
    dict(model="perceptron", n=101, alpha=0.4),
    dict(model="tree", n=93, k=3, alpha=0.3, activation="sign"),
    dict(model="tree-relu", n=124, k=4, alpha=0.3),
    dict(model="committee", n=21, k=3, p=17, data_seed=3, data_seed_key=(2, 1)),
    dict(model="parity", n=21, k=3, alpha=0.4, weights="binary"),
    dict(model="perceptron", n=51, alpha=1.0, weights="spherical", patterns="gaussian", teacher=True, p_test=30),
])
def test_round_trip_and_rebuild_is_identical(kw):
    inst = Instance(**kw)
    again = Instance.from_dict(inst.describe())
    assert again == inst
    m1, p1 = inst.build()
    m2, p2 = again.build()
    assert m1.describe() == m2.describe()
    assert np.array_equal(p1.xi, p2.xi) and np.array_equal(p1.labels, p2.labels)
    assert p1.source == inst.describe()
    assert p1.p == inst.p


def test_same_patterns_as_the_generators():
    model = wfm.Perceptron(201)
    ref = random_patterns(201, alpha=0.5, seed=7, model=model)
    _, pats = Instance(n=201, alpha=0.5, data_seed=7).build()
    assert np.array_equal(ref.xi, pats.xi) and np.array_equal(ref.labels, pats.labels)
    # a spawned child stream: SeedSequence(s).spawn(3)[0] is SeedSequence(s, spawn_key=(0,))
    child = np.random.SeedSequence(11).spawn(3)[0]
    tree = wfm.TreeCommittee(93, 3)
    tr, te = teacher_student(tree, alpha=0.3, p_test=50, seed=child)
    m, tr2, te2 = Instance(model="tree", n=93, k=3, alpha=0.3, teacher=True, p_test=50, data_seed=11,
                           data_seed_key=(0,)).build_with_test()
    assert np.array_equal(tr.xi, tr2.xi) and np.array_equal(tr.labels, tr2.labels)
    assert np.array_equal(te.xi, te2.xi) and np.array_equal(te.labels, te2.labels)


@pytest.mark.parametrize("kw, match", [
    (dict(n=201), "exactly one of alpha and p"),
    (dict(n=201, alpha=0.3, p=5), "exactly one of alpha and p"),
    (dict(n=201, alpha=-1.0), "alpha must be > 0"),
    (dict(n=201, alpha=1e-9), "increase alpha"),
    (dict(n=200, alpha=0.3), "odd number of inputs"),
    (dict(n=201, alpha=0.3, model="tree"), "needs k"),
    (dict(n=201, alpha=0.3, k=3), "a perceptron takes no k"),
    (dict(n=201, alpha=0.3, model="nope"), "model='nope' is not allowed"),
    (dict(n=201, alpha=0.3, patterns="foo"), "patterns='foo' is not allowed"),
    (dict(n=201, alpha=0.3, data_seed=-1), "data_seed must be >= 0"),
    (dict(n=201, alpha=0.3, p_test=10), "p_test: test patterns need a teacher"),
    (dict(n=124, k=4, model="tree-relu", activation="relu", alpha=0.3, weights="bad"), "weights='bad'"),
])
def test_bad_input_names_the_argument(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Instance(**kw)


def test_model_from_description_reads_aliases_and_rejects_unknown_keys():
    assert model_from_description({"model": "tree-relu", "n": 124, "k": 4}).activation == "relu"
    for m in (wfm.Perceptron(21), wfm.TreeCommittee(21, 3), wfm.Committee(21, 3), wfm.ParityMachine(21, 3)):
        assert model_from_description(m.describe()).describe() == m.describe()
    with pytest.raises(ValueError, match="unknown key"):
        model_from_description({"model": "perceptron", "n": 21, "kappa": 0.1})
    with pytest.raises(ValueError, match="activation"):
        model_from_description({"model": "tree-relu", "n": 124, "k": 4, "activation": "sign"})


def test_solve_result_carries_and_rebuilds_its_instance(tmp_path):
    inst = Instance(n=101, alpha=0.5, data_seed=4)
    model, pats = inst.build()
    res = wfm.solve(model, pats, method="sbpi", seed=0)
    assert res.instance == inst.describe()
    res.save(tmp_path / "s.npz")
    back = wfm.SolveResult.load(tmp_path / "s.npz")
    m2, p2 = back.rebuild()
    assert np.array_equal(p2.xi, pats.xi)
    assert m2.errors(back.weights, p2) == res.n_errors
    # user patterns carry no instance: the result says so instead of guessing
    user = wfm.Patterns(pats.xi, pats.labels)
    res2 = wfm.solve(model, user, method="sbpi", seed=0)
    assert res2.instance is None
    with pytest.raises(ValueError, match="carries no instance"):
        res2.rebuild()


def test_replace_recomputes_p():
    inst = Instance(n=201, alpha=0.3, data_seed=2)
    other = inst.replace(alpha=0.5)
    assert other.p == round(0.5 * 201) and other.data_seed == 2
    assert inst.replace(data_seed=3).p == inst.p

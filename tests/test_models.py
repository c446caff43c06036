import numpy as np
import pytest

import wfm
from conftest import reference_errors, reference_fields, reference_preactivation

ALL_MODELS = [
    wfm.Perceptron(31), wfm.Perceptron(20, weights="spherical", margin=0.5),
    wfm.TreeCommittee(45, 3), wfm.TreeCommittee(44, 4, activation="relu"),
    wfm.TreeCommittee(40, 4, activation="relu", weights="spherical"),
    wfm.Committee(21, 5), wfm.Committee(20, 2, activation="relu", weights="spherical"),
    wfm.ParityMachine(45, 3), wfm.ParityMachine(30, 2, weights="spherical"),
]


@pytest.mark.parametrize("model", ALL_MODELS, ids=repr)
@pytest.mark.parametrize("kind", ["binary", "gaussian"])
def test_fields_outputs_errors_match_numpy_reference(model, kind):
    pats = wfm.random_patterns(model.n, alpha=1.3, kind=kind, seed=1, model=model)
    ws = model.random_weights(seed=2, size=4)
    h = model.fields(ws, pats)
    assert h.shape == (4, pats.p, model.k)
    for r in range(4):
        href = reference_fields(model, ws[r], pats.xi)
        np.testing.assert_allclose(h[r], href, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(model.fields(ws[r], pats), href, rtol=1e-6, atol=1e-6)
        lam = reference_preactivation(model, href)
        np.testing.assert_allclose(model.stabilities(ws[r], pats), pats.labels * lam, rtol=1e-6, atol=1e-6)
        assert model.errors(ws[r], pats) == reference_errors(model, ws[r], pats)
    assert np.array_equal(model.errors(ws, pats), [model.errors(w, pats) for w in ws])
    np.testing.assert_allclose(model.training_error(ws[0], pats), model.errors(ws[0], pats) / pats.p)


def test_flat_and_shaped_weights_agree():
    m = wfm.TreeCommittee(15, 3)
    pats = wfm.random_patterns(15, alpha=1, seed=0)
    w = m.random_weights(seed=0)
    assert w.shape == (3, 5)
    assert np.array_equal(m.fields(w, pats), m.fields(w.reshape(-1), pats))
    batch = np.stack([w, -w])
    assert np.array_equal(m.errors(batch.reshape(2, -1), pats), m.errors(batch, pats))


def test_random_weights():
    m = wfm.Committee(31, 3, weights="spherical")
    w = m.random_weights(seed=0, size=5)
    assert w.shape == (5, 3, 31)
    np.testing.assert_allclose((w ** 2).sum(-1), 31.0)
    b = wfm.Perceptron(11).random_weights(seed=1)
    assert b.dtype == np.int8 and b.shape == (11,) and set(np.unique(b)) <= {-1, 1}
    assert np.array_equal(wfm.Perceptron(11).random_weights(seed=1), b)


def test_relu_committee_zero_output_is_an_error():
    m = wfm.TreeCommittee(6, 2, activation="relu", weights="spherical")
    w = np.array([[1.0, 0, 0], [0, 0, 1.0]])   # both units receive the same field on this pattern
    pats = wfm.Patterns(np.array([[1.0, 0, 0, 0, 0, 1.0]]), [1])
    assert model_output(m, w, pats) == 0 and m.errors(w, pats) == 1
    assert m.errors(w, wfm.Patterns(pats.xi, [-1])) == 1


def model_output(m, w, pats):
    return int(m.output(w, pats)[0])


def test_label_flip_symmetry_perceptron():
    m = wfm.Perceptron(21)
    pats = wfm.random_patterns(21, alpha=0.5, seed=3)
    flipped = wfm.Patterns(pats.xi, -pats.labels)
    w = m.random_weights(seed=0, size=10)
    assert np.array_equal(m.errors(w, pats), m.errors(-w, flipped))


@pytest.mark.parametrize("build, match", [
    (lambda: wfm.Perceptron(20), "odd number of inputs"),
    (lambda: wfm.Perceptron(0), "n must be >= 1"),
    (lambda: wfm.Perceptron(11, weights="ternary"), "weights"),
    (lambda: wfm.TreeCommittee(45, 4), "k must be odd"),
    (lambda: wfm.TreeCommittee(40, 3, activation="relu", weights="spherical"), "k must be even"),
    (lambda: wfm.TreeCommittee(44, 3), "multiple of k"),
    (lambda: wfm.TreeCommittee(45, 3, activation="tanh"), "activation"),
    (lambda: wfm.Committee(20, 3), "odd number of inputs"),
    (lambda: wfm.ParityMachine(44, 3), "multiple of k"),
])
def test_invalid_models_raise(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_type_errors():
    with pytest.raises(TypeError, match="n must be an integer"):
        wfm.Perceptron(11.5)
    with pytest.raises(TypeError, match="margin must be a real number"):
        wfm.Perceptron(11, margin="a")


def test_invalid_weights_and_patterns_raise():
    m = wfm.Perceptron(11)
    pats = wfm.random_patterns(11, alpha=1, seed=0)
    with pytest.raises(ValueError, match="shape"):
        m.errors(np.ones(12), pats)
    with pytest.raises(ValueError, match="±1"):
        m.errors(np.full(11, 0.5), pats)
    with pytest.raises(ValueError, match=r"\(P, 11\)"):
        m.fields(np.ones(11), np.ones((3, 12)))
    with pytest.raises(ValueError, match="finite"):
        wfm.Perceptron(11, weights="spherical").errors(np.full(11, np.nan), pats)


def test_describe_roundtrip():
    from wfm.instance import model_from_description
    for m in ALL_MODELS:
        m2 = model_from_description(m.describe())
        assert repr(m2) == repr(m)

import numpy as np
import pytest

import wfm
from wfm import losses


def test_cross_entropy_matches_definition_and_limits():
    f = losses.cross_entropy(2.0)
    x = np.linspace(-3, 3, 61)
    np.testing.assert_allclose(f.value(x), np.log1p(np.exp(-4 * x)) / 4, rtol=1e-12)
    np.testing.assert_allclose(f.value(x), -x / 2 + np.log(2 * np.cosh(2 * x)) / 4, rtol=1e-12, atol=1e-12)
    big = losses.cross_entropy(1e3)
    np.testing.assert_allclose(big.value(x), np.maximum(0, -x), atol=1e-3)   # γ → ∞: hinge at 0


def test_derivatives_by_finite_differences():
    for loss in (losses.cross_entropy(0.7), losses.cross_entropy(5.0), losses.hinge(0.3)):
        x = np.array([-2.1, -0.77, 0.05, 0.41, 1.9])
        eps = 1e-6
        fd1 = (loss.value(x + eps) - loss.value(x - eps)) / (2 * eps)
        np.testing.assert_allclose(loss.derivative(x), fd1, rtol=1e-6, atol=1e-8)
        if loss.smooth:
            fd2 = (loss.derivative(x + eps) - loss.derivative(x - eps)) / (2 * eps)
            np.testing.assert_allclose(loss.second_derivative(x), fd2, rtol=1e-5, atol=1e-8)
            np.testing.assert_allclose(loss.derivative(x), (np.tanh(loss.param * x) - 1) / 2)
            np.testing.assert_allclose(loss.second_derivative(x), loss.param / 2 / np.cosh(loss.param * x) ** 2)


def test_stable_at_extreme_arguments():
    f = losses.cross_entropy(10.0)
    x = np.array([-100.0, -1e3, 1e3, 100.0, 0.0])        # |γx| up to 1e4
    for arr in (f.value(x), f.derivative(x), f.second_derivative(x)):
        assert np.all(np.isfinite(arr))
    np.testing.assert_allclose(f.value(x[:2]), -x[:2], rtol=1e-12)
    assert f.value(1e3) == 0.0 and f.derivative(-1e3) == -1.0 and f.second_derivative(1e3) == 0.0
    np.testing.assert_allclose(f.value(0.0), np.log(2) / 20)


def test_error_and_hinge():
    e, h = losses.error(0.5), losses.hinge(0.5)
    x = np.array([-1.0, 0.5, 0.6])
    assert list(e.value(x)) == [1, 1, 0]
    assert list(h.value(x)) == [1.5, 0, 0]


def test_total_error_loss_counts_errors():
    m = wfm.TreeCommittee(45, 3)
    pats = wfm.random_patterns(45, alpha=1, seed=0)
    w = m.random_weights(seed=1, size=3)
    np.testing.assert_array_equal(losses.total(m, pats, w, losses.error()), m.errors(w, pats))


def _fd_gradient(model, pats, w, loss, eps=1e-6):
    g = np.zeros(w.size)
    flat = w.reshape(-1)
    for i in range(w.size):
        e = np.zeros(w.size)
        e[i] = eps
        g[i] = (losses.total(model, pats, (flat + e), loss) - losses.total(model, pats, (flat - e), loss)) / (2 * eps)
    return g.reshape(w.shape)


@pytest.mark.parametrize("model", [
    wfm.Perceptron(9, weights="spherical"),
    wfm.TreeCommittee(12, 4, activation="relu", weights="spherical"),
    wfm.Committee(7, 2, activation="relu", weights="spherical"),
], ids=repr)
@pytest.mark.parametrize("loss", [losses.cross_entropy(1.5), losses.hinge(0.2)], ids=repr)
def test_gradient_matches_finite_differences(model, loss):
    pats = wfm.random_patterns(model.n, alpha=1.5, kind="gaussian", seed=4, model=model)
    w = model.random_weights(seed=5)
    value, grad = losses.gradient(model, pats, w, loss)
    assert value == pytest.approx(losses.total(model, pats, w, loss))
    np.testing.assert_allclose(grad, _fd_gradient(model, pats, w, loss), rtol=1e-4, atol=1e-6)


def test_loss_errors():
    with pytest.raises(ValueError, match="gamma must be > 0"):
        losses.cross_entropy(0)
    with pytest.raises(TypeError, match="kappa must be a real number"):
        losses.hinge("x")
    m = wfm.Perceptron(9)
    pats = wfm.random_patterns(9, alpha=1, seed=0)
    with pytest.raises(ValueError, match="spherical"):
        losses.gradient(m, pats, m.random_weights(0), losses.cross_entropy(1))
    ms = wfm.Perceptron(9, weights="spherical")
    with pytest.raises(ValueError, match="error loss"):
        losses.gradient(ms, pats, ms.random_weights(0), losses.error())
    with pytest.raises(TypeError, match="loss must be"):
        losses.total(ms, pats, ms.random_weights(0), "ce")
    with pytest.raises(ValueError, match="loss="):
        losses.from_description({"loss": "mse"})


@pytest.mark.parametrize("loss", [losses.error(0.3), losses.hinge(-0.2), losses.cross_entropy(0.5),
                                  losses.cross_entropy(40.0)], ids=repr)
def test_numba_scalar_kernels_match_numpy_forms(loss):
    x = np.concatenate([np.linspace(-5, 5, 101), [-1e3, 1e3, loss.param, 0.0]])
    for kernel, vec in ((losses.loss_value, loss.value), (losses.loss_d1, loss.derivative),
                        (losses.loss_d2, loss.second_derivative)):
        got = np.array([kernel(loss.code, loss.param, float(v)) for v in x])
        np.testing.assert_allclose(got, vec(x), rtol=1e-12, atol=1e-300)


def _ref_value(code, param, x):
    return float(losses.Loss("ref", code, param, True).value(np.array([x]))[0])


def _ref_d1(code, param, x):
    return float(losses.Loss("ref", code, param, True).derivative(np.array([x]))[0])


def _ref_d2(code, param, x):
    return float(losses.Loss("ref", code, param, True).second_derivative(np.array([x]))[0])


#: the Numba scalar loss kernels and their references (the vectorized NumPy forms)
KERNEL_REFERENCES = [(losses.loss_value, _ref_value), (losses.loss_d1, _ref_d1), (losses.loss_d2, _ref_d2)]


@pytest.mark.parametrize("kernel, reference", KERNEL_REFERENCES, ids=lambda f: getattr(f, "__name__", ""))
def test_kernel_table(kernel, reference):
    for code, param in ((losses.ERROR, 0.2), (losses.HINGE, 0.0), (losses.CROSS_ENTROPY, 3.0)):
        for x in (-50.0, -1.0, 0.0, 0.2, 0.7, 40.0):
            assert kernel(int(code), param, x) == pytest.approx(reference(code, param, x), rel=1e-13, abs=1e-300)

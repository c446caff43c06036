"""Slower statistical / larger-N checks of wfm.landscape (run with ``pytest -m slow``)."""
import math

import numpy as np
import pytest

import wfm
import wfm.landscape as L
from wfm import losses

pytestmark = pytest.mark.slow


def test_sgd_average_bias_one_percent():
    """Simulated SGD average vs the Gibbs closed form (docs/landscape.md §5.1), 0.0386 at a_f = 1, a_s = 10,
    η = 0.01, σ = 1: agreement within 4 standard errors or 2 %."""
    theory = L.sgd_1d_bias(1.0, 10.0, 0.01, 1.0)
    means = [L.sgd_1d(1.0, 10.0, 0.01, 1.0, steps=3_000_000, burn=10_000, seed=s)[0] for s in range(10)]
    se = np.std(means, ddof=1) / math.sqrt(len(means))
    assert abs(np.mean(means) - theory) < max(4 * se, 0.02 * theory)
    # the bias scales like √T: quadrupling σ² at fixed η doubles it (Gibbs regime)
    m2 = np.mean([L.sgd_1d(1.0, 10.0, 0.01, 2.0, steps=3_000_000, burn=10_000, seed=s)[0] for s in range(10)])
    assert m2 / np.mean(means) == pytest.approx(2.0, rel=0.05)


def test_lanczos_on_large_perceptron_hessian():
    model = wfm.Perceptron(2000, weights="spherical")
    pats = wfm.random_patterns(2000, p=1000, seed=0)
    w = model.random_weights(seed=1)
    eig = L.hessian_spectrum(model, pats, w, method="dense")["eigenvalues"]
    op = L.hvp_operator(model, pats, w)
    np.testing.assert_allclose(L.lanczos(op, k=3, which="LA"), eig[-3:], rtol=1e-8)
    hu = L.hutchinson(op, n_samples=200, seed=0)
    assert abs(hu["trace"] - eig.sum()) < 4 * hu["trace_se"]
    nodes, wts = L.slq(op, n_vectors=10, steps=60, seed=0)
    assert np.nanmax(nodes) == pytest.approx(eig[-1], rel=1e-6)


def test_reparam_table_on_trained_relu_committee():
    """The invariance claims of the registry (docs/landscape.md §3) on a GD-trained leaky-ReLU committee with a
    trainable second layer."""
    net = L.TwoLayer(40, 4, "leaky_relu", train_v=True)
    train = wfm.random_patterns(40, p=60, seed=0)
    rng = np.random.default_rng(0)
    th0 = np.concatenate([rng.standard_normal(160), rng.standard_normal(4)])
    ce = losses.cross_entropy(0.5)
    th = L.train_gd(net, th0, train, ce, lr=1.0, steps=5000, record_every=1000)["theta"]
    assert L.evaluate(net, th, train)["errors"] == 0
    opts = {n: {"loss": ce} for n in L.REPARAM_TABLE if "loss" in L.MEASURES[n].options}
    rep = L.reparam_report(net, train, th, options=opts, n_per_unit=2)
    for n in L.REPARAM_TABLE:
        assert rep["summary"][n]["invariant"] == L.MEASURES[n].invariances["G2"], (n, rep["summary"][n])
    # Dinh et al.: the Hessian measures grow by orders of magnitude along the global orbit α ∈ [0.1, 10]
    for n in ("lambda_max", "trace", "local_energy_add"):
        assert rep["summary"][n]["ratio"] > 10

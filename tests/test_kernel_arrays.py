"""wfm.kernels.arrays.KernelArrays against the model's own forward pass (the slow, obvious reference)."""
import numpy as np
import pytest

import wfm
from wfm.core.codes import Output
from wfm.kernels.arrays import KernelArrays
from wfm.kernels.fields import int_preactivation

MODELS = [wfm.Perceptron(21, margin=0.3), wfm.TreeCommittee(21, 3), wfm.TreeCommittee(20, 4, activation="relu"),
          wfm.Committee(21, 3), wfm.ParityMachine(21, 3)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.kind}-{m.activation}")
def test_views_reproduce_fields_and_errors(model):
    pats = wfm.random_patterns(model.n, p=40, seed=1)
    ka = KernelArrays(model, pats)
    w = model.random_weights(seed=2).reshape(-1).astype(np.int64)
    # unscaled integer fields from the label-absorbed blocks X, and from the transposed rows xT[cols]
    h_x = np.einsum("pkm,km->pk", ka.X, w.reshape(ka.k, ka.m)) * ka.sig[:, None]
    h_t = np.stack([(ka.xT[ka.cols[k * ka.m:(k + 1) * ka.m]] * w[k * ka.m:(k + 1) * ka.m, None]).sum(0)
                    for k in range(ka.k)], axis=1)
    ref = model.fields(w, pats) * np.sqrt(ka.m)
    assert np.allclose(h_x, ref) and np.allclose(h_t, ref)
    pre = np.array([int_preactivation(ka.code, np.rint(row).astype(np.int64)) for row in h_t])
    assert int(np.count_nonzero(ka.sig * pre <= ka.ti)) == model.errors(w, pats)
    assert np.abs(pre).max() <= ka.off
    if ka.code == Output.PERCEPTRON:
        assert np.array_equal(ka.yT, (pats.xi * pats.labels[:, None]).T)


def test_bad_input():
    with pytest.raises(ValueError, match="N=23 inputs but the model has n=21"):
        KernelArrays(wfm.Perceptron(21), wfm.random_patterns(23, p=3, seed=0))
    with pytest.raises(TypeError, match="patterns must be a wfm.Patterns"):
        KernelArrays(wfm.Perceptron(21), np.ones((3, 21)))
    ka = KernelArrays(wfm.Perceptron(21, weights="spherical"), wfm.random_patterns(21, p=3, kind="gaussian", seed=0))
    with pytest.raises(ValueError, match="needs binary"):
        ka.yT

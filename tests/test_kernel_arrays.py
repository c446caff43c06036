"""wfm.kernels.arrays.KernelArrays against the model's own forward pass (the slow, obvious reference)."""
import numpy as np
import pytest

import wfm
from wfm.core.codes import Output
from wfm.kernels.arrays import KernelArrays
from wfm.kernels.fields import preactivation, sgn, unit_contribution

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
    pre = np.array([preactivation(ka.code, np.rint(row).astype(np.int64)) for row in h_t])
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


def _ref_sgn(x):
    return int(np.sign(x))


_MODELS = {int(Output.PERCEPTRON): wfm.Perceptron(3), int(Output.SIGN): wfm.TreeCommittee(9, 3),
           int(Output.RELU): wfm.TreeCommittee(12, 4, activation="relu", weights="spherical"),
           int(Output.PARITY): wfm.ParityMachine(9, 3)}


def _ref_preactivation(code, h):
    """The integer pre-activation by the models' own float rule on the unscaled fields."""
    return int(round(float(_MODELS[code].preactivation_from_fields(np.asarray(h, float)))))


def _ref_unit_contribution(code, k, half, hk):
    if code == Output.SIGN:
        return int(np.sign(hk))
    if code == Output.RELU:
        return max(hk, 0) * (1 if k < half else -1)
    return hk


KERNEL_REFERENCES = [(sgn, _ref_sgn), (preactivation, _ref_preactivation),
                     (unit_contribution, _ref_unit_contribution)]


@pytest.mark.parametrize("kernel, reference", KERNEL_REFERENCES, ids=lambda f: getattr(f, "__name__", ""))
def test_kernel_table(kernel, reference):
    rng = np.random.default_rng(3)
    if kernel is sgn:
        for x in (-3, 0, 5):
            assert kernel(x) == reference(x)
    elif kernel is preactivation:
        for code, kk in ((Output.PERCEPTRON, 1), (Output.SIGN, 3), (Output.RELU, 4), (Output.PARITY, 3)):
            for _ in range(20):
                h = rng.integers(-9, 10, size=kk)
                assert kernel(int(code), h) == reference(int(code), h)
                # the same rule on float fields (the gradient kernels) against the models' float rule (to 1e-12:
                # the ReLU sums may run in another order)
                hf = rng.normal(size=kk)
                model = _MODELS[int(code)]
                assert kernel(int(code), hf) == pytest.approx(float(model.preactivation_from_fields(hf)), abs=1e-12)
    else:
        for code in (Output.SIGN, Output.RELU):
            for k in range(4):
                for hk in (-5, 0, 7):
                    assert kernel(int(code), k, 2, hk) == reference(int(code), k, 2, hk)

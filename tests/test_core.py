"""Layer 0 (wfm.core): special functions (scalar Numba form vs vectorized form vs an independent reference),
integer codes, record I/O."""
import math

import numpy as np
import pytest
from scipy import integrate, special as sp

from wfm.core import codes, records, special as S

XS = np.concatenate([-np.logspace(-3, 2.5, 40), [0.0], np.logspace(-3, 2.5, 40), [-1e3, 1e3]])


def _ref_log_H(x):
    return float(sp.log_ndtr(-x))


def _ref_GH(x):
    if x < 30:
        return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi) / float(sp.ndtr(-x))
    r, term, series = 1 / (x * x), 1.0, 1.0   # H(x) = G(x)/x · Σ_k (−1)^k (2k−1)!! x^{−2k} (asymptotic)
    for k in range(1, 25):
        term *= -(2 * k - 1) * r
        series += term
    return x / series


def _ref_log_2cosh(x):
    return float(np.logaddexp(x, -x))


def _ref_entropy_bound(d):
    return 0.0 if d in (0.0, 1.0) else float(sp.entr(d) + sp.entr(1 - d))


def _ref_softplus(x):
    return float(np.logaddexp(0.0, x))


def _ref_sech2(x):
    return 1 / math.cosh(x) ** 2 if abs(x) < 300 else 4 * math.exp(-2 * abs(x))


def _ref_logaddexp(a, b):
    return float(np.logaddexp(a, b))


#: the scalar Numba kernels of wfm.core.special and their slow references (independent scipy/NumPy forms)
KERNEL_REFERENCES = [(S.log_H_s, _ref_log_H), (S.GH_ratio_s, _ref_GH), (S.log_2cosh_s, _ref_log_2cosh),
                     (S.entropy_bound_s, _ref_entropy_bound), (S.softplus_s, _ref_softplus), (S.sech2_s, _ref_sech2),
                     (S.logaddexp_s, _ref_logaddexp)]


@pytest.mark.parametrize("kernel, reference", KERNEL_REFERENCES, ids=lambda f: getattr(f, "__name__", ""))
def test_kernel_against_reference(kernel, reference):
    if kernel is S.entropy_bound_s:
        args = [(d,) for d in np.linspace(0, 1, 41)]
    elif kernel is S.logaddexp_s:
        args = [(a, b) for a in (-800.0, -3.0, 0.0, 2.5, 700.0) for b in (-math.inf, -1.0, 0.0, 600.0)]
    else:
        args = [(float(x),) for x in XS if not (kernel is S.GH_ratio_s and abs(x) > 600)]
    for a in args:
        assert kernel(*a) == pytest.approx(reference(*a), rel=1e-11, abs=1e-300), (kernel.__name__, a)


def _log_H_ref(x):
    """ln H(x) by quadrature of the Gaussian density (independent of erfc) where H is not tiny, else the
    asymptotic expansion ln H ≈ −x²/2 − ln(x√(2π)) + ln(1 − 1/x² + 3/x⁴ − 15/x⁶ + …)."""
    if x < 8:
        val, _ = integrate.quad(lambda z: math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi), x, np.inf,
                                epsabs=0, epsrel=1e-13)
        return math.log(val)
    r, term, series = 1 / (x * x), 1.0, 1.0
    for k in range(1, 25):  # Σ_k (−1)^k (2k−1)!! x^{−2k}: asymptotic; at x ≥ 8 the 25th term is < 1e-16
        term *= -(2 * k - 1) * r
        series += term
    return -0.5 * x * x - math.log(x * math.sqrt(2 * math.pi)) + math.log(series)


@pytest.mark.parametrize("x", [-30.0, -3.0, -0.5, 0.0, 0.7, 2.0, 5.0, 7.9, 12.0, 40.0, 300.0])
def test_log_H_against_quadrature_and_asymptotics(x):
    ref = _log_H_ref(x)
    assert S.log_H(x) == pytest.approx(ref, rel=1e-10, abs=1e-14)
    assert S.log_H_s(x) == pytest.approx(ref, rel=1e-10, abs=1e-14)


def test_scalar_and_vector_forms_agree():
    for x in XS:
        assert S.log_H_s(x) == pytest.approx(float(S.log_H(x)), rel=1e-12, abs=1e-300)
        assert S.log_2cosh_s(x) == pytest.approx(float(S.log_2cosh(x)), rel=1e-14)
        assert S.softplus_s(x) == pytest.approx(float(S.softplus(x)), rel=1e-14, abs=1e-300)
        assert S.sech2_s(x) == pytest.approx(float(S.sech2(x)), rel=1e-14, abs=1e-300)
        if abs(x) < 600:  # G/H beyond that: exp(ln G − ln H) is still fine, ratio ~ x
            assert S.GH_ratio_s(x) == pytest.approx(float(S.GH_ratio(x)), rel=1e-10)


def test_closed_forms():
    x = np.linspace(-20, 20, 81)
    assert np.allclose(S.log_2cosh(x), np.log(2 * np.cosh(x)), rtol=1e-14)
    assert np.allclose(S.sech2(x), 1 / np.cosh(x) ** 2, rtol=1e-12, atol=1e-300)
    assert np.allclose(S.softplus(x), np.log1p(np.exp(x)), rtol=1e-13)
    assert np.allclose(S.H(x), 0.5 * sp.erfc(x / math.sqrt(2)), rtol=1e-12, atol=0)
    lh, gh = S.log_H_and_GH(x)
    assert np.allclose(lh, S.log_H(x), rtol=1e-13)
    assert np.allclose(gh, S.GH_ratio(x), rtol=1e-13)
    assert np.allclose(S.GH_ratio(x[x < 5]), S.G(x[x < 5]) / S.H(x[x < 5]), rtol=1e-12)
    # G/H ~ x + 1/x at large x (inverse Mills ratio)
    assert float(S.GH_ratio(1e4)) == pytest.approx(1e4 + 1e-4, rel=1e-12)
    assert S.logaddexp_s(-math.inf, 2.0) == 2.0 and S.logaddexp_s(1.0, 1.0) == pytest.approx(1 + math.log(2))


def test_entropy_bound_edges_and_values():
    d = np.array([0.0, 1e-12, 0.1, 0.5, 0.9, 1.0])
    ref = np.array([0.0, -1e-12 * math.log(1e-12) + 1e-12, -0.1 * math.log(0.1) - 0.9 * math.log(0.9), math.log(2),
                    -0.1 * math.log(0.1) - 0.9 * math.log(0.9), 0.0])
    assert np.allclose(S.entropy_bound(d), ref, rtol=1e-6, atol=1e-15)
    assert np.isnan(S.entropy_bound(-0.1)) and np.isnan(S.entropy_bound(1.5))
    assert S.entropy_bound(0.5) == pytest.approx(math.log(2))
    for v in d:
        assert S.entropy_bound_s(v) == pytest.approx(float(S.entropy_bound(v)), rel=1e-14, abs=1e-300)
    assert math.isnan(S.entropy_bound_s(-0.1))
    # symmetric about 1/2, and it is (1/N) ln C(N, dN) in the large-N limit
    assert np.allclose(S.entropy_bound(d), S.entropy_bound(1 - d))
    n = 20000
    assert sp.gammaln(n + 1) - sp.gammaln(0.3 * n + 1) - sp.gammaln(0.7 * n + 1) == pytest.approx(
        n * S.entropy_bound(0.3), rel=1e-3)


def test_codes_are_distinct_enums():
    assert {int(c) for c in codes.Output} == {0, 1, 2, 3}
    assert len({int(c) for c in codes.LossCode}) == len(codes.LossCode)
    assert len({int(c) for c in codes.Activation}) == len(codes.Activation)
    # members of different concepts are different objects even when their numbers coincide
    assert codes.Output.RELU is not codes.Activation.RELU
    assert type(codes.Output.SIGN) is not type(codes.Activation.SIGN)


def test_npz_round_trip_and_errors(tmp_path):
    p = tmp_path / "r.npz"
    records.save_npz(p, {"a": 1, "x": np.float64(np.inf), "nested": {"b": np.arange(3)}}, {"w": np.ones(3, np.int8)})
    meta, arrays = records.load_npz(p)
    assert meta == {"a": 1, "x": 1e308, "nested": {"b": [0, 1, 2]}}
    assert arrays["w"].dtype == np.int8 and arrays["w"].tolist() == [1, 1, 1]
    txt = tmp_path / "t.txt"
    txt.write_text("hello")
    with pytest.raises(ValueError, match=r"reference: .* is not a result file saved by wfm"):
        records.load_npz(txt, name="reference")
    np.save(tmp_path / "a.npy", np.arange(3))
    with pytest.raises(ValueError, match="not a result file"):
        records.load_npz(tmp_path / "a.npy")
    np.savez(tmp_path / "plain.npz", w=np.arange(3))
    with pytest.raises(ValueError, match="not a result file"):
        records.load_npz(tmp_path / "plain.npz")
    with pytest.raises(ValueError, match="no such file"):
        records.load_npz(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match=r"save: directory .* does not exist"):
        records.save_npz(tmp_path / "no" / "x.npz", {}, {}, name="save")


def test_npz_read_only_directory(tmp_path, monkeypatch):
    # the permission check itself (root may write anywhere, so the answer of os.access is simulated)
    monkeypatch.setattr(records.os, "access", lambda path, mode: False)
    with pytest.raises(ValueError, match="not writable"):
        records.save_npz(tmp_path / "x.npz", {}, {})


def test_to_jsonable():
    out = records.to_jsonable({"a": np.int64(3), "b": (np.float32(0.5), float("nan")), 1: -np.inf})
    assert out == {"a": 3, "b": [0.5, None], "1": -1e308}

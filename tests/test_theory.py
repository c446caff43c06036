"""Tests of wfm.theory: Gaussian machinery, RS perceptron, Franz–Parisi, large deviations, committees.

Kinds of test: published values, limits, stationarity of every saddle point by finite
differences, identities, bad input.
"""
import math
import warnings

import numpy as np
import pytest
from scipy import integrate, special

from wfm import theory
from wfm.theory import gaussian, perceptron

LN2 = math.log(2.0)


# ----------------------------------------------------------------------------------------------
# Gaussian machinery
# ----------------------------------------------------------------------------------------------
def test_log_H_matches_erfcx_form_and_direct():
    x = np.linspace(-30, 30, 601)
    # the two stable forms: ln(½ erfcx(x/√2)) − x²/2 for x ≥ 0, log1p(−½ erfc(−x/√2)) for x < 0
    ref = np.where(x >= 0,
                   np.log(0.5 * special.erfcx(np.abs(x) / np.sqrt(2))) - x * x / 2,
                   np.log1p(-0.5 * special.erfc(np.abs(x) / np.sqrt(2))))
    np.testing.assert_allclose(gaussian.log_H(x), ref, rtol=1e-12, atol=1e-300)
    mid = x[np.abs(x) < 8]
    np.testing.assert_allclose(gaussian.log_H(mid), np.log(0.5 * special.erfc(mid / np.sqrt(2))), rtol=1e-12, atol=1e-15)
    # far tail: ln H(x) = -x²/2 - ln(x√(2π)) + ln(1 - 1/x² + 3/x⁴ ...)
    big = np.array([50.0, 1e3, 1e5])
    asym = -big**2 / 2 - np.log(big * np.sqrt(2 * np.pi)) + np.log1p(-1 / big**2 + 3 / big**4)
    np.testing.assert_allclose(gaussian.log_H(big), asym, rtol=1e-12)
    assert np.all(np.isfinite(gaussian.log_H(np.array([-1e6, 1e6]))))


def test_GH_ratio_all_real_x():
    x = np.linspace(-20, 7, 271)
    np.testing.assert_allclose(gaussian.GH_ratio(x), gaussian.G(x) / gaussian.H(x), rtol=1e-11)
    big = np.array([100.0, 1e3, 1e6])
    np.testing.assert_allclose(gaussian.GH_ratio(big), big + 1 / big - 2 / big**3 + 10 / big**5, rtol=1e-13)
    assert gaussian.GH_ratio(-50.0) >= 0 and np.isfinite(gaussian.GH_ratio(1e300 ** 0.5))
    assert np.isscalar(gaussian.GH_ratio(0.3)) or np.ndim(gaussian.GH_ratio(0.3)) == 0


def test_log_2cosh_stable():
    x = np.array([-1e4, -3.0, 0.0, 2.5, 800.0])
    mid = np.abs(x) < 100
    np.testing.assert_allclose(gaussian.log_2cosh(x[mid]), np.log(2 * np.cosh(x[mid])), rtol=1e-14)
    np.testing.assert_allclose(gaussian.log_2cosh(x[~mid]), np.abs(x[~mid]), rtol=1e-14)


def test_gauss_hermite_moments_and_gauss_average():
    z, w = gaussian.gauss_hermite(41)
    assert abs(w.sum() - 1) < 1e-14
    for k, m in [(0, 1), (2, 1), (4, 3), (6, 15), (1, 0), (3, 0)]:
        assert abs(w @ z**k - m) < 1e-10
    q = np.array([0.1, 0.5, 2.0])
    got = gaussian.gauss_average(lambda z, q: np.exp(np.sqrt(q) * z), 61, args=(q,))
    np.testing.assert_allclose(got, np.exp(q / 2), rtol=1e-12)
    assert isinstance(gaussian.gauss_average(lambda z: z**2, 21), float)
    with pytest.raises(ValueError, match="n"):
        gaussian.gauss_hermite(0)


def test_truncated_gaussian_rule_moments():
    xs = np.array([-15.0, -3.0, 0.0, 1.5, 6.0, 30.0])
    x, w = gaussian.truncated_gaussian_rule(xs, 48)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-14)
    gh = gaussian.GH_ratio(xs)
    np.testing.assert_allclose((w * x).sum(-1), gh, rtol=1e-10, atol=1e-14)  # E[x | x > x*] = G/H
    np.testing.assert_allclose((w * x * x).sum(-1), 1 + xs * gh, rtol=1e-9)  # E[x² | x > x*]


def test_uniform_rule_sharp_integrand():
    # ∫Dz ln 2cosh(10 z): the trapezoid rule with h << 1/10 is exact to ~1e-10
    z, w = gaussian.uniform_gaussian_rule(801)
    ref = integrate.quad(lambda t: np.exp(-t * t / 2) / np.sqrt(2 * np.pi) * np.log(2 * np.cosh(10 * t)),
                         -12, 12, points=[0.0], limit=200, epsabs=1e-13)[0]
    assert abs(w @ gaussian.log_2cosh(10 * z) - ref) < 1e-9


# ----------------------------------------------------------------------------------------------
# spherical perceptron
# ----------------------------------------------------------------------------------------------
def test_gardner_capacity_published_and_closed_form_vs_quadrature():
    assert theory.gardner_capacity(0.0) == pytest.approx(2.0, abs=1e-13)  # Cover 1965 / Gardner 1988
    for kappa in [-1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.0]:
        integral = integrate.quad(lambda z: np.exp(-z * z / 2) / np.sqrt(2 * np.pi) * (z + kappa) ** 2,
                                  -kappa, np.inf, epsabs=1e-14, epsrel=1e-13)[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", theory.ReplicaSymmetryWarning)
            assert theory.gardner_capacity(kappa) == pytest.approx(1 / integral, rel=1e-11)
    ks = np.linspace(-1, 2, 13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", theory.ReplicaSymmetryWarning)
        assert np.all(np.diff(theory.gardner_capacity(ks)) < 0)


def test_gardner_negative_kappa_warns():
    with pytest.warns(theory.ReplicaSymmetryWarning, match="kappa < 0"):
        theory.gardner_capacity(-0.5)
    with pytest.warns(theory.ReplicaSymmetryWarning):
        theory.spherical_entropy(1.0, kappa=-0.5)


def test_spherical_entropy_limits_and_stationarity():
    s = theory.spherical_entropy(np.array([1e-4, 0.5, 1.0, 1.5, 1.9, 1.99]))
    assert abs(s[0]) < 1e-4 and np.all(np.diff(s) < 0) and s[-1] < -4
    assert theory.spherical_entropy(2.0) == -np.inf
    q = theory.spherical_overlap(np.array([1.0, 1.9, 1.999]))
    assert np.all(np.diff(q) > 0) and q[-1] > 0.99
    for alpha, kappa in [(0.7, 0.0), (1.5, 0.0), (0.5, 0.5)]:
        q = theory.spherical_overlap(alpha, kappa)
        h = 1e-6
        f = lambda x: perceptron.spherical_free_entropy(x, alpha, kappa)  # noqa: E731
        grad = (f(q + h) - f(q - h)) / (2 * h)
        assert abs(grad) < 1e-6, (alpha, kappa, grad)
        assert f(q) == pytest.approx(theory.spherical_entropy(alpha, kappa), abs=1e-13)


def test_energetic_derivative_identity():
    for q, kappa in [(0.3, 0.0), (0.7, 0.5), (0.95, -0.3)]:
        h = 1e-6
        ie_p, _ = perceptron.energetic_term(q + h, kappa)
        ie_m, _ = perceptron.energetic_term(q - h, kappa)
        _, gh2 = perceptron.energetic_term(q, kappa)
        assert (ie_p - ie_m) / (2 * h) == pytest.approx(-gh2 / (2 * (1 - q)), rel=1e-6)


# ----------------------------------------------------------------------------------------------
# binary perceptron
# ----------------------------------------------------------------------------------------------
def test_binary_capacity_krauth_mezard():
    ac = theory.binary_capacity(0.0)
    assert abs(ac - 0.833) < 5e-4  # Krauth & Mézard 1989
    assert theory.binary_entropy(ac) == pytest.approx(0.0, abs=1e-10)


def test_binary_capacity_decreasing_and_below_gardner():
    ks = np.array([-0.5, 0.0, 0.25, 0.5, 1.0])
    ac = theory.binary_capacity(ks)
    assert np.all(np.diff(ac) < 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", theory.ReplicaSymmetryWarning)
        assert np.all(ac < theory.gardner_capacity(ks))


def test_binary_entropy_limits_and_monotone():
    a = 1e-5
    # q ≈ 0 at small α, so s ≈ ln 2 + α ln H(κ) = ln2 (1 − α) at κ = 0
    assert theory.binary_entropy(a) == pytest.approx(LN2 * (1 - a), abs=1e-9)
    s = theory.binary_entropy(np.linspace(0.05, 0.9, 18))
    assert np.all(np.diff(s) < 0) and s[0] < LN2
    q = theory.binary_overlap(np.linspace(0.05, 0.8, 16))
    assert np.all(np.diff(q) > 0) and np.all((q > 0) & (q < 1))


@pytest.mark.parametrize("alpha,kappa", [(0.3, 0.0), (0.6, 0.0), (0.8, 0.0), (0.4, 0.5), (1.2, -0.5)])
def test_binary_saddle_point_is_stationary(alpha, kappa):
    r = theory.binary_rs(alpha, kappa)
    f = lambda q, qh: perceptron.binary_free_entropy(q, qh, alpha, kappa)  # noqa: E731
    h = 1e-6
    dq = (f(r.q + h, r.q_hat) - f(r.q - h, r.q_hat)) / (2 * h)
    dqh = (f(r.q, r.q_hat + h) - f(r.q, r.q_hat - h)) / (2 * h)
    assert abs(dq) < 1e-6 and abs(dqh) < 1e-6, (dq, dqh)
    assert f(r.q, r.q_hat) == pytest.approx(r.entropy, abs=1e-13)


def test_max_margin_inverse_of_capacity():
    assert abs(theory.max_margin(theory.binary_capacity(0.0))) < 1e-8
    for kappa in [-0.5, 0.3, 0.5]:
        assert theory.max_margin(theory.binary_capacity(kappa)) == pytest.approx(kappa, abs=1e-8)
    km = theory.max_margin(np.array([0.3, 0.5, 0.7, 0.9]))
    assert np.all(np.diff(km) < 0) and km[2] > 0 > km[3]
    assert theory.binary_entropy(0.5, kappa=theory.max_margin(0.5)) == pytest.approx(0.0, abs=1e-10)


def test_binary_quadrature_converged():
    for alpha, kappa in [(0.5, 0.0), (0.83, 0.0), (0.7, 0.3)]:
        r1 = theory.binary_rs(alpha, kappa)
        r2 = theory.binary_rs(alpha, kappa, n_quad=2001)
        assert abs(r1.entropy - r2.entropy) < 1e-10 and abs(r1.q - r2.q) < 1e-10


@pytest.mark.parametrize("func,kwargs,name", [
    (theory.binary_entropy, dict(alpha=0.0), "alpha"),
    (theory.binary_entropy, dict(alpha=-1.0), "alpha"),
    (theory.binary_entropy, dict(alpha=[0.5, -0.1]), "alpha"),
    (theory.binary_entropy, dict(alpha=0.5, kappa=float("nan")), "kappa"),
    (theory.binary_capacity, dict(kappa=float("inf")), "kappa"),
    (theory.max_margin, dict(alpha=0.0), "alpha"),
    (theory.spherical_entropy, dict(alpha=-2.0), "alpha"),
    (theory.gardner_capacity, dict(kappa=float("nan")), "kappa"),
    (theory.binary_overlap, dict(alpha=0.5, n_quad=2), "n_quad"),
])
def test_bad_input_raises_value_error_naming_argument(func, kwargs, name):
    with pytest.raises(ValueError, match=name):
        func(**kwargs)


def test_bad_type_raises_type_error():
    with pytest.raises(TypeError, match="alpha"):
        theory.binary_entropy("0.5")


# ----------------------------------------------------------------------------------------------
# Franz–Parisi potential
# ----------------------------------------------------------------------------------------------
from wfm.theory import fp_potential as fp  # noqa: E402


@pytest.fixture(scope="module")
def fp_curve_05():
    d = np.array([0.001, 0.003, 0.005, 0.01, 0.03, 0.1, 0.2, 0.3, 0.45, 0.5])
    return theory.franz_parisi(0.5, d)


def test_fp_equals_rs_entropy_at_typical_distance():
    for alpha, kappa in [(0.5, 0.0), (0.4, 0.3)]:
        r = theory.binary_rs(alpha, kappa)
        c = theory.franz_parisi(alpha, (1 - r.q) / 2, kappa=kappa, kappa_ref=kappa)
        assert c.d.size == 1 and c.lost_d.size == 0
        assert c.local_entropy[0] == pytest.approx(r.entropy, abs=1e-8)
        assert c.q[0] == pytest.approx(r.q, abs=1e-6) and c.t[0] == pytest.approx(r.q, abs=1e-6)


def test_fp_curve_below_geometric_bound_and_isolated(fp_curve_05):
    c = fp_curve_05
    assert c.lost_d.size == 0 and c.d.size == 10
    np.testing.assert_allclose(c.bound, fp.geometric_bound(c.d))
    assert np.all(c.local_entropy < c.bound)
    # typical solutions are isolated: V < 0 at small d, > 0 further out (Huang & Kabashima 2014)
    V = dict(zip(np.round(c.d, 6), c.local_entropy))
    assert V[0.003] < 0 < V[0.01]
    # V increases with d up to the typical distance (1 - q̃)/2 ≈ 0.339 and decreases after it
    far = c.d >= 0.003
    assert np.all(np.diff(c.local_entropy[far][c.d[far] < 0.34]) > 0)
    assert c.local_entropy[-1] < c.local_entropy[-2] < c.local_entropy[-3]


def test_fp_envelope_derivative(fp_curve_05):
    # dV/dp = -p̂ + α ∂I_E/∂p at the saddle point; compare with a finite difference of V in p
    for d in [0.01, 0.2]:
        h = 1e-4
        c = theory.franz_parisi(0.5, [d - h, d, d + h])
        dV_dd = (c.local_entropy[2] - c.local_entropy[0]) / (2 * h)
        assert -2 * c.dV_dp[1] == pytest.approx(dV_dd, rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("alpha,d,kappa,kappa_ref", [(0.5, 0.01, 0.0, 0.0), (0.6, 0.05, 0.0, 0.2)])
def test_fp_saddle_point_is_stationary(alpha, d, kappa, kappa_ref):
    c = theory.franz_parisi(alpha, d, kappa=kappa, kappa_ref=kappa_ref)
    ctx = fp._Context(alpha, kappa, kappa_ref)
    p = 1 - 2 * d
    x0 = dict(q=c.q[0], t=c.t[0], q_hat=c.q_hat[0], t_hat=c.t_hat[0], p_hat=c.p_hat[0])
    n_omega = fp._omega_points(x0["q_hat"])

    def phi(**kw):
        args = dict(x0, **kw)
        return fp.franz_parisi_free_entropy(alpha, p, kappa=kappa, kappa_ref=kappa_ref, _ctx=ctx,
                                            n_omega=n_omega, **args)

    assert phi() == pytest.approx(c.local_entropy[0], abs=1e-9)
    for name, value in x0.items():
        h = 1e-5 * max(1.0, abs(value))
        grad = (phi(**{name: value + h}) - phi(**{name: value - h})) / (2 * h)
        assert abs(grad) < 1e-6, (name, grad)


def test_fp_high_margin_reference_is_dense():
    # PRL 2021 mechanism: around references with κ̃ near κ_max(α), V/H(d) -> 1 as d -> 0
    kmax = theory.max_margin(0.5)
    c = theory.franz_parisi(0.5, [0.001, 0.003, 0.01, 0.05], kappa=0.0, kappa_ref=0.95 * kmax)
    ratio = c.local_entropy / c.bound
    assert c.lost_d.size == 0
    assert np.all(ratio <= 1 + 1e-9) and ratio[0] > 0.999 and np.all(np.diff(ratio) < 0)
    assert np.all(c.local_entropy > 0)


def test_fp_lost_points_are_reported_and_dropped():
    with pytest.warns(theory.SaddlePointWarning, match="lost"):
        c = theory.franz_parisi(0.5, [0.05, 0.1], tol=1e-300)  # unattainable tolerance: nothing converges
    assert c.d.size == 0 and c.local_entropy.size == 0
    np.testing.assert_allclose(c.lost_d, [0.05, 0.1])


@pytest.mark.parametrize("kwargs,name", [
    (dict(alpha=0.5, d=0.0), "d"),
    (dict(alpha=0.5, d=0.6), "d"),
    (dict(alpha=0.5, d=[0.1, -0.1]), "d"),
    (dict(alpha=-0.5, d=0.1), "alpha"),
    (dict(alpha=0.5, d=0.1, kappa_ref=1.0), "kappa_ref"),
    (dict(alpha=0.9, d=0.1), "kappa_ref"),
])
def test_fp_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        theory.franz_parisi(**kwargs)


def test_isolation_radius_bad_input():
    with pytest.raises(ValueError, match="alpha"):
        theory.isolation_radius(0.0)
    with pytest.raises(ValueError, match="d_min"):
        theory.isolation_radius(0.5, d_min=0.4)


@pytest.mark.slow
def test_isolation_radius_grows_with_alpha_and_vanishes_for_high_margin():
    d5 = theory.isolation_radius(0.5)
    d7 = theory.isolation_radius(0.7)
    assert 0 < d5 < d7
    # V changes sign at d*
    c = theory.franz_parisi(0.5, [0.98 * d5, 1.02 * d5])
    assert c.local_entropy[0] < 0 < c.local_entropy[1]
    assert theory.isolation_radius(0.5, kappa_ref=0.95 * theory.max_margin(0.5)) == 0.0


@pytest.mark.slow
def test_fp_quadrature_converged_at_small_d():
    d = [0.001, 0.01, 0.1]
    c1 = theory.franz_parisi(0.7, d)
    c2 = theory.franz_parisi(0.7, d, n_z=96, n_x=96, n_eta=64)
    # doubling every quadrature size moves V by less than the claim tested here, 1e-6
    np.testing.assert_allclose(c1.local_entropy, c2.local_entropy, atol=1e-6)


def test_secant_follow_tracks_a_closed_form_branch_and_reports_a_lost_one():
    """secant_follow follows x(t) = √t (Newton on x² = t) from t = 1 to 9 through two targets, carrying the secant
    across them; a solver that fails beyond t = 2 stops the continuation near 2 with reached = False."""
    from wfm.theory._continuation import secant_follow

    calls = []

    def newton(t, guess, warm):
        x = float(np.asarray(guess).reshape(-1)[0])
        for _ in range(50):
            x -= (x * x - t) / (2 * x)
        calls.append(warm)
        return np.array([x]), abs(x * x - t) < 1e-12, t

    x, t, prev, extra, reached = secant_follow(newton, np.array([1.0]), 1.0, 4.0, h_max=0.5)
    assert reached and t == 4.0 and extra == 4.0 and abs(x[0] - 2.0) < 1e-12
    x, t, prev, _, reached = secant_follow(newton, x, t, 9.0, h_max=0.5, prev=prev)
    assert reached and abs(x[0] - 3.0) < 1e-12 and calls[-1] is True

    def limited(t, guess, warm):
        return newton(t, guess, warm) if t <= 2.0 else (guess, False, None)

    x, t, _, _, reached = secant_follow(limited, np.array([1.0]), 1.0, 4.0, h_max=0.5)
    assert not reached and 2.0 - 1e-3 < t <= 2.0 and abs(x[0] - np.sqrt(t)) < 1e-12

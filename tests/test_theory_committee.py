"""Tests of wfm.theory.committee and wfm.theory.committee_rules (tree committee RS theory, sign and ReLU units).

Ground truths: the perceptron (K = 1: Gardner α_c = 2, Krauth–Mézard 0.833, the perceptron entropies), the
order-statistics sign capacity (exact integral) against the shared Monte Carlo path, the Numba repair-cost kernels
against slow references (brute force over internal representations; NNLS projections on convex cones), the
closed forms (ReLU K = 2: C = 3/4; K = ∞ kernels against 2-D quadrature), the q → 1 limit of the quadrature
energetic term against the repair cost, stationarity of the saddle points, exact enumeration (slow test), and
LP feasibility for the convex K = 2 ReLU case (slow test).
"""
import math
import warnings

import numpy as np
import pytest

from wfm import TreeCommittee, exact, theory
from wfm.data import random_patterns
from wfm.theory import ReplicaSymmetryWarning, committee, perceptron
from wfm.theory import committee_rules as cr


@pytest.fixture(autouse=True)
def _quiet_rs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        yield


# ----------------------------------------------------------------------------------------------
# sign committee: the order-statistics capacity (moved from test_theory_ld.py)
# ----------------------------------------------------------------------------------------------
def _flip_cost_mc(K, n, seed):
    """Plain NumPy Monte Carlo of C_K: cheapest correct internal representation, by sorting."""
    z = np.random.default_rng(seed).standard_normal((n, K))
    neg = np.sort(np.where(z < 0, z * z, np.inf), axis=1)
    r = np.maximum((z < 0).sum(1) - (K - 1) // 2, 0)
    cs = np.cumsum(np.where(np.isinf(neg), 0.0, neg), axis=1)
    cost = np.where(r > 0, cs[np.arange(n), np.maximum(r - 1, 0)], 0.0)
    return cost.mean(), cost.std() / math.sqrt(n)


def test_committee_k1_is_gardner():
    assert abs(committee.tree_committee_capacity(1) - 2.0) < 1e-12
    assert committee.tree_committee_capacity(1, "sign", "spherical") == committee.tree_committee_capacity(1)
    assert committee.counting_bound(1) == 2.0


@pytest.mark.parametrize("K", [3, 5, 9])
def test_committee_flip_cost_matches_monte_carlo(K):
    mean, se = _flip_cost_mc(K, 400_000, seed=K)
    c = 1.0 / committee.tree_committee_capacity(K)
    assert abs(c - mean) < 4 * se, (c, mean, se)


def test_committee_sqrt_k_asymptote():
    ks = [1001, 4001, 16001]
    ratio = [committee.tree_committee_capacity(k) / committee.tree_committee_capacity_asymptote(k) for k in ks]
    assert ratio[0] < ratio[1] < ratio[2] < 1
    # corrections ~ K^{-1/2}: each ×4 in K halves the gap, Richardson-extrapolated limit is 1
    assert abs((1 - ratio[1]) / (1 - ratio[0]) - 0.5) < 0.03
    assert abs(2 * ratio[2] - ratio[1] - 1) < 2e-3


def test_counting_bound_and_rs_violation():
    for K in (3, 7, 101, 10001):
        a = committee.counting_bound(K)
        x = 1 / (a * K)
        assert abs(-x * math.log(x) - (1 - x) * math.log1p(-x) - math.log(2) / K) < 1e-12 and a * K > 2
    K = 10**6
    a = committee.counting_bound(K)
    assert abs(a - (math.log(K) + math.log(a) + 1) / math.log(2)) < 0.01 * a
    assert committee.rs_violates_counting_bound_from() == 7
    assert committee.tree_committee_capacity(5) < committee.counting_bound(5)
    with pytest.raises(ValueError):
        committee.tree_committee_capacity(4)


# ----------------------------------------------------------------------------------------------
# repair cost: Numba kernels vs slow references; the shared Monte Carlo path vs exact values
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("activation,K", [("sign", 1), ("sign", 3), ("sign", 5), ("relu", 2), ("relu", 4), ("relu", 6)])
def test_repair_cost_kernel_matches_reference(activation, K):
    Z = np.random.default_rng(K).standard_normal((150, K))
    Z[0] = 0.0  # ties: every unit at zero
    fast = cr.repair_cost(Z, activation)
    ref = np.array([cr.repair_cost_reference(z, activation) for z in Z])
    np.testing.assert_allclose(fast, ref, rtol=1e-10, atol=1e-12)


def test_repair_cost_relu_k2_closed_form():
    # a > max(b, 0): the projection onto a wedge of angle 3π/4
    for a, b, want in [(1.0, 0.5, 0.0), (0.5, 1.0, 0.125), (-0.3, 1.0, 1.3**2 / 2), (-2.0, 1.0, 5.0), (-1.0, -2.0, 1.0)]:
        assert abs(cr.repair_cost(np.array([a, b]), "relu") - want) < 1e-14


@pytest.mark.parametrize("K", [3, 5])
def test_shared_mc_path_reproduces_sign_capacity(K):
    """(b) of the brief: the estimator used for ReLU, run on sign units, gives the order-statistics C_K."""
    c, se = cr.repair_cost_mc(K, "sign", n_samples=300_000, seed=11)
    exact_c, _ = committee.tree_committee_repair_cost(K, "sign")
    assert se < 2e-3 and abs(c - exact_c) < 4 * se, (c, se, exact_c)


def test_shared_mc_path_relu_k2_is_three_quarters():
    c, se = cr.repair_cost_mc(2, "relu", n_samples=300_000, seed=5)
    assert se < 3e-3 and abs(c - 0.75) < 4 * se, (c, se)


def test_mc_deterministic_and_control_variate_unbiased():
    a = cr.repair_cost_mc(8, "relu", n_samples=50_000, seed=3)
    b = cr.repair_cost_mc(8, "relu", n_samples=50_000, seed=3)
    assert a == b
    plain = cr.repair_cost_mc(8, "relu", n_samples=200_000, seed=4, control_variate=False)
    cv = cr.repair_cost_mc(8, "relu", n_samples=200_000, seed=4)
    assert cv[1] < 0.6 * plain[1]  # the control variate removes most of the variance at K = 8
    assert abs(cv[0] - plain[0]) < 4 * plain[1]


# ----------------------------------------------------------------------------------------------
# K -> infinity: kernels, and the finite-K curve approaching the limit
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rule", [cr.SIGN, cr.RELU])
def test_kernel_matches_direct_integration(rule):
    from scipy import integrate, stats

    for q in (0.0, 0.3, 0.8, 0.95):
        if rule is cr.RELU:
            # E[relu(u) relu(v)] = ∫_0^∞ Du u E_x[relu(q u + s x)], s = √(1−q²), E relu(m + s x) = m Φ(m/s) + s G(m/s)
            s_ = math.sqrt(1 - q * q)

            def f(u, q=q, s_=s_):
                m = q * u
                return stats.norm.pdf(u) * u * (m * stats.norm.cdf(m / s_) + s_ * stats.norm.pdf(m / s_))

            cov = integrate.quad(f, 0, np.inf, epsabs=1e-13)[0] - 1 / (2 * np.pi)
            assert abs(cov / rule.var_phi - rule.kernel(q)) < 1e-9, q
        else:
            # E[sign u sign v] = 1 − 2 P(different signs) = 1 − 2 arccos(q)/π (Sheppard)
            assert abs(rule.kernel(q) - (1 - 2 * math.acos(q) / math.pi)) < 1e-14
    for q in (0.2, 0.7):
        h = 1e-6
        assert abs((rule.kernel(q + h) - rule.kernel(q - h)) / (2 * h) - rule.kernel_prime(q)) < 1e-6
    # variance of φ: ReLU 1/2 − 1/(2π)
    if rule is cr.RELU:
        m2 = integrate.quad(lambda u: stats.norm.pdf(u) * u * u, 0, np.inf)[0]
        m1 = integrate.quad(lambda u: stats.norm.pdf(u) * u, 0, np.inf)[0]
        assert abs(m2 - m1 * m1 - rule.var_phi) < 1e-12


def test_relu_capacity_finite_at_infinite_k_and_sign_diverges():
    ac = committee.tree_committee_capacity(math.inf, "relu")
    assert abs(ac - 2 * math.pi / (math.pi - 1)) < 1e-12
    assert committee.tree_committee_capacity("inf", "sign") == math.inf
    assert abs(1 / cr.RELU.cost_infinite_k() - ac) < 1e-12


def test_relu_capacity_curve():
    a2 = committee.tree_committee_capacity(2, "relu")
    assert abs(a2 - 4 / 3) < 1e-12
    c4, se4 = committee.tree_committee_repair_cost(4, "relu", n_samples=200_000)
    c16, se16 = committee.tree_committee_repair_cost(16, "relu", n_samples=200_000)
    assert se4 < 1.5e-3 and se16 < 5e-4
    # increasing towards the K = ∞ value from below, and already close at K = 16
    cinf = cr.RELU.cost_infinite_k()
    assert 0.75 > c4 > c16 > cinf
    assert c16 - cinf < 0.01


def test_k_infinity_energetic_term_is_large_k_limit_of_q_to_1():
    # K = ∞ spherical free entropy: (1−q) I_E(ρ(q)) -> −C_∞/2 as q -> 1 for ReLU
    for q, tol in ((1 - 1e-4, 2e-3), (1 - 1e-6, 2e-4)):
        ie, _ = committee._energetic(q, math.inf, cr.RELU, 40)
        assert abs((1 - q) * ie + cr.RELU.cost_infinite_k() / 2) < tol


# ----------------------------------------------------------------------------------------------
# finite-K energetic term: perceptron limit, q -> 1 limit = repair cost, convergence
# ----------------------------------------------------------------------------------------------
def test_energetic_term_k1_is_perceptron():
    for q in (0.0, 0.3, 0.7):
        assert abs(cr.energetic_term(q, 1, "sign", 80) - perceptron.energetic_term(q)[0]) < 1e-10


@pytest.mark.parametrize("activation,K", [("relu", 2), ("sign", 3)])
def test_energetic_term_q_to_1_is_minus_half_repair_cost(activation, K):
    C, _ = committee.tree_committee_repair_cost(K, activation)
    vals = [(1 - q) * cr.energetic_term(q, K, activation, 64) for q in (1 - 1e-3, 1 - 1e-4)]
    # (1−q) I_E = −C/2 + O(√(1−q)): the gap shrinks ~ √10 per decade
    gaps = [v + C / 2 for v in vals]
    assert abs(gaps[1]) < abs(gaps[0]) and abs(gaps[1]) < 0.01, gaps


@pytest.mark.parametrize("activation,K", [("relu", 2), ("sign", 3)])
def test_energetic_term_quadrature_converged(activation, K):
    # the accuracy stated in energetic_term's docstring for the default 40 nodes: 1e-6 (measured 1.0e-7, sign K = 3)
    for q in (0.2, 0.6):
        assert abs(cr.energetic_term(q, K, activation, 40) - cr.energetic_term(q, K, activation, 96)) < 1e-6


def test_relu2_probability_against_direct_integration():
    from scipy import integrate, stats

    for a, b in [(0.3, -0.2), (1.5, 2.0), (-2.0, 1.0), (4.0, -3.0)]:
        ref = integrate.quad(lambda x, a=a, b=b: stats.norm.pdf(x) * stats.norm.cdf(x + a - b), -a, np.inf, epsabs=1e-14)[0]
        assert abs(math.exp(cr._log_phi_relu2(np.array(a), np.array(b))) - ref) < 1e-10 * max(ref, 1e-3)
    # deep tail: finite and ~ bivariate tail, no underflow to -inf
    v = cr._log_phi_relu2(np.array(-10.0), np.array(12.0))
    assert np.isfinite(v) and v < -100


# ----------------------------------------------------------------------------------------------
# RS saddle points and entropies
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0.3, 0.6])
def test_k1_entropies_are_the_perceptrons(alpha):
    rb = committee.tree_committee_rs(alpha, 1, "sign", "binary")
    ref = theory.binary_rs(alpha)
    assert abs(rb.q - ref.q) < 1e-7 and abs(rb.entropy - ref.entropy) < 1e-8 and rb.rs_exact
    rs = committee.tree_committee_rs(alpha, 1, "sign", "spherical")
    assert abs(rs.entropy - theory.spherical_entropy(alpha)) < 1e-8


def test_binary_capacity_k1_is_krauth_mezard():
    assert abs(committee.tree_committee_capacity(1, "sign", "binary") - 0.8331) < 1e-4
    assert abs(committee.tree_committee_capacity(1, "sign", "binary") - theory.binary_capacity()) < 1e-7


@pytest.mark.parametrize("activation,K,weights", [("relu", 2, "binary"), ("sign", 3, "binary"), ("relu", math.inf, "binary"),
                                                   ("sign", math.inf, "binary"), ("relu", 2, "spherical"),
                                                   ("relu", math.inf, "spherical")])
def test_saddle_point_is_stationary(activation, K, weights):
    alpha = 0.4
    r = committee.tree_committee_rs(alpha, K, activation, weights)
    rule = cr.get_rule(activation)
    z, w = theory.gaussian.uniform_gaussian_rule(801)

    def phi(q, qh=None):
        ie = committee._energetic(q, K, rule, 40)[0]
        if weights == "binary":
            return -0.5 * qh * (1 - q) + w @ theory.log_2cosh(math.sqrt(qh) * z) + alpha * ie
        return 0.5 * math.log1p(-q) + q / (2 * (1 - q)) + alpha * ie

    h = 1e-4
    if weights == "binary":
        dq = (phi(r.q + h, r.q_hat) - phi(r.q - h, r.q_hat)) / (2 * h)
        dqh = (phi(r.q, r.q_hat + h) - phi(r.q, r.q_hat - h)) / (2 * h)
        assert abs(dq) < 1e-6 and abs(dqh) < 1e-6, (dq, dqh)
        assert abs(phi(r.q, r.q_hat) - r.entropy) < 1e-10
    else:
        assert abs((phi(r.q + h) - phi(r.q - h)) / (2 * h)) < 1e-6


@pytest.mark.parametrize("act,K", [("relu", 2), pytest.param("sign", 3, marks=pytest.mark.slow), ("relu", math.inf),
                                   ("sign", math.inf)])
def test_binary_entropy_limits_and_capacities(act, K):
    s = committee.tree_committee_entropy(np.array([1e-3, 0.2, 0.4]), K, act)
    assert abs(s[0] - math.log(2)) < 1e-2 and s[0] > s[1] > s[2]
    ac = committee.tree_committee_capacity(K, act, "binary")
    assert abs(committee.tree_committee_entropy(ac, K, act)) < 1e-8
    assert ac < 1  # the counting bound for binary weights (ln 2 per weight)
    if (act, K) == ("relu", 2):  # ReLU K = 2 stores less than the perceptron with binary weights too (4/3 < 2)
        assert ac < theory.binary_capacity()


def test_spherical_relu_k2_entropy_diverges_at_four_thirds():
    s = committee.tree_committee_entropy(np.array([0.5, 1.2, 1.33]), 2, "relu", "spherical")
    assert s[0] > s[1] > s[2] and s[2] < -2.0
    assert committee.tree_committee_entropy(1.34, 2, "relu", "spherical") == -math.inf


def test_warnings_and_status():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        committee.tree_committee_capacity(4, "relu", n_samples=20_000)
        committee.tree_committee_capacity(3, "sign")
        committee.tree_committee_capacity(2, "relu")
        committee.tree_committee_capacity(1, "sign")
    kinds = [issubclass(r.category, ReplicaSymmetryWarning) for r in rec]
    assert kinds == [True, True]
    assert committee.tree_committee_rs(0.3, 2, "relu", "spherical").rs_exact
    assert not committee.tree_committee_rs(0.3, 2, "relu", "binary").rs_exact


@pytest.mark.parametrize("call,match", [
    (lambda: committee.tree_committee_capacity(3, "relu"), "even"),
    (lambda: committee.tree_committee_capacity(2, "sign"), "odd"),
    (lambda: committee.tree_committee_capacity(2, "tanh"), "activation"),
    (lambda: committee.tree_committee_capacity(2, "relu", "ternary"), "weights"),
    (lambda: committee.tree_committee_capacity("many", "relu"), "K"),
    (lambda: committee.tree_committee_capacity(0, "relu"), "K"),
    (lambda: committee.tree_committee_capacity(4, "relu", "binary"), "K in"),
    (lambda: committee.tree_committee_entropy(-0.1, 2, "relu"), "alpha"),
    (lambda: committee.tree_committee_rs(0.3, 5, "sign"), "K in"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_type():
    with pytest.raises(TypeError, match="K"):
        committee.tree_committee_capacity(2.5, "relu")


# ----------------------------------------------------------------------------------------------
# ground truths at finite N (slow)
# ----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_binary_sign_k3_entropy_vs_enumeration():
    """Quenched entropy (1/N) E ln 𝒩 of the sign K = 3 tree by enumeration (N = 15, 21; P = 2): it agrees with the
    RS entropy at the same α = P/N within 0.005 (measured differences 0.0003 and 0.0016, standard errors ≈ 0.001).
    The ReLU K = 2 tree is further from RS at these sizes (0.01–0.03 below): with ±1 weights and inputs the fields are
    integers and the ties h_1 = h_2 > 0 (an error, λ = 0) have probability O((N/K)^{-1/2}); see BENCHMARKS.md."""
    for n in (15, 21):
        model = TreeCommittee(n, 3, activation="sign", weights="binary")
        logs = []
        for i in range(200 if n < 21 else 50):
            pat = random_patterns(n, p=2, seed=np.random.SeedSequence([3000 + n, i]))
            c = exact.count_solutions(model, pat)
            assert c > 0
            logs.append(math.log(c) / n)
        rs = committee.tree_committee_entropy(2 / n, 3, "sign")
        assert abs(np.mean(logs) - rs) < 0.005, (n, np.mean(logs), rs)


@pytest.mark.slow
def test_spherical_relu_k2_lp_feasibility_brackets_four_thirds():
    """Convex case: at N = 200 most instances are feasible at α = 1.15 and few at α = 1.5 (α_c = 4/3)."""
    from scipy import optimize

    def feasible(xi, labels):
        m = xi.shape[1] // 2
        x1, x2 = xi[:, :m], xi[:, m:]
        z = np.zeros_like(x1)
        pos = labels > 0
        rows = np.concatenate([np.where(pos[:, None], np.hstack([x1, z]), np.hstack([z, x2])),
                               np.where(pos[:, None], np.hstack([x1, -x2]), np.hstack([-x1, x2]))])
        res = optimize.linprog(np.zeros(2 * m), A_ub=-rows, b_ub=-np.ones(len(rows)),
                               bounds=[(None, None)] * (2 * m), method="highs")
        return res.status == 0

    rng = np.random.default_rng(2)
    n = 200
    frac = {}
    for alpha in (1.15, 1.5):
        p = round(alpha * n)
        frac[alpha] = np.mean([feasible(rng.standard_normal((p, n)), rng.choice([-1.0, 1.0], p)) for _ in range(20)])
    assert frac[1.15] >= 0.8 and frac[1.5] <= 0.2, frac

"""Tests of wfm.theory.large_deviations (y → ∞ maximal local entropy, RS).

Kinds of test: identities of the derivation (α = 0, π̂ = 0 RS point), stationarity of every returned saddle
point by finite differences of the bracket, S_max <= H(d), S_max >= Franz–Parisi of typical solutions,
tangency at d -> 0, monotonicity below / above the threshold, quadrature convergence.
"""
import math

import numpy as np
import pytest

from wfm.theory import ReplicaSymmetryWarning, binary_rs, franz_parisi
from wfm.theory import large_deviations as ld
from wfm.theory.fp_potential import geometric_bound

FIVE = ("q", "dq", "q_hat", "dq_hat", "pi_hat")


@pytest.fixture(scope="module")
def curve06():
    return ld.max_local_entropy(0.6, [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2])


@pytest.fixture(scope="module")
def curve05():
    return ld.max_local_entropy(0.5, [0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.25])


def _bracket(alpha, p, v):
    return ld.max_local_entropy_free_entropy(alpha, p, *v)


def _fd_gradient(alpha, p, v, h=1e-5, one_sided=()):
    """Central differences of the bracket; for the positive variables δq, q̂, δq̂ (indices 1-3) in their
    logarithm, i.e. v_k ∂F/∂v_k (near d -> 0, q̂ -> 0 and δq -> ∞, so absolute steps would not do)."""
    g = np.empty(5)
    for k in range(5):
        e = np.zeros(5)
        if k in one_sided:  # second-order forward stencil (variable at its lower bound 0)
            e[k] = h
            g[k] = (-3 * _bracket(alpha, p, v) + 4 * _bracket(alpha, p, v + e) - _bracket(alpha, p, v + 2 * e)) / (2 * h)
        elif k in (1, 2, 3):
            up, dn = v.copy(), v.copy()
            up[k] *= math.exp(h)
            dn[k] *= math.exp(-h)
            g[k] = (_bracket(alpha, p, up) - _bracket(alpha, p, dn)) / (2 * h)
        else:
            e[k] = h * max(1.0, abs(v[k]))
            g[k] = (_bracket(alpha, p, v + e) - _bracket(alpha, p, v - e)) / (2 * e[k])
    return g


def test_alpha_zero_bracket_is_binary_entropy():
    # α = 0, q̂ = δq̂ = 0, tanh π̂ = p: the bracket is H(d) whatever (q, δq)
    for d in (0.01, 0.1, 0.3):
        p = 1 - 2 * d
        v = np.array([0.7, 0.4, 0.0, 0.0, math.atanh(p)])
        assert abs(_bracket(0.0, p, v) - geometric_bound(d)) < 1e-12


def test_pi_hat_zero_is_the_rs_saddle_point():
    # π̂ = 0, δq = δq̂ = 0 with the Krauth–Mézard pair: a stationary point, value s_RS, at p = E|tanh √q̂ ζ|
    for alpha in (0.4, 0.7):
        rs = binary_rs(alpha)
        p = ld._entropic(rs.q_hat, 0.0, 0.0)["d_pi"]
        v = np.array([rs.q, 0.0, rs.q_hat, 0.0, 0.0])
        assert abs(_bracket(alpha, p, v) - rs.entropy) < 1e-9
        g = _fd_gradient(alpha, p, v, h=1e-6, one_sided=(1, 3))
        assert np.max(np.abs(g)) < 2e-5, g


def test_analytic_gradient_matches_finite_differences():
    alpha, p = 0.65, 0.9
    v = np.array([0.8, 0.7, 0.6, 0.9, 0.5])
    g, _, _ = ld._gradient(alpha, 0.0, p, *v)
    g[1:4] *= v[1:4]  # the finite differences are in ln δq, ln q̂, ln δq̂
    np.testing.assert_allclose(g, _fd_gradient(alpha, p, v), atol=2e-8)


@pytest.mark.parametrize("which", ["curve05", "curve06"])
def test_every_saddle_point_is_stationary(which, request):
    c = request.getfixturevalue(which)
    assert np.all(np.isfinite(c.entropy))
    for i, d in enumerate(c.d):
        v = np.array([getattr(c, k)[i] for k in FIVE])
        g = _fd_gradient(c.alpha, 1 - 2 * d, v)
        assert np.max(np.abs(g)) < 1e-6, (d, g)
        assert abs(_bracket(c.alpha, 1 - 2 * d, v) - c.entropy[i]) < 1e-12


@pytest.mark.parametrize("which", ["curve05", "curve06"])
def test_bounds_and_monotonic_below_threshold(which, request):
    c = request.getfixturevalue(which)
    assert np.all(c.entropy <= c.bound + 1e-12)
    assert np.all(c.entropy <= c.s_rs + 1e-12)
    assert np.all(np.diff(c.entropy) > 0) and np.all(c.pi_hat > 0) and c.monotonic
    # dS/dd = 2 π̂ (envelope theorem), checked on the curve itself
    i = np.searchsorted(c.d, 0.01)
    dd = 1e-5
    s = ld.max_local_entropy(c.alpha, [c.d[i] - dd, c.d[i] + dd]).entropy
    assert abs((s[1] - s[0]) / (2 * dd) - 2 * c.pi_hat[i]) < 1e-4


@pytest.mark.parametrize("which", ["curve05", "curve06"])
def test_tangent_to_binary_entropy_at_small_d(which, request):
    c = request.getfixturevalue(which)
    gap = 1 - c.entropy / c.bound
    small = c.d <= 0.01
    assert np.all(np.diff(gap[small]) >= 0)  # the relative gap closes as d -> 0
    assert gap[0] < 1e-3, gap


def test_top_of_curve_is_rs_entropy(curve06):
    c = ld.max_local_entropy(0.6, [0.999 * curve06.typical_distance])
    assert abs(c.entropy[0] - curve06.s_rs) < 1e-5 and 0 < c.pi_hat[0] < 0.01
    assert np.isnan(ld.max_local_entropy(0.6, [min(0.49, 1.01 * curve06.typical_distance)]).entropy[0])


def test_denser_than_typical_solutions(curve06):
    d = np.array([0.02, 0.1])
    fp = franz_parisi(0.6, d, n_z=32, n_x=32, n_eta=24)
    s = curve06.entropy[np.isin(curve06.d, d)]
    assert np.all(s > fp.local_entropy + 0.05)


def test_non_monotonic_above_threshold():
    c = ld.max_local_entropy(0.8, np.geomspace(0.005, 0.05, 6), locate_min=False)
    assert not c.monotonic and c.min_pi_hat < -0.3
    assert np.any(np.diff(c.entropy) < 0) and np.any(~c.valid)
    assert np.all(c.entropy <= c.bound)


def test_quadrature_converged(monkeypatch, curve06):
    # the bracket and its gradient at the returned saddle points, default rule vs a much finer one
    base = ld._graded_rule.__wrapped__
    pts = [(1 - 2 * d, np.array([getattr(curve06, k)[i] for k in FIVE])) for i, d in enumerate(curve06.d)]
    ref = [(ld.max_local_entropy_free_entropy(0.6, p, *v), ld._gradient(0.6, 0.0, p, *v)[0]) for p, v in pts]
    monkeypatch.setattr(ld, "_graded_rule", lambda c, h: base(c, h, 140, 12, 1e-8, 12.0))
    for (p, v), (f0, g0) in zip(pts, ref):
        assert abs(ld.max_local_entropy_free_entropy(0.6, p, *v) - f0) < 1e-11
        np.testing.assert_allclose(ld._gradient(0.6, 0.0, p, *v)[0], g0, atol=1e-9)


def test_bad_input():
    with pytest.raises(ValueError):
        ld.max_local_entropy(0.9)  # beyond the RS capacity 0.833
    with pytest.raises(ValueError):
        ld.max_local_entropy(0.5, [0.6])
    with pytest.raises(ValueError):
        ld.max_local_entropy(-0.5)


@pytest.mark.slow
def test_monotonicity_threshold():
    # measured: 0.7553 (RS, unconstrained centre); the literature quotes 0.77-0.78 (Baldassi et al. 2015,
    # arXiv:1509.05753; Stojnic 2025, arXiv:2506.19276). The RS external entropy is negative where it is read: warned
    with pytest.warns(ReplicaSymmetryWarning, match="not self-consistent"):
        a_u = ld.monotonicity_threshold()
    assert 0.75 < a_u < 0.76
    assert ld.max_local_entropy(a_u - 0.005, n_points=2).monotonic
    assert not ld.max_local_entropy(a_u + 0.005, n_points=2).monotonic


# ----------------------------------------------------------------------------------------------
# CLI (the committee tests are in tests/test_theory_committee.py)
# ----------------------------------------------------------------------------------------------
def test_cli(capsys):
    from wfm.cli import main

    assert main(["theory", "committee", "--k", "1", "3"]) == 0
    out = capsys.readouterr().out
    assert "4.02519" in out and "alpha_c" in out and "replica symmetry is broken" in out
    assert main(["theory", "max-local-entropy", "--alpha", "0.5", "--d", "0.01", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "0.0558109" in out and "monotonic" in out


# ----------------------------------------------------------------------------------------------
# PRL 2015 variant (centre constrained to be a solution)
# ----------------------------------------------------------------------------------------------
def test_solution_centre_gradient_matches_finite_differences():
    p, alpha = 0.8, 0.6
    th = np.array([0.8, 0.7, 0.5, 0.3, 0.6, 0.9, 0.8, 0.4, 0.5])
    val, grad, active = ld.solution_centre_free_entropy(alpha, p, th)
    assert 0.1 < active < 0.9  # both branches of the constrained max are exercised
    fd = np.empty(9)
    for k in range(9):
        e = np.zeros(9)
        e[k] = 1e-5
        fd[k] = (ld.solution_centre_free_entropy(alpha, p, th + e)[0]
                 - ld.solution_centre_free_entropy(alpha, p, th - e)[0]) / 2e-5
    np.testing.assert_allclose(grad, fd, atol=1e-8)


def test_solution_centre_costs_where_it_binds():
    b = ld.solution_centre_branch(0.76, [0.1])
    assert np.isfinite(b["entropy"][0]) and b["active"][0] > 0.01
    assert b["entropy"][0] < b["entropy_free"][0] - 1e-4  # a constrained max is lower
    assert b["entropy"][0] <= geometric_bound(0.1)


@pytest.mark.slow
def test_solution_centre_joins_free_curve_before_the_pi_hat_minimum():
    # measured: at α = 0.76 the constraint stops binding as d decreases (active 4% at d = 0.1, 2e-4 at 0.033)
    b = ld.solution_centre_branch(0.76, np.geomspace(0.1, 0.03, 12))
    ok = np.isfinite(b["entropy"])
    assert ok.sum() >= 10
    assert np.all(np.diff(b["active"][ok]) < 0)
    last = np.nonzero(ok)[0][-1]
    assert b["active"][last] < 1e-3 and abs(b["entropy"][last] - b["entropy_free"][last]) < 1e-5

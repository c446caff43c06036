"""Tests of wfm.theory.ld_finite_y (finite-y RS large deviations of the binary perceptron).

Ground truths: the exact y = 1 identity (free centre: yφ = s_RS + H(d)); the y → ∞ curve of
wfm.theory.max_local_entropy (S_int -> S_max like 1/y², Σ_ext -> the closed form sigma_ext_infinity like 1/y);
the y → 0 limit (free centre: the RS entropy of solutions at fixed magnetization p along a random vector, solved
here independently; solution centre: the Franz–Parisi potential of a typical solution); the RS point at the top
of the curve; stationarity of every returned saddle point by finite differences of the bracket in the original
order parameters; ∂(yφ)/∂y = S_int by finite differences in y; dS_int/dd (slope) against finite differences in
d; the Numba kernel against its NumPy reference; quadrature against much finer rules.
"""
import math
import warnings

import numpy as np
import pytest
from scipy import optimize

from wfm.theory import (
    ReplicaSymmetryWarning,
    binary_rs,
    franz_parisi,
    geometric_bound,
    max_local_entropy,
)
from wfm.theory import ld_finite_y as F
from wfm.theory.gaussian import GH_ratio, gauss_hermite, log_2cosh, log_H

ALPHA = 0.6


def _curve(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        return F.large_deviation_curve(*args, **kw)


@pytest.fixture(scope="module")
def c21():
    return _curve(ALPHA, [0.01, 0.02, 0.05, 0.1, 0.3], 21.0, slope=True)


# ----------------------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [(0.75, 1.3, 21.0, 0.0), (0.9, 5.0, 500.0, 0.0), (0.5, 0.3, 1.0, 0.0),
                                  (0.6, 0.5, 3.0, 0.4)])
def test_energetic_free_kernel_matches_numpy(args):
    a, b = F._energetic_free(*args), F._energetic_free_numpy(*args)
    for k in a:
        assert abs(a[k] - b[k]) < 1e-12 * max(1.0, abs(b[k])), k


def test_energetic_solution_kernel_matches_numpy():
    args = (0.6, 1.0, 0.9, 0.75, 0.8, 21.0, 0.0)
    a, b = F._energetic_solution(*args), F._energetic_solution_numpy(*args)
    for k in a:
        assert abs(a[k] - b[k]) < 1e-12 * max(1.0, abs(b[k])), k


@pytest.mark.parametrize("t0,c,y", [(0.0, 3.0, 21.0), (-3.0, 3.0, 21.0), (-1.0, 10.0, 21.0), (1.0, 0.8, 500.0),
                                    (30.0, 0.7, 100.0), (0.3, 0.05, 1e4)])
def test_concave_rule_against_dense_trapezoid(t0, c, y):
    # ∫Dη H(t0 - cη)^y: the graded rule around the mode against a 400001-point trapezoid rule
    def gg(eta):
        return -0.5 * eta * eta + y * log_H(t0 - c * eta), -eta + y * c * GH_ratio(t0 - c * eta)

    ts = F._t_root(np.array([t0]), y * c * c)
    mode = (t0 - ts) / c
    x, w = F._concave_rule(gg, mode)
    lw = np.log(w) + gg(x)[0] - 0.5 * math.log(2 * math.pi)
    fine = mode[:, None] + np.linspace(-12, 12, 400001)
    lf = np.log(24 / 400000) + gg(fine)[0] - 0.5 * math.log(2 * math.pi)
    a, b = np.logaddexp.reduce(lw, axis=1), np.logaddexp.reduce(lf, axis=1)
    assert abs(a[0] - b[0]) < 1e-9


@pytest.mark.parametrize("sigma", [0.0, 0.3, 0.999, 1.0, 4.0, 40.0])
def test_tilt_averages(sigma):
    # E over ζ' of tanh, sech², ln2cosh(μ + σζ'): both branches against a dense trapezoid in x = μ + σζ'
    mu = np.array([-3.0, -0.2, 0.0, 0.7, 5.0])
    th, s2, lc = F._tilt_averages(mu, sigma)
    if sigma == 0.0:
        ref = np.tanh(mu), 1 - np.tanh(mu) ** 2, log_2cosh(mu)
    else:
        x = np.linspace(-12, 12, 240001)
        dens = np.exp(-0.5 * ((x - mu[:, None]) / sigma) ** 2)
        ref = [(dens * f(x)).sum(1) / dens.sum(1) for f in (np.tanh, lambda v: 1 - np.tanh(v) ** 2, log_2cosh)]
        if sigma > 2:  # the grid above truncates |x| <= 12: use the closed forms for the far tails
            x = np.linspace(-12 * sigma, 12 * sigma, 2_400_001)
            dens = np.exp(-0.5 * ((x - mu[:, None]) / sigma) ** 2)
            ref = [(dens * f(x)).sum(1) / dens.sum(1) for f in (np.tanh, lambda v: 1 - np.tanh(v) ** 2, log_2cosh)]
    for a, b in zip((th, s2, lc), ref):
        np.testing.assert_allclose(a, b, atol=2e-9)


def test_entropic_solution_terms_against_direct_quadrature():
    # G_S and its outputs with Q̂, R̂ != 0 against a plain (ζ, ζ', τ, η) quadrature of the definitions
    q0h, Dqh, ph, y, Qh, Rh = 0.8, 0.6, 0.9, 3.0, 0.7, 0.5
    out = F._entropic(q0h, Dqh, ph, y, Qh, Rh)
    z, wz = gauss_hermite(120)
    e, we = gauss_hermite(120)
    zp, wp = gauss_hermite(120)
    B = math.sqrt(Dqh / y)
    sig = math.sqrt(Qh - Rh * Rh / q0h)
    Z = z[:, None, None]
    ht = (Rh / math.sqrt(q0h)) * Z + sig * zp[None, :, None]
    acc = {k: 0.0 for k in ("G", "q0", "q1", "p", "Q", "R", "L")}
    Xs = [math.sqrt(q0h) * Z + (ph - Rh) * t + B * e[None, None, :] for t in (1.0, -1.0)]
    # weights over (τ, η) for each (ζ, ζ')
    lw = np.stack([ht * t + y * log_2cosh(X) for t, X in zip((1.0, -1.0), Xs)])  # (2, nz, nzp, ne)
    lw = lw + np.log(we)[None, None, None, :]
    lnN = np.logaddexp.reduce(lw.reshape(2, 120, 120, 120), axis=(0, 3))
    w = np.exp(lw - lnN[None, :, :, None])
    m = np.tanh(np.stack(Xs))
    tau = np.array([1.0, -1.0])[:, None, None, None]
    mean_m = (w * m).sum((0, 3))
    mean_t = (w * tau).sum((0, 3))
    W = wz[:, None] * wp[None, :]
    acc["G"] = (W * lnN).sum()
    acc["q0"] = (W * mean_m ** 2).sum()
    acc["q1"] = (W * (w * m * m).sum((0, 3))).sum()
    acc["p"] = (W * (w * tau * m).sum((0, 3))).sum()
    acc["Q"] = (W * mean_t ** 2).sum()
    acc["R"] = (W * mean_t * mean_m).sum()
    acc["L"] = (W * (w * log_2cosh(np.stack(Xs))).sum((0, 3))).sum()
    for k, v in acc.items():
        assert abs(out[k] - v) < 2e-7, (k, out[k], v)


# ----------------------------------------------------------------------------------------------
# free centre: identities and limits
# ----------------------------------------------------------------------------------------------
def test_y_equal_one_is_exact():
    # Σ_W̃ N(W̃, d) = #solutions × #points at distance d: yφ = s_RS + H(d) exactly at y = 1
    d = np.array([0.1, 0.3])
    c = _curve(ALPHA, d, 1.0)
    np.testing.assert_allclose(c.phi, binary_rs(ALPHA).entropy + geometric_bound(d), atol=1e-10)


def test_every_saddle_point_is_stationary(c21):
    for i, d in enumerate(c21.d):
        p = 1 - 2 * d
        v = np.array([c21.q0[i], c21.q1[i], c21.q0_hat[i], c21.q1_hat[i], c21.p_hat[i]])
        phi, s_int = F.large_deviation_free_entropy(ALPHA, p, c21.y, *v)
        assert abs(phi - c21.phi[i]) < 1e-12 and abs(s_int - c21.S_int[i]) < 1e-12
        # steps in the overlaps much smaller than q1 - q0 (>= 2e-3 here)
        for k, h in enumerate([1e-6, 1e-7, 1e-6, 1e-7, 1e-6]):
            e = np.zeros(5)
            e[k] = h
            g = (F.large_deviation_free_entropy(ALPHA, p, c21.y, *(v + e))[0]
                 - F.large_deviation_free_entropy(ALPHA, p, c21.y, *(v - e))[0]) / (2 * h)
            assert abs(g) < 2e-7, (d, k, g)


def test_internal_entropy_is_the_y_derivative(c21):
    y, h = c21.y, 0.02
    d = c21.d[[1, 3, 4]]
    cp, cm = _curve(ALPHA, d, y + h), _curve(ALPHA, d, y - h)
    fd = ((y + h) * cp.phi - (y - h) * cm.phi) / (2 * h)
    np.testing.assert_allclose(fd, c21.S_int[[1, 3, 4]], atol=2e-8)
    # and Σ_ext = yφ - y S_int, φ = S_int + Σ_ext / y
    np.testing.assert_allclose(c21.phi, c21.S_int + c21.Sigma_ext / y, atol=1e-13)


def test_slope_against_finite_differences_in_d(c21):
    for i in (1, 3):
        d, h = c21.d[i], 1e-4 * c21.d[i]
        s = _curve(ALPHA, [d - h, d + h], c21.y).S_int
        assert abs((s[1] - s[0]) / (2 * h) - c21.slope[i]) < 1e-5 * abs(c21.slope[i])
    assert c21.monotonic


def test_large_y_limit_quick():
    d = np.array([0.1])
    m = max_local_entropy(ALPHA, d)
    c = _curve(ALPHA, d, 1000.0)
    inf = _curve(ALPHA, d, np.inf)
    np.testing.assert_allclose(inf.S_int, m.entropy, atol=1e-12)
    assert abs(c.S_int[0] - m.entropy[0]) < 2e-6          # measured 8.7e-7 (~ 1/y²)
    assert abs(c.Sigma_ext[0] - inf.Sigma_ext[0]) < 2e-3  # measured 1.7e-3 (~ 1/y)
    assert inf.Sigma_ext[0] < 0 and not inf.rs_valid[0]


@pytest.mark.slow
def test_large_y_limit():
    # S_int -> S_max (max_local_entropy) like 1/y²; Σ_ext -> sigma_ext_infinity like 1/y (three-point
    # Richardson extrapolation in 1/y removes the 1/y and 1/y² terms; measured agreement ~1e-7)
    d = np.array([0.02, 0.1])
    m = max_local_entropy(ALPHA, d)
    inf = _curve(ALPHA, d, np.inf)
    c = [_curve(ALPHA, d, y) for y in (500.0, 1000.0, 2000.0)]
    gaps = [ci.S_int - m.entropy for ci in c]
    assert np.all(np.abs(gaps[1]) < 3e-6) and np.all(np.abs(gaps[2] / gaps[1] - 0.25) < 0.02)
    extrap = (8 * c[2].Sigma_ext - 6 * c[1].Sigma_ext + c[0].Sigma_ext) / 3
    np.testing.assert_allclose(extrap, inf.Sigma_ext, atol=2e-6)
    assert np.all(inf.Sigma_ext < 0)  # the RS measure over centres is not self-consistent there (α = 0.6)


def _magnetized_rs(alpha, p):
    """RS entropy of the solutions at overlap p with a fixed random vector (gauge: magnetization p)."""
    z, w = gauss_hermite(201)

    def eqs(x):
        q, qh, ph = 1 / (1 + math.exp(-x[0])), math.exp(x[1]), x[2]
        u = -math.sqrt(q) * z / math.sqrt(1 - q)
        th = np.tanh(math.sqrt(qh) * z + ph)
        return [w @ th ** 2 - q, math.log(alpha / (1 - q) * (w @ GH_ratio(u) ** 2) / qh), w @ th - p], (q, qh, ph)

    sol = optimize.root(lambda x: eqs(x)[0], [0.0, 0.0, math.atanh(p)], method="hybr", options={"xtol": 1e-14})
    q, qh, ph = eqs(sol.x)[1]
    u = -math.sqrt(q) * z / math.sqrt(1 - q)
    return -qh * (1 - q) / 2 - ph * p + w @ log_2cosh(math.sqrt(qh) * z + ph) + alpha * (w @ log_H(u))


def test_small_y_limit_free_centre():
    # y -> 0: the centre is uniform, S_int -> E ln N(W̃, d) = RS entropy at magnetization p, Σ_ext -> ln 2.
    # S_int - ref is linear in y with a sizeable y² term: three-point Richardson (measured 3e-5 at d = 0.3).
    d = np.array([0.3, 0.4])
    ref = np.array([_magnetized_rs(ALPHA, 1 - 2 * di) for di in d])
    c = [_curve(ALPHA, d, y) for y in (0.05, 0.025, 0.0125)]
    gaps = [ci.S_int - ref for ci in c]
    assert np.all(np.abs(gaps[2]) < np.abs(gaps[1])) and np.all(np.abs(gaps[1]) < np.abs(gaps[0]))
    np.testing.assert_allclose((8 * c[2].S_int - 6 * c[1].S_int + c[0].S_int) / 3, ref, atol=1e-4)
    np.testing.assert_allclose(c[2].Sigma_ext, math.log(2), atol=5e-5)  # measured 2.4e-5 (~ y²)
    np.testing.assert_allclose(c[2].q1, [0.5872548, 0.4377051], atol=5e-3)  # q of the magnetized problem


def test_top_of_the_curve_is_rs():
    c = _curve(ALPHA, [0.499], 21.0)
    rs = binary_rs(ALPHA)
    assert abs(c.S_int[0] - rs.entropy) < 1e-5 and abs(c.Sigma_ext[0] - math.log(2)) < 1e-3
    assert abs(c.q0[0] - rs.q) < 1e-4


# ----------------------------------------------------------------------------------------------
# validity
# ----------------------------------------------------------------------------------------------
def test_rs_validity_flag_and_warning(c21):
    # α = 0.6, y = 21: Σ_ext < 0 on an interval of small d, > 0 elsewhere
    assert np.array_equal(c21.rs_valid, c21.Sigma_ext >= 0)
    assert np.array_equal(c21.rs_checks["Sigma_ext>=0"], c21.Sigma_ext >= 0)
    assert not c21.rs_valid[1] and c21.rs_valid[4]
    with pytest.warns(ReplicaSymmetryWarning, match="Sigma_ext>=0 fails at d = \\[0.02\\]"):
        F.large_deviation_curve(ALPHA, [0.02, 0.3], 21.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReplicaSymmetryWarning)
        c7 = F.large_deviation_curve(ALPHA, [0.02, 0.3], 7.0)
    assert np.all(c7.rs_valid)


def test_negative_internal_entropy_is_flagged():
    # y = 1, d = 0.05: RS gives S_int < 0 (measured -0.0173), impossible since the centre's own solution is
    # at distance d; Σ_ext stays positive
    with pytest.warns(ReplicaSymmetryWarning, match="S_int>=0 fails"):
        c = F.large_deviation_curve(ALPHA, [0.05], 1.0)
    assert c.S_int[0] < 0 and c.Sigma_ext[0] > 0 and not c.rs_valid[0]


def test_bounds(c21):
    assert np.all(c21.S_int <= c21.bound) and np.all(np.diff(c21.S_int) > 0)
    assert np.all(c21.Sigma_ext <= math.log(2))


def test_bad_input():
    with pytest.raises(ValueError, match="centre"):
        F.large_deviation_curve(ALPHA, [0.1], 21.0, centre="nowhere")
    with pytest.raises(ValueError, match="d must"):
        F.large_deviation_curve(ALPHA, [0.6], 21.0)
    with pytest.raises(ValueError, match="y must"):
        F.large_deviation_curve(ALPHA, [0.1], -1.0)
    with pytest.raises(TypeError, match="y must"):
        F.large_deviation_curve(ALPHA, [0.1], True)
    with pytest.raises(ValueError, match="capacity"):
        F.large_deviation_curve(0.9, [0.1], 21.0)


# ----------------------------------------------------------------------------------------------
# centre constrained to be a solution (PRL 2015)
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sol3():
    return _curve(ALPHA, [0.2, 0.28], 3.0, centre="solution")


@pytest.mark.slow
def test_solution_centre_start_is_the_rs_point(sol3):
    # near the typical distance (1 - q_RS)/2 = 0.3045 every replica and the centre are typical solutions:
    # S_int -> s_RS and Σ_ext -> s_RS; at d = 0.28 they are within 1e-3 of it, S_int below and bounded by H(d)
    s_rs = binary_rs(ALPHA).entropy
    assert abs(sol3.S_int[1] - s_rs) < 2e-3 and abs(sol3.Sigma_ext[1] - s_rs) < 2e-3
    assert np.all(sol3.S_int < sol3.bound) and sol3.S_int[0] < sol3.S_int[1]
    assert np.all(sol3.Q_hat > 0)  # the constraint on the centre binds at finite y


@pytest.mark.slow
@pytest.mark.parametrize("i", [0, 1])
def test_solution_centre_is_stationary(sol3, i):
    """The solution-centre saddle point is a stationary point of the bracket in all nine order parameters.
    (Until 2026-12-02 it failed by 4e-3…8e-3 in q0, Q, R: the outer η0 rule of the centre's Gaussian pair had
    panels up to 5 wide with 4 Gauss–Legendre nodes, so G_E itself was off by 3e-5 while the conjugates, from
    the same nodes, were right; the rows are now 24 panels × 6 nodes, G_E equal to a 160² Gauss–Hermite × 4001
    trapezoid evaluation to 3e-9; test_solution_centre_energetic_term_against_a_brute_force_rule.)"""
    p, y = 1 - 2 * sol3.d[i], sol3.y
    names = ("q0", "q1", "q0_hat", "q1_hat", "p_hat", "Q", "R", "Q_hat", "R_hat")
    v = {k: getattr(sol3, k)[i] for k in names}

    def f(**kw):
        w = dict(v, **kw)
        return F.large_deviation_free_entropy(ALPHA, p, y, *[w[k] for k in names])[0]

    assert abs(f() - sol3.phi[i]) < 1e-12
    # h = 1e-5: the mode-centred rules move with the parameters, so G_E jitters at ~1e-12 and a step of 1e-6
    # adds ~1e-6 of noise (measured at d = 0.28: d/dq0 = 1.0e-6 with h = 1e-6, -2.2e-7 with h = 1e-5; d/dQ and
    # d/dR, 3.4e-7 and -8.2e-7, agree for both steps: that is the quadrature-limited residual)
    for k in names:
        h = 1e-5 * max(1.0, abs(v[k]))
        g = (f(**{k: v[k] + h}) - f(**{k: v[k] - h})) / (2 * h)
        assert abs(g) < 1e-6, (k, g)


@pytest.mark.slow
def test_solution_centre_internal_entropy_is_the_y_derivative(sol3):
    # S_int = ∂(yφ)/∂y at fixed d, by central differences of re-solved saddle points (measured 2026-12-02:
    # 0.2270441338 against S_int = 0.2270441529, i.e. 1.9e-8; the O(h²) error of the difference is ~1e-7·|∂³Φ|)
    d = sol3.d[1:]
    up, dn = _curve(ALPHA, d, 3.05, centre="solution"), _curve(ALPHA, d, 2.95, centre="solution")
    fd = (3.05 * up.phi[0] - 2.95 * dn.phi[0]) / 0.1
    assert fd == pytest.approx(sol3.S_int[1], abs=2e-6)


def test_solution_centre_energetic_term_against_a_brute_force_rule():
    """G_E of the solution centre (and its derivatives = the conjugates) against an independent rule: Gauss–Hermite
    80 × 80 over the Gaussian pair (A0, B0) and a 1601-point trapezoid in t on [-12, 12]. The point is the
    saddle point of ``sol3`` (α = 0.6, y = 3, d = 0.2), rounded to 6 digits. Measured 2026-12-02: G_E equal to
    the brute-force rule to 2.7e-9 (the same with 160² × 4001 nodes), its finite differences equal to the
    conjugates to 2e-6; with the old 14 × 4 rows G_E was off by 3e-5 and the derivatives by 1e-2."""
    from scipy.special import log_ndtr

    q0, q1, Q, R, p, y = 0.449098, 0.483504, 0.520467, 0.482733, 0.6, 3.0

    def brute(q0, q1, Q, R):
        dq = q1 - q0
        sd, rho = np.sqrt(1 - q1), (p - R) / np.sqrt((1 - Q) * dq)
        sv, a = np.sqrt((1 - Q) * (1 - rho ** 2)), rho / np.sqrt(1 - rho ** 2)
        x, w = np.polynomial.hermite_e.hermegauss(80)
        w = w / w.sum()
        A0 = np.sqrt(Q) * x[:, None] + 0 * x[None, :]
        B0 = (R / np.sqrt(Q)) * x[:, None] + np.sqrt(q0 - R * R / Q) * x[None, :]
        t = np.linspace(-12, 12, 1601)
        lwt = -t * t / 2 - 0.5 * np.log(2 * np.pi) + np.log(t[1] - t[0])
        lw = y * log_ndtr((B0[..., None] + np.sqrt(dq) * t) / sd) + log_ndtr(A0[..., None] / sv + a * t) + lwt
        m = lw.max(-1, keepdims=True)
        return float((w[:, None] * w[None, :] * (np.log(np.exp(lw - m).sum(-1)) + m[..., 0])).sum())

    e = F._energetic_solution(q0, y * (q1 - q0), Q, R, p, y, 0.0)
    assert e["G"] == pytest.approx(brute(q0, q1, Q, R), abs=1e-8)
    h = 1e-5
    for k, want in (("q0", -y * y / 2 * e["q0h"]), ("Q", -e["Qh"] / 2), ("R", -y * e["Rh"])):
        args = dict(q0=q0, q1=q1, Q=Q, R=R)
        up, dn = dict(args), dict(args)
        up[k] += h
        dn[k] -= h
        assert (brute(**up) - brute(**dn)) / (2 * h) == pytest.approx(want, abs=2e-5), k


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="the solution-centre saddle point is lost at y = 0.04, 0.02 (d = 0.2, 0.28; NaN); "
                   )
def test_solution_centre_small_y_is_franz_parisi():
    # y -> 0: the centre is a typical solution, S_int -> Franz–Parisi V(d), Σ_ext -> s_RS (linear in y)
    d = np.array([0.2, 0.28])
    fp = franz_parisi(ALPHA, d).local_entropy
    a, b = _curve(ALPHA, d, 0.04, centre="solution"), _curve(ALPHA, d, 0.02, centre="solution")
    np.testing.assert_allclose(2 * b.S_int - a.S_int, fp, atol=2e-4)
    np.testing.assert_allclose(2 * b.Sigma_ext - a.Sigma_ext, binary_rs(ALPHA).entropy, atol=2e-4)


# ----------------------------------------------------------------------------------------------
# kernel table (tests/test_kernels.py collects it): the Numba inner integrals against a slow, obvious rule
# ----------------------------------------------------------------------------------------------
from kernel_table import KernelRef, check_kernel, unlisted

from wfm.theory import _ld_kernels


def ref_energetic_inner(A0, B0, kappa, y, sd, sqdq, sv, a, centre, t_start, fr, wf):
    """∫Dt H(u)^y H(v)^c and its tilted averages, by a 200001-point trapezoid rule on t ∈ [-40, 40] (the rule
    arguments t_start, fr, wf of the kernel are ignored: only the integral is shared)."""
    t = np.linspace(-40.0, 40.0, 200001)
    h = t[1] - t[0]
    out = [np.empty(A0.size) for _ in range(5)]
    for i in range(A0.size):
        u = (kappa - B0[i] - sqdq * t) / sd
        lu = log_H(u)
        gu = GH_ratio(u) / sd
        lw = -0.5 * t * t - 0.5 * math.log(2 * math.pi) + y * lu
        gv = np.zeros_like(t)
        if centre:
            v = (kappa - A0[i]) / sv - a * t
            lw = lw + log_H(v)
            gv = GH_ratio(v)
        mx = lw.max()
        e = np.exp(lw - mx)
        e[0] *= 0.5
        e[-1] *= 0.5
        z = e.sum()
        m1 = (e * gu).sum() / z
        out[0][i] = math.log(h * z) + mx
        out[1][i] = m1
        out[2][i] = (e * (gu - m1) ** 2).sum() / z
        out[3][i] = (e * lu).sum() / z
        out[4][i] = (e * gv).sum() / z if centre else 0.0
    return tuple(out)


_FINE_EDGES = (0.0, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0)


def _cases_energetic_inner():
    # a rule much finer than the production ones (_SIDE_EDGES, _SIDE_C), so that the comparison tests the kernel,
    # not the rule (the production rules: test_production_inner_rules)
    fr, wf = F._side_fractions(_FINE_EDGES, 16)
    fr_c, wf_c = fr, wf
    B0 = np.array([-2.0, -0.3, 0.0, 0.8, 2.5])
    A0 = np.array([-1.0, 0.2, 0.5, 1.2, -0.4])
    cases = []
    for y, dq, q1 in ((21.0, 0.05, 0.7), (3.0, 0.2, 0.5), (200.0, 0.004, 0.85)):
        cases.append((B0, B0, 0.0, y, math.sqrt(1 - q1), math.sqrt(dq), 1.0, 0.0, False, np.zeros(5), fr, wf))
    for y, dq, q1, sv, a in ((21.0, 0.05, 0.7, 0.3, 0.8), (5.0, 0.15, 0.6, 0.6, -0.5)):
        cases.append((A0, B0, 0.0, y, math.sqrt(1 - q1), math.sqrt(dq), sv, a, True, np.zeros(5), fr_c, wf_c))
    return cases


KERNEL_REFERENCES = [
    KernelRef("_ld_kernels.energetic_inner", _ld_kernels.energetic_inner, ref_energetic_inner,
              _cases_energetic_inner, rtol=1e-10, atol=1e-11),
]


def test_kernel_table_lists_every_kernel():
    # private helpers (_g, _lh_gh) are inlined into energetic_inner and tested through it
    assert [n for n in unlisted(KERNEL_REFERENCES, _ld_kernels) if not n.rsplit(".", 1)[1].startswith("_")] == []


def test_energetic_inner_kernel_matches_reference():
    check_kernel(KERNEL_REFERENCES[0])


def test_production_inner_rules():
    # the rules the saddle points use, against the converged trapezoid (unchanged to 4e-11 at four times the
    # nodes). Measured largest absolute errors over the five outputs: free centre (_SIDE_EDGES) 2.3e-12,
    # solution centre (_SIDE_C, 8-point panels) 8.0e-9 (case 4); the fine rule of the table: 2.3e-12 for both
    for n, c in enumerate(_cases_energetic_inner()):
        side = F._side_fractions(*F._SIDE_C) if c[8] else F._side_fractions()
        k = _ld_kernels.energetic_inner(*c[:10], *side)
        r = ref_energetic_inner(*c)
        tol = 2e-8 if c[8] else 1e-11
        for j in range(5):
            np.testing.assert_allclose(k[j], r[j], rtol=0, atol=tol, err_msg=f"case {n}, output {j}")


def test_negative_intervals():
    d = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    # crossings interpolated linearly in ln d; an interval open at the end of the grid ends at its last point
    got = F.negative_intervals(d, [1.0, -1.0, -1.0, 1.0, -1.0])
    assert got[0] == pytest.approx((np.sqrt(0.02), np.sqrt(0.12))) and got[1] == pytest.approx((np.sqrt(0.2), 0.5))
    # unsorted input is sorted first (values follow their d)
    assert np.allclose(F.negative_intervals(d[::-1], [-1.0, 1.0, -1.0, -1.0, 1.0]), got)
    assert F.negative_intervals(d, np.ones(5)) == []
    assert F.negative_intervals([0.1, 0.2, 0.3], [-1.0, np.nan, -1.0]) == [(0.1, 0.1), (0.3, 0.3)]

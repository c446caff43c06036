r"""Finite-y large deviations of the binary perceptron (robust ensemble, RS): internal and external entropy.

Full derivation: ``docs/theory/large_deviations.md``. The y → ∞ limit is :mod:`wfm.theory.large_deviations`.

What is computed (Baldassi, Ingrosso, Lucibello, Saglietti, Zecchina, PRL 115, 128101 (2015),
arXiv:1509.05753, centre constrained to be a solution; Baldassi et al., PNAS 113, E7655 (2016),
arXiv:1605.06444, "robust ensemble", centre unconstrained)
---------------------------------------------------------------------------------------------------------
For a centre :math:`\tilde W\in\{\pm1\}^N` let :math:`\mathcal N(\tilde W,d)` count the solutions
(:math:`\Delta^\mu > \kappa` for every pattern) at overlap :math:`p = 1-2d` with it. The large-deviation
free entropy at finite y is

.. math:: \phi(d;y) = \frac{1}{Ny}\,\mathbb E\ln\sum_{\tilde W}\mathbb X(\tilde W)\,\mathcal N(\tilde W,d)^y ,

with :math:`\mathbb X(\tilde W) = 1` (``centre="free"``) or the solution indicator (``centre="solution"``).
Its Legendre structure in y splits it as :math:`y\phi = \Sigma_{\rm ext} + y\,S_{\rm int}`:

* :math:`S_{\rm int}(d;y) = \partial(y\phi)/\partial y`: the local entropy :math:`\frac1N\ln\mathcal N` of the
  centres that dominate the measure (internal entropy);
* :math:`\Sigma_{\rm ext}(d;y) = y\phi - y S_{\rm int}`: the log-number (per N) of those centres (external
  entropy). It must be :math:`\ge 0` for typical samples; where the RS value is negative, the RS measure is
  not self-consistent (:attr:`LargeDeviationCurve.rs_valid`).

Focusing BP reports :math:`\phi - \gamma S` (its "Σ_int"): that is :math:`\phi = S_{\rm int} + \Sigma_{\rm ext}/y`
(``LargeDeviationCurve.phi``), to be compared at the same y.

RS saddle point (n → 0 groups, each a centre with y replicas; notation of the PRL 2015 supplement up to
names). Overlaps: :math:`q_1` (two replicas, same centre), :math:`q_0` (different centres),
:math:`p` (replica–own centre, fixed), :math:`R` (replica–other centre), :math:`Q` (two centres); conjugates
:math:`\hat q_1,\hat q_0,\hat p,\hat R,\hat Q`, :math:`\hat\pi = \hat p-\hat R`. Then
:math:`y\phi = \mathrm{extr}[G_0 + G_S + \alpha G_E]` with

.. math::
    G_0 = \frac{\hat Q}{2}(Q-1) - y\hat p p + y\hat R R - \frac{y(y-1)}{2}\hat q_1 q_1 + \frac{y^2}{2}\hat q_0 q_0
          - \frac y2\hat q_1,

.. math::
    G_S = \mathbb E_{\zeta,\zeta'}\ln\sum_{\tau=\pm1} e^{\tilde h\tau}\int D\eta\,
          \big[2\cosh(\sqrt{\hat q_0}\zeta + \sqrt{\hat q_1-\hat q_0}\,\eta + \hat\pi\tau)\big]^y ,
    \quad \tilde h = \frac{\hat R}{\sqrt{\hat q_0}}\zeta + \sqrt{\hat Q-\hat R^2/\hat q_0}\,\zeta',

.. math::
    G_E = \mathbb E_{A_0,B_0}\ln\int Dt\;H\Big(\frac{\kappa - B_0 - \sqrt{q_1-q_0}\,t}{\sqrt{1-q_1}}\Big)^y\,
          \Theta_c ,

where :math:`(A_0,B_0)` is Gaussian with covariance :math:`\begin{pmatrix}Q&R\\R&q_0\end{pmatrix}` and
:math:`\Theta_c = 1` for the free centre, :math:`\Theta_c = H\big(\frac{\kappa-A_0-\rho\sqrt{1-Q}\,t}
{\sqrt{(1-Q)(1-\rho^2)}}\big)`, :math:`\rho = \frac{p-R}{\sqrt{(1-Q)(q_1-q_0)}}`, for the solution centre (the
probability that the centre's own field exceeds κ). For the free centre the energetic term does not depend on
(Q, R, p), so :math:`\hat Q = \hat R = 0` and the problem has five order parameters.

Saddle-point equations (Gaussian integration by parts; ⟨·⟩ are the tilted measures of the inner integrals,
:math:`m = \tanh(\cdot)` the replica magnetization, :math:`\psi' = \frac{G}{H}(u)/\sqrt{1-q_1}` the replica
energetic field, :math:`\chi = \frac{G}{H}(v)/\sqrt{(1-Q)(1-\rho^2)}` the centre's):

* :math:`q_0 = \mathbb E\langle m\rangle^2,\; q_1 = \mathbb E\langle m^2\rangle,\; p = \mathbb E\langle\tau m\rangle,\;
  Q = \mathbb E\langle\tau\rangle^2,\; R = \mathbb E\langle\tau\rangle\langle m\rangle`;
* :math:`\hat q_0 = \alpha\mathbb E\langle\psi'\rangle^2,\; \hat q_1 = \alpha\mathbb E\langle\psi'^2\rangle,\;
  \hat Q = \alpha\mathbb E\langle\chi\rangle^2,\; \hat R = \alpha\mathbb E\langle\chi\rangle\langle\psi'\rangle`.

:math:`S_{\rm int}` is the explicit y-derivative of the bracket (envelope theorem):
:math:`S_{\rm int} = \partial_y G_0 + \mathbb E\langle\ln2\cosh\rangle + \alpha\,\mathbb E\langle\ln H\rangle`.

Limits (tested in ``tests/test_theory_ld_finite_y.py``): y = 1, free centre: :math:`y\phi = s_{RS}(\alpha) +
\mathcal H(d)` exactly (every pair solution–point at distance d counted once); y → ∞: :math:`S_{\rm int}`
and φ tend to :func:`wfm.theory.max_local_entropy`; y → 0, free centre: :math:`\Sigma_{\rm ext}\to\ln2`;
:math:`\hat p\to` its RS value (d → the top of the curve): :math:`S_{\rm int}\to s_{RS}`. Solution centre
(finite y): stationary in all nine order parameters and :math:`S_{\rm int} = \partial\Phi/\partial y` at y = 3,
its start is the RS point at the typical distance, its energetic term equals a brute-force quadrature; its
y → ∞ limit (:func:`wfm.theory.large_deviations.solution_centre_branch`) and y → 0 limit (the Franz–Parisi
potential) are not reached by the continuation (no start point at y = 10, lost at y ≤ 0.04).

Numerics (ours). Variables that stay finite as y → ∞: :math:`D_q = y(q_1-q_0)`, :math:`D_{\hat q} =
y(\hat q_1-\hat q_0)`, :math:`D_Q = y(1-Q)`; variances computed as centred second moments (no
cancellation). Inner η integral of the entropic term: trapezoid rule on a uniform grid covering
:math:`|\eta|\le y\sqrt{\hat q_1-\hat q_0}+9.5` (the tilted measure can be bimodal); inner integral of the
energetic term (log-concave): Gauss–Hermite rule centred on its mode and scaled by its curvature; ζ′
average of the solution-centre term: trapezoid in ζ′ when :math:`\sigma = \sqrt{\hat Q-\hat R^2/\hat q_0} < 1`,
else the piecewise-linear part in closed form plus the exponentially small remainder by Gauss–Legendre;
outer ζ integrals: the graded Gauss–Legendre rules of :mod:`wfm.theory.large_deviations`. Saddle points:
fixed-point form of the equations (hats from the energetic side, overlaps from the entropic side) solved
by Powell's hybrid method at fixed p, continued in ln d.
"""
from __future__ import annotations

import dataclasses
import functools
import warnings

import numpy as np
from scipy import optimize

from ..core.checks import check_choice, check_float
from . import _ld_kernels as _ldk
from ._continuation import secant_follow
from ._checks import ReplicaSymmetryWarning, SaddlePointWarning
from .fp_potential import geometric_bound
from .gaussian import G, H, gauss_hermite, log_2cosh, log_H_and_GH
from .large_deviations import _graded_rule, _t_root
from .perceptron import binary_rs

__all__ = [
    "LargeDeviationCurve",
    "large_deviation_curve",
    "large_deviation_free_entropy",
    "monotonicity_threshold_finite_y",
    "negative_intervals",
    "sigma_ext_infinity",
]

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_TOL = 1e-10
_RS_TOL = 1e-9      # tolerance of the RS self-consistency checks (the numbers are accurate to ~1e-9)
_N_GH = 32          # Gauss–Hermite nodes of the (mode-centred) energetic inner integral
_ETA_H = 0.35       # trapezoid spacing of the entropic inner integral (at most)
_ETA_PAD = 9.5      # the grid covers |η| <= y·B + pad: the tail beyond is < e^{-45} of the peak


# ----------------------------------------------------------------------------------------------
# quadrature rules
# ----------------------------------------------------------------------------------------------
_RULE = {"h_min": 1e-6, "growth": 1.5, "h_max": 0.5, "n_gl": 6}      # entropic ζ (sharp τ switch at ζ = 0, width ~ 1/y)
_RULE_E = {"h_min": 1e-4, "growth": 1.6, "h_max": 0.6, "n_gl": 5}    # energetic ζ (feature at t0 = 0, width ~ √(1-q1))


@functools.lru_cache(maxsize=64)
def _rule(center, half_line, h_min, growth, h_max, n_gl, reach=11.0):
    """Nodes/weights for ∫Dζ f(ζ) (or 2∫_0^∞ Dζ f, ``half_line``): Gauss–Legendre panels whose widths grow
    geometrically (factor ``growth``) from ``h_min`` at ``center`` up to ``h_max``, then stay at ``h_max`` out to
    ``reach`` (the Gaussian mass beyond 11 is < 1e-27). Weights include the density and sum to 1."""
    widths = [h_min]
    while widths[-1] * growth < h_max:
        widths.append(widths[-1] * growth)
    edges = np.concatenate([[0.0], np.cumsum(widths)])
    edges = np.concatenate([edges, np.arange(edges[-1] + h_max, reach + h_max, h_max)])
    t, wt = np.polynomial.legendre.leggauss(n_gl)
    a, b = edges[:-1, None], edges[1:, None]
    x = (0.5 * (a + b) + 0.5 * (b - a) * t).ravel()
    w = (0.5 * (b - a) * wt).ravel()
    if half_line:
        nodes, weights = x, w
    else:
        nodes = np.concatenate([center - x[::-1], center + x])
        weights = np.concatenate([w[::-1], w])
    weights = weights * np.exp(-0.5 * nodes * nodes)
    weights /= weights.sum()
    nodes.flags.writeable = False
    weights.flags.writeable = False
    return nodes, weights


def _zeta_half():
    return _rule(0.0, True, **_RULE)


def _zeta_full(center):
    return _rule(round(float(center), 3), False, **_RULE_E)


def _eta_grid(B, y):
    """Trapezoid nodes for ∫Dη f(η) with f ~ e^{y ln2cosh(a+Bη)}: nodes and log weights (with the density).

    Spacing min(0.35, π/(12B)): the integrand is analytic for |Im η| < π/(2B) (zeros of cosh), so the
    trapezoid error is below e^{-2π·6} relative; the log-density beyond |η| = yB decreases at least like
    a unit Gaussian (its second derivative is >= -1 and the slope is <= yB - |η|)."""
    if B <= 0.0:
        return np.zeros(1), np.zeros(1)
    h = min(_ETA_H, np.pi / (12.0 * B))
    n = int(np.ceil((y * B + _ETA_PAD) / h))
    eta = np.arange(-n, n + 1) * h
    return eta, np.log(h) - _LOG_SQRT_2PI - 0.5 * eta * eta


_SIDE_EDGES = (0.0, 0.005, 0.02, 0.06, 0.15, 0.35, 0.65, 1.0)  # panels on each side of the mode (fractions)
_SIDE_GL = 10
_DROP = 40.0                           # each side ends where the log-integrand has dropped by 40


@functools.lru_cache(maxsize=8)
def _side_fractions(edges=None, n_gl=None):
    t, wt = np.polynomial.legendre.leggauss(n_gl or _SIDE_GL)
    e = np.asarray(edges or _SIDE_EDGES)
    a, b = e[:-1, None], e[1:, None]
    return (0.5 * (a + b) + 0.5 * (b - a) * t).ravel(), (0.5 * (b - a) * wt).ravel()


def _concave_rule(gg, mode, side=(None, None)):
    """Nodes and weights for ∫ e^{g(x)} dx, g concave with g'' <= -1, one row per entry of ``mode``.

    Each side of the mode is cut where g has dropped by 40 (found by Newton from mode ± √80, where the drop
    is already >= 40 because g'' <= -1; Newton converges monotonically on a concave function) and integrated by
    Gauss–Legendre on panels graded towards the mode. ``gg(x)`` takes an array of shape (n, k) and returns
    (g, g'). Returns the nodes and the plain Gauss–Legendre weights (the integral is sum(w·exp(g(nodes))))."""
    m = mode[:, None]
    g_m = gg(m)[0]
    ends = []
    for sgn in (1.0, -1.0):
        x = m + sgn * np.sqrt(2.0 * _DROP)
        for _ in range(60):
            g, g1 = gg(x)
            step = (g - g_m + _DROP) / g1
            x = x - step
            if np.max(np.abs(step)) < 1e-6 * max(1.0, float(np.max(np.abs(x - m)))):
                break
        ends.append(np.abs(x - m))
    fr, wf = _side_fractions(*side)
    nodes = np.concatenate([m - ends[1] * fr[::-1], m + ends[0] * fr], axis=1)
    w = np.concatenate([ends[1] * wf[::-1], ends[0] * wf], axis=1)
    return nodes, w


@functools.lru_cache(maxsize=4)
def _remainder_rule():
    """Gauss–Legendre nodes on (0, 20] in panels (for the e^{-2|x|} remainders of ln2cosh, tanh, sech²)."""
    edges = np.array([0.0, 0.5, 1.5, 3.5, 7.0, 12.0, 20.0])
    t, wt = np.polynomial.legendre.leggauss(12)
    a, b = edges[:-1, None], edges[1:, None]
    x = (0.5 * (a + b) + 0.5 * (b - a) * t).ravel()
    w = (0.5 * (b - a) * wt).ravel()
    return x, w


def _tilt_averages(mu, sigma):
    r"""For :math:`x = \mu + \sigma\zeta'`: :math:`\mathbb E\tanh x`, :math:`\mathbb E\,\mathrm{sech}^2x`,
    :math:`\mathbb E\ln2\cosh x` (arrays over mu; sigma >= 0 scalar)."""
    mu = np.asarray(mu, dtype=float)
    if sigma == 0.0:
        th = np.tanh(mu)
        return th, 1.0 - th * th, log_2cosh(mu)
    if sigma < 1.0:
        zp = np.arange(-50, 51) * 0.2
        wp = np.exp(-0.5 * zp * zp)
        wp /= wp.sum()
        x = mu[..., None] + sigma * zp
        th = np.tanh(x)
        return th @ wp, (1.0 - th * th) @ wp, log_2cosh(x) @ wp
    # sigma >= 1: |x| and sign(x) in closed form, remainders (decaying like e^{-2|x|}) by Gauss–Legendre
    r = mu / sigma
    Hr, Gr = H(r), G(r)
    e_abs = mu * (1.0 - 2.0 * Hr) + 2.0 * sigma * Gr
    e_sign = 1.0 - 2.0 * Hr
    x, w = _remainder_rule()
    e2 = np.exp(-2.0 * x)
    r_lc = np.log1p(e2)                       # ln2cosh|x| - |x|
    r_th = -2.0 * e2 / (1.0 + e2)             # tanh|x| - 1
    r_s2 = 4.0 * e2 / (1.0 + e2) ** 2         # sech² x
    dens_p = np.exp(-0.5 * ((x - mu[..., None]) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi)) * w
    dens_m = np.exp(-0.5 * ((-x - mu[..., None]) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi)) * w
    th = e_sign + dens_p @ r_th - dens_m @ r_th
    s2 = (dens_p + dens_m) @ r_s2
    lc = e_abs + (dens_p + dens_m) @ r_lc
    return th, s2, lc


# ----------------------------------------------------------------------------------------------
# entropic term
# ----------------------------------------------------------------------------------------------
def _entropic(q0_hat, Dq_hat, p_hat, y, Q_hat=0.0, R_hat=0.0):
    r"""G_S and its saddle-point outputs. Free centre: Q̂ = R̂ = 0.

    Returns dict: G (= G_S), q0, Dq (= y(q1-q0)), q1, p, Q, DQ (= y(1-Q)), R, L (= E⟨ln2cosh⟩)."""
    z, wz = _zeta_half()  # (ζ, ζ', η, τ) -> -(ζ, ζ', η, τ) leaves everything invariant: ζ >= 0, doubled weights
    sq = np.sqrt(max(q0_hat, 0.0))
    B = np.sqrt(max(Dq_hat, 0.0) / y)
    pi_hat = p_hat - R_hat
    eta, lq = _eta_grid(B, y)
    tau = np.array([1.0, -1.0])[:, None, None]
    X = sq * z[None, :, None] + pi_hat * tau + B * eta
    lw = lq + y * log_2cosh(X)
    mx = lw.max(axis=2, keepdims=True)
    e = np.exp(lw - mx)
    Zs = e.sum(axis=2, keepdims=True)
    w = e / Zs
    lnZ = (np.log(Zs) + mx)[..., 0]            # (2, nz): ln Z_τ(ζ)
    m = np.tanh(X)
    m_t = (w * m).sum(axis=2)                   # ⟨m⟩ given τ
    v_t = (w * (m - m_t[..., None]) ** 2).sum(axis=2)
    l_t = (w * log_2cosh(X)).sum(axis=2)
    lam = 0.5 * (lnZ[0] - lnZ[1])
    if Q_hat > 0.0 and q0_hat > 0.0:
        mu = (R_hat / sq) * z + lam
        sigma = np.sqrt(max(Q_hat - R_hat * R_hat / q0_hat, 0.0))
    else:
        mu, sigma = lam, 0.0
    T1, S2, LC = _tilt_averages(mu, sigma)    # E tanh, E sech², E ln2cosh over ζ'
    T2 = 1.0 - S2
    M, D = 0.5 * (m_t[0] + m_t[1]), 0.5 * (m_t[0] - m_t[1])
    out = {"G": wz @ (0.5 * (lnZ[0] + lnZ[1]) + LC)}
    out["q0"] = wz @ (M * M + 2.0 * M * D * T1 + D * D * T2)
    var = 0.5 * (v_t[0] + v_t[1]) + 0.5 * T1 * (v_t[0] - v_t[1]) + S2 * D * D
    out["Dq"] = y * (wz @ var)
    out["q1"] = out["q0"] + out["Dq"] / y
    out["p"] = wz @ (D + T1 * M)
    out["Q"] = wz @ T2
    out["DQ"] = y * (wz @ S2)
    out["R"] = wz @ (T1 * M + T2 * D)
    out["L"] = wz @ (0.5 * (l_t[0] + l_t[1]) + 0.5 * T1 * (l_t[0] - l_t[1]))
    return out


# ----------------------------------------------------------------------------------------------
# energetic terms
# ----------------------------------------------------------------------------------------------
def _energetic_free_numpy(q0, Dq, y, kappa):
    r"""G_E for the free centre, :math:`\mathbb E_\zeta\ln\int D\eta\,H(t)^y`,
    :math:`t = (\kappa-\sqrt{q_0}\zeta-\sqrt{q_1-q_0}\,\eta)/\sqrt{1-q_1}`; the η integrand is log-concave,
    with its mode at :math:`t^* + \frac{D_q}{1-q_1}\frac GH(t^*) = t_0`: :func:`_concave_rule`.

    Returns dict: G, q0h (= q̂0/α), Dqh (= y(q̂1-q̂0)/α), L (= E⟨ln H⟩)."""
    z, wz = _zeta_full(kappa / np.sqrt(q0))
    dq = Dq / y
    q1 = q0 + dq
    sd = np.sqrt(1.0 - q1)
    t0 = (kappa - np.sqrt(q0) * z) / sd
    c2 = Dq / (1.0 - q1)
    ts = _t_root(t0, c2)
    c = np.sqrt(dq / (1.0 - q1))
    eta_s = (t0 - ts) / c
    t0c = t0[:, None]

    def gg(eta):
        lh, gh = log_H_and_GH(t0c - c * eta)
        return -0.5 * eta * eta + y * lh, -eta + y * c * gh

    eta, wq = _concave_rule(gg, eta_s)
    lh, g = log_H_and_GH(t0c - c * eta)
    lw = np.log(wq) - 0.5 * eta * eta - _LOG_SQRT_2PI + y * lh
    mx = lw.max(axis=1, keepdims=True)
    e = np.exp(lw - mx)
    Zs = e.sum(axis=1, keepdims=True)
    w = e / Zs
    lnZ = (np.log(Zs) + mx)[:, 0]
    f1 = g / sd                                  # ψ' = (G/H)(t)/√(1-q1)
    m1 = (w * f1).sum(axis=1)
    var = (w * (f1 - m1[:, None]) ** 2).sum(axis=1)
    return {"G": wz @ lnZ, "q0h": wz @ (m1 * m1), "Dqh": y * (wz @ var), "L": wz @ (w * lh).sum(axis=1)}


def _graded_rows(c, n_panels=24, n_gl=5, h_min=1e-5, reach=11.0):
    """Per-row rules for ∫Dη f(η) on [-reach, reach] with panels graded geometrically towards c (one row per
    entry of c, c clipped to ±(reach-1)). Returns nodes and normalized weights, shape (len(c), n)."""
    c = np.clip(np.asarray(c, dtype=float), -(reach - 1.0), reach - 1.0)[:, None]
    g = np.concatenate([[0.0], np.geomspace(h_min, 1.0, n_panels)])      # 0 = c, 1 = the end of the line
    right = c + (reach - c) * g
    left = c - (reach + c) * g
    t, wt = np.polynomial.legendre.leggauss(n_gl)
    nodes, weights = [], []
    for e in (right, left):
        a, b = e[:, :-1, None], e[:, 1:, None]
        nodes.append((0.5 * (a + b) + 0.5 * (b - a) * t).reshape(len(c), -1))
        weights.append((0.5 * np.abs(b - a) * wt).reshape(len(c), -1))
    x = np.concatenate(nodes, axis=1)
    w = np.concatenate(weights, axis=1) * np.exp(-0.5 * x * x)
    return x, w / w.sum(axis=1, keepdims=True)


_RULE_C = {"growth": 1.6, "h_max": 0.6, "n_gl": 4}                  # solution centre: outer z (h_min adapted)
_ROWS_C = {"n_panels": 24, "n_gl": 6}                              # solution centre: outer η0 per z (graded)
_SIDE_C = ((0.0, 0.01, 0.05, 0.15, 0.4, 1.0), 8)                  # solution centre: inner t


def _outer_2d(Q, R, q0, kappa, w_a, w_b):
    """Nodes (A0, B0) and weights for E over the Gaussian pair of covariance [[Q, R], [R, q0]]:
    A0 = √Q z, B0 = (R/√Q) z + s η0. The z rule is graded at A0 = κ down to panels of 0.1·w_a/√Q, the η0 rule
    (per z) at B0 = κ down to 0.1·w_b/s (w_a, w_b: the widths of the centre's and the replicas' threshold
    features)."""
    r = dict(_RULE_C)
    r["h_min"] = float(min(r["h_max"] / 2, max(1e-6, float(f"{0.1 * w_a / np.sqrt(Q):.2g}"))))
    z, wz = _rule(round(float(kappa / np.sqrt(Q)), 3), False, **r)
    s = np.sqrt(max(q0 - R * R / Q, 1e-300))
    h_b = min(0.1, max(1e-6, 0.1 * w_b / s))
    eta0, wrow = _graded_rows((kappa - (R / np.sqrt(Q)) * z) / s, h_min=h_b / 11.0, **_ROWS_C)
    A0 = np.broadcast_to(np.sqrt(Q) * z[:, None], eta0.shape)
    B0 = (R / np.sqrt(Q)) * z[:, None] + s * eta0
    return A0.ravel(), B0.ravel(), (wz[:, None] * wrow).ravel()


def _energetic_solution_numpy(q0, Dq, Q, R, p, y, kappa):
    r"""G_E for the centre constrained to be a solution:
    :math:`\mathbb E_{A_0,B_0}\ln\int Dt\,e^{y\psi(B_0+\sqrt{\delta q}t)}H(v(t))` (module docstring). The t
    integral is log-concave: Gauss–Hermite centred on its mode (safeguarded Newton) and scaled by the
    curvature there.

    Returns dict: G, q0h, Dqh, Qh, Rh (the hats divided by α), L (= E⟨ln H⟩)."""
    dq = Dq / y
    q1 = q0 + dq
    sd = np.sqrt(1.0 - q1)
    one_Q = 1.0 - Q
    rho = (p - R) / np.sqrt(one_Q * dq)
    sv = np.sqrt(one_Q * (1.0 - rho * rho))
    a = rho / np.sqrt(1.0 - rho * rho)            # v = (κ - A0)/sv - a t
    A0, B0, wo = _outer_2d(Q, R, q0, kappa, sv, sd)
    sqdq = np.sqrt(dq)

    def parts(t):
        sh = (-1,) + (1,) * (np.ndim(t) - 1)
        return (kappa - B0.reshape(sh) - sqdq * t) / sd, (kappa - A0.reshape(sh)) / sv - a * t

    # mode of g(t) = -t²/2 + y lnH(u) + lnH(v): g' = -t + y√δq (G/H)(u)/sd + a (G/H)(v) is decreasing
    # (g'' <= -1): bracket the root by doubling, then Newton safeguarded by bisection
    def gprime(t):
        u, v = parts(t)
        _, gu = log_H_and_GH(u)
        _, gv = log_H_and_GH(v)
        g1 = -t + y * sqdq * gu / sd + a * gv
        g2 = -1.0 - y * dq * gu * (gu - u) / (sd * sd) - a * a * gv * (gv - v)
        return g1, g2

    lo = -np.ones_like(A0)
    hi = np.ones_like(A0)
    for _ in range(200):
        g_lo, _ = gprime(lo)
        g_hi, _ = gprime(hi)
        bad_lo, bad_hi = g_lo < 0, g_hi > 0
        if not (bad_lo.any() or bad_hi.any()):
            break
        lo = np.where(bad_lo, 2.0 * lo, lo)
        hi = np.where(bad_hi, 2.0 * hi, hi)
    t = 0.5 * (lo + hi)
    for _ in range(100):
        g1, g2 = gprime(t)
        lo = np.where(g1 > 0, t, lo)
        hi = np.where(g1 > 0, hi, t)
        tn = t - g1 / g2
        out_of = (tn <= lo) | (tn >= hi)
        tn = np.where(out_of, 0.5 * (lo + hi), tn)
        step = np.abs(tn - t)
        t = tn
        if np.max(step / np.maximum(1.0, np.abs(t))) < 1e-14:
            break
    tc = t

    def gg(tt):
        u, v = parts(tt)
        lhu, gu = log_H_and_GH(u)
        lhv, gv = log_H_and_GH(v)
        return -0.5 * tt * tt + y * lhu + lhv, -tt + y * sqdq * gu / sd + a * gv

    tt, wq = _concave_rule(gg, tc, _SIDE_C)
    u, v = parts(tt)
    lhu, gu = log_H_and_GH(u)
    lhv, gv = log_H_and_GH(v)
    lw = np.log(wq) - 0.5 * tt * tt - _LOG_SQRT_2PI + y * lhu + lhv
    mx = lw.max(axis=1, keepdims=True)
    e = np.exp(lw - mx)
    Zs = e.sum(axis=1, keepdims=True)
    w = e / Zs
    lnZ = (np.log(Zs) + mx)[:, 0]
    f1 = gu / sd
    m1 = (w * f1).sum(axis=1)
    var = (w * (f1 - m1[:, None]) ** 2).sum(axis=1)
    chi = (w * gv).sum(axis=1) / sv
    return {"G": wo @ lnZ, "q0h": wo @ (m1 * m1), "Dqh": y * (wo @ var), "Qh": wo @ (chi * chi), "Rh": wo @ (chi * m1),
                "L": wo @ (w * lhu).sum(axis=1)}


def _energetic_free(q0, Dq, y, kappa):
    """:func:`_energetic_free_numpy` through the Numba kernel (same rule, same nodes)."""
    z, wz = _zeta_full(kappa / np.sqrt(q0))
    dq = Dq / y
    q1 = q0 + dq
    sd = np.sqrt(1.0 - q1)
    t0 = (kappa - np.sqrt(q0) * z) / sd
    ts = _t_root(t0, Dq / (1.0 - q1))
    eta_s = (t0 - ts) / np.sqrt(dq / (1.0 - q1))
    fr, wf = _side_fractions()
    B0 = np.sqrt(q0) * z
    lnZ, m1, var, lav, _ = _ldk.energetic_inner(B0, B0, kappa, y, sd, np.sqrt(dq), 1.0, 0.0, False, eta_s, fr, wf)
    return {"G": wz @ lnZ, "q0h": wz @ (m1 * m1), "Dqh": y * (wz @ var), "L": wz @ lav}


def _energetic_solution(q0, Dq, Q, R, p, y, kappa):
    """:func:`_energetic_solution_numpy` through the Numba kernel (same rule, same nodes)."""
    dq = Dq / y
    q1 = q0 + dq
    sd = np.sqrt(1.0 - q1)
    one_Q = 1.0 - Q
    rho = (p - R) / np.sqrt(one_Q * dq)
    sv = np.sqrt(one_Q * (1.0 - rho * rho))
    a = rho / np.sqrt(1.0 - rho * rho)
    A0, B0, wo = _outer_2d(Q, R, q0, kappa, sv, sd)
    fr, wf = _side_fractions(*_SIDE_C)
    lnZ, m1, var, lav, gv = _ldk.energetic_inner(np.ascontiguousarray(A0), np.ascontiguousarray(B0), kappa, y, sd,
                                                 np.sqrt(dq), sv, a, True, np.zeros(A0.size), fr, wf)
    chi = gv / sv
    return {"G": wo @ lnZ, "q0h": wo @ (m1 * m1), "Dqh": y * (wo @ var), "Qh": wo @ (chi * chi), "Rh": wo @ (chi * m1), "L": wo @ lav}


# ----------------------------------------------------------------------------------------------
# the bracket
# ----------------------------------------------------------------------------------------------
def _g0(y, p, q0, Dq, q0h, Dqh, ph, DQ=0.0, R=0.0, Qh=0.0, Rh=0.0):
    """G_0 (total, not per y) in the finite-as-y->∞ variables, and its explicit y-derivative at fixed
    (q0, q1, q̂0, q̂1, Q) (no O(y²) cancellations)."""
    X = q0h * Dq + Dqh * q0
    g0 = (-y * ph * p + y * Rh * R - 0.5 * Qh * DQ / y - 0.5 * y * q0h * (1.0 - q0) - 0.5 * (y - 1.0) * X
          - 0.5 * (y - 1.0) / y * Dqh * Dq - 0.5 * Dqh)
    dg0 = (-ph * p + Rh * R - 0.5 * q0h * (1.0 - q0) - (1.0 - 0.5 / y) * X - (2.0 * y - 1.0) / (2.0 * y * y) * Dqh * Dq
           - 0.5 * Dqh / y)
    return g0, dg0


def large_deviation_free_entropy(alpha, p, y, q0, q1, q0_hat, q1_hat, p_hat, Q=None, R=None, Q_hat=0.0, R_hat=0.0,
                                 kappa=0.0):
    r"""The finite-y RS bracket before extremization, per replica: :math:`\phi = (G_0 + G_S + \alpha G_E)/y`
    (module docstring), in the original order parameters. ``Q is None`` selects the free centre (then
    ``Q_hat = R_hat = 0``). Used to test stationarity by finite differences and
    :math:`\partial(y\phi)/\partial y = S_{\rm int}`. Returns ``(phi, S_int)``, the explicit y-derivative
    :math:`S_{\rm int} = \partial_y(y\phi)` at fixed order parameters (equal to the total derivative at a
    saddle point)."""
    Dq, Dqh = y * (q1 - q0), y * (q1_hat - q0_hat)
    es = _entropic(q0_hat, Dqh, p_hat, y, Q_hat, R_hat)
    if Q is None:
        ee = _energetic_free(q0, Dq, y, kappa)
        g0, dg0 = _g0(y, p, q0, Dq, q0_hat, Dqh, p_hat)
    else:
        ee = _energetic_solution(q0, Dq, Q, R, p, y, kappa)
        g0, dg0 = _g0(y, p, q0, Dq, q0_hat, Dqh, p_hat, y * (1.0 - Q), R, Q_hat, R_hat)
    phi_tot = g0 + es["G"] + alpha * ee["G"]
    return phi_tot / y, dg0 + es["L"] + alpha * ee["L"]


# ----------------------------------------------------------------------------------------------
# saddle point at fixed (p, y): problems
# ----------------------------------------------------------------------------------------------
def _hats_ok(q0h, Dqh, y):
    """Trial points of the root finder with absurd conjugates (an η grid of more than 6000 nodes) are
    rejected (returned as a large residual), never accepted as solutions."""
    if not (np.isfinite(q0h) and np.isfinite(Dqh) and Dqh >= 0):
        return False
    B = np.sqrt(Dqh / y)
    return bool(B == 0 or (y * B + _ETA_PAD) / min(_ETA_H, np.pi / (12.0 * B)) < 3000)


class _Free:
    """Centre unconstrained. Unknowns x = (logit q0, ln D_q, p̂); residuals from the fixed-point map
    (q0, D_q) -> (q̂0, D_q̂) (energetic side) -> (q0, D_q, p) (entropic side)."""

    centre = "free"
    n = 3

    def __init__(self, alpha, kappa, y):
        self.alpha, self.kappa, self.y = alpha, kappa, y

    def unpack(self, x):
        q0 = 1.0 / (1.0 + np.exp(-x[0]))
        Dq = np.exp(x[1])
        ok = bool(np.isfinite(Dq) and 0.0 < q0 and q0 + Dq / self.y < 1.0)
        return {"q0": q0, "Dq": Dq, "p_hat": float(x[2])}, ok

    def _terms(self, v, ee=None):
        if ee is None:
            ee = _energetic_free(v["q0"], v["Dq"], self.y, self.kappa)
        q0h, Dqh = self.alpha * ee["q0h"], self.alpha * ee["Dqh"]
        es = _entropic(q0h, Dqh, v["p_hat"], self.y)
        return ee, es, {"q0_hat": q0h, "Dq_hat": Dqh}

    def residual(self, x, p):
        return self.evaluate(x, p)[0]

    def evaluate(self, x, p):
        """(residual, record) in one pass; record is None at an invalid point."""
        bad = np.full(self.n, 1e3), None
        v, ok = self.unpack(x)
        if not ok:
            return bad
        ee = _energetic_free(v["q0"], v["Dq"], self.y, self.kappa)
        if not _hats_ok(self.alpha * ee["q0h"], self.alpha * ee["Dqh"], self.y):
            return bad
        ee, es, h = self._terms(v, ee)
        if not (es["Dq"] > 0 and np.isfinite(es["G"])):
            return bad
        res = np.array([(es["q0"] - v["q0"]) / (1.0 - v["q0"]), np.log(es["Dq"] / v["Dq"]), es["p"] - p])
        return res, self._record(v, p, ee, es, h)

    def record(self, x, p):
        v, _ = self.unpack(x)
        ee, es, h = self._terms(v)
        return self._record(v, p, ee, es, h)

    def _record(self, v, p, ee, es, h):
        y = self.y
        g0, dg0 = _g0(y, p, v["q0"], v["Dq"], h["q0_hat"], h["Dq_hat"], v["p_hat"])
        phi_tot = g0 + es["G"] + self.alpha * ee["G"]
        s_int = dg0 + es["L"] + self.alpha * ee["L"]
        return {"p": p, "q0": v["q0"], "q1": v["q0"] + v["Dq"] / y, "Dq": v["Dq"], "q0_hat": h["q0_hat"],
                    "q1_hat": h["q0_hat"] + h["Dq_hat"] / y, "Dq_hat": h["Dq_hat"], "p_hat": v["p_hat"], "Q": es["Q"], "R": es["R"],
                    "Q_hat": 0.0, "R_hat": 0.0, "phi": phi_tot / y, "S_int": s_int, "Sigma_ext": phi_tot - y * s_int}

    def start(self):
        """A point near d = 1/2: fixed p̂ = 0.05/max(y, 1) from the RS pair (D_q ≈ y p̂² E(1-m²)²)."""
        rs = binary_rs(self.alpha, self.kappa)
        ph = 0.05 / max(self.y, 1.0)
        x0 = np.array([np.log(rs.q / (1.0 - rs.q)), np.log(0.3 * self.y * ph * ph)])

        def res(x2):
            return self.residual(np.r_[x2, ph], 0.0)[:2]

        sol = optimize.root(res, x0, method="hybr", options={"xtol": 1e-13})
        if np.max(np.abs(sol.fun)) > _TOL:  # pragma: no cover - guard
            raise RuntimeError(f"large_deviation_curve: no start point (residual {np.max(np.abs(sol.fun)):.2g})")
        x = np.r_[sol.x, ph]
        v, _ = self.unpack(x)
        _, es, _ = self._terms(v)
        return x, float(es["p"])


class _Solution:
    """Centre constrained to be a solution. Unknowns x = (logit q0, ln D_q, ln D_Q, atanh ρ, p̂) with
    D_Q = y(1-Q), R = p - ρ√(D_Q D_q)/y (so that the level-1 covariance stays positive); residuals from the map
    (q0, D_q, Q, R) -> (q̂0, D_q̂, Q̂, R̂) (energetic side) -> (q0, D_q, Q, R, p) (entropic side)."""

    centre = "solution"
    n = 5

    def __init__(self, alpha, kappa, y):
        self.alpha, self.kappa, self.y = alpha, kappa, y

    def unpack(self, x, p):
        y = self.y
        q0 = 1.0 / (1.0 + np.exp(-x[0]))
        Dq, DQ = np.exp(x[1]), np.exp(x[2])
        rho = np.tanh(x[3])
        Q = 1.0 - DQ / y
        R = p - rho * np.sqrt(DQ * Dq) / y
        ok = bool(np.isfinite(Dq) and np.isfinite(DQ) and 0.0 < q0 and q0 + Dq / y < 1.0 and 0.0 < Q < 1.0
                  and R * R < Q * q0 and abs(rho) < 1.0)
        return {"q0": q0, "Dq": Dq, "DQ": DQ, "Q": Q, "R": R, "rho": rho, "p_hat": float(x[4])}, ok

    def _terms(self, v, p, ee=None):
        if ee is None:
            ee = _energetic_solution(v["q0"], v["Dq"], v["Q"], v["R"], p, self.y, self.kappa)
        a = self.alpha
        h = {"q0_hat": a * ee["q0h"], "Dq_hat": a * ee["Dqh"], "Q_hat": a * ee["Qh"], "R_hat": a * ee["Rh"]}
        es = _entropic(h["q0_hat"], h["Dq_hat"], v["p_hat"], self.y, h["Q_hat"], h["R_hat"])
        return ee, es, h

    def residual(self, x, p):
        v, ok = self.unpack(x, p)
        if not ok:
            return np.full(self.n, 1e3)
        ee = _energetic_solution(v["q0"], v["Dq"], v["Q"], v["R"], p, self.y, self.kappa)
        if not (_hats_ok(self.alpha * ee["q0h"], self.alpha * ee["Dqh"], self.y) and np.isfinite(ee["Qh"])
                and self.alpha * ee["Qh"] * v["q0"] >= 0):
            return np.full(self.n, 1e3)
        _, es, _ = self._terms(v, p, ee)
        if not (es["Dq"] > 0 and es["DQ"] > 0 and np.isfinite(es["G"])):
            return np.full(self.n, 1e3)
        y = self.y
        return np.array([(es["q0"] - v["q0"]) / (1.0 - v["q0"]), np.log(es["Dq"] / v["Dq"]), np.log(es["DQ"] / v["DQ"]),
                         (es["R"] - v["R"]) * y / np.sqrt(v["DQ"] * v["Dq"]), es["p"] - p])

    def record(self, x, p):
        v, _ = self.unpack(x, p)
        ee, es, h = self._terms(v, p)
        y = self.y
        g0, dg0 = _g0(y, p, v["q0"], v["Dq"], h["q0_hat"], h["Dq_hat"], v["p_hat"], v["DQ"], v["R"], h["Q_hat"],
                      h["R_hat"])
        phi_tot = g0 + es["G"] + self.alpha * ee["G"]
        s_int = dg0 + es["L"] + self.alpha * ee["L"]
        return {"p": p, "q0": v["q0"], "q1": v["q0"] + v["Dq"] / y, "Dq": v["Dq"], "q0_hat": h["q0_hat"],
                    "q1_hat": h["q0_hat"] + h["Dq_hat"] / y, "Dq_hat": h["Dq_hat"], "p_hat": v["p_hat"], "Q": v["Q"], "R": v["R"],
                    "Q_hat": h["Q_hat"], "R_hat": h["R_hat"], "phi": phi_tot / y, "S_int": s_int, "Sigma_ext": phi_tot - y * s_int}

    def start(self, eps=0.05):
        """Near the RS point (every replica and the centre a typical solution: p = Q = R = q0 = q1 = q_RS, all
        conjugates q̂_RS, π̂ = p̂ - R̂ = 0; S_int = s_RS, Σ_ext = s_RS): solved at fixed π̂ = eps, with p among the
        unknowns, from the first-order guess (m = tanh(√q̂ζ)) p - q ≈ eps·E(1-m²)², q1 - q0 ≈ eps²·E(1-m²)³,
        ρ ≈ E(1-m²)²/√(E(1-m²)·E(1-m²)³)."""
        rs = binary_rs(self.alpha, self.kappa)
        q, qh, y = rs.q, rs.q_hat, self.y
        z, w = gauss_hermite(201)
        c = 1.0 - np.tanh(np.sqrt(qh) * z) ** 2
        e1, e2, e3 = w @ c, w @ c ** 2, w @ c ** 3

        def res(u):
            p = u[4]
            x = np.r_[u[:4], 0.0]
            v, ok = self.unpack(x, p)
            if not ok:
                return np.full(5, 1e3)
            ee = _energetic_solution(v["q0"], v["Dq"], v["Q"], v["R"], p, y, self.kappa)
            v["p_hat"] = self.alpha * ee["Rh"] + eps
            _, es, _ = self._terms(v, p, ee)
            if not (es["Dq"] > 0 and es["DQ"] > 0):
                return np.full(5, 1e3)
            return np.array([(es["q0"] - v["q0"]) / (1.0 - v["q0"]), np.log(es["Dq"] / v["Dq"]),
                             np.log(es["DQ"] / v["DQ"]), (es["R"] - v["R"]) * y / np.sqrt(v["DQ"] * v["Dq"]),
                             es["p"] - p])

        q0 = q + 0.3 * eps * e2  # keeps R² < Q q0 in the guess (R ≈ q + 0.1 eps e2 with ρ = 0.9 ρ_0)
        u0 = np.array([np.log(q0 / (1.0 - q0)), np.log(y * eps * eps * e3), np.log(y * (1.0 - q)),
                       np.arctanh(0.9 * e2 / np.sqrt(e1 * e3)), q + eps * e2])
        sol = optimize.root(res, u0, method="hybr", options={"xtol": 1e-13})
        if np.max(np.abs(sol.fun)) > _TOL:  # pragma: no cover - guard
            raise RuntimeError("large_deviation_curve(centre='solution'): no start point "
                               f"(residual {np.max(np.abs(sol.fun)):.2g})")
        p = float(sol.x[4])
        v, _ = self.unpack(np.r_[sol.x[:4], 0.0], p)
        ee = _energetic_solution(v["q0"], v["Dq"], v["Q"], v["R"], p, y, self.kappa)
        return np.r_[sol.x[:4], self.alpha * ee["Rh"] + eps], p


# ----------------------------------------------------------------------------------------------
# continuation in d
# ----------------------------------------------------------------------------------------------
def _fd_jacobian(f, x, fx):
    J = np.empty((fx.size, x.size))
    for k in range(x.size):
        h = 1e-6 * max(1.0, abs(x[k]))
        e = x.copy()
        e[k] += h
        J[:, k] = (f(e) - fx) / h
    return J


def _broyden(f, x, J=None, max_iter=30):
    """Newton's method with Broyden updates of the Jacobian and a backtracking line search on max|f|.
    J (e.g. carried along a continuation) is recomputed by forward differences at the start if None and
    once more if a step fails. Returns (x, ok, max|f|, J)."""
    fx = f(x)
    if not np.all(np.isfinite(fx)) or np.max(np.abs(fx)) >= 1e3:
        return x, False, np.inf, J
    if J is None:
        J = _fd_jacobian(f, x, fx)
    fresh = J is not None
    r = float(np.max(np.abs(fx)))
    for _ in range(max_iter):
        if r < _TOL:
            return x, True, r, J
        try:
            dx = -np.linalg.solve(J, fx)
        except np.linalg.LinAlgError:
            dx = -np.linalg.lstsq(J, fx, rcond=None)[0]
        lam, accepted = 1.0, False
        while lam >= 1.0 / 16:
            xn = x + lam * dx
            fn = f(xn)
            rn = float(np.max(np.abs(fn)))
            if np.all(np.isfinite(fn)) and rn < r:
                accepted = True
                break
            lam *= 0.5
        if not accepted:
            if fresh:
                return x, False, r, J
            J, fresh = _fd_jacobian(f, x, fx), True
            continue
        s_ = xn - x
        J = J + np.outer(fn - fx - J @ s_, s_) / (s_ @ s_)
        x, fx, r, fresh = xn, fn, rn, False
    return x, r < _TOL, r, J


def _solve(prob, x, p):
    """Saddle point at fixed p from the guess x: Newton–Broyden with the Jacobian left on ``prob`` by the previous
    solve (continuations), else Powell's hybrid method. Returns (x, ok, max|residual|)."""
    def f(v):
        return prob.residual(v, p)

    xs, ok, res, J = _broyden(f, np.asarray(x, dtype=float), getattr(prob, "_J", None))
    if ok and np.all(np.isfinite(xs)):
        prob._J = J
        return xs, True, res
    sol = optimize.root(prob.residual, x, args=(p,), method="hybr", options={"xtol": 1e-13})
    res = float(np.max(np.abs(sol.fun)))
    ok = bool(res < _TOL and np.all(np.isfinite(sol.x)))
    if ok:
        prob._J = None  # stale: let the next solve rebuild it
    return sol.x, ok, res


def _u_of_d(d):
    """Continuation variable u = ln(d/(1-2d)): ~ ln d as d -> 0 and ~ -ln p as d -> 1/2, so equal steps in u
    are relative steps in d at small d and in p = 1-2d near the top of the free-centre curve."""
    return np.log(d / (1.0 - 2.0 * d))


def _d_of_u(u):
    e = np.exp(u)
    return e / (1.0 + 2.0 * e)


def _follow(prob, x, d_from, targets, h_max=0.3):
    """Continue the saddle point x (solved at d_from) through the monotone sequence ``targets``, stepping
    adaptively in u = ln(d/(1-2d)) with a secant predictor (:func:`wfm.theory._continuation.secant_follow`).
    Returns the solutions at the targets (None once lost)."""
    def solve(u, guess, warm):
        return _solve(prob, guess, 1.0 - 2.0 * _d_of_u(u))

    out, u_cur, prev = [], _u_of_d(d_from), None
    for d_t in targets:
        x, u_cur, prev, _, reached = secant_follow(solve, x, u_cur, _u_of_d(d_t), h_max=h_max, prev=prev)
        if not reached:
            out.extend([None] * (len(targets) - len(out)))
            break
        out.append(x.copy())
    return out


# ----------------------------------------------------------------------------------------------
# y -> ∞: the O(1) term of yφ, i.e. Σ_ext(∞)
# ----------------------------------------------------------------------------------------------
def sigma_ext_infinity(alpha, p, q, dq, q_hat, dq_hat, pi_hat, kappa=0.0):
    r"""The external entropy at y → ∞ (free centre), in closed form from the y → ∞ saddle point of
    :func:`wfm.theory.max_local_entropy` (its ``q, dq, q_hat, dq_hat, pi_hat``).

    With :math:`y\phi = y F_\infty(\theta) + F_0(\theta) + O(1/y)` at fixed scaled order parameters θ,
    :math:`\Sigma_{\rm ext} = y\phi - y\,\partial_y(y\phi)\to F_0(\theta_\infty)` (the shift of θ with y does not
    contribute, by stationarity). The O(1) terms are: from :math:`G_0`,
    :math:`\frac12(\hat q\,\delta q + \delta\hat q\,q) - \frac12\delta\hat q\,\delta q - \frac12\delta\hat q`; from the
    Laplace integrals, the Gaussian fluctuation factors :math:`-\frac12\ln c`, with
    :math:`c_S = 1-\delta\hat q\,(1-\tanh^2x^*)` (entropic, at the maximizer :math:`x^*` of the y → ∞ bracket) and
    :math:`c_E = 1 + \frac{\delta q}{1-q}\frac GH(t^*)\big(\frac GH(t^*)-t^*\big)` (energetic); and from
    :math:`1-q_1 = 1-q-\delta q/y` in the energetic denominator, :math:`-\frac{\delta q}{2(1-q)}\,t^*\frac GH(t^*)`.
    Derivation: ``docs/theory/large_deviations.md``; checked against the finite-y curves extrapolated in 1/y.
    """
    from .large_deviations import _psi_abs

    z, w = _graded_rule(0.0, True)
    _, th = _psi_abs(np.abs(np.sqrt(q_hat) * z + pi_hat), dq_hat)  # (π̂ < 0: the maximizer for τ = sign ζ)
    f_s = w @ (-0.5 * np.log(1.0 - dq_hat * (1.0 - th * th)))
    ze, we = _graded_rule(round(kappa / np.sqrt(q), 3), False)
    c = dq / (1.0 - q)
    t = _t_root((kappa - np.sqrt(q) * ze) / np.sqrt(1.0 - q), c)
    _, gh = log_H_and_GH(t)
    f_e = we @ (-0.5 * np.log(1.0 + c * gh * (gh - t)) - 0.5 * c * t * gh)
    f_0 = 0.5 * (q_hat * dq + dq_hat * q) - 0.5 * dq_hat * dq - 0.5 * dq_hat
    return float(f_0 + f_s + alpha * f_e)


# ----------------------------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------------------------
_FIELDS = ("S_int", "Sigma_ext", "phi", "q0", "q1", "p_hat", "q0_hat", "q1_hat", "Q", "R", "Q_hat", "R_hat")


@dataclasses.dataclass
class LargeDeviationCurve:
    r"""Finite-y RS large deviations of the binary perceptron along d (module docstring).

    Arrays follow the requested ``d`` (NaN where a saddle point was lost, with a :class:`SaddlePointWarning`).

    * ``S_int``: internal entropy :math:`S_{\rm int}(d;y) = \partial(y\phi)/\partial y`, the local entropy of the
      dominant centres; ``Sigma_ext``: external entropy :math:`y\phi - yS_{\rm int}`; ``phi``: the free entropy
      per replica :math:`\phi = S_{\rm int} + \Sigma_{\rm ext}/y` (focusing BP's "Σ_int"; also
      :attr:`sigma_int`). At y = ∞: ``S_int = phi`` = :func:`wfm.theory.max_local_entropy` and ``Sigma_ext``
      is the closed-form limit :func:`sigma_ext_infinity`.
    * order parameters ``q0, q1, p_hat, q0_hat, q1_hat, Q, R, Q_hat, R_hat`` (free centre: Q̂ = R̂ = 0, and
      Q, R are the induced centre–centre and replica–other-centre overlaps); at y = ∞ ``q1 = q0`` and ``p_hat``
      is :math:`\hat\pi`.
    * ``slope``: :math:`dS_{\rm int}/dd` (``slope=True``; free centre), from
      :math:`dS_{\rm int}/dd = 2\,\partial_y(y\hat p)` (since :math:`\partial_d(y\phi) = 2y\hat p`), the y-derivative
      by central differences of re-solved saddle points; at y = ∞ it is :math:`2\hat\pi`.
    * ``rs_valid``: the RS answer is self-consistent, i.e. every entry of ``rs_checks`` holds:
      :math:`\Sigma_{\rm ext}\ge0` (a log-number of dominant centres cannot be negative: where it is, the RS
      measure over centres is wrong and the frozen one-step RSB of :mod:`wfm.theory.ld_rsb` replaces it);
      :math:`\Sigma_{\rm ext}\le\ln 2` (free centre) or :math:`\le s_{RS}` (solution centre: there are no more
      centres than that); :math:`S_{\rm int}\ge0` (for y > 0 centres without solutions at distance d carry no
      weight, so the dominant ones have at least one). Where False a :class:`ReplicaSymmetryWarning` is
      emitted naming the failed checks.
    * ``branch``: 0 where the saddle point comes from the top of the curve, 1 where it comes from the branch
      continued from y → ∞ at small d (``branches`` argument of :func:`large_deviation_curve`).
    """

    alpha: float
    kappa: float
    y: float
    centre: str
    d: np.ndarray
    S_int: np.ndarray
    Sigma_ext: np.ndarray
    phi: np.ndarray
    bound: np.ndarray
    q0: np.ndarray
    q1: np.ndarray
    p_hat: np.ndarray
    q0_hat: np.ndarray
    q1_hat: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    Q_hat: np.ndarray
    R_hat: np.ndarray
    slope: np.ndarray
    rs_valid: np.ndarray
    s_rs: float
    rs_checks: dict
    branch: np.ndarray

    @property
    def sigma_int(self):
        r""":math:`\phi = S_{\rm int} + \Sigma_{\rm ext}/y`, what focusing BP reports as Σ_int (= φ − γS)."""
        return self.phi

    @property
    def monotonic(self):
        """True if S_int increases along the (sorted) grid and ``slope``, where computed, is positive."""
        o = np.argsort(self.d)
        s = self.slope[np.isfinite(self.slope)]
        return bool(np.all(np.isfinite(self.S_int)) and np.all(np.diff(self.S_int[o]) > 0) and np.all(s > 0))

    def negative_sigma_ext_intervals(self):
        """The d-intervals where the RS external entropy is negative (:func:`negative_intervals`)."""
        return negative_intervals(self.d, self.Sigma_ext)

    def as_dict(self):
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["sigma_int"] = self.phi
        out["negative_sigma_ext_intervals"] = self.negative_sigma_ext_intervals()
        return out


def negative_intervals(d, values):
    r"""The intervals of d where ``values`` (e.g. :math:`\Sigma_{\rm ext}(d)` on a grid) is negative, as a list of
    ``(d_lo, d_hi)``: the ends are the zero crossings, linearly interpolated in ln d between neighbouring grid
    points; an interval that reaches the end of the grid (or a point where the value is NaN) ends at that grid
    point. Their accuracy is that of the grid (a crossing is located to a fraction of the local spacing)."""
    d = np.asarray(d, dtype=float)
    v = np.asarray(values, dtype=float)
    o = np.argsort(d)
    d, v = d[o], v[o]
    out, start = [], None
    for i in range(d.size):
        neg = bool(np.isfinite(v[i]) and v[i] < 0)
        if neg and start is None:
            if i > 0 and np.isfinite(v[i - 1]):
                t = v[i - 1] / (v[i - 1] - v[i])
                start = float(np.exp(np.log(d[i - 1]) + t * (np.log(d[i]) - np.log(d[i - 1]))))
            else:
                start = float(d[i])
        elif not neg and start is not None:
            if np.isfinite(v[i]):
                t = v[i - 1] / (v[i - 1] - v[i])
                end = float(np.exp(np.log(d[i - 1]) + t * (np.log(d[i]) - np.log(d[i - 1]))))
            else:
                end = float(d[i - 1])
            out.append((start, end))
            start = None
    if start is not None:
        out.append((start, float(d[-1])))
    return out


def _check_d(d):
    dd = np.atleast_1d(np.asarray(d, dtype=float))
    if dd.ndim != 1 or dd.size == 0 or not np.all(np.isfinite(dd)) or np.any(dd <= 0) or np.any(dd >= 0.5):
        raise ValueError(f"d must be finite values in (0, 0.5), got {d!r}")
    return dd


def _check_y(y):
    if isinstance(y, (bool, np.bool_)):
        raise TypeError(f"y must be a real number > 0 or inf, got {y!r}")
    y = check_float("y", y, positive=True, finite=False)
    if np.isnan(y):
        raise ValueError("y must be a real number > 0 or inf, got nan")
    return y


def _infinite_y(alpha, dd, kappa, centre):
    from .large_deviations import max_local_entropy

    if centre != "free":
        raise ValueError("y=inf with centre='solution': use wfm.theory.large_deviations.solution_centre_branch")
    with warnings.catch_warnings():  # the RS checks are made (and reported) by the caller
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        c = max_local_entropy(alpha, dd, kappa, locate_min=False)
    sig = np.array([sigma_ext_infinity(alpha, 1 - 2 * d, c.q[i], c.dq[i], c.q_hat[i], c.dq_hat[i], c.pi_hat[i], kappa)
                    if np.isfinite(c.entropy[i]) else np.nan for i, d in enumerate(dd)])
    nan = np.full(dd.size, np.nan)
    return {"S_int": c.entropy, "Sigma_ext": sig, "phi": c.entropy, "q0": c.q, "q1": c.q, "p_hat": c.pi_hat, "q0_hat": c.q_hat,
                "q1_hat": c.q_hat, "Q": np.ones(dd.size), "R": 1 - 2 * dd, "Q_hat": nan, "R_hat": nan, "slope": 2 * c.pi_hat,
                "branch": np.zeros(dd.size), "s_rs": c.s_rs}


def _slope_free(prob, x, p, rel=1e-4):
    """dS_int/dd = 2 ∂_y(y p̂) at fixed p, central differences in y (saddle re-solved from x)."""
    y = prob.y
    vals = []
    for s in (1.0, -1.0):
        yy = y * (1.0 + s * rel)
        pr = _Free(prob.alpha, prob.kappa, yy)
        xs, ok, _ = _solve(pr, x, p)
        if not ok:
            return np.nan
        vals.append(yy * xs[2])
    return float((vals[0] - vals[1]) / (2.0 * y * rel) * 2.0)


def large_deviation_curve(alpha, d, y, kappa=0.0, centre="free", *, slope=False, branches="auto"):
    r"""Finite-y RS large deviations of the binary perceptron on a grid of distances (module docstring).

    Parameters
    ----------
    alpha : load, ``0 < alpha < binary_capacity(kappa)``.
    d : distances in ``(0, 0.5)``.
    y : number of replicas of the robust ensemble, ``> 0``; ``inf`` gives the y → ∞ curve
        (:func:`wfm.theory.max_local_entropy`) with :math:`\Sigma_{\rm ext}(\infty)` from :func:`sigma_ext_infinity`.
    kappa : margin of the counted solutions (error iff Δ <= κ).
    centre : ``"free"`` (robust ensemble, PNAS 2016) or ``"solution"`` (PRL 2015: the centre must itself
        be a solution of margin κ; at finite y verified at y = 3 (stationary, :math:`S_{\rm int} = \partial\Phi/
        \partial y`), a :class:`SaddlePointWarning` says that its y → 0 and y → ∞ limits are not reached: no start
        point at y = 10, saddle point lost at y ≤ 0.04).
    slope : also compute :math:`dS_{\rm int}/dd` (free centre; two extra saddle points per d).
    branches : free centre, finite y. Above a y-dependent load the saddle point followed from the top of the
        curve folds (it stops existing below some d) and a second branch, continuous with the y → ∞ solution
        at small d, takes over; where both exist the one with the larger φ is returned (a first-order jump in
        S_int; ``branch`` says which: 0 = from the top, 1 = from y → ∞). ``"auto"``: the second branch is
        followed (upwards from ``min(d)``, seeded by continuation in y from :func:`max_local_entropy` at y = 10⁴)
        only if the first one was lost somewhere; ``"both"``: always; ``"top"``: never.

    The saddle point is followed in d from the top of the curve (free centre: d ≈ 1/2, p̂ → 0; solution
    centre: the typical distance between solutions, where the RS point of the binary perceptron is the
    saddle point) down to ``min(d)`` and up to ``max(d)``. Returns a :class:`LargeDeviationCurve`; emits a
    :class:`ReplicaSymmetryWarning` where :math:`\Sigma_{\rm ext} < 0`.
    """
    alpha = check_float("alpha", alpha, positive=True)
    kappa = check_float("kappa", kappa)
    centre = check_choice("centre", centre, ("free", "solution"))
    branches = check_choice("branches", branches, ("auto", "both", "top"))
    y = _check_y(y)
    dd = _check_d(d)
    rs = binary_rs(alpha, kappa)
    if not (np.isfinite(rs.entropy) and rs.entropy > 0):
        raise ValueError(f"alpha={alpha} (kappa={kappa}) is at or beyond the RS capacity (s_RS={rs.entropy:.4g})")
    if centre == "solution" and np.isfinite(y):
        warnings.warn("large_deviation_curve(centre='solution') at finite y is verified at y = 3 only (stationary in "
                      "all order parameters, S_int = d(y phi)/dy to 2e-8); its limits are not reached: no start point "
                      "at y = 10, the saddle point is lost at y <= 0.04 (docs/theory/large_deviations.md, section 11)",
                      SaddlePointWarning, stacklevel=2)
    if np.isinf(y):
        cols = _infinite_y(alpha, dd, kappa, centre)
        s_rs = cols.pop("s_rs")
    else:
        prob = _Free(alpha, kappa, y) if centre == "free" else _Solution(alpha, kappa, y)
        x0, p0 = prob.start()
        d0 = (1.0 - p0) / 2.0
        below = np.sort(np.unique(dd[dd < d0]))[::-1]
        above = np.sort(np.unique(dd[dd >= d0]))
        sols = {}
        for part in (below, above):
            if part.size:
                sols.update(zip(part.tolist(), _follow(prob, x0, d0, part)))
        sols2 = {}
        if centre == "free" and (branches == "both" or (branches == "auto" and any(v is None for v in sols.values()))):
            d_lo = float(np.min(dd))
            xs = _seed_from_infinity(alpha, kappa, d_lo, y) if d_lo < 0.25 else None
            if xs is not None:
                up = np.sort(np.unique(dd))
                sols2 = dict(zip(up.tolist(), [xs] + _follow(prob, xs, d_lo, up[1:]) if up.size > 1 else [xs]))
        cols = {k: np.full(dd.size, np.nan) for k in _FIELDS + ("slope", "branch")}
        lost = []
        for i, di in enumerate(dd):
            cands = [(b, src[float(di)]) for b, src in ((0, sols), (1, sols2)) if src.get(float(di)) is not None]
            if not cands:
                lost.append(float(di))
                continue
            recs = [(b, xs, prob.record(xs, 1.0 - 2.0 * di)) for b, xs in cands]
            if len(recs) == 2 and abs(recs[0][2]["phi"] - recs[1][2]["phi"]) < 1e-10:
                recs = recs[:1]  # the same saddle point reached both ways
            b, xs, rec = max(recs, key=lambda r: r[2]["phi"])
            for k in _FIELDS:
                cols[k][i] = rec[k]
            cols["branch"][i] = b
            if slope and centre == "free":
                cols["slope"][i] = _slope_free(prob, xs, 1.0 - 2.0 * di)
        if lost:
            warnings.warn(f"large_deviation_curve(alpha={alpha}, y={y}): saddle point lost at d = {lost}",
                          SaddlePointWarning, stacklevel=2)
        s_rs = float(rs.entropy)
    sig, s_int = cols["Sigma_ext"], cols["S_int"]
    sig_max = np.log(2.0) if centre == "free" else s_rs
    checks = {"Sigma_ext>=0": sig >= -_RS_TOL, f"Sigma_ext<={'ln2' if centre == 'free' else 's_RS'}": sig <= sig_max + _RS_TOL,
              "S_int>=0": s_int >= -_RS_TOL}
    valid = np.isfinite(sig) & np.logical_and.reduce(list(checks.values()))
    failed = [f"{name} fails at d = {np.round(dd[np.isfinite(sig) & ~ok], 5).tolist()}"
              for name, ok in checks.items() if np.any(np.isfinite(sig) & ~ok)]
    if failed:
        warnings.warn(f"large_deviation_curve(alpha={alpha}, y={y}, centre={centre!r}): the RS solution is not "
                      f"self-consistent (rs_valid=False): {'; '.join(failed)}. A negative external entropy means the "
                      "RS measure over centres is wrong there (see wfm.theory.ld_rsb); S_int < 0 would be a "
                      "log-number of solutions below zero.", ReplicaSymmetryWarning, stacklevel=2)
    return LargeDeviationCurve(alpha, kappa, y, centre, dd, cols["S_int"], sig, cols["phi"], geometric_bound(dd),
                               cols["q0"], cols["q1"], cols["p_hat"], cols["q0_hat"], cols["q1_hat"], cols["Q"],
                               cols["R"], cols["Q_hat"], cols["R_hat"], cols["slope"], valid, s_rs,
                               {k: np.asarray(v) for k, v in checks.items()}, cols["branch"])


def _follow_y(alpha, kappa, x, y_from, y_to, p, h_max=0.3):
    """Continue the free-centre saddle point x (solved at y_from) in ln y to y_to at fixed p (secant predictor,
    adaptive steps; the Jacobian of the last step is reused once a secant exists). Returns the solution at y_to
    or None."""
    state = {"ly": None, "prob": None}

    def solve(ly, guess, warm):
        if ly != state["ly"]:
            J = getattr(state["prob"], "_J", None) if warm else None
            state["ly"], state["prob"] = ly, _Free(alpha, kappa, float(np.exp(ly)))
            state["prob"]._J = J
        return _solve(state["prob"], guess, p)

    x, _, _, _, reached = secant_follow(solve, x, np.log(y_from), np.log(y_to), h_max=h_max)
    return x if reached else None


def _seed_from_infinity(alpha, kappa, d, y, y_big=1e4):
    """Free-centre saddle point at (d, y) continued in y from the y -> ∞ solution (max_local_entropy) at y_big."""
    from .large_deviations import max_local_entropy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        m = max_local_entropy(alpha, [d], kappa, locate_min=False)
    if not np.isfinite(m.entropy[0]):
        return None
    x = np.array([np.log(m.q[0] / (1.0 - m.q[0])), np.log(m.dq[0]), m.pi_hat[0]])
    p = 1.0 - 2.0 * d
    xs, ok, _ = _solve(_Free(alpha, kappa, y_big), x, p)
    if not ok:
        return None
    return _follow_y(alpha, kappa, xs, y_big, y, p)


_THRESHOLD_GRID = np.geomspace(0.003, 0.3, 48)


def is_monotonic(alpha, y, kappa=0.0, d=None):
    r"""Whether the finite-y internal entropy :math:`S_{\rm int}(d;y)` (free centre, dominant saddle point,
    :func:`large_deviation_curve` with ``branches="auto"``) increases along the grid ``d`` (default: 48
    log-spaced points in [0.003, 0.3]). A point where no saddle point is found counts as not monotonic."""
    dd = _THRESHOLD_GRID if d is None else _check_d(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        warnings.simplefilter("ignore", SaddlePointWarning)
        c = large_deviation_curve(alpha, dd, y, kappa)
    return c.monotonic


def monotonicity_threshold_finite_y(y, kappa=0.0, bracket=(0.72, 0.80), xtol=1e-3):
    r"""The load :math:`\alpha_U(y)` above which :math:`S_{\rm int}(d;y)` (free centre, RS) stops increasing
    with d: bisection on :func:`is_monotonic` in ``bracket`` down to ``xtol``. The grid of
    :func:`is_monotonic` resolves a negative slope once it is below about -3·10⁻³ (δd ≈ 0.1 d at the interior
    minimum of the slope, d ≈ 0.03), i.e. α_U to a few 10⁻⁴ on top of ``xtol``. Returns the midpoint of the
    final bracket."""
    y = _check_y(y)
    kappa = check_float("kappa", kappa)
    lo, hi = bracket
    if not (is_monotonic(lo, y, kappa) and not is_monotonic(hi, y, kappa)):
        raise ValueError(f"monotonicity_threshold(y={y}): S_int is not monotonic at {lo} and non-monotonic at {hi}")
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        if is_monotonic(mid, y, kappa):
            lo = mid
        else:
            hi = mid
    _warn_if_read_off_rs(hi, y, kappa)
    return 0.5 * (lo + hi)


def _warn_if_read_off_rs(alpha, y, kappa):
    """ReplicaSymmetryWarning if, at the non-monotonic end ``alpha`` of the final bracket, S_int first decreases
    where the RS external entropy is negative (the RS threshold is then read off a non-self-consistent curve)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        warnings.simplefilter("ignore", SaddlePointWarning)
        c = large_deviation_curve(alpha, _THRESHOLD_GRID, y, kappa)
    ok = np.isfinite(c.S_int)
    d, s, sig = c.d[ok], c.S_int[ok], c.Sigma_ext[ok]
    drop = np.flatnonzero(np.diff(s) <= 0)
    if drop.size and min(sig[drop[0]], sig[drop[0] + 1]) < 0:
        warnings.warn(f"monotonicity_threshold(y={y}): S_int first decreases (alpha={alpha:.5g}) between d = "
                      f"{d[drop[0]]:.4g} and {d[drop[0] + 1]:.4g}, where the RS external entropy is negative "
                      f"(Sigma_ext = {sig[drop[0]]:.4g}, {sig[drop[0] + 1]:.4g}): the RS value is not self-consistent",
                      ReplicaSymmetryWarning, stacklevel=3)

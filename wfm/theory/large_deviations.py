r"""Maximal local entropy of the binary perceptron: the y → ∞ large-deviation (robust-ensemble) RS curve.

What is computed (digest §3.4; Baldassi, Ingrosso, Lucibello, Saglietti, Zecchina, PRL 115, 128101 (2015),
arXiv:1509.05753; Baldassi et al., PNAS 113, E7655 (2016), arXiv:1605.06444, "robust ensemble")
---------------------------------------------------------------------------------------------------------
For a centre :math:`\tilde W\in\{\pm1\}^N` (not required to be a solution: the PNAS 2016 robust-ensemble
version) its local entropy is :math:`S(\tilde W,d) = \frac1N\ln\mathcal N(\tilde W,d)`,
:math:`\mathcal N(\tilde W,d) = \sum_W \mathbb X_\xi(W)\,\delta(W\cdot\tilde W - pN)`, :math:`p = 1-2d`,
:math:`\mathbb X_\xi(W)=\prod_\mu\Theta(\Delta^\mu - \kappa)` (boundary conventions irrelevant here). The
large-deviation free entropy is

.. math:: \phi(y,d) = \frac1N\,\mathbb E\ln\sum_{\tilde W}\mathcal N(\tilde W,d)^y ,\qquad
          S_{\max}(d) = \lim_{y\to\infty}\phi(y,d)/y = \max_{\tilde W} S(\tilde W,d)

(to leading order in N; the external entropy :math:`\phi - y\,\partial_y\phi` is O(1) against O(y)).

Derivation (ours; written out because the closed equations are not in the digest)
-------------------------------------------------------------------------------
*Replicas.* n → 0 copies of the centre :math:`\tilde W^a`, each with y replicas :math:`W^{a j}`. RS order
parameters: :math:`Q = \tilde W^a\cdot\tilde W^b/N`, :math:`p = W^{aj}\cdot\tilde W^a/N` (fixed),
:math:`R = W^{aj}\cdot\tilde W^b/N`, :math:`q_1 = W^{ai}\cdot W^{aj}/N`, :math:`q_0 = W^{ai}\cdot W^{bj}/N`
(:math:`a\ne b`, :math:`i\ne j`); conjugates :math:`\hat Q,\hat p,\hat R,\hat q_1,\hat q_0`.

*Entropic term.* With :math:`A^a = \sum_j W^{aj}` the exponent is
:math:`\frac{\hat Q}{2}(\sum_a\tilde W^a)^2 + \hat R(\sum_a A^a)(\sum_a\tilde W^a) + \frac{\hat q_0}{2}(\sum_a A^a)^2
+ \sum_a[(\hat p-\hat R)A^a\tilde W^a + \frac{\hat q_1-\hat q_0}{2}(A^a)^2]` + const. Two correlated Gaussian
fields :math:`(\tilde h, h)` of covariance :math:`\begin{pmatrix}\hat Q&\hat R\\ \hat R&\hat q_0\end{pmatrix}`
and one :math:`\eta` per group decouple it; for n → 0 the per-site term is

.. math:: \mathbb E_{\tilde h,h}\ln\sum_{\tilde W=\pm1}e^{\tilde h\tilde W}\,
          \mathbb E_\eta\big[2\cosh(h+\sqrt{\hat q_1-\hat q_0}\,\eta + (\hat p-\hat R)\tilde W)\big]^y ,

together with :math:`\frac{\hat Q}{2}(Q-1) - y\hat p p + y\hat R R - \frac{y(y-1)}2\hat q_1 q_1
+ \frac{y^2}{2}\hat q_0 q_0 - \frac y2\hat q_1`.

*Energetic term.* Centre field :math:`\sqrt Q z + \sqrt{1-Q}x_a`; replica field
:math:`m + e\,\eta_a + \sqrt{1-q_1}\xi_{aj}` with
:math:`m = \frac{R}{\sqrt Q}z + \frac{p-R}{\sqrt{1-Q}}x_a + \sqrt{q_0-R^2/Q}\,\eta_0`,
:math:`e^2 = q_1-q_0-\frac{(p-R)^2}{1-Q}` (this reproduces all covariances). Per pattern, for n → 0:
:math:`\mathbb E_{z,\eta_0}\ln\mathbb E_{x,\eta}\,H\!\big(\frac{\kappa-m-e\eta}{\sqrt{1-q_1}}\big)^y`
(the unconstrained centre carries no :math:`\Theta`).

*y → ∞.* The centres of the groups coincide and the replicas of one group become indistinguishable from
those of another: :math:`1-Q = \delta Q/y`, :math:`p - R = \delta p/y`, :math:`q_1 - q_0 = \delta q/y`,
:math:`\hat q_1-\hat q_0 = \delta\hat q/y`, :math:`\hat R = y\hat\rho`, :math:`\hat Q = y^2\delta\hat Q`,
:math:`\hat\pi = \hat p-\hat R` finite, :math:`q\equiv q_0`, :math:`\hat q\equiv\hat q_0`. Rescaling the
Gaussian variables :math:`x = \sqrt y v`, :math:`\eta = \sqrt y w` turns the inner averages into Laplace
integrals, :math:`\mathbb E_x e^{y g(\sqrt y\,\cdot)}\to e^{y\max_v[-v^2/2+g]}`, and the sum over
:math:`\tilde W` into a max. Collecting the O(y) terms:

.. math::
    \frac{\phi}{y} \to -\frac{\hat q}{2}(1-q) - \frac{\hat q\,\delta q}{2} - \frac{q\,\delta\hat q}{2}
    - \hat\pi p - \frac{\delta\hat Q\,\delta Q}{2} - \hat\rho\,\delta p
    + \mathbb E_{\zeta,\zeta'}\max_{\tau=\pm1}\Big\{\tau\big(\tfrac{\hat\rho}{\sqrt{\hat q}}\zeta
      + \sqrt{\delta\hat Q-\hat\rho^2/\hat q}\,\zeta'\big)
      + \max_w\big[-\tfrac{w^2}{2} + \ln 2\cosh(\sqrt{\hat q}\zeta + \sqrt{\delta\hat q}\,w + \hat\pi\tau)\big]\Big\}
    + \alpha\,\mathbb E_\zeta\max_u\Big[-\frac{u^2}{2\delta q} + \ln H\Big(\frac{\kappa - \sqrt q\zeta - u}{\sqrt{1-q}}\Big)\Big].

In the energetic term the two maxima over :math:`(v,w)` combine into one over
:math:`u = \frac{\delta p}{\sqrt{\delta Q}}v + \sqrt{\delta q - \delta p^2/\delta Q}\,w` (least norm
:math:`u^2/\delta q`), and :math:`\frac{R}{\sqrt Q}z + \sqrt{q_0-R^2/Q}\eta_0\to\sqrt q\zeta`: it does not
depend on :math:`\delta Q,\delta p`. Stationarity in :math:`\delta Q` and :math:`\delta p` then gives
:math:`\delta\hat Q = \hat\rho = 0`: the centre's own fields vanish and :math:`\tau` maximizes per site, which
(since :math:`\ln2\cosh` is even, :math:`\hat\pi\ge0`) means :math:`\tau = \mathrm{sign}\,\zeta`. The result:

.. math::
    S_{\max}(d) = \mathrm{extr}_{q,\delta q,\hat q,\delta\hat q,\hat\pi}\Big[
      -\frac{\hat q}{2}(1-q+\delta q) - \frac{q\,\delta\hat q}{2} - \hat\pi p + I_S + \alpha I_E\Big],

.. math::
    I_S = \mathbb E_\zeta\max_w\Big[-\frac{w^2}2 + \ln2\cosh(\sqrt{\hat q}|\zeta| + \hat\pi + \sqrt{\delta\hat q}w)\Big],
    \qquad
    I_E = \mathbb E_\zeta\max_u\Big[-\frac{u^2}{2\delta q} + \ln H\Big(\frac{\kappa-\sqrt q\zeta-u}{\sqrt{1-q}}\Big)\Big].

Inner maxima in closed form: :math:`x^* = a + \delta\hat q\tanh x^*` (largest root, :math:`a = \sqrt{\hat q}|\zeta|+\hat\pi`),
value :math:`\ln2\cosh x^* - (x^*-a)^2/(2\delta\hat q)`; :math:`t^* + c\,\frac GH(t^*) = t_0`,
:math:`t_0 = \frac{\kappa-\sqrt q\zeta}{\sqrt{1-q}}`, :math:`c = \frac{\delta q}{1-q}`, value
:math:`\ln H(t^*) - \frac c2 \frac GH(t^*)^2` (concave in u: unique). Derivatives by the envelope theorem:
:math:`\partial_{\hat\pi}I_S = \mathbb E\tanh x^*`, :math:`\partial_{\delta\hat q}I_S = \tfrac12\mathbb E\tanh^2x^*`,
:math:`\partial_{\hat q}I_S = \mathbb E[|\zeta|\tanh x^*]/(2\sqrt{\hat q})`,
:math:`\partial_{\delta q}I_E = \mathbb E(G/H)^2(t^*)/(2(1-q))`,
:math:`\partial_q I_E = \mathbb E[\frac GH(t^*)(\frac{\zeta}{2\sqrt{q(1-q)}} - \frac{t^*}{2(1-q)})]`. Saddle point:

* :math:`q = \mathbb E\tanh^2 x^*`, :math:`p = \mathbb E\tanh x^*`,
  :math:`1-q+\delta q = \mathbb E[|\zeta|\tanh x^*]/\sqrt{\hat q}`;
* :math:`\hat q = \frac{\alpha}{1-q}\mathbb E(G/H)^2(t^*)`, :math:`\delta\hat q = \hat q + 2\alpha\,\partial_q I_E`.

And :math:`dS_{\max}/dd = 2\hat\pi` (envelope theorem): the curve increases with d exactly where
:math:`\hat\pi > 0`.

Checks of the derivation (all in ``tests/test_theory_ld.py``)
------------------------------------------------------------
* :math:`\alpha = 0`: :math:`\hat q = \delta\hat q = 0`, :math:`\tanh\hat\pi = p`, :math:`S = \mathcal H(d)`.
* :math:`\hat\pi = 0`: the RS point of the binary perceptron (:func:`wfm.theory.binary_rs`) with
  :math:`\delta q = \delta\hat q = 0` is a saddle point, with :math:`S = s_{RS}(\alpha)` at
  :math:`p = \mathbb E|\tanh\sqrt{\hat q}\zeta|` (the clipped centre of mass). This is the top of the curve:
  no centre sees more than all the solutions. For :math:`\hat\pi > 0` the by-parts identity
  :math:`\mathbb E|\zeta|\tanh x^* = 2G(0)\tanh x^*(0) + \dots` forces :math:`\delta q > 0`: the y → ∞
  structure is non-trivial only for :math:`d` below that of the clipped centre.
* Stationarity of every returned saddle point by finite differences of the bracket
  (:func:`max_local_entropy_free_entropy`); :math:`S_{\max}\le\mathcal H(d)`; :math:`S_{\max}\ge` the
  Franz–Parisi local entropy of typical solutions (:func:`wfm.theory.franz_parisi`).

Results (κ = 0; ``tests/test_theory_ld.py``, ``wfm theory max-local-entropy``)
-----------------------------------------------------------------------------
* Below :math:`\alpha_U` the curve is monotonic (:math:`\hat\pi > 0` on :math:`(0, d_0]`) and tangent to
  :math:`\mathcal H(d)` at d → 0: :math:`1 - S_{\max}/\mathcal H < 10^{-3}` at d = 0.005 (α = 0.5, 0.6).
  Near d → 0, :math:`\hat q\to0` and :math:`\delta q\to\infty` (the energetic term vanishes).
* :math:`\alpha_U = 0.7553` (:func:`monotonicity_threshold`, the root of :math:`\min_d\hat\pi = 0`); the
  interior minimum of :math:`\hat\pi` sits at d ≈ 0.02. This is the correct RS y → ∞ number. The literature's
  0.77–0.78 (Stojnic 2025, arXiv:2506.19276, second lifting level; replica papers) lies beyond RS: the RS
  external entropy of this saddle point (``MaxLocalEntropyCurve.sigma_ext``, closed form in
  :func:`wfm.theory.ld_finite_y.sigma_ext_infinity`) is negative on the whole branch below the top of the curve
  (e.g. −0.236 at α = 0.6, d = 0.02), so the RS curve is not self-consistent (``rs_valid``, warning). The
  frozen one-step RSB of the external measure (:mod:`wfm.theory.ld_rsb`) gives the corrected curve and its
  own :math:`\alpha_U`. Not due to the PRL 2015 constraint on the centre (see below).
* Above :math:`\alpha_U` the small-d end is still tangent to :math:`\mathcal H(d)` in this unconstrained-centre
  version; the curve acquires a decreasing stretch at intermediate d (α = 0.8: S(0.01) = 0.0260 > S(0.02) =
  0.0180). Close to capacity (α = 0.82) :math:`S_{\max}` is negative around d = 0.05 and the small-d branch is lost.

PRL 2015 variant (centre constrained to be a solution; :func:`solution_centre_branch`, equations in the
comment block above it): the energetic term keeps δQ, δp and becomes a max over (v, w) with the centre
constraint :math:`z + \sqrt{\delta Q}v \ge \kappa`; δQ̂, ρ̂ ≠ 0. Solved by continuation in d from the
unconstrained saddle point. Measured at α = 0.76: the constraint binds on 4.4 % of the (z, η₀) measure at
d = 0.1 (S = 0.059969 against 0.060255 unconstrained) and stops binding as d decreases (2e-4 at d = 0.033,
where the two curves agree to 1e-6); below, the unconstrained centre is already a solution. Directly at the
onset (α = 0.7553, d = 0.02, π̂ = 7e-4) the constraint binds on a fraction 4e-9 of the measure and
:math:`\partial I_E^c/\partial(\delta Q,\delta p)` are 1e-11, 1e-9: :math:`\alpha_U` is the same in both settings
(within RS, y → ∞). The branch cannot be followed through δQ̂ → 0 (the system degenerates) and stops there.

Finite y: :mod:`wfm.theory.ld_finite_y` solves the finite-y RS equations; its y → ∞ limit reproduces this
curve (S_int − S_max ∝ 1/y², tested) and gives the external entropy. RS is assumed throughout; the RS
self-consistency conditions are checked (:attr:`MaxLocalEntropyCurve.rs_valid`), no replicon analysis.

Numerics (ours): :math:`\zeta` integrals by composite Gauss–Legendre on panels graded geometrically towards
the sharp features (:math:`\zeta = 0` entropic, :math:`\zeta = \kappa/\sqrt q` energetic); inner maxima by
vectorized monotone Newton iterations; at fixed p the unknowns (logit q, ln δq, π̂) solve the fixed-point
form of the stationarity conditions (conjugates from the energetic side, then q, δq, p from the entropic side)
by Powell's hybrid method (``scipy.optimize.root``). The branch starts at π̂ = 0.02 (fixed-π̂ solve from the
RS pair, δq ≈ 2G(0)tanh π̂/√q̂) and is continued in ln d down to the smallest requested d (adaptive steps,
secant predictor), and up towards d_0. A point is reported lost (NaN, :class:`SaddlePointWarning`) when the
residual stays above 1e-10.
"""
from __future__ import annotations

import dataclasses
import functools
import warnings

import numpy as np
from scipy import optimize

from ..core.checks import check_float, check_int
from ._continuation import secant_follow
from ._checks import ReplicaSymmetryWarning, SaddlePointWarning
from .gaussian import G, H, gauss_hermite, log_2cosh, log_H_and_GH
from .fp_potential import geometric_bound
from .perceptron import binary_rs

__all__ = [
    "MaxLocalEntropyCurve",
    "max_local_entropy",
    "max_local_entropy_free_entropy",
    "monotonicity_threshold",
    "solution_centre_free_entropy",
    "solution_centre_branch",
]

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


# ----------------------------------------------------------------------------------------------
# quadrature: composite Gauss–Legendre with panels graded towards a point
# ----------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _graded_rule(center, half_line, n_panels=70, n_gl=8, h_min=1e-6, reach=11.0):
    """Nodes/weights for ∫Dζ f(ζ): full line, or 2∫_0^∞Dζ f(ζ) (``half_line``, for even-in-ζ integrands).

    Panel edges at center ± geometric(h_min .. reach); Gauss–Legendre inside each panel; weights include
    the Gaussian density and are normalized to 1 (the neglected mass beyond ~11 is < 1e-27)."""
    edges = np.concatenate([[0.0], np.geomspace(h_min, reach, n_panels)])
    t, wt = np.polynomial.legendre.leggauss(n_gl)
    a, b = edges[:-1, None], edges[1:, None]
    x = (0.5 * (a + b) + 0.5 * (b - a) * t).ravel()
    w = (0.5 * (b - a) * wt).ravel()
    if half_line:
        nodes, weights = x, 2.0 * w
    else:
        nodes = np.concatenate([center - x[::-1], center + x])
        weights = np.concatenate([w[::-1], w])
    weights = weights * np.exp(-0.5 * nodes * nodes - _LOG_SQRT_2PI)
    weights /= weights.sum()
    nodes.flags.writeable = False
    weights.flags.writeable = False
    return nodes, weights


# ----------------------------------------------------------------------------------------------
# the two terms
# ----------------------------------------------------------------------------------------------
def _entropic(q_hat, dq_hat, pi_hat):
    """I_S and its derivatives (∂q̂, ∂δq̂, ∂π̂), π̂ >= 0, δq̂ >= 0. Returns dict."""
    z, w = _graded_rule(0.0, True)
    sq = np.sqrt(max(q_hat, 0.0))
    a = sq * z + pi_hat
    b2 = max(dq_hat, 0.0)
    # largest root of x = a + b2 tanh x: Newton from x0 = a + b2 (>= root; g convex increasing on x > 0)
    x = a + b2
    for _ in range(200):
        th = np.tanh(x)
        g = x - b2 * th - a
        dg = 1.0 - b2 * (1.0 - th * th)
        step = g / dg
        x = x - step
        if np.max(np.abs(step)) < 1e-14 * max(1.0, np.max(np.abs(x))):
            break
    th = np.tanh(x)
    dev = x - a
    val = log_2cosh(x) - (0.5 * dev * dev / b2 if b2 > 0 else 0.0)
    out = dict(I=w @ val, d_pi=w @ th, d_dqh=0.5 * (w @ (th * th)))
    out["d_qh"] = (w @ (z * th)) / (2.0 * sq) if sq > 0 else np.inf
    return out


def _energetic(q, dq, kappa):
    """I_E and its derivatives (∂q, ∂δq), 0 < q < 1, δq >= 0. Returns dict."""
    z, w = _graded_rule(round(kappa / np.sqrt(q), 3), False)
    sd = np.sqrt(1.0 - q)
    t0 = (kappa - np.sqrt(q) * z) / sd
    c = dq / (1.0 - q)
    # root of t + c G/H(t) = t0: Newton from t = t0 (h(t0) >= 0, h convex increasing)
    t = t0.copy()
    for _ in range(200):
        lh, gh = log_H_and_GH(t)
        h = t + c * gh - t0
        dh = 1.0 + c * gh * (gh - t)
        step = h / dh
        t = t - step
        if np.max(np.abs(step)) < 1e-13 * max(1.0, np.max(np.abs(t))):
            break
    lh, gh = log_H_and_GH(t)
    val = lh - 0.5 * c * gh * gh
    out = dict(I=w @ val, d_dq=(w @ (gh * gh)) / (2.0 * (1.0 - q)))
    out["d_q"] = w @ (gh * (z / (2.0 * np.sqrt(q) * sd) - t / (2.0 * (1.0 - q))))
    return out


def max_local_entropy_free_entropy(alpha, p, q, dq, q_hat, dq_hat, pi_hat, kappa=0.0):
    r"""The y → ∞ bracket before extremization (module docstring):
    :math:`-\frac{\hat q}{2}(1-q+\delta q) - \frac{q\,\delta\hat q}{2} - \hat\pi p + I_S + \alpha I_E`.
    Used to check the stationarity of returned saddle points by finite differences."""
    es = _entropic(q_hat, dq_hat, pi_hat)
    ee = _energetic(q, dq, kappa)
    return -0.5 * q_hat * (1.0 - q + dq) - 0.5 * q * dq_hat - pi_hat * p + es["I"] + alpha * ee["I"]


def _gradient(alpha, kappa, p, q, dq, q_hat, dq_hat, pi_hat):
    """Analytic gradient of the bracket in (q, δq, q̂, δq̂, π̂)."""
    es = _entropic(q_hat, dq_hat, pi_hat)
    ee = _energetic(q, dq, kappa)
    return np.array([
        0.5 * q_hat - 0.5 * dq_hat + alpha * ee["d_q"],
        -0.5 * q_hat + alpha * ee["d_dq"],
        -0.5 * (1.0 - q + dq) + es["d_qh"],
        -0.5 * q + es["d_dqh"],
        -p + es["d_pi"],
    ]), es, ee


# ----------------------------------------------------------------------------------------------
# saddle point at fixed p (unknowns q, δq, π̂) and at fixed π̂ (unknowns q, δq)
# ----------------------------------------------------------------------------------------------
def _map(alpha, kappa, pi_hat, q, dq):
    """(q, δq) -> conjugates from the energetic side -> (q, δq, p) from the entropic side."""
    ee = _energetic(q, dq, kappa)
    q_hat = 2.0 * alpha * ee["d_dq"]
    dq_hat = q_hat + 2.0 * alpha * ee["d_q"]
    es = _entropic(q_hat, dq_hat, pi_hat)
    q_new = 2.0 * es["d_dqh"]
    dq_new = 2.0 * es["d_qh"] - 1.0 + q_new
    return q_new, dq_new, q_hat, dq_hat, es["d_pi"]


def _unpack(x):
    # q = logistic(x0) keeps 0 < q < 1, δq = exp(x1) keeps δq > 0
    return 1.0 / (1.0 + np.exp(-x[0])), np.exp(x[1])


def _residual_p(x, alpha, kappa, p):
    q, dq = _unpack(x)
    pi_hat = x[2]
    if not (0.0 < q < 1.0 and np.isfinite(dq) and dq > 0):
        return np.full(3, 1e3)
    q_new, dq_new, q_hat, dq_hat, p_new = _map(alpha, kappa, pi_hat, q, dq)
    if not (dq_new > 0 and dq_hat >= 0):
        return np.full(3, 1e3)
    return np.array([(q_new - q) / (1.0 - q), np.log(dq_new / dq), p_new - p])


def _residual_pi(x, alpha, kappa, pi_hat):
    return _residual_p(np.r_[x, pi_hat], alpha, kappa, 0.0)[:2]


_TOL = 1e-10


def _point(alpha, kappa, p, x):
    """Solve at fixed p from the guess x = (logit q, ln δq, π̂); return (x, ok, record)."""
    sol = optimize.root(_residual_p, x, args=(alpha, kappa, p), method="hybr", options=dict(xtol=1e-13))
    res = np.max(np.abs(sol.fun))
    q, dq = _unpack(sol.x)
    pi_hat = float(sol.x[2])
    _, _, q_hat, dq_hat, _ = _map(alpha, kappa, pi_hat, q, dq)
    ok = bool(res < _TOL and np.all(np.isfinite(sol.x)))
    rec = dict(p=p, q=q, dq=dq, q_hat=q_hat, dq_hat=dq_hat, pi_hat=pi_hat, residual=res)
    if ok:
        rec["entropy"] = float(max_local_entropy_free_entropy(alpha, p, q, dq, q_hat, dq_hat, pi_hat, kappa))
    return sol.x, ok, rec


@dataclasses.dataclass
class MaxLocalEntropyCurve:
    r"""The y → ∞ large-deviation RS curve :math:`S_{\max}(d)` at load ``alpha`` (module docstring).

    Arrays are ordered as the requested ``d`` (NaN where the saddle point was lost, with a
    :class:`SaddlePointWarning`). ``pi_hat`` is :math:`\hat\pi = \frac12 dS_{\max}/dd`; ``valid`` is
    ``pi_hat >= 0``: where :math:`\hat\pi < 0` the branch was continued with the centre aligned to the
    local field (:math:`\tau = \mathrm{sign}\,\zeta`), which is then no longer the per-site maximum the
    derivation assumes, and :math:`S_{\max}` decreases with d there (non-monotonic curve).
    ``typical_distance`` is the top of the curve, :math:`d_0 = (1-\mathbb E|\tanh\sqrt{\hat q}\zeta|)/2`,
    where :math:`S_{\max} = s_{RS}` (``s_rs``); :math:`d > d_0` is outside the branch (NaN).

    ``sigma_ext`` is the external entropy of the same RS saddle point at y → ∞
    (:func:`wfm.theory.ld_finite_y.sigma_ext_infinity`), the log-number of centres that reach
    :math:`S_{\max}`; ``rs_valid`` is ``sigma_ext >= 0``. Where it is negative the RS curve is not self-consistent
    (a :class:`ReplicaSymmetryWarning` is emitted): fewer than one such centre exists for typical patterns, and
    the frozen one-step RSB of :mod:`wfm.theory.ld_rsb` gives the corrected curve.
    """

    alpha: float
    kappa: float
    d: np.ndarray
    entropy: np.ndarray
    bound: np.ndarray
    q: np.ndarray
    dq: np.ndarray
    q_hat: np.ndarray
    dq_hat: np.ndarray
    pi_hat: np.ndarray
    valid: np.ndarray
    typical_distance: float
    s_rs: float
    min_pi_hat: float
    d_at_min_pi_hat: float
    sigma_ext: np.ndarray = None
    rs_valid: np.ndarray = None

    @property
    def monotonic(self):
        r"""True if :math:`\hat\pi > 0` (so :math:`S_{\max}` increases with d) on the whole branch
        :math:`d\in[d_{\min}, d_0]` that was followed (``min_pi_hat`` is located on a fine grid + Brent)."""
        return bool(self.min_pi_hat > 0)

    def as_dict(self):
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["monotonic"] = self.monotonic
        return out


def _start(alpha, kappa, pi0=0.02):
    """A point close to the top of the curve: fixed π̂ = pi0, from the RS saddle (δq ≈ 2G(0)tanh π̂/√q̂)."""
    rs = binary_rs(alpha, kappa)
    if not (np.isfinite(rs.entropy) and rs.entropy > 0):
        raise ValueError(f"alpha={alpha} (kappa={kappa}) is at or beyond the RS capacity (s_RS={rs.entropy:.4g}): "
                         "no solutions, no local entropy")
    dq0 = 2.0 * float(G(0.0)) * np.tanh(pi0) / np.sqrt(rs.q_hat)
    x0 = np.array([np.log(rs.q / (1 - rs.q)), np.log(dq0)])
    sol = optimize.root(_residual_pi, x0, args=(alpha, kappa, pi0), method="hybr", options=dict(xtol=1e-13))
    if np.max(np.abs(sol.fun)) > _TOL:  # pragma: no cover - guard
        raise RuntimeError(f"max_local_entropy: no start point at alpha={alpha} (residual {np.max(np.abs(sol.fun)):.2g})")
    q, dq = _unpack(sol.x)
    p = _map(alpha, kappa, pi0, q, dq)[4]
    # top of the curve (π̂ = 0, δq = δq̂ = 0): the RS point itself
    es0 = _entropic(rs.q_hat, 0.0, 0.0)
    return rs, np.r_[sol.x, pi0], p, es0["d_pi"]


def _follow(alpha, kappa, x, p_from, targets_p):
    """Continue the fixed-p saddle point from p_from through ascending targets_p (d decreasing).

    Steps adaptively in ln d with a secant predictor (:func:`wfm.theory._continuation.secant_follow`); returns
    records (None where lost)."""
    def solve(ld, guess, warm):
        return _point(alpha, kappa, 1.0 - 2.0 * np.exp(ld), guess)

    out, ld_cur, prev = [], np.log((1.0 - p_from) / 2.0), None
    for pt in targets_p:
        x, ld_cur, prev, rec, reached = secant_follow(solve, x, ld_cur, np.log((1.0 - pt) / 2.0), h_max=0.15,
                                                      prev=prev)
        out.append(rec if reached else None)
        if out[-1] is None:
            out.extend([None] * (len(targets_p) - len(out)))
            break
    return out, x


def max_local_entropy(alpha, d=None, kappa=0.0, *, n_points=40, d_min=1e-3, locate_min=True):
    r"""The maximal local entropy :math:`S_{\max}(d)` of the binary perceptron (y → ∞ large deviations, RS,
    centre unconstrained: the robust ensemble of Baldassi et al. PNAS 2016; see the module docstring for the
    derivation and its checks).

    Parameters
    ----------
    alpha : load, ``0 < alpha < binary_capacity(kappa)``.
    d : distances in ``(0, 0.5)`` (default: ``n_points`` log-spaced in ``[d_min, 0.999 d_0]``, :math:`d_0` the top
        of the curve). Points above :math:`d_0` are NaN.
    kappa : margin of the counted solutions (error iff Δ ≤ κ).
    locate_min : refine the minimum of :math:`\hat\pi` along the branch with Brent's method (it decides
        :attr:`MaxLocalEntropyCurve.monotonic`); the branch is always followed on a grid of >= 40 points
        from :math:`d_0` down to ``min(d)``.

    Returns a :class:`MaxLocalEntropyCurve`.
    """
    alpha = check_float("alpha", alpha, positive=True)
    kappa = check_float("kappa", kappa)
    n_points = check_int("n_points", n_points, min_value=2)
    d_min = check_float("d_min", d_min, positive=True)
    rs, x0, p0, p_top = _start(alpha, kappa)
    d_top = (1.0 - p_top) / 2.0
    if d is None:
        dd = np.geomspace(min(d_min, 0.99 * d_top), 0.999 * d_top, n_points)
    else:
        dd = np.atleast_1d(np.asarray(d, dtype=float))
        if dd.ndim != 1 or not np.all(np.isfinite(dd)) or np.any(dd <= 0) or np.any(dd >= 0.5):
            raise ValueError(f"d must be finite values in (0, 0.5), got {d!r}")
    d_start = (1.0 - p0) / 2.0
    # the followed branch: the requested points below d_start, plus a grid for locating min π̂
    grid = np.geomspace(min(dd.min(), d_start * 0.999), d_start * 0.999, 40)
    below = np.unique(np.concatenate([dd[dd < d_start], grid]))[::-1]
    recs, _ = _follow(alpha, kappa, x0, p0, 1.0 - 2.0 * below)
    table = {float(b): r for b, r in zip(below, recs)}
    # requested points between d_start and d_top: follow upwards (π̂ -> 0) from the start point
    above = np.sort(dd[(dd >= d_start) & (dd < d_top)])
    if above.size:
        recs_up = []
        x = x0
        for b in above:
            xs, ok, r = _point(alpha, kappa, 1.0 - 2.0 * b, x)
            recs_up.append(r if ok else None)
            if ok:
                x = xs
        table.update({float(b): r for b, r in zip(above, recs_up)})
    lost = []
    names = ("entropy", "q", "dq", "q_hat", "dq_hat", "pi_hat")
    cols = {k: np.full(dd.size, np.nan) for k in names}
    for i, di in enumerate(dd):
        if di >= d_top:
            continue
        r = table.get(float(di))
        if r is None:
            lost.append(float(di))
            continue
        for k in names:
            cols[k][i] = r[k]
    # minimum of π̂ along the followed branch
    pis = np.array([np.nan if r is None else r["pi_hat"] for r in recs])
    if np.all(np.isnan(pis)):
        min_pi, d_min_pi = np.nan, np.nan
    else:
        j = int(np.nanargmin(pis))
        min_pi, d_min_pi = float(pis[j]), float(below[j])
        if locate_min and 0 < j < len(below) - 1 and recs[j - 1] is not None and recs[j + 1] is not None:
            r0 = recs[j]
            x_j = np.array([np.log(r0["q"] / (1 - r0["q"])), np.log(r0["dq"]), r0["pi_hat"]])

            def pi_at(ld):
                xs, ok, r = _point(alpha, kappa, 1.0 - 2.0 * np.exp(ld), x_j)
                return r["pi_hat"] if ok else np.inf

            res = optimize.minimize_scalar(pi_at, bracket=(np.log(below[j + 1]), np.log(below[j]), np.log(below[j - 1])),
                                           method="brent", tol=1e-6)
            if np.isfinite(res.fun) and res.fun <= min_pi:
                min_pi, d_min_pi = float(res.fun), float(np.exp(res.x))
    if lost:
        warnings.warn(f"max_local_entropy(alpha={alpha}): saddle point lost at d = {lost}", SaddlePointWarning,
                      stacklevel=2)
    pi = cols["pi_hat"]
    from .ld_finite_y import sigma_ext_infinity

    sig = np.array([sigma_ext_infinity(alpha, 1 - 2 * di, cols["q"][i], cols["dq"][i], cols["q_hat"][i],
                                       cols["dq_hat"][i], pi[i], kappa) if np.isfinite(cols["entropy"][i]) else np.nan
                    for i, di in enumerate(dd)])
    rs_valid = np.isfinite(sig) & (sig >= -1e-9)
    if np.any(np.isfinite(sig) & ~rs_valid):
        bad = dd[np.isfinite(sig) & ~rs_valid]
        warnings.warn(f"max_local_entropy(alpha={alpha}): the RS external entropy at y -> inf is negative at "
                      f"d = {np.round(bad, 5).tolist()} (min {np.nanmin(sig):.4g}): the RS curve is not "
                      "self-consistent there (rs_valid=False); see wfm.theory.ld_rsb.frozen_external_curve",
                      ReplicaSymmetryWarning, stacklevel=2)
    return MaxLocalEntropyCurve(alpha, kappa, dd, cols["entropy"], geometric_bound(dd), cols["q"], cols["dq"],
                                cols["q_hat"], cols["dq_hat"], pi, np.where(np.isnan(pi), False, pi >= 0),
                                float(d_top), float(rs.entropy), min_pi, d_min_pi, sig, rs_valid)


def monotonicity_threshold(kappa=0.0, bracket=(0.70, 0.80), xtol=None, y=np.inf):
    r"""The load :math:`\alpha_U` above which the maximal local entropy stops being monotonic in d (RS, centre
    unconstrained).

    * ``y=inf`` (default): the root in α of :math:`\min_d\hat\pi(d;\alpha) = 0` (:math:`\hat\pi = \frac12
      dS_{\max}/dd`) by Brent's method in ``bracket`` (``xtol`` default 1e-4): 0.7553 for κ = 0. The replica
      literature and Stojnic 2025 (arXiv:2506.19276, second level of lifted RDT) place the break-down at
      0.77–0.78: beyond RS (the RS external entropy is negative there; see :mod:`wfm.theory.ld_rsb` for the
      frozen one-step RSB value, :func:`wfm.theory.ld_rsb.monotonicity_threshold_1rsb`).
    * finite ``y``: :math:`\alpha_U(y)`, where the internal entropy :math:`S_{\rm int}(d;y)` of the finite-y
      robust ensemble stops increasing with d (:func:`wfm.theory.ld_finite_y.monotonicity_threshold_finite_y`,
      bisection, ``xtol`` default 1e-3)."""
    kappa = check_float("kappa", kappa)
    if not np.isinf(y):
        from .ld_finite_y import monotonicity_threshold_finite_y

        return monotonicity_threshold_finite_y(y, kappa, bracket, 1e-3 if xtol is None else xtol)
    xtol = 1e-4 if xtol is None else xtol

    def g(a):
        with warnings.catch_warnings():  # reported once, below
            warnings.simplefilter("ignore", ReplicaSymmetryWarning)
            return max_local_entropy(a, None, kappa, n_points=2).min_pi_hat

    lo, hi = bracket
    g_lo, g_hi = g(lo), g(hi)
    if not (g_lo > 0 > g_hi):
        raise ValueError(f"monotonicity_threshold: min pi_hat does not change sign on {bracket} "
                         f"({g_lo:.3g}, {g_hi:.3g})")
    root = optimize.brentq(g, lo, hi, xtol=xtol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        c = max_local_entropy(root, None, kappa, n_points=2)
        at = max_local_entropy(root, [c.d_at_min_pi_hat], kappa, locate_min=False)
    if not at.rs_valid[0]:
        warnings.warn(f"monotonicity_threshold(kappa={kappa}): alpha_U = {root:.5g} is read where the RS external "
                      f"entropy is negative (Sigma_ext = {at.sigma_ext[0]:.4g} at d = {c.d_at_min_pi_hat:.4g}, y = inf): "
                      "the RS value is not self-consistent; see wfm.theory.ld_rsb.monotonicity_threshold_1rsb",
                      ReplicaSymmetryWarning, stacklevel=2)
    return root


# ----------------------------------------------------------------------------------------------
# PRL 2015 variant: the centre must itself be a solution (margin κ)
# ----------------------------------------------------------------------------------------------
# With the Θ on the centre field z + √δQ v, the energetic term keeps δQ, δp (module docstring, "What is NOT
# verified") and δQ̂, ρ̂ ≠ 0. The y → ∞ bracket is
#   -q̂(1-q+δq)/2 - qδq̂/2 - π̂p - δQ̂δQ/2 - ρ̂δp + I_S^c + α I_E^c,
#   I_S^c = E_ζ E_ζ' max_τ {τ[(ρ̂/√q̂)ζ + σζ'] + ψ(τ,ζ)},  σ² = δQ̂ - ρ̂²/q̂,
#           ψ(τ,ζ) = max_w[-w²/2 + ln2cosh(√q̂ζ + π̂τ + √δq̂ w)]   (ζ' integrated in closed form:
#           E|μ+σζ'| = μ(1-2H(μ/σ)) + 2σG(μ/σ), μ = (ρ̂/√q̂)ζ + (ψ₊-ψ₋)/2),
#   I_E^c = E_{z,η₀} max_{v ≥ (κ-z)/√δQ, w}[-v²/2 - w²/2 + ln H((κ - m₀ - a v - b w)/√(1-q))],
#           m₀ = p z + √(q-p²)η₀, a = δp/√δQ, b² = δq - δp²/δQ.
# The constrained max is the unconstrained one (u/δq = f'(m₀+u), v = a u/δq) when that has v ≥ v₀, else
# v = v₀ and a 1-D max in w of the same form. Derivatives: envelope theorem with the multiplier
# λ = v₀ - a f'(m*) of the active constraint. Tested against finite differences.
def _psi_abs(A, b2):
    """max_x ln2cosh x - (x-A)²/(2 b2) for A >= 0 (largest root of x = A + b2 tanh x): value, tanh x*."""
    x = A + b2
    for _ in range(200):
        th = np.tanh(x)
        step = (x - b2 * th - A) / (1.0 - b2 * (1.0 - th * th))
        x = x - step
        if np.max(np.abs(step)) < 1e-14 * max(1.0, np.max(np.abs(x))):
            break
    dev = x - A
    return log_2cosh(x) - (0.5 * dev * dev / b2 if b2 > 0 else 0.0), np.tanh(x)


def _entropic_c(q_hat, dq_hat, dQ_hat, rho_hat, pi_hat):
    z, w = _graded_rule(0.0, False)
    sq = np.sqrt(q_hat)
    # ψ(τ, ζ) depends on |√q̂ζ + π̂τ| (ln2cosh is even): global max over w for either sign of the argument
    ap, am = sq * z + pi_hat, sq * z - pi_hat
    vp, tp = _psi_abs(np.abs(ap), dq_hat)
    vm, tm = _psi_abs(np.abs(am), dq_hat)
    tp, tm = tp * np.sign(ap), tm * np.sign(am)
    sig = np.sqrt(max(dQ_hat - rho_hat * rho_hat / q_hat, 1e-300))
    mu = (rho_hat / sq) * z + 0.5 * (vp - vm)
    Hr, Gr = H(mu / sig), G(mu / sig)
    Pp, Pm = 1.0 - Hr, Hr  # probabilities of τ = ±1 over ζ'
    out = dict(I=w @ (0.5 * (vp + vm) + mu * (1 - 2 * Hr) + 2 * sig * Gr))
    out["d_pi"] = w @ (Pp * tp - Pm * tm)
    out["d_dqh"] = 0.5 * (w @ (Pp * tp * tp + Pm * tm * tm))
    out["d_qh"] = w @ ((Pp * tp + Pm * tm) * z / (2 * sq) - (1 - 2 * Hr) * rho_hat * z / (2 * q_hat ** 1.5)
                       + 2 * Gr * rho_hat * rho_hat / (2 * q_hat * q_hat * sig))
    out["d_rho"] = w @ ((1 - 2 * Hr) * z / sq - 2 * Gr * rho_hat / (q_hat * sig))
    out["d_dQh"] = w @ (Gr / sig)
    return out


@functools.lru_cache(maxsize=8)
def _grid_c(kappa, n_eta=96):
    z, wz = _graded_rule(round(kappa, 3), False, 40, 6)
    e, we = gauss_hermite(n_eta)
    return z[:, None], e[None, :], wz[:, None] * we[None, :]


def _t_root(t0, c):
    t = np.array(t0, dtype=float)
    for _ in range(200):
        _, gh = log_H_and_GH(t)
        step = (t + c * gh - t0) / (1.0 + c * gh * (gh - t))
        t = t - step
        if np.max(np.abs(step)) < 1e-13 * max(1.0, np.max(np.abs(t))):
            break
    return t


def _energetic_c(q, dq, dQ, dp, p, kappa):
    z, e, w = _grid_c(kappa)
    sd, rp = np.sqrt(1 - q), np.sqrt(q - p * p)
    a, b2 = dp / np.sqrt(dQ), dq - dp * dp / dQ
    b = np.sqrt(b2)
    v0 = (kappa - z) / np.sqrt(dQ)
    m0 = p * z + rp * e
    t0 = (kappa - m0) / sd
    t = _t_root(t0, dq / (1 - q))
    lh, gh = log_H_and_GH(t)
    u = sd * (t0 - t)
    vu = a * u / dq
    act = vu < v0
    t0c = (kappa - m0 - a * v0) / sd
    tc = _t_root(t0c, b2 / (1 - q))
    lhc, ghc = log_H_and_GH(tc)
    u2 = sd * (t0c - tc)
    F = np.where(act, -0.5 * v0 * v0 - 0.5 * u2 * u2 / b2 + lhc, lh - 0.5 * u * u / dq)
    T, GHv = np.where(act, tc, t), np.where(act, ghc, gh)
    g = GHv / sd
    vs, ws = np.where(act, v0, vu), np.where(act, u2 / b, b * u / dq)
    lam = np.where(act, v0 - a * g, 0.0)
    out = dict(I=np.sum(w * F), active=float(np.sum(w * act)))
    out["d_q"] = np.sum(w * (-GHv * T / (2 * (1 - q)) + g * e / (2 * rp)))
    out["d_dq"] = np.sum(w * g * ws / (2 * b))
    out["d_dp"] = np.sum(w * (g * vs / np.sqrt(dQ) - g * ws * dp / (dQ * b)))
    out["d_dQ"] = np.sum(w * (-g * vs * a / (2 * dQ) + g * ws * dp * dp / (2 * dQ * dQ * b) + lam * v0 / (2 * dQ)))
    return out


def solution_centre_free_entropy(alpha, p, theta, kappa=0.0):
    r"""The y → ∞ bracket with the centre constrained to be a solution (PRL 2015 setting; see the comment block
    above): ``theta = (q, δq, δQ, δp, q̂, δq̂, δQ̂, ρ̂, π̂)``. Returns ``(value, gradient, active)``, ``active``
    the fraction of (z, η₀) where the centre's constraint binds."""
    q, dq, dQ, dp, qh, dqh, dQh, rho, pi = [float(t) for t in theta]
    es = _entropic_c(qh, dqh, dQh, rho, pi)
    ee = _energetic_c(q, dq, dQ, dp, p, kappa)
    val = (-0.5 * qh * (1 - q + dq) - 0.5 * q * dqh - pi * p - 0.5 * dQh * dQ - rho * dp + es["I"] + alpha * ee["I"])
    grad = np.array([0.5 * qh - 0.5 * dqh + alpha * ee["d_q"], -0.5 * qh + alpha * ee["d_dq"],
                     -0.5 * dQh + alpha * ee["d_dQ"], -rho + alpha * ee["d_dp"],
                     -0.5 * (1 - q + dq) + es["d_qh"], -0.5 * q + es["d_dqh"], -0.5 * dQ + es["d_dQh"],
                     -dp + es["d_rho"], -p + es["d_pi"]])
    return float(val), grad, ee["active"]


def _unpack_c(x, p):
    q = p * p + (1 - p * p) / (1 + np.exp(-x[0]))  # q > p² and δp² < δq δQ keep the Gaussians real
    dq, dQ = np.exp(x[1]), np.exp(x[2])
    return q, dq, dQ, np.sqrt(dq * dQ) * np.tanh(x[3]), x[4]


def _map_c(alpha, kappa, p, q, dq, dQ, dp, pi):
    ee = _energetic_c(q, dq, dQ, dp, p, kappa)
    qh = 2 * alpha * ee["d_dq"]
    hats = (qh, qh + 2 * alpha * ee["d_q"], 2 * alpha * ee["d_dQ"], alpha * ee["d_dp"])
    es = _entropic_c(*hats, pi)
    qn = 2 * es["d_dqh"]
    return (qn, 2 * es["d_qh"] - 1 + qn, 2 * es["d_dQh"], es["d_rho"], es["d_pi"]), hats, ee["active"]


def _residual_c(x, alpha, kappa, p):
    q, dq, dQ, dp, pi = _unpack_c(x, p)
    (qn, dqn, dQn, dpn, pn), _, _ = _map_c(alpha, kappa, p, q, dq, dQ, dp, pi)
    if not (dqn > 0 and dQn > 0):
        return np.full(5, 1e3)
    return np.array([(qn - q) / (1 - q), np.log(dqn / dq), np.log(dQn / dQ), (dpn - dp) / np.sqrt(dq * dQ), pn - p])


def solution_centre_branch(alpha, d, kappa=0.0, *, inactive=1e-6):
    r"""Follow the saddle point with the centre constrained to be a solution (PRL 2015 setting), from the
    largest ``d`` downwards. Start: the unconstrained saddle point at ``max(d)`` with (δQ, δp) from the
    entropic side. Stops (remaining entries NaN) when the constraint no longer binds (δQ̂ < ``inactive``: there
    the centre of the unconstrained problem is already a solution, the two curves coincide and the system
    becomes degenerate) or when the solver fails.

    Returns a dict of arrays: ``d, entropy, pi_hat, active, dQ_hat, entropy_free, pi_hat_free``.
    """
    alpha = check_float("alpha", alpha, positive=True)
    dd = np.sort(np.atleast_1d(np.asarray(d, dtype=float)))[::-1]
    free = max_local_entropy(alpha, dd, kappa, locate_min=False)
    n = dd.size
    out = {k: np.full(n, np.nan) for k in ("entropy", "pi_hat", "active", "dQ_hat")}
    q, dq, pi = free.q[0], free.dq[0], free.pi_hat[0]
    es = _entropic_c(free.q_hat[0], free.dq_hat[0], 1e-10, 0.0, pi)
    dQ, dp = 2 * es["d_dQh"], es["d_rho"]
    p = 1 - 2 * dd[0]
    y = (q - p * p) / (1 - p * p)
    x = np.array([np.log(y / (1 - y)), np.log(dq), np.log(dQ), np.arctanh(dp / np.sqrt(dq * dQ)), pi])
    x_prev = None
    for i, di in enumerate(dd):
        p = 1 - 2 * di
        guess = x if x_prev is None else 2 * x - x_prev
        sol = optimize.root(_residual_c, guess, args=(alpha, kappa, p), method="hybr", options=dict(xtol=1e-12))
        if np.max(np.abs(sol.fun)) > _TOL:
            sol = optimize.root(_residual_c, x, args=(alpha, kappa, p), method="hybr", options=dict(xtol=1e-12))
        if np.max(np.abs(sol.fun)) > _TOL:
            break
        q, dq, dQ, dp, pi = _unpack_c(sol.x, p)
        _, hats, act = _map_c(alpha, kappa, p, q, dq, dQ, dp, pi)
        if hats[2] < inactive:
            break
        val, _, _ = solution_centre_free_entropy(alpha, p, (q, dq, dQ, dp, *hats, pi), kappa)
        out["entropy"][i], out["pi_hat"][i], out["active"][i], out["dQ_hat"][i] = val, pi, act, hats[2]
        x_prev, x = x, sol.x
    out.update(d=dd, entropy_free=free.entropy, pi_hat_free=free.pi_hat)
    return out

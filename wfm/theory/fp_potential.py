r"""Franz–Parisi local entropy of the binary perceptron around a reference solution (RS).

What is computed (Franz & Parisi, J. Phys. I France 5, 1401 (1995) for the construction; Huang & Kabashima,
PRE 90, 052813 (2014), arXiv:1408.1784, and Huang, Wong & Kabashima, J. Phys. A 46, 375002 (2013),
arXiv:1304.2850, for κ = κ̃ = 0; Baldassi, Lauditi, Malatesta, Perugini & Zecchina, PRL 127, 278301 (2021),
arXiv:2107.01163, for high-margin references κ̃ > κ):

A reference :math:`\tilde W` is drawn uniformly among the solutions of margin :math:`\tilde\kappa` (RS
pair :math:`\tilde q, \hat{\tilde q}` from :func:`wfm.theory.binary_rs`). Around it we count the
solutions :math:`W` of margin :math:`\kappa` at overlap :math:`p = W\cdot\tilde W/N = 1-2d`:

.. math::
    V(p) = \mathrm{extr}_{q,t,\hat q,\hat t,\hat p}\Big[-\frac{\hat q}{2}(1-q) - \hat p p + \hat t t
           + I_S(\hat q,\hat t,\hat p) + \alpha I_E(q,t,p)\Big]

with (:math:`\langle\cdot\rangle` below is the :math:`I_S` measure)

.. math::
    I_S = \int Dz \sum_{\tilde W=\pm1}\frac{e^{\tilde W\sqrt{\hat{\tilde q}}z}}{2\cosh\sqrt{\hat{\tilde q}}z}
          \int D\eta\,\ln 2\cosh A,\qquad
    A = \frac{\hat t}{\sqrt{\hat{\tilde q}}}z + \sqrt{\hat q - \hat t^2/\hat{\tilde q}}\,\eta + (\hat p-\hat t)\tilde W,

.. math::
    I_E = \int Dz\,\frac{1}{H(x^*)}\int_{x^*}^\infty Dx\int D\eta\,
          \ln H\!\left(\frac{\kappa - m}{\sqrt{1-q}}\right),\quad
    x^* = \frac{\tilde\kappa-\sqrt{\tilde q}z}{\sqrt{1-\tilde q}},\quad
    m = \frac{t}{\sqrt{\tilde q}}z + \frac{p-t}{\sqrt{1-\tilde q}}x
        + \sqrt{q - \frac{t^2}{\tilde q} - \frac{(p-t)^2}{1-\tilde q}}\;\eta .

:math:`q` is the overlap of two counted solutions around the same reference, :math:`t` the overlap of a
counted solution with another (independent) reference replica. We re-derived these expressions: the
reference replicas :math:`b = 1..s \to 0` carry fields :math:`\sqrt{\tilde q}z + \sqrt{1-\tilde q}x_b`; the
counted replicas :math:`a = 1..n\to0` fields :math:`m + \sqrt{1-q}\,y_a`, which have covariances
:math:`q, p, t` with each other, with :math:`\tilde W^1` and with :math:`\tilde W^{b\ne1}`; the other
:math:`s-1` reference replicas give the factor :math:`H(x^*)^{s-1}\to 1/H(x^*)`. On the entropic side,
:math:`\hat t\sum_a\sum_{b\ne1}W^a\tilde W^b = \hat t\sum_{a,b}W^a\tilde W^b - \hat t\sum_a W^a\tilde W^1`,
and completing the square gives :math:`A`.

Saddle-point equations (stationarity of the bracket):

* :math:`q = \langle\tanh^2 A\rangle`, :math:`p = \langle\tilde W\tanh A\rangle` (fixes :math:`\hat p`),
  :math:`t = \langle\tilde W\tanh A\rangle + \frac{\hat t}{\hat{\tilde q}}(1-q) - \frac{\langle z\tanh A\rangle}{\sqrt{\hat{\tilde q}}}`;
* :math:`\hat q = -2\alpha\,\partial I_E/\partial q = \frac{\alpha}{1-q}\langle (G/H)^2(u)\rangle_E`,
  :math:`\hat t = -\alpha\,\partial I_E/\partial t`, with the derivatives taken analytically:
  :math:`\partial_t I_E = \langle f'(m)(z/\sqrt{\tilde q} - x/\sqrt{1-\tilde q})\rangle_E
  + \tfrac12\,\partial_t b^2\,\langle f''(m)\rangle_E` where :math:`f(m) = \ln H((\kappa-m)/\sqrt{1-q})`
  and :math:`b^2` is the :math:`\eta` variance (Gaussian integration by parts in :math:`\eta`; the heat
  equation of :math:`e^f` gives :math:`\partial_q I_E = -\tfrac12\langle f'^2\rangle`).
* :math:`dV/dp = -\hat p + \alpha\,\partial I_E/\partial p` (envelope theorem; tested).

Identities (tested): at :math:`\kappa = \tilde\kappa` and :math:`p = \tilde q` the saddle point is
:math:`q = t = \tilde q`, :math:`\hat q = \hat t = \hat{\tilde q}`, :math:`\hat p = \hat t`, and
:math:`V = s_{RS}(\alpha,\kappa)`; with :math:`\alpha = 0`, :math:`V = \mathcal H(d)`; in general
:math:`V(d) \le \mathcal H(d) = -d\ln d - (1-d)\ln(1-d)`.

Numerics (our own; none of it changes the equations):

* Symmetry :math:`(\tilde W, z, \eta) \to -(\tilde W, z, \eta)` maps :math:`A \to -A`, so only
  :math:`\tilde W = +1` is summed, with weight :math:`1 + \tanh(\sqrt{\hat{\tilde q}}z)`.
* Entropic integrals: rotate :math:`(z,\eta)` so that :math:`A = \sqrt{\hat q}\,\omega + \hat p - \hat t`
  depends on one standard Gaussian :math:`\omega`; the orthogonal direction only enters the smooth
  weight and is integrated once per :math:`\omega` node (Gauss–Hermite). The :math:`\omega` integral uses a
  uniform trapezoid grid with spacing :math:`\lesssim 0.4/\sqrt{\hat q}`, so the sharp
  :math:`\ln 2\cosh` at large :math:`\hat q` (small :math:`d`) stays exponentially accurate.
* Energetic integral: Gauss–Hermite in :math:`z` and :math:`\eta`, and per :math:`z` a Gauss–Legendre rule
  for the truncated Gaussian :math:`x > x^*` (nodes cluster at :math:`x^*`, where the kink of
  :math:`\ln H` sits when :math:`\kappa\approx\tilde\kappa`).
* Order parameters :math:`(q,t)` at fixed :math:`p` are parametrized so that the Gaussian covariance stays
  positive: :math:`t = p\tilde q + \sqrt{\tilde q(1-\tilde q)(1-p^2)}\tanh\tau`,
  :math:`q = p^2 + (1-p^2)[\tanh^2\tau + \mathrm{sech}^2\tau\,\sin^2\sigma]`; :math:`\hat p` is solved
  exactly (Newton with bisection) inside; :math:`(\tau,\sigma)` by Powell's hybrid method
  (``scipy.optimize.root``), continued in :math:`p` from the typical overlap. A point is *lost* (reported
  through :class:`SaddlePointWarning` and dropped) when the solver does not converge, the covariance is
  not positive, :math:`V > \mathcal H(d)`, or the order parameters jump between neighbouring points.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from scipy import optimize

from ..core.checks import check_float, check_int
from ._checks import SaddlePointWarning, as_float_or_array
from ..core.special import entropy_bound, log_2cosh, log_H, log_H_and_GH
from .gaussian import gauss_hermite, truncated_gaussian_rule, uniform_gaussian_rule
from .perceptron import binary_rs

__all__ = ["FranzParisiCurve", "franz_parisi", "isolation_radius", "geometric_bound", "franz_parisi_free_entropy"]


def geometric_bound(d):
    r"""The binary entropy :math:`\mathcal H(d) = -d\ln d - (1-d)\ln(1-d)`: log-number (per weight) of
    configurations at normalized Hamming distance ``d``; an upper bound of every local entropy
    (:func:`wfm.core.special.entropy_bound`)."""
    return entropy_bound(d)


# ----------------------------------------------------------------------------------------------
# quadrature context (fixed per reference; reused along a curve)
# ----------------------------------------------------------------------------------------------
class _Context:
    def __init__(self, alpha, kappa, kappa_ref, n_z=48, n_x=48, n_eta=32, n_perp=48, n_quad_rs=801):
        self.alpha, self.kappa, self.kappa_ref = alpha, kappa, kappa_ref
        ref = binary_rs(alpha, kappa_ref, n_quad_rs)
        if not (np.isfinite(ref.entropy) and ref.entropy > 0):
            raise ValueError(
                f"no reference solutions: the RS entropy at alpha={alpha}, kappa_ref={kappa_ref} is "
                f"{ref.entropy:.4g} <= 0 (alpha must be below binary_capacity(kappa_ref))")
        self.ref = ref
        self.qt, self.qht = ref.q, ref.q_hat
        self.zeta = np.sqrt(self.qht)
        # energetic grid: z (GH) x x | x > x*(z) (GL) x eta (GH)
        z, wz = gauss_hermite(n_z)
        xs = (kappa_ref - np.sqrt(self.qt) * z) / np.sqrt(1 - self.qt)
        x, wx = truncated_gaussian_rule(xs, n_x)
        eta, weta = gauss_hermite(n_eta)
        self.ez = z[:, None, None]
        self.ex = x[:, :, None]
        self.eeta = eta[None, None, :]
        self.ew = wz[:, None, None] * wx[:, :, None] * weta[None, None, :]
        # entropic orthogonal direction
        self.perp, self.wperp = gauss_hermite(n_perp)
        self.n_quad_rs = n_quad_rs


def _omega_points(q_hat):
    # uniform ω grid with spacing h <= 0.4/sqrt(q_hat) (error ~ exp(-2π (π/2)/(sqrt(q̂) h)) <~ e^-24),
    # and <= 0.05; quantized to a few sizes so that a solve uses one fixed grid
    h = min(0.05, 0.4 / np.sqrt(max(q_hat, 1e-300)))
    need = 18.0 / h + 1
    for n in (401, 801, 1601, 3201, 6401, 12801, 25601):
        if n >= need:
            return n
    return 51201


# ----------------------------------------------------------------------------------------------
# entropic and energetic terms
# ----------------------------------------------------------------------------------------------
class _Entropic:
    """Integrals over the I_S measure at fixed (q̂, t̂), as functions of p̂ (1-D sums)."""

    def __init__(self, ctx, q_hat, t_hat, n_omega):
        self.ctx = ctx
        self.q_hat, self.t_hat = q_hat, t_hat
        zeta = ctx.zeta
        sq = np.sqrt(q_hat)
        c = t_hat / (zeta * sq)  # z = c ω + s ω⊥
        self.bad = abs(c) > 1.0 + 1e-9  # σ̂² = q̂ - t̂²/q̂̃ < 0: not a valid Gaussian
        c = float(np.clip(c, -1.0, 1.0))
        s = np.sqrt(max(0.0, 1.0 - c * c))
        self.c, self.s = c, s
        om, wom = uniform_gaussian_rule(n_omega)
        arg = zeta * (c * om[:, None] + s * ctx.perp[None, :])
        th = np.tanh(arg)
        w0 = (1.0 + th) @ ctx.wperp  # E⊥[1 + tanh ζz]
        sech2 = (1.0 - th * th) @ ctx.wperp
        wzz = c * om * w0 + s * s * zeta * sech2  # E⊥[z (1 + tanh ζz)]  (by parts in ω⊥)
        self.om = om
        self.w0 = wom * w0
        self.wz = wom * wzz
        self.sq = sq

    def A(self, p_hat):
        return self.sq * self.om + (p_hat - self.t_hat)

    def overlap_p(self, p_hat):
        th = np.tanh(self.A(p_hat))
        return self.w0 @ th, self.w0 @ (1.0 - th * th)

    def solve_p_hat(self, p, guess=0.0):
        """p̂ such that ⟨W̃ tanh A⟩ = p (monotone increasing in p̂): safeguarded Newton."""
        lo, hi = -60.0, 60.0
        x = float(np.clip(guess, lo + 1, hi - 1))
        for _ in range(100):
            f, df = self.overlap_p(x)
            f -= p
            if f > 0:
                hi = x
            else:
                lo = x
            if abs(f) < 1e-14:
                return x
            step = f / df if df > 1e-300 else np.inf
            xn = x - step
            if not (lo < xn < hi):
                xn = 0.5 * (lo + hi)
            if abs(xn - x) < 1e-15 * max(1.0, abs(x)):
                return xn
            x = xn
        return x

    def outputs(self, p_hat):
        """(I_S, q, p, <z tanh A>) at p̂."""
        A = self.A(p_hat)
        th = np.tanh(A)
        return (self.w0 @ log_2cosh(A), self.w0 @ (th * th), self.w0 @ th, self.wz @ th)


def _energetic(ctx, q, t, p, derivatives=True):
    """I_E(q, t, p) and its partial derivatives (analytic, see module docstring)."""
    qt = ctx.qt
    c1 = (p - t) / np.sqrt(1 - qt)
    b2 = q - t * t / qt - c1 * c1
    b = np.sqrt(max(b2, 0.0))
    m = (t / np.sqrt(qt)) * ctx.ez + c1 * ctx.ex + b * ctx.eeta
    sd = np.sqrt(1.0 - q)
    u = (ctx.kappa - m) / sd
    if not derivatives:
        return np.sum(ctx.ew * log_H(u)), b2
    lh, gh = log_H_and_GH(u)
    ie = np.sum(ctx.ew * lh)
    fp = gh / sd  # f'(m)
    fpp = (u * gh - gh * gh) / (1.0 - q)  # f''(m)
    ew_fp = ctx.ew * fp
    E_fp2 = np.sum(ew_fp * fp)
    E_fpp = np.sum(ctx.ew * fpp)
    E_fp_z = np.sum(ew_fp * ctx.ez)
    E_fp_x = np.sum(ew_fp * ctx.ex)
    d_q = -0.5 * E_fp2
    db2_dt = -2 * t / qt + 2 * (p - t) / (1 - qt)
    d_t = E_fp_z / np.sqrt(qt) - E_fp_x / np.sqrt(1 - qt) + 0.5 * db2_dt * E_fpp
    db2_dp = -2 * (p - t) / (1 - qt)
    d_p = E_fp_x / np.sqrt(1 - qt) + 0.5 * db2_dp * E_fpp
    return ie, b2, d_q, d_t, d_p


def franz_parisi_free_entropy(alpha, p, q, t, q_hat, t_hat, p_hat, kappa=0.0, kappa_ref=0.0, *, _ctx=None,
                              n_omega=None):
    r"""The bracket of :math:`V(p)` *before* extremization,
    :math:`-\frac{\hat q}{2}(1-q) - \hat p p + \hat t t + I_S(\hat q,\hat t,\hat p) + \alpha I_E(q,t,p)`
    (see the module docstring); used to check stationarity of the returned saddle points."""
    ctx = _ctx or _Context(alpha, kappa, kappa_ref)
    n_omega = n_omega or _omega_points(q_hat)
    ent = _Entropic(ctx, q_hat, t_hat, n_omega)
    i_s = ent.outputs(p_hat)[0]
    ie = _energetic(ctx, q, t, p, derivatives=False)[0]
    return -0.5 * q_hat * (1 - q) - p_hat * p + t_hat * t + i_s + alpha * ie


# ----------------------------------------------------------------------------------------------
# solver at one p
# ----------------------------------------------------------------------------------------------
def _qt_from_params(ctx, p, tau, sig):
    qt = ctx.qt
    D = np.sqrt(qt * (1 - qt) * (1 - p * p))
    th = np.tanh(tau)
    t = p * qt + D * th
    sech2 = 1.0 - th * th
    q = p * p + (1 - p * p) * (th * th + sech2 * np.sin(sig) ** 2)
    return q, t, D


def _params_from_qt(ctx, p, q, t):
    qt = ctx.qt
    D = np.sqrt(qt * (1 - qt) * (1 - p * p))
    th = np.clip((t - p * qt) / D, -1 + 1e-12, 1 - 1e-12)
    tau = np.arctanh(th)
    r = (1 - p * p) * (1 - th * th)
    b2 = q - p * p - (1 - p * p) * th * th
    sig = np.arcsin(np.sqrt(np.clip(b2 / r, 0.0, 1.0 - 1e-15)))
    return tau, sig


class _PointSolver:
    def __init__(self, ctx, p, n_omega, p_hat_guess):
        self.ctx, self.p, self.n_omega = ctx, p, n_omega
        self.p_hat = p_hat_guess
        self.last = None

    def map(self, q, t):
        """(q, t) -> energetic conjugates -> p̂ -> entropic (q_new, t_new)."""
        ctx, p = self.ctx, self.p
        ie, b2, d_q, d_t, d_p = _energetic(ctx, q, t, p)
        q_hat = -2 * ctx.alpha * d_q
        t_hat = -ctx.alpha * d_t
        ent = _Entropic(ctx, q_hat, t_hat, self.n_omega)
        p_hat = ent.solve_p_hat(p, self.p_hat)
        self.p_hat = p_hat
        i_s, q_new, p_chk, zt = ent.outputs(p_hat)
        t_new = p_chk + (t_hat / ctx.qht) * (1 - q_new) - zt / ctx.zeta
        self.last = dict(q=q, t=t, q_hat=q_hat, t_hat=t_hat, p_hat=p_hat, ie=ie, i_s=i_s, b2=b2, d_p=d_p,
                         bad=ent.bad, p_err=abs(p_chk - p))
        return q_new, t_new

    def residual(self, x):
        q, t, D = _qt_from_params(self.ctx, self.p, x[0], x[1])
        if not (1.0 - q > 1e-15 and np.all(np.isfinite(x))):
            return np.array([np.inf, np.inf])
        q_new, t_new = self.map(q, t)
        return np.array([(q_new - q) / (1 - self.p ** 2), (t_new - t) / D])

    def jacobian(self, x, r):
        J = np.empty((2, 2))
        for j in range(2):
            h = 1e-6 * max(1.0, abs(x[j]))
            xp = x.copy()
            xp[j] += h
            J[:, j] = (self.residual(xp) - r) / h
        return J

    def solve(self, x0, J=None, tol=1e-10, max_iter=40):
        """Newton–Broyden on the residual in (τ, σ); J (from the previous point) is reused if given.

        Returns (x, J, ok, |residual|, evaluations)."""
        x = np.array(x0, dtype=float)
        r = self.residual(x)
        nfev = 1
        if not np.all(np.isfinite(r)):
            return x, J, False, np.inf, nfev
        if J is None:
            J = self.jacobian(x, r)
            nfev += 2
        fresh = False
        for _ in range(max_iter):
            nr = np.max(np.abs(r))
            if nr < tol:
                break
            try:
                dx = -np.linalg.solve(J, r)
            except np.linalg.LinAlgError:
                dx = None
            ok_step = False
            if dx is not None and np.all(np.isfinite(dx)):
                lam = 1.0
                for _ls in range(6):  # backtracking on the max-norm
                    xn = x + lam * dx
                    rn = self.residual(xn)
                    nfev += 1
                    if np.all(np.isfinite(rn)) and np.max(np.abs(rn)) < (1 - 1e-4 * lam) * nr:
                        ok_step = True
                        break
                    lam *= 0.3
            if ok_step:
                s_ = xn - x
                y_ = rn - r
                J = J + np.outer(y_ - J @ s_, s_) / (s_ @ s_)  # Broyden's good update
                x, r = xn, rn
                fresh = False
            else:
                if fresh:
                    break
                J = self.jacobian(x, r)
                nfev += 2
                fresh = True
        r = self.residual(x)  # refresh self.last at the returned point
        nr = float(np.max(np.abs(r)))
        return x, J, bool(np.isfinite(nr) and nr < tol), nr, nfev


def _value(ctx, last, p):
    return (-0.5 * last["q_hat"] * (1 - last["q"]) - last["p_hat"] * p + last["t_hat"] * last["t"]
            + last["i_s"] + ctx.alpha * last["ie"])


@dataclasses.dataclass
class FranzParisiCurve:
    r"""Franz–Parisi local entropy :math:`V(d)` around a reference of margin ``kappa_ref``.

    Arrays are over the points where the saddle point was found (sorted by ``d``); the requested
    values of ``d`` where it was lost are in ``lost_d`` (a :class:`SaddlePointWarning` was emitted).
    ``local_entropy`` is :math:`V(d)`; ``bound`` is :math:`\mathcal H(d)`; ``dV_dp`` the envelope
    derivative :math:`-\hat p + \alpha\,\partial I_E/\partial p`.
    """

    alpha: float
    kappa: float
    kappa_ref: float
    q_ref: float
    q_hat_ref: float
    d: np.ndarray
    local_entropy: np.ndarray
    bound: np.ndarray
    q: np.ndarray
    t: np.ndarray
    q_hat: np.ndarray
    t_hat: np.ndarray
    p_hat: np.ndarray
    dV_dp: np.ndarray
    residual: np.ndarray
    lost_d: np.ndarray

    @property
    def typical_distance(self):
        """:math:`d_0 = (1-\\tilde q)/2`, the typical distance between two reference solutions."""
        return 0.5 * (1 - self.q_ref)

    def as_dict(self):
        return dataclasses.asdict(self)


# ----------------------------------------------------------------------------------------------
# continuation
# ----------------------------------------------------------------------------------------------
def _fixed_point(ctx, p, q, t, p_hat, n_omega, n_iter=300, damping=0.5, tol=1e-7):
    """Damped iteration of the saddle-point map at fixed p (robust, slow): used only to find the
    first point of a curve when no good guess exists."""
    solver = _PointSolver(ctx, p, n_omega, p_hat)
    for _ in range(n_iter):
        q_new, t_new = solver.map(q, t)
        q_n = (1 - damping) * q_new + damping * q
        t_n = (1 - damping) * t_new + damping * t
        if not (p * p <= q_n < 1) or not np.isfinite(t_n):
            return None
        done = abs(q_n - q) < tol * (1 - q) and abs(t_n - t) < tol
        q, t = q_n, t_n
        if done:
            break
    return q, t, solver.p_hat


def _start_point(ctx):
    """(p0, x0, p̂0, q̂0, exact) at the starting overlap p0 = q̃.

    For κ = κ̃ the saddle point at p0 = q̃ is known exactly (q = t = q̃, p̂ = t̂ = q̂ = q̂̃, b = 0).
    Otherwise it is found by a damped fixed-point iteration from the RS overlap at κ.
    """
    p0 = ctx.qt
    if ctx.kappa == ctx.kappa_ref:
        x0 = np.array(_params_from_qt(ctx, p0, ctx.qt, ctx.qt))
        return p0, x0, ctx.qht, ctx.qht, True
    r = binary_rs(ctx.alpha, ctx.kappa, ctx.n_quad_rs)
    q0 = r.q if np.isfinite(r.q) and r.q > p0 * p0 else p0 * p0 + 0.5 * (1 - p0 * p0)
    q0 = min(q0, 1 - 1e-6)
    t0 = p0 * ctx.qt
    fp = _fixed_point(ctx, p0, q0, t0, 0.0, _omega_points(max(ctx.qht, 1.0)))
    if fp is None:
        raise RuntimeError("franz_parisi: could not find the starting saddle point at p = q_ref")
    q0, t0, ph0 = fp
    x0 = np.array(_params_from_qt(ctx, p0, q0, t0))
    return p0, x0, ph0, None, False


def _branch(ctx, p0, x0, ph0, qh0, exact_start, targets, up, tol):
    """Continue the saddle point from p0 through the sorted ``targets`` (increasing p if ``up``).

    Continuation variable λ = -ln(1-p) going up (steps relative in d), λ = -p going down.
    Secant predictor, Newton–Broyden corrector with the Jacobian carried along, adaptive step.
    Returns {p: record} for the targets reached and the list of targets lost.
    """
    lam_of = (lambda p: -np.log1p(-p)) if up else (lambda p: -p)
    p_of = (lambda lam: -np.expm1(-lam)) if up else (lambda lam: -lam)
    step, max_step, min_step = (0.05, 0.3, 2e-4) if up else (0.02, 0.06, 1e-4)
    hist = []  # accepted (λ, x, p̂)
    lam_cur, x_cur, ph_cur = lam_of(p0), np.array(x0, float), ph0
    qh_cur = qh0 if qh0 is not None else ctx.qht
    J = None
    hist.append((lam_cur, x_cur.copy(), ph_cur))
    results, lost = {}, []
    prev_q = None
    if not exact_start:
        q_prev, _, _ = _qt_from_params(ctx, p0, *x_cur)
        prev_q = (p0, q_prev)
    ti = 0
    first = exact_start
    while ti < len(targets):
        lam_t = lam_of(targets[ti])
        lam_new = min(lam_cur + step, lam_t) if lam_t > lam_cur else lam_t
        p = p_of(lam_new)
        at_start = abs(p - p0) < 1e-12  # λ -> p round trips are not exact
        if at_start:
            p = p0
        # predictor
        if len(hist) >= 2 and abs(lam_new - hist[-1][0]) > 1e-12:
            (l0, x0_, ph0_), (l1, x1_, ph1_) = hist[-2], hist[-1]
            f = (lam_new - l1) / (l1 - l0)
            x_pred, ph_pred = x1_ + f * (x1_ - x0_), ph1_ + f * (ph1_ - ph0_)
        else:
            x_pred, ph_pred = x_cur.copy(), ph_cur
            if first and not at_start:  # leaving the degenerate b = 0 point: give σ a nudge of the right order
                x_pred[1] = 0.1 * abs(p - p0) / max(1 - p0, 1e-3) + 1e-3
        n_omega = _omega_points(qh_cur)
        solver = _PointSolver(ctx, p, n_omega, ph_pred)
        if first and at_start:
            # the exact typical point (κ = κ̃): evaluate the saddle-point map there instead of running
            # Newton at b = 0, where the Jacobian is singular in σ; the residual still has to vanish
            x = x_pred
            r0 = solver.residual(x)
            res = float(np.max(np.abs(r0)))
            ok, J_new, _nfev = bool(res < tol), None, 1
        else:
            x, J_new, ok, res, _nfev = solver.solve(x_pred, None if first else J, tol)
        last = solver.last
        if ok and _omega_points(last["q_hat"]) > n_omega:
            solver = _PointSolver(ctx, p, _omega_points(last["q_hat"]), last["p_hat"])
            x, J_new, ok, res, _nfev = solver.solve(x, J_new, tol)
            last = solver.last
        valid = ok and not last["bad"] and last["b2"] > -1e-12 and last["q"] < 1
        V = _value(ctx, last, p) if valid else np.nan
        dpt = 0.5 * (1 - p)
        bound = float(geometric_bound(dpt))
        valid = valid and np.isfinite(V) and V <= bound + 1e-7
        if valid and prev_q is not None:
            # continuity: q may not jump (relative to 1-q) by much more than the step warrants
            pp, qq = prev_q
            jump = abs(last["q"] - qq) / max(1 - max(last["q"], qq), 1e-14)
            valid = jump < 1.0 + 10.0 * abs(p - pp) / max(1 - max(p, pp), 1e-14)
        if not valid:
            step *= 0.5
            J = None
            if step < min_step:
                lost.extend(targets[ti:])
                break
            continue
        # accept (the degenerate b = 0 typical point itself does not end the 'first step' treatment,
        # and its Jacobian, singular in σ, is not carried along)
        if not at_start:
            first = False
            J = J_new
        else:
            J = None
        lam_cur, x_cur, ph_cur, qh_cur = lam_new, x, last["p_hat"], last["q_hat"]
        if hist and abs(hist[-1][0] - lam_cur) <= 1e-12:
            hist[-1] = (lam_cur, x_cur.copy(), ph_cur)
        else:
            hist.append((lam_cur, x_cur.copy(), ph_cur))
        prev_q = (p, last["q"])
        if _nfev <= 6:
            step = min(step * 1.5, max_step)
        elif _nfev > 12:
            step *= 0.7
        if lam_new == lam_t:
            dV_dp = -last["p_hat"] + ctx.alpha * last["d_p"]
            results[targets[ti]] = (dpt, V, bound, last["q"], last["t"], last["q_hat"], last["t_hat"],
                                    last["p_hat"], dV_dp, res)
            ti += 1
    return results, lost


def _curve(ctx, dd, tol):
    p_targets = 1.0 - 2.0 * dd
    p0, x0, ph0, qh0, exact = _start_point(ctx)
    up = np.sort(p_targets[p_targets >= p0])
    down = np.sort(p_targets[p_targets < p0])[::-1]
    results, lost = {}, []
    for targets, is_up in ((up, True), (down, False)):
        if targets.size:
            r, l_ = _branch(ctx, p0, x0, ph0, qh0, exact, list(targets), is_up, tol)
            results.update(r)
            lost.extend(l_)
    d_of_p = dict(zip(p_targets, dd))  # report the distances exactly as requested
    results = {k: (d_of_p.get(k, v[0]),) + tuple(v[1:]) for k, v in results.items()}
    lost_d = np.sort(np.array([d_of_p.get(p, 0.5 * (1 - p)) for p in lost], dtype=float))
    if lost_d.size:
        warnings.warn(
            f"franz_parisi(alpha={ctx.alpha}, kappa={ctx.kappa}, kappa_ref={ctx.kappa_ref}): saddle point "
            f"lost at d = {np.array2string(lost_d, precision=5)}; these points are dropped",
            SaddlePointWarning, stacklevel=3)
    keys = sorted(results, reverse=True)  # increasing d
    cols = list(zip(*[results[k] for k in keys])) if keys else [()] * 10
    arr = [np.array(c, dtype=float) for c in cols]
    return FranzParisiCurve(ctx.alpha, ctx.kappa, ctx.kappa_ref, ctx.qt, ctx.qht, *arr, lost_d)


def franz_parisi(alpha, d, kappa=0.0, kappa_ref=0.0, *, n_z=48, n_x=48, n_eta=32, tol=1e-8):
    r"""RS Franz–Parisi local entropy :math:`V(d)` of the binary perceptron (module docstring).

    :math:`V(d)` is the entropy per weight of the solutions of margin ``kappa`` at normalized Hamming
    distance :math:`d = (1-p)/2` from a reference drawn uniformly among the solutions of margin
    ``kappa_ref`` (:math:`\tilde\kappa`), quenched over the reference and the patterns:

    .. math:: V(p) = \mathrm{extr}_{q,t,\hat q,\hat t,\hat p}\Big[-\frac{\hat q}{2}(1-q) - \hat p p
              + \hat t t + I_S(\hat q,\hat t,\hat p) + \alpha I_E(q,t,p)\Big]

    with :math:`I_S, I_E` in the module docstring. ``d`` may be a scalar or an array in
    :math:`(0, 1/2]`; the saddle point is continued in :math:`p` from the typical overlap
    :math:`\tilde q` (where, for :math:`\kappa = \tilde\kappa`, :math:`V = s_{RS}`).

    Returns a :class:`FranzParisiCurve` (arrays sorted by ``d``). Points where the saddle point is lost
    are dropped, listed in ``lost_d`` and reported with a :class:`SaddlePointWarning`; no spurious
    branch is returned silently.

    ``n_z``, ``n_x``, ``n_eta``: quadrature sizes of the energetic integral; ``tol``: tolerance on the
    scaled saddle-point residual.
    """
    alpha = check_float("alpha", alpha, positive=True)
    dd, _ = as_float_or_array("d", d, low=0.0, low_open=True, high=0.5)
    kappa = check_float("kappa", kappa)
    kappa_ref = check_float("kappa_ref", kappa_ref)
    n_z = check_int("n_z", n_z, min_value=8)
    n_x = check_int("n_x", n_x, min_value=8)
    n_eta = check_int("n_eta", n_eta, min_value=8)
    tol = check_float("tol", tol, positive=True)
    ctx = _Context(alpha, kappa, kappa_ref, n_z=n_z, n_x=n_x, n_eta=n_eta)
    return _curve(ctx, np.unique(dd), tol)


def isolation_radius(alpha, kappa=0.0, kappa_ref=0.0, *, d_min=1e-3, n_grid=24):
    r"""Isolation radius :math:`d^*`: the distance below which the Franz–Parisi local entropy is negative,

    .. math:: d^* = \sup\{d : V(d') < 0 \text{ for all } 0 < d' < d\}

    (Huang & Kabashima 2014: typical solutions are isolated). Computed by scanning :math:`V` on a log grid from ``d_min`` to the typical
    distance :math:`(1-\tilde q)/2` and refining the last sign change by Brent's method.
    Returns ``0.0`` if :math:`V(d_{\min}) > 0` (no isolation detectable above ``d_min``: the reference
    lies in a dense region, e.g. high-margin references). Raises ``RuntimeError`` if the saddle point
    is lost before a sign change is found (the answer would be unreliable).
    """
    alpha = check_float("alpha", alpha, positive=True)
    kappa = check_float("kappa", kappa)
    kappa_ref = check_float("kappa_ref", kappa_ref)
    d_min = check_float("d_min", d_min, positive=True)
    n_grid = check_int("n_grid", n_grid, min_value=4)
    ctx = _Context(alpha, kappa, kappa_ref)
    d0 = 0.5 * (1 - ctx.qt)
    if d_min >= d0:
        raise ValueError(f"d_min={d_min} must be below the typical distance {d0:.4g}")
    grid = np.geomspace(d_min, d0, n_grid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SaddlePointWarning)
        curve = _curve(ctx, grid, 1e-9)
    if curve.d.size == 0:
        raise RuntimeError("isolation_radius: the saddle point was lost everywhere")
    V = curve.local_entropy
    if V[0] > 0 and curve.d[0] <= d_min * (1 + 1e-12):
        return 0.0
    neg = np.nonzero(V < 0)[0]
    if neg.size == 0:
        raise RuntimeError(f"isolation_radius: V(d) >= 0 on the computed points but points below "
                           f"d={curve.d[0]:.4g} were lost; cannot locate d*")
    i = neg[-1]
    if i + 1 >= V.size:
        raise RuntimeError("isolation_radius: V < 0 up to the typical distance (unexpected)")
    lo, hi = curve.d[i], curve.d[i + 1]
    if curve.d.size < grid.size and curve.d[0] > d_min * (1 + 1e-12):
        warnings.warn(f"isolation_radius: saddle point lost below d={curve.d[0]:.4g}", SaddlePointWarning,
                      stacklevel=2)

    # refine by Brent, each evaluation continued from the solved grid point at d = hi (few steps)
    j = i + 1
    p_hi = 1 - 2 * curve.d[j]
    x_hi = np.array(_params_from_qt(ctx, p_hi, curve.q[j], curve.t[j]))

    def V_at(dd):
        r, lost = _branch(ctx, p_hi, x_hi, curve.p_hat[j], curve.q_hat[j], False, [1 - 2 * dd], True, 1e-9)
        if lost:
            raise RuntimeError(f"isolation_radius: saddle point lost at d={dd}")
        return r[1 - 2 * dd][1]

    return float(optimize.brentq(V_at, lo, hi, xtol=1e-7, rtol=1e-7))

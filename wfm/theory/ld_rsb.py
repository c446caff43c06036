r"""One-step RSB of the external (centre) measure of the binary-perceptron large deviations, frozen ansatz.

Derivation: ``docs/theory/large_deviations.md`` (section "Beyond RS"). Summary.

Where the RS external entropy :math:`\Sigma_{\rm ext}(d;y)` of :mod:`wfm.theory.ld_finite_y` is negative, the
RS measure over centres cannot be right: a log-number of dominant centres is never negative. Break the
symmetry among the n → 0 groups (one centre and its y replicas each) at one step: blocks of m groups whose
centres coincide (centre–centre overlap :math:`Q_1 = 1` inside a block, the *frozen* ansatz; everything
else RS). A block is then one centre with ym replicas, indistinguishable from one another, so its replicas
keep the RS structure (q1 inside the block, q0 between blocks) and

.. math:: y\phi_{\rm 1RSB}(y;m) = \frac{1}{m}\,\Phi_{RS}(ym),\qquad \Phi_{RS}(y) = y\,\phi_{RS}(y).

Stationarity in the Parisi parameter m: :math:`\partial_m[\Phi_{RS}(ym)/m] = -\Sigma_{\rm ext}(ym)/m^2 = 0`, so
:math:`y^* = ym^*` solves :math:`\Sigma_{\rm ext}(d;y^*) = 0` (unique: :math:`\Sigma_{\rm ext}` decreases in y from
ln 2 at y → 0, since :math:`d\Sigma_{\rm ext}/dy = -y\,dS_{\rm int}/dy` and :math:`\Phi_{RS}` is convex in y).
With :math:`0 < m^* \le 1` (i.e. :math:`y^* \le y`; otherwise m = 1 and RS stands):

.. math:: S^{\rm 1RSB}_{\rm int}(d;y) = \phi^{\rm 1RSB} = S_{\rm int}(d;y^*),\qquad \Sigma^{\rm 1RSB}_{\rm ext} = 0,

the entropy-crisis ("freezing") construction of the random energy model, and the same frozen one-step
ansatz that gives the Krauth–Mézard capacity of the binary perceptron (Krauth & Mézard, J. Phys. France 50,
3057 (1989)). At y = ∞ the maximal local entropy becomes :math:`S(d) = S_{\rm int}(d;y^*(d))` and, because
:math:`\partial_y\phi_{RS} = -\Sigma_{\rm ext}/y^2 = 0` at :math:`y^*`,

.. math:: \frac{dS}{dd} = 2\hat p\,(d;y^*(d)),

so the curve stops being monotonic where :math:`\min_d \hat p(d;y^*(d))` crosses zero (:func:`monotonicity_threshold_1rsb`).

Level of approximation: one step of RSB in the external measure, frozen (:math:`Q_1 = 1`, not optimized), RS
inside each block (q1, q0 of the replicas), free centre, no RSB among the replicas of a block. It is a
lower bound-type correction to the RS curve in the sense that it removes the centres RS counts with a
negative multiplicity; the non-frozen 1RSB (:math:`Q_1 < 1`) and RSB inside the blocks are not computed.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from scipy import optimize

from .._errors import check_float
from ._checks import SaddlePointWarning
from .ld_finite_y import _check_d, _follow, _Free, _solve, sigma_ext_infinity

__all__ = ["FrozenCurve", "frozen_external_curve", "monotonicity_threshold_1rsb"]

_Y_BIG = 2e3


class _Augmented:
    """Saddle point and Σ_ext = 0 together: unknowns (logit q0, ln D_q, p̂, ln y) at fixed p."""

    n = 4

    def __init__(self, alpha, kappa):
        self.alpha, self.kappa = alpha, kappa

    def evaluate(self, z, p):
        if not (np.all(np.isfinite(z)) and z[3] < np.log(1e6) and z[3] > np.log(1e-3)):
            return np.full(4, 1e3), None
        res, rec = _Free(self.alpha, self.kappa, float(np.exp(z[3]))).evaluate(z[:3], p)
        if rec is None:
            return np.full(4, 1e3), None
        return np.r_[res, rec["Sigma_ext"]], rec

    def residual(self, z, p):
        return self.evaluate(z, p)[0]


def _y_star(alpha, kappa, d, y_big=_Y_BIG, h_max=0.3):
    """(ln y*, x) at distance d: the y → ∞ saddle point (max_local_entropy) continued downwards in ln y
    from y_big until Σ_ext changes sign, then the augmented system. None if it does not change sign."""
    from .large_deviations import max_local_entropy

    m = max_local_entropy(alpha, [d], kappa, locate_min=False)
    if not np.isfinite(m.entropy[0]):
        return None
    p = 1.0 - 2.0 * d
    x = np.array([np.log(m.q[0] / (1.0 - m.q[0])), np.log(m.dq[0]), m.pi_hat[0]])
    x, ok, _ = _solve(_Free(alpha, kappa, y_big), x, p)
    if not ok:
        return None
    ly = np.log(y_big)
    sig = _Free(alpha, kappa, y_big).evaluate(x, p)[1]["Sigma_ext"]
    if sig >= 0:
        return None
    h = h_max
    while ly > np.log(1e-2):
        ly_new = ly - h
        xs, ok, _ = _solve(_Free(alpha, kappa, float(np.exp(ly_new))), x, p)
        if not ok:
            h *= 0.5
            if h < 1e-4:
                return None
            continue
        sig_new = _Free(alpha, kappa, float(np.exp(ly_new))).evaluate(xs, p)[1]["Sigma_ext"]
        if sig_new >= 0:  # bracketed: interpolate and solve the augmented system
            t = sig / (sig - sig_new)
            z0 = np.r_[x + t * (xs - x), ly + t * (ly_new - ly)]
            z, ok, _ = _solve(_Augmented(alpha, kappa), z0, p)
            return z if ok else None
        x, ly, sig = xs, ly_new, sig_new
        h = min(h_max, 1.5 * h)
    return None


@dataclasses.dataclass
class FrozenCurve:
    r"""Maximal local entropy at y = ∞ with the frozen one-step RSB of the external measure (module docstring).

    ``S``: :math:`S_{\rm int}(d;y^*(d))` where :math:`\Sigma_{\rm ext}(d;\infty) < 0` (``frozen``), else the RS
    y → ∞ value; ``y_star`` (inf where not frozen); ``p_hat``: :math:`\hat p(d;y^*)` (:math:`\hat\pi` where not
    frozen), :math:`dS/dd = 2\hat p`; ``S_rs`` and ``Sigma_ext_rs``: the RS y → ∞ curve and its external
    entropy, for comparison. NaN where a saddle point was lost (:class:`SaddlePointWarning`)."""

    alpha: float
    kappa: float
    d: np.ndarray
    S: np.ndarray
    y_star: np.ndarray
    p_hat: np.ndarray
    frozen: np.ndarray
    S_rs: np.ndarray
    Sigma_ext_rs: np.ndarray

    @property
    def monotonic(self):
        return bool(np.all(np.isfinite(self.p_hat)) and np.all(self.p_hat > 0))


def frozen_external_curve(alpha, d, kappa=0.0):
    r"""The y → ∞ maximal local entropy of the binary perceptron (free centre) with the frozen 1RSB of the
    external measure (module docstring): :math:`S(d) = S_{\rm int}(d;y^*(d))`, :math:`\Sigma_{\rm ext}(d;y^*) = 0`,
    where the RS external entropy at y = ∞ is negative; the RS y → ∞ curve elsewhere. Returns a
    :class:`FrozenCurve`."""
    from .large_deviations import max_local_entropy

    alpha = check_float("alpha", alpha, positive=True)
    kappa = check_float("kappa", kappa)
    dd = _check_d(d)
    m = max_local_entropy(alpha, dd, kappa, locate_min=False)
    sig = np.array([sigma_ext_infinity(alpha, 1 - 2 * di, m.q[i], m.dq[i], m.q_hat[i], m.dq_hat[i], m.pi_hat[i], kappa)
                    if np.isfinite(m.entropy[i]) else np.nan for i, di in enumerate(dd)])
    frozen = np.isfinite(sig) & (sig < 0)
    S, ys, ph = m.entropy.copy(), np.full(dd.size, np.inf), m.pi_hat.copy()
    todo = np.sort(dd[frozen])
    aug = _Augmented(alpha, kappa)
    sols = {}
    while todo.size:
        z = _y_star(alpha, kappa, float(todo[0]))
        if z is None:
            sols[float(todo[0])] = None
            todo = todo[1:]
            continue
        sols[float(todo[0])] = z
        rest = _follow(aug, z, float(todo[0]), todo[1:]) if todo.size > 1 else []
        for di, zi in zip(todo[1:], rest):
            sols[float(di)] = zi
        lost = [i for i, zi in enumerate(rest) if zi is None]
        todo = todo[1:][lost[0]:] if lost else np.array([])
        if todo.size:
            sols[float(todo[0])] = None  # re-seeded on the next pass from the point after
            todo = todo[1:]
    lost = []
    for i, di in enumerate(dd):
        if not frozen[i]:
            continue
        z = sols.get(float(di))
        if z is None:
            S[i], ys[i], ph[i] = np.nan, np.nan, np.nan
            lost.append(float(di))
            continue
        rec = aug.evaluate(z, 1 - 2 * di)[1]
        S[i], ys[i], ph[i] = rec["S_int"], float(np.exp(z[3])), rec["p_hat"]
    if lost:
        warnings.warn(f"frozen_external_curve(alpha={alpha}): y* not found at d = {lost}", SaddlePointWarning,
                      stacklevel=2)
    return FrozenCurve(alpha, kappa, dd, S, ys, ph, frozen, m.entropy, sig)


def monotonicity_threshold_1rsb(kappa=0.0, bracket=(0.74, 0.80), xtol=1e-4, d=None):
    r"""The load above which the frozen-1RSB maximal local entropy (y = ∞) stops increasing with d: the root
    in α of :math:`\min_d\hat p(d;y^*(d))` (grid ``d``, default 36 log-spaced points in [0.003, 0.3], refined
    by a parabola through the three points around the minimum) by Brent's method. Level of approximation:
    see the module docstring."""
    kappa = check_float("kappa", kappa)
    dd = np.geomspace(0.003, 0.3, 36) if d is None else _check_d(d)

    def g(a):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SaddlePointWarning)
            c = frozen_external_curve(a, dd, kappa)
        ph = c.p_hat
        if not np.any(np.isfinite(ph)):
            return np.nan
        j = int(np.nanargmin(ph))
        if 0 < j < dd.size - 1 and np.all(np.isfinite(ph[j - 1:j + 2])):
            u = np.log(dd[j - 1:j + 2])
            A = np.polyfit(u, ph[j - 1:j + 2], 2)
            if A[0] > 0:
                return float(np.polyval(A, -A[1] / (2 * A[0])))
        return float(ph[j])

    lo, hi = bracket
    g_lo, g_hi = g(lo), g(hi)
    if not (g_lo > 0 > g_hi):
        raise ValueError(f"monotonicity_threshold_1rsb: min p_hat does not change sign on {bracket} "
                         f"({g_lo:.3g}, {g_hi:.3g})")
    return optimize.brentq(g, lo, hi, xtol=xtol)

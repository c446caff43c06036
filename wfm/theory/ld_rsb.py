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

from ..core.checks import check_float
from ._continuation import secant_follow
from ._checks import ReplicaSymmetryWarning, SaddlePointWarning
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

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
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
    r"""Large deviations at y (default ∞) with the frozen one-step RSB of the external measure (module docstring).

    ``S``: :math:`S_{\rm int}(d;y^*(d))` where the RS :math:`\Sigma_{\rm ext}(d;y) < 0` (``frozen``), else the RS
    value :math:`S_{\rm int}(d;y)`; it is also the 1RSB free entropy per replica φ there (:math:`\Sigma_{\rm ext}=0`).
    ``y_star`` (inf where not frozen); ``p_hat``: :math:`\hat p(d;y^*)` (the RS :math:`\hat p` or
    :math:`\hat\pi` where not frozen), :math:`dS/dd = 2\hat p` on the frozen part; ``S_rs`` and
    ``Sigma_ext_rs``: the RS curve at y and its external entropy, for comparison. NaN where a saddle point was
    lost (:class:`SaddlePointWarning`)."""

    alpha: float
    kappa: float
    d: np.ndarray
    S: np.ndarray
    y_star: np.ndarray
    p_hat: np.ndarray
    frozen: np.ndarray
    S_rs: np.ndarray
    Sigma_ext_rs: np.ndarray
    y: float = np.inf

    @property
    def monotonic(self):
        """True if S increases along the (sorted) grid and p̂ > 0 on the frozen part (everywhere at y = ∞,
        where p̂ is π̂ = ½ dS/dd on the RS part)."""
        o = np.argsort(self.d)
        ph = self.p_hat if np.isinf(self.y) else self.p_hat[self.frozen]
        return bool(np.all(np.isfinite(self.S)) and np.all(np.diff(self.S[o]) > 0) and np.all(ph > 0))

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def frozen_external_curve(alpha, d, kappa=0.0, y=np.inf):
    r"""Large deviations of the binary perceptron (free centre) with the frozen 1RSB of the external measure
    (module docstring): :math:`S(d) = S_{\rm int}(d;y^*(d))`, :math:`\Sigma_{\rm ext}(d;y^*) = 0`, where the RS
    external entropy at y is negative; the RS curve at y elsewhere. y* depends on d only (not on y): the frozen
    part of the curve at any finite y coincides with the y = ∞ one. Returns a :class:`FrozenCurve`."""
    from .ld_finite_y import _check_y

    alpha = check_float("alpha", alpha, positive=True)
    kappa = check_float("kappa", kappa)
    return _frozen(alpha, _check_d(d), kappa, _check_y(y))[0]


def _frozen(alpha, dd, kappa, y=np.inf):
    """frozen_external_curve and the augmented solutions z(d) (None where not frozen or lost)."""
    from .large_deviations import max_local_entropy
    from .ld_finite_y import large_deviation_curve

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        if np.isinf(y):
            m = max_local_entropy(alpha, dd, kappa, locate_min=False)
            sig = np.array([sigma_ext_infinity(alpha, 1 - 2 * di, m.q[i], m.dq[i], m.q_hat[i], m.dq_hat[i],
                                               m.pi_hat[i], kappa) if np.isfinite(m.entropy[i]) else np.nan
                            for i, di in enumerate(dd)])
            s_rs, ph_rs = m.entropy, m.pi_hat
        else:
            c = large_deviation_curve(alpha, dd, y, kappa)
            sig, s_rs, ph_rs = c.Sigma_ext, c.S_int, c.p_hat
    frozen = np.isfinite(sig) & (sig < 0)
    S, ys, ph = s_rs.copy(), np.full(dd.size, np.inf), ph_rs.copy()
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
        if not np.exp(z[3]) < y:  # Σ_ext decreases in y: Σ_ext(y) < 0 needs y* < y (else another branch)
            S[i], ys[i], ph[i] = np.nan, np.nan, np.nan
            lost.append(float(di))
            continue
        S[i], ys[i], ph[i] = rec["S_int"], float(np.exp(z[3])), rec["p_hat"]
    if lost:
        warnings.warn(f"frozen_external_curve(alpha={alpha}, y={y}): y* not found (or not below y) at d = {lost}",
                      SaddlePointWarning, stacklevel=3)
    return FrozenCurve(alpha, kappa, dd, S, ys, ph, frozen, s_rs, sig, y), sols


def _continue_in_alpha(z, alpha_from, alpha_to, kappa, d, h_max=0.005):
    """The augmented solution z (saddle point and Σ_ext = 0 at distance d) continued from alpha_from to
    alpha_to (secant predictor, adaptive steps: :func:`wfm.theory._continuation.secant_follow`). Returns
    (z, record) or (None, None)."""
    p = 1.0 - 2.0 * d

    def solve(a, guess, warm):
        return _solve(_Augmented(a, kappa), guess, p)

    z, a, _, _, reached = secant_follow(solve, z, alpha_from, alpha_to, h_max=h_max, h_min=1e-5, tol=1e-15)
    if not reached:
        return None, None
    return z, _Augmented(a, kappa).evaluate(z, p)[1]


def monotonicity_threshold_1rsb(kappa=0.0, alpha_start=0.755, alpha_max=0.82, step=0.005, xtol=1e-4, d=None):
    r"""The load above which the frozen-1RSB maximal local entropy (y = ∞) stops increasing with d: the root
    in α of :math:`g(\alpha) = \min_d\hat p(d;y^*(d))` (:math:`dS/dd = 2\hat p`, module docstring) on the grid
    ``d`` (default 12 log-spaced points in [0.006, 0.12], all frozen for α >= 0.755; the top of the curve, where
    :math:`\hat p\to0` at the typical distance, is excluded).

    The frozen solutions are computed at ``alpha_start`` (:func:`frozen_external_curve`) and continued in α
    (each d separately; saddle point and :math:`\Sigma_{\rm ext} = 0` together) in steps of ``step`` until g
    changes sign, then the root is found by Brent's method (each evaluation continued from the last bracket
    end). Returns ``(alpha_U, info)``, ``info`` a dict with the scanned ``alpha``, ``g``, the grid and, at the
    root, ``y_star``, ``p_hat`` and ``S`` along the grid. Level of approximation: module docstring. Caveat: each
    d is continued in α along one branch of the augmented system (the one reached from y = ∞ at ``alpha_start``);
    where the finite-y RS problem has several branches at y* (docs/theory/large_deviations.md, section 7) the one
    with the larger φ is not selected. Raises ValueError, with the scan of min p̂ in α, if min p̂ does not change
    sign below ``alpha_max``."""
    kappa = check_float("kappa", kappa)
    dd = np.geomspace(0.006, 0.12, 12) if d is None else _check_d(d)
    curve, sols = _frozen(alpha_start, dd, kappa)
    if not np.all(curve.frozen):
        raise ValueError(f"monotonicity_threshold_1rsb: the grid is not all frozen at alpha={alpha_start}")
    zs = [sols.get(float(di)) for di in dd]

    def at(alpha_to, alpha_from, z_from):
        out = [_continue_in_alpha(z, alpha_from, alpha_to, kappa, di) if z is not None else (None, None)
               for z, di in zip(z_from, dd)]
        z_new = [o[0] for o in out]
        ph = np.array([o[1]["p_hat"] if o[1] is not None else np.nan for o in out])
        ys = np.array([np.exp(z[3]) if z is not None else np.nan for z in z_new])
        S = np.array([o[1]["S_int"] if o[1] is not None else np.nan for o in out])
        return z_new, ph, ys, S

    alphas, gs, lost = [alpha_start], [float(np.nanmin(curve.p_hat))], [int(np.isnan(curve.p_hat).sum())]
    a, z_cur = alpha_start, zs
    while gs[-1] > 0 and a < alpha_max:
        a_new = min(alpha_max, a + step)
        z_new, ph, _, _ = at(a_new, a, z_cur)
        if np.all(np.isnan(ph)):
            raise RuntimeError(f"monotonicity_threshold_1rsb: every frozen solution lost at alpha={a_new}")
        alphas.append(a_new)
        gs.append(float(np.nanmin(ph)))
        lost.append(int(np.isnan(ph).sum()))
        if gs[-1] > 0:
            a, z_cur = a_new, z_new
    if gs[-1] > 0:
        scan = ", ".join(f"{x:.3f}: {g:.4g} ({n} lost)" for x, g, n in zip(alphas, gs, lost))
        raise ValueError(f"monotonicity_threshold_1rsb: min p_hat still positive at alpha={alpha_max} on the grid "
                         f"d in [{dd.min():.4g}, {dd.max():.4g}] ({dd.size} points); scan alpha: min p_hat = {scan}")
    lo, z_lo = a, z_cur
    hi = alphas[-1]

    def g(alpha):
        return float(np.nanmin(at(alpha, lo, z_lo)[1]))

    root = optimize.brentq(g, lo, hi, xtol=xtol)
    _, ph, ys, S = at(root, lo, z_lo)
    info = {"alpha": np.array(alphas), "g": np.array(gs), "d": dd, "y_star": ys, "p_hat": ph, "S": S}
    return root, info

r"""Finite-size scaling of algorithmic thresholds: success probabilities, their 50 % point, the N → ∞ limit.

For an algorithm run on ``n`` instances at load α, ``k`` of which it solves:

* :func:`wilson_interval` -- the Wilson score interval of the success probability (Wilson, JASA 22, 209
  (1927)): with :math:`\hat p = k/n` and the normal quantile z,
  :math:`\big(\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}\big)/(1 + z^2/n)`; unlike the Wald
  interval it stays inside [0, 1] and is not degenerate at k = 0 or n.
* :func:`fit_threshold` -- the success curve at one N fitted by maximum likelihood (binomial, every instance
  one Bernoulli trial) with the logistic form :math:`P(\alpha) = 1/(1 + e^{(\alpha - \alpha_{50})/w})`; the
  50 % point :math:`\alpha_{50}(N)` with a Bayesian-bootstrap interval (at each α the success probability
  drawn from its Jeffreys posterior Beta(k + ½, n − k + ½), the curve refitted to n·p*: an all-solved or
  none-solved point is not treated as certain, so a curve with one intermediate point does not get a spuriously
  tiny error; for intermediate points the spread is the binomial one).
* :func:`extrapolate` -- :math:`\alpha_{50}(N) = \alpha_\infty - a N^{-x}` fitted by weighted least squares
  (weights from the bootstrap errors), with the exponent fixed (default x = 1/2) unless a fit of x is asked
  for; the statistical uncertainty of :math:`\alpha_\infty` by a parametric bootstrap over the
  :math:`\alpha_{50}(N)` errors, and the systematic one of the form by the fits at x = 1/3 and x = 1
  (``alpha_inf_x_range``). Over one or 1.5 decades of N with α50 differences of a few 10⁻³ a free exponent is not
  determined (it runs to its bound and α∞ with it), so it is fitted only on request and bounded to [1/4, 2].
"""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy import optimize, stats

from ..core.checks import check_float, check_int

__all__ = ["wilson_interval", "Threshold", "fit_threshold", "Extrapolation", "extrapolate"]


def wilson_interval(k, n, confidence=0.95):
    """Wilson score interval ``(lo, hi)`` of a binomial proportion k/n (arrays broadcast)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(n <= 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError("wilson_interval needs 0 <= k <= n and n > 0")
    z = stats.norm.ppf(0.5 + check_float("confidence", confidence, positive=True) / 2)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def _logistic(alpha, a50, w):
    return 1.0 / (1.0 + np.exp(np.clip((alpha - a50) / w, -700, 700)))


def _mle(alpha, k, n, start):
    """Maximum-likelihood (α50, w) of the logistic success curve.

    The logistic curve is a binomial GLM, logit P = β0 + β1 α with β1 = −1/w and β0 = α50/w, fitted by
    Newton's method (IRLS) in the centred variable t = (α − ᾱ)/s, each step halved until the penalized
    log-likelihood does not decrease (plain Newton from a steep start diverges: the weights n p(1−p) vanish).
    ``start`` = (α50, w) is tried first and the flat curve (β1 = 0, P = the pooled success fraction) second; the
    one with the larger likelihood is kept. A ridge of 1e-8 on β1 keeps the estimate finite when the data are
    perfectly separated (every instance solved below some α and none above): w then tends to 0 and α50 to the
    middle of the gap, which is the limit of the likelihood's maximizers.
    """
    centre, scale = float(np.mean(alpha)), float(np.ptp(alpha)) or 1.0
    t = (alpha - centre) / scale
    ridge = 1e-8

    def loglik(beta):
        eta = beta[0] + beta[1] * t
        # log p = -log(1 + e^-eta), log(1-p) = -log(1 + e^eta), written stably
        return float(np.sum(-k * np.logaddexp(0.0, -eta) - (n - k) * np.logaddexp(0.0, eta))
                     - 0.5 * ridge * beta[1] ** 2)

    def newton(beta):
        ll = loglik(beta)
        for _ in range(500):
            eta = np.clip(beta[0] + beta[1] * t, -700, 700)
            p = 1.0 / (1.0 + np.exp(-eta))
            wts = n * p * (1 - p) + 1e-12
            grad = np.array([np.sum(k - n * p), np.sum((k - n * p) * t) - ridge * beta[1]])
            hess = np.array([[np.sum(wts), np.sum(wts * t)], [np.sum(wts * t), np.sum(wts * t * t) + ridge]])
            step = np.linalg.solve(hess, grad)
            lam = 1.0
            while lam > 1e-12:
                trial = beta + lam * step
                ll_t = loglik(trial)
                if ll_t >= ll - 1e-12 * abs(ll):
                    break
                lam /= 2
            beta, ll = trial, ll_t
            if np.max(np.abs(lam * step)) < 1e-10:
                break
        return beta, ll

    b1 = -scale / max(start[1], 1e-6)
    pbar = float(np.clip(np.sum(k) / np.sum(n), 1e-3, 1 - 1e-3))
    fits = [newton(np.array([-b1 * (start[0] - centre) / scale, b1])),
            newton(np.array([np.log(pbar / (1 - pbar)), 0.0]))]
    (b0, b1), _ = max(fits, key=lambda f: f[1] if np.isfinite(f[1]) else -np.inf)
    if b1 >= 0:  # success does not fall with α: no threshold in the data
        return float("nan"), float("nan")
    w = -scale / b1
    return float(centre - b0 * scale / b1), float(w)


@dataclasses.dataclass
class Threshold:
    """The 50 % point of one success curve: ``alpha50`` with its bootstrap interval ``(lo, hi)`` and standard
    error ``stderr``, the width ``w`` of the logistic fit, and the data (``alpha``, ``k``, ``n``)."""

    alpha50: float
    lo: float
    hi: float
    stderr: float
    w: float
    alpha: np.ndarray
    k: np.ndarray
    n: np.ndarray
    bracketed: bool  # the data go from above 1/2 to below 1/2 (else alpha50 is an extrapolation of the fit)


def fit_threshold(alpha, k, n, *, n_boot=400, seed=0, confidence=0.68) -> Threshold:
    """Fit the logistic success curve to ``k`` solved of ``n`` instances at each ``alpha``; bootstrap α50.

    ``confidence`` is the level of the reported interval (0.68: ± one standard error). The bootstrap resamples
    the success probability at each α from its Jeffreys posterior (p* ~ Beta(k + ½, n − k + ½); a point with
    k = 0 or k = n still varies) and refits to k* = n p*; ``stderr`` is half the width of the central 68.3 %
    bootstrap interval (a robust standard deviation: with few α values a few resamples give an almost flat
    curve whose 50 % point runs far off, which would dominate the plain standard deviation). Resamples whose
    success fraction does not fall with α (no threshold) are left out.
    """
    alpha = np.asarray(alpha, dtype=float)
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if alpha.ndim != 1 or alpha.shape != k.shape or alpha.shape != n.shape or alpha.size < 2:
        raise ValueError("alpha, k and n must be 1-d arrays of equal length >= 2")
    if np.any(n <= 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError("fit_threshold needs 0 <= k <= n and n > 0 at every alpha")
    n_boot = check_int("n_boot", n_boot, min_value=10)
    order = np.argsort(alpha)
    alpha, k, n = alpha[order], k[order], n[order]
    frac = k / n
    # start: the linear crossing of 1/2 if any, else the middle of the range
    cross = np.nonzero((frac[:-1] >= 0.5) & (frac[1:] < 0.5))[0]
    if cross.size:
        i = cross[0]
        a0 = alpha[i] + (alpha[i + 1] - alpha[i]) * (frac[i] - 0.5) / max(frac[i] - frac[i + 1], 1e-9)
    else:
        a0 = float(np.mean(alpha))
    span = float(alpha[-1] - alpha[0]) or 1.0
    a50, w = _mle(alpha, k, n, (a0, span / 10))
    if not np.isfinite(a50):
        raise ValueError("the success fraction does not fall with alpha: no threshold to fit")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    boots = np.empty(n_boot)
    for b in range(n_boot):
        kb = n * rng.beta(k + 0.5, n - k + 0.5)
        boots[b] = _mle(alpha, kb, n, (a50, w))[0]
    q = (1 - confidence) / 2
    boots = boots[np.isfinite(boots)]
    lo, hi = np.quantile(boots, [q, 1 - q])
    s_lo, s_hi = np.quantile(boots, [0.5 - 0.6827 / 2, 0.5 + 0.6827 / 2])
    bracketed = bool(frac.max() > 0.5 and frac.min() < 0.5)
    return Threshold(a50, float(lo), float(hi), float((s_hi - s_lo) / 2), w, alpha, k, n, bracketed)


@dataclasses.dataclass
class Extrapolation:
    """α50(N) = alpha_inf − a N^(−x): ``alpha_inf`` ± ``stderr`` (interval ``lo``, ``hi``), ``a``, ``x``,
    whether x was fitted (``x_fitted``), the form as text, χ²/dof of the fit (NaN with no dof left), and
    ``alpha_inf_x_range``: α∞ of the same data with x fixed to 1/3 and to 1 (the systematic uncertainty of the
    form; NaN when x was fitted)."""

    alpha_inf: float
    stderr: float
    lo: float
    hi: float
    a: float
    x: float
    x_fitted: bool
    form: str
    chi2_dof: float
    alpha_inf_x_range: tuple = (float("nan"), float("nan"))

    def at(self, n):
        """The fitted α50(N) = alpha_inf − a N^(−x) at size(s) ``n``."""
        return self.alpha_inf - self.a * np.asarray(n, float) ** (-self.x)


def extrapolate(n_sizes, alpha50, stderr, *, x=0.5, fit_exponent=False, n_boot=2000, seed=0,
                confidence=0.68) -> Extrapolation:
    """Extrapolate α50(N) to N → ∞ with α50(N) = α∞ − a N^(−x) (weighted least squares).

    ``x`` is fixed (default 1/2) unless ``fit_exponent=True`` (then at least four sizes, x bounded to
    [1/4, 2] and started at ``x``). The statistical uncertainty comes from a parametric bootstrap
    (α50(N) ~ Normal(value, stderr)); the systematic one of a fixed x from the fits at x = 1/3 and x = 1.
    """
    nn = np.asarray(n_sizes, dtype=float)
    y = np.asarray(alpha50, dtype=float)
    e = np.asarray(stderr, dtype=float)
    if nn.ndim != 1 or nn.shape != y.shape or nn.shape != e.shape or nn.size < 2:
        raise ValueError("n_sizes, alpha50 and stderr must be 1-d arrays of equal length >= 2")
    if np.any(e <= 0) or np.any(nn <= 0):
        raise ValueError("stderr and n_sizes must be > 0")
    fit_x = bool(fit_exponent)
    if fit_x and nn.size < 4:
        raise ValueError("fitting the exponent needs at least four sizes")
    x = check_float("x", x, positive=True)

    def fit(yv, x=x):
        if fit_x:
            def res(th):
                return (yv - (th[0] - th[1] * nn ** (-th[2]))) / e
            sol = optimize.least_squares(res, x0=[yv.max(), 1.0, x], bounds=([-np.inf, -np.inf, 0.25], [np.inf, np.inf, 2.0]))
            return sol.x, float(np.sum(sol.fun ** 2))
        A = np.stack([np.ones_like(nn), -nn ** (-x)], axis=1) / e[:, None]
        th, *_ = np.linalg.lstsq(A, yv / e, rcond=None)
        chi2 = float(np.sum((A @ th - yv / e) ** 2))
        return np.array([th[0], th[1], x]), chi2

    theta, chi2 = fit(y)
    dof = nn.size - (3 if fit_x else 2)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    boots = np.array([fit(y + e * rng.standard_normal(y.size))[0][0] for _ in range(check_int("n_boot", n_boot, min_value=10))])
    q = (1 - confidence) / 2
    lo, hi = np.quantile(boots, [q, 1 - q])
    form = f"alpha50(N) = alpha_inf - a N^(-x), x {'fitted' if fit_x else 'fixed'} = {theta[2]:.3g}"
    x_range = ((float("nan"), float("nan")) if fit_x else
               tuple(float(fit(y, x=xs)[0][0]) for xs in (1.0 / 3.0, 1.0)))
    return Extrapolation(float(theta[0]), float(np.std(boots, ddof=1)), float(lo), float(hi), float(theta[1]),
                         float(theta[2]), fit_x, form, chi2 / dof if dof > 0 else float("nan"), x_range)

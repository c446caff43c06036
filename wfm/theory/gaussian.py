r"""Gaussian machinery shared by the replica computations (and by the rest of ``wfm``).

Notation (the one of the perceptron literature, e.g. Gardner 1988; Krauth & Mézard 1989):

* :math:`Dz = e^{-z^2/2}\,dz/\sqrt{2\pi}` is the standard Gaussian measure;
* :math:`G(x) = e^{-x^2/2}/\sqrt{2\pi}` its density;
* :math:`H(x) = \int_x^\infty Dz = \tfrac12\,\mathrm{erfc}(x/\sqrt2)` its upper tail.

Everything is vectorized and stable over the whole real line:

* :func:`log_H` uses ``scipy.special.log_ndtr(-x)`` (no underflow for large positive ``x``:
  :math:`\ln H(x) \approx -x^2/2 - \ln(x\sqrt{2\pi})`);
* :func:`GH_ratio` (:math:`G/H`, the inverse Mills ratio) uses the ``erfcx`` branch for ``x >= 0``,
  :math:`G(x)/H(x) = \sqrt{2/\pi}/\mathrm{erfcx}(x/\sqrt2)`, which behaves like ``x`` at large ``x``
  instead of 0/0;
* :func:`log_2cosh` is :math:`|x| + \log1p(e^{-2|x|})`.

Gaussian averages :math:`\int Dz\, f(z)` are computed with probabilists' Gauss–Hermite quadrature
(:func:`gauss_hermite`, weights normalized to sum to 1), or, for integrands with a sharp
feature whose width is known, with the trapezoid rule on a uniform grid (:func:`uniform_gaussian_rule`),
which converges exponentially for integrands analytic in a strip around the real axis.
"""
from __future__ import annotations

import functools

import numpy as np
from scipy import special

from .._errors import check_int

__all__ = [
    "G",
    "H",
    "log_H",
    "GH_ratio",
    "log_H_and_GH",
    "log_2cosh",
    "gauss_hermite",
    "uniform_gaussian_rule",
    "truncated_gaussian_rule",
    "gauss_average",
]

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_SQRT2 = np.sqrt(2.0)


def G(x):
    r"""Standard Gaussian density :math:`G(x) = e^{-x^2/2}/\sqrt{2\pi}`."""
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * x * x - _LOG_SQRT_2PI)


def H(x):
    r"""Gaussian tail :math:`H(x) = \int_x^\infty Dz = \tfrac12\mathrm{erfc}(x/\sqrt2)`."""
    return special.ndtr(-np.asarray(x, dtype=float))


def log_H(x):
    r""":math:`\ln H(x)`, stable for every real ``x``.

    ``log_ndtr(-x)`` is accurate in both tails: for ``x -> +inf`` it follows
    :math:`-x^2/2 - \ln(x\sqrt{2\pi})` without underflow, for ``x -> -inf`` it is
    :math:`\log1p(-H(-x)) \to 0^-`. Equivalent to the erfcx form
    :math:`\ln(\tfrac12\mathrm{erfcx}(x/\sqrt2)) - x^2/2` for ``x >= 0`` (tested).
    """
    return special.log_ndtr(-np.asarray(x, dtype=float))


def GH_ratio(x):
    r"""The ratio :math:`G(x)/H(x)` (inverse Mills ratio), stable for every real ``x``.

    For ``x >= 0``: :math:`G/H = \sqrt{2/\pi}\,/\,\mathrm{erfcx}(x/\sqrt2)` (erfcx avoids 0/0;
    :math:`G/H \sim x + 1/x` as ``x -> inf``). For ``x < 0``: :math:`H(x) \ge 1/2`, and the plain
    ratio is accurate (it tends to 0 like :math:`G(x)`).
    """
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = np.sqrt(2.0 / np.pi) / special.erfcx(x[pos] / _SQRT2)
    xn = x[~pos]
    out[~pos] = np.exp(-0.5 * xn * xn - _LOG_SQRT_2PI) / special.ndtr(-xn)
    return out if out.ndim else out[()]


def log_H_and_GH(x):
    r"""Both :math:`\ln H(x)` and :math:`G(x)/H(x)` from one ``erfcx`` evaluation (the hot loop of the
    energetic integrals). With :math:`E = \mathrm{erfcx}(|x|/\sqrt2)`, :math:`H(|x|) = \tfrac12 E e^{-x^2/2}`:

    * :math:`x \ge 0`: :math:`\ln H = \ln(E/2) - x^2/2`, :math:`G/H = \sqrt{2/\pi}/E`;
    * :math:`x < 0`: :math:`H = 1 - \tfrac12 E e^{-x^2/2}` (no cancellation, it is >= 1/2),
      :math:`\ln H = \log1p(-\tfrac12 E e^{-x^2/2})`, :math:`G/H = e^{-x^2/2}/(\sqrt{2\pi}H)`.

    Agrees with :func:`log_H` and :func:`GH_ratio` to ~1e-15 relative (tested).
    """
    x = np.asarray(x, dtype=float)
    E = special.erfcx(np.abs(x) * (1.0 / _SQRT2))
    g = np.exp(-0.5 * x * x)
    pos = x >= 0
    tail = 0.5 * E * g  # H(|x|)
    with np.errstate(divide="ignore"):
        logh = np.where(pos, np.log(0.5 * E) - 0.5 * x * x, np.log1p(-tail))
    gh = np.where(pos, np.sqrt(2.0 / np.pi) / E, g / (np.sqrt(2.0 * np.pi) * (1.0 - tail)))
    return logh, gh


def log_2cosh(x):
    r""":math:`\ln 2\cosh x = |x| + \log1p(e^{-2|x|})`, stable for large ``|x|``."""
    a = np.abs(np.asarray(x, dtype=float))
    return a + np.log1p(np.exp(-2.0 * a))


@functools.lru_cache(maxsize=64)
def _gauss_hermite_cached(n):
    x, w = special.roots_hermitenorm(n)  # Golub–Welsch; stable for large n (numpy's hermegauss overflows at n ~ 400)
    w = w / w.sum()  # sum w = sqrt(2 pi) analytically; normalizing makes the measure exact on constants
    x.flags.writeable = False
    w.flags.writeable = False
    return x, w


def gauss_hermite(n=201):
    r"""Nodes ``z`` and weights ``w`` with :math:`\sum_k w_k f(z_k) \approx \int Dz\, f(z)`.

    Probabilists' Gauss–Hermite rule (weight :math:`e^{-z^2/2}`), weights normalized to sum to 1.
    Exact for polynomials of degree ``<= 2n - 1``. Arrays are cached and read-only.
    """
    n = check_int("n", n, min_value=1)
    return _gauss_hermite_cached(n)


@functools.lru_cache(maxsize=64)
def _uniform_cached(n, half_width):
    x = np.linspace(-half_width, half_width, n)
    w = np.exp(-0.5 * x * x)
    w /= w.sum()
    x.flags.writeable = False
    w.flags.writeable = False
    return x, w


def uniform_gaussian_rule(n, half_width=9.0):
    r"""Trapezoid rule for :math:`\int Dz\, f(z)` on ``n`` uniform nodes in ``[-half_width, half_width]``.

    For ``f`` analytic in the strip :math:`|\mathrm{Im}\,z| < \delta` the error decays like
    :math:`e^{-2\pi\delta/h}` with ``h`` the spacing, so a sharp (but smooth) feature of width
    :math:`\delta` needs :math:`h \lesssim \delta/4`; Gauss–Hermite has no such easy handle.
    Weights are normalized to sum to 1 (the truncated Gaussian mass beyond 9 is ~1e-19).
    """
    n = check_int("n", n, min_value=3)
    return _uniform_cached(n, float(half_width))


@functools.lru_cache(maxsize=16)
def _legendre_cached(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return x, w


def truncated_gaussian_rule(x_star, n=48):
    r"""Nodes and weights for :math:`\frac{1}{H(x^*)}\int_{x^*}^\infty Dx\, f(x)`, one row per ``x_star``.

    Gauss–Legendre on :math:`[\max(x^*, -L), x^*_+ + \ell]` with the density :math:`G(x)/H(x^*)` folded
    into the weights; :math:`L = \sqrt{74}` and :math:`\ell` solves
    :math:`x^*_+\ell + \ell^2/2 = 37` so that the neglected mass is below :math:`e^{-37}` relative to
    the density at the lower end. Rows are renormalized to sum to 1 (the conditional measure is a
    probability). Returns ``(x, w)`` of shape ``x_star.shape + (n,)``.
    """
    n = check_int("n", n, min_value=2)
    xs = np.asarray(x_star, dtype=float)
    lo = np.maximum(xs, -np.sqrt(74.0))
    xp = np.maximum(xs, 0.0)
    hi = np.sqrt(xp * xp + 74.0)  # x*_+ + l with x*_+ l + l^2/2 = 37; equals L for x* <= 0
    t, wt = _legendre_cached(n)
    half = 0.5 * (hi - lo)[..., None]
    x = 0.5 * (hi + lo)[..., None] + half * t
    # log density relative to H(x*): G(x)/H(x*) ; normalize per row in log space for stability
    logw = np.log(wt) + np.log(half) - 0.5 * x * x
    logw -= logw.max(axis=-1, keepdims=True)
    w = np.exp(logw)
    w /= w.sum(axis=-1, keepdims=True)
    return x, w


def gauss_average(f, n=201, *, args=()):
    r""":math:`\int Dz\, f(z, *args)` by Gauss–Hermite with ``n`` nodes, for a vectorized ``f``.

    ``f`` receives the nodes with shape ``(n,)`` broadcast against trailing dimensions: the nodes are
    passed as an array of shape ``(n,) + (1,) * k`` where ``k`` is the number of dimensions of the
    broadcast ``args`` (so ``f(z, a)`` with ``a`` of shape ``(m,)`` sees ``z`` of shape ``(n, 1)``).
    The result has the broadcast shape of ``args`` (a float for scalar args).

    Example: ``gauss_average(lambda z, q: np.tanh(np.sqrt(q) * z) ** 2, args=(np.array([.1, .5]),))``
    gives :math:`\int Dz \tanh^2(\sqrt{\hat q} z)` for two values of :math:`\hat q`.
    """
    z, w = gauss_hermite(n)
    args = tuple(np.asarray(a, dtype=float) for a in args)
    shape = np.broadcast_shapes(*(a.shape for a in args)) if args else ()
    zz = z.reshape((n,) + (1,) * len(shape))
    vals = np.asarray(f(zz, *args), dtype=float)
    vals = np.broadcast_to(vals, (n,) + shape)
    out = np.tensordot(w, vals, axes=(0, 0))
    return float(out) if np.ndim(out) == 0 else out

r"""Gaussian quadrature for the replica computations.

Notation (the one of the perceptron literature, e.g. Gardner 1988; Krauth & Mézard 1989):

* :math:`Dz = e^{-z^2/2}\,dz/\sqrt{2\pi}` is the standard Gaussian measure;
* :math:`G(x) = e^{-x^2/2}/\sqrt{2\pi}` its density;
* :math:`H(x) = \int_x^\infty Dz = \tfrac12\,\mathrm{erfc}(x/\sqrt2)` its upper tail.

The special functions themselves (:func:`log_H`, :func:`GH_ratio`, :func:`log_H_and_GH`, :func:`log_2cosh`,
:func:`G`, :func:`H`) are defined once in :mod:`wfm.core.special` and re-exported here.

Gaussian averages :math:`\int Dz\, f(z)` are computed with probabilists' Gauss–Hermite quadrature
(:func:`gauss_hermite`, weights normalized to sum to 1), or, for integrands with a sharp
feature whose width is known, with the trapezoid rule on a uniform grid (:func:`uniform_gaussian_rule`),
which converges exponentially for integrands analytic in a strip around the real axis.
"""
from __future__ import annotations

import functools

import numpy as np
from scipy import special

from ..core.checks import check_int
from ..core.special import G, GH_ratio, H, log_2cosh, log_H, log_H_and_GH

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

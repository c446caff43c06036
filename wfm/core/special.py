r"""Special functions, defined once for all of wfm: a vectorized NumPy form beside a scalar Numba form.

Notation of the perceptron literature (Gardner 1988; Krauth & Mézard 1989):

* :math:`Dz = e^{-z^2/2}\,dz/\sqrt{2\pi}`, :math:`G(x) = e^{-x^2/2}/\sqrt{2\pi}` (the density),
  :math:`H(x) = \int_x^\infty Dz = \tfrac12\mathrm{erfc}(x/\sqrt2)` (the upper tail);
* :math:`\ln H(x)` and :math:`G(x)/H(x)` (the inverse Mills ratio) without underflow in either tail;
* :math:`\ln 2\cosh x = |x| + \log1p(e^{-2|x|})`;
* the binary (Shannon) entropy :math:`\mathcal H(d) = -d\ln d - (1-d)\ln(1-d)` of a fraction ``d``: the
  log-number per weight of configurations at normalized Hamming distance ``d``, hence the upper bound of
  every local entropy (Baldassi et al., PRL 115, 128101 (2015), arXiv:1509.05753);
* softplus :math:`\ln(1 + e^y)` and :math:`\mathrm{sech}^2 x = 1 - \tanh^2 x` computed from ``x``.

Naming: the NumPy form has the plain name (``log_H``), the Numba scalar form the suffix ``_s``
(``log_H_s``); kernels import the ``_s`` forms, everything else the vectorized ones. The two forms of each
function agree to a few ulp (``tests/test_core.py``).
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np
import numpy.typing as npt
from scipy import special as _sp

__all__ = ["G", "H", "log_H", "GH_ratio", "log_H_and_GH", "log_2cosh", "entropy_bound", "softplus", "sech2",
           "log_H_s", "GH_ratio_s", "log_2cosh_s", "entropy_bound_s", "softplus_s", "sech2_s", "logaddexp_s",
           "LOG_SQRT_2PI"]

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT2 = math.sqrt(2.0)
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


# ----------------------------------------------------------------------------------------------------------
# vectorized forms


def G(x: npt.ArrayLike) -> np.ndarray | float:
    r"""Standard Gaussian density :math:`G(x) = e^{-x^2/2}/\sqrt{2\pi}`."""
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * x * x - LOG_SQRT_2PI)


def H(x: npt.ArrayLike) -> np.ndarray | float:
    r"""Gaussian tail :math:`H(x) = \int_x^\infty Dz = \tfrac12\mathrm{erfc}(x/\sqrt2)`."""
    return _sp.ndtr(-np.asarray(x, dtype=float))


def log_H(x: npt.ArrayLike) -> np.ndarray | float:
    r""":math:`\ln H(x)`, stable for every real ``x``.

    ``log_ndtr(-x)`` is accurate in both tails: for ``x -> +inf`` it follows
    :math:`-x^2/2 - \ln(x\sqrt{2\pi})` without underflow, for ``x -> -inf`` it is
    :math:`\log1p(-H(-x)) \to 0^-`.
    """
    return _sp.log_ndtr(-np.asarray(x, dtype=float))


def GH_ratio(x: npt.ArrayLike) -> np.ndarray | float:
    r"""The ratio :math:`G(x)/H(x)` (inverse Mills ratio), stable for every real ``x``.

    For ``x >= 0``: :math:`G/H = \sqrt{2/\pi}\,/\,\mathrm{erfcx}(x/\sqrt2)` (erfcx avoids 0/0;
    :math:`G/H \sim x + 1/x` as ``x -> inf``). For ``x < 0``: :math:`H(x) \ge 1/2`, and the plain
    ratio is accurate (it tends to 0 like :math:`G(x)`).
    """
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = _SQRT_2_OVER_PI / _sp.erfcx(x[pos] / _SQRT2)
    xn = x[~pos]
    out[~pos] = np.exp(-0.5 * xn * xn - LOG_SQRT_2PI) / _sp.ndtr(-xn)
    return out if out.ndim else out[()]


def log_H_and_GH(x: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Both :math:`\ln H(x)` and :math:`G(x)/H(x)` from one ``erfcx`` evaluation (the hot loop of the
    replica integrals). With :math:`E = \mathrm{erfcx}(|x|/\sqrt2)`, :math:`H(|x|) = \tfrac12 E e^{-x^2/2}`:

    * :math:`x \ge 0`: :math:`\ln H = \ln(E/2) - x^2/2`, :math:`G/H = \sqrt{2/\pi}/E`;
    * :math:`x < 0`: :math:`H = 1 - \tfrac12 E e^{-x^2/2}` (no cancellation, it is >= 1/2),
      :math:`\ln H = \log1p(-\tfrac12 E e^{-x^2/2})`, :math:`G/H = e^{-x^2/2}/(\sqrt{2\pi}H)`.

    Agrees with :func:`log_H` and :func:`GH_ratio` to ~1e-15 relative (tested).
    """
    x = np.asarray(x, dtype=float)
    E = _sp.erfcx(np.abs(x) * _SQRT1_2)
    g = np.exp(-0.5 * x * x)
    pos = x >= 0
    tail = 0.5 * E * g  # H(|x|)
    with np.errstate(divide="ignore"):
        logh = np.where(pos, np.log(0.5 * E) - 0.5 * x * x, np.log1p(-tail))
    gh = np.where(pos, _SQRT_2_OVER_PI / E, g / (math.sqrt(2.0 * math.pi) * (1.0 - tail)))
    return logh, gh


def log_2cosh(x: npt.ArrayLike) -> np.ndarray | float:
    r""":math:`\ln 2\cosh x = |x| + \log1p(e^{-2|x|})`, stable for large ``|x|``."""
    a = np.abs(np.asarray(x, dtype=float))
    return a + np.log1p(np.exp(-2.0 * a))


def entropy_bound(d: npt.ArrayLike) -> np.ndarray | float:
    r"""The binary entropy :math:`\mathcal H(d) = -d\ln d - (1-d)\ln(1-d)` for ``0 <= d <= 1``.

    :math:`\mathcal H(0) = \mathcal H(1) = 0` (the limits); NaN outside [0, 1]. It is the log-number per
    weight of ±1 configurations at normalized Hamming distance ``d`` from a given one, so every local
    entropy satisfies :math:`S(d) \le \mathcal H(d)`.
    """
    d = np.asarray(d, dtype=float)
    inside = (d > 0) & (d < 1)
    safe = np.where(inside, d, 0.5)
    out = np.where(inside, -safe * np.log(safe) - (1.0 - safe) * np.log1p(-safe), 0.0)
    out = np.where((d < 0) | (d > 1) | np.isnan(d), np.nan, out)
    return out if out.ndim else float(out)


def softplus(y: npt.ArrayLike) -> np.ndarray | float:
    r""":math:`\ln(1 + e^y)` without overflow (``logaddexp(0, y)``)."""
    return np.logaddexp(0.0, np.asarray(y, dtype=float))


def sech2(x: npt.ArrayLike) -> np.ndarray | float:
    r""":math:`\mathrm{sech}^2 x = 4e^{-2|x|}/(1 + e^{-2|x|})^2`, accurate where :math:`\tanh x` rounds to ±1."""
    e = np.exp(-2.0 * np.abs(np.asarray(x, dtype=float)))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


# ----------------------------------------------------------------------------------------------------------
# scalar Numba forms (callable from other kernels)


@nb.njit(cache=True, nogil=True)
def log_H_s(x: float) -> float:  # pragma: no cover - compiled
    r"""Scalar :math:`\ln H(x)`: ``log1p(-erfc(-x/√2)/2)`` for x < 0, ``log(erfc(x/√2)/2)`` for 0 ≤ x < 35, and the
    asymptotic series :math:`-x^2/2 - \ln x - \ln\sqrt{2\pi} + \ln(1 - x^{-2} + 3x^{-4} - \dots)` beyond, where
    erfc underflows."""
    if x < 0.0:
        return math.log1p(-0.5 * math.erfc(-x * _SQRT1_2))
    if x < 35.0:
        return math.log(0.5 * math.erfc(x * _SQRT1_2))
    if x > 1e150:
        return -math.inf
    r = 1.0 / (x * x)
    series = 1.0 - r * (1.0 - r * (3.0 - r * (15.0 - r * (105.0 - 945.0 * r))))
    return -0.5 * x * x - math.log(x) - LOG_SQRT_2PI + math.log(series)


@nb.njit(cache=True, nogil=True)
def GH_ratio_s(x: float) -> float:  # pragma: no cover - compiled
    r"""Scalar :math:`G(x)/H(x)` as :math:`\exp(\ln G(x) - \ln H(x))` with the stable :func:`log_H_s`."""
    return math.exp(-0.5 * x * x - LOG_SQRT_2PI - log_H_s(x))


@nb.njit(cache=True, nogil=True)
def log_2cosh_s(x: float) -> float:  # pragma: no cover - compiled
    r"""Scalar :math:`\ln 2\cosh x = |x| + \log1p(e^{-2|x|})`."""
    a = abs(x)
    return a + math.log1p(math.exp(-2.0 * a))


@nb.njit(cache=True, nogil=True)
def entropy_bound_s(d: float) -> float:  # pragma: no cover - compiled
    r"""Scalar binary entropy :math:`\mathcal H(d)` (0 at d = 0 and 1, NaN outside [0, 1])."""
    if d < 0.0 or d > 1.0 or d != d:
        return math.nan
    if d == 0.0 or d == 1.0:
        return 0.0
    return -d * math.log(d) - (1.0 - d) * math.log1p(-d)


@nb.njit(cache=True, nogil=True)
def softplus_s(y: float) -> float:  # pragma: no cover - compiled
    r"""Scalar :math:`\ln(1 + e^y)` without overflow."""
    if y > 0:
        return y + math.log1p(math.exp(-y))
    return math.log1p(math.exp(y))


@nb.njit(cache=True, nogil=True)
def sech2_s(x: float) -> float:  # pragma: no cover - compiled
    r"""Scalar :math:`\mathrm{sech}^2 x = 1 - \tanh^2 x`, accurate when :math:`\tanh x` rounds to ±1."""
    e = math.exp(-2.0 * abs(x))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


@nb.njit(cache=True, nogil=True)
def logaddexp_s(a: float, b: float) -> float:  # pragma: no cover - compiled
    r"""Scalar :math:`\ln(e^a + e^b)`, exact when either argument is −∞."""
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    if a > b:
        return a + math.log1p(math.exp(b - a))
    return b + math.log1p(math.exp(a - b))

r"""Vectorizable elementary functions for the message-passing kernels: exp, log, erfcx and ln H / G/H pieces.

LLVM vectorizes a loop only if every call in it has a vector form; without a vector math library (Numba uses
Intel SVML only when it is installed) ``math.exp``, ``math.log`` and ``math.erfc`` stay scalar library calls
and keep BP's per-edge loops scalar. The functions here are written with arithmetic, comparisons (turned into
selects), ``math.floor`` and bit casts only, so a loop that calls them compiles to SIMD code:

* :func:`vexp` — Cody–Waite range reduction x = n ln 2 + r, |r| ≤ ½ ln 2, a degree-13 Taylor polynomial of
  e^r (truncation < 2e-17 relative) and 2^n built from the exponent bits in two factors (so that subnormal
  results and underflow to 0 come out right);
* :func:`vlog` — x = 2^e f with f ∈ [√½, √2) read from the bits, ln f = 2 atanh s, s = (f−1)/(f+1),
  |s| ≤ 0.172, by its odd series to s^23;
* :func:`verfcx` — the scaled complementary error function erfcx(x) = e^{x²} erfc(x), x ≥ 0, from the
  degree-25 Chebyshev interpolant of (1 + 2x) erfcx(x) in t = (x − K)/(x + K), K = 3.75, on the whole half
  line (the form of M. M. Shepherd and J. G. Laframboise, Math. Comp. 36, 249 (1981)), converted to monomials
  and evaluated by Estrin's scheme; the coefficients were
  fitted to ``scipy.special.erfcx`` at 80 Chebyshev nodes (:func:`wfm.bp._kernels.fit_erfcx.fit`), relative error
  below 6e-15 on [0, 1e12] (tested).

With them, for the Gaussian tail H(z) = ½ erfc(z/√2) (:mod:`wfm.core.special`),
H(|z|) = ½ erfcx(|z|/√2) e^{−z²/2}: :func:`vtail` returns the pieces from which ln H(z), ln H(−z) and
G(z)/H(z) follow without an exp/log pair that cancels (ln H(z) = ln(½ erfcx) − z²/2 for z ≥ 0).

Accuracy (tests/test_bp_kernels.py), inside the kernels (compiled with :data:`wfm.core.numerics.FASTMATH`):
vlog within 2 ulp; verfcx within 6e-15 relative of scipy; vexp within 2e-16 (1 + |x|) relative — the
reassociation flags let LLVM fold the two-constant reduction x − n ln2_hi − n ln2_lo into one product, which
costs |x| ulp at most (ln H, G/H and sech² inherit this where they use e^{−z²/2}; the BP messages do not, to
1e-14 relative). Special values: vexp(−inf) = 0, vexp(+inf) = inf, vlog(0) = −inf, vlog(x < 0) = NaN, NaN propagates.
"""
from __future__ import annotations

import math

import numba as nb
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = [
    "bits_f64",
    "f64_bits",
    "vGH",
    "verfcx",
    "verfcx_pair",
    "vexp",
    "vlog",
    "vlog1m",
    "vlog_2cosh",
    "vlog_H",
    "vtail",
    "vtanh_sech2",
]

_LN2_HI = 6.93147180369123816490e-01  # Cody–Waite split of ln 2 (fdlibm)
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.4426950408889634
_SQRT2 = math.sqrt(2.0)
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_LN2 = math.log(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_ERFCX_K = 3.75
#: (1 + 2x) erfcx(x) = Σ_j a_j t^j, t = (x − K)/(x + K): the Chebyshev interpolant of :mod:`wfm.bp._kernels.fit_erfcx`
#: in monomial form (well conditioned here: Σ|a_j| = 1.76), evaluated by Estrin's scheme (short latency)
_A0 = 1.2375126308378277
_A1 = -0.14024059858554558
_A2 = 0.0035854154854575576
_A3 = 0.08227673849008038
_A4 = -0.10880393014133377
_A5 = 0.09230432116044812
_A6 = -0.05869339859963371
_A7 = 0.02836227743165596
_A8 = -0.009746579437978247
_A9 = 0.0017556256992287357
_A10 = 0.0002937128407361387
_A11 = -0.000290153194073655
_A12 = 5.165260297693334e-05
_A13 = 2.238112418490002e-05
_A14 = -1.1453741417140176e-05
_A15 = -9.66294613069631e-07
_A16 = 1.7688544053515689e-06
_A17 = -6.879059859927464e-08
_A18 = -2.7876452442846525e-07
_A19 = 3.5744185785414756e-08
_A20 = 5.335914449022721e-08
_A21 = -1.2453959639386303e-08
_A22 = -1.1269834777753568e-08
_A23 = 3.851372064167984e-09
_A24 = 1.521930805536758e-09
_A25 = -6.346092879251037e-10


@intrinsic
def f64_bits(typingctx, x):
    """The IEEE-754 bits of a float64 as an int64 (a bit cast, no conversion)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def bits_f64(typingctx, x):
    """The float64 whose IEEE-754 bits are the int64 ``x`` (a bit cast)."""
    if x != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@nb.njit(cache=True, inline="always", error_model="numpy")
def _pow2(n):  # pragma: no cover - compiled
    """2^n for an integer-valued float n ∈ [−1022, 1023] (exponent bits)."""
    return bits_f64((nb.int64(n) + 1023) << 52)


@nb.njit(cache=True, inline="always", error_model="numpy")
def vexp(x):  # pragma: no cover - compiled
    """e^x (see the module docstring); vectorizable."""
    xc = min(max(x, -1080.0), 1030.0)
    n = math.floor(xc * _INV_LN2 + 0.5)
    r = (xc - n * _LN2_HI) - n * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    n1 = math.floor(0.5 * n)
    out = p * _pow2(n1) * _pow2(n - n1)
    if x != x:
        out = x
    return out


@nb.njit(cache=True, inline="always", error_model="numpy")
def vlog(x):  # pragma: no cover - compiled
    """ln x (see the module docstring); vectorizable. Subnormal inputs are rescaled by 2^54 first."""
    sub = x < 2.2250738585072014e-308
    xs = x * 18014398509481984.0 if sub else x
    b = f64_bits(xs)
    e = ((b >> 52) & 0x7FF) - 1023
    f = bits_f64((b & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = f > _SQRT2
    f = 0.5 * f if big else f
    ef = nb.float64(e) + (1.0 if big else 0.0) - (54.0 if sub else 0.0)
    s = (f - 1.0) / (f + 1.0)
    s2 = s * s
    q = 1.0 / 23.0
    q = q * s2 + 1.0 / 21.0
    q = q * s2 + 1.0 / 19.0
    q = q * s2 + 1.0 / 17.0
    q = q * s2 + 1.0 / 15.0
    q = q * s2 + 1.0 / 13.0
    q = q * s2 + 1.0 / 11.0
    q = q * s2 + 1.0 / 9.0
    q = q * s2 + 1.0 / 7.0
    q = q * s2 + 1.0 / 5.0
    q = q * s2 + 1.0 / 3.0
    q = q * s2 + 1.0
    out = ef * _LN2_HI + (2.0 * s * q + ef * _LN2_LO)
    if x == 0.0:
        out = -math.inf
    if x < 0.0 or x != x:
        out = math.nan
    if x == math.inf:
        out = math.inf
    return out


@nb.njit(cache=True, inline="always", error_model="numpy")
def vlog1m(q):  # pragma: no cover - compiled
    """ln(1 − q) for 0 ≤ q ≤ 1: the series −Σ q^j/j (j ≤ 16) below q = 0.1, ln of 1 − q above; vectorizable."""
    p = 1.0 / 16.0
    p = p * q + 1.0 / 15.0
    p = p * q + 1.0 / 14.0
    p = p * q + 1.0 / 13.0
    p = p * q + 1.0 / 12.0
    p = p * q + 1.0 / 11.0
    p = p * q + 1.0 / 10.0
    p = p * q + 1.0 / 9.0
    p = p * q + 1.0 / 8.0
    p = p * q + 1.0 / 7.0
    p = p * q + 1.0 / 6.0
    p = p * q + 1.0 / 5.0
    p = p * q + 1.0 / 4.0
    p = p * q + 1.0 / 3.0
    p = p * q + 0.5
    p = p * q + 1.0
    series = -q * p
    direct = vlog(1.0 - q)
    return series if q < 0.1 else direct


@nb.njit(cache=True, inline="always", error_model="numpy")
def vlog_2cosh(h):  # pragma: no cover - compiled
    """ln 2cosh h = |h| + ln(1 + e^{−2|h|}); vectorizable."""
    a = abs(h)
    return a + vlog(1.0 + vexp(-2.0 * a))


@nb.njit(cache=True, inline="always", error_model="numpy")
def vtanh_sech2(h):  # pragma: no cover - compiled
    """(tanh h, sech² h) from one exponential e = e^{−2|h|}: tanh = ±(1 − e)/(1 + e), sech² = 4e/(1 + e)²."""
    e = vexp(-2.0 * abs(h))
    r = 1.0 / (1.0 + e)
    t = (1.0 - e) * r
    return (t if h >= 0.0 else -t), 4.0 * e * r * r


@nb.njit(cache=True, inline="always", error_model="numpy")
def _erfcx_poly(t):  # pragma: no cover - compiled
    """(1 + 2x) erfcx(x) as the degree-25 polynomial in t (Estrin's scheme)."""
    t2 = t * t
    t4 = t2 * t2
    t8 = t4 * t4
    t16 = t8 * t8
    p0 = (_A0 + _A1 * t) + (_A2 + _A3 * t) * t2
    p1 = (_A4 + _A5 * t) + (_A6 + _A7 * t) * t2
    p2 = (_A8 + _A9 * t) + (_A10 + _A11 * t) * t2
    p3 = (_A12 + _A13 * t) + (_A14 + _A15 * t) * t2
    p4 = (_A16 + _A17 * t) + (_A18 + _A19 * t) * t2
    p5 = (_A20 + _A21 * t) + (_A22 + _A23 * t) * t2
    p6 = _A24 + _A25 * t
    lo = (p0 + p1 * t4) + (p2 + p3 * t4) * t8
    hi = (p4 + p5 * t4) + p6 * t8
    return lo + hi * t16


@nb.njit(cache=True, inline="always", error_model="numpy")
def verfcx(x):  # pragma: no cover - compiled
    """erfcx(x) = e^{x²} erfc(x) for x ≥ 0 (degree-25 polynomial in t, module docstring); vectorizable."""
    return _erfcx_poly((x - _ERFCX_K) / (x + _ERFCX_K)) / (1.0 + 2.0 * x)


@nb.njit(cache=True, inline="always", error_model="numpy")
def verfcx_pair(a, b):  # pragma: no cover - compiled
    """erfcx at two points a, b ≥ 0 as fractions (n_a, d_a, n_b, d_b), erfcx = n/d, with one division for both
    polynomial arguments (divisions dominate the cost of a vector loop). Arguments are capped at 1e150."""
    a = min(a, 1e150)
    b = min(b, 1e150)
    da = a + _ERFCX_K
    db = b + _ERFCX_K
    inv = 1.0 / (da * db)
    return _erfcx_poly((a - _ERFCX_K) * db * inv), 1.0 + 2.0 * a, _erfcx_poly((b - _ERFCX_K) * da * inv), 1.0 + 2.0 * b


@nb.njit(cache=True, inline="always", error_model="numpy")
def vtail(z):  # pragma: no cover - compiled
    """(E, g) with E = ½ erfcx(|z|/√2) and g = e^{−z²/2}: H(|z|) = E g, H(−|z|) = 1 − E g."""
    a = abs(z)
    return 0.5 * verfcx(a * _SQRT1_2), vexp(-0.5 * z * z)


@nb.njit(cache=True, inline="always", error_model="numpy")
def vlog_H(z):  # pragma: no cover - compiled
    """ln H(z), vectorizable: ln E − z²/2 for z ≥ 0, ln(1 − E g) for z < 0 (no cancellation: E g ≤ ½)."""
    e, g = vtail(z)
    pos = vlog(e) - 0.5 * z * z
    neg = vlog1m(e * g)
    return pos if z >= 0.0 else neg


@nb.njit(cache=True, inline="always", error_model="numpy")
def vGH(z):  # pragma: no cover - compiled
    """G(z)/H(z), vectorizable: √(2/π)/erfcx(z/√2) for z ≥ 0, G(z)/(1 − E g) for z < 0."""
    e, g = vtail(z)
    pos = _SQRT_2_OVER_PI / (2.0 * e)
    neg = g / (math.sqrt(2.0 * math.pi) * (1.0 - e * g))
    return pos if z >= 0.0 else neg

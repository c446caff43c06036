"""Reproduce the polynomial coefficients ``_A0 … _A25`` of :func:`wfm.bp._kernels.vmath.verfcx`.

(1 + 2x) erfcx(x) is smooth in t = (x − K)/(x + K) ∈ [−1, 1) and tends to 2/√π as x → ∞ (Shepherd and
Laframboise, Math. Comp. 36, 249 (1981)); it is interpolated at 80 Chebyshev nodes from ``scipy.special.erfcx``
a least-squares Chebyshev series of degree 25 is fitted (the interpolant's further coefficients are below 3e-16,
at the noise of the reference), then written in powers of t (``numpy.polynomial.chebyshev.cheb2poly``).

    python -m wfm.bp._kernels.fit_erfcx
"""
from __future__ import annotations

import numpy as np


def fit(k=3.75, nodes=80, terms=26):
    from numpy.polynomial import chebyshev as C
    from scipy.special import erfcx

    t = np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)
    x = k * (1 + t) / (1 - t)
    return C.cheb2poly(C.chebfit(t, (1 + 2 * x) * erfcx(x), terms - 1))


if __name__ == "__main__":
    print(tuple(float(v) for v in fit()))

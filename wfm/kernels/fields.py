"""Numba helpers on the integer fields of binary models (the output rules of :class:`wfm.core.codes.Output`).

A binary model is reduced to plain numbers for kernels (:class:`wfm.kernels.arrays.KernelArrays`):

* ``code``: an :class:`~wfm.core.codes.Output` (perceptron, sign committee (majority), ReLU committee (+1/−1
  output halves), parity);
* unscaled integer fields h_k = Σ_i W_{ki} ξ_{k,i} (int32), so the scaled field is h_k/√m;
* the integer pre-activation ``pre`` = h_1 (perceptron), Σ_k sign h_k (sign), Σ_k c_k max(0, h_k) (ReLU),
  Π_k sign h_k (parity) (:func:`preactivation`, which also takes float fields);
* ``thr``: pattern μ is an error iff σ^μ · pre^μ ≤ thr, i.e. thr = κ√m for the perceptron and the ReLU
  committee (whose pre-activation carries the 1/√m scale) and thr = κ for sign and parity committees.
"""
from __future__ import annotations

import numba as nb

from ..core.codes import Output


@nb.njit(cache=True, nogil=True, inline="always")
def sgn(x):
    return 1 if x > 0 else (-1 if x < 0 else 0)


@nb.njit(cache=True, nogil=True)
def preactivation(code, h):
    """Pre-activation λ from a row of unit fields ``h`` (length K) by the output rule ``code``: λ = h_1
    (perceptron), Σ_k sign h_k (sign), Σ_k c_k max(0, h_k) with c_k = +1 on the first K/2 units and −1 on the
    others (ReLU), Π_k sign h_k (parity). Integer for integer fields (the MC and enumeration kernels), float for
    float fields (the gradient kernels); one rule for both, compiled once per field type."""
    kk = h.shape[0]
    if code == Output.PERCEPTRON:
        return h[0]
    if code == Output.SIGN:
        s = 0
        for k in range(kk):
            s += sgn(h[k])
        return s
    if code == Output.RELU:
        s = 0
        half = kk // 2
        for k in range(kk):
            if h[k] > 0:
                s += h[k] if k < half else -h[k]
        return s
    p = 1
    for k in range(kk):
        p *= sgn(h[k])
    return p


@nb.njit(cache=True, nogil=True, inline="always")
def unit_contribution(code, k, half, hk):
    """Contribution of unit k with field hk to the pre-activation (sign: sgn; ReLU: ±max(0, h))."""
    if code == Output.SIGN:
        return sgn(hk)
    if code == Output.RELU:
        if hk <= 0:
            return 0
        return hk if k < half else -hk
    return hk

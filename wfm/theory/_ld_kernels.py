r"""Numba kernels of the finite-y large-deviation integrals (:mod:`wfm.theory.ld_finite_y`).

One kernel: for every outer node (A0, B0) the log-concave inner integral

.. math:: \int Dt\; H(u)^y\,H(v)^{c},\qquad u = \frac{\kappa - B_0 - \sqrt{\delta q}\,t}{\sqrt{1-q_1}},\quad
          v = \frac{\kappa - A_0}{s_v} - a\,t,

with :math:`c = 1` (centre constrained to be a solution) or :math:`c = 0` (free centre), by the rule of
:func:`wfm.theory.ld_finite_y._concave_rule` (mode by bracketed Newton; each side cut where the log-integrand has
dropped by 40; Gauss–Legendre panels graded towards the mode). Returned per node: ln of the integral, the tilted
averages :math:`\langle\psi'\rangle` and :math:`\langle(\psi'-\langle\psi'\rangle)^2\rangle` of
:math:`\psi' = \frac GH(u)/\sqrt{1-q_1}`, :math:`\langle\ln H(u)\rangle` and :math:`\langle\frac GH(v)\rangle`.
Reference (slow, obvious NumPy): :func:`wfm.theory.ld_finite_y._energetic_solution_numpy` and
:func:`wfm.theory.ld_finite_y._energetic_free_numpy`; compared in ``tests/test_theory_ld_finite_y.py``.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..core.special import log_H_s as log_H

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_DROP = 40.0


@nb.njit(cache=True, nogil=True)
def _lh_gh(x):  # pragma: no cover - compiled
    """(ln H(x), G(x)/H(x)); G/H = exp(-x²/2 - ln√(2π) - ln H)."""
    lh = log_H(x)
    return lh, math.exp(-0.5 * x * x - _HALF_LOG_2PI - lh)


@nb.njit(cache=True, nogil=True)
def _g(t, A0, B0, kappa, y, sd, sqdq, sv, a, centre):  # pragma: no cover - compiled
    """log-integrand (without ln√(2π)) and its first two derivatives in t."""
    u = (kappa - B0 - sqdq * t) / sd
    lu, gu = _lh_gh(u)
    g = -0.5 * t * t + y * lu
    g1 = -t + y * sqdq * gu / sd
    g2 = -1.0 - y * sqdq * sqdq * gu * (gu - u) / (sd * sd)
    if centre:
        v = (kappa - A0) / sv - a * t
        lv, gv = _lh_gh(v)
        g += lv
        g1 += a * gv
        g2 -= a * a * gv * (gv - v)
    return g, g1, g2


@nb.njit(cache=True, nogil=True)
def energetic_inner(A0, B0, kappa, y, sd, sqdq, sv, a, centre, t_start, fr, wf):  # pragma: no cover - compiled
    n = A0.size
    k = fr.size
    lnZ = np.empty(n)
    m1 = np.empty(n)
    var = np.empty(n)
    lav = np.empty(n)
    chi = np.empty(n)
    tt = np.empty(2 * k)
    ww = np.empty(2 * k)
    lw = np.empty(2 * k)
    lus = np.empty(2 * k)
    gus = np.empty(2 * k)
    gvs = np.empty(2 * k)
    for i in range(n):
        # --- mode: g' decreasing (g'' <= -1); bracket by doubling, then Newton safeguarded by bisection
        t = t_start[i]
        lo = t - 1.0
        hi = t + 1.0
        for _ in range(200):
            if _g(lo, A0[i], B0[i], kappa, y, sd, sqdq, sv, a, centre)[1] >= 0.0:
                break
            lo = t - 2.0 * (t - lo)
        for _ in range(200):
            if _g(hi, A0[i], B0[i], kappa, y, sd, sqdq, sv, a, centre)[1] <= 0.0:
                break
            hi = t + 2.0 * (hi - t)
        for _ in range(200):
            g, g1, g2 = _g(t, A0[i], B0[i], kappa, y, sd, sqdq, sv, a, centre)
            if g1 > 0.0:
                lo = t
            else:
                hi = t
            tn = t - g1 / g2
            if not (lo < tn < hi):
                tn = 0.5 * (lo + hi)
            step = abs(tn - t)
            t = tn
            if step < 1e-11 * max(1.0, abs(t)) or g1 == 0.0:
                break
        gm = _g(t, A0[i], B0[i], kappa, y, sd, sqdq, sv, a, centre)[0]
        # --- the two ends where g has dropped by 40 (Newton from mode ± √80: monotone on a concave function)
        e_r = 0.0
        e_l = 0.0
        for side in range(2):
            sg = 1.0 if side == 0 else -1.0
            x = t + sg * math.sqrt(2.0 * _DROP)
            for _ in range(100):
                g, g1, _ = _g(x, A0[i], B0[i], kappa, y, sd, sqdq, sv, a, centre)
                step = (g - gm + _DROP) / g1
                x -= step
                if abs(step) < 1e-8 * max(1.0, abs(x - t)):
                    break
            if side == 0:
                e_r = abs(x - t)
            else:
                e_l = abs(x - t)
        for j in range(k):
            tt[j] = t - e_l * fr[k - 1 - j]
            ww[j] = e_l * wf[k - 1 - j]
            tt[k + j] = t + e_r * fr[j]
            ww[k + j] = e_r * wf[j]
        mx = -math.inf
        for j in range(2 * k):
            u = (kappa - B0[i] - sqdq * tt[j]) / sd
            lu, gu = _lh_gh(u)
            lus[j] = lu
            gus[j] = gu / sd
            g = -0.5 * tt[j] * tt[j] + y * lu
            if centre:
                v = (kappa - A0[i]) / sv - a * tt[j]
                lv, gv = _lh_gh(v)
                g += lv
                gvs[j] = gv
            lw[j] = math.log(ww[j]) + g - _HALF_LOG_2PI
            mx = max(mx, lw[j])
        zs = 0.0
        s1 = 0.0
        sl = 0.0
        sc = 0.0
        for j in range(2 * k):
            e = math.exp(lw[j] - mx)
            lw[j] = e
            zs += e
            s1 += e * gus[j]
            sl += e * lus[j]
            if centre:
                sc += e * gvs[j]
        mean = s1 / zs
        s2 = 0.0
        for j in range(2 * k):
            dv = gus[j] - mean
            s2 += lw[j] * dv * dv
        lnZ[i] = math.log(zs) + mx
        m1[i] = mean
        var[i] = s2 / zs
        lav[i] = sl / zs
        chi[i] = sc / zs
    return lnZ, m1, var, lav, chi

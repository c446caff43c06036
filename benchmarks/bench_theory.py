"""Benchmark of wfm.theory: Franz–Parisi curve, capacity and entropy calls.

    python benchmarks/bench_theory.py            # full (reference solver on 3 points, extrapolated)
    python benchmarks/bench_theory.py --quick    # skip the reference solver

The reference is a plain NumPy solver written straight from the formulas of the digest (§3.3 and
Appendix A): the energetic derivatives by central finite differences of the full 3-D quadrature
I_E(q, t, p) (81 z × 60 x × 61 η nodes), p̂ by Brent on the 2-D entropic sum over W̃ = ±1, and a damped
(0.3) fixed-point iteration of (q, t) at each p, started from the previous p. Timing all 40 points of a
curve with it takes many minutes, so it is run on 6 points spread from the typical distance down to
d = 0.01 (each started from the previous one) and the per-point time is extrapolated to 40 points
(stated in the output). Its values are compared with wfm's.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import optimize, special

from wfm import theory


def _timeit(f, repeat=5):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


# ----------------------------------------------------------------------------------------------
# reference: straight from the formulas
# ----------------------------------------------------------------------------------------------
class ReferenceFP:
    def __init__(self, alpha, kappa=0.0, kappa_ref=0.0):
        self.alpha, self.kappa = alpha, kappa
        r = theory.binary_rs(alpha, kappa_ref)
        self.qt, self.qht = r.q, r.q_hat
        z, wz = np.polynomial.hermite_e.hermegauss(81)
        wz /= wz.sum()
        eta, we = np.polynomial.hermite_e.hermegauss(61)
        we /= we.sum()
        self.z, self.wz, self.eta, self.we = z, wz, eta, we
        # x | x > x*(z): 60-point Gauss–Legendre on [x*, max(x*,0)+10] with the Gaussian weight
        xs = (kappa_ref - np.sqrt(self.qt) * z) / np.sqrt(1 - self.qt)
        t, wt = np.polynomial.legendre.leggauss(60)
        hi = np.maximum(xs, 0) + 10
        x = 0.5 * (hi + xs)[:, None] + 0.5 * (hi - xs)[:, None] * t
        wx = 0.5 * (hi - xs)[:, None] * wt * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
        wx /= (0.5 * special.erfc(xs / np.sqrt(2)))[:, None]
        self.x, self.wx = x, wx

    def I_E(self, q, t, p):
        qt = self.qt
        b = np.sqrt(max(q - t * t / qt - (p - t) ** 2 / (1 - qt), 0.0))
        m = (t / np.sqrt(qt)) * self.z[:, None, None] + (p - t) / np.sqrt(1 - qt) * self.x[:, :, None] \
            + b * self.eta[None, None, :]
        lnH = special.log_ndtr(-(self.kappa - m) / np.sqrt(1 - q))
        inner = lnH @ self.we
        return float(np.sum(self.wz[:, None] * self.wx * inner))

    def entropic(self, qh, th, ph):
        z = self.z[:, None]
        eta = self.eta[None, :]
        s = np.sqrt(max(qh - th * th / self.qht, 0.0))
        out = []
        for W in (1.0, -1.0):
            A = th * z / np.sqrt(self.qht) + s * eta + (ph - th) * W
            pw = np.exp(W * np.sqrt(self.qht) * z) / (2 * np.cosh(np.sqrt(self.qht) * z))
            out.append((W, A, pw))
        return out

    def averages(self, qh, th, ph):
        tanh2 = tanhW = ztanh = 0.0
        w2 = self.wz[:, None] * self.we[None, :]
        for W, A, pw in self.entropic(qh, th, ph):
            tA = np.tanh(A)
            tanh2 += np.sum(w2 * pw * tA * tA)
            tanhW += np.sum(w2 * pw * W * tA)
            ztanh += np.sum(w2 * pw * self.z[:, None] * tA)
        return tanh2, tanhW, ztanh

    def solve_point(self, p, q, t, ph, damping=0.3, tol=1e-7, max_iter=2000):
        for _ in range(max_iter):
            h = min(1e-5, 0.2 * max(q - t * t / self.qt - (p - t) ** 2 / (1 - self.qt), 1e-12))
            qh = -2 * self.alpha * (self.I_E(q + h, t, p) - self.I_E(q - h, t, p)) / (2 * h)
            th = -self.alpha * (self.I_E(q, t + h, p) - self.I_E(q, t - h, p)) / (2 * h)
            ph = optimize.brentq(lambda x: self.averages(qh, th, x)[1] - p, -30, 30, xtol=1e-12)
            tanh2, tanhW, ztanh = self.averages(qh, th, ph)
            q_new = tanh2
            t_new = tanhW + th / self.qht * (1 - q_new) - ztanh / np.sqrt(self.qht)
            dq, dt = q_new - q, t_new - t
            q, t = q + (1 - damping) * dq, t + (1 - damping) * dt
            if abs(dq) < tol and abs(dt) < tol:
                break
        V = (-0.5 * qh * (1 - q) - ph * p + th * t + self.I_S(qh, th, ph) + self.alpha * self.I_E(q, t, p))
        return V, q, t, ph

    def I_S(self, qh, th, ph):
        w2 = self.wz[:, None] * self.we[None, :]
        return sum(np.sum(w2 * pw * np.log(2 * np.cosh(A))) for _, A, pw in self.entropic(qh, th, ph))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)

    print("== capacity / entropy calls (best of 5) ==")
    for name, f in [("binary_entropy(0.5)", lambda: theory.binary_entropy(0.5)),
                    ("binary_rs(0.7, kappa=0.3)", lambda: theory.binary_rs(0.7, 0.3)),
                    ("binary_capacity(0.0)", lambda: theory.binary_capacity(0.0)),
                    ("max_margin(0.5)", lambda: theory.max_margin(0.5)),
                    ("gardner_capacity(0.5)", lambda: theory.gardner_capacity(0.5)),
                    ("spherical_entropy(1.0)", lambda: theory.spherical_entropy(1.0))]:
        print(f"{name:32s} {1e3 * _timeit(f):9.2f} ms")

    print("== Franz-Parisi curve: alpha = 0.5, kappa = kappa_ref = 0, 40 values of d in [1e-3, 0.5] (log) ==")
    d = np.geomspace(1e-3, 0.5, 40)
    t = time.perf_counter()
    c = theory.franz_parisi(0.5, d)
    t_fp = time.perf_counter() - t
    print(f"wfm.theory.franz_parisi: {t_fp:.2f} s  ({c.d.size} points, lost {c.lost_d.size})")
    d2 = np.linspace(0.0125, 0.5, 40)
    t = time.perf_counter()
    c2 = theory.franz_parisi(0.7, d2, kappa_ref=0.0)
    print(f"alpha = 0.7, 40 values linear in [0.0125, 0.5]: {time.perf_counter() - t:.2f} s "
          f"({c2.d.size} points, lost {c2.lost_d.size})")
    t = time.perf_counter()
    c3 = theory.franz_parisi(0.5, d, kappa_ref=0.4)
    print(f"alpha = 0.5, kappa_ref = 0.4 (high margin), 40 log values: {time.perf_counter() - t:.2f} s "
          f"({c3.d.size} points, lost {c3.lost_d.size})")
    if args.quick:
        return 0

    print("== reference (plain NumPy, straight from the formulas) ==")
    ref = ReferenceFP(0.5)
    d_ref = [0.30, 0.2, 0.1, 0.05, 0.02, 0.01]  # continued down from the typical distance 0.339
    p_prev = ref.qt
    q, tt, ph = ref.qt, ref.qt, ref.qht
    # the reference needs intermediate steps too (like wfm), we count them
    t = time.perf_counter()
    vals = []
    for dd in d_ref:
        p = 1 - 2 * dd
        V, q, tt, ph = ref.solve_point(p, q + 0.5 * (p - p_prev), tt, ph)
        p_prev = p
        vals.append(V)
    t_ref = time.perf_counter() - t
    per_point = t_ref / len(d_ref)
    cw = theory.franz_parisi(0.5, d_ref)
    v_wfm = dict(zip(cw.d, cw.local_entropy))
    print(f"reference: {t_ref:.1f} s for {len(d_ref)} points = {per_point:.1f} s/point "
          f"-> ~{40 * per_point / 60:.1f} min for 40 points (extrapolated)")
    for a, b in zip(d_ref, vals):
        print(f"  d = {a:6.3f}   V_reference = {b:.6f}   V_wfm = {v_wfm[a]:.6f}")
    print(f"speed-up (40-point curve, extrapolated reference / measured wfm): {40 * per_point / t_fp:.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

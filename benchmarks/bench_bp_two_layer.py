"""Speed of one per-edge BP sweep on the two-layer machines, as a ratio to the sign committee of the same size
(back to back in one process, alternating, so that the machine's load affects both alike).

    python benchmarks/bench_bp_two_layer.py [--n 404 --k 4 --alpha 0.3 --repeat 30]

Models: the ReLU tree committee (K even) and, as the reference, the sign tree committee (K odd) with the closest
N and an odd m (:func:`sign_reference`: K = 4, N = 404 → K = 3, N = 405), plus the parity machine of the same
size; Gaussian factor update, ±1 patterns, sequential schedule, the kernel of one sweep timed
(``BP.kernel_sweep``). Target: ReLU sweep ≤ 2× the sign sweep.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import wfm
from wfm.bp import BP


def sign_reference(n, k):
    """A sign tree committee with about the ReLU model's N and m: K' = K + 1 units of m' = N/K' (odd) inputs, or
    K − 1 when that is closer."""
    best = None
    for kk in (k - 1, k + 1):
        if kk < 1 or kk % 2 == 0:
            continue
        m = max(1, round(n / kk))
        if m % 2 == 0:
            m += 1
        cand = (abs(kk * m - n), kk, m)
        best = cand if best is None or cand < best else best
    _, kk, m = best
    return wfm.TreeCommittee(kk * m, kk)


def time_sweeps(bp, repeat):
    ts = []
    for _ in range(repeat):
        order = bp._order()
        t = time.perf_counter()
        bp.kernel_sweep(order)
        ts.append(time.perf_counter() - t)
        bp._refresh()
    return np.array(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=404)
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--alpha", type=float, default=0.3)
    ap.add_argument("--repeat", type=int, default=30)
    a = ap.parse_args()
    relu = wfm.TreeCommittee(a.n, a.k, activation="relu")
    sign = sign_reference(a.n, a.k)
    parity = wfm.ParityMachine(sign.n, sign.k)
    states = {}
    for name, model in (("relu", relu), ("sign", sign), ("parity", parity)):
        pats = wfm.random_patterns(model.n, alpha=a.alpha, seed=0, model=model)
        bp = BP(model, pats, accuracy="gaussian", seed=0)
        for _ in range(5):  # compile, and move away from the initial condition
            bp.sweep()
        states[name] = bp
    res = {k: [] for k in states}
    for _ in range(3):  # alternate blocks
        for name, bp in states.items():
            res[name].append(time_sweeps(bp, a.repeat))
    med = {k: float(np.median(np.concatenate(v))) for k, v in res.items()}
    print(f"load: {os.getloadavg()}")
    for name, bp in states.items():
        print(f"{name:7s} {bp.model!r}: P = {bp.p}, weights = {bp.n_weights}, median sweep {med[name] * 1e3:.3f} ms, "
              f"per weight-pattern edge {med[name] / (bp.p * bp.n_weights) * 1e9:.1f} ns")
    # per edge: the models differ slightly in size
    per_edge = {k: med[k] / (states[k].p * states[k].n_weights) for k in states}
    print(f"ratio relu/sign per sweep: {med['relu'] / med['sign']:.2f}; per edge: {per_edge['relu'] / per_edge['sign']:.2f}")
    print(f"ratio parity/sign per sweep: {med['parity'] / med['sign']:.2f}")


if __name__ == "__main__":
    main()

"""Exhaustive enumeration (wfm.exact) against chunked NumPy brute force, and the N=25 count target.

    python benchmarks/bench_exact.py            # both cores
    NUMBA_NUM_THREADS=1 python benchmarks/bench_exact.py

NumPy reference: all 2^N ±1 configurations in chunks, fields = configs @ (σξ)ᵀ by float32 BLAS (exact for
these integers), a configuration is a solution when every field is > 0. Same count required.
"""
import argparse
import time

import numba
import numpy as np

import wfm
from wfm import exact


def numpy_count(xi_signed, chunk_bits=16):
    n = xi_signed.shape[1]
    xt = xi_signed.T.astype(np.float32)
    low = 1 - 2 * ((np.arange(1 << min(n, chunk_bits))[:, None] >> np.arange(min(n, chunk_bits))) & 1)
    total = 0
    high_bits = n - min(n, chunk_bits)
    for hidx in range(1 << high_bits):
        high = 1 - 2 * ((hidx >> np.arange(high_bits)) & 1)
        configs = np.hstack([low, np.broadcast_to(high, (low.shape[0], high_bits))]).astype(np.float32)
        total += int(np.count_nonzero((configs @ xt > 0).all(axis=1)))
    return total


def best_of(f, repeat):
    f()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return min(ts), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"numba threads: {numba.get_num_threads()}")
    m = wfm.Perceptron(25)
    pats = wfm.random_patterns(25, p=15, seed=0)
    t, c = best_of(lambda: exact.count_solutions(m, pats), args.repeat)
    print(f"count N=25 P=15: {c} solutions in {t:.3f} s (target < 0.3 s)")
    for n, alpha in ((21, 0.4), (21, 0.6)):
        m = wfm.Perceptron(n)
        pats = wfm.random_patterns(n, alpha=alpha, seed=1)
        xs = pats.xi * pats.labels[:, None]
        tw, cw = best_of(lambda: exact.count_solutions(m, pats), args.repeat)
        tn, cn = best_of(lambda: numpy_count(xs), 1)
        assert cw == cn, (cw, cn)
        print(f"N={n} P={pats.p}: wfm {tw * 1e3:.1f} ms, numpy {tn * 1e3:.0f} ms, ratio {tn / tw:.0f}x (count {cw})")
    m = wfm.TreeCommittee(21, 3)
    pats = wfm.random_patterns(21, alpha=0.4, seed=1)
    tw, cw = best_of(lambda: exact.count_solutions(m, pats), args.repeat)
    print(f"tree committee N=21 K=3 P={pats.p}: wfm {tw * 1e3:.1f} ms (count {cw})")


if __name__ == "__main__":
    main()

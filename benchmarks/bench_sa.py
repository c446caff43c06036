"""Metropolis moves per second of ``wfm.solve(method="sa")`` versus a straightforward NumPy implementation.

Both run the same annealing protocol (geometric β from beta0 to beta1 over ``--sweeps`` sweeps of N moves
each, no stop at a solution inside the timed region unless one is found) on the same binary perceptron
instance (N = 1001, α = 0.6 by default). The NumPy reference is the obvious vectorized one: per move, the
new stabilities s − 2W_j σξ_j are formed for all patterns, the errors counted, and Metropolis applied.

Both wall-clock and CPU time (``time.process_time``) are reported: on a shared machine the CPU time is the
steadier of the two (a process waiting for a core accrues none). The ratio is computed from each.

    python benchmarks/bench_sa.py [--n 1001] [--alpha 0.6] [--sweeps 300] [--numpy-sweeps 30] [--repeat 3]
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import time

import numpy as np

import wfm
from wfm.data import random_patterns
from wfm.models import Perceptron
from wfm.solvers._mc import geometric


def numpy_sa(xi, labels, w, betas, seed):
    """Reference: plain NumPy Metropolis on the error loss, same move set and schedule as ``sa``."""
    rng = np.random.default_rng(seed)
    y = (xi * labels[:, None]).astype(np.int64)          # (P, N)
    w = w.astype(np.int64).copy()
    s = y @ w
    e = int(np.count_nonzero(s <= 0))
    n = w.shape[0]
    moves = 0
    for beta in betas:
        for _ in range(n):
            j = rng.integers(0, n)
            ns = s - 2 * w[j] * y[:, j]
            de = int(np.count_nonzero(ns <= 0)) - e
            moves += 1
            if de <= 0 or rng.random() < math.exp(-beta * de):
                s = ns
                w[j] = -w[j]
                e += de
                if e == 0:
                    return moves, e
    return moves, e


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1001)
    ap.add_argument("--alpha", type=float, default=0.6)
    ap.add_argument("--sweeps", type=int, default=300, help="sweeps of the timed wfm run")
    ap.add_argument("--numpy-sweeps", type=int, default=30, help="sweeps of the (slow) NumPy run")
    ap.add_argument("--beta0", type=float, default=0.5)
    ap.add_argument("--beta1", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)

    model = Perceptron(a.n)
    pats = random_patterns(a.n, alpha=a.alpha, model=model, seed=a.seed)
    wfm.solve(model, pats, "sa", seed=0, max_sweeps=2)      # compile outside the timing
    best = best_cpu = math.inf
    for rep in range(a.repeat):
        c0 = time.process_time()
        r = wfm.solve(model, pats, "sa", seed=rep, max_sweeps=a.sweeps, beta0=a.beta0, beta1=a.beta1)
        cpu = time.process_time() - c0
        moves = r.iterations * a.n
        best = min(best, r.seconds / moves)
        best_cpu = min(best_cpu, cpu / moves)
        print(f"wfm sa   run {rep}: {r.iterations} sweeps, {moves} moves in {r.seconds:.3f} s (CPU {cpu:.3f} s) "
              f"= {moves / r.seconds:,.0f} moves/s (final errors {r.n_errors})")
    # The NumPy run follows the first numpy_sweeps sweeps of the *same* schedule shape compressed into
    # numpy_sweeps sweeps (β from beta0 to beta1): same range of acceptance rates as the wfm run.
    betas = geometric(a.beta0, a.beta1, a.numpy_sweeps)
    w0 = model.random_weights(seed=a.seed)
    tn = tn_cpu = math.inf
    for rep in range(a.repeat):          # best of --repeat, like the wfm runs (the machine is shared)
        t0, c0 = time.perf_counter(), time.process_time()
        moves, e = numpy_sa(pats.xi, pats.labels, w0, betas, a.seed + rep)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        tn, tn_cpu = min(tn, wall / moves), min(tn_cpu, cpu / moves)
        print(f"numpy sa run {rep}: {moves} moves = {moves / wall:,.0f} moves/s (CPU {moves / cpu:,.0f}) "
              f"(final errors {e})")
    print(f"best wfm {1 / best:,.0f} moves/s (CPU {1 / best_cpu:,.0f}), best numpy {1 / tn:,.0f} moves/s "
          f"(CPU {1 / tn_cpu:,.0f})")
    print(f"ratio wfm/numpy (moves per second): {tn / best:.1f}x wall clock, {tn_cpu / best_cpu:.1f}x CPU time")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"load {os.getloadavg()[0]:.2f}; numba threads {os.environ.get('NUMBA_NUM_THREADS', 'default')}")


if __name__ == "__main__":
    main()

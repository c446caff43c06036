"""Benchmarks of wfm.bp: the speed of one BP sweep against a vectorized NumPy implementation of the same update,
and the success probability / time to solution of fBP and reinforced BP versus α at N = 1001.

    python benchmarks/bench_bp.py speed   [--n 1001 --alpha 0.6 --repeat 5]
    python benchmarks/bench_bp.py success [--n 1001 --alphas 0.5 0.6 0.7 0.74 0.77 0.8 --instances 20
                                           --methods fbp bp --out results.jsonl]

The NumPy reference is the same sequential update (patterns visited in a random order, every message of a pattern
computed from the same incoming messages, the total fields updated after each pattern), vectorized over the
weights of the pattern with ``scipy.special.log_ndtr``; it must give the same messages as the Numba kernel
(checked here before timing).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np
from scipy.special import log_ndtr

import wfm
from wfm.bp import BP
from wfm.bp import _kernels as K
from wfm.kernels.arrays import KernelArrays


def numpy_sweep(order, X, u, H, thr):
    """Reference: one Gaussian BP sweep on a perceptron, vectorized over the N weights of each pattern."""
    x_all = X[:, 0, :]
    u_all = u[:, 0, :]
    h_tot = H[0]
    delta = 0.0
    for mu in order:
        x = x_all[mu]
        uo = u_all[mu]
        h = h_tot - uo
        m = x * np.tanh(h)
        v = x * x / np.cosh(h) ** 2
        mb = m.sum() - m
        sd = np.sqrt(np.maximum(v.sum() - v, 1e-300))
        un = 0.5 * (log_ndtr(-(thr - mb - x) / sd) - log_ndtr(-(thr - mb + x) / sd))
        un = np.clip(un, -K.U_MAX, K.U_MAX)
        delta = max(delta, float(np.max(np.abs(np.tanh(un) - np.tanh(uo)))))
        h_tot += un - uo
        u_all[mu] = un
    return delta


def bench_speed(n, alpha, repeat):
    model = wfm.Perceptron(n)
    pats = wfm.random_patterns(n, alpha=alpha, seed=0)
    bp = BP(model, pats, accuracy="gaussian", seed=0)
    for _ in range(3):  # move away from the random initial condition (and compile)
        bp.sweep()
    order = np.random.default_rng(1).permutation(pats.p).astype(np.int64)
    X = KernelArrays(model, pats).X  # the reference's float64 inputs (the kernel reads the int8 patterns)
    # correctness: both implementations from the same state give the same messages
    u0, H0 = bp.u.copy(), bp.H.copy()
    bp.kernel_sweep(order)
    u1 = bp.u.copy()
    u2, H2 = u0.copy(), H0.copy()
    numpy_sweep(order, X, u2, H2, bp.thr)
    err = float(np.max(np.abs(np.tanh(u1) - np.tanh(u2))))
    assert err < 1e-9, err
    t_nb, t_np = [], []
    for _ in range(repeat):
        bp.u[...] = u0
        bp.H[...] = H0
        t = time.process_time()
        bp.kernel_sweep(order)
        t_nb.append(time.process_time() - t)
        u2, H2 = u0.copy(), H0.copy()
        t = time.process_time()
        numpy_sweep(order, X, u2, H2, bp.thr)
        t_np.append(time.process_time() - t)
    rec = {"clock": "process CPU time (time.process_time), robust to other jobs on the machine",
           "n": n, "alpha": alpha, "p": pats.p, "numba_ms": 1e3 * min(t_nb), "numpy_ms": 1e3 * min(t_np),
           "ratio": min(t_np) / min(t_nb), "max_message_diff": err, "load": os.getloadavg()[0],
           "machine": f"{platform.machine()} {os.cpu_count()} cpu, python {platform.python_version()}"}
    print(json.dumps(rec))
    return rec


def bench_success(n, alphas, instances, methods, out, options, forms=("edges",), first=0):
    recs = []
    for alpha in alphas:
        for method in methods:
            for inst in range(first, first + instances):
                model = wfm.Perceptron(n)
                pats = wfm.random_patterns(n, alpha=alpha, seed=10_000 + inst)
                for form in forms:
                    opts = dict(options.get(method, {}), form=form)
                    t0, c0 = time.perf_counter(), time.process_time()
                    r = wfm.solve(model, pats, method=method, seed=inst, thermo=False, **opts)
                    rec = {"n": n, "alpha": alpha, "method": method, "form": r.extra.get("form", form),
                           "instance": inst, "solved": r.solved, "errors": r.n_errors, "sweeps": r.iterations,
                           "seconds": r.seconds, "wall": time.perf_counter() - t0,
                           "cpu": time.process_time() - c0, "steps": int(len(r.history["gamma"])),
                           "options": opts, "load": os.getloadavg()[0]}
                    recs.append(rec)
                    if out:
                        with open(out, "a") as f:
                            f.write(json.dumps(rec) + "\n")
                    print(json.dumps(rec), flush=True)
    return recs


def summarize(path):
    rows = [json.loads(line) for line in open(path)]
    import pandas as pd
    df = pd.DataFrame(rows)
    if "form" not in df:
        df["form"] = "edges"
    g = df.groupby(["method", "form", "alpha"])
    tab = g.agg(instances=("solved", "size"), p_success=("solved", "mean"), sweeps_median=("sweeps", "median"),
                seconds_median=("seconds", "median"))
    solved = df[df.solved].groupby(["method", "form", "alpha"])["seconds"].median().rename("seconds_to_solution_median")
    print(tab.join(solved).to_string())


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["speed", "success", "summary"])
    ap.add_argument("--n", type=int, default=1001)
    ap.add_argument("--alpha", type=float, default=0.6)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--alphas", type=float, nargs="+", default=[0.5, 0.6, 0.7, 0.74, 0.77, 0.8])
    ap.add_argument("--instances", type=int, default=20)
    ap.add_argument("--methods", nargs="+", default=["fbp", "bp"])
    ap.add_argument("--options", default="{}", help='JSON: {"fbp": {...}, "bp": {...}}')
    ap.add_argument("--out", default=None)
    ap.add_argument("--forms", nargs="+", default=["edges"], help="BP forms to run on each instance: edges amp")
    ap.add_argument("--first", type=int, default=0, help="first instance index")
    a = ap.parse_args(argv)
    if a.what == "speed":
        bench_speed(a.n, a.alpha, a.repeat)
    elif a.what == "success":
        bench_success(a.n, a.alphas, a.instances, a.methods, a.out, json.loads(a.options), a.forms, a.first)
    else:
        summarize(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

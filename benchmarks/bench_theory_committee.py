"""Tree committee RS theory (wfm.theory.committee): timing and checks against ground truths.

    python benchmarks/bench_theory_committee.py curve        # ReLU + sign capacity curves K = 2..64 and K = inf, timed
    python benchmarks/bench_theory_committee.py binary       # RS binary entropy vs exact enumeration (K = 2, 4 ReLU; K = 3 sign)
    python benchmarks/bench_theory_committee.py lp           # spherical ReLU K = 2 (and K = 1): LP feasibility vs alpha_c
    python benchmarks/bench_theory_committee.py limit        # Monte Carlo C_K at large K vs the K = inf value
    python benchmarks/bench_theory_committee.py all

Each part prints a table; ``--json PATH`` also writes the numbers. Measured results go to benchmarks/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time
import warnings

import numpy as np
from scipy import optimize

from wfm import TreeCommittee, exact
from wfm.data import random_patterns
from wfm.theory import ReplicaSymmetryWarning, committee, committee_rules

warnings.simplefilter("ignore", ReplicaSymmetryWarning)


def part_curve(out):
    """Spherical RS capacity, ReLU K = 2, 4, ..., 64 and inf (Monte Carlo defaults), then sign K = 1, 3, ..., 63, inf."""
    t0 = time.perf_counter()
    relu = {}
    for K in list(range(2, 65, 2)) + [math.inf]:
        c, se = committee.tree_committee_repair_cost(K, "relu")
        relu[str(K)] = (1 / c, se / c**2)
    t_relu = time.perf_counter() - t0
    t0 = time.perf_counter()
    sign = {str(K): committee.tree_committee_capacity(K, "sign") for K in list(range(1, 65, 2)) + [math.inf]}
    t_sign = time.perf_counter() - t0
    print(f"ReLU curve K=2..64 + inf: {t_relu:.1f} s; sign curve K=1..63 + inf: {t_sign:.2f} s; load {os.getloadavg()}")
    print(" K   alpha_c ReLU (± s.e.)      | K   alpha_c sign")
    ks = list(relu)
    ss = list(sign)
    for i in range(max(len(ks), len(ss))):
        left = f"{ks[i]:>4} {relu[ks[i]][0]:.4f} ± {relu[ks[i]][1]:.4f}" if i < len(ks) else " " * 22
        right = f"{ss[i]:>4} {sign[ss[i]]:.4f}" if i < len(ss) else ""
        print(f"{left:<28} | {right}")
    out["curve"] = {"relu": relu, "sign": sign, "seconds_relu": t_relu, "seconds_sign": t_sign}


def part_limit(out):
    """Large-K Monte Carlo C_K (10^6 draws) against C_inf = (pi-1)/(2 pi)."""
    cinf = committee_rules.RELU.cost_infinite_k()
    rows = []
    for K in (64, 256, 1024):
        t0 = time.perf_counter()
        c, se = committee_rules.repair_cost_mc(K, "relu", n_samples=1_000_000, seed=7)
        rows.append((K, c, se, (c - cinf) * math.sqrt(K)))
        print(f"K={K:5d}  C_K={c:.5f} ± {se:.5f}  C_K−C_inf={c - cinf:.5f}  ×√K={(c - cinf) * math.sqrt(K):.4f}  "
              f"({time.perf_counter() - t0:.1f} s)")
    print(f"C_inf = {cinf:.5f} (alpha_c = {1 / cinf:.5f})")
    out["limit"] = rows


def _entropy_stats(model, alpha, n_inst, seed):
    p = round(alpha * model.n_weights)
    logs, zeros = [], 0
    counts = []
    for i in range(n_inst):
        pat = random_patterns(model.n, p=p, seed=np.random.SeedSequence([seed, i]))
        n = exact.count_solutions(model, pat)
        counts.append(n)
        if n == 0:
            zeros += 1
        else:
            logs.append(math.log(n) / model.n_weights)
    counts = np.array(counts, dtype=float)
    quenched = np.mean(logs) if zeros == 0 else -math.inf
    se = np.std(logs, ddof=1) / math.sqrt(len(logs)) if len(logs) > 1 else math.nan
    annealed = math.log(counts.mean()) / model.n_weights if counts.mean() > 0 else -math.inf
    return p / model.n_weights, quenched, se, annealed, zeros


def part_binary(out, n_inst=200):
    """(1/N) E ln N_solutions (quenched) and (1/N) ln E N (annealed) by enumeration vs the RS entropy."""
    rows = []
    cases = [("relu", 2, (10, 14, 18, 22)), ("relu", 4, (12, 20)), ("sign", 3, (9, 15, 21))]
    for act, K, ns in cases:
        for alpha in (0.1, 0.2, 0.3, 0.4):
            rs_K = K if K in committee_rules.QUADRATURE_K[act] else None
            s_inf = committee.tree_committee_entropy(alpha, math.inf, act)
            for n in ns:
                t0 = time.perf_counter()
                model = TreeCommittee(n, K, activation=act, weights="binary")
                a_eff, sq, se, sa, zeros = _entropy_stats(model, alpha, n_inst if n <= 18 else n_inst // 4, seed=K * 1000 + n)
                s_rs_eff = committee.tree_committee_entropy(a_eff, rs_K, act) if rs_K else math.nan
                rows.append({"act": act, "K": K, "N": n, "alpha": alpha, "alpha_eff": a_eff, "quenched": sq, "se": se,
                             "annealed": sa, "zero_instances": zeros, "rs": s_rs_eff, "rs_Kinf": s_inf})
                print(f"{act} K={K} N={n:2d} alpha={a_eff:.3f}: quenched {sq:.4f} ± {se:.4f}, annealed {sa:.4f}, "
                      f"no-solution instances {zeros}; RS(K) {s_rs_eff:.4f}, RS(K=inf, alpha={alpha}) {s_inf:.4f} "
                      f"({time.perf_counter() - t0:.1f} s)")
    out["binary"] = rows


def _lp_feasible(model_k, xi, labels):
    """Is there W with every pattern correct (strict, by homogeneity: margin 1 on each linear constraint)?

    K = 1: σ W·ξ >= 1. K = 2 ReLU: σ = +1: h1 >= 1 and h1 − h2 >= 1; σ = −1: h2 >= 1 and h2 − h1 >= 1. The norms
    of the two units are free (see BENCHMARKS.md for why this tests the same capacity)."""
    P, N = xi.shape
    if model_k == 1:
        A = -(labels[:, None] * xi)
        b = -np.ones(P)
    else:
        m = N // 2
        x1, x2 = xi[:, :m], xi[:, m:]
        rows = []
        for mu in range(P):
            if labels[mu] > 0:
                rows.append(np.concatenate([x1[mu], np.zeros(m)]))
                rows.append(np.concatenate([x1[mu], -x2[mu]]))
            else:
                rows.append(np.concatenate([np.zeros(m), x2[mu]]))
                rows.append(np.concatenate([-x1[mu], x2[mu]]))
        A = -np.array(rows)
        b = -np.ones(A.shape[0])
    res = optimize.linprog(np.zeros(N), A_ub=A, b_ub=b, bounds=[(None, None)] * N, method="highs")
    return res.status == 0


def part_lp(out, n_inst=40, ks=(2, 1)):
    rows = []
    cases = {1: (2.0, (1.6, 1.8, 2.0, 2.2, 2.4)), 2: (4 / 3, (1.0, 1.15, 1.25, 4 / 3, 1.42, 1.5, 1.7))}
    for K in ks:
        ac, alphas = cases[K]
        for n in (50, 100, 200):
            for alpha in alphas:
                p = round(alpha * n)
                ok = 0
                rng = np.random.default_rng([K, n, p])
                for _ in range(n_inst):
                    xi = rng.standard_normal((p, n))
                    labels = rng.choice([-1.0, 1.0], size=p)
                    ok += _lp_feasible(K, xi, labels)
                rows.append({"K": K, "N": n, "alpha": p / n, "feasible": ok, "n": n_inst})
                print(f"K={K} N={n:3d} alpha={p / n:.3f} (alpha_c={ac:.4f}): feasible {ok}/{n_inst}")
    out["lp"] = rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("part", choices=["curve", "binary", "lp", "limit", "all"])
    ap.add_argument("--json")
    args = ap.parse_args()
    out = {}
    parts = ["curve", "limit", "binary", "lp"] if args.part == "all" else [args.part]
    for p in parts:
        print(f"== {p}")
        globals()[f"part_{p}"](out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1, default=float)


if __name__ == "__main__":
    main()

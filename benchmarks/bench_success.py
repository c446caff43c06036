"""Success probability versus α and time to solution, per method (the table users consult to pick one).

For every α and instance i (patterns seeded with i, identical for every method; solver seeded with i),
``wfm.solve`` runs each method under its own budget; a run counts as a success only if the returned
weights have zero training errors (``SolveResult.solved``, checked independently of the method). Rows are
appended to a CSV (``--out``) as they finish, and a run already in the CSV is skipped, so an interrupted
table resumes and a bigger one (more α, more instances) extends the same file. The Markdown table is
printed from the whole CSV at the end (or alone with ``--table-only``).

    python benchmarks/bench_success.py --model perceptron --n 1001 --alphas 0.5 0.6 0.7 --instances 20 \\
        --methods sa sa-ce replicated-sa sbpi cpr greedy --max-seconds 60 --out success_perceptron.csv
    python benchmarks/bench_success.py --model tree --k 3 --n 999 --alphas 0.3 0.5 --instances 20 ...
    python benchmarks/bench_success.py --opt replicated-sa:y=5 --opt sa:max_sweeps=5000 ...

Columns: P(success) with its binomial standard error, the median and maximum seconds of the successful
runs, the median iterations (sweeps or epochs as the method counts them) of the successful runs.
"""
from __future__ import annotations

import argparse
import ast
import csv
import math
import os
import platform
import time
from collections import defaultdict

import numpy as np

import wfm
from wfm.data import random_patterns

FIELDS = ["model", "n", "k", "alpha", "p", "instance", "method", "options", "solved", "n_errors", "iterations",
          "seconds", "load"]


def make_model(kind, n, k):
    if kind == "perceptron":
        return wfm.Perceptron(n)
    if kind == "tree":
        return wfm.TreeCommittee(n, k)
    if kind == "committee":
        return wfm.Committee(n, k)
    raise SystemExit(f"--model must be perceptron, tree or committee, got {kind!r}")


def parse_opts(items):
    out = defaultdict(dict)
    for it in items:
        method, _, kv = it.partition(":")
        key, _, val = kv.partition("=")
        try:
            out[method][key] = ast.literal_eval(val)
        except (ValueError, SyntaxError):
            out[method][key] = val
    return out


def read_rows(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def table(rows):
    groups = defaultdict(list)
    for r in rows:
        groups[(r["model"], int(r["n"]), int(r["k"]), r["method"], r["options"], float(r["alpha"]))].append(r)
    lines = ["| model | N | method (options) | α | instances | P(success) | median s (solved) | max s (solved) "
             "| median iterations (solved) |", "|---|---|---|---|---|---|---|---|---|"]
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2], k[3], k[4], k[5])):
        model, n, k, method, opts, alpha = key
        g = groups[key]
        ok = [r for r in g if r["solved"] == "True"]
        ps = len(ok) / len(g)
        se = math.sqrt(ps * (1 - ps) / len(g))
        secs = [float(r["seconds"]) for r in ok]
        its = [int(r["iterations"]) for r in ok]
        mname = model if model == "perceptron" else f"{model} K={k}"
        label = method + (f" {opts}" if opts not in ("{}", "") else "")
        lines.append(f"| {mname} | {n} | {label} | {alpha:g} | {len(g)} | {ps:.2f} ± {se:.2f} | "
                     f"{np.median(secs) if secs else float('nan'):.2f} | {max(secs) if secs else float('nan'):.2f} | "
                     f"{int(np.median(its)) if its else '-'} |")
    return "\n".join(lines)


def wide_table(rows, labels=None):
    """One row per (model, method, options), one column per α; a cell is "solved/instances · median s of
    the solved runs" (the compact form quoted in BENCHMARKS.md). ``labels`` maps an options repr to a
    shorter text."""
    labels = labels or {}
    alphas = sorted({float(r["alpha"]) for r in rows})
    groups = defaultdict(dict)
    for r in rows:
        key = (r["model"], int(r["n"]), int(r["k"]), r["method"], r["options"])
        groups[key].setdefault(float(r["alpha"]), []).append(r)
    head = "| model | method | options | " + " | ".join(f"α = {a:g}" for a in alphas) + " |"
    lines = [head, "|---|---|---|" + "---|" * len(alphas)]
    for key in sorted(groups):
        model, n, k, method, opts = key
        cells = []
        for a in alphas:
            g = groups[key].get(a)
            if not g:
                cells.append("")
                continue
            ok = [float(r["seconds"]) for r in g if r["solved"] == "True"]
            med = np.median(ok) if ok else 0.0
            cells.append(f"{len(ok)}/{len(g)}" + (f" · {med:.{2 if med < 1 else 1}f} s" if ok else ""))
        mname = f"{model} N={n}" if model == "perceptron" else f"{model} K={k} N={n}"
        lines.append(f"| {mname} | {method} | {labels.get(opts, _short(opts))} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _short(opts):
    try:
        d = ast.literal_eval(opts)
    except (ValueError, SyntaxError):
        return opts
    return ", ".join(f"{k}={v}" for k, v in d.items()) or "defaults"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="perceptron")
    ap.add_argument("--n", type=int, default=1001)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--alphas", type=float, nargs="+", default=[0.5, 0.6, 0.7])
    ap.add_argument("--instances", type=int, default=20)
    ap.add_argument("--first-instance", type=int, default=0)
    ap.add_argument("--methods", nargs="+", default=["sa", "sa-ce", "replicated-sa", "sbpi", "cpr", "greedy"])
    ap.add_argument("--opt", action="append", default=[], help="method:key=value (repeatable)")
    ap.add_argument("--max-seconds", type=float, default=None, help="wall-clock budget per run (max_seconds)")
    ap.add_argument("--out", default="benchmarks/success.csv")
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--merge", nargs="*", default=[], help="further CSV files to include in the printed table")
    ap.add_argument("--wide", action="store_true", help="print one column per α (solved/instances · median s)")
    a = ap.parse_args(argv)

    if not a.table_only:
        model = make_model(a.model, a.n, a.k)
        extra = parse_opts(a.opt)
        done = {(r["model"], r["n"], r["k"], r["alpha"], r["instance"], r["method"], r["options"])
                for r in read_rows(a.out)}
        new_file = not os.path.exists(a.out)
        with open(a.out, "a", newline="") as f:
            wr = csv.DictWriter(f, fieldnames=FIELDS)
            if new_file:
                wr.writeheader()
            for alpha in a.alphas:
                for inst in range(a.first_instance, a.first_instance + a.instances):
                    pats = random_patterns(model.n, alpha=alpha, model=model, seed=inst)
                    for method in a.methods:
                        opts = dict(extra.get(method, {}))
                        if a.max_seconds is not None:
                            opts.setdefault("max_seconds", a.max_seconds)
                        okey = repr(dict(sorted(opts.items())))
                        key = (model.kind, str(a.n), str(model.k), str(alpha), str(inst), method, okey)
                        if key in done:
                            continue
                        t0 = time.perf_counter()
                        r = wfm.solve(model, pats, method, seed=inst, **opts)
                        wr.writerow({"model": model.kind, "n": a.n, "k": model.k, "alpha": alpha, "p": pats.p,
                                     "instance": inst, "method": method, "options": okey, "solved": r.solved,
                                     "n_errors": r.n_errors, "iterations": r.iterations,
                                     "seconds": round(time.perf_counter() - t0, 4),
                                     "load": round(os.getloadavg()[0], 2)})
                        f.flush()
                        print(f"α={alpha} inst={inst} {method}: solved={r.solved} errors={r.n_errors} "
                              f"it={r.iterations} {r.seconds:.2f}s", flush=True)
    rows = read_rows(a.out) + [r for path in a.merge for r in read_rows(path)]
    print(wide_table(rows) if a.wide else table(rows))
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Threshold tuning of a solver's defaults: success counts on set-aside instances, α50 fits, resumable.

Each *setting* is a named set of options of one method (budget options included: the budget is part of the
setting, a threshold depends on it). For every setting, α and data seed s (s ≥ 10 000 by default: the figures
use the seeds 0–99, so the tuning instances are set aside from theirs), the instance is
``wfm.instance.Instance(n, alpha, model=..., k=..., data_seed=s).build()`` and the solver is seeded with s, so
every setting sees the same instances (common random numbers). A run counts as solved only if the returned
weights have zero training errors (``SolveResult.solved``). One JSON line per run is appended to ``--out``
(flushed at once); a run already in the file (same method, model, N, K, α, seed and options) is skipped, so an
interrupted scan resumes where it stopped and a larger one extends the same file. ``--shard i/m`` runs every
m-th job only, so m processes can share a scan (they append to the same file, one line per write).

Recorded per run: solved, errors left, iterations, wall and CPU seconds of the solve (CPU time is the
comparable figure on a loaded machine), the load average. ``--report`` prints, from the whole file, one table
per (method, model) with the success counts per α and setting and the logistic α50 fit
(``wfm.figures.scaling.fit_threshold``, bootstrap standard error) of every setting with ≥ 3 α values.

Option values are Python literals; a value written ``X/sqrtm`` is X/√m (m inputs per hidden unit), the unit
of greedy's thresholds. ``default:`` is the method's defaults. Examples (the scans and their tables are in the "Threshold
tuning" section of benchmarks/BENCHMARKS.md):

    nice python benchmarks/bench_tune.py --method greedy --alphas 0.72 0.76 --seeds 10000 10 \\
        --setting "default:" --setting "k15:kappa0=1.5/sqrtm;kappa_step=0.001/sqrtm" --out tune.jsonl
    python benchmarks/bench_tune.py --report --out tune.jsonl
"""
from __future__ import annotations

import argparse
import ast
import json
import math
import os
import time
from collections import defaultdict

import numpy as np

import wfm
from wfm.instance import Instance


def parse_setting(text, m):
    """``NAME:key=val;key=val`` -> (NAME, options dict). ``X/sqrtm`` means X/√m."""
    name, _, body = text.partition(":")
    if not name:
        raise SystemExit(f"--setting needs NAME:key=val;..., got {text!r}")
    opts = {}
    for item in filter(None, (s.strip() for s in body.split(";"))):
        key, eq, val = item.partition("=")
        if not eq:
            raise SystemExit(f"--setting {name}: {item!r} is not key=value")
        val = val.strip()
        if val.endswith("/sqrtm"):
            opts[key.strip()] = float(ast.literal_eval(val[:-len("/sqrtm")])) / math.sqrt(m)
        else:
            try:
                opts[key.strip()] = ast.literal_eval(val)
            except (ValueError, SyntaxError):
                opts[key.strip()] = val
    return name, opts


def read_rows(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def run_key(r):
    return (r["method"], r["model"], r["n"], r["k"], r["alpha"], r["seed"], r["options"])


def scan(a):
    inst0 = Instance(n=a.n, alpha=0.5, model=a.model, k=None if a.model == "perceptron" else a.k)
    m = inst0.build_model().m
    settings = [parse_setting(s, m) for s in a.setting] or [("default", {})]
    done = {run_key(r) for r in read_rows(a.out)}
    jobs = [(name, opts, alpha, s) for alpha in a.alphas for s in range(a.seeds[0], a.seeds[0] + a.seeds[1])
            for name, opts in settings]
    shard, nshard = (int(x) for x in a.shard.split("/"))
    jobs = jobs[shard::nshard]
    k = None if a.model == "perceptron" else a.k
    for name, opts, alpha, s in jobs:
        okey = json.dumps(opts, sort_keys=True)
        key = (a.method, a.model, a.n, k, alpha, s, okey)
        if key in done:
            continue
        model, pats = Instance(n=a.n, alpha=alpha, model=a.model, k=k, data_seed=s).build()
        c0, w0 = time.process_time(), time.perf_counter()
        r = wfm.solve(model, pats, a.method, seed=s, **opts)
        row = {"method": a.method, "model": a.model, "n": a.n, "k": k, "alpha": alpha, "p": pats.p, "seed": s,
               "setting": name, "options": okey, "solved": bool(r.solved), "n_errors": int(r.n_errors),
               "iterations": int(r.iterations), "cpu_s": round(time.process_time() - c0, 3),
               "wall_s": round(time.perf_counter() - w0, 3), "load": round(os.getloadavg()[0], 2)}
        with open(a.out, "a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"{a.method} {name} α={alpha} seed={s}: solved={r.solved} errors={r.n_errors} it={r.iterations} "
              f"cpu={row['cpu_s']:.1f}s wall={row['wall_s']:.1f}s", flush=True)


def report(path, methods=None):
    from wfm.figures.scaling import fit_threshold
    rows = [r for r in read_rows(path) if methods is None or r["method"] in methods]
    groups = defaultdict(lambda: defaultdict(list))
    for r in rows:
        groups[(r["method"], r["model"], r["n"], r["k"])][(r["setting"], r["options"])].append(r)
    out = []
    for (method, model, n, k), by_set in sorted(groups.items(), key=lambda kv: str(kv[0])):
        alphas = sorted({r["alpha"] for g in by_set.values() for r in g})
        seeds = sorted({r["seed"] for g in by_set.values() for r in g})
        out.append(f"\n{method} on {model} N={n}" + (f" K={k}" if k else "")
                   + f" (data seeds {seeds[0]}–{seeds[-1]})\n")
        out.append("| setting | options | " + " | ".join(f"α = {x:g}" for x in alphas)
                   + " | α50 ± s.e. | median CPU s (solved) |")
        out.append("|---|---|" + "---|" * len(alphas) + "---|---|")
        for (name, okey), g in sorted(by_set.items()):
            cells, al, ks, ns = [], [], [], []
            for x in alphas:
                gx = [r for r in g if r["alpha"] == x]
                if not gx:
                    cells.append("")
                    continue
                ok = sum(r["solved"] for r in gx)
                errs = sorted(r["n_errors"] for r in gx if not r["solved"])
                cells.append(f"{ok}/{len(gx)}" + (f" (left {errs[0]}–{errs[-1]})" if errs else ""))
                al.append(x)
                ks.append(ok)
                ns.append(len(gx))
            fit = "–"
            if len(al) >= 3:          # two α values determine the logistic exactly: no fit from a screen
                try:
                    t = fit_threshold(al, ks, ns)
                    if t.bracketed:
                        fit = f"{t.alpha50:.4f} ± {t.stderr:.4f}"
                    else:  # a fit through all-solved (or none-solved) points places α50 anywhere
                        side = ">" if all(2 * k >= m for k, m in zip(ks, ns)) else "<"
                        fit = f"not bracketed (α50 {side} the α range)"
                except ValueError as e:
                    fit = f"no fit ({e})"
            cpu = [r["cpu_s"] for r in g if r["solved"]]
            opts = ", ".join(f"{kk}={_fmt(v)}" for kk, v in json.loads(okey).items()) or "defaults"
            out.append(f"| {name} | {opts} | " + " | ".join(cells)
                       + f" | {fit} | {np.median(cpu) if cpu else float('nan'):.2f} |")
    text = "\n".join(out)
    print(text)
    return text


def _fmt(v):
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--method")
    ap.add_argument("--model", default="perceptron", choices=("perceptron", "tree", "committee"))
    ap.add_argument("--n", type=int, default=1001)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--alphas", type=float, nargs="+", default=[0.72, 0.76])
    ap.add_argument("--seeds", type=int, nargs=2, default=[10000, 10], metavar=("FIRST", "COUNT"))
    ap.add_argument("--setting", action="append", default=[], help="NAME:key=val;key=val (repeatable)")
    ap.add_argument("--shard", default="0/1", help="i/m: run every m-th job starting at i")
    ap.add_argument("--out", default="tune.jsonl")
    ap.add_argument("--report", action="store_true", help="only print the tables of --out")
    ap.add_argument("--methods", nargs="*", default=None, help="with --report: only these methods")
    a = ap.parse_args(argv)
    if not a.report:
        if not a.method:
            raise SystemExit("--method is required unless --report")
        scan(a)
    report(a.out, a.methods)


if __name__ == "__main__":
    main()

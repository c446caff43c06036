"""Benchmarks of wfm.bp at research scale: the AMP form, threads, and large-N focusing BP.

    python benchmarks/bench_bp_amp.py edges --n 1001 --alpha 0.6              # per-edge sweep, ms (CPU)
    python benchmarks/bench_bp_amp.py edges --n 321 --k 3 --alpha 0.5 --gamma 1 --y 2 --damping 0.5
    python benchmarks/bench_bp_amp.py threads --n 10001 --alpha 0.6         # 1 vs 2 threads: AMP and parallel per-edge
    python benchmarks/bench_bp_amp.py solve --n 10001 --alpha 0.7 --instances 10 --out amp10k.jsonl
    python benchmarks/bench_bp_amp.py solve --n 30001 --alpha 0.7 --instances 1 --direct --out amp30k.jsonl
    python benchmarks/bench_bp_amp.py local --n 10001 --alpha 0.6           # wfm.local_entropy, default γ grid

``edges``: process CPU time of one per-edge sweep (``BP.sweep``: kernel + random order + field recomputation),
min over repeats, sequential schedule, one thread. ``threads``: wall and CPU time of one AMP iteration and of one
parallel-schedule per-edge sweep with 1 and 2 Numba threads, alternated in the same process (min over repeats),
and a check that both thread counts give identical messages. ``solve``: ``wfm.solve(method="fbp", form=...)``
with the solver defaults on instance i (pattern seed 10000 + i, solver seed i), each in a fresh child process
that measures its own memory: resident set before the patterns are loaded, after, and the peak during the solve
(``VmHWM`` after resetting it through /proc/self/clear_refs; Linux). Bytes per pattern entry =
(peak − resident before loading) / (P · N). ``--direct`` times ``wfm.bp.focusing.focusing_bp`` itself (the
message passing), then records what ``Model.errors`` (used by ``wfm.solve``) adds.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def _status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return -1


def bench_edges(n, k, alpha, gamma, y, damping, repeat):
    import numba

    import wfm
    from wfm.bp import BP
    numba.set_num_threads(1)
    model = wfm.Perceptron(n) if k == 1 else wfm.Committee(n, k)
    pats = wfm.random_patterns(n, alpha=alpha, seed=0, model=model)
    bp = BP(model, pats, accuracy="gaussian", damping=damping, seed=0)
    bp.set_focusing(gamma, y)
    for _ in range(3):
        bp.sweep()
    start = bp.copy_messages()
    times = []
    for _ in range(repeat):
        bp.restore_messages(start)
        t = time.process_time()
        bp.sweep()
        times.append(time.process_time() - t)
    rec = {"what": "edges sweep", "n": n, "k": k, "alpha": alpha, "p": pats.p, "gamma": gamma, "y": y,
           "damping": damping, "ms": 1e3 * min(times), "ns_per_edge": 1e9 * min(times) / (pats.p * model.n_weights),
           "load": os.getloadavg()[0]}
    print(json.dumps(rec))
    return rec


def bench_threads(n, alpha, repeat, edges=True):
    import numba

    import wfm
    from wfm.bp import AMP, BP
    model = wfm.Perceptron(n)
    pats = wfm.random_patterns(n, alpha=alpha, seed=0)
    out = {"n": n, "alpha": alpha, "p": pats.p, "max_threads": numba.config.NUMBA_NUM_THREADS}
    states = {"amp": AMP(model, pats, seed=0, damping=0.3)}
    if edges:
        states["edges_parallel"] = BP(model, pats, accuracy="gaussian", schedule="parallel", damping=0.3, seed=0)
    for name, st in states.items():
        st.sweep()
        start = st.copy_messages()
        res = {1: [], 2: []}
        final = {}
        for _ in range(repeat):
            for nt in (1, 2):
                numba.set_num_threads(nt)
                st.restore_messages(start)
                t, c = time.perf_counter(), time.process_time()
                st.sweep()
                res[nt].append((time.perf_counter() - t, time.process_time() - c))
                final[nt] = st.H.copy()
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        w1 = min(r[0] for r in res[1])
        w2 = min(r[0] for r in res[2])
        out[name] = {"wall_ms_1": 1e3 * w1, "wall_ms_2": 1e3 * w2, "speedup_wall": w1 / w2,
                     "cpu_ms_1": 1e3 * min(r[1] for r in res[1]), "cpu_ms_2": 1e3 * min(r[1] for r in res[2]),
                     "identical": bool(np.array_equal(final[1], final[2]))}
    out["load"] = os.getloadavg()[0]
    print(json.dumps(out))
    return out


def bench_local(n, alpha, form):
    """wfm.local_entropy(method="bp") around a solution found by fBP, default γ grid: CPU and wall time."""
    import wfm
    model = wfm.Perceptron(n)
    pats = wfm.random_patterns(n, alpha=alpha, seed=10_000)
    r = wfm.solve(model, pats, method="fbp", seed=0, thermo=False, form=form)
    t, c = time.perf_counter(), time.process_time()
    curve = wfm.local_entropy(model, pats, r.weights, method="bp", form=form)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    rec = {"what": "local_entropy", "n": n, "alpha": alpha, "form": curve.meta.get("form"), "solved": bool(r.solved),
           "gammas": int(curve.gamma.size), "converged": int(curve.converged.sum()),
           "iterations": int(sum(curve.meta["iterations"])), "wall": wall, "cpu": cpu,
           "s_at_gamma": dict(zip(map(float, curve.gamma[::6]), map(float, curve.s[::6]))),
           "load": os.getloadavg()[0]}
    print(json.dumps(rec))
    return rec


def _child(args):
    """Child process of ``solve``: warm up, load the patterns, solve, report time and memory."""
    import wfm
    d = json.loads(args)
    warm = wfm.random_patterns(301, alpha=0.5, seed=0)
    wfm.solve(wfm.Perceptron(301), warm, method="fbp", seed=0, thermo=False, form=d["form"])
    rss0 = _status("VmRSS")
    xi = np.load(d["xi"])
    labels = np.load(d["labels"])
    pats = wfm.Patterns(xi, labels)
    del xi
    rss1 = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    model = wfm.Perceptron(d["n"])
    pn = pats.p * d["n"]
    t, c = time.perf_counter(), time.process_time()
    if d.get("direct"):
        # the message passing alone: wfm.bp.focusing.focusing_bp with the fbp solver's default protocol
        from wfm.bp.focusing import focusing_bp
        from wfm.bp.protocols import make_protocol
        w, tr, bp = focusing_bp(model, pats, make_protocol("pseudo"), rng=np.random.default_rng(d["seed"]),
                                thermo=False, form=d["form"], **d["options"])
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        peak = _status("VmHWM")
        errors = int(bp.count_errors(w))
        out = {"solved": errors == 0, "errors": errors, "iterations": int(tr["iterations"].sum()),
               "steps": len(tr["gamma"]), "form": bp.form}
        model.errors(w, pats)  # what wfm.solve adds: Model.errors converts the patterns to float32
        out["bytes_per_entry_with_model_errors"] = (_status("VmHWM") - rss0) / pn
    else:
        r = wfm.solve(model, pats, method="fbp", seed=d["seed"], thermo=False, form=d["form"], **d["options"])
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        peak = _status("VmHWM")
        out = {"solved": bool(r.solved), "errors": int(r.n_errors), "iterations": int(r.iterations),
               "steps": len(r.history["gamma"]), "form": r.extra.get("form")}
    out.update({"direct": bool(d.get("direct")), "wall": wall, "cpu": cpu, "rss_before_patterns": rss0,
                "rss_with_patterns": rss1, "peak_during_solve": peak, "bytes_per_entry_total": (peak - rss0) / pn,
                "bytes_per_entry_solve": (peak - rss1) / pn})
    print(json.dumps(out))


def bench_solve(n, alpha, instances, first, form, options, out, threads, direct=False):
    import wfm
    recs = []
    for inst in range(first, first + instances):
        pats = wfm.random_patterns(n, alpha=alpha, seed=10_000 + inst)
        with tempfile.TemporaryDirectory() as tmp:
            xp, lp = os.path.join(tmp, "xi.npy"), os.path.join(tmp, "labels.npy")
            np.save(xp, pats.xi)
            np.save(lp, pats.labels)
            p = pats.p
            del pats
            arg = json.dumps({"n": n, "xi": xp, "labels": lp, "seed": inst, "form": form, "options": options,
                              "direct": direct})
            env = dict(os.environ)
            if threads:
                env["NUMBA_NUM_THREADS"] = str(threads)
            res = subprocess.run([sys.executable, os.path.abspath(__file__), "_child", arg], capture_output=True,
                                 text=True, env=env)
        if res.returncode != 0:
            raise RuntimeError(res.stderr[-3000:])
        rec = {"n": n, "alpha": alpha, "p": p, "instance": inst, "options": options, "threads": threads,
               **json.loads(res.stdout.strip().splitlines()[-1]), "load": os.getloadavg()[0]}
        recs.append(rec)
        if out:
            with open(out, "a") as f:
                f.write(json.dumps(rec) + "\n")
        print(json.dumps(rec), flush=True)
    return recs


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_child":
        _child(argv[1])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["edges", "threads", "solve", "local"])
    ap.add_argument("--n", type=int, default=1001)
    ap.add_argument("--k", type=int, default=1)
    ap.add_argument("--alpha", type=float, default=0.6)
    ap.add_argument("--gamma", type=float, default=0.0)
    ap.add_argument("--y", type=float, default=1.0)
    ap.add_argument("--damping", type=float, default=0.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-edges", action="store_true", help="threads: AMP only")
    ap.add_argument("--instances", type=int, default=1)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--form", default="amp")
    ap.add_argument("--options", default="{}", help="solve: JSON of fbp options")
    ap.add_argument("--threads", type=int, default=None, help="solve: NUMBA_NUM_THREADS of the child")
    ap.add_argument("--direct", action="store_true", help="solve: wfm.bp.focusing.focusing_bp itself (not wfm.solve)")
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    if a.what == "edges":
        bench_edges(a.n, a.k, a.alpha, a.gamma, a.y, a.damping, a.repeat)
    elif a.what == "threads":
        bench_threads(a.n, a.alpha, a.repeat, edges=not a.no_edges)
    elif a.what == "local":
        bench_local(a.n, a.alpha, a.form)
    else:
        bench_solve(a.n, a.alpha, a.instances, a.first, a.form, json.loads(a.options), a.out, a.threads, a.direct)
    return 0


if __name__ == "__main__":
    sys.exit(main())

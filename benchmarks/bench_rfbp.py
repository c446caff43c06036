"""wfm's belief propagation side by side with rFBP, the C++ focusing-BP reference implementation.

rFBP (github.com/Nico-Curti/rFBP; N. Curti et al., "Replicated Focusing Belief Propagation", JOSS 2020) is a
C++ port of BinaryCommitteeMachineFBP.jl, the code of Baldassi et al., PNAS 113, E7655 (2016), arXiv:1605.06444.
This script does not contain or build it: point it at a build (see benchmarks/RFBP.md for the commands) with
``RFBP_DIR`` or ``--rfbp PATH`` (the executable ``train_main`` itself, or a directory holding it, ``bin/`` or
``build/bin/``). It runs rFBP's own executable on pattern files it writes from ``wfm.random_patterns``, so both
codes see the same instance.

    RFBP_DIR=/path/to/rFBP nice python benchmarks/bench_rfbp.py            # speed: ms per sweep, 3 cases
    RFBP_DIR=/path/to/rFBP nice python benchmarks/bench_rfbp.py --success  # solve success, N = 1001

**Speed** (default). Cases: binary perceptron N = 1001 and N = 10001 at α = 0.6, fully connected sign committee
K = 3, N = 321 at α = 0.5 (α per weight: P = round(α·K·N) = 482; rFBP takes P = M from the file, so P is the
same by construction). One sweep = every pattern node once and every weight's focusing node once, in one random
order, at the focusing step γ = 1, y = 2, damping 0.5 on both sides (rFBP's default damping; in rFBP this step is
``-p free_scoping``'s first step, γ = 1, y = 2). The factor update is the Gaussian (central-limit) one on both
sides: wfm ``accuracy="gaussian"``, rFBP ``-a accurate exact`` (Gaussian hidden units, exact output node).

* wfm: process CPU time (``time.process_time``) of ``BP.sweep()`` (kernel + new random order + recomputation of
  the total fields), averaged over the timed sweeps, min over ``--repeat`` repeats; the ``kernel`` column times
  ``wfm.bp._kernels.sweep`` alone (as benchmarks/bench_bp.py does).
* rFBP exposes only a full solve, so each repeat runs the executable twice with convergence disabled
  (``-e 0``: every protocol step runs exactly ``-i`` sweeps, and a non-converged step ends the run): with
  ``-i n_lo`` and ``-i n_hi`` sweeps. Its CPU time per sweep is the difference of the two child processes' CPU
  times (``getrusage(RUSAGE_CHILDREN)``) divided by ``n_hi − n_lo``: start-up, file reading and the per-step
  statistics cancel. wfm times the same sweeps (n_lo+1 … n_hi from a fresh random start).
* ``--mag T`` is rFBP's default message type MagT64 (messages stored as fields atanh m; needs the atanh∘erf
  interpolation table data/atanherf_interp.max_16.step_0.0001.first_1.dat in the rFBP tree), ``--mag P`` is
  MagP64 (messages stored as magnetizations m, the Python wrapper's default).

Ratio = rFBP ms / wfm ms (> 1: wfm is faster).

Before timing, a cross-check (``check_fixed_point``): on small instances (perceptron N = 201, α = 0.3;
committee K = 3, N = 101, α = 0.2) both codes iterate plain BP to its fixed point and must give the same Bethe
entropy, ⟨m²⟩ and training errors of sign(m) (to rFBP's 6 printed digits); otherwise the script stops.

**Success** (``--success``). N = 1001, α ∈ {0.72, 0.74}, 10 instances each (pattern seed 10000 + i, as
benchmarks/bench_bp.py): ``wfm.solve(model, pats, method="fbp", seed=i)`` with its defaults, against rFBP's
executable with its defaults (pseudo-reinforcement ρ = 0, 0.01, …, 1 — 101 steps, γ = atanh√ρ,
y = (2−ρ)/(1−ρ) — ``-i 1000 -e 0.1 -d 0.5 -g 0.1``), except ``-a accurate exact`` (the executable's default
``exact`` is an O(N³)-per-pattern convolution, infeasible at N = 1001; ``accurate exact`` is the Python wrapper's
and BinaryCommitteeMachineFBP.jl's default) and ``-r i`` (message initialisation seed). A run counts as solved
only if sign(m) of rFBP's saved messages (``-om``) has zero training errors when checked here with
``model.errors``; rFBP's own error count is recorded next to it. Times are process CPU seconds.

Without RFBP_DIR / --rfbp the script says so in one line and exits with status 2.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

EXE_NAME = "train_main"
GAMMA, Y, DAMPING = 1.0, 2.0, 0.5  # the timed focusing step (rFBP: free_scoping's first step) and damping
CASES = {
    "perceptron-1001": {"n": 1001, "k": 1, "alpha": 0.6, "sweeps": 10},
    "perceptron-10001": {"n": 10001, "k": 1, "alpha": 0.6, "sweeps": 2},
    "committee-3x321": {"n": 321, "k": 3, "alpha": 0.5, "sweeps": 10},
}
MAGS = {"T": "1", "P": "0"}  # rFBP -m: 1 = MagT64 (fields, default), 0 = MagP64 (magnetizations)
_STEP_RE = re.compile(r"^it=(\d+) pol=(\S+) y=(\S+) beta=(\S+) \(ok=(\d)\) E=(\d+)\s*$", re.MULTILINE)
_SWEEP_RE = re.compile(r"\[it=(\d+) Delta=(\S+) lambda=")
_NAN_RE = re.compile(r"^it=(\d+) [^\n]* S=[^\n]*\bnan\b", re.MULTILINE)  # statistics line of a step whose messages are NaN
_STATS_RE = re.compile(r"^it=\d+ .*? S_int=(\S+) q=(\S+) q_bar=\S+ E=(\d+)\s*$", re.MULTILINE)
CHECKS = ((201, 1, 0.3), (101, 3, 0.2))  # (N, K, α) of the fixed-point cross-check


# ----------------------------------------------------------------------------------------------------------
# rFBP: locating the executable, its pattern file, running it, reading its output
# ----------------------------------------------------------------------------------------------------------
def find_executable(path):
    """The rFBP training executable from a path (the file itself, or a directory holding it); None if absent."""
    if path is None:
        return None
    path = os.path.abspath(os.path.expanduser(path))
    cands = [path] if os.path.isfile(path) else [os.path.join(path, *sub, EXE_NAME)
                                                  for sub in ((), ("bin",), ("build", "bin"))]
    for c in cands:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def write_patterns(path, patterns):
    """rFBP's binary pattern file (``-b 1``, read by its Patterns class): int64 M, int64 N, int64 labels[M],
    float64 inputs[M][N] row-major (native byte order)."""
    xi = np.ascontiguousarray(patterns.xi, dtype=np.float64)
    labels = np.asarray(patterns.labels, dtype=np.int64)
    with open(path, "wb") as f:
        np.array(xi.shape, dtype=np.int64).tofile(f)
        labels.tofile(f)
        xi.tofile(f)
    return path


def run_rfbp(exe, args, timeout=None):
    """Run rFBP; returns (stdout text, child CPU seconds, wall seconds). Raises RuntimeError on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([exe, *args], check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        out, rc = proc.stdout.decode(errors="replace"), proc.returncode
    except subprocess.TimeoutExpired as exc:
        out, rc = (exc.stdout or b"").decode(errors="replace") + f"\n[timeout after {timeout} s]", None
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if rc != 0:
        tail = " | ".join(out.replace("\r", "\n").strip().splitlines()[-3:])
        raise RuntimeError(f"rFBP exited with status {rc}: {' '.join([exe, *args])}: {tail}")
    return out, cpu, wall


def parse_output(text):
    """rFBP's verbose output → sweeps done (one ``[it=.. Delta=..]`` line per sweep) and the protocol steps
    as (step, tanh γ, y, converged, training errors of sign(m))."""
    text = text.replace("\r", "\n").replace("\x1b[K", "")
    sweeps = len(_SWEEP_RE.findall(text))
    steps = [(int(a), float(b), float(c), e == "1", int(f)) for a, b, c, _, e, f in _STEP_RE.findall(text)]
    return sweeps, steps


def read_clipped_weights(path, k):
    """sign(m) of the weights from rFBP's text message file (``-om``): header lines "fmt: ..." and
    "N,M,K: ...", then K lines of the focusing messages, then K lines of the total magnetizations m_j (what
    rFBP clips: w = +1 unless the sign bit of m is set)."""
    with open(path) as f:
        head = [f.readline() for _ in range(2)]
        n, _, kk = (int(v) for v in head[1].split(":")[1].split())
        if kk != k:
            raise RuntimeError(f"rFBP message file has K={kk}, expected {k}")
        lines = [f.readline() for _ in range(2 * k)][k:]
    mags = np.array([[float(v) for v in line.split()] for line in lines])
    if mags.shape != (k, n):
        raise RuntimeError(f"rFBP message file: magnetizations of shape {mags.shape}, expected {(k, n)}")
    return np.where(np.signbit(mags), -1, 1).astype(np.int8)


# ----------------------------------------------------------------------------------------------------------
# cross-check: the same BP fixed point on the same instance
# ----------------------------------------------------------------------------------------------------------
def check_fixed_point(exe, mags, tmp, tol=5e-6):
    """Both codes iterate plain BP (γ = 0) to its fixed point on the same small instance (perceptron and
    committee, replica-symmetric phase, where the fixed point is unique): the Bethe entropy per weight (rFBP
    prints it as S_int = −βF at γ = 0), q = ⟨m²⟩ and the training errors of sign(m) must agree (rFBP prints 6
    digits). This checks the pattern file, the label convention and the message equations of the harness."""
    import wfm
    from wfm.bp import BP
    rows = []
    for n, k, alpha in CHECKS:
        model = _model(n, k)
        pats = wfm.random_patterns(n, alpha=alpha, seed=3, model=model)
        bp = BP(model, pats, accuracy="gaussian", damping=DAMPING, seed=1)
        conv, _, _ = bp.iterate(max_iters=3000, epsilon=1e-10)
        phi, q = bp.free_entropy(), float(np.mean(np.tanh(bp.H) ** 2))
        e = int(model.errors(bp.clipped_weights(), pats))
        path = write_patterns(os.path.join(tmp, "check.bin"), pats)
        for mag in mags:
            # scoping's first step is γ = 0; ε below rFBP's floor makes it stop after these 300 sweeps
            out, _, _ = run_rfbp(exe, ["-f", path, "-b", "1", "-k", str(k), "-a", "accurate", "exact",
                                       "-m", MAGS[mag], "-p", "scoping", "-s", "2", "-e", "1e-12", "-i", "300",
                                       "-d", str(DAMPING)])
            st = _STATS_RE.search(out.replace("\r", "\n"))
            if st is None:
                raise RuntimeError("cross-check: no statistics line in rFBP's output (built without -DSTATS?)")
            s_r, q_r, e_r = float(st.group(1)), float(st.group(2)), int(st.group(3))
            ok = conv and abs(s_r - phi) <= tol and abs(q_r - q) <= tol and e_r == e
            rows.append({"n": n, "k": k, "alpha": alpha, "mag": mag, "wfm_phi": phi, "rfbp_S_int": s_r,
                         "wfm_q": q, "rfbp_q": q_r, "wfm_errors": e, "rfbp_errors": e_r, "agree": ok})
            if not ok:
                raise RuntimeError(f"cross-check failed (N={n}, K={k}, α={alpha}, Mag{mag}64): wfm φ={phi:.6f} "
                                   f"q={q:.6f} E={e} (converged={conv}) vs rFBP S_int={s_r} q={q_r} E={e_r}")
    print(json.dumps({"fixed_point_check": rows}), flush=True)
    return rows


# ----------------------------------------------------------------------------------------------------------
# speed
# ----------------------------------------------------------------------------------------------------------
def _model(n, k):
    import wfm
    return wfm.Perceptron(n) if k == 1 else wfm.Committee(n, k)


def wfm_sweep_times(model, pats, n_lo, n_hi, repeat, seed):
    """Per-sweep process CPU time of BP.sweep() and of the kernel alone, sweeps n_lo+1 … n_hi (min over repeats)."""
    from wfm.bp import BP

    warm = BP(model, pats, accuracy="gaussian", damping=DAMPING, seed=seed)  # compile / load the cache
    warm.set_focusing(GAMMA, Y)
    warm.sweep()
    del warm
    bp = BP(model, pats, accuracy="gaussian", damping=DAMPING, seed=seed)
    bp.set_focusing(GAMMA, Y)
    for _ in range(n_lo):
        bp.sweep()
    start = bp.copy_messages()
    full, kern = [], []
    for _ in range(repeat):
        bp.restore_messages(start)
        t = time.process_time()
        for _ in range(n_hi - n_lo):
            bp.sweep()
        full.append((time.process_time() - t) / (n_hi - n_lo))
        bp.restore_messages(start)
        tk = 0.0
        for _ in range(n_hi - n_lo):
            order = bp._order()
            t = time.process_time()
            bp.kernel_sweep(order)
            tk += time.process_time() - t
            bp._refresh()
        kern.append(tk / (n_hi - n_lo))
    return min(full), min(kern), full


def rfbp_sweep_times(exe, path, k, mag, n_lo, n_hi, repeat):
    """Per-sweep child CPU time of rFBP: (cpu(n_hi sweeps) − cpu(n_lo sweeps)) / (n_hi − n_lo), per repeat."""
    base = ["-f", path, "-b", "1", "-k", str(k), "-a", "accurate", "exact", "-m", MAGS[mag], "-p", "free_scoping",
            "-e", "0", "-d", str(DAMPING), "-r", "0"]
    per = []
    for _ in range(repeat):
        cpu = {}
        for n_it in (n_lo, n_hi):
            out, c, _ = run_rfbp(exe, base + ["-i", str(n_it)])
            sweeps, steps = parse_output(out)
            if sweeps != n_it or len(steps) != 1 or abs(steps[0][1] - np.tanh(GAMMA)) > 1e-4 or steps[0][2] != Y:
                raise RuntimeError(f"rFBP did not run {n_it} sweeps of one step at tanh(γ)={np.tanh(GAMMA):.4f}, "
                                   f"y={Y}: saw {sweeps} sweeps, steps {steps}")
            cpu[n_it] = c
        per.append((cpu[n_hi] - cpu[n_lo]) / (n_hi - n_lo))
    return min(per), per


def bench_speed(exe, cases, mags, repeat, n_lo, sweeps_override, seed, out):
    import wfm
    recs = []
    with tempfile.TemporaryDirectory(prefix="bench_rfbp_") as tmp:
        check_fixed_point(exe, mags, tmp)
        for name in cases:
            c = CASES[name]
            n, k, alpha = c["n"], c["k"], c["alpha"]
            n_hi = n_lo + (sweeps_override or c["sweeps"])
            model = _model(n, k)
            pats = wfm.random_patterns(n, alpha=alpha, seed=seed, model=model)
            path = write_patterns(os.path.join(tmp, f"{name}.bin"), pats)
            load0 = os.getloadavg()[0]
            wfm_ms, kern_ms, wfm_all = wfm_sweep_times(model, pats, n_lo, n_hi, repeat, seed)
            rec = {"case": name, "n": n, "k": k, "alpha_per_weight": alpha, "p": pats.p,
                   "alpha_rfbp": pats.p / (n * k), "timed_sweeps": [n_lo + 1, n_hi], "gamma": GAMMA, "y": Y,
                   "damping": DAMPING, "wfm_ms": 1e3 * wfm_ms, "wfm_kernel_ms": 1e3 * kern_ms,
                   "wfm_ms_repeats": [round(1e3 * t, 3) for t in wfm_all]}
            del pats
            for mag in mags:
                r_ms, r_all = rfbp_sweep_times(exe, path, k, mag, n_lo, n_hi, repeat)
                rec[f"rfbp_{mag}_ms"] = 1e3 * r_ms
                rec[f"rfbp_{mag}_ms_repeats"] = [round(1e3 * t, 3) for t in r_all]
                rec[f"ratio_{mag}"] = r_ms / wfm_ms
            os.remove(path)
            rec["load_before_after"] = [load0, os.getloadavg()[0]]
            rec["clock"] = "process CPU time (wfm: time.process_time; rFBP: getrusage of the child)"
            rec["machine"] = f"{platform.machine()} {os.cpu_count()} cpu, python {platform.python_version()}"
            print(json.dumps(rec), flush=True)
            if out:
                with open(out, "a") as f:
                    f.write(json.dumps(rec) + "\n")
            recs.append(rec)
    print_speed_table(recs, mags)
    return recs


def print_speed_table(recs, mags):
    head = "| case | N | K | P | wfm BP.sweep() ms | wfm kernel ms |"
    sep = "|---|---|---|---|---|---|"
    for mag in mags:
        head += f" rFBP Mag{mag}64 ms | ratio rFBP/wfm |"
        sep += "---|---|"
    print(head + " load (1 min) |")
    print(sep + "---|")
    for r in recs:
        row = f"| {r['case']} | {r['n']} | {r['k']} | {r['p']} | {r['wfm_ms']:.2f} | {r['wfm_kernel_ms']:.2f} |"
        for mag in mags:
            row += f" {r[f'rfbp_{mag}_ms']:.2f} | {r[f'ratio_{mag}']:.2f} |"
        lo, hi = r["load_before_after"]
        print(row + f" {lo:.1f} → {hi:.1f} |")


# ----------------------------------------------------------------------------------------------------------
# success
# ----------------------------------------------------------------------------------------------------------
def bench_success(exe, n, alphas, instances, mags, timeout, out):
    import wfm
    recs = []
    with tempfile.TemporaryDirectory(prefix="bench_rfbp_") as tmp:
        for alpha in alphas:
            for inst in range(instances):
                model = wfm.Perceptron(n)
                pats = wfm.random_patterns(n, alpha=alpha, seed=10_000 + inst)
                base = {"n": n, "alpha": alpha, "p": pats.p, "instance": inst, "pattern_seed": 10_000 + inst}
                t = time.process_time()
                r = wfm.solve(model, pats, method="fbp", seed=inst)
                cpu = time.process_time() - t
                errs_along = np.asarray(r.history["errors"])
                rec = {**base, "code": "wfm fbp", "solved": bool(r.solved), "errors": int(r.n_errors),
                       "min_errors_along": int(errs_along.min()) if errs_along.size else -1,
                       "sweeps": int(r.iterations), "steps": len(r.history["gamma"]), "cpu_s": cpu,
                       "wall_s": r.seconds, "load": os.getloadavg()[0]}
                _emit(rec, out, recs)
                path = write_patterns(os.path.join(tmp, "patterns.bin"), pats)
                for mag in mags:
                    mess = os.path.join(tmp, "messages.txt")
                    args = ["-f", path, "-b", "1", "-k", "1", "-a", "accurate", "exact", "-m", MAGS[mag],
                            "-r", str(inst), "-om", mess]
                    rec = {**base, "code": f"rFBP Mag{mag}64", "rfbp_args": " ".join(args[4:-2])}
                    try:
                        text, cpu, wall = run_rfbp(exe, args, timeout=timeout)
                    except RuntimeError as exc:
                        rec.update(solved=False, errors=-1, cpu_s=float("nan"), wall_s=float("nan"), note=str(exc))
                        _emit(rec, out, recs)
                        continue
                    sweeps, steps = parse_output(text)
                    nan_steps = [int(m.group(1)) for m in _NAN_RE.finditer(text.replace("\r", "\n"))]
                    w = read_clipped_weights(mess, 1).reshape(model.weight_shape)
                    errs = int(model.errors(w, pats))
                    os.remove(mess)
                    if errs == 0:
                        stop = "solved"
                    elif nan_steps:
                        stop = f"NaN messages from step {nan_steps[0]}"
                    elif steps and not steps[-1][3]:
                        stop = "step not converged in -i sweeps"
                    else:
                        stop = "protocol ended"
                    rec.update(solved=errs == 0, errors=errs, rfbp_reported_errors=steps[-1][4] if steps else -1,
                               min_errors_along=min((st[4] for st in steps), default=-1), stop=stop,
                               sweeps=sweeps, steps=len(steps), cpu_s=cpu, wall_s=wall, load=os.getloadavg()[0])
                    _emit(rec, out, recs)
    print_success_table(recs)
    return recs


def _emit(rec, out, recs):
    print(json.dumps(rec), flush=True)
    if out:
        with open(out, "a") as f:
            f.write(json.dumps(rec) + "\n")
    recs.append(rec)


def print_success_table(recs):
    print("| code | α | P | solved | median sweeps (all) | median CPU s (all) | median CPU s (solved) |")
    print("|---|---|---|---|---|---|---|")
    keys = []
    for r in recs:
        if (r["code"], r["alpha"]) not in keys:
            keys.append((r["code"], r["alpha"]))
    for code, alpha in keys:
        rows = [r for r in recs if r["code"] == code and r["alpha"] == alpha]
        ok = [r for r in rows if r["solved"]]
        def med(xs, fmt):
            return format(statistics.median(xs), fmt) if xs else "–"
        print(f"| {code} | {alpha} | {rows[0]['p']} | {len(ok)}/{len(rows)} | "
              f"{med([r['sweeps'] for r in rows if 'sweeps' in r], '.1f')} | {med([r['cpu_s'] for r in rows], '.2f')} | "
              f"{med([r['cpu_s'] for r in ok], '.2f')} |")


# ----------------------------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rfbp", default=None, help="rFBP build: train_main or a directory holding it "
                                                  "(default: $RFBP_DIR)")
    ap.add_argument("--mag", nargs="+", choices=sorted(MAGS), default=["T", "P"],
                    help="rFBP message types: T = MagT64 (fields; rFBP's default), P = MagP64 (magnetizations)")
    ap.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    ap.add_argument("--repeat", type=int, default=3, help="speed: repeats (min reported)")
    ap.add_argument("--n-lo", type=int, default=1, help="speed: sweeps of the short rFBP run (not timed in wfm)")
    ap.add_argument("--sweeps", type=int, default=None, help="speed: timed sweeps (default: per case)")
    ap.add_argument("--seed", type=int, default=0, help="speed: pattern and message seed")
    ap.add_argument("--success", action="store_true", help="solve success of wfm fbp vs rFBP instead of speed")
    ap.add_argument("--n", type=int, default=1001, help="success: N")
    ap.add_argument("--alphas", type=float, nargs="+", default=[0.72, 0.74], help="success: α values")
    ap.add_argument("--instances", type=int, default=10, help="success: instances per α")
    ap.add_argument("--timeout", type=float, default=1800.0, help="success: seconds per rFBP run")
    ap.add_argument("--out", default=None, help="append the JSON records to this file")
    a = ap.parse_args(argv)
    src = a.rfbp if a.rfbp is not None else os.environ.get("RFBP_DIR")
    if not src:
        print("bench_rfbp: no rFBP build given: set RFBP_DIR or pass --rfbp PATH (build steps: benchmarks/RFBP.md)",
              file=sys.stderr)
        return 2
    exe = find_executable(src)
    if exe is None:
        print(f"bench_rfbp: no executable '{EXE_NAME}' at {src} (nor in its bin/ or build/bin/)", file=sys.stderr)
        return 2
    if a.repeat < 1 or a.n_lo < 1 or (a.sweeps is not None and a.sweeps < 1):
        print("bench_rfbp: --repeat, --n-lo and --sweeps must be >= 1", file=sys.stderr)
        return 2
    print(f"# rFBP executable {exe}; load {os.getloadavg()}", flush=True)
    try:
        if a.success:
            bench_success(exe, a.n, a.alphas, a.instances, a.mag, a.timeout, a.out)
        else:
            bench_speed(exe, a.cases, a.mag, a.repeat, a.n_lo, a.sweeps, a.seed, a.out)
    except RuntimeError as exc:
        print(f"bench_rfbp: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

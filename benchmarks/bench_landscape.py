"""Landscape benchmarks (issue targets) with NumPy references; prints times and ratios.

1. Dense Hessian + full spectrum of a continuous perceptron, N = 2000, P = 1000 (target < 2 s).
2. Top Hessian eigenvalue by Lanczos for a perceptron with N = 20000, P = 10000 (int8 patterns; target < 10 s);
   Numba HVP kernel vs the NumPy HVP Xᵀ(c ⊙ X u)/(P N) with float32 patterns.
3. Profiles of 100 directions × 51 points for a ReLU committee with 10⁴ weights (N = 1000, K = 10), P = 5000
   (target < 5 s); vs a NumPy reference that evaluates every point with a full forward pass (timed on a subset
   and extrapolated).

Run: ``python benchmarks/bench_landscape.py [--quick]`` (first run includes Numba compilation; each timing below
is the best of ``--repeat`` runs after a warm-up on a small instance).
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import wfm
import wfm.landscape as L
from wfm import losses


CPU = {}


def best(fn, repeat, key=None):
    """Best wall time of ``repeat`` runs; the process CPU time of that run goes to CPU[key] (all threads summed):
    on this shared machine the wall time is inflated by the other users' load, the CPU time much less so."""
    ts = []
    out = None
    for _ in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = fn()
        ts.append((time.perf_counter() - t0, time.process_time() - c0))
    wall, cpu = min(ts)
    if key:
        CPU[key] = cpu
    return wall, out


def bench_dense(n, p, repeat):
    model = wfm.Perceptron(n, weights="spherical")
    pats = wfm.random_patterns(n, p=p, seed=0)
    w = model.random_weights(seed=1)
    ce = losses.cross_entropy(1.0)
    L.hessian_spectrum(wfm.Perceptron(50, weights="spherical"), wfm.random_patterns(50, p=20, seed=0),
                       np.ones(50))   # warm-up/compile

    def dense_and_eigvalsh():
        h = L.hessian(model, pats, w, ce)
        return np.linalg.eigvalsh(h)

    t_h, h = best(lambda: L.hessian(model, pats, w, ce), repeat)
    t_full, eig_full = best(dense_and_eigvalsh, repeat, 'dense_full')
    t_gram, spec = best(lambda: L.hessian_spectrum(model, pats, w, ce, method="dense"), repeat, 'dense_gram')
    err = np.abs(np.sort(spec["eigenvalues"]) - eig_full).max()
    # NumPy reference: H = Σ_μ c_μ ξ ξᵀ /(P N) by a plain per-pattern-weighted GEMM in float64
    x = pats.xi.astype(np.float64)
    d = pats.labels * (x @ w) / np.sqrt(n)
    c = ce.second_derivative(d)
    t_ref, href = best(lambda: (x.T * (c / (p * n))) @ x, repeat)
    print(f"[dense] perceptron N={n} P={p}: hessian {t_h:.3f} s (NumPy ref GEMM {t_ref:.3f} s, "
          f"max|ΔH| {np.abs(h - href).max():.1e}); hessian + eigvalsh(n×n) {t_full:.3f} s; "
          f"hessian_spectrum (P×P Gram path, all n eigenvalues) {t_gram:.3f} s; max|Δλ| {err:.1e}; "
          f"CPU s: full {CPU['dense_full']:.2f}, Gram {CPU['dense_gram']:.2f}")
    return {"hessian": t_h, "full": t_full, "gram": t_gram, "ref": t_ref}


def bench_lanczos(n, p, repeat):
    model = wfm.Perceptron(n, weights="spherical")
    pats = wfm.random_patterns(n, p=p, seed=0)
    w = model.random_weights(seed=1)
    ce = losses.cross_entropy(1.0)
    small = wfm.random_patterns(60, p=30, seed=0)
    L.lanczos(L.hvp_operator(wfm.Perceptron(60, weights="spherical"), small, np.ones(60)), k=1)  # compile

    def run():
        op = L.hvp_operator(model, pats, w, ce)
        lam = L.lanczos(op, k=1, which="LA", tol=1e-6)
        return lam[-1], op.hvp.calls

    t_l, (lam, calls) = best(run, repeat, 'lanczos')

    def run_plain():
        op = L.hvp_operator(model, pats, w, ce)
        r = L.lanczos_extreme(op, k=1, which="LA", tol=1e-4)
        return r["values"][-1], r["steps"]

    t_p, (lam_p, steps) = best(run_plain, repeat, 'lanczos_plain')

    def run_f32():
        op = L.hvp_operator(model, pats, w, ce, precision="float32")
        r = L.lanczos_extreme(op, k=1, which="LA", tol=1e-4)
        return r["values"][-1], r["steps"]

    t_f, (lam_f, steps_f) = best(run_f32, repeat, 'lanczos_f32')
    op = L.hvp_operator(model, pats, w, ce)
    u = np.random.default_rng(0).standard_normal(n)
    t_k, hu = best(lambda: op.matvec(u), max(repeat, 3))
    x32 = pats.xi.astype(np.float32)
    d = pats.labels * (x32 @ w.astype(np.float32)) / np.sqrt(n)
    c = ce.second_derivative(d).astype(np.float32)
    u32 = u.astype(np.float32)
    t_np, hu_np = best(lambda: x32.T @ (c * (x32 @ u32)) / (p * n), max(repeat, 3))
    rel = np.abs(hu - hu_np).max() / np.abs(hu).max()
    print(f"[lanczos] perceptron N={n} P={p} (int8 patterns, {pats.xi.nbytes / 1e6:.0f} MB): λ_max = {lam:.6g} "
          f"in {t_l:.2f} s wall / {CPU['lanczos']:.2f} s CPU ({calls} HVPs, setup included); one HVP: Numba {t_k * 1e3:.0f} ms vs NumPy float32 "
          f"{t_np * 1e3:.0f} ms (ratio {t_np / t_k:.2f}, rel diff {rel:.1e})")
    print(f"[lanczos] plain Lanczos + residual stop (tol 1e-4): λ_max = {lam_p:.9g} (rel diff to ARPACK "
          f"{abs(lam_p - lam) / lam:.1e}) in {t_p:.2f} s wall / {CPU['lanczos_plain']:.2f} s CPU ({steps} HVPs)")
    print(f"[lanczos] plain Lanczos on the float32 BLAS HVP (precision='float32', tol 1e-4): λ_max = {lam_f:.9g} "
          f"(rel diff to ARPACK float64 {abs(lam_f - lam) / lam:.1e}) in {t_f:.2f} s wall / {CPU['lanczos_f32']:.2f} s CPU "
          f"({steps_f} HVPs, float32 copy of ξ included)")
    return {"lanczos": t_l, "calls": calls, "hvp": t_k, "hvp_numpy": t_np, "lanczos_f32": t_f}


def bench_profile(n, k, p, n_dirs, n_t, repeat):
    model = wfm.Committee(n, k, activation="relu", weights="spherical")
    pats = wfm.random_patterns(n, p=p, seed=0)
    w = model.random_weights(seed=1)
    u = L.directions("gaussian", model, w, n=n_dirs, seed=0, normalize="weights")
    ts = np.linspace(-1, 1, n_t)
    m2 = wfm.Committee(10, 2, activation="relu", weights="spherical")
    L.profile(m2, wfm.random_patterns(10, p=5, seed=0), m2.random_weights(seed=0), np.ones((1, 20)), ts)  # compile
    t_p, pr = best(lambda: L.profile(model, pats, w, u, ts), repeat, 'profile')
    # NumPy reference: full forward pass at each point θ + t u (timed on 2 directions, extrapolated)
    x = pats.xi.astype(np.float64)
    cw = model.output_weights
    ce = losses.cross_entropy(1.0)

    def ref(dirs):
        out = np.empty((len(dirs), n_t))
        for i, d in enumerate(dirs):
            for j, t in enumerate(ts):
                wt = (w.ravel() + t * u[d]).reshape(k, n)
                lam = np.maximum(x @ wt.T / np.sqrt(n), 0) @ cw
                out[i, j] = np.mean(ce.value(pats.labels * lam))
        return out

    t_r, r = best(lambda: ref([0, 1]), 1)
    err = np.abs(r - pr.train_loss[:2]).max()
    t_r_all = t_r * n_dirs / 2
    print(f"[profile] ReLU committee N={n} K={k} ({n * k} weights) P={p}: {n_dirs} directions × {n_t} points "
          f"in {t_p:.2f} s wall / {CPU['profile']:.2f} s CPU; NumPy full-forward reference ≈ {t_r_all:.1f} s (extrapolated from 2 directions; "
          f"ratio {t_r_all / t_p:.0f}); max|Δloss| {err:.1e}")
    return {"profile": t_p, "ref": t_r_all}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    import numba
    print(f"machine: {os.cpu_count()} CPUs, numba threads {numba.get_num_threads()}, load average "
          f"{os.getloadavg()[0]:.2f} (1 min) at start")
    if a.quick:
        bench_dense(400, 200, a.repeat)
        bench_lanczos(2000, 1000, a.repeat)
        bench_profile(200, 10, 500, 20, 51, a.repeat)
    else:
        bench_dense(2000, 1000, a.repeat)
        bench_lanczos(20000, 10000, a.repeat)
        bench_profile(1000, 10, 5000, 100, 51, a.repeat)
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at end")


if __name__ == "__main__":
    main()

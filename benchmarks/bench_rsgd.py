"""One epoch of continuous replicated SGD: wfm (Numba) vs NumPy vs PyTorch CPU.

The computation (identical in all implementations, wfm.solvers.rsgd module docstring): spherical
perceptron, N = 1001, P = round(alpha·N) ±1 patterns, y = 7 replicas, mini-batch 80, per replica step
w^a ← w^a − η[∇L_B(w^a) + γ(w^a − w^c)] with L_B the summed cross-entropy f_γ, projection of w^a to the
sphere, traced centre w^c updated incrementally; ⌈P/batch⌉ sub-epochs, replicas in random order.

    python benchmarks/bench_rsgd.py                    # wfm and NumPy (torch column if importable)
    /tmp/torchenv/bin/python benchmarks/bench_rsgd.py  # with PyTorch CPU (torch is not a wfm dependency)

PyTorch is run two ways: the idiomatic autograd loop (loss.backward() on all replicas' parameters) and a
hand-written gradient (no autograd), each in float32 and float64; the fastest torch variant is the one
the ratio is quoted against. Threads: torch uses 1 thread (``--torch-threads``) to match the single-threaded
Numba kernel; pass ``--torch-threads 0`` to keep torch's default.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

import wfm
from wfm.kernels.arrays import model_code
from wfm.solvers.rsgd import rsgd_continuous_epoch

N, Y, BATCH, LR, GAMMA, CE = 1001, 7, 80, 0.05, 0.05, 2.0


def setup(alpha, seed=0):
    model = wfm.Perceptron(N, weights="spherical")
    pats = wfm.random_patterns(N, alpha=alpha, seed=seed)
    rng = np.random.default_rng(seed)
    w = np.stack([model.random_weights(seed=rng).reshape(1, N) for _ in range(Y)])
    return model, pats, w


def time_it(fn, repeat):
    fn()                                            # warm-up (compilation, allocator)
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return min(ts), float(np.median(ts))


def run_wfm(model, pats, w0):
    w = w0.copy()
    wc = w.mean(0)
    perms = np.stack([np.random.default_rng(r).permutation(pats.p) for r in range(Y)])
    pos = np.zeros(Y, np.int64)
    rng = np.random.default_rng(1)

    def epoch():
        rsgd_continuous_epoch(w, wc, pats.xi, pats.labels, perms, pos, BATCH, True, model_code(model), CE, LR, GAMMA,
                              False, True, 0.0, rng)
    return epoch


def run_numpy(model, pats, w0):
    xi = pats.xi.astype(np.float64)
    lab = pats.labels.astype(np.float64)
    w = w0[:, 0, :].copy()
    wc = w.mean(0)
    rng = np.random.default_rng(1)
    perms = [rng.permutation(pats.p) for _ in range(Y)]
    sq = math.sqrt(N)

    def epoch():
        nonlocal wc
        for a in range(0, pats.p, BATCH):
            for r in rng.permutation(Y):
                idx = perms[r][a:a + BATCH]
                x, s = xi[idx], lab[idx]
                delta = s * (x @ w[r]) / sq
                g = (0.5 * (np.tanh(CE * delta) - 1) * s) @ x / sq
                old = w[r].copy()
                w[r] -= LR * (g + GAMMA * (w[r] - wc))
                w[r] *= sq / np.linalg.norm(w[r])
                wc = wc + (w[r] - old) / Y
    return epoch


def run_torch(torch, pats, w0, dtype, autograd):
    xi = torch.tensor(pats.xi, dtype=dtype)
    lab = torch.tensor(pats.labels, dtype=dtype)
    w = torch.tensor(w0[:, 0, :], dtype=dtype)
    wc = w.mean(0)
    gen = torch.Generator().manual_seed(1)
    perms = [torch.randperm(pats.p, generator=gen) for _ in range(Y)]
    sq = math.sqrt(N)
    params = [w[r].clone().requires_grad_(autograd) for r in range(Y)]

    def epoch():
        nonlocal wc
        for a in range(0, pats.p, BATCH):
            for r in torch.randperm(Y, generator=gen).tolist():
                idx = perms[r][a:a + BATCH]
                x, s = xi[idx], lab[idx]
                p = params[r]
                if autograd:
                    delta = s * (x @ p) / sq
                    loss = torch.nn.functional.softplus(-2 * CE * delta).sum() / (2 * CE)
                    p.grad = None
                    loss.backward()
                    g = p.grad
                    with torch.no_grad():
                        old = p.clone()
                        p -= LR * (g + GAMMA * (p - wc))
                        p *= sq / torch.linalg.norm(p)
                        wc = wc + (p - old) / Y
                else:
                    delta = s * (x @ p) / sq
                    g = (0.5 * (torch.tanh(CE * delta) - 1) * s) @ x / sq
                    old = p.clone()
                    p -= LR * (g + GAMMA * (p - wc))
                    p *= sq / torch.linalg.norm(p)
                    wc = wc + (p - old) / Y
    return epoch


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--torch-threads", type=int, default=1)
    args = ap.parse_args()
    model, pats, w0 = setup(args.alpha)
    print(f"one rsgd epoch: continuous perceptron N={N}, P={pats.p}, y={Y}, batch={BATCH} "
          f"({math.ceil(pats.p / BATCH) * Y} replica steps)")
    rows = [("wfm (Numba, float64 weights, int8 patterns)", time_it(run_wfm(model, pats, w0), args.repeat)),
            ("NumPy reference (float64)", time_it(run_numpy(model, pats, w0), args.repeat))]
    try:
        import torch
    except ImportError:
        torch = None
        print("torch column: unavailable (PyTorch not importable in this environment; "
              "run with /tmp/torchenv/bin/python, see the module docstring)")
    if torch is not None:
        if args.torch_threads > 0:
            torch.set_num_threads(args.torch_threads)
        print(f"torch {torch.__version__}, threads={torch.get_num_threads()}")
        for dtype in (torch.float32, torch.float64):
            for autograd in (True, False):
                name = f"PyTorch CPU {'autograd' if autograd else 'manual grad'} {str(dtype).split('.')[-1]}"
                rows.append((name, time_it(run_torch(torch, pats, w0, dtype, autograd), args.repeat)))
    base = rows[0][1][0]
    print(f"{'implementation':48s} {'best ms':>9s} {'median ms':>10s} {'ratio to wfm':>13s}")
    for name, (best, med) in rows:
        print(f"{name:48s} {best * 1e3:9.2f} {med * 1e3:10.2f} {best / base:13.2f}")
    if torch is not None:
        best_torch = min(r[1][0] for r in rows[2:])
        print(f"speed-up of wfm over the fastest PyTorch variant: {best_torch / base:.2f}x (target >= 2)")


if __name__ == "__main__":
    main()

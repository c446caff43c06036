"""Batched hidden fields of R replicas (Model.fields) against straightforward NumPy.

    python benchmarks/bench_fields.py

Straightforward NumPy on the stored int8 arrays is an integer matmul (no BLAS); Model.fields casts to
float32 and uses BLAS, which is exact for ±1 sums (|h√m| ≤ m ≪ 2^24).
"""
import time

import numpy as np

import wfm


def best_of(f, repeat=5):
    f()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return min(ts)


def main():
    for model, r in ((wfm.Perceptron(1001), 64), (wfm.TreeCommittee(1005, 5), 64), (wfm.Committee(201, 5), 64)):
        pats = wfm.random_patterns(model.n, alpha=0.6, seed=0, model=model)
        w = model.random_weights(seed=0, size=r)
        tw = best_of(lambda: model.fields(w, pats))
        wu = w.reshape(r, model.k, model.m).astype(np.int64)
        xi = pats.xi.astype(np.int64)

        def naive():
            if model.tree:
                return np.stack([xi[:, k * model.m:(k + 1) * model.m] @ wu[:, k].T for k in range(model.k)], -1)
            return np.einsum("pn,rkn->rpk", xi, wu)

        tn = best_of(naive, 2)
        print(f"{model!r} R={r} P={pats.p}: wfm {tw * 1e3:.2f} ms, numpy int {tn * 1e3:.1f} ms, ratio {tn / tw:.0f}x")


if __name__ == "__main__":
    main()

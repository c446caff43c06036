"""fBP on the binary sign tree committee K = 3, N = 1005 (335 inputs per unit): per-edge form against AMP, 10
set-aside instances (data and solver seed 20000 + s) per alpha, 60 s cap; one JSON line per run on stdout.

    python benchmarks/bench_tree_fbp_form.py edges 0.6 0.7 0.75 0.8 >> benchmarks/tree_fbp_form.jsonl
    python benchmarks/bench_tree_fbp_form.py amp 0.6 0.7 0.75 0.8 >> benchmarks/tree_fbp_form.jsonl
"""
import sys, time, json, wfm
form = sys.argv[1]
for alpha in [float(a) for a in sys.argv[2:]] or (0.6, 0.7):
    for s in range(10):
        m, p = wfm.Instance(model="tree", n=1005, k=3, alpha=alpha, data_seed=20000 + s).build()
        t = time.process_time()
        r = wfm.solve(m, p, method="fbp", seed=20000 + s, form=form, max_seconds=60)
        print(json.dumps({"form": form, "alpha": alpha, "seed": 20000 + s, "solved": bool(r.solved),
                          "errors": int(r.n_errors), "cpu": round(time.process_time() - t, 2)}), flush=True)

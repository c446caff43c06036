"""F6 at the --full per-unit size on a few instances: sign tree committee K = 3, N = 303 and ReLU tree committee
K = 4, N = 404 (m = 101), α = 0.3; the solution of one method per instance (the experiment ``fig-solve-measure``
of the figure, same seeds and options), its BP local entropy at d = 0.01 (interpolated in ln d).

    python benchmarks/bench_f6_midsize.py METHOD INSTANCES > out.jsonl     (METHOD: fbp, sa-ce, replicated-sa, sa)

Raw records of the run quoted in BENCHMARKS.md: benchmarks/f6_midsize_local_entropy.jsonl.
"""
import json
import sys
from wfm.experiments.figures import fig_solve_measure
from wfm.figures.analysis import s_at
from wfm.figures.shared import BP_GAMMAS
method = sys.argv[1]
opts = {} if method != "replicated-sa" else {"y": 7, "coupling0": 0.05, "coupling1": 1.0, "beta0": 1.0, "beta1": 10.0, "max_sweeps": 1000}
for seed in range(int(sys.argv[2])):
    for model, n, k in (("tree-sign", 303, 3), ("tree-relu", 404, 4)):
        r = fig_solve_measure(model=model, n=n, k=k, alpha=0.3, method=method, options=opts, local_entropy="bp",
                              gammas=BP_GAMMAS, seed=seed)
        le = s_at(r["d"], r["s"], 0.01) if r["solved"] else float("nan")
        print(json.dumps({"method": method, "model": model, "seed": seed, "solved": bool(r["solved"]), "S_at_0.01": le,
                          "n_unconverged": int(r.get("n_unconverged", -1)), "seconds": r["seconds"]}), flush=True)

"""wfm's per-edge BP sweep (and AMP iteration) against the C++ rFBP executable, back to back on the same instance.

Uses the rFBP driver functions of ``benchmarks/bench_rfbp.py`` (pattern file, running the executable, child CPU
time per sweep as the difference of two runs) and times wfm in the same process right after each rFBP repeat, so
that both see the same machine load. Settings as there: focusing step γ = 1, y = 2, damping 0.5, Gaussian
("accurate exact") factor update; wfm's sweep is ``BP.sweep()`` (sequential random order, kernel + order +
field recomputation), one Numba thread; the AMP column is one ``AMP.sweep()`` (one thread).

    RFBP_DIR=/path/to/rFBP nice python benchmarks/bench_bp_vs_rfbp.py [--cases perceptron-1001 committee-3x321]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rfbp", default=os.environ.get("RFBP_DIR"))
    ap.add_argument("--driver", default=HERE, help="directory holding bench_rfbp.py")
    ap.add_argument("--cases", nargs="+", default=["perceptron-1001", "committee-3x321", "perceptron-10001"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    sys.path.insert(0, a.driver)
    import bench_rfbp as R  # noqa: E402
    import numba
    import wfm
    from wfm.bp import AMP, BP

    exe = R.find_executable(a.rfbp)
    if exe is None:
        print("no rFBP executable: set RFBP_DIR or --rfbp", file=sys.stderr)
        return 2
    numba.set_num_threads(1)
    for name in a.cases:
        c = R.CASES[name]
        model = wfm.Perceptron(c["n"]) if c["k"] == 1 else wfm.Committee(c["n"], c["k"])
        pats = wfm.random_patterns(c["n"], alpha=c["alpha"], seed=0, model=model)
        sweeps = c["sweeps"]
        bp = BP(model, pats, accuracy="gaussian", damping=R.DAMPING, seed=0)
        bp.set_focusing(R.GAMMA, R.Y)
        bp.sweep()
        start = bp.copy_messages()
        amp = AMP(model, pats, damping=R.DAMPING, seed=0)
        amp.set_focusing(R.GAMMA, R.Y)
        amp.sweep()
        rf, wf, am = [], [], []
        with tempfile.TemporaryDirectory() as tmp:
            path = R.write_patterns(os.path.join(tmp, "pats.bin"), pats)
            for _ in range(a.repeat):
                t_r, _ = R.rfbp_sweep_times(exe, path, c["k"], "T", 1, 1 + sweeps, 1)
                rf.append(t_r)
                bp.restore_messages(start)
                t = time.process_time()
                for _ in range(sweeps):
                    bp.sweep()
                wf.append((time.process_time() - t) / sweeps)
                t = time.process_time()
                for _ in range(sweeps):
                    amp.sweep()
                am.append((time.process_time() - t) / sweeps)
        rec = {"case": name, "n": c["n"], "k": c["k"], "alpha": c["alpha"], "p": pats.p,
               "rfbp_ms": 1e3 * min(rf), "wfm_edges_ms": 1e3 * min(wf), "wfm_amp_ms": 1e3 * min(am),
               "rfbp_over_edges": min(rf) / min(wf), "rfbp_over_amp": min(rf) / min(am),
               "load": os.getloadavg()[0]}
        print(json.dumps(rec), flush=True)
        if a.out:
            with open(a.out, "a") as f:
                f.write(json.dumps(rec) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

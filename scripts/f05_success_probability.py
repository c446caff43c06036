#!/usr/bin/env python
"""F5: Finite-size scaling of the algorithmic thresholds.

Success probability vs α per algorithm and N (Wilson intervals), the 50 % point α₅₀(N) (logistic fit, bootstrap
error), its extrapolation to N → ∞, and the time to solution, on the binary perceptron.

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f05_success_probability.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F5``.

    python scripts/f05_success_probability.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]

The reduced grid of one session (SESSION in the module, a subset of --full) and a redraw from the records present:

    python scripts/f05_success_probability.py --session --out DIR [--parts fbp_n1001 ...] [--workers N] [--records CSV]
    python scripts/f05_success_probability.py --redraw --out DIR [--store PATH] [--records CSV]
    python scripts/f05_success_probability.py --export CSV --store PATH

The committed gallery's F5 is drawn from the committed records (``--records benchmarks/f05_session_records.csv``);
``--export`` adds a store's finished records to such a file.
"""
import argparse
import sys

from wfm.cli import main

if __name__ == "__main__":
    if "--session" in sys.argv or "--redraw" in sys.argv or "--export" in sys.argv:
        from wfm.figures import f05_success_probability as f5

        ap = argparse.ArgumentParser(description="F5 on the reduced grid SESSION (a subset of --full), or redraw")
        ap.add_argument("--out", default=None)
        ap.add_argument("--session", action="store_true")
        ap.add_argument("--redraw", action="store_true")
        ap.add_argument("--parts", nargs="*", default=None)
        ap.add_argument("--workers", type=int, default=1)
        ap.add_argument("--store", default=None, help="records to draw from (default: OUT/wfm_figures.sqlite)")
        ap.add_argument("--records", default=None, help="a records file (CSV) to draw from, besides the store")
        ap.add_argument("--export", default=None, metavar="CSV", help="add the store's finished records to CSV")
        a = ap.parse_args()
        if a.export:
            if not a.store:
                ap.error("--export needs --store")
            print(f"{f5.export_records(a.store, a.export)} records added to {a.export}")
            sys.exit(0)
        if not a.out:
            ap.error("--out is required")
        if a.session:
            f5.run_session(a.out, workers=a.workers, only=a.parts, records=a.records)
        else:
            f5.draw(a.out, store=a.store, records=a.records)
        sys.exit(0)
    sys.exit(main(["figures", "--only", "F5", *sys.argv[1:]]))

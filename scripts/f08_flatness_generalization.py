#!/usr/bin/env python
"""F8: Flatness vs generalization.

Across algorithms, the solutions of larger local entropy and lower local energy have lower test error
(teacher–student binary perceptron, a, b). On the digits data the same measures and the Hessian are set
against the test error (c, d).

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f08_flatness_generalization.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F8``.

    python scripts/f08_flatness_generalization.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F8", *sys.argv[1:]]))

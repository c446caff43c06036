#!/usr/bin/env python
"""F8: Flatness vs generalization.

Across algorithms, solutions with larger local entropy and lower local energy have lower test error (teacher–student binary perceptron); on the digits data the same measures and the Hessian are set against test error with rank correlations.

Thin wrapper: builds the figure's sweeps (wfm/figures/catalog.py), runs them through wfm.sweep (parallel,
resumable), plots with wfm.plotting and checks the claims -- the same as ``wfm figures --only F8``.

    python scripts/f08_flatness_generalization.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F8", *sys.argv[1:]]))

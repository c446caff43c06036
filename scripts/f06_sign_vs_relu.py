#!/usr/bin/env python
"""F6: Sign vs ReLU tree committees: robustness of the solutions found.

At equal α and number of inputs per hidden unit, the solutions that the same algorithms find in ReLU tree
committees are more robust to random weight flips than in sign committees, in line with the denser regions of
solutions of ReLU networks (Baldassi, Malatesta & Zecchina 2019).

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f06_sign_vs_relu.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F6``.

    python scripts/f06_sign_vs_relu.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F6", *sys.argv[1:]]))

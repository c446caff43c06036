#!/usr/bin/env python
"""F5: Success probability vs α per algorithm.

Entropy-driven algorithms (fBP, rSGD, SA on the cross-entropy, the greedy search, SBPI) keep solving the
binary perceptron at loads where SA on the error loss fails.

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f05_success_probability.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F5``.

    python scripts/f05_success_probability.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F5", *sys.argv[1:]]))

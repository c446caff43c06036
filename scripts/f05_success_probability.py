#!/usr/bin/env python
"""F5: Success probability vs α per algorithm.

Entropy-driven algorithms (fBP, rSGD, SA on CE, SBPI) solve the binary perceptron up to large α, while SA on the error loss fails already at moderate α; the gap widens with N.

Thin wrapper: builds the figure's sweeps (wfm/figures/catalog.py), runs them through wfm.sweep (parallel,
resumable), plots with wfm.plotting and checks the claims -- the same as ``wfm figures --only F5``.

    python scripts/f05_success_probability.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F5", *sys.argv[1:]]))

#!/usr/bin/env python
"""F6: Sign vs ReLU tree committees: local energy of the solutions found.

At equal α and receptive field, the solutions that the same algorithms find in ReLU tree committees are more robust to random weight flips than in sign committees (denser regions, PRL 2019).

Thin wrapper: builds the figure's sweeps (wfm/figures/catalog.py), runs them through wfm.sweep (parallel,
resumable), plots with wfm.plotting and checks the claims -- the same as ``wfm figures --only F6``.

    python scripts/f06_sign_vs_relu.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F6", *sys.argv[1:]]))

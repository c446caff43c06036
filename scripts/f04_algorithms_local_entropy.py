#!/usr/bin/env python
"""F4: Local entropy of the solutions found by each algorithm.

Entropy-driven algorithms (fBP, rSGD, SA on cross-entropy) find solutions inside dense regions (BP local entropy close to H(d) at small d, far above the isolated typical solutions of the Franz–Parisi curve); SA on the error loss, when it finds a solution, finds much narrower ones.

Thin wrapper: builds the figure's sweeps (wfm/figures/catalog.py), runs them through wfm.sweep (parallel,
resumable), plots with wfm.plotting and checks the claims -- the same as ``wfm figures --only F4``.

    python scripts/f04_algorithms_local_entropy.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F4", *sys.argv[1:]]))

#!/usr/bin/env python
"""F2: Local entropy around typical solutions (RS Franz–Parisi).

Typical solutions of the binary perceptron are isolated: the Franz–Parisi local entropy is negative below an isolation radius d*(α) that grows with α, far below the bound H(d).

Thin wrapper: builds the figure's sweeps (wfm/figures/catalog.py), runs them through wfm.sweep (parallel,
resumable), plots with wfm.plotting and checks the claims -- the same as ``wfm figures --only F2``.

    python scripts/f02_franz_parisi_typical.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F2", *sys.argv[1:]]))

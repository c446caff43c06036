#!/usr/bin/env python
"""F9: Asymmetric valleys of a two-layer ReLU net.

Profiles of the training loss along random direction families around an SGD solution: how many are asymmetric per family, and whether stochastic weight averaging moves toward the flat side.

Thin wrapper: builds the figure's sweeps (wfm/figures/catalog.py), runs them through wfm.sweep (parallel,
resumable), plots with wfm.plotting and checks the claims -- the same as ``wfm figures --only F9``.

    python scripts/f09_asymmetric_valleys.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F9", *sys.argv[1:]]))

#!/usr/bin/env python
"""F3: Local entropy around high-margin references.

Around references of large margin κ̃ (α = 0.5, κ_max = 0.418) the local entropy of zero-margin solutions approaches the bound H(d) at small d: high-margin solutions sit in wide flat regions.

Thin wrapper: builds the figure's sweeps (wfm/figures/catalog.py), runs them through wfm.sweep (parallel,
resumable), plots with wfm.plotting and checks the claims -- the same as ``wfm figures --only F3``.

    python scripts/f03_franz_parisi_margin.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F3", *sys.argv[1:]]))

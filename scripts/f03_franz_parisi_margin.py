#!/usr/bin/env python
"""F3: High-margin references sit in wide flat regions.

Around references of large margin κ̃ (α = 0.5, κ_max = 0.418) the local entropy of zero-margin solutions
approaches the bound H(d) at small d, while around a typical (κ̃ = 0) reference it is negative: high-margin
solutions sit in wide flat regions.

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f03_franz_parisi_margin.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F3``.

    python scripts/f03_franz_parisi_margin.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F3", *sys.argv[1:]]))

#!/usr/bin/env python
"""F1: Replica theory of the binary and spherical perceptron.

The RS entropy of the binary perceptron falls from ln 2 at α → 0 to zero at the capacity α_c(κ) (κ = 0: α_c =
0.833, Krauth–Mézard 1989); a larger margin κ lowers both the entropy and α_c. The capacity of binary weights
lies below Gardner's spherical capacity at every margin (α_c(0) = 2 for spherical weights).

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f01_theory.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F1``.

    python scripts/f01_theory.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F1", *sys.argv[1:]]))

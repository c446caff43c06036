#!/usr/bin/env python
"""F1: Replica theory of the binary and spherical perceptron.

RS entropy of the binary perceptron s(α) falls from ln 2 to 0 at α_c = 0.833; α_c(κ) binary (Krauth–Mézard) lies below Gardner's spherical α_c(κ) (= 2 at κ = 0).

Thin wrapper: builds the figure's sweeps (wfm/figures/catalog.py), runs them through wfm.sweep (parallel,
resumable), plots with wfm.plotting and checks the claims -- the same as ``wfm figures --only F1``.

    python scripts/f01_theory.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F1", *sys.argv[1:]]))

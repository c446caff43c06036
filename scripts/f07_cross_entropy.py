#!/usr/bin/env python
"""F7: Cross-entropy minimizers: flatness vs γ and norm reduction.

Minimizers of the cross-entropy are flat: on binary weights SA on the CE at every fixed γ finds solutions of
larger local entropy than typical ones (a); SGD that slowly shrinks the norm reaches flatter minima (larger
margin, lower local energy) than plain SGD, whose norm grows (d). On the sphere a larger γ gives a larger
smallest stability κ_min (the CE minimizer tends to the max-margin solution) yet a higher local energy (b, c).

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f07_cross_entropy.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F7``.

    python scripts/f07_cross_entropy.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F7", *sys.argv[1:]]))

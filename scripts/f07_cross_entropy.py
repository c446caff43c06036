#!/usr/bin/env python
"""F7: Cross-entropy minimizers: flatness vs γ and norm reduction.

Minimizers of the cross-entropy at moderate γ (equivalently small norm) are flat — large local entropy, large margins, low local energy — and SGD that slowly shrinks the norm reaches them; plain SGD (norm grows, γ_eff → ∞) stops at sharp solutions.

Thin wrapper: builds the figure's sweeps (wfm/figures/catalog.py), runs them through wfm.sweep (parallel,
resumable), plots with wfm.plotting and checks the claims -- the same as ``wfm figures --only F7``.

    python scripts/f07_cross_entropy.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F7", *sys.argv[1:]]))

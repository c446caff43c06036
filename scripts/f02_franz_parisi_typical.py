#!/usr/bin/env python
"""F2: Typical solutions are isolated (RS Franz–Parisi).

Around a uniformly drawn (typical) solution of the binary perceptron, the Franz–Parisi local entropy V(d)
stays far below the bound H(d), equals the RS entropy s(α) at the typical distance, and is negative below an
isolation radius d*(α) that grows with α: no other solution lies nearby.

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f02_franz_parisi_typical.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F2``.

    python scripts/f02_franz_parisi_typical.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F2", *sys.argv[1:]]))

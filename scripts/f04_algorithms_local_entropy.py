#!/usr/bin/env python
"""F4: Local entropy of the solutions found by each algorithm.

Entropy-driven algorithms (fBP, rSGD, SA on the cross-entropy, the greedy entropy-driven LAL search) find
solutions inside dense regions: their BP local entropy lies close to H(d) at small d and far above the
Franz–Parisi curve of the isolated typical solutions (a, b). SA on the error loss, when it finds a solution at
all, finds narrower ones. At N = 25 exact enumeration (c) counts more solutions near the solutions of every
algorithm than near uniformly sampled ones.

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f04_algorithms_local_entropy.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F4``.

    python scripts/f04_algorithms_local_entropy.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F4", *sys.argv[1:]]))

#!/usr/bin/env python
"""F11: The parity machine: a device without wide flat minima?.

At equal α (K = 3) the same algorithms solve the tree committee more often than the parity machine (a), the
parity machine's solutions are less robust to flips (b), and by exact enumeration its solutions, found or
uniformly sampled, have fewer solutions nearby (c).

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f11_parity_machine.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F11``.

    python scripts/f11_parity_machine.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F11", *sys.argv[1:]]))

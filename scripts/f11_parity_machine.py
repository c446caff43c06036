#!/usr/bin/env python
"""F11: The parity machine: a device without wide flat minima?.

At equal α the parity machine's solutions are harder to find and sit in sparser neighbourhoods than the sign tree committee's.

Thin wrapper: builds the figure's sweeps (wfm/figures/catalog.py), runs them through wfm.sweep (parallel,
resumable), plots with wfm.plotting and checks the claims -- the same as ``wfm figures --only F11``.

    python scripts/f11_parity_machine.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F11", *sys.argv[1:]]))

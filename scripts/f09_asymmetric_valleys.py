#!/usr/bin/env python
"""F9: Asymmetric valleys of a two-layer ReLU net.

Profiles of the training loss of a two-layer ReLU net around an SGD solution along five direction families
(a–e, three examples each; the first run). Directions with a non-zero mean (sign-consistent, nearly radial)
are asymmetric far more often than isotropic Gaussian ones (f).

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f09_asymmetric_valleys.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F9``.

    python scripts/f09_asymmetric_valleys.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F9", *sys.argv[1:]]))

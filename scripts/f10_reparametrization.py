#!/usr/bin/env python
"""F10: Flatness measures along a rescaling orbit.

Along (W_k, v_k) → (a W_k, v_k / a) of a trained ReLU committee the function is unchanged: the multiplicative,
per-unit and per-layer local energies, the log-Hessian trace, the orbit-minimal trace and the Fisher–Rao norm
are invariant, while λ_max, the trace, the Frobenius norm, ε-sharpness and the additive local energy are not.

Thin wrapper: the figure (its sweeps, plot and claim checks) is defined in wfm/figures/f10_reparametrization.py; this
runs its sweeps through wfm.sweep (parallel, resumable), writes the PNG and PDF to the run directory
(wfm-figures/ unless --out) and checks the claims -- the same as ``wfm figures --only F10``.

    python scripts/f10_reparametrization.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F10", *sys.argv[1:]]))

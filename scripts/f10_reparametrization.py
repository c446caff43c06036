#!/usr/bin/env python
"""F10: Flatness measures along a rescaling orbit.

Along (W_k, v_k) → (a W_k, v_k / a) of a trained ReLU committee the function is unchanged: multiplicative/per-unit local energies and normalized Hessian measures are invariant, while λ_max, trace, Frobenius norm, ε-sharpness and additive local energy blow up.

Thin wrapper: builds the figure's sweeps (wfm/figures/catalog.py), runs them through wfm.sweep (parallel,
resumable), plots with wfm.plotting and checks the claims -- the same as ``wfm figures --only F10``.

    python scripts/f10_reparametrization.py [--quick | --full] [--store PATH] [--out DIR] [--scheduler ADDRESS] [--workers N]
"""
import sys

from wfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", "--only", "F10", *sys.argv[1:]]))

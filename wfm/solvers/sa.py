"""Simulated annealing on the error loss for binary models (``method="sa"``).

Energy E(W) = number of patterns with stability Δ^μ ≤ κ (the error loss; C. Baldassi, RRRMC.jl
``GraphPercStep``/``GraphCommStep``). Dynamics (Kirkpatrick, Gelatt, Vecchi, Science 220, 671 (1983)):
single-weight Metropolis moves W_j → −W_j at inverse temperature β, accepted with probability
min(1, e^{−βΔE}); one sweep = n_weights attempted moves on uniformly drawn weights; β follows a geometric
schedule from ``beta0`` to ``beta1`` over ``max_sweeps`` sweeps; the run stops at E = 0 (a solution; with
``stop_at_solution=False`` it runs the whole schedule) or when the budget (``max_sweeps``, ``max_seconds``)
is spent. Applies to every binary model (perceptron, tree/fully connected sign or ReLU committees, parity
machines).

Bookkeeping is incremental (:mod:`wfm.solvers._mc`): integer unit fields and pre-activations are updated in
O(P) per accepted move. For committees and parity machines a move is rejected **before** all patterns are
scanned as soon as the partial ΔE minus the number of still-unscanned wrong patterns (the largest possible
further decrease) reaches the Metropolis threshold −ln(u)/β. For the perceptron ΔE is summed over the
marginal patterns only (the only ones one flip can change), with int32 stabilities and label-multiplied
transposed int8 inputs (``benchmarks/bench_sa.py`` measures it against a NumPy implementation; the figures are
in benchmarks/BENCHMARKS.md). Both are exact Metropolis (tests compare them move by move with a NumPy
reference).

``energy="flips"`` (perceptron only) replaces the error count by the number of weight flips that would fix
each pattern (RRRMC.jl ``GraphPercLinear``, :func:`wfm.solvers._mc.flips_table`): a hinge in integer units,
which tells the annealer how far each error is from being fixed; its β is per flip.

With the error loss this is the foil of Baldassi et al., PNAS 113, E7655 (2016) (arXiv:1605.06444) and
Baldassi, Pittorino, Zecchina, PNAS 117, 161 (2020) (arXiv:1905.07833): expected to find isolated solutions,
when it finds any.
"""
from __future__ import annotations

import numpy as np

from ..core.checks import check_choice, check_float, check_int
from . import Run, register, require_binary
from ._mc import anneal, energy_code, geometric, mc_arrays


def _check_budget(max_sweeps, max_seconds):
    max_sweeps = check_int("max_sweeps", max_sweeps, min_value=1)
    if max_seconds is not None:
        max_seconds = check_float("max_seconds", max_seconds, positive=True)
    return max_sweeps, max_seconds


def check_bool(name, value):
    """A real boolean (True/False, numpy bool): a string such as "False" is an error, not truthy."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be true or false, got {value!r}")
    return bool(value)


def initial_weights(model, rng, init, replicas=None):
    """Random ±1 weights from ``rng`` or the checked ``init``; flat (R, n_weights) int8 copy."""
    if init is None:
        w = model.random_weights(seed=rng, size=replicas or 1)
    else:
        w = model.check_weights(init)
        if replicas is not None and w.ndim == len(model.weight_shape):
            w = np.repeat(w[None], replicas, axis=0)
    w = np.array(w, dtype=np.int8).reshape(-1, model.n_weights)
    if w.shape[0] != (replicas or 1):
        raise ValueError(f"init must hold {replicas or 1} configuration(s), got {w.shape[0]}")
    return np.ascontiguousarray(w)


@register(
    "sa",
    options={"beta0": 0.5, "beta1": 30.0, "max_sweeps": 2000, "max_seconds": None, "energy": "error",
             "stop_at_solution": True, "init": None},
    description="simulated annealing on the error loss (Metropolis single-weight flips, geometric β schedule)",
    applies=require_binary,
    option_docs={"beta0": "initial inverse temperature β (per unit of energy = one error)",
                 "beta1": "final inverse temperature; β_s = beta0·(beta1/beta0)^(s/(max_sweeps−1))",
                 "max_sweeps": "budget: number of sweeps (n_weights attempted moves each); also fixes the schedule",
                 "max_seconds": "budget: wall-clock limit in seconds (None = no limit)",
                 "energy": "'error' (number of errors) or 'flips' (perceptron: Σ_μ number of weight flips that "
                           "would fix pattern μ, RRRMC's GraphPercLinear)",
                 "stop_at_solution": "True: stop at the first zero-error configuration; False: run the whole "
                                     "schedule",
                 "init": "initial ±1 weights (default: uniformly random from the seed)"},
)
def run_sa(model, patterns, rng, progress, beta0, beta1, max_sweeps, max_seconds, energy, stop_at_solution, init):
    beta0 = check_float("beta0", beta0, positive=True)
    beta1 = check_float("beta1", beta1, positive=True)
    max_sweeps, max_seconds = _check_budget(max_sweeps, max_seconds)
    stop_at_solution = check_bool("stop_at_solution", stop_at_solution)
    ka = mc_arrays(model, patterns)
    check_choice("energy", energy, ("error", "flips"))
    code = energy_code(ka, energy)
    w = initial_weights(model, rng, init)
    betas = geometric(beta0, beta1, max_sweeps)
    out = anneal(ka, w, betas, loss_code=code, rng=rng, progress=progress, max_seconds=max_seconds, desc="sa",
                 stop_at_solution=stop_at_solution)
    n = out["sweeps"]
    return Run(weights=w[0].reshape(model.weight_shape), iterations=n,
               history={"energy": out["energy"][:, 0], "errors": out["errors"][:, 0], "beta": betas[:n]},
               extra={"errors": int(out["nerr"][0]), "energy": float(out["energy"][-1, 0]) if n else float("nan")})

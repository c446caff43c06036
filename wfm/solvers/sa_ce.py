"""Simulated annealing on the cross-entropy loss f_γ for binary models (``method="sa-ce"``).

Energy (Baldassi, Pittorino, Zecchina, PNAS 117, 161 (2020), arXiv:1905.07833; C. Baldassi, RRRMC.jl
``GraphPercXEntr``, whose energy is 2γ times this one):

    E_γ(W) = Σ_μ f_γ(Δ^μ),   f_γ(Δ) = (1/2γ) ln(1 + e^{−2γΔ}) = −Δ/2 + (1/2γ) ln 2cosh(γΔ),

with Δ^μ = σ^μ·λ(ξ^μ) the stability of the model's output pre-activation λ (Δ = σ W·ξ/√N for the
perceptron; for committees the CE is applied to the output pre-activation, ``Model.stabilities``).
Single-weight Metropolis moves at inverse temperature β, accepted with probability min(1, e^{−βΔE}); one
sweep = n_weights moves; β is raised geometrically ``beta0 → beta1`` and the cross-entropy's γ geometrically
``ce_gamma0 → ce_gamma1`` over ``max_sweeps`` sweeps (γ → ∞ turns f_γ into the zero-margin hinge
max(0, −Δ); a moderate γ rewards large stabilities and leads towards wide flat minima, the claim of the
PNAS 2020 paper that this method tests). The run stops as soon as the weights have zero training errors
(Δ^μ > κ for all μ), or at the budget; with ``stop_at_solution=False`` it runs the whole schedule and returns
the final (annealed CE-minimizing) configuration — the one whose local entropy the claim is about (the
comparison of the two is in benchmarks/BENCHMARKS.md).

Bookkeeping (:mod:`wfm.solvers._mc`): f_γ is tabulated over every integer value of σ·pre (the
pre-activation of binary weights on ±1 inputs is an integer times a fixed scale), so a move costs O(P)
table look-ups; the float energy is kept incrementally within a sweep and recomputed from the integer
state at every sweep start (tests check incremental = scratch to 1e-10 over thousands of moves).

Option names: ``ce_gamma0``/``ce_gamma1`` (formerly ``gamma0``/``gamma1``, a name that ``replicated-sa``
gave to its replica coupling) — the cross-entropy γ is ``ce_gamma*`` in every method.
"""
from __future__ import annotations

from ..core.checks import check_float
from ..core.codes import LossCode
from . import Run, register, require_binary
from ._mc import anneal, geometric, mc_arrays
from .sa import _check_budget, check_bool, initial_weights


@register(
    "sa-ce",
    options={"ce_gamma0": 0.5, "ce_gamma1": 5.0, "beta0": 1.0, "beta1": 100.0, "max_sweeps": 2000,
             "max_seconds": None, "stop_at_solution": True, "init": None},
    description="simulated annealing on the cross-entropy loss f_γ (γ and β schedules, stops at zero errors)",
    applies=require_binary,
    option_docs={"ce_gamma0": "initial γ of the cross-entropy f_γ(Δ) = ln(1+e^{−2γΔ})/(2γ)",
                 "ce_gamma1": "final γ; γ_s = ce_gamma0·(ce_gamma1/ce_gamma0)^(s/(max_sweeps−1)) "
                              "(ce_gamma1 = ce_gamma0: fixed γ)",
                 "beta0": "initial inverse temperature β (per unit of E_γ)",
                 "beta1": "final inverse temperature; geometric schedule like γ",
                 "max_sweeps": "budget: number of sweeps (n_weights attempted moves each); also fixes the schedules",
                 "max_seconds": "budget: wall-clock limit in seconds (None = no limit)",
                 "stop_at_solution": "True: stop at the first zero-error configuration; False: run the whole "
                                     "schedule (the minimizer of the annealed energy, e.g. deeper in a wide minimum)",
                 "init": "initial ±1 weights (default: uniformly random from the seed)"},
    renamed={"gamma0": "ce_gamma0", "gamma1": "ce_gamma1"},
)
def run_sa_ce(model, patterns, rng, progress, ce_gamma0, ce_gamma1, beta0, beta1, max_sweeps, max_seconds,
              stop_at_solution, init):
    ce_gamma0 = check_float("ce_gamma0", ce_gamma0, positive=True)
    ce_gamma1 = check_float("ce_gamma1", ce_gamma1, positive=True)
    beta0 = check_float("beta0", beta0, positive=True)
    beta1 = check_float("beta1", beta1, positive=True)
    max_sweeps, max_seconds = _check_budget(max_sweeps, max_seconds)
    ka = mc_arrays(model, patterns)
    w = initial_weights(model, rng, init)
    betas = geometric(beta0, beta1, max_sweeps)
    ce_gammas = geometric(ce_gamma0, ce_gamma1, max_sweeps)
    out = anneal(ka, w, betas, loss_code=LossCode.CROSS_ENTROPY, ce_gammas=ce_gammas, rng=rng, progress=progress,
                 max_seconds=max_seconds, desc="sa-ce",
                 stop_at_solution=check_bool("stop_at_solution", stop_at_solution))
    n = out["sweeps"]
    return Run(weights=w[0].reshape(model.weight_shape), iterations=n,
               history={"energy": out["energy"][:, 0], "errors": out["errors"][:, 0], "beta": betas[:n],
                        "ce_gamma": ce_gammas[:n]},
               extra={"errors": int(out["nerr"][0])})

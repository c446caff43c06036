"""Simulated annealing on the cross-entropy loss f_γ for binary models (``method="sa-ce"``).

Energy (paper_digest.md §2.4, §4.4; RRRMC.jl ``GraphPercXEntr`` up to the factor 2γ):

    E_γ(W) = Σ_μ f_γ(Δ^μ),   f_γ(Δ) = (1/2γ) ln(1 + e^{−2γΔ}) = −Δ/2 + (1/2γ) ln 2cosh(γΔ),

with Δ^μ = σ^μ·λ(ξ^μ) the stability of the model's output pre-activation λ (Δ = σ W·ξ/√N for the
perceptron; for committees the CE is applied to the output pre-activation, ``Model.stabilities``).
Single-weight Metropolis moves at inverse temperature β, accepted with probability min(1, e^{−βΔE}); one
sweep = n_weights moves; β is raised geometrically ``beta0 → beta1`` and γ geometrically ``gamma0 → gamma1``
over ``max_sweeps`` sweeps (γ → ∞ turns f_γ into the zero-margin hinge max(0, −Δ); a moderate γ rewards
large stabilities and leads towards wide flat minima: the PNAS 2020 claim tested by this method). The run
stops as soon as the weights have zero training errors (Δ^μ > κ for all μ), or at the budget; with
``stop_at_solution=False`` it runs the whole schedule and returns the final (annealed CE-minimizing)
configuration — the one whose local entropy the claim is about: at N = 21 the first solution met is no
denser than a uniformly sampled one, the end of a fixed-γ schedule is (benchmarks/BENCHMARKS.md).

Bookkeeping (:mod:`wfm.solvers._mc`): f_γ is tabulated over every integer value of σ·pre (the
pre-activation of binary weights on ±1 inputs is an integer times a fixed scale), so a move costs O(P)
table look-ups; the float energy is kept incrementally within a sweep and recomputed from the integer
state at every sweep start (tests check incremental = scratch to 1e-10 over thousands of moves).
"""
from __future__ import annotations


from ..core.checks import check_float
from . import Run, register, require_binary
from ._mc import Setup, anneal, geometric
from .sa import _check_budget, check_bool, initial_weights
from ..core.codes import LossCode


@register(
    "sa-ce",
    options={"gamma0": 0.5, "gamma1": 5.0, "beta0": 1.0, "beta1": 100.0, "max_sweeps": 2000,
             "max_seconds": None, "stop_at_solution": True, "init": None},
    description="simulated annealing on the cross-entropy loss f_γ (γ and β schedules, stops at zero errors)",
    applies=require_binary,
    option_docs={"gamma0": "initial γ of the cross-entropy f_γ(Δ) = ln(1+e^{−2γΔ})/(2γ)",
                 "gamma1": "final γ; γ_s = gamma0·(gamma1/gamma0)^(s/(max_sweeps−1)) (gamma1 = gamma0: fixed γ)",
                 "beta0": "initial inverse temperature β (per unit of E_γ)",
                 "beta1": "final inverse temperature; geometric schedule like γ",
                 "max_sweeps": "budget: number of sweeps (n_weights attempted moves each); also fixes the schedules",
                 "max_seconds": "budget: wall-clock limit in seconds (None = no limit)",
                 "stop_at_solution": "True: stop at the first zero-error configuration; False: run the whole "
                                     "schedule (the minimizer of the annealed energy, e.g. deeper in a wide minimum)",
                 "init": "initial ±1 weights (default: uniformly random from the seed)"},
)
def run_sa_ce(model, patterns, rng, progress, gamma0, gamma1, beta0, beta1, max_sweeps, max_seconds, stop_at_solution,
              init):
    gamma0 = check_float("gamma0", gamma0, positive=True)
    gamma1 = check_float("gamma1", gamma1, positive=True)
    beta0 = check_float("beta0", beta0, positive=True)
    beta1 = check_float("beta1", beta1, positive=True)
    max_sweeps, max_seconds = _check_budget(max_sweeps, max_seconds)
    st = Setup(model, patterns)
    w = initial_weights(model, rng, init)
    betas = geometric(beta0, beta1, max_sweeps)
    gammas = geometric(gamma0, gamma1, max_sweeps)
    out = anneal(st, w, betas, loss_code=LossCode.CROSS_ENTROPY, gammas=gammas, rng=rng, progress=progress,
                 max_seconds=max_seconds, desc="sa-ce",
                 stop_at_solution=check_bool("stop_at_solution", stop_at_solution))
    n = out["sweeps"]
    return Run(weights=w[0].reshape(model.weight_shape), iterations=n,
               history={"energy": out["energy"][:, 0], "errors": out["errors"][:, 0], "beta": betas[:n],
                        "gamma": gammas[:n]},
               extra={"errors": int(out["nerr"][0])})

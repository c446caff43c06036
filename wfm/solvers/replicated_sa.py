"""Replicated simulated annealing on the robust ensemble (``method="replicated-sa"``).

Robust-ensemble energy of y replicas W^1…W^y of a binary model with the centre traced out
(paper_digest.md §3.1, §4.3; RRRMC.jl ``GraphRobustEnsemble``/``RE.jl``; Baldassi et al. PNAS 2016):

    E(W^1…W^y) = Σ_a E(W^a) − (1/β) Σ_i ln 2cosh(γ Σ_a W_i^a),

E(W^a) the error loss (``energy="error"``: number of patterns with Δ ≤ κ), the perceptron's "flips" energy
(``energy="flips"``: Σ_μ the number of weight flips that would fix pattern μ, RRRMC.jl ``GraphPercLinear``)
or the cross-entropy f_{ce_gamma} (``energy="ce"``). A move flips one weight W_i^a of one replica (uniformly drawn among y·n_weights); with
μ̄ = Σ_{b≠a} W_i^b and w = W_i^a, β·ΔE = β·ΔE(W^a) + ln cosh(γ(μ̄ + w)) − ln cosh(γ(μ̄ − w)) (RRRMC's
``fk``), accepted with probability min(1, e^{−βΔE}). One sweep = y·n_weights moves. Scoping: β and γ both
rise geometrically (``beta0 → beta1``, ``gamma0 → gamma1``) over ``max_sweeps`` sweeps, so the replicas are
first free and then forced together into a dense region.

Stops when a replica (checked after every move) or the centre W̃ = sign(Σ_a W^a) (checked after every
sweep; y odd avoids ties, ties go to replica 0) has zero training errors. ``extra["solved_by"]`` says which
("centre", "replica", or "none"); the returned weights are that solution, else whichever of the centre and
the replicas has fewest errors (``extra["returned"]``). With ``stop_at_solution=False`` the whole schedule is
run and the same rule picks the returned configuration at the end.

Defaults (y = 7, γ: 0.05 → 1, β: 1 → 10) come from the exact local-entropy check at N = 21
(benchmarks/BENCHMARKS.md): with y = 3, γ → 3, β → 30 the replicas collapse early and the solutions were
no denser than SA's (fraction of solutions among the 1-flip neighbours 0.13 vs 0.17), with the defaults
it is 0.68 (uniform solutions: 0.18).

**Large N.** With the error loss the annealer gets no signal of how far an error is from being fixed: at N =
1001 the defaults solve 0 instances at α = 0.5 and 0.6 (benchmarks/BENCHMARKS.md). The flips energy does
better: on the binary perceptron at N = 1001, ``energy="flips", gamma0=0.2, gamma1=5, beta0=0.1, beta1=2,
max_sweeps=3000`` (β per flip) solved 20/20 instances at α = 0.6, 12/20 at α = 0.7 and 1/20 at α = 0.75 (7–12
s each; the flips energy runs on the marginal-pattern kernel of ``sa``). With y = 1 (plain SA on the same
energy and schedule) instance 0 ends at 24 errors (α = 0.6) and 40 (α = 0.7), so the coupling is what makes it
work. There is a trade-off: the strong final coupling γ = 5 merges the replicas, and at N = 21 the first
solution found this way is no denser than a typical one (f_1 = 0.14 vs 0.18, 20 instances), whereas the flips
energy with the default couplings (γ → 1, β 0.5 → 5, full schedule) gives f_1 = 0.68, but at N = 1001, α = 0.6
(instance 0, 3000 sweeps) it ends at 10 errors.
"""
from __future__ import annotations

import numpy as np

from ..core.checks import check_float, check_int
from . import Run, register, require_binary
from ._mc import Setup, anneal, centre_errors, count_errors, geometric, init_fields
from .sa import _check_budget, check_bool, initial_weights
from ..core.codes import LossCode


@register(
    "replicated-sa",
    options={"y": 7, "gamma0": 0.05, "gamma1": 1.0, "beta0": 1.0, "beta1": 10.0, "max_sweeps": 1000,
             "max_seconds": None, "energy": "error", "ce_gamma": 2.0, "stop_at_solution": True,
             "init": None},
    description="replicated SA on the robust ensemble (y coupled replicas, traced centre, β and γ scoping)",
    applies=require_binary,
    option_docs={"y": "number of replicas (odd avoids ties in the centre sign(Σ_a W^a))",
                 "gamma0": "initial replica coupling γ in −(1/β)Σ_i ln 2cosh(γ Σ_a W_i^a)",
                 "gamma1": "final coupling; γ_s geometric from gamma0 to gamma1 over max_sweeps",
                 "beta0": "initial inverse temperature β",
                 "beta1": "final inverse temperature (geometric schedule)",
                 "max_sweeps": "budget: sweeps of y·n_weights moves; also fixes the schedules",
                 "max_seconds": "budget: wall-clock limit in seconds (None = no limit)",
                 "stop_at_solution": "True: stop at the first zero-error configuration; False: run the whole "
                                     "schedule (the minimizer of the annealed energy, e.g. deeper in a wide minimum)",
                 "energy": "energy of each replica: 'error' (number of errors), 'flips' (perceptron: Σ_μ number of "
                           "weight flips that would fix pattern μ) or 'ce' (cross-entropy f_γce)",
                 "ce_gamma": "γ_ce of the cross-entropy f_γce when energy='ce'",
                 "init": "initial weights: one ±1 configuration (copied to all replicas) or y of them "
                         "(default: independent random replicas)"},
)
def run_replicated_sa(model, patterns, rng, progress, y, gamma0, gamma1, beta0, beta1, max_sweeps, max_seconds,
                      energy, ce_gamma, stop_at_solution, init):
    y = check_int("y", y, min_value=1)
    gamma0 = check_float("gamma0", gamma0, positive=True)
    gamma1 = check_float("gamma1", gamma1, positive=True)
    beta0 = check_float("beta0", beta0, positive=True)
    beta1 = check_float("beta1", beta1, positive=True)
    ce_gamma = check_float("ce_gamma", ce_gamma, positive=True)
    max_sweeps, max_seconds = _check_budget(max_sweeps, max_seconds)
    st = Setup(model, patterns)
    code = st.energy_code(energy)
    w = initial_weights(model, rng, init, replicas=y)
    betas = geometric(beta0, beta1, max_sweeps)
    gammas = geometric(gamma0, gamma1, max_sweeps)
    out = anneal(st, w, betas, loss_code=code,
                 gammas=np.full(max_sweeps, ce_gamma) if code == LossCode.CROSS_ENTROPY else None, couplings=gammas,
                 rng=rng, progress=progress, max_seconds=max_seconds, desc="replicated-sa", check_centre=True,
                 stop_at_solution=check_bool("stop_at_solution", stop_at_solution))
    n = out["sweeps"]
    ce, centre = centre_errors(w, st.xT, st.sig, st.cols, st.m, st.k, st.code, st.ti)
    _, pre = init_fields(w, st.xT, st.sig, st.cols, st.m, st.k, st.code)
    rep_err = count_errors(pre, st.sig, st.ti)
    best = int(np.argmin(rep_err))
    if ce == 0:
        solved_by, returned, weights = "centre", "centre", centre
    elif rep_err[best] == 0:
        solved_by, returned, weights = "replica", f"replica {best}", w[best]
    else:
        solved_by = "none"
        returned, weights = ("centre", centre) if ce <= rep_err[best] else (f"replica {best}", w[best])
    return Run(weights=np.array(weights).reshape(model.weight_shape), iterations=n,
               history={"energy": out["energy"].sum(axis=1), "interaction": out["interaction"],
                        "errors": out["errors"].min(axis=1), "replica_errors": out["errors"],
                        "centre_errors": out["centre_errors"], "beta": betas[:n], "gamma": gammas[:n]},
               extra={"solved_by": solved_by, "returned": returned, "centre_errors": int(ce),
                      "replica_errors": rep_err.astype(np.int64), "replicas": w.reshape((y,) + model.weight_shape)})

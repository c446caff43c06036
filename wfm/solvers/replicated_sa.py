"""Replicated simulated annealing on the robust ensemble (``method="replicated-sa"``).

Robust-ensemble energy of y replicas W^1…W^y of a binary model with the reference configuration traced out
(Baldassi, Borgs, Chayes, Ingrosso, Lucibello, Saglietti, Zecchina, PNAS 113, E7655 (2016),
arXiv:1605.06444; C. Baldassi, RRRMC.jl ``GraphRobustEnsemble``, ``src/graphs/RE.jl``):

    E(W^1…W^y) = Σ_a E(W^a) − (1/β) Σ_i ln 2cosh(γ Σ_a W_i^a),

E(W^a) the error loss (``energy="error"``: number of patterns with Δ ≤ κ), the perceptron's "flips" energy
(``energy="flips"``: Σ_μ the number of weight flips that would fix pattern μ, RRRMC.jl ``GraphPercLinear``)
or the cross-entropy f_{ce_gamma} (``energy="ce"``, :mod:`wfm.solvers.sa_ce`). A move flips one weight W_i^a
of one replica (uniformly drawn among y·n_weights); with μ̄ = Σ_{b≠a} W_i^b and w = W_i^a,
β·ΔE = β·ΔE(W^a) + ln cosh(γ(μ̄ + w)) − ln cosh(γ(μ̄ − w)) (RRRMC's ``fk``), accepted with probability
min(1, e^{−βΔE}). One sweep = y·n_weights moves. Scoping: β and the coupling γ both rise geometrically
(``beta0 → beta1``, ``coupling0 → coupling1``) over ``max_sweeps`` sweeps, so the replicas are first free and
then forced together into a dense region.

Stops when a replica (checked after every move) or the centre W̃ = sign(Σ_a W^a) (checked after every
sweep; y odd avoids ties, ties go to replica 0) has zero training errors. ``extra["solved_by"]`` says which
("centre", "replica", or "none"); the returned weights are that solution, else whichever of the centre and
the replicas has fewest errors (``extra["returned"]``). With ``stop_at_solution=False`` the whole schedule is
run and the same rule picks the returned configuration at the end.

The defaults (y = 7, coupling 0.05 → 1, β 1 → 10) come from the exact local-entropy check at N = 21 (the
solutions found are much denser than uniformly sampled ones, where y = 3, γ → 3, β → 30 made the replicas
collapse early). At large N the error loss gives the annealer no signal of how far an error is from being
fixed; the flips energy with a stronger final coupling (``energy="flips", coupling0=0.2, coupling1=5,
beta0=0.1, beta1=2, max_sweeps=3000``, β per flip) solves most instances of the binary perceptron at
N = 1001 up to α = 0.7, where plain SA on the same energy (y = 1) does not; that strong coupling merges the
replicas, and the first solution found is then no denser than a typical one. The measurements behind
these statements are in benchmarks/BENCHMARKS.md.

Option names: ``coupling0``/``coupling1`` (formerly ``gamma0``/``gamma1``, the names of the cross-entropy γ
schedule of ``sa-ce``, now ``ce_gamma0``/``ce_gamma1``); ``ce_gamma`` is the cross-entropy γ.
"""
from __future__ import annotations

import numpy as np

from ..core.checks import check_float, check_int
from ..core.codes import LossCode
from . import Run, register, require_binary
from ._mc import anneal, centre_errors, count_errors, energy_code, geometric, init_fields, mc_arrays
from .sa import _check_budget, check_bool, initial_weights


@register(
    "replicated-sa",
    options={"y": 7, "coupling0": 0.05, "coupling1": 1.0, "beta0": 1.0, "beta1": 10.0, "max_sweeps": 1000,
             "max_seconds": None, "energy": "error", "ce_gamma": 2.0, "stop_at_solution": True,
             "init": None},
    description="replicated SA on the robust ensemble (y coupled replicas, traced centre, β and γ scoping)",
    applies=require_binary,
    option_docs={"y": "number of replicas (odd avoids ties in the centre sign(Σ_a W^a))",
                 "coupling0": "initial replica coupling γ in −(1/β)Σ_i ln 2cosh(γ Σ_a W_i^a)",
                 "coupling1": "final coupling; γ_s geometric from coupling0 to coupling1 over max_sweeps",
                 "beta0": "initial inverse temperature β",
                 "beta1": "final inverse temperature (geometric schedule)",
                 "max_sweeps": "budget: sweeps of y·n_weights moves; also fixes the schedules",
                 "max_seconds": "budget: wall-clock limit in seconds (None = no limit)",
                 "stop_at_solution": "True: stop at the first zero-error configuration; False: run the whole "
                                     "schedule (the minimizer of the annealed energy, e.g. deeper in a wide minimum)",
                 "energy": "energy of each replica: 'error' (number of errors), 'flips' (perceptron: Σ_μ number of "
                           "weight flips that would fix pattern μ) or 'ce' (cross-entropy f_γ with γ = ce_gamma)",
                 "ce_gamma": "γ of the cross-entropy f_γ when energy='ce'",
                 "init": "initial weights: one ±1 configuration (copied to all replicas) or y of them "
                         "(default: independent random replicas)"},
    renamed={"gamma0": "coupling0", "gamma1": "coupling1"},
)
def run_replicated_sa(model, patterns, rng, progress, y, coupling0, coupling1, beta0, beta1, max_sweeps, max_seconds,
                      energy, ce_gamma, stop_at_solution, init):
    y = check_int("y", y, min_value=1)
    coupling0 = check_float("coupling0", coupling0, positive=True)
    coupling1 = check_float("coupling1", coupling1, positive=True)
    beta0 = check_float("beta0", beta0, positive=True)
    beta1 = check_float("beta1", beta1, positive=True)
    ce_gamma = check_float("ce_gamma", ce_gamma, positive=True)
    max_sweeps, max_seconds = _check_budget(max_sweeps, max_seconds)
    ka = mc_arrays(model, patterns)
    code = energy_code(ka, energy)
    w = initial_weights(model, rng, init, replicas=y)
    betas = geometric(beta0, beta1, max_sweeps)
    couplings = geometric(coupling0, coupling1, max_sweeps)
    out = anneal(ka, w, betas, loss_code=code,
                 ce_gammas=np.full(max_sweeps, ce_gamma) if code == LossCode.CROSS_ENTROPY else None,
                 couplings=couplings, rng=rng, progress=progress, max_seconds=max_seconds, desc="replicated-sa",
                 check_centre=True, stop_at_solution=check_bool("stop_at_solution", stop_at_solution))
    n = out["sweeps"]
    ce, centre = centre_errors(w, ka.xT, ka.sig, ka.cols, ka.m, ka.k, ka.code, ka.ti)
    _, pre = init_fields(w, ka.xT, ka.sig, ka.cols, ka.m, ka.k, ka.code)
    rep_err = count_errors(pre, ka.sig, ka.ti)
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
                        "centre_errors": out["centre_errors"], "beta": betas[:n], "coupling": couplings[:n]},
               extra={"solved_by": solved_by, "returned": returned, "centre_errors": int(ce),
                      "replica_errors": rep_err.astype(np.int64), "replicas": w.reshape((y,) + model.weight_shape)})

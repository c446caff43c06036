"""Reinforced BP (``method="bp"``) and focusing BP (``method="fbp"``) on binary perceptrons, sign and ReLU committees
and the parity machine (output rules: :mod:`wfm.bp._kernels.factors`, :mod:`wfm.bp._kernels.relu`).

Both run :func:`wfm.bp.focusing.focusing_bp` (Baldassi et al., PNAS 113, E7655 (2016), arXiv:1605.06444;
Braunstein & Zecchina, PRL 96, 030201 (2006); reference implementation BinaryCommitteeMachineFBP.jl) along a focusing protocol of (γ, y) steps; after each step the clipped weights sign(m)
are tested and the run stops at zero errors. ``"bp"`` defaults to the standard reinforcement protocol
(γ = ∞, y = 1/(1−x), x = 0, dr, …), ``"fbp"`` to pseudo-reinforcement ρ = 0:0.01:0.99, x = ½ (γ = atanh√ρ,
y = (2−ρ)/(1−ρ)); either accepts every protocol: ``"standard"`` (dr), ``"scoping"`` (gammas, y),
``"pseudo"`` (rhos, x), ``"free"`` (steps = [(γ, y), ...]).

``history`` holds the protocol trace: γ, y, sweeps, converged, replicated free entropy, replica–centre overlap
S, Σ_int = φ − γS (= S_int + Σ_ext/y), the internal entropy S_int and external entropy Σ_ext
(:meth:`wfm.bp.core.MessagePassing.replicated_entropies`), q = ⟨m²⟩ and the errors of sign(m) per step.
"""
from __future__ import annotations

from ..core.checks import check_choice, check_float, check_int
from . import Run, register

_DOCS = {
    "protocol": "standard | scoping | pseudo | free (Baldassi et al. 2016, arXiv:1605.06444)",
    "dr": "standard reinforcement: x = 0, dr, …, 1−dr; y = 1/(1−x), γ = ∞",
    "gammas": "scoping: γ range, list or 'start:step:stop'",
    "y": "scoping: fixed number of replicas y",
    "rhos": "pseudo-reinforcement: ρ range in [0,1), list or 'start:step:stop'",
    "x": "pseudo-reinforcement exponent: γ = atanh(ρ^x), y = 1 + ρ^(1−2x)/(1−ρ)",
    "steps": "free scoping: explicit list of [γ, y] pairs",
    "max_iters": "max BP sweeps per protocol step (None: 1 for sequential per-edge BP, 3 for AMP and the parallel "
                 "schedule)",
    "epsilon": "convergence threshold on the max message change (magnetization units)",
    "damping": "damping λ ∈ [0,1) of the messages (field space); None: 0 for sequential per-edge BP, 0.3 for AMP "
               "and the parallel schedule",
    "randfact": "initial factor→weight magnetizations uniform in [−randfact, randfact]",
    "accuracy": "factor update: auto | gaussian | exact (exact: O(m²) convolution, small m)",
    "max_seconds": "wall-clock budget (checked after each protocol step; None = no limit)",
    "stop_at_solution": "stop as soon as sign(m) has zero training errors",
    "thermo": "compute the replicated free entropy / Σ_int per step (one extra pass per step)",
    "form": "auto | edges | amp: per-edge messages or the AMP (TAP) form (auto: AMP from "
            "wfm.bp.core.SOLVER_AMP_MIN_WEIGHTS = 1000 weights on, ±1 patterns; at N = 1001 AMP-fBP reaches "
            "alpha50 = 0.740 against 0.731 per edge)",
    "schedule": "per-edge update order: sequential (random permutation, serial) | parallel (synchronous, threaded)",
}


def _defaults(protocol, dr, max_iters):
    return {"protocol": protocol, "dr": dr, "gammas": "0:0.1:10", "y": 21.0, "rhos": "0:0.01:0.99", "x": 0.5,
            "steps": None, "max_iters": max_iters, "epsilon": 1e-3, "damping": None, "randfact": 0.01,
            "accuracy": "auto", "max_seconds": None, "stop_at_solution": True, "thermo": True,
            "form": "auto", "schedule": "sequential"}


def _applies(model):
    from ..bp.core import _check_model
    _check_model(model)


def _run(model, patterns, rng, progress, **o):
    from ..bp.core import SOLVER_AMP_MIN_WEIGHTS, resolve_form
    from ..bp.focusing import focusing_bp
    from ..bp.protocols import make_protocol

    steps = make_protocol(o["protocol"], dr=o["dr"], gammas=o["gammas"], y=o["y"], rhos=o["rhos"], x=o["x"],
                          steps=o["steps"])
    max_iters = None if o["max_iters"] is None else check_int("max_iters", o["max_iters"], min_value=1)
    epsilon = check_float("epsilon", o["epsilon"], positive=True)
    check_choice("accuracy", o["accuracy"], ("auto", "gaussian", "exact"))
    max_seconds = None if o["max_seconds"] is None else check_float("max_seconds", o["max_seconds"], positive=True)
    form = resolve_form(o["form"], model, patterns, o["accuracy"], min_weights=SOLVER_AMP_MIN_WEIGHTS)
    w, trace, bp = focusing_bp(model, patterns, steps, max_iters=max_iters, epsilon=epsilon, damping=o["damping"],
                               randfact=o["randfact"], accuracy=o["accuracy"], rng=rng, max_seconds=max_seconds,
                               stop_at_solution=bool(o["stop_at_solution"]), thermo=bool(o["thermo"]), progress=progress,
                               form=form, schedule=o["schedule"])
    extra = {"protocol_steps_done": int(trace["gamma"].size), "protocol_steps_total": len(steps),
             "accuracy": bp.accuracy, "form": bp.form, "magnetizations": bp.magnetizations()}
    return Run(weights=w, iterations=int(trace["iterations"].sum()), history=trace, extra=extra)


register("bp", options=_defaults("standard", 0.01, None), applies=_applies, option_docs=_DOCS,
         renamed={"stop_at_zero": "stop_at_solution"},
         description="reinforced BP (standard reinforcement protocol; any focusing protocol accepted)")(_run)
register("fbp", options=_defaults("pseudo", 0.01, None), applies=_applies, option_docs=_DOCS,
         renamed={"stop_at_zero": "stop_at_solution"},
         description="focusing BP (pseudo-reinforcement by default; standard, scoping, pseudo, free protocols)")(_run)

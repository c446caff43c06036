"""Checks of the options of each method that need no data: run when a sweep spec is validated, before anything runs.

:func:`wfm.solvers.validate_options` calls, for method ``name``, the check registered here for it
(``check(o, model, binary_patterns)``): ``o`` holds every option (defaults filled in); ``model`` is the model the
task will build, or None when it is not known (then the checks that depend on the model are skipped);
``binary_patterns`` is True/False for ±1/Gaussian patterns, or None when not known. Each check repeats the
argument checks that the method's ``run`` function makes before it starts computing (same helpers, same
messages), so that a value the method would reject is rejected at validation. ``tests/test_sweep_options.py``
compares them with the methods themselves: every bad value that ``wfm.solve`` rejects must be rejected here,
and nothing may be rejected here by value that ``wfm.solve`` accepts.

``ANY_TYPE[name]`` lists the options of a method whose value may have another type than its default (e.g. the
γ schedule of BP: a ``"start:step:stop"`` string or a list of numbers); the others must have the type of their
default (``validate_options``).
"""
from __future__ import annotations

import math

import numpy as np

from ..core.checks import check_choice, check_float, check_int

__all__ = ["CHECKS", "ANY_TYPE"]

#: method name -> check(o, model, binary_patterns)
CHECKS: dict = {}
#: method name -> option names exempt from the type-of-the-default check
ANY_TYPE: dict = {}


def _checks(*names, any_type=()):
    def deco(func):
        for name in names:
            CHECKS[name] = func
            ANY_TYPE[name] = frozenset(any_type)
        return func

    return deco


def _name(o, *names):
    """The first of ``names`` that ``o`` has: an option's current name, then its former one (a renamed option)."""
    for n in names:
        if n in o:
            return n
    raise KeyError(names[0])


def _bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be true or false, got {value!r}")


def _budget(o, key):
    check_int(key, o[key], min_value=1)
    if o["max_seconds"] is not None:
        check_float("max_seconds", o["max_seconds"], positive=True)


def _probability(name, value):
    value = check_float(name, value, nonnegative=True)
    if value > 1:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value}")


def _init(model, init, replicas=None, one=False):
    """The checks of the initial weights (``initial_weights`` of the method's module): ±1 or finite entries of
    the model's shape; ``one``: a single configuration; else one configuration or ``replicas`` (default 1)."""
    if model is None or init is None:
        return
    try:
        w = model.check_weights(init)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"init: {exc}") from None
    single = w.ndim == len(model.weight_shape)
    if one:
        if not single:
            raise ValueError("init must be one weight configuration, not a batch")
        return
    rows = (replicas or 1) if single else w.shape[0]
    if rows != (replicas or 1):
        raise ValueError(f"init must hold {replicas or 1} configuration(s), got {rows}")


def _perceptron_only_flips(energy, model):
    if energy == "flips" and model is not None and model.kind != "perceptron":
        raise ValueError(f"energy='flips' (number of weight flips that would fix each pattern) is defined for "
                         f"the perceptron only, got model={model!r}; use energy='error' or 'ce'")


def _binary_patterns(name, model, binary_patterns):
    if model is not None and model.binary and binary_patterns is False:
        raise ValueError(f"method={name!r} with binary weights needs binary (±1) patterns")


# ---------------------------------------------------------------------------------------------- annealing


def _mc_patterns(binary_patterns):
    if binary_patterns is False:
        raise ValueError("Monte Carlo methods need binary (±1) patterns (kind='binary')")


@_checks("sa")
def _sa(o, model, binary_patterns):
    _mc_patterns(binary_patterns)
    check_float("beta0", o["beta0"], positive=True)
    check_float("beta1", o["beta1"], positive=True)
    _budget(o, "max_sweeps")
    if "stop_at_solution" in o:
        _bool("stop_at_solution", o["stop_at_solution"])
    check_choice("energy", o["energy"], ("error", "flips"))
    _perceptron_only_flips(o["energy"], model)
    _init(model, o["init"])


@_checks("sa-ce")
def _sa_ce(o, model, binary_patterns):
    _mc_patterns(binary_patterns)
    for name in ("ce_gamma0", "ce_gamma1", "beta0", "beta1"):
        check_float(name, o[name], positive=True)
    _budget(o, "max_sweeps")
    _init(model, o["init"])
    _bool("stop_at_solution", o["stop_at_solution"])


@_checks("replicated-sa")
def _replicated_sa(o, model, binary_patterns):
    _mc_patterns(binary_patterns)
    y = check_int("y", o["y"], min_value=1)
    for name in ("coupling0", "coupling1", "beta0", "beta1", "ce_gamma"):
        check_float(name, o[name], positive=True)
    _budget(o, "max_sweeps")
    check_choice("energy", o["energy"], ("error", "flips", "ce"))
    _perceptron_only_flips(o["energy"], model)
    _init(model, o["init"], replicas=y)
    _bool("stop_at_solution", o["stop_at_solution"])


# ---------------------------------------------------------------------------------------------- gradients


@_checks("sgd-ce")
def _sgd_ce(o, model, binary_patterns):
    if o["lr"] is not None:
        check_float("lr", o["lr"], positive=True)
    check_float("lr_factor", o["lr_factor"], positive=True)
    check_int("batch", o["batch"], min_value=1)
    for key in (_name(o, "ce_gamma", "gamma"), _name(o, "ce_gamma_factor", "gamma_factor")):
        check_float(key, o[key], positive=True)
    check_choice("norm", o["norm"], ("sphere", "decay", "free"))
    weight_decay = check_float("weight_decay", o["weight_decay"], nonnegative=True)
    check_int("shrink_epochs", o["shrink_epochs"], min_value=0)
    shrink_factor = check_float("shrink_factor", o["shrink_factor"], positive=True)
    if not shrink_factor < 1:
        raise ValueError(f"shrink_factor must be in (0, 1), got {shrink_factor}")
    h_clip = math.inf if o["h_clip"] is None else check_float("h_clip", o["h_clip"], positive=True)
    check_float("relu_leak", o["relu_leak"], nonnegative=True)
    _budget(o, "max_epochs")
    if model is not None:
        if model.binary and (o["norm"] != "sphere" or weight_decay != 0.0):
            raise ValueError("norm and weight_decay apply to continuous weights; binary weights have |W|² = N fixed "
                             "(leave norm='sphere', weight_decay=0)")
        if not model.binary and h_clip != math.inf:
            raise ValueError("h_clip applies to binary weights (hidden variables H) only")
    _init(model, o["init"], one=True)


@_checks("rsgd")
def _rsgd(o, model, binary_patterns):
    binary = None if model is None else model.binary
    check_int("y", o["y"], min_value=1)
    if o["lr"] is not None:
        check_float("lr", o["lr"], positive=True)
    check_float("lam", o["lam"], nonnegative=True)
    coupling, step, rate = (_name(o, "coupling", "gamma"), _name(o, "coupling_step", "gamma_step"),
                            _name(o, "coupling_rate", "gamma_rate"))
    if o[coupling] is not None:
        check_float(coupling, o[coupling], nonnegative=True, finite=binary is False)
    if o[step] is not None:
        check_float(step, o[step])
    if o[rate] is not None:
        value = check_float(rate, o[rate])
        if value <= -1:
            raise ValueError(f"{rate} must be > -1, got {value}")
    check_float("lr_factor", o["lr_factor"], positive=True)
    check_float("lam_factor", o["lam_factor"], nonnegative=True)
    if o["batch"] is not None:  # None: the model's default (wfm.solvers.rsgd.defaults_for)
        check_int("batch", o["batch"], min_value=1)
    if o["formula"] is not None:
        check_choice("formula", o["formula"], ("simple", "corrected", "hard", "continuous"))
    check_choice("norm", o["norm"], ("sphere", "free"))
    check_float("ce_gamma", o["ce_gamma"], positive=True)
    check_float("relu_leak", o["relu_leak"], nonnegative=True)
    for name in ("center", "init_equal", "wait_center"):
        if not isinstance(o[name], (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {o[name]!r}")
    _budget(o, "max_epochs")
    _init(model, o["init"], one=True)


@_checks("entropy-sgd")
def _entropy_sgd(o, model, binary_patterns):
    lr = check_float("lr", o["lr"], positive=True)
    if lr > 1:
        raise ValueError(f"lr must be in (0, 1] (outer step x ← x − lr·(x − μ)), got {lr}")
    check_float("inner_lr", o["inner_lr"], positive=True)
    check_int("L", o["L"], min_value=1)
    check_float("noise", o["noise"], nonnegative=True)
    alpha = check_float("alpha", o["alpha"], positive=True)
    if alpha > 1:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    coupling, rate = _name(o, "coupling", "gamma"), _name(o, "coupling_rate", "gamma_rate")
    check_float(coupling, o[coupling], positive=True)
    check_float(rate, o[rate], nonnegative=True)
    check_choice("noise_convention", o["noise_convention"], ("paper", "code"))
    check_float("ce_gamma", o["ce_gamma"], positive=True)
    check_int("batch", o["batch"], min_value=1)
    check_choice("norm", o["norm"], ("sphere", "free"))
    check_float("relu_leak", o["relu_leak"], nonnegative=True)
    _budget(o, "max_epochs")
    if model is not None and model.binary and o["norm"] != "sphere":
        raise ValueError("norm applies to continuous weights; leave norm='sphere' for binary weights")
    _init(model, o["init"], one=True)


# ---------------------------------------------------------------------------------------------- online rules


def _online(name, o, model, binary_patterns):
    _budget(o, "max_epochs")
    _binary_patterns(name, model, binary_patterns)
    if model is not None:
        if model.binary and o["states"] is not None:
            check_int("states", o["states"], min_value=1)
        elif "eta" in o:
            check_float("eta", o["eta"], positive=True)
        if o["init"] is not None:
            model.check_weights(o["init"])


@_checks("perceptron")
def _perceptron(o, model, binary_patterns):
    _online("perceptron", o, model, binary_patterns)


@_checks("sbpi")
def _sbpi(o, model, binary_patterns):
    check_int("theta_m", o["theta_m"])
    _probability("p_s", o["p_s"])
    _online("sbpi", o, model, binary_patterns)


@_checks("cpr")
def _cpr(o, model, binary_patterns):
    if o["p_r"] is not None:
        _probability("p_r", o["p_r"])
    _online("cpr", o, model, binary_patterns)


@_checks("lal")
def _lal(o, model, binary_patterns):
    _online("lal", o, model, binary_patterns)


@_checks("greedy")
def _greedy(o, model, binary_patterns):
    if o["kappa0"] is not None:
        check_float("kappa0", o["kappa0"], nonnegative=True)
    if o["kappa_step"] is not None:
        check_float("kappa_step", o["kappa_step"], nonnegative=True)
    check_float("kappa_max", o["kappa_max"], nonnegative=True)
    _probability("p_s", o["p_s"])
    _online("greedy", o, model, binary_patterns)


# ---------------------------------------------------------------------------------------------- BP


@_checks("bp", "fbp", any_type=("gammas", "rhos", "steps"))
def _bp(o, model, binary_patterns):
    from ..bp.protocols import make_protocol

    make_protocol(o["protocol"], dr=o["dr"], gammas=o["gammas"], y=o["y"], rhos=o["rhos"], x=o["x"],
                  steps=o["steps"])
    if o["max_iters"] is not None:
        check_int("max_iters", o["max_iters"], min_value=1)
    check_float("epsilon", o["epsilon"], positive=True)
    check_choice("accuracy", o["accuracy"], ("auto", "gaussian", "exact"))
    check_choice("form", o["form"], ("auto", "edges", "amp"))
    check_choice("schedule", o["schedule"], ("sequential", "parallel"))
    if o["max_seconds"] is not None:
        check_float("max_seconds", o["max_seconds"], positive=True)
    if o["accuracy"] == "exact" and binary_patterns is False:
        raise ValueError("accuracy='exact' needs ±1 (binary) patterns; use accuracy='gaussian'")
    if o["damping"] is not None:
        damping = check_float("damping", o["damping"], nonnegative=True)
        if damping >= 1.0:
            raise ValueError(f"damping must be in [0, 1), got {o['damping']}")
    randfact = check_float("randfact", o["randfact"], nonnegative=True)
    if randfact >= 1.0:
        raise ValueError(f"randfact must be in [0, 1), got {randfact}")

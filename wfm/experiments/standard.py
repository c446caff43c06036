"""The experiments behind the command line and most sweeps: solve an instance, measure a solution, compute theory.

The instance parameters are the same in every experiment that builds one (and the same names as the
``wfm solve`` command line): model, n, k, activation, weights, margin, alpha, patterns, data_seed; they are
turned into a :class:`wfm.instance.Instance` in one place (:func:`instance_of`). The patterns are drawn from
``data_seed`` if given (to run several solver seeds on one instance), else from the task seed; the solver draws
from the task seed (an independent stream: SeedSequence children differ from their root).
"""
from __future__ import annotations

from typing import Literal

import numpy as np

from .registry import RESERVED, experiment

Model = Literal["perceptron", "tree", "committee", "parity"]
Weights = Literal["binary", "spherical"]
Activation = Literal["sign", "relu"]
PatternKind = Literal["binary", "gaussian"]


def instance_of(p, seed=None):
    """The :class:`~wfm.instance.Instance` described by an experiment's instance parameters.

    The patterns are drawn from ``data_seed`` when it is given, else from the task ``seed``.
    """
    from ..instance import Instance

    if p["model"] == "perceptron" and p.get("k") is not None:
        raise ValueError("k is the number of hidden units of a committee; a perceptron takes no k")
    if p["model"] in ("perceptron", "parity") and p.get("activation", "sign") != "sign":
        raise ValueError(f"activation={p['activation']!r} is only for tree/committee models")
    data_seed = p["data_seed"] if p.get("data_seed") is not None else seed
    return Instance(model=p["model"], n=p["n"], k=p.get("k"), activation=p.get("activation", "sign"),
                    weights=p["weights"], margin=p["margin"], alpha=p["alpha"], patterns=p.get("patterns", "binary"),
                    data_seed=0 if data_seed is None else data_seed)


def _instance(p, seed):
    return instance_of(p, seed).build()


def _check_instance(p):
    """Cheap checks run when a spec is validated: the model builds, α > 0, the method applies to the model and
    its options are valid for it (names, types, values: ``wfm.solvers.validate_options``)."""
    inst = instance_of(p)  # the model builds, α > 0 and gives at least one pattern
    if "method" in p:
        from ..solvers import validate_options

        validate_options(p["method"], p.get("options") or {}, inst.build_model(), inst.patterns == "binary")


def _check_exact(p):
    """:func:`_check_instance` and the limits of exhaustive enumeration (:mod:`wfm.exact`: binary weights and
    patterns, at most ``MAX_WEIGHTS`` weights), so that an instance too large to enumerate is refused before
    anything runs."""
    from types import SimpleNamespace

    from .. import exact as X

    _check_instance(p)
    inst = instance_of(p)
    X._check(inst.build_model(), SimpleNamespace(n=inst.n, binary=inst.patterns == "binary"))


def _solve(p, model, pats, seed):
    from ..solvers import solve as _wfm_solve

    return _wfm_solve(model, pats, method=p["method"], seed=seed, **(p.get("options") or {}))


def _solution_measures(model, pats, res) -> dict:
    stab = np.asarray(model.stabilities(res.weights, pats), dtype=np.float64)
    return {"solved": bool(res.solved), "n_errors": int(res.n_errors), "iterations": int(res.iterations),
            "solve_seconds": float(res.seconds), "p": int(pats.p), "n_weights": int(model.n_weights),
            "train_error": res.n_errors / pats.p, "stability_min": float(stab.min()),
            "stability_mean": float(stab.mean())}


def _flat(prefix, d, params):
    """Scalars and arrays of ``d`` as record entries (nested dicts flattened with '_'; others left out)."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if key in params or key in RESERVED:
            key = f"result_{key}"
        if isinstance(v, dict):
            out.update(_flat(f"{key}_", v, params))
        elif isinstance(v, (np.ndarray, list, tuple)):
            a = np.asarray(v)
            if not a.dtype.hasobject:
                out[key] = a
        elif v is None or isinstance(v, (bool, int, float, str, np.generic)):
            out[key] = v
    return out


@experiment("solve", check=_check_instance)
def solve(*, model: Model = "perceptron", n: int, k: int | None = None, activation: Activation = "sign",
          weights: Weights = "binary", margin: float = 0.0, alpha: float, patterns: PatternKind = "binary",
          data_seed: int | None = None, method: str = "sa", options: dict | None = None,
          keep_weights: bool = True, keep_history: bool = False, seed: int) -> dict:
    """Solve a random instance with ``wfm.solve`` and measure the solution.

    Record: ``solved``, ``n_errors``, ``iterations``, ``solve_seconds``, ``p`` (= round(α n_weights)),
    ``n_weights``, ``train_error`` = n_errors / P, the smallest and mean stability Δ^μ = σ^μ λ(ξ^μ) (the
    margin reached), the scalar ``extra_*`` of the method, ``weights`` (unless ``keep_weights=false``) and
    the per-step ``history_*`` arrays if ``keep_history``. ``options``: the method's options (budget,
    schedules...), as listed by ``wfm methods``.
    """
    params = dict(model=model, n=n, k=k, activation=activation, weights=weights, margin=margin, alpha=alpha,
                  patterns=patterns, data_seed=data_seed, method=method, options=options)
    mdl, pats = _instance(params, seed)
    res = _solve(params, mdl, pats, seed)
    out = _solution_measures(mdl, pats, res)
    out.update(_flat("extra_", {k_: v for k_, v in res.extra.items() if k_ != "p"}, params))
    if keep_weights:
        out["weights"] = np.asarray(res.weights)
    if keep_history:
        out.update(_flat("history_", res.history, params))
    return out


@experiment("local-entropy", check=lambda p: (_check_exact if p["estimator"] == "exact" else _check_instance)(p))
def local_entropy(*, model: Model = "perceptron", n: int, k: int | None = None, activation: Activation = "sign",
                  weights: Weights = "binary", margin: float = 0.0, alpha: float, patterns: PatternKind = "binary",
                  data_seed: int | None = None, method: str = "sa", options: dict | None = None,
                  estimator: Literal["bp", "exact"] = "bp", gammas: list[float] | None = None,
                  max_iters: int = 2000, seed: int) -> dict:
    """Local entropy S(W̃, d) around the solution W̃ found by ``method`` (``wfm.local_entropy``).

    ``estimator="bp"``: BP with an external field γ W̃ for each γ of ``gammas`` (non-converged points are
    NaN and flagged in ``converged``); ``"exact"``: exhaustive enumeration (small N). Record: the arrays
    ``d``, ``s``, ``phi``, ``q``, ``gamma``, ``converged``, ``upper`` (= H(d), the bound of the curve) and
    the measures of the reference (``solved``, ``n_errors``, ...).
    """
    from ..bp import local_entropy as _local_entropy

    params = dict(model=model, n=n, k=k, activation=activation, weights=weights, margin=margin, alpha=alpha,
                  patterns=patterns, data_seed=data_seed, method=method, options=options)
    mdl, pats = _instance(params, seed)
    res = _solve(params, mdl, pats, seed)
    kwargs = {} if estimator == "exact" else {"gammas": gammas, "max_iters": max_iters, "seed": seed}
    curve = _local_entropy(mdl, pats, res.weights, method=estimator, **kwargs)
    out = _solution_measures(mdl, pats, res)
    for name in ("d", "s", "phi", "q", "gamma", "converged", "upper"):
        out[name] = np.asarray(getattr(curve, name))
    out.update(_flat("meta_", curve.meta, params))
    return out


@experiment("local-energy", check=_check_instance)
def local_energy(*, model: Model = "perceptron", n: int, k: int | None = None, activation: Activation = "sign",
                 weights: Weights = "binary", margin: float = 0.0, alpha: float, patterns: PatternKind = "binary",
                 data_seed: int | None = None, method: str = "sa", options: dict | None = None,
                 scales: list[float], noise: Literal["flip", "multiplicative", "additive", "unit", "layer"] | None = None,
                 n_draws: int = 100, seed: int) -> dict:
    """Local energy around the solution found by ``method`` (``wfm.landscape.local_energy``).

    Training error (and loss) after perturbing the weights at each of ``scales`` (fraction of flipped
    weights for ``noise="flip"``, the default for binary weights; noise level σ otherwise), averaged over
    ``n_draws`` draws. Record: ``error_mean``, ``error_se``, ``loss_mean``, ``loss_se`` (arrays over
    ``scales``), ``base_error``, ``base_loss``, ``noise_used`` and the measures of the reference.
    """
    from ..landscape import local_energy as _local_energy

    params = dict(model=model, n=n, k=k, activation=activation, weights=weights, margin=margin, alpha=alpha,
                  patterns=patterns, data_seed=data_seed, method=method, options=options)
    mdl, pats = _instance(params, seed)
    res = _solve(params, mdl, pats, seed)
    le = _local_energy(mdl, pats, res.weights, scales, noise=noise, n_draws=n_draws, seed=seed)
    out = _solution_measures(mdl, pats, res)
    out.update(error_mean=np.asarray(le.error_mean), error_se=np.asarray(le.error_se),
               loss_mean=np.asarray(le.loss_mean), loss_se=np.asarray(le.loss_se),
               base_error=float(le.base_error), base_loss=float(le.base_loss), noise_used=le.noise)
    return out


@experiment("hessian", check=_check_instance)
def hessian(*, model: Model = "perceptron", n: int, k: int | None = None, activation: Activation = "sign",
            weights: Weights = "binary", margin: float = 0.0, alpha: float, patterns: PatternKind = "binary",
            data_seed: int | None = None, method: str = "sa", options: dict | None = None,
            gamma: float = 1.0, spectrum: Literal["auto", "dense", "lanczos"] = "auto", n_eigs: int = 6,
            seed: int) -> dict:
    """Hessian spectrum of the cross-entropy loss f_γ at the solution found by ``method``
    (``wfm.landscape.hessian_spectrum`` with ``wfm.losses.cross_entropy(gamma)``).

    Record: ``lambda_max``, ``lambda_min``, ``trace``, ``trace_sq``, ``frobenius``, ``n_negative``,
    ``ws_bound`` and ``eigenvalues`` (dense), or the ``n_eigs`` largest/smallest (``top``/``bottom``,
    Lanczos), the near-kink diagnostics, and the measures of the reference.
    """
    from ..landscape import hessian_spectrum
    from ..losses import cross_entropy

    params = dict(model=model, n=n, k=k, activation=activation, weights=weights, margin=margin, alpha=alpha,
                  patterns=patterns, data_seed=data_seed, method=method, options=options, gamma=gamma,
                  spectrum=spectrum, n_eigs=n_eigs)
    mdl, pats = _instance(params, seed)
    res = _solve(params, mdl, pats, seed)
    spec = hessian_spectrum(mdl, pats, res.weights, loss=cross_entropy(gamma), method=spectrum, k=n_eigs)
    out = _solution_measures(mdl, pats, res)
    spec = dict(spec)
    spec["spectrum_method"] = spec.pop("method", spectrum)
    out.update(_flat("", spec, params))
    return out


Quantity = Literal["gardner_capacity", "binary_capacity", "spherical_entropy", "binary_entropy", "max_margin",
                   "franz_parisi", "isolation_radius"]
_THEORY_ARGS = {
    "gardner_capacity": ("kappa",), "binary_capacity": ("kappa",), "spherical_entropy": ("alpha", "kappa"),
    "binary_entropy": ("alpha", "kappa"), "max_margin": ("alpha",), "franz_parisi": ("alpha", "d", "kappa", "kappa_ref"),
    "isolation_radius": ("alpha", "kappa", "kappa_ref"),
}


def _check_theory(p):
    needed = _THEORY_ARGS[p["quantity"]]
    for name in ("alpha", "d"):
        if name in needed and p[name] is None:
            raise ValueError(f"quantity={p['quantity']!r} needs {name}")
    for name, default in (("alpha", None), ("d", None), ("kappa_ref", 0.0)):
        if name not in needed and p[name] != default:
            raise ValueError(f"quantity={p['quantity']!r} takes no {name}; it uses {', '.join(needed)}")


@experiment("theory", check=_check_theory)
def theory(*, quantity: Quantity, alpha: float | None = None, kappa: float = 0.0, kappa_ref: float = 0.0,
           d: list[float] | None = None) -> dict:
    """A replica-theory prediction from ``wfm.theory`` (deterministic: no seed).

    Scalar quantities give ``value``: ``gardner_capacity(kappa)``, ``binary_capacity(kappa)``,
    ``spherical_entropy(alpha, kappa)``, ``binary_entropy(alpha, kappa)``, ``max_margin(alpha)``,
    ``isolation_radius(alpha, kappa, kappa_ref)``. ``franz_parisi(alpha, d, kappa, kappa_ref)`` gives the
    arrays ``d_found`` (the distances where the saddle point was found), ``local_entropy`` (V(d)), ``bound``
    (H(d)), ``q``, ``lost_d`` and the reference overlap ``q_ref``. ``warnings``: the text of any
    ReplicaSymmetryWarning/SaddlePointWarning raised (empty if none).
    """
    import warnings

    from .. import theory as T

    args = {"alpha": alpha, "kappa": kappa, "kappa_ref": kappa_ref, "d": d}
    kwargs = {a: args[a] for a in _THEORY_ARGS[quantity]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = getattr(T, quantity)(**kwargs)
    out = {"warnings": "; ".join(sorted({str(w.message) for w in caught}))}
    if quantity == "franz_parisi":
        out.update(d_found=np.asarray(value.d), local_entropy=np.asarray(value.local_entropy),
                   bound=np.asarray(value.bound), q=np.asarray(value.q), lost_d=np.asarray(value.lost_d, dtype=float),
                   q_ref=float(value.q_ref))
    else:
        out["value"] = float(value)
    return out


@experiment("exact", check=_check_exact)
def exact(*, model: Model = "perceptron", n: int, k: int | None = None, activation: Activation = "sign",
          weights: Literal["binary"] = "binary", margin: float = 0.0, alpha: float,
          patterns: PatternKind = "binary", data_seed: int | None = None,
          reference: Literal["none", "sample", "solve"] = "none", method: str = "sa", options: dict | None = None,
          seed: int) -> dict:
    """Exhaustive enumeration of a small binary instance (``wfm.exact``; N up to about 25).

    ``n_solutions`` = 𝒩 = Σ_W Π_μ Θ(Δ^μ − κ) and ``entropy`` = (1/N) ln 𝒩 (−inf if none). With a
    ``reference`` (``"sample"``: a solution drawn uniformly with ``wfm.exact.sample_solutions``;
    ``"solve"``: the one found by ``method``), also ``counts`` (counts[D] = solutions at Hamming distance D,
    D = 0..N) and the exact local entropy ``s`` = (1/N) ln counts (−inf where 0) on ``d`` = D/N.
    """
    from .. import exact as X

    params = dict(model=model, n=n, k=k, activation=activation, weights=weights, margin=margin, alpha=alpha,
                  patterns=patterns, data_seed=data_seed, method=method, options=options)
    mdl, pats = _instance(params, seed)
    total = int(X.count_solutions(mdl, pats))
    out = {"n_solutions": total, "entropy": float(np.log(total) / mdl.n_weights) if total else -np.inf,
           "p": int(pats.p), "n_weights": int(mdl.n_weights)}
    if reference == "none":
        return out
    if reference == "sample":
        if total == 0:
            out["reference_found"] = False
            return out
        ref = X.sample_solutions(mdl, pats, 1, seed=seed)[0]
    else:
        res = _solve(params, mdl, pats, seed)
        ref = res.weights
        out.update({k_: v for k_, v in _solution_measures(mdl, pats, res).items() if k_ not in ("p", "n_weights")})
    out["reference_found"] = True
    counts = np.asarray(X.distance_counts(mdl, pats, ref), dtype=np.int64)
    with np.errstate(divide="ignore"):
        out["s"] = np.log(counts.astype(np.float64)) / mdl.n_weights
    out["counts"] = counts
    out["d"] = np.arange(counts.size) / mdl.n_weights
    return out



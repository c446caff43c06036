"""Named experiments: one pure function ``params -> record`` per figure ingredient.

An experiment is a plain function with keyword-only parameters, registered with :func:`experiment`::

    @experiment("solve")
    def solve(*, n: int, alpha: float, method: str = "sa", seed: int) -> dict:
        ...
        return {"solved": res.solved, "n_errors": res.n_errors, "weights": res.weights}

The signature *is* the declaration of the parameters: a parameter without a default is required, one with a
default is optional, anything else is rejected (``TypeError`` naming it) before a sweep runs. Annotations are
enforced (and convert ``int`` to ``float`` where a float is declared): ``int``, ``float``, ``bool``, ``str``,
``Literal[...]`` (the allowed values), ``X | None`` and ``list[X]``. An experiment that takes ``seed`` is
seeded: the sweep passes one plain integer per task, from which the function builds its streams through
``numpy.random.SeedSequence`` (DESIGN.md, "Randomness"); one without ``seed`` is deterministic.

An experiment returns a flat ``dict`` of scalars (bool, int, float, str, None) and NumPy arrays; its keys may
not repeat a parameter name. :func:`run` wraps it into a *record* that also carries the experiment name, the
parameters, the seed, ``wfm.__version__``, the wall time, the host and the content hash of
(experiment, parameters, seed) (DESIGN.md, "Records").

Experiments import the scientific modules they use inside their body, so this registry imports (and a
sweep validates a spec) without loading them; an experiment is registered here only once the code it calls
exists in the package.
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import numbers
import os
import socket
import time
import types
import typing
from typing import Callable, Literal

import numpy as np

__all__ = [
    "Experiment",
    "experiment",
    "get",
    "names",
    "run",
    "task_hash",
    "canonical_json",
    "RESERVED",
]

#: names that records use for their metadata: no parameter or result may take them
RESERVED = frozenset(
    {"experiment", "hash", "seed", "params", "version", "host", "wall_time", "status", "error",
     "attempts", "started_at", "finished_at"}
)

_REGISTRY: dict[str, "Experiment"] = {}


# ----------------------------------------------------------------------------------------------------------
# canonical form and hash


def _canonical(value, where):
    """Normalize a parameter value for hashing: numbers by value (1 == 1.0), numpy scalars as Python ones."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            raise ValueError(f"{where} must be finite, got {x}")
        if x == 0.0:
            return 0  # -0.0 and 0.0 are the same parameter
        if x.is_integer() and abs(x) < 2**53:
            return int(x)
        return x
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_canonical(v, f"{where}[{i}]") for i, v in enumerate(list(value))]
    if isinstance(value, dict):
        return {str(k): _canonical(v, f"{where}.{k}") for k, v in value.items()}
    raise TypeError(f"{where} must be a number, string, bool, None or a list of them, got {type(value).__name__}")


def canonical_json(obj) -> str:
    """Canonical JSON (sorted keys, no spaces, numbers by value) used for content hashes."""
    return json.dumps(_canonical(obj, "value"), sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False)


def task_hash(experiment: str, params: dict, seed) -> str:
    """sha256 (hex) of the canonical JSON of ``{"experiment", "params", "seed"}``.

    The same experiment, parameters and seed give the same hash in every run, on every machine and Python
    version: the JSON is canonical (sorted keys; ``1`` and ``1.0`` are the same number; floats written
    with their shortest round-trip representation). Parameters left at their defaults are not part of it,
    so giving an experiment a new optional parameter does not invalidate existing stores.
    """
    text = canonical_json({"experiment": experiment, "params": params, "seed": seed})
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# ----------------------------------------------------------------------------------------------------------
# parameter declarations


def _type_name(tp) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(map(repr, typing.get_args(tp)))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if origin is list:
        (inner,) = typing.get_args(tp) or (typing.Any,)
        return f"a list of {_type_name(inner)}"
    if tp is type(None):
        return "None"
    return {int: "an integer", float: "a real number", bool: "a bool", str: "a string",
            dict: "a table"}.get(tp, str(tp))


def _coerce(name: str, value, tp):
    """Check ``value`` against the annotation ``tp``; return it converted (int -> float, numpy -> Python)."""
    origin = typing.get_origin(tp)
    if tp is inspect.Parameter.empty or tp is typing.Any:
        _canonical(value, name)  # JSON-able, finite
        return value.item() if isinstance(value, np.generic) else value
    if origin is Literal:
        allowed = typing.get_args(tp)
        if isinstance(value, np.generic):
            value = value.item()
        if not any(a == value and isinstance(a, bool) == isinstance(value, bool) for a in allowed):
            raise ValueError(f"{name}={value!r} is not allowed; choose one of {', '.join(map(repr, allowed))}")
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None:
            if type(None) in args:
                return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(name, value, a)
            except (TypeError, ValueError) as exc:
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        raise TypeError(f"{name} must be {_type_name(tp)}, got {value!r}")
    if origin is list:
        (inner,) = typing.get_args(tp) or (typing.Any,)
        if not isinstance(value, (list, tuple, np.ndarray)):
            raise TypeError(f"{name} must be {_type_name(tp)}, got {value!r}")
        return [_coerce(f"{name}[{i}]", v, inner) for i, v in enumerate(list(value))]
    if tp is bool:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise TypeError(f"{name} must be a bool (true/false), got {value!r}")
    if tp is int:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {value!r}")
        return int(value)
    if tp is float:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {value!r}")
        x = float(value)
        if not math.isfinite(x):
            raise ValueError(f"{name} must be finite, got {x}")
        return x
    if tp is str:
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, got {value!r}")
        return value
    if tp is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise TypeError(f"{name} must be a table (dict with string keys), got {value!r}")
        _canonical(value, name)
        return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in value.items()}
    raise TypeError(f"parameter {name}: unsupported annotation {tp!r} in an experiment signature")


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A registered experiment: ``func(**params) -> dict`` with declared parameters.

    ``required``/``optional`` come from the keyword-only parameters of ``func`` (``optional`` maps a name to
    its default); ``types`` from its annotations; ``seeded`` tells whether it takes ``seed``; ``check`` is an
    optional cheap validation of the parameter values (e.g. that a method name exists), run before a sweep
    starts.
    """

    name: str
    func: Callable[..., dict]
    required: tuple
    optional: dict
    types: dict
    seeded: bool
    check: Callable[[dict], None] | None = None

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.func) or ""

    @property
    def params(self) -> tuple:
        """All parameter names (required first), excluding ``seed``."""
        return tuple(self.required) + tuple(self.optional)

    def validate(self, params: dict, seed=None) -> dict:
        """Return ``params`` checked and converted; TypeError/ValueError naming the offending parameter.

        Only the given parameters are returned (defaults are not filled in: they are not part of the hash).
        """
        if not isinstance(params, dict):
            raise TypeError(f"params of experiment {self.name!r} must be a dict, got {type(params).__name__}")
        if "seed" in params:
            raise TypeError(f"experiment {self.name!r}: 'seed' is not a parameter; give it as the seed "
                            "(the `seeds` entry of a sweep spec)")
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            raise TypeError(
                f"unknown parameter(s) {', '.join(unknown)} for experiment {self.name!r}; "
                f"allowed: {', '.join(self.params) or '(none)'}"
            )
        missing = [p for p in self.required if p not in params]
        if missing:
            raise TypeError(f"experiment {self.name!r} requires parameter(s) {', '.join(missing)}")
        out = {k: _coerce(k, v, self.types.get(k, inspect.Parameter.empty)) for k, v in params.items()}
        if self.seeded:
            if seed is None or isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
                raise TypeError(f"experiment {self.name!r} needs seed to be an integer >= 0, got {seed!r}")
        elif seed is not None:
            raise TypeError(f"experiment {self.name!r} is deterministic and takes no seed; got seed={seed!r} "
                            "(leave `seeds` out of the spec)")
        if self.check is not None:
            self.check({**self.optional, **out})
        return out

    def describe(self) -> str:
        """One line per parameter: name, type, default."""
        lines = [f"{self.name}: {self.doc.splitlines()[0] if self.doc else ''}"]
        for p in self.params:
            tp = self.types.get(p, inspect.Parameter.empty)
            t = "" if tp is inspect.Parameter.empty else f" ({_type_name(tp)})"
            d = " required" if p in self.required else f" = {self.optional[p]!r}"
            lines.append(f"    {p}{t}{d}")
        if self.seeded:
            lines.append("    seed (an integer >= 0) required")
        return "\n".join(lines)


def experiment(name: str, *, check: Callable[[dict], None] | None = None):
    """Decorator registering ``func`` as experiment ``name`` (see the module docstring)."""

    def register(func):
        if name in _REGISTRY:
            raise ValueError(f"experiment {name!r} is already registered")
        sig = inspect.signature(func, eval_str=True)
        required, optional, tps, seeded = [], {}, {}, False
        for p in sig.parameters.values():
            if p.kind is not inspect.Parameter.KEYWORD_ONLY:
                raise TypeError(f"experiment {name!r}: parameter {p.name} must be keyword-only (after *)")
            if p.name == "seed":
                seeded = True
                continue
            if p.name in RESERVED:
                raise ValueError(f"experiment {name!r}: parameter name {p.name!r} is reserved for records")
            if p.annotation is not inspect.Parameter.empty:
                tps[p.name] = p.annotation
                _type_name(p.annotation)
            if p.default is inspect.Parameter.empty:
                required.append(p.name)
            else:
                optional[p.name] = p.default
        _REGISTRY[name] = Experiment(name, func, tuple(required), optional, tps, seeded, check)
        return func

    return register


def get(name: str) -> Experiment:
    """The experiment registered as ``name``; ValueError listing the known ones otherwise."""
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(f"experiment={name!r} is not a registered experiment; choose one of "
                         f"{', '.join(map(repr, names()))}")
    return _REGISTRY[name]


def names() -> list:
    """Names of the registered experiments, sorted."""
    return sorted(_REGISTRY)


def check_result(name: str, result, params: dict) -> dict:
    """Check an experiment's output: a flat dict of scalars and numeric arrays, not clashing with params.

    numpy scalars become Python scalars, lists/tuples of numbers become arrays; anything else is a TypeError
    naming the key (so a bad record fails its task instead of corrupting the store).
    """
    if not isinstance(result, dict):
        raise TypeError(f"experiment {name!r} must return a dict, got {type(result).__name__}")
    out = {}
    for key, value in result.items():
        if not isinstance(key, str):
            raise TypeError(f"experiment {name!r} returned a non-string key {key!r}")
        if key in RESERVED or key in params:
            raise ValueError(f"experiment {name!r} returned key {key!r}, which is a parameter or reserved name")
        if isinstance(value, np.generic) and not isinstance(value, np.void):
            value = value.item()
        if value is None or isinstance(value, (bool, int, float, str)):
            out[key] = value
            continue
        if isinstance(value, (list, tuple)):
            value = np.asarray(value)
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject or value.dtype.kind not in "biufcSU":
                raise TypeError(f"experiment {name!r}: result {key!r} has unsupported dtype {value.dtype}")
            out[key] = value
            continue
        raise TypeError(f"experiment {name!r}: result {key!r} must be a scalar or a numeric array, "
                        f"got {type(value).__name__}")
    return out


def run(name: str, params: dict | None = None, seed=None) -> dict:
    """Validate and run experiment ``name``; return its record (results + metadata).

    The record holds the results under their own keys plus ``experiment``, ``params`` (the given ones),
    ``seed``, ``hash`` (:func:`task_hash`), ``version`` (``wfm.__version__``), ``host`` and ``wall_time``
    (seconds).
    """
    from . import __version__

    exp = get(name)
    params = exp.validate(dict(params or {}), seed)
    seed = None if seed is None else int(seed)
    kwargs = dict(params)
    if exp.seeded:
        kwargs["seed"] = seed
    t0 = time.perf_counter()
    result = exp.func(**kwargs)
    wall = time.perf_counter() - t0
    record = check_result(name, result, params)
    record.update(experiment=name, params=params, seed=seed, hash=task_hash(name, params, seed),
                  version=__version__, host=socket.gethostname(), wall_time=wall)
    return record


# ----------------------------------------------------------------------------------------------------------
# experiments that need nothing but numpy: tests and benchmarks of the sweep machinery


@experiment("echo")
def echo(*, x: float = 0.0, size: int = 3, fail: bool = False, seed: int) -> dict:
    """Trivial experiment: returns ``x``, one uniform draw and ``size`` Gaussian draws from ``seed``.

    ``fail=true`` raises (to exercise failed tasks). Used to measure scheduling overhead.
    """
    if fail:
        raise RuntimeError(f"echo asked to fail (x={x}, seed={seed})")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return {"x_out": x, "u": float(rng.random()), "z": rng.standard_normal(size)}


def _check_sleep(p):
    if p["seconds"] < 0:
        raise ValueError(f"seconds must be >= 0, got {p['seconds']}")


@experiment("sleep", check=_check_sleep)
def sleep(*, seconds: float = 0.1, fail: bool = False, fail_if_exists: str = "", crash_once: str = "",
          log: str = "", seed: int) -> dict:
    """Sleeps ``seconds`` then returns a seeded draw: a stand-in for a long task in kill/resume tests.

    ``fail=true`` raises after sleeping; ``fail_if_exists=PATH`` raises if PATH exists (a failure that can be
    fixed, for ``--retry-failed``). ``crash_once=PATH`` kills its own worker process with SIGKILL half way
    through the first time it runs (creating PATH), to test that a task whose worker dies is not lost.
    ``log=PATH`` appends one line ``seed pid ppid`` to PATH when the task completes, so tests can count how
    many times each task ran and in which process.
    """
    _check_sleep({"seconds": seconds})
    time.sleep(seconds / 2)
    if crash_once:
        try:
            fd = os.open(crash_once, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass
        else:
            os.close(fd)
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(seconds / 2)
    if fail:
        raise RuntimeError(f"sleep asked to fail (seed={seed})")
    if fail_if_exists and os.path.exists(fail_if_exists):
        raise RuntimeError(f"sleep: {fail_if_exists} exists (seed={seed})")
    if log:
        fd = os.open(log, os.O_CREAT | os.O_APPEND | os.O_WRONLY)
        try:
            os.write(fd, f"{seed} {os.getpid()} {os.getppid()}\n".encode())
        finally:
            os.close(fd)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return {"u": float(rng.random()), "slept": seconds}


def _check_cpu(p):
    if p["size"] < 1:
        raise ValueError(f"size must be >= 1, got {p['size']}")
    if p["repeats"] < 0:
        raise ValueError(f"repeats must be >= 0, got {p['repeats']}")


@experiment("cpu", check=_check_cpu)
def cpu(*, size: int = 150, repeats: int = 20, seed: int) -> dict:
    """Deterministic CPU-bound work: ``repeats`` exact integer products X <- (A X) mod 1000003, A random ±1.

    Integer matrix products do not go through BLAS, so the result is bit-identical whatever the threads or
    the machine; the cost grows as ``repeats * size**3``. Used for the parallel speed-up benchmark.
    """
    _check_cpu({"size": size, "repeats": repeats})
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    a = rng.choice(np.array([-1, 1], dtype=np.int64), size=(size, size))
    x = a.copy()
    trace = 0
    for _ in range(repeats):
        x = (a @ x) % 1_000_003
        trace = (trace + int(np.trace(x))) % 1_000_003
    return {"trace": trace, "row_sums": x.sum(axis=1)}


# ----------------------------------------------------------------------------------------------------------
# scientific experiments
#
# The instance parameters are the same in every experiment that builds one (and the same names as the
# `wfm solve` command line): model, n, k, activation, weights, margin, alpha, patterns, data_seed. The
# patterns are drawn from ``data_seed`` if given (to run several solver seeds on one instance), else from the
# task seed; the solver draws from the task seed (an independent stream: SeedSequence children differ from
# their root).

Model = Literal["perceptron", "tree", "committee", "parity"]
Weights = Literal["binary", "spherical"]
Activation = Literal["sign", "relu"]
PatternKind = Literal["binary", "gaussian"]


def _model(p):
    from .models import model_from_description

    desc = {"model": p["model"], "n": p["n"], "weights": p["weights"], "margin": p["margin"]}
    if p["model"] == "perceptron":
        if p.get("k") is not None:
            raise ValueError("k is the number of hidden units of a committee; a perceptron takes no k")
    else:
        if p.get("k") is None:
            raise ValueError(f"model={p['model']!r} needs k (number of hidden units)")
        desc["k"] = p["k"]
    if p["model"] in ("tree", "committee"):
        desc["activation"] = p["activation"]
    elif p["activation"] != "sign":
        raise ValueError(f"activation={p['activation']!r} is only for tree/committee models")
    return model_from_description(desc)


def _instance(p, seed):
    from .data import random_patterns

    model = _model(p)
    data_seed = p["data_seed"] if p.get("data_seed") is not None else seed
    pats = random_patterns(model.n, alpha=p["alpha"], kind=p["patterns"], seed=data_seed, model=model)
    return model, pats


def _check_instance(p):
    """Cheap checks run when a spec is validated: the model builds, α > 0, the method and its options exist."""
    from .core.checks import check_float, check_options

    _model(p)
    check_float("alpha", p["alpha"], positive=True)
    if "method" in p:
        from .solvers import method_info

        info = method_info(p["method"])  # ValueError listing the methods
        check_options(f"method={p['method']!r}", p.get("options") or {}, info["options"])


def _solve(p, model, pats, seed):
    from .solvers import solve as _wfm_solve

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


@experiment("local-entropy", check=_check_instance)
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
    from .bp import local_entropy as _local_entropy

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
    from .landscape import local_energy as _local_energy

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
    from .landscape import hessian_spectrum
    from .losses import cross_entropy

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

    from . import theory as T

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


@experiment("exact", check=_check_instance)
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
    from . import exact as X

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


# Figure-specific experiments live next to the figures (wfm/figures/experiments.py) and register themselves
# with the decorator above; importing them here makes every process that knows the registry know them too.
from .figures import experiments as _figure_experiments  # noqa: E402,F401

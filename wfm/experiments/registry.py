"""The experiment registry: one pure function ``params -> record`` per named experiment.

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
``numpy.random.SeedSequence``; one without ``seed`` is deterministic.

An experiment returns a flat ``dict`` of scalars (bool, int, float, str, None) and NumPy arrays; its keys may
not repeat a parameter name. :func:`run` wraps it into a *record* that also carries the experiment name and
version, the parameters, the seed, ``wfm.__version__``, the wall time, the host and the task hash.

Task identity. A task is identified by the content hash (:func:`task_hash`) of its *identity*
(:meth:`Experiment.identity`): the experiment name, the experiment's ``version`` (declared on the decorator,
``@experiment("solve", version=2)``; default 1), **every** parameter with its default filled in, and the seed.
An experiment that has both a ``method`` and an ``options`` parameter, where ``method`` names a solver of
:mod:`wfm.solvers`, also has its options resolved: the method's registered defaults are filled in
(``wfm.solvers.resolve_options``), so the identity holds the options the solver really runs with. An experiment
may declare ``resolve=f`` to resolve further (``f(params) -> params``, all parameters given). Consequently:
a changed default of an experiment or of a method, a new option of a method, or a bumped experiment version
gives new tasks (records computed before are *stale*: ``wfm sweep status`` counts them, ``wfm.sweep.load``
leaves them out); giving a parameter explicitly at its default value is the same task as leaving it out.
Bump ``version`` when an experiment's computation or record changes for the same parameters.

(Stores written before task identities included defaults and versions -- store schema 1 -- hold hashes of the
given parameters only: every record of such a store is stale once, and is recomputed when its sweep runs
again.)

Validation (:meth:`Experiment.validate`, run on every task of a spec before anything runs): the declared
types, the experiment's ``check`` (cheap value checks, e.g. that a model can be built or a size limit), and for
a ``method``/``options`` pair the method's option names, types and values (``wfm.solvers.validate_options``).

Experiments import the scientific modules they use inside their body, so this registry imports (and a
sweep validates a spec) without loading them.
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import numbers
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
    "content_hash",
    "task_identities",
    "canonical_identity",
    "hash_with_seed",
    "canonical_json",
    "RESERVED",
]

#: names that records use for their metadata: no parameter or result may take them
RESERVED = frozenset(
    {"experiment", "hash", "seed", "params", "version", "host", "wall_time", "status", "error",
     "attempts", "started_at", "finished_at", "experiment_version", "identity", "stale"}
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


def content_hash(obj) -> str:
    """sha256 (hex) of :func:`canonical_json` of ``obj``.

    The same object gives the same hash in every run, on every machine and Python version: the JSON is
    canonical (sorted keys; ``1`` and ``1.0`` are the same number; floats written with their shortest
    round-trip representation).
    """
    return hashlib.sha256(canonical_json(obj).encode("ascii")).hexdigest()


def task_hash(experiment: str, params: dict, seed) -> str:
    """The hash of a task: :func:`content_hash` of its identity (:meth:`Experiment.identity`).

    ``experiment`` must be registered (its version, defaults and resolution are part of the identity). The
    identity is ``{"experiment", "version", "params" (every parameter, defaults filled in, method options
    resolved), "seed"}``, so a changed default or experiment version gives a new hash.
    """
    return content_hash(get(experiment).identity(params, seed))


def canonical_identity(experiment: str, params: dict) -> dict:
    """The identity of ``experiment`` with ``params`` (:meth:`Experiment.identity`) in canonical form, without
    its seed: give it to :func:`hash_with_seed`."""
    return _canonical(get(experiment).identity(params, None), "params")


def hash_with_seed(identity: dict, seed) -> tuple:
    """``(task hash, identity as canonical JSON)`` of a :func:`canonical_identity` completed with ``seed``."""
    text = json.dumps({**identity, "seed": None if seed is None else int(seed)}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest(), text


def task_identities(experiment: str, params: dict, seeds) -> list:
    """``[(task_hash, identity as canonical JSON), ...]`` for each seed of ``seeds``, resolving the identity
    (:meth:`Experiment.identity`) once."""
    ident = canonical_identity(experiment, params)
    # the canonical JSON is the same around the seed for every seed: write it once, put each seed in
    head, _, tail = hash_with_seed(ident, None)[1].rpartition(',"seed":null,')
    out = []
    for seed in seeds:
        text = f'{head},"seed":{"null" if seed is None else int(seed)},{tail}'
        out.append((hashlib.sha256(text.encode("ascii")).hexdigest(), text))
    return out


def _solver_options(options):
    """``options`` (None, a dict, or a JSON object as text) as a dict, or None if it cannot be read."""
    if options is None or options == "":
        return {}
    if isinstance(options, str):
        try:
            options = json.loads(options)
        except json.JSONDecodeError:
            return None
    return dict(options) if isinstance(options, dict) else None


def _is_solver(method) -> bool:
    from ..solvers import is_method

    return is_method(method)


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
    starts; ``version`` (an integer >= 1) is part of the task identity; ``resolve`` (optional) maps the full
    parameters to the ones that determine the result (see the module docstring).
    """

    name: str
    func: Callable[..., dict]
    required: tuple
    optional: dict
    types: dict
    seeded: bool
    check: Callable[[dict], None] | None = None
    version: int = 1
    resolve: Callable[[dict], dict] | None = None

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.func) or ""

    @property
    def params(self) -> tuple:
        """All parameter names (required first), excluding ``seed``."""
        return tuple(self.required) + tuple(self.optional)

    def validate(self, params: dict, seed=None) -> dict:
        """Return ``params`` checked and converted; TypeError/ValueError naming the offending parameter.

        Only the given parameters are returned (defaults are filled in by :meth:`identity`). Checks: names,
        declared types, the seed, the experiment's ``check`` (with the defaults filled in) and, for a
        ``method``/``options`` pair naming a solver, the option names, types and values
        (``wfm.solvers.validate_options``, without the model: model-dependent checks belong to ``check``).
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
        full = {**self.optional, **out}
        if "method" in full and "options" in full and _is_solver(full["method"]):
            from ..solvers import validate_options

            opts = _solver_options(full["options"])
            if opts is not None:  # options that are not a table: the experiment's check says so
                validate_options(full["method"], opts)
        if self.check is not None:
            self.check(full)
        return out

    def identity(self, params: dict, seed=None) -> dict:
        """What identifies a task: ``{"experiment", "version", "params", "seed"}``.

        ``params``: the given (validated) parameters; the identity holds all of them with the defaults filled
        in, passed through ``resolve`` if the experiment declares one, and with the ``options`` of a
        ``method`` that names a solver completed with the method's defaults (as a table, even where the
        experiment takes them as JSON text). :func:`task_hash` hashes it.
        """
        full = {**self.optional, **params}
        if self.resolve is not None:
            full = dict(self.resolve(dict(full)))
        if "method" in full and "options" in full and _is_solver(full["method"]):
            opts = _solver_options(full["options"])
            if opts is not None:
                from ..solvers import resolve_options

                full["options"] = resolve_options(full["method"], opts)
        return {"experiment": self.name, "version": self.version, "params": full,
                "seed": None if seed is None else int(seed)}

    def describe(self) -> str:
        """One line per parameter: name, type, default."""
        lines = [f"{self.name} (version {self.version}): {self.doc.splitlines()[0] if self.doc else ''}"]
        for p in self.params:
            tp = self.types.get(p, inspect.Parameter.empty)
            t = "" if tp is inspect.Parameter.empty else f" ({_type_name(tp)})"
            d = " required" if p in self.required else f" = {self.optional[p]!r}"
            lines.append(f"    {p}{t}{d}")
        if self.seeded:
            lines.append("    seed (an integer >= 0) required")
        return "\n".join(lines)


def experiment(name: str, *, check: Callable[[dict], None] | None = None, version: int = 1,
               resolve: Callable[[dict], dict] | None = None):
    """Decorator registering ``func`` as experiment ``name`` (see the module docstring).

    ``check(params)``: cheap validation of the parameter values (defaults filled in), run on every task of a
    spec before anything runs. ``version``: an integer >= 1, part of the task identity; bump it when the
    computation or the record changes for the same parameters (the records computed before become stale).
    ``resolve(params) -> params``: the parameters that determine the result, given all of them (e.g. a
    ``None`` default replaced by the value it stands for), for the task identity.
    """
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"version of experiment {name!r} must be an integer >= 1, got {version!r}")

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
        _REGISTRY[name] = Experiment(name, func, tuple(required), optional, tps, seeded, check, version, resolve)
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

    The record holds the results under their own keys plus ``experiment``, ``experiment_version``,
    ``params`` (the given ones), ``seed``, ``hash`` (:func:`task_hash`), ``version`` (``wfm.__version__``),
    ``host`` and ``wall_time`` (seconds).
    """
    from ..core import __version__

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
    record.update(experiment=name, experiment_version=exp.version, params=params, seed=seed,
                  hash=content_hash(exp.identity(params, seed)), version=__version__, host=socket.gethostname(),
                  wall_time=wall)
    return record

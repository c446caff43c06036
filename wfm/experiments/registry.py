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
not repeat a parameter name. :func:`run` wraps it into a *record* that also carries the experiment name, the
parameters, the seed, ``wfm.__version__``, the wall time, the host and the content hash of
(experiment, parameters, seed).

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
    record.update(experiment=name, params=params, seed=seed, hash=task_hash(name, params, seed),
                  version=__version__, host=socket.gethostname(), wall_time=wall)
    return record

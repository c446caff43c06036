"""Learning algorithms behind one entry point, :func:`solve`.

A method is a function ``run(model, patterns, rng, progress, **options) -> Run`` registered with
:func:`register` together with its options and their defaults, the models it applies to and a one-line
description. :func:`solve` validates everything (unknown method or option → error naming it), seeds the
method from ``seed`` through ``numpy.random.SeedSequence``, times it, and checks the returned weights
**independently** of the method's own bookkeeping: ``solved`` is true only if ``model.errors(weights) == 0``.

``wfm.solve(model, patterns, method="?")`` (or ``wfm methods``) lists the methods.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..core.checks import check_choice, check_options, check_seed
from ..core.records import load_npz, save_npz
from ..data import Patterns
from ..instance import Instance, model_from_description
from ..models import Model

__all__ = ["solve", "SolveResult", "Run", "register", "methods", "method_info", "resolve_options",
           "validate_options", "is_method"]


@dataclass
class Run:
    """What a method returns to :func:`solve`: final weights, iterations done, per-step history, extras."""

    weights: np.ndarray
    iterations: int
    history: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


@dataclass
class SolveResult:
    """Result of :func:`solve`.

    Attributes: ``weights`` (the model's weight shape), ``solved`` (zero training errors, checked by
    ``model.errors``), ``n_errors``, ``iterations`` (sweeps/epochs/steps as the method counts them),
    ``seconds``, ``history`` (dict of equal-length arrays: per-step energy, errors, γ, β, norms …),
    ``method``, ``seed``, ``options`` (all options, defaults filled in), ``model`` (its description),
    ``extra`` (method-specific results: e.g. which replica solved, the protocol trace), ``instance`` (the
    :class:`~wfm.instance.Instance` description of the patterns when they were built from one, else None:
    with it a saved result can be measured again on its own patterns, see :meth:`rebuild`).
    """

    weights: np.ndarray
    solved: bool
    n_errors: int
    iterations: int
    seconds: float
    history: dict
    method: str
    seed: int | None
    options: dict
    model: dict
    extra: dict = field(default_factory=dict)
    instance: dict | None = None

    @property
    def training_error(self) -> float:
        return self.n_errors / max(1, self.extra.get("p", 1))

    def summary(self) -> dict:
        """Scalars only (for printing, records and ``--json``)."""
        return {"method": self.method, "solved": self.solved, "n_errors": self.n_errors,
                "iterations": self.iterations, "seconds": round(self.seconds, 6), "seed": self.seed,
                "model": self.model, "options": self.options, "instance": self.instance}

    def save(self, path):
        """Save to ``.npz`` (arrays) with a JSON header; no pickle, so a file from elsewhere is safe to load."""
        meta = {k: getattr(self, k) for k in ("solved", "n_errors", "iterations", "seconds", "method", "seed",
                                                "options", "model", "instance")}
        arrays = {"weights": np.asarray(self.weights)}
        extra_meta = {}
        for k, v in self.extra.items():
            if isinstance(v, np.ndarray):
                arrays["extra__" + k] = v
            else:
                extra_meta[k] = v
        for k, v in self.history.items():
            arrays["history__" + k] = np.asarray(v)
        meta["extra"] = extra_meta
        save_npz(path, meta, arrays)

    @classmethod
    def load(cls, path) -> "SolveResult":
        """Read a file written by :meth:`save` (ValueError naming ``path`` for anything else)."""
        meta, arrays = load_npz(path)
        if "weights" not in arrays or "method" not in meta:
            raise ValueError(f"path: {path} is not a saved SolveResult (no weights or method)")
        history = {k[len("history__"):]: v for k, v in arrays.items() if k.startswith("history__")}
        extra = dict(meta.pop("extra", {}))
        extra.update({k[len("extra__"):]: v for k, v in arrays.items() if k.startswith("extra__")})
        return cls(weights=arrays["weights"], history=history, extra=extra, **meta)

    def model_object(self) -> Model:
        return model_from_description(self.model)

    def rebuild(self) -> tuple[Model, Patterns]:
        """The model and the patterns this result was computed on, from its :attr:`instance`.

        ValueError if the result carries no instance (patterns from elsewhere: pass them yourself).
        """
        if self.instance is None:
            raise ValueError("this result carries no instance (its patterns were not built from an Instance); "
                             "give the patterns explicitly")
        model, pats = Instance.from_dict(self.instance).build()
        if model.describe() != model_from_description(self.model).describe():
            raise ValueError(f"the result's model {self.model} differs from its instance's {model.describe()}")
        return model, pats


@dataclass(frozen=True)
class _Method:
    name: str
    run: Callable
    options: dict
    description: str
    applies: Callable | None
    option_docs: dict
    renamed: dict = field(default_factory=dict)
    check: Callable | None = None


_REGISTRY: dict[str, _Method] = {}


def register(name, options, description, applies=None, option_docs=None, renamed=None, check=None):
    """Decorator registering ``run(model, patterns, rng, progress, **options) -> Run`` as method ``name``.

    ``options`` maps every accepted option to its default; ``applies(model)`` raises ``ValueError`` when
    the method does not apply to a model (e.g. binary-only methods on continuous weights); ``renamed`` maps
    former option names to the new ones (passing a former name is a TypeError that says the new one);
    ``check(options, model, binary_patterns)`` (optional) makes the method's argument checks without data, for
    :func:`validate_options` (default: the one of :mod:`wfm.solvers.option_checks`, if any).
    """

    def deco(run):
        _REGISTRY[name] = _Method(name, run, dict(options), description, applies, dict(option_docs or {}),
                                  dict(renamed or {}), check)
        return run

    return deco


def methods() -> dict:
    """Method name → {"description", "options" (defaults)}."""
    _load_all()
    return {k: {"description": m.description, "options": dict(m.options), "option_docs": dict(m.option_docs)}
            for k, m in sorted(_REGISTRY.items())}


def method_info(name) -> dict:
    _load_all()
    check_choice("method", name, tuple(sorted(_REGISTRY)))
    return methods()[name]


def resolve_options(name, options) -> dict:
    """The options method ``name`` runs with: its registered defaults updated by ``options``."""
    _load_all()
    check_choice("method", name, tuple(sorted(_REGISTRY)))
    return {**_REGISTRY[name].options, **dict(options or {})}


def _type_of_default(method, key, value, default):
    """TypeError unless ``value`` has the type of ``default`` (None: any type; ints are real numbers)."""
    if default is None:
        return
    if isinstance(value, np.generic):
        value = value.item()
    is_bool = isinstance(value, bool)
    if isinstance(default, bool):
        ok, kind = is_bool, "true or false"
    elif isinstance(default, int):
        ok, kind = isinstance(value, int) and not is_bool, "an integer"
    elif isinstance(default, float):
        ok, kind = isinstance(value, (int, float)) and not is_bool, "a real number"
    elif isinstance(default, str):
        ok, kind = isinstance(value, str), "a string"
    else:
        return
    if not ok:
        raise TypeError(f"option {key} of method={method!r} must be {kind} (default {default!r}), got {value!r}")


def validate_options(name, options, model=None, binary_patterns=None) -> dict:
    """Check the options of method ``name`` without running it; return them with the defaults filled in.

    Checks, in order: the names (unknown option: TypeError listing the allowed ones); each value against the
    type of its default (an integer option takes an integer, a real one a number, a switch true/false, a
    choice a string; options whose default is None, and those of ``option_checks.ANY_TYPE``, take any
    type); the method's own value checks (``check`` of :func:`register`, or :mod:`wfm.solvers.option_checks`);
    with a ``model``, whether the method applies to it and the checks that depend on it (e.g. the shape of
    ``init``). ``binary_patterns``: True/False if the patterns will be ±1/Gaussian, None if unknown.
    Errors are ``TypeError``/``ValueError`` naming the option, as :func:`solve` would raise them.
    """
    from .option_checks import ANY_TYPE, CHECKS

    _load_all()
    check_choice("method", name, tuple(sorted(_REGISTRY)))
    if not isinstance(options, dict):
        raise TypeError(f"options of method={name!r} must be a table (dict), got {options!r}")
    m = _REGISTRY[name]
    renamed = getattr(m, "renamed", None) or {}
    old = sorted(set(options) & set(renamed))
    if old:
        raise TypeError(f"option(s) of method={name!r} renamed: "
                        + ", ".join(f"{o} is now {renamed[o]}" for o in old))
    check_options(f"method={name!r}", options, m.options)
    free = ANY_TYPE.get(name, frozenset())
    for key, value in options.items():
        if key not in free:
            _type_of_default(name, key, value, m.options[key])
    opts = {**m.options, **options}
    check = m.check or CHECKS.get(name)
    if model is not None and m.applies is not None:
        m.applies(model)
    if check is not None:
        check(opts, model, binary_patterns)
    return opts


_MODULES = ("sa", "sgd", "rsgd", "entropy_sgd", "sa_ce", "replicated_sa", "online", "bp", "lal")


_LOADED = []


def _load_all():
    if _LOADED:
        return
    import importlib

    for mod in _MODULES:
        importlib.import_module(f"{__name__}.{mod}")
    _LOADED.append(True)


def is_method(name) -> bool:
    """Whether ``name`` is a registered method."""
    _load_all()
    return isinstance(name, str) and name in _REGISTRY


def solve(model, patterns, method="sa", seed=None, progress=False, **options) -> SolveResult:
    """Train ``model`` on ``patterns`` with ``method``; returns a :class:`SolveResult`.

    ``seed`` (int or None) → ``numpy.random.SeedSequence`` → the method's Generator: the same seed gives
    the same result. ``progress`` shows a progress bar on long runs. ``method="?"`` raises a ValueError
    listing the methods and their options.
    """
    _load_all()
    if method == "?":
        lines = [f"{k}: {v['description']} options={v['options']}" for k, v in methods().items()]
        raise ValueError("available methods:\n" + "\n".join(lines))
    check_choice("method", method, tuple(sorted(_REGISTRY)))
    if not isinstance(model, Model):
        raise TypeError(f"model must be a wfm model (Perceptron, TreeCommittee, ...), got {model!r}")
    if not isinstance(patterns, Patterns):
        raise TypeError(f"patterns must be a wfm.Patterns, got {type(patterns).__name__}")
    if patterns.n != model.n:
        raise ValueError(f"patterns have N={patterns.n} inputs but the model has n={model.n}")
    seed = check_seed("seed", seed)
    m = _REGISTRY[method]
    old = sorted(set(options) & set(m.renamed))
    if old:
        raise TypeError(f"option(s) of method={method!r} renamed: "
                        + ", ".join(f"{o} is now {m.renamed[o]}" for o in old))
    check_options(f"method={method!r}", options, m.options)
    if m.applies is not None:
        m.applies(model)
    opts = {**m.options, **options}
    ss = np.random.SeedSequence(seed)
    rng = np.random.default_rng(ss)
    t0 = time.perf_counter()
    run = m.run(model, patterns, rng, progress, **opts)
    seconds = time.perf_counter() - t0
    weights = model.check_weights(run.weights)
    n_errors = int(model.errors(weights, patterns))
    extra = {"p": patterns.p, **run.extra}
    history = {k: np.asarray(v) for k, v in run.history.items()}
    return SolveResult(weights=weights, solved=n_errors == 0, n_errors=n_errors, iterations=int(run.iterations),
                       seconds=seconds, history=history, method=method, seed=seed, options=opts,
                       model=model.describe(), extra=extra, instance=_instance_of(model, patterns))


def _instance_of(model, patterns):
    """The instance description of ``patterns`` if they were built for this model (else None)."""
    src = patterns.source
    if src is None:
        return None
    try:
        inst = Instance.from_dict(src)
    except (TypeError, ValueError):
        return None
    return src if inst.build_model().describe() == model.describe() else None


def require_binary(model):
    """``applies`` check for methods defined on ±1 weights."""
    if not model.binary:
        raise ValueError(f"this method needs binary weights (weights='binary'), got model={model!r}")

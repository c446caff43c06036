"""The one description of a problem: a model and the patterns it must store (or learn from a teacher).

An :class:`Instance` is everything needed to rebuild a problem exactly:

* the model: ``model`` ("perceptron", "tree", "committee", "parity"), ``n`` inputs, ``k`` hidden units,
  ``activation`` ("sign"/"relu", committees), ``weights`` ("binary"/"spherical"), ``margin`` κ;
* the data: P patterns, given as the load α = P / n_weights (P = round(α·n_weights), computed by
  :func:`wfm.data.n_patterns` and nowhere else) or directly as ``p``; the input ``patterns`` kind ("binary" ±1
  or "gaussian"); the ``data_seed`` (with an optional ``data_seed_key``, the spawn key of a
  ``numpy.random.SeedSequence`` child); ``teacher`` (labels σ^μ given by a random teacher of the same
  architecture instead of uniform random labels) with ``p_test`` test patterns.

It is validated once, on construction (errors name the argument); :meth:`build` gives the model and the
patterns; :meth:`describe` / :meth:`from_dict` give and read a JSON-able dict, which every result and record
carries so that a saved solution can be measured again on its own patterns. The load reported everywhere is
the realized one, :attr:`alpha` = P / n_weights.

Short model names of the figure specs ("tree-sign", "tree-relu", "committee-sign", "committee-relu") are read
here too, so that every vocabulary is parsed in one place.
"""
from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Iterable
from typing import Any, cast

import numpy as np

from .core.checks import check_choice, check_float, check_int
from .data import Patterns, n_patterns, random_patterns, teacher_student
from .models import Committee, Model, ParityMachine, Perceptron, TreeCommittee

__all__ = ["Instance", "MODEL_KINDS", "MODEL_ALIASES", "model_from_description", "split_model_name"]

MODEL_KINDS = ("perceptron", "tree", "committee", "parity")
#: the short names used by figure specs: name -> (model kind, activation)
MODEL_ALIASES = {"tree-sign": ("tree", "sign"), "tree-relu": ("tree", "relu"),
                 "committee-sign": ("committee", "sign"), "committee-relu": ("committee", "relu")}
_CLASSES = {"perceptron": Perceptron, "tree": TreeCommittee, "committee": Committee, "parity": ParityMachine}


def split_model_name(model: str, activation: str | None = None) -> tuple[str, str | None]:
    """``(kind, activation)`` from a model name or short alias; ValueError naming ``model`` otherwise.

    An alias fixes the activation; giving a different ``activation`` with it is an error.
    """
    if model in MODEL_ALIASES:
        kind, act = MODEL_ALIASES[model]
        if activation not in (None, act):
            raise ValueError(f"model={model!r} has activation {act!r}; got activation={activation!r}")
        return kind, act
    check_choice("model", model, MODEL_KINDS + tuple(MODEL_ALIASES))
    return model, activation


def model_from_description(desc: dict) -> Model:
    """Rebuild a model from :meth:`wfm.models.Model.describe` (or any dict with the same keys).

    Keys: ``model`` (a kind or a short alias), ``n``, and as the kind needs them ``k``, ``activation``,
    ``weights``, ``margin`` (and ``tree`` for the parity machine). Unknown keys are an error.
    """
    if not isinstance(desc, dict) or "model" not in desc:
        raise ValueError(f"a model description must be a dict with a 'model' key, got {desc!r}")
    desc = dict(desc)
    kind, act = split_model_name(desc.pop("model"), desc.get("activation"))
    if act is not None:
        desc["activation"] = act
    allowed = {"perceptron": ("n", "weights", "margin"), "tree": ("n", "k", "activation", "weights", "margin"),
               "committee": ("n", "k", "activation", "weights", "margin"),
               "parity": ("n", "k", "weights", "margin", "tree")}[kind]
    if kind in ("perceptron", "parity") and desc.get("activation", "sign") != "sign":
        raise ValueError(f"activation={desc['activation']!r}: model={kind!r} has no activation choice")
    if kind == "perceptron" and desc.get("k") not in (None, 1):
        raise ValueError(f"k={desc['k']!r}: k is the number of hidden units of a committee; a perceptron takes no k")
    for key in ("activation", "k") if kind in ("perceptron", "parity") else ():
        if key not in allowed:
            desc.pop(key, None)
    unknown = sorted(set(desc) - set(allowed))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)} in the description of model={kind!r}; "
                         f"allowed: {', '.join(allowed)}")
    if kind != "perceptron" and desc.get("k") is None:
        raise ValueError(f"model={kind!r} needs k (the number of hidden units)")
    return _CLASSES[kind](**desc)


def _check_seed_key(key: Iterable[Any] | None) -> tuple[int, ...]:
    if key is None:
        return ()
    if isinstance(key, (str, bytes)) or not all(isinstance(x, numbers.Integral) and int(x) >= 0 for x in key):
        raise TypeError(f"data_seed_key must be a sequence of integers >= 0, got {key!r}")
    return tuple(int(x) for x in key)


@dataclasses.dataclass(frozen=True)
class Instance:
    """A model and its patterns (see the module docstring). Give exactly one of ``alpha`` and ``p``.

    Attributes after validation: ``p`` is always set (P); :attr:`alpha` is the realized load P / n_weights;
    ``alpha_requested`` keeps the α that was asked for (None if P was given).
    """

    n: int
    alpha: dataclasses.InitVar[float | None] = None
    p: int | None = None
    model: str = "perceptron"
    k: int | None = None
    activation: str = "sign"
    weights: str = "binary"
    margin: float = 0.0
    patterns: str = "binary"
    data_seed: int | None = 0
    data_seed_key: tuple = ()
    teacher: bool = False
    p_test: int = 0
    alpha_requested: float | None = dataclasses.field(default=None, compare=False)

    def __post_init__(self, alpha: float | None) -> None:
        kind, act = split_model_name(self.model, None if self.activation == "sign" else self.activation)
        object.__setattr__(self, "model", kind)
        object.__setattr__(self, "activation", act or "sign")
        object.__setattr__(self, "n", check_int("n", self.n, min_value=1))
        if kind == "perceptron":
            if self.k not in (None, 1):
                raise ValueError(f"k={self.k!r}: k is the number of hidden units of a committee; a perceptron takes no k")
            object.__setattr__(self, "k", None)
        elif self.k is None:
            raise ValueError(f"model={kind!r} needs k (the number of hidden units)")
        check_choice("patterns", self.patterns, ("binary", "gaussian"))
        if self.data_seed is not None:
            object.__setattr__(self, "data_seed", check_int("data_seed", self.data_seed, min_value=0))
        object.__setattr__(self, "data_seed_key", _check_seed_key(self.data_seed_key))
        if not isinstance(self.teacher, (bool, np.bool_)):
            raise TypeError(f"teacher must be True or False, got {self.teacher!r}")
        object.__setattr__(self, "teacher", bool(self.teacher))
        object.__setattr__(self, "p_test", check_int("p_test", self.p_test, min_value=0))
        if self.p_test and not self.teacher:
            raise ValueError("p_test: test patterns need a teacher (teacher=True); random labels cannot be learned")
        mdl = self.build_model()  # validates n, k, activation, weights, margin together
        requested = None if alpha is None else check_float("alpha", alpha, positive=True)
        if alpha is None and self.alpha_requested is not None:  # read back from a description
            requested = check_float("alpha_requested", self.alpha_requested, positive=True)
            if self.p is not None and n_patterns(requested, None, mdl.n_weights) != self.p:
                raise ValueError(f"alpha_requested={requested} does not give p={self.p} patterns")
            object.__setattr__(self, "p", n_patterns(None if self.p is not None else requested, self.p,
                                                     mdl.n_weights))
        else:
            object.__setattr__(self, "p", n_patterns(requested, self.p, mdl.n_weights))
        object.__setattr__(self, "alpha_requested", requested)

    # -- derived ---------------------------------------------------------------------------------
    @property
    def n_weights(self) -> int:
        return self.build_model().n_weights

    @property
    def alpha_realized(self) -> float:
        """The realized load α = P / n_weights (what every report prints)."""
        return cast(int, self.p) / self.n_weights  # p is set by __post_init__

    def model_description(self) -> dict:
        d = {"model": self.model, "n": self.n, "weights": self.weights, "margin": self.margin}
        if self.model != "perceptron":
            d["k"] = self.k
        if self.model in ("tree", "committee"):
            d["activation"] = self.activation
        return d

    def build_model(self) -> Model:
        return model_from_description(self.model_description())

    def seed_sequence(self) -> np.random.SeedSequence | None:
        if self.data_seed is None:
            return None
        return np.random.SeedSequence(self.data_seed, spawn_key=self.data_seed_key)

    def build(self) -> tuple[Model, Patterns]:
        """``(model, patterns)``: the training patterns of this instance (the same every time)."""
        model = self.build_model()
        return model, self._data(model)[0]

    def build_with_test(self) -> tuple[Model, Patterns, Patterns | None]:
        """``(model, train, test)``; ``test`` is None without a teacher."""
        model = self.build_model()
        train, test = self._data(model)
        return model, train, test

    def _data(self, model: Model) -> tuple[Patterns, Patterns | None]:
        if self.data_seed is None:
            raise ValueError("data_seed=None: an instance without a data seed cannot be rebuilt; give an integer")
        ss = self.seed_sequence()
        desc = self.describe()
        if self.teacher:
            teacher = model_from_description({**self.model_description(), "margin": 0.0})
            train, test_all = teacher_student(teacher, p=self.p, p_test=max(1, self.p_test), kind=self.patterns,
                                              seed=ss, model=model)
            test = test_all if self.p_test else None
        else:
            train = random_patterns(model.n, p=self.p, kind=self.patterns, seed=ss, model=model)
            test = None
        return train.with_source(desc), (test.with_source(desc) if test is not None else None)

    # -- (de)serialization -----------------------------------------------------------------------
    def describe(self) -> dict:
        """A JSON-able dict that :meth:`from_dict` turns back into an equal instance."""
        d = self.model_description()
        d.update(p=self.p, alpha=self.alpha_realized, patterns=self.patterns, data_seed=self.data_seed)
        if self.alpha_requested is not None:
            d["alpha_requested"] = self.alpha_requested
        if self.data_seed_key:
            d["data_seed_key"] = list(self.data_seed_key)
        if self.teacher:
            d.update(teacher=True, p_test=self.p_test)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Instance":
        """Read :meth:`describe` (``alpha`` there is the realized load and is checked against P)."""
        if not isinstance(d, dict):
            raise TypeError(f"an instance description must be a dict, got {type(d).__name__}")
        d = dict(d)
        realized = d.pop("alpha", None)
        if "p" not in d:
            if realized is None:
                raise ValueError("an instance description needs p (or alpha)")
            inst = cls(alpha=realized, **d)
        else:
            inst = cls(**d)
        if realized is not None and "p" in d and not np.isclose(realized, inst.alpha_realized, rtol=1e-12):
            raise ValueError(f"alpha={realized} in the description does not match P/n_weights = {inst.alpha_realized}")
        return inst

    @classmethod
    def from_model(cls, model: Model, *, alpha: float | None = None, p: int | None = None, patterns: str = "binary",
                   data_seed: int | None = 0, data_seed_key: tuple[int, ...] = (), teacher: bool = False,
                   p_test: int = 0) -> "Instance":
        """The instance of ``model`` with the given data description."""
        desc = model.describe()
        kind = desc.pop("model")
        if desc.pop("tree", True) is not True:
            raise ValueError("model: a fully connected parity machine (tree=False) has no Instance form")
        return cls(model=kind, alpha=alpha, p=p, patterns=patterns, data_seed=data_seed,
                   data_seed_key=data_seed_key, teacher=teacher, p_test=p_test, **desc)

    def replace(self, **changes: Any) -> "Instance":
        """A copy with some fields changed (``alpha=`` recomputes P)."""
        d = self.describe()
        d.pop("alpha", None)
        d.pop("alpha_requested", None)
        if "alpha" in changes:
            d.pop("p")
        d.update(changes)
        return Instance.from_dict(d) if "p" in d else Instance(**d)

    def __repr__(self) -> str:
        m = f"{self.model}(n={self.n}" + (f", k={self.k}" if self.k else "") + \
            (f", {self.activation}" if self.model in ("tree", "committee") else "") + f", {self.weights}" + \
            (f", κ={self.margin:g}" if self.margin else "") + ")"
        data = f"P={self.p} (α={self.alpha_realized:.4g}), {self.patterns} patterns, data_seed={self.data_seed}"
        if self.data_seed_key:
            data += f"/{list(self.data_seed_key)}"
        if self.teacher:
            data += f", teacher, {self.p_test} test patterns"
        return f"Instance({m}, {data})"

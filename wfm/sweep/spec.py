"""Sweep specs: a TOML file or a dict, validated and expanded into tasks with a stable content hash.

A spec::

    experiment = "solve"
    seeds = 8                 # seeds 0..7; or a list [3, 5, 11]; or {start = 100, count = 8}
    store = "solve.sqlite"    # optional; relative to the spec file; default: the spec's name + .sqlite
    timeout = 600             # optional: seconds per task; a task over it is failed ("timeout after 600 s")
    name = "..."              # optional, with description = "...": free text for the reader
    [params]                  # fixed parameters
    model = "perceptron"
    n = 401
    [grid]                    # cartesian product of these lists
    alpha = [0.3, 0.4, 0.5]
    [zip]                     # lists of equal length, taken in step (one axis of the product)
    n = [101, 201]
    max_iters = [1000, 2000]

expands to ``len(params-product) x len(seeds)`` tasks, in a fixed order (grid axes in the order written, the
zip axis after them, seeds innermost). Every task is validated before anything runs (:mod:`wfm.experiments`):
an unknown experiment, an unknown or missing parameter, a badly typed value, a value the experiment's checks
reject (e.g. a size beyond what it can compute), an unknown method option or a bad option value, or an
inconsistent spec is a ``ValueError``/``TypeError`` naming it.

A task's hash is that of its identity (``wfm.experiments.task_hash``): experiment, experiment version, every
parameter with its default filled in (a method's options too), seed. Two specs that differ only by writing
out a default give the same tasks; a changed default gives new ones.

The seed of a task is a plain integer: the experiment turns it into streams with
``numpy.random.SeedSequence``, so a record is the same wherever its task runs. The same seed at different
grid points gives common random numbers (e.g. the same patterns at every α for a given n), which is usually
what one wants when comparing points.
"""
from __future__ import annotations

import dataclasses
import itertools
import json
import numbers
import os
from pathlib import Path

import numpy as np

from .. import experiments as _experiments

__all__ = ["Task", "Spec", "load_spec", "check_timeout"]

_KEYS = {"experiment", "seeds", "params", "grid", "zip", "store", "name", "description", "timeout"}


@dataclasses.dataclass(frozen=True)
class Task:
    """One unit of work: an experiment, its (validated) parameters and a seed, identified by ``hash``.

    ``identity``: the canonical JSON of what the hash is taken of (``wfm.experiments.Experiment.identity``);
    ``version``: the experiment's version.
    """

    experiment: str
    params: dict
    seed: int | None
    hash: str
    identity: str | None = None
    version: int | None = None

    def payload(self) -> tuple:
        """What a worker needs to run the task (plain, picklable data), including the experiment's module."""
        module = _experiments.get(self.experiment).func.__module__
        return (self.hash, self.experiment, self.params, self.seed, module)


def _toml_load(path: Path) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ValueError(f"spec file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"spec file {str(path)!r} is not valid TOML: {exc}") from None


def _seeds(value) -> list:
    if value is None:
        return [0]
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"seeds must be a count, a list of integers or {{start, count}}, got {value!r}")
    if isinstance(value, numbers.Integral):
        if value < 1:
            raise ValueError(f"seeds must be >= 1 (a number of seeds), got {value}")
        return list(range(int(value)))
    if isinstance(value, dict):
        extra = sorted(set(value) - {"start", "count"})
        if extra or "count" not in value:
            raise ValueError(f"seeds table takes start (default 0) and count, got keys {sorted(value)}")
        start, count = value.get("start", 0), value["count"]
        for k, v in (("seeds.start", start), ("seeds.count", count)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < (1 if k == "seeds.count" else 0):
                raise ValueError(f"{k} must be an integer >= {1 if k == 'seeds.count' else 0}, got {v!r}")
        return list(range(int(start), int(start) + int(count)))
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("seeds must not be an empty list")
        out = []
        for s in value:
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral) or s < 0:
                raise ValueError(f"seeds must be integers >= 0, got {s!r}")
            out.append(int(s))
        if len(set(out)) != len(out):
            raise ValueError(f"seeds has repeated values: {out}")
        return out
    raise TypeError(f"seeds must be a count, a list of integers or {{start, count}}, got {value!r}")


def check_timeout(value, where="timeout"):
    """None, or a number of seconds > 0 (a float)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where} must be a number of seconds > 0, got {value!r}")
    value = float(value)
    if not (value > 0 and np.isfinite(value)):
        raise ValueError(f"{where} must be a number of seconds > 0, got {value}")
    return value


@dataclasses.dataclass
class Spec:
    """A validated sweep spec (see the module docstring). Build it with :func:`load_spec`."""

    experiment: str
    params: dict
    grid: dict
    zip: dict
    seeds: list | None
    store: str | None = None
    source: str | None = None
    name: str | None = None
    timeout: float | None = None

    @classmethod
    def from_dict(cls, spec: dict, *, base_dir=None, source=None) -> "Spec":
        if not isinstance(spec, dict):
            raise TypeError(f"a sweep spec must be a dict (or a TOML file), got {type(spec).__name__}")
        unknown = sorted(set(spec) - _KEYS)
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(unknown)} in sweep spec; allowed: {', '.join(sorted(_KEYS))}")
        if "experiment" not in spec:
            raise ValueError("sweep spec needs `experiment` (one of " + ", ".join(_experiments.names()) + ")")
        exp = _experiments.get(spec["experiment"])
        params = spec.get("params") or {}
        grid = spec.get("grid") or {}
        zipped = spec.get("zip") or {}
        for key, table in (("params", params), ("grid", grid), ("zip", zipped)):
            if not isinstance(table, dict):
                raise TypeError(f"[{key}] must be a table (dict), got {type(table).__name__}")
        for key, table in (("grid", grid), ("zip", zipped)):
            for name, values in table.items():
                if not isinstance(values, (list, tuple)) or len(values) == 0:
                    raise ValueError(f"[{key}] {name} must be a non-empty list, got {values!r}")
        if zipped:
            lengths = {name: len(v) for name, v in zipped.items()}
            if len(set(lengths.values())) > 1:
                raise ValueError(f"[zip] lists must have equal lengths, got {lengths}")
        seen = {}
        for key, table in (("params", params), ("grid", grid), ("zip", zipped)):
            for name in table:
                if name in seen:
                    raise ValueError(f"parameter {name!r} appears in both [{seen[name]}] and [{key}]")
                seen[name] = key
        if "seed" in seen:
            raise ValueError(f"give seeds with the top-level `seeds` key, not as a parameter in [{seen['seed']}]")
        if exp.seeded:
            seeds = _seeds(spec.get("seeds"))
        else:
            if spec.get("seeds") is not None:
                raise ValueError(f"experiment {exp.name!r} is deterministic (takes no seed): remove `seeds`")
            seeds = None
        store = spec.get("store")
        if store is not None:
            if not isinstance(store, str):
                raise TypeError(f"store must be a path string, got {store!r}")
            if base_dir is not None and not os.path.isabs(store):
                store = str(Path(base_dir) / store)
        timeout = check_timeout(spec.get("timeout"))
        self = cls(exp.name, dict(params), {k: list(v) for k, v in grid.items()},
                   {k: list(v) for k, v in zipped.items()}, seeds, store, source, spec.get("name"), timeout)
        self.tasks()  # validate every task now, before anything runs
        return self

    def points(self):
        """The parameter sets (without seed), in expansion order."""
        names = list(self.grid)
        axes = [self.grid[n] for n in names]
        zip_names = list(self.zip)
        zip_axis = [dict(zip(zip_names, vals)) for vals in zip(*self.zip.values())] if self.zip else [{}]
        for combo in itertools.product(*axes):
            for z in zip_axis:
                yield {**self.params, **dict(zip(names, combo)), **z}

    def tasks(self) -> list:
        """All tasks, validated, hashed, in expansion order (duplicates removed, first kept).

        Each parameter set is validated once (its checks do not depend on the seed) and its identity resolved
        once; the seeds were checked by :func:`_seeds`.
        """
        exp = _experiments.get(self.experiment)
        seeds = self.seeds if self.seeds is not None else [None]
        out, seen = [], set()
        for point in self.points():
            try:
                params = exp.validate(point, seeds[0])
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{exc} (sweep spec{'' if self.source is None else ' ' + repr(self.source)})") from None
            for seed, (h, ident) in zip(seeds, _experiments.task_identities(exp.name, params, seeds)):
                if h not in seen:
                    seen.add(h)
                    out.append(Task(exp.name, params, seed, h, ident, exp.version))
        return out

    def __len__(self):
        n = 1
        for v in self.grid.values():
            n *= len(v)
        if self.zip:
            n *= len(next(iter(self.zip.values())))
        return n * (len(self.seeds) if self.seeds is not None else 1)

    def to_dict(self) -> dict:
        d = {"experiment": self.experiment}
        if self.seeds is not None:
            d["seeds"] = list(self.seeds)
        if self.timeout is not None:
            d["timeout"] = self.timeout
        for key in ("params", "grid", "zip"):
            if getattr(self, key):
                d[key] = getattr(self, key)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)


def load_spec(spec) -> Spec:
    """A :class:`Spec` from a path to a TOML file, a dict, or a Spec (returned as is)."""
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, dict):
        return Spec.from_dict(spec)
    if isinstance(spec, (str, os.PathLike)):
        path = Path(spec)
        data = _toml_load(path)
        self = Spec.from_dict(data, base_dir=path.parent, source=str(path))
        if self.store is None:
            self.store = str(path.with_suffix(".sqlite"))
        return self
    raise TypeError(f"spec must be a path to a TOML file or a dict, got {type(spec).__name__}")

"""What every command shares: the parser that fails in one line, the instance flags, the KEY=VALUE option
parser, the progress switch, a saved reference solution, JSON output.

Flags mean one thing in every command: ``--model/--n/--k/--activation/--weights/--margin/--alpha/--p/
--patterns/--data-seed/--teacher/--p-test`` describe the instance; ``-o/--option KEY=VALUE`` passes options;
``--reference FILE`` is a saved solution (its instance comes with it); ``--method`` is a learning method;
``--progress/--no-progress`` (default: on) shows progress bars on stderr; ``--json`` prints one record.
"""
from __future__ import annotations

import argparse
import json
import sys

from ..core.records import to_jsonable

__all__ = ["Parser", "add_instance_arguments", "instance_from_args", "add_option_argument", "parse_options",
           "add_progress_argument", "add_json_argument", "add_reference_argument", "load_reference", "print_json",
           "INSTANCE_FLAGS"]


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line on stderr and exit code 2 (no usage dump)."""

    def error(self, message):  # pragma: no cover - exercised through subprocess tests
        self.exit(2, f"wfm: error: {message}\n")


def _nonneg_int(name):
    def conv(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if v < 0:
            raise argparse.ArgumentTypeError(f"must be >= 0, got {v}")
        return v
    return conv


def _real(name):
    def conv(text):
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a real number, got {text!r}") from None
    return conv


#: instance flag -> (Instance field, default)
INSTANCE_FLAGS = {"model": "perceptron", "n": 201, "k": None, "activation": "sign", "weights": "binary",
                  "margin": 0.0, "alpha": None, "p": None, "patterns": "binary", "data_seed": 0, "teacher": False,
                  "p_test": 0}


def add_instance_arguments(p, *, n=201, alpha=0.3, models=("perceptron", "tree", "committee", "parity")):
    """The instance flags. Their defaults are applied by :func:`instance_from_args`, so that a flag given
    explicitly can be told apart from a default (and checked against a saved instance)."""
    g = p.add_argument_group("instance (ignored where --reference brings its own; a different value is an error)")
    g.add_argument("--model", default=None, metavar="MODEL",
                   help=f"{' | '.join(models)} (default perceptron); also tree-sign, tree-relu, committee-sign, "
                        "committee-relu")
    g.add_argument("--n", type=_nonneg_int("--n"), default=None, help=f"number of inputs N (default {n})")
    g.add_argument("--k", type=_nonneg_int("--k"), default=None, help="hidden units K of a committee (default 3)")
    g.add_argument("--activation", default=None, help="sign | relu: hidden units of a committee (default sign)")
    g.add_argument("--weights", default=None, help="binary | spherical (default binary)")
    g.add_argument("--margin", type=_real("--margin"), default=None, metavar="KAPPA",
                   help="margin κ: a pattern is an error when its stability is <= κ (default 0)")
    g.add_argument("--alpha", type=_real("--alpha"), default=None,
                   help=f"load α = P / (number of weights) (default {alpha}); or give --p")
    g.add_argument("--p", type=_nonneg_int("--p"), default=None, help="number of patterns P (instead of --alpha)")
    g.add_argument("--patterns", default=None, help="binary (±1) | gaussian inputs (default binary)")
    g.add_argument("--data-seed", type=_nonneg_int("--data-seed"), default=None,
                   help="seed of the patterns (default 0)")
    g.add_argument("--teacher", action="store_true", default=None,
                   help="labels from a random teacher of the same architecture (default: random labels)")
    g.add_argument("--p-test", type=_nonneg_int("--p-test"), default=None,
                   help="test patterns labelled by the teacher (needs --teacher; default 0)")
    p.set_defaults(_instance_defaults={"n": n, "alpha": alpha})


def _given(args):
    """The instance flags given on the command line: {field: value}."""
    return {f: getattr(args, f) for f in INSTANCE_FLAGS if getattr(args, f, None) is not None}


def instance_from_args(args, saved=None):
    """The :class:`~wfm.instance.Instance` of a command: from ``saved`` (a description that came with a
    reference file) if any, else from the flags with the command's defaults.

    With a saved instance, a flag given with a different value is an error naming both values.
    """
    from ..instance import Instance

    given = _given(args)
    if saved is not None:
        inst = Instance.from_dict(saved)
        d = inst.describe()
        for f, v in given.items():
            if f == "alpha":
                ref = d.get("alpha_requested", d["alpha"])
                same = abs(v - ref) <= 1e-12 * max(1.0, abs(ref)) or abs(v - d["alpha"]) <= 1e-12
            elif f == "model":
                from ..instance import split_model_name
                kind, act = split_model_name(v)
                same = kind == d["model"] and (act is None or act == d.get("activation", "sign"))
            else:
                ref = d.get(f, INSTANCE_FLAGS[f])
                same = v == ref
            if not same:
                shown = d.get("alpha_requested", d["alpha"]) if f == "alpha" else d.get(f, INSTANCE_FLAGS[f])
                raise ValueError(f"--{f.replace('_', '-')} {v} conflicts with the saved instance of --reference "
                                 f"({f.replace('_', '-')} = {shown}); leave it out to measure the saved instance")
        return inst
    defaults = dict(INSTANCE_FLAGS)
    defaults.update(getattr(args, "_instance_defaults", {}))
    kw = {**defaults, **given}
    if "p" in given:
        kw["alpha"] = None
    elif kw.get("alpha") is None:
        raise ValueError("give --alpha or --p (the number of patterns)")
    if kw["model"] not in ("perceptron",) and kw["k"] is None:
        kw["k"] = 3
    if kw["model"] == "perceptron":
        kw["k"] = None
    try:
        return Instance(**kw)
    except (ValueError, TypeError) as exc:
        raise type(exc)(_as_flag(str(exc))) from None


def _as_flag(message):
    """'alpha must be > 0' -> '--alpha must be > 0' (errors of the instance name the flag that was given)."""
    for field in INSTANCE_FLAGS:
        for sep in ("=", " "):
            if message.startswith(field + sep):
                return "--" + field.replace("_", "-") + message[len(field):]
    return message


_PYTHON_SPELLINGS = {"True": "true", "False": "false", "None": "null"}


def add_option_argument(p, what="method option"):
    p.add_argument("-o", "--option", action="append", default=[], metavar="KEY=VALUE",
                   help=f"{what} (repeatable); the value is read as JSON when it can be (numbers, true/false, "
                        "null, lists), else as a string")


def parse_options(pairs, flag="--option"):
    """``KEY=VALUE`` pairs -> dict; values parsed as JSON when possible (numbers, lists, true/false/null, and the
    Python spellings True/False/None), otherwise kept as strings. ValueError naming the flag otherwise."""
    out = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise ValueError(f"{flag} expects KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        key = key.strip()
        if not key:
            raise ValueError(f"{flag} expects KEY=VALUE with a non-empty KEY, got {pair!r}")
        value = _PYTHON_SPELLINGS.get(value.strip(), value)
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def add_progress_argument(p):
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="progress bars on stderr (default: on)")


def add_json_argument(p):
    p.add_argument("--json", action="store_true", help="print one JSON record instead of text")


def add_reference_argument(p, *, required=False):
    p.add_argument("--reference", metavar="FILE", required=required,
                   help="a saved solution: a result .npz written by `wfm solve --save` (it carries its model and "
                        "instance), or bare weights .npy (the instance then comes from the flags)")


def load_reference(args):
    """``(instance, weights, source)`` for ``--reference FILE``.

    A saved SolveResult brings its model and instance; a flag that disagrees with them is an error. Bare
    weights (``.npy``) take the instance from the flags.
    """
    import numpy as np

    from ..solvers import SolveResult

    path = str(args.reference)
    if path.endswith(".npy"):
        try:
            weights = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise ValueError(f"--reference: no such file: {path}") from None
        except (OSError, ValueError):
            raise ValueError(f"--reference: {path} is not a .npy array of weights") from None
        return instance_from_args(args), weights, {"weights": path}
    try:
        res = SolveResult.load(path)
    except ValueError as exc:
        raise ValueError(str(exc).replace("path:", "--reference:", 1)) from None
    if res.instance is None:
        raise ValueError(f"--reference: {path} carries no instance (its patterns were not built by wfm); "
                         "save bare weights as .npy and give the instance flags")
    inst = instance_from_args(args, saved=res.instance)
    if inst.build_model().describe() != _model_desc(res.model):
        raise ValueError(f"--reference: the saved model {res.model} differs from its instance's")
    return inst, res.weights, {"weights": path, "solved_by": res.method, "solved": bool(res.solved)}


def _model_desc(desc):
    from ..instance import model_from_description

    return model_from_description(desc).describe()


def print_json(record):
    """Print one machine-readable record (``--json``)."""
    print(json.dumps(to_jsonable(record), sort_keys=True))


def fail(command, message):
    """One line on stderr; returns the exit code 2."""
    print(f"wfm {command}: error: {message}", file=sys.stderr)
    return 2

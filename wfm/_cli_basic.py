"""Core commands: ``wfm info``, ``wfm methods``, ``wfm solve``, ``wfm count``."""
from __future__ import annotations

import json
import os
import platform

import numpy as np

from .core.checks import check_choice


def add_model_arguments(p):
    """Arguments that build a model and random patterns (shared by commands that need an instance)."""
    g = p.add_argument_group("instance")
    g.add_argument("--model", default="perceptron", help="perceptron | tree | committee | parity (default perceptron)")
    g.add_argument("--n", type=int, default=201, help="number of inputs N (default 201)")
    g.add_argument("--k", type=int, default=3, help="hidden units K for committees (default 3)")
    g.add_argument("--activation", default="sign", help="sign | relu (committees)")
    g.add_argument("--weights", default="binary", help="binary | spherical")
    g.add_argument("--margin", type=float, default=0.0, help="margin κ (default 0)")
    g.add_argument("--alpha", type=float, default=0.3, help="load α = P / n_weights (default 0.3)")
    g.add_argument("--patterns", default="binary", help="binary | gaussian inputs")
    g.add_argument("--data-seed", type=int, default=0, help="seed of the random patterns (default 0)")


def build_instance(args):
    """(model, patterns) from :func:`add_model_arguments` arguments."""
    from .data import random_patterns
    from .instance import model_from_description

    check_choice("--model", args.model, ("perceptron", "tree", "committee", "parity"))
    desc = {"model": args.model, "n": args.n, "weights": args.weights, "margin": args.margin}
    if args.model != "perceptron":
        desc["k"] = args.k
    if args.model in ("tree", "committee"):
        desc["activation"] = args.activation
    model = model_from_description(desc)
    pats = random_patterns(model.n, alpha=args.alpha, kind=args.patterns, seed=args.data_seed, model=model)
    return model, pats


_PYTHON_SPELLINGS = {"True": "true", "False": "false", "None": "null"}


def parse_options(pairs):
    """``key=value`` pairs → dict; values parsed as JSON when possible (numbers, lists, true/false/null,
    and the Python spellings True/False/None), otherwise kept as strings."""
    out = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise ValueError(f"--option expects key=value, got {pair!r}")
        key, value = pair.split("=", 1)
        value = _PYTHON_SPELLINGS.get(value.strip(), value)
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def _info(args):
    import numba
    import scipy

    from .core import __version__

    rec = {"wfm": __version__, "python": platform.python_version(), "numpy": np.__version__,
           "numba": numba.__version__, "scipy": scipy.__version__, "numba_threads": numba.get_num_threads(),
           "cpu_count": os.cpu_count(), "machine": platform.machine()}
    if args.json:
        from .cli import print_json
        print_json(rec)
    else:
        for k, v in rec.items():
            print(f"{k:14s} {v}")
    return 0


def _methods(args):
    from .solvers import methods

    ms = methods()
    if args.json:
        from .cli import print_json
        print_json(ms)
        return 0
    for name, info in ms.items():
        print(f"{name}: {info['description']}")
        for opt, default in info["options"].items():
            doc = info["option_docs"].get(opt, "")
            print(f"    {opt} = {default!r}  {doc}")
    return 0


def _solve(args):
    from .solvers import solve

    model, pats = build_instance(args)
    opts = parse_options(args.option)
    res = solve(model, pats, method=args.method, seed=args.seed, progress=args.progress, **opts)
    if args.save:
        res.save(args.save)
    summary = res.summary()
    summary.update({"alpha": args.alpha, "p": pats.p, "data_seed": args.data_seed})
    if args.json:
        from .cli import print_json
        print_json(summary)
    else:
        print(f"{model!r}, P={pats.p} (alpha={pats.alpha(model):.4g}), method={res.method}, seed={res.seed}")
        print(f"solved={res.solved}  errors={res.n_errors}  iterations={res.iterations}  seconds={res.seconds:.3f}")
        if args.save:
            print(f"saved to {args.save}")
    return 0 if res.solved or not args.fail_unsolved else 1


def _count(args):
    from . import exact

    model, pats = build_instance(args)
    n = exact.count_solutions(model, pats)
    rec = {"model": model.describe(), "p": pats.p, "alpha": args.alpha, "data_seed": args.data_seed,
           "count": n, "entropy": (np.log(n) / model.n_weights) if n else None}
    if args.json:
        from .cli import print_json
        print_json(rec)
    else:
        print(f"{model!r}, P={pats.p}: {n} solutions, entropy per weight {rec['entropy']}")
    return 0


def add_parser(sub):
    p = sub.add_parser("info", help="versions and threads")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_info)

    p = sub.add_parser("methods", help="list the learning methods with their options and defaults")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_methods)

    p = sub.add_parser("solve", help="train a model on random patterns with one method")
    add_model_arguments(p)
    p.add_argument("--method", default="sa", help="learning method (see `wfm methods`; default sa)")
    p.add_argument("--seed", type=int, default=0, help="seed of the method (default 0)")
    p.add_argument("-o", "--option", action="append", metavar="KEY=VALUE", help="method option (repeatable)")
    p.add_argument("--save", metavar="PATH", help="save the SolveResult (.npz, no pickle)")
    p.add_argument("--progress", action="store_true", help="show a progress bar")
    p.add_argument("--fail-unsolved", action="store_true", help="exit status 1 if not solved")
    p.add_argument("--json", action="store_true", help="print one JSON record")
    p.set_defaults(func=_solve)

    p = sub.add_parser("count", help="count the solutions of a small binary instance by exhaustive enumeration")
    add_model_arguments(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_count)

"""``wfm info``, ``wfm methods``, ``wfm solve``, ``wfm count``."""
from __future__ import annotations

import os
import platform

import numpy as np

from .common import (add_instance_arguments, add_json_argument, add_option_argument, add_progress_argument,
                     instance_from_args, parse_options, print_json)


def _info(args):
    import numba
    import scipy

    from ..core import __version__

    rec = {"wfm": __version__, "python": platform.python_version(), "numpy": np.__version__,
           "numba": numba.__version__, "scipy": scipy.__version__, "numba_threads": numba.get_num_threads(),
           "cpu_count": os.cpu_count(), "machine": platform.machine()}
    if args.json:
        print_json(rec)
    else:
        for k, v in rec.items():
            print(f"{k:14s} {v}")
    return 0


def _methods(args):
    from ..solvers import method_info, methods

    ms = {args.name: method_info(args.name)} if args.name else methods()
    if args.json:
        print_json(ms)
        return 0
    for name, info in ms.items():
        print(f"{name}: {info['description']}")
        for opt, default in info["options"].items():
            doc = info["option_docs"].get(opt, "")
            print(f"    {opt} = {default!r}  {doc}")
    return 0


def _solve(args):
    from ..core.records import check_output_path
    from ..solvers import solve

    if args.save:
        check_output_path("--save", args.save)  # before the run, not after it
    inst = instance_from_args(args)
    model, pats = inst.build()
    opts = parse_options(args.option)
    res = solve(model, pats, method=args.method, seed=args.seed, progress=args.progress, **opts)
    if args.save:
        res.save(args.save)
    summary = res.summary()
    summary.update({"alpha": inst.alpha_realized, "p": pats.p, "data_seed": inst.data_seed})
    if args.json:
        print_json(summary)
    else:
        print(f"{inst!r}, method={res.method}, seed={res.seed}")
        print(f"solved={res.solved}  errors={res.n_errors}  iterations={res.iterations}  seconds={res.seconds:.3f}")
        if args.save:
            print(f"saved to {args.save}")
    return 0 if res.solved or not args.fail_unsolved else 1


def _count(args):
    from .. import exact

    inst = instance_from_args(args)
    model, pats = inst.build()
    n = exact.count_solutions(model, pats)
    rec = {"instance": inst.describe(), "model": model.describe(), "p": pats.p, "alpha": inst.alpha_realized,
           "data_seed": inst.data_seed, "count": n, "entropy": (np.log(n) / model.n_weights) if n else None}
    if args.json:
        print_json(rec)
    else:
        ent = "undefined (no solution)" if not n else f"{rec['entropy']:.6g}"
        print(f"{inst!r}: {n} solutions, entropy per weight {ent}")
    return 0


def add_parsers(sub):
    p = sub.add_parser("info", help="versions, threads and machine", description="Versions, threads and machine.")
    add_json_argument(p)
    p.set_defaults(func=_info)

    p = sub.add_parser("methods", help="the learning methods with their options and defaults",
                       description="List the learning methods of `wfm solve` with their options and defaults.")
    p.add_argument("name", nargs="?", help="one method (default: all)")
    add_json_argument(p)
    p.set_defaults(func=_methods)

    p = sub.add_parser("solve", help="train a model on random patterns with one method",
                       description="Build an instance (model + random patterns), run one learning method on it "
                                   "and report whether it found a solution (zero training errors, checked "
                                   "independently of the method).")
    add_instance_arguments(p, n=201, alpha=0.3)
    p.add_argument("--method", default="sa", help="learning method (see `wfm methods`; default sa)")
    p.add_argument("--seed", type=int, default=0, help="seed of the method (default 0)")
    add_option_argument(p, "method option")
    p.add_argument("--save", metavar="PATH", help="save the result with its instance (.npz, no pickle)")
    add_progress_argument(p)
    p.add_argument("--fail-unsolved", action="store_true", help="exit status 1 if no solution was found")
    add_json_argument(p)
    p.set_defaults(func=_solve)

    p = sub.add_parser("count", help="count the solutions of a small binary instance by enumeration",
                       description="Count every solution of a small binary instance by exhaustive enumeration "
                                   "(up to about 34 weights).")
    add_instance_arguments(p, n=21, alpha=0.3)
    add_json_argument(p)
    p.set_defaults(func=_count)

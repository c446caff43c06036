"""``wfm measure NAME``: evaluate a flatness measure on a solution (``wfm measure list`` lists them).

The solution is a saved one (--reference FILE: a result of `wfm solve --save`, with its instance; or bare
weights .npy), one found here with a learning method (--method METHOD; default sa for binary weights,
sgd-ce for spherical ones), or, for a trainable two-layer net (--model two-layer), one trained here by
full-batch gradient descent (--train STEPS). NAME = reparam prints the reparametrization table on the
rescaling orbit of the solution (Dinh et al., ICML 2017, arXiv:1703.04933).
"""
from __future__ import annotations

import argparse
import json

import numpy as np

from .common import (add_instance_arguments, add_json_argument, add_option_argument, add_reference_argument,
                     instance_from_args, load_reference, parse_options, print_json)


def _parse_loss(spec):
    from .. import losses
    from ..landscape.net import squared_hinge

    if spec is None:
        return None
    name, _, par = spec.partition(":")
    try:
        value = float(par) if par else None
    except ValueError:
        raise ValueError(f"--loss {spec!r}: the parameter after ':' must be a number") from None
    if name in ("cross_entropy", "ce"):
        return losses.cross_entropy(1.0 if value is None else value)
    if name == "squared_hinge":
        return squared_hinge(value or 0.0)
    if name == "hinge":
        return losses.hinge(value or 0.0)
    if name == "error":
        return losses.error(value or 0.0)
    raise ValueError(f"--loss {spec!r} is not allowed; use cross_entropy[:γ], squared_hinge[:κ], hinge[:κ], error[:κ]")


def _two_layer(args):
    """A trainable two-layer net and its data (α counted per parameter; a teacher is a spherical perceptron)."""
    from ..instance import Instance
    from ..landscape.net import TwoLayer

    given = {f: getattr(args, f) for f in ("n", "k", "alpha", "p", "patterns", "data_seed", "p_test", "teacher")}
    n = given["n"] or 101
    net = TwoLayer(n, given["k"] or 4, activation=args.activation or "relu", tree=args.tree,
                   train_v=not args.fixed_v, margin=args.margin or 0.0)
    p = given["p"]
    if p is None:
        from ..data import n_patterns
        p = n_patterns(0.3 if given["alpha"] is None else given["alpha"], None, net.n_params)
    teacher = bool(given["teacher"] or given["p_test"])
    inst = Instance(model="perceptron", n=n, weights="spherical", p=p, patterns=given["patterns"] or "gaussian",
                    data_seed=given["data_seed"] or 0, teacher=teacher, p_test=given["p_test"] or 0)
    _, train, test = inst.build_with_test()
    return net, inst, train, test


def _solution(args, model, inst, pats):
    from ..landscape.net import TwoLayer, train_gd
    from ..solvers import solve

    if args.train is not None:
        if not isinstance(model, TwoLayer):
            raise ValueError("--train STEPS is for --model two-layer; use --method for wfm models")
        rng = np.random.default_rng(args.seed)
        th0 = np.concatenate([rng.standard_normal(model.k * model.m),
                              (rng.standard_normal(model.k) if model.train_v else np.zeros(0))])
        return train_gd(model, th0, pats, _parse_loss(args.loss), lr=args.lr, steps=args.train)["theta"]
    if isinstance(model, TwoLayer):
        raise ValueError("--model two-layer: give --train STEPS or --reference FILE.npy")
    method = args.method or ("sa" if model.binary else "sgd-ce")
    return solve(model, pats, method=method, seed=args.seed, progress=args.progress).weights


def _list(args):
    from ..core.records import to_jsonable
    from ..landscape.measures import measures

    ms = measures()
    if args.json:
        print_json(ms)
        return 0
    for k, m in ms.items():
        inv = ", ".join(f"{g}:{'yes' if v else ('n/a' if v is None else 'no')}" for g, v in m["invariances"].items())
        print(f"{k:24s} [{m['applies']}] {m['description']}\n{'':24s} cost: {m['cost']}; invariant {inv}; "
              f"options {json.dumps(to_jsonable(m['options']))}")
    return 0


def _run(args):
    from ..landscape.measures import MEASURES, measure
    from ..landscape.net import TwoLayer
    from ..landscape.reparam import format_report, reparam_report

    if args.name == "list":
        return _list(args)
    if args.name not in MEASURES and args.name != "reparam":
        raise ValueError(f"measure {args.name!r} is not allowed; choose one of 'list', 'reparam', "
                         + ", ".join(repr(k) for k in sorted(MEASURES)))
    opts = parse_options(args.option)
    loss = _parse_loss(args.loss)
    if (args.model or "perceptron") == "two-layer":
        if args.reference is not None and not str(args.reference).endswith(".npy"):
            raise ValueError("--model two-layer: --reference must be bare parameters θ (.npy)")
        model, inst, pats, test = _two_layer(args)
        if args.reference is not None:
            weights = np.load(args.reference, allow_pickle=False)
        else:
            weights = _solution(args, model, inst, pats)
    else:
        if args.reference is not None:
            if args.method is not None or args.train is not None:
                raise ValueError("give one source of the solution: --reference, --method or --train")
            inst, weights, _ = load_reference(args)
        else:
            inst = instance_from_args(args)
        model, pats, test = inst.build_with_test()
        if args.reference is None:
            weights = _solution(args, model, inst, pats)
    if args.name == "reparam":
        if not isinstance(model, TwoLayer):
            # a committee (fixed output weights c_k) lifted to a TwoLayer with a trainable second layer v = c_k,
            # so that the rescaling w_k -> a_k w_k, v_k -> v_k/a_k is a symmetry
            model, weights = TwoLayer.from_model(model, weights, train_v=True)
        rep = reparam_report(model, pats, weights, test=test, **opts)
        if args.json:
            print_json({k: rep[k] for k in ("summary", "measures", "max_loss_change", "near_kink", "min_abs_field")}
                       | {"rows": [dict(r) for r in rep["rows"]], "instance": inst.describe()})
        else:
            print(format_report(rep))
            print(f"max |Δ loss| over the orbit: {rep['max_loss_change']:.3g}; near-kink pre-activations: "
                  f"{rep['near_kink']:g} (min |h| = {rep['min_abs_field']:.3g})")
        return 0
    if loss is not None and "loss" in MEASURES[args.name].options:
        opts["loss"] = loss
    if MEASURES[args.name].needs_test:
        opts["test"] = test
    out = dict(measure(args.name, model, pats, weights, **opts))
    if args.json:
        print_json(out | {"instance": inst.describe()})
    else:
        print(f"{inst!r}")
        print(f"{args.name} = {out['value']:.6g}")
        for k, v in out.items():
            if k not in ("value", "measure"):
                print(f"  {k}: {v}")
    return 0


def add_parsers(sub):
    p = sub.add_parser("measure", help="evaluate a flatness measure (local energy, Hessian, asymmetry, ...)",
                       description=__doc__.replace("``", ""), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", help="a measure name, 'list' (the measures and their options), or 'reparam'")
    add_instance_arguments(p, n=101, alpha=0.3, models=("perceptron", "tree", "committee", "parity", "two-layer"))
    net = p.add_argument_group("two-layer nets (--model two-layer)")
    net.add_argument("--tree", action="store_true", help="disjoint receptive fields (default: fully connected)")
    net.add_argument("--fixed-v", action="store_true", help="do not train the second layer")
    net.add_argument("--train", type=int, metavar="STEPS", help="train here by full-batch gradient descent")
    net.add_argument("--lr", type=float, default=0.5, help="learning rate of --train (default 0.5)")
    src = p.add_argument_group("the solution to measure")
    add_reference_argument(src)
    src.add_argument("--method", default=None,
                     help="find it with this learning method (default sa for binary, sgd-ce for spherical weights)")
    src.add_argument("--seed", type=int, default=0, help="seed of the method (default 0)")
    p.add_argument("--loss", default=None, help="cross_entropy[:γ] | squared_hinge[:κ] | hinge[:κ] | error[:κ]")
    add_option_argument(p, "measure option (see `wfm measure list`)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="progress bars on stderr (default: on)")
    add_json_argument(p)
    p.set_defaults(func=_run)

"""``wfm measure NAME ...``: evaluate a registry measure on a solution (``wfm measure list`` lists them).

The solution is either loaded (``--result FILE.npz`` from ``wfm solve``/``SolveResult.save``, or
``--theta FILE.npy``), found with ``wfm.solve`` (``--solve METHOD``), or trained here by full-batch gradient
descent for a trainable two-layer net (``--model two-layer --train STEPS``). Patterns are regenerated from
``--alpha``/``--p`` and ``--data-seed`` (the same as the run that produced the result). ``NAME = reparam``
prints the reparametrization table (flatness_digest.md §3.4) on the rescaling orbit of the solution.
"""
from __future__ import annotations

import json

import numpy as np


def _parse_value(s):
    for conv in (int, float):
        try:
            return conv(s)
        except ValueError:
            pass
    if s.lower() in ("none", "null"):
        return None
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    return s


def _parse_loss(spec):
    from .. import losses
    from .net import squared_hinge

    if spec is None:
        return None
    name, _, par = spec.partition(":")
    if name in ("cross_entropy", "ce"):
        return losses.cross_entropy(float(par) if par else 1.0)
    if name == "squared_hinge":
        return squared_hinge(float(par) if par else 0.0)
    if name == "hinge":
        return losses.hinge(float(par) if par else 0.0)
    if name == "error":
        return losses.error(float(par) if par else 0.0)
    raise ValueError(f"loss={spec!r} is not allowed; use cross_entropy[:γ], squared_hinge[:κ], hinge[:κ], error[:κ]")


def add_parser(subparsers):
    p = subparsers.add_parser("measure", help="evaluate a flatness measure (local energy, Hessian, asymmetry, ...)",
                              description=__doc__)
    p.add_argument("name", help="measure name, 'list', or 'reparam'")
    p.add_argument("--model", default="perceptron", choices=("perceptron", "tree", "committee", "parity", "two-layer"))
    p.add_argument("--n", type=int, default=101)
    p.add_argument("--k", type=int, default=1)
    p.add_argument("--activation", default=None, help="sign|relu (wfm models); relu|leaky_relu|tanh (two-layer)")
    p.add_argument("--weights", default="spherical", choices=("binary", "spherical"))
    p.add_argument("--margin", type=float, default=0.0)
    p.add_argument("--tree", action="store_true", help="two-layer: disjoint receptive fields")
    p.add_argument("--fixed-v", action="store_true", help="two-layer: do not train the second layer")
    p.add_argument("--alpha", type=float, default=None)
    p.add_argument("--p", type=int, default=None)
    p.add_argument("--data", default="binary", choices=("binary", "gaussian"))
    p.add_argument("--data-seed", type=int, default=0)
    p.add_argument("--p-test", type=int, default=0, help="draw a teacher-labelled test set of this size "
                   "(then training labels come from the same random teacher)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--result", help="SolveResult .npz")
    src.add_argument("--theta", help=".npy with the weights / θ")
    src.add_argument("--solve", metavar="METHOD", help="run wfm.solve with this method")
    src.add_argument("--train", type=int, metavar="STEPS", help="two-layer: full-batch GD steps")
    p.add_argument("--lr", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--loss", default=None, help="cross_entropy[:γ] | squared_hinge[:κ] | hinge[:κ] | error[:κ]")
    p.add_argument("--opt", action="append", default=[], metavar="KEY=VALUE", help="measure option (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run)


def _build(args):
    from .. import models
    from ..data import random_patterns, teacher_student
    from .net import TwoLayer

    if args.model == "perceptron":
        model = models.Perceptron(args.n, weights=args.weights, margin=args.margin)
    elif args.model in ("tree", "committee"):
        cls = models.TreeCommittee if args.model == "tree" else models.Committee
        model = cls(args.n, args.k, activation=args.activation or "sign", weights=args.weights, margin=args.margin)
    elif args.model == "parity":
        model = models.ParityMachine(args.n, args.k, weights=args.weights, margin=args.margin)
    else:
        model = TwoLayer(args.n, args.k, activation=args.activation or "relu", tree=args.tree,
                         train_v=not args.fixed_v, margin=args.margin)
    nw = model.n_params if isinstance(model, TwoLayer) else model.n_weights
    if args.alpha is None and args.p is None:
        raise ValueError("give --alpha or --p (the number of patterns)")
    p = args.p if args.p is not None else int(round(args.alpha * nw))
    test = None
    if args.p_test:
        teacher = models.Perceptron(args.n, weights="spherical")
        pats, test = teacher_student(teacher, p=p, p_test=args.p_test, kind=args.data, seed=args.data_seed)
    else:
        pats = random_patterns(args.n, p=p, kind=args.data, seed=args.data_seed)
    return model, pats, test


def _solution(args, model, pats):
    from ..solvers import SolveResult, solve
    from .net import TwoLayer, train_gd

    if args.result:
        return SolveResult.load(args.result).weights
    if args.theta:
        return np.load(args.theta, allow_pickle=False)
    if args.solve:
        if isinstance(model, TwoLayer):
            raise ValueError("--solve: wfm.solve works on wfm models; use --train for --model two-layer")
        res = solve(model, pats, method=args.solve, seed=args.seed)
        return res.weights
    if args.train:
        if not isinstance(model, TwoLayer):
            raise ValueError("--train is for --model two-layer")
        rng = np.random.default_rng(args.seed)
        th0 = np.concatenate([rng.standard_normal(model.k * model.m),
                              (rng.standard_normal(model.k) if model.train_v else np.zeros(0))])
        return train_gd(model, th0, pats, _parse_loss(args.loss), lr=args.lr, steps=args.train)["theta"]
    raise ValueError("give the solution: --result, --theta, --solve METHOD or --train STEPS")


def _run(args):
    from ..cli import print_json, to_jsonable
    from .measures import MEASURES, measure, measures
    from .reparam import format_report, reparam_report

    if args.name == "list":
        ms = measures()
        if args.json:
            print_json(ms)
        else:
            for k, m in ms.items():
                inv = ", ".join(f"{g}:{'yes' if v else ('n/a' if v is None else 'no')}" for g, v in m["invariances"].items())
                print(f"{k:24s} [{m['applies']}] {m['description']}\n{'':24s} cost: {m['cost']}; invariant {inv}; "
                      f"options {json.dumps(to_jsonable(m['options']))}")
        return 0
    opts = {}
    for kv in args.opt:
        k, sep, v = kv.partition("=")
        if not sep:
            raise ValueError(f"--opt expects KEY=VALUE, got {kv!r}")
        opts[k] = _parse_value(v)
    loss = _parse_loss(args.loss)
    model, pats, test = _build(args)
    weights = _solution(args, model, pats)
    if args.name == "reparam":
        from .net import TwoLayer
        if not isinstance(model, TwoLayer):
            # a wfm committee (fixed output weights c_k) is lifted to a TwoLayer whose second layer v = c_k is
            # trainable, so that the rescaling w_k → a_k w_k, v_k → v_k/a_k is a symmetry
            model, weights = TwoLayer.from_model(model, weights, train_v=True)
        rep = reparam_report(model, pats, weights, test=test, **opts)
        if args.json:
            print_json({k: rep[k] for k in ("summary", "measures", "max_loss_change", "near_kink", "min_abs_field")}
                       | {"rows": [{k: v for k, v in r.items()} for r in rep["rows"]]})
        else:
            print(format_report(rep))
            print(f"max |Δ loss| over the orbit: {rep['max_loss_change']:.3g}; near-kink pre-activations: "
                  f"{rep['near_kink']:g} (min |h| = {rep['min_abs_field']:.3g})")
        return 0
    if args.name not in MEASURES:
        raise ValueError(f"measure={args.name!r} is not allowed; choose one of 'list', 'reparam', "
                         + ", ".join(repr(k) for k in sorted(MEASURES)))
    if loss is not None and "loss" in MEASURES[args.name].options:
        opts["loss"] = loss
    if MEASURES[args.name].needs_test:
        opts["test"] = test
    out = measure(args.name, model, pats, weights, **opts)
    out = {k: v for k, v in out.items()}
    if args.json:
        print_json(out)
    else:
        print(f"{args.name} = {out['value']:.6g}")
        for k, v in out.items():
            if k not in ("value", "measure"):
                print(f"  {k}: {v}")
    return 0

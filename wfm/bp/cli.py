"""``wfm local-entropy``: the local entropy curve S(d) around a saved or freshly solved configuration.

    wfm local-entropy --n 1001 --alpha 0.6 --solve fbp                 # solve with fBP, then BP local entropy
    wfm local-entropy --n 21 --alpha 0.4 --solve sa --method exact     # enumeration (small N)
    wfm solve --n 1001 --alpha 0.6 --method fbp --save res.npz
    wfm local-entropy --reference res.npz --alpha 0.6 --gammas 0:0.25:8 --out curve.npz --plot curve.png --json

With ``--reference FILE`` the model and the instance are rebuilt from the saved SolveResult's model description
and the instance arguments (``--alpha``, ``--data-seed``, …: pass the ones used to solve). A ``.npy`` file holds
bare weights (the model then comes from the instance arguments).
"""
from __future__ import annotations

import numpy as np

from .._cli_basic import add_model_arguments, build_instance, parse_options


def _run(args):
    from ..data import random_patterns
    from ..solvers import SolveResult, solve
    from .local_entropy import local_entropy
    from .protocols import parse_range

    if (args.reference is None) == (args.solve is None):
        raise ValueError("give exactly one of --reference FILE or --solve METHOD")
    source = {}
    if args.reference is not None:
        if str(args.reference).endswith(".npy"):
            model, pats = build_instance(args)
            ref = np.load(args.reference, allow_pickle=False)
            source = {"weights": str(args.reference)}
        else:
            res = SolveResult.load(args.reference)
            model = res.model_object()
            pats = random_patterns(model.n, alpha=args.alpha, kind=args.patterns, seed=args.data_seed, model=model)
            ref = res.weights
            source = {"weights": str(args.reference), "solved_by": res.method, "solved": bool(res.solved)}
    else:
        model, pats = build_instance(args)
        res = solve(model, pats, method=args.solve, seed=args.seed, **parse_options(args.option))
        ref = res.weights
        source = {"solved_by": res.method, "solved": bool(res.solved), "n_errors": res.n_errors,
                  "solve_seconds": res.seconds}
    errors = int(model.errors(ref, pats))
    gammas = parse_range("--gammas", args.gammas) if args.gammas else None
    curve = local_entropy(model, pats, ref, method=args.method, gammas=gammas, accuracy=args.accuracy,
                          damping=args.damping, epsilon=args.epsilon, max_iters=args.max_iters, seed=args.seed)
    curve.meta.update(source)
    curve.meta.update({"reference_errors": errors, "alpha": args.alpha, "data_seed": args.data_seed})
    if args.out:
        curve.save(args.out)
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        ax = curve.plot()
        ax.set_title(f"{model!r}"[:60], fontsize=7)
        plt.savefig(args.plot, dpi=120, bbox_inches="tight")
    if args.json:
        from ..cli import print_json
        rec = curve.to_dict()
        rec["model"] = model.describe()
        print_json(rec)
    else:
        print(f"{model!r}, P={pats.p}, reference errors={errors}, method={curve.method}  {source}")
        print(f"{'gamma':>8s} {'d':>9s} {'S(d)':>10s} {'H(d)':>9s} {'phi':>10s} conv")
        for j in range(len(curve.d)):
            print(f"{curve.gamma[j]:8.3f} {curve.d[j]:9.5f} {curve.s[j]:10.6f} {curve.upper[j]:9.5f} "
                  f"{curve.phi[j]:10.6f} {bool(curve.converged[j])}")
        if args.out:
            print(f"saved to {args.out}")
    return 0


def add_parser(sub):
    p = sub.add_parser("local-entropy", help="local entropy S(d) around a configuration (BP or enumeration)")
    add_model_arguments(p)
    src = p.add_argument_group("reference configuration")
    src.add_argument("--reference", metavar="FILE", help="saved SolveResult (.npz) or bare weights (.npy)")
    src.add_argument("--solve", metavar="METHOD", help="solve the instance first with this method (e.g. fbp, sa)")
    src.add_argument("--seed", type=int, default=0, help="seed of the solver and of BP's initial messages")
    src.add_argument("-o", "--option", action="append", metavar="KEY=VALUE", help="solver option (repeatable)")
    p.add_argument("--method", default="bp", choices=["bp", "exact"], help="bp (default) or exact enumeration")
    p.add_argument("--gammas", default=None, help="γ grid, 'start:step:stop' (default: 0…10, dense at small γ)")
    p.add_argument("--accuracy", default="auto", help="BP factor update: auto | gaussian | exact")
    p.add_argument("--damping", type=float, default=0.0)
    p.add_argument("--epsilon", type=float, default=1e-7, help="BP convergence threshold")
    p.add_argument("--max-iters", type=int, default=2000, help="BP sweeps per γ")
    p.add_argument("--out", metavar="PATH", help="save the curve (.npz)")
    p.add_argument("--plot", metavar="PNG", help="save a plot of S(d) with H(d)")
    p.add_argument("--json", action="store_true", help="print one JSON record")
    p.set_defaults(func=_run)

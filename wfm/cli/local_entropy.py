"""``wfm local-entropy``: the local entropy curve S(d) around a saved or freshly found solution.

Examples (text of --help):
  wfm local-entropy --n 1001 --alpha 0.6 --method fbp         solve with fBP, then the BP local entropy
  wfm local-entropy --n 21 --alpha 0.4 --estimator exact      enumeration around an SA solution (small N)
  wfm solve --n 1001 --alpha 0.6 --method fbp --save s.npz
  wfm local-entropy --reference s.npz --gammas 0:0.25:8 --out curve.npz --plot curve.png
"""
from __future__ import annotations

import argparse

from .common import (add_instance_arguments, add_json_argument, add_option_argument, add_progress_argument,
                     add_reference_argument, instance_from_args, load_reference, parse_options, print_json)


def _run(args):
    from ..bp.local_entropy import local_entropy
    from ..bp.protocols import parse_range
    from ..core.records import check_output_path
    from ..solvers import solve

    for flag, path in (("--out", args.out), ("--plot", args.plot)):
        if path:
            check_output_path(flag, path)
    if args.reference is not None:
        if args.method is not None:
            raise ValueError("give either --reference FILE or --method METHOD (solve first), not both")
        inst, ref, source = load_reference(args)
        model, pats = inst.build()
        ref = model.check_weights(ref)
    else:
        inst = instance_from_args(args)
        model, pats = inst.build()
        res = solve(model, pats, method=args.method or "sa", seed=args.seed, progress=args.progress,
                    **parse_options(args.option))
        ref = res.weights
        source = {"solved_by": res.method, "solved": bool(res.solved), "n_errors": res.n_errors,
                  "solve_seconds": res.seconds}
    errors = int(model.errors(ref, pats))
    gammas = parse_range("--gammas", args.gammas) if args.gammas else None
    kw = {} if args.estimator == "exact" else {"form": args.form}
    curve = local_entropy(model, pats, ref, method=args.estimator, gammas=gammas, accuracy=args.accuracy,
                          damping=args.damping, epsilon=args.epsilon, max_iters=args.max_iters, seed=args.seed, **kw)
    curve.meta.update(source)
    curve.meta.update({"reference_errors": errors, "instance": inst.describe()})
    if args.out:
        curve.save(args.out)
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        ax = curve.plot()
        ax.set_title(f"{inst!r}"[:80], fontsize=7)
        plt.savefig(args.plot, dpi=150, bbox_inches="tight")
    if args.json:
        rec = curve.to_dict()
        rec["model"] = model.describe()
        rec["instance"] = inst.describe()
        print_json(rec)
    else:
        print(f"{inst!r}, reference errors={errors}, estimator={curve.method}  {source}")
        print(f"{'gamma':>8s} {'d':>9s} {'S(d)':>10s} {'H(d)':>9s} {'phi':>10s} conv")
        for j in range(len(curve.d)):
            print(f"{curve.gamma[j]:8.3f} {curve.d[j]:9.5f} {curve.s[j]:10.6f} {curve.upper[j]:9.5f} "
                  f"{curve.phi[j]:10.6f} {bool(curve.converged[j])}")
        if args.out:
            print(f"saved to {args.out}")
    return 0


def add_parsers(sub):
    p = sub.add_parser("local-entropy", help="local entropy S(d) around a solution (BP or enumeration)",
                       description=__doc__.split("\n", 1)[0].replace("``", ""),
                       epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    add_instance_arguments(p, n=201, alpha=0.3)
    src = p.add_argument_group("the solution to measure around")
    add_reference_argument(src)
    src.add_argument("--method", default=None,
                     help="solve the instance first with this learning method (default sa; see `wfm methods`)")
    src.add_argument("--seed", type=int, default=0, help="seed of the method and of BP's initial messages")
    add_option_argument(src, "option of the learning method")
    p.add_argument("--estimator", default="bp", choices=["bp", "exact"],
                   help="bp: belief propagation with a field γ toward the solution (default); exact: enumeration")
    p.add_argument("--gammas", default=None, help="γ grid, START:STEP:STOP (default: 0 … 10, dense at small γ)")
    p.add_argument("--form", default="auto", choices=("auto", "edges", "amp"),
                   help="BP form: per-edge messages, AMP (two products with the patterns per iteration), or auto "
                        "(AMP from 3000 weights on; default)")
    p.add_argument("--accuracy", default="auto", help="BP factor update: auto | gaussian | exact (default auto)")
    p.add_argument("--damping", type=float, default=0.0, help="BP damping in [0, 1) (default 0)")
    p.add_argument("--epsilon", type=float, default=1e-7, help="BP convergence threshold (default 1e-7)")
    p.add_argument("--max-iters", type=int, default=2000, help="BP sweeps per γ (default 2000)")
    p.add_argument("--out", metavar="PATH", help="save the curve (.npz)")
    p.add_argument("--plot", metavar="PNG", help="save a plot of S(d) with the bound H(d)")
    add_progress_argument(p)
    add_json_argument(p)
    p.set_defaults(func=_run)

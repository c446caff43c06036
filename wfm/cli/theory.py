"""wfm theory: replica predictions from the command line.

Subcommands:

    wfm theory capacity --kappa 0.5 [--spherical]          α_c(κ): binary (RS zero entropy) or Gardner
    wfm theory entropy --alpha 0.5 [--kappa 0] [--spherical] RS entropy and overlap
    wfm theory max-margin --alpha 0.5                       κ_max(α), binary
    wfm theory franz-parisi --alpha 0.5 [--kappa-ref 0.2]   local entropy V(d) around a reference
    wfm theory max-local-entropy --alpha 0.6 [--threshold]  S_max(d), y -> inf large deviations (RS)
    wfm theory ld --alpha 0.6 --y 20 [--rsb] [--threshold]  large deviations at finite y: S_int, Sigma_ext, phi
    wfm theory committee --k 2 4 inf --activation relu      tree committee RS capacity (sign or ReLU)

Each prints a table, or one JSON record with --json.
"""
from __future__ import annotations

import argparse
import warnings

import numpy as np

from .common import _nonneg_int, print_json


def _table(columns, rows, fmt="{:>12.6g}"):
    head = "".join(f"{c:>12}" for c in columns)
    lines = [head]
    for r in rows:
        lines.append("".join(fmt.format(v) if isinstance(v, (float, int, np.floating)) else f"{v!s:>12}" for v in r))
    return "\n".join(lines)


def _emit(args, record, columns, rows, notes=()):
    if args.json:
        print_json(record)
    else:
        print(_table(columns, rows))
        for n in notes:
            print(n)
    return 0


def _capture(func, *a, **k):
    """Call ``func`` and collect the warnings it emits (they go into the output, not a traceback)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*a, **k)
    return out, sorted({str(w.message) for w in caught})


def _values(xs):
    """A single value as a float (so error messages show the number), several as an array."""
    return float(xs[0]) if len(xs) == 1 else np.asarray(xs, dtype=float)


def _capacity(args):
    from ..theory import binary_capacity, gardner_capacity

    kappa = _values(args.kappa)
    if args.spherical:
        ac, notes = _capture(gardner_capacity, kappa)
    else:
        ac, notes = _capture(binary_capacity, kappa)
    ac, kappa = np.atleast_1d(ac), np.atleast_1d(kappa)
    model = "spherical" if args.spherical else "binary"
    record = {"model": model, "kappa": kappa, "alpha_c": ac, "warnings": notes}
    return _emit(args, record, ["kappa", "alpha_c"], zip(kappa, ac), [f"note: {n}" for n in notes])


def _entropy(args):
    from ..theory import binary_entropy, binary_overlap, spherical_entropy, spherical_overlap

    alpha = _values(args.alpha)
    if args.spherical:
        s, n1 = _capture(spherical_entropy, alpha, args.kappa)
        q, n2 = _capture(spherical_overlap, alpha, args.kappa)
    else:
        s, n1 = _capture(binary_entropy, alpha, args.kappa)
        q, n2 = _capture(binary_overlap, alpha, args.kappa)
    notes = sorted(set(n1) | set(n2))
    s, q, alpha = np.atleast_1d(s), np.atleast_1d(q), np.atleast_1d(alpha)
    model = "spherical" if args.spherical else "binary"
    record = {"model": model, "kappa": args.kappa, "alpha": alpha, "entropy": s, "q": q, "warnings": notes}
    return _emit(args, record, ["alpha", "entropy", "q"], zip(alpha, s, q), [f"note: {n}" for n in notes])


def _max_margin(args):
    from ..theory import max_margin

    alpha = _values(args.alpha)
    km, alpha = np.atleast_1d(max_margin(alpha)), np.atleast_1d(alpha)
    return _emit(args, {"alpha": alpha, "kappa_max": km}, ["alpha", "kappa_max"], zip(alpha, km))


def _d_grid(args):
    if args.d:
        return np.asarray(args.d, dtype=float)
    if args.n_points < 2:
        raise ValueError(f"--n-points must be >= 2, got {args.n_points}")
    if not 0 < args.d_min < 0.5:
        raise ValueError(f"--d-min must be in (0, 0.5), got {args.d_min}")
    return np.geomspace(args.d_min, 0.5, args.n_points)


def _franz_parisi(args):
    from ..theory import franz_parisi, isolation_radius

    d = _d_grid(args)
    curve, notes = _capture(franz_parisi, args.alpha, d, kappa=args.kappa, kappa_ref=args.kappa_ref)
    record = {k: v for k, v in curve.as_dict().items()}
    record["warnings"] = notes
    if args.isolation_radius:
        record["isolation_radius"] = isolation_radius(args.alpha, args.kappa, args.kappa_ref)
    rows = zip(curve.d, curve.local_entropy, curve.bound, curve.local_entropy / curve.bound, curve.q)
    extra = [f"note: {n}" for n in notes]
    extra.insert(0, f"# alpha={args.alpha} kappa={args.kappa} kappa_ref={args.kappa_ref} "
                    f"q_ref={curve.q_ref:.6g} typical d={curve.typical_distance:.6g}")
    if args.isolation_radius:
        extra.append(f"isolation radius d* = {record['isolation_radius']:.6g}")
    return _emit(args, record, ["d", "V", "H(d)", "V/H", "q"], rows, extra)


def _max_local_entropy(args):
    from ..theory import max_local_entropy, monotonicity_threshold

    d = np.asarray(args.d, dtype=float) if args.d else None
    if d is None and args.n_points < 2:
        raise ValueError(f"--n-points must be >= 2, got {args.n_points}")
    curve, notes = _capture(max_local_entropy, args.alpha, d, kappa=args.kappa, n_points=args.n_points,
                            d_min=args.d_min)
    record = dict(curve.as_dict())
    record["warnings"] = notes
    extra = [f"# alpha={args.alpha} kappa={args.kappa} s_RS={curve.s_rs:.6g} top of the curve d0="
             f"{curve.typical_distance:.6g}; min pi_hat={curve.min_pi_hat:.4g} at d={curve.d_at_min_pi_hat:.4g} "
             f"-> {'monotonic' if curve.monotonic else 'NOT monotonic'}"]
    if args.threshold:
        record["alpha_U"] = monotonicity_threshold(args.kappa)
        extra.append(f"alpha_U (S_max stops being monotonic) = {record['alpha_U']:.5g}")
    extra += [f"note: {n}" for n in notes]
    rows = zip(curve.d, curve.entropy, curve.bound, curve.entropy / curve.bound, curve.pi_hat, curve.q,
               curve.sigma_ext, np.where(curve.rs_valid, "yes", "NO"))
    return _emit(args, record, ["d", "S_max", "H(d)", "S/H", "pi_hat", "q", "Sigma_ext", "RS_valid"], rows, extra)


def _y_value(text):
    return float("inf") if str(text).lower() in ("inf", "infinity") else float(text)


def _ld(args):
    from ..theory import large_deviation_curve, monotonicity_threshold
    from ..theory.ld_finite_y import negative_intervals

    if args.d:
        d = np.asarray(args.d, dtype=float)
    else:
        if args.n_points < 2:
            raise ValueError(f"--n-points must be >= 2, got {args.n_points}")
        if not 0 < args.d_min < args.d_max < 0.5:
            raise ValueError(f"--d-min and --d-max must satisfy 0 < d-min < d-max < 0.5, got {args.d_min}, {args.d_max}")
        d = np.geomspace(args.d_min, args.d_max, args.n_points)
    y = args.y
    if args.rsb and args.centre != "free":
        raise ValueError("--rsb is implemented for --centre free only")
    curve, notes = _capture(large_deviation_curve, args.alpha, d, y, kappa=args.kappa, centre=args.centre)
    record = dict(curve.as_dict())
    columns = ["d", "S_int", "Sigma_ext", "phi", "H(d)", "RS_valid", "branch"]
    cols = [curve.d, curve.S_int, curve.Sigma_ext, curve.phi, curve.bound,
            np.where(curve.rs_valid, "yes", "NO"), curve.branch]
    if args.rsb:
        from ..theory import frozen_external_curve

        fr, n2 = _capture(frozen_external_curve, args.alpha, d, args.kappa, y)
        notes = sorted(set(notes) | set(n2))
        record["rsb"] = fr.as_dict()
        columns += ["S_1RSB", "y_star"]
        cols += [fr.S, fr.y_star]
    record["warnings"] = notes
    bad = negative_intervals(curve.d, curve.Sigma_ext)
    where = ", ".join(f"[{a:.4g}, {b:.4g}]" for a, b in bad) if bad else "nowhere on the grid"
    extra = [(f"# alpha={args.alpha} kappa={args.kappa} y={y} centre={args.centre} s_RS={curve.s_rs:.6g}; "
              f"phi = S_int + Sigma_ext/y; RS not self-consistent (Sigma_ext < 0) for d in {where}")]
    if args.rsb:
        extra.append("# S_1RSB: frozen one-step RSB of the centres (Sigma_ext = 0 at y_star <= y) where RS has "
                     "Sigma_ext < 0, the RS S_int elsewhere (y_star = inf)")
    if args.threshold:
        a_u, n3 = _capture(monotonicity_threshold, args.kappa, y=y)
        record["alpha_U"] = a_u
        extra.append(f"alpha_U(y={y}) (RS, S_int stops being monotonic) = {a_u:.5g}")
        if args.rsb and np.isinf(y):
            from ..theory import monotonicity_threshold_1rsb

            try:
                (a1, _), n4 = _capture(monotonicity_threshold_1rsb, args.kappa)
                record["alpha_U_1rsb"] = a1
                extra.append(f"alpha_U (frozen 1RSB of the centres, y = inf) = {a1:.5g}")
                n3 = n3 + n4
            except ValueError as err:  # no sign change below alpha_max: reported, not an error of the command
                record["alpha_U_1rsb"] = None
                extra.append(f"alpha_U (frozen 1RSB of the centres, y = inf): not found -- {err}")
        notes = sorted(set(notes) | set(n3))
        record["warnings"] = notes
    extra += [f"note: {n}" for n in notes]
    return _emit(args, record, columns, zip(*cols), extra)


def _k_value(text):
    """An argparse type: an integer number of hidden units, or inf."""
    if str(text).lower() in ("inf", "infinity"):
        return float("inf")
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer or inf, got {text!r}") from None


def _committee(args):
    from ..theory import counting_bound, tree_committee_capacity, tree_committee_repair_cost, tree_committee_rs

    ks = list(args.k)
    rows: list[tuple] = []
    record: dict = {"activation": args.activation, "weights": args.weights, "K": ks}
    notes: set[str] = set()
    if args.alpha is not None:
        out = []
        for k in ks:
            rs, w = _capture(tree_committee_rs, args.alpha, k, args.activation, args.weights)
            notes.update(w)
            out.append(rs)
            rows.append((k, args.alpha, rs.entropy, rs.q, rs.rs_exact))
        record.update(alpha=args.alpha, entropy=[r.entropy for r in out], q=[r.q for r in out],
                      rs_exact=[r.rs_exact for r in out], notes=[r.note for r in out])
        columns = ["K", "alpha", "entropy", "q", "RS exact"]
    else:
        caps, errs, bounds = [], [], []
        for k in ks:
            ac, w = _capture(tree_committee_capacity, k, args.activation, args.weights, n_samples=args.n_samples,
                             seed=args.seed)
            notes.update(w)
            if args.weights == "spherical":
                c, se = tree_committee_repair_cost(k, args.activation, n_samples=args.n_samples, seed=args.seed)
                err = ac * se / c if c > 0 else 0.0
            else:
                err = 0.0
            bound = counting_bound(int(k)) if (args.activation == "sign" and k != float("inf")) else float("nan")
            caps.append(ac)
            errs.append(err)
            bounds.append(bound)
            rows.append((k, ac, err, bound))
        record.update(alpha_c=caps, alpha_c_stderr=errs, counting_bound=bounds)
        columns = ["K", "alpha_c", "stderr", "count_bound"]
    record["warnings"] = sorted(notes)
    extra = [f"# tree committee, {args.activation} units, {args.weights} weights; alpha = P/N (N weights in all)"]
    extra += [f"note: {n}" for n in sorted(notes)]
    return _emit(args, record, columns, rows, extra)


def add_parsers(subparsers):
    p = subparsers.add_parser("theory", help="replica predictions: capacities, entropies, max margin, Franz-Parisi local entropy",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="theory_command", metavar="WHAT", parser_class=type(p))
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    c = sub.add_parser("capacity", help="capacity alpha_c(kappa)")
    c.add_argument("--kappa", type=float, nargs="+", default=[0.0], help="margin(s) κ (default 0)")
    c.add_argument("--spherical", action="store_true", help="spherical weights (Gardner) instead of binary")
    c.add_argument("--json", action="store_true", help="print one JSON record instead of a table")
    c.set_defaults(func=_capacity)

    e = sub.add_parser("entropy", help="RS entropy per weight and overlap q at load alpha")
    e.add_argument("--alpha", type=float, nargs="+", required=True, help="load(s) α")
    e.add_argument("--kappa", type=float, default=0.0, help="margin κ (default 0)")
    e.add_argument("--spherical", action="store_true", help="spherical weights (Gardner) instead of binary")
    e.add_argument("--json", action="store_true", help="print one JSON record instead of a table")
    e.set_defaults(func=_entropy)

    m = sub.add_parser("max-margin", help="largest margin kappa_max(alpha) with binary solutions (RS)")
    m.add_argument("--alpha", type=float, nargs="+", required=True, help="load(s) α")
    m.add_argument("--json", action="store_true", help="print one JSON record instead of a table")
    m.set_defaults(func=_max_margin)

    f = sub.add_parser("franz-parisi", help="local entropy V(d) around a reference of margin kappa_ref")
    f.add_argument("--alpha", type=float, required=True, help="load α")
    f.add_argument("--kappa", type=float, default=0.0, help="margin of the counted solutions (default 0)")
    f.add_argument("--kappa-ref", type=float, default=0.0, help="margin of the reference (default 0)")
    f.add_argument("--d", type=float, nargs="+", help="distances (default: --n-points log-spaced in [--d-min, 0.5])")
    f.add_argument("--n-points", type=int, default=40, help="number of distances on the default grid (default 40)")
    f.add_argument("--d-min", type=float, default=1e-3, help="smallest distance of the default grid (default 1e-3)")
    f.add_argument("--isolation-radius", action="store_true", help="also compute d*")
    f.add_argument("--json", action="store_true", help="print one JSON record instead of a table")
    f.set_defaults(func=_franz_parisi)

    x = sub.add_parser("max-local-entropy", help="maximal local entropy S_max(d) (y -> inf large deviations, RS)")
    x.add_argument("--alpha", type=float, required=True, help="load α")
    x.add_argument("--kappa", type=float, default=0.0, help="margin of the counted solutions (default 0)")
    x.add_argument("--d", type=float, nargs="+", help="distances (default: --n-points log-spaced in [--d-min, d0])")
    x.add_argument("--n-points", type=int, default=30, help="number of distances on the default grid (default 30)")
    x.add_argument("--d-min", type=float, default=1e-3, help="smallest distance of the default grid (default 1e-3)")
    x.add_argument("--threshold", action="store_true", help="also compute alpha_U, where S_max stops being monotonic")
    x.add_argument("--json", action="store_true", help="print one JSON record instead of a table")
    x.set_defaults(func=_max_local_entropy)

    ld = sub.add_parser("ld", help="large deviations at finite y (RS): S_int, Sigma_ext, phi per d, RS validity",
                        description="Robust-ensemble large deviations of the binary perceptron (replica symmetric): "
                                    "the internal entropy S_int (local entropy of the dominant centres), the external "
                                    "entropy Sigma_ext (their log-number) and phi = S_int + Sigma_ext/y per distance d, "
                                    "with RS_valid = NO where RS is not self-consistent (Sigma_ext < 0, "
                                    "Sigma_ext above ln 2 or s_RS, or S_int < 0).")
    ld.add_argument("--alpha", type=float, required=True, help="load α")
    ld.add_argument("--y", type=_y_value, default=float("inf"), help="number of replicas y > 0, or inf (default inf)")
    ld.add_argument("--kappa", type=float, default=0.0, help="margin of the counted solutions (default 0)")
    ld.add_argument("--centre", default="free", choices=("free", "solution"),
                    help="free centre (robust ensemble) or centre constrained to be a solution (default free)")
    ld.add_argument("--d", type=float, nargs="+", help="distances (default: --n-points log-spaced in [--d-min, --d-max])")
    ld.add_argument("--n-points", type=int, default=20, help="number of distances on the default grid (default 20)")
    ld.add_argument("--d-min", type=float, default=3e-3, help="smallest distance of the default grid (default 0.003)")
    ld.add_argument("--d-max", type=float, default=0.3, help="largest distance of the default grid (default 0.3)")
    ld.add_argument("--rsb", action="store_true",
                    help="also the frozen one-step RSB of the centres where Sigma_ext < 0 (free centre)")
    ld.add_argument("--threshold", action="store_true",
                    help="also alpha_U(y), where S_int stops being monotonic (about a minute at y = inf, tens of "
                         "minutes at finite y; with --rsb at y = inf also the frozen 1RSB value)")
    ld.add_argument("--json", action="store_true", help="print one JSON record instead of a table")
    ld.set_defaults(func=_ld)

    c = sub.add_parser("committee", help="tree committee (sign or ReLU units): RS capacity or entropy")
    c.add_argument("--k", nargs="+", type=_k_value, default=[1, 3, 5, 7, 9],
                   help="numbers of hidden units: odd for sign, even for ReLU, or inf (default 1 3 5 7 9)")
    c.add_argument("--activation", default="sign", choices=("sign", "relu"), help="hidden units (default sign)")
    c.add_argument("--weights", default="spherical", choices=("spherical", "binary"),
                   help="spherical (Gardner volume) or binary (±1) weights (default spherical)")
    c.add_argument("--alpha", type=float, default=None,
                   help="print the RS entropy and overlap at this load instead of the capacity (where RS closes)")
    c.add_argument("--n-samples", type=int, default=400_000,
                   help="Monte Carlo samples of the ReLU repair cost for 4 <= K < inf (default 400000)")
    c.add_argument("--seed", type=_nonneg_int("--seed"), default=0, help="seed of that Monte Carlo (default 0)")
    c.add_argument("--json", action="store_true", help="print one JSON record instead of a table")
    c.set_defaults(func=_committee)

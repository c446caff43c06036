"""wfm sweep: run a sweep spec, show the state of a store, export it, list the experiments.

    wfm sweep run SPEC [--store PATH] [--scheduler ADDRESS|local:N] [--workers N] [--threads N]
                       [--timeout SECONDS] [--retry-failed] [--no-progress] [--fsync] [--dry-run]
    wfm sweep status STORE|SPEC [--store PATH] [--failed]
    wfm sweep export STORE --format csv|parquet|netcdf [--out FILE] [--experiment NAME] [--all] [--stale]
    wfm sweep prune STORE
    wfm sweep experiments [NAME]

`run` exits 0 when every task of the spec is done, 1 when some failed (see `status --failed`), 130 when
interrupted (finished tasks are saved; run the same command again to resume).

Stale records: a task is identified by its experiment, the experiment's version, every parameter with its
default filled in (a method's options too) and its seed. When a default or an experiment changes, the records
computed before no longer match their task: `status` counts them as stale (and says what changed), `export`
leaves them out (--stale keeps them), running the spec again computes the tasks anew, and `prune` deletes the
stale records.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys


def add_parsers(subparsers):
    p = subparsers.add_parser("sweep", help="resumable parameter sweeps (local processes or Dask)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="sweep_command", metavar="SUBCOMMAND", parser_class=type(p))
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    r = sub.add_parser("run", help="run the unfinished tasks of a spec (TOML)")
    r.add_argument("spec", help="sweep spec (TOML file)")
    r.add_argument("--store", help="results store (SQLite); default: the spec's `store`, or SPEC with .sqlite")
    r.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786), or local:N for a LocalCluster "
                   "of N worker processes on 127.0.0.1; default: a local process pool")
    r.add_argument("--workers", type=int, help="local pool: number of worker processes (default: cores)")
    r.add_argument("--threads", type=int, help="Numba/BLAS threads per worker (default: cores // workers)")
    r.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="time limit per task: a task over it is recorded as failed ('timeout after S s') and the "
                        "sweep goes on (default: the spec's `timeout`, else none)")
    r.add_argument("--retry-failed", action="store_true", help="run failed tasks again")
    r.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="progress bar on stderr (default: on)")
    r.add_argument("--fsync", action="store_true",
                   help="fsync every store commit: results survive a power loss too (slower)")
    r.add_argument("--dry-run", action="store_true", help="validate and count the tasks; run nothing")
    r.add_argument("--json", action="store_true", help="print the report as one JSON record")
    r.set_defaults(func=_run)

    s = sub.add_parser("status", help="counts of tasks by status")
    s.add_argument("path", help="a store (.sqlite), or a spec (.toml) to see the progress of its tasks")
    s.add_argument("--store", help="store of the spec (default: the spec's own)")
    s.add_argument("--failed", action="store_true", help="also print the error of each failed task")
    s.add_argument("--json", action="store_true", help="print the counts as JSON")
    s.set_defaults(func=_status)

    e = sub.add_parser("export", help="write the records to CSV, Parquet or netCDF")
    e.add_argument("store", help="results store (.sqlite)")
    e.add_argument("--format", default="csv", help="csv | parquet (needs pyarrow) | netcdf (needs xarray)")
    e.add_argument("--out", metavar="FILE", help="output file (default: STORE with the format's suffix)")
    e.add_argument("--experiment", help="only this experiment")
    e.add_argument("--all", action="store_true", help="include failed and unfinished tasks")
    e.add_argument("--stale", action="store_true",
                   help="include stale records (computed under another task identity), with a column `stale`")
    e.set_defaults(func=_export)

    d = sub.add_parser("prune", help="delete the stale records of a store (see `status`)")
    d.add_argument("store", help="results store (.sqlite)")
    d.set_defaults(func=_prune)

    x = sub.add_parser("experiments", help="list the registered experiments and their parameters")
    x.add_argument("name", nargs="?", help="one experiment")
    x.set_defaults(func=_experiments)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _run(args) -> int:
    from ..sweep import run
    from ..sweep.spec import load_spec

    spec = load_spec(args.spec)
    if args.timeout is not None:
        from ..sweep.spec import check_timeout

        check_timeout(args.timeout, "--timeout")
    if args.dry_run:
        tasks = spec.tasks()
        timeout = args.timeout if args.timeout is not None else spec.timeout
        print(f"{args.spec}: experiment {spec.experiment!r}, {len(tasks)} tasks, store "
              f"{args.store or spec.store}" + ("" if timeout is None else f", timeout {timeout:g} s per task"))
        return 0
    # SIGTERM (e.g. a batch system ending the job) behaves like Ctrl-C: save what finished, then stop
    old = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        report = run(spec, args.store, scheduler=args.scheduler, workers=args.workers, threads=args.threads,
                     retry_failed=args.retry_failed, progress=args.progress, fsync=args.fsync,
                     timeout=args.timeout)
    except ImportError as exc:
        print(f"wfm sweep: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wfm sweep: interrupted; finished tasks are saved, run the same command to resume",
              file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, old)
    if args.json:
        import dataclasses

        print(json.dumps(dataclasses.asdict(report), sort_keys=True))
    else:
        print(report.summary())
    if report.failed:
        print(f"wfm sweep: {report.failed} task(s) failed; see `wfm sweep status {report.store} --failed`, "
              "rerun them with --retry-failed", file=sys.stderr)
        return 1
    return 0 if report.pending == 0 else 1


def _status(args) -> int:
    from ..sweep.io import failures, stale, status
    from ..sweep.spec import load_spec

    if args.path.endswith(".toml"):
        spec = load_spec(args.path)
        store = args.store or spec.store
        counts = status(store, spec)
    else:
        spec, store = None, args.path
        counts = status(store)
    old = stale(store)
    if spec is not None:
        old = {k: v for k, v in old.items() if k == spec.experiment}
    if args.json:
        out = dict(counts)
        if spec is not None:
            out = {k: dict(v, stale=old.get(k, {}).get("count", 0)) for k, v in out.items()}
        print(json.dumps(out, sort_keys=True))
    else:
        if not counts:
            print(f"{store}: empty")
        for exp, c in counts.items():
            shown = {s: n for s, n in c.items() if s != "stale"}
            total = sum(shown.values())
            parts = ", ".join(f"{n} {s}" for s, n in shown.items() if n)
            print(f"{store}: {exp}: {total} tasks: {parts or 'none'}")
        for exp, info in old.items():
            reasons = "; ".join(f"{r} ({n})" for r, n in list(info["reasons"].items())[:3])
            more = len(info["reasons"]) - 3
            print(f"{store}: {exp}: {info['count']} stale record(s), computed under another task identity: "
                  f"{reasons}{f'; {more} other reason(s)' if more > 0 else ''}")
        if old:
            print("  stale records are left out of `wfm sweep export` and wfm.sweep.load; run their spec again "
                  "(`wfm sweep run SPEC`) to compute them as defined now, `wfm sweep prune STORE` to delete them")
    if args.failed:
        for h, exp, params, seed, error in failures(store):
            if spec is not None and exp != spec.experiment:
                continue
            print(f"\n--- {exp} {h[:12]} seed={seed} params={json.dumps(params, sort_keys=True)}")
            print((error or "").rstrip())
    return 0


def _export(args) -> int:
    import warnings

    from ..sweep.io import StaleRecordsWarning, export

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StaleRecordsWarning)
            out = export(args.store, args.out, format=args.format, experiment=args.experiment,
                         status=None if args.all else "done", stale=args.stale)
    except ImportError as exc:
        print(f"wfm sweep export: error: {exc}", file=sys.stderr)
        return 2
    for w in caught:
        if issubclass(w.category, StaleRecordsWarning):
            print(f"wfm sweep export: {w.message}".replace("load(..., stale=True)", "--stale"), file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    print(out)
    return 0


def _prune(args) -> int:
    from ..sweep.io import prune

    n = prune(args.store)
    print(f"{args.store}: {n} stale record(s) deleted")
    return 0


def _experiments(args) -> int:
    from .. import experiments

    names = [experiments.get(args.name).name] if args.name else experiments.names()
    for name in names:
        print(experiments.get(name).describe())
    return 0

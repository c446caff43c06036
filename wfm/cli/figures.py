"""wfm figures: regenerate the reproduced figures (sweeps, PNGs) and check their claims."""
from __future__ import annotations

import argparse

from .common import print_json


def add_parsers(subparsers):
    p = subparsers.add_parser(
        "figures", help="reproduce the papers' figures (runs their sweeps, writes PNG and PDF, checks claims)",
        description="Run every figure's experiments through the sweep machinery (parallel, resumable: finished "
                    "tasks in the store are skipped), write the PNGs and PDFs into a run directory (default "
                    "wfm-figures/, not tracked) and check each figure's claims. --quick: small sizes (minutes on 2 "
                    "cores); --full: the sizes of the captions (hours). The committed gallery in figures/ changes "
                    "only with an explicit --out figures.")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help="small sizes (default)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help="the captions' sizes")
    p.add_argument("--only", default=None, metavar="F4,F5", help="comma-separated figure keys (default: all)")
    p.add_argument("--store", default=None, metavar="PATH",
                   help="SQLite results store (default: OUT/wfm_figures.sqlite)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="run directory for the PNGs, PDFs, claims file and store (default: wfm-figures)")
    p.add_argument("--gallery", action="store_true",
                   help="after the run, rewrite the README gallery from figures/claims_*.json (use with --out figures)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the tasks on Dask: a scheduler address or local:N (default: a local process pool)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: usable cores)")
    p.add_argument("--list", action="store_true", help="list the figures (key, file, tasks per mode) and exit")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="progress bar per sweep on stderr (default: on)")
    p.add_argument("--json", action="store_true", help="print one JSON record with the results")
    p.set_defaults(func=_run, mode=None)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _run(args) -> int:
    import signal

    from ..figures import core

    # SIGTERM (a batch system ending the job) stops like Ctrl-C: finished records are kept, workers ended
    signal.signal(signal.SIGTERM, _raise_interrupt)

    mode = args.mode or "quick"
    if args.list:
        for key in core.parse_only(args.only):
            f = core.get(key)
            print(f"{key:4s} {f.filename:34s} quick {f.n_tasks('quick'):5d} tasks, full {f.n_tasks('full'):6d} tasks"
                  f"  {f.title}")
        return 0
    out = args.out or core.DEFAULT_OUT
    res = core.run(args.only, mode, args.store, out, scheduler=args.scheduler, workers=args.workers,
                   progress=args.progress, echo=None if args.json else print)
    if args.gallery:
        from ..figures.gallery import update_readme

        changed = update_readme()
        if not args.json:
            print("README gallery " + ("updated" if changed else "unchanged"))
    ok = all(r.ok for r in res.values())
    if args.json:
        print_json({k: {"path": r.path, "seconds": r.seconds, "tasks": r.tasks, "ran": r.ran, "failed": r.failed,
                        "claims": [{"text": c.text, "holds": c.holds, "detail": c.detail} for c in r.claims]}
                    for k, r in res.items()})
    else:
        total = sum(r.seconds for r in res.values())
        n_bad = sum(not r.ok for r in res.values())
        print(f"{len(res)} figures in {total:.1f} s ({mode}); "
              + ("all claims hold" if ok else f"{n_bad} figure(s) with a failing claim or failed tasks"))
    return 0 if ok else 1

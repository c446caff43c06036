"""Figures as data: sweep specs per mode, a plot builder and a claim check; and the runner behind ``wfm figures``.

A :class:`Figure` names its sweeps (``parts``: part name → sweep spec dict, one per experiment it needs) in
``"quick"`` mode (all figures together in a few minutes on 2 cores, used by the tests) and ``"full"`` mode
(the sizes of the figure's caption: hours, resumable, distributable). :func:`run` runs the sweeps of the
selected figures into one SQLite store (finished tasks are skipped, so a rerun or a killed run resumes),
loads each figure's records, draws it with :mod:`wfm.plotting` and evaluates its claims.

A :class:`Claim` is one statement the figure establishes, with whether the numbers of this run support it.
A claim of the papers that the numerics do *not* reproduce is not hidden: the figure's ``notes`` say so,
and the claim checked is what the numbers robustly show.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable

from ..core.checks import check_choice

__all__ = ["Figure", "Claim", "FigureResult", "figures", "get", "register", "parse_only", "load_parts", "run",
           "run_figure", "DEFAULT_STORE", "DEFAULT_OUT", "MODES"]

MODES = ("quick", "full")
DEFAULT_OUT = "figures"
#: default results store, next to the figures (git-ignored: ``*.sqlite``)
DEFAULT_STORE = os.path.join(DEFAULT_OUT, "wfm_figures.sqlite")


@dataclasses.dataclass
class Claim:
    """A statement a figure establishes; ``holds`` is what the numbers of this run say; ``detail`` the numbers."""

    text: str
    holds: bool
    detail: str = ""

    def __post_init__(self):
        self.holds = bool(self.holds)  # numpy booleans from the checks become plain bools

    def line(self) -> str:
        return f"[{'ok' if self.holds else 'FAILS'}] {self.text}" + (f" ({self.detail})" if self.detail else "")


@dataclasses.dataclass
class Figure:
    """One reproduced figure.

    ``key`` ("F4"), ``name`` (file stem), ``title``, ``establishes`` (one line for the README),
    ``parts(mode) -> {part: sweep spec dict}``, ``plot(data, mode) -> matplotlib Figure``,
    ``check(data, mode) -> [Claim]`` where ``data`` maps each part to its DataFrame of records;
    ``sizes[mode]``: the sizes that mode uses (caption line); ``notes``: what did not reproduce / is missing.
    """

    key: str
    name: str
    title: str
    establishes: str
    parts: Callable[[str], dict]
    plot: Callable[[dict, str], object]
    check: Callable[[dict, str], list]
    sizes: dict
    notes: str = ""

    @property
    def number(self) -> int:
        return int(self.key[1:])

    @property
    def stem(self) -> str:
        return f"f{self.number:02d}_{self.name}"

    @property
    def filename(self) -> str:
        return f"{self.stem}.png"

    def specs(self, mode: str) -> dict:
        check_choice("mode", mode, MODES)
        return self.parts(mode)

    def n_tasks(self, mode: str) -> int:
        from ..sweep import load_spec

        return sum(len(load_spec(s).tasks()) for s in self.specs(mode).values())


@dataclasses.dataclass
class FigureResult:
    key: str
    path: str | None
    seconds: float
    tasks: int
    ran: int
    failed: int
    claims: list

    @property
    def ok(self) -> bool:
        return self.path is not None and all(c.holds for c in self.claims)


_FIGURES: dict = {}


def register(fig: Figure) -> Figure:
    if fig.key in _FIGURES:
        raise ValueError(f"figure {fig.key} is already registered")
    _FIGURES[fig.key] = fig
    return fig


def figures() -> dict:
    """All figures, F1 first (importing :mod:`wfm.figures.catalog` registers them)."""
    from . import catalog  # noqa: F401

    return dict(sorted(_FIGURES.items(), key=lambda kv: int(kv[0][1:])))


def get(key: str) -> Figure:
    figs = figures()
    k = key.strip().upper() if isinstance(key, str) else key
    if k not in figs:
        raise ValueError(f"figure {key!r} is not known; choose from {', '.join(figs)}")
    return figs[k]


def parse_only(only) -> list:
    """Figure keys from ``"F4,F5"`` / ``["F4", "f5"]`` / None (all); ValueError naming an unknown one."""
    figs = figures()
    if only is None or only == "":
        return list(figs)
    items = only.split(",") if isinstance(only, str) else list(only)
    keys = []
    for it in items:
        k = get(str(it)).key
        if k not in keys:
            keys.append(k)
    return [k for k in figs if k in keys]


def load_parts(fig: Figure, mode: str, store) -> tuple:
    """``({part: DataFrame of the finished records of that part}, n_failed)`` for ``fig`` in ``mode``."""
    from ..sweep import load, load_spec

    data, failed = {}, 0
    for part, spec in fig.specs(mode).items():
        sp = load_spec(spec)
        hashes = {t.hash for t in sp.tasks()}
        df = load(store, experiment=sp.experiment, status=None)
        df = df[df["hash"].isin(hashes)]
        failed += int((df["status"] == "failed").sum())
        data[part] = df[df["status"] == "done"].reset_index(drop=True)
    return data, failed


@contextlib.contextmanager
def _local_pool(workers):
    """One :class:`wfm.sweep.LocalPool` shared by every sweep of the run (workers load Numba once).

    On normal exit the pool is shut down; when interrupted, its running tasks are abandoned (the store gives
    them back as pending) and its worker processes ended (``LocalPool.terminate``).
    """
    from ..sweep import LocalPool

    pool = LocalPool(workers)
    finished = False
    try:
        yield pool
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            pool.terminate()


@contextlib.contextmanager
def _dask_pool(scheduler):
    """One Dask client (and, for ``local:N``, one LocalCluster) for every sweep of the run."""
    from ..sweep import execute as ex

    backend = ex._DaskBackend(scheduler)
    try:
        yield backend.executor
    finally:
        backend.close()


def run_figure(fig: Figure, mode: str = "quick", store=DEFAULT_STORE, out=DEFAULT_OUT, *, executor=None,
               scheduler=None, workers=None, progress=False, plot=True) -> FigureResult:
    """Run the sweeps of ``fig`` (skipping finished tasks), draw it into ``out``, evaluate its claims."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..sweep import run as sweep_run

    t0 = time.perf_counter()
    ran, total = 0, 0
    for part, spec in fig.specs(mode).items():
        kw = {"executor": executor} if executor is not None else {"scheduler": scheduler, "workers": workers}
        rep = sweep_run(spec, store, progress=progress, **kw)
        ran += rep.ran
        total += rep.total
    data, failed = load_parts(fig, mode, store)
    claims = list(fig.check(data, mode))
    path = None
    if plot:
        os.makedirs(out, exist_ok=True)
        f = fig.plot(data, mode)
        f.text(0.995, 0.003, f"wfm figures --{mode}: {fig.sizes[mode]}", ha="right", va="bottom", fontsize=6,
               color="0.45")
        path = str(Path(out) / fig.filename)
        f.savefig(path, dpi=110)
        plt.close(f)
    return FigureResult(fig.key, path, time.perf_counter() - t0, total, ran, failed, claims)


def run(only=None, mode: str = "quick", store=DEFAULT_STORE, out=DEFAULT_OUT, *, scheduler=None, workers=None,
        progress=False, echo=print, claims_file=True) -> dict:
    """Regenerate figures ``only`` (default all) in ``mode``; one line per figure with its time and claims.

    Local runs share one process pool (``workers`` processes, default the usable cores); ``scheduler`` (a
    Dask address or ``"local:N"``) sends the tasks to Dask instead. Returns {key: FigureResult}. The claim
    outcomes are also written to ``out/claims_<mode>.json`` (merged with earlier runs of other figures).
    """
    check_choice("mode", mode, MODES)
    keys = parse_only(only)
    figs = figures()
    os.makedirs(os.path.dirname(os.path.abspath(store)) or ".", exist_ok=True)
    results = {}
    with (_local_pool(workers) if scheduler is None else _dask_pool(scheduler)) as pool:
        for key in keys:
            fig = figs[key]
            res = run_figure(fig, mode, store, out, executor=pool, progress=progress)
            results[key] = res
            if echo:
                bad = [c for c in res.claims if not c.holds]
                echo(f"{key} {fig.stem}: {res.seconds:6.1f} s, {res.tasks} tasks ({res.ran} run, "
                     f"{res.failed} failed), claims {len(res.claims) - len(bad)}/{len(res.claims)} hold"
                     + (f" -> {res.path}" if res.path else ""))
                for c in res.claims:
                    echo(f"    {c.line()}")
                sys.stdout.flush()
    if claims_file:
        path = Path(out) / f"claims_{mode}.json"
        old = {}
        if path.exists():
            try:
                old = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                old = {}
        for k, r in results.items():
            old[k] = {"figure": figs[k].stem, "seconds": round(r.seconds, 1), "tasks": r.tasks, "failed": r.failed,
                      "sizes": figs[k].sizes[mode],
                      "claims": [{"text": c.text, "holds": bool(c.holds), "detail": c.detail} for c in r.claims]}
        os.makedirs(out, exist_ok=True)
        path.write_text(json.dumps(dict(sorted(old.items(), key=lambda kv: int(kv[0][1:]))), indent=1) + "\n")
    return results

"""Figures as data (sweep specs per mode, a plot builder, a claim check), their registry, and the runner.

A :class:`Figure` names its sweeps (``parts``: part name → sweep spec dict, one per experiment it needs) in
``"quick"`` mode (all figures together in a few minutes on 2 cores, used by the tests) and ``"full"`` mode
(the sizes of the gallery: hours, resumable, distributable). :func:`run` runs the sweeps of the selected
figures into one SQLite store through the public :mod:`wfm.sweep` API (finished tasks are skipped, so a
rerun or a killed run resumes), loads each figure's records, draws it (PNG and PDF, :mod:`wfm.figures.style`)
and evaluates its claims.

A :class:`Claim` is one statement the figure establishes, with whether the numbers of this run support it.
A claim of the papers that the numerics do *not* reproduce is not hidden: the figure's ``notes`` say so,
and the claim checked is what the numbers robustly show.

Where things go: :data:`DEFAULT_OUT` (``wfm-figures/`` in the working directory, not tracked by git) holds the
PNGs, PDFs, ``claims_<mode>.json`` and the store; the committed gallery ``figures/`` of the repository is
written only when asked for explicitly (``out="figures"``).
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from collections.abc import Callable

from ..core.checks import check_choice
from . import style

__all__ = ["Figure", "Claim", "FigureResult", "figures", "get", "register", "parse_only", "load_parts", "run",
           "run_figure", "by_mode", "safe_check", "claims_path", "DEFAULT_STORE", "DEFAULT_OUT", "STORE_NAME",
           "MODES"]

MODES = ("quick", "full")
#: the run directory (PNGs, PDFs, claims files, store); not tracked by git
DEFAULT_OUT = "wfm-figures"
STORE_NAME = "wfm_figures.sqlite"
#: default results store, inside the run directory
DEFAULT_STORE = os.path.join(DEFAULT_OUT, STORE_NAME)


def by_mode(mode: str, quick, full):
    """``quick`` in quick mode, ``full`` in full mode (a figure's sizes per mode, in one place)."""
    check_choice("mode", mode, MODES)
    return quick if mode == "quick" else full


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

    def to_dict(self) -> dict:
        return {"text": self.text, "holds": self.holds, "detail": self.detail}


def safe_check(fn):
    """Claims computed from missing records become one failing claim naming the problem, not a crash."""

    def wrapped(data, mode):
        try:
            return fn(data, mode)
        except (LookupError, ValueError, IndexError, TypeError, KeyError, AttributeError) as exc:
            return [Claim("records needed by the checks are present", False, f"{type(exc).__name__}: {exc}")]

    wrapped.__doc__ = fn.__doc__
    wrapped.__name__ = fn.__name__
    return wrapped


@dataclasses.dataclass
class Figure:
    """One reproduced figure.

    ``key`` ("F4"), ``name`` (file stem), ``title``, ``establishes`` (what it shows, one paragraph for the
    gallery), ``parts(mode) -> {part: sweep spec dict}``, ``plot(data, mode) -> matplotlib Figure``,
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

    @property
    def pdf_filename(self) -> str:
        return f"{self.stem}.pdf"

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
    pdf: str | None = None
    png_sha256: str | None = None

    @property
    def ok(self) -> bool:
        return self.path is not None and self.failed == 0 and all(c.holds for c in self.claims)


# ----------------------------------------------------------------------------------------------------------
# registry (filled by the figure modules, which wfm/figures/__init__.py imports)

_FIGURES: dict = {}


def register(fig: Figure) -> Figure:
    if fig.key in _FIGURES:
        raise ValueError(f"figure {fig.key} is already registered")
    _FIGURES[fig.key] = fig
    return fig


def figures() -> dict:
    """All figures, F1 first."""
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


# ----------------------------------------------------------------------------------------------------------
# runner


def load_parts(fig: Figure, mode: str, store) -> tuple:
    """``({part: DataFrame of the finished records of that part}, n_failed)`` for ``fig`` in ``mode``."""
    from ..sweep import load, load_spec

    data, failed = {}, 0
    for part, spec in fig.specs(mode).items():
        sp = load_spec(spec)
        hashes = {t.hash for t in sp.tasks()}
        df = load(store, experiment=sp.experiment, status=None, stale=True)  # the hashes select this spec's tasks
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
    """One Dask client (and, for ``local:N``, one LocalCluster) for every sweep of the run.

    The only use of a private :mod:`wfm.sweep` name in the package: ``wfm.sweep`` has no public object that
    owns a Dask client across several :func:`wfm.sweep.run` calls (as :class:`wfm.sweep.LocalPool` does for
    processes). Replace this adapter by that object when it exists.
    """
    from ..sweep.execute import _DaskBackend

    backend = _DaskBackend(scheduler)
    try:
        yield backend.executor
    finally:
        backend.close()


def claims_path(out, mode: str) -> Path:
    """Where the claim outcomes of a run in ``mode`` go: ``out/claims_<mode>.json``."""
    return Path(out) / f"claims_{mode}.json"


def run_figure(fig: Figure, mode: str = "quick", store=None, out=DEFAULT_OUT, *, executor=None, scheduler=None,
               workers=None, progress=True, plot=True) -> FigureResult:
    """Run the sweeps of ``fig`` (skipping finished tasks), draw it into ``out`` (PNG + PDF), evaluate its claims.

    ``store`` defaults to ``out/wfm_figures.sqlite``; ``progress`` shows one progress bar per sweep that has
    tasks to run (on stderr).
    """
    from ..sweep import run as sweep_run

    store = os.path.join(out, STORE_NAME) if store is None else store
    t0 = time.perf_counter()
    ran, total = 0, 0
    for spec in fig.specs(mode).values():
        kw = {"executor": executor} if executor is not None else {"scheduler": scheduler, "workers": workers}
        rep = sweep_run(spec, store, progress=progress, **kw)
        ran += rep.ran
        total += rep.total
    data, failed = load_parts(fig, mode, store)
    claims = list(fig.check(data, mode))
    path = pdf = digest = None
    if plot:
        with style.context():
            f = fig.plot(data, mode)
            style.footer(f, f"wfm figures --{mode}: {fig.sizes[mode]}")
            path, pdf = style.save(f, str(Path(out) / fig.filename))
        digest = style.file_sha256(path)
    return FigureResult(fig.key, path, time.perf_counter() - t0, total, ran, failed, claims, pdf, digest)


def _write_claims(out, mode, results, figs):
    """Merge this run's outcomes into ``out/claims_<mode>.json`` (entries of other figures are kept)."""
    path = claims_path(out, mode)
    old = {}
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            old = {}
    for k, r in results.items():
        entry = {"figure": figs[k].stem, "mode": mode, "seconds": round(r.seconds, 1), "tasks": r.tasks,
                 "failed": r.failed, "sizes": figs[k].sizes[mode], "claims": [c.to_dict() for c in r.claims]}
        if r.path is not None:
            entry.update(png=os.path.basename(r.path), pdf=os.path.basename(r.pdf), png_sha256=r.png_sha256)
        old[k] = entry
    os.makedirs(out, exist_ok=True)
    path.write_text(json.dumps(dict(sorted(old.items(), key=lambda kv: int(kv[0][1:]))), indent=1,
                               ensure_ascii=False) + "\n")
    return path


def run(only=None, mode: str = "quick", store=None, out=DEFAULT_OUT, *, scheduler=None, workers=None,
        progress=True, echo=print, claims_file=True) -> dict:
    """Regenerate figures ``only`` (default all) in ``mode`` into the run directory ``out``.

    ``out`` (default :data:`DEFAULT_OUT`) receives ``fNN_*.png``, ``fNN_*.pdf`` and ``claims_<mode>.json``
    (merged with earlier runs of other figures); ``store`` defaults to ``out/wfm_figures.sqlite``. Local runs
    share one process pool (``workers`` processes, default the usable cores); ``scheduler`` (a Dask address or
    ``"local:N"``) sends the tasks to Dask instead. ``progress`` (default on) shows a progress bar per sweep
    on stderr. ``echo`` prints one line per figure with its time, then one line per claim, and at the end
    where the files went (None: silent). Returns {key: FigureResult}.
    """
    check_choice("mode", mode, MODES)
    keys = parse_only(only)
    figs = figures()
    store = os.path.join(out, STORE_NAME) if store is None else store
    os.makedirs(os.path.dirname(os.path.abspath(store)) or ".", exist_ok=True)
    results = {}
    with (_local_pool(workers) if scheduler is None else _dask_pool(scheduler)) as pool:
        for key in keys:
            fig = figs[key]
            if echo and progress:
                echo(f"{key} {fig.stem}: {fig.n_tasks(mode)} tasks in {len(fig.specs(mode))} sweep(s) ...")
                sys.stdout.flush()
            res = run_figure(fig, mode, store, out, executor=pool, progress=progress)
            results[key] = res
            if echo:
                bad = [c for c in res.claims if not c.holds]
                echo(f"{key} {fig.stem}: {res.seconds:6.1f} s, {res.tasks} tasks ({res.ran} run, "
                     f"{res.failed} failed), claims {len(res.claims) - len(bad)}/{len(res.claims)} hold")
                for c in res.claims:
                    echo(f"    {c.line()}")
                sys.stdout.flush()
    cpath = _write_claims(out, mode, results, figs) if claims_file else None
    if echo and results:
        echo(f"figures (PNG and PDF): {os.path.abspath(out)}{os.sep}")
        if cpath is not None:
            echo(f"claims: {os.path.abspath(cpath)}")
        echo(f"store: {os.path.abspath(store)}")
    return results

"""The papers' figures, reproduced with one command: ``wfm figures [--quick | --full] [--only F4,F5]``.

Each figure (F1–F11, paper_digest.md §5 plus the flatness seeds, flatness_digest.md) is a
:class:`~wfm.figures.core.Figure`: its sweep specs in quick and full mode (run through :mod:`wfm.sweep`, so
parallel, resumable and distributable), its plot builder (:mod:`wfm.plotting`) and its claim check (what the
figure establishes, checked on the numbers; the tests run it in quick mode).

* :mod:`wfm.figures.core` -- :class:`Figure`, :class:`Claim`, the registry, :func:`run` (sweeps + plots);
* :mod:`wfm.figures.catalog` -- the definitions of F1–F11;
* :mod:`wfm.figures.cli` -- ``wfm figures``.

The experiments the figures run live in :mod:`wfm.experiments.figures`.
"""
import importlib

__all__ = ["Figure", "Claim", "figures", "get", "run", "run_figure", "DEFAULT_STORE", "DEFAULT_OUT"]


def __getattr__(name):
    if name in __all__:
        return getattr(importlib.import_module(f"{__name__}.core"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Resumable parameter sweeps on a laptop or a Dask cluster, with a safe SQLite results store.

A sweep is an experiment of :mod:`wfm.experiments` run over a grid of parameters × seeds::

    import wfm.sweep
    report = wfm.sweep.run("alpha.toml")                 # local process pool; or scheduler="local:4" / address
    df = wfm.sweep.load("alpha.sqlite")                  # pandas DataFrame, one row per finished task

* :mod:`wfm.sweep.spec` -- TOML/dict specs, expansion into tasks, content hashes;
* :mod:`wfm.sweep.execute` -- the coordinator (:func:`run`) and the executors (process pool, Dask);
* :mod:`wfm.sweep.store` -- the SQLite store (WAL, one row per task, arrays as ``.npy`` bytes, no pickle);
* :mod:`wfm.sweep.io` -- :func:`load`, :func:`export`, :func:`status`;
* :mod:`wfm.sweep.cli` -- ``wfm sweep run|status|export|experiments``.
"""
from ..experiments import task_hash
from .execute import LocalPool, SweepReport, run, run_task, usable_cores
from .io import EXPORT_FORMATS, export, failures, load, status, to_xarray
from .spec import Spec, Task, load_spec
from .store import Store

__all__ = [
    "run", "load", "export", "status", "failures", "to_xarray", "load_spec", "Spec", "Task", "Store",
    "SweepReport", "LocalPool", "task_hash", "run_task", "usable_cores", "EXPORT_FORMATS",
]

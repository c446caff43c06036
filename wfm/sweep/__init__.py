"""Resumable parameter sweeps on a laptop or a Dask cluster, with a safe SQLite results store.

A sweep is an experiment of :mod:`wfm.experiments` run over a grid of parameters × seeds::

    import wfm.sweep
    report = wfm.sweep.run("alpha.toml")                 # local process pool; or scheduler="local:4" / address
    df = wfm.sweep.load("alpha.sqlite")                  # pandas DataFrame, one row per finished task

* :mod:`wfm.sweep.spec` -- TOML/dict specs, expansion into tasks, content hashes;
* :mod:`wfm.sweep.execute` -- the coordinator (:func:`run`), per-task time limits, the executors (Dask);
* :mod:`wfm.sweep.pool` -- the local process pool (:class:`LocalPool`: workers that end with their
  coordinator, a dead or timed-out worker replaced);
* :mod:`wfm.sweep.store` -- the SQLite store (WAL, one row per task, arrays as ``.npy`` bytes, no pickle);
* :mod:`wfm.sweep.io` -- :func:`load`, :func:`export`, :func:`status`, :func:`stale`, :func:`prune`;
* ``wfm sweep run|status|export|prune|experiments`` (:mod:`wfm.cli.sweep`) -- the command line.

A task is identified by the hash of its experiment, the experiment's version, every parameter with its default
filled in (a solver's options too) and its seed (:func:`wfm.experiments.task_hash`): a changed default gives
new tasks, and the records computed under the old one are *stale* (counted by :func:`status`, left out by
:func:`load`). Stores written before this identity existed (schema 1) are stale as a whole, once.
"""
from ..experiments import task_hash
from .execute import (LocalPool, SweepReport, TaskTimeout, WorkerDied, WorkersCannotStart, run, run_task,
                      usable_cores)
from .io import EXPORT_FORMATS, StaleRecordsWarning, export, failures, load, prune, stale, status, to_xarray
from .spec import Spec, Task, load_spec
from .store import Store

__all__ = [
    "run", "load", "export", "status", "stale", "prune", "failures", "to_xarray", "load_spec", "Spec", "Task",
    "Store", "SweepReport", "LocalPool", "TaskTimeout", "WorkerDied", "WorkersCannotStart", "StaleRecordsWarning",
    "task_hash", "run_task", "usable_cores", "EXPORT_FORMATS",
]

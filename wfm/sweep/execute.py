"""Running a sweep: the coordinator loop, the worker function and the executors.

The coordinating process (the one calling :func:`run`) is the only one that touches the store: it claims
pending tasks, submits them to a ``concurrent.futures.Executor``, and writes each outcome as soon as it
arrives (all outcomes available at that moment in one transaction). Workers only compute
(:func:`run_task`): they never see the store, so a killed worker loses at most its own task, which goes back
to ``pending``.

Executors:

* a local process pool (default; :class:`wfm.sweep.pool.LocalPool`): ``workers`` processes (default: the
  usable cores), started with the ``spawn`` method and the environment ``NUMBA_NUM_THREADS = OMP_NUM_THREADS
  = ... = threads`` with ``workers * threads <= cores`` so Numba and BLAS do not oversubscribe the machine.
  A worker that dies (SIGKILL, out of memory) is replaced and its task resubmitted (failed after
  ``max_attempts`` deaths); the workers end when the coordinator ends, even by ``kill -9``.
* Dask distributed: ``scheduler="tcp://host:8786"`` connects to a running cluster (for SLURM/PBS start one
  with dask-jobqueue); ``scheduler="local:N"`` starts a ``LocalCluster`` of N single-threaded worker
  processes listening on 127.0.0.1 only. Dask reschedules a task whose worker died.
* any other ``concurrent.futures.Executor`` passed as ``executor=`` (not shut down by :func:`run`).

Time limit (``timeout`` seconds per task: the spec's ``timeout`` or ``run(..., timeout=S)``): a task that runs
longer is recorded as failed with the error ``timeout after S s`` and the sweep goes on. On the local pool its
worker process is killed and replaced. On Dask and other executors the worker's :func:`run_task` gives up
waiting for the experiment after S seconds and reports the failure, so the sweep goes on too; but the
computation itself cannot be stopped from inside the worker: it runs on in a background thread of that worker
until it returns, competing for the worker's core meanwhile. (Restarting the worker through its nanny would end
it, but on a ``LocalCluster`` the nanny sometimes closes instead of restarting, leaving the cluster without
workers; so the coordinator does not do it.)
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import importlib
import logging
import os
import socket
import sys
import threading
import time
import traceback

from .. import experiments as _experiments
from ..core.checks import check_int
from .pool import THREAD_VARS as _THREAD_VARS
from .pool import LocalPool, TaskTimeout, WorkerDied, WorkersCannotStart, usable_cores
from .spec import check_timeout, load_spec
from .store import Store, encode_result

__all__ = ["run", "run_task", "SweepReport", "LocalPool", "usable_cores", "TaskTimeout", "WorkerDied",
           "WorkersCannotStart"]

log = logging.getLogger("wfm.sweep")


# ----------------------------------------------------------------------------------------------------------
# worker side


def _outcome(h, started=None):
    from ..core import __version__

    return dict(hash=h, status="failed", result=None, array_names=None, arrays=None, error=None,
                version=__version__, host=socket.gethostname(), wall_time=None,
                started_at=time.time() if started is None else started, finished_at=None)


def _timeout_error(seconds, how):
    return f"timeout after {seconds:g} s ({how})"


def run_task(payload) -> dict:
    """Run one task in a worker; return its outcome (never raises for an error of the experiment).

    ``payload = (hash, experiment, params, seed[, module[, timeout]])``: ``module`` is where the experiment is
    defined; the worker imports it if the experiment is not registered yet (experiments registered outside
    :mod:`wfm.experiments`, e.g. by a user module). ``timeout`` (seconds, or None): run the experiment in a
    thread and report a failure ``timeout after S s`` if it has not returned by then (the thread cannot be
    stopped: it runs on in the background; the outcome then says ``abandoned=True`` and, on Dask, names the
    ``worker``). The outcome holds the encoded result (see :mod:`wfm.sweep.store`) or, for a task that raised,
    ``status="failed"`` and the traceback.
    """
    h, name, params, seed = payload[:4]
    module = payload[4] if len(payload) > 4 else None
    timeout = payload[5] if len(payload) > 5 else None
    out = _outcome(h)
    t0 = time.perf_counter()
    try:
        if module and module not in ("__main__", "__mp_main__") and name not in _experiments.names():
            importlib.import_module(module)
        exp = _experiments.get(name)
        params = exp.validate(params, seed)
        mine = _experiments.task_hash(name, params, seed)
        if mine != h:
            raise RuntimeError(f"task hash mismatch: the worker computes {mine} for {h}; coordinator and worker "
                               "run different wfm versions (or a default changed in between)?")
        kwargs = dict(params, seed=seed) if exp.seeded else dict(params)
        if timeout is None:
            result = exp.func(**kwargs)
        else:
            result = _call_with_timeout(exp.func, kwargs, timeout)
            if result is _TIMED_OUT:
                out["wall_time"] = time.perf_counter() - t0
                out["error"] = _timeout_error(timeout, "the experiment runs on in a thread of the worker until it "
                                                       "returns")
                out["abandoned"] = True
                out["worker"] = _dask_worker_address()
                out["finished_at"] = time.time()
                return out
        out["wall_time"] = time.perf_counter() - t0
        result = _experiments.check_result(name, result, params)
        out["result"], out["array_names"], out["arrays"] = encode_result(result)
        out["status"] = "done"
    except Exception:
        out["wall_time"] = time.perf_counter() - t0
        out["error"] = traceback.format_exc()
    out["finished_at"] = time.time()
    return out


_TIMED_OUT = object()


def _call_with_timeout(func, kwargs, timeout):
    """``func(**kwargs)`` in a daemon thread; its result, its exception re-raised, or ``_TIMED_OUT``."""
    box = {}

    def target():
        try:
            box["value"] = func(**kwargs)
        except BaseException as exc:  # noqa: BLE001 -- re-raised in the caller
            box["error"] = exc

    t = threading.Thread(target=target, name="wfm-task", daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        return _TIMED_OUT
    if "error" in box:
        raise box["error"]
    return box["value"]


def _dask_worker_address():
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError, AttributeError):  # not in a Dask worker
        return None


# ----------------------------------------------------------------------------------------------------------
# executors


class _Backend:
    """An executor plus what the coordinator needs to know about it."""

    restartable = False

    def __init__(self, executor, slots, description, owned=False):
        self.executor, self.slots, self.description, self.owned = executor, slots, description, owned

    def refresh(self):
        pass

    def submit(self, payload, timeout=None):
        """Submit :func:`run_task` for ``payload``; with a ``timeout``, the worker enforces it (module docstring)."""
        return self.executor.submit(run_task, payload if timeout is None else tuple(payload) + (timeout,))

    def after_timeout(self, outcome):
        """Called with the outcome of a task that timed out in its worker and left a computation behind."""

    def restart(self):
        raise RuntimeError(f"the executor ({self.description}) is broken and cannot be restarted")

    def close(self, cancel=False):
        if self.owned:
            _shutdown(self.executor, cancel)


def _shutdown(executor, cancel):
    try:
        executor.shutdown(wait=not cancel, cancel_futures=cancel)
    except TypeError:  # executors without cancel_futures (e.g. distributed's ClientExecutor)
        executor.shutdown(wait=not cancel)


class _LocalBackend(_Backend):
    restartable = True

    def __init__(self, pool: LocalPool, owned: bool):
        super().__init__(pool, 2 * pool.workers, repr(pool), owned=owned)

    def submit(self, payload, timeout=None):
        return self.executor.submit_with_timeout(timeout, run_task, payload)  # the pool kills an overrunning task

    def restart(self):
        self.executor.restart()

    def close(self, cancel=False):
        if not self.owned:
            return  # the caller's pool: left running for the next sweep
        if cancel:
            self.executor.terminate()  # running tasks are abandoned (they go back to pending), not waited for
        else:
            self.executor.shutdown(wait=True)


class _ClientBackend(_Backend):
    """A Dask ``Client`` given by the caller (e.g. on a dask-jobqueue cluster): left open; the number of
    tasks kept in flight follows the cluster's current number of threads (adaptive clusters grow)."""

    def __init__(self, client, executor=None):
        self.client = client
        super().__init__(executor or client.get_executor(pure=False), 2, f"Dask client {client.scheduler.address}")
        self.refresh()

    def refresh(self):
        try:
            self.slots = max(2, 2 * sum(self.client.nthreads().values()))
        except Exception:  # scheduler momentarily unreachable: keep the old value
            pass

    def after_timeout(self, outcome):
        log.warning("a task timed out on Dask worker %s; its computation cannot be stopped there and runs on in a "
                    "background thread until it returns", outcome.get("worker") or "?")


class _DaskBackend(_ClientBackend):
    def __init__(self, scheduler, threads=None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ImportError("scheduler=... needs the optional package 'distributed' "
                              "(pip install 'wfm[dask]' or pip install 'dask[distributed]')") from None
        self.cluster = None
        n = _local_workers(scheduler)
        if n is not None:
            threads = threads or max(1, usable_cores() // n)
            env = {v: str(threads) for v in _THREAD_VARS}
            # the workers ignore SIGINT once started (the preload wfm.sweep._dask_worker): a Ctrl-C is the
            # coordinator's to handle. (One in the seconds while they start may still print their tracebacks.)
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                        dashboard_address=None, env=env, silence_logs=logging.ERROR,
                                        preload=["wfm.sweep._dask_worker"])
            self.client = Client(self.cluster)
            desc = f"Dask LocalCluster on 127.0.0.1: {n} worker processes x {threads} threads"
        else:
            try:
                self.client = Client(scheduler, timeout=30)
            except OSError as exc:
                raise ValueError(f"scheduler={scheduler!r}: cannot connect ({exc})") from None
            desc = f"Dask scheduler {scheduler}"
        _Backend.__init__(self, self.client.get_executor(pure=False), 2, desc, owned=True)
        self.refresh()

    def close(self, cancel=False):
        try:
            _shutdown(self.executor, cancel)
        finally:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


def _local_workers(scheduler):
    """N for ``scheduler="local:N"`` (``"local"``: the usable cores), None for an address; else ValueError."""
    if not isinstance(scheduler, str) or not scheduler:
        raise TypeError(f"scheduler must be an address string or 'local:N', got {scheduler!r}")
    if not scheduler.startswith("local"):
        return None
    rest = scheduler[len("local"):]
    try:
        n = int(rest[1:]) if rest.startswith(":") else (usable_cores() if rest == "" else None)
    except ValueError:
        n = None
    if n is None or n < 1:
        raise ValueError(f"scheduler={scheduler!r}: use 'local:N' with N >= 1 workers, or an address "
                         "such as 'tcp://host:8786'")
    return n


def _backend(executor, scheduler, workers, threads):
    if executor is not None:
        if scheduler is not None:
            raise ValueError("give either executor= or scheduler=, not both")
        if hasattr(executor, "get_executor") and hasattr(executor, "nthreads"):  # a distributed.Client
            return _ClientBackend(executor)
        if type(executor).__name__ == "ClientExecutor" and hasattr(executor, "_client"):
            return _ClientBackend(executor._client, executor)
        if isinstance(executor, LocalPool):
            return _LocalBackend(executor, owned=False)
        slots = 2 * (getattr(executor, "_max_workers", None) or usable_cores())
        return _Backend(executor, slots, f"{type(executor).__name__} (given)")
    if scheduler is not None:
        return _DaskBackend(scheduler, threads)
    return _LocalBackend(LocalPool(workers, threads), owned=True)


# ----------------------------------------------------------------------------------------------------------
# coordinator


@dataclasses.dataclass
class SweepReport:
    """What :func:`run` did: counts over the spec's tasks at the end, and what this call ran."""

    store: str
    total: int
    done: int
    failed: int
    pending: int
    ran: int
    skipped: int
    seconds: float
    executor: str = ""
    interrupted: bool = False

    def summary(self) -> str:
        s = (f"{self.done}/{self.total} done, {self.failed} failed, {self.pending} not run; "
             f"this run: {self.ran} tasks in {self.seconds:.1f} s ({self.skipped} already finished)")
        return s + (" -- interrupted" if self.interrupted else "")


def _check_not_in_worker_import():
    """Raise if called while a spawned worker process imports the main script.

    The local pool's workers are started with ``spawn``: each imports the main script again. A script that calls
    :func:`run` at its top level (no ``if __name__ == "__main__":`` guard) would then start a second sweep inside
    every worker, on the same store, waiting for the tasks its own parent holds: both sides wait for ever. Raised
    here, the worker exits at once with this message and the parent's pool reports the workers that exit before
    they are ready. The test is CPython's own: ``current_process()._inheriting`` is set while a spawned child
    prepares (imports the parent's main module), the flag behind ``multiprocessing``'s "bootstrapping phase" error.
    """
    import multiprocessing

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise RuntimeError("wfm.sweep.run was called while a worker process imported the main script: put the "
                           "script's calls under `if __name__ == \"__main__\":` (the workers are spawned processes "
                           "that import it)")


def run(spec, store=None, *, executor=None, scheduler=None, workers=None, threads=None,
        retry_failed=False, progress=True, max_attempts=3, stale_after=120.0, heartbeat=2.0,
        fsync=False, timeout=None) -> SweepReport:
    """Run the tasks of ``spec`` that are not finished in ``store``; return a :class:`SweepReport`.

    ``spec``: path to a TOML file, a dict or a :class:`~wfm.sweep.spec.Spec`. ``store``: path of the SQLite
    store (default: the spec's ``store`` entry, or the spec file with suffix ``.sqlite``). Execution:
    ``executor`` (any ``concurrent.futures.Executor``, a :class:`LocalPool`, or a ``distributed.Client``;
    left running), or ``scheduler`` (Dask: an address or ``"local:N"``), or by default a local process pool
    of ``workers`` processes with ``threads`` Numba/BLAS threads each. Finished tasks are skipped; failed ones too unless ``retry_failed``. A task that raises is
    recorded as failed with its traceback; one whose worker dies ``max_attempts`` times is failed too.
    ``timeout``: seconds per task (default: the spec's ``timeout``; None: no limit); a task over it is
    recorded as failed, ``timeout after S s`` (module docstring), and the sweep goes on.
    Ctrl-C (KeyboardInterrupt) saves what finished, gives the running tasks back and re-raises.
    The local pool's workers are spawned and import the main script: in a script, call ``run`` under
    ``if __name__ == "__main__":``, otherwise it raises :class:`~wfm.sweep.WorkersCannotStart` (tasks left pending).
    ``fsync``: fsync every commit of the store (results then survive a power loss too; see
    :mod:`wfm.sweep.store`). ``stale_after``: seconds without a heartbeat after which another coordinator's
    claims are released (a dead coordinator on this host is detected at once).
    """
    t_start = time.perf_counter()
    _check_not_in_worker_import()
    spec = load_spec(spec)
    path = store if store is not None else spec.store
    if path is None:
        raise ValueError("store: give the path of the results store (store=... or --store) for a spec "
                         "given as a dict")
    if workers is not None:
        workers = check_int("workers", workers, min_value=1)
    if threads is not None:
        threads = check_int("threads", threads, min_value=1)
    max_attempts = check_int("max_attempts", max_attempts, min_value=1)
    timeout = check_timeout(timeout) if timeout is not None else spec.timeout
    if scheduler is not None:
        _local_workers(scheduler)  # a malformed scheduler is an error even when there is nothing to run
        if executor is not None:
            raise ValueError("give either executor= or scheduler=, not both")
        if workers is not None:
            raise ValueError("workers: with a Dask scheduler use scheduler='local:N' (or size the cluster)")
        if threads is not None and not scheduler.startswith("local"):
            raise ValueError("threads: set the threads of the workers of an existing Dask cluster when starting "
                             "them (NUMBA_NUM_THREADS)")
    if executor is not None and (workers is not None or threads is not None):
        raise ValueError("workers/threads configure the default local pool; with executor=... configure the "
                         "executor itself (e.g. wfm.sweep.LocalPool(workers, threads))")
    tasks = spec.tasks()
    st = Store(path, fsync=fsync)
    backend = None
    bar = None
    ran = 0
    interrupted = completed = False
    try:
        st.add_tasks(tasks)
        st.select([t.hash for t in tasks])
        if retry_failed:
            st.retry_failed()
        st.register()
        st.reclaim_stale(stale_after)
        c = st.counts()
        skipped = c["done"] + c["failed"]
        if c["pending"] + c["running"] > 0:
            backend = _backend(executor, scheduler, workers, threads)
            log.info("running %d tasks on %s", c["pending"] + c["running"], backend.description)
            from tqdm.auto import tqdm

            bar = tqdm(total=len(tasks), initial=skipped, unit="task", disable=not progress, mininterval=0.3,
                       dynamic_ncols=True, file=sys.stderr,
                       desc=f"{spec.experiment} -> {os.path.basename(path)}")
            ran = _loop(st, backend, bar, max_attempts, stale_after, heartbeat, timeout)
        completed = True
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        try:
            if backend is not None:  # nothing is running after a complete loop: shut down gracefully
                backend.close(cancel=not completed)
        finally:
            if bar is not None:
                bar.close()
            if st._con is not None and not interrupted:
                c = st.counts()
            st.close()  # releases this coordinator's remaining claims
    return SweepReport(str(path), len(tasks), c["done"], c["failed"], c["pending"] + c["running"], ran, skipped,
                       time.perf_counter() - t_start, backend.description if backend else "")


def _loop(st: Store, backend: _Backend, bar, max_attempts, stale_after, heartbeat, timeout=None) -> int:
    inflight: dict = {}
    unsaved: list = []  # outcomes received but not yet committed (saved on Ctrl-C too)
    ran = failed = 0
    last_beat = time.monotonic()

    def save():
        nonlocal ran, failed
        if unsaved:
            st.write(unsaved)
            ran += len(unsaved)
            nf = sum(o["status"] == "failed" for o in unsaved)
            failed += nf
            bar.update(len(unsaved))
            if nf:
                bar.set_postfix(failed=failed, refresh=False)
            unsaved.clear()

    try:
        while True:
            if time.monotonic() - last_beat > heartbeat:
                st.heartbeat()
                st.reclaim_stale(stale_after)
                backend.refresh()
                c = st.counts()
                bar.n = c["done"] + c["failed"]  # includes tasks finished by other coordinators
                bar.refresh()
                last_beat = time.monotonic()
            free = backend.slots - len(inflight)
            if free > 0:
                claimed = st.claim(free)
                for i, (h, name, params, seed, _) in enumerate(claimed):
                    module = _experiments.get(name).func.__module__
                    try:
                        inflight[backend.submit((h, name, params, seed, module), timeout)] = h
                    except WorkersCannotStart:
                        st.release([c[0] for c in claimed[i:]] + list(inflight.values()))
                        raise
                    except cf.BrokenExecutor:
                        # the pool broke since the last results (a worker died): its futures will report it;
                        # give back what was not submitted (no attempt counted) and restart once they have
                        st.release([c[0] for c in claimed[i:]])
                        if not inflight:
                            backend.restart()
                        break
            if not inflight:
                c = st.counts()
                if c["pending"] == 0 and c["running"] == 0:
                    break
                # the remaining tasks are claimed by another coordinator: wait for it (or for it to die)
                time.sleep(min(0.5, heartbeat))
                st.reclaim_stale(stale_after)
                continue
            done, _ = cf.wait(inflight, timeout=min(1.0, heartbeat), return_when=cf.FIRST_COMPLETED)
            died, broken = [], False
            for f in done:
                h = inflight.pop(f)
                try:
                    out = f.result()
                except TaskTimeout as exc:  # the local pool killed the worker (and replaces it)
                    out = _outcome(h, started=time.time() - exc.seconds)
                    out.update(error=_timeout_error(exc.seconds, "stopped; its worker process was replaced"),
                               wall_time=exc.seconds, finished_at=time.time())
                    unsaved.append(out)
                except (Exception, cf.CancelledError) as exc:
                    died.append((h, exc))
                    broken |= isinstance(exc, cf.BrokenExecutor)
                else:
                    unsaved.append(out)
                    if out.get("abandoned"):
                        backend.after_timeout(out)
            save()
            cannot = next((exc for _, exc in died if isinstance(exc, WorkersCannotStart)), None)
            if cannot is not None:  # nothing ran: give every task back, no attempt counted, and say why
                st.release([h for h, _ in died] + list(inflight.values()))
                raise cannot
            if broken:  # every other running task of this pool is lost too
                for f, h in list(inflight.items()):
                    exc = f.exception()
                    if exc is None:
                        unsaved.append(f.result())
                    else:
                        died.append((h, exc))
                inflight.clear()
                save()
            if died:
                lost = st.release([h for h, _ in died], died=True, max_attempts=max_attempts,
                                  error=f"{type(died[0][1]).__name__}: {died[0][1]}")
                if lost:
                    failed += len(lost)
                    bar.update(len(lost))
                    bar.set_postfix(failed=failed, refresh=False)
            if broken:
                backend.restart()
    except KeyboardInterrupt:
        for f in list(inflight):
            if f.done() and not f.cancelled() and f.exception() is None:
                unsaved.append(f.result())
        save()
        raise
    return ran


"""The local process pool of sweeps: worker processes that never outlive their coordinator, hard per-task timeouts.

:class:`LocalPool` is a ``concurrent.futures.Executor`` of ``workers`` processes started with the ``spawn``
method. Unlike ``ProcessPoolExecutor`` it talks to each worker over its own pipe (one task at a time), so

* it creates no multiprocessing locks or semaphores: nothing for the resource tracker to report as leaked
  when the coordinator is interrupted or killed;
* a worker that dies (SIGKILL, out of memory, a crash in compiled code) fails only the future of the task it
  was running (:class:`WorkerDied`) and is replaced; the other workers and their tasks go on;
* a task given a time limit (:meth:`LocalPool.submit_with_timeout`) that runs over it has its worker killed
  and replaced, and its future fails with :class:`TaskTimeout`.

A worker exits when its coordinator dies, whatever the way (``kill -9`` included), through three independent
layers: on Linux the kernel sends it SIGKILL when the thread that started it ends (``prctl(PR_SET_PDEATHSIG)``);
on every platform a watchdog thread waits on the coordinator's end of the multiprocessing start-up pipe
(which the operating system closes when the coordinator dies) and ends the process; and an idle worker
reads end-of-file on its task pipe and returns. (The watchdog needs the interpreter lock: a task inside
compiled code that holds it delays the watchdog until it returns; the Linux layer does not wait.)

Workers start with SIGINT blocked and then ignore it, so a Ctrl-C in the terminal (sent to the whole process
group) reaches only the coordinator, even while a worker is still importing; the coordinator decides what
happens to the workers. Threads: the environment variables ``NUMBA_NUM_THREADS``, ``OMP_NUM_THREADS``, ... are
set in the environment the workers start with (before they import NumPy or Numba).
"""
from __future__ import annotations

import atexit
import collections
import concurrent.futures as cf
import logging
import multiprocessing
import multiprocessing.connection as mpc
import os
import signal
import sys
import threading
import time
import traceback
import weakref
from contextlib import contextmanager

from ..core.checks import check_int

__all__ = ["LocalPool", "WorkerDied", "TaskTimeout", "usable_cores", "THREAD_VARS"]

log = logging.getLogger("wfm.sweep")

THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

_SPAWN = multiprocessing.get_context("spawn")
_PR_SET_PDEATHSIG = 1


def usable_cores() -> int:
    """Cores this process may run on (CPU affinity where the OS tells, else ``os.cpu_count()``)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class WorkerDied(RuntimeError):
    """The worker process running the task died (killed, out of memory, a crash in compiled code)."""


class WorkersCannotStart(cf.BrokenExecutor):
    """Worker processes exit before they are ready, again and again: the pool cannot run anything (their own
    error output says why; the usual cause is a script that starts work at import time, see
    :func:`wfm.sweep.run`)."""


class TaskTimeout(RuntimeError):
    """The task ran longer than its time limit; its worker process was killed and replaced."""

    def __init__(self, seconds):
        super().__init__(f"timeout after {seconds:g} s")
        self.seconds = seconds

    def __reduce__(self):
        return (TaskTimeout, (self.seconds,))


# ----------------------------------------------------------------------------------------------------------
# worker side


def _die_with_parent(parent_pid: int, *, pdeathsig: bool = True):
    """Make this process end when its parent ``parent_pid`` ends (module docstring); call it first thing."""
    if pdeathsig and sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watchdog below still works
            pass
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)
    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    threading.Thread(target=_watch_parent, args=(sentinel, parent_pid), daemon=True,
                     name="wfm-parent-watchdog").start()


def _watch_parent(sentinel, parent_pid):
    """Return never: end the process as soon as the parent is gone."""
    if sentinel is not None:
        try:
            mpc.wait([sentinel])
        except OSError:
            pass
    else:  # no start-up pipe (should not happen with spawn): poll the parent pid
        while os.getppid() == parent_pid:
            time.sleep(0.5)
    os._exit(1)


def _worker_main(conn, parent_pid, pdeathsig=True):
    """A worker: run ``fn(*args, **kwargs)`` for each message ``(fn, args, kwargs)``; ``None`` or EOF ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the coordinator
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent(parent_pid, pdeathsig=pdeathsig)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the coordinator closed the pipe or died
            break
        if msg is None:
            break
        fn, args, kwargs = msg
        try:
            reply = (True, fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 -- reported to the caller's future
            reply = (False, _transportable(exc))
        try:
            conn.send(reply)
        except (BrokenPipeError, EOFError, OSError):
            break
        except Exception as exc:  # the result does not pickle
            conn.send((False, RuntimeError(f"the result of {getattr(fn, '__name__', fn)} cannot be sent back: "
                                           f"{type(exc).__name__}: {exc}")))
    conn.close()


def _transportable(exc):
    """``exc`` if it pickles, else a RuntimeError with its type, message and traceback."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return RuntimeError(f"{type(exc).__name__}: {exc}\n{text}")


# ----------------------------------------------------------------------------------------------------------
# coordinator side


_ENV_LOCK = threading.Lock()


@contextmanager
def _environ(env):
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class _EnvSpawnProcess(_SPAWN.Process):
    """A spawned process that starts with ``self._wfm_env`` added to its environment and SIGINT blocked."""

    _wfm_env: dict = {}

    @staticmethod
    def _Popen(process_obj):  # noqa: N802 (the multiprocessing API name)
        blocked = hasattr(signal, "pthread_sigmask")
        # the spawn start method launches multiprocessing's resource tracker on first use and then *unblocks*
        # SIGINT in the calling thread, so the first worker would start with Ctrl-C live: launch it first
        if sys.platform != "win32":
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
        with _ENV_LOCK, _environ(process_obj._wfm_env):
            old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if blocked else None
            try:
                return _SPAWN.Process._Popen(process_obj)
            finally:
                if blocked:
                    signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _Item:
    __slots__ = ("future", "fn", "args", "kwargs", "timeout")

    def __init__(self, future, fn, args, kwargs, timeout):
        self.future, self.fn, self.args, self.kwargs, self.timeout = future, fn, args, kwargs, timeout


class _Worker:
    __slots__ = ("proc", "conn", "ready", "item", "started", "killed")

    def __init__(self, proc, conn):
        self.proc, self.conn = proc, conn
        self.ready = False
        self.item = None
        self.started = 0.0
        self.killed = False


_POOLS: "weakref.WeakSet[LocalPool]" = weakref.WeakSet()


@atexit.register
def _end_pools():  # a pool the program did not shut down: end its workers before the interpreter goes
    for pool in list(_POOLS):
        try:
            pool.terminate()
        except Exception:  # noqa: BLE001 -- best effort at exit
            pass


class LocalPool(cf.Executor):
    """The default local executor: ``workers`` spawned processes with ``threads`` Numba/BLAS threads each.

    ``workers`` defaults to the usable cores and ``threads`` to ``cores // workers`` (at least 1), set through
    ``NUMBA_NUM_THREADS``, ``OMP_NUM_THREADS``, ... in the environment the workers start with. Workers are
    started when work arrives, ignore SIGINT (the coordinator handles Ctrl-C), end with their coordinator,
    and a dead one is replaced (module docstring). Create one and pass it as ``executor=`` to several sweeps
    to pay the start-up (spawn + ``import wfm`` + Numba cache loading) once::

        with wfm.sweep.LocalPool() as pool:
            for spec in specs:
                wfm.sweep.run(spec, store, executor=pool)
    """

    def __init__(self, workers=None, threads=None):
        cores = usable_cores()
        self.workers = cores if workers is None else check_int("workers", workers, min_value=1)
        self.threads = (max(1, cores // self.workers) if threads is None
                        else check_int("threads", threads, min_value=1))
        self.env = {v: str(self.threads) for v in THREAD_VARS}
        self._lock = threading.Lock()
        self._reset()
        _POOLS.add(self)

    #: the Linux layer of "workers end with their coordinator" (tests turn it off to check the portable one)
    _pdeathsig = True
    #: a worker that dies before it is ready this many times in a row breaks the pool (it cannot start)
    _max_startup_failures = 3

    def _reset(self):
        self._queue = collections.deque()
        self._procs: list = []
        self._closing = False
        self._terminating = False
        self._broken: cf.BrokenExecutor | None = None  # why the pool broke (its type: WorkersCannotStart or not)
        self._startup_failures = 0
        self._thread = None
        self._wake_r, self._wake_w = mpc.Pipe(duplex=False)

    @property
    def _max_workers(self):
        return self.workers

    def __repr__(self):
        return f"local process pool: {self.workers} workers x {self.threads} threads"

    # -- the Executor interface ----------------------------------------------------------------------------

    def submit(self, fn, /, *args, **kwargs):
        return self.submit_with_timeout(None, fn, *args, **kwargs)

    def submit_with_timeout(self, timeout, fn, /, *args, **kwargs):
        """Like :meth:`submit`; a call that runs more than ``timeout`` seconds (None: no limit) has its worker
        process killed and replaced, and its future fails with :class:`TaskTimeout`. The clock starts when a
        worker (already started) receives the call."""
        future = cf.Future()
        with self._lock:
            if self._broken is not None:
                raise type(self._broken)(*self._broken.args)
            if self._closing:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._queue.append(_Item(future, fn, args, kwargs, timeout))
            if self._thread is None:
                self._thread = threading.Thread(target=self._manage, name="wfm-local-pool", daemon=True)
                self._thread.start()
        self._wake()
        return future

    def shutdown(self, wait=True, *, cancel_futures=False):
        """No new calls; the queued ones run (unless ``cancel_futures``), then the workers exit."""
        with self._lock:
            self._closing = True
            if cancel_futures:
                while self._queue:
                    self._queue.popleft().future.cancel()
            thread = self._thread
        self._wake()
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join()

    def terminate(self):
        """Stop now: cancel the queued calls and kill the workers (their running calls are abandoned: their
        futures fail with :class:`WorkerDied`)."""
        with self._lock:
            self._closing = self._terminating = True
            while self._queue:
                self._queue.popleft().future.cancel()
            procs = [w.proc for w in self._procs]
            thread = self._thread
        for p in procs:
            _kill(p)
        self._wake()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        for p in procs:
            p.join(timeout=5)

    def restart(self):
        """Terminate, then accept work again with fresh workers."""
        self.terminate()
        with self._lock:
            self._reset()

    # -- the manager thread --------------------------------------------------------------------------------

    def _wake(self):
        with self._lock:
            try:
                self._wake_w.send_bytes(b"w")
            except OSError:  # closed: the manager is gone
                pass

    def _spawn(self):
        parent, child = _SPAWN.Pipe(duplex=True)
        proc = _EnvSpawnProcess(target=_worker_main, args=(child, os.getpid(), self._pdeathsig),
                                name="wfm-sweep-worker")
        proc._wfm_env = self.env
        proc.start()
        child.close()
        self._procs.append(_Worker(proc, parent))

    def _manage(self):
        # SIGINT stays with the main thread; processes started from here inherit the blocked mask
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._loop()
        except BaseException as exc:  # noqa: BLE001 -- fail the calls rather than hang them
            if not isinstance(exc, cf.BrokenExecutor):
                log.exception("the local pool's manager thread failed")
            with self._lock:
                self._broken = (exc if isinstance(exc, cf.BrokenExecutor)
                                else cf.BrokenExecutor(f"the local pool failed: {exc!r}"))
                items = [w.item for w in self._procs if w.item] + list(self._queue)
                self._queue.clear()
            for it in items:
                if not it.future.done():
                    it.future.set_exception(type(self._broken)(*self._broken.args))
        finally:
            deadline = time.monotonic() + 2.0
            for w in self._procs:  # asked to exit (or killed) already: give them a moment, then kill
                w.proc.join(timeout=max(0.0, deadline - time.monotonic()))
                _kill(w.proc)
            for w in self._procs:
                w.proc.join(timeout=5)
                w.conn.close()
            self._procs = []
            with self._lock:
                self._wake_r.close()
                self._wake_w.close()

    def _loop(self):
        while True:
            with self._lock:
                if self._terminating:
                    for w in self._procs:
                        _kill(w.proc)
                        w.killed = True
                self._assign()
                busy = [w for w in self._procs if w.item is not None]
                if self._closing and not self._queue and not busy:
                    break
                need = len(self._queue) + len(busy)
                if not self._closing:
                    while len(self._procs) < min(self.workers, need):
                        self._spawn()
                now = time.monotonic()
                deadlines = [w.started + w.item.timeout for w in busy if w.item.timeout is not None]
                waitables = [self._wake_r] + [w.conn for w in self._procs] + [w.proc.sentinel for w in self._procs]
            timeout = None if not deadlines else max(0.0, min(deadlines) - now)
            ready = set(mpc.wait(waitables, timeout))
            if self._wake_r in ready:
                while self._wake_r.poll():
                    self._wake_r.recv_bytes()
            with self._lock:
                for w in list(self._procs):
                    if w.conn in ready:
                        self._receive(w)
                for w in list(self._procs):
                    if w.proc.sentinel in ready or not w.proc.is_alive():
                        self._reap(w)
                now = time.monotonic()
                for w in self._procs:
                    it = w.item
                    if it is not None and it.timeout is not None and now - w.started >= it.timeout:
                        w.item = None
                        w.killed = True
                        _kill(w.proc)
                        it.future.set_exception(TaskTimeout(it.timeout))
        # closing: ask the idle workers to exit
        for w in self._procs:
            try:
                w.conn.send(None)
            except OSError:
                pass

    def _assign(self):
        for w in self._procs:
            if not self._queue:
                return
            if w.ready and w.item is None and not w.killed:
                while self._queue:
                    it = self._queue.popleft()
                    if it.future.set_running_or_notify_cancel():
                        try:
                            w.conn.send((it.fn, it.args, it.kwargs))
                        except (OSError, EOFError):  # the worker is dying: its sentinel will tell
                            it.future.set_exception(WorkerDied("the worker process was gone when the task was sent"))
                            w.killed = True
                            break
                        except Exception as exc:  # the call does not pickle
                            it.future.set_exception(exc)
                            continue
                        w.item, w.started = it, time.monotonic()
                        break

    def _receive(self, w):
        try:
            msg = w.conn.recv()
        except (EOFError, OSError):  # died: _reap handles it
            return
        except Exception as exc:  # a result that does not unpickle here
            msg = (False, RuntimeError(f"the result could not be read: {type(exc).__name__}: {exc}"))
        if isinstance(msg, tuple) and len(msg) == 2 and msg[0] == "ready":
            w.ready = True
            self._startup_failures = 0
            return
        it, w.item = w.item, None
        if it is None:  # a result that arrived after a timeout was declared
            return
        ok, value = msg
        if ok:
            it.future.set_result(value)
        else:
            it.future.set_exception(value)

    def _reap(self, w):
        if w.proc.is_alive():
            return
        w.proc.join(timeout=1)
        if not w.ready and not w.killed and not self._terminating:
            self._startup_failures += 1
            if self._startup_failures >= self._max_startup_failures:
                raise WorkersCannotStart(f"worker processes exit before they are ready ({self._startup_failures} in "
                                         f"a row, last exit code {w.proc.exitcode}): see their error output above "
                                         "(for example a script that starts a sweep without "
                                         "`if __name__ == \"__main__\":`)")
        it, w.item = w.item, None
        if it is not None and not it.future.done():
            code = w.proc.exitcode
            how = (f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}")
            it.future.set_exception(WorkerDied(f"the worker process {w.proc.pid} died ({how}) while running "
                                               "this task"))
        w.conn.close()
        self._procs.remove(w)


def _kill(proc):
    try:
        if proc.is_alive():
            proc.kill()
    except (OSError, ValueError, AttributeError):  # already gone or closed
        pass

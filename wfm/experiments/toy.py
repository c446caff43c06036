"""Experiments that need nothing but NumPy: the test and benchmark workload of the sweep machinery.

``echo`` (seeded draws), ``sleep`` (a stand-in for a long task, with failure and crash switches for the
kill/resume tests) and ``cpu`` (deterministic integer work for the parallel speed-up benchmark).
"""
from __future__ import annotations

import os
import time

import numpy as np

from .registry import experiment

@experiment("echo")
def echo(*, x: float = 0.0, size: int = 3, fail: bool = False, seed: int) -> dict:
    """Trivial experiment: returns ``x``, one uniform draw and ``size`` Gaussian draws from ``seed``.

    ``fail=true`` raises (to exercise failed tasks). Used to measure scheduling overhead.
    """
    if fail:
        raise RuntimeError(f"echo asked to fail (x={x}, seed={seed})")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return {"x_out": x, "u": float(rng.random()), "z": rng.standard_normal(size)}


def _check_sleep(p):
    if p["seconds"] < 0:
        raise ValueError(f"seconds must be >= 0, got {p['seconds']}")


@experiment("sleep", check=_check_sleep)
def sleep(*, seconds: float = 0.1, fail: bool = False, fail_if_exists: str = "", crash_once: str = "",
          log: str = "", log_start: str = "", seed: int) -> dict:
    """Sleeps ``seconds`` then returns a seeded draw: a stand-in for a long task in kill/resume tests.

    ``fail=true`` raises after sleeping; ``fail_if_exists=PATH`` raises if PATH exists (a failure that can be
    fixed, for ``--retry-failed``). ``crash_once=PATH`` kills its own worker process with SIGKILL half way
    through the first time it runs (creating PATH), to test that a task whose worker dies is not lost.
    ``log=PATH`` appends one line ``seed pid ppid`` to PATH when the task completes, so tests can count how
    many times each task ran and in which process; ``log_start=PATH`` does the same when the task starts.
    """
    _check_sleep({"seconds": seconds})
    if log_start:
        _append(log_start, f"{seed} {os.getpid()} {os.getppid()}\n")
    time.sleep(seconds / 2)
    if crash_once:
        try:
            fd = os.open(crash_once, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass
        else:
            os.close(fd)
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(seconds / 2)
    if fail:
        raise RuntimeError(f"sleep asked to fail (seed={seed})")
    if fail_if_exists and os.path.exists(fail_if_exists):
        raise RuntimeError(f"sleep: {fail_if_exists} exists (seed={seed})")
    if log:
        _append(log, f"{seed} {os.getpid()} {os.getppid()}\n")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return {"u": float(rng.random()), "slept": seconds}


def _append(path, line):
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def _check_cpu(p):
    if p["size"] < 1:
        raise ValueError(f"size must be >= 1, got {p['size']}")
    if p["repeats"] < 0:
        raise ValueError(f"repeats must be >= 0, got {p['repeats']}")


@experiment("cpu", check=_check_cpu)
def cpu(*, size: int = 150, repeats: int = 20, seed: int) -> dict:
    """Deterministic CPU-bound work: ``repeats`` exact integer products X <- (A X) mod 1000003, A random ±1.

    Integer matrix products do not go through BLAS, so the result is bit-identical whatever the threads or
    the machine; the cost grows as ``repeats * size**3``. Used for the parallel speed-up benchmark.
    """
    _check_cpu({"size": size, "repeats": repeats})
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    a = rng.choice(np.array([-1, 1], dtype=np.int64), size=(size, size))
    x = a.copy()
    trace = 0
    for _ in range(repeats):
        x = (a @ x) % 1_000_003
        trace = (trace + int(np.trace(x))) % 1_000_003
    return {"trace": trace, "row_sums": x.sum(axis=1)}



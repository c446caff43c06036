"""Sweeps that are killed, interrupted or run twice at once: real processes and real signals."""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import numpy as np
import pytest

import wfm.sweep as S

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
META = ["status", "attempts", "version", "host", "wall_time", "started_at", "finished_at", "error"]


def start_sweep(spec_path, *extra):
    """``wfm sweep run`` in its own process group (so the test can signal it and all its workers)."""
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # the sweep command (python -m wfm sweep): same code as `wfm sweep`, independent of the
    # other subcommands of `wfm`
    # SIGINT back to its default: a shell ignores it in background jobs (`pytest &`), and the child would inherit
    # that, so the test's Ctrl-C would not reach the sweep (it then ran to the end with exit 0)
    return subprocess.Popen([sys.executable, "-m", "wfm", "sweep", "run", str(spec_path), "--no-progress",
                             *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def n_done(path):
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as con:
            return con.execute("SELECT count(*) FROM tasks WHERE status='done'").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return -1


def wait_for(path, k, proc, timeout=60):
    t0 = time.monotonic()
    while n_done(path) < k:
        assert proc.poll() is None, f"sweep ended before {k} tasks were done: {proc.communicate()}"
        assert time.monotonic() - t0 < timeout, f"no {k} done tasks after {timeout} s"
        time.sleep(0.02)


def comparable(df):
    return {r["hash"]: {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in r.items()}
            for r in df.drop(columns=META).to_dict("records")}


def snapshot(path):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {h: (res, blob, t1) for h, res, blob, t1 in
                con.execute("SELECT hash, result, arrays, finished_at FROM tasks WHERE status='done'")}


SPEC = """experiment = "sleep"
seeds = {seeds}
[params]
seconds = {seconds}
log = "{log}"
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run of the kill-test spec (in this process, local pool)."""
    d = tmp_path_factory.mktemp("ref")
    spec = d / "spec.toml"
    spec.write_text(SPEC.format(seeds=30, seconds=0.08, log=d / "log"))
    S.run(spec, workers=2, progress=False)
    return S.load(d / "spec.sqlite")


@pytest.mark.parametrize("when", ["random", pytest.param("at-start", marks=pytest.mark.slow)])
def test_sigkill_then_resume_loses_nothing_and_runs_nothing_twice(tmp_path, reference, when):
    log = tmp_path / "log"
    spec = tmp_path / "spec.toml"
    # same parameters as the reference except the log path, which is in the hash: compare without it
    spec.write_text(SPEC.format(seeds=30, seconds=0.08, log=log))
    store = tmp_path / "spec.sqlite"
    proc = start_sweep(spec, "--workers", "2")
    k = random.Random().randint(1, 24) if when == "random" else 0
    print(f"killing after {k} done tasks")
    if k:
        wait_for(store, k, proc)
    else:
        wait_for(store, 0, proc)  # the store exists and the tasks are registered
    os.killpg(proc.pid, signal.SIGKILL)  # coordinator and its workers, no chance to clean up
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    before = snapshot(store)  # also checks PRAGMA integrity_check after the kill
    assert len(before) >= k
    with sqlite3.connect(store) as con:
        running = con.execute("SELECT count(*) FROM tasks WHERE status='running'").fetchone()[0]
    print(f"after the kill: {len(before)} done, {running} claimed by the dead coordinator")

    rep = S.run(spec, workers=2, progress=False)  # resume
    assert (rep.done, rep.failed, rep.pending, rep.total) == (30, 0, 0, 30)
    assert rep.skipped == len(before) and rep.ran == 30 - len(before)
    after = snapshot(store)
    assert len(after) == 30
    for h, row in before.items():  # finished tasks were kept as they were, not recomputed
        assert after[h] == row
    # every task completed exactly once (the log line is written when a task completes, before its result
    # reaches the coordinator: a task killed between the two may appear twice, never zero times)
    runs = Counter(int(line.split()[0]) for line in log.read_text().splitlines())
    assert set(runs) == set(range(30))
    assert sum(runs.values()) - 30 <= running
    df = S.load(store)
    assert len(df) == 30 and df["hash"].is_unique and (df["status"] == "done").all()
    got = {r["seed"]: (r["u"], r["slept"]) for r in df.to_dict("records")}
    ref = {r["seed"]: (r["u"], r["slept"]) for r in reference.to_dict("records")}
    assert got == ref


def test_two_coordinators_on_one_store(tmp_path):
    log = tmp_path / "log"
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.format(seeds=40, seconds=0.1, log=log))
    procs = [start_sweep(spec, "--workers", "1") for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    lines = [line.split() for line in log.read_text().splitlines()]
    runs = Counter(int(seed) for seed, _, _ in lines)
    assert runs == Counter(range(40))  # every task ran exactly once
    coordinators = Counter(ppid for _, _, ppid in lines)
    assert len(coordinators) == 2, f"one coordinator did all the work: {coordinators}"
    df = S.load(tmp_path / "spec.sqlite")
    assert len(df) == 40 and df["hash"].is_unique and sorted(df["seed"]) == list(range(40))
    with sqlite3.connect(tmp_path / "spec.sqlite") as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM coordinators").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM tasks").fetchone()[0] == 40


@pytest.mark.parametrize("sig", [signal.SIGINT, pytest.param(signal.SIGTERM, marks=pytest.mark.slow)])
def test_ctrl_c_saves_what_finished_and_releases_the_rest(tmp_path, sig):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.format(seeds=200, seconds=0.1, log=tmp_path / "log"))
    store = tmp_path / "spec.sqlite"
    proc = start_sweep(spec, "--workers", "2")
    wait_for(store, 3, proc)
    os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)  # Ctrl-C hits the whole group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted; finished tasks are saved" in err and "Traceback" not in err
    assert "leaked" not in err and "resource_tracker" not in err, err
    logged = {int(line.split()[0]) for line in (tmp_path / "log").read_text().splitlines()}
    with sqlite3.connect(store) as con:
        counts = dict(con.execute("SELECT status, count(*) FROM tasks GROUP BY status").fetchall())
        done = {s for (s,) in con.execute("SELECT seed FROM tasks WHERE status='done'")}
        assert con.execute("SELECT count(*) FROM coordinators").fetchone()[0] == 0
    assert "running" not in counts and counts["done"] >= 3 and counts["done"] < 200
    # what finished before the interrupt is saved (a task may finish in the instant the workers are stopped)
    assert len(logged - done) <= 2
    for _ in range(50):  # multiprocessing's resource tracker exits shortly after its parent
        left = _children(proc.pid)
        if not left:
            break
        time.sleep(0.1)
    assert not left, [open(f"/proc/{p}/cmdline").read().replace("\0", " ") for p in left]


def _children(pgid):
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.getpgid(int(pid)) == pgid:
                    out.append(int(pid))
            except ProcessLookupError:
                pass
    return out


# ------------------------------------------------------------------------------ orphans, semaphores, start-up

LONG = """experiment = "sleep"
seeds = 4
[params]
seconds = 60
log_start = "{log}"
"""


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (dead, not yet reaped by its new parent) counts as dead
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _start_coordinator(spec_path, pdeathsig=True):
    """``wfm sweep run`` as a child of this process; ``pdeathsig=False`` switches off the Linux layer of the
    workers' protection so that the portable watchdog alone is tested."""
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    code = ("import sys, wfm.sweep.pool as P\n"
            f"P.LocalPool._pdeathsig = {pdeathsig}\n"
            "from wfm.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    return subprocess.Popen([sys.executable, "-c", code, "sweep", "run", str(spec_path), "--no-progress",
                             "--workers", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _children_of(pid):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(p))
            except (OSError, IndexError, ValueError):
                pass
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("pdeathsig", [True, False], ids=["prctl+watchdog", "watchdog-only"])
def test_workers_exit_when_the_coordinator_is_killed(tmp_path, pdeathsig):
    log = tmp_path / "started"
    spec = tmp_path / "spec.toml"
    spec.write_text(LONG.format(log=log))
    proc = _start_coordinator(spec, pdeathsig)
    try:
        t0 = time.monotonic()
        while len(log.read_text().splitlines() if log.exists() else []) < 2:  # both workers are in a task
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() - t0 < 120, "the workers did not start their tasks"
            time.sleep(0.05)
        workers = {int(line.split()[1]) for line in log.read_text().splitlines()}
        assert {int(line.split()[2]) for line in log.read_text().splitlines()} == {proc.pid}
        children = set(_children_of(proc.pid))  # the workers and multiprocessing's resource tracker
        assert workers <= children
        os.kill(proc.pid, signal.SIGKILL)  # the coordinator alone, no chance to clean up
        proc.wait(timeout=30)
        t_kill = time.monotonic()
        while any(_alive(p) for p in children) and time.monotonic() - t_kill < 10:
            time.sleep(0.05)
        left = [p for p in children if _alive(p)]
        print(f"workers {sorted(workers)} gone {time.monotonic() - t_kill:.2f} s after the kill")
        assert not left, f"still alive 10 s after the coordinator was killed: {left}"
        _, err = proc.communicate(timeout=30)  # returns: no orphan holds the coordinator's stderr open
        assert "leaked" not in err and "resource_tracker" not in err, err
    finally:
        for p in [proc.pid] + _children_of(proc.pid):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_ctrl_c_while_workers_start_prints_no_traceback_and_no_leak_warning(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.format(seeds=100, seconds=0.1, log=tmp_path / "log"))
    store = tmp_path / "spec.sqlite"
    proc = start_sweep(spec, "--workers", "2")
    wait_for(store, 0, proc)  # the tasks are registered; the workers are being started (importing wfm)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C hits the whole process group, workers included
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "leaked" not in err and "resource_tracker" not in err, err
    assert err.strip().splitlines()[-1].startswith("wfm sweep: interrupted")
    for _ in range(50):
        left = _children(proc.pid)
        if not left:
            break
        time.sleep(0.1)
    assert not left


_FIRST_WORKER_MASK = """
import signal, sys
from wfm.sweep import pool

def report(conn):
    conn.send(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))

if __name__ == "__main__":
    parent, child = pool._SPAWN.Pipe()
    p = pool._EnvSpawnProcess(target=report, args=(child,))
    p.start()
    print("blocked" if parent.recv() else "live")
    p.join()
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="no signal masks")
def test_the_first_worker_starts_with_sigint_blocked(tmp_path):
    """The first spawn also launches multiprocessing's resource tracker, which unblocks SIGINT behind us."""
    script = tmp_path / "first.py"
    script.write_text(_FIRST_WORKER_MASK)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                         cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert out.stdout.strip() == "blocked", out.stderr


_NO_MAIN_GUARD = """
import wfm.sweep as S
S.run({{"experiment": "echo", "seeds": [0, 1, 2], "params": {{"size": 2}}}}, {store!r}, workers=2, progress=False)
print("finished")
"""


def test_a_script_without_a_main_guard_fails_at_once_and_loses_no_task(tmp_path):
    # the workers are spawned and import the script: its top-level sweep started a second sweep in each worker,
    # on the same store, waiting for the tasks its parent held (both waited for ever, idle)
    store = tmp_path / "s.sqlite"
    script = tmp_path / "noguard.py"
    script.write_text(_NO_MAIN_GUARD.format(store=str(store)))
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "finished" not in proc.stdout
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("wfm.sweep.pool.WorkersCannotStart: worker processes exit before they are ready"), last
    assert "without `if __name__ == \"__main__\":`" in last
    assert "wfm.sweep.run was called while a worker process imported the main script" in proc.stderr
    with sqlite3.connect(store) as con:  # given back: pending, no attempt counted (the tasks did not fail)
        assert con.execute("SELECT status, attempts FROM tasks").fetchall() == [("pending", 0)] * 3

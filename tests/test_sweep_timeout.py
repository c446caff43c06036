"""Per-task time limits: a task over its limit is failed ("timeout after S s"), its worker replaced, the sweep
goes on (real processes; the Dask part on a real LocalCluster)."""
import os
import subprocess
import sys
import time

import pytest

import wfm.sweep as S

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli(*args, timeout=180):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "wfm.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _pids(log):
    return {int(seed): int(pid) for seed, pid, _ in (line.split() for line in log.read_text().splitlines())}


def test_a_task_over_its_time_limit_fails_and_its_worker_is_replaced(tmp_path):
    started, done = tmp_path / "started", tmp_path / "done"
    # seed 0 sleeps 60 s, the others 0.05 s; one worker, so the short tasks need the replacement worker
    spec = {"experiment": "sleep", "seeds": [0], "timeout": 1.5,
            "params": {"log_start": str(started), "log": str(done)},
            "zip": {"seconds": [60.0]}}
    short = {**spec, "zip": {"seconds": [0.05]}, "seeds": {"start": 1, "count": 3}}
    path = str(tmp_path / "t.sqlite")
    t0 = time.monotonic()
    with S.LocalPool(1) as pool:
        rep = S.run(spec, path, executor=pool, progress=False)
        rep2 = S.run(short, path, executor=pool, progress=False)
    wall = time.monotonic() - t0
    assert (rep.failed, rep.done) == (1, 0) and (rep2.done, rep2.failed) == (3, 0)
    assert wall < 40, f"the sweep waited for the task instead of stopping it ({wall:.1f} s)"
    ((h, exp, params, seed, error),) = S.failures(path)
    assert seed == 0 and error.startswith("timeout after 1.5 s")
    first = _pids(started)[0]
    assert not _alive(first)  # the worker running the long task was killed ...
    assert set(_pids(done)) == {1, 2, 3} and first not in set(_pids(done).values())  # ... and replaced
    df = S.load(path, status=None)
    assert df.loc[df["seed"] == 0, "wall_time"].item() == pytest.approx(1.5)


def test_timeouts_of_a_mixed_sweep_on_two_workers(tmp_path):
    spec = {"experiment": "sleep", "seeds": 2, "grid": {"seconds": [0.05, 60.0, 0.1]}}
    path = str(tmp_path / "m.sqlite")
    t0 = time.monotonic()
    rep = S.run(spec, path, workers=2, timeout=1.0, progress=False)
    assert time.monotonic() - t0 < 60
    assert (rep.done, rep.failed, rep.pending) == (4, 2, 0)
    fails = S.failures(path)
    assert {f[2]["seconds"] for f in fails} == {60.0}
    assert all(f[4].startswith("timeout after 1 s") for f in fails)


def test_timeout_from_the_spec_and_the_command_line(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text('experiment = "sleep"\nseeds = 2\ntimeout = 0.5\n[params]\nseconds = 2.0\n')
    r = cli("sweep", "run", str(spec), "--dry-run")
    assert r.returncode == 0 and "timeout 0.5 s per task" in r.stdout
    r = cli("sweep", "run", str(spec), "--workers", "2", "--no-progress")
    assert r.returncode == 1 and "0/2 done, 2 failed" in r.stdout, r.stderr
    r = cli("sweep", "status", str(tmp_path / "spec.sqlite"), "--failed")
    assert r.stdout.count("timeout after 0.5 s") == 2
    # the command line overrides the spec: with a longer limit the failed tasks succeed
    r = cli("sweep", "run", str(spec), "--workers", "2", "--no-progress", "--retry-failed", "--timeout", "30")
    assert r.returncode == 0 and "2/2 done" in r.stdout, r.stderr


@pytest.mark.parametrize("value, match", [(0, "timeout must be a number of seconds > 0"),
                                          ("abc", "timeout must be a number of seconds > 0"),
                                          (True, "timeout must be a number of seconds > 0")])
def test_bad_timeouts_are_rejected(tmp_path, value, match):
    with pytest.raises((TypeError, ValueError), match=match):
        S.load_spec({"experiment": "echo", "timeout": value})
    with pytest.raises((TypeError, ValueError), match=match):
        S.run({"experiment": "echo"}, str(tmp_path / "x.sqlite"), timeout=value, progress=False)
    assert not (tmp_path / "x.sqlite").exists()
    r = cli("sweep", "run", "nonexistent.toml", "--timeout", "-1")
    assert r.returncode == 2


def test_timeout_on_dask(tmp_path):
    pytest.importorskip("distributed")
    started = tmp_path / "started"
    spec = {"experiment": "sleep", "seeds": 3, "params": {"log_start": str(started)},
            "zip": {"seconds": [30.0]}}
    path = str(tmp_path / "d.sqlite")
    t0 = time.monotonic()
    rep = S.run(spec, path, scheduler="local:1", timeout=2.0, progress=False)
    assert time.monotonic() - t0 < 60
    assert (rep.failed, rep.done) == (3, 0)
    assert all(f[4].startswith("timeout after 2 s") for f in S.failures(path))
    # with a limit the tasks can meet, they finish
    rep = S.run({**spec, "zip": {"seconds": [0.1]}}, path, scheduler="local:1", timeout=20.0, progress=False)
    assert (rep.done, rep.failed) == (3, 0)

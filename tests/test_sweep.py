"""Sweeps: specs, hashes, the store, the local executor, failures and errors (real processes, no mocks)."""
import io
import json
import os
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

import wfm.sweep as S
from wfm.sweep.store import Store, decode_result, encode_result

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
META = ["status", "attempts", "version", "host", "wall_time", "started_at", "finished_at", "error"]


def cli(*args, timeout=120, **kw):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "wfm.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, **kw)


@pytest.fixture(scope="module")
def pool():
    """One real process pool shared by the tests that are not about the default executor (spawn start-up
    costs seconds)."""
    ex = S.LocalPool(2)
    yield ex
    ex.shutdown()


def records(df):
    """Records without timing/host metadata, keyed by hash, arrays as lists: comparable across runs."""
    out = {}
    for rec in df.drop(columns=META).to_dict("records"):
        out[rec["hash"]] = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in rec.items()}
    return out


# ---------------------------------------------------------------------------------------------- specs


def write(tmp_path, text, name="spec.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_spec_expands_grid_zip_and_seeds(tmp_path):
    p = write(tmp_path, """
experiment = "echo"
seeds = {start = 10, count = 2}
[params]
size = 2
[grid]
x = [1, 2, 3]
[zip]
fail = [false, false]
""")
    spec = S.load_spec(p)
    tasks = spec.tasks()
    assert len(spec) == 12 and len(tasks) == 6  # the zip axis has two identical points: deduplicated
    assert [(t.params["x"], t.seed) for t in tasks] == [(1.0, 10), (1.0, 11), (2.0, 10), (2.0, 11), (3.0, 10), (3.0, 11)]
    assert spec.store == str(tmp_path / "spec.sqlite")
    assert all(t.hash == S.task_hash("echo", t.params, t.seed) for t in tasks)
    d = S.load_spec({"experiment": "echo", "seeds": [3, 1], "grid": {"x": [1.0, 2.0]}, "params": {"size": 2}})
    assert [(t.params["x"], t.seed) for t in d.tasks()] == [(1.0, 3), (1.0, 1), (2.0, 3), (2.0, 1)]
    # the same points from TOML and from a dict have the same hashes
    assert {t.hash for t in d.tasks()} & {t.hash for t in tasks} == set()
    e = S.load_spec({"experiment": "echo", "seeds": {"start": 10, "count": 2}, "params": {"size": 2, "fail": False},
                     "grid": {"x": [1, 2, 3]}})
    assert [t.hash for t in e.tasks()] == [t.hash for t in tasks]


@pytest.mark.parametrize("text, match", [
    ('experiment = "nope"', r"experiment='nope' is not a registered experiment.*'echo'"),
    ('seeds = 2', "needs `experiment`"),
    ('experiment = "echo"\n[params]\nbogus = 1', r"unknown parameter\(s\) bogus for experiment 'echo'"),
    ('experiment = "echo"\n[grid]\nsize = [1, 2.5]', "size must be an integer"),
    ('experiment = "echo"\n[grid]\nx = []', r"\[grid\] x must be a non-empty list"),
    ('experiment = "echo"\n[grid]\nx = 1', r"\[grid\] x must be a non-empty list"),
    ('experiment = "echo"\n[zip]\nx = [1, 2]\nsize = [1]', r"\[zip\] lists must have equal lengths"),
    ('experiment = "echo"\n[params]\nx = 1\n[grid]\nx = [1, 2]', r"'x' appears in both \[params\] and \[grid\]"),
    ('experiment = "echo"\n[params]\nseed = 1', "`seeds`"),
    ('experiment = "echo"\nseeds = 0', "seeds must be >= 1"),
    ('experiment = "echo"\nseeds = [1, 1]', "repeated"),
    ('experiment = "echo"\nseeds = [-1]', "seeds must be integers >= 0"),
    ('experiment = "echo"\nseeds = "all"', "seeds must be a count"),
    ('experiment = "echo"\nworkers = 3', r"unknown key\(s\) workers in sweep spec"),
    ('experiment = "cpu"\n[params]\nsize = 0', "size must be >= 1"),
    ('experiment = "sleep"\n[grid]\nseconds = [1, -1]', "seconds must be >= 0"),
    ('experiment = "echo"\n[params\n', "not valid TOML"),
])
def test_invalid_specs_are_rejected_before_anything_runs(tmp_path, text, match):
    p = write(tmp_path, text)
    with pytest.raises((ValueError, TypeError), match=match):
        S.run(p, progress=False)
    assert not (tmp_path / "spec.sqlite").exists()


def test_cli_reports_an_invalid_spec_in_one_line(tmp_path):
    p = write(tmp_path, 'experiment = "echo"\n[params]\nbogus = 1\n')
    r = cli("sweep", "run", str(p), "--no-progress")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        f"wfm sweep: error: unknown parameter(s) bogus for experiment 'echo'; allowed: x, size, fail "
        f"(sweep spec {str(p)!r})"]
    assert not (tmp_path / "spec.sqlite").exists()


def test_value_checks_of_an_experiment_run_at_validation(tmp_path):
    # 'cpu' raises for size 0 inside the function, so that is a failed task; the declared type is checked early
    with pytest.raises(TypeError, match="repeats must be an integer"):
        S.load_spec({"experiment": "cpu", "params": {"repeats": "many"}})


# ---------------------------------------------------------------------------------------------- store


def test_encoding_is_lossless_and_pickle_free():
    f = np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4))
    result = {"i": 2**70, "f": 0.1, "nan": float("nan"), "inf": -float("inf"), "s": "ü", "b": True, "n": None,
              "a8": np.array([-1, 1], dtype=np.int8), "f32": f, "c": np.array([1 + 2j]), "z": np.array(3.5),
              "bool": np.array([True, False]), "empty": np.zeros((0, 3))}
    r, names, blob = encode_result(result)
    back = decode_result(r, names, blob)
    assert set(back) == set(result)
    for k, v in result.items():
        if isinstance(v, np.ndarray):
            assert back[k].dtype == v.dtype and back[k].shape == v.shape
            assert back[k].tobytes() == v.tobytes()
        elif isinstance(v, float) and np.isnan(v):
            assert np.isnan(back[k])
        else:
            assert back[k] == v and type(back[k]) is type(v)
    assert back["f32"].flags.f_contiguous
    assert b"pickle" not in blob and decode_result(*encode_result({})) == {}


def test_a_store_with_a_pickled_array_is_refused_not_unpickled(tmp_path):
    path = str(tmp_path / "evil.sqlite")
    with Store(path) as st:
        st.add_tasks(S.load_spec({"experiment": "echo"}).tasks())
        buf = io.BytesIO()
        np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
        with st.transaction() as con:
            con.execute("UPDATE tasks SET status='done', result='{}', array_names='[\"z\"]', arrays=?",
                        (buf.getvalue(),))
    with pytest.raises(ValueError, match="allow_pickle=False"):
        S.load(path)


def test_store_path_errors_name_the_path(tmp_path):
    spec = {"experiment": "echo"}
    f = tmp_path / "file.txt"
    f.write_text("hello")
    with pytest.raises(ValueError, match=r"store .*file.txt/x.sqlite.*does not exist"):
        S.run(spec, str(f / "x.sqlite"), progress=False)
    with pytest.raises(ValueError, match=r"store .*file.txt.*cannot be used: file is not a database"):
        S.run(spec, str(f), progress=False)
    assert f.read_text() == "hello"
    with pytest.raises(ValueError, match=r"store '/proc/wfm-x.sqlite'"):
        S.run(spec, "/proc/wfm-x.sqlite", progress=False)
    with pytest.raises(ValueError, match="is a directory"):
        S.run(spec, str(tmp_path), progress=False)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE t (a)")
    with pytest.raises(ValueError, match="not a wfm sweep store"):
        S.run(spec, str(other), progress=False)
    with pytest.raises(ValueError, match="store: give the path"):
        S.run(spec, progress=False)
    with pytest.raises(ValueError, match="workers/threads configure the default local pool"):
        S.run(spec, str(tmp_path / "w.sqlite"), executor=object(), workers=2, progress=False)
    with pytest.raises(ValueError, match="workers: with a Dask scheduler use scheduler='local:N'"):
        S.run(spec, str(tmp_path / "w.sqlite"), scheduler="local:2", workers=2, progress=False)
    assert not (tmp_path / "w.sqlite").exists()
    with pytest.raises(ValueError, match="does not exist"):
        S.load(tmp_path / "missing.sqlite")
    if os.geteuid() != 0:  # root may write anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        with pytest.raises(ValueError, match="not writable"):
            S.run(spec, str(ro / "x.sqlite"), progress=False)


def test_two_stores_in_one_process_and_concurrent_claims_never_overlap(tmp_path):
    path = str(tmp_path / "c.sqlite")
    tasks = S.load_spec({"experiment": "echo", "seeds": 50}).tasks()
    a, b = Store(path), Store(path)
    for st in (a, b):
        st.add_tasks(tasks)
        st.select([t.hash for t in tasks])
        st.register()
    got_a, got_b = a.claim(20), b.claim(40)
    ha, hb = {r[0] for r in got_a}, {r[0] for r in got_b}
    assert len(ha) == 20 and len(hb) == 30 and not ha & hb
    assert a.counts() == {"pending": 0, "running": 50, "done": 0, "failed": 0}
    a.close()  # a's claims go back to pending
    assert b.counts()["pending"] == 20 and b.integrity_check() == "ok"
    b.close()


# ---------------------------------------------------------------------------------------------- running


def test_run_resume_and_load(tmp_path, pool):
    spec = {"experiment": "echo", "seeds": 3, "params": {"size": 2}, "grid": {"x": [0.5, 1.5]}}
    path = str(tmp_path / "s.sqlite")
    rep = S.run(spec, path, executor=pool, progress=False)
    assert (rep.total, rep.done, rep.failed, rep.ran, rep.skipped) == (6, 6, 0, 6, 0)
    again = S.run(spec, path, executor=pool, progress=False)
    assert (again.ran, again.skipped, again.done) == (0, 6, 6)
    df = S.load(path)
    assert len(df) == 6 and list(df.columns[:5]) == ["experiment", "hash", "seed", "size", "x"]
    assert (df["status"] == "done").all() and df["hash"].is_unique
    assert all(isinstance(z, np.ndarray) and z.shape == (2,) for z in df["z"])
    for row in df.itertuples():
        ref = S.run_task((row.hash, "echo", {"size": 2, "x": row.x}, row.seed))
        assert ref["status"] == "done"
        assert decode_result(ref["result"], ref["array_names"], ref["arrays"])["u"] == row.u
    # a larger grid on the same store runs only the new points
    spec["grid"]["x"] = [0.5, 1.5, 2.5]
    third = S.run(spec, path, executor=pool, progress=False)
    assert (third.ran, third.skipped, third.done) == (3, 6, 9)
    assert S.status(path) == {"echo": {"pending": 0, "running": 0, "done": 9, "failed": 0, "stale": 0}}


def test_failed_tasks_are_recorded_and_do_not_stop_the_sweep(tmp_path, pool):
    marker = tmp_path / "broken"
    marker.write_text("")
    spec = {"experiment": "sleep", "seeds": 2, "params": {"seconds": 0.0},
            "grid": {"fail_if_exists": ["", str(marker)]}}
    path = str(tmp_path / "f.sqlite")
    rep = S.run(spec, path, executor=pool, progress=False)
    assert (rep.done, rep.failed) == (2, 2)
    fails = S.failures(path)
    assert len(fails) == 2 and all("RuntimeError: sleep:" in f[4] and "Traceback" in f[4] for f in fails)
    assert S.run(spec, path, executor=pool, progress=False).ran == 0  # failed tasks are not rerun by default
    marker.unlink()
    rep = S.run(spec, path, executor=pool, retry_failed=True, progress=False)
    assert (rep.ran, rep.done, rep.failed) == (2, 4, 0)
    df = S.load(path, status=None)
    assert (df["status"] == "done").all() and df["error"].isna().all()


def test_default_pool_sets_threads_and_survives_a_killed_worker(tmp_path):
    marker = tmp_path / "crashed"
    spec = {"experiment": "sleep", "seeds": 4, "params": {"seconds": 0.2},
            "zip": {"crash_once": ["", str(marker)]}}
    path = str(tmp_path / "k.sqlite")
    rep = S.run(spec, path, workers=2, progress=False)
    assert marker.exists()  # a worker really was SIGKILLed
    assert (rep.done, rep.failed, rep.total) == (8, 0, 8)
    df = S.load(path)
    assert df["attempts"].max() >= 1  # the crashed task was resubmitted to a new pool
    assert "2 workers x 1 threads" in rep.executor


def test_a_task_whose_worker_keeps_dying_ends_failed_and_a_shared_pool_is_restarted(tmp_path, pool):
    spec = {"experiment": "sleep", "params": {"seconds": 0.0, "crash_once": str(tmp_path / "m")}}
    path = str(tmp_path / "x.sqlite")
    rep = S.run(spec, path, executor=pool, max_attempts=1, progress=False)
    assert (rep.failed, rep.done) == (1, 0)
    (err,) = [f[4] for f in S.failures(path)]
    assert "worker process died 1 time(s)" in err
    # the caller's pool was restarted, not shut down: it runs the next sweep
    assert S.run(spec, path, executor=pool, retry_failed=True, progress=False).done == 1  # marker exists now
    assert "2 workers x 1 threads" in repr(pool)


def test_an_impossible_crash_marker_is_an_ordinary_failure(tmp_path, pool):
    spec = {"experiment": "sleep", "params": {"seconds": 0.0, "crash_once": str(tmp_path / "no" / "dir")}}
    rep = S.run(spec, str(tmp_path / "x.sqlite"), executor=pool, progress=False)
    assert rep.failed == 1 and "FileNotFoundError" in S.failures(str(tmp_path / "x.sqlite"))[0][4]


def test_export_csv_and_missing_optional_packages(tmp_path, pool, monkeypatch):
    path = str(tmp_path / "e.sqlite")
    S.run({"experiment": "echo", "seeds": 2, "params": {"size": 3}}, path, executor=pool, progress=False)
    out = S.export(path, format="csv")
    assert out == str(tmp_path / "e.csv")
    import pandas as pd

    back = pd.read_csv(out)
    df = S.load(path)
    assert list(back["hash"]) == list(df["hash"]) and list(back["u"]) == list(df["u"])
    assert [json.loads(z) for z in back["z"]] == [z.tolist() for z in df["z"]]
    with pytest.raises(ValueError, match="format='xls' is not allowed"):
        S.export(path, format="xls")
    for mod, fmt in (("pyarrow", "parquet"), ("xarray", "netcdf")):
        monkeypatch.setitem(sys.modules, mod, None)  # as if not installed
        with pytest.raises(ImportError, match=f"optional package '{mod}'"):
            S.export(path, format=fmt)
    with pytest.raises(ImportError, match="optional package 'xarray'"):
        S.load(path, xarray=True)


def test_xarray_and_parquet_when_installed(tmp_path, pool):
    xr = pytest.importorskip("xarray")
    path = str(tmp_path / "x.sqlite")
    S.run({"experiment": "echo", "seeds": 2, "params": {"size": 3, "fail": False}, "grid": {"x": [1.0, 2.0, 3.0]}}, path,
          executor=pool, progress=False)
    ds = S.load(path, xarray=True)
    assert isinstance(ds, xr.Dataset) and ds["u"].dims == ("x", "seed") and ds["z"].shape == (3, 2, 3)
    df = S.load(path)
    row = df.iloc[4]
    assert ds["u"].sel(x=row.x, seed=row.seed).item() == row.u
    np.testing.assert_array_equal(ds["z"].sel(x=row.x, seed=row.seed).values, row.z)
    nc = S.export(path, format="netcdf")
    assert xr.open_dataset(nc)["u"].shape == (3, 2)
    pytest.importorskip("pyarrow")
    import pandas as pd

    pq = S.export(path, format="parquet")
    assert list(pd.read_parquet(pq)["u"]) == list(df["u"])


def test_cli_run_status_export_experiments(tmp_path, capsys):
    from wfm.cli import main

    p = write(tmp_path, 'experiment = "echo"\nseeds = 2\n[grid]\nfail = [false, true]\n')
    r = cli("sweep", "run", str(p), "--workers", "1", "--no-progress")  # a real `wfm` process
    assert r.returncode == 1, r.stderr
    assert "2/4 done, 2 failed" in r.stdout and "--retry-failed" in r.stderr
    capsys.readouterr()
    assert main(["sweep", "status", str(tmp_path / "spec.sqlite"), "--failed"]) == 0
    out = capsys.readouterr().out
    assert "4 tasks: 2 done, 2 failed" in out and "echo asked to fail" in out
    assert main(["sweep", "status", str(p), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "echo": {"pending": 0, "running": 0, "done": 2, "failed": 2, "missing": 0, "stale": 0}}
    assert main(["sweep", "export", str(tmp_path / "spec.sqlite"), "--out", str(tmp_path / "o.csv")]) == 0
    assert (tmp_path / "o.csv").read_text().count("\n") == 3
    assert main(["sweep", "run", str(p), "--dry-run"]) == 0 and "4 tasks" in capsys.readouterr().out
    assert main(["sweep", "experiments", "sleep"]) == 0 and "crash_once" in capsys.readouterr().out
    assert main(["sweep", "run", str(p), "--workers", "0"]) == 2
    assert "workers must be >= 1" in capsys.readouterr().err
    assert main(["sweep", "run", str(p), "--scheduler", "local:x"]) == 2
    assert "scheduler='local:x'" in capsys.readouterr().err
    assert main(["sweep", "export", str(tmp_path / "spec.sqlite"), "--format", "xls"]) == 2
    assert "format='xls' is not allowed" in capsys.readouterr().err


def test_a_solve_sweep_records_equal_direct_runs(tmp_path, pool):
    from wfm.experiments import run as run_experiment

    spec = {"experiment": "solve", "seeds": 2, "params": {"n": 51}, "grid": {"alpha": [0.2, 0.4]}}
    rep = S.run(spec, str(tmp_path / "solve.sqlite"), executor=pool, progress=False)
    assert (rep.done, rep.failed) == (4, 0)
    df = S.load(tmp_path / "solve.sqlite")
    for row in df.to_dict("records"):
        ref = run_experiment("solve", {"n": 51, "alpha": row["alpha"]}, seed=row["seed"])
        assert row["weights"].dtype == np.int8 and row["hash"] == ref["hash"]
        np.testing.assert_array_equal(row["weights"], ref["weights"])
        for key in ("solved", "n_errors", "iterations", "p", "stability_min", "stability_mean"):
            assert row[key] == ref[key], key


def test_claims_of_a_silent_coordinator_on_another_host_are_released_after_stale_after(tmp_path):
    import time as _time

    path = str(tmp_path / "h.sqlite")
    tasks = S.load_spec({"experiment": "echo", "seeds": 4}).tasks()
    with Store(path) as a:
        a.add_tasks(tasks)
        a.select([t.hash for t in tasks])
        a.register()
        assert len(a.claim(4)) == 4
        with a.transaction() as con:  # a's claims now look like those of a coordinator on another machine
            con.execute("UPDATE coordinators SET host='elsewhere', heartbeat=?", (_time.time() - 30,))
            con.execute("UPDATE tasks SET owner=(SELECT owner FROM coordinators)")
        b = Store(path)
        b.select([t.hash for t in tasks])
        b.register()
        assert b.reclaim_stale(stale_after=60) == 0  # heard from 30 s ago: still alive
        assert b.counts()["running"] == 4
        assert b.reclaim_stale(stale_after=10) == 4  # silent for longer than stale_after: released
        assert b.counts()["pending"] == 4 and len(b.claim(10)) == 4
        b.close()


def test_experiments_registered_in_other_modules_are_found_by_fresh_workers(tmp_path, monkeypatch):
    import importlib

    from wfm.experiments import registry as R

    (tmp_path / "wfm_test_plugin.py").write_text(
        "from wfm.experiments import experiment\n\n"
        "@experiment('_t_plugin')\n"
        "def plugin(*, a: int, seed: int) -> dict:\n"
        "    return {'twice': 2 * a + seed}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("wfm_test_plugin")
    try:
        # the worker processes start fresh (spawn): they import wfm_test_plugin because the task says where
        # the experiment lives
        rep = S.run({"experiment": "_t_plugin", "seeds": 2, "grid": {"a": [1, 5]}}, str(tmp_path / "p.sqlite"),
                    workers=1, progress=False)
        assert (rep.done, rep.failed) == (4, 0), S.failures(str(tmp_path / "p.sqlite"))
        assert sorted(S.load(tmp_path / "p.sqlite")["twice"]) == [2, 3, 10, 11]
    finally:
        R._REGISTRY.pop("_t_plugin", None)
        sys.modules.pop("wfm_test_plugin", None)

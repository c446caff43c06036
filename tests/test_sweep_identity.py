"""Task identity (every default filled in, method options resolved, experiment version), stale records, and the
validation of specs before anything runs (option values, size limits)."""
import concurrent.futures as cf
import hashlib
import importlib
import json
import os
import sqlite3
import subprocess
import sys
import warnings

import pytest

import wfm.experiments as E
import wfm.sweep as S
from wfm.experiments import registry as R
from wfm.sweep.store import Store

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli(*args, timeout=120):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "wfm.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


@pytest.fixture
def threads():
    """Tasks run in threads of this process: the experiments registered by a test are visible to them."""
    with cf.ThreadPoolExecutor(2) as ex:
        yield ex


# ---------------------------------------------------------------------------------------------- identity


def test_identity_holds_every_default_and_the_version():
    ident = E.get("echo").identity({"x": 0.5}, 7)
    assert ident == {"experiment": "echo", "version": 1, "params": {"x": 0.5, "size": 3, "fail": False}, "seed": 7}
    text = '{"experiment":"echo","params":{"fail":false,"size":3,"x":0.5},"seed":7,"version":1}'
    assert E.canonical_json(ident) == text
    assert E.task_hash("echo", {"x": 0.5}, 7) == hashlib.sha256(text.encode()).hexdigest()
    # a parameter written out at its default is the same task as one left out; another value is another task
    assert E.task_hash("echo", {"x": 0.5, "size": 3}, 7) == E.task_hash("echo", {"x": 0.5}, 7)
    assert E.task_hash("echo", {"x": 0.5, "size": 4}, 7) != E.task_hash("echo", {"x": 0.5}, 7)


def test_method_options_are_resolved_with_the_methods_defaults():
    from wfm.solvers import method_info

    base = {"n": 51, "alpha": 0.3}
    ident = E.get("solve").identity(base, 0)
    assert ident["params"]["options"] == method_info("sa")["options"]  # None -> every default of "sa"
    assert ident["params"]["method"] == "sa" and ident["params"]["keep_weights"] is True
    same = E.task_hash("solve", {**base, "options": {"max_sweeps": 2000, "beta0": 0.5}}, 0)
    assert same == E.task_hash("solve", base, 0) == E.task_hash("solve", {**base, "options": {}}, 0)
    assert E.task_hash("solve", {**base, "options": {"max_sweeps": 2001}}, 0) != same
    # another method: its own defaults
    rs = E.get("solve").identity({**base, "method": "rsgd"}, 0)["params"]["options"]
    assert rs == method_info("rsgd")["options"]
    # options given as JSON text are resolved the same way; a method that is not a solver (e.g. "uniform":
    # sampled by enumeration) keeps its options as given
    def f(*, method: str = "sa", options: str = "", seed: int) -> dict:
        return {}

    try:
        E.experiment("_t_json")(f)
        j = E.get("_t_json")
        a = j.identity({"options": '{"max_sweeps": 100}'}, 0)
        assert a["params"]["options"] == {**method_info("sa")["options"], "max_sweeps": 100}
        assert j.identity({"method": "uniform"}, 0)["params"]["options"] == ""
        with pytest.raises(TypeError, match="option max_sweeps of method='sa' must be an integer"):
            j.validate({"options": '{"max_sweeps": "abc"}'}, 0)
    finally:
        R._REGISTRY.pop("_t_json", None)


def test_a_spec_and_the_store_carry_the_identity(tmp_path, threads):
    spec = {"experiment": "echo", "seeds": 2, "params": {"size": 2}}
    tasks = S.load_spec(spec).tasks()
    for t in tasks:
        assert t.version == 1 and hashlib.sha256(t.identity.encode()).hexdigest() == t.hash
        assert json.loads(t.identity)["params"] == {"x": 0, "size": 2, "fail": False}
    path = str(tmp_path / "s.sqlite")
    S.run(spec, path, executor=threads, progress=False)
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT hash, identity, experiment_version FROM tasks").fetchall()
    assert sorted(rows) == sorted((t.hash, t.identity, 1) for t in tasks)
    df = S.load(path)
    assert (df["experiment_version"] == 1).all()
    rec = E.run("echo", {"size": 2}, seed=1)
    assert rec["experiment_version"] == 1 and rec["hash"] == tasks[1].hash


# ---------------------------------------------------------------------------------------------- stale records


PLUGIN = '''from wfm.experiments import experiment


@experiment("_t_ident", version={version})
def f(*, x: float, scale: float = {scale}, seed: int) -> dict:
    return {{"y": x * scale + seed}}
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """An experiment defined in a module that the test rewrites (a changed default, a bumped version)."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)

    def define(scale=1.0, version=1):
        R._REGISTRY.pop("_t_ident", None)
        (tmp_path / "wfm_t_ident.py").write_text(PLUGIN.format(scale=scale, version=version))
        sys.modules.pop("wfm_t_ident", None)
        importlib.import_module("wfm_t_ident")

    yield define
    R._REGISTRY.pop("_t_ident", None)
    sys.modules.pop("wfm_t_ident", None)


def test_a_changed_default_or_version_gives_new_tasks_and_the_old_records_are_stale(tmp_path, plugin, threads,
                                                                                      capsys):
    spec = {"experiment": "_t_ident", "seeds": 3, "grid": {"x": [1.0, 2.0]}}
    path = str(tmp_path / "p.sqlite")
    plugin(scale=1.0)
    assert S.run(spec, path, executor=threads, progress=False).ran == 6
    assert S.status(path)["_t_ident"]["stale"] == 0
    assert sorted(S.load(path)["y"]) == [1, 2, 2, 3, 3, 4]

    plugin(scale=10.0)  # the default changed: the same spec is 6 new tasks
    assert S.status(path)["_t_ident"] == {"pending": 0, "running": 0, "done": 6, "failed": 0, "stale": 6}
    assert S.stale(path) == {"_t_ident": {"count": 6, "reasons": {"scale: 1 -> 10": 6}}}
    with pytest.warns(S.StaleRecordsWarning, match=r"6 stale record\(s\) left out .*scale: 1 -> 10"):
        assert len(S.load(path)) == 0
    rep = S.run(spec, path, executor=threads, progress=False)
    assert (rep.ran, rep.skipped, rep.done) == (6, 0, 6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = S.load(path)
    assert len(caught) == 1 and sorted(df["y"]) == [10, 11, 12, 20, 21, 22]
    both = S.load(path, stale=True)
    assert len(both) == 12 and both["stale"].sum() == 6

    from wfm.cli import main

    capsys.readouterr()
    assert main(["sweep", "status", path]) == 0
    out = capsys.readouterr().out
    assert "_t_ident: 12 tasks: 12 done" in out
    assert "6 stale record(s), computed under another task identity: scale: 1 -> 10 (6)" in out
    assert "wfm sweep prune" in out and "wfm sweep run SPEC" in out

    plugin(scale=10.0, version=2)  # a new version of the experiment: everything is stale
    assert S.stale(path)["_t_ident"]["count"] == 12
    assert "experiment version 1 -> 2" in S.stale(path)["_t_ident"]["reasons"]
    assert S.prune(path) == 12
    assert S.status(path) == {}


def test_a_changed_method_default_makes_solve_records_stale(tmp_path, threads, monkeypatch):
    from wfm.solvers import _REGISTRY, method_info

    spec = {"experiment": "solve", "seeds": 2, "params": {"n": 21, "alpha": 0.2, "keep_weights": False}}
    path = str(tmp_path / "solve.sqlite")
    assert S.run(spec, path, executor=threads, progress=False).done == 2
    assert S.status(path)["solve"]["stale"] == 0
    monkeypatch.setitem(_REGISTRY["sa"].options, "beta1", 25.0)
    assert method_info("sa")["options"]["beta1"] == 25.0
    assert S.stale(path) == {"solve": {"count": 2, "reasons": {"options.beta1: 30 -> 25": 2}}}
    assert S.run(spec, path, executor=threads, progress=False).ran == 2  # recomputed under the new default
    monkeypatch.setitem(_REGISTRY["sa"].options, "new_option", 1)  # a method that gains an option
    assert S.stale(path)["solve"]["reasons"] == {"options.beta1: 30 -> 25; options.new_option: (absent) -> 1": 2,
                                                 "options.new_option: (absent) -> 1": 2}


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tasks (hash TEXT PRIMARY KEY, experiment TEXT NOT NULL, params TEXT NOT NULL, seed INTEGER,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0, owner TEXT, result TEXT, array_names TEXT, arrays BLOB, version TEXT,
    host TEXT, wall_time REAL, created_at REAL NOT NULL, started_at REAL, finished_at REAL, error TEXT);
CREATE INDEX tasks_status ON tasks (status);
CREATE TABLE coordinators (owner TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL,
    started_at REAL NOT NULL, heartbeat REAL NOT NULL);
INSERT INTO meta VALUES ('schema', '1');
"""


def test_a_store_of_the_previous_schema_is_read_upgraded_and_wholly_stale(tmp_path, threads):
    path = str(tmp_path / "old.sqlite")
    with sqlite3.connect(path) as con:
        con.executescript(V1_SCHEMA)
        for seed in range(3):  # records as the previous version wrote them: hash of the given params only
            old = hashlib.sha256(json.dumps({"experiment": "echo", "params": {"size": 2}, "seed": seed},
                                            sort_keys=True, separators=(",", ":")).encode()).hexdigest()
            con.execute("INSERT INTO tasks (hash, experiment, params, seed, status, result, created_at) VALUES "
                        "(?, 'echo', '{\"size\": 2}', ?, 'done', '{\"u\": 0.5}', 0)", (old, seed))
    assert S.status(path)["echo"] == {"pending": 0, "running": 0, "done": 3, "failed": 0, "stale": 3}
    (reason,) = S.stale(path)["echo"]["reasons"]
    assert "before task identities included defaults" in reason
    assert len(S.load(path, stale=True)) == 3
    rep = S.run({"experiment": "echo", "seeds": 3, "params": {"size": 2}}, path, executor=threads, progress=False)
    assert rep.ran == 3  # computed again under their new identity
    with Store(path, readonly=True) as st:
        assert st.schema == "2" and st.integrity_check() == "ok"
    assert S.prune(path) == 3
    assert S.status(path)["echo"] == {"pending": 0, "running": 0, "done": 3, "failed": 0, "stale": 0}


# ---------------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize("spec, exc, match", [
    # the two cases of the issue: a bad option value, an exact instance too large to enumerate
    ({"experiment": "solve", "params": {"n": 51, "alpha": 0.3, "options": {"max_sweeps": "abc"}}},
     TypeError, r"option max_sweeps of method='sa' must be an integer \(default 2000\), got 'abc'"),
    ({"experiment": "exact", "params": {"n": 61, "alpha": 0.3}}, ValueError, "n_weights=61 > 34"),
    ({"experiment": "solve", "params": {"n": 51, "alpha": 0.3, "options": {"max_sweeps": 0}}},
     ValueError, "max_sweeps must be >= 1, got 0"),
    ({"experiment": "solve", "params": {"n": 51, "alpha": 0.3, "options": {"beta0": -1.0}}},
     ValueError, "beta0 must be > 0"),
    ({"experiment": "solve", "params": {"n": 51, "alpha": 0.3, "options": {"energy": "nope"}}},
     ValueError, "energy='nope' is not allowed"),
    ({"experiment": "solve", "params": {"n": 51, "alpha": 0.3, "options": {"bogus": 1}}},
     TypeError, r"unknown option\(s\) bogus for method='sa'"),
    ({"experiment": "solve", "params": {"n": 51, "alpha": 0.3, "method": "fbp",
                                        "options": {"protocol": "scoping", "gammas": "1:x:2"}}},
     ValueError, "gammas='1:x:2'"),
    ({"experiment": "solve", "params": {"model": "tree", "k": 3, "n": 51, "alpha": 0.3, "method": "sbpi"}},
     ValueError, "applies to the perceptron only"),
    ({"experiment": "solve", "params": {"model": "tree", "k": 3, "n": 51, "alpha": 0.3,
                                        "options": {"energy": "flips"}}}, ValueError, "perceptron only"),
    ({"experiment": "solve", "params": {"n": 51, "alpha": 0.3, "weights": "spherical", "method": "sgd-ce",
                                        "options": {"h_clip": 2.0}}}, ValueError, "h_clip applies to binary"),
    ({"experiment": "solve", "params": {"n": 5, "alpha": 0.3, "options": {"init": [1, 1, 1]}}},
     ValueError, "weights must have shape"),
    ({"experiment": "local-entropy", "params": {"n": 41, "alpha": 0.3, "estimator": "exact"}},
     ValueError, "n_weights=41 > 34"),
    ({"experiment": "exact", "params": {"n": 21, "alpha": 0.3, "patterns": "gaussian", "method": "bp"}},
     ValueError, "exact enumeration needs binary"),
])
def test_what_a_task_would_reject_is_rejected_before_anything_runs(tmp_path, spec, exc, match):
    with pytest.raises(exc, match=match):
        S.run(spec, str(tmp_path / "x.sqlite"), progress=False)
    assert not (tmp_path / "x.sqlite").exists()


def test_the_issue_specs_fail_the_dry_run_in_one_line(tmp_path):
    a = tmp_path / "a.toml"
    a.write_text('experiment = "solve"\nseeds = 2\n[params]\nn = 51\nmethod = "sa"\n'
                 'options = {max_sweeps = "abc"}\n[grid]\nalpha = [0.3, 0.5]\n')
    b = tmp_path / "b.toml"
    b.write_text('experiment = "exact"\n[params]\nn = 61\nalpha = 0.3\n')
    for spec, text in ((a, "option max_sweeps of method='sa' must be an integer"), (b, "n_weights=61 > 34")):
        r = cli("sweep", "run", str(spec), "--dry-run")
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        (line,) = r.stderr.strip().splitlines()
        assert line.startswith("wfm sweep: error: ") and text in line
        assert not spec.with_suffix(".sqlite").exists()
    ok = tmp_path / "ok.toml"
    ok.write_text('experiment = "exact"\n[params]\nn = 21\nalpha = 0.3\n')
    assert cli("sweep", "run", str(ok), "--dry-run").returncode == 0


def test_values_accepted_by_validation_match_the_types_of_the_defaults():
    from wfm.solvers import validate_options

    ok = validate_options("sa", {"beta1": 20, "max_seconds": 5})  # an integer where a real number is expected
    assert ok["beta1"] == 20 and ok["max_sweeps"] == 2000
    assert validate_options("fbp", {"gammas": [0.1, 0.2], "protocol": "scoping"})["gammas"] == [0.1, 0.2]
    with pytest.raises(TypeError, match="must be true or false"):
        validate_options("sa-ce", {"stop_at_solution": "yes"})
    with pytest.raises(TypeError, match="must be a real number"):
        validate_options("sa", {"beta1": True})

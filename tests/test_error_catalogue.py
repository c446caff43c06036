"""The error catalogue: everything a user can get wrong, and what wfm must answer.

Command line (every command): exit code 2, exactly one line on stderr that names the flag (and, where there is
a set, the allowed values), no traceback, and nothing run before the error (no progress bar, no file written).
Python API: a ``ValueError``/``TypeError`` whose message names the argument.

The CLI cases run in-process through ``wfm.cli.main`` (an argparse error is a ``SystemExit(2)``); a few run as a
subprocess end to end. Each case is ``(argv, needles)``: every needle must appear in the one line. ``{txt}``,
``{res}``, ``{store}``, ... in an argv are the files of the ``files`` fixture.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import wfm
from wfm.cli import main

ROOT = os.geteuid() == 0

# ------------------------------------------------------------------------------------------------- fixtures

ECHO_SPEC = 'experiment = "echo"\nseeds = 1\n[params]\nsize = 2\n'


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    import concurrent.futures

    from wfm.sweep import run

    d = tmp_path_factory.mktemp("catalogue")
    f = {"tmp": str(d)}
    (d / "notes.txt").write_text("not a result\n")
    f["txt"] = str(d / "notes.txt")
    (d / "bad.npy").write_text("not an array\n")
    f["badnpy"] = str(d / "bad.npy")
    (d / "bad.npz").write_text("not an archive\n")
    f["badnpz"] = str(d / "bad.npz")
    np.savez(d / "plain.npz", w=np.ones(21))  # an archive, but not written by wfm
    f["npz_plain"] = str(d / "plain.npz")
    (d / "adir").mkdir()
    f["dir"] = str(d / "adir")
    ro = d / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    f["ro"] = str(ro)
    f["res"] = str(d / "res.npz")
    assert main(["solve", "--n", "21", "--alpha", "0.3", "--save", f["res"], "--no-progress"]) == 0
    (d / "echo.toml").write_text(ECHO_SPEC)
    f["spec"] = str(d / "echo.toml")
    f["store"] = str(d / "echo.sqlite")
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        run(f["spec"], f["store"], executor=ex, progress=False)
    specs = {
        "badopt": 'experiment = "solve"\nseeds = 1\n[params]\nn = 21\nalpha = 0.3\noptions = {max_sweeps = "abc"}\n',
        "badoptname": 'experiment = "solve"\nseeds = 1\n[params]\nn = 21\nalpha = 0.3\noptions = {bogus = 1}\n',
        "badmethod": 'experiment = "solve"\nseeds = 1\n[params]\nn = 21\nalpha = 0.3\nmethod = "nope"\n',
        "exact61": 'experiment = "exact"\nseeds = 1\n[params]\nn = 61\nalpha = 0.3\n',
        "badexp": 'experiment = "nope"\n',
        "badparam": 'experiment = "echo"\n[params]\nbogus = 1\n',
        "badtoml": 'experiment = "echo"\n[params\n',
        "badseeds": 'experiment = "echo"\nseeds = -3\n',
        "badtimeout": 'experiment = "echo"\ntimeout = -1\n',
        "badkey": 'experiment = "echo"\nworkers = 2\n',
        "hugesolve": 'experiment = "solve"\nseeds = 1\n[params]\nn = 201\nalpha = 1e7\n',
        "badmodel": 'experiment = "solve"\nseeds = 1\n[params]\nn = 21\nalpha = 0.3\nmodel = "mlp"\n',
        "badalpha": 'experiment = "solve"\nseeds = 1\n[grid]\nn = [21]\nalpha = [0.3, -1.0]\n',
        "treek": 'experiment = "solve"\nseeds = 1\n[params]\nn = 100\nalpha = 0.3\nmodel = "tree"\nk = 3\n',
    }
    for name, text in specs.items():
        (d / f"{name}.toml").write_text(text)
        f[name] = str(d / f"{name}.toml")
    return f


def _fill(argv, files):
    return [a.format(**files) if "{" in a else a for a in argv]


def cli(argv, capsys):
    """Run ``wfm ARGV`` in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    with warnings.catch_warnings():  # a warning goes to stderr, as in a terminal (pytest would collect it)
        warnings.simplefilter("default")
        warnings.showwarning = warnings._showwarning_orig
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse errors, --version
            rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc, err, needles, argv):
    assert rc == 2, f"wfm {' '.join(argv)}: exit code {rc}, stderr {err!r}"
    assert "Traceback" not in err, f"wfm {' '.join(argv)}: traceback on stderr:\n{err}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"wfm {' '.join(argv)}: {len(lines)} lines on stderr:\n{err}"
    for needle in needles:
        assert needle in lines[0], f"wfm {' '.join(argv)}: {needle!r} not in {lines[0]!r}"


# ------------------------------------------------------------------------------------------------ CLI cases

#: sa's options (the message of an unknown option lists them)
SA_OPTIONS = "beta0, beta1, energy, init, max_seconds, max_sweeps, stop_at_solution"
METHODS = "'bp', 'cpr', 'entropy-sgd'"

CLI_CASES = [
    # --- wfm solve: the instance flags
    (["solve", "--n", "abc"], ["--n", "integer", "'abc'"]),
    (["solve", "--n", "1.5"], ["--n", "integer", "'1.5'"]),
    (["solve", "--n", "-3"], ["--n", ">= 0"]),
    (["solve", "--n", "0"], ["--n", ">= 1"]),
    (["solve", "--n", "100"], ["--n", "odd"]),
    (["solve", "--n", "100000001"], ["bytes"]),
    (["solve", "--n", "201", "--alpha", "1e7"], ["--alpha", "bytes"]),
    (["solve", "--alpha", "0"], ["--alpha", "> 0"]),
    (["solve", "--alpha", "-1"], ["--alpha", "> 0"]),
    (["solve", "--alpha", "abc"], ["--alpha", "real number", "'abc'"]),
    (["solve", "--alpha", "nan"], ["--alpha", "finite"]),
    (["solve", "--alpha", "inf"], ["--alpha", "finite"]),
    (["solve", "--alpha", "1e-9"], ["--alpha", "0 patterns"]),
    (["solve", "--p", "0"], ["--p", ">= 1"]),
    (["solve", "--p", "abc"], ["--p", "integer"]),
    (["solve", "--p", "1000000000000"], ["--p", "bytes"]),
    (["solve", "--teacher", "--p-test", "1000000000000"], ["--p-test", "bytes"]),
    (["solve", "--alpha", "0.3", "--p", "10"], ["--alpha", "--p"]),
    (["solve", "--model", "mlp"], ["--model", "'mlp'", "'perceptron'", "'tree'"]),
    (["solve", "--model", "tree", "--k", "3", "--n", "100"], ["--n", "multiple of k"]),
    (["solve", "--model", "tree", "--k", "0", "--n", "21"], ["--k", ">= 1"]),
    (["solve", "--model", "tree", "--k", "abc"], ["--k", "integer"]),
    (["solve", "--model", "tree", "--k", "2", "--n", "22"], ["--k", "odd"]),
    (["solve", "--model", "tree", "--k", "3", "--n", "21", "--activation", "tanh"],
     ["--activation", "'tanh'", "'sign'", "'relu'"]),
    (["solve", "--model", "tree-relu", "--k", "2", "--n", "22", "--activation", "sign"], ["--model", "activation"]),
    (["solve", "--k", "3"], ["--k", "perceptron"]),
    (["solve", "--model", "committee", "--k", "-1"], ["--k", ">= 0"]),
    (["solve", "--model", "parity", "--k", "0"], ["--k", ">= 1"]),
    (["solve", "--weights", "ternary"], ["--weights", "'ternary'", "'binary'", "'spherical'"]),
    (["solve", "--patterns", "foo"], ["--patterns", "'foo'", "'binary'", "'gaussian'"]),
    (["solve", "--margin", "abc"], ["--margin", "real number"]),
    (["solve", "--margin", "nan"], ["--margin", "finite"]),
    (["solve", "--margin", "-inf"], ["--margin", "finite"]),
    (["solve", "--margin", "inf"], ["--margin", "finite"]),
    (["solve", "--data-seed", "-1"], ["--data-seed", ">= 0"]),
    (["solve", "--data-seed", "abc"], ["--data-seed", "integer"]),
    (["solve", "--p-test", "5"], ["--p-test", "teacher"]),
    (["solve", "--p-test", "-1", "--teacher"], ["--p-test", ">= 0"]),
    (["solve", "--teacher=yes"], ["--teacher"]),
    (["solve", "--bogus"], ["unrecognized", "--bogus"]),
    # --- wfm solve: method, options, seed
    (["solve", "--n", "21", "--method", "nope"], ["method", "'nope'", METHODS]),
    (["solve", "--model", "tree", "--k", "3", "--n", "21", "--method", "cpr"], ["method='cpr'", "perceptron only"]),
    (["solve", "--n", "21", "--weights", "spherical", "--method", "sa"], ["binary weights"]),
    (["solve", "--n", "21", "--patterns", "gaussian", "--method", "sa"], ["binary", "patterns"]),
    (["solve", "--n", "21", "-o", "bogus=1"], ["unknown option", "bogus", SA_OPTIONS]),
    (["solve", "--n", "21", "-o", "novalue"], ["--option", "KEY=VALUE", "'novalue'"]),
    (["solve", "--n", "21", "-o", "=3"], ["--option", "KEY"]),
    (["solve", "--n", "21", "-o", "max_sweeps=abc"], ["max_sweeps", "integer", "'abc'"]),
    (["solve", "--n", "21", "-o", "max_sweeps=0"], ["max_sweeps", ">= 1"]),
    (["solve", "--n", "21", "-o", "max_sweeps=1.5"], ["max_sweeps", "integer"]),
    (["solve", "--n", "21", "-o", "beta0=-1"], ["beta0", "> 0"]),
    (["solve", "--n", "21", "-o", "beta1=nan"], ["beta1"]),
    (["solve", "--n", "21", "-o", "energy=bogus"], ["energy", "'bogus'", "'error'", "'flips'"]),
    (["solve", "--n", "21", "-o", "init=abc"], ["init"]),
    (["solve", "--n", "21", "-o", "init=[1, 1]"], ["init"]),
    (["solve", "--n", "21", "-o", "stop_at_solution=maybe"], ["stop_at_solution", "true or false"]),
    (["solve", "--n", "21", "-o", "max_seconds=-5"], ["max_seconds"]),
    (["solve", "--n", "21", "--method", "sgd-ce", "--weights", "spherical", "-o", "lr=abc"], ["lr"]),
    (["solve", "--n", "21", "--method", "bp", "-o", "damping=2"], ["damping"]),
    (["solve", "--n", "21", "--seed", "-1"], ["seed", ">= 0"]),
    (["solve", "--n", "21", "--seed", "abc"], ["--seed", "'abc'"]),
    (["solve", "--n", "21", "--seed", "1.5"], ["--seed", "'1.5'"]),
    (["solve", "--n", "21", "--save", "{tmp}/no-such-dir/x.npz"], ["--save", "no-such-dir", "does not exist"]),
    (["solve", "--n", "21", "--save", "{txt}/x.npz"], ["--save", "notes.txt"]),
    (["solve", "--n", "21", "--save", "{dir}"], ["--save", "is a directory"]),
    (["solve", "--n", "21", "--save", "{ro}/x.npz"], ["--save", "not writable"]),
    # --- wfm count, wfm methods
    (["count", "--n", "61"], ["n_weights"]),
    (["count", "--n", "21", "--weights", "spherical"], ["binary"]),
    (["count", "--n", "abc"], ["--n", "integer"]),
    (["count", "--model", "tree", "--k", "3", "--n", "21", "--weights", "spherical"], ["binary"]),
    (["count", "--n", "21", "--patterns", "foo"], ["--patterns", "'binary'"]),
    (["methods", "nope"], ["method", "'nope'", METHODS]),
    # --- wfm local-entropy
    (["local-entropy", "--reference", "{tmp}/missing.npz"], ["--reference", "no such file"]),
    (["local-entropy", "--reference", "{tmp}/missing.npy"], ["--reference", "no such file"]),
    (["local-entropy", "--reference", "{txt}"], ["--reference", "not a result file"]),
    (["local-entropy", "--reference", "{store}"], ["--reference", "not a result file"]),
    (["local-entropy", "--reference", "{badnpy}"], ["--reference", "not a .npy"]),
    (["local-entropy", "--reference", "{badnpz}"], ["--reference", "not a result file"]),
    (["local-entropy", "--reference", "{npz_plain}"], ["--reference", "not a result file"]),
    (["local-entropy", "--reference", "{dir}"], ["--reference"]),
    (["local-entropy", "--reference", "{res}", "--method", "sa"], ["--reference", "--method"]),
    (["local-entropy", "--reference", "{res}", "--n", "23"], ["--n 23", "conflicts"]),
    (["local-entropy", "--reference", "{res}", "--alpha", "0.9"], ["--alpha 0.9", "conflicts"]),
    (["local-entropy", "--reference", "{res}", "--model", "tree"], ["--model tree", "conflicts"]),
    (["local-entropy", "--n", "21", "--plot", "{txt}/x.png"], ["--plot", "notes.txt"]),
    (["local-entropy", "--n", "21", "--plot", "{ro}/x.png"], ["--plot", "not writable"]),
    (["local-entropy", "--n", "21", "--out", "{tmp}/no-such-dir/c.npz"], ["--out", "does not exist"]),
    (["local-entropy", "--n", "21", "--estimator", "foo"], ["--estimator", "'foo'", "'bp'", "'exact'"]),
    (["local-entropy", "--n", "21", "--form", "foo"], ["--form", "'foo'", "'edges'", "'amp'"]),
    (["local-entropy", "--n", "21", "--accuracy", "foo"], ["accuracy", "'foo'", "'gaussian'"]),
    (["local-entropy", "--n", "21", "--damping", "1.5"], ["damping"]),
    (["local-entropy", "--n", "21", "--damping", "abc"], ["--damping", "'abc'"]),
    (["local-entropy", "--n", "21", "--epsilon", "-1"], ["epsilon"]),
    (["local-entropy", "--n", "21", "--max-iters", "0"], ["max"]),
    (["local-entropy", "--n", "21", "--max-iters", "abc"], ["--max-iters", "'abc'"]),
    (["local-entropy", "--n", "21", "--gammas", "abc"], ["--gammas"]),
    (["local-entropy", "--n", "21", "--gammas", "0:-1:5"], ["--gammas"]),
    (["local-entropy", "--n", "21", "--seed", "-1"], ["seed", ">= 0"]),
    (["local-entropy", "--n", "21", "--method", "nope"], ["method", "'nope'"]),
    (["local-entropy", "--n", "21", "-o", "bogus=1"], ["unknown option", "bogus", SA_OPTIONS]),
    (["local-entropy", "--n", "21", "-o", "max_sweeps=abc"], ["max_sweeps"]),
    (["local-entropy", "--n", "61", "--estimator", "exact"], ["n_weights"]),
    (["local-entropy", "--n", "100"], ["--n", "odd"]),
    (["local-entropy", "--alpha", "-0.5"], ["--alpha", "> 0"]),
    # --- wfm measure
    (["measure", "nope"], ["measure", "'nope'", "'list'", "'local_energy_flip'"]),
    (["measure", "local_energy_flip", "--reference", "{tmp}/missing.npz"], ["--reference", "no such file"]),
    (["measure", "local_energy_flip", "--reference", "{txt}"], ["--reference", "not a result file"]),
    (["measure", "local_energy_flip", "--reference", "{res}", "-o", "bogus=1"], ["unknown option", "bogus", "n_draws"]),
    (["measure", "local_energy_flip", "--reference", "{res}", "-o", "n_draws=abc"], ["n_draws"]),
    (["measure", "local_energy_flip", "--reference", "{res}", "-o", "n_draws=0"], ["n_draws"]),
    (["measure", "lambda_max", "--weights", "spherical", "--n", "20", "-o", "dense_max=abc"], ["dense_max"]),
    (["measure", "lambda_max", "--n", "21"], ["lambda_max", "continuous"]),
    (["measure", "local_energy_flip", "--weights", "spherical", "--n", "20"], ["local_energy_flip", "binary"]),
    (["measure", "local_energy_flip", "--n", "21", "--loss", "foo"], ["--loss", "'foo'", "hinge"]),
    (["measure", "local_energy_flip", "--n", "21", "--loss", "hinge:abc"], ["--loss", "number"]),
    (["measure", "local_energy_flip", "--n", "21", "--train", "10"], ["--train", "two-layer"]),
    (["measure", "lambda_max", "--model", "two-layer"], ["two-layer", "--train"]),
    (["measure", "lambda_max", "--model", "two-layer", "--reference", "{res}"], ["--reference", ".npy"]),
    (["measure", "lambda_max", "--model", "two-layer", "--reference", "{tmp}/missing.npy"],
     ["--reference", "no such file"]),
    (["measure", "lambda_max", "--model", "two-layer", "--train", "-5"], ["--train"]),
    (["measure", "lambda_max", "--model", "two-layer", "--train", "abc"], ["--train", "'abc'"]),
    (["measure", "local_energy_flip", "--reference", "{res}", "--method", "sa"], ["--reference", "--method"]),
    (["measure", "local_energy_flip", "--reference", "{res}", "--data-seed", "4"], ["--data-seed 4", "conflicts"]),
    (["measure", "local_energy_flip", "--n", "21", "--seed", "-1"], ["seed", ">= 0"]),
    (["measure", "local_energy_flip", "--n", "21", "--method", "nope"], ["method", "'nope'"]),
    (["measure", "local_energy_flip", "--model", "mlp"], ["--model", "'mlp'"]),
    # --- wfm theory
    (["theory", "nope"], ["invalid choice", "'nope'", "'capacity'"]),
    (["theory", "capacity", "--kappa", "abc"], ["--kappa", "'abc'"]),
    (["theory", "capacity", "--kappa", "nan"], ["kappa"]),
    (["theory", "capacity", "--spherical", "--kappa", "inf"], ["kappa"]),
    (["theory", "entropy"], ["--alpha", "required"]),
    (["theory", "entropy", "--alpha", "-1"], ["alpha"]),
    (["theory", "entropy", "--alpha", "0"], ["alpha"]),
    (["theory", "entropy", "--alpha", "abc"], ["--alpha", "'abc'"]),
    (["theory", "entropy", "--alpha", "0.5", "--kappa", "nan"], ["kappa"]),
    (["theory", "entropy", "--spherical", "--alpha", "-1"], ["alpha"]),
    (["theory", "max-margin", "--alpha", "-1"], ["alpha"]),
    (["theory", "max-margin", "--alpha", "nan"], ["alpha"]),
    (["theory", "franz-parisi", "--alpha", "-1"], ["alpha"]),
    (["theory", "franz-parisi", "--alpha", "0.5", "--n-points", "1"], ["--n-points", ">= 2"]),
    (["theory", "franz-parisi", "--alpha", "0.5", "--d", "0.7"], ["d"]),
    (["theory", "franz-parisi", "--alpha", "0.5", "--d-min", "-1"], ["--d-min", "(0, 0.5)"]),
    (["theory", "max-local-entropy", "--alpha", "0.5", "--d-min", "-1"], ["d_min", "> 0"]),
    (["theory", "franz-parisi", "--alpha", "0.5", "--kappa-ref", "nan"], ["kappa_ref"]),
    (["theory", "max-local-entropy", "--alpha", "0.5", "--n-points", "1"], ["--n-points", ">= 2"]),
    (["theory", "max-local-entropy", "--alpha", "-1"], ["alpha"]),
    (["theory", "max-local-entropy", "--alpha", "0.5", "--d", "-0.1"], ["d"]),
    (["theory", "committee", "--k", "abc"], ["--k", "'abc'"]),
    (["theory", "committee", "--k", "2"], ["K", "odd"]),
    (["theory", "committee", "--k", "3", "--activation", "relu"], ["K", "even"]),
    (["theory", "committee", "--k", "0"], ["K"]),
    (["theory", "committee", "--activation", "tanh"], ["--activation", "'tanh'", "'sign'", "'relu'"]),
    (["theory", "committee", "--weights", "ternary"], ["--weights", "'ternary'", "'spherical'"]),
    (["theory", "committee", "--k", "4", "--activation", "relu", "--n-samples", "0"], ["n_samples"]),
    (["theory", "committee", "--k", "4", "--activation", "relu", "--seed", "-1"], ["seed"]),
    (["theory", "committee", "--k", "3", "--alpha", "-1"], ["alpha"]),
    # --- wfm sweep
    (["sweep", "nope"], ["invalid choice", "'nope'", "'run'"]),
    (["sweep", "run", "{tmp}/no-such-dir/s.toml"], ["no-such-dir/s.toml", "does not exist"]),
    (["sweep", "run", "{store}"], ["echo.sqlite", "TOML"]),
    (["sweep", "run", "{txt}"], ["notes.txt", "TOML"]),
    (["sweep", "run", "{dir}"], ["adir"]),
    (["sweep", "run", "{badtoml}"], ["badtoml.toml", "TOML"]),
    (["sweep", "run", "{badopt}"], ["max_sweeps", "'abc'"]),
    (["sweep", "run", "--dry-run", "{badopt}"], ["max_sweeps", "'abc'"]),
    (["sweep", "run", "--dry-run", "{badoptname}"], ["unknown option", "bogus", SA_OPTIONS]),
    (["sweep", "run", "--dry-run", "{badmethod}"], ["method", "'nope'"]),
    (["sweep", "run", "--dry-run", "{exact61}"], ["n_weights"]),
    (["sweep", "run", "--dry-run", "{badexp}"], ["experiment", "'nope'", "'echo'"]),
    (["sweep", "run", "--dry-run", "{badparam}"], ["unknown parameter", "bogus"]),
    (["sweep", "run", "--dry-run", "{badseeds}"], ["seeds", ">= 1"]),
    (["sweep", "run", "--dry-run", "{badtimeout}"], ["timeout", "> 0"]),
    (["sweep", "run", "--dry-run", "{badkey}"], ["unknown key", "workers", "experiment"]),
    (["sweep", "run", "--dry-run", "{hugesolve}"], ["alpha", "bytes"]),
    (["sweep", "run", "--dry-run", "{badmodel}"], ["model", "'mlp'", "'perceptron'"]),
    (["sweep", "run", "--dry-run", "{badalpha}"], ["alpha", "> 0"]),
    (["sweep", "run", "--dry-run", "{treek}"], ["multiple of k"]),
    (["sweep", "run", "{spec}", "--timeout", "-1"], ["--timeout", "> 0"]),
    (["sweep", "run", "{spec}", "--timeout", "abc"], ["--timeout", "'abc'"]),
    (["sweep", "run", "{spec}", "--workers", "0"], ["workers", ">= 1"]),
    (["sweep", "run", "{spec}", "--workers", "abc"], ["--workers", "'abc'"]),
    (["sweep", "run", "{spec}", "--threads", "0"], ["threads", ">= 1"]),
    (["sweep", "run", "{spec}", "--scheduler", "local:0"], ["scheduler"]),
    (["sweep", "run", "{spec}", "--scheduler", "local:abc"], ["scheduler"]),
    (["sweep", "run", "{spec}", "--store", "{tmp}/no-such-dir/s.sqlite"], ["no-such-dir", "does not exist"]),
    (["sweep", "run", "{spec}", "--store", "{txt}/s.sqlite"], ["store", "notes.txt"]),
    (["sweep", "run", "{spec}", "--store", "{txt}"], ["store", "notes.txt"]),
    (["sweep", "run", "{spec}", "--store", "{dir}"], ["store", "directory"]),
    (["sweep", "status", "{tmp}/missing.sqlite"], ["missing.sqlite", "does not exist"]),
    (["sweep", "status", "{txt}"], ["notes.txt"]),
    (["sweep", "status", "{badopt}"], ["max_sweeps"]),
    (["sweep", "status", "{spec}", "--store", "{tmp}/missing.sqlite"], ["missing.sqlite", "does not exist"]),
    (["sweep", "export", "{store}", "--format", "xls"], ["format", "'xls'", "'csv'"]),
    (["sweep", "export", "{store}", "--out", "{tmp}/no-such-dir/x.csv"], ["out", "no-such-dir", "does not exist"]),
    (["sweep", "export", "{store}", "--out", "{txt}/x.csv"], ["out", "notes.txt"]),
    (["sweep", "export", "{store}", "--out", "{ro}/x.csv"], ["out", "not writable"]),
    (["sweep", "export", "{store}", "--out", "{dir}"], ["out", "directory"]),
    (["sweep", "export", "{store}", "-o", "x.csv"], ["unrecognized", "-o"]),
    (["sweep", "export", "{tmp}/missing.sqlite"], ["missing.sqlite", "does not exist"]),
    (["sweep", "export", "{txt}"], ["notes.txt"]),
    (["sweep", "export", "{store}", "--experiment", "nope"], ["experiment", "'nope'"]),
    (["sweep", "prune", "{tmp}/missing.sqlite"], ["missing.sqlite", "does not exist"]),
    (["sweep", "prune", "{txt}"], ["notes.txt"]),
    (["sweep", "experiments", "nope"], ["experiment", "'nope'", "'echo'"]),
    # --- wfm figures
    (["figures", "--only", "F99"], ["F99"]),
    (["figures", "--list", "--only", "nope"], ["nope"]),
    (["figures", "--quick", "--full"], ["--full", "--quick"]),
    (["figures", "--workers", "abc"], ["--workers", "'abc'"]),
    (["figures", "--workers", "0", "--only", "F4"], ["workers", ">= 1"]),
    (["figures", "--out", "{txt}/figs", "--only", "F4"], ["--out", "notes.txt"]),
    (["figures", "--store", "{tmp}/no-such-dir/f.sqlite", "--only", "F4"], ["no-such-dir", "does not exist"]),
    # --- wfm itself
    (["nope"], ["invalid choice", "'nope'", "'solve'"]),
    (["--bogus"], ["unrecognized", "--bogus"]),
]

_NEED_WRITE_PROTECTION = "{ro}"


def _read_only_for_root(monkeypatch, folder):
    """As root a directory of mode 0555 is still writable, and os.access says so: make os.access answer for
    ``folder`` what it answers for any other user, so that the write-permission checks are exercised."""
    real = os.access

    def access(path, mode, *a, **k):
        if os.path.abspath(os.fspath(path)).startswith(folder) and mode & os.W_OK:
            return False
        return real(path, mode, *a, **k)

    monkeypatch.setattr(os, "access", access)


@pytest.mark.parametrize("argv, needles", CLI_CASES, ids=[" ".join(a) for a, _ in CLI_CASES])
def test_cli_bad_input_one_line_exit_2(argv, needles, files, capsys, monkeypatch):
    if ROOT and any(_NEED_WRITE_PROTECTION in a for a in argv):
        _read_only_for_root(monkeypatch, files["ro"])
    rc, out, err = cli(_fill(argv, files), capsys)
    assert_one_line_error(rc, err, needles, argv)
    if "--dry-run" in argv:
        assert out == "", f"--dry-run printed a count although the spec is invalid: {out!r}"


def test_no_store_created_by_a_failed_status(files, capsys):
    missing = os.path.join(files["tmp"], "never.sqlite")
    rc, _, err = cli(["sweep", "status", missing], capsys)
    assert rc == 2 and not os.path.exists(missing), err


def test_a_failed_save_check_runs_nothing(files, capsys):
    """--save into a path that cannot be written fails before the (long) run: no progress bar on stderr."""
    rc, out, err = cli(["solve", "--n", "21", "--save", files["txt"] + "/x.npz"], capsys)
    assert rc == 2 and out == "" and "sa:" not in err


E2E = [
    (["solve", "--n", "201", "--alpha", "1e7"], ["--alpha", "bytes"]),
    (["solve", "--margin", "-inf"], ["--margin", "finite"]),
    (["sweep", "run", "--dry-run", "{exact61}"], ["n_weights"]),
    (["local-entropy", "--reference", "{txt}"], ["--reference", "not a result file"]),
]


@pytest.mark.parametrize("argv, needles", E2E, ids=[" ".join(a) for a, _ in E2E])
def test_cli_end_to_end(argv, needles, files):
    argv = _fill(argv, files)
    proc = subprocess.run([sys.executable, "-m", "wfm.cli", *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))})
    assert_one_line_error(proc.returncode, proc.stderr, needles, argv)


# ------------------------------------------------------------------------------------------------ API cases


_TMP: list = []


def _tmp(name):
    """A path in the temporary directory of the running API case."""
    return os.path.join(_TMP[-1], name)


def _inst(**kw):
    from wfm.instance import Instance

    return Instance(**{"n": 21, "alpha": 0.3, **kw})


def _small():
    m = wfm.Perceptron(21)
    return m, wfm.random_patterns(21, alpha=0.3, seed=0, model=m)


def _spherical():
    m = wfm.Perceptron(20, weights="spherical")
    return m, wfm.random_patterns(20, alpha=0.3, seed=0, model=m, kind="gaussian")


def _solve(**kw):
    m, p = _small()
    return wfm.solve(m, p, **kw)


def _le(**kw):
    m, p = _small()
    ref = wfm.solve(m, p, seed=0).weights
    return wfm.local_entropy(m, p, kw.pop("reference", ref), **kw)


def _ent(**kw):
    m, p = _small()
    return wfm.entropy(m, p, **kw)


def _measure(name, **kw):
    from wfm.landscape import measure

    m, p = _spherical() if name != "local_energy_flip" else _small()
    w = m.random_weights(seed=0)
    return measure(name, m, p, w, **kw)


def _sweep_spec(**kw):
    from wfm.sweep import load_spec

    return load_spec({"experiment": "solve", "seeds": 1, "params": {"n": 21, "alpha": 0.3, **kw}})


API_CASES = [
    # wfm.solve
    ("solve seed='abc'", lambda: _solve(seed="abc"), TypeError, ["seed", "'abc'"]),
    ("solve seed=1.5", lambda: _solve(seed=1.5), TypeError, ["seed", "1.5"]),
    ("solve seed=-1", lambda: _solve(seed=-1), ValueError, ["seed", ">= 0"]),
    ("solve seed=True", lambda: _solve(seed=True), TypeError, ["seed"]),
    ("solve method='nope'", lambda: _solve(method="nope"), ValueError, ["method", "'nope'", "'sa'"]),
    ("solve method=3", lambda: _solve(method=3), ValueError, ["method", "'sa'"]),
    ("solve model='x'", lambda: wfm.solve("x", _small()[1]), TypeError, ["model"]),
    ("solve patterns=array", lambda: wfm.solve(_small()[0], np.ones((3, 21))), TypeError, ["patterns"]),
    ("solve patterns of another n",
     lambda: wfm.solve(wfm.Perceptron(23), _small()[1]), ValueError, ["n=23"]),
    ("solve unknown option", lambda: _solve(bogus=1), TypeError, ["bogus", SA_OPTIONS]),
    ("solve max_sweeps='abc'", lambda: _solve(max_sweeps="abc"), TypeError, ["max_sweeps"]),
    ("solve max_sweeps=0", lambda: _solve(max_sweeps=0), ValueError, ["max_sweeps"]),
    ("solve init='abc'", lambda: _solve(init="abc"), ValueError, ["init"]),
    ("solve energy='nope'", lambda: _solve(energy="nope"), ValueError, ["energy", "'flips'"]),
    ("solve beta0=nan", lambda: _solve(beta0=math.nan), ValueError, ["beta0"]),
    ("solve sa on spherical", lambda: wfm.solve(*_spherical(), method="sa"), ValueError, ["binary"]),
    ("solve sbpi on spherical", lambda: wfm.solve(*_spherical(), method="sbpi"), ValueError,
     ["sbpi", "binary weights"]),
    ("solve bp damping=2", lambda: _solve(method="bp", damping=2.0), ValueError, ["damping"]),
    ("validate_options max_sweeps='abc'",
     lambda: __import__("wfm.solvers", fromlist=["x"]).validate_options("sa", {"max_sweeps": "abc"}), TypeError,
     ["max_sweeps"]),
    ("validate_options method='nope'",
     lambda: __import__("wfm.solvers", fromlist=["x"]).validate_options("nope", {}), ValueError, ["method"]),
    ("method_info('nope')",
     lambda: __import__("wfm.solvers", fromlist=["x"]).method_info("nope"), ValueError, ["method", "'sa'"]),
    # models
    ("Perceptron(0)", lambda: wfm.Perceptron(0), ValueError, ["n", ">= 1"]),
    ("Perceptron(1.5)", lambda: wfm.Perceptron(1.5), TypeError, ["n", "integer"]),
    ("Perceptron('a')", lambda: wfm.Perceptron("a"), TypeError, ["n", "integer"]),
    ("Perceptron(20) binary", lambda: wfm.Perceptron(20), ValueError, ["n", "odd"]),
    ("Perceptron weights='ternary'", lambda: wfm.Perceptron(21, weights="ternary"), ValueError,
     ["weights", "'ternary'", "'binary'", "'spherical'"]),
    ("Perceptron margin=nan", lambda: wfm.Perceptron(21, margin=math.nan), ValueError, ["margin", "finite"]),
    ("Perceptron margin=-inf", lambda: wfm.Perceptron(21, margin=-math.inf), ValueError, ["margin", "finite"]),
    ("Perceptron margin='a'", lambda: wfm.Perceptron(21, margin="a"), TypeError, ["margin"]),
    ("TreeCommittee k not dividing n", lambda: wfm.TreeCommittee(100, 3), ValueError, ["multiple of k"]),
    ("TreeCommittee k=0", lambda: wfm.TreeCommittee(21, 0), ValueError, ["k", ">= 1"]),
    ("TreeCommittee k even, sign", lambda: wfm.TreeCommittee(22, 2), ValueError, ["k", "odd"]),
    ("TreeCommittee activation='tanh'", lambda: wfm.TreeCommittee(21, 3, activation="tanh"), ValueError,
     ["activation", "'tanh'", "'relu'"]),
    ("Committee k=1.5", lambda: wfm.Committee(21, 1.5), TypeError, ["k", "integer"]),
    ("Committee activation=None", lambda: wfm.Committee(21, 3, activation=None), ValueError, ["activation"]),
    ("ParityMachine weights='x'", lambda: wfm.ParityMachine(21, 3, weights="x"), ValueError, ["weights"]),
    ("check_weights wrong shape", lambda: wfm.Perceptron(21).check_weights(np.ones(20)), ValueError,
     ["weights", "shape"]),
    ("check_weights not ±1", lambda: wfm.Perceptron(21).check_weights(np.full(21, 0.5)), ValueError, ["weights"]),
    # Instance
    ("Instance alpha=0", lambda: _inst(alpha=0), ValueError, ["alpha", "> 0"]),
    ("Instance alpha=-1", lambda: _inst(alpha=-1), ValueError, ["alpha", "> 0"]),
    ("Instance alpha=nan", lambda: _inst(alpha=math.nan), ValueError, ["alpha", "finite"]),
    ("Instance alpha='a'", lambda: _inst(alpha="a"), TypeError, ["alpha"]),
    ("Instance alpha and p", lambda: _inst(p=5), ValueError, ["alpha", "p"]),
    ("Instance neither alpha nor p", lambda: _inst(alpha=None), ValueError, ["alpha", "p"]),
    ("Instance p=0", lambda: _inst(alpha=None, p=0), ValueError, ["p", ">= 1"]),
    ("Instance p=1.5", lambda: _inst(alpha=None, p=1.5), TypeError, ["p", "integer"]),
    ("Instance n=0", lambda: _inst(n=0), ValueError, ["n", ">= 1"]),
    ("Instance n='21'", lambda: _inst(n="21"), TypeError, ["n", "integer"]),
    ("Instance model='mlp'", lambda: _inst(model="mlp"), ValueError, ["model", "'mlp'", "'tree'"]),
    ("Instance k for a perceptron", lambda: _inst(k=3), ValueError, ["k", "perceptron"]),
    ("Instance tree without k", lambda: _inst(model="tree"), ValueError, ["k"]),
    ("Instance tree k not dividing n", lambda: _inst(model="tree", k=3, n=100), ValueError, ["multiple of k"]),
    ("Instance patterns='foo'", lambda: _inst(patterns="foo"), ValueError, ["patterns", "'gaussian'"]),
    ("Instance data_seed=-1", lambda: _inst(data_seed=-1), ValueError, ["data_seed", ">= 0"]),
    ("Instance data_seed=1.5", lambda: _inst(data_seed=1.5), TypeError, ["data_seed"]),
    ("Instance teacher='yes'", lambda: _inst(teacher="yes"), TypeError, ["teacher"]),
    ("Instance p_test without teacher", lambda: _inst(p_test=5), ValueError, ["p_test", "teacher"]),
    ("Instance p_test=-1", lambda: _inst(p_test=-1, teacher=True), ValueError, ["p_test", ">= 0"]),
    ("Instance alpha=1e7 too big", lambda: _inst(n=201, alpha=1e7), ValueError, ["alpha", "bytes"]),
    ("Instance n=100000001 too big", lambda: _inst(n=100000001), ValueError, ["bytes"]),
    ("Instance data_seed_key='ab'", lambda: _inst(data_seed_key="ab"), TypeError, ["data_seed_key"]),
    ("Instance.from_dict(list)", lambda: __import__("wfm.instance", fromlist=["x"]).Instance.from_dict([1]),
     TypeError, ["description", "dict"]),
    # patterns
    ("random_patterns n=0", lambda: wfm.random_patterns(0, alpha=0.3), ValueError, ["n", ">= 1"]),
    ("random_patterns kind='foo'", lambda: wfm.random_patterns(21, alpha=0.3, kind="foo"), ValueError,
     ["kind", "'gaussian'"]),
    ("random_patterns alpha and p", lambda: wfm.random_patterns(21, alpha=0.3, p=4), ValueError, ["alpha", "p"]),
    ("random_patterns seed=-1", lambda: wfm.random_patterns(21, alpha=0.3, seed=-1), ValueError, ["seed", ">= 0"]),
    ("random_patterns seed='a'", lambda: wfm.random_patterns(21, alpha=0.3, seed="a"), TypeError, ["seed"]),
    ("random_patterns too big", lambda: wfm.random_patterns(201, alpha=1e7), ValueError, ["alpha", "bytes"]),
    ("random_patterns model n mismatch", lambda: wfm.random_patterns(21, alpha=0.3, model=wfm.Perceptron(23)),
     ValueError, ["model", "n=23"]),
    ("teacher_student p_test=0", lambda: wfm.teacher_student(wfm.Perceptron(21), alpha=0.3, p_test=0),
     ValueError, ["p_test", ">= 1"]),
    ("teacher_student seed=-1", lambda: wfm.teacher_student(wfm.Perceptron(21), alpha=0.3, seed=-1),
     ValueError, ["seed", ">= 0"]),
    ("Patterns xi 1-d", lambda: wfm.Patterns(np.ones(3), np.ones(3)), ValueError, ["xi", "2-d"]),
    ("Patterns shape mismatch", lambda: wfm.Patterns(np.ones((3, 5)), np.ones(4)), ValueError, ["labels"]),
    ("Patterns labels 0", lambda: wfm.Patterns(np.ones((3, 5)), np.zeros(3)), ValueError, ["labels", "±1"]),
    ("Patterns xi nan", lambda: wfm.Patterns(np.full((3, 5), np.nan), np.ones(3)), ValueError, ["xi", "finite"]),
    ("Patterns kind='foo'", lambda: wfm.Patterns(np.ones((3, 5)), np.ones(3), kind="foo"), ValueError, ["kind"]),
    ("Patterns binary with 0.5", lambda: wfm.Patterns(np.full((3, 5), 0.5), np.ones(3), kind="binary"),
     ValueError, ["xi", "binary"]),
    ("Patterns.split n_train too big", lambda: _small()[1].split(100), ValueError, ["n_train"]),
    # exact enumeration
    ("count_solutions n=61", lambda: wfm.exact.count_solutions(wfm.Perceptron(61), wfm.random_patterns(61, p=3)),
     ValueError, ["n_weights"]),
    ("count_solutions spherical", lambda: wfm.exact.count_solutions(*_spherical()), ValueError, ["binary"]),
    ("sample_solutions size=0", lambda: wfm.exact.sample_solutions(*_small(), 0), ValueError, ["size"]),
    # entropy, local entropy
    ("local_entropy method='nope'", lambda: _le(method="nope"), ValueError, ["method", "'nope'", "'bp'"]),
    ("local_entropy damping=1.5", lambda: _le(damping=1.5), ValueError, ["damping"]),
    ("local_entropy max_iters=0", lambda: _le(max_iters=0), ValueError, ["max_iters"]),
    ("local_entropy epsilon=-1", lambda: _le(epsilon=-1.0), ValueError, ["epsilon"]),
    ("local_entropy seed=-1", lambda: _le(seed=-1), ValueError, ["seed"]),
    ("entropy seed='a'", lambda: wfm.bp.entropy(*_small(), seed="a"), TypeError, ["seed"]),
    ("local_entropy accuracy='x'", lambda: _le(accuracy="x"), ValueError, ["accuracy", "'x'"]),
    ("local_entropy form='x'", lambda: _le(form="x"), ValueError, ["form", "'x'"]),
    ("local_entropy gammas=[-1]", lambda: _le(gammas=[-1.0]), ValueError, ["gammas"]),
    ("local_entropy reference shape", lambda: _le(reference=np.ones(20)), ValueError, ["shape"]),
    ("entropy method='nope'", lambda: _ent(method="nope"), ValueError, ["method", "'nope'"]),
    ("entropy damping=-1", lambda: _ent(damping=-1.0), ValueError, ["damping"]),
    ("entropy max_iters='a'", lambda: _ent(max_iters="a"), TypeError, ["max_iters"]),
    # losses
    ("cross_entropy gamma=-1", lambda: wfm.losses.cross_entropy(-1.0), ValueError, ["gamma", "> 0"]),
    ("hinge kappa=nan", lambda: wfm.losses.hinge(math.nan), ValueError, ["kappa", "finite"]),
    ("error kappa='a'", lambda: wfm.losses.error("a"), TypeError, ["kappa"]),
    ("loss from_description 'nope'", lambda: wfm.losses.from_description({"loss": "nope"}), ValueError,
     ["loss", "'nope'", "'hinge'"]),
    # measures
    ("measure 'nope'", lambda: _measure("nope"), ValueError, ["measure", "'nope'", "'lambda_max'"]),
    ("measure unknown option", lambda: _measure("lambda_max", bogus=1), TypeError, ["bogus", "dense_max"]),
    ("measure dense_max='abc'", lambda: _measure("lambda_max", dense_max="abc"), TypeError, ["dense_max"]),
    ("measure n_draws='abc'", lambda: _measure("local_energy_flip", n_draws="abc"), TypeError, ["n_draws"]),
    ("measure lambda_max on binary",
     lambda: __import__("wfm.landscape", fromlist=["x"]).measure("lambda_max", *_small(), np.ones(21)), ValueError,
     ["continuous"]),
    # theory
    ("binary_entropy alpha=-1", lambda: wfm.theory.binary_entropy(-1.0), ValueError, ["alpha"]),
    ("binary_entropy alpha='a'", lambda: wfm.theory.binary_entropy("a"), TypeError, ["alpha"]),
    ("binary_entropy kappa=nan", lambda: wfm.theory.binary_entropy(0.5, math.nan), ValueError, ["kappa"]),
    ("binary_capacity kappa=nan", lambda: wfm.theory.binary_capacity(math.nan), ValueError, ["kappa"]),
    ("gardner_capacity kappa='a'", lambda: wfm.theory.gardner_capacity("a"), TypeError, ["kappa"]),
    ("spherical_entropy alpha=0", lambda: wfm.theory.spherical_entropy(0.0), ValueError, ["alpha"]),
    ("max_margin alpha=-1", lambda: wfm.theory.max_margin(-1.0), ValueError, ["alpha"]),
    ("franz_parisi alpha=-1", lambda: wfm.theory.franz_parisi(-1.0, [0.1]), ValueError, ["alpha"]),
    ("franz_parisi d=0.7", lambda: wfm.theory.franz_parisi(0.5, [0.7]), ValueError, ["d"]),
    ("max_local_entropy alpha=-1", lambda: wfm.theory.max_local_entropy(-1.0), ValueError, ["alpha"]),
    ("tree_committee_capacity K=2 sign", lambda: wfm.theory.tree_committee_capacity(2), ValueError, ["K", "odd"]),
    ("tree_committee_capacity activation='tanh'", lambda: wfm.theory.tree_committee_capacity(3, "tanh"),
     ValueError, ["activation", "'tanh'"]),
    ("tree_committee_capacity weights='x'", lambda: wfm.theory.tree_committee_capacity(3, "sign", "x"),
     ValueError, ["weights", "'x'"]),
    pytest.param("tree_committee_capacity seed=-1",
                 lambda: wfm.theory.tree_committee_capacity(4, "relu", seed=-1, n_samples=1000), ValueError, ["seed"],
                 ),
    pytest.param("tree_committee_repair_cost seed='a'",
                 lambda: wfm.theory.tree_committee_repair_cost(4, "relu", seed="a", n_samples=1000), TypeError,
                 ["seed"],
                 ),
    # sweeps
    ("load_spec unknown experiment", lambda: wfm.sweep.load_spec({"experiment": "nope"}), ValueError,
     ["experiment", "'nope'"]),
    ("load_spec options max_sweeps='abc'", lambda: _sweep_spec(options={"max_sweeps": "abc"}), TypeError,
     ["max_sweeps"]),
    ("load_spec exact n=61",
     lambda: wfm.sweep.load_spec({"experiment": "exact", "seeds": 1, "params": {"n": 61, "alpha": 0.3}}),
     ValueError, ["n_weights"]),
    ("load_spec alpha=1e7 too big", lambda: _sweep_spec(n=201, alpha=1e7), ValueError, ["alpha", "bytes"]),
    ("load_spec method='nope'", lambda: _sweep_spec(method="nope"), ValueError, ["method", "'nope'"]),
    ("load_spec 3", lambda: wfm.sweep.load_spec(3), TypeError, ["spec"]),
    ("run store missing directory",
     lambda: wfm.sweep.run({"experiment": "echo", "seeds": 1}, _tmp("no-such-dir/s.sqlite"), progress=False),
     ValueError, ["store", "no-such-dir", "does not exist"]),
    ("run workers=0", lambda: wfm.sweep.run({"experiment": "echo", "seeds": 1}, _tmp("unused.sqlite"), workers=0),
     ValueError, ["workers", ">= 1"]),
    ("load missing store", lambda: wfm.sweep.load(_tmp("missing.sqlite")), ValueError, ["does not exist"]),
    ("export format='xls'", lambda: wfm.sweep.export(_tmp("missing.sqlite"), format="xls"), ValueError,
     ["format", "'xls'", "'csv'"]),
]


def _api_id(case):
    return case.values[0] if hasattr(case, "values") else case[0]


@pytest.mark.parametrize("name, call, exc, needles", API_CASES, ids=[_api_id(c) for c in API_CASES])
def test_api_bad_argument(name, call, exc, needles, tmp_path):
    _TMP.append(str(tmp_path))
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    for needle in needles:
        assert needle in msg, f"{name}: {needle!r} not in {msg!r}"


def test_the_catalogue_is_large_and_distinct():
    cli_ids = [tuple(a) for a, _ in CLI_CASES] + [("e2e",) + tuple(a) for a, _ in E2E]
    api_ids = [_api_id(c) for c in API_CASES]
    assert len(set(cli_ids)) == len(cli_ids) and len(set(api_ids)) == len(api_ids)
    assert len(cli_ids) + len(api_ids) >= 150


def test_the_size_check_counts_the_bytes_of_the_patterns():
    from wfm.data import check_patterns_fit

    # P·N bytes for ±1 patterns (int8), 4·P·N for Gaussian ones (float32): exactly at the limit is accepted
    assert check_patterns_fit(12, 11, "binary", limit=132) == 132
    assert check_patterns_fit(12, 11, "gaussian", limit=528) == 528
    with pytest.raises(ValueError, match=r"^p=12 with n=11 inputs: the binary patterns alone need 132 bytes, "):
        check_patterns_fit(12, 11, "binary", limit=131)
    with pytest.raises(ValueError, match=r"^n=11 inputs with alpha=0\.5 \(P=5 patterns\): the gaussian patterns "
                                         r"alone need 220 bytes, "):
        check_patterns_fit(5, 11, "gaussian", alpha=0.5, limit=219)

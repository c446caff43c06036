import json
import subprocess
import sys

import pytest

from wfm.cli import main


def test_version_and_info(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith("wfm ")
    assert main(["info", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["numba_threads"] >= 1 and "numpy" in rec


def test_solve_json(capsys, tmp_path):
    assert main(["solve", "--n", "101", "--alpha", "0.3", "--json", "--save", str(tmp_path / "r.npz")]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["solved"] is True and rec["n_errors"] == 0 and rec["p"] == 30
    assert (tmp_path / "r.npz").exists()


def test_solve_option_and_fail_unsolved(capsys):
    rc = main(["solve", "--n", "31", "--alpha", "2.0", "-o", "max_sweeps=5", "--fail-unsolved"])
    assert rc == 1
    assert "solved=False" in capsys.readouterr().out


def test_count(capsys):
    assert main(["count", "--n", "15", "--alpha", "0.4", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["count"] > 0 and rec["p"] == 6


def test_methods(capsys):
    assert main(["methods"]) == 0
    assert "sa:" in capsys.readouterr().out


@pytest.mark.parametrize("argv, needle", [
    (["solve", "--n", "100"], "odd number of inputs"),
    (["solve", "--method", "nope"], "method='nope'"),
    (["solve", "-o", "bogus=1"], "unknown option"),
    (["solve", "--alpha", "-1"], "alpha must be > 0"),
    (["solve", "--n", "abc"], "argument --n: must be an integer, got 'abc'"),
    (["solve", "--model", "mlp"], "--model='mlp' is not allowed"),
    (["solve", "--patterns", "foo"], "--patterns='foo' is not allowed"),
    (["solve", "--seed", "-1"], "seed must be >= 0"),
    (["solve", "--save", "/nonexistent-dir/x.npz"], "--save: directory /nonexistent-dir does not exist"),
    (["local-entropy", "--reference", "/nonexistent.npz"], "--reference: no such file"),
    (["count", "--n", "61"], "n_weights"),
])
def test_bad_arguments_one_line_exit_2(argv, needle):
    proc = subprocess.run([sys.executable, "-m", "wfm.cli", *argv], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in proc.stderr


def test_option_values_are_parsed():
    from wfm.cli.common import parse_options
    assert parse_options(["a=1", "b=0.5", "c=true", "d=False", "e=None", "f=[1, 2]", "g=fast"]) == \
        {"a": 1, "b": 0.5, "c": True, "d": False, "e": None, "f": [1, 2], "g": "fast"}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_options(["novalue"])


def _all_parsers():
    import argparse

    from wfm.cli import build_parser

    todo, out = [("wfm", build_parser())], []
    while todo:
        name, p = todo.pop()
        out.append((name, p))
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                todo.extend((f"{name} {k}", v) for k, v in a.choices.items())
    return out


def test_every_option_has_help_and_no_markup():
    for name, p in _all_parsers():
        for a in p._actions:
            if a.option_strings and a.dest not in ("help", "version"):
                assert a.help, f"{name} {a.option_strings} has no help text"
        text = p.format_help()
        for markup in ("``", ":math:", ":func:", ":mod:"):
            assert markup not in text, f"`{name} --help` shows reST markup {markup!r}"


def test_option_flag_means_the_same_everywhere():
    for name, p in _all_parsers():
        for a in p._actions:
            if "-o" in a.option_strings:
                assert "--option" in a.option_strings, f"{name}: -o must be --option"
            if "--progress" in a.option_strings:
                assert a.default is True, f"{name}: progress is on by default everywhere"


def test_measure_and_local_entropy_take_the_saved_instance(tmp_path, capsys):
    out = tmp_path / "s.npz"
    assert main(["solve", "--n", "51", "--alpha", "0.5", "--data-seed", "3", "--method", "sbpi", "--save", str(out),
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["measure", "local_energy_flip", "--reference", str(out), "-o", "n_draws=4", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["instance"]["data_seed"] == 3 and rec["instance"]["p"] == round(0.5 * 51)
    assert main(["measure", "local_energy_flip", "--reference", str(out), "--data-seed", "4"]) == 2
    assert "--data-seed 4 conflicts" in capsys.readouterr().err

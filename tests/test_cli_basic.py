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
    (["solve", "--n", "abc"], "invalid int value"),
    (["solve", "--model", "mlp"], "--model"),
])
def test_bad_arguments_one_line_exit_2(argv, needle):
    proc = subprocess.run([sys.executable, "-m", "wfm.cli", *argv], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in proc.stderr


def test_option_values_are_parsed():
    from wfm._cli_basic import parse_options
    assert parse_options(["a=1", "b=0.5", "c=true", "d=False", "e=None", "f=[1, 2]", "g=fast"]) == \
        {"a": 1, "b": 0.5, "c": True, "d": False, "e": None, "f": [1, 2], "g": "fast"}
    with pytest.raises(ValueError, match="key=value"):
        parse_options(["novalue"])

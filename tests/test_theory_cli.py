"""Tests of ``wfm theory`` (the CLI of wfm.theory)."""
import json
import subprocess
import sys

import pytest

from wfm import theory
from wfm.cli import main


def test_capacity_table_binary(capsys):
    assert main(["theory", "capacity", "--kappa", "-0.5", "0", "0.5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["kappa", "alpha_c"]
    vals = [tuple(map(float, line.split())) for line in out[1:4]]
    assert vals[1][1] == pytest.approx(0.833079, abs=1e-6)
    assert vals[0][1] > vals[1][1] > vals[2][1]


def test_capacity_spherical_json(capsys):
    assert main(["theory", "capacity", "--kappa", "0", "--spherical", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["model"] == "spherical" and rec["alpha_c"] == [pytest.approx(2.0)]
    assert main(["theory", "capacity", "--kappa", "-0.5", "--spherical", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["warnings"] and "kappa < 0" in rec["warnings"][0]


def test_entropy_json(capsys):
    assert main(["theory", "entropy", "--alpha", "0.5", "0.7", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["entropy"][0] == pytest.approx(theory.binary_entropy(0.5), abs=1e-12)
    assert rec["q"][1] == pytest.approx(theory.binary_overlap(0.7), abs=1e-12)


def test_max_margin_table(capsys):
    assert main(["theory", "max-margin", "--alpha", "0.5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert float(out[1].split()[1]) == pytest.approx(theory.max_margin(0.5), abs=1e-5)


def test_franz_parisi_table_and_json(capsys):
    assert main(["theory", "franz-parisi", "--alpha", "0.5", "--kappa-ref", "0.2", "--d", "0.01", "0.1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["d", "V", "H(d)", "V/H", "q"] and len(out) >= 3
    assert main(["theory", "franz-parisi", "--alpha", "0.5", "--d", "0.1", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["d"] == [0.1] and rec["lost_d"] == [] and rec["local_entropy"][0] < rec["bound"][0]


def test_bad_argument_in_process(capsys):
    assert main(["theory", "entropy", "--alpha", "-1"]) == 2
    err = capsys.readouterr().err
    assert "alpha" in err and err.count("\n") == 1


def test_bad_argument_subprocess_exit_code_2():
    proc = subprocess.run([sys.executable, "-m", "wfm.cli", "theory", "franz-parisi", "--alpha", "0.5", "--d", "0.7"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "d" in lines[0] and "Traceback" not in proc.stderr


def test_ld_table_infinite_y(capsys):
    # y = inf: the RS curve of max_local_entropy with its closed-form Sigma_ext; negative there at alpha = 0.6
    assert main(["theory", "ld", "--alpha", "0.6", "--d", "0.02", "0.1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["d", "S_int", "Sigma_ext", "phi", "H(d)", "RS_valid", "branch"]
    rows = [line.split() for line in out[1:3]]
    with pytest.warns(theory.ReplicaSymmetryWarning):
        c = theory.large_deviation_curve(0.6, [0.02, 0.1], float("inf"))
    for r, s, sig in zip(rows, c.S_int, c.Sigma_ext):
        assert float(r[1]) == pytest.approx(s, rel=1e-5) and float(r[2]) == pytest.approx(sig, rel=1e-5)
        assert r[5] == "NO"
    text = "\n".join(out)
    assert "RS not self-consistent (Sigma_ext < 0) for d in [0.02, 0.1]" in text
    assert "note:" in text and "Sigma_ext>=0 fails" in text


def test_ld_json_and_bad_options(capsys):
    assert main(["theory", "ld", "--alpha", "0.6", "--y", "inf", "--d", "0.05", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["rs_valid"] == [False] and rec["Sigma_ext"][0] < 0 and rec["negative_sigma_ext_intervals"]
    assert rec["warnings"] and any("not self-consistent" in w for w in rec["warnings"])
    assert main(["theory", "ld", "--alpha", "0.6", "--centre", "solution", "--rsb", "--d", "0.05"]) == 2
    assert "--rsb" in capsys.readouterr().err
    assert main(["theory", "ld", "--alpha", "0.6", "--y", "-1", "--d", "0.05"]) == 2
    assert "y" in capsys.readouterr().err


@pytest.mark.slow
def test_ld_table_finite_y_flags_the_negative_window(capsys):
    # alpha = 0.6, y = 20: Sigma_ext > 0 at d = 0.005 and 0.1, < 0 at d = 0.02 (RS not self-consistent there)
    assert main(["theory", "ld", "--alpha", "0.6", "--y", "20", "--d", "0.005", "0.02", "0.1"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in out[1:4]]
    assert [r[5] for r in rows] == ["yes", "NO", "yes"]
    assert float(rows[1][2]) < 0 < float(rows[0][2]) and float(rows[2][2]) > 0
    # phi = S_int + Sigma_ext / y
    for r in rows:
        assert float(r[3]) == pytest.approx(float(r[1]) + float(r[2]) / 20, abs=2e-6)

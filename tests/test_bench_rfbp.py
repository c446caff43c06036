"""benchmarks/bench_rfbp.py: the harness that times wfm's BP against rFBP (the C++ focusing-BP reference).

rFBP itself is not part of the repository: the tests here check the harness's own pieces without it (exit
status without a build, the binary pattern file layout, the parsing of rFBP's output and message file), and
the fixed-point cross-check against a real build only when ``RFBP_DIR`` points at one.
"""
import importlib.util
import os
import pathlib
import struct
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import wfm

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_rfbp.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_rfbp", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


B = _load()


def _run_script(*args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k != "RFBP_DIR"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra or {})
    return subprocess.run([sys.executable, str(SCRIPT), *args], check=False, capture_output=True, text=True, env=env, timeout=120)


def test_without_build_says_so_in_one_line_and_exits_2():
    r = _run_script()
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "RFBP_DIR" in lines[0] and "Traceback" not in r.stderr


def test_missing_executable_exits_2(tmp_path):
    r = _run_script(env_extra={"RFBP_DIR": str(tmp_path)})
    assert r.returncode == 2 and "Traceback" not in r.stderr and "train_main" in r.stderr


def test_find_executable_layouts(tmp_path):
    assert B.find_executable(None) is None
    assert B.find_executable(str(tmp_path)) is None
    exe = tmp_path / "build" / "bin" / "train_main"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert B.find_executable(str(tmp_path)) == str(exe)
    assert B.find_executable(str(exe.parent)) == str(exe)
    assert B.find_executable(str(exe)) == str(exe)


@pytest.mark.parametrize("n,k,alpha", [(11, 1, 0.6), (7, 3, 0.5)])
def test_pattern_file_layout(tmp_path, n, k, alpha):
    """Read back with struct, field by field, in the order rFBP's Patterns reader uses (-b 1)."""
    model = wfm.Perceptron(n) if k == 1 else wfm.Committee(n, k)
    pats = wfm.random_patterns(n, alpha=alpha, seed=5, model=model)
    assert pats.p == round(alpha * n * k)
    raw = pathlib.Path(B.write_patterns(tmp_path / "p.bin", pats)).read_bytes()
    m, nn = struct.unpack_from("<qq", raw, 0)
    assert (m, nn) == (pats.p, n)
    labels = struct.unpack_from(f"<{m}q", raw, 16)
    assert list(labels) == [int(v) for v in pats.labels]
    inputs = struct.unpack_from(f"<{m * n}d", raw, 16 + 8 * m)
    assert len(raw) == 16 + 8 * m + 8 * m * n
    assert np.array_equal(np.array(inputs).reshape(m, n), pats.xi.astype(float))


SAMPLE = (
    "\n\x1b[K[it=0 Delta=1 lambda=0.5]\r\x1b[K[it=1 Delta=0.5 lambda=0.5]\r\x1b[K[it=2 Delta=0.099668 lambda=0.5]\n"
    "ok\nelapsed time = 0 milliseconds\n"
    "it=1 pol=0 y=2 beta=inf (ok=1) S=0 betaF=-0.238262 S_int=0.238262 q=0.209239 q_bar=0 E=62\n"
    "it=1 pol=0 y=2 beta=inf (ok=1) E=62\n\n"
    "\x1b[K[it=0 Delta=0.099668 lambda=0.5]\nok\nelapsed time = 0 milliseconds\n"
    "it=2 pol=0.1 y=2.0101 beta=inf (ok=1) S=0.125197 betaF=-0.241208 S_int=0.228646 q=0.254454 q_bar=0.01 E=0\n"
    "it=2 pol=0.1 y=2.0101 beta=inf (ok=1) E=0\n"
)


def test_parse_output_counts_sweeps_and_steps():
    sweeps, steps = B.parse_output(SAMPLE)
    assert sweeps == 4
    assert steps == [(1, 0.0, 2.0, True, 62), (2, 0.1, 2.0101, True, 0)]
    st = B._STATS_RE.search(SAMPLE)
    assert (float(st.group(1)), float(st.group(2)), int(st.group(3))) == (0.238262, 0.209239, 62)


def test_nan_steps_detected():
    text = SAMPLE + ("it=3 pol=0.83666 y=4.33333 beta=inf (ok=1) S=-nan betaF=-nan S_int=-nan q=-nan q_bar=-nan E=351\n"
                     "it=3 pol=0.83666 y=4.33333 beta=inf (ok=1) E=351\n")
    assert [int(m.group(1)) for m in B._NAN_RE.finditer(SAMPLE)] == []
    assert [int(m.group(1)) for m in B._NAN_RE.finditer(text)] == [3]


def test_read_clipped_weights_sign_bit(tmp_path):
    f = tmp_path / "m.txt"
    f.write_text("fmt: tanh\nN,M,K: 4 2 1\n0.1 0.2 0.3 0.4 \n0.50000 -0.00000 0.00000 -0.70000 \n9 9 \n")
    assert B.read_clipped_weights(f, 1).tolist() == [[1, -1, 1, -1]]
    with pytest.raises(RuntimeError):
        B.read_clipped_weights(f, 2)


@pytest.mark.skipif(B.find_executable(os.environ.get("RFBP_DIR")) is None, reason="needs an rFBP build in RFBP_DIR")
def test_fixed_point_agrees_with_rfbp():
    exe = B.find_executable(os.environ["RFBP_DIR"])
    with tempfile.TemporaryDirectory() as tmp:
        rows = B.check_fixed_point(exe, ["P"], tmp)
    assert rows and all(r["agree"] for r in rows)

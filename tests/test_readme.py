"""The README's examples, run the way a reader would run them, so that none can rot.

The fenced blocks of README.md are taken in document order and run in one temporary directory:

* ```` ```toml ```` whose first line is ``# NAME.toml ...``: written to ``NAME.toml`` (the specs the commands use);
* ```` ```python ```` starting with ``>>>``: a session, run by ``python -m doctest`` (every output compared);
* ```` ```python ```` otherwise: a script, run by ``python SCRIPT`` in a new process;
* ```` ```console ````: each ``$ `` line is a command run by the shell; the lines under it are its output, each of
  which must appear in its standard output, in order (a number with a decimal point stands for any number:
  timings);
* ```` ```bash ````: every line that is not a comment is a command.

``wfm`` and ``python`` are this interpreter with this checkout first on the path. A block right after
``<!-- not run: REASON -->`` is not run; when the reason is ``.ci/run runs these lines``, each of its commands
must be a line of ``.ci/run``.
"""
from __future__ import annotations

import configparser
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CI_MARK = ".ci/run runs these lines"
TIMEOUT = 600

_FENCE = re.compile(r"^```(\w*)\s*$")
_NOT_RUN = re.compile(r"^<!--\s*not run:\s*(.+?)\s*-->\s*$")
_DECIMAL = re.compile(r"\d+\.\d+")


def readme_blocks(text: str) -> list[dict]:
    """The fenced blocks of ``text``: language, first line number, lines, and the not-run reason if marked."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mark = _NOT_RUN.match(lines[k]) if k >= 0 else None
        blocks.append({"lang": m.group(1), "line": i + 1, "body": lines[i + 1:j],
                       "not_run": mark.group(1) if mark else None})
        i = j + 1
    return blocks


def console_steps(body: list[str]) -> list[tuple[str, list[str]]]:
    """``(command, expected output lines)`` of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in body:
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif line.strip():
            if not steps:
                raise ValueError(f"console block: output line before any command: {line!r}")
            steps[-1][1].append(line)
    return steps


def bash_commands(body: list[str]) -> list[str]:
    return [line for line in body if line.strip() and not line.lstrip().startswith("#")]


def output_pattern(expected: str) -> re.Pattern:
    """A regex for an expected output line: literal text, any number where the README shows a decimal one."""
    parts = _DECIMAL.split(expected)
    return re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?".join(re.escape(p) for p in parts))


def match_output(expected: list[str], stdout: str) -> list[str]:
    """The expected lines not found in ``stdout`` in order (empty: all found)."""
    out, at = stdout.splitlines(), 0
    for k, line in enumerate(expected):
        pat = output_pattern(line.strip())
        while at < len(out) and not pat.fullmatch(out[at].strip()):
            at += 1
        if at == len(out):
            return expected[k:]
        at += 1
    return []


def _command_text(cmd: str) -> str:
    """A shell command without its trailing comment."""
    return " ".join(shlex.split(cmd, comments=True))


def sessions_joined(blocks: list[dict]) -> list[dict]:
    """The blocks with every ``>>>`` block joined into the first: one interpreter session, as a reader types it."""
    out: list[dict] = []
    session = None
    for b in blocks:
        if b["lang"] == "python" and b["body"] and b["body"][0].startswith(">>>"):
            if session is None:
                session = {**b, "body": list(b["body"]), "lines": [b["line"]]}
                out.append(session)
            else:
                session["body"] += [""] + b["body"]
                session["lines"].append(b["line"])
        else:
            out.append(b)
    return out


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
RUN = sessions_joined([b for b in BLOCKS if b["not_run"] is None])


# ------------------------------------------------------------------------------------------------------------
# the extractor itself


def test_extractor_on_a_small_document():
    doc = ("text\n\n<!-- not run: a reason -->\n```bash\npip install x\n```\n\n```console\n$ wfm a  # c\n"
           "took 1.5 s\n$ wfm b\n```\n```python\n>>> 1\n1\n```\n")
    b = readme_blocks(doc)
    assert [x["lang"] for x in b] == ["bash", "console", "python"]
    assert b[0]["not_run"] == "a reason" and b[1]["not_run"] is None and b[0]["line"] == 4
    assert console_steps(b[1]["body"]) == [("wfm a  # c", ["took 1.5 s"]), ("wfm b", [])]
    assert match_output(["took 1.5 s"], "noise\ntook 12.25 s\n") == []
    assert match_output(["took 1.5 s"], "took 1.5 min\n") == ["took 1.5 s"]
    assert match_output(["a", "b"], "b\na\n") == ["b"]  # order matters
    assert _command_text("wfm figures --quick      # the main job") == "wfm figures --quick"
    joined = sessions_joined(b)
    assert len(joined) == 3 and joined[2]["lines"] == [13]
    two = sessions_joined(readme_blocks("```python\n>>> x = 1\n```\n```python\n>>> x\n1\n```\n"))
    assert len(two) == 1 and two[0]["body"] == [">>> x = 1", "", ">>> x", "1"]


def test_blocks_are_found_and_few_are_not_run():
    langs = {b["lang"] for b in RUN}
    assert {"python", "console", "toml"} <= langs
    not_run = [b for b in BLOCKS if b["not_run"]]
    assert len(not_run) <= 6, [(b["line"], b["not_run"]) for b in not_run]
    for b in BLOCKS:
        assert b["lang"] in ("python", "console", "bash", "toml"), (b["line"], b["lang"])


def test_blocks_marked_for_ci_are_in_ci():
    ci = {_command_text(line) for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip()}
    marked = [b for b in BLOCKS if b["not_run"] == CI_MARK]
    assert marked
    for b in marked:
        for cmd in bash_commands(b["body"]):
            assert _command_text(cmd) in ci, f"README line {b['line']}: {cmd!r} is not a line of .ci/run"


def test_install_commands_name_this_project():
    """Every install command installs this checkout with extras that exist (``wfm`` on the index is another
    project), and the README's one set-up line installs every extra the examples need."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    extras = {k: {r.strip() for r in v.strip().splitlines() if r.strip()}
              for k, v in cfg["options.extras_require"].items()}
    assert cfg["metadata"]["name"] == "wfm-physics"
    assert extras["all"] == extras["test"] | extras["dask"] | extras["data"] | extras["io"]
    assert {r.split(">")[0] for r in extras["io"]} == {"xarray", "pyarrow"}
    text = README.read_text(encoding="utf-8")
    installs = re.findall(r"pip install[^`\n]*", text)
    assert 'pip install -e ".[all]"' in installs
    for cmd in installs:
        if "dask-jobqueue" in cmd:
            continue
        m = re.fullmatch(r'pip install -e "\.\[([\w,]+)\]"', cmd.strip())
        assert m, f"README: {cmd!r} does not install this checkout"
        assert set(m.group(1).split(",")) <= set(extras), cmd


# ------------------------------------------------------------------------------------------------------------
# running the blocks


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("readme")
    bin_dir = d / "_bin"
    bin_dir.mkdir()
    for name, cmd in (("python", f'exec "{sys.executable}" "$@"'), ("wfm", f'exec "{sys.executable}" -m wfm "$@"')):
        shim = bin_dir / name
        shim.write_text(f"#!/bin/sh\n{cmd}\n")
        shim.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["MPLBACKEND"] = "Agg"
    return d, env


def _run(args, cwd, env, what):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, (f"{what}: exit status {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}"
                                  f"\n--- stderr\n{proc.stderr[-4000:]}")
    return proc


@pytest.mark.parametrize("block", RUN, ids=[f"L{b['line']}-{b['lang']}" for b in RUN])
def test_readme_block(block, workdir):
    d, env = workdir
    where = f"README line {block['line']}"
    body = block["body"]
    if block["lang"] == "toml":
        m = re.match(r"#\s*([\w.-]+\.toml)\b", body[0]) if body else None
        assert m, f"{where}: a TOML block starts with '# NAME.toml' (the file the commands read)"
        (d / m.group(1)).write_text("\n".join(body) + "\n")
    elif block["lang"] == "python" and body and body[0].startswith(">>>"):
        where = f"the README session (blocks at lines {block['lines']})"
        session = d / f"session_{block['line']}.txt"
        session.write_text("\n".join(body) + "\n")
        proc = _run([sys.executable, "-m", "doctest", "-v", session.name], d, env, where)
        assert "Test passed." in proc.stdout
    elif block["lang"] == "python":
        script = d / f"block_{block['line']}.py"
        script.write_text("\n".join(body) + "\n")
        _run([sys.executable, script.name], d, env, where)
    elif block["lang"] == "console":
        steps = console_steps(body)
        assert steps, f"{where}: a console block without a command"
        for cmd, expected in steps:
            proc = _run(["bash", "-c", cmd], d, env, f"{where}: $ {cmd}")
            missing = match_output(expected, proc.stdout)
            assert not missing, f"{where}: $ {cmd}\nexpected {missing[0]!r} in\n{proc.stdout}"
    elif block["lang"] == "bash":
        for cmd in bash_commands(body):
            _run(["bash", "-c", cmd], d, env, f"{where}: {cmd}")
    else:
        pytest.fail(f"{where}: no rule to run a {block['lang']!r} block")

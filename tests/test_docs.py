"""The documentation: the user guide's examples run, the docstring reader of the Sphinx build does what it says,
and the API reference covers every public module.

The Sphinx build itself (``sphinx-build -W --keep-going -b html docs docs/_build/html``, warnings as errors)
runs in ``.ci/run``; these tests need neither Sphinx nor the network.
"""
from __future__ import annotations

import doctest
import importlib.util
import pkgutil
import re
import sys
from pathlib import Path

import pytest

import wfm

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GUIDE = sorted((DOCS / "guide").glob("*.md"))

_spec = importlib.util.spec_from_file_location("wfm_docstrings", DOCS / "_ext" / "wfm_docstrings.py")
W = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(W)

_DOCTEST_BLOCK = re.compile(r"^```\{doctest\}\n(.*?)^```", flags=re.S | re.M)


# ------------------------------------------------------------------------------------------------------------
# the guide's examples: each page is one session, run in a temporary directory


def test_guide_pages_exist_and_have_examples():
    names = {p.stem for p in GUIDE}
    assert {"index", "models", "solvers", "measures", "theory", "sweeps", "figures"} <= names
    for p in GUIDE:
        if p.stem != "index":
            assert _DOCTEST_BLOCK.search(p.read_text(encoding="utf-8")), f"{p.name}: no {{doctest}} example"


@pytest.mark.parametrize("page", [p for p in GUIDE if p.stem != "index"], ids=lambda p: p.stem)
def test_guide_examples(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = page.read_text(encoding="utf-8")
    source = "\n".join(_DOCTEST_BLOCK.findall(text))
    globs = {}
    exec("import numpy as np\nimport wfm", globs)  # doctest_global_setup of docs/conf.py
    test = doctest.DocTestParser().get_doctest(source, globs, page.stem, str(page), 0)
    assert test.examples
    flags = doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL | doctest.DONT_ACCEPT_TRUE_FOR_1  # as Sphinx's
    runner = doctest.DocTestRunner(optionflags=flags)
    report = []
    runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)


# ------------------------------------------------------------------------------------------------------------
# the docstring reader (docs/_ext/wfm_docstrings.py)


def test_bars_are_escaped_outside_literals_and_roles():
    assert W.escape_bars("|W_k|² = m") == "\\|W_k\\|² = m"
    assert W.escape_bars("``a | b`` and :math:`|x|` and |y|") == "``a | b`` and :math:`|x|` and \\|y\\|"


def test_markdown_pipe_table_becomes_a_list_table():
    lines = ["Intro:", "", "| a | b |", "|---|---|", "| 1 | x |", "| 2 | |", "", "After."]
    out = W.plain_text(lines)
    assert out[:3] == ["Intro:", "", ".. list-table::"]
    assert "   * - a" in out and "     - b" in out and "   * - 2" in out and "     - .." in out
    assert out[-1] == "After."


def test_displays_become_literal_blocks():
    # after "...:" and a blank line
    out = W.plain_text(["The Hessian:", "", "    H = a", "        + b", "", "where a is"])
    assert out == ["The Hessian::", "", "    H = a", "        + b", "", "where a is"]
    # right under a paragraph of two lines, without a blank line (reST: unexpected indentation)
    out = W.plain_text(["first line", "second line", "    x = 1", "next"])
    assert out == ["first line", "second line ::", "", "    x = 1", "", "next"]
    # a single-line term over an indented block stays a definition list; an item's own text stays
    assert W.plain_text([":mod:`a`", "    what a is"]) == [":mod:`a`", "    what a is"]
    assert W.plain_text(["* item", "  continued"]) == ["* item", "  continued"]
    # the author's own literal block: bars inside are not escaped, text after it is
    out = W.plain_text(["Code::", "", "    |x|", "", "and |y|"])
    assert out == ["Code::", "", "    |x|", "", "and \\|y\\|"]
    # directive bodies are left alone
    out = W.plain_text([".. math::", "", "    |x|^2", "", "text"])
    assert out == [".. math::", "", "    |x|^2", "", "text"]


def test_short_underline_is_stretched_and_field_list_closed():
    out = W.plain_text(["A title that is long", "-----", "text"])
    assert out == ["A title that is long", "-" * 20, "text"]
    out = W.plain_text([":param x: the x", "    continued", "Returns the y."])
    assert out == [":param x: the x", "    continued", "", "Returns the y."]


def test_verbatim_is_one_literal_block():
    assert W.verbatim(["a", "  b"]) == ["::", "", "    a", "      b", ""]


def _docutils_problems(lines):
    """docutils messages (warning level and above) for docstring ``lines``, Sphinx roles read as literals."""
    docutils_core = pytest.importorskip("docutils.core")
    import io

    text = "\n".join(lines)
    text = re.sub(r":[\w:+.-]+:`([^`]*)`", r"``\1``", text)  # roles Sphinx knows and plain docutils does not
    text = re.sub(r"^(\s*)\.\. (math|list-table|rubric|admonition|seealso|note|warning)::", r"\1.. note::", text,
                  flags=re.M)
    stream = io.StringIO()
    docutils_core.publish_doctree(text, settings_overrides={"warning_stream": stream, "report_level": 2,
                                                            "halt_level": 5})
    return stream.getvalue()


def _conf() -> dict:
    """The settings of docs/conf.py (executed as Sphinx does; sys.path restored)."""
    conf = {"__file__": str(DOCS / "conf.py"), "__name__": "conf"}
    saved = list(sys.path)
    try:
        exec(compile((DOCS / "conf.py").read_text(), str(DOCS / "conf.py"), "exec"), conf)
    finally:
        sys.path[:] = saved
    return conf


def _docstring(name):
    import importlib
    import inspect

    module, _, attr = name.partition(":")
    obj = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return inspect.getdoc(obj).splitlines()


def test_verbatim_list_holds_only_docstrings_that_need_it():
    """Each docstring shown verbatim still breaks reST after the plain-text reading; fix it, then drop it."""
    listed = _conf()["wfm_docstrings_verbatim"]
    assert listed, "the list is empty: remove this test and the setting"
    for name, reason in listed.items():
        assert reason
        problems = _docutils_problems(W.plain_text(_docstring(name)))
        assert problems, f"{name} is valid reST now: remove it from wfm_docstrings_verbatim in docs/conf.py"


# ------------------------------------------------------------------------------------------------------------
# coverage of the API reference


def test_api_reference_covers_the_package():
    """The API pages are generated recursively from the package, so every public module is documented (the
    Sphinx build fails if one cannot be imported); the brief's list of modules is among them."""
    text = (DOCS / "api.rst").read_text()
    assert re.search(r"autosummary::\n\s+:toctree: api/generated\n\s+:recursive:\n\n\s+wfm\n", text)
    public = {m.name for m in pkgutil.iter_modules(wfm.__path__) if not m.name.startswith("_")}
    assert {"core", "data", "models", "losses", "instance", "kernels", "solvers", "bp", "exact", "landscape",
            "theory", "experiments", "sweep", "figures", "cli"} <= public


def test_derivations_are_in_the_site():
    """docs/theory/*.md through the glob of derivations.md; every other docs/*.md that is not one of the site's
    own pages is added to that toctree by docs/conf.py (the Sphinx build fails on a page in no toctree)."""
    assert "theory/*\n" in (DOCS / "derivations.md").read_text()
    conf = _conf()
    pages = {p.stem for p in DOCS.glob("*.md")}
    assert conf["SITE_PAGES"] <= pages
    assert set(conf["derivation_pages"]()) == pages - conf["SITE_PAGES"]
    source = [(DOCS / "derivations.md").read_text()]
    conf["_list_derivations"](None, "derivations", source)
    for name in conf["derivation_pages"]():
        assert f"\n{name}\n" in source[0]
    conf["derivation_pages"] = lambda: ["bp_notes", "landscape_notes"]  # as when such pages exist
    source = [(DOCS / "derivations.md").read_text()]
    conf["_list_derivations"](None, "derivations", source)
    assert "theory/*\nbp_notes\nlandscape_notes\n" in source[0]
    other = ["text"]
    conf["_list_derivations"](None, "index", other)
    assert other == ["text"]


def test_conf_imports_this_checkout():
    conf = _conf()
    assert conf["release"] == wfm.__version__
    assert Path(conf["ROOT"]) == ROOT

"""Sphinx configuration of the wfm documentation.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (warnings are errors; CI runs it).
The API pages are generated from the docstrings on every build (``docs/api/generated/``, git-ignored); the
derivations are the Markdown files of ``docs/theory/`` and ``docs/*.md``, read by MyST. Equations are
rendered by MathJax in the browser; the build itself downloads nothing.
"""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)  # document the source tree next to this file, not another installed copy
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

import wfm  # noqa: E402

project = "wfm"
author = "the wfm authors"
copyright = "the wfm authors"
version = release = wfm.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx.ext.doctest",
    "myst_parser",
    "wfm_docstrings",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# -- API reference ----------------------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autosummary_mock_imports = ["wfm.__main__", "wfm.cli.__main__"]  # `python -m` entry points: they run the CLI
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = True

autodoc_inherit_docstrings = False  # the standard library's docstrings (Executor.submit) are not ours to render

# Docstrings whose layout is not valid reST even read as plain text (docs/_ext/wfm_docstrings.py), with the
# reason; they are shown verbatim until they are rewritten. The build fails on any other docstring that breaks
# reST, and tests/test_docs.py fails on an entry that is no longer needed.
wfm_docstrings_verbatim = {
    "wfm.sweep.store": "a simple table whose last row overflows its first column (created_at, ...)",
    "wfm.cli.sweep": "a usage synopsis whose wrapped lines read as a definition list",
    "wfm.losses": "a list item whose continuation lines are indented deeper than its text",
}

# -- Markdown (MyST): the user guide and the derivations ---------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # a derivation may skip a heading level; that is no reason to fail the build

#: the Markdown pages of docs/ that are the site's own; every other docs/*.md (and docs/theory/*.md) is a
#: derivation, listed on the derivations page by itself
SITE_PAGES = {"index", "tour", "derivations"}


def derivation_pages():
    here = os.path.dirname(os.path.abspath(__file__))
    return sorted(f[:-3] for f in os.listdir(here) if f.endswith(".md") and f[:-3] not in SITE_PAGES)


def _list_derivations(app, docname, source):
    """source-read: the toctree of derivations.md gets every top-level derivation page after ``theory/*``."""
    if docname == "derivations":
        source[0] = source[0].replace("theory/*\n", "theory/*\n" + "".join(f"{n}\n" for n in derivation_pages()))


def setup(app):
    app.connect("source-read", _list_derivations)

# -- doctest: the guide's ``{doctest}`` blocks (``sphinx-build -b doctest docs docs/_build/doctest``) --------
doctest_global_setup = """
import os, tempfile
import numpy as np
import wfm
_wfm_doctest_cwd = os.getcwd()
os.chdir(tempfile.mkdtemp(prefix="wfm-doctest-"))  # the examples write stores and figures: not into the checkout
"""
doctest_global_cleanup = "os.chdir(_wfm_doctest_cwd)"
doctest_test_doctest_blocks = ""  # only the explicit {doctest} blocks of the guide, not docstring snippets

# -- HTML ---------------------------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"wfm {release}"
html_static_path = []

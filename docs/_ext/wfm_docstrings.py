"""Sphinx extension: read the wfm docstrings as their authors wrote them.

The docstrings are plain text with reST markup where it helps (````literals````, ``:func:`` roles, ``:math:``,
``.. math::`` blocks, numpy-style sections read by napoleon). A few plain-text habits are not reST; this
``autodoc-process-docstring`` handler gives each its plain-text meaning before docutils sees it:

* ``|x|`` is an absolute value or a norm, never a reST substitution: bars outside literals and roles are
  escaped;
* a Markdown pipe table (header row, ``|---|---|`` separator, rows) is a table: it becomes a list-table;
* an indented block under a paragraph or a list item is a display (equations aligned by hand): it becomes
  a literal block, shown as written (reST would read it as a block quote, a definition list, or an error);
* a section underline shorter than its title is stretched to the title;
* a field list (napoleon's ``:param ...:`` lines) is ended by a blank line before the next paragraph.

Docstrings listed in ``wfm_docstrings_verbatim`` (conf.py) are shown verbatim as preformatted text: the
ones that are still not valid reST after this (``tests/test_docs.py`` checks that the list holds only
docstrings that need it).
"""
from __future__ import annotations

import re

_INLINE = re.compile(r"(``.+?``|:[\w:+.-]+:`[^`]*`|`[^`]*`_{0,2})")
_DIRECTIVE = re.compile(r"^\.\. \S+::")
_FIELD = re.compile(r"^:[^:\s][^:]*:(\s|$)")
_BULLET = re.compile(r"^([*+\-•]|\d+[.)]|#\.|\(\w\))\s+")
_PIPE_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")
_UNDERLINE = re.compile(r"^([-=~^\"'`#*+])\1{3,}\s*$")


def escape_bars(text: str) -> str:
    """``text`` with every ``|`` outside inline literals, roles and interpreted text escaped for reST."""
    parts = _INLINE.split(text)
    return "".join(p if i % 2 else p.replace("|", "\\|") for i, p in enumerate(parts))


def pipe_table(rows: list[str], indent: int) -> list[str]:
    """A Markdown pipe table (header, separator, rows) as the lines of a reST list-table."""
    pad = " " * indent
    out = [pad + ".. list-table::", pad + "   :header-rows: 1", ""]
    for r, row in enumerate(rows):
        if r == 1:
            continue  # the |---|---| separator
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        for c, cell in enumerate(cells):
            out.append(pad + ("   * - " if c == 0 else "     - ") + (escape_bars(cell) or ".."))
    out.append("")
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _content_indent(line: str) -> int:
    """Where the text of a paragraph line or list item starts (its continuation lines align there)."""
    m = _BULLET.match(line.lstrip())
    return _indent(line) + (m.end() if m else 0)


def plain_text(lines: list[str]) -> list[str]:
    """The docstring ``lines`` with the plain-text habits of the module docstring turned into reST."""
    out: list[str] = []
    raw_indent = None  # inside a literal block or a directive body: lines indented more than this are raw
    para = None        # the text block (paragraph or list item) just read: [content indent, n lines, last line]
    in_fields = False  # inside a field list at indentation 0 (napoleon's :param ...: lines)
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.lstrip()
        indent = _indent(line)
        blank_before = i == 0 or not lines[i - 1].strip()
        i += 1
        if raw_indent is not None:
            if not stripped or indent > raw_indent:
                out.append(line)
                continue
            raw_indent = None
            if out[-1].strip():
                out.append("")  # a literal block or a directive body ends with a blank line
        if not stripped:
            out.append(line)
            in_fields = False
            continue
        if stripped.startswith("|") and i < len(lines) and _PIPE_SEPARATOR.match(lines[i].strip()):
            j = i + 1
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
            if out and out[-1].strip():
                out.append("")
            out.extend(pipe_table(lines[i - 1:j], indent))
            para, i = None, j
            continue
        if para is not None and indent > para[0] and (
                (blank_before and para[2].endswith(":")) or (not blank_before and para[1] >= 2)):
            # a display: after "...:" and a blank line, or right under a paragraph of two lines or more
            # (reST reads the first as a block quote, where "+ x" or "- x" lines become lists, and the second
            # as an "unexpected indentation" error)
            k = len(out) - 1
            while not out[k].strip():
                k -= 1
            out[k] += ":" if out[k].endswith(":") else " ::"
            if out[-1].strip():
                out.append("")
            raw_indent, para = para[0], None
            out.append(line)
            continue
        m = _UNDERLINE.match(stripped)
        if m and para is not None and para[1] == 1 and not blank_before and indent == _indent(para[2]):
            if len(stripped) < len(para[2].strip()):
                line = " " * indent + m.group(1) * len(para[2].strip())
            out.append(line)
            para = None
            continue
        if in_fields and indent == 0 and not _FIELD.match(stripped):
            out.append("")  # a field list ends with a blank line
            in_fields = False
        if _FIELD.match(stripped):
            in_fields = in_fields or indent == 0
            out.append(escape_bars(line))
            para = None
        elif _DIRECTIVE.match(stripped):
            out.append(line)
            raw_indent, para = indent, None
        elif stripped.startswith(("| ", "+-", "+=")) or stripped == "|":
            out.append(line)  # a reST line block or grid table
            para = None
        else:
            out.append(escape_bars(line) if not stripped.endswith("::") else escape_bars(line[:-2]) + "::")
            continues = (para is not None and not blank_before and not _BULLET.match(stripped)
                         and indent == para[0])
            if continues:
                para = [para[0], para[1] + 1, line]
            elif in_fields:
                para = None
            else:
                para = [_content_indent(line), 1, line]
            if stripped.endswith("::"):  # the author's own literal block
                raw_indent, para = (para[0] if para else indent), None
    return out


def verbatim(lines: list[str]) -> list[str]:
    """The docstring as one literal block."""
    return ["::", ""] + ["    " + line for line in lines] + [""]


def _process(app, what, name, obj, options, lines):
    lines[:] = verbatim(lines) if name in app.config.wfm_docstrings_verbatim else plain_text(lines)


def setup(app):
    app.add_config_value("wfm_docstrings_verbatim", {}, "env")
    app.connect("autodoc-process-docstring", _process, priority=600)  # after napoleon (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""The README gallery, generated from the claims files of the committed run, so a caption cannot drift from its PNG.

The committed gallery is the directory ``figures/`` of the repository, written by ``wfm figures --out figures``
(quick or full mode per figure). Each run records, per figure, its sizes, the outcome and numbers of every claim
and the SHA-256 of the PNG it wrote (``claims_<mode>.json``). :func:`render` picks, for every figure, the entry
whose recorded PNG digest is the PNG on disk (entries from before digests were recorded: the full run if there
is one, else the quick run) and writes its caption from that entry and the figure's static text (title, what it
establishes, notes). :func:`update_readme` replaces the README between :data:`START` and :data:`END`; the tests
check that the README equals :func:`render` of the committed files.
"""
from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path

from . import style
from .core import MODES, claims_path, figures

__all__ = ["START", "END", "select_entries", "render", "update_readme", "readme_section"]

START = "<!-- gallery:start -->"
END = "<!-- gallery:end -->"
#: the order in which claims files are preferred when no PNG digest decides
PREFERENCE = ("full", "quick")
#: line width of the prose paragraphs (the README's)
WIDTH = 110


def _load(directory, mode) -> dict:
    p = claims_path(directory, mode)
    return json.loads(p.read_text()) if p.exists() else {}


def select_entries(directory="figures") -> dict:
    """{figure key: (mode, claims entry)} for the figures with a PNG or an entry in ``directory``.

    The entry whose ``png_sha256`` is the digest of the PNG on disk wins; if no entry of that figure records a
    digest, the first of :data:`PREFERENCE` that has one. ValueError if entries record digests and none matches
    (the PNG was replaced without its claims) or if a PNG has no entry at all.
    """
    assert set(PREFERENCE) == set(MODES)
    files = {m: _load(directory, m) for m in PREFERENCE}
    out = {}
    for key, fig in figures().items():
        cands = [(m, files[m][key]) for m in PREFERENCE if key in files[m]]
        png = Path(directory) / fig.filename
        if not cands:
            if png.exists():
                raise ValueError(f"{png}: no entry for {key} in {directory}/claims_*.json (run wfm figures --out "
                                 f"{directory} --only {key})")
            continue
        recorded = [(m, e) for m, e in cands if e.get("png_sha256")]
        if recorded and png.exists():
            digest = style.file_sha256(str(png))
            match = [(m, e) for m, e in recorded if e["png_sha256"] == digest]
            if not match:
                raise ValueError(f"{png} is not the PNG of any run recorded in {directory}/claims_*.json "
                                 f"({', '.join(m for m, _ in recorded)}); rerun wfm figures --out {directory} "
                                 f"--only {key}")
            out[key] = match[0]
        else:
            out[key] = cands[0]
    return out


def _wrap(text: str) -> str:
    """The paragraph wrapped at :data:`WIDTH`, unless a wrapped line would start like markdown syntax."""
    out = textwrap.fill(text, WIDTH, break_long_words=False, break_on_hyphens=False)
    if any(re.match(r"(?:[-*+>#]|\d+[.)])(?:\s|$)", line) for line in out.splitlines()[1:]):
        return text
    return out


def _caption(fig, mode, entry, rel) -> str:
    png = f"{rel}/{fig.filename}"
    links = f"`{png}`"
    pdf = entry.get("pdf")
    if pdf:
        links += f", [PDF]({rel}/{pdf})"
    lines = [f"**{fig.key} — {fig.title}** ({links}; `--{mode}`: {entry.get('sizes', fig.sizes[mode])})", "",
             f"![{fig.key}]({png})", "", _wrap(fig.establishes), "", "Claims checked on the numbers of this run:", ""]
    for c in entry.get("claims", []):
        mark = "✓" if c.get("holds") else "✗ **fails**"
        lines.append(f"- {mark} {c['text']}" + (f" — {c['detail']}" if c.get("detail") else ""))
    if entry.get("failed"):
        lines.append(f"- ✗ **{entry['failed']} task(s) of this run failed**")
    if fig.notes:
        note = fig.notes
        if note.startswith("Not reproduced:"):
            note = "**Not reproduced:**" + note[len("Not reproduced:"):]
        else:
            note = "Note: " + note
        lines += ["", _wrap(note)]
    return "\n".join(lines)


def render(directory="figures", rel=None) -> str:
    """The gallery (markdown, without the markers) from the claims files and PNGs in ``directory``.

    ``rel``: the path of ``directory`` as the README links it (default: ``directory`` as given).
    """
    rel = (rel if rel is not None else str(directory)).rstrip("/")
    entries = select_entries(directory)
    parts = [_wrap(f"Generated from `{rel}/claims_<mode>.json` by `wfm.figures.gallery.update_readme()` (do not edit "
                   "by hand): each caption shows the run that drew the PNG, its sizes and every claim with its "
                   "numbers. **Not reproduced** marks a claim of the papers that the numerics here do not support.")]
    for key, fig in figures().items():
        if key in entries:
            mode, entry = entries[key]
            parts.append(_caption(fig, mode, entry, rel))
    return "\n\n".join(parts) + "\n"


def readme_section(text: str) -> str:
    """The text between :data:`START` and :data:`END` (ValueError if the markers are missing)."""
    i, j = text.find(START), text.find(END)
    if i < 0 or j < i:
        raise ValueError(f"the README has no {START} ... {END} section")
    return text[i + len(START):j].strip("\n") + "\n"


def update_readme(readme="README.md", directory="figures", rel=None) -> bool:
    """Rewrite the gallery section of ``readme`` from ``directory``; True if it changed."""
    text = Path(readme).read_text()
    readme_section(text)  # the markers exist
    if rel is None:
        rel = os.path.relpath(os.path.abspath(directory), os.path.dirname(os.path.abspath(readme))).replace(os.sep, "/")
    i, j = text.find(START), text.find(END)
    new = text[:i + len(START)] + "\n" + render(directory, rel) + text[j:]
    if new != text:
        Path(readme).write_text(new)
    return new != text

"""The one plotting style of the figures: sizes, fonts, palette, markers, legends, reference lines, saving.

Every figure is drawn on a :class:`matplotlib.figure.Figure` created here (no pyplot state, no backend
switch: importing this module leaves the caller's matplotlib alone) and saved by :func:`save` as a PNG at
:data:`DPI` and a vector PDF beside it.

Conventions, chosen for the README (displayed about 880 px wide, so a 10-inch figure is shown at ≈ 0.6 of its
150-dpi pixels):

* at most two panels per row at :data:`WIDTH` = 10 in; fonts of :data:`RC` (11 pt text, 9.5 pt legends)
  stay ≈ 12 px on screen;
* colours from the Okabe–Ito palette (safe for the common colour-vision deficiencies), and every curve also has
  its own marker and line style, so that curves drawn on top of each other stay distinguishable; families
  indexed by a parameter (γ, α, κ̃) use viridis cut before its light end (no near-white curve);
* legends outside the data (beside or below the panel, or in a panel of their own);
* every reference line carries a label (in the legend or written next to it); axis labels carry the symbol
  and, where there is one, the unit.
"""
from __future__ import annotations

import hashlib
import os

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["DPI", "WIDTH", "PANEL_HEIGHT", "RC", "OKABE_ITO", "context", "new_figure", "proxy", "algo", "algo_label", "variant_label",
           "sequence", "hline", "vline", "legend_below", "legend_right", "legend_panel", "panel_title", "footer",
           "save", "file_sha256", "plain_log_ticks"]

DPI = 150
WIDTH = 10.0
PANEL_HEIGHT = 3.7

RC = {
    "font.size": 11.0,
    "axes.titlesize": 11.5,
    "axes.labelsize": 11.0,
    "xtick.labelsize": 10.0,
    "ytick.labelsize": 10.0,
    "legend.fontsize": 9.5,
    "legend.title_fontsize": 9.5,
    "legend.frameon": False,
    "lines.linewidth": 1.7,
    "lines.markersize": 5.5,
    "errorbar.capsize": 2.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "pdf.fonttype": 42,  # TrueType in the PDF: text stays text
    "mathtext.default": "regular",
}

#: Okabe & Ito (2008), "Color universal design": distinguishable under the common colour-vision deficiencies
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#808080",
             "olive": "#8C8C1E", "wine": "#882255", "teal": "#44AA99"}

_C = OKABE_ITO
#: one style per algorithm, the same in every figure: (label, colour, marker, line style)
ALGORITHMS = {
    "fbp": ("fBP", _C["blue"], "o", "-"),
    "rsgd": ("rSGD", _C["orange"], "s", "--"),
    "replicated-sa": ("replicated SA", _C["green"], "^", "-."),
    "sa-ce": ("SA on CE", _C["vermillion"], "D", (0, (1, 1.2))),
    "greedy": ("greedy (entropy-driven LAL)", _C["purple"], "v", (0, (5, 1.5))),
    "sbpi": ("SBPI", _C["sky"], "P", (0, (3, 1, 1, 1))),
    "sa": ("SA on error", _C["grey"], "X", (0, (6, 2, 1, 2))),
    "uniform": ("uniform (typical)", _C["black"], "*", (0, (9, 1.5, 2, 1.5))),
    "perceptron": ("clipped perceptron", _C["olive"], "h", (0, (2, 2))),
    "cpr": ("CP+R", _C["wine"], "<", (0, (4, 1, 1, 1, 1, 1))),
    "bp": ("reinforced BP", _C["teal"], ">", (0, (8, 2))),
    "lal": ("LAL", _C["purple"], "p", ":"),
    "sgd-ce": ("SGD on CE", _C["orange"], "s", "-"),
    "entropy-sgd": ("Entropy-SGD", _C["teal"], ">", "--"),
}
_FALLBACK = [(c, m, ls) for c, m, ls in zip(("#000000", "#0072B2", "#D55E00", "#009E73"), "osd^", ("-", "--", ":", "-."))]

_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "h", "<", ">"]
_LINESTYLES = ["-", "--", "-.", (0, (1, 1.2)), (0, (5, 1.5)), (0, (3, 1, 1, 1)), (0, (6, 2, 1, 2)), (0, (2, 2))]


def context():
    """``with style.context():`` -- the rc settings in force while a figure is built and saved."""
    return matplotlib.rc_context(RC)


def new_figure(nrows: int = 1, ncols: int = 2, *, width: float = WIDTH, height: float | None = None,
               panel_height: float = PANEL_HEIGHT, **subplot_kw):
    """A constrained-layout :class:`~matplotlib.figure.Figure` and its axes (a flat list, row by row)."""
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height if height is not None else panel_height * nrows), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, [ax for row in axes for ax in row]


def algo(method: str, options: dict | None = None, *, filled: bool = True) -> dict:
    """Plot keywords (color, marker, linestyle, label) of an algorithm; ``options`` marks a variant."""
    _, color, marker, ls = ALGORITHMS.get(method, (method,) + _FALLBACK[sum(map(ord, method)) % len(_FALLBACK)])
    kw = {"color": color, "marker": marker, "linestyle": ls, "label": variant_label(method, options)}
    if not filled:
        kw["markerfacecolor"] = "white"
    return kw


def algo_label(method: str) -> str:
    return ALGORITHMS.get(method, (method,))[0]


#: options that name a variant of a method in legends (the others are schedules, budgets: not shown)
_VARIANT_KEYS = {"ce_gamma0": "γ", "gamma0": "γ", "ce_gamma": "γ", "gamma": "γ", "y": "y", "energy": "energy", "norm": "norm"}


def variant_label(method: str, options: dict | None = None, default: dict | None = None) -> str:
    """``"SA on CE (γ = 20)"``: the algorithm's label plus the options that differ from ``default``."""
    opts = {k: v for k, v in (options or {}).items() if k in _VARIANT_KEYS and (default or {}).get(k) != v}
    extra = ", ".join(f"{_VARIANT_KEYS[k]} = {v:g}" if isinstance(v, (int, float)) else f"{_VARIANT_KEYS[k]} {v}"
                      for k, v in sorted(opts.items()))
    return algo_label(method) + (f" ({extra})" if extra else "")


def sequence(n: int, cmap: str = "viridis", lo: float = 0.0, hi: float = 0.85) -> list:
    """``n`` styles (color, marker, linestyle) for a family of curves indexed by a parameter.

    Colours run along ``cmap`` from ``lo`` to ``hi`` (viridis stops before its light end: no curve fades into
    the white background); markers and line styles differ too, so that coinciding curves stay visible.
    """
    cols = matplotlib.colormaps[cmap](np.linspace(lo, hi, max(n, 1)))
    return [{"color": cols[i], "marker": _MARKERS[i % len(_MARKERS)], "linestyle": _LINESTYLES[i % len(_LINESTYLES)]}
            for i in range(n)]


def hline(ax, y: float, label: str, *, text: bool = False, color="0.35", ls=(0, (4, 3)), lw=1.0, x=0.99,
          ha="right", va="bottom", **kw):
    """A labelled horizontal reference line: in the legend, or (``text``) written on the line at axes-x ``x``."""
    line = ax.axhline(y, color=color, ls=ls, lw=lw, label=None if text else label, zorder=1.5, **kw)
    if text:
        ax.annotate(label, (x, y), xycoords=("axes fraction", "data"), ha=ha, va=va, color=color,
                    fontsize=RC["legend.fontsize"], xytext=(0, 2 if va == "bottom" else -2), textcoords="offset points")
    return line


def vline(ax, x: float, label: str, *, text: bool = False, color="0.35", ls=(0, (1, 2)), lw=1.2, y=0.98,
          ha="right", va="top", rotation=90, **kw):
    """A labelled vertical reference line: in the legend, or (``text``) written along the line at axes-y ``y``."""
    line = ax.axvline(x, color=color, ls=ls, lw=lw, label=None if text else label, zorder=1.5, **kw)
    if text:
        ax.annotate(label, (x, y), xycoords=("data", "axes fraction"), ha=ha, va=va, rotation=rotation, color=color,
                    fontsize=RC["legend.fontsize"], xytext=(-2 if ha == "right" else 2, 0), textcoords="offset points")
    return line


def legend_below(ax, ncol: int = 2, handles=None, labels=None, y: float = -0.2, **kw):
    """A legend under the panel (outside the data); ``y``: its top, in axes fractions."""
    args = () if handles is None else (handles, labels if labels is not None else [h.get_label() for h in handles])
    return ax.legend(*args, loc="upper center", bbox_to_anchor=(0.5, y), ncol=ncol, borderaxespad=0.0,
                     handlelength=2.6, columnspacing=1.2, **kw)


def legend_right(ax, handles=None, labels=None, **kw):
    """A legend to the right of the panel (outside the data)."""
    args = () if handles is None else (handles, labels if labels is not None else [h.get_label() for h in handles])
    return ax.legend(*args, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, handlelength=2.6, **kw)


def legend_panel(ax, handles, labels=None, title: str | None = None, ncol: int = 1, **kw):
    """Turn ``ax`` into a panel that only holds a legend (the free cell of a grid)."""
    ax.set_axis_off()
    labels = labels if labels is not None else [h.get_label() for h in handles]
    return ax.legend(handles, labels, loc="center", title=title, ncol=ncol, handlelength=2.8, borderaxespad=0.0,
                     alignment="left", **kw)


def proxy(label: str, **kw) -> Line2D:
    """A legend entry without data (e.g. an algorithm that found no solution)."""
    return Line2D([], [], label=label, **kw)


def panel_title(ax, letter: str, text: str, **kw):
    """``(a) text`` as the panel's title, left-aligned (captions refer to panels by letter)."""
    return ax.set_title(f"({letter}) {text}", loc="left", **kw)


def plain_log_ticks(axis, ticks):
    """Ticks of a log axis written as plain numbers (0.5, 1, 2 rather than 10⁰), minor labels off."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    lo, hi = axis.get_view_interval()
    axis.set_major_locator(FixedLocator([t for t in ticks if lo * 0.999 <= t <= hi * 1.001] or list(ticks)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def footer(fig, text: str):
    """The run's mode and sizes in small grey type under everything drawn (kept by the tight bounding box)."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.draw_without_rendering()  # runs the layout, so the bounding box below is final
    bb = fig.get_tightbbox(fig.canvas.get_renderer())
    w, h = fig.get_size_inches()
    fig.text(bb.x1 / w, (bb.y0 - 0.1) / h, text, ha="right", va="top", fontsize=8.0, color="0.4")


def save(fig, png_path: str) -> tuple[str, str]:
    """Write ``png_path`` (PNG at :data:`DPI`) and the same name with ``.pdf`` (vector); return both paths."""
    os.makedirs(os.path.dirname(os.path.abspath(png_path)) or ".", exist_ok=True)
    pdf_path = os.path.splitext(png_path)[0] + ".pdf"
    with matplotlib.rc_context(RC):
        fig.savefig(png_path, dpi=DPI, bbox_inches="tight", pad_inches=0.06, metadata={"Software": None})
        fig.savefig(pdf_path, bbox_inches="tight", pad_inches=0.06, metadata={"Creator": None, "Producer": None,
                                                                               "CreationDate": None})
    return png_path, pdf_path


def file_sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()

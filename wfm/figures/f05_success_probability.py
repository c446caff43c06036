"""F5 -- success probability vs α per algorithm (binary perceptron).

The fraction of random instances (P = αN patterns, random labels) that each algorithm solves within its budget,
against α, for one or several N (Baldassi, Pittorino & Zecchina 2020, arXiv:1905.07833): entropy-driven
algorithms keep solving at loads where SA on the error loss fails.
"""
from __future__ import annotations

import numpy as np

from . import style
from .analysis import success_table
from .core import Claim, Figure, by_mode, register, safe_check
from .shared import RSA, available, zip_methods

ALGOS = [("fbp", {}), ("rsgd", {}), ("replicated-sa", {**RSA, "max_sweeps": 2000}), ("sa-ce", {}), ("greedy", {}),
         ("sbpi", {}), ("sa", {"max_sweeps": 5000})]
#: the RS capacity α_c(0) of the binary perceptron (F1): no algorithm can go beyond it at large N
ALPHA_C = 0.833
#: horizontal offset between the algorithms' points (in α), so that coinciding curves stay visible
DODGE = 0.007


#: {N: instances per point} and the α grid, per mode
INSTANCES = {"quick": {101: 4}, "full": {201: 20, 401: 20, 1001: 8}}
ALPHAS = {"quick": [0.5, 0.6, 0.7, 0.75], "full": [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75]}


def _sizes(mode):
    return by_mode(mode, INSTANCES["quick"], INSTANCES["full"]), by_mode(mode, ALPHAS["quick"], ALPHAS["full"])


def _size_text(mode):
    ns, alphas = _sizes(mode)
    inst = ", ".join(f"N = {n}: {k} instances" for n, k in ns.items())
    return f"{inst}; α ∈ {{{', '.join(f'{a:g}' for a in alphas)}}}"


def parts(mode):
    ns, alphas = _sizes(mode)
    algos = available(ALGOS)
    return {f"n{n}": {"experiment": "fig-solve-measure", "seeds": seeds, "params": {"model": "perceptron", "n": n},
                      "grid": {"alpha": alphas}, "zip": zip_methods(algos)}
            for n, seeds in ns.items()}


@safe_check
def check(data, mode):
    key = min(data, key=lambda k: int(k[1:]))
    n = key[1:]
    tab = success_table(data[key])
    claims = []
    mono = {m: bool(p[0] >= p[-1]) for m, (a, p, c) in tab.items()}
    claims.append(Claim(f"success probability does not grow from the smallest to the largest α (N = {n})",
                        all(mono.values()), ", ".join(f"{m}: {p[0]:.2f}→{p[-1]:.2f}" for m, (a, p, c) in tab.items())))
    amax = max(float(a[-1]) for a, p, c in tab.values())
    top = {m: float(p[np.isclose(a, amax)][0]) for m, (a, p, c) in tab.items() if np.any(np.isclose(a, amax))}
    cnt = max(int(c[-1]) for a, p, c in tab.values())
    claims.append(Claim(f"at the largest α = {amax:g} (N = {n}) fBP succeeds more often than SA on the error loss",
                        top.get("fbp", -1) > top.get("sa", 2),
                        ", ".join(f"{m}: {v:.2f}" for m, v in top.items()) + f" ({cnt} instances per point)"))
    return claims


def plot(data, mode):
    keys = sorted(data, key=lambda k: int(k[1:]))
    if len(keys) == 1:
        fig, axes = style.new_figure(1, 1, width=7.6, panel_height=4.0)
        leg = None
    else:
        fig, axes = style.new_figure((len(keys) + 2) // 2, 2, panel_height=3.7)
        axes, leg = axes[:len(keys)], (axes[len(keys)] if len(axes) > len(keys) else None)
    order = [m for m, _ in ALGOS]
    handles = {}
    for i, (ax, k) in enumerate(zip(axes, keys)):
        tab = success_table(data[k]) if len(data[k]) else {}
        ms = [m for m in order if m in tab] + [m for m in tab if m not in order]
        for j, m in enumerate(ms):
            al, p, cnt = tab[m]
            se = np.sqrt(p * (1 - p) / np.maximum(cnt, 1))
            kw = style.algo(m)
            x = al + DODGE * (j - (len(ms) - 1) / 2)
            h = ax.errorbar(x, p, yerr=se, ms=6, lw=1.4, capsize=2, elinewidth=0.9, mec="white", mew=0.6,
                            zorder=3 + j % 3, **kw)
            handles.setdefault(m, h)
        ax.set_ylim(-0.05, 1.05)
        ax.set_xlim(min(min(v[0]) for v in tab.values()) - 0.03 if tab else 0, ALPHA_C + 0.03)
        style.vline(ax, ALPHA_C, rf"capacity $\alpha_c$ = {ALPHA_C} (F1)", text=True, y=0.5, ha="right")
        ax.set_xlabel(r"load $\alpha$ = P/N")
        ax.set_ylabel("success probability")
        n_inst = int(data[k]["seed"].nunique()) if len(data[k]) else 0
        title = f"binary perceptron, N = {k[1:]}, {n_inst} instances per point"
        if len(keys) > 1:
            style.panel_title(ax, "abcdefgh"[i], title)
        else:
            ax.set_title(title, loc="left")
    hs = list(handles.values())
    note = f"algorithms offset from each other by {DODGE:g} in α; bars: binomial standard error"
    if leg is not None:
        style.legend_panel(leg, hs, title=note.replace("; ", "\n"))
    else:
        style.legend_right(axes[0], hs, title=note.replace("; ", "\n"))
    return fig


FIGURE = register(Figure(
    key="F5", name="success_probability", title="Success probability vs α per algorithm",
    establishes="Entropy-driven algorithms (fBP, rSGD, SA on the cross-entropy, the greedy search, SBPI) keep "
                "solving the binary perceptron at loads where SA on the error loss fails.",
    parts=parts, plot=plot, check=check,
    sizes={mode: _size_text(mode) for mode in ("quick", "full")}))

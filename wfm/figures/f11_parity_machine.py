"""F11 -- the parity machine, a device without wide flat minima?

Baldassi, Pittorino & Zecchina 2020 (arXiv:1905.07833) give examples of learning devices without wide flat minima.
Here the binary parity machine (K = 3, tree) is compared with the sign tree committee of the same size at equal α:
how often the same algorithms solve it, how robust their solutions are to flips, and, by exact enumeration at
N = 21, how many solutions lie within a small radius of the solutions found and of uniformly sampled ones.
"""
from __future__ import annotations

import numpy as np

from . import style
from .analysis import ball_entropy, ball_entropy_bound, flip_mean, solved
from .core import Claim, Figure, by_mode, register, safe_check
from .shared import FLIPS

METHODS = ["sa", "replicated-sa", "sa-ce"]  # at their defaults (the same for both models)
MODELS = ["tree-sign", "parity"]
K = 3
N_EXACT, ALPHA_EXACT = 21, 0.4
#: the radius (in flips) of the exact ball compared in the claim, and the largest one drawn
RADIUS, RADIUS_MAX = 3, 5
SIZES = {"quick": dict(n=153, alphas=[0.3, 0.5], instances=3, exact=6),
         "full": dict(n=303, alphas=[0.1, 0.2, 0.3, 0.4, 0.5], instances=20, exact=40)}
MODEL_STYLE = {"tree-sign": dict(linestyle="-"), "parity": dict(linestyle="--", markerfacecolor="white")}
DODGE = 0.006


def _model_name(mod):
    return "committee" if mod == "tree-sign" else "parity"


def parts(mode):
    z = by_mode(mode, SIZES["quick"], SIZES["full"])
    return {
        "success": {"experiment": "fig-solve-measure", "seeds": z["instances"],
                    "params": {"k": K, "flips": FLIPS, "n_draws": 30},
                    "grid": {"alpha": z["alphas"], "method": METHODS},
                    "zip": {"model": MODELS, "n": [z["n"]] * len(MODELS)}},
        "exact": {"experiment": "fig-solve-measure", "seeds": z["exact"],
                  "params": {"k": K, "n": N_EXACT, "alpha": ALPHA_EXACT, "local_entropy": "exact"},
                  "grid": {"method": ["uniform"] + METHODS},
                  "zip": {"model": MODELS}},
    }


@safe_check
def check(data, mode):
    s = data["success"]
    succ = s.groupby("model")["solved"].mean()
    ex = data["exact"]
    ball = {}
    for mod in MODELS:
        for meth in ["uniform"] + METHODS:
            rows = solved(ex[(ex["model"] == mod) & (ex["method"] == meth)])
            ball[(mod, meth)] = ball_entropy(rows, N_EXACT, RADIUS)[0]
    best_c = max(ball[("tree-sign", m)] for m in METHODS)
    best_p = max(ball[("parity", m)] for m in METHODS)
    return [
        Claim("algorithms solve the tree committee more often than the parity machine at equal α",
              succ.get("tree-sign", 0) > succ.get("parity", 1),
              f"committee {succ.get('tree-sign', np.nan):.2f}, parity {succ.get('parity', np.nan):.2f}"),
        Claim(f"N = {N_EXACT} (exact): the solutions found in the committee have more solutions within distance "
              f"{RADIUS}/N than those found in the parity machine", best_c > best_p,
              ", ".join(f"{a}/{b}: {v:.3f}" for (a, b), v in ball.items())),
    ]


def _kw(mod, meth):
    kw = style.algo(meth, filled=mod == "tree-sign")
    kw.update(MODEL_STYLE[mod])
    kw["label"] = f"{_model_name(mod)}, {style.algo_label(meth)}"
    return kw


def plot(data, mode):
    fig, (a, b, c, leg) = style.new_figure(2, 2, panel_height=3.7)
    s, ex = data["success"], data["exact"]
    handles = []
    meths = [m for m in METHODS if len(s) and m in set(s["method"])] or METHODS
    for mod in MODELS:
        for j, meth in enumerate(meths):
            kw = _kw(mod, meth)
            handles.append(style.proxy(**kw))
            sub = s[(s["model"] == mod) & (s["method"] == meth)] if len(s) else s
            if not len(sub):
                continue
            g = sub.groupby("alpha")["solved"].mean()
            pk = {k: v for k, v in kw.items() if k != "label"}
            a.plot(g.index + DODGE * (j - (len(meths) - 1) / 2), g.values, ms=6, **pk)
    n = int(s["n"].iloc[0]) if len(s) else SIZES[mode]["n"]
    a.set_ylim(-0.05, 1.05)
    a.set_xlabel(r"load $\alpha$ = P/N")
    a.set_ylabel("success probability")
    n_inst = int(s["seed"].nunique()) if len(s) else 0
    style.panel_title(a, "a", f"K = {K}, N = {n}: solved ({n_inst} instances per point)")
    a0 = float(s["alpha"].min()) if len(s) else float("nan")
    for mod in MODELS:
        rows = solved(s[(s["model"] == mod) & np.isclose(s["alpha"], a0)]) if len(s) else s
        d, y, se = flip_mean(rows)
        if d is not None:
            b.errorbar(d, y, yerr=se, ms=6, capsize=2, color="0.2", marker="o", **MODEL_STYLE[mod],
                       label=f"{_model_name(mod)} ({len(rows)} solutions, all algorithms)")
    b.set_xlabel("fraction of flipped weights d")
    b.set_ylabel("training error after flips")
    style.panel_title(b, "b", rf"local energy of the solutions found ($\alpha$ = {a0:g})")
    style.legend_below(b, ncol=1)
    rs = np.arange(1, RADIUS_MAX + 1)
    for mod in MODELS:
        for meth in ["uniform"] + meths:
            rows = solved(ex[(ex["model"] == mod) & (ex["method"] == meth)]) if len(ex) else ex
            if len(rows):
                kw = _kw(mod, meth)
                kw.pop("label")
                c.plot(rs / N_EXACT, [ball_entropy(rows, N_EXACT, int(r))[0] for r in rs], ms=6, **kw)
    for mod in MODELS:
        handles.append(style.proxy(**_kw(mod, "uniform")))
    ck = dict(color="k", ls=(0, (4, 3)), lw=1.1, label="every configuration a solution (ceiling of c)")
    c.plot(rs / N_EXACT, [ball_entropy_bound(N_EXACT, int(r)) for r in rs], **ck)
    handles.append(style.proxy(**ck))
    style.vline(c, RADIUS / N_EXACT, f"claim: d = {RADIUS}/N", text=True, y=0.98, ha="right")
    c.set_xlabel("radius d = D/N")
    c.set_ylabel("(1/N) ln #solutions within d")
    style.panel_title(c, "c", rf"exact enumeration, N = {N_EXACT}, $\alpha$ = {ALPHA_EXACT:g}")
    style.legend_panel(leg, handles, title="model (solid: committee, dashed and open: parity), algorithm",
                       ncol=1)
    return fig


def _size_text(mode):
    z = SIZES[mode]
    return (f"K = {K}, N = {z['n']}, α ∈ {{{', '.join(f'{a:g}' for a in z['alphas'])}}}, {z['instances']} instances; "
            f"exact N = {N_EXACT}, α = {ALPHA_EXACT:g}, {z['exact']} instances")


FIGURE = register(Figure(
    key="F11", name="parity_machine", title="The parity machine: a device without wide flat minima?",
    establishes="At equal α (K = 3) the same algorithms solve the tree committee more often than the parity machine "
                "(a), the parity machine's solutions are less robust to flips (b), and by exact enumeration its "
                "solutions, found or uniformly sampled, have fewer solutions nearby (c).",
    parts=parts, plot=plot, check=check,
    sizes={mode: _size_text(mode) for mode in ("quick", "full")},
    notes="BP local entropy is not implemented for the parity output: the comparison uses exact enumeration "
          f"(N = {N_EXACT}) and robustness to flips."))

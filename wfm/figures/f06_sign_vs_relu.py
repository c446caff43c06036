"""F6 -- sign vs ReLU tree committees: robustness of the solutions found.

The same algorithms solve binary tree committees with sign and with ReLU hidden units (same α, same number of
inputs per hidden unit); the local energy of each solution (training error after flipping a random fraction d of
its weights) measures how wide its neighbourhood of solutions is. Baldassi, Malatesta & Zecchina 2019
(arXiv:1907.07578) find denser regions of solutions with ReLU units.
"""
from __future__ import annotations

import numpy as np

from . import style
from .analysis import flip_mean, local_energy_at, solved
from .core import Claim, Figure, by_mode, register, safe_check
from .shared import RSA, available

ALGOS = [("sa-ce", {}), ("replicated-sa", {**RSA, "max_sweeps": 1000}), ("sa", {"max_sweeps": 5000})]
FLIPS = [0.005, 0.01, 0.02, 0.04, 0.08]
#: the flip fraction at which the claim compares the local energies (one of FLIPS)
D0 = 0.02
ALPHA = 0.3
#: (model, K) of the two committees; inputs per hidden unit per mode
MODELS = [("tree-sign", 3), ("tree-relu", 4)]
INPUTS_PER_UNIT = {"quick": 31, "full": 101}
INSTANCES = {"quick": 3, "full": 12}
STYLE = {"tree-sign": dict(color=style.OKABE_ITO["blue"], marker="o", linestyle="-"),
         "tree-relu": dict(color=style.OKABE_ITO["vermillion"], marker="s", linestyle="--")}


def _name(model):
    return "sign" if model == "tree-sign" else "ReLU"


def parts(mode):
    m_in = by_mode(mode, INPUTS_PER_UNIT["quick"], INPUTS_PER_UNIT["full"])
    return {m: {"experiment": "fig-solve-measure", "seeds": by_mode(mode, INSTANCES["quick"], INSTANCES["full"]),
                "params": {"alpha": ALPHA, "method": m, "options": dict(o), "flips": FLIPS,
                           "n_draws": by_mode(mode, 30, 100)},
                "zip": {"model": [mod for mod, _ in MODELS], "n": [k * m_in for _, k in MODELS],
                        "k": [k for _, k in MODELS]}}
            for m, o in available(ALGOS)}


@safe_check
def check(data, mode):
    res = {}
    for m, df in data.items():
        ok = solved(df)
        res[m] = {mod: local_energy_at(ok[ok["model"] == mod], D0)[0] for mod, _ in MODELS}
    det = "; ".join(f"{m}: sign {v['tree-sign']:.3f}, ReLU {v['tree-relu']:.3f}" for m, v in res.items())
    sign = float(np.mean([v["tree-sign"] for v in res.values()]))
    relu = float(np.mean([v["tree-relu"] for v in res.values()]))
    return [Claim(f"averaged over the algorithms, ReLU committee solutions are more robust to weight flips than sign "
                  f"committee solutions (lower local energy at d = {D0})", relu < sign,
                  f"mean sign {sign:.3f}, ReLU {relu:.3f}; " + det)]


def plot(data, mode):
    fig, axes = style.new_figure(2, 2, panel_height=3.6)
    algos = list(data)
    summary = {}
    for i, (ax, m) in enumerate(zip(axes, algos)):
        df = data[m]
        txt = []
        for mod, k in MODELS:
            sub = df[df["model"] == mod]
            rows = solved(sub)
            txt.append(f"{_name(mod)}: {len(rows)}/{len(sub)} solved")
            d, y, se = flip_mean(rows)
            if d is None:
                continue
            ax.errorbar(d, y, yerr=se, ms=5, capsize=2, **STYLE[mod])
            vals = [float(np.interp(D0, np.asarray(r["flip_d"]), np.asarray(r["flip_error"])))
                    for _, r in rows.iterrows() if np.size(r["flip_d"])]
            summary.setdefault(m, {})[mod] = (np.mean(vals), np.std(vals) / np.sqrt(len(vals)))
        ax.text(0.03, 0.97, "\n".join(txt), transform=ax.transAxes, ha="left", va="top",
                fontsize=style.RC["legend.fontsize"])
        ax.set_xlabel("fraction of flipped weights d")
        ax.set_ylabel("training error after flips")
        style.panel_title(ax, "abc"[i], f"solutions found by {style.algo_label(m)}")
    z = axes[len(algos)] if len(axes) > len(algos) else None
    if z is not None:
        x = np.arange(len(summary))
        for j, (mod, _) in enumerate(MODELS):
            mv = [summary[m].get(mod, (np.nan, np.nan)) for m in summary]
            z.bar(x + (j - 0.5) * 0.38, [v[0] for v in mv], 0.38, yerr=[v[1] for v in mv], capsize=3,
                  color=STYLE[mod]["color"], hatch="" if j == 0 else "//", edgecolor="white",
                  label=f"{_name(mod)} committee, K = {dict(MODELS)[mod]}")
        z.set_xticks(x)
        z.set_xticklabels([style.algo_label(m) for m in summary])
        z.set_ylabel(f"training error at d = {D0:g}")
        style.panel_title(z, "abcd"[len(algos)], f"local energy at d = {D0:g} (lower: more robust)")
        style.legend_below(z, ncol=1)
    handles = [style.proxy(f"{_name(mod)} hidden units, K = {k}", **STYLE[mod]) for mod, k in MODELS]
    fig.legend(handles=handles, loc="outside upper center", ncol=2)
    return fig


def _size_text(mode):
    m_in = by_mode(mode, INPUTS_PER_UNIT["quick"], INPUTS_PER_UNIT["full"])
    return (f"α = {ALPHA:g}, " + ", ".join(f"{_name(mod)} K = {k} N = {k * m_in}" for mod, k in MODELS)
            + f" ({m_in} inputs per unit), {by_mode(mode, INSTANCES['quick'], INSTANCES['full'])} instances")


FIGURE = register(Figure(
    key="F6", name="sign_vs_relu", title="Sign vs ReLU tree committees: robustness of the solutions found",
    establishes="At equal α and number of inputs per hidden unit, the solutions that the same algorithms find in "
                "ReLU tree committees are more robust to random weight flips than in sign committees, in line with "
                "the denser regions of solutions of ReLU networks (Baldassi, Malatesta & Zecchina 2019).",
    parts=parts, plot=plot, check=check,
    sizes={mode: _size_text(mode) for mode in ("quick", "full")},
    notes="Local energy (robustness to flips), not local entropy: BP is implemented for sign units only. The claim "
          "test checks the average over the algorithms: with few inputs per unit (quick) one algorithm may show no "
          "difference."))

"""F11 -- the parity machine, a device without wide flat minima?

Baldassi, Pittorino & Zecchina 2020 (arXiv:1905.07833) give examples of learning devices without wide flat minima.
Here the binary parity machine (K = 3, tree) is compared with the sign tree committee of the same size at equal α:
how often the same algorithms solve it, how robust their solutions are to flips, the BP local entropy of the
solutions found (Baldassi et al. 2015, arXiv:1509.05753; the parity output node of
:mod:`wfm.bp._kernels.factors`, a γ at which BP does not converge counted, never drawn) and, by exact enumeration
at N = 21, how many solutions lie within a small radius of the solutions found and of uniformly sampled ones.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..core.special import entropy_bound
from . import style
from .analysis import ball_entropy, ball_entropy_bound, flip_mean, solved
from .core import Claim, Figure, by_mode, register, safe_check
from .shared import BP_GAMMAS, FLIPS

METHODS = ["sa", "replicated-sa", "sa-ce"]  # at their defaults (the same for both models)
#: the methods whose solutions get a BP local-entropy curve (focusing BP added: does it solve the parity machine?)
BP_METHODS = ["fbp"] + METHODS
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
        "bp": {"experiment": "fig-solve-measure", "seeds": z["instances"],
               "params": {"k": K, "n": z["n"], "alpha": z["alphas"][0], "local_entropy": "bp", "gammas": BP_GAMMAS},
               "grid": {"method": BP_METHODS},
               "zip": {"model": MODELS}},
        "exact": {"experiment": "fig-solve-measure", "seeds": z["exact"],
                  "params": {"k": K, "n": N_EXACT, "alpha": ALPHA_EXACT, "local_entropy": "exact"},
                  "grid": {"method": ["uniform"] + METHODS},
                  "zip": {"model": MODELS}},
    }


#: the window of small distances where the flatness S(d)/H(d) of the BP curves is compared
D_WINDOW = (0.002, 0.03)


def _flatness(r):
    """Mean S(d)/H(d) over the converged BP points of one record with d in :data:`D_WINDOW` (NaN if none). Unlike an
    interpolation at one d it does not bridge a jump of the curve (the parity machine's curves jump from d ≈ 0.1
    to d ≈ 0 between two couplings γ)."""
    d, sv = np.asarray(r["d"], float), np.asarray(r["s"], float)
    sel = (d >= D_WINDOW[0]) & (d <= D_WINDOW[1]) & np.isfinite(sv)
    return float(np.mean(sv[sel] / entropy_bound(d[sel]))) if sel.any() else np.nan


def _bp_summary(bp):
    """{(model, method): mean flatness S/H over D_WINDOW of its solutions (those with points there)},
    {(model, method): (γ points not converged, γ points)}; the count is "?" where a record does not hold it."""
    le, unconv = {}, {}
    for mod in MODELS:
        for meth in BP_METHODS:
            rows = solved(bp[(bp["model"] == mod) & (bp["method"] == meth)]) if len(bp) else bp
            # records without the count (made before it was recorded) make it unknown, not 0
            known = len(rows) and "n_unconverged" in rows and bool(rows["n_unconverged"].notna().all())
            nu = int(rows["n_unconverged"].sum()) if known else (0 if not len(rows) else "?")
            unconv[(mod, meth)] = (nu, len(rows) * len(BP_GAMMAS))
            vals = [_flatness(r) for _, r in rows.iterrows() if np.size(r["d"])]
            vals = [v for v in vals if np.isfinite(v)]
            le[(mod, meth)] = float(np.mean(vals)) if vals else np.nan
    return le, unconv


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
    le, unconv = _bp_summary(data["bp"])
    lc = max((v for (mod, _), v in le.items() if mod == "tree-sign" and np.isfinite(v)), default=np.nan)
    lp = max((v for (mod, _), v in le.items() if mod == "parity" and np.isfinite(v)), default=np.nan)
    return [
        Claim(f"the BP local entropy of the solutions found is flatter in the committee than in the parity machine: "
              f"mean S(d)/H(d) over {D_WINDOW[0]:g} ≤ d ≤ {D_WINDOW[1]:g} is lower for the parity machine (best "
              "algorithm of each; a solution whose curve jumps over the window is left out, which favours the parity "
              "machine; a model without any point in the window counts as lower)",
              np.isfinite(lc) and (not np.isfinite(lp) or lp < lc),
              f"committee {lc:.4f}, parity {lp:.4f}; " + ", ".join(f"{a}/{b}: {v:.4f}" for (a, b), v in le.items())
              + "; BP points not converged: " + ", ".join(f"{a}/{b}: {u[0]}/{u[1]}" for (a, b), u in unconv.items())),
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


#: the distances at which the S(d)/H(d) curves of the solutions are interpolated for panel (d)
D_GRID = np.geomspace(2e-3, 0.12, 36)


def _flatness_band(rows, grid):
    """Median and quartiles over the solutions ``rows`` of S(d)/H(d) on ``grid`` (each solution's BP curve
    interpolated in ln d between its own points, never across a jump where d grows more than 4×); NaN where
    fewer than half of the solutions have a value. ``(None, None, None)`` without solutions."""
    curves = []
    for _, r in rows.iterrows():
        dd, sv = np.asarray(r["d"], float), np.asarray(r["s"], float)
        ok = np.isfinite(dd) & np.isfinite(sv) & (dd > 0)
        dd, sv = dd[ok], sv[ok]
        if dd.size < 2:
            continue
        o = np.argsort(dd)
        dd, ratio = dd[o], sv[o] / entropy_bound(dd[o])
        y = np.interp(np.log(grid), np.log(dd), ratio, left=np.nan, right=np.nan)
        for j in np.nonzero(dd[1:] > 4.0 * np.maximum(dd[:-1], 2e-3))[0]:
            y[(grid > dd[j]) & (grid < dd[j + 1])] = np.nan
        curves.append(y)
    if not curves:
        return None, None, None
    c = np.array(curves)
    enough = np.sum(np.isfinite(c), axis=0) >= max(1, len(curves) // 2)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med, lo, hi = (np.where(enough, np.nanpercentile(c, q, axis=0), np.nan) for q in (50, 25, 75))
    return med, lo, hi


def plot(data, mode):
    fig, (a, b, c, dax, leg, info) = style.new_figure(3, 2, panel_height=3.7)
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
    style.panel_title(a, "a", f"solved, K = {K}, N = {n} ({n_inst} per point)")
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
    bp = data["bp"]
    le, unconv = _bp_summary(bp)
    lines = []
    for mod in MODELS:
        for meth in BP_METHODS:
            sub = bp[(bp["model"] == mod) & (bp["method"] == meth)] if len(bp) else bp
            rows = solved(sub)
            nu, npt = unconv[(mod, meth)]
            lines.append(f"{_model_name(mod):9s} {style.algo_label(meth):14s} solved {len(rows)}/{len(sub)}, "
                         f"BP not converged at {nu}/{npt} γ")
            kw = _kw(mod, meth)
            kw.pop("label")
            med, lo, hi = _flatness_band(rows, D_GRID)
            if med is not None:
                dax.fill_between(D_GRID, lo, hi, color=kw["color"], alpha=0.13, lw=0)
                dax.plot(D_GRID, med, ms=4, markevery=4, lw=1.4, **kw)
    handles.append(style.proxy(**_kw("tree-sign", "fbp")))
    handles.append(style.proxy(**_kw("parity", "fbp")))
    style.hline(dax, 1.0, "every neighbour a solution", text=True, ls=(0, (4, 3)))
    dax.axvspan(*D_WINDOW, color="0.94", zorder=0)
    dax.set_xscale("log")
    style.plain_log_ticks(dax.xaxis, [0.002, 0.005, 0.01, 0.02, 0.05, 0.1])
    dax.set_xlim(D_GRID[0] * 0.9, D_GRID[-1] * 1.1)
    dax.set_xlabel("normalized Hamming distance d")
    dax.set_ylabel("S(d) / H(d)")
    a_bp = float(bp["alpha"].iloc[0]) if len(bp) else SIZES[mode]["alphas"][0]
    style.panel_title(dax, "d", rf"BP local entropy / its ceiling H(d), N = {n}, $\alpha$ = {a_bp:g}")
    info.set_axis_off()
    flat = "\n".join(f"{_model_name(a):9s} {style.algo_label(b):14s} S/H = {v:.2f}" for (a, b), v in le.items()
                      if np.isfinite(v))
    lines = [ln.replace("BP not converged at", "BP unconverged:") for ln in lines]
    info.text(0.0, 1.0, "(d): median over the solutions (band: quartiles); a solution's\ncurve counts only between "
              "its BP points (not across a jump: no BP\nfixed point in between); grey: the window of the claim\n\n"
              "solved instances and BP convergence\n" + "\n".join(lines)
              + f"\n\nmean S(d)/H(d) over {D_WINDOW[0]:g} ≤ d ≤ {D_WINDOW[1]:g} (1 = every neighbour a solution)\n"
              + flat,
              transform=info.transAxes, ha="left", va="top", family="monospace",
              fontsize=style.RC["legend.fontsize"])
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
                "(a), the parity machine's solutions are less robust to flips (b), by exact enumeration its "
                "solutions, found or uniformly sampled, have fewer solutions nearby (c), and their BP local entropy "
                "is lower (d).",
    parts=parts, plot=plot, check=check,
    sizes={mode: _size_text(mode) for mode in ("quick", "full")},
    notes="BP local entropy by per-edge BP with the parity output node (closed form, Gallager's check-node "
          "form; docs/bp_two_layer.md); a γ at which BP does not converge is counted in panel (e) and not drawn."))

"""F1 -- replica theory of the binary and spherical perceptron.

(a) The RS entropy s(α; κ) of the binary perceptron (Krauth & Mézard 1989, J. Phys. France 50, 3057) for
several margins κ, over its physical range s ≥ 0, ending at the capacity α_c(κ) where s = 0; (b) the capacity
α_c(κ) of binary weights (zero of the RS entropy) and of spherical weights (Gardner 1988, J. Phys. A 21, 257:
α_c(0) = 2, Cover's count) against κ.
"""
from __future__ import annotations

import numpy as np

from . import style
from .analysis import interp_root, row
from .core import Claim, Figure, by_mode, register, safe_check

#: margins of the entropy curves; each is a point of the capacity grid (lo + i·step) so α_c(κ) is read exactly
KAPPAS = [0.0, 0.2, 0.4, 0.6]
#: the α range of the entropy curves (s is computed beyond α_c and cut at its zero)
ALPHA_LO, ALPHA_HI = 0.01, 1.0
#: the κ range of the capacity curves
KAPPA_LO, KAPPA_HI = -1.0, 1.0
#: Krauth–Mézard's α_c(0) (1989; the RS zero entropy computed to 4 digits)
ALPHA_C0 = 0.8331
SPHERICAL_C0 = 2.0


def _points(mode):
    """(entropy points, capacity points): α step 0.01 / 0.0025; κ step 0.05 / 0.0125 (KAPPAS on the grid)."""
    return by_mode(mode, (100, 41), (397, 161))


def parts(mode):
    pe, pc = _points(mode)
    return {
        "entropy": {"experiment": "fig-theory", "params": {"quantity": "entropy", "lo": ALPHA_LO, "hi": ALPHA_HI,
                                                            "points": pe}, "grid": {"kappa": KAPPAS}},
        "binary_capacity": {"experiment": "fig-theory", "params": {"quantity": "binary_capacity", "lo": KAPPA_LO,
                                                                    "hi": KAPPA_HI, "points": pc}},
        "spherical_capacity": {"experiment": "fig-theory", "params": {"quantity": "spherical_capacity",
                                                                       "lo": KAPPA_LO, "hi": KAPPA_HI, "points": pc}},
    }


def _capacity_at(r, kappa):
    x, y = np.asarray(r["x"]), np.asarray(r["y"])
    return float(np.interp(kappa, x, y))


@safe_check
def check(data, mode):
    e = row(data["entropy"], kappa=0.0)
    x, y = np.asarray(e["x"]), np.asarray(e["y"])
    a_root = interp_root(x, y)
    b = data["binary_capacity"].iloc[0]
    s = data["spherical_capacity"].iloc[0]
    bx, by = np.asarray(b["x"]), np.asarray(b["y"])
    sx, sy = np.asarray(s["x"]), np.asarray(s["y"])
    ab0, as0 = _capacity_at(b, 0.0), _capacity_at(s, 0.0)
    common = np.intersect1d(np.round(bx, 9), np.round(sx, 9))
    below = all(np.interp(k, bx, by) < np.interp(k, sx, sy) for k in common)
    roots = {}
    for kap in KAPPAS:
        r = row(data["entropy"], kappa=float(kap))
        roots[kap] = (interp_root(r["x"], r["y"]), _capacity_at(b, kap))
    gap = max(abs(a - c) for a, c in roots.values())
    return [
        Claim("s(α) → ln 2 as α → 0", abs(y[0] - np.log(2)) < 0.011, f"s({x[0]:g}) = {y[0]:.4f}, ln 2 = 0.6931"),
        Claim(f"s(α) decreases and vanishes at α_c = {ALPHA_C0} (Krauth–Mézard)",
              bool(np.all(np.diff(y) < 0)) and abs(a_root - ALPHA_C0) < 0.005, f"root of s: {a_root:.4f}"),
        Claim(f"binary α_c(0) = {ALPHA_C0}", abs(ab0 - ALPHA_C0) < 0.005, f"{ab0:.4f}"),
        Claim("spherical α_c(0) = 2 (Gardner/Cover)", abs(as0 - SPHERICAL_C0) < 0.01, f"{as0:.4f}"),
        Claim("α_c(κ) decreases with κ; binary below spherical at every κ",
              bool(np.all(np.diff(by) < 0) and np.all(np.diff(sy) < 0) and below), f"{common.size} common κ"),
        Claim("at every κ of panel (a) the zero of s(α; κ) is the capacity α_c(κ) of panel (b)", gap < 0.005,
              ", ".join(f"κ = {k:g}: {a:.4f} vs {c:.4f}" for k, (a, c) in roots.items())),
    ]


def plot(data, mode):
    fig, (a, b) = style.new_figure(1, 2)
    ent = data["entropy"].sort_values("kappa")
    cap = data["binary_capacity"].iloc[0] if len(data["binary_capacity"]) else None
    sty = style.sequence(len(KAPPAS))
    for st, kap in zip(sty, KAPPAS):
        sub = ent[np.isclose(ent["kappa"].astype(float), kap)]
        if not len(sub):
            continue
        r = sub.iloc[0]
        x, y = np.asarray(r["x"], float), np.asarray(r["y"], float)
        ac = interp_root(x, y)
        keep = y >= 0
        xs, ys = x[keep], y[keep]
        if np.isfinite(ac):
            xs, ys = np.append(xs, ac), np.append(ys, 0.0)
        a.plot(xs, ys, color=st["color"], ls=st["linestyle"], marker=st["marker"], markevery=[len(xs) - 1], ms=8,
               clip_on=False, zorder=3, label=rf"$\kappa$ = {kap:g}: $\alpha_c$ = {ac:.3f}")
        if cap is not None:
            b.plot([kap], [_capacity_at(cap, kap)], marker=st["marker"], color=st["color"], ms=8, ls="none",
                   zorder=4)
    style.hline(a, np.log(2), "ln 2 (every configuration)", text=True, x=0.99, va="bottom")
    a.set_xlim(0, ALPHA_HI)
    a.set_ylim(0, 0.75)
    a.set_xlabel(r"load $\alpha$ = P/N")
    a.set_ylabel(r"RS entropy $s(\alpha;\kappa)$ per weight")
    style.panel_title(a, "a", "binary perceptron: entropy of the solutions")
    style.legend_below(a, ncol=2, title=r"margin $\kappa$; markers: capacity $\alpha_c(\kappa)$, where s = 0")
    for part, lab, color, ls in (("binary_capacity", "binary weights (RS, s = 0)", style.OKABE_ITO["blue"], "-"),
                                 ("spherical_capacity", "spherical weights (Gardner)", style.OKABE_ITO["vermillion"],
                                  "--")):
        for _, r in data[part].iterrows():
            b.plot(r["x"], r["y"], color=color, ls=ls, label=lab)
    if cap is not None:
        b.annotate(rf"$\alpha_c(0)$ = {_capacity_at(cap, 0.0):.3f}", (0.0, _capacity_at(cap, 0.0)), xytext=(-8, -6),
                   textcoords="offset points", ha="right", va="top", fontsize=style.RC["legend.fontsize"])
    if len(data["spherical_capacity"]):
        sc = data["spherical_capacity"].iloc[0]
        b.plot([0.0], [_capacity_at(sc, 0.0)], marker="o", mfc="white", color=style.OKABE_ITO["vermillion"], ms=7,
               ls="none", zorder=4)
        b.annotate(rf"$\alpha_c(0)$ = {_capacity_at(sc, 0.0):.3f}", (0.0, _capacity_at(sc, 0.0)), xytext=(6, 4),
                   textcoords="offset points", ha="left", va="bottom", fontsize=style.RC["legend.fontsize"])
    _shade_rs_broken(b)
    b.set_yscale("log")
    style.plain_log_ticks(b.yaxis, [0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20])
    b.set_xlabel(r"margin $\kappa$")
    b.set_ylabel(r"capacity $\alpha_c(\kappa)$  (log scale)")
    style.panel_title(b, "b", "capacity vs margin")
    style.legend_below(b, ncol=1)
    return fig


def _shade_rs_broken(ax):
    """Hatch κ < 0, where the RS Gardner capacity of spherical weights is not exact (replica symmetry is broken
    there: wfm.theory.gardner_capacity warns); legend entry."""
    ax.axvspan(KAPPA_LO, 0.0, facecolor="none", edgecolor="0.75", hatch="///", lw=0, zorder=0,
               label=r"$\kappa$ < 0: spherical RS not exact (RSB)")


FIGURE = register(Figure(
    key="F1", name="theory", title="Replica theory of the binary and spherical perceptron",
    establishes="The RS entropy of the binary perceptron falls from ln 2 at α → 0 to zero at the capacity "
                "α_c(κ) (κ = 0: α_c = 0.833, Krauth–Mézard 1989); a larger margin κ lowers both the entropy and "
                "α_c. The capacity of binary weights lies below Gardner's spherical capacity at every margin "
                "(α_c(0) = 2 for spherical weights).",
    parts=parts, plot=plot, check=check,
    sizes={"quick": "α step 0.01, κ step 0.05", "full": "α step 0.0025, κ step 0.0125"}))

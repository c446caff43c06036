"""F2 -- typical solutions of the binary perceptron are isolated (RS Franz–Parisi potential).

The local entropy V(d) of the solutions at normalized Hamming distance d from a reference drawn uniformly among
the solutions (Franz & Parisi 1995, J. Phys. I France 5, 1401; Huang & Kabashima 2014, arXiv:1408.1784), computed
by :func:`wfm.theory.franz_parisi`: V ≤ H(d), V equals the RS entropy s(α) at the typical distance, and V < 0
below an isolation radius d*(α).
"""
from __future__ import annotations

import numpy as np

from ..core.special import entropy_bound
from . import style
from .core import Claim, Figure, by_mode, register, safe_check

ALPHAS = [0.3, 0.5, 0.6, 0.7]
#: the loads at which the isolation claim is checked (α = 0.3: d* sits at the edge of the grid)
ISOLATED = [0.5, 0.6, 0.7]
D_MIN = 1e-3


def parts(mode):
    return {"fp": {"experiment": "fig-franz-parisi",
                   "params": {"kappa_ref": 0.0, "d_min": D_MIN, "points": by_mode(mode, 14, 40),
                              "n_quad": by_mode(mode, 32, 64)},
                   "grid": {"alpha": ALPHAS}}}


@safe_check
def check(data, mode):
    df = data["fp"].sort_values("alpha")
    claims = []
    viol = max(float(np.max(np.asarray(r["V"]) - np.asarray(r["H"]))) for _, r in df.iterrows())
    claims.append(Claim("V(d) ≤ H(d) everywhere", viol < 1e-6, f"max V − H = {viol:.2g}"))
    gaps = [abs(float(np.asarray(r["V"])[-1]) - r["s_rs"]) for _, r in df.iterrows()]
    claims.append(Claim("V at the typical distance equals the RS entropy s(α)", max(gaps) < 5e-3,
                        f"max |V(d_typ) − s| = {max(gaps):.1e}"))
    ds = {float(r["alpha"]): float(r["d_star"]) for _, r in df.iterrows()}
    iso = [a for a in ISOLATED if ds.get(a, 0) > 0]
    claims.append(Claim("typical solutions are isolated: V(d) < 0 for d < d*(α) at α = "
                        + ", ".join(f"{a:g}" for a in ISOLATED), len(iso) == len(ISOLATED),
                        "d* = " + ", ".join(f"{a:g}: {d:.4f}" for a, d in ds.items())))
    seq = [ds[a] for a in ISOLATED if a in ds]
    claims.append(Claim("the isolation radius d* grows with α",
                        len(seq) == len(ISOLATED) and bool(np.all(np.diff(seq) > 0)), ", ".join(f"{s:.4f}" for s in seq)))
    return claims


def plot(data, mode):
    fig, (a, b) = style.new_figure(1, 2)
    df = data["fp"].sort_values("alpha")
    sty = style.sequence(len(df))
    dmax = max((float(np.max(r["d"])) for _, r in df.iterrows()), default=0.5)
    dd = np.linspace(1e-4, dmax, 300)
    a.plot(dd, entropy_bound(dd), color="k", ls=(0, (4, 3)), lw=1.1, label="H(d): every configuration")
    for st, (_, r) in zip(sty, df.iterrows()):
        kw = dict(color=st["color"], ls=st["linestyle"], marker=st["marker"], markevery=3, ms=4.5)
        a.plot(r["d"], r["V"], label=f"α = {r['alpha']:g}", **kw)
        b.semilogx(r["d"], r["V"], **kw)
        if r["d_star"] > 0:
            b.plot([r["d_star"]], [0.0], marker="|", ms=14, mew=2, color=st["color"], ls="none")
    style.hline(a, 0.0, "V = 0", text=True, x=0.99, va="top")
    a.set_ylim(bottom=min(a.get_ylim()[0], -0.06))
    a.set_xlabel("normalized Hamming distance d")
    a.set_ylabel("local entropy V(d)  (per weight)")
    style.panel_title(a, "a", "around a typical solution (RS Franz–Parisi)")
    style.hline(b, 0.0, "V = 0", text=True, x=0.99, ha="right", va="bottom")
    b.set_ylim(-0.02, 0.05)
    b.set_xlabel("normalized Hamming distance d (log scale)")
    b.set_ylabel("local entropy V(d)")
    style.panel_title(b, "b", "zoom: V < 0 below d*(α)")
    style.legend_below(a, ncol=3)
    style.legend_below(b, ncol=1, handles=[style.proxy("isolation radius d*(α): V < 0 below it", marker="|", ms=12,
                                                       mew=2, color="0.3", ls="none")])
    return fig


FIGURE = register(Figure(
    key="F2", name="franz_parisi_typical", title="Typical solutions are isolated (RS Franz–Parisi)",
    establishes="Around a uniformly drawn (typical) solution of the binary perceptron, the Franz–Parisi local "
                "entropy V(d) stays far below the bound H(d), equals the RS entropy s(α) at the typical distance, "
                "and is negative below an isolation radius d*(α) that grows with α: no other solution lies nearby.",
    parts=parts, plot=plot, check=check,
    sizes={"quick": "14 distances, 32-node quadrature", "full": "40 distances, 64-node quadrature"},
    notes="At α = 0.3 the isolation radius is at the edge of the grid (d ≥ 10⁻³)."))

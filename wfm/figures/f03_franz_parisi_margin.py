"""F3 -- high-margin references sit in wide flat regions (RS Franz–Parisi around κ̃-margin solutions).

The local entropy V(d) of zero-margin solutions around a reference drawn uniformly among the solutions of margin
κ̃ (Baldassi, Lauditi, Malatesta, Perugini & Zecchina 2021, arXiv:2107.01163), at α = 0.5 where κ_max = 0.418:
as κ̃ grows, V(d)/H(d) at small d rises from negative (isolated) to 1 (almost every nearby configuration is a
solution).
"""
from __future__ import annotations

import numpy as np

from ..core.special import entropy_bound
from . import style
from .core import Claim, Figure, by_mode, register, safe_check

ALPHA = 0.5
KAPPAS = [0.0, 0.1, 0.2, 0.3, 0.4]
#: κ_max(0.5) of the binary perceptron (RS), the largest margin a solution can have at ALPHA
KAPPA_MAX = 0.418
D_MIN = 1e-3


def parts(mode):
    return {"fp": {"experiment": "fig-franz-parisi",
                   "params": {"alpha": ALPHA, "d_min": D_MIN, "points": by_mode(mode, 14, 40),
                              "n_quad": by_mode(mode, 32, 64)},
                   "grid": {"kappa_ref": KAPPAS}}}


@safe_check
def check(data, mode):
    df = data["fp"].sort_values("kappa_ref")
    r0 = [float(np.asarray(r["V"])[0] / np.asarray(r["H"])[0]) for _, r in df.iterrows()]
    dmin = [float(np.asarray(r["d"])[0]) for _, r in df.iterrows()]
    ks = df["kappa_ref"].tolist()
    detail = ", ".join(f"κ̃={k:g}: {v:.3f} (d={d:.1e})" for k, v, d in zip(ks, r0, dmin))
    return [
        Claim("V/H(d) at the smallest d increases with the reference margin κ̃ (up to saturation at 1)",
              bool(np.all(np.diff(r0) > -1e-3)) and r0[-1] > r0[0], detail),
        Claim(f"κ̃ = 0 reference is isolated (V < 0 at small d); κ̃ = {ks[-1]:g} (κ_max = {KAPPA_MAX}) has V/H > 0.5 "
              "there", r0[0] < 0 and r0[-1] > 0.5, f"{r0[0]:.3f}, {r0[-1]:.3f}"),
    ]


def plot(data, mode):
    fig, (a, b) = style.new_figure(1, 2)
    df = data["fp"].sort_values("kappa_ref")
    sty = style.sequence(len(df))
    dmax = max((float(np.max(r["d"])) for _, r in df.iterrows()), default=0.5)
    dd = np.linspace(1e-4, dmax, 300)
    a.plot(dd, entropy_bound(dd), color="k", ls=(0, (4, 3)), lw=1.1, label="H(d): every configuration")
    for st, (_, r) in zip(sty, df.iterrows()):
        kw = dict(color=st["color"], ls=st["linestyle"], marker=st["marker"], markevery=3, ms=4.5)
        a.plot(r["d"], r["V"], label=rf"$\tilde\kappa$ = {r['kappa_ref']:g}", **kw)
        b.semilogx(r["d"], np.asarray(r["V"]) / np.asarray(r["H"]), **kw)
    style.hline(a, 0.0, "V = 0", text=True, x=0.99, va="top")
    a.set_ylim(bottom=min(a.get_ylim()[0], -0.06))
    a.set_xlabel("normalized Hamming distance d")
    a.set_ylabel("local entropy V(d)  (per weight)")
    style.panel_title(a, "a", rf"$\alpha$ = {ALPHA:g}: reference of margin $\tilde\kappa$")
    style.hline(b, 1.0, "V = H(d): every neighbour a solution", text=True, x=0.99, va="bottom")
    style.hline(b, 0.0, "V = 0", text=True, x=0.99, va="top")
    b.set_ylim(-1.15, 1.15)
    b.set_xlabel("normalized Hamming distance d (log scale)")
    b.set_ylabel("V(d) / H(d)")
    style.panel_title(b, "b", "relative to the bound H(d)")
    style.legend_below(a, ncol=3,
                       title=rf"reference margin $\tilde\kappa$ ($\kappa_{{max}}$ = {KAPPA_MAX} at $\alpha$ = {ALPHA:g})")
    return fig


FIGURE = register(Figure(
    key="F3", name="franz_parisi_margin", title="High-margin references sit in wide flat regions",
    establishes=f"Around references of large margin κ̃ (α = {ALPHA:g}, κ_max = {KAPPA_MAX}) the local entropy "
                "of zero-margin solutions approaches the bound H(d) at small d, while around a typical (κ̃ = 0) "
                "reference it is negative: high-margin solutions sit in wide flat regions.",
    parts=parts, plot=plot, check=check,
    sizes={"quick": "14 distances, 32-node quadrature", "full": "40 distances, 64-node quadrature"}))

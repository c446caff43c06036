"""F9 -- asymmetric valleys of a two-layer ReLU net (He, Huang & Yuan 2019, arXiv:1902.00744).

Profiles of the training loss around an SGD solution along random unit directions of five families, the fraction
of directions along which the valley is asymmetric, and the fraction of those where the average of the SGD iterates
(SWA) lies on the flat side (:func:`wfm.landscape.swa_bias`).
"""
from __future__ import annotations

import numpy as np

from . import style
from .core import Claim, Figure, by_mode, register, safe_check

KINDS = ["gaussian", "tangential", "sign_consistent", "uniform01", "filter_normalized"]
KIND_LABELS = {"gaussian": "Gaussian", "tangential": "tangential", "sign_consistent": "sign-consistent",
               "uniform01": "uniform in [0, 1]", "filter_normalized": "filter-normalized"}
ALPHA = 1.0
#: the asymmetry threshold |A| > 0.1 of :func:`wfm.landscape.swa_bias` (for the labels)
ASYM = 0.1
#: the largest fraction of sign-consistent directions with SWA on the flat side compatible with the claim
FLAT_MAX = 0.2
SIZES = {"quick": dict(n=40, k=4, steps=4000, n_dirs=40, runs=2), "full": dict(n=100, k=6, steps=20000, n_dirs=100,
                                                                                 runs=8)}


def parts(mode):
    z = by_mode(mode, SIZES["quick"], SIZES["full"])
    return {"valleys": {"experiment": "fig-valleys", "seeds": z["runs"],
                        "params": {"n": z["n"], "k": z["k"], "alpha": ALPHA, "data": "teacher", "steps": z["steps"],
                                   "n_dirs": z["n_dirs"], "kinds": KINDS}}}


@safe_check
def check(data, mode):
    df = data["valleys"]
    fa = {k: float(df[f"frac_asym_{k}"].mean()) for k in KINDS}
    ff = {k: float(np.nanmean(df[f"frac_flat_{k}"])) for k in KINDS}
    return [
        Claim("directions with a non-zero mean (sign-consistent) are asymmetric more often than isotropic Gaussian ones",
              fa["sign_consistent"] > fa["gaussian"], ", ".join(f"{k}: {v:.2f}" for k, v in fa.items())),
        Claim("along sign-consistent directions (nearly radial) SWA lies on the sharp side: averaging shrinks the "
              f"weights (fraction on the flat side < {FLAT_MAX})",
              ff["sign_consistent"] < FLAT_MAX, ", ".join(f"{k}: {v:.2f}" for k, v in ff.items())),
    ]


def plot(data, mode):
    df = data["valleys"]
    fig, axes = style.new_figure(2, 3, panel_height=3.2)
    letters = "abcdef"
    for i, (ax, kind) in enumerate(zip(axes, KINDS)):
        if len(df):
            r = df.iloc[0]
            ts = np.asarray(r["ts"])
            P = np.asarray(r[f"profile_{kind}"])
            for st, prof in zip(style.sequence(P.shape[0], lo=0.0, hi=0.7), P):
                ax.plot(ts, prof - prof[len(ts) // 2], color=st["color"], ls=st["linestyle"], lw=1.5)
        ax.set_xlabel("step t along the direction")
        style.panel_title(ax, letters[i], KIND_LABELS[kind])
        if i % 3 == 0:
            ax.set_ylabel("increase of the training loss (CE)")
    z = axes[len(KINDS)]
    x = np.arange(len(KINDS))
    fa = [df[f"frac_asym_{k}"].mean() for k in KINDS] if len(df) else [0] * len(KINDS)
    ff = [np.nanmean(df[f"frac_flat_{k}"]) for k in KINDS] if len(df) else [0] * len(KINDS)
    z.bar(x - 0.2, fa, 0.4, color=style.OKABE_ITO["blue"], label=f"asymmetric (|A| > {ASYM:g})")
    z.bar(x + 0.2, ff, 0.4, color=style.OKABE_ITO["orange"], hatch="//", edgecolor="white",
          label="of these: SWA on the flat side")
    style.hline(z, 0.5, "0.5: SWA on either side equally often")
    z.set_xticks(x)
    z.set_xticklabels([KIND_LABELS[k] for k in KINDS], rotation=35, ha="right", rotation_mode="anchor")
    z.set_ylim(0, 1)
    z.set_ylabel("fraction of directions")
    style.panel_title(z, "f", "per direction family")
    style.legend_below(z, ncol=1, y=-0.5)
    return fig


def _size_text(mode):
    z = SIZES[mode]
    return (f"N = {z['n']}, K = {z['k']} (fully connected, trainable output weights), α = {ALPHA:g}, teacher data, "
            f"{z['runs']} runs × {z['n_dirs']} directions per family")


FIGURE = register(Figure(
    key="F9", name="asymmetric_valleys", title="Asymmetric valleys of a two-layer ReLU net",
    establishes="Profiles of the training loss of a two-layer ReLU net around an SGD solution along five direction "
                "families (a–e, three examples each; the first run). Directions with a non-zero mean "
                "(sign-consistent, nearly radial) are asymmetric far more often than isotropic Gaussian ones (f).",
    parts=parts, plot=plot, check=check,
    sizes={mode: _size_text(mode) for mode in ("quick", "full")},
    notes="Not reproduced: the bias of SWA toward the flat side of asymmetric valleys (He, Huang & Yuan 2019). For "
          "every family the fraction of asymmetric directions with SWA on the flat side is about or below 0.5, and "
          "along sign-consistent (nearly radial) directions SWA is on the sharp side: averaging shrinks the weights."))

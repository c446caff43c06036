"""F7 -- cross-entropy minimizers: flatness against γ and against norm reduction.

The cross-entropy f_γ(Δ) = (1/2γ) ln(1 + e^{−2γΔ}) of Baldassi, Pittorino & Zecchina 2020 (arXiv:1905.07833;
:func:`wfm.losses.cross_entropy`),
minimized (a) on binary weights by simulated annealing at fixed γ (BP local entropy of the solutions, Baldassi et
al. 2015, arXiv:1509.05753), (b, c) on the sphere by SGD at fixed γ (smallest stability, Hessian, multiplicative
local energy, Pittorino et al. 2021, arXiv:2006.07897), and (d) by SGD with a free norm, with or without a slow
reduction of the norm.
"""
from __future__ import annotations

import functools

import numpy as np

from ..core.special import entropy_bound
from . import style
from .analysis import mean_by_gamma, option, s_at, solved
from .core import Claim, Figure, by_mode, register, safe_check
from .shared import BP_GAMMAS, D0, FLIPS, SIGMA0, SIGMAS

ALPHA_BIN = 0.4
ALPHA_SPH = 1.0
GAMMAS_BIN = [0.5, 1.0, 2.0, 5.0, 20.0]
GAMMAS_SPH = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
#: the slow norm reduction of panel (d): W ← shrink·W once per epoch during the first epochs
SHRINK_EPOCHS = 200
INSTANCES = {"binary": (2, 4), "sphere": (3, 10), "norm": (4, 16)}  # (quick, full)


def _n(mode):
    return by_mode(mode, 201, 1001)


def parts(mode):
    n = _n(mode)
    return {
        "binary": {"experiment": "fig-solve-measure", "seeds": by_mode(mode, *INSTANCES["binary"]),
                   "params": {"model": "perceptron", "n": n, "alpha": ALPHA_BIN, "method": "sa-ce",
                              "local_entropy": "bp", "gammas": BP_GAMMAS, "flips": FLIPS, "n_draws": 50},
                   "grid": {"options": [{"ce_gamma0": g, "ce_gamma1": g} for g in GAMMAS_BIN]}},
        "sphere": {"experiment": "fig-continuous", "seeds": by_mode(mode, *INSTANCES["sphere"]),
                   "params": {"model": "perceptron", "n": n, "alpha": ALPHA_SPH, "method": "sgd-ce", "sigmas": SIGMAS},
                   "grid": {"options": [{"ce_gamma": g, "ce_gamma_factor": 1.0, "shrink_epochs": 100, "shrink_factor": 0.999}
                                        for g in GAMMAS_SPH]}},
        "norm": {"experiment": "fig-continuous", "seeds": by_mode(mode, *INSTANCES["norm"]),
                 "params": {"model": "perceptron", "n": n, "alpha": ALPHA_SPH, "method": "sgd-ce", "sigmas": SIGMAS},
                 "grid": {"options": [{"norm": "free"}, {"norm": "free", "shrink_epochs": SHRINK_EPOCHS}]}},
    }


def _at_sigma0(cells):
    """Mean over records of the local energy at σ = SIGMA0 (``le_error`` is sampled on SIGMAS)."""
    i = SIGMAS.index(SIGMA0)
    return float(np.mean([np.asarray(v)[i] for v in cells]))


@functools.lru_cache(maxsize=4)
def typical_local_entropy(alpha: float = ALPHA_BIN, d: float = D0) -> float:
    """RS Franz–Parisi local entropy of a typical solution at distance d (:func:`wfm.theory.franz_parisi`)."""
    from ..theory import franz_parisi

    return float(franz_parisi(alpha, [d], n_z=32, n_x=32, n_eta=21).local_entropy[0])


def _count(k, noun):
    return f"{k} {noun}" + ("" if k == 1 else "s")


def _binary_by_gamma(bn):
    """{γ: (d, s, sem, number of solutions)} of the binary SA-on-CE runs."""
    out = {}
    bn = bn.assign(g_ce=option(bn, "ce_gamma0"))
    for gm, rows in solved(bn).groupby("g_ce"):
        out[float(gm)] = mean_by_gamma(rows) + (len(rows),)
    return out


@safe_check
def check(data, mode):
    claims = []
    sph = data["sphere"]
    sph = solved(sph.assign(g_ce=option(sph, "ce_gamma")))
    g = sph.groupby("g_ce")
    kap = g["kappa_min"].mean()
    le = g["le_error"].apply(_at_sigma0)
    claims.append(Claim(f"spherical perceptron: the CE minimizer at moderate γ has a lower local energy (σ = {SIGMA0}) "
                        "than at large γ, although large γ (the max-margin limit) has the larger smallest stability "
                        "κ_min", len(kap) >= 2 and le.iloc[0] < le.iloc[-1] and kap.iloc[0] < kap.iloc[-1],
                        f"γ={kap.index[0]:g}: κ_min {kap.iloc[0]:.3f}, local energy {le.iloc[0]:.4f}; "
                        f"γ={kap.index[-1]:g}: κ_min {kap.iloc[-1]:.3f}, local energy {le.iloc[-1]:.4f}; "
                        f"solved at γ = {', '.join(f'{x:g}' for x in kap.index)}"))
    nm = data["norm"]
    nm = solved(nm.assign(shrink=option(nm, "shrink_epochs", 0).astype(int) > 0))
    a = nm.groupby("shrink")["kappa_min"].mean()
    b = nm.groupby("shrink")["le_error"].apply(_at_sigma0)
    claims.append(Claim(f"SGD on CE with slow norm reduction ends in flatter minima than plain SGD (larger κ_min, "
                        f"lower local energy at σ = {SIGMA0})", a[True] > a[False] and b[True] < b[False],
                        f"κ_min {a[True]:.3f} vs {a[False]:.3f}; local energy {b[True]:.4f} vs {b[False]:.4f}"))
    vals = {gm: s_at(d, s, D0) for gm, (d, s, _, _, _) in _binary_by_gamma(data["binary"]).items()}
    ks = sorted(vals)
    typ = typical_local_entropy(ALPHA_BIN, D0)
    claims.append(Claim(f"binary perceptron, SA on CE at every fixed γ finds solutions whose local entropy at d = {D0} "
                        f"is above the typical (Franz–Parisi) value {typ:.4f}",
                        len(ks) >= 2 and min(vals.values()) > typ,
                        ", ".join(f"γ={k:g}: {vals[k]:.4f}" for k in ks)))
    return claims


def plot(data, mode):
    fig, (a, b, c, e) = style.new_figure(2, 2, panel_height=3.9)
    bn = data["binary"]
    n = int(bn["n"].iloc[0]) if len(bn) else _n(mode)
    curves = _binary_by_gamma(bn) if len(bn) else {}
    sty = dict(zip(GAMMAS_BIN, style.sequence(len(GAMMAS_BIN))))
    for gm, (d, s, se, _, cnt) in sorted(curves.items()):
        o = np.argsort(d)
        a.plot(d[o], s[o], ms=4.5, label=rf"$\gamma$ = {gm:g} ({_count(cnt, 'solution')})", **sty.get(gm, {}))
    dd = np.geomspace(1e-3, 0.5, 200)
    a.plot(dd, entropy_bound(dd), color="k", ls=(0, (4, 3)), lw=1.1, label="H(d): every configuration")
    a.plot([D0], [typical_local_entropy(ALPHA_BIN, D0)], marker="*", ms=13, color="k", ls="none",
           label=f"typical solution at d = {D0:g} (Franz–Parisi)")
    a.set_xscale("log")
    a.set_xlim(1e-3, 0.5)
    a.set_ylim(0, None)
    a.set_xlabel("normalized Hamming distance d (log scale)")
    a.set_ylabel("BP local entropy S(d) per weight")
    style.panel_title(a, "a", rf"binary, SA on CE at fixed $\gamma$ (N = {n}, $\alpha$ = {ALPHA_BIN:g})")
    style.legend_below(a, ncol=2)

    sph = data["sphere"]
    sph = solved(sph.assign(g=option(sph, "ce_gamma"))) if len(sph) else sph
    grp = sph.groupby("g") if len(sph) else None
    kc, lc = style.OKABE_ITO["blue"], style.OKABE_ITO["vermillion"]
    if grp is not None:
        km = grp["kappa_min"]
        b.errorbar(km.mean().index, km.mean(), yerr=km.sem(), color=kc, marker="o", ls="-", ms=6,
                   label=r"smallest stability $\kappa_{min}$ (left axis)")
        bb = b.twinx()
        bb.spines["right"].set_visible(True)
        lm = grp["lambda_max"]
        bb.errorbar(lm.mean().index, lm.mean(), yerr=lm.sem(), color=lc, marker="s", ls="--", ms=6,
                    label=r"Hessian $\lambda_{max}$ of the CE at $\gamma$ = 1 (right axis)")
        bb.set_ylabel(r"Hessian $\lambda_{max}$", color=lc)
        bb.tick_params(axis="y", colors=lc)
        gs = sorted(km.mean().index)
        b.set_xscale("log")
        b.set_xticks(gs)
        b.set_xticklabels([f"{x:g}" for x in gs])
        b.minorticks_off()
        h1, l1 = b.get_legend_handles_labels()
        h2, l2 = bb.get_legend_handles_labels()
        style.legend_below(b, ncol=1, handles=h1 + h2, labels=l1 + l2)
    b.set_xlabel(r"$\gamma$ of the cross-entropy (log scale)")
    b.set_ylabel(r"$\kappa_{min}$ (weights on the sphere)", color=kc)
    b.tick_params(axis="y", colors=kc)
    style.panel_title(b, "b", rf"spherical perceptron, $\alpha$ = {ALPHA_SPH:g}: SGD on CE")

    sty_s = dict(zip(GAMMAS_SPH, style.sequence(len(GAMMAS_SPH))))
    if len(sph):
        for gg, rows in sph.groupby("g"):
            Y = np.array([np.asarray(v) for v in rows["le_error"]])
            c.errorbar(np.asarray(rows["sigma"].iloc[0]), Y.mean(0), yerr=Y.std(0) / np.sqrt(len(Y)), ms=5,
                       capsize=2, label=rf"$\gamma$ = {gg:g} ({_count(len(rows), 'solution')})", **sty_s.get(float(gg), {}))
    c.set_xlabel(r"relative weight noise $\sigma$")
    c.set_ylabel("increase of the training error")
    style.panel_title(c, "c", r"spherical: local energy vs $\gamma$")
    style.legend_below(c, ncol=2)

    nm = data["norm"]
    if len(nm):
        shr = option(nm, "shrink_epochs", 0).astype(int) > 0
        for flag, lab, st in ((False, "plain SGD (the norm grows)", dict(color=style.OKABE_ITO["grey"], marker="o",
                                                                        linestyle="-")),
                              (True, "SGD + slow norm reduction", dict(color=style.OKABE_ITO["green"], marker="s",
                                                                       linestyle="--"))):
            rows = solved(nm[shr == flag])
            if len(rows):
                Y = np.array([np.asarray(v) for v in rows["le_error"]])
                e.errorbar(np.asarray(rows["sigma"].iloc[0]), Y.mean(0), yerr=Y.std(0) / np.sqrt(len(Y)), ms=5,
                           capsize=2, label=rf"{lab}: $\kappa_{{min}}$ = {rows['kappa_min'].mean():.2f}", **st)
    e.set_xlabel(r"relative weight noise $\sigma$")
    e.set_ylabel("increase of the training error")
    style.panel_title(e, "d", "SGD on CE with a free norm")
    style.legend_below(e, ncol=1)
    return fig


def _size_text(mode):
    q = 0 if mode == "quick" else 1
    return (f"N = {_n(mode)}; binary α = {ALPHA_BIN:g} ({INSTANCES['binary'][q]} instances per γ); spherical "
            f"α = {ALPHA_SPH:g} ({INSTANCES['sphere'][q]} per γ, {INSTANCES['norm'][q]} per SGD variant)")


FIGURE = register(Figure(
    key="F7", name="cross_entropy", title="Cross-entropy minimizers: flatness vs γ and norm reduction",
    establishes="Minimizers of the cross-entropy are flat: on binary weights SA on the CE at every fixed γ finds "
                "solutions of larger local entropy than typical ones (a); SGD that slowly shrinks the norm reaches "
                "flatter minima (larger margin, lower local energy) than plain SGD, whose norm grows (d). On the "
                "sphere a larger γ gives a larger smallest stability κ_min (the CE minimizer tends to the "
                "max-margin solution) yet a higher local energy (b, c).",
    parts=parts, plot=plot, check=check,
    sizes={mode: _size_text(mode) for mode in ("quick", "full")},
    notes="Binary SA on CE: whether the local entropy falls with γ is not checked (at N = 201 with 2 instances per γ "
          "the trend is lost in the noise); the claim checks that every γ beats the typical value. Sphere: SGD at "
          "fixed γ may not reach zero training error at α = 1 for small γ (the solved runs are counted in (c))."))

"""F7 -- cross-entropy minimizers: flatness against γ and against norm reduction.

The cross-entropy f_γ(Δ) = (1/2γ) ln(1 + e^{−2γΔ}) of Baldassi, Pittorino & Zecchina 2020 (arXiv:1905.07833;
:func:`wfm.losses.cross_entropy`),
minimized (a) on binary weights by simulated annealing at fixed γ (BP local entropy of the solutions, Baldassi et
al. 2015, arXiv:1509.05753), (b, c) on the sphere exactly: the converged minimizer of the CE at each γ (a Riemannian
Newton solve to a gradient of ln L_γ ≤ 1e-8, :func:`wfm.landscape.sphere_ce_minimizer`) and the max-margin
perceptron (its γ → ∞ limit), with their smallest stability, multiplicative local energy (Pittorino et al. 2021,
arXiv:2006.07897) and a local-entropy proxy, and (d) by SGD with a free norm, with or without a slow reduction of
the norm.

The papers' claim on the sphere (Baldassi, Pittorino & Zecchina 2020, §"wide flat minima of the cross-entropy"):
minimizers at moderate γ lie in wider, flatter regions than those at large γ, which tend to the max-margin
solution; the smallest stability κ_min, which grows with γ up to κ_max, is a different quantity. The checks compare
the flatness of the minimizers of the same instance (paired over instances, mean ± standard error).
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
GAMMAS_SPH = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]  # panel (d) and the SGD runs of earlier versions
#: γ of the converged CE minimizers on the sphere (ascending: each solve starts from the previous minimizer)
GAMMAS_MIN = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
#: the distances d of the local-entropy proxy, and the one compared in the claims
PROXY_D = [0.01, 0.02, 0.05]
PROXY_D0 = 0.02
#: the gradient tolerance of the minimizers (on ln L_γ, Riemannian)
GTOL = 1e-8
#: the slow norm reduction of panel (d): W ← shrink·W once per epoch during the first epochs
SHRINK_EPOCHS = 200
INSTANCES = {"binary": (2, 4), "sphere": (4, 24), "norm": (4, 16)}  # (quick, full)


def _n(mode):
    return by_mode(mode, 201, 1001)


def _n_sphere(mode):
    """N of the exact minimizers (dense N × N Hessians: N = 1001 costs minutes per instance)."""
    return by_mode(mode, 101, 401)


def parts(mode):
    n = _n(mode)
    return {
        "binary": {"experiment": "fig-solve-measure", "seeds": by_mode(mode, *INSTANCES["binary"]),
                   "params": {"model": "perceptron", "n": n, "alpha": ALPHA_BIN, "method": "sa-ce",
                              "local_entropy": "bp", "gammas": BP_GAMMAS, "flips": FLIPS, "n_draws": 50},
                   "grid": {"options": [{"ce_gamma0": g, "ce_gamma1": g} for g in GAMMAS_BIN]}},
        "sphere": {"experiment": "fig-ce-sphere", "seeds": by_mode(mode, *INSTANCES["sphere"]),
                   "params": {"n": _n_sphere(mode), "alpha": ALPHA_SPH, "gammas": GAMMAS_MIN, "sigmas": SIGMAS,
                              "n_draws": by_mode(mode, 100, 400), "proxy_d": PROXY_D, "gtol": GTOL}},
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


def sphere_table(df):
    """The exact-minimizer records stacked over instances: γ grid, (R, G) arrays and the max-margin columns."""
    if not len(df):
        raise LookupError("no fig-ce-sphere records")
    g = np.asarray(df["gamma"].iloc[0], float)
    i0 = SIGMAS.index(SIGMA0)
    j0 = PROXY_D.index(PROXY_D0)

    def stack(col):
        return np.array([np.asarray(v, float) for v in df[col]])

    le, px = stack("le_error"), stack("proxy")
    return {"gamma": g, "kappa": stack("kappa_min"), "kappa_max": df["mm_kappa"].to_numpy(float),
            "train_error": stack("train_error"), "grad": stack("grad_norm"), "hess_min": stack("hess_min"),
            "converged": stack("converged").astype(bool), "kkt": df["mm_kkt"].to_numpy(float),
            "le": le[:, :, i0], "le_all": le, "proxy": px[:, :, j0], "proxy_all": px,
            "mm_le": np.array([np.asarray(v, float)[i0] for v in df["mm_le_error"]]),
            "mm_le_all": stack("mm_le_error"), "mm_proxy": np.array([np.asarray(v, float)[j0] for v in df["mm_proxy"]]),
            "mm_proxy_all": stack("mm_proxy"), "overlap_mm": stack("overlap_mm")}


def _sem(x):
    x = np.asarray(x, float)
    return float(np.std(x, ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")


def flattest_is_moderate(values, mm_values, gammas, solving, higher_is_flatter=False):
    """Is the flattest of {γ that solve for every instance} ∪ {max margin} (by the mean over instances) an interior γ,
    flatter than the largest γ and than max margin by more than 2 paired standard errors?

    ``values`` (R, G), ``mm_values`` (R,). Returns (holds, best label, d_largest, se_largest, d_mm, se_mm), the
    differences being (largest or mm) − best, signed so that > 0 means the best is flatter.
    """
    sign = -1.0 if higher_is_flatter else 1.0
    cols = [j for j in range(len(gammas)) if solving[j]]
    if len(cols) < 2:
        return False, "fewer than two solving γ", *([float("nan")] * 4)
    cand = np.column_stack([values[:, cols], mm_values]) * sign
    labels = [f"γ={gammas[j]:g}" for j in cols] + ["max margin"]
    b = int(np.argmin(cand.mean(0)))
    dl = cand[:, len(cols) - 1] - cand[:, b]
    dm = cand[:, -1] - cand[:, b]
    holds = (b < len(cols) - 1 and dl.mean() > 2 * _sem(dl) and dm.mean() > 2 * _sem(dm))
    return bool(holds), labels[b], float(dl.mean()), _sem(dl), float(dm.mean()), _sem(dm)


@safe_check
def check(data, mode):
    claims = []
    t = sphere_table(data["sphere"])
    g, r = t["gamma"], len(t["kappa"])
    claims.append(Claim(f"spherical perceptron: every CE reference is a converged minimizer (Riemannian gradient of "
                        f"ln L_γ ≤ {GTOL:g}, Riemannian Hessian positive definite) and the max-margin solution "
                        "satisfies its optimality conditions to 1e-9",
                        bool(t["converged"].all() and np.all(t["kkt"] <= 1e-9)),
                        f"{int(t['converged'].sum())}/{t['converged'].size} converged, largest gradient "
                        f"{np.max(t['grad']):.1e}, smallest Hessian eigenvalue {np.min(t['hess_min']):.2e}; "
                        f"max KKT residual {np.max(t['kkt']):.1e}; {r} instances"))
    km = t["kappa"].mean(0)
    claims.append(Claim("the smallest stability κ_min of the CE minimizer rises with γ toward the max-margin κ_max "
                        "(mean over instances increasing along the γ grid; below κ_max on every instance)",
                        bool(np.all(np.diff(km) > 0) and np.all(t["kappa"] <= t["kappa_max"][:, None] + 1e-9)),
                        ", ".join(f"γ={x:g}: {k:.3f}" for x, k in zip(g, km))
                        + f"; κ_max {t['kappa_max'].mean():.3f} ± {_sem(t['kappa_max']):.3f}"))
    solving = np.all(t["train_error"] == 0, axis=0)
    for what, vals, mm, hi, lab in (("le", t["le"], t["mm_le"], False, f"local energy at σ = {SIGMA0}"),
                                    ("proxy", t["proxy"], t["mm_proxy"], True,
                                     f"local-entropy proxy at d = {PROXY_D0}")):
        ok, best, dl, sl, dm, sm = flattest_is_moderate(vals, mm, g, solving, hi)
        means = ", ".join(f"γ={x:g}: {v:.4f}" for x, v, sv in zip(g, vals.mean(0), solving) if sv)
        claims.append(Claim(f"the flattest CE minimizer by the {lab} is at a moderate γ: among the γ whose minimizer "
                            "is a solution and max margin, the best (mean over instances) is neither the largest γ "
                            "nor max margin, and it beats both by more than 2 paired standard errors "
                            "(Baldassi, Pittorino & Zecchina 2020)", ok,
                            f"best {best}; {means}, max margin {mm.mean():.4f}; largest γ − best {dl:+.4f} ± {sl:.4f}, "
                            f"max margin − best {dm:+.4f} ± {sm:.4f} ({'higher' if hi else 'lower'} is flatter; "
                            f"{r} instances, N = {int(data['sphere']['n'].iloc[0])})"))
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
    kc, lc = style.OKABE_ITO["blue"], style.OKABE_ITO["vermillion"]
    if len(sph):
        t = sphere_table(sph)
        g = t["gamma"]
        xm = g[-1] * 2.5  # where max margin (γ → ∞) is drawn
        se = np.std(t["kappa"], axis=0, ddof=1) / np.sqrt(len(t["kappa"])) if len(t["kappa"]) > 1 else 0 * g
        b.errorbar(g, t["kappa"].mean(0), yerr=se, color=kc, marker="o", ls="-", ms=6,
                   label=r"$\kappa_{min}$ of the CE minimizer")
        b.errorbar([xm], [t["kappa_max"].mean()], yerr=[_sem(t["kappa_max"])], color="k", marker="*", ms=12,
                   ls="none", label=r"max margin $\kappa_{max}$")
        b.axhline(0, color="0.6", lw=0.8)
        solving = np.all(t["train_error"] == 0, axis=0)
        for ax in (b, c):
            ax.set_xscale("log")
            ax.set_xticks(list(g) + [xm])
            ax.set_xticklabels([f"{x:g}" for x in g] + ["max\nmargin"])
            ax.minorticks_off()
        style.legend_below(b, ncol=2, y=-0.3)
        dsem = (lambda A: np.std(A, axis=0, ddof=1) / np.sqrt(len(A))) if len(t["le"]) > 1 else (lambda A: 0 * A[0])
        sel = solving
        c.errorbar(g[sel], t["le"].mean(0)[sel], yerr=dsem(t["le"])[sel], color=lc, marker="s", ls="-", ms=6,
                   capsize=2, label=rf"local energy at $\sigma$ = {SIGMA0:g} (left axis)")
        c.errorbar([xm], [t["mm_le"].mean()], yerr=[_sem(t["mm_le"])], color=lc, marker="*", ms=12, ls="none")
        cc = c.twinx()
        cc.spines["right"].set_visible(True)
        pc = style.OKABE_ITO["green"]
        cc.errorbar(g[sel], t["proxy"].mean(0)[sel], yerr=dsem(t["proxy"])[sel], color=pc, marker="o", ls="--",
                    ms=6, capsize=2, label=f"local-entropy proxy at d = {PROXY_D0:g} (right axis)")
        cc.errorbar([xm], [t["mm_proxy"].mean()], yerr=[_sem(t["mm_proxy"])], color=pc, marker="*", ms=12,
                    ls="none")
        cc.set_ylabel(r"local-entropy proxy $\phi(d)$ (higher: wider)", color=pc)
        cc.tick_params(axis="y", colors=pc)
        h1, l1 = c.get_legend_handles_labels()
        h2, l2 = cc.get_legend_handles_labels()
        style.legend_below(c, ncol=1, handles=h1 + h2, labels=l1 + l2, y=-0.3,
                           title="± SE over instances (the claims test paired differences)")
    b.set_xlabel(r"$\gamma$ of the cross-entropy (log scale)")
    b.set_ylabel(r"smallest stability $\kappa_{min}$ ($|w|^2 = N$)")
    style.panel_title(b, "b", rf"spherical, $\alpha$ = {ALPHA_SPH:g}: exact CE minimizers")
    c.set_xlabel(r"$\gamma$ (only $\gamma$ whose minimizer solves every instance)")
    c.set_ylabel("local energy (increase of training error)", color=lc)
    c.tick_params(axis="y", colors=lc)
    style.panel_title(c, "c", r"spherical: flatness of the minimizers vs $\gamma$")

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
    return (f"binary N = {_n(mode)}, α = {ALPHA_BIN:g} ({INSTANCES['binary'][q]} instances per γ); spherical "
            f"α = {ALPHA_SPH:g}: exact minimizers N = {_n_sphere(mode)} ({INSTANCES['sphere'][q]} instances, "
            f"{by_mode(mode, 100, 400)} noise draws), SGD N = {_n(mode)} ({INSTANCES['norm'][q]} per SGD variant)")


FIGURE = register(Figure(
    key="F7", name="cross_entropy", title="Cross-entropy minimizers: flatness vs γ and norm reduction",
    establishes="Minimizers of the cross-entropy are flat: on binary weights SA on the CE at every fixed γ finds "
                "solutions of larger local entropy than typical ones (a); SGD that slowly shrinks the norm reaches "
                "flatter minima (larger margin, lower local energy) than plain SGD, whose norm grows (d). On the "
                "sphere the exact CE minimizer of each instance (converged to a Riemannian gradient ≤ 1e-8) has a "
                "smallest stability κ_min that rises with γ toward the max-margin κ_max (b), while its flatness — "
                "the local energy under multiplicative weight noise and a local-entropy proxy — is best at a moderate "
                "γ and worse both at large γ and at max margin (c), as Baldassi, Pittorino & Zecchina (2020) state: "
                "the smallest stability and the flatness are different quantities.",
    parts=parts, plot=plot, check=check,
    sizes={mode: _size_text(mode) for mode in ("quick", "full")},
    notes="Binary SA on CE: whether the local entropy falls with γ is not checked (at N = 201 with 2 instances per γ "
          "the trend is lost in the noise); the claim checks that every γ beats the typical value. Sphere: the "
          "comparison is paired (the same instances and the same noise draws at every γ) over the γ whose minimizer "
          "is a solution on every instance (at α = 1, γ ≤ 1 minimizers make training errors); the flattest γ is chosen "
          "on the means and then tested against the largest γ and max margin, a selection that the 2-SE margin "
          "only partly offsets. Earlier versions compared SGD end points at fixed γ, not minimizers."))

"""F4 -- local entropy of the solutions found by each algorithm (binary perceptron).

BP local entropy S(W̃, d) around the solutions found by each algorithm at N = 201 (quick) or 1001 (full), α = 0.4
(Baldassi et al. 2015, arXiv:1509.05753; Baldassi, Pittorino & Zecchina 2020, arXiv:1905.07833), against the
RS Franz–Parisi curve of typical solutions, a high-margin reference curve, and focusing BP at y = 21 measured
like the theory it is compared with: its internal entropy S_int = ∂(yφ)/∂y − γS (not φ − γS = S_int + Σ_ext/y),
minus each instance's entropy offset s_BP − s_RS, against the finite-y large-deviation theory at the same y
(Baldassi et al. 2016, arXiv:1605.06444; 2015, arXiv:1509.05753), with the plain-BP local entropy around the fBP
centre as a second estimator; and, by exact enumeration at N = 25, the number of solutions within a small radius of the solutions found and
of uniformly sampled ones.
"""
from __future__ import annotations

import numpy as np

from ..core.special import entropy_bound
from . import style
from .analysis import ball_entropy, ball_entropy_bound, mean_by_gamma, row, s_at, solved
from .core import Claim, Figure, by_mode, register, safe_check
from .shared import ALGORITHMS, BP_GAMMAS, D0, RSA, SA_SWEEPS_LARGE_N, available, zip_methods

ALPHA = 0.4
#: the high-margin reference of the theory curve (κ_max(0.4) ≈ 0.58)
KAPPA_REF_HIGH = 0.45
N_EXACT, ALPHA_EXACT = 25, 0.6
#: the radius (in flips) of the exact ball compared in the claim, and the largest one drawn
RADIUS, RADIUS_MAX = 3, 7
#: the number of replicas of the focusing-BP run compared with the finite-y theory at the same y
Y_FBP = 21.0


def fbp_internal_entropy(mx):
    """fBP at y (``fig-fbp-max-local-entropy`` records, one per instance) averaged over instances at each γ.

    Returns a dict of arrays over γ: ``d``, ``s`` (S_int), ``se`` (standard error over instances), ``count``,
    ``s_corr`` = S_int − (s_BP − s_RS) (each instance's internal entropy minus its entropy offset: BP entropy at
    zero field minus the RS entropy; exact at the top of the curve, where S_int = s_BP, not at d → 0, where every
    local entropy vanishes), ``se_corr``; ``le_gamma``, ``le_d``, ``le_s``, ``le_se``: the plain-BP local
    entropy around each step's centre at that γ (the γ where it was measured); ``offset``, ``offset_se``: the
    offsets' mean and standard error, ``n`` instances.
    """
    acc, acc_c, acc_le = {}, {}, {}
    offs = []
    for _, r in mx.iterrows():
        off = float(r["s_bp"]) - float(r["s_rs"])
        offs.append(off)
        for g, d, si, ld, ls in zip(*(np.atleast_1d(np.asarray(r[k], float))
                                      for k in ("gamma", "d", "s_int", "le_d", "le_s"))):
            acc.setdefault(round(g, 9), []).append((d, si))
            acc_c.setdefault(round(g, 9), []).append((d, si - off))
            if np.isfinite(ls):
                acc_le.setdefault(round(g, 9), []).append((ld, ls))

    def reduce(a):
        gs = sorted(a)
        d = np.array([np.mean([x for x, _ in a[g]]) for g in gs])
        s = np.array([np.mean([y for _, y in a[g]]) for g in gs])
        se = np.array([np.std([y for _, y in a[g]]) / np.sqrt(len(a[g])) for g in gs])
        return np.array(gs), d, s, se, np.array([len(a[g]) for g in gs])

    g, d, s, se, c = reduce(acc)
    _, _, sc, sec, _ = reduce(acc_c)
    lg, ld, ls, lse, _ = reduce(acc_le)
    offs = np.asarray(offs)
    return {"gamma": g, "d": d, "s": s, "se": se, "count": c, "s_corr": sc, "se_corr": sec,
            "le_gamma": lg, "le_d": ld, "le_s": ls, "le_se": lse,
            "offset": float(offs.mean()) if offs.size else np.nan,
            "offset_se": float(offs.std() / np.sqrt(offs.size)) if offs.size else np.nan, "n": int(offs.size)}


def _n(mode):
    return by_mode(mode, 201, 1001)


def parts(mode):
    n = _n(mode)
    algos = available(ALGORITHMS)
    return {
        "bp": {"experiment": "fig-solve-measure", "seeds": by_mode(mode, 2, 4),
               "params": {"model": "perceptron", "n": n, "alpha": ALPHA, "local_entropy": "bp", "gammas": BP_GAMMAS},
               "zip": zip_methods(algos, n)},
        "exact": {"experiment": "fig-solve-measure", "seeds": by_mode(mode, 8, 40),
                  "params": {"model": "perceptron", "n": N_EXACT, "alpha": ALPHA_EXACT, "local_entropy": "exact"},
                  "zip": zip_methods(algos + [("uniform", {})])},
        "theory": {"experiment": "fig-franz-parisi",
                   "params": {"alpha": ALPHA, "d_min": 1e-3, "points": by_mode(mode, 14, 30),
                              "n_quad": by_mode(mode, 32, 48)},
                   "grid": {"kappa_ref": [0.0, KAPPA_REF_HIGH]}},
        "maxle": {"experiment": "fig-fbp-max-local-entropy", "seeds": by_mode(mode, 3, 4),
                  "params": {"n": n, "alpha": ALPHA, "y": Y_FBP}},
        "ldy": {"experiment": "fig-ld-finite-y",
                "params": {"alpha": ALPHA, "y": Y_FBP, "d_min": 0.002, "d_max": 0.3, "points": by_mode(mode, 18, 30)}},
    }


def _s_at_d0(bp):
    """{method: mean BP local entropy at D0 over its solutions}."""
    vals = {}
    for m in bp["method"].unique():
        rows = solved(bp[bp["method"] == m])
        if len(rows):
            d, s, _, _ = mean_by_gamma(rows)
            vals[m] = s_at(d, s, D0)
    return vals


def _check_fbp_theory(data):
    """fBP S_int at y = Y_FBP against the finite-y theory at the same y, within the instances' entropy offset."""
    mx, ldy = data.get("maxle"), data.get("ldy")
    text = (f"fBP's internal entropy S_int at y = {Y_FBP:g} follows the finite-y RS theory at the same y, to within "
            "the instances' entropy offset |s_BP − s_RS| (+ 2 s.e.) at every step")
    if mx is None or not len(mx) or ldy is None or not len(ldy):
        return Claim(text, False, "no fBP or theory records")
    f = fbp_internal_entropy(mx)
    r = ldy.iloc[0]
    th = np.array([s_at(r["d"], r["s_int"], x) for x in f["d"]])
    ok = np.isfinite(th) & (f["d"] > 0) & (f["d"] < 0.45)
    dev, dev_c = f["s"][ok] - th[ok], f["s_corr"][ok] - th[ok]
    tol = abs(f["offset"]) + 2 * (f["offset_se"] + f["se"][ok])
    # the quantity plotted before: φ − γS = S_int + Σ_ext/y
    acc = {}
    for _, rec in mx.iterrows():
        for g, si in zip(np.atleast_1d(rec["gamma"]), np.atleast_1d(rec["sigma_int"])):
            acc.setdefault(round(float(g), 9), []).append(si)
    old = np.array([np.mean(acc[round(float(g), 9)]) for g in f["gamma"]])[ok] - th[ok]
    det = (f"{int(ok.sum())} steps, d in [{f['d'][ok].min():.4f}, {f['d'][ok].max():.4f}]; "
           f"max |S_int − theory| = {np.max(np.abs(dev)):.4f} (offset-corrected {np.max(np.abs(dev_c)):.4f}); "
           f"offset {f['offset']:+.4f} ± {f['offset_se']:.4f} ({f['n']} instances); "
           f"φ − γS instead: max dev {np.max(np.abs(old)):.4f}") if ok.any() else "no step inside the theory grid"
    return Claim(text, bool(ok.any()) and bool(np.all(np.abs(dev) <= tol)), det)


@safe_check
def check(data, mode):
    bp = data["bp"]
    claims = []
    vals = _s_at_d0(bp)
    det = ", ".join(f"{k}: {v:.4f}" for k, v in vals.items())
    n_sa = int(solved(bp[bp["method"] == "sa"]).shape[0])
    fbp, sa = vals.get("fbp", np.nan), vals.get("sa", np.nan)
    claims.append(Claim(f"fBP solutions have a larger local entropy than SA-on-error solutions at d = {D0} "
                        "(or SA on the error loss finds no solution at all)",
                        np.isfinite(fbp) and (n_sa == 0 or fbp > sa),
                        det + f"; SA on error solved {n_sa} of {int((bp['method'] == 'sa').sum())}"))
    typ = row(data["theory"], kappa_ref=0.0)
    v_typ = s_at(typ["d"], typ["V"], D0)
    claims.append(Claim("the fBP curve lies far above the typical-solution (Franz–Parisi) curve at small d",
                        fbp > v_typ + 0.005, f"fBP {fbp:.4f} vs V {v_typ:.4f} at d = {D0}"))
    viol = max((float(np.max(np.asarray(r["s"]) - entropy_bound(np.asarray(r["d"]))))
                for _, r in bp.iterrows() if np.size(r["s"])), default=np.nan)
    # the bound holds for the true local entropy; BP (Bethe) is an approximation at finite N, off by O(1/N)
    claims.append(Claim("every BP local-entropy curve is below H(d) (to 1e-3: BP is approximate at finite N)",
                        viol < 1e-3, f"max S − H = {viol:.2g}"))
    claims.append(_check_fbp_theory(data))
    ex = data["exact"]
    ball = {m: ball_entropy(solved(ex[ex["method"] == m]), N_EXACT, RADIUS)[0] for m in ex["method"].unique()}
    best = max((v for k, v in ball.items() if k not in ("uniform", "sa") and np.isfinite(v)), default=np.nan)
    claims.append(Claim(f"N = {N_EXACT} (exact): the entropic algorithms' solutions have more solutions within "
                        f"distance {RADIUS}/N than uniformly sampled (typical) ones", best > ball.get("uniform", np.nan),
                        ", ".join(f"{k}: {v:.4f}" for k, v in ball.items())))
    return claims


#: style of the band under the part of an RS curve that is not self-consistent (a log-count below zero)
_RS_SHADE = {"color": "0.6", "lw": 6, "alpha": 0.35, "solid_capstyle": "butt",
             "label": "RS not self-consistent: Franz–Parisi V(d) < 0 (fewer than one solution)"}


def _shade_negative_rs(ax, d, v, relative):
    """Underlay the part of the RS Franz–Parisi curve (V, or V/H(d) if ``relative``) where V < 0 with a grey
    band: a negative log-count is not a count, the RS answer is not self-consistent there. True if drawn."""
    d, v = np.asarray(d, float), np.asarray(v, float)
    neg = np.isfinite(v) & (v < 0)
    if not neg.any():
        return False
    kw = {k: x for k, x in _RS_SHADE.items() if k != "label"}
    ax.plot(np.where(neg, d, np.nan), np.where(neg, v / entropy_bound(d) if relative else v, np.nan), zorder=0, **kw)
    return True


def plot(data, mode):
    with np.errstate(divide="ignore", invalid="ignore"):  # S/H(d) at d = 0 is undefined: not drawn
        return _plot(data, mode)


def _plot(data, mode):
    fig, (a, b, c, leg) = style.new_figure(2, 2, panel_height=3.9)
    bp, ex = data["bp"], data["exact"]
    n = int(bp["n"].iloc[0]) if len(bp) else _n(mode)
    handles = []
    counts_exact = {m: (len(solved(ex[ex["method"] == m])), int((ex["method"] == m).sum()))
                    for m in (ex["method"].unique() if len(ex) else [])}
    methods = list(dict.fromkeys(list(bp["method"].unique() if len(bp) else []) + list(counts_exact)))
    for m in methods:
        sub = bp[bp["method"] == m]
        rows = solved(sub)
        kw = style.algo(m)
        tags = []
        if len(sub):
            tags.append(f"{len(rows)}/{len(sub)} solved at N = {n}" if len(rows) else f"no solution at N = {n} (0/{len(sub)})")
        if m in counts_exact:
            tags.append(f"{counts_exact[m][0]}/{counts_exact[m][1]} at N = {N_EXACT}")
        kw["label"] = f"{kw['label']}: " + "; ".join(tags)
        handles.append(style.proxy(**kw))
        if not len(rows):
            continue
        d, s, se, _ = mean_by_gamma(rows)
        o = np.argsort(d)
        pk = {k: v for k, v in kw.items() if k != "label"}
        a.errorbar(d[o], s[o], yerr=se[o], ms=4.5, capsize=0, **pk)
        b.plot(d[o], s[o] / entropy_bound(d[o]), ms=4.5, **pk)
    th = data["theory"].sort_values("kappa_ref") if len(data["theory"]) else data["theory"]
    for _, r in th.iterrows():
        typical = r["kappa_ref"] == 0
        lab = ("typical solutions (Franz–Parisi, RS)" if typical else
               rf"high-margin reference $\tilde\kappa$ = {r['kappa_ref']:g} (Franz–Parisi, RS)")
        kw = dict(color="0.25", lw=1.3, ls=(0, (1, 1.5)) if typical else (0, (7, 2, 1, 2)), label=lab)
        a.plot(r["d"], r["V"], **kw)
        b.plot(r["d"], np.asarray(r["V"]) / entropy_bound(np.asarray(r["d"])), **kw)
        handles.append(style.proxy(**kw))
        drawn = [_shade_negative_rs(ax, r["d"], r["V"], rel) for ax, rel in ((a, False), (b, True))]
        if any(drawn) and not any(h.get_label().startswith("RS not") for h in handles):
            handles.append(style.proxy(**_RS_SHADE))
    mx, ldy = data.get("maxle"), data.get("ldy")
    if mx is not None and len(mx):
        f = fbp_internal_entropy(mx)
        col = style.OKABE_ITO["wine"]
        ok = (f["d"] > 0) & (f["d"] < 0.5)     # γ = 0: the centre is not focused (d = 1/2)
        kw = dict(color=col, marker="*", ms=7, ls="none", zorder=4,
                  label=rf"fBP, y = {Y_FBP:g}: $S_{{int}}$ ({f['n']} inst.; s$_{{BP}}$ − s$_{{RS}}$ = "
                        rf"{f['offset']:+.3f} ± {f['offset_se']:.3f})")
        a.errorbar(f["d"][ok], f["s"][ok], yerr=f["se"][ok], capsize=0, **kw)
        b.plot(f["d"][ok], f["s"][ok] / entropy_bound(f["d"][ok]), **{k: v for k, v in kw.items() if k != "label"})
        handles.append(style.proxy(**kw))
        if np.size(f["le_d"]):
            lk = dict(color=col, marker="o", ms=5, mfc="none", ls="none", zorder=4,
                      label="plain BP around the fBP centre, same γ")
            a.errorbar(f["le_d"], f["le_s"], yerr=f["le_se"], capsize=0, **lk)
            b.plot(f["le_d"], f["le_s"] / entropy_bound(f["le_d"]), **{k: v for k, v in lk.items() if k != "label"})
            handles.append(style.proxy(**lk))
    if ldy is not None and len(ldy):
        r = ldy.iloc[0]
        td, ts = np.asarray(r["d"]), np.asarray(r["s_int"])
        tk = dict(color=style.OKABE_ITO["wine"], lw=1.6, ls="-", zorder=3,
                  label=rf"RS large deviations, y = {Y_FBP:g}: $S_{{int}}$(d)")
        a.plot(td, ts, **tk)
        b.plot(td, ts / entropy_bound(td), **tk)
        handles.append(style.proxy(**tk))
    dd = np.linspace(1e-4, 0.5, 400)
    hk = dict(color="k", ls=(0, (4, 3)), lw=1.1, label="H(d): every configuration (upper bound)")
    a.plot(dd, entropy_bound(dd), **hk)
    handles.append(style.proxy(**hk))
    a.set_xlim(0, 0.12)
    a.set_ylim(-0.02, 0.4)
    a.set_xlabel("normalized Hamming distance d")
    a.set_ylabel("local entropy S(d) per weight")
    style.panel_title(a, "a", rf"BP local entropy, N = {n}, $\alpha$ = {ALPHA:g}")
    style.hline(b, 1.0, "S = H(d)", text=True, x=0.99, ha="right", va="bottom")
    style.hline(b, 0.0, "S = 0", text=True, x=0.01, ha="left", va="bottom")
    b.set_xscale("log")
    b.set_xlim(1e-3, 0.5)
    b.set_ylim(-0.5, 1.08)
    b.set_xlabel("normalized Hamming distance d (log scale)")
    b.set_ylabel("S(d) / H(d)")
    style.panel_title(b, "b", "relative to the bound H(d)")
    rs = np.arange(1, RADIUS_MAX + 1)
    for m in counts_exact:
        rows = solved(ex[ex["method"] == m])
        if len(rows):
            kw = {k: v for k, v in style.algo(m).items() if k != "label"}
            c.plot(rs / N_EXACT, [ball_entropy(rows, N_EXACT, int(r))[0] for r in rs], ms=5, **kw)
    ck = dict(color="k", ls=(0, (1, 1, 4, 1)), lw=1.1, label="every configuration a solution (ceiling of c)")
    c.plot(rs / N_EXACT, [ball_entropy_bound(N_EXACT, int(r)) for r in rs], **ck)
    handles.append(style.proxy(**ck))
    style.vline(c, RADIUS / N_EXACT, f"claim: d = {RADIUS}/N", text=True, y=0.98, ha="right")
    c.set_xlabel("radius d = D/N")
    c.set_ylabel("(1/N) ln #solutions within d")
    style.panel_title(c, "c", rf"exact enumeration, N = {N_EXACT}, $\alpha$ = {ALPHA_EXACT:g}")
    style.legend_panel(leg, handles, title="algorithm: solved instances")
    return fig


FIGURE = register(Figure(
    key="F4", name="algorithms_local_entropy", title="Local entropy of the solutions found by each algorithm",
    establishes="Entropy-driven algorithms (fBP, rSGD, SA on the cross-entropy, the greedy entropy-driven LAL "
                "search) find solutions inside dense regions: their BP local entropy lies close to H(d) at small d "
                "and far above the Franz–Parisi curve of the isolated typical solutions (a, b). SA on the error "
                f"loss, when it finds a solution at all, finds narrower ones. At N = {N_EXACT} exact enumeration "
                "(c) counts more solutions near the solutions of every algorithm than near uniformly sampled ones.",
    parts=parts, plot=plot, check=check,
    sizes={"quick": f"N = 201, α = {ALPHA:g}, 2 instances (fBP at y = {Y_FBP:g}: 3); exact: N = {N_EXACT}, "
                    f"α = {ALPHA_EXACT:g}, 8 instances",
           "full": f"N = 1001, α = {ALPHA:g}, 4 instances (fBP at y = {Y_FBP:g}: 4); exact: N = {N_EXACT}, "
                   f"α = {ALPHA_EXACT:g}, 40 instances"},
    notes=f"SA on the error loss runs {SA_SWEEPS_LARGE_N:,} sweeps at N > 500 ({dict(ALGORITHMS)['sa']['max_sweeps']:,} "
          f"below) and replicated SA on the error loss y = {RSA['y']}, {dict(ALGORITHMS)['replicated-sa']['max_sweeps']:,} sweeps; the "
          "number of instances each algorithm solved is in the legend. The fBP stars are the internal entropy "
          "S_int = ∂(yφ)/∂y − γS of focusing BP at y = 21 (not φ − γS = S_int + Σ_ext/y; the instances' entropy "
          "offset s_BP − s_RS is in the legend), compared with the finite-y RS theory at the same y = 21, not with "
          "the y → ∞ theory."))

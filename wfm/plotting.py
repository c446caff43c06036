"""Matplotlib figure builders, one per reproduced figure (F1–F11; see :mod:`wfm.figures`).

Each ``figN(data, mode)`` takes ``data``: {part name: pandas DataFrame of sweep records} (the parts of that
figure's specs in :mod:`wfm.figures.catalog`) and returns a ``matplotlib.figure.Figure``; nothing is computed
here except averages over seeds. The Agg backend is used (no display needed).
"""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402,F401
import numpy as np  # noqa: E402

from .core.special import entropy_bound  # noqa: E402

__all__ = ["mean_curve", "fig1", "fig2", "fig3", "fig4", "fig5", "fig6", "fig7", "fig8",
           "fig9", "fig10", "fig11"]

# one colour per algorithm, the same in every figure
COLORS = {"fbp": "C0", "rsgd": "C1", "replicated-sa": "C2", "sa-ce": "C3", "greedy": "C4", "lal": "C4",
          "sa": "C7", "uniform": "k", "sbpi": "C5", "cpr": "C6", "perceptron": "C8", "bp": "C9", "sgd-ce": "C1",
          "entropy-sgd": "C9"}
LABELS = {"fbp": "fBP", "rsgd": "rSGD", "replicated-sa": "replicated SA", "sa-ce": "SA on CE", "greedy": "greedy",
          "lal": "LAL", "sa": "SA on error", "uniform": "uniform (typical)", "sbpi": "SBPI", "cpr": "CP+R",
          "perceptron": "clipped perceptron", "bp": "reinforced BP", "sgd-ce": "SGD on CE",
          "entropy-sgd": "Entropy-SGD"}


def _subplots(n, width=4.2, height=3.4):
    fig, axes = plt.subplots(1, n, figsize=(width * n, height), squeeze=False)
    return fig, axes[0]


def mean_curve(rows, x="d", y="s", bins=None):
    """Average curves y(x) over records (rows of a DataFrame with array cells).

    Curves sampled on the same grid (same length, same x within 1e-9) are averaged pointwise; otherwise x is
    binned on ``bins`` (default: the union grid in log space). Returns (x, mean, sem, count).
    """
    xs = [np.asarray(v, float) for v in rows[x]]
    ys = [np.asarray(v, float) for v in rows[y]]
    pairs = [(a, b) for a, b in zip(xs, ys) if a.size and a.size == b.size]
    if not pairs:
        return np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, int)
    same = all(a.size == pairs[0][0].size and np.allclose(a, pairs[0][0], atol=1e-9) for a, _ in pairs)
    if same and bins is None:
        Y = np.array([b for _, b in pairs])
        cnt = np.isfinite(Y).sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.nanmean(Y, 0)
            se = np.nanstd(Y, 0) / np.sqrt(np.maximum(cnt, 1))
        return pairs[0][0], m, se, cnt
    allx = np.concatenate([a for a, _ in pairs])
    allx = allx[allx > 0]
    if bins is None:
        bins = np.geomspace(allx.min(), allx.max() * 1.0001, 25)
    idx = [np.digitize(a, bins) for a, _ in pairs]
    xc, m, se, cnt = [], [], [], []
    for j in range(1, len(bins)):
        vx = np.concatenate([a[i == j] for (a, _), i in zip(pairs, idx)])
        vy = np.concatenate([b[i == j] for (_, b), i in zip(pairs, idx)])
        if vy.size:
            xc.append(vx.mean())
            m.append(vy.mean())
            se.append(vy.std() / np.sqrt(vy.size))
            cnt.append(vy.size)
    return np.array(xc), np.array(m), np.array(se), np.array(cnt)


def _bound(ax, dmax=0.5, label="H(d)"):
    dd = np.linspace(1e-4, dmax, 300)
    ax.plot(dd, entropy_bound(dd), "k--", lw=0.9, label=label)


# ----------------------------------------------------------------------------------------------------------
# F1–F3: theory


def fig1(data, mode):
    """F1: binary RS entropy s(α) (κ = 0 and 0.5) and α_c(κ), binary and spherical."""
    fig, (a, b) = _subplots(2)
    ent = data["entropy"].sort_values("kappa") if "kappa" in data["entropy"] else data["entropy"]
    for _, r in ent.iterrows():
        kap = r.get("kappa", 0.0)
        a.plot(r["x"], r["y"], label=f"κ = {kap:g}")
    a.axhline(0, color="0.6", lw=0.5)
    a.axhline(np.log(2), color="0.6", lw=0.5, ls=":")
    a.set_xlabel("α")
    a.set_ylabel("RS entropy s(α)")
    a.set_title("binary perceptron: entropy of solutions")
    a.legend(frameon=False)
    for part, lab, st in (("binary_capacity", "binary (RS, s = 0)", "C0"), ("spherical_capacity", "spherical (Gardner)", "C3")):
        for _, r in data[part].iterrows():
            b.plot(r["x"], r["y"], color=st, label=lab)
    b.axvline(0, color="0.6", lw=0.5)
    b.set_yscale("log")
    b.set_xlabel("margin κ")
    b.set_ylabel("capacity α_c(κ)")
    b.set_title("capacity vs margin")
    b.legend(frameon=False)
    fig.tight_layout()
    return fig


def _fp_axes(ax, df, by, fmt, cmap="viridis"):
    df = df.sort_values(by)
    cols = plt.get_cmap(cmap)(np.linspace(0.0, 0.85, max(len(df), 1)))
    for c, (_, r) in zip(cols, df.iterrows()):
        ax.plot(r["d"], r["V"], color=c, label=fmt(r[by]))
    _bound(ax, dmax=float(max(np.max(r["d"]) for _, r in df.iterrows())) if len(df) else 0.5)
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set_xlabel("distance d")
    ax.set_ylabel("local entropy V(d)")
    ax.legend(frameon=False, fontsize=8)


def fig2(data, mode):
    """F2: Franz–Parisi local entropy of typical solutions (κ = κ̃ = 0) vs d at several α, with H(d)."""
    fig, (a, b) = _subplots(2)
    df = data["fp"]
    _fp_axes(a, df, "alpha", lambda v: f"α = {v:g}")
    a.set_title("typical reference: V(d) (RS Franz–Parisi)")
    cols = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, max(len(df), 1)))
    for c, (_, r) in zip(cols, df.sort_values("alpha").iterrows()):
        b.semilogx(r["d"], r["V"], color=c, label=f"α = {r['alpha']:g}")
        if r["d_star"] > 0:
            b.axvline(r["d_star"], color="0.7", lw=0.5, ls=":")
    b.axhline(0, color="0.6", lw=0.5)
    b.set_ylim(-0.02, 0.05)
    b.set_xlabel("distance d (log)")
    b.set_ylabel("V(d)")
    b.set_title("zoom: V < 0 below d* (isolation)")
    b.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def fig3(data, mode):
    """F3: local entropy around κ̃-margin references at α = 0.5, and V/H(d)."""
    fig, (a, b) = _subplots(2)
    df = data["fp"]
    _fp_axes(a, df, "kappa_ref", lambda v: f"κ̃ = {v:g}", cmap="plasma")
    a.set_title(f"α = {df['alpha'].iloc[0]:g}: reference of margin κ̃" if len(df) else "")
    cols = plt.get_cmap("plasma")(np.linspace(0.0, 0.85, max(len(df), 1)))
    for c, (_, r) in zip(cols, df.sort_values("kappa_ref").iterrows()):
        b.semilogx(r["d"], np.asarray(r["V"]) / np.asarray(r["H"]), color=c, label=f"κ̃ = {r['kappa_ref']:g}")
    b.axhline(1, color="k", ls="--", lw=0.8)
    b.axhline(0, color="0.6", lw=0.5)
    b.set_ylim(-1.0, 1.1)
    b.set_xlabel("distance d (log)")
    b.set_ylabel("V(d) / H(d)")
    b.set_title("high-margin references sit in wide flat regions")
    b.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------------------
# F4, F5: algorithms


def _mean_by_gamma(rows):
    from .figures.catalog import mean_by_gamma

    return mean_by_gamma(rows)


def _algo_legend_name(m):
    return LABELS.get(m, m)


def fig4(data, mode):
    """F4: BP local entropy around the solutions of each algorithm, with theory; exact panel at small N."""
    with np.errstate(divide="ignore", invalid="ignore"):  # S/H(d) at d = 0 is undefined: not drawn
        return _fig4(data, mode)


def _fig4(data, mode):
    from .figures.catalog import ball_entropy

    fig, (a, b, c) = _subplots(3, width=4.0)
    bp = data["bp"]
    n = int(bp["n"].iloc[0]) if len(bp) else 0
    alpha = float(bp["alpha"].iloc[0]) if len(bp) else float("nan")
    for m in bp["method"].unique() if len(bp) else []:
        sub = bp[bp["method"] == m]
        rows = sub[sub["solved"].astype(bool)]
        lab = f"{_algo_legend_name(m)} ({len(rows)}/{len(sub)} solved)"
        if not len(rows):
            b.plot([], [], color=COLORS.get(m), label=lab + ": no solution")
            continue
        d, s, se, _ = _mean_by_gamma(rows)
        o = np.argsort(d)
        a.errorbar(d[o], s[o], yerr=se[o], color=COLORS.get(m), marker=".", ms=4, lw=1.2, capsize=0, label=lab)
        b.plot(d[o], s[o] / entropy_bound(d[o]), color=COLORS.get(m), marker=".", ms=4, lw=1.2, label=lab)
    th = data["theory"]
    for _, r in th.sort_values("kappa_ref").iterrows():
        lab = "typical (Franz–Parisi)" if r["kappa_ref"] == 0 else f"high-margin ref. κ̃ = {r['kappa_ref']:g} (F–P)"
        st = "k:" if r["kappa_ref"] == 0 else "k-."
        a.plot(r["d"], r["V"], st, lw=1.0, label=lab)
        b.plot(r["d"], np.asarray(r["V"]) / entropy_bound(np.asarray(r["d"])), st, lw=1.0, label=lab)
    mx = data.get("maxle")
    if mx is not None and len(mx):
        for i, (_, r) in enumerate(mx.iterrows()):
            lab = "max local entropy (fBP y = 21, Σ_int)" if i == 0 else None
            a.plot(r["d"], r["sigma_int"], color="m", lw=1.6, alpha=0.8, label=lab)
            dm = np.asarray(r["d"])
            b.plot(dm, np.asarray(r["sigma_int"]) / entropy_bound(dm), color="m", lw=1.6, alpha=0.8, label=lab)
    _bound(a, 0.5)
    a.axhline(0, color="0.6", lw=0.5)
    a.set_xlabel("distance d")
    a.set_ylabel("local entropy S(d)")
    a.set_xlim(0, 0.12)
    a.set_ylim(-0.02, 0.4)
    a.set_title(f"BP local entropy, N = {n}, α = {alpha:g}")
    b.axhline(1, color="k", ls="--", lw=0.8)
    b.axhline(0, color="0.6", lw=0.5)
    b.set_xscale("log")
    b.set_xlim(1e-3, 0.5)
    b.set_ylim(-0.5, 1.05)
    b.set_xlabel("distance d")
    b.set_ylabel("S(d) / H(d)")
    b.set_title("relative to the bound H(d)")
    b.legend(frameon=False, fontsize=5.5, loc="lower left")
    ex = data["exact"]
    if len(ex):
        ne = int(ex["n"].iloc[0])
        for m in ex["method"].unique():
            rows = ex[(ex["method"] == m) & ex["solved"].astype(bool)]
            if not len(rows):
                continue
            rs = np.arange(1, 8)
            ys = [ball_entropy(rows, ne, int(r))[0] for r in rs]
            c.plot(rs / ne, ys, marker="o", ms=3, color=COLORS.get(m), label=f"{_algo_legend_name(m)} ({len(rows)})")
        dd = np.arange(1, 8) / ne
        c.plot(dd, [np.log(sum(math.comb(ne, j) for j in range(1, k + 1))) / ne for k in range(1, 8)],
               "k--", lw=0.9, label="all configurations")
        c.set_xlabel("radius d")
        c.set_ylabel("(1/N) ln #solutions within d")
        c.set_title(f"exact enumeration, N = {ne}, α = {float(ex['alpha'].iloc[0]):g}")
        c.legend(frameon=False, fontsize=6)
    fig.tight_layout()
    return fig


def fig5(data, mode):
    """F5: success probability vs α per algorithm, one panel per N."""
    from .figures.catalog import success_table

    keys = sorted(data, key=lambda k: int(k[1:]))
    fig, axes = _subplots(len(keys), width=4.0)
    for ax, k in zip(axes, keys):
        tab = success_table(data[k]) if len(data[k]) else {}
        for m, (al, p, cnt) in tab.items():
            se = np.sqrt(p * (1 - p) / np.maximum(cnt, 1))
            ax.errorbar(al, p, yerr=se, marker="o", ms=3, capsize=2, color=COLORS.get(m), label=_algo_legend_name(m))
        ax.axvline(0.833, color="0.5", lw=0.6, ls=":")
        ax.set_ylim(-0.05, 1.05)
        ax.set_xlabel("α")
        ax.set_ylabel("success probability")
        ax.set_title(f"binary perceptron, N = {k[1:]}")
    axes[0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------------------
# F6–F11


def _flip_mean(rows):
    ok = [r for _, r in rows.iterrows() if np.size(r["flip_d"])]
    if not ok:
        return None, None, None
    d = np.asarray(ok[0]["flip_d"], float)
    Y = np.array([np.asarray(r["flip_error"], float) for r in ok])
    return d, Y.mean(0), Y.std(0) / np.sqrt(len(ok))


def fig6(data, mode):
    """F6: local energy (train error after flipping a fraction d of weights) of sign vs ReLU committee solutions."""
    fig, axes = _subplots(len(data), width=3.8)
    for ax, (m, df) in zip(axes, data.items()):
        for mod, st in (("tree-sign", "o-"), ("tree-relu", "s--")):
            sub = df[df["model"] == mod]
            rows = sub[sub["solved"].astype(bool)]
            d, y, se = _flip_mean(rows)
            if d is None:
                continue
            k = int(sub["k"].iloc[0])
            ax.errorbar(d, y, yerr=se, fmt=st, ms=3, capsize=2,
                        label=f"{'sign' if mod == 'tree-sign' else 'ReLU'} K = {k} ({len(rows)}/{len(sub)} solved)")
        ax.set_xlabel("fraction of flipped weights d")
        ax.set_ylabel("training error (local energy)")
        ax.set_title(f"solutions by {_algo_legend_name(m)}")
        ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def fig7(data, mode):
    """F7: binary SA-CE at fixed γ (BP local entropy); spherical CE minimizers vs γ; SGD with/without norm reduction."""
    import json as _json

    from .figures.catalog import mean_by_gamma

    fig, (a, b, c, e) = _subplots(4, width=4.0)
    bn = data["binary"]
    gam = bn["options"].map(lambda s: _json.loads(s)["ce_gamma0"])
    cols = plt.get_cmap("coolwarm")(np.linspace(0, 1, max(gam.nunique(), 1)))
    for col, g in zip(cols, sorted(gam.unique())):
        rows = bn[(gam == g) & bn["solved"].astype(bool)]
        if len(rows):
            d, s, se, _ = mean_by_gamma(rows)
            o = np.argsort(d)
            a.plot(d[o], s[o], ".-", color=col, label=f"γ = {g:g} ({len(rows)})")
    _bound(a, 0.5)
    a.set_xscale("log")
    a.set_xlim(1e-3, 0.5)
    a.set_xlabel("distance d")
    a.set_ylabel("BP local entropy")
    a.set_title(f"binary, SA on CE at fixed γ (N = {int(bn['n'].iloc[0]) if len(bn) else 0})")
    a.legend(frameon=False, fontsize=6)
    sph = data["sphere"]
    g2 = sph["options"].map(lambda s: _json.loads(s)["gamma"])
    ok = sph["solved"].astype(bool)
    grp = sph[ok].assign(g=g2[ok]).groupby("g")
    b.errorbar(grp["kappa_min"].mean().index, grp["kappa_min"].mean(), yerr=grp["kappa_min"].sem(), fmt="o-", label="κ_min")
    b.set_xscale("log")
    gs = sorted(grp["kappa_min"].mean().index)
    b.set_xticks(gs)
    b.set_xticklabels([f"{x:g}" for x in gs])
    b.minorticks_off()
    b.set_xlabel("γ of the CE (on the sphere)")
    b.set_ylabel("smallest stability κ_min")
    bb = b.twinx()
    bb.errorbar(grp["lambda_max"].mean().index, grp["lambda_max"].mean(), yerr=grp["lambda_max"].sem(), fmt="s--",
                color="C3", label="λ_max (CE γ=1)")
    bb.set_ylabel("Hessian λ_max at γ_eval = 1", color="C3")
    b.set_title("spherical perceptron, α = 1")
    for gg, rows in sph[ok].assign(g=g2[ok]).groupby("g"):
        Y = np.array([np.asarray(v) for v in rows["le_error"]])
        c.plot(np.asarray(rows["sigma"].iloc[0]), Y.mean(0), "o-", ms=3, label=f"γ = {gg:g}",
               color=plt.get_cmap("coolwarm")((np.log(gg) - np.log(0.25)) / (np.log(8) - np.log(0.25))))
    c.set_xlabel("relative weight noise σ")
    c.set_ylabel("Δ train error (local energy)")
    c.set_title("spherical: local energy vs γ")
    c.legend(frameon=False, fontsize=6)
    nm = data["norm"]
    shr = nm["options"].map(lambda s: _json.loads(s).get("shrink_epochs", 0) > 0)
    for flag, lab, st in ((False, "plain SGD (norm grows)", "o-"), (True, "SGD + slow norm reduction", "s-")):
        rows = nm[(shr == flag) & nm["solved"].astype(bool)]
        if len(rows):
            Y = np.array([np.asarray(v) for v in rows["le_error"]])
            e.errorbar(np.asarray(rows["sigma"].iloc[0]), Y.mean(0), yerr=Y.std(0) / np.sqrt(len(Y)), fmt=st, ms=3,
                       capsize=2, label=f"{lab}: κ_min = {rows['kappa_min'].mean():.2f}")
    e.set_xlabel("relative weight noise σ")
    e.set_ylabel("Δ train error (local energy)")
    e.set_title("SGD on CE: norm reduction or not")
    e.legend(frameon=False, fontsize=6)
    fig.tight_layout()
    return fig


def fig8(data, mode):
    """F8: flatness vs test error (teacher–student binary perceptron; digits, continuous perceptron)."""
    import json as _json

    from .figures.catalog import f8_table, spearman

    fig, (a, b, c, e) = _subplots(4, width=3.5)
    m, le, en, te = f8_table(data["ts"])
    for meth in np.unique(m):
        s = m == meth
        a.plot(le[s], te[s], "o", ms=4, color=COLORS.get(meth), label=_algo_legend_name(meth))
        b.plot(en[s], te[s], "o", ms=4, color=COLORS.get(meth))
    a.set_xlabel("BP local entropy at d = 0.01")
    a.set_ylabel("test error")
    a.set_title(f"teacher–student: ρ = {spearman(le, te):.2f}")
    a.legend(frameon=False, fontsize=6)
    b.set_xlabel("local energy (train error at 2 % flips)")
    b.set_ylabel("test error")
    b.set_title(f"teacher–student: ρ = {spearman(en, te):.2f}")
    dg = data["digits"]
    if len(dg):
        lab = dg["options"].map(lambda s: f"γ = {_json.loads(s)['gamma']:g}" if "gamma" in _json.loads(s) else "free norm")
        le_dg = np.array([np.asarray(v)[3] for v in dg["le_error"]])
        for i, l in enumerate(sorted(lab.unique())):
            s = (lab == l).to_numpy()
            c.plot(le_dg[s], dg["test_error"][s], "o", ms=4, color=f"C{i}", label=l)
            e.plot(dg["lambda_max"][s], dg["test_error"][s], "o", ms=4, color=f"C{i}")
        c.set_title(f"digits: ρ = {spearman(le_dg, dg['test_error']):.2f}")
        e.set_title(f"digits: ρ = {spearman(dg['lambda_max'], dg['test_error']):.2f}")
        c.legend(frameon=False, fontsize=6)
    c.set_xlabel("local energy (σ = 0.3)")
    c.set_ylabel("test error")
    e.set_xscale("log")
    e.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    e.set_xlabel("Hessian λ_max (CE γ = 1, on the sphere)")
    e.set_ylabel("test error")
    fig.tight_layout()
    return fig


def fig9(data, mode):
    """F9: example profiles per direction family; fraction asymmetric and SWA-on-flat-side per family."""
    from .figures.catalog import F9_KINDS

    df = data["valleys"]
    fig, axes = _subplots(len(F9_KINDS) + 1, width=2.9, height=3.0)
    for ax, kind in zip(axes, F9_KINDS):
        if len(df):
            r = df.iloc[0]
            P = np.asarray(r[f"profile_{kind}"])
            for j in range(P.shape[0]):
                ax.plot(r["ts"], P[j] - P[j][len(r["ts"]) // 2], lw=1)
        ax.set_title(kind, fontsize=9)
        ax.set_xlabel("t")
    axes[0].set_ylabel("Δ train loss (CE)")
    z = axes[-1]
    x = np.arange(len(F9_KINDS))
    fa = [df[f"frac_asym_{k}"].mean() for k in F9_KINDS] if len(df) else [0] * len(F9_KINDS)
    ff = [np.nanmean(df[f"frac_flat_{k}"]) for k in F9_KINDS] if len(df) else [0] * len(F9_KINDS)
    z.bar(x - 0.2, fa, 0.4, label="asymmetric")
    z.bar(x + 0.2, ff, 0.4, label="SWA on flat side")
    z.axhline(0.5, color="k", lw=0.6, ls=":")
    z.set_xticks(x)
    z.set_xticklabels([k[:8] for k in F9_KINDS], rotation=45, fontsize=7)
    z.set_ylim(0, 1)
    z.set_title("fractions per family", fontsize=9)
    z.legend(frameon=False, fontsize=6)
    fig.tight_layout()
    return fig


def fig10(data, mode):
    """F10: each flatness measure along the rescaling orbit, normalized to its value at a = 1."""
    df = data["orbit"]
    fig, (a, b) = _subplots(2, width=4.6)
    if len(df):
        r = df.iloc[0]
        orbit = np.asarray(r["orbit_a"])
        i1 = int(np.argmin(np.abs(orbit - 1)))
        names = [c[len("value_"):] for c in df.columns if c.startswith("value_") and np.ndim(r[c])]
        for nm in names:
            v = np.abs(np.asarray(r[f"value_{nm}"], float))
            if not np.all(np.isfinite(v)) or v[i1] == 0:
                continue
            inv = r[f"ratio_{nm}"] <= 1 + 1e-6
            if inv:
                b.semilogx(orbit, v / v[i1], "o-", ms=3, label=nm)
            else:
                a.loglog(orbit, v / v[i1], ".-", ms=3, label=nm)
    a.set_title("not invariant")
    b.set_title("invariant (max/min ≤ 1 + 1e-6)")
    b.set_ylim(0.9, 1.1)  # round-off (1e-15) would otherwise fill the axis
    for ax in (a, b):
        ax.set_xlabel("rescaling a of (W_k, v_k) → (a W_k, v_k / a)")
        ax.set_ylabel("measure / value at a = 1")
        ax.legend(frameon=False, fontsize=6)
    fig.tight_layout()
    return fig


def fig11(data, mode):
    """F11: committee vs parity machine: success vs α; exact neighbourhood of the solutions found."""
    from .figures.catalog import ball_entropy

    fig, (a, b, c) = _subplots(3, width=3.9)
    s = data["success"]
    for mod, st in (("tree-sign", "-"), ("parity", "--")):
        for meth in s["method"].unique() if len(s) else []:
            sub = s[(s["model"] == mod) & (s["method"] == meth)]
            g = sub.groupby("alpha")["solved"].mean()
            a.plot(g.index, g.values, "o" + st, ms=3, color=COLORS.get(meth),
                   label=f"{'committee' if mod == 'tree-sign' else 'parity'}, {_algo_legend_name(meth)}")
        a0 = s["alpha"].min()
        rows = s[(s["model"] == mod) & s["solved"].astype(bool) & np.isclose(s["alpha"], a0)]
        d, y, se = _flip_mean(rows)
        if d is not None:
            b.errorbar(d, y, yerr=se, fmt="o" + st, ms=3, capsize=2,
                       label=f"{'committee' if mod == 'tree-sign' else 'parity'} ({len(rows)} solutions)")
    a.set_xlabel("α")
    a.set_ylabel("success probability")
    a.set_title(f"K = 3, N = {int(s['n'].iloc[0]) if len(s) else 0}")
    a.legend(frameon=False, fontsize=5)
    b.set_xlabel("fraction of flipped weights d")
    b.set_ylabel("training error")
    b.set_title(f"local energy of the solutions found (α = {s['alpha'].min() if len(s) else 0:g})")
    b.legend(frameon=False, fontsize=6)
    ex = data["exact"]
    for mod, st in (("tree-sign", "-"), ("parity", "--")):
        for meth in ex["method"].unique() if len(ex) else []:
            rows = ex[(ex["model"] == mod) & (ex["method"] == meth) & ex["solved"].astype(bool)]
            if len(rows):
                rs = np.arange(1, 6)
                c.plot(rs / 21, [ball_entropy(rows, 21, int(r))[0] for r in rs], "o" + st, ms=3, color=COLORS.get(meth),
                       label=f"{'committee' if mod == 'tree-sign' else 'parity'}, {_algo_legend_name(meth)}")
    c.set_xlabel("radius d")
    c.set_ylabel("(1/N) ln #solutions within d")
    c.set_title("exact enumeration, N = 21, α = 0.4")
    c.legend(frameon=False, fontsize=5)
    fig.tight_layout()
    return fig

"""Matplotlib figure builders, one per reproduced figure (F1–F11; see :mod:`wfm.figures`).

Each ``figN(data, mode)`` takes ``data``: {part name: pandas DataFrame of sweep records} (the parts of that
figure's specs in :mod:`wfm.figures.catalog`) and returns a ``matplotlib.figure.Figure``; nothing is computed
here except averages over seeds. The Agg backend is used (no display needed).
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["binary_entropy_bound", "mean_curve", "fig1", "fig2", "fig3", "fig4", "fig5", "fig6", "fig7", "fig8",
           "fig9", "fig10", "fig11"]

# one colour per algorithm, the same in every figure
COLORS = {"fbp": "C0", "rsgd": "C1", "replicated-sa": "C2", "sa-ce": "C3", "greedy": "C4", "lal": "C4",
          "sa": "C7", "uniform": "k", "sbpi": "C5", "cpr": "C6", "perceptron": "C8", "bp": "C9", "sgd-ce": "C1",
          "entropy-sgd": "C9"}
LABELS = {"fbp": "fBP", "rsgd": "rSGD", "replicated-sa": "replicated SA", "sa-ce": "SA on CE", "greedy": "greedy",
          "lal": "LAL", "sa": "SA on error", "uniform": "uniform (typical)", "sbpi": "SBPI", "cpr": "CP+R",
          "perceptron": "clipped perceptron", "bp": "reinforced BP", "sgd-ce": "SGD on CE",
          "entropy-sgd": "Entropy-SGD"}


def binary_entropy_bound(d):
    """H(d) = −d ln d − (1−d) ln(1−d), the upper bound of every local entropy."""
    d = np.asarray(d, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d <= 0, 0.0, -d * np.log(d) - (1 - d) * np.log1p(-d))


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
    ax.plot(dd, binary_entropy_bound(dd), "k--", lw=0.9, label=label)


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
            a.plot([], [], color=COLORS.get(m), label=lab + " – no solution")
            continue
        d, s, se, _ = _mean_by_gamma(rows)
        o = np.argsort(d)
        for ax in (a, b):
            ax.errorbar(d[o], s[o], yerr=se[o], color=COLORS.get(m), marker=".", ms=4, lw=1.2, capsize=0,
                        label=lab)
    th = data["theory"]
    for _, r in th.sort_values("kappa_ref").iterrows():
        lab = "typical (Franz–Parisi)" if r["kappa_ref"] == 0 else f"high-margin ref. κ̃ = {r['kappa_ref']:g} (F–P)"
        st = "k:" if r["kappa_ref"] == 0 else "k-."
        for ax in (a, b):
            ax.plot(r["d"], r["V"], st, lw=1.0, label=lab)
    mx = data.get("maxle")
    if mx is not None and len(mx):
        for i, (_, r) in enumerate(mx.iterrows()):
            for ax in (a, b):
                ax.plot(r["d"], r["sigma_int"], color="m", lw=1.6, alpha=0.8,
                        label="max local entropy (fBP y = 21, Σ_int)" if i == 0 else None)
    for ax in (a, b):
        _bound(ax, 0.5)
        ax.axhline(0, color="0.6", lw=0.5)
        ax.set_xlabel("distance d")
        ax.set_ylabel("local entropy S(d)")
    a.set_xlim(0, 0.12)
    a.set_ylim(-0.02, 0.4)
    a.set_title(f"BP local entropy, N = {n}, α = {alpha:g}")
    a.legend(frameon=False, fontsize=6)
    b.set_xscale("log")
    b.set_xlim(1e-3, 0.5)
    b.set_ylim(-0.02, 0.7)
    b.set_title("same, log d")
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
        c.plot(dd, [np.log(sum(__import__("math").comb(ne, j) for j in range(1, k + 1))) / ne for k in range(1, 8)],
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

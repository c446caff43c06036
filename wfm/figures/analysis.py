"""Tables and statistics over sweep records, shared by the figures' plots and claim checks.

Every function takes pandas DataFrames of records (one row per task, array cells; see :func:`wfm.sweep.load`)
or plain arrays and returns numbers or arrays: nothing here draws, and nothing here runs an experiment.
"""
from __future__ import annotations

import numpy as np

from ..core.special import entropy_bound

__all__ = ["row", "solved", "option", "interp_root", "mean_by_gamma", "s_at", "ball_entropy", "ball_entropy_bound",
           "spearman", "success_table", "local_energy_at", "flip_mean", "entropy_bound"]


def row(df, **eq):
    """The first record whose columns equal ``eq`` (floats compared with ``numpy.isclose``); LookupError if none."""
    m = np.ones(len(df), bool)
    for k, v in eq.items():
        m &= np.isclose(df[k].astype(float), v) if isinstance(v, float) else (df[k] == v).to_numpy()
    sub = df[m]
    if len(sub) == 0:
        raise LookupError(f"no record with {eq}")
    return sub.iloc[0]


def solved(df):
    """The records whose solver reached zero training error."""
    return df[df["solved"].astype(bool)] if len(df) else df


def option(df, key, default=None):
    """The method option ``key`` of each record (the ``options`` column holds dicts; missing: ``default``)."""
    if "options" not in df:
        return df.index.to_series().map(lambda _: default)
    return df["options"].map(lambda o: o.get(key, default) if isinstance(o, dict) else default)


def interp_root(x, y):
    """x where y crosses 0 (last sign change, linear interpolation); NaN if none."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    s = np.nonzero(np.sign(y[:-1]) != np.sign(y[1:]))[0]
    if not s.size:
        return float("nan")
    i = s[-1]
    return float(x[i] - y[i] * (x[i + 1] - x[i]) / (y[i + 1] - y[i]))


def mean_by_gamma(rows, x="d", y="s"):
    """Average BP local-entropy curves over seeds at each γ of the common grid: (d̄, s̄, sem of s, count).

    Records without a curve (not solved) are skipped; a γ where BP did not converge for some seed is averaged
    over the seeds where it did (``count``).
    """
    acc = {}
    for _, r in rows.iterrows():
        if np.ndim(r["gamma"]) != 1:  # a record without a BP curve (not solved)
            continue
        for g, dv, sv in zip(np.asarray(r["gamma"]), np.asarray(r[x]), np.asarray(r[y])):
            acc.setdefault(round(float(g), 9), []).append((dv, sv))
    gs = sorted(acc)
    d = np.array([np.mean([a for a, _ in acc[g]]) for g in gs])
    s = np.array([np.mean([b for _, b in acc[g]]) for g in gs])
    se = np.array([np.std([b for _, b in acc[g]]) / np.sqrt(len(acc[g])) for g in gs])
    c = np.array([len(acc[g]) for g in gs])
    return d, s, se, c


def s_at(d, s, d0):
    """Local entropy at distance d0, by linear interpolation in ln d (NaN outside the range of d)."""
    d, s = np.asarray(d, float), np.asarray(s, float)
    ok = (d > 0) & np.isfinite(s)
    d, s = d[ok], s[ok]
    if d.size < 2 or d0 < d.min() or d0 > d.max():
        return float("nan")
    o = np.argsort(d)
    return float(np.interp(np.log(d0), np.log(d[o]), s[o]))


def ball_entropy(rows, n, radius):
    """Mean over records of (1/N) ln #(solutions at Hamming distance 1..radius), from exact distance counts.

    Each record holds ``d`` = D/N and ``s`` = (1/N) ln counts[D] over the distances D with counts > 0.
    Returns ``(mean, number of records)``.
    """
    vals = []
    for _, r in rows.iterrows():
        d, s = np.asarray(r["d"]), np.asarray(r["s"])
        k = np.rint(d * n).astype(int)
        cnt = np.exp(s * n)
        sel = (k >= 1) & (k <= radius)
        vals.append(np.log1p(cnt[sel].sum()) / n)
    return float(np.mean(vals)) if vals else float("nan"), len(vals)


def ball_entropy_bound(n, radius):
    """(1/N) ln #(configurations at distance 1..radius) = (1/N) ln Σ_{j=1}^{radius} C(N, j): the ceiling of
    :func:`ball_entropy` (every configuration a solution)."""
    from math import comb

    return float(np.log(sum(comb(n, j) for j in range(1, radius + 1))) / n)


def spearman(x, y):
    """Spearman rank correlation of the finite pairs (NaN with fewer than 4)."""
    from scipy import stats

    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 4:
        return float("nan")
    return float(stats.spearmanr(x[ok], y[ok]).statistic)


def success_table(df, by="method"):
    """{value of ``by``: (alphas, success fraction, count)} from solve records."""
    out = {}
    for m in df[by].unique():
        sub = df[df[by] == m]
        g = sub.groupby("alpha")["solved"].agg(["mean", "count"]).sort_index()
        out[m] = (g.index.to_numpy(float), g["mean"].to_numpy(float), g["count"].to_numpy(int))
    return out


def local_energy_at(rows, d0):
    """Mean over records of the flip local energy (train error after flipping a fraction d0 of the weights),
    interpolated at d0; ``(mean, number of records)``."""
    vals = [float(np.interp(d0, np.asarray(r["flip_d"]), np.asarray(r["flip_error"])))
            for _, r in rows.iterrows() if np.size(r["flip_d"])]
    return (float(np.mean(vals)) if vals else float("nan")), len(vals)


def flip_mean(rows):
    """(d, mean flip local energy, its standard error) over the records with a flip curve; Nones if none."""
    ok = [r for _, r in rows.iterrows() if np.size(r["flip_d"])]
    if not ok:
        return None, None, None
    d = np.asarray(ok[0]["flip_d"], float)
    Y = np.array([np.asarray(r["flip_error"], float) for r in ok])
    return d, Y.mean(0), Y.std(0) / np.sqrt(len(ok))

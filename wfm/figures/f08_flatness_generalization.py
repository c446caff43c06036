"""F8 -- flatness vs generalization.

(a, b) Teacher–student binary perceptron: the solutions of nine algorithms, their BP local entropy at d = 0.01
and their flip local energy, against their test error (Baldassi, Pittorino & Zecchina 2020, arXiv:1905.07833).
(c, d) scikit-learn's digits (even vs odd, binarized, N = 65): different zero-training-error minima of the
binary-weight perceptron (a non-convex problem: the algorithms land on different solutions) on many random splits,
their flip local energy against their test error, compared within each split (paired): a one-sided sign test of
"the flatter of the split's flattest and sharpest solutions has the lower test error", with the win probability
it detects with 80 % power, and a Wilcoxon signed-rank test of the within-split rank correlations.
Rank correlations are Spearman's ρ.
"""
from __future__ import annotations

import json

import numpy as np

from . import style
from .analysis import s_at, solved, spearman
from .core import Claim, Figure, by_mode, register, safe_check
from .shared import ALGORITHMS, BP_GAMMAS, D0, FLIPS, RSA, available, zip_methods

ALGOS = ALGORITHMS + [("sa-ce", {"ce_gamma0": 20.0, "ce_gamma1": 20.0}), ("sbpi", {}), ("perceptron", {})]
ALPHA = 0.6
P_TEST = 2000
#: the flip fraction of the local energy of panel (b) (one of FLIPS)
FLIP0 = 0.02
#: the solvers run on every digits split (options written out: they enter the task hash)
DIGITS_ALGOS = [("fbp", {}), ("rsgd", {}), ("replicated-sa", {**RSA, "max_sweeps": 2000}), ("sa-ce", {}),
                ("greedy", {}), ("sa", {"max_sweeps": 5000}), ("sbpi", {}), ("perceptron", {})]
#: training patterns per split (N = 65 binary weights: every algorithm above reaches zero training error at P = 30
#: on most splits; the other 1767 patterns are the test set)
P_TRAIN = 30
#: numbers of flipped weights of the flip local energy (its mean over these is the flatness compared)
DIGITS_FLIPS = [1, 2, 3, 4, 5]
#: level and power of the sign test
LEVEL, POWER = 0.05, 0.8
INSTANCES = {"ts": (2, 4), "digits": (4, 100)}  # (quick, full)


def _n(mode):
    return by_mode(mode, 201, 1001)


def parts(mode):
    n = _n(mode)
    return {
        "ts": {"experiment": "fig-solve-measure", "seeds": by_mode(mode, *INSTANCES["ts"]),
               "params": {"model": "perceptron", "n": n, "alpha": ALPHA, "teacher": True, "p_test": P_TEST,
                          "local_entropy": "bp", "gammas": BP_GAMMAS, "flips": FLIPS, "n_draws": 50},
               "zip": zip_methods(available(ALGOS), n)},
        "digits": {"experiment": "fig-digits-minima", "seeds": by_mode(mode, *INSTANCES["digits"]),
                   "params": {"p_train": P_TRAIN, "methods": [m for m, _ in available(DIGITS_ALGOS)],
                              "method_options": [o for _, o in available(DIGITS_ALGOS)], "flips": DIGITS_FLIPS,
                              "n_draws": by_mode(mode, 200, 1000)}},
    }


def table(df):
    """Per solved record: variant key (method + options), local entropy at d = D0, local energy at FLIP0, test error."""
    rows = solved(df)
    key = [f"{m} {json.dumps(o, sort_keys=True)}" for m, o in zip(rows["method"], rows["options"])]
    le = [s_at(r["d"], r["s"], D0) if np.size(r["d"]) else np.nan for _, r in rows.iterrows()]
    en = [float(np.interp(FLIP0, r["flip_d"], r["flip_error"])) if np.size(r["flip_d"]) else np.nan
          for _, r in rows.iterrows()]
    return np.array(key), np.array(le), np.array(en), rows["test_error"].to_numpy(float)


def sign_test(wins: int, n: int) -> float:
    """One-sided sign test: P(Bin(n, 1/2) ≥ wins), the p-value of ``wins`` successes in ``n`` untied pairs."""
    from scipy import stats

    return float(stats.binom.sf(wins - 1, n, 0.5)) if n else float("nan")


def sign_test_power(n: int, level: float = LEVEL, power: float = POWER) -> tuple:
    """(critical number of wins c, smallest win probability detected with ``power``) of the one-sided sign test
    at ``level`` on ``n`` pairs: c = min{c : P(Bin(n, ½) ≥ c) ≤ level}, and p* solving P(Bin(n, p*) ≥ c) = power.
    """
    from scipy import optimize, stats

    if n < 1:
        return None, float("nan")
    cs = [c for c in range(n + 1) if stats.binom.sf(c - 1, n, 0.5) <= level]
    if not cs:
        return None, float("nan")
    c = cs[0]
    f = lambda p: stats.binom.sf(c - 1, n, p) - power  # noqa: E731
    return c, float(optimize.brentq(f, 0.5, 1 - 1e-12)) if f(1 - 1e-12) > 0 else float("nan")


def digits_pairs(df):
    """Per split with at least two solutions: (flatness difference sharpest − flattest, test-error difference
    sharpest − flattest, Spearman ρ(local energy, test error) over the split's solutions or NaN with < 3)."""
    out = []
    for _, r in df.iterrows():
        ok = np.asarray(r["solved"], bool)
        le, te = np.asarray(r["le_mean"], float)[ok], np.asarray(r["test_error"], float)[ok]
        if ok.sum() < 2:
            continue
        i, j = int(np.argmin(le)), int(np.argmax(le))
        out.append((le[j] - le[i], te[j] - te[i], spearman(le, te) if ok.sum() >= 4 else float("nan")))
    return np.array(out, float).reshape(-1, 3)


def digits_verdict(df):
    """The paired tests on the digits splits: dict of counts, p-values and the power of the sign test."""
    from scipy import stats

    pr = digits_pairs(df)
    dte = pr[:, 1]
    untied = dte[dte != 0]
    wins = int((untied > 0).sum())
    n = int(untied.size)
    c, p80 = sign_test_power(n)
    rho = pr[:, 2][np.isfinite(pr[:, 2])]
    w_p = float(stats.wilcoxon(rho, alternative="greater").pvalue) if rho.size >= 6 and np.any(rho != 0) else float("nan")
    return {"splits": len(df), "pairs": int(pr.shape[0]), "n": n, "ties": int(pr.shape[0] - n), "wins": wins,
            "p_sign": sign_test(wins, n), "critical": c, "p80": p80, "rho_mean": float(rho.mean()) if rho.size else float("nan"),
            "rho_n": int(rho.size), "p_wilcoxon": w_p, "dte_mean": float(dte.mean()) if dte.size else float("nan"),
            "dte_se": float(dte.std(ddof=1) / np.sqrt(dte.size)) if dte.size > 1 else float("nan")}


@safe_check
def check(data, mode):
    _, le, en, te = table(data["ts"])
    r1, r2 = spearman(le, te), spearman(en, te)
    v = digits_verdict(data["digits"])
    return [
        Claim("teacher–student: flatter solutions generalize better (Spearman ρ(local entropy, test error) < 0 and "
              "ρ(local energy, test error) > 0)", r1 < 0 and r2 > 0,
              f"ρ_LE = {r1:.2f}, ρ_energy = {r2:.2f} over {np.isfinite(le).sum()} solutions"),
        Claim(f"digits, binary perceptron at zero training error (P = {P_TRAIN}): within a split, the flattest of the "
              "algorithms' solutions (lowest mean flip local energy) has a lower test error than the sharpest, more "
              + (f"often than not (one-sided sign test over the splits, p < {LEVEL:g})" if mode == "full" else
                 "often than not: quick mode, a handful of splits, no power; checked only that the flatter wins at "
                 "least half of the untied splits (the verdict is the full run's sign test)"),
              (v["n"] > 0 and v["p_sign"] < LEVEL) if mode == "full" else (v["n"] > 0 and 2 * v["wins"] >= v["n"]),
              f"flatter wins {v['wins']}/{v['n']} untied splits ({v['ties']} ties, {v['splits']} splits), p = "
              f"{v['p_sign']:.3g}; power: with {v['n']} pairs the test rejects at ≥ {v['critical']} wins and detects "
              f"a win probability ≥ {v['p80']:.2f} with {POWER:.0%} power at the {LEVEL:.0%} level; mean test-error "
              f"gap sharpest − flattest {v['dte_mean']:+.4f} ± {v['dte_se']:.4f}; within-split Spearman ρ(local "
              f"energy, test error) mean {v['rho_mean']:+.2f} over {v['rho_n']} splits, Wilcoxon signed-rank "
              f"p = {v['p_wilcoxon']:.3g} (ρ > 0)"),
    ]


def _variant_styles(df):
    """{variant key: plot keywords}; a method run with several option sets: another marker for the non-default ones."""
    out = {}
    for m, o in zip(df["method"], df["options"]):
        k = f"{m} {json.dumps(o, sort_keys=True)}"
        if k in out:
            continue
        variant = bool(_has_variants(df, m) and o)
        kw = style.algo(m)
        kw["label"] = style.variant_label(m, o) if variant else style.algo_label(m)
        if variant:
            kw["marker"] = "d" if kw["marker"] == "D" else "8"
        kw.pop("linestyle")
        kw.update(markerfacecolor="none", markeredgewidth=1.7)  # open markers: coinciding points stay visible
        out[k] = kw
    return out


def _has_variants(df, m):
    return len({json.dumps(o, sort_keys=True) for o in df[df["method"] == m]["options"]}) > 1


def plot(data, mode):
    fig, (a, b, c, e) = style.new_figure(2, 2, panel_height=3.6)
    ts = data["ts"]
    n = int(ts["n"].iloc[0]) if len(ts) else _n(mode)
    key, le, en, te = table(ts) if len(ts) else (np.array([]),) * 4
    styles = _variant_styles(ts) if len(ts) else {}
    handles = []
    for k, kw in styles.items():
        s = key == k
        n_all = int(sum(f"{m} {json.dumps(o, sort_keys=True)}" == k for m, o in zip(ts["method"], ts["options"])))
        lab = f"{kw['label']} ({int(s.sum())}/{n_all} solved)"
        pk = {q: v for q, v in kw.items() if q != "label"}
        a.plot(le[s], te[s], ls="none", ms=7, **pk)
        b.plot(en[s], te[s], ls="none", ms=7, **pk)
        handles.append(style.proxy(lab, ls="none", ms=7, **pk))
    a.set_xlabel(f"BP local entropy at d = {D0:g}")
    a.set_ylabel("test error")
    style.panel_title(a, "a", rf"teacher–student, N = {n}: Spearman $\rho$ = {spearman(le, te):.2f}")
    b.set_xlabel(f"local energy: training error at {FLIP0:.0%} flipped weights")
    b.set_ylabel("test error")
    style.panel_title(b, "b", rf"teacher–student: Spearman $\rho$ = {spearman(en, te):.2f}")
    fig.legend(handles=handles, loc="outside upper center", ncol=3,
               title=rf"algorithm (binary perceptron, $\alpha$ = {ALPHA:g}, teacher–student)")
    dg = data["digits"]
    names = [m for m, _ in available(DIGITS_ALGOS)]
    if len(dg):
        pr = digits_pairs(dg)
        v = digits_verdict(dg)
        col = np.where(pr[:, 1] > 0, style.OKABE_ITO["blue"], np.where(pr[:, 1] < 0, style.OKABE_ITO["vermillion"],
                                                                         "0.5"))
        c.scatter(pr[:, 0], pr[:, 1], c=list(col), s=22, zorder=3)
        c.axhline(0, color="0.4", lw=0.9)
        style.panel_title(c, "c", f"digits: flatter wins {v['wins']}/{v['n']} splits, sign test p = {v['p_sign']:.2g}")
        methods = list(dg["methods"].iloc[0]) if "methods" in dg else names
        sty = dict(zip(methods, [style.algo(m) for m in methods]))
        for m_i, m in enumerate(methods):
            xs, ys = [], []
            for _, r in dg.iterrows():
                ok = np.asarray(r["solved"], bool)
                if ok.sum() < 2 or not ok[m_i]:
                    continue
                le, te = np.asarray(r["le_mean"], float), np.asarray(r["test_error"], float)
                xs.append(le[m_i] - le[ok].mean())
                ys.append(te[m_i] - te[ok].mean())
            kw = {k: v_ for k, v_ in sty[m].items() if k in ("color", "marker")}
            n_ok = int(sum(bool(np.asarray(r["solved"], bool)[m_i]) for _, r in dg.iterrows()))
            e.plot(xs, ys, ls="none", ms=5, markerfacecolor="none", markeredgewidth=1.2, alpha=0.8,
                   label=f"{style.algo_label(m)} {n_ok}/{len(dg)}", **kw)
        e.axhline(0, color="0.6", lw=0.8)
        e.axvline(0, color="0.6", lw=0.8)
        style.panel_title(e, "d", rf"digits: within-split Spearman $\rho$ mean {v['rho_mean']:+.2f}")
        style.legend_below(e, ncol=2, y=-0.25, title=f"binary perceptron on the digits (even vs odd), P = {P_TRAIN}; "
                                                    "splits solved")
    c.set_xlabel("local energy: sharpest − flattest solution of the split")
    c.set_ylabel("test error: sharpest − flattest")
    e.set_xlabel("mean flip local energy − its split mean")
    e.set_ylabel("test error − its split mean")
    return fig


def _size_text(mode):
    q = 0 if mode == "quick" else 1
    return (f"teacher–student N = {_n(mode)}, α = {ALPHA:g}, {INSTANCES['ts'][q]} instances × {len(ALGOS)} algorithms; "
            f"digits {INSTANCES['digits'][q]} random splits (P = {P_TRAIN} train, 1767 test) × {len(DIGITS_ALGOS)} "
            f"algorithms, {by_mode(mode, 200, 1000)} flip draws")


FIGURE = register(Figure(
    key="F8", name="flatness_generalization", title="Flatness vs generalization",
    establishes="Across algorithms, the solutions of larger local entropy and lower local energy have lower test "
                "error (teacher–student binary perceptron, a, b). On real data (the digits, even vs odd, binarized) "
                "the binary-weight perceptron is not convex: eight algorithms reach zero training error on the same "
                "30 training patterns at different solutions. Within each random split the flattest and the "
                "sharpest of them (flip local energy, averaged over 1–5 flipped weights) are paired; (c) shows "
                "their gaps per split (above 0: the flatter has the lower test error), (d) every solution relative "
                "to its split.",
    parts=parts, plot=plot, check=check,
    sizes={mode: _size_text(mode) for mode in ("quick", "full")},
    notes="Digits protocol: one task per split, all algorithms on the same patterns, the same flips for every "
          "solution; the sign test is one-sided (H1: the flatter wins with probability > 1/2), ties in test error "
          "are dropped, and its power is computed from the binomial distribution for the number of untied splits of "
          "this run. The pairs are solutions of different algorithms, so the test asks whether flatness ranks them, "
          "not why; a split enters when at least two algorithms reach zero training error on it (their counts are in "
          "the legend of d). Earlier versions compared SGD points of a convex single-layer model (one minimizer per γ), "
          "which cannot test the claim."))

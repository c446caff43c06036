"""The figures F1–F11: sweep specs (quick and full), plot builder, claim check.

Figure list: paper_digest.md §5 (F1–F8) and flatness_digest.md (F9 asymmetric valleys, F10
reparametrization, F11 the model without wide flat minima). Each claim below is what the figure establishes,
checked on the records of the run; where a claim of the papers does not reproduce at the sizes used, the
figure's ``notes`` say so and the check states what the numbers do show.
"""
from __future__ import annotations

import json

import numpy as np

from .. import plotting
from .core import Claim, Figure, register


def _q(mode, quick, full):
    return quick if mode == "quick" else full


def _row(df, **eq):
    m = np.ones(len(df), bool)
    for k, v in eq.items():
        m &= np.isclose(df[k].astype(float), v) if isinstance(v, float) else (df[k] == v).to_numpy()
    sub = df[m]
    if len(sub) == 0:
        raise LookupError(f"no record with {eq}")
    return sub.iloc[0]


def _interp_root(x, y):
    """x where y crosses 0 (last sign change, linear interpolation); NaN if none."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    s = np.nonzero(np.sign(y[:-1]) != np.sign(y[1:]))[0]
    if not s.size:
        return float("nan")
    i = s[-1]
    return float(x[i] - y[i] * (x[i + 1] - x[i]) / (y[i + 1] - y[i]))


def _safe(fn):
    """Claims computed from missing records become a failing claim naming the problem, not a crash."""

    def wrapped(data, mode):
        try:
            return fn(data, mode)
        except (LookupError, ValueError, IndexError) as exc:
            return [Claim(f"records needed by the checks are present", False, f"{type(exc).__name__}: {exc}")]

    wrapped.__doc__ = fn.__doc__
    return wrapped


# ----------------------------------------------------------------------------------------------------------
# F1 theory


def _f1_parts(mode):
    pts = _q(mode, 21, 81)
    return {
        "entropy": {"experiment": "fig-theory", "params": {"quantity": "entropy", "lo": 0.01, "hi": 1.0,
                                                            "points": pts}, "grid": {"kappa": [0.0, 0.5]}},
        "binary_capacity": {"experiment": "fig-theory", "params": {"quantity": "binary_capacity", "lo": -1.0,
                                                                    "hi": 1.0, "points": pts}},
        "spherical_capacity": {"experiment": "fig-theory", "params": {"quantity": "spherical_capacity",
                                                                       "lo": -1.0, "hi": 1.0, "points": pts}},
    }


@_safe
def _f1_check(data, mode):
    e = _row(data["entropy"], kappa=0.0)
    x, y = np.asarray(e["x"]), np.asarray(e["y"])
    a_root = _interp_root(x, y)
    b = data["binary_capacity"].iloc[0]
    s = data["spherical_capacity"].iloc[0]
    bx, by = np.asarray(b["x"]), np.asarray(b["y"])
    sx, sy = np.asarray(s["x"]), np.asarray(s["y"])
    ab0 = float(np.interp(0.0, bx, by))
    as0 = float(np.interp(0.0, sx, sy))
    common = np.intersect1d(np.round(bx, 9), np.round(sx, 9))
    below = all(np.interp(k, bx, by) < np.interp(k, sx, sy) for k in common)
    return [
        Claim("s(α) → ln 2 as α → 0", abs(y[0] - np.log(2)) < 0.011, f"s({x[0]:g}) = {y[0]:.4f}, ln 2 = 0.6931"),
        Claim("s(α) decreases and vanishes at α_c = 0.833 (Krauth–Mézard)",
              bool(np.all(np.diff(y) < 0)) and abs(a_root - 0.8331) < 0.005, f"root of s: {a_root:.4f}"),
        Claim("binary α_c(0) = 0.833", abs(ab0 - 0.8331) < 0.005, f"{ab0:.4f}"),
        Claim("spherical α_c(0) = 2 (Gardner/Cover)", abs(as0 - 2.0) < 0.01, f"{as0:.4f}"),
        Claim("α_c(κ) decreases with κ; binary below spherical at every κ",
              bool(np.all(np.diff(by) < 0) and np.all(np.diff(sy) < 0) and below), f"{common.size} common κ"),
    ]


register(Figure(
    key="F1", name="theory", title="Replica theory of the binary and spherical perceptron",
    establishes="RS entropy of the binary perceptron s(α) falls from ln 2 to 0 at α_c = 0.833; α_c(κ) binary "
                "(Krauth–Mézard) lies below Gardner's spherical α_c(κ) (= 2 at κ = 0).",
    parts=_f1_parts, plot=plotting.fig1, check=_f1_check,
    sizes={"quick": "21 points per curve", "full": "81 points per curve"}))


# ----------------------------------------------------------------------------------------------------------
# F2 Franz–Parisi, typical references

F2_ALPHAS = [0.3, 0.5, 0.6, 0.7]


def _f2_parts(mode):
    return {"fp": {"experiment": "fig-franz-parisi",
                   "params": {"kappa_ref": 0.0, "d_min": 1e-3, "points": _q(mode, 14, 40),
                              "n_quad": _q(mode, 32, 64)},
                   "grid": {"alpha": F2_ALPHAS}}}


@_safe
def _f2_check(data, mode):
    df = data["fp"].sort_values("alpha")
    claims = []
    viol = max(float(np.max(np.asarray(r["V"]) - np.asarray(r["H"]))) for _, r in df.iterrows())
    claims.append(Claim("V(d) ≤ H(d) everywhere", viol < 1e-6, f"max V − H = {viol:.2g}"))
    gaps = [abs(float(np.asarray(r["V"])[-1]) - r["s_rs"]) for _, r in df.iterrows()]
    claims.append(Claim("V at the typical distance equals the RS entropy s(α)", max(gaps) < 5e-3,
                        f"max |V(d_typ) − s| = {max(gaps):.1e}"))
    ds = {float(r["alpha"]): float(r["d_star"]) for _, r in df.iterrows()}
    iso = [a for a in (0.5, 0.6, 0.7) if ds.get(a, 0) > 0]
    claims.append(Claim("typical solutions are isolated: V(d) < 0 for d < d*(α) at α = 0.5, 0.6, 0.7",
                        len(iso) == 3, "d* = " + ", ".join(f"{a:g}: {d:.4f}" for a, d in ds.items())))
    seq = [ds[a] for a in (0.5, 0.6, 0.7) if a in ds]
    claims.append(Claim("the isolation radius d* grows with α", len(seq) == 3 and bool(np.all(np.diff(seq) > 0)),
                        ", ".join(f"{s:.4f}" for s in seq)))
    return claims


register(Figure(
    key="F2", name="franz_parisi_typical", title="Local entropy around typical solutions (RS Franz–Parisi)",
    establishes="Typical solutions of the binary perceptron are isolated: the Franz–Parisi local entropy is "
                "negative below an isolation radius d*(α) that grows with α, far below the bound H(d).",
    parts=_f2_parts, plot=plotting.fig2, check=_f2_check,
    sizes={"quick": "14 distances, 32-node quadrature", "full": "40 distances, 64-node quadrature"}))


# ----------------------------------------------------------------------------------------------------------
# F3 Franz–Parisi, high-margin references

F3_KAPPAS = [0.0, 0.1, 0.2, 0.3, 0.4]


def _f3_parts(mode):
    return {"fp": {"experiment": "fig-franz-parisi",
                   "params": {"alpha": 0.5, "d_min": 1e-3, "points": _q(mode, 14, 40), "n_quad": _q(mode, 32, 64)},
                   "grid": {"kappa_ref": F3_KAPPAS}}}


@_safe
def _f3_check(data, mode):
    df = data["fp"].sort_values("kappa_ref")
    r0 = [float(np.asarray(r["V"])[0] / np.asarray(r["H"])[0]) for _, r in df.iterrows()]
    dmin = [float(np.asarray(r["d"])[0]) for _, r in df.iterrows()]
    ks = df["kappa_ref"].tolist()
    detail = ", ".join(f"κ̃={k:g}: {v:.3f} (d={d:.1e})" for k, v, d in zip(ks, r0, dmin))
    return [
        Claim("V/H(d) at the smallest d increases with the reference margin κ̃ (up to saturation at 1)",
              bool(np.all(np.diff(r0) > -1e-3)) and r0[-1] > r0[0], detail),
        Claim("κ̃ = 0 reference is isolated (V < 0 at small d); κ̃ = 0.4 (κ_max = 0.418) has V/H > 0.5 there",
              r0[0] < 0 and r0[-1] > 0.5, f"{r0[0]:.3f}, {r0[-1]:.3f}"),
    ]


register(Figure(
    key="F3", name="franz_parisi_margin", title="Local entropy around high-margin references",
    establishes="Around references of large margin κ̃ (α = 0.5, κ_max = 0.418) the local entropy of "
                "zero-margin solutions approaches the bound H(d) at small d: high-margin solutions sit in wide "
                "flat regions.",
    parts=_f3_parts, plot=plotting.fig3, check=_f3_check,
    sizes={"quick": "14 distances, 32-node quadrature", "full": "40 distances, 64-node quadrature"}))


# ----------------------------------------------------------------------------------------------------------
# F4 local entropy of the solutions found by each algorithm

#: (method, options) of the algorithms of F4/F5; SA on the error loss gets a long schedule (it is the foil)
ALGORITHMS = [
    ("fbp", {}),
    ("rsgd", {}),
    ("replicated-sa", {"max_sweeps": 2000}),
    ("sa-ce", {}),
    ("greedy", {}),
    ("sa", {"max_sweeps": 5000}),
]
F4_GAMMAS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0]


def available(algos):
    """The (method, options) pairs whose method is registered now (the others are listed in the notes)."""
    from ..solvers import methods

    have = methods()
    return [(m, o) for m, o in algos if m in have]


def missing(algos):
    from ..solvers import methods

    have = methods()
    return [m for m, _ in algos if m not in have]


def _zip_methods(algos, n_big=None):
    ms, os_ = [], []
    for m, o in algos:
        o = dict(o)
        if n_big and m == "sa" and n_big > 500:
            o["max_sweeps"] = 50000
        ms.append(m)
        os_.append(json.dumps(o, sort_keys=True))
    return {"method": ms, "options": os_}


F4_ALPHA = 0.4


def _f4_parts(mode):
    n = _q(mode, 201, 1001)
    algos = available(ALGORITHMS)
    return {
        "bp": {"experiment": "fig-solve-measure", "seeds": _q(mode, 2, 8),
               "params": {"model": "perceptron", "n": n, "alpha": F4_ALPHA, "local_entropy": "bp",
                          "gammas": F4_GAMMAS},
               "zip": _zip_methods(algos, n)},
        "exact": {"experiment": "fig-solve-measure", "seeds": _q(mode, 8, 40),
                  "params": {"model": "perceptron", "n": 25, "alpha": 0.6, "local_entropy": "exact"},
                  "zip": _zip_methods(algos + [("uniform", {})])},
        "theory": {"experiment": "fig-franz-parisi",
                   "params": {"alpha": F4_ALPHA, "d_min": 1e-3, "points": _q(mode, 14, 30), "n_quad": _q(mode, 32, 48)},
                   "grid": {"kappa_ref": [0.0, 0.45]}},
        "maxle": {"experiment": "fig-fbp-max-local-entropy", "seeds": _q(mode, 1, 4),
                  "params": {"n": n, "alpha": F4_ALPHA}},
    }


def mean_by_gamma(rows, x="d", y="s"):
    """Average BP local-entropy curves over seeds at each γ of the common grid: (d̄, s̄, sem of s, count)."""
    acc = {}
    for _, r in rows.iterrows():
        for g, dv, sv in zip(np.asarray(r["gamma"]), np.asarray(r[x]), np.asarray(r[y])):
            acc.setdefault(round(float(g), 9), []).append((dv, sv))
    gs = sorted(acc)
    d = np.array([np.mean([a for a, _ in acc[g]]) for g in gs])
    s = np.array([np.mean([b for _, b in acc[g]]) for g in gs])
    se = np.array([np.std([b for _, b in acc[g]]) / np.sqrt(len(acc[g])) for g in gs])
    c = np.array([len(acc[g]) for g in gs])
    return d, s, se, c


def s_at(d, s, d0):
    """Local entropy at distance d0, by linear interpolation in log d (NaN outside the range)."""
    d, s = np.asarray(d, float), np.asarray(s, float)
    ok = (d > 0) & np.isfinite(s)
    d, s = d[ok], s[ok]
    if d.size < 2 or d0 < d.min() or d0 > d.max():
        return float("nan")
    o = np.argsort(d)
    return float(np.interp(np.log(d0), np.log(d[o]), s[o]))


def ball_entropy(rows, n, radius):
    """Mean over records of (1/N) ln #(solutions at distance 1..radius) from exact distance counts."""
    vals = []
    for _, r in rows.iterrows():
        d, s = np.asarray(r["d"]), np.asarray(r["s"])
        k = np.rint(d * n).astype(int)
        cnt = np.exp(s * n)
        sel = (k >= 1) & (k <= radius)
        vals.append(np.log1p(cnt[sel].sum()) / n)
    return float(np.mean(vals)) if vals else float("nan"), len(vals)


F4_D0 = 0.01


@_safe
def _f4_check(data, mode):
    bp = data["bp"]
    claims = []
    vals = {}
    for m in bp["method"].unique():
        rows = bp[(bp["method"] == m) & bp["solved"].astype(bool)]
        if len(rows):
            d, s, _, _ = mean_by_gamma(rows)
            vals[m] = s_at(d, s, F4_D0)
    det = ", ".join(f"{k}: {v:.4f}" for k, v in vals.items())
    claims.append(Claim(f"fBP solutions have a larger local entropy than SA-on-error solutions at d = {F4_D0}",
                        vals.get("fbp", np.nan) > vals.get("sa", np.nan), det + " (nan: no solution found)"))
    th = data["theory"]
    typ = _row(th, kappa_ref=0.0)
    v_typ = s_at(typ["d"], typ["V"], F4_D0)
    claims.append(Claim("the fBP curve lies far above the typical-solution (Franz–Parisi) curve at small d",
                        vals.get("fbp", np.nan) > v_typ + 0.005, f"fBP {vals.get('fbp', np.nan):.4f} vs V {v_typ:.4f}"))
    viol = max((float(np.max(np.asarray(r["s"]) - plotting.binary_entropy_bound(np.asarray(r["d"]))))
                for _, r in bp.iterrows() if np.size(r["s"])), default=np.nan)
    # the bound holds for the true local entropy; BP (Bethe) is an approximation at finite N, off by O(1/N)
    claims.append(Claim("every BP local-entropy curve is below H(d) (to 1e-3: BP is approximate at finite N)",
                        viol < 1e-3, f"max S − H = {viol:.2g}"))
    ex = data["exact"]
    ball = {m: ball_entropy(ex[(ex["method"] == m) & ex["solved"].astype(bool)], 25, 3)[0]
            for m in ex["method"].unique()}
    best = max((v for k, v in ball.items() if k not in ("uniform", "sa") and np.isfinite(v)), default=np.nan)
    claims.append(Claim("N = 25 (exact): the entropic algorithms' solutions have more solutions within distance "
                        "3/N than uniformly sampled (typical) ones", best > ball.get("uniform", np.nan),
                        ", ".join(f"{k}: {v:.4f}" for k, v in ball.items())))
    return claims


register(Figure(
    key="F4", name="algorithms_local_entropy", title="Local entropy of the solutions found by each algorithm",
    establishes="Entropy-driven algorithms (fBP, rSGD, SA on cross-entropy) find solutions inside dense regions "
                "(BP local entropy close to H(d) at small d, far above the isolated typical solutions of the "
                "Franz–Parisi curve); SA on the error loss, when it finds a solution, finds much narrower ones.",
    parts=_f4_parts, plot=lambda data, mode: plotting.fig4(data, mode), check=_f4_check,
    sizes={"quick": "N = 201, α = 0.4, 2 instances; exact: N = 25, α = 0.6, 8 instances",
           "full": "N = 1001, α = 0.4, 8 instances; exact: N = 25, α = 0.6, 40 instances"}))


# ----------------------------------------------------------------------------------------------------------
# F5 success probability vs α

F5_ALGOS = [("fbp", {}), ("rsgd", {}), ("replicated-sa", {"max_sweeps": 2000}), ("sa-ce", {}), ("greedy", {}),
            ("sbpi", {}), ("sa", {"max_sweeps": 5000})]


def _f5_parts(mode):
    algos = available(F5_ALGOS)
    parts = {}
    for n in _q(mode, [101], [201, 401, 1001]):
        parts[f"n{n}"] = {"experiment": "fig-solve-measure", "seeds": _q(mode, 4, 20 if n < 1000 else 8),
                          "params": {"model": "perceptron", "n": n},
                          "grid": {"alpha": _q(mode, [0.5, 0.7], [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75])},
                          "zip": _zip_methods(algos)}
    return parts


def success_table(df):
    """{method: (alphas, success fraction, count)} from solve records."""
    out = {}
    for m in df["method"].unique():
        sub = df[df["method"] == m]
        g = sub.groupby("alpha")["solved"].agg(["mean", "count"]).sort_index()
        out[m] = (g.index.to_numpy(float), g["mean"].to_numpy(float), g["count"].to_numpy(int))
    return out


@_safe
def _f5_check(data, mode):
    key = min(data, key=lambda k: int(k[1:]))
    n = key[1:]
    tab = success_table(data[key])
    claims = []
    mono = {m: bool(p[0] >= p[-1]) for m, (a, p, c) in tab.items()}
    claims.append(Claim(f"success probability does not grow from the smallest to the largest α (N = {n})",
                        all(mono.values()), ", ".join(f"{m}: {p[0]:.2f}→{p[-1]:.2f}" for m, (a, p, c) in tab.items())))
    amax = max(float(a[-1]) for a, p, c in tab.values())
    top = {m: float(p[np.isclose(a, amax)][0]) for m, (a, p, c) in tab.items() if np.any(np.isclose(a, amax))}
    claims.append(Claim(f"at the largest α = {amax:g} (N = {n}) fBP succeeds more often than SA on the error loss",
                        top.get("fbp", -1) > top.get("sa", 2), ", ".join(f"{m}: {v:.2f}" for m, v in top.items())))
    return claims


register(Figure(
    key="F5", name="success_probability", title="Success probability vs α per algorithm",
    establishes="Entropy-driven algorithms (fBP, rSGD, SA on CE, SBPI) solve the binary perceptron up to large "
                "α, while SA on the error loss fails already at moderate α; the gap widens with N.",
    parts=_f5_parts, plot=lambda data, mode: plotting.fig5(data, mode), check=_f5_check,
    sizes={"quick": "N = 101, α ∈ {0.5, 0.7}, 4 instances", "full": "N = 201, 401 (20 instances), 1001 (8 instances), 8 values of α"}))

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
        except (LookupError, ValueError, IndexError, TypeError, KeyError) as exc:
            return [Claim("records needed by the checks are present", False, f"{type(exc).__name__}: {exc}")]

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

#: replicated SA with its schedule written out (its defaults changed during development; the options are part of
#: the task hash, so writing them out keeps stored records of an older schedule from being reused)
RSA = {"y": 7, "coupling0": 0.05, "coupling1": 1.0, "beta0": 1.0, "beta1": 10.0}

#: (method, options) of the algorithms of F4/F5; SA on the error loss gets a long schedule (it is the foil)
ALGORITHMS = [
    ("fbp", {}),
    ("rsgd", {}),
    ("replicated-sa", {**RSA, "max_sweeps": 2000}),
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
        "bp": {"experiment": "fig-solve-measure", "seeds": _q(mode, 2, 4),
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
    n_sa = int(bp[(bp["method"] == "sa")]["solved"].astype(bool).sum())
    fbp, sa = vals.get("fbp", np.nan), vals.get("sa", np.nan)
    claims.append(Claim(f"fBP solutions have a larger local entropy than SA-on-error solutions at d = {F4_D0} "
                        "(or SA on the error loss finds no solution at all)",
                        np.isfinite(fbp) and (n_sa == 0 or fbp > sa),
                        det + f"; SA on error solved {n_sa} of {int((bp['method'] == 'sa').sum())}"))
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
           "full": "N = 1001, α = 0.4, 4 instances; exact: N = 25, α = 0.6, 40 instances"}))


# ----------------------------------------------------------------------------------------------------------
# F5 success probability vs α

F5_ALGOS = [("fbp", {}), ("rsgd", {}), ("replicated-sa", {**RSA, "max_sweeps": 2000}), ("sa-ce", {}), ("greedy", {}),
            ("sbpi", {}), ("sa", {"max_sweeps": 5000})]


def _f5_parts(mode):
    algos = available(F5_ALGOS)
    parts = {}
    for n in _q(mode, [101], [201, 401, 1001]):
        parts[f"n{n}"] = {"experiment": "fig-solve-measure", "seeds": _q(mode, 4, 20 if n < 1000 else 8),
                          "params": {"model": "perceptron", "n": n},
                          "grid": {"alpha": _q(mode, [0.5, 0.6, 0.7, 0.75], [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75])},
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
    sizes={"quick": "N = 101, α ∈ {0.5, 0.6, 0.7, 0.75}, 4 instances", "full": "N = 201, 401 (20 instances), 1001 (8 instances), 8 values of α"}))


# ----------------------------------------------------------------------------------------------------------
# F6 sign vs ReLU tree committees

F6_ALGOS = [("sa-ce", {}), ("replicated-sa", {**RSA, "max_sweeps": 1000}), ("sa", {"max_sweeps": 5000})]
F6_FLIPS = [0.005, 0.01, 0.02, 0.04, 0.08]
F6_D0 = 0.02


def _f6_parts(mode):
    parts = {}
    for m, o in available(F6_ALGOS):
        parts[m] = {"experiment": "fig-solve-measure", "seeds": _q(mode, 3, 12),
                    "params": {"alpha": 0.3, "method": m, "options": json.dumps(o, sort_keys=True),
                               "flips": F6_FLIPS, "n_draws": _q(mode, 30, 100)},
                    "zip": {"model": ["tree-sign", "tree-relu"], "n": _q(mode, [93, 124], [303, 404]), "k": [3, 4]}}
    return parts


def local_energy_at(rows, d0):
    vals = [float(np.interp(d0, np.asarray(r["flip_d"]), np.asarray(r["flip_error"])))
            for _, r in rows.iterrows() if np.size(r["flip_d"])]
    return (float(np.mean(vals)) if vals else float("nan")), len(vals)


@_safe
def _f6_check(data, mode):
    res = {}
    for m, df in data.items():
        ok = df[df["solved"].astype(bool)]
        res[m] = {mod: local_energy_at(ok[ok["model"] == mod], F6_D0)[0] for mod in ("tree-sign", "tree-relu")}
    det = "; ".join(f"{m}: sign {v['tree-sign']:.3f}, ReLU {v['tree-relu']:.3f}" for m, v in res.items())
    sign = float(np.mean([v["tree-sign"] for v in res.values()]))
    relu = float(np.mean([v["tree-relu"] for v in res.values()]))
    return [Claim(f"averaged over the algorithms, ReLU committee solutions are more robust to weight flips than sign "
                  f"committee solutions (lower local energy at d = {F6_D0})", relu < sign,
                  f"mean sign {sign:.3f}, ReLU {relu:.3f}; " + det)]


register(Figure(
    key="F6", name="sign_vs_relu", title="Sign vs ReLU tree committees: local energy of the solutions found",
    establishes="At equal α and receptive field, the solutions that the same algorithms find in ReLU tree "
                "committees are more robust to random weight flips than in sign committees (denser regions, PRL 2019).",
    parts=_f6_parts, plot=lambda data, mode: plotting.fig6(data, mode), check=_f6_check,
    sizes={"quick": "α = 0.3, sign K = 3 N = 93, ReLU K = 4 N = 124 (31 inputs per unit), 3 instances",
           "full": "α = 0.3, sign K = 3 N = 303, ReLU K = 4 N = 404 (101 inputs per unit), 12 instances"},
    notes="Local energy (flip robustness) is used because BP local entropy is implemented for sign units only. "
          "At the quick size replicated SA (y = 7) finds sign and ReLU solutions about equally robust; at the full "
          "size ReLU is more robust for all three algorithms."))


# ----------------------------------------------------------------------------------------------------------
# F7 cross-entropy minimizers

F7_GAMMAS_BIN = [0.5, 1.0, 2.0, 5.0, 20.0]
F7_GAMMAS_SPH = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
F7_SIGMAS = [0.05, 0.1, 0.2, 0.3, 0.5]


def _f7_parts(mode):
    n = _q(mode, 201, 1001)
    return {
        "binary": {"experiment": "fig-solve-measure", "seeds": _q(mode, 2, 4),
                   "params": {"model": "perceptron", "n": n, "alpha": 0.4, "method": "sa-ce", "local_entropy": "bp",
                              "gammas": F4_GAMMAS, "flips": [0.01, 0.02, 0.05], "n_draws": 50},
                   "grid": {"options": [json.dumps({"ce_gamma0": g, "ce_gamma1": g}) for g in F7_GAMMAS_BIN]}},
        "sphere": {"experiment": "fig-continuous", "seeds": _q(mode, 3, 10),
                   "params": {"model": "perceptron", "n": n, "alpha": 1.0, "method": "sgd-ce", "sigmas": F7_SIGMAS},
                   "grid": {"options": [json.dumps({"gamma": g, "gamma_factor": 1.0, "shrink_epochs": 100,
                                                    "shrink_factor": 0.999}) for g in F7_GAMMAS_SPH]}},
        "norm": {"experiment": "fig-continuous", "seeds": _q(mode, 4, 16),
                 "params": {"model": "perceptron", "n": n, "alpha": 1.0, "method": "sgd-ce", "sigmas": F7_SIGMAS},
                 "grid": {"options": [json.dumps({"norm": "free"}),
                                      json.dumps({"norm": "free", "shrink_epochs": 200})]}},
    }


def option(df, key, default=None):
    return df["options"].map(lambda s: json.loads(s).get(key, default) if s else default)


@_safe
def _f7_check(data, mode):
    claims = []
    sph = data["sphere"].copy()
    sph["g_ce"] = option(sph, "gamma")
    sph = sph[sph["solved"].astype(bool)]
    g = sph.groupby("g_ce")
    kap = g["kappa_min"].mean()
    le = g["le_error"].apply(lambda s: float(np.mean([np.asarray(v)[3] for v in s])))
    claims.append(Claim("spherical perceptron: the CE minimizer at moderate γ has a lower local energy (σ = 0.3) than at "
                        "large γ, although large γ (the max-margin limit) has the larger smallest stability κ_min",
                        len(kap) >= 2 and le.iloc[0] < le.iloc[-1] and kap.iloc[0] < kap.iloc[-1],
                        f"γ={kap.index[0]:g}: κ_min {kap.iloc[0]:.3f}, local energy {le.iloc[0]:.4f}; "
                        f"γ={kap.index[-1]:g}: κ_min {kap.iloc[-1]:.3f}, local energy {le.iloc[-1]:.4f}; "
                        f"solved at γ = {', '.join(f'{x:g}' for x in kap.index)}"))
    nm = data["norm"].copy()
    nm["shrink"] = option(nm, "shrink_epochs", 0).astype(int) > 0
    nm = nm[nm["solved"].astype(bool)]
    a = nm.groupby("shrink")["kappa_min"].mean()
    b = nm.groupby("shrink")["le_error"].apply(lambda s: float(np.mean([np.asarray(v)[3] for v in s])))
    claims.append(Claim("SGD on CE with slow norm reduction ends in flatter minima than plain SGD (larger κ_min, "
                        "lower local energy at σ = 0.3)", a[True] > a[False] and b[True] < b[False],
                        f"κ_min {a[True]:.3f} vs {a[False]:.3f}; local energy {b[True]:.4f} vs {b[False]:.4f}"))
    bn = data["binary"].copy()
    bn["g_ce"] = option(bn, "ce_gamma0")
    vals = {}
    for gm, rows in bn[bn["solved"].astype(bool)].groupby("g_ce"):
        d, s, _, _ = mean_by_gamma(rows)
        vals[float(gm)] = s_at(d, s, F4_D0)
    ks = sorted(vals)
    from ..theory import franz_parisi

    typ = float(franz_parisi(0.4, [F4_D0], n_z=32, n_x=32, n_eta=21).local_entropy[0])
    claims.append(Claim(f"binary perceptron, SA on CE at every fixed γ finds solutions whose local entropy at d = {F4_D0} "
                        f"is above the typical (Franz–Parisi) value {typ:.4f}",
                        len(ks) >= 2 and min(vals.values()) > typ,
                        ", ".join(f"γ={k:g}: {vals[k]:.4f}" for k in ks)))
    return claims


register(Figure(
    key="F7", name="cross_entropy", title="Cross-entropy minimizers: flatness vs γ and norm reduction",
    establishes="Minimizers of the cross-entropy at moderate γ (equivalently small norm) are flat — large "
                "local entropy, large margins, low local energy — and SGD that slowly shrinks the norm reaches them; "
                "plain SGD (norm grows, γ_eff → ∞) stops at sharp solutions.",
    parts=_f7_parts, plot=lambda data, mode: plotting.fig7(data, mode), check=_f7_check,
    sizes={"quick": "N = 201; binary α = 0.4 (2 instances); spherical α = 1 (3–4 instances)",
           "full": "N = 1001; binary α = 0.4 (4 instances); spherical α = 1 (10–16 instances)"},
    notes="Binary SA-CE: the local entropy decreases with γ at N = 1001 (full) but not visibly at N = 201 (quick, "
          "2 instances), so the claim test only checks that every γ beats the typical value. Sphere: larger γ gives "
          "larger κ_min (the CE minimizer tends to the max-margin solution) yet a higher local energy; SGD at fixed "
          "γ ≤ 1 does not reach zero training error at α = 1."))


# ----------------------------------------------------------------------------------------------------------
# F8 flatness vs generalization

F8_ALGOS = ALGORITHMS + [("sa-ce", {"ce_gamma0": 20.0, "ce_gamma1": 20.0}), ("sbpi", {}), ("perceptron", {})]


def _f8_parts(mode):
    n = _q(mode, 201, 1001)
    algos = available(F8_ALGOS)
    return {
        "ts": {"experiment": "fig-solve-measure", "seeds": _q(mode, 2, 4),
               "params": {"model": "perceptron", "n": n, "alpha": 0.6, "teacher": True, "p_test": 2000,
                          "local_entropy": "bp", "gammas": F4_GAMMAS, "flips": [0.01, 0.02, 0.05], "n_draws": 50},
               "zip": _zip_methods(algos, n)},
        "digits": {"experiment": "fig-continuous", "seeds": _q(mode, 2, 6),
                   "params": {"model": "perceptron", "data": "digits", "method": "sgd-ce", "sigmas": F7_SIGMAS},
                   "grid": {"options": [json.dumps({"gamma": g, "gamma_factor": 1.0, "max_epochs": 60})
                                        for g in (0.25, 1.0, 4.0, 16.0)]
                            + [json.dumps({"norm": "free", "max_epochs": 60})]}},
    }


def spearman(x, y):
    from scipy import stats

    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 4:
        return float("nan")
    return float(stats.spearmanr(x[ok], y[ok]).statistic)


def f8_table(df):
    """Per solved record: local entropy at d = 0.01, local energy at d = 0.02, test error."""
    rows = df[df["solved"].astype(bool)]
    le = [s_at(r["d"], r["s"], F4_D0) if np.size(r["d"]) else np.nan for _, r in rows.iterrows()]
    en = [float(np.interp(0.02, r["flip_d"], r["flip_error"])) if np.size(r["flip_d"]) else np.nan
          for _, r in rows.iterrows()]
    return rows["method"].to_numpy(), np.array(le), np.array(en), rows["test_error"].to_numpy(float)


@_safe
def _f8_check(data, mode):
    m, le, en, te = f8_table(data["ts"])
    r1, r2 = spearman(le, te), spearman(en, te)
    return [
        Claim("teacher–student: flatter solutions generalize better (Spearman ρ(local entropy, test error) < 0 and "
              "ρ(local energy, test error) > 0)", r1 < 0 and r2 > 0,
              f"ρ_LE = {r1:.2f}, ρ_energy = {r2:.2f} over {np.isfinite(le).sum()} solutions"),
    ]


register(Figure(
    key="F8", name="flatness_generalization", title="Flatness vs generalization",
    establishes="Across algorithms, solutions with larger local entropy and lower local energy have lower test "
                "error (teacher–student binary perceptron); on the digits data the same measures and the Hessian "
                "are set against test error with rank correlations.",
    parts=_f8_parts, plot=lambda data, mode: plotting.fig8(data, mode), check=_f8_check,
    sizes={"quick": "teacher–student N = 201, α = 0.6, 2 instances × 9 algorithms; digits 2 splits × 5 settings",
           "full": "teacher–student N = 1001, α = 0.6, 4 instances × 9 algorithms; digits 6 splits × 5 settings"},
    notes="Digits (continuous perceptron trained by SGD on CE with different γ / free norm; the task is not "
          "separable): the rank correlations of local energy and λ_max with test error are shown in the panel "
          "titles; they are ≈ 0 (full: −0.06, 0.04) and not claimed."))


# ----------------------------------------------------------------------------------------------------------
# F9 asymmetric valleys

F9_KINDS = ["gaussian", "tangential", "sign_consistent", "uniform01", "filter_normalized"]


def _f9_parts(mode):
    return {"valleys": {"experiment": "fig-valleys", "seeds": _q(mode, 2, 8),
                        "params": {"n": _q(mode, 40, 100), "k": _q(mode, 4, 6), "alpha": 1.0, "data": "teacher",
                                   "steps": _q(mode, 4000, 20000), "n_dirs": _q(mode, 40, 100), "kinds": F9_KINDS}}}


@_safe
def _f9_check(data, mode):
    df = data["valleys"]
    fa = {k: float(df[f"frac_asym_{k}"].mean()) for k in F9_KINDS}
    ff = {k: float(np.nanmean(df[f"frac_flat_{k}"])) for k in F9_KINDS}
    return [
        Claim("directions with a non-zero mean (sign-consistent) are asymmetric more often than isotropic Gaussian ones",
              fa["sign_consistent"] > fa["gaussian"], ", ".join(f"{k}: {v:.2f}" for k, v in fa.items())),
        Claim("along sign-consistent directions (nearly radial) SWA lies on the sharp side: averaging shrinks the "
              "weights (fraction on the flat side < 0.2)",
              ff["sign_consistent"] < 0.2, ", ".join(f"{k}: {v:.2f}" for k, v in ff.items())),
    ]


register(Figure(
    key="F9", name="asymmetric_valleys", title="Asymmetric valleys of a two-layer ReLU net",
    establishes="Profiles of the training loss along random direction families around an SGD solution: how many "
                "are asymmetric per family, and whether stochastic weight averaging moves toward the flat side.",
    parts=_f9_parts, plot=lambda data, mode: plotting.fig9(data, mode), check=_f9_check,
    sizes={"quick": "N = 40, K = 4 (fully connected, trainable v), α = 1, teacher data, 2 runs × 40 directions",
           "full": "N = 100, K = 6, α = 1, teacher data, 8 runs × 100 directions"},
    notes="Not reproduced: the bias of SWA toward the flat side of asymmetric valleys (He et al. 2019) — for "
          "Gaussian directions the fraction on the flat side is about or below 0.5 at this scale."))


# ----------------------------------------------------------------------------------------------------------
# F10 reparametrization

F10_ORBIT = [0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]


def _f10_parts(mode):
    return {"orbit": {"experiment": "fig-reparam", "seeds": _q(mode, 1, 4),
                      "params": {"n": _q(mode, 40, 100), "k": 4, "alpha": 1.0, "steps": _q(mode, 3000, 10000),
                                 "alphas": F10_ORBIT}}}


@_safe
def _f10_check(data, mode):
    df = data["orbit"]
    mult = float(df["ratio_local_energy_mult"].max())
    lam = float(df["ratio_lambda_max"].min())
    loss = float(df["max_loss_change"].max())
    return [
        Claim("the function is unchanged along the orbit (training loss constant to round-off)", loss < 1e-10, f"{loss:.1e}"),
        Claim("the multiplicative local energy is constant along the orbit", mult < 1 + 1e-6, f"max/min = {mult:.8f}"),
        Claim("the top Hessian eigenvalue changes by orders of magnitude (≥ 100×)", lam >= 100, f"max/min ≥ {lam:.0f}"),
    ]


register(Figure(
    key="F10", name="reparametrization", title="Flatness measures along a rescaling orbit",
    establishes="Along (W_k, v_k) → (a W_k, v_k / a) of a trained ReLU committee the function is unchanged: "
                "multiplicative/per-unit local energies and normalized Hessian measures are invariant, while "
                "λ_max, trace, Frobenius norm, ε-sharpness and additive local energy blow up.",
    parts=_f10_parts, plot=lambda data, mode: plotting.fig10(data, mode), check=_f10_check,
    sizes={"quick": "N = 40, K = 4, α = 1, 1 net, a ∈ [0.03, 30]", "full": "N = 100, K = 4, α = 1, 4 nets, a ∈ [0.03, 30]"}))


# ----------------------------------------------------------------------------------------------------------
# F11 the parity machine (no wide flat minima?)

F11_METHODS = ["sa", "replicated-sa", "sa-ce"]  # at their defaults (the same for both models)


def _f11_parts(mode):
    return {
        "success": {"experiment": "fig-solve-measure", "seeds": _q(mode, 3, 20),
                    "params": {"k": 3, "flips": [0.01, 0.02, 0.05], "n_draws": 30},
                    "grid": {"alpha": _q(mode, [0.3, 0.5], [0.1, 0.2, 0.3, 0.4, 0.5]), "method": F11_METHODS},
                    "zip": {"model": ["tree-sign", "parity"], "n": [_q(mode, 153, 303)] * 2}},
        "exact": {"experiment": "fig-solve-measure", "seeds": _q(mode, 6, 40),
                  "params": {"k": 3, "n": 21, "alpha": 0.4, "local_entropy": "exact"},
                  "grid": {"method": ["uniform"] + F11_METHODS},
                  "zip": {"model": ["tree-sign", "parity"]}},
    }


@_safe
def _f11_check(data, mode):
    s = data["success"]
    succ = s.groupby("model")["solved"].mean()
    ex = data["exact"]
    ball = {}
    for mod in ("tree-sign", "parity"):
        for meth in ["uniform"] + F11_METHODS:
            rows = ex[(ex["model"] == mod) & (ex["method"] == meth) & ex["solved"].astype(bool)]
            ball[(mod, meth)] = ball_entropy(rows, 21, 3)[0]
    best_c = max(ball[("tree-sign", m)] for m in F11_METHODS)
    best_p = max(ball[("parity", m)] for m in F11_METHODS)
    return [
        Claim("algorithms solve the tree committee more often than the parity machine at equal α",
              succ.get("tree-sign", 0) > succ.get("parity", 1),
              f"committee {succ.get('tree-sign', np.nan):.2f}, parity {succ.get('parity', np.nan):.2f}"),
        Claim("N = 21 (exact): the solutions found in the committee have more solutions within distance 3/N than "
              "those found in the parity machine", best_c > best_p,
              ", ".join(f"{a}/{b}: {v:.3f}" for (a, b), v in ball.items())),
    ]


register(Figure(
    key="F11", name="parity_machine", title="The parity machine: a device without wide flat minima?",
    establishes="At equal α the parity machine's solutions are harder to find and sit in sparser neighbourhoods "
                "than the sign tree committee's.",
    parts=_f11_parts, plot=lambda data, mode: plotting.fig11(data, mode), check=_f11_check,
    sizes={"quick": "K = 3, N = 153, α ∈ {0.3, 0.5}, 3 instances; exact N = 21, α = 0.4, 6 instances",
           "full": "K = 3, N = 303, α ∈ {0.1…0.5}, 20 instances; exact N = 21, α = 0.4, 40 instances"},
    notes="BP local entropy is not implemented for the parity output; the comparison uses exact enumeration "
          "(N = 21) and flip robustness."))

"""F8 -- flatness vs generalization.

(a, b) Teacher–student binary perceptron: the solutions of nine algorithms, their BP local entropy at d = 0.01
and their flip local energy, against their test error (Baldassi, Pittorino & Zecchina 2020, arXiv:1905.07833).
(c, d) scikit-learn's digits (even vs odd) learned by a continuous perceptron with SGD on the cross-entropy at
several γ or with a free norm: multiplicative local energy (Pittorino et al. 2021, arXiv:2006.07897) and the top
Hessian eigenvalue against test error. Rank correlations are Spearman's ρ.
"""
from __future__ import annotations

import json

import numpy as np

from . import style
from .analysis import option, s_at, solved, spearman
from .core import Claim, Figure, by_mode, register, safe_check
from .shared import ALGORITHMS, BP_GAMMAS, D0, FLIPS, SIGMA0, SIGMAS, available, zip_methods

ALGOS = ALGORITHMS + [("sa-ce", {"ce_gamma0": 20.0, "ce_gamma1": 20.0}), ("sbpi", {}), ("perceptron", {})]
ALPHA = 0.6
P_TEST = 2000
#: the flip fraction of the local energy of panel (b) (one of FLIPS)
FLIP0 = 0.02
DIGITS_GAMMAS = [0.25, 1.0, 4.0, 16.0]
DIGITS_EPOCHS = 60
INSTANCES = {"ts": (2, 4), "digits": (2, 6)}  # (quick, full)


def _n(mode):
    return by_mode(mode, 201, 1001)


def parts(mode):
    n = _n(mode)
    return {
        "ts": {"experiment": "fig-solve-measure", "seeds": by_mode(mode, *INSTANCES["ts"]),
               "params": {"model": "perceptron", "n": n, "alpha": ALPHA, "teacher": True, "p_test": P_TEST,
                          "local_entropy": "bp", "gammas": BP_GAMMAS, "flips": FLIPS, "n_draws": 50},
               "zip": zip_methods(available(ALGOS), n)},
        "digits": {"experiment": "fig-continuous", "seeds": by_mode(mode, *INSTANCES["digits"]),
                   "params": {"model": "perceptron", "data": "digits", "method": "sgd-ce", "sigmas": SIGMAS},
                   "grid": {"options": [{"ce_gamma": g, "ce_gamma_factor": 1.0, "max_epochs": DIGITS_EPOCHS}
                                        for g in DIGITS_GAMMAS]
                            + [{"norm": "free", "max_epochs": DIGITS_EPOCHS}]}},
    }


def table(df):
    """Per solved record: variant key (method + options), local entropy at d = D0, local energy at FLIP0, test error."""
    rows = solved(df)
    key = [f"{m} {json.dumps(o, sort_keys=True)}" for m, o in zip(rows["method"], rows["options"])]
    le = [s_at(r["d"], r["s"], D0) if np.size(r["d"]) else np.nan for _, r in rows.iterrows()]
    en = [float(np.interp(FLIP0, r["flip_d"], r["flip_error"])) if np.size(r["flip_d"]) else np.nan
          for _, r in rows.iterrows()]
    return np.array(key), np.array(le), np.array(en), rows["test_error"].to_numpy(float)


@safe_check
def check(data, mode):
    _, le, en, te = table(data["ts"])
    r1, r2 = spearman(le, te), spearman(en, te)
    return [
        Claim("teacher–student: flatter solutions generalize better (Spearman ρ(local entropy, test error) < 0 and "
              "ρ(local energy, test error) > 0)", r1 < 0 and r2 > 0,
              f"ρ_LE = {r1:.2f}, ρ_energy = {r2:.2f} over {np.isfinite(le).sum()} solutions"),
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
    if len(dg):
        g = option(dg, "ce_gamma")
        labels = [rf"$\gamma$ = {x:g}" if x is not None and np.isfinite(x) else "free norm" for x in g]
        order = sorted(set(labels), key=lambda s_: (s_ == "free norm", float(s_.split("= ")[1]) if "=" in s_ else 0))
        i0 = SIGMAS.index(SIGMA0)
        le_dg = np.array([np.asarray(v)[i0] for v in dg["le_error"]])
        tdg = dg["test_error"].to_numpy(float)
        sty = style.sequence(len(order))
        lab_arr = np.array(labels)
        for st, lab in zip(sty, order):
            s = lab_arr == lab
            kw = dict(color=st["color"], marker=st["marker"], ls="none", ms=7, markerfacecolor="none", markeredgewidth=1.7)
            c.plot(le_dg[s], tdg[s], label=lab, **kw)
            e.plot(dg["lambda_max"].to_numpy(float)[s], tdg[s], **kw)
        style.panel_title(c, "c", rf"digits: Spearman $\rho$ = {spearman(le_dg, tdg):.2f}")
        style.panel_title(e, "d", rf"digits: Spearman $\rho$ = {spearman(dg['lambda_max'], tdg):.2f}")
        style.legend_below(c, ncol=3, y=-0.25, title="digits (even vs odd), continuous perceptron, SGD on CE")
    c.set_xlabel(rf"local energy at $\sigma$ = {SIGMA0:g} (increase of the training error)")
    c.set_ylabel("test error")
    e.set_xlabel(r"Hessian $\lambda_{max}$ (CE at $\gamma$ = 1, weights on the sphere)")
    e.set_ylabel("test error")
    return fig


def _size_text(mode):
    q = 0 if mode == "quick" else 1
    return (f"teacher–student N = {_n(mode)}, α = {ALPHA:g}, {INSTANCES['ts'][q]} instances × {len(ALGOS)} algorithms; "
            f"digits {INSTANCES['digits'][q]} splits × {len(DIGITS_GAMMAS) + 1} settings")


FIGURE = register(Figure(
    key="F8", name="flatness_generalization", title="Flatness vs generalization",
    establishes="Across algorithms, the solutions of larger local entropy and lower local energy have lower test "
                "error (teacher–student binary perceptron, a, b). On the digits data the same measures and the "
                "Hessian are set against the test error (c, d).",
    parts=parts, plot=plot, check=check,
    sizes={mode: _size_text(mode) for mode in ("quick", "full")},
    notes="Digits (a continuous perceptron trained by SGD on the CE at several γ or with a free norm; the task is not "
          "separable): the rank correlations of the local energy and of λ_max with the test error are in the panel "
          "titles and are not claimed."))

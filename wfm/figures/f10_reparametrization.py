"""F10 -- flatness measures along a reparametrization orbit (Dinh, Pascanu, Bengio & Bengio 2017, arXiv:1703.04933).

A trained two-layer ReLU net is rescaled along (W_k, v_k) → (a W_k, v_k / a), which leaves its function unchanged;
every measure of :data:`wfm.landscape.REPARAM_TABLE` is evaluated along the orbit (:func:`wfm.landscape.reparam_report`).
"""
from __future__ import annotations

import numpy as np

from . import style
from .core import Claim, Figure, by_mode, register, safe_check

ORBIT = [0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
K = 4
ALPHA = 1.0
#: a measure is invariant when max/min over the orbit ≤ 1 + INVARIANT_TOL
INVARIANT_TOL = 1e-6
#: the smallest change of λ_max over the orbit that the claim calls "orders of magnitude"
LAMBDA_FACTOR = 100
SIZES = {"quick": dict(n=40, steps=3000, nets=1), "full": dict(n=100, steps=10000, nets=4)}
LABELS = {"train_loss": "training loss", "train_error": "training error", "lambda_max": r"Hessian $\lambda_{max}$",
          "trace": "Hessian trace", "frobenius": "Hessian Frobenius norm", "ws_bound": "Wolkowicz–Styan bound",
          "eps_sharpness": r"$\epsilon$-sharpness", "local_energy_add": "local energy, additive noise",
          "local_energy_mult": "local energy, multiplicative noise",
          "local_energy_err_mult": "local energy (error), multiplicative noise",
          "local_energy_layer": "local energy, per-layer noise", "local_energy_unit": "local energy, per-unit noise",
          "log_hessian_trace": r"$\Sigma_i\, \theta_i^2 H_{ii}$ (log-Hessian trace)",
          "orbit_min_trace": "orbit-minimal Hessian trace", "fisher_rao": "Fisher–Rao norm"}
#: what panel (b) draws for a measure constant to round-off (max/min − 1 = 0 exactly has no logarithm)
FLOOR = 1e-16


def parts(mode):
    z = by_mode(mode, SIZES["quick"], SIZES["full"])
    return {"orbit": {"experiment": "fig-reparam", "seeds": z["nets"],
                      "params": {"n": z["n"], "k": K, "alpha": ALPHA, "steps": z["steps"], "alphas": ORBIT}}}


@safe_check
def check(data, mode):
    df = data["orbit"]
    mult = float(df["ratio_local_energy_mult"].max())
    lam = float(df["ratio_lambda_max"].min())
    loss = float(df["max_loss_change"].max())
    return [
        Claim("the function is unchanged along the orbit (training loss constant to round-off)", loss < 1e-10, f"{loss:.1e}"),
        Claim("the multiplicative local energy is constant along the orbit", mult < 1 + INVARIANT_TOL,
              f"max/min = {mult:.8f}"),
        Claim(f"the top Hessian eigenvalue changes by orders of magnitude (≥ {LAMBDA_FACTOR}×)", lam >= LAMBDA_FACTOR,
              f"max/min ≥ {lam:.0f}"),
    ]


def _pow10(x):
    return rf"$10^{{{int(round(np.log10(x)))}}}$"


def _names(df):
    r = df.iloc[0]
    return [c[len("value_"):] for c in df.columns if c.startswith("value_") and np.ndim(r[c])]


def plot(data, mode):
    df = data["orbit"]
    fig, (a, b) = style.new_figure(2, 1, height=8.2, gridspec_kw={"height_ratios": [1.0, 1.25]})
    if len(df):
        names = _names(df)
        worst = {nm: float(np.nanmax(df[f"ratio_{nm}"].astype(float))) for nm in names}
        varying = [nm for nm in names if worst[nm] > 1 + INVARIANT_TOL]
        sty = dict(zip(varying, style.sequence(len(varying), cmap="viridis")))
        r = df.iloc[0]
        orbit = np.asarray(r["orbit_a"])
        i1 = int(np.argmin(np.abs(orbit - 1)))
        for nm in varying:
            v = np.abs(np.asarray(r[f"value_{nm}"], float))
            if np.all(np.isfinite(v)) and v[i1] > 0:
                a.loglog(orbit, v / v[i1], ms=5, label=LABELS.get(nm, nm), **sty[nm])
        order = sorted(names, key=lambda nm: worst[nm])
        y = np.arange(len(order))
        dev = np.array([max(worst[nm] - 1.0, FLOOR) for nm in order])
        inv = dev <= INVARIANT_TOL
        b.barh(y[inv], dev[inv], color=style.OKABE_ITO["green"], label="invariant")
        b.barh(y[~inv], dev[~inv], color=style.OKABE_ITO["vermillion"], hatch="//", edgecolor="white",
               label="not invariant")
        b.set_yticks(y)
        b.set_yticklabels([LABELS.get(nm, nm) for nm in order])
        b.set_xscale("log")
        b.set_xlim(FLOOR / 3, max(dev.max() * 5, 10))
        style.vline(b, INVARIANT_TOL, rf"invariance threshold {_pow10(INVARIANT_TOL)}", text=True, y=0.02,
                    ha="left", va="bottom", rotation=90)
        style.legend_right(b)
        style.legend_right(a)
    style.hline(a, 1.0, "value at a = 1", text=True, x=0.99, ha="right", va="bottom")
    a.set_xlabel(r"rescaling a of $(W_k, v_k) \to (a W_k, v_k / a)$ (log scale)")
    a.set_ylabel("measure / its value at a = 1 (log scale)")
    style.panel_title(a, "a", "measures that change along the orbit")
    b.set_xlabel(f"max/min over the orbit − 1 (log scale; {_pow10(FLOOR)}: constant to round-off)")
    style.panel_title(b, "b", "every measure: change along the orbit")
    return fig


def _size_text(mode):
    z = SIZES[mode]
    return (f"N = {z['n']}, K = {K}, α = {ALPHA:g}, {z['nets']} net{'s' if z['nets'] > 1 else ''}, "
            f"a ∈ [{ORBIT[0]:g}, {ORBIT[-1]:g}]")


FIGURE = register(Figure(
    key="F10", name="reparametrization", title="Flatness measures along a rescaling orbit",
    establishes="Along (W_k, v_k) → (a W_k, v_k / a) of a trained ReLU committee the function is unchanged: the "
                "multiplicative, per-unit and per-layer local energies, the log-Hessian trace, the orbit-minimal "
                "trace and the Fisher–Rao norm are invariant, while λ_max, the trace, the Frobenius norm, "
                "ε-sharpness and the additive local energy are not.",
    parts=parts, plot=plot, check=check,
    sizes={mode: _size_text(mode) for mode in ("quick", "full")}))

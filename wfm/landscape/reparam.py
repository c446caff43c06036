"""Reparametrization (Dinh, Pascanu, Bengio, Bengio, ICML 2017): rescaling orbits and an invariance report.

For a two-layer net with positively homogeneous units (ReLU, leaky ReLU) and a trainable second layer,
the per-unit rescaling (symmetry G2 in docs/landscape.md §3)

    T_a:  w_k → a_k w_k,   v_k → v_k / a_k      (a_k > 0; the global α of Dinh et al. is a_k = α, G1)

leaves f, the loss and the error unchanged, and transforms the Hessian exactly as
H(T_a θ) = D⁻¹ H(θ) D⁻¹ with D = diag(a_k on W_k, 1/a_k on v_k) (differentiate L(Dθ) = L(θ) twice;
docs/landscape.md §3). :func:`reparam_report`
evaluates flatness measures of the registry along such an orbit and reports max/min over the orbit:
a measure is invariant when that ratio is 1 (to ``tol``).
"""
from __future__ import annotations

import math

import numpy as np

from ..core.checks import check_int
from .net import TwoLayer, as_net, evaluate

__all__ = ["rescale", "rescaling_matrix", "orbit", "reparam_report", "format_report"]


def _check_net(net):
    if not isinstance(net, TwoLayer) or not net.train_v or not net.homogeneous:
        raise ValueError("rescaling needs a TwoLayer with a trainable second layer (train_v=True) and "
                         "positively homogeneous units (relu, leaky_relu, identity)")


def _per_unit(net, a):
    a = np.broadcast_to(np.asarray(a, dtype=np.float64), (net.k,)).copy()
    if not np.all(a > 0) or not np.all(np.isfinite(a)):
        raise ValueError("a must be positive and finite (a scalar α or one factor per hidden unit)")
    return a


def rescaling_matrix(net, a):
    """Diagonal of D: a_k on the weights of W_k, 1/a_k on v_k (T_a θ = D θ)."""
    _check_net(net)
    a = _per_unit(net, a)
    return np.concatenate([np.repeat(a, net.m), 1.0 / a])


def rescale(net, theta, a):
    """T_a θ: w_k → a_k w_k, v_k → v_k/a_k (``a`` scalar = Dinh's global α, or one factor per unit)."""
    _check_net(net)
    theta = net.check_theta(theta)
    return rescaling_matrix(net, a) * theta


def orbit(net, theta, alphas=(0.1, 0.3, 1.0, 3.0, 10.0), n_per_unit=2, seed=0, spread=1.0):
    """Points of the rescaling orbit: global α's, then ``n_per_unit`` per-unit draws a_k = exp(spread·N(0,1)).

    Returns a list of (label, a (K,), θ').
    """
    _check_net(net)
    rng = np.random.default_rng(seed)
    out = []
    for al in alphas:
        a = _per_unit(net, al)
        out.append((f"alpha={al:g}", a, rescale(net, theta, a)))
    for j in range(check_int("n_per_unit", n_per_unit, min_value=0)):
        a = np.exp(spread * rng.standard_normal(net.k))
        out.append((f"per-unit #{j + 1}", a, rescale(net, theta, a)))
    return out


def reparam_report(model, patterns, weights, measures=None, alphas=(0.1, 0.3, 1.0, 3.0, 10.0), n_per_unit=2, seed=0,
                   tol=1e-6, test=None, options=None):
    """Evaluate registry measures along a rescaling orbit; ratio max/min per measure; invariant if ≤ 1 + tol.

    ``measures``: names from :data:`wfm.landscape.MEASURES` (default :data:`REPARAM_TABLE`); ``options``:
    {name: {option: value}} forwarded to the measures (common random numbers: every noise measure uses its
    ``seed`` option, identical at every orbit point). The report also checks that the function is preserved
    (max |Δ loss| over the orbit) and lists the ReLU near-kink counts.
    """
    from .measures import MEASURES, REPARAM_TABLE, measure

    net, theta = as_net(model, weights)
    _check_net(net)
    names = list(REPARAM_TABLE if measures is None else measures)
    for nm in names:
        if nm not in MEASURES:
            raise ValueError(f"measure={nm!r} is not allowed; choose from {', '.join(sorted(MEASURES))}")
    options = dict(options or {})
    pts = orbit(net, theta, alphas, n_per_unit, seed)
    base = evaluate(net, theta, patterns)
    rows = []
    for label, a, th in pts:
        row = {"label": label, "a": a}
        ev = evaluate(net, th, patterns)
        row["loss_change"] = abs(ev["loss"] - base["loss"])
        for nm in names:
            kw = dict(options.get(nm, {}))
            if test is not None and MEASURES[nm].needs_test:
                kw["test"] = test
            row[nm] = measure(nm, net, patterns, th, **kw)["value"]
        rows.append(row)
    summary = {}
    for nm in names:
        vals = np.array([r[nm] for r in rows], dtype=np.float64)
        av = np.abs(vals)
        if np.all(av == 0):
            ratio = 1.0
        elif np.any(av == 0):
            ratio = math.inf
        else:
            ratio = float(av.max() / av.min())
        m = MEASURES[nm]
        summary[nm] = {"ratio": ratio, "invariant": bool(ratio <= 1 + tol), "claimed_G1": m.invariances.get("G1"),
                       "claimed_G2": m.invariances.get("G2")}
    kinks = measure("near_kink", net, patterns, theta)
    return {"rows": rows, "summary": summary, "measures": names, "base": base, "near_kink": kinks["value"],
            "min_abs_field": kinks["min_abs_field"], "max_loss_change": max(r["loss_change"] for r in rows),
            "tol": tol}


def format_report(report):
    """Markdown table: one row per orbit point, one column per measure, then the max/min ratio row."""
    names = report["measures"]
    head = "| orbit point | " + " | ".join(names) + " |"
    sep = "|---|" + "---|" * len(names)
    lines = [head, sep]
    for r in report["rows"]:
        lines.append(f"| {r['label']} | " + " | ".join(f"{r[n]:.4g}" for n in names) + " |")
    lines.append("| **max/min** | " + " | ".join(f"{report['summary'][n]['ratio']:.4g}" for n in names) + " |")
    lines.append("| invariant? | " + " | ".join("yes" if report["summary"][n]["invariant"] else "**no**"
                                               for n in names) + " |")
    return "\n".join(lines)

r"""F5 -- finite-size scaling of the algorithmic thresholds of the binary perceptron.

For each algorithm and size N: the fraction of random instances (P = αN patterns, random labels, κ = 0) it solves
within its budget, against α, with Wilson 95 % intervals; the 50 % point α₅₀(N) of a logistic maximum-likelihood
fit of the success curve with a bootstrap standard error; and the extrapolation α₅₀(N) = α∞ − a N^(−x) to N → ∞
(:mod:`wfm.figures.scaling`). Reference lines: the capacity α_c = 0.833 (Krauth & Mézard 1989), the RS
threshold α_U = 0.7553 where the maximal local entropy stops being monotonic (Baldassi et al. 2016,
arXiv:1605.06444; :func:`wfm.theory.large_deviations.monotonicity_threshold`), its estimate beyond RS
(0.77–0.78, same paper), and the range α ≈ 0.74–0.77 that focusing BP and the best solvers reach at large N
(Baldassi et al. 2016, arXiv:1605.06444; Baldassi, Pittorino & Zecchina 2020, arXiv:1905.07833).

Every algorithm runs with the same options at every N (fBP and reinforced BP in the AMP form at every N, the form
the solvers pick from 1000 weights on, so that the sizes compare one algorithm), except budgets that must grow
with N (:data:`SCALED_BUDGET`: greedy's epochs ∝ N, SBPI's ∝ N^1.5, held lower where it does not fit,
:data:`BUDGET_CAP`; :data:`HIDDEN_STATES`: their hidden
states ∝ √N), and every (algorithm, N) is
one sweep part (``<method>_n<N>``): a reduced grid is a subset of the parts, α values and seeds of ``--full``
(:data:`SESSION`, run by ``python scripts/f05_success_probability.py --session --out DIR``), and
``wfm figures --full --only F5 --out DIR`` later extends the same store to the whole grid. The plot and the claims
use whatever records of the ``--full`` grid are present and say which. The committed gallery's F5 is drawn from the
committed records file ``benchmarks/f05_session_records.csv`` (one row per solve with its task hash;
:func:`load_records`, :func:`export_records`) together with any store, so that it can be redrawn, and extended by
a later session, without re-running what is recorded (``--session --records CSV`` skips the recorded tasks).
"""
from __future__ import annotations

import numpy as np

from . import style
from .core import Claim, Figure, by_mode, register, safe_check

#: (method, options) compared; the options are the same at every N (part of each task's identity)
ALGOS = {
    # thermo=False skips the free-entropy pass of each protocol step (same trajectory, ~20 % less CPU)
    "fbp": {"form": "amp", "thermo": False},
    "bp": {"form": "amp", "thermo": False},
    "sbpi": {},
    "greedy": {},
    "rsgd": {},
    # SA on CE with a 3× longer schedule than its default (2000 sweeps): set-aside instances solved at N = 1001,
    # α50 0.713 ± 0.006 vs 0.697 ± 0.007 (benchmarks/tune_sace.jsonl), and at N = 3001, α = 0.70, 5/8 solved with
    # 6000 sweeps vs 1/8 with 2000 (benchmarks/tune_sace_n3001.jsonl): the 2000-sweep schedule set its threshold
    "sa-ce": {"max_sweeps": 6000},
    # replicated SA on the flips energy with the coupling scoped to γ = 5: the setting that solves at N = 1001
    # (benchmarks/BENCHMARKS.md, "Solvers: which one to use"); on the error loss it solves nothing there
    "replicated-sa": {"energy": "flips", "coupling0": 0.2, "coupling1": 5.0, "beta0": 0.1, "beta1": 2.0,
                      "max_sweeps": 3000},
}
#: message passing (AMP form) reaches larger N than the others
MP = ("fbp", "bp")
#: budgets that grow with N above the smallest size: {method: (option, value at N = 1001, exponent x)}; the value
#: at N is value·(N/1001)^x rounded to hundreds. Greedy's threshold schedule advances per epoch, so its epochs grow
#: ∝ N (with 1000 epochs it left 329 errors at N = 3001, α = 0.72). SBPI's grow ∝ N^1.5: at N = 3001, α = 0.72 its
#: solved runs took a median of 2662 epochs against 540 at N = 1001 (4.9× ≈ 3^1.45), and 5100 epochs solve 8/10
#: set-aside instances against 2/10 with the √N budget 1700 (benchmarks/tune_sbpi_n3001.jsonl). At N = 1001 the
#: options stay the defaults (same task hashes as before).
SCALED_BUDGET = {"greedy": ("max_epochs", 1000, 1.0), "sbpi": ("max_epochs", 1000, 1.5)}
#: budgets held below the scaled value where that one does not fit on the machine of a session: {(method, N):
#: value}. Such points are *budget-limited*: drawn with open markers and left out of the extrapolation to N → ∞.
#: SBPI at N = 10 001: 31 600 epochs would be ≈ 40 CPU-minutes per failed instance; it ran with 3200 (∝ √N).
BUDGET_CAP = {("sbpi", 10001): 3200}
#: methods whose hidden states grow ∝ √N by the solvers' own default (:func:`wfm.solvers._common.hidden_states`);
#: above N = 1001 the value is written into the options, so that a task's identity names the value it ran with
#: (records made with the former fixed 40 states keep their own hashes)
HIDDEN_STATES = ("sbpi", "greedy")


def budget_limited(method, n):
    """Whether (method, N) ran with a budget below its N-scaled one (:data:`BUDGET_CAP`)."""
    return (method, n) in BUDGET_CAP


def scaled_budget(method, n):
    """(option, value) of the N-scaled budget of ``method`` (:data:`SCALED_BUDGET`), before any cap."""
    key, base, x = SCALED_BUDGET[method]
    return key, int(round(base * (n / 1001) ** x, -2))


def options(method, n):
    """The options of ``method`` at size ``n``: :data:`ALGOS` plus the N-scaled budget and hidden states."""
    from ..solvers._common import hidden_states

    o = dict(ALGOS[method])
    if n > 1001:
        if method in SCALED_BUDGET:
            key, value = scaled_budget(method, n)
            o[key] = BUDGET_CAP.get((method, n), value)
        if method in HIDDEN_STATES:
            o["states"] = hidden_states(None, n)
    return o

#: the RS capacity α_c(κ = 0) of the binary perceptron (Krauth & Mézard 1989)
ALPHA_C = 0.833
#: α_U: the RS maximal local entropy stops being monotonic (Baldassi et al. 2016); wfm.theory computes it
ALPHA_U = 0.7553
#: α_U estimated beyond RS (Baldassi et al. 2016, arXiv:1605.06444)
ALPHA_U_1RSB = (0.77, 0.78)
#: where focusing BP and the best solvers stop at large N (Baldassi et al. 2016, arXiv:1605.06444)
ALPHA_SOLVERS = (0.74, 0.77)

#: full grid: α values per method (around each one's threshold at N = 1001), sizes, instances per point
ALPHAS_FULL = {
    "fbp": [0.68, 0.70, 0.72, 0.74, 0.76, 0.78],
    "bp": [0.66, 0.68, 0.70, 0.72, 0.74, 0.76],
    "sbpi": [0.66, 0.68, 0.70, 0.72, 0.74, 0.76],
    "greedy": [0.68, 0.70, 0.72, 0.74, 0.76, 0.78],
    "rsgd": [0.68, 0.70, 0.72, 0.74, 0.76, 0.78],
    "sa-ce": [0.64, 0.66, 0.68, 0.70, 0.72, 0.74],
    "replicated-sa": [0.64, 0.66, 0.68, 0.70, 0.72, 0.74],
}
SIZES_FULL = {m: ([1001, 3001, 10001, 30001] if m in MP else [1001, 3001, 10001]) for m in ALGOS}
INSTANCES_FULL = 20
#: quick mode (the tests): two small sizes, the fast algorithms
QUICK = {"methods": ["fbp", "sbpi"], "sizes": [101, 201], "alphas": [0.55, 0.7, 0.8, 0.9], "instances": 8}

#: the reduced grid of one session (a subset of the --full tasks): {(method, N): (α values, number of seeds)}; the
#: number of seeds may be a dict {α: number} (α values not in it get the largest number) where only the α values near
#: the transition get more instances
SESSION = {
    ("fbp", 1001): ([0.70, 0.72, 0.74, 0.76, 0.78], 20),
    ("bp", 1001): ([0.68, 0.70, 0.72, 0.74, 0.76], 20),
    ("sbpi", 1001): ([0.68, 0.70, 0.72, 0.74, 0.76], 20),
    ("greedy", 1001): ([0.70, 0.72, 0.74, 0.76, 0.78], 20),
    ("fbp", 3001): ([0.72, 0.74, 0.76, 0.78], 20),
    ("bp", 3001): ([0.72, 0.74, 0.76], 20),
    ("sa-ce", 1001): ([0.66, 0.68, 0.70, 0.72, 0.74], 20),  # with max_sweeps = 6000 (ALGOS)
    ("replicated-sa", 1001): ([0.66, 0.68, 0.70, 0.72, 0.74], 20),
    ("rsgd", 1001): ([0.70, 0.72, 0.74, 0.76, 0.78], {0.70: 10, 0.72: 20, 0.74: 20, 0.76: 20, 0.78: 10}),
    ("fbp", 10001): ([0.72, 0.74, 0.76], 20),
    ("bp", 10001): ([0.72, 0.74, 0.76], 20),
    ("fbp", 30001): ([0.72, 0.74, 0.76], {0.72: 12, 0.74: 20, 0.76: 4}),
    ("sbpi", 3001): ([0.68, 0.70, 0.72, 0.74], 20),
    ("greedy", 3001): ([0.68, 0.70, 0.72, 0.74], 20),
    ("sa-ce", 3001): ([0.66, 0.68, 0.70, 0.72, 0.74], {0.66: 10, 0.68: 20, 0.70: 20, 0.72: 20, 0.74: 10}),
    ("sbpi", 10001): ([0.66, 0.68, 0.70], 6),
    ("rsgd", 3001): ([0.70, 0.72, 0.74], {0.70: 6, 0.72: 20, 0.74: 20}),
    ("bp", 30001): ([0.70, 0.72, 0.74], {0.70: 4, 0.72: 20, 0.74: 20}),
    ("replicated-sa", 3001): ([0.66, 0.68, 0.70, 0.72], {0.66: 6, 0.68: 20, 0.70: 20, 0.72: 6}),
    ("replicated-sa", 10001): ([0.64, 0.66, 0.68], {0.64: 2, 0.66: 3, 0.68: 6}),
    ("sa-ce", 10001): ([0.64, 0.66, 0.68, 0.70], {0.64: 4, 0.66: 8, 0.68: 9, 0.70: 3}),
}
#: the order in which a session runs its parts (most information per CPU-minute first)
SESSION_ORDER = list(SESSION)


def _grid(mode):
    """{(method, N): (α values, number of instances)} of a mode."""
    if mode == "quick":
        return {(m, n): (QUICK["alphas"], QUICK["instances"]) for m in QUICK["methods"] for n in QUICK["sizes"]}
    return {(m, n): (ALPHAS_FULL[m], INSTANCES_FULL) for m in ALGOS for n in SIZES_FULL[m]}


def _spec(method, n, alphas, seeds):
    return {"experiment": "fig-solve-measure", "seeds": seeds,
            "params": {"model": "perceptron", "n": n, "method": method, "options": options(method, n)},
            "grid": {"alpha": list(alphas)}}


def part_name(method, n):
    return f"{method}_n{n}"


def parts(mode):
    check = by_mode(mode, None, None)  # validates the mode
    del check
    from .shared import available

    have = {m for m, _ in available([(m, o) for m, o in ALGOS.items()])}
    return {part_name(m, n): _spec(m, n, al, k) for (m, n), (al, k) in _grid(mode).items() if m in have}


def session_parts():
    """The sweep specs of :data:`SESSION`, in :data:`SESSION_ORDER`: subsets of the ``--full`` parts."""
    full = _grid("full")
    out = {}
    for m, n in SESSION_ORDER:
        al = SESSION[(m, n)][0]
        k = max(session_counts(m, n).values())
        fal, fk = full[(m, n)]
        if not set(al) <= set(fal) or k > fk:
            raise ValueError(f"SESSION[{m!r}, {n}] is not a subset of the full grid")
        out[part_name(m, n)] = _spec(m, n, al, k)
    return out


def session_counts(method, n):
    """{α: number of instances} of the :data:`SESSION` part (method, N)."""
    al, k = SESSION[(method, n)]
    if isinstance(k, dict):
        return {a: int(k.get(a, max(k.values()))) for a in al}
    return {a: int(k) for a in al}


def _size_text(mode):
    if mode == "quick":
        return (f"N ∈ {{{', '.join(map(str, QUICK['sizes']))}}}, {', '.join(QUICK['methods'])}; α ∈ "
                f"{{{', '.join(f'{a:g}' for a in QUICK['alphas'])}}}; {QUICK['instances']} instances per point")
    mp = ", ".join(map(str, SIZES_FULL["fbp"]))
    other = ", ".join(map(str, SIZES_FULL["sbpi"]))
    return (f"fBP, reinforced BP at N ∈ {{{mp}}}, the others at N ∈ {{{other}}}; 6 α values around each "
            f"algorithm's threshold; {INSTANCES_FULL} instances per point (the records present are stated in the "
            f"figure)")


# ----------------------------------------------------------------------------------------------------------
# statistics from the records


def table(df):
    """{(method, N): (α, solved, instances, median seconds of the solved runs)} from the records."""
    out = {}
    if not len(df):
        return out
    for (m, n), g in df.groupby(["method", "n"]):
        agg = g.groupby("alpha").agg(k=("solved", "sum"), c=("solved", "size"))
        secs = [float(np.median(g[(g["alpha"] == a) & g["solved"].astype(bool)]["seconds"]))
                if bool(((g["alpha"] == a) & g["solved"].astype(bool)).any()) else np.nan for a in agg.index]
        out[(str(m), int(n))] = (agg.index.to_numpy(float), agg["k"].to_numpy(int), agg["c"].to_numpy(int),
                                 np.asarray(secs, float))
    return out


def thresholds(tab, n_boot=400):
    """{(method, N): Threshold} for the curves with ≥ 3 α values whose success falls with α (a curve that solved
    nothing has no fit: :func:`solved_nothing` bounds its α₅₀)."""
    from .scaling import fit_threshold

    out = {}
    for key, (al, k, c, _) in tab.items():
        if al.size < 3 or int(k.sum()) == 0:
            continue
        try:
            out[key] = fit_threshold(al, k, c, n_boot=n_boot, seed=0)
        except ValueError:
            continue
    return out


def fitted_sizes(th, method):
    """The sizes N of ``method`` that enter its extrapolation: α₅₀ bracketed and not budget-limited
    (:func:`budget_limited`: a budget held below its N-scaling would bend the fit)."""
    return sorted(n for m, n in th if m == method and th[(m, n)].bracketed and not budget_limited(m, n))


def extrapolations(th):
    """{method: Extrapolation} for the methods with ≥ 2 :func:`fitted_sizes`."""
    from .scaling import extrapolate

    out = {}
    for m in sorted({k[0] for k in th}):  # sorted: a set's order changes with the hash seed
        ns = fitted_sizes(th, m)
        if len(ns) < 2:
            continue
        y = [th[(m, n)].alpha50 for n in ns]
        e = [max(th[(m, n)].stderr, 1e-4) for n in ns]
        out[m] = extrapolate(ns, y, e, seed=0)
    return out


def solved_nothing(tab):
    """{(method, N): (smallest α run, instances)} of the sizes that solved no instance at any α: there α₅₀(N)
    lies below the smallest α run (a one-sided bound; no logistic fit exists)."""
    return {key: (float(al.min()), int(c.sum())) for key, (al, k, c, _) in tab.items() if int(k.sum()) == 0}


def contradictions(th, tab):
    """{method: [(N, bound, predicted α₅₀(N))]}: sizes that solved nothing at α ≥ bound while the extrapolation
    (fitted on the other sizes, :meth:`wfm.figures.scaling.Extrapolation.at`) predicts α₅₀(N) above the bound by
    more than two standard errors of α∞ (used for the prediction's own error, which is not stored: at N beyond the
    fitted sizes it lies between the error of the last fitted α₅₀ and that of α∞). The extrapolation of such an
    algorithm overestimates its threshold (its α₅₀ falls faster than N^(−x))."""
    out, ext = {}, extrapolations(th)
    for (m, n), (bound, _) in sorted(solved_nothing(tab).items()):
        ex = ext.get(m)
        if ex is not None and float(ex.at(n)) - 2 * ex.stderr > bound:
            out.setdefault(m, []).append((n, bound, float(ex.at(n))))
    return out


def _x_range_text(ex):
    """The systematic range of a fixed-exponent extrapolation: α∞ at x = 1/3 and x = 1."""
    a, b = ex.alpha_inf_x_range
    return "" if not (np.isfinite(a) and np.isfinite(b)) else f" (x = 1/3…1: {min(a, b):.3f}–{max(a, b):.3f})"


def _data(data):
    import pandas as pd

    frames = [df for df in data.values() if len(df)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def grid_text(tab):
    """The grid the records cover: one line per algorithm, sizes with α values × instances."""
    lines = []
    for m in [m for m in ALGOS if any(k[0] == m for k in tab)]:
        cells = []
        for n in sorted(n for mm, n in tab if mm == m):
            al, _, c, _ = tab[(m, n)]
            cells.append(f"N={n}: {al.size} α × {int(np.min(c))}" + ("" if np.min(c) == np.max(c) else
                                                                      f"–{int(np.max(c))}"))
        lines.append(f"{style.algo_label(m)}: " + "; ".join(cells))
    return lines


def coverage_text(tab, th):
    """What the records leave out of the ``--full`` grid: the sizes of :data:`SIZES_FULL` with no record per
    algorithm, the budget-limited sizes with the budget they ran and the N-scaled one (:data:`BUDGET_CAP`), and the
    sizes that solved nothing (with the extrapolation they contradict; ``th``: :func:`thresholds` of ``tab``). ""
    when nothing is left out."""
    parts_ = []
    absent = [f"{style.algo_label(m)} N={n}" for m in ALGOS for n in SIZES_FULL[m]
              if (m, n) not in tab and any(k[0] == m for k in tab)]
    if absent:
        parts_.append("not run (their CPU time did not fit the sessions on 2 cores): " + ", ".join(absent))
    limited = []
    for m, n in sorted(k for k in tab if budget_limited(*k)):
        key, value = scaled_budget(m, n)
        limited.append(f"{style.algo_label(m)} N={n} ({key} {BUDGET_CAP[(m, n)]}, N-scaled {value})")
    if limited:
        parts_.append("budget-limited (open markers, not extrapolated): " + ", ".join(limited))
    bad = {(m, n): pred for m, v in contradictions(th, tab).items() for n, _, pred in v}
    nothing = [f"{style.algo_label(m)} N={n} (α ≥ {b:g}, {c} instances"
               + (f", where its extrapolation predicts α₅₀ = {bad[(m, n)]:.3f}: it falls faster" if (m, n) in bad
                  else "")
               + ")" for (m, n), (b, c) in sorted(solved_nothing(tab).items())]
    if nothing:
        parts_.append("solved nothing, α₅₀ below the smallest α run (arrows in (c)): "
                      + ", ".join(nothing))
    return "; ".join(parts_)


# ----------------------------------------------------------------------------------------------------------
# claims


@safe_check
def check(data, mode):
    tab = table(_data(data))
    if not tab:
        raise LookupError("no records")
    th = thresholds(tab)
    claims = []
    falls = {f"{m}@{n}": (k[0] / c[0], k[-1] / c[-1]) for (m, n), (al, k, c, _) in tab.items()
             if al.size >= 3 and k.sum() > 0}
    none = [f"{m}@{n} ({int(c.sum())} runs)" for (m, n), (al, k, c, _) in tab.items() if k.sum() == 0]
    claims.append(Claim("the success probability is lower at the largest α than at the smallest, for every "
                        "algorithm and N that solves anything (curves with ≥ 3 α values)",
                        bool(falls) and all(a > b for a, b in falls.values()),
                        ", ".join(f"{key}: {a:.2f}→{b:.2f}" for key, (a, b) in falls.items())
                        + (f"; solved nothing at any α: {', '.join(none)}" if none else "")))
    br = {key: t for key, t in th.items() if t.bracketed}
    claims.append(Claim(f"every bracketed 50 % point lies below the capacity α_c = {ALPHA_C} (no algorithm beyond "
                        "the SAT/UNSAT transition)",
                        bool(br) and all(t.alpha50 + 2 * t.stderr < ALPHA_C for t in br.values()),
                        ", ".join(f"{m}@{n}: {t.alpha50:.3f} ± {t.stderr:.3f}" for (m, n), t in sorted(br.items()))))
    ext = extrapolations(th)
    if mode == "full":
        narrow = {}
        for m in MP:
            ns = sorted(n for mm, n in br if mm == m)
            if len(ns) >= 2:
                narrow[m] = (ns[0], br[(m, ns[0])].w, ns[-1], br[(m, ns[-1])].w)
        if narrow:
            claims.append(Claim("the transition sharpens with N: the logistic width w of the success curve of fBP and "
                                "reinforced BP is smaller at the largest N than at the smallest (a w far below the α "
                                "spacing 0.02 only says that the curve falls within one spacing)",
                                all(w1 < w0 for _, w0, _, w1 in narrow.values()),
                                ", ".join(f"{m}: w = {w0:.4f} at N = {n0} → {w1:.4f} at N = {n1}"
                                          for m, (n0, w0, n1, w1) in narrow.items())))
        if ext:
            top = ALPHA_U_1RSB[1]
            claims.append(Claim(f"every algorithm extrapolated to N → ∞ (α₅₀ bracketed at ≥ 2 sizes) stops below "
                                f"α = {top}, the upper estimate of α_U beyond RS where the dense regions vanish "
                                "(Baldassi et al. 2016): α∞ + 2 s.e. < α_U, at x = 1/3 and x = 1 too",
                                all(e.alpha_inf + 2 * e.stderr < top
                                    and not np.nanmax(e.alpha_inf_x_range) >= top for e in ext.values()),
                                ", ".join(f"{m}: α∞ = {e.alpha_inf:.3f} ± {e.stderr:.3f}{_x_range_text(e)} from N = "
                                          + ", ".join(map(str, fitted_sizes(th, m)))
                                          for m, e in sorted(ext.items()))))
        fb = {n: t for (m, n), t in br.items() if m == "fbp"}
        if fb:
            nmax = max(fb)
            t = fb[nmax]
            lo, hi = ALPHA_SOLVERS
            claims.append(Claim(f"fBP's 50 % point at the largest N run (N = {nmax}) is within two standard errors "
                                f"of the range α ≈ {lo}–{hi} that fBP reaches at large N in Baldassi et al. 2016",
                                t.alpha50 + 2 * t.stderr >= lo and t.alpha50 - 2 * t.stderr <= hi,
                                f"α₅₀ = {t.alpha50:.4f} ± {t.stderr:.4f}"
                                + "".join(f"; extrapolated ({e.form}): α∞ = {e.alpha_inf:.3f} ± {e.stderr:.3f}"
                                          + _x_range_text(e) for m, e in ext.items() if m == "fbp")))
    return claims


# ----------------------------------------------------------------------------------------------------------
# plot

#: marker fill per size rank (smallest N filled), so that the sizes of one algorithm stay apart
_FILL = ["full", "none", "top", "bottom"]
_SIZE_LS = ["-", "--", ":", "-."]


def plot(data, mode):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from .scaling import wilson_interval

    df = _data(data)
    tab = table(df)
    th = thresholds(tab)
    ext = extrapolations(th)
    sizes = sorted({n for _, n in tab})
    n0 = sizes[0] if sizes else 0
    multi = [m for m in ALGOS if len([1 for mm, _ in tab if mm == m]) > 1]
    # rows: (a) every algorithm at the smallest N | (c) α50(N); (b) one small panel per algorithm run at several
    # N (3 per row: 16 curves in one panel hide each other); (d) time to solution
    n_rows_b = max(1, -(-len(multi) // 3))
    heights = [5.2, 2.7 * n_rows_b + 0.4, 3.9]
    fig = Figure(figsize=(12.5, sum(heights)), layout="constrained")
    FigureCanvasAgg(fig)
    sf_top, sf_mid, sf_bot = fig.subfigures(3, 1, height_ratios=heights)
    # (c)'s legend (extrapolations and literature values, two lines an entry) gets its own cell: beside the panel
    # it squeezed (a) and (c)
    ax_a, ax_c, ax_cl = sf_top.subplots(1, 3, width_ratios=[1.25, 0.95, 1.0])
    axes_b = [ax for row in sf_mid.subplots(n_rows_b, 3, squeeze=False, sharex=True, sharey=True) for ax in row]
    ax_d = sf_bot.subplots(1, 1)
    x_grid = np.linspace(0.6, 0.85, 400)

    def curve(ax, m, n, rank, label, small=False):
        al, k, c, _ = tab[(m, n)]
        lo, hi = wilson_interval(k, c)
        p = k / c
        kw = style.algo(m)
        kw.pop("label")
        ls = kw.pop("linestyle")
        h = ax.errorbar(al, p, yerr=[np.maximum(p - lo, 0), np.maximum(hi - p, 0)], ls="none",
                        fillstyle=_FILL[rank % 4], ms=5 if small else 6, capsize=2, elinewidth=0.9, zorder=3,
                        label=label, **kw)
        t = th.get((m, n))
        if t is not None:
            sel = (x_grid > al.min() - 0.02) & (x_grid < al.max() + 0.02)
            ax.plot(x_grid[sel], 1 / (1 + np.exp((x_grid[sel] - t.alpha50) / t.w)), color=kw["color"],
                    ls=_SIZE_LS[rank % 4] if small else ls, lw=1.3, zorder=2)
        return h

    # (a) every algorithm at the smallest N
    for m in ALGOS:
        if (m, n0) in tab:
            curve(ax_a, m, n0, 0, style.algo_label(m))
    ax_a.set_ylim(-0.04, 1.04)
    ax_a.set_xlabel(r"load $\alpha$ = P/N")
    ax_a.set_ylabel("fraction of instances solved")
    style.vline(ax_a, ALPHA_C, rf"capacity $\alpha_c$ = {ALPHA_C}", text=True, y=0.97, ha="right")
    style.panel_title(ax_a, "a", f"every algorithm, N = {n0}")
    if tab:
        amin = min(float(v[0].min()) for v in tab.values())
        amax = max(float(v[0].max()) for v in tab.values())
        ax_a.set_xlim(amin - 0.015, max(amax, ALPHA_C) + 0.012)
    style.legend_right(ax_a, title="Wilson 95 % bars;\nlines: logistic fits")

    # (b) one panel per algorithm run at several N: its success curves, sizes by marker fill and line style
    cov = coverage_text(tab, th)
    for i, ax in enumerate(axes_b):
        if i >= len(multi):
            ax.set_axis_off()
            if i == len(multi) and cov:  # what the grid leaves out, in the first free cell (and those beside it)
                import textwrap

                width = 58 * (len(axes_b) - i)
                text = "\n".join(textwrap.fill(p[:1].upper() + p[1:] + ".", width) for p in cov.split("; "))
                note = ax.text(0.02, 0.95, text, transform=ax.transAxes, va="top", ha="left", fontsize=8.5,
                               color="0.25")
                note.set_in_layout(False)  # it runs on into the free cells beside; the layout must not make room
            continue
        m = multi[i]
        for r, n in enumerate(sorted(n for mm, n in tab if mm == m)):
            curve(ax, m, n, r, f"N = {n}" + (" (budget-limited)" if budget_limited(m, n) else ""), small=True)
        ax.set_ylim(-0.04, 1.04)
        ax.set_xlim(min(float(tab[(m, n)][0].min()) for m in multi for n in [n for mm, n in tab if mm == m]) - 0.015,
                    max(float(tab[(m, n)][0].max()) for m in multi for n in [n for mm, n in tab if mm == m]) + 0.015)
        ax.set_title(("(b) " if i == 0 else "") + style.algo_label(m), loc="left", fontsize=10)
        # upper right: empty in every panel (the curves fall to 0 there; lower left holds a size that solved nothing)
        ax.legend(loc="upper right", fontsize=8, handlelength=2.2, borderaxespad=0.3, frameon=True, framealpha=0.9)
        if i % 3 == 0:
            ax.set_ylabel("fraction solved")
        if i >= len(multi) - 3:
            ax.set_xlabel(r"load $\alpha$ = P/N")
            ax.tick_params(labelbottom=True)
    if not multi:
        axes_b[0].text(0.5, 0.5, "no algorithm run at several N", ha="center", va="center",
                       transform=axes_b[0].transAxes)

    # (c) α50(N) against N^(-1/2): the extrapolation α∞ − a N^(-x) with x = 1/2 is a straight line to x = 0
    lo_s, hi_s = ALPHA_SOLVERS
    refs = [ax_c.axhspan(lo_s, hi_s, color="0.86", zorder=0,
                         label=f"fBP / best solvers at large N: {lo_s}–{hi_s}\n(Baldassi et al. 2016)"),
            ax_c.axhspan(*ALPHA_U_1RSB, facecolor="none", edgecolor="#0072B2", hatch="////", lw=0, zorder=0.5,
                         label=rf"$\alpha_U$ beyond RS: {ALPHA_U_1RSB[0]}–{ALPHA_U_1RSB[1]} (Baldassi et al. 2016)"),
            style.hline(ax_c, ALPHA_U, rf"$\alpha_U$ = {ALPHA_U} (RS, wfm.theory)", color="#0072B2"),
            style.hline(ax_c, ALPHA_C, rf"capacity $\alpha_c$ = {ALPHA_C} (Krauth & Mézard 1989)", ls="-", lw=1.3)]
    handles_c = []
    for m in ALGOS:
        ns = sorted(n for mm, n in th if mm == m)
        if not ns:
            continue
        kw = style.algo(m)
        x = np.array([n ** -0.5 for n in ns])
        y = np.array([th[(m, n)].alpha50 for n in ns])
        e = np.array([th[(m, n)].stderr for n in ns])
        br = np.array([th[(m, n)].bracketed for n in ns])
        cap = np.array([budget_limited(m, n) for n in ns])
        label = kw.pop("label") + ("" if br.all() else " (open: not bracketed)")
        if cap.any():
            label += f" (open: N = {', '.join(str(n) for n in np.asarray(ns)[cap])}, budget-limited, not fitted)"
        for (mm, n), (bound, _) in sorted(solved_nothing(tab).items()):
            if mm == m:
                label += f" (arrow: N = {n} solved nothing at α ≥ {bound:g})"
        br = br & ~cap
        if m in ext:
            ex = ext[m]
            label += f"\n  → N = ∞: {ex.alpha_inf:.3f} ± {ex.stderr:.3f}" + _x_range_text(ex)
        else:
            label += f" (N = {', '.join(map(str, ns))})"
        ls = kw.pop("linestyle")
        # points with error bars; the line is the fit alone (through the fitted sizes), not a polyline through
        # every point (it would join a budget-limited point to the others)
        ax_c.errorbar(x, y, yerr=e, ls="none", ms=6.5, capsize=2.5, zorder=4, **kw)
        if not br.all():
            ax_c.plot(x[~br], y[~br], ls="none", marker=kw["marker"], mfc="white", mec=kw["color"], ms=6.5, zorder=5)
        handles_c.append(Line2D([], [], color=kw["color"], marker=kw["marker"], ms=6.5, lw=1.2,
                                ls=ls if m in ext else "none", label=label))
        if m in ext:
            xs = np.linspace(0, x[br].max() * 1.05, 50)
            ax_c.plot(xs, ex.at(np.maximum(xs, 1e-9) ** -2.0), color=kw["color"], ls=ls, lw=1.2)  # xs = N^(-1/2)
            ax_c.errorbar([0.0], [ex.alpha_inf], yerr=[ex.stderr], color=kw["color"], marker=kw["marker"], mfc="white",
                          ms=7, capsize=3, zorder=5)
    for (m, n), (bound, _) in solved_nothing(tab).items():  # α₅₀(N) < bound: an arrow down from the bound
        col = style.algo(m)["color"]
        ax_c.annotate("", xy=(n ** -0.5, bound - 0.012), xytext=(n ** -0.5, bound), zorder=5,
                      arrowprops=dict(arrowstyle="-|>", color=col, lw=1.2, mutation_scale=9))
        ax_c.plot([n ** -0.5], [bound], ls="none", marker="_", ms=9, mew=1.6, color=col, zorder=5)
    ax_c.set_xlim(-0.0015, max([n ** -0.5 for n in sizes] + [0.02]) * 1.12)
    low = ([th[k].alpha50 - 1.5 * th[k].stderr for k in th] + [e.alpha_inf - 1.5 * e.stderr for e in ext.values()]
           + [b - 0.016 for b, _ in solved_nothing(tab).values()])
    ax_c.set_ylim(max(0.6, min([0.68] + low)), 0.85)
    ax_c.set_xlabel(r"$N^{-1/2}$")
    ax_c.set_ylabel(r"50 % point $\alpha_{50}(N)$")
    top = ax_c.secondary_xaxis("top", functions=(lambda v: v, lambda v: v))
    # sizes 3x apart are close in N^(-1/2) at large N: vertical labels do not overlap
    top.set_xticks([n ** -0.5 for n in sizes], labels=[f"{n}" for n in sizes], fontsize=8, rotation=90)
    top.set_xlabel("N", fontsize=9, labelpad=1)
    style.panel_title(ax_c, "c", r"$\alpha_{50}(N)$ ± bootstrap s.e.; fit $\alpha_\infty - a N^{-x}$", pad=6)
    if handles_c or refs:
        form = next(iter(ext.values())).form if ext else ""
        style.legend_panel(ax_cl, handles_c + refs, fontsize=8.5,
                           title="(c): lines are fits; open marker at N⁻¹ᐟ² = 0: α∞ ± s.e." +
                           (f"\n{form.replace('alpha', 'α')}" if form else ""), title_fontsize=8.5)
    else:
        ax_cl.set_axis_off()

    # (d) time to solution (median wall seconds of the solved runs)
    for m in ALGOS:
        for r, n in enumerate(sorted(n for mm, n in tab if mm == m)):
            al, k, c, secs = tab[(m, n)]
            ok = np.isfinite(secs)
            if not ok.any():
                continue
            kw = style.algo(m)
            ax_d.plot(al[ok], secs[ok], marker=kw["marker"], color=kw["color"], fillstyle=_FILL[r % 4],
                      ls=_SIZE_LS[r % 4], lw=1.2, ms=6, label=f"{style.algo_label(m)}, N = {n}")
    ax_d.set_yscale("log")
    if ax_d.lines:
        lo_y, hi_y = ax_d.get_ylim()
        style.plain_log_ticks(ax_d.yaxis, [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
                                           if lo_y / 1.5 <= t <= hi_y * 1.5])
    ax_d.set_xlabel(r"load $\alpha$ = P/N")
    ax_d.set_ylabel("median seconds to solution")
    style.panel_title(ax_d, "d", "time to solution: solved runs, wall clock (shared machine)")
    if ax_d.lines:
        style.legend_right(ax_d, ncol=1 if len(ax_d.lines) <= 12 else 2)
    gl = grid_text(tab)
    lines, line = [], "records (α values × instances): "
    for g in gl:  # as many algorithms per line as fit the figure's width
        if len(line) + len(g) > 185 and line.strip():
            lines.append(line.rstrip(" |"))
            line = ""
        line += g + " | "
    lines.append(line.rstrip(" |"))
    fig.suptitle("\n".join(lines), fontsize=8.5, color="0.3", x=0.01, ha="left")
    return fig


FIGURE = register(Figure(
    key="F5", name="success_probability", title="Finite-size scaling of the algorithmic thresholds",
    establishes="The success probability of each solver on the binary perceptron falls from 1 to 0 over a window "
                "that narrows with N; its 50 % point α₅₀(N) (logistic fit, bootstrap error), extrapolated to "
                "N → ∞, lies below the capacity 0.833 and is compared with the thresholds of the literature.",
    parts=parts, plot=plot, check=check,
    sizes={mode: _size_text(mode) for mode in ("quick", "full")},
    notes="The --full grid is hours of CPU; a session runs the subset SESSION of it (the figure states which "
          "records it holds)."))


# ----------------------------------------------------------------------------------------------------------
# the reduced grid of one session: run it into a store, then draw the figure from the --full records present


def run_session(out, workers=1, progress=True, only=None, records=None):
    """Run the :data:`SESSION` parts (``only``: a list of part names) into ``out``'s store, then draw F5 from
    every ``--full`` record present (and those of the records file ``records``) and write the claims.
    Resumable: finished tasks are skipped, those of the store and those of ``records``."""
    import os

    from ..sweep import load_spec
    from ..sweep import run as sweep_run
    from . import core

    store = os.path.join(out, core.STORE_NAME)
    os.makedirs(out, exist_ok=True)
    done = set(load_records(records)["hash"]) if records is not None else set()
    counts = {part_name(m, n): session_counts(m, n) for m, n in SESSION}
    for name, spec in session_parts().items():
        if only and name not in only:
            continue
        todo = {}
        for t in load_spec(spec).tasks():
            k = counts.get(name, {}).get(t.params["alpha"])
            if t.hash not in done and (k is None or t.seed < k):
                todo.setdefault(t.params["alpha"], []).append(t.seed)
        for alpha, seeds in todo.items():
            sub = dict(spec, seeds=seeds, grid={"alpha": [alpha]})
            rep = sweep_run(sub, store, progress=progress, workers=workers)
            print(f"{name}, α = {alpha}: {rep.total} tasks, {rep.ran} run", flush=True)
    return draw(out, records=records)


#: the columns of a records file (one row per finished task; ``hash`` is the task's identity in a store)
RECORD_COLUMNS = ["method", "n", "alpha", "seed", "options", "solved", "n_errors", "iterations", "seconds", "p", "hash"]
_INT_COLUMNS = ["n", "seed", "n_errors", "iterations", "p"]


def load_records(path):
    """The rows of a records file (:func:`export_records`) as a DataFrame: ``options`` parsed, ``solved`` bool."""
    import json

    import pandas as pd

    df = pd.read_csv(path)
    missing = [c for c in RECORD_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"records file {path!r} lacks the columns {missing}")
    df["options"] = [json.loads(o) for o in df["options"]]
    df["solved"] = df["solved"].astype(str).str.lower().eq("true")
    return df


def export_records(store, path):
    """Add the finished ``--full``-grid records of ``store`` to the records file ``path`` (created if absent; a
    task already in it, by hash, is kept as it is). Returns the number of rows added."""
    from . import core

    data, _ = core.load_parts(FIGURE, "full", store)
    return merge_records(_data(data), path)


def merge_records(new, path):
    """Add the rows of the DataFrame ``new`` (columns :data:`RECORD_COLUMNS` at least) whose hash is not yet in
    the records file ``path`` (created if absent). Returns the number of rows added."""
    import json
    import os

    import pandas as pd

    old = load_records(path) if os.path.exists(path) else pd.DataFrame(columns=RECORD_COLUMNS)
    if len(new):
        new = new[~new["hash"].isin(set(old["hash"]))][RECORD_COLUMNS].copy()
    if not len(new):
        return 0
    out = pd.concat([old, new], ignore_index=True).sort_values(["method", "n", "alpha", "seed"], kind="stable")
    out["options"] = [json.dumps(o, sort_keys=True, ensure_ascii=False) for o in out["options"]]
    for c in _INT_COLUMNS:  # a concat with an empty or float frame would write 180.0 for 180 (and rewrite every row)
        out[c] = out[c].astype("int64")
    out.to_csv(path, index=False)
    return len(new)


def full_data(store=None, records=None):
    """``({part: DataFrame}, n_failed)``: the finished ``--full``-grid records of ``store`` and of the records
    file ``records`` (either may be None), one row per task hash (the store's row where both have it). Rows of
    a records file whose hash is not a task of the current grid (other options, other α) are left out."""
    import pandas as pd

    from . import core

    data, failed = core.load_parts(FIGURE, "full", store) if store is not None else ({}, 0)
    if records is not None:
        rec = load_records(records)
        grid = {}
        for part, spec in FIGURE.specs("full").items():
            from ..sweep import load_spec

            grid.update({t.hash: part for t in load_spec(spec).tasks()})
        rec = rec[rec["hash"].isin(set(grid))]
        have = set(_data(data)["hash"]) if any(len(d) for d in data.values()) else set()
        rec = rec[~rec["hash"].isin(have)]
        for part, g in rec.groupby(rec["hash"].map(grid)):
            base = data.get(part)
            data[part] = g.reset_index(drop=True) if base is None or not len(base) else \
                pd.concat([base, g], ignore_index=True)
    return data, failed


def markdown_tables(tab, th):
    """The success counts per (algorithm, N) and α with α₅₀ ± s.e. and the median seconds of the solved runs, and
    the extrapolations, as Markdown tables (the tables of benchmarks/BENCHMARKS.md)."""
    alphas = sorted({float(a) for al, *_ in tab.values() for a in al})
    head = ("| algorithm | N | " + " | ".join(f"α = {a:g}" for a in alphas)
            + " | α₅₀ ± s.e. | median wall s (solved) |")
    lines = [head, "|" + "---|" * (len(alphas) + 4)]
    for m in ALGOS:
        for n in sorted(n for mm, n in tab if mm == m):
            al, k, c, secs = tab[(m, n)]
            cells = {float(a): f"{int(kk)}/{int(cc)}" for a, kk, cc in zip(al, k, c)}
            t = th.get((m, n))
            a50 = "–" if t is None else f"{t.alpha50:.4f} ± {t.stderr:.4f}" + ("" if t.bracketed else " (not bracketed)")
            ok = secs[np.isfinite(secs)]
            med = f"{float(np.median(ok)):.1f}" if ok.size else "–"
            if budget_limited(m, n):
                a50 += f" (budget-limited: {options(m, n)})"
            lines.append(f"| {m} | {n} | " + " | ".join(cells.get(a, "") for a in alphas) + f" | {a50} | {med} |")
    lines += ["", "| algorithm | sizes | α∞ ± s.e. | x = 1/3 … 1 | a | χ²/dof | sizes not fitted |",
              "|---|---|---|---|---|---|---|"]
    bad = contradictions(th, tab)
    for m, e in sorted(extrapolations(th).items(), key=lambda kv: list(ALGOS).index(kv[0])):
        ns = ", ".join(map(str, fitted_sizes(th, m)))
        lo, hi = e.alpha_inf_x_range
        check = "; ".join(f"N = {n}: none solved at α ≥ {b:g}, predicted α₅₀ {p:.3f} (contradicts the fit)"
                          for n, b, p in bad.get(m, []))
        lines.append(f"| {style.algo_label(m)} | {ns} | {e.alpha_inf:.3f} ± {e.stderr:.3f} | "
                     f"{min(lo, hi):.3f}–{max(lo, hi):.3f} | {e.a:.2f} | {e.chi2_dof:.2f} | {check} |")
    return "\n".join(lines)


def draw(out, store=None, records=None):
    """Draw F5 from the ``--full`` records in ``store`` (default ``out``'s store if it exists; nothing is run) and
    in the records file ``records`` (e.g. ``benchmarks/f05_session_records.csv``); print and return the claims.
    The claims go into ``out/claims_full.json`` like a ``wfm figures --full`` run's, with the grid actually
    drawn as the figure's sizes (so the README gallery states it)."""
    import dataclasses
    import json
    import os

    from . import core

    if store is None:
        store = os.path.join(out, core.STORE_NAME)
        store = store if os.path.exists(store) else None
    if store is None and records is None:
        raise ValueError(f"nothing to draw: no store in {out!r} and no records file")
    data, failed = full_data(store, records)
    claims = FIGURE.check(data, "full")
    tab = table(_data(data))
    th = thresholds(tab)
    with style.context():
        f = FIGURE.plot(data, "full")
        style.footer(f, "wfm F5: a subset of the --full grid (records listed at the top)")
        path, pdf = style.save(f, os.path.join(out, FIGURE.filename))
    n_records = int(sum(int(np.sum(c)) for _, _, c, _ in tab.values()))
    res = core.FigureResult(FIGURE.key, path, 0.0, n_records, 0, failed, list(claims), pdf, style.file_sha256(path))
    drawn = dataclasses.replace(FIGURE, sizes={**FIGURE.sizes,
                                               "full": "binary perceptron, a subset of the --full grid: "
                                                       + "; ".join(grid_text(tab))
                                                       + (f". {cov}" if (cov := coverage_text(tab, th)) else "")})
    core._write_claims(out, "full", {FIGURE.key: res}, {FIGURE.key: drawn})
    summary = {"claims": [c.to_dict() for c in claims], "failed_tasks": failed, "grid": grid_text(tab),
               "left_out": coverage_text(tab, th),
               "alpha50": {f"{m}@{n}": [t.alpha50, t.stderr, t.bracketed] for (m, n), t in sorted(th.items())},
               "extrapolation": {m: {"alpha_inf": e.alpha_inf, "stderr": e.stderr, "form": e.form, "a": e.a,
                                     "chi2_dof": e.chi2_dof, "alpha_inf_x_range": list(e.alpha_inf_x_range)} for m, e in extrapolations(th).items()}}
    with open(os.path.join(out, "f05_session.json"), "w") as fh:
        json.dump(summary, fh, indent=1, ensure_ascii=False)
    with open(os.path.join(out, "f05_session.md"), "w") as fh:
        fh.write(markdown_tables(tab, th) + "\n")
    for c in claims:
        print(c.line())
    print(f"figure: {path}")
    return summary

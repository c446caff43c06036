"""The experiments behind the reproduced figures (``fig-*``), registered in :mod:`wfm.experiments`.

Each is a keyword-only function ``(*, params..., seed) -> dict`` of scalars and arrays (see
:mod:`wfm.experiments`). They compose the package's own estimators and solvers; nothing here computes a
physical quantity by a new method:

* ``fig-theory`` -- one replica-theory curve (binary RS entropy, α_c(κ) binary and spherical, κ_max(α)):
  :mod:`wfm.theory` (paper_digest.md §6);
* ``fig-franz-parisi`` -- the RS Franz–Parisi local entropy V(d) around a κ̃-margin reference
  (paper_digest.md §3.3): :func:`wfm.theory.franz_parisi`;
* ``fig-solve-measure`` -- one random (or teacher–student) instance of a binary model, solved by one method
  (or a uniformly sampled solution, by enumeration), then measured: local entropy S(W̃, d) by BP
  (paper_digest.md §3.2) or by enumeration, local energy under random flips (§3.5), test error;
* ``fig-continuous`` -- continuous-weight models trained by gradient methods, measured with
  :mod:`wfm.landscape` (Hessian spectrum, multiplicative local energy, asymmetric valleys, SWA,
  reparametrization orbits; flatness_digest.md §§2–6).

Randomness: ``seed`` → ``SeedSequence(seed)`` → independent child streams for the instance (patterns,
teacher), the solver and the measurements, so the same seed gives the same instance at every method and
every grid point (common random numbers across the curves of a figure).
"""
from __future__ import annotations

import json
import math
import time
import warnings
from typing import Literal

import numpy as np

from ..core.special import entropy_bound
from .registry import experiment

MODELS = ("perceptron", "tree-sign", "tree-relu", "parity", "committee-sign")


# ----------------------------------------------------------------------------------------------------------
# helpers


def _streams(seed, n=4):
    return np.random.SeedSequence(seed).spawn(n)


def _int_seed(ss) -> int:
    return int(ss.generate_state(1)[0])


def build_model(model: str, n: int, k: int = 1, kappa: float = 0.0, weights: str = "binary"):
    """A wfm model from the short names used in figure specs (``MODELS``)."""
    from .. import models

    if model == "perceptron":
        return models.Perceptron(n, weights=weights, margin=kappa)
    if model == "tree-sign":
        return models.TreeCommittee(n, k, activation="sign", weights=weights, margin=kappa)
    if model == "tree-relu":
        return models.TreeCommittee(n, k, activation="relu", weights=weights, margin=kappa)
    if model == "committee-sign":
        return models.Committee(n, k, activation="sign", weights=weights, margin=kappa)
    if model == "parity":
        return models.ParityMachine(n, k, weights=weights, margin=kappa)
    raise ValueError(f"model={model!r} is not allowed; choose one of {', '.join(map(repr, MODELS))}")


def _options(text: str) -> dict:
    if not text:
        return {}
    try:
        opts = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"options must be a JSON object, got {text!r} ({exc})") from None
    if not isinstance(opts, dict):
        raise ValueError(f"options must be a JSON object, got {text!r}")
    return opts


def _check_solve_measure(p):
    if p["model"] not in MODELS:
        raise ValueError(f"model={p['model']!r} is not allowed; choose one of {', '.join(map(repr, MODELS))}")
    if p["alpha"] <= 0:
        raise ValueError(f"alpha must be > 0, got {p['alpha']}")
    _options(p["options"])
    if p["method"] != "uniform":
        from ..solvers import methods

        if p["method"] not in methods():
            raise ValueError(f"method={p['method']!r} is not a registered solver; choose 'uniform' or one of "
                             f"{', '.join(sorted(methods()))}")


# ----------------------------------------------------------------------------------------------------------
# theory


@experiment("fig-theory")
def fig_theory(*, quantity: Literal["entropy", "binary_capacity", "spherical_capacity", "max_margin", "overlap"],
               lo: float, hi: float, points: int = 41, kappa: float = 0.0) -> dict:
    """One replica-theory curve on ``points`` equally spaced x in [lo, hi] (paper_digest.md §6).

    ``entropy``: binary RS entropy s(α; κ) vs α; ``overlap``: binary RS q(α; κ) vs α; ``binary_capacity``:
    α_c(κ) (RS zero entropy, Krauth–Mézard) vs κ; ``spherical_capacity``: Gardner α_c(κ) vs κ;
    ``max_margin``: κ_max(α) vs α. Points where the theory raises are dropped (reported in ``n_dropped``).
    """
    from .. import theory

    f = {"entropy": lambda x: theory.binary_entropy(x, kappa), "overlap": lambda x: theory.binary_overlap(x, kappa),
         "binary_capacity": theory.binary_capacity, "spherical_capacity": theory.gardner_capacity,
         "max_margin": theory.max_margin}[quantity]
    xs = np.linspace(lo, hi, points)
    ys = np.full(points, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, x in enumerate(xs):
            try:
                ys[i] = float(f(float(x)))
            except (ValueError, RuntimeError):
                pass
    ok = np.isfinite(ys)
    return {"x": xs[ok], "y": ys[ok], "n_dropped": int((~ok).sum())}


@experiment("fig-franz-parisi")
def fig_franz_parisi(*, alpha: float, kappa_ref: float = 0.0, kappa: float = 0.0, d_min: float = 1e-3,
                     points: int = 24, n_quad: int = 48) -> dict:
    """RS Franz–Parisi local entropy V(d) around a reference of margin κ̃ (paper_digest.md §3.3).

    d on a log grid from ``d_min`` to the typical distance (1 − q̃)/2; ``n_quad``: n_z = n_x quadrature
    nodes (n_η = 2/3 of it). Returns d, V, H(d), the RS entropy s(α, κ̃), q̃, the typical distance, the
    isolation radius d* (last sign change of V, linear interpolation; 0 if V > 0 down to d_min) and the
    number of points where the saddle point was lost (dropped, never returned).
    """
    from .. import theory

    s_rs = float(theory.binary_entropy(alpha, kappa_ref))
    q_ref = float(theory.binary_overlap(alpha, kappa_ref))
    d0 = 0.5 * (1.0 - q_ref)
    grid = np.geomspace(d_min, d0 * (1 - 1e-6), points)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = theory.franz_parisi(alpha, grid, kappa=kappa, kappa_ref=kappa_ref, n_z=n_quad, n_x=n_quad,
                                n_eta=max(8, (2 * n_quad) // 3))
    d, V = np.asarray(c.d, float), np.asarray(c.local_entropy, float)
    d_star = 0.0
    neg = np.nonzero(V < 0)[0]
    if neg.size and neg[-1] + 1 < V.size:
        i = neg[-1]
        d_star = float(d[i] + (d[i + 1] - d[i]) * (0 - V[i]) / (V[i + 1] - V[i]))
    return {"d": d, "V": V, "H": theory.geometric_bound(d), "s_rs": s_rs, "q_ref": q_ref, "typical_distance": d0,
            "d_star": d_star, "n_lost": int(np.size(c.lost_d))}


# ----------------------------------------------------------------------------------------------------------
# binary models: solve, then measure


@experiment("fig-solve-measure", check=_check_solve_measure)
def fig_solve_measure(*, model: str = "perceptron", n: int, k: int = 1, alpha: float, method: str,
                      options: str = "", kappa: float = 0.0, teacher: bool = False, p_test: int = 2000,
                      local_entropy: Literal["none", "bp", "exact"] = "none", gammas: list[float] | None = None,
                      flips: list[float] | None = None, n_draws: int = 50, keep_weights: bool = False,
                      bp_max_iters: int = 300, seed: int) -> dict:
    """Solve one instance of a binary model with ``method`` (``"uniform"``: a uniformly sampled solution, by
    exhaustive enumeration) and measure the solution found.

    Instance: P = round(α·n_weights) random ±1 patterns with random labels, or (``teacher``) labels of a
    random binary teacher of the same architecture, plus ``p_test`` test patterns. The solver works on the
    model with margin ``kappa`` (κ > 0 gives high-margin references, paper_digest.md §7.4); every measure
    counts zero-margin solutions of the same patterns:

    * ``local_entropy="bp"``: S(W̃, d) = φ(γ) − γ q(γ) over ``gammas`` by BP (paper_digest.md §3.2;
      :func:`wfm.bp.local_entropy`); ``"exact"``: (1/N) ln 𝒩(W̃, d) by enumeration (:mod:`wfm.exact`);
    * ``flips``: local energy, the mean training error after flipping a fraction d of the weights
      (:func:`wfm.landscape.local_energy`, ``n_draws`` draws per d);
    * ``teacher``: the test error of the solution.

    ``bp_max_iters`` bounds the BP sweeps per γ (a γ whose BP does not converge is dropped and counted in
    ``n_unconverged``).

    The measures are taken only on solutions (a failed solve returns empty curves).
    """
    from .. import exact, landscape
    from ..data import random_patterns, teacher_student
    from ..solvers import solve

    s_inst, s_solve, s_meas = _streams(seed, 3)
    mdl0 = build_model(model, n, k)
    mdl = build_model(model, n, k, kappa) if kappa else mdl0
    test = None
    if teacher:
        train, test = teacher_student(mdl0, alpha=alpha, p_test=p_test, seed=s_inst)
    else:
        train = random_patterns(n, alpha=alpha, seed=s_inst, model=mdl0)
    t0 = time.perf_counter()
    if method == "uniform":
        try:
            w = exact.sample_solutions(mdl, train, 1, seed=_int_seed(s_solve))[0]
            solved, n_errors, iterations = True, 0, 0
        except ValueError:  # the instance has no solution (possible at small N): nothing to sample
            w, solved, n_errors, iterations = mdl.random_weights(seed=_int_seed(s_solve)), False, -1, 0
    else:
        res = solve(mdl, train, method=method, seed=_int_seed(s_solve), **_options(options))
        w, solved, n_errors, iterations = res.weights, bool(res.solved), int(res.n_errors), int(res.iterations)
    seconds = time.perf_counter() - t0
    out = {"solved": solved, "n_errors": n_errors, "iterations": iterations, "seconds": seconds, "p": train.p,
           "n_weights": mdl0.n_weights}
    zero = mdl0.errors(w, train) == 0
    out["solves_kappa0"] = bool(zero)
    empty = np.zeros(0)
    out.update(d=empty, s=empty, flip_d=empty, flip_error=empty)
    if teacher:
        out["test_error"] = float(mdl0.errors(w, test)) / test.p if solved else math.nan
    if solved and zero:
        if local_entropy == "bp":
            from ..bp import local_entropy as bp_le

            g = None if gammas is None else np.asarray(gammas, float)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                c = bp_le(mdl0, train, w, method="bp", gammas=g, seed=_int_seed(s_meas), max_iters=bp_max_iters)
            ok = np.asarray(c.converged, bool) & np.isfinite(c.s)
            out.update(d=np.asarray(c.d)[ok], s=np.asarray(c.s)[ok], gamma=np.asarray(c.gamma)[ok],
                       n_unconverged=int((~ok).sum()))
        elif local_entropy == "exact":
            counts = np.asarray(exact.distance_counts(mdl0, train, w))
            kk = np.nonzero(counts > 0)[0]
            out.update(d=kk / mdl0.n_weights, s=np.log(counts[kk].astype(float)) / mdl0.n_weights,
                       n_solutions=int(counts.sum()))
        if flips:
            le = landscape.local_energy(mdl0, train, w, np.asarray(flips, float), noise="flip", n_draws=n_draws,
                                        seed=_int_seed(s_meas))
            out.update(flip_d=np.asarray(le.scales), flip_error=np.asarray(le.error_mean))
    if keep_weights:
        out["weights"] = np.asarray(w).reshape(-1).astype(np.int8)
    return out


@experiment("fig-fbp-max-local-entropy")
def fig_fbp_max_local_entropy(*, n: int, alpha: float, y: float = 21.0, gammas: str = "0:0.25:6",
                              max_iters: int = 100, seed: int) -> dict:
    """Maximal local entropy curve by focusing BP at large y (paper_digest.md §3.4, practical substitute).

    fBP with the scoping protocol (fixed ``y``, γ along ``gammas``) on a random binary perceptron instance,
    not stopping at the first solution. Each protocol step gives the replica–centre overlap S and the internal
    entropy Σ_int = −βF − γS (the local entropy of the dominant centre); returned as d = (1 − S)/2 and
    ``sigma_int``. Only the leading stretch where BP is stable is returned: the points up to the first step
    where Σ_int stops decreasing, exceeds H(d), or the centre stops being a solution after having been one
    (BP leaves the dense region; ``n_dropped`` counts the rest).
    """
    from ..data import random_patterns
    from ..solvers import solve

    s_inst, s_solve = _streams(seed, 2)
    mdl = build_model("perceptron", n)
    pats = random_patterns(n, alpha=alpha, seed=s_inst)
    res = solve(mdl, pats, method="fbp", seed=_int_seed(s_solve), protocol="scoping", gammas=gammas, y=y,
                stop_at_zero=False, max_iters=max_iters)
    h = res.history
    S = np.asarray(h["overlap"], float)
    sig = np.asarray(h["sigma_int"], float)
    err = np.asarray(h["errors"], float)
    d = (1.0 - S) / 2.0
    keep = 0
    seen_zero = False
    for i in range(S.size):
        if not (np.isfinite(sig[i]) and np.isfinite(d[i])) or sig[i] > entropy_bound(d[i]) + 1e-9:
            break
        if i > 0 and sig[i] > sig[i - 1]:
            break
        if seen_zero and err[i] > 0:
            break
        seen_zero |= err[i] == 0
        keep = i + 1
    return {"d": d[:keep], "sigma_int": sig[:keep], "gamma": np.asarray(h["gamma"], float)[:keep],
            "n_dropped": int(S.size - keep), "centre_solved": bool(seen_zero)}


# ----------------------------------------------------------------------------------------------------------
# continuous weights: gradient solvers, Hessian and local energy (F7, F8)


def _normalize_units(model, w):
    """Each hidden unit's weights rescaled to |W_k|² = m (the sphere): the scale a loss with fixed γ compares."""
    w = np.asarray(w, float).reshape(model.weight_shape)
    if w.ndim == 1:
        return w * math.sqrt(w.size) / max(np.linalg.norm(w), 1e-300)
    nrm = np.linalg.norm(w, axis=1, keepdims=True)
    return w * math.sqrt(w.shape[1]) / np.where(nrm > 0, nrm, 1.0)


@experiment("fig-continuous")
def fig_continuous(*, model: Literal["perceptron", "tree-relu", "committee-relu"] = "perceptron", n: int = 201,
                   k: int = 1, alpha: float = 0.5, method: str = "sgd-ce", options: str = "",
                   data: Literal["random", "teacher", "digits"] = "random", p_test: int = 2000,
                   gamma_eval: float = 1.0, sigmas: list[float] | None = None, n_draws: int = 50,
                   hessian: bool = True, seed: int) -> dict:
    """Train a continuous-weight model with a gradient solver of :func:`wfm.solve` and measure its flatness.

    Data: random ±1 patterns with random labels (P = round(α·n_weights)), a teacher–student set (teacher of the
    same architecture, ``p_test`` test patterns), or scikit-learn's digits (even vs odd, N = 65, its own split;
    ``n``/``alpha`` ignored). Measures (flatness_digest.md §§3, 6; paper_digest.md §3.5):

    * ``norm`` = |W|/√(n_weights) (the effective γ of the CE is γ·norm) and the smallest normalized
      stability κ_min = min_μ Δ^μ after scaling each unit to |W_k|² = m;
    * ``lambda_max``, ``trace``: top eigenvalue and trace of the Hessian of L = (1/P) Σ_μ f_γ(Δ^μ) with
      γ = ``gamma_eval``, at the configuration scaled to the sphere (so the scale of W does not enter);
    * local energy: train error under multiplicative noise W ← W + σ z ⊙ W (scale invariant), at ``sigmas``;
    * ``test_error`` for teacher/digits data.
    """
    from .. import landscape, losses, models
    from ..data import digits_task, random_patterns, teacher_student
    from ..solvers import solve

    s_inst, s_solve, s_meas = _streams(seed, 3)
    test = None
    if data == "digits":
        train, test = digits_task(seed=_int_seed(s_inst))
        n = train.n
    if model == "perceptron":
        mdl = models.Perceptron(n, weights="spherical")
    elif model == "tree-relu":
        mdl = models.TreeCommittee(n, k, activation="relu", weights="spherical")
    else:
        mdl = models.Committee(n, k, activation="relu", weights="spherical")
    if data == "teacher":
        train, test = teacher_student(mdl, alpha=alpha, p_test=p_test, seed=s_inst)
    elif data == "random":
        train = random_patterns(n, alpha=alpha, seed=s_inst, model=mdl)
    t0 = time.perf_counter()
    res = solve(mdl, train, method=method, seed=_int_seed(s_solve), **_options(options))
    seconds = time.perf_counter() - t0
    w = np.asarray(res.weights, float)
    ws = _normalize_units(mdl, w)
    stab = mdl.stabilities(ws, train)
    out = {"solved": bool(res.solved), "n_errors": int(res.n_errors), "train_error": float(res.n_errors) / train.p,
           "iterations": int(res.iterations), "seconds": seconds, "p": train.p,
           "norm": float(np.linalg.norm(w) / math.sqrt(w.size)), "kappa_min": float(np.min(stab))}
    if test is not None:
        out["test_error"] = float(mdl.errors(w, test)) / test.p
    if hessian:
        h = landscape.hessian(mdl, train, ws, losses.cross_entropy(gamma_eval))
        ev = np.linalg.eigvalsh(0.5 * (h + h.T))
        out.update(lambda_max=float(ev[-1]), trace=float(ev.sum()), eigenvalues=ev)
    if sigmas:
        le = landscape.local_energy(mdl, train, w, np.asarray(sigmas, float), noise="multiplicative",
                                    n_draws=n_draws, seed=_int_seed(s_meas))
        out.update(sigma=np.asarray(le.scales), le_error=np.asarray(le.error_mean) - float(le.base_error))
    return out


# ----------------------------------------------------------------------------------------------------------
# asymmetric valleys and reparametrization on a trainable two-layer ReLU net (F9, F10)


def _two_layer_setup(n, k, alpha, data, s_inst, tree, p_test):
    from .. import models
    from ..data import random_patterns, teacher_student
    from ..landscape import TwoLayer

    net = TwoLayer(n, k, activation="relu", tree=tree, train_v=True)
    p = int(round(alpha * net.n_params))
    test = None
    if data == "teacher":
        teacher = models.Perceptron(n, weights="spherical")
        train, test = teacher_student(teacher, p=p, p_test=p_test, kind="gaussian", seed=s_inst)
    else:
        train = random_patterns(n, p=p, kind="gaussian", seed=s_inst)
    return net, train, test


@experiment("fig-valleys")
def fig_valleys(*, n: int = 40, k: int = 4, alpha: float = 1.0, data: Literal["random", "teacher"] = "teacher",
                lr: float = 0.1, steps: int = 4000, batch: int = 16, n_dirs: int = 40, n_t: int = 21,
                kinds: list[str] | None = None, n_show: int = 3, seed: int) -> dict:
    """Asymmetric valleys of a trained two-layer ReLU net (flatness_digest.md §2.5; He et al. 2019).

    Mini-batch SGD on the cross-entropy (γ = 1) from a random start; θ_SWA = the average of the iterates of
    the second half (:func:`wfm.landscape.sgd_swa`). For each direction family (``kinds``), ``n_dirs`` unit
    directions at θ_SGD: train-loss profiles on [−t_max, t_max] (t_max = 4 |θ_SWA − θ_SGD|), the fraction
    of asymmetric directions (|A| > 0.1) and, among them, the fraction where θ_SWA lies on the flat side
    (:func:`wfm.landscape.swa_bias`). ``n_show`` example profiles per family are returned
    (``profile_<kind>``, shape (n_show, n_t)), plus the line profile through θ_SWA and θ_SGD.
    """
    from .. import landscape

    kinds = list(kinds or ["gaussian", "tangential", "sign_consistent", "uniform01", "filter_normalized"])
    s_inst, s_train, s_dir = _streams(seed, 3)
    net, train, test = _two_layer_setup(n, k, alpha, data, s_inst, False, 1000)
    rng = np.random.default_rng(s_train)
    th0 = np.concatenate([rng.standard_normal(net.k * net.m), rng.standard_normal(net.k) / math.sqrt(net.k)])
    th_sgd, th_swa, _ = landscape.sgd_swa(net, train, th0, lr=lr, steps=steps, batch_size=batch,
                                          seed=_int_seed(s_train))
    rep = landscape.swa_bias(net, train, th_sgd, th_swa, kinds=tuple(kinds), n_dirs=n_dirs, n_t=n_t,
                             seed=_int_seed(s_dir), test=test)
    ts = np.asarray(rep["ts"])
    out = {"ts": ts, "distance": rep["distance"], "line_s": np.asarray(rep["line"]["s"]),
           "line_train_loss": np.asarray(rep["line"]["train_loss"])}
    if test is not None:
        out["line_test_error"] = np.asarray(rep["line"]["test_error"])
    ev_sgd = landscape.evaluate(net, th_sgd, train)
    ev_swa = landscape.evaluate(net, th_swa, train)
    out.update(train_loss_sgd=float(ev_sgd["loss"]), train_loss_swa=float(ev_swa["loss"]))
    for i, kind in enumerate(kinds):
        r = rep["directions"][kind]
        key = kind.replace("-", "_")
        out[f"frac_asym_{key}"] = r["n_asymmetric"] / r["n_dirs"]
        out[f"frac_flat_{key}"] = r["fraction_flat_side"]
        u = landscape.directions(kind, net, th_sgd, n=n_show, seed=[_int_seed(s_dir), i], normalize="unit")
        pr = landscape.profile(net, train, th_sgd, u, ts)
        out[f"profile_{key}"] = np.asarray(pr.train_loss)
    return out


@experiment("fig-reparam")
def fig_reparam(*, n: int = 40, k: int = 4, alpha: float = 1.0, lr: float = 0.1, steps: int = 3000,
                batch: int = 16, alphas: list[float] | None = None, seed: int) -> dict:
    """Flatness measures along the rescaling orbit of a trained ReLU net (flatness_digest.md §3.4–3.5).

    A two-layer ReLU net (trainable second layer) trained by mini-batch SGD on the CE, then
    (W_k, v_k) → (a_k W_k, v_k / a_k), which leaves the function unchanged (Dinh et al. 2017), at global
    a ∈ ``alphas``: every measure of :data:`wfm.landscape.REPARAM_TABLE` at each orbit point
    (``value_<measure>``, one per a) and its max/min ratio (``ratio_<measure>``), plus the largest change of
    the training loss along the orbit (should be round-off).
    """
    from .. import landscape

    alphas = list(alphas or [0.1, 0.3, 1.0, 3.0, 10.0])
    s_inst, s_train, s_meas = _streams(seed, 3)
    net, train, test = _two_layer_setup(n, k, alpha, "teacher", s_inst, False, 1000)
    rng = np.random.default_rng(s_train)
    th0 = np.concatenate([rng.standard_normal(net.k * net.m), rng.standard_normal(net.k) / math.sqrt(net.k)])
    th = landscape.train_gd(net, th0, train, lr=lr, steps=steps, batch_size=batch, seed=_int_seed(s_train))["theta"]
    rep = landscape.reparam_report(net, train, th, alphas=tuple(alphas), n_per_unit=0, seed=_int_seed(s_meas))
    out = {"orbit_a": np.asarray(alphas, float), "max_loss_change": float(rep["max_loss_change"]),
           "near_kink": float(rep["near_kink"])}
    for nm in rep["measures"]:
        out[f"value_{nm}"] = np.array([r[nm] for r in rep["rows"]], float)
        out[f"ratio_{nm}"] = float(rep["summary"][nm]["ratio"])
    return out

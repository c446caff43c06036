"""The experiments behind the reproduced figures (``fig-*``), registered in :mod:`wfm.experiments`.

Each is a keyword-only function ``(*, params..., seed) -> dict`` of scalars and arrays (see
:mod:`wfm.experiments.registry`). They compose the package's own estimators and solvers; nothing here computes a
physical quantity by a new method:

* ``fig-theory`` -- one replica-theory curve (binary RS entropy, α_c(κ) binary and spherical, κ_max(α)):
  :mod:`wfm.theory` (Gardner 1988; Krauth & Mézard 1989);
* ``fig-franz-parisi`` -- the RS Franz–Parisi local entropy V(d) around a κ̃-margin reference
  (Franz & Parisi 1995; Huang & Kabashima 2014, arXiv:1408.1784; Baldassi et al. 2021, arXiv:2107.01163):
  :func:`wfm.theory.franz_parisi`;
* ``fig-solve-measure`` -- one random (or teacher–student) instance of a binary model, solved by one method
  (or a uniformly sampled solution, by enumeration), then measured: local entropy S(W̃, d) by BP
  (Baldassi et al. 2015, arXiv:1509.05753) or by enumeration, local energy under random flips, test error;
* ``fig-fbp-max-local-entropy`` -- the internal entropy of focusing BP at large y (Baldassi et al. 2016,
  arXiv:1605.06444);
* ``fig-continuous`` -- continuous-weight models trained by gradient methods, measured with
  :mod:`wfm.landscape` (Hessian spectrum, multiplicative local energy: Pittorino et al. 2021,
  arXiv:2006.07897);
* ``fig-valleys``, ``fig-reparam`` -- asymmetric valleys (He, Huang & Yuan 2019, arXiv:1902.00744) and
  reparametrization orbits (Dinh et al. 2017, arXiv:1703.04933) of a trainable two-layer ReLU net.

Instances: every random instance is an :class:`wfm.instance.Instance` (the one α → P conversion and model
parser). Randomness: ``seed`` → ``SeedSequence(seed).spawn(3)`` → independent streams for the instance
(patterns, teacher: child 0, i.e. ``Instance(data_seed=seed, data_seed_key=(0,))``), the solver (child 1) and the
measurements (child 2), so the same seed gives the same instance at every method and every grid point (common
random numbers across the curves of a figure). Method options are a dict (a TOML table in a spec).
"""
from __future__ import annotations

import math
import time
import warnings
from typing import Literal

import numpy as np

from ..core.special import entropy_bound
from .registry import experiment

#: the short model names of the binary figure experiments (read by :class:`wfm.instance.Instance`)
BinaryModel = Literal["perceptron", "tree-sign", "tree-relu", "parity", "committee-sign"]
#: the continuous-weight models of ``fig-continuous``
ContinuousModel = Literal["perceptron", "tree-relu", "committee-relu"]
#: the spawn key of the instance stream: child 0 of ``SeedSequence(seed)``
INSTANCE_KEY = (0,)


# ----------------------------------------------------------------------------------------------------------
# helpers


def _streams(seed, n=3):
    return np.random.SeedSequence(seed).spawn(n)


def _int_seed(ss) -> int:
    return int(ss.generate_state(1)[0])


def figure_instance(*, model: str, n: int, seed: int, k: int | None = None, alpha: float | None = None,
                    p: int | None = None, margin: float = 0.0, weights: str = "binary", patterns: str = "binary",
                    teacher: bool = False, p_test: int = 0):
    """The :class:`~wfm.instance.Instance` of a figure task: data drawn from child 0 of ``SeedSequence(seed)``.

    ``k`` is ignored for the perceptron (the figure specs leave it out); ``p_test`` counts only with a teacher.
    """
    from ..instance import Instance

    return Instance(model=model, n=n, k=None if model == "perceptron" else k, alpha=alpha, p=p, margin=margin,
                    weights=weights, patterns=patterns, data_seed=seed, data_seed_key=INSTANCE_KEY,
                    teacher=teacher, p_test=p_test if teacher else 0)


def _check_method_options(method, options):
    from ..core.checks import check_options
    from ..solvers import method_info

    info = method_info(method)  # ValueError listing the methods
    check_options(f"method={method!r}", options or {}, info["options"])


def _check_solve_measure(p):
    figure_instance(model=p["model"], n=p["n"], k=p["k"], alpha=p["alpha"], margin=p["margin"], seed=0)
    if p["method"] == "uniform":
        if p["options"]:
            raise ValueError(f"options={p['options']!r}: method='uniform' (a uniformly sampled solution) takes none")
    else:
        _check_method_options(p["method"], p["options"])


def _check_continuous(p):
    if p["data"] != "digits":
        figure_instance(model=p["model"], n=p["n"], k=p["k"], alpha=p["alpha"], weights="spherical", seed=0)
    _check_method_options(p["method"], p["options"])


# ----------------------------------------------------------------------------------------------------------
# theory


@experiment("fig-theory")
def fig_theory(*, quantity: Literal["entropy", "binary_capacity", "spherical_capacity", "max_margin", "overlap"],
               lo: float, hi: float, points: int = 41, kappa: float = 0.0) -> dict:
    """One replica-theory curve on ``points`` equally spaced x in [lo, hi].

    ``entropy``: binary RS entropy s(α; κ) vs α; ``overlap``: binary RS q(α; κ) vs α; ``binary_capacity``:
    α_c(κ), the zero of the RS entropy (Krauth & Mézard 1989, J. Phys. France 50, 3057) vs κ;
    ``spherical_capacity``: α_c(κ) = [∫_{−κ}^∞ Dz (z + κ)²]^{−1} (Gardner 1988, J. Phys. A 21, 257) vs κ;
    ``max_margin``: κ_max(α) vs α. ``kappa`` is the margin κ of the theory (stabilities Δ ≥ κ). Points where
    the theory raises are dropped (reported in ``n_dropped``).
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
    """RS Franz–Parisi local entropy V(d) around a reference of margin κ̃ (:func:`wfm.theory.franz_parisi`).

    The reference is drawn uniformly among the solutions of margin κ̃ = ``kappa_ref`` (κ̃ = 0: a typical
    solution, Huang & Kabashima 2014, arXiv:1408.1784; κ̃ > 0: the high-margin references of Baldassi, Lauditi,
    Malatesta, Perugini & Zecchina 2021, arXiv:2107.01163); V(d) counts the solutions of margin κ = ``kappa``
    at normalized Hamming distance d from it.

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
def fig_solve_measure(*, model: BinaryModel = "perceptron", n: int, k: int | None = None, alpha: float, method: str,
                      options: dict | None = None, margin: float = 0.0, teacher: bool = False, p_test: int = 2000,
                      local_entropy: Literal["none", "bp", "exact"] = "none", gammas: list[float] | None = None,
                      flips: list[float] | None = None, n_draws: int = 50, keep_weights: bool = False,
                      bp_max_iters: int = 300, seed: int) -> dict:
    """Solve one instance of a binary model with ``method`` (``"uniform"``: a uniformly sampled solution, by
    exhaustive enumeration) and measure the solution found.

    Instance (:func:`figure_instance`): P = round(α·n_weights) random ±1 patterns with random labels, or
    (``teacher``) labels of a random binary teacher of the same architecture, plus ``p_test`` test patterns.
    ``options``: the method's options (a dict). The solver works on the model with margin κ = ``margin``
    (stabilities Δ > κ; κ > 0 gives high-margin references, Baldassi et al. 2021, arXiv:2107.01163); every
    measure counts zero-margin solutions of the same patterns:

    * ``local_entropy="bp"``: S(W̃, d) = φ(γ) − γ q(γ), d = (1 − q)/2, over ``gammas`` by BP on the
      γ-coupled measure (Baldassi et al. 2015, arXiv:1509.05753; :func:`wfm.bp.local_entropy`);
      ``"exact"``: (1/N) ln 𝒩(W̃, d) by enumeration (:mod:`wfm.exact`);
    * ``flips``: local energy, the mean training error after flipping a fraction d of the weights
      (:func:`wfm.landscape.local_energy`, ``n_draws`` draws per d);
    * ``teacher``: the test error of the solution.

    ``bp_max_iters`` bounds the BP sweeps per γ (a γ whose BP does not converge is dropped and counted in
    ``n_unconverged``).

    The measures are taken only on solutions (a failed solve returns empty curves).
    """
    from .. import exact, landscape
    from ..solvers import solve

    _, s_solve, s_meas = _streams(seed, 3)
    inst = figure_instance(model=model, n=n, k=k, alpha=alpha, margin=margin, teacher=teacher, p_test=p_test,
                           seed=seed)
    mdl, train, test = inst.build_with_test()
    mdl0 = inst.replace(margin=0.0).build_model() if margin else mdl  # the measures count zero-margin solutions
    t0 = time.perf_counter()
    if method == "uniform":
        try:
            w = exact.sample_solutions(mdl, train, 1, seed=_int_seed(s_solve))[0]
            solved, n_errors, iterations = True, 0, 0
        except ValueError:  # the instance has no solution (possible at small N): nothing to sample
            w, solved, n_errors, iterations = mdl.random_weights(seed=_int_seed(s_solve)), False, -1, 0
    else:
        res = solve(mdl, train, method=method, seed=_int_seed(s_solve), **(options or {}))
        w, solved, n_errors, iterations = res.weights, bool(res.solved), int(res.n_errors), int(res.iterations)
    seconds = time.perf_counter() - t0
    out = {"solved": solved, "n_errors": n_errors, "iterations": iterations, "seconds": seconds, "p": train.p,
           "n_weights": mdl0.n_weights}
    zero = mdl0.errors(w, train) == 0
    out["solves_margin0"] = bool(zero)
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
    """Maximal local entropy curve by focusing BP at large y (Baldassi et al. 2016, arXiv:1605.06444).

    The y → ∞ large-deviation curve (Baldassi et al. 2015, arXiv:1509.05753) is not computed here; this is its
    practical substitute. fBP with the scoping protocol (fixed ``y``, γ along ``gammas``) on a random binary perceptron instance,
    not stopping at the first solution. Each protocol step gives the replica–centre overlap S and the internal
    entropy Σ_int = −βF − γS (the local entropy of the dominant centre); returned as d = (1 − S)/2 and
    ``sigma_int``. Only the leading stretch where BP is stable is returned: the points up to the first step
    where Σ_int stops decreasing, exceeds H(d), or the centre stops being a solution after having been one
    (BP leaves the dense region; ``n_dropped`` counts the rest).
    """
    from ..solvers import solve

    _, s_solve = _streams(seed, 2)
    mdl, pats = figure_instance(model="perceptron", n=n, alpha=alpha, seed=seed).build()
    res = solve(mdl, pats, method="fbp", seed=_int_seed(s_solve), protocol="scoping", gammas=gammas, y=y,
                stop_at_solution=False, max_iters=max_iters)
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


@experiment("fig-continuous", check=_check_continuous)
def fig_continuous(*, model: ContinuousModel = "perceptron", n: int = 201, k: int | None = None,
                   alpha: float = 0.5, method: str = "sgd-ce", options: dict | None = None,
                   data: Literal["random", "teacher", "digits"] = "random", p_test: int = 2000,
                   gamma_eval: float = 1.0, sigmas: list[float] | None = None, n_draws: int = 50,
                   hessian: bool = True, seed: int) -> dict:
    """Train a continuous-weight model with a gradient solver of :func:`wfm.solve` and measure its flatness.

    Data: random ±1 patterns with random labels (P = round(α·n_weights)), a teacher–student set (teacher of the
    same architecture, ``p_test`` test patterns; both through :func:`figure_instance`), or scikit-learn's digits
    (even vs odd, N = 65, its own split; ``n``/``alpha`` ignored). ``options``: the method's options (a dict).
    Measures (Baldassi, Pittorino & Zecchina 2020, arXiv:1905.07833; Pittorino et al. 2021, arXiv:2006.07897):

    * ``norm`` = |W|/√(n_weights) (the effective γ of the CE is γ·norm) and the smallest normalized
      stability κ_min = min_μ Δ^μ after scaling each unit to |W_k|² = m;
    * ``lambda_max``, ``trace``: top eigenvalue and trace of the Hessian of L = (1/P) Σ_μ f_γ(Δ^μ) with
      γ = ``gamma_eval``, at the configuration scaled to the sphere (so the scale of W does not enter);
    * local energy: train error under multiplicative noise W ← W + σ z ⊙ W (scale invariant), at ``sigmas``;
    * ``test_error`` for teacher/digits data.
    """
    from .. import landscape, losses
    from ..data import digits_task
    from ..solvers import solve

    s_inst, s_solve, s_meas = _streams(seed, 3)
    if data == "digits":  # a data set, not a random instance: the model is built on its N inputs
        train, test = digits_task(seed=_int_seed(s_inst))
        from ..instance import model_from_description

        mdl = model_from_description({"model": model, "n": train.n, "k": k, "weights": "spherical"})
    else:
        inst = figure_instance(model=model, n=n, k=k, alpha=alpha, weights="spherical", teacher=data == "teacher",
                               p_test=p_test, seed=seed)
        mdl, train, test = inst.build_with_test()
    t0 = time.perf_counter()
    res = solve(mdl, train, method=method, seed=_int_seed(s_solve), **(options or {}))
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


def _two_layer_setup(n, k, alpha, data, seed, tree, p_test):
    """The net and its data: P = round(α·n_params) Gaussian patterns (``n_params`` counts W and v), labelled at
    random or by a spherical perceptron teacher; the instance is drawn from child 0 of ``SeedSequence(seed)``."""
    from ..data import n_patterns
    from ..landscape import TwoLayer

    net = TwoLayer(n, k, activation="relu", tree=tree, train_v=True)
    inst = figure_instance(model="perceptron", n=n, p=n_patterns(alpha, None, net.n_params), weights="spherical",
                           patterns="gaussian", teacher=data == "teacher", p_test=p_test, seed=seed)
    _, train, test = inst.build_with_test()
    return net, train, test


@experiment("fig-valleys")
def fig_valleys(*, n: int = 40, k: int = 4, alpha: float = 1.0, data: Literal["random", "teacher"] = "teacher",
                lr: float = 0.1, steps: int = 4000, batch: int = 16, n_dirs: int = 40, n_t: int = 21,
                kinds: list[str] | None = None, n_show: int = 3, seed: int) -> dict:
    """Asymmetric valleys of a trained two-layer ReLU net (He, Huang & Yuan 2019, arXiv:1902.00744).

    Mini-batch SGD on the cross-entropy (γ = 1) from a random start; θ_SWA = the average of the iterates of
    the second half (:func:`wfm.landscape.sgd_swa`). For each direction family (``kinds``), ``n_dirs`` unit
    directions at θ_SGD: train-loss profiles on [−t_max, t_max] (t_max = 4 |θ_SWA − θ_SGD|), the fraction
    of asymmetric directions (|A| > 0.1) and, among them, the fraction where θ_SWA lies on the flat side
    (:func:`wfm.landscape.swa_bias`). ``n_show`` example profiles per family are returned
    (``profile_<kind>``, shape (n_show, n_t)), plus the line profile through θ_SWA and θ_SGD.
    """
    from .. import landscape

    kinds = list(kinds or ["gaussian", "tangential", "sign_consistent", "uniform01", "filter_normalized"])
    _, s_train, s_dir = _streams(seed, 3)
    net, train, test = _two_layer_setup(n, k, alpha, data, seed, False, 1000)
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
    """Flatness measures along the rescaling orbit of a trained ReLU net (Dinh et al. 2017, arXiv:1703.04933).

    A two-layer ReLU net (trainable second layer) trained by mini-batch SGD on the CE, then
    (W_k, v_k) → (a_k W_k, v_k / a_k), which leaves the function unchanged (Dinh et al. 2017), at global
    a ∈ ``alphas``: every measure of :data:`wfm.landscape.REPARAM_TABLE` at each orbit point
    (``value_<measure>``, one per a) and its max/min ratio (``ratio_<measure>``), plus the largest change of
    the training loss along the orbit (should be round-off).
    """
    from .. import landscape

    alphas = list(alphas or [0.1, 0.3, 1.0, 3.0, 10.0])
    _, s_train, s_meas = _streams(seed, 3)
    net, train, _ = _two_layer_setup(n, k, alpha, "teacher", seed, False, 1000)
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

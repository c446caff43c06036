r"""Local entropy of a configuration, and the entropy of the whole solution space, by BP or by enumeration.

Local entropy (Baldassi et al., PRL 115, 128101 (2015), arXiv:1509.05753; PNAS 2016, arXiv:1605.06444): for a reference W̃ (need not be a solution),

    Φ(W̃, γ) = (1/N) ln Σ_W 𝕏_ξ(W) e^{γ W·W̃}          (BP: Bethe free entropy with external field γW̃)
    q(γ)    = ∂Φ/∂γ = (1/N) Σ_i W̃_i m_i              (BP magnetizations)
    S(W̃, d) = Φ(γ) − γ q(γ),   d = (1 − q)/2          (Legendre transform)

bounded above by H(d) = −d ln d − (1−d) ln(1−d) (every configuration at distance d a solution).
``method="exact"`` counts the solutions at each Hamming distance with :func:`wfm.exact.distance_counts`:
S(d_k) = (1/N) ln 𝒩_k at d_k = k/N. A γ at which BP does not converge is flagged (``converged`` False) and
its d, S, φ, q are NaN: it is never silently used.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..core.checks import check_choice, check_float, check_int
from ..core.records import load_npz, save_npz
from ..core.special import entropy_bound as binary_entropy_bound
from .core import make_state

__all__ = ["LocalEntropyCurve", "local_entropy", "entropy", "binary_entropy_bound", "exact_canonical",
           "DEFAULT_GAMMAS"]

#: default γ grid: dense at small γ (typical distances), up to γ = 10 (d ≈ 1e-4 for a wide minimum)
DEFAULT_GAMMAS = np.concatenate([np.arange(0.0, 2.0, 0.1), np.arange(2.0, 5.0, 0.25), np.arange(5.0, 10.01, 1.0)])


def exact_canonical(counts, gammas):
    """Exact Φ(γ) and q(γ) per weight from distance counts 𝒩_k (k = 0…N): Φ = (1/N) ln Σ_k 𝒩_k e^{γ(N − 2k)}."""
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.size - 1
    k = np.arange(n + 1)
    gam = np.atleast_1d(np.asarray(gammas, dtype=np.float64))
    with np.errstate(divide="ignore"):
        lc = np.where(counts > 0, np.log(np.where(counts > 0, counts, 1.0)), -np.inf)
    e = lc[None, :] + gam[:, None] * (n - 2 * k)[None, :]
    top = e.max(axis=1, keepdims=True)
    w = np.exp(e - top)
    z = w.sum(axis=1)
    phi = (top[:, 0] + np.log(z)) / n
    q = (w * (n - 2 * k)[None, :]).sum(axis=1) / z / n
    return phi, q


@dataclass
class LocalEntropyCurve:
    """Local entropy curve S(d) around a reference.

    Arrays (same length): ``d`` distance, ``s`` local entropy per weight, ``phi`` Φ(γ), ``q`` overlap, ``gamma``,
    ``converged`` (BP: the fixed point at that γ converged; non-converged entries are NaN), ``upper`` H(d).
    ``method`` is "bp" or "exact" (exact: microcanonical points d_k = k/N with 𝒩_k > 0; γ, φ are NaN).
    """

    d: np.ndarray
    s: np.ndarray
    phi: np.ndarray
    q: np.ndarray
    gamma: np.ndarray
    converged: np.ndarray
    upper: np.ndarray
    method: str
    n_weights: int
    meta: dict = field(default_factory=dict)

    _ARRAYS = ("d", "s", "phi", "q", "gamma", "converged", "upper")

    def valid(self):
        """The converged, finite points only (a new curve)."""
        ok = np.asarray(self.converged, bool) & np.isfinite(self.s)
        return LocalEntropyCurve(**{a: np.asarray(getattr(self, a))[ok] for a in self._ARRAYS},
                                 method=self.method, n_weights=self.n_weights, meta=dict(self.meta))

    def to_dict(self):
        out = {a: np.asarray(getattr(self, a)).tolist() for a in self._ARRAYS}
        out.update(method=self.method, n_weights=self.n_weights, meta=self.meta)
        return out

    def save(self, path):
        """``.npz`` with the arrays and a JSON header (no pickle)."""
        save_npz(path, {"method": self.method, "n_weights": self.n_weights, "meta": self.meta},
                 {a: getattr(self, a) for a in self._ARRAYS})

    @classmethod
    def load(cls, path):
        meta, arrays = load_npz(path)
        missing = [a for a in cls._ARRAYS if a not in arrays]
        if missing or "method" not in meta:
            raise ValueError(f"path: {path} is not a saved local-entropy curve (missing {', '.join(missing) or 'method'})")
        return cls(**{a: arrays[a] for a in cls._ARRAYS}, method=meta["method"], n_weights=meta["n_weights"],
                   meta=meta.get("meta", {}))

    def plot(self, ax=None, label=None, bound=True, **kwargs):
        """Plot S(d) (converged points) and, if ``bound``, H(d); returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(4.5, 3.5))
        v = self.valid()
        order = np.argsort(v.d)
        style = {"marker": "o", "ms": 3} if self.method == "exact" else {"marker": ".", "ms": 4}
        style.update(kwargs)
        ax.plot(v.d[order], v.s[order], label=label or self.method, **style)
        if bound:
            dd = np.linspace(1e-4, max(0.5, float(np.nanmax(v.d)) if v.d.size else 0.5), 200)
            ax.plot(dd, binary_entropy_bound(dd), "k--", lw=0.8, label="H(d)")
        ax.axhline(0.0, color="0.6", lw=0.5)
        ax.set_xlabel("distance d")
        ax.set_ylabel("local entropy S(d)")
        ax.legend(frameon=False)
        return ax


def _check_instance(model, patterns):
    from .core import kernel_arrays
    kernel_arrays(model, patterns)  # validates model kind, patterns, sizes


def _gamma_grid(gammas):
    if gammas is None:
        return DEFAULT_GAMMAS.copy()
    g = np.atleast_1d(np.asarray(gammas, dtype=np.float64))
    if g.ndim != 1 or g.size == 0 or not np.all(np.isfinite(g)) or np.any(g < 0):
        raise ValueError("gammas must be a non-empty 1-d list of finite numbers >= 0")
    return g


def _iterate(bp, max_iters, epsilon, fallback_damping, saved):
    """Iterate; if BP does not converge and ``fallback_damping`` > current damping, restart from ``saved`` once
    with that damping (small loopy graphs often oscillate undamped). Returns (converged, sweeps, used fallback)."""
    ok, it, _ = bp.iterate(max_iters=max_iters, epsilon=epsilon)
    if ok or fallback_damping is None or fallback_damping <= bp.damping:
        return ok, it, False
    old = bp.damping
    bp.restore_messages(saved)
    bp.damping = fallback_damping
    try:
        ok, it2, _ = bp.iterate(max_iters=max_iters, epsilon=epsilon)
    finally:
        bp.damping = old
    return ok, it + it2, True


def local_entropy(model, patterns, reference, method="bp", gammas=None, accuracy="auto", damping=0.0,
                  epsilon=1e-7, max_iters=2000, seed=0, randfact=0.01, fallback_damping=0.5,
                  form="auto") -> LocalEntropyCurve:
    """Local entropy S(W̃, d) around ``reference`` (module docstring).

    ``method="bp"``: for each γ of ``gammas`` (default :data:`DEFAULT_GAMMAS`, visited in increasing order and
    warm-started from the previous fixed point) run BP with external field γW̃ to ``epsilon``; a γ whose BP does
    not converge within ``max_iters`` sweeps is flagged and NaN (the next γ restarts from the last converged
    messages). A γ that does not converge undamped is retried once with ``fallback_damping`` (None: no retry);
    ``meta["damped"]`` lists those γ. ``method="exact"``: enumeration (small N; :func:`wfm.exact.distance_counts`).
    ``form``: per-edge BP ("edges"), AMP ("amp") or "auto" (:func:`wfm.bp.core.resolve_form`); with AMP the
    convergence criterion ``epsilon`` applies to the weights' magnetizations.
    """
    check_choice("method", method, ("bp", "exact"))
    _check_instance(model, patterns)
    ref = model.check_weights(reference)
    if ref.ndim != len(model.weight_shape):
        raise ValueError("reference must be one configuration, not a batch")
    nw = model.n_weights
    if method == "exact":
        from .. import exact
        counts = np.asarray(exact.distance_counts(model, patterns, ref))
        k = np.nonzero(counts > 0)[0]
        d = k / nw
        s = np.log(counts[k].astype(np.float64)) / nw
        nan = np.full(k.size, np.nan)
        return LocalEntropyCurve(d=d, s=s, phi=nan, q=1 - 2 * d, gamma=nan.copy(), converged=np.ones(k.size, bool),
                                 upper=binary_entropy_bound(d), method="exact", n_weights=nw,
                                 meta={"n_solutions": int(counts.sum())})
    g = np.sort(_gamma_grid(gammas))
    ref_f = ref.astype(np.float64).reshape(-1)
    bp = make_state(model, patterns, form=form, field=0.0 * ref_f, accuracy=accuracy, damping=damping, seed=seed,
                    randfact=randfact)
    n = g.size
    phi, q, conv, iters = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, bool), np.zeros(n, int)
    saved = bp.copy_messages()
    damped = []
    for j, gam in enumerate(g):
        bp.set_field(gam * ref_f)
        saved_here = bp.copy_messages()
        ok, it, fb = _iterate(bp, max_iters, epsilon, fallback_damping, saved_here)
        if fb:
            damped.append(float(gam))
        iters[j] = it
        if ok:
            f = bp.free_entropy()
            qq = bp.overlap(ref_f)
            if math.isfinite(f) and math.isfinite(qq) and bp.contradictions == 0:
                phi[j], q[j], conv[j] = f, qq, True
                saved = bp.copy_messages()
                continue
        bp.restore_messages(saved)
    if not conv.all():
        warnings.warn(f"local_entropy: BP did not converge at gamma = {g[~conv].tolist()} (flagged, excluded)",
                      RuntimeWarning, stacklevel=2)
    s = phi - g * q
    d = (1.0 - q) / 2.0
    return LocalEntropyCurve(d=d, s=s, phi=phi, q=q, gamma=g, converged=conv, upper=binary_entropy_bound(d),
                             method="bp", n_weights=nw,
                             meta={"accuracy": bp.accuracy, "form": bp.form, "epsilon": epsilon, "max_iters": max_iters,
                                   "damping": damping, "iterations": iters.tolist(), "seed": seed,
                                   "damped": damped})


def entropy(model, patterns, method="bp", accuracy="auto", damping=0.0, epsilon=1e-7, max_iters=2000, seed=0,
            randfact=0.01, fallback_damping=0.5, form="auto") -> float:
    """Entropy per weight of the solution space, (1/N) ln #solutions.

    ``method="bp"``: the Bethe free entropy at zero field (NaN with a RuntimeWarning if BP
    does not converge, also after one retry with ``fallback_damping``); ``method="exact"``: the log of the exhaustive count (−inf when there is no solution).
    ``form``: "edges", "amp" or "auto" (:func:`wfm.bp.core.resolve_form`).
    """
    check_choice("method", method, ("bp", "exact"))
    _check_instance(model, patterns)
    if method == "exact":
        from .. import exact
        c = int(exact.count_solutions(model, patterns))
        return math.log(c) / model.n_weights if c > 0 else -math.inf
    check_int("max_iters", max_iters, min_value=1)
    check_float("epsilon", epsilon, positive=True)
    bp = make_state(model, patterns, form=form, accuracy=accuracy, damping=damping, seed=seed, randfact=randfact)
    ok, it, _ = _iterate(bp, max_iters, epsilon, fallback_damping, bp.copy_messages())
    phi = bp.free_entropy() if ok else math.nan
    if not (ok and math.isfinite(phi) and bp.contradictions == 0):
        warnings.warn(f"entropy: BP did not converge in {it} sweeps; returning NaN",
                      RuntimeWarning, stacklevel=2)
        return math.nan
    return float(phi)

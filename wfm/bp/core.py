r"""Belief propagation on binary perceptrons and two-layer machines (sign and ReLU committees, parity machine): state,
iteration, free entropy.

Factor graph (Baldassi et al., PNAS 113, E7655 (2016), arXiv:1605.06444, SI): ±1 weights W_{ki}, one factor per pattern μ (the hidden outputs of a
committee are summed out inside it), an external field θ_{ki} on every weight (θ = γW̃ to measure the local
entropy around W̃, Baldassi et al., PRL 115, 128101 (2015), arXiv:1509.05753), and optionally a
focusing/reinforcement field ũ_{ki} (fBP, Baldassi et al. 2016; reinforcement: Braunstein & Zecchina, PRL 96,
030201 (2006)). Message equations and their numerically safe field parametrization are in
:mod:`wfm.bp._kernels.factors`; the AMP form in :mod:`wfm.bp.amp`.

Bethe free entropy per weight (normalised messages, fields h = H − u; Mézard & Montanari, *Information,
Physics, and Computation* (2009), ch. 14):

    φ = (1/N_w) [ Σ_μ ln Z_μ + Σ_{ki} ( (1 − P) ln 2cosh H_{ki} + Σ_μ ln 2cosh h_{ki→μ} ) ],

which is Σ_a ln Z_a + Σ_i ln Z_i − Σ_{(i,a)} ln Z_{ia} with Z_i = 2cosh(H_i)/Π_a 2cosh(u_{a→i}) (the external
field is part of Z_i) and Z_{ia} = 2cosh(H_i)/(2cosh h_{i→a} 2cosh u_{a→i}). At θ = 0 it estimates
(1/N) ln #solutions; at θ = γW̃ it estimates Φ(W̃, γ) = (1/N) ln Σ_W 𝕏(W) e^{γ W·W̃}.

Replicated (fBP) free entropy per weight and replica, with the y replicas coupled to a traced-out centre by
e^{γ s c} (Baldassi et al., PNAS 113, E7655 (2016), arXiv:1605.06444, SI): see :meth:`MessagePassing.replicated_free_entropy`.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..core.checks import check_choice, check_float, check_int, check_seed
from ..core.special import log_2cosh
from ..core.codes import Output
from ..kernels.arrays import KernelArrays, model_code
from ..models import Model
from . import _kernels as K

__all__ = ["BP", "BPResult", "MessagePassing", "run_bp", "make_state", "resolve_form", "kernel_arrays", "SCHEDULES",
           "FORMS", "AMP_AUTO_MIN_WEIGHTS", "SOLVER_AMP_MIN_WEIGHTS"]

_ACCURACIES = ("auto", "gaussian", "exact")
SCHEDULES = ("sequential", "parallel")
FORMS = ("auto", "edges", "amp")
#: form="auto" uses AMP from this many weights on (see :func:`resolve_form`; success rates in BENCHMARKS.md)
AMP_AUTO_MIN_WEIGHTS = 3000
#: the solvers ``bp``/``fbp`` pick AMP from this size on (form="auto"): at N = 1001, α ∈ 0.70–0.78, focusing BP
#: in the AMP form reaches α₅₀ = 0.7405 ± 0.0024 against 0.731 ± 0.003 per edge (benchmarks/BENCHMARKS.md,
#: "Threshold tuning"); on the sign tree K = 3, N = 1005 it solves 4/10 against 2/10 at α = 0.75, 6× faster
#: (BENCHMARKS.md, "Solvers"); measurements (local entropy, Bethe free entropy) keep AMP_AUTO_MIN_WEIGHTS
SOLVER_AMP_MIN_WEIGHTS = 1000
#: largest number of inputs per unit for which accuracy="auto" picks the exact convolution
AUTO_EXACT_MAX_M = 63


#: output rules the AMP form implements (the per-edge form implements every rule of wfm.core.codes.Output)
AMP_OUTPUTS = (Output.PERCEPTRON, Output.SIGN)


def _check_model(model, amp=False):
    if not isinstance(model, Model):
        raise TypeError(f"model must be a wfm model (Perceptron, TreeCommittee, Committee, ParityMachine), got {model!r}")
    if not model.binary:
        raise ValueError(f"belief propagation here needs binary weights (weights='binary'), got {model!r}")
    if model.kind not in ("perceptron", "tree", "committee", "parity"):
        raise ValueError("belief propagation supports model kinds 'perceptron', 'tree', 'committee', 'parity'; "
                         f"got {model.kind!r}")
    if amp and model_code(model) not in AMP_OUTPUTS:
        raise ValueError(f"form='amp' supports the perceptron and sign committees only; use form='edges' for {model!r}")


def kernel_arrays(model, patterns) -> KernelArrays:
    """The checked :class:`~wfm.kernels.arrays.KernelArrays` of a BP instance (model kind, patterns, sizes).

    BP reads ``xi`` (P, N) as stored (int8 ±1 or float32) and ``sig`` (P,) int8 and forms the label-absorbed
    input x = σ^μ ξ^μ_{cols(k, i)} inside the kernels: nothing of size P × N is converted to float64.
    Perceptron: thr = κ√N (pattern satisfied iff Σ_i x_i W_i > κ√N); committees: thr = 0 on the hidden fields
    and κ on the output Σ_k τ_k.
    """
    _check_model(model)
    return KernelArrays(model, patterns)


def thresholds(model):
    """(thr on a unit's field, κ_out on the output) of a BP model, in the unscaled fields Σ_i x_i W_i: the perceptron
    κ√N on its field; sign committee and parity machine κ on Σ_k τ_k and Π_k τ_k; ReLU committee κ√m on
    Σ_k c_k relu(Σ_i x_i W_ki) (relu is positively homogeneous, so the 1/√m moves into the threshold)."""
    code = model_code(model)
    if code == Output.PERCEPTRON:
        return model.margin * math.sqrt(model.m), 0.0
    if code == Output.RELU:
        return 0.0, float(model.margin) * math.sqrt(model.m)
    return 0.0, float(model.margin)


def message_settings(damping, randfact, seed):
    """The settings every message-passing state shares, checked once: damping and the size of the random
    initial messages in [0, 1), and the random generator of ``seed`` (an int, a SeedSequence or a Generator)."""
    damping_ = check_float("damping", damping, nonnegative=True)
    if damping_ >= 1.0:
        raise ValueError(f"damping must be in [0, 1), got {damping}")
    randfact_ = check_float("randfact", randfact, nonnegative=True)
    if randfact_ >= 1.0:
        raise ValueError(f"randfact must be in [0, 1), got {randfact}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(np.random.SeedSequence(seed))
    return damping_, randfact_, rng


@dataclass
class BPResult:
    """Outcome of :func:`run_bp`: converged flag, iterations, last max message change, Bethe free entropy per
    weight ``phi``, magnetizations (model weight shape), and the :class:`BP` state (for warm starts)."""

    converged: bool  # fixed point reached, finite, and no contradictory pattern
    iterations: int
    delta: float
    phi: float
    magnetizations: np.ndarray
    state: "BP" = field(repr=False)


class MessagePassing:
    """What the per-edge (:class:`BP`) and the AMP (:class:`wfm.bp.amp.AMP`) forms share: the external field θ,
    the focusing parameters, the total fields H (K, m), iteration to a fixed point, the observables and the
    (replicated) Bethe free entropy from the subclass's ``_pattern_terms`` (Σ_μ ln Z_μ, Σ_{μ,i} ln 2cosh h_{i→μ},
    contradictions)."""

    form = ""

   # -- state ---------------------------------------------------------------------------------
    @property
    def n_weights(self):
        return self.k * self.m

    def set_field(self, field):
        """Set the external field θ (model weight shape, flat, or a scalar); keeps the messages."""
        f = np.asarray(field, dtype=np.float64)
        if f.ndim == 0:
            f = np.full((self.k, self.m), float(f))
        if f.size != self.n_weights:
            raise ValueError(f"field must have {self.n_weights} entries (the model's weights), got shape {f.shape}")
        f = f.reshape(self.k, self.m)
        if not np.all(np.isfinite(f)):
            raise ValueError("field must be finite")
        self.theta = np.ascontiguousarray(f)
        self._refresh()

    def set_focusing(self, gamma, y):
        """Set the focusing parameters (γ ≥ 0, possibly ∞; y ≥ 1) used by the weight-node updates."""
        gamma = float(gamma)
        y = float(y)
        if not (gamma >= 0.0) or math.isnan(gamma):
            raise ValueError(f"gamma must be >= 0 (inf allowed), got {gamma}")
        if not (y >= 1.0) or not math.isfinite(y):
            raise ValueError(f"y must be a finite number >= 1, got {y}")
        self.gamma, self.y = gamma, y

    def _focusing_active(self):
        return not (self.y == 1.0 or self.gamma == 0.0) or bool(np.any(self.ut != 0.0))

    def iterate(self, max_iters=1000, epsilon=1e-6):
        """Sweep until the max message change is below ``epsilon`` or ``max_iters`` sweeps; (converged, iters, delta).

        A NaN anywhere is reported as not converged (never silently used).
        """
        max_iters = check_int("max_iters", max_iters, min_value=1)
        epsilon = check_float("epsilon", epsilon, positive=True)
        d = math.inf
        for it in range(1, max_iters + 1):
            d = self.sweep()
            if not math.isfinite(d) or not np.all(np.isfinite(self.H)):
                return False, it, math.nan
            if d < epsilon:
                return True, it, d
        return False, max_iters, d

    # -- observables ---------------------------------------------------------------------------------

    # -- observables ---------------------------------------------------------------------------------
    def magnetizations(self):
        """Per-weight magnetizations m_{ki} = tanh H_{ki} (model weight shape)."""
        return np.tanh(self.H).reshape(self.model.weight_shape)

    def count_errors(self, weights=None):
        """Training errors of ``weights`` (default: the clipped weights sign(m)) on this instance's patterns,
        counted by a compiled pass over the stored (int8 or float32) patterns (no P × N temporary); the rule of
        :meth:`wfm.models.Model.errors`."""
        from ._kernels import amp as A
        w = self.clipped_weights() if weights is None else weights
        if self.code not in AMP_OUTPUTS:
            # ReLU committee, parity machine: the model's own rule (the compiled pass implements sign outputs)
            model = self.model
            lam = model.preactivation(np.asarray(w).reshape(model.weight_shape), self.xi)
            return int(np.count_nonzero(self.sig * lam <= model.margin))
        W = np.ascontiguousarray(np.asarray(w, dtype=np.float64).reshape(self.k, self.m))
        f = A.count_errors if K.use_threads(self.xi.size * self.k) else A.count_errors_serial
        return int(f(self.code, self.xi, self.sig, self.tree, W, self.thr, self.kappa_out))

    def clipped_weights(self):
        """sign(m) as int8 ±1 (ties → +1), the fBP "nonbayes" estimate."""
        return np.where(self.H >= 0.0, 1, -1).astype(np.int8).reshape(self.model.weight_shape)

    def centre_weights(self):
        """The fBP centre sign(y t_i) = sign(g_i), g = H − ũ (replica→coupling field; the centre's field is y t_i
        with t = atanh(tanh γ tanh g), :meth:`replicated_entropies`), as int8 ±1 (ties → +1), model weight shape.
        Without focusing (γ = 0 or y = 1) it is sign(H)."""
        g = self.H - self.ut
        return np.where(g >= 0.0, 1, -1).astype(np.int8).reshape(self.model.weight_shape)

    def free_entropy(self):
        """Bethe free entropy per weight φ (module docstring); θ + ũ act as the external field.

        ``self.contradictions`` is set to the number of patterns that the messages make impossible (ln Z_μ
        below −LNZ_FLOOR, clamped there so that φ stays finite); a state with contradictions is not a valid
        estimate (BP found no solution compatible with the field) and the callers flag it.
        """
        lnz, edge, self.contradictions = self._pattern_terms()
        total = lnz + edge + (1.0 - self.p) * log_2cosh(self.H).sum()
        return total / self.n_weights

    def overlap(self, reference):
        """q = (1/N_w) Σ W̃_{ki} m_{ki}."""
        ref = np.asarray(reference, dtype=np.float64).reshape(self.k, self.m)
        return float((ref * np.tanh(self.H)).sum() / self.n_weights)

    def replicated_free_entropy(self):
        r"""Replicated Bethe free entropy for the focusing measure (y replicas coupled by e^{γ s c} to a centre c).

        Returns ``(phi_rep, S, sigma_int)`` per weight and replica: ``phi_rep = ln Z_rep / (N_w y)``; ``S`` the
        replica–centre overlap ⟨s c⟩; ``sigma_int = phi_rep − γ S`` (the anchor's Σ_int = −βF − γS; it is
        S_int + Σ_ext/y, not the local entropy: :meth:`replicated_entropies` separates the two). With
        g = H − ũ the replica→coupling field, t = atanh(tanh γ tanh g), w = (y−1)t:

            ln Z_rep/y = Σ_μ ln Z_μ + Σ_i [ −P ln2cosh H_i + Σ_μ ln2cosh h_{i→μ} + ln2cosh g_i ]
                         + Σ_i [ ln(e^γ 2cosh(g+w) + e^{−γ} 2cosh(g−w)) − ln2cosh g − ln2cosh w ]
                         − Σ_i [ ln2cosh(yt) − ln2cosh w − ln2cosh t ] + (1/y) Σ_i [ ln2cosh(yt) − y ln2cosh t ]

        (factor, variable and edge terms of the pattern, coupling and centre nodes). Undefined (NaN) at γ = ∞
        (standard reinforcement) where the coupling is a hard constraint.
        """
        r = self.replicated_entropies()
        return r["phi_rep"], r["overlap"], r["sigma_int"]

    def replicated_entropies(self):
        r"""The replicated Bethe free entropy split into internal and external entropy (per weight).

        Returns a dict with ``phi_rep`` (φ), ``overlap`` (S), ``sigma_int`` = φ − γS (as
        :meth:`replicated_free_entropy`), ``dyphi`` = ∂(yφ)/∂y, ``s_int`` = ∂(yφ)/∂y − γS and ``sigma_ext``.

        In ln Z_rep (:meth:`replicated_free_entropy`, messages fixed) y enters in two ways only: every
        replica's factor, variable and edge terms appear y times (y·A), and the centre node, with y incoming
        coupling messages t, contributes B(y) = Σ_i [ln2cosh(y t_i) − y ln2cosh t_i]. The Bethe free entropy
        is stationary in the messages at a fixed point (Mézard & Montanari 2009, ch. 14; Yedidia, Freeman &
        Weiss 2005), so the y-derivative along the family of fixed points is the explicit one (envelope
        theorem; checked against a finite difference in y in ``tests/test_bp_ld_entropies.py``):

                N_w ∂(yφ)/∂y = ∂ ln Z_rep/∂y = A + Σ_i [ t_i tanh(y t_i) − ln2cosh t_i ],
            N_w Σ_ext = ln Z_rep − y ∂ ln Z_rep/∂y = Σ_i [ ln2cosh(y t_i) − y t_i tanh(y t_i) ].

        With yφ = (1/N_w) ln Σ_c Z(c, γ)^y, Z(c, γ) = Σ_W 𝕏(W) e^{γ W·c}: ∂(yφ)/∂y is the mean of
        (1/N_w) ln Z(c, γ) over the dominant centres, and its Legendre transform in γ, S_int = ∂(yφ)/∂y − γS, is
        their local entropy at d = (1 − S)/2; Σ_ext = yφ − y ∂(yφ)/∂y is the Bethe entropy of the centre's measure
        (each centre's marginal has the field y t_i), the log-number of dominant centres. Then
        φ − γS = S_int + Σ_ext/y, the decomposition of the large-deviation theory at fixed d (Baldassi et al.,
        PRL 115, 128101 (2015), arXiv:1509.05753; PNAS 113, E7655 (2016), arXiv:1605.06444;
        :mod:`wfm.theory.ld_finite_y`). NaN at γ = ∞.
        """
        gamma, y = self.gamma, self.y
        if not math.isfinite(gamma):
            return {"phi_rep": math.nan, "overlap": 1.0, "sigma_int": math.nan, "dyphi": math.nan,
                    "s_int": math.nan, "sigma_ext": math.nan}
        lnz, edge, self.contradictions = self._pattern_terms()
        H = self.H
        g = H - self.ut
        t = 0.5 * (log_2cosh(gamma + g) - log_2cosh(gamma - g))
        w = (y - 1.0) * t
        a = gamma + log_2cosh(g + w)
        b = -gamma + log_2cosh(g - w)
        lnz_coupling = np.logaddexp(a, b) - log_2cosh(g) - log_2cosh(w)
        centre = log_2cosh(y * t) - y * log_2cosh(t)                         # B(y) per site
        per_replica = (lnz + edge + (-self.p * log_2cosh(H) + log_2cosh(g)).sum() + lnz_coupling.sum()
                       - (log_2cosh(y * t) - log_2cosh(w) - log_2cosh(t)).sum() + (centre / y).sum())
        nw = self.n_weights
        phi_rep = per_replica / nw
        sigma_ext = float((log_2cosh(y * t) - y * t * np.tanh(y * t)).sum() / nw)
        S = float(np.tanh(0.5 * (a - b)).mean())
        return {"phi_rep": phi_rep, "overlap": S, "sigma_int": phi_rep - gamma * S, "dyphi": phi_rep - sigma_ext / y,
                "s_int": phi_rep - gamma * S - sigma_ext / y, "sigma_ext": sigma_ext}


class BP(MessagePassing):
    """Per-edge BP state on one instance: messages u (P, K, m), focusing fields ũ (K, m), external field θ (K, m).

    Parameters
    ----------
    model, patterns : a binary :class:`~wfm.Perceptron`, :class:`~wfm.TreeCommittee` or
        :class:`~wfm.Committee` (sign or ReLU units) or :class:`~wfm.ParityMachine`, and its
        :class:`~wfm.Patterns`. The output rules are in :mod:`wfm.bp._kernels.factors` (sign, parity) and
        :mod:`wfm.bp._kernels.relu` (ReLU; ``docs/bp_two_layer.md``).
    field : external field θ on the weights (model weight shape or flat; default 0). For the local entropy
        around W̃ use ``gamma * W̃``.
    accuracy : ``"gaussian"`` (central-limit factor update, O(m) per unit), ``"exact"`` (convolution, O(m²) per
        unit; ±1 inputs) or ``"auto"`` (exact when m ≤ 63 and the inputs are ±1).
    damping : λ ∈ [0, 1): u ← (1−λ) u_new + λ u_old (in field space).
    seed, randfact : initial factor→weight magnetizations uniform in [−randfact, randfact] (anchor default 0.01).
    schedule : ``"sequential"`` (default: the nodes in a fresh seeded random permutation every sweep, each update
        seeing the previous ones; serial) or ``"parallel"`` (synchronous: all patterns from the same fields, then
        the fields, then the focusing nodes; threaded over patterns and weights, same result for any thread
        count; use it with damping). See :mod:`wfm.bp._kernels.edges`.
    """

    form = "edges"

    def __init__(self, model, patterns, field=None, accuracy="auto", damping=0.0, seed=None, randfact=0.01,
                 schedule="sequential"):
        self.model = model
        ka = kernel_arrays(model, patterns)
        self.xi, self.sig, self.tree = ka.xi, ka.sig, bool(ka.tree)
        self.code = int(ka.code)
        self.thr, self.kappa_out = thresholds(model)
        self.p, self.k, self.m = ka.p, model.k, model.m
        check_choice("accuracy", accuracy, _ACCURACIES)
        self.schedule = check_choice("schedule", schedule, SCHEDULES) or schedule
        binary_inputs = bool(patterns.binary)
        if accuracy == "auto":
            accuracy = "exact" if (binary_inputs and self.m <= AUTO_EXACT_MAX_M) else "gaussian"
        if accuracy == "exact" and not binary_inputs:
            raise ValueError("accuracy='exact' needs ±1 (binary) patterns; use accuracy='gaussian'")
        self.accuracy = accuracy
        self.damping, randfact, self.rng = message_settings(damping, randfact, seed)
        self.u = np.arctanh(self.rng.uniform(-randfact, randfact, size=(self.p, self.k, self.m)))
        self.ut = np.zeros((self.k, self.m))
        self.theta = np.zeros((self.k, self.m))
        self.H = np.zeros((self.k, self.m))
        self.contradictions = 0
        self.gamma = 0.0  # focusing coupling (np.inf = standard reinforcement)
        self.y = 1.0
        if field is not None:
            self.set_field(field)
        else:
            self._refresh()

    def _threads(self):
        return K.use_threads(self.u.size)

    def _refresh(self):
        f = K.recompute_fields_par if self._threads() else K.recompute_fields
        f(self.theta, self.u, self.ut, self.H)

    def copy_messages(self):
        return self.u.copy(), self.ut.copy()

    def restore_messages(self, saved):
        self.u[...] = saved[0]
        self.ut[...] = saved[1]
        self._refresh()

    # -- iteration -------------------------------------------------------------------------------

    # -- iteration -------------------------------------------------------------------------------
    def _order(self):
        focusing = self._focusing_active()
        n_nodes = self.p + (self.n_weights if focusing else 0)
        return self.rng.permutation(n_nodes).astype(np.int64)

    def kernel_sweep(self, order=None):
        """The kernel of one sweep alone (no recomputation of H afterwards): sequential in ``order`` (default a
        fresh random order), or one parallel sweep. Returns the max change of a message magnetization."""
        exact = self.accuracy == "exact"
        if self.schedule == "parallel":
            f = K.sweep_parallel if self._threads() else K.sweep_parallel_serial
            return f(self.code, self.xi, self.sig, self.tree, exact, self.u, self.H, self.theta,
                                    self.ut, self.thr, self.kappa_out, self.damping, self.gamma, self.y,
                                    self._focusing_active())
        order = self._order() if order is None else order
        return K.sweep(order, self.code, self.xi, self.sig, self.tree, exact, self.u, self.H, self.ut, self.thr,
                       self.kappa_out, self.damping, self.gamma, self.y)

    def sweep(self):
        """One sweep over all nodes (sequential: a fresh random order); returns the max change of a message
        magnetization."""
        d = self.kernel_sweep()
        if self.schedule == "sequential":
            self._refresh()
        return d

    def _pattern_terms(self):
        f = K.pattern_terms_par if self._threads() else K.pattern_terms
        return f(self.code, self.xi, self.sig, self.tree, self.accuracy == "exact", self.u, self.H,
                               self.thr, self.kappa_out)


def resolve_form(form, model, patterns, accuracy="auto", min_weights=None):
    """The form a ``form`` argument selects: ``"edges"`` (per-edge messages, :class:`BP`), ``"amp"`` (AMP/TAP,
    :class:`wfm.bp.amp.AMP`) or ``"auto"``: AMP when the patterns are ±1, the factor update may be Gaussian
    (``accuracy`` "auto" or "gaussian", units of more than AUTO_EXACT_MAX_M inputs) and the model has at least
    ``min_weights`` weights (default :data:`AMP_AUTO_MIN_WEIGHTS`; the solvers pass
    :data:`SOLVER_AMP_MIN_WEIGHTS`); per-edge BP otherwise."""
    min_weights = AMP_AUTO_MIN_WEIGHTS if min_weights is None else min_weights
    check_choice("form", form, FORMS)
    if form != "auto":
        return form
    if model_code(model) not in AMP_OUTPUTS:
        return "edges"
    if (patterns.binary and accuracy in ("auto", "gaussian") and model.m > AUTO_EXACT_MAX_M
            and model.n_weights >= min_weights):
        return "amp"
    return "edges"


def make_state(model, patterns, form="auto", schedule="sequential", **kwargs):
    """A :class:`BP` (``form="edges"``, with ``schedule``) or :class:`wfm.bp.amp.AMP` (``form="amp"``) state;
    ``form="auto"``: :func:`resolve_form`. ``kwargs``: field, accuracy, damping, seed, randfact."""
    _check_model(model)
    if "seed" in kwargs:
        check_seed("seed", kwargs["seed"])
    form = resolve_form(form, model, patterns, kwargs.get("accuracy", "auto"))
    _check_model(model, amp=form == "amp")
    if form == "amp":
        from .amp import AMP
        return AMP(model, patterns, **kwargs)
    return BP(model, patterns, schedule=schedule, **kwargs)


def run_bp(model, patterns, field=None, accuracy="auto", damping=0.0, epsilon=1e-6, max_iters=1000, seed=None,
           randfact=0.01, state=None, form="auto", schedule="sequential") -> BPResult:
    """Run BP to a fixed point (or ``max_iters`` sweeps) and return the :class:`BPResult`.

    ``state`` (a :class:`BP` or AMP state of the same instance) warm-starts from its messages; ``field`` then
    replaces its external field. ``form``, ``schedule``: :func:`make_state`. Equations: module docstring,
    :mod:`wfm.bp._kernels.factors` and :mod:`wfm.bp._kernels.amp`.
    """
    if state is None:
        state = make_state(model, patterns, form=form, schedule=schedule, field=field, accuracy=accuracy,
                           damping=damping, seed=seed, randfact=randfact)
    elif field is not None:
        state.set_field(field)
    conv, it, d = state.iterate(max_iters=max_iters, epsilon=epsilon)
    phi = state.free_entropy() if np.all(np.isfinite(state.H)) else math.nan
    if not math.isfinite(phi) or state.contradictions:
        conv = False
    if not conv:
        warnings.warn(f"BP did not converge in {it} sweeps (last max change {d:.3g})", RuntimeWarning, stacklevel=2)
    return BPResult(converged=bool(conv), iterations=it, delta=float(d), phi=float(phi),
                    magnetizations=state.magnetizations(), state=state)

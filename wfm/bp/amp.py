r"""The AMP (TAP) form of belief propagation, reinforced BP and focusing BP (``form="amp"``).

Per iteration two dense products with the int8 patterns and O(N + P) scalar functions
(:mod:`wfm.bp._kernels.amp` for the equations; Kabashima 2003; Donoho, Maleki & Montanari 2009;
Krzakala et al. 2012, arXiv:1109.4424). The reinforcement and the focusing act on the variable side exactly as
in per-edge fBP (Braunstein & Zecchina, PRL 96, 030201 (2006); Baldassi et al., PNAS 113, E7655 (2016),
arXiv:1605.06444): the weight's cavity field without ũ is g = θ + h, and ũ = focusing_field(γ, y, g).

Bethe free entropy: the per-edge formula of :mod:`wfm.bp.core` with Σ_μ ln 2cosh(h_{i→μ}) expanded to second
order in the messages u_{μ→i} ≈ y g_μ (O(1/√N)), i.e. the TAP free entropy per weight

    φ = (1/N_w) [ Σ_μ ln Z_out(ω_μ, V) + Σ_{ki} ( ln 2cosh H_{ki} − m_{ki} h_{ki} + ½ (1 − m²_{ki}) Σ_μ g²_{μk} ) ].

Memory: the patterns as stored (int8, one byte per entry) and O(N + P) float64 — nothing of size P × N else.
The schedule is synchronous (all patterns, then all weights), with optional damping λ of g and Γ.
"""
from __future__ import annotations

import math

import numpy as np

from ..core.checks import check_choice
from ..core.numerics import U_MAX
from ..core.special import log_2cosh
from . import _kernels as K
from ._kernels import amp as A
from .core import MessagePassing, _check_model, kernel_arrays, message_settings, thresholds

__all__ = ["AMP", "focusing_field_np"]


def focusing_field_np(gamma, y, g):
    """Vectorized :func:`wfm.bp._kernels.factors.focusing_field`: atanh(tanh γ tanh[(y−1) atanh(tanh γ tanh g)])."""
    if y == 1.0 or gamma == 0.0:
        return np.zeros_like(g)
    if math.isinf(gamma):
        return np.clip((y - 1.0) * g, -U_MAX, U_MAX)

    def couple(x):
        return 0.5 * (log_2cosh(gamma + x) - log_2cosh(gamma - x))

    return np.clip(couple((y - 1.0) * couple(g)), -U_MAX, U_MAX)


class AMP(MessagePassing):
    """AMP state on one instance: pattern fields h (K, m), focusing fields ũ (K, m), external field θ (K, m),
    and per pattern g, Γ (P, K).

    Same interface as :class:`wfm.bp.core.BP` (``sweep``, ``iterate``, ``free_entropy``,
    ``replicated_free_entropy``, ``set_field``, ``set_focusing``, ...). ``accuracy`` must be ``"auto"`` or
    ``"gaussian"`` (AMP is the central-limit form); the patterns must be ±1. The initial pattern fields are
    Gaussian with the spread of a sum of P per-edge initial messages (uniform in [−randfact, randfact]).
    """

    form = "amp"

    def __init__(self, model, patterns, field=None, accuracy="auto", damping=0.0, seed=None, randfact=0.01):
        _check_model(model, amp=True)
        ka = kernel_arrays(model, patterns)
        if not patterns.binary:
            raise ValueError("form='amp' needs ±1 (binary) patterns (kind='binary'); use form='edges'")
        check_choice("accuracy", accuracy, ("auto", "gaussian", "exact"))
        if accuracy == "exact":
            raise ValueError("form='amp' is the Gaussian (central-limit) form: accuracy must be 'auto' or 'gaussian'")
        self.accuracy = "gaussian"
        self.model = model
        self.xi, self.sig, self.tree = ka.xi, ka.sig, bool(ka.tree)
        self.code = int(ka.code)
        self.thr, self.kappa_out = thresholds(model)
        self.p, self.k, self.m = ka.p, model.k, model.m
        self.damping, randfact, self.rng = message_settings(damping, randfact, seed)
        self.h = self.rng.normal(0.0, randfact * math.sqrt(self.p / 3.0), size=(self.k, self.m))
        self.ut = np.zeros((self.k, self.m))
        self.theta = np.zeros((self.k, self.m))
        self.H = np.zeros((self.k, self.m))
        self.g = np.zeros((self.p, self.k))
        self.gam = np.zeros((self.p, self.k))
        self.omega = np.zeros((self.p, self.k))
        self.lnz = np.zeros(self.p)
        self._M = np.empty((self.k, self.m))
        self._S = np.empty((self.k, self.m))
        self.contradictions = 0
        self.gamma = 0.0
        self.y = 1.0
        if field is not None:
            self.set_field(field)
        else:
            self._refresh()

    def _pass(self):
        return A.amp_pass if K.use_threads(self.xi.size * self.k) else A.amp_pass_serial

    def _refresh(self):
        np.add(self.theta, self.h, out=self.H)
        self.H += self.ut

    def copy_messages(self):
        return self.h.copy(), self.ut.copy(), self.g.copy(), self.gam.copy()

    def restore_messages(self, saved):
        self.h[...], self.ut[...], self.g[...], self.gam[...] = saved
        self._refresh()

    def sweep(self):
        """One AMP iteration (module docstring; :func:`wfm.bp._kernels.amp.amp_pass`); returns max |Δm| of the
        weights."""
        M, S = self._M, self._S
        A.magnetizations(self.H, M, S)
        V = S.sum(axis=1)
        self._pass()(self.code, self.xi, self.sig, self.tree, M, V, self.g, self.gam, self.thr, self.kappa_out,
                   self.damping, True, self.h, self.omega, self.lnz)
        np.clip(self.h, -U_MAX, U_MAX, out=self.h)
        if self._focusing_active():
            un = focusing_field_np(self.gamma, self.y, self.theta + self.h)
            lam = self.damping
            self.ut = (1.0 - lam) * un + lam * self.ut if lam > 0.0 else un
        self._refresh()
        return float(np.max(np.abs(np.tanh(self.H) - M))) if self.H.size else 0.0

    def _pattern_terms(self):
        M = np.empty_like(self.H)
        S = np.empty_like(self.H)
        A.magnetizations(self.H, M, S)
        V = S.sum(axis=1)
        self._pass()(self.code, self.xi, self.sig, self.tree, M, V, self.g, self.gam, self.thr, self.kappa_out,
                   0.0, False, self.h, self.omega, self.lnz)
        lnz, clamped = A.lnz_sum(self.lnz)
        edge = A.edge_terms(self.H, self.h, S, (self.g ** 2).sum(axis=0), float(self.p))
        return lnz, edge, int(clamped)




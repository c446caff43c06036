"""A model and its patterns reduced once to the arrays and numbers the kernels read.

Every algorithm family used to rebuild this from the model and the patterns in its own way; now each builds
one :class:`KernelArrays` and takes the views it needs (the views are computed on first use and cached, and
the patterns' own arrays are shared, not copied).

Conventions (those of :mod:`wfm.models`): K units of m inputs each, weights flattened as j = k·m + i; unit k
sees input column ``cols[j]`` (the block k·m … (k+1)·m − 1 of a tree, all N inputs of a fully connected
committee); the scaled field is h_k = Σ_i W_{ki} ξ_{cols} / √m; pattern μ is an error iff
σ^μ · pre^μ ≤ ``thr`` with ``pre`` the integer pre-activation of :mod:`wfm.kernels.fields` (``thr`` = κ√m for
the perceptron and the ReLU committee, κ for sign and parity committees).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ..core.codes import Output
from ..data import Patterns
from ..models import Model

__all__ = ["KernelArrays", "model_code", "error_threshold", "input_columns"]


def model_code(model) -> Output:
    """The output rule of a model (:class:`~wfm.core.codes.Output`)."""
    if model.kind == "perceptron":
        return Output.PERCEPTRON
    if model.kind == "parity":
        return Output.PARITY
    return Output.SIGN if model.activation == "sign" else Output.RELU


def error_threshold(model) -> float:
    """thr such that pattern μ is an error iff σ^μ · pre^μ ≤ thr (pre the integer pre-activation)."""
    code = model_code(model)
    return model.margin * math.sqrt(model.m) if code in (Output.PERCEPTRON, Output.RELU) else model.margin


def input_columns(model) -> np.ndarray:
    """cols[j] = the input index seen by flat weight j = k·m + i."""
    k, m = model.k, model.m
    if model.tree:
        return np.arange(k * m, dtype=np.int64)
    return np.tile(np.arange(m, dtype=np.int64), k)


class KernelArrays:
    """``model`` + ``patterns`` as kernel inputs.

    Numbers: ``code`` (int, an :class:`~wfm.core.codes.Output`), ``k``, ``m``, ``n`` (inputs), ``n_weights``,
    ``p``, ``tree``, ``scale`` = 1/√m, ``thr`` (error threshold on σ·pre), ``ti`` = ⌊thr⌋ (its integer form),
    ``off`` (the largest |pre|: a table over σ·pre has 2·off + 1 entries).

    Arrays (read-only views or cached conversions): ``xi`` (P, N) as stored by the patterns (int8 ±1 or
    float32), ``sig`` (P,) int8 labels, ``cols`` (n_weights,), and on demand ``xT`` (N, P) int8 (one
    contiguous row per input), ``yT`` (N, P) int8 with y_i^μ = σ^μ ξ_i^μ (label absorbed), ``X`` (P, K, m)
    float64 with X[μ, k, i] = σ^μ ξ^μ_{cols(k, i)} (label absorbed, one block per unit).
    """

    def __init__(self, model: Model, patterns: Patterns):
        if not isinstance(model, Model):
            raise TypeError(f"model must be a wfm model (Perceptron, TreeCommittee, ...), got {model!r}")
        if not isinstance(patterns, Patterns):
            raise TypeError(f"patterns must be a wfm.Patterns, got {type(patterns).__name__}")
        if patterns.n != model.n:
            raise ValueError(f"patterns have N={patterns.n} inputs but the model has n={model.n}")
        self.model = model
        self.patterns = patterns
        self.code = int(model_code(model))
        self.k, self.m, self.n = model.k, model.m, model.n
        self.n_weights = model.n_weights
        self.p = patterns.p
        self.tree = bool(model.tree)
        self.scale = 1.0 / math.sqrt(self.m)
        self.thr = float(error_threshold(model))
        self.ti = int(math.floor(self.thr))
        self.xi = patterns.xi
        self.sig = patterns.labels
        self.cols = input_columns(model)
        if self.code == Output.PERCEPTRON:
            self.off = self.m
        elif self.code == Output.SIGN:
            self.off = self.k
        elif self.code == Output.RELU:
            self.off = (self.k // 2) * self.m
        else:
            self.off = 1

    @property
    def binary_inputs(self) -> bool:
        return self.patterns.binary

    def _need_binary(self, what):
        if not self.patterns.binary:
            raise ValueError(f"{what} needs binary (±1) patterns (kind='binary')")

    @functools.cached_property
    def xT(self) -> np.ndarray:
        self._need_binary("xT")
        return np.ascontiguousarray(self.xi.T)

    @functools.cached_property
    def yT(self) -> np.ndarray:
        self._need_binary("yT")
        return np.ascontiguousarray((self.xi * self.sig[:, None]).T, dtype=np.int8)

    @functools.cached_property
    def X(self) -> np.ndarray:
        y = np.asarray(self.xi, dtype=np.float64) * np.asarray(self.sig, dtype=np.float64)[:, None]
        if self.code == Output.PERCEPTRON or self.tree:
            x = y.reshape(self.p, self.k, self.m)
        else:
            x = np.repeat(y[:, None, :], self.k, axis=1)
        return np.ascontiguousarray(x)

"""Architectures: the perceptron and the two-layer committee machines of the wide-flat-minima literature.

The models of Baldassi, Pittorino & Zecchina, PNAS 117, 161 (2020), arXiv:1905.07833, and of the public codes
of C. Baldassi (carlobaldassi/RRRMC.jl, BinaryCommitteeMachineFBP.jl, BinaryCommitteeMachineRSGD.jl).

Every model has K hidden units, each with m = "inputs per unit" weights, stored as a ``(k, m)`` array
(flattened row-major to ``n_weights = k·m`` where a flat vector is needed). The hidden field of unit k on
pattern ξ is

    h_k = Σ_i W_{ki} ξ_{k,i} / √m ,

where ξ_{k,·} is the block of inputs unit k sees: the contiguous block k·m … (k+1)·m − 1 for a tree
committee (disjoint receptive fields, m = N/K), all N inputs for a fully connected committee (m = N).

Output pre-activation (the quantity whose sign is the network's answer):

* perceptron (K = 1):             λ = h_1
* sign committee (K odd):         λ = Σ_k sign(h_k)                      (majority vote)
* ReLU committee (K even):        λ = Σ_{k ≤ K/2} max(0, h_k) − Σ_{k > K/2} max(0, h_k)
  (output weights fixed to +1 for the first half and −1 for the second, as ``GraphCommReLU`` of RRRMC.jl;
  Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), arXiv:1907.07578)
* parity machine:                 λ = Π_k sign(h_k)

The stability of pattern μ is Δ^μ = σ^μ λ(ξ^μ), and pattern μ is an **error when Δ^μ ≤ κ** (κ = margin,
0 by default): at κ = 0 this is "misclassified" for every model, including the ReLU committee, whose
output 0 counts as an error (as in ``GraphCommReLU``, which counts an error when the signed output is ≤ 0).
For binary weights m must be odd so that a field is
never exactly 0.

Weights are ±1 (``weights="binary"``, stored int8) or continuous (``weights="spherical"``, float64, each
unit on the sphere |w_k|² = m for random initial weights).
"""
from __future__ import annotations

import numpy as np

from .core.checks import check_choice, check_float, check_int

__all__ = ["Model", "Perceptron", "TreeCommittee", "Committee", "ParityMachine"]


class Model:
    """Common machinery of all architectures (see the module docstring for the equations)."""

    kind = "model"

    def __init__(self, n, k, m, *, activation, weights, margin, tree):
        self.n = n
        self.k = k
        self.m = m
        self.activation = activation
        self.weights = weights
        self.margin = check_float("margin", margin)
        self.tree = tree
        if weights == "binary" and m % 2 == 0:
            raise ValueError(
                f"binary weights need an odd number of inputs per hidden unit (got {m}): "
                "choose n (and k) so that n/k for a tree, or n for a fully connected committee, is odd"
            )

    # -- sizes -----------------------------------------------------------------------------------
    @property
    def n_weights(self) -> int:
        """Total number of weights k·m (α is counted per weight)."""
        return self.k * self.m

    @property
    def binary(self) -> bool:
        return self.weights == "binary"

    @property
    def weight_shape(self):
        """Shape of one weight configuration: ``(n,)`` for a perceptron, ``(k, m)`` otherwise."""
        return (self.k, self.m)

    @property
    def output_weights(self) -> np.ndarray:
        """Fixed second-layer weights c_k (ones for sign units; +1/−1 halves for ReLU)."""
        if self.activation == "relu":
            return np.concatenate([np.ones(self.k // 2), -np.ones(self.k // 2)])
        return np.ones(self.k)

    def describe(self) -> dict:
        """A JSON-able description (what a record stores to rebuild the model)."""
        return {"model": self.kind, "n": self.n, "k": self.k, "activation": self.activation,
                "weights": self.weights, "margin": self.margin}

    def __repr__(self):
        return (f"{type(self).__name__}(n={self.n}, k={self.k}, activation={self.activation!r}, "
                f"weights={self.weights!r}, margin={self.margin})")

    # -- weights ---------------------------------------------------------------------------------
    def random_weights(self, seed=None, size=None):
        """Random initial weights: uniform ±1 (binary) or Gaussian rescaled so that |w_k|² = m (spherical).

        ``size`` = number of replicas R gives a batch of shape ``(R,) + weight_shape``.
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        shape = (1 if size is None else check_int("size", size, min_value=1),) + (self.k, self.m)
        if self.binary:
            w = (2 * rng.integers(0, 2, size=shape, dtype=np.int8) - 1).astype(np.int8)
        else:
            w = rng.standard_normal(shape)
            w *= np.sqrt(self.m) / np.linalg.norm(w, axis=-1, keepdims=True)
        w = w.reshape((shape[0],) + self.weight_shape)
        return w[0] if size is None else w

    def check_weights(self, w):
        """Validate one configuration or a batch; return it with shape ``weight_shape`` or ``(R,)+weight_shape``.

        Accepts flat vectors (n_weights,) / (R, n_weights) too. Binary models require ±1 entries (int8).
        """
        w = np.asarray(w)
        nw, shape = self.n_weights, self.weight_shape
        if w.shape == shape or w.shape == (nw,):
            batch = ()
        elif w.ndim == len(shape) + 1 and w.shape[1:] == shape:
            batch = w.shape[:1]
        elif w.ndim == 2 and w.shape[1] == nw:
            batch = w.shape[:1]
        else:
            raise ValueError(f"weights must have shape {shape} or ({nw},), or a batch (R, ...) of them; got {w.shape}")
        if len(batch) > 1:
            raise ValueError(f"weights batch must be 1-d (R, ...), got shape {w.shape}")
        if self.binary:
            if not np.all(np.abs(w) == 1):
                raise ValueError("weights must be ±1 for a model with weights='binary'")
            w = w.astype(np.int8, copy=False)
        else:
            if not np.issubdtype(w.dtype, np.number) or not np.all(np.isfinite(w)):
                raise ValueError("weights must be finite real numbers")
            w = w.astype(np.float64, copy=False)
        return np.ascontiguousarray(w.reshape(batch + self.weight_shape))

    def _units(self, w):
        """(R, k, m) view of checked weights and whether the input was a batch."""
        batched = w.ndim == len(self.weight_shape) + 1
        return w.reshape((-1, self.k, self.m)), batched

    # -- forward ---------------------------------------------------------------------------------
    def fields(self, w, xi):
        """Hidden fields h_k^μ = Σ_i W_ki ξ^μ_{k,i}/√m: shape (P, k), or (R, P, k) for a batch."""
        xi = _xi_array(xi, self.n)
        w = self.check_weights(w)
        wu, batched = self._units(w)
        # ±1 weights on ±1 inputs: float32 BLAS is exact (integer sums far below 2^24) and faster than a
        # Numba int8 kernel (benchmarks/bench_fields.py, numbers in benchmarks/BENCHMARKS.md); else float64.
        dtype = np.float32 if (self.binary and xi.dtype == np.int8) else np.float64
        x = xi.astype(dtype, copy=False)
        wf = wu.astype(dtype, copy=False)
        r = wf.shape[0]
        if self.tree:
            h = np.empty((r, x.shape[0], self.k), dtype)
            for k in range(self.k):
                h[:, :, k] = (x[:, k * self.m:(k + 1) * self.m] @ wf[:, k, :].T).T
        else:
            h = (x @ wf.reshape(r * self.k, self.m).T).reshape(x.shape[0], r, self.k).transpose(1, 0, 2)
        h = h.astype(np.float64) / np.sqrt(self.m)
        return h if batched else h[0]

    def preactivation_from_fields(self, h):
        """Output pre-activation λ from hidden fields (last axis = units); see the module docstring."""
        h = np.asarray(h)
        if self.kind == "perceptron":
            return h[..., 0].astype(np.float64)
        if self.kind == "parity":
            return np.prod(np.sign(h), axis=-1)
        if self.activation == "sign":
            return np.sign(h).sum(axis=-1)
        return np.maximum(h, 0.0) @ self.output_weights

    def preactivation(self, w, xi):
        """Output pre-activation λ(ξ^μ): shape (P,) or (R, P)."""
        return self.preactivation_from_fields(self.fields(w, xi))

    def output(self, w, xi):
        """Network output sign(λ) ∈ {−1, 0, +1} (0 only for a ReLU committee with zero output)."""
        return np.sign(self.preactivation(w, xi)).astype(np.int8)

    def stabilities(self, w, patterns):
        """Stabilities Δ^μ = σ^μ λ(ξ^μ): shape (P,) or (R, P)."""
        return patterns.labels * self.preactivation(w, patterns)

    def errors(self, w, patterns):
        """Number of errors Σ_μ Θ(κ − Δ^μ) with Δ^μ ≤ κ counted as an error: int, or (R,) for a batch."""
        e = np.count_nonzero(self.stabilities(w, patterns) <= self.margin, axis=-1)
        return int(e) if np.ndim(e) == 0 else e

    def training_error(self, w, patterns):
        """Fraction of errors E/P."""
        return np.asarray(self.errors(w, patterns)) / patterns.p

    def is_solution(self, w, patterns):
        return np.asarray(self.errors(w, patterns)) == 0


def _xi_array(xi, n):
    arr = xi.xi if hasattr(xi, "xi") else np.asarray(xi)
    if arr.ndim != 2 or arr.shape[1] != n:
        raise ValueError(f"patterns must have shape (P, {n}), got {arr.shape}")
    return arr


class Perceptron(Model):
    """Single-layer perceptron: output sign(W·ξ/√N) (Gardner, J. Phys. A 21, 257 (1988) for the storage problem).

    Parameters
    ----------
    n : int
        Number of inputs N (odd for binary weights).
    weights : {"binary", "spherical"}
    margin : float
        κ: pattern μ is an error when Δ^μ = σ^μ W·ξ^μ/√N ≤ κ.
    """

    kind = "perceptron"

    def __init__(self, n, weights="binary", margin=0.0):
        n = check_int("n", n, min_value=1)
        check_choice("weights", weights, ("binary", "spherical"))
        super().__init__(n, 1, n, activation="sign", weights=weights, margin=margin, tree=True)

    @property
    def weight_shape(self):
        return (self.n,)

    def describe(self):
        d = super().describe()
        del d["k"], d["activation"]
        return d

    def __repr__(self):
        return f"Perceptron(n={self.n}, weights={self.weights!r}, margin={self.margin})"


def _committee_checks(n, k, activation, weights, tree):
    n = check_int("n", n, min_value=1)
    k = check_int("k", k, min_value=1)
    check_choice("activation", activation, ("sign", "relu"))
    check_choice("weights", weights, ("binary", "spherical"))
    if activation == "sign" and k % 2 == 0:
        raise ValueError(f"k must be odd for a sign committee (majority vote), got k={k}")
    if activation == "relu" and k % 2 == 1:
        raise ValueError(f"k must be even for a ReLU committee (output weights +1 on half the units, −1 on the other), got k={k}")
    if tree and n % k:
        raise ValueError(f"n must be a multiple of k for a tree committee (n/k inputs per unit), got n={n}, k={k}")
    return n, k


class TreeCommittee(Model):
    """Tree committee machine: K units with disjoint receptive fields of N/K inputs (N weights in all).

    Sign units vote by majority (K odd); ReLU units are summed with output weights +1 (first K/2) and
    −1 (last K/2) (K even). Fields are scaled by 1/√(N/K).
    """

    kind = "tree"

    def __init__(self, n, k, activation="sign", weights="binary", margin=0.0):
        n, k = _committee_checks(n, k, activation, weights, tree=True)
        super().__init__(n, k, n // k, activation=activation, weights=weights, margin=margin, tree=True)


class Committee(Model):
    """Fully connected committee machine: every one of the K units sees all N inputs (N·K weights)."""

    kind = "committee"

    def __init__(self, n, k, activation="sign", weights="binary", margin=0.0):
        n, k = _committee_checks(n, k, activation, weights, tree=False)
        super().__init__(n, k, n, activation=activation, weights=weights, margin=margin, tree=False)


class ParityMachine(Model):
    """Parity machine: output Π_k sign(h_k) (tree by default, i.e. disjoint receptive fields).

    PNAS 2020 (arXiv:1905.07833) shows "examples of learning devices for which WFM do not exist"; which
    device it studies could not be checked against the paper (only its abstract was available). The parity
    machine is our candidate (a reconstruction, not a claim of the paper).
    """

    kind = "parity"

    def __init__(self, n, k, weights="binary", tree=True, margin=0.0):
        n = check_int("n", n, min_value=1)
        k = check_int("k", k, min_value=1)
        check_choice("weights", weights, ("binary", "spherical"))
        if tree and n % k:
            raise ValueError(f"n must be a multiple of k for a tree parity machine, got n={n}, k={k}")
        super().__init__(n, k, n // k if tree else n, activation="sign", weights=weights, margin=margin, tree=bool(tree))

    def describe(self):
        d = super().describe()
        d["tree"] = self.tree
        return d

"""Two-layer nets with a trainable second layer, their loss, gradient, exact Hessian and HVP operator.

``wfm.models`` committees have fixed output weights (ones, or +1/−1 halves for ReLU). Landscape measures
need more: a trainable second layer (for the rescaling symmetry of Dinh et al. 2017) and smooth
activations (tanh) or leaky ReLU. :class:`TwoLayer` is that parameter container:

    h_k^μ = Σ_i W_ki ξ^μ_{k,i} / √m,      f(ξ^μ) = Σ_k v_k φ(h_k^μ)     (parity machines: Π_k sign h_k),
    Δ^μ = σ^μ f(ξ^μ),      L(θ) = (1/P) Σ_μ ℓ(Δ^μ),     pattern μ is an error iff Δ^μ ≤ κ,

with θ = (W.ravel(), v) when the second layer is trainable and θ = W.ravel() otherwise (then v is the
model's fixed ``output_weights``). A ``wfm.models`` model maps onto it exactly (:meth:`TwoLayer.from_model`):
the perceptron is K = 1, φ = identity, v = 1; the committees keep their receptive fields and output
weights, so ``errors`` agree with ``model.errors`` (tested). **All losses here are per pattern (mean)**,
i.e. ``wfm.losses.total / P`` (so that values at different P compare).

The exact Hessian (derived in docs/landscape.md §1):

    H = (1/P) Σ_μ [ ℓ''(Δ^μ) J_μ J_μᵀ + ℓ'(Δ^μ) σ^μ ∇²_θ f(ξ^μ) ],
    J_μ = ( v_k φ'(h_k) ξ_k/√m ;  φ(h_k) ),    ∇²f: blocks v_k φ''(h_k) ξ_kξ_kᵀ/m (W_k, W_k)
                                                       and φ'(h_k) ξ_k/√m (W_k, v_k).

For ReLU the second derivative of φ is a Dirac mass at the kink, which this a.e. formula drops: report
:func:`kink_diagnostics` (number of pre-activations within 1e-6 of 0) next to every Hessian figure.
"""
from __future__ import annotations

import math
import weakref

import numpy as np

from .. import losses as _losses
from ..core.checks import check_choice, check_float, check_int
from ..core.codes import Activation, LossCode
from . import _kernels as K

__all__ = ["TwoLayer", "as_net", "squared_hinge", "loss_and_grad", "evaluate", "net_hessian", "net_hvp",
           "kink_diagnostics", "train_gd"]

_ACT = {"identity": Activation.IDENTITY, "relu": Activation.RELU, "leaky_relu": Activation.LEAKY_RELU, "tanh": Activation.TANH, "sign": Activation.SIGN}


class SquaredHinge(_losses.Loss):
    """ℓ(Δ) = ½ max(0, κ − Δ)²: smooth enough for a Hessian (ℓ'' = Θ(κ − Δ))."""

    def __init__(self, kappa):
        super().__init__("squared_hinge", LossCode.SQUARED_HINGE, kappa, smooth=True)

    def value(self, x):
        x = np.asarray(x, dtype=np.float64)
        return 0.5 * np.maximum(0.0, self.param - x) ** 2

    __call__ = value

    def derivative(self, x):
        x = np.asarray(x, dtype=np.float64)
        return np.where(x < self.param, x - self.param, 0.0)

    def second_derivative(self, x):
        x = np.asarray(x, dtype=np.float64)
        return np.where(x < self.param, 1.0, 0.0)


def squared_hinge(kappa=0.0) -> SquaredHinge:
    """Squared hinge ½ max(0, κ − Δ)² (added by wfm.landscape for Hessians of a margin loss)."""
    return SquaredHinge(check_float("kappa", kappa))


def _check_loss(loss):
    if loss is None:
        return _losses.cross_entropy(1.0)
    if not isinstance(loss, _losses.Loss):
        raise TypeError(f"loss must be a wfm.losses.Loss (cross_entropy(), hinge(), error()) or "
                        f"wfm.landscape.squared_hinge(), got {loss!r}")
    return loss


class TwoLayer:
    """Two-layer net f(ξ) = Σ_k v_k φ(W_k·ξ_k/√m) with an optionally trainable second layer v.

    Parameters
    ----------
    n : int             number of inputs N
    k : int             hidden units K
    activation : {"relu", "leaky_relu", "tanh", "sign", "identity"}
    tree : bool         disjoint receptive fields of m = N/K inputs (True) or fully connected, m = N (False)
    v : array (K,)      second-layer weights (default: +1/−1 halves for ReLU-like K even, ones otherwise)
    train_v : bool      whether v is part of the parameter vector θ
    leak : float        slope for h < 0 of the leaky ReLU
    output : {"sum", "parity"}
    margin : float      κ: pattern μ is an error iff Δ^μ ≤ κ
    """

    def __init__(self, n, k, activation="relu", tree=False, v=None, train_v=True, leak=0.1, output="sum",
                 margin=0.0):
        self.n = check_int("n", n, min_value=1)
        self.k = check_int("k", k, min_value=1)
        self.activation = check_choice("activation", activation, tuple(_ACT))
        self.tree = bool(tree)
        if self.tree and self.n % self.k:
            raise ValueError(f"n must be a multiple of k for a tree net, got n={n}, k={k}")
        self.m = self.n // self.k if self.tree else self.n
        self.leak = check_float("leak", leak)
        self.output = check_choice("output", output, ("sum", "parity"))
        self.margin = check_float("margin", margin)
        self.train_v = bool(train_v)
        if self.output == "parity" and self.train_v:
            raise ValueError("train_v: a parity output has no second-layer weights")
        if v is None:
            v = (np.concatenate([np.ones(self.k // 2), -np.ones(self.k // 2)])
                 if activation in ("relu", "leaky_relu") and self.k % 2 == 0 else np.ones(self.k))
        v = np.asarray(v, dtype=np.float64)
        if v.shape != (self.k,) or not np.all(np.isfinite(v)):
            raise ValueError(f"v must be {self.k} finite numbers, got shape {v.shape}")
        self.v = v.copy()

    # -- parameters ------------------------------------------------------------------------------
    @property
    def n_params(self) -> int:
        return self.k * self.m + (self.k if self.train_v else 0)

    @property
    def acode(self) -> int:
        return _ACT[self.activation]

    @property
    def parity(self) -> bool:
        """True for a parity output f = Π_k sign(h_k) (the kernels' ``parity`` flag)."""
        return self.output == "parity"

    @property
    def homogeneous(self) -> bool:
        """True when φ(a h) = a φ(h) for a > 0, i.e. the per-unit rescaling symmetry holds."""
        return self.activation in ("relu", "leaky_relu", "identity") and self.output == "sum"

    def split(self, theta):
        """(W (K, m), v (K,)) from a flat θ (v = the fixed second layer when it is not trained)."""
        theta = np.asarray(theta, dtype=np.float64)
        km = self.k * self.m
        w = theta[..., :km].reshape(theta.shape[:-1] + (self.k, self.m))
        v = theta[..., km:] if self.train_v else np.broadcast_to(self.v, theta.shape[:-1] + (self.k,))
        return w, v

    def join(self, w, v=None):
        w = np.asarray(w, dtype=np.float64).reshape(-1)
        if not self.train_v:
            return w.copy()
        return np.concatenate([w, np.asarray(self.v if v is None else v, dtype=np.float64)])

    def check_theta(self, theta, batch=False):
        theta = np.asarray(theta)
        if not np.issubdtype(theta.dtype, np.number):
            raise TypeError("weights must be numeric")
        theta = theta.astype(np.float64)
        if theta.ndim == 1 and theta.shape[0] == self.n_params and not batch:
            pass
        elif batch and theta.ndim == 2 and theta.shape[1] == self.n_params:
            pass
        else:
            want = f"(R, {self.n_params})" if batch else f"({self.n_params},)"
            raise ValueError(f"weights must have shape {want} for {self!r}, got {theta.shape}")
        if not np.all(np.isfinite(theta)):
            raise ValueError("weights must be finite")
        return np.ascontiguousarray(theta)

    def blocks(self):
        """Index arrays of the rescaling blocks: W_k for each unit, then each v_k (when trained)."""
        km = self.k * self.m
        out = [np.arange(k * self.m, (k + 1) * self.m) for k in range(self.k)]
        if self.train_v:
            out += [np.array([km + k]) for k in range(self.k)]
        return out

    def layers(self):
        km = self.k * self.m
        return [np.arange(km)] + ([np.arange(km, km + self.k)] if self.train_v else [])

    def describe(self):
        return {"net": "two_layer", "n": self.n, "k": self.k, "activation": self.activation, "tree": self.tree,
                "train_v": self.train_v, "leak": self.leak, "output": self.output, "margin": self.margin,
                "v": self.v.tolist()}

    def __repr__(self):
        return (f"TwoLayer(n={self.n}, k={self.k}, activation={self.activation!r}, tree={self.tree}, "
                f"train_v={self.train_v})")

    @classmethod
    def from_model(cls, model, weights=None, v=None, train_v=False, activation=None, leak=0.1):
        """The TwoLayer equivalent to a ``wfm.models`` model; returns ``(net, theta)`` (θ = None if no weights).

        ``v`` defaults to ``model.output_weights``; ``train_v=True`` appends it to θ so the second layer
        can move (the rescaling symmetry needs this). ``activation`` may override the model's
        (e.g. "leaky_relu" or "tanh" on a ReLU committee's architecture).
        """
        kind = getattr(model, "kind", None)
        if kind not in ("perceptron", "tree", "committee", "parity"):
            raise TypeError(f"model must be a wfm.models model or a TwoLayer, got {model!r}")
        if kind == "perceptron":
            net = cls(model.n, 1, activation=activation or "identity", tree=True, v=np.ones(1) if v is None else v,
                      train_v=train_v, leak=leak, margin=model.margin)
        elif kind == "parity":
            net = cls(model.n, model.k, activation="sign", tree=model.tree, train_v=False, output="parity",
                      margin=model.margin)
        else:
            net = cls(model.n, model.k, activation=activation or model.activation, tree=model.tree,
                      v=model.output_weights if v is None else v, train_v=train_v, leak=leak, margin=model.margin)
        if weights is None:
            return net, None
        w = model.check_weights(getattr(weights, "weights", weights))
        if w.ndim != len(model.weight_shape):
            raise ValueError("weights: one configuration expected, not a batch")
        return net, net.join(w.astype(np.float64))


def as_net(model, weights, batch=False, **kw):
    """(net, θ) from a TwoLayer + θ, or from a ``wfm.models`` model + its weights (or a SolveResult)."""
    weights = getattr(weights, "weights", weights)
    if isinstance(model, TwoLayer):
        return model, model.check_theta(weights, batch=batch)
    if batch:
        net, _ = TwoLayer.from_model(model, None, **kw)
        w = model.check_weights(weights)
        w = w.reshape(-1, model.n_weights) if w.ndim > len(model.weight_shape) else w.reshape(1, -1)
        return net, np.ascontiguousarray(np.concatenate(
            [w.astype(np.float64), np.broadcast_to(net.v, (w.shape[0], net.k))], axis=1)
            if net.train_v else w.astype(np.float64))
    return TwoLayer.from_model(model, weights, **kw)


def _xi(patterns, n):
    xi = patterns.xi
    if xi.ndim != 2 or xi.shape[1] != n:
        raise ValueError(f"patterns must have N = {n} inputs, got shape {xi.shape}")
    return xi if xi.dtype == np.int8 else np.ascontiguousarray(xi, dtype=np.float64)


_FLOAT_XI = weakref.WeakKeyDictionary()


def xi_float(patterns):
    """ξ as float64 (P, N), converted once per Patterns object and cached (Patterns are immutable)."""
    try:
        return _FLOAT_XI[patterns]
    except (KeyError, TypeError):
        x = np.ascontiguousarray(patterns.xi, dtype=np.float64)
        x.flags.writeable = False
        try:
            _FLOAT_XI[patterns] = x
        except TypeError:
            pass
        return x


def fields(net, theta, patterns):
    """h (P, K) at one θ (Numba, int8 inputs read directly)."""
    w, _ = net.split(theta)
    xi = _xi(patterns, net.n)
    kern = K.pick(K.fields_kernel, K.fields_kernel_serial, xi.shape[0] * w.size)
    return kern(np.ascontiguousarray(w), xi, net.tree)


def fields_batch(net, w, patterns):
    """h (R, P, K) for first-layer weights w (R, K, m) (BLAS; inputs converted to float64)."""
    x = xi_float(patterns)
    w = np.asarray(w, dtype=np.float64)
    r = w.shape[0]
    if net.tree:
        h = np.empty((r, x.shape[0], net.k))
        for k in range(net.k):            # one GEMM per receptive field
            h[:, :, k] = (x[:, k * net.m:(k + 1) * net.m] @ w[:, k, :].T).T
    else:                                  # one GEMM for all configurations and units
        h = (x @ w.reshape(r * net.k, net.m).T).reshape(x.shape[0], r, net.k).transpose(1, 0, 2)
    return np.ascontiguousarray(h) / math.sqrt(net.m)


def _phis(net, h):
    a, lk = net.acode, net.leak
    if a == Activation.IDENTITY:
        return h, np.ones_like(h), np.zeros_like(h)
    if a == Activation.RELU:
        return np.maximum(h, 0.0), (h > 0).astype(float), np.zeros_like(h)
    if a == Activation.LEAKY_RELU:
        return np.where(h > 0, h, lk * h), np.where(h > 0, 1.0, lk), np.zeros_like(h)
    if a == Activation.TANH:
        t = np.tanh(h)
        return t, 1 - t * t, -2 * t * (1 - t * t)
    return np.sign(h), np.zeros_like(h), np.zeros_like(h)


def _forward(net, theta, patterns):
    h = fields(net, theta, patterns)
    _, v = net.split(theta)
    phi, dphi, ddphi = _phis(net, h)
    f = np.prod(np.sign(h), axis=1) if net.output == "parity" else phi @ v
    return h, v, phi, dphi, ddphi, f


def evaluate(net, theta, patterns, loss=None):
    """Mean loss (1/P) Σ ℓ(Δ^μ), number of errors #{Δ^μ ≤ κ} and the fraction of errors at one θ."""
    loss = _check_loss(loss)
    theta = net.check_theta(theta)
    *_, f = _forward(net, theta, patterns)
    delta = patterns.labels * f
    return {"loss": float(np.mean(loss.value(delta))), "errors": int(np.count_nonzero(delta <= net.margin)),
            "error": float(np.mean(delta <= net.margin))}


def evaluate_batch(net, thetas, patterns, loss=None):
    """(mean loss (R,), error counts (R,)) for a batch of configurations θ (R, n_params)."""
    loss = _check_loss(loss)
    thetas = net.check_theta(thetas, batch=True)
    w, v = net.split(thetas)
    h = fields_batch(net, np.ascontiguousarray(w), patterns)
    y = patterns.labels.astype(np.float64)
    kern = K.pick(K.batch_eval_kernel, K.batch_eval_kernel_serial, h.size)
    return kern(np.ascontiguousarray(h), np.ascontiguousarray(v, dtype=np.float64), y, net.acode,
                net.leak, net.parity, loss.code, loss.param, net.margin)


def _jacobian(net, patterns, h, v, phi, dphi):
    """J (P, n_params): rows ∇_θ f(ξ^μ)."""
    x = xi_float(patterns)
    p = x.shape[0]
    cols = []
    for k in range(net.k):
        xk = x[:, k * net.m:(k + 1) * net.m] if net.tree else x
        cols.append((v[k] * dphi[:, k])[:, None] * xk / math.sqrt(net.m))
    if net.train_v:
        cols.append(phi)
    return np.concatenate(cols, axis=1) if cols else np.zeros((p, 0))


def loss_and_grad(net, theta, patterns, loss=None):
    """L(θ) = (1/P) Σ_μ ℓ(Δ^μ) and ∇_θ L = (1/P) Σ_μ ℓ'(Δ^μ) σ^μ J_μ (J_μ = ∇_θ f(ξ^μ))."""
    loss = _check_loss(loss)
    theta = net.check_theta(theta)
    h, v, phi, dphi, _, f = _forward(net, theta, patterns)
    y = patterns.labels.astype(np.float64)
    delta = y * f
    g = loss.derivative(delta) * y / patterns.p
    x = xi_float(patterns)
    coef = (g[:, None] * dphi * v[None, :])
    if net.tree:
        gw = np.einsum("pk,pkm->km", coef, x.reshape(x.shape[0], net.k, net.m))
    else:
        gw = coef.T @ x
    gw = gw.ravel() / math.sqrt(net.m)
    grad = np.concatenate([gw, phi.T @ g]) if net.train_v else gw
    return float(np.mean(loss.value(delta))), grad


def kink_diagnostics(net, theta, patterns, tol=1e-6):
    """Number of pre-activations with |h_k^μ| < tol and min |h| (ReLU-like nets; the a.e. Hessian ignores kinks)."""
    h = fields(net, net.check_theta(theta), patterns)
    return {"near_kink": int(np.count_nonzero(np.abs(h) < tol)), "min_abs_field": float(np.min(np.abs(h))),
            "kink_tol": tol, "n_fields": int(h.size)}


def _smooth_loss(loss):
    loss = _check_loss(loss)
    if loss.code in (_losses.ERROR, _losses.HINGE):
        raise ValueError(f"loss={loss!r}: the Hessian needs a smooth loss (cross_entropy or squared_hinge)")
    return loss


def hessian_parts(net, theta, patterns, loss=None):
    """Per-pattern quantities at θ: fields, φ, φ', φ'', ℓ''(Δ) and ℓ'(Δ)σ (used by the HVP kernel)."""
    loss = _smooth_loss(loss)
    theta = net.check_theta(theta)
    if net.activation == "sign" or net.output == "parity":
        raise ValueError("the Hessian of a sign/parity net vanishes almost everywhere; use local energy or profiles")
    h, v, phi, dphi, ddphi, f = _forward(net, theta, patterns)
    y = patterns.labels.astype(np.float64)
    delta = y * f
    return h, np.ascontiguousarray(v, dtype=np.float64), phi, dphi, ddphi, loss.second_derivative(delta), \
        loss.derivative(delta) * y


def net_hessian(net, theta, patterns, loss=None):
    """Exact dense Hessian ∇²_θ L, L = (1/P) Σ_μ ℓ(Δ^μ) (module docstring; docs/landscape.md §1)."""
    h, v, phi, dphi, ddphi, c, g = hessian_parts(net, theta, patterns, loss)
    p = h.shape[0]
    x = xi_float(patterns)
    jac = _jacobian(net, patterns, h, v, phi, dphi)
    hmat = jac.T @ (jac * (c / p)[:, None])
    sm = math.sqrt(net.m)
    km = net.k * net.m
    for k in range(net.k):
        xk = x[:, k * net.m:(k + 1) * net.m] if net.tree else x
        sl = slice(k * net.m, (k + 1) * net.m)
        if net.activation == "tanh":
            wgt = g * v[k] * ddphi[:, k] / (p * net.m)
            hmat[sl, sl] += xk.T @ (xk * wgt[:, None])
        if net.train_v:
            cross = xk.T @ (g * dphi[:, k]) / (p * sm)
            hmat[sl, km + k] += cross
            hmat[km + k, sl] += cross
    return 0.5 * (hmat + hmat.T)


class _HVP:
    def __init__(self, net, theta, patterns, loss, precision="float64"):
        check_choice("precision", precision, ("float64", "float32"))
        self.net = net
        self.h, self.v, self.phi, self.dphi, self.ddphi, self.c, self.g = hessian_parts(net, theta, patterns, loss)
        self.xi = _xi(patterns, net.n)
        self.x32 = None
        if precision == "float32":
            if not (net.activation == "identity" and net.k == 1 and not net.train_v):
                raise ValueError("precision='float32' is available for the perceptron only (pure Gauss–Newton Hessian)")
            # H = Jᵀ diag(c/P) J with J_μ = v₀ φ'_μ ξ_μ/√m (see gram_eigenvalues): H u = Xᵀ (s ⊙ X u),
            # s_μ = c_μ (v₀ φ'_μ)²/(P m), as two float32 BLAS matrix-vector products on a float32 copy of ξ
            # (relative error ~1e-6; faster than the float64 Numba kernel at large N: benchmarks/BENCHMARKS.md).
            self.x32 = np.ascontiguousarray(self.xi, dtype=np.float32)
            p = self.x32.shape[0]
            self.s32 = (self.c * (self.v[0] * self.dphi[:, 0]) ** 2 / (p * net.m)).astype(np.float32)
        import numba
        work = self.xi.shape[0] * net.k * net.m
        self.kernel = K.pick(K.hvp_kernel, K.hvp_kernel_serial, work)
        self.nchunks = max(1, numba.get_num_threads()) if self.kernel is K.hvp_kernel else 1
        self.n = net.n_params
        self.calls = 0

    def __call__(self, u):
        net = self.net
        u = np.asarray(u, dtype=np.float64).reshape(-1)
        km = net.k * net.m
        uw = np.ascontiguousarray(u[:km].reshape(net.k, net.m))
        if self.x32 is not None:
            self.calls += 1
            u32 = u.astype(np.float32)
            return (self.x32.T @ (self.s32 * (self.x32 @ u32))).astype(np.float64)
        uv = np.ascontiguousarray(u[km:]) if net.train_v else np.zeros(net.k)
        ow, ov = self.kernel(uw, uv, self.xi, net.tree, self.v, net.train_v, self.phi, self.dphi, self.ddphi,
                              self.c, self.g, self.nchunks)
        self.calls += 1
        return np.concatenate([ow.ravel(), ov]) if net.train_v else ow.ravel()


def net_hvp(net, theta, patterns, loss=None, precision="float64"):
    """``scipy.sparse.linalg.LinearOperator`` u ↦ H u (Numba kernel :func:`_kernels.hvp_kernel`, O(P·n) per call,
    int8 patterns read without conversion, so N = 20000 perceptrons fit in memory).

    ``precision="float32"`` (perceptron only): H u = Xᵀ(s ⊙ X u) by float32 BLAS on a float32 copy of ξ
    (4 bytes per pattern entry), relative error ~1e-6 — enough for Lanczos at tol ≥ 1e-5, and faster.
    """
    from scipy.sparse.linalg import LinearOperator

    f = _HVP(net, theta, patterns, loss, precision)
    op = LinearOperator((f.n, f.n), matvec=f, rmatvec=f, dtype=np.float64)
    op.hvp = f
    return op


def train_gd(net, theta0, patterns, loss=None, lr=0.5, steps=1000, batch_size=None, seed=0, average_from=None,
             record_every=10, tol=0.0):
    """Plain (stochastic) gradient descent θ ← θ − η ∇L_B(θ) on L = (1/P) Σ ℓ(Δ^μ), with iterate averaging.

    wfm.landscape's own trainer for the trainable two-layer net (``wfm.solve``'s gradient solvers act on
    fixed-second-layer models). Full batch when ``batch_size`` is None; otherwise one step per mini-batch of
    a fresh permutation each epoch (``steps`` counts updates). If ``average_from`` is an integer, the
    stochastic weight average θ_SWA = mean of the iterates after that step is returned too (Izmailov et al.
    2018, arXiv:1803.05407). Stops early when |∇L| < tol (full batch only).

    Returns a dict: ``theta`` (last iterate), ``theta_avg`` (or None), ``history`` {step, loss, errors}.
    """
    loss = _check_loss(loss)
    lr = check_float("lr", lr, positive=True)
    steps = check_int("steps", steps, min_value=1)
    theta = net.check_theta(theta0).copy()
    rng = np.random.default_rng(seed)
    p = patterns.p
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, min_value=1)
    avg, n_avg = None, 0
    hist = {"step": [], "loss": [], "errors": [], "grad_norm": []}
    perm, pos = None, p
    for t in range(steps):
        if batch_size is None or batch_size >= p:
            sub = patterns
        else:
            if pos + batch_size > p:
                perm, pos = rng.permutation(p), 0
            sub = patterns.subset(perm[pos:pos + batch_size])
            pos += batch_size
        val, grad = loss_and_grad(net, theta, sub, loss)
        gn = float(np.linalg.norm(grad))
        if t % record_every == 0 or t == steps - 1:
            ev = evaluate(net, theta, patterns, loss) if sub is not patterns else None
            hist["step"].append(t)
            hist["loss"].append(ev["loss"] if ev else val)
            hist["errors"].append(ev["errors"] if ev else evaluate(net, theta, patterns, loss)["errors"])
            hist["grad_norm"].append(gn)
        if tol > 0 and sub is patterns and gn < tol:
            break
        theta -= lr * grad
        if average_from is not None and t + 1 >= average_from:
            n_avg += 1
            avg = theta.copy() if avg is None else avg + (theta - avg) / n_avg
    return {"theta": theta, "theta_avg": avg, "n_averaged": n_avg,
            "history": {k: np.asarray(v) for k, v in hist.items()}}

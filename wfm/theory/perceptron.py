r"""Replica-symmetric theory of the single-layer perceptron storing random patterns.

Setting: :math:`P = \alpha N` patterns :math:`\xi^\mu` with i.i.d. unit-variance entries, labels absorbed;
a weight vector :math:`W` is a solution of margin :math:`\kappa` if every stability
:math:`\Delta^\mu = W\cdot\xi^\mu/\sqrt N \ge \kappa`. Two weight spaces:

* **spherical**, :math:`W \in \mathbb R^N`, :math:`\|W\|^2 = N` (Gardner 1988, J. Phys. A 21, 257;
  Gardner & Derrida 1988, J. Phys. A 21, 271);
* **binary**, :math:`W \in \{\pm1\}^N` (Gardner & Derrida 1988; Krauth & Mézard 1989,
  J. Phys. France 50, 3057).

Both share the RS energetic term

.. math::
    I_E(q;\kappa) = \int Dz\, \ln H\!\left(\frac{\kappa - \sqrt q\, z}{\sqrt{1-q}}\right),
    \qquad
    \frac{\partial I_E}{\partial q} = -\frac{1}{2(1-q)}\int Dz\,
    \left[\frac{G}{H}\!\left(\frac{\kappa - \sqrt q z}{\sqrt{1-q}}\right)\right]^2 ,

(the derivative follows from the heat equation :math:`\partial_\Delta e^{f} = \tfrac12\partial_m^2 e^{f}`
for :math:`f(m,\Delta) = \ln H((\kappa-m)/\sqrt\Delta)`; it is checked by finite differences in the tests).

Integrals over :math:`Dz` use the trapezoid rule on ``n_quad = 801`` uniform nodes in [−9, 9]
(:func:`wfm.theory.gaussian.uniform_gaussian_rule`). The integrands :math:`\tanh^2(\sqrt{\hat q}z)`
and :math:`\ln H(u)` become sharp near capacity (widths :math:`\sim 1/\sqrt{\hat q}` and
:math:`\sqrt{1-q}`); the uniform rule converges exponentially in the ratio width/spacing, whereas
a 201-node Gauss–Hermite rule leaves errors of ~1e-3 on :math:`q` near capacity.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import optimize

from ..core.checks import check_float, check_int
from ._checks import as_float_or_array, finish, warn_rs
from .gaussian import G, GH_ratio, H, log_2cosh, log_H, uniform_gaussian_rule

__all__ = [
    "energetic_term",
    "gardner_capacity",
    "spherical_free_entropy",
    "spherical_overlap",
    "spherical_entropy",
    "binary_free_entropy",
    "BinaryRS",
    "binary_rs",
    "binary_entropy",
    "binary_overlap",
    "binary_capacity",
    "max_margin",
]

N_QUAD = 801
_Q_MAX = 1.0 - 1e-13


# ----------------------------------------------------------------------------------------------
# energetic term
# ----------------------------------------------------------------------------------------------
def energetic_term(q, kappa=0.0, n_quad=N_QUAD):
    r"""Return :math:`I_E(q;\kappa)` and :math:`\int Dz\,(G/H)^2(u)`, :math:`u = (\kappa-\sqrt q z)/\sqrt{1-q}`.

    Vectorized over ``q`` (any shape, ``0 <= q < 1``). See the module docstring for the equations.
    """
    z, w = uniform_gaussian_rule(n_quad)
    q = np.asarray(q, dtype=float)
    qq = q[..., None]
    u = (kappa - np.sqrt(qq) * z) / np.sqrt(1.0 - qq)
    ie = log_H(u) @ w
    gh2 = GH_ratio(u) ** 2 @ w
    return ie, gh2


# ----------------------------------------------------------------------------------------------
# spherical perceptron
# ----------------------------------------------------------------------------------------------
def _gardner_integral(kappa):
    # ∫_{-κ}^∞ Dz (z+κ)^2 = (1+κ^2) H(-κ) + κ G(κ)   (∫_a^∞ Dz z = G(a), ∫_a^∞ Dz z^2 = H(a) + a G(a))
    return (1.0 + kappa * kappa) * H(-kappa) + kappa * G(kappa)


def gardner_capacity(kappa=0.0):
    r"""Capacity of the spherical perceptron (Gardner 1988, Eq. (20) there):

    .. math:: \alpha_c(\kappa) = \left[\int_{-\kappa}^{\infty} Dz\,(z+\kappa)^2\right]^{-1}
              = \left[(1+\kappa^2)H(-\kappa) + \kappa\,G(\kappa)\right]^{-1}.

    :math:`\alpha_c(0) = 2` (Cover 1965). This is the :math:`q\to1` limit of the RS saddle point
    (:func:`spherical_overlap`). For :math:`\kappa < 0` the solution space is not convex, replica
    symmetry is broken near capacity and this RS value is only an upper estimate: a
    :class:`ReplicaSymmetryWarning` is emitted. Vectorized over ``kappa``.
    """
    k, scalar = as_float_or_array("kappa", kappa)
    if np.any(k < 0):
        warn_rs("gardner_capacity: for kappa < 0 the spherical perceptron breaks replica symmetry; "
                "the RS capacity returned is not exact (Gardner 1988; Baldassi et al. PRE 108, 024310, 2023)")
    return finish(1.0 / _gardner_integral(k), scalar)


def spherical_free_entropy(q, alpha, kappa=0.0, n_quad=N_QUAD):
    r"""RS free entropy of the spherical perceptron before extremization (Gardner 1988):

    .. math:: \phi(q) = \tfrac12\ln(1-q) + \frac{q}{2(1-q)} + \alpha\, I_E(q;\kappa),

    normalized so that :math:`\phi = \frac1N\ln[\mathrm{Vol(solutions)}/\mathrm{Vol(sphere)}]`
    at the saddle point (it vanishes at :math:`\alpha = 0`, :math:`q = 0`).
    """
    q = np.asarray(q, dtype=float)
    ie, _ = energetic_term(q, kappa, n_quad)
    return 0.5 * np.log1p(-q) + q / (2.0 * (1.0 - q)) + alpha * ie


def _spherical_q(alpha, kappa, n_quad):
    # stationarity dφ/dq = 0  <=>  q/(1-q) = α ∫Dz (G/H)^2(u); written as f(q) = q - α(1-q)∫(G/H)^2
    # (the 1-q factor keeps f bounded as q -> 1).  f(0) < 0, and f(1^-) -> 1 - α/α_c > 0 iff α < α_c.
    def f(q):
        return q - alpha * (1.0 - q) * energetic_term(q, kappa, n_quad)[1]

    grid = 1.0 - np.logspace(0, -12, 97)
    grid[0] = 0.0
    vals = grid - alpha * (1 - grid) * energetic_term(grid, kappa, n_quad)[1]
    idx = np.nonzero((vals[:-1] < 0) & (vals[1:] >= 0))[0]
    if idx.size == 0:
        return np.nan
    i = idx[0]
    return optimize.brentq(f, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15)


def spherical_overlap(alpha, kappa=0.0, n_quad=N_QUAD):
    r"""RS overlap :math:`q(\alpha,\kappa)` of two solutions of the spherical perceptron, root of

    .. math:: \frac{q}{1-q} = \alpha\int Dz\,\left[\frac GH\!\left(\frac{\kappa-\sqrt q z}{\sqrt{1-q}}\right)\right]^2 .

    Returns 1.0 for :math:`\alpha \ge \alpha_c(\kappa)` (the volume has shrunk to zero).
    Vectorized over ``alpha``. κ < 0 emits a :class:`ReplicaSymmetryWarning` (RS not exact).
    """
    a, scalar = as_float_or_array("alpha", alpha, positive=True)
    kappa = check_float("kappa", kappa)
    n_quad = check_int("n_quad", n_quad, min_value=16)
    if kappa < 0:
        warn_rs("spherical_overlap: kappa < 0, the RS saddle point is not exact (full RSB near capacity)")
    ac = 1.0 / _gardner_integral(kappa)
    out = np.array([1.0 if ai >= ac else _spherical_q(ai, kappa, n_quad) for ai in a])
    return finish(out, scalar)


def spherical_entropy(alpha, kappa=0.0, n_quad=N_QUAD):
    r"""RS entropy of the spherical perceptron: :math:`s = \frac1N\ln\frac{\mathrm{Vol(solutions)}}{\mathrm{Vol(sphere)}}`,

    .. math:: s(\alpha,\kappa) = \mathrm{extr}_q\left[\tfrac12\ln(1-q) + \frac{q}{2(1-q)}
              + \alpha\int Dz \ln H\!\left(\frac{\kappa-\sqrt q z}{\sqrt{1-q}}\right)\right]

    (Gardner 1988). :math:`s \le 0`, :math:`s \to 0` as :math:`\alpha\to0` and
    :math:`s \to -\infty` as :math:`\alpha \to \alpha_c(\kappa)`; ``-inf`` is returned for
    :math:`\alpha \ge \alpha_c`. For κ < 0 a :class:`ReplicaSymmetryWarning` is emitted: the RS
    volume is then only an approximation (RSB). Vectorized over ``alpha``.
    """
    a, scalar = as_float_or_array("alpha", alpha, positive=True)
    kappa = check_float("kappa", kappa)
    n_quad = check_int("n_quad", n_quad, min_value=16)
    if kappa < 0:
        warn_rs("spherical_entropy: kappa < 0, the RS volume is not exact (RSB; Gardner 1988, "
                "Baldassi et al. PRE 2023)")
    ac = 1.0 / _gardner_integral(kappa)
    out = np.empty_like(a)
    for i, ai in enumerate(a):
        if ai >= ac:
            out[i] = -np.inf
            continue
        q = _spherical_q(ai, kappa, n_quad)
        out[i] = spherical_free_entropy(q, ai, kappa, n_quad)
    return finish(out, scalar)


# ----------------------------------------------------------------------------------------------
# binary perceptron
# ----------------------------------------------------------------------------------------------
def binary_free_entropy(q, q_hat, alpha, kappa=0.0, n_quad=N_QUAD):
    r"""RS free entropy of the binary perceptron before extremization (Gardner & Derrida 1988;
    Krauth & Mézard 1989):

    .. math:: \phi(q,\hat q) = -\frac{\hat q}{2}(1-q) + \int Dz\,\ln 2\cosh(\sqrt{\hat q}\,z)
              + \alpha\int Dz\,\ln H\!\left(\frac{\kappa-\sqrt q z}{\sqrt{1-q}}\right).
    """
    z, w = uniform_gaussian_rule(n_quad)
    q = np.asarray(q, dtype=float)
    q_hat = np.asarray(q_hat, dtype=float)
    ie, _ = energetic_term(q, kappa, n_quad)
    i_s = log_2cosh(np.sqrt(q_hat)[..., None] * z) @ w
    return -0.5 * q_hat * (1.0 - q) + i_s + alpha * ie


class BinaryRS(NamedTuple):
    """RS saddle point of the binary perceptron at (alpha, kappa)."""

    alpha: float
    kappa: float
    q: float
    q_hat: float
    entropy: float


def _binary_qhat(q, alpha, kappa, n_quad):
    # q̂ = α/(1-q) ∫Dz (G/H)^2(u)   (= -2α ∂I_E/∂q)
    return alpha * energetic_term(q, kappa, n_quad)[1] / (1.0 - q)


def _binary_q_of_qhat(q_hat, n_quad):
    z, w = uniform_gaussian_rule(n_quad)
    qh = np.asarray(q_hat, dtype=float)
    return np.tanh(np.sqrt(qh)[..., None] * z) ** 2 @ w


def _binary_saddle(alpha, kappa, n_quad):
    """Solve q = ∫Dz tanh²(√q̂(q) z), q̂(q) = α/(1-q)∫(G/H)²; return (q, q̂) or (nan, nan).

    Written as the root of F(q) = (1 - q_new) / (1 - q) - 1 in q (relative form: both sides -> 1 as q -> 1).
    F(0) > 0 ... the physical branch is the first root starting from q = 0 where q - q_new changes sign
    from negative to positive. Gardner–Derrida: as q -> 1, F -> sqrt(2/pi)/sqrt(α A(κ)) - 1 with
    A = 1/α_Gardner(κ), so a root exists on (0, 1) at least for α < (2/π) α_Gardner(κ).
    """
    def g(q):
        qn = _binary_q_of_qhat(_binary_qhat(q, alpha, kappa, n_quad), n_quad)
        return q - qn

    lo, hi = 1e-300, 1.0 - 1e-12
    g_lo, g_hi = g(lo), g(hi)
    if not (g_lo < 0 <= g_hi):
        # beyond the Gardner–Derrida point both ends are negative: scan for the first sign change
        grid = 1.0 - np.logspace(0, -12, 121)
        grid[0] = lo
        qh = alpha * energetic_term(grid, kappa, n_quad)[1] / (1.0 - grid)
        vals = grid - _binary_q_of_qhat(qh, n_quad)
        idx = np.nonzero((vals[:-1] < 0) & (vals[1:] >= 0))[0]
        if idx.size == 0:
            return np.nan, np.nan
        lo, hi = grid[idx[0]], grid[idx[0] + 1]
    q = optimize.brentq(g, lo, hi, xtol=1e-15, rtol=1e-15)
    return q, _binary_qhat(q, alpha, kappa, n_quad)


def binary_rs(alpha, kappa=0.0, n_quad=N_QUAD):
    r"""RS saddle point of the binary perceptron (Krauth & Mézard 1989).

    Solves :math:`q = \int Dz\,\tanh^2(\sqrt{\hat q}z)` and
    :math:`\hat q = \frac{\alpha}{1-q}\int Dz\,[G/H]^2\!\left(\frac{\kappa-\sqrt q z}{\sqrt{1-q}}\right)`
    (stationarity of :func:`binary_free_entropy`) by Brent's method on the 1-D equation
    :math:`q - \int Dz\,\tanh^2(\sqrt{\hat q(q)}z) = 0`, taking the first root from :math:`q = 0`.
    Returns a :class:`BinaryRS` (``entropy`` is :math:`\phi(q,\hat q)`). If no root exists (far beyond
    capacity, above the Gardner–Derrida :math:`q\to1` point) ``q = 1`` and ``entropy = -inf`` are
    returned: the RS volume has collapsed.
    """
    alpha = check_float("alpha", alpha, positive=True)
    kappa = check_float("kappa", kappa)
    n_quad = check_int("n_quad", n_quad, min_value=16)
    q, qh = _binary_saddle(alpha, kappa, n_quad)
    if not np.isfinite(q):
        return BinaryRS(alpha, kappa, 1.0, np.inf, -np.inf)
    s = float(binary_free_entropy(q, qh, alpha, kappa, n_quad))
    return BinaryRS(alpha, kappa, float(q), float(qh), s)


def binary_entropy(alpha, kappa=0.0, n_quad=N_QUAD):
    r"""RS entropy per weight of the solutions of the binary perceptron,

    .. math:: s(\alpha,\kappa) = \mathrm{extr}_{q,\hat q}\left[-\frac{\hat q}{2}(1-q)
              + \int Dz\ln 2\cosh(\sqrt{\hat q}z) + \alpha\int Dz\ln H\!\left(\frac{\kappa-\sqrt q z}{\sqrt{1-q}}\right)\right]

    (Gardner & Derrida 1988; Krauth & Mézard 1989). :math:`s(0^+) = \ln 2`; it is negative (RS
    no longer meaningful) beyond :func:`binary_capacity`. Vectorized over ``alpha``.
    """
    a, scalar = as_float_or_array("alpha", alpha, positive=True)
    return finish(np.array([binary_rs(ai, kappa, n_quad).entropy for ai in a]), scalar)


def binary_overlap(alpha, kappa=0.0, n_quad=N_QUAD):
    r"""RS overlap :math:`q(\alpha,\kappa) = \frac1N W^1\cdot W^2` of two typical solutions of the
    binary perceptron (the :math:`q` of :func:`binary_rs`). The typical distance between two
    solutions is :math:`d = (1-q)/2`. Vectorized over ``alpha``."""
    a, scalar = as_float_or_array("alpha", alpha, positive=True)
    return finish(np.array([binary_rs(ai, kappa, n_quad).q for ai in a]), scalar)


def _gardner_derrida_alpha(kappa):
    # α at which the RS q -> 1 solution appears: (2/π) α_Gardner(κ)  (= 4/π at κ = 0)
    return (2.0 / np.pi) / _gardner_integral(kappa)


def binary_capacity(kappa=0.0, n_quad=N_QUAD):
    r"""Capacity of the binary perceptron, RS zero-entropy criterion (Krauth & Mézard 1989):
    :math:`\alpha_c(\kappa)` is the root of :math:`s(\alpha,\kappa) = 0` (:func:`binary_entropy`).
    :math:`\alpha_c(0) = 0.833`; the result coincides with the frozen-1RSB capacity. Decreasing in
    :math:`\kappa`. Vectorized over ``kappa``.
    """
    k, scalar = as_float_or_array("kappa", kappa)
    n_quad = check_int("n_quad", n_quad, min_value=16)
    out = np.empty_like(k)
    for i, ki in enumerate(k):
        hi = 0.999 * _gardner_derrida_alpha(ki)

        def s(a, ki=ki):
            return binary_rs(a, ki, n_quad).entropy

        s_hi = s(hi)
        if not s_hi < 0:  # pragma: no cover - never observed; guard against a silent wrong bracket
            raise RuntimeError(f"binary_capacity: entropy not negative at alpha={hi} (kappa={ki})")
        lo = min(1e-3, hi / 2)
        out[i] = optimize.brentq(s, lo, hi, xtol=1e-12, rtol=1e-12)
    return finish(out, scalar)


def max_margin(alpha, n_quad=N_QUAD):
    r"""Largest margin :math:`\kappa_{\max}(\alpha)` for which binary solutions exist (RS):
    the root in :math:`\kappa` of :math:`s(\alpha,\kappa) = 0`, i.e. the inverse of
    :func:`binary_capacity`. Decreasing in :math:`\alpha`, zero at :math:`\alpha_c(0) = 0.833`,
    negative beyond. Vectorized over ``alpha``.
    """
    a, scalar = as_float_or_array("alpha", alpha, positive=True)
    n_quad = check_int("n_quad", n_quad, min_value=16)
    out = np.empty_like(a)
    for i, ai in enumerate(a):
        # κ_GD(α): where α = (2/π) α_Gardner(κ); above it the RS branch is lost, so bracket below it
        if ai >= _gardner_derrida_alpha(-8.0):
            raise ValueError(f"alpha={ai} is too large for max_margin (kappa_max < -8)")
        k_gd = optimize.brentq(lambda k: _gardner_derrida_alpha(k) - ai, -8.0, 40.0)

        def s(k, ai=ai):
            return binary_rs(ai, k, n_quad).entropy

        hi = k_gd - 1e-3 * max(1.0, abs(k_gd))
        if not s(hi) < 0:  # pragma: no cover
            raise RuntimeError(f"max_margin: entropy not negative at kappa={hi} (alpha={ai})")
        lo = hi - 1.0
        while s(lo) <= 0:
            lo -= 1.0
        out[i] = optimize.brentq(s, lo, hi, xtol=1e-12, rtol=1e-12)
    return finish(out, scalar)

r"""Tree committee machines storing random patterns: RS capacity (spherical weights) and RS entropy (binary and
spherical weights) for sign and ReLU hidden units, from one code path; the counting upper bound.

Model (``wfm.models.TreeCommittee(n, k, activation, weights)``): K hidden units, unit k sees its own N/K inputs
with weights :math:`W_k` (:math:`\|W_k\|^2 = N/K` or :math:`W_{ki} = \pm1`), field
:math:`h_k = W_k\cdot\xi_k/\sqrt{N/K}`, output :math:`\mathrm{sign}\,\lambda`, :math:`\lambda = \sum_k c_k\phi(h_k)`:
sign units with :math:`c_k = 1` (K odd, majority), or ReLU units with :math:`c_k = \pm1` on the two halves (K even);
an output 0 is an error. :math:`\alpha = P/N`, N the total number of weights.

The derivation is in ``docs/theory/committee.md``. In short, with the RS overlap q equal for every unit (the units
have disjoint inputs), the free entropy per weight is the perceptron's entropic term plus
:math:`\alpha I_E(q)`, :math:`I_E(q) = E_z\ln\Pr_x[\lambda(\sqrt q z + \sqrt{1-q}x) > 0]`
(z, x standard Gaussian in :math:`\mathbb R^K`). The activation enters only through :math:`I_E`
(:mod:`wfm.theory.committee_rules`), in three forms:

* finite K by quadrature (sign K = 1, 3; ReLU K = 2): :func:`tree_committee_rs`, :func:`tree_committee_entropy`;
* :math:`q\to1`: :math:`I_E \simeq -C_K/(2(1-q))` with :math:`C_K = E_z[c(z)]` the mean squared distance from z to
  the correct region, so :math:`\alpha_c^{RS} = 1/C_K` (:func:`tree_committee_capacity`,
  :func:`tree_committee_repair_cost`);
* :math:`K\to\infty`: :math:`\lambda/\sqrt K` is Gaussian and :math:`I_E(q)` is the perceptron's at the effective
  overlap :math:`\rho(q)` (arcsine law for sign, arc-cosine kernel for ReLU); for ReLU
  :math:`\alpha_c^{RS}(\infty) = 2\rho'(1) = 2\pi/(\pi-1)`, for sign :math:`\rho'(1) = \infty` and the RS capacity
  diverges.

The sections below document the sign capacity by order statistics (the exact evaluation of :math:`C_K` for sign
units) and the counting bound.

1. Sign units: RS Gardner volume and C_K by order statistics (derived here from first principles)
-------------------------------------------------------------------------------------------------
The K units have disjoint inputs, so the replicated fields of different units are independent; by the
symmetry between units the RS overlap of two solutions is the same :math:`q` for every unit. Each unit
contributes the spherical entropic term of Gardner (1988) with weight 1/K, so per weight

.. math::
    \phi(q) = \tfrac12\ln(1-q) + \frac{q}{2(1-q)}
      + \alpha\,\mathbb E_{z_1..z_K}\ln\!\sum_{\tau\in\{\pm1\}^K:\ \sum_k\tau_k>0}\ \prod_k
        H\!\Big(-\tau_k\frac{\sqrt q z_k}{\sqrt{1-q}}\Big)

(the sum is the probability that a replica, whose unit fields are :math:`\sqrt q z_k + \sqrt{1-q}x_k`,
produces the correct majority). K = 1 is Gardner's perceptron.

*Capacity (q → 1).* :math:`\ln H(-\tau\sqrt q z/\sqrt{1-q}) \simeq -\frac{z^2}{2(1-q)}\Theta(-\tau z)`, so the
sum is dominated by the cheapest correct internal representation: keep every unit with :math:`z_k > 0`
and flip the :math:`r = m - (K-1)/2` negative units with the smallest :math:`|z_k|` (m = number of
negative :math:`z_k`, r <= 0: nothing to flip). Both terms of :math:`\phi` are then
:math:`\frac{1}{2(1-q)}[1 - \alpha\,C_K]`, and the RS capacity is :math:`\alpha_c = 1/C_K` with

.. math::
    C_K = \mathbb E\!\!\sum_{j\le r(m)} |z|_{(j:m)}^2
        = \sum_{m}\binom{K}{m}2^{-K}\int_0^\infty a^2\,2G(a)\; m\,
          \Pr\big[\mathrm{Bin}(m-1, F(a)) \le r(m)-1\big]\,da,\qquad F(a) = 1-2H(a),

using :math:`\sum_{j\le r}f_{j:m}(a) = m f(a)\Pr[\mathrm{Bin}(m-1,F(a))\le r-1]` for the order statistics of m
half-normal variables. K = 1: :math:`C_1 = \mathbb E[z^2\Theta(-z)] = 1/2`, :math:`\alpha_c = 2` (Cover 1965;
Gardner 1988).

*Large K.* m ≈ K/2 + g√K/2, r ≈ g√K/2 (g standard normal, g > 0 only); the r smallest of m half-normals
are ≈ j/(m\,2G(0)), so :math:`C_K \simeq \frac{\pi}{12\sqrt K}\mathbb E[g_+^3] = \frac{\pi}{12\sqrt K}\sqrt{2/\pi}`, i.e.

.. math:: \alpha_c^{RS}(K) \simeq \frac{12}{\sqrt{2\pi}}\sqrt K \approx 4.787\sqrt K .

The √K growth is the result of Barkai, Hansel & Sompolinsky, PRA 45, 4146 (1992); the prefactor is our derivation (checked numerically against :func:`tree_committee_capacity` at
large K), not quoted from a source. The RS answer is known to be wrong for K > 1 (replica symmetry breaking;
the correct growth is ∝ √(ln K), Monasson & Zecchina, arXiv:cond-mat/9601122): it eventually exceeds the counting
bound below (Mitchison & Durbin 1989), which is a direct check that RS fails
(:func:`rs_violates_counting_bound_from`).

2. Counting upper bound for tree machines (Cover 1965 counting; Mitchison & Durbin, Biol. Cybern. 60, 345 (1989))
-----------------------------------------------------------------------------------------------------------------
Whatever Boolean function combines the K hidden outputs (majority: committee; product: parity machine),
the number of output labelings of P patterns is at most the product of the numbers of dichotomies each unit
can realize on its inputs, :math:`C(P, N/K)^K` with Cover's :math:`C(P,n) = 2\sum_{i<n}\binom{P-1}{i}`. Storing
every labeling needs :math:`C(P,N/K)^K \ge 2^P`; for N → ∞ (:math:`\ln C(P,n) \simeq P\,\mathcal H(n/P)` for
P > 2n) this gives :math:`\alpha_c \le \alpha_{\rm MD}(K)`, the root (with :math:`\alpha K > 2`) of

.. math:: \mathcal H\!\Big(\frac{1}{\alpha K}\Big) = \frac{\ln 2}{K},\qquad
          \mathcal H(x) = -x\ln x - (1-x)\ln(1-x),

:math:`\alpha_{\rm MD}(1) = 2` and :math:`\alpha_{\rm MD}(K) = \frac{\ln K + \ln\alpha_{\rm MD} + 1}{\ln 2}
+ o(1) \sim \ln K/\ln 2`. The :math:`\ln K/\ln 2` behaviour of the parity machine is Mitchison & Durbin's:
the derivation here is ours (the counting argument), the asymptote is theirs.

Not provided: RSB capacities and entropies; finite-α RS entropies for sign K >= 5 and ReLU K >= 4 (the
K-dimensional energetic integral is not reduced here; K = ∞ is).
"""
from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np
from scipy import optimize, special, stats

from ..core.checks import check_choice, check_float, check_int
from . import perceptron
from ._checks import ReplicaSymmetryWarning, as_float_or_array, finish, warn_rs
from .committee_rules import (
    QUADRATURE_K,
    RELU,
    SIGN,
    energetic_term,
    get_rule,
    repair_cost_mc,
)
from .gaussian import G, H, log_2cosh, uniform_gaussian_rule
from .perceptron import _Q_MAX, N_QUAD

__all__ = [
    "CommitteeRS",
    "counting_bound",
    "rs_violates_counting_bound_from",
    "tree_committee_capacity",
    "tree_committee_capacity_asymptote",
    "tree_committee_entropy",
    "tree_committee_repair_cost",
    "tree_committee_rs",
]


def _flip_cost(K, n_panels=90, n_gl=10):
    r"""C_K = E[sum of the r(m) smallest squared negative fields] (module docstring).

    The a-integral uses composite Gauss–Legendre on panels graded geometrically from a = 1e-7 to 14 (the
    integrand lives at a ~ r/m ~ K^{-1/2} for large K); terms with binomial weight below 1e-20/(K+1)² are dropped
    (each has cost <= K, so at most K+1 of them change C_K by < 1e-20; C_K >= ~0.1/√K)."""
    half = (K - 1) // 2
    m = np.arange(half + 1, K + 1)
    logw = special.gammaln(K + 1) - special.gammaln(m + 1) - special.gammaln(K - m + 1) - K * np.log(2.0)
    keep = logw > np.log(1e-20) - 2 * np.log(K + 1.0)
    m, logw = m[keep], logw[keep]
    r = m - half
    edges = np.concatenate([[0.0], np.geomspace(1e-7, 14.0, n_panels)])
    t, wt = np.polynomial.legendre.leggauss(n_gl)
    lo, hi = edges[:-1, None], edges[1:, None]
    a = (0.5 * (lo + hi) + 0.5 * (hi - lo) * t).ravel()
    wa = (0.5 * (hi - lo) * wt).ravel()
    F = 1.0 - 2.0 * H(a)
    dens = a * a * 2.0 * G(a) * wa  # a² f(a) da, f = 2G the half-normal density
    cdf = stats.binom.cdf(r[:, None] - 1, m[:, None] - 1, F[None, :])
    per_m = (m[:, None] * cdf) @ dens
    return float(np.exp(logw) @ per_m)


# ----------------------------------------------------------------------------------------------
# one code path for both activations
# ----------------------------------------------------------------------------------------------
def _parse_k(K, rule):
    """K: a positive integer of the rule's parity, or infinity (math.inf, numpy.inf or the string 'inf')."""
    if isinstance(K, str):
        if K.strip().lower() in ("inf", "infinity"):
            return math.inf
        raise ValueError(f"K must be a positive integer or 'inf', got {K!r}")
    if isinstance(K, float) and math.isinf(K) and K > 0:
        return math.inf
    K = check_int("K", K, min_value=1)
    return rule.check_k(K)


def _rs_status(K, rule, weights):
    """(rs_exact, note): is the RS answer known to be exact, and why (or why not)."""
    if weights == "spherical":
        if K == 1 or (rule is RELU and K == 2):
            return True, ("convex solution space (each pattern confines the unit fields to a convex cone): RS is "
                          "exact (Gardner 1988 for K = 1)")
        if rule is SIGN:
            return False, ("sign tree committee, K > 1: replica symmetry is broken; the RS capacity grows like √K and "
                           "exceeds the counting bound from K = 7 on (Barkai, Hansel & Sompolinsky 1992; Monasson & "
                           "Zecchina, arXiv:cond-mat/9601122: the true growth is ∝ √(ln K))")
        return False, ("ReLU tree committee, K >= 4: the solution space is not convex (the correct region of the "
                       "unit fields is a union of convex cones) and RS is not known to be exact; RSB (not "
                       "computed here) can only lower the capacity estimate")
    if K == 1:
        return True, "binary perceptron: RS entropy, zero-entropy capacity 0.833 (Krauth & Mézard 1989)"
    return False, ("binary committee: RS entropy and zero-entropy capacity; the stability of the RS saddle point "
                   "is not checked here (for the binary perceptron the zero-entropy point is the exact capacity, "
                   "Krauth & Mézard 1989; for committees this is not established)")


def tree_committee_repair_cost(K, activation="sign", *, n_samples=400_000, seed=0):
    r"""Mean repair cost :math:`C_K = E_z[c(z)]` and its standard error: ``(C_K, stderr)``.

    :math:`c(z)` is the squared distance from the Gaussian vector :math:`z\in\mathbb R^K` of frozen unit fields to
    the closure of the region where the committee answers correctly (:mod:`wfm.theory.committee_rules`); the RS
    capacity with spherical weights is :math:`1/C_K` (docs/theory/committee.md, §3).

    * sign, K odd: exact, by the order-statistics integral (:func:`_flip_cost`), stderr 0;
    * ReLU, K = 2: exact, :math:`C_2 = 3/4` (the correct region :math:`\{a > \max(b, 0)\}` is a convex wedge of angle
      3π/4; :math:`E\,\mathrm{dist}^2 = 3/2 - \theta/\pi`), stderr 0;
    * ReLU, K >= 4 even: Monte Carlo (:func:`wfm.theory.committee_rules.repair_cost_mc`, ``n_samples`` draws of z,
      both labels per draw, control variate :math:`\lambda^2`; ``seed`` fixes the streams);
    * K = ∞: :math:`C_\infty = \mathrm{Var}\,\phi/(2E\phi'^2)`: ReLU :math:`(\pi-1)/(2\pi)`, sign 0.
    """
    rule = get_rule(activation)
    K = _parse_k(K, rule)
    if math.isinf(K):
        return rule.cost_infinite_k(), 0.0
    if rule is SIGN:
        return _flip_cost(K), 0.0
    if K == 2:
        return 0.75, 0.0
    return repair_cost_mc(K, "relu", n_samples=n_samples, seed=seed)


def tree_committee_capacity(K, activation="sign", weights="spherical", *, n_samples=400_000, seed=0, n_quad=40):
    r"""RS capacity per weight :math:`\alpha_c` of the tree committee machine with K sign (K odd) or ReLU (K even)
    hidden units; ``K = math.inf`` (or ``"inf"``) gives the :math:`K\to\infty` limit.

    ``weights="spherical"``: :math:`\alpha_c = 1/C_K` (:func:`tree_committee_repair_cost`; docs §3). Sign: K = 1
    gives 2 (Gardner 1988), then ∝ √K (:func:`tree_committee_capacity_asymptote`), ∞ for K = ∞. ReLU: 4/3 at
    K = 2 (exact: convex), then increasing to :math:`2\pi/(\pi-1) = 2.9339` at K = ∞ (docs §4); 4 <= K < ∞ by
    Monte Carlo (``n_samples``, ``seed``; relative standard error ≈ 1e-3 with the defaults, see
    :func:`tree_committee_repair_cost` for the value with its error).

    ``weights="binary"``: the zero of the RS entropy :func:`tree_committee_entropy` (Krauth & Mézard 1989 criterion),
    where the RS computation closes: sign K = 1, 3, ∞; ReLU K = 2, ∞. Other K raise ``ValueError``.

    A :class:`ReplicaSymmetryWarning` is emitted when RS is known not to be exact (spherical: sign K > 1, ReLU
    K >= 4) or not established (binary committees); the text says which.
    """
    rule = get_rule(activation)
    check_choice("weights", weights, ("spherical", "binary"))
    K = _parse_k(K, rule)
    exact, note = _rs_status(K, rule, weights)
    if weights == "binary":
        return _binary_capacity(K, rule, n_quad, exact, note)
    if not exact:
        warn_rs(f"tree_committee_capacity(K={K}, activation={rule.name!r}, spherical): {note}")
    c, _ = tree_committee_repair_cost(K, rule.name, n_samples=n_samples, seed=seed)
    return math.inf if c == 0.0 else 1.0 / c


class CommitteeRS(NamedTuple):
    """RS saddle point of the tree committee at load alpha (``q_hat`` is NaN for spherical weights)."""

    alpha: float
    K: float
    activation: str
    weights: str
    q: float
    q_hat: float
    entropy: float
    rs_exact: bool
    note: str


def _energetic(q, K, rule, n_quad):
    """(I_E(q), dI_E/dq). K = ∞: the perceptron's term at ρ(q) (chain rule); finite K: quadrature and a central
    difference (step 1e-5·(1−q); the quadrature is a smooth function of q at fixed nodes)."""
    if math.isinf(K):
        rho = float(rule.kernel(q))
        rho = min(rho, _Q_MAX)
        ie, gh2 = perceptron.energetic_term(rho)
        return float(ie), float(-gh2 / (2.0 * (1.0 - rho)) * rule.kernel_prime(q))
    ie = energetic_term(q, K, rule.name, n_quad)
    h = 1e-5 * min(1.0, 1.0 - q) if q > 1e-5 else 1e-6
    lo = max(q - h, 0.0)
    d = (energetic_term(q + h, K, rule.name, n_quad) - energetic_term(lo, K, rule.name, n_quad)) / (q + h - lo)
    return ie, d


def _check_closes(K, rule):
    if not math.isinf(K) and K not in QUADRATURE_K[rule.name]:
        raise ValueError(
            f"the RS entropy of the tree committee is computed for activation={rule.name!r} with K in "
            f"{QUADRATURE_K[rule.name]} or K=inf only (for other finite K the K-dimensional energetic integral is "
            f"not reduced; the capacity with spherical weights needs only its q -> 1 limit, see "
            f"tree_committee_capacity), got K={K}")


_Q_GRID = np.concatenate([[1e-8], 1.0 - np.logspace(np.log10(1 - 1e-2), -5, 40)])
_DI_CACHE: dict = {}


def _dI_grid(K, rule, n_quad):
    key = (K, rule.name, n_quad)
    if key not in _DI_CACHE:
        _DI_CACHE[key] = np.array([_energetic(q, K, rule, n_quad)[1] for q in _Q_GRID])
    return _DI_CACHE[key]


def _first_root(f, values):
    """First upward zero crossing of f on _Q_GRID (``values`` = f on the grid), refined by Brent; NaN if none."""
    idx = np.nonzero((values[:-1] < 0) & (values[1:] >= 0))[0]
    if idx.size == 0:
        return math.nan
    i = idx[0]
    return optimize.brentq(f, _Q_GRID[i], _Q_GRID[i + 1], xtol=1e-14, rtol=1e-13)


def _saddle(alpha, K, rule, weights, n_quad):
    dI = _dI_grid(K, rule, n_quad)
    if weights == "binary":
        def f(q):
            return q - float(perceptron._binary_q_of_qhat(-2.0 * alpha * _energetic(q, K, rule, n_quad)[1], N_QUAD))

        vals = _Q_GRID - perceptron._binary_q_of_qhat(-2.0 * alpha * dI, N_QUAD)
    else:
        # stationarity of ½ln(1−q) + q/(2(1−q)) + α I_E(q): q + 2α(1−q)² I_E'(q) = 0
        def f(q):
            return q + 2.0 * alpha * (1.0 - q) ** 2 * _energetic(q, K, rule, n_quad)[1]

        vals = _Q_GRID + 2.0 * alpha * (1.0 - _Q_GRID) ** 2 * dI
    return _first_root(f, vals)


def tree_committee_rs(alpha, K, activation="sign", weights="binary", *, n_quad=40):
    r"""RS saddle point and entropy per weight of the tree committee at load ``alpha`` (docs/theory/committee.md §2).

    .. math::
        s = \mathrm{extr}\Big[G_S + \alpha I_E(q)\Big],\qquad
        I_E(q) = \int\!\prod_k Dz_k\,\ln\Pr_x\big[\lambda(\sqrt q z + \sqrt{1-q}\,x) > 0\big],

    with the perceptron's entropic term, binary :math:`G_S = -\frac{\hat q}{2}(1-q) + \int Dz\ln2\cosh\sqrt{\hat q}z`,
    :math:`\hat q = -2\alpha I_E'(q)`, :math:`q = \int Dz\tanh^2\sqrt{\hat q}z` (Gardner & Derrida 1988; Krauth &
    Mézard 1989 for K = 1), or spherical :math:`G_S = \frac12\ln(1-q) + \frac{q}{2(1-q)}` (Gardner 1988).
    The entropy is :math:`\frac1N\ln\#\{\text{solutions}\}` (binary) or :math:`\frac1N\ln` of the solution volume over
    the volume of the product of spheres (spherical).

    Closes for sign K = 1, 3 and ReLU K = 2 (:math:`I_E` by ``n_quad``-node Gauss–Hermite quadrature per dimension,
    :func:`wfm.theory.committee_rules.energetic_term`) and for K = ∞ of both (perceptron energetic term at
    overlap :math:`\rho(q)`). The root is the first zero crossing from q = 0; if there is none (spherical: α at
    or beyond the capacity; binary: beyond the Gardner–Derrida point) ``q = 1`` and ``entropy = -inf``.
    ``rs_exact``/``note`` say whether RS is known to be exact (a :class:`ReplicaSymmetryWarning` is emitted when it
    is known to fail: spherical sign K > 1, spherical ReLU K >= 4).
    """
    rule = get_rule(activation)
    check_choice("weights", weights, ("binary", "spherical"))
    alpha = check_float("alpha", alpha, positive=True)
    n_quad = check_int("n_quad", n_quad, min_value=8)
    K = _parse_k(K, rule)
    _check_closes(K, rule)
    exact, note = _rs_status(K, rule, weights)
    if weights == "spherical" and not exact:
        warn_rs(f"tree_committee_rs(K={K}, activation={rule.name!r}, spherical): {note}")
    q = _saddle(alpha, K, rule, weights, n_quad)
    if not np.isfinite(q):
        return CommitteeRS(alpha, K, rule.name, weights, 1.0, math.inf if weights == "binary" else math.nan,
                           -math.inf, exact, note)
    ie, d = _energetic(q, K, rule, n_quad)
    if weights == "binary":
        qh = -2.0 * alpha * d
        z, w = uniform_gaussian_rule(N_QUAD)
        s = -0.5 * qh * (1.0 - q) + float(log_2cosh(math.sqrt(qh) * z) @ w) + alpha * ie
    else:
        qh = math.nan
        s = 0.5 * math.log1p(-q) + q / (2.0 * (1.0 - q)) + alpha * ie
    return CommitteeRS(alpha, K, rule.name, weights, float(q), float(qh), float(s), exact, note)


def tree_committee_entropy(alpha, K, activation="sign", weights="binary", *, n_quad=40):
    """RS entropy per weight of the tree committee (the ``entropy`` of :func:`tree_committee_rs`), vectorized over
    ``alpha``. Binary: ln 2 at α → 0, zero at the binary capacity. Spherical: 0 at α → 0, −∞ at the capacity."""
    a, scalar = as_float_or_array("alpha", alpha, positive=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        out = np.array([tree_committee_rs(ai, K, activation, weights, n_quad=n_quad).entropy for ai in a])
    rule = get_rule(activation)
    Kp = _parse_k(K, rule)
    exact, note = _rs_status(Kp, rule, weights)
    if weights == "spherical" and not exact:
        warn_rs(f"tree_committee_entropy(K={Kp}, activation={rule.name!r}, spherical): {note}")
    return finish(out, scalar)


def _binary_capacity(K, rule, n_quad, exact, note):
    _check_closes(K, rule)

    def s(a):
        return tree_committee_rs(a, K, rule.name, "binary", n_quad=n_quad).entropy

    lo, hi = 0.05, 0.4
    while s(hi) > 0:
        lo, hi = hi, hi * 1.25
        if hi > 50:  # pragma: no cover - the counting bound is 1 for binary weights
            raise RuntimeError("binary capacity: no zero of the RS entropy below alpha = 50")
    # s may jump to -inf past the Gardner–Derrida point: shrink hi until finite so that Brent sees a sign change
    while not np.isfinite(s(hi)):
        hi = 0.5 * (lo + hi)
    return optimize.brentq(s, lo, hi, xtol=1e-10, rtol=1e-10)


def tree_committee_capacity_asymptote(K):
    r"""Large-K form of :func:`tree_committee_capacity`: :math:`\frac{12}{\sqrt{2\pi}}\sqrt K` (derived here)."""
    K = check_int("K", K, min_value=1)
    return 12.0 / np.sqrt(2.0 * np.pi) * np.sqrt(K)


def counting_bound(K):
    r"""Counting (Cover / Mitchison–Durbin) upper bound :math:`\alpha_{\rm MD}(K)` on the capacity per weight of
    any tree machine with K hidden sign units (committee, parity): the root of
    :math:`\mathcal H(1/(\alpha K)) = \ln 2/K` with :math:`\alpha K > 2`. ``counting_bound(1) == 2``;
    :math:`\sim\ln K/\ln 2` for large K (the parity-machine asymptote of Mitchison & Durbin 1989)."""
    K = check_int("K", K, min_value=1)
    if K == 1:
        return 2.0  # H(1/α) = ln 2 at 1/α = 1/2 exactly (the root sits at the maximum of H)
    target = np.log(2.0) / K

    def g(x):  # x = 1/(αK) in (0, 1/2): H(x) increasing there
        return -x * np.log(x) - (1 - x) * np.log1p(-x) - target

    x = optimize.brentq(g, 1e-300, 0.5, xtol=1e-300, rtol=1e-15)
    return 1.0 / (x * K)


def rs_violates_counting_bound_from(k_max=201):
    """Smallest odd K <= k_max at which the RS tree-committee capacity exceeds the counting bound (None if none):
    where the RS result is provably wrong."""
    k_max = check_int("k_max", k_max, min_value=1)
    for K in range(1, k_max + 1, 2):
        if 1.0 / _flip_cost(K) > counting_bound(K):
            return K
    return None

r"""Tree committee and parity machines storing random patterns: the RS Gardner capacity (sign units,
spherical weights) and the counting upper bound. Digest §2.3, §6 table, §7.3.

Model (``wfm.models.TreeCommittee(n, k, activation="sign", weights="spherical")``): K (odd) hidden units,
unit k sees its own N/K inputs with weights :math:`W_k`, :math:`\|W_k\|^2 = N/K`; the output is
:math:`\mathrm{sign}\sum_k\mathrm{sign}(\lambda_k)`, :math:`\lambda_k = W_k\cdot\xi_k/\sqrt{N/K}`.
:math:`\alpha = P/N` (N the total number of weights, as ``Patterns.alpha(model)``).

1. RS Gardner volume (derived here from first principles; not a formula quoted from the digest)
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

The √K growth is the statement of the digest (§6: "RS ∝ √K", Barkai, Hansel & Sompolinsky, PRA 45, 4146
(1992)); the prefactor is our derivation (checked numerically against :func:`tree_committee_capacity` at
large K), not quoted from a source. The RS answer is known to be wrong for K > 1 (replica symmetry breaking;
the correct growth is ∝ √(ln K), Monasson & Zecchina 1995, digest §6): it eventually exceeds the counting
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
+ o(1) \sim \ln K/\ln 2`. The digest (§6) attributes the :math:`\ln K/\ln 2` behaviour of the parity machine
to Mitchison & Durbin: the derivation here is ours (the counting argument), the asymptote is theirs.

Not provided: ReLU committees (PRL 2019, digest §7.3: "capacity finite as K → ∞", no formula recovered),
RSB capacities, finite-α committee entropies.
"""
from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

from ..core.checks import check_int
from .gaussian import G, H

__all__ = [
    "tree_committee_capacity",
    "tree_committee_capacity_asymptote",
    "counting_bound",
    "rs_violates_counting_bound_from",
]


def _check_k(K):
    K = check_int("K", K, min_value=1)
    if K % 2 == 0:
        raise ValueError(f"K must be odd (majority output without ties), got {K}")
    return K


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


def tree_committee_capacity(K):
    r"""RS Gardner capacity :math:`\alpha_c = 1/C_K` of the tree committee machine with K (odd) sign units and
    spherical weights (module docstring, derived here). K = 1 gives 2 (Gardner 1988). Grows like
    :func:`tree_committee_capacity_asymptote` (∝ √K; Barkai, Hansel & Sompolinsky 1992 for the √K law). The
    RS value is NOT the true capacity for K > 1 (RSB): it is an upper estimate that eventually violates
    :func:`counting_bound`."""
    K = _check_k(K)
    return 1.0 / _flip_cost(K)


def tree_committee_capacity_asymptote(K):
    r"""Large-K form of :func:`tree_committee_capacity`: :math:`\frac{12}{\sqrt{2\pi}}\sqrt K` (derived here)."""
    K = check_int("K", K, min_value=1)
    return 12.0 / np.sqrt(2.0 * np.pi) * np.sqrt(K)


def counting_bound(K):
    r"""Counting (Cover / Mitchison–Durbin) upper bound :math:`\alpha_{\rm MD}(K)` on the capacity per weight of
    any tree machine with K hidden sign units (committee, parity): the root of
    :math:`\mathcal H(1/(\alpha K)) = \ln 2/K` with :math:`\alpha K > 2`. ``counting_bound(1) == 2``;
    :math:`\sim\ln K/\ln 2` for large K (the parity-machine asymptote the digest attributes to Mitchison &
    Durbin 1989)."""
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
        if tree_committee_capacity(K) > counting_bound(K):
            return K
    return None

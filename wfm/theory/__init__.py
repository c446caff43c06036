r"""Replica theory for the perceptron and committee machines: the predictions simulations are put next to.

Modules
-------
:mod:`wfm.theory.gaussian`
    Gaussian measures, stable :math:`\ln H`, :math:`G/H`, Gauss–Hermite averages (used across ``wfm``).
:mod:`wfm.theory.perceptron`
    Spherical (Gardner) and binary (Krauth–Mézard) RS: capacities, entropies, overlaps, max margin.
:mod:`wfm.theory.fp_potential`
    RS Franz–Parisi local entropy around a reference solution of margin :math:`\tilde\kappa`.
:mod:`wfm.theory.committee`
    Tree committee, sign or ReLU units, one code path (:mod:`wfm.theory.committee_rules` holds the output rules):
    RS capacity with spherical weights for any K including K = ∞ (sign ∝ √K, ReLU finite: 2π/(π−1)), RS entropy
    and zero-entropy capacity with binary (and spherical) weights where the RS computation closes; the counting
    (Cover / Mitchison–Durbin) upper bound for tree machines. Derivation: ``docs/theory/committee.md``.
:mod:`wfm.theory.large_deviations`
    Maximal local entropy :math:`S_{\max}(d)` (y → ∞ large deviations / robust ensemble, RS, centre
    unconstrained; derivation in the module docstring) and the load where it stops being monotonic.

    The PRL 2015 variant (centre constrained to be a solution) is followed where the constraint binds.
:mod:`wfm.theory.ld_finite_y`
    Finite-y large deviations (RS, centre free or a solution): internal entropy :math:`S_{\rm int}(d;y)`,
    external entropy :math:`\Sigma_{\rm ext}(d;y)`, φ; RS self-consistency flags; :math:`\alpha_U(y)`.
:mod:`wfm.theory.ld_rsb`
    Frozen one-step RSB of the external measure where :math:`\Sigma_{\rm ext} < 0`, and its :math:`\alpha_U`.

Warnings: :class:`ReplicaSymmetryWarning` when an RS answer is known not to be exact,
:class:`SaddlePointWarning` when a saddle point is lost along a continuation (the points are reported).
"""
from ._checks import ReplicaSymmetryWarning, SaddlePointWarning
from .gaussian import G, GH_ratio, H, gauss_average, gauss_hermite, log_2cosh, log_H
from .fp_potential import FranzParisiCurve, franz_parisi, franz_parisi_free_entropy, geometric_bound, isolation_radius
from .committee import (
    CommitteeRS,
    counting_bound,
    rs_violates_counting_bound_from,
    tree_committee_capacity,
    tree_committee_capacity_asymptote,
    tree_committee_entropy,
    tree_committee_repair_cost,
    tree_committee_rs,
)
from .large_deviations import MaxLocalEntropyCurve, max_local_entropy, monotonicity_threshold
from .ld_finite_y import LargeDeviationCurve, large_deviation_curve, sigma_ext_infinity
from .ld_rsb import FrozenCurve, frozen_external_curve, monotonicity_threshold_1rsb
from .perceptron import (
    BinaryRS,
    binary_capacity,
    binary_entropy,
    binary_free_entropy,
    binary_overlap,
    binary_rs,
    gardner_capacity,
    max_margin,
    spherical_entropy,
    spherical_free_entropy,
    spherical_overlap,
)

__all__ = [
    "ReplicaSymmetryWarning",
    "SaddlePointWarning",
    "G",
    "H",
    "GH_ratio",
    "log_H",
    "log_2cosh",
    "gauss_hermite",
    "gauss_average",
    "BinaryRS",
    "binary_rs",
    "binary_entropy",
    "binary_overlap",
    "binary_free_entropy",
    "binary_capacity",
    "max_margin",
    "gardner_capacity",
    "spherical_entropy",
    "spherical_overlap",
    "spherical_free_entropy",
    "FranzParisiCurve",
    "franz_parisi",
    "franz_parisi_free_entropy",
    "isolation_radius",
    "geometric_bound",
    "MaxLocalEntropyCurve",
    "max_local_entropy",
    "monotonicity_threshold",
    "LargeDeviationCurve",
    "large_deviation_curve",
    "sigma_ext_infinity",
    "FrozenCurve",
    "frozen_external_curve",
    "monotonicity_threshold_1rsb",
    "CommitteeRS",
    "tree_committee_capacity",
    "tree_committee_capacity_asymptote",
    "tree_committee_repair_cost",
    "tree_committee_rs",
    "tree_committee_entropy",
    "counting_bound",
    "rs_violates_counting_bound_from",
]

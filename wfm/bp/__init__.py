"""Belief propagation (BP), reinforced and focusing BP, Bethe free entropy and the local entropy of a configuration.

paper_digest.md §3.1, §3.2, §4.1; anchor: BinaryCommitteeMachineFBP.jl (anchors_code.md §1.1).
"""
from .core import BP, BPResult, run_bp  # noqa: F401
from .local_entropy import LocalEntropyCurve, binary_entropy_bound, entropy, exact_canonical, local_entropy  # noqa: F401

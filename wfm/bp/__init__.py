"""Belief propagation (BP), reinforced and focusing BP, Bethe free entropy and the local entropy of a configuration.

Two forms of the same message passing: per-edge BP (:class:`BP`, ``form="edges"``) and its AMP/TAP
reduction (:class:`AMP`, ``form="amp"``) for dense instances; ``form="auto"`` picks AMP on large instances.
References: Braunstein & Zecchina, PRL 96, 030201 (2006) (reinforced BP); Baldassi, Ingrosso, Lucibello,
Saglietti & Zecchina, PNAS 113, E7655 (2016), arXiv:1605.06444 (focusing BP, local entropy by BP);
Kabashima 2003, Krzakala et al. 2012, arXiv:1109.4424 (AMP/TAP); the reference implementation of focusing BP,
BinaryCommitteeMachineFBP.jl (read, not copied).
"""
from .amp import AMP  # noqa: F401
from .core import BP, BPResult, make_state, run_bp  # noqa: F401
from .local_entropy import (  # noqa: F401
    LocalEntropyCurve,
    binary_entropy_bound,
    entropy,
    exact_canonical,
    local_entropy,
)

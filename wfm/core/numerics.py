"""The numerics policy shared by the Numba kernels.

* :data:`FASTMATH`: the LLVM fast-math flags kernels may use. Reassociation and contraction let LLVM
  vectorize float reductions (field sums, dot products); no ``nnan``/``ninf`` assumptions, so NaN and inf
  keep their meaning and a non-converged state is detected, never optimized away. Kernels either take
  these flags or none.
* Message clipping of belief propagation (fields h, with a message P(s) ∝ e^{h s}): :data:`U_MAX` is the
  field of a forced variable (e^{−2·U_MAX} is below any probability that matters; tanh saturates long
  before) and :data:`LNZ_FLOOR` the log-partition below which a factor counts as violated.
* :data:`TINY`: the smallest probability kept before taking a logarithm.
"""
from __future__ import annotations

__all__ = ["FASTMATH", "U_MAX", "LNZ_FLOOR", "TINY"]

FASTMATH = frozenset({"reassoc", "contract", "nsz", "arcp"})
U_MAX = 500.0
LNZ_FLOOR = 2.0 * U_MAX
TINY = 1e-300

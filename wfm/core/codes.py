"""The integer codes that Numba kernels branch on, one ``IntEnum`` per concept.

Kernels cannot take Python objects, so a model, an activation or a loss reaches them as an integer. Each
concept has its own enum here and nowhere else: a kernel compares with the members of the enum of its
concept (``code == Output.RELU``), never with a bare number, so two tables can no longer give the same
number two meanings. Pass ``int(member)`` to a kernel (an ``IntEnum`` argument would compile a second
specialisation).

Only codes that cross a module boundary live here. A selector that one module defines, passes to its own
kernels and never exports stays a module constant beside those kernels: the Metropolis driver's energies
(``ENERGY_*`` in ``wfm/solvers/_mc.py``), the online rules (``_CP``, ``_SBPI``, ``_CPR`` in
``wfm/solvers/online.py``) and SGD's norm modes (index into ``NORMS`` in ``wfm/solvers/sgd.py``).
"""
from __future__ import annotations

from enum import IntEnum

__all__ = ["Output", "Activation", "LossCode"]


class Output(IntEnum):
    """Output rule of a binary model (``wfm.models``): how the unit fields h_k make the pre-activation λ.

    PERCEPTRON: λ = h_1; SIGN: λ = Σ_k sign h_k (majority of sign units); RELU: λ = Σ_k c_k max(0, h_k) with
    c_k = +1 on the first K/2 units and −1 on the others; PARITY: λ = Π_k sign h_k.
    """

    PERCEPTRON = 0
    SIGN = 1
    RELU = 2
    PARITY = 3


class Activation(IntEnum):
    """Hidden-unit activation φ of the continuous two-layer nets of ``wfm.landscape`` (f = Σ_k v_k φ(h_k)).

    The derivative at a kink is taken from the left (φ'(0) = 0 for ReLU, ``leak`` for the leaky ReLU).
    """

    IDENTITY = 0
    RELU = 1
    LEAKY_RELU = 2
    TANH = 3
    SIGN = 4


class LossCode(IntEnum):
    """Per-pattern losses ℓ(Δ) of the stability Δ (``wfm.losses``), and the energies of the Monte Carlo methods.

    ERROR Θ(κ − Δ); HINGE max(0, κ − Δ); CROSS_ENTROPY f_γ(Δ) = (1/2γ) ln(1 + e^{−2γΔ}); SQUARED_HINGE
    ½ max(0, κ − Δ)²; FLIPS: the number of weight flips that would fix the pattern (perceptron Monte Carlo,
    ``wfm.solvers``).
    """

    ERROR = 0
    HINGE = 1
    CROSS_ENTROPY = 2
    SQUARED_HINGE = 3
    FLIPS = 4

"""Small helpers shared by the gradient methods (option checks, budget, weight layout)."""
from __future__ import annotations

import time

import numpy as np

from ..core.checks import check_float, check_int
from ..kernels.arrays import model_code
from ..core.codes import Output


def require_smooth(model, method):
    """``applies`` check: cross-entropy gradients exist for the perceptron and the ReLU committee only."""
    code = model_code(model)
    if code not in (Output.PERCEPTRON, Output.RELU):
        raise ValueError(
            f"method={method!r} follows the gradient of the cross-entropy, which is defined for the perceptron and "
            f"ReLU committees only (sign and parity units have zero gradient almost everywhere); got model={model!r}. "
            "For sign committees with binary weights use method='rsgd' (least-action steps)"
        )


#: hidden states per sign of the binary online rules (sbpi, cpr, lal, greedy) up to STATES_M0 inputs per unit
STATES_L0, STATES_M0 = 40, 1001


def hidden_states(states, m):
    """Hidden states per sign L of a clipped rule on units of ``m`` inputs (``states``, or its default if None).

    The default is L = max(40, round(40·√(m/1001))): 40 was tuned at N ≈ 1000 (benchmarks/BENCHMARKS.md,
    "Screens of SBPI, greedy and rSGD"), and with it SBPI and greedy stall far from a solution at N = 3001
    (SBPI at α = 0.66: 214 errors after 3000 epochs; greedy 0/40 at α ≥ 0.70), while L ≈ 40·√3 solves
    ("Hidden states of the clipped rules at N > 1001"). The √m growth keeps the depth of the hidden states in proportion to the
    size of the unit fields σW·ξ ∝ √m; from N = 3001 to 10 001 it was checked for SBPI (L = 126 and 400 solve
    alike at α = 0.66), not derived. It agrees with the optimal number of hidden states that Baldassi, Braunstein,
    Brunel & Zecchina fitted for SBPI, ∝ N^(0.521 ± 0.005) (PNAS 104, 11079 (2007), arXiv:0707.1295, Supporting
    Information Fig. 8).
    """
    if states is None:
        return max(STATES_L0, int(round(STATES_L0 * (m / STATES_M0) ** 0.5)))
    return check_int("states", states, min_value=1)


def check_budget(max_epochs, max_seconds):
    max_epochs = check_int("max_epochs", max_epochs, min_value=1)
    if max_seconds is not None:
        max_seconds = check_float("max_seconds", max_seconds, positive=True)
    return max_epochs, max_seconds


class Clock:
    """Wall-clock budget: ``expired()`` after ``max_seconds`` (never if None)."""

    def __init__(self, max_seconds):
        self.t0 = time.perf_counter()
        self.max_seconds = max_seconds

    def expired(self):
        return self.max_seconds is not None and time.perf_counter() - self.t0 >= self.max_seconds


def initial_weights(model, rng, init):
    """(K, m) float64 copy of ``init`` (validated by the model) or of random model weights."""
    w0 = model.random_weights(seed=rng) if init is None else model.check_weights(init)
    if w0.ndim != len(model.weight_shape):
        raise ValueError("init must be one weight configuration, not a batch")
    return np.array(w0, dtype=np.float64).reshape(model.k, model.m)


def rms_norm(w):
    """|w|/√(number of weights): 1 on the sphere |w_k|² = m."""
    return float(np.sqrt(np.mean(np.square(w))))


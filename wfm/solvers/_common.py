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


"""Validation helpers for the theory functions (thin layer over :mod:`wfm.core.checks`)."""
from __future__ import annotations

import warnings

import numpy as np

from ..core.checks import check_float


class ReplicaSymmetryWarning(UserWarning):
    """The replica-symmetric result returned is known not to be exact (e.g. spherical perceptron, κ < 0)."""


class SaddlePointWarning(RuntimeWarning):
    """A saddle point could not be followed; the affected points are reported (and dropped or NaN-flagged)."""


def as_float_or_array(name, value, *, positive=False, nonnegative=False, low=None, high=None,
                      low_open=False, high_open=False):
    """Validate a scalar or array argument; return ``(array_1d, was_scalar)``.

    Every element must be a finite real number in the given range; the message names ``name``.
    """
    if np.ndim(value) == 0:
        v = check_float(name, value, positive=positive, nonnegative=nonnegative)
        arr, scalar = np.array([v]), True
    else:
        try:
            arr = np.asarray(value, dtype=float).ravel()
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a real number or an array of real numbers, got {value!r}") from None
        if arr.size == 0:
            raise ValueError(f"{name} must not be empty")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite, got {value!r}")
        if positive and not np.all(arr > 0):
            raise ValueError(f"{name} must be > 0, got {value!r}")
        if nonnegative and not np.all(arr >= 0):
            raise ValueError(f"{name} must be >= 0, got {value!r}")
        scalar = False
    if low is not None:
        bad = arr <= low if low_open else arr < low
        if np.any(bad):
            op = ">" if low_open else ">="
            raise ValueError(f"{name} must be {op} {low}, got {value!r}")
    if high is not None:
        bad = arr >= high if high_open else arr > high
        if np.any(bad):
            op = "<" if high_open else "<="
            raise ValueError(f"{name} must be {op} {high}, got {value!r}")
    return arr, scalar


def finish(out, scalar):
    """Return a float for scalar input, the array otherwise."""
    return float(out[0]) if scalar else out


def warn_rs(message, stacklevel=3):
    warnings.warn(message, ReplicaSymmetryWarning, stacklevel=stacklevel)

"""Argument checking shared by every module.

Every public function validates its inputs with these helpers so that a bad argument raises a
``ValueError``/``TypeError`` whose message names the argument and the allowed values. The command line
turns these into one line on stderr and exit code 2.
"""
from __future__ import annotations

import numbers
from collections.abc import Collection, Iterable
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def check_choice(name: str, value: T, allowed: Collection[object]) -> T:
    """Return ``value`` if it is one of ``allowed``; else ValueError naming ``name``."""
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not allowed; choose one of {', '.join(map(repr, allowed))}")
    return value


def check_int(name: str, value: object, *, min_value: int | None = None, odd: bool | None = None,
              even: bool | None = None) -> int:
    """Return ``value`` as ``int`` after checking type, lower bound and parity."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if min_value is not None and value < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {value}")
    if odd and value % 2 == 0:
        raise ValueError(f"{name} must be odd, got {value}")
    if even and value % 2 != 0:
        raise ValueError(f"{name} must be even, got {value}")
    return value


def check_float(name: str, value: object, *, positive: bool = False, nonnegative: bool = False,
                finite: bool = True) -> float:
    """Return ``value`` as ``float`` after checking it is a real number with the given sign."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if finite and not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if nonnegative and not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_options(method: str, options: Iterable[str], allowed: Iterable[str]) -> None:
    """Reject options a method does not know: an unknown option is an error, never silently ignored."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(
            f"unknown option(s) {', '.join(unknown)} for {method}; "
            f"allowed: {', '.join(sorted(allowed)) or '(none)'}"
        )


def check_seed(name: str, seed: object) -> int | np.random.SeedSequence | np.random.Generator | None:
    """A seed for ``numpy.random.SeedSequence``: None, an integer >= 0, or a SeedSequence/Generator."""
    import numpy as _np

    if seed is None or isinstance(seed, (_np.random.SeedSequence, _np.random.Generator)):
        return seed
    if isinstance(seed, (bool, _np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= 0 or None, got {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be >= 0, got {seed}")
    return int(seed)

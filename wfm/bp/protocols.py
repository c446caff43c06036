r"""Focusing protocols: sequences of (γ, y) for focusing BP (Baldassi et al., PNAS 113, E7655 (2016), arXiv:1605.06444;
BinaryCommitteeMachineFBP.jl).

| protocol | schedule |
|---|---|
| :func:`standard_reinforcement` (dr) | γ = ∞, y = 1/(1−x), x = 0, dr, …, 1−dr (classic reinforcement ũ = (y−1)·h) |
| :func:`scoping` (γs, y) | fixed y, γ over a range, e.g. γ = 0:0.1:10, y = 21 |
| :func:`pseudo_reinforcement` (ρs, x) | γ = atanh(ρ^x), y = 1 + ρ^{1−2x}/(1−ρ); x = ½: γ = atanh√ρ, y = (2−ρ)/(1−ρ) |
| :func:`free_scoping` (list) | explicit (γ, y) pairs |

Ranges may be given Julia-style as strings ``"start:step:stop"`` (stop included), lists or arrays.
"""
from __future__ import annotations

import math

import numpy as np

from ..core.checks import check_choice, check_float

__all__ = ["parse_range", "standard_reinforcement", "scoping", "pseudo_reinforcement", "free_scoping",
           "make_protocol", "PROTOCOLS"]

PROTOCOLS = ("standard", "scoping", "pseudo", "free")


def parse_range(name, value):
    """A 1-d float array from a list/array/number or a ``"start:step:stop"`` string (stop included)."""
    if isinstance(value, str):
        parts = value.split(":")
        if len(parts) != 3:
            raise ValueError(f"{name} as a string must be 'start:step:stop', got {value!r}")
        try:
            a, st, b = (float(x) for x in parts)
        except ValueError as exc:
            raise ValueError(f"{name}={value!r}: {exc}") from None
        if not st > 0 or b < a:
            raise ValueError(f"{name}={value!r}: need step > 0 and stop >= start")
        n = int(math.floor((b - a) / st + 1e-9)) + 1
        return a + st * np.arange(n)
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0 or np.any(np.isnan(arr)):
        raise ValueError(f"{name} must be a non-empty 1-d list of numbers or 'start:step:stop', got {value!r}")
    return arr


def standard_reinforcement(dr=0.01):
    """(γ = ∞, y = 1/(1−x)) for x = 0, dr, …, < 1."""
    dr = check_float("dr", dr, positive=True)
    if dr >= 1:
        raise ValueError(f"dr must be in (0, 1), got {dr}")
    xs = np.arange(0.0, 1.0 - 0.5 * dr, dr)
    return [(math.inf, 1.0 / (1.0 - x)) for x in xs]


def scoping(gammas, y):
    """(γ, y) for γ in ``gammas`` at fixed ``y``."""
    g = parse_range("gammas", gammas)
    y = check_float("y", y)
    if y < 1 or np.any(g < 0):
        raise ValueError("scoping needs y >= 1 and gammas >= 0")
    return [(float(x), y) for x in g]


def pseudo_reinforcement(rhos, x=0.5):
    """(γ = atanh(ρ^x), y = 1 + ρ^{1−2x}/(1−ρ)) for ρ in ``rhos`` ⊂ [0, 1)."""
    r = parse_range("rhos", rhos)
    x = check_float("x", x)
    if np.any(r < 0) or np.any(r >= 1):
        raise ValueError("rhos must lie in [0, 1)")
    if not 0 <= x <= 1:
        raise ValueError(f"x must be in [0, 1], got {x}")
    out = []
    for rho in r:
        gamma = math.atanh(rho ** x) if x > 0 else math.inf
        base = rho ** (1 - 2 * x) if rho > 0 else (1.0 if x == 0.5 else (0.0 if x < 0.5 else math.inf))
        out.append((gamma, 1.0 + base / (1.0 - rho)))
    return out


def free_scoping(steps):
    """Explicit list of (γ, y) pairs."""
    try:
        arr = np.asarray(steps, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"steps must be a list of (gamma, y) pairs, got {steps!r}") from None
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
        raise ValueError(f"steps must be a non-empty list of (gamma, y) pairs, got shape {arr.shape}")
    if np.any(arr[:, 0] < 0) or np.any(arr[:, 1] < 1) or np.any(~np.isfinite(arr[:, 1])):
        raise ValueError("steps need gamma >= 0 and finite y >= 1")
    return [(float(g), float(y)) for g, y in arr]


def make_protocol(protocol, dr=0.01, gammas="0:0.1:10", y=21.0, rhos="0:0.01:0.99", x=0.5, steps=None):
    """The (γ, y) list of ``protocol`` ∈ {"standard", "scoping", "pseudo", "free"} from its parameters."""
    check_choice("protocol", protocol, PROTOCOLS)
    if protocol == "standard":
        return standard_reinforcement(dr)
    if protocol == "scoping":
        return scoping(gammas, y)
    if protocol == "pseudo":
        return pseudo_reinforcement(rhos, x)
    if steps is None:
        raise ValueError("protocol='free' needs steps=[(gamma, y), ...]")
    return free_scoping(steps)

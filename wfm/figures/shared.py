"""Spec pieces shared by several figures: the algorithms compared, the BP γ grid, the distance where local
entropies are compared. A figure that uses one of these imports it from here, so that its spec and its claim
check always read the same value."""
from __future__ import annotations

__all__ = ["RSA", "ALGORITHMS", "BP_GAMMAS", "D0", "SIGMAS", "FLIPS", "available", "missing", "zip_methods"]

#: replicated SA with its schedule written out (its defaults changed during development; the options are part of
#: the task hash, so writing them out keeps stored records of an older schedule from being reused)
RSA = {"y": 7, "coupling0": 0.05, "coupling1": 1.0, "beta0": 1.0, "beta1": 10.0}

#: (method, options) of the algorithms compared on the binary perceptron (F4, F8); SA on the error loss gets a
#: long schedule (it is the foil), made longer still at large N by :func:`zip_methods`
ALGORITHMS = [
    ("fbp", {}),
    ("rsgd", {}),
    ("replicated-sa", {**RSA, "max_sweeps": 2000}),
    ("sa-ce", {}),
    ("greedy", {}),
    ("sa", {"max_sweeps": 5000}),
]
#: SA's budget above N = 500
SA_SWEEPS_LARGE_N = 50000

#: the coupling γ of the BP local-entropy curves S(d(γ)) (γ = 0: the typical distance; large γ: small d)
BP_GAMMAS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0]
#: the distance at which local entropies are compared (claims, scatter plots)
D0 = 0.01
#: relative weight-noise levels σ of the multiplicative local energy (continuous weights)
SIGMAS = [0.05, 0.1, 0.2, 0.3, 0.5]
#: the σ (an element of SIGMAS) at which local energies are compared
SIGMA0 = 0.3
#: fractions of flipped weights of the flip local energy (binary weights)
FLIPS = [0.01, 0.02, 0.05]


def available(algos):
    """The (method, options) pairs whose method is registered now."""
    from ..solvers import methods

    have = methods()
    return [(m, o) for m, o in algos if m in have]


def missing(algos):
    """The methods of ``algos`` that are not registered."""
    from ..solvers import methods

    have = methods()
    return [m for m, _ in algos if m not in have]


def zip_methods(algos, n_big=None):
    """The ``zip`` entry of a spec running each (method, options) of ``algos`` (options as dicts).

    With ``n_big`` > 500, SA on the error loss gets :data:`SA_SWEEPS_LARGE_N` sweeps.
    """
    ms, os_ = [], []
    for m, o in algos:
        o = dict(o)
        if n_big and m == "sa" and n_big > 500:
            o["max_sweeps"] = SA_SWEEPS_LARGE_N
        ms.append(m)
        os_.append(o)
    return {"method": ms, "options": os_}

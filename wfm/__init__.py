"""wfm: wide flat minima in small neural networks, the statistical-physics way.

One- and two-layer perceptrons (binary or spherical weights; sign or ReLU hidden units; tree and fully
connected committee machines) that store random patterns: find solutions with the algorithms of the
wide-flat-minima literature, measure the geometry around them, and compare with replica theory.

See ``README.md`` for a tour. The subpackages ``theory``, ``bp``, ``landscape``, ``sweep``, ``figures``
and ``experiments`` are imported on first use (``wfm.theory.binary_capacity(0)`` works after
``import wfm``), so that ``import wfm`` and the command line start fast.
"""
import importlib

from .core import __version__  # noqa: F401

from .data import Patterns, random_patterns, teacher_student  # noqa: E402,F401
from .models import Committee, ParityMachine, Perceptron, TreeCommittee  # noqa: E402,F401
from .instance import Instance  # noqa: E402,F401
from . import losses, exact  # noqa: E402,F401
from .solvers import SolveResult, solve  # noqa: E402,F401

_LAZY_MODULES = ("theory", "bp", "landscape", "sweep", "figures", "experiments")
_LAZY_NAMES = {"local_entropy": "bp", "entropy": "bp", "LocalEntropyCurve": "bp"}

__all__ = ["Patterns", "random_patterns", "teacher_student", "Perceptron", "TreeCommittee", "Committee",
           "ParityMachine", "Instance", "losses", "exact", "solve", "SolveResult", *_LAZY_MODULES, *_LAZY_NAMES]


def __getattr__(name):
    if name in _LAZY_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
    raise AttributeError(f"module 'wfm' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))

"""wfm: wide flat minima in small neural networks, the statistical-physics way.

One- and two-layer perceptrons (binary or spherical weights; sign or ReLU hidden units; tree and fully
connected committee machines) that store random patterns: find solutions with the algorithms of the
wide-flat-minima literature, measure the geometry around them, and compare with replica theory.

See ``README.md`` for a tour and ``DESIGN.md`` (in ``shared/``) for the API contract.
"""
__version__ = "0.1.0"

from .data import Patterns, random_patterns, teacher_student  # noqa: E402,F401
from .models import Committee, ParityMachine, Perceptron, TreeCommittee  # noqa: E402,F401
from . import losses  # noqa: E402,F401
from .solvers import SolveResult, solve  # noqa: E402,F401
from . import exact  # noqa: E402,F401

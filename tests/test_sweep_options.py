"""The validation of method options (``wfm.solvers.validate_options``, run on every task of a sweep spec before
anything runs) against the methods themselves (``wfm.solve`` on a small instance).

For every method, every option and a battery of bad values: whatever ``wfm.solve`` rejects (any exception)
must be rejected by the validation, with the same model and patterns; and the validation may reject a value
that ``wfm.solve`` accepts only because its type is not that of the option's default (e.g. a string for a
true/false switch that the method would read as truthy), never because of its value.
"""
import math

import pytest

from wfm.instance import Instance
from wfm.solvers import methods, solve, validate_options

#: small instances (fast to solve); which ones a method applies to is asked of the method itself
INSTANCES = {
    "perceptron": Instance(model="perceptron", n=11, alpha=0.3),
    "perceptron-spherical": Instance(model="perceptron", n=11, alpha=0.3, weights="spherical"),
    "tree-sign": Instance(model="tree", k=3, n=15, alpha=0.2),
    "tree-relu-spherical": Instance(model="tree", activation="relu", k=2, n=14, alpha=0.2, weights="spherical"),
    "perceptron-gaussian": Instance(model="perceptron", n=11, alpha=0.3, patterns="gaussian"),
}
#: the instance each method is checked on by default (the slow test covers all of them)
PRIMARY = {"perceptron": "perceptron-spherical", "sgd-ce": "perceptron-spherical", "entropy-sgd": "perceptron-spherical"}


def bad_values(default):
    if isinstance(default, bool):
        return ["yes", 1, None]
    if isinstance(default, int):
        return [0, -1, 1.5, "abc", True, None]
    if isinstance(default, float):
        return [0.0, -1.0, 1.5, math.nan, math.inf, "abc", True, None]
    if isinstance(default, str):
        return ["nonsense", 3, None]
    return ["abc", -1, 0, 1.5, True, [1.0, 2.0]]  # default None: anything may be tried


def outcome(f):
    try:
        f()
    except Exception as exc:  # noqa: BLE001 -- the point is to see what each side rejects
        return exc
    return None


def compare(method, inst_name):
    inst = INSTANCES[inst_name]
    model, pats = inst.build()
    binary_patterns = inst.patterns == "binary"
    base_v = outcome(lambda: validate_options(method, {}, model, binary_patterns))
    base_s = outcome(lambda: solve(model, pats, method=method, seed=0))
    assert (base_v is None) == (base_s is None), (method, inst_name, base_v, base_s)
    if base_s is not None:  # the method does not apply to this instance: both said so
        return 0
    problems, n = [], 0
    for opt, default in methods()[method]["options"].items():
        for value in bad_values(default):
            n += 1
            v = outcome(lambda: validate_options(method, {opt: value}, model, binary_patterns))
            if v is not None and str(v).startswith(f"option {opt} of method="):
                continue  # rejected for its type: allowed whatever the method does (and not run: a value of an
                # unexpected type can make Numba compile a new specialization of a kernel, which takes long)
            s = outcome(lambda: solve(model, pats, method=method, seed=0, **{opt: value}))
            if s is not None and v is None:
                problems.append(f"{method} on {inst_name}: {opt}={value!r} accepted by the validation, "
                                f"rejected by the method: {type(s).__name__}: {s}")
            elif s is None and v is not None:
                problems.append(f"{method} on {inst_name}: {opt}={value!r} rejected by value by the validation "
                                f"({v}), accepted by the method")
    assert not problems, "\n".join(problems)
    return n


@pytest.mark.parametrize("method", sorted(methods()))
def test_validation_rejects_what_the_method_rejects(method):
    assert compare(method, PRIMARY.get(method, "perceptron")) > 0


@pytest.mark.slow
@pytest.mark.parametrize("inst", sorted(INSTANCES))
@pytest.mark.parametrize("method", sorted(methods()))
def test_validation_rejects_what_the_method_rejects_on_every_instance(method, inst):
    compare(method, inst)

"""The kernel-table pattern of the tests: every @njit kernel next to a slow NumPy reference with the same signature.

A test module lists its kernels in a table ``KERNEL_REFERENCES`` of :class:`KernelRef` rows and drives one
parametrized test with :func:`check_kernel`; :func:`njit_kernels` lists the kernels a module defines, so a
test can assert that the table misses none (:func:`unlisted`). A row unpacks as ``kernel, reference``, the
form of the tables that ``tests/test_kernels.py`` collects; a serial twin (the same Python function compiled
without ``parallel``) is the row's ``twin`` and is checked against the same reference.

A reference takes the kernel's arguments and must have the kernel's effects: the same return value and the
same writes into the arguments listed in ``writes``. Both are called on their own copies of the writable
arguments (read-only arrays, e.g. the patterns, are shared); a ``numpy.random.Generator`` argument is copied
too, and both must leave it in the same state (the reference consumes the same random draws in the same
order).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np


@dataclass(frozen=True)
class KernelRef:
    name: str                  # "module.function", as :func:`njit_kernels` names it
    kernel: Callable
    reference: Callable
    cases: Callable            # () -> list of argument tuples
    writes: tuple = ()         # positions of the arguments the kernel writes into (compared after the call)
    rtol: float = 1e-12
    atol: float = 1e-12
    twin: Callable | None = None   # serial compilation of the same function, checked against the same reference

    def __iter__(self):
        return iter((self.kernel, self.reference))


def njit_kernels(*modules) -> dict:
    """``{"module.function": dispatcher}`` for every Numba dispatcher defined (not imported) in ``modules``."""
    out = {}
    for mod in modules:
        short = mod.__name__.rsplit(".", 1)[-1]
        for name, obj in vars(mod).items():
            if isinstance(obj, numba.core.dispatcher.Dispatcher) and obj.py_func.__module__ == mod.__name__:
                out[f"{short}.{name}"] = obj
    return out


def unlisted(table, *modules) -> list:
    """Names of the kernels defined in ``modules`` that no row of ``table`` lists (as kernel or twin)."""
    listed = {id(r.kernel) for r in table} | {id(r.twin) for r in table if r.twin is not None}
    return sorted(name for name, k in njit_kernels(*modules).items() if id(k) not in listed)


def _copy(args):
    return tuple(a if isinstance(a, np.ndarray) and not a.flags.writeable else copy.deepcopy(a) for a in args)


def _same(a, b, row, what):
    if a is None or b is None:
        assert a is None and b is None, f"{row.name}: {what} {a!r} vs {b!r}"
        return
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), f"{row.name}: {what} {a!r} vs {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, row, f"{what}[{i}]")
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{row.name}: {what} shapes {a.shape} vs {b.shape}"
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":          # booleans and integers: exactly equal
        np.testing.assert_array_equal(a, b, err_msg=f"{row.name}: {what}")
    else:
        np.testing.assert_allclose(a, b, rtol=row.rtol, atol=row.atol, equal_nan=True, err_msg=f"{row.name}: {what}")


def check_kernel(row: KernelRef):
    """Run the kernel (and its twin) and the reference on every case of ``row``; compare results, writes and
    random state."""
    cases = row.cases()
    assert cases, f"{row.name}: no test case"
    kernels = [(row.name, row.kernel)] + ([(f"{row.name} (serial twin)", row.twin)] if row.twin is not None else [])
    for label, kernel in kernels:
        for n, args in enumerate(cases):
            ka, ra = _copy(args), _copy(args)
            out_k = kernel(*ka)
            out_r = row.reference(*ra)
            _same(out_k, out_r, row, f"{label}, case {n}: return value")
            for i in row.writes:
                _same(ka[i], ra[i], row, f"{label}, case {n}: argument {i}")
            for i, a in enumerate(ka):
                if isinstance(a, np.random.Generator):
                    assert a.bit_generator.state == ra[i].bit_generator.state, \
                        f"{label}, case {n}: the reference consumed different random draws"

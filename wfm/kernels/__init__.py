"""Layer 2 of wfm: what the Numba kernels share.

* :mod:`wfm.kernels.arrays` -- :class:`~wfm.kernels.arrays.KernelArrays`, a model and its patterns reduced
  once to the arrays and numbers kernels read (the output-rule code, sizes, scale, error threshold, the
  label-absorbed inputs in the layouts the kernels want);
* :mod:`wfm.kernels.fields` -- Numba helpers on the integer fields of binary models (pre-activation of
  each output rule).

The kernels of each algorithm family live beside it (``wfm/solvers/_mc.py``, ``wfm/bp/_kernels.py``,
``wfm/solvers/_grad_kernels.py``, ``wfm/landscape/_kernels.py``) and belong to this layer too: they import
only from ``wfm.core`` and layer 1. Every kernel has a slow reference, listed in the ``KERNEL_REFERENCES`` table
of its family's test module; ``tests/test_kernels.py`` checks that no kernel is missing from the tables.
"""

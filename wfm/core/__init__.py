"""Layer 0 of wfm: the pieces every other module uses, importing nothing from wfm itself.

* :mod:`wfm.core.checks`   -- argument validation (errors name the argument and the allowed values);
* :mod:`wfm.core.special`  -- special functions, once each: ln H, G/H, ln 2cosh, the binary entropy H(d),
  softplus, sech², with a vectorized NumPy form beside a scalar Numba form;
* :mod:`wfm.core.codes`    -- the integer codes kernels branch on, as distinct ``IntEnum`` classes;
* :mod:`wfm.core.numerics` -- the numerics policy shared by kernels (fastmath flags, clipping constants);
* :mod:`wfm.core.records`  -- JSON-safe values and ``.npz`` files with a JSON header (never pickle).

The layer rule (tested in ``tests/test_layers.py``): a module may import only from its own layer or the
layers below it; ``wfm.core`` is the bottom.
"""

__version__ = "0.2.0"

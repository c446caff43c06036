"""Numba kernels of wfm.bp: vectorizable special functions (:mod:`.vmath`), factor updates per output rule
(:mod:`.factors`), per-edge sweeps (:mod:`.edges`) and the AMP (TAP) form (:mod:`.amp`)."""
from ...core.numerics import LNZ_FLOOR, U_MAX  # noqa: F401
from ...core.special import log_2cosh_s as ln2cosh, log_H_s as log_H, sech2_s as sech2  # noqa: F401
from .edges import (N_CHUNKS, PAR_MIN_EDGES, pattern_terms, pattern_terms_par, recompute_fields,  # noqa: F401
                    recompute_fields_par, sweep, sweep_parallel, sweep_parallel_serial, use_threads)
from .factors import (PERCEPTRON, SIGN, couple, factor_exact, factor_gauss, focusing_field,  # noqa: F401
                      half_log_ratio, output_fields)

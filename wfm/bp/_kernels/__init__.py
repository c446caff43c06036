"""Numba kernels of wfm.bp: vectorizable special functions (:mod:`.vmath`), factor updates per output rule
(:mod:`.factors`), per-edge sweeps (:mod:`.edges`) and the AMP (TAP) form (:mod:`.amp`)."""
from ...core.numerics import LNZ_FLOOR, U_MAX
from ...core.special import log_2cosh_s as ln2cosh
from ...core.special import log_H_s as log_H
from ...core.special import sech2_s as sech2
from .edges import (N_CHUNKS, PAR_MIN_EDGES, pattern_terms, pattern_terms_par, recompute_fields,
                    recompute_fields_par, sweep, sweep_parallel, sweep_parallel_serial, use_threads)
from .factors import (PERCEPTRON, SIGN, couple, factor_exact, factor_gauss, focusing_field, half_log_ratio,
                      output_fields)

__all__ = ["LNZ_FLOOR", "N_CHUNKS", "PAR_MIN_EDGES", "PERCEPTRON", "SIGN", "U_MAX", "couple", "factor_exact",
           "factor_gauss", "focusing_field", "half_log_ratio", "ln2cosh", "log_H", "output_fields", "pattern_terms",
           "pattern_terms_par", "recompute_fields", "recompute_fields_par", "sech2", "sweep", "sweep_parallel",
           "sweep_parallel_serial", "use_threads"]

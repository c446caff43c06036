"""Named experiments: pure functions ``params -> record`` that sweeps run, with a registry complete on import.

* :mod:`wfm.experiments.registry` -- the :func:`experiment` decorator, parameter declarations and checks,
  task identities (every default filled in, method options resolved, the experiment's version) and their
  hashes, :func:`run`;
* :mod:`wfm.experiments.standard` -- solve / measure / theory / exact experiments on one instance;
* :mod:`wfm.experiments.figures`  -- the experiments behind the reproduced figures (``fig-*``);
* :mod:`wfm.experiments.toy`      -- NumPy-only workloads for testing and benchmarking sweeps.

Importing this package registers every experiment (the modules above are imported here), so a sweep worker
that imports it knows them all. The experiments import the scientific modules they use inside their body, so
importing the registry (and validating a spec) does not load Numba kernels.
"""
from .registry import (RESERVED, Experiment, canonical_identity, canonical_json, check_result, content_hash,
                       experiment, get, hash_with_seed, names, run, task_hash, task_identities)
from . import figures, standard, toy  # noqa: E402,F401  (registration)

__all__ = ["Experiment", "experiment", "get", "names", "run", "task_hash", "task_identities", "content_hash",
           "canonical_identity", "hash_with_seed",
           "canonical_json", "check_result", "RESERVED"]

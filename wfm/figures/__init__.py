"""The papers' figures, reproduced with one command: ``wfm figures [--quick | --full] [--only F4,F5]``.

Each figure F1–F11 (the figures of Baldassi, Pittorino & Zecchina 2020, arXiv:1905.07833, and the papers around
it; F9–F11 on asymmetric valleys, reparametrization and the parity machine) is a :class:`Figure`: its sweep
specs in quick and full mode (run through :mod:`wfm.sweep`, so parallel, resumable and distributable), its plot
and its claim check (what the figure establishes, checked on the numbers; the tests run it in quick mode).

* :mod:`wfm.figures.core` -- :class:`Figure`, :class:`Claim`, the registry, :func:`run` (sweeps, plots, claims);
* :mod:`wfm.figures.analysis` -- tables and statistics over records (mean curves, Spearman, ball entropy, ...);
* :mod:`wfm.figures.style` -- the one plotting style (sizes, fonts, palette, legends, PNG + PDF);
* :mod:`wfm.figures.shared` -- spec pieces used by several figures (the algorithms compared, the γ grid);
* :mod:`wfm.figures.f01_theory` ... :mod:`wfm.figures.f11_parity_machine` -- one module per figure: its sizes,
  its sweeps, its plot, its claim checks, sharing the module's constants;
* :mod:`wfm.figures.gallery` -- the README gallery, generated from the claims file of the committed run.

Importing this package registers every figure. The experiments the figures run live in
:mod:`wfm.experiments.figures`.
"""
from .core import (DEFAULT_OUT, DEFAULT_STORE, MODES, Claim, Figure, FigureResult, figures, get, parse_only, run,
                   run_figure)
from . import (f01_theory, f02_franz_parisi_typical, f03_franz_parisi_margin,  # noqa: F401,I001 (registration)
               f04_algorithms_local_entropy, f05_success_probability, f06_sign_vs_relu, f07_cross_entropy,
               f08_flatness_generalization, f09_asymmetric_valleys, f10_reparametrization, f11_parity_machine)

__all__ = ["Figure", "Claim", "FigureResult", "figures", "get", "parse_only", "run", "run_figure", "DEFAULT_STORE",
           "DEFAULT_OUT", "MODES"]

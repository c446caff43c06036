"""Monte Carlo solvers (sa, sa-ce, replicated-sa): kernels against slow NumPy references, bookkeeping,
end-to-end behaviour, option handling, and trajectories recorded before the Metropolis driver was unified."""
import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numba
import numpy as np
import pytest
from conftest import SMALL_BINARY_MODELS, reference_errors, reference_fields, reference_preactivation

import wfm
from wfm import losses
from wfm.core.codes import LossCode
from wfm.data import Patterns, random_patterns
from wfm.solvers import _mc, solve

MC_METHODS = ["sa", "sa-ce", "replicated-sa"]
PERCEPTRONS = [wfm.Perceptron(13), wfm.Perceptron(15, margin=0.2), wfm.Perceptron(25, margin=-0.2)]
SMALL_PERCEPTRONS = [wfm.Perceptron(9), wfm.Perceptron(9, margin=0.4)]    # brute-force flips energy


# ------------------------------------------------------------------------------------------------
# slow references
# ------------------------------------------------------------------------------------------------
def _lncosh(x):
    return np.logaddexp(x, -x) - math.log(2.0)


def reference_metropolis(model, pats, w, beta, n_moves, rng, loss=None, coupling=None, energy_fn=None):
    """Slow, obvious Metropolis: every move recomputes the energy of the whole configuration from scratch.

    Consumes the random stream exactly as the kernels do (one uniform per move: x = U·R·N, move ⌊x⌋,
    Metropolis number x − ⌊x⌋), so the trajectory must be identical. Energy per replica: errors (loss None)
    or Σ_μ ℓ(Δ^μ); robust-ensemble coupling −(1/β)Σ_i ln 2cosh(γ Σ_a W_i^a) when ``coupling`` = γ.
    """
    w = w.copy()
    r_, nw = w.shape

    def energy(wr):
        wr = wr.reshape(model.weight_shape)
        if energy_fn is not None:
            return float(energy_fn(wr))
        if loss is None:
            return float(reference_errors(model, wr, pats))
        return float(losses.total(model, pats, wr, loss))

    for _ in range(n_moves):
        x = rng.random() * r_ * nw
        rj = int(x)
        u = x - rj
        r, j = divmod(rj, nw)
        new = w[r].copy()
        new[j] = -new[j]
        de = energy(new) - energy(w[r])
        lu = -math.log(u) if u > 0 else math.inf
        if coupling is not None:
            s_old = int(w[:, j].sum())
            s_new = s_old - 2 * int(w[r, j])
            lu -= _lncosh(coupling * s_old) - _lncosh(coupling * s_new)   # β·ΔE_int
        if beta * de < lu:
            w[r] = new
    return w


_FLIPS_CACHE = {}


def brute_force_flips(model, pats, w):
    """Σ_μ the smallest number of weights whose flip makes pattern μ learned, by trying every subset
    of weights in order of size (exhaustive, independent of the integer-stability formula; memoized on
    the configuration, since the Metropolis reference evaluates the current state at every move)."""
    key = (repr(model), pats.xi.tobytes(), pats.labels.tobytes(), np.asarray(w).tobytes())
    if key not in _FLIPS_CACHE:
        _FLIPS_CACHE[key] = _brute_force_flips(model, pats, w)
    return _FLIPS_CACHE[key]


def _brute_force_flips(model, pats, w):
    n = model.n
    total = 0
    for mu in range(pats.p):
        one = Patterns(pats.xi[mu:mu + 1], pats.labels[mu:mu + 1])
        for k in range(n + 1):
            if any(model.errors(_flipped(w, s), one) == 0 for s in itertools.combinations(range(n), k)):
                total += k
                break
    return total


def _flipped(w, idx):
    v = w.copy()
    v[list(idx)] *= -1
    return v


def reference_int_fields(model, w, pats):
    """Integer unit fields h (R, K, P) and pre-activations (R, P), from conftest's float forward pass
    (fields rescaled by √m and rounded; the pre-activation rule applied to the integer fields)."""
    h = np.stack([np.rint(reference_fields(model, wr, pats.xi) * math.sqrt(model.m)).astype(np.int64).T
                  for wr in w])
    pre = np.stack([reference_preactivation(model, hr.T) for hr in h]).astype(np.int64)
    return h, pre


def reference_energy(model, pats, wr, energy, gamma=1.0):
    """One configuration's energy from scratch: "error", "flips" (exhaustive search) or "ce" (losses.total)."""
    wr = np.asarray(wr).reshape(model.weight_shape)
    if energy == "error":
        return reference_errors(model, wr, pats)
    if energy == "flips":
        return brute_force_flips(model, pats, wr.reshape(-1))
    return float(losses.total(model, pats, wr, losses.cross_entropy(gamma)))


def reference_loss_values(code, param, x):
    """ℓ(x) written from the definitions: Θ(κ − x) (error, as x ≤ κ) and ln(1 + e^{−2γx})/(2γ)."""
    if code == LossCode.ERROR:
        return (x <= param).astype(float)
    return np.logaddexp(0.0, -2.0 * param * x) / (2.0 * param)


def reference_centre(w):
    """sign(Σ_a W^a), ties to replica 0's value."""
    s = w.astype(np.int64).sum(axis=0)
    return np.where(s != 0, np.sign(s), w[0]).astype(np.int8)


# ------------------------------------------------------------------------------------------------
# the kernels, each against its reference (KERNEL_REFERENCES below drives one parametrized test)
# ------------------------------------------------------------------------------------------------
def _instance(model, seed, replicas=2, alpha=1.3):
    pats = random_patterns(model.n, alpha=alpha, model=model, seed=seed)
    w = model.random_weights(seed=seed + 100, size=replicas).reshape(replicas, -1).astype(np.int8)
    return pats, _mc.mc_arrays(model, pats), w


def _stabilities(ka, w):
    return _mc.stabilities_int(w, ka)[2]


def _check_table_values(model, seed):
    ka = _mc.mc_arrays(model, random_patterns(model.n, alpha=1.0, model=model, seed=seed))
    x = np.arange(-ka.off, ka.off + 1) * _mc.output_scale(ka)
    for code, param in ((LossCode.CROSS_ENTROPY, 0.3 + seed), (LossCode.ERROR, model.margin)):
        np.testing.assert_allclose(_mc._table_values(int(code), float(param), x),
                                   reference_loss_values(code, param, x), rtol=1e-12, atol=1e-15)
    # and the tables as the driver reads them: etab[σ·pre + off] is ℓ(Δ) of a pattern with that σ·pre
    pats, ka, w = _instance(model, seed)
    _, pre = reference_int_fields(model, w, pats)
    for r in range(w.shape[0]):
        q = pats.labels * pre[r] + ka.off
        assert _mc.error_table(ka)[q].sum() == reference_errors(model, w[r].reshape(model.weight_shape), pats)
        assert abs(_mc.energy_table(ka, LossCode.CROSS_ENTROPY, 1.7)[q].sum()
                   - reference_energy(model, pats, w[r], "ce", 1.7)) < 1e-10


def _check_init_fields(model, seed):
    pats, ka, w = _instance(model, seed, replicas=3)
    h, pre = _mc.init_fields(w, ka.xT, ka.sig, ka.cols, ka.m, ka.k, ka.code)
    h_ref, pre_ref = reference_int_fields(model, w, pats)
    np.testing.assert_array_equal(h, h_ref)
    np.testing.assert_array_equal(pre, pre_ref)


def _check_table_energy(model, seed):
    pats, ka, w = _instance(model, seed)
    _, pre = reference_int_fields(model, w, pats)
    pre = pre.astype(np.int32)
    for energy, etab in (("error", _mc.error_table(ka)), ("ce", _mc.energy_table(ka, LossCode.CROSS_ENTROPY, 0.8))):
        got = _mc.table_energy(pre, ka.sig, etab, ka.off)
        ref = [reference_energy(model, pats, wr, energy, 0.8) for wr in w]
        np.testing.assert_allclose(got, ref, rtol=1e-12)


def _check_stability_table_energy(model, seed):
    pats, ka, w = _instance(model, seed)
    s = _stabilities(ka, w)
    got = np.zeros(w.shape[0])
    _mc.stability_table_energy(s, _mc.energy_table(ka, LossCode.CROSS_ENTROPY, 0.8), ka.off, got)
    np.testing.assert_allclose(got, [reference_energy(model, pats, wr, "ce", 0.8) for wr in w], rtol=1e-12)


def _check_integer_energy(model, seed):
    pats, ka, w = _instance(model, seed, replicas=3)
    s = _stabilities(ka, w)
    for flips, energy in ((False, "error"), (True, "flips")):
        np.testing.assert_array_equal(_mc.integer_energy(s, ka.ti, flips),
                                      [reference_energy(model, pats, wr, energy) for wr in w])


def _check_count_errors(model, seed):
    pats, ka, w = _instance(model, seed, replicas=3)
    _, pre = reference_int_fields(model, w, pats)
    np.testing.assert_array_equal(_mc.count_errors(pre.astype(np.int32), ka.sig, ka.ti),
                                  [reference_errors(model, wr.reshape(model.weight_shape), pats) for wr in w])


def _check_centre_errors(model, seed):
    for replicas in (2, 3):                               # 2: ties, broken by replica 0
        pats, ka, w = _instance(model, seed, replicas=replicas)
        ce, centre = _mc.centre_errors(w, ka.xT, ka.sig, ka.cols, ka.m, ka.k, ka.code, ka.ti)
        np.testing.assert_array_equal(centre, reference_centre(w))
        assert ce == reference_errors(model, reference_centre(w).reshape(model.weight_shape), pats)


def _window(ka, flips):
    return (-(1 << 40) if flips else ka.ti - 2), ka.ti + 2


def _check_build_marginal(model, seed):
    pats, ka, w = _instance(model, seed)
    s = _stabilities(ka, w)
    for flips in (False, True):
        lo, hi = _window(ka, flips)
        for r in range(w.shape[0]):
            idx = np.empty(pats.p, np.int32)
            n = _mc.build_marginal(s[r], lo, hi, idx)
            np.testing.assert_array_equal(idx[:n], np.flatnonzero((s[r] > lo) & (s[r] <= hi)))


def _each_flip(model, pats, w, energy, gamma=1.0):
    """(r, j, c, ΔE from scratch) for every single-weight flip of every replica."""
    for r in range(w.shape[0]):
        e0 = reference_energy(model, pats, w[r], energy, gamma)
        for j in range(w.shape[1]):
            w1 = w[r].copy()
            w1[j] = -w1[j]
            yield r, j, w[r, j], reference_energy(model, pats, w1, energy, gamma) - e0


def _check_listed_delta(model, seed):
    pats, ka, w = _instance(model, seed)
    s = _stabilities(ka, w)
    for flips, energy in ((False, "error"), (True, "flips")):
        lo, hi = _window(ka, flips)
        for r, j, c, de in _each_flip(model, pats, w, energy):
            idx = np.flatnonzero((s[r] > lo) & (s[r] <= hi)).astype(np.int32)
            assert _mc.listed_delta(ka.yT[j], s[r], c, ka.ti, idx, idx.size, flips) == de


def _check_scan_delta(model, seed):
    pats, ka, w = _instance(model, seed)
    s = _stabilities(ka, w)
    for flips, energy in ((False, "error"), (True, "flips")):
        for r, j, c, de in _each_flip(model, pats, w, energy):
            assert _mc.scan_delta(ka.yT[j], s[r], c, ka.ti, flips) == de


def _check_marginal_delta(model, seed):
    """Exact ΔE whether the list is valid or stale, and the list rebuilt after _STALE stale calls."""
    pats, ka, w = _instance(model, seed)
    s = _stabilities(ka, w)
    r_ = w.shape[0]
    for flips, energy in ((False, "error"), (True, "flips")):
        lo, hi = _window(ka, flips)
        idx = np.zeros((r_, pats.p), np.int32)
        nm = np.zeros(r_, np.int64)
        stale = np.ones(r_, np.int64)                    # starts stale: scans, then rebuilds the list
        for r, j, c, de in _each_flip(model, pats, w, energy):
            assert _mc.marginal_delta(ka.yT[j], s[r], c, ka.ti, flips, lo, hi, idx[r], nm, stale, r) == de
        for r in range(r_):
            assert stale[r] == 0
            np.testing.assert_array_equal(idx[r, :nm[r]], np.flatnonzero((s[r] > lo) & (s[r] <= hi)))


def _check_shift_stabilities(model, seed):
    pats, ka, w = _instance(model, seed)
    for r, j, c, dn in _each_flip(model, pats, w, "error"):
        s = _stabilities(ka, w)[r].copy()
        w1 = w[r].copy()
        w1[j] = -c
        assert _mc.shift_stabilities(s, ka.yT[j], 2 * np.int32(c), ka.ti) == dn
        np.testing.assert_array_equal(s, pats.labels * (pats.xi.astype(np.int64) @ w1))


def _check_perceptron_table_delta(model, seed):
    pats, ka, w = _instance(model, seed)
    s = _stabilities(ka, w)
    for r, j, c, de in _each_flip(model, pats, w, "ce", 0.9):
        got = _mc.perceptron_table_delta(ka.yT[j], s[r], 2 * np.int32(c), _mc.energy_table(ka, LossCode.CROSS_ENTROPY,
                                                                                             0.9), ka.off)
        assert abs(got - de) < 1e-10


def _check_new_pre(model, seed):
    pats, ka, w = _instance(model, seed)
    h, pre = reference_int_fields(model, w, pats)
    for r, j, c, _ in _each_flip(model, pats, w, "error"):
        w1 = w.copy()
        w1[r, j] = -c
        _, pre1 = reference_int_fields(model, w1[r:r + 1], pats)
        k = j // ka.m
        for mu in range(pats.p):
            dh = -2 * int(c) * int(ka.xT[ka.cols[j], mu])
            assert _mc._new_pre(ka.code, k, ka.k // 2, h[r, k, mu], dh, pre[r, mu]) == pre1[0, mu]


def _check_table_delta(model, seed):
    """t = ∞: the exact ΔE; finite t: a move is rejected (result ≥ t) iff ΔE ≥ t, whatever the early exit."""
    pats, ka, w = _instance(model, seed)
    h, pre = reference_int_fields(model, w, pats)
    h, pre = h.astype(np.int32), pre.astype(np.int32)
    rng = np.random.default_rng(seed)
    for energy, etab in (("error", _mc.error_table(ka)), ("ce", _mc.energy_table(ka, LossCode.CROSS_ENTROPY, 1.1))):
        e = _mc.table_energy(pre, ka.sig, etab, ka.off)
        for r, j, c, de in _each_flip(model, pats, w, energy, 1.1):
            k = j // ka.m
            args = (ka.xT[ka.cols[j]], ka.sig, h[r, k], pre[r], etab, ka.off, ka.code, k, ka.k // 2, 2 * np.int32(c))
            assert abs(_mc.table_delta(*args, np.inf, e[r], etab.min()) - de) < 1e-10
            t = de + rng.choice([-1.0, -0.25, 0.25, 1.0])
            got = _mc.table_delta(*args, t, e[r], etab.min())
            assert (got >= t) == (de >= t)
            if de < t:
                assert abs(got - de) < 1e-10


def _check_table_apply(model, seed):
    pats, ka, w = _instance(model, seed)
    for r, j, c, dn in _each_flip(model, pats, w, "error"):
        h, pre = reference_int_fields(model, w, pats)
        h, pre = h.astype(np.int32), pre.astype(np.int32)
        k = j // ka.m
        got = _mc.table_apply(ka.xT[ka.cols[j]], ka.sig, h[r, k], pre[r], ka.code, k, ka.k // 2, 2 * np.int32(c),
                              ka.ti)
        w1 = w.copy()
        w1[r, j] = -c
        h1, pre1 = reference_int_fields(model, w1, pats)
        assert got == dn
        np.testing.assert_array_equal(h, h1)
        np.testing.assert_array_equal(pre, pre1)


def run_driver(kind, model, pats, w0, beta, n_moves, seed, *, etab=None, coupling=None, stop=False):
    """The driver on replicas w0 for one sweep of ``n_moves`` moves; returns (w, state, result)."""
    ka = _mc.mc_arrays(model, pats)
    w = w0.copy()
    r_ = w.shape[0]
    h, pre, s = _mc.stabilities_int(w, ka)
    nerr = _mc.count_errors(pre, ka.sig, ka.ti)
    if kind == _mc.ENERGY_TABLE:
        rows, fld, energy = ka.xT, pre, np.zeros(r_)
    else:
        rows, fld = ka.yT, s
        energy = _mc.integer_energy(s, ka.ti, kind == _mc.ENERGY_FLIPS).astype(np.float64)
    etabs = np.zeros((1, 1)) if etab is None else etab[None]
    ctabs = _mc.coupling_table(r_, coupling if coupling is not None else 0.0)[None]
    problem = (rows, ka.sig, ka.cols, ka.m, ka.code, ka.ti, ka.off)
    state = (w, w.astype(np.int64).sum(axis=0), fld, h, energy, nerr)
    traces = np.zeros((1, r_)), np.zeros((1, r_), np.int64)
    res = _mc.metropolis(kind, problem, state, (np.array([beta]), etabs, etabs.min(axis=1), ctabs, r_),
                         np.random.default_rng(seed), n_moves, stop, *traces)
    return w, dict(zip(("w", "w_sum", "fld", "h", "energy", "nerr"), state), traces=traces), res


def _perceptron(model):
    return model.kind == "perceptron"


def _small_perceptron(model):                  # small enough for the brute-force flips energy
    return model.kind == "perceptron" and model.n <= 9


#: (driver energy code, which models, energy name for the reference, table builder)
DRIVER_ENERGIES = [
    (_mc.ENERGY_ERRORS, _perceptron, "error", None),
    (_mc.ENERGY_FLIPS, _small_perceptron, "flips", None),
    (_mc.ENERGY_PERCEPTRON_TABLE, _perceptron, "ce", lambda ka: _mc.energy_table(ka, LossCode.CROSS_ENTROPY, 1.3)),
    (_mc.ENERGY_PERCEPTRON_TABLE, _small_perceptron, "flips", _mc.flips_table),
    (_mc.ENERGY_TABLE, lambda model: True, "error", _mc.error_table),
    (_mc.ENERGY_TABLE, lambda model: True, "ce", lambda ka: _mc.energy_table(ka, LossCode.CROSS_ENTROPY, 1.3)),
    (_mc.ENERGY_TABLE, _small_perceptron, "flips", _mc.flips_table),
]


def _check_driver(kinds):
    def check(model, seed):
        """Every energy of ``kinds`` that applies to ``model``, with and without the coupling, follows the
        slow reference move by move (200 moves each); the kept energy and errors equal a recomputation."""
        for kind, applies, energy, table in DRIVER_ENERGIES:
            if kind not in kinds or not applies(model):
                continue
            pats = random_patterns(model.n, alpha=1.3, model=model, seed=seed)
            for replicas, coupling in ((1, None), (3, 0.4)):
                w0 = model.random_weights(seed=seed + 7, size=replicas).reshape(replicas, -1).astype(np.int8)
                etab = None if table is None else table(_mc.mc_arrays(model, pats))
                w, st, _ = run_driver(kind, model, pats, w0, 1.2, 200, seed, etab=etab, coupling=coupling)

                def energy_fn(wr, pats=pats, energy=energy):
                    return reference_energy(model, pats, wr, energy, 1.3)

                ref = reference_metropolis(model, pats, w0, 1.2, 200, np.random.default_rng(seed),
                                           coupling=coupling, energy_fn=energy_fn)
                np.testing.assert_array_equal(w, ref)
                assert np.any(w != w0)
                for r in range(replicas):
                    assert abs(st["energy"][r] - reference_energy(model, pats, w[r], energy, 1.3)) < 1e-10
                    assert st["nerr"][r] == reference_errors(model, w[r].reshape(model.weight_shape), pats)
    return check


ALL_ENERGIES = {_mc.ENERGY_ERRORS, _mc.ENERGY_FLIPS, _mc.ENERGY_PERCEPTRON_TABLE, _mc.ENERGY_TABLE}
DRIVER_MODELS = SMALL_BINARY_MODELS + PERCEPTRONS[2:] + SMALL_PERCEPTRONS


class KernelReference(NamedTuple):
    reference: str                      # the slow reference the kernel is compared with
    models: list                        # the models it applies to
    check: Callable                     # check(model, seed) runs both and compares


KERNEL_MODULE = _mc
#: every @njit kernel of wfm/solvers/_mc.py with its slow reference (test_kernel_against_reference runs them all;
#: test_every_kernel_has_a_reference fails when a kernel is added without an entry)
KERNEL_REFERENCES = {
    "_table_values": KernelReference("reference_loss_values (the loss definitions in NumPy)", SMALL_BINARY_MODELS,
                                     _check_table_values),
    "init_fields": KernelReference("reference_int_fields (conftest's float forward pass, rescaled)",
                                   SMALL_BINARY_MODELS, _check_init_fields),
    "table_energy": KernelReference("reference_errors / losses.total", SMALL_BINARY_MODELS, _check_table_energy),
    "stability_table_energy": KernelReference("losses.total", PERCEPTRONS, _check_stability_table_energy),
    "integer_energy": KernelReference("reference_errors / brute_force_flips (subset search)", SMALL_PERCEPTRONS,
                                      _check_integer_energy),
    "count_errors": KernelReference("reference_errors", SMALL_BINARY_MODELS, _check_count_errors),
    "centre_errors": KernelReference("reference_centre + reference_errors", SMALL_BINARY_MODELS,
                                     _check_centre_errors),
    "build_marginal": KernelReference("np.flatnonzero of the window", PERCEPTRONS, _check_build_marginal),
    "listed_delta": KernelReference("energy difference from scratch (errors, brute-force flips)", SMALL_PERCEPTRONS,
                                    _check_listed_delta),
    "scan_delta": KernelReference("energy difference from scratch (errors, brute-force flips)", SMALL_PERCEPTRONS,
                                  _check_scan_delta),
    "marginal_delta": KernelReference("energy difference from scratch, list state checked", SMALL_PERCEPTRONS,
                                      _check_marginal_delta),
    "shift_stabilities": KernelReference("σ ξ·W of the flipped weights; reference_errors", PERCEPTRONS,
                                         _check_shift_stabilities),
    "perceptron_table_delta": KernelReference("losses.total difference", PERCEPTRONS, _check_perceptron_table_delta),
    "_new_pre": KernelReference("reference_int_fields of the flipped weights", SMALL_BINARY_MODELS, _check_new_pre),
    "table_delta": KernelReference("reference_errors / losses.total difference; rejection iff ΔE ≥ t",
                                   SMALL_BINARY_MODELS, _check_table_delta),
    "table_apply": KernelReference("reference_int_fields of the flipped weights", SMALL_BINARY_MODELS,
                                   _check_table_apply),
    # the driver: one loop (_sweeps, inlined) compiled once per energy in four entry points
    "_sweeps": KernelReference("reference_metropolis (energy from scratch at every move), every energy",
                               DRIVER_MODELS, _check_driver(ALL_ENERGIES)),
    "_metropolis_errors": KernelReference("reference_metropolis with reference_errors", DRIVER_MODELS,
                                          _check_driver({_mc.ENERGY_ERRORS})),
    "_metropolis_flips": KernelReference("reference_metropolis with brute_force_flips", DRIVER_MODELS,
                                         _check_driver({_mc.ENERGY_FLIPS})),
    "_metropolis_perceptron_table": KernelReference("reference_metropolis with losses.total / brute-force flips",
                                                    DRIVER_MODELS, _check_driver({_mc.ENERGY_PERCEPTRON_TABLE})),
    "_metropolis_table": KernelReference("reference_metropolis with reference_errors / losses.total / flips",
                                         DRIVER_MODELS, _check_driver({_mc.ENERGY_TABLE})),
}


@pytest.mark.parametrize("name", sorted(KERNEL_REFERENCES))
def test_kernel_against_reference(name):
    entry = KERNEL_REFERENCES[name]
    for model in entry.models:
        for seed in (0, 1):
            entry.check(model, seed)


def test_every_kernel_has_a_reference():
    kernels = {k for k, v in vars(_mc).items()
               if isinstance(v, numba.core.registry.CPUDispatcher) and v.py_func.__module__ == _mc.__name__}
    assert kernels == set(KERNEL_REFERENCES)


# ------------------------------------------------------------------------------------------------
# the driver: move by move against the reference, long bookkeeping
# ------------------------------------------------------------------------------------------------
def _ce_table(gamma):
    return lambda ka: _mc.energy_table(ka, LossCode.CROSS_ENTROPY, gamma)


@pytest.mark.parametrize("model", SMALL_BINARY_MODELS, ids=repr)
@pytest.mark.parametrize("loss_name", ["error", "ce"])
@pytest.mark.parametrize("replicas", [1, 3])
def test_table_energy_matches_reference_and_bookkeeping(model, loss_name, replicas):
    """ENERGY_TABLE (any model) follows the NumPy reference move by move, and after thousands of moves its
    incrementally kept energy equals a recomputation from scratch (errors exactly, CE to 1e-10)."""
    pats = random_patterns(model.n, alpha=1.5, model=model, seed=3)
    w0 = model.random_weights(seed=4, size=replicas).reshape(replicas, -1).astype(np.int8)
    beta, gamma_ce, gamma_c, n_moves = 1.5, 2.0, 0.4, 3000
    loss = None if loss_name == "error" else losses.cross_entropy(gamma_ce)
    ka = _mc.mc_arrays(model, pats)
    etab = _mc.error_table(ka) if loss is None else _mc.energy_table(ka, LossCode.CROSS_ENTROPY, gamma_ce)
    # the energy is recomputed at the sweep start, so one sweep of 3000 moves tests 3000 incremental updates
    w, st, _ = run_driver(_mc.ENERGY_TABLE, model, pats, w0, beta, n_moves, 7, etab=etab,
                          coupling=gamma_c if replicas > 1 else None)
    ref = reference_metropolis(model, pats, w0, beta, n_moves, np.random.default_rng(7), loss,
                               gamma_c if replicas > 1 else None)
    np.testing.assert_array_equal(w, ref)
    assert np.any(w != w0)                                  # moves were accepted
    for r in range(replicas):
        wr = w[r].reshape(model.weight_shape)
        assert st["nerr"][r] == reference_errors(model, wr, pats) == model.errors(wr, pats)
        scratch = reference_errors(model, wr, pats) if loss is None else losses.total(model, pats, wr, loss)
        if loss is None:
            assert st["energy"][r] == scratch
        else:
            assert abs(st["energy"][r] - scratch) < 1e-10
    np.testing.assert_array_equal(st["w_sum"], w.astype(np.int64).sum(axis=0))
    h2, pre2 = _mc.init_fields(w, ka.xT, ka.sig, ka.cols, ka.m, ka.k, ka.code)
    np.testing.assert_array_equal(st["h"], h2)
    np.testing.assert_array_equal(st["fld"], pre2)


@pytest.mark.parametrize("replicas", [1, 3])
@pytest.mark.parametrize("n,margin", [(21, 0.0), (15, 0.3), (25, -0.2)])
def test_errors_energy_matches_reference(replicas, n, margin):
    """ENERGY_ERRORS (the perceptron's marginal-pattern lists) follows the NumPy reference move by move."""
    model = wfm.Perceptron(n, margin=margin)
    pats = random_patterns(n, alpha=1.2, model=model, seed=11)
    w0 = model.random_weights(seed=12, size=replicas).reshape(replicas, -1).astype(np.int8)
    beta, gamma_c, n_moves = 1.2, 0.3, 4000
    w, st, _ = run_driver(_mc.ENERGY_ERRORS, model, pats, w0, beta, n_moves, 5,
                          coupling=gamma_c if replicas > 1 else None)
    ref = reference_metropolis(model, pats, w0, beta, n_moves, np.random.default_rng(5), None,
                               gamma_c if replicas > 1 else None)
    np.testing.assert_array_equal(w, ref)
    assert np.any(w != w0)
    for r in range(replicas):
        assert st["energy"][r] == reference_errors(model, w[r], pats) == st["nerr"][r]
    np.testing.assert_array_equal(st["fld"], (pats.xi.astype(np.int64) @ w.T.astype(np.int64)).T * pats.labels)


def test_errors_energy_long_bookkeeping():
    """Tens of thousands of moves at N = 101 (incl. low β where accepted moves are rare): errors exact."""
    model = wfm.Perceptron(101)
    pats = random_patterns(101, alpha=0.8, model=model, seed=1)
    ka = _mc.mc_arrays(model, pats)
    w = model.random_weights(seed=2, size=1).reshape(1, -1).astype(np.int8)
    out = _mc.anneal(ka, w, _mc.geometric(0.5, 20.0, 200), rng=np.random.default_rng(0), stop_at_solution=False)
    assert out["energy"][-1, 0] == out["nerr"][0] == model.errors(w[0], pats)


def test_flips_energy_long_bookkeeping_at_n_1001():
    """Thousands of accepted and rejected moves at N = 1001 through ``anneal`` (the marginal list is
    rebuilt many times): the kept flips energy equals the table sum recomputed from scratch."""
    model = wfm.Perceptron(1001)
    pats = random_patterns(1001, alpha=0.6, model=model, seed=3)
    ka = _mc.mc_arrays(model, pats)
    w = model.random_weights(seed=4, size=3).reshape(3, -1).astype(np.int8)
    out = _mc.anneal(ka, w, _mc.geometric(0.1, 2.0, 30), loss_code=LossCode.FLIPS,
                     couplings=_mc.geometric(0.2, 5.0, 30), rng=np.random.default_rng(0), check_centre=True,
                     stop_at_solution=False)
    _, _, sint = _mc.stabilities_int(w, ka)
    assert np.array_equal(out["energy"][-1], _mc.flips_table(ka)[sint + ka.off].sum(axis=1))
    assert np.array_equal(out["nerr"], [model.errors(w[r], pats) for r in range(3)])


@pytest.mark.parametrize("replicas", [1, 3])
@pytest.mark.parametrize("n,margin", [(21, 0.0), (15, 0.3)])
def test_perceptron_table_energy_matches_reference_and_bookkeeping(replicas, n, margin):
    """ENERGY_PERCEPTRON_TABLE with the cross-entropy: same trajectory as the NumPy reference; after 3000
    incremental updates the energy equals losses.total to 1e-10 and the error count is exact."""
    model = wfm.Perceptron(n, margin=margin)
    pats = random_patterns(n, alpha=1.3, model=model, seed=8)
    w0 = model.random_weights(seed=9, size=replicas).reshape(replicas, -1).astype(np.int8)
    gamma_ce, beta, gamma_c, n_moves = 1.3, 3.0, 0.5, 3000
    loss = losses.cross_entropy(gamma_ce)
    etab = _mc.energy_table(_mc.mc_arrays(model, pats), LossCode.CROSS_ENTROPY, gamma_ce)
    w, st, _ = run_driver(_mc.ENERGY_PERCEPTRON_TABLE, model, pats, w0, beta, n_moves, 2, etab=etab,
                          coupling=gamma_c)
    ref = reference_metropolis(model, pats, w0, beta, n_moves, np.random.default_rng(2), loss,
                               gamma_c if replicas > 1 else None)
    np.testing.assert_array_equal(w, ref)
    assert np.any(w != w0)
    for r in range(replicas):
        assert abs(st["energy"][r] - losses.total(model, pats, w[r], loss)) < 1e-10
        assert st["nerr"][r] == model.errors(w[r], pats)


@pytest.mark.parametrize("margin", [0.0, 0.4])
def test_flips_energy_table_matches_brute_force(margin):
    model = wfm.Perceptron(9, margin=margin)
    pats = random_patterns(9, alpha=1.5, model=model, seed=3)
    ka = _mc.mc_arrays(model, pats)
    tab = _mc.energy_table(ka, LossCode.FLIPS, 0.0)
    for seed in range(4):
        w = model.random_weights(seed=seed)
        v = pats.labels.astype(np.int64) * (pats.xi.astype(np.int64) @ w)
        assert tab[v + ka.off].sum() == brute_force_flips(model, pats, w)


@pytest.mark.parametrize("kind", [_mc.ENERGY_FLIPS, _mc.ENERGY_PERCEPTRON_TABLE, _mc.ENERGY_TABLE],
                         ids=["marginal", "perceptron-table", "table"])
@pytest.mark.parametrize("replicas", [1, 3])
@pytest.mark.parametrize("margin", [0.0, 0.4])
def test_flips_energy_matches_reference_and_bookkeeping(kind, replicas, margin):
    """The flips energy on every path that can run it — its own marginal-pattern energy (used by ``anneal``)
    and the flips table on the two tabulated energies — follows, move by move, the slow reference that
    recomputes Σ_μ flips by exhaustive subset search; after 1500 moves the kept energy and error count equal
    a recomputation from scratch."""
    model = wfm.Perceptron(9, margin=margin)
    pats = random_patterns(9, alpha=1.5, model=model, seed=4)
    w0 = model.random_weights(seed=5, size=replicas).reshape(replicas, -1).astype(np.int8)
    beta, gamma_c, n_moves = 0.8, 0.4, 1500
    etab = None if kind == _mc.ENERGY_FLIPS else _mc.flips_table(_mc.mc_arrays(model, pats))
    w, st, _ = run_driver(kind, model, pats, w0, beta, n_moves, 6, etab=etab, coupling=gamma_c)
    ref = reference_metropolis(model, pats, w0, beta, n_moves, np.random.default_rng(6),
                               coupling=gamma_c if replicas > 1 else None,
                               energy_fn=lambda wr: brute_force_flips(model, pats, wr))
    np.testing.assert_array_equal(w, ref)
    assert np.any(w != w0)
    for r in range(replicas):
        assert st["energy"][r] == brute_force_flips(model, pats, w[r])
        assert st["nerr"][r] == model.errors(w[r], pats)


def test_driver_stops_right_after_the_solving_move():
    """With stop_at_solution the driver returns after the move that solves a replica, the traces filled up
    to that sweep; the weights it returns have zero errors."""
    model = wfm.Perceptron(21)
    pats = random_patterns(21, alpha=0.3, model=model, seed=0)
    w0 = model.random_weights(seed=1, size=3).reshape(3, -1).astype(np.int8)
    for kind, etab in ((_mc.ENERGY_ERRORS, None), (_mc.ENERGY_TABLE, _mc.error_table(_mc.mc_arrays(model, pats)))):
        w, st, (n, rsol) = run_driver(kind, model, pats, w0, 3.0, 10**5, 2, etab=etab, coupling=0.1, stop=True)
        assert n == 1 and rsol >= 0 and model.errors(w[rsol], pats) == 0
        np.testing.assert_array_equal(st["traces"][1][0], st["nerr"])


def test_coupling_table_and_interaction_energy():
    """ctab = β·ΔE_int of one flip, checked against the difference of two interaction energies."""
    rng = np.random.default_rng(0)
    w = (2 * rng.integers(0, 2, (5, 9)) - 1).astype(np.int8)
    gamma, beta = 0.7, 2.5
    tab = _mc.coupling_table(5, gamma)
    for r in range(5):
        for j in range(9):
            w2 = w.copy()
            w2[r, j] *= -1
            d = _mc.interaction_energy(w2, gamma, beta) - _mc.interaction_energy(w, gamma, beta)
            mb = int(w[:, j].sum() - w[r, j])
            assert abs(beta * d - tab[mb + 5, (w[r, j] + 1) // 2]) < 1e-12


def test_interaction_energy_reference():
    rng = np.random.default_rng(1)
    w = (2 * rng.integers(0, 2, (4, 11)) - 1).astype(np.int8)
    s = w.sum(axis=0)
    ref = -sum(math.log(2 * math.cosh(0.6 * si)) for si in s) / 1.7
    assert abs(_mc.interaction_energy(w, 0.6, 1.7) - ref) < 1e-12


def test_energy_code_and_driver_energy():
    ka = _mc.mc_arrays(wfm.Perceptron(9), random_patterns(9, alpha=1.0, seed=0))
    assert _mc.driver_energy(ka, _mc.energy_code(ka, "error")) == _mc.ENERGY_ERRORS
    assert _mc.driver_energy(ka, _mc.energy_code(ka, "flips")) == _mc.ENERGY_FLIPS
    assert _mc.driver_energy(ka, _mc.energy_code(ka, "ce")) == _mc.ENERGY_PERCEPTRON_TABLE
    tree = wfm.TreeCommittee(9, 3)
    kt = _mc.mc_arrays(tree, random_patterns(9, alpha=1.0, model=tree, seed=0))
    assert _mc.driver_energy(kt, _mc.energy_code(kt, "error")) == _mc.ENERGY_TABLE
    with pytest.raises(ValueError, match="energy"):
        _mc.energy_code(ka, "hinge")
    with pytest.raises(ValueError, match="perceptron only"):
        _mc.energy_code(kt, "flips")


# ------------------------------------------------------------------------------------------------
# end to end
# ------------------------------------------------------------------------------------------------
E2E_MODELS = [wfm.Perceptron(51), wfm.TreeCommittee(45, 3), wfm.Committee(15, 3),
              wfm.TreeCommittee(46, 2, activation="relu"), wfm.ParityMachine(45, 3)]


@pytest.mark.parametrize("method", MC_METHODS)
@pytest.mark.parametrize("model", E2E_MODELS, ids=repr)
def test_solves_easy_instance(method, model):
    pats = random_patterns(model.n, alpha=0.2, model=model, seed=21)
    r = solve(model, pats, method, seed=1, max_sweeps=300)
    assert r.solved and r.n_errors == 0
    assert model.errors(r.weights, pats) == 0
    assert r.iterations <= 300
    for key in ("energy", "errors", "beta"):
        assert len(r.history[key]) == r.iterations
    assert r.history["errors"][-1] == 0


def _contradictory(model, p=12, seed=0):
    """An instance with no solution for any model: the same input twice with opposite labels."""
    rng = np.random.default_rng(seed)
    xi = (2 * rng.integers(0, 2, (p, model.n)) - 1).astype(np.int8)
    xi[1] = xi[0]
    labels = (2 * rng.integers(0, 2, p) - 1).astype(np.int8)
    labels[1] = -labels[0]
    return Patterns(xi, labels)


@pytest.mark.parametrize("method", MC_METHODS)
@pytest.mark.parametrize("model", E2E_MODELS[:3], ids=repr)
def test_honest_failure_on_impossible_instance(method, model):
    pats = _contradictory(model)
    r = solve(model, pats, method, seed=0, max_sweeps=30)
    assert not r.solved and r.n_errors >= 1
    assert r.iterations == 30
    assert r.n_errors == model.errors(r.weights, pats)


def test_above_capacity_reports_failure():
    model = wfm.Perceptron(101)
    pats = random_patterns(101, alpha=1.5, model=model, seed=0)   # binary capacity ≈ 0.83
    for method in MC_METHODS:
        r = solve(model, pats, method, seed=0, max_sweeps=50)
        assert not r.solved and r.n_errors > 0


@pytest.mark.parametrize("method", MC_METHODS)
def test_same_seed_same_result(method):
    model = wfm.TreeCommittee(33, 3)
    pats = random_patterns(33, alpha=0.6, model=model, seed=2)
    a = solve(model, pats, method, seed=9, max_sweeps=40)
    b = solve(model, pats, method, seed=9, max_sweeps=40)
    c = solve(model, pats, method, seed=10, max_sweeps=40)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.iterations == b.iterations
    for k in a.history:
        np.testing.assert_array_equal(a.history[k], b.history[k])
    assert not np.array_equal(a.weights, c.weights) or a.iterations != c.iterations


def test_replicated_sa_reports_who_solved():
    model = wfm.Perceptron(51)
    pats = random_patterns(51, alpha=0.3, model=model, seed=4)
    r = solve(model, pats, "replicated-sa", seed=0, y=5, max_sweeps=500)
    assert r.solved
    assert r.extra["solved_by"] in ("centre", "replica")
    reps = r.extra["replicas"]
    assert reps.shape == (5, 51)
    if r.extra["solved_by"] == "centre":
        np.testing.assert_array_equal(r.weights, np.sign(reps.astype(int).sum(0)))
    else:
        assert any(np.array_equal(r.weights, x) for x in reps)
    assert r.history["coupling"][0] == pytest.approx(0.05)
    assert len(r.history["centre_errors"]) == r.iterations


def test_sa_ce_schedules_in_history():
    model = wfm.Perceptron(31)
    pats = _contradictory(model)
    r = solve(model, pats, "sa-ce", seed=0, max_sweeps=20, ce_gamma0=0.5, ce_gamma1=8.0, beta0=1.0, beta1=50.0)
    np.testing.assert_allclose(r.history["ce_gamma"][[0, -1]], [0.5, 8.0])
    np.testing.assert_allclose(r.history["beta"][[0, -1]], [1.0, 50.0])
    # the history energy is the CE loss of the weights at each sweep end: check the last one
    assert abs(r.history["energy"][-1] - losses.total(model, pats, r.weights, losses.cross_entropy(8.0))) < 1e-9


def test_max_seconds_budget():
    model = wfm.Perceptron(301)
    pats = random_patterns(301, alpha=1.5, model=model, seed=0)
    r = solve(model, pats, "sa", seed=0, max_sweeps=10**6, max_seconds=0.3)
    assert r.iterations < 10**6 and r.seconds < 5


@pytest.mark.parametrize("method", MC_METHODS)
def test_bad_input(method):
    pats = random_patterns(21, alpha=0.5, seed=0)
    with pytest.raises(TypeError, match="unknown option"):
        solve(wfm.Perceptron(21), pats, method, seed=0, betaa=1.0)
    with pytest.raises(ValueError, match="binary"):
        solve(wfm.Perceptron(21, weights="spherical"), pats, method, seed=0)
    with pytest.raises(ValueError, match="max_sweeps"):
        solve(wfm.Perceptron(21), pats, method, seed=0, max_sweeps=0)
    with pytest.raises(ValueError, match="beta0"):
        solve(wfm.Perceptron(21), pats, method, seed=0, beta0=-1.0)
    with pytest.raises(ValueError, match="binary"):
        solve(wfm.Perceptron(21), random_patterns(21, alpha=0.5, kind="gaussian", seed=0), method, seed=0)


@pytest.mark.parametrize("method,old,new", [("sa-ce", "gamma0", "ce_gamma0"), ("sa-ce", "gamma1", "ce_gamma1"),
                                            ("replicated-sa", "gamma0", "coupling0"),
                                            ("replicated-sa", "gamma1", "coupling1")])
def test_renamed_options_say_the_new_name(method, old, new):
    """The cross-entropy γ (``ce_gamma*``) and the replica coupling (``coupling*``) no longer share a name."""
    pats = random_patterns(21, alpha=0.3, seed=0)
    with pytest.raises(TypeError, match=f"{old} is now {new}"):
        solve(wfm.Perceptron(21), pats, method, seed=0, **{old: 1.0})
    assert new in wfm.solvers.methods()[method]["options"]
    assert not {"gamma0", "gamma1"} & set(wfm.solvers.methods()[method]["options"])


def test_methods_listing_documents_every_option():
    ms = wfm.solvers.methods()
    for name in MC_METHODS:
        assert name in ms
        assert set(ms[name]["options"]) == set(ms[name]["option_docs"])


@pytest.mark.parametrize("method", MC_METHODS)
def test_full_schedule_without_stop(method):
    model = wfm.Perceptron(21)
    pats = random_patterns(21, alpha=0.3, model=model, seed=5)
    r = solve(model, pats, method, seed=0, max_sweeps=120, stop_at_solution=False)
    assert r.iterations == 120
    assert r.solved
    if method == "replicated-sa":
        assert r.extra["solved_by"] in ("centre", "replica")


def test_stop_at_solution_must_be_boolean():
    pats = random_patterns(21, alpha=0.3, seed=0)
    for method in MC_METHODS:
        with pytest.raises(TypeError, match="stop_at_solution"):
            solve(wfm.Perceptron(21), pats, method, seed=0, stop_at_solution="False")


@pytest.mark.parametrize("method", ["sa", "replicated-sa"])
def test_flips_energy_end_to_end_and_errors(method):
    model = wfm.Perceptron(21)
    pats = random_patterns(21, alpha=0.4, model=model, seed=2)
    r = solve(model, pats, method, seed=0, energy="flips", beta0=0.2, beta1=3.0, max_sweeps=300)
    assert r.solved and model.errors(r.weights, pats) == 0
    with pytest.raises(ValueError, match="energy"):
        solve(model, pats, method, seed=0, energy="hinge")
    tree = wfm.TreeCommittee(9, 3)
    with pytest.raises(ValueError, match="perceptron only"):
        solve(tree, random_patterns(9, alpha=0.3, model=tree, seed=0), method, seed=0, energy="flips")


# ------------------------------------------------------------------------------------------------
# recorded trajectories: every path of the Metropolis kernels, bit for bit
# ------------------------------------------------------------------------------------------------
#: (name, model, alpha, margin-free instance seed, method, options, solver seed). Each case runs long enough to
#: accept and reject many moves (several chunks of sweeps for ``anneal``); the outputs were recorded with the
#: kernels as they were before the Metropolis driver was unified (tests/data/mc_trajectories.npz) and must be
#: reproduced bit for bit: final weights, every history array (energy traces included) and every extra.
TRAJECTORY_CASES = [
    ("sa-error-perceptron", wfm.Perceptron(101), 1.0, 0, "sa", {"max_sweeps": 80}, 1),
    ("sa-error-perceptron-margin", wfm.Perceptron(51, margin=0.3), 0.5, 1, "sa", {"max_sweeps": 80}, 2),
    ("sa-error-perceptron-stop", wfm.Perceptron(51), 0.3, 2, "sa", {"max_sweeps": 300}, 3),
    ("sa-flips-perceptron", wfm.Perceptron(101), 1.0, 3, "sa",
     {"energy": "flips", "beta0": 0.2, "beta1": 5.0, "max_sweeps": 80}, 4),
    ("sa-flips-perceptron-stop", wfm.Perceptron(51), 0.4, 4, "sa",
     {"energy": "flips", "beta0": 0.2, "beta1": 5.0, "max_sweeps": 300}, 5),
    ("sa-error-tree-sign", wfm.TreeCommittee(45, 3), 1.0, 5, "sa", {"max_sweeps": 60}, 6),
    ("sa-error-committee-sign", wfm.Committee(15, 3), 1.0, 6, "sa", {"max_sweeps": 60}, 7),
    ("sa-error-tree-relu", wfm.TreeCommittee(46, 2, activation="relu"), 1.0, 7, "sa", {"max_sweeps": 60}, 8),
    ("sa-error-committee-relu", wfm.Committee(13, 4, activation="relu", margin=0.2), 1.0, 8, "sa",
     {"max_sweeps": 60}, 9),
    ("sa-error-parity", wfm.ParityMachine(45, 3), 1.0, 9, "sa", {"max_sweeps": 60}, 10),
    ("sa-error-tree-sign-stop", wfm.TreeCommittee(45, 3), 0.5, 10, "sa", {"max_sweeps": 300}, 11),
    ("sa-ce-perceptron", wfm.Perceptron(101, margin=0.1), 0.6, 11, "sa-ce",
     {"max_sweeps": 80, "stop_at_solution": False}, 12),
    ("sa-ce-perceptron-stop", wfm.Perceptron(51), 0.6, 12, "sa-ce", {"max_sweeps": 300}, 13),
    ("sa-ce-tree-sign", wfm.TreeCommittee(45, 3), 0.6, 13, "sa-ce",
     {"max_sweeps": 60, "stop_at_solution": False}, 14),
    ("sa-ce-committee-relu", wfm.Committee(13, 4, activation="relu"), 0.6, 14, "sa-ce",
     {"max_sweeps": 60, "stop_at_solution": False}, 15),
    ("sa-ce-parity", wfm.ParityMachine(45, 3), 0.6, 15, "sa-ce", {"max_sweeps": 60, "stop_at_solution": False}, 16),
    ("rsa-error-perceptron", wfm.Perceptron(51), 0.7, 16, "replicated-sa",
     {"y": 3, "max_sweeps": 60, "stop_at_solution": False}, 17),
    ("rsa-error-perceptron-stop-replica", wfm.Perceptron(51), 0.5, 17, "replicated-sa", {"y": 5, "max_sweeps": 300}, 18),
    ("rsa-error-perceptron-stop-centre", wfm.Perceptron(51), 0.6, 17, "replicated-sa", {"y": 5, "max_sweeps": 300},
     18),
    ("rsa-flips-perceptron", wfm.Perceptron(51, margin=0.2), 0.6, 18, "replicated-sa",
     {"y": 3, "energy": "flips", "coupling0": 0.2, "coupling1": 5.0, "beta0": 0.1, "beta1": 2.0, "max_sweeps": 60,
      "stop_at_solution": False}, 19),
    ("rsa-ce-perceptron", wfm.Perceptron(51), 0.7, 19, "replicated-sa",
     {"y": 3, "energy": "ce", "ce_gamma": 1.5, "max_sweeps": 60, "stop_at_solution": False}, 20),
    ("rsa-error-tree-sign", wfm.TreeCommittee(45, 3), 0.8, 20, "replicated-sa",
     {"y": 3, "max_sweeps": 40, "stop_at_solution": False}, 21),
    ("rsa-ce-committee-sign", wfm.Committee(15, 3), 0.8, 21, "replicated-sa",
     {"y": 4, "energy": "ce", "max_sweeps": 40, "stop_at_solution": False}, 22),
    ("rsa-error-parity-stop", wfm.ParityMachine(45, 3), 0.4, 22, "replicated-sa", {"y": 3, "max_sweeps": 300}, 23),
]
TRAJECTORY_FILE = Path(__file__).parent / "data" / "mc_trajectories.npz"
#: history keys renamed with the options since the recording (same arrays, new names)
RENAMED_KEYS = {"sa-ce": {"history.gamma": "history.ce_gamma"}, "replicated-sa": {"history.gamma": "history.coupling"}}


def _trajectory(case):
    """Everything a run returns, as named arrays (the weights, each history array, each extra)."""
    name, model, alpha, inst, method, opts, seed = case
    pats = random_patterns(model.n, alpha=alpha, model=model, seed=inst)
    r = solve(model, pats, method, seed=seed, **opts)
    out = {"weights": np.asarray(r.weights), "iterations": np.array(r.iterations)}
    out.update({f"history.{k}": np.asarray(v) for k, v in r.history.items()})
    for k, v in r.extra.items():
        out[f"extra.{k}"] = np.asarray(v)
    return {f"{name}/{k}": v for k, v in out.items()}


def record_trajectories(path=TRAJECTORY_FILE):
    """Write the reference file (run once, with the kernels being replaced; never with the new ones)."""
    data = {}
    for case in TRAJECTORY_CASES:
        data.update(_trajectory(case))
    path.parent.mkdir(exist_ok=True)
    np.savez_compressed(path, **data)


@pytest.mark.parametrize("case", TRAJECTORY_CASES, ids=[c[0] for c in TRAJECTORY_CASES])
def test_trajectories_identical_to_recorded(case):
    ref = np.load(TRAJECTORY_FILE)
    prefix = case[0] + "/"
    renamed = RENAMED_KEYS.get(case[4], {})
    expected = {renamed.get(k[len(prefix):], k[len(prefix):]): ref[k] for k in ref.files if k.startswith(prefix)}
    got = {k[len(prefix):]: v for k, v in _trajectory(case).items()}
    assert set(got) == set(expected)
    for k, v in expected.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape, k
        assert np.array_equal(got[k], v, equal_nan=v.dtype.kind == "f"), k
    assert expected["iterations"] > 10                       # long enough to mean something


if __name__ == "__main__":   # python tests/test_solvers_mc.py record
    import sys

    if sys.argv[1:] == ["record"]:
        record_trajectories()

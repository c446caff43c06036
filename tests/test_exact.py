import math

import numpy as np
import pytest
from scipy.special import gammaln

import wfm
from wfm import exact
from conftest import brute_distance_counts, reference_errors


@pytest.mark.parametrize("alpha", [0.2, 0.5])
def test_distance_counts_match_brute_force(small_binary_model, alpha):
    m = small_binary_model
    pats = wfm.random_patterns(m.n, alpha=alpha, seed=7, model=m)
    for seed in (0, 1):
        ref = m.random_weights(seed=seed)
        counts = exact.distance_counts(m, pats, ref)
        assert counts.dtype == np.int64 and counts.shape == (m.n_weights + 1,)
        np.testing.assert_array_equal(counts, brute_distance_counts(m, pats, ref))
    assert exact.count_solutions(m, pats) == int(counts.sum())


@pytest.mark.parametrize("model", [wfm.TreeCommittee(21, 3), wfm.Perceptron(21), wfm.Perceptron(19, margin=0.25)],
                         ids=repr)
def test_splitting_into_low_and_high_weights_does_not_matter(monkeypatch, model):
    """Force tiny low tables (many Gray-code steps; bitsets shorter than a word) and all-low tables."""
    pats = wfm.random_patterns(model.n, alpha=0.4, seed=2, model=model)
    ref = model.random_weights(seed=3)
    default = exact.distance_counts(model, pats, ref)
    assert default.sum() > 0
    for b in (2, 5, 7, model.n_weights):
        monkeypatch.setattr(exact, "_n_low", lambda nw, p, kk, b=b: b)
        np.testing.assert_array_equal(exact.distance_counts(model, pats, ref), default)


def test_tiny_perceptron_matches_brute_force():
    m = wfm.Perceptron(5)
    pats = wfm.random_patterns(5, p=2, seed=0)
    np.testing.assert_array_equal(exact.distance_counts(m, pats, np.ones(5)), brute_distance_counts(m, pats, np.ones(5)))


def test_single_pattern_counts_half_and_respects_binomial_bound():
    """One pattern at odd N: W or −W satisfies it, so exactly 2^(N−1) solutions, and counts[D] ≤ binom(N, D)."""
    m = wfm.Perceptron(15)
    pats = wfm.random_patterns(15, p=1, seed=0)
    counts = exact.distance_counts(m, pats, np.ones(15))
    binom = np.exp(gammaln(16) - gammaln(np.arange(16) + 1) - gammaln(16 - np.arange(16)))
    assert np.all(counts <= np.round(binom)) and counts.sum() == 2 ** 14   # one pattern: exactly half


def test_label_flip_symmetry():
    """Flipping every label maps the solutions W → −W of the perceptron: same count, mirrored distances."""
    m = wfm.Perceptron(21)
    pats = wfm.random_patterns(21, alpha=0.4, seed=11)
    flipped = wfm.Patterns(pats.xi, -pats.labels)
    ref = m.random_weights(seed=0)
    a = exact.distance_counts(m, pats, ref)
    b = exact.distance_counts(m, flipped, -ref)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, exact.distance_counts(m, flipped, ref)[::-1])


def test_local_entropy_and_entropy():
    m = wfm.Perceptron(17)
    pats = wfm.random_patterns(17, alpha=0.3, seed=1)
    sol = exact.sample_solutions(m, pats, 1, seed=0)[0]
    d, s, counts = exact.local_entropy(m, pats, sol)
    assert d[0] == 0 and d[-1] == 1 and s[0] == 0.0            # the reference itself
    nz = counts > 0
    np.testing.assert_allclose(s[nz], np.log(counts[nz]) / 17)
    assert np.all(np.isneginf(s[~nz]))
    assert exact.entropy(m, pats) == pytest.approx(math.log(counts.sum()) / 17)


def test_sample_solutions_are_solutions_and_uniform():
    m = wfm.Perceptron(11)
    pats = wfm.random_patterns(11, alpha=0.5, seed=5)
    total = exact.count_solutions(m, pats)
    assert 2 <= total <= 200
    draws = exact.sample_solutions(m, pats, 4000 * 1, seed=1)
    assert draws.shape == (4000, 11)
    assert np.all(m.errors(draws, pats) == 0)
    keys = (draws > 0).astype(np.int64) @ (1 << np.arange(11))
    _, freq = np.unique(keys, return_counts=True)
    assert len(freq) == total                                    # every solution is reachable
    expected = 4000 / total
    chi2 = ((freq - expected) ** 2 / expected).sum()
    # chi-square with total-1 dof: mean total-1, sd sqrt(2(total-1)); 6 sd is a p-value < 1e-6
    assert chi2 < (total - 1) + 6 * math.sqrt(2 * (total - 1))
    again = exact.sample_solutions(m, pats, 4000, seed=1)
    np.testing.assert_array_equal(again, draws)


def test_sample_solutions_committee_shape():
    m = wfm.TreeCommittee(15, 3)
    pats = wfm.random_patterns(15, alpha=0.3, seed=0)
    s = exact.sample_solutions(m, pats, 3, seed=0)
    assert s.shape == (3, 3, 5) and all(reference_errors(m, w, pats) == 0 for w in s)


def test_errors():
    with pytest.raises(ValueError, match="binary model"):
        exact.count_solutions(wfm.Perceptron(11, weights="spherical"), wfm.random_patterns(11, alpha=1, seed=0))
    with pytest.raises(ValueError, match="binary"):
        exact.count_solutions(wfm.Perceptron(11), wfm.random_patterns(11, alpha=1, kind="gaussian", seed=0))
    with pytest.raises(ValueError, match="n_weights=35"):
        exact.count_solutions(wfm.Perceptron(35), wfm.random_patterns(35, alpha=1, seed=0))
    with pytest.raises(ValueError, match="no solution"):
        exact.sample_solutions(wfm.Perceptron(5), wfm.random_patterns(5, alpha=5, seed=0), 1)
    with pytest.raises(ValueError, match="N=11 inputs"):
        exact.count_solutions(wfm.Perceptron(13), wfm.random_patterns(11, alpha=1, seed=0))
    with pytest.raises(ValueError, match="shape"):
        exact.distance_counts(wfm.Perceptron(11), wfm.random_patterns(11, alpha=1, seed=0), np.ones(10))


@pytest.mark.parametrize("model", [wfm.Perceptron(19), wfm.TreeCommittee(15, 3)], ids=repr)
def test_threaded_and_serial_kernels_agree(model):
    """The same enumeration compiled with and without threads (chunks are fixed, so results are identical)."""
    pats = wfm.random_patterns(model.n, alpha=0.4, seed=1, model=model)
    bounds, args = exact._setup(model, pats, model.random_weights(seed=2))
    np.testing.assert_array_equal(exact._enumerate_par(bounds, *args), exact._enumerate_ser(bounds, *args))
    targets = np.array([0, 0, 3], np.int64)
    tstart = np.array([0] + [3] * (len(bounds) - 1), np.int64)
    np.testing.assert_array_equal(exact._collect_par(bounds, *args, targets, tstart),
                                  exact._collect_ser(bounds, *args, targets, tstart))

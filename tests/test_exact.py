"""wfm.exact: counts against brute force, symmetries, sampling, and every kernel against a NumPy reference
(table KERNEL_REFERENCES)."""
import math

import numpy as np
import pytest
from scipy.special import gammaln

import wfm
from wfm import exact
from wfm.core.codes import Output
from wfm.kernels.arrays import KernelArrays
from conftest import brute_distance_counts, reference_errors
from kernel_table import KernelRef, check_kernel, unlisted


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


# ------------------------------------------------------------------------------------------------
# Every @njit kernel of wfm/exact.py next to a slow NumPy reference with the same signature and the same
# effects (tests/kernel_table.py). Configuration convention of the kernels: bit j of a low index c set ⇔
# W_j = −1 (j < b); bit t of a high Gray code g set ⇔ W_{b+t} = −1.


def _bits(v, n):
    return np.where((np.asarray(v)[..., None] >> np.arange(n)) & 1, -1, 1)


def _int_fields(w, xi, cols, m, kk):
    """Integer unit fields (P, K) of one full configuration w (n_weights,)."""
    x = xi.astype(np.int64)
    return np.stack([x[:, cols[k * m:(k + 1) * m]] @ w[k * m:(k + 1) * m] for k in range(kk)], 1)


def _int_pre(code, h):
    if code == Output.PERCEPTRON:
        return h[..., 0]
    if code == Output.SIGN:
        return np.sign(h).sum(-1)
    if code == Output.RELU:
        half = h.shape[-1] // 2
        r = np.maximum(h, 0)
        return r[..., :half].sum(-1) - r[..., half:].sum(-1)
    return np.prod(np.sign(h), axis=-1)


def ref_low_tables(xi, cols, m, kk, b, ref):
    x = xi.astype(np.int64)
    w = _bits(np.arange(1 << b), b)                                   # (2^b, b)
    low = np.zeros((1 << b, xi.shape[0], kk), np.int64)
    for j in range(b):
        low[:, :, j // m] += w[:, j:j + 1] * x[:, cols[j]][None, :]
    return low, (w != ref[:b]).sum(1)


def ref_ok(code, hi, low, c, mu, kk, half, sigma, thr):
    return bool(sigma * _int_pre(code, hi[mu] + low[c, mu]) > thr)


def ref_high_state(g, xi, labels, cols, m, kk, b, nh, ref):
    w = np.concatenate([np.zeros(b, np.int64), _bits(g, nh)])        # low weights contribute nothing
    return _int_fields(w, xi, cols, m, kk), int((w[b:] != ref[b:]).sum())


def ref_record(c, g, b, nh, dh, ldist, hist, targets, ti, found, out, out_pos):
    hist[dh + ldist[c]] += 1
    w = np.concatenate([_bits(c, b), _bits(g, nh)])
    while ti < targets.shape[0] and targets[ti] == found:
        out[out_pos + ti] = w
        ti += 1
    return ti


def ref_enumerate_chunk(start, stop, xi, labels, cols, m, kk, code, thr, b, nh, ref, low, masks, full, ldist, hist,
                        targets, out, out_pos):
    """Every configuration of the chunk checked from scratch, in the kernel's order (Gray index, then low c)."""
    found, ti = 0, 0
    x = xi.astype(np.int64)
    low_w = _bits(np.arange(1 << b), b)
    for idx in range(start, stop):
        w = np.concatenate([low_w, np.broadcast_to(_bits(idx ^ (idx >> 1), nh), (low_w.shape[0], nh))], axis=1)
        h = np.stack([w[:, k * m:(k + 1) * m] @ x[:, cols[k * m:(k + 1) * m]].T for k in range(kk)], -1)
        for c in np.flatnonzero(np.all(labels * _int_pre(code, h) > thr, axis=1)):
            hist[int((w[c] != ref).sum())] += 1
            while ti < targets.shape[0] and targets[ti] == found:
                out[out_pos + ti] = w[c]
                ti += 1
            found += 1
    return found


def ref_enumerate(bounds, xi, labels, cols, m, kk, code, thr, b, nh, ref, low, masks, full, ldist, nw):
    hists = np.zeros((bounds.shape[0] - 1, nw + 1), np.int64)
    for ch in range(bounds.shape[0] - 1):
        ref_enumerate_chunk(bounds[ch], bounds[ch + 1], xi, labels, cols, m, kk, code, thr, b, nh, ref, low, masks,
                            full, ldist, hists[ch], np.zeros(0, np.int64), np.zeros((0, nw), np.int8), 0)
    return hists


def ref_collect(bounds, xi, labels, cols, m, kk, code, thr, b, nh, ref, low, masks, full, ldist, nw, targets, tstart):
    out = np.zeros((targets.shape[0], nw), np.int8)
    for ch in range(bounds.shape[0] - 1):
        t0, t1 = tstart[ch], tstart[ch + 1]
        if t1 > t0:
            ref_enumerate_chunk(bounds[ch], bounds[ch + 1], xi, labels, cols, m, kk, code, thr, b, nh, ref, low,
                                masks, full, ldist, np.zeros(nw + 1, np.int64), targets[t0:t1], out, t0)
    return out


def ref_perceptron_masks(low, labels, b):
    nc, p = low.shape[0], low.shape[1]
    nwords = max(1, nc // 64)
    masks = np.zeros((p, 2 * b + 1, nwords), np.uint64)
    full = np.zeros(nwords, np.uint64)
    for c in range(nc):
        bit = np.uint64(1) << np.uint64(c % 64)
        full[c // 64] |= bit
        for mu in range(p):
            for j in range(2 * b + 1):
                if labels[mu] * low[c, mu, 0] >= j - b:
                    masks[mu, j, c // 64] |= bit
    return masks, full


#: small instances of every output rule, with b low weights (b < 6: one bitset word shorter than 64 bits;
#: b = 7: two full words) and a reference configuration
EXACT_MODELS = [(wfm.Perceptron(11), 5), (wfm.Perceptron(11, margin=0.25), 7), (wfm.TreeCommittee(9, 3), 4),
                (wfm.TreeCommittee(12, 4, activation="relu"), 5), (wfm.Committee(3, 3), 5),
                (wfm.ParityMachine(9, 3), 4)]


def _exact_setup(model, b, seed=0):
    """The arguments ``exact._setup`` builds, with b chosen here (tables from the kernels under test)."""
    ka = KernelArrays(model, wfm.random_patterns(model.n, alpha=0.5, seed=seed, model=model))
    nw = ka.n_weights
    ref = np.asarray(model.random_weights(seed=seed + 1), np.int8).reshape(-1)
    low, ldist = exact._low_tables(ka.xi, ka.cols, ka.m, ka.k, b, ref)
    if ka.code == Output.PERCEPTRON:
        masks, full = exact._perceptron_masks(low, ka.sig, b)
    else:
        masks, full = np.zeros((0, 0, 1), np.uint64), np.zeros(1, np.uint64)
    return ka, (ka.xi, ka.sig, ka.cols, ka.m, ka.k, ka.code, ka.thr, b, nw - b, ref, low, masks, full, ldist, nw)


def _cases_low_tables():
    return [(ka.xi, ka.cols, ka.m, ka.k, b, a[9]) for ka, a, b in
            ((*_exact_setup(mdl, b), b) for mdl, b in EXACT_MODELS)]


def _cases_ok():
    out = []
    for model, b in EXACT_MODELS:
        ka, a = _exact_setup(model, b)
        hi, _ = exact._high_state(5, ka.xi, ka.sig, ka.cols, ka.m, ka.k, b, a[8], a[9])
        out += [(ka.code, hi, a[10], c, mu, ka.k, ka.k // 2, ka.sig[mu], ka.thr) for c in (0, 3) for mu in range(ka.p)]
    return out


def _cases_high_state():
    return [(g, *_exact_setup(model, b)[1][:5], b, model.n_weights - b, _exact_setup(model, b)[1][9])
            for model, b in EXACT_MODELS for g in (0, 6, 2 ** (model.n_weights - b) - 1)]


def _cases_record():
    nw, b = 9, 4
    ldist = np.arange(16, dtype=np.int32) % 5
    targets = np.array([0, 2, 2, 5], np.int64)
    return [(c, g, b, nw - b, dh, ldist, np.zeros(nw + 1, np.int64), targets, ti, found,
             np.zeros((6, nw), np.int8), 1) for c, g, dh, ti, found in ((3, 9, 2, 0, 0), (7, 1, 0, 1, 2), (0, 0, 1, 4, 5))]


def _cases_enumerate_chunk():
    out = []
    for model, b in EXACT_MODELS:
        ka, a = _exact_setup(model, b)
        nw = a[-1]
        n_outer = 1 << (nw - b)
        targets = np.array([0, 0, 1, 4], np.int64)
        for start, stop in ((0, n_outer), (3, min(n_outer, 40))):
            out.append((start, stop, *a[:-1], np.zeros(nw + 1, np.int64), targets, np.zeros((5, nw), np.int8), 1))
    return out


def _cases_enumerate():
    out = []
    for model, b in EXACT_MODELS:
        _, a = _exact_setup(model, b)
        n_outer = 1 << (a[-1] - b)
        out.append((np.linspace(0, n_outer, 4).astype(np.int64), *a))
    return out


def _cases_collect():
    return [(*c, np.array([0, 0, 1, 3, 0, 2], np.int64), np.array([0, 2, 4, 6], np.int64)) for c in _cases_enumerate()]


def _cases_perceptron_masks():
    out = []
    for model, b in EXACT_MODELS[:2]:
        ka, a = _exact_setup(model, b)
        out.append((a[10], ka.sig, b))
    return out


KERNEL_REFERENCES = [
    KernelRef("exact._low_tables", exact._low_tables, ref_low_tables, _cases_low_tables),
    KernelRef("exact._ok", exact._ok, ref_ok, _cases_ok),
    KernelRef("exact._high_state", exact._high_state, ref_high_state, _cases_high_state),
    KernelRef("exact._record", exact._record, ref_record, _cases_record, writes=(6, 10)),
    KernelRef("exact._enumerate_chunk", exact._enumerate_chunk, ref_enumerate_chunk, _cases_enumerate_chunk,
              writes=(16, 18)),
    KernelRef("exact._enumerate_par", exact._enumerate_par, ref_enumerate, _cases_enumerate,
              twin=exact._enumerate_ser),
    KernelRef("exact._collect_par", exact._collect_par, ref_collect, _cases_collect, twin=exact._collect_ser),
    KernelRef("exact._perceptron_masks", exact._perceptron_masks, ref_perceptron_masks, _cases_perceptron_masks),
]


def test_kernel_table_lists_every_kernel():
    assert unlisted(KERNEL_REFERENCES, exact) == []


@pytest.mark.parametrize("row", KERNEL_REFERENCES, ids=lambda r: r.name)
def test_kernel_matches_reference(row):
    check_kernel(row)

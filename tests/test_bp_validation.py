"""Statistical validation of wfm.bp (``pytest -m slow tests/test_bp_validation.py``).

Also a script: ``python tests/test_bp_validation.py [small|rs|fbp-local|known-good|amp-small|amp-edges|amp-rs]``
prints the figures quoted in
benchmarks/BENCHMARKS.md (## Message passing). The asserted bounds are the measured figures with a margin.
"""
import json
import sys
import warnings

import numpy as np
import pytest

import wfm
from wfm import exact
from wfm.bp import entropy, exact_canonical, local_entropy

GAMMAS_SMALL = np.concatenate([np.arange(0.0, 2.0, 0.2), np.arange(2.0, 6.01, 0.5)])


def small_n_validation(n=21, alphas=(0.2, 0.4), instances=20, accuracy="exact", form="edges"):
    """BP (exact factor updates) vs enumeration: entropy, and local entropy S(γ) = Φ − γq around a uniformly
    sampled solution, compared at the same γ with the exact canonical Φ(γ), q(γ) from the distance counts."""
    model = wfm.Perceptron(n)
    out = {}
    for alpha in alphas:
        ent_err, le_err, d_err, nonconv_ent, nonconv_le, npts = [], [], [], 0, 0, 0
        for inst in range(instances):
            pats = wfm.random_patterns(n, alpha=alpha, seed=1000 + inst)
            c = exact.count_solutions(model, pats)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                s_bp = entropy(model, pats, accuracy=accuracy if form == "edges" else "auto", seed=inst, form=form)
            if np.isfinite(s_bp):
                ent_err.append(s_bp - np.log(c) / n)
            else:
                nonconv_ent += 1
            ref = exact.sample_solutions(model, pats, 1, seed=inst)[0]
            counts = exact.distance_counts(model, pats, ref)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                curve = local_entropy(model, pats, ref, gammas=GAMMAS_SMALL, seed=inst, form=form,
                                      accuracy=accuracy if form == "edges" else "auto")
            phi, q = exact_canonical(counts, GAMMAS_SMALL)
            ok = curve.converged
            nonconv_le += int((~ok).sum())
            npts += int(ok.sum())
            le_err.extend((curve.s[ok] - (phi[ok] - GAMMAS_SMALL[ok] * q[ok])).tolist())
            d_err.extend((curve.d[ok] - (1 - q[ok]) / 2).tolist())
        ent_err, le_err, d_err = map(np.abs, map(np.asarray, (ent_err, le_err, d_err)))
        out[alpha] = {"n": n, "instances": instances, "accuracy": accuracy, "form": form,
                      "entropy_mean_abs_err": float(ent_err.mean()), "entropy_max_abs_err": float(ent_err.max()),
                      "entropy_nonconverged": nonconv_ent,
                      "local_entropy_mean_abs_err": float(le_err.mean()), "local_entropy_max_abs_err": float(le_err.max()),
                      "local_entropy_frac_err_gt_0.03": float((le_err > 0.03).mean()),
                      "distance_max_abs_err": float(d_err.max()), "local_entropy_points": npts,
                      "local_entropy_nonconverged_points": nonconv_le}
    return out


def rs_validation(n=1001, alphas=(0.3, 0.5), instances=5):
    """Mean BP entropy (Gaussian factors) over instances vs the RS entropy of wfm.theory."""
    from wfm.theory import binary_entropy
    model = wfm.Perceptron(n)
    out = {}
    for alpha in alphas:
        vals = [entropy(model, wfm.random_patterns(n, alpha=alpha, seed=2000 + i), accuracy="gaussian", seed=i,
                        epsilon=1e-6) for i in range(instances)]
        out[alpha] = {"n": n, "bp_entropy": vals, "bp_mean": float(np.mean(vals)),
                      "rs_entropy": float(binary_entropy(alpha)), "diff": float(np.mean(vals) - binary_entropy(alpha))}
    return out


def fbp_local_small(n=21, alpha=0.4, instances=20, typical=10):
    """Exact solution counts at Hamming distance 1, 2, 3 around the fBP solution vs around uniformly sampled
    (typical) solutions of the same instance."""
    model = wfm.Perceptron(n)
    fbp_c, typ_c, solved = [], [], 0
    for inst in range(instances):
        pats = wfm.random_patterns(n, alpha=alpha, seed=3000 + inst)
        r = wfm.solve(model, pats, method="fbp", seed=inst)
        if not r.solved:
            continue
        solved += 1
        fbp_c.append(exact.distance_counts(model, pats, r.weights)[1:4])
        for w in exact.sample_solutions(model, pats, typical, seed=inst):
            typ_c.append(exact.distance_counts(model, pats, w)[1:4])
    fbp_c, typ_c = np.asarray(fbp_c, float), np.asarray(typ_c, float)
    return {"n": n, "alpha": alpha, "instances_solved": solved,
            "fbp_mean_counts_d1_d2_d3": fbp_c.mean(0).tolist(), "typical_mean_counts_d1_d2_d3": typ_c.mean(0).tolist(),
            "fbp_S_at_d3_over_N": float(np.mean(np.log(np.maximum(fbp_c[:, 2], 1)) / n)),
            "typical_S_at_d3_over_N": float(np.mean(np.log(np.maximum(typ_c[:, 2], 1)) / n)),
            "bound_H_log_binom_21_3_over_N": float(np.log(1330) / n)}


def fbp_local_large(n=1001, alpha=0.6, seed=0, d_points=(0.005, 0.01, 0.02, 0.05, 0.1)):
    """BP local entropy around an fBP solution at N ≈ 1000 vs the RS Franz–Parisi curve of a typical solution."""
    from wfm.theory import franz_parisi
    model = wfm.Perceptron(n)
    pats = wfm.random_patterns(n, alpha=alpha, seed=4000 + seed)
    r = wfm.solve(model, pats, method="fbp", seed=seed)
    gam = np.concatenate([np.arange(0.0, 1.0, 0.1), np.arange(1.0, 4.01, 0.25)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        c = local_entropy(model, pats, r.weights, gammas=gam, accuracy="gaussian", epsilon=1e-6, max_iters=500)
        fp = franz_parisi(alpha, np.asarray(d_points))
    v = c.valid()
    o = np.argsort(v.d)
    s_at = np.interp(d_points, v.d[o], v.s[o])
    return {"n": n, "alpha": alpha, "solved": bool(r.solved), "d": list(d_points),
            "S_fbp": s_at.tolist(), "H(d)": wfm.bp.binary_entropy_bound(np.asarray(d_points)).tolist(),
            "franz_parisi_d": np.asarray(fp.d).tolist(), "franz_parisi_V": np.asarray(fp.local_entropy).tolist(),
            "bp_points_converged": int(c.converged.sum()), "bp_points": int(c.converged.size)}


def amp_vs_edges(n=1001, alphas=(0.3, 0.5, 0.6), instances=3, le_alpha=0.6):
    """AMP vs per-edge BP (Gaussian factors) on the same instances: the entropy per weight at zero field, and the
    local-entropy curve S(γ) around an fBP solution on a common γ grid."""
    model = wfm.Perceptron(n)
    out = {"n": n, "entropy": {}}
    for alpha in alphas:
        d = []
        for i in range(instances):
            pats = wfm.random_patterns(n, alpha=alpha, seed=6000 + i)
            ea = entropy(model, pats, form="amp", epsilon=1e-8, seed=i)
            ee = entropy(model, pats, form="edges", accuracy="gaussian", epsilon=1e-8, seed=i)
            d.append(ea - ee)
        out["entropy"][alpha] = {"amp_minus_edges": d, "max_abs": float(np.max(np.abs(d)))}
    pats = wfm.random_patterns(n, alpha=le_alpha, seed=6100)
    r = wfm.solve(model, pats, method="fbp", seed=0, form="edges")
    gam = np.concatenate([np.arange(0.0, 1.0, 0.1), np.arange(1.0, 4.01, 0.5)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ca = local_entropy(model, pats, r.weights, gammas=gam, form="amp", epsilon=1e-7, max_iters=1000)
        ce = local_entropy(model, pats, r.weights, gammas=gam, form="edges", accuracy="gaussian", epsilon=1e-7,
                           max_iters=1000)
    ok = ca.converged & ce.converged
    out["local_entropy"] = {"alpha": le_alpha, "solved": bool(r.solved), "gammas": gam.tolist(),
                            "points_both_converged": int(ok.sum()),
                            "max_abs_diff_s": float(np.max(np.abs(ca.s[ok] - ce.s[ok]))),
                            "max_abs_diff_d": float(np.max(np.abs(ca.d[ok] - ce.d[ok])))}
    return out


def amp_rs(n=10001, alphas=(0.3, 0.5, 0.6), instances=2):
    """AMP entropy at N = 10 001 (mean over instances) vs the RS entropy of wfm.theory."""
    from wfm.theory import binary_entropy
    model = wfm.Perceptron(n)
    out = {}
    for alpha in alphas:
        vals = [entropy(model, wfm.random_patterns(n, alpha=alpha, seed=7000 + i), form="amp", epsilon=1e-7, seed=i)
                for i in range(instances)]
        out[alpha] = {"n": n, "amp_entropy": vals, "amp_mean": float(np.mean(vals)),
                      "rs_entropy": float(binary_entropy(alpha)), "diff": float(np.mean(vals) - binary_entropy(alpha))}
    return out


def known_good():
    out = {}
    cm = wfm.Committee(321, 5)
    pats = wfm.random_patterns(321, alpha=0.3, seed=135, model=cm)
    r = wfm.solve(cm, pats, method="fbp", seed=135, protocol="standard", randfact=0.1, damping=0.5, max_iters=1,
                  thermo=False)
    out["committee_321x5_alpha0.3"] = {"solved": r.solved, "errors": r.n_errors, "sweeps": r.iterations,
                                       "seconds": r.seconds}
    return out


# ------------------------------------------------------------------------------------------------
# slow tests: the measured figures, asserted with a margin
# ------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_small_n_entropy_and_local_entropy():
    res = small_n_validation()
    for alpha, r in res.items():
        assert r["entropy_nonconverged"] <= 3
        assert r["entropy_mean_abs_err"] < 0.015
        assert r["entropy_max_abs_err"] < 0.05
        assert r["local_entropy_mean_abs_err"] < 0.01
        # measured max 0.10 / 0.09: references with no solution at distance 1 (2 of 40), where BP at γ ≥ 1.2
        # collapses onto the reference (S = 0) while pairs of flips (loops, invisible to BP) still give solutions
        assert r["local_entropy_max_abs_err"] < 0.15
        assert r["local_entropy_frac_err_gt_0.03"] < 0.05


@pytest.mark.slow
def test_rs_entropy_large_n():
    for alpha, r in rs_validation().items():
        assert abs(r["diff"]) < 0.01, r


@pytest.mark.slow
def test_fbp_solution_denser_than_typical_small_n():
    r = fbp_local_small()
    assert r["instances_solved"] >= 18
    assert r["fbp_S_at_d3_over_N"] > r["typical_S_at_d3_over_N"] + 0.02
    f, t = r["fbp_mean_counts_d1_d2_d3"], r["typical_mean_counts_d1_d2_d3"]
    assert all(a > 1.5 * b for a, b in zip(f, t))


@pytest.mark.slow
def test_fbp_local_entropy_above_franz_parisi():
    r = fbp_local_large()
    assert r["solved"]
    fp = dict(zip(np.round(r["franz_parisi_d"], 6), r["franz_parisi_V"]))
    for d, s in zip(r["d"], r["S_fbp"]):
        v = fp.get(round(d, 6))
        if v is not None:
            assert s > v + 0.01


@pytest.mark.slow
def test_small_n_amp_vs_enumeration():
    """AMP (form="amp") vs enumeration at N = 21, the figures of test_small_n_entropy_and_local_entropy for AMP."""
    res = small_n_validation(form="amp")
    for alpha, r in res.items():
        assert r["entropy_nonconverged"] <= 3
        assert r["entropy_mean_abs_err"] < 0.015
        assert r["entropy_max_abs_err"] < 0.05
        assert r["local_entropy_mean_abs_err"] < 0.015
        assert r["local_entropy_max_abs_err"] < 0.15


@pytest.mark.slow
def test_amp_vs_edges_1001():
    r = amp_vs_edges()
    for alpha, e in r["entropy"].items():
        assert e["max_abs"] < 0.002, (alpha, e)
    le = r["local_entropy"]
    assert le["solved"] and le["points_both_converged"] >= 12
    assert le["max_abs_diff_s"] < 0.003, le


@pytest.mark.slow
def test_amp_rs_entropy_10001():
    for alpha, r in amp_rs().items():
        assert abs(r["diff"]) < 0.003, (alpha, r)


@pytest.mark.slow
def test_known_good_committee():
    assert known_good()["committee_321x5_alpha0.3"]["solved"]


@pytest.mark.slow
def test_fbp_perceptron_1001_alpha06():
    model = wfm.Perceptron(1001)
    solved = sum(wfm.solve(model, wfm.random_patterns(1001, alpha=0.6, seed=5000 + i), method="fbp", seed=i,
                           thermo=False).solved for i in range(10))
    assert solved >= 9


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "small"
    fn = {"small": small_n_validation, "rs": rs_validation, "fbp-local": fbp_local_small,
          "fbp-large": fbp_local_large, "known-good": known_good, "amp-small": lambda: small_n_validation(form="amp"),
          "amp-edges": amp_vs_edges, "amp-rs": amp_rs}[what]
    print(json.dumps(fn(), default=float, indent=1), flush=True)

"""The protocols of F7, F8, F9: their statistics against closed forms, their checks on synthetic records (that
they hold on records that support the claim and fail on records that do not), and their experiments at toy size."""
from __future__ import annotations

import math
from math import comb

import numpy as np
import pandas as pd
import pytest

from wfm.experiments import registry as E
from wfm.figures import f07_cross_entropy as f07
from wfm.figures import f08_flatness_generalization as f08
from wfm.figures import f09_asymmetric_valleys as f09

# ------------------------------------------------------------------------------------------------------------
# F8: the sign test and its power


def test_sign_test_is_the_binomial_tail():
    assert f08.sign_test(8, 10) == pytest.approx(sum(comb(10, k) for k in (8, 9, 10)) / 2 ** 10, rel=1e-12)
    assert f08.sign_test(0, 5) == pytest.approx(1.0)
    assert f08.sign_test(5, 5) == pytest.approx(1 / 32)


@pytest.mark.parametrize("n", [10, 30, 60, 100])
def test_sign_test_power_by_enumeration(n):
    def tail(c, p):
        return sum(comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(c, n + 1))

    c, p80 = f08.sign_test_power(n)
    assert tail(c, 0.5) <= 0.05 < tail(c - 1, 0.5)  # the smallest critical count at the 5 % level
    assert tail(c, p80) == pytest.approx(0.8, abs=1e-9)
    assert tail(c, p80 - 0.01) < 0.8
    assert 0.5 < p80 < 1


def test_sign_test_power_falls_with_the_number_of_pairs():
    p = [f08.sign_test_power(n)[1] for n in (20, 40, 80, 160)]
    assert all(a > b for a, b in zip(p, p[1:]))
    assert f08.sign_test_power(4) == (None, float("nan")) or math.isnan(f08.sign_test_power(4)[1])


def _digits_records(gap, n_splits=40, seed=0):
    """Splits of 4 solutions whose test error is 0.25 + gap·(local energy rank) + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_splits):
        le = rng.random(4)
        te = 0.25 + gap * np.argsort(np.argsort(le)) + 0.01 * rng.standard_normal(4)
        rows.append({"solved": np.array([True, True, True, True]), "le_mean": le, "test_error": te})
    return pd.DataFrame(rows)


def test_digits_verdict_detects_an_effect_and_not_its_absence():
    yes = f08.digits_verdict(_digits_records(0.02))
    assert yes["wins"] >= 38 and yes["p_sign"] < 1e-6 and yes["rho_mean"] > 0.5 and yes["p_wilcoxon"] < 1e-6
    no = f08.digits_verdict(_digits_records(0.0))
    assert no["p_sign"] > 0.05 and abs(no["rho_mean"]) < 0.3
    rev = f08.digits_verdict(_digits_records(-0.02))
    assert rev["wins"] <= 2 and rev["p_sign"] > 0.99


def test_digits_pairs_use_only_solutions():
    df = pd.DataFrame([{"solved": np.array([True, False, True]), "le_mean": np.array([0.1, 0.0, 0.3]),
                        "test_error": np.array([0.2, 0.9, 0.25])},
                       {"solved": np.array([True, False, False]), "le_mean": np.array([0.1, 0.0, 0.3]),
                        "test_error": np.array([0.2, 0.9, 0.25])}])
    pr = f08.digits_pairs(df)  # the second split has one solution: no pair
    assert pr.shape == (1, 3)
    assert pr[0, 0] == pytest.approx(0.2) and pr[0, 1] == pytest.approx(0.05)


# ------------------------------------------------------------------------------------------------------------
# F7: "the flattest minimizer is at a moderate γ"


def test_flattest_is_moderate_holds_on_an_interior_minimum_and_fails_otherwise():
    rng = np.random.default_rng(1)
    g = [1.0, 2.0, 4.0, 8.0, 16.0]
    solving = np.array([False, True, True, True, True])
    base = np.array([0.05, 0.030, 0.028, 0.034, 0.038])
    vals = base + 0.0005 * rng.standard_normal((12, 5))
    mm = 0.040 + 0.0005 * rng.standard_normal(12)
    ok, best, dl, sl, dm, sm = f07.flattest_is_moderate(vals, mm, g, solving)
    assert ok and best == "γ=4" and dl > 2 * sl and dm > 2 * sm
    # the minimum at the largest γ (values falling with γ): fails
    dec = np.array([0.05, 0.04, 0.035, 0.03, 0.025]) + 0.0005 * rng.standard_normal((12, 5))
    assert f07.flattest_is_moderate(dec, mm, g, solving)[:2] == (False, "γ=16")
    # max margin the flattest: fails
    assert not f07.flattest_is_moderate(vals, mm - 0.02, g, solving)[0]
    # higher is flatter (the local-entropy proxy): the same data negated
    assert f07.flattest_is_moderate(-vals, -mm, g, solving, higher_is_flatter=True)[0]
    # γ = 1 (not a solution) is never the reference, however low its value
    low1 = vals.copy()
    low1[:, 0] = 0.0
    assert f07.flattest_is_moderate(low1, mm, g, solving)[1] == "γ=4"
    # a difference within the noise: fails
    noisy = base + 0.02 * rng.standard_normal((4, 5))
    assert not f07.flattest_is_moderate(noisy, noisy[:, -1] + 0.001, g, solving)[0]


# ------------------------------------------------------------------------------------------------------------
# F9: the flat-side fractions and the checks


def _valley_records(frac, runs=40, seed=0, sd=0.1, gap=1e-4, drift=0.0):
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(runs):
        r = {"grad_norm": 1e-12, "objective_min": 0.03, "objective_swa": 0.03 + gap, "tail_first": 0.031,
             "tail_second": 0.031 + drift + 1e-6 * rng.standard_normal(), "distance": 0.3, "radial_shift": 0.1,
             "norm_min": 7.0}
        for k in f09.KINDS:
            r[f"frac_flat_{k}"] = float(np.clip(frac + sd * rng.standard_normal(), 0, 1))
            r[f"n_asym_{k}"] = 100
            r[f"mean_abs_index_{k}"] = 0.01
            r[f"frac_flat_{k}_tangent"] = 0.5
        r["frac_flat_sign_consistent_raw"] = 0.1
        rows.append(r)
    return pd.DataFrame(rows)


def test_f9_full_checks_hold_fail_and_state_the_error_bar():
    good = {c.text: c for c in f09.check({"valleys": _valley_records(0.7)}, "full")}
    beyond = [c for t, c in good.items() if t.startswith("beyond the norm")]
    assert len(beyond) == 1 and not beyond[0].holds  # the sign-consistent fraction (0.7) is radial-free here
    assert all(c.holds for t, c in good.items() if not t.startswith("beyond")), [c.line() for c in good.values()]
    assert any("SE" in c.detail and "80 % power" in c.detail for c in good.values())
    gauss = [c for t, c in good.items() if t.startswith("Gaussian")][0]
    assert "radial part of θ_SWA − θ* removed: 0.50 ± 0.00" in gauss.detail
    null = f09.check({"valleys": _valley_records(0.5)}, "full")
    verdicts = [c for c in null if "flat side more often than not" in c.text]
    assert len(verdicts) == len(f09.KINDS) and not any(c.holds for c in verdicts)
    assert [c for c in null if c.text.startswith("beyond the norm")][0].holds
    # too few runs for the error bar: the power claim fails
    few = f09.check({"valleys": _valley_records(0.7, runs=3, sd=0.3)}, "full")
    assert not [c for c in few if c.text.startswith("power")][0].holds
    # a reference that SWA undercuts (E(θ_SWA) < E(θ*)): not a minimizer, the first claim fails
    bad = f09.check({"valleys": _valley_records(0.7, gap=-1e-4)}, "full")
    assert not bad[0].holds
    falling = f09.check({"valleys": _valley_records(0.7, drift=-1e-3)}, "full")
    assert not falling[0].holds


def test_f9_quick_check_is_weaker_and_says_so():
    cl = f09.check({"valleys": _valley_records(0.5, runs=3, sd=0.02)}, "quick")
    assert all(c.holds for c in cl)
    assert any("quick mode" in c.text for c in cl)
    off = f09.check({"valleys": _valley_records(0.9, runs=3, sd=0.01)}, "quick")
    assert not off[-1].holds  # the tangential null far from 1/2 fails even in quick mode


def test_f9_fractions_skip_runs_without_directions():
    df = pd.DataFrame({"frac_flat_gaussian": [0.6, np.nan, 0.8]})
    v, m, se = f09.fractions(df, "gaussian")
    assert v.size == 2 and m == pytest.approx(0.7) and se == pytest.approx(np.std([0.6, 0.8], ddof=1) / np.sqrt(2))


# ------------------------------------------------------------------------------------------------------------
# the experiments at toy size


def test_fig_ce_sphere_records_converged_minimizers():
    rec = E.run("fig-ce-sphere", {"n": 31, "alpha": 1.0, "gammas": [4.0, 1.0, 2.0], "n_draws": 20}, 3)
    np.testing.assert_array_equal(rec["gamma"], [1.0, 2.0, 4.0])  # ascending (continuation)
    assert rec["converged"].all() and np.all(rec["grad_norm"] <= 1e-8) and rec["mm_kkt"] < 1e-9
    assert np.all(np.diff(rec["kappa_min"]) > 0) and rec["kappa_min"][-1] <= rec["mm_kappa"] + 1e-12
    assert rec["le_error"].shape == (3, 5) and rec["proxy"].shape == (3, 3)
    assert np.all(rec["proxy"] <= 0)  # a log-probability
    rec2 = E.run("fig-ce-sphere", {"n": 31, "alpha": 1.0, "gammas": [4.0, 1.0, 2.0], "n_draws": 20}, 3)
    np.testing.assert_array_equal(rec["le_error"], rec2["le_error"])
    with pytest.raises(ValueError, match="gammas"):
        E.get("fig-ce-sphere").validate({"gammas": [1.0, -2.0]}, 0)


def test_fig_digits_minima_pairs_algorithms_on_one_split():
    rec = E.run("fig-digits-minima", {"p_train": 20, "methods": ["perceptron", "sa"],
                                      "method_options": [{}, {"max_sweeps": 500}], "n_draws": 50}, 2)
    assert rec["solved"].shape == (2,) and rec["le"].shape == (2, 5) and rec["p_test"] == 1797 - 20
    assert np.all((rec["test_error"] >= 0) & (rec["test_error"] <= 1))
    with pytest.raises(ValueError, match="methods"):
        E.get("fig-digits-minima").validate({"methods": ["sa"], "method_options": []}, 0)
    with pytest.raises(ValueError, match="p_train"):
        E.get("fig-digits-minima").validate({"methods": ["sa"], "method_options": [{}], "p_train": 5000}, 0)


def test_fig_swa_minimizer_reference_is_certified():
    rec = E.run("fig-swa-minimizer", {"n": 8, "k": 2, "steps": 300, "swa_steps": 400, "batch": 4, "swa_lr": 0.3,
                                      "n_dirs": 10, "asym_index": 0.0, "kinds": ["gaussian", "sign_consistent"]}, 1)
    assert rec["converged"] and rec["grad_norm"] <= 1e-8
    assert rec["objective_swa"] > rec["objective_min"]
    assert rec["n_asym_gaussian"] == 10 and rec["n_agree_gaussian"] == round(10 * rec["frac_flat_gaussian"])
    assert "frac_flat_sign_consistent_raw" in rec and rec["profile_gaussian"].shape == (3, 21)

"""Figures: registry and specs, the ``wfm figures`` command, and every figure's claim in quick mode.

Each figure's quick run happens once per test session (module-scoped fixtures sharing one store and one process
pool); its claim test then asserts every claim the figure makes (wfm/figures/catalog.py). The heavier quick runs
are marked ``slow`` (``pytest -m slow``); ``wfm figures --quick`` runs all of them.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from wfm.cli import main
from wfm.figures import core
from wfm.figures.catalog import _f1_check, _f10_check, ball_entropy, mean_by_gamma, s_at

KEYS = [f"F{i}" for i in range(1, 12)]


# ------------------------------------------------------------------------------------------------------------
# registry, specs, command line (fast)


def test_registry_has_all_figures_with_scripts_and_specs():
    from wfm.sweep import load_spec

    figs = core.figures()
    assert list(figs) == KEYS
    for key, f in figs.items():
        assert f.filename.startswith(f"f{f.number:02d}_") and f.filename.endswith(".png")
        assert f.sizes["quick"] and f.sizes["full"] and f.establishes
        for mode in core.MODES:
            specs = f.specs(mode)
            assert specs, (key, mode)
            for part, spec in specs.items():
                assert len(load_spec(spec).tasks()) >= 1, (key, mode, part)  # validates every task's parameters
        assert f.n_tasks("full") >= f.n_tasks("quick")


def test_scripts_exist_and_are_thin():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    for f in core.figures().values():
        text = (root / "scripts" / f"{f.stem}.py").read_text()
        assert f'"--only", "{f.key}"' in text


def test_parse_only():
    assert core.parse_only(None) == KEYS
    assert core.parse_only("f5,F4, F4") == ["F4", "F5"]
    with pytest.raises(ValueError, match="F12"):
        core.parse_only("F12")


def test_cli_list_and_bad_input(capsys):
    assert main(["figures", "--list", "--only", "F1,F10"]) == 0
    out = capsys.readouterr().out
    assert "f01_theory.png" in out and "f10_reparametrization.png" in out
    assert main(["figures", "--only", "F99", "--out", "/nonexistent-dir-wfm"]) == 2
    assert "F99" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["figures", "--quick", "--full"])
    assert exc.value.code == 2


# ------------------------------------------------------------------------------------------------------------
# the checks can fail: doctored records


def test_f10_check_fails_on_a_non_invariant_measure():
    good = pd.DataFrame({"ratio_local_energy_mult": [1.0], "ratio_lambda_max": [900.0], "max_loss_change": [0.0]})
    assert all(c.holds for c in _f10_check({"orbit": good}, "quick"))
    bad = good.assign(ratio_local_energy_mult=[1.01], ratio_lambda_max=[3.0])
    held = [c.holds for c in _f10_check({"orbit": bad}, "quick")]
    assert held == [True, False, False]


def test_f1_check_fails_on_wrong_capacity():
    x = np.linspace(-1, 1, 5)
    ent = pd.DataFrame({"kappa": [0.0], "x": [np.linspace(0.01, 1, 5)], "y": [np.array([0.69, 0.5, 0.3, 0.1, -0.1])]})
    bc = pd.DataFrame({"x": [x], "y": [np.array([3.0, 1.5, 0.9, 0.5, 0.3])]})  # α_c(0) = 0.9: wrong
    sc = pd.DataFrame({"x": [x], "y": [np.array([6.0, 3.5, 2.0, 1.2, 0.8])]})
    claims = {c.text: c.holds for c in _f1_check({"entropy": ent, "binary_capacity": bc, "spherical_capacity": sc},
                                                  "quick")}
    assert claims["binary α_c(0) = 0.833"] is False
    assert claims["spherical α_c(0) = 2 (Gardner/Cover)"] is True


def test_missing_records_are_a_failing_claim_not_a_crash():
    claims = _f10_check({"orbit": pd.DataFrame()}, "quick")
    assert len(claims) == 1 and not claims[0].holds


def test_curve_helpers():
    # mean over seeds at each γ; interpolation in log d; exact ball entropy from distance counts
    rows = pd.DataFrame({"gamma": [np.array([0.0, 1.0]), np.array([0.0, 1.0])],
                         "d": [np.array([0.2, 0.02]), np.array([0.4, 0.04])],
                         "s": [np.array([0.3, 0.05]), np.array([0.5, 0.07])]})
    d, s, se, c = mean_by_gamma(rows)
    np.testing.assert_allclose(d, [0.3, 0.03])
    np.testing.assert_allclose(s, [0.4, 0.06])
    assert list(c) == [2, 2]
    assert np.isnan(s_at(d, s, 0.001))
    np.testing.assert_allclose(s_at([0.01, 0.1], [0.0, 1.0], 10 ** -1.5), 0.5)
    n = 10
    counts = np.array([1, 3, 5])  # distances 0, 1, 2
    k = np.arange(3)
    ex = pd.DataFrame({"d": [k / n], "s": [np.log(counts) / n]})
    np.testing.assert_allclose(ball_entropy(ex, n, 2)[0], np.log(1 + 8) / n)


# ------------------------------------------------------------------------------------------------------------
# claims in quick mode: one run per figure, shared store and pool


@pytest.fixture(scope="module")
def quick_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures")
    with core._local_pool(None) as pool:
        yield {"store": str(root / "figs.sqlite"), "out": str(root), "pool": pool, "results": {}}


def _quick(env, key):
    if key not in env["results"]:
        env["results"][key] = core.run_figure(core.get(key), "quick", env["store"], env["out"], executor=env["pool"])
    return env["results"][key]


def _assert_claims(res):
    import os

    assert res.path and os.path.getsize(res.path) > 10_000
    assert res.failed == 0
    assert res.claims
    bad = [c.line() for c in res.claims if not c.holds]
    assert not bad, bad


@pytest.mark.parametrize("key", ["F1", "F3", "F6", "F9", "F10"])
def test_claims_quick(quick_env, key):
    _assert_claims(_quick(quick_env, key))


@pytest.mark.slow
@pytest.mark.parametrize("key", ["F2", "F4", "F5", "F7", "F8", "F11"])
def test_claims_quick_slow(quick_env, key):
    _assert_claims(_quick(quick_env, key))


def test_rerun_skips_finished_tasks_and_cli_writes_claims(quick_env, capsys):
    _quick(quick_env, "F10")
    code = main(["figures", "--quick", "--only", "F10", "--store", quick_env["store"], "--out", quick_env["out"],
                 "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "1 tasks (0 run, 0 failed)" in out
    claims = json.loads(open(f"{quick_env['out']}/claims_quick.json").read())
    assert claims["F10"]["claims"] and all(c["holds"] for c in claims["F10"]["claims"])

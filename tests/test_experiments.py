"""The experiment registry: declared parameters, validation, records."""
from typing import Literal

import numpy as np
import pytest

import wfm
from wfm import experiments as E
from wfm.experiments import registry as R


def test_registry_lists_the_machinery_experiments():
    for name in ("echo", "sleep", "cpu"):
        assert name in E.names()
        assert E.get(name).seeded


def test_unknown_experiment_names_the_known_ones():
    with pytest.raises(ValueError, match=r"experiment='nope'.*'echo'"):
        E.get("nope")


def test_signature_declares_required_and_optional():
    @E.experiment("_t_decl")
    def f(*, n: int, alpha: float = 0.5, mode: Literal["a", "b"] = "a", ds: list[float] | None = None):
        return {"out": n * alpha}

    try:
        exp = E.get("_t_decl")
        assert exp.required == ("n",) and set(exp.optional) == {"alpha", "mode", "ds"} and not exp.seeded
        assert exp.validate({"n": 3, "alpha": 1}) == {"n": 3, "alpha": 1.0}
        assert isinstance(exp.validate({"n": 3, "alpha": 1})["alpha"], float)
        assert exp.validate({"n": np.int64(3), "ds": (1, 2.5)}) == {"n": 3, "ds": [1.0, 2.5]}
        with pytest.raises(TypeError, match="requires parameter.*n"):
            exp.validate({})
        with pytest.raises(TypeError, match=r"unknown parameter\(s\) bogus"):
            exp.validate({"n": 1, "bogus": 2})
        with pytest.raises(TypeError, match="n must be an integer"):
            exp.validate({"n": 1.5})
        with pytest.raises(TypeError, match="n must be an integer"):
            exp.validate({"n": True})
        with pytest.raises(ValueError, match="mode='c' is not allowed"):
            exp.validate({"n": 1, "mode": "c"})
        with pytest.raises(ValueError, match="alpha must be finite"):
            exp.validate({"n": 1, "alpha": float("nan")})
        with pytest.raises(TypeError, match="deterministic and takes no seed"):
            exp.validate({"n": 1}, seed=3)
        rec = E.run("_t_decl", {"n": 2})
        assert rec["out"] == 1.0 and rec["seed"] is None
    finally:
        R._REGISTRY.pop("_t_decl")


def test_registration_errors():
    with pytest.raises(ValueError, match="already registered"):
        E.experiment("echo")(lambda *, seed: {})
    with pytest.raises(TypeError, match="keyword-only"):
        E.experiment("_t_pos")(lambda n: {})
    with pytest.raises(ValueError, match="reserved"):
        E.experiment("_t_res")(lambda *, host: {})
    assert "_t_pos" not in E.names() and "_t_res" not in E.names()


def test_seed_is_required_and_checked_for_seeded_experiments():
    with pytest.raises(TypeError, match="needs seed"):
        E.get("echo").validate({})
    with pytest.raises(TypeError, match="needs seed"):
        E.get("echo").validate({}, seed=-1)
    with pytest.raises(TypeError, match="'seed' is not a parameter"):
        E.get("echo").validate({"seed": 1}, seed=1)


def test_record_carries_metadata_and_is_reproducible():
    a = E.run("echo", {"x": 2, "size": 4}, seed=5)
    b = E.run("echo", {"size": 4, "x": 2.0}, seed=5)
    c = E.run("echo", {"x": 2, "size": 4}, seed=6)
    for key in ("experiment", "params", "seed", "hash", "version", "host", "wall_time"):
        assert key in a
    assert a["version"] == wfm.__version__ and a["params"] == {"x": 2.0, "size": 4}
    assert a["hash"] == b["hash"] == E.task_hash("echo", {"x": 2.0, "size": 4}, 5)
    np.testing.assert_array_equal(a["z"], b["z"])
    assert a["u"] == b["u"] and a["u"] != c["u"] and a["hash"] != c["hash"]
    assert a["z"].shape == (4,)


def test_cpu_experiment_is_deterministic_integer_work():
    a = E.run("cpu", {"size": 20, "repeats": 3}, seed=1)
    b = E.run("cpu", {"size": 20, "repeats": 3}, seed=1)
    assert a["trace"] == b["trace"] and a["row_sums"].dtype == np.int64
    np.testing.assert_array_equal(a["row_sums"], b["row_sums"])
    # naive reference of the same recurrence
    rng = np.random.default_rng(np.random.SeedSequence(1))
    m = rng.choice(np.array([-1, 1], dtype=np.int64), size=(20, 20))
    x, tr = m.copy(), 0
    for _ in range(3):
        x = np.array([[sum(int(m[i, k]) * int(x[k, j]) for k in range(20)) % 1_000_003 for j in range(20)]
                      for i in range(20)])
        tr = (tr + int(np.trace(x))) % 1_000_003
    assert a["trace"] == tr
    np.testing.assert_array_equal(a["row_sums"], x.sum(axis=1))


def test_failing_experiments_raise():
    with pytest.raises(RuntimeError, match="asked to fail"):
        E.run("echo", {"fail": True}, seed=0)
    with pytest.raises(RuntimeError, match="asked to fail"):
        E.run("sleep", {"seconds": 0.0, "fail": True}, seed=0)


def test_check_result_rejects_bad_outputs():
    with pytest.raises(TypeError, match="must return a dict"):
        E.check_result("x", [1], {})
    with pytest.raises(ValueError, match="'n'.*parameter or reserved"):
        E.check_result("x", {"n": 1}, {"n": 1})
    with pytest.raises(ValueError, match="'host'"):
        E.check_result("x", {"host": 1}, {})
    with pytest.raises(TypeError, match="result 'o'"):
        E.check_result("x", {"o": object()}, {})
    with pytest.raises(TypeError, match="unsupported dtype object"):
        E.check_result("x", {"o": np.array([None, 1])}, {})
    out = E.check_result("x", {"a": np.float32(1.5), "b": [1, 2], "c": None, "d": np.bool_(True)}, {})
    assert out["a"] == 1.5 and type(out["a"]) is float and out["b"].tolist() == [1, 2] and out["d"] is True


def test_task_hash_is_stable_and_canonical():
    # fixed value: the hash must not change across runs, machines or versions of wfm; it is the sha256 of the
    # canonical JSON of the identity (experiment, version, every parameter with its default, seed)
    assert (E.task_hash("echo", {"x": 0.5, "size": 3}, 7)
            == "527468d7c6911e0c40ced7667787de084fd6f671d3c8322757e8fa2783315dca")
    h = lambda p, s=0, e="e": E.content_hash({"experiment": e, "params": p, "seed": s})  # noqa: E731
    assert h({"a": 1, "b": 0.1}) == h({"b": 0.1, "a": 1.0})
    assert h({"a": -0.0}) == h({"a": 0})
    assert h({"a": np.float64(0.1)}) == h({"a": 0.1})
    assert h({"a": 0.1}) != h({"a": float(np.nextafter(0.1, 1))})
    assert h({"a": True}) != h({"a": 1})
    assert h({"a": 1}) != h({"a": 1}, 1)
    assert h({"a": 1}) != h({"a": 1}, e="f")
    assert E.canonical_json({"b": [1.0, 2.5], "a": "s"}) == '{"a":"s","b":[1,2.5]}'
    with pytest.raises(ValueError, match="finite"):
        E.canonical_json({"a": float("inf")})


# ------------------------------------------------------------------------------------- scientific experiments


def test_scientific_experiments_are_registered():
    for name in ("solve", "local-entropy", "local-energy", "hessian", "theory", "exact"):
        assert name in E.names()
    assert not E.get("theory").seeded and E.get("solve").seeded


def test_solve_record_matches_a_direct_call():
    rec = E.run("solve", {"n": 51, "alpha": 0.3, "options": {"max_sweeps": 500}}, seed=4)
    model = wfm.Perceptron(51)
    pats = wfm.random_patterns(51, alpha=0.3, seed=4)
    res = wfm.solve(model, pats, method="sa", seed=4, max_sweeps=500)
    assert rec["solved"] == res.solved and rec["n_errors"] == res.n_errors and rec["iterations"] == res.iterations
    np.testing.assert_array_equal(rec["weights"], res.weights)
    assert rec["p"] == pats.p == 15 and rec["train_error"] == res.n_errors / 15
    stab = model.stabilities(res.weights, pats)
    assert rec["stability_min"] == stab.min() and (rec["stability_min"] > 0) == rec["solved"]
    # data_seed fixes the instance while the solver seed varies
    a = E.run("solve", {"n": 51, "alpha": 0.3, "data_seed": 9, "keep_weights": False}, seed=1)
    b = E.run("solve", {"n": 51, "alpha": 0.3, "data_seed": 9, "keep_weights": False}, seed=2)
    assert "weights" not in a and a["p"] == b["p"]


def test_instance_experiments_validate_before_running():
    from wfm.sweep import load_spec

    with pytest.raises(ValueError, match="needs k"):
        load_spec({"experiment": "solve", "params": {"n": 51, "alpha": 0.3, "model": "tree"}})
    with pytest.raises(ValueError, match="perceptron takes no k"):
        load_spec({"experiment": "solve", "params": {"n": 51, "alpha": 0.3, "k": 3}})
    with pytest.raises(ValueError, match="method='nope' is not allowed"):
        load_spec({"experiment": "solve", "params": {"n": 51, "alpha": 0.3, "method": "nope"}})
    with pytest.raises(TypeError, match="unknown option.*bogus"):
        load_spec({"experiment": "solve", "params": {"n": 51, "alpha": 0.3, "options": {"bogus": 1}}})
    with pytest.raises(ValueError, match="alpha must be > 0"):
        load_spec({"experiment": "hessian", "grid": {"n": [51], "alpha": [0.3, -1.0]}})
    with pytest.raises(ValueError, match="odd"):
        load_spec({"experiment": "exact", "params": {"n": 14, "alpha": 0.3}})
    with pytest.raises(ValueError, match="weights='spherical' is not allowed"):
        load_spec({"experiment": "exact", "params": {"n": 15, "alpha": 0.3, "weights": "spherical"}})


def test_theory_experiment():
    assert E.run("theory", {"quantity": "gardner_capacity"})["value"] == pytest.approx(2.0)
    rec = E.run("theory", {"quantity": "binary_entropy", "alpha": 0.5})
    assert rec["value"] == pytest.approx(wfm.theory.binary_entropy(0.5)) and rec["warnings"] == ""
    with pytest.raises(ValueError, match="needs alpha"):
        E.get("theory").validate({"quantity": "max_margin"})
    with pytest.raises(ValueError, match="takes no alpha"):
        E.get("theory").validate({"quantity": "gardner_capacity", "alpha": 1.0})
    with pytest.raises(TypeError, match="no seed"):
        E.get("theory").validate({"quantity": "gardner_capacity"}, seed=0)


def test_exact_experiment_counts_match_enumeration():
    rec = E.run("exact", {"n": 15, "alpha": 0.4, "reference": "solve"}, seed=3)
    model = wfm.Perceptron(15)
    pats = wfm.random_patterns(15, alpha=0.4, seed=3)
    assert rec["n_solutions"] == wfm.exact.count_solutions(model, pats) > 0
    assert rec["counts"].sum() == rec["n_solutions"] and rec["counts"].dtype == np.int64
    assert rec["solved"] and rec["counts"][0] == 1  # the reference is a solution
    np.testing.assert_array_equal(rec["d"], np.arange(16) / 15)
    assert rec["entropy"] == pytest.approx(np.log(rec["n_solutions"]) / 15)


def test_local_entropy_experiment_exact_estimator_matches_direct_call():
    rec = E.run("local-entropy", {"n": 21, "alpha": 0.3, "estimator": "exact"}, seed=2)
    model, pats = wfm.Perceptron(21), wfm.random_patterns(21, alpha=0.3, seed=2)
    res = wfm.solve(model, pats, method="sa", seed=2)
    curve = wfm.local_entropy(model, pats, res.weights, method="exact")
    np.testing.assert_array_equal(rec["d"], curve.d)
    np.testing.assert_array_equal(rec["s"], curve.s)
    assert rec["d"][0] == 0 and rec["s"][0] == 0  # the reference itself: one solution at distance 0


def test_local_energy_and_hessian_experiments():
    rec = E.run("local-energy", {"n": 51, "alpha": 0.3, "scales": [0.0, 0.1], "n_draws": 10}, seed=1)
    assert rec["solved"] and rec["base_error"] == 0 and rec["error_mean"][0] == 0 and rec["noise_used"] == "flip"
    assert rec["error_mean"].shape == (2,) and rec["error_mean"][1] > 0
    h = E.run("hessian", {"n": 31, "alpha": 0.3, "gamma": 2.0, "spectrum": "dense"}, seed=1)
    model, pats = wfm.Perceptron(31), wfm.random_patterns(31, alpha=0.3, seed=1)
    res = wfm.solve(model, pats, method="sa", seed=1)
    eig = np.linalg.eigvalsh(wfm.landscape.hessian(model, pats, res.weights, wfm.losses.cross_entropy(2.0)))
    assert h["lambda_max"] == pytest.approx(eig.max(), rel=1e-8)
    assert h["eigenvalues"].shape == (31,) and h["spectrum_method"] == "dense"


def test_figure_experiments_are_registered_with_the_registry():
    # importing wfm.experiments registers every experiment module, so a coordinator validating a figure spec knows them
    import wfm.experiments.figures as F

    fig = [n for n in E.names() if n.startswith("fig-")]
    assert "fig-theory" in fig
    assert all(E.get(n).func.__module__ == F.__name__ for n in fig)


def test_figure_experiments_take_method_options_as_a_dict_and_the_margin_by_name():
    sm = E.get("fig-solve-measure")
    base = {"n": 21, "alpha": 0.3, "method": "sa-ce"}
    assert sm.validate({**base, "options": {"max_sweeps": 10}, "margin": 0.1}, 0)["options"] == {"max_sweeps": 10}
    with pytest.raises(TypeError, match="options"):
        sm.validate({**base, "options": '{"max_sweeps": 10}'}, 0)  # a JSON string is no longer accepted
    with pytest.raises(TypeError, match="unknown option.*nope"):
        sm.validate({**base, "options": {"nope": 1}}, 0)
    with pytest.raises(ValueError, match="uniform"):
        sm.validate({**base, "method": "uniform", "options": {"max_sweeps": 1}}, 0)
    with pytest.raises(TypeError, match="kappa"):
        sm.validate({**base, "kappa": 0.1}, 0)  # the solver's margin is `margin`
    with pytest.raises(ValueError, match="k"):
        sm.validate({**base, "model": "tree-sign"}, 0)  # a committee needs k
    cont = E.get("fig-continuous")
    assert cont.validate({"options": {"ce_gamma": 2.0}}, 0)["options"] == {"ce_gamma": 2.0}
    with pytest.raises(TypeError, match="options"):
        cont.validate({"options": '{"gamma": 2.0}'}, 0)


def test_fig_solve_measure_draws_its_instance_and_solver_seed_from_the_task_seed():
    # instance: Instance(data_seed=seed, data_seed_key=(0,)) (child 0 of SeedSequence(seed)); solver: child 1
    from wfm.instance import Instance

    seed = 5
    rec = E.run("fig-solve-measure", {"model": "tree-sign", "k": 3, "n": 21, "alpha": 0.3, "method": "sa-ce",
                                      "options": {"max_sweeps": 300}, "teacher": True, "p_test": 200,
                                      "keep_weights": True}, seed)
    inst = Instance(model="tree-sign", k=3, n=21, alpha=0.3, teacher=True, p_test=200, data_seed=seed,
                    data_seed_key=(0,))
    model, train, test = inst.build_with_test()
    solver_seed = int(np.random.SeedSequence(seed).spawn(3)[1].generate_state(1)[0])
    res = wfm.solve(model, train, method="sa-ce", seed=solver_seed, max_sweeps=300)
    assert rec["p"] == train.p == inst.p and rec["n_weights"] == model.n_weights
    assert rec["solved"] == res.solved and rec["solved"]
    np.testing.assert_array_equal(rec["weights"], np.asarray(res.weights).reshape(-1).astype(np.int8))
    assert rec["test_error"] == model.errors(res.weights, test) / test.p


def test_fig_solve_measure_margin_is_the_solvers():
    from wfm.instance import Instance

    rec = E.run("fig-solve-measure", {"n": 51, "alpha": 0.2, "method": "sa-ce", "margin": 0.3, "keep_weights": True},
                2)
    model, pats = Instance(n=51, alpha=0.2, margin=0.3, data_seed=2, data_seed_key=(0,)).build()
    w = rec["weights"].astype(float)
    assert rec["solved"] and rec["solves_margin0"]
    assert model.errors(w, pats) == 0  # every stability exceeds the margin κ = 0.3
    assert np.min(model.stabilities(w, pats)) > 0.3

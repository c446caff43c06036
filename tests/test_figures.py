"""Figures: registry and specs, structure, style, the README gallery, the ``wfm figures`` command, and every
figure's claims in quick mode.

Each figure's quick run happens once per test session (module-scoped fixtures sharing one store and one process
pool, all in a temporary directory: never the committed gallery figures/); its claim test then asserts every
claim the figure makes (wfm/figures/fNN_*.py). The heavier quick runs are marked ``slow`` (``pytest -m slow``);
``wfm figures --quick`` runs all of them.
"""
from __future__ import annotations

import ast
import json
import os
import pathlib

import numpy as np
import pandas as pd
import pytest

from wfm.cli import main
from wfm.figures import core, gallery, style
from wfm.figures import f01_theory as f01
from wfm.figures import f10_reparametrization as f10
from wfm.figures.analysis import ball_entropy, ball_entropy_bound, mean_by_gamma, option, s_at

KEYS = [f"F{i}" for i in range(1, 12)]
ROOT = pathlib.Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------------------------------------
# registry, specs, structure (fast)


def test_registry_has_all_figures_with_modules_scripts_and_specs():
    from wfm.sweep import load_spec

    figs = core.figures()
    assert list(figs) == KEYS
    for key, f in figs.items():
        assert f.filename.startswith(f"f{f.number:02d}_") and f.filename.endswith(".png")
        assert f.pdf_filename == f.stem + ".pdf"
        assert (ROOT / "wfm" / "figures" / f"{f.stem}.py").exists()  # one module per figure, named like its file
        assert f.sizes["quick"] and f.sizes["full"] and f.establishes
        for mode in core.MODES:
            specs = f.specs(mode)
            assert specs, (key, mode)
            for part, spec in specs.items():
                assert len(load_spec(spec).tasks()) >= 1, (key, mode, part)  # validates every task's parameters
        assert f.n_tasks("full") >= f.n_tasks("quick")


def test_scripts_exist_and_are_thin():
    for f in core.figures().values():
        text = (ROOT / "scripts" / f"{f.stem}.py").read_text()
        assert f'"--only", "{f.key}"' in text
        assert f"wfm/figures/{f.stem}.py" in text


def test_method_options_are_dicts_in_every_spec():
    for f in core.figures().values():
        for mode in core.MODES:
            for spec in f.specs(mode).values():
                values = [spec.get("params", {}).get("options")]
                for block in ("grid", "zip"):
                    values += list(spec.get(block, {}).get("options", []))
                assert all(v is None or isinstance(v, dict) for v in values), (f.key, mode)


def _imports_within(package_dir: pathlib.Path, package: str) -> dict:
    """{module: modules of the same package it imports} from the source (module- and function-level imports)."""
    graph = {}
    for path in package_dir.glob("*.py"):
        mod = path.stem
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    deps.update([node.module] if node.module else [a.name for a in node.names])
                elif node.module and node.module.startswith(package + "."):
                    deps.add(node.module[len(package) + 1:].split(".")[0])
            elif isinstance(node, ast.Import):
                deps.update(a.name[len(package) + 1:].split(".")[0] for a in node.names
                            if a.name.startswith(package + "."))
        graph[mod] = {d.split(".")[0] for d in deps} - {mod}
    return graph


def test_no_import_cycle_inside_the_figures_package():
    graph = _imports_within(ROOT / "wfm" / "figures", "wfm.figures")
    graph.pop("__init__")  # the package imports every figure module to register them; nothing imports it back
    state = {}

    def visit(m, stack):
        state[m] = "open"
        for d in graph.get(m, ()):
            assert state.get(d) != "open", f"import cycle in wfm.figures: {' -> '.join(stack + [m, d])}"
            if d not in state:
                visit(d, stack + [m])
        state[m] = "done"

    for m in graph:
        if m not in state:
            visit(m, [])
    # the machinery below the figures does not know them
    for low in ("core", "analysis", "style", "shared"):
        assert not any(d.startswith("f") and d[1:3].isdigit() for d in graph[low]), (low, graph[low])
    assert not (ROOT / "wfm" / "plotting.py").exists()


def test_parse_only():
    assert core.parse_only(None) == KEYS
    assert core.parse_only("f5,F4, F4") == ["F4", "F5"]
    with pytest.raises(ValueError, match="F12"):
        core.parse_only("F12")
    with pytest.raises(ValueError, match="mode"):
        core.by_mode("medium", 1, 2)


def test_runner_defaults_keep_the_committed_gallery_untouched():
    # the run directory is not the committed gallery, is git-ignored, and holds the store by default
    assert core.DEFAULT_OUT != "figures" and not core.DEFAULT_OUT.startswith("figures" + os.sep)
    assert core.DEFAULT_STORE == os.path.join(core.DEFAULT_OUT, core.STORE_NAME)
    assert f"{core.DEFAULT_OUT}/" in (ROOT / ".gitignore").read_text().splitlines()
    import inspect

    for fn in (core.run, core.run_figure):
        sig = inspect.signature(fn)
        assert sig.parameters["out"].default == core.DEFAULT_OUT
        assert sig.parameters["store"].default is None  # -> out/wfm_figures.sqlite
        assert sig.parameters["progress"].default is True


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
    assert all(c.holds for c in f10.check({"orbit": good}, "quick"))
    bad = good.assign(ratio_local_energy_mult=[1.01], ratio_lambda_max=[3.0])
    held = [c.holds for c in f10.check({"orbit": bad}, "quick")]
    assert held == [True, False, False]


def _f1_records(alpha_c0=0.8331):
    """Entropy curves s(α; κ) = ln 2 (1 − α/α_c(κ)) and capacity curves with α_c(0) = ``alpha_c0``."""
    kx = np.linspace(f01.KAPPA_LO, f01.KAPPA_HI, 41)
    bin_c = alpha_c0 * np.exp(-1.2 * kx)
    sph_c = 2.0 * np.exp(-1.2 * kx)
    ax = np.linspace(f01.ALPHA_LO, f01.ALPHA_HI, 100)
    ent = pd.DataFrame({"kappa": f01.KAPPAS,
                        "x": [ax] * len(f01.KAPPAS),
                        "y": [np.log(2) * (1 - ax / np.interp(k, kx, bin_c)) for k in f01.KAPPAS]})
    return {"entropy": ent, "binary_capacity": pd.DataFrame({"x": [kx], "y": [bin_c]}),
            "spherical_capacity": pd.DataFrame({"x": [kx], "y": [sph_c]})}


def test_f1_check_holds_on_consistent_curves_and_fails_on_a_wrong_capacity():
    good = {c.text: c.holds for c in f01.check(_f1_records(), "quick")}
    assert len(good) == 6 and all(good.values())
    bad = {c.text: c.holds for c in f01.check(_f1_records(alpha_c0=0.9), "quick")}  # α_c(0) = 0.9: wrong
    assert bad[f"binary α_c(0) = {f01.ALPHA_C0}"] is False
    assert bad["spherical α_c(0) = 2 (Gardner/Cover)"] is True
    # the capacity curve no longer meets the zero of the entropy curves
    recs = _f1_records()
    recs["binary_capacity"] = recs["binary_capacity"].assign(y=[recs["binary_capacity"]["y"][0] * 1.05])
    texts = {c.text: c.holds for c in f01.check(recs, "quick")}
    assert texts["at every κ of panel (a) the zero of s(α; κ) is the capacity α_c(κ) of panel (b)"] is False


def test_missing_records_are_a_failing_claim_not_a_crash():
    claims = f10.check({"orbit": pd.DataFrame()}, "quick")
    assert len(claims) == 1 and not claims[0].holds


def test_curve_helpers():
    # mean over seeds at each γ; interpolation in log d; exact ball entropy from distance counts
    rows = pd.DataFrame({"gamma": [np.array([0.0, 1.0]), np.array([0.0, 1.0])],
                         "d": [np.array([0.2, 0.02]), np.array([0.4, 0.04])],
                         "s": [np.array([0.3, 0.05]), np.array([0.5, 0.07])]})
    d, s, _, c = mean_by_gamma(rows)
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
    # the ceiling: C(10, 1) + C(10, 2) = 55 configurations at distance 1..2
    np.testing.assert_allclose(ball_entropy_bound(10, 2), np.log(55) / 10)
    opts = pd.DataFrame({"options": [{"gamma": 2.0}, {}, None]})
    assert list(option(opts, "gamma", -1)) == [2.0, -1, -1]


# ------------------------------------------------------------------------------------------------------------
# style


def test_each_algorithm_has_its_own_colour_marker_and_line_style():
    combos = [(c, m, str(ls)) for _, c, m, ls in style.ALGORITHMS.values()]
    assert len(set(combos)) == len(combos)
    used_together = ["fbp", "rsgd", "replicated-sa", "sa-ce", "greedy", "sbpi", "sa", "uniform", "perceptron"]
    for key in ("color", "marker", "linestyle"):
        vals = [str(style.algo(m)[key]) for m in used_together]
        assert len(set(vals)) == len(vals), key
    assert style.variant_label("sa-ce", {"ce_gamma0": 20.0, "ce_gamma1": 20.0}) == "SA on CE (γ = 20)"
    assert style.variant_label("sa-ce", {}) == "SA on CE"


def test_parameter_families_avoid_near_white_and_keep_markers_distinct():
    from matplotlib.colors import to_rgb

    seq = style.sequence(6)
    for st in seq:
        r, g, b = to_rgb(st["color"])
        assert 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.85  # relative luminance: visible on white
    assert len({st["marker"] for st in seq}) == 6 and len({str(st["linestyle"]) for st in seq}) == 6
    assert style.DPI >= 150 and style.RC["font.size"] >= 10


def test_save_writes_png_and_pdf(tmp_path):
    fig, (ax,) = style.new_figure(1, 1, width=4)
    ax.plot([0, 1], [0, 1], **style.algo("fbp"))
    style.footer(fig, "footer")
    png, pdf = style.save(fig, str(tmp_path / "x.png"))
    assert pathlib.Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pathlib.Path(pdf).read_bytes()[:5] == b"%PDF-"
    from matplotlib.image import imread

    w = imread(png).shape[1]
    assert w >= 4 * style.DPI * 0.95  # 4 inches at DPI


# ------------------------------------------------------------------------------------------------------------
# the README gallery is generated from the committed claims files


def test_readme_gallery_is_generated_from_the_committed_run():
    text = (ROOT / "README.md").read_text()
    section = gallery.readme_section(text)
    assert section == gallery.render(ROOT / "figures", rel="figures"), \
        "README gallery differs from the committed claims files: run wfm.figures.gallery.update_readme()"
    for key in KEYS:  # every committed PNG has its caption
        f = core.get(key)
        if (ROOT / "figures" / f.filename).exists():
            assert f"](figures/{f.filename})" in section


def _write_run(directory, mode, key, png_bytes, claims, digest=True):
    f = core.get(key)
    (directory / f.filename).write_bytes(png_bytes)
    entry = {"figure": f.stem, "mode": mode, "sizes": f.sizes[mode], "claims": claims, "failed": 0}
    if digest:
        entry.update(png=f.filename, pdf=f.pdf_filename, png_sha256=style.file_sha256(str(directory / f.filename)))
    path = core.claims_path(directory, mode)
    old = json.loads(path.read_text()) if path.exists() else {}
    old[key] = entry
    path.write_text(json.dumps(old))


def test_gallery_captions_follow_the_png_on_disk(tmp_path):
    claim_q = [{"text": "quick claim", "holds": True, "detail": "x = 1"}]
    claim_f = [{"text": "full claim", "holds": False, "detail": "x = 2"}]
    _write_run(tmp_path, "full", "F10", b"full png", claim_f)
    _write_run(tmp_path, "quick", "F10", b"quick png", claim_q)  # the quick run drew the PNG last
    sel = gallery.select_entries(tmp_path)
    assert list(sel) == ["F10"] and sel["F10"][0] == "quick"
    text = gallery.render(tmp_path, rel="figures")
    assert "quick claim — x = 1" in text and "full claim" not in text and "`--quick`" in text
    # the full run's PNG again: its caption, with its failing claim shown as failing
    _write_run(tmp_path, "full", "F10", b"full png 2", claim_f)
    text = gallery.render(tmp_path, rel="figures")
    assert "✗ **fails** full claim — x = 2" in text and "`--full`" in text
    # a PNG that no recorded run wrote is an error, not a wrong caption
    (tmp_path / core.get("F10").filename).write_bytes(b"edited by hand")
    with pytest.raises(ValueError, match="not the PNG of any run"):
        gallery.render(tmp_path)
    # update_readme replaces only the marked section
    _write_run(tmp_path, "quick", "F10", b"quick png", claim_q)
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n{gallery.START}\nold\n{gallery.END}\nafter\n")
    assert gallery.update_readme(readme, tmp_path)
    new = readme.read_text()
    assert new.startswith("# title\n\nbefore\n") and new.endswith(f"{gallery.END}\nafter\n")
    assert "quick claim" in gallery.readme_section(new)
    assert not gallery.update_readme(readme, tmp_path)  # idempotent


# ------------------------------------------------------------------------------------------------------------
# claims in quick mode: one run per figure, shared store and pool, in a temporary directory


@pytest.fixture(scope="module")
def quick_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures")
    with core._local_pool(None) as pool:
        yield {"store": str(root / "figs.sqlite"), "out": str(root), "pool": pool, "results": {}}


def _quick(env, key):
    if key not in env["results"]:
        env["results"][key] = core.run_figure(core.get(key), "quick", env["store"], env["out"], executor=env["pool"],
                                              progress=False)
    return env["results"][key]


def _assert_claims(res):
    assert res.path and os.path.getsize(res.path) > 10_000
    assert res.pdf and os.path.getsize(res.pdf) > 5_000 and res.pdf.endswith(".pdf")
    assert res.png_sha256 == style.file_sha256(res.path)
    assert not str(pathlib.Path(res.path).resolve()).startswith(str(ROOT / "figures"))
    assert res.failed == 0
    assert res.claims
    bad = [c.line() for c in res.claims if not c.holds]
    assert not bad, bad


@pytest.mark.parametrize("key", ["F1", "F3", "F9", "F10"])
def test_claims_quick(quick_env, key):
    _assert_claims(_quick(quick_env, key))


# F6 runs BP local entropies and fBP on 24 instances since the ReLU BP exists (≈ 8 min on a loaded machine)
@pytest.mark.slow
@pytest.mark.parametrize("key", ["F2", "F4", "F5", "F6", "F7", "F8", "F11"])
def test_claims_quick_slow(quick_env, key):
    _assert_claims(_quick(quick_env, key))


def test_rerun_skips_finished_tasks_and_writes_claims(quick_env, capsys):
    _quick(quick_env, "F10")
    res = core.run("F10", "quick", quick_env["store"], quick_env["out"], workers=1, progress=False)
    out = capsys.readouterr().out
    assert res["F10"].ran == 0 and res["F10"].ok
    assert "1 tasks (0 run, 0 failed)" in out
    assert f"claims: {os.path.abspath(core.claims_path(quick_env['out'], 'quick'))}" in out
    assert f"store: {os.path.abspath(quick_env['store'])}" in out
    claims = json.loads(core.claims_path(quick_env["out"], "quick").read_text())
    entry = claims["F10"]
    assert entry["claims"] and all(c["holds"] for c in entry["claims"])
    assert entry["png"] == "f10_reparametrization.png" and entry["pdf"] == "f10_reparametrization.pdf"
    assert entry["png_sha256"] == style.file_sha256(os.path.join(quick_env["out"], entry["png"]))
    # the same through the command line
    code = main(["figures", "--quick", "--only", "F10", "--store", quick_env["store"], "--out", quick_env["out"],
                 "--workers", "1"])
    assert code == 0 and "1 tasks (0 run, 0 failed)" in capsys.readouterr().out


def test_f5_records_file_round_trip_and_grid_filter(tmp_path):
    """F5 is drawn from a store and/or a records file: rows are merged by task hash, rows of another grid (other
    options) are left out, and the parts follow the task hashes of the --full grid."""
    import pandas as pd

    from wfm.figures import f05_success_probability as f5
    from wfm.sweep import load_spec

    tasks = list(load_spec(f5.FIGURE.specs("full")["sbpi_n1001"]).tasks())[:3]
    rows = [{"method": "sbpi", "n": 1001, "alpha": t.params["alpha"], "seed": t.seed, "options": {},
             "solved": i != 1, "n_errors": int(i == 1), "iterations": 10 + i, "seconds": 0.5, "p": 681,
             "hash": t.hash} for i, t in enumerate(tasks)]
    foreign = dict(rows[0], hash="0" * 64, options={"states": 40})
    path = tmp_path / "records.csv"
    assert f5.merge_records(pd.DataFrame(rows[:2] + [foreign]), path) == 3
    text = path.read_text()
    # a store's frame holds its result columns as float64: only the third row is new
    assert f5.merge_records(pd.DataFrame(rows).astype({"n_errors": float, "iterations": float, "p": float}), path) == 1
    # adding rows leaves the old ones as they were written (integers stay integers: no 681.0)
    assert path.read_text().startswith(text.rstrip("\n").rsplit("\n", 1)[0]) and ",681.0," not in path.read_text()
    back = f5.load_records(path)
    assert len(back) == 4 and back["solved"].tolist().count(False) == 1
    assert {"states": 40} in back["options"].tolist()
    data, failed = f5.full_data(None, path)
    assert failed == 0 and list(data) == ["sbpi_n1001"]
    got = data["sbpi_n1001"]
    assert sorted(got["hash"]) == sorted(t.hash for t in tasks)        # the foreign row is not of the grid
    assert got.set_index("hash").loc[tasks[1].hash, "solved"] == False  # noqa: E712 (numpy bool)
    bad = tmp_path / "bad.csv"
    bad.write_text("method,n\nsbpi,1001\n")
    with pytest.raises(ValueError, match="lacks the columns"):
        f5.load_records(bad)


@pytest.mark.parametrize("a50, holds", [(0.74, True), (0.80, False)])
def test_f5_extrapolation_claim_fails_beyond_the_dense_region_threshold(a50, holds):
    """F5's claim that every extrapolated threshold stays below α_U = 0.78 fails on records whose 50 % point is
    0.80 at both sizes (synthetic records: 20 instances per α, success fraction from a logistic of width 0.01)."""
    import pandas as pd

    from wfm.figures import f05_success_probability as f5

    rows = []
    for n in (1001, 3001):
        for a in np.round(np.arange(a50 - 0.04, a50 + 0.045, 0.02), 3):
            k = int(round(20 / (1 + np.exp((a - a50) / 0.01))))
            rows += [{"method": "fbp", "n": n, "alpha": a, "solved": i < k, "seconds": 1.0} for i in range(20)]
    claims = f5.check({"fbp": pd.DataFrame(rows)}, "full")
    claim = next(c for c in claims if "extrapolated to N → ∞" in c.text)
    assert claim.holds is holds, claim.line()


def test_f5_session_skips_the_tasks_of_a_records_file(tmp_path, monkeypatch):
    """A session run with a records file runs only the tasks whose hash the file does not hold."""
    from wfm.figures import f05_success_probability as f5
    from wfm.sweep import load, load_spec

    spec = f5._spec("sbpi", 51, [0.3, 0.4], 2)
    tasks = list(load_spec(spec).tasks())
    monkeypatch.setattr(f5, "session_parts", lambda: {"sbpi_n51": spec})
    monkeypatch.setattr(f5, "draw", lambda out, records=None: None)
    path = tmp_path / "records.csv"
    f5.merge_records(pd.DataFrame([{"method": "sbpi", "n": 51, "alpha": 0.3, "seed": tasks[0].seed, "options": {},
                                    "solved": True, "n_errors": 0, "iterations": 1, "seconds": 0.1, "p": 15,
                                    "hash": tasks[0].hash}]), path)
    f5.run_session(str(tmp_path / "run"), progress=False, records=str(path))
    df = load(str(tmp_path / "run" / core.STORE_NAME), experiment="fig-solve-measure")
    assert sorted(df["hash"]) == sorted(t.hash for t in tasks[1:])


def test_f5_session_runs_per_alpha_instance_counts(tmp_path, monkeypatch):
    """A SESSION entry with {α: number} runs seeds 0..number−1 at each α (here 1 at α = 0.3, 2 at α = 0.4)."""
    from wfm.figures import f05_success_probability as f5
    from wfm.sweep import load

    monkeypatch.setitem(f5.SESSION, ("sbpi", 51), ([0.3, 0.4], {0.3: 1, 0.4: 2}))
    assert f5.session_counts("sbpi", 51) == {0.3: 1, 0.4: 2}
    monkeypatch.setattr(f5, "session_parts", lambda: {"sbpi_n51": f5._spec("sbpi", 51, [0.3, 0.4], 2)})
    monkeypatch.setattr(f5, "draw", lambda out, records=None: None)
    f5.run_session(str(tmp_path / "run"), progress=False)
    df = load(str(tmp_path / "run" / core.STORE_NAME), experiment="fig-solve-measure")
    assert sorted(zip(df["alpha"], df["seed"])) == [(0.3, 0), (0.4, 0), (0.4, 1)]


def test_f5_budget_limited_size_is_left_out_of_the_extrapolation(monkeypatch):
    """A size whose budget was held below its N-scaling (BUDGET_CAP) does not enter α∞: with three sizes on
    α50 = 0.76 − 0.9 N^(−1/2) and a budget-limited fourth far below the line, α∞ stays 0.76; without the flag the
    fourth point drags it down."""
    from types import SimpleNamespace

    from wfm.figures import f05_success_probability as f5

    th = {("sbpi", n): SimpleNamespace(alpha50=0.76 - 0.9 * n ** -0.5, stderr=0.002, bracketed=True)
          for n in (1001, 3001, 10001)}
    th[("sbpi", 30001)] = SimpleNamespace(alpha50=0.70, stderr=0.002, bracketed=True)
    monkeypatch.setattr(f5, "BUDGET_CAP", {("sbpi", 30001): 1})
    assert abs(f5.extrapolations(th)["sbpi"].alpha_inf - 0.76) < 1e-3
    monkeypatch.setattr(f5, "BUDGET_CAP", {})
    assert f5.extrapolations(th)["sbpi"].alpha_inf < 0.74


def test_f5_coverage_names_the_sizes_not_run_and_the_budget_limited_ones(monkeypatch):
    """The caption's coverage: every --full size of an algorithm that has records but none at that size, and each
    budget-limited size with the budget it ran (the cap) beside its N-scaled one (1000·(10001/1001)^1.5 = 31 580 ->
    31 600); algorithms with no record at all are not listed (the records line already omits them)."""
    from wfm.figures import f05_success_probability as f5

    one = (np.array([0.7]), np.array([1]), np.array([1]), np.array([1.0]))
    tab = {**{("fbp", n): one for n in (1001, 3001, 10001)}, ("sbpi", 1001): one, ("sbpi", 10001): one}
    monkeypatch.setattr(f5, "BUDGET_CAP", {("sbpi", 10001): 3200})
    text = f5.coverage_text(tab, {})
    assert "fBP N=30001" in text and "SBPI N=3001" in text and "greedy" not in text
    assert "SBPI N=10001 (max_epochs 3200, N-scaled 31600)" in text
    monkeypatch.setattr(f5, "BUDGET_CAP", {})
    full = {(m, n): one for m in f5.ALGOS for n in f5.SIZES_FULL[m]}
    assert f5.coverage_text(full, {}) == ""


def test_f5_size_that_solved_nothing_bounds_alpha50_and_can_contradict_the_extrapolation():
    """A size with no solved instance has no logistic fit (thresholds skips it) but bounds α₅₀(N) below its
    smallest α. With α50 = 0.70 − 1.0 N^(−1/2) fitted at N = 1001, 3001 the prediction at N = 10 001 is 0.690: a
    size that solved nothing at α ≥ 0.64 contradicts it, one that solved nothing at α ≥ 0.70 does not."""
    from types import SimpleNamespace

    from wfm.figures import f05_success_probability as f5

    th = {("replicated-sa", n): SimpleNamespace(alpha50=0.70 - 1.0 * n ** -0.5, stderr=0.002, bracketed=True)
          for n in (1001, 3001)}
    none = (np.array([0.64, 0.66, 0.68]), np.zeros(3, int), np.array([2, 3, 6]), np.full(3, np.nan))
    tab = {("replicated-sa", 10001): none}
    assert f5.thresholds(tab) == {}
    assert f5.solved_nothing(tab) == {("replicated-sa", 10001): (0.64, 11)}
    (n, bound, pred), = f5.contradictions(th, tab)["replicated-sa"]
    assert (n, bound) == (10001, 0.64) and abs(pred - (0.70 - 1.0 / np.sqrt(10001))) < 1e-6
    high = (none[0] + 0.06, *none[1:])
    assert f5.contradictions(th, {("replicated-sa", 10001): high}) == {}


def test_f11_flatness_band_interpolates_and_skips_jumps():
    """F11 panel (d): S(d)/H(d) of curves with a constant ratio c is c on the grid (median of 0.6, 0.8, 1.0 is 0.8,
    quartiles 0.7 and 0.9); a curve with a jump (d grows more than 4×) has no value inside the jump, and a point
    where fewer than half the curves have a value is NaN."""
    from wfm.core.special import entropy_bound
    from wfm.figures.f11_parity_machine import _flatness_band

    d = np.geomspace(0.002, 0.1, 12)
    rows = pd.DataFrame({"d": [d, d, d], "s": [c * entropy_bound(d) for c in (0.6, 0.8, 1.0)]})
    grid = np.geomspace(0.003, 0.09, 7)
    med, lo, hi = _flatness_band(rows, grid)
    assert np.allclose(med, 0.8) and np.allclose(lo, 0.7) and np.allclose(hi, 0.9)
    dj = np.r_[0.002, 0.003, 0.05, 0.1]                          # jump 0.003 -> 0.05
    one = pd.DataFrame({"d": [dj], "s": [0.5 * entropy_bound(dj)]})
    med1, _, _ = _flatness_band(one, np.array([0.0025, 0.01, 0.07]))
    assert np.isclose(med1[0], 0.5) and np.isnan(med1[1]) and np.isclose(med1[2], 0.5)
    assert _flatness_band(one.iloc[:0], grid) == (None, None, None)


def test_f5_options_scale_budget_and_hidden_states_above_n_1001():
    """F5's tasks at N = 1001 keep the solver defaults; above, SBPI's epochs grow ∝ N^1.5 and greedy's ∝ N (rounded to
    hundreds: 1000·3^1.5 = 5196 -> 5200, 1000·10001/1001 = 9991 -> 10000) and both name their hidden states (round(40·√3)
    = 69, round(40·√(10001/1001)) = 126)."""
    from wfm.figures import f05_success_probability as f5

    assert f5.options("sbpi", 1001) == {} and f5.options("greedy", 1001) == {}
    assert f5.options("sbpi", 3001) == {"max_epochs": 5200, "states": 69}
    # held below the scaled 31 600 where that does not fit (BUDGET_CAP), and flagged
    assert f5.options("sbpi", 10001) == {"max_epochs": 3200, "states": 126} and f5.budget_limited("sbpi", 10001)
    assert not f5.budget_limited("sbpi", 3001)
    assert f5.options("greedy", 10001) == {"max_epochs": 10000, "states": 126}
    assert f5.options("fbp", 30001) == {"form": "amp", "thermo": False}


def test_f11_unconverged_count_is_unknown_without_the_column():
    """F11's BP convergence count sums the records' ``n_unconverged``; records that do not hold it (made before it
    was recorded) give "?" instead of a silent 0."""
    from wfm.figures.f11_parity_machine import _bp_summary

    empty = np.zeros(0)
    rows = pd.DataFrame({"model": ["parity", "parity"], "method": ["sa", "sa"], "solved": [True, True],
                         "d": [empty, empty], "s": [empty, empty], "n_unconverged": [1, 2]})
    _, unconv = _bp_summary(rows)
    assert unconv[("parity", "sa")][0] == 3 and unconv[("tree-sign", "sa")][0] == 0
    _, unconv = _bp_summary(rows.drop(columns="n_unconverged"))
    assert unconv[("parity", "sa")][0] == "?"
    _, unconv = _bp_summary(rows.assign(n_unconverged=[1.0, np.nan]))
    assert unconv[("parity", "sa")][0] == "?"

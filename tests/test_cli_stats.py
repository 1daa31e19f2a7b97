"""CLI: train --cov-type/--cluster/--offset, predict --interval/--offset, evaluate --json."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from _cli import fail, run  # noqa: E402
from _tables import three_classes  # noqa: E402
from oneneuron import NeuronClassifier, load


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    rng = np.random.default_rng(5)
    n = 200
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["site"] = [f"s{i % 9:02d}" for i in range(n)]
    df["log_exposure"] = np.log(rng.uniform(0.5, 2.0, size=n))
    z = 0.3 + df["a"] - 0.5 * df["b"] + df["log_exposure"]
    df["y"] = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "yes", "no")
    path = tmp_path_factory.mktemp("stats") / "data.csv"
    df.to_csv(path, index=False)
    return path, df


def test_train_cluster_offset_and_predict_interval(table, tmp_path, capsys):
    path, df = table
    model = tmp_path / "m.json"
    argv = ["train", path, "--target", "y", "--model", model, "-q"]
    argv += ["--cov-type", "cluster", "--cluster", "site", "--offset", "log_exposure"]
    assert run(argv, capsys)[0] == 0
    clf = load(model)
    ref = NeuronClassifier(cov_type="cluster").fit(
        df[["a", "b"]], df["y"], cluster=df["site"], offset=df["log_exposure"]
    )
    np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=1e-9)
    assert clf.inference_.extra["n_clusters"] == 9
    out = tmp_path / "p.csv"
    argv = ["predict", model, path, "--out", out, "--interval", 0.9, "--offset", "log_exposure"]
    assert run(argv + ["-q"], capsys)[0] == 0
    got = pd.read_csv(out)
    want = ref.predict_interval(df[["a", "b"]], 0.9, offset=df["log_exposure"])
    for col in ("se_logit", "ci_low", "ci_high"):
        np.testing.assert_allclose(got[col], want[col], rtol=1e-9)
    np.testing.assert_allclose(got["proba_yes"], want["proba"], rtol=1e-9)
    fail(["predict", model, path, "--out", tmp_path / "q.csv"], capsys, "--offset COL")
    code, text, _ = run(["evaluate", model, path, "--json", "--offset", "log_exposure"], capsys)
    assert code == 0 and json.loads(text)["cov_type"] == "cluster"
    code, text, _ = run(
        ["evaluate", model, path, "--odds-ratios", "--offset", "log_exposure"], capsys
    )
    words = " ".join(text.split())  # the caption is folded at 100 columns
    assert code == 0 and "odds_ratio" in text and "cluster-robust sandwich over 9 clusters" in words
    report = tmp_path / "r.html"
    argv = ["evaluate", model, path, "--offset", "log_exposure", "--report", report, "-q"]
    assert run(argv, capsys)[0] == 0
    page = report.read_text()
    assert "Odds ratios" in page and "odds_ratio" in page and "cluster-robust" in page


def test_cli_errors(table, tmp_path, capsys):
    path, _ = table
    model = tmp_path / "m.json"
    base = ["train", path, "--target", "y", "--model", model, "--features", "a", "b"]
    fail(base + ["--cov-type", "cluster"], capsys, "go together")
    fail(
        base + ["--cov-type", "HC1", "--alpha", "0.1"], capsys, "--cov-type HC1 is for unpenalised"
    )
    fail(base + ["--offset", "nope"], capsys, "nope")
    assert run(base + ["-q", "--cov-type", "HC3"], capsys)[0] == 0
    fail(["predict", model, path, "--out", tmp_path / "p.csv", "--interval", 2], capsys, "between")
    fail(
        ["predict", model, path, "--out", tmp_path / "p.csv", "--offset", "log_exposure"],
        capsys,
        "only to models trained with --offset",
    )


def test_train_firth(table, tmp_path, capsys):
    path, df = table
    model = tmp_path / "f.json"
    argv = ["train", path, "--target", "y", "--model", model, "-q", "--firth"]
    assert run(argv + ["--features", "a", "b"], capsys)[0] == 0
    ref = NeuronClassifier(firth=True).fit(df[["a", "b"]], df["y"])
    np.testing.assert_allclose(load(model).summary()["coef"], ref.summary()["coef"], rtol=1e-9)
    argv = ["train", path, "--target", "y", "--model", tmp_path / "g.json", "--firth"]
    fail(argv + ["--alpha", "0.1", "--features", "a"], capsys, "alpha")


@pytest.mark.parametrize(
    "options",
    [
        ["--offset", "log_exposure"],
        ["--offset", "log_exposure", "--cov-type", "HC1"],
        ["--cov-type", "cluster", "--cluster", "site"],
        ["--firth"],
        ["--alpha", "0.05", "--l1-ratio", "1", "--relax"],
    ],
)
def test_train_prints_its_summary_with_every_statistics_option(table, tmp_path, capsys, options):
    """The summary lines (printed without -q) crashed for an offset model: the training
    accuracy predicted without the offset (a traceback, and no model file)."""
    path, _ = table
    model = tmp_path / "m.json"
    code, out, err = run(["train", path, "--target", "y", "--model", model, *options], capsys)
    assert code == 0 and "Traceback" not in err, err
    assert "training accuracy" in out and model.exists()


def test_predict_interval_of_a_penalized_model_notes_laplace(table, tmp_path, capsys):
    path, df = table
    for alpha, noted in (("0.1", True), ("0", False)):
        model = tmp_path / f"m{alpha}.json"
        argv = ["train", path, "--target", "y", "--model", model, "-q", "--alpha", alpha]
        argv += ["--features", "a", "b"]
        assert run(argv, capsys)[0] == 0
        out = tmp_path / f"p{alpha}.csv"
        code, _, err = run(["predict", model, path, "--out", out, "--interval", 0.9], capsys)
        assert code == 0 and ("Laplace" in err) is noted


@pytest.fixture(scope="module")
def frequency_table(tmp_path_factory):
    """A contingency table as R keeps one (UCBAdmissions, Titanic): one row per cell,
    its count in ``n``; a few cells are empty (count 0), as Titanic's are."""
    rng = np.random.default_rng(8)
    cells = pd.DataFrame(
        [(g, x, y) for g in ("a", "b", "c") for x in (0, 1, 2, 3) for y in ("no", "yes")],
        columns=["g", "x", "y"],
    )
    cells["n"] = rng.integers(0, 40, len(cells))
    cells.loc[[2, 9], "n"] = 0
    path = tmp_path_factory.mktemp("freq") / "table.csv"
    cells.to_csv(path, index=False)
    return path, cells


def test_train_weights_fits_a_frequency_table_as_its_rows(frequency_table, tmp_path, capsys):
    """A frequency table (one row per cell, its count a column) could not be fitted from
    the command line: train had no weights, so ``--formula 'y ~ C(g) + x'`` fitted the 24
    cells as 24 people (and without --formula the counts became a feature). ``--weights
    n`` counts each row n times. Oracles: statsmodels' GLM with ``freq_weights`` and the
    same command on the table expanded row by row (coefficients and standard errors)."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    path, cells = frequency_table
    model = tmp_path / "m.json"
    argv = ["train", path, "--formula", "y ~ C(g) + x", "--weights", "n", "--model", model]
    code, out, _ = run(argv, capsys)
    assert code == 0 and f"weights n: {cells['n'].sum()} rows" in out
    clf = load(model)
    data = cells.assign(y=(cells["y"] == "yes").astype(int))
    ref = smf.glm("y ~ C(g) + x", data, family=sm.families.Binomial(), freq_weights=data["n"]).fit(
        tol=1e-12
    )
    table = clf.summary()
    np.testing.assert_allclose(table["coef"], ref.params, rtol=1e-6)
    np.testing.assert_allclose(table["std_err"], ref.bse, rtol=1e-6)
    assert clf.inference_.nobs == cells["n"].sum()
    expanded = tmp_path / "rows.csv"
    cells.loc[cells.index.repeat(cells["n"])].drop(columns="n").to_csv(expanded, index=False)
    rows_model = tmp_path / "rows.json"
    argv = ["train", expanded, "--formula", "y ~ C(g) + x", "--model", rows_model, "-q"]
    assert run(argv, capsys)[0] == 0
    by_rows = load(rows_model).summary()
    np.testing.assert_allclose(table.to_numpy(), by_rows.to_numpy(), rtol=1e-6, atol=1e-12)
    # without --formula the weights column is no feature
    argv = ["train", path, "--target", "y", "--weights", "n", "--model", tmp_path / "p.json"]
    assert run(argv + ["-q"], capsys)[0] == 0
    assert load(tmp_path / "p.json").feature_names_out_.tolist() == ["g[T.b]", "g[T.c]", "x"]


@pytest.mark.parametrize(
    ("cell", "match"),
    [
        (-1, "weights column 'n' has a negative"),
        ("", "weights column 'n' has 1 cell that is missing"),
    ],
)
def test_train_weights_refuses_what_is_no_count(frequency_table, tmp_path, capsys, cell, match):
    path, cells = frequency_table
    bad = tmp_path / "bad.csv"
    cells.astype({"n": object}).assign(n=lambda d: d["n"].where(d.index != 4, cell)).to_csv(
        bad, index=False
    )
    argv = ["train", bad, "--formula", "y ~ x", "--weights", "n", "--model", tmp_path / "m.json"]
    fail(argv, capsys, match)
    argv = ["train", path, "--target", "y", "--weights", "y", "--model", tmp_path / "m.json"]
    fail(argv, capsys, "--weights y is the target column")


def test_evaluate_weights_scores_a_frequency_table_as_its_rows(frequency_table, tmp_path, capsys):
    """evaluate scored a table of counts cell by cell (24 cells, each once). With
    ``--weights n`` every metric counts each row n times. Oracle: evaluate on the table
    expanded row by row (accuracy, log-loss, AUC, per-class scores and supports, the
    confusion matrix, calibration) and the text report's supports."""
    path, cells = frequency_table
    model = tmp_path / "m.json"
    argv = ["train", path, "--formula", "y ~ C(g) + x", "--weights", "n", "--model", model]
    assert run(argv + ["-q"], capsys)[0] == 0
    expanded = tmp_path / "rows.csv"
    cells.loc[cells.index.repeat(cells["n"])].drop(columns="n").to_csv(expanded, index=False)
    code, text, _ = run(["evaluate", model, path, "--weights", "n", "--json"], capsys)
    assert code == 0
    got = json.loads(text)
    code, text, _ = run(["evaluate", model, expanded, "--json"], capsys)
    want = json.loads(text)
    assert got.pop("weights") == "n" and got["n_samples"] == want["n_samples"]
    for key in ("accuracy", "log_loss", "roc_auc"):
        assert got[key] == pytest.approx(want[key], rel=1e-12), key
    for name, scores in want["per_class"].items():
        assert got["per_class"][name] == pytest.approx(scores, rel=1e-12), name
    assert got["confusion_matrix"] == want["confusion_matrix"]
    for name, cal in want["calibration"].items():
        assert got["calibration"][name]["ece"] == pytest.approx(cal["ece"], rel=1e-12)
        for a, b in zip(got["calibration"][name]["bins"], cal["bins"], strict=True):
            assert a == pytest.approx(b, rel=1e-12)
    code, text, _ = run(["evaluate", model, path, "--weights", "n"], capsys)
    assert code == 0 and f"evaluated on {cells['n'].sum()} rows (24 table rows" in text
    report = tmp_path / "r.html"
    argv = ["evaluate", model, path, "--weights", "n", "--report", report, "-q"]
    assert run(argv, capsys)[0] == 0 and "weights n" in report.read_text()
    fail(["evaluate", model, path, "--weights", "nope"], capsys, "nope")


def test_evaluate_reference_class_prints_the_table_against_that_class(tmp_path, capsys):
    """The summary is relative to the first class in sorted order; R's multinom and
    statsmodels' MNLogit take a factor's first level ('not.work' in Womenlf, which sorts
    after 'fulltime'). evaluate had no way to print that table; --reference-class does.
    Oracle: the Python summary_text(reference_class=...) of the same model file."""
    df, _ = three_classes(2, 300, "income", "partic", ["not.work", "parttime", "fulltime"])
    path, model = tmp_path / "w.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    assert run(["train", path, "--target", "partic", "--model", model, "-q"], capsys)[0] == 0
    code, out, _ = run(["evaluate", model, path, "--reference-class", "not.work"], capsys)
    want = load(model).summary_text(reference_class="not.work")
    assert code == 0 and " ".join(want.split()) in " ".join(out.split())  # folded at 100
    assert want.splitlines()[-1] in out and "reference class 'not.work'" in out
    report = tmp_path / "r.html"
    argv = ["evaluate", model, path, "--reference-class", "not.work", "--report", report, "-q"]
    assert (
        run(argv, capsys)[0] == 0 and "reference class &#x27;not.work&#x27;" in report.read_text()
    )
    fail(["evaluate", model, path, "--reference-class", "retired"], capsys, "'fulltime'")


def test_train_drop_missing_drops_rows_without_a_weight(frequency_table, tmp_path, capsys):
    """--drop-missing drops rows with a missing cell in a column the fit uses, as R's
    na.omit drops rows whose weight is NA; a missing --weights cell was an error even
    then. Oracle: the fit on the table without those rows."""
    path, cells = frequency_table
    holes = cells.astype({"n": float})
    holes.loc[[1, 6], "n"] = np.nan
    bad = tmp_path / "holes.csv"
    holes.to_csv(bad, index=False)
    model = tmp_path / "m.json"
    argv = ["train", bad, "--formula", "y ~ C(g) + x", "--weights", "n", "--model", model]
    fail(argv, capsys, "weights column 'n' has 2 cells that are missing")
    code, out, _ = run(argv + ["--drop-missing"], capsys)
    assert code == 0 and "dropped 2 rows with a missing weight (--drop-missing)" in out
    kept = tmp_path / "kept.csv"
    holes.dropna().to_csv(kept, index=False)
    ref = tmp_path / "r.json"
    argv = ["train", kept, "--formula", "y ~ C(g) + x", "--weights", "n", "--model", ref, "-q"]
    assert run(argv, capsys)[0] == 0
    pd.testing.assert_frame_equal(load(model).summary(), load(ref).summary())


def test_train_on_proportions_says_how_to_give_them_and_the_recipe_runs(tmp_path, capsys):
    """A target of proportions (statsmodels' star98: NABOVE / (NABOVE + NBELOW)) got 'holds
    numbers with a fractional part ... make it a label column'; the command line takes
    counts as --weights, so the message gives the two-rows-per-group recipe, and following
    it fits R's glm(p ~ x, weights = n). Oracle: statsmodels' GLM Binomial of the
    proportions with var_weights n."""
    sm = pytest.importorskip("statsmodels.api")
    data = sm.datasets.star98.load_pandas().data
    n = data["NABOVE"] + data["NBELOW"]
    df = pd.DataFrame({"lowinc": data["LOWINC"], "perasian": data["PERASIAN"]})
    df["share"] = data["NABOVE"] / n
    path = tmp_path / "p.csv"
    df.to_csv(path, index=False)
    err = fail(
        ["train", path, "--target", "share", "--model", tmp_path / "m.json"], capsys, "--weights"
    )
    assert "two rows per group" in err and "sample_weight" not in err
    rows = pd.concat(
        [
            df.assign(passed=1, count=df["share"] * n),
            df.assign(passed=0, count=(1 - df["share"]) * n),
        ]
    ).drop(columns="share")
    grouped = tmp_path / "g.csv"
    rows.to_csv(grouped, index=False)
    model = tmp_path / "g.json"
    argv = ["train", grouped, "--target", "passed", "--weights", "count", "--model", model]
    code, _, _ = run(argv, capsys)
    assert code == 0
    exog = sm.add_constant(df[["lowinc", "perasian"]])
    ref = sm.GLM(df["share"], exog, family=sm.families.Binomial(), var_weights=n).fit()
    got = load(model)
    np.testing.assert_allclose(got.intercept_[0], ref.params["const"], rtol=1e-7)
    np.testing.assert_allclose(got.coef_[0], ref.params[["lowinc", "perasian"]], rtol=1e-7)


def test_train_drop_missing_drops_rows_without_an_offset_or_a_cluster(tmp_path, capsys):
    """--drop-missing dropped rows missing a weight but refused a missing --offset or
    --cluster cell ("offset column 'off' has 1 missing or non-numeric values"), where
    NeuronClassifier(missing='drop') and R's na.omit drop those rows. Oracle: the fit on
    the table without them (statsmodels' statecrime)."""
    import statsmodels.api as sm

    d = sm.datasets.statecrime.load_pandas().data.reset_index(drop=True)
    d["hi"] = (d["violent"] > d["violent"].median()).astype(int)
    d["off"] = np.log(d["hs_grad"]) - 4.4
    d["g"] = np.arange(len(d)) % 5 + 1.0
    d.loc[9, "off"] = np.nan
    d.loc[3, "g"] = np.nan
    table = d[["poverty", "single", "urban", "hi", "off", "g"]]
    holes, kept = tmp_path / "holes.csv", tmp_path / "kept.csv"
    table.to_csv(holes, index=False)
    table.dropna().to_csv(kept, index=False)
    flags = ["--target", "hi", "--features", "poverty", "single", "urban", "--offset", "off"]
    flags += ["--cluster", "g", "--cov-type", "cluster"]
    model, ref = tmp_path / "m.json", tmp_path / "r.json"
    fail(["train", holes, *flags, "--model", model], capsys, "missing")
    code, out, _ = run(["train", holes, *flags, "--model", model, "--drop-missing"], capsys)
    assert code == 0 and "dropped 2 rows with a missing offset or cluster" in out
    assert run(["train", kept, *flags, "--model", ref, "-q"], capsys)[0] == 0
    pd.testing.assert_frame_equal(load(model).summary(), load(ref).summary())


def test_evaluate_drop_missing_drops_rows_without_an_offset(tmp_path, capsys):
    """evaluate --drop-missing dropped rows missing the target, a weight or a feature but
    refused a missing --offset cell ("offset column 'off' has 1 missing or non-numeric
    values"). Oracle: evaluate on the table without that row (statecrime)."""
    import statsmodels.api as sm

    d = sm.datasets.statecrime.load_pandas().data.reset_index(drop=True)
    d["hi"] = (d["violent"] > d["violent"].median()).astype(int)
    d["off"] = np.log(d["hs_grad"]) - 4.4
    table = d[["poverty", "single", "urban", "hi", "off"]]
    full, holes, kept = tmp_path / "full.csv", tmp_path / "holes.csv", tmp_path / "kept.csv"
    table.to_csv(full, index=False)
    with_hole = table.copy()
    with_hole.loc[9, "off"] = np.nan
    with_hole.to_csv(holes, index=False)
    with_hole.dropna().to_csv(kept, index=False)
    model = tmp_path / "m.json"
    flags = ["--target", "hi", "--features", "poverty", "single", "urban", "--offset", "off"]
    assert run(["train", full, *flags, "--model", model, "-q"], capsys)[0] == 0
    code, out, _ = run(
        ["evaluate", model, holes, "--offset", "off", "--drop-missing", "--json"], capsys
    )
    assert code == 0
    want = run(["evaluate", model, kept, "--offset", "off", "--json"], capsys)[1]
    got, ref = json.loads(out), json.loads(want)
    assert got["n_samples"] == ref["n_samples"] == 50
    assert got["log_loss"] == pytest.approx(ref["log_loss"], rel=1e-12)


def test_evaluate_json_carries_the_coefficient_table_as_asked(tmp_path, capsys):
    """evaluate --json printed the fit's raw record (each class against the first in
    sorted order) and dropped --reference-class and --odds-ratios without a word: the
    JSON of ``--reference-class not.work`` had the coefficients against 'fulltime'. Now
    ``coefficients`` is the table the text prints: one row per (class, term), equal to
    the Python ``summary(reference_class=..., exp=...)`` of the model file, whose
    coefficients and standard errors are statsmodels' MNLogit with 'not.work' first."""
    import statsmodels.api as sm

    df, _ = three_classes(2, 300, "income", "partic", ["not.work", "parttime", "fulltime"])
    path, model = tmp_path / "w.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    assert run(["train", path, "--target", "partic", "--model", model, "-q"], capsys)[0] == 0
    order = ["not.work", "fulltime", "parttime"]  # the reference first, as MNLogit takes it
    codes = df["partic"].map({c: i for i, c in enumerate(order)}).to_numpy()
    ref = sm.MNLogit(codes, sm.add_constant(df[["income"]].to_numpy())).fit(
        disp=0, method="newton", tol=1e-12
    )
    for argv, exp in ((["--reference-class", "not.work"], False), (["--odds-ratios"], True)):
        argv = ["evaluate", model, path, "--json", *argv]
        code, out, _ = run(argv, capsys)
        assert code == 0
        got = json.loads(out)["coefficients"]
        reference = "not.work" if not exp else None
        # without the flag, the first class in sorted order (the one the rows are against)
        assert got["reference_class"] == (reference or "fulltime")
        assert got["odds_ratios"] is exp
        want = load(model).summary(reference_class=reference, exp=exp)
        assert got["caption"] == want.attrs["caption"]  # (nothing there is Python's only)
        assert [(r["class"], r["term"]) for r in got["rows"]] == list(want.index)
        for column in want.columns:
            ours = np.array([r[column] for r in got["rows"]], dtype=float)
            np.testing.assert_allclose(ours, want[column].to_numpy(), rtol=1e-15, atol=0)
        if not exp:
            coef = np.array([r["coef"] for r in got["rows"]])
            se = np.array([r["std_err"] for r in got["rows"]])
            np.testing.assert_allclose(coef, np.asarray(ref.params).T.ravel(), atol=1e-7)
            np.testing.assert_allclose(se, np.asarray(ref.bse).T.ravel(), rtol=1e-6)


def test_evaluate_json_coefficients_of_a_binary_model(table, tmp_path, capsys):
    """A binary model's rows are its terms (no class): the Python summary's."""
    path, _ = table
    model = tmp_path / "m.json"
    argv = ["train", path, "--target", "y", "--features", "a", "b", "--model", model, "-q"]
    assert run(argv, capsys)[0] == 0
    code, out, _ = run(["evaluate", model, path, "--json"], capsys)
    got = json.loads(out)["coefficients"]
    want = load(model).summary()
    assert code == 0 and [r["term"] for r in got["rows"]] == list(want.index)
    assert all("class" not in r for r in got["rows"])
    np.testing.assert_allclose([r["p_value"] for r in got["rows"]], want["p_value"], rtol=1e-15)

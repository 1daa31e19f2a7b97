"""The command line on tables with text, boolean columns and formulas (the design layer).

Oracle: the Python face on the same raw table (the same design spec), and
statsmodels' coefficient table through ``evaluate``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import oneneuron
from _cli import fail, run  # noqa: E402


@pytest.fixture
def credit(tmp_path):
    rng = np.random.default_rng(5)
    n = 300
    df = pd.DataFrame(
        {
            "balance": rng.normal(1.0, 1.0, n).round(6),
            "student": rng.choice(["No", "Yes"], n),
            "region": rng.choice(["east", "north", "south", "west"], n),
        }
    )
    z = -0.3 + 0.9 * df.balance + 0.6 * (df.student == "Yes") - 0.5 * (df.region == "west")
    df["default"] = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "yes", "no")
    path = tmp_path / "credit.csv"
    df.to_csv(path, index=False)
    return path, df


def _table(out: str) -> str:
    return out[out.index("coefficients") :]


def test_cli_reference_coding_and_formula_print_the_same_table(credit, tmp_path, capsys):
    path, df = credit
    plain, formula = tmp_path / "plain.json", tmp_path / "formula.json"
    code, out, _ = run(["train", path, "--target", "default", "--model", plain, "-q"], capsys)
    assert code == 0
    code, out, _ = run(
        ["train", path, "--formula", "default ~ balance + student + region", "--model", formula],
        capsys,
    )
    assert code == 0 and "trained on 300 rows, 5 model columns from 3 table columns" in out
    doc = json.loads(plain.read_text())
    assert doc["features"]["names"] == [
        "balance",
        "student[T.Yes]",
        "region[T.north]",
        "region[T.south]",
        "region[T.west]",
    ]
    tables = []
    for model in (plain, formula):
        code, out, _ = run(["evaluate", model, path, "-q"], capsys)
        assert code == 0
        tables.append(_table(out))
    assert tables[0] == tables[1] and "student[T.Yes]" in tables[0]
    smf = pytest.importorskip("statsmodels.formula.api")
    ref = smf.logit(
        "y ~ balance + student + region", df.assign(y=(df.default == "yes").astype(int))
    ).fit(disp=0, tol=1e-12)
    est = oneneuron.load(plain)
    sm = [ref.params[n] for n in est.feature_names_out_]  # statsmodels names them the same
    np.testing.assert_allclose(est.coef_[0], sm, rtol=1e-6)


def test_cli_model_predicts_raw_frame_in_python_and_back(credit, tmp_path, capsys):
    path, df = credit
    model = tmp_path / "m.json"
    run(
        [
            "train",
            path,
            "--target",
            "default",
            "--model",
            model,
            "--reference",
            "region=west",
            "-q",
        ],
        capsys,
    )
    est = oneneuron.load(model)
    assert "region[T.east]" in est.feature_names_out_
    run(["predict", model, path, "--out", tmp_path / "p.csv", "-q"], capsys)
    cli = pd.read_csv(tmp_path / "p.csv")
    raw = pd.read_csv(path)
    np.testing.assert_allclose(est.predict_proba(raw)[:, 1], cli["proba_yes"], rtol=1e-12)
    # and the other way: a Python model of the raw frame predicts through the CLI
    py = oneneuron.logit("default ~ balance + C(region) + student:balance", raw)
    py.save(tmp_path / "py.json")
    code, out, err = run(
        ["predict", tmp_path / "py.json", path, "--out", tmp_path / "q.csv"], capsys
    )
    assert code == 0, err
    np.testing.assert_allclose(
        pd.read_csv(tmp_path / "q.csv")["proba_yes"], py.predict_proba(raw)[:, 1], rtol=1e-12
    )


def test_cli_missing_values(credit, tmp_path, capsys):
    path, df = credit
    df = df.copy()
    df["balance"] = df["balance"].astype(object)
    df.loc[[4, 8], "balance"] = None
    df.loc[10, "default"] = None
    holes = tmp_path / "holes.csv"
    df.to_csv(holes, index=False)
    model = tmp_path / "m.json"
    fail(
        ["train", holes, "--target", "default", "--model", model],
        capsys,
        "missing values in target column 'default' (1 row, first at data row 11)",
    )
    code, out, _ = run(
        ["train", holes, "--target", "default", "--model", model, "--drop-missing"], capsys
    )
    assert code == 0 and "dropped 3 rows with missing values (--drop-missing)" in out
    assert "trained on 297 rows" in out
    report = tmp_path / "r.html"
    code, out, _ = run(["evaluate", model, path, "-q", "--report", report], capsys)
    note = "(3 rows with missing values were left out of the fit)"  # the caption's, once
    assert code == 0 and out.count(note) == 1 and report.read_text().count(note) == 1
    assert oneneuron.load(model).design_report_ == {"dropped": 3}
    # the same file with its holes: evaluate refuses it and names --drop-missing, which
    # scores the complete rows (oracle: the Python face on the complete rows)
    fail(["evaluate", model, holes], capsys, "or evaluate with --drop-missing")
    code, out, err = run(["evaluate", model, holes, "--drop-missing", "--json"], capsys)
    assert code == 0 and "dropped 3 rows with missing values (--drop-missing)" in err
    complete = df.dropna(subset=["balance", "default"])
    clf = oneneuron.load(model)
    acc = float(np.mean(clf.predict(complete.drop(columns="default")) == complete["default"]))
    assert json.loads(out)["accuracy"] == pytest.approx(acc, abs=1e-12)
    assert json.loads(out)["n_samples"] == 297
    # a model that fills missing cells: only the row without a label is left out
    filled = tmp_path / "filled.json"
    train = ["train", path, "--target", "default", "--model", filled, "--impute", "median"]
    assert run([*train, "-q"], capsys)[0] == 0
    code, out, err = run(["evaluate", filled, holes, "--drop-missing", "--json"], capsys)
    assert code == 0 and "dropped 1 row" in err and json.loads(out)["n_samples"] == 299
    fail(
        [
            "train",
            path,
            "--target",
            "default",
            "--model",
            tmp_path / "x.json",
            "--reference",
            "student",
        ],
        capsys,
        "--reference takes COL=LEVEL",
    )
    fail(
        ["train", path, "--model", tmp_path / "x.json", "--formula", "balance + student"],
        capsys,
        "name the target column with --target COL",
    )


def test_predict_to_standard_output(credit, tmp_path, capsys):
    path, _ = credit
    model = tmp_path / "m.json"
    run(["train", path, "--target", "default", "--model", model, "-q"], capsys)
    run(["predict", model, path, "--out", tmp_path / "p.csv", "-q"], capsys)
    code, out, err = run(["predict", model, path, "--out", "-"], capsys)
    assert code == 0 and "note: wrote 300 rows to standard output" in err
    from io import StringIO

    pd.testing.assert_frame_equal(pd.read_csv(StringIO(out)), pd.read_csv(tmp_path / "p.csv"))


def test_say_why_no_standard_errors_and_separation(credit, tmp_path, capsys):
    path, df = credit
    full = tmp_path / "full.json"
    code, out, _ = run(
        ["train", path, "--target", "default", "--model", full, "--encoding", "full"], capsys
    )
    assert code == 0
    words = " ".join(out.split())  # train folds its lines at 100 columns
    # the later level is aliased, as R's glm says: NA in the table, the rest the
    # reference coding's fit
    line = words[words.index("aliased (NA") :].split(" training accuracy")[0]
    assert (
        "column 'student[Yes]' is a linear combination of 'student[No]' and the intercept" in line
    )
    assert "--alpha > 0" in line and "alpha > 0" not in line.replace("--alpha > 0", "")
    code, out, _ = run(["evaluate", full, path, "-q", "--report", tmp_path / "full.html"], capsys)
    row = [ln for ln in out.splitlines() if ln.startswith("student[Yes]")]
    assert row and row[0].split()[1:] == ["NA"] * 6, out
    assert "not defined because of singularities" in " ".join(out.split())
    assert "<td>NA</td>" in (tmp_path / "full.html").read_text()
    sep = df.assign(default=np.where(df.balance > 1.0, "yes", "no"))
    sep.to_csv(tmp_path / "sep.csv", index=False)
    model = tmp_path / "sep.json"
    code, out, err = run(
        ["train", tmp_path / "sep.csv", "--target", "default", "--model", model], capsys
    )
    assert code == 0 and "SEPARATED (complete separation)" in out and "--firth" in out
    code, out, _ = run(
        ["evaluate", model, tmp_path / "sep.csv", "-q", "--report", tmp_path / "r.html"], capsys
    )
    assert "model: SEPARATED (complete separation)" in out
    assert "SEPARATED" in (tmp_path / "r.html").read_text()


def test_report_shows_the_terminal_table(credit, tmp_path, capsys):
    path, _ = credit
    model = tmp_path / "m.json"
    run(["train", path, "--target", "default", "--model", model, "--alpha", "0.01", "-q"], capsys)
    report = tmp_path / "r.html"
    code, out, _ = run(["evaluate", model, path, "--report", report, "-q"], capsys)
    text = report.read_text()
    assert "std_err" in text and "p_value" in text and "PENALIZED" in text
    assert "treatment coding against reference levels student=No, region=east" in text
    assert "treatment coding against reference levels student=No, region=east" in out
    est = oneneuron.load(model)
    for term in est.feature_names_out_:
        assert f"<th>{term}</th>" in text


def test_cli_formula_without_intercept_fits_without_one(credit, tmp_path, capsys):
    path, df = credit
    model = tmp_path / "m.json"
    formula = "default ~ balance + C(region) - 1"
    code, out, err = run(["train", path, "--formula", formula, "--model", model, "-q"], capsys)
    assert code == 0, err
    ref = oneneuron.logit(formula, df.assign(default=(df.default == "yes").astype(int)))
    got = oneneuron.load(model)
    assert not got.fit_intercept and "C(region)[east]" in list(got.feature_names_out_)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-7)


@pytest.mark.parametrize(
    ("target", "formula"),
    [
        ("y~", "`y~` ~ `a-b` + `x.1` + class"),
        ("=y", "`=y` ~ `a-b` + np.log(`x.1`) + class"),
        ("y.1", "`y.1` ~ `a-b` + `x.1` + class"),
        ("y~", "~ `a-b` + `x.1` + class"),  # the target by --target alone
    ],
)
def test_formulas_quote_column_names_that_are_not_identifiers(tmp_path, capsys, target, formula):
    """Backticks quote a name (formulaic's way): a target named 'y~' split the formula at
    its '~', a quoted target was refused ('the left-hand side '`=y`' must be a column
    name'), and a column with a dot ('x.1', R's style) was refused as naming 'x'.
    Oracle: statsmodels on the same columns."""
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(2)
    n = 200
    df = pd.DataFrame(
        {"a-b": rng.normal(size=n), "x.1": rng.uniform(0.5, 3, n), "class": rng.integers(0, 2, n)}
    )
    z = 0.8 * df["a-b"] - 0.5 * df["x.1"] + 0.7 * df["class"]
    df[target] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    path, model = tmp_path / "w.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    argv = ["train", path, "--formula", formula, "--model", model, "-q"]
    code, _, err = run([*argv, "--target", target] if formula.startswith("~") else argv, capsys)
    assert code == 0, err
    X = df[["a-b", "x.1", "class"]].assign(**{"x.1": np.log(df["x.1"])} if "log" in formula else {})
    ref = sm.Logit(df[target], sm.add_constant(X)).fit(disp=0, tol=1e-12)
    fit = oneneuron.load(model)
    np.testing.assert_allclose(np.r_[fit.intercept_, fit.coef_[0]], ref.params, rtol=1e-6)
    code, out, err = run(["predict", model, path, "--out", "-"], capsys)
    assert code == 0, err
    if not formula.startswith("~"):  # Python takes the same formula
        py = oneneuron.logit(formula, df)
        np.testing.assert_allclose(py.coef_, fit.coef_, rtol=1e-9)


@pytest.fixture
def coded(tmp_path):
    """Categories written as numbers, as R's data sets keep them (MASS's birthwt: race
    1 = white, 2 = black, 3 = other; mtcars' cyl); 12 sorts after 3 as a number."""
    rng = np.random.default_rng(9)
    n = 400
    df = pd.DataFrame({"age": rng.normal(25, 5, n).round(2), "race": rng.choice([1, 3, 12], n)})
    z = -0.5 + 0.05 * (df.age - 25) + 0.8 * (df.race == 3) - 0.6 * (df.race == 12)
    df["low"] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    path = tmp_path / "coded.csv"
    df.to_csv(path, index=False)
    return path, df


@pytest.mark.parametrize("formula", [None, "low ~ age + C(race)", "low ~ age + race"])
def test_train_categorical_reads_number_codes_as_levels(coded, tmp_path, capsys, formula):
    """A column of number codes (R's factor(race)) could not be a categorical from the
    command line: without a formula it was a number, and ``--formula 'low ~ C(race)'``
    was refused ('cannot be saved to a model file'). ``--categorical race`` reads it as
    levels, ordered as numbers (1, 3, 12: the first is the reference, as R's factor()).
    Oracle: statsmodels' C(race) on the numbers; predict on the same file."""
    import statsmodels.formula.api as smf

    path, df = coded
    model = tmp_path / "m.json"
    how = ["--target", "low"] if formula is None else ["--formula", formula]
    argv = ["train", path, *how, "--categorical", "race", "--model", model, "-q"]
    assert run(argv, capsys)[0] == 0
    clf = oneneuron.load(model)
    assert [n.split("[")[-1] for n in clf.feature_names_out_[1:]] == ["T.3]", "T.12]"]
    ref = smf.logit("low ~ age + C(race)", df).fit(disp=0, tol=1e-12)  # C(race) first
    coef = clf.summary()["coef"].to_numpy()
    np.testing.assert_allclose(coef[[0, 2, 3, 1]], ref.params, rtol=1e-6)
    out = tmp_path / "p.csv"
    assert run(["predict", model, path, "--out", out, "-q"], capsys)[0] == 0
    np.testing.assert_allclose(pd.read_csv(out)["proba_1"], ref.predict(df), rtol=1e-6)


def test_train_categorical_refusals(coded, tmp_path, capsys):
    path, _ = coded
    base = ["train", path, "--target", "low", "--model", tmp_path / "m.json"]
    fail(base + ["--categorical", "nope"], capsys, "--categorical names a column that is not")
    fail(base + ["--categorical", "race", "--numeric", "race"], capsys, "both --categorical")

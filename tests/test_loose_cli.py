"""Loose ends of the command line and its readers: each test failed before its fix."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import oneneuron
from _cli import run  # noqa: E402
from oneneuron import NeuronClassifier


@pytest.fixture
def labelled(tmp_path):
    """A frame (x, g, y 0/1) whose label is missing in one row."""
    rng = np.random.default_rng(3)
    n = 60
    x = rng.standard_normal(n)
    g = np.where(rng.random(n) < 0.5, "a", "b")
    y = (x + rng.standard_normal(n) > 0).astype(float)
    y[7] = np.nan
    return pd.DataFrame({"x": x, "g": g, "y": y})


def _classes(model):
    return json.loads(model.read_text())["classes"]


# ------------------------------------------- 1. integer labels with a missing cell
@pytest.mark.parametrize("flag", [["--drop-missing"], ["--impute", "mean"]])
def test_integer_labels_with_a_missing_cell_stay_integers(labelled, tmp_path, capsys, flag):
    """The file writes 0 and 1: the classes are 0 and 1 (as the same file without the
    row missing its label gives), not 0.0 and 1.0 from pandas' float column."""
    data, whole = tmp_path / "d.csv", tmp_path / "whole.csv"
    text = labelled.assign(y=labelled["y"].astype("Int64"))
    text.to_csv(data, index=False)
    text.dropna().to_csv(whole, index=False)
    assert "1.0" not in data.read_text().split("\n", 2)[1]  # the file writes integers
    model, oracle = tmp_path / "m.json", tmp_path / "o.json"
    code, out, err = run(["train", data, "--target", "y", "--model", model, *flag], capsys)
    assert code == 0, err
    assert "classes: 0, 1" in out, out
    assert run(["train", whole, "--target", "y", "--model", oracle, "-q"], capsys)[0] == 0
    assert _classes(model) == _classes(oracle) == {"dtype": "<i8", "values": [0, 1]}
    code, _, err = run(["predict", model, data, "--out", tmp_path / "p.csv"], capsys)
    assert code == 0, err
    pred = pd.read_csv(tmp_path / "p.csv")
    assert list(pred.columns) == ["proba_0", "proba_1", "prediction"]
    assert pred["prediction"].dtype.kind == "i"
    code, out, err = run(["evaluate", model, data, "--drop-missing"], capsys)
    assert code == 0, err
    assert "evaluated on 59 rows" in out


def test_parquet_integer_labels_with_a_missing_cell_stay_integers(labelled, tmp_path, capsys):
    """A Parquet column stored as int64 with a null (written by Arrow, no pandas
    metadata) trains with the integers it stores; one stored as double keeps floats."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    labels = [None if np.isnan(v) else int(v) for v in labelled["y"]]
    for kind, name, want in [(pa.int64(), "i", [0, 1]), (pa.float64(), "f", [0.0, 1.0])]:
        table = pa.table({"x": labelled["x"], "g": labelled["g"], "y": pa.array(labels, type=kind)})
        pq.write_table(table, tmp_path / f"{name}.parquet")
        model = tmp_path / f"{name}.json"
        argv = ["train", tmp_path / f"{name}.parquet", "--target", "y", "--model", model]
        assert run([*argv, "--drop-missing", "-q"], capsys)[0] == 0
        assert _classes(model)["values"] == want
        assert type(_classes(model)["values"][0]) is type(want[0])


def test_python_api_keeps_the_label_type_given(labelled):
    """Python keeps what the user gave, as scikit-learn does: float labels are float
    classes, nullable ``Int64`` labels integer classes (rows with missing labels dropped)."""
    from sklearn.linear_model import LogisticRegression

    kept = labelled.dropna()
    oracle = LogisticRegression().fit(kept[["x"]], kept["y"]).classes_
    est = NeuronClassifier(missing="drop").fit(labelled, "y")
    assert est.classes_.dtype == oracle.dtype == np.float64
    est = NeuronClassifier(missing="drop").fit(
        labelled.assign(y=labelled["y"].astype("Int64")), "y"
    )
    assert est.classes_.dtype.kind == "i" and est.classes_.tolist() == [0, 1]


# ------------------------------------------------------- 2. one row, one iteration
def test_counted_is_singular_for_one_only():
    from oneneuron.wording import counted

    assert [counted(n, "row") for n in (0, 1, 2)] == ["0 rows", "1 row", "2 rows"]
    assert counted(1, "class", "classes") == "1 class"
    assert counted(1.5, "row", spec=".10g") == "1.5 rows"


def test_one_dropped_row_and_one_iteration_are_singular(labelled, tmp_path, capsys):
    """'dropped 1 rows', 'solver ..., 1 iterations', '(1 rows, first at ...)' and
    'stopped after 1 iterations' read '1 row' and '1 iteration' (train, evaluate,
    the fit's warning, the summary's caption)."""
    data = tmp_path / "d.csv"
    table = labelled.assign(y=labelled["y"].fillna(1).astype(int))
    table.loc[4, "x"] = np.nan
    table.to_csv(data, index=False)
    model = tmp_path / "m.json"
    argv = ["train", data, "--target", "y", "--model", model, "--drop-missing"]
    code, out, err = run([*argv, "--max-iter", "1", "--solver", "gd"], capsys)
    assert code == 0, err
    assert "dropped 1 row with missing values" in out and "1 rows" not in out, out
    assert ", 1 iteration:" in out and "stopped after 1 iteration with" in err, (out, err)
    code, out, err = run(["evaluate", model, data, "--drop-missing"], capsys)
    assert code == 0, err
    said = out + err
    assert "dropped 1 row with missing values" in said and "1 rows" not in said, said
    assert "(1 row with missing values was left out of the fit" in said, said
    code, _, err = run(["train", data, "--target", "y", "--model", tmp_path / "e.json"], capsys)
    assert code == 1 and "(1 row, first at data row 5)" in err, err
    est = NeuronClassifier(missing="drop").fit(table, "y")
    assert "(1 row with missing values was left out of the fit)" in est.summary_text()


# ------------------------------------------------ 3. the Dask engine's training accuracy
@pytest.mark.parametrize("weighted", [False, True])
def test_dask_train_prints_the_training_accuracy(tmp_path, capsys, weighted):
    """train --engine dask printed no training accuracy (the in-memory engine does); it
    now prints the same line, weighted by --weights as the in-memory engine weighs it.
    Oracle: scikit-learn's unpenalised fit, scored by sklearn.metrics.accuracy_score."""
    pytest.importorskip("dask.dataframe")
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score

    rng = np.random.default_rng(5)
    n = 300
    X = rng.standard_normal((n, 3))
    y = (X @ [1.0, -1.0, 0.5] + rng.standard_normal(n) > 0).astype(int)
    w = rng.integers(1, 4, n).astype(float)
    pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y, w=w).to_parquet(tmp_path / "t.parquet")
    weights = w if weighted else None
    oracle = LogisticRegression(C=np.inf, tol=1e-10).fit(X, y, sample_weight=weights)
    want = accuracy_score(y, oracle.predict(X), sample_weight=weights)
    argv = ["train", tmp_path / "t.parquet", "--target", "y", "--features", "a", "b", "c"]
    argv += ["--weights", "w"] if weighted else []
    for engine in ["memory", "dask"]:
        model = tmp_path / f"{engine}.json"
        code, out, err = run([*argv, "--model", model, "--engine", engine], capsys)
        assert code == 0, err
        assert f"  training accuracy {want:.4f}\n" in out, (engine, out)


# --------------------------------------------------- 4. several --reference levels
@pytest.mark.parametrize(
    "flags",
    [["--reference", "z=b", "w=q"], ["--reference", "z=b", "--reference", "w=q"]],
    ids=["one-flag", "repeated"],
)
def test_reference_takes_every_column_given(tmp_path, capsys, flags):
    """'--reference z=b w=q' was refused ('unrecognized arguments: w=q'); both it and
    the repeated flag now set both references. Oracle: scikit-learn's unpenalised fit on
    the indicator columns coded by hand against z=b and w=q."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(8)
    n = 400
    z = rng.choice(["a", "b", "c"], n)
    w = rng.choice(["p", "q"], n)
    x = rng.standard_normal(n)
    eta = x + 0.8 * (z == "a") - 0.5 * (z == "c") + 0.6 * (w == "p")
    y = (eta + rng.logistic(size=n) > 0).astype(int)
    pd.DataFrame({"x": x, "z": z, "w": w, "y": y}).to_csv(tmp_path / "r.csv", index=False)
    model = tmp_path / "m.json"
    code, out, err = run(
        ["train", tmp_path / "r.csv", "--target", "y", "--model", model, *flags], capsys
    )
    assert code == 0, err
    coded = np.column_stack([x, z == "a", z == "c", w == "p"]).astype(float)
    oracle = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(coded, y)
    doc = json.loads(model.read_text())
    names = doc["features"]["names"]
    assert sorted(names) == sorted(["x", "z[T.a]", "z[T.c]", "w[T.p]"]), names
    est = oneneuron.load(model)
    coef = dict(zip(names, np.ravel(est.coef_), strict=True))
    got = [coef["x"], coef["z[T.a]"], coef["z[T.c]"], coef["w[T.p]"]]
    np.testing.assert_allclose(got, oracle.coef_.ravel(), rtol=1e-5, atol=1e-6)


# ------------------------------------ 5. columns named like Python keywords stay as named
def test_cli_words_leave_terms_that_name_columns_alone():
    """The rewording of Python advice into flags turned a column alpha inside a term
    into a flag: 'along the direction +1*I(--alpha > 3)'. A formula's call and a term
    after a coefficient's '*' are the user's names; the advice around them is still
    reworded."""
    from oneneuron.cli._errors import cli_terms

    terms = [
        "I(alpha > 3)",
        "I(threshold <= 0)",
        "I(x + reference == 2)",
        "I(l1_ratio >= 0.5)",
        "np.log(max_iter)",
        "I(learning_rate < 1)",
        "C(g, Treatment(reference='b'))[T.c]",
    ]
    for term in terms:
        text = f"along +1*{term} -0.2*max_iter; use alpha > 0 or firth=True, raise max_iter"
        want = f"along +1*{term} -0.2*max_iter; use --alpha > 0 or --firth, raise --max-iter"
        assert cli_terms(text) == want
    assert cli_terms("drop the redundant column or set alpha > 0") == (
        "leave a column out (--features or --formula) or set --alpha > 0"
    )
    assert cli_terms("drop the redundant columns or set alpha > 0") == (
        "leave those columns out (--features or --formula) or set --alpha > 0"
    )


def test_separation_names_a_column_called_alpha_as_the_formula_does(tmp_path, capsys):
    rng = np.random.default_rng(1)
    n = 200
    alpha = rng.integers(0, 7, n).astype(float)
    frame = pd.DataFrame(
        {
            "alpha": alpha,
            "threshold": rng.standard_normal(n),
            "reference": rng.integers(0, 3, n).astype(float),
            "l1_ratio": rng.standard_normal(n),
            "y": (alpha > 3).astype(int),  # separated by the term I(alpha > 3)
        }
    )
    frame.to_csv(tmp_path / "s.csv", index=False)
    formula = "y ~ I(alpha > 3) + threshold + I(reference == 2) + I(l1_ratio >= 0)"
    argv = ["train", tmp_path / "s.csv", "--model", tmp_path / "m.json", "--formula", formula]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    assert "+1*I(alpha > 3)" in err and "--alpha > 3" not in err, err
    assert "Use --alpha > 0" in err, err  # the advice is still in flags


# --------------------------------------- 6. true/false where training had numbers
def test_true_false_in_a_column_that_held_numbers_is_refused(tmp_path, capsys):
    """predict read True/False in a column that held numbers at training as 1/0 without
    a word. Training keeps a true/false column as a boolean column of its own; a column
    that held numbers is told the numbers it needs (CLI and Python alike). A boolean
    column still takes true/false and 0/1 (as training codes it: true = 1; oracle: the
    same model on the 0/1 spelling)."""
    from oneneuron.tables import DataError

    rng = np.random.default_rng(2)
    n = 80
    x = rng.standard_normal(n)
    b = rng.random(n) < 0.5
    y = (x + b + rng.logistic(size=n) > 0.5).astype(int)
    numbers = pd.DataFrame({"x": x, "b": b.astype(int), "y": y})
    truths = numbers.assign(b=b)
    numbers.to_csv(tmp_path / "n.csv", index=False)
    truths.to_csv(tmp_path / "t.csv", index=False)
    assert "True" in (tmp_path / "t.csv").read_text()
    model = tmp_path / "n.json"
    assert (
        run(["train", tmp_path / "n.csv", "--target", "y", "--model", model, "-q"], capsys)[0] == 0
    )
    for command in (
        ["predict", model, tmp_path / "t.csv", "--out", tmp_path / "p.csv"],
        ["evaluate", model, tmp_path / "t.csv"],
    ):
        code, _, err = run(command, capsys)
        assert code == 1 and err.count("error:") == 1 and "Traceback" not in err, err
        assert "t.csv held numbers in training but holds true/false" in err, err
        assert "column 'b' of " in err, err
    est = NeuronClassifier().fit(numbers, "y")
    with pytest.raises(DataError, match="column 'b' of the table held numbers in training"):
        est.predict_proba(truths.drop(columns="y"))
    booleans = NeuronClassifier().fit(truths, "y")
    np.testing.assert_allclose(
        booleans.predict_proba(numbers.drop(columns="y")),
        booleans.predict_proba(truths.drop(columns="y")),
    )


# ----------------------------------------------------- 7. a text column of one level
def test_a_text_column_of_one_level_is_said_to_add_nothing(tmp_path, capsys):
    """A text column holding one level in every row added no model column and said
    nothing (a constant numeric column is named as aliased with the intercept). It is
    now a LevelWarning in Python and a warning: line in the CLI; the fit is the fit
    without the column (oracle: scikit-learn's unpenalised fit on x alone)."""
    from sklearn.linear_model import LogisticRegression

    from oneneuron import LevelWarning

    rng = np.random.default_rng(4)
    n = 120
    x = rng.standard_normal(n)
    y = (x + rng.logistic(size=n) > 0).astype(int)
    table = pd.DataFrame({"x": x, "z": "a", "y": y})
    with pytest.warns(LevelWarning, match=r"column 'z' holds one level \('a'\) in every row"):
        est = NeuronClassifier().fit(table, "y")
    oracle = LogisticRegression(C=np.inf, tol=1e-10).fit(x[:, None], y)
    np.testing.assert_allclose(est.coef_.ravel(), oracle.coef_.ravel(), rtol=1e-5)
    table.to_csv(tmp_path / "c.csv", index=False)
    argv = ["train", tmp_path / "c.csv", "--target", "y", "--model", tmp_path / "m.json"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert "warning: column 'z' holds one level ('a') in every row" in err, err
    assert "leave it out with --features" in err, err
    assert "1 model column from 2 table columns" in out, out


def test_train_summary_names_the_flags_to_leave_an_aliased_column_out(tmp_path, capsys):
    """The summary's aliased line said Python's 'drop the redundant column(s)' where the
    warning above it names the flags; both now say 'leave a column out (--features or
    --formula)'."""
    rng = np.random.default_rng(6)
    n = 100
    x = rng.standard_normal(n)
    y = (x + rng.logistic(size=n) > 0).astype(int)
    pd.DataFrame({"x": x, "c": 5.0, "y": y}).to_csv(tmp_path / "c.csv", index=False)
    argv = ["train", tmp_path / "c.csv", "--target", "y", "--model", tmp_path / "m.json"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    said = " ".join(out.split())
    assert "column 'c' is constant" in said, out
    assert "column(s)" not in said and "leave a column out (--features or --formula)" in said

"""Hostile input, fifth round: header names pandas reads as something else, and the
command line's corners that the earlier rounds did not try.

Each result is checked against an independent oracle (scikit-learn, statsmodels,
closed forms) or is one clear error naming the cause.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from _cli import fail, run
from oneneuron import NeuronClassifier


def _frame(names: list[str], n: int = 150, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(names)))
    z = X @ np.linspace(1.0, -1.0, len(names))
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "yes", "no")
    frame = pd.DataFrame(X, columns=names)
    frame["y"] = y
    return frame


def test_header_names_pandas_reads_as_missing_are_features(tmp_path, capsys):
    """A header cell ``None``, ``nan``, ``NA`` or ``null`` is a name: pandas reads such
    a cell as missing only among the data. ``train`` took them for columns without a
    header name and left them out of the features with a note ("column 3 has no name
    ('None')"): a model on 2 of 6 columns. Each is a feature, as scikit-learn fits
    them."""
    names = ["index", "level_0", "None", "nan", "NA", "null"]
    frame = _frame(names)
    data = tmp_path / "d.csv"
    frame.to_csv(data, index=False)
    model = tmp_path / "m.json"
    code, _, err = run(["train", data, "--target", "y", "--model", model, "-q"], capsys)
    assert code == 0, err
    assert "no name" not in err
    doc = json.loads(model.read_text())
    assert doc["features"]["names"] == names
    lr = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)
    lr.fit(frame[names].to_numpy(), frame["y"])
    np.testing.assert_allclose(doc["coef"][0], lr.coef_[0], rtol=1e-5, atol=1e-7)


def test_patsy_quoted_names_on_the_right_of_a_formula_save(tmp_path, capsys):
    """``Q('my x')`` names the column ``my x`` in patsy's (statsmodels') formulas, as
    ```my x``` does in formulaic's; the left side took both, the right side only the
    backticks: ``y ~ Q("my x") + x2`` fitted, then was refused at the save ("the
    formula term \\"Q('my x')\\" uses a transform a model file cannot store"). Now it is
    saved, also inside C(), a transform and an interaction, and the model predicts as
    statsmodels' glm of the same formula."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame(
        {
            "my x": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "my g": rng.choice(["a", "b", "c"], size=n),
            "my z": rng.uniform(0.5, 3.0, size=n),
        }
    )
    z = frame["my x"] - frame["x2"] + 0.5 * (frame["my g"] == "b") + np.log(frame["my z"])
    frame["y"] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    data = tmp_path / "d.csv"
    frame.to_csv(data, index=False)
    rhs = "Q('my x') + C(Q('my g')) + np.log(Q('my z')) + Q('my x'):x2"
    model, out = tmp_path / "m.json", tmp_path / "p.csv"
    argv = ["train", data, "--target", "y", "--formula", f"y ~ {rhs}", "--model", model]
    code, _, err = run([*argv, "-q"], capsys)
    assert code == 0, err
    code, _, err = run(["predict", model, data, "--out", out, "-q"], capsys)
    assert code == 0, err
    glm = smf.glm(f"y ~ {rhs}", frame, family=sm.families.Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(pd.read_csv(out)["proba_1"], glm.predict(frame), atol=1e-7)


def test_a_weight_or_offset_cell_that_is_no_finite_number_is_named(tmp_path, capsys):
    """evaluate's and predict's ``--weights``/``--offset`` columns said "has 1 missing or
    non-numeric values (first at data row 4)" for a cell ``inf`` (a number, infinite),
    for ``zz`` and for an empty one (or ``NA``) alike: a count of one in the plural, and not the
    cell. Each is named as written, in the singular; several are counted."""
    frame = _frame(["x1", "x2"])
    frame["o"] = 0.1
    frame["w"] = 1.0
    data, model = tmp_path / "d.csv", tmp_path / "m.json"
    frame.to_csv(data, index=False)
    argv = ["train", data, "--target", "y", "--offset", "o", "--features", "x1", "x2"]
    assert run([*argv, "--model", model, "-q"], capsys)[0] == 0
    for cell in ["inf", "zz", "", "NA"]:
        for column in ["o", "w"]:
            bad = frame.astype({column: object})
            bad.loc[3, column] = cell
            path = tmp_path / f"bad_{column}.csv"
            bad.to_csv(path, index=False)
            err = fail(
                ["evaluate", model, path, "--offset", "o", "--weights", "w"],
                capsys,
                "has 1 cell that is missing, infinite or not a number (data row 4",
            )
            assert (": missing)" if cell in ("", "NA") else f": {cell!r})") in err
    bad = frame.astype({"o": object})
    bad.loc[[3, 7], "o"] = "zz"
    bad.to_csv(tmp_path / "two.csv", index=False)
    argv = ["predict", model, tmp_path / "two.csv", "--offset", "o", "--out", tmp_path / "p.csv"]
    fail(argv, capsys, "has 2 cells that are missing, infinite or not numbers (first at data row 4")
    assert not (tmp_path / "p.csv").exists()


def test_a_cluster_column_of_fractional_ids_is_read_as_written(tmp_path, capsys):
    """``--cluster`` labels are read as written (a text column), and the check for
    numbers a writer stored as text then refused a column of ids such as 1.01, 1.02,
    ... (25 sections of 8 rows): "column 'sec' holds numbers stored as text ...; store
    them as numbers", though the file stores them as numbers and a cluster is a label.
    Now they are 25 clusters, with statsmodels' cluster-robust standard errors."""
    import statsmodels.api as sm

    frame = _frame(["x1", "x2"], n=200)
    frame["sec"] = [f"{1 + (i % 25) / 100:.2f}" for i in range(200)]
    data, model = tmp_path / "d.csv", tmp_path / "m.json"
    frame.to_csv(data, index=False)
    argv = ["train", data, "--target", "y", "--features", "x1", "x2", "--model", model, "-q"]
    code, _, err = run([*argv, "--cov-type", "cluster", "--cluster", "sec"], capsys)
    assert code == 0, err
    doc = json.loads(model.read_text())
    exog = sm.add_constant(frame[["x1", "x2"]])
    groups = {"groups": pd.factorize(frame["sec"])[0]}
    ref = sm.Logit((frame.y == "yes").astype(int), exog).fit(
        disp=0, cov_type="cluster", cov_kwds=groups
    )
    assert doc["inference"]["terms"] == ["intercept", "x1", "x2"]
    assert doc["inference"]["extra"]["n_clusters"] == 25
    std_err = np.sqrt(np.diag(np.asarray(doc["inference"]["cov"], dtype=float)))
    np.testing.assert_allclose(std_err, ref.bse, rtol=1e-5)


def test_a_header_line_repeated_inside_the_data_is_named(tmp_path, capsys):
    """Two exports joined into one file (``cat a.csv b.csv``) repeat the header line
    among the data: train, predict and evaluate said "column 'x1' holds numbers except
    1 cell: 'x1' (data row 151); fix it or leave it blank", without the cause. Each now
    says that the data row repeats the header line, and to remove it; no file is
    written. So does the Python fit of such a table read by pandas."""
    frame = _frame(["x1", "x2"])
    data, model, joined = tmp_path / "d.csv", tmp_path / "m.json", tmp_path / "j.csv"
    frame.to_csv(data, index=False)
    text = data.read_text()
    joined.write_text(text + text)
    argv = ["train", data, "--target", "y", "--model", model, "-q"]
    assert run(argv, capsys)[0] == 0
    said = "data row 151 repeats the header line"
    err = fail(["train", joined, "--target", "y", "--model", tmp_path / "j.json"], capsys, said)
    assert "remove it" in err and not (tmp_path / "j.json").exists()
    fail(["predict", model, joined, "--out", tmp_path / "p.csv"], capsys, said)
    assert not (tmp_path / "p.csv").exists()
    fail(["evaluate", model, joined], capsys, said)
    clf = NeuronClassifier()
    with pytest.raises(ValueError, match="row 150 repeats the header line"):
        clf.fit(pd.read_csv(joined)[["x1", "x2"]], pd.read_csv(joined)["y"])


def test_an_empty_column_is_told_to_be_left_out(tmp_path, capsys):
    """A feature column missing in every row was refused by train and by the Python
    fit of a table with "column 'e' is empty (every cell is missing)" and no next
    step, where the engines' arrays say "; leave it out". Each says how now: train
    with --features, the Python fit leave it out of the table."""
    frame = _frame(["x1", "x2"])
    frame["e"] = np.nan
    data = tmp_path / "d.csv"
    frame.to_csv(data, index=False)
    argv = ["train", data, "--target", "y", "--model", tmp_path / "m.json"]
    fail(argv, capsys, "leave it out with --features (or --formula)")
    err = fail(argv + ["--impute", "mean"], capsys, "is empty (every cell is missing)")
    assert "leave it out with --features" in err
    with pytest.raises(ValueError, match=r"is empty \(every cell is missing\); leave it out"):
        NeuronClassifier().fit(frame[["x1", "x2", "e"]], frame["y"])

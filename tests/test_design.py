"""The design-matrix layer: tables (pandas, polars, Arrow) -> coded columns, formulas, model files.

Oracle: statsmodels' formula API (patsy) fits the same formulas; coefficients,
standard errors and p-values must agree to 1e-6 relative, term by term.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import oneneuron
from oneneuron import NeuronClassifier
from oneneuron.modelfile import ModelFileError
from oneneuron.tables import DataError, DesignSpec


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(11)
    n = 600
    df = pd.DataFrame(
        {
            "balance": rng.normal(1.0, 1.0, n),
            "income": rng.uniform(0.5, 4.0, n),
            "student": rng.choice(["No", "Yes"], n),
            "region": rng.choice(["north", "east", "south", "west"], n),
            "member": rng.random(n) < 0.4,
            "tier": pd.Categorical(
                rng.choice(["low", "mid", "high"], n), categories=["low", "mid", "high"]
            ),
        }
    )
    z = (
        -0.5
        + 0.8 * df.balance
        - 0.6 * np.log(df.income)
        + 0.7 * (df.student == "Yes")
        + 0.3 * (df.region == "south")
        - 0.4 * df.member
        + 0.5 * (df.tier == "high")
        + 0.4 * df.balance * (df.student == "Yes")
    )
    df["default"] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return df


def _patsy_name(name: str) -> str:
    """statsmodels (patsy) codes a boolean as a category: ``member[T.True]``."""
    return name.replace("member[T.True]", "member")


FORMULA = (
    "default ~ balance + np.log(income) + C(region) + student + member + tier + balance:student"
)


def test_formula_matches_statsmodels(table):
    smf = pytest.importorskip("statsmodels.formula.api")
    ref = smf.logit(FORMULA, table).fit(disp=0, tol=1e-12, maxiter=100)
    clf = oneneuron.logit(FORMULA, table, tol=1e-12)
    names = ["Intercept", *clf.feature_names_out_]
    sm_names = [_patsy_name(n) for n in ref.params.index]
    assert sorted(names) == sorted(sm_names)  # one to one
    order = [sm_names.index(n) for n in names]
    res = clf.summary()
    coef = np.r_[clf.intercept_, clf.coef_[0]]
    np.testing.assert_allclose(coef, ref.params.to_numpy()[order], rtol=1e-6)
    tab = clf.inference_.table()
    np.testing.assert_allclose(tab["std_err"], ref.bse.to_numpy()[order], rtol=1e-6)
    np.testing.assert_allclose(tab["p_value"], ref.pvalues.to_numpy()[order], rtol=1e-6)
    assert list(tab.index[1:]) == names[1:]
    assert "student[T.Yes]" in str(res) and "C(region)[T.south]" in str(res)


def test_plain_columns_use_reference_coding(table):
    """No formula: the same coding (first level as reference), the same fit as statsmodels."""
    smf = pytest.importorskip("statsmodels.formula.api")
    X = table[["balance", "student", "region", "member", "tier"]]
    clf = NeuronClassifier(tol=1e-12).fit(X, table["default"])
    names = list(clf.feature_names_out_)
    assert names == [
        "balance",
        "student[T.Yes]",
        "region[T.north]",
        "region[T.south]",
        "region[T.west]",
        "member",
        "tier[T.mid]",
        "tier[T.high]",
    ]
    ref = smf.logit("default ~ balance + student + region + member + tier", table).fit(
        disp=0, tol=1e-12
    )
    sm = dict(zip([_patsy_name(n) for n in ref.params.index], ref.params, strict=True))
    np.testing.assert_allclose(clf.coef_[0], [sm[n] for n in names], rtol=1e-6)
    np.testing.assert_allclose(clf.intercept_[0], sm["Intercept"], rtol=1e-6)


def test_reference_and_full_encoding(table):
    X = table[["student", "region"]]
    clf = NeuronClassifier(reference={"region": "west"}).fit(X, table["default"])
    assert list(clf.feature_names_out_) == [
        "student[T.Yes]",
        "region[T.east]",
        "region[T.north]",
        "region[T.south]",
    ]
    full = NeuronClassifier(encoding="full", alpha=0.1).fit(X, table["default"])
    assert list(full.feature_names_out_)[:2] == ["student[No]", "student[Yes]"]
    with pytest.raises(ValueError, match="reference level 'Maybe' of column 'student'"):
        NeuronClassifier(reference={"student": "Maybe"}).fit(X, table["default"])
    with pytest.raises(ValueError, match="reference names column.*'nope'"):
        NeuronClassifier(reference={"nope": "x"}).fit(X, table["default"])


def test_text_column_no_longer_fails_on_float_conversion(table):
    clf = NeuronClassifier().fit(table[["balance", "student"]], table["default"])
    p = clf.predict_proba(table[["balance", "student"]])
    assert p.shape == (len(table), 2)


def test_polars_twin_fits_and_predicts_like_pandas(table):
    pl = pytest.importorskip("polars")
    pdf = table.drop(columns=["tier"])
    plf = pl.from_pandas(pdf)
    a = oneneuron.logit("default ~ balance + C(region) + student + member", pdf)
    b = oneneuron.logit("default ~ balance + C(region) + student + member", plf)
    assert list(a.feature_names_out_) == list(b.feature_names_out_)
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-12)
    np.testing.assert_allclose(b.predict_proba(plf), a.predict_proba(pdf), rtol=1e-12)
    c = NeuronClassifier().fit(plf.drop("default"), pdf["default"])
    d = NeuronClassifier().fit(pdf.drop(columns="default"), pdf["default"])
    np.testing.assert_allclose(c.coef_, d.coef_, rtol=1e-12)


def test_arrow_table_fits_like_pandas(table):
    import pyarrow as pa

    pdf = table.drop(columns=["tier"])
    a = oneneuron.logit("default ~ balance + student", pdf)
    b = oneneuron.logit("default ~ balance + student", pa.Table.from_pandas(pdf))
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-12)


def test_saved_formula_model_predicts_raw_table(table, tmp_path):
    clf = oneneuron.logit(FORMULA, table)
    clf.save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["format_version"] == 2 and doc["design"]["formula"] == FORMULA
    again = oneneuron.load(tmp_path / "m.json")
    assert again.formula is None  # the formula string is never evaluated again
    np.testing.assert_allclose(
        again.predict_proba(table), clf.predict_proba(table), rtol=1e-12, atol=0
    )
    assert list(again.feature_names_out_) == list(clf.feature_names_out_)


def test_tampered_design_is_refused(table, tmp_path):
    clf = oneneuron.logit("default ~ np.log(income) + student", table)
    clf.save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    doc["design"]["terms"][0]["factors"][0]["transform"] = "os.system"
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="design: term 'np.log\\(income\\)' has a transform"):
        oneneuron.load(tmp_path / "bad.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    doc["design"]["terms"][1]["factors"][0]["level"] = "Maybe"
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="names a level that its column lacks"):
        oneneuron.load(tmp_path / "bad.json")


def _swap_levels(factor):
    if factor.get("level") in ("north", "south"):
        factor["level"] = {"north": "south", "south": "north"}[factor["level"]]


def _log_to_sqrt(factor):
    if factor.get("transform") == "np.log":
        factor["transform"] = "np.sqrt"


def _other_column(factor):
    if factor == {"column": "balance"}:
        factor["column"] = "income"


def _square_to_cube(factor):
    if factor.get("transform") == {"power": 2}:
        factor["transform"] = {"power": 3}


@pytest.mark.parametrize(
    "edit",
    [_swap_levels, _log_to_sqrt, _other_column, _square_to_cube],
    ids=["levels", "transform", "column", "power"],
)
def test_a_design_term_must_compute_what_its_name_says(table, tmp_path, edit):
    """Each design term carries its name (the summary's, features.names) and the
    factors that compute it; they were not compared, so a file whose 'C(region)[T.north]'
    read the south rows, or whose 'np.log(income)' took a square root, loaded and
    predicted other probabilities (by up to 0.66) under the same names."""
    formula = "default ~ balance + np.log(income) + C(region) + I(balance ** 2) + balance:student"
    clf = oneneuron.logit(formula, table)
    clf.save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    for term in doc["design"]["terms"]:
        for factor in term["factors"]:
            edit(factor)
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="design: term .* is not what its name computes"):
        oneneuron.load(tmp_path / "bad.json")


def test_quoted_column_names_save_inside_transforms(table, tmp_path):
    # names that need backticks in a formula (spaces, symbols, parentheses)
    # are saved inside every allowed transform and interaction, not only as plain terms
    df = table.rename(columns={"income": "income $", "balance": "bal (k)", "region": "the region"})
    formula = (
        "default ~ np.log(`income $`) + np.sqrt(`income $`) + I(`bal (k)` ** 2)"
        " + center(`bal (k)`) + C(`the region`) + `bal (k)`:student"
    )
    clf = oneneuron.logit(formula, df)
    ref = oneneuron.logit(
        "default ~ np.log(income) + np.sqrt(income) + I(balance ** 2) + center(balance)"
        " + C(region) + balance:student",
        table,
    )
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-10)
    clf.save(tmp_path / "m.json")
    again = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(again.predict_proba(df), clf.predict_proba(df), rtol=1e-12)


def test_dates_and_identifier_columns_are_refused_naming_the_column(table):
    # a date column used to become one category per day, an id column one per row:
    # a separated fit with hundreds of parameters and no word of the cause
    dated = table.assign(day=pd.date_range("2020-01-01", periods=len(table), freq="D"))
    with pytest.raises(DataError, match=r"column 'day' holds dates or times"):
        NeuronClassifier().fit(dated.drop(columns="default"), table["default"])
    with pytest.raises(DataError, match=r"column 'day' holds dates or times"):
        oneneuron.logit("default ~ balance + day", dated)
    ids = table.assign(who=[f"p{i}" for i in range(len(table))])
    with pytest.raises(DataError, match=r"column 'who' has a different value in each of its"):
        NeuronClassifier().fit(ids.drop(columns="default"), table["default"])
    # a formula that leaves them out fits as before
    assert oneneuron.logit("default ~ balance", dated.assign(who=ids["who"])).coef_.shape == (1, 1)


def test_a_formula_without_terms_is_one_clear_error(table):
    with pytest.raises(ValueError, match=r"'default ~ 1' has no term besides the intercept"):
        oneneuron.logit("default ~ 1", table)


def test_logit_takes_fit_arguments_by_value_or_column_name(table):
    # statsmodels' GLM takes freq_weights; logit(...) passes fit's arguments through
    w = np.random.default_rng(2).integers(1, 4, len(table)).astype(float)
    ref = NeuronClassifier(formula="default ~ balance + student").fit(table, None, sample_weight=w)
    by_value = oneneuron.logit("default ~ balance + student", table, sample_weight=w)
    by_name = oneneuron.logit("default ~ balance + student", table.assign(n=w), sample_weight="n")
    np.testing.assert_array_equal(by_value.coef_, ref.coef_)
    np.testing.assert_array_equal(by_name.coef_, ref.coef_)
    with pytest.raises(ValueError, match="no column 'nn' for sample_weight"):
        oneneuron.logit("default ~ balance", table, sample_weight="nn")


def test_formula_outside_allow_list_fits_but_is_not_saved(table, tmp_path):
    clf = oneneuron.logit("default ~ poly(balance, 2, raw=True) + student", table)
    assert clf.predict_proba(table).shape == (len(table), 2)
    with pytest.raises(ModelFileError, match=r"cannot be saved.*poly\(balance, 2, raw=True\)"):
        clf.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_missing_values_policy(table):
    df = table[["balance", "student", "default"]].copy()
    df.loc[[3, 7], "balance"] = np.nan
    df.loc[5, "student"] = None
    df.loc[9, "default"] = np.nan
    with pytest.raises(
        DataError,
        match=r"missing values in target column 'default' \(1 row, first at row 9\)",
    ):
        oneneuron.logit("default ~ balance + student", df)
    X = df[["balance", "student"]]
    with pytest.raises(
        DataError,
        match=r"column 'balance' \(2 rows, first at row 3\), 'student' \(1 row, first at row 5\)"
        r".*missing='drop'",
    ):
        NeuronClassifier().fit(X, table["default"])
    clf = oneneuron.logit("default ~ balance + student", df, missing="drop")
    assert clf.design_report_["dropped"] == 4 and clf.n_samples_fit_ == len(df) - 4
    keep = df.dropna()
    ref = oneneuron.logit("default ~ balance + student", keep)
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-12)
    y_drop = NeuronClassifier(missing="drop").fit(X, df["default"])
    assert y_drop.design_report_["dropped"] == 4
    filled = NeuronClassifier(missing="mean").fit(X, table["default"])
    spec = filled.design_
    assert spec.columns[0]["fill"] == pytest.approx(df["balance"].mean())
    assert spec.columns[1]["fill"] == df["student"].mode()[0]


def test_design_spec_round_trips_and_counts_unknown_levels(table):
    spec = DesignSpec.fit(table[["balance", "region"]])
    again = DesignSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    new = pd.DataFrame({"balance": [1.0], "region": ["mars"]})
    report: dict = {}
    X = again.transform(new, report)
    assert X.tolist() == [[1.0, 0.0, 0.0, 0.0]] and report["unknown"] == {"region": [1, "mars"]}


def test_arrays_refuse_a_reference_level():
    # an array's columns are numeric: no level to be the reference (missing= and
    # encoding= on arrays: tests/test_array_missing.py)
    with pytest.raises(ValueError, match="reference= names reference levels"):
        NeuronClassifier(reference={"x0": "a"}).fit(np.eye(3), [0, 1, 0])


def test_formula_naming_the_target_fits_without_y(table):
    """The docstring's promise: ``fit(df)`` when the formula names the target."""
    short = "default ~ balance + C(region)"
    clf = NeuronClassifier(formula=short).fit(table)
    ref = oneneuron.logit(short, table)
    np.testing.assert_array_equal(clf.coef_, ref.coef_)
    with pytest.raises(ValueError, match="y is required unless the formula names the target"):
        NeuronClassifier(formula="balance + C(region)").fit(table)
    with pytest.raises(ValueError, match="requires y"):
        NeuronClassifier().fit(table[["balance"]])


PLAIN = "default ~ balance + income:balance + C(region) + region:income"


@pytest.mark.parametrize(
    "numeric, categorical",
    [
        # formulaic writes `a:b` unquoted (a:b, its interaction a:b:x): the name's parts
        # are joined back where they spell a column (it was "the formula term 'a' uses a
        # transform a model file cannot store")
        ("bal:k", "the:region"),
        # a level is the [..] after the first split that names a column: C(`x[1]`)[T.u]
        # was read as the column 'C(`x' with a level, and the model could not be saved
        ("bal", "x[1]"),
        ("bal", "w[T.a]"),
        ("bal", "a:b[2]"),
        # `a.b` parses as an attribute of 'a': the column was left out of the frame
        # formulaic evaluates ("`a.b` is not present in the dataset")
        ("a.b", "region"),
        ("T.x", "region"),
        ("np.x", "region"),
    ],
)
def test_odd_column_names_fit_save_and_explain_as_plain_ones(table, tmp_path, numeric, categorical):
    # oracle: the same formula on plain names; the model file and margeff agree too
    df = table.rename(columns={"balance": numeric, "region": categorical})
    n, c = f"`{numeric}`", f"`{categorical}`"
    clf = oneneuron.logit(f"default ~ {n} + income:{n} + C({c}) + {c}:income", df)
    ref = oneneuron.logit(PLAIN, table)
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-10)
    assert clf.design_.unsaved is None
    clf.save(tmp_path / "m.json")
    again = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(again.predict_proba(df), clf.predict_proba(df), rtol=1e-12)
    np.testing.assert_allclose(
        again.margeff(df).to_numpy(), ref.margeff(table).to_numpy(), rtol=1e-6
    )


@pytest.mark.parametrize(
    "rhs",
    ["balance + np.log(income) - 1", "0 + balance + np.log(income)", "balance + C(region) - 1"],
)
def test_a_formula_without_intercept_fits_without_one(table, rhs):
    """``- 1`` / ``0 +`` drop the intercept, as in R and statsmodels (it was kept)."""
    smf = pytest.importorskip("statsmodels.formula.api")
    ref = smf.logit(f"default ~ {rhs}", table).fit(disp=0, tol=1e-12, maxiter=100)
    clf = oneneuron.logit(f"default ~ {rhs}", table, tol=1e-12)
    assert not clf.fit_intercept and "Intercept" not in ref.params.index
    names = list(clf.feature_names_out_)
    assert sorted(names) == sorted(ref.params.index)
    order = [list(ref.params.index).index(n) for n in names]
    np.testing.assert_allclose(clf.coef_[0], ref.params.to_numpy()[order], rtol=1e-7)
    np.testing.assert_allclose(clf.inference_.log_likelihood, ref.llf, rtol=1e-10)
    tab = clf.inference_.table()
    np.testing.assert_allclose(tab["std_err"], ref.bse.to_numpy()[order], rtol=1e-6)
    # the estimator asked for an intercept the formula removes: one clear error
    with pytest.raises(ValueError, match=r"removes the intercept.*fit_intercept=False"):
        NeuronClassifier(formula=f"default ~ {rhs}").fit(table)
    # an explicit fit_intercept=True to logit() is the same contradiction
    with pytest.raises(ValueError, match=r"removes the intercept"):
        oneneuron.logit(f"default ~ {rhs}", table, fit_intercept=True)


def test_the_target_on_both_sides_of_a_formula_is_named(table):
    # formulaic said "'default' is not present in the dataset": the column is there
    with pytest.raises(ValueError, match="target 'default' is also on its right-hand side"):
        oneneuron.logit("default ~ balance + default", table)


def test_unseen_categories_at_predict_warn_in_python_as_on_the_command_line(table):
    """They were coded as the reference level silently (the CLI warned)."""
    import warnings

    from oneneuron import UnknownCategoryWarning, regularization_path

    clf = NeuronClassifier().fit(table.drop(columns="default"), table["default"])
    new = table.drop(columns="default").head(4).assign(region=["mars", "north", "mars", "east"])
    ref = new.assign(region="east")  # the reference level: the same coding
    with pytest.warns(UnknownCategoryWarning, match=r"'region': 2 rows \(e.g. 'mars'\)"):
        got = clf.predict_proba(new)
    np.testing.assert_array_equal(got[[0, 2]], clf.predict_proba(ref)[[0, 2]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownCategoryWarning)
        with pytest.raises(UnknownCategoryWarning):
            clf.predict(new)
        clf.predict(ref)  # known levels: no warning
    path = regularization_path(table.drop(columns="default"), table["default"], n_alphas=3)
    with pytest.warns(UnknownCategoryWarning, match="'region'"):
        path.predict_proba(new, alpha=path.alphas[-1])


def test_a_y_that_differs_from_the_formulas_target_is_refused(table):
    """fit(df, y) with 'default ~ ...' ignored y silently; the same labels are fine (as
    scikit-learn's tools pass them)."""
    formula = "default ~ balance + C(region)"
    ref = NeuronClassifier(formula=formula).fit(table)
    same = NeuronClassifier(formula=formula).fit(table, table["default"].to_numpy())
    np.testing.assert_array_equal(same.coef_, ref.coef_)
    with pytest.raises(ValueError, match=r"y differs from the formula's target 'default'"):
        NeuronClassifier(formula=formula).fit(table, 1 - table["default"])


@pytest.mark.parametrize("how", ["mean", "median", "most_frequent"])
def test_fills_weigh_rows_as_frequency_weights(how):
    """A weight of 2 is two identical rows, for the fill values too (they were unweighted)."""
    rng = np.random.default_rng(3)
    n = 300
    d = pd.DataFrame(
        {
            "x": rng.normal(size=n).round(1),
            "g": rng.choice(["a", "b", "c"], n, p=[0.4, 0.35, 0.25]),
        }
    )
    y = (d.x + (d.g == "b") + rng.normal(size=n) > 0).astype(int).to_numpy()
    d.loc[:9, "x"] = np.nan
    d.loc[10:19, "g"] = None
    # integer weights that move every fill: heavier positive x and level 'c'
    w = 1.0 + 2.0 * (d.x.fillna(0) > 0) + 3.0 * (d.g == "c")
    got = NeuronClassifier(missing=how).fit(d, y, sample_weight=w.to_numpy())
    rep = np.repeat(np.arange(n), w.astype(int))
    unweighted = NeuronClassifier(missing=how).fit(d, y)
    assert unweighted.design_.columns != got.design_.columns  # the weights matter here
    ref = NeuronClassifier(missing=how).fit(d.iloc[rep].reset_index(drop=True), y[rep])
    fills = {c["name"]: c["fill"] for c in got.design_.columns}
    want = {c["name"]: c["fill"] for c in ref.design_.columns}
    assert fills["g"] == want["g"] and fills["x"] == pytest.approx(want["x"], rel=1e-12)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-8)


@pytest.mark.parametrize(
    "values, match",
    [
        (["1.2", "0.5", "oops", "2.2", "3.1", "0.7", "1.9", "2.8"], "except 1 cell: 'oops'"),
        (["1.5", "?", "2.5", "3.5", "?", "4.5", "5.5", "6.5"] * 2, r"marker '\?' in 4"),
        (["1,5", "2,25", "3,0", "0,75"] * 3, "decimal comma"),
        (["2024-01-05", "2024-02-01", "2024-01-05", "2023-12-31"] * 3, "dates as text"),
    ],
)
def test_numbers_stored_as_text_are_named_not_made_categories(values, match, tmp_path, capsys):
    """Each became a categorical variable with one indicator per distinct number (the CLI
    caught stray text from 20 rows on only; Python never)."""
    from oneneuron.cli import main

    n = len(values)
    df = pd.DataFrame({"x": values, "z": np.linspace(-1, 1, n)})
    y = np.arange(n) % 2
    with pytest.raises(ValueError, match=rf"column 'x' holds .*{match}"):
        NeuronClassifier(alpha=1.0).fit(df, y)
    path = tmp_path / "t.csv"
    df.assign(y=y).to_csv(path, index=False)
    code = main(["train", str(path), "--target", "y", "--model", str(tmp_path / "m.json")])
    err = capsys.readouterr().err
    assert code == 1 and err.splitlines()[-1].startswith("error: column 'x'"), err
    # codes stored as text, all numbers, stay categories; so do words
    ok = pd.DataFrame({"code": ["01", "02", "03", "01"] * 3, "w": ["a", "b", "c", "a"] * 3})
    assert NeuronClassifier(alpha=1.0).fit(ok, np.arange(12) % 2).coef_.shape[1] == 4


def test_table_messages_number_rows_as_numpy_messages_do():
    """Row numbers in the design layer's messages are 0-based positions, as the NumPy path's
    ("X has NaN in column 0 (row 3)"); the table path said "first at row 4" for position 3.
    The command line's messages keep their 1-based data rows."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=12), "b": rng.uniform(1, 2, 12)})
    y = np.arange(12) % 2
    bad = X.copy()
    bad.loc[3, "a"] = np.nan
    with pytest.raises(ValueError, match=r"X has NaN in column 'a' \(row 3\)"):
        NeuronClassifier().fit(bad, y)
    with pytest.raises(ValueError, match=r"in column 0 \(row 3\)"):
        NeuronClassifier().fit(bad.to_numpy(), y)
    with pytest.raises(DataError, match=r"'a' \(1 row, first at row 3\)"):
        oneneuron.logit("y ~ a + b", bad.assign(y=y))
    clf = oneneuron.logit("y ~ a + b", X.assign(y=y))
    with pytest.raises(DataError, match=r"'a' \(1 row, first at row 3\)"):
        clf.predict(bad)
    inf = X.copy()
    inf.loc[5, "a"] = np.inf
    with pytest.raises(DataError, match=r"infinite values \(first at row 5\)"):
        clf.predict(inf)
    logged = oneneuron.logit("y ~ a + np.log(b)", X.assign(y=y))
    neg = X.assign(b=X["b"].where(X.index != 4, -1.0))
    with pytest.raises(DataError, match=r"'np.log\(b\)' is not finite at row 4"):
        logged.predict(neg)


def test_codes_with_a_stray_word_are_kept_as_categories_when_declared():
    """The refusal of numbers stored as text names the way out for real categories."""
    zips = pd.Series(["02139", "10001", "94110", "60601"] * 5)
    zips[7] = "unknown"
    df = pd.DataFrame({"zip": zips, "x": np.linspace(0, 1, 20)})
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match=r"astype\('category'\)"):
        NeuronClassifier(alpha=1.0).fit(df, y)
    clf = NeuronClassifier(alpha=1.0).fit(df.assign(zip=zips.astype("category")), y)
    assert "zip[T.unknown]" in list(clf.feature_names_out_)


def test_one_documented_limit_on_levels_and_bytes_named():
    from oneneuron.tables import MAX_CATEGORIES

    n = MAX_CATEGORIES + 1
    df = pd.DataFrame({"g": [f"L{i}" for i in range(n)] * 2, "x": np.arange(2 * n) % 7})
    y = np.arange(2 * n) % 2
    with pytest.raises(ValueError, match=f"more than {MAX_CATEGORIES}"):
        NeuronClassifier(alpha=1.0).fit(df, y)
    raw = pd.DataFrame({"b": [b"ab", b"\xff"] * 10, "x": np.arange(20.0)})
    with pytest.raises(ValueError, match=r"column 'b' holds bytes that are not UTF-8 .*\\xff"):
        NeuronClassifier(alpha=1.0).fit(raw, np.arange(20) % 2)


def test_a_design_whose_levels_no_term_uses_is_refused(table, tmp_path):
    """A level appended to a categorical of a model file was accepted, and rows holding it
    were coded as the reference with no unseen-category warning."""
    from oneneuron.modelfile import ModelFileError

    clf = oneneuron.logit("default ~ balance + C(region) + student", table)
    path = tmp_path / "m.json"
    clf.save(path)
    assert oneneuron.load(path).predict_proba(table.head(3)).shape == (3, 2)  # valid as saved
    doc = json.loads(path.read_text())
    region = next(c for c in doc["design"]["columns"] if c["name"] == "region")
    region["levels"].append("zz")
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=r"column 'region'.*\['east', 'zz'\]"):
        oneneuron.load(path)


def test_a_spline_beyond_its_training_range_is_one_clear_error():
    """bs() is defined on the training range only: predicting beyond it named neither the
    column nor the range (formulaic's FactorEvaluationError); now a ValueError does."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.uniform(0, 1, 200), "z": rng.normal(size=200)})
    df["y"] = (rng.uniform(size=200) < df["x"]).astype(int)
    model = oneneuron.logit("y ~ bs(x, df=4) + z", df)
    lo, hi = df["x"].min(), df["x"].max()
    for value in (hi + 0.5, lo - 0.25):
        new = pd.DataFrame({"x": [0.5, value, 0.4], "z": [0.0, 0.0, 0.0]})
        for call in (model.predict_proba, model.predict, model.design_.transform):
            with pytest.raises(ValueError) as info:
                call(new)
            text = str(info.value)
            assert type(info.value) is ValueError
            assert "'x'" in text and "bs(x, df=4)" in text and "row 1" in text
            assert f"{lo:.6g}" in text and f"{hi:.6g}" in text
    assert model.predict_proba(df.iloc[:3]).shape == (3, 2)  # inside the range: fine


def test_any_formula_evaluation_error_at_predict_time_is_a_value_error(monkeypatch):
    """The class: any formula term formulaic cannot evaluate on new rows (forced here)."""
    from formulaic.errors import FactorEvaluationError

    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "y": [0, 1, 0, 1, 1, 0]})
    model = oneneuron.logit("y ~ poly(x, 2, raw=True)", df)

    def fails(*args, **kwargs):
        raise FactorEvaluationError(
            "Unable to evaluate factor `poly(x, 2, raw=True)`. [ValueError: no]"
        )

    monkeypatch.setattr(type(model.design_._formulaic), "get_model_matrix", fails)
    with pytest.raises(
        ValueError, match=r"cannot evaluate the formula term 'poly\(x, 2, raw=True\)'"
    ):
        model.predict_proba(df)


def _unused_level_tables(df):
    """``tier`` as a categorical with a level no row has, in front and in the middle, in
    pandas, polars (Enum) and Arrow (dictionary), as filtering a table leaves it."""
    import polars as pl
    import pyarrow as pa

    out = []
    for cats in (["none", "low", "mid", "high"], ["low", "mid", "none", "high"]):
        pdf = df.assign(tier=pd.Categorical(df["tier"].astype(str), categories=cats))
        out.append(pdf)
        out.append(pl.from_pandas(pdf).with_columns(pl.col("tier").cast(pl.Enum(cats))))
        out.append(pa.Table.from_pandas(pdf, preserve_index=False))
    return out


def test_categories_without_training_rows_are_not_levels(table):
    """A category no training row has (a pandas Categorical, polars Enum or Arrow
    dictionary after filtering) became a level: as the reference it made the other
    levels' columns sum to the intercept, otherwise an all-zero column; either way no
    standard errors, and at predict its rows were coded silently. Now, as R's
    model.frame (drop.unused.levels), only levels with rows count: the same fit as
    statsmodels on the column as text, and the empty category is an unseen one."""
    from oneneuron import UnknownCategoryWarning

    smf = pytest.importorskip("statsmodels.formula.api")
    df = table[["balance", "tier", "default"]]
    ref = smf.logit(
        "default ~ balance + C(tier, levels=['low', 'mid', 'high'])",
        df.assign(tier=df["tier"].astype(str)),
    ).fit(disp=0, tol=1e-12)
    for t in _unused_level_tables(df):
        clf = oneneuron.logit("default ~ balance + tier", t, tol=1e-12)
        assert list(clf.feature_names_out_) == ["balance", "tier[T.mid]", "tier[T.high]"]
        tab = clf.summary()
        order = [0, 3, 1, 2]  # patsy puts the categorical's columns before balance
        np.testing.assert_allclose(tab["coef"], ref.params.iloc[order], rtol=1e-6)
        np.testing.assert_allclose(tab["std_err"], ref.bse.iloc[order], rtol=1e-6)
        new = pd.DataFrame(
            {
                "balance": [0.0, 0.0],
                "tier": pd.Categorical(["none", "low"], categories=["low", "mid", "none", "high"]),
            }
        )
        with pytest.warns(UnknownCategoryWarning, match=r"'tier': 1 row \(e.g. 'none'\)"):
            clf.predict_proba(new)
    plain = NeuronClassifier().fit(_unused_level_tables(df)[0][["balance", "tier"]], df["default"])
    assert list(plain.feature_names_out_) == ["balance", "tier[T.mid]", "tier[T.high]"]
    with pytest.raises(ValueError, match=r"reference level 'none' of column 'tier'.*no rows"):
        NeuronClassifier(reference={"tier": "none"}).fit(
            _unused_level_tables(df)[0][["balance", "tier"]], df["default"]
        )


@pytest.mark.parametrize(
    ("rhs", "reference"),
    [
        ("balance + C(region)", "east"),
        ("0 + C(region) + balance", "east"),  # full coding: no column is all zeros
        ("C(region):balance", "east"),  # full coding inside the interaction
        ("0 + C(region):balance + C(student)", "east"),
        ("balance + C(region, Treatment(reference='west'))", "west"),
        ("balance + C(region, levels=['south', 'east', 'north', 'west'])", "south"),
        ("balance * C(region, Treatment('north'))", "north"),
    ],
)
def test_an_unseen_level_predicts_as_the_formulas_reference_level(table, rhs, reference):
    """An unseen level was coded as all-zero indicators, which is no level at all where
    the coding has no reference (``0 + C(g)``, ``C(g):x``: the prediction dropped the
    level's whole effect, 0.83 against 0.43 on the fair data), and formulaic's first
    level, not the reference, for ``C(g, Treatment('west'))`` and ``levels=``; the
    warning said "the reference level" in every case. Oracle: statsmodels' prediction
    for the same rows at the reference level (first level without one)."""
    import statsmodels.formula.api as smf

    from oneneuron import UnknownCategoryWarning

    data = table.assign(region=table["region"].astype(str))
    clf = oneneuron.logit(f"default ~ {rhs}", data)
    sm = smf.logit(f"default ~ {rhs}", data).fit(disp=0)
    new = data.head(6).assign(region=["mars", "north", "venus", "east", "west", "mars"])
    with pytest.warns(UnknownCategoryWarning, match="'region': 3 rows"):
        got = clf.predict_proba(new)[:, 1]
    at_reference = new.assign(
        region=new["region"].where(new["region"].isin(data["region"]), reference)
    )
    np.testing.assert_allclose(got, sm.predict(at_reference).to_numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    ("rhs", "reference"),
    [
        ("C(dose) + balance", 1),
        ("C(dose, Treatment(3)) + balance", 3),
        ("C(dose):balance", 1),
        ("0 + C(dose) + balance", 1),
        ("C(dose, levels=[2, 1, 3]) + balance", 2),
    ],
)
def test_an_unseen_value_of_a_numeric_column_coded_by_c_is_the_reference(table, rhs, reference):
    """``C(dose)`` of a numeric column: a value not seen in training (7, or 2.5) passed
    formulaic's own warnings and a pandas deprecation warning, no UnknownCategoryWarning,
    and was coded as all-zero indicators: no level at all for ``C(dose):x`` and
    ``0 + C(dose)``. Now it is counted and coded as the reference level, as a text
    column's unseen level is. Oracle: statsmodels' prediction at the reference level."""
    import warnings

    import statsmodels.formula.api as smf

    from oneneuron import UnknownCategoryWarning

    rng = np.random.default_rng(5)
    data = table.assign(dose=rng.integers(1, 4, len(table)))
    clf = oneneuron.logit(f"default ~ {rhs}", data)
    sm = smf.logit(f"default ~ {rhs}", data).fit(disp=0)
    new = data.head(5).assign(dose=[7.0, 2.0, 2.5, 1.0, 3.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = clf.predict_proba(new)[:, 1]
    assert [w.category for w in caught] == [UnknownCategoryWarning], [
        str(w.message) for w in caught
    ]
    assert "'dose': 2 rows (e.g. '7" in str(caught[0].message)
    at_reference = new.assign(dose=[reference, 2, reference, 1, 3])
    np.testing.assert_allclose(got, sm.predict(at_reference).to_numpy(), rtol=1e-6)


@pytest.mark.parametrize("lhs", ["Q('paid off')", 'Q("paid off")', "`paid off`"])
def test_a_quoted_target_name_is_its_column(table, lhs):
    """``Q('paid off') ~ x`` (statsmodels, patsy) and ```paid off` ~ x`` (formulaic) are
    how a formula names a column with a space; the left-hand side was refused as 'not
    a column name of the table'. Oracle: the same fit with the column renamed."""
    data = table.rename(columns={"default": "paid off"})
    got = oneneuron.logit(f"{lhs} ~ balance + C(region)", data)
    want = oneneuron.logit("default ~ balance + C(region)", table)
    assert got.design_.target == "paid off"
    np.testing.assert_allclose(got.coef_, want.coef_, rtol=1e-10)
    assert got.predict_proba(data.head(3)).shape == (3, 2)


@pytest.mark.parametrize(
    ("term", "column", "value"),
    [
        ("C(region, levels=['east', 'north', 'south'])", "region", "'west'"),
        ("C(region, Treatment('north'), levels=['north', 'east', 'south'])", "region", "'west'"),
        ("C(dose, levels=[1, 2])", "dose", "3"),
        ("C(dose, levels=[1, 2]):balance", "dose", "3"),
    ],
)
def test_training_values_outside_the_levels_of_c_are_refused(table, term, column, value):
    """``C(g, levels=[...])`` that leaves out a value the training rows hold: formulaic
    cast those rows to missing and coded them as the reference level (two library
    warnings), fitting a wrong model on every row; patsy (statsmodels) refuses. Now one
    DataError names the column, the values and their rows, and the formula library's
    warnings (DataMismatchWarning, a pandas deprecation) no longer reach the user before
    it."""
    import warnings

    import statsmodels.formula.api as smf
    from patsy import PatsyError

    rng = np.random.default_rng(5)
    data = table.assign(dose=rng.integers(1, 4, len(table)), region=table["region"].astype(str))
    with pytest.raises(PatsyError):  # the oracle refuses too
        smf.logit(f"default ~ balance + {term}", data)
    n = int((data[column].astype(str) == value.strip("'")).sum())
    match = rf"column '{column}' has {n} rows? .*{value}.* levels="
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DataError, match=match):
            oneneuron.logit(f"default ~ balance + {term}", data)
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize(
    ("rhs", "note"),
    [
        ("balance + C(region)", "treatment coding against reference levels region=east"),
        ("balance + C(region, Treatment('west'))", "reference levels region=west"),
        ("balance + C(region, levels=['south', 'east', 'north', 'west'])", "region=south"),
        ("balance + C(region, Sum)", "without a reference level"),
        ("0 + C(region) + balance", "without a reference level"),
        ("0 + C(region) + C(student)", "reference levels student=No; coded without a"),
    ],
)
def test_the_coding_note_names_the_formulas_reference_levels(table, rhs, note):
    """The note (CLI evaluate, the HTML report) said 'treatment coding against reference
    levels region=east' for every formula: for Treatment('west'), sum coding and the
    one-column-per-level coding of ``0 + C(region)`` alike. Oracle: the coefficient
    names statsmodels gives the same formula (which level is left out, if any)."""
    import statsmodels.formula.api as smf

    data = table.assign(region=table["region"].astype(str))
    text = oneneuron.logit(f"default ~ {rhs}", data).design_.coding_note()
    assert note in text, text
    names = smf.logit(f"default ~ {rhs}", data).fit(disp=0).params.index
    region = [n for n in names if n.startswith("C(region")]
    if "without" in note:
        assert "region" in text.split("without")[1]
    else:  # the level statsmodels leaves out is the one named
        left_out = {"east", "north", "south", "west"} - {n.split("T.")[-1][:-1] for n in region}
        assert left_out == {text.split("region=")[1].split(";")[0].split(",")[0]}


def _no_rows_cases(table):
    data = table.assign(region=table["region"].astype(str))
    unused = data.assign(
        region=pd.Categorical(data["region"], categories=[*sorted(set(data["region"])), "mars"])
    )
    first_unused = data.assign(
        region=pd.Categorical(data["region"], categories=["mars", *sorted(set(data["region"]))])
    )
    weightless = np.where(data["region"] == "west", 0.0, 1.0)
    return [
        (unused, None, "'mars'"),
        (first_unused, None, "'mars'"),  # the reference level has no rows
        (data, weightless, "'west'"),
    ]


@pytest.mark.parametrize("case", [0, 1, 2])
def test_a_level_without_rows_is_named_when_the_hessian_is_singular(table, case):
    """A category with no training rows (an unused pandas category, or rows all of
    weight 0) makes the Hessian singular; the message named a column as 'constant (a
    multiple of the intercept)' or, for the reference level, 'a linear combination of'
    the other levels, not the level. Oracle: the level is absent from the rows."""
    frame, weights, level = _no_rows_cases(table)[case]
    clf = oneneuron.logit("default ~ balance + region", frame, sample_weight=weights)
    if weights is None:  # an unused category is no level at all (R's drop.unused.levels)
        assert not any("mars" in n for n in clf.feature_names_out_)
        assert clf.summary()["std_err"].notna().all()
        return
    # the level's column is aliased (NA, as R's glm), and the caption names the level
    table = clf.summary()
    assert f"level {level} of column 'region' has no training rows" in table.attrs["caption"]
    assert table.loc["region[T.west]"].isna().all()
    assert table.drop(index="region[T.west]").notna().all(axis=None)


@pytest.mark.parametrize("missing", ["error", "drop"])
def test_a_missing_cell_at_predict_names_a_remedy_that_works_there(table, missing):
    """Predicting on a row with a missing cell advised "drop those rows (missing='drop',
    CLI --drop-missing)", which a model fitted with missing='drop' already has and which
    does not drop rows at predict. Now: drop them from the table, or fit with a fill."""
    clf = oneneuron.logit("default ~ balance + C(region)", table, missing=missing)
    new = table.head(3).assign(balance=[1.0, np.nan, 2.0])
    with pytest.raises(DataError, match="'balance' \\(1 row, first at row 1\\)") as err:
        clf.predict_proba(new)
    assert "missing='drop'" not in str(err.value)
    assert "drop those rows from the table" in str(err.value)
    assert "missing='mean'" in str(err.value)


@pytest.mark.parametrize(
    ("dot", "explicit"),
    [
        ("y ~ .", "y ~ balance + region + student"),
        ("y ~ . - student", "y ~ balance + region"),
        ("y ~ 0 + . + I(balance**2)", "y ~ 0 + balance + region + student + I(balance**2)"),
        ("y ~ .:student", "y ~ (balance + region + student):student"),
    ],
)
def test_a_dot_stands_for_every_other_column(table, dot, explicit):
    """R's ``y ~ .`` (every column but the target) failed with formulaic's internals
    ('requires additional context ... __formulaic_variables_available__'). Oracle:
    statsmodels on the formula with the columns written out."""
    import statsmodels.formula.api as smf

    data = table[["balance", "region", "student", "default"]].rename(columns={"default": "y"})
    data = data.assign(region=data["region"].astype(str))
    got = oneneuron.logit(dot, data)
    ref = smf.logit(explicit, data).fit(disp=0)
    assert got.fit_intercept == ("0 +" not in dot)
    coef = got.summary()["coef"].rename({"intercept": "Intercept"})
    assert sorted(coef.index) == sorted(ref.params.index)
    np.testing.assert_allclose(coef[ref.params.index], ref.params, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("rhs", ["log(.)", "np.log(.) + g", "scale(.)", "C(.)"])
def test_a_dot_inside_a_call_is_one_clear_error(table, rhs):
    """R's ``.`` stands for terms, not for a value: ``log(.)`` is no model in R either.
    It failed as formulaic's "Unable to evaluate factor `lo`g`(`a` + ...)`. [SyntaxError:
    invalid syntax]" (the function's name mangled) or as "contains null values", or fitted
    log(balance + income), one column, under R's notation. Now one error names
    the call and the spelling that works, each column written out."""
    data = table[["balance", "income", "default"]].rename(columns={"default": "y"})
    with pytest.raises(ValueError, match=r"'\.'.*inside.*\(\).*each column"):
        oneneuron.logit(f"y ~ {rhs}", data)
    assert oneneuron.logit("y ~ (.)^2 - balance:income", data).feature_names_out_.tolist() == [
        "balance",
        "income",
    ]


@pytest.mark.parametrize("missing", ["mean", "median"])
def test_a_numeric_column_coded_by_c_is_filled_with_its_most_frequent_level(table, missing):
    """``C(dose)`` with missing='mean': the mean (2.04) filled the missing cells and
    became a level of its own ('C(dose)[T.2.04...]'), a missing-indicator column the
    user did not ask for; a text column's fill is its most frequent level whatever
    ``missing`` says. Now the numeric column coded as categories is filled the same
    way. Oracle: statsmodels on the table filled with the most frequent value."""
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(7)
    data = table.assign(dose=rng.choice([1.0, 2.0, 3.0], len(table), p=[0.3, 0.3, 0.4]))
    data.loc[rng.choice(len(data), 40, replace=False), "dose"] = np.nan
    clf = oneneuron.logit("default ~ balance + C(dose)", data, missing=missing)
    top = data["dose"].mode()[0]
    ref = smf.logit("default ~ balance + C(dose)", data.fillna({"dose": top})).fit(disp=0)
    coef = clf.summary()["coef"].rename({"intercept": "Intercept"})
    assert sorted(coef.index) == sorted(ref.params.index.str.replace(".0]", "]"))
    np.testing.assert_allclose(np.sort(coef.to_numpy()), np.sort(ref.params.to_numpy()), rtol=1e-6)


@pytest.mark.parametrize(
    ("formula", "match"),
    [
        ("default ~ balance + offset(np.log(income))", r"offset\(\).*offset=.*a column"),
        ("default ~ offset(income) + balance", r"offset\(\).*offset="),
        ("cbind(default, 1 - default) ~ balance", r"cbind.*two rows per group.*sample_weight"),
    ],
)
def test_r_formula_forms_with_no_formulaic_meaning_name_the_python_way(table, formula, match):
    """R's ``offset(log(e))`` in a formula and ``cbind(successes, failures) ~ x`` were
    refused as "name 'offset' is not defined" and "must be a column name of the table";
    each now names the way to say it here (offset=, two rows per group)."""
    with pytest.raises(ValueError, match=match):
        oneneuron.logit(formula, table)


def test_a_treatment_contrast_saves_as_the_reference_option(table, tmp_path):
    """``C(region, Treatment('west'))`` could not be saved (the refusal pointed to
    ``C(region)`` with ``reference={'region': 'west'}``); it saves now. Oracle: that
    spelling, the same model, predicts as the loaded file does."""
    data = table.assign(region=table["region"].astype(str))
    clf = oneneuron.logit("default ~ balance + C(region, Treatment('west'))", data)
    clf.save(tmp_path / "m.json")
    same = oneneuron.logit("default ~ balance + C(region)", data, reference={"region": "west"})
    np.testing.assert_allclose(
        oneneuron.load(tmp_path / "m.json").predict_proba(data),
        same.predict_proba(data),
        rtol=1e-6,
    )


def test_predict_interval_codes_the_table_once(table):
    """predict_interval coded a table twice (for the logits, then for the intervals):
    two passes over the table and two unseen-category warnings for one call."""
    import warnings

    from oneneuron import UnknownCategoryWarning

    clf = oneneuron.logit("default ~ balance + C(region)", table)
    new = table.head(6).assign(region=["mars", "north", "mars", "east", "west", "south"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = clf.predict_interval(new)
    assert [w.category for w in caught] == [UnknownCategoryWarning]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownCategoryWarning)
        np.testing.assert_allclose(got["proba"], clf.predict_proba(new)[:, 1], rtol=1e-12)


def test_diagnostics_warn_once_about_an_unseen_level(table):
    """diagnostics on rows holding an unseen level warned twice for one call."""
    import warnings

    from oneneuron import UnknownCategoryWarning

    clf = oneneuron.logit("default ~ balance + C(region)", table)
    # diagnostics take the training rows: the unseen level in extra rows of weight 0
    new = pd.concat([table, table.head(3).assign(region="mars")], ignore_index=True)
    weight = np.r_[np.ones(len(table)), np.zeros(3)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        oneneuron.diagnostics(clf, new, sample_weight=weight)
    assert [w.category for w in caught] == [UnknownCategoryWarning]


def _city_frames():
    rng = np.random.default_rng(3)
    n = 60
    train = pd.DataFrame(
        {"x": rng.normal(size=n), "city": rng.choice(["paris", "rome", "oslo", "bern"], n)}
    )
    y = (train["x"] + rng.normal(size=n) > 0).astype(int)
    return train, y, train.assign(city=np.arange(n) % 32)


@pytest.mark.parametrize("lib", ["pandas", "polars"])
def test_text_column_arriving_as_numbers_is_one_error(lib):
    """A column of text levels in training that holds numbers at predict (a different
    export) is refused naming the column and an example, not coded as the reference
    level in every row with only a warning."""
    import polars as pl

    from oneneuron import NeuronClassifier

    train, y, numbers = _city_frames()
    wrap = pl.from_pandas if lib == "polars" else (lambda d: d)
    m = NeuronClassifier().fit(wrap(train), y)
    for new in (numbers, numbers.assign(city=numbers["city"].astype(str))):
        with pytest.raises(ValueError, match=r"column 'city' .*holds numbers \(e\.g\. '0'\).*text"):
            m.predict_proba(wrap(new))
    # a single new level in a few rows stays a warning (coded as the reference level)
    from oneneuron import UnknownCategoryWarning

    few = train.head(3).assign(city=["paris", "lyon", "rome"])
    with pytest.warns(UnknownCategoryWarning, match="'city': 1 row"):
        m.predict_proba(wrap(few))


def test_numeric_codes_none_of_which_is_a_level_is_one_error():
    """Codes as text in training ("01".."04") and numbers now (1..4): none matches."""
    from oneneuron import NeuronClassifier, UnknownCategoryWarning

    train, y, _ = _city_frames()
    codes = {"paris": "01", "rome": "02", "oslo": "03", "bern": "04"}
    train = train.assign(city=train["city"].map(codes))
    m = NeuronClassifier().fit(train, y)
    new = train.assign(city=train["city"].astype(int))
    with pytest.raises(ValueError, match="column 'city'.*none of its 60 values is a training"):
        m.predict_proba(new)
    with pytest.warns(UnknownCategoryWarning):  # one row: a new level, not a new kind
        m.predict_proba(new.head(1))


def test_numeric_column_arriving_as_text_is_one_error():
    from oneneuron import NeuronClassifier

    train, y, _ = _city_frames()
    m = NeuronClassifier().fit(train, y)
    with pytest.raises(ValueError, match=r"column 'x' .*must be numeric \(as in training\)"):
        m.predict_proba(train.assign(x=train["city"]))


@pytest.mark.parametrize("lib", ["polars", "pandas-object"])
def test_booleans_with_missing_cells_are_a_boolean_column(lib):
    """A polars Boolean column with nulls (or a pandas object column of booleans and
    None) is a boolean column ``PSI``, as pandas' nullable ``boolean`` dtype gives, not
    text categories ``PSI[T.True]``."""
    import polars as pl

    from oneneuron import NeuronClassifier

    rng = np.random.default_rng(6)
    n = 90
    b, x = rng.random(n) > 0.5, rng.normal(size=n)
    y = (x + b + rng.normal(size=n) > 0.5).astype(int)
    cells = [None if i % 10 == 0 else bool(v) for i, v in enumerate(b)]
    ref = pd.DataFrame({"x": x, "PSI": pd.Series(cells, dtype="boolean")})
    if lib == "polars":
        X = pl.DataFrame({"x": x, "PSI": pl.Series(cells, dtype=pl.Boolean)})
    else:
        X = pd.DataFrame({"x": x, "PSI": pd.Series(cells, dtype=object)})
    for missing in ("most_frequent", "drop"):
        want = NeuronClassifier(missing=missing).fit(ref, y)
        got = NeuronClassifier(missing=missing).fit(X, y)
        assert list(got.feature_names_out_) == list(want.feature_names_out_) == ["x", "PSI"]
        np.testing.assert_allclose(got.coef_, want.coef_, rtol=1e-10)
        if missing == "most_frequent":  # (missing="drop" refuses missing cells at predict)
            np.testing.assert_allclose(got.predict_proba(X), want.predict_proba(ref), rtol=1e-10)


def _counts_table() -> pd.DataFrame:
    """Integer columns, as R users' data often are (mtcars' hp, birthwt's age)."""
    rng = np.random.default_rng(5)
    n = 300
    k = rng.integers(1, 30, n)
    g = rng.choice(["a", "b", "c"], n)
    z = -1.0 + 0.1 * k - 0.004 * k**2 + 0.5 * (g == "b")
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame({"y": y, "k": k, "g": g})


@pytest.mark.parametrize(
    "rhs", ["k + I(k^2)", "k + I(k ^ 2)", "np.log(k^2)", "C(g):I(k^3)", "I(2 ^ k)"]
)
def test_a_caret_inside_a_python_expression_is_refused_not_xor(rhs):
    """R writes a square as ``I(k^2)``; inside ``I()`` (Python) ``^`` is bitwise XOR, so
    an integer column k fitted ``k XOR 2`` (110 -> 108) without a word: a different model
    under R's name. Refused, naming ``**``. Oracle: the ``**`` spelling is statsmodels'
    square term (the refusal is the fix's only effect on that model)."""
    import statsmodels.formula.api as smf

    data = _counts_table()
    with pytest.raises(ValueError, match=r"\^.*XOR.*\*\*"):
        oneneuron.logit(f"y ~ {rhs}", data)
    clf = oneneuron.logit("y ~ k + I(k**2)", data)
    ref = smf.logit("y ~ k + I(k**2)", data).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(clf.summary()["coef"], ref.params, rtol=1e-6)


def test_the_interaction_power_caret_outside_python_stays():
    """``(a + b)^2`` is the formula language's all-two-way-interactions, not Python: kept."""
    data = _counts_table().assign(x=lambda d: d["k"] * 0.5 + np.sin(d["k"]))
    clf = oneneuron.logit("y ~ (k + x)^2", data)
    assert clf.feature_names_out_.tolist() == ["k", "x", "k:x"]


@pytest.mark.parametrize(
    ("rhs", "match"),
    [
        ("factor(g) + k", r"factor\(g\).*C\(g\)"),
        ("as.factor(g) + k", r"as\.factor\(g\).*C\(g\)"),
        ("relevel(factor(g), ref='b') + k", r"relevel.*reference=\{'g': 'b'\}"),
        ("poly(k, 2, raw=TRUE)", r"TRUE.*True"),
        ("sqrt(k)", r"sqrt\(\).*np\.sqrt"),
        ("pmin(k, 10)", r"pmin\(\).*np\.minimum"),
        ("ifelse(k > 3, 1, 0)", r"ifelse\(\).*np\.where"),
    ],
)
def test_r_spellings_without_a_python_meaning_name_the_python_one(rhs, match):
    """R's ``factor(g)``, ``as.factor(g)``, ``relevel(...)`` and ``TRUE`` were refused as
    "name 'factor' is not defined" or "invalid syntax" (``as`` is a Python keyword),
    naming no way forward; each now names the spelling that works here."""
    with pytest.raises(ValueError, match=match):
        oneneuron.logit(f"y ~ {rhs}", _counts_table())


def test_a_reference_level_given_as_a_number_saves(tmp_path):
    """``reference={'c': 3}`` for a categorical of integers fitted (the levels are the
    text '1', '2', '3'), but ``save`` refused it: 'reference must map column names to
    levels. Its parameters were changed after the fit (set_params)', which they were not.
    The level is now stored as its text. Oracle: statsmodels' ``C(c, Treatment(3))``;
    the loaded model predicts as the fit."""
    import statsmodels.formula.api as smf

    data = _counts_table().assign(c=lambda d: d["k"] % 4)
    X = data[["c"]].assign(c=lambda d: pd.Categorical(d["c"]))
    clf = NeuronClassifier(reference={"c": 3}).fit(X, data["y"])
    ref = smf.logit("y ~ C(c, Treatment(3))", data).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(clf.coef_[0], ref.params.to_numpy()[1:], rtol=1e-5)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_proba(X), clf.predict_proba(X), atol=1e-12)


@pytest.mark.parametrize("ref", [3, "3"])
def test_reference_picks_the_base_of_a_numeric_column_coded_by_c(tmp_path, ref):
    """R's ``relevel(factor(k), ref='3')``: the refusal of ``relevel`` says "write C(k) and
    pass reference={'k': '3'}", but for a numeric column that was refused in turn ("which
    is numeric, not categorical"), though ``C(k)`` alone codes it as categories (and
    saves). Now ``reference=`` picks the base level of a numeric column the formula uses
    only as ``C(k)``. Oracle: statsmodels' ``C(k, Treatment(3))``; the saved model
    predicts as the fit."""
    import statsmodels.formula.api as smf

    data = _counts_table().assign(k=lambda d: d["k"] % 4)
    with pytest.raises(ValueError, match=r"relevel.*reference=\{'k': '3'\}"):
        oneneuron.logit("y ~ relevel(factor(k), ref='3') + g", data)
    clf = oneneuron.logit("y ~ C(k) + g", data, reference={"k": ref})
    ref_fit = smf.logit("y ~ C(k, Treatment(3)) + g", data).fit(disp=0, tol=1e-12)
    names = [n.replace("C(k, Treatment(3))", "C(k)") for n in ref_fit.params.index[1:]]
    assert sorted(clf.feature_names_out_) == sorted(names)
    coef = clf.summary()["coef"].rename({"intercept": "Intercept"})
    np.testing.assert_allclose(coef[["Intercept", *names]], ref_fit.params, rtol=1e-6)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_proba(data), clf.predict_proba(data), atol=1e-12)
    with pytest.raises(ValueError, match=r"'k'.*C\(k\) alone.*C\(k, Treatment\(3\)\)"):
        oneneuron.logit("y ~ C(k) + k:g", data, reference={"k": ref})


@pytest.mark.parametrize("lhs", ["I(yy == 'yes')", "(yy == 'yes')", "factor(yy)", "as.factor(yy)"])
def test_an_expression_as_the_target_names_the_column_to_use(lhs):
    """R's ``I(y == 'yes') ~ x`` or ``factor(y) ~ x``: refused as "must be a column name"
    with no way forward. Now the error names the column and the two that work: the text
    column itself (its second level the event, as R's factor) or a 0/1 column made first.
    Oracle: statsmodels on that 0/1 column, for the spelling the message offers."""
    import statsmodels.formula.api as smf

    data = _counts_table().assign(yy=lambda d: np.where(d["y"] == 1, "yes", "no"))
    with pytest.raises(ValueError, match=r"target.*'yy'.*'yy ~ \.\.\.'.*event"):
        oneneuron.logit(f"{lhs} ~ k", data.drop(columns="y"))
    clf = oneneuron.logit("yy ~ k", data.drop(columns="y"))
    assert clf.classes_.tolist() == ["no", "yes"]
    ref = smf.logit("y ~ k", data).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(clf.summary()["coef"], ref.params, rtol=1e-6)


@pytest.mark.parametrize("rhs", ["k %in% g", "g + k %in% g", "k + k %in% g"])
def test_r_nesting_in_is_refused_naming_both_readings(rhs):
    """``k %in% g`` is R's ``k:g`` (k nested in g: one slope per level, 3 columns), but
    formulaic reads it as ``g/k`` (``g + g:k``), so ``y ~ k %in% g`` fitted 5 columns,
    g's main effects added without a word: a different model under R's notation (and
    statsmodels refuses ``%in%``). Refused, naming the two spellings that mean one thing
    each. Oracle: statsmodels fits what the message offers, ``k:g``, as R's ``k %in% g``."""
    import statsmodels.formula.api as smf

    data = _counts_table()
    with pytest.raises(ValueError, match=r"%in%.*R.*k:g.*g/k"):
        oneneuron.logit(f"y ~ {rhs}", data)
    clf = oneneuron.logit("y ~ k:g", data)
    ref = smf.logit("y ~ k:g", data).fit(disp=0, tol=1e-12)
    assert clf.feature_names_out_.tolist() == ref.params.index[1:].tolist()
    np.testing.assert_allclose(clf.summary()["coef"], ref.params, rtol=1e-6)


@pytest.mark.parametrize(
    "rhs",
    [
        "C(g, levels=['b', 'a %in% c']) + k",
        "`k %in% g` + k",
        "C(g, levels=['b', 'a %in% c']):k",
        "C(h, levels=['TRUE', 'factor(k)']) + k",
        "C(r, levels=[\"relevel(g, 'b')\", 'q']) + k",
        "I(h == 'TRUE') + k",
        "C(o, levels=['p', 'offset(k)']) + k",
    ],
)
def test_r_spellings_inside_quoted_levels_and_backticked_names_are_not_refused(rhs):
    """The checks for R's ``%in%``, ``factor()``, ``relevel()``, ``TRUE`` and ``offset()``
    searched the formula's text with regular expressions, so a level written in quotes
    (``levels=['b', 'a %in% c']``) or a backticked column name (`` `k %in% g` ``) that
    spells one was refused as R's notation. They now read the formula's tokens: quoted
    text and backticked names are not operators or calls. Oracle: statsmodels (patsy)
    on the same model, the columns renamed where patsy's names differ (the quoted levels
    and the backticked column) and compared by value."""
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(7)
    n = 300
    g = rng.choice(["b", "a %in% c"], n)
    h, r = rng.choice(["TRUE", "factor(k)"], n), rng.choice(["relevel(g, 'b')", "q"], n)
    k = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(k + (g == "b") - 0.5 * (h == "TRUE"))))).astype(int)
    o = rng.choice(["p", "offset(k)"], n)
    data = pd.DataFrame({"g": g, "h": h, "r": r, "o": o, "k": k, "y": y})
    data["k %in% g"] = rng.normal(size=n)
    clf = oneneuron.logit(f"y ~ {rhs}", data, tol=1e-12)
    # patsy's Q() names the backticked column; its own level coding gives the same columns
    plain = data.rename(columns={"k %in% g": "kg"})
    patsy = rhs.replace("`k %in% g`", "kg")
    ref = smf.logit(f"y ~ {patsy}", plain).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(clf.summary()["coef"], ref.params, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match=r"%in%.*R.*k:g.*g/k"):  # outside quotes: R's
        oneneuron.logit("y ~ C(g, levels=['b', 'a %in% c']) + k %in% g", data)


@pytest.mark.parametrize(
    ("rhs", "match"),
    [
        ("log(k, 10)", r"second argument.*log10\(k\).*log2\(k\)"),
        ("log(k, base = 2)", r"second argument.*log10\(k\).*log2\(k\)"),
        ("np.log(k, 10)", r"second argument.*log10\(k\).*log2\(k\)"),
        ("g + log(k, exp(1))", r"second argument.*log10\(k\).*log2\(k\)"),
        ("exp(k, 2)", r"exp\(k, 2\).*one argument.*output array"),
    ],
)
def test_a_second_argument_to_a_log_is_refused_naming_the_base_spelling(rhs, match):
    """R's ``log(x, base)``: formulaic evaluates ``log`` as NumPy's, whose second argument
    is the output array, so ``log(k, 10)`` failed as "'int' object does not support item
    assignment" (and ``base=`` as an unexpected keyword), naming no way forward. Now one
    error names ``log10``/``log2``/``log``. Oracle: statsmodels' fit of ``np.log10(k)``
    for the spelling offered."""
    import statsmodels.formula.api as smf

    data = _counts_table()
    with pytest.raises(ValueError, match=match):
        oneneuron.logit(f"y ~ {rhs}", data)
    clf = oneneuron.logit("y ~ log10(k)", data)
    ref = smf.logit("y ~ np.log10(k)", data).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(clf.summary()["coef"], ref.params, rtol=1e-6)


@pytest.mark.parametrize(
    ("r_form", "np_form"),
    [
        ("log(income) + exp(balance)", "np.log(income) + np.exp(balance)"),
        ("log10(income) + balance", "np.log10(income) + balance"),
        ("log2(income) + balance", "np.log2(income) + balance"),
    ],
)
def test_r_spelled_log_and_exp_save_as_their_numpy_spelling(table, tmp_path, r_form, np_form):
    """``log(x)`` and ``exp(x)`` (R's spelling; formulaic evaluates them as NumPy's) fitted
    but a model file refused them ('uses a transform a model file cannot store') while
    ``np.log(x)`` saved, and the command line refused such a --formula before fitting.
    Oracle: statsmodels fits the NumPy spelling; the saved model predicts as the fit;
    margeff's derivative of the transform against finite differences."""
    import statsmodels.formula.api as smf

    data = table
    clf = oneneuron.logit(f"default ~ {r_form}", data)
    ref = smf.logit(f"default ~ {np_form}", data).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(clf.summary()["coef"], ref.params, rtol=1e-6)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_proba(data), clf.predict_proba(data), rtol=1e-12)
    eff = clf.margeff(data)
    h = 1e-6
    up = clf.predict_proba(data.assign(income=data["income"] + h))[:, 1]
    down = clf.predict_proba(data.assign(income=data["income"] - h))[:, 1]
    assert eff.loc["income", "dy_dx"] == pytest.approx(np.mean((up - down) / (2 * h)), rel=1e-5)


def test_an_ordered_categorical_is_treatment_coded_and_poly_is_rs_contr_poly():
    """Decision (README, tables/_design.py): an ordered pandas Categorical (R's ordered
    factor, esoph's agegp) is treatment-coded against its first category, as
    statsmodels codes it; R's default for ordered factors, polynomial contrasts, is
    ``C(x, Poly)``. Oracle: statsmodels' formula API for both spellings."""
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(3)
    n = 500
    order = ["25-34", "35-44", "45-54", "55+"]  # not the sorted order of the labels
    order[0], order[3] = "young", "older"
    age = pd.Categorical(rng.choice(order, n), categories=order, ordered=True)
    x = rng.normal(size=n)
    z = -0.5 + 0.6 * age.codes + 0.4 * x
    df = pd.DataFrame({"y": (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int), "age": age, "x": x})
    clf = oneneuron.logit("y ~ age + x", df)
    ref = smf.logit("y ~ age + x", df).fit(disp=0, tol=1e-12)
    assert clf.feature_names_out_.tolist() == [f"age[T.{v}]" for v in order[1:]] + ["x"]
    np.testing.assert_allclose(clf.summary()["coef"], ref.params, rtol=1e-6)
    poly = oneneuron.logit("y ~ C(age, Poly) + x", df)
    ref = smf.logit("y ~ C(age, Poly) + x", df).fit(disp=0, tol=1e-12)
    assert poly.feature_names_out_.tolist()[:3] == [
        f"C(age, Poly)[{s}]" for s in (".L", ".Q", ".C")
    ]
    np.testing.assert_allclose(poly.summary()["coef"], ref.params, rtol=1e-6)
    np.testing.assert_allclose(poly.summary()["std_err"], ref.bse, rtol=1e-6)


def test_the_summary_says_how_many_rows_missing_values_dropped(table, tmp_path):
    """R's summary.glm prints "(4 observations deleted due to missingness)"; our caption
    said nothing, so a table fitted on fewer rows than the data read as all of them
    (design_report_ alone knew). The caption and the saved model say it now. Oracle:
    the count of incomplete rows, and the fit on the complete rows (nobs)."""
    df = table[["balance", "student", "default"]].copy()
    df.loc[[3, 7], "balance"] = np.nan
    df.loc[5, "student"] = None
    clf = oneneuron.logit("default ~ balance + student", df, missing="drop")
    n_bad = int(df.isna().any(axis=1).sum())
    assert clf.inference_.nobs == len(df) - n_bad
    line = f"({n_bad} rows with missing values were left out of the fit)"
    assert line in clf.summary().attrs["caption"] and line in clf.summary_text()
    clf.save(tmp_path / "m.json")
    assert line in oneneuron.load(tmp_path / "m.json").summary_text()
    assert (
        "left out" not in oneneuron.logit("default ~ balance + student", df.dropna()).summary_text()
    )


@pytest.mark.parametrize(
    "rhs",
    [
        "I(balance / 10) + I(income - 2) + C(region) + student",
        "I(3 * balance) + student + I(income + 1):student",
    ],
)
def test_rescaled_and_shifted_columns_save(table, tmp_path, rhs):
    """R users rescale in the formula, ``I(lwt / 10)``, ``I(age - 20)``; such terms fitted
    but a model file refused them (only ``I(x ** k)`` was allowed), and ``train
    --formula`` refused them before fitting. ``I(x / c)``, ``I(x * c)``, ``I(c * x)``,
    ``I(x + c)`` and ``I(x - c)`` (c a number) now save as an affine transform. Oracle:
    statsmodels fits the same formula; the loaded model predicts as the fit; margeff's
    derivative against finite differences."""
    import statsmodels.formula.api as smf

    clf = oneneuron.logit(f"default ~ {rhs}", table)
    ref = smf.logit(f"default ~ {rhs}", table).fit(disp=0, tol=1e-12)
    coef = clf.summary()["coef"].rename({"intercept": "Intercept"})
    np.testing.assert_allclose(coef[ref.params.index], ref.params, rtol=1e-6)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_proba(table), clf.predict_proba(table), rtol=1e-12)
    eff = clf.margeff(table)
    for column in ("balance", "income"):
        h = 1e-6
        up = clf.predict_proba(table.assign(**{column: table[column] + h}))[:, 1]
        down = clf.predict_proba(table.assign(**{column: table[column] - h}))[:, 1]
        want = np.mean((up - down) / (2 * h))
        assert eff.loc[column, "dy_dx"] == pytest.approx(want, rel=1e-5), column


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"weights": "n"}, r"weights=.*sample_weight="),
        ({"freq_weights": "n"}, r"freq_weights=.*sample_weight="),
        ({"var_weights": "n"}, r"var_weights=.*sample_weight=.*frequency"),
        ({"na_action": "na.omit"}, r"na_action=.*missing='drop'"),
        ({"subset": "x > 0"}, r"subset=.*data\[mask\]"),
        ({"family": "binomial"}, r"family=.*binomial"),
    ],
)
def test_logit_names_the_spelling_of_r_and_statsmodels_arguments(kw, match):
    """R's glm(weights=, subset=, na.action=, family=) and statsmodels' freq_weights=/
    var_weights= were "NeuronClassifier.__init__() got an unexpected keyword argument
    'weights'", naming no way forward; each names ours now (and stays a TypeError)."""
    with pytest.raises(TypeError, match=match):
        oneneuron.logit("y ~ k", _counts_table().assign(n=1), **kw)


@pytest.mark.parametrize("term", ["I(income > 2)", "I(income <= 2.5)", "I(1 < income)"])
def test_a_column_compared_with_a_number_saves(table, tmp_path, term):
    """V&R's birthwt uses ``ptd = ptl > 0``; ``I(ptl > 0)`` fitted, but a model file
    refused it (and so did train --formula). A column compared with a number (``>``,
    ``>=``, ``<``, ``<=``, ``==``, ``!=``) now saves. Oracle: statsmodels fits the same
    formula; the loaded model predicts as the fit."""
    import statsmodels.formula.api as smf

    formula = f"default ~ balance + {term}"
    clf = oneneuron.logit(formula, table)
    ref = smf.logit(formula, table).fit(disp=0, tol=1e-12)  # patsy: a boolean is a factor
    want = ref.params[["Intercept", "balance", f"{term}[T.True]"]]
    np.testing.assert_allclose(clf.summary()["coef"], want, rtol=1e-6)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_proba(table), clf.predict_proba(table), rtol=1e-12)


@pytest.mark.parametrize(
    ("r_form", "np_form"),
    [
        ("log(income + 1) + balance", "np.log(income + 1) + balance"),
        ("np.sqrt(income / 2) + balance", "np.sqrt(income / 2) + balance"),
        ("np.log(2 * income) + exp(balance - 1)", "np.log(2 * income) + np.exp(balance - 1)"),
    ],
)
def test_a_transform_of_a_shifted_column_saves(table, tmp_path, r_form, np_form):
    """``log(income + 1)`` (R users' log of counts) fitted, but a model file refused it,
    and train --formula refused it before fitting. A saveable transform of ``x + c``,
    ``x - c``, ``c * x``, ``x / c`` now saves. Oracle: statsmodels on the NumPy spelling;
    the loaded model predicts as the fit; margeff against finite differences."""
    import statsmodels.formula.api as smf

    clf = oneneuron.logit(f"default ~ {r_form}", table)
    ref = smf.logit(f"default ~ {np_form}", table).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(clf.summary()["coef"], ref.params, rtol=1e-6)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_proba(table), clf.predict_proba(table), rtol=1e-12)
    h = 1e-6
    up = clf.predict_proba(table.assign(income=table["income"] + h))[:, 1]
    down = clf.predict_proba(table.assign(income=table["income"] - h))[:, 1]
    want = np.mean((up - down) / (2 * h))
    assert clf.margeff(table).loc["income", "dy_dx"] == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("kind", ["int", "float"])
def test_c_of_a_number_column_is_its_categorical_and_saves(tmp_path, kind):
    """``C(cyl)`` of number codes (R's factor(cyl)) could not be saved (the refusal named
    the pandas Categorical spelling that saves). A numeric column the formula uses only
    as ``C(col)`` is that categorical (levels in the numbers' order, the first the
    reference, as R's factor() and formulaic): the same model, and it saves. Oracle:
    statsmodels' C(cyl); the Categorical spelling; predictions after loading."""
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(6)
    n = 300
    df = pd.DataFrame({"cyl": rng.choice([4, 6, 12], n), "wt": rng.normal(3, 1, n)})
    df["am"] = (rng.random(n) < 1 / (1 + np.exp(df.wt - 3 - (df.cyl == 6)))).astype(int)
    df = df.astype({"cyl": kind})
    clf = oneneuron.logit("am ~ C(cyl) + wt", df)
    same = oneneuron.logit("am ~ C(cyl) + wt", df.assign(cyl=pd.Categorical(df.cyl.astype(int))))
    assert same.feature_names_out_.tolist() == clf.feature_names_out_.tolist()
    assert clf.feature_names_out_.tolist() == ["C(cyl)[T.6]", "C(cyl)[T.12]", "wt"]
    ref = smf.logit("am ~ C(cyl) + wt", df).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(clf.summary()["coef"], ref.params, rtol=1e-6)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_proba(df), clf.predict_proba(df), rtol=1e-12)
    np.testing.assert_allclose(back.predict_proba(df), same.predict_proba(df), rtol=1e-9)
    both = oneneuron.logit("am ~ cyl + C(cyl) + wt", df)  # a number and categories: not one
    with pytest.raises(ModelFileError, match="cannot be saved"):
        both.save(tmp_path / "both.json")


@pytest.mark.parametrize(
    "values",
    [
        pd.date_range("2020-01-01", periods=4, freq="D"),
        pd.to_timedelta([1, 2, 3, 4], unit="D"),
        pd.period_range("2020-01", periods=4, freq="M"),
    ],
    ids=["datetime", "timedelta", "period"],
)
def test_dates_in_a_numeric_column_at_predict_are_refused(table, values):
    """Fitting refuses a date column; a date column where training had numbers was
    read at predict as nanoseconds since 1970 (about 1.6e18): probabilities of 0 or 1
    with no word. It is refused, naming the column, as at fit time."""
    clf = NeuronClassifier().fit(table[["balance", "student"]], table["default"])
    rows = table[["balance", "student"]].head(4).assign(balance=values)
    held = "durations" if isinstance(values, pd.TimedeltaIndex) else "dates or times"
    with pytest.raises(DataError, match=f"column 'balance' of the table holds {held}"):
        clf.predict_proba(rows)


@pytest.mark.parametrize("reference", [None, "south"])
def test_a_stored_reference_level_is_the_one_no_term_uses(table, tmp_path, reference):
    """An unseen level is coded as the reference. A file with the levels reordered
    loaded and coded unseen levels as the new first level (the probability of a new
    region moved from 0.32 to 0.22); it was then refused. The reference is now the
    level no term uses, wherever it stands (as ``C(g, Treatment('b'))`` stores it), so
    the reordered file predicts as the original, unseen levels included."""
    import warnings

    kw = {} if reference is None else {"reference": {"region": reference}}
    clf = NeuronClassifier(**kw).fit(table[["balance", "region"]], table["default"])
    clf.save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    (col,) = [c for c in doc["design"]["columns"] if c["name"] == "region"]
    assert col["levels"][0] == (reference or "east")
    col["levels"] = col["levels"][1:] + col["levels"][:1]
    (tmp_path / "moved.json").write_text(json.dumps(doc))
    rows = table[["balance", "region"]].head(6).assign(region=["mars", *table.region[:5]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", oneneuron.UnknownCategoryWarning)
        np.testing.assert_allclose(
            oneneuron.load(tmp_path / "moved.json").predict_proba(rows),
            clf.predict_proba(rows),
            rtol=1e-12,
        )


def test_numeric_levels_match_the_same_numbers_written_as_floats():
    """A categorical column of whole numbers (pd.Categorical of ints, CLI --categorical)
    was refused at predict when the same numbers came as floats, as pandas makes them
    once a cell is missing ('holds numbers (e.g. '2.0') but was text ... none of its
    values is a training level'). A number equal to a level written as a number is that
    level; codes with leading zeros ('01') stay text. Oracle: the same rows as ints."""
    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame({"x": rng.normal(size=n), "dose": pd.Categorical(rng.choice([1, 2, 3], n))})
    y = (df.x + (df.dose == 3) + rng.normal(size=n) > 0).astype(int)
    clf = NeuronClassifier(missing="most_frequent").fit(df, y)
    as_int = df.assign(dose=df.dose.astype(int))
    as_float = df.assign(dose=df.dose.astype(float))
    with_gap = as_float.assign(dose=np.where(np.arange(n) == 0, np.nan, as_float.dose))
    expected = clf.predict_proba(as_int)
    np.testing.assert_array_equal(clf.predict_proba(as_float), expected)
    np.testing.assert_array_equal(clf.predict_proba(with_gap)[1:], expected[1:])
    np.testing.assert_array_equal(
        clf.predict_proba(as_float.assign(dose=as_float.dose.astype(str))), expected
    )
    codes = pd.DataFrame({"x": df.x, "dose": pd.Categorical([f"0{v}" for v in df.dose])})
    coded = NeuronClassifier().fit(codes, y)
    with pytest.raises(DataError, match="none of its"):
        coded.predict_proba(as_int)


def test_levels_that_differ_only_in_case_or_spaces_are_kept_and_named():
    """``'South'``, ``'South '`` and ``'north'``, ``'North'`` (data-entry variants of one
    level) were fitted as four levels without a word. Decision: they stay different
    levels, as R and statsmodels keep them (oracle: statsmodels' coefficients), with one
    LevelWarning naming the look-alikes and how to merge them."""
    import warnings

    import statsmodels.formula.api as smf

    from oneneuron import LevelWarning

    rng = np.random.default_rng(6)
    n = 400
    df = pd.DataFrame(
        {"x": rng.normal(size=n), "g": rng.choice(["North", "north", "South ", "South"], n)}
    )
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-df.x))).astype(int)
    with pytest.warns(LevelWarning) as caught:
        clf = oneneuron.logit("y ~ x + g", df, tol=1e-12)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "'North', 'north'" in message and "'South', 'South '" in message
    assert ".str.strip()" in message
    ref = smf.logit("y ~ x + g", df).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(
        np.r_[clf.intercept_, clf.coef_[0]],
        ref.params[["Intercept", *clf.feature_names_out_]],
        rtol=1e-6,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", LevelWarning)  # distinct levels say nothing
        NeuronClassifier().fit(df[["x", "g"]].assign(g=df.g.str.strip().str.lower()), df.y)


def test_raw_poly_columns_keep_formulaics_names_as_the_readme_says():
    """R names ``poly(x, 2, raw=TRUE)``'s columns ``...1``, ``...2``; formulaic names them
    ``[0]``, ``[1]`` (the orthogonal ``poly(x, 2)``'s ``[1]``, ``[2]``, as R). oneneuron
    renames no formula column, and the README says so: the names are formulaic's own
    (oracle: formulaic's model_matrix), and ``[0]``, ``[1]`` are the powers 1 and 2 of x
    (closed form)."""
    from formulaic import model_matrix

    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": rng.uniform(0.5, 2.0, 200)})
    df["y"] = (rng.random(200) < 1 / (1 + np.exp(2 - 1.5 * df.x))).astype(int)
    for rhs in ("poly(x, 2, raw=True)", "poly(x, 2)"):
        clf = oneneuron.logit(f"y ~ {rhs}", df)
        names = [c for c in model_matrix(rhs, df).columns if c != "Intercept"]
        assert clf.feature_names_out_.tolist() == names
    raw = oneneuron.logit("y ~ poly(x, 2, raw=True)", df).design_.transform(df)
    np.testing.assert_allclose(raw, np.column_stack([df.x, df.x**2]), rtol=1e-12)
    readme = Path(__file__).resolve().parents[1] / "README.md"
    assert "`poly(x, 2, raw=True)[0]`" in readme.read_text(encoding="utf-8")

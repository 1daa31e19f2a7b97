"""``feature_names_in_``: the input columns; ``feature_names_out_``: the model's columns.

scikit-learn defines ``feature_names_in_`` as the names of the columns of the X
passed to ``fit`` and ``n_features_in_`` as their number; its validation, meta
estimators and inspection tools rely on that. A fit on a table with a
categorical column or a formula has more model columns (coefficients) than input
columns: those are ``feature_names_out_``, named as statsmodels' formula API
names its parameters (the oracle here).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from sklearn.inspection import permutation_importance
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.validation import _check_feature_names, _check_n_features

import oneneuron
from oneneuron import NeuronClassifier, NeuronClassifierCV
from oneneuron.modelfile import ModelFileError


@pytest.fixture(scope="module")
def df():
    rng = np.random.default_rng(3)
    n = 400
    out = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "g": rng.choice(["a", "b", "c"], n),
            "z": rng.normal(size=n),
        }
    )
    eta = 0.8 * out.x + 0.9 * (out.g == "b") - 0.5 * (out.g == "c") + 0.4 * out.x * (out.g == "b")
    out["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return out


def _tables(frame):
    import polars as pl
    import pyarrow as pa

    return {
        "pandas": frame,
        "polars": pl.from_pandas(frame),
        "arrow": pa.Table.from_pandas(frame, preserve_index=False),
    }


@pytest.mark.parametrize("kind", ["pandas", "polars", "arrow"])
def test_a_categorical_table_fit_names_its_input_columns(df, kind):
    X = _tables(df[["x", "g", "z"]])[kind]
    clf = NeuronClassifier().fit(X, df.y)
    assert list(clf.feature_names_in_) == ["x", "g", "z"]
    assert clf.n_features_in_ == 3
    assert list(clf.feature_names_out_) == ["x", "g[T.b]", "g[T.c]", "z"]
    assert clf.coef_.shape == (1, 4)
    assert list(clf.get_feature_names_out()) == list(clf.feature_names_out_)
    assert clf.inference_.terms == ["intercept", *clf.feature_names_out_]


def test_model_columns_are_statsmodels_formula_terms(df):
    formula = "y ~ x * C(g) + z"
    clf = NeuronClassifier(formula=formula).fit(df, None)
    ref = smf.logit(formula, df).fit(disp=0)
    assert sorted(clf.feature_names_out_) == sorted(n for n in ref.params.index if n != "Intercept")
    got = dict(zip(clf.feature_names_out_, clf.coef_[0], strict=True))
    for name in clf.feature_names_out_:
        assert got[name] == pytest.approx(ref.params[name], rel=1e-6, abs=1e-9)
    # every column of the table passed to fit, as scikit-learn records them (the
    # target's too: it was a column of X)
    assert list(clf.feature_names_in_) == ["x", "g", "z", "y"]
    assert clf.n_features_in_ == 4
    # the statistics name the model's columns
    assert clf.inference_.terms == ["intercept", *clf.feature_names_out_]


def test_scikit_learn_validation_accepts_the_training_table(df):
    X = df[["x", "g", "z"]]
    clf = NeuronClassifier().fit(X, df.y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check_feature_names(clf, X, reset=False)  # failed: 'g' unseen, 'g[T.b]' missing
        _check_n_features(clf, X, reset=False)  # failed: 3 features, expecting 4
    # scikit-learn's own check wants fit's order; predict codes a table by name, so a
    # reordered table (or one with extra columns) predicts the same
    with pytest.raises(ValueError, match="same order"):
        _check_feature_names(clf, X[["z", "g", "x"]], reset=False)
    extra = X.assign(w=1.0)[["w", "z", "g", "x"]]
    np.testing.assert_array_equal(clf.predict_proba(extra), clf.predict_proba(X))
    # a NumPy array of the model's coded columns still predicts
    coded = clf.design_.transform(X)
    assert coded.shape[1] == len(clf.feature_names_out_)
    np.testing.assert_array_equal(clf.predict_proba(coded), clf.predict_proba(X))


def test_scikit_learn_tools_report_per_input_column(df):
    X, y = df[["x", "g", "z"]], df.y
    clf = NeuronClassifier().fit(X, y)
    imp = permutation_importance(clf, X, y, n_repeats=3, random_state=0)
    # one importance per input column, labelled by feature_names_in_ (zip used to
    # mislabel them: four names for three importances)
    assert len(imp.importances_mean) == len(clf.feature_names_in_) == X.shape[1]
    named = dict(zip(clf.feature_names_in_, imp.importances_mean, strict=True))
    assert named["x"] > named["z"] and named["g"] > named["z"]
    pipe = make_pipeline(NeuronClassifier()).fit(X, y)
    assert pipe.n_features_in_ == 3 and list(pipe.feature_names_in_) == ["x", "g", "z"]
    search = GridSearchCV(NeuronClassifier(), {"alpha": [0.0, 0.1]}, cv=3).fit(X, y)
    assert list(search.feature_names_in_) == ["x", "g", "z"]


def test_plain_arrays_and_numeric_tables_are_unchanged(df):
    X = df[["x", "z"]]
    clf = NeuronClassifier().fit(X, df.y)
    assert list(clf.feature_names_in_) == list(clf.feature_names_out_) == ["x", "z"]
    arr = NeuronClassifier().fit(X.to_numpy(), df.y)
    assert not hasattr(arr, "feature_names_in_") and arr.n_features_in_ == 2
    assert list(arr.feature_names_out_) == ["x0", "x1"]


def test_cv_estimator_names_both(df):
    X = df[["x", "g", "z"]]
    cv = NeuronClassifierCV(cv=3, n_alphas=5).fit(X, df.y)
    assert list(cv.feature_names_in_) == ["x", "g", "z"] and cv.n_features_in_ == 3
    assert list(cv.feature_names_out_) == ["x", "g[T.b]", "g[T.c]", "z"]
    assert cv.paths_[0].feature_names == list(cv.feature_names_out_)


def test_model_files_keep_both_and_older_files_load(df, tmp_path):
    X = df[["x", "g", "z"]]
    clf = NeuronClassifier().fit(X, df.y)
    path = tmp_path / "m.json"
    clf.save(path)
    again = oneneuron.load(path)
    assert list(again.feature_names_in_) == ["x", "g", "z"] and again.n_features_in_ == 3
    assert list(again.feature_names_out_) == list(clf.feature_names_out_)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    # a file written before the input columns were stored: its features are the
    # model's columns; the input columns are then the design's
    doc = json.loads(path.read_text())
    assert doc["features"]["names"] == list(clf.feature_names_out_)
    assert doc["features"]["names_in"] == ["x", "g", "z"] and doc["features"]["n_in"] == 3
    older = json.loads(path.read_text())
    del older["features"]["names_in"], older["features"]["n_in"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(older))
    loaded = oneneuron.load(old)
    assert list(loaded.feature_names_in_) == ["x", "g", "z"] and loaded.n_features_in_ == 3
    assert list(loaded.feature_names_out_) == list(clf.feature_names_out_)
    doc["features"]["names_in"] = ["x", "h", "z"]  # hand-edited: the design reads 'g'
    old.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="names_in lacks the design's column"):
        oneneuron.load(old)


def test_penalty_factor_dict_is_keyed_by_model_column(df):
    X = df[["x", "g", "z"]]
    clf = NeuronClassifier(alpha=0.5, penalty_factor={"g[T.b]": 0.0}).fit(X, df.y)
    np.testing.assert_array_equal(clf.penalty_factor_, [1.0, 0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"feature_names_out_.*g\[T\.b\]"):
        NeuronClassifier(alpha=0.5, penalty_factor={"g": 0.0}).fit(X, df.y)


def test_get_feature_names_out_takes_a_pipelines_names(df):
    """A Pipeline hands each step the names of the step before; the neuron returned
    ``x0, x1, ...`` for them (it ignored ``input_features``)."""
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X, y = df[["x", "g", "z"]], df.y
    ct = make_column_transformer(
        (OneHotEncoder(drop="first", sparse_output=False), ["g"]), (StandardScaler(), ["x", "z"])
    )
    for est in (NeuronClassifier(), NeuronClassifierCV(cv=3, n_alphas=4)):
        pipe = make_pipeline(ct, est).fit(X, y)
        np.testing.assert_array_equal(
            pipe.get_feature_names_out(), pipe[:-1].get_feature_names_out()
        )
        with pytest.raises(ValueError, match="input_features"):
            pipe[-1].get_feature_names_out(["a", "b"])  # 2 names for 4 columns
    clf = NeuronClassifier().fit(X, y)  # a coded table: its terms, for its own columns
    own = clf.get_feature_names_out(["x", "g", "z"])
    np.testing.assert_array_equal(own, clf.feature_names_out_)
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        clf.get_feature_names_out(["x", "h", "z"])


def test_a_table_with_integer_column_names_is_left_as_it_was(df, tmp_path):
    """Fit and predict renamed the caller's columns to strings in place (0 became '0'),
    so a second fit on the same DataFrame saw other names. scikit-learn records no
    ``feature_names_in_`` for non-string names and calls such columns ``x0, x1, ...``
    by position: the design layer names them so too (oracle: the same table with those
    names as text)."""
    X = df[["x", "g"]].set_axis([0, 1], axis=1)
    before = X.columns.copy()
    clf = NeuronClassifier().fit(X, df.y)
    clf.predict_proba(X)
    pd.testing.assert_index_equal(X.columns, before)
    assert not hasattr(clf, "feature_names_in_") and clf.n_features_in_ == 2
    named = NeuronClassifier().fit(X.set_axis(["x0", "x1"], axis=1), df.y)
    assert list(clf.feature_names_out_) == list(named.feature_names_out_)
    np.testing.assert_allclose(clf.coef_, named.coef_)
    clf.save(tmp_path / "m.json")
    again = oneneuron.load(tmp_path / "m.json")
    assert not hasattr(again, "feature_names_in_") and again.n_features_in_ == 2
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def _numeric_int_named(n=120, seed=5):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)))  # columns 0, 1, 2 (a RangeIndex)
    y = (X[0] - 0.7 * X[2] + rng.logistic(size=n) > 0).astype(int)
    return X, y


def _fits_of_a_table(X, y):
    """The same model by every path that takes a pandas table (plain, design layer, CV)."""
    import dask.dataframe as dd

    Xd = dd.from_pandas(X, npartitions=2)
    yd = dd.from_pandas(pd.Series(np.asarray(y)), npartitions=2)
    return {
        "plain": NeuronClassifier().fit(X, y),
        "missing=": NeuronClassifier(missing="mean").fit(X, y),
        "categorical": NeuronClassifier(encoding="full", fit_intercept=False).fit(X, y),
        "cv": NeuronClassifierCV(cv=3, n_alphas=3).fit(X, y),
        "dask": NeuronClassifier().fit(Xd, yd),
    }


def test_integer_column_names_are_scikit_learns_x0_x1_on_every_path(tmp_path):
    """A DataFrame with integer column names (``pd.DataFrame(array)``) was named x0, x1
    on the plain path but '0', '1' by the design layer (``missing=``) and by Dask, which
    also recorded them as ``feature_names_in_``. scikit-learn's rule (the oracle: its
    ``get_feature_names_out`` of a transformer fitted on that table): no
    ``feature_names_in_``, columns ``x0, x1, ...``; in the summary and model files too."""
    from sklearn.preprocessing import StandardScaler

    X, y = _numeric_int_named()
    expected = list(StandardScaler().fit(X).get_feature_names_out())
    assert expected == ["x0", "x1", "x2"]
    for path, clf in _fits_of_a_table(X, y).items():
        assert not hasattr(clf, "feature_names_in_"), path
        assert list(clf.feature_names_out_) == expected, path
        if path in ("cv", "dask"):
            continue
        assert list(clf.summary().index)[-3:] == expected, path
        clf.save(tmp_path / f"{path}.json")
        again = oneneuron.load(tmp_path / f"{path}.json")
        assert list(again.feature_names_out_) == expected, path
        assert not hasattr(again, "feature_names_in_"), path


def test_integer_named_columns_are_read_by_position_on_every_path():
    """Without names, scikit-learn reads a table's columns by position: predicting on the
    columns in another order (``X[[2, 1, 0]]``) is predicting on those values. The plain
    path did so; the design layer (``missing=``) read them by their numbers instead.
    Oracle: the prediction of the NumPy array of the same table."""
    X, y = _numeric_int_named()
    moved = X[[2, 1, 0]]
    for path, clf in _fits_of_a_table(X, y).items():
        if path == "dask":
            continue
        np.testing.assert_allclose(
            clf.predict_proba(moved), clf.predict_proba(moved.to_numpy()), rtol=1e-12, err_msg=path
        )
        if path in ("plain", "missing="):  # text names given to a model fitted without
            named = moved.set_axis(["c", "b", "a"], axis=1)
            with pytest.warns(UserWarning, match="fitted without feature names"):
                got = clf.predict_proba(named)
            np.testing.assert_allclose(got, clf.predict_proba(moved.to_numpy()), rtol=1e-12)


def test_mixed_text_and_integer_column_names_are_one_type_error():
    """scikit-learn refuses a table whose column names mix text and numbers (TypeError);
    the plain path raised it in scikit-learn's words, the design layer (``missing=``,
    a formula) and Dask took it and named the columns by text. Now every path refuses it
    with one TypeError naming the remedy, at fit and at predict."""
    import dask.dataframe as dd

    X, y = _numeric_int_named()
    mixed = X.set_axis(["a", 1, 2], axis=1)
    Xd = dd.from_pandas(mixed, npartitions=2)
    yd = dd.from_pandas(pd.Series(np.asarray(y)), npartitions=2)
    message = r"column names of X mix text and other types \(int, str\).*astype\(str\)"
    fits = [
        lambda: NeuronClassifier().fit(mixed, y),
        lambda: NeuronClassifier(missing="mean").fit(mixed, y),
        lambda: NeuronClassifier(formula="a + Q('1')").fit(mixed, y),
        lambda: NeuronClassifierCV(cv=3, n_alphas=3).fit(mixed, y),
        lambda: oneneuron.regularization_path(mixed, y, n_alphas=3),
        lambda: NeuronClassifier().fit(Xd, yd),
    ]
    for fit in fits:
        with pytest.raises(TypeError, match=message):
            fit()
    for clf in (NeuronClassifier().fit(X, y), NeuronClassifier(missing="mean").fit(X, y)):
        for method in (clf.predict, clf.predict_proba, clf.decision_function):
            with pytest.raises(TypeError, match=message):
                method(mixed)


def test_an_array_of_the_tables_values_is_named_as_such(df):
    """The refusal of a NumPy array by a model of a coded table says what the array was:
    a table's raw values (3 text-holding columns) read like 'its 3 coded columns'. (An
    array of all the table's columns, in order, is read by position: test_sk3.py.)"""
    X = df[["x", "g"]]
    clf = NeuronClassifier().fit(X, df.y)
    said = r"3 coded columns, or an object array of its 2 columns in order\), not a ndarray of 1 "
    with pytest.raises(ValueError, match=said):
        clf.predict(X.to_numpy()[:, 1:])


def test_a_table_that_still_holds_the_labels_is_refused():
    """fit(df, df["y"]) with "y" still a column of df fitted the labels as a feature: a
    separated 'model' (one SeparationWarning naming +1*y) that predicts nothing new.
    Now one error naming the column, for the estimator, the path and CV, with pandas and
    polars; with a formula (which picks its own columns) the table may keep it."""
    import polars as pl

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    df["y"] = np.where(df.a + rng.logistic(size=60) > 0, "yes", "no")
    for X, y in ((df, df["y"]), (pl.from_pandas(df), pl.from_pandas(df).get_column("y"))):
        for fit in (
            lambda X, y: oneneuron.NeuronClassifier().fit(X, y),
            lambda X, y: oneneuron.NeuronClassifierCV(cv=3, n_alphas=5).fit(X, y),
            lambda X, y: oneneuron.regularization_path(X, y, n_alphas=5),
        ):
            with pytest.raises(ValueError, match=r"X holds the labels: its column 'y' is y"):
                fit(X, y)
    ref = oneneuron.NeuronClassifier().fit(df[["a", "b"]], df["y"])
    by_name = oneneuron.NeuronClassifier().fit(df, "y")
    np.testing.assert_allclose(by_name.coef_, ref.coef_, rtol=1e-12)
    formula = oneneuron.NeuronClassifier(formula="~ a + b").fit(df, df["y"])
    np.testing.assert_allclose(formula.coef_, ref.coef_, rtol=1e-9)
    other = df.assign(y=df["y"].iloc[::-1].to_numpy())  # a column 'y' that is not the labels
    oneneuron.NeuronClassifier(alpha=1.0).fit(other, df["y"])


def test_repeated_column_names_are_one_line_naming_them():
    """A table with a repeated name gave narwhals' DuplicateError ('Expected unique column
    names, got:' and a list on the next lines); now one line in the words of the command
    line's refusal, at fit (estimator, CV, path, formula) and at predict."""
    import pyarrow as pa

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(30, 3)), columns=["a", "a", "b"])
    y = np.arange(30) % 2
    model = oneneuron.NeuronClassifier().fit(X.set_axis(["a", "c", "b"], axis=1), y)
    arrow = pa.Table.from_arrays([pa.array(X.iloc[:, i]) for i in range(3)], names=["a", "a", "b"])
    calls = [
        lambda: oneneuron.NeuronClassifier().fit(X, y),
        lambda: oneneuron.NeuronClassifier().fit(arrow, y),
        lambda: oneneuron.NeuronClassifier().fit(X.assign(g=["u", "v"] * 15), y),
        lambda: oneneuron.logit("y ~ a + b", X.assign(y=y)),
        lambda: oneneuron.NeuronClassifierCV(cv=3, n_alphas=5).fit(X, y),
        lambda: oneneuron.regularization_path(X, y, n_alphas=5),
        lambda: model.predict_proba(X),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"^X has repeated column name 'a'; every") as e:
            call()
        assert "\n" not in str(e.value)


def test_a_pipeline_passes_its_names_to_a_neuron_that_fills_missing_cells():
    """After StandardScaler (arrays out), NeuronClassifier(missing='mean') codes the array as
    a table of x0, x1, ... to fill NaN cells; get_feature_names_out(input_features) then
    ignored the names the pipeline passed (['x0', 'x1', 'x2']), where missing='error'
    returns them. One coefficient per input column either way, so both give the names.
    Oracle: the scaler's own output names. Data: statsmodels' statecrime."""
    import statsmodels.api as sm
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    d = sm.datasets.statecrime.load_pandas().data
    X = d[["poverty", "single", "urban"]].copy()
    X.iloc[3, 1] = np.nan
    y = (d["violent"] > d["violent"].median()).astype(int)
    pipe = make_pipeline(StandardScaler(), NeuronClassifier(missing="mean")).fit(X, y)
    names = pipe[0].get_feature_names_out()
    assert list(pipe[-1].get_feature_names_out(names)) == list(names)
    assert list(pipe.get_feature_names_out()) == list(names)
    assert list(pipe[-1].get_feature_names_out()) == ["x0", "x1", "x2"]  # no names given


def test_a_formula_on_integer_named_columns_is_told_their_names():
    """A formula on a table whose names are numbers reads its columns as x0, x1, ...
    (scikit-learn's names, as every path names them); ``Q('0')`` failed with formulaic's
    KeyError '0' alone. Now the message says what the columns are called. The oracle of
    the working spelling: the same fit on the table with those names as text."""
    rng = np.random.default_rng(2)
    X = pd.DataFrame({0: rng.normal(size=80), 1: rng.choice(["a", "b"], 80)})
    y = (X[0] + rng.logistic(size=80) > 0).astype(int)
    with pytest.raises(ValueError, match=r"Q\('0'\).*its columns are x0, x1 by position"):
        NeuronClassifier(formula="Q('0')").fit(X, y)
    by_position = NeuronClassifier(formula="x0 + C(x1)").fit(X, y)
    named = NeuronClassifier(formula="x0 + C(x1)").fit(X.set_axis(["x0", "x1"], axis=1), y)
    assert list(by_position.feature_names_out_) == list(named.feature_names_out_)
    np.testing.assert_allclose(by_position.coef_, named.coef_)

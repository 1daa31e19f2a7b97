"""missing= (and encoding=, reference=) with NumPy arrays, as a Pipeline hands them over.

An array's columns are numeric columns x0, x1, ...; missing="mean"/"median"/"drop" act on
its NaN cells as on a table's, against scikit-learn's SimpleImputer and complete-case fits.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from oneneuron import NeuronClassifier, NeuronClassifierCV, load


def _data(dtype=np.float64):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] - 0.5 * X[:, 2] + rng.normal(size=120) > 0).astype(int)
    X[[3, 10, 50], 1] = np.nan
    X[[5, 70], 2] = np.nan
    return X.astype(dtype), y


@pytest.mark.parametrize("strategy", ["mean", "median"])
def test_filling_an_array_equals_simple_imputer(strategy):
    X, y = _data()
    clf = NeuronClassifier(missing=strategy, tol=1e-10).fit(X, y)
    imputer = SimpleImputer(strategy=strategy).fit(X)
    ref = NeuronClassifier(tol=1e-10).fit(imputer.transform(X), y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-9)
    np.testing.assert_allclose(clf.intercept_, ref.intercept_, rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no feature-name warning: fitted on an array
        got = clf.predict_proba(X)
    np.testing.assert_allclose(got, ref.predict_proba(imputer.transform(X)), rtol=1e-9)
    assert clf.n_features_in_ == 3 and not hasattr(clf, "feature_names_in_")
    assert list(clf.feature_names_out_) == ["x0", "x1", "x2"]


def test_drop_on_an_array_equals_the_complete_rows():
    X, y = _data()
    w = np.linspace(0.5, 2.0, len(y))
    clf = NeuronClassifier(missing="drop", tol=1e-10).fit(X, y, sample_weight=w)
    keep = ~np.isnan(X).any(axis=1)
    ref = NeuronClassifier(tol=1e-10).fit(X[keep], y[keep], sample_weight=w[keep])
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-9)
    assert clf.design_report_["dropped"] == 5
    with pytest.raises(ValueError, match="x1"):  # a prediction needs every value
        clf.predict(X[:5])
    with pytest.raises(ValueError, match="one value per row"):
        NeuronClassifier(missing="drop").fit(X, y, sample_weight=w[:10])


def test_behind_a_transformer_in_a_pipeline():
    X, y = _data()
    ours = make_pipeline(StandardScaler(), NeuronClassifier(missing="mean", tol=1e-10))
    ref = make_pipeline(
        StandardScaler(), SimpleImputer(strategy="mean"), NeuronClassifier(tol=1e-10)
    )
    np.testing.assert_allclose(
        ours.fit(X, y).predict_proba(X), ref.fit(X, y).predict_proba(X), rtol=1e-9
    )


def test_model_file_of_an_array_fit_fills_as_in_training(tmp_path):
    for dtype in (np.float64, np.float32):
        X, y = _data(dtype)
        clf = NeuronClassifier(missing="mean").fit(X, y)
        clf.save(tmp_path / f"m{np.dtype(dtype).name}.json")
        back = load(tmp_path / f"m{np.dtype(dtype).name}.json")
        assert np.array_equal(back.predict_proba(X), clf.predict_proba(X))
        assert back.predict_proba(X).dtype == clf.predict_proba(X).dtype
        assert np.array_equal(back.predict(X), clf.predict(X))


def test_statistics_of_an_array_fit_take_the_array():
    X, y = _data()
    clf = NeuronClassifier(missing="mean", tol=1e-10).fit(X, y)
    ref = NeuronClassifier(tol=1e-10).fit(SimpleImputer().fit_transform(X), y)
    np.testing.assert_allclose(
        clf.margeff(X)["dy_dx"], ref.margeff(SimpleImputer().fit_transform(X))["dy_dx"], rtol=1e-7
    )
    np.testing.assert_allclose(clf.summary()["std_err"], ref.summary()["std_err"], rtol=1e-7)


def test_encoding_is_ignored_and_reference_refused_for_arrays():
    X, y = _data()
    full = NeuronClassifier(missing="mean", encoding="full").fit(X, y)
    plain = NeuronClassifier(missing="mean").fit(X, y)
    np.testing.assert_array_equal(full.coef_, plain.coef_)  # no categorical column to code
    Xc = np.nan_to_num(X)
    np.testing.assert_array_equal(
        NeuronClassifier(encoding="full").fit(Xc, y).coef_, NeuronClassifier().fit(Xc, y).coef_
    )
    with pytest.raises(ValueError, match="reference= names reference levels"):
        NeuronClassifier(reference={"x0": "a"}).fit(X, y)


def test_cv_fills_an_array_too():
    X, y = _data()
    cv = NeuronClassifierCV(cv=3, n_alphas=3, missing="mean").fit(X, y)
    ref = NeuronClassifierCV(cv=3, n_alphas=3).fit(SimpleImputer().fit_transform(X), y)
    np.testing.assert_allclose(cv.coef_, ref.coef_, rtol=1e-7)


@parametrize_with_checks([NeuronClassifier(missing="mean")])
def test_sklearn_check_estimator_with_missing_mean(estimator, check):
    check(estimator)


def test_most_frequent_on_an_array_equals_simple_imputer():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 4, size=(100, 2)).astype(float)
    y = (X[:, 0] + rng.normal(size=100) > 1.5).astype(int)
    X[[1, 5, 9], 1] = np.nan
    clf = NeuronClassifier(missing="most_frequent", tol=1e-10).fit(X, y)
    imputer = SimpleImputer(strategy="most_frequent").fit(X)
    ref = NeuronClassifier(tol=1e-10).fit(imputer.transform(X), y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-9)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(imputer.transform(X)))

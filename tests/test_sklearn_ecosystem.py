"""The estimators inside scikit-learn's tooling, on tables with a categorical column.

Oracles: scikit-learn's own encoders (a ``OneHotEncoder(drop="first")`` in a
``ColumnTransformer`` codes a column as the design layer does), and the loops
that scikit-learn's helpers stand for, written out by hand.
"""

from __future__ import annotations

import io
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import make_column_transformer
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    StratifiedKFold,
    cross_val_predict,
    cross_validate,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from oneneuron import NeuronClassifier, NeuronClassifierCV


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(8)
    n = 240
    X = pd.DataFrame(
        {"x": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n), "z": rng.normal(size=n)}
    )
    eta = X.x + 0.8 * (X.g == "b") - 0.6 * (X.g == "c")
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-eta)), "yes", "no")
    y3 = np.where(eta + rng.normal(size=n) > 0.7, "hi", np.where(X.z > 0, "mid", "lo"))
    return X, y, y3, rng.uniform(0.5, 2.0, n), rng.integers(0, 8, n)


def _onehot():
    return make_column_transformer(
        (OneHotEncoder(drop="first", sparse_output=False), ["g"]),
        remainder="passthrough",
        verbose_feature_names_out=False,
    )


def test_a_column_transformer_in_front_codes_as_the_design_does(data):
    X, y, *_ = data
    grid = {"neuronclassifier__alpha": [0.01, 0.1], "neuronclassifier__l1_ratio": [0.0, 0.5]}
    search = GridSearchCV(make_pipeline(_onehot(), NeuronClassifier(tol=1e-12)), grid, cv=3)
    search.fit(X, y)
    pipe = search.best_estimator_
    params = {k.split("__")[1]: v for k, v in search.best_params_.items()}
    direct = NeuronClassifier(tol=1e-12, **params).fit(X, y)  # the design layer codes g
    names = list(pipe.get_feature_names_out())  # the encoder's names, through the pipeline
    got = dict(zip(names, pipe[-1].coef_[0], strict=True))
    for name, value in zip(direct.feature_names_out_, direct.coef_[0], strict=True):
        assert got[name.replace("[T.", "_").rstrip("]")] == pytest.approx(value, abs=1e-6)
    np.testing.assert_allclose(pipe.predict_proba(X), direct.predict_proba(X), atol=1e-7)


def test_cross_val_predict_is_the_fold_loop(data):
    X, _, y3, *_ = data
    got = cross_val_predict(NeuronClassifier(alpha=0.01), X, y3, cv=3, method="predict_proba")
    want = np.empty_like(got)
    for tr, te in StratifiedKFold(3).split(X, y3):
        want[te] = NeuronClassifier(alpha=0.01).fit(X.iloc[tr], y3[tr]).predict_proba(X.iloc[te])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_routed_sample_weight_and_groups_are_the_fold_loop(data):
    X, y, _, w, groups = data
    with sklearn.config_context(enable_metadata_routing=True):
        est = NeuronClassifierCV(cv=3, n_alphas=5).set_fit_request(sample_weight=True, groups=True)
        est.set_score_request(sample_weight=True)
        res = cross_validate(
            est,
            X,
            y,
            params={"sample_weight": w, "groups": groups},
            cv=GroupKFold(3),  # scored by est.score, which takes the routed weights
        )
    want = []
    for tr, te in GroupKFold(3).split(X, y, groups):
        m = NeuronClassifierCV(cv=3, n_alphas=5)
        m.fit(X.iloc[tr], y[tr], sample_weight=w[tr], groups=groups[tr])
        want.append(m.score(X.iloc[te], y[te], sample_weight=w[te]))
    np.testing.assert_allclose(res["test_score"], want, rtol=1e-12)


@pytest.mark.parametrize(
    "est",
    [NeuronClassifier(alpha=0.1), NeuronClassifierCV(cv=3, n_alphas=5)],
    ids=["NeuronClassifier", "NeuronClassifierCV"],
)
def test_pickle_and_joblib_round_trips_predict_bitwise(data, est):
    X, y, *_ = data
    est.fit(X, y)
    buf = io.BytesIO()
    joblib.dump(est, buf)
    buf.seek(0)
    for copy in (pickle.loads(pickle.dumps(est)), joblib.load(buf)):
        assert np.array_equal(copy.predict_proba(X), est.predict_proba(X))
        assert list(copy.feature_names_in_) == list(est.feature_names_in_)
        assert list(copy.feature_names_out_) == list(est.feature_names_out_)


def test_meta_estimators_on_a_table(data):
    X, y, y3, *_ = data
    vote = VotingClassifier(
        [("a", NeuronClassifier()), ("b", NeuronClassifierCV(cv=3))], voting="soft"
    )
    for meta, target in [
        (CalibratedClassifierCV(NeuronClassifier(), cv=3), y),
        (StackingClassifier([("a", NeuronClassifier()), ("b", NeuronClassifier(alpha=1))]), y3),
        (vote, y),
        (OneVsRestClassifier(NeuronClassifier()), y3),
    ]:
        P = meta.fit(X, target).predict_proba(X.iloc[::-1, ::-1])  # columns read by name
        assert P.shape == (len(X), len(np.unique(target)))
        np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
        np.testing.assert_array_equal(meta.classes_, np.unique(target))


def test_select_from_model_on_a_coded_table_selects_its_columns(data):
    """``SelectFromModel(NeuronClassifier())`` on a table with a categorical column: its
    support had one entry per coded column (x, g[T.b], g[T.c], z) for the table's three
    columns, and ``transform`` raised IndexError ('boolean index did not match').
    ``column_importances_`` gives one entry per input column, shaped as ``coef_``, for
    ``importance_getter``. Oracle: the closed form from ``coef_`` and its names (a
    column's coded coefficients' Euclidean norm; an interaction counts for both of its
    columns), and scikit-learn's default on a table without coding."""
    from sklearn.feature_selection import SelectFromModel

    X, y, y3, *_ = data
    for target in (y, y3):
        clf = NeuronClassifier().fit(X, target)
        coef = dict(zip(clf.feature_names_out_, clf.coef_.T, strict=True))
        want = np.column_stack(
            [
                np.abs(coef["x"]),
                np.hypot(coef["g[T.b]"], coef["g[T.c]"]),
                np.abs(coef["z"]),
            ]
        )
        np.testing.assert_allclose(clf.column_importances_, want, rtol=1e-12)
    sel = SelectFromModel(NeuronClassifier(), importance_getter="column_importances_")
    out = sel.fit(X, y).transform(X)
    norms = sel.estimator_.column_importances_[0]
    np.testing.assert_array_equal(sel.get_support(), norms >= norms.mean())
    assert list(sel.get_feature_names_out()) == list(X.columns[sel.get_support()])
    assert out.shape == (len(X), sel.get_support().sum())
    # a formula: x enters twice (x and x:z), the target column is no feature
    table = X.assign(y=y)
    clf = NeuronClassifier(formula="y ~ x + C(g) + x:z").fit(table)
    coef = dict(zip(clf.feature_names_out_, clf.coef_[0], strict=True))
    np.testing.assert_allclose(
        clf.column_importances_[0],
        [
            np.hypot(coef["x"], coef["x:z"]),
            np.hypot(coef["C(g)[T.b]"], coef["C(g)[T.c]"]),
            abs(coef["x:z"]),
            0.0,
        ],
        rtol=1e-12,
    )
    # no coding: scikit-learn's default reads coef_, and the two agree
    numeric = X[["x", "z"]]
    a = SelectFromModel(NeuronClassifier()).fit(numeric, y3).get_support()
    b = SelectFromModel(NeuronClassifier(), importance_getter="column_importances_")
    np.testing.assert_array_equal(b.fit(numeric, y3).get_support(), a)
    cv = NeuronClassifierCV(cv=3).fit(X, y)
    np.testing.assert_array_equal(cv.column_importances_, cv.best_estimator_.column_importances_)

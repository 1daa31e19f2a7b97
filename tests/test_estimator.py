"""NeuronClassifier against scikit-learn, between its solvers, and on bad input."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from oneneuron import ConvergenceWarning, Neuron, NeuronClassifier
from oneneuron.datasets import load_exam_scores


def _sklearn_reference(X, y, alpha, standardize=True, fit_intercept=True, sample_weight=None):
    """Original-scale coef/intercept of the equivalent scikit-learn model, solved tightly."""
    n = len(y) if sample_weight is None else np.sum(sample_weight)
    kw = {"C": np.inf} if alpha == 0 else {"C": 1.0 / (n * alpha)}
    lr = LogisticRegression(solver="newton-cholesky", tol=1e-14, max_iter=1000, **kw)
    lr.set_params(fit_intercept=fit_intercept)
    if standardize:
        sc = StandardScaler().fit(X, sample_weight=sample_weight)
        lr.fit(sc.transform(X), y, sample_weight=sample_weight)
        model = make_pipeline(sc, lr)  # already fitted: the pipeline only chains them
        W = lr.coef_ / sc.scale_
        b = lr.intercept_ - W @ sc.mean_
    else:
        model = lr.fit(X, y, sample_weight=sample_weight)
        W, b = lr.coef_, lr.intercept_
    return W, b, model


def _datasets():
    X, y = make_classification(400, 6, n_informative=4, n_redundant=0, random_state=0)
    yield "synthetic", X * [1, 10, 100, 0.1, 1, 3] + 5, y, 0.0
    X, y, _ = load_exam_scores()
    yield "exam_scores", X, y, 0.0
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast_cancer", X, y, 1.0 / len(y)
    X, y = load_digits(return_X_y=True)
    yield "digits", X, y, 1.0 / len(y)


@pytest.mark.parametrize("name, X, y, alpha", list(_datasets()), ids=lambda v: str(v)[:14])
def test_same_optimum_as_sklearn(name, X, y, alpha):
    W, b, ref = _sklearn_reference(X, y, alpha)
    clf = NeuronClassifier(alpha=alpha, tol=1e-10).fit(X, y)
    assert clf.converged_
    scale = max(1.0, np.abs(W).max())
    np.testing.assert_allclose(clf.coef_, W, atol=1e-6 * scale, rtol=1e-6)
    np.testing.assert_allclose(clf.intercept_, b, atol=1e-6 * max(1, np.abs(b).max()))
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-7)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_raw_features_equal_logistic_regression(fit_intercept):
    X, y, _ = load_exam_scores()
    X = X / 10
    W, b, ref = _sklearn_reference(X, y, 0.01, standardize=False, fit_intercept=fit_intercept)
    clf = NeuronClassifier(alpha=0.01, standardize=False, fit_intercept=fit_intercept, tol=1e-11)
    clf.fit(X, y)
    np.testing.assert_allclose(clf.coef_, W, rtol=1e-7)
    np.testing.assert_allclose(clf.intercept_, b, atol=1e-7)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-9)


def test_sample_weight_matches_sklearn_and_repeated_rows():
    X, y = make_classification(200, 4, random_state=1)
    w = np.random.default_rng(0).integers(0, 4, len(y)).astype(float)
    W, b, _ = _sklearn_reference(X, y, 0.05, sample_weight=w)
    clf = NeuronClassifier(alpha=0.05, tol=1e-11).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.coef_, W, rtol=1e-7)
    rep = np.repeat(np.arange(len(y)), w.astype(int))
    clf_rep = NeuronClassifier(alpha=0.05, tol=1e-11).fit(X[rep], y[rep])
    np.testing.assert_allclose(clf.coef_, clf_rep.coef_, rtol=1e-8)


def test_class_weight_equals_sample_weight():
    X, y = make_classification(
        300, 3, n_informative=2, n_redundant=0, weights=[0.8], random_state=2
    )
    a = NeuronClassifier(class_weight="balanced", tol=1e-11).fit(X, y)
    counts = np.bincount(y)
    sw = (len(y) / (2 * counts))[y]
    b = NeuronClassifier(tol=1e-11).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9)
    c = NeuronClassifier(class_weight={0: 1.0, 1: 3.0}, tol=1e-11).fit(X, y)
    d = NeuronClassifier(tol=1e-11).fit(X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(c.coef_, d.coef_, rtol=1e-9)


@pytest.mark.parametrize("multiclass", [False, True])
def test_all_solvers_agree(multiclass):
    X, y = make_classification(
        300, 4, n_informative=3, n_redundant=0, n_classes=3 if multiclass else 2, random_state=3
    )
    ref = NeuronClassifier(solver="newton", alpha=0.01, tol=1e-11).fit(X, y)
    lb = NeuronClassifier(solver="lbfgs", alpha=0.01, tol=1e-9).fit(X, y)
    np.testing.assert_allclose(lb.coef_, ref.coef_, atol=1e-6)
    gd = NeuronClassifier(solver="gd", alpha=0.01, learning_rate=2.0, max_iter=20000, tol=1e-7)
    gd.fit(X, y)
    assert gd.converged_
    np.testing.assert_allclose(gd.coef_, ref.coef_, atol=1e-5)
    sgd = NeuronClassifier(
        solver="sgd",
        alpha=0.01,
        optimizer="adam",
        learning_rate=0.01,
        batch_size=300,
        max_iter=5000,
        tol=1e-6,
        random_state=0,
    )
    sgd.fit(X, y)  # full batch Adam: converges to the same optimum
    np.testing.assert_allclose(sgd.coef_, ref.coef_, atol=1e-4)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
def test_minibatch_optimizers_reduce_the_loss(optimizer):
    X, y = make_classification(500, 5, random_state=4)
    clf = NeuronClassifier(
        solver="sgd",
        optimizer=optimizer,
        learning_rate=0.01,
        batch_size=32,
        max_iter=10,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    loss = clf.history_["loss"]
    assert loss[-1] < 0.7 * loss[0]
    again = clf.fit(X, y).coef_.copy()
    np.testing.assert_array_equal(again, clf.fit(X, y).coef_)  # random_state makes it repeatable


def test_neuron_loop_equals_gd_solver():
    X, y, _ = load_exam_scores()
    Xs = (X - X.mean(0)) / X.std(0)
    neuron = Neuron(n_features=2)
    costs = []
    for _ in range(50):
        a = neuron.forward(Xs)
        costs.append(neuron.cost(a, y))
        dw, db = neuron.backward(Xs, a, y)
        neuron.update(dw, db, learning_rate=0.5)
    clf = NeuronClassifier(solver="gd", standardize=False, learning_rate=0.5, max_iter=50, tol=0)
    with pytest.warns(ConvergenceWarning, match=r"max\|grad\| = .* > tol = 0"):
        clf.fit(Xs, y)
    np.testing.assert_allclose(clf.coef_.ravel(), neuron.w, rtol=1e-12)
    np.testing.assert_allclose(clf.intercept_[0], neuron.b, rtol=1e-12)
    np.testing.assert_allclose(clf.history_["loss"][:50], costs, rtol=1e-12)
    assert np.all(np.diff(costs) < 0)


def test_float32_is_kept():
    X, y = make_classification(200, 3, n_informative=2, n_redundant=0, random_state=5)
    clf = NeuronClassifier().fit(X.astype(np.float32), y)
    assert clf.coef_.dtype == np.float32 and clf.intercept_.dtype == np.float32
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    ref = NeuronClassifier().fit(X, y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-3)


def test_float32_is_kept_from_every_kind_of_table():
    """A table of float32 columns fits and predicts in float32 as the array does: pandas,
    polars and Arrow alike (polars and Arrow tables, which go through the design layer,
    gave float64 models), also with missing='mean'; a transform (a formula) is float64."""
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    X, y = make_classification(200, 3, n_informative=2, n_redundant=0, random_state=5)
    frame = pd.DataFrame(X.astype(np.float32), columns=["a", "b", "c"])
    ref = NeuronClassifier().fit(X.astype(np.float32), y)
    for table in (frame, pl.from_pandas(frame), pa.Table.from_pandas(frame)):
        for params in ({}, {"missing": "mean"}):
            clf = NeuronClassifier(**params).fit(table, y)
            assert clf.coef_.dtype == np.float32, (type(table), params)
            np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-6)
            assert clf.predict_proba(table).dtype == np.float32
    clf = NeuronClassifier(formula="~ a + I(b ** 2)").fit(frame, y)
    assert clf.coef_.dtype == np.float64


def test_labels_of_any_type_and_history():
    X, y, _ = load_exam_scores()
    for labels in (np.array(["no", "yes"]), np.array([False, True]), np.array([-3, 7])):
        clf = NeuronClassifier(record_path=True).fit(X, labels[y])
        assert list(clf.classes_) == list(labels)
        assert set(clf.predict(X)) <= set(labels)
        h = clf.history_
        assert len(h["loss"]) == clf.n_iter_ + 1 == len(h["coef"])
        assert np.all(np.diff(h["loss"]) <= 1e-12)
        np.testing.assert_allclose(h["coef"][-1], clf.coef_)


@pytest.mark.parametrize(
    "labels",
    [[0, 1], [0, 1, 2], [0, 2], [1, 2], [-3, 7], [5, 900, 2], [True, False]],
)
def test_label_indices_match_unique_and_leave_y_alone(labels):
    from oneneuron.engines._numpy_prep import encode_labels

    y = np.array(labels)[np.random.default_rng(0).integers(0, len(labels), 500)]
    y[: len(labels)] = labels  # every label present
    before = y.copy()
    classes, idx, counts = encode_labels(y)
    ref_classes, ref_idx, ref_counts = np.unique(y, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(classes, ref_classes)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(counts, ref_counts)
    assert idx.dtype == np.intp
    # where the indices are the labels themselves, they cannot be written through
    assert not (np.may_share_memory(idx, y) and idx.flags.writeable)
    np.testing.assert_array_equal(y, before)


def test_threshold_moves_predictions():
    X, y, _ = load_exam_scores()
    lo = NeuronClassifier(threshold=0.2).fit(X, y)
    hi = NeuronClassifier(threshold=0.8).fit(X, y)
    p = lo.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(lo.predict(X), (p > 0.2).astype(int))
    np.testing.assert_array_equal(hi.predict(X), (p > 0.8).astype(int))
    assert lo.predict(X).sum() > hi.predict(X).sum()


def test_warm_start_continues_from_previous_fit():
    X, y, _ = load_exam_scores()
    clf = NeuronClassifier(solver="gd", learning_rate=1.0, max_iter=30, tol=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        first = clf.history_["loss"][-1]
        clf.fit(X, y)
    assert clf.history_["loss"][0] == pytest.approx(first, rel=1e-12)
    assert clf.history_["loss"][-1] < first


def test_multinomial_is_softmax_not_one_vs_rest():
    X, y = load_digits(return_X_y=True)
    clf = NeuronClassifier(alpha=0.01, solver="lbfgs", tol=1e-6).fit(X[:500], y[:500])
    assert clf.coef_.shape == (10, 64)
    np.testing.assert_allclose(clf.coef_.sum(0), 0, atol=1e-8)  # sum-to-zero gauge
    np.testing.assert_allclose(clf.predict_proba(X[:5]).sum(1), 1.0)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_fit_is_invariant_to_row_permutation(seed):
    X, y = make_classification(120, 3, n_informative=2, n_redundant=0, random_state=6)
    perm = np.random.default_rng(seed).permutation(len(y))
    a = NeuronClassifier(alpha=0.01).fit(X, y)
    b = NeuronClassifier(alpha=0.01).fit(X[perm], y[perm])
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9)


@pytest.mark.parametrize(
    "X, y, match",
    [
        ([[1.0, np.nan], [2.0, 1.0]], [0, 1], "NaN"),
        ([[1.0, np.inf], [2.0, 1.0]], [0, 1], "infinity"),
        ([[1.0], [2.0], [3.0]], [1, 1, 1], "only one class"),
        (np.empty((0, 2)), [], "0 sample"),
        ([["a", "b"], ["c", "d"]], [0, 1], "X must be numeric"),
    ],
)
def test_bad_input_gets_a_clear_error(X, y, match):
    with pytest.raises(ValueError, match=match):
        NeuronClassifier().fit(X, y)


@pytest.mark.parametrize("n", [50, 5000])  # the NumPy statistics loop; the one-read kernel
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinity_in_a_plain_array_is_refused(n, bad):
    """Plain arrays skip the separate finiteness read: the column statistics catch it,
    also in a row of weight zero, with scikit-learn's message."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((n, 3)), rng.integers(0, 2, n)
    X[n // 2, 1] = bad
    sw = np.ones(n)
    sw[n // 2] = 0.0
    for weights in (None, sw):
        with pytest.raises(ValueError, match="NaN" if np.isnan(bad) else "infinity"):
            NeuronClassifier().fit(X, y, sample_weight=weights)


def test_more_bad_input():
    X, y, _ = load_exam_scores()
    with pytest.raises(ValueError, match="sample_weight"):
        NeuronClassifier().fit(X, y, sample_weight=np.ones(3))
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        NeuronClassifier().predict(X)
    clf = NeuronClassifier().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but NeuronClassifier is expecting 2"):
        clf.predict(np.ones((2, 3)))
    with pytest.raises(ValueError, match="learning_rate is used by solver='gd' or 'sgd' only"):
        NeuronClassifier(solver="newton", learning_rate=0.1).fit(X, y)
    with pytest.raises(ValueError, match="optimizer is used by solver='sgd' only"):
        NeuronClassifier(solver="gd", optimizer="adam").fit(X, y)
    with pytest.raises(ValueError, match="threshold"):
        NeuronClassifier(threshold=0.3).fit(np.arange(9.0)[:, None], np.arange(9) % 3)


def test_convergence_warning_names_gradient_tol_and_next_step():
    X, y, _ = load_exam_scores()
    with pytest.warns(
        ConvergenceWarning, match=r"after 5 iterations .* > tol = 1e-08.*; increase max_iter"
    ):
        NeuronClassifier(solver="lbfgs", max_iter=5).fit(X, y)


@parametrize_with_checks([NeuronClassifier()])
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("missing", [None, np.nan, "pd.NA"], ids=["None", "NaN", "pd.NA"])
@pytest.mark.parametrize("container", ["list", "ndarray", "Series"])
def test_missing_labels_are_one_clear_error(missing, container):
    # scikit-learn's own check stumbles here ("'<' not supported between 'NoneType'
    # and 'str'"); the user learns how many labels are missing and where
    import pandas as pd

    X, y01, _ = load_exam_scores()
    labels = np.array(["fail", "pass"], dtype=object)[y01]
    labels[[3, 17]] = pd.NA if missing == "pd.NA" else missing
    y = {"list": list(labels), "ndarray": labels, "Series": pd.Series(labels)}[container]
    with pytest.raises(ValueError, match=r"y has 2 missing labels .*first in row 3"):
        NeuronClassifier().fit(X, y)
    yf = y01.astype(float)
    yf[5] = np.nan
    with pytest.raises(ValueError, match=r"y has 1 missing label .*first in row 5"):
        NeuronClassifier().fit(X, yf)


def test_object_labels_of_numbers_fit_and_mixed_types_are_one_clear_error():
    """Labels in an object array (a pandas column of Python ints after cleaning, a list
    of mixed values): numbers fit as the same numbers would (scikit-learn's check said
    "Unknown label type: unknown"); numbers mixed with text (1 and '1', a spreadsheet's
    habit) are one error naming both types and an example of each."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    ref = NeuronClassifier().fit(X, y)
    import pandas as pd

    for labels in (y.astype(object), pd.Series(y, dtype=object), y.astype(float).astype(object)):
        clf = NeuronClassifier().fit(X, labels)
        assert list(clf.classes_) == [0, 1]
        np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-12)
    mixed = y.astype(object)
    mixed[::2] = mixed[::2].astype(str)
    with pytest.raises(ValueError, match=r"y mixes numbers and text .*e\.g\. .*'1'|y mixes"):
        NeuronClassifier().fit(X, mixed)
    flags = np.array([True, False] * 100, dtype=object)
    flags[0] = 1
    with pytest.raises(ValueError, match=r"y mixes booleans and numbers"):
        NeuronClassifier().fit(X, flags)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_cell_of_x_is_named(bad):
    """NaN or an infinity in X (a dense array, a DataFrame, a CSR matrix): the error names
    the column and the first row, not only "Input X contains NaN"; complex X is one
    short line (scikit-learn printed the whole array into the message)."""
    import pandas as pd
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    X[7, 2] = bad
    what = "NaN" if np.isnan(bad) else "-infinity" if bad < 0 else "infinity"
    for data, col in (
        (X, "column 2"),
        (pd.DataFrame(X, columns=["a", "b", "c"]), "column 'c'"),
        (sp.csr_matrix(X), "column 2"),
    ):
        with pytest.raises(ValueError, match=rf"X has {what} in {col} \(row 7\)"):
            NeuronClassifier().fit(data, y)
    with pytest.raises(ValueError, match=r"^Complex data not supported: X holds complex") as info:
        NeuronClassifier().fit(X.astype(complex), y)
    assert "\n" not in str(info.value)


def test_a_non_finite_cell_at_predict_is_named():
    import pandas as pd

    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    y = (df.a > 0).astype(int)
    for model, new in (
        (NeuronClassifier().fit(df, y), df.assign(b=np.r_[df.b[:4], np.nan, df.b[5:]])),
        (NeuronClassifier().fit(df.to_numpy(), y), np.r_[df.to_numpy()[:4], [[0, np.inf, 0]]]),
    ):
        col = "'b'" if isinstance(new, pd.DataFrame) else "1"
        with pytest.raises(ValueError, match=rf"X has (NaN|infinity) in column {col} \(row 4\)"):
            model.predict_proba(new)
    import polars as pl
    import pyarrow as pa

    bad = df.assign(b=np.r_[df.b[:4], np.inf, df.b[5:]])
    model = NeuronClassifier().fit(df, y)
    for table in (pl.from_pandas(bad), pa.Table.from_pandas(bad)):  # an Arrow table's
        # column, not its values, is named (its .columns are the data)
        with pytest.raises(ValueError, match=r"^X has infinity in column 'b' \(row 4\);"):
            model.predict_proba(table)


def test_a_column_named_intercept_is_refused_beside_the_intercept():
    """Its row in summary() and wald_test('intercept = 0') were the model's intercept's."""
    import pandas as pd

    from oneneuron import NeuronClassifierCV

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=100), "intercept": rng.normal(size=100)})
    y = (df.x + rng.normal(size=100) > 0).astype(int)
    for est in (NeuronClassifier(), NeuronClassifierCV(cv=3, n_alphas=3)):
        with pytest.raises(ValueError, match="column named 'intercept'.*rename"):
            est.fit(df, y)
    clf = NeuronClassifier(fit_intercept=False).fit(df, y)  # no clash without one
    assert list(clf.summary().index) == ["x", "intercept"]


@pytest.mark.parametrize("solver, rate", [("gd", 1.0), ("sgd", 100.0)])
def test_gradient_descent_that_diverges_says_so(solver, rate):
    """The loss rising from 0.693 to 850 was reported as 'increase max_iter or
    learning_rate': the divergence branch only fired on a non-finite loss, which the stable
    log-loss never reaches."""
    from oneneuron import ConvergenceWarning
    from oneneuron.datasets import load_exam_scores

    X, y, _ = load_exam_scores()
    est = NeuronClassifier(solver=solver, standardize=False, learning_rate=rate, max_iter=50)
    with pytest.warns(ConvergenceWarning, match="diverged.*lower learning_rate") as rec:
        est.fit(X, y)
    assert "increase max_iter or learning_rate" not in str(rec[0].message)
    assert est.history_["loss"][-1] > est.history_["loss"][0]
    assert "diverged" in est.stop_reason_


def test_a_lazy_table_is_asked_to_be_collected():
    """A polars LazyFrame gave numpy's 'setting an array element with a sequence' at fit."""
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({"x": np.arange(10.0), "y": np.arange(10) % 2})
    for step in ("fit", "predict"):
        clf = NeuronClassifier().fit(df.select("x"), np.arange(10) % 2)
        with pytest.raises(ValueError, match=r"LazyFrame.*\.collect\(\)"):
            if step == "fit":
                NeuronClassifier().fit(df.lazy().select("x"), np.arange(10) % 2)
            else:
                clf.predict(df.lazy().select("x"))


def test_a_refit_leaves_no_attribute_of_the_previous_fit():
    """design_report_ (saved into model files: 'n_dropped': 36 for a fit on all rows),
    predict_report_, and NeuronClassifierCV's feature_names_in_ survived a refit on arrays."""
    import pandas as pd

    from oneneuron import NeuronClassifierCV

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    df = pd.DataFrame(X, columns=list("abc")).assign(g=rng.choice(["u", "v"], 200))
    for est in (NeuronClassifier(missing="drop"), NeuronClassifierCV(cv=3, n_alphas=4)):
        est.fit(df.assign(a=df.a.where(df.a > -1)) if est.missing == "drop" else df, y)
        if isinstance(est, NeuronClassifier):
            est.predict(df.assign(g="w"))  # an unseen level
        fresh = type(est)(**est.get_params()).set_params(missing="error").fit(X, y)
        est.set_params(missing="error").fit(X, y)
        assert set(vars(est)) == set(vars(fresh)), set(vars(est)) ^ set(vars(fresh))


def test_a_pandas_object_column_of_numbers_is_numeric():
    """It became one indicator per distinct value at fit (100 columns) and a number at
    predict; an object array of the same values was fitted as numbers."""
    import pandas as pd

    rng = np.random.default_rng(0)
    X = np.round(rng.normal(size=(400, 2)), 1)
    y = (X[:, 0] + rng.normal(size=400) > 0).astype(int)
    ref = NeuronClassifier().fit(X, y)
    got = NeuronClassifier().fit(pd.DataFrame(X, columns=["a", "b"]).astype(object), y)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-10)
    np.testing.assert_allclose(
        got.predict_proba(pd.DataFrame(X, columns=["a", "b"]).astype(object)),
        ref.predict_proba(X),
        rtol=1e-10,
    )


def test_a_missing_label_in_a_nullable_integer_column_is_named():
    """pd.NA in an Int64 Series gave scikit-learn's bare 'Input y contains NaN.'."""
    import pandas as pd

    X = np.random.default_rng(0).normal(size=(10, 2))
    y = pd.Series([0, 1, 0, 1, pd.NA, 1, 0, 1, 0, 1], dtype="Int64")
    with pytest.raises(ValueError, match="y has 1 missing label .*row 4"):
        NeuronClassifier().fit(X, y)


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "subsampled-newton", "gd"])
def test_unpenalised_softmax_coefficients_are_centred_over_classes(solver):
    """Without a penalty a softmax layer's coefficients are defined up to a vector added to
    every class (the probabilities do not change); each solver left its own (L-BFGS and
    subsampled Newton ~4e-4 apart from Newton on the same data, float32 data apart from
    float64). coef_ is centred over classes now, as the intercepts were: one answer
    whichever solver ran, whose class differences are statsmodels' MNLogit parameters."""
    import statsmodels.api as sm

    rng = np.random.default_rng(1)
    n = 3000
    X = 3 + 0.1 * rng.standard_normal((n, 4))
    z = (X - 3) @ rng.standard_normal(4) * 5
    y = np.digitize(z + rng.logistic(size=n), [-1, 1])
    opts = {"max_iter": 20000, "learning_rate": 1.0} if solver == "gd" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = NeuronClassifier(solver=solver, tol=1e-10, **opts).fit(X, y)
    np.testing.assert_allclose(clf.coef_.sum(axis=0), 0.0, atol=1e-13 * np.abs(clf.coef_).max())
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(method="newton", disp=0, tol=1e-12)
    diff = np.column_stack([clf.intercept_[1:] - clf.intercept_[0], clf.coef_[1:] - clf.coef_[0]])
    atol = 1e-4 if solver == "gd" else 1e-6
    np.testing.assert_allclose(diff, ref.params.T, rtol=1e-5, atol=atol * np.abs(ref.params).max())


def test_gradient_descent_that_overflows_keeps_finite_coefficients():
    """learning_rate=1e308 on raw exam scores: the first step overflowed, coef_ came back
    [inf, inf] and intercept_ NaN (predict_proba NaN), with a dozen NumPy RuntimeWarnings
    before the ConvergenceWarning. Now the last finite point is kept and one warning says why."""
    from oneneuron import ConvergenceWarning
    from oneneuron.datasets import load_exam_scores

    X, y, _ = load_exam_scores()
    for solver, extra in (("gd", {}), ("sgd", {"optimizer": "sgd", "random_state": 0})):
        est = NeuronClassifier(
            solver=solver, standardize=False, learning_rate=1e308, max_iter=20, **extra
        )
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            est.fit(X, y)
        kinds = [type(w.message) for w in rec]
        assert kinds == [ConvergenceWarning], [str(w.message) for w in rec]
        assert "overflowed" in str(rec[0].message) and "lower learning_rate" in str(rec[0].message)
        assert np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))
        assert np.all(np.isfinite(est.predict_proba(X)))
        assert "overflowed" in est.stop_reason_ and not est.converged_


def test_gradient_descent_that_oscillates_is_told_to_lower_the_learning_rate():
    """At learning rate 30 on the standardised exam scores the loss rises on about half of
    the 200 steps (a plain NumPy loop shows it) and ends above its lowest value; the
    warning said 'increase max_iter or learning_rate', the opposite of the cure."""
    from oneneuron import ConvergenceWarning
    from oneneuron.datasets import load_exam_scores

    X, y, _ = load_exam_scores()
    Xs = (X - X.mean(0)) / X.std(0)
    w, b, losses = np.zeros(2), 0.0, []
    for _ in range(201):  # the oracle: the tutorial's loop in plain NumPy
        z = Xs @ w + b
        losses.append(np.mean(np.logaddexp(0, z) - y * z))
        dz = 1 / (1 + np.exp(-z)) - y
        w, b = w - 30 * Xs.T @ dz / len(y), b - 30 * dz.mean()
    rises = int(np.sum(np.diff(losses) > 0))
    assert rises > 50 and losses[-1] < losses[0]
    est = NeuronClassifier(solver="gd", learning_rate=30.0, max_iter=200)
    with pytest.warns(ConvergenceWarning, match="lower learning_rate") as rec:
        est.fit(X, y)
    np.testing.assert_allclose(est.history_["loss"], losses, rtol=1e-12)
    assert f"rose on {rises} of 200 steps" in str(rec[0].message)
    assert "increase max_iter or learning_rate" not in str(rec[0].message)
    with warnings.catch_warnings():  # a learning rate that descends steadily is not blamed
        warnings.simplefilter("ignore")
        slow = NeuronClassifier(solver="gd", learning_rate=1.0, max_iter=20).fit(X, y)
    assert "learning_rate too large" not in slow.stop_reason_


@pytest.mark.parametrize("dtype", ["datetime64[D]", "datetime64[ns]", "timedelta64[s]"])
def test_arrays_of_dates_or_times_are_refused(dtype):
    """NumPy arrays of dates were cast to floats in the array's unit (days, or nanoseconds:
    the same dates 8.6e13 times larger), at fit and at predict, with no word: a model
    fitted on days predicted on nanoseconds gave probabilities of 0 or 1. (scikit-learn's
    LogisticRegression refuses them too.) Refused, as a table's date column is."""
    rng = np.random.default_rng(0)
    days = rng.integers(0, 1000, size=(40, 2))
    X = days.astype(dtype)
    y = (days[:, 0] > 500).astype(int)
    with pytest.raises(ValueError, match="holds dates or times"):
        NeuronClassifier().fit(X, y)
    with pytest.raises(ValueError, match="holds dates or times"):
        NeuronClassifier(missing="mean").fit(X, y)
    model = NeuronClassifier().fit(days.astype(float), y)
    with pytest.raises(ValueError, match="holds dates or times"):
        model.predict_proba(X)
    model = NeuronClassifier(missing="mean").fit(days.astype(float), y)
    with pytest.raises(ValueError, match="holds dates or times"):
        model.predict_proba(X)


def test_predicting_leaves_the_fitted_model_unchanged():
    """predict stored its report (unseen levels and an example value from the rows being
    predicted) on the estimator: state shared by threads serving one model, and the
    served data's values carried into every later pickle of it. Predicting is read-only."""
    import pickle
    import warnings

    import pandas as pd

    from oneneuron import NeuronClassifierCV

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=120), "g": rng.choice(["u", "v", "w"], 120)})
    y = (df.a + rng.normal(size=120) > 0).astype(int)
    new = df.head(5).assign(g=["secret-1", "u", "v", "w", "u"])
    for est in (NeuronClassifier(), NeuronClassifier(missing="mean"), NeuronClassifierCV(cv=3)):
        est.fit(df, y)
        before = pickle.dumps(est)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
                getattr(est, method)(new)
            est.score(new, y[:5])
        assert pickle.dumps(est) == before, type(est).__name__


def test_fit_validates_parameters_as_scikit_learn_configures_it():
    """fit refuses an invalid parameter with scikit-learn's InvalidParameterError, and
    skips the check where scikit-learn's configuration says so, as LogisticRegression
    (whose fit has scikit-learn's own decorator) does."""
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 1, 0, 1])
    with pytest.raises(InvalidParameterError, match="'threshold' parameter"):
        NeuronClassifier(threshold=1.5).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'C' parameter"):
        LogisticRegression(C="x").fit(X, y)  # the oracle's behaviour, for comparison
    with sklearn.config_context(skip_parameter_validation=True):
        clf = NeuronClassifier(threshold=1.5).fit(X, y)  # not validated: fitted as given
        with pytest.raises(TypeError):  # LogisticRegression's C went unvalidated too
            LogisticRegression(C="x").fit(X, y)
    assert clf.threshold == 1.5 and clf.coef_.shape == (1, 1)


@pytest.mark.parametrize(
    "params", [{"max_iter": 1000.0}, {"fit_intercept": 1}, {"standardize": 1.0}]
)
def test_parameter_verdict_does_not_depend_on_earlier_fits(params):
    """An invalid parameter equal to a valid one (1000.0 == 1000, 1 == True) is refused
    after a fit with the valid one too, as scikit-learn's own validation refuses it."""
    from sklearn.utils._param_validation import (
        InvalidParameterError,
        validate_parameter_constraints,
    )

    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 1, 0, 1])
    clf = NeuronClassifier(**params)
    with pytest.raises(InvalidParameterError):  # the oracle: scikit-learn's verdict
        validate_parameter_constraints(
            NeuronClassifier._parameter_constraints, clf.get_params(deep=False), "fit"
        )
    NeuronClassifier().fit(X, y)  # the valid values, remembered
    with pytest.raises(InvalidParameterError):
        clf.fit(X, y)

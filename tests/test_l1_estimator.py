"""NeuronClassifier(l1_ratio=..., penalty_factor=...): the estimator face of L1 and elastic net.

Oracles: scikit-learn's saga in a StandardScaler pipeline (original-scale
coefficients ``coef / scale``), glum on raw features for ``standardize=False``.
"""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import oneneuron
from oneneuron import NeuronClassifier
from oneneuron.stats import InferenceUnavailableError


def _data(n=300, d=8, K=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, d) + rng.normal(size=d)
    Z = ((X - X.mean(0)) / X.std(0))[:, :3] @ rng.normal(size=(3, K)) * 1.5
    if K == 2:
        y = (rng.random(n) < 1 / (1 + np.exp(-Z[:, 0]))).astype(int)
    else:
        y = np.argmax(Z + rng.gumbel(size=(n, K)), axis=1)
    return X, y


def _saga(X, y, alpha, l1_ratio):
    n = len(y)
    lr = LogisticRegression(
        l1_ratio=l1_ratio, C=1 / (n * alpha), solver="saga", tol=1e-15, max_iter=200_000
    )
    pipe = make_pipeline(StandardScaler(with_mean=not sp.issparse(X)), lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(X, y)
    return pipe


@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
def test_dense_matches_saga_on_the_original_scale(l1_ratio):
    X, y = _data()
    alpha = 0.02 / l1_ratio  # the same L1 strength: some zeros in both cases
    clf = NeuronClassifier(alpha=alpha, l1_ratio=l1_ratio, tol=1e-11).fit(X, y)
    assert clf.solver_ == "cd" and clf.converged_
    pipe = _saga(X, y, alpha, l1_ratio)
    coef = pipe[-1].coef_ / pipe[0].scale_
    np.testing.assert_allclose(clf.coef_, coef, atol=1e-6)
    np.testing.assert_array_equal(clf.coef_ == 0, coef == 0)
    assert 0 < np.sum(clf.coef_ == 0) < clf.coef_.size
    np.testing.assert_allclose(clf.predict_proba(X), pipe.predict_proba(X), atol=1e-7)


def test_sparse_csr_matches_dense():
    X, y = _data(seed=3)
    X[np.random.default_rng(1).random(X.shape) < 0.5] = 0.0
    dense = NeuronClassifier(alpha=0.01, l1_ratio=1.0, tol=1e-11).fit(X, y)
    sparse = NeuronClassifier(alpha=0.01, l1_ratio=1.0, tol=1e-11).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-9)
    np.testing.assert_array_equal(sparse.coef_ == 0, dense.coef_ == 0)


def test_multinomial_matches_saga():
    X, y = _data(n=300, d=6, K=3, seed=1)
    clf = NeuronClassifier(alpha=0.02, l1_ratio=1.0, tol=1e-10).fit(X, y)
    pipe = _saga(X, y, 0.02, 1.0)
    coef = pipe[-1].coef_ / pipe[0].scale_
    np.testing.assert_allclose(clf.coef_, coef, atol=1e-6)
    np.testing.assert_array_equal(clf.coef_ == 0, coef == 0)
    np.testing.assert_allclose(clf.predict_proba(X), pipe.predict_proba(X), atol=1e-7)


def test_raw_scale_matches_glum():
    glum = pytest.importorskip("glum")
    X, y = _data(seed=2)
    clf = NeuronClassifier(alpha=0.005, l1_ratio=0.7, standardize=False, tol=1e-11).fit(X, y)
    gl = glum.GeneralizedLinearRegressor(
        family="binomial", alpha=0.005, l1_ratio=0.7, scale_predictors=False, gradient_tol=1e-12
    ).fit(X, y)
    np.testing.assert_allclose(clf.coef_[0], gl.coef_, atol=1e-6)
    np.testing.assert_allclose(clf.intercept_[0], gl.intercept_, atol=1e-6)
    np.testing.assert_array_equal(clf.coef_[0] == 0, gl.coef_ == 0)


def test_l1_ratio_zero_is_exactly_the_ridge_model():
    X, y = _data(seed=4)
    a = NeuronClassifier(alpha=0.1).fit(X, y)
    b = NeuronClassifier(alpha=0.1, l1_ratio=0.0).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert b.solver_ == a.solver_ != "cd"
    # and "cd" solves the same ridge problem
    c = NeuronClassifier(alpha=0.1, solver="cd", tol=1e-11).fit(X, y)
    np.testing.assert_allclose(c.coef_, a.coef_, atol=1e-7)


def test_penalty_factor_by_name_equals_by_position_and_zero_frees_a_feature():
    X, y = _data(seed=5)
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    pf = np.ones(X.shape[1])
    pf[[5, 6]] = [0.0, 3.0]
    by_name = NeuronClassifier(alpha=0.05, l1_ratio=1.0, penalty_factor={"f5": 0, "f6": 3})
    by_pos = NeuronClassifier(alpha=0.05, l1_ratio=1.0, penalty_factor=pf)
    a, b = by_name.fit(df, y), by_pos.fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(a.coef_ == 0, b.coef_ == 0)
    assert a.coef_[0, 5] != 0.0  # unpenalised, though uninformative
    np.testing.assert_array_equal(a.penalty_factor_, pf)


def test_bad_l1_settings_raise_one_clear_error():
    X, y = _data()
    with pytest.raises(ValueError, match="solver='cd'"):
        NeuronClassifier(alpha=0.1, l1_ratio=0.5, solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="one entry per feature"):
        NeuronClassifier(alpha=0.1, l1_ratio=1, penalty_factor=[1.0, 2.0]).fit(X, y)
    with pytest.raises(ValueError, match="'nope', which is not a column of the model"):
        NeuronClassifier(alpha=0.1, l1_ratio=1, penalty_factor={"nope": 0}).fit(X, y)
    with pytest.raises(ValueError, match=">= 0"):
        NeuronClassifier(alpha=0.1, l1_ratio=1, penalty_factor=-np.ones(8)).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        NeuronClassifier(alpha=0.1, l1_ratio=1.5).fit(X, y)


def test_summary_of_an_l1_fit_is_refused_with_the_way_out():
    X, y = _data()
    clf = NeuronClassifier(alpha=0.02, l1_ratio=1.0).fit(X, y)
    with pytest.raises(InferenceUnavailableError, match="relax=True"):
        clf.summary()
    # the likelihood statistics are still there, from the data term alone
    p = clf.predict_proba(X)[np.arange(len(y)), y]
    assert clf.log_likelihood_ == pytest.approx(np.sum(np.log(p)), rel=1e-10)


def test_model_file_round_trip_and_old_files_without_l1_fields(tmp_path):
    X, y = _data()
    clf = NeuronClassifier(alpha=0.02, l1_ratio=0.5, penalty_factor={"x1": 0}).fit(X, y)
    clf.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    assert back.l1_ratio == 0.5 and back.penalty_factor[1] == 0.0
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    ridge = NeuronClassifier(alpha=0.1).fit(X, y)
    ridge.save(tmp_path / "r.json")
    doc = json.loads((tmp_path / "r.json").read_text())
    del doc["objective"]["l1_ratio"], doc["objective"]["penalty_factor"]
    (tmp_path / "old.json").write_text(json.dumps(doc))
    old = oneneuron.load(tmp_path / "old.json")
    assert old.l1_ratio == 0.0 and old.penalty_factor is None
    np.testing.assert_array_equal(old.predict_proba(X), ridge.predict_proba(X))


@parametrize_with_checks([NeuronClassifier(alpha=0.01, l1_ratio=0.5)])
def test_sklearn_check_estimator_l1(estimator, check):
    check(estimator)


def test_offset_with_l1_matches_glum():
    glum = pytest.importorskip("glum")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    off = rng.normal(size=300)
    y = (X[:, 0] + off + rng.normal(size=300) > 0).astype(int)
    clf = NeuronClassifier(alpha=0.01, l1_ratio=1.0, standardize=False, tol=1e-11)
    clf.fit(X, y, offset=off)
    gl = glum.GeneralizedLinearRegressor(
        family="binomial", alpha=0.01, l1_ratio=1.0, scale_predictors=False, gradient_tol=1e-12
    ).fit(X, y, offset=off)
    np.testing.assert_allclose(clf.coef_[0], gl.coef_, atol=1e-6)
    np.testing.assert_array_equal(clf.coef_[0] == 0, gl.coef_ == 0)


def test_relax_refits_unpenalised_on_the_kept_columns_like_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    X, y = _data(seed=7)
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    clf = NeuronClassifier(alpha=0.03, l1_ratio=1.0, relax=True).fit(df, y)
    keep = np.flatnonzero(clf.coef_[0])
    assert 0 < len(keep) < X.shape[1]
    ref = sm.Logit(y, sm.add_constant(X[:, keep])).fit(disp=0, tol=1e-12)
    table = clf.summary()
    assert list(table.index) == ["intercept", *[f"f{j}" for j in keep]]
    np.testing.assert_allclose(table["coef"], ref.params, rtol=1e-6)
    np.testing.assert_allclose(table["std_err"], ref.bse, rtol=1e-5)
    assert "optimistic" in table.attrs["caption"]
    np.testing.assert_allclose(clf.relaxed_.coef_[0], ref.params[1:], rtol=1e-6)
    with pytest.raises(ValueError, match="relax=True"):
        NeuronClassifier(alpha=0.03, relax=True).fit(X, y)


@pytest.mark.parametrize("seed", [0, 4, 6])
def test_exact_zeros_do_not_depend_on_the_memory_order_of_x(seed):
    """A 2-level factor's full dummies (f, 1 - f) beside an intercept tie: any split of
    the weight between them is optimal. Round-off must not pick a split of +-1e-15 that
    depends on X's memory order (it did, along CV paths, in 8 of 8 seeds). Oracle: the
    same CV on the other memory order; every non-zero a real one."""
    rng = np.random.default_rng(seed)
    n = 210
    g = rng.integers(0, 3, n)
    x = rng.standard_normal((n, 2)) * [1.0, 3.0]
    f = rng.random(n) < 0.4
    X = np.column_stack([x, np.eye(3)[g], f, 1 - f])
    y = (x[:, 0] - 0.3 * x[:, 1] + (g == 2) - 0.8 * f + rng.standard_normal(n) > 0).astype(int)
    fits = [
        oneneuron.NeuronClassifierCV(cv=3, n_alphas=6, alpha_min_ratio=0.01, tol=1e-10).fit(
            np.asarray(X, order=order), y
        )
        for order in "CF"
    ]
    np.testing.assert_array_equal(
        fits[0].cv_results_["n_nonzero"], fits[1].cv_results_["n_nonzero"]
    )
    for cv in fits:
        for path in cv.paths_:
            tiny = (path.coef != 0) & (np.abs(path.coef) < 1e-10)
            assert not tiny.any(), path.coef[tiny]


def test_sparse_wide_l1_fit_is_not_stopped_by_a_poor_subsample_metric():
    """Tall sparse wide data: a 20k-row subsample sees each feature in about 6 rows, so its
    Hessian is a poor metric. The solve must still reach the optimum (it stopped at KKT
    ~1e-5 claiming the float64 precision limit). Oracle: liblinear without intercept,
    tight, on the same objective."""
    rng = np.random.default_rng(0)
    n, d, nnz = 100_000, 100_000, 30
    cols = rng.integers(0, d, size=(n, nnz))
    X = sp.csr_matrix(
        (rng.standard_normal(n * nnz), cols.ravel(), np.arange(0, n * nnz + 1, nnz)), shape=(n, d)
    )
    X.sum_duplicates()
    beta = np.zeros(d)
    beta[rng.choice(d, 200, replace=False)] = rng.standard_normal(200)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta + 0.3)))).astype(int)
    kw = dict(standardize=False, fit_intercept=False)
    alpha = oneneuron.regularization_path(X, y, n_alphas=1, **kw).alpha_max / 1.5  # ~50 kept

    ours = NeuronClassifier(alpha=alpha, l1_ratio=1.0, tol=1e-9, **kw).fit(X, y)
    assert ours.converged_, ours.stop_reason_
    # the optimality conditions, computed here: g = X'(p - y)/n; |g_j| <= alpha at a zero,
    # g_j = -alpha sign(w_j) elsewhere
    w = ours.coef_[0]
    g = X.T @ (1 / (1 + np.exp(-(X @ w))) - y) / n
    nz = w != 0
    assert np.max(np.abs(g[nz] + alpha * np.sign(w[nz]))) < 1e-8
    assert np.max(np.abs(g[~nz])) < alpha + 1e-8


def test_l1_ratio_without_alpha_says_the_fit_is_unpenalised():
    """alpha=0 (the default) makes l1_ratio moot: a warning, not a silent unpenalised fit."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    with pytest.warns(UserWarning, match=r"l1_ratio=1 has no effect with alpha=0"):
        m = NeuronClassifier(l1_ratio=1.0).fit(X, y)
    ref = NeuronClassifier().fit(X, y)
    np.testing.assert_allclose(m.coef_, ref.coef_)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        NeuronClassifier(alpha=0.1, l1_ratio=1.0).fit(X, y)
        NeuronClassifier(alpha=0.0).fit(X, y)


def test_relax_when_the_l1_fit_keeps_no_column(tmp_path):
    """A large alpha keeps no column (an ordinary point of a grid search): relax=True
    crashed in the refit ('at least one array or dtype is required')."""
    from oneneuron.inference import InferenceUnavailableError

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    clf = NeuronClassifier(alpha=1.0, l1_ratio=1.0, relax=True).fit(X, y)
    assert not clf.coef_.any() and not hasattr(clf, "relaxed_")
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], y.mean(), rtol=1e-6)
    with pytest.raises(InferenceUnavailableError, match="kept no column"):
        clf.summary()
    assert clf.log_likelihood_ == pytest.approx(clf.null_log_likelihood_, rel=1e-10)
    oneneuron.save(clf, tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    with pytest.raises(InferenceUnavailableError, match="kept no column"):
        back.summary()


@pytest.mark.parametrize("solver", ["cd", "newton", "lbfgs"])
def test_a_passed_random_state_is_drawn_from_only_where_rows_are_sampled(solver):
    """solver='cd' took a number from a passed RandomState on every fit, though below
    10 000 rows its Hessian metric is exact (no rows are sampled), and the docstring
    named only 'sgd' and 'subsampled-newton' as its users: a caller's stream moved for
    nothing. Below that size it is now left alone (as by the solvers that sample
    nothing); from 10 000 rows cd draws the metric's rows from it, as documented.
    Oracle: a RandomState seeded alike and never passed."""
    X, y = _data(n=2_000)
    rs, untouched = np.random.RandomState(5), np.random.RandomState(5)
    params = {"l1_ratio": 1.0, "alpha": 0.01} if solver == "cd" else {}
    NeuronClassifier(solver=solver, random_state=rs, **params).fit(X, y)
    assert rs.randint(2**31) == untouched.randint(2**31)
    assert "cd" in NeuronClassifier.__doc__.split("random_state :")[1].split("record_path")[0]

"""Numerical corners: huge magnitudes, extreme imbalance, precision floors, stopping rule.

Oracles: statsmodels' Logit solved tightly, plain Newton on the same data, closed
forms (the scaled mean and spread of a column), and scikit-learn.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse

from oneneuron import ConvergenceWarning, NeuronClassifier


def _fit_quietly(clf, X, y, **kw):
    """Fit with every warning recorded (returned), none printed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y, **kw)
    return clf, caught


@pytest.mark.parametrize("big", [1e100, 1e150])
def test_huge_but_safe_columns_fit_without_overflow(big, tmp_path):
    """Values whose squares overflow float64: scale-safe statistics, no raw warnings."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + rng.logistic(size=200) > 0).astype(int)
    Xb = X.copy()
    Xb[:, 1] = X[:, 1] * big + 3 * big
    clf, caught = _fit_quietly(NeuronClassifier(), Xb, y)
    assert caught == []
    ref = NeuronClassifier().fit(X, y)
    np.testing.assert_allclose(clf.scale_[1] / big, ref.scale_[1], rtol=1e-12)
    np.testing.assert_allclose(clf.mean_[1] / big, ref.mean_[1] + 3, rtol=1e-12)
    np.testing.assert_allclose(clf.predict_proba(Xb), ref.predict_proba(X), rtol=1e-9)
    np.testing.assert_allclose(clf.coef_[0, 1] * big, ref.coef_[0, 1], rtol=1e-9)
    clf.save(tmp_path / "m.json")
    from oneneuron import load

    np.testing.assert_array_equal(
        load(tmp_path / "m.json").predict_proba(Xb), clf.predict_proba(Xb)
    )


@pytest.mark.parametrize(
    "big, standardize, fit_intercept",
    [
        (1e308 / 4, True, True),
        (1e308 / 4, False, True),
        (1e300, True, False),
        (1e200, False, False),
    ],
)
def test_overflowing_column_is_one_clear_error(big, standardize, fit_intercept):
    """Squares beyond float64 (the Hessian needs them): an error naming the column."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    X[:, 2] = X[:, 2] * big + big
    y = (X[:, 0] > 0).astype(int)
    clf = NeuronClassifier(standardize=standardize, fit_intercept=fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no raw RuntimeWarning on the way
        with pytest.raises(ValueError, match=r"^column 2 holds values up to .*overflow.*rescale"):
            clf.fit(X, y)


def test_overflowing_column_is_named_in_every_engine():
    import pandas as pd

    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "huge": [1e300, -1e300, 2e300, 0.0]})
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"column 1 \('huge'\) holds values up to 2e\+300"):
        NeuronClassifier().fit(X, y)
    dd = pytest.importorskip("dask.dataframe")
    Xd = dd.from_pandas(X, npartitions=2)
    yd = dd.from_pandas(pd.Series(y), npartitions=2)
    with pytest.raises(ValueError, match=r"column 1 \('huge'\) holds huge values"):
        NeuronClassifier().fit(Xd, yd)


def _logit_data(n, share, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) * [1.0, 10.0, 0.1, 3.0] + [0.0, 5.0, 1.0, 0.0]
    z = X @ np.array([0.5, -0.05, 3.0, 0.2]) + np.log(share / (1 - share))
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


@pytest.mark.parametrize("share", [0.5, 0.02])
def test_default_fit_matches_a_tight_statsmodels_fit(share):
    """converged_ at the default tol means the digits summary() prints: <= 1e-8 relative."""
    sm = pytest.importorskip("statsmodels.api")
    X, y = _logit_data(3000, share)
    ref = sm.Logit(y, sm.add_constant(X)).fit(method="newton", tol=1e-14, maxiter=100, disp=0)
    clf = NeuronClassifier().fit(X, y)
    assert clf.converged_ and clf.stop_reason_.startswith("converged")
    table = clf.summary()
    coef = np.r_[clf.intercept_, clf.coef_[0]]
    np.testing.assert_allclose(coef, ref.params, rtol=1e-8)
    np.testing.assert_allclose(table["std_err"], ref.bse, rtol=1e-8)
    np.testing.assert_allclose(table["p_value"], ref.pvalues, rtol=1e-8)


def test_tall_extremely_imbalanced_data_keeps_its_rare_rows():
    """1 positive in 100 000 rows: the subsample is stratified, so subsampled Newton
    converges in a few passes to plain Newton's optimum."""
    rng = np.random.default_rng(3)
    n = 300_000
    X = rng.normal(size=(n, 3))
    y = np.zeros(n, dtype=int)
    y[rng.choice(n, 3, replace=False)] = 1
    clf, caught = _fit_quietly(NeuronClassifier(), X, y)
    assert clf.solver_ == "subsampled-newton"
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert clf.converged_ and clf.n_passes_ < 20
    ref = NeuronClassifier(solver="newton").fit(X, y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(clf.intercept_, ref.intercept_, rtol=1e-8)


def test_stratified_subsample_is_uniform_without_rare_classes_and_unbiased_with():
    from oneneuron.classifier._fit import MIN_CLASS_ROWS, SUBSAMPLE_ROWS, stratified_rows

    y = np.repeat([0, 1], 100_000)
    rows, factor = stratified_rows(np.random.default_rng(0), y, 2)
    assert np.all(factor == 1.0) and abs(len(rows) - SUBSAMPLE_ROWS) < 5 * np.sqrt(SUBSAMPLE_ROWS)
    y = np.r_[np.zeros(400_000, int), np.ones(500, int), np.full(5000, 2)]
    rows, factor = stratified_rows(np.random.default_rng(0), y, 3)
    assert np.sum(y[rows] == 1) == 500  # a class below MIN_CLASS_ROWS: every row
    assert abs(np.sum(y[rows] == 2) - MIN_CLASS_ROWS) < 5 * np.sqrt(MIN_CLASS_ROWS)
    # weighted class totals estimate the full ones (f times), whatever the stratification
    f = SUBSAMPLE_ROWS / len(y)
    totals = np.bincount(y[rows], weights=factor) / f
    np.testing.assert_allclose(totals, np.bincount(y), rtol=0.05)


def test_geometric_row_draw_keeps_each_row_with_probability_f():
    from oneneuron.classifier._fit import bernoulli_rows

    rng = np.random.default_rng(0)
    counts = np.zeros(500)
    for _ in range(4000):
        rows = bernoulli_rows(rng, 500, 0.05)
        assert np.all(np.diff(rows) > 0) and rows[0] >= 0 and rows[-1] < 500
        counts[rows] += 1
    p = counts / 4000  # each row's frequency: binomial, sd sqrt(.05 * .95 / 4000) = 0.0034
    assert abs(p.mean() - 0.05) < 0.001 and np.all(np.abs(p - 0.05) < 6 * 0.0035)
    assert abs(p[:50].mean() - p[-50:].mean()) < 0.005  # no drift along the rows


def test_lbfgs_at_the_float64_floor_stops_honestly():
    """A tol below what float64 resolves: L-BFGS stops when the objective stops
    decreasing, says so in one line, and is converged (it reached the optimum)."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(2000, 300))
    y = (X[:, :5].sum(1) + rng.logistic(size=2000) > 0).astype(int)
    clf, caught = _fit_quietly(NeuronClassifier(alpha=1e-3, solver="lbfgs", tol=1e-15), X, y)
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert clf.converged_ and "no longer decreases in float64" in clf.stop_reason_
    assert "\n" not in clf.stop_reason_ and clf.n_iter_ < 200
    assert clf.n_passes_ <= clf.n_iter_ + 10  # no line search burning passes at the floor
    ref = NeuronClassifier(alpha=1e-3, solver="newton").fit(X, y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("solver", ["newton", "subsampled-newton"])
def test_newton_at_the_float64_floor_does_not_loop(solver):
    X, y = _logit_data(2000, 0.3)
    clf, caught = _fit_quietly(NeuronClassifier(solver=solver, tol=0.0), X, y)
    assert clf.n_iter_ < 30 and clf.converged_
    assert "float64" in clf.stop_reason_
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]


def test_auto_converges_where_lbfgs_runs_out_of_iterations(tmp_path):
    # raw 8x8 digits (pixel counts 0..16, many almost-constant columns), 10 classes,
    # 650 parameters: "auto" picks L-BFGS, which needs ~2 800 iterations here. The
    # Hessian is cheap at 1 797 rows, so Newton finishes the fit; oracle: scikit-learn's
    # newton-cg, an independent second-order solver, on the same objective
    from scipy.special import logsumexp
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    X, y = load_digits(return_X_y=True)
    n, alpha = len(y), 0.01

    def objective(W, b):
        Z = X @ W.T + b
        return np.mean(logsumexp(Z, axis=1) - Z[np.arange(n), y]) + 0.5 * alpha * np.sum(W * W)

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = NeuronClassifier(alpha=alpha, standardize=False).fit(X, y)
    assert clf.converged_
    assert "L-BFGS" in clf.stop_reason_ and "Newton" in clf.stop_reason_
    ref = LogisticRegression(C=1 / (n * alpha), solver="newton-cg", tol=1e-10).fit(X, y)
    best = objective(ref.coef_, ref.intercept_)
    assert objective(clf.coef_, clf.intercept_) - best <= 1e-12
    h = clf.history_
    assert len(h["loss"]) == clf.n_iter_ + 1 and clf.solver_ == "lbfgs+newton"
    assert np.all(np.diff(h["loss"]) <= 1e-12)
    from oneneuron.modelfile import load, save

    save(clf, tmp_path / "digits.json")
    assert load(tmp_path / "digits.json").solver_ == "lbfgs+newton"


@pytest.mark.parametrize(
    "solver, fit_intercept, rtol",
    [
        ("newton", True, 1e-9),
        ("newton", False, 1e-9),
        ("lbfgs", True, 1e-5),
        ("lbfgs", False, 1e-5),
    ],
)
def test_raw_coordinate_stopping_rule_ignores_a_columns_units(solver, fit_intercept, rtol):
    """standardize=False: a column in tiny units (x 1e8) must not end the fit early.

    The step was measured against ``max(1, |coef|)`` in raw units, where that
    column's coefficient and step are 1e-8 of the others': Newton stopped after 4
    iterations on statsmodels' anes96 (PID, multinomial), 0.38 standard errors
    away; the softmax gauge, an identity in raw units, left that column's flat
    direction free. L-BFGS without intercept ran in raw coordinates and stalled.
    Oracle: statsmodels' MNLogit solved tightly (class 0 as reference).
    """
    sm = pytest.importorskip("statsmodels.api")
    from statsmodels.datasets import anes96

    d = anes96.load_pandas().data
    X = d[["logpopul", "selfLR", "age", "educ", "income"]].to_numpy(float)
    X[:, 2] *= 1e8
    y = d["PID"].to_numpy().astype(int)
    Xs = sm.add_constant(X) if fit_intercept else X
    ref = sm.MNLogit(y, Xs).fit(disp=0, method="newton", tol=1e-14, maxiter=200)
    clf = NeuronClassifier(
        standardize=False, solver=solver, fit_intercept=fit_intercept, max_iter=5000
    )
    clf, _ = _fit_quietly(clf, X, y)
    assert clf.converged_
    W = (clf.coef_ - clf.coef_[0])[1:].T
    if fit_intercept:
        W = np.vstack([(clf.intercept_ - clf.intercept_[0])[1:], W])
    err = np.abs(W - np.asarray(ref.params)) / np.asarray(ref.bse)
    assert err.max() < rtol


def _binary_standardised_kkt(clf, X, y, alpha):
    """A binary L1 fit's KKT violation on the standardised scale, by hand in float64."""
    Xd = np.asarray(X, dtype=np.float64)
    z = Xd @ clf.coef_[0] + clf.intercept_[0]
    r = (1 / (1 + np.exp(-z)) - y) / len(y)
    G = (r @ Xd) / clf.scale_  # d loss / d W' where W = W' / sigma
    Wp = clf.coef_[0] * clf.scale_
    v = np.where(Wp != 0, G + alpha * np.sign(Wp), np.maximum(np.abs(G) - alpha, 0))
    return max(np.abs(v).max(), abs(r.sum()))


@pytest.mark.parametrize("case", ["shifted", "mean5"])
def test_float32_l1_fits_reach_tol(case):
    """float32 X, default tol = 1e-8: paths and single L1 fits reach tol.

    Before the float32 blocks were summed in float64 (objective.float64_block), the path
    on N(2, 3) columns stopped at KKT 2.3e-8 ('at the limit of the data's
    floating-point precision') and columns of mean 5 and spread 0.015 at KKT 5e-6.
    Oracle: the KKT conditions of the exact objective, evaluated by hand in float64
    at the float64 fit (the same values: float32 converts exactly), which the float32
    fit must equal to float32's resolution (its ``coef_`` is stored in float32: with
    an intercept of -584 that rounding alone leaves a KKT violation of 6e-4).
    """
    from oneneuron import regularization_path

    rng = np.random.default_rng(0)
    if case == "shifted":
        X = rng.normal(size=(300, 6)).astype(np.float32) * 3 + 2
        y = (X[:, 0] - 2 + rng.logistic(size=300) > 0).astype(int)
    else:
        rng.normal(size=(300, 6))  # the draw of the report's reproducer
        X = (5 + 0.015 * rng.normal(size=(300, 6))).astype(np.float32)
        y = (X[:, 0] - 5 + 0.01 * rng.logistic(size=300) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        path = regularization_path(X, y, n_alphas=10)
        for alpha in [path.alphas[0], path.alphas[4], 0.01]:
            clf = NeuronClassifier(alpha=float(alpha), l1_ratio=1.0).fit(X, y)
            assert clf.converged_, clf.stop_reason_
            ref = NeuronClassifier(alpha=float(alpha), l1_ratio=1.0).fit(X.astype(float), y)
            assert _binary_standardised_kkt(ref, X, y, alpha) < 1e-7
            assert np.array_equal(clf.coef_ != 0, ref.coef_ != 0)
            np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(clf.intercept_, ref.intercept_, rtol=1e-5)


@pytest.mark.parametrize("tiny", [1e-160, 1e-200, 1e-300])
def test_a_column_too_small_for_float64_is_one_clear_error(tiny):
    """A column whose squares underflow read as a constant: its coefficient came out 0
    (the model fitted without it, silently; statsmodels fits it) and its variance as
    infinity. Now an error naming the column, in every engine, with no raw warning."""
    import pandas as pd

    rng = np.random.default_rng(2)
    X = pd.DataFrame({"a": rng.normal(size=60), "small": rng.normal(size=60) * tiny})
    y = (X["small"] / tiny + rng.logistic(size=60) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^column 1 \('small'\) holds values no larger "):
            NeuronClassifier().fit(X, y)
        with pytest.raises(ValueError, match=r"underflow.*smaller units"):
            NeuronClassifier(standardize=False, solver="lbfgs").fit(X.to_numpy(), y)
        with pytest.raises(ValueError, match=r"^column 1 holds values no larger"):
            NeuronClassifier().fit(scipy.sparse.csr_matrix(X.to_numpy()), y)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"^column 1 holds values no larger"):
        NeuronClassifier().fit(torch.from_numpy(X.to_numpy()), torch.from_numpy(y.to_numpy()))
    dd = pytest.importorskip("dask.dataframe")
    Xd = dd.from_pandas(X, npartitions=2)
    with pytest.raises(ValueError, match=r"column 1 \('small'\) holds tiny values"):
        NeuronClassifier().fit(Xd, dd.from_pandas(y, npartitions=2))


@pytest.mark.parametrize("small", [1e-100, 1e-150])
def test_small_but_safe_columns_fit_as_statsmodels_does(small):
    """Just above the floor the fit and its standard errors scale with the column
    (oracle: statsmodels on the unscaled column)."""
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 2))
    y = (X[:, 1] + rng.logistic(size=200) > 0).astype(int)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    clf = NeuronClassifier().fit(X * [1.0, small], y)
    np.testing.assert_allclose(clf.coef_[0] * [1.0, small], ref.params[1:], rtol=1e-7)
    np.testing.assert_allclose(clf.summary()["std_err"].iloc[2] * small, ref.bse[2], rtol=1e-7)


def test_magnitudes_in_range_is_check_magnitudes_common_case():
    """The shortcut of the fit's input checks (``magnitudes_in_range`` True: no test for
    NaN, no ``check_magnitudes``) is taken only where both would pass: every statistic
    finite and every column within the limits."""
    from oneneuron.engines._record import check_magnitudes, magnitudes_in_range

    values = [0.0, 1e-160, 1e-3, 1.0, 7e152, 1e300, np.inf, -np.inf, np.nan]
    rng = np.random.default_rng(0)
    taken = 0
    for _ in range(2000):
        mean = rng.choice(values, size=2) * rng.choice([-1.0, 1.0], size=2)
        scale = np.abs(rng.choice(values, size=2))
        for dtype in (np.float64, np.float32):
            if magnitudes_in_range(mean, scale, dtype):
                taken += 1
                assert np.isfinite(mean).all() and np.isfinite(scale).all()
                check_magnitudes(mean, scale, dtype)  # raises nothing
    assert taken > 0

"""Separation is diagnosed once, after the fit, with the direction, the rows and the fix."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from oneneuron import ConvergenceWarning, NeuronClassifier, SeparationWarning
from oneneuron.datasets import load_exam_scores
from oneneuron.stats import _separation


def _fit_recording(clf: NeuronClassifier, X, y) -> tuple[NeuronClassifier, list]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    return clf, [w for w in caught if issubclass(w.category, SeparationWarning)]


def _complete() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["noise", "age", "dose"])
    y = (X["dose"] - 0.3 * X["age"] > 0.1).astype(int).to_numpy()
    return X, y


def _quasi() -> tuple[pd.DataFrame, np.ndarray]:
    """Random labels, plus a column that is positive on 10 rows, all of class 1, else 0."""
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(80, 2)), columns=["a", "b"])
    y = rng.integers(0, 2, size=80)
    flag = np.zeros(80)
    ones = np.flatnonzero(y == 1)[:10]
    flag[ones] = rng.uniform(0.5, 1.5, size=10)
    X["flag"] = flag
    return X, y


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "gd"])
def test_complete_separation_warns_once(solver):
    X, y = _complete()
    opts = {"max_iter": 50} if solver == "gd" else {}
    clf, seps = _fit_recording(NeuronClassifier(solver=solver, **opts), X, y)
    assert len(seps) == 1
    msg = str(seps[0].message)
    assert "completely separated" in msg and "60 of 60 rows" in msg and "alpha > 0" in msg
    assert "dose" in msg.split("perfectly along")[1].split("(standardised")[0]
    assert seps[0].filename == __file__  # points at the user's fit call
    assert clf.separation_ == "complete"
    assert np.all(np.isfinite(clf.coef_)) and np.all(np.isfinite(clf.intercept_))
    with pytest.raises(ValueError, match="separated.*alpha > 0"):
        clf.summary()


def test_quasi_complete_separation():
    X, y = _quasi()
    clf, seps = _fit_recording(NeuronClassifier(), X, y)
    assert len(seps) == 1
    msg = str(seps[0].message)
    assert "quasi-completely separated" in msg and "10 of 80 rows" in msg
    assert "+1*flag" in msg
    assert clf.separation_ == "quasi-complete"
    assert np.all(np.isfinite(clf.coef_))
    # without the flag column the same labels are not separable
    clf2, seps2 = _fit_recording(NeuronClassifier(), X[["a", "b"]], y)
    assert seps2 == [] and clf2.separation_ == "none"


def test_penalized_fit_is_not_flagged():
    X, y = _complete()
    clf, seps = _fit_recording(NeuronClassifier(alpha=0.01), X, y)
    assert seps == [] and clf.separation_ == "not checked"
    assert np.all(np.isfinite(clf.summary()["std_err"]))


def test_multinomial_separation():
    rng = np.random.default_rng(2)
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    y = np.repeat([0, 1, 2], 20)
    X = centres[y] + rng.normal(scale=0.5, size=(60, 2))
    clf, seps = _fit_recording(NeuronClassifier(), X, y)
    assert len(seps) == 1 and clf.separation_ == "complete"
    assert "60 of 60 rows" in str(seps[0].message)
    # the LP agrees with a direct check of its own claim: margins of the direction
    Xt = _separation.design(X, clf.mean_, clf.scale_, True)
    sep = _separation.detect(Xt, y, 3, np.ones(60))
    B = np.vstack([np.zeros(3), sep.direction])
    Z = Xt @ B.T
    margins = Z[np.arange(60), y][:, None] - Z
    margins[np.arange(60), y] = np.inf
    assert np.all(margins.min(axis=1) > 0)


def test_ordinary_fit_runs_no_lp(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("the LP ran on an ordinary fit")

    monkeypatch.setattr(_separation, "detect", boom)
    X, y, _ = load_exam_scores()
    clf = NeuronClassifier().fit(X, y)
    assert clf.separation_ == "none"


def test_zero_weight_rows_are_ignored():
    X, y = _complete()
    X = pd.concat([X, X.iloc[:1]], ignore_index=True)
    y = np.r_[y, 1 - y[0]]  # a contradicting row breaks the separation ...
    w = np.r_[np.ones(60), 0.0]  # ... unless its weight is zero
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = NeuronClassifier().fit(X, y, sample_weight=w)
    seps = [c for c in caught if issubclass(c.category, SeparationWarning)]
    assert len(seps) == 1 and "60 of 60" in str(seps[0].message)
    assert clf.separation_ == "complete"


def test_not_converged_and_separated_gives_each_warning_once():
    X, y = _complete()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NeuronClassifier(solver="gd", max_iter=5).fit(X, y)
    kinds = [c.category for c in caught]
    assert kinds.count(SeparationWarning) == 1 and kinds.count(ConvergenceWarning) == 1


def test_lp_and_fitted_certificate_agree_on_complete_separation():
    X, y = _complete()
    clf, _ = _fit_recording(NeuronClassifier(), X, y)  # decided by the fitted logits
    Xt = _separation.design(X.to_numpy(), clf.mean_, clf.scale_, True)
    sep = _separation.detect(Xt, y, 2, np.ones(len(y)))  # decided by the LPs
    assert sep.kind == "complete" and sep.n_separated == len(y)
    margins = (2 * y - 1) * (Xt @ sep.direction[0])
    assert margins.min() > 0


def test_too_large_for_the_lp_is_not_checked_and_says_so(monkeypatch):
    """A fit that looks separated (a flat Hessian) but whose LP would be too large is
    "not checked", with a warning saying so, and no standard errors (they were reported,
    silently, from the flat Hessian)."""
    from oneneuron.stats import InferenceUnavailableError

    monkeypatch.setattr(_separation, "MAX_LP_SIZE", 0)
    X, y = _quasi()
    clf, seps = _fit_recording(NeuronClassifier(), X, y)
    assert clf.separation_ == "not checked"
    assert [str(w.message)[:43] for w in seps] == ["the fit looks separated but the check could"]
    assert "too large" in str(seps[0].message)
    with pytest.raises(InferenceUnavailableError, match="looks separated"):
        clf.summary()


@pytest.mark.parametrize("n, d", [(30, 60), (40, 400), (60, 40)])
def test_separation_with_many_features_is_detected(n, d):
    """Random labels: with d >= n (and, by Cover's theorem, often for d > n/2) any
    labelling is separable; a perfect fit of tiny loss must not pass as ordinary."""
    rng = np.random.default_rng(n + d)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, n)
    clf, seps = _fit_recording(NeuronClassifier(), X, y)
    assert clf.score(X, y) == 1.0  # the fit separates the rows: the oracle of separation
    assert clf.separation_ == "complete" and len(seps) == 1


def _strong_signal(n=1000):
    """Not separable (logistic noise), but a standardised coefficient of about 60."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.02 * rng.logistic(size=n) > 0).astype(int)
    return X, y


def test_strong_but_ordinary_fit_runs_no_lp(monkeypatch):
    X, y = _strong_signal()
    Xt = _separation.design(X, X.mean(0), X.std(0), True)
    assert _separation.detect(Xt, y, 2, np.ones(len(y))).kind == "none"  # the LP's verdict

    def boom(*args, **kwargs):
        raise AssertionError("the LP ran on a non-separable fit")

    monkeypatch.setattr(_separation, "detect", boom)
    clf = NeuronClassifier().fit(X, y)
    assert np.abs(clf.coef_ * clf.scale_).max() > _separation.SUSPICIOUS_COEF
    assert clf.separation_ == "none"
    assert np.all(np.isfinite(clf.summary()["std_err"]))


def test_quasi_separated_fit_runs_the_lp(monkeypatch):
    calls = []

    def spy(*args, **kwargs):
        calls.append(1)
        return detect(*args, **kwargs)

    detect = _separation.detect
    monkeypatch.setattr(_separation, "detect", spy)
    X, y = _quasi()
    clf, seps = _fit_recording(NeuronClassifier(), X, y)
    assert calls and clf.separation_ == "quasi-complete"


def _rare_level():
    """300 rows of ``x`` and a level ``g == "D"`` on 3 rows, all of class "yes"."""
    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=n)
    g = rng.choice(["A", "B", "C"], n)
    y = np.where(x + rng.normal(size=n) > 0, "yes", "no")
    g[:3], y[:3] = "D", "yes"
    return pd.DataFrame({"x": x, "g": g}), y


def test_a_rare_level_all_of_one_class_is_quasi_separation_not_collinearity():
    """A level on 3 rows, all of one class: its standardised coefficient stays small (the
    indicator's spread is small), so no trigger fired, and summary() called the column
    'constant (a multiple of the intercept)'. The flat Hessian now triggers the LP."""
    df, y = _rare_level()
    n = len(y)
    Xt = _separation.design(
        pd.get_dummies(df, columns=["g"], drop_first=True, dtype=float).to_numpy(),
        np.zeros(4), np.ones(4), True,
    )  # fmt: skip
    assert _separation.detect(Xt, (y == "yes").astype(int), 2, np.ones(n)).kind == (
        "quasi-complete"
    )  # the LP's verdict on the same design: the oracle
    clf, seps = _fit_recording(NeuronClassifier(), df, y)
    assert len(seps) == 1 and clf.separation_ == "quasi-complete"
    assert "3 of 300 rows" in str(seps[0].message) and "g[T.D]" in str(seps[0].message)
    # an exactly collinear column is still named as such (aliased, as R's glm), with no
    # separation warning
    X = df.assign(x2=2.0 * df.x)[["x", "x2"]]
    clf, seps = _fit_recording(NeuronClassifier(), X, y)
    assert seps == [] and clf.separation_ == "none"
    table = clf.summary()
    assert "'x2' is a linear combination of 'x'" in table.attrs["caption"]
    assert table.loc["x2"].isna().all() and table.loc["x"].notna().all()


def test_the_warning_says_when_it_shows_only_the_largest_components():
    """'along the direction +1*a -0.7*b -0.35*c' read as the whole direction when the LP's
    had more components; the best split along those three classified 73% of the rows."""
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(60, 6)), columns=list("abcdef"))
    y = (X @ np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.5]) > 0).astype(int).to_numpy()
    _, seps = _fit_recording(NeuronClassifier(), X, y)
    msg = str(seps[0].message)
    assert "largest components" in msg and "of 6" in msg, msg
    _, seps = _fit_recording(NeuronClassifier(), X[["a"]], (X.a > 0).astype(int).to_numpy())
    assert "largest components" not in str(seps[0].message)  # the whole direction shown


def test_a_one_row_class_and_an_unconverged_separated_fit_are_checked():
    """A multinomial class of one separable row kept the scaled condition number moderate
    (852: unit-diagonal scaling hides a uniformly flat block), so the LP never ran and three
    solvers reported 'none'; a cd fit stopped before separating every row was 'none' too."""
    rng = np.random.default_rng(0)
    rng.normal(size=(90, 5))
    X = rng.normal(size=(200, 4))
    y = np.r_[np.zeros(100), np.ones(99), [2]].astype(int)
    Xt = _separation.design(X, X.mean(0), X.std(0), True)
    assert _separation.detect(Xt, y, 3, np.ones(200)).kind == "quasi-complete"  # the oracle
    for solver in ("newton", "lbfgs"):
        clf, seps = _fit_recording(NeuronClassifier(solver=solver), X, y)
        assert clf.separation_ == "quasi-complete" and len(seps) == 1, solver
    rng = np.random.default_rng(3)
    X = rng.normal(size=(20000, 10))
    yb = (X @ np.linspace(1, -1, 10) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf, seps = _fit_recording(NeuronClassifier(solver="cd", max_iter=3), X, yb)
    assert clf.separation_ == "complete" and len(seps) == 1


def test_an_offset_that_predicts_every_row_is_not_separation():
    # separation is a property of the columns and labels: an offset that puts every
    # row's logit on its label's side leaves a finite maximum-likelihood estimate
    # (statsmodels' GLM finds it). The fitted-logit certificate counted the offset
    # and reported complete separation, with no standard errors
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(0)
    n = 200
    X = rng.normal(size=(n, 2))
    y = (rng.random(n) < 0.5).astype(int)
    offset = 9.0 * (2 * y - 1) * rng.uniform(1.0, 1.5, n)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeparationWarning)
        clf = NeuronClassifier(tol=1e-11).fit(X, y, offset=offset)
    assert clf.separation_ == "none"
    ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(), offset=offset).fit(tol=1e-14)
    table = clf.summary()
    np.testing.assert_allclose(table["coef"], ref.params, rtol=1e-6)
    np.testing.assert_allclose(table["std_err"], ref.bse, rtol=1e-6)
    # columns that do separate are still found with an offset
    Xs = np.column_stack([X[:, 0], 2 * y - 1 + 0.1 * X[:, 1]])
    _, caught = _fit_recording(NeuronClassifier(), Xs, y)
    assert caught
    with pytest.warns(SeparationWarning, match="completely separated"):
        NeuronClassifier().fit(Xs, y, offset=rng.normal(size=n))


def test_multinomial_quasi_separation_without_a_perfect_row_says_so():
    # level d has two rows, of classes 0 and 1 and none of class 2: class 2's logit on
    # level d runs to -inf (quasi-complete separation) though neither row is predicted
    # perfectly (each ties with the other's class). The warning said "1 of 300 rows are
    # predicted perfectly" (the count was clamped to at least 1)
    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(list("abc"), n)})
    df["y"] = rng.integers(0, 3, n)
    df.loc[[0, 1], "g"], df.loc[[0, 1], "y"] = "d", [0, 1]
    import oneneuron

    with pytest.warns(SeparationWarning, match="quasi-completely") as caught:
        clf = oneneuron.logit("y ~ x + C(g)", df)
    text = str(caught[0].message)
    assert "no row is predicted perfectly" in text and "1 of 300" not in text
    assert clf.inference_.extra["separated_rows"] == 0


def test_a_rare_level_where_the_lp_is_too_large_is_not_given_standard_errors(monkeypatch):
    """The rare level all of one class (the LP's quasi-complete separation, above) where
    the LP would be too large: no coefficient is big, so the fit had standard errors,
    separation_ "not checked", silently. The flat Hessian's flat direction is
    separation's (one pass over the rows), so it warns and refuses, as for a big one."""
    from oneneuron.stats import InferenceUnavailableError

    df, y = _rare_level()
    monkeypatch.setattr(_separation, "MAX_LP_SIZE", 0)
    clf, seps = _fit_recording(NeuronClassifier(), df, y)
    assert clf.separation_ == "not checked"
    assert [str(w.message)[:43] for w in seps] == ["the fit looks separated but the check could"]
    with pytest.raises(InferenceUnavailableError, match="looks separated"):
        clf.summary()

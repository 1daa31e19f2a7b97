"""The estimators as a scikit-learn power user drops them into its tooling.

Oracles: scikit-learn's own conventions (``GridSearchCV``'s ranks, its estimator
checks' array-likes), and the same fit given plain NumPy arrays.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import _NotAnArray

from oneneuron import NeuronClassifier, NeuronClassifierCV


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] - 0.5 * X[:, 1] + rng.normal(size=n) > 0).astype(int)
    return X, y, rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize(
    "est",
    [NeuronClassifier(missing="drop"), NeuronClassifierCV(cv=2, n_alphas=3, missing="drop")],
    ids=["NeuronClassifier", "NeuronClassifierCV"],
)
def test_array_likes_that_are_not_arrays_fit_with_missing_drop(est):
    """``missing="drop"`` looked for missing weights with ``np.ndim(sample_weight)``,
    which an array-like that is not an array may refuse (scikit-learn's
    ``check_sample_weights_not_an_array`` failed: "Don't want to call array_function
    ndim!"); it is read as ``np.asarray`` reads it, as the other settings read it.
    Oracle: the same fit given NumPy arrays."""
    X, y, w = _data()
    got = est.fit(_NotAnArray(X), _NotAnArray(y), sample_weight=_NotAnArray(w))
    ref = type(est)(**est.get_params()).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(got.coef_, ref.coef_)
    np.testing.assert_array_equal(got.intercept_, ref.intercept_)


@pytest.mark.filterwarnings(
    "ignore::oneneuron.GridEdgeWarning"
)  # a small grid: its end is not the point
@pytest.mark.parametrize("missing", ["error", "drop", "mean", "median", "most_frequent"])
def test_the_cv_estimator_declares_the_nan_it_fills_as_the_plain_one(missing):
    """``NeuronClassifierCV(missing="mean")`` fills NaN cells in fit and predict, but its
    tags did not say so (``allow_nan`` False): scikit-learn's
    ``check_estimators_nan_inf`` failed, and ``SequentialFeatureSelector``, which reads
    the tag, refused its NaN ("Input X contains NaN") where it takes
    ``NeuronClassifier(missing="mean")``'s. Oracle: the plain estimator's tags, and the
    selector's choice made by hand (the held-out score of each one-column model)."""
    from sklearn.feature_selection import SequentialFeatureSelector
    from sklearn.model_selection import cross_val_score
    from sklearn.utils import get_tags

    cv = NeuronClassifierCV(cv=2, n_alphas=3, missing=missing)
    plain = NeuronClassifier(missing=missing)
    assert get_tags(cv).input_tags.allow_nan == get_tags(plain).input_tags.allow_nan
    if missing not in ("mean", "median", "most_frequent"):
        return
    X, y, _ = _data()
    X[::7, 1] = np.nan
    sfs = SequentialFeatureSelector(cv, n_features_to_select=1, cv=2).fit(X, y)
    scores = [cross_val_score(cv, X[:, [j]], y, cv=2).mean() for j in range(3)]
    np.testing.assert_array_equal(sfs.get_support(), np.arange(3) == np.argmax(scores))


def test_tied_cv_scores_share_their_rank_as_in_a_grid_search():
    """``cv_results_["rank_test_score"]`` ranked tied mean scores one after another
    (accuracy on 200 rows ties often: 5, 6, 7, 8, 4, 3, 1, 2 where scikit-learn's
    searches give 5, 5, 5, 5, 4, 3, 1, 1), so two grid points with the same score
    had different ranks and a table sorted by rank hid the tie. Oracle: the rule of
    ``GridSearchCV``'s ``cv_results_``, ``rankdata(-mean, method="min")``; ``rank 1``
    still holds the choice of ``rule="min"``."""
    from scipy.stats import rankdata

    X, y, _ = _data(200)
    cv = NeuronClassifierCV(cv=3, n_alphas=8, scoring="accuracy", l1_ratios=[0.0, 1.0])
    res = cv.fit(X, y).cv_results_
    mean = res["mean_test_score"]
    assert len(np.unique(mean)) < len(mean)  # the data has ties to rank
    want = rankdata(-mean, method="min").astype(np.int32)
    np.testing.assert_array_equal(res["rank_test_score"], want)
    assert res["rank_test_score"].dtype == np.int32
    chosen = np.flatnonzero(
        (res["param_alpha"] == cv.alpha_) & (res["param_l1_ratio"] == cv.l1_ratio_)
    )
    assert res["rank_test_score"][chosen] == [1]


def _table(n=240, seed=8):
    import pandas as pd

    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {"x": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n), "z": rng.normal(size=n)}
    )
    eta = X.x + 0.8 * (X.g == "b") - 0.6 * (X.g == "c")
    return X.assign(y=np.where(rng.random(n) < 1 / (1 + np.exp(-eta)), "yes", "no"))


@pytest.mark.parametrize(
    "est",
    [
        NeuronClassifier(formula="y ~ x + C(g)"),
        NeuronClassifierCV(cv=2, n_alphas=3, formula="y ~ x + C(g)"),
    ],
    ids=["NeuronClassifier", "NeuronClassifierCV"],
)
def test_a_formula_that_names_the_target_is_scored_without_y(est):
    """``fit(table)`` takes the labels from the formula's target, but ``score(table)``
    required ``y`` (TypeError): ``cross_val_score(est, table)`` returned [nan nan nan],
    and ``GridSearchCV`` over formulas "chose" the first one on NaN scores (only a
    warning said why). ``score`` now reads the target as ``fit`` does (also named,
    ``score(table, "y")``). Oracle: scikit-learn's scorer (accuracy; the CV's
    ``scoring``) against the table's target column, and the same search given ``y``."""
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

    T = _table()
    w = np.linspace(0.5, 2.0, len(T))
    fitted = type(est)(**est.get_params()).fit(T)
    scorer = get_scorer(getattr(est, "scoring", "accuracy"))  # the CV's: its scoring
    want = scorer(fitted, T, T["y"].to_numpy(), sample_weight=w)
    assert fitted.score(T, sample_weight=w) == pytest.approx(want, rel=1e-15)
    assert fitted.score(T, "y", w) == pytest.approx(want, rel=1e-15)
    folds = KFold(3)
    got = cross_val_score(est, T, cv=folds, error_score="raise")
    np.testing.assert_allclose(got, cross_val_score(est, T, T["y"].to_numpy(), cv=folds))
    if isinstance(est, NeuronClassifier):
        grid = {"formula": ["y ~ z", "y ~ x + C(g)"]}
        search = GridSearchCV(est, grid, cv=folds, error_score="raise").fit(T)
        given = GridSearchCV(est, grid, cv=folds).fit(T, T["y"].to_numpy())
        assert search.best_params_ == given.best_params_ == {"formula": "y ~ x + C(g)"}
        np.testing.assert_allclose(
            search.cv_results_["mean_test_score"], given.cv_results_["mean_test_score"]
        )
    plain = NeuronClassifier().fit(T[["x", "z"]], T["y"])
    with pytest.raises(ValueError, match="pass y"):
        plain.score(T[["x", "z"]])


def test_one_standard_error_rule_uses_glmnets_standard_error(tmp_path):
    """``rule="1se"`` is documented as glmnet's ``lambda.1se``, whose standard error
    (``cv.glmnet``'s ``cvsd``) is ``sqrt(mean((s_k - m)^2) / (N - 1))`` over the N
    folds' scores ``s_k``: the sample standard deviation over ``sqrt(N)``. The rule
    divided the population one (``ddof=0``) by ``sqrt(N)``, an interval too narrow by
    ``sqrt((N-1)/N)`` (0.82 with 3 folds), and chose a smaller alpha than glmnet's
    (0.0288 instead of 0.0338 here). Oracle: glmnet's formula written out."""
    from oneneuron.classifier import choose_alpha

    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 6)) * rng.uniform(0.5, 2.0, 6)
    y = (X[:, 0] - X[:, 1] + 0.5 * X[:, 2] + rng.normal(size=240) > 0).astype(int)
    cv = NeuronClassifierCV(cv=3, n_alphas=30, alpha_min_ratio=0.01, rule="1se").fit(X, y)
    s = cv.scores_[0]  # (folds, alphas)
    n_folds = s.shape[0]
    m = s.mean(axis=0)
    best = int(np.argmax(m))
    cvsd = np.sqrt(np.mean((s[:, best] - m[best]) ** 2) / (n_folds - 1))
    want = int(np.flatnonzero(m >= m[best] - cvsd)[0])
    narrow = int(np.flatnonzero(m >= m[best] - s[:, best].std() / np.sqrt(n_folds))[0])
    assert want != narrow  # the data tells the two rules apart
    assert cv.alpha_ == cv.alphas_[0, want]
    assert choose_alpha(cv.scores_, "1se") == (0, want)
    assert cv.cv_record_.chosen == (0, want)
    # a model file written by an earlier version (its alpha the narrower rule's) loads,
    # with that choice; an alpha neither rule chooses is refused
    import json

    import oneneuron

    path = tmp_path / "m.json"
    cv.save(path)
    doc = json.loads(path.read_text())
    for alpha, ok in ((cv.alphas_[0, narrow], True), (cv.alphas_[0, want + 3], False)):
        doc["path"]["alpha"] = doc["objective"]["alpha"] = float(alpha)
        doc["inference"]["alpha"] = float(alpha)
        path.write_text(json.dumps(doc))
        if ok:
            assert oneneuron.load(path).cv_record_.chosen == (0, narrow)
        else:
            with pytest.raises(ValueError, match="is not the choice of rule '1se'"):
                oneneuron.load(path)


def _three(n=150, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = np.array(["a", "b", "c"])[np.argmax(X + rng.normal(size=(n, 3)), 1)]
    return X, y


def test_a_class_weight_dict_may_name_a_class_a_subset_lacks():
    """A dict naming every class was refused on rows that lack one ('class_weight names
    ['c'] not among the classes ['a', 'b']'), so a bootstrap sample, a training fold or
    a halving search's small subset without the rarest class stopped the whole
    ``BaggingClassifier``/``cross_val_score`` run, where ``LogisticRegression`` fits
    them. As scikit-learn decides it: extra labels are fine when every class present is
    named; a dict that leaves a present class out and names an absent one is still an
    error (a misspelt label). Oracle: ``LogisticRegression(penalty=None)`` with the same
    dict, and the fit with the dict cut to the present classes."""
    from sklearn.linear_model import LogisticRegression

    X, y = _three()
    ab = y != "c"
    full = {"a": 1.0, "b": 3.0, "c": 5.0}
    got = NeuronClassifier(class_weight=full, tol=1e-12).fit(X[ab], y[ab])
    cut = NeuronClassifier(class_weight={"a": 1.0, "b": 3.0}, tol=1e-12).fit(X[ab], y[ab])
    np.testing.assert_array_equal(got.coef_, cut.coef_)
    lr = LogisticRegression(penalty=None, class_weight=full, tol=1e-12, max_iter=1000)
    lr.fit(X[ab], y[ab])
    np.testing.assert_allclose(got.coef_, lr.coef_, rtol=1e-6, atol=1e-9)
    cv = NeuronClassifierCV(cv=3, n_alphas=3, class_weight=full).fit(X[ab], y[ab])
    same = NeuronClassifierCV(cv=3, n_alphas=3, class_weight={"a": 1.0, "b": 3.0})
    np.testing.assert_array_equal(cv.scores_, same.fit(X[ab], y[ab]).scores_)
    np.testing.assert_array_equal(cv.coef_, same.coef_)
    for est in (NeuronClassifier, NeuronClassifierCV):
        with pytest.raises(ValueError, match=r"class_weight names \['c'\] not among"):
            est(class_weight={"a": 1.0, "c": 5.0}).fit(X[ab], y[ab])


@pytest.mark.parametrize(
    "params",
    [{"firth": True}, {"cov_type": "HC2"}, {"cov_type": "HC3"}, {"threshold": 0.3}],
    ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()),
)
def test_binary_only_settings_say_so_in_their_tags(params):
    """``firth=True``, ``cov_type="HC2"/"HC3"`` and a ``threshold`` refuse K > 2 classes,
    but the tags claimed multiclass support: scikit-learn's checks then fitted them on
    three classes and 26 of 64 failed on that refusal, hiding whether the binary model
    keeps the API. The tag is now ``multi_class=False`` there and the refusal says
    "Only binary classification is supported." (scikit-learn's words, which its check
    asks for). Oracle: scikit-learn's own checks of the tag and of a binary fit."""
    from sklearn.utils import get_tags
    from sklearn.utils.estimator_checks import (
        check_classifier_not_supporting_multiclass,
        check_classifiers_classes,
        check_fit_score_takes_y,
        check_supervised_y_2d,
    )

    est = NeuronClassifier(**params)
    assert get_tags(est).classifier_tags.multi_class is False
    assert get_tags(NeuronClassifier()).classifier_tags.multi_class is True
    name = type(est).__name__
    for check in (
        check_classifier_not_supporting_multiclass,
        check_classifiers_classes,
        check_fit_score_takes_y,
        check_supervised_y_2d,
    ):
        check(name, est)


@pytest.mark.filterwarnings(
    "ignore::oneneuron.GridEdgeWarning"
)  # a small grid: its end is not the point
@pytest.mark.parametrize("scoring", ["neg_log_loss", "roc_auc", "balanced_accuracy"])
def test_the_cv_estimator_scores_with_its_scoring_as_logistic_regression_cv(scoring):
    """``LogisticRegressionCV.score`` uses its ``scoring`` (scikit-learn: "Score using
    the `scoring` option"), so ``cross_val_score`` and ``GridSearchCV`` without a
    ``scoring`` of their own compare models by the metric that chose alpha.
    ``NeuronClassifierCV.score`` returned accuracy whatever its ``scoring``. Oracle:
    scikit-learn's scorer of that name on the refitted model (``LogisticRegressionCV``
    follows the same rule, shown on the same rows); with K > 2 classes ``"roc_auc"`` is
    the macro one-vs-rest average the folds were scored by (scikit-learn's
    ``roc_auc_ovr`` with every class present)."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import cross_val_score

    X, y, w = _data(200)
    for target in (y, _three(200)[1]):
        K = len(np.unique(target))
        name = "roc_auc_ovr" if scoring == "roc_auc" and K > 2 else scoring
        cv = NeuronClassifierCV(cv=3, n_alphas=4, scoring=scoring).fit(X[:150], target[:150])
        want = get_scorer(name)(cv, X[150:], target[150:], sample_weight=w[150:])
        assert cv.score(X[150:], target[150:], w[150:]) == pytest.approx(want, rel=1e-12)
        if K == 2:
            lr = LogisticRegressionCV(Cs=3, cv=3, scoring=scoring).fit(X[:150], target[:150])
            same = get_scorer(scoring)(lr, X[150:], target[150:])
            assert lr.score(X[150:], target[150:]) == pytest.approx(same, rel=1e-12)
        if scoring == "neg_log_loss" and K > 2:  # rows without class "c": still scored
            from sklearn.metrics import log_loss

            ab = target[150:] != "c"
            P = cv.predict_proba(X[150:][ab])
            want = -log_loss(target[150:][ab], P, labels=cv.classes_)
            assert cv.score(X[150:][ab], target[150:][ab]) == pytest.approx(want, rel=1e-12)
    from sklearn.metrics import fbeta_score, make_scorer

    f2 = make_scorer(fbeta_score, beta=2)  # a callable: given the weights, not dropping them
    cv = NeuronClassifierCV(cv=2, n_alphas=3, scoring=f2).fit(X, y)
    want = fbeta_score(y, cv.predict(X), beta=2, sample_weight=w)
    assert cv.score(X, y, w) == pytest.approx(want, rel=1e-12)
    est = NeuronClassifierCV(cv=2, n_alphas=3, scoring=scoring)
    np.testing.assert_allclose(
        cross_val_score(est, X, y, cv=3), cross_val_score(est, X, y, cv=3, scoring=scoring)
    )


def test_the_cv_estimators_accuracy_is_reduced_on_dask_as_the_plain_ones():
    """``NeuronClassifierCV(scoring="accuracy").score`` on a Dask DataFrame raised "Cannot
    call len() on object with unknown chunk size" (scikit-learn's accuracy on lazy
    labels); ``NeuronClassifier.score`` reduces it on the cluster. Oracle: the score of
    the same model on the NumPy rows."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y, w = _data(300)
    frame = dd.from_pandas(pd.DataFrame(X, columns=list("abc")).assign(y=y, w=w), npartitions=3)
    cv = NeuronClassifierCV(cv=3, n_alphas=3, scoring="accuracy").fit(X, y)
    got = cv.score(frame[list("abc")].to_dask_array(), frame["y"], frame["w"])
    assert got == pytest.approx(cv.score(X, y, w), abs=1e-12)

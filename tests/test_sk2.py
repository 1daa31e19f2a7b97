"""The estimators as a scikit-learn power user drives them, second round.

Oracles: ``LogisticRegression`` (the same model) and scikit-learn's own answers.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from oneneuron import NeuronClassifier, NeuronClassifierCV


def _data(n=150, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y3 = np.where(X[:, 0] + rng.normal(size=n) > 0.7, 2, np.where(X[:, 1] > 0, 1, 0))
    return X, y3


@pytest.mark.parametrize(
    ("refit", "says"),
    [
        (lambda X, y: (X, np.array(["a", "b", "c"])[y]), "classes"),  # same count, new labels
        (lambda X, y: (X, y % 2), "classes"),  # fewer classes
        (lambda X, y: (X[:, :2], y), "features"),  # fewer columns
        # refused later, by a parameter, after the classes were read
        (lambda X, y: (X, np.array(["a", "b", "c"])[y], {"nope": 0.0}), "nope"),
    ],
    ids=["relabelled", "binary", "two-columns", "penalty-factor"],
)
def test_a_refused_refit_leaves_the_fitted_model_as_it_was(refit, says):
    """A warm-start refit on other classes or columns is refused, as
    ``LogisticRegression(warm_start=True)``'s is, but the refusal came after the new
    fit had overwritten ``classes_`` (and ``n_features_in_``, ``mean_``, ``scale_``):
    the model fitted on 0, 1, 2 then predicted 'a', 'b', 'c', one refitted on two
    classes raised IndexError in predict_proba, one given two columns refused three.
    A refused fit now leaves the fitted model as it was (the same predictions as
    ``LogisticRegression`` on its data), and the message names what differs."""
    X, y = _data()
    model = NeuronClassifier(warm_start=True, alpha=0.01, standardize=False, tol=1e-12)
    model.fit(X, y)
    lr = LogisticRegression(C=1 / (0.01 * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    args = refit(X, y)
    if len(args) == 3:
        model.set_params(penalty_factor=args[2], warm_start=False)
    with pytest.raises(ValueError, match=says):
        model.fit(*args[:2])
    np.testing.assert_array_equal(model.classes_, lr.classes_)
    assert model.n_features_in_ == 3
    np.testing.assert_allclose(model.predict_proba(X), lr.predict_proba(X), atol=1e-7)
    np.testing.assert_array_equal(model.predict(X), lr.predict(X))


def test_select_from_model_keeps_an_l1_fits_nonzero_coefficients():
    """``SelectFromModel`` gives an L1 fit the threshold 1e-5 (keep every column whose
    coefficient is not zero), and ``LogisticRegression(l1_ratio=1)`` gets it; the lasso
    ``NeuronClassifier(l1_ratio=1)`` (and ``NeuronClassifierCV``, whose l1_ratios are
    the lasso's by default) got the mean of the importances instead: of the 4 columns
    its fit kept (coefficients 2.64, 1.14, 0.37, 0.22) 2 were selected, where
    ``LogisticRegression``'s selector keeps all 4. Both now say ``penalty == "l1"``,
    scikit-learn's mark of an L1 fit. Oracle: the same selector on
    ``LogisticRegression``; the elastic net keeps "mean", as there."""
    from sklearn.feature_selection import SelectFromModel

    rng = np.random.default_rng(1)
    n, alpha = 150, 0.02
    X = rng.normal(size=(n, 6))
    y = (X @ [2, 1, 0.4, 0.2, 0, 0] + rng.normal(size=n) > 0).astype(int)
    for l1_ratio in (1.0, 0.5):
        ours = SelectFromModel(
            NeuronClassifier(alpha=alpha, l1_ratio=l1_ratio, standardize=False, tol=1e-12)
        ).fit(X, y)
        lr = LogisticRegression(
            l1_ratio=l1_ratio, C=1 / (n * alpha), solver="saga", tol=1e-12, max_iter=100_000
        )
        theirs = SelectFromModel(lr).fit(X, y)
        np.testing.assert_allclose(ours.estimator_.coef_, theirs.estimator_.coef_, atol=1e-6)
        assert ours.threshold_ == pytest.approx(theirs.threshold_, rel=1e-6)
        np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
        if l1_ratio == 1.0:  # every nonzero coefficient's column, 4 of them
            np.testing.assert_array_equal(ours.get_support(), ours.estimator_.coef_[0] != 0)
            assert ours.get_support().sum() == 4
    cv = SelectFromModel(NeuronClassifierCV(cv=3, n_alphas=8)).fit(X, y)
    np.testing.assert_array_equal(cv.get_support(), cv.estimator_.coef_[0] != 0)
    assert cv.threshold_ == 1e-5
    for est in (NeuronClassifierCV(l1_ratios=[0.5, 1.0]), NeuronClassifier(alpha=1, l1_ratio=0.5)):
        assert est.penalty == "elasticnet"
    assert NeuronClassifier(alpha=1.0).penalty == "l2"
    assert NeuronClassifier(l1_ratio=1.0).penalty is None  # alpha=0: no penalty


@pytest.mark.filterwarnings(
    "ignore::oneneuron.GridEdgeWarning"
)  # a small grid: its end is not the point
def test_an_interrupted_cv_refit_leaves_the_fitted_model_as_it_was(monkeypatch):
    """``NeuronClassifierCV.fit`` set ``alpha_``, ``l1_ratio_``, ``scores_``,
    ``cv_results_`` from the new data before its refit at the chosen alpha; a refit
    that stopped (Ctrl-C in a long fit, a warning filtered into an error) left the
    previous fit's ``coef_`` beside the new fit's ``alpha_`` and ``cv_results_``. It
    now leaves the fitted model as it was: the attributes of the first fit, whose
    chosen alpha's predictions are ``LogisticRegression``'s at that alpha."""
    from oneneuron.classifier import _cv

    X, y = _data()
    model = NeuronClassifierCV(cv=3, n_alphas=5, l1_ratios=[0.0], standardize=False, tol=1e-12)
    model.fit(X, y)
    before = {k: v for k, v in vars(model).items() if k.endswith("_")}

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_cv.NeuronClassifier, "fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X[:100], y[:100])
    monkeypatch.undo()
    assert {k: v for k, v in vars(model).items() if k.endswith("_")}.keys() == before.keys()
    for name, value in before.items():
        assert getattr(model, name) is value, name
    lr = LogisticRegression(C=1 / (model.alpha_ * len(y)), tol=1e-12, max_iter=10_000)
    np.testing.assert_allclose(model.predict_proba(X), lr.fit(X, y).predict_proba(X), atol=1e-7)

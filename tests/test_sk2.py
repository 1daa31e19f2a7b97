"""The estimators as a scikit-learn power user drives them, second round.

Oracles: ``LogisticRegression`` (the same model) and scikit-learn's own answers.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from oneneuron import NeuronClassifier


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

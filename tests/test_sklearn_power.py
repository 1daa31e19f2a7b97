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

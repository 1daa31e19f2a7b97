"""Numerical corners: huge magnitudes, extreme imbalance, precision floors, stopping rule.

Oracles: statsmodels' Logit solved tightly, plain Newton on the same data, closed
forms (the scaled mean and spread of a column), and scikit-learn.
"""

import warnings

import numpy as np
import pytest

from oneneuron import NeuronClassifier


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

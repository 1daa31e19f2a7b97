"""Bad settings of the penalised models, paths and cross-validation: one clear error each,
and ill-conditioned L1 problems solved to the optimum (scipy on the exact objective)."""

import numpy as np
import pytest

from oneneuron import NeuronClassifierCV, regularization_path


def _data(n=60, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    return X, y


@pytest.mark.parametrize(
    "l1_ratios, match",
    [
        ([np.nan], r"l1_ratios must be distinct numbers in \[0, 1\]"),
        ([0.5, np.nan], r"l1_ratios must be distinct numbers in \[0, 1\]"),
        ([1.0, 1.0], r"l1_ratios has 1 more than once"),
        ([0.5, 1.0, 0.5], r"l1_ratios has 0.5 more than once"),
    ],
)
def test_cv_refuses_nan_and_repeated_l1_ratios(l1_ratios, match):
    """NaN passed the range check (a path of NaN, a model at alpha_max with warnings only);
    a repeated l1_ratio fitted, then save() failed on the model file's check."""
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        NeuronClassifierCV(cv=3, n_alphas=3, l1_ratios=l1_ratios).fit(X, y)


@pytest.mark.parametrize("alphas", [[0.1, 0.01, 0.1], [0.5, 0.5]])
def test_repeated_alphas_are_refused(alphas):
    X, y = _data()
    with pytest.raises(ValueError, match="more than once"):
        regularization_path(X, y, alphas=alphas)
    with pytest.raises(ValueError, match="more than once"):
        NeuronClassifierCV(cv=3, alphas=alphas).fit(X, y)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(n_alphas=2.5), "n_alphas must be an integer >= 1"),
        (dict(n_alphas=np.nan), "n_alphas must be an integer >= 1"),
        (dict(n_alphas="5"), "n_alphas must be an integer >= 1"),
        (dict(max_iter=10.5), "max_iter must be an integer >= 1"),
        (dict(max_iter=np.inf), "max_iter must be an integer >= 1"),
        (dict(l1_ratio="a"), r"l1_ratio must be a number in \[0, 1\]"),
        (dict(alphas=["a"]), "alphas must be a non-empty list of finite numbers >= 0"),
    ],
)
def test_path_settings_of_the_wrong_type_are_one_clear_error(kw, match):
    """n_alphas=2.5 silently gave 2 alphas, NaN a raw int() conversion error."""
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        regularization_path(X, y, **kw)

"""Statistics where features cross: aliased columns, weights, offsets, robust and penalised
covariances, multinomial fits, sparse input, Firth, saved models.

Each feature was checked alone elsewhere; these check them together, against statsmodels
on the reduced (or reparameterised) design, written-out formulas, or internal consistency.
"""

import warnings

import numpy as np
import pytest

from oneneuron import NeuronClassifier


def _copies(n=300, seed=1):
    """``[x, x, z]`` (the second column an exact copy of the first) and labels from x, z."""
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.normal(size=n)
    X = np.column_stack([x, x, z])
    y = (x + 0.5 * z + rng.logistic(size=n) > 0).astype(int)
    w = rng.integers(1, 4, size=n).astype(float)
    return X, y, w


@pytest.mark.parametrize("K", [2, 3])
def test_ridge_with_unpenalised_copies_is_refused_not_reported(K):
    """``alpha > 0`` with ``penalty_factor`` 0 on two identical columns: the penalty does
    not reach the direction ``x0 - x1``, so their split is not identified. The covariance
    was reported from a Hessian singular to rounding (binary: standard errors 6.4e6 on
    both, intervals of +-1.2e7 around 0.46): it is refused, naming the columns and the
    ``penalty_factor`` (the refusal the Hessian's Cholesky already gave where it failed)."""
    X, y, w = _copies()
    if K == 3:
        y = y + (X[:, 2] > 1)
    clf = NeuronClassifier(solver="newton", alpha=0.1, penalty_factor=[0, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y, sample_weight=w)
    assert clf.inference_.cov is None
    assert "penalty_factor 0" in clf.inference_.reason
    assert "x1" in clf.inference_.reason
    with pytest.raises(Exception, match="penalty_factor"):
        clf.summary()

"""Shared by the engine-agreement tests (torch and Dask against the NumPy engine)."""

import numpy as np
from sklearn.datasets import make_classification

SCALES = [1.0, 10.0, 100.0, 0.1, 1.0]


def engine_data(K, n, d, seed=0):
    """A K-class problem with columns of mixed scales, shifted off zero, and row weights."""
    X, y = make_classification(n, d, n_informative=3, n_redundant=0, n_classes=K, random_state=seed)
    X = X * SCALES[:d] + 3.0
    sw = np.random.default_rng(seed).uniform(0.5, 2.0, n)
    return X, y, sw


def assert_same_fit(a, b, tol=1e-7):
    """coef_ and intercept_ of two fits agree to ``tol`` relative to the larger of 1 and |b|."""
    for name in ("coef_", "intercept_"):
        u, v = getattr(a, name), getattr(b, name)
        np.testing.assert_allclose(u, v, rtol=0, atol=tol * max(1.0, np.abs(v).max()))

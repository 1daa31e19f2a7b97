"""Every way of handing data to the estimator gives the float64 NumPy model, or one clear error.

The oracle of each agreement test is the same data as a plain float64 NumPy array, whose
fit is itself checked against scikit-learn's ``LogisticRegression`` (the first test).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from oneneuron import NeuronClassifier

da = pytest.importorskip("dask.array")
torch = pytest.importorskip("torch")

N = 120


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 3)) * [1.0, 3.0, 0.5] + [0.0, 1.0, -2.0]
    y = (X @ [1.0, -0.4, 1.5] + rng.logistic(size=N) > -3.0).astype(int)
    return X, y


def _same(fit, ref, rtol=1e-8):
    scale = max(1.0, float(np.abs(ref.coef_).max()))
    np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=0, atol=rtol * scale)
    np.testing.assert_allclose(fit.intercept_, ref.intercept_, rtol=0, atol=rtol * scale)


@pytest.fixture(scope="module")
def reference():
    """The float64 NumPy fit, checked against scikit-learn (alpha=1/n on the raw
    features is ``LogisticRegression(C=1)``)."""
    X, y = _data()
    ref = NeuronClassifier(alpha=1.0 / N, standardize=False).fit(X, y)
    sk = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ref.coef_, sk.coef_, rtol=1e-6)
    return X, y, ref


def _fit(X, y, **kw):
    return NeuronClassifier(alpha=1.0 / N, standardize=False, **kw).fit(X, y)


# --- Dask arrays whose chunks are scipy.sparse matrices ------------------------------------
def _sparse_chunks(X, how):
    if how == "from_array":
        return da.from_array(sp.csr_matrix(X), chunks=(50, X.shape[1]), asarray=False)
    return da.from_array(X, chunks=(50, X.shape[1])).map_blocks(sp.csr_matrix)


@pytest.mark.parametrize("how", ["from_array", "map_blocks"])
def test_dask_arrays_of_sparse_chunks_fit_and_predict_as_dense(reference, how):
    """fit crashed ('len() of unsized object'), predict too ('ufunc isfinite not
    supported'); each chunk is read densely, so the model is the dense array's."""
    X, y, ref = reference
    Xd = _sparse_chunks(X, how)
    _same(_fit(Xd, y), ref)
    for method in ("predict", "predict_proba", "decision_function"):
        got = np.asarray(getattr(ref, method)(Xd).compute())
        np.testing.assert_allclose(got, getattr(ref, method)(X), rtol=1e-12, atol=1e-15)
    assert ref.score(Xd, y) == ref.score(X, y)

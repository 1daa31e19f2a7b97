"""``fit`` for torch/CuPy (array API) and Dask input: the data stays where it lives.

Same steps as the NumPy path of :meth:`NeuronClassifier.fit` (labels, weights,
scaling, solver, result), with the preparation done in X's namespace or on the
Dask cluster and an engine from :func:`oneneuron.engines.make_engine`. The
solver runs on the host with d-sized vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._inference_fit import HessianRecorder
from .engines import input_kind, make_engine
from .objective import LinearLoss


def fit_scaled_out(clf: Any, kind: str, X: Any, y: Any, sample_weight: Any, prev: Any) -> Any:
    """Fit ``clf`` (a ``NeuronClassifier``) on array-API (``kind="array_api"``) or Dask input."""
    opts = {"class_weight": clf.class_weight, "standardize": clf.standardize}
    if kind == "dask":
        from ._dask_inputs import prepare_dask

        p: Any = prepare_dask(X, y, sample_weight, center=clf.fit_intercept, **opts)
        engine_options = {"total_weight": p.total_weight, "n_samples": p.n_samples}
        dtype = np.dtype(p.X.dtype)
        names = p.feature_names
    else:
        from ._xp_inputs import numpy_dtype, prepare_array_api

        p = prepare_array_api(X, y, sample_weight, center=clf.fit_intercept, **opts)
        engine_options = {}
        dtype = numpy_dtype(p.X)
        names = None
    clf.classes_ = p.classes
    clf.n_features_in_ = int(p.X.shape[1])
    if names is not None:
        clf.feature_names_in_ = names
    elif hasattr(clf, "feature_names_in_"):
        del clf.feature_names_in_
    K = len(clf.classes_)
    solver = clf._resolve_solver(K, p.X)
    clf._check_solver_options(solver, K)
    if kind == "dask" and solver == "sgd":
        raise ValueError(
            "solver='sgd' is not supported on Dask input (a random minibatch costs a full "
            "pass there); use solver 'newton', 'lbfgs' or 'gd'"
        )
    multinomial = K > 2
    clf.mean_, clf.scale_ = p.mean, p.scale
    engine = make_engine(p.X, p.target, p.weights, multinomial, **engine_options)
    m = K if multinomial else 1
    problem = HessianRecorder(
        LinearLoss(engine, m, float(clf.alpha), clf.mean_, clf.scale_, clf.fit_intercept)
    )
    # per-class weighted sums stand in for (y_idx, s): they are all the start and the
    # likelihood statistics need (bincount(arange(K), weights=sums) == sums)
    classes_idx = np.arange(K)
    theta0 = clf._initial_theta(problem, prev, solver, classes_idx, p.class_sums, K)
    result = clf._run_solver(solver, problem, theta0, (p.X, p.target, p.weights))
    clf._store_result(problem, result, solver, dtype)
    clf._fit_inference(problem, result, p.class_sums, classes_idx)
    clf.n_samples_fit_ = int(engine.n_samples)
    return clf


def scaled_out_predict(clf: Any, X: Any, method: str) -> Any:
    """``method`` of a fitted ``clf`` on array-API input (same namespace/device) or Dask (lazy)."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(clf)
    if input_kind(X) == "dask":
        from ._dask_inputs import dask_predict

        return dask_predict(clf, X, method)
    from ._xp_inputs import xp_predict

    return xp_predict(clf, X, method)

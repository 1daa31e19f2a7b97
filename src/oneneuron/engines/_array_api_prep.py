"""Array-API input (torch tensors, CuPy arrays): checks, labels, weights, statistics; predict.

Everything that touches X runs in X's namespace on X's device; the host gets
the labels' classes, the class frequencies and the d-sized statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._array_api import (
    device,
    feature_stats,
    namespace,
    to_numpy,
    xp_log_sigmoid,
    xp_log_softmax,
    xp_sigmoid,
)
from ._record import (
    ZERO_WEIGHTS,
    FitData,
    bad_weight_error,
    check_class_totals,
    check_magnitudes,
    check_weight_size,
    class_row_weights,
    class_weight_vector,
    continuous_labels_error,
    describe_bad_cell,
    first_bad_cell,
    missing_labels_error,
    one_class_error,
    refuse_complex_labels,
)


def _float_x(xp: Any, X: Any) -> Any:
    if getattr(X, "layout", None) is not None and "strided" not in str(X.layout):
        raise ValueError(f"sparse tensors ({X.layout}) are not supported; pass a dense tensor")
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D array, got shape {tuple(X.shape)}")
    if xp.isdtype(X.dtype, "complex floating"):  # a cast would drop the imaginary part
        from ._numpy_prep import COMPLEX_X

        raise ValueError(COMPLEX_X)
    if X.dtype not in (xp.float32, xp.float64):
        X = xp.astype(X, xp.float64)
    return X


def _column_max(xp: Any, X: Any, j: int) -> float:
    """``max |x_j|`` of one column, computed on X's device."""
    return float(xp.max(xp.abs(X[:, j])))


def _on_device(xp: Any, a: Any, X: Any, dtype: Any = None) -> Any:
    """``a`` (any array-like) as an array of X's namespace on X's device."""
    try:
        if type(a).__module__.split(".")[0] == type(X).__module__.split(".")[0]:
            return a if dtype is None else xp.astype(a, dtype)
    except AttributeError:
        pass
    return xp.asarray(np.asarray(a) if dtype is None else np.asarray(a, dtype=np.float64),
                      device=device(X), dtype=dtype)  # fmt: skip


def all_finite(xp: Any, X: Any) -> bool:
    """No NaN or inf in X, in one read: a NaN or inf makes its column sum NaN or inf.

    Only if a column sum is not finite (which huge finite values can also cause) is
    the exact element-wise test run.
    """
    if bool(xp.all(xp.isfinite(xp.sum(X, axis=0)))):
        return True
    return bool(xp.all(xp.isfinite(X)))


def non_finite_error(xp: Any, X: Any, advice: str) -> ValueError:
    """The error for a NaN or infinity in X (:func:`all_finite` said so): the first such
    cell by column and row; only that row is copied to the host."""
    rows = xp.any(xp.logical_not(xp.isfinite(X)), axis=1)
    i = int(xp.argmax(xp.astype(rows, xp.int8)))
    cell = first_bad_cell(to_numpy(X[i : i + 1, :]))
    if cell is None:  # cannot happen after all_finite said False
        return ValueError(f"X holds NaN or infinity; {advice}")
    return ValueError(f"{describe_bad_cell((i, cell[1], cell[2]))}; {advice}")


#: Integer labels spanning at most this many values are encoded without a sort.
SMALL_LABEL_RANGE = 16


def encode_labels_xp(xp: Any, y: Any) -> tuple[NDArray[Any], Any]:
    """Sorted classes (NumPy) and each row's class index (on y's device).

    Integer or boolean labels within a small range (e.g. 0/1) are encoded with a few
    comparisons and a lookup table (O(n), no sort); others use ``unique_inverse``.
    """
    refuse_complex_labels(y)
    dtype = to_numpy(y[:1]).dtype
    if xp.isdtype(y.dtype, "real floating") and bool(xp.any(xp.isnan(y))):
        na = xp.isnan(y)
        first = int(xp.argmax(xp.astype(na, xp.int8)))
        raise missing_labels_error(int(xp.sum(xp.astype(na, xp.int64))), first)
    if xp.isdtype(y.dtype, "real floating") and not bool(xp.all(y == xp.round(y))):
        row = int(xp.argmax(xp.astype(y != xp.round(y), xp.int8)))
        raise continuous_labels_error(float(y[row]), row)
    if y.dtype == xp.bool:
        y = xp.astype(y, xp.int64)
    if xp.isdtype(y.dtype, "integral") and y.shape[0] > 0:
        lo, hi = int(xp.min(y)), int(xp.max(y))
        if hi - lo < SMALL_LABEL_RANGE:
            present = np.array([bool(xp.any(y == v)) for v in range(lo, hi + 1)])
            lut = xp.asarray(np.cumsum(present) - 1, dtype=xp.int64, device=device(y))
            classes = np.arange(lo, hi + 1)[present].astype(dtype)
            return classes, xp.take(lut, xp.astype(y, xp.int64) - lo, axis=0)  # (int8 wraps)
    classes_d, idx = xp.unique_inverse(y)
    return to_numpy(classes_d), idx


def prepare_array_api(
    X: Any, y: Any, sample_weight: Any, *, class_weight: Any, standardize: bool, center: bool
) -> FitData:
    """Validate X, y, sample_weight in X's namespace; encode labels; scaling statistics."""
    xp = namespace(X)
    X = _float_x(xp, X)
    n = int(X.shape[0])
    if n < 1:
        raise ValueError(
            "Found array with 0 sample(s) (shape=(0, d)) while a minimum of 1 is required"
        )
    if not all_finite(xp, X):
        raise non_finite_error(xp, X, "drop or fill it")
    if hasattr(y, "__array_namespace__") and not isinstance(y, np.ndarray):
        yd = _on_device(xp, y, X)
        if yd.ndim != 1 or yd.shape[0] != n:
            raise ValueError(f"y must have shape ({n},), got {tuple(yd.shape)}")
        classes, idx = encode_labels_xp(xp, yd)
    else:
        y_np = np.asarray(y)
        if y_np.ndim != 1 or len(y_np) != n:
            raise ValueError(f"y must have shape ({n},), got {y_np.shape}")
        from ._numpy_prep import check_class_targets, check_missing_labels, plain_labels

        check_missing_labels(y_np)  # the NumPy engine's checks and words
        y_np = plain_labels(y_np)
        check_class_targets(y_np)
        classes, idx_np = np.unique(y_np, return_inverse=True)
        idx = xp.asarray(idx_np.astype(np.int64), device=device(X))
    if len(classes) < 2:
        raise one_class_error(classes[0], n)
    K = len(classes)
    if sample_weight is None:
        sw = xp.ones(n, dtype=xp.float64, device=device(X))
    else:
        sw = _on_device(xp, sample_weight, X, xp.float64)
        if sw.ndim != 1 or sw.shape[0] != n:
            raise ValueError(f"sample_weight must have shape ({n},), got {tuple(sw.shape)}")
        ok = xp.isfinite(sw) & (sw >= 0)
        if not bool(xp.all(ok)):
            i = int(xp.argmin(xp.astype(ok, xp.int8)))  # the first bad row
            raise bad_weight_error(i, float(sw[i]))
        if not bool(xp.any(sw > 0)):
            raise ValueError(ZERO_WEIGHTS)
    onehot = xp.astype(idx[:, None] == xp.arange(K, device=device(X))[None, :], xp.float64)
    if class_weight is None:
        s = sw
    else:
        cw = class_weight_vector(class_weight, classes, to_numpy(sw @ onehot))
        class_row_weights(to_numpy(xp.max(sw[:, None] * onehot, axis=0)), cw)
        s = sw * (onehot @ xp.asarray(cw, dtype=xp.float64, device=device(X)))
    if sample_weight is not None or class_weight is not None:
        top = float(xp.max(s))
        rss = top * float(xp.sqrt(xp.sum((s / top) ** 2))) if top else 0.0
        check_weight_size(top, rss)
    wsum = to_numpy(s @ onehot)
    check_class_totals(classes, wsum)
    # weighted by the full row weight s (class weights are sample weights); computed
    # without standardisation too, to refuse columns whose squares overflow
    from . import host_view  # at call time (tests swap it to force the array-API engine)

    on_host = host_view(X) is not None
    if on_host:  # CPU torch: the NumPy engine's one threaded read of the same memory
        from ._numpy_prep import weighted_feature_stats

        mean, scale, flat = weighted_feature_stats(host_view(X), host_view(s), flat=True)
    else:
        mean, scale, flat = feature_stats(X, s, flat=True)
    check_magnitudes(mean, scale, numpy_dtype(X), column_max=lambda j: _column_max(xp, X, j))
    stats = (mean, scale)
    if not standardize:
        mean, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
    elif not center:
        mean = np.zeros(X.shape[1])
    target = idx if K > 2 else xp.astype(idx, X.dtype)
    # CPU torch is fitted by the NumPy engine on views of these tensors (host_view): the
    # row-level labels and weights are on the host too, for the separation LPs and the
    # likelihood statistics, as for NumPy input (no copies)
    return FitData(
        kind="array_api",
        X=X,
        target=target,
        weights=s,
        classes=classes,
        class_sums=wsum,
        mean=mean,
        scale=scale,
        n_samples=n,
        dtype=numpy_dtype(X),
        feature_stats=stats,
        flat=flat,
        y_idx=host_view(idx) if on_host else None,
        row_weights=host_view(s) if on_host else None,
    )


def numpy_dtype(X: Any) -> np.dtype:
    """The NumPy dtype matching an array-API float dtype."""
    xp = namespace(X)
    return np.dtype(np.float32) if X.dtype == xp.float32 else np.dtype(np.float64)


def xp_predict(clf: Any, X: Any, method: str) -> Any:
    """``decision_function``/``predict_proba``/``predict_log_proba``/``predict`` in X's namespace.

    Labels come back on X's device when ``classes_`` are numbers; string labels
    cannot live on a device and come back as a NumPy array.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(clf)
    xp = namespace(X)
    X = _float_x(xp, X)
    d = np.shape(clf.coef_)[1]  # the model's columns (a table's coded ones)
    if X.shape[1] != d:
        raise ValueError(
            f"X has {X.shape[1]} features, but NeuronClassifier is expecting {d} features as input"
        )
    if not all_finite(xp, X):
        raise non_finite_error(xp, X, "a prediction needs every value: fill it")
    W = xp.asarray(np.asarray(clf.coef_), dtype=X.dtype, device=device(X))
    b = xp.asarray(np.asarray(clf.intercept_), dtype=X.dtype, device=device(X))
    Z = X @ W.T + b
    binary = Z.shape[1] == 1
    z = Z[:, 0] if binary else Z
    if method == "decision_function":
        return z
    if method == "predict":
        if binary:
            cut = float(np.log(clf.threshold) - np.log1p(-clf.threshold))
            idx = xp.astype(z > cut, xp.int64)
        else:
            idx = xp.argmax(Z, axis=1)
        if np.issubdtype(clf.classes_.dtype, np.number) or clf.classes_.dtype == bool:
            return xp.take(xp.asarray(clf.classes_, device=device(X)), idx, axis=0)
        return clf.classes_[to_numpy(idx)]
    if method == "predict_proba":
        if binary:
            return xp.stack([xp_sigmoid(xp, -z), xp_sigmoid(xp, z)], axis=1)
        return xp.exp(xp_log_softmax(xp, Z))
    if binary:
        return xp.stack([xp_log_sigmoid(xp, -z), xp_log_sigmoid(xp, z)], axis=1)
    return xp_log_softmax(xp, Z)

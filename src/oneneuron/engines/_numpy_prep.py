"""NumPy/CSR input preparation: validation, labels, row weights, feature statistics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..wording import counted
from ._numpy import KERNEL_MIN_ROWS, kernel_layout, kernels, one_blas_thread
from ._record import (
    FitData,
    all_equal,
    check_class_totals,
    check_magnitudes,
    check_row_weight_size,
    check_weights,
    class_row_weights,
    class_weight_vector,
    continuous_labels_error,
    describe_bad_cell,
    first_bad_cell,
    first_fraction,
    flat_columns,
    magnitudes_in_range,
    maybe_flat,
    missing_labels_error,
    one_class_error,
    refuse_complex_labels,
)

#: Bytes of X per block in the statistics passes (bounds their temporaries).
BLOCK_BYTES = 4 << 20


def _block_rows(X: Any) -> int:
    """Rows per block: about ``BLOCK_BYTES`` of X (stored entries for a sparse X)."""
    if hasattr(X, "nnz"):
        per_row = max(1, X.nnz // max(1, X.shape[0])) * 12
    else:
        per_row = max(1, X.shape[1]) * 8
    return max(64, BLOCK_BYTES // per_row)


def plain_arrays(
    X: Any, y: Any = None, n_features: int | None = None, *, check_finite: bool = True
) -> tuple[Any, Any] | None:
    """``(X, y)`` unchanged when they are plain, valid NumPy arrays; otherwise None.

    The fast path of input validation, for the overwhelmingly common happy case:
    a 2-D float32/float64 ndarray with at least one row and column whose sum is
    finite (so it holds no NaN or infinity, as scikit-learn's own first test),
    and, if given, a 1-D integer, boolean, string or whole-number float ``y`` of
    matching length.
    Anything else returns None and goes through scikit-learn's validation, which
    accepts more and words the errors; so this path never accepts what that
    path would refuse. ``check_finite=False`` leaves out the finiteness test (one
    read of X) for a caller that makes it itself.
    """
    if type(X) is not np.ndarray or X.ndim != 2 or X.dtype not in (np.float64, np.float32):
        return None
    n, d = X.shape
    if n < 1 or d < 1 or (n_features is not None and d != n_features):
        return None
    if check_finite:
        with np.errstate(over="ignore"):  # huge finite values may overflow the sum: slow path
            if not np.isfinite(X.sum()):
                return None
    if y is not None:
        if type(y) is not np.ndarray or y.ndim != 1 or len(y) != n or y.dtype.kind not in "iubUf":
            return None
        if y.dtype.kind == "f" and not _whole_numbers(y):  # NaN, infinity, 0.5: the slow path
            return None
    return X, y


def check_class_targets(y: Any) -> None:
    """scikit-learn's ``check_classification_targets``, its words opening the message; a
    target of fractions in [0, 1] (proportions, R's ``glm(p ~ x, weights = n)``) is told
    how such grouped binomial data are given to a classifier, other numbers with a
    fractional part (a regression target) are named with the first such label and row."""
    from sklearn.utils.multiclass import check_classification_targets

    try:
        check_classification_targets(y)
    except ValueError as exc:
        if "continuous" not in str(exc):
            raise
        v = np.asarray(y)
        if v.dtype.kind == "f" and np.nanmin(v) >= 0.0 and np.nanmax(v) <= 1.0:
            raise ValueError(
                f"{exc} y holds fractions in [0, 1] (e.g. {v[(v > 0) & (v < 1)][0]:g}): for "
                "proportions of successes out of n trials (grouped binomial data, R's "
                "glm(p ~ x, weights = n)), give two rows per group, y=1 with sample_weight "
                "n*p and y=0 with sample_weight n*(1-p): the same likelihood"
            ) from None
        where = first_fraction(y)
        if where is None:
            raise
        raise continuous_labels_error(*where) from None


_ONE = np.ones(1)
_ONE.flags.writeable = False


def unit_weights(n: int) -> NDArray[np.float64]:
    """``n`` unit weights as one read-only value of stride 0 (``np.broadcast_to(1.0, n)``,
    made directly: a tenth of its cost, which counts on tiny fits).

    Examples
    --------
    >>> w = unit_weights(3)
    >>> w.tolist(), w.strides, w.flags.writeable
    ([1.0, 1.0, 1.0], (0,), False)
    """
    return np.ndarray((n,), np.float64, _ONE, 0, (0,))


def _whole_numbers(y: NDArray) -> bool:
    """Whether float labels are all whole numbers (so classes: 0.0/1.0, statsmodels'
    habit), as scikit-learn's ``type_of_target`` tells them from continuous targets."""
    with np.errstate(invalid="ignore"):
        return bool(np.isfinite(y).all() and (y == np.trunc(y)).all())


def _nullable_as_numpy(y: Any) -> Any:
    """A pandas nullable column of integers or booleans (``Int64``, ``UInt8``,
    ``boolean``, ``int64[pyarrow]``: what ``read_parquet`` and ``convert_dtypes`` give)
    without missing values, as the NumPy array of its own type; anything else unchanged.

    NumPy would read such a column as floats (``0.0``, ``1.0``, booleans too), while
    the design layer keeps the column's type: the same ``y`` gave float classes with an
    all-numeric table and int or bool classes with a text column. Missing labels are
    left to the caller's check."""
    dtype = getattr(y, "dtype", None)
    if dtype is None or isinstance(dtype, np.dtype):
        return y
    numpy_dtype = getattr(dtype, "numpy_dtype", None)
    isna = getattr(y, "isna", None)
    if numpy_dtype is None or numpy_dtype.kind not in "iub" or isna is None:
        return y
    if np.asarray(isna()).any():
        return y
    return np.asarray(y.to_numpy(dtype=numpy_dtype))


def plain_labels(y: Any) -> Any:
    """``y`` with labels held as Python objects made one NumPy type, or one clear error.

    A pandas column of Python ints (after cleaning), or a list of them, arrives as an
    object array, which scikit-learn's check calls "Unknown label type: unknown":
    numbers become an int or float array (the same labels by value), booleans a bool
    array. Numbers mixed with text (``1`` and ``'1'``, a spreadsheet's habit) or
    booleans mixed with numbers (``True == 1``: two labels or one?) are an error
    naming both kinds and an example of each. Other ``y`` is returned as it is.

    Examples
    --------
    >>> plain_labels(np.array([1, 0, 1], dtype=object)).dtype.kind
    'i'
    >>> plain_labels(np.array(["a", 1], dtype=object))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: y mixes numbers and text (e.g. 1 and 'a'); make the labels one type (...)
    """
    y = _nullable_as_numpy(y)
    refuse_complex_labels(y)
    if getattr(getattr(y, "dtype", None), "kind", None) != "O":
        return y
    values = np.asarray(y, dtype=object)
    if values.ndim != 1 or not len(values):
        return y
    from pandas.api.types import infer_dtype  # one pass in C over the values

    inferred = infer_dtype(values, skipna=False)
    as_type = {"integer": np.int64, "floating": np.float64, "mixed-integer-float": np.float64}
    if inferred in as_type or inferred == "boolean":  # one kind of number: int, float or bool
        return values.astype(as_type.get(inferred, np.bool_))
    if inferred not in ("mixed-integer", "mixed"):
        return y  # text alone is fine as it is; other objects: scikit-learn's rules
    kinds = {}  # mixed: which kinds, with an example of each, for the message
    for v in values:
        kind = (
            "booleans"
            if isinstance(v, (bool, np.bool_))
            else "numbers"
            if isinstance(v, (int, float, np.number))
            else "text"
            if isinstance(v, str)
            else "other"
        )
        kinds.setdefault(kind, v)
    if "other" in kinds or len(kinds) < 2:
        return y  # other objects: scikit-learn's rules
    (a, va), (b, vb) = sorted(kinds.items())[:2]
    fix = "all text: y.astype(str)" if "text" in kinds else "e.g. y.astype(int)"
    raise ValueError(
        f"y mixes {a} and {b} (e.g. {va!r} and {vb!r}); make the labels one type ({fix})"
    )


def check_missing_labels(y: Any) -> None:
    """One clear error when ``y`` holds missing labels (None, NaN, ``pd.NA``).

    scikit-learn's checks stop at the first comparison of a string with None (a
    ``TypeError`` about ``'<'``) or say only "Input y contains NaN"; this names how
    many labels are missing and the first row. Integer, boolean and string arrays
    cannot hold a missing value and are not looked at.
    """
    dtype = getattr(y, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "iubUS":  # (pandas' Int64 can hold NA)
        return
    import pandas as pd

    na = np.asarray(pd.isna(y))
    if na.ndim != 1 or na.dtype != bool or not na.any():
        return
    raise missing_labels_error(int(na.sum()), int(np.argmax(na)))


def encode_labels(y: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp], NDArray[np.intp]]:
    """``classes_`` (sorted unique labels), each row's class index, and each class's rows.

    Raises
    ------
    ValueError
        If fewer than two classes are present.
    """
    yi = y.view(np.uint8) if y.dtype.kind == "b" else y
    # (compared as a Python float: 2**53 is beyond float16, whose cast warns of overflow)
    if y.dtype.kind == "f" and len(y) and float(np.abs(y).max()) < 2.0**53:  # 0/1: ints
        as_int = y.astype(np.int64)  # (NaN fails the test above: no cast warning)
        yi = as_int if (as_int == y).all() else y
    if yi.dtype.kind in "iu" and len(y):  # small-range integers: counting, no sort
        lo, hi = int(np.minimum.reduce(yi)), int(np.maximum.reduce(yi))  # (y.min(), y.max())
        if hi - lo <= max(1024, len(y)):
            # in 64 bits: int8 labels -128 and 127 are 255 apart, which int8 wraps to -1
            # (an int64 or uint64 difference, at most 1024 or n here, cannot wrap)
            wide = yi if yi.dtype.itemsize >= 8 else yi.astype(np.int64)
            shifted = wide - lo if lo else wide
            counts = np.bincount(shifted, minlength=hi - lo + 1)
            if counts.all():  # labels lo..hi, every one used (0/1 above all)
                classes = np.arange(hi - lo + 1)
                classes = (classes + lo if lo else classes).astype(y.dtype, copy=False)
                idx = shifted  # labels 0..K-1 are their own indices: no lookup
            else:
                present = counts > 0
                classes = (np.flatnonzero(present) + lo).astype(y.dtype)
                counts = counts[present]
                idx = (np.cumsum(present) - 1)[shifted]
        else:
            classes, idx, counts = np.unique(y, return_inverse=True, return_counts=True)
    else:
        classes, idx, counts = np.unique(y, return_inverse=True, return_counts=True)
    if len(classes) < 2:
        raise one_class_error(classes[0], len(y))
    idx = idx.astype(np.intp, copy=False)
    # the caller's labels themselves (a fresh array, base None, shares nothing with them):
    # a read-only view of them
    if idx is y or (idx.base is not None and np.may_share_memory(idx, y)):
        idx = idx.view()
        idx.flags.writeable = False
    return classes, idx, counts


def weighted_feature_stats(
    X: Any, s: NDArray[np.float64], *, center: bool = True, flat: bool = False
) -> Any:
    """Weighted column mean ``mu`` and standard deviation ``sigma`` (ddof = 0).

    A dense C- or F-ordered X is read once by a compiled kernel that keeps running
    means and squared deviations per thread (:func:`~oneneuron.engines._kernels.column_moments`);
    otherwise (and where numba cannot load) block by block in two passes (mean,
    then squared deviations), the reference. Neither copies X nor loses precision
    to ``E[x^2] - mu^2`` (a sparse X, which is never densified, uses that formula).
    A column with zero spread gets ``sigma = 1`` (as scikit-learn's
    StandardScaler). With ``center=False`` the returned ``mu`` is zeros (scale
    only), which is what a model without intercept needs. A column too large for
    float64 sums or squares gets ``inf`` or ``nan`` (no warning): see
    :func:`~oneneuron.engines._record.check_magnitudes`. With ``flat=True`` a third
    value flags the columns without spread
    (:func:`~oneneuron.engines._record.flat_columns`).
    """
    with np.errstate(over="ignore", invalid="ignore"):  # inf where a column is too large
        mu, sigma = _feature_stats(X, s, center)
    no_spread = flat_columns(sigma, mu)
    if flat:
        candidates = maybe_flat(sigma, mu, no_spread)
        positive = np.asarray(s) > 0 if candidates.size else None
        for j in candidates:
            col = X[:, [j]].toarray() if hasattr(X, "toarray") else X[:, j]
            no_spread[j] = all_equal(np.ravel(col), positive)
    sigma[no_spread] = 1.0  # (unit_scale_for_flat_columns)
    mu = mu if center else np.zeros(len(mu))
    return (mu, sigma, no_spread) if flat else (mu, sigma)


def _feature_stats(X: Any, s: NDArray[np.float64], center: bool) -> tuple[NDArray, NDArray]:
    n, d = X.shape
    S = float(s.sum())
    # (a dense array's block is _block_rows(X) rows, written out: no test for a sparse one)
    if (
        type(X) is np.ndarray
        and n < KERNEL_MIN_ROWS
        and n <= max(64, BLOCK_BYTES // (8 * max(1, d)))
    ):
        mu = np.asarray(X.T @ s, dtype=np.float64) / S  # small: one block (as below)
        dev = np.asarray(X, dtype=np.float64) - mu
        return _finish(mu, (dev * dev).T @ s, S, center)
    fast = kernel_layout(X) and n >= KERNEL_MIN_ROWS  # C- or F-ordered: one read either way
    if fast and kernels() is not None:  # one threaded read (this loop is the reference)
        mu, var = kernels().column_moments(X, s)
        return _finish(mu, var, S, center)
    if _is_csr(X) and kernels() is not None:  # the same sums, one threaded read
        m1, m2 = kernels().csr_column_sums(X, s)
        mu = m1 / S
        var = _csr_deviations(X, s, mu, m2, np.maximum(m2 - S * mu * mu, 0.0), S)
        return _finish(mu, var, S, center)
    rows = _block_rows(X)
    if n <= rows and type(X) is np.ndarray:  # one block (the loop below, unrolled)
        mu = np.asarray(X.T @ s, dtype=np.float64) / S
        dev = np.asarray(X, dtype=np.float64) - mu
        return _finish(mu, (dev * dev).T @ s, S, center)
    mu = np.zeros(d)
    var = np.zeros(d)
    with one_blas_thread(n * d):
        for start in range(0, n, rows):
            sl = slice(start, min(start + rows, n))
            mu += np.asarray(X[sl].T @ s[sl], dtype=np.float64).ravel()
        mu /= S
        for start in range(0, n, rows):
            sl = slice(start, min(start + rows, n))
            Xb = X[sl]
            if hasattr(Xb, "multiply"):  # sparse: E[x^2] - mu^2, never densified
                var += np.asarray(Xb.multiply(Xb).T @ s[sl], dtype=np.float64).ravel()
            else:
                dev = np.asarray(Xb, dtype=np.float64) - mu
                var += (dev * dev).T @ s[sl]
    if hasattr(X, "multiply"):
        m2 = var.copy()
        var -= S * mu * mu
        np.maximum(var, 0.0, out=var)
        var = _csr_deviations(sp_csr(X), s, mu, m2, var, S)
    return _finish(mu, var, S, center)


def sp_csr(X: Any) -> Any:
    """X as a CSR matrix (itself when it is one)."""
    return X if getattr(X, "format", "") == "csr" else X.tocsr()


#: A sparse column's weighted sum of squared deviations is summed again, deviation by
#: deviation, where ``E[x^2] - mu^2`` may have lost more than this share of it:
#: ``E[x^2] / var > CANCELLATION_RATIO`` (a column far from zero relative to its
#: spread, e.g. a year; never an indicator of a level below 99.99% of the rows).
CANCELLATION_RATIO = 1e4


def _csr_deviations(
    X: Any, s: NDArray, mu: NDArray, m2: NDArray, var: NDArray, S: float
) -> NDArray[np.float64]:
    """``var`` (weighted sums of squared deviations from ``E[x^2] - mu^2``) with the
    columns where that formula cancels summed again as ``sum s (x - mu)**2``.

    The stored values contribute their deviations, the rows without a stored value
    ``mu**2`` each, weighted by what the stored rows leave of ``S`` (nothing where
    every row is stored: ``S`` less their sum would be round-off times ``mu**2``); so a sparse
    column standardises as its dense copy does (the two-pass formula), and a fit
    does not change with the form of X.
    """
    redo = np.flatnonzero(m2 > CANCELLATION_RATIO * var)
    if redo.size == 0:
        return var
    n, d = X.shape
    picked = np.zeros(d, dtype=bool)
    picked[redo] = True
    dev, stored, count = np.zeros(d), np.zeros(d), np.zeros(d, dtype=np.int64)
    rows = max(1, (1 << 20) // max(1, X.nnz // max(1, n)))
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        ptr = X.indptr[start : stop + 1]
        cols = X.indices[ptr[0] : ptr[-1]]
        keep = picked[cols]
        j = cols[keep]
        w = np.repeat(np.asarray(s[start:stop], dtype=np.float64), np.diff(ptr))[keep]
        x = np.asarray(X.data[ptr[0] : ptr[-1]], dtype=np.float64)[keep] - mu[j]
        dev += np.bincount(j, weights=w * x * x, minlength=d)
        stored += np.bincount(j, weights=w, minlength=d)
        count += np.bincount(j, minlength=d)
    out = var.copy()
    rest = np.where(count < n, np.maximum(S - stored, 0.0), 0.0)  # every row stored: none
    out[redo] = dev[redo] + mu[redo] ** 2 * rest[redo]
    return out


def _is_csr(X: Any) -> bool:
    """A SciPy CSR matrix (sorted or not: sums do not care), at least ``KERNEL_MIN_ROWS`` rows."""
    return getattr(X, "format", "") == "csr" and X.shape[0] >= KERNEL_MIN_ROWS


def _finish(mu: NDArray, var: NDArray, S: float, center: bool) -> tuple[NDArray, NDArray]:
    """``(mu, sigma)`` from the means and the weighted sums of squared deviations (a
    column without spread keeps its ``sigma``: the caller's test)."""
    return mu, np.sqrt(var / S)


def _column_max(X: Any, j: int) -> float:
    """``max |x_j|`` of one column (dense or CSR)."""
    col = X[:, j]
    col = col.toarray() if hasattr(col, "toarray") else np.asarray(col)
    return float(np.max(np.abs(col), initial=0.0))


def coordinate_stats(X: Any, s: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    """Weighted column mean and spread in ONE blocked pass (``E[x^2] - mu^2``).

    For a change of solver coordinates only (any positive spread is valid
    there), so the cheaper one-pass formula is fine; the objective's own
    standardisation uses :func:`weighted_feature_stats`.
    """
    n, d = X.shape
    if _is_csr(X) and kernels() is not None:
        m1, m2 = kernels().csr_column_sums(X, s)
        return _coordinate_finish(m1, m2, float(np.sum(s)))
    rows = _block_rows(X)
    m1, m2 = np.zeros(d), np.zeros(d)
    with one_blas_thread(n * d):
        for start in range(0, n, rows):
            sl = slice(start, min(start + rows, n))
            Xb = X[sl]
            m1 += np.asarray(Xb.T @ s[sl], dtype=np.float64).ravel()
            sq = Xb.multiply(Xb) if hasattr(Xb, "multiply") else np.square(Xb, dtype=np.float64)
            m2 += np.asarray(sq.T @ s[sl], dtype=np.float64).ravel()
    return _coordinate_finish(m1, m2, float(np.sum(s)))


def _coordinate_finish(m1: NDArray, m2: NDArray, S: float) -> tuple[NDArray, NDArray]:
    mu = m1 / S
    sigma = np.sqrt(np.maximum(m2 / S - mu * mu, 0.0))
    sigma[sigma <= 1e-7 * np.abs(mu)] = 1.0  # relative (units do not count), above the
    # one-pass formula's round-off for a constant column, about sqrt(eps) |mu|
    return mu, sigma


def prepare_numpy(
    X: Any, y: Any, sample_weight: Any, *, class_weight: Any, standardize: bool, center: bool
) -> FitData:
    """Validate in-memory input (scikit-learn's rules and messages) and prepare the fit.

    Plain valid arrays take a fast path (:func:`plain_arrays`); everything else
    goes through scikit-learn's ``check_X_y`` (lists, DataFrames, other dtypes,
    CSR). ``feature_names`` are the string column names of a DataFrame.
    """
    names = None  # arrays have none (scikit-learn is imported only where it is asked)
    if type(X) is not np.ndarray:
        from sklearn.utils.validation import _get_feature_names

        names = _get_feature_names(X)
    # plain arrays: X's finiteness is read off its column statistics below (a NaN or
    # infinity makes them non-finite), which saves the separate read of X.sum()
    fast = plain_arrays(X, y, check_finite=False) if y is not None else None
    if fast is not None:  # what check_X_y would do to plain valid arrays
        X, y = fast
    else:
        if y is not None:
            check_missing_labels(y)
            y = plain_labels(y)
        X, y = _check_X_y(X, y)
        X = native_order(X)  # (a pandas frame of '>f4' columns passes the check as it is)
        check_class_targets(y)
    X = canonical_sparse(X)
    classes, y_idx, counts = encode_labels(y)
    K = len(classes)
    if sample_weight is None:  # the common case, without the general checks' overhead
        sw = unit_weights(X.shape[0])  # no n-sized array
    else:
        from sklearn.utils.validation import _check_sample_weight

        try:
            sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
        except ValueError:  # NaN, infinity, all zeros: in the words of every engine
            try:
                w = np.asarray(sample_weight, dtype=np.float64)
            except (TypeError, ValueError):  # text: NumPy's words would name no argument
                raise ValueError(
                    "sample_weight must be numbers, one non-negative weight per row of X"
                ) from None
            if w.shape == (X.shape[0],):
                check_weights(w)
            raise
        check_weights(sw)
    if class_weight is None:
        s = sw
    else:
        sums = np.bincount(y_idx, weights=sw, minlength=K)
        cw = class_weight_vector(class_weight, classes, sums)
        if sample_weight is None:
            sample_max = (counts > 0).astype(np.float64)
        else:
            sample_max = np.zeros(K)
            np.maximum.at(sample_max, y_idx, sw)
        class_row_weights(sample_max, cw)  # a product leaving float64 is refused
        with np.errstate(under="ignore"):  # (a row far below the others: weight 0)
            s = sw * cw[y_idx]
    if sample_weight is not None or class_weight is not None:
        check_row_weight_size(s)
    if sample_weight is None and class_weight is None:  # unit weights: the class counts
        class_sums = counts.astype(np.float64)
    else:
        class_sums = np.bincount(y_idx, weights=s, minlength=K)
    check_class_totals(classes, class_sums)
    # weighted by the full row weight s (class weights are sample weights); computed
    # without standardisation too, to refuse columns whose squares overflow
    mean, scale, flat = weighted_feature_stats(X, s, flat=True)
    if not magnitudes_in_range(mean, scale, X.dtype):  # (the common case: finite, in range)
        if fast is not None and not (np.isfinite(mean).all() and np.isfinite(scale).all()):
            _check_X_y(X, y)  # NaN or infinity in X: scikit-learn's error (else: huge values)
        check_magnitudes(mean, scale, X.dtype, names, lambda j: _column_max(X, j))
    feature_stats = (mean, scale)
    if not standardize:
        mean, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
    elif not center:
        mean = np.zeros(X.shape[1])
    target = y_idx if K > 2 else y_idx.astype(np.float64)
    return FitData(
        kind="numpy",
        X=X,
        target=target,
        weights=s,
        classes=classes,
        class_sums=class_sums,
        mean=mean,
        scale=scale,
        n_samples=int(X.shape[0]),
        dtype=np.dtype(X.dtype),
        feature_names=names,
        y_idx=y_idx,
        row_weights=s,
        sample_weight=sw,
        feature_stats=feature_stats,
        flat=flat,
    )


def refuse_times(X: Any) -> None:
    """Refuse a NumPy array of dates or times (``datetime64``, ``timedelta64``).

    Cast to floats they are counts of the array's unit (days, or nanoseconds: the same
    dates 8.64e13 times larger), so a model fitted on one unit and given another
    predicts nonsense with no word; scikit-learn's casting does it silently. A table's
    date column is refused the same way.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.engines import refuse_times
    >>> refuse_times(np.zeros((2, 2)))
    >>> try:
    ...     refuse_times(np.array([["2020-01-01"]], dtype="datetime64[D]"))
    ... except ValueError as exc:
    ...     print(str(exc)[:38])
    X holds dates or times (datetime64[D])
    """
    dtype = getattr(X, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "mM":
        raise ValueError(
            f"X holds dates or times ({dtype}); a model needs numbers: convert them, e.g. "
            "days since a start: (X - start) / np.timedelta64(1, 'D')"
        )


def _masked(a: Any) -> tuple[NDArray[Any], NDArray[np.bool_]] | None:
    """``(data, mask)`` of a NumPy masked array, else None."""
    if not isinstance(a, np.ma.MaskedArray):
        return None
    return np.ma.getdata(a), np.ma.getmaskarray(a)


def _first(mask: NDArray[np.bool_]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask.ravel())), mask.shape))


def native_order(X: Any) -> Any:
    """A NumPy array (masked too) of numbers stored in the other byte order (``'>f4'``,
    as FITS files and network-order buffers hold them) as a copy in this machine's
    order, of the same type (float32 stays float32: scikit-learn's checks take
    ``'>f4'`` for another dtype than float32 and make it float64); anything else
    unchanged.

    Examples
    --------
    >>> native_order(np.ones(2, dtype=">f4")).dtype == np.float32
    True
    """
    dtype = getattr(X, "dtype", None)
    if not isinstance(X, np.ndarray) or dtype.isnative or dtype.kind not in "iufc":
        return X
    return X.astype(dtype.newbyteorder("="))


def unmask_x(X: Any, *, missing: bool, fix: str) -> Any:
    """X with a NumPy masked array's masked cells as missing values (NaN), or refused.

    Decision: a masked cell is a missing value, never the number stored under the mask.
    With ``missing=True`` (a ``missing=`` policy that drops or fills, or a model that fills
    at prediction) X comes back as a float array holding NaN there (float32 stays
    float32); otherwise one error names how many cells are masked and the first
    (column, row), and ``fix`` says what to do. A masked array with no masked cell is its
    data. Numbers in the other byte order come back in this machine's
    (:func:`native_order`). Anything else is returned unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.engines import unmask_x
    >>> X = np.ma.masked_array([[1.0, 2.0], [3.0, 4.0]], mask=[[0, 1], [0, 0]])
    >>> unmask_x(X, missing=True, fix="").tolist()
    [[1.0, nan], [3.0, 4.0]]
    """
    X = native_order(X)
    held = _masked(X)
    if held is None:
        return X
    data, mask = held
    if not mask.any():
        return data
    if not missing:
        first = _first(mask)
        where = f"column {first[1]}, row {first[0]}" if len(first) == 2 else f"row {first[0]}"
        k = int(mask.sum())
        raise ValueError(
            f"X is a masked array with {counted(k, 'masked cell')} (the first in {where}); {fix}"
        )
    dtype = data.dtype if data.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    out = np.array(data, dtype=dtype)  # a copy: the caller's data stay as they are
    out[mask] = np.nan
    return out


def unmask_labels(y: Any) -> Any:
    """Labels of a NumPy masked array with its masked entries as missing labels (None),
    so that they are refused (or dropped by ``missing='drop'``) as missing labels are;
    other ``y`` unchanged."""
    held = _masked(y)
    if held is None:
        return y
    data, mask = held
    if not mask.any():
        return data
    out = data.astype(object)
    out[mask] = None
    return out


def detached(v: Any) -> Any:
    """A torch tensor without its autograd graph (its values, on its device); anything
    else unchanged. A fit reads values only: labels and weights that require grad
    raised torch's RuntimeError where NumPy reads them."""
    if type(v).__module__.split(".")[0] == "torch" and getattr(v, "requires_grad", False):
        return v.detach()
    return v


def refuse_row_values(v: Any, what: str) -> None:
    """Refuse a row argument (``sample_weight``, ``offset``) that holds no numbers to
    compute with: complex numbers (a cast drops the imaginary part), dates or times (a
    cast counts their unit) and text (``'2'`` is not parsed: the decision for X, see
    :func:`refuse_dtype`), of any engine's kind (NumPy, lists, pandas, torch, Dask).

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.engines import refuse_row_values
    >>> refuse_row_values(np.ones(3), "sample_weight")
    >>> try:
    ...     refuse_row_values(["1", "2"], "sample_weight")
    ... except ValueError as exc:
    ...     print(str(exc)[:42])
    sample_weight must be numbers: it holds te
    """
    if v is None or isinstance(v, str):  # a string names a table's column
        return
    dtype = getattr(v, "dtype", None)
    not_real = f"{what} must be numbers: it holds complex numbers (e.g. take its .real)"
    if type(v).__module__.split(".")[0] == "torch":
        if v.is_complex():
            raise ValueError(not_real)
        return
    shown_kind, listed = None, isinstance(v, (list, tuple))
    if not isinstance(dtype, np.dtype):
        if dtype is not None and hasattr(v, "dask"):  # lazy: text is read off its type
            if _text_type(dtype):
                raise ValueError(
                    f"{what} must be numbers: it holds text ({dtype}); convert it explicitly "
                    f"({what}.astype(float))"
                )
            return
        # a pandas extension column (string, str, nullable numbers), a polars or Arrow
        # column: the values NumPy sees, named by the column's own type
        shown_kind = None if dtype is None else str(dtype)
        try:
            v = np.asarray(v)
        except (TypeError, ValueError):
            return
        dtype = v.dtype
    example = None
    if dtype.kind == "c":
        raise ValueError(not_real)
    if dtype.kind in "mM":
        raise ValueError(f"{what} must be numbers: it holds dates or times ({dtype}); convert them")
    if dtype.kind in "USVO" and not hasattr(v, "dask"):
        example = first_text(v if isinstance(v, np.ndarray) else np.asarray(v))
    elif dtype.kind in "USV":
        example = ""
    if example is not None:
        kind = "a list" if listed else shown_kind or str(dtype)
        shown = f"; e.g. {str(example)!r}" if example != "" else ""
        raise ValueError(
            f"{what} must be numbers: it holds text ({kind}{shown}); convert it explicitly "
            f"({what}.astype(float))"
        )


#: The one-line refusal of complex X, by every engine, at fit and predict (scikit-learn's
#: opening words, which its estimator checks look for; its own message prints the array).
COMPLEX_X = (
    "Complex data not supported: X holds complex numbers; the model needs real ones "
    "(e.g. X.real or abs(X))"
)


def _text_type(dtype: Any) -> bool:
    """Whether a pandas column type holds text (string, str, object of strings unknown)."""
    import pandas as pd

    try:
        return bool(pd.api.types.is_string_dtype(dtype)) and dtype != np.dtype(object)
    except TypeError:
        return False


def first_text(values: Any) -> Any:
    """The first cell of an array (or nested list) that is text (``str``/``bytes``), or
    None; NumPy text arrays (``<U``, ``S``) count as text throughout."""
    a = values if isinstance(values, np.ndarray) else None
    if a is None:
        try:
            a = np.asarray(values)
        except (TypeError, ValueError):  # ragged lists: scikit-learn's error later
            return None
    if a.dtype.kind in "USV" and a.size:
        return a.flat[0]
    if a.dtype == object:
        return next((v for v in a.flat if isinstance(v, (str, bytes))), None)
    return None


def text_error(example: Any, dtype: Any) -> ValueError:
    """The refusal of text in an array X, with one of its cells."""
    if isinstance(example, bytes):
        example = example.decode(errors="replace")
    shown = "" if example is None else f"; e.g. {str(example)!r}"
    return ValueError(
        f"X must be numeric: it holds text ({dtype}{shown}); convert it "
        "explicitly (X.astype(float)), or pass a pandas or polars DataFrame, whose text "
        "columns are coded as categories"
    )


def refuse_shapeless(X: Any, what: str = "X") -> None:
    """Refuse X given as records (a list of dicts, JSON's rows) or as a one-pass iterator
    (a generator): NumPy made an object array of them and scikit-learn said only
    "float() argument must be a string or a real number, not 'dict'". Decided here:
    records are not read as a table (their keys' order could differ from row to row);
    pandas reads them, and the message says how. A set (no order) is refused too.
    ``what`` names another row argument (``y``, ``sample_weight``, ...), for which
    records are not looked for.

    Examples
    --------
    >>> from oneneuron.engines import refuse_shapeless
    >>> try:
    ...     refuse_shapeless([{"a": 1.0}, {"a": 2.0}])
    ... except ValueError as exc:
    ...     print(str(exc)[:22])
    X is a list of dicts (
    """
    if what == "X" and isinstance(X, list | tuple) and X and isinstance(X[0], dict):
        raise ValueError(
            f"X is a list of dicts (records, e.g. {str(X[0])[:60]}); pass a table: "
            "pandas.DataFrame(X) names its columns by the keys"
        )
    if isinstance(X, set | frozenset):
        raise ValueError(
            f"{what} is a {type(X).__name__}: its elements have no order, so no row of "
            f"{what} would match a row of the others; pass a list or an array"
        )
    if isinstance(X, Iterator):
        raise ValueError(
            f"{what} is a {type(X).__name__}, read once: the model reads {what} more than "
            f"once (and needs its number of rows); pass an array, e.g. np.array(list({what}))"
        )


def refuse_dtype(X: Any) -> None:
    """Refuse X whose NumPy dtype holds no usable numbers: dates or times
    (:func:`refuse_times`), complex numbers (a cast to floats drops the imaginary part
    with a warning at most) and text. Used by every engine (NumPy, torch through its
    NumPy dtype, Dask through its metadata and per chunk) at fit and at predict.

    Decision on text: an array (or list) of strings is refused even where each one reads
    as a number (``np.array([['1', '2']])``; scikit-learn's ``dtype='numeric'`` refuses it
    too): the same strings in a DataFrame are a categorical column, so parsing them
    would give a second model for one input. Tables are not checked here (their text
    columns go through the design layer).

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.engines import refuse_dtype
    >>> refuse_dtype(np.zeros((2, 2), dtype=bool))
    >>> try:
    ...     refuse_dtype(np.zeros((2, 2), dtype=complex))
    ... except ValueError as exc:
    ...     print(str(exc)[:26])
    Complex data not supported
    """
    refuse_shapeless(X)
    refuse_times(X)
    dtype = getattr(X, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "c":
        raise ValueError(COMPLEX_X)
    if isinstance(dtype, np.dtype) and dtype.kind in "USV":
        raise text_error(X.flat[0] if isinstance(X, np.ndarray) and X.size else None, dtype)
    if (isinstance(X, np.ndarray) and dtype.kind == "O") or isinstance(X, (list, tuple)):
        example = first_text(X)
        if example is not None:
            raise text_error(example, "object" if isinstance(X, np.ndarray) else "a list")


def numeric_block(block: Any) -> NDArray[np.float64]:
    """One block of an object-dtype X (a Dask chunk) as float64, or the NumPy engine's
    error for a cell that is no number."""
    example = first_text(block)
    if example is not None:
        raise text_error(example, "object")
    try:
        return np.asarray(block, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X must be numeric: {exc}") from None


def canonical_sparse(X: Any) -> Any:
    """A sparse X with each cell stored once, in column order within its row: a copy
    where the user's stores a cell twice (scipy allows it and sums them, as ``toarray``
    does), else X itself. The column statistics and the coordinate solver's curvatures
    square each stored entry; a cell stored as 1 + 1 counted as 2, not 4.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> X = sp.csr_matrix((np.ones(2), np.zeros(2, dtype=int), [0, 2]), shape=(1, 1))
    >>> canonical_sparse(X).data.tolist(), X.data.tolist()
    ([2.0], [1.0, 1.0])
    """
    if not hasattr(X, "has_canonical_format") or X.has_canonical_format:
        return X
    X = X.copy()
    X.sum_duplicates()  # sums the duplicates and sorts the indices
    return X


def _check_X_y(X: Any, y: Any) -> tuple[Any, Any]:
    """scikit-learn's ``check_X_y`` with the estimator's accepted layouts and wording."""
    from sklearn.utils.validation import check_X_y

    refuse_dtype(X)

    try:
        return check_X_y(  # type: ignore[no-any-return]
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            y_numeric=False,
            estimator="NeuronClassifier",
        )
    except ValueError as exc:
        if "could not convert" in str(exc):
            raise ValueError(f"X must be numeric: {exc}") from None
        layout = _course_layout(X, y, str(exc))
        if layout:
            raise ValueError(f"{exc}{layout}") from None
        if str(exc).startswith("Complex data not supported"):  # then the whole array
            raise ValueError(COMPLEX_X) from None
        where = first_non_finite(X) if "NaN" in str(exc) or "infinity" in str(exc) else None
        empty = _empty_column(X) if where is not None else None
        if empty is not None:
            raise ValueError(
                f"X's column {empty} is empty (every cell is missing); leave it out"
            ) from None
        if where is not None:
            fix = (  # missing= fills and drops NaN only
                "a model needs finite numbers: replace it, or drop its row (missing= "
                "fills and drops NaN cells only)"
                if "infinity" in where
                else "drop or fill it (missing='drop', 'mean', 'median' or 'most_frequent'; "
                "the command line --drop-missing or --impute)"
            )
            raise ValueError(f"{where}; {fix}") from None
        raise


def _course_layout(X: Any, y: Any, message: str) -> str:
    """The hint for the deep-learning course's layouts, or "": X as (n_features, m), one
    column per example (its columns as many as the labels), and Y as a row (1, m)."""
    shape_x, shape_y = np.shape(X), np.shape(y)
    if message.startswith("Found input variables with inconsistent numbers of samples"):
        rows = shape_y[-1] if len(shape_y) == 2 and shape_y[0] == 1 else np.size(y)
        if len(shape_x) == 2 and shape_x[1] == rows and shape_x[0] != rows:
            return "; one column per sample, as some courses keep X? pass X.T"
    if message.startswith("y should be a 1d array") and len(shape_y) == 2 and shape_y[0] == 1:
        return "; a row of labels (1, m), as some courses keep Y? pass y.ravel()"
    return ""


def _empty_column(X: Any) -> str | None:
    """The first column of a dense X whose every cell is NaN, as messages name it (a
    DataFrame's name quoted, an array's position), or None."""
    if hasattr(X, "tocsr"):
        return None
    try:
        nan = np.isnan(np.asarray(X, dtype=np.float64))
    except (ValueError, TypeError):
        return None
    if nan.ndim != 2 or not nan.shape[0]:
        return None
    empty = np.flatnonzero(nan.all(axis=0))
    if not empty.size:
        return None
    j = int(empty[0])
    names = getattr(X, "columns", None)
    return repr(str(names[j])) if names is not None else str(j)


def first_non_finite(X: Any) -> str | None:
    """Where X holds NaN or an infinity, in words: the first such cell (rows in order) by
    column (its name for a DataFrame) and row; None where there is none or X cannot be
    read as floats here.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.engines import first_non_finite
    >>> first_non_finite(np.array([[1.0, 2.0], [np.inf, 0.0]]))[:34]
    'X has infinity in column 0 (row 1)'
    """
    try:
        if hasattr(X, "tocsr"):
            A = X.tocsr()
            k = int(np.flatnonzero(~np.isfinite(np.asarray(A.data, dtype=np.float64)))[0])
            i, j = int(np.searchsorted(A.indptr, k, side="right") - 1), int(A.indices[k])
            cell: tuple[int, int, float] | None = (i, j, float(A.data[k]))
        elif type(X).__module__.startswith("pandas") and hasattr(X, "columns"):  # pd.NA: NaN
            cell = first_bad_cell(X.to_numpy(dtype=np.float64, na_value=np.nan))
        else:
            cell = first_bad_cell(np.asarray(X, dtype=np.float64))
    except (ValueError, TypeError, IndexError):  # IndexError: every cell is finite
        return None
    names = getattr(X, "column_names", None)  # an Arrow table's (its .columns are its data)
    names = getattr(X, "columns", None) if names is None else names
    return None if cell is None else describe_bad_cell(cell, names)

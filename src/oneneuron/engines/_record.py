"""The one record every engine's input preparation returns (:class:`FitData`), and class weights."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..wording import counted

_EPS = float(np.finfo(np.float64).eps)


@dataclass
class FitData:
    """What ``fit`` needs from the training data, whatever kind of array X is.

    The arrays ``X``, ``target`` and ``weights`` stay of X's kind (a NumPy array
    or CSR matrix in memory, a tensor on its device, a lazy dask array); every
    other field is a small host (NumPy) value.

    Attributes
    ----------
    kind : {"numpy", "array_api", "dask"}
        Which engine reads the data (see :func:`oneneuron.engines.input_kind`).
    X : array of shape (n, d)
        Validated features, float32 or float64.
    target : array of shape (n,)
        0/1 floats (binary) or class indices (K > 2).
    weights : array of shape (n,)
        Row weights ``s_i`` = sample weight times class weight.
    classes : ndarray of shape (K,)
        Sorted class labels.
    class_sums : ndarray of shape (K,)
        ``sum_i s_i`` per class.
    mean, scale : ndarray of shape (d,)
        Standardisation statistics, weighted by the row weights ``weights``
        (zeros and ones when standardisation is off).
    n_samples : int
    dtype : numpy.dtype
        float32 or float64: the dtype of the fitted coefficients.
    feature_names : ndarray of str or None
        Column names, when X was a table with string column names.
    y_idx, row_weights : ndarray or None
        Host copies of each row's class index and of ``weights`` (NumPy input only;
        the separation check and the starting point read them).
    sample_weight : ndarray or None
        Host sample weights (NumPy input only), for a change of solver coordinates.
    engine_options : dict
        Extra keyword arguments of the engine's constructor.
    feature_stats : tuple of two ndarrays or None
        The columns' weighted ``(mean, std)`` whether or not standardisation is on
        (every engine computes them anyway, to refuse overflowing columns), for a
        change of solver coordinates without another pass.
    flat : ndarray of bool of shape (d,) or None
        The columns without spread over the rows of positive weight
        (:func:`flat_columns`): constant columns, which with an intercept get a
        coefficient of exactly 0 (None: not known, treated as none).
    """

    kind: str
    X: Any
    target: Any
    weights: Any
    classes: NDArray[Any]
    class_sums: NDArray[np.float64]
    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    n_samples: int
    dtype: np.dtype
    feature_names: NDArray[Any] | None = None
    y_idx: NDArray[np.intp] | None = None
    row_weights: NDArray[np.float64] | None = None
    sample_weight: NDArray[np.float64] | None = None
    engine_options: dict[str, Any] = field(default_factory=dict)
    feature_stats: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
    flat: NDArray[np.bool_] | None = None

    @property
    def n_features(self) -> int:
        """Columns of X."""
        return int(self.X.shape[1])

    @property
    def multinomial(self) -> bool:
        """More than two classes (a softmax layer)."""
        return len(self.classes) > 2

    def class_counts(self) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """``(y_idx, s)`` for the starting point and the likelihood statistics.

        The row-level arrays when they are on the host; otherwise the per-class
        sums stand in (``bincount(arange(K), weights=sums) == sums``).
        """
        if self.y_idx is not None and self.row_weights is not None:
            return self.y_idx, self.row_weights
        return np.arange(len(self.classes)), self.class_sums


def class_weight_vector(class_weight: Any, classes: NDArray, sums: NDArray) -> NDArray:
    """Per-class weights; ``sums`` are the classes' summed SAMPLE weights (counts if none).

    ``"balanced"`` gives class ``k`` the weight ``S / (K S_k)`` with ``S_k`` its summed
    sample weight: the count a row repeated ``k`` times would add (so a sample weight of
    3 is three identical rows, with class weights too; scikit-learn does the same). A
    dict maps labels to weights (missing labels weigh 1); it may name labels that are not
    among ``classes`` (a cross-validation fold or a bootstrap sample without a class)
    only when it names every class, as scikit-learn decides it.

    Raises
    ------
    ValueError
        A class weight that is negative or not finite; a dict that names a label not
        among ``classes`` and leaves a class out (a misspelt label).
    """
    sums = np.asarray(sums, dtype=np.float64)
    if class_weight is None:
        return np.ones(len(classes))
    if isinstance(class_weight, str):  # "balanced" (validated by the estimator)
        with np.errstate(divide="ignore"):
            cw = sums.sum() / (len(classes) * sums)
        return np.where(sums > 0, cw, 0.0)  # a class of zero weight stays at zero
    # Matched by value against the labels themselves (not scikit-learn's helper, which
    # reads the text label "0" as the number 0).
    labels = [_plain(c) for c in classes]
    unknown = [k for k in class_weight if _plain(k) not in labels]
    named = {_plain(k) for k in class_weight}
    if unknown and any(c not in named for c in labels):
        raise ValueError(
            f"class_weight names {[_plain(k) for k in unknown]} not among the classes {labels}"
        )
    given = {_plain(k): w for k, w in class_weight.items()}
    cw = np.array([given.get(c, 1.0) for c in labels], dtype=float)
    bad = ~np.isfinite(cw) | (cw < 0)
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"class_weight must be non-negative and finite; class {_plain(classes[k])!r} has "
            f"weight {float(cw[k])!r}"
        )
    return cw


def check_class_totals(classes: NDArray, class_sums: NDArray) -> None:
    """Raise unless at least two classes keep a positive total weight.

    ``class_sums`` are the summed row weights (sample weight times class weight) per
    class: with one class left, the "fit" would be a constant predictor.
    """
    live = np.asarray(class_sums) > 0
    if np.count_nonzero(live) >= 2:
        return
    positive = np.flatnonzero(live)
    if len(positive) < 2:
        only = ", ".join(repr(_plain(c)) for c in np.asarray(classes)[positive]) or "none"
        raise ValueError(
            f"only one class ({only}) has positive weight after sample_weight and "
            "class_weight; a classifier needs at least two classes with positive weight"
        )


def warn_weightless_classes(classes: NDArray, class_sums: NDArray) -> None:
    """Warn when a class carries no weight: all its rows have sample_weight 0, or its
    class_weight is 0.

    The fit goes on (as scikit-learn's): that class's probability is fitted as 0, its
    intercept runs towards -infinity and its coefficients have no estimate (the
    statistics leave it out of the data and give it no standard errors). An estimator's
    fit calls it; a path over a cross-validation fold that lacks a class does not (the
    fold is warned about there).

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.engines import warn_weightless_classes
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_weightless_classes(np.array(["a", "b", "c"]), np.array([2.0, 0.0, 1.0]))
    >>> str(caught[0].message)[:24]
    "class 'b' has no weight:"
    """
    sums = np.asarray(class_sums)
    if np.all(sums > 0):
        return
    # here, not at import: the exceptions module imports scikit-learn's, which a CLI
    # predict (the model-file predictor imports this module) must not load
    from ..exceptions import EmptyClassWarning, user_stacklevel

    names = ", ".join(repr(_plain(c)) for c in np.asarray(classes)[sums <= 0])
    warnings.warn(
        f"class {names} has no weight: all its rows have sample_weight 0 (or its "
        "class_weight is 0), so its probability is fitted as 0 and its coefficients have "
        "no estimate (no standard errors); drop those rows to leave the class out",
        EmptyClassWarning,
        stacklevel=user_stacklevel(),
    )


def missing_labels_error(count: int, first_row: int) -> ValueError:
    """The error for labels that are missing (None, NaN, ``pd.NA``), worded alike by every
    engine: how many, and the first row (counted from X's start).

    Examples
    --------
    >>> str(missing_labels_error(2, 3))[:58]
    'y has 2 missing labels (None or NaN), the first in row 3; '
    """
    return ValueError(
        f"y has {counted(count, 'missing label')} (None or NaN), the first in "
        f"row {first_row}; drop those rows first (or pass a table, the target by its column "
        "name, and missing='drop')"
    )


def bad_weight_error(row: int, value: float) -> ValueError:
    """The error for a sample weight that is NaN, infinite or negative, by row (counted from
    X's start), worded alike by every engine.

    Examples
    --------
    >>> str(bad_weight_error(5, float("nan")))
    'sample_weight must be finite and non-negative: row 5 holds NaN'
    """
    what = "NaN" if value != value else "infinity" if value == np.inf else repr(float(value))
    return ValueError(f"sample_weight must be finite and non-negative: row {row} holds {what}")


ZERO_WEIGHTS = "sample_weight must be non-negative with a positive sum; all weights are zero"


def check_weights(sw: NDArray) -> None:
    """Raise unless host sample weights are finite, non-negative and not all zero; the
    first bad row is named (:func:`bad_weight_error`)."""
    ok = np.isfinite(sw) & (sw >= 0)
    if not ok.all():
        i = int(np.argmin(ok))
        raise bad_weight_error(i, float(sw[i]))
    if not np.any(sw > 0):
        raise ValueError(ZERO_WEIGHTS)


def check_weight_floor(largest: float, shown: str = "") -> None:
    """Refuse row weights (sample weight times class weight) whose largest, ``largest``, is
    below float64's smallest normal number (about 2.2e-308): such subnormal weights keep
    few digits, and the fit's sums of them underflow (the coefficients came out other than
    at the weights' own scale, with numpy's "invalid value" warnings, or the Dask engine's
    "SVD did not converge"). The fit does not depend on the weights' scale: the message
    says to multiply them.

    Examples
    --------
    >>> check_weight_floor(1e-300)
    >>> try:
    ...     check_weight_floor(1e-320)
    ... except ValueError as e:
    ...     print(str(e)[:58])
    sample_weight (times class_weight) is at most 1e-320, belo
    """
    tiny = float(np.finfo(np.float64).tiny)
    if 0 < largest < tiny:
        raise ValueError(
            f"sample_weight (times class_weight) is at most {shown or format(largest, '.3g')}, "
            f"below float64's smallest normal number ({tiny:.3g}): such weights lose their "
            "digits, and the fit's sums of them underflow; multiply the weights by a constant (the "
            "coefficients do not change; the standard errors, which count the weights as "
            "rows, do)"
        )


def class_row_weights(sample_max: Any, class_weight: Any) -> NDArray[np.float64]:
    """Each class's largest row weight ``s = sample weight x class weight`` from its
    largest sample weight ``sample_max`` and its class weight (arrays of K), refusing a
    product that leaves float64 though its factors do not: one that overflows (as
    :func:`check_weight_size` refuses squares that do) or that underflows to 0 or below
    the smallest normal number in every class (as :func:`check_weight_floor`). Computed
    without NumPy's overflow warnings.

    Examples
    --------
    >>> class_row_weights(np.array([2.0, 3.0]), np.array([0.5, 1.0])).tolist()
    [1.0, 3.0]
    >>> try:
    ...     class_row_weights(np.array([1e-200, 1e-200]), np.array([1e-200, 1e-200]))
    ... except ValueError as e:
    ...     print(str(e)[:58])
    sample_weight (times class_weight) is at most about 1e-400
    """
    sample_max = np.asarray(sample_max, dtype=np.float64)
    cw = np.asarray(class_weight, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        row_max = cw * sample_max
    both = (sample_max > 0) & (cw > 0)
    if not both.any():
        return row_max
    with np.errstate(divide="ignore"):
        exponent = np.max((np.log10(sample_max) + np.log10(cw))[both])
    if np.isinf(row_max).any():
        check_weight_size(float(np.max(row_max)), np.inf, f"about 1e+{exponent:.0f}")
    if float(np.max(row_max)) < float(np.finfo(np.float64).tiny):
        check_weight_floor(float(np.finfo(np.float64).tiny) / 2, f"about 1e{exponent:.0f}")
    return row_max


def check_row_weight_size(s: NDArray[np.floating]) -> None:
    """:func:`check_weight_size` of the row weights ``s`` in memory: the largest, and the
    root of their sum of squares formed without overflow (``top * sqrt(sum (s/top)**2)``).

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.engines import check_row_weight_size
    >>> check_row_weight_size(np.array([1e100, 2e100]))
    """
    top = float(np.max(s))
    check_weight_size(top, top * float(np.sqrt(np.sum(np.square(s / top)))) if top else 0.0)


def check_weight_size(largest: float, root_sum_squares: float, shown: str = "") -> None:
    """Refuse row weights (sample weight times class weight) whose squares overflow, or
    all below float64's smallest normal number (subnormal: digits lost, sums underflow).

    ``largest`` is the largest row weight and ``root_sum_squares`` ``sqrt(sum s_i**2)``
    computed without overflow (as ``largest * sqrt(sum (s_i / largest)**2)``). Above
    :func:`magnitude_limit` (about 8e152) the statistics' sums of squared weights
    overflow float64, and weighted column moments overflowed and were blamed on a
    column. The fit does not depend on the weights' scale, the standard errors do
    (frequency weights): the message says so.

    Examples
    --------
    >>> from oneneuron.engines import check_weight_size
    >>> check_weight_size(1e100, 1e101)
    >>> try:
    ...     check_weight_size(1e160, 1e161)
    ... except ValueError as e:
    ...     print(str(e)[:60])
    sample_weight (times class_weight) reaches 1e+160: the sum o
    """
    check_weight_floor(largest)
    limit = magnitude_limit(np.float64)
    if not root_sum_squares <= limit:
        raise ValueError(
            f"sample_weight (times class_weight) reaches {shown or format(largest, '.3g')}: the "
            f"sum of the weights' squares overflows float64 (root above {limit:.3g}); divide the "
            "weights by a constant (the coefficients do not change; the standard errors, "
            "which count the weights as rows, do)"
        )


def one_class_error(label: Any, n: int) -> ValueError:
    """The error for labels of a single class, the label written as the user wrote it.

    Examples
    --------
    >>> str(one_class_error(np.float64(0.0), 5))[:46]
    'y contains only one class (0.0 for all 5 sampl'
    """
    return ValueError(
        f"y contains only one class ({_plain(label)!r} for all {counted(n, 'sample')}); "
        "a classifier needs at least two classes"
    )


def continuous_labels_error(value: Any = None, row: int | None = None) -> ValueError:
    """The error for labels that are numbers with a fractional part (a regression target),
    naming the first such label where it is known; scikit-learn's "Unknown label type:
    continuous" opens it, as every classifier's does.

    Examples
    --------
    >>> str(continuous_labels_error(np.float64(0.25), 3))[-64:]
    'such as 0.25 (row 3): a classifier predicts classes, not amounts'
    """
    example = "" if value is None else f", not numbers such as {_plain(value)!r}"
    example += "" if row is None else f" (row {row})"
    return ValueError(
        "Unknown label type: continuous; y must hold class labels (integers, strings, "
        f"bools or whole-number floats){example}: a classifier predicts classes, not amounts"
    )


def complex_labels_error(value: Any = 0j) -> ValueError:
    """The error for labels of a complex dtype (a cast to floats would drop their
    imaginary part), in the words the table reader uses for such a target column.

    Examples
    --------
    >>> str(complex_labels_error(1j))[28:72]
    'y holds complex numbers (e.g. 1j), not class'
    """
    return ValueError(  # (opened as scikit-learn's checks expect: check_complex_data)
        f"Complex data not supported: y holds complex numbers (e.g. {value!r}), not class "
        "labels: a classifier's labels are text, whole numbers or booleans; convert them "
        "(e.g. y.real.astype(int))"
    )


def refuse_complex_labels(y: Any) -> None:
    """Raise :func:`complex_labels_error` where ``y`` (NumPy, pandas or an array API
    array) has a complex dtype; other ``y`` passes unread."""
    dtype = getattr(y, "dtype", None)
    kind = getattr(dtype, "kind", None)
    if kind is None and dtype is not None:  # torch and other array API dtypes
        kind = "c" if getattr(dtype, "is_complex", False) else None
    if kind != "c":
        return
    first = y[:1].tolist()  # (NumPy, pandas and torch alike; a Python complex)
    raise complex_labels_error(complex(first[0]) if first else 0j)


def first_fraction(y: Any) -> tuple[Any, int] | None:
    """``(value, row)`` of the first finite label with a fractional part, or None."""
    a = np.asarray(y)
    if a.dtype.kind != "f":
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            return None
    with np.errstate(invalid="ignore"):
        frac = np.isfinite(a) & (a != np.trunc(a))
    if not frac.any():
        return None
    i = int(np.argmax(frac))
    return a[i], i


def first_bad_cell(A: NDArray) -> tuple[int, int, float] | None:
    """``(row, column, value)`` of the first NaN or infinity of a dense block, rows in
    order; None when every cell is finite."""
    bad = np.argwhere(~np.isfinite(A))
    if not len(bad):
        return None
    i, j = (int(t) for t in bad[0])
    return i, j, float(A[i, j])


def describe_bad_cell(cell: tuple[int, int, float], names: Any = None) -> str:
    """A non-finite cell in words, its column by name where X has names.

    Examples
    --------
    >>> describe_bad_cell((170, 3, -np.inf), ["a", "b", "c", "d"])
    "X has -infinity in column 'd' (row 170)"
    """
    i, j, v = cell
    what = "NaN" if np.isnan(v) else "infinity" if v > 0 else "-infinity"
    col = f"column {str(names[j])!r}" if names is not None else f"column {j}"
    return f"X has {what} in {col} (row {i})"


def _plain(v: Any) -> Any:
    """A NumPy scalar as the plain Python value (``0.0``, not ``np.float64(0.0)``)."""
    return v.item() if hasattr(v, "item") else v


def magnitude_limit(dtype: Any) -> float:
    """Largest root mean square a column may have: its squares must fit ``dtype``.

    The Hessian sums ``p (1 - p) x^2`` on the original scale in X's dtype, so a
    column beyond ``sqrt(max) / 16`` (about 8e152 in float64, 1e18 in float32)
    would overflow it.
    """
    key = np.dtype(dtype)
    limit = _MAGNITUDE_LIMITS.get(key)
    if limit is None:
        limit = _MAGNITUDE_LIMITS[key] = float(np.sqrt(np.finfo(key).max)) / 16.0
    return limit


_MAGNITUDE_LIMITS: dict[Any, float] = {}


def smallest_magnitude() -> float:
    """Smallest root mean square a column that is not all zeros may have (about 1.2e-153).

    The reciprocal of :func:`magnitude_limit` in float64, whatever X's dtype: such a
    column's squares underflow (its spread reads as 0, so it passed for a constant and
    got a zero coefficient), and its coefficient, of order ``1 / x``, has a variance of
    order ``1 / x^2``, which the float64 covariance cannot hold.
    """
    return 1.0 / magnitude_limit(np.float64)


def unit_scale_for_flat_columns(sigma: NDArray, mu: NDArray) -> NDArray:
    """Set ``sigma = 1`` in place where a column has no spread; returns ``sigma``.

    No spread means at most 10 ulps of ``|mu|`` (round-off of a constant column; zero
    for a column of zeros): the column is then only centred. The test is relative, as
    scikit-learn's StandardScaler's, so that a column measured in tiny units (spread
    1e-15, 1e-100) is standardised like any other: an absolute floor took it for a
    constant, and a penalised fit then gave it a zero coefficient.
    """
    sigma[flat_columns(sigma, mu)] = 1.0
    return sigma


def flat_columns(sigma: NDArray, mu: NDArray) -> NDArray[np.bool_]:
    """Which columns have no spread: a standard deviation ``sigma`` of at most 10 ulps of
    ``|mu|`` (a constant column over the rows of positive weight, whose weighted moments
    carry round-off only; a column of zeros), the test of
    :func:`unit_scale_for_flat_columns`.

    With an intercept such a column is unidentifiable (a multiple of the intercept's
    column of ones): the fit gives it a coefficient of exactly 0 and fits the other terms
    as without it (``FitData.flat``, read by :class:`oneneuron.objective.LinearLoss`).

    Examples
    --------
    >>> flat_columns(np.array([0.0, 4e-16, 0.5]), np.array([0.0, 3.0, 3.0])).tolist()
    [True, True, False]
    """
    return np.asarray(sigma <= 10 * _EPS * np.abs(mu))


#: A column whose spread is at most this share of ``|mean|`` may be a constant one read
#: through round-off (a weighted mean of n equal values is exact to about n ulps only:
#: 6e-11 relative at 30 000 rows): its values are compared (:func:`maybe_flat`).
MAYBE_FLAT = 1e-6


def maybe_flat(sigma: NDArray, mu: NDArray, flat: NDArray[np.bool_]) -> NDArray[np.intp]:
    """The columns not ``flat`` whose spread ``sigma`` is at most :data:`MAYBE_FLAT` of
    ``|mu|``: each engine compares their values over the rows of positive weight, and a
    column whose values there are all equal is flat too, whatever its moments' round-off."""
    return np.flatnonzero(~flat & (sigma <= MAYBE_FLAT * np.abs(mu)))


def all_equal(values: NDArray, positive: NDArray[np.bool_]) -> bool:
    """Whether a column's ``values`` over the rows ``positive`` are all one number."""
    v = np.asarray(values)[positive]
    return bool(v.size) and bool(v.min() == v.max())


def check_resolved_integers(
    mean: NDArray, scale: NDArray, integer: NDArray, names: Any = None, decimal: Any = None
) -> None:
    """Refuse an integer column beyond ``2**53`` whose spread float64 cannot resolve.

    For engines that cast their input to float64 block by block (Dask): from the column
    statistics of the float values, ``integer`` flagging the columns whose input is
    integers. Beyond ``2**53`` float64 rounds integers (by up to 1024 around ``2**63``):
    ids that differ by a few units all become one number. A column whose mean lies
    there is refused when its spread is below ``1e8`` times that rounding, the rule the
    design layer applies exactly (``oneneuron.tables.unresolved_integers``); a spread of
    0 counts, as the rounding may have made it (nanosecond timestamps over days pass).
    ``decimal`` flags columns of decimals (a DECIMAL(p, s) column), which float64 rounds
    at any magnitude: the same test, without the ``2**53`` bound (the design layer's
    ``unresolved_decimals``).
    """
    mean = np.asarray(mean, dtype=float)
    scale = np.asarray(scale, dtype=float)
    dec = np.zeros(len(mean), dtype=bool) if decimal is None else np.asarray(decimal, dtype=bool)
    with np.errstate(invalid="ignore"):
        rounding = np.spacing(np.abs(mean)) / 2
        big = (np.asarray(integer, dtype=bool) & (np.abs(mean) > 2.0**53)) | dec
        bad = big & ~(rounding <= 1e-8 * scale)
    if not bad.any():
        return
    j = int(np.flatnonzero(bad)[0])
    name = repr(str(names[j])) if names is not None else str(j)
    what = "decimals" if dec[j] else "integers"
    exact = "" if dec[j] else " (exact to 2**53)"
    raise ValueError(
        f"column {name} holds {what} as large as about {mean[j]:.6g}, which float64 numbers"
        f"{exact} round by up to {rounding[j]:g}, against a spread (standard "
        f"deviation) of {scale[j]:.4g} once rounded: the model would not see their "
        f"differences{'' if dec[j] else ' (an identifier?)'}; leave it out, or subtract a "
        "start (x - x.min())"
    )


def magnitudes_in_range(mean: NDArray, scale: NDArray, dtype: Any) -> bool:
    """Whether every column's ``|mean|`` and spread lie within ``[floor, limit / 2]``
    (:func:`smallest_magnitude`, :func:`magnitude_limit`), so that ``floor <= rms <= limit``
    and all are finite (a NaN anywhere fails): then :func:`check_magnitudes` has nothing
    to say and the statistics need no test for NaN. False without columns.

    Examples
    --------
    >>> magnitudes_in_range(np.array([0.5]), np.array([2.0]), np.float64)
    True
    >>> magnitudes_in_range(np.array([np.nan]), np.array([2.0]), np.float64)
    False
    """
    if not mean.size:
        return False
    am = np.abs(mean)
    floor, top = smallest_magnitude(), 0.5 * magnitude_limit(dtype)
    lo, hi = np.minimum.reduce, np.maximum.reduce  # the methods' reductions, called directly
    return bool(lo(am) >= floor and lo(scale) >= floor and hi(am) <= top and hi(scale) <= top)


def check_magnitudes(
    mean: NDArray, scale: NDArray, dtype: Any, names: Any = None, column_max: Any = None
) -> None:
    """Raise one clear error naming the first column too large to fit in ``dtype``, or
    too small (not all zeros, but below :func:`smallest_magnitude`).

    ``mean`` and ``scale`` are the column statistics (``inf``/``nan`` where their
    sums already overflowed); ``column_max(j)``, when given, reports the largest
    magnitude of column ``j`` in the message. A tiny column's squared deviations
    underflow, so its spread reads 0 and :func:`unit_scale_for_flat_columns` may
    already have set it to 1: such a column (spread 1, mean below the floor) is then
    confirmed by ``column_max`` (one read of that column only; all-zero columns, whose
    mean is 0, are not read), or, without it, found only while the spread is still the
    raw one.
    """
    mean = np.asarray(mean, dtype=float)
    scale = np.asarray(scale, dtype=float)
    limit = magnitude_limit(dtype)
    floor = smallest_magnitude()
    if mean.size:  # the common case in a few reductions: every column's |mean| and spread
        am = np.abs(mean)  # within [floor, limit / 2], so floor <= rms <= limit (NaN fails)
        lo, hi = min(am.min(), scale.min()), max(am.max(), scale.max())
        if lo >= floor and hi <= 0.5 * limit:
            return
    with np.errstate(over="ignore", invalid="ignore"):
        rms = np.hypot(mean, scale)
    tiny = (rms > 0) & (rms < floor)
    if column_max is not None:  # flat-looking with a tiny, non-zero mean: read to confirm
        suspects = (scale == 1.0) & (np.abs(mean) > 0) & (np.abs(mean) < floor)
        for j in np.flatnonzero(suspects):
            tiny[j] = 0.0 < column_max(j) < floor
    out = ~(rms <= limit) | tiny
    if not out.any():
        return
    bad = np.flatnonzero(out)
    j = int(bad[0])
    name = f"column {j}" + (f" ({names[j]!r})" if names is not None else "")
    if tiny[j]:
        size = f"values no larger than {column_max(j):.3g}" if column_max else "tiny values"
        raise ValueError(
            f"{name} holds {size}: their squares underflow float64 (root mean square "
            f"below {floor:.3g}), so the column would pass for a constant and its "
            "coefficient's variance overflow; rescale the column, e.g. express it in "
            "smaller units"
        )
    size = f"values up to {column_max(j):.3g}" if column_max is not None else "huge values"
    raise ValueError(
        f"{name} holds {size}: their squares overflow {np.dtype(dtype).name} "
        f"(root mean square above {limit:.3g}); rescale the column, e.g. express it in "
        "larger units"
    )

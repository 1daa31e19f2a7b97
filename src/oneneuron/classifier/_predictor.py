"""Prediction from a fitted model's numbers, with NumPy only.

The arithmetic behind every prediction method of :class:`NeuronClassifier` lives
here (logits, probabilities, log-probabilities, labels, offsets, delta-method
intervals), so that a model file can be served without scikit-learn:
:class:`Predictor` is what ``oneneuron predict`` builds from a model file. It
imports NumPy (and pandas/SciPy only for :meth:`Predictor.predict_interval`, and
SciPy where a large table's design is coded as a CSR matrix), which keeps a
prediction run of the command line well under a second.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..functions import log_sigmoid, log_softmax, sigmoid_pair, softmax
from ..objective import OFFSET_LIMIT, finite_offset  # noqa: F401 (OFFSET_LIMIT re-exported)
from ..wording import counted, noun

#: Rows per block when ``predict_interval`` forms the design (bounded dense temporaries):
#: at most this many, and at most ``INTERVAL_BLOCK_CELLS`` cells (a wide design, such as a
#: large table's CSR one with hundreds of indicator columns, takes fewer rows a block).
INTERVAL_BLOCK_ROWS = 65_536
INTERVAL_BLOCK_CELLS = 1 << 22


#: What to do with the masked cells of a NumPy masked array X at prediction.
MASKED_PREDICT = (
    "a prediction needs every value: fill them (X.filled(value)); a model fitted with "
    "missing='mean', 'median' or 'most_frequent' fills them itself"
)


def centred_intercepts(b: NDArray[np.float64]) -> NDArray[np.float64]:
    """A softmax layer's intercepts less their mean (they are defined up to a constant, which
    an unpenalised intercept beside an L1 term leaves free; glmnet centres them too); one
    sigmoid's intercept as it is.

    Examples
    --------
    >>> centred_intercepts(np.array([1.0, 2.0, 6.0])).tolist()
    [-2.0, -1.0, 3.0]
    """
    b = np.asarray(b, dtype=np.float64)
    return b - b.mean() if b.size > 1 else b


def centred_coefficients(W: NDArray[np.float64], free: Any = True) -> NDArray[np.float64]:
    """A softmax layer's coefficients with the ``free`` columns centred over classes.

    Adding a vector to every class's coefficients leaves the probabilities unchanged;
    a column without an L1 penalty has the centred representative as its one natural
    choice (the limit of a ridge penalty, which centres it; each solver otherwise
    stopped at its own, float32 data at another than float64). A column with an L1
    penalty keeps the solver's (the penalty chooses it, exact zeros included). One
    sigmoid's coefficients as they are.

    Examples
    --------
    >>> centred_coefficients(np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([True, False])).tolist()
    [[-1.0, 5.0], [1.0, 5.0]]
    """
    W = np.array(W, dtype=np.float64)
    if W.shape[0] > 1:
        cols = np.broadcast_to(np.asarray(free, dtype=bool), (W.shape[1],))
        W[:, cols] -= W[:, cols].mean(axis=0)
    return W


def l1_free_columns(penalty_factor: Any, alpha: float, l1_ratio: float) -> Any:
    """The columns :func:`centred_coefficients` may centre: those without an L1 penalty
    (all of them unless ``alpha * l1_ratio > 0``; else those of ``penalty_factor`` 0).

    Examples
    --------
    >>> l1_free_columns(np.array([0.0, 1.0]), 0.5, 1.0).tolist()
    [True, False]
    >>> l1_free_columns(None, 0.0, 1.0)
    True
    """
    if not (alpha > 0 and l1_ratio > 0):
        return True
    return False if penalty_factor is None else np.asarray(penalty_factor) == 0


def model_column_names(est: Any) -> NDArray[np.object_]:
    """A fitted estimator's ``feature_names_out_``: the names of the columns of ``coef_``.

    A design's terms (``student[T.Yes]``) where the fit coded a table; otherwise
    ``feature_names_in_`` (X's column names), or ``x0, x1, ...``. Raises
    scikit-learn's ``NotFittedError`` (an ``AttributeError``) before a fit.
    """
    design = getattr(est, "design_", None)
    if design is not None:
        return np.asarray(design.names, dtype=object)
    names = getattr(est, "feature_names_in_", None)
    if names is None:
        if not hasattr(est, "coef_"):  # its error (the check costs ~10 us: fit reads this)
            from sklearn.utils.validation import check_is_fitted

            check_is_fitted(est, "coef_")
        names = [f"x{j}" for j in range(np.shape(est.coef_)[1])]
    return np.asarray(names, dtype=object)


@contextlib.contextmanager
def restored_on_failure(est: Any) -> Iterator[None]:
    """A block (``fit``'s body) that, when it raises (a refused refit, Ctrl-C, a warning
    filtered into an error), leaves ``est`` as it was before: the previous fit whole, not
    half overwritten by the new data's classes, statistics or chosen alpha. The fit's
    warnings point at the user's call whatever the frames between
    (:func:`oneneuron.exceptions.user_stacklevel`)."""
    state = dict(est.__dict__)
    try:
        yield
    except BaseException:
        est.__dict__.clear()
        est.__dict__.update(state)
        raise


def restoring(fit: Callable[..., Any]) -> Callable[..., Any]:
    """``fit`` run in :func:`restored_on_failure`."""

    @functools.wraps(fit)
    def fit_or_restore(self: Any, *args: Any, **kwargs: Any) -> Any:
        with restored_on_failure(self):
            return fit(self, *args, **kwargs)

    return fit_or_restore


def penalty_kind(l1_ratios: Any) -> str:
    """scikit-learn's name for a penalty of these ``l1_ratio`` values (one or several):
    ``"l1"`` when all are 1, ``"l2"`` when all are 0, else ``"elasticnet"``."""
    ratios = np.asarray(l1_ratios, dtype=np.float64).ravel()
    if ratios.size and np.all(ratios == 1.0):
        return "l1"
    if ratios.size and np.all(ratios == 0.0):
        return "l2"
    return "elasticnet"


def column_importances(est: Any) -> NDArray[np.float64]:
    """A fitted estimator's ``column_importances_``: (m, n_features_in_), ``coef_``'s
    shape with one column per input column (``feature_names_in_``).

    Entry ``[k, c]`` is the Euclidean norm of row ``k`` of ``coef_`` over the model's
    columns that involve input column ``c`` (a categorical's level columns; a term
    ``x:z`` for both ``x`` and ``z``), 0 for a column the model does not use (a
    formula's target); ``|coef_|`` where every input column is one model column.
    """
    coef = np.asarray(est.coef_, dtype=np.float64)
    design = getattr(est, "design_", None)
    if design is None:
        return np.abs(coef)
    n_in = int(est.n_features_in_)
    names = getattr(est, "feature_names_in_", None)
    index = {str(c): i for i, c in enumerate(names if names is not None else [])}
    if names is None:  # a table's columns by position, as the design names them
        index = {f"x{j}": j for j in range(n_in)}
    squares = np.zeros((coef.shape[0], n_in))
    for j, columns in enumerate(design.term_columns()):
        for c in set(columns):
            squares[:, index[c]] += coef[:, j] ** 2
    return np.sqrt(squares)


def warn_unknown(report: dict[str, Any]) -> None:
    """Warn (:class:`~oneneuron.UnknownCategoryWarning`) when a design's transform of a
    prediction's table met categories not seen in training, as the command line does."""
    from ..tables import unknown_note

    note = unknown_note(report.get("unknown"))
    if note is not None:
        import warnings

        from ..exceptions import UnknownCategoryWarning, user_stacklevel

        warnings.warn(note, UnknownCategoryWarning, stacklevel=user_stacklevel())


#: Largest magnitude of an offset: ``2**53``, beyond which consecutive float64 values are
#: more than 1 apart, so a logit ``offset + x w + b`` keeps none of its unit-scale part
#: (at 1e100 the fit "converged" to coefficients an order of magnitude off).
def check_offset(offset: Any, n_samples: int, n_classes: int = 2) -> NDArray[np.float64] | None:
    """``offset`` as a finite float64 vector of one value per row (None stays None), for
    a binary model (:func:`oneneuron.objective.finite_offset`: values of magnitude
    :data:`OFFSET_LIMIT`, ``2**53``, or more are refused)."""
    if offset is None:
        return None
    if n_classes > 2:
        raise ValueError(f"offset is supported for binary models only; y has {n_classes} classes")
    return finite_offset(offset, n_samples)


def prediction_offset(
    has_offset: bool, offset: Any, n_samples: int, X: Any = None
) -> NDArray[np.float64] | None:
    """The offset of a prediction: required exactly when the fit had one; a string
    names a column of the table ``X`` (as in ``oneneuron.logit(..., offset="log_e")``)."""
    if isinstance(offset, str):
        names = getattr(X, "column_names", None)  # an Arrow table's; pandas, polars: columns
        found = names if names is not None else getattr(X, "columns", None)
        columns = [] if found is None else [str(c) for c in found]
        if offset not in columns:
            where = f"its columns are {columns}" if columns else "X is not a table"
            raise ValueError(f"offset={offset!r} names no column of X ({where})")
        offset = np.asarray(X[offset], dtype=np.float64)
    if has_offset and offset is None:
        raise ValueError("this model was fitted with an offset; pass offset= (one value per row)")
    if offset is not None and not has_offset:
        raise ValueError(
            "this model was fitted without an offset; offset= applies only to models "
            "fitted with fit(..., offset=...)"
        )
    return check_offset(offset, n_samples)


def logits(X: Any, coef: NDArray[Any], intercept: NDArray[Any], offset: Any = None) -> Any:
    """``z = X @ coef.T + intercept (+ offset)`` in X's dtype: (n,) binary, (n, K) otherwise."""
    Z = np.asarray(X @ coef.T.astype(X.dtype) + intercept.astype(X.dtype))
    if offset is not None:
        Z = Z + offset.astype(Z.dtype)[:, None]
    return Z[:, 0] if Z.shape[1] == 1 else Z


def proba_from_logits(Z: NDArray[Any]) -> NDArray[Any]:
    """Binary ``[sigmoid(-z), sigmoid(z)]`` (each directly, tiny values keep precision); softmax."""
    if Z.ndim == 1:
        return sigmoid_pair(Z)
    return softmax(Z)


def log_proba_from_logits(Z: NDArray[Any]) -> NDArray[Any]:
    """Log-probabilities from logits; in float32 the log of the rounded probability where > 0."""
    L = np.column_stack([log_sigmoid(-Z), log_sigmoid(Z)]) if Z.ndim == 1 else log_softmax(Z)
    if L.dtype == np.float32:
        P = proba_from_logits(Z)
        with np.errstate(divide="ignore"):
            L = np.where(P > 0, np.log(P), L)
    return L


def labels_from_logits(Z: NDArray[Any], classes: NDArray[Any], threshold: float) -> NDArray[Any]:
    """Binary: ``classes[1]`` where ``P(classes[1]) > threshold``; otherwise the argmax class."""
    if Z.ndim == 1:
        cut = np.log(threshold) - np.log1p(-threshold)
        return classes[(Z > cut).astype(np.intp)]
    return classes[np.argmax(Z, axis=1)]


def interval_frame(
    X: Any,
    z: NDArray[Any],
    cov: NDArray[np.float64],
    level: float,
    fit_intercept: bool,
    classes: Any = None,
    index: Any = None,
    result: Any = None,
) -> Any:
    """``proba, se_logit, ci_low, ci_high`` per row (delta method), in bounded blocks.

    ``X`` holds the model's columns (NumPy or CSR), ``z`` its logits ((n,) binary,
    (n, K) softmax), ``cov`` the coefficients' covariance in the summary's term
    order. Indexed by ``index`` (default 0..n-1); with K > 2 by ``(index, class)``,
    one row per row and class of ``classes``. With the fit's ``result``
    (:class:`~oneneuron.stats.InferenceResult`) the frame's ``attrs`` carry
    ``penalized`` and a ``caption`` (``result.interval_caption``), as the summary's.
    """
    import pandas as pd

    from ..stats import logit_interval

    z = np.asarray(z, dtype=np.float64)
    n_terms = X.shape[1] + bool(fit_intercept)
    blocks = 1 if z.ndim == 1 else z.shape[1] - 1  # K > 2: one block per non-reference class
    if cov.shape[0] != n_terms * blocks:  # the table of a relax=True fit is the refit's
        raise ValueError(
            f"predict_interval: the model's covariance covers {cov.shape[0] // blocks} terms, "
            f"not its {n_terms}: a relax=True model's table is the unpenalised refit on the "
            "columns the L1 fit kept, and the L1 predictions have no standard errors"
        )
    root = None if result is None else result.cov_root  # cov = L L' (see InferenceResult)
    parts = []
    step = max(1, min(INTERVAL_BLOCK_ROWS, INTERVAL_BLOCK_CELLS // max(1, n_terms)))
    for start in range(0, len(z), step):  # bounded dense temporaries
        rows = slice(start, start + step)
        Xb = X[rows]
        Xd = np.asarray(Xb.todense() if hasattr(Xb, "todense") else Xb, dtype=np.float64)
        Xt = np.column_stack([np.ones(len(Xd)), Xd]) if fit_intercept else Xd
        parts.append(logit_interval(Xt, z[rows], cov, level, root))
    if parts:
        out = pd.concat(parts, ignore_index=True)
    else:
        out = logit_interval(np.zeros((0, n_terms)), z, cov, level)
    rows_index = pd.RangeIndex(len(z)) if index is None else pd.Index(index)
    if z.ndim == 2:
        out.index = pd.MultiIndex.from_product(
            [rows_index, list(classes)], names=[rows_index.name, "class"]
        )
    else:
        out.index = rows_index
    if result is not None:
        out.attrs["penalized"] = bool(result.penalized)
        out.attrs["caption"] = result.interval_caption(level)
    return out


#: Why an L1 fit's predictions have no intervals (``predict_interval``'s refusal).
L1_NO_INTERVALS = (
    "predict_interval: an L1 fit's predictions (alpha > 0, l1_ratio > 0) have no standard "
    "errors: its columns were selected on the same data, and a relax=True model's table is "
    "the unpenalised refit's, not these predictions'; a ridge (l1_ratio=0) or unpenalised "
    "fit has intervals"
)


class Predictor:
    """A fitted model's prediction face without scikit-learn: what a model file serves.

    :func:`oneneuron.modelfile.read_model` builds one beside the estimator
    (``SavedModel.predictor``); the command line's ``predict`` uses it, so that
    a prediction run imports neither scikit-learn nor SciPy. It computes exactly
    what :class:`~oneneuron.NeuronClassifier`'s methods compute (the same
    functions), bit for bit.

    It takes the model's columns as a 2-D NumPy array or SciPy CSR matrix (a table
    fitted through the design layer is coded first with ``design_.transform``, which
    gives CSR for a large, mostly-zero design), or a pandas or polars DataFrame or
    Arrow table,
    read as the estimator reads it: coded by the design, or its columns taken by
    name (``feature_names``), in any order, extra ones ignored. (It took a
    DataFrame's columns by position, so one with its columns in another order was
    predicted as other rows, silently.)

    Parameters
    ----------
    classes : array_like of shape (K,)
        The labels, in ``coef`` order.
    coef : array_like of shape (1, d) or (K, d)
        Coefficients on the original scale.
    intercept : array_like of shape (1,) or (K,)
        Intercepts.
    threshold : float, default=0.5
        Binary decision threshold on ``P(classes[1])``.
    fit_intercept : bool, default=True
        Whether the intercept is a parameter (for the intervals' covariance).
    has_offset : bool, default=False
        Whether the fit had an offset (then every prediction needs one).
    design : DesignSpec or None
        The table's design spec, kept for the caller's coding of tables.
    feature_names : list of str or None
        The column names the estimator was fitted with, if it had names.
    inference : dict or None
        The model file's inference record (read by :meth:`predict_interval`).
    l1_fit : bool, default=False
        Whether the fit had an L1 term (``alpha > 0``, ``l1_ratio > 0``): its
        predictions then have no intervals, as :meth:`NeuronClassifier.predict_interval`
        says.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.classifier import Predictor
    >>> p = Predictor([0, 1], [[2.0, -1.0]], [0.5])
    >>> p.predict_proba(np.array([[1.0, 1.0]])).round(4)
    array([[0.1824, 0.8176]])
    >>> p.predict(np.array([[1.0, 1.0], [-1.0, 0.0]]))
    array([1, 0])
    """

    def __init__(
        self,
        classes: ArrayLike,
        coef: ArrayLike,
        intercept: ArrayLike,
        *,
        threshold: float = 0.5,
        fit_intercept: bool = True,
        has_offset: bool = False,
        design: Any = None,
        feature_names: list[str] | None = None,
        inference: dict[str, Any] | None = None,
        l1_fit: bool = False,
    ) -> None:
        self.classes_ = np.asarray(classes)
        self.coef_ = np.atleast_2d(np.asarray(coef))
        self.intercept_ = np.atleast_1d(np.asarray(intercept))
        self.n_features_in_ = self.coef_.shape[1]
        self.threshold = float(threshold)
        self.fit_intercept = bool(fit_intercept)
        self.has_offset_ = bool(has_offset)
        self.design_ = design
        self.feature_names = None if feature_names is None else list(feature_names)
        self.inference = inference
        self.l1_fit = bool(l1_fit)
        self._inference: Any = None

    @property
    def inference_(self) -> Any:
        """The fit's :class:`~oneneuron.stats.InferenceResult` (None without a record)."""
        if self._inference is None and self.inference is not None:
            from ..stats import InferenceResult

            self._inference = InferenceResult.from_dict(self.inference)
        return self._inference

    def _table(self, X: Any) -> Any:
        """A pandas or polars DataFrame as the model's columns: coded by the design, or its
        columns picked by name (a model fitted on an array reads them by position, as
        scikit-learn does)."""
        if self.design_ is not None:
            report: dict[str, Any] = {}
            coded = self.design_.transform(X, report)
            warn_unknown(report)
            return coded
        if self.feature_names is None:
            return X
        given = list(getattr(X, "column_names", None) or X.columns)  # Arrow, or pandas/polars
        cols = [str(c) for c in given]
        lacking = [n for n in self.feature_names if n not in cols]
        if lacking:
            raise ValueError(
                f"X lacks {noun(len(lacking), 'column')} {', '.join(map(repr, lacking))} of "
                "the model"
            )
        at = [cols.index(n) for n in self.feature_names]
        if hasattr(X, "iloc"):
            return X.iloc[:, at]
        X = X.select([given[j] for j in at])  # polars and Arrow select by name
        return X.to_numpy() if hasattr(X, "to_numpy") else np.column_stack(X.columns)

    def _X(self, X: ArrayLike) -> Any:
        """X as floats: a NumPy array, or a SciPy CSR matrix as is (a large table's design,
        :meth:`~oneneuron.tables.DesignSpec.transform`; only then is SciPy loaded); a
        DataFrame read by :meth:`_table`."""
        if hasattr(X, "columns") and not isinstance(X, np.ndarray):  # pandas, polars, Arrow
            X = self._table(X)
        if getattr(X, "format", None) == "csr":
            if X.dtype not in (np.float64, np.float32):
                X = X.astype(np.float64)
        else:
            from ..engines import refuse_dtype, unmask_x  # the estimator's rules for X

            X = unmask_x(X, missing=False, fix=MASKED_PREDICT)
            refuse_dtype(X)
            X = np.asarray(X)
            if X.dtype not in (np.float64, np.float32):
                X = X.astype(np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X must be a 2-D array of the model's {counted(self.n_features_in_, 'column')}, "
                f"got shape {X.shape}"
            )
        values = X.data if getattr(X, "format", None) == "csr" else X
        with np.errstate(over="ignore", invalid="ignore"):  # one read, as the estimator's
            finite = bool(np.isfinite(values.sum())) or bool(np.isfinite(values).all())
        if not finite:  # a NaN or infinity: named as the estimator names it
            from ..engines import first_non_finite

            raise ValueError(f"{first_non_finite(X)}; a prediction needs every value: fill it")
        return X

    def decision_function(self, X: ArrayLike, *, offset: ArrayLike | None = None) -> Any:
        """Logits ``z = X @ coef_.T + intercept_ (+ offset)``: (n,) binary, (n, K) otherwise."""
        raw, X = X, self._X(X)
        off = prediction_offset(self.has_offset_, offset, X.shape[0], raw)
        return logits(X, self.coef_, self.intercept_, off)

    def predict_proba(self, X: ArrayLike, *, offset: ArrayLike | None = None) -> Any:
        """Class probabilities, shape (n, K), columns in the order of ``classes_``."""
        return proba_from_logits(self.decision_function(X, offset=offset))

    def predict_log_proba(self, X: ArrayLike, *, offset: ArrayLike | None = None) -> Any:
        """Log of :meth:`predict_proba`, computed from the logits."""
        return log_proba_from_logits(self.decision_function(X, offset=offset))

    def predict(self, X: ArrayLike, *, offset: ArrayLike | None = None) -> NDArray[Any]:
        """Labels: binary ``classes_[1]`` where ``P(classes_[1]) > threshold``; else argmax."""
        return labels_from_logits(
            self.decision_function(X, offset=offset), self.classes_, self.threshold
        )

    def predict_interval(
        self, X: ArrayLike, level: float = 0.95, *, offset: ArrayLike | None = None
    ) -> Any:
        """As :meth:`NeuronClassifier.predict_interval` (needs the inference record)."""
        if self.l1_fit:
            raise ValueError(L1_NO_INTERVALS)
        res = self.inference_
        if res is None:
            raise ValueError("predict_interval needs the model's inference record; it has none")
        res.check_available()
        z = self.decision_function(X, offset=offset)
        return interval_frame(
            self._X(X), z, res.cov, level, self.fit_intercept, self.classes_, result=res
        )

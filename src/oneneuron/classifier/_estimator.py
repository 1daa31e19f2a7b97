"""``NeuronClassifier``: the neuron as a scikit-learn estimator."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..engines import (
    check_missing_labels,
    check_row_weight_size,
    check_weights,
    detached,
    first_non_finite,
    input_kind,
    plain_arrays,
    refuse_complex_labels,
    refuse_dtype,
    refuse_row_values,
    refuse_times,
    unmask_labels,
    unmask_x,
)
from ..engines import predict as engine_predict
from ..objective import unmasked  # a masked weight or group is refused
from ..optim import OPTIMIZERS
from ..stats import (
    COV_TYPES,
    ChiSquareTest,
    InferenceResult,
    InferenceUnavailableError,
    format_summary,
    margeff_table,
    odds_ratio_table,
    percent,
    profile_intervals,
    summary_table,
    wald_test,
)
from ..tables import (
    MISSING,
    array_table,
    as_pandas,
    batch_as_table,
    is_table,
    refuse_mixed_names,
    refuse_multiindex,
    table_column,
)
from ..wording import counted
from . import _fit
from ._fit import _SOLVERS
from ._predictor import (
    L1_NO_INTERVALS,
    MASKED_PREDICT,
    column_importances,
    interval_frame,
    labels_from_logits,
    log_proba_from_logits,
    logits,
    model_column_names,
    penalty_kind,
    prediction_offset,
    proba_from_logits,
    restored_on_failure,
    warn_unknown,
)

__all__ = ["NeuronClassifier"]

_VALID_PARAMS: list[tuple[Any, ...]] = []  # recent parameter values that passed validation
#: The types of parameter values that are remembered: their ``==`` neither raises nor warns.
_PLAIN_TYPES = frozenset({bool, int, float, str, type(None)})


def refuse_other_reals(est: Any) -> None:
    """Raise scikit-learn's ``InvalidParameterError`` for a parameter that is a real
    number of another type than Python's and NumPy's (``fractions.Fraction(1, 2)``):
    scikit-learn's range check takes it for a number and then fails inside NumPy
    ("ufunc 'isnan' not supported for the input types"), naming no parameter."""
    from sklearn.utils._param_validation import InvalidParameterError

    for name in est._parameter_constraints:
        value = getattr(est, name, None)
        if isinstance(value, Real) and not isinstance(value, (int, float, np.number)):
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(est).__name__} must be a Python or NumPy "
                f"number, not a {type(value).__name__} ({value!r}); pass "
                f"{name}={float(value)!r}"
            )


@functools.cache
def _parameter_reader(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """The values of ``cls``'s validated parameters, read in one call (as a tuple)."""
    names = tuple(cls._parameter_constraints)  # type: ignore[attr-defined]
    get = operator.attrgetter(*names)
    return get if len(names) > 1 else lambda est: (get(est),)


def _validated_fit(fit: Callable[..., Any]) -> Callable[..., Any]:
    """``fit`` preceded by scikit-learn's parameter validation, unless its configuration
    skips it (``sklearn.set_config(skip_parameter_validation=True)``), as
    ``sklearn.base._fit_context`` does it.

    Decided: without that decorator's configuration context, which only spares the
    scikit-learn functions a fit calls their own validation (``fit`` here calls none
    that validates, on the plain path) and which cost 6-14% of a tiny fit (200 x 1:
    two ``set_config`` calls and the callback bookkeeping of estimators that support
    scikit-learn's callbacks, which this one does not). Invalid parameters are refused
    as before, with scikit-learn's ``InvalidParameterError``.
    """

    @functools.wraps(fit)
    def validated(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not get_config()["skip_parameter_validation"]:
            self._validate_params()
        with restored_on_failure(self):
            return fit(self, *args, **kwargs)

    return validated


#: The parameters that define a fitted model (its coefficients, covariance and the rows'
#: weights). The statistics refuse to run after set_params changed one of them without a
#: refit (as save() does); the others (threshold, solver, tol, max_iter, ...) may change.
MODEL_PARAMS = (
    "alpha",
    "l1_ratio",
    "penalty_factor",
    "relax",
    "fit_intercept",
    "standardize",
    "class_weight",
    "firth",
    "cov_type",
    "formula",
    "reference",
    "encoding",
    "missing",
)


#: The ``missing`` options that fill NaN cells in fit and predict alike (arrays too): the
#: estimators' tags allow NaN with them ("drop" drops rows in fit only, and a prediction
#: needs every row, so it does not).
FILLS_NAN = ("mean", "median", "most_frequent")


def score_labels(est: Any, X: Any, y: Any) -> Any:
    """The labels ``score`` compares with: ``y``, or the column of the table ``X`` that
    ``y`` names, or (``y`` omitted) the target of the model's formula, as ``fit`` reads them.

    scikit-learn's tools call ``score(X, None)`` when ``fit`` was given no ``y``
    (``cross_val_score(est, table)``, ``GridSearchCV(...).fit(table)``).
    """
    if y is not None and not isinstance(y, str):
        return y
    name = y if y is not None else getattr(getattr(est, "design_", None), "target", None)
    if name is None:
        raise ValueError(
            f"pass y, the labels to score against: {type(est).__name__}.score(X, y) (it may "
            "be omitted only when the model's formula names the target, 'y ~ ...')"
        )
    if not is_table(X):
        raise ValueError(f"y={name!r} names a column of a table, but X is a {type(X).__name__}")
    return table_column(X, name, "the labels")


def _same_value(a: Any, b: Any) -> bool:
    """Whether two parameter values are equal: dicts by their keys and values, array-likes
    of any library (NumPy, pandas, polars, pyarrow, torch, lists) by their values, as
    NumPy arrays (their own ``==`` gives arrays, which have no one truth value)."""
    if a is b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if any(hasattr(v, "__array__") or isinstance(v, (list, tuple)) for v in (a, b)):
        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b)))
        except Exception:  # noqa: BLE001  (values NumPy cannot read: unequal)
            return False
    try:
        with np.errstate(all="ignore"):
            return bool(a == b)
    except Exception:  # noqa: BLE001  (values without one truth value: unequal)
        return False


def check_score_weights(sample_weight: Any) -> None:
    """Refuse the row weights ``fit`` refuses (negative, NaN, infinite, all zero), naming
    the first bad row: scikit-learn's accuracy takes weights of both signs, whose weighted
    mean may be any number (5000.0 for weights that nearly cancel). So too weights whose
    size fit refuses (their sum overflowed to an accuracy of nan; subnormal ones lose
    their digits). Weights that are no plain numbers (or Dask's, lazy) are left to the
    scorer's own checks."""
    if sample_weight is None or input_kind(sample_weight) != "numpy":
        return
    try:
        sw = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):  # not numbers: scikit-learn's validation says so
        return
    if sw.ndim == 1:
        check_weights(sw)
        check_row_weight_size(sw)


def _raw_dask_table(X: Any, coded: Any) -> bool:
    """A Dask DataFrame whose columns are not the design's coded ones (a table's own;
    the coded columns in another order stay the engine's error, raised at once)."""
    if not (hasattr(X, "npartitions") and hasattr(X, "columns")):
        return False
    return set(map(str, X.columns)) != set(map(str, coded))


class NeuronClassifier(ClassifierMixin, BaseEstimator):
    """One neuron (binary) or one softmax layer (K > 2 classes), fitted exactly.

    The objective, for rows ``x_i``, labels ``y_i``, weights ``s_i`` (sample
    weight times class weight) and ``S = sum_i s_i``::

        (1/S) sum_i s_i * l(y_i, z_i)
            + alpha * (l1_ratio * sum_j pf_j |W'_j| + (1 - l1_ratio)/2 * sum_j pf_j W'_j^2)

    where ``l`` is the cross-entropy of one sigmoid neuron (2 classes) or of a
    softmax layer (K > 2; multinomial, never one-vs-rest), ``z_i = x_i' @ W'.T + b'``
    and ``x_i'`` are the standardised features ``(x_i - mu) / sigma`` when
    ``standardize=True`` or the raw ones otherwise. ``mu`` and ``sigma`` are
    weighted by the same full row weight ``s_i`` as the loss: one notion of row
    weight throughout, so ``class_weight`` is exactly the sample weight
    ``class_weight[y_i]`` and a row of weight ``k`` is ``k`` identical rows, in
    the coefficients and in the standardisation alike. The intercept ``b'`` is
    never penalised. ``alpha=0`` is plain maximum likelihood, as in the tutorials.
    ``pf_j`` is ``penalty_factor`` (all ones by default); ``l1_ratio=0`` (the
    default) is the ridge penalty ``(alpha/2) ||W'||^2``, ``l1_ratio=1`` the
    lasso, in between the elastic net (glmnet's and glum's parameterisation; for
    K > 2 the L1 term is on every class's coefficients, as scikit-learn's saga).
    With ``l1_ratio > 0`` many coefficients are exactly zero.

    Standardisation is folded into the coefficients (no scaled copy of X is
    made); ``coef_`` and ``intercept_`` are on the original scale, and predict
    applies the statistics learned at fit time. Hence, without weights,
    ``NeuronClassifier(alpha=a)`` equals
    ``make_pipeline(StandardScaler(), LogisticRegression(C=1/(n_samples*a)))``
    (``penalty=None`` when ``a = 0``), and ``standardize=False`` equals
    ``LogisticRegression`` on the raw X. With ``fit_intercept=False`` the
    features are only scaled, not centred (centring would create an intercept).

    Parameters
    ----------
    alpha : float, default=0.0
        Penalty strength on the standardised-scale coefficients.
    l1_ratio : float in [0, 1], default=0.0
        Share of the L1 term in the penalty (0: ridge, as before; 1: lasso).
        ``l1_ratio > 0`` with ``alpha > 0`` needs ``solver="cd"`` (``"auto"``
        picks it).
    penalty_factor : array of shape (n_features,) or dict, optional
        Per-feature multipliers ``pf_j`` of both penalty terms (glmnet's
        ``penalty.factor``, glum's ``P1``/``P2``): 0 leaves a feature
        unpenalised. A dict maps the model's column names (``feature_names_out_``:
        a table's coded terms such as ``g[T.b]``, not its input column ``g``; or
        ``x0, x1, ...``) to factors, others keep 1. Not rescaled (as glum;
        glmnet rescales them to sum to ``n_features``).
    relax : bool, default=False
        After an L1 fit (``l1_ratio > 0``, ``alpha > 0``), refit unpenalised on
        the columns it kept (glmnet's name); ``relaxed_`` holds that refit and
        :meth:`summary` shows its table, labelled: p-values computed after
        selecting the columns on the same data are optimistic. Without it,
        :meth:`summary` of an L1 fit refuses p-values. The likelihood statistics
        (``log_likelihood_``, ``aic_``, ...) are then the refit's, and ``cov_type``
        (and ``fit``'s ``cluster``) gives the refit's covariance. With a fit that has
        no L1 term, ``relax=True`` is an error.
    fit_intercept : bool, default=True
        Whether the neuron has a bias ``b``.
    standardize : bool, default=True
        Fit on standardised features (folded into the coefficients). Without an
        intercept the columns are divided by their (weighted) standard deviation and
        not centred (centring would change a model with no intercept to absorb it), so a
        penalty weighs each coefficient on that scale; glmnet divides by the root mean
        square there instead, and glum refuses to scale without an intercept.
    solver : {"auto", "newton", "subsampled-newton", "lbfgs", "gd", "sgd", "cd"}, default="auto"
        ``"cd"``: proximal Newton for L1 and elastic net, coordinate descent on
        the quadratic model of a working set of columns, KKT checked on all
        columns with one pass (see :mod:`oneneuron.solvers.active`); from
        10 000 rows its steps use the Hessian of a row subsample (n/8 rows,
        2 500 to 20 000) as the metric; the only
        solver for ``l1_ratio > 0``, which ``"auto"`` then picks;
        ``"gd"``: batch gradient descent from zeros, as in the tutorials;
        ``"sgd"``: shuffled minibatches with an ``optimizer``; ``"lbfgs"``;
        ``"newton"``: exact Hessian, Cholesky solve, line search, ridge fallback;
        ``"subsampled-newton"``: exact Newton on a random subsample of rows (n/20,
        at least 2 500 and 100 per parameter, at most ``SUBSAMPLE_ROWS``, 20 000),
        then full-data steps preconditioned by that Hessian, one pass each
        (see :mod:`oneneuron.solvers.subsampled`); the subsample is stratified
        by class: a class with few rows keeps at least a tenth of the subsample
        (all its rows, if it has fewer), reweighted so that the subsample still
        estimates the full objective;
        ``"auto"``: for at most ``AUTO_NEWTON_MAX_PARAMS`` (200) parameters,
        ``"subsampled-newton"`` on tall data (over four times that subsample)
        and ``"newton"`` otherwise; ``"lbfgs"`` for more parameters, or when
        ``alpha = 0`` and there are fewer rows than parameters (where that L-BFGS
        reaches ``max_iter`` unconverged, as on ill-conditioned raw features, and a
        Hessian is cheap, ``rows * n_params**2 <= 1e9``, Newton goes on from its
        point for up to ``max_iter`` more iterations: ``solver_`` is then
        ``"lbfgs+newton"``); ``"cd"`` when
        ``l1_ratio > 0`` and ``alpha > 0``. All but
        ``"gd"``/``"sgd"`` start from zero coefficients and the intercept at the
        log-odds of the class frequencies.
    tol : float, default=1e-8
        What it bounds depends on the kind of solver, and is scale-aware for the
        exact ones. ``"newton"`` stops after a step that moved every coefficient
        by at most ``tol * max(1, |coefficient|)`` (statsmodels' rule), measured on
        the standardised scale (``W sigma``, and the intercept of centred
        columns, ``b + W @ mu``) also with ``standardize=False``, so that it does
        not depend on the columns' units; Newton converges quadratically, so the result is
        then accurate to about ``tol**2`` relative (the default reproduces a
        tight statsmodels fit to better than 1e-8 relative in coefficients,
        standard errors and p-values). ``"subsampled-newton"`` converges
        linearly (a contraction of about 0.05-0.1 a step on tall data) and stops
        where its next step, which estimates the error, would move every
        coefficient by at most that much: accurate to about ``tol`` relative,
        without spending a pass on taking that step; or where the contraction of
        its last two steps predicts that the next one leaves an error below
        ``tol``, it takes that step without the pass that would only confirm it
        (``loss_`` and ``grad_norm_`` are then the model's estimates there,
        within round-off of the loss at the default ``tol``). ``"lbfgs"``
        stops when the Newton step estimated with the Hessian's diagonal at the
        start (``pi (1 - pi)`` for class frequency ``pi``, plus ``alpha``) is
        that small: ``max_j |g_j| / h_j / max(1, |theta_j|) <= tol``. ``"gd"`` and
        ``"sgd"`` (the tutorials' solvers) stop when ``max |grad| <= tol``; ``"cd"``
        when the KKT violation (the largest entry of the minimum-norm
        subgradient) is at most ``tol``; these gradient rules are in the units of
        the solver's coordinates, with ``standardize=False`` the raw features'
        (for ``"cd"`` the units of the L1 term the gradient is compared with). The
        solver's coordinates are the standardised features, except for
        ``standardize=False`` with the Newton solvers, gd or sgd (raw features);
        ``standardize=False`` with L-BFGS still works in standardised
        coordinates, penalising the raw coefficients, so the objective is the
        raw one but the solver converges as on standardised data (without
        intercept: scaled, not centred). Newton,
        subsampled Newton and L-BFGS also stop when the objective no longer
        decreases in float64 (a ``tol`` below what float64 resolves never makes
        them loop); ``stop_reason_`` says which rule stopped the fit.
    max_iter : int, default=1000
        Iterations (epochs for ``"sgd"``).
    learning_rate : float, optional
        Step size of ``"gd"`` (default 0.1) and ``"sgd"`` (default 0.01). Setting
        it with another solver is an error.
    optimizer : {"sgd", "momentum", "adam", "rmsprop"}, optional
        Update rule of ``"sgd"`` (default ``"adam"``); see :mod:`oneneuron.optim`.
    batch_size : int, optional
        Minibatch rows of ``"sgd"`` (default 32).
    threshold : float, default=0.5
        Binary only: predict the second class when its probability exceeds it.
    class_weight : dict or "balanced", optional
        Multiplies each row's weight by its class's weight (non-negative and
        finite). ``"balanced"`` gives class ``k`` the weight ``S / (K S_k)``, where
        ``S_k`` is the summed ``sample_weight`` of its rows (their count without
        sample weights), as scikit-learn does. At least two classes must keep a
        positive total weight; otherwise fitting raises ``ValueError``.
    warm_start : bool, default=False
        Start from the previous fit's coefficients (same classes and features).
    random_state : int, RandomState or None
        Seeds the minibatch order of ``"sgd"``, the rows of ``"subsampled-newton"``
        and, from 10 000 rows up, the rows whose Hessian is the metric of ``"cd"``'s
        steps (L1 and elastic net; it sets the path, not the optimum). None: a fixed
        seed, so fits are repeatable. A ``RandomState`` is drawn from once per fit
        where rows are sampled, never otherwise.
    record_path : bool, default=False
        Keep the parameter path in ``history_`` (for loss-surface plots).
    inference : {"auto", True, False}, default="auto"
        Compute the covariance for :meth:`summary` at fit time: ``True`` always
        (one extra Hessian pass unless Newton's last one is reused), ``False``
        never, ``"auto"`` when free (Newton) or cheap (``n * p^2 <= 1e8``).
        Likelihood statistics and the separation check are made in every case;
        see :mod:`oneneuron.stats`.
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}, default="nonrobust"
        Covariance of the coefficients, made at fit time (the estimator keeps no
        X): the inverse Hessian, or a heteroskedasticity-consistent or
        cluster-robust sandwich as R's ``sandwich::vcovHC``/``vcovCL``
        (``"cluster"`` needs ``fit(..., cluster=groups)``); one more pass over
        the data, and it forces the Hessian pass that ``inference="auto"`` may
        skip. Unpenalised fits (``alpha=0``) on NumPy/SciPy input; HC2 and HC3
        for binary models. See :mod:`oneneuron.stats._robust`.
    firth : bool, default=False
        Firth's bias-reduced logistic regression (Jeffreys-prior penalised
        likelihood, as R's ``logistf``): finite estimates under separation and
        less bias with rare events. Binary models, ``alpha=0``, NumPy/SciPy
        input (a dense copy of X is formed: hat values are needed every
        iteration); its own Newton iteration (``solver="auto"``; ``tol`` bounds
        ``max |U*| / sum(w)``, ``max_iter`` its iterations). The table's
        p-values are penalised likelihood-ratio tests; ``summary(ci="profile",
        X=..., y=...)`` profiles the penalised likelihood. See
        :mod:`oneneuron.stats._firth`.
    formula : str, optional
        A formula such as ``"default ~ balance + C(student) + balance:student"``
        (formulaic's syntax, as statsmodels' formula API): X is then a table
        (pandas/polars DataFrame, Arrow table) and ``y`` may be omitted when the
        formula names the target. Interactions, ``C()``, ``np.log``/``np.sqrt``/...,
        ``I(x ** 2)``, ``center(x)``, ``poly``/``bs`` fit; a model file stores
        only the allow-listed ones (see :mod:`oneneuron.tables._design`).
        A formula is Python code (formulaic evaluates it): never fit one from an
        untrusted source. A loaded model keeps the parsed spec (``design_``),
        never the formula string, and has ``formula=None``.
    reference : dict, optional
        Reference level per categorical column, e.g. ``{"student": "No"}``
        (default: the first level: category order, or sorted text; a category
        no training row holds is not a level).
    encoding : {"reference", "full"}, default="reference"
        Treatment coding against the reference level (``student[T.Yes]``), or
        one column per level (``student[Yes]``; not identified with an
        intercept unless ``alpha > 0``: unpenalised, the last level's column is
        aliased, as R's ``glm`` reports it, NA in the summary).
    missing : {"error", "drop", "mean", "median", "most_frequent"}, default="error"
        Missing cells of a table: an error naming the columns, counts and first
        rows; drop those rows (also rows with a missing ``y``, ``sample_weight``,
        ``offset`` or ``cluster``, as R's ``na.omit`` and the command line's
        ``--drop-missing``; the count is ``design_report_["dropped"]``); or fill raw
        columns with the training statistic before any transform (text columns, and
        numeric ones a formula codes as categories only, ``C(dose)``: the most
        frequent level).
        Tables with a boolean, text or categorical column, a formula, or any
        of these three options go through :class:`oneneuron.tables.DesignSpec`;
        an all-numeric pandas DataFrame with the defaults, and arrays, do not.
        A dense NumPy array with ``missing`` other than ``"error"`` does, as a
        table of numeric columns ``x0, x1, ...`` (a ``Pipeline``'s transformers
        hand over arrays): its NaN cells are dropped or filled as a table's,
        and the model fills a prediction's NaN cells the same way
        (``feature_names_in_`` stays unset). ``encoding`` is ignored for arrays
        (no categorical columns); ``reference`` is refused (no levels).

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
    coef_ : ndarray of shape (1, d) (binary) or (K, d)
        Original-scale weights, dtype of X (float32 stays float32).
    intercept_ : ndarray of shape (1,) or (K,)
    mean_, scale_ : ndarray of shape (d,)
        Standardisation statistics (zeros and ones when ``standardize=False``): the
        columns' (weighted) means and population standard deviations, ``ddof=0`` as
        ``X.std(0)`` and scikit-learn's ``StandardScaler`` (pandas' ``df.std()``
        divides by ``n - 1``).
    relaxed_ : NeuronClassifier
        With ``relax=True``: the unpenalised refit on the kept columns (a model
        file keeps its inference, which :meth:`summary` shows, but not this estimator).
    cv_record_ : CVRecord
        Only on a model loaded from a file that ``NeuronClassifierCV.save`` wrote:
        how cross-validation chose its alpha (see
        :class:`oneneuron.classifier.CVRecord`); refitting removes it.
    penalty_factor_ : ndarray of shape (d,)
        The per-feature penalty factors used (a dict resolved by name; ones by default).
    n_iter_ : int
    converged_ : bool
        The stopping rule of ``tol`` was met, or (exact solvers) the objective
        could no longer decrease in float64 and the decrease the remaining
        Newton step predicts is below the objective's round-off (taken as
        ``16 * sqrt(n_samples)`` ulps of its value, a sum over the rows): the
        optimum as far as float64 evaluation of this data resolves it.
    stop_reason_ : str
        One line saying why the solver stopped, with its stopping measure
        (set by ``fit``; stored in model files; absent after loading an older file).
    grad_norm_ : float
        Final ``max |grad|``, in the solver's coordinates (see ``tol``): with
        ``standardize=True`` the gradient along the standardised weights, not the
        raw ones a hand-written loop on ``X`` computes (estimated where
        ``"subsampled-newton"`` took its last step without a pass: see ``tol``);
        for ``"cd"`` the KKT violation, the largest entry of the minimum-norm
        subgradient (the smooth part's gradient is not small at an L1 optimum).
        ``stop_reason_`` names the measure.
    n_samples_fit_ : int
        Training rows.
    n_passes_ : float
        Passes over X the fit made (minibatches count fractionally).
    solver_ : str
        The solver actually used (``"auto"`` resolved; ``"firth-newton"`` with ``firth=True``;
        ``"lbfgs+newton"`` where ``"auto"``'s L-BFGS ran out of iterations and Newton finished).
    history_ : dict of ndarray
        ``"loss"``, ``"grad_norm"`` (as ``grad_norm_``: the solver's
        coordinates), ``"n_passes"`` per iteration (entry 0 is the start), plus
        ``"coef"`` (T, m, d) and ``"intercept"`` (T, m) on the original scale when
        ``record_path=True``.
    n_features_in_ : int
        Columns of the X given to ``fit`` (a table's columns, all of them, as
        scikit-learn counts them; not the model's coded columns, which are
        ``coef_.shape[1]``).
    feature_names_in_ : ndarray of str
        The names of those columns, present when X was a table (pandas or
        polars DataFrame, Arrow table) whose column names are all strings. A
        table whose names are all of other types (``pandas.DataFrame(array)``'s
        ``0, 1, ...``) has none, on every path (plain, ``missing=``, formula, CV,
        Dask): its columns are ``x0, x1, ...`` by position, in ``feature_names_out_``,
        summaries, model files and formulas, and a table given to predict is read by
        position; names that mix text and other types are a ``TypeError``. As
        in scikit-learn, so its validation, ``Pipeline``, ``GridSearchCV``,
        ``permutation_importance`` and the like see the table's columns. For a
        table coded by the design layer (categorical columns, ``formula``),
        every column of the table counts, the formula's target included. Tools
        that read ``coef_`` as one entry per input column (``SelectFromModel``,
        ``RFE``) cannot map a coded table's terms to its columns: give
        ``SelectFromModel`` ``importance_getter="column_importances_"`` (one entry
        per input column), or code the table in a ``ColumnTransformer`` in front
        of the neuron (``RFE`` refuses text columns itself).
    feature_names_out_ : ndarray of str
        The model's column names in ``coef_`` order (glum's ``feature_names_``):
        the design's terms (``student[T.Yes]``, ``x:C(g)[T.b]``) for a table it
        coded, else ``feature_names_in_``, or ``x0, x1, ...``. Summaries, model
        files, paths and a dict ``penalty_factor`` name these.
    inference_ : InferenceResult
        Coefficients, covariance and likelihood statistics for :meth:`summary`
        (sample weights as frequency weights); see :mod:`oneneuron.stats`.
    log_likelihood_, null_log_likelihood_, pseudo_r2_, aic_, bic_ : float
        Fit statistics (``pseudo_r2_`` is McFadden's). AIC and BIC count the
        design's rank, found when the Hessian is formed: with ``inference=False``
        (or ``"auto"`` skipping it) a column that is a combination of others
        still counts. A penalised fit's count is its effective degrees of freedom,
        as ``df_resid_``'s below (mgcv's AIC; an L1 fit's non-zero coefficients,
        as statsmodels' ``fit_regularized``).
    pseudo_r2_cox_snell_, pseudo_r2_nagelkerke_ : float
        Cox and Snell's ``1 - exp(2 (null_log_likelihood_ - log_likelihood_) / nobs)``
        (statsmodels' ``pseudo_rsquared(kind="cs")``) and Nagelkerke's rescaling of it
        to a largest value of 1 (the R-squared pair SPSS and R's ``DescTools`` print).
    deviance_, null_deviance_, df_resid_, df_null_ : float
        R's residual and null deviance (``-2`` log-likelihoods; the null model is
        :attr:`llr_`'s) and their degrees of freedom, ``nobs - k`` and ``nobs`` less
        the intercepts (statsmodels' GLM ``deviance``, ``null_deviance``,
        ``df_resid``). A penalised fit's ``k`` is its effective degrees of freedom
        (mgcv's ``edf``, ``tr(H_ll (H_ll + P)^-1)`` over the coefficients it kept; a
        pure L1 fit's non-zero coefficients; an elastic net's trace over its kept
        columns, from one Hessian pass where ``inference`` allows it, else their
        count, an upper bound: with K > 2 classes less the shifts of all K logits
        the likelihood does not see, the intercepts' and each feature's kept in every
        class; a ridge fit without its Hessian counts every term). Sample weights
        count as rows; grouped binomial data given as two rows per group have the
        rows' deviance, not R's grouped one.
    llr_, llr_df_, llr_pvalue_ : float, int, float
        Likelihood-ratio test of the model against its null model (statsmodels'
        ``llr``, ``df_model``, ``llr_pvalue``): ``2 (log_likelihood_ - null)`` on
        ``llr_df_ = df_null_ - df_resid_`` degrees of freedom (every coefficient but the
        intercepts; a penalised fit's effective degrees of freedom less the intercepts,
        a float, as ``df_resid_`` counts them). The null model is the
        intercept-only one (intercept plus ``offset`` with an offset); without
        ``fit_intercept`` it is the model whose linear predictor is 0 (plus the
        offset), as R's ``glm``, not statsmodels' intercept-only model, which a
        model without intercept does not nest. ``llr_pvalue_`` is NaN for a
        penalised (``alpha > 0``) or Firth fit; see :mod:`oneneuron.stats.inference`.
    separation_ : str
        ``"none"``, ``"quasi-complete"``, ``"complete"`` or ``"not checked"``. Where
        the separation linear program cannot run (Dask and array-API input, whose rows
        are not in memory, or a program too large), a converged fit whose Hessian's
        every flat direction one pass over the rows shows to be the design's (nearly
        collinear columns, not rows fitted with probabilities 0 or 1) gives
        ``"none"``: separation would flatten the Hessian along its own direction.
    has_offset_ : bool
        Whether the fit had an ``offset`` (then every prediction needs one).
    design_ : DesignSpec
        How a table becomes the model's columns (fits on tables only; see
        ``missing``); ``feature_names_out_`` are then its term names. Such a
        model predicts on tables (coded by ``design_``, which reads their columns
        by name, in any order) or on a NumPy array of its coded columns.
    design_report_ : dict
        ``{"rows": rows used, "dropped": rows dropped, "kept": row mask}`` of a
        fit on a table, ``"filled"`` (the missing feature cells a fill replaced, in
        the rows kept) with ``missing='mean'``, ``'median'`` or ``'most_frequent'``,
        and ``"empty_levels"`` (``{column: [levels]}``) where a
        categorical level has no training row of positive weight (its column
        makes the Hessian singular; the reason ``summary()`` gives names it).

    Examples
    --------
    >>> from oneneuron import NeuronClassifier
    >>> from oneneuron.datasets import load_exam_scores
    >>> X, y, names = load_exam_scores()
    >>> clf = NeuronClassifier().fit(X, y)
    >>> clf.coef_.round(4).tolist(), clf.intercept_.round(3).tolist()
    ([[0.2062, 0.2015]], [-25.161])
    >>> clf.predict_proba([[45, 85]])[:, 1].round(3).tolist()
    [0.776]
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "penalty_factor": ["array-like", dict, None],
        "relax": ["boolean"],
        "fit_intercept": ["boolean"],
        "standardize": ["boolean"],
        "solver": [StrOptions(_SOLVERS)],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "optimizer": [StrOptions(set(OPTIMIZERS)), None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "threshold": [Interval(Real, 0, 1, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "record_path": ["boolean"],
        "inference": [StrOptions({"auto"}), "boolean"],
        "cov_type": [StrOptions(set(COV_TYPES))],
        "firth": ["boolean"],
        "formula": [str, None],
        "reference": [dict, None],
        "encoding": [StrOptions({"reference", "full"})],
        "missing": [StrOptions(set(MISSING))],
    }

    def __init__(
        self,
        *,
        alpha: float = 0.0,
        l1_ratio: float = 0.0,
        penalty_factor: ArrayLike | dict[str, float] | None = None,
        relax: bool = False,
        fit_intercept: bool = True,
        standardize: bool = True,
        solver: str = "auto",
        tol: float = 1e-8,
        max_iter: int = 1000,
        learning_rate: float | None = None,
        optimizer: str | None = None,
        batch_size: int | None = None,
        threshold: float = 0.5,
        class_weight: dict[Any, float] | str | None = None,
        warm_start: bool = False,
        random_state: Any = None,
        record_path: bool = False,
        inference: bool | str = "auto",
        cov_type: str = "nonrobust",
        firth: bool = False,
        formula: str | None = None,
        reference: dict[str, str] | None = None,
        encoding: str = "reference",
        missing: str = "error",
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.relax = relax
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.threshold = threshold
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.record_path = record_path
        self.inference = inference
        self.cov_type = cov_type
        self.firth = firth
        self.formula = formula
        self.reference = reference
        self.encoding = encoding
        self.missing = missing

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = self.missing in FILLS_NAN
        # settings whose fit refuses K > 2 classes (with scikit-learn's words for it)
        binary_only = self.firth in (True,) or self.cov_type in ("HC2", "HC3")
        tags.classifier_tags.multi_class = not (binary_only or self.threshold != 0.5)
        return tags

    # ------------------------------------------------------------------ fit
    @_validated_fit
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        *,
        cluster: ArrayLike | None = None,
        offset: ArrayLike | None = None,
    ) -> NeuronClassifier:
        """Fit the neuron by minimising the objective above.

        Parameters
        ----------
        X : array_like or sparse CSR matrix of shape (n_samples, n_features)
            float32 is kept float32 (coefficients included); other numeric
            dtypes become float64. NaN (unless ``missing=`` fills or drops it)
            or infinity is an error, and so is a
            column whose root mean square exceeds ``sqrt(finfo.max) / 16`` (about
            8e152 in float64, 1e18 in float32), or whose squares overflow: the
            Hessian sums them; so is a column, not all zeros, whose root mean
            square is below ``16 / sqrt(finfo(float64).max)`` (about 1.2e-153: its
            squares underflow, and its coefficient's variance would overflow).
            The message names the column; no raw warning.
            A torch tensor or CuPy array is used where it lives (array API; the
            solver stays on the host); a dask array or DataFrame is fitted chunk
            by chunk (see ``oneneuron.engines``). Predictions then come back in
            the input's namespace (lazy for Dask).
        y : array_like of shape (n_samples,), optional
            Class labels of any type (ints, strings, bools); at least two classes.
            Omitted only when ``formula`` names the target (``"y ~ ..."``). A table
            X that still holds them (a column named as the Series ``y`` and equal
            to it, without ``formula``) is an error: the labels would be a feature.
        sample_weight : array_like of shape (n_samples,), optional
            Non-negative row weights (frequency weights for the statistics; for
            sampling weights take ``cov_type="cluster"`` with one cluster per row, as
            the user guide's "Weights of other meanings" says).
        cluster : array_like of shape (n_samples,), optional
            Cluster label of each row, for ``cov_type="cluster"`` (required then,
            an error otherwise).
        offset : array_like of shape (n_samples,), optional
            Binary, NumPy/SciPy input: a known term added to each row's logit,
            ``z = X @ coef_.T + intercept_ + offset`` (e.g. a log exposure). The
            model then needs ``offset=`` in every prediction.

        For a table ``X``, ``sample_weight``, ``cluster`` and ``offset`` may be the
        names of its columns (as ``y`` may, and the predictions' ``offset=``);
        without ``formula`` such a column is then no feature.

        Returns
        -------
        self
        """
        _fit.fit(self, X, y, sample_weight, cluster, offset)
        self._remember_fitted_params()
        return self

    def _remember_fitted_params(self) -> None:
        """Record the :data:`MODEL_PARAMS` the fitted state describes (fit, model files)."""
        import copy

        self._fitted_params = {
            k: v if type(v) in _PLAIN_TYPES else copy.deepcopy(v)  # immutable: no copy
            for k in MODEL_PARAMS
            for v in (getattr(self, k),)
        }

    def _check_fitted_params(self) -> None:
        """Refuse statistics when set_params changed a parameter of :data:`MODEL_PARAMS`
        after the fit: they would read the new value against the old fit (a ValueError
        naming the parameter, its two values and the remedy)."""
        fitted = self.__dict__.get("_fitted_params")
        for name, value in (fitted or {}).items():
            now = getattr(self, name)
            if not _same_value(now, value):
                raise ValueError(
                    f"{name} was changed after the fit ({value!r} -> {now!r}, by set_params); "
                    "the coefficients and statistics describe the fitted model: refit "
                    f"(fit again), or set {name} back"
                )

    # -------------------------------------------------------------- predict
    def _validate_params(self) -> None:
        """scikit-learn's parameter validation, skipped for parameter values seen valid before.

        Validation inspects signatures and costs about 0.3 ms, half of a whole fit
        of a tiny problem; the last few valid parameter sets are remembered per
        class (a verdict depends only on the values and their types). Only sets of
        plain Python values are remembered: comparing other values (a polars Series
        with a pyarrow array, a NumPy float32 with 1e300) may raise or warn.
        """
        cls = type(self)
        values = _parameter_reader(cls)(self)
        # with their types: 1000.0 == 1000 and 1 == True, but only one of each is valid
        types = tuple(map(type, values))
        plain = all(kind in _PLAIN_TYPES for kind in types)
        key = (cls, values, types)
        if plain and key in _VALID_PARAMS:
            return
        refuse_other_reals(self)
        super()._validate_params()
        if plain:
            _VALID_PARAMS.append(key)
            del _VALID_PARAMS[:-8]

    def _checked_input(self, X: ArrayLike) -> Any:
        """``X`` as every prediction takes it (a RecordBatch as its table), after the
        checks every prediction makes: not a lazy query, names that scikit-learn reads,
        none repeated, some columns and some rows."""
        check_is_fitted(self)
        X = batch_as_table(X)  # a pyarrow RecordBatch is the Table it holds
        _fit.check_not_lazy(X)
        refuse_multiindex(X)
        refuse_mixed_names(X)
        _fit.refuse_no_columns(X)
        _fit.refuse_no_rows(X, type(self).__name__)
        return X

    def _validate_predict(self, X: ArrayLike) -> Any:
        X = self._checked_input(X)
        design = getattr(self, "design_", None)
        fills = design is not None and bool(design.array_columns())  # fitted with missing=
        X = unmask_x(X, missing=fills, fix=MASKED_PREDICT)  # masked cells are missing values
        if design is None or fills:  # (a table's model names what an array is, below)
            refuse_dtype(X)
        refuse_times(X)
        if design is not None:
            d = len(design.names)
            if not is_table(X):
                fast = plain_arrays(X, n_features=d)
                if fast is not None:  # the model's columns, already coded
                    return fast[0]
                if design.array_columns():  # fitted on an array with missing=
                    return self._validate_array_design(X)
                X = self._raw_columns_array(X)
            if not is_table(X):
                shape = getattr(X, "shape", None)
                what = type(X).__name__
                if shape is not None and len(shape) == 2:
                    what += f" of {counted(shape[1], 'column')} of dtype {getattr(X, 'dtype', '?')}"
                raise ValueError(
                    "this model was fitted on a table: predict on a pandas or polars "
                    "DataFrame or an Arrow table with its columns (or a float NumPy array "
                    f"of its {d} coded columns, or an object array of its "
                    f"{counted(self.n_features_in_, 'column')} in order), not a {what}"
                )
            if not hasattr(self, "feature_names_in_"):
                X = self._by_position(X)
            report: dict[str, Any] = {}  # the call's own: predicting changes no state
            coded = design.transform(X, report)
            warn_unknown(report)
            return coded.astype(np.float32) if _fit.float32_table(design, X) else coded
        if not hasattr(self, "feature_names_in_"):
            fast = plain_arrays(X, n_features=self.n_features_in_)
            if fast is not None:
                return fast[0]
        elif is_table(X):  # read by name, as the design layer reads a table
            X = _fit.columns_by_name(X, self.feature_names_in_)
        try:
            return validate_data(
                self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
            )
        except ValueError as exc:  # NaN or infinity: name the cell, as fit does
            if "could not convert" in str(exc):  # fit's words
                raise ValueError(f"X must be numeric: {exc}") from None
            where = first_non_finite(X) if "NaN" in str(exc) or "infinity" in str(exc) else None
            shape, d = np.shape(X), self.n_features_in_
            if where is None and "features, but" in str(exc) and len(shape) == 2:
                if shape[0] == d and shape[1] != d:  # (n_features, m): some courses' layout
                    raise ValueError(
                        f"{str(exc).rstrip('.')}; one column per sample, as some courses "
                        "keep X? pass X.T"
                    ) from None
            if where is None:
                raise
            raise ValueError(f"{where}; a prediction needs every value: fill it") from None

    def _raw_columns_array(self, X: Any) -> Any:
        """An object array of the fitted table's own columns, as a pandas frame.

        Decision (scikit-learn's rule for an array given to a model fitted with names):
        scikit-learn's tools that cannot index a polars or Arrow table
        (``permutation_importance``, ``check_array(X, dtype=None)``) hand the model an
        object array of its columns; one with as many columns as the fitted table is
        read by position, with scikit-learn's warning that it has no names. Anything
        else is returned as it came (the caller refuses it, naming what it is).
        """
        if not (
            type(X) is np.ndarray
            and X.dtype == object
            and X.ndim == 2
            and X.shape[1] == self.n_features_in_
        ):
            return X
        import pandas as pd
        from sklearn.utils.validation import _check_feature_names

        _check_feature_names(self, X, reset=False)  # scikit-learn's warning for no names
        names = getattr(self, "feature_names_in_", None)  # none: read by position below
        return pd.DataFrame(X, columns=None if names is None else list(names)).infer_objects()

    def _by_position(self, X: Any) -> Any:
        """The table ``X`` for a design fitted without column names, read by position.

        Decision (scikit-learn's rule, as on the plain path): a model fitted on a table
        whose names were not text (or on an array, ``missing=``) has no
        ``feature_names_in_``; its design calls the columns ``x0, x1, ...``, and a table
        given to predict is read by position, whatever its names (a named one with
        scikit-learn's warning that the fit had none).
        """
        from sklearn.utils.validation import _check_feature_names

        _check_feature_names(self, X, reset=False)  # scikit-learn's warning for names
        df = as_pandas(X)
        if df.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {df.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input"
            )
        return df.set_axis([f"x{j}" for j in range(df.shape[1])], axis=1)

    def _validate_array_design(self, X: Any) -> Any:
        """An array for a model fitted on an array with ``missing=``: scikit-learn's
        checks (NaN allowed), then its NaN cells filled by the design as in training."""
        Xv = validate_data(
            self,
            X,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            reset=False,
            ensure_all_finite="allow-nan",
        )
        if hasattr(Xv, "tocsr"):
            if np.isnan(Xv.data).any():
                raise ValueError("X is a sparse matrix that stores NaN: pass X.toarray()")
            return Xv
        if not np.isnan(Xv).any():
            return Xv
        design = self.design_
        coded = design.transform(array_table(Xv))
        return coded.astype(np.float32) if Xv.dtype == np.float32 else coded

    def _predict_elsewhere(self, X: Any, method: str, offset: Any = None) -> Any:
        """``method`` on torch/CuPy (same device) or Dask (lazy) input, by its engine."""
        check_is_fitted(self)
        refuse_mixed_names(X)  # a Dask DataFrame's, as a pandas one's
        _fit.refuse_no_rows(X, type(self).__name__)  # torch, a Dask array of known length
        if offset is not None or getattr(self, "has_offset_", False):
            raise ValueError(
                "offsets are supported on NumPy/SciPy/pandas input only; predict this model "
                "on a NumPy array with offset="
            )
        design = getattr(self, "design_", None)
        if design is not None and _raw_dask_table(X, design.names):
            return self._predict_partitions(X, method)
        return engine_predict(self, X, method)

    def _predict_partitions(self, X: Any, method: str) -> Any:
        """``method`` of a Dask DataFrame holding the table's own columns (text, categories):
        each partition is coded by the model's design and predicted as a pandas table is,
        lazily, one task per partition."""
        import dask
        import dask.array as da

        K = len(self.classes_)
        wide = method in ("predict_proba", "predict_log_proba") or (
            method == "decision_function" and K > 2
        )
        shape = (np.nan, K) if wide else (np.nan,)
        dtype = self.classes_.dtype if method == "predict" else np.float64
        task = dask.delayed(getattr(self, method), pure=True)
        parts = [da.from_delayed(task(p), shape, dtype=dtype) for p in X.to_delayed()]
        return da.concatenate(parts)

    def _offset(self, offset: Any, n_samples: int, X: Any = None) -> NDArray[np.float64] | None:
        """The prediction offset: required exactly when the fit had one; a string names
        a column of the table ``X``."""
        return prediction_offset(getattr(self, "has_offset_", False), offset, n_samples, X)

    def decision_function(self, X: ArrayLike, *, offset: ArrayLike | None = None) -> Any:
        """Logits ``z = X @ coef_.T + intercept_ (+ offset)``: shape (n,) binary, (n, K) otherwise.

        ``offset`` (one value per row) is required exactly when the model was
        fitted with one; the same holds for every prediction method. So does
        this: an X without rows is refused (scikit-learn's ``ValueError``, 'Found
        array with 0 sample(s)') by every engine where its length is known
        without computing; a Dask DataFrame, whose length is not, stays lazy.
        """
        if not is_table(X) and input_kind(X) != "numpy":  # torch/CuPy, lazy Dask
            return self._predict_elsewhere(X, "decision_function", offset)
        raw, X = X, self._validate_predict(X)
        return logits(X, self.coef_, self.intercept_, self._offset(offset, X.shape[0], raw))

    def predict_proba(self, X: ArrayLike, *, offset: ArrayLike | None = None) -> Any:
        """Class probabilities, shape (n, K), columns in the order of ``classes_``.

        Binary: ``[sigmoid(-z), sigmoid(z)]`` (each computed directly, so tiny
        probabilities keep their precision); K > 2: ``softmax(Z)``.
        """
        if not is_table(X) and input_kind(X) != "numpy":  # torch/CuPy, lazy Dask
            return self._predict_elsewhere(X, "predict_proba", offset)
        return proba_from_logits(self.decision_function(X, offset=offset))

    def predict_log_proba(self, X: ArrayLike, *, offset: ArrayLike | None = None) -> Any:
        """Log of :meth:`predict_proba`, computed from the logits (never ``log 0``).

        In float32, where a probability rounds (e.g. to exactly 1.0), the log of the
        rounded float32 probability is returned so that ``exp`` of this equals
        :meth:`predict_proba`; where it underflows to 0, the finite log from the
        logits is kept.
        """
        if not is_table(X) and input_kind(X) != "numpy":  # torch/CuPy, lazy Dask
            return self._predict_elsewhere(X, "predict_log_proba", offset)
        return log_proba_from_logits(self.decision_function(X, offset=offset))

    def score(
        self,
        X: ArrayLike,
        y: ArrayLike | str | None = None,
        sample_weight: ArrayLike | None = None,
        *,
        offset: ArrayLike | None = None,
    ) -> float:
        """Mean accuracy of :meth:`predict` on ``X`` against ``y`` (weighted by
        ``sample_weight``), as scikit-learn's ``ClassifierMixin.score``.

        ``y`` is taken as ``fit`` takes it: the labels, the name of the table's target
        column, or omitted when the formula names the target (so that
        ``cross_val_score(clf, table)`` and ``GridSearchCV(clf, ...).fit(table)``
        score a model fitted without ``y``).

        On Dask input it is reduced on the cluster, chunk by chunk (``y`` and
        ``sample_weight`` then are Dask Series/arrays, or NumPy where X's row chunks
        are known); other input is scored by scikit-learn. A model fitted with an
        ``offset`` needs one here too (one value per row), as :meth:`predict` does.

        Examples
        --------
        >>> from oneneuron import NeuronClassifier
        >>> from oneneuron.datasets import load_exam_scores
        >>> X, y, _ = load_exam_scores()
        >>> round(NeuronClassifier().fit(X, y).score(X, y), 2)
        0.89

        As :meth:`fit`, a table's target is also taken by its column's name
        (``score(df, "y")``), or, where the fit named it (``fit(df, "y")``, or a
        formula ``y ~ ...``), from that column (``score(df)``).
        """
        y = unmask_labels(detached(score_labels(self, X, y)))  # masked labels: refused
        refuse_complex_labels(y)
        if isinstance(y, np.ndarray) and y.dtype == object:
            check_missing_labels(y)
        sample_weight = unmasked(detached(sample_weight), "sample_weight")
        refuse_row_values(sample_weight, "sample_weight")
        check_score_weights(sample_weight)
        if not is_table(X) and input_kind(X) == "dask":
            if offset is not None:  # never taken and dropped
                raise ValueError(
                    "score with an offset takes NumPy/pandas input; on Dask, compare "
                    "predict(X, offset=...) with y"
                )
            from ..engines import dask_accuracy

            return dask_accuracy(self, X, y, sample_weight)
        if offset is not None:  # scikit-learn's score has no offset to pass on
            from sklearn.metrics import accuracy_score

            labels = self.predict(X, offset=offset)
            return float(accuracy_score(y, labels, sample_weight=sample_weight))
        return float(super().score(X, y, sample_weight=sample_weight))

    def predict(self, X: ArrayLike, *, offset: ArrayLike | None = None) -> NDArray[Any]:
        """Labels: binary ``classes_[1]`` where ``P(classes_[1]) > threshold``; else argmax."""
        self._check_threshold()
        if not is_table(X) and input_kind(X) != "numpy":  # torch/CuPy, lazy Dask
            return self._predict_elsewhere(X, "predict", offset)
        Z = self.decision_function(X, offset=offset)
        return labels_from_logits(Z, self.classes_, self.threshold)

    def _check_threshold(self) -> None:
        """Refuse a ``threshold`` set after the fit (``set_params``) as the fit refuses it:
        outside (0, 1) or not a number, or other than 0.5 for more than two classes (where
        predict takes the most probable class: it would be ignored)."""
        t = self.threshold
        if type(t) is float and t == 0.5:  # the default: nothing to check
            return
        from sklearn.utils._param_validation import validate_parameter_constraints

        check_is_fitted(self)
        validate_parameter_constraints(
            {"threshold": self._parameter_constraints["threshold"]},
            {"threshold": t},
            caller_name=type(self).__name__,
        )
        if len(self.classes_) > 2 and t != 0.5:
            raise ValueError(
                f"threshold={t} applies to binary problems only; this model has "
                f"{len(self.classes_)} classes (set threshold=0.5)"
            )

    @property
    def feature_names_out_(self) -> NDArray[np.object_]:
        """The model's column names, in ``coef_`` order (``student[T.Yes]`` for a level).

        For a table fitted through the design layer (``design_``) these are its
        terms, as statsmodels' formula API names its parameters; otherwise the
        input's column names (``feature_names_in_``), or ``x0, x1, ...``. Unlike
        ``feature_names_in_`` (the columns of the X given to ``fit``), these name
        the columns of ``coef_``; summaries, model files, paths and a dict
        ``penalty_factor`` use them.
        """
        return model_column_names(self)

    @property
    def penalty(self) -> str | None:
        """The penalty's kind, read from ``alpha`` and ``l1_ratio`` (not a parameter).

        ``None`` when ``alpha == 0``, else ``"l1"`` (``l1_ratio == 1``), ``"l2"``
        (``l1_ratio == 0``) or ``"elasticnet"``. scikit-learn reads it:
        ``SelectFromModel`` gives an ``"l1"`` fit the threshold 1e-5 (every column
        whose coefficient is not zero), as it gives ``LogisticRegression(l1_ratio=1)``.
        """
        return penalty_kind(self.l1_ratio) if self.alpha != 0 else None

    @property
    def column_importances_(self) -> NDArray[np.float64]:
        """One importance per input column, shaped as ``coef_``: ``(m, n_features_in_)``.

        ``coef_`` has one column per *model* column, which for a table the design
        layer codes (a categorical's levels, a formula's terms) is not one per input
        column, so ``SelectFromModel`` reading ``coef_`` gives a support of the wrong
        length (and ``transform`` fails). Entry ``[k, c]`` is the Euclidean norm of
        ``coef_[k]`` over the model columns that involve input column ``c`` (an
        interaction ``x:z`` counts for both), 0 for a column the model does not use
        (a formula's target); for uncoded input it is ``abs(coef_)``. Pass it as
        ``SelectFromModel(NeuronClassifier(), importance_getter="column_importances_")``;
        the selection then keeps input columns, by name. Like ``coef_``, it depends on
        the columns' scales.

        Examples
        --------
        >>> from oneneuron import NeuronClassifier
        >>> import pandas as pd
        >>> from sklearn.feature_selection import SelectFromModel
        >>> X = pd.DataFrame({"x": [0.1, 0.9, 0.4, 1.2, 0.3, 1.5, 0.8, 0.2],
        ...                   "g": ["a", "b", "c", "b", "a", "c", "c", "a"]})
        >>> y = [0, 1, 0, 1, 0, 1, 1, 0]
        >>> sel = SelectFromModel(NeuronClassifier(alpha=1.0),
        ...                       importance_getter="column_importances_").fit(X, y)
        >>> sel.estimator_.column_importances_.shape, sel.get_support().tolist()
        ((1, 2), [True, False])
        """
        check_is_fitted(self, "coef_")
        return column_importances(self)

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        """The model's column names in ``coef_`` order, as scikit-learn's method returns them.

        ``input_features`` names the input's columns, as a ``Pipeline`` passes the
        names its earlier steps give (checked by scikit-learn's rules against
        ``feature_names_in_``, or ``n_features_in_`` where the fit had no names).
        The model's columns are then those names (one coefficient per input
        column, also for an array whose missing cells ``missing=`` fills), or the
        design's terms for a table it coded. Without ``input_features``:
        :attr:`feature_names_out_`.
        """
        from sklearn.utils.validation import _check_feature_names_in

        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        design = getattr(self, "design_", None)
        # an array's columns coded as they are (missing= fills them) keep one coefficient
        # per input column: named as given, as without missing=
        coded = design is not None and not (
            design.array_columns() and not hasattr(self, "feature_names_in_")
        )
        if input_features is None or coded:
            return self.feature_names_out_
        return np.asarray(names, dtype=object)

    # ------------------------------------------------------------ model file
    def save(self, path: Any, *, overwrite: bool = False) -> None:
        """Write the fitted model to a JSON file; see :func:`oneneuron.save`.

        Reload it with :func:`oneneuron.load`; the copy predicts bitwise identically.

        Parameters
        ----------
        path : str or path-like
            Destination, written atomically (temporary file, then rename).
        overwrite : bool, default=False
            Replace an existing file; otherwise it raises ``FileExistsError``.
        """
        from . import write_model_file  # the writer the package registered (modelfile)

        write_model_file(self, path, overwrite=overwrite)

    # ------------------------------------------------------------ statistics
    def _set_inference(self, res: InferenceResult) -> None:
        """Store an inference result and the statistics read from it (fit or model file)."""
        self.inference_ = res
        self.log_likelihood_ = res.log_likelihood
        self.null_log_likelihood_ = res.null_log_likelihood
        st = res.fit_statistics()  # the properties of res, read in one go
        self.pseudo_r2_ = st["pseudo_r2"]
        self.pseudo_r2_cox_snell_ = st["pseudo_r2_cox_snell"]
        self.pseudo_r2_nagelkerke_ = st["pseudo_r2_nagelkerke"]
        self.aic_ = st["aic"]
        self.bic_ = st["bic"]
        self.llr_ = st["llr"]
        self.llr_df_ = st["llr_df"]
        self.llr_pvalue_ = st["llr_pvalue"]
        self.deviance_ = st["deviance"]
        self.null_deviance_ = st["null_deviance"]
        self.df_resid_ = st["df_resid"]
        self.df_null_ = st["df_null"]
        self.separation_ = res.separation

    def _html_repr(self) -> str:
        """scikit-learn's estimator diagram, then the summary table once fitted (notebooks)."""
        base = super()._html_repr()
        res = getattr(self, "inference_", None)
        return base if res is None else base + res._repr_html_()

    def _inference(self) -> InferenceResult:
        check_is_fitted(self, "inference_")
        self._check_fitted_params()
        return self.inference_

    @property
    def covariance_(self) -> NDArray[np.float64]:
        """Covariance of ``[intercept, coef]`` per block (reference parameterisation)."""
        return self._inference().covariance()

    def cov_params(
        self, parameterization: str = "reference", *, reference_class: Any = None
    ) -> NDArray[np.float64]:
        """Covariance of the parameters, terms ordered as in :meth:`summary` (with the same
        ``parameterization`` and ``reference_class``)."""
        return self._inference().covariance(parameterization, reference_class)

    def summary(
        self,
        level: float = 0.95,
        parameterization: str = "reference",
        *,
        exp: bool = False,
        ci: str = "wald",
        X: Any = None,
        y: Any = None,
        sample_weight: Any = None,
        offset: Any = None,
        reference_class: Any = None,
    ) -> Any:
        """Coefficient table: ``coef, std_err, z, p_value, ci_low, ci_high`` per term.

        Parameters
        ----------
        level : float, default=0.95
            Coverage of the intervals.
        parameterization : {"reference", "sum-to-zero"}
            Multinomial only: classes relative to a reference class (as statsmodels'
            ``MNLogit``) or centred over classes (as ``coef_``).
        exp : bool, default=False
            Odds ratios: column ``odds_ratio = exp(coef)`` (K > 2 classes:
            ``relative_risk_ratio``, Stata's RRR; ``exp_coef`` for the sum-to-zero
            parameterisation), the delta method's ``std_err``, ``exp`` of the
            interval bounds (``z``, ``p_value`` unchanged).
        ci : {"wald", "profile"}, default="wald"
            ``"profile"``: profile-likelihood intervals (as R's ``confint``), for
            binary unpenalised fits; they refit the model, so the training data
            ``X, y`` (and ``sample_weight``, ``offset`` if the fit had them) must
            be given, since the estimator keeps no copy of X. For a model fitted
            on a table, ``X`` is that table (its missing cells as the fit's
            ``missing=`` had them) and ``y`` as in the fit: the labels, the
            target column's name, or omitted when the formula names the target.
            See :mod:`oneneuron.stats._profile`.
        reference_class : label, optional
            The class the others are compared with (reference parameterisation):
            by default ``classes_[0]``, the first in sorted order (scikit-learn's
            ``classes_``, and statsmodels' ``MNLogit`` on plain labels). statsmodels
            and R take a categorical response's first level instead, which may be
            another class: name it here for their table. Binary: the log-odds of
            the other class (the signs flip).

        Returns
        -------
        pandas.DataFrame
            Indexed by term (binary) or ``(class, term)``; ``attrs["caption"]``
            describes the model and ``attrs["penalized"]`` flags ``alpha > 0``.

        Raises
        ------
        oneneuron.stats.InferenceUnavailableError
            A ``ValueError``, when no covariance is available (separated classes, columns
            collinear to working precision that the fit needs, or the Hessian pass was
            skipped); the message names the cause and fix. An exactly aliased column
            (a linear combination of earlier ones, as R's ``glm`` decides) is no refusal:
            its row is NaN (``NA`` in the text) and the rest are the fit without it.
        ValueError
            When ``set_params`` changed a parameter that defines the fitted model
            (:data:`MODEL_PARAMS`: ``alpha``, ``l1_ratio``, ``fit_intercept``,
            ``class_weight``, ``cov_type``, ...) after the fit; every statistic
            (``predict_interval``, ``margeff``, ``wald_test``, ``diagnostics``,
            ``anova``, profile intervals) refuses alike. ``threshold`` may change.
        """
        if ci not in ("wald", "profile"):
            raise ValueError(f"ci must be 'wald' or 'profile', got {ci!r}")
        if ci == "wald" and any(v is not None for v in (X, y, sample_weight, offset)):
            raise ValueError("X, y, sample_weight and offset are used by ci='profile' only")
        table = summary_table(
            self._inference(), level, parameterization, reference_class=reference_class
        )
        if ci == "profile":
            if reference_class is not None:
                raise ValueError("ci='profile' intervals are for the default reference class")
            if X is None:
                raise ValueError(
                    "ci='profile' refits the model on its training data, which the estimator "
                    "does not keep: call summary(ci='profile', X=X, y=y)"
                )
            bounds = profile_intervals(
                self, X, y, sample_weight=sample_weight, offset=offset, level=level
            )
            table["ci_low"], table["ci_high"] = bounds[:, 0], bounds[:, 1]
            table.attrs["caption"] += f"\n{percent(level)} intervals: profile likelihood"
        return odds_ratio_table(table) if exp else table

    def summary_text(
        self,
        level: float = 0.95,
        parameterization: str = "reference",
        *,
        exp: bool = False,
        reference_class: Any = None,
    ) -> str:
        """:meth:`summary` as plain text with its caption, for terminals and ``evaluate``."""
        return format_summary(self._inference(), level, parameterization, exp, reference_class)

    def predict_interval(
        self, X: ArrayLike, level: float = 0.95, *, offset: ArrayLike | None = None
    ) -> Any:
        """Predicted probabilities with confidence intervals, per row (and class).

        Binary: the probability of ``classes_[1]``, by the delta method on the
        logit scale: ``se_logit = sqrt(x~.T V x~)`` with ``V`` the fit's
        covariance (its ``cov_type``), interval ``sigmoid(z -/+ q se_logit)``, as
        statsmodels' ``GLM.get_prediction`` and R's ``predict(se.fit=TRUE)``.
        It is an interval for the probability (the mean), not for a new label.

        K > 2 classes: one row per row and class (index ``(row, class)``), the
        same construction on each class's own log-odds ``log(P_k / (1 - P_k))``
        (class k against the others; ``se_logit`` is its standard error), so
        each interval stays in (0, 1). They are intervals one class at a time,
        not a joint region: the bounds of a row need not sum to 1. See
        :mod:`oneneuron.stats._effects` for the gradient.

        An L1 fit (``alpha > 0``, ``l1_ratio > 0``) has no intervals, with or
        without ``relax=True``: its columns were selected on the same data, and a
        relaxed model's table is the unpenalised refit's, not its own predictions';
        a ridge (``l1_ratio=0``) or unpenalised fit has them.

        Parameters
        ----------
        X : array_like or sparse CSR matrix, shape (n, d)
            NumPy/SciPy/pandas input.
        level : float, default=0.95
            Coverage, in (0, 1).
        offset : array_like of shape (n,), optional
            Required exactly when the model was fitted with one.

        Returns
        -------
        pandas.DataFrame
            Columns ``proba, se_logit, ci_low, ci_high``; X's index for a DataFrame
            (with K > 2, ``(that index, class)``). Its ``attrs`` say what the
            intervals are, as :meth:`summary`'s: ``penalized`` and a ``caption``;
            a penalised fit's (``alpha > 0``) are Laplace-approximate Bayesian
            intervals around shrunken coefficients, and its caption says so.

        Examples
        --------
        >>> from oneneuron import NeuronClassifier
        >>> from oneneuron.datasets import load_exam_scores
        >>> X, y, names = load_exam_scores()
        >>> clf = NeuronClassifier().fit(X, y)
        >>> clf.predict_interval([[45, 85]]).round(3)
           proba  se_logit  ci_low  ci_high
        0  0.776     0.719   0.459    0.934
        >>> import numpy as np
        >>> y3 = np.where(np.arange(100) % 4 == 0, 2, y)  # a third class
        >>> NeuronClassifier().fit(X, y3).predict_interval([[45, 85]]).round(3)
                 proba  se_logit  ci_low  ci_high
          class
        0 0      0.144     0.638   0.046    0.370
          1      0.425     0.430   0.241    0.632
          2      0.431     0.426   0.247    0.635
        """
        res = self._inference()  # (refuses parameters changed after the fit first)
        if self.alpha > 0 and self.l1_ratio > 0:
            raise InferenceUnavailableError(L1_NO_INTERVALS)
        res.check_available()
        index = getattr(X, "index", None) if hasattr(X, "columns") else None
        if not is_table(X) and input_kind(X) != "numpy":  # torch/CuPy, lazy Dask
            z = self.decision_function(X, offset=offset)
            Xv = self._validate_predict(X)
        else:  # the table coded once (one pass, one unseen-category warning)
            Xv = self._validate_predict(X)
            z = logits(Xv, self.coef_, self.intercept_, self._offset(offset, Xv.shape[0], X))
        return interval_frame(
            Xv, z, res.cov, level, self.fit_intercept, self.classes_, index, result=res
        )

    def wald_test(self, hypothesis: str | Sequence[str]) -> ChiSquareTest:
        """Wald chi-squared test of linear restrictions on the terms, e.g. ``"x1 = x2"``.

        Uses the fit's covariance (its ``cov_type``); see :func:`oneneuron.wald_test`.

        Examples
        --------
        >>> from oneneuron import NeuronClassifier
        >>> from oneneuron.datasets import load_exam_scores
        >>> X, y, names = load_exam_scores()
        >>> NeuronClassifier().fit(X, y).wald_test("x0 = 0, x1 = 0").df
        2
        """
        return wald_test(self._inference(), hypothesis)

    def margeff(
        self,
        X: ArrayLike,
        at: str = "overall",
        *,
        sample_weight: ArrayLike | None = None,
        level: float = 0.95,
        dummy: bool = False,
        by: str = "variable",
        offset: ArrayLike | None = None,
    ) -> Any:
        """Marginal effects ``dP/dx`` with delta-method standard errors.

        A ``relax=True`` model gives its refit's effects (``relaxed_``, the model its
        ``summary()`` reports) on the columns the L1 fit kept, one per column.

        ``at="overall"``: averaged over the rows of X (average marginal effects);
        ``at="mean"``: at the means (as statsmodels' ``get_margeff``).
        Binary: effects on ``P(classes_[1])``; K > 2: on every class's
        probability. See :mod:`oneneuron.stats._margins` for the formulas.

        A model fitted on a table or a formula (it has ``design_``) reports one
        row per variable of the table (``by="variable"``): ``x + I(x**2)`` gives
        one effect for ``x``, a categorical the discrete change of each level
        against its reference (rows ``g[T.level]``), a boolean the change from
        False to True; ``at="mean"`` then evaluates them at one point, the means
        of the variables: numeric ones at their means, booleans and categoricals
        at their sample shares (each ``g[T.level]`` indicator at the level's
        share), transforms and interactions formed from those (``I(x**2)`` at
        ``mean(x)**2``), as Stata's ``margins, dydx(*) atmeans``. ``by="column"``
        gives one row per model column instead, as a model fitted on arrays
        always does.

        Parameters
        ----------
        X : table or array_like, shape (n, d)
            The rows to average over or take the mean of (usually the training
            data): the table itself for per-variable effects. Its missing cells
            follow the fit's ``missing=`` (``"drop"``: those rows are left out,
            and the matching ``sample_weight`` and ``offset`` values).
        at : {"overall", "mean"}, default="overall"
        sample_weight : array_like of shape (n,), optional
            Weights of the average (and of the mean). Without them every row of
            X weighs 1, whatever the fit's ``class_weight``: class weights
            reweight the fit's loss (a device to rebalance classes), not the
            population whose average effect is asked for, so the effects are
            those of the data as given (statsmodels, which has no class weights,
            averages the same way). For the average over the reweighted sample,
            pass ``sample_weight=`` the rows' class weights (times their sample
            weights). The standard errors use the fit's covariance either way.
        level : float, default=0.95
        dummy : bool, default=False
            Columns (variables) holding only 0 and 1 get the discrete change
            ``P(x_j = 1) - P(x_j = 0)`` instead of the derivative.
        by : {"variable", "column"}, default="variable"
            Rows per variable of the table (models with ``design_``) or per model
            column; the two agree for a model fitted on arrays.
        offset : array_like of shape (n,), optional
            One value per row of X, added to every logit as in
            :meth:`predict_proba`: required exactly when the model was fitted
            with an offset. ``at="mean"`` evaluates at its (weighted) mean.

        Returns
        -------
        pandas.DataFrame
            ``dy_dx, std_err, z, p_value, ci_low, ci_high`` per feature (binary)
            or per ``(class, feature)``.

        Examples
        --------
        >>> from oneneuron import NeuronClassifier
        >>> from oneneuron.datasets import load_exam_scores
        >>> X, y, names = load_exam_scores()
        >>> NeuronClassifier().fit(X, y).margeff(X)["dy_dx"].round(4).tolist()
        [0.0128, 0.0125]
        """
        if by not in ("variable", "column"):
            raise ValueError(f"by must be 'variable' or 'column', got {by!r}")
        res = self._inference()
        design = getattr(self, "design_", None)
        if design is not None:  # a fit on an array with missing=: a table of its columns
            X = design.as_table(X)
        if is_table(X):  # the training table: its missing cells as the fit had them
            from ..stats import training_rows

            X, _, sample_weight, offset = training_rows(
                self, X, labels=False, sample_weight=sample_weight, offset=offset
            )
        if self.relax and np.any(np.asarray(self.coef_) != 0):
            from ..stats import relaxed_view  # the refit's effects, on the kept columns

            relaxed, Xk = relaxed_view(self, X)  # (an error for a loaded model: no refit)
            return relaxed.margeff(  # type: ignore[no-any-return]
                Xk, at=at, sample_weight=sample_weight, level=level, dummy=dummy,
                offset=offset, by="column",
            )  # fmt: skip
        design = getattr(self, "design_", None) if by == "variable" else None
        if design is not None:
            # predict's checks (a repeated name, no rows, a lazy query): the design
            # below reads the table's columns by name
            X = self._checked_input(X)
            if not is_table(X):
                raise ValueError(
                    "marginal effects per variable need the table (a DataFrame with the "
                    "model's raw columns); use by='column' for effects per model column"
                )
            report: dict[str, Any] = {}
            design.values(X, report)  # an unseen level is the reference: said, as predict does
            warn_unknown(report)
            Xd = X
        else:
            Xv = self._validate_predict(X)
            Xd = np.asarray(Xv.todense() if hasattr(Xv, "todense") else Xv, dtype=np.float64)
        off = self._offset(offset, len(Xd), X)
        return margeff_table(
            res,
            Xd,
            fit_intercept=self.fit_intercept,
            at=at,
            sample_weight=sample_weight,
            level=level,
            dummy=dummy,
            design=design,
            offset=off,
        )

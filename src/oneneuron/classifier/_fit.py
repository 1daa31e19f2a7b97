"""How ``NeuronClassifier`` runs a fit: solver choice, starting point, solvers, results.

Plain functions of the estimator (they read its parameters and set its fitted
attributes); :func:`fit` is the whole sequence for any kind of input, which
:meth:`NeuronClassifier.fit` calls. The estimator's public face stays in
``_estimator.py``.
"""

from __future__ import annotations

import copy
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
from numpy.typing import NDArray

from ..engines import (
    FitData,
    blas_threads,
    column_subset,
    coordinate_stats,
    detached,
    first_non_finite,
    input_kind,
    make_engine,
    note_tiny_newton,
    prepare,
    refuse_dtype,
    refuse_row_values,
    refuse_shapeless,
    subsample_engine,
    tiny_newton_kernel,
    to_host,
    unmask_labels,
    unmask_x,
    warn_weightless_classes,
)
from ..exceptions import (
    CollinearityWarning,
    ConvergenceWarning,
    ImputationWarning,
    ParameterWarning,
    SeparationWarning,
    user_stacklevel,
)
from ..objective import SMALL_DENSE_ENTRIES, LinearLoss, SmallDenseLoss, offset_intercept, unmasked
from ..optim import OPTIMIZERS
from ..solvers import (
    SolverResult,
    Trace,
    floor_scale,
    gradient_descent,
    lbfgs,
    minibatch_descent,
    newton,
)
from ..solvers.subsampled import subsampled_newton
from ..stats import (
    HessianRecorder,
    check_cov_type,
    compute_inference,
    firth_inference,
    named_columns,
    separation_fixes,
    term_names,
)
from ..tables import (
    EXACT_INTEGERS,
    DataError,
    DesignSpec,
    array_table,
    as_pandas,
    batch_as_table,
    empty_levels_note,
    formula_columns,
    formula_target,
    is_table,
    lookalike_message,
    lookalike_names,
    positional_names,
    refuse_mixed_names,
    refuse_multiindex,
    repeated,
    table_column,
    unresolved_integers,
)
from ..wording import counted, noun
from ._predictor import (
    centred_coefficients,
    centred_intercepts,
    check_offset,
    l1_free_columns,
)
from ._sparse import METRIC_FROM_ROWS, metric_rows, resolve_penalty_factor, run_cd

#: ``solver="auto"``: Newton-type solvers when the parameter vector is at most this long
#: (their Hessian costs ``p**2`` per row), L-BFGS beyond.
AUTO_NEWTON_MAX_PARAMS = 200
#: ``solver="auto"``: when L-BFGS runs out of ``max_iter`` (an ill-conditioned problem),
#: Newton goes on from its point if a Hessian costs at most this many ``rows * n_params**2``
#: (a tenth of a second or so; see :func:`newton_after_lbfgs`).
AUTO_NEWTON_AFTER_LBFGS_COST = 1e9
#: Most rows of the subsample of ``"subsampled-newton"`` (see :func:`subsample_size`).
SUBSAMPLE_ROWS = 20_000
#: Fewest rows of that subsample, and the fewest per parameter (its Hessian's relative
#: error is about ``sqrt(n_params / rows)``: at most 10%).
MIN_SUBSAMPLE_ROWS, SUBSAMPLE_ROWS_PER_PARAM = 2_500, 100
#: The subsample keeps at least a tenth of its rows from every class (all rows of a
#: class that has fewer), reweighted: see :func:`stratified_rows`. At the most rows:
MIN_CLASS_ROWS = SUBSAMPLE_ROWS // 10
_FIRST_ORDER = ("gd", "sgd")
_SOLVERS = {"auto", "newton", "subsampled-newton", "lbfgs", "gd", "sgd", "cd"}


def fit(
    est: Any, X: Any, y: Any, sample_weight: Any, cluster: Any = None, offset: Any = None
) -> Any:
    """Fit ``est`` (a ``NeuronClassifier``) on any kind of input; returns ``est``.

    The same steps for every engine: the engine prepares the data where it lives
    (:func:`oneneuron.engines.prepare`), the solver runs on the host with
    d-sized vectors, and the statistics for inference are made at the end.
    """
    X = batch_as_table(X)  # a pyarrow RecordBatch is the Table it holds
    check_not_lazy(X)  # before scikit-learn reads the names of a table
    prev = previous_solution(est)
    est.__dict__.pop("cv_record_", None)  # a loaded model's CV record no longer describes it
    est.__dict__.pop("relaxed_", None)  # nor a previous relax=True fit's refit
    columns_in = input_columns(X)
    X, y, sample_weight, cluster, offset, design = design_input(
        est, X, y, sample_weight, cluster, offset
    )
    if cluster is not None and input_kind(cluster) == "array_api":  # a tensor, on a device
        cluster = to_host(cluster)  # too: its labels on the host (the clusters' coding)
    try:
        data = prepare(
            X,
            y,
            sample_weight,
            class_weight=est.class_weight,
            standardize=est.standardize,
            center=est.fit_intercept,
        )
    except ValueError as exc:
        if design is None:
            raise
        raise _named_column(exc, design.names) from None
    est.classes_ = data.classes
    if design is not None:
        data.feature_names = np.asarray(design.names, dtype=object)  # the model's columns
    check_term_names(data.feature_names, est.fit_intercept)
    if design is not None and columns_in is None:  # an array's columns, coded (missing=)
        columns_in = (len(design.columns), None)
    set_input_columns(est, data, columns_in if design is not None else None)
    K = len(data.classes)
    off = check_statistics_options(est, data, cluster, offset)
    if data.multinomial:  # the engines let a class of weight 0 pass (a CV fold may lack one)
        warn_weightless_classes(data.classes, data.class_sums)
    if est.firth:
        return fit_firth(est, data, off)
    solver = resolve_solver(est, K, data.X)
    check_solver_options(est, solver, K)
    if data.kind == "dask" and solver == "sgd":
        raise ValueError(
            "solver='sgd' is not supported on Dask input (a random minibatch costs a full "
            "pass there); use solver 'newton', 'lbfgs' or 'gd'"
        )
    est.mean_, est.scale_ = data.mean, data.scale
    pf = resolve_penalty_factor(est.penalty_factor, data.n_features, data.feature_names)
    est.penalty_factor_ = np.ones(data.n_features) if pf is None else pf
    options = dict(data.engine_options, **({"offset": off} if off is not None else {}))
    engine = make_engine(data.X, data.target, data.weights, data.multinomial, **options)
    center, scale, raw_penalty = est.mean_, est.scale_, False
    if not est.standardize and solver == "lbfgs":
        # Standardise for the solver only, penalising the raw W (as glum does): the
        # objective is unchanged, but L-BFGS converges much faster in these
        # coordinates (on every engine: in raw ones float32 torch stalled unconverged).
        # Newton is affine-invariant and gd/sgd must follow the tutorial's
        # raw-coordinate path, so they keep the raw coordinates.
        stats = data.feature_stats  # computed by prepare (no further pass), else one pass
        center, scale = stats if stats is not None else coordinate_stats(data.X, data.row_weights)
        if not est.fit_intercept:  # scale only: a shift needs an intercept to absorb it
            center = np.zeros_like(center)
        raw_penalty = True
    elif not est.standardize and est.fit_intercept and solver == "cd":
        # Centre for the solver only (scale 1: the same W, so the L1 and L2 terms are
        # unchanged; the intercept absorbs the shift). In raw coordinates a column far
        # from zero (1e5 + N(0, 1)) is nearly the intercept's multiple: the sweeps and
        # their polish crawled to max_iter, and the statistics called it nearly constant.
        stats = data.feature_stats
        center = stats[0] if stats is not None else coordinate_stats(data.X, data.row_weights)[0]
    m = K if data.multinomial else 1
    alpha_l2 = float(est.alpha) * (1.0 - float(est.l1_ratio))
    loss_class = LinearLoss
    if m == 1 and data.kind == "numpy" and isinstance(data.X, np.ndarray):
        if data.n_samples * (data.n_features + 1) <= SMALL_DENSE_ENTRIES:
            loss_class = SmallDenseLoss  # same objective, no per-iteration engine overhead
    # raw solver coordinates: the exact solvers measure their steps on the standardised
    # scale, so that their stopping rule does not depend on the columns' units
    step_stats = None if (est.standardize or raw_penalty) else data.feature_stats
    problem = HessianRecorder(
        loss_class(
            engine,
            m,
            alpha_l2,
            center,
            scale,
            est.fit_intercept,
            raw_penalty,
            pf,
            step_stats=step_stats,
            flat=data.flat,
        )
    )
    y_idx, s = data.class_counts()
    theta0 = initial_theta(est, problem, prev, solver, data, off)
    with blas_threads(engine):
        result = run_solver(est, solver, problem, theta0, data)
        if est.solver == "auto" and solver == "lbfgs" and newton_may_finish(est, problem, result):
            result, solver = newton_after_lbfgs(est, problem, result), "lbfgs+newton"
        raw = problem.to_raw(result.theta)  # (W, b), read by the attributes and the statistics
        stretch = None
        if solver in _FIRST_ORDER and not result.converged:
            stretch = raw_conditioning(est, data)
        store_result(est, problem, result, solver, data.dtype, raw=raw, stretch=stretch)
        relaxed = None
        if is_l1_fit(est) and est.relax:
            relaxed = relaxed_inference(est, data, off, cluster)
        if relaxed is not None:
            inference = relaxed
        elif is_l1_fit(est):
            inference = l1_inference(est, problem, result, s, y_idx, off, cluster)
            if est.relax:  # nothing to refit: the model is the intercept-only one
                inference.reason = (
                    f"the L1 fit (alpha={est.alpha:g}, l1_ratio={est.l1_ratio:g}) kept no "
                    "column, so relax=True has nothing to refit; lower alpha to keep some"
                )
        else:
            inference = compute_inference(
                est,
                problem,
                result,
                s,
                y_idx,
                est.inference,
                offset=off,
                cluster=cluster,
                class_sums=data.class_sums,
                raw=raw,
            )
    if "aliased_terms" in inference.extra:  # the reduced model's fit: compute_inference
        W, b = problem.to_raw(result.theta)  # moved the solver's point onto it
        est.coef_ = centred_coefficients(W).astype(data.dtype)
        est.intercept_ = centred_intercepts(b).astype(data.dtype)
        est.loss_ = float(result.loss)
    # Newton's last step came from a QR factor of the weighted design at full rank
    # (solvers.newton.ILL_CONDITIONED, objective.ALIAS_TOL): the columns are only
    # ill-conditioned, not aliased, and the coefficients are the maximum likelihood
    # ones; every term counts in AIC, BIC and the degrees of freedom (statsmodels counts
    # the design's numerical rank, which is full here)
    # (where that factor is singular on the columns' own scale, the covariance's, the
    # refusal says so and counts no term as aliased: stats._fit._raw_factor_singular)
    exact = bool(result.extra.get("qr_last"))
    aliased = int(inference.extra.get("aliased", 0))
    record_column_stats(est, inference, data)
    est._set_inference(name_empty_levels(est, inference))
    # said at fit time too, unless the aliased columns are all constant ones beside the
    # intercept: those are held at exactly 0, not wherever the solver stopped; nor
    # where they were only ill-conditioned and Newton solved them exactly (``exact``)
    n_flat = int(data.flat.sum()) if est.fit_intercept and data.flat is not None else 0
    if inference.cov is None and aliased > n_flat and not exact:
        why = inference.reason.replace("the Hessian is singular: ", "")
        warnings.warn(
            f"the Hessian is singular to working precision: {why}; the coefficients along "
            "those columns are wherever the solver stopped, and standard errors are refused",
            CollinearityWarning,
            stacklevel=user_stacklevel(),
        )
    elif "aliased_terms" in inference.extra and aliased > n_flat:
        its, it = "its coefficient is 0 and its standard error", "it"
        if aliased > 1:
            its, it = "their coefficients are 0 and their standard errors", "them"
        warnings.warn(
            f"{inference.extra['aliased_note']}: aliased (R's 'not defined because of "
            f"singularities'), so {its} NA, the other terms' those of the fit "
            f"without {it}; drop the redundant {noun(aliased, 'column')} or set "
            f"{separation_fixes(est, len(est.classes_))[0]}",
            CollinearityWarning,
            stacklevel=user_stacklevel(),
        )
    est.has_offset_ = off is not None
    est.n_samples_fit_ = int(engine.n_samples)
    return est


def name_empty_levels(est: Any, inference: Any) -> Any:
    """``inference`` with its reason for a singular Hessian led by the categorical levels
    that have no training rows (of positive weight), the usual cause on a table; where
    ``encoding="full"`` codes every level beside the intercept, followed by the encoding
    that identifies the model (no column of the table drops a coded level); and the
    number of rows ``missing="drop"`` left out (``extra["dropped"]``: the caption says
    it, as R's summary.glm does)."""
    report = getattr(est, "design_report_", None) or {}
    singular = inference.cov is None and "singular" in inference.reason
    # where the aliased terms' note says it (R's NA), or the refusal's reason: a fit with
    # standard errors, the common case, reads none of this, not even its column names
    key = "aliased_note" if "aliased_terms" in inference.extra else ("" if singular else None)
    if key is not None:
        text = inference.extra[key] if key else inference.reason
        note = empty_levels_note(report.get("empty_levels"))
        if note:
            text = f"{note}; {text}"
        design = getattr(est, "design_", None)
        full = (  # plain columns coded with every level (a formula codes its own C() terms)
            getattr(design, "encoding", None) == "full"
            and getattr(design, "formula", None) is None
            and est.fit_intercept
        )
        names = getattr(est, "feature_names_out_", []) if full else []
        levels = [t for t in names if f"'{t}'" in text]
        if any("[" in t and "[T." not in t for t in levels):
            text += (
                "; encoding='full' gives every level a column beside the intercept: "
                "encoding='reference' (the default) identifies the model"
            )
        if key:
            inference.extra = {**inference.extra, key: text}
        else:
            inference.reason = text
    if report.get("dropped"):
        inference.extra = {**inference.extra, "dropped": int(report["dropped"])}
    return inference


def input_columns(X: Any) -> tuple[int, NDArray[np.object_] | None] | None:
    """A table's width and column names as scikit-learn records them, or None for arrays.

    The names are those of scikit-learn's validation (``None`` unless every
    column name is a string), so that its checks of a later table agree.
    """
    if not is_table(X):
        return None
    from sklearn.utils.validation import _get_feature_names

    try:
        names = _get_feature_names(X)
    except TypeError:  # mixed str/non-str names: scikit-learn records none either
        names = None
    return int(X.shape[1]), names


def check_labels_not_in_table(X: Any, y: Any) -> None:
    """Refuse a table X that holds the labels: a column named as the Series ``y`` and
    equal to it (``fit(df, df["y"])`` with ``"y"`` still in ``df``). The labels would be
    a feature: the fit separates the classes perfectly and predicts nothing new.
    """
    name = getattr(y, "name", None)
    if not isinstance(name, str) or not is_table(X):
        return
    names = getattr(X, "column_names", None)
    if name not in [str(c) for c in (names if names is not None else X.columns)]:
        return
    column, labels = table_column(X, name, "y"), np.asarray(y)
    try:
        same = column.shape == labels.shape and bool(np.all(column == labels))
    except (TypeError, ValueError):  # incomparable kinds: not the same column
        same = False
    if same:
        raise ValueError(
            f"X holds the labels: its column {name!r} is y itself, so the labels would be a "
            f"feature; drop it from X, or pass its name as y (fit(X, {name!r}))"
        )


def set_input_columns(est: Any, data: FitData, columns_in: Any) -> None:
    """Set ``n_features_in_`` and ``feature_names_in_``: the columns of the X given to fit.

    For a table coded by the design layer these are the table's columns
    (``columns_in`` from :func:`input_columns`), not the model's coded columns
    (``feature_names_out_``); otherwise the engine's (X's width and string names).
    """
    if columns_in is not None:
        est.n_features_in_, names = columns_in
    else:
        est.n_features_in_, names = data.n_features, data.feature_names
    if names is not None:
        est.feature_names_in_ = np.asarray(names, dtype=object)
    else:
        est.__dict__.pop("feature_names_in_", None)


def check_not_lazy(X: Any) -> None:
    """Refuse a lazy query (a polars LazyFrame) with the call that makes it a table, and
    a table with a repeated column name (one line naming it, not narwhals' list)."""
    if type(X).__name__ == "LazyFrame":
        raise ValueError(
            "X is a polars LazyFrame, a query not yet run: pass its result, X.collect()"
        )
    if is_table(X):
        names = getattr(X, "column_names", None)  # an Arrow table's; pandas: columns
        raw = list(names if names is not None else X.columns)
        unnamed = [c for c in raw if c is None or (isinstance(c, float) and c != c)]
        if len(unnamed) > 1:  # pandas holds None beside NaN as NaN: no 'nan' of the user's
            raise ValueError(
                f"X has {len(unnamed)} columns without a name (None or NaN, which read as one "
                "name); name every column (e.g. X.columns = [...])"
            )
        names = [str(c) for c in raw]
        twice = sorted(repeated(names))
        if twice:
            raise ValueError(
                f"X has repeated column {noun(len(twice), 'name')} {', '.join(map(repr, twice))}; "
                "every column needs its own name (a repeated one would be fitted twice, or "
                "read as the other)"
            )
        pair = lookalike_names(names)
        if pair:
            raise ValueError(lookalike_message("X", pair))


#: The most columns whose weighted mean and standard deviation a fit records.
COLUMN_STATS_MAX = 10_000


def record_column_stats(est: Any, res: Any, data: FitData) -> None:
    """``res.extra["column_stats"]``: each term's column's weighted ``[mean, std]``.

    Every engine computes them (``data.feature_stats``), so they cost nothing here;
    :func:`~oneneuron.stats.lr_test` reads them to tell two same-named terms that hold
    other data apart (arrays name their columns by position: ``x0`` of ``X[:, [2]]`` is
    not ``x0`` of ``X``). Only the terms of ``res`` are kept (a relaxed refit's), and
    none beyond ``COLUMN_STATS_MAX`` columns (the model file would grow by half again;
    ``lr_test`` then matches by name alone).
    """
    if data.feature_stats is None or data.n_features > COLUMN_STATS_MAX:
        return
    mean, std = (np.asarray(v, dtype=np.float64).ravel() for v in data.feature_stats)
    names = term_names(len(mean), data.feature_names, False)  # the model's columns
    keep = set(res.terms)
    res.extra["column_stats"] = {
        name: [float(m), float(s)]
        for name, m, s in zip(names, mean, std, strict=True)
        if name in keep and np.isfinite(m) and np.isfinite(s)
    }


def check_term_names(names: Any, fit_intercept: bool) -> None:
    """Refuse a column named ``intercept`` beside the model's own intercept: the statistics
    name that term "intercept" (its row in ``summary()``, ``wald_test("intercept = 0")``)."""
    if fit_intercept and names is not None and "intercept" in (str(v) for v in names):
        raise ValueError(
            "X has a column named 'intercept', the name of the model's intercept in its "
            "statistics; rename the column (or fit with fit_intercept=False)"
        )


def uses_design(est: Any, X: Any) -> bool:
    """Whether ``X`` goes through the design-matrix layer (:class:`oneneuron.tables.DesignSpec`).

    A formula always does; so does a pandas/polars DataFrame or Arrow table with a
    boolean, text or categorical column, or any table when ``missing``,
    ``reference`` or ``encoding`` asks for more than the defaults. An all-numeric
    pandas DataFrame with the defaults stays on the plain path (its dtype kept).
    """
    if est.formula is not None:
        return True
    if not is_table(X):
        return array_uses_design(est, X)
    if est.missing != "error" or est.reference or est.encoding != "reference":
        return True
    if type(X).__module__.startswith("pandas"):
        return not all(isinstance(dt, np.dtype) and dt.kind in "iuf" for dt in X.dtypes)
    return True


def array_uses_design(est: Any, X: Any) -> bool:
    """The rule for arrays (a ``Pipeline``'s transformers hand the estimator arrays).

    An array's columns are numeric, named ``x0, x1, ...``. ``missing=`` other than
    ``"error"`` codes a dense array through the design layer as a table of those
    columns (:func:`array_input`), so that its NaN cells are dropped or filled as a
    table's would be, and the model (its ``design_``) fills them at prediction too.
    A sparse matrix has no missing cells unless it stores NaN, which is refused.
    ``encoding=`` codes categorical columns, which an array has none of: ignored.
    ``reference=`` names levels of categorical columns: refused, as it names a
    column the array does not have.
    """
    if est.reference:
        raise ValueError(
            f"reference= names reference levels of categorical columns, and X is a "
            f"{type(X).__name__} of numeric columns (x0, x1, ...): pass a table with those "
            "columns, or leave reference unset"
        )
    return est.missing != "error"


def array_input(X: Any) -> Any:
    """An array-like given with ``missing=``: scikit-learn's validation (shape, numbers,
    NaN allowed, infinity not), then a dense one as a table of its columns ``x0, x1,
    ...`` (:func:`~oneneuron.tables.array_table`); a sparse one is returned as
    validated (refused if it stores NaN)."""
    from sklearn.utils import check_array

    if input_kind(X) != "numpy":
        raise ValueError(
            f"missing= applies to tables (pandas/polars DataFrames, Arrow tables) and "
            f"NumPy/SciPy arrays; X is a {type(X).__module__.split('.')[0]} {type(X).__name__}"
        )
    refuse_dtype(X)
    try:
        X = check_array(
            X, accept_sparse="csr", dtype=[np.float64, np.float32], ensure_all_finite="allow-nan"
        )
    except ValueError as exc:  # an infinity: name its cell, as a table's message does
        where = _first_infinite(X) if "infinity" in str(exc) else None
        if where is None:
            raise
        raise ValueError(
            f"{where}; a model needs finite numbers: replace it, or drop its row (missing= "
            "fills and drops NaN cells only)"
        ) from None
    if hasattr(X, "tocsr"):
        if np.isnan(X.data).any():
            raise ValueError(
                "X is a sparse matrix that stores NaN; missing= fills or drops the missing "
                "cells of tables and dense arrays: pass X.toarray()"
            )
        return X
    return array_table(X)


def _first_infinite(X: Any) -> str | None:
    """Where an array-like first holds an infinity (NaN cells passed over), in words."""
    try:
        if hasattr(X, "tocsr"):
            A = X.tocsr().astype(np.float64)
            A.data = np.where(np.isnan(A.data), 0.0, A.data)
        else:
            A = np.asarray(X, dtype=np.float64)
            A = np.where(np.isnan(A), 0.0, A)
    except (TypeError, ValueError):
        return None
    return first_non_finite(A)


def _same_target(given: Any, target: Any, rows: Any, name: str | None) -> None:
    """Refuse a ``y`` passed beside a formula that names the target, unless they agree."""
    n_kept = int(np.count_nonzero(rows))
    if len(given) == len(rows) and len(target) == n_kept:
        given = given[rows]
    if len(given) != len(target) or not np.array_equal(given, target):
        off = (
            f"in {int(np.count_nonzero(given != target))} of {len(target)} rows"
            if len(given) == len(target)
            else f"in length ({len(given)} against {len(target)})"
        )
        raise ValueError(
            f"y differs from the formula's target {name!r} ({off}); pass one of them: y=None "
            "with the formula's target, or a formula without a left-hand side"
        )


def named_inputs(
    est: Any, X: Any, y: Any, sample_weight: Any, cluster: Any, offset: Any
) -> tuple[Any, Any, Any, Any]:
    """``X`` and the fit's row arguments with each string read as the column of the table
    ``X`` it names; without a formula those columns leave ``X`` (they are no features).
    The target's column (``y`` as a name, or the formula's) is refused as weights or an
    offset: the labels would enter the fit as its own input."""
    given = {"sample_weight": sample_weight, "cluster": cluster, "offset": offset}
    names = [v for v in given.values() if isinstance(v, str)]
    if not names:
        return X, sample_weight, cluster, offset
    target = y if isinstance(y, str) else formula_target(est.formula) if est.formula else None
    for what in ("sample_weight", "offset"):
        if target is not None and isinstance(given[what], str) and given[what] == target:
            raise ValueError(
                f"{what}={target!r} names the target column: the labels would enter the fit "
                "as its own input; name another column"
            )
    X = batch_as_table(X)
    for what in ("sample_weight", "offset"):  # text is refused, as in an array, not parsed
        if isinstance(given[what], str) and is_table(X):
            try:
                column = table_column(X, given[what], what)
            except ValueError:  # no such column: named_columns names it
                continue
            refuse_row_values(column, what)
    out = named_columns(X if is_table(X) else None, **given)
    if est.formula is None:
        X = without_columns(X, names)
    elif is_table(X):  # R's '.' stands for the other columns, as --features' default
        X = without_columns(X, not_written(est.formula, X, names))
    return X, out["sample_weight"], out["cluster"], out["offset"]


def not_written(formula: str, X: Any, names: list[str]) -> list[str]:
    """The columns ``names`` (weights, offset, clusters) that ``formula`` does not write
    out: ``y ~ .`` would make them features too (the offset's column took a coefficient
    beside the offset). A formula that does not parse is left for the fit to report."""
    cols = getattr(X, "column_names", None)
    columns = [str(c) for c in (cols if cols is not None else X.columns)]
    try:
        _, used = formula_columns(formula, columns, not_dot=names)
    except ValueError:
        return []
    return [c for c in dict.fromkeys(names) if c not in used and c in columns]


def _is_dask_frame(X: Any) -> bool:
    return type(X).__name__ == "DataFrame" and hasattr(X, "npartitions")


def _dask_target(X: Any, name: str) -> tuple[Any, Any]:
    """A Dask DataFrame's target named by its column, as a pandas table's is: the other
    columns, and the column as a Dask Series of the same frame (which the Dask engine
    aligns with X partition by partition). Before, the name reached the engine and was
    refused as a y of the wrong type."""
    if name not in [str(c) for c in X.columns]:
        raise DataError(f"the table lacks column {name!r}")
    return X.drop(columns=[name]), X[name]


def without_columns(X: Any, names: list[str]) -> Any:
    """A pandas or polars DataFrame or an Arrow table without the columns ``names``."""
    if isinstance(X, pd.DataFrame):
        return X.drop(columns=[c for c in X.columns if str(c) in names])
    keep = [c for c in (getattr(X, "column_names", None) or X.columns) if c not in names]
    return X.select(keep)


def refuse_no_columns(X: Any) -> None:
    """Refuse X without columns, of any kind, in scikit-learn's words for NumPy arrays.

    A pandas frame without columns otherwise fails inside NumPy ('at least one array or
    dtype is required'), an Arrow table's rows are lost on the way ('0 sample(s)'), and
    torch and Dask fitted an intercept-only model where NumPy refuses.
    """
    if isinstance(X, str):
        return
    if is_table(X):
        cols = X.num_columns if hasattr(X, "num_columns") else len(X.columns)
        rows = X.num_rows if hasattr(X, "num_rows") else len(X)
        shape: tuple[Any, ...] = (rows, cols)
    else:
        shape = tuple(getattr(X, "shape", ()))
    if len(shape) == 2 and shape[1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape=({shape[0]}, 0)) while a minimum of 1 is "
            "required by NeuronClassifier."
        )


def refuse_no_rows(X: Any, by: str = "NeuronClassifier") -> None:
    """Refuse a prediction's input without rows, of any kind, in scikit-learn's words.

    Decision: scikit-learn refuses to predict on 0 rows (its validation's 'Found array
    with 0 sample(s)'), and so does every engine wherever the length is known without
    computing (NumPy, SciPy, pandas, polars, Arrow, torch, CuPy, a Dask array of known
    chunks); a table coded by the design layer and torch returned empty arrays. A Dask
    collection whose length is unknown until computed (a Dask DataFrame's partitions)
    stays lazy: its prediction is a Dask array, empty if it had no rows.
    """
    if is_table(X):
        rows = X.num_rows if hasattr(X, "num_rows") else len(X)
        cols = X.num_columns if hasattr(X, "num_columns") else len(X.columns)
        shape: tuple[Any, ...] = (rows, cols)
    else:
        shape = tuple(getattr(X, "shape", ()))
    if not shape or not isinstance(shape[0], int | np.integer) or shape[0] != 0:
        return  # no shape (lists: scikit-learn's own check), or an unknown length
    shown = tuple(int(s) if isinstance(s, int | np.integer) else s for s in shape)
    raise ValueError(
        f"Found array with 0 sample(s) (shape={shown}) while a minimum of 1 is required by {by}."
    )


def columns_by_name(X: Any, names: Any) -> Any:
    """The columns ``names`` of the table ``X`` (pandas, polars, Arrow), in that order.

    Decision: a model fitted on a table reads a table by its column names, whatever
    their order and whatever other columns it holds, on every path (the design layer
    does so; scikit-learn's check refused another order or an extra column for an
    all-numeric pandas frame). A fitted column the table lacks is named.
    """
    names = [str(n) for n in names]
    given = getattr(X, "column_names", None)  # an Arrow table's (its .columns are its data)
    given = list(X.columns) if given is None else list(given)
    by_text = {str(c): c for c in given}
    lacking = [n for n in names if n not in by_text]
    if lacking:
        raise ValueError(
            f"the table lacks {noun(len(lacking), 'column')} {', '.join(map(repr, lacking))}"
        )
    if [str(c) for c in given] == names:
        return X
    if isinstance(X, pd.DataFrame):
        return X.loc[:, [by_text[n] for n in names]]
    return X.select(names)


#: What to do with the masked cells of a NumPy masked array X at fit.
MASKED_FIT = (
    "a model needs every value: fill them (X.filled(value)), or fit with missing='drop', "
    "'mean', 'median' or 'most_frequent', which take masked cells as missing"
)


def refuse_table_settings_on_dask(est: Any, X: Any) -> None:
    """Refuse ``formula=``, ``missing=`` and ``reference=`` for Dask input, naming it
    and the step that works: the Dask engine fits numeric columns as they are (the
    design layer codes and fills tables in memory)."""
    if input_kind(X) != "dask":
        return
    what = f"a dask {type(X).__name__}"
    if est.formula is not None:
        raise ValueError(
            f"formula= codes a table in memory, and X is {what} (the Dask engine fits "
            "numeric columns as they are): compute the terms as columns of the frame "
            "(df.assign(...)) and fit those, or fit a pandas DataFrame (df.compute())"
        )
    if est.missing != "error":
        raise ValueError(
            f"missing={est.missing!r} drops or fills rows of a table in memory, and X is "
            f"{what}: drop or fill them with Dask first (df.dropna(), df.fillna(value)) "
            "and fit with missing='error'"
        )
    if est.reference:
        raise ValueError(
            f"reference= names reference levels of categorical columns, and X is {what} "
            "(the Dask engine fits numeric columns only, without levels): code the "
            "categorical columns as numeric columns first, or leave reference unset"
        )


def design_input(
    est: Any, X: Any, y: Any, sample_weight: Any, cluster: Any, offset: Any
) -> tuple[Any, ...]:
    """Turn a table into the design matrix (and drop rows), or pass arrays through.

    ``sample_weight``, ``cluster`` and ``offset`` may name columns of a table ``X``
    (as ``y`` may); without a formula such a column is then no feature.
    """
    rows = {"y": y, "sample_weight": sample_weight, "cluster": cluster, "offset": offset}
    for what, value in rows.items():  # X's check: refuse_dtype, at fit and predict
        refuse_shapeless(value, what)
    if isinstance(y, str) and est.formula is None and _is_dask_frame(X):
        X, y = _dask_target(X, y)
    check_not_lazy(X)
    refuse_table_settings_on_dask(est, X)
    refuse_multiindex(X)
    refuse_mixed_names(X)
    refuse_no_columns(X)
    X = unmask_x(X, missing=est.missing != "error", fix=MASKED_FIT)  # masked cells: missing
    y = unmask_labels(detached(y))
    sample_weight, cluster, offset = (
        unmasked(detached(v), name)
        for v, name in ((sample_weight, "sample_weight"), (cluster, "cluster"), (offset, "offset"))
    )
    refuse_row_values(sample_weight, "sample_weight")
    refuse_row_values(offset, "offset")
    X, sample_weight, cluster, offset = named_inputs(est, X, y, sample_weight, cluster, offset)
    if est.formula is None:  # every column is a feature (a formula picks its own)
        check_labels_not_in_table(X, y)
    for name in ("design_", "design_report_"):  # the previous fit's
        est.__dict__.pop(name, None)
    if not (isinstance(y, str) and is_table(X)) and not uses_design(est, X):
        check_integer_columns(X)
        return X, y, sample_weight, cluster, offset, None
    if est.formula is None and not is_table(X):
        X = array_input(X)  # numeric columns x0, x1, ... (array_uses_design)
        if not is_table(X):  # sparse, without NaN: nothing to fill
            return X, y, sample_weight, cluster, offset, None
    if not is_table(X):
        raise ValueError(
            "formula= needs a table (a pandas or polars DataFrame or an Arrow table), "
            f"not a {type(X).__name__}"
        )
    target = None
    if y is not None and isinstance(y, str):
        target, y = y, None
    spec, design = DesignSpec.fit_transform(
        X,
        formula=est.formula,
        target=target,
        reference=est.reference,
        encoding=est.encoding,
        missing=est.missing,
        intercept=est.fit_intercept,
        sample_weight=sample_weight,
    )
    if isinstance(X, pd.DataFrame):  # names not text: x0, x1, ... by position, as the spec's
        X = positional_names(X)
    labels = table_column(X, spec.target, "the target") if design.y is not None else y
    if design.y is not None:
        if y is not None:  # both: the same labels (scikit-learn's tools pass them), or refused
            _same_target(np.asarray(y), design.y, design.rows, spec.target)
        y = design.y
    elif y is None:
        raise ValueError(
            f"y is required unless the formula names the target ('y ~ ...'): "
            f"{type(est).__name__} requires y to be passed, but the target y is None"
        )
    else:
        # a nullable column's own type (Int64, boolean): its labels once missing ones go
        own = getattr(getattr(y, "dtype", None), "numpy_dtype", None)
        y = np.asarray(y)
        if len(y) != len(design.rows):
            raise ValueError(f"y has {counted(len(y), 'row')} but X has {len(design.rows)}")
        if est.missing == "drop":
            na = np.asarray(pd.isna(y))
            if na.any():
                keep = design.rows & ~na
                design.report["dropped"] = int((~keep).sum())
                design.X = design.X[keep[design.rows]]
                design.rows = keep
            y = y[design.rows]
            if own is not None and own.kind in "iub" and not np.asarray(pd.isna(y)).any():
                y = y.astype(own)  # integer labels stay integers (not 0.0, 1.0)

    if est.missing == "drop":  # as R's na.omit: a row missing its weight, offset or cluster
        missing_row = np.zeros(len(design.rows), dtype=bool)
        for a in (sample_weight, offset, cluster):
            # read as np.asarray reads it: an array-like need not answer np.ndim
            a = None if a is None else np.asarray(a, dtype=object)
            if a is not None and a.ndim == 1 and len(a) == len(design.rows):
                missing_row |= np.asarray(pd.isna(a), dtype=bool)
        keep = design.rows & ~missing_row
        if not np.array_equal(keep, design.rows):
            if not keep.any():
                raise ValueError("every row has a missing value (missing='drop' leaves none)")
            y = np.asarray(y)[keep[design.rows]]
            design.X = design.X[keep[design.rows]]
            design.rows = keep
            design.report["dropped"] = int((~keep).sum())

    check_classes_kept(spec, X, labels, design.rows)
    warn_filled_classes(spec, X, labels, design.rows)

    def rows(a: Any) -> Any:
        if a is None:
            return None
        a = np.asarray(a)
        if a.ndim != 1 or len(a) != len(design.rows):
            raise ValueError(
                f"sample_weight, cluster and offset need one value per row of X "
                f"({counted(len(design.rows), 'row')}), got shape {a.shape}"
            )
        return a[design.rows]

    if float32_table(spec, X):  # float32 stays float32, as from an array
        design.X = design.X.astype(np.float32)
    est.design_ = spec
    est.design_report_ = dict(design.report, kept=design.rows)
    return design.X, y, rows(sample_weight), rows(cluster), rows(offset), spec


def check_classes_kept(spec: Any, table: Any, labels: Any, kept: Any) -> None:
    """Refuse a ``missing="drop"`` that drops every row of a class.

    A column measured in one class only (a lab value taken for the cases alone) is
    missing in every row of the other: dropping those rows left one class, and the fit
    said only that ``y`` holds one class; with more classes it silently fitted a model
    that never predicts the lost one. The error names the class, its rows and the
    columns missing in all of them (or says that each of its rows misses some cell).
    Rows dropped for a missing label do not count.
    """
    kept = np.asarray(kept, dtype=bool)
    if labels is None or kept.all():
        return
    values = pd.Series(np.asarray(labels, dtype=object))
    present = values.notna().to_numpy()
    left = set(values[kept & present])
    lost = [c for c in pd.unique(values[present]) if c not in left]
    if not lost:
        return
    df = as_pandas(table)
    by_name = {str(c): c for c in df.columns}
    parts = []
    for label in lost:
        rows = (values == label).to_numpy() & present
        shown = label.item() if isinstance(label, np.generic) else label
        cols = [
            c["name"]
            for c in spec.columns
            if c["name"] in by_name and df[by_name[c["name"]]].isna().to_numpy()[rows].all()
        ]
        if cols:
            names = ", ".join(repr(c) for c in cols[:3]) + (" ..." if len(cols) > 3 else "")
            word = "column" if len(cols) == 1 else "columns"
            verb = "is" if len(cols) == 1 else "are"
            parts.append(
                f"{word} {names} {verb} missing in every row of class {shown!r} "
                f"({counted(int(rows.sum()), 'row')})"
            )
        else:
            parts.append(
                f"every row of class {shown!r} ({counted(int(rows.sum()), 'row')}) misses a cell"
            )
    advice = (
        "leave such a column out (filled, it would only mark the class: see ImputationWarning)"
        if any(p.startswith("column") for p in parts)
        else "fill the cells (missing='mean'|'median'|'most_frequent', CLI --impute)"
    )
    raise DataError(
        f"{'; '.join(parts)}: dropping the rows with missing values (missing='drop') "
        f"would leave no row of that class; {advice}"
    )


def _missing_in_a_whole_class(spec: Any, table: Any, labels: Any, kept: Any) -> list[str]:
    """``"column 'lab' is missing in every row of class 'yes' (20 rows)"`` for each
    column of ``spec`` missing in every kept row of a class but present in another."""
    labels = np.asarray(labels, dtype=object)
    if labels.ndim == 2 and labels.shape[1] == 1:  # a column vector, as scikit-learn takes
        labels = labels.ravel()
    if labels.ndim != 1:  # the fit's label checks name the shape
        return []
    values = pd.Series(labels)
    present = values.notna().to_numpy() & np.asarray(kept, dtype=bool)
    df = as_pandas(table)
    by_name = {str(c): c for c in df.columns}
    found = []
    for c in spec.columns:
        if c["name"] not in by_name:
            continue
        na = np.asarray(df[by_name[c["name"]]].isna().to_numpy(), dtype=bool)
        if not (~na & present).any():
            continue  # missing everywhere: the fit reports that column itself
        for label in pd.unique(values[present]):
            rows = (values == label).to_numpy() & present
            if na[rows].all():
                shown = label.item() if isinstance(label, np.generic) else label
                found.append(
                    f"column {c['name']!r} is missing in every row of class {shown!r} "
                    f"({counted(int(rows.sum()), 'row')})"
                )
    return found


def warn_filled_classes(spec: Any, table: Any, labels: Any, kept: Any) -> None:
    """:class:`~oneneuron.ImputationWarning` where ``missing`` fills a column that is
    missing in every row of a class: the filled value marks that class. Once per fit,
    naming each such column and class."""
    if labels is None or spec.missing not in ("mean", "median", "most_frequent"):
        return
    found = _missing_in_a_whole_class(spec, table, labels, kept)
    if found:
        warnings.warn(
            f"{'; '.join(found)}: filled with the other rows' {spec.missing} "
            f"(missing='{spec.missing}'), the filled value marks the class, so the "
            "coefficients describe where cells were filled, not the column; leave it "
            "out, or code whether it is missing as a column of its own",
            ImputationWarning,
            stacklevel=user_stacklevel(),
        )


def check_integer_columns(X: Any) -> None:
    """Refuse integer columns that float64 cannot resolve
    (:func:`oneneuron.tables.unresolved_integers`, the rule a table's design applies):
    ids beyond ``2**53`` that would silently become constant. Any container the engines
    cast to float64: a NumPy array, an all-numeric pandas DataFrame, a torch tensor, a
    SciPy sparse matrix, nested lists and object arrays of Python ints (of any size);
    a dask array is judged by its engine. Only integer columns holding such magnitudes
    are examined (one max/min per column)."""
    if type(X).__module__.split(".")[0] == "torch":
        if X.is_floating_point() or X.is_complex() or str(X.dtype) == "torch.bool":
            return
        X = X.detach().cpu().numpy()  # integers: a view of a CPU tensor's memory
    elif hasattr(X, "tocsc") and getattr(X, "dtype", np.dtype(float)).kind in "iu":
        X = X.tocsc()
        if X.ndim != 2 or not X.shape[0]:
            return
        hi = X.max(axis=0).toarray().ravel()
        lo = X.min(axis=0).toarray().ravel()
        for j in np.flatnonzero((hi > EXACT_INTEGERS) | (lo < -EXACT_INTEGERS)):
            why = unresolved_integers(pd.Series(X[:, [j]].toarray().ravel()))
            if why is not None:
                raise DataError(f"column 'x{j}' {why}")
        return
    elif isinstance(X, (list, tuple)):
        try:
            X = np.asarray(X)
        except (TypeError, ValueError):  # ragged: scikit-learn's error later
            return
    if isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 2:  # Python ints
        for j in range(X.shape[1]):
            col = pd.Series(X[:, j], dtype=object)
            if pd.api.types.infer_dtype(col, skipna=True) == "integer":
                why = unresolved_integers(col)
                if why is not None:
                    raise DataError(f"column 'x{j}' {why}")
        return
    if isinstance(X, pd.DataFrame):
        ints = [j for j, dt in enumerate(X.dtypes) if dt.kind in "iu"]
        cols = [
            (str(X.columns[j]), col)
            for j in ints
            if (col := X.iloc[:, j]).size
            and (col.max() > EXACT_INTEGERS or col.min() < -EXACT_INTEGERS)
        ]
    elif isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "iu" and X.size:
        big = np.flatnonzero((X.max(axis=0) > EXACT_INTEGERS) | (X.min(axis=0) < -EXACT_INTEGERS))
        cols = [(f"x{j}", pd.Series(X[:, j])) for j in big]
    else:
        return
    for name, col in cols:
        why = unresolved_integers(col)
        if why is not None:
            raise DataError(f"column {name!r} {why}")


def float32_table(spec: Any, table: Any) -> bool:
    """Whether the model's columns are ``table``'s own float32 columns, untransformed.

    The design layer makes float64 matrices; such a table's design (and its
    predictions) is then made float32 again, exactly, as a float32 array's would be.
    A transform, a categorical or an integer column makes the model float64.
    """
    cols = [c["name"] for c in spec.columns]
    if not cols or any(c["kind"] != "numeric" for c in spec.columns) or spec.names != cols:
        return False
    try:
        if hasattr(table, "column_names"):  # Arrow
            types = [str(table.schema.field(c).type) for c in cols]
        elif hasattr(table, "schema"):  # polars
            types = [str(table.schema[c]) for c in cols]
        else:  # pandas (the spec's names are the columns' str)
            dtypes = {str(k): v for k, v in table.dtypes.items()}
            types = [str(dtypes[c]) for c in cols]
    except (KeyError, AttributeError, TypeError):
        return False
    return all(t.lower() in ("float32", "float") for t in types)


def is_l1_fit(est: Any) -> bool:
    """Whether the fit has an L1 term (``l1_ratio > 0`` and ``alpha > 0``)."""
    return float(est.l1_ratio) > 0 and float(est.alpha) > 0


def l1_inference(
    est: Any, problem: Any, result: Any, s: NDArray, y_idx: NDArray, off: Any, cluster: Any
) -> Any:
    """Likelihood statistics of an L1 fit; no covariance (selection makes it invalid)."""
    smooth = copy.copy(result)
    smooth.loss = result.loss - result.extra.get("l1", 0.0)
    out = compute_inference(est, problem, smooth, s, y_idx, False, offset=off, cluster=cluster)
    out.reason = (
        "an L1 fit selects its columns, so Wald p-values would ignore the selection; "
        "refit with relax=True for an unpenalised fit on the selected columns"
    )
    return out


def check_statistics_options(est: Any, data: FitData, cluster: Any, offset: Any) -> Any:
    """Check ``cov_type``, ``cluster`` and ``offset`` against the data; the offset as float64.

    Offsets and ``relax=True`` need the rows in memory (NumPy/SciPy input); robust
    covariances are formed on every engine (Dask sums the meat over its chunks, the
    array-API engine over host copies of its blocks); offsets are for binary models.
    """
    K = len(data.classes)
    # relax=True reports the unpenalised refit on the kept columns: its sandwich is the
    # covariance asked for (relaxed_inference passes cov_type and the clusters on)
    alpha = 0.0 if (est.relax and is_l1_fit(est)) else float(est.alpha)
    check_cov_type(est.cov_type, n_classes=K, alpha=alpha, cluster=cluster, l1=is_l1_fit(est))
    if est.cov_type != "nonrobust" and est.inference is False:
        raise ValueError(
            f"cov_type={est.cov_type!r} needs the covariance; it cannot be combined with "
            "inference=False"
        )
    if data.kind != "numpy":  # each option by name, before any pass over the data
        what = "Dask array" if data.kind == "dask" else "torch/CuPy array"
        given = [  # (robust covariances: the Dask and torch engines form the meat too)
            (offset is not None, "offset=", "no offset"),
            (bool(est.relax), "relax=True", "relax=False and refit the kept columns yourself"),
        ]
        for on, option, fix in given:
            if on:
                raise ValueError(
                    f"{option} needs NumPy/SciPy/pandas input (it reads the rows in memory); "
                    f"this X is a {what}: use {fix}, or fit on the data in memory"
                )
    if est.firth:
        check_firth_options(est, data)
    return check_offset(offset, data.n_samples, K)


def check_firth_options(est: Any, data: FitData) -> None:
    """``firth=True``: binary, unpenalised, in memory, its own Newton iteration."""
    K = len(data.classes)
    if K > 2:
        raise ValueError(
            f"firth=True is implemented for binary models; y has {K} classes (use alpha > 0 "
            "for finite estimates with more classes). Only binary classification is supported."
        )
    if est.alpha > 0:
        raise ValueError("firth=True is a penalty of its own; it cannot be combined with alpha > 0")
    if data.kind != "numpy":
        raise ValueError("firth=True needs NumPy/SciPy/pandas input (it forms hat values)")
    if est.cov_type != "nonrobust":
        raise ValueError(
            "firth=True reports the inverse Fisher information; use cov_type='nonrobust'"
        )
    if est.solver != "auto":
        raise ValueError(
            f"firth=True runs its own Newton iteration; leave solver='auto', not {est.solver!r}"
        )
    if est.warm_start or est.record_path:
        raise ValueError("firth=True does not support warm_start or record_path")
    check_solver_options(est, "newton", K)


def _named_column(exc: ValueError, names: list[str]) -> ValueError:
    """The prepare step's error on a design matrix, its column named by the design's term
    (``column 1 holds ...`` becomes ``column 'x2' holds ...``)."""
    import re

    def named(m: re.Match[str]) -> str:
        j = int(m[1])
        return f"column {names[j]!r} " if j < len(names) else m[0]

    return type(exc)(re.sub(r"^column (\d+) (?:\('[^']*'\) )?", named, str(exc)))


def fit_firth(est: Any, data: FitData, off: NDArray | None) -> Any:
    """Fit by Firth's penalised likelihood (dense design in memory); see ``oneneuron.stats``.

    A constant column with an intercept is refused by name: it makes the Fisher
    information singular, so Firth's penalty (the log of its determinant) is undefined.
    """
    if est.fit_intercept and data.flat is not None and data.flat.any():
        j = int(np.flatnonzero(data.flat)[0])
        name = term_names(data.n_features, data.feature_names, False)[j]
        raise ValueError(
            f"firth=True: column {name!r} is constant (a multiple of the intercept), so "
            "the Fisher information is singular and Firth's penalty is undefined; drop "
            "the column"
        )
    X = data.X
    Xd = np.asarray(X.todense() if hasattr(X, "todense") else X, dtype=np.float64)
    n = Xd.shape[0]
    Xt = np.column_stack([np.ones(n), Xd]) if est.fit_intercept else Xd
    names = data.feature_names  # the model's columns (a table's coded terms)
    fit, res = firth_inference(
        Xt,
        np.asarray(data.target, dtype=np.float64),
        np.asarray(data.weights, dtype=np.float64),
        off,
        terms=term_names(Xd.shape[1], names, est.fit_intercept),
        classes=np.asarray(est.classes_).tolist(),
        tol=float(est.tol),
        max_iter=int(est.max_iter),
        inference=est.inference,
        fit_intercept=est.fit_intercept,
    )
    beta = fit.beta
    est.coef_ = (beta[1:] if est.fit_intercept else beta)[None, :].astype(data.dtype)
    est.intercept_ = np.array([beta[0] if est.fit_intercept else 0.0], dtype=data.dtype)
    est.n_iter_, est.converged_, est.grad_norm_ = fit.n_iter, fit.converged, fit.grad_norm
    est.loss_ = -fit.llf / res.nobs  # the data term (the penalty is in inference_.extra)
    est.n_passes_ = float(fit.n_iter + 1)
    est.solver_ = "firth-newton"
    est.mean_, est.scale_ = data.mean, data.scale  # recorded; Firth is affine-invariant
    est.history_ = {}
    measure = f"max|U*|/S = {fit.grad_norm:.3g}"
    if fit.converged and fit.grad_norm <= est.tol:
        est.stop_reason_ = f"converged: {measure} <= tol = {est.tol:.3g}"
    elif fit.converged:  # the steps fell to rounding level above tol: the maximum to float64
        est.stop_reason_ = (
            f"converged to rounding: the steps fell to rounding level with {measure} "
            f"(tol = {est.tol:.3g} is below what float64 resolves here)"
        )
    else:
        est.stop_reason_ = f"stopped at max_iter = {est.max_iter}; {measure} > tol = {est.tol:.3g}"
    if not fit.converged:
        warnings.warn(
            f"Firth's Newton iteration stopped after {counted(fit.n_iter, 'iteration')} with "
            f"max|U*|/S = {fit.grad_norm:.3g} > tol = {est.tol:.3g}; increase max_iter",
            ConvergenceWarning,
            stacklevel=user_stacklevel(),
        )
    est._set_inference(name_empty_levels(est, res))
    est.has_offset_ = off is not None
    est.n_samples_fit_ = n
    return est


#: The remedy for a separated relaxed refit: the refit is unpenalised by design, and Firth
#: cannot go with an L1 fit; the L1 fit itself is finite.
RELAXED_SEPARATED = "drop relax=True: the L1 fit itself has finite estimates, without p-values"


def relaxed_inference(est: Any, data: FitData, off: Any, cluster: Any) -> Any:
    """``relax=True``: refit unpenalised on the columns the L1 fit kept; its inference, labelled.

    The refit (``est.relaxed_``, an estimator of ``est``'s class on those columns) gives the
    table ``summary()`` shows; its note says that the p-values ignore the selection.
    None when the L1 fit kept no column (nothing to refit; no ``relaxed_``).
    """
    import pandas as pd

    if data.kind != "numpy" or data.y_idx is None or data.sample_weight is None:
        raise ValueError("relax=True needs NumPy, pandas or SciPy input (the refit reads X)")
    keep = np.flatnonzero(np.any(np.asarray(est.coef_) != 0, axis=0))
    if len(keep) == 0:
        return None
    names = (
        [str(v) for v in data.feature_names]
        if data.feature_names is not None
        else [f"x{j}" for j in range(data.n_features)]
    )
    Xk = column_subset(data.X, keep)
    if hasattr(Xk, "toarray"):
        Xk = Xk.toarray()
    frame = pd.DataFrame(Xk, columns=[names[j] for j in keep], copy=False)
    relaxed = type(est)(  # the estimator's own class: no import back into _estimator
        fit_intercept=est.fit_intercept,
        standardize=est.standardize,
        class_weight=est.class_weight,
        tol=est.tol,
        max_iter=est.max_iter,
        cov_type=est.cov_type,
    )
    kw: dict[str, Any] = {} if off is None else {"offset": off}
    if cluster is not None:
        kw["cluster"] = cluster
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        relaxed.fit(frame, data.classes[data.y_idx], sample_weight=data.sample_weight, **kw)
    for w in caught:  # the refit's warnings, a separated refit's advice made relax's
        text = str(w.message)
        if issubclass(w.category, SeparationWarning):
            text = f"relax=True: the unpenalised refit on the columns the L1 fit kept: {text}"
            text = text.split(" Use alpha > 0")[0] + f" D{RELAXED_SEPARATED[1:]}."
        warnings.warn(text, w.category, stacklevel=user_stacklevel())
    est.relaxed_ = relaxed
    out = copy.copy(relaxed.inference_)
    if out.cov is None and out.separation not in ("none", "not checked"):
        out.reason = f"{out.reason.split('; use ')[0]} (the relaxed refit); {RELAXED_SEPARATED}"
    out.extra = dict(out.extra)
    out.extra["note"] = (
        f"RELAXED fit: unpenalised refit on the {len(keep)} of {data.n_features} columns the "
        f"L1 fit (alpha={est.alpha:g}, l1_ratio={est.l1_ratio:g}) kept; p-values and intervals "
        "ignore that selection and are optimistic"
    )
    return out


def check_solver_options(est: Any, solver: str, n_classes: int) -> None:
    """Never accept a parameter and ignore it: options of other solvers raise."""
    if float(est.l1_ratio) > 0 and float(est.alpha) == 0:  # moot, and likely a mistake
        warnings.warn(
            f"l1_ratio={est.l1_ratio:g} has no effect with alpha=0: the fit is unpenalised; "
            "set alpha > 0 (NeuronClassifierCV chooses it)",
            ParameterWarning,
            stacklevel=user_stacklevel(),
        )
    if est.relax and not is_l1_fit(est):
        raise ValueError("relax=True refits after an L1 fit; it needs l1_ratio > 0 and alpha > 0")
    if is_l1_fit(est) and solver != "cd":
        raise ValueError(
            f"l1_ratio={est.l1_ratio} needs solver='cd' or 'auto' (solver={solver!r} "
            "cannot handle the L1 term)"
        )
    # with solver='auto' the learner named no solver: say which one it chose, and the
    # solver that takes the option (as the command line's '--learning-rate needs --solver')
    auto = est.solver == "auto"
    if solver not in _FIRST_ORDER and est.learning_rate is not None:
        if auto:
            raise ValueError(
                f"learning_rate is used by gradient descent only; solver='auto' chose "
                f"{solver!r}, which takes no step size: pass solver='gd' (or 'sgd') with "
                "it, or leave learning_rate out"
            )
        raise ValueError(f"learning_rate is used by solver='gd' or 'sgd' only, not {solver!r}")
    if solver != "sgd":
        for name in ("optimizer", "batch_size"):
            if getattr(est, name) is not None and auto:
                raise ValueError(
                    f"{name} is used by minibatch descent only; solver='auto' chose "
                    f"{solver!r}: pass solver='sgd' with it, or leave {name} out"
                )
            if getattr(est, name) is not None:
                raise ValueError(f"{name} is used by solver='sgd' only, not {solver!r}")
    if n_classes > 2 and est.threshold != 0.5:
        raise ValueError(
            f"threshold={est.threshold} applies to binary problems only; y has {n_classes} "
            "classes. Only binary classification is supported."
        )


def resolve_solver(est: Any, K: int, X: Any) -> str:
    """The solver ``"auto"`` stands for on this data (see ``NeuronClassifier``)."""
    if est.solver != "auto":
        return est.solver
    if is_l1_fit(est):
        return "cd"
    m = K if K > 2 else 1
    n_params = m * (X.shape[1] + int(est.fit_intercept))
    if n_params > AUTO_NEWTON_MAX_PARAMS or (est.alpha == 0 and X.shape[0] < n_params):
        return "lbfgs"  # the Hessian is expensive, or singular (fewer rows than parameters)
    n = X.shape[0]
    return "subsampled-newton" if n > 4 * subsample_size(n, n_params) else "newton"


def subsample_size(n: int, n_params: int) -> int:
    """Rows of the subsample of ``"subsampled-newton"`` on ``n`` rows.

    About ``n / 20``, but at least :data:`MIN_SUBSAMPLE_ROWS` and
    :data:`SUBSAMPLE_ROWS_PER_PARAM` per parameter, and at most :data:`SUBSAMPLE_ROWS`.
    The subsample's Newton iterations cost ``rows * n_params**2`` each; a smaller
    subsample's Hessian is a rougher preconditioner, which costs about one more
    full-data pass. Measured at 100k x 20 (2 cores): 5000 rows fit in 0.6x the time
    of 20 000 with at most one pass more; at 1M x 100 the 20 000 cap is best.
    ``"auto"`` takes subsampled Newton when ``n`` is over four times this.

    Examples
    --------
    >>> from oneneuron.classifier._fit import subsample_size
    >>> subsample_size(100_000, 21), subsample_size(10**6, 101), subsample_size(50_000, 101)
    (5000, 20000, 10100)
    """
    rows = max(n / 20, SUBSAMPLE_ROWS_PER_PARAM * n_params, MIN_SUBSAMPLE_ROWS)
    return int(min(SUBSAMPLE_ROWS, rows))


def previous_solution(est: Any) -> tuple[Any, ...] | None:
    """``(classes, W, b)`` of the previous fit when ``warm_start`` applies, else None.

    Also a start handed over once as ``est._start_from`` (e.g. by ``NeuronClassifierCV``,
    whose refit at the chosen alpha starts from the full-data path's solution there),
    taken whatever ``warm_start`` says and consumed by this fit.
    """
    start = est.__dict__.pop("_start_from", None)
    if start is not None:
        return start
    if est.warm_start and hasattr(est, "coef_"):
        return est.classes_, est.coef_.astype(np.float64), est.intercept_.astype(np.float64)
    return None


def _shown(classes: Any) -> str:
    """Classes as a short list for a message (the first five, then how many more)."""
    values = [c.item() if hasattr(c, "item") else c for c in np.asarray(classes)[:5]]
    more = len(classes) - len(values)
    return repr(values)[:-1] + (f", ... ({more} more)]" if more else "]")


def initial_theta(
    est: Any,
    problem: LinearLoss,
    prev: Any,
    solver: str,
    data: FitData,
    offset: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """The warm start, or zeros with the intercept-only fit (Newton, L-BFGS, cd).

    The intercepts are the log-odds of the classes' weighted frequencies
    (``data.class_sums``); with an ``offset`` (binary, rows in memory) the
    intercept that fits ``y`` together with the offset
    (:func:`~oneneuron.objective.offset_intercept`): the log-odds alone are
    ``|offset|`` away from the optimum, where large offsets leave Newton a
    Hessian that underflowed. gd and sgd start at zero (the tutorial's path).
    """
    m = problem.n_outputs
    if prev is not None:
        classes, W, b = prev
        if np.array_equal(classes, est.classes_) and W.shape == (m, problem.n_features):
            theta = problem.from_raw(W, b)
            return _center_classes(theta, problem)
        raise ValueError(
            "warm_start=True starts from the previous fit, which had classes "
            f"{_shown(classes)} and {W.shape[1]} features; this fit has classes "
            f"{_shown(est.classes_)} and {problem.n_features} features: fit on the same "
            "classes and features, or set warm_start=False to start afresh"
        )
    theta = np.zeros(problem.n_params)
    if est.fit_intercept and solver not in _FIRST_ORDER:
        class_sums = data.class_sums
        freq = np.maximum(class_sums / class_sums.sum(), 1e-12)  # np.clip's floor, cheaper
        if m == 1 and offset is not None:
            theta[-1] = offset_intercept(host_labels(data) == 1, data.row_weights, offset)
        elif m == 1:
            theta[-1] = np.log(freq[1] / freq[0])
        else:
            theta[-m:] = np.log(freq) - np.mean(np.log(freq))
    return theta


def make_rng(random_state: Any) -> np.random.Generator:
    """A Generator from ``random_state`` (None: a fixed seed, so fits are repeatable)."""
    rs = random_state
    if isinstance(rs, np.random.RandomState):
        rs = rs.randint(2**31)
    return np.random.default_rng(0 if rs is None else rs)


def start_curvature(problem: LinearLoss, data: FitData) -> NDArray[np.float64]:
    """The diagonal of the Hessian at the start, in the solver's coordinates.

    At the starting point every row has the class frequencies ``pi`` as its fitted
    probabilities, so on standardised features the Hessian's diagonal is
    ``pi_k (1 - pi_k)`` for every coefficient of class ``k`` (``pi (1 - pi)`` for one
    neuron), plus the penalty. L-BFGS estimates its Newton step with it.
    """
    m = problem.n_outputs
    pi = data.class_sums / np.sum(data.class_sums)
    v = pi * (1.0 - pi) if m > 1 else np.array([pi[1] * (1.0 - pi[1])])
    v = np.maximum(v, 1e-12)
    parts = [(v[:, None] + problem.alpha * problem._pw[None, :]).ravel()]
    if problem.fit_intercept:
        parts.append(v)
    return np.concatenate(parts)


def host_labels(data: FitData) -> NDArray[np.intp]:
    """Each row's class index on the host (NumPy input has it; others fetch the labels)."""
    if data.y_idx is not None:
        return data.y_idx
    return to_host(data.target).astype(np.intp)


def stratified_rows(
    rng: np.random.Generator, y_idx: NDArray[np.intp], K: int, size: int = SUBSAMPLE_ROWS
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """The rows of the subsample of ``"subsampled-newton"`` and their weight factors.

    Each row is kept with probability ``f = size / n``, except that a class with
    fewer than ``c / f`` rows, ``c = size // 10``, is kept with the higher
    probability ``q_k = min(1, c / n_k)`` (all of its rows when it has at most
    ``c``), and its rows' weights are multiplied by ``f / q_k``, so the
    subsample objective still estimates the full one without bias. On data with
    no rare class this is a plain uniform subsample with factors 1.
    """
    n = len(y_idx)
    f = size / n
    counts = np.bincount(y_idx, minlength=K)
    q = np.minimum(1.0, np.maximum(f, (size // 10) / np.maximum(counts, 1)))
    if np.all(q == f):  # uniform: the gaps between kept rows are geometric (no n draws)
        rows = bernoulli_rows(rng, n, f)
        return rows, np.ones(len(rows))
    # drawn in chunks (the same random stream as one draw of n): no n-sized temporaries
    step = 1 << 16
    rows = np.concatenate(
        [
            np.flatnonzero(rng.random(min(step, n - i)) < q[y_idx[i : i + step]]) + i
            for i in range(0, n, step)
        ]
        or [np.zeros(0, dtype=np.intp)]
    )
    return rows, (f / q)[y_idx[rows]]


def bernoulli_rows(rng: np.random.Generator, n: int, f: float) -> NDArray[np.intp]:
    """Sorted rows of ``range(n)``, each kept independently with probability ``f`` < 1.

    The gaps between kept rows are geometric, so this draws about ``f n`` numbers
    instead of ``n``.
    """
    chunks, last = [], -1
    while last < n - 1:
        size = int(f * (n - last)) + int(6 * np.sqrt(f * n)) + 16
        pos = last + np.cumsum(rng.geometric(f, size=size))
        chunks.append(pos[pos < n])
        last = int(pos[-1])
    return np.concatenate(chunks).astype(np.intp)


def run_solver(est: Any, solver: str, problem: LinearLoss, theta0: NDArray, data: FitData) -> Any:
    """Run ``solver`` from ``theta0`` with the estimator's options; the solver's result."""
    n = data.n_samples
    trace = Trace(record_path=est.record_path)
    opts = {"max_iter": est.max_iter, "tol": est.tol, "trace": trace}
    if solver == "gd":
        lr = 0.1 if est.learning_rate is None else est.learning_rate
        return gradient_descent(problem, theta0, learning_rate=lr, **opts)
    if solver == "sgd":
        lr = 0.01 if est.learning_rate is None else est.learning_rate
        opt = OPTIMIZERS[est.optimizer or "adam"](lr)
        bs = est.batch_size or 32
        rng = make_rng(est.random_state)
        return minibatch_descent(
            problem, theta0, optimizer=opt, n_samples=n, batch_size=bs, rng=rng, **opts
        )
    if solver == "lbfgs":
        return lbfgs(problem, theta0, curvature=start_curvature(problem, data), **opts)
    if solver == "cd":
        # exact below METRIC_FROM_ROWS rows: no rows drawn, so a passed RandomState
        # is not drawn from either
        rows = metric_rows(n, make_rng(est.random_state)) if n >= METRIC_FROM_ROWS else None
        strength = float(est.alpha) * float(est.l1_ratio)
        return run_cd(problem, strength, theta0, data, rows=rows, **opts)
    gauge = _softmax_gauge(problem) if problem.multinomial else None
    K = len(data.classes)
    size = subsample_size(n, theta0.size)
    if solver == "subsampled-newton" and n > size:
        rows, reweight = stratified_rows(make_rng(est.random_state), host_labels(data), K, size)
        sub_engine = subsample_engine(
            data.X,
            data.target,
            data.weights,
            rows,
            problem.multinomial,
            offset=getattr(problem.engine, "offset", None),
            reweight=reweight,
        )
        sub = LinearLoss(
            sub_engine,
            problem.n_outputs,
            problem.alpha,
            problem.mean,
            problem.scale,
            problem.fit_intercept,
            penalty_factor=problem.penalty_factor,
            step_stats=problem.step_stats,
            flat=problem.flat,
        )
        result = subsampled_newton(problem, sub, theta0, gauge=gauge, **opts)
        result.extra["sub_fraction"] = len(rows) / n
        return result
    if not is_tiny_newton(problem, trace):
        return newton(problem, theta0, gauge=gauge, **opts)
    kernel = tiny_newton_kernel()
    if kernel is not None:
        result = compiled_newton(kernel, problem, theta0, **opts)
        if result is not None:
            return result
    t0 = time.perf_counter()
    result = newton(problem, theta0, **opts)
    note_tiny_newton(time.perf_counter() - t0)
    return result


#: Largest fits that the compiled tiny Newton loop takes: parameters, and design entries
#: ``rows * parameters`` (see :func:`is_tiny_newton`).
TINY_NEWTON_MAX_PARAMS, TINY_NEWTON_MAX_ENTRIES = 16, 20_000


_NO_ROWS = np.empty(0)  # no row weights (all equal) or no offsets, for the compiled loop
_NO_ROWS.flags.writeable = False


def is_tiny_newton(problem: Any, trace: Trace) -> bool:
    """Whether ``problem`` is a tiny binary fit that :func:`compiled_newton` can take.

    One sigmoid neuron on in-memory data (:class:`SmallDenseLoss`), with at most
    :data:`TINY_NEWTON_MAX_PARAMS` parameters and :data:`TINY_NEWTON_MAX_ENTRIES` design
    entries (there the Python overhead of the NumPy loop's small array operations is
    most of the solver's time), and no recorded path of coefficients.
    """
    inner = getattr(problem, "_problem", problem)
    if type(inner) is not SmallDenseLoss or trace.record_path or inner._held is not None:
        return False  # (the compiled loop knows no held columns)
    n, P = inner._A.shape
    return P <= TINY_NEWTON_MAX_PARAMS and n * P <= TINY_NEWTON_MAX_ENTRIES


def _standard_stats(problem: Any) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(mu, sigma)`` of the map to standardised coordinates of ``problem``'s stopping
    measure (:attr:`LinearLoss.to_standard`), or two empty arrays where it has none."""
    if problem.step_stats is None:
        return _NO_ROWS, _NO_ROWS
    mu, sigma = (np.ascontiguousarray(a, dtype=np.float64) for a in problem.step_stats)
    return mu, sigma


def compiled_newton(
    kernel: Any,
    problem: Any,
    theta0: NDArray[np.float64],
    *,
    max_iter: int,
    tol: float,
    trace: Trace,
) -> Any:
    """:func:`~oneneuron.solvers.newton` run by the compiled loop ``kernel`` (one call).

    The same iteration, stopping rule, trace, pass count and result (the Hessian at the
    final point included, which the standard errors use); None where the iteration
    leaves the loop's plain path (a ridge, a line search, the float64 floor), and
    the NumPy solver must run from the start instead.
    """
    inner = getattr(problem, "_problem", problem)  # a HessianRecorder's, or itself
    cap = min(int(max_iter), 100) + 1
    none = _NO_ROWS
    status, theta, f, g, H, n_iter, measure, losses, gnorms = kernel(
        inner._A, inner._y, none if inner._s is None else inner._s, inner._c,
        none if inner._off is None else inner._off, inner._pen, theta0, float(tol),
        int(max_iter), cap, *_standard_stats(inner), floor_scale(inner),
    )  # fmt: skip
    if status < 0:
        return None
    engine = inner.engine
    first = engine.n_passes + 1
    engine.n_passes += n_iter + 1
    trace.loss.extend(losses[: n_iter + 1].tolist())
    trace.grad_norm.extend(gnorms[: n_iter + 1].tolist())
    trace.n_passes.extend([float(first + k) for k in range(n_iter + 1)])
    problem.last = (theta, H)  # the result's own theta (the loop's fresh array, read only)
    extra = {"max_ridge": 0.0, "hessian": H}
    return SolverResult(
        theta, f, trace.grad_norm[-1], n_iter, status == 1, trace, "", extra, measure
    )


def newton_may_finish(est: Any, problem: LinearLoss, result: Any) -> bool:
    """Whether ``"auto"``'s L-BFGS ran out of ``max_iter`` where a Newton finish is cheap.

    Only an L-BFGS run that hit ``max_iter`` (not one stopped at the float64 floor),
    with a Hessian of at most ``AUTO_NEWTON_AFTER_LBFGS_COST`` ``rows * n_params**2``
    that is not singular by construction (``alpha > 0`` or at least as many rows as
    parameters). Every engine computes that Hessian (one pass).
    """
    if result.converged or result.message:
        return False
    n, P = problem.engine.n_samples, problem.n_params
    if float(est.alpha) == 0 and n < P:
        return False
    return n * float(P) ** 2 <= AUTO_NEWTON_AFTER_LBFGS_COST


def newton_after_lbfgs(est: Any, problem: LinearLoss, result: Any) -> Any:
    """Newton from the point where L-BFGS ran out of iterations; the two runs as one result.

    L-BFGS converges slowly on ill-conditioned data (raw pixel counts, columns of
    very different spread that standardising does not fix); where the Hessian is
    cheap, Newton's quadratic convergence finishes in a few iterations what L-BFGS
    would take thousands for. The history goes on in the same trace, ``n_iter``
    counts both runs, and the stop reason says what happened.
    """
    gauge = _softmax_gauge(problem) if problem.multinomial else None
    trace = result.trace
    for entries in (trace.loss, trace.grad_norm, trace.n_passes, trace.path):
        del entries[-1:]  # Newton records its starting point (L-BFGS's last) again
    opts = {"max_iter": est.max_iter, "tol": est.tol, "trace": trace}
    finish = newton(problem, result.theta, gauge=gauge, **opts)
    finish.n_iter += result.n_iter
    finish.extra["lbfgs"] = (
        f"L-BFGS stopped at max_iter = {est.max_iter} (relative Newton step "
        f"{result.measure:.3g}); Newton went on from there"
    )
    return finish


def raw_conditioning(est: Any, data: Any) -> float | None:
    """About how much more the loss curves along one direction of the raw weights than
    along another, where ``standardize=False`` makes that 100-fold or more: one learning
    rate then cannot suit every weight (the tutorials' reason to standardise). None
    otherwise, or where the engine kept no column statistics.

    The condition number of ``E[x x']`` over the columns (and the intercept's ones)
    built from their means and spreads alone, as if uncorrelated: the curvature of the
    log-loss is that matrix weighted by ``p (1 - p)``, and once standardised it is the
    identity. Correlations only add to it. Skipped above 500 columns.
    """
    if est.standardize or data.feature_stats is None:
        return None
    mean, std = (np.asarray(v, dtype=np.float64).ravel() for v in data.feature_stats)
    if mean.size > 500 or not (np.isfinite(mean).all() and np.isfinite(std).all()):
        return None
    # a constant column is held at 0 (or aliased): no direction to step along
    varies = std > 1e-7 * np.maximum(np.abs(mean), 1.0)
    if data.flat is not None:
        varies &= ~np.asarray(data.flat, dtype=bool)
    mean, std = mean[varies], std[varies]
    if not mean.size:
        return None
    M = np.outer(mean, mean) + np.diag(std * std)
    if est.fit_intercept:
        M = np.block([[np.ones((1, 1)), mean[None, :]], [mean[:, None], M]])
    eig = np.linalg.eigvalsh(M)
    if not eig[0] > 0:
        return None
    kappa = float(eig[-1] / eig[0])
    return kappa if kappa >= 100 else None


def store_result(
    est: Any,
    problem: LinearLoss,
    result: Any,
    solver: str,
    dtype: Any,
    raw: Any = None,
    stretch: float | None = None,
) -> None:
    """Set the fitted attributes (original scale, X's dtype); warn if not converged.

    ``raw``: ``problem.to_raw(result.theta)`` where the caller has it. ``stretch``:
    :func:`raw_conditioning`'s answer, which leads a first-order solver's advice with
    ``standardize=True``.
    """
    W, b = problem.to_raw(result.theta) if raw is None else raw
    free = l1_free_columns(problem.penalty_factor, est.alpha, est.l1_ratio)
    est.coef_ = centred_coefficients(W, free).astype(dtype)
    est.intercept_ = centred_intercepts(b).astype(dtype)
    est.n_iter_ = int(result.n_iter)
    est.converged_ = bool(result.converged)
    est.grad_norm_ = float(result.grad_norm)
    est.loss_ = float(result.loss)
    sub_passes = result.extra.get("sub_passes", 0.0) * result.extra.get("sub_fraction", 0.0)
    est.n_passes_ = float(problem.n_passes) + sub_passes
    est.solver_ = solver
    tr = result.trace
    est.history_ = {
        "loss": np.asarray(tr.loss),
        "grad_norm": np.asarray(tr.grad_norm),
        "n_passes": np.asarray(tr.n_passes),
    }
    if est.record_path and tr.path:
        raw = [problem.to_raw(t) for t in tr.path]
        est.history_["coef"] = np.stack([w for w, _ in raw])
        est.history_["intercept"] = np.stack([c for _, c in raw])
    what = {"gd": "max|grad|", "sgd": "max|grad|", "cd": "KKT violation"}.get(
        solver, "relative Newton step"
    )
    measure = f"{what} = {result.measure:.3g}"
    if result.converged and not result.message:
        est.stop_reason_ = f"converged: {measure} <= tol = {est.tol:.3g}"
    elif result.converged:
        est.stop_reason_ = f"converged at the float64 floor: {result.message}; {measure}"
    elif result.message:
        est.stop_reason_ = f"stopped: {result.message}; {measure} > tol = {est.tol:.3g}"
    else:
        est.stop_reason_ = f"stopped at max_iter = {est.max_iter}; {measure} > tol = {est.tol:.3g}"
    if "lbfgs" in result.extra:
        est.stop_reason_ = f"{result.extra['lbfgs']}; {est.stop_reason_}"
    if not result.converged:
        # L-BFGS refuses the first-order options: the advice says to leave them out
        own = [k for k in ("learning_rate", "optimizer", "batch_size") if getattr(est, k, None)]
        lbfgs = "solver='lbfgs'" + (f" (without {', '.join(own)})" if own else "")
        if solver in _FIRST_ORDER and "learning_rate too large" in result.message:
            hint = f"lower learning_rate, or use {lbfgs}"
        elif solver in _FIRST_ORDER:
            hint = f"increase max_iter or learning_rate, or use {lbfgs}"
        elif est.alpha > 0:  # already penalised: more iterations are what can help
            hint = "increase max_iter"
        else:
            hint = "increase max_iter, or set alpha > 0 if the classes are separable"
        if solver in _FIRST_ORDER and stretch is not None:
            hint = (
                f"set standardize=True (the default: the raw columns' means and spreads "
                f"make the loss curve about {stretch:.2g} times more along one direction "
                "of the weights than along another, so no one learning_rate suits every "
                f"weight), {hint.replace(', or use', ' or use')}"
            )
        why = f" ({result.message})" if result.message else ""
        warnings.warn(
            f"solver {solver!r} stopped after {counted(result.n_iter, 'iteration')} with "
            f"{measure} > tol = {est.tol:.3g}{why}; {hint}",
            ConvergenceWarning,
            stacklevel=user_stacklevel(),
        )


def _center_classes(theta: NDArray[np.float64], problem: LinearLoss) -> NDArray[np.float64]:
    """Remove the per-feature mean over classes (softmax is invariant to it)."""
    if not problem.multinomial:
        return theta
    m, d = problem.n_outputs, problem.n_features
    Wp, bp = problem.unpack(theta)
    parts = [(Wp - Wp.mean(axis=0)).ravel()]
    if problem.fit_intercept:
        parts.append(bp - bp.mean())
    del m, d
    return np.concatenate(parts)


def _softmax_gauge(problem: LinearLoss) -> NDArray[np.float64]:
    """``kron(ones(K, K), I)`` per block: penalises only the flat softmax directions.

    On the standardised scale. In raw solver coordinates (``problem.step_stats``)
    that is ``T' G T`` for the map ``W' = W sigma``, ``b' = b + W mu``: an identity
    in raw units would leave the flat direction of a column in tiny units (values
    ~1e8) fixed only at round-off, and the steps would wander along it.
    """
    K, d = problem.n_outputs, problem.n_features
    ones = np.ones((K, K))
    stats = getattr(problem, "step_stats", None)
    if stats is None:
        blocks = [np.kron(ones, np.eye(d))]
        if problem.fit_intercept:
            blocks.append(ones)
        return scipy.linalg.block_diag(*blocks) / K
    mu, sigma = (np.asarray(a, dtype=np.float64) for a in stats)
    if not problem.fit_intercept:
        return np.kron(ones, np.diag(sigma**2)) / K
    A = np.diag(sigma**2) + np.outer(mu, mu)
    G = np.empty((K * (d + 1), K * (d + 1)))
    G[: K * d, : K * d] = np.kron(ones, A)
    G[: K * d, K * d :] = np.kron(ones, mu[:, None])
    G[K * d :, : K * d] = G[: K * d, K * d :].T
    G[K * d :, K * d :] = ones
    return G / K

"""L1 and elastic-net fits: penalty factors, the working set's columns, the ``"cd"`` solver run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engines import FitData, column_subset, make_engine, subsample_engine
from ..objective import L1Penalty, LinearLoss
from ..solvers import SolverResult, Trace
from ..solvers.active import Restrict, active_set_newton
from ..solvers.cd import column_hessian_pays

_NOT_NUMBERS = "penalty_factor entries must be numbers, finite and >= 0 (0 = unpenalised)"


def resolve_penalty_factor(
    penalty_factor: Any, n_features: int, feature_names: Any
) -> NDArray[np.float64] | None:
    """``penalty_factor`` as a float array of shape (d,), or None for all ones.

    An array must have one non-negative finite entry per feature; a dict maps
    the model's column names (``feature_names_out_``: a table's coded terms, or
    ``x0, x1, ...`` without names) to factors, the others keeping 1. A table's
    input column that the design coded into several terms is not a key (which
    terms it would cover, say of an interaction, is a choice left to the user):
    the error lists the terms that start with it.
    """
    if penalty_factor is None:
        return None
    if isinstance(penalty_factor, Mapping):
        names = (
            [str(v) for v in feature_names]
            if feature_names is not None
            else [f"x{j}" for j in range(n_features)]
        )
        where = {name: j for j, name in enumerate(names)}
        pf = np.ones(n_features)
        for key, value in penalty_factor.items():
            if str(key) not in where:
                coded = [n for n in names if n.startswith(f"{key}[")]
                shown = coded or names
                known = ", ".join(shown[:8]) + (", ..." if len(shown) > 8 else "")
                raise ValueError(
                    f"penalty_factor names {key!r}, which is not a column of the model; "
                    "its keys are the model's columns (feature_names_out_"
                    + (f"; {key!r} is coded as: {known})" if coded else f": {known})")
                )
            try:
                pf[where[str(key)]] = float(value)
            except (TypeError, ValueError):
                raise ValueError(_NOT_NUMBERS) from None
    else:
        try:
            pf = np.asarray(penalty_factor, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(_NOT_NUMBERS) from None
        if pf.shape != (n_features,):
            raise ValueError(
                f"penalty_factor has shape {pf.shape}; it needs one entry per feature "
                f"({n_features},) or a dict keyed by feature name"
            )
    if not np.all(np.isfinite(pf)) or np.any(pf < 0):
        raise ValueError("penalty_factor entries must be finite and >= 0 (0 = unpenalised)")
    return pf


#: With a row subsample, dense working sets wider than this fraction of X's columns are
#: read in place (no copy; the KKT check after the solve is then free), narrower ones
#: copied (their passes read only their columns). A 20-alpha L1 path on 100k x 100
#: (medians of 5, alternated): 0.47 s at 1/2, 0.39 s at 1/8, 0.38 s always in place;
#: 1/8 keeps wide data (d in the thousands, a few dozen non-zeros) on copies.
IN_PLACE_FRACTION = 0.125


#: Row subsample of the L1 solves' Hessian metric: about ``n / METRIC_FRACTION`` rows,
#: from ``METRIC_MIN_ROWS`` to ``METRIC_MAX_ROWS``, on data of at least
#: ``METRIC_FROM_ROWS`` rows (exact Hessians below).
METRIC_FRACTION, METRIC_MIN_ROWS, METRIC_MAX_ROWS, METRIC_FROM_ROWS = 8, 2_500, 20_000, 10_000


def metric_rows(n: int, rng: np.random.Generator) -> NDArray[np.intp] | None:
    """Rows whose Hessian is the metric of the L1 solver's steps on ``n`` rows, or None.

    The metric only sets the step (the gradient, the KKT check and the optimum are
    the full data's), and a solve falls back to the full Hessian where it proves
    poor, so the subsample is chosen for speed: a Hessian costs
    ``rows * |working set|**2`` flops, a full-data read of 100 columns about as much
    as a Hessian of 2 000 rows. Measured (20-alpha paths, medians of 3, 2 cores):
    ``n / 8`` rows against the former 20 000 from 40 000 rows up (exact below) took
    0.85x the time at 100k x 100, 0.85x at 30k x 100, 0.81x at 60k x 500 and
    0.94-0.96x at 100k x 300 and 200k x 50; ``n / 16`` was slower at 100k x 300.
    5-fold CV on 100k x 100 took 0.79x, on 20k x 100 0.81x.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> metric_rows(5_000, rng) is None, len(metric_rows(100_000, rng)) // 1000
    (True, 12)
    """
    if n < METRIC_FROM_ROWS:
        return None
    rows = min(METRIC_MAX_ROWS, max(METRIC_MIN_ROWS, n / METRIC_FRACTION))
    return np.flatnonzero(rng.random(n) < rows / n)


#: A CSR working set's row-subsample metric is kept only where the full data's Hessian
#: products (``sum_i nnz_i**2`` over the rows' stored values in its columns) exceed the
#: dense ``p x p`` metric's own size by this factor; below it, forming and sweeping the
#: dense metric costs the same from any number of rows, and the exact one converges in
#: fewer steps.
SPARSE_METRIC_FACTOR = 2.0


def subsample_metric_pays(Xc: Any) -> bool:
    """Whether a row subsample's Hessian saves work over the exact one, for columns ``Xc``.

    Dense columns: always (a Hessian costs ``n |A|**2`` products). CSR columns: only
    where the sparse products outweigh the dense metric, ``SPARSE_METRIC_FACTOR``
    times its ``|A|**2`` entries (per pair of classes: both scale alike with K).
    Measured on a sparse 20k x 2 001 path (10 stored values a row, down to 1 988
    non-zeros): 4.4 s and 173 passes with the subsample metric at every working set
    (a 2 000-column set's metric costs the same 30 ms from 2 500 rows as from all
    20 000), 1.7 s and 53 passes with this rule; a 500k x 100k fit with 98 non-zeros
    takes 3 iterations instead of 8, in the same time.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> X = sp.random(20_000, 2_000, density=0.005, format="csr", random_state=0)
    >>> subsample_metric_pays(X[:, :30]), subsample_metric_pays(X)
    (True, False)
    >>> subsample_metric_pays(np.ones((10, 3)))
    True
    """
    if not hasattr(Xc, "indptr"):
        return True
    per_row = np.diff(Xc.indptr).astype(np.float64)
    products = float(per_row @ per_row)
    return products > SPARSE_METRIC_FACTOR * float(Xc.shape[1]) ** 2


def columns_pay(engine: Any, Xc: Any, n_outputs: int) -> bool:
    """Whether a working set's L1 solve takes its Hessian column by column
    (:func:`~oneneuron.solvers.cd.column_hessian_pays`, on the NumPy engine)."""
    if not hasattr(engine, "row_curvatures") or getattr(engine, "columns", None) is not None:
        return False
    dense = not hasattr(Xc, "nnz")
    stored = int(np.prod(Xc.shape)) if dense else int(Xc.nnz)
    return column_hessian_pays(stored, int(Xc.shape[1]), n_outputs, dense=dense)


def column_restrictor(
    data: FitData, problem: LinearLoss, rows: NDArray[np.intp] | None
) -> Restrict:
    """``columns -> (problem on those columns, its row subsample's or None)``.

    Dense NumPy X with a row subsample (tall data) is not copied for a working
    set of more than ``IN_PLACE_FRACTION`` of its columns (the engine reads
    them in place; a copy cost about as much as the solve).
    Other sets and kinds get a column copy, kept for
    the last working set, so repeated solves on an unchanged set (along a path)
    cost no further copies. ``rows`` (sorted row indices) adds the subsample
    problem whose Hessian the restricted solve uses on tall data (for dense X,
    the subsample's rows are gathered once, all columns).
    """
    cache: dict[bytes, tuple[Any, Any]] = {}
    m = problem.n_outputs
    offset = getattr(problem.engine, "offset", None)  # a known term of every row's logit
    options = dict(data.engine_options, **({"offset": offset} if offset is not None else {}))

    # dense NumPy X: a working set of more than half the columns is read in place
    # (a copy costs more than the kernels' extra work on the other columns); the
    # row subsample is gathered once, all columns
    dense = isinstance(data.X, np.ndarray)
    X_rows = data.X[rows] if dense and rows is not None else None

    def restrict(cols: NDArray[np.intp]) -> tuple[Any, Any]:
        key = np.asarray(cols, dtype=np.intp).tobytes()
        if key not in cache:
            pf = None if problem.penalty_factor is None else problem.penalty_factor[cols]
            # in place only with a row subsample: there the full data is only read for
            # loss and gradient (fused, in place); exact Newton's Hessians would
            # gather the columns of every block again
            if X_rows is not None and len(cols) > IN_PLACE_FRACTION * data.n_features:
                Xc = None
                engine = make_engine(
                    data.X, data.target, data.weights, data.multinomial, columns=cols, **options
                )
                if getattr(engine, "columns", None) is not None:  # reads X in place
                    engine.share_reads(problem.engine)
            else:
                Xc = column_subset(data.X, cols)  # for dense X: C-ordered, a quick copy
                engine = make_engine(Xc, data.target, data.weights, data.multinomial, **options)
            opts = dict(fit_intercept=problem.fit_intercept, raw_penalty=problem.raw_penalty)
            full = LinearLoss(
                engine, m, problem.alpha, problem.mean[cols], problem.scale[cols], **opts
            )
            flat = None if problem.flat is None else problem.flat[cols]
            full = replace(full, penalty_factor=pf, flat=flat)
            sub = None
            if Xc is not None and columns_pay(engine, Xc, m):
                # wide binary sets: coordinate descent over the columns, no p x p metric
                # (exact at every step: a row subsample would save nothing)
                full = replace(full, column_hessian=True)
            elif X_rows is not None:
                sub_engine = make_engine(
                    column_subset(X_rows, cols),
                    data.target[rows],
                    data.weights[rows],
                    data.multinomial,
                    **({"offset": offset[rows]} if offset is not None else {}),
                )
                sub = replace(full, engine=sub_engine)
            elif rows is not None and subsample_metric_pays(Xc):
                sub_engine = subsample_engine(
                    Xc, data.target, data.weights, rows, data.multinomial, offset=offset
                )
                sub = replace(full, engine=sub_engine)
            cache.clear()
            cache[key] = (full, sub)
        full, sub = cache[key]
        return replace(full, alpha=problem.alpha), None if sub is None else replace(
            sub, alpha=problem.alpha
        )

    return restrict


def run_cd(
    problem: LinearLoss,
    l1_strength: float,
    theta0: NDArray[np.float64],
    data: FitData,
    *,
    rows: NDArray[np.intp] | None,
    max_iter: int,
    tol: float,
    trace: Trace,
) -> SolverResult:
    """The ``"cd"`` solver: active-set proximal Newton with the L1 weight ``l1_strength * pf``.

    The result's ``loss`` is the whole objective (L1 included); its
    ``extra["l1"]`` is the L1 term, so ``loss - l1`` is the smooth part.
    """
    pen = L1Penalty.for_problem(problem, l1_strength, problem.penalty_factor)
    restrict = column_restrictor(data, problem, rows)
    result = active_set_newton(
        problem, pen, theta0, restrict, max_iter=max_iter, tol=tol, trace=trace
    )
    result.theta = center_free_directions(result.theta, problem, pen)
    result.extra["l1"] = pen.value(result.theta)
    # passes over X: restricted passes read |A|/d of it; a restricted subsample's
    # passes are counted at the final working set's width (an approximation)
    sub = result.extra["subsample_passes"] * (len(rows) / data.n_samples if rows is not None else 0)
    width = result.extra["n_working"] / max(problem.n_features, 1)
    result.extra["sub_passes"] = result.extra["restricted_passes"] + sub * width
    result.extra["sub_fraction"] = 1.0
    return result


def center_free_directions(
    theta: NDArray[np.float64], problem: LinearLoss, pen: L1Penalty
) -> NDArray[np.float64]:
    """Softmax is unchanged by adding one vector to every class: fix that freedom.

    Where it costs no penalty (intercepts; features with no L1 and no L2 weight)
    the mean over classes is removed, as in the other solvers' results; the
    penalised coefficients are identified by the penalty itself.
    """
    if not problem.multinomial:
        return theta
    m, d = problem.n_outputs, problem.n_features
    theta = theta.copy()
    W = theta[: m * d].reshape(m, d)
    free = (pen.lam[:d] == 0.0) & ((problem.alpha == 0.0) | (problem._pw == 0.0))
    W[:, free] -= W[:, free].mean(axis=0)
    if problem.fit_intercept:
        theta[m * d :] -= theta[m * d :].mean()
    return theta

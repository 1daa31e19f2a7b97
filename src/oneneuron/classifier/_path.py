"""``regularization_path``: the elastic-net model at every alpha of a grid, warm-started."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from numbers import Integral, Real
from types import SimpleNamespace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..engines import (
    FitData,
    blas_threads,
    coordinate_stats,
    first_non_finite,
    host_product,
    make_engine,
    prepare,
    refuse_dtype,
    unmask_x,
)
from ..exceptions import ConvergenceWarning, user_stacklevel
from ..functions import sigmoid_pair, softmax
from ..objective import LinearLoss
from ..solvers.path import alpha_max, elastic_net_path, l1_weights, null_fit
from ..tables import is_table, refuse_mixed_names, refuse_multiindex
from ._fit import check_not_lazy, columns_by_name, design_input, refuse_no_rows
from ._predictor import (
    MASKED_PREDICT,
    centred_coefficients,
    centred_intercepts,
    l1_free_columns,
    warn_unknown,
)
from ._sparse import column_restrictor, metric_rows, resolve_penalty_factor

__all__ = ["RegularizationPath", "regularization_path", "default_alpha_min_ratio"]


def default_alpha_min_ratio(n_samples: int, n_features: int) -> float:
    """glmnet's default ``alpha_min / alpha_max``: 1e-4 when ``n > p``, else 1e-2.

    Examples
    --------
    >>> default_alpha_min_ratio(1000, 10), default_alpha_min_ratio(10, 1000)
    (0.0001, 0.01)
    """
    return 1e-4 if n_samples > n_features else 1e-2


@dataclass
class RegularizationPath:
    """Coefficients along a grid of penalty strengths (see :func:`regularization_path`).

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        Decreasing penalty strengths.
    l1_ratio : float
    alpha_max : float
        The smallest alpha at which every penalised coefficient is 0 (analytic).
    coef : ndarray of shape (n_alphas, m, d)
        Original-scale coefficients (``m = 1`` binary, K classes otherwise);
        exact zeros where the L1 term zeroes them.
    intercept : ndarray of shape (n_alphas, m)
    classes : ndarray of shape (K,)
    feature_names : list of str
        The columns of ``coef`` (an estimator's ``feature_names_out_``): a coded
        table's terms, such as ``g[T.b]``.
    deviance_explained : ndarray of shape (n_alphas,)
        ``1 - D(alpha) / D_null``: the deviance of the fit relative to the
        intercept-only model's (glmnet's ``dev.ratio``; NaN if ``D_null = 0``).
    n_nonzero : ndarray of int, shape (n_alphas,)
        Features with a non-zero coefficient (in any class).
    loss : ndarray of shape (n_alphas,)
        The penalised objective at each solution.
    kkt : ndarray of shape (n_alphas,)
        KKT violation of each solution (``<= tol``).
    n_passes : ndarray of shape (n_alphas,)
        Passes over X made up to each alpha (restricted passes count by width).
    mean, scale : ndarray of shape (d,)
        Standardisation statistics.
    design : DesignSpec or None
        The design that coded a table (text, booleans, a formula); predictions then
        take such a table.
    feature_names_in : list of str or None
        The columns of a numeric table X had at fit (None for arrays): predictions on
        a table check its columns against them, by name and order, as scikit-learn
        estimators do.
    """

    alphas: NDArray[np.float64]
    l1_ratio: float
    alpha_max: float
    coef: NDArray[np.float64]
    intercept: NDArray[np.float64]
    classes: NDArray[Any]
    feature_names: list[str]
    deviance_explained: NDArray[np.float64]
    n_nonzero: NDArray[np.intp]
    loss: NDArray[np.float64]
    kkt: NDArray[np.float64]
    n_passes: NDArray[np.float64]
    mean: NDArray[np.float64] = field(repr=False)
    scale: NDArray[np.float64] = field(repr=False)
    design: Any = field(default=None, repr=False)
    feature_names_in: list[str] | None = field(default=None, repr=False)

    def _index(self, alpha: float) -> int:
        hit = np.flatnonzero(np.isclose(self.alphas, alpha, rtol=1e-10, atol=0.0))
        if len(hit) == 0:
            raise ValueError(
                f"alpha={alpha!r} is not on the path (alphas from {self.alphas[0]:.4g} "
                f"to {self.alphas[-1]:.4g}); use one of path.alphas or pass alphas=[...]"
            )
        return int(hit[0])

    def decision_function(self, X: ArrayLike, alpha: float | None = None) -> NDArray:
        """Logits at ``alpha`` (one of :attr:`alphas`): (n,) binary, (n, K) otherwise.

        With ``alpha=None``, for every alpha: shape (n_alphas, n) or (n_alphas, n, K).
        """
        X = self._columns(X)
        idx = np.arange(len(self.alphas)) if alpha is None else np.array([self._index(alpha)])
        Z = self._logits(X, idx)
        return Z if alpha is None else Z[0]

    def _logits(self, X: Any, idx: NDArray[np.intp]) -> NDArray:
        """Logits of the alphas ``idx`` on checked rows ``X`` of any engine's kind (torch,
        Dask: computed where X lives, only the logits come to the host)."""
        C = self.coef[idx]  # (a, m, d): every alpha's logits from one product (one read of X)
        a, m, d = C.shape
        Z = host_product(X, C.reshape(a * m, d).T).reshape(-1, a, m).transpose(1, 0, 2)
        Z = Z + self.intercept[idx][:, None, :]
        return Z[:, :, 0] if m == 1 else Z

    def held_out(self, X: Any) -> tuple[NDArray, NDArray]:
        """Logits and class probabilities at every alpha of rows ``X`` that the fit's
        engine validated (a cross-validation fold's held-out rows, of X's kind: NumPy,
        torch or Dask), without the checks of a prediction's input: shapes
        (n_alphas, n) binary or (n_alphas, n, K), and (n_alphas, n, K)."""
        Z = self._logits(X, np.arange(len(self.alphas)))
        return Z, self._proba(Z)

    def _proba(self, Z: NDArray) -> NDArray:
        if len(self.classes) == 2:
            return sigmoid_pair(Z)
        return softmax(Z.reshape(-1, Z.shape[-1])).reshape(Z.shape)

    def _columns(self, X: Any) -> Any:
        """X as the path's columns, checked as the estimators check a prediction's input:
        a table coded by the path's design, or read by the fit's column names; the
        width; numbers (not complex, text, dates or masked cells: the estimator's rules);
        every value finite (the first NaN or infinity named)."""
        check_not_lazy(X)  # a query not yet run; a repeated name (read as the other)
        refuse_multiindex(X)
        refuse_mixed_names(X)
        refuse_no_rows(X, "RegularizationPath")
        if self.design is not None and is_table(X):  # coded as the path's table was
            report: dict[str, Any] = {}
            X = self.design.transform(X, report)
            warn_unknown(report)
            return X
        if is_table(X) and self.feature_names_in is not None:
            X = columns_by_name(X, self.feature_names_in)  # by name, as the estimator
        X = unmask_x(X, missing=False, fix=MASKED_PREDICT)
        refuse_dtype(X)
        if hasattr(X, "tocsr"):
            A = X.tocsr()
            values = A.data
        else:
            try:
                A = np.asarray(X, dtype=np.float64)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"X must be numeric: {exc}") from None
            values = A
        d = self.coef.shape[-1]
        if A.ndim != 2 or A.shape[1] != d:
            width = A.shape[1] if A.ndim == 2 else f"shape {A.shape}, not"
            raise ValueError(f"X has {width} columns but the path was fitted on {d}")
        if not np.isfinite(values).all():
            raise ValueError(f"{first_non_finite(X)}; a prediction needs every value: fill it")
        return A

    def predict_proba(self, X: ArrayLike, alpha: float | None = None) -> NDArray:
        """Class probabilities at ``alpha``, shape (n, K) (or (n_alphas, n, K) for all)."""
        return self._proba(self.decision_function(X, alpha))

    def to_frame(self) -> Any:
        """A DataFrame, one row per alpha: alpha, n_nonzero, deviance_explained, loss, kkt."""
        import pandas as pd

        return pd.DataFrame(
            {
                "alpha": self.alphas,
                "n_nonzero": self.n_nonzero,
                "deviance_explained": self.deviance_explained,
                "loss": self.loss,
                "kkt": self.kkt,
            }
        )


def setup_problem(
    data: FitData, penalty_factor: Any, fit_intercept: bool
) -> tuple[LinearLoss, NDArray[np.float64]]:
    """The data term on ``data`` (alpha 0) and the intercept-only start (log-odds)."""
    pf = resolve_penalty_factor(penalty_factor, data.n_features, data.feature_names)
    engine = make_engine(data.X, data.target, data.weights, data.multinomial, **data.engine_options)
    m = len(data.classes) if data.multinomial else 1
    center = data.mean
    if fit_intercept and not np.any(center):  # standardize=False: centred for the solver
        # only (scale 1: the same W and penalty, the intercept absorbs the shift); in raw
        # coordinates a column far from zero (1e5 + N(0, 1)) is nearly the intercept's
        # multiple and the path's sweeps stalled short of tol
        stats = data.feature_stats
        center = stats[0] if stats is not None else coordinate_stats(data.X, data.row_weights)[0]
    problem = LinearLoss(
        engine, m, 0.0, center, data.scale, fit_intercept, False, pf, flat=data.flat
    )
    theta0 = np.zeros(problem.n_params)
    if fit_intercept:
        freq = np.clip(data.class_sums / np.sum(data.class_sums), 1e-12, None)
        theta0[-m:] = np.log(freq[1] / freq[0]) if m == 1 else np.log(freq) - np.log(freq).mean()
    return problem, theta0


def null_deviance(data: FitData, fit_intercept: bool) -> float:
    """Mean log-loss of the null model: class frequencies (intercept) or uniform (none)."""
    if not fit_intercept:
        return float(np.log(len(data.classes)))
    pi = data.class_sums / np.sum(data.class_sums)
    pi = pi[pi > 0]
    return float(-np.sum(pi * np.log(pi)))


def _explained(loss: NDArray[np.float64], null: float) -> NDArray[np.float64]:
    """``1 - loss / null``; NaN when the null model is already perfect (one weighted class)."""
    if null <= 0:
        return np.full(len(loss), np.nan)
    return 1.0 - loss / null


def _short_message(res: Any, tol: float) -> str | None:
    """The ConvergenceWarning's text naming the alphas whose solve stopped above ``tol``
    (and why), or None where every alpha reached it."""
    short = np.flatnonzero(~(res.kkt <= tol))  # NaN counts as short
    if not short.size:
        return None
    shown = ", ".join(f"{a:.3g}" for a in res.alphas[short[:5]])
    more = ", ..." if short.size > 5 else ""
    why = next((m for m in (res.messages[i] for i in short) if m), "")
    # at the floating-point floor more iterations cannot help (badly scaled raw features:
    # rescaling them, or standardize=True, can)
    advice = "loosen tol" if "precision" in why else "increase max_iter or loosen tol"
    return (
        f"the path's solve stopped short of tol = {tol:.3g} at {short.size} of "
        f"{len(res.alphas)} alphas (alpha = {shown}{more}; KKT violation up to "
        f"{np.max(res.kkt[short]):.3g}){': ' + why if why else ''}; {advice}"
    )


#: The null fit's KKT tolerance relative to the path's ``tol`` (see :func:`_start`).
NULL_FIT_TOL = 1e-3


def _start(
    data: FitData, options: dict[str, Any]
) -> tuple[Any, Any, Any, float, NDArray[np.float64]]:
    """A path's problem, column restrictor, null fit, ``alpha_max`` and grid of alphas;
    ``options`` are :func:`compute_path`'s keywords that shape them."""
    alphas, l1_ratio, alpha_min_ratio = (
        options[k] for k in ("alphas", "l1_ratio", "alpha_min_ratio")
    )
    tol, max_iter = options["tol"], options["max_iter"]
    problem, theta0 = setup_problem(data, options["penalty_factor"], options["fit_intercept"])
    restrict = column_restrictor(
        data, problem, metric_rows(data.n_samples, np.random.default_rng(0))
    )
    d = problem.n_features
    with blas_threads(problem.engine):
        # alpha_max is read off the null fit's gradient, so it is solved tighter than
        # tol (its free columns only: intercepts and penalty_factor 0; with none it is
        # the log-odds start, already exact); Newton's last step makes this nearly free
        nf = null_fit(problem, theta0, restrict, tol=NULL_FIT_TOL * tol, max_iter=max_iter)
    pf = l1_weights(problem)
    a_max = alpha_max(nf.extra["grad"], pf, l1_ratio)
    if alphas is None:
        if a_max <= 0:
            raise ValueError(
                "every feature is unpenalised (penalty_factor all 0): there is no path; "
                "pass alphas=[...] or penalise some features"
            )
        ratio = alpha_min_ratio or default_alpha_min_ratio(data.n_samples, d)
        grid = a_max * np.logspace(0.0, np.log10(ratio), options["n_alphas"])
    else:
        grid = _given_alphas(alphas, alpha_min_ratio)
    return problem, restrict, nf, a_max, grid


def _given_alphas(alphas: Any, alpha_min_ratio: float | None) -> NDArray[np.float64]:
    """The user's alphas, checked, from the largest down."""
    if alpha_min_ratio is not None:
        raise ValueError(
            "alphas gives the grid; alpha_min_ratio (like n_alphas) shapes the "
            "default grid only: pass one or the other"
        )
    message = "alphas must be a non-empty list of finite numbers >= 0"
    try:
        grid = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
    except (TypeError, ValueError):
        raise ValueError(f"{message}, not {alphas!r}") from None
    if grid.size == 0 or np.any(grid < 0) or not np.all(np.isfinite(grid)):
        raise ValueError(message)
    check_distinct(grid, "alphas")
    return grid


def check_distinct(values: NDArray[np.float64], name: str) -> None:
    """Refuse a grid that names a value twice (a repeated fit, and an ambiguous record).

    Examples
    --------
    >>> check_distinct(np.array([1.0, 0.5, 1.0]), "alphas")
    Traceback (most recent call last):
    ...
    ValueError: alphas has 1 more than once: give each value once
    """
    seen, repeated = np.unique(values, return_counts=True)
    if np.any(repeated > 1):
        twice = seen[repeated > 1][0]
        raise ValueError(f"{name} has {twice:g} more than once: give each value once")


def path_alphas(data: FitData, **options: Any) -> NDArray[np.float64]:
    """The alphas :func:`compute_path` walks with the same ``options``: the given ones,
    sorted, or the default grid from the data's ``alpha_max`` (a null fit, no path)."""
    if options["alphas"] is not None:
        return _given_alphas(options["alphas"], options["alpha_min_ratio"])
    return _start(data, options)[4]


def compute_path(
    data: FitData,
    *,
    alphas: Any,
    l1_ratio: float,
    n_alphas: int,
    alpha_min_ratio: float | None,
    penalty_factor: Any,
    fit_intercept: bool,
    tol: float,
    max_iter: int,
    screen: bool = True,
    messages: list[str] | None = None,
) -> RegularizationPath:
    """:func:`regularization_path` on prepared data (also the CV folds' workhorse).

    Alphas whose solve stops above ``tol`` are one ConvergenceWarning, or, with
    ``messages`` (a list), its text appended there for the caller to report.
    """
    problem, restrict, nf, a_max, grid = _start(
        data,
        dict(
            alphas=alphas,
            l1_ratio=l1_ratio,
            n_alphas=n_alphas,
            alpha_min_ratio=alpha_min_ratio,
            penalty_factor=penalty_factor,
            fit_intercept=fit_intercept,
            tol=tol,
            max_iter=max_iter,
        ),
    )
    d = problem.n_features
    f0 = nf.loss  # penalised coefficients are 0 there: no penalty term
    with blas_threads(problem.engine):
        res = elastic_net_path(
            problem,
            grid,
            nf.theta,
            restrict,
            l1_ratio=l1_ratio,
            tol=tol,
            max_iter=max_iter,
            screen=screen,
            start=(f0, nf.extra["grad"]),
        )
    short = _short_message(res, tol)
    if short is not None and messages is not None:
        messages.append(short)
    elif short is not None:
        warnings.warn(short, ConvergenceWarning, stacklevel=user_stacklevel())
    coefs, intercepts = [], []
    for theta, a in zip(res.thetas, grid, strict=True):
        W, b = problem.to_raw(theta)
        free = l1_free_columns(problem.penalty_factor, a, l1_ratio)
        coefs.append(centred_coefficients(W, free))
        intercepts.append(centred_intercepts(b))
    coef = np.array(coefs)
    names = (
        [str(v) for v in data.feature_names]
        if data.feature_names is not None
        else [f"x{j}" for j in range(d)]
    )
    return RegularizationPath(
        alphas=res.alphas,
        l1_ratio=float(l1_ratio),
        alpha_max=a_max,
        coef=coef,
        intercept=np.array(intercepts),
        classes=data.classes,
        feature_names=names,
        deviance_explained=_explained(res.data_loss, null_deviance(data, fit_intercept)),
        n_nonzero=np.sum(np.any(coef != 0.0, axis=1), axis=1),
        loss=res.loss,
        kkt=res.kkt,
        n_passes=res.n_passes,
        mean=data.mean,  # the fit's standardisation (the solver may have centred too)
        scale=data.scale,
    )


def regularization_path(
    X: Any,
    y: Any = None,
    *,
    alphas: ArrayLike | None = None,
    l1_ratio: float = 1.0,
    n_alphas: int = 100,
    alpha_min_ratio: float | None = None,
    sample_weight: ArrayLike | None = None,
    class_weight: Any = None,
    penalty_factor: Any = None,
    standardize: bool = True,
    fit_intercept: bool = True,
    tol: float = 1e-8,
    max_iter: int = 100,
    formula: str | None = None,
    reference: Any = None,
    encoding: str = "reference",
    missing: str = "error",
) -> RegularizationPath:
    """Fit the elastic-net neuron at every alpha of a decreasing grid, warm-started.

    The objective at each alpha is that of :class:`NeuronClassifier` with the
    same ``l1_ratio``, ``penalty_factor``, ``standardize`` and ``fit_intercept``.
    Each solution starts from the previous one; a sequential strong rule guesses
    the working set and the KKT conditions of the full problem are checked on
    every coefficient at every alpha (see :mod:`oneneuron.solvers.path`), so each
    solution is the exact optimum to ``tol``.

    Parameters
    ----------
    X : array_like, sparse CSR matrix or table of shape (n_samples, n_features)
        Also a torch tensor or dask array, as :meth:`NeuronClassifier.fit`. A
        table (pandas, polars, Arrow) with text, boolean or categorical columns,
        or with ``formula``, goes through the design layer as in
        :meth:`NeuronClassifier.fit` (the path's ``design`` then codes the tables
        given to its predictions, and ``feature_names`` are the term names).
    y : array_like of shape (n_samples,), str or None
        Labels; with a table also the target column's name, or None when
        ``formula`` names the target.
    alphas : array_like, optional
        The grid: distinct finite numbers >= 0, sorted decreasing here (a repeated
        value is an error). Default: ``n_alphas`` values
        log-spaced from ``alpha_max`` down to ``alpha_min_ratio * alpha_max``.
    l1_ratio : float in [0, 1], default=1.0
        Share of the L1 term. For ``l1_ratio = 0`` no finite alpha zeroes the
        coefficients, so ``alpha_max`` is that of ``l1_ratio = 0.001``
        (glmnet's convention).
    n_alphas : int, default=100
    alpha_min_ratio : float, optional
        ``alpha_min / alpha_max``; default 1e-4 when ``n_samples > n_features``,
        else 1e-2 (glmnet's defaults). Shapes the default grid only: with
        ``alphas`` it is an error (``n_alphas`` is then ignored, as glmnet).
    sample_weight, class_weight, penalty_factor, standardize, fit_intercept
        As in :class:`NeuronClassifier`. Paths (and :class:`NeuronClassifierCV`)
        take no ``offset``: fit an offset model at a chosen alpha with
        :class:`NeuronClassifier`.
    tol : float, default=1e-8
        KKT tolerance at every alpha.
    max_iter : int, default=100
        Proximal Newton iterations per restricted solve.
    formula, reference, encoding, missing
        As in :class:`NeuronClassifier`: how a table becomes the model's columns.

    Returns
    -------
    RegularizationPath
        Coefficients, intercepts, deviance explained and non-zeros per alpha,
        with ``predict_proba(X, alpha=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron import regularization_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5))
    >>> y = (X[:, 0] - 2 * X[:, 1] + rng.normal(size=200) > 0).astype(int)
    >>> path = regularization_path(X, y, n_alphas=5, alpha_min_ratio=0.01)
    >>> path.n_nonzero.tolist()
    [0, 2, 3, 4, 4]
    >>> path.deviance_explained.round(2).tolist()
    [-0.0, 0.39, 0.54, 0.59, 0.6]
    >>> path.predict_proba(X[:1], alpha=path.alphas[-1]).round(3).tolist()
    [[0.273, 0.727]]
    """
    if not (_is_real(l1_ratio) and 0.0 <= float(l1_ratio) <= 1.0):  # NaN too
        raise ValueError(f"l1_ratio must be a number in [0, 1], not {l1_ratio!r}")
    if not (_is_integer(n_alphas) and int(n_alphas) >= 1):
        raise ValueError(f"n_alphas must be an integer >= 1, not {n_alphas!r}")
    if alpha_min_ratio is not None and not (
        _is_real(alpha_min_ratio) and 0.0 < float(alpha_min_ratio) < 1.0
    ):
        raise ValueError(f"alpha_min_ratio must be a number in (0, 1), not {alpha_min_ratio!r}")
    if not (_is_real(tol) and float(tol) > 0.0):  # NaN too
        raise ValueError(f"tol must be a number > 0, not {tol!r}")
    if not (_is_integer(max_iter) and int(max_iter) >= 1):
        raise ValueError(f"max_iter must be an integer >= 1, not {max_iter!r}")
    how = SimpleNamespace(
        formula=formula,
        reference=reference,
        encoding=encoding,
        missing=missing,
        fit_intercept=fit_intercept,
    )
    X, y, sample_weight, _, _, design = design_input(how, X, y, sample_weight, None, None)
    data = prepare(
        X,
        y,
        sample_weight,
        class_weight=class_weight,
        standardize=standardize,
        center=fit_intercept,
    )
    if design is not None:
        data.feature_names = np.asarray(design.names, dtype=object)  # penalty_factor by term
    path = compute_path(
        data,
        alphas=alphas,
        l1_ratio=float(l1_ratio),
        n_alphas=int(n_alphas),
        alpha_min_ratio=alpha_min_ratio,
        penalty_factor=penalty_factor,
        fit_intercept=fit_intercept,
        tol=tol,
        max_iter=max_iter,
    )
    return replace(path, design=design, feature_names_in=names_in(data, design))


def _is_real(value: Any) -> bool:
    """A real number (NumPy's too), not a bool or a string."""
    return isinstance(value, Real) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    """An integer (NumPy's too), or a float with an integer value (``100.0``)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    return isinstance(value, Integral) or (np.isfinite(value) and float(value).is_integer())


def names_in(data: FitData, design: Any) -> list[str] | None:
    """The numeric table's column names a path was fitted on (None for arrays, or where
    a design codes the table and checks it itself)."""
    if design is not None or data.feature_names is None:
        return None
    return [str(v) for v in data.feature_names]

"""``NeuronClassifierCV``: choose alpha (and l1_ratio) by cross-validation along paths."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import replace
from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import GroupKFold, check_cv
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..engines import (
    FitData,
    engine_threads,
    kernel_threads,
    one_blas_thread,
    one_thread,
    prepare,
    take_rows,
    to_host,
)
from ..exceptions import (
    ConvergenceWarning,
    EmptyClassWarning,
    GridEdgeWarning,
    user_stacklevel,
)
from ..objective import unmasked  # a masked weight or group is refused
from ..tables import batch_as_table
from ..wording import counted
from ._cvrecord import CVRecord, choose_alpha, cv_record
from ._estimator import (
    FILLS_NAN,
    NeuronClassifier,
    check_score_weights,
    refuse_other_reals,
    score_labels,
)
from ._fit import check_term_names, design_input, host_labels
from ._path import RegularizationPath, check_distinct, compute_path, names_in, path_alphas
from ._predictor import penalty_kind, restoring

#: A fold: training rows, held-out rows, and their weights in it.
Fold = tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]

__all__ = ["NeuronClassifierCV"]

#: Scorings computed here from the predicted probabilities (no estimator object per alpha);
#: any other scikit-learn scorer name, or a callable, goes through :class:`_HeldOut`.
SCORINGS = ("neg_log_loss", "accuracy", "roc_auc")

#: scikit-learn scorer names that score two classes only (``average="binary"``, or a
#: likelihood ratio): with them the CV estimator is a binary classifier, and its tags
#: and fit say so.
BINARY_SCORINGS = (
    "f1",
    "precision",
    "recall",
    "jaccard",
    "positive_likelihood_ratio",
    "neg_negative_likelihood_ratio",
)


def check_binary_scoring(scoring: Any, n_classes: int) -> None:
    """Refuse K > 2 classes for a scoring of :data:`BINARY_SCORINGS`, before any fold."""
    if not (isinstance(scoring, str) and scoring in BINARY_SCORINGS) or n_classes <= 2:
        return
    instead = f"'{scoring}_macro'" if "likelihood" not in scoring else "'neg_log_loss'"
    raise ValueError(
        f"scoring={scoring!r} scores two classes only and y has {n_classes} classes: "
        f"use scoring={instead} (or another multiclass scoring) for them. Only binary "
        "classification is supported."
    )


def resolve_scoring(scoring: Any) -> Any:
    """``scoring`` itself when computed here, else ``score(estimator, X, y, w)``.

    A scikit-learn scorer (by name) gets the held-out sample weights ``w``; a
    callable of the user's gets ``(estimator, X, y)``. Raises a ValueError naming
    ``scoring`` when it is not a scikit-learn scorer name.
    """
    if isinstance(scoring, str) and scoring in SCORINGS:
        return scoring
    if callable(scoring):
        return functools.partial(_unweighted, scoring)
    from sklearn.metrics import get_scorer

    try:
        scorer = get_scorer(scoring)
    except ValueError:
        raise ValueError(
            f"scoring {scoring!r} is not one of {list(SCORINGS)} nor a scikit-learn scorer "
            "name (sklearn.metrics.get_scorer_names() lists them), nor a callable "
            "scorer(estimator, X, y)"
        ) from None
    return functools.partial(_weighted, scorer, scoring)


class _HeldOut(ClassifierMixin, BaseEstimator):
    """One fold's model at one alpha, as a scorer sees it: it predicts the held-out rows.

    A scikit-learn scorer (or a callable ``scorer(estimator, X, y)``) calls
    ``predict``, ``predict_proba``, ``decision_function`` or ``score`` on the
    held-out rows ``X`` it was given; this stand-in answers from the path's
    probabilities there (``P``, one column per class of the whole data, zero for a
    class the training fold lacked), so no estimator is refitted per alpha.
    ``logits`` (K > 2, a fold with every class) are the path's, as the refitted
    model's ``decision_function`` gives them: log-probabilities differ from them by a
    shift per row, which ranks a class's column otherwise.
    """

    def __init__(self, classes: NDArray, P: NDArray, logits: NDArray | None = None) -> None:
        self.classes = classes
        self.P = P
        self.logits = logits

    def __sklearn_is_fitted__(self) -> bool:
        return True

    @property
    def classes_(self) -> NDArray:
        return self.classes

    def _rows(self, X: Any) -> None:
        if getattr(X, "shape", (None,))[0] != len(self.P):
            raise ValueError(
                "a cross-validation scorer may only predict the held-out rows it is given"
            )

    def predict_proba(self, X: Any) -> NDArray:
        self._rows(X)
        return self.P

    def predict_log_proba(self, X: Any) -> NDArray:
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def decision_function(self, X: Any) -> NDArray:
        if self.logits is not None:
            self._rows(X)
            return self.logits
        L = np.log(np.clip(self.predict_proba(X), np.finfo(np.float64).tiny, None))
        return L[:, 1] - L[:, 0] if L.shape[1] == 2 else L

    def predict(self, X: Any) -> NDArray:
        return self.classes[np.argmax(self.predict_proba(X), axis=1)]


def _score(scoring: str, y: NDArray[np.intp], P: NDArray, w: NDArray, K: int) -> float:
    """One fold's score from the predicted probabilities ``P`` (n, K) and class indices ``y``.

    ``scoring`` is one of :data:`SCORINGS`.
    """
    if scoring == "neg_log_loss":  # scikit-learn's log_loss (clipped at eps), without its checks
        eps = np.finfo(np.float64).eps
        p = np.clip(P[np.arange(len(y)), y], eps, 1.0 - eps)
        return float(np.sum(w * np.log(p)) / np.sum(w))
    if scoring == "accuracy":
        return float(np.sum(w * (np.argmax(P, axis=1) == y)) / np.sum(w))
    return ovr_roc_auc(y, P, w)


def ovr_roc_auc(
    y: NDArray[np.intp], P: NDArray[np.float64], sample_weight: NDArray | None = None
) -> float:
    """ROC AUC of class probabilities ``P`` (n, K) for class indices ``y``.

    Binary: the AUC of ``P[:, 1]``. K > 2: the macro average of the one-vs-rest
    AUCs (class ``k`` against the others, ranked by its own column ``P[:, k]``)
    over the classes present in ``y``: a class without rows has no AUC, and a
    held-out fold or an evaluation table may lack one (the convention of
    ``oneneuron evaluate`` and of cross-validation alike; with every class present
    it is scikit-learn's ``roc_auc_score(..., multi_class="ovr")``). NaN when
    fewer than two classes are present.

    Examples
    --------
    >>> from oneneuron.classifier import ovr_roc_auc
    >>> import numpy as np
    >>> P = np.array([[0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1]])
    >>> ovr_roc_auc(np.array([0, 1, 0, 1]), P)  # class 2 has no rows
    1.0
    """
    from sklearn import metrics

    present = np.unique(y)
    if len(present) < 2:
        return float("nan")
    if P.shape[1] == 2:
        return float(metrics.roc_auc_score(y, P[:, 1], sample_weight=sample_weight))
    return float(
        np.mean(
            [metrics.roc_auc_score(y == k, P[:, k], sample_weight=sample_weight) for k in present]
        )
    )


def _fold_scores(
    data: FitData,
    fold: Fold,
    grid: NDArray[np.float64],
    l1_ratio: float,
    options: dict[str, Any],
    scoring: Any,
    k: int,
) -> tuple[NDArray[np.float64], int, list[str]]:
    """Fit the path on the fold's training rows (its own standardisation) and score every
    alpha on its held-out rows, each with the fold's weights.

    ``scoring`` is what :func:`resolve_scoring` gave: a name of :data:`SCORINGS`, or
    ``score(estimator, X, y, w)``.

    Returns the scores, the path's passes and its ConvergenceWarning's message, if any
    (the caller warns once for all folds; a worker process's warnings never reach it).
    """
    assert data.y_idx is not None
    K = len(data.classes)
    train, test, w_train, w_test = fold
    try:
        fold_data = prepare(
            take_rows(data.X, train),
            data.y_idx[train],
            w_train,
            class_weight=options["class_weight_idx"],
            standardize=options["standardize"],
            center=options["fit_intercept"],
        )
        fold_data.feature_names = data.feature_names  # penalty_factor by name
    except ValueError as exc:
        raise ValueError(
            f"cross-validation fold {k}: {exc}; use fewer folds (cv) or other groups"
        ) from None
    short: list[str] = []
    path = _path(fold_data, grid, l1_ratio, options, short)
    X_test = take_rows(data.X, test)  # of X's kind, where X lives
    Z_fold, P_fold = path.held_out(X_test)  # (n_alphas, n_test[, K_fold]), (..., K_fold)
    # the logits where they are the refit's kind (K > 2, every class in the fold)
    Z = Z_fold if K > 2 and len(fold_data.classes) == K else None
    P = np.zeros((len(grid), len(test), K))
    P[:, :, np.asarray(fold_data.classes, dtype=np.intp)] = P_fold
    y, w = data.y_idx[test], w_test
    if isinstance(scoring, str):
        scores = np.array([_score(scoring, y, P[i], w, K) for i in range(len(grid))])
    else:  # a scorer: the user's labels, the held-out rows, the weights where it takes them
        labels = data.classes[y]
        scores = np.array(
            [
                scoring(
                    _HeldOut(data.classes, P[i], None if Z is None else Z[i]), X_test, labels, w
                )
                for i in range(len(grid))
            ]
        )
    return scores, int(path.n_passes[-1]), short


def _path(
    data: FitData,
    grid: NDArray[np.float64],
    l1_ratio: float,
    options: dict[str, Any],
    messages: list[str],
) -> RegularizationPath:
    """The path on ``grid`` with the CV's options; a short solve's message goes to ``messages``."""
    return compute_path(
        data,
        alphas=grid,
        l1_ratio=l1_ratio,
        n_alphas=len(grid),
        alpha_min_ratio=None,
        penalty_factor=options["penalty_factor"],
        fit_intercept=options["fit_intercept"],
        tol=options["tol"],
        max_iter=options["max_iter"],
        messages=messages,
    )


def _full_path(
    data: FitData, grid: NDArray[np.float64], l1_ratio: float, options: dict[str, Any]
) -> tuple[RegularizationPath, list[str]]:
    """The full data's path (``paths_``) and its ConvergenceWarning's message, if any."""
    messages: list[str] = []
    return _path(data, grid, l1_ratio, options, messages), messages


def _in_one_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a worker process: kernels and BLAS held to one thread each."""
    with one_thread():
        return fn(*args)


def _in_one_kernel_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` on one of the threads that share the cores: its passes on one core."""
    with kernel_threads(1):
        return fn(*args)


def run_paths(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]], n_jobs: Any) -> list[Any]:
    """``[fn(*args) for fn, args in calls]``: the CV's paths (folds' and full data's).

    ``n_jobs > 1``: joblib's worker processes, each held to one thread. Otherwise
    (None or 1: one job) the paths run on as many threads as the engines use cores,
    each path's passes on one of them, BLAS held to one thread meanwhile: the
    kernels release the GIL, and whole paths side by side use the cores better
    than one path's passes split across them, whose narrow steps (a working set of
    a few columns: well under a millisecond) and Python in between leave the
    other core idle. Measured on 2 cores, 5 folds and the full data's path at
    100k x 100 (20 alphas): 0.74x the time of running them one after another, each
    on both cores. The same results, to the ulps of a sum split over one chunk of
    rows instead of two; two paths' fold copies are in memory at once. An error in
    one path (or Ctrl-C) cancels those not started; the running ones finish first.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    if effective_n_jobs(n_jobs) > 1:
        return list(Parallel(n_jobs=n_jobs)(delayed(_in_one_thread)(f, *a) for f, a in calls))
    threads = min(len(calls), engine_threads())
    if threads <= 1:
        return [f(*a) for f, a in calls]
    with one_blas_thread(), ThreadPoolExecutor(threads, thread_name_prefix="oneneuron-cv") as ex:
        futures = [ex.submit(_in_one_kernel_thread, f, *a) for f, a in calls]
        try:
            wait(futures, return_when=FIRST_EXCEPTION)
            failed = [fu for fu in futures if fu.done() and fu.exception() is not None]
            if failed:
                raise failed[0].exception()  # type: ignore[misc]
            return [fu.result() for fu in futures]
        except BaseException:  # an error or Ctrl-C: the paths not started yet never start
            for fu in futures:
                fu.cancel()
            raise


def _weighted(scorer: Any, name: str, est: Any, X: Any, y: NDArray, w: NDArray) -> float:
    """The scorer on the held-out rows, weighted by ``w`` unless every weight is 1.

    Unit weights (no ``sample_weight`` given) are no weights: so a scorer that takes
    none, as scikit-learn's one-vs-one ROC AUC for K > 2 classes, scores as it does
    for ``LogisticRegressionCV``; others give the same number either way.
    """
    kwargs = {} if np.all(w == 1) else {"sample_weight": w}
    try:
        return float(scorer(est, X, y, **kwargs))
    except ValueError as exc:
        if "pos_label" not in str(exc):
            raise
        classes = [c.item() if isinstance(c, np.generic) else c for c in est.classes_]
        raise ValueError(_positive_class_advice(scorer, name, classes)) from None


def _positive_class_advice(scorer: Any, name: str, classes: list[Any]) -> str:
    """Why a scorer of one class (``"f1"``, ``"average_precision"``, ...) stopped on
    labels other than 0/1 (scikit-learn's ``pos_label=1`` is not among them), and the
    scorer that names the class: ``make_scorer`` of the same metric, ``pos_label`` the
    last class in sorted order (the one ``predict_proba``'s second column scores)."""
    func = getattr(scorer, "_score_func", None)
    fn = getattr(func, "__name__", None) or "f1_score"
    args = [f"sklearn.metrics.{fn}"]
    method = getattr(scorer, "_response_method", "predict")
    if method != "predict":
        args.append(f"response_method={method!r}")
    if getattr(scorer, "_sign", 1) < 0:
        args.append("greater_is_better=False")
    kwargs = getattr(scorer, "_kwargs", {})
    args += [
        f"{k}={v!r}"
        for k, v in kwargs.items()
        if k != "pos_label" and not (k == "average" and v == "binary")  # the default
    ]
    args.append(f"pos_label={classes[-1]!r}")
    labels = ", ".join(map(repr, classes))
    return (
        f"scoring {name!r} scores one class as the positive one, which scikit-learn takes "
        f"to be 1, and the labels are {labels}: pass "
        f"scoring=sklearn.metrics.make_scorer({', '.join(args)}) (pos_label: the class to "
        "score), or labels coded 0/1"
    )


def _unweighted(scorer: Any, est: Any, X: Any, y: NDArray, w: NDArray) -> float:
    return float(scorer(est, X, y))


def _check_scores(scores: NDArray[np.float64], l1_ratios: NDArray, scoring: Any) -> None:
    """Refuse fold scores that are not numbers: a NaN mean would choose an alpha blindly
    (``argmax`` takes the first NaN: ``alpha_max``, the all-zero model).

    ROC AUC, for one, is undefined on held-out rows of one class (scikit-learn warns and
    returns NaN); a callable scorer may return NaN or infinity.
    """
    bad = ~np.isfinite(scores)
    if not np.any(bad):
        return
    from ._cvrecord import scoring_name

    i, k, _ = np.argwhere(bad)[0]
    folds = sorted({int(f) for f in np.argwhere(bad)[:, 1]})
    raise ValueError(
        f"cross-validation fold {k}: the {scoring_name(scoring)} score is not a number at "
        f"{int(bad[i, k].sum())} of {scores.shape[2]} alphas (l1_ratio {l1_ratios[i]:g}; "
        f"folds with such scores: {folds}), e.g. ROC AUC on held-out rows of one class; "
        "use other folds (cv) or groups, or another scoring"
    )


def _folds_on_rows(
    folds: list[tuple[Any, Any]], kept: NDArray[np.bool_] | None, given: bool, n_samples: int
) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """The folds as indices of the fit's rows (those ``missing="drop"`` keeps).

    ``kept`` marks the rows of the X given to ``fit`` that the fit keeps (None: all
    ``n_samples`` rows).
    ``given``: the folds are the user's own (train, test) index pairs, which index the
    X given to ``fit``, as in scikit-learn, so a dropped row leaves its fold and the
    others are renumbered; a splitter object's folds index the kept rows themselves.
    An index outside the rows, or a fold left without held-out rows, is a ValueError.
    """
    n_given = n_samples if kept is None else len(kept)
    dropped = n_given != n_samples
    n = n_given if given else n_samples  # the rows the folds index
    out = []
    for k, pair in enumerate(folds):
        idx = [np.asarray(part, dtype=np.intp).ravel() for part in pair]
        for part in idx:
            if part.size and (part.min() < -n or part.max() >= n):
                bad = part[(part < -n) | (part >= n)][0]
                where = (
                    f"X has {counted(n, 'row')}"
                    if not dropped or given
                    else f"the fit keeps {n} of X's {n_given} rows (missing='drop'), "
                    "which a splitter object splits; give the folds as (train, test) "
                    "index pairs of X's rows instead"
                )
                raise ValueError(f"cross-validation fold {k} holds row index {bad}, but {where}")
        if given and kept is not None and dropped:
            position = np.cumsum(kept) - 1
            idx = [position[part[kept[part]]] for part in (p % n for p in idx)]
        if idx[1].size == 0:
            raise ValueError(
                f"cross-validation fold {k} has no held-out rows"
                + (" left after missing='drop' dropped rows" if dropped else "")
            )
        out.append((idx[0], idx[1]))
    return out


def _host_weights(data: FitData, sample_weight: Any) -> NDArray[np.float64]:
    """The sample weights of torch or Dask input as a host vector (ones when none)."""
    if sample_weight is None:
        return np.ones(data.n_samples)
    return np.asarray(to_host(sample_weight), dtype=np.float64).reshape(-1)


#: Most rows that :func:`_count_folds` writes out (about 160 MB of row numbers).
MAX_COUNTED_ROWS = 20_000_000


def _count_folds(
    splitter: Any,
    given: bool,
    y_idx: NDArray[np.intp],
    counts: NDArray[np.float64],
    groups: Any,
) -> list[Fold]:
    """Folds of a table of counts drawn over the rows the counts stand for: ``splitter``
    splits the table written out row by row (row ``i`` repeated ``counts[i]`` times, in
    order), and each fold's training and held-out weights are how many of row ``i``'s
    copies fell on either side. A ValueError for counts that are not whole numbers, too
    many counted rows, or folds given as index pairs (they index the table's rows)."""
    if given:
        raise ValueError(
            "split_counts=True draws the folds over the counted rows: pass cv as an int or "
            "a splitter (e.g. StratifiedKFold(5, shuffle=True)), not (train, test) pairs"
        )
    whole = (counts >= 0) & (counts == np.round(counts))
    if not whole.all():
        bad = int(np.flatnonzero(~whole)[0])
        raise ValueError(
            "split_counts=True needs sample_weight of whole-number counts; row "
            f"{bad} has {float(counts[bad])!r}"
        )
    total = float(counts.sum())
    if total > MAX_COUNTED_ROWS:
        raise ValueError(
            f"split_counts=True writes out the {total:.0f} counted rows to draw the folds, "
            f"more than {MAX_COUNTED_ROWS}; draw folds of the table's rows instead"
        )
    n = len(counts)
    rows = np.repeat(np.arange(n), counts.astype(np.int64))
    units_groups = None if groups is None else np.asarray(groups)[rows]
    out = []
    for _, test_units in splitter.split(np.zeros((len(rows), 1)), y_idx[rows], units_groups):
        w_test = np.bincount(rows[test_units], minlength=n).astype(np.float64)
        w_train = counts - w_test
        train, test = np.flatnonzero(w_train > 0), np.flatnonzero(w_test > 0)
        if test.size == 0:
            raise ValueError(f"cross-validation fold {len(out)} has no held-out rows")
        out.append((train, test, w_train[train], w_test[test]))
    return out


def _warn_missing_classes(data: FitData, folds: list[Fold]) -> None:
    """One :class:`~oneneuron.exceptions.EmptyClassWarning` naming the folds whose training
    rows lack a class of the data.

    Such a fold's model gives that class probability 0 on its held-out rows (a log-loss of
    ``-log(eps)``, about 36, per row of it), so its scores measure the split more than
    alpha. Classes are counted by rows of positive sample weight; a fold left with one
    class is not named here (its fit raises an error).
    """
    assert data.y_idx is not None
    K = len(data.classes)
    lacking = []
    for k, (train, _, w_train, _) in enumerate(folds):
        present = np.bincount(data.y_idx[train], weights=w_train, minlength=K)
        absent = [str(c) for c in data.classes[present <= 0]]
        if absent and np.count_nonzero(present > 0) >= 2:  # (one class left: an error later)
            lacking.append(f"fold {k} lacks {', '.join(repr(c) for c in absent)}")
    if lacking:
        warnings.warn(
            f"cross-validation training rows without a class ({'; '.join(lacking)}): those "
            "folds' models give it probability 0, and their scores weigh that more than "
            "alpha; use fewer folds, or groups that spread every class",
            EmptyClassWarning,
            stacklevel=user_stacklevel(),
        )


def grid_edge(paths: list[RegularizationPath], scores: NDArray, scoring: Any) -> str | None:
    """Why the best mean score may lie beyond the alpha grid, or None (see GridEdgeWarning).

    ``scores`` (n_l1, n_folds, n_alphas) on the grids of ``paths`` (one per l1_ratio). The
    best pair's curve is still improving at an end when its mean there is strictly better
    than at the next alpha in; the end counts where the grid could go further: a smallest
    alpha above 0, a largest one that leaves a coefficient non-zero in the full data's fit.
    """
    mean = scores.mean(axis=1)
    i, j = np.unravel_index(np.argmax(mean), mean.shape)
    alphas = np.asarray(paths[i].alphas, dtype=np.float64)
    if alphas.size < 2:
        return None
    order = np.argsort(alphas)
    small, large = int(order[0]), int(order[-1])
    name = scoring if isinstance(scoring, str) else "score"
    if j == small and alphas[j] > 0:
        k, end, beyond = int(order[1]), "smallest", "below"
        advice = (
            "compare a fit with alpha=0 (no penalty), or pass smaller alphas (alphas=, "
            "or a smaller alpha_min_ratio)"
        )
    elif j == large and paths[i].n_nonzero[j] > 0:
        k, end, beyond = int(order[-2]), "largest", "above"
        advice = "pass larger alphas (alphas=; the default grid starts where all are zero)"
    else:
        return None
    if not mean[i, j] > mean[i, k]:  # flat at the end: nothing to gain beyond it
        return None
    return (
        f"cross-validation's best mean held-out {name} ({mean[i, j]:.6g}) is at the {end} "
        f"alpha tried ({alphas[j]:.4g}, the grid's end), better than at the next alpha "
        f"({alphas[k]:.4g}: {mean[i, k]:.6g}): the optimum may lie {beyond} the grid; {advice}"
    )


class NeuronClassifierCV(ClassifierMixin, BaseEstimator):
    """The elastic-net neuron with alpha (and l1_ratio) chosen by cross-validation.

    For each ``l1_ratio`` the full data's path fixes the alpha grid (as
    :func:`~oneneuron.regularization_path`: ``n_alphas`` values from
    ``alpha_max`` down, or ``alphas``); every fold fits that same grid along
    its own path (warm starts, strong rules, KKT checks; standardisation
    statistics from the training fold, as a pipeline would) and scores each
    alpha on its held-out rows. ``rule="min"`` picks the best mean score over
    all (l1_ratio, alpha); ``rule="1se"`` (glmnet's ``lambda.1se``) takes the
    best l1_ratio and then the largest alpha whose mean score is within one
    standard error of the best (glmnet's: the folds' sample standard deviation over
    sqrt(n_folds)). The model is
    then refitted on all rows at the chosen pair (``best_estimator_``). A best mean
    score at an end of the grid, still improving there, is a
    :class:`~oneneuron.GridEdgeWarning`: the optimum may lie beyond the grid.

    Tables (pandas/polars DataFrames, Arrow tables with text, categorical or
    boolean columns, ``formula=``, ``reference=``, ``encoding=``, ``missing=``)
    are taken exactly as :class:`NeuronClassifier` takes them. The design
    (:class:`oneneuron.tables.DesignSpec`: levels and reference, formula terms,
    the fills of ``missing="mean"/"median"/"most_frequent"``, ``center()``'s
    means) is fitted once on all rows, as R's ``model.matrix`` before
    ``cv.glmnet``, so every fold codes the same columns; rows that
    ``missing="drop"`` drops leave before the folds are drawn (``groups`` and
    ``sample_weight`` with them). Standardisation stays per fold. The refit is
    a ``NeuronClassifier`` with the same table options, so ``best_estimator_``
    (and this object) predicts on tables.

    Torch tensors and Dask arrays or DataFrames are taken as ``NeuronClassifier``
    takes them, and choose as the same NumPy array does (the grid to the ulps of a
    sum in another order): each fold's rows are cut where X lives (gathered on the
    tensor's device; indexed lazily from the Dask chunks, X is never collected) and
    fitted by that engine. The labels and sample weights (one number per row, which
    the folds are drawn from) and the held-out probabilities (rows x alphas x
    classes, as for NumPy input) come to the host.

    Parameters
    ----------
    cv : int, cross-validation generator or iterable, default=5
        An int gives stratified folds (``StratifiedKFold``, not shuffled, as
        scikit-learn's ``LogisticRegressionCV``), or ``GroupKFold`` when ``fit`` gets
        ``groups``. Folds of an int are consecutive rows: for rows in a sorted order
        (by date, group, plan) pass ``StratifiedKFold(5, shuffle=True,
        random_state=0)``, as ``oneneuron train --cv`` does (``--cv-seed``). A splitter
        object splits the rows the fit keeps; an iterable of ``(train, test)`` index
        pairs indexes the rows of the X given to ``fit`` (as in scikit-learn), so a row
        that ``missing="drop"`` drops leaves its fold and the other indices keep naming
        the same rows.
    alphas : array_like, optional
        The alpha grid shared by every l1_ratio (default: one per l1_ratio from
        its ``alpha_max``); distinct numbers >= 0, in any order.
    l1_ratios : sequence of float in [0, 1], default=(1.0,)
        Distinct values (a repeated one is an error).
    n_alphas : int, default=100
    alpha_min_ratio : float, optional
        As :func:`~oneneuron.regularization_path` (glmnet's defaults).
    scoring : str or callable, default="neg_log_loss"
        ``"neg_log_loss"``, ``"accuracy"`` and ``"roc_auc"`` are computed from the
        predicted probabilities with the held-out rows' sample weights. Any other
        scikit-learn scorer name (``"balanced_accuracy"``, ``"f1"``,
        ``"neg_brier_score"``, ... : ``sklearn.metrics.get_scorer_names()``) or a
        callable ``scorer(estimator, X, y)`` (higher is better) is called once per
        fold and alpha with the held-out rows, their labels and, for a scikit-learn
        scorer, their sample weights; the ``estimator`` it gets predicts those rows
        from the fold's path at that alpha (``predict``, ``predict_proba``,
        ``decision_function``: the logits, ``score``); with unit weights (none given)
        the scorer gets none. The record names a callable
        ``"callable <its __name__>"``. A scorer of one class (``"f1"``,
        ``"precision"``, ``"average_precision"``, ``"neg_brier_score"``, ...) takes
        scikit-learn's positive class, 1: for other labels the error shows the
        ``make_scorer(..., pos_label=...)`` to pass instead. ``"f1"``,
        ``"precision"``, ``"recall"``, ``"jaccard"`` and the likelihood ratios score
        two classes only: with them the estimator is binary (its tags say so) and
        K > 2 classes are refused (``"f1_macro"`` and the like score them).
        With K > 2 classes, ``"roc_auc"`` is the macro one-vs-rest average over
        the classes present in the held-out rows (as ``oneneuron evaluate``): a
        fold may lack a small class. Every fold's score must be a number: a NaN
        (ROC AUC on held-out rows of one class, say) is an error naming the fold.
        A fold whose training rows lack a class (possible with ``groups``) is a
        UserWarning.
    rule : {"min", "1se"}, default="min"
    n_jobs : int, optional
        Above 1: the paths (each fold's and the full data's) fitted in joblib's
        worker processes, each held to one thread for BLAS and the fused kernels,
        so that the cores are not oversubscribed. None or 1 (one job): the paths
        run side by side on this process's threads, one per core, each path's
        passes on one core (see :func:`run_paths`).
    penalty_factor, fit_intercept, standardize, class_weight, tol, max_iter
        As in :class:`NeuronClassifier` (``max_iter``: proximal Newton
        iterations per restricted solve, and of the refit; ``penalty_factor``
        as a dict is keyed by the model's column names, ``feature_names_out_``,
        e.g. ``"site[T.north]"``, for a table).
    formula, reference, encoding, missing
        As in :class:`NeuronClassifier`: how a table becomes the model's columns.

    Attributes
    ----------
    alpha_, l1_ratio_ : float
        The chosen pair.
    alphas_ : ndarray of shape (n_l1_ratios, n_alphas)
        The grid of each l1_ratio.
    scores_ : ndarray of shape (n_l1_ratios, n_folds, n_alphas)
    cv_results_ : dict of ndarray
        One entry per (l1_ratio, alpha): ``param_l1_ratio``, ``param_alpha``,
        ``split{k}_test_score``, ``mean_test_score``, ``std_test_score``,
        ``rank_test_score`` (tied means share the lowest rank, as in scikit-learn's
        searches), ``n_nonzero`` (full-data fit).
    paths_ : list of RegularizationPath
        The full data's path for each l1_ratio (the CV curve's x axis).
    cv_record_ : CVRecord
        The choice and its evidence, as :meth:`save` stores it.
    best_estimator_ : NeuronClassifier
        Refitted on all rows at ``(alpha_, l1_ratio_)``.
    coef_, intercept_, classes_, n_features_in_, feature_names_in_
        Those of ``best_estimator_``: ``n_features_in_`` and ``feature_names_in_``
        describe the X given to ``fit`` (a table's columns, as scikit-learn
        records them); ``feature_names_out_`` names the model's columns.
    design_, design_report_
        Fits on a table only: the design spec fitted on all rows, and
        ``{"rows", "dropped", "kept"}`` (see :class:`NeuronClassifier`).
    n_iter_ : int
        Proximal Newton iterations of the refit.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron import NeuronClassifierCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 8))
    >>> y = (X[:, 0] - X[:, 1] + rng.normal(size=300) > 0).astype(int)
    >>> cv = NeuronClassifierCV(cv=3, n_alphas=20, rule="1se").fit(X, y)
    >>> cv.coef_.round(2).tolist()
    [[1.16, -1.23, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
    >>> round(float(cv.alpha_ / cv.alphas_[0, 0]), 4)
    0.1438

    A table with a text column and a formula, as ``NeuronClassifier`` takes them:

    >>> import pandas as pd
    >>> site = np.where(X[:, 1] > 0, "hill", "vale")
    >>> df = pd.DataFrame({"x": X[:, 0], "z": X[:, 2], "site": site, "y": y})
    >>> cv = NeuronClassifierCV(cv=3, n_alphas=10, formula="y ~ x + z + C(site)").fit(df, None)
    >>> cv.feature_names_out_.tolist(), cv.coef_.round(2).tolist()
    (['x', 'z', 'C(site)[T.vale]'], [[1.4, 0.04, 2.27]])
    >>> cv.feature_names_in_.tolist()  # the table's columns, as scikit-learn records them
    ['x', 'z', 'site', 'y']
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "cv": ["cv_object"],
        "alphas": ["array-like", None],
        "l1_ratios": ["array-like"],
        "n_alphas": [Interval(Integral, 1, None, closed="left")],
        "alpha_min_ratio": [Interval(Real, 0, 1, closed="neither"), None],
        "scoring": [str, callable],
        "rule": [StrOptions({"min", "1se"})],
        "n_jobs": [Integral, None],
        "penalty_factor": ["array-like", dict, None],
        "fit_intercept": ["boolean"],
        "standardize": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "formula": [str, None],
        "reference": [dict, None],
        "encoding": [StrOptions({"reference", "full"})],
        "missing": [StrOptions({"error", "drop", "mean", "median", "most_frequent"})],
    }

    def __init__(
        self,
        *,
        cv: Any = 5,
        alphas: ArrayLike | None = None,
        l1_ratios: Any = (1.0,),
        n_alphas: int = 100,
        alpha_min_ratio: float | None = None,
        scoring: str = "neg_log_loss",
        rule: str = "min",
        n_jobs: int | None = None,
        penalty_factor: Any = None,
        fit_intercept: bool = True,
        standardize: bool = True,
        class_weight: Any = None,
        tol: float = 1e-8,
        max_iter: int = 100,
        formula: str | None = None,
        reference: dict[str, str] | None = None,
        encoding: str = "reference",
        missing: str = "error",
    ) -> None:
        self.cv = cv
        self.alphas = alphas
        self.l1_ratios = l1_ratios
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.scoring = scoring
        self.rule = rule
        self.n_jobs = n_jobs
        self.penalty_factor = penalty_factor
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter
        self.formula = formula
        self.reference = reference
        self.encoding = encoding
        self.missing = missing

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = self.missing in FILLS_NAN  # as NeuronClassifier's
        # a binary scoring refuses K > 2 classes (as NeuronClassifier's binary settings)
        binary_only = isinstance(self.scoring, str) and self.scoring in BINARY_SCORINGS
        tags.classifier_tags.multi_class = not binary_only
        return tags

    def _validate_params(self) -> None:
        refuse_other_reals(self)  # (Fraction: NumPy's TypeError inside scikit-learn's check)
        super()._validate_params()

    @_fit_context(prefer_skip_nested_validation=True)
    @restoring
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike | str | None = None,
        *,
        sample_weight: ArrayLike | None = None,
        groups: ArrayLike | None = None,
        split_counts: bool = False,
    ) -> NeuronClassifierCV:
        """Cross-validate the path(s), then refit at the chosen (alpha, l1_ratio).

        ``sample_weight`` and ``groups`` are passed by name only (scikit-learn's third
        positional argument is ``sample_weight``, this method's first signature's was
        ``groups``: by name, neither can be taken for the other).

        Parameters
        ----------
        X : array_like, sparse CSR matrix, table, tensor or dask collection of shape (n, d)
            A table goes through the design layer (see the class docstring); torch
            and Dask input stays where it lives (see the class docstring).
        y : array_like of shape (n_samples,), str or None
            Labels; with a table, also the target column's name, or None when
            ``formula`` names the target.
        sample_weight : array_like of shape (n_samples,), optional
            Weights of the fits and of the held-out scores. (No ``offset``: the
            paths take none; fit an offset model at the chosen alpha with
            :class:`NeuronClassifier`.)
        groups : array_like of shape (n_samples,), optional
            Rows of one group stay in one fold (``GroupKFold`` when ``cv`` is an int).
        split_counts : bool, default=False
            ``sample_weight`` holds whole-number counts (a table of counts, one row per
            cell, R's ``UCBAdmissions``): the folds are drawn over the rows the counts
            stand for, each row's count split among the folds, so the choice is that
            of the table written out row by row (the same splitter on the same rows).
            Without it a fold holds out whole table rows, and a cell's count leaves
            the training rows at once: on UCBAdmissions that chose the intercept-only
            model (held-out log-loss 0.724) where the rows written out choose five
            non-zero coefficients (0.574). ``cv`` must then be an int or a splitter.

        Returns
        -------
        self
        """
        X = batch_as_table(X)  # a pyarrow RecordBatch is the Table it holds
        groups = unmasked(groups, "groups")
        X_in, y_in, sw_in = X, y, sample_weight
        X, y, sample_weight, groups, _, design = design_input(
            self, X, y, sample_weight, groups, None
        )
        message = f"l1_ratios must be distinct numbers in [0, 1], not {self.l1_ratios!r}"
        try:
            l1_ratios = np.asarray(self.l1_ratios, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise ValueError(message) from None
        if l1_ratios.size == 0 or not np.all((l1_ratios >= 0) & (l1_ratios <= 1)):  # NaN too
            raise ValueError(message)
        check_distinct(l1_ratios, "l1_ratios")  # one path each (and one row of the record)
        data = prepare(
            X,
            y,
            sample_weight,
            class_weight=self.class_weight,  # checked against the labels here, then re-keyed
            standardize=self.standardize,
            center=self.fit_intercept,
        )
        if data.kind != "numpy":  # the folds are drawn on the host: labels and weights there
            data = replace(
                data, y_idx=host_labels(data), sample_weight=_host_weights(data, sample_weight)
            )
        if design is not None:
            data.feature_names = np.asarray(design.names, dtype=object)
        check_term_names(data.feature_names, self.fit_intercept)  # before the paths, not after
        check_binary_scoring(self.scoring, len(data.classes))  # before the folds, not in one
        assert data.y_idx is not None
        cw = self.class_weight
        if isinstance(cw, dict):  # the folds see class indices: re-key the dict (a label
            # no row holds, which prepare allowed, has no index and no weight to give)
            labels = [c.item() if hasattr(c, "item") else c for c in data.classes]
            plain = {(k.item() if hasattr(k, "item") else k): v for k, v in cw.items()}
            cw = {labels.index(k): v for k, v in plain.items() if k in labels}
        options = {
            "class_weight_idx": cw,
            "standardize": self.standardize,
            "fit_intercept": self.fit_intercept,
            "penalty_factor": self.penalty_factor,
            "tol": self.tol,
            "max_iter": self.max_iter,
        }
        if groups is not None and isinstance(self.cv, Integral):
            splitter: Any = GroupKFold(n_splits=int(self.cv))
        else:
            splitter = check_cv(self.cv, data.y_idx, classifier=True)
        given = not isinstance(self.cv, Integral) and not hasattr(self.cv, "split")
        if split_counts:
            folds = _count_folds(splitter, given, data.y_idx, data.sample_weight, groups)
        else:
            pairs = list(splitter.split(np.zeros((data.n_samples, 1)), data.y_idx, groups))
            kept = getattr(self, "design_report_", {}).get("kept")
            w = data.sample_weight
            folds = [
                (tr, te, w[tr], w[te])
                for tr, te in _folds_on_rows(pairs, kept, given, data.n_samples)
            ]
        for k, (_, _, _, w_test) in enumerate(folds):
            if not np.sum(w_test) > 0:  # its scores would be 0/0
                raise ValueError(
                    f"cross-validation fold {k}: its held-out rows all have sample weight 0, "
                    "so it cannot be scored; shuffle the folds (e.g. cv=StratifiedKFold(5, "
                    "shuffle=True, random_state=0)) or drop the zero-weight rows"
                )
        _warn_missing_classes(data, folds)
        full = prepare(
            data.X,
            data.y_idx,
            data.sample_weight,
            class_weight=cw,
            standardize=self.standardize,
            center=self.fit_intercept,
        )
        full.feature_names = data.feature_names  # the paths' names, penalty_factor by name
        # every path on its l1_ratio's grid (the given alphas, or the full data's default
        # grid: one null fit each), so that the full data's and the folds' run side by side
        grids = [
            path_alphas(
                full,
                alphas=self.alphas,
                l1_ratio=float(r),
                n_alphas=int(self.n_alphas),
                alpha_min_ratio=self.alpha_min_ratio,
                penalty_factor=self.penalty_factor,
                fit_intercept=self.fit_intercept,
                tol=self.tol,
                max_iter=self.max_iter,
            )
            for r in l1_ratios
        ]
        scoring = resolve_scoring(self.scoring)
        calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        for i, r in enumerate(l1_ratios):
            calls.append((_full_path, (full, grids[i], float(r), options)))
            calls += [
                (_fold_scores, (data, fold, grids[i], float(r), options, scoring, k))
                for k, fold in enumerate(folds)
            ]
        out = run_paths(calls, self.n_jobs)
        n_folds = len(folds)
        paths: list[RegularizationPath] = []
        scores = np.zeros((len(l1_ratios), n_folds, len(grids[0])))
        short = []
        for i, r in enumerate(l1_ratios):
            path, msgs = out[i * (n_folds + 1)]
            paths.append(replace(path, design=design, feature_names_in=names_in(data, design)))
            for m in msgs:  # as a regularization_path call would warn it
                warnings.warn(m, ConvergenceWarning, stacklevel=user_stacklevel())
            for k in range(n_folds):
                s, _, msgs = out[i * (n_folds + 1) + 1 + k]
                scores[i, k] = s
                short += [f"cross-validation fold {k} (l1_ratio {r:g}): {m}" for m in msgs]
        if short:  # one warning for all folds (each fold's first message, and how many)
            more = f" (and {len(short) - 1} more folds)" if len(short) > 1 else ""
            warnings.warn(short[0] + more, ConvergenceWarning, stacklevel=user_stacklevel())
        _check_scores(scores, l1_ratios, self.scoring)
        i, j = self._choose(l1_ratios, paths, scores)
        edge = grid_edge(paths, scores, self.scoring)
        if edge:
            warnings.warn(edge, GridEdgeWarning, stacklevel=user_stacklevel())
        # a proximal Newton refit has the paths' l1_ratio and max_iter; an unpenalised one
        # (alpha 0 in a given grid) is a plain fit with its own solver's default max_iter
        penalised = {"l1_ratio": self.l1_ratio_, "max_iter": self.max_iter, "solver": "cd"}
        best = NeuronClassifier(
            alpha=self.alpha_,
            penalty_factor=self.penalty_factor,
            fit_intercept=self.fit_intercept,
            standardize=self.standardize,
            class_weight=self.class_weight,
            tol=self.tol,
            **(penalised if self.alpha_ > 0 else {}),
            formula=self.formula,
            reference=self.reference,
            encoding=self.encoding,
            missing=self.missing,
        )
        # the refit starts from the full-data path's solution at the chosen alpha: the
        # same optimum (to tol), a few passes instead of a cold fit
        best._start_from = (data.classes, paths[i].coef[j], paths[i].intercept[j])
        # (the refit's warnings point at the user's line: user_stacklevel)
        self.best_estimator_ = best.fit(X_in, y_in, sample_weight=sw_in)
        for name in ("classes_", "coef_", "intercept_", "n_features_in_", "mean_", "scale_"):
            setattr(self, name, getattr(best, name))
        if hasattr(best, "feature_names_in_"):
            self.feature_names_in_ = best.feature_names_in_
        else:  # a previous fit's names no longer describe this one
            self.__dict__.pop("feature_names_in_", None)
        self.n_iter_ = max(1, int(best.n_iter_))
        return self

    def _choose(
        self, l1_ratios: NDArray, paths: list[RegularizationPath], scores: NDArray
    ) -> tuple[int, int]:
        """Fill ``cv_results_``, ``scores_``, ``alpha_``, ``l1_ratio_`` from the fold scores.

        Returns the chosen ``(l1_ratio index, alpha index)``.
        """
        n_l1, n_folds, n_alphas = scores.shape
        mean = scores.mean(axis=1)  # (n_l1, n_alphas)
        std = scores.std(axis=1)
        i, j = choose_alpha(scores, self.rule)
        self.l1_ratio_ = float(l1_ratios[i])
        self.alpha_ = float(paths[i].alphas[j])
        self.alphas_ = np.array([p.alphas for p in paths])
        self.scores_ = scores
        self.paths_ = paths
        results: dict[str, Any] = {
            "param_l1_ratio": np.repeat(l1_ratios, n_alphas),
            "param_alpha": self.alphas_.ravel(),
        }
        for k in range(n_folds):
            results[f"split{k}_test_score"] = scores[:, k, :].ravel()
        flat = mean.ravel()
        results["mean_test_score"] = flat
        results["std_test_score"] = std.ravel()
        # scikit-learn's searches' ranks: tied means share the lowest rank (1, 1, 3, ...)
        results["rank_test_score"] = rankdata(-flat, method="min").astype(np.int32)
        results["n_nonzero"] = np.concatenate([p.n_nonzero for p in paths])
        self.cv_results_ = results
        return int(i), int(j)

    @property
    def feature_names_out_(self) -> NDArray[np.object_]:
        """The model's column names in ``coef_`` order (those of ``best_estimator_``).

        A table's coded terms (``site[T.north]``) where the fit coded one; see
        :attr:`NeuronClassifier.feature_names_out_`. ``feature_names_in_`` names
        the table's input columns instead.
        """
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.feature_names_out_

    @property
    def penalty(self) -> str:
        """The penalty's kind (not a parameter): ``"l1"``, ``"l2"`` or ``"elasticnet"``.

        Read from the chosen ``l1_ratio_`` once fitted, else from ``l1_ratios``
        (the lasso's by default). scikit-learn reads it: ``SelectFromModel`` gives an
        ``"l1"`` fit the threshold 1e-5 (every column whose coefficient is not zero),
        as it gives ``LogisticRegressionCV`` whose ``l1_ratio_`` is 1.
        """
        return penalty_kind(getattr(self, "l1_ratio_", self.l1_ratios))

    @property
    def column_importances_(self) -> NDArray[np.float64]:
        """Those of ``best_estimator_``: one per input column, shaped as ``coef_`` (see
        :attr:`NeuronClassifier.column_importances_`, for ``SelectFromModel``)."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.column_importances_

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        """Those of ``best_estimator_`` (see :meth:`NeuronClassifier.get_feature_names_out`)."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.get_feature_names_out(input_features)

    @property
    def cv_record_(self) -> CVRecord:
        """The choice and its evidence (:class:`~oneneuron.classifier.CVRecord`), as saved."""
        check_is_fitted(self, "best_estimator_")
        return cv_record(self)

    def save(self, path: Any, *, overwrite: bool = False) -> None:
        """Save the refitted model with its cross-validation record to a JSON model file.

        The file holds ``best_estimator_`` (what this object predicts with) and
        :attr:`cv_record_` (folds, grid, every fold's score, the rule, the full
        data's coefficient path at ``l1_ratio_``). :func:`oneneuron.load` returns
        that ``NeuronClassifier``, predicting as this object does, with the record
        as ``cv_record_``; ``oneneuron evaluate --report`` draws its coefficient
        path and CV curve. ``best_estimator_.save`` writes the model alone. See
        :mod:`oneneuron.modelfile`.

        Parameters
        ----------
        path : str or path-like
        overwrite : bool, default=False
            Replace an existing file (otherwise :class:`FileExistsError`).

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> import oneneuron
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(150, 4))
        >>> y = (X[:, 0] + rng.normal(size=150) > 0).astype(int)
        >>> cv = oneneuron.NeuronClassifierCV(cv=3, n_alphas=8).fit(X, y)
        >>> path = os.path.join(tempfile.mkdtemp(), "cv.json")
        >>> cv.save(path)
        >>> model = oneneuron.load(path)
        >>> bool((model.predict_proba(X) == cv.predict_proba(X)).all())
        True
        >>> model.cv_record_.alpha == cv.alpha_, model.cv_record_.scores.shape
        (True, (1, 3, 8))
        """
        from . import write_model_file  # the writer the package registered (modelfile)

        write_model_file(self, path, overwrite=overwrite)

    # ------------------------------------------------------------- predict
    def decision_function(self, X: ArrayLike) -> NDArray[np.floating]:
        """Logits of the refitted model (see :meth:`NeuronClassifier.decision_function`)."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.decision_function(X)

    def predict_proba(self, X: ArrayLike) -> NDArray[np.floating]:
        """Class probabilities of the refitted model, shape (n, K)."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    def predict_log_proba(self, X: ArrayLike) -> NDArray[np.floating]:
        """Log of :meth:`predict_proba`, from the logits."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_log_proba(X)

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Labels of the refitted model."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    def score(
        self,
        X: ArrayLike,
        y: ArrayLike | str | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> float:
        """The refitted model's ``scoring`` on ``X`` against ``y``, as scikit-learn's
        ``LogisticRegressionCV.score`` (higher is better).

        So ``cross_val_score`` and ``GridSearchCV`` without a ``scoring`` of their own
        compare models by the metric that chose alpha: a scikit-learn scorer name is that
        scorer (weighted by ``sample_weight``); ``"roc_auc"`` with K > 2 classes is the
        macro one-vs-rest average over the classes present in ``y`` that scored the
        folds (:func:`ovr_roc_auc`); a callable is called as ``scoring(self, X, y)``
        (with ``sample_weight=`` when given: a ``make_scorer`` scorer takes it).
        ``y`` as :meth:`NeuronClassifier.score` takes it: the labels, the table's target
        column by name, or omitted when the formula names the target.
        """
        check_is_fitted(self, "best_estimator_")
        y = score_labels(self, X, y)
        check_score_weights(sample_weight)  # those fit refuses, as the refit's score
        if callable(self.scoring):  # as the folds call it; weights only when given
            if sample_weight is None:
                return float(self.scoring(self, X, y))
            return float(self.scoring(self, X, y, sample_weight=sample_weight))
        if self.scoring == "accuracy":  # the refit's own (reduced on the cluster for Dask)
            return float(self.best_estimator_.score(X, y, sample_weight))
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if self.scoring == "neg_log_loss":  # the scorer's, told every class (rows may lack one)
            from sklearn.metrics import log_loss

            # all on the host, as classes_ (array_api_dispatch reads the labels' namespace)
            P = to_host(self.predict_proba(X))
            return -float(log_loss(to_host(y), P, sample_weight=w, labels=self.classes_))
        if self.scoring == "roc_auc" and len(self.classes_) > 2:
            labels = to_host(y)
            unknown = ~np.isin(labels, self.classes_)
            if unknown.any():
                first = labels[unknown][0]
                first = first.item() if hasattr(first, "item") else first
                raise ValueError(
                    f"y holds labels the model has no class for ({first!r}, ...); its "
                    f"classes are {self.classes_.tolist()}"
                )
            y_idx = np.searchsorted(self.classes_, labels)
            return ovr_roc_auc(y_idx, to_host(self.predict_proba(X)), w)
        from sklearn.metrics import get_scorer

        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return float(get_scorer(self.scoring)(self, X, y, **kwargs))

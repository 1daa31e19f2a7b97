"""Per-row regression diagnostics of a fitted binary model on given data.

For row ``i`` with fitted probability ``p_i`` (of ``classes_[1]``), label
``y_i`` in {0, 1} and design ``x~_i = [1, x_i]``, as R's ``residuals(fit,
type=...)``, ``hatvalues`` and ``cooks.distance`` for a binomial ``glm``
(dispersion 1) and statsmodels' ``GLMResults.get_influence()``::

    deviance residual  sign(y - p) sqrt(-2 (y log p + (1 - y) log(1 - p)))
    Pearson residual   (y - p) / sqrt(p (1 - p))
    response residual  y - p                        (R's type="response")
    working residual   (y - p) / (p (1 - p))        (R's type="working": IRLS's)
    leverage           h = p (1 - p) x~.T A x~,   A = (sum_i w_i p_i (1 - p_i) x~_i x~_i.T)^-1
    standardised       deviance or Pearson residual / sqrt(1 - h)
    Cook's distance    (Pearson / (1 - h))**2 * h / k       (k parameters: the rank)

The standardised residuals are R's ``rstandard(fit)`` (deviance) and
``rstandard(fit, type="pearson")``, the latter statsmodels' ``resid_studentized``.

A row with leverage 1 (within 10 machine epsilons, as R's ``lm.influence``: it alone
holds a column of the rows given, so it determines its own fitted value) has Cook's
distance ``inf``, or 0 where its Pearson residual is exactly 0, and no standardised
residuals (NaN, as R's ``rstandard``).

``A`` is recomputed from the data given (the inverse Fisher information, never
a robust covariance). Sample weights are frequency weights: ``h`` is then the
leverage of one copy of the row.

Leverage and Cook's distance describe a row's part in the fit, so the data given
must be the training rows (statsmodels' ``get_influence`` has only those): other
rows are refused with a ``ValueError``, told apart by the fit's record of its
labels, weights and offset, and by the score. At the fit's estimate the training
rows' score ``g = sum_i w_i (y_i - p_i) x~_i`` is zero (its intercept's entry, the
only unpenalised one, with ``alpha > 0``), so Rao's score statistic ``g.T A g``
above ``SCORE_TOL`` (chi-squared units) means other rows, or a fit that stopped
well before its optimum (the message says both). Rows of weight 0 count for
nothing: extra rows given weight 0 get residuals, and leverages against the
training rows' ``A``. Firth fits are checked by their record only.
Columns that are linear combinations of others (judged as the fit judges them)
are left out of ``A``, as R leaves aliased coefficients out: the leverages do
not depend on that, and ``k`` is the design's rank (statsmodels' Cook's distance
divides by the number of columns instead).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..exceptions import UnknownCategoryWarning
from ..functions import log_sigmoid, sigmoid
from ..objective import ALIAS_TOL
from ._effects import row_weights
from ._fit import (
    data_fingerprint,
    data_mismatch,
    independent_columns,
    model_columns,
    relaxed_view,
    training_rows,
    weighted_gram,
    with_class_weights,
)


def influence_table(
    z: NDArray[np.float64],
    y01: NDArray[np.float64],
    Xt: Any,
    w: NDArray[np.float64],
    fit_intercept: bool,
    index: Any = None,
    dfbetas: list[str] | None = None,
) -> pd.DataFrame:
    """``proba, resid_deviance, resid_pearson, resid_std_deviance, resid_std_pearson,
    leverage, cooks_distance, resid_response, resid_working`` per row, and with
    ``dfbetas`` (the terms' names, in ``Xt``'s order) a column ``dfbetas[term]`` per
    term (NaN for an aliased one).

    ``z`` are the fitted logits (offset included), ``Xt`` the dense design in
    the coefficient table's term order (the intercept first when ``fit_intercept``),
    or a CSR matrix of the model's columns with ``[1, x]`` formed row block by row
    block where ``fit_intercept`` (a table's sparse design: nothing of size rows x
    columns is made dense), ``w`` frequency weights. Columns that are combinations of
    others are left out first, so that ``A`` exists and ``k`` is the design's rank.
    """
    p = sigmoid(z)
    v = sigmoid(z) * sigmoid(-z)  # p (1 - p) without 1 - p rounding to 0 beyond |z| ~ 37
    # the bread A = (X~' C X~)^-1 over the kept terms, for dfbetas: as the triangular R
    # of sqrt(C) X~ (A = R^-1 R^-T) or as A itself
    R: NDArray[np.float64] | None = None
    A: NDArray[np.float64] | None = None
    sparse = hasattr(Xt, "tocsr")
    n_terms = Xt.shape[1] + int(fit_intercept and sparse)
    kept = list(range(n_terms))
    if sparse:
        Xs = Xt.tocsr()
        # aliased columns (combinations of others): the same hat matrix without them
        kept = independent_columns(weighted_gram(Xs, w * v, fit_intercept))
        cols = [j - int(fit_intercept) for j in kept if j >= int(fit_intercept)]
        # the Gram's walk calls nearly collinear columns combinations too: where it
        # finds any, the weighted design's QR factor (blocks made dense) decides
        found = None if len(cols) == Xs.shape[1] else _qr_leverage(Xs, w * v, fit_intercept)
        if found is not None:
            q, k, R = found
            kept = list(range(n_terms))
        else:
            if len(cols) < Xs.shape[1]:
                Xs = Xs[:, cols]
            q, A = _sparse_leverage(Xs, w * v, fit_intercept)
            k = len(kept)
        design = Xs
    else:
        found = _qr_leverage(Xt, w * v)
        if found is not None:  # full rank: from the weighted design's QR factor
            q, k, R = found
        else:  # aliased columns (an exact combination): the hat matrix without them
            G = weighted_gram(Xt[:, int(fit_intercept) :], w * v, fit_intercept)
            kept = independent_columns(G)
            Xt = Xt[:, kept]
            A = np.linalg.inv(Xt.T @ ((w * v)[:, None] * Xt))
            q, k = np.einsum("ij,jk,ik->i", Xt, A, Xt), Xt.shape[1]
        design = Xt
    h = v * q  # the leverage; q = x~.T A x~
    unit_dev = -2.0 * (y01 * log_sigmoid(z) + (1.0 - y01) * log_sigmoid(-z))
    dev = np.sign(y01 - p) * np.sqrt(np.clip(unit_dev, 0.0, None))
    # (y - p) / sqrt(p (1 - p)) from the logit: sqrt((1 - p) / p) = exp(-z / 2) for y = 1,
    # -sqrt(p / (1 - p)) = -exp(z / 2) for y = 0; finite where p rounds to 0 or 1
    sign = 2.0 * y01 - 1.0
    with np.errstate(over="ignore"):  # beyond |z| ~ 1420 a misfit row's residual is inf
        pearson = sign * np.exp(-sign * z / 2.0)
    # a row alone holding a column of these rows has leverage 1: R's lm.influence takes
    # h >= 1 - 10 eps as 1; its distance is then inf (0 where it fits exactly), not a
    # rounding-dependent huge number after NumPy's divide-by-zero warning
    h = np.where(h >= 1.0 - 10.0 * np.finfo(np.float64).eps, 1.0, h)
    # (r / (1 - h))**2 h / k with r**2 h = (y - p)**2 q: finite where r overflows (a misfit
    # row far out: r = exp(|z| / 2), h = exp(-|z|) q); |y - p| = sigmoid(-sign z)
    resid = sigmoid(-sign * z)
    with np.errstate(divide="ignore", invalid="ignore"):
        cooks = (resid / (1.0 - h)) ** 2 * q / k
    cooks = np.where((h == 1.0) & (pearson == 0.0), 0.0, cooks)
    # standardised: r / sqrt(1 - h); none (NaN, R's rstandard) where h is 1
    scale = np.sqrt(np.where(h < 1.0, 1.0 - h, np.nan))
    table = pd.DataFrame(
        {
            "proba": p,
            "resid_deviance": dev,
            "resid_pearson": pearson,
            "resid_std_deviance": dev / scale,
            "resid_std_pearson": pearson / scale,
            "leverage": h,
            "cooks_distance": cooks,
            "resid_response": sign * resid,  # y - p
            # (y - p) / (p (1 - p)) from the logit: 1 + exp(-z) for y = 1, -(1 + exp(z))
            # for y = 0 (finite where p rounds to 0 or 1, up to |z| ~ 709)
            "resid_working": sign * (1.0 + _exp(-sign * z)),
        },
        index=index,
    )
    if dfbetas is None:
        return table
    # y - p = sign |y - p|; (1 - h) NaN at h = 1 (the row alone decides a coefficient)
    factor = sign * resid / np.where(h < 1.0, 1.0 - h, np.nan)
    change = _coefficient_changes(design, fit_intercept and sparse, R, A) * factor[:, None]
    out = np.full((len(z), n_terms), np.nan)
    out[:, kept] = change
    names = [f"dfbetas[{t}]" for t in dfbetas]
    return pd.concat([table, pd.DataFrame(out, index=table.index, columns=names)], axis=1)


def _exp(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``exp(x)``, ``inf`` without NumPy's overflow warning beyond ``x`` ~ 709."""
    with np.errstate(over="ignore"):
        return np.exp(x)


def _coefficient_changes(
    Xt: Any,
    add_intercept: bool,
    R: NDArray[np.float64] | None,
    A: NDArray[np.float64] | None,
) -> NDArray[np.float64]:
    """``A x~_i / se`` per row (``se = sqrt(diag(A))``), A given as the triangular ``R``
    of the weighted design (``A = R^-1 R^-T``: never formed, as for the leverages) or
    itself; ``Xt`` dense ``X~``, or CSR with ``[1, x]`` formed by row blocks
    (``add_intercept``). Times ``(y_i - p_i) / (1 - h_i)``: statsmodels' one-step
    ``d_params`` over ``bse``, its ``dfbetas``."""
    import scipy.linalg

    n = Xt.shape[0]
    p = Xt.shape[1] + int(add_intercept)
    if R is not None:
        Rinv = scipy.linalg.solve_triangular(R, np.eye(p))
        se = np.sqrt(np.einsum("ij,ij->i", Rinv, Rinv))
    else:
        assert A is not None
        se = np.sqrt(np.diagonal(A))
    rows = n if not hasattr(Xt, "tocsr") else max(1, LEVERAGE_BLOCK_CELLS // max(1, p))
    out = np.empty((n, p))
    for start in range(0, n, rows):
        part = Xt[start : start + rows]
        B = np.asarray(part.todense() if hasattr(part, "todense") else part, np.float64)
        B = np.column_stack([np.ones(len(B)), B]) if add_intercept else B
        if R is not None:  # A x~ = R^-1 (R^-T x~)
            Y = scipy.linalg.solve_triangular(R, B.T, trans="T")
            AX = scipy.linalg.solve_triangular(R, Y).T
        else:
            AX = B @ A
        out[start : start + rows] = AX / se
    return out


def _qr_leverage(
    Xt: Any, c: NDArray[np.float64], fit_intercept: bool = False
) -> tuple[NDArray[np.float64], int, NDArray[np.float64]] | None:
    """``q_i = x~_i' (X~' C X~)^-1 x~_i`` per row, the rank and the triangular ``R`` of
    ``sqrt(C) X~`` (``q_i = |R^-T x~_i|^2``); None where that factor is rank-deficient.

    ``Xt`` is the dense ``X~`` (``fit_intercept`` False: its columns as they are), or a
    CSR matrix of the model's columns with ``X~ = [1, X]`` where ``fit_intercept``: then
    the factor is built by row blocks made dense (a tall-skinny QR, each block stacked
    under the factor so far), so the extra memory is one block.

    Never forms ``X~' C X~``, whose condition number is the design's squared: nearly
    collinear columns (``x`` and ``x + 1e-8 * noise``, which the fit resolves from the
    same factor) keep their leverage, where the Gram's walk called the later one a
    combination of the others and gave the leverage of the design without it.
    Rank-deficient means, as for the fit (:data:`~oneneuron.objective.ALIAS_TOL`), a
    relative singular value of the factor with unit-norm columns at most that tolerance:
    the caller then leaves the aliased columns out.
    """
    import scipy.linalg

    n = Xt.shape[0]
    p = Xt.shape[1] + int(fit_intercept)
    rows = n if not hasattr(Xt, "tocsr") else max(p, LEVERAGE_BLOCK_CELLS // max(1, p))

    def block(start: int) -> NDArray[np.float64]:
        part = Xt[start : start + rows]
        dense = np.asarray(part.todense() if hasattr(part, "todense") else part, np.float64)
        return np.column_stack([np.ones(len(dense)), dense]) if fit_intercept else dense

    R = None
    for start in range(0, n, rows):
        sl = c[start : start + rows]
        B = np.sqrt(sl[sl > 0])[:, None] * block(start)[sl > 0]
        B = B if R is None else np.vstack([R, B])
        if not np.isfinite(B).all():
            return None
        R = np.linalg.qr(B, mode="r") if B.shape[0] >= p else B
    if R is None or R.shape[0] < p:
        return None
    norms = np.sqrt(np.einsum("ij,ij->j", R, R))
    if not (norms > 0).all():
        return None
    sv = np.linalg.svd(R / norms, compute_uv=False)
    if not sv[-1] > ALIAS_TOL * sv[0]:
        return None
    q = np.empty(n)
    for start in range(0, n, rows):
        Y = scipy.linalg.solve_triangular(R, block(start).T, trans="T")  # R^-T x~_i
        q[start : start + rows] = np.einsum("ij,ij->j", Y, Y)
    return q, p, R


#: Rao's score statistic of the rows given (chi-squared units) above which they are not
#: the rows the fit maximised its likelihood on (0 at the optimum; a default fit leaves
#: about 1e-18, gradient descent stopped at max_iter about 1e-5).
SCORE_TOL = 1e-2


def score_statistic(
    Xt: Any, r: NDArray[np.float64], c: NDArray[np.float64], fit_intercept: bool
) -> float:
    """Rao's ``g.T A g`` with ``g = Xt.T r``, ``A = (Xt.T diag(c) Xt)^-1`` over the
    independent columns of ``Xt`` (dense ``[1, X]`` / ``X``, or a CSR ``X`` with the
    intercept implicit where ``fit_intercept``)."""
    if hasattr(Xt, "tocsr"):
        Xs = Xt.tocsr()
        G = weighted_gram(Xs, c, fit_intercept)
        g = np.asarray(Xs.T @ r, dtype=np.float64).ravel()
        if fit_intercept:
            g = np.r_[r.sum(), g]
        X1 = None
    else:
        X1 = Xt
        G = X1.T @ (c[:, None] * X1)
        g = X1.T @ r
    kept = independent_columns(G if X1 is None else _centred_gram(X1, c, fit_intercept))
    G, g = G[np.ix_(kept, kept)], g[kept]
    try:
        return float(g @ np.linalg.solve(G, g))
    except np.linalg.LinAlgError:
        return float("inf")


def _centred_gram(Xt: NDArray[np.float64], c: NDArray[np.float64], fit_intercept: bool) -> Any:
    """:func:`weighted_gram` of a dense design with its intercept column first (if any)."""
    return weighted_gram(Xt[:, int(fit_intercept) :], c, fit_intercept)


def refuse_other_rows(
    model: Any,
    z: NDArray[np.float64],
    y01: NDArray[np.float64],
    Xt: Any,
    w: NDArray[np.float64],
    offset: Any,
    needs: str = "Leverage and Cook's distance",
) -> None:
    """Raise a ``ValueError`` unless ``(Xt, y01, w, offset)`` are the rows the binary
    ``model`` was fitted on (module doc): its record of labels, weights and offset,
    then the score at its estimate."""
    res = getattr(model, "inference_", None)
    fitted = None if res is None else res.extra.get("data")
    why = ""
    off = None if offset is None else np.broadcast_to(np.asarray(offset, float), w.shape)
    if fitted is not None:
        given = data_fingerprint(y01.astype(np.intp), w, 2, off)
        why = data_mismatch(fitted, given, ("the fit", "the rows given"))
    if not why and not (res is not None and res.extra.get("firth")):
        p = sigmoid(z)
        c = w * sigmoid(z) * sigmoid(-z)
        r = w * (y01 - p)
        if float(getattr(model, "alpha", 0.0)) == 0.0:
            stat = score_statistic(Xt, r, c, model.fit_intercept)
        elif model.fit_intercept:  # the intercept alone is unpenalised
            stat = float(r.sum()) ** 2 / max(float(c.sum()), np.finfo(np.float64).tiny)
        else:
            stat = 0.0
        if stat > SCORE_TOL:
            why = (
                f"at the fitted coefficients the score of the rows given is not zero "
                f"(Rao's statistic {stat:.3g}; the training rows give 0), so they are other "
                "rows, or the fit stopped far from its optimum (see n_iter_ and its warning)"
            )
    if why:
        raise ValueError(
            f"the data given are not the rows the model was fitted on: {why}. {needs} "
            "exist for the training rows only: pass them with their "
            "sample_weight and offset (extra rows may be added with weight 0)"
        )


#: Rows of a sparse design made dense at a time for the leverages (bounded temporaries).
LEVERAGE_BLOCK_CELLS = 1 << 22


def _sparse_leverage(
    X: Any, c: NDArray[np.float64], fit_intercept: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``x~_i.T A x~_i`` per row and ``A = (sum_i c_i x~_i x~_i.T)^-1``, for a CSR ``X``
    (``x~ = [1, x]`` with an intercept): the Gram matrix from sparse products, the
    quadratic forms by row blocks of at most ``LEVERAGE_BLOCK_CELLS`` dense cells."""
    n, d = X.shape
    G = np.asarray((X.T @ X.multiply(c[:, None]).tocsr()).todense(), dtype=np.float64)
    if fit_intercept:
        xc = np.asarray(X.T @ c, dtype=np.float64).ravel()
        G = np.block([[np.array([[c.sum()]]), xc[None, :]], [xc[:, None], G]])
    A = np.linalg.inv(G)
    Axx, a0 = (A[1:, 1:], A[1:, 0]) if fit_intercept else (A, None)
    out = np.empty(n)
    rows = max(1, LEVERAGE_BLOCK_CELLS // max(1, d))
    for start in range(0, n, rows):
        Xb = X[start : start + rows]
        Q = np.asarray(Xb @ Axx, dtype=np.float64)
        quad = np.asarray(Xb.multiply(Q).sum(axis=1)).ravel()
        if fit_intercept:
            quad = quad + A[0, 0] + 2.0 * np.asarray(Xb @ a0, dtype=np.float64).ravel()
        out[start : start + rows] = quad
    return out, A


def diagnostics(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    sample_weight: Any = None,
    offset: Any = None,
    dfbetas: bool = False,
) -> pd.DataFrame:
    """Residuals, leverage and Cook's distance of a fitted binary model on ``(X, y)``.

    See the module documentation for the formulas (R's ``influence.measures``).

    Parameters
    ----------
    model : NeuronClassifier
        Fitted, binary.
    X : array_like or sparse matrix, shape (n, d)
        NumPy/SciPy/pandas input: the training rows (others are refused, see the
        module doc; extra rows may come with sample_weight 0). A table's missing
        cells follow the fit's ``missing=``: with ``"drop"`` those rows are left
        out (the result has the other rows, by X's index).
    y : array_like, shape (n,), str or None
        Labels, among ``model.classes_``; for a model fitted on a table, also the
        target column's name, or omitted when the formula names the target.
    sample_weight : array_like, shape (n,), optional
        Frequency weights, as in the fit.
    offset : array_like, shape (n,), optional
        Required exactly when the model was fitted with one.
    dfbetas : bool, default=False
        Add a column ``dfbetas[term]`` per term of the coefficient table: the one-step
        change of the coefficient when the row (one copy of it, with frequency weights)
        is left out, ``A x~_i (y_i - p_i) / (1 - h_i)``, over its standard error
        ``sqrt(diag(A))`` (statsmodels' GLM ``get_influence().dfbetas``; R's ``dfbetas``
        of a glm divides by a leave-one-out residual scale instead). NaN for an aliased
        term and for a row of leverage 1. The columns are dense: rows times terms.

    Returns
    -------
    pandas.DataFrame
        Columns ``proba, resid_deviance, resid_pearson, resid_std_deviance,
        resid_std_pearson, leverage, cooks_distance, resid_response, resid_working``
        (and the ``dfbetas`` ones); X's index when X is a DataFrame.

    Examples
    --------
    >>> from oneneuron import NeuronClassifier, diagnostics
    >>> from oneneuron.datasets import load_exam_scores
    >>> X, y, names = load_exam_scores()
    >>> d = diagnostics(NeuronClassifier().fit(X, y), X, y)
    >>> round(float(d["leverage"].sum()), 6)  # the trace of the hat matrix: 3 parameters
    3.0
    """
    rows = binary_training_rows(
        model, X, y, sample_weight=sample_weight, offset=offset, what="diagnostics"
    )
    terms = None
    if dfbetas:
        fi = bool(rows.model.fit_intercept)
        d = rows.Xt.shape[1] - int(fi and not hasattr(rows.Xt, "tocsr"))
        terms = (["intercept"] if fi else []) + [str(c) for c in model_columns(rows.model, d)]
    return influence_table(
        rows.z, rows.y01, rows.Xt, rows.w, rows.model.fit_intercept, rows.index, dfbetas=terms
    )


@dataclass
class BinaryRows:
    """A binary model's training rows as its fit used them (:func:`binary_training_rows`).

    ``model`` is the model whose table is reported (a ``relax=True`` model's refit),
    ``z`` its logits (offset included), ``y01`` the labels as 0/1 (1: ``classes_[1]``),
    ``Xt`` the design in the coefficient table's term order (dense ``[1, X]`` with an
    intercept, or a CSR ``X`` whose intercept is implicit), ``w`` the rows' frequency
    weights times their class weights, ``offset`` as given (None without one) and
    ``index`` X's index for a DataFrame.
    """

    model: Any
    z: NDArray[np.float64]
    y01: NDArray[np.float64]
    Xt: Any
    w: NDArray[np.float64]
    offset: NDArray[np.float64] | None
    index: Any


def binary_training_rows(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    sample_weight: Any = None,
    offset: Any = None,
    what: str = "diagnostics",
    needs: str = "Leverage and Cook's distance",
) -> BinaryRows:
    """The training rows of a fitted binary ``model`` for a statistic that takes them
    again (``what`` and ``needs`` name it in messages): the fit's ``missing=`` applied, labels
    checked, class weights applied, and other rows refused (:func:`refuse_other_rows`).
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)
    if len(model.classes_) != 2:
        raise ValueError(
            f"{what} are defined for binary models; this one has {len(model.classes_)} classes"
        )
    X, labels, sample_weight, offset = training_rows(
        model, X, y, sample_weight=sample_weight, offset=offset
    )
    model, X = relaxed_view(model, X)  # relax=True: the refit on the kept columns
    index = X.index if isinstance(X, pd.DataFrame) else None
    with warnings.catch_warnings():  # an unseen level: said once, by the next line
        warnings.simplefilter("ignore", UnknownCategoryWarning)
        z = np.asarray(model.decision_function(X, offset=offset), dtype=np.float64)
    Xv = model._validate_predict(X)  # a CSR design (a large table's) stays sparse
    Xd = Xv if hasattr(Xv, "tocsr") else np.asarray(Xv, dtype=np.float64)
    labels = np.asarray(labels)
    if labels.shape != (Xd.shape[0],):
        raise ValueError(f"y must have one label per row of X ({Xd.shape[0]}), got {labels.shape}")
    unknown = ~np.isin(labels, model.classes_)
    if unknown.any():
        raise ValueError(
            f"y has labels the model was not fitted on, e.g. {labels[unknown][0]!r}; "
            f"classes are {model.classes_.tolist()}"
        )
    y01 = (labels == model.classes_[1]).astype(np.float64)
    n = Xd.shape[0]
    w = row_weights(sample_weight, n)
    w = with_class_weights(model, y01.astype(np.intp), w)  # as the fit weighed the rows
    if hasattr(Xd, "tocsr"):
        Xt = Xd
    else:
        Xt = np.column_stack([np.ones(n), Xd]) if model.fit_intercept else Xd
    refuse_other_rows(model, z, y01, Xt, w, offset, needs)
    off = None if offset is None else np.broadcast_to(np.asarray(offset, np.float64), (n,))
    return BinaryRows(model, z, y01, Xt, w, off, index)
